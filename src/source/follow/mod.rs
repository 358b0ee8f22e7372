//! `tail -F` for many files: growth, rotation, copytruncate, files appearing and vanishing.
//!
//! One follower thread owns every followed file. It wakes on `notify` events for the
//! watched directories and, in any case, every `poll` interval (inotify events can be lost,
//! and some file systems have none), then stats the files and reads what is new. A full
//! channel blocks it: nothing is dropped.

use std::collections::{HashMap, HashSet, VecDeque};
use std::fs;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender, SyncSender};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use notify::Watcher;

mod track;

use super::expand::{glob_files, walk_dir, watch_root};
use super::read::pump;
use super::{BufferPool, CHUNK_SIZE, ChunkReader, Input, NoticeKind, Pattern, SourceMsg};

#[derive(Debug, Clone)]
pub struct FollowOptions {
    /// Read files present at start from their beginning (backfill) instead of their end.
    /// Files that appear later are always read from their beginning.
    pub from_start: bool,
    /// Stat-based poll interval, the fallback for lost or missing file system events.
    pub poll: Duration,
    pub chunk_size: usize,
    /// Followed files kept open at once. Beyond it, the files idle longest are closed
    /// ("parked", their position kept) and reopened when they change: a synced tree of
    /// thousands of plain logs must not exhaust file descriptors.
    pub max_open: usize,
    /// Where chunk buffers come from; hand the consumer a clone to give them back.
    pub pool: BufferPool,
    /// Use file system events (inotify, FSEvents…) besides polling. Off: poll only (for
    /// file systems without events, such as NFS, and to test the fallback).
    pub events: bool,
}

impl Default for FollowOptions {
    fn default() -> Self {
        FollowOptions {
            from_start: false,
            poll: Duration::from_secs(1),
            chunk_size: CHUNK_SIZE,
            max_open: 256,
            pool: BufferPool::new(),
            events: true,
        }
    }
}

/// Handle to the follower thread. Dropping it asks the thread to stop without waiting;
/// [`Follower::stop`] waits. The thread also stops when the receiver is dropped.
pub struct Follower {
    stop: Arc<AtomicBool>,
    ready: Arc<AtomicBool>,
    wake: Sender<Wake>,
    thread: Option<JoinHandle<()>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wake {
    /// Some followed file changed: read the open ones.
    Data,
    /// Names changed in a watched directory: rescan the patterns too.
    Names,
    Stop,
}

impl Follower {
    /// Follow `patterns` (from [`super::expand_follow`]); returns at once, the work happens
    /// on the `lbtop-follow` thread. Source ids: stdin (`-`, read to its end on its own
    /// thread) first, then the files present at start in pattern order (each pattern's files
    /// sorted), then files as they appear. A path keeps its id for the whole run.
    ///
    /// * Files present at start: from their end (after the last complete line), or from
    ///   their start with `from_start`. Gzip files present at start are complete: skipped
    ///   from the end, read whole with `from_start`.
    /// * Files that appear later: from their start (`Opened`, `Notice(Appeared)`); a gzip
    ///   one once its size has settled, then `Eof`.
    /// * Rotation (the name now points to another file, possibly after being missing for
    ///   under one poll interval): the old file is read to its end (an unterminated last
    ///   line gets a `\n`), `Notice(Rotated)`, then the new file from its start, same id.
    /// * Copytruncate (size below what was read): `Notice(Truncated)`, reread from start.
    /// * Removed for more than one poll interval: `Notice(Removed)`, `Eof`.
    /// * A rotated file that reappears under a name the patterns match (`app.log.1` with
    ///   `app.log*` or a directory) is not reread: it continues from where it was read (its
    ///   own id, line numbers from 1 there); a rotated copy that is a new file
    ///   (`app.log.2.gz`, `app.log-20240102`) next to a followed `app.log` is ignored.
    pub fn spawn(
        patterns: Vec<Pattern>,
        opts: FollowOptions,
        tx: SyncSender<SourceMsg>,
    ) -> Follower {
        let stop = Arc::new(AtomicBool::new(false));
        let ready = Arc::new(AtomicBool::new(false));
        let (wake_tx, wake_rx) = mpsc::channel();
        let watcher = opts.events.then(|| {
            let wake_tx = wake_tx.clone();
            notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
                use notify::EventKind as K;
                let Ok(ev) = res else { return };
                let w = match ev.kind {
                    // Our own reads show up as access events: ignoring them avoids a loop.
                    K::Access(_) => return,
                    K::Modify(notify::event::ModifyKind::Data(_)) => Wake::Data,
                    _ => Wake::Names,
                };
                let _ = wake_tx.send(w);
            })
            .ok()
        });
        let watcher = watcher.flatten();
        let mut st = State {
            patterns,
            opts,
            tx,
            tracked: Vec::new(),
            by_path: HashMap::new(),
            next_id: 0,
            buf: Vec::new(),
            watcher,
            watched: HashSet::new(),
            stop: stop.clone(),
            ready: ready.clone(),
            recent: VecDeque::new(),
        };
        let thread = thread::Builder::new()
            .name("lbtop-follow".into())
            .spawn(move || {
                let _ = st.run(wake_rx);
            })
            .expect("spawn follower thread");
        Follower {
            stop,
            ready,
            wake: wake_tx,
            thread: Some(thread),
        }
    }

    /// The first pass is done: directories watched, files present at start positioned (and,
    /// when backfilling, read). A file created after this is seen as appearing.
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    /// Stop following and wait for the thread. (A thread blocked on a full channel waits
    /// for the consumer to take a message or drop the receiver.)
    pub fn stop(mut self) {
        self.signal();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }

    fn signal(&self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.wake.send(Wake::Stop);
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        self.signal();
    }
}

/// The receiver is gone (or we were told to stop): unwind the follower thread.
struct Closed;
type Res = Result<(), Closed>;

/// (device, inode): a rename keeps it, a new file with the same name changes it.
type FileId = (u64, u64);

#[cfg(unix)]
fn file_id(m: &fs::Metadata) -> FileId {
    use std::os::unix::fs::MetadataExt;
    (m.dev(), m.ino())
}

#[cfg(not(unix))]
fn file_id(_m: &fs::Metadata) -> FileId {
    // Without inodes rotation is seen only as truncation.
    (0, 0)
}

struct Tracked {
    id: u32,
    path: PathBuf,
    /// The file currently followed under `path`, once opened.
    ident: Option<FileId>,
    /// Open plain file being followed.
    reader: Option<ChunkReader>,
    /// `Opened` sent and no `Eof` since.
    live: bool,
    /// Gzip files are read once, whole, after their size settled: (size, first seen).
    gz_seen: Option<(u64, Instant)>,
    /// A rotated copy of a followed file (`app.log.1`, `app.log.2.gz`): already read under
    /// its old name, so never read.
    ignored: bool,
    /// When the path was first found missing while its file was open.
    missing_since: Option<Instant>,
    /// Closed to save descriptors, fully read up to (position, next line number).
    parked: Option<(u64, u64)>,
    /// Last time the file was opened or delivered data: parking closes the idlest.
    active: Instant,
    /// An open failure was reported (once, not every poll).
    open_failed: bool,
}

struct State {
    patterns: Vec<Pattern>,
    opts: FollowOptions,
    tx: SyncSender<SourceMsg>,
    tracked: Vec<Tracked>,
    by_path: HashMap<PathBuf, usize>,
    next_id: u32,
    buf: Vec<u8>,
    watcher: Option<notify::RecommendedWatcher>,
    watched: HashSet<PathBuf>,
    stop: Arc<AtomicBool>,
    ready: Arc<AtomicBool>,
    /// Files closed after a rotation and how far they were read, so that one renamed to a
    /// name the patterns also match (`app.log` → `app.log.1` under `app.log*`) continues
    /// where it was instead of being read twice.
    recent: VecDeque<(FileId, u64)>,
}

/// Rotated files remembered; a few per followed file is plenty.
const RECENT_MAX: usize = 256;

/// How a file is opened.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Start {
    /// Present when following began, and following from the end.
    AtEnd,
    Beginning,
}

impl State {
    fn run(&mut self, wake_rx: mpsc::Receiver<Wake>) -> Res {
        for pat in self.patterns.clone() {
            let input = match &pat {
                Pattern::Stdin => Input::Stdin,
                Pattern::File(p) if is_stream(p) => Input::File(p.clone()),
                _ => continue,
            };
            {
                let id = self.alloc_id();
                let tx = self.tx.clone();
                let pool = self.opts.pool.clone();
                // Streams (stdin, a FIFO, `<(cmd)`) are read to their end like `read_all`
                // does, on their own thread: a blocked read cannot be interrupted, so it is
                // detached.
                thread::spawn(move || {
                    let _ = tx.send(SourceMsg::Opened {
                        source: id,
                        name: input.name(),
                    });
                    match ChunkReader::open(&input) {
                        Ok(r) => {
                            let _ = pump(id, r, &tx, &pool);
                        }
                        Err(e) => {
                            let _ = tx.send(SourceMsg::Notice {
                                source: id,
                                kind: NoticeKind::Error,
                                text: e.to_string(),
                            });
                        }
                    }
                    let _ = tx.send(SourceMsg::Eof { source: id });
                });
            }
        }
        self.watch_dirs();
        self.scan();
        let start = if self.opts.from_start {
            Start::Beginning
        } else {
            Start::AtEnd
        };
        for i in 0..self.tracked.len() {
            self.check(i, Some(start))?;
        }
        self.ready.store(true, Ordering::Release);
        let mut last_full = Instant::now();
        loop {
            let full = match wake_rx.recv_timeout(self.opts.poll) {
                Ok(w) => {
                    let mut names = w == Wake::Names;
                    let mut stop = w == Wake::Stop;
                    while let Ok(w) = wake_rx.try_recv() {
                        names |= w == Wake::Names;
                        stop |= w == Wake::Stop;
                    }
                    if stop {
                        return Err(Closed);
                    }
                    names
                }
                Err(RecvTimeoutError::Timeout) => true,
                Err(RecvTimeoutError::Disconnected) => return Err(Closed),
            };
            if self.stop.load(Ordering::Relaxed) {
                return Err(Closed);
            }
            // A busy file's events must not starve the rescan that finds new files.
            if full || last_full.elapsed() >= self.opts.poll {
                last_full = Instant::now();
                self.watch_dirs();
                self.scan();
                for i in 0..self.tracked.len() {
                    self.check(i, None)?;
                }
            } else {
                for i in 0..self.tracked.len() {
                    if self.tracked[i].reader.is_some() {
                        self.check(i, None)?;
                    }
                }
            }
        }
    }

    fn alloc_id(&mut self) -> u32 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Watch each pattern's directory; ones that do not exist yet are retried on later scans.
    fn watch_dirs(&mut self) {
        let Some(w) = self.watcher.as_mut() else {
            return;
        };
        for pat in &self.patterns {
            let Some((dir, recursive)) = watch_root(pat) else {
                continue;
            };
            if self.watched.contains(&dir) {
                continue;
            }
            let mode = if recursive {
                notify::RecursiveMode::Recursive
            } else {
                notify::RecursiveMode::NonRecursive
            };
            if w.watch(&dir, mode).is_ok() {
                self.watched.insert(dir);
            }
        }
    }

    /// Track every path the patterns name now.
    fn scan(&mut self) {
        for pat in self.patterns.clone() {
            let paths = match &pat {
                Pattern::Stdin => continue,
                Pattern::File(p) if is_stream(p) => continue,
                Pattern::File(p) => vec![p.clone()],
                Pattern::Dir(d) => walk_dir(d).unwrap_or_default(),
                Pattern::Glob(g) => glob_files(g).unwrap_or_default(),
            };
            for path in paths {
                if !self.by_path.contains_key(&path) {
                    let id = self.alloc_id();
                    self.by_path.insert(path.clone(), self.tracked.len());
                    self.tracked.push(Tracked {
                        id,
                        path,
                        ident: None,
                        reader: None,
                        live: false,
                        gz_seen: None,
                        ignored: false,
                        missing_since: None,
                        parked: None,
                        active: Instant::now(),
                        open_failed: false,
                    });
                }
            }
        }
    }

    fn send(&self, m: SourceMsg) -> Res {
        self.tx.send(m).map_err(|_| Closed)
    }

    fn notice(&self, source: u32, kind: NoticeKind, text: String) -> Res {
        self.send(SourceMsg::Notice { source, kind, text })
    }
}

/// A path that exists and is not a regular file or directory: a FIFO, `/dev/stdin`, a
/// `<(cmd)` descriptor. It is read as a stream, not followed by size.
fn is_stream(p: &std::path::Path) -> bool {
    fs::metadata(p).is_ok_and(|m| !m.is_file() && !m.is_dir())
}
