//! The subcommands, on top of the library. `run` turns a parsed command line into an exit code.

mod bench;
mod completions;
mod demo;
mod eval;
mod follow;
mod live;
mod report;
mod scan;
mod service;
mod sim;

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
    /// `--fail-on`: the events asked about were found (exit status 1, not an error).
    Found(String),
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
            Failure::Found(m) => f.write_str(m),
        }
    }
}

pub(crate) fn load_rules(common: &Common) -> Result<Arc<RuleSet>, Failure> {
    let rules = RuleSet::builtin();
    let Some(path) = &common.rules else {
        return Ok(Arc::new(rules));
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::msg(format!("{}: {e}", path.display())))?;
    rules
        .with_user_rules(&text)
        .map(Arc::new)
        .map_err(|e| Failure::msg(format!("{}: {e}", path.display())))
}

fn theme(cli: &Cli) -> Result<crate::tui::Theme, Failure> {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    crate::tui::Theme::load(cli.ui.theme.as_deref(), no_color).map_err(Failure::msg)
}

fn log_time(s: &Option<String>, what: &str) -> Result<Option<crate::record::Micros>, Failure> {
    match s {
        None => Ok(None),
        Some(t) => crate::parse::lex::iso8601(t)
            .map(Some)
            .ok_or_else(|| Failure::msg(format!("--{what} {t}: not an RFC 3339 time"))),
    }
}

fn dispatch(cli: &Cli) -> Result<(), Failure> {
    use std::io::IsTerminal;
    let tty = std::io::stdout().is_terminal() && std::io::stdin().is_terminal();
    match &cli.command {
        Some(Command::Scan(a)) => scan::run(a, &cli.common),
        Some(Command::Bench(a)) => bench::run(a),
        Some(Command::Completions(a)) => completions::completions(a.shell),
        Some(Command::Man(a)) => completions::man(a.subcommand.as_deref()),
        Some(Command::Score(a)) => score(&a.file),
        Some(Command::Sim(a)) => sim::run(a),
        Some(Command::Eval(a)) => eval::run(a),
        Some(Command::Demo(a)) => {
            if a.headless || !tty {
                demo::headless(a.seed, load_rules(&cli.common)?, cli.common.window)
            } else {
                live::run(
                    live::Kind::Demo {
                        seed: a.seed,
                        speed: a.speed,
                    },
                    &cli.common,
                    theme(cli)?,
                )
            }
        }
        Some(Command::Replay(a)) => {
            let kind = live::Kind::Replay {
                paths: a.paths.clone(),
                speed: a.speed,
                from: log_time(&a.from, "from")?,
                to: log_time(&a.to, "to")?,
            };
            live::run(kind, &cli.common, theme(cli)?)
        }
        None if cli.paths.is_empty() => {
            use clap::CommandFactory;
            let _ = Cli::command().print_help();
            Ok(())
        }
        None if !tty => {
            // Not a terminal: behave like `scan --follow`, so pipes and services get events.
            let args = crate::cli::ScanArgs {
                paths: cli.paths.clone(),
                follow: true,
                ..Default::default()
            };
            scan::run(&args, &cli.common)
        }
        None => live::run(
            live::Kind::Live {
                paths: cli.paths.clone(),
            },
            &cli.common,
            theme(cli)?,
        ),
    }
}

fn score(file: &str) -> Result<(), Failure> {
    let stdout = io::stdout();
    let out = io::BufWriter::new(stdout.lock());
    let res = if file == "-" {
        crate::detect::anomaly::score_csv(io::stdin().lock(), out)
    } else {
        let f = std::fs::File::open(file).map_err(|e| Failure::msg(format!("{file}: {e}")))?;
        crate::detect::anomaly::score_csv(io::BufReader::new(f), out)
    };
    match res {
        Ok(report) => {
            eprintln!(
                "lbtop: {file}: {} rows, columns {} scored, {} anomalous (max score {:.2})",
                report.rows,
                report.columns.join(", "),
                report.anomalous_rows,
                report.max_score
            );
            Ok(())
        }
        Err(e) => Err(Failure::msg(format!("{file}: {e}"))),
    }
}

pub fn run(cli: Cli) -> ExitCode {
    let res = dispatch(&cli);
    match res {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`lbtop scan … | head`) is a normal way to stop.
        Err(Failure::Io(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(Failure::Found(m)) => {
            eprintln!("lbtop: {m}");
            ExitCode::from(1)
        }
        Err(e) => {
            let msg = e.to_string();
            // Source errors are whole lines already (`lbtop: path: …`).
            eprintln!("lbtop: {}", msg.strip_prefix("lbtop: ").unwrap_or(&msg));
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
