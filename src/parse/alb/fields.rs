//! The ALB field list and the space/quote tokenizer shared with the classic ELB parser.

use super::super::{Reject, lex};
use std::net::{IpAddr, Ipv4Addr};
use wide::u8x16;

/// Every field of the ALB access log, in log order (AWS "Access log entries", current list).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Field {
    Type,
    Time,
    Elb,
    /// `client:port` (IPv6 written with the port appended, no brackets).
    Client,
    /// `target:port`, `-` when no target answered.
    Target,
    RequestProcessingTime,
    TargetProcessingTime,
    ResponseProcessingTime,
    ElbStatusCode,
    TargetStatusCode,
    ReceivedBytes,
    SentBytes,
    Request,
    UserAgent,
    SslCipher,
    SslProtocol,
    TargetGroupArn,
    TraceId,
    DomainName,
    ChosenCertArn,
    MatchedRulePriority,
    RequestCreationTime,
    ActionsExecuted,
    RedirectUrl,
    /// Last field of the 25-field (pre-2019) format.
    ErrorReason,
    TargetPortList,
    TargetStatusCodeList,
    Classification,
    /// Last field of the 29-field format.
    ClassificationReason,
    /// `TID_…` traceability id.
    ConnTraceId,
    TransformedHost,
    TransformedUri,
    RequestTransformStatus,
}

/// Number of fields read; later additions by AWS are ignored.
pub const MAX_FIELDS: usize = Field::RequestTransformStatus as usize + 1;

/// One line split into fields, quotes stripped. Borrowed from the line; no allocation. Fields
/// are kept as byte ranges: a number is read from its bytes, and only the fields wanted as
/// text pay for `str` slicing's char-boundary checks.
#[derive(Debug, Clone, Copy)]
pub struct Fields<'a> {
    line: &'a str,
    at: [(u32, u32); MAX_FIELDS],
    n: usize,
}

impl<'a> Fields<'a> {
    /// Split an ALB line. `Reject("truncated")` when a quoted field never closes.
    #[inline]
    pub fn split(line: &'a str) -> Result<Self, Reject> {
        Self::split_upto(line, Field::RequestTransformStatus)
    }

    /// Split only up to `last` (the fields after it stay `""`): less work on the hot path.
    #[inline]
    pub fn split_upto(line: &'a str, last: Field) -> Result<Self, Reject> {
        let mut f = Fields::empty(line);
        f.split_to(last)?;
        Ok(f)
    }

    /// No fields yet; [`Fields::split_to`] fills them in place (returning the 288-byte struct
    /// in a `Result` costs a copy a line on the hot path).
    #[inline]
    pub fn empty(line: &'a str) -> Self {
        Fields {
            line,
            at: [(0, 0); MAX_FIELDS],
            n: 0,
        }
    }

    /// [`Fields::split_upto`] into `self`.
    #[inline]
    pub fn split_to(&mut self, last: Field) -> Result<(), Reject> {
        self.n = split_spans(self.line, &mut self.at[..=last as usize])?;
        Ok(())
    }

    /// How many fields the line had (capped at [`MAX_FIELDS`]).
    #[inline]
    pub fn len(&self) -> usize {
        self.n
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// The field as written (quotes stripped); `""` when the line is too short for it.
    #[inline]
    pub fn raw(&self, field: Field) -> &'a str {
        let (s, e) = self.at[field as usize];
        &self.line[s as usize..e as usize]
    }

    /// [`Fields::raw`] as bytes (for numbers and times).
    #[inline]
    pub fn bytes(&self, field: Field) -> &'a [u8] {
        let (s, e) = self.at[field as usize];
        &self.line.as_bytes()[s as usize..e as usize]
    }

    /// The field, `None` when absent, empty or `-`.
    #[inline]
    pub fn get(&self, field: Field) -> Option<&'a str> {
        super::lex::dash(self.raw(field))
    }
}

/// Split space-separated fields into `out`, `"quoted"` ones without their quotes (a `\"`
/// inside does not close them). A closing quote need not be followed by a space: upstream
/// examples contain `"-"1` and that must still read as two fields. Returns the count; stops
/// when `out` is full (at most 64 fields). See [`split_spans`].
pub(crate) fn split_fields<'a>(line: &'a str, out: &mut [&'a str]) -> Result<usize, Reject> {
    debug_assert!(out.len() <= 64, "split_fields reads at most 64 fields");
    let mut at = [(0, 0); 64];
    let n = split_spans(line, &mut at[..out.len().min(64)])?;
    for (o, &(s, e)) in out.iter_mut().zip(&at[..n]) {
        *o = &line[s as usize..e as usize];
    }
    Ok(n)
}

/// [`split_fields`] as byte ranges `(start, end)` of the line. One pass, no allocation.
#[inline]
pub(crate) fn split_spans(line: &str, out: &mut [(u32, u32)]) -> Result<usize, Reject> {
    let b = line.as_bytes();
    if b.len() > u32::MAX as usize {
        return Err(Reject("line-too-long"));
    }
    let mut scan = Scan::new(b);
    let mut i = 0;
    // The count is the slot index (one counter fewer to keep in a register).
    for (n, slot) in out.iter_mut().enumerate() {
        if i >= b.len() {
            return Ok(n);
        }
        if b[i] == b'"' {
            let start = i + 1;
            let mut j = start;
            let end = loop {
                let q = scan.find::<true>(j);
                if q == b.len() {
                    return Err(Reject("truncated"));
                }
                if !escaped(b, start, q) {
                    break q;
                }
                j = q + 1;
            };
            *slot = (start as u32, end as u32);
            i = end + 1 + usize::from(b.get(end + 1) == Some(&b' '));
        } else {
            let end = scan.find::<false>(i);
            *slot = (i as u32, end as u32);
            i = end + 1;
        }
    }
    Ok(out.len())
}

/// Where the spaces and quotes of a line are, 64 bytes at a time: one block's bitmasks are
/// computed with 16-byte SIMD compares (SSE2 on x86-64, NEON on ARM, via `wide`) and then
/// serve every field that ends in that block, so finding a field's end is a shift and a
/// trailing-zero count. (Searching per field, with SWAR or memchr, cost ~2,500 instructions
/// per 668-byte ALB line, a fifth of all the work per line.)
struct Scan<'b> {
    b: &'b [u8],
    /// Offset of the block the masks describe (a multiple of 64).
    base: usize,
    spaces: u64,
    quotes: u64,
}

impl<'b> Scan<'b> {
    #[inline]
    fn new(b: &'b [u8]) -> Self {
        let (spaces, quotes) = block_masks(b, 0);
        Scan {
            b,
            base: 0,
            spaces,
            quotes,
        }
    }

    /// Position of the first quote (`QUOTE`) or space at or after `from`, or the line's
    /// length when there is none. `from` never goes back before the current block.
    #[inline]
    fn find<const QUOTE: bool>(&mut self, from: usize) -> usize {
        if from >= self.base + 64 {
            self.base = from & !63;
            (self.spaces, self.quotes) = block_masks(self.b, self.base);
        }
        let m = if QUOTE { self.quotes } else { self.spaces } >> (from - self.base);
        if m != 0 {
            return from + m.trailing_zeros() as usize;
        }
        loop {
            self.base += 64;
            if self.base >= self.b.len() {
                return self.b.len();
            }
            (self.spaces, self.quotes) = block_masks(self.b, self.base);
            let m = if QUOTE { self.quotes } else { self.spaces };
            if m != 0 {
                return self.base + m.trailing_zeros() as usize;
            }
        }
    }
}

/// Bit `k` of the masks is set when byte `base + k` is a space / a quote. Bytes past the end
/// of the line count as neither.
#[inline]
fn block_masks(b: &[u8], base: usize) -> (u64, u64) {
    match b.get(base..base + 64) {
        Some(full) => masks_of(full),
        None if base >= b.len() => (0, 0),
        // The line's last 64 bytes, shifted so that bit 0 is `base`: the bits shifted in past
        // the end are zero. (Copying the tail into a padded block cost a memcpy call a line.)
        None if b.len() >= 64 => {
            let from = b.len() - 64;
            let (s, q) = masks_of(&b[from..]);
            (s >> (base - from), q >> (base - from))
        }
        None => {
            let mut pad = [0u8; 64];
            let rest = &b[base.min(b.len())..];
            pad[..rest.len()].copy_from_slice(rest);
            masks_of(&pad)
        }
    }
}

#[inline(always)]
fn masks_of(block: &[u8]) -> (u64, u64) {
    let (space, quote) = (u8x16::splat(b' '), u8x16::splat(b'"'));
    let (mut s, mut q) = (0u64, 0u64);
    for (k, lane) in block.chunks_exact(16).take(4).enumerate() {
        let v = u8x16::new(lane.try_into().expect("16 bytes"));
        s |= u64::from(v.simd_eq(space).to_bitmask()) << (16 * k);
        q |= u64::from(v.simd_eq(quote).to_bitmask()) << (16 * k);
    }
    (s, q)
}

/// Whether the quote at `q` is escaped: an odd run of backslashes before it (after `start`).
#[inline]
fn escaped(b: &[u8], start: usize, q: usize) -> bool {
    if q == start || b[q - 1] != b'\\' {
        return false;
    }
    let run = b[start..q]
        .iter()
        .rev()
        .take_while(|&&c| c == b'\\')
        .count();
    run % 2 == 1
}

/// A `client:port` / `target:port` field: `(ip, host text when not an IP, port)`.
/// `a.b.c.d:port`, the common case, is read by hand; anything else (IPv6 with the port
/// appended, names, odd spellings) goes through `lex::split_host_port` and `lex::ip`,
/// which give the same answer for the common case, only slower.
#[inline]
pub(crate) fn addr(s: &str) -> (Option<IpAddr>, Option<&str>, Option<u16>) {
    if let Some((ip, port)) = ipv4_port(s.as_bytes()) {
        return (Some(IpAddr::V4(ip)), None, Some(port));
    }
    let (text, port) = lex::split_host_port(s);
    match lex::ip(text) {
        Some(ip) => (Some(ip), None, port),
        None => (None, lex::dash(text), port),
    }
}

/// Strict dotted quad (no leading zeros, as std) followed by `:port`. Unrolled: it runs
/// once per ALB line.
#[inline]
fn ipv4_port(b: &[u8]) -> Option<(Ipv4Addr, u16)> {
    let digit = |i: usize| b.get(i).map(|c| c.wrapping_sub(b'0')).filter(|&d| d <= 9);
    let mut oct = [0u8; 4];
    let mut i = 0;
    for (k, o) in oct.iter_mut().enumerate() {
        let first = digit(i)?;
        let mut v = u32::from(first);
        i += 1;
        if let Some(d) = digit(i) {
            if first == 0 {
                return None;
            }
            v = v * 10 + u32::from(d);
            i += 1;
            if let Some(d) = digit(i) {
                v = v * 10 + u32::from(d);
                i += 1;
            }
        }
        *o = u8::try_from(v).ok()?;
        if b.get(i) != Some(if k < 3 { &b'.' } else { &b':' }) {
            return None;
        }
        i += 1;
    }
    let p = &b[i..];
    if p.is_empty() || p.len() > 5 {
        return None;
    }
    let mut port = 0u32;
    for &c in p {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        port = port * 10 + u32::from(d);
    }
    Some((Ipv4Addr::from(oct), u16::try_from(port).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(s: &str) -> Vec<&str> {
        let mut out = [""; 16];
        let n = split_fields(s, &mut out).unwrap();
        out[..n].to_vec()
    }

    /// The slow, general path the fast one must agree with.
    fn addr_slow(s: &str) -> (Option<IpAddr>, Option<&str>, Option<u16>) {
        let (text, port) = lex::split_host_port(s);
        match lex::ip(text) {
            Some(ip) => (Some(ip), None, port),
            None => (None, lex::dash(text), port),
        }
    }

    #[test]
    fn addresses() {
        for s in [
            "192.168.131.39:2817",
            "0.0.0.0:0",
            "255.255.255.255:65535",
            "256.1.1.1:80",
            "01.2.3.4:80",
            "1.2.3.4:65536",
            "1.2.3.4:+80",
            "1.2.3.4:0080",
            "1.2.3.4",
            "1.2.3.4:",
            "1.2.3:4",
            "1234.1.1.1:80",
            "2601:6bbc:c529:9dad:6bbc:c529:9dad:6bbc:50599",
            "[::1]:443",
            "-",
            "",
            "host:80",
        ] {
            assert_eq!(addr(s), addr_slow(s), "{s}");
        }
        assert_eq!(
            addr("10.0.0.1:80"),
            (Some("10.0.0.1".parse().unwrap()), None, Some(80))
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
        #[test]
        fn addr_fast_path_agrees(s in "[0-9.:]{0,24}") {
            proptest::prop_assert_eq!(addr(&s), addr_slow(&s));
        }
    }

    #[test]
    fn tokenizer() {
        assert_eq!(split(r#"a "b c" d"#), ["a", "b c", "d"]);
        assert_eq!(split(r#""-" "-"1 2018"#), ["-", "-", "1", "2018"]);
        assert_eq!(split(r#""- - - " "-" - -"#), ["- - - ", "-", "-", "-"]);
        assert_eq!(split(r#"x "a \"q\" b" y"#), ["x", r#"a \"q\" b"#, "y"]);
        assert_eq!(split("a b "), ["a", "b"]);
        assert_eq!(split(""), Vec::<&str>::new());
        let mut out = [""; 4];
        assert_eq!(
            split_fields(r#"a "unterminated"#, &mut out),
            Err(Reject("truncated"))
        );
        assert_eq!(
            split_fields(r#"a "ends in \"#, &mut out),
            Err(Reject("truncated"))
        );
        assert_eq!(split(r#"x "a\\" y"#), ["x", r#"a\\"#, "y"]);
        assert_eq!(split_fields("a b c d e f", &mut out), Ok(4));
    }
}
