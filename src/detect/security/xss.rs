//! Cross-site scripting in decoded text: dangerous tags (`<script`, `<iframe`), any tag with
//! an event handler or a `javascript:` URL, attribute breakouts (`" onmouseover=`), JS
//! string breakouts (`';alert(1)//`), `javascript:` URLs that run code, `data:text/html`.
//! A bare `<` (`x < 5`, `<3`) or `javascript: the good parts` is not XSS.

use super::text::{find_ci, starts_ci};

/// Tags that are dangerous by themselves.
const ALWAYS: [&[u8]; 12] = [
    b"script",
    b"iframe",
    b"frame",
    b"frameset",
    b"object",
    b"embed",
    b"applet",
    b"meta",
    b"base",
    b"xss",
    b"portal",
    b"plaintext",
];

/// Words after `on` that are not event handlers.
const NOT_EVENTS: [&[u8]; 8] = [b"line", b"ly", b"ce", b"to", b"ion", b"es", b"set", b"ward"];

pub fn detect(s: &[u8]) -> Option<&'static str> {
    let has_lt = memchr::memchr(b'<', s).is_some();
    if has_lt {
        if let Some(r) = tags(s) {
            return Some(r);
        }
    }
    let has_quote = memchr::memchr2(b'"', b'\'', s).is_some();
    if (has_lt || has_quote) && event_handler(s) {
        return Some("xss-event-handler");
    }
    // `data:` or `…script:` (the letters of `script` stay together even in `java\tscript:`).
    if memchr::memchr(b':', s).is_some()
        && (find_ci(s, b"script").is_some() || find_ci(s, b"data:").is_some())
    {
        if let Some(r) = scheme(s) {
            return Some(r);
        }
    }
    if has_quote && js_breakout(s) {
        return Some("xss-js-breakout");
    }
    let has_paren = memchr::memchr(b'(', s).is_some();
    if has_paren && find_ci(s, b"constructor.constructor(").is_some() {
        return Some("xss-template-injection");
    }
    if (has_lt || has_quote)
        && (has_paren && find_ci(s, b"fromcharcode(").is_some()
            || find_ci(s, b"document.cookie").is_some())
    {
        return Some("xss-dom-access");
    }
    None
}

fn tags(s: &[u8]) -> Option<&'static str> {
    let mut i = 0;
    while let Some(p) = memchr::memchr(b'<', &s[i..]) {
        let mut j = i + p + 1;
        if s.get(j) == Some(&b'/') {
            j += 1;
        }
        let start = j;
        while j < s.len() && s[j].is_ascii_alphanumeric() && j - start < 12 {
            j += 1;
        }
        let name = &s[start..j];
        if !name.is_empty() && name[0].is_ascii_alphabetic() {
            let boundary = s
                .get(j)
                .is_none_or(|&c| matches!(c, b' ' | b'>' | b'/' | b'\t' | b'\n' | b'\r' | 0x0c));
            if boundary && ALWAYS.iter().any(|t| t.eq_ignore_ascii_case(name)) {
                // `<script>` alone (a search for the tag) is not an attack; with a body,
                // a source or its closing tag it is.
                let rest = &s[j..];
                let script = name.eq_ignore_ascii_case(b"script");
                if !script
                    || find_ci(rest, b"</script").is_some()
                    || find_ci(rest, b"src").is_some()
                    || rest.iter().any(|&c| matches!(c, b'(' | b'`' | b'='))
                {
                    return Some("xss-script-tag");
                }
            }
            if boundary {
                let rest = &s[j..];
                let end = memchr::memchr(b'>', rest).map_or(rest.len(), |e| e);
                let attrs = &rest[..end];
                if event_handler(attrs) {
                    return Some("xss-event-handler");
                }
                if find_ci(attrs, b"javascript:").is_some()
                    || find_ci(attrs, b"vbscript:").is_some()
                    || find_ci(attrs, b"data:text/html").is_some()
                    || find_ci(attrs, b"expression(").is_some()
                {
                    return Some("xss-tag-url");
                }
            }
        }
        i = i + p + 1;
    }
    None
}

/// `on<event>=` after a space, quote or `/`.
fn event_handler(s: &[u8]) -> bool {
    let mut i = 0;
    while i + 2 < s.len() {
        let Some(p) = find_ci(&s[i..], b"on") else {
            return false;
        };
        let at = i + p;
        i = at + 2;
        let before_ok = at == 0
            || matches!(
                s[at - 1],
                b' ' | b'"' | b'\'' | b'/' | b'\t' | b'\n' | b'\r' | b';' | 0x0c
            );
        if !before_ok {
            continue;
        }
        let mut j = at + 2;
        while j < s.len() && s[j].is_ascii_alphabetic() {
            j += 1;
        }
        let word = &s[at + 2..j];
        if word.len() < 3 || NOT_EVENTS.iter().any(|w| w.eq_ignore_ascii_case(word)) {
            continue;
        }
        while j < s.len() && matches!(s[j], b' ' | b'\t' | b'\n' | b'\r') {
            j += 1;
        }
        if s.get(j) == Some(&b'=') {
            return true;
        }
    }
    false
}

/// `javascript:`/`vbscript:` followed by code, or `data:text/html`. Browsers drop tabs and
/// newlines inside URLs, so `java\tscript:` counts too.
fn scheme(s: &[u8]) -> Option<&'static str> {
    if find_ci(s, b"data:text/html").is_some() {
        return Some("xss-data-url");
    }
    for name in [&b"javascript"[..], b"vbscript", b"livescript"] {
        let mut from = 0;
        while let Some(end) = find_scheme(&s[from..], name) {
            let rest = &s[from + end..];
            if rest
                .iter()
                .any(|&c| matches!(c, b'(' | b'`' | b'=' | b'%' | b'\\'))
            {
                return Some("xss-javascript-url");
            }
            from += end;
        }
    }
    None
}

/// Position just after `name:` in `s`, with tabs/newlines allowed between letters.
fn find_scheme(s: &[u8], name: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i < s.len() {
        if s[i].eq_ignore_ascii_case(&name[0]) {
            let mut j = i;
            let mut k = 0;
            while j < s.len() && k < name.len() {
                if matches!(s[j], b'\t' | b'\n' | b'\r') {
                    j += 1;
                    continue;
                }
                if !s[j].eq_ignore_ascii_case(&name[k]) {
                    break;
                }
                j += 1;
                k += 1;
            }
            if k == name.len() {
                while j < s.len() && s[j] == b' ' {
                    j += 1;
                }
                if s.get(j) == Some(&b':') {
                    return Some(j + 1);
                }
            }
        }
        i += 1;
    }
    None
}

/// `'-alert(1)-'`, `";confirm(1)//`, `'+prompt`1`+'`: a quote, an optional operator, a sink.
fn js_breakout(s: &[u8]) -> bool {
    for (i, &q) in s.iter().enumerate() {
        if q != b'\'' && q != b'"' {
            continue;
        }
        let mut j = i + 1;
        while j < s.len()
            && matches!(
                s[j],
                b' ' | b';' | b'+' | b'-' | b')' | b'}' | b'*' | b'|' | b'&'
            )
        {
            j += 1;
        }
        let rest = &s[j..];
        for sink in [
            &b"alert"[..],
            b"prompt",
            b"confirm",
            b"eval",
            b"window[",
            b"top[",
        ] {
            if starts_ci(rest, sink) {
                let after = &rest[sink.len()..];
                if sink.ends_with(b"[") || matches!(after.first(), Some(b'(' | b'`')) {
                    return true;
                }
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xss_shapes() {
        for s in [
            "<script>alert(1)</script>",
            "<SCRIPT src=//x.y/z.js>",
            "<img src=x onerror=alert(1)>",
            "<svg/onload=alert(1)>",
            "\" onmouseover=\"alert(1)",
            "javascript:alert(document.domain)",
            "java\tscript:alert(1)",
            "';alert(1)//",
            "<a href=\"javascript:alert(1)\">x</a>",
            "data:text/html;base64,PHNjcmlwdD4=",
        ] {
            assert!(detect(s.as_bytes()).is_some(), "{s}");
        }
        for s in [
            "x < 5",
            "i <3 you",
            "<b>bold</b>",
            "javascript: the good parts",
            "turn on = off",
            "O'Brien's online shop",
            "a<b && c>d",
            "\"once upon a time\"",
        ] {
            assert_eq!(detect(s.as_bytes()), None, "{s}");
        }
    }
}
