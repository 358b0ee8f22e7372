//! Window anomaly scorer: one pass over closed windows, bounded work per window, no offline
//! training and no look-ahead.
//!
//! Every feature has an online baseline (Holt level + trend on log scales for rate and
//! latency; EWMA proportions for error and share features) and a robust scale with floors
//! (Poisson-aware for counts and proportions). Each feature's deviation becomes a z-score;
//! the largest is squashed into a score in [0, 1] with 0.5 at z = 5, so one threshold
//! serves any log at any rate.
//!
//! - Views: the window itself plus sliding sums of the last 1, 2.5 and 5 minutes (those
//!   longer than the window), each with its own baselines, all learning at the window
//!   cadence. Thin windows (5 req/s) need minutes of requests to tell 3% errors from
//!   noise. A long view counts up to twice (plus one) the next shorter view's evidence on
//!   the same feature, so alarms end about a minute after their cause.
//! - Latency is also scored as counts: requests beyond the baseline's p50/p90/p99, taken
//!   from a decayed histogram of all recent latencies (`tail.rs`), against their expected
//!   binomial share. A p99 of 50 requests is one request; a count is exact at any rate.
//! - The rate also has a time-of-day profile (`season.rs`) once two days are seen: traffic
//!   must then be unusual against both the recent level and the usual level for the time
//!   of day, so a daily 8 am ramp is not a surge.
//! - Learning slows fifty-fold while a window is anomalous (and the trend is damped), so an
//!   incident is not learned as normal; an open episode continues while its kind of trouble
//!   persists, a different kind on its own opens a new one.

mod csv;
mod features;
mod model;
mod season;
mod summary;
mod tail;

pub use csv::{ScoreCsvError, ScoreCsvReport, score_csv};
pub use features::Feature;

use crate::event::{AnomalyEvent, AnomalyType, Driver, LogTime};
use crate::record::Micros;
use crate::window::WindowStats;
use features::{Contribution, Detector, Obs};
use std::collections::VecDeque;
use tail::TailModel;

/// Longer views scored beside the window itself, as sliding sums of whole windows: a
/// subtle change at a low rate needs minutes of requests to be told from noise.
const SCALES_SECS: [u64; 3] = [60, 150, 300];
/// How much stronger a long view's evidence may be than the next shorter view's.
const LONG_GATE: f64 = 2.0;

#[derive(Debug, Clone, PartialEq)]
pub struct ScorerConfig {
    pub window_secs: u64,
    /// Windows learned before any score is given.
    pub warmup_windows: u64,
    /// Score at or above which a window is anomalous.
    pub threshold: f64,
    /// Anomalous windows separated by at most this many normal windows share an episode.
    pub gap_windows: u64,
    /// Follow an hour-of-day profile of the rate once two days have been seen.
    pub seasonal: bool,
}

impl ScorerConfig {
    /// Defaults for a window size: ~5 minutes of warm-up (at least 8 windows) and an
    /// episode gap of ~30 s (at least one window).
    pub fn new(window_secs: u64) -> ScorerConfig {
        let ws = window_secs.max(1);
        ScorerConfig {
            window_secs: ws,
            warmup_windows: 300_u64.div_ceil(ws).max(8),
            threshold: 0.5,
            gap_windows: 30_u64.div_ceil(ws).max(1),
            seasonal: true,
        }
    }
}

impl Default for ScorerConfig {
    fn default() -> Self {
        ScorerConfig::new(60)
    }
}

/// Fraction of the threshold that keeps an open episode open.
const HOLD: f64 = 0.6;

#[derive(Debug, Clone)]
struct Episode {
    id: u64,
    start: Micros,
    last_index: u64,
    best: f64,
    kind: AnomalyType,
}

pub struct WindowScorer {
    cfg: ScorerConfig,
    fast: Detector,
    /// Sliding sums of the last `k` windows, one detector each (k ≥ 2).
    scales: Vec<(Detector, usize)>,
    ring: VecDeque<Obs>,
    tail: TailModel,
    /// Middle of the last window scored.
    last_t: Micros,
    /// The last window's strongest evidence: feature, view (0 = the window, then each
    /// scale) and z, for the eval's diagnostics.
    last_best: Option<(Feature, usize, f64)>,
    windows: u64,
    last_score: f64,
    episode: Option<Episode>,
    next_episode: u64,
    scratch: Vec<Contribution>,
}

impl WindowScorer {
    pub fn new(cfg: ScorerConfig) -> Self {
        let ws = cfg.window_secs.max(1);
        let scales: Vec<(Detector, usize)> = SCALES_SECS
            .iter()
            .map(|s| (s / ws) as usize)
            .filter(|&k| k >= 2)
            .map(|k| (Detector::new(ws as f64, cfg.seasonal), k))
            .collect();
        let cap = scales.iter().map(|s| s.1).max().unwrap_or(0);
        WindowScorer {
            fast: Detector::new(ws as f64, cfg.seasonal),
            scales,
            ring: VecDeque::with_capacity(cap),
            tail: TailModel::default(),
            last_t: 0,
            last_best: None,
            cfg,
            windows: 0,
            last_score: 0.0,
            episode: None,
            next_episode: 1,
            scratch: Vec::new(),
        }
    }

    pub fn config(&self) -> &ScorerConfig {
        &self.cfg
    }

    /// Score a closed window; returns the anomaly event when at or above the threshold.
    pub fn observe(&mut self, w: &WindowStats) -> Option<AnomalyEvent> {
        let mut obs = Obs::from_window(w);
        obs.tail = self.tail.counts(&w.latency);
        self.last_t = obs.mid();
        let index = self.windows;
        self.windows += 1;
        let warm = index < self.cfg.warmup_windows;
        let cap = self.scales.iter().map(|s| s.1).max().unwrap_or(0);
        if cap > 0 {
            if self.ring.len() == cap {
                self.ring.pop_front();
            }
            self.ring.push_back(obs.clone());
        }
        let ring = &self.ring;
        let merged: Vec<Option<Obs>> = self
            .scales
            .iter()
            // Partial sums while the ring fills: the longer views warm up with the window.
            .map(|(_, k)| Some(Obs::merge(ring.iter().skip(ring.len().saturating_sub(*k)))))
            .collect();
        self.scratch.clear();
        // Where each view's contributions end in `scratch`: the window, then each scale.
        let mut ends = Vec::with_capacity(1 + merged.len());
        if !warm {
            self.fast.score(&obs, &mut self.scratch);
            ends.push(self.scratch.len());
            for ((d, _), m) in self.scales.iter().zip(&merged) {
                if let Some(m) = m {
                    d.score(m, &mut self.scratch);
                }
                ends.push(self.scratch.len());
            }
        }
        self.gate_long_views(&ends);
        let best = pick(&self.scratch);
        self.last_best = best.map(|b| {
            let i = self
                .scratch
                .iter()
                .position(|x| std::ptr::eq(x, b))
                .unwrap_or(0);
            (
                b.feature,
                ends.iter().position(|&e| i < e).unwrap_or(0),
                b.z,
            )
        });
        let score = best.map_or(0.0, |c| model::squash(c.z));
        self.last_score = score;
        let anomalous = score >= self.cfg.threshold;
        let event = if anomalous {
            best.cloned()
                .and_then(|b| self.event(w, index, score, b, &obs, &merged, &ends))
        } else {
            None
        };
        // Hysteresis: inside an episode, a window that is still elevated (above
        // `HOLD` × threshold) keeps the episode open and is not learned, so a subtle
        // incident that flickers around the threshold stays one episode.
        // Only the episode's own kind of trouble holds it: a traffic dip after an error
        // spike must be learned, or the frozen rate baseline drifts into a false alarm.
        let hold = HOLD * self.cfg.threshold;
        let scratch = &self.scratch;
        let held = !anomalous
            && score >= hold
            && self.episode.as_mut().is_some_and(|e| {
                let same = scratch
                    .iter()
                    .any(|c| c.kind == e.kind && model::squash(c.z) >= hold);
                if same && index - e.last_index <= self.cfg.gap_windows + 1 {
                    e.last_index = index;
                    true
                } else {
                    false
                }
            });
        let frozen = anomalous || held;
        // Learn after describing, so the summary compares against the baseline as it was.
        self.fast.update(&obs, warm, frozen);
        for ((d, _), m) in self.scales.iter_mut().zip(&merged) {
            if let Some(m) = m {
                d.update(m, warm, frozen);
            }
        }
        let step = self.cfg.window_secs as f64;
        let a = model::alpha(step, if warm { 600.0 } else { 7_200.0 });
        self.tail
            .update(&w.latency, a, if frozen { 0.02 } else { 1.0 });
        event
    }

    #[allow(clippy::too_many_arguments)]
    fn event(
        &mut self,
        w: &WindowStats,
        index: u64,
        score: f64,
        best: Contribution,
        obs: &Obs,
        merged: &[Option<Obs>],
        ends: &[usize],
    ) -> Option<AnomalyEvent> {
        // A window continues the open episode when it is close enough and still shows the
        // episode's kind of trouble; a different kind on its own is a new episode (an error
        // spike right after a 4xx burst is news, not an update).
        let hold = HOLD * self.cfg.threshold;
        let continues = self.episode.as_ref().is_some_and(|e| {
            index - e.last_index <= self.cfg.gap_windows + 1
                && (best.kind == e.kind
                    || self
                        .scratch
                        .iter()
                        .any(|c| c.kind == e.kind && model::squash(c.z) >= hold))
        });
        if !continues {
            self.episode = Some(Episode {
                id: self.next_episode,
                start: w.start(),
                last_index: index,
                best: 0.0,
                kind: best.kind,
            });
            self.next_episode += 1;
        }
        let ep = self.episode.as_mut()?;
        ep.last_index = index;
        if score > ep.best {
            ep.best = score;
            ep.kind = best.kind;
        }
        // Describe the window by the episode's type when this window shows it too, in the
        // shortest view that shows it (this minute's 83% says more than five minutes' 34%).
        let view_of = |i: usize| ends.iter().position(|&e| i < e).unwrap_or(0);
        let idx = self
            .scratch
            .iter()
            .enumerate()
            .filter(|(_, c)| c.kind == ep.kind && model::squash(c.z) >= self.cfg.threshold)
            .min_by(|(i, a), (j, b)| view_of(*i).cmp(&view_of(*j)).then(b.z.total_cmp(&a.z)))
            .map(|(i, _)| i);
        let shown = idx.map_or(&best, |i| &self.scratch[i]);
        let idx = idx.unwrap_or(0);
        // The view whose contribution is shown: 0 is the window itself.
        let view = ends.iter().position(|&e| idx < e).unwrap_or(0);
        let (source, detector) = match view.checked_sub(1) {
            Some(s) => match (merged.get(s), self.scales.get(s)) {
                (Some(Some(m)), Some((d, _))) => (m, d),
                _ => (obs, &self.fast),
            },
            None => (obs, &self.fast),
        };
        let summary = summary::describe(shown, source, detector, ep.kind);
        let mut drivers: Vec<&Contribution> = self.scratch.iter().filter(|c| c.z > 2.0).collect();
        drivers.sort_by(|a, b| b.z.total_cmp(&a.z));
        // The 10-s and one-minute views can both name a feature: keep its strongest.
        let mut kept: Vec<(Feature, Option<String>)> = Vec::new();
        drivers.retain(|c| {
            let key = (c.feature, c.target.clone());
            let new = !kept.contains(&key);
            if new {
                kept.push(key);
            }
            new
        });
        Some(AnomalyEvent {
            start: LogTime(w.start()),
            end: w.event.end,
            kind: ep.kind,
            score,
            summary,
            episode: ep.id,
            episode_start: LogTime(ep.start),
            drivers: drivers
                .iter()
                .take(4)
                .map(|c| Driver {
                    feature: match &c.target {
                        Some(t) => format!("{}[{t}]", c.feature.name()),
                        None => c.feature.name().to_string(),
                    },
                    value: c.value,
                    baseline: c.baseline,
                })
                .collect(),
        })
    }

    /// A long view still remembers an incident minutes after it ended. Its evidence counts
    /// up to `LONG_GATE` times (plus one) that of the one-minute view (the shortest of at
    /// least a minute) on the same feature, so an alarm ends about a minute after its cause,
    /// and a stray error in the last minute cannot revive the memory of the last incident.
    fn gate_long_views(&mut self, ends: &[usize]) {
        let ws = self.cfg.window_secs;
        // Span of each view: the window, then each scale.
        let span = |v: usize| {
            if v == 0 {
                ws
            } else {
                self.scales[v - 1].1 as u64 * ws
            }
        };
        let Some(g) = (0..ends.len()).find(|&v| span(v) >= 60) else {
            return;
        };
        let gate = if g == 0 { 0 } else { ends[g - 1] }..ends[g];
        for v in g + 1..ends.len() {
            for i in ends[v - 1]..ends[v] {
                let c = &self.scratch[i];
                let short = self.scratch[gate.clone()]
                    .iter()
                    .find(|p| p.feature == c.feature && p.kind == c.kind && p.target == c.target)
                    .map_or(0.0, |p| p.z);
                let z = &mut self.scratch[i].z;
                *z = z.min(LONG_GATE * short + 1.0);
            }
        }
    }

    /// The last window's strongest evidence: feature, view (0 = the window itself, then
    /// each longer scale in order) and its z-score.
    pub fn last_best(&self) -> Option<(Feature, usize, f64)> {
        self.last_best
    }

    pub fn last_score(&self) -> f64 {
        self.last_score
    }

    /// The learned baseline of a feature, in display units: req/s, ms, or percent for the
    /// 4xx and 5xx rates. `None` until learned, and for features without a single baseline.
    pub fn baseline(&self, feature: Feature) -> Option<f64> {
        let d = &self.fast;
        let pct = |r: &model::Ratio| r.get().map(|p| p * 100.0);
        match feature {
            Feature::Rps => d.rate_baseline(self.last_t).map(|(p, _)| p.exp()),
            Feature::LatencyP50 => d.p50.predict().map(f64::exp),
            Feature::LatencyP90 => d.p90.predict().map(f64::exp),
            Feature::LatencyP99 => d.p99.predict().map(f64::exp),
            Feature::Rate4xx => pct(&d.r4xx),
            Feature::Rate5xx => pct(&d.r5xx),
            Feature::Rate5xxLb => pct(&d.r5xx_lb),
            Feature::Rate5xxBackend => pct(&d.r5xx_be),
            Feature::NewClientShare => pct(&d.new),
            Feature::TopClientShare => pct(&d.top),
            Feature::BytesPerRequest => d.bpr.predict().map(f64::exp),
            Feature::TargetRate5xx
            | Feature::TargetP99
            | Feature::LatencyTail(_)
            | Feature::SlowForPath => None,
        }
    }
}

/// The dominant contribution. A target that stands out from its peers is the most specific
/// explanation, so it wins over the totals it drags up once it is itself alarming.
fn pick(cs: &[Contribution]) -> Option<&Contribution> {
    let top = cs.iter().max_by(|a, b| a.z.total_cmp(&b.z))?;
    let target = cs
        .iter()
        .filter(|c| c.kind == AnomalyType::TargetFailure)
        .max_by(|a, b| a.z.total_cmp(&b.z));
    match target {
        Some(t) if t.z >= model::Z_HALF && t.z >= 0.4 * top.z => Some(t),
        _ => Some(top),
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_csv;
#[cfg(test)]
mod tests_scales;
