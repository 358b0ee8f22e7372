//! `lbtop scan`: read to the end (or follow) and write events as JSON lines, or a text report.

use super::service::{self, EventSink};
use super::{Failure, load_rules};
use crate::cli::{Common, HookOpts, Output, ScanArgs};
use crate::engine::{Engine, EngineConfig};
use crate::event::Event;
use crate::output::hooks::Hooks;
use crate::pipeline::{self, Notice};
use crate::source;
use std::io::{self, Write};
use std::time::Instant;

pub fn run(args: &ScanArgs, common: &Common, hook_opts: &HookOpts) -> Result<(), Failure> {
    let inputs = if args.follow {
        source::expand_follow(&args.paths).map_err(Failure::msg)?.0
    } else {
        source::expand(&args.paths).map_err(Failure::msg)?
    };
    let rules = load_rules(common)?;
    let names: Vec<String> = inputs.iter().map(|i| i.name()).collect();
    let mut hooks = Hooks::start(hook_opts).map_err(Failure::msg)?;
    let mut engine = Engine::new(EngineConfig {
        emit_windows: args.windows,
        sources: names.clone(),
        drilldown: false,
        window_stats: hooks.as_ref().is_some_and(Hooks::wants_window_stats),
        ..super::engine_config(common)
    });
    let started = Instant::now();
    let mut out = EventSink::open(args.events_file.as_deref())?;
    let mut exports = service::Exports::new(&args.blocklist, args.events_file.is_none())?;
    let mut report = Vec::new();
    let mut write_err: Option<io::Error> = None;
    let mut emit = |engine: &mut Engine, out: &mut EventSink| -> bool {
        if let Some(h) = hooks.as_mut() {
            h.engine(engine);
        }
        for ev in engine.drain_events() {
            if let Some(h) = hooks.as_mut() {
                h.event(&ev);
            }
            if let Some(x) = &mut exports {
                x.observe(&ev);
            }
            let res = match args.output {
                Output::Json => serde_json::to_writer(&mut *out, &ev)
                    .map_err(io::Error::from)
                    .and_then(|()| out.write_all(b"\n")),
                Output::Text => {
                    report.push(ev);
                    Ok(())
                }
            };
            if let Err(e) = res {
                write_err = Some(e);
                return false;
            }
        }
        if let Some(x) = exports.as_mut().filter(|_| args.follow) {
            x.tick();
        }
        true
    };
    let mut notices: Vec<Notice> = Vec::new();
    let opts = super::read_options(common, parse_threads(common.threads));
    if args.follow {
        let signals = service::Signals::install(args.events_file.is_some())?;
        super::follow::run(
            &inputs,
            &args.paths,
            &opts,
            rules,
            &mut engine,
            &mut notices,
            |e| {
                // Reopen first, so nothing emitted after SIGHUP lands in the rotated file.
                if signals.take_hup() {
                    if let Err(e) = out.reopen() {
                        eprintln!("lbtop: {e}");
                    }
                }
                emit(e, &mut out) && out.flush().is_ok() && !signals.stop()
            },
        );
    } else {
        pipeline::read_all(&inputs, &opts, rules, &mut engine, &mut notices, |e| {
            emit(e, &mut out)
        });
    }
    engine.finish();
    emit(&mut engine, &mut out);
    if let Some(h) = hooks.as_mut() {
        h.sync(&mut engine);
    }
    let alerts = hooks.as_mut().and_then(Hooks::finish);
    if let Some(a) = alerts {
        eprintln!(
            "lbtop: alerts: {} sent, {} failed, {} dropped",
            a.sent, a.failed, a.dropped
        );
    }
    // Notice texts name their input already (as the reader's errors do).
    for n in &notices {
        eprintln!("lbtop: {}", n.text);
    }
    let mut summary = engine.summary(started.elapsed().as_secs_f64());
    summary.peak_rss_bytes = super::peak_rss_bytes();
    summary.source_errors = notices.iter().map(|n| n.text.clone()).collect();
    summary.alerts = alerts;
    let res = match args.output {
        Output::Json => serde_json::to_writer(&mut out, &Event::Summary(summary.clone()))
            .map_err(io::Error::from)
            .and_then(|()| out.write_all(b"\n")),
        Output::Text => super::report::write(&mut out, &report, &summary),
    };
    if let Some(e) = write_err.or(res.err()).or(out.flush().err()) {
        return Err(Failure::Io(e));
    }
    if let Some(x) = &mut exports {
        x.write(false)?;
    }
    // Every input unreadable, or nothing recognisable in them: say so and fail.
    if summary.parsed == 0 {
        if notices.len() >= inputs.len() && !inputs.is_empty() {
            return Err(Failure::msg(format!(
                "no input could be read ({})",
                notices.first().map_or("", |n| n.text.as_str())
            )));
        }
        let unknown = summary.rejected.get("unknown-format").copied().unwrap_or(0);
        if unknown > 0 && unknown == summary.rejected_total {
            return Err(Failure::msg(format!(
                "{}: unknown log format ({} lines, none recognised; try --format)",
                names.join(", "),
                unknown
            )));
        }
    }
    service::fail_on(&args.fail_on, &summary)
}

/// `--threads 1` parses inline; `--threads N` parses on N threads, the engine's included.
fn parse_threads(threads: usize) -> usize {
    if threads > 1 { threads } else { 0 }
}
