//! `--output text`: a report a person reads after `lbtop scan`.

use crate::event::{Event, SummaryEvent};
use crate::record::format_rfc3339;
use std::collections::BTreeMap;
use std::io::{self, Write};

pub fn write(out: &mut impl Write, events: &[Event], s: &SummaryEvent) -> io::Result<()> {
    writeln!(out, "lbtop scan report")?;
    writeln!(
        out,
        "  lines {}  parsed {}  skipped {}  rejected {}  ({:.0} lines/s, {:.2} s)",
        s.lines, s.parsed, s.skipped, s.rejected_total, s.lines_per_sec, s.elapsed_sec
    )?;
    if let (Some(a), Some(b)) = (s.first_time, s.last_time) {
        writeln!(
            out,
            "  log time {} .. {}",
            format_rfc3339(a.0),
            format_rfc3339(b.0)
        )?;
    }
    for (f, n) in &s.formats {
        writeln!(out, "  format {f}: {n} requests")?;
    }
    for (r, n) in &s.rejected {
        writeln!(out, "  rejected {r}: {n}")?;
    }
    if s.detectors.len() < crate::detect::Detectors::ALL.each().len() {
        let ran = if s.detectors.is_empty() {
            "none".to_string()
        } else {
            s.detectors.join(", ")
        };
        writeln!(
            out,
            "  detectors run: {ran} (--detect; the others were not run)"
        )?;
    }
    let mut anomalies = Vec::new();
    let mut clients = Vec::new();
    let mut security: BTreeMap<&str, Vec<&crate::event::SecurityEvent>> = BTreeMap::new();
    let mut windows = 0;
    for e in events {
        match e {
            Event::Anomaly(a) => anomalies.push(a),
            Event::Client(c) => clients.push(c),
            Event::Security(x) => security.entry(x.category.name()).or_default().push(x),
            Event::Window(_) => windows += 1,
            Event::Summary(_) => {}
        }
    }
    if windows > 0 {
        writeln!(out, "  windows: {windows}")?;
    }
    // One line per episode: its last (most complete) window.
    let mut episodes: BTreeMap<u64, &crate::event::AnomalyEvent> = BTreeMap::new();
    for a in &anomalies {
        episodes.insert(a.episode, a);
    }
    writeln!(
        out,
        "\nanomalies: {} episodes ({} windows)",
        episodes.len(),
        anomalies.len()
    )?;
    for a in episodes.values() {
        writeln!(
            out,
            "  {} .. {}  {:<14} score {:.2}  {}",
            format_rfc3339(a.episode_start.0),
            format_rfc3339(a.end.0),
            a.kind.name(),
            a.score,
            a.summary
        )?;
    }
    writeln!(out, "\nclients: {}", clients.len())?;
    for c in &clients {
        writeln!(
            out,
            "  {}  {:<40} {:<20} {}",
            format_rfc3339(c.time.0),
            c.client_ip,
            c.behavior.name(),
            c.summary
        )?;
    }
    let total: usize = security.values().map(Vec::len).sum();
    writeln!(out, "\nsecurity hits: {total}")?;
    for (cat, hits) in &security {
        writeln!(out, "  {cat}: {}", hits.len())?;
        for h in hits.iter().take(5) {
            let req: String = h
                .request
                .chars()
                .take(100)
                .map(crate::cmd::report::safe)
                .collect();
            writeln!(
                out,
                "    {} {} {}:{} {}",
                format_rfc3339(h.time.0),
                h.client_ip,
                h.source,
                h.line,
                req
            )?;
        }
    }
    Ok(())
}

/// Control characters from log fields never reach the terminal raw.
pub fn safe(c: char) -> char {
    if c.is_control() { '\u{fffd}' } else { c }
}
