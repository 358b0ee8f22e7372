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
    // Segments kept as they are (most) are copied in runs: `p[run..]` is still to be written.
    let (mut start, mut special, mut n, mut run) = (1, false, 0, 0);
    for i in 1..=b.len() {
        let c = b.get(i).copied().unwrap_or(b'?');
        match c {
            b'/' | b'?' | b'#' => {
                if n == MAX_SEGMENTS {
                    out.push_str(&p[run..start - 1]);
                    out.push_str("/…");
                    return;
                }
                if special || i - start > MAX_SEGMENT_LEN {
                    out.push_str(&p[run..start]);
                    push_segment(&p[start..i], out, special);
                    run = i;
                }
                n += 1;
                if c != b'/' {
                    out.push_str(&p[run..i]);
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

/// User path patterns, `REGEX=>/replacement` (`--path-pattern`), applied to the raw path
/// before [`normalize_path`], first match wins; `$1`/`${name}` in the replacement insert
/// captures. Cost: with patterns set, one regex search per request per pattern until one
/// matches (the normaliser has no cache to hide them behind); none when the list is empty.
/// The search reuses capture slots and a buffer, so it does not allocate.
#[derive(Debug, Clone, Default)]
pub struct PathPatterns {
    list: std::sync::Arc<[PathPattern]>,
}

#[derive(Debug, Clone)]
pub struct PathPattern {
    re: regex::Regex,
    replacement: String,
    source: String,
}

impl std::str::FromStr for PathPattern {
    type Err = String;

    fn from_str(s: &str) -> Result<PathPattern, String> {
        let (re, rep) = s
            .rsplit_once("=>")
            .ok_or_else(|| format!("`{s}`: expected REGEX=>/replacement"))?;
        if re.is_empty() {
            return Err(format!("`{s}`: empty regex"));
        }
        let re = regex::Regex::new(re).map_err(|e| {
            let e = e.to_string();
            // The regex crate's message spans lines; its last line says what is wrong.
            format!("`{re}`: {}", e.lines().last().unwrap_or(&e).trim())
        })?;
        Ok(PathPattern {
            re,
            replacement: rep.to_string(),
            source: s.to_string(),
        })
    }
}

impl std::fmt::Display for PathPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.source)
    }
}

impl PartialEq for PathPatterns {
    fn eq(&self, other: &Self) -> bool {
        self.list.len() == other.list.len()
            && self
                .list
                .iter()
                .zip(other.list.iter())
                .all(|(a, b)| a.source == b.source)
    }
}

impl PathPatterns {
    pub fn new(list: Vec<PathPattern>) -> PathPatterns {
        PathPatterns { list: list.into() }
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}

/// Per-aggregator scratch for [`PathPatterns`]: capture slots and the rewritten path.
#[derive(Debug, Default)]
pub struct PathRewriter {
    locs: Vec<regex::CaptureLocations>,
    out: String,
}

impl PathRewriter {
    /// The path with the first matching pattern applied, or `None` when none matches.
    pub fn rewrite<'s>(&'s mut self, pats: &PathPatterns, path: &str) -> Option<&'s str> {
        if self.locs.len() != pats.list.len() {
            self.locs = pats.list.iter().map(|p| p.re.capture_locations()).collect();
        }
        for (p, locs) in pats.list.iter().zip(self.locs.iter_mut()) {
            // `is_match` runs the fast engines only; capture slots are filled for a match.
            if !p.re.is_match(path) {
                continue;
            }
            let Some(m) = p.re.captures_read(locs, path) else {
                continue;
            };
            self.out.clear();
            self.out.push_str(&path[..m.start()]);
            expand(&p.re, &p.replacement, locs, path, &mut self.out);
            self.out.push_str(&path[m.end()..]);
            return Some(&self.out);
        }
        None
    }
}

/// The whole path normalisation: user [`PathPatterns`] first, then [`normalize_path`], into a
/// reused buffer. One per thread that normalises (parse stage, or the engine for requests
/// that come without keys).
#[derive(Debug, Default)]
pub struct PathNormalizer {
    patterns: PathPatterns,
    rewriter: PathRewriter,
    buf: String,
    cache: KeyCache,
}

impl PathNormalizer {
    pub fn new(patterns: PathPatterns) -> PathNormalizer {
        PathNormalizer {
            patterns,
            rewriter: PathRewriter::default(),
            buf: String::with_capacity(128),
            cache: KeyCache::default(),
        }
    }

    /// Normalise `path`; the result is [`as_str`](Self::as_str) until the next call.
    pub fn normalize(&mut self, path: &str) -> &str {
        let p = if self.patterns.is_empty() {
            path
        } else {
            self.rewriter.rewrite(&self.patterns, path).unwrap_or(path)
        };
        normalize_path(p, &mut self.buf);
        &self.buf
    }

    /// Normalise `path`, cut it to at most `max_len` bytes (on a char boundary) and return
    /// the hash of the result, which is [`as_str`](Self::as_str) until the next call. The
    /// same as `hash_str` of [`normalize`](Self::normalize) cut so, but a path seen recently
    /// is looked up instead of normalised again (most requests go to a few hundred paths,
    /// and normalising and hashing one cost ~500 instructions, 6% of an ALB line).
    pub fn normalize_key(&mut self, path: &str, max_len: usize) -> u64 {
        let tag = super::hash::hash_str(path);
        if let Some(key) = self.cache.get(tag, path, max_len, &mut self.buf) {
            return key;
        }
        self.normalize(path);
        let cut = crate::keys::truncate(&self.buf, max_len).len();
        self.buf.truncate(cut);
        let key = super::hash::hash_str(&self.buf);
        self.cache.put(tag, path, max_len, &self.buf, key);
        key
    }

    /// The last normalised path (empty after [`clear`](Self::clear)).
    pub fn as_str(&self) -> &str {
        &self.buf
    }

    pub fn clear(&mut self) {
        self.buf.clear();
    }

    /// Cut the last normalised path to its first `len` bytes (a char boundary).
    pub fn truncate(&mut self, len: usize) {
        self.buf.truncate(len);
    }

    pub fn capacity(&self) -> usize {
        self.buf.capacity()
    }
}

/// Recently normalised paths: direct-mapped by the raw path's hash, the raw path compared in
/// full on a hit. Bounded: [`KeyCache::SLOTS`] slots, paths longer than
/// [`KeyCache::MAX_PATH`] never stored (so at most ~0.5 MiB, allocated on first use).
#[derive(Debug, Default)]
struct KeyCache {
    slots: Vec<CacheSlot>,
}

#[derive(Debug, Default)]
struct CacheSlot {
    tag: u64,
    max_len: usize,
    raw: String,
    norm: String,
    key: u64,
}

impl KeyCache {
    const SLOTS: usize = 1024;
    const MAX_PATH: usize = 192;

    #[inline]
    fn get(&self, tag: u64, raw: &str, max_len: usize, out: &mut String) -> Option<u64> {
        let s = self.slots.get(tag as usize % Self::SLOTS)?;
        if s.tag != tag || s.max_len != max_len || s.raw != raw {
            return None;
        }
        out.clear();
        out.push_str(&s.norm);
        Some(s.key)
    }

    fn put(&mut self, tag: u64, raw: &str, max_len: usize, norm: &str, key: u64) {
        if raw.len() > Self::MAX_PATH || norm.len() > Self::MAX_PATH {
            return;
        }
        if self.slots.is_empty() {
            self.slots.resize_with(Self::SLOTS, CacheSlot::default);
        }
        let s = &mut self.slots[tag as usize % Self::SLOTS];
        // A fresh slot's `max_len` is 0, which no caller asks for: it matches nothing.
        s.tag = tag;
        s.max_len = max_len;
        s.raw.clear();
        s.raw.push_str(raw);
        s.norm.clear();
        s.norm.push_str(norm);
        s.key = key;
    }
}

/// `$1`, `${1}`, `${name}` and `$$` in `rep`, without `Captures` (which would allocate).
fn expand(
    re: &regex::Regex,
    rep: &str,
    locs: &regex::CaptureLocations,
    hay: &str,
    out: &mut String,
) {
    let mut rest = rep;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(a) = after.strip_prefix('$') {
            out.push('$');
            rest = a;
            continue;
        }
        let (name, next) = if let Some(b) = after.strip_prefix('{') {
            match b.find('}') {
                Some(e) => (&b[..e], &b[e + 1..]),
                None => ("", after),
            }
        } else {
            let e = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..e], &after[e..])
        };
        if name.is_empty() {
            out.push('$');
            rest = after;
            continue;
        }
        let group = match name.parse::<usize>() {
            Ok(n) => Some(n),
            Err(_) => re.capture_names().position(|n| n == Some(name)),
        };
        if let Some((s, e)) = group.and_then(|g| locs.get(g)) {
            out.push_str(&hay[s..e]);
        }
        rest = next;
    }
    out.push_str(rest);
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

    fn rewrite(pats: &[&str], path: &str) -> String {
        let pats = PathPatterns::new(pats.iter().map(|p| p.parse().unwrap()).collect());
        let mut rw = PathRewriter::default();
        let mut out = String::new();
        match rw.rewrite(&pats, path) {
            Some(p) => normalize_path(p, &mut out),
            None => normalize_path(path, &mut out),
        }
        out
    }

    #[test]
    fn user_patterns_come_first() {
        let pats = [r"^/u/[^/]+=>/u/:user", r"^/shop/([a-z]{2})/=>/shop/:cc-$1/"];
        assert_eq!(rewrite(&pats, "/u/jane/orders/77"), "/u/:user/orders/:id");
        assert_eq!(rewrite(&pats, "/shop/de/cart"), "/shop/:cc-de/cart");
        assert_eq!(
            rewrite(&pats, "/other/42"),
            "/other/:id",
            "no match: built-in only"
        );
        // First match wins; named groups and `$$`.
        let pats = [r"^/a/(?P<x>\w+)=>/A/${x}$$", r"^/a=>/never"];
        assert_eq!(rewrite(&pats, "/a/b"), "/A/b$");
        assert_eq!(rewrite(&[r"x=>$9"], "/x"), "/", "missing group: empty");
        assert_eq!(rewrite(&[r"x=>${oops"], "/x"), "/${oops");
    }

    #[test]
    fn pattern_syntax_errors() {
        let e = "no-arrow".parse::<PathPattern>().unwrap_err();
        assert!(e.contains("REGEX=>/replacement"), "{e}");
        let e = "([=>/x".parse::<PathPattern>().unwrap_err();
        assert!(e.starts_with("`([`:"), "{e}");
        assert!("=>/x".parse::<PathPattern>().is_err());
        let p: PathPattern = "^/a=>b=>/c".parse().unwrap();
        assert_eq!(p.re.as_str(), "^/a=>b", "the last `=>` splits");
        assert_eq!(p.to_string(), "^/a=>b=>/c");
    }

    /// The normaliser as first written, one push per segment: the oracle for the runs.
    fn per_segment(p: &str) -> String {
        let mut out = String::new();
        let b = p.as_bytes();
        if b.first() != Some(&b'/') {
            normalize_path(p, &mut out);
            return out;
        }
        let (mut start, mut special, mut n) = (1, false, 0);
        for i in 1..=b.len() {
            let c = b.get(i).copied().unwrap_or(b'?');
            match c {
                b'/' | b'?' | b'#' => {
                    if n == MAX_SEGMENTS {
                        out.push_str("/…");
                        return out;
                    }
                    out.push('/');
                    push_segment(&p[start..i], &mut out, special);
                    n += 1;
                    if c != b'/' {
                        return out;
                    }
                    start = i + 1;
                    special = false;
                }
                b'0'..=b'9' | b'@' => special = true,
                _ => {}
            }
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn runs_copy_what_segments_would(
            segs in proptest::collection::vec("[a-z]{0,3}|[0-9a-f]{1,40}|[a-z]{62,70}|[a-zé.@]{60,70}|x\\.png", 0..12),
            tail in "|\\?q=1|#f",
        ) {
            let p = format!("/{}{tail}", segs.join("/"));
            proptest::prop_assert_eq!(n(&p), per_segment(&p), "{}", p);
        }
    }

    /// What [`PathNormalizer::normalize_key`] must give, computed without its cache.
    fn uncached(pats: &PathPatterns, p: &str, max_len: usize) -> (String, u64) {
        let mut fresh = PathNormalizer::new(pats.clone());
        let s = crate::keys::truncate(fresh.normalize(p), max_len).to_string();
        let h = crate::window::hash::hash_str(&s);
        (s, h)
    }

    proptest::proptest! {
        #[test]
        fn cached_keys_equal_uncached(
            pool in proptest::collection::vec("/[a-z]{0,3}(/[0-9]{1,4}|/caf\u{e9}|/u/[a-z]{1,3})?(\\?q=1)?|", 1..40),
            picks in proptest::collection::vec((0usize..40, proptest::bool::ANY), 1..200),
        ) {
            let pats = PathPatterns::new(vec!["^/u/[^/]+=>/u/:user".parse().unwrap()]);
            let mut norm = PathNormalizer::new(pats.clone());
            for (i, short) in picks {
                let p = &pool[i % pool.len()];
                let max_len = if short { 5 } else { 256 };
                let key = norm.normalize_key(p, max_len);
                let (s, h) = uncached(&pats, p, max_len);
                proptest::prop_assert_eq!((norm.as_str(), key), (s.as_str(), h), "{}", p);
            }
        }
    }

    #[test]
    fn key_cache_survives_evictions_and_long_paths() {
        // More distinct paths than slots, twice over: every slot is replaced, many collide.
        let pats = PathPatterns::default();
        let mut norm = PathNormalizer::default();
        let long = format!("/x/{}", "ab".repeat(200));
        for round in 0..2 {
            for i in 0..3000 {
                let p = if i % 500 == 0 {
                    long.clone()
                } else {
                    format!("/shop/{}/item/{i}", i % 7)
                };
                let key = norm.normalize_key(&p, 256);
                let (s, h) = uncached(&pats, &p, 256);
                assert_eq!((norm.as_str(), key), (s.as_str(), h), "round {round}: {p}");
            }
        }
        assert_eq!(norm.cache.slots.len(), KeyCache::SLOTS);
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
