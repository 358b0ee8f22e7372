//! The traffic generator behind the tests: seeded, no `rand` crate.

use super::super::*;
use crate::record::Format;
use std::borrow::Cow;
use std::net::Ipv4Addr;

pub(super) const S: Micros = MICROS_PER_SEC;
pub(super) const T0: Micros = 1_700_000_000 * S;

pub(super) struct Rng(pub(super) u64);
impl Rng {
    pub(super) fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    pub(super) fn f(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub(super) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

pub(super) struct Zipf(Vec<f64>);
impl Zipf {
    pub(super) fn new(n: usize, s: f64) -> Zipf {
        let mut acc = 0.0;
        let mut cdf = Vec::with_capacity(n);
        for k in 1..=n {
            acc += 1.0 / (k as f64).powf(s);
            cdf.push(acc);
        }
        for c in &mut cdf {
            *c /= acc;
        }
        Zipf(cdf)
    }
    pub(super) fn sample(&self, r: &mut Rng) -> usize {
        let u = r.f();
        self.0.partition_point(|&c| c < u).min(self.0.len() - 1)
    }
}

pub(super) const BROWSER: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36";

pub(super) fn benign_ip(i: usize) -> IpAddr {
    IpAddr::V4(Ipv4Addr::from(0x0a00_0000u32 + i as u32))
}

pub(super) fn attacker_ip(i: usize) -> IpAddr {
    IpAddr::V4(Ipv4Addr::from(0xcb00_7100u32 + i as u32))
}

pub(super) fn req(
    t: Micros,
    ip: IpAddr,
    method: &'static str,
    path: String,
    status: u16,
    ua: Option<&'static str>,
) -> Request<'static> {
    Request {
        format: Format::Alb,
        time: t,
        client_ip: Some(ip),
        method: Some(Cow::Borrowed(method)),
        path: Some(Cow::Owned(path)),
        status: Some(status),
        user_agent: ua.map(Cow::Borrowed),
        ..Default::default()
    }
}

/// Benign traffic of `clients` over `secs`, `pv_per_sec` page views a second.
pub(super) fn benign(
    seed: u64,
    clients: usize,
    secs: i64,
    pv_per_sec: f64,
) -> Vec<Request<'static>> {
    let mut r = Rng(seed | 1);
    let who = Zipf::new(clients, 1.0);
    let pages = Zipf::new(5_000, 0.9);
    let mut out = Vec::new();
    let mut t = T0;
    let end = T0 + secs * S;
    while t < end {
        t += (-(1.0 - r.f()).ln() / pv_per_sec * S as f64) as Micros + 1;
        let c = who.sample(&mut r);
        let ip = benign_ip(c);
        // A few quieter clients are API integrations or odd browsers.
        let ua = if c >= 50 && c % 31 == 0 {
            Some("python-requests/2.31.0")
        } else if c >= 50 && c % 97 == 0 {
            None
        } else {
            Some(BROWSER)
        };
        let roll = r.f();
        if roll < 0.01 {
            // login, with a typo now and then
            if r.f() < 0.1 {
                out.push(req(t, ip, "POST", "/login".into(), 401, ua));
            }
            out.push(req(t + S, ip, "POST", "/login".into(), 302, ua));
            continue;
        }
        if ua != Some(BROWSER) {
            out.push(req(t, ip, "GET", "/api/v1/status".into(), 200, ua));
            continue;
        }
        let page = pages.sample(&mut r);
        let status = if r.f() < 0.005 { 404 } else { 200 };
        out.push(req(t, ip, "GET", format!("/products/{page}"), status, ua));
        for a in 0..r.below(8) {
            let asset = r.below(40);
            let (path, status) = if asset == 0 {
                ("/favicon.ico".to_string(), 404)
            } else {
                (format!("/static/app-{asset}.js"), 200)
            };
            out.push(req(
                t + (a as i64 + 1) * 30_000,
                ip,
                "GET",
                path,
                status,
                ua,
            ));
        }
    }
    // Lines arrive roughly in order: a few are a couple of seconds late.
    out.sort_by_key(|q| q.time);
    for q in out.iter_mut() {
        if r.f() < 0.02 {
            q.time -= r.below(3 * S as u64) as i64;
        }
    }
    out
}

pub(super) fn merge(
    mut a: Vec<Request<'static>>,
    b: Vec<Request<'static>>,
) -> Vec<Request<'static>> {
    a.extend(b);
    a.sort_by_key(|q| q.time);
    a
}

/// Feeds requests and ticks `advance` at every 10 s window end, like the engine does.
pub(super) fn run(d: &mut ClientDetector, reqs: &[Request<'_>]) -> Vec<ClientEvent> {
    let mut out = Vec::new();
    let mut next = reqs
        .first()
        .map_or(0, |r| r.time - r.time.rem_euclid(10 * S) + 10 * S);
    for r in reqs {
        while r.time >= next {
            d.advance(next, &mut out);
            next += 10 * S;
        }
        d.observe(r, &mut out);
    }
    d.advance(next, &mut out);
    out
}

pub(super) fn det() -> ClientDetector {
    ClientDetector::new(ClientConfig::default())
}

/// Seconds from `onset` to the first event of `b` for `ip`.
pub(super) fn detect_delay(
    ev: &[ClientEvent],
    ip: &str,
    b: Behavior,
    onset: Micros,
) -> Option<f64> {
    ev.iter()
        .find(|e| e.client_ip == ip && e.behavior == b)
        .map(|e| (e.time.0 - onset) as f64 / S as f64)
}

pub(super) fn count(ev: &[ClientEvent], ip: &str) -> usize {
    ev.iter().filter(|e| e.client_ip == ip).count()
}
