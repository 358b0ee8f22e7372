//! Synthetic traffic: a Zipf-ish benign population (page views with assets, logins with the
//! odd typo, API pollers with library user agents, missing favicons, slightly out-of-order
//! lines) plus one injected behaviour per test.

mod sim;

use super::*;
use crate::record::Format;
use sim::*;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::net::Ipv4Addr;

#[test]
fn benign_population_is_quiet() {
    let reqs = benign(42, 2_000, 2 * 3600, 3.0);
    let mut d = det();
    let ev = run(&mut d, &reqs);
    let clients: HashSet<_> = reqs.iter().map(|r| r.client_ip).collect();
    println!("benign: {} requests, {} clients", reqs.len(), clients.len());
    assert!(reqs.len() > 50_000 && clients.len() > 1_000);
    assert!(ev.is_empty(), "false positives: {ev:#?}");
    assert!(d.flagged(100).is_empty());
}

#[test]
fn benign_large_run_false_positive_rate() {
    let reqs = benign(7, 20_000, 2 * 3600, 12.0);
    let mut d = det();
    let ev = run(&mut d, &reqs);
    let clients: HashSet<_> = reqs.iter().map(|r| r.client_ip).collect();
    let flagged = d.flagged(usize::MAX).len();
    let rate = flagged as f64 / clients.len() as f64;
    println!(
        "benign large: {} requests, {} clients, {} events, {} flagged ({:.4}%)",
        reqs.len(),
        clients.len(),
        ev.len(),
        flagged,
        100.0 * rate
    );
    for e in &ev {
        let at = (e.time.0 - T0) / S;
        println!(
            "  {} {:?} at +{at} s: {}",
            e.client_ip, e.behavior, e.summary
        );
    }
    assert!(
        rate <= 0.001,
        "benign flagged {flagged} of {}",
        clients.len()
    );
}

/// Background of 500 clients for 30 min; the attack starts at 15 min.
const ONSET: Micros = T0 + 900 * S;

fn with_attack(attack: Vec<Request<'static>>) -> (ClientDetector, Vec<ClientEvent>) {
    let reqs = merge(benign(99, 500, 1800, 2.0), attack);
    let mut d = det();
    let ev = run(&mut d, &reqs);
    (d, ev)
}

fn steady(
    from: Micros,
    secs: i64,
    per_sec: f64,
    mut f: impl FnMut(usize, Micros) -> Request<'static>,
) -> Vec<Request<'static>> {
    let n = (secs as f64 * per_sec) as usize;
    (0..n)
        .map(|i| f(i, from + (i as f64 / per_sec * S as f64) as Micros))
        .collect()
}

fn assert_flagged_fast(ev: &[ClientEvent], d: &ClientDetector, ip: IpAddr, b: Behavior) -> f64 {
    let ip = ip.to_string();
    let delay = detect_delay(ev, &ip, b, ONSET)
        .unwrap_or_else(|| panic!("{b:?} not detected for {ip}: {ev:#?}"));
    assert!((0.0..=60.0).contains(&delay), "{b:?} took {delay} s");
    assert!(d.flags(&ip).contains(&b));
    let others: Vec<_> = ev.iter().filter(|e| e.client_ip != ip).collect();
    assert!(others.is_empty(), "benign flagged: {others:#?}");
    let e = ev.iter().find(|e| e.behavior == b).unwrap();
    println!("{b:?}: detected after {delay:.1} s: {}", e.summary);
    delay
}

#[test]
fn flood_detected() {
    let ip = attacker_ip(1);
    let a = steady(ONSET, 900, 20.0, |_, t| {
        req(t, ip, "GET", "/api/search".into(), 200, Some(BROWSER))
    });
    let (d, ev) = with_attack(a);
    assert_flagged_fast(&ev, &d, ip, Behavior::Flood);
    let e = ev.iter().find(|e| e.behavior == Behavior::Flood).unwrap();
    assert!(e.summary.contains("/api/search"), "{}", e.summary);
    assert!(e.requests >= 240, "{}", e.requests);
    // 15 minutes of steady flooding: announced once.
    assert_eq!(count(&ev, &ip.to_string()), 1, "{ev:#?}");
}

#[test]
fn quiet_site_single_visitor_is_not_a_flood() {
    let ip = attacker_ip(2);
    // The only visitor, 3 req/s for 20 minutes: busy, not a flood.
    let a = steady(T0, 1200, 3.0, |i, t| {
        req(
            t,
            ip,
            "GET",
            format!("/page/{}", i % 20),
            200,
            Some(BROWSER),
        )
    });
    let mut d = det();
    let ev = run(&mut d, &a);
    assert!(ev.is_empty(), "{ev:#?}");
}

#[test]
fn scraper_detected() {
    let ip = attacker_ip(3);
    let a = steady(ONSET, 600, 3.0, |i, t| {
        req(
            t,
            ip,
            "GET",
            format!("/products/{}", 100_000 + i),
            200,
            Some(BROWSER),
        )
    });
    let (d, ev) = with_attack(a);
    assert_flagged_fast(&ev, &d, ip, Behavior::Scraper);
    assert!(!d.flags(&ip.to_string()).contains(&Behavior::Flood));
}

#[test]
fn brute_force_detected() {
    let ip = attacker_ip(4);
    let a = steady(ONSET, 600, 0.5, |_, t| {
        req(t, ip, "POST", "/wp-login.php".into(), 401, Some(BROWSER))
    });
    let (d, ev) = with_attack(a);
    assert_flagged_fast(&ev, &d, ip, Behavior::BruteForce);
    let e = ev
        .iter()
        .find(|e| e.behavior == Behavior::BruteForce)
        .unwrap();
    assert!(e.summary.contains("/wp-login.php"), "{}", e.summary);
    assert_eq!(count(&ev, &ip.to_string()), 1);
}

#[test]
fn brute_force_with_200_posts_detected() {
    let ip = attacker_ip(5);
    let a = steady(ONSET, 600, 0.5, |_, t| {
        req(t, ip, "POST", "/user/login".into(), 200, Some(BROWSER))
    });
    let (d, ev) = with_attack(a);
    assert_flagged_fast(&ev, &d, ip, Behavior::BruteForce);
}

#[test]
fn scanner_404_burst_detected() {
    let ip = attacker_ip(6);
    let a = steady(ONSET, 120, 2.0, |i, t| {
        req(
            t,
            ip,
            "GET",
            format!("/old/{i}/index.php"),
            404,
            Some(BROWSER),
        )
    });
    let (d, ev) = with_attack(a);
    assert_flagged_fast(&ev, &d, ip, Behavior::Scanner);
}

#[test]
fn scanner_sensitive_probes_detected() {
    let ip = attacker_ip(7);
    let probes = [
        "/.env",
        "/.git/config",
        "/wp-config.php.bak",
        "/phpmyadmin/",
    ];
    // Slow: one probe every 10 s, nothing like a 404 burst.
    let a = steady(ONSET, 120, 0.1, |i, t| {
        req(t, ip, "GET", probes[i % 4].into(), 404, Some(BROWSER))
    });
    let (d, ev) = with_attack(a);
    assert_flagged_fast(&ev, &d, ip, Behavior::Scanner);
}

#[test]
fn bad_bots_detected() {
    let tool = attacker_ip(8);
    let empty = attacker_ip(9);
    let lib = attacker_ip(10);
    let mut a = steady(ONSET, 300, 0.5, |i, t| {
        req(
            t,
            tool,
            "GET",
            format!("/p/{}", i % 3),
            200,
            Some("sqlmap/1.7.2#stable (https://sqlmap.org)"),
        )
    });
    a.extend(steady(ONSET, 300, 2.0, |i, t| {
        req(t, empty, "GET", format!("/p/{}", i % 3), 200, None)
    }));
    a.extend(steady(ONSET, 300, 3.0, |i, t| {
        req(
            t,
            lib,
            "GET",
            format!("/p/{}", i % 3),
            200,
            Some("python-requests/2.31.0"),
        )
    }));
    let (d, ev) = with_attack(a);
    for ip in [tool, empty, lib] {
        let s = ip.to_string();
        let delay = detect_delay(&ev, &s, Behavior::BadBot, ONSET)
            .unwrap_or_else(|| panic!("bad bot {s} missed: {ev:#?}"));
        assert!((0.0..=60.0).contains(&delay), "{s}: {delay}");
        assert!(d.flags(&s).contains(&Behavior::BadBot));
        println!("BadBot {s}: detected after {delay:.1} s");
    }
    let benign: Vec<_> = ev
        .iter()
        .filter(|e| {
            ![tool, empty, lib]
                .iter()
                .any(|ip| ip.to_string() == e.client_ip)
        })
        .collect();
    assert!(benign.is_empty(), "{benign:#?}");
}

#[test]
fn distributed_credential_stuffing_detected() {
    let mut r = Rng(0xdead_beef);
    let mut a = Vec::new();
    let n = 300;
    for i in 0..n {
        let ip = attacker_ip(1000 + i);
        let start = ONSET + r.below(540 * S as u64) as i64;
        for k in 0..3 {
            let t = start + k * (5 + r.below(20) as i64) * S;
            a.push(req(t, ip, "POST", "/login".into(), 401, Some(BROWSER)));
        }
    }
    let (d, ev) = with_attack(a);
    let cs: Vec<_> = ev
        .iter()
        .filter(|e| e.behavior == Behavior::CredentialStuffing)
        .collect();
    assert_eq!(cs.len(), 1, "one announcement: {cs:#?}");
    let e = cs[0];
    assert_eq!(e.path.as_deref(), Some("/login"));
    assert!(e.clients.unwrap() >= 25, "{e:?}");
    assert!(e.client_ip.starts_with("203.0."), "{e:?}");
    let delay = (e.time.0 - ONSET) as f64 / S as f64;
    assert!(delay <= 120.0, "stuffing took {delay} s");
    let flagged: HashSet<String> = d
        .flagged(usize::MAX)
        .into_iter()
        .filter(|(_, b, _)| b.contains(&Behavior::CredentialStuffing))
        .map(|(c, _, _)| c)
        .collect();
    let hit = (0..n)
        .filter(|&i| flagged.contains(&attacker_ip(1000 + i).to_string()))
        .count();
    let benign_hit = flagged.iter().filter(|c| c.starts_with("10.")).count();
    println!(
        "stuffing: event after {delay:.0} s ({}), {hit}/{n} attackers flagged, {benign_hit} benign",
        e.summary
    );
    assert!(hit * 100 >= 95 * n, "only {hit} of {n} flagged");
    assert_eq!(benign_hit, 0);
    // No per-IP events for the participants (each did only 3 attempts).
    assert_eq!(ev.len(), 1, "{ev:#?}");
}

/// A busy login page (5,000 req/s sites): thousands of distinct clients fail once each in a
/// ten-minute window (typos, most of them logging in a few seconds later), far more than the
/// participant table holds, and hundreds of regulars fail repeatedly but also log in. The
/// stuffers (two or three failures each, no success) must still be caught and named.
#[test]
fn distributed_stuffing_found_behind_a_busy_login_page() {
    let mut r = Rng(0x5eed_1091);
    let mut reqs = Vec::new();
    // 8 one-time failures a second from distinct clients, for 30 minutes: 14,400 clients.
    let mut i = 0;
    for sec in 0..1800i64 {
        for _ in 0..8 {
            let ip = benign_ip(i);
            i += 1;
            let t = T0 + sec * S + r.below(S as u64) as i64;
            reqs.push(req(t, ip, "POST", "/login".into(), 401, Some(BROWSER)));
            if r.below(10) < 7 {
                let later = t + (2 + r.below(10) as i64) * S;
                reqs.push(req(later, ip, "POST", "/login".into(), 302, Some(BROWSER)));
            }
        }
    }
    // 300 regulars logging in all day (an API client, a shared office NAT): a POST every
    // 10 s, one in ten fails, so each fails several times a window, and succeeds.
    for k in 0..300 {
        let ip = benign_ip(100_000 + k);
        let mut t = T0 + r.below(10 * S as u64) as i64;
        while t < T0 + 1800 * S {
            let status = if r.below(10) == 0 { 401 } else { 302 };
            reqs.push(req(t, ip, "POST", "/login".into(), status, Some(BROWSER)));
            t += (5 + r.below(10) as i64) * S;
        }
    }
    let n = 300;
    for j in 0..n {
        let ip = attacker_ip(1000 + j);
        let start = ONSET + r.below(300 * S as u64) as i64;
        for k in 0..3 {
            let t = start + k * (20 + r.below(100) as i64) * S;
            reqs.push(req(t, ip, "POST", "/login".into(), 401, Some(BROWSER)));
        }
    }
    reqs.sort_by_key(|q| q.time);
    let mut d = det();
    let ev = run(&mut d, &reqs);
    let flagged: HashSet<String> = d
        .flagged(usize::MAX)
        .into_iter()
        .filter(|(_, b, _)| b.contains(&Behavior::CredentialStuffing))
        .map(|(c, _, _)| c)
        .collect();
    let hit = (0..n)
        .filter(|&j| flagged.contains(&attacker_ip(1000 + j).to_string()))
        .count();
    let benign_hit = flagged.iter().filter(|c| c.starts_with("10.")).count();
    let first = ev
        .iter()
        .find(|e| e.behavior == Behavior::CredentialStuffing)
        .map(|e| (e.time.0 - ONSET) as f64 / S as f64);
    println!(
        "busy login: {} events, first after {first:?} s, {hit}/{n} attackers flagged, \
         {benign_hit} of {i} benign",
        ev.len()
    );
    // Named within three minutes, although the regulars' repeated failures set a high
    // baseline of repeaters.
    assert!(
        first.is_some_and(|d| (0.0..=180.0).contains(&d)),
        "{first:?}"
    );
    assert!(hit * 100 >= 95 * n, "only {hit} of {n} flagged");
    // A regular who fails twice in a row during the attack looks like a stuffer; the target
    // is at most 0.1% of benign clients.
    let benign_total = i + 300;
    assert!(
        benign_hit * 1000 <= benign_total,
        "{benign_hit} of {benign_total} benign flagged"
    );
}

/// Every ten minutes some forty clients fail twice and give up (forgotten passwords): a
/// baseline of forty repeaters. Stuffing (300 IPs, two or three failures each over five
/// minutes, as the simulator plays it) must be named while it builds, not once it is five
/// times that baseline.
#[test]
fn stuffing_named_within_three_minutes_over_a_baseline_of_forgetful_users() {
    let mut r = Rng(0x0f0f_2024);
    let mut reqs = Vec::new();
    // Typos: five clients a second fail once, most log in right after (so the volume of
    // failing clients cannot tell the attack apart).
    for k in 0..2400 * 5 {
        let ip = benign_ip(k);
        let t = T0 + (k / 5) as i64 * S + r.below(S as u64) as i64;
        reqs.push(req(t, ip, "POST", "/login".into(), 401, Some(BROWSER)));
        if r.below(10) < 7 {
            let later = t + (2 + r.below(10) as i64) * S;
            reqs.push(req(later, ip, "POST", "/login".into(), 302, Some(BROWSER)));
        }
    }
    // One forgetful user every 15 s for 40 minutes, failing twice 20-60 s apart.
    for k in 0..160 {
        let ip = benign_ip(200_000 + k);
        let t = T0 + k as i64 * 15 * S;
        let again = t + (20 + r.below(40) as i64) * S;
        for at in [t, again] {
            reqs.push(req(at, ip, "POST", "/login".into(), 401, Some(BROWSER)));
        }
    }
    let span = 300 * S as u64;
    for j in 0..300 {
        let ip = attacker_ip(5000 + j);
        for _ in 0..2 + r.below(2) {
            let t = ONSET + r.below(span) as i64;
            reqs.push(req(t, ip, "POST", "/login".into(), 401, Some(BROWSER)));
        }
    }
    reqs.sort_by_key(|q| q.time);
    let mut d = det();
    let ev = run(&mut d, &reqs);
    let first = ev
        .iter()
        .find(|e| e.behavior == Behavior::CredentialStuffing)
        .map(|e| (e.time.0 - ONSET) as f64 / S as f64);
    println!("forgetful users: stuffing named after {first:?} s");
    assert!(
        first.is_some_and(|d| (0.0..=180.0).contains(&d)),
        "{first:?}"
    );
}

#[test]
fn no_reannounce_spam_but_escalation_and_quiet_period() {
    let ip = attacker_ip(11);
    // 10 min at 10 req/s, pause 20 min, 10 min at 10 req/s again, then 60 req/s.
    let mut a = steady(ONSET, 600, 10.0, |_, t| {
        req(t, ip, "GET", "/x".into(), 200, Some(BROWSER))
    });
    a.extend(steady(ONSET + 1800 * S, 600, 10.0, |_, t| {
        req(t, ip, "GET", "/x".into(), 200, Some(BROWSER))
    }));
    a.extend(steady(ONSET + 2400 * S, 300, 60.0, |_, t| {
        req(t, ip, "GET", "/x".into(), 200, Some(BROWSER))
    }));
    let reqs = merge(benign(5, 500, 3600, 2.0), a);
    let mut d = det();
    let ev = run(&mut d, &reqs);
    let mine: Vec<_> = ev
        .iter()
        .filter(|e| e.client_ip == ip.to_string())
        .collect();
    let times: Vec<f64> = mine
        .iter()
        .map(|e| (e.time.0 - ONSET) as f64 / S as f64)
        .collect();
    // first onset, after the 20-min pause, and the 6× escalation: three, not hundreds
    assert_eq!(mine.len(), 3, "{times:?}");
    assert!(times[0] < 60.0 && (1800.0..1860.0).contains(&times[1]) && times[2] >= 2400.0);
    assert!(mine.iter().all(|e| e.behavior == Behavior::Flood));
}

#[test]
fn memory_bounded_under_ip_spray() {
    let cfg = ClientConfig::default();
    let cap = cfg.max_clients;
    let mut d = ClientDetector::new(cfg);
    let mut out = Vec::new();
    // /login existed (quietly) before the spray: a login path is not judged during its
    // first window, when the spray would be all it had seen.
    let before = T0 - 11 * 60 * 1_000_000;
    let quiet = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
    d.observe(
        &req(before, quiet, "POST", "/login".into(), 401, Some(BROWSER)),
        &mut out,
    );
    d.advance(before + 1_000_000, &mut out);
    let n = 1_000_000usize;
    for i in 0..n {
        let ip = IpAddr::V4(Ipv4Addr::from(0x2000_0000u32 + i as u32 * 7));
        let t = T0 + (i as i64) * 1_000; // 1,000 req/s
        let r = if i % 4 == 0 {
            req(t, ip, "POST", "/login".into(), 401, Some(BROWSER))
        } else if i % 4 == 2 {
            // login-like paths that churn the per-path table
            req(t, ip, "POST", format!("/login/{i}"), 401, Some(BROWSER))
        } else {
            req(t, ip, "GET", format!("/r/{i}"), 404, None)
        };
        d.observe(&r, &mut out);
        if i % 10_000 == 0 {
            d.advance(t, &mut out);
        }
    }
    let bytes = d.approx_bytes();
    println!(
        "spray: {n} IPs, {} tracked, {} bytes ({:.1} MiB), {} events, {} flagged",
        d.tracked(),
        bytes,
        bytes as f64 / (1 << 20) as f64,
        out.len(),
        d.flagged(usize::MAX).len()
    );
    assert_eq!(d.tracked(), cap);
    assert!(bytes < 32 << 20, "{bytes}");
    assert!(d.flagged(usize::MAX).len() <= 4_096);
    // A spray of one-shot failures on one path is distributed stuffing, announced once.
    assert_eq!(
        out.iter()
            .filter(|e| e.behavior == Behavior::CredentialStuffing)
            .count(),
        1
    );
}

#[test]
fn heavy_hitter_survives_spray() {
    let mut d = det();
    let mut out = Vec::new();
    let ip = attacker_ip(12);
    for i in 0..200_000usize {
        let t = T0 + (i as i64) * 2_000; // 500 req/s total, 400 s
        let spray = IpAddr::V4(Ipv4Addr::from(0x3000_0000u32 + i as u32));
        d.observe(
            &req(t, spray, "GET", "/".into(), 200, Some(BROWSER)),
            &mut out,
        );
        if i % 25 == 0 {
            // 20 req/s brute force hidden in the spray
            d.observe(
                &req(t, ip, "POST", "/login".into(), 401, Some(BROWSER)),
                &mut out,
            );
        }
    }
    assert!(d.flags(&ip.to_string()).contains(&Behavior::BruteForce));
    assert_eq!(d.tracked(), 16_384);
}

#[test]
fn host_clients_and_flags_lookup() {
    let mut d = det();
    let mut out = Vec::new();
    for i in 0..30 {
        let r = Request {
            format: Format::Combined,
            time: T0 + i * S,
            client_host: Some(Cow::Borrowed("crawler.example.net")),
            method: Some(Cow::Borrowed("GET")),
            path: Some(Cow::Borrowed("/.env")),
            status: Some(404),
            user_agent: Some(Cow::Borrowed(BROWSER)),
            ..Default::default()
        };
        d.observe(&r, &mut out);
    }
    assert_eq!(out.len(), 1, "{out:#?}");
    assert_eq!(out[0].client_ip, "crawler.example.net");
    assert_eq!(out[0].behavior, Behavior::Scanner);
    assert_eq!(d.flags("crawler.example.net"), vec![Behavior::Scanner]);
    assert!(d.flags("10.9.9.9").is_empty());
    let f = d.flagged(10);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].0, "crawler.example.net");
    assert!(f[0].2 >= T0 + 2 * S);
}

/// CPU time of this thread in ns (Linux), so a busy shared machine does not inflate it.
fn thread_cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

/// `cargo test --release --lib --no-default-features observe_speed -- --ignored --nocapture`
#[test]
#[ignore]
fn observe_speed() {
    // ~90 req/s (ticks weigh more per request) and ~1,800 req/s; 15 min of traffic replayed
    // 4 times, shifted in time, to keep the input in a modest amount of memory.
    for (clients, pv) in [(5_000, 20.0), (20_000, 400.0)] {
        let mut reqs = benign(3, clients, 900, pv);
        // A parser hands over a request whose line is hot in cache; scattered heap strings
        // would charge a cache miss per request to the detector, so intern the paths.
        let mut interned: HashMap<String, &'static str> = HashMap::new();
        for r in reqs.iter_mut() {
            let p = r.path.take().unwrap().into_owned();
            let s: &'static str = interned
                .entry(p)
                .or_insert_with_key(|k| Box::leak(k.clone().into_boxed_str()));
            r.path = Some(Cow::Borrowed(s));
        }
        let mut d = det();
        let mut out = Vec::new();
        let (mut cpu, mut wall, mut n) = (0u64, 0u128, 0usize);
        for _ in 0..4 {
            let c0 = thread_cpu_ns();
            let start = std::time::Instant::now();
            for r in &reqs {
                d.observe(r, &mut out);
            }
            wall += start.elapsed().as_nanos();
            cpu += thread_cpu_ns().zip(c0).map_or(0, |(b, a)| b - a);
            n += reqs.len();
            for r in reqs.iter_mut() {
                r.time += 900 * S;
            }
        }
        println!(
            "observe: {clients} clients, {n} requests, {:.0} ns/request CPU ({:.0} wall), {} events: {:?}",
            cpu as f64 / n as f64,
            wall as f64 / n as f64,
            out.len(),
            out.iter()
                .map(|e| (&e.client_ip, e.behavior))
                .collect::<Vec<_>>()
        );
    }
}

#[test]
fn odd_input_never_panics() {
    let mut d = det();
    let mut out = Vec::new();
    let times = [0, i64::MIN, i64::MAX, T0, T0 - 3_600 * S, -1, T0];
    for (i, &t) in times.iter().enumerate() {
        let r = Request {
            time: t,
            path: if i % 2 == 0 {
                None
            } else {
                Some(Cow::Borrowed(""))
            },
            user_agent: Some(Cow::Borrowed("é")),
            ..Default::default()
        };
        d.observe(&r, &mut out);
        d.advance(t, &mut out);
    }
    d.advance(i64::MIN, &mut out);
    d.advance(i64::MAX, &mut out);
    assert!(d.flags("-").len() <= 1);
    assert!(d.approx_bytes() > 0);
}

#[test]
fn mixed_attackers_detection_rates() {
    // 2,000 benign clients for 1 h; 10 attackers of each kind, random moderate intensity,
    // staggered onsets between 10 and 40 min.
    let mut r = Rng(0x5151);
    let mut attacks = Vec::new();
    let mut who: Vec<(IpAddr, Behavior, Micros)> = Vec::new();
    let kinds = [
        Behavior::Flood,
        Behavior::Scraper,
        Behavior::BruteForce,
        Behavior::Scanner,
        Behavior::BadBot,
    ];
    for (k, &b) in kinds.iter().enumerate() {
        for j in 0..10 {
            let ip = attacker_ip(200 + k * 10 + j);
            let onset = T0 + (600 + r.below(1800) as i64) * S;
            let x = r.f();
            let reqs = match b {
                Behavior::Flood => steady(onset, 600, 8.0 + 22.0 * x, |_, t| {
                    req(t, ip, "GET", "/api/search".into(), 200, Some(BROWSER))
                }),
                Behavior::Scraper => steady(onset, 600, 2.5 + 2.0 * x, |i, t| {
                    req(
                        t,
                        ip,
                        "GET",
                        format!("/item/{}", 7_000 * j + i),
                        200,
                        Some(BROWSER),
                    )
                }),
                Behavior::BruteForce => steady(onset, 600, 0.3 + 0.7 * x, |_, t| {
                    req(t, ip, "POST", "/api/auth".into(), 401, Some(BROWSER))
                }),
                Behavior::Scanner => steady(onset, 300, 1.0 + 2.0 * x, |i, t| {
                    req(t, ip, "GET", format!("/x{i}/admin.php"), 404, Some(BROWSER))
                }),
                _ => steady(onset, 600, 0.2 + 0.5 * x, |i, t| {
                    req(
                        t,
                        ip,
                        "GET",
                        format!("/p/{}", i % 5),
                        200,
                        Some("Nuclei - Open-source project (github.com/projectdiscovery/nuclei)"),
                    )
                }),
            };
            attacks.extend(reqs);
            who.push((ip, b, onset));
        }
    }
    let reqs = merge(benign(77, 2_000, 3600, 3.0), attacks);
    let benign_ips: HashSet<String> = reqs
        .iter()
        .filter_map(|q| q.client_ip)
        .filter(|ip| ip.to_string().starts_with("10."))
        .map(|ip| ip.to_string())
        .collect();
    let mut d = det();
    let ev = run(&mut d, &reqs);
    let mut delays = Vec::new();
    let mut missed = Vec::new();
    for &(ip, b, onset) in &who {
        match detect_delay(&ev, &ip.to_string(), b, onset) {
            Some(s) if s <= 60.0 => delays.push(s),
            other => missed.push((ip, b, other)),
        }
    }
    let flagged = d.flagged(usize::MAX);
    let benign_flagged = flagged
        .iter()
        .filter(|(c, _, _)| benign_ips.contains(c))
        .count();
    delays.sort_by(f64::total_cmp);
    println!(
        "mixed: {}/{} attackers flagged within 60 s (median {:.1} s, max {:.1} s); \
         benign flagged {benign_flagged}/{} ({:.3}%); missed {missed:?}",
        delays.len(),
        who.len(),
        delays[delays.len() / 2],
        delays[delays.len() - 1],
        benign_ips.len(),
        100.0 * benign_flagged as f64 / benign_ips.len() as f64
    );
    assert!(delays.len() * 100 >= 95 * who.len(), "missed {missed:?}");
    assert!(benign_flagged * 1000 <= benign_ips.len());
    // One announcement per attacker and behaviour.
    for &(ip, b, _) in &who {
        let n = ev
            .iter()
            .filter(|e| e.client_ip == ip.to_string() && e.behavior == b)
            .count();
        assert_eq!(n, 1, "{ip} {b:?}");
    }
}

#[test]
fn detector_is_send() {
    fn send<T: Send>(_: &T) {}
    send(&det());
}
