//! `ClientTable`: bounded per-client detail for the drill-down. At most `capacity` clients are
//! kept (the most active, Space-Saving eviction); each keeps its status-class mix, top paths
//! and user agents, a per-bucket request-rate ring and its latest raw requests in a ring of
//! reused strings, so a warm table allocates nothing per request.

use super::hash::hash_str;
use super::paths::normalize_path;
use super::topk::{ClientKey, ClientRef, TopK, TopKey};
use crate::record::{MICROS_PER_SEC, Micros, Request, civil_from_days};
use crate::snapshot::{ClientDetail, Count, Series};
use std::fmt::Write;

/// Buckets in each client's rate ring.
pub const RATE_LEN: usize = 60;
/// Latest requests kept per client.
pub const RECENT_LINES: usize = 10;
/// Entries in each client's top paths / user agents tables.
const SUB_TOP: usize = 8;
/// Bytes kept of a path or user agent key, and of a recent request line.
const MAX_SUB_KEY: usize = 96;
const MAX_LINE: usize = 240;

#[derive(Debug, Clone, PartialEq)]
pub struct ClientConfig {
    pub capacity: usize,
    /// Width of one rate-ring slot (the aggregator's bucket width).
    pub bucket_width: Micros,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            capacity: 4096,
            bucket_width: 10 * MICROS_PER_SEC,
        }
    }
}

/// One remembered request: numbers plus `METHOD path?query` in a reused buffer.
#[derive(Debug, Clone, Default)]
struct Recent {
    time: Micros,
    status: Option<u16>,
    bytes_out: Option<u64>,
    latency_us: Option<u64>,
    text: String,
}

impl Recent {
    fn set(&mut self, r: &Request<'_>) {
        self.time = r.time;
        self.status = r.status;
        self.bytes_out = r.bytes_out;
        self.latency_us = r.total_time_us.or(r.backend_time_us);
        let t = &mut self.text;
        t.clear();
        t.push_str(r.method.as_deref().unwrap_or("-"));
        t.push(' ');
        push_capped(t, r.path.as_deref().unwrap_or("-"));
        if let Some(q) = r.query.as_deref() {
            push_capped(t, "?");
            push_capped(t, q);
        }
    }

    /// `2026-11-22T02:27:14.123Z status METHOD path?query bytes ms`.
    fn render(&self) -> String {
        let mut out = String::with_capacity(self.text.len() + 48);
        let secs = self.time.div_euclid(MICROS_PER_SEC);
        let ms = self.time.rem_euclid(MICROS_PER_SEC) / 1000;
        let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
        let sod = secs.rem_euclid(86_400);
        let _ = write!(
            out,
            "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}.{ms:03}Z ",
            sod / 3600,
            (sod / 60) % 60,
            sod % 60
        );
        match self.status {
            Some(s) => {
                let _ = write!(out, "{s}");
            }
            None => out.push('-'),
        }
        out.push(' ');
        out.push_str(&self.text);
        if let Some(b) = self.bytes_out {
            let _ = write!(out, " {b}B");
        }
        if let Some(t) = self.latency_us {
            let _ = write!(out, " {}.{:03}ms", t / 1000, t % 1000);
        }
        out
    }
}

/// Append without letting the line grow past `MAX_LINE` (cut on a char boundary).
fn push_capped(t: &mut String, s: &str) {
    let room = MAX_LINE.saturating_sub(t.len());
    t.push_str(truncate(s, room));
}

/// A tiny inline Space-Saving table: hashes and counts side by side (two cache lines to
/// scan), key strings apart and only touched when a key enters.
#[derive(Debug, Clone, Default)]
struct SmallTop {
    hashes: [u64; SUB_TOP],
    counts: [u32; SUB_TOP],
    keys: [String; SUB_TOP],
    len: u8,
}

impl SmallTop {
    fn reset(&mut self) {
        self.len = 0;
    }

    #[inline]
    fn add(&mut self, key: &str) {
        let h = hash_str(key);
        let n = usize::from(self.len);
        // Matching by the 64-bit hash alone: a collision would merge two keys' counts.
        if let Some(i) = self.hashes[..n].iter().position(|&x| x == h) {
            self.counts[i] = self.counts[i].saturating_add(1);
            return;
        }
        let i = if n < SUB_TOP {
            self.len += 1;
            self.counts[n] = 0;
            n
        } else {
            let (i, _) = self
                .counts
                .iter()
                .enumerate()
                .min_by_key(|(_, c)| **c)
                .unwrap_or((0, &0));
            i
        };
        self.hashes[i] = h;
        self.counts[i] = self.counts[i].saturating_add(1);
        self.keys[i].clear();
        self.keys[i].push_str(key);
    }

    fn top(&self) -> Vec<Count> {
        let n = usize::from(self.len);
        let mut v: Vec<Count> = (0..n)
            .map(|i| Count {
                key: self.keys[i].clone(),
                count: u64::from(self.counts[i]),
            })
            .collect();
        v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
        v
    }

    fn heap_bytes(&self) -> usize {
        self.keys.iter().map(String::capacity).sum()
    }
}

#[derive(Debug, Clone)]
pub struct ClientInfo {
    requests: u64,
    first_seen: Micros,
    last_seen: Micros,
    /// 1xx, 2xx, 3xx, 4xx, 5xx, no/odd status.
    classes: [u64; 6],
    paths: SmallTop,
    agents: SmallTop,
    rate: [u32; RATE_LEN],
    /// Bucket index of the newest rate slot written.
    rate_last: i64,
    /// Ring of the latest requests; `lines[..n_lines]` are valid, `head` is the next slot
    /// to overwrite. Only strings are copied here; formatting waits for `detail`.
    lines: [Recent; RECENT_LINES],
    head: usize,
    n_lines: usize,
}

impl Default for ClientInfo {
    fn default() -> Self {
        ClientInfo {
            requests: 0,
            first_seen: 0,
            last_seen: 0,
            classes: [0; 6],
            paths: SmallTop::default(),
            agents: SmallTop::default(),
            rate: [0; RATE_LEN],
            rate_last: i64::MIN,
            lines: Default::default(),
            head: 0,
            n_lines: 0,
        }
    }
}

impl ClientInfo {
    fn reset(&mut self, t: Micros) {
        self.requests = 0;
        self.first_seen = t;
        self.last_seen = t;
        self.classes = [0; 6];
        self.paths.reset();
        self.agents.reset();
        self.rate = [0; RATE_LEN];
        self.rate_last = i64::MIN;
        self.head = 0;
        self.n_lines = 0;
    }

    fn bump_rate(&mut self, idx: i64) {
        let n = RATE_LEN as i64;
        if self.rate_last == i64::MIN || idx - self.rate_last >= n {
            self.rate = [0; RATE_LEN];
            self.rate_last = idx;
        } else if idx > self.rate_last {
            for k in self.rate_last + 1..=idx {
                self.rate[k.rem_euclid(n) as usize] = 0;
            }
            self.rate_last = idx;
        } else if idx <= self.rate_last - n {
            return; // older than the ring
        }
        let slot = &mut self.rate[idx.rem_euclid(n) as usize];
        *slot = slot.saturating_add(1);
    }

    fn rate_at(&self, idx: i64) -> u32 {
        if self.rate_last == i64::MIN
            || idx > self.rate_last
            || idx <= self.rate_last - RATE_LEN as i64
        {
            return 0;
        }
        self.rate[idx.rem_euclid(RATE_LEN as i64) as usize]
    }

    fn next_line(&mut self) -> &mut Recent {
        let i = self.head;
        self.head = (self.head + 1) % RECENT_LINES;
        self.n_lines = (self.n_lines + 1).min(RECENT_LINES);
        &mut self.lines[i]
    }

    fn approx_bytes(&self) -> usize {
        self.paths.heap_bytes()
            + self.agents.heap_bytes()
            + self.lines.iter().map(|l| l.text.capacity()).sum::<usize>()
    }
}

fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut i = max;
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    &s[..i]
}

pub struct ClientTable {
    cfg: ClientConfig,
    table: TopK<ClientKey, ClientInfo>,
    path_buf: String,
    /// Newest bucket index seen (the right edge of every rate series).
    now_idx: Option<i64>,
}

impl Default for ClientTable {
    fn default() -> Self {
        Self::new(ClientConfig::default())
    }
}

impl ClientTable {
    pub fn new(mut cfg: ClientConfig) -> Self {
        cfg.bucket_width = cfg.bucket_width.max(1);
        ClientTable {
            table: TopK::new(cfg.capacity),
            path_buf: String::with_capacity(128),
            now_idx: None,
            cfg,
        }
    }

    pub fn len(&self) -> usize {
        self.table.len()
    }

    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    pub fn capacity(&self) -> usize {
        self.table.capacity()
    }

    pub fn observe(&mut self, r: &Request<'_>) {
        let mut buf = std::mem::take(&mut self.path_buf);
        let path = r.path.as_deref().map(|p| {
            normalize_path(p, &mut buf);
            buf.as_str()
        });
        self.observe_normalized(r, path);
        self.path_buf = buf;
    }

    /// [`observe`](Self::observe) with the path already normalised (the aggregator's
    /// [`last_path`](super::Aggregator::last_path)), to normalise once per request.
    pub fn observe_normalized(&mut self, r: &Request<'_>, path: Option<&str>) {
        let Some(c) = ClientRef::of(r) else {
            return;
        };
        let idx = r.time.div_euclid(self.cfg.bucket_width);
        self.now_idx = Some(self.now_idx.map_or(idx, |n| n.max(idx)));
        let path = path.map(|p| truncate(p, MAX_SUB_KEY));
        let (info, fresh) = self.table.add_hashed(c, ClientKey::hash(c), 1);
        if fresh {
            info.reset(r.time);
        }
        info.requests += 1;
        info.first_seen = info.first_seen.min(r.time);
        info.last_seen = info.last_seen.max(r.time);
        let class = match r.status {
            Some(s @ 100..=599) => usize::from(s / 100 - 1),
            _ => 5,
        };
        info.classes[class] += 1;
        if let Some(p) = path {
            info.paths.add(p);
        }
        if let Some(ua) = r.user_agent.as_deref() {
            info.agents.add(truncate(ua, MAX_SUB_KEY));
        }
        info.bump_rate(idx);
        info.next_line().set(r);
    }

    /// Busiest tracked clients with their request counts since they entered the table.
    pub fn top(&self, n: usize) -> Vec<(String, u64)> {
        self.table
            .top(n)
            .into_iter()
            .map(|e| (e.key.display(), e.val.requests))
            .collect()
    }

    /// Drill-down on one client (an IP or the logged host name), if tracked.
    pub fn detail(&self, client: &str) -> Option<ClientDetail> {
        let e = self.table.get(ClientRef::parse(client.trim()))?;
        let info = e.val;
        let w = self.cfg.bucket_width;
        let secs = w as f64 / MICROS_PER_SEC as f64;
        let now = self.now_idx.unwrap_or(0);
        let values: Vec<f64> = (0..RATE_LEN as i64)
            .rev()
            .map(|k| f64::from(info.rate_at(now - k)) / secs)
            .collect();
        let statuses = ["1xx", "2xx", "3xx", "4xx", "5xx", "other"]
            .iter()
            .zip(info.classes)
            .filter(|(_, n)| *n > 0)
            .map(|(k, n)| Count {
                key: (*k).to_string(),
                count: n,
            })
            .collect();
        let recent = (0..info.n_lines)
            .map(|k| {
                let i = (info.head + RECENT_LINES - 1 - k) % RECENT_LINES;
                info.lines[i].render()
            })
            .collect();
        Some(ClientDetail {
            client: e.key.display(),
            rate: Series {
                label: "requests/s".into(),
                unit: "req/s".into(),
                current: values.last().copied(),
                values,
                baseline: None,
            },
            statuses,
            paths: info.paths.top(),
            user_agents: info.agents.top(),
            requests: info.requests,
            first_seen: Some(info.first_seen),
            last_seen: Some(info.last_seen),
            recent,
            ..Default::default()
        })
    }

    /// Approximate heap bytes held.
    pub fn approx_bytes(&self) -> usize {
        self.table.approx_bytes_with(ClientInfo::approx_bytes) + self.path_buf.capacity()
    }
}
