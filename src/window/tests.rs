//! Aggregator and ClientTable behaviour tests, property tests, memory bound and timing.

use super::*;
use crate::record::{MICROS_PER_SEC, Request};
use proptest::prelude::*;
use std::borrow::Cow;
use std::net::{IpAddr, Ipv4Addr};

pub(super) const S: i64 = MICROS_PER_SEC;
pub(super) const T0: i64 = 1_700_000_100 * S; // 2023-11-14T22:15:00Z, a multiple of 5 min

pub(super) fn ip(n: u32) -> IpAddr {
    IpAddr::V4(Ipv4Addr::from(0x0A00_0000 + n))
}

fn req(t: i64, client: u32, status: u16) -> Request<'static> {
    Request {
        time: t,
        client_ip: Some(ip(client)),
        status: Some(status),
        method: Some(Cow::Borrowed("GET")),
        path: Some(Cow::Borrowed("/product/42")),
        total_time_us: Some(20_000),
        ..Default::default()
    }
}

pub(super) fn drain(a: &mut Aggregator) -> Vec<WindowStats> {
    a.drain_closed().collect()
}

#[test]
fn out_of_order_lines_land_in_their_bucket() {
    let mut a = Aggregator::default();
    // Bucket 0 gets 3, bucket 1 gets 2, bucket 2 gets 1, written out of order.
    for t in [0, 12, 25, 3, 15, 7] {
        a.observe(&req(T0 + t * S, 1, 200));
    }
    a.flush();
    let w = drain(&mut a);
    let counts: Vec<(i64, u64)> = w
        .iter()
        .map(|w| ((w.start() - T0) / S, w.event.requests))
        .collect();
    assert_eq!(counts, vec![(0, 3), (10, 2), (20, 1)]);
    assert!(w.iter().all(|w| w.late == 0));
    assert_eq!(w[0].event.end.0 - w[0].start(), 10 * S);
    assert!((w[0].event.req_per_sec - 0.3).abs() < 1e-9);
}

#[test]
fn too_late_lines_are_counted_not_dropped() {
    let mut a = Aggregator::default();
    a.observe(&req(T0, 1, 200));
    // A jump confirmed by several lines closes buckets ending <= 35 s (one line alone
    // would not: see a_lone_line_far_ahead_does_not_close_open_buckets).
    for _ in 0..8 {
        a.observe(&req(T0 + 65 * S, 1, 200));
    }
    let closed = drain(&mut a);
    assert_eq!(closed.len(), 3, "0, 10, 20 closed");
    a.observe(&req(T0 + 5 * S, 2, 200)); // its bucket closed long ago
    assert_eq!(a.late(), 1);
    a.flush();
    let rest = drain(&mut a);
    // It went into the oldest open bucket (30 s), flagged late.
    assert_eq!(rest[0].start(), T0 + 30 * S);
    assert_eq!(rest[0].event.requests, 1);
    assert_eq!(rest[0].late, 1);
    let total: u64 = closed.iter().chain(&rest).map(|w| w.event.requests).sum();
    assert_eq!(total, 10);
}

#[test]
fn gaps_produce_zero_windows_capped() {
    let mut a = Aggregator::default();
    a.observe(&req(T0, 1, 200));
    a.observe(&req(T0 + 60 * S, 1, 200));
    a.flush();
    let w = drain(&mut a);
    let counts: Vec<u64> = w.iter().map(|w| w.event.requests).collect();
    assert_eq!(counts, vec![1, 0, 0, 0, 0, 0, 1]);
    assert_eq!(w[3].event.req_per_sec, 0.0);
    assert_eq!(w[3].event.latency_p50_ms, None);
    assert_eq!(w[3].top_client, None);
    for pair in w.windows(2) {
        assert_eq!(pair[1].start() - pair[0].start(), 10 * S, "contiguous");
    }

    // A jump of years emits at most `max_gap_windows` empty windows.
    let mut a = Aggregator::new(AggConfig {
        max_gap_windows: 50,
        ..Default::default()
    });
    a.observe(&req(T0, 1, 200));
    a.observe(&req(T0 + 3 * 365 * 86_400 * S, 1, 200));
    a.flush();
    let w = drain(&mut a);
    assert!(w.len() <= 1 + 50 + 4 + 1, "{}", w.len());
    assert_eq!(w.iter().map(|w| w.event.requests).sum::<u64>(), 2);
    assert!(a.approx_bytes() < 16 << 20);
}

#[test]
fn advance_closes_idle_buckets() {
    let mut a = Aggregator::default();
    a.observe(&req(T0 + S, 1, 200));
    a.advance(T0 + 39 * S);
    assert_eq!(drain(&mut a).len(), 0, "still within lateness");
    a.advance(T0 + 40 * S);
    let w = drain(&mut a);
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].event.requests, 1);
    a.advance(T0 + 100 * S);
    assert_eq!(drain(&mut a).len(), 6, "empty windows up to now - lateness");
    a.advance(T0); // time never goes back
    assert_eq!(a.now(), Some(T0 + 100 * S));
}

#[test]
fn window_fields() {
    let mut a = Aggregator::default();
    let mut rs = vec![];
    for (i, st) in [
        200u16, 201, 304, 401, 403, 404, 429, 500, 502, 503, 504, 599,
    ]
    .iter()
    .enumerate()
    {
        let mut r = req(T0 + i as i64 * 100_000, i as u32 % 3, *st);
        r.bytes_in = Some(100);
        r.bytes_out = Some(1000);
        r.total_time_us = Some((i as u64 + 1) * 1000);
        r.backend = Some(Cow::Borrowed(if i % 2 == 0 {
            "10.0.0.1:80"
        } else {
            "10.0.0.2:80"
        }));
        rs.push(r);
    }
    // ALB 502 with no target status: the LB's own.
    rs[8].backend_status = None;
    rs[8].backend = None;
    for r in &mut rs[7..] {
        if r.backend.is_some() {
            r.backend_status = r.status;
        }
    }
    let mut r = req(T0 + 5 * S, 9, 0);
    r.status = None;
    r.total_time_us = None;
    r.backend_time_us = Some(50_000); // latency falls back to the backend time
    rs.push(r);
    for r in &rs {
        a.observe(r);
    }
    a.flush();
    let w = drain(&mut a).remove(0);
    let e = &w.event;
    assert_eq!(e.requests, 13);
    assert_eq!(
        (e.status_2xx, e.status_3xx, e.status_4xx, e.status_5xx),
        (2, 1, 4, 5)
    );
    assert_eq!(e.status_other, 1);
    assert_eq!((e.status_5xx_lb, e.status_5xx_backend), (1, 4));
    assert_eq!(w.status_5xx_by_code, [1, 1, 1, 1, 1]);
    assert_eq!((w.status_401_403, w.status_404), (2, 1));
    assert_eq!((e.bytes_in, e.bytes_out), (1200, 12_000));
    assert_eq!(e.unique_clients, 4);
    assert_eq!(
        w.new_clients, 13,
        "every request came from a client new this window"
    );
    assert_eq!(e.latency_max_ms, Some(50.0));
    let p50 = e.latency_p50_ms.unwrap();
    assert!((p50 - 7.0).abs() <= 0.07, "{p50}");
    assert_eq!(w.top_client.as_ref().map(|c| c.1), Some(4));
    let t: Vec<(&str, u64)> = w
        .targets
        .iter()
        .map(|t| (t.target.as_str(), t.requests))
        .collect();
    assert_eq!(t, vec![("10.0.0.2:80", 6), ("10.0.0.1:80", 5)]);
    assert_eq!((w.targets[0].errors_5xx, w.targets[1].errors_5xx), (3, 1));
    // .2 served 2, 6, 8, 10, 12 ms (i = 1, 3, 5, 7, 9, 11 → 2..12 ms): p50 = 6 ms.
    let tp50 = w.targets[0].latency_p50_ms.unwrap();
    assert!((tp50 - 6.0).abs() <= 0.06, "{tp50}");

    // The same clients in a later window are no longer new.
    a.observe(&req(T0 + 100 * S, 1, 200));
    a.observe(&req(T0 + 100 * S, 77, 200));
    a.flush();
    let last = drain(&mut a).pop().unwrap();
    assert_eq!(last.new_clients, 1);
}

#[test]
fn targets_are_bounded_with_other() {
    let mut a = Aggregator::new(AggConfig {
        max_targets: 4,
        ..Default::default()
    });
    let names: Vec<String> = (0..10).map(|i| format!("10.1.0.{i}:8080")).collect();
    for (i, n) in names.iter().enumerate() {
        let mut r = req(T0 + i as i64, 1, 200);
        r.backend = Some(Cow::Borrowed(n));
        a.observe(&r);
    }
    a.flush();
    let w = drain(&mut a).remove(0);
    assert_eq!(w.targets.len(), 5);
    assert_eq!(w.targets[4].target, "other");
    assert_eq!(w.targets[4].requests, 6);
    let recent = a.targets(10);
    assert_eq!(recent.iter().map(|t| t.requests).sum::<u64>(), 10);
}

#[test]
fn rollups_and_history() {
    let mut a = Aggregator::new(AggConfig {
        history_len: 5,
        ..Default::default()
    });
    // 12 minutes, 2 requests per 10 s bucket, one slow request each minute.
    for b in 0..72i64 {
        a.observe(&req(T0 + b * 10 * S, 1, 200));
        let mut r = req(T0 + b * 10 * S + 5 * S, 2, 503);
        r.total_time_us = Some(if b % 6 == 0 { 900_000 } else { 10_000 });
        a.observe(&r);
    }
    a.flush();
    assert_eq!(drain(&mut a).len(), 72);
    let base: Vec<&WindowStats> = a.history(Resolution::Base).collect();
    assert_eq!(base.len(), 5, "history is a bounded ring");
    let min: Vec<&WindowStats> = a.history(Resolution::Minute).collect();
    assert_eq!(min.len(), 5);
    for m in &min {
        assert_eq!(m.event.requests, 12);
        assert_eq!(m.event.status_5xx, 6);
        assert_eq!(m.event.end.0 - m.start(), 60 * S);
        assert!((m.event.req_per_sec - 0.2).abs() < 1e-9);
        assert_eq!(m.event.unique_clients, 2);
        assert_eq!(m.event.latency_max_ms, Some(900.0));
        assert_eq!(m.start().rem_euclid(60 * S), 0);
    }
    let five: Vec<&WindowStats> = a.history(Resolution::FiveMinutes).collect();
    // 0-5, 5-10 and the partial 10-12 flushed at end of input.
    assert_eq!(
        five.iter().map(|w| w.event.requests).collect::<Vec<_>>(),
        vec![60, 60, 24]
    );
    assert_eq!(five[2].event.end.0 - five[2].start(), 120 * S);
}

#[test]
fn recent_top_tables_decay() {
    let mut a = Aggregator::default();
    for i in 0..100 {
        let mut r = req(
            T0 + i * 10_000,
            if i < 70 { 5 } else { 6 },
            if i % 10 == 0 { 404 } else { 200 },
        );
        r.user_agent = Some(Cow::Borrowed("curl/8.0"));
        r.path = Some(Cow::Borrowed(if i % 2 == 0 {
            "/product/1"
        } else {
            "/product/abc"
        }));
        a.observe(&r);
    }
    assert_eq!(a.top_clients(1), vec![(ip(5).to_string(), 70)]);
    assert_eq!(
        a.top_paths(5),
        vec![("/product/:id".into(), 50), ("/product/abc".into(), 50)]
    );
    assert_eq!(a.top_agents(5), vec![("curl/8.0".into(), 100)]);
    assert_eq!(
        a.top_statuses(5),
        vec![("200".into(), 90), ("404".into(), 10)]
    );
    // One half-life (60 s) of idle log time halves every count.
    a.advance(T0 + 40 * S); // the first bucket closes and joins the recent table
    let before = a.top_clients(1)[0].1;
    assert_eq!(before, 70);
    a.advance(T0 + 100 * S); // six more buckets: 60 s of decay
    let after = a.top_clients(1)[0].1;
    assert!(
        after * 2 >= before - 1 && after * 2 <= before + 1,
        "{before} -> {after}"
    );
    a.advance(T0 + 3600 * S);
    assert!(a.top_clients(5).is_empty(), "decayed away");
}

fn shuffle_within<T>(v: &mut [T], seed: u64, span: usize) {
    let mut s = seed | 1;
    for i in 0..v.len() {
        s = s
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let j = (i + (s >> 33) as usize % span).min(v.len() - 1);
        v.swap(i, j);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// Whatever the order within the lateness, every request lands in its own bucket.
    #[test]
    fn totals_and_buckets_survive_reordering(offsets in proptest::collection::vec(0i64..600_000_000, 1..400),
                                             seed in 0u64..10_000) {
        let mut times: Vec<i64> = offsets.iter().map(|o| T0 + o).collect();
        times.sort_unstable();
        // Reorder only among lines less than one bucket of log time apart (lateness is 3).
        let mut shuffled = times.clone();
        shuffle_within(&mut shuffled, seed, 8);
        let mut fixed = shuffled.clone();
        let mut max = fixed[0];
        for t in &mut fixed {
            // keep each line within 20 s of the newest seen
            if *t < max - 20 * S { *t = max - 20 * S; }
            max = max.max(*t);
        }
        let mut a = Aggregator::default();
        for (i, &t) in fixed.iter().enumerate() {
            a.observe(&req(t, i as u32 % 7, 200));
        }
        a.flush();
        let w: Vec<WindowStats> = a.drain_closed().collect();
        prop_assert_eq!(w.iter().map(|w| w.event.requests).sum::<u64>(), fixed.len() as u64);
        prop_assert_eq!(a.late(), 0);
        let mut expect = std::collections::BTreeMap::new();
        for &t in &fixed { *expect.entry(t.div_euclid(10 * S) * 10 * S).or_insert(0u64) += 1; }
        for win in &w {
            prop_assert_eq!(win.event.requests, expect.get(&win.start()).copied().unwrap_or(0));
        }
    }

    /// Arbitrary order, any lateness: nothing is ever lost.
    #[test]
    fn nothing_lost_in_any_order(times in proptest::collection::vec(-3_600_000_000i64..3_600_000_000, 1..200)) {
        let mut a = Aggregator::default();
        for (i, &t) in times.iter().enumerate() {
            a.observe(&req(T0 + t, i as u32, 500));
        }
        a.flush();
        let w: Vec<WindowStats> = a.drain_closed().collect();
        prop_assert_eq!(w.iter().map(|w| w.event.requests).sum::<u64>(), times.len() as u64);
        prop_assert_eq!(w.iter().map(|w| w.late).sum::<u64>(), a.late());
        for p in w.windows(2) { prop_assert!(p[0].start() < p[1].start()); }
    }
}

#[test]
fn client_table_detail() {
    let mut c = ClientTable::default();
    for i in 0..25i64 {
        let mut r = req(T0 + i * 5 * S, 1, if i % 5 == 0 { 404 } else { 200 });
        r.user_agent = Some(Cow::Borrowed("Mozilla/5.0"));
        r.query = Some(Cow::Borrowed("q=1"));
        r.bytes_out = Some(512);
        if i % 2 == 0 {
            r.path = Some(Cow::Borrowed("/login"));
        }
        c.observe(&r);
    }
    c.observe(&req(T0 + 200 * S, 2, 200));
    let d = c.detail("10.0.0.1").expect("tracked");
    assert_eq!(d.client, "10.0.0.1");
    assert_eq!(d.requests, 25);
    assert_eq!(d.first_seen, Some(T0));
    assert_eq!(d.last_seen, Some(T0 + 120 * S));
    let st: Vec<(&str, u64)> = d
        .statuses
        .iter()
        .map(|c| (c.key.as_str(), c.count))
        .collect();
    assert_eq!(st, vec![("2xx", 20), ("4xx", 5)]);
    let paths: Vec<(&str, u64)> = d.paths.iter().map(|c| (c.key.as_str(), c.count)).collect();
    assert_eq!(paths, vec![("/login", 13), ("/product/:id", 12)]);
    assert_eq!(d.user_agents[0].count, 25);
    assert_eq!(d.recent.len(), 10);
    assert!(
        d.recent[0].starts_with("2023-11-14T22:17:00.000Z 200 GET /login?q=1 512B 20.000ms"),
        "{}",
        d.recent[0]
    );
    assert!(
        d.recent[1].contains("22:16:55.000Z 200 GET /product/42?q=1"),
        "{}",
        d.recent[1]
    );
    // Rate ring: right edge is the table's newest bucket (T0+200 s); the client's last
    // bucket (120 s) is 8 buckets back with 1 request in 10 s.
    assert_eq!(d.rate.values.len(), clients::RATE_LEN);
    let v = &d.rate.values;
    assert_eq!(v[v.len() - 1], 0.0);
    assert!((v[v.len() - 9] - 0.1).abs() < 1e-9, "{v:?}");
    assert!((v[v.len() - 10] - 0.2).abs() < 1e-9);
    assert!((v.iter().sum::<f64>() - 2.5).abs() < 1e-9);
    assert!(c.detail("10.9.9.9").is_none());
    assert!(c.detail("not a client").is_none());
}

#[test]
fn client_table_evicts_least_active() {
    let mut c = ClientTable::new(ClientConfig {
        capacity: 8,
        ..Default::default()
    });
    for _ in 0..50 {
        c.observe(&req(T0, 1, 200));
    }
    for i in 0..200 {
        c.observe(&req(T0 + i, 100 + i as u32, 200));
    }
    assert_eq!(c.len(), 8);
    assert_eq!(c.top(1), vec![("10.0.0.1".to_string(), 50)]);
    let newest = c.detail(&ip(100 + 199).to_string()).expect("newest kept");
    assert_eq!(newest.requests, 1, "its own count, not the inherited one");
    assert_eq!(newest.recent.len(), 1);
    // Host-named clients work too.
    let mut r = req(T0, 0, 200);
    r.client_ip = None;
    r.client_host = Some(Cow::Borrowed("crawler.example.org"));
    for _ in 0..60 {
        c.observe(&r);
    }
    assert_eq!(c.detail("crawler.example.org").unwrap().requests, 60);
}

#[test]
fn memory_is_bounded_under_distinct_floods() {
    let mut a = Aggregator::default();
    let mut c = ClientTable::default();
    let mut path = String::new();
    let mut ua = String::new();
    for i in 0..1_000_000u32 {
        use std::fmt::Write;
        path.clear();
        let _ = write!(path, "/p{i}/x{}", i.wrapping_mul(2_654_435_761));
        ua.clear();
        let _ = write!(ua, "bot-{i}");
        let mut r = req(T0 + i64::from(i) * 1000, i, 200);
        r.path = Some(Cow::Borrowed(&path));
        r.user_agent = Some(Cow::Borrowed(&ua));
        let be = format!("10.9.{}.{}:80", i % 200, i % 7);
        r.backend = Some(Cow::Borrowed(&be));
        a.observe(&r);
        c.observe(&r);
    }
    let cap = a.config().top_capacity;
    let sizes = a.table_sizes();
    assert!(sizes[0] <= 20, "buckets {}", sizes[0]);
    assert_eq!(&sizes[1..4], &[cap, cap, cap]);
    assert_eq!(c.len(), c.capacity());
    let (ab, cb) = (a.approx_bytes(), c.approx_bytes());
    println!("aggregator {ab} B, client table {cb} B");
    assert!(ab + cb < 16 << 20, "aggregator {ab} + clients {cb}");
    a.flush();
    let w: Vec<WindowStats> = a.drain_closed().collect();
    assert_eq!(w.iter().map(|w| w.event.requests).sum::<u64>(), 1_000_000);
    // 10 000 distinct clients per 10 s bucket: HLL within 3%, and all are new.
    let mid = &w[w.len() / 2];
    assert!(
        (mid.event.unique_clients as f64 - 10_000.0).abs() < 300.0,
        "{}",
        mid.event.unique_clients
    );
    // New clients: exact-ish while the seen filter is light, under-counted (false "seen")
    // once half a million distinct clients have filled it: the bounded-memory trade-off.
    assert!(w[5].new_clients > 9_900, "{}", w[5].new_clients);
    assert!(mid.new_clients > 7_000, "{}", mid.new_clients);
    assert!(mid.targets.len() <= 65);
}

#[test]
fn extreme_times_never_panic() {
    let mut a = Aggregator::default();
    let mut c = ClientTable::default();
    for t in [0, i64::MAX, i64::MIN, -1, i64::MAX - 1, 1] {
        let r = req(t, 1, 200);
        a.observe(&r);
        c.observe(&r);
        a.advance(t);
    }
    a.flush();
    let w = drain(&mut a);
    assert_eq!(w.iter().map(|w| w.event.requests).sum::<u64>(), 6);
    assert_eq!(c.detail("10.0.0.1").unwrap().requests, 6);
}

#[test]
fn warm_tables_stop_growing() {
    // Once warm, more traffic of the same shape barely allocates: every table, pool and
    // ring keeps its size.
    let reqs = super::bench::synthetic(300_000, true);
    let mut a = Aggregator::default();
    let mut c = ClientTable::default();
    for r in &reqs[..200_000] {
        a.observe(r);
        c.observe_normalized(r, a.last_path());
    }
    a.drain_closed().for_each(drop);
    let (ab, cb) = (a.approx_bytes(), c.approx_bytes());
    for r in &reqs[200_000..] {
        a.observe(r);
        c.observe_normalized(r, a.last_path());
    }
    a.drain_closed().for_each(drop);
    // The client table still warms a little: a slot's ten line buffers are allocated as it
    // first fills its ring (bounded by capacity × 10 × 240 B), then reused forever.
    let cgrown = c.approx_bytes() as f64 / cb as f64;
    assert!(cgrown < 1.05, "{cb} -> {}", c.approx_bytes());
    // Closed windows join the history rings (bounded, 360) and own their strings.
    let grown = a.approx_bytes() as f64 / ab as f64;
    assert!(grown < 1.05, "{ab} -> {}", a.approx_bytes());
}

#[test]
fn small_top_keeps_heaviest() {
    let mut c = ClientTable::default();
    for i in 0..200u32 {
        let mut r = req(T0 + i64::from(i), 1, 200);
        let p = if i % 2 == 0 {
            "/hot".to_string()
        } else {
            format!("/cold/x{i}")
        };
        r.path = Some(Cow::Owned(p));
        c.observe(&r);
    }
    let d = c.detail("10.0.0.1").unwrap();
    assert_eq!(d.paths.len(), 8, "bounded");
    assert_eq!((d.paths[0].key.as_str(), d.paths[0].count), ("/hot", 100));
}

/// A lone line stamped far ahead (a slow ALB request logged at completion) must not close
/// the buckets its neighbours still fill: they keep their own windows, none counted late.
#[test]
fn a_lone_line_far_ahead_does_not_close_open_buckets() {
    use crate::record::Request;
    let mut a = Aggregator::new(AggConfig::default());
    let s = 1_000_000i64;
    let req = |t: i64| Request {
        time: t,
        client_ip: "10.0.0.1".parse().ok(),
        status: Some(200),
        ..Default::default()
    };
    for i in 0..100 {
        a.observe(&req(i * s / 10)); // 0..10 s
    }
    a.observe(&req(60 * s)); // one slow request, logged a minute later
    for i in 100..300 {
        a.observe(&req(i * s / 10)); // 10..30 s, on time
    }
    a.flush();
    let w: Vec<_> = a.drain_closed().collect();
    assert_eq!(a.late(), 0, "no neighbour counted late");
    assert_eq!(w[0].event.requests, 100);
    assert_eq!(w[1].event.requests, 100);
    assert_eq!(w[2].event.requests, 100);
    // A real jump (many lines later in time) still moves the frontier.
    let mut b = Aggregator::new(AggConfig::default());
    for i in 0..10 {
        b.observe(&req(i * s));
    }
    for i in 0..20 {
        b.observe(&req(3600 * s + i * s / 10));
    }
    assert!(
        b.drain_closed().count() > 0,
        "the old windows closed after the jump"
    );
}

#[test]
fn latency_histogram_counts_each_request_in_its_fixed_bucket() {
    let mut a = Aggregator::default();
    // 5 ms exactly lands in `le=0.005`; 5.001 ms in the next; 40 s past every bound.
    for (i, us) in [5_000u64, 5_001, 20_000, 40_000_000]
        .into_iter()
        .enumerate()
    {
        let mut r = req(T0 + i as i64 * S, 1, 200);
        r.total_time_us = Some(us);
        a.observe(&r);
    }
    let mut none = req(T0 + 5 * S, 1, 200);
    none.total_time_us = None;
    a.observe(&none);
    a.flush();
    let w = drain(&mut a);
    assert_eq!(w.len(), 1);
    let h = w[0].latency_buckets;
    assert_eq!(h[0], 1, "{h:?}");
    assert_eq!(h[1], 1);
    assert_eq!(h[2], 1);
    assert_eq!(h[LATENCY_SLOTS - 1], 1);
    assert_eq!(
        h.iter().sum::<u64>(),
        4,
        "requests without a latency are not counted"
    );
    assert_eq!(w[0].latency_sum_us, 5_000 + 5_001 + 20_000 + 40_000_000);
    assert_eq!(w[0].event.requests, 5);
}
