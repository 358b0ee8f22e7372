//! Small byte-string helpers for ASCII case-insensitive matching without allocation.

/// First position of `needle` (lowercase ASCII) in `hay`, ignoring ASCII case.
pub fn find_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let (&first, rest) = needle.split_first()?;
    if hay.len() < needle.len() {
        return None;
    }
    let up = first.to_ascii_uppercase();
    let mut i = 0;
    while i + needle.len() <= hay.len() {
        let p = if up == first {
            memchr::memchr(first, &hay[i..=hay.len() - needle.len()])?
        } else {
            memchr::memchr2(first, up, &hay[i..=hay.len() - needle.len()])?
        };
        let at = i + p;
        if hay[at + 1..at + needle.len()].eq_ignore_ascii_case(rest) {
            return Some(at);
        }
        i = at + 1;
    }
    None
}

/// First position of the two bytes `pair` in `hay`. For the two-byte markers checked on
/// every request (`..`, `${`, `&#`): a memchr for the first byte is far cheaper than
/// building a `memmem` searcher per call.
#[inline]
pub fn find_pair(hay: &[u8], pair: [u8; 2]) -> Option<usize> {
    let mut i = 0;
    while let Some(p) = crate::bytes::find(pair[0], hay.get(i..)?) {
        let at = i + p;
        if hay.get(at + 1) == Some(&pair[1]) {
            return Some(at);
        }
        i = at + 1;
    }
    None
}

pub fn starts_ci(hay: &[u8], needle: &[u8]) -> bool {
    hay.len() >= needle.len() && hay[..needle.len()].eq_ignore_ascii_case(needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn find_pair_is_memmem(hay in "[.${&#a]{0,40}", a in "[.$&]", b in "[.{#]") {
            let pair = [a.as_bytes()[0], b.as_bytes()[0]];
            proptest::prop_assert_eq!(
                find_pair(hay.as_bytes(), pair),
                memchr::memmem::find(hay.as_bytes(), &pair)
            );
        }
    }

    #[test]
    fn ci() {
        assert_eq!(find_ci(b"xxJavaScript:", b"javascript:"), Some(2));
        assert_eq!(find_ci(b"java", b"javascript"), None);
        assert_eq!(find_ci(b"", b"a"), None);
        assert_eq!(find_ci(b"aaab", b"ab"), Some(2));
        assert!(starts_ci(b"ALERT(", b"alert"));
    }
}

/// Byte classes for the prefilter: one pass over a field says which detectors can match.
pub mod class {
    pub const LT: u32 = 1;
    pub const QUOTE: u32 = 1 << 1;
    pub const COLON: u32 = 1 << 2;
    pub const PAREN: u32 = 1 << 3;
    pub const DOLLAR: u32 = 1 << 4;
    pub const SEMI: u32 = 1 << 5;
    pub const PIPE: u32 = 1 << 6;
    pub const BACKTICK: u32 = 1 << 7;
    pub const AMP: u32 = 1 << 8;
    pub const NL: u32 = 1 << 9;
    pub const SPACE: u32 = 1 << 10;
    pub const HASH: u32 = 1 << 11;
    pub const EQ: u32 = 1 << 12;
    pub const AT: u32 = 1 << 13;
    pub const STAR: u32 = 1 << 14;
    pub const DOT: u32 = 1 << 15;
    pub const BRACE: u32 = 1 << 16;

    const fn table() -> [u32; 256] {
        let mut t = [0u32; 256];
        t[b'<' as usize] = LT;
        t[b'\'' as usize] = QUOTE;
        t[b'"' as usize] = QUOTE;
        t[b':' as usize] = COLON;
        t[b'(' as usize] = PAREN;
        t[b'$' as usize] = DOLLAR;
        t[b';' as usize] = SEMI;
        t[b'|' as usize] = PIPE;
        t[b'`' as usize] = BACKTICK;
        t[b'&' as usize] = AMP;
        t[b'\n' as usize] = NL;
        t[b'\r' as usize] = NL;
        t[b' ' as usize] = SPACE;
        t[b'\t' as usize] = SPACE;
        t[b'#' as usize] = HASH;
        t[b'=' as usize] = EQ;
        t[b'@' as usize] = AT;
        t[b'*' as usize] = STAR;
        t[b'.' as usize] = DOT;
        t[b'{' as usize] = BRACE;
        t
    }

    static TABLE: [u32; 256] = table();

    pub fn of(s: &[u8]) -> u32 {
        s.iter().fold(0, |m, &b| m | TABLE[b as usize])
    }

    /// Classes any SQL injection needs.
    pub const SQLI: u32 =
        QUOTE | SPACE | PAREN | SEMI | HASH | EQ | PIPE | AMP | AT | STAR | BACKTICK | NL;
    /// Classes any XSS needs (`:` for `javascript:`, `(` for `constructor(`).
    pub const XSS: u32 = LT | QUOTE | COLON | PAREN;
    pub const CMDI: u32 = SEMI | PIPE | AMP | NL | BACKTICK | DOLLAR;
}
