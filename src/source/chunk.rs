//! Line-aligned chunked reading of one input, plain or gzip.

use std::fs::File;
use std::io::{self, Read};

use super::Input;

/// Bytes asked of the input per read, and the size a chunk is filled to.
pub const CHUNK_SIZE: usize = 256 * 1024;

/// Longest line delivered whole. A longer line is delivered as its first `LINE_CAP` bytes
/// plus `\n` (longer than `parse::MAX_LINE`, so the parser rejects it as `line-too-long`) and
/// the rest of it, up to the next `\n`, is skipped: memory stays bounded whatever the input.
pub const LINE_CAP: usize = 1024 * 1024;

const _: () = assert!(LINE_CAP > crate::parse::MAX_LINE);

/// Where a chunk sits in its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkInfo {
    /// 1-based line number of the chunk's first line (0 from an [`ChunkReader::unnumbered`]
    /// reader).
    pub first_line: u64,
    /// Lines in the chunk (a final line without `\n` counts; 0 when unnumbered).
    pub lines: u64,
    /// Byte offset of the chunk's first byte in the (decompressed) stream.
    pub offset: u64,
    /// Lines in the chunk that were cut at [`LINE_CAP`].
    pub truncated_lines: u32,
}

/// Reads an input in large chunks that hold whole lines only; the partial last line is
/// carried over to the next call. CRLF and binary bytes pass through untouched.
pub struct ChunkReader {
    name: String,
    src: Box<dyn Read + Send>,
    gzip: bool,
    /// Partial line left over from the previous read.
    carry: Vec<u8>,
    next_line: u64,
    /// Bytes read from the (decompressed) stream so far, counting from `base` offset.
    read_total: u64,
    chunk_size: usize,
    line_cap: usize,
    /// Discarding the rest of an over-long line (or, when following from the end, the
    /// partial line we started in).
    skipping: bool,
    /// Return as soon as a read produced a complete line (pipes: don't wait to fill a chunk).
    eager: bool,
    /// End of file is not the end: keep the partial tail and read again later.
    follow: bool,
    /// Lines are counted (see [`ChunkReader::unnumbered`]).
    numbered: bool,
    done: bool,
    pending_err: Option<io::Error>,
}

impl std::fmt::Debug for ChunkReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChunkReader")
            .field("name", &self.name)
            .field("gzip", &self.gzip)
            .field("next_line", &self.next_line)
            .field("read_total", &self.read_total)
            .finish()
    }
}

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

impl ChunkReader {
    /// Open a file or stdin; gzip is detected by its magic bytes.
    pub fn open(input: &Input) -> io::Result<ChunkReader> {
        match input {
            Input::Stdin => Ok(Self::from_reader("-", io::stdin())?.eager()),
            Input::File(p) => {
                let f = File::open(p).map_err(|e| name_err(&input.name(), e))?;
                // A FIFO or `<(cmd)` behaves like stdin: don't wait to fill chunks.
                let stream = f.metadata().is_ok_and(|m| !m.is_file());
                let r = Self::from_reader(input.name(), f)?;
                Ok(if stream { r.eager() } else { r })
            }
        }
    }

    /// Wrap any reader; its first two bytes decide between gzip and plain.
    pub fn from_reader(
        name: impl Into<String>,
        mut r: impl Read + Send + 'static,
    ) -> io::Result<Self> {
        let name = name.into();
        let mut head = [0u8; 2];
        let mut got = 0;
        while got < 2 {
            match r.read(&mut head[got..]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(name_err(&name, e)),
            }
        }
        let rest = io::Cursor::new(head[..got].to_vec()).chain(r);
        let gzip = head[..got] == GZIP_MAGIC;
        let src: Box<dyn Read + Send> = if gzip {
            // ALB writes several gzip members per file: read them as one stream.
            Box::new(flate2::read::MultiGzDecoder::new(rest))
        } else {
            Box::new(rest)
        };
        Ok(Self::with_source(name, src, gzip, 0))
    }

    pub(crate) fn with_source(
        name: String,
        src: Box<dyn Read + Send>,
        gzip: bool,
        base: u64,
    ) -> Self {
        ChunkReader {
            name,
            src,
            gzip,
            carry: Vec::new(),
            next_line: 1,
            read_total: base,
            chunk_size: CHUNK_SIZE,
            line_cap: LINE_CAP,
            skipping: false,
            eager: false,
            follow: false,
            numbered: true,
            done: false,
            pending_err: None,
        }
    }

    /// Chunk size to fill to (tests use tiny ones). At least 1.
    pub fn with_chunk_size(mut self, n: usize) -> Self {
        self.chunk_size = n.max(1);
        self
    }

    /// Line length cap (default [`LINE_CAP`]). At least 1.
    pub fn with_line_cap(mut self, n: usize) -> Self {
        self.line_cap = n.max(1);
        self
    }

    pub fn is_gzip(&self) -> bool {
        self.gzip
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Bytes consumed from the stream (for a plain file: the file position).
    pub fn position(&self) -> u64 {
        self.read_total
    }

    /// Return lines as soon as a short read brings them (pipes, terminals), instead of
    /// waiting to fill a chunk. Set for stdin.
    pub fn eager(mut self) -> Self {
        self.eager = true;
        self
    }

    /// Do not count lines: the caller numbers them as it parses (each line is cut there
    /// anyway), which saves a pass over every chunk. A gzip stream still counts them, for
    /// the line number in its error message.
    pub(crate) fn unnumbered(mut self) -> Self {
        self.numbered = false;
        self
    }

    /// The line number the next chunk starts at.
    pub fn next_line(&self) -> u64 {
        self.next_line
    }

    pub(crate) fn set_next_line(&mut self, line: u64) {
        self.next_line = line;
    }

    /// A partial line is carried over (or being skipped).
    pub(crate) fn has_partial(&self) -> bool {
        !self.carry.is_empty() || self.skipping
    }

    pub(crate) fn set_follow(&mut self) {
        self.follow = true;
    }

    /// Discard input up to and including the next `\n` (following from the middle of a line).
    pub(crate) fn skip_partial_line(&mut self) {
        self.skipping = true;
    }

    /// Fill `buf` with the next run of whole lines (what it held before is overwritten; its
    /// capacity is reused). `Ok(None)` at the end of input (in follow mode: no complete line
    /// available now). A read error comes after every complete line before it; after an
    /// error, `Ok(None)`.
    pub fn next_chunk(&mut self, buf: &mut Vec<u8>) -> io::Result<Option<ChunkInfo>> {
        if self.pending_err.is_some() {
            buf.clear();
            return Err(self.error_now());
        }
        if self.done {
            buf.clear();
            return Ok(None);
        }
        // `buf` usually comes back from a recycled batch still holding the previous chunk.
        // Reads overwrite those bytes in place instead of clearing them: safe code can only
        // read into initialised memory, so a cleared buffer would be zeroed again for every
        // chunk, or filled by `read_to_end` in 8 KiB..128 KiB steps (six reads a chunk).
        // `filled` is how much of `buf` is this chunk; `buf` is cut to it before returning.
        let mut filled = self.carry.len();
        if buf.len() < filled {
            buf.resize(filled, 0);
        }
        buf[..filled].copy_from_slice(&self.carry);
        self.carry.clear();
        let mut offset = self.read_total - filled as u64;
        // Start of the partial (not yet `\n`-terminated) line in `buf`.
        let mut line_start = 0;
        loop {
            let start = filled;
            // Past a chunk's worth (a long line), keep reading in fair-sized pieces.
            let want = self
                .chunk_size
                .saturating_sub(start)
                .max(self.chunk_size.min(64 * 1024));
            let need = start + want;
            if buf.capacity() < need {
                // Doubling, but never beyond what the line cap can need.
                let limit = self.line_cap + self.chunk_size + 64 * 1024;
                let target = (buf.capacity() * 2).min(limit).max(need);
                buf.reserve_exact(target - buf.len());
            }
            if buf.len() < need {
                // Zeroes only what no earlier chunk wrote.
                buf.resize(need, 0);
            }
            // Eager (pipes, terminals): one read, whatever is there now. Otherwise fill up to
            // `want`: short only at the end of the input or on an error.
            let (n, res) = read_full(&mut self.src, &mut buf[start..need], !self.eager);
            filled = start + n;
            self.read_total += n as u64;
            if let Err(e) = res {
                // Lines completed before the error are kept.
                if let Some(p) = memchr::memrchr(b'\n', &buf[start..filled]) {
                    line_start = start + p + 1;
                }
                // Deliver the complete lines before the error; the cut line is not a record.
                buf.truncate(line_start);
                self.pending_err = Some(e);
                if buf.is_empty() {
                    return Err(self.error_now());
                }
                return Ok(Some(self.emit(buf, offset, 0, 0)));
            }
            if n == 0 {
                if self.follow {
                    self.carry.extend_from_slice(&buf[line_start..filled]);
                    buf.truncate(line_start);
                    return Ok((!buf.is_empty()).then(|| self.emit(buf, offset, 0, 0)));
                }
                self.done = true;
                buf.truncate(filled);
                if buf.is_empty() {
                    return Ok(None);
                }
                let partial = u64::from(line_start < buf.len());
                return Ok(Some(self.emit(buf, offset, 0, partial)));
            }
            if self.skipping {
                // Only ever set between chunks, so `buf` held nothing before this read.
                match memchr::memchr(b'\n', &buf[start..filled]) {
                    None => {
                        filled = start;
                        offset = self.read_total;
                        continue;
                    }
                    Some(p) => {
                        buf.truncate(filled);
                        buf.drain(start..=start + p);
                        filled = buf.len();
                        self.skipping = false;
                        offset = self.read_total - filled as u64;
                    }
                }
            }
            if let Some(p) = memchr::memrchr(b'\n', &buf[start..filled]) {
                line_start = start + p + 1;
            }
            if filled - line_start > self.line_cap {
                buf.truncate(line_start + self.line_cap);
                buf.push(b'\n');
                self.skipping = true;
                return Ok(Some(self.emit(buf, offset, 1, 0)));
            }
            let short_read = n < want;
            if line_start > 0 && (filled >= self.chunk_size || (self.eager && short_read)) {
                self.carry.extend_from_slice(&buf[line_start..filled]);
                buf.truncate(line_start);
                return Ok(Some(self.emit(buf, offset, 0, 0)));
            }
        }
    }

    /// Flush a partial last line kept in follow mode (the file was rotated away or removed),
    /// terminated with `\n` so that followed chunks always hold whole lines.
    pub(crate) fn flush_tail(&mut self, buf: &mut Vec<u8>) -> Option<ChunkInfo> {
        buf.clear();
        if self.carry.is_empty() {
            return None;
        }
        buf.append(&mut self.carry);
        let offset = self.read_total - buf.len() as u64;
        buf.push(b'\n');
        Some(self.emit(buf, offset, 0, 0))
    }

    fn emit(&mut self, buf: &[u8], offset: u64, truncated: u32, partial: u64) -> ChunkInfo {
        if !self.numbered && !self.gzip {
            return ChunkInfo {
                first_line: 0,
                lines: 0,
                offset,
                truncated_lines: truncated,
            };
        }
        let lines = memchr::memchr_iter(b'\n', buf).count() as u64 + partial;
        let info = ChunkInfo {
            first_line: self.next_line,
            lines,
            offset,
            truncated_lines: truncated,
        };
        self.next_line += lines;
        info
    }

    fn error_now(&mut self) -> io::Error {
        self.done = true;
        let e = self
            .pending_err
            .take()
            .unwrap_or_else(|| io::Error::other("read error"));
        let lines = self.next_line - 1;
        if self.gzip
            && matches!(
                e.kind(),
                io::ErrorKind::UnexpectedEof
                    | io::ErrorKind::InvalidInput
                    | io::ErrorKind::InvalidData
            )
        {
            let what = if e.kind() == io::ErrorKind::UnexpectedEof {
                "truncated"
            } else {
                "corrupt"
            };
            io::Error::new(
                e.kind(),
                format!("{}: {what} gzip after {lines} lines", self.name),
            )
        } else {
            io::Error::new(e.kind(), format!("{}: {}", self.name, e))
        }
    }
}

/// Read into `buf`: once (`full == false`), or until it is full or the input ends. Returns
/// the bytes read, and the error that stopped it (bytes read before an error count).
fn read_full(r: &mut dyn Read, buf: &mut [u8], full: bool) -> (usize, io::Result<()>) {
    let mut n = 0;
    while n < buf.len() {
        match read_retry(r, &mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) => return (n, Err(e)),
        }
        if !full {
            break;
        }
    }
    (n, Ok(()))
}

fn read_retry(r: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match r.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            other => return other,
        }
    }
}

/// An io error whose message starts with the input's name.
pub(crate) fn name_err(name: &str, e: io::Error) -> io::Error {
    let msg = match e.kind() {
        io::ErrorKind::NotFound => "no such file or directory".to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    };
    io::Error::new(e.kind(), format!("{name}: {msg}"))
}
