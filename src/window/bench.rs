//! Timing tests (`#[ignore]`d): run once with
//! `cargo test --release --lib --no-default-features window::bench -- --ignored --nocapture`.

use super::tests::{T0, ip};
use super::*;
use crate::record::{Format, Request};
use std::borrow::Cow;

/// CPU time of this thread in ns (the build machine is shared; wall time would mislead).
fn thread_cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

pub(super) fn synthetic(n: u32, skewed: bool) -> Vec<Request<'static>> {
    const PATHS: [&str; 5] = [
        "/",
        "/api/v1/items/123",
        "/product/9f86d081884c7d659a2feaa0c55ad015",
        "/login",
        "/static/app.js",
    ];
    const UAS: [&str; 3] = [
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0",
        "curl/8.4.0",
        "python-requests/2.31",
    ];
    const TARGETS: [&str; 4] = [
        "10.0.1.1:8080",
        "10.0.1.2:8080",
        "10.0.1.3:8080",
        "10.0.1.4:8080",
    ];
    (0..n)
        .map(|i| {
            let h = crate::window::hash::mix64(u64::from(i));
            let client = if skewed {
                // Log-uniform over 20 000 clients: a few heavy talkers, a long tail.
                20_000f64.powf((h % 10_000) as f64 / 10_000.0) as u32
            } else {
                (h % 20_000) as u32
            };
            Request {
                format: Format::Alb,
                // 5 000 req/s of log time, lines up to 1.5 s out of order.
                time: T0 + i64::from(i) * 200 + (h >> 20) as i64 % 3_000_000 - 1_500_000,
                client_ip: Some(ip(client)),
                status: Some([200, 200, 200, 304, 404, 502][(h >> 8) as usize % 6]),
                method: Some(Cow::Borrowed("GET")),
                path: Some(Cow::Borrowed(PATHS[(h >> 12) as usize % 5])),
                query: Some(Cow::Borrowed("page=2")),
                user_agent: Some(Cow::Borrowed(UAS[(h >> 16) as usize % 3])),
                backend: Some(Cow::Borrowed(TARGETS[(h >> 24) as usize % 4])),
                total_time_us: Some((h >> 30) % 500_000),
                bytes_out: Some(1234),
                ..Default::default()
            }
        })
        .collect()
}

/// Aggregator + ClientTable per request, CPU time.
#[test]
#[ignore]
fn bench_observe_ns_per_request() {
    let n = 1_000_000u32;
    for (label, skewed) in [
        ("log-uniform clients", true),
        ("uniform 20k clients (table churn)", false),
    ] {
        let reqs = synthetic(n, skewed);
        let mut a = Aggregator::default();
        let mut c = ClientTable::default();
        for r in &reqs[..200_000] {
            a.observe(r);
            c.observe_normalized(r, a.last_path());
        }
        let (t, c0) = (std::time::Instant::now(), thread_cpu_ns());
        for r in &reqs {
            a.observe(r);
            c.observe_normalized(r, a.last_path());
        }
        let (wall, c1) = (t.elapsed().as_nanos() as f64, thread_cpu_ns());
        let both = c0.zip(c1).map(|(a, b)| (b - a) as f64 / f64::from(n));
        let mut a = Aggregator::default();
        let c0 = thread_cpu_ns();
        for r in &reqs {
            a.observe(r);
        }
        let agg = c0
            .zip(thread_cpu_ns())
            .map(|(a, b)| (b - a) as f64 / f64::from(n));
        let mut c = ClientTable::default();
        let c0 = thread_cpu_ns();
        for r in &reqs {
            c.observe(r);
        }
        let cl = c0
            .zip(thread_cpu_ns())
            .map(|(a, b)| (b - a) as f64 / f64::from(n));
        // Same work on a cache-resident table: separates instruction cost from cache misses.
        let mut c = ClientTable::new(ClientConfig {
            capacity: 64,
            ..Default::default()
        });
        let hot: Vec<Request<'static>> = reqs
            .iter()
            .map(|r| Request {
                client_ip: Some(ip(r.time as u32 % 32)),
                ..r.clone()
            })
            .collect();
        let c0 = thread_cpu_ns();
        for r in &hot {
            c.observe(r);
        }
        let small = c0
            .zip(thread_cpu_ns())
            .map(|(a, b)| (b - a) as f64 / f64::from(n));
        println!(
            "{label}: Aggregator+ClientTable {:.0} ns/req wall, {both:.0?} ns/req CPU; Aggregator alone {agg:.0?}; ClientTable alone {cl:.0?}, 32 hot clients {small:.0?}",
            wall / f64::from(n)
        );
    }
}

#[test]
#[ignore]
fn bench_components() {
    let reqs = synthetic(1_000_000, true);
    let n = reqs.len() as f64;
    let time = |label: &str, f: &mut dyn FnMut(&Request<'static>)| {
        let c0 = thread_cpu_ns();
        for r in &reqs {
            f(r);
        }
        let d = c0.zip(thread_cpu_ns()).map(|(a, b)| (b - a) as f64 / n);
        println!("{label}: {d:.1?} ns");
    };
    let mut buf = String::new();
    time("normalize", &mut |r| {
        normalize_path(r.path.as_deref().unwrap(), &mut buf)
    });
    let mut x = 0u64;
    time("hash ua", &mut |r| {
        x ^= hash::hash_str(r.user_agent.as_deref().unwrap())
    });
    let mut t: TopK<String> = TopK::new(256);
    time("topk ua", &mut |r| {
        t.add(r.user_agent.as_deref().unwrap(), 1024);
    });
    let mut h = distinct::Hll::new();
    time("hll", &mut |r| {
        h.insert_hash(hash::hash_ip(r.client_ip.unwrap()))
    });
    let mut sf = distinct::SeenFilter::new(3600 * crate::record::MICROS_PER_SEC);
    time("seen", &mut |r| {
        x ^= u64::from(sf.check_new(hash::hash_ip(r.client_ip.unwrap())));
    });
    let mut sk = LatencySketch::new();
    time("sketch", &mut |r| sk.insert(r.total_time_us.unwrap()));
    let mut tc: TopK<ClientKey> = TopK::new(256);
    time("topk client", &mut |r| {
        tc.add(ClientRef::Ip(r.client_ip.unwrap()), 1024);
    });
    let mut a = Aggregator::default();
    time("aggregator", &mut |r| a.observe(r));
    println!("{x}");
}
