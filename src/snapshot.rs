//! `Snapshot`: the view model the engine publishes and the TUI draws. Owned, sized to the
//! screen (top-N lists, a fixed number of sparkline points), cheap to clone behind an `Arc`.
//! It carries its own log-time clock so a frame never reads the wall clock.

use crate::event::{AnomalyEvent, Behavior, ClientEvent, SecurityEvent, WindowEvent};
use crate::record::Micros;
use serde::Serialize;

/// What the UI asks the engine to build into the next snapshot.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ViewSpec {
    /// Filter applied to every panel (see [`Filter`]).
    pub filter: Filter,
    /// Client to drill into.
    pub drill: Option<String>,
    /// Index into the window sizes ladder (10 s, 1 min, 5 min).
    pub window: usize,
    /// How many sparkline points the screen can show.
    pub points: usize,
}

/// `/` filter: an IP, a path substring, or a status class like `5xx`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub enum Filter {
    #[default]
    None,
    Client(String),
    PathContains(String),
    StatusClass(u8),
}

impl Filter {
    /// Parse what the user typed after `/`: `5xx`/`4xx`…, an IP, or else a path substring.
    pub fn parse(s: &str) -> Filter {
        let s = s.trim();
        if s.is_empty() {
            return Filter::None;
        }
        let b = s.as_bytes();
        if b.len() == 3 && (b'1'..=b'5').contains(&b[0]) && b[1..].eq_ignore_ascii_case(b"xx") {
            return Filter::StatusClass(b[0] - b'0');
        }
        if s.parse::<std::net::IpAddr>().is_ok() {
            return Filter::Client(s.to_string());
        }
        Filter::PathContains(s.to_string())
    }

    pub fn label(&self) -> String {
        match self {
            Filter::None => String::new(),
            Filter::Client(c) => format!("client {c}"),
            Filter::PathContains(p) => format!("path ~ {p}"),
            Filter::StatusClass(c) => format!("status {c}xx"),
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub enum Mode {
    #[default]
    Live,
    Replay {
        /// Speed multiplier ×100 (so it stays `Eq`): 1000 = ×10.
        speed_x100: u32,
        paused: bool,
    },
    Demo,
    /// Reading what is already there before following.
    Backfill,
}

/// One sparkline: a value per window, oldest first, plus the learned baseline.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Series {
    pub label: String,
    pub unit: String,
    pub values: Vec<f64>,
    pub current: Option<f64>,
    pub baseline: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ClientRow {
    pub client: String,
    pub requests: u64,
    pub share: f64,
    pub errors_4xx: u64,
    pub errors_5xx: u64,
    pub security_hits: u64,
    pub behaviors: Vec<Behavior>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TargetRow {
    pub target: String,
    pub requests: u64,
    pub errors_5xx: u64,
    pub p99_ms: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Count {
    pub key: String,
    pub count: u64,
}

/// Drill-down on one client.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ClientDetail {
    pub client: String,
    pub rate: Series,
    pub statuses: Vec<Count>,
    pub paths: Vec<Count>,
    pub user_agents: Vec<Count>,
    pub security: Vec<SecurityEvent>,
    pub behaviors: Vec<ClientEvent>,
    pub requests: u64,
    pub first_seen: Option<Micros>,
    pub last_seen: Option<Micros>,
    /// Latest raw requests, newest first, as one display line each (not yet escaped).
    pub recent: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Snapshot {
    /// Log-time cursor: the newest log time seen (or replay position).
    pub now: Micros,
    pub mode: Mode,
    pub sources: Vec<String>,
    /// Detected formats with their request counts.
    pub formats: Vec<Count>,
    pub lines: u64,
    pub parsed: u64,
    pub rejected: u64,
    pub rejected_by_reason: Vec<Count>,
    /// The latest rejected line (truncated) and why, for the header banner.
    pub last_rejected: Option<(String, String)>,
    /// Ingest rate in lines per wall second (measured by the runtime, passed in).
    pub lines_per_sec: f64,
    /// Log time behind wall time, seconds (live mode only).
    pub lag_secs: Option<f64>,
    /// Backfill progress 0..1 while reading what is already there.
    pub backfill: Option<f64>,
    pub window_secs: u64,
    pub window_start: Micros,
    /// requests/s, latency p50, p99 (ms), 4xx %, 5xx %; one value per window.
    pub rps: Series,
    pub p50: Series,
    pub p99: Series,
    pub err4xx: Series,
    pub err5xx: Series,
    /// Per sparkline point: was that window anomalous?
    pub anomalous: Vec<bool>,
    /// The latest closed window.
    pub last_window: Option<WindowEvent>,
    /// Anomaly episodes, newest first; an ongoing episode is updated in place.
    pub anomalies: Vec<AnomalyEvent>,
    /// Security hits, newest first.
    pub security: Vec<SecurityEvent>,
    pub security_total: u64,
    /// Top talkers and flagged clients.
    pub clients: Vec<ClientRow>,
    pub targets: Vec<TargetRow>,
    pub top_paths: Vec<Count>,
    pub top_agents: Vec<Count>,
    pub statuses: Vec<Count>,
    pub detail: Option<ClientDetail>,
    /// One-line notices for the operator (missing file, permission denied, rotated, …).
    pub notices: Vec<String>,
    pub finished: bool,
    /// Alert deliveries so far, when alert hooks are configured.
    pub alerts: Option<crate::event::AlertCounts>,
    /// The detectors that run (`--detect`): a panel whose detector is off says so instead
    /// of "no anomalies" or "no security hits".
    pub detectors: crate::detect::Detectors,
}
