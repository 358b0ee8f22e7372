//! Command line: clap definitions. Validation into settings happens in `cmd`.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "lbtop",
    version,
    about = "htop for load balancer access logs: traffic, latency and errors live, with anomaly and attack detection",
    long_about = "Watch load balancer access logs live (AWS ALB, classic ELB, CloudFront, GCP, Azure \
Application Gateway / Front Door, nginx/Apache). With paths and no subcommand, lbtop reads what is \
there and then follows the files like `tail -F` in a terminal UI.",
    after_help = "Examples:\n  lbtop demo\n  lbtop /var/log/lb/*.log\n  lbtop scan --windows AWSLogs/ > events.jsonl\n  lbtop replay --speed 20 incident/*.log.gz\n  lbtop score cloudwatch.csv"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Files, globs, directories, or `-` for stdin (live mode).
    #[arg(value_name = "PATH")]
    pub paths: Vec<String>,
    #[command(flatten)]
    pub common: Common,
    #[command(flatten)]
    pub ui: UiOpts,
    /// Config file to read instead of $XDG_CONFIG_HOME/lbtop/config.toml (must exist).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Ignore the config file.
    #[arg(long, global = true, conflicts_with = "config")]
    pub no_config: bool,
    #[command(flatten)]
    pub hooks: HookOpts,
}

#[derive(Debug, Args, Clone, Default)]
pub struct Common {
    /// Force the log format instead of detecting it: alb, elb, cloudfront, gcp, azure-appgw,
    /// azure-frontdoor, combined, common.
    #[arg(long, global = true, value_name = "NAME", value_parser = parse_format)]
    pub format: Option<lbtop_format::Format>,
    /// Window (bucket) width in seconds.
    #[arg(long, global = true, default_value_t = 10, value_name = "SECS",
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub window: u64,
    /// Extra security rules from a TOML file.
    #[arg(long, global = true, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// Threads: 1 does everything on one thread; N parses chunks on N threads, one of
    /// which also aggregates and detects. Default: the cores this process may use, at most 4.
    #[arg(long, global = true, default_value_t = default_threads(), value_name = "N")]
    pub threads: usize,
    /// A proxy of ours (CIDR or address, repeatable): for requests it forwarded, the client is
    /// the right-most X-Forwarded-For address that is not a trusted proxy.
    #[arg(long, global = true, value_name = "CIDR")]
    pub trusted_proxy: Vec<crate::ingest::proxy::Cidr>,
    /// Path pattern `REGEX=>/replacement` (repeatable), applied before the built-in id
    /// folding in the top-paths tables; the first match wins.
    #[arg(long, global = true, value_name = "REGEX=>REPL")]
    pub path_pattern: Vec<crate::window::paths::PathPattern>,
    /// Detection sensitivity: low, normal, high, or a factor (2 = alarms at half the usual
    /// anomaly score and per-client counts).
    #[arg(long, global = true, default_value = "normal", value_name = "LEVEL")]
    pub sensitivity: crate::config::Sensitivity,
    /// Detectors to run: all, none, or a comma-separated list of anomaly, client, security.
    /// With none, a scan only parses and aggregates (windows and summary).
    #[arg(long, global = true, default_value = "all", value_name = "LIST")]
    pub detect: crate::detect::Detectors,
}

#[derive(Debug, Args, Clone, Default)]
pub struct UiOpts {
    /// Theme: default, light, high-contrast, or a path to a TOML theme file.
    #[arg(long, global = true, value_name = "NAME|PATH")]
    pub theme: Option<String>,
}

/// Where findings go besides the screen or stdout: alert sinks and a Prometheus endpoint.
#[derive(Debug, Args, Clone, Default)]
pub struct HookOpts {
    /// POST alerts to this URL (repeatable). Slack and Discord webhooks get their own payload.
    #[arg(long, global = true, value_name = "URL")]
    pub alert_webhook: Vec<String>,
    /// Webhook payload: auto (by host: hooks.slack.com, discord.com), slack, discord, json.
    #[arg(long, global = true, value_enum, default_value_t = AlertFormat::Auto)]
    pub alert_format: AlertFormat,
    /// Run this shell command per alert (`sh -c`), the alert as one JSON line on stdin.
    #[arg(long, global = true, value_name = "CMD")]
    pub alert_exec: Option<String>,
    /// Which findings alert (comma-separated): anomaly, client, security.
    #[arg(
        long,
        global = true,
        value_enum,
        value_delimiter = ',',
        default_value = "anomaly,client,security"
    )]
    pub alert_on: Vec<AlertOn>,
    /// Security hits below this severity never alert: low, medium, high, critical.
    #[arg(long, global = true, value_enum, default_value_t = MinSeverity::Medium)]
    pub alert_min_severity: MinSeverity,
    /// Log-time seconds between updates of one anomaly episode, and between alerts for one
    /// (client, security category).
    #[arg(long, global = true, default_value_t = 300, value_name = "SECS")]
    pub alert_interval: u64,
    /// Serve Prometheus metrics on http://ADDR/metrics (e.g. 127.0.0.1:9464; port 0 picks one).
    #[arg(long, global = true, value_name = "ADDR")]
    pub metrics_listen: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum AlertFormat {
    #[default]
    Auto,
    Slack,
    Discord,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AlertOn {
    Anomaly,
    Client,
    Security,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum, Default)]
pub enum MinSeverity {
    Low,
    #[default]
    Medium,
    High,
    Critical,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read logs headless and write events as JSON lines to stdout (human messages on stderr).
    Scan(ScanArgs),
    /// Replay captured logs in the TUI, paced by their own timestamps.
    Replay(ReplayArgs),
    /// Built-in synthetic traffic with incidents, live in the TUI (or headless with --headless).
    Demo(DemoArgs),
    /// Score a CSV of metric series (e.g. a CloudWatch export): adds an anomaly_score column.
    Score(ScoreArgs),
    /// Generate synthetic logs with incidents and a ground-truth file.
    Sim(SimArgs),
    /// Measure detection on simulated incidents: per-incident detection, time to detect,
    /// false alarms, flagged IPs, security detection rates.
    Eval(EvalArgs),
    /// Benchmark: generate 1M ALB and 1M combined lines, print lines/s, MB/s and peak RSS.
    Bench(BenchArgs),
    /// Show the config file's path, the effective settings, or a template with every key.
    Config(ConfigArgs),
    /// Print a shell completion script to stdout (e.g. `lbtop completions bash`).
    Completions(CompletionsArgs),
    /// Print the man page (roff) to stdout: `lbtop man | man -l -`; `lbtop man scan` for a
    /// subcommand's page (lbtop-scan(1)).
    Man(ManArgs),
}

#[derive(Debug, Args)]
#[group(multiple = false)]
pub struct ConfigArgs {
    /// Every setting with its value and where it came from, as TOML (the default).
    #[arg(long)]
    pub print: bool,
    /// The config file path in use.
    #[arg(long)]
    pub path: bool,
    /// A commented template with every key and its default.
    #[arg(long)]
    pub default: bool,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// A subcommand (scan, replay, demo, …); without one, the lbtop(1) page.
    #[arg(value_name = "SUBCOMMAND")]
    pub subcommand: Option<String>,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Output {
    #[default]
    Json,
    Text,
}

#[derive(Debug, Args, Default)]
pub struct ScanArgs {
    /// Files, globs, directories, or `-` for stdin.
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<String>,
    /// Keep following the files (like `tail -F`) instead of stopping at the end.
    #[arg(long, short = 'f')]
    pub follow: bool,
    /// Also emit one `window` event per closed window.
    #[arg(long)]
    pub windows: bool,
    /// json: one event per line; text: a readable report.
    #[arg(long, value_enum, default_value_t = Output::Json)]
    pub output: Output,
    /// Append the events to this file instead of stdout (reopened on SIGHUP, for logrotate).
    #[arg(long, value_name = "PATH")]
    pub events_file: Option<PathBuf>,
    /// Exit with status 1 when events of these kinds were found (after writing everything);
    /// 0 when none, 2 on errors.
    #[arg(long, value_enum, value_delimiter = ',', value_name = "KINDS")]
    pub fail_on: Vec<FailOn>,
    #[command(flatten)]
    pub blocklist: BlocklistArgs,
}

/// Event kinds `--fail-on` watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Anomaly,
    Security,
    Client,
}

impl FailOn {
    /// The `kind` of the events, as counted in the summary.
    pub fn kind(self) -> &'static str {
        match self {
            FailOn::Anomaly => "anomaly",
            FailOn::Security => "security",
            FailOn::Client => "client",
        }
    }
}

#[derive(Debug, Args, Default)]
#[command(next_help_heading = "Block lists")]
pub struct BlocklistArgs {
    /// Export flagged clients as a block list: nginx, aws-waf, fail2ban or csv, optionally
    /// `=PATH` (default `lbtop-blocklist.<ext>` in the current directory; `-` is stdout when
    /// --events-file takes the events). Repeatable.
    #[arg(long, value_name = "FORMAT[=PATH]", value_parser = parse_export)]
    pub export_blocklist: Vec<BlockExport>,
    /// Where to write the block list, when one --export-blocklist has no `=PATH`.
    #[arg(long, value_name = "PATH")]
    pub blocklist_out: Option<PathBuf>,
    /// Which events flag a client: client (behaviour), security (attack requests), or both.
    #[arg(
        long,
        value_name = "KINDS",
        value_delimiter = ',',
        default_value = "client,security"
    )]
    pub blocklist_from: Vec<String>,
    /// Never list addresses in this CIDR block (repeatable), e.g. your proxies or offices.
    #[arg(long, value_name = "CIDR")]
    pub blocklist_exclude: Vec<crate::output::blocklist::Cidr>,
    /// With --follow: rewrite the lists this often (seconds) while they change, not only at exit.
    #[arg(long, value_name = "SECS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub blocklist_interval: u64,
    /// At most this many addresses per list; further clients are counted and reported.
    #[arg(long, value_name = "N", default_value_t = crate::output::blocklist::DEFAULT_CAP)]
    pub blocklist_cap: usize,
}

/// `--export-blocklist nginx=/etc/nginx/lbtop-deny.conf`
#[derive(Debug, Clone, PartialEq)]
pub struct BlockExport {
    pub format: crate::output::blocklist::BlockFormat,
    pub path: Option<PathBuf>,
}

fn parse_export(s: &str) -> Result<BlockExport, String> {
    use crate::output::blocklist::BlockFormat;
    let (name, path) = match s.split_once('=') {
        Some((n, p)) if !p.is_empty() => (n, Some(PathBuf::from(p))),
        Some((n, _)) => return Err(format!("`{n}=`: the path is empty")),
        None => (s, None),
    };
    let format = BlockFormat::from_name(name).ok_or_else(|| {
        let names: Vec<&str> = BlockFormat::ALL.iter().map(|f| f.name()).collect();
        format!(
            "unknown block list format `{name}` (known: {})",
            names.join(", ")
        )
    })?;
    Ok(BlockExport { format, path })
}

#[derive(Debug, Args)]
pub struct ReplayArgs {
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<String>,
    /// Speed multiplier over log time.
    #[arg(long, default_value_t = 10.0)]
    pub speed: f64,
    /// Start at this log time (RFC 3339).
    #[arg(long, value_name = "TIME")]
    pub from: Option<String>,
    /// Stop at this log time (RFC 3339).
    #[arg(long, value_name = "TIME")]
    pub to: Option<String>,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Log seconds per wall second.
    #[arg(long, default_value_t = 10.0)]
    pub speed: f64,
    /// Simulator seed.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Print events as JSON lines instead of starting the TUI.
    #[arg(long)]
    pub headless: bool,
}

#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// CSV file (`-` for stdin).
    pub file: String,
}

#[derive(Debug, Args)]
pub struct SimArgs {
    /// Scenario (see `lbtop sim --help` for the list).
    #[arg(long, default_value = "day", value_parser = clap::builder::PossibleValuesParser::new(crate::sim::SCENARIOS))]
    pub scenario: String,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output format of the lines.
    #[arg(long, value_parser = parse_format, default_value = "alb")]
    pub out_format: lbtop_format::Format,
    /// Base request rate (req/s).
    #[arg(long)]
    pub rps: Option<f64>,
    /// Where to write the ground truth (JSON).
    #[arg(long, value_name = "FILE")]
    pub truth: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Seeds to run.
    #[arg(long, value_delimiter = ',', default_value = "1,2,3")]
    pub seeds: Vec<u64>,
    /// Base request rates to run (req/s).
    #[arg(long, value_delimiter = ',', default_value = "5,50,500")]
    pub rates: Vec<f64>,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Lines per generated file.
    #[arg(long, default_value_t = 1_000_000)]
    pub lines: usize,
    /// Keep the generated files here instead of a temporary directory.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Run each stage this many times and report the median run, with the slowest and
    /// fastest (timings on a shared machine vary from run to run).
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub runs: usize,
}

mod lbtop_format {
    pub use crate::record::Format;
}

/// The default `--threads`: the cores this process may use (its CPU affinity and cgroup
/// quota, as `available_parallelism` reads them), at most 4. Past that the one thread that
/// aggregates and detects is the limit: parsing a line costs about three times what
/// aggregating and detecting it does.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().min(4))
}

fn parse_format(s: &str) -> Result<lbtop_format::Format, String> {
    crate::record::Format::from_name(s).ok_or_else(|| {
        let names: Vec<&str> = crate::record::Format::ALL
            .iter()
            .map(|f| f.name())
            .collect();
        format!("unknown format `{s}` (known: {})", names.join(", "))
    })
}
