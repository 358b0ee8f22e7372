//! nginx/Apache `common` and `combined` access logs, and the variants seen in the wild:
//!
//! ```text
//! [vhost[:port]] client[, xff…] ident user [time] "request" status bytes ["referrer" "ua" extras…]
//! "xff, xff" client ident user [time] …
//! ```
//!
//! Extras after the user agent: a quoted X-Forwarded-For, `key="value"` pairs (Apache
//! `X-Forwarded-For="…"`), `$request_time` (seconds with a fraction → total time) and
//! `$upstream_response_time` (`-`, `0.1`, or a list `0.1, 0.2` / `0.1 : 0.2` → summed into
//! backend time). Integer extras are ignored (their unit, `%D` µs or `%T` s, is unknowable).
//! A line cut off inside the user agent (no closing quote) keeps the UA as far as it goes; a
//! line cut off before the status is rejected as `truncated`.
//!
//! Hand-written byte scanning: no regex, no allocation.

use super::{Format, Parsed, Reject, lex};
use crate::record::Request;
use memchr::memchr;
use std::borrow::Cow;

/// Combined when the line carries a referrer/UA, common otherwise. Rejects what `parse` rejects.
pub fn sniff(line: &str) -> Option<Format> {
    let first = *line.as_bytes().first()?;
    if !(first.is_ascii_alphanumeric() || first == b'"' || first == b':' || first == b'[') {
        return None;
    }
    parse(line).ok().map(|r| r.format)
}

/// Index of the `[` opening the timestamp: ` [dd/`.
fn time_open(b: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = memchr(b'[', &b[from..]) {
        let i = from + i;
        if i > 0
            && b[i - 1] == b' '
            && b.len() > i + 4
            && b[i + 1].is_ascii_digit()
            && b[i + 2].is_ascii_digit()
            && b[i + 3] == b'/'
        {
            return Some(i);
        }
        from = i + 1;
    }
    None
}

/// End (index of the closing `"`) of a quoted string whose content starts at `from`, skipping
/// quotes escaped with a backslash (Apache writes `\"`).
fn quote_end(b: &[u8], mut from: usize) -> Option<usize> {
    while let Some(i) = memchr(b'"', &b[from..]) {
        let i = from + i;
        let slashes = b[from..i].iter().rev().take_while(|&&c| c == b'\\').count();
        if slashes % 2 == 0 {
            return Some(i);
        }
        from = i + 1;
    }
    None
}

/// Next space-separated token from `p`: (token, index after it).
#[inline]
fn token(s: &str, p: usize) -> (&str, usize) {
    let b = s.as_bytes();
    let end = memchr(b' ', &b[p..]).map_or(b.len(), |i| p + i);
    (&s[p..end], end)
}

#[inline]
fn skip_spaces(b: &[u8], mut p: usize) -> usize {
    while p < b.len() && b[p] == b' ' {
        p += 1;
    }
    p
}

pub fn parse(line: &str) -> Parsed<'_> {
    let b = line.as_bytes();
    let open = time_open(b).ok_or(Reject("garbage"))?;
    let close = memchr(b']', &b[open..])
        .map(|i| open + i)
        .ok_or(Reject("garbage"))?;
    let time = lex::clf_time(&line[open + 1..close]).ok_or(Reject("bad-timestamp"))?;
    let mut r = Request {
        format: Format::Common,
        time,
        ..Default::default()
    };
    head(&line[..open - 1], &mut r)?;

    // "request"
    let mut p = close + 1;
    if b.get(p) != Some(&b' ') || b.get(p + 1) != Some(&b'"') {
        return Err(Reject("garbage"));
    }
    p += 2;
    let qend = quote_end(b, p).ok_or(Reject("truncated"))?;
    let rl = lex::request_line(&line[p..qend]);
    r.method = rl.method.map(Cow::Borrowed);
    r.scheme = rl.scheme.map(Cow::Borrowed);
    if r.host.is_none() {
        r.host = rl.host.map(|h| Cow::Borrowed(lex::host_without_port(h)));
    }
    r.path = rl.path.map(Cow::Borrowed);
    r.query = rl.query.map(Cow::Borrowed);
    r.protocol = rl.protocol.map(Cow::Borrowed);

    // status bytes
    p = skip_spaces(b, qend + 1);
    let (st, np) = token(line, p);
    if st.is_empty() {
        return Err(Reject("truncated"));
    }
    r.status = Some(lex::status(st).ok_or(Reject("bad-status"))?);
    p = skip_spaces(b, np);
    let (bytes, np) = token(line, p);
    if bytes.is_empty() {
        return Err(Reject("truncated"));
    }
    r.bytes_out = lex::uint(bytes);
    if r.bytes_out.is_none() && bytes != "-" {
        return Err(Reject("bad-bytes"));
    }
    tail(line, np, &mut r);
    Ok(r)
}

/// `[vhost] client ident user`, the part before the timestamp.
fn head<'a>(h: &'a str, r: &mut Request<'a>) -> Result<(), Reject> {
    let h = h.trim_end_matches(' ');
    // ident and user are the last two tokens.
    let user_sp = h.rfind(' ').ok_or(Reject("garbage"))?;
    let ident_sp = h[..user_sp]
        .trim_end_matches(' ')
        .rfind(' ')
        .ok_or(Reject("garbage"))?;
    let who = h[..ident_sp].trim_matches(' ');
    if who.is_empty() {
        return Err(Reject("garbage"));
    }
    // A quoted X-Forwarded-For list before the address: the client is its first entry.
    if let Some(rest) = who.strip_prefix('"') {
        let end = rest.find('"').ok_or(Reject("garbage"))?;
        let first = first_of_list(&rest[..end]);
        let peer = rest[end + 1..].trim_start();
        client(
            if lex::ip(first).is_some() {
                first
            } else {
                peer
            },
            r,
        );
        return Ok(());
    }
    // The first group: tokens joined by `, ` (an XFF list in the remote_addr slot).
    let wb = who.as_bytes();
    let mut g_end = 0;
    let mut is_list = false;
    loop {
        let (tok, e) = token(who, g_end);
        g_end = e;
        if tok.ends_with(',') && e < wb.len() {
            is_list = true;
            g_end = skip_spaces(wb, e);
            continue;
        }
        break;
    }
    let first_group = &who[..g_end];
    let rest = who[g_end..].trim_start_matches(' ');
    if rest.is_empty() || is_list {
        // `client` or `xff, xff, client [peer]`: the first entry is the client.
        client(first_of_list(first_group), r);
    } else {
        // `vhost[:port] client…` (nginx `$host $remote_addr`, Apache `%v:%p %h`).
        let vhost = lex::host_without_port(first_group);
        r.host = lex::dash(vhost).map(Cow::Borrowed);
        client(first_of_list(rest), r);
    }
    Ok(())
}

/// An X-Forwarded-For value: its first entry is an address (`ip` or `ip:port`).
fn looks_like_xff(v: &str) -> bool {
    let first = first_of_list(v);
    lex::ip(first).is_some() || lex::ip(lex::split_host_port(first).0).is_some()
}

#[inline]
fn first_of_list(s: &str) -> &str {
    let s = s.trim_start_matches(' ');
    let end = memchr(b',', s.as_bytes()).unwrap_or(s.len());
    let s = &s[..end];
    match memchr(b' ', s.as_bytes()) {
        Some(i) => &s[..i],
        None => s,
    }
}

fn client<'a>(tok: &'a str, r: &mut Request<'a>) {
    if let Some(ip) = lex::ip(tok) {
        r.client_ip = Some(ip);
        return;
    }
    let (addr, port) = lex::split_host_port(tok);
    if let Some(ip) = lex::ip(addr) {
        r.client_ip = Some(ip);
        r.client_port = port;
    } else if let Some(h) = lex::dash(tok) {
        r.client_host = Some(Cow::Borrowed(h));
    }
}

/// Everything after `bytes`: referrer, UA and the extras (see the module docs).
fn tail<'a>(line: &'a str, mut p: usize, r: &mut Request<'a>) {
    let b = line.as_bytes();
    let mut quoted = 0u8;
    let mut times = 0u8;
    let mut upstream: Option<u64> = None;
    loop {
        p = skip_spaces(b, p);
        if p >= b.len() {
            break;
        }
        if b[p] == b'"' {
            let (val, next) = match quote_end(b, p + 1) {
                Some(e) => (&line[p + 1..e], e + 1),
                None => (&line[p + 1..], b.len()), // cut off inside the string
            };
            match quoted {
                0 => r.referrer = lex::dash_cow(val),
                1 => r.user_agent = lex::dash_cow(val),
                // nginx `"$http_x_forwarded_for"`: kept when it starts with an address.
                2 if looks_like_xff(val) => r.forwarded_for = Some(Cow::Borrowed(val)),
                _ => {} // another header
            }
            quoted = quoted.saturating_add(1);
            p = next;
            continue;
        }
        let (tok, next) = token(line, p);
        if let Some(eq) = memchr(b'=', tok.as_bytes()) {
            // key="value with spaces": skip the whole quoted value.
            if tok.as_bytes().get(eq + 1) == Some(&b'"') {
                let (v0, end) = match quote_end(b, p + eq + 2) {
                    Some(e) => (p + eq + 2, e),
                    None => (p + eq + 2, b.len()),
                };
                if tok[..eq].eq_ignore_ascii_case("x-forwarded-for")
                    && looks_like_xff(&line[v0..end])
                {
                    r.forwarded_for = Some(Cow::Borrowed(&line[v0..end]));
                }
                p = (end + 1).min(b.len());
                continue;
            }
            p = next;
            continue;
        }
        if quoted >= 2 {
            let t = tok.trim_end_matches(',');
            if times == 0 {
                if t.contains('.') {
                    r.total_time_us = lex::secs_to_us(t);
                    times = 1;
                }
            } else if let Some(us) = lex::secs_to_us(t) {
                upstream = Some(upstream.unwrap_or(0).saturating_add(us));
                times = 2;
            }
        }
        p = next;
    }
    if quoted > 0 {
        r.format = Format::Combined;
    }
    r.backend_time_us = upstream;
}

#[cfg(test)]
mod tests;
