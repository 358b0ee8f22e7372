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

use crate::cli::{Cli, Command, Common, ConfigArgs};
use crate::config::{ConfigFile, Key, Location};
use crate::detect::security::RuleSet;
use crate::engine::EngineConfig;
use crate::ingest::proxy::ClientResolver;
use std::ffi::OsString;
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
    // Rules that will not run are not built; a user rules file is still read, so that a
    // mistake in it shows now rather than when the rules are turned on.
    let rules = if common.detect.security {
        RuleSet::builtin()
    } else {
        RuleSet::idle()
    };
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

/// The engine settings every command shares: window, path patterns, sensitivity.
pub(crate) fn engine_config(common: &Common) -> EngineConfig {
    let mut cfg = EngineConfig {
        bucket_secs: common.window,
        path_patterns: crate::window::paths::PathPatterns::new(common.path_pattern.clone()),
        detectors: common.detect,
        ..EngineConfig::default()
    };
    common.sensitivity.apply(&mut cfg);
    cfg
}

/// The parse-stage settings every command shares: format, trusted proxies, path patterns.
/// `parse_threads`: 0 parses on the caller's thread.
pub(crate) fn read_options(common: &Common, parse_threads: usize) -> crate::pipeline::ReadOptions {
    crate::pipeline::ReadOptions {
        format: common.format,
        parse_threads,
        proxies: ClientResolver::new(common.trusted_proxy.clone()),
        path_patterns: crate::window::paths::PathPatterns::new(common.path_pattern.clone()),
        detectors: common.detect,
    }
}

/// A command line parsed over the config file's values.
pub struct Loaded {
    pub cli: Cli,
    pub matches: clap::ArgMatches,
    pub keys: Vec<Key>,
    pub location: Location,
    pub config: Option<ConfigFile>,
}

/// Read the config file named or implied by `args`, install its values as defaults, parse
/// `args`. Config errors come back as text (file:line: …); clap errors exit as clap does.
pub fn load(args: &[OsString]) -> Result<Loaded, String> {
    use clap::{CommandFactory, FromArgMatches};
    let base = Cli::command();
    let keys = crate::config::keys(&base);
    let location = crate::config::locate(args);
    let config = crate::config::read(&location, &keys)?;
    let cmd = match &config {
        Some(c) => crate::config::apply(base, c),
        None => base,
    };
    let matches = cmd.try_get_matches_from(args).unwrap_or_else(|e| e.exit());
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    Ok(Loaded {
        cli,
        matches,
        keys,
        location,
        config,
    })
}

/// The binary's entry point: config file, command line, run.
pub fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    match load(&args) {
        Ok(l) => finish(dispatch(&l.cli, Some(&l))),
        Err(msg) => {
            for line in msg.lines() {
                eprintln!("lbtop: {line}");
            }
            ExitCode::from(2)
        }
    }
}

fn config_cmd(a: &ConfigArgs, ctx: Option<&Loaded>) -> Result<(), Failure> {
    let Some(l) = ctx else {
        return Err(Failure::msg("config: no settings were loaded"));
    };
    let text = if a.path {
        match &l.location {
            Location::None => {
                eprintln!("lbtop: no config file (--no-config, or no home directory)");
                return Ok(());
            }
            loc => {
                let p = loc.path().unwrap_or(std::path::Path::new(""));
                if l.config.is_none() {
                    eprintln!("lbtop: {} does not exist; defaults apply", p.display());
                }
                format!("{}\n", p.display())
            }
        }
    } else if a.default {
        crate::config::print::template(&l.keys)
    } else {
        crate::config::print::effective(&l.keys, l.config.as_ref(), Some(&l.matches))
    };
    use std::io::Write;
    io::stdout().write_all(text.as_bytes()).map_err(Failure::Io)
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

fn dispatch(cli: &Cli, ctx: Option<&Loaded>) -> Result<(), Failure> {
    use std::io::IsTerminal;
    let tty = std::io::stdout().is_terminal() && std::io::stdin().is_terminal();
    match &cli.command {
        Some(Command::Scan(a)) => scan::run(a, &cli.common, &cli.hooks),
        Some(Command::Bench(a)) => bench::run(a),
        Some(Command::Config(a)) => config_cmd(a, ctx),
        Some(Command::Completions(a)) => completions::completions(a.shell),
        Some(Command::Man(a)) => completions::man(a.subcommand.as_deref()),
        Some(Command::Score(a)) => score(&a.file),
        Some(Command::Sim(a)) => sim::run(a),
        Some(Command::Eval(a)) => eval::run(a),
        Some(Command::Demo(a)) => {
            if a.headless || !tty {
                demo::headless(a.seed, load_rules(&cli.common)?, engine_config(&cli.common))
            } else {
                live::run(
                    live::Kind::Demo {
                        seed: a.seed,
                        speed: a.speed,
                    },
                    &cli.common,
                    &cli.hooks,
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
            live::run(kind, &cli.common, &cli.hooks, theme(cli)?)
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
            scan::run(&args, &cli.common, &cli.hooks)
        }
        None => live::run(
            live::Kind::Live {
                paths: cli.paths.clone(),
            },
            &cli.common,
            &cli.hooks,
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

/// Run a parsed command line (no config file involved).
pub fn run(cli: Cli) -> ExitCode {
    finish(dispatch(&cli, None))
}

fn finish(res: Result<(), Failure>) -> ExitCode {
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
