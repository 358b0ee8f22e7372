//! Moving lines in: sources → parse stage → engine, for reading inputs to the end.
//!
//! Each input gets a *feed* that reads line-aligned chunks and parses them into batches:
//! on parse threads, each taking the next chunk (the default, `--threads 2`, parses on one
//! thread and on the caller's, which also aggregates and detects) or inline
//! (`--threads 1`). Feeds are bounded (each parse thread runs at most two batches ahead) and
//! batches are recycled, so memory stays flat whatever the file size.
//!
//! Several inputs are merged in log-time order: record by record across the open feeds.
//! Inputs are opened lazily in name order (ALB names carry the time): the next input opens
//! once the merge has reached the first log time of the last one opened, so only files that
//! overlap in time are open together, even for a directory of thousands of files.

use crate::batch::Batch;
use crate::detect::security::RuleSet;
use crate::engine::Engine;
use crate::ingest::Ingest;
use crate::parse::{Format, StreamParser};
use crate::record::{Micros, Request};
use crate::source::{ChunkReader, Input};
use std::collections::VecDeque;
use std::sync::Arc;

mod pool;

/// A problem with one input that did not stop the others (e.g. a truncated gzip).
#[derive(Debug, Clone)]
pub struct Notice {
    pub source: u32,
    /// One line naming the input (`cut.log.gz: truncated gzip after 812 lines`).
    pub text: String,
}

trait Feed {
    /// The next batch (counts included even when it holds no records), `Err` at the end.
    fn next(&mut self, recycled: Batch) -> Result<Batch, Option<String>>;
}

/// Reads and parses on the calling thread.
struct InlineFeed {
    /// Unnumbered ([`ChunkReader::unnumbered`]): lines are numbered here.
    reader: ChunkReader,
    parser: StreamParser,
    ingest: Ingest,
    source: u32,
    /// Number of the next chunk's first line.
    next_line: u64,
    done: bool,
}

impl Feed for InlineFeed {
    fn next(&mut self, mut b: Batch) -> Result<Batch, Option<String>> {
        if self.done {
            return Err(None);
        }
        // Taken before `clear`: the reader overwrites the old bytes instead of zeroing a buffer.
        let mut chunk = std::mem::take(&mut b.chunk).into_bytes();
        b.clear();
        match self.reader.next_chunk(&mut chunk) {
            Ok(Some(_)) => {
                self.ingest.parse_chunk(
                    &mut self.parser,
                    self.source,
                    self.next_line,
                    chunk,
                    &mut b,
                );
                self.next_line += b.lines;
                Ok(b)
            }
            Ok(None) => {
                self.done = true;
                Err(None)
            }
            Err(e) => {
                self.done = true;
                Err(Some(e.to_string()))
            }
        }
    }
}

struct Cursor {
    feed: Box<dyn Feed>,
    batch: Batch,
    i: usize,
    source: u32,
}

impl Cursor {
    fn head(&self) -> Micros {
        self.batch.records[self.i].time
    }
}

#[derive(Debug, Clone)]
pub struct ReadOptions {
    pub format: Option<Format>,
    /// Threads parsing each input: 0 parses inline on the caller's thread. `n` parses chunks
    /// in turn (see [`pool`]) on `n` threads counting the caller's, which aggregates and
    /// detects and parses whenever the batch it needs is not ready yet. (For a pipe, whose
    /// reads may wait, the caller does not parse: `n` threads parse beside it.)
    pub parse_threads: usize,
    /// Trusted proxies: clients are resolved through X-Forwarded-For behind them.
    pub proxies: crate::ingest::proxy::ClientResolver,
    /// User path patterns (`--path-pattern`), applied in the parse stage.
    pub path_patterns: crate::window::paths::PathPatterns,
    /// The detectors that run (`--detect`): the parse stage applies the security rules and
    /// computes the behaviour detector's keys only for those that do.
    pub detectors: crate::detect::Detectors,
}

impl ReadOptions {
    /// A parse stage configured with these options.
    pub fn ingest(&self, rules: Arc<RuleSet>) -> Ingest {
        let mut ingest = if self.detectors.security {
            Ingest::new(rules)
        } else {
            Ingest::without_rules()
        };
        if !self.detectors.client {
            ingest = ingest.without_behaviour_keys();
        }
        ingest
            .with_proxies(self.proxies.clone())
            .with_path_patterns(self.path_patterns.clone())
    }
}

/// Read every input to its end into `engine`, merged in log-time order. `on_progress` is
/// called after each batch (for events out and progress; return false to stop early).
/// Inputs that fail to open or end early are reported as notices; the rest go on.
pub fn read_all(
    inputs: &[Input],
    opts: &ReadOptions,
    rules: Arc<RuleSet>,
    engine: &mut Engine,
    notices: &mut Vec<Notice>,
    on_progress: impl FnMut(&mut Engine) -> bool,
) {
    read_all_paced(
        inputs,
        opts,
        rules,
        engine,
        notices,
        on_progress,
        &mut |_, _| true,
    );
}

/// [`read_all`] with `pace` called before each record with its log time (replay waits there;
/// return false to stop).
pub fn read_all_paced(
    inputs: &[Input],
    opts: &ReadOptions,
    rules: Arc<RuleSet>,
    engine: &mut Engine,
    notices: &mut Vec<Notice>,
    mut on_progress: impl FnMut(&mut Engine) -> bool,
    pace: &mut impl FnMut(&mut Engine, Micros) -> bool,
) {
    let mut pending: VecDeque<u32> = (0..inputs.len() as u32).collect();
    let mut active: Vec<Cursor> = Vec::new();
    let mut spare: Vec<Batch> = Vec::new();
    let mut frontier = Micros::MIN;
    let mut last_opened_first = Micros::MIN;

    let open = |src: u32, notices: &mut Vec<Notice>| -> Option<Box<dyn Feed>> {
        let reader = match ChunkReader::open(&inputs[src as usize]) {
            Ok(r) => r.unnumbered(),
            Err(e) => {
                // The reader's errors name the input already.
                notices.push(Notice {
                    source: src,
                    text: e.to_string(),
                });
                return None;
            }
        };
        let parser = StreamParser::new(opts.format);
        Some(if opts.parse_threads == 0 {
            Box::new(InlineFeed {
                reader,
                parser,
                ingest: opts.ingest(rules.clone()),
                source: src,
                next_line: 1,
                done: false,
            })
        } else {
            let regular = match &inputs[src as usize] {
                Input::File(p) => std::fs::metadata(p).is_ok_and(|m| m.is_file()),
                Input::Stdin => false,
            };
            let workers = if regular {
                opts.parse_threads.saturating_sub(1).max(1)
            } else {
                opts.parse_threads
            };
            Box::new(pool::PoolFeed::spawn(
                reader,
                parser,
                src,
                workers,
                regular,
                || opts.ingest(rules.clone()),
            ))
        })
    };

    // Pull batches until one has records, counting the empty ones; None at the end.
    fn fill(
        feed: &mut dyn Feed,
        mut b: Batch,
        src: u32,
        engine: &mut Engine,
        notices: &mut Vec<Notice>,
        spare: &mut Vec<Batch>,
    ) -> Option<Batch> {
        loop {
            match feed.next(b) {
                Ok(nb) => {
                    engine.batch_counts(&nb);
                    if !nb.is_empty() {
                        return Some(nb);
                    }
                    b = nb;
                }
                Err(e) => {
                    if let Some(text) = e {
                        notices.push(Notice { source: src, text });
                    }
                    spare.push(Batch::default());
                    return None;
                }
            }
        }
    }

    loop {
        // Open the next inputs once the merge has caught up with the last one opened.
        while let Some(&src) = pending.front() {
            if !active.is_empty() && frontier < last_opened_first {
                break;
            }
            pending.pop_front();
            let Some(mut feed) = open(src, notices) else {
                continue;
            };
            let b = spare.pop().unwrap_or_default();
            if let Some(batch) = fill(feed.as_mut(), b, src, engine, notices, &mut spare) {
                last_opened_first = batch.records[0].time;
                active.push(Cursor {
                    feed,
                    batch,
                    i: 0,
                    source: src,
                });
            }
            if !on_progress(engine) {
                return;
            }
        }
        if active.is_empty() {
            if pending.is_empty() {
                break;
            }
            continue;
        }
        // The input with the oldest head goes next, up to the next-oldest head.
        let (k, limit) = if active.len() == 1 {
            (0, Micros::MAX)
        } else {
            let mut k = 0;
            for j in 1..active.len() {
                if active[j].head() < active[k].head() {
                    k = j;
                }
            }
            let limit = active
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != k)
                .map(|(_, c)| c.head())
                .min()
                .unwrap_or(Micros::MAX);
            // Stop before the others' head, or frontier checks for opening starve.
            let limit = if pending.is_empty() {
                limit
            } else {
                limit.min(last_opened_first)
            };
            (k, limit)
        };
        let c = &mut active[k];
        let n = c.batch.len();
        let mut i = c.i;
        let mut slot = Request::default();
        loop {
            let s = &c.batch.records[i];
            if !pace(engine, s.time) {
                return;
            }
            engine.record_into(&c.batch, i, &mut slot);
            frontier = frontier.max(s.time);
            i += 1;
            if i == n || c.batch.records[i].time > limit {
                break;
            }
        }
        c.i = i;
        if i == n {
            let b = std::mem::take(&mut c.batch);
            let src = c.source;
            match fill(c.feed.as_mut(), b, src, engine, notices, &mut spare) {
                Some(nb) => {
                    c.batch = nb;
                    c.i = 0;
                }
                None => {
                    active.swap_remove(k);
                }
            }
            if !on_progress(engine) {
                return;
            }
        }
    }
}
