//! Latency as counts: how many requests of a window lie beyond the baseline's p50 / p90 /
//! p99. Under the baseline the count beyond the q-quantile is binomial(n, 1 − q) whatever
//! the rate, so a Poisson test on it is honest at 2 req/s, where a window's p99 is just
//! its slowest request. Counts also add across windows, so longer scales come for free.

use crate::window::LatencySketch;

/// Baseline quantiles whose exceedances are counted.
pub const TAIL_QS: [f64; 3] = [0.5, 0.9, 0.99];
pub const NT: usize = TAIL_QS.len();

/// A decayed histogram of every request's latency over the recent hours, on the sketch's
/// own logarithmic buckets (1% wide), so thresholds are exact bucket boundaries.
#[derive(Debug, Clone, Default)]
pub struct TailModel {
    counts: Vec<f64>,
    offset: i32,
    /// Values of 0 µs (below every bucket).
    zeros: f64,
    total: f64,
}

/// Largest span of bucket indices kept (the sketch caps values at 2^40 µs, ~1450 buckets).
const MAX_SPAN: usize = 2_048;

/// A window's tail counts against the baseline as it was before the window.
#[derive(Debug, Clone, Copy, Default)]
pub struct TailCounts {
    /// Requests with a latency.
    pub n: f64,
    /// Requests beyond each threshold.
    pub k: [f64; NT],
    /// Expected number beyond each threshold under the baseline (share × n).
    pub mu: [f64; NT],
    /// The thresholds, in ms (for the summary).
    pub at_ms: [f64; NT],
}

impl TailModel {
    /// Requests the baseline must hold before a q-quantile is trusted: twenty beyond it.
    fn ready(&self, q: f64) -> bool {
        self.total * (1.0 - q) >= 20.0
    }

    /// Count the window's requests beyond each baseline threshold. Work is bounded by the
    /// number of buckets (no per-request work).
    pub fn counts(&self, w: &LatencySketch) -> TailCounts {
        let mut out = TailCounts {
            n: w.count() as f64,
            ..Default::default()
        };
        if w.is_empty() {
            return out;
        }
        for (t, &q) in TAIL_QS.iter().enumerate() {
            if !self.ready(q) {
                continue;
            }
            // The smallest bucket boundary with at most (1 − q) of the baseline beyond it.
            let mut above = self.total - self.zeros;
            let mut cut = None;
            for (i, &c) in self.counts.iter().enumerate() {
                above -= c;
                if above <= (1.0 - q) * self.total {
                    cut = Some((self.offset + i as i32, above.max(0.0)));
                    break;
                }
            }
            let Some((idx, beyond)) = cut else { continue };
            // A share of at least a quarter of the nominal one keeps the test from resting
            // on a bucket boundary the baseline barely reaches.
            let share = (beyond / self.total).max(0.25 * (1.0 - q));
            out.mu[t] = share * out.n;
            out.k[t] = w
                .buckets()
                .filter(|(i, _)| *i > idx)
                .map(|(_, c)| f64::from(c))
                .sum();
            out.at_ms[t] = bucket_upper_us(idx) / 1000.0;
        }
        out
    }

    /// Decay the baseline by `a`, then add the window with weight `wt` (small while
    /// anomalous, so an incident is not learned as normal).
    pub fn update(&mut self, w: &LatencySketch, a: f64, wt: f64) {
        let keep = 1.0 - a;
        for c in &mut self.counts {
            *c *= keep;
        }
        self.zeros *= keep;
        self.total *= keep;
        if w.is_empty() || wt <= 0.0 {
            return;
        }
        let mut added = 0.0;
        for (i, c) in w.buckets() {
            if self.counts.is_empty() {
                self.offset = i;
            }
            if i < self.offset {
                let grow = (self.offset - i) as usize;
                if grow + self.counts.len() > MAX_SPAN {
                    continue;
                }
                self.counts.splice(0..0, std::iter::repeat_n(0.0, grow));
                self.offset = i;
            }
            let k = (i - self.offset) as usize;
            if k >= MAX_SPAN {
                continue;
            }
            if k >= self.counts.len() {
                self.counts.resize(k + 1, 0.0);
            }
            self.counts[k] += wt * f64::from(c);
            added += f64::from(c);
        }
        let zeros = (w.count() as f64 - added).max(0.0);
        self.zeros += wt * zeros;
        self.total += wt * (added + zeros);
    }
}

fn bucket_upper_us(i: i32) -> f64 {
    let a = crate::window::sketch::RELATIVE_ACCURACY;
    ((1.0 + a) / (1.0 - a)).powi(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sketch(vals: impl Iterator<Item = u64>) -> LatencySketch {
        let mut s = LatencySketch::new();
        for v in vals {
            s.insert(v);
        }
        s
    }

    #[test]
    fn counts_beyond_baseline_quantiles() {
        let mut m = TailModel::default();
        // Baseline: log-uniform over 1 ms × e^0..e^10 (latencies span decades).
        let vals = |f: f64| (0..10_000).map(move |i| (1000.0 * f * (i as f64 * 1e-3).exp()) as u64);
        m.update(&sketch(vals(1.0)), 0.0, 1.0);
        let c = m.counts(&sketch(vals(1.0)));
        assert_eq!(c.n, 10_000.0);
        for (t, q) in TAIL_QS.iter().enumerate() {
            let want = (1.0 - q) * 10_000.0;
            assert!((c.k[t] - want).abs() <= 0.1 * want, "{t}: {}", c.k[t]);
            assert!(
                (c.mu[t] - c.k[t]).abs() < 1e-6,
                "{t}: {} {}",
                c.mu[t],
                c.k[t]
            );
        }
        // Twice as slow shifts everything by ln 2 = 6.9% of the range: 56.9% beyond the
        // old median, 16.9% beyond p90, 7.9% beyond p99.
        let slow = m.counts(&sketch(vals(2.0)));
        for (t, want) in [5_690.0, 1_690.0, 790.0].into_iter().enumerate() {
            assert!((slow.k[t] - want).abs() < 0.05 * want, "{t}: {}", slow.k[t]);
        }
        assert!((slow.mu[1] - 1_000.0).abs() < 50.0, "{}", slow.mu[1]);
    }

    #[test]
    fn not_ready_without_enough_baseline() {
        let mut m = TailModel::default();
        m.update(&sketch(1..=100), 0.0, 1.0);
        let c = m.counts(&sketch(1..=100));
        // 100 requests: p50 usable (50 beyond it), p90 and p99 not (10 and 1 beyond).
        assert!(c.mu[0] > 0.0 && c.k[0] > 0.0);
        assert_eq!(c.mu[1..], [0.0, 0.0]);
        assert_eq!(c.k[1..], [0.0, 0.0]);
    }
}
