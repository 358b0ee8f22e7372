//! Prometheus metrics: a registry fed from closed windows (exact per-window counts and the
//! fixed-bound latency histogram), the other events and the engine's line counters, served
//! as the text exposition format 0.0.4 on `GET /metrics` by a small responder thread.
//!
//! Fed per window and per event, never per request: the engine's hot path stays lock-free.

mod serve;

pub use serve::serve;

use crate::engine::Counters;
use crate::event::{AlertCounts, Event};
use crate::window::{LATENCY_BOUNDS_US, LATENCY_SLOTS, WindowStats};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;

/// Distinct `target` label values; the rest are counted under `other`.
pub const MAX_TARGETS: usize = 50;

#[derive(Debug, Default)]
struct Registry {
    /// 2xx, 3xx, 4xx, 5xx, other.
    by_class: [u64; 5],
    lb_5xx: u64,
    backend_5xx: u64,
    latency: [u64; LATENCY_SLOTS],
    latency_sum_us: u64,
    bytes_in: u64,
    bytes_out: u64,
    windows: u64,
    unique_clients: Option<u64>,
    rps: Option<f64>,
    last_window_start: Option<i64>,
    last_log_time: Option<i64>,
    targets: BTreeMap<String, (u64, u64)>,
    anomaly_score: Option<f64>,
    anomalies: BTreeMap<&'static str, u64>,
    clients: BTreeMap<&'static str, u64>,
    security: BTreeMap<&'static str, u64>,
    lines: u64,
    parsed: u64,
    skipped: u64,
    rejected: BTreeMap<String, u64>,
    alerts: Option<AlertCounts>,
    /// The detectors that run (`--detect`), once the engine has said.
    detectors: Option<crate::detect::Detectors>,
}

/// Shared between the engine loop (writes) and the responder thread (reads).
#[derive(Debug, Default)]
pub struct Metrics {
    reg: Mutex<Registry>,
}

impl Metrics {
    pub fn new() -> Metrics {
        Metrics::default()
    }

    fn with(&self, f: impl FnOnce(&mut Registry)) {
        // A panicked writer leaves numbers that are still worth serving.
        let mut g = self.reg.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut g);
    }

    /// One closed window.
    pub fn window(&self, w: &WindowStats) {
        self.with(|r| {
            let e = &w.event;
            for (c, n) in r.by_class.iter_mut().zip([
                e.status_2xx,
                e.status_3xx,
                e.status_4xx,
                e.status_5xx,
                e.status_other,
            ]) {
                *c += n;
            }
            r.lb_5xx += e.status_5xx_lb;
            r.backend_5xx += e.status_5xx_backend;
            for (a, b) in r.latency.iter_mut().zip(w.latency_buckets) {
                *a += b;
            }
            r.latency_sum_us = r.latency_sum_us.saturating_add(w.latency_sum_us);
            r.bytes_in += e.bytes_in;
            r.bytes_out += e.bytes_out;
            r.windows += 1;
            if r.last_window_start.is_none_or(|s| e.start.0 >= s) {
                r.last_window_start = Some(e.start.0);
                r.unique_clients = Some(e.unique_clients);
                r.rps = Some(e.req_per_sec);
                // Until an anomaly event says otherwise, the newest window is normal.
                r.anomaly_score = Some(0.0);
            }
            for t in &w.targets {
                let key = if r.targets.contains_key(&t.target) || r.targets.len() < MAX_TARGETS {
                    t.target.as_str()
                } else {
                    "other"
                };
                let v = r.targets.entry(key.to_string()).or_default();
                v.0 += t.requests;
                v.1 += t.errors_5xx;
            }
        });
    }

    pub fn event(&self, ev: &Event) {
        self.with(|r| match ev {
            Event::Anomaly(a) => {
                *r.anomalies.entry(a.kind.name()).or_default() += 1;
                if r.last_window_start.is_none_or(|s| a.start.0 >= s) {
                    r.anomaly_score = Some(a.score);
                }
            }
            Event::Client(c) => *r.clients.entry(c.behavior.name()).or_default() += 1,
            Event::Security(s) => *r.security.entry(s.category.name()).or_default() += 1,
            Event::Window(_) | Event::Summary(_) => {}
        });
    }

    pub fn counters(&self, c: &Counters) {
        self.with(|r| {
            r.lines = c.lines;
            r.parsed = c.parsed;
            r.skipped = c.skipped;
            r.last_log_time = c.last;
            for (reason, n) in &c.rejected {
                match r.rejected.get_mut(*reason) {
                    Some(v) => *v = *n,
                    None => {
                        r.rejected.insert((*reason).to_string(), *n);
                    }
                }
            }
        });
    }

    pub fn alerts(&self, a: AlertCounts) {
        self.with(|r| r.alerts = Some(a));
    }

    /// The detectors that run: served as `lbtop_detector_enabled`, and without anomaly
    /// scoring there is no `lbtop_anomaly_score` (a 0 would read as "normal").
    pub fn detectors(&self, d: crate::detect::Detectors) {
        self.with(|r| r.detectors = Some(d));
    }

    /// The exposition text (format 0.0.4).
    pub fn render(&self) -> String {
        let g = self.reg.lock().unwrap_or_else(|e| e.into_inner());
        encode(&g)
    }
}

/// Writes families: HELP and TYPE once, then the samples.
struct Out(String);

impl Out {
    fn family(&mut self, name: &str, kind: &str, help: &str) {
        let _ = writeln!(self.0, "# HELP {name} {}", escape_help(help));
        let _ = writeln!(self.0, "# TYPE {name} {kind}");
    }

    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        self.0.push_str(name);
        if !labels.is_empty() {
            self.0.push('{');
            for (i, (k, v)) in labels.iter().enumerate() {
                if i > 0 {
                    self.0.push(',');
                }
                let _ = write!(self.0, "{k}=\"{}\"", escape_label(v));
            }
            self.0.push('}');
        }
        let _ = writeln!(self.0, " {}", num(value));
    }

    fn one(&mut self, name: &str, kind: &str, help: &str, value: f64) {
        self.family(name, kind, help);
        self.sample(name, &[], value);
    }

    fn by<K: AsRef<str>>(
        &mut self,
        name: &str,
        kind: &str,
        help: &str,
        label: &str,
        values: impl IntoIterator<Item = (K, u64)>,
    ) {
        self.family(name, kind, help);
        for (k, v) in values {
            self.sample(name, &[(label, k.as_ref())], v as f64);
        }
    }
}

fn num(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        format!("{v}")
    }
}

fn escape_label(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => o.push_str("\\\\"),
            '"' => o.push_str("\\\""),
            '\n' => o.push_str("\\n"),
            c => o.push(c),
        }
    }
    o
}

fn escape_help(s: &str) -> String {
    s.replace('\\', "\\\\").replace('\n', "\\n")
}

fn encode(r: &Registry) -> String {
    let mut o = Out(String::with_capacity(8 * 1024));
    o.by(
        "lbtop_requests_total",
        "counter",
        "Requests by status class, from closed windows.",
        "class",
        ["2xx", "3xx", "4xx", "5xx", "other"]
            .into_iter()
            .zip(r.by_class),
    );
    o.by(
        "lbtop_5xx_total",
        "counter",
        "5xx responses by origin: generated by the load balancer or returned by the backend.",
        "origin",
        [("lb", r.lb_5xx), ("backend", r.backend_5xx)],
    );
    let h = "lbtop_request_duration_seconds";
    o.family(
        h,
        "histogram",
        "Request latency (total time, else backend time) of requests that have one.",
    );
    let mut cum = 0u64;
    for (i, n) in r.latency.iter().enumerate() {
        cum += n;
        let le = match LATENCY_BOUNDS_US.get(i) {
            Some(&b) => num(b as f64 / 1e6),
            None => "+Inf".to_string(),
        };
        o.sample(&format!("{h}_bucket"), &[("le", &le)], cum as f64);
    }
    o.sample(&format!("{h}_sum"), &[], r.latency_sum_us as f64 / 1e6);
    o.sample(&format!("{h}_count"), &[], cum as f64);
    o.one(
        "lbtop_request_bytes_total",
        "counter",
        "Bytes received from clients.",
        r.bytes_in as f64,
    );
    o.one(
        "lbtop_response_bytes_total",
        "counter",
        "Bytes sent to clients.",
        r.bytes_out as f64,
    );
    o.one(
        "lbtop_windows_total",
        "counter",
        "Closed aggregation windows.",
        r.windows as f64,
    );
    if let Some(u) = r.unique_clients {
        o.one(
            "lbtop_unique_clients",
            "gauge",
            "Distinct clients in the latest closed window (estimate).",
            u as f64,
        );
    }
    if let Some(v) = r.rps {
        o.one(
            "lbtop_request_rate",
            "gauge",
            "Requests per second in the latest closed window.",
            v,
        );
    }
    if let Some(d) = r.detectors {
        o.by(
            "lbtop_detector_enabled",
            "gauge",
            "1 for each detector that runs, 0 for one switched off (--detect).",
            "detector",
            d.each().map(|(name, on)| (name, u64::from(on))),
        );
    }
    let scoring = r.detectors.is_none_or(|d| d.anomaly);
    if let Some(s) = r.anomaly_score.filter(|_| scoring) {
        o.one(
            "lbtop_anomaly_score",
            "gauge",
            "Anomaly score (0..1) of the latest closed window; 0 when it was not anomalous.",
            s,
        );
    }
    if let Some(t) = r.last_log_time {
        o.one(
            "lbtop_last_log_timestamp_seconds",
            "gauge",
            "Newest log time read (Unix seconds).",
            t as f64 / 1e6,
        );
    }
    o.by(
        "lbtop_target_requests_total",
        "counter",
        "Requests per target (backend); targets past the first 50 are counted as other.",
        "target",
        r.targets.iter().map(|(k, v)| (k, v.0)),
    );
    o.by(
        "lbtop_target_errors_total",
        "counter",
        "5xx responses per target (backend).",
        "target",
        r.targets.iter().map(|(k, v)| (k, v.1)),
    );
    o.by(
        "lbtop_anomalies_total",
        "counter",
        "Anomalous windows by type.",
        "type",
        r.anomalies.iter().map(|(k, v)| (k, *v)),
    );
    o.by(
        "lbtop_client_events_total",
        "counter",
        "Abusive client findings by behaviour.",
        "behavior",
        r.clients.iter().map(|(k, v)| (k, *v)),
    );
    o.by(
        "lbtop_security_hits_total",
        "counter",
        "Attack-pattern matches by category.",
        "category",
        r.security.iter().map(|(k, v)| (k, *v)),
    );
    o.one(
        "lbtop_lines_total",
        "counter",
        "Lines read.",
        r.lines as f64,
    );
    o.one(
        "lbtop_lines_parsed_total",
        "counter",
        "Requests parsed.",
        r.parsed as f64,
    );
    o.one(
        "lbtop_lines_skipped_total",
        "counter",
        "Lines that are neither requests nor errors (blank lines, headers).",
        r.skipped as f64,
    );
    o.by(
        "lbtop_lines_rejected_total",
        "counter",
        "Lines rejected, by reason.",
        "reason",
        r.rejected.iter().map(|(k, v)| (k, *v)),
    );
    if let Some(a) = r.alerts {
        o.by(
            "lbtop_alerts_total",
            "counter",
            "Alert deliveries by result: sent, failed after retries, dropped (queue full).",
            "result",
            [
                ("sent", a.sent),
                ("failed", a.failed),
                ("dropped", a.dropped),
            ],
        );
    }
    o.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{AnomalyEvent, AnomalyType, LogTime};
    use crate::window::TargetStats;

    fn window(start: i64, lat: [u64; LATENCY_SLOTS], targets: Vec<TargetStats>) -> WindowStats {
        let mut w = WindowStats::default();
        w.event.start = LogTime(start);
        w.event.requests = 10;
        w.event.status_2xx = 7;
        w.event.status_5xx = 3;
        w.event.status_5xx_lb = 1;
        w.event.status_5xx_backend = 2;
        w.event.req_per_sec = 1.0;
        w.latency_buckets = lat;
        w.latency_sum_us = 1_500_000;
        w.targets = targets;
        w
    }

    fn line<'a>(text: &'a str, prefix: &str) -> &'a str {
        text.lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no `{prefix}` in\n{text}"))
    }

    #[test]
    fn histogram_is_cumulative_and_counters_add_up() {
        let m = Metrics::new();
        let mut lat = [0; LATENCY_SLOTS];
        lat[0] = 2;
        lat[3] = 5;
        lat[LATENCY_SLOTS - 1] = 1;
        let t = |name: &str, n| TargetStats {
            target: name.into(),
            requests: n,
            errors_5xx: 1,
            ..Default::default()
        };
        m.window(&window(
            0,
            lat,
            vec![t("10.0.0.1:80", 6), t("a\"b\\c\nd", 4)],
        ));
        m.window(&window(10, lat, vec![t("10.0.0.1:80", 6)]));
        let text = m.render();
        assert_eq!(
            line(&text, "lbtop_requests_total{class=\"2xx\"}"),
            "lbtop_requests_total{class=\"2xx\"} 14"
        );
        assert_eq!(
            line(&text, "lbtop_5xx_total{origin=\"lb\"}"),
            "lbtop_5xx_total{origin=\"lb\"} 2"
        );
        let b = "lbtop_request_duration_seconds_bucket";
        assert_eq!(
            line(&text, &format!("{b}{{le=\"0.005\"}}")),
            format!("{b}{{le=\"0.005\"}} 4")
        );
        assert_eq!(
            line(&text, &format!("{b}{{le=\"0.05\"}}")),
            format!("{b}{{le=\"0.05\"}} 14")
        );
        assert_eq!(
            line(&text, &format!("{b}{{le=\"30\"}}")),
            format!("{b}{{le=\"30\"}} 14")
        );
        assert_eq!(
            line(&text, &format!("{b}{{le=\"+Inf\"}}")),
            format!("{b}{{le=\"+Inf\"}} 16")
        );
        assert_eq!(
            line(&text, "lbtop_request_duration_seconds_count"),
            "lbtop_request_duration_seconds_count 16"
        );
        assert_eq!(
            line(&text, "lbtop_request_duration_seconds_sum"),
            "lbtop_request_duration_seconds_sum 3"
        );
        assert_eq!(
            line(&text, "lbtop_target_requests_total{target=\"a"),
            "lbtop_target_requests_total{target=\"a\\\"b\\\\c\\nd\"} 4",
            "label values are escaped"
        );
        assert_eq!(
            line(&text, "lbtop_target_requests_total{target=\"10.0.0.1:80\"}"),
            "lbtop_target_requests_total{target=\"10.0.0.1:80\"} 12"
        );
        // Every family has HELP and TYPE right before its samples.
        assert_eq!(
            text.matches("# TYPE ").count(),
            text.matches("# HELP ").count()
        );
    }

    #[test]
    fn target_labels_are_capped_and_anomaly_score_follows_the_latest_window() {
        let m = Metrics::new();
        let many: Vec<TargetStats> = (0..MAX_TARGETS + 10)
            .map(|i| TargetStats {
                target: format!("t{i}"),
                requests: 1,
                ..Default::default()
            })
            .collect();
        m.window(&window(0, [0; LATENCY_SLOTS], many));
        let text = m.render();
        let n = text
            .lines()
            .filter(|l| l.starts_with("lbtop_target_requests_total{"))
            .count();
        assert_eq!(n, MAX_TARGETS + 1, "50 targets and other");
        assert!(text.contains("lbtop_target_requests_total{target=\"other\"} 10"));

        let anomaly = |start, score| {
            Event::Anomaly(AnomalyEvent {
                start: LogTime(start),
                end: LogTime(start + 10),
                kind: AnomalyType::ErrorSpike,
                score,
                summary: String::new(),
                episode: 1,
                episode_start: LogTime(start),
                drivers: vec![],
            })
        };
        m.event(&anomaly(0, 0.9));
        assert!(m.render().contains("lbtop_anomaly_score 0.9\n"));
        m.window(&window(10, [0; LATENCY_SLOTS], vec![]));
        // A late-drained anomaly about an older window does not overwrite the newer one.
        m.event(&anomaly(0, 0.8));
        let text = m.render();
        assert!(text.contains("lbtop_anomaly_score 0\n"), "{text}");
        assert!(text.contains("lbtop_anomalies_total{type=\"error_spike\"} 2"));
    }

    #[test]
    fn detectors_switched_off_are_served_and_leave_no_anomaly_score() {
        let m = Metrics::new();
        m.window(&window(0, [0; LATENCY_SLOTS], vec![]));
        let text = m.render();
        assert!(text.contains("lbtop_anomaly_score 0\n"), "{text}");
        assert!(!text.contains("lbtop_detector_enabled"), "{text}");

        m.detectors(crate::detect::Detectors {
            security: true,
            ..crate::detect::Detectors::NONE
        });
        let text = m.render();
        for line in [
            "lbtop_detector_enabled{detector=\"anomaly\"} 0\n",
            "lbtop_detector_enabled{detector=\"client\"} 0\n",
            "lbtop_detector_enabled{detector=\"security\"} 1\n",
        ] {
            assert!(text.contains(line), "missing {line:?}\n{text}");
        }
        assert!(!text.contains("lbtop_anomaly_score"), "{text}");
        m.detectors(crate::detect::Detectors::ALL);
        assert!(m.render().contains("lbtop_anomaly_score 0\n"));
    }
}
