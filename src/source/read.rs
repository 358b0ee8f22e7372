//! One-pass reading of every input on reader threads.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::SyncSender;
use std::thread::{self, JoinHandle};

use super::{BufferPool, CHUNK_SIZE, ChunkReader, Input, NoticeKind, SourceMsg};

#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Inputs open (and read) at the same time; the others wait their turn, in order.
    pub max_open: usize,
    pub chunk_size: usize,
    /// Where chunk buffers come from; hand the consumer a clone to give them back.
    pub pool: BufferPool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            max_open: 64,
            chunk_size: CHUNK_SIZE,
            pool: BufferPool::new(),
        }
    }
}

/// Read every input to its end with default options. Source ids are indexes into `inputs`.
pub fn read_all(inputs: Vec<Input>, tx: SyncSender<SourceMsg>) -> JoinHandle<()> {
    read_all_with(inputs, tx, ReadOptions::default())
}

/// Read every input to its end. Spawns one coordinating thread (the returned handle), which
/// runs up to `max_open` reader threads; each takes the next unread input in order. Every
/// input gets `Opened`, its chunks, a `Notice` of kind `Error` if reading failed (gzip
/// truncation, permission…), then `Eof`. Stops early if the receiver is dropped.
pub fn read_all_with(
    inputs: Vec<Input>,
    tx: SyncSender<SourceMsg>,
    opts: ReadOptions,
) -> JoinHandle<()> {
    thread::Builder::new()
        .name("lbtop-read".into())
        .spawn(move || {
            let next = AtomicUsize::new(0);
            let workers = opts.max_open.clamp(1, inputs.len().max(1));
            thread::scope(|s| {
                for _ in 0..workers {
                    let tx = tx.clone();
                    let (next, inputs, opts) = (&next, &inputs, &opts);
                    s.spawn(move || {
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            let Some(input) = inputs.get(i) else { return };
                            if read_one(i as u32, input, &tx, opts).is_err() {
                                return; // receiver gone
                            }
                        }
                    });
                }
            });
        })
        .expect("spawn reader thread")
}

/// Err only when the receiver is gone.
fn read_one(
    source: u32,
    input: &Input,
    tx: &SyncSender<SourceMsg>,
    opts: &ReadOptions,
) -> Result<(), ()> {
    let send = |m| tx.send(m).map_err(|_| ());
    send(SourceMsg::Opened {
        source,
        name: input.name(),
    })?;
    match ChunkReader::open(input) {
        Ok(r) => pump(source, r.with_chunk_size(opts.chunk_size), tx, &opts.pool)?,
        Err(e) => send(SourceMsg::Notice {
            source,
            kind: NoticeKind::Error,
            text: e.to_string(),
        })?,
    }
    send(SourceMsg::Eof { source })
}

/// Send every chunk until `Ok(None)`; a read error becomes a `Notice`. Err only when the
/// receiver is gone.
pub(crate) fn pump(
    source: u32,
    mut r: ChunkReader,
    tx: &SyncSender<SourceMsg>,
    pool: &BufferPool,
) -> Result<(), ()> {
    let mut buf = pool.take();
    loop {
        match r.next_chunk(&mut buf) {
            Ok(Some(info)) => {
                let data = std::mem::replace(&mut buf, pool.take());
                tx.send(SourceMsg::Chunk {
                    source,
                    first_line: info.first_line,
                    data,
                })
                .map_err(|_| ())?;
            }
            Ok(None) => break,
            Err(e) => {
                tx.send(SourceMsg::Notice {
                    source,
                    kind: NoticeKind::Error,
                    text: e.to_string(),
                })
                .map_err(|_| ())?;
            }
        }
    }
    pool.put(buf);
    Ok(())
}
