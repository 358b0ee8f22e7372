//! Window anomaly scorer: one pass over closed windows, bounded work per window, no offline
//! training and no look-ahead.
//!
//! Every feature has an online baseline (Holt level + trend on log scales for rate and
//! latency, so the daily cycle and slow drift are followed; EWMA proportions for error and
//! share features) and a robust scale with floors (Poisson-aware for counts and
//! proportions). Each feature's deviation becomes a z-score, the largest is squashed into a
//! score in [0, 1] with 0.5 at z = 5, so one threshold serves any log at any rate. Windows
//! shorter than a minute are also scored as a sliding one-minute sum, so thin windows
//! still see a subtle change. Learning slows fifty-fold while a window is anomalous.

mod csv;
mod features;
mod model;
mod summary;

pub use csv::{ScoreCsvError, ScoreCsvReport, score_csv};
pub use features::Feature;

use crate::event::{AnomalyEvent, AnomalyType, Driver, LogTime};
use crate::record::Micros;
use crate::window::WindowStats;
use features::{Contribution, Detector, Obs};
use std::collections::VecDeque;

#[derive(Debug, Clone, PartialEq)]
pub struct ScorerConfig {
    pub window_secs: u64,
    /// Windows learned before any score is given.
    pub warmup_windows: u64,
    /// Score at or above which a window is anomalous.
    pub threshold: f64,
    /// Anomalous windows separated by at most this many normal windows share an episode.
    pub gap_windows: u64,
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
    /// The sliding one-minute sum, when windows are shorter than a minute.
    slow: Option<(Detector, VecDeque<Obs>, usize)>,
    windows: u64,
    last_score: f64,
    episode: Option<Episode>,
    next_episode: u64,
    scratch: Vec<Contribution>,
}

impl WindowScorer {
    pub fn new(cfg: ScorerConfig) -> Self {
        let ws = cfg.window_secs.max(1);
        let k = (60 / ws) as usize;
        WindowScorer {
            fast: Detector::new(ws as f64),
            slow: (k >= 2).then(|| (Detector::new(60.0), VecDeque::with_capacity(k), k)),
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
        let obs = Obs::from_window(w);
        let index = self.windows;
        self.windows += 1;
        let warm = index < self.cfg.warmup_windows;
        let merged = self.slow.as_mut().map(|(_, ring, k)| {
            if ring.len() == *k {
                ring.pop_front();
            }
            ring.push_back(obs.clone());
            (ring.len() == *k).then(|| Obs::merge(ring.iter()))
        });
        let merged = merged.flatten();
        self.scratch.clear();
        let mut split = usize::MAX;
        if !warm {
            self.fast.score(&obs, &mut self.scratch);
            split = self.scratch.len();
            if let (Some((d, _, _)), Some(m)) = (&self.slow, &merged) {
                d.score(m, &mut self.scratch);
            }
        }
        let best = pick(&self.scratch);
        let score = best.map_or(0.0, |c| model::squash(c.z));
        self.last_score = score;
        let anomalous = score >= self.cfg.threshold;
        let event = if anomalous {
            best.cloned()
                .and_then(|b| self.event(w, index, score, b, &obs, merged.as_ref(), split))
        } else {
            None
        };
        // Hysteresis: inside an episode, a window that is still elevated (above
        // `HOLD` × threshold) keeps the episode open and is not learned, so a subtle
        // incident that flickers around the threshold stays one episode.
        let held = !anomalous
            && score >= HOLD * self.cfg.threshold
            && self.episode.as_mut().is_some_and(|e| {
                if index - e.last_index <= self.cfg.gap_windows + 1 {
                    e.last_index = index;
                    true
                } else {
                    false
                }
            });
        let frozen = anomalous || held;
        // Learn after describing, so the summary compares against the baseline as it was.
        self.fast.update(&obs, warm, frozen);
        if let (Some((d, _, _)), Some(m)) = (&mut self.slow, &merged) {
            d.update(m, warm, frozen);
        }
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
        merged: Option<&Obs>,
        split: usize,
    ) -> Option<AnomalyEvent> {
        let continues = self
            .episode
            .as_ref()
            .is_some_and(|e| index - e.last_index <= self.cfg.gap_windows + 1);
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
        // Describe the window by the episode's type when this window shows it too.
        let shown = self
            .scratch
            .iter()
            .filter(|c| c.kind == ep.kind && model::squash(c.z) >= self.cfg.threshold)
            .max_by(|a, b| a.z.total_cmp(&b.z))
            .unwrap_or(&best);
        let idx = self
            .scratch
            .iter()
            .position(|x| std::ptr::eq(x, shown))
            .unwrap_or(0);
        let (source, detector) = match (merged, &self.slow) {
            (Some(m), Some((d, _, _))) if idx >= split => (m, d),
            _ => (obs, &self.fast),
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

    pub fn last_score(&self) -> f64 {
        self.last_score
    }

    /// The learned baseline of a feature, in display units: req/s, ms, or percent for the
    /// 4xx and 5xx rates. `None` until learned, and for features without a single baseline.
    pub fn baseline(&self, feature: Feature) -> Option<f64> {
        let d = &self.fast;
        let pct = |r: &model::Ratio| r.get().map(|p| p * 100.0);
        match feature {
            Feature::Rps => d.rate.predict().map(f64::exp),
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
            Feature::TargetRate5xx | Feature::TargetP99 => None,
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
