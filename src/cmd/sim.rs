//! `lbtop sim`: write synthetic logs with incidents to stdout, and the ground truth as JSON.

use super::Failure;
use crate::cli::SimArgs;
use crate::sim::{self, GroundTruth, Simulator};
use std::io::{self, BufWriter, Write};

pub fn run(a: &SimArgs) -> Result<(), Failure> {
    let mut cfg = sim::scenario(&a.scenario, a.seed).ok_or_else(|| {
        Failure::msg(format!(
            "unknown scenario `{}` (known: {})",
            a.scenario,
            sim::SCENARIOS.join(", ")
        ))
    })?;
    if let Some(rps) = a.rps {
        cfg.base_rps = rps;
    }
    if let Some(path) = &a.truth {
        let truth = GroundTruth::of(&cfg);
        let text = serde_json::to_string_pretty(&truth).map_err(|e| Failure::msg(e.to_string()))?;
        std::fs::write(path, text).map_err(|e| Failure::msg(format!("{}: {e}", path.display())))?;
    }
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 20, stdout.lock());
    if let Some(h) = sim::header(a.out_format) {
        out.write_all(h.as_bytes())
            .and_then(|()| out.write_all(b"\n"))
            .map_err(Failure::Io)?;
    }
    let mut line = String::with_capacity(1024);
    for sr in Simulator::new(cfg) {
        line.clear();
        sim::write_line(&sr.req, a.out_format, &mut line);
        line.push('\n');
        out.write_all(line.as_bytes()).map_err(Failure::Io)?;
    }
    out.flush().map_err(Failure::Io)
}
