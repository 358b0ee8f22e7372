//! The engine: aggregate → detect on parsed requests, in log time. Synchronous and
//! deterministic: no clock reads, no threads, no I/O. `lbtop scan`, the TUI, replay, tests and
//! benchmarks all drive this same code; wall time only enters as explicit `advance` ticks.

use crate::batch::{Batch, format_index};
use crate::detect::anomaly::{Feature, ScorerConfig, WindowScorer};
use crate::detect::client::{ClientConfig, ClientDetector};
use crate::detect::security::Hit;
use crate::event::{
    AnomalyEvent, ClientEvent, Event, LogTime, SecurityEvent, SummaryEvent, WindowEvent,
};
use crate::keys::Keys;
use crate::record::{Format, MICROS_PER_SEC, Micros, Request};
use crate::snapshot::{ClientRow, Count, Filter, Series, Snapshot, TargetRow, ViewSpec};
use crate::window::{AggConfig, Aggregator, ClientTable, Resolution, WindowStats};
use std::collections::{HashMap, VecDeque};

/// Window sizes the `+`/`-` keys step through, in seconds.
pub const WINDOW_LADDER: [u64; 3] = [10, 60, 300];

#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Base bucket width in seconds (10 by default).
    pub bucket_secs: u64,
    /// Emit a `window` event per closed base bucket.
    pub emit_windows: bool,
    pub scorer: ScorerConfig,
    pub client: ClientConfig,
    /// Source names, by index, for security events (`-` for stdin).
    pub sources: Vec<String>,
    /// Keep per-client detail for the drill-down (the TUI); headless runs don't need it.
    pub drilldown: bool,
    /// Which detectors run (`--detect`).
    pub detectors: crate::detect::Detectors,
    /// User path patterns for the top-paths tables (`--path-pattern`).
    pub path_patterns: crate::window::paths::PathPatterns,
    /// Keep each closed window's full stats for [`Engine::drain_window_stats`] (exporters
    /// that need more than the `window` event: per-target counts, latency histogram).
    pub window_stats: bool,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            bucket_secs: 10,
            emit_windows: false,
            scorer: ScorerConfig::default(),
            client: ClientConfig::default(),
            sources: Vec::new(),
            drilldown: true,
            detectors: crate::detect::Detectors::ALL,
            path_patterns: Default::default(),
            window_stats: false,
        }
    }
}

/// Counts of everything read, so nothing is lost from the totals.
#[derive(Debug, Clone, Default)]
pub struct Counters {
    pub lines: u64,
    pub parsed: u64,
    pub skipped: u64,
    pub rejected: Vec<(&'static str, u64)>,
    pub formats: [u64; Format::ALL.len()],
    pub first: Option<Micros>,
    pub last: Option<Micros>,
}

impl Counters {
    pub fn rejected_total(&self) -> u64 {
        self.rejected.iter().map(|(_, n)| n).sum()
    }

    pub fn reject(&mut self, reason: &'static str, n: u64) {
        match self.rejected.iter_mut().find(|(r, _)| *r == reason) {
            Some((_, c)) => *c += n,
            None => self.rejected.push((reason, n)),
        }
    }
}

const MAX_SECURITY: usize = 500;
const MAX_ANOMALIES: usize = 200;
const MAX_CLIENT_EVENTS: usize = 500;
const MAX_HIT_CLIENTS: usize = 4096;

pub struct Engine {
    cfg: EngineConfig,
    agg: Aggregator,
    clients: ClientTable,
    behaviour: ClientDetector,
    scorer: WindowScorer,
    counters: Counters,
    last_rejected: Option<(String, String)>,
    events: Vec<Event>,
    window_stats: Vec<WindowStats>,
    client_events: Vec<ClientEvent>,
    /// Newest first; an ongoing episode is updated in place.
    anomalies: VecDeque<AnomalyEvent>,
    security: VecDeque<SecurityEvent>,
    security_total: u64,
    security_by_client: HashMap<String, u64>,
    behaviours_log: VecDeque<ClientEvent>,
    /// Base-bucket start times that were anomalous (bounded like the history).
    anomalous_windows: VecDeque<Micros>,
    event_counts: [u64; 4],
    finishing: bool,
    end_ref: Option<Micros>,
    /// Path normaliser for [`Keys::compute`] when a request comes without keys.
    norm: crate::window::PathNormalizer,
    cls: crate::detect::client::classify::Classifier,
    /// Where [`ClientDetector::warm`]'s loads end up (so they are not optimised away).
    warm_sink: u64,
}

/// Records whose detector state is fetched together (see [`ClientDetector::warm`]).
const WARM_AHEAD: usize = 16;

impl Engine {
    pub fn new(cfg: EngineConfig) -> Engine {
        let norm = crate::window::PathNormalizer::new(cfg.path_patterns.clone());
        let width = cfg.bucket_secs.max(1) as i64 * MICROS_PER_SEC;
        let agg = AggConfig {
            bucket_width: width,
            path_patterns: cfg.path_patterns.clone(),
            ..AggConfig::default()
        };
        let detail = crate::window::ClientConfig {
            bucket_width: width,
            ..crate::window::ClientConfig::default()
        };
        // The scorer works on the base windows; keep the configured threshold.
        let scorer = ScorerConfig {
            threshold: cfg.scorer.threshold,
            ..ScorerConfig::new(cfg.bucket_secs.max(1))
        };
        Engine {
            agg: Aggregator::new(agg),
            clients: ClientTable::new(detail),
            behaviour: ClientDetector::new(cfg.client.clone()),
            scorer: WindowScorer::new(scorer),
            cfg,
            counters: Counters::default(),
            last_rejected: None,
            events: Vec::new(),
            window_stats: Vec::new(),
            client_events: Vec::new(),
            anomalies: VecDeque::new(),
            security: VecDeque::new(),
            security_total: 0,
            security_by_client: HashMap::new(),
            behaviours_log: VecDeque::new(),
            anomalous_windows: VecDeque::new(),
            event_counts: [0; 4],
            finishing: false,
            end_ref: None,
            norm,
            cls: Default::default(),
            warm_sink: 0,
        }
    }

    /// Name a source (follow mode learns names as files appear).
    pub fn set_source(&mut self, id: u32, name: String) {
        let i = id as usize;
        if self.cfg.sources.len() <= i {
            self.cfg.sources.resize(i + 1, "-".to_string());
        }
        self.cfg.sources[i] = name;
    }

    /// Clients the behaviour detector has flagged, most recent first (bounded).
    pub fn flagged_clients(&self, n: usize) -> Vec<String> {
        self.behaviour
            .flagged(n)
            .into_iter()
            .map(|(c, _, _)| c)
            .collect()
    }

    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    pub fn config(&self) -> &EngineConfig {
        &self.cfg
    }

    /// One request read from one line (simulator, tests): counts the line too.
    pub fn record_line(&mut self, r: &Request<'_>, source: u32, line: u64, hits: &[Hit]) {
        self.counters.lines += 1;
        self.record(r, source, line, hits);
    }

    /// One parsed request with its security hits (found in the parse stage). Lines are
    /// counted by the caller: a `{"records":[…]}` line holds many requests.
    pub fn record(&mut self, r: &Request<'_>, source: u32, line: u64, hits: &[Hit]) {
        let mut norm = std::mem::take(&mut self.norm);
        let keys = Keys::compute(r, &mut norm, &mut self.cls);
        let norm_path = r.path.is_some().then_some(norm.as_str());
        self.record_keyed(r, &keys, norm_path, source, line, hits);
        self.norm = norm;
    }

    /// Record `i` of a batch from the parse stage (its keys were computed there), read into
    /// `slot`: a request that only ever holds records read by this function, reused across a
    /// batch (see [`Batch::load_for_engine`]).
    #[inline]
    pub fn record_into<'b>(&mut self, b: &'b Batch, i: usize, slot: &mut Request<'b>) {
        if i % WARM_AHEAD == 0 {
            let next = &b.records[i..(i + WARM_AHEAD).min(b.len())];
            let mut acc = self.agg.warm(next.iter().map(|s| s.keys.agg_client));
            if self.cfg.detectors.client {
                acc ^= self.behaviour.warm(next.iter().map(|s| s.keys.client));
            }
            self.warm_sink = self.warm_sink.wrapping_add(acc);
        }
        let s = &b.records[i];
        let hits = b.hits_of(i);
        if hits.is_empty() {
            b.load_for_engine(i, slot);
            self.record_keyed(slot, &s.keys, b.norm_path(i), s.source, s.line, hits);
        } else {
            // Security events quote the whole request: a full view, not the slot.
            let r = b.get(i);
            self.record_keyed(&r, &s.keys, b.norm_path(i), s.source, s.line, hits);
        }
    }

    fn record_keyed(
        &mut self,
        r: &Request<'_>,
        keys: &Keys,
        norm_path: Option<&str>,
        source: u32,
        line: u64,
        hits: &[Hit],
    ) {
        let c = &mut self.counters;
        c.parsed += 1;
        c.formats[format_index(r.format)] += 1;
        c.first = Some(c.first.map_or(r.time, |f| f.min(r.time)));
        c.last = Some(c.last.map_or(r.time, |l| l.max(r.time)));
        self.agg.observe_keyed(r, keys, norm_path);
        if self.cfg.drilldown {
            self.clients.observe_normalized(r, norm_path);
        }
        if self.cfg.detectors.client {
            self.behaviour
                .observe_keyed(r, keys, &mut self.client_events);
        }
        if !hits.is_empty() && self.cfg.detectors.security {
            self.security_hits(r, source, line, hits);
        }
        if !self.client_events.is_empty() {
            self.take_client_events();
        }
        self.close_windows();
    }

    /// Ingest a whole batch from the parse stage: its counts and its records.
    pub fn batch(&mut self, b: &Batch) {
        self.batch_counts(b);
        let mut slot = Request::default();
        for i in 0..b.len() {
            self.record_into(b, i, &mut slot);
        }
    }

    /// A batch's line counts (read, skipped, rejected) without its records, which the
    /// caller feeds through [`Engine::record`] (merging several inputs in time order).
    pub fn batch_counts(&mut self, b: &Batch) {
        self.counters.lines += b.lines;
        self.counters.skipped += b.skipped;
        for &(reason, n) in &b.rejected {
            self.counters.reject(reason, n);
        }
        if let Some((text, reason)) = &b.last_rejected {
            self.last_rejected = Some((text.clone(), (*reason).to_string()));
        }
    }

    /// A line that was read but is not a request.
    pub fn rejected(&mut self, reason: &'static str, text: &[u8]) {
        self.counters.lines += 1;
        self.counters.reject(reason, 1);
        self.last_rejected = Some((line_head(text), reason.to_string()));
    }

    pub fn skipped(&mut self) {
        self.counters.lines += 1;
        self.counters.skipped += 1;
    }

    /// Log time moved on without lines (a wall-clock tick mapped to log time by the caller).
    pub fn advance(&mut self, now: Micros) {
        self.agg.advance(now);
        self.behaviour.advance(now, &mut self.client_events);
        self.take_client_events();
        self.close_windows();
    }

    /// End of input: close every open window.
    pub fn finish(&mut self) {
        // Where the bulk of the log ended: the frontier ignores lone stragglers stamped later.
        self.end_ref = self.agg.now().or(self.counters.last);
        self.agg.flush();
        self.finishing = true;
        self.close_windows();
        self.finishing = false;
        if let Some(last) = self.counters.last {
            self.behaviour.advance(last, &mut self.client_events);
            self.take_client_events();
        }
    }

    /// Events produced since the last call, in the order they happened.
    pub fn drain_events(&mut self) -> std::vec::Drain<'_, Event> {
        self.events.drain(..)
    }

    /// Closed windows' full stats since the last call (only with `window_stats` on).
    pub fn drain_window_stats(&mut self) -> std::vec::Drain<'_, WindowStats> {
        self.window_stats.drain(..)
    }

    fn security_hits(&mut self, r: &Request<'_>, source: u32, line: u64, hits: &[Hit]) {
        let client = r.client_display().into_owned();
        let request = r.request_line();
        for h in hits {
            let ev = SecurityEvent {
                time: LogTime(r.time),
                client_ip: client.clone(),
                category: h.category,
                rule: h.rule.to_string(),
                severity: h.severity,
                request: request.clone(),
                field: h.field.to_string(),
                source: self
                    .cfg
                    .sources
                    .get(source as usize)
                    .cloned()
                    .unwrap_or_else(|| "-".into()),
                line,
            };
            self.security_total += 1;
            if self.security.len() == MAX_SECURITY {
                self.security.pop_back();
            }
            self.security.push_front(ev.clone());
            self.event_counts[3] += 1;
            self.events.push(Event::Security(ev));
        }
        if let Some(n) = self.security_by_client.get_mut(&client) {
            *n += 1;
        } else {
            if self.security_by_client.len() >= MAX_HIT_CLIENTS {
                // Keep the map bounded: forget the clients with a single hit.
                self.security_by_client.retain(|_, n| *n > 1);
            }
            if self.security_by_client.len() < MAX_HIT_CLIENTS {
                self.security_by_client.insert(client, 1);
            }
        }
    }

    fn take_client_events(&mut self) {
        for ev in self.client_events.drain(..) {
            if self.behaviours_log.len() == MAX_CLIENT_EVENTS {
                self.behaviours_log.pop_back();
            }
            self.behaviours_log.push_front(ev.clone());
            self.event_counts[2] += 1;
            self.events.push(Event::Client(ev));
        }
    }

    fn close_windows(&mut self) {
        // Per record: most records close nothing.
        if !self.agg.has_closed() {
            return;
        }
        let closed: Vec<WindowStats> = self.agg.drain_closed().collect();
        for w in closed {
            if self.cfg.window_stats {
                self.window_stats.push(w.clone());
            }
            if self.cfg.emit_windows {
                self.event_counts[0] += 1;
                self.events.push(Event::Window(w.event.clone()));
            }
            // At the end of input, windows within the allowed lateness of the last line were
            // still filling (stragglers stamped late, a log cut mid-window): emitted, but not
            // judged, or the end of every file would read as a traffic drop.
            let tail = 3 * self.cfg.bucket_secs.max(1) as i64 * MICROS_PER_SEC;
            let partial = self.finishing && self.end_ref.is_some_and(|l| w.event.end.0 > l - tail);
            if partial {
                continue;
            }
            if !self.cfg.detectors.anomaly {
                continue;
            }
            if let Some(a) = self.scorer.observe(&w) {
                self.anomalous_windows.push_back(w.start());
                if self.anomalous_windows.len() > 4096 {
                    self.anomalous_windows.pop_front();
                }
                match self.anomalies.iter_mut().find(|x| x.episode == a.episode) {
                    Some(x) => *x = a.clone(),
                    None => {
                        if self.anomalies.len() == MAX_ANOMALIES {
                            self.anomalies.pop_back();
                        }
                        self.anomalies.push_front(a.clone());
                    }
                }
                self.event_counts[1] += 1;
                self.events.push(Event::Anomaly(a));
            }
        }
    }

    pub fn summary(&self, elapsed_sec: f64) -> SummaryEvent {
        let c = &self.counters;
        let mut s = SummaryEvent {
            lines: c.lines,
            parsed: c.parsed,
            skipped: c.skipped,
            rejected_total: c.rejected_total(),
            first_time: c.first.map(LogTime),
            last_time: c.last.map(LogTime),
            elapsed_sec,
            lines_per_sec: if elapsed_sec > 0.0 {
                c.lines as f64 / elapsed_sec
            } else {
                0.0
            },
            detectors: self.cfg.detectors.names(),
            ..Default::default()
        };
        for (r, n) in &c.rejected {
            s.rejected.insert((*r).to_string(), *n);
        }
        for (i, f) in Format::ALL.iter().enumerate() {
            if c.formats[i] > 0 {
                s.formats.insert(f.name().to_string(), c.formats[i]);
            }
        }
        for (i, k) in ["window", "anomaly", "client", "security"]
            .iter()
            .enumerate()
        {
            s.events.insert((*k).to_string(), self.event_counts[i]);
        }
        s
    }

    /// Build the view model for the screen. O(screen), not O(state).
    pub fn snapshot(&self, view: &ViewSpec) -> Snapshot {
        let c = &self.counters;
        let level = view.window.min(WINDOW_LADDER.len() - 1);
        let points = if view.points == 0 { 120 } else { view.points };
        let hist: Vec<&WindowStats> = {
            let all: Vec<&WindowStats> = self.agg.history(Resolution::from_index(level)).collect();
            let skip = all.len().saturating_sub(points);
            all.into_iter().skip(skip).collect()
        };
        let win_secs = WINDOW_LADDER[level].max(self.cfg.bucket_secs);
        let series = |label: &str, unit: &str, f: &dyn Fn(&WindowEvent) -> f64| Series {
            label: label.to_string(),
            unit: unit.to_string(),
            values: hist.iter().map(|w| f(&w.event)).collect(),
            current: hist.last().map(|w| f(&w.event)),
            baseline: None,
        };
        let pct = |n: u64, d: u64| {
            if d == 0 {
                0.0
            } else {
                100.0 * n as f64 / d as f64
            }
        };
        let mut rps = series("requests/s", "/s", &|e| e.req_per_sec);
        let mut p50 = series("latency p50", "ms", &|e| e.latency_p50_ms.unwrap_or(0.0));
        let mut p99 = series("latency p99", "ms", &|e| e.latency_p99_ms.unwrap_or(0.0));
        let mut err4xx = series("4xx", "%", &|e| pct(e.status_4xx, e.requests));
        let mut err5xx = series("5xx", "%", &|e| pct(e.status_5xx, e.requests));
        if level == 0 {
            // Baselines are learned on base windows; other resolutions show none.
            let b = |f| self.scorer.baseline(f);
            rps.baseline = b(Feature::Rps);
            p50.baseline = b(Feature::LatencyP50);
            p99.baseline = b(Feature::LatencyP99);
            err4xx.baseline = b(Feature::Rate4xx);
            err5xx.baseline = b(Feature::Rate5xx);
        }
        let anomalous = hist
            .iter()
            .map(|w| {
                let (s, e) = (w.event.start.0, w.event.end.0);
                self.anomalous_windows.iter().any(|&t| t >= s && t < e)
            })
            .collect();
        let filter = &view.filter;
        let keep_client = |ip: &str| match filter {
            Filter::Client(c) => ip == c,
            _ => true,
        };
        let security: Vec<SecurityEvent> = self
            .security
            .iter()
            .filter(|s| match filter {
                Filter::None => true,
                Filter::Client(c) => &s.client_ip == c,
                Filter::PathContains(p) => s.request.contains(p.as_str()),
                Filter::StatusClass(_) => true,
            })
            .take(100)
            .cloned()
            .collect();
        let flagged = self.behaviour.flagged(50);
        let mut clients: Vec<ClientRow> = self
            .agg
            .top_clients(30)
            .into_iter()
            .filter(|(ip, _)| keep_client(ip))
            .map(|(ip, n)| ClientRow {
                behaviors: self.behaviour.flags(&ip),
                security_hits: self.security_by_client.get(&ip).copied().unwrap_or(0),
                requests: n,
                client: ip,
                ..Default::default()
            })
            .collect();
        for (ip, behaviors, _) in flagged {
            if keep_client(&ip) && !clients.iter().any(|c| c.client == ip) {
                clients.push(ClientRow {
                    security_hits: self.security_by_client.get(&ip).copied().unwrap_or(0),
                    requests: self.clients.detail(&ip).map_or(0, |d| d.requests),
                    client: ip,
                    behaviors,
                    ..Default::default()
                });
            }
        }
        let total: u64 = clients.iter().map(|c| c.requests).sum::<u64>().max(1);
        for row in &mut clients {
            row.share = row.requests as f64 / total as f64;
            if let Some(d) = self.clients.detail(&row.client) {
                for s in &d.statuses {
                    match s.key.as_bytes().first() {
                        Some(b'4') => row.errors_4xx += s.count,
                        Some(b'5') => row.errors_5xx += s.count,
                        _ => {}
                    }
                }
            }
        }
        let counts = |v: Vec<(String, u64)>| -> Vec<Count> {
            v.into_iter()
                .map(|(key, count)| Count { key, count })
                .collect()
        };
        let top_paths = counts(
            self.agg
                .top_paths(20)
                .into_iter()
                .filter(|(p, _)| match filter {
                    Filter::PathContains(s) => p.contains(s.as_str()),
                    _ => true,
                })
                .collect(),
        );
        let statuses = counts(
            self.agg
                .top_statuses(12)
                .into_iter()
                .filter(|(s, _)| match filter {
                    Filter::StatusClass(k) => s.as_bytes().first() == Some(&(b'0' + k)),
                    _ => true,
                })
                .collect(),
        );
        if let Filter::Client(ip) = filter {
            // Filtered to one client: the rate sparkline is that client's.
            if let Some(d) = self.clients.detail(ip) {
                rps = Series {
                    label: format!("{ip} req/s"),
                    ..d.rate
                };
            }
        }
        let detail = view.drill.as_deref().map(|ip| {
            let mut d = self
                .clients
                .detail(ip)
                .unwrap_or_else(|| crate::snapshot::ClientDetail {
                    client: ip.to_string(),
                    ..Default::default()
                });
            d.security = self
                .security
                .iter()
                .filter(|s| s.client_ip == ip)
                .take(50)
                .cloned()
                .collect();
            d.behaviors = self
                .behaviours_log
                .iter()
                .filter(|e| e.client_ip == ip)
                .take(20)
                .cloned()
                .collect();
            d
        });
        let last_window = self
            .agg
            .history(Resolution::Base)
            .next_back()
            .map(|w| w.event.clone());
        Snapshot {
            now: c.last.unwrap_or(0),
            sources: self.cfg.sources.clone(),
            formats: Format::ALL
                .iter()
                .enumerate()
                .filter(|(i, _)| c.formats[*i] > 0)
                .map(|(i, f)| Count {
                    key: f.name().to_string(),
                    count: c.formats[i],
                })
                .collect(),
            lines: c.lines,
            parsed: c.parsed,
            rejected: c.rejected_total(),
            rejected_by_reason: c
                .rejected
                .iter()
                .map(|(r, n)| Count {
                    key: (*r).to_string(),
                    count: *n,
                })
                .collect(),
            last_rejected: self.last_rejected.clone(),
            window_secs: win_secs,
            window_start: hist.last().map_or(0, |w| w.event.start.0),
            rps,
            p50,
            p99,
            err4xx,
            err5xx,
            anomalous,
            last_window,
            anomalies: self
                .anomalies
                .iter()
                .filter(|a| anomaly_matches(a, filter))
                .take(100)
                .cloned()
                .collect(),
            security,
            security_total: self.security_total,
            clients,
            targets: self
                .agg
                .targets(16)
                .into_iter()
                .filter(|t| match filter {
                    Filter::StatusClass(5) => t.errors_5xx > 0,
                    Filter::Client(_) | Filter::StatusClass(_) => false,
                    _ => true,
                })
                .map(|t| TargetRow {
                    target: t.target,
                    requests: t.requests,
                    errors_5xx: t.errors_5xx,
                    p99_ms: t.latency_p99_ms,
                })
                .collect(),
            top_paths,
            top_agents: counts(self.agg.top_agents(10)),
            statuses,
            detail,
            detectors: self.cfg.detectors,
            ..Default::default()
        }
    }
}

/// Whether an anomaly belongs in a filtered view: a status class keeps the kinds about it,
/// a client keeps the anomalies that name it, a path those that mention it.
fn anomaly_matches(a: &AnomalyEvent, filter: &Filter) -> bool {
    use crate::event::AnomalyType as T;
    match filter {
        Filter::None => true,
        Filter::StatusClass(5) => matches!(a.kind, T::ErrorSpike | T::TargetFailure),
        Filter::StatusClass(4) => matches!(a.kind, T::ClientErrors),
        Filter::StatusClass(_) => false,
        Filter::Client(c) | Filter::PathContains(c) => a.summary.contains(c.as_str()),
    }
}

/// The head of a rejected line for display: at most 200 bytes, lossy UTF-8.
pub fn line_head(text: &[u8]) -> String {
    let head = &text[..text.len().min(200)];
    String::from_utf8_lossy(head).into_owned()
}

/// Seconds to micros, for ticks.
pub fn secs(s: i64) -> Micros {
    s * MICROS_PER_SEC
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn req(t: i64, ip: &str, target: &str, status: u16) -> Request<'static> {
        Request {
            time: t,
            client_ip: ip.parse().ok(),
            backend: Some(Cow::Owned(target.to_string())),
            path: Some(Cow::Borrowed("/api/items/42")),
            status: Some(status),
            backend_status: Some(status),
            total_time_us: Some(20_000),
            ..Default::default()
        }
    }

    fn engine() -> Engine {
        let mut e = Engine::new(EngineConfig::default());
        let s = MICROS_PER_SEC;
        for i in 0..600 {
            let t = 1_700_000_000 * s + i * s / 10;
            e.record_line(&req(t, "10.0.0.1", "10.0.1.1:80", 200), 0, i as u64, &[]);
            e.record_line(&req(t, "10.0.0.2", "10.0.1.2:80", 503), 0, i as u64, &[]);
        }
        e.advance(1_700_000_000 * s + 90 * s);
        e
    }

    /// The engine reads batches through [`Batch::load_for_engine`], which leaves out strings:
    /// fed the full requests instead, it must give the same events and snapshots.
    #[test]
    fn the_engine_view_of_a_batch_changes_nothing() {
        use crate::detect::security::RuleSet;
        use crate::ingest::Ingest;
        use crate::parse::StreamParser;
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-logs");
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        let cfg = EngineConfig {
            emit_windows: true,
            ..EngineConfig::default()
        };
        let (mut via_batch, mut via_request) = (Engine::new(cfg.clone()), Engine::new(cfg));
        let mut ingest = Ingest::new(std::sync::Arc::new(RuleSet::builtin()));
        let (mut hits, mut clients) = (0, Vec::new());
        for (src, path) in files.iter().enumerate() {
            let mut parser = StreamParser::new(None);
            let mut b = Batch::default();
            let text = std::fs::read(path).unwrap();
            ingest.parse_chunk(&mut parser, src as u32, 1, text, &mut b);
            via_batch.batch(&b);
            via_request.batch_counts(&b);
            for i in 0..b.len() {
                let s = &b.records[i];
                hits += b.hits_of(i).len();
                let r = b.get(i);
                clients.push(r.client_display().into_owned());
                via_request.record(&r, s.source, s.line, b.hits_of(i));
            }
        }
        via_batch.finish();
        via_request.finish();
        assert!(hits > 0 && via_batch.counters().parsed > 80);
        let events = |e: &mut Engine| {
            e.drain_events()
                .map(|x| format!("{x:?}"))
                .collect::<Vec<_>>()
        };
        assert_eq!(events(&mut via_batch), events(&mut via_request));
        clients.dedup();
        for drill in std::iter::once(None).chain(clients.into_iter().map(Some)) {
            let view = ViewSpec {
                drill,
                points: 60,
                ..ViewSpec::default()
            };
            assert_eq!(via_batch.snapshot(&view), via_request.snapshot(&view));
        }
    }

    #[test]
    fn counts_every_line_and_closes_windows_on_log_time() {
        let e = engine();
        assert_eq!(e.counters().lines, 1200);
        assert_eq!(e.counters().parsed, 1200);
        let snap = e.snapshot(&ViewSpec::default());
        assert!(snap.rps.values.len() >= 6, "{:?}", snap.rps.values);
        assert_eq!(snap.rps.values[0], 20.0, "two clients at 10 req/s each");
        assert_eq!(snap.err5xx.values[0], 50.0);
    }

    #[test]
    fn the_filter_reaches_every_panel() {
        let e = engine();
        let all = e.snapshot(&ViewSpec::default());
        assert_eq!(all.targets.len(), 2);
        assert_eq!(all.clients.len(), 2);

        let view = ViewSpec {
            filter: Filter::StatusClass(5),
            ..ViewSpec::default()
        };
        let s = e.snapshot(&view);
        assert_eq!(s.targets.len(), 1, "only the target with 5xx");
        assert_eq!(s.targets[0].target, "10.0.1.2:80");
        assert!(
            s.statuses.iter().all(|c| c.key.starts_with('5')),
            "{:?}",
            s.statuses
        );
        assert!(s.anomalies.iter().all(|a| matches!(
            a.kind,
            crate::event::AnomalyType::ErrorSpike | crate::event::AnomalyType::TargetFailure
        )));

        let view = ViewSpec {
            filter: Filter::Client("10.0.0.1".into()),
            ..ViewSpec::default()
        };
        let s = e.snapshot(&view);
        assert_eq!(s.clients.len(), 1);
        assert_eq!(s.clients[0].client, "10.0.0.1");
        assert!(s.targets.is_empty());
        assert!(
            s.rps.label.contains("10.0.0.1"),
            "the rate sparkline is the client's"
        );
        assert!(s.rps.values.iter().any(|&v| v > 0.0));
    }
}
