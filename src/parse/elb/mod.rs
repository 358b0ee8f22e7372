//! AWS Classic Load Balancer (ELB) access logs:
//! `timestamp elb client:port backend:port request_processing_time backend_processing_time
//! response_processing_time elb_status_code backend_status_code received_bytes sent_bytes
//! "request" "user_agent" ssl_cipher ssl_protocol`.
//!
//! TCP and SSL listeners log `- -` statuses and the request `"- - - "`: those lines are
//! connections, parsed as requests with no status, method or path. Mapping as for ALB:
//! `total_time_us` is the sum of the three times when none is `-1`, `host` is the request
//! URL's host without port, `scheme` the URL's scheme.

use super::alb::{opt_status, sane_time};
use super::lex::{self, dash, dash_cow};
use super::{Parsed, Reject};
use crate::record::{Format, Request};
use std::borrow::Cow;

#[cfg(test)]
mod tests;

const TIME: usize = 0;
const CLIENT: usize = 2;
const BACKEND: usize = 3;
const REQUEST_TIME: usize = 4;
const BACKEND_TIME: usize = 5;
const RESPONSE_TIME: usize = 6;
const ELB_STATUS: usize = 7;
const BACKEND_STATUS: usize = 8;
const RECEIVED: usize = 9;
const SENT: usize = 10;
const REQUEST: usize = 11;
const USER_AGENT: usize = 12;
const SSL_CIPHER: usize = 13;
const SSL_PROTOCOL: usize = 14;
const FIELDS: usize = SSL_PROTOCOL + 1;

/// Fewer fields than this (through the request) is a cut line.
const MIN_FIELDS: usize = REQUEST + 1;

/// `2015-05-13T23:39:43.945958Z name client:port …`: an ISO time, then a name, then an IP
/// with a port (ALB connection logs have a bare IP in the second place, ALB lines a type).
pub fn sniff(line: &str) -> bool {
    let b = line.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[10] != b'T' {
        return false;
    }
    let mut it = line.splitn(4, ' ');
    let (Some(t), Some(_name), Some(client)) = (it.next(), it.next(), it.next()) else {
        return false;
    };
    if lex::iso8601(t).is_none() {
        return false;
    }
    let (host, port) = lex::split_host_port(client);
    port.is_some() && lex::ip(host).is_some()
}

pub fn parse(line: &str) -> Parsed<'_> {
    let line = line.strip_suffix('\r').unwrap_or(line);
    let mut f = [""; FIELDS];
    let n = super::alb::fields::split_fields(line, &mut f)?;
    let time = sane_time(f[TIME]);
    if n < MIN_FIELDS {
        return Err(Reject(if time.is_some() {
            "truncated"
        } else {
            "garbage"
        }));
    }
    let time = time.ok_or(Reject("bad-timestamp"))?;
    let status = opt_status(f[ELB_STATUS])?;
    let backend_status = opt_status(f[BACKEND_STATUS])?;

    let (client_ip, client_host, client_port) = super::alb::fields::addr(f[CLIENT]);
    let request_time_us = lex::secs_to_us(f[REQUEST_TIME]);
    let backend_time_us = lex::secs_to_us(f[BACKEND_TIME]);
    let response_time_us = lex::secs_to_us(f[RESPONSE_TIME]);
    let total_time_us = match (request_time_us, backend_time_us, response_time_us) {
        (Some(a), Some(b), Some(c)) => Some(a + b + c),
        _ => None,
    };
    let rl = lex::request_line(f[REQUEST]);
    let host = rl
        .host
        .map(|h| lex::host_without_port(h.trim_end_matches('-')))
        .and_then(dash);

    Ok(Request {
        format: Format::ElbClassic,
        time,
        client_ip,
        client_host: client_host.map(Cow::Borrowed),
        client_port,
        method: rl.method.map(Cow::Borrowed),
        scheme: rl.scheme.map(Cow::Borrowed),
        host: host.map(Cow::Borrowed),
        path: rl.path.map(Cow::Borrowed),
        query: rl.query.map(Cow::Borrowed),
        protocol: rl.protocol.map(Cow::Borrowed),
        status,
        backend_status,
        backend: dash_cow(f[BACKEND]),
        request_time_us,
        backend_time_us,
        response_time_us,
        total_time_us,
        bytes_in: lex::uint(f[RECEIVED]),
        bytes_out: lex::uint(f[SENT]),
        user_agent: dash_cow(f[USER_AGENT]),
        referrer: None,
        tls_protocol: dash_cow(f[SSL_PROTOCOL]),
        tls_cipher: dash_cow(f[SSL_CIPHER]),
        trace_id: None,
        reason: None,
        edge_location: None,
        forwarded_for: None,
    })
}
