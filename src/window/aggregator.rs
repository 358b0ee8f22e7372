//! `Aggregator`: puts each request in its log-time bucket, closes buckets once log time has
//! moved past their end plus the allowed lateness, rolls them up into 1 min and 5 min windows
//! and keeps sparkline history and decayed "recent" top tables, all in bounded memory.

use super::bucket::{Bucket, Seen, Targets};
use super::distinct::SeenFilter;
use super::path_latency::PathLatency;
use super::paths::{PathNormalizer, PathPatterns};
use super::topk::{ClientKey, ClientRef, TopK, TopKey};
use super::{TargetStats, WindowStats};
use crate::keys::{Keys, MAX_KEY_LEN, truncate};
use crate::record::{MICROS_PER_SEC, Micros, Request};
use std::collections::VecDeque;

#[derive(Debug, Clone, PartialEq)]
pub struct AggConfig {
    /// Base window width (default 10 s).
    pub bucket_width: Micros,
    /// How many buckets a line may be late and still land in its own bucket.
    pub lateness_buckets: u32,
    /// Closed windows kept per resolution for sparklines.
    pub history_len: usize,
    /// At most this many empty windows are emitted for a gap in the log.
    pub max_gap_windows: usize,
    /// Targets listed per window; the rest are folded into `other`.
    pub max_targets: usize,
    /// Counters in each recent top table.
    pub top_capacity: usize,
    /// Half-life of the recent top tables, in log time.
    pub recent_half_life: Micros,
    /// How long a client stays known for the new-clients count.
    pub new_client_horizon: Micros,
    /// Closed base buckets whose targets make up [`Aggregator::targets`].
    pub recent_buckets: usize,
    /// Rollup widths (1 min, 5 min).
    pub rollups: [Micros; 2],
    /// Closed windows waiting for `drain_closed` beyond this are dropped (and counted).
    pub max_pending: usize,
    /// User path patterns applied before the built-in normaliser (empty: none).
    pub path_patterns: PathPatterns,
}

impl Default for AggConfig {
    fn default() -> Self {
        AggConfig {
            bucket_width: 10 * MICROS_PER_SEC,
            lateness_buckets: 3,
            history_len: 360,
            max_gap_windows: 360,
            max_targets: 64,
            top_capacity: 256,
            recent_half_life: 60 * MICROS_PER_SEC,
            new_client_horizon: 3600 * MICROS_PER_SEC,
            recent_buckets: 6,
            rollups: [60 * MICROS_PER_SEC, 300 * MICROS_PER_SEC],
            max_pending: 100_000,
            path_patterns: PathPatterns::default(),
        }
    }
}

/// Which window ladder rung: base buckets, 1 min, 5 min (the `ViewSpec::window` index).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    Base = 0,
    Minute = 1,
    FiveMinutes = 2,
}

impl Resolution {
    pub fn from_index(i: usize) -> Resolution {
        match i {
            0 => Resolution::Base,
            1 => Resolution::Minute,
            _ => Resolution::FiveMinutes,
        }
    }
}

/// Lines in a row needed before a jump ahead in log time moves the closing frontier.
const AHEAD_CONFIRM: u32 = 8;
/// How far ahead (in buckets) a lone line may be held without moving the frontier; further
/// than this it is a jump at once (opening buckets up to it would cost memory).
const MAX_HELD_AHEAD: i64 = 32;

/// Fixed-point unit of the decayed tables: one request adds `UNIT`, so decay keeps precision.
const UNIT: u64 = 1024;

/// `t.div_euclid(width)`, remembering the last answer's range of `t`. Log times come nearly
/// in order, so almost every line falls where the one before did; a 64-bit division costs
/// tens of cycles, and the aggregator would take two per request.
#[derive(Debug, Clone, Copy)]
struct BucketOf {
    width: i64,
    idx: i64,
    /// `[lo, hi)` is bucket `idx`; empty until the first answer.
    lo: i64,
    hi: i64,
}

impl BucketOf {
    fn new(width: i64) -> Self {
        BucketOf {
            width,
            idx: 0,
            lo: 0,
            hi: 0,
        }
    }

    #[inline]
    fn of(&mut self, t: i64) -> i64 {
        if t >= self.lo && t < self.hi {
            return self.idx;
        }
        let idx = t.div_euclid(self.width);
        // Near the ends of `i64` the range is not kept (every call divides).
        if let Some(lo) = idx.checked_mul(self.width) {
            if let Some(hi) = lo.checked_add(self.width) {
                (self.idx, self.lo, self.hi) = (idx, lo, hi);
            }
        }
        idx
    }
}
pub struct Aggregator {
    cfg: AggConfig,
    width: Micros,
    /// The bucket of a request's time, and of the closing frontier (`advance`).
    bucket_of: BucketOf,
    frontier_of: BucketOf,
    /// The frontier bucket `advance` closed up to last.
    closed_to: Option<i64>,
    /// Open buckets, contiguous from `first_open`.
    open: VecDeque<Bucket>,
    first_open: Option<i64>,
    /// Buckets before this index never held data: closing them emits nothing.
    emit_from: i64,
    /// Newest log time seen or advanced to.
    now: Option<Micros>,
    /// Consecutive lines stamped more than a bucket ahead of `now` (see `observe`).
    ahead_run: u32,
    pool: Vec<Bucket>,
    seen: SeenFilter,
    /// Each path's usual latency, to count requests far slower than usual for their path.
    path_latency: PathLatency,
    out: VecDeque<WindowStats>,
    dropped: u64,
    history: [VecDeque<WindowStats>; 3],
    rollups: [Option<Bucket>; 2],
    recent: VecDeque<Bucket>,
    decay_num: u64,
    clients: TopK<ClientKey>,
    paths: TopK<String>,
    agents: TopK<String>,
    statuses: TopK<u16>,
    /// Normalises paths for [`Aggregator::observe`] (user patterns, then the built-in rules).
    path_buf: PathNormalizer,
    /// For [`Keys::compute`] in [`Aggregator::observe`] (the classes go unused here).
    cls: crate::detect::client::classify::Classifier,
    /// Whether `path_buf` holds the last request's normalised path.
    has_path: bool,
    observed: u64,
    late: u64,
}

impl Default for Aggregator {
    fn default() -> Self {
        Self::new(AggConfig::default())
    }
}

impl Aggregator {
    pub fn new(mut cfg: AggConfig) -> Self {
        cfg.bucket_width = cfg.bucket_width.max(1);
        cfg.history_len = cfg.history_len.max(1);
        let w = cfg.bucket_width;
        let factor = 0.5f64.powf(w as f64 / cfg.recent_half_life.max(1) as f64);
        let cap = cfg.top_capacity;
        Aggregator {
            width: w,
            bucket_of: BucketOf::new(w),
            frontier_of: BucketOf::new(w),
            closed_to: None,
            open: VecDeque::new(),
            first_open: None,
            emit_from: i64::MAX,
            now: None,
            ahead_run: 0,
            pool: Vec::new(),
            seen: SeenFilter::new(cfg.new_client_horizon),
            path_latency: PathLatency::default(),
            out: VecDeque::new(),
            dropped: 0,
            history: Default::default(),
            rollups: [None, None],
            recent: VecDeque::new(),
            decay_num: (factor * 65536.0).round() as u64,
            clients: TopK::new(cap),
            paths: TopK::new(cap),
            agents: TopK::new(cap),
            statuses: TopK::new(cap.min(64)),
            path_buf: PathNormalizer::new(cfg.path_patterns.clone()),
            cls: Default::default(),
            has_path: false,
            observed: 0,
            late: 0,
            cfg,
        }
    }

    pub fn config(&self) -> &AggConfig {
        &self.cfg
    }

    /// Newest log time seen (or advanced to).
    pub fn now(&self) -> Option<Micros> {
        self.now
    }

    /// Requests observed, and how many of them arrived after their bucket closed.
    pub fn observed(&self) -> u64 {
        self.observed
    }

    pub fn late(&self) -> u64 {
        self.late
    }

    /// Closed windows dropped because nobody drained them (see `max_pending`).
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    fn take_bucket(&mut self, idx: i64, start: Micros, end: Micros) -> Bucket {
        let mut b = self
            .pool
            .pop()
            .unwrap_or_else(|| Bucket::new(self.cfg.max_targets));
        b.reset(idx, start, end);
        b
    }

    /// Count one request (computing its [`Keys`] here; the pipeline computes them in the
    /// parse stage and calls [`Aggregator::observe_keyed`]).
    pub fn observe(&mut self, r: &Request<'_>) {
        let mut norm = std::mem::take(&mut self.path_buf);
        let keys = Keys::compute(r, &mut norm, &mut self.cls);
        self.observe_keyed(r, &keys, r.path.is_some().then_some(norm.as_str()));
        self.path_buf = norm;
        self.has_path = r.path.is_some();
    }

    /// Count one request whose keys were computed already; `norm_path` is its normalised
    /// path (see [`Keys::compute`]).
    /// Touch the new-client filter words of the clients about to be observed (their
    /// `Keys::agg_client`, a few records ahead) so their cache misses overlap, as
    /// `ClientDetector::warm` does. Returns a value only so the loads are kept.
    pub fn warm(&self, clients: impl Iterator<Item = u64>) -> u64 {
        clients.fold(0, |acc, h| acc ^ self.seen.touch(h))
    }

    pub fn observe_keyed(&mut self, r: &Request<'_>, k: &Keys, norm_path: Option<&str>) {
        self.observed += 1;
        let w = self.width;
        let idx = self.bucket_of.of(r.time);
        // One line stamped far ahead (ALB logs completion time: a slow request lands tens of
        // seconds after its neighbours) must not close buckets that are still filling. The
        // frontier jumps only when several lines in a row confirm the jump (a real gap).
        match self.now {
            Some(now)
                if r.time > now.saturating_add(w)
                    && r.time <= now.saturating_add(w.saturating_mul(MAX_HELD_AHEAD)) =>
            {
                self.ahead_run += 1;
                if self.ahead_run >= AHEAD_CONFIRM {
                    self.ahead_run = 0;
                    self.advance(r.time);
                }
            }
            _ => {
                self.ahead_run = 0;
                self.advance(r.time);
            }
        }
        let first = *self.first_open.get_or_insert(idx);
        let (bi, late) = if idx < first {
            (first, true)
        } else {
            (idx, false)
        };
        self.late += u64::from(late);
        self.emit_from = self.emit_from.min(bi);
        while first + (self.open.len() as i64) <= bi {
            let i = first + self.open.len() as i64;
            let b = self.take_bucket(i, i.saturating_mul(w), (i + 1).saturating_mul(w));
            self.open.push_back(b);
        }

        let client = ClientRef::of(r).map(|c| (c, k.agg_client));
        let is_new = client.is_some_and(|(_, h)| self.seen.check_new(h));
        let latency = r
            .total_time_us
            .or(r.backend_time_us)
            .map(|v| (k.latency_index, v));
        let slow_for_path = match latency {
            Some((Some(i), _)) => self.path_latency.judge(k.norm_path, i),
            _ => None,
        };
        let seen = Seen {
            client,
            is_new,
            latency,
            slow_for_path,
        };
        self.open[(bi - first) as usize].observe(r, k, &seen, late);

        self.has_path = false;
        if let Some(p) = norm_path {
            self.paths.add_hashed(p, k.norm_path, UNIT);
        }
        if let Some(ua) = r.user_agent.as_deref() {
            self.agents
                .add_hashed(truncate(ua, MAX_KEY_LEN), k.agent, UNIT);
        }
        if let Some(s) = r.status {
            self.statuses.add(s, UNIT);
        }
    }

    /// The normalised path of the request just observed with [`Aggregator::observe`] (for
    /// `ClientTable::observe_normalized`).
    pub fn last_path(&self) -> Option<&str> {
        self.has_path.then_some(self.path_buf.as_str())
    }

    /// Move log time forward to `now` (never back) and close every bucket that ended more
    /// than the allowed lateness before it. Call it on idle ticks so windows keep closing.
    pub fn advance(&mut self, now: Micros) {
        let now = self.now.map_or(now, |n| n.max(now));
        self.now = Some(now);
        let lateness = i64::from(self.cfg.lateness_buckets).saturating_mul(self.width);
        let cb = self.frontier_of.of(now.saturating_sub(lateness));
        // The same frontier as last time closes nothing more: buckets only open after it.
        if self.closed_to == Some(cb) && self.first_open.is_some() {
            return;
        }
        self.closed_to = Some(cb);
        match self.first_open {
            // Nothing seen yet: open the first bucket so that slightly earlier lines still
            // count as on time.
            None => self.first_open = Some(cb),
            Some(_) => self.close_until(cb),
        }
    }

    /// End of input: close every open bucket and the partial rollups.
    pub fn flush(&mut self) {
        if let Some(first) = self.first_open {
            let end = first + self.open.len() as i64;
            self.close_until(end);
        }
        for k in 0..2 {
            if let Some(b) = self.rollups[k].take() {
                self.close_rollup(k, b);
            }
        }
    }

    /// Whether windows closed since the last [`Aggregator::drain_closed`].
    #[inline]
    pub fn has_closed(&self) -> bool {
        !self.out.is_empty()
    }

    /// Closed base windows in time order, including empty ones for gaps.
    pub fn drain_closed(&mut self) -> impl Iterator<Item = WindowStats> + '_ {
        self.out.drain(..)
    }

    /// The last closed windows of a resolution, oldest first.
    pub fn history(&self, res: Resolution) -> impl DoubleEndedIterator<Item = &WindowStats> {
        self.history[res as usize].iter()
    }

    fn close_until(&mut self, cb: i64) {
        let Some(mut first) = self.first_open else {
            return;
        };
        while first < cb {
            if let Some(b) = self.open.pop_front() {
                first += 1;
                self.emit(b);
                continue;
            }
            // Only empty buckets remain: emit a bounded number of zero windows.
            let n = (cb - first) as u64;
            let keep = (self.cfg.max_gap_windows as u64).min(n);
            first = cb - keep as i64;
            while first < cb {
                let w = self.width;
                let b = self.take_bucket(
                    first,
                    first.saturating_mul(w),
                    (first + 1).saturating_mul(w),
                );
                first += 1;
                self.emit(b);
            }
        }
        self.first_open = Some(first.max(self.first_open.unwrap_or(first)));
    }

    fn emit(&mut self, b: Bucket) {
        if b.idx < self.emit_from {
            self.pool.push(b);
            return;
        }
        let stats = b.stats(self.cfg.max_targets);
        self.seen.commit(b.end);
        // Decay the recent tables by one bucket of log time.
        let (num, den) = (self.decay_num, 65536);
        self.clients.scale(num, den);
        self.paths.scale(num, den);
        self.agents.scale(num, den);
        self.statuses.scale(num, den);
        // Recent clients are fed from each window's own top clients (cheaper than a second
        // per-request table; only the head of the ranking is ever shown).
        for e in b.top_clients.iter() {
            let p = e.key.probe();
            self.clients
                .add_hashed(p, ClientKey::hash(p), e.count.saturating_mul(UNIT));
        }
        push_bounded(&mut self.history[0], stats.clone(), self.cfg.history_len);
        if self.out.len() >= self.cfg.max_pending {
            self.out.pop_front();
            self.dropped += 1;
        }
        self.out.push_back(stats);
        for k in 0..2 {
            self.feed_rollup(k, &b);
        }
        self.recent.push_back(b);
        while self.recent.len() > self.cfg.recent_buckets.max(1) {
            if let Some(old) = self.recent.pop_front() {
                self.pool.push(old);
            }
        }
    }

    fn feed_rollup(&mut self, k: usize, b: &Bucket) {
        let rw = self.cfg.rollups[k].max(self.width);
        let ridx = b.start.div_euclid(rw);
        if let Some(acc) = self.rollups[k].take_if(|acc| acc.idx != ridx) {
            self.close_rollup(k, acc);
        }
        if self.rollups[k].is_none() {
            self.rollups[k] = Some(self.take_bucket(ridx, b.start, b.end));
        }
        if let Some(acc) = &mut self.rollups[k] {
            acc.merge(b);
        }
    }

    fn close_rollup(&mut self, k: usize, b: Bucket) {
        let stats = b.stats(self.cfg.max_targets);
        push_bounded(&mut self.history[k + 1], stats, self.cfg.history_len);
        self.pool.push(b);
    }

    fn top_of<K: TopKey>(t: &TopK<K>, n: usize) -> Vec<(String, u64)> {
        t.top(n)
            .into_iter()
            .map(|e| (e.key.display(), (e.count + UNIT / 2) / UNIT))
            .filter(|(_, c)| *c > 0)
            .collect()
    }

    /// Recent busiest clients (decayed request counts, half-life `recent_half_life`),
    /// including the windows still open.
    pub fn top_clients(&self, n: usize) -> Vec<(String, u64)> {
        let mut t = self.clients.clone();
        for b in &self.open {
            for e in b.top_clients.iter() {
                let p = e.key.probe();
                t.add_hashed(p, ClientKey::hash(p), e.count.saturating_mul(UNIT));
            }
        }
        Self::top_of(&t, n)
    }

    /// Recent busiest normalised paths.
    pub fn top_paths(&self, n: usize) -> Vec<(String, u64)> {
        Self::top_of(&self.paths, n)
    }

    pub fn top_agents(&self, n: usize) -> Vec<(String, u64)> {
        Self::top_of(&self.agents, n)
    }

    pub fn top_statuses(&self, n: usize) -> Vec<(String, u64)> {
        Self::top_of(&self.statuses, n)
    }

    /// Targets over the last `recent_buckets` closed base windows, busiest first.
    pub fn targets(&self, n: usize) -> Vec<TargetStats> {
        let mut t = Targets::new(self.cfg.max_targets);
        for b in &self.recent {
            t.merge(&b.targets);
        }
        t.stats(n)
    }

    /// Approximate heap bytes held by every table.
    pub fn approx_bytes(&self) -> usize {
        let buckets = self
            .open
            .iter()
            .chain(&self.pool)
            .chain(&self.recent)
            .chain(self.rollups.iter().flatten());
        let mut b: usize = buckets.map(Bucket::approx_bytes).sum();
        b += self.seen.approx_bytes() + self.path_latency.approx_bytes();
        b += self.clients.approx_bytes()
            + self.paths.approx_bytes()
            + self.agents.approx_bytes()
            + self.statuses.approx_bytes()
            + self.path_buf.capacity();
        let ws = std::mem::size_of::<WindowStats>();
        for h in self.history.iter().chain([&self.out]) {
            b += h.capacity() * ws;
            for s in h {
                b += s.targets.capacity() * std::mem::size_of::<TargetStats>();
                b += s.targets.iter().map(|t| t.target.capacity()).sum::<usize>();
                b += s.top_client.as_ref().map_or(0, |c| c.0.capacity());
            }
        }
        b
    }

    /// Table sizes, for tests and diagnostics: open buckets, pooled, recent tables' lengths.
    pub fn table_sizes(&self) -> [usize; 6] {
        [
            self.open.len() + self.pool.len() + self.recent.len(),
            self.clients.len(),
            self.paths.len(),
            self.agents.len(),
            self.statuses.len(),
            self.history.iter().map(VecDeque::len).max().unwrap_or(0),
        ]
    }
}

fn push_bounded(q: &mut VecDeque<WindowStats>, s: WindowStats, cap: usize) {
    if q.len() >= cap {
        q.pop_front();
    }
    q.push_back(s);
}

#[cfg(test)]
mod bucket_of_tests {
    use super::BucketOf;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn same_as_dividing(
            width in prop_oneof![Just(1i64), Just(10_000_000), 1i64..1_000_000_000],
            start in any::<i64>(),
            steps in proptest::collection::vec(-30_000_000i64..30_000_000, 1..200),
        ) {
            let mut b = BucketOf::new(width);
            let mut t = start;
            for step in steps {
                // Mostly forward, sometimes back, now and then across the ends of i64.
                t = t.saturating_add(step);
                prop_assert_eq!(b.of(t), t.div_euclid(width), "t {} width {}", t, width);
            }
            for t in [i64::MIN, i64::MIN + 1, -1, 0, 1, i64::MAX - 1, i64::MAX] {
                prop_assert_eq!(b.of(t), t.div_euclid(width));
            }
        }
    }
}
