//! Detectors. All incremental: one pass, bounded work per line and per window, no look-ahead.
//!
//! - `security`: per-request rules (stateless; run in the parse stage).
//! - `client`: per-client behaviour with bounded, time-decayed state.
//! - `anomaly`: the window scorer over aggregated windows.

pub mod anomaly;
pub mod client;
pub mod security;

use std::fmt;
use std::str::FromStr;

/// Which detectors run (`--detect`). Off, a detector costs nothing and emits nothing; the
/// summary lists the ones that ran, so "no security events" is never mistaken for "clean"
/// when the rules did not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Detectors {
    /// The window scorer (`anomaly` events).
    pub anomaly: bool,
    /// Per-client behaviour (`client` events).
    pub client: bool,
    /// Per-request security rules (`security` events).
    pub security: bool,
}

impl Default for Detectors {
    fn default() -> Self {
        Detectors::ALL
    }
}

impl Detectors {
    pub const ALL: Detectors = Detectors {
        anomaly: true,
        client: true,
        security: true,
    };
    pub const NONE: Detectors = Detectors {
        anomaly: false,
        client: false,
        security: false,
    };
    /// Every detector's name and whether it runs, in a fixed order.
    pub fn each(self) -> [(&'static str, bool); 3] {
        [
            ("anomaly", self.anomaly),
            ("client", self.client),
            ("security", self.security),
        ]
    }

    /// The names of the detectors that run, in [`each`](Self::each)'s order.
    pub fn names(self) -> Vec<&'static str> {
        self.each()
            .into_iter()
            .filter_map(|(n, on)| on.then_some(n))
            .collect()
    }
}

/// `all`, `none`, or a comma-separated list of `anomaly`, `client`, `security`.
impl FromStr for Detectors {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let mut d = Detectors::NONE;
        for word in s.split(',').map(str::trim) {
            match word {
                "all" => d = Detectors::ALL,
                "none" | "" => {}
                "anomaly" | "anomalies" => d.anomaly = true,
                "client" | "clients" => d.client = true,
                "security" => d.security = true,
                _ => {
                    return Err(format!(
                        "unknown detector `{word}` (known: anomaly, client, security, all, none)"
                    ));
                }
            }
        }
        Ok(d)
    }
}

impl fmt::Display for Detectors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.names() {
            n if n.is_empty() => f.write_str("none"),
            n if n.len() == self.each().len() => f.write_str("all"),
            n => f.write_str(&n.join(",")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Detectors;

    #[test]
    fn detectors_parse_and_print() {
        let d: Detectors = "security, client".parse().unwrap();
        assert!(d.security && d.client && !d.anomaly);
        assert_eq!(d.to_string(), "client,security");
        assert_eq!(d.names(), ["client", "security"]);
        assert_eq!("none".parse::<Detectors>().unwrap(), Detectors::NONE);
        assert_eq!(Detectors::NONE.to_string(), "none");
        assert_eq!("all".parse::<Detectors>().unwrap(), Detectors::ALL);
        assert_eq!(
            "anomaly,client,security"
                .parse::<Detectors>()
                .unwrap()
                .to_string(),
            "all"
        );
        let e = "sqli".parse::<Detectors>().unwrap_err();
        assert!(e.contains("unknown detector `sqli`"), "{e}");
    }
}
