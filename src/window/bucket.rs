//! One window's accumulators (`Bucket`): counters, latency sketch, distinct clients, top
//! clients and per-target numbers. Buckets merge (rollups) and are reset and reused from a
//! pool, so steady-state aggregation allocates nothing.

use super::distinct::Hll;
use super::hash::IdMap;
use super::sketch::LatencySketch;
use super::topk::{ClientKey, ClientRef, TopK, TopKey};
use super::{TargetStats, WindowStats};
use crate::event::{LogTime, WindowEvent};
use crate::keys::Keys;
use crate::record::{MICROS_PER_SEC, Micros, Request};

/// Top-client table size per window. Small enough to be scanned linearly; any client with
/// more than 1/32 of a window's requests is always in it. Closed windows' tables feed the
/// aggregator's decayed recent top clients.
const BUCKET_TOP_CLIENTS: usize = 32;

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Counts {
    pub requests: u64,
    pub s2xx: u64,
    pub s3xx: u64,
    pub s4xx: u64,
    pub s5xx: u64,
    pub lb5xx: u64,
    pub be5xx: u64,
    pub other: u64,
    pub s401_403: u64,
    pub s404: u64,
    pub by5xx: [u64; 5],
    pub bytes_in: u64,
    pub bytes_out: u64,
    pub new_clients: u64,
    pub late: u64,
    pub lat_hist: [u64; super::LATENCY_SLOTS],
    pub lat_sum_us: u64,
    pub lat_judged: u64,
    pub slow_for_path: u64,
}

impl Counts {
    fn merge(&mut self, o: &Counts) {
        self.requests += o.requests;
        self.s2xx += o.s2xx;
        self.s3xx += o.s3xx;
        self.s4xx += o.s4xx;
        self.s5xx += o.s5xx;
        self.lb5xx += o.lb5xx;
        self.be5xx += o.be5xx;
        self.other += o.other;
        self.s401_403 += o.s401_403;
        self.s404 += o.s404;
        for (a, b) in self.by5xx.iter_mut().zip(o.by5xx) {
            *a += b;
        }
        self.bytes_in += o.bytes_in;
        self.bytes_out += o.bytes_out;
        self.new_clients += o.new_clients;
        self.late += o.late;
        for (a, b) in self.lat_hist.iter_mut().zip(o.lat_hist) {
            *a += b;
        }
        self.lat_sum_us += o.lat_sum_us;
        self.lat_judged += o.lat_judged;
        self.slow_for_path += o.slow_for_path;
    }
}

#[derive(Debug, Clone, Default)]
pub(crate) struct TargetAcc {
    pub name: String,
    pub hash: u64,
    pub requests: u64,
    pub errors_5xx: u64,
    pub latency: LatencySketch,
}

impl TargetAcc {
    fn reset(&mut self) {
        self.requests = 0;
        self.errors_5xx = 0;
        self.latency.reset();
    }
    fn merge(&mut self, o: &TargetAcc) {
        self.requests += o.requests;
        self.errors_5xx += o.errors_5xx;
        self.latency.merge(&o.latency);
    }
    fn stats(&self, name: &str) -> TargetStats {
        TargetStats {
            target: name.to_owned(),
            requests: self.requests,
            errors_5xx: self.errors_5xx,
            latency_p50_ms: self.latency.quantile(0.5).map(us_to_ms),
            latency_p99_ms: self.latency.quantile(0.99).map(us_to_ms),
        }
    }
}

/// Per-target accumulators: the first `cap` targets seen get their own entry, later ones are
/// folded into `other` (a fleet larger than that is summarised, not listed).
#[derive(Debug, Clone)]
pub(crate) struct Targets {
    list: Vec<TargetAcc>,
    len: usize,
    index: IdMap<u32>,
    other: TargetAcc,
    cap: usize,
}

impl Targets {
    pub fn new(cap: usize) -> Self {
        Targets {
            list: Vec::new(),
            len: 0,
            index: IdMap::default(),
            other: TargetAcc::default(),
            cap,
        }
    }

    pub fn reset(&mut self) {
        for t in &mut self.list[..self.len] {
            t.reset();
        }
        self.len = 0;
        self.index.clear();
        self.other.reset();
    }

    fn entry(&mut self, name: &str, h: u64) -> &mut TargetAcc {
        if let Some(&i) = self.index.get(&h) {
            return &mut self.list[i as usize];
        }
        if self.len >= self.cap {
            return &mut self.other;
        }
        let i = self.len;
        if i == self.list.len() {
            self.list.push(TargetAcc::default());
        }
        let t = &mut self.list[i];
        t.name.clear();
        t.name.push_str(name);
        t.hash = h;
        self.len += 1;
        self.index.insert(h, i as u32);
        &mut self.list[i]
    }

    #[inline]
    pub fn observe(&mut self, name: &str, h: u64, is_5xx: bool, lat: Option<(Option<i32>, u64)>) {
        let t = self.entry(name, h);
        t.requests += 1;
        t.errors_5xx += u64::from(is_5xx);
        if let Some((i, v)) = lat {
            t.latency.insert_at(i, v);
        }
    }

    pub fn merge(&mut self, o: &Targets) {
        for t in &o.list[..o.len] {
            self.entry(&t.name, t.hash).merge(t);
        }
        self.other.merge(&o.other);
    }

    /// Busiest first, `other` last when anything was folded into it.
    pub fn stats(&self, n: usize) -> Vec<TargetStats> {
        let mut v: Vec<&TargetAcc> = self.list[..self.len].iter().collect();
        v.sort_by(|a, b| b.requests.cmp(&a.requests).then(a.name.cmp(&b.name)));
        let mut out: Vec<TargetStats> = v.iter().take(n).map(|t| t.stats(&t.name)).collect();
        if self.other.requests > 0 {
            out.push(self.other.stats("other"));
        }
        out
    }

    pub fn approx_bytes(&self) -> usize {
        let mut b = self.list.capacity() * std::mem::size_of::<TargetAcc>()
            + self.index.capacity() * 14
            + self.other.latency.approx_bytes();
        for t in &self.list {
            b += t.name.capacity() + t.latency.approx_bytes();
        }
        b
    }
}

/// What the aggregator computed once per request and hands to every bucket it feeds.
pub(crate) struct Seen<'r> {
    pub client: Option<(ClientRef<'r>, u64)>,
    pub is_new: bool,
    pub latency: Option<(Option<i32>, u64)>,
    /// Judged against the path's usual latency: far slower or not (`None`: not judged).
    pub slow_for_path: Option<bool>,
}

#[derive(Debug, Clone)]
pub(crate) struct Bucket {
    /// Bucket index (start / width) for base buckets, rollup index for rollups.
    pub idx: i64,
    /// Log-time span actually covered (rollups: first to last merged base bucket).
    pub start: Micros,
    pub end: Micros,
    pub c: Counts,
    pub latency: LatencySketch,
    pub clients: Hll,
    pub top_clients: TopK<ClientKey>,
    pub targets: Targets,
}

pub(crate) fn us_to_ms(us: f64) -> f64 {
    us / 1000.0
}

impl Bucket {
    pub fn new(max_targets: usize) -> Self {
        Bucket {
            idx: 0,
            start: 0,
            end: 0,
            c: Counts::default(),
            latency: LatencySketch::new(),
            clients: Hll::new(),
            top_clients: TopK::new(BUCKET_TOP_CLIENTS),
            targets: Targets::new(max_targets),
        }
    }

    pub fn reset(&mut self, idx: i64, start: Micros, end: Micros) {
        self.idx = idx;
        self.start = start;
        self.end = end;
        self.c = Counts::default();
        self.latency.reset();
        self.clients.reset();
        self.top_clients.reset();
        self.targets.reset();
    }

    #[inline]
    pub fn observe(&mut self, r: &Request<'_>, k: &Keys, s: &Seen<'_>, late: bool) {
        let c = &mut self.c;
        c.requests += 1;
        c.late += u64::from(late);
        let is_5xx = matches!(r.status, Some(500..=599));
        match r.status {
            Some(200..=299) => c.s2xx += 1,
            Some(300..=399) => c.s3xx += 1,
            Some(st @ 400..=499) => {
                c.s4xx += 1;
                match st {
                    401 | 403 => c.s401_403 += 1,
                    404 => c.s404 += 1,
                    _ => {}
                }
            }
            Some(st @ 500..=599) => {
                c.s5xx += 1;
                if r.is_lb_5xx() {
                    c.lb5xx += 1;
                } else {
                    c.be5xx += 1;
                }
                let k = match st {
                    500 => 0,
                    502 => 1,
                    503 => 2,
                    504 => 3,
                    _ => 4,
                };
                c.by5xx[k] += 1;
            }
            _ => c.other += 1,
        }
        c.bytes_in += r.bytes_in.unwrap_or(0);
        c.bytes_out += r.bytes_out.unwrap_or(0);
        c.new_clients += u64::from(s.is_new);
        if let Some((i, v)) = s.latency {
            self.latency.insert_at(i, v);
            self.c.lat_hist[super::latency_slot(v)] += 1;
            self.c.lat_sum_us = self.c.lat_sum_us.saturating_add(v);
        }
        if let Some(slow) = s.slow_for_path {
            self.c.lat_judged += 1;
            self.c.slow_for_path += u64::from(slow);
        }
        if let Some((cr, h)) = s.client {
            self.clients.insert_hash(h);
            self.top_clients.add_hashed(cr, h, 1);
        }
        if let Some(b) = r.backend.as_deref()
            && !b.is_empty()
            && b != "-"
        {
            self.targets.observe(b, k.target, is_5xx, s.latency);
        }
    }

    pub fn merge(&mut self, o: &Bucket) {
        self.start = self.start.min(o.start);
        self.end = self.end.max(o.end);
        self.c.merge(&o.c);
        self.latency.merge(&o.latency);
        self.clients.merge(&o.clients);
        self.top_clients.merge_counts(&o.top_clients);
        self.targets.merge(&o.targets);
    }

    pub fn stats(&self, max_targets: usize) -> WindowStats {
        let c = &self.c;
        let secs = (self.end - self.start) as f64 / MICROS_PER_SEC as f64;
        let q = |p| self.latency.quantile(p).map(us_to_ms);
        WindowStats {
            event: WindowEvent {
                start: LogTime(self.start),
                end: LogTime(self.end),
                requests: c.requests,
                req_per_sec: if secs > 0.0 {
                    c.requests as f64 / secs
                } else {
                    0.0
                },
                status_2xx: c.s2xx,
                status_3xx: c.s3xx,
                status_4xx: c.s4xx,
                status_5xx: c.s5xx,
                status_5xx_lb: c.lb5xx,
                status_5xx_backend: c.be5xx,
                status_other: c.other,
                latency_p50_ms: q(0.5),
                latency_p90_ms: q(0.9),
                latency_p99_ms: q(0.99),
                latency_max_ms: self.latency.max().map(|m| us_to_ms(m as f64)),
                unique_clients: if c.requests == 0 {
                    0
                } else {
                    self.clients.estimate()
                },
                bytes_in: c.bytes_in,
                bytes_out: c.bytes_out,
            },
            new_clients: c.new_clients,
            top_client: self
                .top_clients
                .top(1)
                .first()
                .map(|e| (e.key.display(), e.count)),
            targets: self.targets.stats(max_targets),
            status_401_403: c.s401_403,
            status_404: c.s404,
            status_5xx_by_code: c.by5xx,
            late: c.late,
            latency: self.latency.clone(),
            latency_buckets: c.lat_hist,
            latency_sum_us: c.lat_sum_us,
            latency_judged: c.lat_judged,
            slow_for_path: c.slow_for_path,
        }
    }

    pub fn approx_bytes(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.latency.approx_bytes()
            + Hll::approx_bytes()
            + self.top_clients.approx_bytes()
            + self.targets.approx_bytes()
    }
}
