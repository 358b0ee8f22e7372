//! The subcommands, on top of the library. `run` turns a parsed command line into an exit code.

mod bench;
mod follow;
mod report;
mod scan;

use crate::cli::{Cli, Command, Common};
use crate::detect::security::RuleSet;
use std::fmt;
use std::io;
use std::process::ExitCode;
use std::sync::Arc;

/// Why a command stopped: one clear line for the user.
#[derive(Debug)]
pub enum Failure {
    Msg(String),
    Io(io::Error),
}

impl Failure {
    pub fn msg(m: impl fmt::Display) -> Failure {
        Failure::Msg(m.to_string())
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Msg(m) => f.write_str(m),
            Failure::Io(e) => write!(f, "{e}"),
        }
    }
}

pub(crate) fn load_rules(common: &Common) -> Result<Arc<RuleSet>, Failure> {
    let rules = RuleSet::builtin();
    let Some(path) = &common.rules else { return Ok(Arc::new(rules)) };
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::msg(format!("{}: {e}", path.display())))?;
    rules
        .with_user_rules(&text)
        .map(Arc::new)
        .map_err(|e| Failure::msg(format!("{}: {e}", path.display())))
}

pub fn run(cli: Cli) -> ExitCode {
    let res = match &cli.command {
        Some(Command::Scan(a)) => scan::run(a, &cli.common),
        Some(Command::Bench(a)) => bench::run(a),
        Some(_) | None => Err(Failure::msg("not yet available in this build")),
    };
    match res {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`lbtop scan … | head`) is a normal way to stop.
        Err(Failure::Io(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lbtop: {e}");
            ExitCode::from(2)
        }
    }
}

/// Peak resident set size of this process (Linux), for the scan summary and the bench.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}
