//! Every string a stranger wrote (paths, user agents, raw lines, even "IPs") passes through
//! [`clean`] before it reaches the terminal: a log line must never move the cursor, clear the
//! screen, retitle the window or reorder text (bidi overrides). Nothing is dropped silently;
//! the offending characters are shown escaped so the operator sees the attack.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Characters that must not reach the terminal raw.
fn is_unsafe(c: char) -> bool {
    c.is_control() // C0, DEL and C1 (U+0080..=U+009F)
        || matches!(c,
            // bidi embeddings/overrides/isolates and marks ("trojan source")
            '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
            // line/paragraph separators, BOM / zero-width no-break space
            | '\u{2028}' | '\u{2029}' | '\u{FEFF}'
            // interlinear annotation, replacement-object controls
            | '\u{FFF9}'..='\u{FFFB}')
}

/// Returns `s` unchanged when it is safe to print, otherwise a copy with every control
/// character escaped: ESC → `\e`, tab/newline/CR → `\t` `\n` `\r`, other C0 and DEL → `\x07`,
/// C1 and invisible format characters → `\u{9b}`.
pub fn clean(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if !is_unsafe(c) {
            out.push(c);
            continue;
        }
        match c {
            '\x1b' => out.push_str("\\e"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x80 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
        }
    }
    Cow::Owned(out)
}

/// Cleans `s` and shortens it to at most `max` characters, keeping the start and the end
/// (the method and the protocol of a request line, the tail of an attack payload) with `…`
/// in the middle.
pub fn clean_trunc(s: &str, max: usize) -> String {
    let c = clean(s);
    let n = c.chars().count();
    if n <= max {
        return c.into_owned();
    }
    if max <= 1 {
        return "…".chars().take(max).collect();
    }
    // Half for the start, half for the end.
    let keep = max - 1;
    let head = keep.div_ceil(2);
    let tail = keep - head;
    let mut out: String = c.chars().take(head).collect();
    out.push('…');
    out.extend(c.chars().skip(n - tail));
    out
}

/// Shortens already clean text to `max` characters, cutting the end.
pub fn trunc_end(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_text_is_borrowed() {
        assert!(matches!(clean("GET /a?b=ü HTTP/1.1"), Cow::Borrowed(_)));
    }

    #[test]
    fn escapes_ansi_c0_c1_and_bidi() {
        assert_eq!(clean("a\x1b[2Jb"), "a\\e[2Jb");
        assert_eq!(clean("\x07\x00\x7f"), "\\x07\\x00\\x7f");
        assert_eq!(clean("x\u{9b}31m"), "x\\u{9b}31m");
        assert_eq!(clean("\u{202e}evil"), "\\u{202e}evil");
        assert_eq!(clean("l1\r\nl2\t"), "l1\\r\\nl2\\t");
        // OSC 52 clipboard write
        let s = clean("\x1b]52;c;ZXZpbA==\x07");
        assert!(!s.chars().any(is_unsafe), "{s}");
        assert_eq!(s, "\\e]52;c;ZXZpbA==\\x07");
    }

    #[test]
    fn truncation_keeps_both_ends() {
        let t = clean_trunc("GET /0123456789abcdefghij HTTP/1.1", 20);
        assert_eq!(t.chars().count(), 20);
        assert!(t.starts_with("GET /0123"), "{t}");
        assert!(t.ends_with("HTTP/1.1"), "{t}");
        assert!(t.contains('…'));
        assert_eq!(clean_trunc("short", 20), "short");
        // the escape happens before truncation, so no half escape sequence leaks raw
        let t = clean_trunc("\x1b\x1b\x1b\x1b\x1b\x1b\x1b\x1b", 5);
        assert!(!t.contains('\x1b'));
        assert_eq!(trunc_end("abcdef", 4), "abc…");
    }
}
