//! Following growing files: `lbtop scan --follow` and the TUI's live mode.
//!
//! follower threads (`source::Follower`) → bounded channel of chunks → one parse thread
//! (per-source `StreamParser`, security rules) → bounded channel of batches → the caller's
//! engine loop. A full channel makes the stage before it wait; nothing is dropped.

use crate::batch::Batch;
use crate::detect::security::RuleSet;
use crate::engine::Engine;
use crate::parse::StreamParser;
use crate::pipeline::Notice;
use crate::source::{BufferPool, FollowOptions, Follower, Pattern, SourceMsg};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

// Moved once per 256 KiB chunk; boxing would only add an allocation.
#[allow(clippy::large_enum_variant)]
pub enum Parsed {
    Batch(Batch),
    /// A source (re)started under this name.
    Opened(u32, String),
    Notice(Notice),
}

pub struct FollowPipeline {
    pub rx: Receiver<Parsed>,
    pub pool: BufferPool,
    follower: Option<Follower>,
    parse: Option<JoinHandle<()>>,
    /// Tells the parse thread to end even while a detached stdin reader keeps its input open.
    stop: Arc<AtomicBool>,
}

impl FollowPipeline {
    /// Start following `patterns`; `from_start` reads what is already there first.
    pub fn start(
        patterns: Vec<Pattern>,
        opts: &crate::pipeline::ReadOptions,
        rules: Arc<RuleSet>,
        from_start: bool,
    ) -> FollowPipeline {
        let read = opts.clone();
        let pool = BufferPool::new();
        let (src_tx, src_rx) = sync_channel::<SourceMsg>(16);
        let opts = FollowOptions {
            from_start,
            pool: pool.clone(),
            ..FollowOptions::default()
        };
        let follower = Follower::spawn(patterns, opts, src_tx);
        let (tx, rx) = sync_channel::<Parsed>(8);
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let parse = std::thread::Builder::new()
            .name("parse".into())
            .spawn(move || parse_loop(src_rx, tx, read, rules, &stop2))
            .expect("spawn parse thread");
        FollowPipeline {
            rx,
            pool,
            follower: Some(follower),
            parse: Some(parse),
            stop,
        }
    }

    /// Give a consumed batch's chunk buffer back to the readers.
    pub fn recycle(&self, mut b: Batch) {
        self.pool.put(std::mem::take(&mut b.chunk).into_bytes());
    }
}

impl Drop for FollowPipeline {
    fn drop(&mut self) {
        if let Some(f) = self.follower.take() {
            drop(f);
        }
        // The parse thread ends when its input or output channel closes, or on `stop`.
        self.stop.store(true, Ordering::Relaxed);
        let (_, dead) = sync_channel(0);
        self.rx = dead;
        if let Some(h) = self.parse.take() {
            let _ = h.join();
        }
    }
}

fn parse_loop(
    rx: Receiver<SourceMsg>,
    tx: SyncSender<Parsed>,
    read: crate::pipeline::ReadOptions,
    rules: Arc<RuleSet>,
    stop: &AtomicBool,
) {
    let (format, mut ingest) = (read.format, read.ingest(rules));
    let mut parsers: HashMap<u32, StreamParser> = HashMap::new();
    loop {
        // A stdin reader blocked in `read` holds the input channel open: poll `stop` too.
        let msg = match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(m) => m,
            Err(RecvTimeoutError::Timeout) if !stop.load(Ordering::Relaxed) => continue,
            Err(_) => return,
        };
        let out = match msg {
            SourceMsg::Opened { source, name } => {
                parsers.insert(source, StreamParser::new(format));
                Parsed::Opened(source, name)
            }
            SourceMsg::Chunk {
                source,
                first_line,
                data,
            } => {
                let parser = parsers
                    .entry(source)
                    .or_insert_with(|| StreamParser::new(format));
                let mut b = Batch::default();
                ingest.parse_chunk(parser, source, first_line, data, &mut b);
                Parsed::Batch(b)
            }
            SourceMsg::Notice { source, text, .. } => Parsed::Notice(Notice { source, text }),
            SourceMsg::Eof { .. } => continue,
        };
        if tx.send(out).is_err() {
            return;
        }
    }
}

/// Like `tail -F`, following waits for named files that do not exist yet, and says so.
pub fn waiting_for(patterns: &[Pattern]) -> Vec<String> {
    patterns
        .iter()
        .filter_map(|p| match p {
            Pattern::File(f) if !f.exists() => Some(format!(
                "{}: no such file yet; waiting for it to appear",
                f.display()
            )),
            Pattern::Glob(g) if crate::source::expand(std::slice::from_ref(g)).is_err() => Some(
                format!("{g}: no files match yet; waiting for them to appear"),
            ),
            _ => None,
        })
        .collect()
}

/// Maps wall time to log time for idle ticks: the newest log time seen plus the wall time
/// since it was seen, so windows close on a quiet log.
#[derive(Debug, Default)]
pub struct IdleClock {
    last: Option<(i64, Instant)>,
}

impl IdleClock {
    pub fn saw(&mut self, log_time: Option<i64>) {
        if let Some(t) = log_time {
            if self.last.is_none_or(|(l, _)| t > l) {
                self.last = Some((t, Instant::now()));
            }
        }
    }

    pub fn now(&self) -> Option<i64> {
        self.last.map(|(t, at)| t + at.elapsed().as_micros() as i64)
    }

    /// Seconds the log is behind the wall clock, when the log's clock is the real one.
    pub fn lag_secs(&self) -> Option<f64> {
        let (t, _) = self.last?;
        let wall = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?;
        Some((wall.as_micros() as i64 - t) as f64 / 1e6)
    }
}

/// `lbtop scan --follow`: runs until the inputs are gone for good or `on_progress` says stop.
pub fn run(
    _inputs: &[crate::source::Input],
    args: &[String],
    opts: &crate::pipeline::ReadOptions,
    rules: Arc<RuleSet>,
    engine: &mut Engine,
    notices: &mut Vec<Notice>,
    mut on_progress: impl FnMut(&mut Engine) -> bool,
) {
    let patterns = match crate::source::expand_follow(args) {
        Ok((_, p)) => p,
        Err(e) => {
            notices.push(Notice {
                source: 0,
                text: e.to_string(),
            });
            return;
        }
    };
    for w in waiting_for(&patterns) {
        eprintln!("lbtop: {w}");
    }
    let pipe = FollowPipeline::start(patterns, opts, rules, true);
    let mut clock = IdleClock::default();
    loop {
        match pipe.rx.recv_timeout(Duration::from_secs(1)) {
            Ok(Parsed::Batch(b)) => {
                engine.batch(&b);
                clock.saw(engine.counters().last);
                pipe.recycle(b);
            }
            Ok(Parsed::Opened(id, name)) => engine.set_source(id, name),
            Ok(Parsed::Notice(n)) => eprintln!("lbtop: {}", n.text),
            Err(RecvTimeoutError::Timeout) => {
                if let Some(now) = clock.now() {
                    engine.advance(now);
                }
            }
            Err(RecvTimeoutError::Disconnected) => return,
        }
        if !on_progress(engine) {
            return;
        }
    }
}
