//! The ALB field list and the space/quote tokenizer shared with the classic ELB parser.

use super::super::{Reject, lex};
use std::net::{IpAddr, Ipv4Addr};

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

/// One line split into fields, quotes stripped. Borrowed from the line; no allocation.
#[derive(Debug, Clone, Copy)]
pub struct Fields<'a> {
    f: [&'a str; MAX_FIELDS],
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
        let mut f = [""; MAX_FIELDS];
        let n = split_fields(line, &mut f[..=last as usize])?;
        Ok(Fields { f, n })
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
        self.f[field as usize]
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
/// when `out` is full. One pass, no allocation.
#[inline]
pub(crate) fn split_fields<'a>(line: &'a str, out: &mut [&'a str]) -> Result<usize, Reject> {
    let b = line.as_bytes();
    let mut i = 0;
    let mut n = 0;
    while i < b.len() && n < out.len() {
        // `"-"` and `-` are the most common fields: skip the scan for them.
        if b[i..].starts_with(b"\"-\"") {
            out[n] = "-";
            i += 3;
            if i < b.len() && b[i] == b' ' {
                i += 1;
            }
        } else if b[i] == b'"' {
            let start = i + 1;
            let mut j = start;
            let end = loop {
                let q = find_byte::<b'"'>(b, j);
                if q == b.len() {
                    return Err(Reject("truncated"));
                }
                if !escaped(b, start, q) {
                    break q;
                }
                j = q + 1;
            };
            out[n] = &line[start..end];
            i = end + 1;
            if i < b.len() && b[i] == b' ' {
                i += 1;
            }
        } else {
            let end = find_byte::<b' '>(b, i);
            out[n] = &line[i..end];
            i = end + 1;
        }
        n += 1;
    }
    Ok(n)
}

/// Position of the first `C` at or after `from`, or `b.len()`. Most fields are short (codes,
/// times, timestamps, trace ids): their first 40 bytes are checked eight at a time (SWAR)
/// inline, where a memchr call would cost more than the scan; longer fields (ARNs, URLs,
/// user agents) go on with SIMD memchr.
const SWAR_CHUNKS: usize = 5;

#[inline(always)]
fn find_byte<const C: u8>(b: &[u8], from: usize) -> usize {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let pat = LO * C as u64;
    let mut i = from;
    for _ in 0..SWAR_CHUNKS {
        let Some(chunk) = b.get(i..i + 8) else {
            break;
        };
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        let x = u64::from_le_bytes(w) ^ pat;
        // Exact for the lowest zero byte (borrows only corrupt the bytes above it).
        let t = x.wrapping_sub(LO) & !x & HI;
        if t != 0 {
            return i + (t.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    match b.get(i..) {
        Some(rest) => memchr::memchr(C, rest).map_or(b.len(), |k| i + k),
        None => b.len(),
    }
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

/// Strict dotted quad (no leading zeros, as std) followed by `:port`.
#[inline]
fn ipv4_port(b: &[u8]) -> Option<(Ipv4Addr, u16)> {
    let mut oct = [0u8; 4];
    let mut i = 0;
    for (k, o) in oct.iter_mut().enumerate() {
        let start = i;
        let mut v = 0u32;
        while i < b.len() && i - start < 3 && b[i].is_ascii_digit() {
            v = v * 10 + u32::from(b[i] - b'0');
            i += 1;
        }
        let len = i - start;
        if len == 0 || v > 255 || (len > 1 && b[start] == b'0') {
            return None;
        }
        *o = v as u8;
        if b.get(i) != Some(if k < 3 { &b'.' } else { &b':' }) {
            return None;
        }
        i += 1;
    }
    let p = &b[i..];
    if p.is_empty() || p.len() > 5 || !p.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let port = p.iter().fold(0u32, |v, &c| v * 10 + u32::from(c - b'0'));
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
