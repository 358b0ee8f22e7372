//! `--sensitivity`: one knob over the detectors' alarm thresholds. A factor over the
//! defaults: 2 is twice as sensitive (half the anomaly score and half the per-client counts
//! needed to alarm), 0.5 half as sensitive. Shares and ratios are left alone: they describe
//! what a behaviour is, not how much of it is enough.

use crate::engine::EngineConfig;
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sensitivity(f64);

impl Sensitivity {
    pub const LOW: Sensitivity = Sensitivity(0.7);
    pub const NORMAL: Sensitivity = Sensitivity(1.0);
    pub const HIGH: Sensitivity = Sensitivity(1.5);
    pub const RANGE: std::ops::RangeInclusive<f64> = 0.1..=10.0;

    pub fn factor(self) -> f64 {
        self.0
    }

    /// Scale the thresholds of `cfg` from the detectors' defaults.
    pub fn apply(self, cfg: &mut EngineConfig) {
        let f = self.0;
        let base = crate::detect::anomaly::ScorerConfig::default();
        cfg.scorer.threshold = base.threshold / f;
        let d = crate::detect::client::ClientConfig::default();
        let c = &mut cfg.client;
        // Counts never drop below one event: "one failed login" is not brute force.
        let s = |v: f64| (v / f).max(1.0);
        c.flood_min_per_window = s(d.flood_min_per_window);
        c.scraper_min_distinct = s(d.scraper_min_distinct);
        c.scraper_min_per_window = s(d.scraper_min_per_window);
        c.scanner_min_errors = s(d.scanner_min_errors);
        c.scanner_min_sensitive = s(d.scanner_min_sensitive);
        c.brute_min_failures = s(d.brute_min_failures);
        c.stuffing_min_attempts = s(d.stuffing_min_attempts);
        c.stuffing_min_clients = s(d.stuffing_min_clients);
        c.badbot_tool_min = s(d.badbot_tool_min);
        c.badbot_empty_per_window = s(d.badbot_empty_per_window);
        c.badbot_library_per_window = s(d.badbot_library_per_window);
    }
}

impl Default for Sensitivity {
    fn default() -> Self {
        Sensitivity::NORMAL
    }
}

impl FromStr for Sensitivity {
    type Err = String;

    fn from_str(s: &str) -> Result<Sensitivity, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "low" => Ok(Sensitivity::LOW),
            "normal" | "medium" => Ok(Sensitivity::NORMAL),
            "high" => Ok(Sensitivity::HIGH),
            n => match n.parse::<f64>() {
                Ok(f) if Sensitivity::RANGE.contains(&f) => Ok(Sensitivity(f)),
                _ => Err(format!(
                    "`{s}`: expected low, normal, high or a factor in 0.1..=10"
                )),
            },
        }
    }
}

impl fmt::Display for Sensitivity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Sensitivity::LOW => f.write_str("low"),
            Sensitivity::NORMAL => f.write_str("normal"),
            Sensitivity::HIGH => f.write_str("high"),
            Sensitivity(x) => write!(f, "{x}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_numbers() {
        assert_eq!("high".parse::<Sensitivity>().unwrap(), Sensitivity::HIGH);
        assert_eq!("LOW".parse::<Sensitivity>().unwrap(), Sensitivity::LOW);
        assert_eq!("2".parse::<Sensitivity>().unwrap().factor(), 2.0);
        assert_eq!("1".parse::<Sensitivity>().unwrap().to_string(), "normal");
        assert_eq!("2.5".parse::<Sensitivity>().unwrap().to_string(), "2.5");
        for bad in ["0", "11", "-1", "NaN", "loud", ""] {
            assert!(bad.parse::<Sensitivity>().is_err(), "{bad}");
        }
    }

    #[test]
    fn scales_thresholds_from_the_defaults() {
        let base = EngineConfig::default();
        let mut cfg = EngineConfig::default();
        Sensitivity(2.0).apply(&mut cfg);
        assert_eq!(cfg.scorer.threshold, base.scorer.threshold / 2.0);
        assert_eq!(
            cfg.client.brute_min_failures,
            base.client.brute_min_failures / 2.0
        );
        assert_eq!(
            cfg.client.flood_min_per_window,
            base.client.flood_min_per_window / 2.0
        );
        assert_eq!(
            cfg.client.scanner_error_share,
            base.client.scanner_error_share
        );
        assert_eq!(cfg.client.flood_vs_p99, base.client.flood_vs_p99);
        // Applying twice does not compound: it always starts from the defaults.
        Sensitivity::LOW.apply(&mut cfg);
        Sensitivity::LOW.apply(&mut cfg);
        assert!((cfg.scorer.threshold - base.scorer.threshold / 0.7).abs() < 1e-12);
        // Never below one event.
        Sensitivity(10.0).apply(&mut cfg);
        assert_eq!(cfg.client.badbot_tool_min, 1.0);
        let mut n = EngineConfig::default();
        Sensitivity::NORMAL.apply(&mut n);
        assert_eq!(n.scorer.threshold, base.scorer.threshold);
        assert_eq!(n.client.scanner_min_errors, base.client.scanner_min_errors);
    }
}
