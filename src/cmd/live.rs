//! The TUI runtime: live (`lbtop PATH…`), `lbtop replay` and `lbtop demo`.
//!
//! The engine runs on its own thread and publishes the newest `Arc<Snapshot>` on a watch
//! channel; the UI (tokio, current thread) draws from it and sends `Control`s back. The data
//! path never waits for the screen: snapshots are built at most every 200 ms of wall time,
//! and the UI only ever sees the latest.

use super::Failure;
use super::follow::{FollowPipeline, IdleClock, Parsed};
use crate::detect::security::RuleSet;
use crate::engine::{Engine, EngineConfig};
use crate::event::Event;
use crate::output::hooks::Hooks;
use crate::pipeline::{self, ReadOptions};
use crate::record::{MICROS_PER_SEC, Micros};
use crate::snapshot::{Mode, Snapshot, ViewSpec};
use crate::source::Pacer;
use crate::tui::{Control, Theme};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};

const PUBLISH_EVERY: Duration = Duration::from_millis(200);

/// Owned by the engine thread: the view the UI asked for, and publishing.
pub(crate) struct Publisher {
    tx: watch::Sender<Arc<Snapshot>>,
    ctl: mpsc::Receiver<Control>,
    pub view: ViewSpec,
    last: Option<Instant>,
    dirty: bool,
    rate: RateMeter,
    pub mode: Mode,
    pub quit: bool,
    pub notices: Vec<String>,
    /// Alert sinks and metrics, fed with every drained event.
    pub hooks: Option<Hooks>,
}

/// Lines per wall second, smoothed.
#[derive(Default)]
struct RateMeter {
    last: Option<(Instant, u64)>,
    rate: f64,
}

impl RateMeter {
    fn update(&mut self, lines: u64) -> f64 {
        let now = Instant::now();
        match self.last {
            Some((t, n)) => {
                let dt = now.duration_since(t).as_secs_f64();
                if dt >= 0.5 {
                    let r = (lines.saturating_sub(n)) as f64 / dt;
                    self.rate = if self.rate == 0.0 {
                        r
                    } else {
                        0.5 * self.rate + 0.5 * r
                    };
                    self.last = Some((now, lines));
                }
            }
            None => self.last = Some((now, lines)),
        }
        self.rate
    }
}

impl Publisher {
    pub fn new(tx: watch::Sender<Arc<Snapshot>>, ctl: mpsc::Receiver<Control>, mode: Mode) -> Self {
        Publisher {
            tx,
            ctl,
            view: ViewSpec::default(),
            last: None,
            dirty: true,
            rate: RateMeter::default(),
            mode,
            quit: false,
            notices: Vec::new(),
            hooks: None,
        }
    }

    /// Drain the engine's events into the hooks (the screen reads the engine's state, not
    /// the events). Says whether an anomaly was among them.
    pub fn take_events(&mut self, engine: &mut Engine) -> bool {
        if let Some(h) = self.hooks.as_mut() {
            h.engine(engine);
        }
        let mut anomaly = false;
        for ev in engine.drain_events() {
            anomaly |= matches!(ev, Event::Anomaly(_));
            if let Some(h) = self.hooks.as_mut() {
                h.event(&ev);
            }
        }
        anomaly
    }

    /// Controls that are not about the view; the caller handles them (pacing, seeking).
    pub fn poll(&mut self) -> Vec<Control> {
        let mut other = Vec::new();
        loop {
            match self.ctl.try_recv() {
                Ok(Control::SetView(v)) => {
                    self.view = v;
                    self.dirty = true;
                    self.last = None; // answer a view change at once
                }
                Ok(Control::Quit) | Err(mpsc::error::TryRecvError::Disconnected) => {
                    self.quit = true;
                    return other;
                }
                Ok(Control::Print(_)) => {}
                Ok(c) => other.push(c),
                Err(mpsc::error::TryRecvError::Empty) => return other,
            }
        }
    }

    pub fn touch(&mut self) {
        self.dirty = true;
    }

    /// Publish if something changed and the last publish is old enough.
    pub fn maybe_publish(&mut self, engine: &Engine, extra: impl FnOnce(&mut Snapshot)) {
        if !self.dirty || self.last.is_some_and(|t| t.elapsed() < PUBLISH_EVERY) {
            return;
        }
        let mut s = engine.snapshot(&self.view);
        s.mode = self.mode;
        s.lines_per_sec = self.rate.update(s.lines);
        s.notices = self.notices.iter().rev().take(5).cloned().collect();
        s.alerts = self.hooks.as_ref().and_then(Hooks::alert_counts);
        extra(&mut s);
        let _ = self.tx.send(Arc::new(s));
        self.last = Some(Instant::now());
        self.dirty = false;
    }
}

pub enum Kind {
    Live {
        paths: Vec<String>,
    },
    Replay {
        paths: Vec<String>,
        speed: f64,
        from: Option<Micros>,
        to: Option<Micros>,
    },
    Demo {
        seed: u64,
        speed: f64,
    },
}

/// Start the engine thread for `kind`, run the TUI until the user quits, print what the UI
/// asked to print (block rules).
pub fn run(
    kind: Kind,
    common: &crate::cli::Common,
    hook_opts: &crate::cli::HookOpts,
    theme: Theme,
) -> Result<(), Failure> {
    let rules = super::load_rules(common)?;
    let cfg = super::engine_config(common);
    let opts = super::read_options(common, common.threads.max(1));
    // Resolve inputs before touching the terminal, so errors print plainly.
    let inputs = match &kind {
        Kind::Live { paths } => {
            let (files, patterns) = crate::source::expand_follow(paths).map_err(Failure::msg)?;
            // What is there now is the backfill; its size gives the progress bar.
            let total: u64 = files
                .iter()
                .filter_map(|f| match f {
                    crate::source::Input::File(p) => std::fs::metadata(p).ok().map(|m| m.len()),
                    crate::source::Input::Stdin => None,
                })
                .sum();
            Input::Follow(patterns, total)
        }
        Kind::Replay { paths, .. } => {
            Input::Files(crate::source::expand(paths).map_err(Failure::msg)?)
        }
        Kind::Demo { .. } => Input::None,
    };
    let hooks = Hooks::start(hook_opts).map_err(Failure::msg)?;
    let cfg = EngineConfig {
        window_stats: hooks.as_ref().is_some_and(Hooks::wants_window_stats),
        ..cfg
    };
    let (snap_tx, snap_rx) = watch::channel(Arc::new(Snapshot::default()));
    let (ctl_tx, ctl_rx) = mpsc::channel::<Control>(64);
    let mode = match &kind {
        Kind::Live { .. } => Mode::Backfill,
        Kind::Replay { speed, .. } => Mode::Replay {
            speed_x100: (speed * 100.0) as u32,
            paused: false,
        },
        Kind::Demo { .. } => Mode::Demo,
    };
    let engine_thread = std::thread::Builder::new()
        .name("engine".into())
        .spawn(move || {
            let mut publ = Publisher::new(snap_tx, ctl_rx, mode);
            publ.hooks = hooks;
            match (kind, inputs) {
                (Kind::Live { .. }, Input::Follow(patterns, total)) => {
                    live(patterns, total, &opts, rules, cfg, &mut publ)
                }
                (
                    Kind::Replay {
                        speed, from, to, ..
                    },
                    Input::Files(files),
                ) => replay(&files, opts, rules, cfg, speed, from, to, &mut publ),
                (Kind::Demo { seed, speed }, _) => {
                    super::demo::run(seed, speed, rules, cfg, &mut publ)
                }
                _ => {}
            }
            publ.hooks.as_mut().and_then(Hooks::finish)
        })
        .map_err(Failure::Io)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(Failure::Io)?;
    let printed = rt.block_on(crate::tui::run_terminal(snap_rx, ctl_tx, theme));
    // The UI dropped its control sender: the engine thread sees it and stops.
    let alerts = engine_thread.join().ok().flatten();
    let printed = printed.map_err(|e| Failure::msg(format!("terminal: {e}")))?;
    if let Some(a) = alerts {
        eprintln!(
            "lbtop: alerts: {} sent, {} failed, {} dropped",
            a.sent, a.failed, a.dropped
        );
    }
    for line in printed {
        println!("{line}");
    }
    Ok(())
}

enum Input {
    Follow(Vec<crate::source::Pattern>, u64),
    Files(Vec<crate::source::Input>),
    None,
}

fn live(
    patterns: Vec<crate::source::Pattern>,
    backfill_bytes: u64,
    opts: &ReadOptions,
    rules: Arc<RuleSet>,
    mut cfg: EngineConfig,
    publ: &mut Publisher,
) {
    cfg.sources.clear();
    let mut engine = Engine::new(cfg);
    publ.notices.extend(super::follow::waiting_for(&patterns));
    let pipe = FollowPipeline::start(patterns, opts, rules, true);
    let mut clock = IdleClock::default();
    let mut idle_since = Instant::now();
    let mut received: u64 = 0;
    while !publ.quit {
        publ.poll();
        match pipe.rx.recv_timeout(Duration::from_millis(100)) {
            Ok(Parsed::Batch(b)) => {
                received += b.chunk.len() as u64;
                if publ.mode == Mode::Backfill && received >= backfill_bytes {
                    publ.mode = Mode::Live;
                }
                engine.batch(&b);
                clock.saw(engine.counters().last);
                pipe.recycle(b);
                publ.take_events(&mut engine);
                publ.touch();
                idle_since = Instant::now();
            }
            Ok(Parsed::Opened(id, name)) => {
                engine.set_source(id, name);
                publ.touch();
            }
            Ok(Parsed::Notice(n)) => {
                publ.notices.push(n.text);
                publ.touch();
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                // Nothing new for a while: backfill is over (a file may have shrunk meanwhile);
                // let idle windows close.
                if idle_since.elapsed() > Duration::from_secs(2) && publ.mode == Mode::Backfill {
                    publ.mode = Mode::Live;
                    publ.touch();
                }
                if let Some(now) = clock.now() {
                    if publ.mode == Mode::Live {
                        engine.advance(now);
                        publ.take_events(&mut engine);
                        publ.touch();
                    }
                }
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
        }
        let lag = clock.lag_secs();
        let progress =
            (publ.mode == Mode::Backfill).then(|| received as f64 / backfill_bytes.max(1) as f64);
        publ.maybe_publish(&engine, |s| {
            s.lag_secs = lag;
            s.backfill = progress;
        });
    }
}

/// Replay: read the files in log-time order, releasing each record when the pacer says so.
/// Seeking back restarts from the beginning and fast-forwards (logs have no index).
#[allow(clippy::too_many_arguments)]
fn replay(
    files: &[crate::source::Input],
    opts: ReadOptions,
    rules: Arc<RuleSet>,
    cfg: EngineConfig,
    speed: f64,
    from: Option<Micros>,
    to: Option<Micros>,
    publ: &mut Publisher,
) {
    let mut target: Option<Micros> = from;
    let mut speed = speed;
    let mut paused = false;
    loop {
        let mut engine = Engine::new(cfg.clone());
        for (i, f) in files.iter().enumerate() {
            engine.set_source(i as u32, f.name());
        }
        let started = Instant::now();
        let mut pacer = Pacer::new(speed);
        if paused {
            pacer.pause(Duration::ZERO);
        }
        let mut restart: Option<Micros> = None;
        let mut next_anomaly = false;
        let mut cursor: Micros = 0;
        let mut notices = Vec::new();
        let mut pace = |engine: &mut Engine, t: Micros| -> bool {
            cursor = t;
            if to.is_some_and(|end| t > end) {
                return false;
            }
            let fast = target.is_some_and(|g| t < g) || next_anomaly;
            let found = publ.take_events(engine);
            if next_anomaly && found {
                next_anomaly = false;
                pacer = Pacer::new(speed);
            }
            if fast {
                publ.touch();
                publ.maybe_publish(engine, |_| {});
                return !publ.quit;
            }
            target = None;
            loop {
                for c in publ.poll() {
                    let wall = started.elapsed();
                    match c {
                        Control::Pause(p) => {
                            paused = p;
                            if p {
                                pacer.pause(wall)
                            } else {
                                pacer.resume(wall)
                            }
                        }
                        Control::Speed(s) => {
                            speed = s.clamp(0.1, 10_000.0);
                            pacer.set_speed(speed, wall);
                        }
                        Control::Seek(secs) if secs > 0 => {
                            target = Some(t + secs * MICROS_PER_SEC);
                            pacer = Pacer::new(speed);
                        }
                        Control::Seek(secs) => {
                            restart = Some((t + secs * MICROS_PER_SEC).max(0));
                        }
                        Control::JumpAnomaly(true) => next_anomaly = true,
                        Control::JumpAnomaly(false) => {
                            // The start of the latest episode that began before now.
                            let snap = engine.snapshot(&ViewSpec::default());
                            let prev = snap
                                .anomalies
                                .iter()
                                .map(|a| a.episode_start.0)
                                .filter(|&s| s < t - MICROS_PER_SEC)
                                .max();
                            restart = Some(prev.unwrap_or(0));
                        }
                        _ => {}
                    }
                    publ.mode = Mode::Replay {
                        speed_x100: (speed * 100.0) as u32,
                        paused,
                    };
                    publ.touch();
                }
                if publ.quit || restart.is_some() {
                    return false;
                }
                if target.is_some() || next_anomaly {
                    return true;
                }
                let wait = pacer.delay(t, started.elapsed());
                if wait.is_zero() {
                    break;
                }
                publ.touch();
                publ.maybe_publish(engine, |_| {});
                std::thread::sleep(wait.min(Duration::from_millis(20)));
            }
            publ.touch();
            publ.maybe_publish(engine, |_| {});
            true
        };
        pipeline::read_all_paced(
            files,
            &opts,
            rules.clone(),
            &mut engine,
            &mut notices,
            |_| true,
            &mut pace,
        );
        if let Some(r) = restart {
            target = Some(r);
            continue;
        }
        if publ.quit {
            return;
        }
        // The end of the captured logs: close the windows and keep showing the result.
        engine.finish();
        publ.take_events(&mut engine);
        for n in notices {
            publ.notices.push(n.text);
        }
        publ.touch();
        while !publ.quit {
            let mut again = None;
            for c in publ.poll() {
                if let Control::Seek(s) = c {
                    if s < 0 {
                        again = Some((cursor + s * MICROS_PER_SEC).max(0));
                    }
                }
                if let Control::JumpAnomaly(false) = c {
                    let snap = engine.snapshot(&ViewSpec::default());
                    again = snap.anomalies.first().map(|a| a.episode_start.0);
                }
            }
            if let Some(t) = again {
                target = Some(t);
                break;
            }
            publ.maybe_publish(&engine, |s| s.finished = true);
            std::thread::sleep(Duration::from_millis(50));
        }
        if publ.quit {
            return;
        }
    }
}
