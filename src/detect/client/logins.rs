//! Per-login-path aggregation, for credential stuffing spread over many clients: hundreds of
//! IPs with two or three failed logins each look like nothing per IP, and like an attack
//! once failures are summed by path over a sliding window and compared with that path's
//! own baseline.

use super::table::{Bounded, ClientId, IdMap};
use crate::record::Micros;

/// One client's recent attempts on one login path.
#[derive(Debug)]
pub struct Participant {
    pub id: ClientId,
    pub last: Micros,
    /// 401/403 answers.
    pub fails: u32,
    /// POSTs answered 2xx: the first may be a success, repeats are not.
    pub posts_ok: u32,
    /// POSTs answered with a redirect after the first failure: the usual "typo, then
    /// logged in"; a regular who fails now and then logs in far more often.
    pub successes: u32,
    pub flagged: bool,
}

/// What one login POST looked like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// 401/403.
    Failed,
    /// 2xx to a POST: success or an error page, can't tell.
    Answered,
    /// 3xx to a POST: the usual success.
    Redirected,
}

impl Participant {
    pub(crate) fn suspicious(&self) -> u32 {
        let n = self.fails + self.posts_ok.saturating_sub(1);
        if self.successes > 0 && n <= 1 { 0 } else { n }
    }

    /// Failed repeatedly, and more often than it logged in: a stuffer (whose odd lucky
    /// guess does not clear it), not a regular with the odd typo.
    pub(crate) fn repeater(&self) -> bool {
        let s = self.suspicious();
        s >= 2 && self.successes < s
    }
}

/// Attempts one participant can add to a path's sum (see `tick`).
const PER_CLIENT_CAP: u32 = 3;

pub struct PathAgg {
    pub path: Box<str>,
    parts: IdMap<Participant>,
    /// Attempts and clients not tracked because `parts` was full; counted, not named.
    /// Per window, current and previous, so they age out like participants do.
    overflow_attempts: [u64; 2],
    overflow_clients: [u64; 2],
    overflow_epoch: i64,
    /// Clients shed from a full `parts` after one failure, by key and time (direct-mapped,
    /// allocated when `parts` first fills): a busy login page has thousands of one-time
    /// typos per window, and a stuffer's second try must still find its first.
    once: Vec<(u64, Micros)>,
    last_seen: Micros,
    /// Slow EWMA of (attempts, clients) per window, learned only while quiet.
    base_attempts: f64,
    base_clients: f64,
    base_at: Option<Micros>,
    /// When the path was first seen: it is not judged before a full window has passed.
    born: Micros,
    /// Slow EWMA of clients failing two or more times per window (see `tick`).
    base_repeat: f64,
    /// Last time the stuffing condition held, and the size of the last announcement.
    last_active: Option<Micros>,
    announced_at: Micros,
    /// Raised while the attack settles during one window after announcing: a slow attack
    /// gathering clients is not an escalation.
    announced_clients: f64,
}

/// What a tick found on one path.
pub struct Finding {
    pub path: String,
    pub attempts: u64,
    pub clients: u64,
    pub top: String,
    pub top_attempts: u32,
    pub base_attempts: f64,
    pub base_clients: f64,
    pub announce: bool,
    /// Participants to flag (key, id), bounded by the participant cap.
    pub flag: Vec<(u64, ClientId)>,
}

/// Slots of [`PathAgg::once`]: about a window's worth of one-time failures on a busy page
/// (8 a second for ten minutes is 4,800), 128 KiB per login path.
const ONCE_SLOTS: usize = 8192;

impl PathAgg {
    /// Make room in a full `parts`: drop the oldest quarter of the participants that look
    /// harmless so far (one failure, or a success), remembering one-time failures in `once`.
    /// Their attempts stay in the window's sums (as overflow). Amortised: one scan frees
    /// hundreds of slots. False when every participant is a repeater or already flagged.
    fn shed(&mut self, now: Micros, window: Micros) -> bool {
        let mut lasts: Vec<Micros> = self
            .parts
            .values()
            .filter(|p| !p.flagged && p.suspicious() <= 1)
            .map(|p| p.last)
            .collect();
        if lasts.is_empty() {
            return false;
        }
        let k = lasts.len() / 4;
        let (_, &mut cut, _) = lasts.select_nth_unstable(k);
        if self.once.is_empty() {
            self.once = vec![(0, Micros::MIN); ONCE_SLOTS];
        }
        self.rotate(now, window);
        let (once, attempts, clients) = (
            &mut self.once,
            &mut self.overflow_attempts[0],
            &mut self.overflow_clients[0],
        );
        self.parts.retain(|&k, p| {
            if p.flagged || p.suspicious() > 1 || p.last > cut {
                return true;
            }
            if p.suspicious() == 1 {
                *attempts += 1;
                *clients += 1;
                once[k as usize % ONCE_SLOTS] = (k, p.last);
            }
            false
        });
        true
    }

    /// Whether `key` was shed after one failure within the last `window` (and forget it).
    fn take_once(&mut self, key: u64, now: Micros, window: Micros) -> bool {
        let Some(e) = self.once.get_mut(key as usize % ONCE_SLOTS) else {
            return false;
        };
        let hit = e.0 == key && now.saturating_sub(e.1) <= window;
        if e.0 == key {
            *e = (0, Micros::MIN);
        }
        hit
    }

    fn rotate(&mut self, now: Micros, window: Micros) {
        let e = now.div_euclid(window.max(1));
        if e > self.overflow_epoch {
            let keep = e == self.overflow_epoch + 1;
            self.overflow_attempts = [0, if keep { self.overflow_attempts[0] } else { 0 }];
            self.overflow_clients = [0, if keep { self.overflow_clients[0] } else { 0 }];
            self.overflow_epoch = e;
        }
    }
}

pub struct LoginPaths {
    paths: Bounded<PathAgg>,
    max_parts: usize,
}

pub struct StuffingCfg {
    pub window: Micros,
    pub min_attempts: f64,
    pub min_clients: f64,
    pub vs_baseline: f64,
    pub baseline_tau: Micros,
    pub quiet: Micros,
    pub escalate: f64,
}

impl LoginPaths {
    pub fn new(max_paths: usize, max_parts: usize) -> Self {
        LoginPaths {
            paths: Bounded::new(max_paths),
            max_parts: max_parts.max(1),
        }
    }

    /// A login POST's outcome. Participants are flagged at the next tick, not here, so a
    /// "typo, then success" a second later is seen before judging.
    #[allow(clippy::too_many_arguments)]
    pub fn observe(
        &mut self,
        path_key: u64,
        path: &str,
        client_key: u64,
        id: impl FnOnce() -> ClientId,
        now: Micros,
        attempt: Attempt,
        cfg: &StuffingCfg,
    ) {
        if attempt == Attempt::Redirected {
            // Only marks clients already seen failing: successes never take a slot.
            if let Some(s) = self.paths.slot(path_key) {
                let agg = self.paths.at(s);
                match agg.parts.get_mut(&client_key) {
                    Some(p) => p.successes = p.successes.saturating_add(1),
                    None => {
                        agg.take_once(client_key, now, cfg.window);
                    }
                }
            }
            return;
        }
        let slot = match self.paths.slot(path_key) {
            Some(s) => s,
            None => {
                let agg = PathAgg {
                    path: path.into(),
                    parts: IdMap::default(),
                    overflow_attempts: [0; 2],
                    overflow_clients: [0; 2],
                    overflow_epoch: now.div_euclid(cfg.window.max(1)),
                    once: Vec::new(),
                    last_seen: now,
                    base_attempts: 0.0,
                    base_clients: 0.0,
                    base_at: None,
                    born: now,
                    base_repeat: 0.0,
                    last_active: None,
                    announced_at: now,
                    announced_clients: 0.0,
                };
                // Evict the path with the least recent activity.
                self.paths.insert(path_key, agg, |p| p.last_seen as f64).0
            }
        };
        let max_parts = self.max_parts;
        let agg = self.paths.at(slot);
        agg.last_seen = agg.last_seen.max(now);
        let known = agg.parts.contains_key(&client_key);
        if !known && agg.parts.len() >= max_parts && !agg.shed(now, cfg.window) {
            agg.rotate(now, cfg.window);
            agg.overflow_attempts[0] += 1;
            agg.overflow_clients[0] += 1;
            return;
        }
        let before = if known {
            0
        } else {
            u32::from(agg.take_once(client_key, now, cfg.window))
        };
        let p = agg.parts.entry(client_key).or_insert_with(|| Participant {
            id: id(),
            last: now,
            fails: before,
            posts_ok: 0,
            successes: 0,
            flagged: false,
        });
        p.last = p.last.max(now);
        if attempt == Attempt::Failed {
            p.fails += 1;
        } else {
            p.posts_ok += 1;
        }
    }

    /// Expire old participants, evaluate each path against its floor and baseline.
    pub fn tick(&mut self, now: Micros, cfg: &StuffingCfg, out: &mut Vec<Finding>) {
        for agg in self.paths.values_mut() {
            let cutoff = now.saturating_sub(cfg.window);
            agg.parts.retain(|_, p| p.last >= cutoff);
            agg.rotate(now, cfg.window);
            let mut attempts = agg.overflow_attempts[0] + agg.overflow_attempts[1];
            let mut clients = agg.overflow_clients[0] + agg.overflow_clients[1];
            let mut top: Option<(u64, u32)> = None;
            // Clients failing two or more times: on a busy site ordinary typos (one failure,
            // then success) outnumber a few hundred stuffers, but few clients fail repeatedly.
            let mut repeat = 0u64;
            for (&k, p) in &agg.parts {
                let s = p.suspicious();
                if s == 0 {
                    continue;
                }
                repeat += u64::from(p.repeater());
                // Stuffing is many clients with a few attempts each: cap each one's weight, so
                // a lone brute forcer on the same path (flagged on its own) neither looks like
                // stuffing nor inflates the path's baseline.
                attempts += u64::from(s.min(PER_CLIENT_CAP));
                clients += 1;
                if top.is_none_or(|(_, t)| s > t) {
                    top = Some((k, s));
                }
            }
            let (a, c, r) = (attempts as f64, clients as f64, repeat as f64);
            if now.saturating_sub(agg.born) < cfg.window {
                // Still filling its first window: the sums cover less than a window, so this
                // is the best baseline there is (an EWMA from zero would sit far too low).
                agg.base_attempts = a;
                agg.base_clients = c;
                agg.base_repeat = r;
                agg.base_at = Some(now);
                continue;
            }
            let by_volume = a >= cfg.min_attempts.max(cfg.vs_baseline * agg.base_attempts)
                && c >= cfg.min_clients.max(cfg.vs_baseline * agg.base_clients);
            // Repeaters against their baseline: `vs_baseline` times it on a quiet page, but on
            // a busy one (dozens of regulars failing twice a window) a Poisson margin above
            // half as much again already rules out chance, and waiting for 5× would let a
            // slow attack run for minutes unnamed.
            let b = agg.base_repeat;
            let by_repeat = r
                >= cfg
                    .min_clients
                    .max((cfg.vs_baseline * b).min(1.5 * b + 6.0 * b.sqrt()));
            let fire = by_volume || by_repeat;
            if !fire {
                // Learn the path's normal level only while it is quiet, so an attack
                // does not become its own baseline.
                let dt = agg.base_at.map_or(0, |t| now.saturating_sub(t)).max(0);
                let w = (dt as f64 / cfg.baseline_tau as f64).min(1.0);
                agg.base_attempts += w * (a - agg.base_attempts);
                agg.base_clients += w * (c - agg.base_clients);
                agg.base_repeat += w * (r - agg.base_repeat);
                agg.base_at = Some(now);
                continue;
            }
            let announce = match agg.last_active {
                None => true,
                Some(t) => {
                    now.saturating_sub(t) >= cfg.quiet || c >= cfg.escalate * agg.announced_clients
                }
            };
            agg.last_active = Some(now);
            if announce {
                agg.announced_clients = c;
                agg.announced_at = now;
            } else if now.saturating_sub(agg.announced_at) <= cfg.window {
                agg.announced_clients = agg.announced_clients.max(c);
            }
            let mut flag = Vec::new();
            // Caught by the repeat test alone: flag the repeaters, not every one-time typo
            // nor the regulars.
            for (&k, p) in agg.parts.iter_mut() {
                let suspect = if by_volume {
                    p.suspicious() >= 1
                } else {
                    p.repeater()
                };
                if !p.flagged && suspect {
                    p.flagged = true;
                    flag.push((k, p.id.clone()));
                }
            }
            let (top_key, top_attempts) = top.unwrap_or((0, 0));
            let top = agg
                .parts
                .get(&top_key)
                .map_or_else(|| "-".to_string(), |p| p.id.to_string());
            out.push(Finding {
                path: agg.path.to_string(),
                attempts,
                clients,
                top,
                top_attempts,
                base_attempts: agg.base_attempts,
                base_clients: agg.base_clients,
                announce,
                flag,
            });
        }
        // Forget paths nobody has tried for a long time (baseline included).
        let stale = now.saturating_sub(4 * cfg.baseline_tau);
        self.paths
            .retain(|p| p.last_seen >= stale || !p.parts.is_empty());
    }

    pub fn approx_bytes(&self) -> usize {
        let per_part = std::mem::size_of::<(u64, Participant)>() + 1;
        self.paths.approx_bytes(|p| {
            p.path.len()
                + p.once.capacity() * std::mem::size_of::<(u64, Micros)>()
                + p.parts.capacity() * per_part * 8 / 7
                + p.parts.values().map(|x| x.id.heap_bytes()).sum::<usize>()
        })
    }
}
