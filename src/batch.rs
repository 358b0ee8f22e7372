//! `Batch`: parsed requests moved between threads without copying them field by field.
//!
//! The parse stage reads a chunk of lines, parses each line into a borrowed `Request<'_>` and
//! stores it as spans into the chunk (decoded strings go to a side arena). The engine thread
//! gets the batch and rebuilds the borrowed `Request` view for free. Batches are recycled, so
//! in steady state nothing on this path allocates.

use crate::detect::security::Hit;
use crate::keys::Keys;
use crate::record::{Format, Micros, Request};
use std::borrow::Cow;
use std::net::IpAddr;

/// Where a string lives: in the chunk, or in the side arena (when a parser decoded it).
#[derive(Debug, Clone, Copy, Default)]
struct Span {
    /// Offset with the top bit marking the arena; `u32::MAX` = absent.
    off: u32,
    len: u32,
}

const ABSENT: u32 = u32::MAX;
const ARENA: u32 = 1 << 31;
/// An absent string.
const NONE: Span = Span {
    off: ABSENT,
    len: 0,
};

#[derive(Debug, Clone, Copy, Default)]
pub struct Stored {
    format: Format,
    pub time: Micros,
    client_ip: Option<IpAddr>,
    client_port: Option<u16>,
    status: Option<u16>,
    backend_status: Option<u16>,
    request_time_us: Option<u64>,
    backend_time_us: Option<u64>,
    response_time_us: Option<u64>,
    total_time_us: Option<u64>,
    bytes_in: Option<u64>,
    bytes_out: Option<u64>,
    strs: [Span; 17],
    /// Hashes computed in the parse stage (see [`Keys`]).
    pub keys: Keys,
    /// Source index and 1-based line number in it.
    pub source: u32,
    pub line: u64,
    /// Range of this record's security hits in `Batch::hits`.
    hits: (u32, u32),
}

#[derive(Debug, Default)]
pub struct Batch {
    /// The raw lines the records point into, validated as UTF-8 once for the whole chunk
    /// (so rebuilding a record's view on the engine thread costs no validation).
    pub chunk: String,
    arena: String,
    pub records: Vec<Stored>,
    pub hits: Vec<Hit>,
    /// Rejected lines by reason.
    pub rejected: Vec<(&'static str, u64)>,
    /// The last rejected line's head (truncated) and reason, if any in this batch.
    pub last_rejected: Option<(String, &'static str)>,
    pub skipped: u64,
    /// Lines read in this batch (parsed + rejected + skipped; a records wrapper counts once).
    pub lines: u64,
    /// Records per format parsed in this batch (boxed: batches travel by value in channel
    /// enums, and keeping them small keeps those enums small; batches are recycled).
    pub formats: Box<[u64; Format::ALL.len()]>,
}

macro_rules! str_fields {
    ($m:ident) => {
        $m!(0 client_host, 1 method, 2 scheme, 3 host, 4 path, 5 query, 6 protocol, 7 backend,
            8 user_agent, 9 referrer, 10 tls_protocol, 11 tls_cipher, 12 trace_id, 13 reason,
            14 edge_location)
    };
}

/// The fields of `Stored` and `Request` that are not strings (same names in both).
macro_rules! number_fields {
    ($m:ident) => {
        $m!(
            format,
            time,
            client_ip,
            client_port,
            status,
            backend_status,
            request_time_us,
            backend_time_us,
            response_time_us,
            total_time_us,
            bytes_in,
            bytes_out
        )
    };
}

/// `strs` slot of the normalised path (not a `Request` field).
const NORM_PATH: usize = 15;

impl Batch {
    pub fn clear(&mut self) {
        self.chunk.clear();
        self.arena.clear();
        self.records.clear();
        self.hits.clear();
        self.rejected.clear();
        self.last_rejected = None;
        self.skipped = 0;
        self.lines = 0;
        *self.formats = [0; Format::ALL.len()];
    }

    pub fn reject(&mut self, reason: &'static str) {
        match self.rejected.iter_mut().find(|(r, _)| *r == reason) {
            Some((_, n)) => *n += 1,
            None => self.rejected.push((reason, 1)),
        }
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Where a string field lives: in `chunk` when it was borrowed from there, else copied
    /// to the arena. One look at the `Cow` decides.
    #[inline]
    fn span_cow(&mut self, chunk: &str, s: &Option<Cow<'_, str>>) -> Span {
        match s {
            None => NONE,
            Some(Cow::Borrowed(s)) => self.span_borrowed(chunk, s),
            Some(Cow::Owned(s)) => self.span_arena(s),
        }
    }

    #[inline]
    fn span_borrowed(&mut self, chunk: &str, s: &str) -> Span {
        let (base, p) = (chunk.as_ptr() as usize, s.as_ptr() as usize);
        let inside = p >= base && p + s.len() <= base + chunk.len();
        if inside && p - base < ARENA as usize {
            Span {
                off: (p - base) as u32,
                len: s.len() as u32,
            }
        } else {
            self.span_arena(s)
        }
    }

    fn span_arena(&mut self, s: &str) -> Span {
        let off = self.arena.len();
        self.arena.push_str(s);
        Span {
            off: off as u32 | ARENA,
            len: s.len() as u32,
        }
    }

    /// Store a request parsed from `chunk`, which must become this batch's `chunk` (taken out
    /// with `std::mem::take` while parsing, put back after: the heap buffer does not move).
    /// Strings borrowed from anywhere else are copied into the arena. `norm_path` is the
    /// normalised path computed with `keys`.
    #[allow(clippy::too_many_arguments)]
    pub fn push(
        &mut self,
        chunk: &str,
        r: &Request<'_>,
        keys: &Keys,
        norm_path: Option<&str>,
        source: u32,
        line: u64,
        hits: &[Hit],
    ) {
        let mut strs = [Span::default(); 17];
        macro_rules! store {
            ($($i:literal $f:ident),*) => { $(
                strs[$i] = self.span_cow(chunk, &r.$f);
            )* };
        }
        str_fields!(store);
        // Most paths are already normal: point at the logged path then, copy nothing.
        strs[NORM_PATH] = match (norm_path, r.path.as_deref()) {
            (Some(n), Some(p)) if n == p => strs[4],
            (Some(n), _) => self.span_arena(n),
            (None, _) => NONE,
        };
        let h0 = self.hits.len() as u32;
        self.hits.extend_from_slice(hits);
        self.formats[format_index(r.format)] += 1;
        let h1 = self.hits.len() as u32;
        macro_rules! stored {
            ($($f:ident),*) => {
                Stored { $($f: r.$f,)* strs, keys: *keys, source, line, hits: (h0, h1) }
            };
        }
        self.records.push(number_fields!(stored));
    }

    /// Move every record's line number on by `by` (a batch parsed with its lines numbered
    /// from 1, once the consumer knows where it starts).
    pub fn shift_lines(&mut self, by: u64) {
        if by != 0 {
            for s in &mut self.records {
                s.line += by;
            }
        }
    }

    /// Record `i`'s normalised path, if it has a path.
    pub fn norm_path(&self, i: usize) -> Option<&str> {
        self.text(self.records[i].strs[NORM_PATH])
    }

    #[inline]
    fn text(&self, s: Span) -> Option<&str> {
        if s.off == ABSENT {
            return None;
        }
        let (start, len) = ((s.off & !ARENA) as usize, s.len as usize);
        // Spans were cut from `&str`s on char boundaries, so `get` only checks two bytes.
        if s.off & ARENA != 0 {
            self.arena.get(start..start + len)
        } else {
            self.chunk.get(start..start + len)
        }
    }

    /// The borrowed view of record `i`.
    pub fn get(&self, i: usize) -> Request<'_> {
        let s = &self.records[i];
        let mut r = Self::numbers(s);
        macro_rules! load {
            ($($i:literal $f:ident),*) => { $( r.$f = self.text(s.strs[$i]).map(Cow::Borrowed); )* };
        }
        str_fields!(load);
        r
    }

    /// Record `i` as the engine reads it, written into `r`: [`Batch::get`] without the
    /// strings no aggregate or detector looks at (scheme, host, protocol, referrer, TLS, trace
    /// id, reason, edge location). Each string costs a look at its first and last bytes, and
    /// on the engine's thread those bytes were last written by a parse thread on another core.
    /// Events that quote the whole request (security hits) take [`Batch::get`].
    ///
    /// `r` must only ever have held records read this way (or be new): the fields the engine
    /// reads are overwritten and the others stay `None`, so a loop over a batch fills one
    /// request instead of building, moving and dropping one per record.
    #[inline]
    pub fn load_for_engine<'b>(&'b self, i: usize, r: &mut Request<'b>) {
        let s = &self.records[i];
        Self::copy_numbers(s, r);
        macro_rules! load {
            ($($i:literal $f:ident),*) => { $( r.$f = self.text(s.strs[$i]).map(Cow::Borrowed); )* };
        }
        load!(0 client_host, 1 method, 4 path, 5 query, 7 backend, 8 user_agent);
    }

    /// A record's fields that are not strings, in a request without strings.
    #[inline]
    fn numbers<'b>(s: &Stored) -> Request<'b> {
        let mut r = Request::default();
        Self::copy_numbers(s, &mut r);
        r
    }

    /// Write a record's fields that are not strings into `r`.
    #[inline]
    fn copy_numbers(s: &Stored, r: &mut Request<'_>) {
        macro_rules! copy {
            ($($f:ident),*) => { $( r.$f = s.$f; )* };
        }
        number_fields!(copy);
    }

    pub fn hits_of(&self, i: usize) -> &[Hit] {
        let (a, b) = self.records[i].hits;
        &self.hits[a as usize..b as usize]
    }
}

pub fn format_index(f: Format) -> usize {
    f as usize
}

// `format_index` relies on `Format::ALL` listing the formats in declaration order.
const _: () = {
    let mut i = 0;
    while i < Format::ALL.len() {
        assert!(Format::ALL[i] as usize == i);
        i += 1;
    }
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_borrowed_and_owned() {
        let mut b = Batch::default();
        let chunk = String::from("GET /a/b?x=1 HTTP/1.1 ua\n");
        {
            let s = chunk.as_str();
            let r = Request {
                format: Format::Combined,
                time: 42,
                client_ip: "10.0.0.1".parse().ok(),
                method: Some(Cow::Borrowed(&s[0..3])),
                path: Some(Cow::Borrowed(&s[4..8])),
                query: Some(Cow::Borrowed(&s[9..12])),
                user_agent: Some(Cow::Owned("decoded agent".into())),
                referrer: Some(Cow::Borrowed("elsewhere")),
                status: Some(404),
                total_time_us: Some(1500),
                ..Default::default()
            };
            let keys = Keys::compute(&r, &mut Default::default(), &mut Default::default());
            b.push(&chunk, &r, &keys, Some("/a/:id"), 3, 17, &[]);
        }
        b.chunk = chunk;
        // Only the two strings from outside the chunk were copied.
        assert_eq!(b.arena, "decoded agentelsewhere/a/:id");
        assert_eq!(b.norm_path(0), Some("/a/:id"));
        assert_eq!(
            b.records[0].keys,
            Keys::compute(&b.get(0), &mut Default::default(), &mut Default::default())
        );
        let v = b.get(0);
        assert_eq!(v.method.as_deref(), Some("GET"));
        assert_eq!(v.path.as_deref(), Some("/a/b"));
        assert_eq!(v.query.as_deref(), Some("x=1"));
        assert_eq!(v.user_agent.as_deref(), Some("decoded agent"));
        assert_eq!(v.referrer.as_deref(), Some("elsewhere"));
        assert_eq!(v.host, None);
        assert_eq!(v.client_ip, "10.0.0.1".parse().ok());
        assert_eq!(v.status, Some(404));
        assert_eq!(v.total_time_us, Some(1500));
        assert_eq!(v.time, 42);
        assert_eq!(b.records[0].line, 17);
        assert_eq!(b.records[0].source, 3);
        assert_eq!(b.formats[format_index(Format::Combined)], 1);
        b.clear();
        assert!(b.is_empty() && b.arena.is_empty());
    }

    #[test]
    fn second_record_with_multibyte_text_and_empty_field() {
        let mut b = Batch::default();
        let chunk = String::from("first line\nPUT /caf\u{e9}/\u{1f600} ua\u{e9}x\n");
        {
            let s = chunk.as_str();
            let at = s.find("PUT").unwrap();
            let line = &s[at..s.len() - 1];
            let r = Request {
                method: Some(Cow::Borrowed(&line[..3])),
                path: Some(Cow::Borrowed(&line[4..15])),
                query: Some(Cow::Borrowed(&line[3..3])),
                user_agent: Some(Cow::Borrowed(&line[16..])),
                ..Default::default()
            };
            b.push(&chunk, &r, &Keys::default(), r.path.as_deref(), 0, 2, &[]);
        }
        b.chunk = chunk;
        assert!(b.arena.is_empty());
        let v = b.get(0);
        assert_eq!(v.method.as_deref(), Some("PUT"));
        assert_eq!(v.path.as_deref(), Some("/caf\u{e9}/\u{1f600}"));
        assert_eq!(v.query.as_deref(), Some(""));
        assert_eq!(v.user_agent.as_deref(), Some("ua\u{e9}x"));
        assert_eq!(v.host, None);
        // An unchanged normalised path shares the path's span.
        assert_eq!(b.norm_path(0), Some("/caf\u{e9}/\u{1f600}"));
        assert!(b.arena.is_empty());
    }
}
