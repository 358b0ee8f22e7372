//! Path normalisation for the top-paths tables: ids, UUIDs, hashes, dates and tokens become
//! placeholders so `/product/123` and `/product/456` count as one `/product/:id`. Byte-level
//! classification, no regex, no allocation beyond the caller's reused `String`.

/// Segments kept; deeper paths end in `/…`.
pub const MAX_SEGMENTS: usize = 8;
/// Longer segments are replaced by `:long` (they are ids or junk, never route names).
pub const MAX_SEGMENT_LEN: usize = 64;

/// Write the normalised form of `path` into `out` (cleared first). The query string and
/// fragment are dropped; an absolute URL (proxy request) keeps only its path.
pub fn normalize_path(path: &str, out: &mut String) {
    out.clear();
    let mut p = path;
    if p.as_bytes().first().is_some_and(|c| c | 0x20 == b'h') {
        for scheme in ["http://", "https://"] {
            if p.len() > scheme.len()
                && p.as_bytes()[..scheme.len()].eq_ignore_ascii_case(scheme.as_bytes())
            {
                let rest = &p[scheme.len()..];
                p = rest.find('/').map_or("/", |i| &rest[i..]);
                break;
            }
        }
    }
    let b = p.as_bytes();
    if b.first() != Some(&b'/') {
        // Empty, a bare query, `*` (OPTIONS), `host:443` (CONNECT) or junk: keep, bounded.
        let end = b
            .iter()
            .position(|&c| c == b'?' || c == b'#')
            .unwrap_or(b.len());
        if end == 0 {
            out.push('/');
        } else {
            push_segment(&p[..end], out, true);
        }
        return;
    }
    // One pass: split on '/', stop at '?' or '#', and note which segments hold a digit or
    // '@' (only those can be variable; the rest are copied as they are). Separators are
    // ASCII, so every slice lands on a char boundary.
    let (mut start, mut special, mut n) = (1, false, 0);
    for i in 1..=b.len() {
        let c = b.get(i).copied().unwrap_or(b'?');
        match c {
            b'/' | b'?' | b'#' => {
                if n == MAX_SEGMENTS {
                    out.push_str("/…");
                    return;
                }
                out.push('/');
                push_segment(&p[start..i], out, special);
                n += 1;
                if c != b'/' {
                    return;
                }
                start = i + 1;
                special = false;
            }
            b'0'..=b'9' | b'@' => special = true,
            _ => {}
        }
    }
}

fn push_segment(seg: &str, out: &mut String, special: bool) {
    if !special {
        out.push_str(if seg.len() > MAX_SEGMENT_LEN {
            ":long"
        } else {
            seg
        });
        return;
    }
    if let Some(tok) = classify(seg.as_bytes()) {
        out.push_str(tok);
        return;
    }
    // `12345.jpg` → `:id.jpg`: classify the stem when the extension looks like one.
    if let Some(dot) = seg.bytes().rposition(|c| c == b'.') {
        let (stem, ext) = (&seg[..dot], &seg[dot + 1..]);
        let e = ext.as_bytes();
        if !stem.is_empty()
            && (1..=5).contains(&e.len())
            && e[0].is_ascii_alphabetic()
            && e.iter().all(u8::is_ascii_alphanumeric)
            && let Some(tok) = classify(stem.as_bytes())
        {
            out.push_str(tok);
            out.push('.');
            out.push_str(ext);
            return;
        }
    }
    if seg.len() > MAX_SEGMENT_LEN {
        out.push_str(":long");
    } else {
        out.push_str(seg);
    }
}

fn is_uuid(b: &[u8]) -> bool {
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

const DIGIT: u8 = 1;
const HEX: u8 = 2;
const NUM_SEP: u8 = 4;
const TOKEN: u8 = 8;
const AT: u8 = 16;

/// Byte classes, so a segment is classified in one branch-free pass.
static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        let mut k = 0;
        if b.is_ascii_digit() {
            k |= DIGIT | HEX | NUM_SEP | TOKEN;
        } else if b.is_ascii_hexdigit() {
            k |= HEX | TOKEN;
        } else if b.is_ascii_alphabetic() {
            k |= TOKEN;
        } else if matches!(b, b'-' | b'_') {
            k |= NUM_SEP | TOKEN;
        } else if matches!(b, b'.' | b',' | b':' | b'+') {
            k |= NUM_SEP;
        } else if b == b'@' {
            k |= AT;
        }
        t[c] = k;
        c += 1;
    }
    t
};

/// The placeholder for a variable segment, `None` to keep it. One pass gathers the byte
/// classes, then the rules are checked from the most specific.
fn classify(b: &[u8]) -> Option<&'static str> {
    if b.is_empty() {
        return None;
    }
    let (mut digits, mut all, mut any) = (0usize, 0xFFu8, 0u8);
    for &c in b {
        let k = CLASS[usize::from(c)];
        digits += usize::from(k & DIGIT);
        all &= k;
        any |= k;
    }
    let (hex, num_sep, token) = (all & HEX != 0, all & NUM_SEP != 0, all & TOKEN != 0);
    let at = if any & AT != 0 {
        b.iter().position(|&c| c == b'@')
    } else {
        None
    };
    if digits == b.len() {
        return Some(":id");
    }
    if b.len() == 36 && is_uuid(b) {
        return Some(":uuid");
    }
    if hex && b.len() >= 16 && digits > 0 {
        return Some(":hex");
    }
    // Dates, times, phone numbers, versions: digits joined by separators.
    if num_sep && digits > 0 && digits * 2 >= b.len() {
        return Some(":num");
    }
    if let Some(at) = at
        && at > 0
        && b[at + 1..].contains(&b'.')
    {
        return Some(":email");
    }
    // Opaque tokens (base64url, session ids): long, no punctuation but `-`/`_`, many digits.
    if token && b.len() >= 20 && digits * 5 >= b.len() {
        return Some(":token");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(p: &str) -> String {
        let mut s = String::new();
        normalize_path(p, &mut s);
        s
    }

    #[test]
    fn placeholders() {
        assert_eq!(n("/product/123"), "/product/:id");
        assert_eq!(n("/product/123/reviews?page=2"), "/product/:id/reviews");
        assert_eq!(
            n("/orders/3f2504e0-4f89-11d3-9a0c-0305e82c3301/items/7"),
            "/orders/:uuid/items/:id"
        );
        assert_eq!(n("/blob/9f86d081884c7d659a2feaa0c55ad015"), "/blob/:hex");
        assert_eq!(n("/archive/2024-01-31/"), "/archive/:num/");
        assert_eq!(
            n("/users/jane.doe@example.com/profile"),
            "/users/:email/profile"
        );
        assert_eq!(n("/img/12345.jpg"), "/img/:id.jpg");
        assert_eq!(n("/s/aZ3kP9qL2mX7vB4nR8tY1wE"), "/s/:token");
        assert_eq!(n("/api/v1/users"), "/api/v1/users");
        assert_eq!(n("/blog/my-first-post"), "/blog/my-first-post");
        assert_eq!(n("/index.html"), "/index.html");
        assert_eq!(n("/cafe"), "/cafe", "short hex-looking words stay");
    }

    #[test]
    fn edges() {
        assert_eq!(n(""), "/");
        assert_eq!(n("/"), "/");
        assert_eq!(n("?x=1"), "/");
        assert_eq!(n("*"), "*");
        assert_eq!(n("http://example.com/a/42?q"), "/a/:id");
        assert_eq!(n("HTTPS://example.com"), "/");
        assert_eq!(n("/a/b/c/d/e/f/g/h/i/j/k"), "/a/b/c/d/e/f/g/h/…");
        let long = format!("/x/{}", "ab".repeat(100));
        assert_eq!(n(&long), "/x/:long");
        assert_eq!(n("//double//slash"), "//double//slash");
        // Multi-byte text is never split.
        assert_eq!(n("/caf\u{e9}/\u{1F600}"), "/caf\u{e9}/\u{1F600}");
        let wide = format!("/{}", "\u{e9}".repeat(40));
        assert_eq!(n(&wide), "/:long");
    }
}
