//! Time-of-day baseline for a log-scale series (the request rate): 96 quarter-hour values,
//! linearly interpolated between slot centres (a one-hour ramp is followed exactly),
//! learned over days, plus an offset for how
//! today differs from the usual day. Used once two days have been seen; before that the
//! Holt level (which follows a smooth daily cycle but flags a sharp 8 am ramp, and slowly
//! learns a night-time surge as normal) scores alone.

use super::model::alpha;
use crate::record::{MICROS_PER_SEC, Micros};

const DAY: Micros = 86_400 * MICROS_PER_SEC;
const SLOTS: usize = 96;
const SLOT_SECS: f64 = 86_400.0 / SLOTS as f64;
/// Days of history before the profile is trusted.
pub const READY_DAYS: i64 = 2;

#[derive(Debug, Clone)]
pub struct Season {
    v: Vec<f64>,
    /// Interpolation weight each slot has received (0: never seen).
    w: Vec<f64>,
    first: Option<Micros>,
    /// How today differs from the profile (log units), EWMA over about an hour.
    off: f64,
    /// Mean absolute residual against `predict`, once there is a profile to predict from.
    mad: f64,
    nres: u64,
}

impl Default for Season {
    fn default() -> Self {
        Season {
            v: vec![0.0; SLOTS],
            w: vec![0.0; SLOTS],
            first: None,
            off: 0.0,
            mad: 0.0,
            nres: 0,
        }
    }
}

/// The two slots around `t` and the weight of the second.
fn slots(t: Micros) -> (usize, usize, f64) {
    let h = t.rem_euclid(DAY) as f64 / (SLOT_SECS * 1e6) - 0.5;
    let h = if h < 0.0 { h + SLOTS as f64 } else { h };
    let i0 = (h.floor() as usize) % SLOTS;
    (i0, (i0 + 1) % SLOTS, h - h.floor())
}

impl Season {
    fn profile(&self, t: Micros) -> Option<f64> {
        let (a, b, f) = slots(t);
        (self.w[a] > 0.0 && self.w[b] > 0.0).then(|| self.v[a] * (1.0 - f) + self.v[b] * f)
    }

    /// True once `READY_DAYS` days have been seen and the residual scale is learned.
    pub fn ready(&self, t: Micros) -> bool {
        self.first.is_some_and(|f| t - f >= READY_DAYS * DAY)
            && self.nres >= 30
            && self.profile(t).is_some()
    }

    pub fn predict(&self, t: Micros) -> Option<f64> {
        self.ready(t)
            .then(|| self.profile(t))
            .flatten()
            .map(|p| p + self.off)
    }

    pub fn scale(&self) -> f64 {
        self.mad * 1.25
    }

    /// Learn `x` at time `t` (a window of `step` seconds). `k` < 1 while anomalous: the
    /// profile still learns a little (a daily pattern flagged before the profile was ready
    /// must become normal), the offset and scale barely.
    pub fn update(&mut self, t: Micros, x: f64, step: f64, k: f64) {
        if !x.is_finite() {
            return;
        }
        self.first.get_or_insert(t);
        if let Some(p) = self.profile(t) {
            let pred = p + self.off;
            let r = x - pred;
            if self.first.is_some_and(|f| t - f >= DAY) {
                self.nres += 1;
                let c = if self.nres < 100 {
                    1.0 / self.nres as f64
                } else {
                    k * alpha(step, 7_200.0)
                };
                self.mad += c * (r.abs() - self.mad);
            }
            let lim = 4.0 * self.scale().max(0.05);
            let rc = if self.nres > 30 {
                r.clamp(-lim, lim)
            } else {
                r
            };
            self.off += k * alpha(step, 3_600.0) * (rc - self.off);
        }
        let (a, b, f) = slots(t);
        // A slot receives about this much interpolation weight per day.
        let slot = SLOT_SECS / step.max(1.0);
        let ks = k.max(0.3);
        for (i, wi) in [(a, 1.0 - f), (b, f)] {
            if wi <= 0.0 {
                continue;
            }
            let prev = self.w[i];
            self.w[i] += wi;
            // The first day of a slot is a plain mean; after that an EWMA keeping about
            // 40% of each new day (a memory of two to three days).
            let g = if prev < 0.5 * slot {
                wi / self.w[i]
            } else {
                ks * wi * alpha(step, 2.0 * SLOT_SECS)
            };
            // Learn the deseasonalised level of today, not today's offset twice.
            let target = x - if prev < 0.5 * slot { 0.0 } else { self.off };
            self.v[i] += g * (target - self.v[i]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_a_daily_shape_and_predicts_it() {
        let mut s = Season::default();
        let step = 60.0;
        let shape = |t: Micros| {
            let h = t.rem_euclid(DAY) / 3_600_000_000;
            if (8..20).contains(&h) { 4.0 } else { 2.0 }
        };
        let mut t = 0;
        while t < 3 * DAY {
            assert!(t >= 2 * DAY || s.predict(t).is_none());
            s.update(t, shape(t), step, 1.0);
            t += 60 * MICROS_PER_SEC;
        }
        // Mid-morning and the middle of the night of day 4.
        let noon = 3 * DAY + 12 * 3_600 * MICROS_PER_SEC;
        let night = 3 * DAY + 3 * 3_600 * MICROS_PER_SEC;
        assert!((s.predict(noon).unwrap() - 4.0).abs() < 0.05);
        assert!((s.predict(night).unwrap() - 2.0).abs() < 0.05);
    }
}
