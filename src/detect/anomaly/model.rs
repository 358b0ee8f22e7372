//! Online baselines: one pass, O(1) per update, no look-ahead.

/// Squash a z-score into [0, 1): 0.5 at `Z_HALF`, so one threshold (0.5) means "about five
/// robust standard deviations", whatever the series.
pub const Z_HALF: f64 = 5.0;

pub fn squash(z: f64) -> f64 {
    if !z.is_finite() || z <= 0.0 {
        return 0.0;
    }
    let z2 = z * z;
    z2 / (z2 + Z_HALF * Z_HALF)
}

/// Smoothing factor for an exponential time constant `tau_secs`, per step of `step_secs`.
pub fn alpha(step_secs: f64, tau_secs: f64) -> f64 {
    1.0 - (-step_secs / tau_secs.max(step_secs)).exp()
}

/// Holt level + trend on a (usually log-transformed) series, with an EWMA of absolute
/// residuals as its noise scale. The trend follows the daily cycle without lag.
#[derive(Debug, Clone, Default)]
pub struct Level {
    pub level: Option<f64>,
    trend: f64,
    /// Mean absolute one-step residual (×1.25 ≈ standard deviation for normal noise).
    mad: f64,
    pub n: u64,
}

impl Level {
    pub fn predict(&self) -> Option<f64> {
        self.level.map(|l| l + self.trend)
    }

    pub fn scale(&self) -> f64 {
        self.mad * 1.25
    }

    /// Residual of `x` against the prediction.
    pub fn residual(&self, x: f64) -> Option<f64> {
        self.predict().map(|p| x - p)
    }

    /// Shrink the trend by `f` (while the series is not being learned).
    pub fn damp(&mut self, f: f64) {
        self.trend *= f;
    }

    /// Learn `x`. `a` smooths the level, `b` the trend, `c` the scale. The residual is
    /// clipped to ±4 scales first so a stray value cannot drag the baseline.
    pub fn update(&mut self, x: f64, a: f64, b: f64, c: f64, warm: bool) {
        if !x.is_finite() {
            return;
        }
        self.n += 1;
        let Some(pred) = self.predict() else {
            self.level = Some(x);
            return;
        };
        let r = x - pred;
        // During warm-up the scale is a plain running mean of |r|.
        let c = if warm { 1.0 / self.n as f64 } else { c };
        // Huber-style: past warm-up a residual counts at most three scales, so the echo of
        // an incident (learned once its windows stop alarming) does not inflate the noise.
        let ra = if warm || self.n <= 3 {
            r.abs()
        } else {
            r.abs().min(3.0 * self.scale().max(1e-9))
        };
        self.mad += c * (ra - self.mad);
        let lim = 4.0 * self.scale().max(1e-9);
        let rc = if self.n > 3 { r.clamp(-lim, lim) } else { r };
        let level = self.level.unwrap_or(x);
        let new_level = pred + a * rc;
        self.trend = (1.0 - b) * self.trend + b * (new_level - level);
        // A trend is a slow drift, never a jump.
        self.trend = self.trend.clamp(-0.05, 0.05);
        self.level = Some(new_level);
    }
}

/// Baseline proportion of events among requests (errors / requests): EWMA of both counts,
/// so quiet windows weigh little.
#[derive(Debug, Clone, Default)]
pub struct Ratio {
    num: f64,
    den: f64,
}

impl Ratio {
    pub fn get(&self) -> Option<f64> {
        (self.den > 0.0).then(|| self.num / self.den)
    }

    pub fn weight(&self) -> f64 {
        self.den
    }

    /// Decay by `a`, then add `k` of `n` with weight `w` (below 1 while anomalous).
    pub fn update(&mut self, k: f64, n: f64, a: f64, w: f64) {
        self.num = (1.0 - a) * self.num + w * k;
        self.den = (1.0 - a) * self.den + w * n;
    }
}

/// How far `k` events out of `n` exceed the baseline proportion `p0`, as a z-score that is
/// both statistically and practically significant:
/// - statistical: Poisson with the variance-stabilising square root, `2(√k − √μ)`, so one
///   error in five requests at 3 am is not an alarm;
/// - practical: the excess proportion against a tolerance (`rel`·p0 + `abs`), so a
///   million-request window does not alarm on +0.01 %.
///
/// The smaller of the two wins.
pub fn excess_z(k: f64, n: f64, p0: f64, rel: f64, abs: f64) -> f64 {
    excess(k, n, p0, rel, abs, |k, mu| 2.0 * (k.sqrt() - mu.sqrt()))
}

/// Like [`excess_z`], for counts whose baseline share is tiny (a tenth of a percent): the
/// square-root statistic is far too cautious there (8 events against 0.2 expected is a
/// one-in-10^9 chance, which it scores 4.8), so the Poisson likelihood-ratio root is used,
/// which follows the exact tail. Outliers come in bursts in real traffic (a pause stalls
/// every request in flight), so the evidence is discounted below eight events.
pub fn excess_z_rare(k: f64, n: f64, p0: f64, rel: f64, abs: f64) -> f64 {
    if p0 <= 0.0 {
        return 0.0;
    }
    excess(k, n, p0, rel, abs, |k, mu| {
        (2.0 * (k * (k / mu).ln() - (k - mu))).max(0.0).sqrt() * (k / 8.0).min(1.0)
    })
}

/// The smaller of `stat(k, μ)` and the practical excess, for `k` above `μ = n·p0`.
fn excess(k: f64, n: f64, p0: f64, rel: f64, abs: f64, stat: impl Fn(f64, f64) -> f64) -> f64 {
    let mu = n * p0;
    if n <= 0.0 || k <= mu {
        return 0.0;
    }
    let prac = (k / n - p0) / (rel * p0 + abs);
    stat(k, mu).min(prac * Z_HALF).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_error_in_five_is_not_an_alarm() {
        let z = excess_z(1.0, 5.0, 0.001, 1.0, 0.01);
        assert!(squash(z) < 0.2, "{z}");
        // 16% 5xx over 3000 requests against 0.3% is.
        let z = excess_z(480.0, 3000.0, 0.003, 1.0, 0.01);
        assert!(squash(z) > 0.9, "{z}");
        // Tiny excess on a huge window: significant but irrelevant.
        let z = excess_z(1_100.0, 1_000_000.0, 0.001, 1.0, 0.01);
        assert!(squash(z) < 0.1, "{z}");
    }

    #[test]
    fn rare_counts_follow_the_poisson_tail() {
        // 8 against 0.2 expected (p ~ 1e-9): an alarm, where the square root says 4.8.
        let z = excess_z_rare(8.0, 120.0, 0.2 / 120.0, 1.0, 0.005);
        assert!(
            z > 6.0 && excess_z(8.0, 120.0, 0.2 / 120.0, 1.0, 0.005) < 5.0,
            "{z}"
        );
        // Three at once against 0.02 expected: unlikely, but a burst, not an alarm.
        assert!(excess_z_rare(3.0, 20.0, 0.001, 1.0, 0.005) < 2.0);
        // At or below the expectation: nothing.
        assert_eq!(excess_z_rare(1.0, 1000.0, 0.001, 1.0, 0.005), 0.0);
    }

    #[test]
    fn level_tracks_a_ramp() {
        let mut l = Level::default();
        for i in 0..500 {
            l.update(i as f64 * 0.01, 0.2, 0.05, 0.05, i < 20);
        }
        let r = l.residual(5.0).unwrap();
        assert!(r.abs() < 0.02, "{r}");
    }
}
