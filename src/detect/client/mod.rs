//! Per-client behaviour detection: flood, scraper, brute force, credential stuffing (including
//! the distributed low-and-slow kind, aggregated by login path), scanner and bad bots.
//!
//! State is a bounded table of the most active clients (sampled min-score eviction, so a spray
//! of a million IPs cannot grow it) holding exponentially time-decayed counters: with a time
//! constant τ a counter holds roughly "events in the last τ of log time". Rules compare those
//! counters with absolute floors and, for floods, with the population's typical busy client.
//! A client is announced once per behaviour; again only after a quiet period or when the
//! behaviour escalates markedly. Every flagged client stays listed (bounded) for the TUI.

pub(crate) mod classify;
mod logins;
mod rules;
mod table;

#[cfg(test)]
mod tests;

use crate::event::{Behavior, ClientEvent, LogTime};
use crate::keys::Keys;
use crate::record::{MICROS_PER_SEC, Micros, Request};
use classify::{Classifier, PathClass, UaClass};
use logins::{Attempt, Finding, LoginPaths, StuffingCfg};
use rules::{BEHAVIORS, Flag, behaviors, bidx, flag, magnitude, rules};
use std::net::IpAddr;
use table::{Bounded, ClientId, Distinct};

/// Thresholds and sizes. Rates are "per τ" counts of time-decayed counters: with the default
/// 60 s fast window, `flood_min_per_window: 240.0` means about 240 requests in the last minute.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Clients tracked at once (the most active ones survive eviction).
    pub max_clients: usize,
    /// Flagged clients remembered for `flags()` / `flagged()`.
    pub max_flagged: usize,
    /// Login paths aggregated for distributed credential stuffing.
    pub max_login_paths: usize,
    /// Clients tracked per login path within the stuffing window.
    pub max_participants: usize,
    /// τ of request, error and user-agent counters (seconds).
    pub fast_window_secs: f64,
    /// τ of login-failure and sensitive-probe counters (seconds).
    pub slow_window_secs: f64,
    /// Flood: never below this many requests per fast window…
    pub flood_min_per_window: f64,
    /// …and at least this many times the (slowly learned) p99 client's count.
    pub flood_vs_p99: f64,
    /// Fewer active clients than this and the population is too small for a quantile:
    /// only the floor applies.
    pub flood_min_population: usize,
    /// Scraper: distinct paths within the last 30–60 s (the sketch's sliding window, so in
    /// effect ≥ 100 distinct paths a minute, about 2 new pages a second, sustained)…
    pub scraper_min_distinct: f64,
    /// …at a sustained rate (requests per fast window).
    pub scraper_min_per_window: f64,
    /// Scanner: error answers (400/403/404/405/410) per fast window…
    pub scanner_min_errors: f64,
    /// …as this share of the client's requests at least.
    pub scanner_error_share: f64,
    /// Scanner: sensitive-file probes (`.env`, `.git/`, …) per slow window.
    pub scanner_min_sensitive: f64,
    /// Brute force: failed logins per slow window from one client.
    pub brute_min_failures: f64,
    /// Credential stuffing: window over which failures are summed by path (seconds).
    pub stuffing_window_secs: f64,
    pub stuffing_min_attempts: f64,
    pub stuffing_min_clients: f64,
    /// …and both at least this many times the path's own baseline.
    pub stuffing_vs_baseline: f64,
    /// Bad bot: requests per fast window with a known attack-tool user agent.
    pub badbot_tool_min: f64,
    /// Bad bot: requests per fast window with no user agent.
    pub badbot_empty_per_window: f64,
    /// Bad bot: requests per fast window from an HTTP library / headless browser.
    pub badbot_library_per_window: f64,
    /// No re-announce of a behaviour until it has been quiet this long (seconds)…
    pub quiet_secs: f64,
    /// …unless it grew by this factor since it was last announced.
    pub escalate: f64,
    /// Population statistics and login-path evaluation cadence (seconds of log time).
    pub tick_secs: f64,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            max_clients: 16_384,
            max_flagged: 4_096,
            max_login_paths: 32,
            max_participants: 2_048,
            fast_window_secs: 60.0,
            slow_window_secs: 300.0,
            flood_min_per_window: 240.0,
            flood_vs_p99: 10.0,
            flood_min_population: 50,
            scraper_min_distinct: 100.0,
            scraper_min_per_window: 60.0,
            scanner_min_errors: 20.0,
            scanner_error_share: 0.5,
            scanner_min_sensitive: 3.0,
            brute_min_failures: 10.0,
            stuffing_window_secs: 600.0,
            stuffing_min_attempts: 60.0,
            stuffing_min_clients: 25.0,
            stuffing_vs_baseline: 5.0,
            badbot_tool_min: 3.0,
            badbot_empty_per_window: 60.0,
            badbot_library_per_window: 90.0,
            quiet_secs: 900.0,
            escalate: 4.0,
            tick_secs: 5.0,
        }
    }
}

/// Half-window of the distinct-path sketch.
const DISTINCT_HALF: Micros = 30 * MICROS_PER_SEC;
/// Rules are re-checked for one client at most this often once they hold (keeps the flagged
/// table off the per-request path of an ongoing attack).
const RECHECK: Micros = MICROS_PER_SEC;
/// Clients idle longer than this do not count in the population quantiles.
const ACTIVE: Micros = 300 * MICROS_PER_SEC;
/// Clients sampled for the population quantiles at each tick.
const POP_SAMPLE: usize = 1024;
/// Time constant of the learned population level.
const POP_TAU: f64 = 1800.0;

/// Decayed per-client state. `repr(C)` keeps the fields every request touches together at
/// the front (the table outgrows the caches; each line touched is a likely miss).
#[repr(C)]
struct Client {
    last: Micros,
    // fast τ
    rate: f32,
    err: f32,
    ua_n: f32,
    // slow τ
    fails: f32,
    sens: f32,
    ua_fp: u64,
    ua_class: UaClass,
    /// Boyer–Moore majority vote over path hashes: names the dominant path in summaries.
    top_path: u64,
    top_votes: u32,
    checked: Micros,
    paths: Distinct,
    // No `ClientId` here: events name the client from the request that triggers them (its
    // key is this client's), so a value holds nothing to drop and evicting one never loads
    // it (a cache miss on every new client of a busy log).
}

// Evicting a client must not read it (see `Client`).
const _: () = assert!(!std::mem::needs_drop::<Client>());

pub struct ClientDetector {
    cfg: ClientConfig,
    cls: Classifier,
    clients: Bounded<Client>,
    flagged: Bounded<Flag>,
    logins: LoginPaths,
    stuffing: StuffingCfg,
    // decay constants, µs⁻¹
    inv_fast: f64,
    inv_slow: f64,
    next_tick: Option<Micros>,
    last_tick: Option<Micros>,
    /// Learned p50 / p99 of active clients' fast request counts.
    pop_p50: Option<f64>,
    pop_p99: Option<f64>,
    flood_threshold: f64,
    scratch: Vec<f32>,
    /// Path buffer for [`Keys::compute`] when a request comes without keys.
    norm: crate::window::PathNormalizer,
    findings: Vec<Finding>,
}

impl ClientDetector {
    pub fn new(cfg: ClientConfig) -> Self {
        let secs = |s: f64| (s * MICROS_PER_SEC as f64) as Micros;
        let stuffing = StuffingCfg {
            window: secs(cfg.stuffing_window_secs),
            min_attempts: cfg.stuffing_min_attempts,
            min_clients: cfg.stuffing_min_clients,
            vs_baseline: cfg.stuffing_vs_baseline,
            baseline_tau: secs(3600.0),
            quiet: secs(cfg.quiet_secs),
            escalate: cfg.escalate,
        };
        ClientDetector {
            cls: Classifier::new(),
            clients: Bounded::new(cfg.max_clients),
            flagged: Bounded::new(cfg.max_flagged),
            logins: LoginPaths::new(cfg.max_login_paths, cfg.max_participants),
            stuffing,
            inv_fast: 1.0 / (cfg.fast_window_secs.max(1.0) * MICROS_PER_SEC as f64),
            inv_slow: 1.0 / (cfg.slow_window_secs.max(1.0) * MICROS_PER_SEC as f64),
            next_tick: None,
            last_tick: None,
            pop_p50: None,
            pop_p99: None,
            flood_threshold: cfg.flood_min_per_window,
            scratch: Vec::new(),
            norm: Default::default(),
            findings: Vec::new(),
            cfg,
        }
    }

    /// One request, in log-time order (roughly: a few seconds out of order is normal).
    pub fn observe(&mut self, r: &Request<'_>, out: &mut Vec<ClientEvent>) {
        let keys = Keys::compute(r, &mut self.norm, &mut self.cls);
        self.observe_keyed(r, &keys, out);
    }

    /// Touch the table entries of the clients about to be observed (`keys`, a few records
    /// ahead), so that their cache misses overlap: a short loop of independent lookups runs
    /// them in parallel, where `observe`'s long body would take them one after another.
    /// Returns a value only so the loads are not optimised away.
    pub fn warm(&self, keys: impl Iterator<Item = u64>) -> u64 {
        let mut acc = 0u64;
        for k in keys {
            if let Some(s) = self.clients.slot(k) {
                let c = self.clients.get_at(s);
                acc ^= c.last as u64 ^ c.checked as u64 ^ c.paths.touch() ^ self.clients.touch(s);
            }
        }
        acc
    }

    /// [`ClientDetector::observe`] with the request's keys computed already (parse stage).
    pub fn observe_keyed(&mut self, r: &Request<'_>, k: &Keys, out: &mut Vec<ClientEvent>) {
        let now = r.time;
        if self.next_tick.is_none_or(|t| now >= t) {
            self.tick(now, out);
        }
        let key = k.client;
        let slot = match self.clients.slot(key) {
            Some(s) => s,
            None => {
                let inv = self.inv_fast;
                let c = Client {
                    last: now,
                    rate: 0.0,
                    err: 0.0,
                    ua_n: 0.0,
                    fails: 0.0,
                    sens: 0.0,
                    ua_fp: 0,
                    ua_class: UaClass::Normal,
                    paths: Distinct::default(),
                    top_path: 0,
                    top_votes: 0,
                    checked: Micros::MIN,
                };
                let h = c.hint();
                self.clients
                    .insert_hinted(key, c, h, |h| score_of(h, now, inv))
                    .0
            }
        };
        let c = self.clients.at(slot);
        let dt = now.saturating_sub(c.last);
        if dt > 0 {
            // In f32 (the rates are f32): a third of the cost of the f64 `exp`, per request.
            let f = ((-(dt as f64) * self.inv_fast) as f32).exp();
            // Most clients never fail a login nor probe: skip the second exp for them.
            let g = if c.fails > 1e-3 || c.sens > 1e-3 {
                ((-(dt as f64) * self.inv_slow) as f32).exp()
            } else {
                0.0
            };
            c.rate *= f;
            c.err *= f;
            c.ua_n *= f;
            c.fails *= g;
            c.sens *= g;
            c.last = now;
        }
        c.rate += 1.0;

        let path = r.path.as_deref().unwrap_or("");
        let ph = k.path;
        let new_path = c.paths.add(now.div_euclid(DISTINCT_HALF), ph);
        if c.top_path == ph {
            c.top_votes = c.top_votes.saturating_add(1);
        } else if c.top_votes == 0 {
            c.top_path = ph;
            c.top_votes = 1;
        } else {
            c.top_votes -= 1;
        }

        let pclass = k.path_class;
        let status = r.status.unwrap_or(0);
        let mut login_attempt = None;
        match pclass {
            PathClass::Sensitive => c.sens += 1.0,
            PathClass::Login => {
                let post = r.method.as_deref().is_some_and(|m| m == "POST");
                login_attempt = match status {
                    401 | 403 => Some(Attempt::Failed),
                    200..=299 if post => Some(Attempt::Answered),
                    300..=399 if post => Some(Attempt::Redirected),
                    _ => None,
                };
                if matches!(login_attempt, Some(Attempt::Failed | Attempt::Answered)) {
                    c.fails += 1.0;
                }
            }
            PathClass::Plain => {}
        }
        if pclass != PathClass::Login && matches!(status, 400 | 403 | 404 | 405 | 410) {
            c.err += 1.0;
        }

        let fp = k.ua_fp;
        if fp != c.ua_fp {
            c.ua_fp = fp;
            c.ua_class = k.ua_class;
        }
        if c.ua_class != UaClass::Normal {
            c.ua_n += 1.0;
        }
        let h = c.hint();
        self.clients.set_hint(slot, h);

        // Distributed stuffing: aggregate by path (participants are flagged at ticks).
        if let Some(attempt) = login_attempt {
            self.logins.observe(
                ph,
                path,
                key,
                || ClientId::of(r),
                now,
                attempt,
                &self.stuffing,
            );
        }

        let c = self.clients.at(slot);
        let hits = rules(c, &self.cfg, self.flood_threshold, now, new_path);
        if hits == 0 || now.saturating_sub(c.checked) < RECHECK {
            return;
        }
        c.checked = now;
        for b in BEHAVIORS {
            if hits & (1 << bidx(b)) == 0 {
                continue;
            }
            let c = self.clients.get_at(slot);
            let mag = magnitude(c, b, now);
            let announce = flag(
                &mut self.flagged,
                &self.cfg,
                key,
                || ClientId::of(r),
                b,
                now,
                mag,
            );
            if announce {
                out.push(self.describe(c, b, r, now));
            }
        }
    }

    /// Log time moved on (end of a window, or an idle tick): decay, expire, evaluate
    /// population-level rules.
    pub fn advance(&mut self, now: Micros, out: &mut Vec<ClientEvent>) {
        if self.last_tick.is_none_or(|t| now > t) {
            self.tick(now, out);
        }
    }

    /// Behaviours flagged for a client so far (for the TUI's flagged-clients panel and
    /// drill-down).
    pub fn flags(&self, client: &str) -> Vec<Behavior> {
        self.flagged
            .get(key_of_str(client))
            .map_or_else(Vec::new, |f| behaviors(f.mask))
    }

    /// Flagged clients, most recent first, bounded (client, behaviours, last flagged time).
    pub fn flagged(&self, n: usize) -> Vec<(String, Vec<Behavior>, Micros)> {
        let mut v: Vec<&Flag> = self.flagged.iter().map(|(_, f)| f).collect();
        v.sort_by_key(|f| std::cmp::Reverse(f.last));
        v.truncate(n);
        v.into_iter()
            .map(|f| (f.id.to_string(), behaviors(f.mask), f.last))
            .collect()
    }

    pub fn approx_bytes(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.clients.approx_bytes(|_| 0)
            + self.flagged.approx_bytes(|f| f.id.heap_bytes())
            + self.logins.approx_bytes()
            + self.scratch.capacity() * 4
    }

    /// Clients currently tracked (at most `max_clients`).
    pub fn tracked(&self) -> usize {
        self.clients.len()
    }

    fn tick(&mut self, now: Micros, out: &mut Vec<ClientEvent>) {
        let step = (self.cfg.tick_secs.max(0.1) * MICROS_PER_SEC as f64) as Micros;
        self.next_tick = Some(now.saturating_add(step));
        let dt = self.last_tick.map_or(0, |t| now.saturating_sub(t)).max(0);
        self.last_tick = Some(now);

        // Population level of the busy clients, learned slowly so that a flood (even by a
        // few clients at once) does not lift its own threshold before it is caught.
        // A strided sample of at most POP_SAMPLE clients: quantiles need no more, and a
        // tick then costs the same whatever the table size.
        self.scratch.clear();
        let stride = self.clients.len().div_ceil(POP_SAMPLE).max(1);
        for (key, c) in self.clients.iter().step_by(stride) {
            // Flagged clients are not the population: a crowd of attackers must not
            // raise the bar for the next one.
            if now.saturating_sub(c.last) <= ACTIVE && self.flagged.slot(key).is_none() {
                let age = now.saturating_sub(c.last).max(0) as f64;
                self.scratch
                    .push(c.rate * (-age * self.inv_fast).exp() as f32);
            }
        }
        let n = self.scratch.len();
        if n >= self.cfg.flood_min_population.min(POP_SAMPLE / 2) {
            let q = |s: &mut Vec<f32>, p: f64| {
                let i = ((n - 1) as f64 * p) as usize;
                *s.select_nth_unstable_by(i, f32::total_cmp).1 as f64
            };
            let p99 = q(&mut self.scratch, 0.99);
            let p50 = q(&mut self.scratch, 0.5);
            let w = if self.pop_p99.is_none() {
                1.0
            } else {
                (dt as f64 / MICROS_PER_SEC as f64 / POP_TAU).min(1.0)
            };
            let upd = |old: Option<f64>, x: f64| Some(old.map_or(x, |o| o + w * (x - o)));
            self.pop_p99 = upd(self.pop_p99, p99);
            self.pop_p50 = upd(self.pop_p50, p50);
        }
        self.flood_threshold = match self.pop_p99 {
            Some(p) if n >= self.cfg.flood_min_population => {
                self.cfg.flood_min_per_window.max(self.cfg.flood_vs_p99 * p)
            }
            _ => self.cfg.flood_min_per_window,
        };

        self.findings.clear();
        self.logins.tick(now, &self.stuffing, &mut self.findings);
        for f in std::mem::take(&mut self.findings) {
            for (key, id) in f.flag.iter().cloned() {
                flag(
                    &mut self.flagged,
                    &self.cfg,
                    key,
                    || id,
                    Behavior::CredentialStuffing,
                    now,
                    f.clients as f64,
                );
            }
            if f.announce {
                let window = self.cfg.stuffing_window_secs / 60.0;
                out.push(ClientEvent {
                    time: LogTime(now),
                    client_ip: f.top.clone(),
                    behavior: Behavior::CredentialStuffing,
                    summary: format!(
                        "{} failed logins on {} in the last {:.0} min from {} clients \
                         ({:.1} each; baseline {:.0} from {:.0}); most active {} with {}",
                        f.attempts,
                        f.path,
                        window,
                        f.clients,
                        f.attempts as f64 / f.clients.max(1) as f64,
                        f.base_attempts,
                        f.base_clients,
                        f.top,
                        f.top_attempts
                    ),
                    requests: f.attempts,
                    path: Some(f.path),
                    clients: Some(f.clients),
                });
            }
        }
    }

    fn describe(&self, c: &Client, b: Behavior, r: &Request<'_>, now: Micros) -> ClientEvent {
        let fast = self.cfg.fast_window_secs;
        let slow = self.cfg.slow_window_secs;
        let path = r.path.as_deref().unwrap_or("-");
        let epoch = now.div_euclid(DISTINCT_HALF);
        let distinct = c.paths.estimate(epoch);
        let rate = f64::from(c.rate);
        let (summary, requests) = match b {
            Behavior::Flood => {
                let vs = match (self.pop_p50, self.pop_p99) {
                    (Some(m), Some(p)) => format!(
                        "{:.0}× the median client, {:.0}× the p99 client",
                        rate / m.max(0.5),
                        rate / p.max(0.5)
                    ),
                    _ => format!("floor {:.0}", self.cfg.flood_min_per_window),
                };
                let top = if classify::path_hash(path) == c.top_path && c.top_votes > 1 {
                    format!("; mostly {path}")
                } else {
                    String::new()
                };
                (
                    format!(
                        "{rate:.0} requests in {fast:.0} s, {vs}; {distinct:.0} distinct path(s){top}"
                    ),
                    rate,
                )
            }
            Behavior::Scraper => {
                let span = c.paths.span(now, DISTINCT_HALF) as f64 / MICROS_PER_SEC as f64;
                (
                    format!(
                        "{distinct:.0} distinct paths in the last {span:.0} s ({:.1} new paths/s), e.g. {path}",
                        distinct / span.max(1.0)
                    ),
                    rate,
                )
            }
            Behavior::BruteForce => (
                format!(
                    "{:.0} failed logins in {:.0} min on {path} (last status {})",
                    c.fails,
                    slow / 60.0,
                    r.status.map_or_else(|| "-".into(), |s| s.to_string())
                ),
                f64::from(c.fails),
            ),
            Behavior::Scanner => {
                if f64::from(c.sens) >= self.cfg.scanner_min_sensitive {
                    (
                        format!(
                            "{:.0} sensitive-file probes in {:.0} min, {:.0} error answers in {fast:.0} s; e.g. {path}",
                            c.sens,
                            slow / 60.0,
                            c.err
                        ),
                        f64::from(c.sens + c.err),
                    )
                } else {
                    (
                        format!(
                            "{:.0} of {rate:.0} requests in {fast:.0} s answered 4xx ({:.0}%), {distinct:.0} distinct paths; e.g. {path}",
                            c.err,
                            100.0 * f64::from(c.err) / rate.max(1.0)
                        ),
                        f64::from(c.err),
                    )
                }
            }
            Behavior::BadBot => {
                let ua = r.user_agent.as_deref().unwrap_or("-");
                let ua: String = ua.chars().take(60).collect();
                (
                    format!(
                        "{:.0} requests in {fast:.0} s with {} user agent \"{ua}\"",
                        c.ua_n,
                        c.ua_class.describe()
                    ),
                    f64::from(c.ua_n),
                )
            }
            Behavior::CredentialStuffing => (String::new(), 0.0),
        };
        ClientEvent {
            time: LogTime(now),
            client_ip: ClientId::of(r).to_string(),
            behavior: b,
            summary,
            requests: requests.round().max(0.0) as u64,
            path: None,
            clients: None,
        }
    }
}

impl Client {
    /// What the eviction score needs: last seen and the undecayed weight.
    #[inline]
    fn hint(&self) -> (Micros, f32) {
        let s = self.rate + self.err + self.ua_n + 4.0 * self.fails + 8.0 * self.sens;
        (self.last, s)
    }
}

/// Eviction score: decayed activity, with attack evidence weighted up so a slow
/// brute-forcer is not pushed out by a crowd of one-request visitors.
#[inline]
fn score_of((last, s): (Micros, f32), now: Micros, inv_fast: f64) -> f64 {
    let age = now.saturating_sub(last).max(0) as f64;
    // f32 `exp`, as for the counters: several candidates are scored per new client.
    f64::from(s * ((-age * inv_fast) as f32).exp())
}

/// The table key of a client given as text (what `flags()` is asked with).
fn key_of_str(s: &str) -> u64 {
    let r = match s.parse::<IpAddr>() {
        Ok(ip) => Request {
            client_ip: Some(ip),
            ..Default::default()
        },
        Err(_) if s == "-" => Request::default(),
        Err(_) => Request {
            client_host: Some(s.into()),
            ..Default::default()
        },
    };
    classify::client_key(&r)
}
