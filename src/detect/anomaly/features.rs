//! Window features and the per-feature baselines that score them.

use super::model::{Level, Ratio, Z_HALF, alpha, excess_z, excess_z_rare};
use super::season::Season;
use super::tail::{NT, TailCounts};
use crate::event::AnomalyType;
use crate::record::Micros;
use crate::window::WindowStats;

/// The features the scorer follows. `baseline` is available for the first five.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Feature {
    Rps,
    LatencyP50,
    LatencyP90,
    LatencyP99,
    Rate4xx,
    Rate5xx,
    Rate5xxLb,
    Rate5xxBackend,
    NewClientShare,
    BytesPerRequest,
    TopClientShare,
    TargetRate5xx,
    TargetP99,
    /// Share of requests beyond the baseline's p50 / p90 / p99 (a count test).
    LatencyTail(u8),
    /// Share of requests far slower than usual for their own path (a count test).
    SlowForPath,
}

impl Feature {
    pub fn name(self) -> &'static str {
        match self {
            Feature::Rps => "req_per_sec",
            Feature::LatencyP50 => "latency_p50_ms",
            Feature::LatencyP90 => "latency_p90_ms",
            Feature::LatencyP99 => "latency_p99_ms",
            Feature::Rate4xx => "rate_4xx",
            Feature::Rate5xx => "rate_5xx",
            Feature::Rate5xxLb => "rate_5xx_lb",
            Feature::Rate5xxBackend => "rate_5xx_backend",
            Feature::NewClientShare => "new_client_share",
            Feature::BytesPerRequest => "bytes_per_request",
            Feature::TopClientShare => "top_client_share",
            Feature::TargetRate5xx => "target_rate_5xx",
            Feature::TargetP99 => "target_latency_p99_ms",
            Feature::LatencyTail(0) => "share_slower_than_baseline_p50",
            Feature::LatencyTail(1) => "share_slower_than_baseline_p90",
            Feature::LatencyTail(_) => "share_slower_than_baseline_p99",
            Feature::SlowForPath => "share_slow_for_path",
        }
    }
}

/// One target's numbers in an observation.
#[derive(Debug, Clone)]
pub struct TargetObs {
    pub name: String,
    pub n: f64,
    pub err: f64,
    pub p99: Option<f64>,
}

/// The numbers of one window (or of several summed), as the scorer reads them.
#[derive(Debug, Clone, Default)]
pub struct Obs {
    /// End of the (last) window, log time.
    pub end: Micros,
    pub secs: f64,
    pub n: f64,
    pub c4xx: f64,
    pub c404: f64,
    pub c5xx: f64,
    pub c5xx_lb: f64,
    pub c5xx_be: f64,
    pub codes5xx: [f64; 5],
    pub p50: Option<f64>,
    pub p90: Option<f64>,
    pub p99: Option<f64>,
    pub new_clients: f64,
    pub bytes_out: f64,
    pub top: Option<(String, f64)>,
    pub targets: Vec<TargetObs>,
    /// Requests beyond the baseline's latency quantiles (filled in by the scorer).
    pub tail: TailCounts,
    /// Requests judged against their path's usual latency, and those far slower.
    pub judged: f64,
    pub slow_for_path: f64,
}

impl Obs {
    pub fn from_window(w: &WindowStats) -> Obs {
        let e = &w.event;
        let secs = ((e.end.0 - e.start.0) as f64 / 1e6).max(1e-3);
        Obs {
            end: e.end.0,
            secs,
            n: e.requests as f64,
            c4xx: e.status_4xx as f64,
            c404: w.status_404 as f64,
            c5xx: e.status_5xx as f64,
            c5xx_lb: e.status_5xx_lb as f64,
            c5xx_be: e.status_5xx_backend as f64,
            codes5xx: w.status_5xx_by_code.map(|c| c as f64),
            p50: e.latency_p50_ms.filter(|v| v.is_finite() && *v >= 0.0),
            p90: e.latency_p90_ms.filter(|v| v.is_finite() && *v >= 0.0),
            p99: e.latency_p99_ms.filter(|v| v.is_finite() && *v >= 0.0),
            new_clients: w.new_clients as f64,
            bytes_out: e.bytes_out as f64,
            top: w.top_client.as_ref().map(|(c, k)| (c.clone(), *k as f64)),
            targets: w
                .targets
                .iter()
                .map(|t| TargetObs {
                    name: t.target.clone(),
                    n: t.requests as f64,
                    err: t.errors_5xx as f64,
                    p99: t.latency_p99_ms.filter(|v| v.is_finite() && *v >= 0.0),
                })
                .collect(),
            tail: TailCounts::default(),
            judged: w.latency_judged as f64,
            slow_for_path: w.slow_for_path as f64,
        }
    }

    /// Middle of the observed span, for the hour-of-day profile.
    pub fn mid(&self) -> Micros {
        self.end - (self.secs * 5e5) as Micros
    }

    /// Sum several windows: counts add; percentiles are the median of the windows' (exact
    /// percentiles cannot be merged; the median ignores one window's stray timeout).
    pub fn merge<'a>(obs: impl Iterator<Item = &'a Obs>) -> Obs {
        let mut m = Obs::default();
        let (mut l50, mut l90, mut l99) = (Vec::new(), Vec::new(), Vec::new());
        let mut tp99: Vec<Vec<f64>> = Vec::new();
        for o in obs {
            m.end = m.end.max(o.end);
            m.tail.n += o.tail.n;
            for i in 0..NT {
                m.tail.k[i] += o.tail.k[i];
                m.tail.mu[i] += o.tail.mu[i];
                m.tail.at_ms[i] = o.tail.at_ms[i];
            }
            m.secs += o.secs;
            m.n += o.n;
            m.c4xx += o.c4xx;
            m.c404 += o.c404;
            m.c5xx += o.c5xx;
            m.c5xx_lb += o.c5xx_lb;
            m.c5xx_be += o.c5xx_be;
            for i in 0..5 {
                m.codes5xx[i] += o.codes5xx[i];
            }
            m.new_clients += o.new_clients;
            m.bytes_out += o.bytes_out;
            m.judged += o.judged;
            m.slow_for_path += o.slow_for_path;
            l50.extend(o.p50);
            l90.extend(o.p90);
            l99.extend(o.p99);
            for t in &o.targets {
                let i = match m.targets.iter().position(|x| x.name == t.name) {
                    Some(i) => i,
                    None => {
                        m.targets.push(TargetObs {
                            name: t.name.clone(),
                            n: 0.0,
                            err: 0.0,
                            p99: None,
                        });
                        tp99.push(Vec::new());
                        m.targets.len() - 1
                    }
                };
                m.targets[i].n += t.n;
                m.targets[i].err += t.err;
                tp99[i].extend(t.p99);
            }
        }
        for (t, v) in m.targets.iter_mut().zip(&mut tp99) {
            t.p99 = median(v);
        }
        m.p50 = median(&mut l50);
        m.p90 = median(&mut l90);
        m.p99 = median(&mut l99);
        m
    }
}

/// One feature's deviation in one window.
#[derive(Debug, Clone)]
pub struct Contribution {
    pub feature: Feature,
    pub kind: AnomalyType,
    pub z: f64,
    pub value: f64,
    pub baseline: f64,
    pub target: Option<String>,
}

#[derive(Debug, Clone, Default)]
struct TargetModel {
    name: String,
    err: Ratio,
    p99: Level,
}

/// Baselines for every feature at one time horizon.
#[derive(Debug, Clone, Default)]
pub struct Detector {
    step: f64,
    pub rate: Level,
    pub p50: Level,
    pub p90: Level,
    pub p99: Level,
    pub bpr: Level,
    pub r4xx: Ratio,
    pub r5xx: Ratio,
    pub r5xx_lb: Ratio,
    pub r5xx_be: Ratio,
    pub new: Ratio,
    pub top: Ratio,
    pub slow_for_path: Ratio,
    targets: Vec<TargetModel>,
    /// Hour-of-day profile of the rate, used for it once ready (`seasonal`).
    pub season: Season,
    pub seasonal: bool,
}

/// At most this many targets get their own baseline (bounded memory on autoscaling fleets).
const MAX_TARGETS: usize = 64;
/// Proportions are floored so a clean baseline (0 errors so far) still has a scale.
const P_FLOOR: f64 = 0.0005;
/// Latency deviations count up to 4× (ln 4): beyond that it is no more anomalous, and one
/// stray timeout cannot outweigh the floors.
const LAT_CAP: f64 = 1.4;

impl Detector {
    /// `step_secs`: how often `update` is called (the window width, also for the sliding
    /// sums, which overlap: a 5-minute view learns every 10 s, not every 5 minutes).
    pub fn new(step_secs: f64, seasonal: bool) -> Detector {
        Detector {
            step: step_secs,
            seasonal,
            ..Default::default()
        }
    }

    fn p(r: &Ratio, floor: f64) -> f64 {
        r.get().unwrap_or(floor).max(floor)
    }

    /// Deviations of `o` from the baselines, one per feature that has one.
    pub fn score(&self, o: &Obs, out: &mut Vec<Contribution>) {
        let mut push = |feature, kind, z: f64, value, baseline, target: Option<String>| {
            if z.is_finite() {
                out.push(Contribution {
                    feature,
                    kind,
                    z: z.max(0.0),
                    value,
                    baseline,
                    target,
                });
            }
        };
        let n = o.n;
        // Request rate, two-sided on the log scale with a Poisson floor.
        let rate_z = |(pred, scale): (f64, f64)| {
            let x = ((n + 0.5) / o.secs).ln();
            let r = x - pred;
            let expected = pred.exp() * o.secs;
            // Poisson (square-root scale, right for thin windows), learned noise (AR-like
            // swings of busy sites) and a 25% practical floor: all three must agree.
            let stat = 2.0 * (n.sqrt() - expected.sqrt()).abs();
            let emp = r.abs() / scale.max(0.03);
            (stat.min(emp).min(r.abs() / 0.05), r, pred)
        };
        let holt = self.rate.predict().map(|p| rate_z((p, self.rate.scale())));
        let season = self
            .seasonal
            .then(|| self.season.predict(o.mid()))
            .flatten()
            .map(|p| rate_z((p, self.season.scale())));
        // With a time-of-day profile, traffic must be unusual against both the recent level
        // and the usual level for this time of day: the 8 am ramp is usual, a surge at 3 am
        // is neither.
        let rate = match (holt, season) {
            (Some(h), Some(s)) if h.0 < s.0 && h.1 * s.1 > 0.0 => Some(h),
            (_, Some(s)) => Some((
                if s.1 * holt.map_or(s.1, |h| h.1) > 0.0 {
                    s.0
                } else {
                    0.0
                },
                s.1,
                s.2,
            )),
            (h, None) => h,
        };
        if let Some((z, r, pred)) = rate {
            let kind = if r > 0.0 {
                AnomalyType::TrafficSpike
            } else {
                AnomalyType::TrafficDrop
            };
            push(Feature::Rps, kind, z, n / o.secs, pred.exp(), None);
        }
        if n < 1.0 {
            return;
        }
        let lat = |lvl: &Level, v: Option<f64>, floor: f64, prac: f64, tail: f64| {
            let v = v?;
            let r = lvl.residual(v.max(0.01).ln())?.min(LAT_CAP);
            let s = lvl.scale().max(floor + 1.5 / n.sqrt());
            let z = (r / s).min(r / prac * Z_HALF).max(0.0) * tail_support(n, tail);
            Some((z, lvl.predict()?.exp()))
        };
        if let Some((z, b)) = lat(&self.p99, o.p99, 0.05, 0.25, 0.01) {
            push(
                Feature::LatencyP99,
                AnomalyType::Latency,
                z,
                o.p99.unwrap_or(0.0),
                b,
                None,
            );
        }
        // p90 rests on ten times more requests than p99: it sees a slow tail in thin windows.
        if let Some((z, b)) = lat(&self.p90, o.p90, 0.04, 0.25, 0.1) {
            push(
                Feature::LatencyP90,
                AnomalyType::Latency,
                z,
                o.p90.unwrap_or(0.0),
                b,
                None,
            );
        }
        if let Some((z, b)) = lat(&self.p50, o.p50, 0.03, 0.2, 0.5) {
            push(
                Feature::LatencyP50,
                AnomalyType::Latency,
                z,
                o.p50.unwrap_or(0.0),
                b,
                None,
            );
        }
        // Tail counts: Poisson against the baseline share, and at least 1.5× that share
        // plus half a percent, so a busy site does not alarm on a statistically sure trifle.
        let t = &o.tail;
        for i in 0..NT {
            if t.mu[i] > 0.0 && t.n >= 1.0 {
                let p0 = t.mu[i] / t.n;
                push(
                    Feature::LatencyTail(i as u8),
                    AnomalyType::Latency,
                    excess_z(t.k[i], t.n, p0, 0.5, 0.005),
                    t.k[i] / t.n,
                    p0,
                    None,
                );
            }
        }
        // Requests far slower than usual for their path: the slowdown of a few endpoints,
        // or of a few requests on every endpoint, that the site-wide mixture hides.
        if self.slow_for_path.weight() > 0.0 && o.judged >= 1.0 {
            let p0 = Self::p(&self.slow_for_path, P_FLOOR);
            let k = o.slow_for_path;
            push(
                Feature::SlowForPath,
                AnomalyType::Latency,
                excess_z_rare(k, o.judged, p0, 1.0, 0.005),
                k / o.judged,
                p0,
                None,
            );
        }
        let ratios: [(Feature, AnomalyType, &Ratio, f64, f64, f64); 6] = [
            (
                Feature::Rate4xx,
                AnomalyType::ClientErrors,
                &self.r4xx,
                o.c4xx,
                0.5,
                0.01,
            ),
            (
                Feature::Rate5xx,
                AnomalyType::ErrorSpike,
                &self.r5xx,
                o.c5xx,
                1.0,
                0.005,
            ),
            (
                Feature::Rate5xxLb,
                AnomalyType::ErrorSpike,
                &self.r5xx_lb,
                o.c5xx_lb,
                1.0,
                0.005,
            ),
            (
                Feature::Rate5xxBackend,
                AnomalyType::ErrorSpike,
                &self.r5xx_be,
                o.c5xx_be,
                1.0,
                0.005,
            ),
            (
                Feature::NewClientShare,
                AnomalyType::NewClients,
                &self.new,
                o.new_clients,
                1.0,
                0.1,
            ),
            (
                Feature::TopClientShare,
                AnomalyType::Concentration,
                &self.top,
                o.top.as_ref().map_or(0.0, |t| t.1),
                1.0,
                0.1,
            ),
        ];
        for (f, kind, ratio, k, rel, abs) in ratios {
            if ratio.weight() <= 0.0 {
                continue;
            }
            let p0 = Self::p(ratio, P_FLOOR);
            push(f, kind, excess_z(k, n, p0, rel, abs), k / n, p0, None);
        }
        if let Some(pred) = self.bpr.predict() {
            let r = (o.bytes_out / n).max(1.0).ln() - pred;
            let s = self.bpr.scale().max(0.1 + 2.0 / n.sqrt());
            let z = (r / s).min(r / 0.7 * Z_HALF);
            push(
                Feature::BytesPerRequest,
                AnomalyType::Bandwidth,
                z,
                o.bytes_out / n,
                pred.exp(),
                None,
            );
        }
        self.score_targets(o, out);
    }

    /// The rate's expected log value and noise scale at `t`: the hour-of-day profile once
    /// it has seen enough days, the Holt level before.
    pub fn rate_baseline(&self, t: Micros) -> Option<(f64, f64)> {
        if self.seasonal {
            if let Some(p) = self.season.predict(t) {
                return Some((p, self.season.scale()));
            }
        }
        self.rate.predict().map(|p| (p, self.rate.scale()))
    }

    /// Per-target 5xx and p99, each against its own baseline; a target only counts as far
    /// as it stands out from the other targets of the same window (one failing target of
    /// four, not a fleet-wide problem).
    fn score_targets(&self, o: &Obs, out: &mut Vec<Contribution>) {
        if o.targets.len() < 2 {
            return;
        }
        let pooled = Self::p(&self.r5xx_be, P_FLOOR);
        let mut errs = Vec::with_capacity(o.targets.len());
        let mut lats = Vec::with_capacity(o.targets.len());
        for t in &o.targets {
            let m = self.targets.iter().find(|m| m.name == t.name);
            let p0 = m.map_or(pooled, |m| Self::p(&m.err, P_FLOOR));
            errs.push((excess_z(t.err, t.n, p0, 1.0, 0.01), p0));
            let lz = match (m, t.p99) {
                (Some(m), Some(v)) if m.p99.n >= 3 && t.n >= 1.0 => {
                    let r = m.p99.residual(v.max(0.01).ln()).unwrap_or(0.0).min(LAT_CAP);
                    let s = m.p99.scale().max(0.05 + 1.5 / t.n.sqrt());
                    let b = m.p99.predict().unwrap_or(0.0).exp();
                    let z = (r / s).min(r / 0.25 * Z_HALF).max(0.0) * tail_support(t.n, 0.01);
                    (z, b)
                }
                _ => (0.0, 0.0),
            };
            lats.push(lz);
        }
        for (i, t) in o.targets.iter().enumerate() {
            let other = |v: &[(f64, f64)]| {
                v.iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .map(|(_, x)| x.0)
                    .fold(0.0f64, f64::max)
            };
            let ez = errs[i].0 - other(&errs);
            if ez > 0.0 {
                out.push(Contribution {
                    feature: Feature::TargetRate5xx,
                    kind: AnomalyType::TargetFailure,
                    z: ez,
                    value: t.err / t.n.max(1.0),
                    baseline: errs[i].1,
                    target: Some(t.name.clone()),
                });
            }
            let lz = lats[i].0 - other(&lats);
            if lz > 0.0 {
                out.push(Contribution {
                    feature: Feature::TargetP99,
                    kind: AnomalyType::TargetFailure,
                    z: lz,
                    value: t.p99.unwrap_or(0.0),
                    baseline: lats[i].1,
                    target: Some(t.name.clone()),
                });
            }
        }
    }

    /// Learn `o`. While the window is anomalous, learning slows fifty-fold: an incident is
    /// not learned as normal, yet a lasting change of level is accepted after hours.
    pub fn update(&mut self, o: &Obs, warm: bool, anomalous: bool) {
        let k = if anomalous { 0.02 } else { 1.0 };
        let step = self.step;
        let lvl_a = k * alpha(step, if warm { 120.0 } else { 1_200.0 });
        let trend_b = k * alpha(step, 3_600.0);
        let scale_c = k * alpha(step, 7_200.0);
        let ratio_a = alpha(step, 3_600.0);
        let n = o.n;
        let x = ((n + 0.5) / o.secs).ln();
        self.rate.update(x, lvl_a, trend_b, scale_c, warm);
        if anomalous {
            // Frozen, the level would keep extrapolating its trend: a long incident on the
            // evening's down-slope would drag the baseline down and look ever larger.
            self.rate.damp(1.0 - alpha(step, 600.0));
        }
        if self.seasonal {
            self.season.update(o.mid(), x, step, k);
        }
        if n < 1.0 {
            return;
        }
        // Latency noise depends on the window's size: weight its update by how many
        // requests back it (tiny windows barely move the baseline).
        let wn = (n / 50.0).min(1.0);
        if let Some(v) = o.p99 {
            self.p99
                .update(v.max(0.01).ln(), lvl_a * wn, 0.0, scale_c * wn, warm);
        }
        if let Some(v) = o.p50 {
            self.p50
                .update(v.max(0.01).ln(), lvl_a * wn, 0.0, scale_c * wn, warm);
        }
        self.bpr.update(
            (o.bytes_out / n).max(1.0).ln(),
            lvl_a * wn,
            0.0,
            scale_c * wn,
            warm,
        );
        self.r4xx.update(o.c4xx, n, ratio_a, k);
        self.r5xx.update(o.c5xx, n, ratio_a, k);
        self.r5xx_lb.update(o.c5xx_lb, n, ratio_a, k);
        self.r5xx_be.update(o.c5xx_be, n, ratio_a, k);
        self.new.update(o.new_clients, n, ratio_a, k);
        if o.judged > 0.0 {
            self.slow_for_path
                .update(o.slow_for_path, o.judged, ratio_a, k);
        }
        self.top
            .update(o.top.as_ref().map_or(0.0, |t| t.1), n, ratio_a, k);
        for t in &o.targets {
            let i = match self.targets.iter().position(|m| m.name == t.name) {
                Some(i) => i,
                None if self.targets.len() < MAX_TARGETS => {
                    self.targets.push(TargetModel {
                        name: t.name.clone(),
                        ..Default::default()
                    });
                    self.targets.len() - 1
                }
                None => continue,
            };
            let m = &mut self.targets[i];
            m.err.update(t.err, t.n, ratio_a, k);
            if let Some(v) = t.p99 {
                let wt = (t.n / 50.0).min(1.0);
                m.p99
                    .update(v.max(0.01).ln(), lvl_a * wt, 0.0, scale_c * wt, warm);
            }
        }
    }
}

/// How far a percentile can be trusted: a p99 over 80 requests is the maximum, one slow
/// request (a single 60 s timeout) would set it. Full weight once three requests lie beyond
/// the percentile; the log-distance is also capped, so one outlier cannot score alone.
fn tail_support(n: f64, tail: f64) -> f64 {
    (n * tail / 3.0).clamp(0.0, 1.0)
}

fn median(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    Some(if v.len() % 2 == 0 {
        (v[m - 1] + v[m]) / 2.0
    } else {
        v[m]
    })
}
