//! The generator: one log second at a time, sorted, then handed out in time order.

use super::catalog::{self, EpKind};
use super::rng::{Rng, Zipf, splitmix64};
use super::{ErrorSource, Incident, IncidentKind, SimConfig, SimRequest};
use crate::record::{Format, MICROS_PER_SEC, Micros, Request};
use std::borrow::Cow;
use std::collections::VecDeque;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// First octets of plausible public client ranges (no private or reserved space).
const CLIENT_NETS: &[u8] = &[
    23, 24, 31, 37, 46, 50, 62, 66, 67, 68, 71, 73, 76, 77, 79, 81, 82, 86, 88, 90, 92, 95, 98, 99,
    108, 109, 146, 151, 174, 176, 178, 188, 195, 203, 213, 217,
];
/// Hosting ranges attackers come from.
const ATTACK_NETS: &[u8] = &[5, 45, 89, 91, 103, 141, 159, 185, 193, 194, 212];

fn ip_from_hash(h: u64, nets: &[u8]) -> IpAddr {
    let a = nets[(h % nets.len() as u64) as usize];
    let b = (h >> 8) as u8;
    let c = (h >> 16) as u8;
    let d = ((h >> 24) as u8).clamp(1, 254);
    IpAddr::V4(Ipv4Addr::new(a, b, c, d))
}

/// Attacking client addresses of incident `idx` (deterministic, so the ground truth can
/// name them without running the simulator).
pub(crate) fn attacker_ips(seed: u64, idx: usize, inc: &Incident) -> Vec<IpAddr> {
    let n = match inc.kind {
        k if k.is_aggregate() => 0,
        IncidentKind::CredentialStuffing => inc.intensity.of([120, 300, 700]),
        IncidentKind::SecurityPayloads => 2,
        _ => 1,
    };
    (0..n)
        .map(|j| {
            let h = splitmix64(seed ^ 0xA77A_C4E5 ^ ((idx as u64) << 40) ^ j as u64);
            ip_from_hash(h, ATTACK_NETS)
        })
        .collect()
}

pub struct Simulator {
    cfg: SimConfig,
    rng: Rng,
    clients: Zipf,
    products: Zipf,
    endpoint_cdf: Vec<f64>,
    ua_cdf: Vec<u32>,
    sec: u64,
    buf: VecDeque<SimRequest>,
    scratch: Vec<SimRequest>,
    /// Slow multiplicative noise on the rate (AR(1) in log space, per second).
    noise: f64,
    attackers: Vec<Vec<IpAddr>>,
    /// Credential stuffing: every attempt planned up front (offset µs from incident start,
    /// attacker index), consumed with a cursor, so each IP makes exactly 2–3 attempts.
    plans: Vec<Vec<(i64, u32)>>,
    plan_pos: Vec<usize>,
    scraper_id: Vec<u64>,
}

impl Simulator {
    pub fn new(cfg: SimConfig) -> Simulator {
        let mut rng = Rng::new(cfg.seed);
        let attackers: Vec<Vec<IpAddr>> = cfg
            .incidents
            .iter()
            .enumerate()
            .map(|(i, inc)| attacker_ips(cfg.seed, i, inc))
            .collect();
        let plans = cfg
            .incidents
            .iter()
            .zip(&attackers)
            .map(|(inc, ips)| {
                if inc.kind != IncidentKind::CredentialStuffing {
                    return Vec::new();
                }
                let span = (inc.duration_secs.max(1) * MICROS_PER_SEC as u64) as i64;
                let mut v = Vec::new();
                for j in 0..ips.len() as u32 {
                    for _ in 0..2 + rng.below(2) {
                        v.push((rng.below(span as u64) as i64, j));
                    }
                }
                v.sort_unstable();
                v
            })
            .collect();
        let total: f64 = catalog::ENDPOINTS.iter().map(|e| e.weight).sum();
        let mut acc = 0.0;
        let endpoint_cdf = catalog::ENDPOINTS
            .iter()
            .map(|e| {
                acc += e.weight / total;
                acc
            })
            .collect();
        let mut uacc = 0;
        let ua_cdf = catalog::USER_AGENT_WEIGHTS
            .iter()
            .map(|w| {
                uacc += w;
                uacc
            })
            .collect();
        let n = cfg.incidents.len();
        Simulator {
            clients: Zipf::new(cfg.clients, 0.8),
            products: Zipf::new(5_000, 0.9),
            endpoint_cdf,
            ua_cdf,
            sec: 0,
            buf: VecDeque::new(),
            scratch: Vec::new(),
            noise: 0.0,
            attackers,
            plans,
            plan_pos: vec![0; n],
            scraper_id: vec![1_000; n],
            rng,
            cfg,
        }
    }

    pub fn config(&self) -> &SimConfig {
        &self.cfg
    }

    pub fn ground_truth(&self) -> super::GroundTruth {
        super::GroundTruth::of(&self.cfg)
    }

    fn daily(&self, t: Micros) -> f64 {
        let sod = t.div_euclid(MICROS_PER_SEC).rem_euclid(86_400) as f64;
        let hour = sod / 3600.0;
        let a = self.cfg.daily_amplitude;
        match self.cfg.daily_shape {
            super::DailyShape::Sine => {
                1.0 + a * (std::f64::consts::TAU * (hour - 9.0) / 24.0).sin()
            }
            super::DailyShape::Office => {
                let up = ((hour - 7.5) * 2.0).clamp(0.0, 1.0);
                let down = ((hour - 18.5) * 2.0).clamp(0.0, 1.0);
                let lo = (1.0 - a).max(0.01).ln();
                let hi = (1.0 + a).ln();
                (lo + (hi - lo) * (up - down)).exp()
            }
        }
    }

    /// Generate one more second of traffic into `buf`; false when the run is over.
    fn fill(&mut self) -> bool {
        if self.sec >= self.cfg.duration_secs {
            return false;
        }
        let sec = self.sec;
        self.sec += 1;
        let t0 = self.cfg.start + sec as i64 * MICROS_PER_SEC;
        // Log-space AR(1): stationary sd 0.05, time constant ~5 minutes.
        let phi = 0.9967f64;
        self.noise = phi * self.noise + 0.05 * (1.0 - phi * phi).sqrt() * self.rng.normal();
        let mut mult = self.daily(t0) * self.noise.exp();
        let mut spike = 1.0;
        for inc in self.active(sec) {
            match inc.kind {
                IncidentKind::TrafficSpike => spike *= inc.intensity.of([1.6, 2.5, 5.0]),
                IncidentKind::TrafficDrop => mult *= inc.intensity.of([0.55, 0.3, 0.05]),
                _ => {}
            }
        }
        let n = self.rng.poisson(self.cfg.base_rps * mult * spike);
        for _ in 0..n {
            let t = t0 + self.rng.below(MICROS_PER_SEC as u64) as i64;
            let mut r = self.normal_request(t);
            if spike > 1.0 && self.rng.chance((spike - 1.0) / spike) {
                r.label = Some(IncidentKind::TrafficSpike);
            }
            self.modify(sec, &mut r);
            self.scratch.push(r);
        }
        for i in 0..self.cfg.incidents.len() {
            let inc = &self.cfg.incidents[i];
            if !inc.kind.is_aggregate() && is_active(inc, sec) {
                self.attack(i, sec, t0);
            }
        }
        self.scratch.sort_by_key(|r| r.req.time);
        self.buf.extend(self.scratch.drain(..));
        true
    }

    fn active(&self, sec: u64) -> impl Iterator<Item = &Incident> {
        self.cfg.incidents.iter().filter(move |i| is_active(i, sec))
    }

    fn client_ip(&mut self, t: Micros) -> (IpAddr, u64) {
        let rank = self.clients.sample(&mut self.rng) as u64;
        let h0 = splitmix64(self.cfg.seed ^ rank.wrapping_mul(0x9E37_79B9));
        // Each identity lives 0.5–4.5 h, then is replaced by a fresh address: steady churn.
        let life = 1_800 + (h0 % 5) * 3_600;
        let generation = (t.div_euclid(MICROS_PER_SEC) as u64 + (h0 >> 8) % life) / life;
        let h = splitmix64(h0 ^ generation.wrapping_mul(0xD6E8_FEB8_6659_FD93));
        let ip = if h % 50 == 0 {
            let s = splitmix64(h);
            IpAddr::V6(Ipv6Addr::new(
                0x2600 | (s & 0xff) as u16,
                (s >> 8) as u16,
                (s >> 24) as u16,
                0,
                (s >> 40) as u16,
                (h >> 16) as u16,
                (h >> 32) as u16,
                (h >> 48) as u16,
            ))
        } else {
            ip_from_hash(h, CLIENT_NETS)
        };
        (ip, h)
    }

    fn user_agent(&self, h: u64) -> &'static str {
        let total = *self.ua_cdf.last().unwrap_or(&1);
        let x = ((h >> 20) % u64::from(total)) as u32;
        let i = self.ua_cdf.partition_point(|&c| c <= x);
        catalog::USER_AGENTS[i.min(catalog::USER_AGENTS.len() - 1)]
    }

    fn base(&mut self, t: Micros, ip: IpAddr, ua: &'static str) -> Request<'static> {
        let https = !self.rng.chance(0.04);
        let h2 = https && (ua.contains("Chrome") || ua.contains("ShopApp")) && self.rng.chance(0.6);
        let trace = self.rng.next_u64();
        let trace2 = self.rng.next_u64();
        Request {
            format: Format::Alb,
            time: t,
            client_ip: Some(ip),
            client_port: Some(1024 + self.rng.below(64_000) as u16),
            scheme: Some(Cow::Borrowed(if https { "https" } else { "http" })),
            host: Some(Cow::Borrowed(catalog::HOST)),
            protocol: Some(Cow::Borrowed(if h2 { "HTTP/2.0" } else { "HTTP/1.1" })),
            user_agent: Some(Cow::Borrowed(ua)),
            tls_protocol: https.then_some(Cow::Borrowed("TLSv1.2")),
            tls_cipher: https.then_some(Cow::Borrowed("ECDHE-RSA-AES128-GCM-SHA256")),
            trace_id: Some(Cow::Owned(format!(
                "Root=1-{:08x}-{:016x}{:08x}",
                t.div_euclid(MICROS_PER_SEC),
                trace,
                trace2 as u32
            ))),
            request_time_us: Some(self.rng.below(900)),
            response_time_us: Some(self.rng.below(200)),
            ..Default::default()
        }
    }

    /// Send to a target with a backend latency; fills the timing fields.
    fn served(&mut self, r: &mut Request<'static>, target: usize, lat_ms: f64, status: u16) {
        r.backend = Some(Cow::Borrowed(catalog::TARGETS[target % 4]));
        let us = (lat_ms * 1000.0).max(100.0) as u64;
        r.backend_time_us = Some(us);
        r.status = Some(status);
        r.backend_status = Some(status);
        r.total_time_us =
            Some(r.request_time_us.unwrap_or(0) + us + r.response_time_us.unwrap_or(0));
    }

    fn normal_request(&mut self, t: Micros) -> SimRequest {
        let (ip, h) = self.client_ip(t);
        let ua = self.user_agent(h);
        let mut r = self.base(t, ip, ua);
        let u = self.rng.f64();
        let ei = self
            .endpoint_cdf
            .partition_point(|&c| c < u)
            .min(catalog::ENDPOINTS.len() - 1);
        let ep = &catalog::ENDPOINTS[ei];
        r.method = Some(Cow::Borrowed(ep.method));
        let mut status = 200u16;
        let rng = &mut self.rng;
        let path: Cow<'static, str> = match ep.kind {
            EpKind::Home => "/".into(),
            EpKind::Product => {
                let id = 100 + self.products.sample(rng) * 7;
                if rng.chance(0.02) {
                    status = 404;
                }
                format!("/api/products/{id}").into()
            }
            EpKind::Search => {
                let w = rng.pick(catalog::SEARCH_WORDS);
                r.query = Some(format!("q={w}&page={}", 1 + rng.below(3)).into());
                if rng.chance(0.004) {
                    status = 400;
                }
                "/api/search".into()
            }
            EpKind::Category => format!("/api/categories/{}", rng.pick(catalog::CATEGORIES)).into(),
            EpKind::Script => ["/static/js/app.3f9a2c.js", "/static/js/vendor.81bd04.js"]
                [rng.below(2) as usize]
                .into(),
            EpKind::Style => "/static/css/main.5c21e7.css".into(),
            EpKind::Image => {
                if rng.chance(0.005) {
                    status = 404;
                }
                format!(
                    "/images/products/{}.jpg",
                    100 + self.products.sample(rng) * 7
                )
                .into()
            }
            EpKind::Favicon => "/favicon.ico".into(),
            EpKind::CartGet => "/api/cart".into(),
            EpKind::CartPost => "/api/cart/items".into(),
            EpKind::LoginPage => "/login".into(),
            EpKind::LoginPost => {
                status = if rng.chance(0.1) { 401 } else { 302 };
                "/login".into()
            }
            EpKind::Me => {
                if rng.chance(0.04) {
                    status = 401;
                }
                "/api/users/me".into()
            }
            EpKind::Orders => {
                status = if rng.chance(0.01) { 400 } else { 201 };
                "/api/orders".into()
            }
            EpKind::Robots => "/robots.txt".into(),
        };
        let cacheable = matches!(
            ep.kind,
            EpKind::Script | EpKind::Style | EpKind::Image | EpKind::Favicon
        );
        if cacheable && status == 200 && rng.chance(0.25) {
            status = 304;
        }
        r.referrer = if cacheable {
            Some("https://shop.example.com/".into())
        } else if rng.chance(0.2) {
            Some("https://www.google.com/".into())
        } else {
            None
        };
        r.path = Some(path);
        let target = rng.below(4) as usize;
        let lat = rng.lognormal(ep.lat_ms, ep.lat_sigma) * [1.0, 1.05, 0.95, 1.1][target];
        let mut bytes = match status {
            200 | 201 => rng.lognormal(ep.bytes, 0.3),
            304 => 180.0,
            302 => 420.0,
            _ => 250.0 + rng.below(200) as f64,
        };
        // Rare background failures: a healthy service still has a few.
        let x = rng.f64();
        let mut lb_error = None;
        if x < 0.0005 {
            status = 500;
        } else if x < 0.0007 {
            status = 503;
        } else if x < 0.0009 {
            lb_error = Some(502);
        } else if x < 0.001 {
            lb_error = Some(504);
        }
        r.bytes_in = Some(if ep.method == "POST" {
            600 + self.rng.below(1500)
        } else {
            180 + self.rng.below(700)
        });
        if status >= 500 {
            bytes = 300.0;
        }
        self.served(&mut r, target, lat, status);
        if let Some(code) = lb_error {
            self.lb_fail(&mut r, code);
            bytes = 272.0;
        }
        r.bytes_out = Some(bytes as u64);
        SimRequest {
            req: r,
            label: None,
            attacker: false,
        }
    }

    /// The LB answers itself: no backend status, no backend timing (ALB logs -1).
    fn lb_fail(&mut self, r: &mut Request<'static>, code: u16) {
        r.status = Some(code);
        r.backend_status = None;
        r.response_time_us = None;
        let waited = if code == 504 {
            60_000_000
        } else {
            1_000 + self.rng.below(4_000)
        };
        r.backend_time_us = None;
        r.total_time_us = Some(r.request_time_us.unwrap_or(0) + waited);
        r.bytes_out = Some(272);
    }

    fn modify(&mut self, sec: u64, s: &mut SimRequest) {
        for i in 0..self.cfg.incidents.len() {
            let inc = &self.cfg.incidents[i];
            if !is_active(inc, sec) {
                continue;
            }
            let (kind, k) = (inc.kind, inc.intensity);
            let r = &mut s.req;
            match kind {
                IncidentKind::ErrorSpike(src) if self.rng.chance(k.of([0.03, 0.08, 0.25])) => {
                    match src {
                        ErrorSource::Backend => {
                            r.status = Some(500);
                            r.backend_status = Some(500);
                            r.bytes_out = Some(300);
                        }
                        ErrorSource::Lb => self.lb_fail(r, 502),
                    }
                    s.label = Some(kind);
                }
                IncidentKind::Latency => {
                    let slow = self.rng.chance(k.of([0.04, 0.08, 0.2]));
                    let f =
                        k.of([1.0, 1.2, 2.0]) * if slow { k.of([8.0, 10.0, 10.0]) } else { 1.0 };
                    if f > 1.0 {
                        scale_latency(r, f);
                        s.label = Some(kind);
                    }
                }
                IncidentKind::ClientErrors
                    if self.rng.chance(k.of([0.04, 0.10, 0.30]))
                        && r.status.is_some_and(|c| c < 500) =>
                {
                    let code = *self.rng.pick(&[404, 404, 404, 400, 400, 400, 422, 403]);
                    r.status = Some(code);
                    r.backend_status = Some(code);
                    r.bytes_out = Some(230);
                    s.label = Some(kind);
                }
                IncidentKind::TargetFailure(ti)
                    if r.backend.as_deref() == Some(catalog::TARGETS[ti as usize % 4])
                        && r.backend_status.is_some() =>
                {
                    scale_latency(r, k.of([2.0, 3.0, 5.0]));
                    if self.rng.chance(k.of([0.08, 0.25, 0.6])) {
                        let code = if self.rng.chance(0.7) { 503 } else { 500 };
                        r.status = Some(code);
                        r.backend_status = Some(code);
                        r.bytes_out = Some(300);
                    }
                    s.label = Some(kind);
                }
                _ => {}
            }
        }
    }

    /// Requests of attack incident `i` for second `sec`.
    fn attack(&mut self, i: usize, sec: u64, t0: Micros) {
        let inc = self.cfg.incidents[i].clone();
        let k = inc.intensity;
        let ips = &self.attackers[i];
        if ips.is_empty() {
            return;
        }
        let ip0 = ips[0];
        let base = self.cfg.base_rps;
        let emit = |sim: &mut Simulator,
                    t: Micros,
                    ip: IpAddr,
                    ua: &'static str,
                    method: &'static str,
                    path: Cow<'static, str>,
                    query: Option<Cow<'static, str>>,
                    status: u16,
                    lat_ms: f64| {
            let mut r = sim.base(t, ip, ua);
            r.method = Some(Cow::Borrowed(method));
            r.path = Some(path);
            r.query = query;
            r.bytes_in = Some(if method == "POST" {
                420 + sim.rng.below(200)
            } else {
                160 + sim.rng.below(200)
            });
            let target = sim.rng.below(4) as usize;
            sim.served(&mut r, target, lat_ms, status);
            r.bytes_out = Some(match status {
                200 => 3_000 + sim.rng.below(3_000),
                _ => 200 + sim.rng.below(150),
            });
            sim.scratch.push(SimRequest {
                req: r,
                label: Some(inc.kind),
                attacker: true,
            });
        };
        let at = |sim: &mut Simulator| t0 + sim.rng.below(MICROS_PER_SEC as u64) as i64;
        match inc.kind {
            IncidentKind::Flood => {
                let rate = (base * 0.5).max(8.0) * k.of([0.5, 1.0, 3.0]);
                for _ in 0..self.rng.poisson(rate) {
                    let t = at(self);
                    let lat = self.rng.lognormal(30.0, 0.5);
                    emit(
                        self,
                        t,
                        ip0,
                        catalog::FLOOD_UA,
                        "GET",
                        "/".into(),
                        None,
                        200,
                        lat,
                    );
                }
            }
            IncidentKind::Scraper => {
                for _ in 0..self.rng.poisson(k.of([1.0, 3.0, 8.0])) {
                    let t = at(self);
                    self.scraper_id[i] += 1;
                    let id = self.scraper_id[i];
                    let status = if self.rng.chance(0.06) { 404 } else { 200 };
                    let lat = self.rng.lognormal(28.0, 0.6);
                    emit(
                        self,
                        t,
                        ip0,
                        catalog::SCRAPER_UA,
                        "GET",
                        format!("/api/products/{id}").into(),
                        None,
                        status,
                        lat,
                    );
                }
            }
            IncidentKind::BruteForce => {
                for _ in 0..self.rng.poisson(k.of([0.5, 2.0, 6.0])) {
                    let t = at(self);
                    let status = if self.rng.chance(0.002) { 302 } else { 401 };
                    let lat = self.rng.lognormal(140.0, 0.4);
                    emit(
                        self,
                        t,
                        ip0,
                        "python-requests/2.28.1",
                        "POST",
                        "/login".into(),
                        None,
                        status,
                        lat,
                    );
                }
            }
            IncidentKind::CredentialStuffing => {
                let off0 = (sec - inc.start_offset_secs) as i64 * MICROS_PER_SEC;
                while let Some(&(off, j)) = self.plans[i].get(self.plan_pos[i]) {
                    if off >= off0 + MICROS_PER_SEC {
                        break;
                    }
                    self.plan_pos[i] += 1;
                    let ip = self.attackers[i][j as usize];
                    let ua = catalog::STUFFING_UAS[j as usize % catalog::STUFFING_UAS.len()];
                    let status = if self.rng.chance(0.03) { 302 } else { 401 };
                    let lat = self.rng.lognormal(140.0, 0.4);
                    let t = t0 + (off - off0).clamp(0, MICROS_PER_SEC - 1);
                    emit(self, t, ip, ua, "POST", "/login".into(), None, status, lat);
                }
            }
            IncidentKind::Scanner => {
                let ua = catalog::SCANNER_UAS[i % catalog::SCANNER_UAS.len()];
                for _ in 0..self.rng.poisson(k.of([3.0, 10.0, 30.0])) {
                    let t = at(self);
                    let (path, status): (Cow<'static, str>, u16) = if self.rng.chance(0.7) {
                        let p = *self.rng.pick(catalog::PROBES);
                        (p.into(), if p.ends_with('/') { 403 } else { 404 })
                    } else {
                        (
                            format!(
                                "/{}.php",
                                ["admin", "backup", "test", "old", "db", "shell"]
                                    [self.rng.below(6) as usize]
                            )
                            .into(),
                            404,
                        )
                    };
                    let lat = self.rng.lognormal(4.0, 0.5);
                    emit(self, t, ip0, ua, "GET", path, None, status, lat);
                }
            }
            IncidentKind::SecurityPayloads => {
                for _ in 0..self.rng.poisson(k.of([0.3, 1.0, 3.0])) {
                    let t = at(self);
                    let ip = self.attackers[i][self.rng.below(2) as usize];
                    let &(path, query, ua) = self.rng.pick(catalog::PAYLOADS);
                    let status = *self.rng.pick(&[400, 403, 404, 200, 500]);
                    let lat = self.rng.lognormal(20.0, 0.6);
                    let ua = ua.unwrap_or("sqlmap/1.7.11#stable (https://sqlmap.org)");
                    let q = (!query.is_empty()).then_some(Cow::Borrowed(query));
                    emit(self, t, ip, ua, "GET", path.into(), q, status, lat);
                }
            }
            _ => {}
        }
    }
}

fn is_active(inc: &Incident, sec: u64) -> bool {
    sec >= inc.start_offset_secs && sec < inc.start_offset_secs + inc.duration_secs
}

fn scale_latency(r: &mut Request<'static>, f: f64) {
    if let Some(b) = r.backend_time_us {
        let nb = (b as f64 * f) as u64;
        r.backend_time_us = Some(nb);
        r.total_time_us = r.total_time_us.map(|t| t - b + nb);
    }
}

impl Iterator for Simulator {
    type Item = SimRequest;

    fn next(&mut self) -> Option<SimRequest> {
        loop {
            if let Some(r) = self.buf.pop_front() {
                return Some(r);
            }
            if !self.fill() {
                return None;
            }
        }
    }
}
