//! Sources: move bytes in, never parse them.
//!
//! * [`expand`] / [`expand_follow`] turn command-line arguments (`-`, files, globs,
//!   directories) into [`Input`]s, with one-line [`SourceError`] messages.
//! * [`ChunkReader`] reads one input (plain or gzip, detected by magic bytes) in large
//!   line-aligned chunks into a reused buffer.
//! * [`read_all`] reads every input to its end on reader threads; [`Follower`] follows files
//!   `tail -F` style (growth, rotation, copytruncate, files appearing later). Both deliver
//!   [`SourceMsg`]s through a bounded `std::sync::mpsc::sync_channel` the caller creates: a
//!   full channel blocks the readers, nothing is dropped.
//! * [`Pacer`] computes replay delays from log time (pure, no clock inside).
//!
//! Threads: `read_all` runs one coordinating thread plus up to `max_open` reader threads;
//! `Follower` runs one thread for every followed file (plus one per stream such as stdin),
//! and `notify`'s own watcher thread, which only wakes it. Every sender blocks on a full
//! channel; all of them end when the receiver is dropped (a reader blocked on stdin ends
//! at its next line).
//!
//! Message contract per source id (`u32`): `Opened` first, then `Chunk`s whose `data` holds
//! whole lines only (each ends with `\n`, except possibly the very last line of an input read
//! by [`read_all`]; a followed file's unterminated last line, flushed when the file is
//! rotated away or removed, gets a `\n`), interleaved with `Notice`s, then `Eof`. In follow mode a source whose file was
//! removed gets `Eof` and may later be `Opened` again (the same path reappearing); after a
//! `Rotated` or `Truncated` notice its line numbers restart at 1.

mod chunk;
mod expand;
mod follow;
mod pace;
mod read;

pub use chunk::{CHUNK_SIZE, ChunkInfo, ChunkReader, LINE_CAP};
pub use expand::{Input, Pattern, SourceError, expand, expand_follow, is_log_name};
pub use follow::{FollowOptions, Follower};
pub use pace::Pacer;
pub use read::{ReadOptions, read_all, read_all_with};

use std::sync::{Arc, Mutex};

/// What the reader threads send to the parse stage.
#[derive(Debug)]
pub enum SourceMsg {
    /// A source starts (or, in follow mode, starts again): its display name. Sent before its
    /// first chunk.
    Opened { source: u32, name: String },
    /// Whole lines. `first_line` is the 1-based line number of the first line within the
    /// current file (in follow mode from the end: counted from where reading began).
    /// Give `data` back through [`BufferPool::put`] to avoid an allocation per chunk.
    Chunk {
        source: u32,
        first_line: u64,
        data: Vec<u8>,
    },
    /// Something worth telling the user about a source; `text` is one line, without the
    /// `lbtop: ` prefix.
    Notice {
        source: u32,
        kind: NoticeKind,
        text: String,
    },
    /// The source is finished (end of input, read error, or removed while following).
    Eof { source: u32 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoticeKind {
    /// A followed path that did not exist (or had been removed) now exists and is read from
    /// its start.
    Appeared,
    /// The path now names a new file: the old one was read to its end first.
    Rotated,
    /// The file shrank (copytruncate): it is read again from its start.
    Truncated,
    /// The file is gone.
    Removed,
    /// A read error, including `truncated gzip after N lines`; count these.
    Error,
}

/// Recycles chunk buffers between the parse stage and the readers: readers `take` a buffer
/// for each chunk they send, the consumer `put`s it back once parsed. Cloning shares the pool.
#[derive(Debug, Clone, Default)]
pub struct BufferPool(Arc<Mutex<Vec<Vec<u8>>>>);

/// Enough for the channel depth plus one buffer per busy reader; more would just hold memory.
const POOL_MAX: usize = 128;

impl BufferPool {
    pub fn new() -> Self {
        Self::default()
    }

    /// A buffer for [`ChunkReader::next_chunk`], warm (with capacity) when one was given back.
    /// It may still hold old bytes: the reader overwrites them.
    pub fn take(&self) -> Vec<u8> {
        self.0
            .lock()
            .ok()
            .and_then(|mut v| v.pop())
            .unwrap_or_default()
    }

    /// Give a buffer back for reuse. Its bytes are kept: overwriting them costs the next
    /// reader nothing, while a cleared buffer would have to be zeroed again.
    pub fn put(&self, buf: Vec<u8>) {
        if let Ok(mut v) = self.0.lock() {
            if v.len() < POOL_MAX {
                v.push(buf);
            }
        }
    }
}

#[cfg(test)]
mod tests_chunk;
#[cfg(test)]
mod tests_expand;
#[cfg(test)]
mod tests_follow;
