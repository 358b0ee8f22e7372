//! `Event`: the one type every detector emits and every output (JSON lines, text report, TUI)
//! renders. Serialised with `"kind"` as the tag; this is the `lbtop scan` contract: fields may be
//! added, never renamed.

use crate::record::{Micros, format_rfc3339};
use serde::{Serialize, Serializer};
use std::collections::BTreeMap;

/// Log time serialised as RFC 3339 UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct LogTime(pub Micros);

impl Serialize for LogTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_rfc3339(self.0))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    Window(WindowEvent),
    Anomaly(AnomalyEvent),
    Client(ClientEvent),
    Security(SecurityEvent),
    Summary(SummaryEvent),
}

impl Event {
    /// Log time the event is about (its start for ranges).
    pub fn time(&self) -> Micros {
        match self {
            Event::Window(w) => w.start.0,
            Event::Anomaly(a) => a.start.0,
            Event::Client(c) => c.time.0,
            Event::Security(s) => s.time.0,
            Event::Summary(s) => s.last_time.map_or(0, |t| t.0),
        }
    }
}

/// One closed aggregation window.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct WindowEvent {
    pub start: LogTime,
    pub end: LogTime,
    pub requests: u64,
    pub req_per_sec: f64,
    pub status_2xx: u64,
    pub status_3xx: u64,
    pub status_4xx: u64,
    pub status_5xx: u64,
    /// 5xx the load balancer generated itself (backend unreachable, timeouts).
    pub status_5xx_lb: u64,
    /// 5xx the backend returned.
    pub status_5xx_backend: u64,
    /// Requests without a status (malformed, client closed, TCP listener).
    pub status_other: u64,
    /// Latency percentiles in milliseconds over requests that have a latency.
    pub latency_p50_ms: Option<f64>,
    pub latency_p90_ms: Option<f64>,
    pub latency_p99_ms: Option<f64>,
    pub latency_max_ms: Option<f64>,
    pub unique_clients: u64,
    pub bytes_in: u64,
    pub bytes_out: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AnomalyType {
    ErrorSpike,
    Latency,
    TrafficSpike,
    TrafficDrop,
    ClientErrors,
    TargetFailure,
    NewClients,
    Concentration,
    Bandwidth,
    Other,
}

impl AnomalyType {
    pub fn name(self) -> &'static str {
        match self {
            AnomalyType::ErrorSpike => "error_spike",
            AnomalyType::Latency => "latency",
            AnomalyType::TrafficSpike => "traffic_spike",
            AnomalyType::TrafficDrop => "traffic_drop",
            AnomalyType::ClientErrors => "client_errors",
            AnomalyType::TargetFailure => "target_failure",
            AnomalyType::NewClients => "new_clients",
            AnomalyType::Concentration => "concentration",
            AnomalyType::Bandwidth => "bandwidth",
            AnomalyType::Other => "other",
        }
    }
}

/// An anomalous window. Windows of one incident share an `episode` id; `episode_start`
/// is when that episode began, so outputs can update one alarm instead of raising many.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnomalyEvent {
    pub start: LogTime,
    pub end: LogTime,
    #[serde(rename = "type")]
    pub kind: AnomalyType,
    /// Calibrated to [0, 1]; one threshold serves any log.
    pub score: f64,
    /// One human sentence naming what drove it against its baseline.
    pub summary: String,
    pub episode: u64,
    pub episode_start: LogTime,
    /// The feature contributions behind the score, largest first: (feature, value, baseline).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub drivers: Vec<Driver>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Driver {
    pub feature: String,
    pub value: f64,
    pub baseline: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Behavior {
    Flood,
    Scraper,
    CredentialStuffing,
    BruteForce,
    Scanner,
    BadBot,
}

impl Behavior {
    pub fn name(self) -> &'static str {
        match self {
            Behavior::Flood => "flood",
            Behavior::Scraper => "scraper",
            Behavior::CredentialStuffing => "credential_stuffing",
            Behavior::BruteForce => "brute_force",
            Behavior::Scanner => "scanner",
            Behavior::BadBot => "bad_bot",
        }
    }
}

/// A client (or, for distributed attacks, a target path) behaving badly.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClientEvent {
    pub time: LogTime,
    /// The client; for a distributed attack aggregated by path, the most active client.
    pub client_ip: String,
    pub behavior: Behavior,
    pub summary: String,
    /// Requests that made the case, in the detection window.
    pub requests: u64,
    /// For distributed attacks: the path attacked and how many clients took part.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clients: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Sqli,
    Xss,
    Traversal,
    CommandInjection,
    Jndi,
    Ssrf,
    SensitiveFile,
    Probe,
    ScannerAgent,
    Custom,
}

impl Category {
    pub fn name(self) -> &'static str {
        match self {
            Category::Sqli => "sqli",
            Category::Xss => "xss",
            Category::Traversal => "traversal",
            Category::CommandInjection => "command_injection",
            Category::Jndi => "jndi",
            Category::Ssrf => "ssrf",
            Category::SensitiveFile => "sensitive_file",
            Category::Probe => "probe",
            Category::ScannerAgent => "scanner_agent",
            Category::Custom => "custom",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SecurityEvent {
    pub time: LogTime,
    pub client_ip: String,
    pub category: Category,
    /// Rule id, e.g. `sqli-union-select`.
    pub rule: String,
    pub severity: Severity,
    /// The request line as logged (method, path?query, protocol).
    pub request: String,
    /// Which field matched: `path`, `query`, `user_agent`, `referrer`, …
    pub field: String,
    /// The file the line came from, or `-` for stdin.
    pub source: String,
    /// 1-based line number in `source`.
    pub line: u64,
}

/// The last line of `lbtop scan`.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct SummaryEvent {
    pub lines: u64,
    pub parsed: u64,
    /// Lines that are not requests and not errors: blank lines, CloudFront `#` headers.
    pub skipped: u64,
    /// Rejected lines by reason.
    pub rejected: BTreeMap<String, u64>,
    pub rejected_total: u64,
    /// Parsed requests per format name.
    pub formats: BTreeMap<String, u64>,
    pub first_time: Option<LogTime>,
    pub last_time: Option<LogTime>,
    pub elapsed_sec: f64,
    pub lines_per_sec: f64,
    pub events: BTreeMap<String, u64>,
    /// The detectors that ran (`--detect`): no `security` here means the rules were not
    /// checked, not that nothing matched.
    pub detectors: Vec<&'static str>,
    /// Inputs that could not be read, or ended early (a truncated gzip), one line each.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub source_errors: Vec<String>,
    /// Peak resident memory of the process (Linux `VmHWM`), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peak_rss_bytes: Option<u64>,
    /// Alert deliveries, when alert hooks were configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alerts: Option<AlertCounts>,
}

/// What became of the alerts (per sink delivery): delivered, given up on after retries, or
/// dropped because the queue was full (alerting never slows ingestion).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub struct AlertCounts {
    pub sent: u64,
    pub failed: u64,
    pub dropped: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_contract_field_names() {
        let e = Event::Security(SecurityEvent {
            time: LogTime(1_700_000_000_000_000),
            client_ip: "1.2.3.4".into(),
            category: Category::Sqli,
            rule: "sqli-union".into(),
            severity: Severity::High,
            request: "GET /?id=1 UNION SELECT HTTP/1.1".into(),
            field: "query".into(),
            source: "-".into(),
            line: 7,
        });
        let v: serde_json::Value = serde_json::to_value(&e).unwrap();
        assert_eq!(v["kind"], "security");
        assert_eq!(v["time"], "2023-11-14T22:13:20Z");
        assert_eq!(v["category"], "sqli");
        assert_eq!(v["line"], 7);
        let a = Event::Anomaly(AnomalyEvent {
            start: LogTime(0),
            end: LogTime(60_000_000),
            kind: AnomalyType::ErrorSpike,
            score: 0.9,
            summary: "x".into(),
            episode: 1,
            episode_start: LogTime(0),
            drivers: vec![],
        });
        let v: serde_json::Value = serde_json::to_value(&a).unwrap();
        assert_eq!(v["kind"], "anomaly");
        assert_eq!(v["type"], "error_spike");
        assert_eq!(v["end"], "1970-01-01T00:01:00Z");
    }
}
