//! Decoding as a server would before matching: percent-decoding (repeated, for double
//! encodings such as `%252e` and `%%32%65`), `+` as space in queries, IIS `%uXXXX`, overlong
//! UTF-8 (`%c0%ae` → `.`), NUL bytes dropped. Works on bytes: decoded text need not be UTF-8.

/// Most passes of percent-decoding: enough for double and triple encodings; more passes only
/// help attackers hide from logs, not servers.
const MAX_PASSES: usize = 3;

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Whether `s` holds anything a decoding pass would change. Fields come from `&str`, so
/// raw overlong bytes cannot occur; only escapes (and `+` in queries) need work.
pub fn needs_decoding(s: &[u8], plus_space: bool) -> bool {
    if plus_space {
        crate::bytes::find2(b'%', b'+', s).is_some()
    } else {
        crate::bytes::find(b'%', s).is_some()
    }
}

fn has_escape(s: &[u8]) -> bool {
    let mut i = 0;
    while let Some(p) = crate::bytes::find(b'%', &s[i..]) {
        let j = i + p;
        if j + 2 < s.len() && hex(s[j + 1]).is_some() && hex(s[j + 2]).is_some() {
            return true;
        }
        if j + 5 < s.len()
            && matches!(s[j + 1], b'u' | b'U')
            && s[j + 2..j + 6].iter().all(|&b| hex(b).is_some())
        {
            return true;
        }
        i = j + 1;
    }
    false
}

/// One percent-decoding pass from `src` into `out` (cleared first).
fn pass(src: &[u8], out: &mut Vec<u8>, plus_space: bool) {
    out.clear();
    let mut i = 0;
    while i < src.len() {
        let b = src[i];
        if b == b'%' {
            if i + 2 < src.len() {
                if let (Some(h), Some(l)) = (hex(src[i + 1]), hex(src[i + 2])) {
                    push(out, h << 4 | l);
                    i += 3;
                    continue;
                }
            }
            if i + 5 < src.len() && matches!(src[i + 1], b'u' | b'U') {
                let v = src[i + 2..i + 6]
                    .iter()
                    .try_fold(0u32, |a, &b| hex(b).map(|h| a << 4 | u32::from(h)));
                if let Some(v) = v {
                    push_char(out, v);
                    i += 6;
                    continue;
                }
            }
            out.push(b'%');
        } else if plus_space && b == b'+' {
            out.push(b' ');
        } else {
            push(out, b);
        }
        i += 1;
    }
    fold_overlong(out);
}

fn push(out: &mut Vec<u8>, b: u8) {
    // NUL bytes end strings in C back ends; attackers use them to cut suffixes (`%00.png`)
    // and to split keywords (`<scr%00ipt>`), so they are dropped.
    if b != 0 {
        out.push(b);
    }
}

/// `%uXXXX`: ASCII stays one byte; fullwidth forms (U+FF01..FF5E) fold to ASCII, the way
/// IIS and some WAF-bypasses rely on; the rest is written as UTF-8.
fn push_char(out: &mut Vec<u8>, v: u32) {
    let v = if (0xff01..=0xff5e).contains(&v) {
        v - 0xff01 + 0x21
    } else {
        v
    };
    match char::from_u32(v) {
        Some(c) if v < 0x80 => push(out, c as u8),
        Some(c) => {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
        None => out.push(b'?'),
    }
}

/// Overlong UTF-8 (`C0 AE` for `.`, `E0 80 AF` for `/`) folded to the ASCII byte that old
/// or lenient decoders produce. Done in place: output is never longer than input.
fn fold_overlong(v: &mut Vec<u8>) {
    if !v.iter().any(|&b| b == 0xc0 || b == 0xc1 || b == 0xe0) {
        return;
    }
    let mut w = 0;
    let mut i = 0;
    while i < v.len() {
        let b = v[i];
        if (b == 0xc0 || b == 0xc1) && i + 1 < v.len() && v[i + 1] & 0xc0 == 0x80 {
            let c = ((b & 0x1f) << 6) | (v[i + 1] & 0x3f);
            if c != 0 {
                v[w] = c;
                w += 1;
            }
            i += 2;
            continue;
        }
        if b == 0xe0
            && i + 2 < v.len()
            && (v[i + 1] == 0x80 || v[i + 1] == 0x81)
            && v[i + 2] & 0xc0 == 0x80
        {
            let c = ((v[i + 1] & 0x3f) << 6) | (v[i + 2] & 0x3f);
            if c != 0 {
                v[w] = c;
                w += 1;
            }
            i += 3;
            continue;
        }
        v[w] = b;
        w += 1;
        i += 1;
    }
    v.truncate(w);
}

/// Decode `src` fully (up to [`MAX_PASSES`] passes) into `out`. Returns false, leaving
/// `out` alone, when there is nothing to decode (use `src` as it is). `tmp` is a second
/// scratch buffer.
pub fn decode_into(src: &[u8], out: &mut Vec<u8>, tmp: &mut Vec<u8>, plus_space: bool) -> bool {
    if !needs_decoding(src, plus_space) {
        return false;
    }
    pass(src, out, plus_space);
    for _ in 1..MAX_PASSES {
        if !has_escape(out) {
            break;
        }
        pass(out, tmp, false);
        std::mem::swap(out, tmp);
    }
    true
}

/// HTML character references that matter for XSS (`&#60;`, `&#x3c;`, `&lt;`, `&colon;`…),
/// decoded into `out`. Returns false (leaving `out` unspecified) when there are none.
pub fn html_entities(src: &[u8], out: &mut Vec<u8>) -> bool {
    if crate::bytes::find(b'&', src).is_none() {
        return false;
    }
    out.clear();
    let mut changed = false;
    let mut i = 0;
    while i < src.len() {
        if src[i] == b'&' {
            if let Some((c, n)) = entity(&src[i + 1..]) {
                out.push(c);
                i += 1 + n;
                changed = true;
                continue;
            }
        }
        out.push(src[i]);
        i += 1;
    }
    changed
}

/// One entity after `&`: the ASCII byte and how many bytes it used (with the optional `;`).
fn entity(s: &[u8]) -> Option<(u8, usize)> {
    if s.first() == Some(&b'#') {
        let (radix, start) = match s.get(1) {
            Some(b'x' | b'X') => (16, 2),
            _ => (10, 1),
        };
        let mut v: u32 = 0;
        let mut j = start;
        while j < s.len() && j < start + 8 {
            let d = match (radix, s[j]) {
                (_, b'0'..=b'9') => u32::from(s[j] - b'0'),
                (16, b'a'..=b'f') => u32::from(s[j] - b'a' + 10),
                (16, b'A'..=b'F') => u32::from(s[j] - b'A' + 10),
                _ => break,
            };
            v = v * radix + d;
            j += 1;
        }
        if j == start || v == 0 || v >= 0x80 {
            return None;
        }
        if s.get(j) == Some(&b';') {
            j += 1;
        }
        return Some((v as u8, j));
    }
    const NAMED: [(&[u8], u8); 9] = [
        (b"lt", b'<'),
        (b"gt", b'>'),
        (b"quot", b'"'),
        (b"apos", b'\''),
        (b"colon", b':'),
        (b"lpar", b'('),
        (b"rpar", b')'),
        (b"sol", b'/'),
        (b"tab", b' '),
    ];
    for (name, c) in NAMED {
        if s.len() >= name.len() && s[..name.len()].eq_ignore_ascii_case(name) {
            let mut n = name.len();
            if s.get(n) == Some(&b';') {
                n += 1;
            } else if name.len() > 2 {
                continue;
            }
            return Some((c, n));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str, plus: bool) -> String {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        if decode_into(s.as_bytes(), &mut a, &mut b, plus) {
            String::from_utf8_lossy(&a).into_owned()
        } else {
            s.to_string()
        }
    }

    #[test]
    fn percent_and_double() {
        assert_eq!(d("a%20b", false), "a b");
        assert_eq!(d("a+b", true), "a b");
        assert_eq!(d("a+b", false), "a+b");
        assert_eq!(d("%252e%252e%252f", false), "../");
        assert_eq!(d("%%32%65%%32%65/", false), "../");
        assert_eq!(d("%25252e", false), ".");
        assert_eq!(d("100%25 cotton", false), "100% cotton");
        assert_eq!(d("bad%zzend%", false), "bad%zzend%");
        assert_eq!(d("%", false), "%");
        assert_eq!(d("%4", false), "%4");
        assert_eq!(d("x%41", false), "xA");
    }

    #[test]
    fn overlong_unicode_nul() {
        assert_eq!(d("%c0%ae%c0%ae/", false), "../");
        assert_eq!(d("%c0%ae%c0%af", false), "./");
        assert_eq!(d("%e0%80%ae", false), ".");
        assert_eq!(d("%c1%9c", false), "\\");
        assert_eq!(d("%u002e%u002e%u2215", false), "..\u{2215}");
        assert_eq!(d("%uff1cscript%uff1e", false), "<script>");
        assert_eq!(d("<scr%00ipt>", false), "<script>");
        // Real UTF-8 stays as it is.
        assert_eq!(d("caf%C3%A9", false), "café");
    }

    #[test]
    fn entities() {
        let mut out = Vec::new();
        assert!(html_entities(b"&#60;script&#x3e;", &mut out));
        assert_eq!(out, b"<script>");
        assert!(html_entities(b"java&#115cript&colon;alert", &mut out));
        assert_eq!(out, b"javascript:alert");
        assert!(!html_entities(b"fish & chips", &mut out));
        assert!(!html_entities(b"no amp", &mut out));
    }
}
