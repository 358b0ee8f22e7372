use super::*;
use crate::record::Format;

fn cfg(seed: u64, secs: u64, rps: f64) -> SimConfig {
    let mut c = SimConfig::new(seed, PRESET_START + 12 * 3600 * MICROS_PER_SEC, secs, rps);
    c.daily_amplitude = 0.0;
    c
}

fn lines(c: SimConfig, f: Format) -> Vec<String> {
    Simulator::new(c)
        .map(|r| {
            let mut s = String::new();
            write_line(&r.req, f, &mut s);
            s
        })
        .collect()
}

#[test]
fn same_seed_same_output() {
    let a = lines(cfg(42, 60, 50.0), Format::Alb);
    let b = lines(cfg(42, 60, 50.0), Format::Alb);
    let c = lines(cfg(43, 60, 50.0), Format::Alb);
    assert!(a.len() > 1000);
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn rates_within_tolerance_and_time_ordered() {
    for rps in [5.0, 50.0, 500.0, 5000.0] {
        let secs = if rps > 1000.0 { 20 } else { 600 };
        let c = cfg(7, secs, rps);
        let (start, end) = (c.start, c.end());
        let mut n = 0u64;
        let mut last = i64::MIN;
        for r in Simulator::new(c) {
            assert!(r.req.time >= last && r.req.time >= start && r.req.time < end);
            last = r.req.time;
            n += 1;
        }
        let got = n as f64 / secs as f64;
        // AR noise (sd 5%) plus Poisson: 15% is generous but catches a wrong scale.
        assert!((got / rps - 1.0).abs() < 0.15, "{rps}: got {got}");
    }
}

#[test]
fn daily_cycle_peaks_in_afternoon() {
    let mut c = SimConfig::new(1, PRESET_START, 86_400, 5.0);
    c.daily_amplitude = 0.6;
    let mut per_hour = [0u64; 24];
    for r in Simulator::new(c) {
        per_hour[((r.req.time - PRESET_START) / 3_600_000_000) as usize] += 1;
    }
    assert!(per_hour[15] > 2 * per_hour[3], "{per_hour:?}");
}

fn count(c: SimConfig, from: u64, to: u64, f: impl Fn(&SimRequest) -> bool) -> (u64, u64) {
    let (a, b) = (
        c.start + from as i64 * MICROS_PER_SEC,
        c.start + to as i64 * MICROS_PER_SEC,
    );
    let mut total = 0;
    let mut hit = 0;
    for r in Simulator::new(c).filter(|r| r.req.time >= a && r.req.time < b) {
        total += 1;
        hit += u64::from(f(&r));
    }
    (total, hit)
}

#[test]
fn incidents_visible_in_raw_counts() {
    let with = |kind| {
        let mut c = cfg(5, 600, 100.0);
        c.incidents.push(Incident {
            kind,
            start_offset_secs: 300,
            duration_secs: 300,
            intensity: Intensity::Moderate,
        });
        c
    };
    let is5xx = |r: &SimRequest| r.req.status.is_some_and(|s| s >= 500);
    // Error spike: 5xx share goes from ~0.1% to ~8%.
    let c = with(IncidentKind::ErrorSpike(ErrorSource::Lb));
    let (n0, e0) = count(c.clone(), 0, 300, is5xx);
    let (n1, e1) = count(c.clone(), 300, 600, is5xx);
    assert!((e0 as f64) < 0.005 * n0 as f64, "{e0}/{n0}");
    assert!((e1 as f64) > 0.05 * n1 as f64, "{e1}/{n1}");
    let (_, lb) = count(c, 300, 600, |r| r.req.is_lb_5xx());
    assert!(lb as f64 > 0.9 * e1 as f64);
    // Traffic drop.
    let c = with(IncidentKind::TrafficDrop);
    let (n0, _) = count(c.clone(), 0, 300, |_| true);
    let (n1, _) = count(c, 300, 600, |_| true);
    assert!((n1 as f64) < 0.45 * n0 as f64, "{n1} vs {n0}");
    // Target failure: one target's 5xx rise, the others stay clean.
    let c = with(IncidentKind::TargetFailure(2));
    for (i, t) in catalog::TARGETS.iter().enumerate() {
        let (_, e) = count(c.clone(), 300, 600, |r| {
            r.req.backend.as_deref() == Some(*t) && is5xx(r)
        });
        let (_, tn) = count(c.clone(), 300, 600, |r| {
            r.req.backend.as_deref() == Some(*t)
        });
        let share = e as f64 / tn as f64;
        if i == 2 {
            assert!(share > 0.15, "{share}");
        } else {
            assert!(share < 0.01, "{t}: {share}");
        }
    }
    // Credential stuffing: hundreds of IPs, 2–3 failed logins each.
    let c = with(IncidentKind::CredentialStuffing);
    let truth = GroundTruth::of(&c);
    let ips = &truth.incidents[0].attacker_ips;
    assert_eq!(ips.len(), 300);
    let mut per_ip = std::collections::HashMap::<String, u32>::new();
    for r in Simulator::new(c).filter(|r| r.attacker) {
        assert_eq!(r.req.path.as_deref(), Some("/login"));
        *per_ip
            .entry(r.req.client_ip.unwrap().to_string())
            .or_default() += 1;
    }
    assert!(per_ip.len() > 250, "{}", per_ip.len());
    assert!(per_ip.values().all(|&n| (2..=6).contains(&n)));
    assert!(per_ip.keys().all(|ip| ips.contains(ip)));
}

#[test]
fn attack_requests_are_labelled() {
    for kind in IncidentKind::ALL.into_iter().filter(|k| !k.is_aggregate()) {
        let mut c = cfg(9, 120, 20.0);
        c.incidents.push(Incident {
            kind,
            start_offset_secs: 30,
            duration_secs: 60,
            intensity: Intensity::Moderate,
        });
        let truth = GroundTruth::of(&c);
        let att: Vec<_> = Simulator::new(c).filter(|r| r.attacker).collect();
        assert!(att.len() >= 20, "{kind:?}: {}", att.len());
        for r in &att {
            assert_eq!(r.label, Some(kind));
            let ip = r.req.client_ip.unwrap().to_string();
            assert!(truth.incidents[0].attacker_ips.contains(&ip));
        }
        let v = serde_json::to_value(&truth).unwrap();
        assert_eq!(v["incidents"][0]["name"], kind.name());
    }
}

/// Split on spaces outside double quotes (ALB / ELB / combined field rule).
fn fields(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let b = line.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b' ' {
            i += 1;
            continue;
        }
        let start = i;
        if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += 1;
            }
            i += 1;
        } else if b[i] == b'[' {
            while i < b.len() && b[i] != b']' {
                i += 1;
            }
            i += 1;
        } else {
            while i < b.len() && b[i] != b' ' {
                i += 1;
            }
        }
        out.push(&line[start..i.min(b.len())]);
    }
    out
}

#[test]
fn lines_well_formed() {
    let mut c = cfg(11, 300, 30.0);
    for (i, k) in IncidentKind::ALL.into_iter().enumerate() {
        c.incidents.push(Incident {
            kind: k,
            start_offset_secs: (i as u64 * 20) % 280,
            duration_secs: 20,
            intensity: Intensity::Strong,
        });
    }
    let reqs: Vec<_> = Simulator::new(c).collect();
    let mut s = String::new();
    for r in &reqs {
        for (f, n) in [
            (Format::Alb, 30),
            (Format::ElbClassic, 15),
            (Format::Combined, 9),
            (Format::Common, 7),
        ] {
            s.clear();
            write_line(&r.req, f, &mut s);
            assert!(!s.contains('\n'));
            assert_eq!(s.matches('"').count() % 2, 0, "{s}");
            let fs = fields(&s);
            assert_eq!(fs.len(), n, "{f:?}: {s}");
            if f == Format::Alb {
                assert!(matches!(fs[0], "http" | "https" | "h2"));
                assert!(fs[1].ends_with('Z') && fs[1].len() == 27, "{}", fs[1]);
                assert_eq!(fs[8], r.req.status.unwrap().to_string());
                assert!(fs[12].starts_with("\"GET ") || fs[12].starts_with("\"POST "));
                assert!(fs[29].starts_with("TID_"));
                if r.req.backend_status.is_none() {
                    assert_eq!(fs[9], "-");
                    assert_eq!(fs[6], "-1");
                }
            }
        }
        s.clear();
        write_line(&r.req, Format::Cloudfront, &mut s);
        assert_eq!(s.split('\t').count(), 33, "{s}");
        for f in [Format::GcpLb, Format::AzureAppGw, Format::AzureFrontDoor] {
            s.clear();
            write_line(&r.req, f, &mut s);
            assert!(!s.contains('\n'));
            let v: serde_json::Value = serde_json::from_str(&s).unwrap();
            let status = r.req.status.unwrap();
            match f {
                Format::GcpLb => assert_eq!(v["httpRequest"]["status"], status),
                Format::AzureAppGw => assert_eq!(v["properties"]["httpStatus"], status),
                _ => assert_eq!(v["properties"]["httpStatusCode"], status.to_string()),
            }
        }
    }
    // The fixed fields of the AWS example line, in the same order.
    let r = &reqs[0];
    s.clear();
    write_line(&r.req, Format::Alb, &mut s);
    let fs = fields(&s);
    assert!(fs[4].starts_with("10.0."));
    assert!(fs[16].starts_with("arn:aws:elasticloadbalancing:"));
    assert!(fs[17].starts_with("\"Root=1-"));
    assert!(fs[21].ends_with('Z'), "request_creation_time");
    assert_eq!(fs[22], "\"forward\"");
    assert_eq!(
        fs[25],
        format!("\"{}\"", fs[4]),
        "target:port_list repeats the target"
    );
}

#[test]
fn scenarios_exist() {
    let d = scenario("demo", 1).unwrap();
    assert!(d.duration_secs >= 1_500 && d.duration_secs <= 2_400);
    assert_eq!(d.incidents.len(), IncidentKind::ALL.len());
    assert!(
        d.incidents[0].start_offset_secs >= 300,
        "quiet warm-up first"
    );
    assert!(
        d.incidents
            .iter()
            .all(|i| i.start_offset_secs + i.duration_secs <= d.duration_secs)
    );
    assert!(scenario("day", 1).unwrap().incidents.len() >= 10);
    assert!(scenario("quiet", 1).unwrap().incidents.is_empty());
    assert!(scenario("nope", 1).is_none());
    for name in SCENARIOS {
        assert!(scenario(name, 1).is_some(), "{name} is listed but unknown");
    }
}

#[test]
#[ignore]
fn print_sample_lines() {
    let mut c = cfg(3, 40, 5.0);
    c.incidents.push(Incident {
        kind: IncidentKind::ErrorSpike(ErrorSource::Lb),
        start_offset_secs: 0,
        duration_secs: 40,
        intensity: Intensity::Strong,
    });
    c.incidents.push(Incident {
        kind: IncidentKind::SecurityPayloads,
        start_offset_secs: 0,
        duration_secs: 40,
        intensity: Intensity::Strong,
    });
    for r in Simulator::new(c).take(12) {
        for f in [
            Format::Alb,
            Format::ElbClassic,
            Format::Combined,
            Format::Cloudfront,
        ] {
            let mut s = String::new();
            write_line(&r.req, f, &mut s);
            println!("{s}");
        }
    }
}

#[test]
fn background_error_mix() {
    let c = cfg(2, 600, 100.0);
    let (n, e5) = count(c.clone(), 0, 600, |r| {
        r.req.status.is_some_and(|s| s >= 500)
    });
    let (_, e4) = count(c, 0, 600, |r| {
        r.req.status.is_some_and(|s| (400..500).contains(&s))
    });
    let (p5, p4) = (e5 as f64 / n as f64, e4 as f64 / n as f64);
    assert!((0.0003..0.003).contains(&p5), "5xx {p5}");
    assert!((0.003..0.03).contains(&p4), "4xx {p4}");
}
