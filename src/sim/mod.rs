//! Synthetic load balancer traffic, deterministic from a seed: a daily cycle, Zipf clients
//! and paths, log-normal latencies, four targets, and injectable incidents with a ground
//! truth, so detectors can be measured and `lbtop demo` has something to show.

mod catalog;
mod format;
mod generate;
pub mod rng;

pub use format::{header, write_line};
pub use generate::Simulator;

use crate::record::{MICROS_PER_SEC, Micros, Request};
use serde::Serialize;

/// Where the 5xx of an error spike come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorSource {
    /// The backends answer 500.
    Backend,
    /// The LB answers 502 itself: target unreachable.
    Lb,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentKind {
    ErrorSpike(ErrorSource),
    Latency,
    TrafficSpike,
    TrafficDrop,
    ClientErrors,
    /// One of the four targets (index 0..4) fails: its 5xx and latency rise.
    TargetFailure(u8),
    Flood,
    Scraper,
    BruteForce,
    CredentialStuffing,
    Scanner,
    SecurityPayloads,
}

impl IncidentKind {
    pub fn name(self) -> &'static str {
        match self {
            IncidentKind::ErrorSpike(_) => "error_spike",
            IncidentKind::Latency => "latency",
            IncidentKind::TrafficSpike => "traffic_spike",
            IncidentKind::TrafficDrop => "traffic_drop",
            IncidentKind::ClientErrors => "client_errors",
            IncidentKind::TargetFailure(_) => "target_failure",
            IncidentKind::Flood => "flood",
            IncidentKind::Scraper => "scraper",
            IncidentKind::BruteForce => "brute_force",
            IncidentKind::CredentialStuffing => "credential_stuffing",
            IncidentKind::Scanner => "scanner",
            IncidentKind::SecurityPayloads => "security_payloads",
        }
    }

    /// Incidents that change aggregate traffic (for the window scorer), as opposed to
    /// attacks by a few clients (for the client and security detectors).
    pub fn is_aggregate(self) -> bool {
        matches!(
            self,
            IncidentKind::ErrorSpike(_)
                | IncidentKind::Latency
                | IncidentKind::TrafficSpike
                | IncidentKind::TrafficDrop
                | IncidentKind::ClientErrors
                | IncidentKind::TargetFailure(_)
        )
    }

    /// The six aggregate kinds plus the six attacks, one of each (for presets and tests).
    pub const ALL: [IncidentKind; 13] = [
        IncidentKind::ErrorSpike(ErrorSource::Backend),
        IncidentKind::ErrorSpike(ErrorSource::Lb),
        IncidentKind::Latency,
        IncidentKind::TrafficSpike,
        IncidentKind::TrafficDrop,
        IncidentKind::ClientErrors,
        IncidentKind::TargetFailure(2),
        IncidentKind::Flood,
        IncidentKind::Scraper,
        IncidentKind::BruteForce,
        IncidentKind::CredentialStuffing,
        IncidentKind::Scanner,
        IncidentKind::SecurityPayloads,
    ];
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Intensity {
    Subtle,
    Moderate,
    Strong,
}

impl Intensity {
    /// Pick one of three values by intensity.
    pub fn of<T: Copy>(self, v: [T; 3]) -> T {
        v[self as usize]
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Incident {
    pub kind: IncidentKind,
    pub start_offset_secs: u64,
    pub duration_secs: u64,
    pub intensity: Intensity,
}

/// How the request rate moves over a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DailyShape {
    /// A sine peaking at 15:00 (1 ± `daily_amplitude`): smooth enough for a trend to follow.
    Sine,
    /// An office: nights at (1 − a)×, days at (1 + a)×, with half-hour ramps (geometric)
    /// at 07:30–08:00 and 18:30–19:00. Each morning's ramp looks like a surge to a model
    /// without an hour-of-day profile.
    Office,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    pub seed: u64,
    /// Log time of the first request.
    pub start: Micros,
    pub duration_secs: u64,
    /// Mean request rate over a day (the daily cycle swings from 0.4× to 1.6× of it).
    pub base_rps: f64,
    /// Amplitude of the daily cycle, 0 for a flat rate.
    pub daily_amplitude: f64,
    /// Shape of the daily cycle.
    pub daily_shape: DailyShape,
    /// Size of the client population (Zipf over it, with slow churn).
    pub clients: usize,
    pub incidents: Vec<Incident>,
}

impl SimConfig {
    pub fn new(seed: u64, start: Micros, duration_secs: u64, base_rps: f64) -> SimConfig {
        SimConfig {
            seed,
            start,
            duration_secs,
            base_rps: base_rps.clamp(0.01, 100_000.0),
            daily_amplitude: 0.6,
            daily_shape: DailyShape::Sine,
            clients: ((base_rps * 400.0) as usize).clamp(2_000, 200_000),
            incidents: Vec::new(),
        }
    }

    pub fn end(&self) -> Micros {
        self.start + self.duration_secs as i64 * MICROS_PER_SEC
    }
}

/// One generated request and what produced it.
#[derive(Debug, Clone, PartialEq)]
pub struct SimRequest {
    pub req: Request<'static>,
    /// The incident this request belongs to or was changed by, if any.
    pub label: Option<IncidentKind>,
    /// Sent by an attacking client.
    pub attacker: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TruthIncident {
    pub kind: IncidentKind,
    pub name: &'static str,
    pub intensity: Intensity,
    pub start: crate::event::LogTime,
    pub end: crate::event::LogTime,
    /// Attacking clients (empty for aggregate incidents).
    pub attacker_ips: Vec<String>,
}

/// What was injected, for scoring detectors. Serialises to JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroundTruth {
    pub seed: u64,
    pub start: crate::event::LogTime,
    pub end: crate::event::LogTime,
    pub base_rps: f64,
    pub incidents: Vec<TruthIncident>,
}

impl GroundTruth {
    pub fn of(cfg: &SimConfig) -> GroundTruth {
        use crate::event::LogTime;
        let incidents = cfg
            .incidents
            .iter()
            .enumerate()
            .map(|(i, inc)| {
                let start = cfg.start + inc.start_offset_secs as i64 * MICROS_PER_SEC;
                TruthIncident {
                    kind: inc.kind,
                    name: inc.kind.name(),
                    intensity: inc.intensity,
                    start: LogTime(start),
                    end: LogTime(start + inc.duration_secs as i64 * MICROS_PER_SEC),
                    attacker_ips: generate::attacker_ips(cfg.seed, i, inc)
                        .iter()
                        .map(|ip| ip.to_string())
                        .collect(),
                }
            })
            .collect();
        GroundTruth {
            seed: cfg.seed,
            start: LogTime(cfg.start),
            end: LogTime(cfg.end()),
            base_rps: cfg.base_rps,
            incidents,
        }
    }
}

/// 2026-11-02T00:00:00Z: a Monday, so presets start at midnight of a plain day.
pub const PRESET_START: Micros = 1_793_577_600 * MICROS_PER_SEC;

/// The names [`scenario`] knows, for help texts and error messages.
pub const SCENARIOS: &[&str] = &["demo", "day", "quiet", "week"];

/// Named presets: `demo` (40 min: 7 quiet minutes, then a one-minute incident of each kind
/// every 2.5 minutes), `day` (24 h, ten incidents), `quiet` (24 h, no incidents), `week`
/// (four office days, with a night-time surge on the last).
pub fn scenario(name: &str, seed: u64) -> Option<SimConfig> {
    let inc = |kind, start, dur, intensity| Incident {
        kind,
        start_offset_secs: start,
        duration_secs: dur,
        intensity,
    };
    match name {
        "demo" => {
            // Start mid-afternoon so the rate is near its daily peak and flat-ish.
            let mut c =
                SimConfig::new(seed, PRESET_START + 14 * 3600 * MICROS_PER_SEC, 2_400, 40.0);
            // Seven quiet minutes (the scorer warms up in five), then a one-minute incident
            // every 2.5 minutes: 90 s of calm between them keeps their alarms apart.
            let mut t = 420;
            for k in IncidentKind::ALL {
                c.incidents.push(inc(k, t, 60, Intensity::Moderate));
                t += 150;
            }
            Some(c)
        }
        "day" => {
            let mut c = SimConfig::new(seed, PRESET_START, 86_400, 50.0);
            use IncidentKind as K;
            use Intensity as I;
            let plan = [
                (K::TrafficDrop, 2 * 3600 + 600, 600, I::Moderate),
                (K::Scanner, 4 * 3600, 300, I::Moderate),
                (
                    K::ErrorSpike(ErrorSource::Lb),
                    6 * 3600 + 900,
                    420,
                    I::Moderate,
                ),
                (K::Latency, 8 * 3600 + 300, 900, I::Subtle),
                (K::CredentialStuffing, 10 * 3600, 1_200, I::Moderate),
                (K::TargetFailure(1), 12 * 3600 + 1_200, 600, I::Moderate),
                (K::TrafficSpike, 14 * 3600, 600, I::Strong),
                (K::ClientErrors, 16 * 3600 + 600, 480, I::Moderate),
                (
                    K::ErrorSpike(ErrorSource::Backend),
                    18 * 3600,
                    300,
                    I::Strong,
                ),
                (K::SecurityPayloads, 20 * 3600, 600, I::Moderate),
                (K::Flood, 21 * 3600 + 1_800, 300, I::Moderate),
            ];
            for (k, s, d, i) in plan {
                c.incidents.push(inc(k, s, d, i));
            }
            Some(c)
        }
        "quiet" => Some(SimConfig::new(seed, PRESET_START, 86_400, 50.0)),
        // Four office days; on the last night, noon-level traffic at 03:00 for half an hour.
        "week" => {
            let mut c = SimConfig::new(seed, PRESET_START, 4 * 86_400, 20.0);
            c.daily_shape = DailyShape::Office;
            c.daily_amplitude = 0.6;
            c.incidents.push(inc(
                IncidentKind::TrafficSpike,
                3 * 86_400 + 3 * 3600,
                1_800,
                Intensity::Strong,
            ));
            Some(c)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests;
