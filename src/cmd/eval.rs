//! `lbtop eval`: measure the detectors on simulated traffic with known incidents.
//!
//! Each run is one seed × one rate × one output format: every incident kind at moderate
//! intensity and every aggregate kind again at subtle intensity (those the format can show),
//! 5 minutes each, 30 minutes apart, after 30 minutes of warm-up, through
//! the whole path (lines written, parsed back, rules, engine). Printed: per incident whether
//! and when it was detected, false alarm episodes per 24 quiet hours, attacker and benign IPs
//! flagged, and security detection rates per category (corpus and simulated traffic).

use super::Failure;
use super::demo::Feeder;
use crate::cli::EvalArgs;
use crate::detect::security::{RuleSet, corpus};
use crate::engine::{Engine, EngineConfig};
use crate::event::{Category, Event};
use crate::parse::Format;
use crate::record::{MICROS_PER_SEC, Micros};
use crate::sim::{GroundTruth, Incident, IncidentKind, Intensity, SimConfig, Simulator};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

const SPACING: u64 = 30 * 60;
const DURATION: u64 = 5 * 60;
const WARMUP: u64 = 30 * 60;
/// An alarm up to this long after an incident's end still belongs to it.
const AFTER: Micros = 5 * 60 * MICROS_PER_SEC;
/// Detection later than this after onset counts as missed.
const DEADLINE: Micros = 3 * 60 * MICROS_PER_SEC;

/// Whether a format can show an incident at all: combined has no latency field, and only
/// ALB/ELB name their targets.
fn visible(kind: IncidentKind, format: Format) -> bool {
    match kind {
        IncidentKind::TargetFailure(_) => format.has_backend_status(),
        IncidentKind::Latency => !matches!(format, Format::Combined | Format::Common),
        _ => true,
    }
}

fn plan(seed: u64, rate: f64, format: Format) -> SimConfig {
    let subtle = IncidentKind::ALL.iter().filter(|k| k.is_aggregate());
    let kinds: Vec<(IncidentKind, Intensity)> = IncidentKind::ALL
        .iter()
        .map(|&k| (k, Intensity::Moderate))
        .chain(subtle.map(|&k| (k, Intensity::Subtle)))
        .filter(|&(k, _)| visible(k, format))
        .collect();
    let n = kinds.len() as u64;
    let mut cfg = SimConfig::new(seed, crate::sim::PRESET_START, WARMUP + n * SPACING, rate);
    for (i, (kind, intensity)) in kinds.into_iter().enumerate() {
        cfg.incidents.push(Incident {
            kind,
            start_offset_secs: WARMUP + i as u64 * SPACING,
            duration_secs: DURATION,
            intensity,
        });
    }
    cfg
}

#[derive(Default)]
struct Tally {
    // (kind name, intensity) -> (incidents, detected, detection delays in s)
    incidents: BTreeMap<(String, String), (u32, u32, Vec<f64>)>,
    false_alarms: u32,
    quiet_hours: f64,
    attackers: u64,
    attackers_flagged: u64,
    benign: u64,
    benign_flagged: u64,
    sim_payloads: u64,
    sim_payloads_hit: u64,
    sim_benign_requests: u64,
    sim_benign_hit: u64,
    lines: u64,
    secs: f64,
}

pub fn run(a: &EvalArgs) -> Result<(), Failure> {
    let rules = Arc::new(RuleSet::builtin());
    let formats = [Format::Alb, Format::Combined, Format::ElbClassic];
    let mut t = Tally::default();
    println!(
        "{:<6} {:<7} {:<10} {:<30} {:<9} {:>8}  first alarm",
        "seed", "rate", "format", "incident", "intensity", "detect"
    );
    for (si, &seed) in a.seeds.iter().enumerate() {
        for &rate in &a.rates {
            let format = formats[si % formats.len()];
            one_run(seed, rate, format, &rules, &mut t);
        }
    }
    println!();
    println!("incident detection (detected within 3 min of onset):");
    println!(
        "  {:<30} {:<9} {:>9} {:>10} {:>8}",
        "kind", "intensity", "detected", "median s", "max s"
    );
    let mut all_delays = Vec::new();
    for ((kind, int), (n, d, delays)) in &t.incidents {
        let mut v = delays.clone();
        v.sort_by(f64::total_cmp);
        all_delays.extend_from_slice(&v);
        println!(
            "  {:<30} {:<9} {:>4}/{:<4} {:>10} {:>8}",
            kind,
            int,
            d,
            n,
            v.get(v.len() / 2).map_or("-".into(), |x| format!("{x:.0}")),
            v.last().map_or("-".into(), |x| format!("{x:.0}"))
        );
    }
    all_delays.sort_by(f64::total_cmp);
    let per = |int: &str| {
        let (n, d) = t
            .incidents
            .iter()
            .filter(|((_, i), _)| i == int)
            .fold((0, 0), |(n, d), (_, (a, b, _))| (n + a, d + b));
        format!("{d}/{n}")
    };
    println!(
        "  moderate detected {}, subtle detected {}",
        per("moderate"),
        per("subtle")
    );
    println!(
        "  time to detect: median {:.0} s, max {:.0} s",
        all_delays.get(all_delays.len() / 2).copied().unwrap_or(0.0),
        all_delays.last().copied().unwrap_or(0.0)
    );
    println!(
        "false alarm episodes: {} in {:.1} quiet hours = {:.2} per 24 quiet hours",
        t.false_alarms,
        t.quiet_hours,
        t.false_alarms as f64 * 24.0 / t.quiet_hours.max(1e-9)
    );
    println!(
        "attacking IPs flagged: {}/{} ({:.1}%); benign IPs flagged: {}/{} ({:.3}%)",
        t.attackers_flagged,
        t.attackers,
        pct(t.attackers_flagged, t.attackers),
        t.benign_flagged,
        t.benign,
        pct(t.benign_flagged, t.benign)
    );
    println!(
        "security, simulated traffic: payload requests hit {}/{} ({:.1}%); benign requests hit {}/{} ({:.3}%)",
        t.sim_payloads_hit,
        t.sim_payloads,
        pct(t.sim_payloads_hit, t.sim_payloads),
        t.sim_benign_hit,
        t.sim_benign_requests,
        pct(t.sim_benign_hit, t.sim_benign_requests)
    );
    security_corpus(&rules);
    println!(
        "({} lines in {:.1} s, {:.0} lines/s including generation)",
        t.lines,
        t.secs,
        t.lines as f64 / t.secs.max(1e-9)
    );
    Ok(())
}

fn pct(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        100.0 * a as f64 / b as f64
    }
}

fn one_run(seed: u64, rate: f64, format: Format, rules: &Arc<RuleSet>, t: &mut Tally) {
    let cfg = plan(seed, rate, format);
    let truth = GroundTruth::of(&cfg);
    let mut engine = Engine::new(EngineConfig {
        drilldown: false,
        ..EngineConfig::default()
    });
    let mut feeder = Feeder::new(rules.clone());
    feeder.format = format;
    let started = Instant::now();
    let attackers: HashSet<String> = truth
        .incidents
        .iter()
        .flat_map(|i| i.attacker_ips.iter().cloned())
        .collect();
    let mut benign_seen: HashSet<std::net::IpAddr> = HashSet::new();
    let mut flagged: HashSet<String> = HashSet::new();
    let mut first_flag: HashMap<String, Micros> = HashMap::new();
    // Per episode: its first anomalous window's end.
    let mut episodes: BTreeMap<u64, (Micros, Micros)> = BTreeMap::new();
    // Distributed attacks flag their participants without an event each: look every 30 s.
    let mut next_poll = truth.start.0;
    let mut lines = 0u64;
    // LBTOP_EVAL_EPISODES=1 prints each alarm episode's first window to stderr.
    let verbose = std::env::var_os("LBTOP_EVAL_EPISODES").is_some();
    let collect = |engine: &mut Engine,
                   flagged: &mut HashSet<String>,
                   first_flag: &mut HashMap<String, Micros>,
                   episodes: &mut BTreeMap<u64, (Micros, Micros)>| {
        for ev in engine.drain_events() {
            match ev {
                Event::Anomaly(a) => {
                    if verbose && !episodes.contains_key(&a.episode) {
                        eprintln!(
                            "  episode {} at {} {}: {} ({:.2})",
                            a.episode,
                            crate::record::format_rfc3339(a.start.0),
                            a.kind.name(),
                            a.summary,
                            a.score
                        );
                    }
                    episodes
                        .entry(a.episode)
                        .or_insert((a.episode_start.0, a.end.0));
                }
                Event::Client(c) => {
                    first_flag.entry(c.client_ip.clone()).or_insert(c.time.0);
                    flagged.insert(c.client_ip);
                }
                _ => {}
            }
        }
    };
    for sr in Simulator::new(cfg) {
        let r = &sr.req;
        if !sr.attacker {
            if let Some(ip) = r.client_ip {
                benign_seen.insert(ip);
            }
        }
        let hits = feeder.feed(&mut engine, r);
        lines += 1;
        match sr.label {
            Some(IncidentKind::SecurityPayloads) if sr.attacker => {
                t.sim_payloads += 1;
                t.sim_payloads_hit += u64::from(hits > 0);
            }
            _ if !sr.attacker => {
                t.sim_benign_requests += 1;
                t.sim_benign_hit += u64::from(hits > 0);
            }
            _ => {}
        }
        collect(&mut engine, &mut flagged, &mut first_flag, &mut episodes);
        if r.time >= next_poll {
            for c in engine.flagged_clients(4096) {
                first_flag.entry(c.clone()).or_insert(r.time);
                flagged.insert(c);
            }
            next_poll = r.time + 30 * MICROS_PER_SEC;
        }
    }
    engine.finish();
    collect(&mut engine, &mut flagged, &mut first_flag, &mut episodes);
    for c in engine.flagged_clients(4096) {
        flagged.insert(c);
    }
    t.lines += lines;
    t.secs += started.elapsed().as_secs_f64();

    // Incidents.
    for inc in &truth.incidents {
        let (s, e) = (inc.start.0, inc.end.0);
        let delay: Option<Micros> = if inc.kind.is_aggregate() {
            episodes
                .values()
                .filter(|(es, we)| *we > s && *es <= e + AFTER)
                .map(|(_, we)| (*we - s).max(0))
                .min()
        } else if matches!(inc.kind, IncidentKind::SecurityPayloads) {
            None
        } else {
            inc.attacker_ips
                .iter()
                .filter_map(|ip| first_flag.get(ip))
                .map(|&f| (f - s).max(0))
                .min()
        };
        if matches!(inc.kind, IncidentKind::SecurityPayloads) {
            continue;
        }
        let detected = delay.is_some_and(|d| d <= DEADLINE);
        let name = inc.name.to_string();
        let int = format!("{:?}", inc.intensity).to_lowercase();
        let entry = t.incidents.entry((name.clone(), int.clone())).or_default();
        entry.0 += 1;
        if detected {
            entry.1 += 1;
            entry.2.push(delay.unwrap_or(0) as f64 / 1e6);
        }
        println!(
            "{:<6} {:<7} {:<10} {:<30} {:<9} {:>8}  {}",
            seed,
            rate,
            format.name(),
            name,
            int,
            if detected { "yes" } else { "MISSED" },
            delay.map_or("-".into(), |d| format!("{:.0} s", d as f64 / 1e6))
        );
        if !inc.kind.is_aggregate() {
            t.attackers += inc.attacker_ips.len() as u64;
            t.attackers_flagged += inc
                .attacker_ips
                .iter()
                .filter(|ip| flagged.contains(*ip))
                .count() as u64;
        }
    }
    // False alarms: episodes that start away from every incident.
    let busy: Vec<(Micros, Micros)> = truth
        .incidents
        .iter()
        .map(|i| (i.start.0 - 60 * MICROS_PER_SEC, i.end.0 + AFTER))
        .collect();
    for (es, _) in episodes.values() {
        if !busy.iter().any(|(a, b)| es >= a && es <= b) {
            t.false_alarms += 1;
            println!(
                "{:<6} {:<7} {:<10} false alarm at {}",
                seed,
                rate,
                format.name(),
                crate::record::format_rfc3339(*es)
            );
        }
    }
    let total = (truth.end.0 - truth.start.0 - WARMUP as i64 * MICROS_PER_SEC) as f64 / 3.6e9;
    let busy_h: f64 = busy.iter().map(|(a, b)| (b - a) as f64 / 3.6e9).sum();
    t.quiet_hours += (total - busy_h).max(0.0);
    let benign: Vec<String> = benign_seen
        .iter()
        .map(|ip| ip.to_string())
        .filter(|ip| !attackers.contains(ip))
        .collect();
    t.benign += benign.len() as u64;
    t.benign_flagged += benign.iter().filter(|ip| flagged.contains(*ip)).count() as u64;
}

fn security_corpus(rules: &RuleSet) {
    let mut per: BTreeMap<Category, (u64, u64)> = BTreeMap::new();
    let mut hits = Vec::new();
    let mut scratch = crate::detect::security::Scratch::default();
    for (cat, r) in corpus::attacks() {
        hits.clear();
        rules.check_with(&r, &mut scratch, &mut hits);
        let e = per.entry(cat).or_default();
        e.0 += 1;
        e.1 += u64::from(hits.iter().any(|h| h.category == cat));
    }
    let benign = corpus::benign();
    let mut fp = 0;
    for r in &benign {
        hits.clear();
        rules.check_with(r, &mut scratch, &mut hits);
        fp += u64::from(!hits.is_empty());
    }
    println!("security, payload corpus (right category):");
    for (cat, (n, d)) in &per {
        println!(
            "  {:<18} {:>3}/{:<3} {:>6.1}%",
            cat.name(),
            d,
            n,
            pct(*d, *n)
        );
    }
    println!(
        "  benign requests with any hit: {}/{} ({:.2}%)",
        fp,
        benign.len(),
        pct(fp, benign.len() as u64)
    );
}
