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

pub fn starts_ci(hay: &[u8], needle: &[u8]) -> bool {
    hay.len() >= needle.len() && hay[..needle.len()].eq_ignore_ascii_case(needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ci() {
        assert_eq!(find_ci(b"xxJavaScript:", b"javascript:"), Some(2));
        assert_eq!(find_ci(b"java", b"javascript"), None);
        assert_eq!(find_ci(b"", b"a"), None);
        assert_eq!(find_ci(b"aaab", b"ab"), Some(2));
        assert!(starts_ci(b"ALERT(", b"alert"));
    }
}
