//! What `scan` needs to run as a service or in a pipeline: where events go (stdout or an
//! appended file reopened on SIGHUP), clean stop on SIGTERM/SIGINT, block-list exports,
//! and `--fail-on`.

use super::Failure;
use crate::cli::{BlocklistArgs, FailOn};
use crate::event::{Event, SummaryEvent};
use crate::output::blocklist::{BlockFormat, BlockList, Options, Sources};
use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

/// The JSON events' destination.
pub enum EventSink {
    Stdout(BufWriter<io::Stdout>),
    File(PathBuf, BufWriter<File>),
}

fn append(path: &Path) -> Result<BufWriter<File>, Failure> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map(|f| BufWriter::with_capacity(64 * 1024, f))
        .map_err(|e| Failure::msg(format!("--events-file {}: {e}", path.display())))
}

impl EventSink {
    pub fn open(path: Option<&Path>) -> Result<EventSink, Failure> {
        Ok(match path {
            None => EventSink::Stdout(BufWriter::with_capacity(64 * 1024, io::stdout())),
            Some(p) => EventSink::File(p.to_path_buf(), append(p)?),
        })
    }

    /// After logrotate moved the file away: flush into the old one, continue in a new one.
    pub fn reopen(&mut self) -> Result<(), Failure> {
        if let EventSink::File(path, w) = self {
            w.flush().map_err(Failure::Io)?;
            *w = append(path)?;
        }
        Ok(())
    }
}

impl Write for EventSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            EventSink::Stdout(w) => w.write(buf),
            EventSink::File(_, w) => w.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            EventSink::Stdout(w) => w.write_all(buf),
            EventSink::File(_, w) => w.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            EventSink::Stdout(w) => w.flush(),
            EventSink::File(_, w) => w.flush(),
        }
    }
}

/// SIGTERM/SIGINT (stop) and SIGHUP (reopen) as flags the follow loop polls once a second.
pub struct Signals {
    stop: Arc<AtomicBool>,
    hup: Arc<AtomicBool>,
}

impl Signals {
    /// `hup`: take SIGHUP too (only with --events-file; otherwise it keeps ending the process).
    pub fn install(hup: bool) -> Result<Signals, Failure> {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        use signal_hook::flag;
        let s = Signals {
            stop: Arc::new(AtomicBool::new(false)),
            hup: Arc::new(AtomicBool::new(false)),
        };
        let err = |e: io::Error| Failure::msg(format!("installing signal handlers: {e}"));
        for sig in [SIGTERM, SIGINT] {
            // A second signal while stopping ends the process at once.
            flag::register_conditional_shutdown(sig, 1, s.stop.clone()).map_err(err)?;
            flag::register(sig, s.stop.clone()).map_err(err)?;
        }
        if hup {
            flag::register(SIGHUP, s.hup.clone()).map_err(err)?;
        }
        Ok(s)
    }

    pub fn stop(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Whether a SIGHUP arrived since the last call.
    pub fn take_hup(&self) -> bool {
        self.hup.swap(false, Ordering::Relaxed)
    }
}

fn wall_micros() -> i64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64 * 1_000_000)
}

/// Where each requested list goes; `None` is stdout.
struct Target {
    format: BlockFormat,
    path: Option<PathBuf>,
}

/// `--export-blocklist`: one flagged-client set, written in each requested format at the end
/// (and, while following, every `--blocklist-interval` when it changed).
pub struct Exports {
    list: BlockList,
    targets: Vec<Target>,
    changed: bool,
    last_write: Instant,
    interval: Duration,
}

impl Exports {
    /// `None` when no list was asked for.
    pub fn new(a: &BlocklistArgs, events_on_stdout: bool) -> Result<Option<Exports>, Failure> {
        if a.export_blocklist.is_empty() {
            if a.blocklist_out.is_some() {
                return Err(Failure::msg(
                    "--blocklist-out needs --export-blocklist FORMAT",
                ));
            }
            return Ok(None);
        }
        let unnamed = a
            .export_blocklist
            .iter()
            .filter(|e| e.path.is_none())
            .count();
        if a.blocklist_out.is_some() && unnamed != 1 {
            return Err(Failure::msg(
                "--blocklist-out names the file of exactly one --export-blocklist without =PATH",
            ));
        }
        let mut targets = Vec::new();
        for e in &a.export_blocklist {
            let path = e
                .path
                .clone()
                .or_else(|| a.blocklist_out.clone())
                .unwrap_or_else(|| PathBuf::from(e.format.default_file()));
            let path = (path.as_os_str() != "-").then_some(path);
            if path.is_none() && events_on_stdout {
                return Err(Failure::msg(format!(
                    "--export-blocklist {}=-: stdout carries the events; add --events-file PATH",
                    e.format.name()
                )));
            }
            targets.push(Target {
                format: e.format,
                path,
            });
        }
        let from = if a.blocklist_from.is_empty() {
            Sources::default()
        } else {
            Sources::parse(&a.blocklist_from)
                .map_err(|e| Failure::msg(format!("--blocklist-from {e}")))?
        };
        let list = BlockList::new(Options {
            from,
            exclude: a.blocklist_exclude.clone(),
            cap: a.blocklist_cap,
        });
        Ok(Some(Exports {
            list,
            targets,
            changed: false,
            last_write: Instant::now(),
            interval: Duration::from_secs(a.blocklist_interval.max(1)),
        }))
    }

    pub fn observe(&mut self, ev: &Event) {
        if matches!(ev, Event::Client(_) | Event::Security(_)) {
            self.list.observe(ev);
            self.changed = true;
        }
    }

    /// While following: rewrite the files when the set changed and the interval has passed.
    pub fn tick(&mut self) {
        if self.changed && self.last_write.elapsed() >= self.interval {
            if let Err(e) = self.write(true) {
                eprintln!("lbtop: {e}");
            }
        }
    }

    /// Writes every list; `quiet` skips the per-file report (periodic rewrites).
    pub fn write(&mut self, quiet: bool) -> Result<(), Failure> {
        self.changed = false;
        self.last_write = Instant::now();
        let now = wall_micros();
        for t in &self.targets {
            let res = match &t.path {
                Some(p) => self.list.write_file(t.format, now, p),
                None => {
                    let mut out = io::stdout().lock();
                    self.list
                        .write(t.format, now, &mut out)
                        .and_then(|()| out.flush())
                }
            };
            let name = t
                .path
                .as_ref()
                .map_or_else(|| "stdout".to_string(), |p| p.display().to_string());
            res.map_err(|e| Failure::msg(format!("block list {name}: {e}")))?;
            if !quiet {
                eprintln!(
                    "lbtop: block list ({}): {} addresses written to {name}",
                    t.format.name(),
                    self.list.len()
                );
            }
        }
        if !quiet {
            self.report();
        }
        Ok(())
    }

    fn report(&self) {
        let d = self.list.dropped;
        if d.over_cap > 0 {
            eprintln!(
                "lbtop: block list: full at {} addresses; {} events about further clients left out (--blocklist-cap)",
                self.list.len(),
                d.over_cap
            );
        }
        if d.not_ip > 0 {
            eprintln!(
                "lbtop: block list: {} events whose client is not an IP address left out",
                d.not_ip
            );
        }
        if d.excluded > 0 {
            eprintln!(
                "lbtop: block list: {} events about --blocklist-exclude addresses left out",
                d.excluded
            );
        }
        let private = self.list.private_count();
        if private > 0 {
            eprintln!(
                "lbtop: block list: {private} addresses are private or loopback (a proxy or health check?); \
                 they are listed — exclude them with --blocklist-exclude 10.0.0.0/8 etc."
            );
        }
        let v6 = self
            .list
            .entries()
            .iter()
            .filter(|e| e.ip.is_ipv6())
            .count();
        let v4 = self.list.len() - v6;
        if self.targets.iter().any(|t| t.format == BlockFormat::AwsWaf)
            && v4.max(v6) > crate::output::blocklist::WAF_MAX_ADDRESSES
        {
            eprintln!(
                "lbtop: block list (aws-waf): an IP set holds at most {} addresses; the rest were left out",
                crate::output::blocklist::WAF_MAX_ADDRESSES
            );
        }
    }
}

/// `--fail-on`: `Err(Found)` naming what was found, after everything was written.
pub fn fail_on(kinds: &[FailOn], summary: &SummaryEvent) -> Result<(), Failure> {
    let found: Vec<String> = kinds
        .iter()
        .filter_map(|k| {
            let n = summary.events.get(k.kind()).copied().unwrap_or(0);
            (n > 0).then(|| format!("{n} {}", k.kind()))
        })
        .collect();
    if found.is_empty() {
        Ok(())
    } else {
        Err(Failure::Found(format!(
            "--fail-on: found {} events",
            found.join(", ")
        )))
    }
}
