//! Parsing one input on several threads while the engine still sees it in order.
//!
//! Whichever worker is free reads the next chunk of the input (numbered as read) and parses
//! it; the consumer puts the batches back in input order. Workers may run only a few chunks
//! ahead of the consumer, so memory stays bounded. (Fixed turns, worker `i` reading chunks
//! `i`, `i + n`, …, were tried first: on two cores the engine's thread preempting one worker
//! stalled the other at its turn, and two parse threads went no faster than one.)
//!
//! Parsing is stateful only in [`StreamParser`] (the detected format, CloudFront's `#Fields`
//! map, a format switch in progress): every batch carries the state it was parsed from and
//! the state it ended in, and a batch parsed from a state other than where its predecessor
//! ended is parsed again on the consumer's thread. Output is therefore the same as parsing on
//! one thread; in practice only the second chunk (its worker had not yet seen the format
//! detected in the first) is parsed twice.

use super::Feed;
use crate::batch::Batch;
use crate::ingest::Ingest;
use crate::parse::StreamParser;
use crate::source::ChunkReader;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::atomic::{AtomicU64, AtomicUsize};
use std::sync::mpsc::{Receiver, Sender, TryRecvError, channel};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, TryLockError};
use std::thread::JoinHandle;

/// Chunks each worker may have read ahead of the consumer.
const AHEAD: u64 = 2;

/// What a worker sends: a parsed batch, or the end of the input (with an error if it ended
/// early).
enum FeedMsg {
    Parsed(Box<Parsed>),
    End(Option<String>),
}

/// A message with the number of the chunk it is about.
type Numbered = (u64, FeedMsg);

/// A parsed batch with the parser states before and after it. Its lines are numbered
/// from 1: only the consumer, which takes batches in input order, knows where it starts
/// (the reader is unnumbered, see [`ChunkReader::unnumbered`]).
struct Parsed {
    batch: Batch,
    entry: StreamParser,
    exit: StreamParser,
}

struct Turn {
    reader: ChunkReader,
    /// Number of the next chunk to read.
    seq: u64,
    /// Reading stops this many chunks beyond [`Shared::wanted`].
    window: u64,
    /// The reader reached its end (or failed); workers stop taking turns.
    ended: bool,
    /// The consumer is gone.
    stop: bool,
    /// Recycled batches (buffers kept warm).
    spare: Vec<Batch>,
    /// Parser state the consumer settled on after a re-parse, with a version number, for
    /// workers to adopt so they do not drift again.
    settled: (u64, StreamParser),
}

/// The consumer's bookkeeping is kept out of the turn's lock, which a worker holds while it
/// reads a chunk: taking it only to say which chunk it wants next, the consumer waited out
/// the read (the lock was found taken ~1,000 times in a 1M-line scan of ~2,600 chunks).
struct Shared {
    turn: Mutex<Turn>,
    cv: Condvar,
    /// Number of the next chunk the consumer wants.
    wanted: AtomicU64,
    /// Workers waiting for room in the window (announced before they check it a last time,
    /// so that the consumer, which moves `wanted` first and reads this after, never misses
    /// one). A notify is a syscall even with no one waiting.
    waiting: AtomicUsize,
}

impl Shared {
    /// Whether the window has room for the next chunk to read.
    fn room(&self, t: &Turn) -> bool {
        t.seq < self.wanted.load(SeqCst) + t.window
    }

    fn lock(&self) -> MutexGuard<'_, Turn> {
        // A worker that panicked left the turn in a consistent state (it is only changed
        // by plain assignments), so a poisoned lock is still usable.
        self.turn.lock().unwrap_or_else(|e| e.into_inner())
    }
}

pub(super) struct PoolFeed {
    rx: Option<Receiver<Numbered>>,
    /// Number of the next chunk to hand out.
    next: u64,
    /// Chunks that arrived before their turn (at most the window).
    early: Vec<Numbered>,
    workers: usize,
    shared: Arc<Shared>,
    handles: Vec<JoinHandle<()>>,
    /// Where the last batch handed out left the parser.
    state: StreamParser,
    /// Number of the next batch's first line.
    next_line: u64,
    /// For re-parsing a batch that was parsed from the wrong state.
    ingest: Ingest,
    source: u32,
    ended: bool,
    /// The consumer parses a chunk itself when the one it needs is not ready (see
    /// [`PoolFeed::help`]); its parser state, tracked like a worker's.
    help: Option<Helper>,
    /// Batches handed back while the turn was locked, for the spares.
    stash: Stash,
}

#[derive(Default)]
struct Stash(Vec<Batch>);

impl Stash {
    /// Into the spares: every batch in flight comes back, so workers never allocate (and
    /// fault in) a fresh one.
    fn give(&mut self, t: &mut Turn, workers: usize) {
        for b in self.0.drain(..) {
            if t.spare.len() < t.window as usize + workers {
                t.spare.push(b);
            }
        }
    }
}

struct Helper {
    parser: StreamParser,
    seen: u64,
}

impl PoolFeed {
    /// `make` builds each worker's parse stage (and one for the consumer's re-parses).
    /// With `help`, the consumer's thread parses too whenever the batch it needs is not
    /// ready, so `workers` threads plus the consumer's use `workers + 1` cores with no
    /// thread waiting for a core. (Two workers beside the engine on two cores spent ~40%
    /// more CPU than one thread for the same work: switching threads, and chunks gone cold
    /// in cache between read and parse.) Only for inputs whose reads never wait for data:
    /// a consumer blocked reading a pipe would hold back batches that are ready.
    pub(super) fn spawn(
        reader: ChunkReader,
        parser: StreamParser,
        source: u32,
        workers: usize,
        help: bool,
        make: impl Fn() -> Ingest,
    ) -> PoolFeed {
        // Someone must parse: with no workers, the consumer does it all.
        let n = if help { workers } else { workers.max(1) };
        let shared = Arc::new(Shared {
            turn: Mutex::new(Turn {
                reader,
                seq: 0,
                window: (n + usize::from(help)) as u64 * AHEAD,
                ended: false,
                stop: false,
                spare: Vec::new(),
                settled: (0, parser.clone()),
            }),
            cv: Condvar::new(),
            wanted: AtomicU64::new(0),
            waiting: AtomicUsize::new(0),
        });
        let (tx, rx) = channel::<Numbered>();
        let handles = (0..n)
            .map(|i| {
                let (shared, tx) = (shared.clone(), tx.clone());
                let (ingest, parser) = (make(), parser.clone());
                std::thread::Builder::new()
                    .name(format!("parse-{source}.{i}"))
                    .spawn(move || work(shared, tx, parser, ingest, source))
                    .expect("spawn parse thread")
            })
            .collect();
        let help = help.then(|| Helper {
            parser: parser.clone(),
            seen: 0,
        });
        PoolFeed {
            rx: Some(rx),
            next: 0,
            early: Vec::new(),
            workers: n,
            shared,
            handles,
            state: parser,
            next_line: 1,
            ingest: make(),
            source,
            ended: false,
            help,
            stash: Stash::default(),
        }
    }

    /// The message about chunk `self.next`, parsing others meanwhile or waiting for it.
    fn take_next(&mut self) -> Option<FeedMsg> {
        loop {
            if let Some(k) = self.early.iter().position(|(s, _)| *s == self.next) {
                return Some(self.early.swap_remove(k).1);
            }
            let (seq, msg) = match self.rx.as_ref()?.try_recv() {
                Ok(m) => m,
                Err(e) => {
                    if self.help() {
                        continue;
                    }
                    if e == TryRecvError::Disconnected {
                        return None;
                    }
                    self.rx.as_ref()?.recv().ok()?
                }
            };
            if seq == self.next {
                return Some(msg);
            }
            self.early.push((seq, msg));
        }
    }

    /// Read and parse the next chunk on this thread, as a worker would, when the window has
    /// room; the result waits in `early` for its turn. False when there was nothing to do.
    fn help(&mut self) -> bool {
        let Some(h) = self.help.as_mut() else {
            return false;
        };
        let mut t = self.shared.lock();
        self.stash.give(&mut t, self.workers);
        if t.stop || t.ended || !self.shared.room(&t) {
            return false;
        }
        let (seq, taken) = take_chunk(&mut t, &mut h.parser, &mut h.seen);
        let read = read_chunk(&mut t, taken);
        drop(t);
        let msg = parse_read(read, &mut h.parser, &mut self.ingest, self.source);
        if matches!(msg, FeedMsg::End(_)) {
            // Workers waiting for room see `ended` and stop.
            self.shared.cv.notify_all();
        }
        self.early.push((seq, msg));
        true
    }
}

/// A worker: take the next chunk while the window has room, parse it, send it.
fn work(
    shared: Arc<Shared>,
    tx: Sender<Numbered>,
    mut parser: StreamParser,
    mut ingest: Ingest,
    source: u32,
) {
    let mut guard = Unwind {
        shared: &shared,
        tx: &tx,
        inflight: None,
    };
    let mut seen = 0;
    loop {
        let mut t = shared.lock();
        while !t.stop && !t.ended && !shared.room(&t) {
            shared.waiting.fetch_add(1, SeqCst);
            if shared.room(&t) {
                shared.waiting.fetch_sub(1, SeqCst);
                break;
            }
            t = shared.cv.wait(t).unwrap_or_else(|e| e.into_inner());
            shared.waiting.fetch_sub(1, SeqCst);
        }
        if t.stop || t.ended {
            return;
        }
        let (seq, taken) = take_chunk(&mut t, &mut parser, &mut seen);
        // Numbered before reading (in `take_chunk`), so that a panic while reading still
        // ends the input at the right place (see `Unwind`).
        guard.inflight = Some(seq);
        let read = read_chunk(&mut t, taken);
        drop(t);
        let msg = parse_read(read, &mut parser, &mut ingest, source);
        let last = matches!(msg, FeedMsg::End(_));
        let sent = tx.send((seq, msg)).is_ok();
        guard.inflight = None;
        if !sent || last {
            // Workers waiting for room see `ended` and stop too.
            shared.cv.notify_all();
            return;
        }
    }
}

/// A spare batch taken for the next chunk, and its buffer to read the chunk into.
struct Taken {
    batch: Batch,
    chunk: Vec<u8>,
}

/// Take the next chunk number and a spare batch, adopting the settled parser state first.
fn take_chunk(t: &mut Turn, parser: &mut StreamParser, seen: &mut u64) -> (u64, Taken) {
    if t.settled.0 != *seen {
        *seen = t.settled.0;
        *parser = t.settled.1.clone();
    }
    let mut batch = t.spare.pop().unwrap_or_default();
    // Taken before `clear`: the reader overwrites the old bytes instead of zeroing a buffer.
    let chunk = std::mem::take(&mut batch.chunk).into_bytes();
    batch.clear();
    let seq = t.seq;
    t.seq += 1;
    (seq, Taken { batch, chunk })
}

type Read = (Taken, std::io::Result<Option<crate::source::ChunkInfo>>);

/// Read the taken chunk (still holding the turn: chunks are read in order).
fn read_chunk(t: &mut Turn, mut taken: Taken) -> Read {
    let read = t.reader.next_chunk(&mut taken.chunk);
    t.ended = !matches!(read, Ok(Some(_)));
    (taken, read)
}

/// Parse what was read (after the turn is released) into the message for the consumer.
fn parse_read(read: Read, parser: &mut StreamParser, ingest: &mut Ingest, source: u32) -> FeedMsg {
    let (Taken { mut batch, chunk }, read) = read;
    match read {
        Ok(Some(_)) => {
            let entry = parser.clone();
            ingest.parse_chunk(parser, source, 1, chunk, &mut batch);
            FeedMsg::Parsed(Box::new(Parsed {
                batch,
                entry,
                exit: parser.clone(),
            }))
        }
        Ok(None) => FeedMsg::End(None),
        Err(e) => FeedMsg::End(Some(e.to_string())),
    }
}

/// Should a worker panic (a bug), the input ends at the chunk it held, with a message,
/// instead of the consumer waiting for that chunk forever (the other workers keep the
/// channel open).
struct Unwind<'a> {
    shared: &'a Shared,
    tx: &'a Sender<Numbered>,
    inflight: Option<u64>,
}

impl Drop for Unwind<'_> {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            return;
        }
        if let Some(seq) = self.inflight {
            let text = "a parse thread failed; the rest of this input was not read";
            let _ = self.tx.send((seq, FeedMsg::End(Some(text.into()))));
        }
        self.shared.lock().ended = true;
        self.shared.cv.notify_all();
    }
}

impl Feed for PoolFeed {
    fn next(&mut self, recycled: Batch) -> Result<Batch, Option<String>> {
        if self.ended {
            return Err(None);
        }
        let msg = self.take_next();
        self.next += 1;
        self.shared.wanted.store(self.next, SeqCst);
        self.stash.0.push(recycled);
        match self.shared.turn.try_lock() {
            Ok(mut t) => self.stash.give(&mut t, self.workers),
            Err(TryLockError::Poisoned(e)) => self.stash.give(&mut e.into_inner(), self.workers),
            // A worker is reading: the batch goes back with a later one.
            Err(TryLockError::WouldBlock) => {}
        }
        // One more chunk may be read: one worker to wake, not all (the others would only
        // wake to wait again, taking the engine's core for a moment). Taking the lock first
        // makes sure a worker that announced itself is already waiting.
        if self.shared.waiting.load(SeqCst) > 0 {
            drop(self.shared.lock());
            self.shared.cv.notify_one();
        }
        match msg {
            Some(FeedMsg::Parsed(p)) => {
                let Parsed {
                    mut batch,
                    entry,
                    exit,
                } = *p;
                if entry == self.state {
                    self.state = exit;
                } else {
                    // Parsed from a stale state: again, from the right one, and tell the
                    // workers where the stream stands now.
                    let chunk = std::mem::take(&mut batch.chunk).into_bytes();
                    batch.clear();
                    self.ingest
                        .parse_chunk(&mut self.state, self.source, 1, chunk, &mut batch);
                    let mut t = self.shared.lock();
                    t.settled = (t.settled.0 + 1, self.state.clone());
                }
                batch.shift_lines(self.next_line - 1);
                self.next_line += batch.lines;
                Ok(batch)
            }
            Some(FeedMsg::End(e)) => {
                self.ended = true;
                Err(e)
            }
            None => {
                self.ended = true;
                Err(Some("parse thread stopped".into()))
            }
        }
    }
}

impl Drop for PoolFeed {
    fn drop(&mut self) {
        self.shared.lock().stop = true;
        self.shared.cv.notify_all();
        self.rx = None;
        for h in self.handles.drain(..) {
            let _ = h.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::security::RuleSet;

    /// Everything a batch tells the engine, as text, batch by batch.
    fn digest(b: &Batch) -> String {
        let mut s = format!(
            "lines {} skipped {} rejected {:?} formats {:?} last {:?}\n",
            b.lines, b.skipped, b.rejected, b.formats, b.last_rejected
        );
        for i in 0..b.len() {
            let r = &b.records[i];
            s += &format!(
                "{}:{} {:?} {:?} {:?} {:?}\n",
                r.source,
                r.line,
                b.get(i),
                r.keys,
                b.norm_path(i),
                b.hits_of(i)
            );
        }
        s
    }

    /// Sample logs of several formats back to back, with garbage between, so the parser's state changes at places no chunk boundary predicts.
    fn mixed_input() -> Vec<u8> {
        let read = |name: &str| {
            std::fs::read(format!("{}/sample-logs/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
        };
        let mut v = Vec::new();
        for name in [
            "alb.log",
            "combined.log",
            "cloudfront.log",
            "elb.log",
            "alb.log",
        ] {
            v.extend(read(name));
            if v.last() != Some(&b'\n') {
                v.push(b'\n');
            }
            v.extend(b"\x00\xffnot a log line\n\n");
        }
        // A line over the reader's cap (see `reader`): cut, and numbered as one line.
        v.extend(vec![b'x'; 7000]);
        v.extend(b"\n");
        v.extend(read("alb.log"));
        v
    }

    fn reader(data: &[u8], chunk: usize) -> ChunkReader {
        ChunkReader::from_reader("mixed", std::io::Cursor::new(data.to_vec()))
            .unwrap()
            .with_chunk_size(chunk)
            .with_line_cap(3000)
    }

    fn inline(data: &[u8], chunk: usize, rules: &Arc<RuleSet>) -> Vec<String> {
        let mut r = reader(data, chunk);
        let (mut parser, mut ingest) = (StreamParser::new(None), Ingest::new(rules.clone()));
        let mut out = Vec::new();
        let mut buf = Vec::new();
        while let Some(info) = r.next_chunk(&mut buf).unwrap() {
            let mut b = Batch::default();
            ingest.parse_chunk(
                &mut parser,
                7,
                info.first_line,
                std::mem::take(&mut buf),
                &mut b,
            );
            out.push(digest(&b));
        }
        out
    }

    fn pooled(
        data: &[u8],
        chunk: usize,
        workers: usize,
        help: bool,
        rules: &Arc<RuleSet>,
    ) -> Vec<String> {
        let mut feed = PoolFeed::spawn(
            reader(data, chunk).unnumbered(),
            StreamParser::new(None),
            7,
            workers,
            help,
            || Ingest::new(rules.clone()),
        );
        let mut out = Vec::new();
        let mut b = Batch::default();
        loop {
            match feed.next(b) {
                Ok(nb) => {
                    out.push(digest(&nb));
                    b = nb;
                }
                Err(e) => {
                    assert_eq!(e, None);
                    return out;
                }
            }
        }
    }

    #[test]
    fn parallel_parsing_gives_what_one_thread_gives() {
        let rules = Arc::new(RuleSet::builtin());
        let data = mixed_input();
        for chunk in [1, 700, 4096] {
            let want = inline(&data, chunk, &rules);
            let all = want.concat();
            // The input does exercise the parser's state: formats change mid-stream.
            for seen in ["format-switch", "format: Combined", "format: ElbClassic"] {
                assert!(all.contains(seen), "{seen} at {chunk}-byte chunks");
            }
            assert!(want.len() > 3, "several chunks at {chunk} bytes");
            for workers in [0, 1, 2, 3] {
                for help in [workers == 0, true] {
                    let got = pooled(&data, chunk, workers, help, &rules);
                    assert_eq!(
                        got, want,
                        "{workers} workers, help {help}, {chunk}-byte chunks"
                    );
                }
            }
        }
    }

    /// Reads `ok` pieces of ALB lines, then panics (a stand-in for a bug in a worker).
    struct PanicsAfter {
        ok: usize,
        line: &'static [u8],
    }

    impl std::io::Read for PanicsAfter {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            assert!(self.ok > 0, "simulated bug in a parse thread");
            self.ok -= 1;
            let n = self.line.len().min(buf.len());
            buf[..n].copy_from_slice(&self.line[..n]);
            Ok(n)
        }
    }

    #[test]
    fn a_worker_panic_ends_the_input_with_a_message_instead_of_hanging() {
        let rules = Arc::new(RuleSet::builtin());
        let line: &'static [u8] = include_bytes!("../../sample-logs/alb.log")
            .split_inclusive(|&c| c == b'\n')
            .next()
            .unwrap();
        for workers in [1, 2, 3] {
            let reader = ChunkReader::from_reader("bug", PanicsAfter { ok: 40, line })
                .unwrap()
                .with_chunk_size(line.len() * 3);
            // No help: the consumer would meet the panic on its own thread.
            let mut feed =
                PoolFeed::spawn(reader, StreamParser::new(None), 0, workers, false, || {
                    Ingest::new(rules.clone())
                });
            let (mut lines, mut b) = (0, Batch::default());
            let end = loop {
                match feed.next(b) {
                    Ok(nb) => {
                        lines += nb.lines;
                        b = nb;
                    }
                    Err(e) => break e,
                }
            };
            let text = end.expect("the input ends with a message");
            assert!(text.contains("parse thread failed"), "{text}");
            assert!(lines > 0 && lines < 40, "{lines} lines before the failure");
        }
    }

    #[test]
    fn dropping_the_feed_early_stops_its_workers() {
        let rules = Arc::new(RuleSet::builtin());
        let data = mixed_input().repeat(20);
        let mut feed = PoolFeed::spawn(
            reader(&data, 512),
            StreamParser::new(None),
            0,
            2,
            true,
            || Ingest::new(rules.clone()),
        );
        let first = feed.next(Batch::default()).unwrap();
        assert!(first.lines > 0);
        drop(feed); // joins the workers: the test would hang if one were stuck
    }
}
