//! One human sentence per anomalous window: what moved, against what baseline.

use super::features::{Contribution, Detector, Feature, Obs};
use crate::event::AnomalyType;

fn pct(p: f64) -> String {
    let v = p * 100.0;
    if v >= 10.0 {
        format!("{v:.0}%")
    } else if v >= 1.0 {
        format!("{v:.1}%")
    } else {
        format!("{v:.2}%")
    }
}

fn ms(v: f64) -> String {
    if v >= 1000.0 {
        format!("{:.2} s", v / 1000.0)
    } else {
        format!("{v:.0} ms")
    }
}

pub fn describe(c: &Contribution, o: &Obs, d: &Detector, kind: AnomalyType) -> String {
    let n = o.n.max(1.0);
    match c.feature {
        Feature::Rps => {
            let ratio = c.value / c.baseline.max(1e-9);
            let verb = if kind == AnomalyType::TrafficDrop || ratio < 1.0 {
                "traffic down:"
            } else {
                "traffic up:"
            };
            format!(
                "{verb} {:.1} req/s vs {:.1} req/s baseline ({ratio:.2}×)",
                c.value, c.baseline
            )
        }
        Feature::LatencyTail(i) => {
            let q = ["p50", "p90", "p99"][usize::from(i).min(2)];
            let at = o.tail.at_ms[usize::from(i).min(2)];
            format!(
                "{} of requests slower than {} (the baseline {q}) vs {} normally",
                pct(c.value),
                ms(at),
                pct(c.baseline)
            )
        }
        Feature::SlowForPath => {
            let mut s = format!(
                "{} of requests far slower than usual for their path vs {} normally",
                pct(c.value),
                pct(c.baseline)
            );
            // The site-wide p99 as well when it moved: what a dashboard shows.
            if let (Some(p), Some(b)) = (o.p99, d.p99.predict().map(f64::exp)) {
                if p > 1.2 * b {
                    s.push_str(&format!(" (p99 {} vs {})", ms(p), ms(b)));
                }
            }
            s
        }
        Feature::LatencyP99 | Feature::LatencyP90 | Feature::LatencyP50 => {
            let p50b = d.p50.predict().map(f64::exp);
            let mut s = format!(
                "{} {} vs {} baseline",
                match c.feature {
                    Feature::LatencyP99 => "p99",
                    Feature::LatencyP90 => "p90",
                    _ => "p50",
                },
                ms(c.value),
                ms(c.baseline)
            );
            if c.feature != Feature::LatencyP50 {
                if let (Some(p), Some(b)) = (o.p50, p50b) {
                    s.push_str(&format!(" (p50 {} vs {})", ms(p), ms(b)));
                }
            }
            s
        }
        Feature::Rate5xx | Feature::Rate5xxLb | Feature::Rate5xxBackend => {
            let total = o.c5xx.max(1.0);
            let base = d.r5xx.get().unwrap_or(0.0);
            let codes = ["500", "502", "503", "504", "5xx"];
            let (ci, cn) = o
                .codes5xx
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(b.1))
                .map_or((0, 0.0), |(i, v)| (i, *v));
            let (who, share) = if o.c5xx_lb >= o.c5xx_be {
                ("LB", o.c5xx_lb / total)
            } else {
                ("backend", o.c5xx_be / total)
            };
            let why = match (who, codes[ci]) {
                ("LB", "502") => " (target unreachable)",
                ("LB", "503") => " (no healthy targets)",
                ("LB", "504") => " (target timeout)",
                _ => "",
            };
            let code = if cn > 0.0 { codes[ci] } else { "5xx" };
            format!(
                "5xx {} vs {} baseline, {:.0}% {who} {code}{why}",
                pct(o.c5xx / n),
                pct(base),
                share * 100.0
            )
        }
        Feature::Rate4xx => {
            let mostly = if o.c404 >= 0.5 * o.c4xx {
                ", mostly 404"
            } else {
                ""
            };
            format!(
                "4xx {} vs {} baseline{mostly}",
                pct(c.value),
                pct(c.baseline)
            )
        }
        Feature::TargetRate5xx | Feature::TargetP99 => {
            let t = c.target.as_deref().unwrap_or("?");
            let others = o.targets.len().saturating_sub(1);
            let what = if c.feature == Feature::TargetRate5xx {
                format!("5xx {} vs {} baseline", pct(c.value), pct(c.baseline))
            } else {
                format!("p99 {} vs {} baseline", ms(c.value), ms(c.baseline))
            };
            format!("target {t} {what} ({others} other targets normal)")
        }
        Feature::TopClientShare => {
            let who = o.top.as_ref().map_or("?", |t| t.0.as_str());
            format!(
                "top client {who} sends {} of requests vs {} baseline",
                pct(c.value),
                pct(c.baseline)
            )
        }
        Feature::NewClientShare => format!(
            "{} of requests from new clients vs {} baseline",
            pct(c.value),
            pct(c.baseline)
        ),
        Feature::BytesPerRequest => format!(
            "{:.0} bytes per response vs {:.0} baseline",
            c.value, c.baseline
        ),
    }
}
