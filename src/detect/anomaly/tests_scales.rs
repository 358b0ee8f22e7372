//! Multi-scale count tests, latency tails and the hour-of-day profile.

use super::tests::windows;
use super::*;
use crate::record::{MICROS_PER_SEC, format_rfc3339};
use crate::sim::{Incident, IncidentKind, Intensity, PRESET_START, SimConfig, Simulator};

/// Diagnostics: print every window scoring above 0.3 (run with --ignored --nocapture).
#[test]
#[ignore]
fn print_elevated_windows() {
    let rps: f64 = std::env::var("RPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5.0);
    // The eval's plan: every kind moderate, then the aggregate ones subtle, 30 min apart.
    let kinds: Vec<(IncidentKind, Intensity)> = IncidentKind::ALL
        .iter()
        .map(|&k| (k, Intensity::Moderate))
        .chain(
            IncidentKind::ALL
                .iter()
                .filter(|k| k.is_aggregate())
                .map(|&k| (k, Intensity::Subtle)),
        )
        .collect();
    let mut c = SimConfig::new(1, PRESET_START, 1800 + 1800 * kinds.len() as u64, rps);
    for (i, (kind, intensity)) in kinds.into_iter().enumerate() {
        println!(
            "incident {kind:?} {intensity:?} at {}",
            format_rfc3339(c.start + (1800 + 1800 * i as i64) * MICROS_PER_SEC)
        );
        c.incidents.push(Incident {
            kind,
            start_offset_secs: 1800 + 1800 * i as u64,
            duration_secs: 300,
            intensity,
        });
    }
    let ws = windows(Simulator::new(c), 10);
    let mut s = WindowScorer::new(ScorerConfig::new(10));
    for w in &ws {
        let e = s.observe(w);
        if s.last_score() >= 0.3 {
            println!(
                "{} {:.2} {:?} {}",
                format_rfc3339(w.start()),
                s.last_score(),
                s.last_best(),
                e.map_or(String::new(), |e| e.summary)
            );
        }
    }
}

#[test]
#[ignore]
fn print_one_trial() {
    let warm = 2_700;
    let mut c = SimConfig::new(
        22,
        PRESET_START + 15 * 3_600 * MICROS_PER_SEC,
        warm + 900,
        20.0,
    );
    c.incidents.push(Incident {
        kind: IncidentKind::ErrorSpike(crate::sim::ErrorSource::Backend),
        start_offset_secs: warm,
        duration_secs: 600,
        intensity: Intensity::Moderate,
    });
    let ws = windows(Simulator::new(c), 10);
    let mut s = WindowScorer::new(ScorerConfig::new(10));
    for w in &ws {
        let e = s.observe(w);
        if s.last_score() >= 0.2 {
            println!(
                "{} {:.2} {:?} {:?}",
                format_rfc3339(w.start()),
                s.last_score(),
                s.last_best(),
                e.map(|e| e.episode)
            );
        }
    }
}
