//! AWS Application Load Balancer access logs.
//!
//! One space-separated line per request, some fields `"quoted"`. The field list has grown
//! over the years (25 fields up to 2018, 29 with the target lists and classification, then
//! `conn_trace_id` and the transform fields); fields are read by position, so older shorter
//! lines parse too and fields AWS appends later are ignored.
//!
//! Mapping decisions:
//! - `time` is the `time` field (when the LB sent the response), not `request_creation_time`.
//! - `total_time_us` is the sum of the three processing times when all three are present;
//!   any `-1` (the LB never got / sent a response) makes it `None`, never a partial sum.
//! - `host` is `domain_name` (the TLS SNI) when logged, else the request URL's host without
//!   its port (`:80-` of malformed requests stripped).
//! - `reason` is `error_reason`, else `classification_reason`, when not `-`.
//! - ALB files can hold other record kinds: NLB TLS lines (`tls 2.0 …`) are rejected as
//!   `nlb-record`, ALB connection logs as `alb-connection-log`. [`sniff`] accepts them too,
//!   so a file that starts with them is still detected as ALB and they are counted under
//!   their own reason instead of `unknown-format`.

use super::lex::{self, dash, dash_cow};
use super::{Parsed, Reject};
use crate::record::{Format, Micros, Request};
use std::borrow::Cow;

#[cfg(test)]
mod conformance;
pub(crate) mod fields;
#[cfg(test)]
mod fuzz;
#[cfg(test)]
pub(crate) mod tests;

pub use fields::{Field, Fields, MAX_FIELDS};

/// Log times outside [1990, 2100) are corrupt, not traffic: rejected as `bad-timestamp`.
pub(crate) const MIN_TIME: Micros = 631_152_000_000_000;
pub(crate) const MAX_TIME: Micros = 4_102_444_800_000_000;

#[inline]
pub(crate) fn sane_time(s: impl AsRef<[u8]>) -> Option<Micros> {
    lex::iso8601(s).filter(|t| (MIN_TIME..MAX_TIME).contains(t))
}

/// The request types ALB writes (`type` field).
#[inline]
fn known_type(t: &str) -> bool {
    matches!(t, "http" | "https" | "h2" | "grpcs" | "ws" | "wss")
}

/// What kind of record an ALB-file line is, from its first tokens only (cheap).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Request,
    Nlb,
    Connection,
    Other,
}

fn kind(line: &str) -> Kind {
    let b = line.as_bytes();
    let Some(sp) = crate::bytes::find(b' ', b) else {
        return Kind::Other;
    };
    let first = &line[..sp];
    let rest = &line[sp + 1..];
    if known_type(first) {
        return Kind::Request;
    }
    if first == "tls" && rest.starts_with("2.0 ") {
        return Kind::Nlb;
    }
    // Connection log: `time client_ip client_port listener_port tls_protocol …`.
    if lex::iso8601(first).is_some() {
        let mut it = rest.splitn(4, ' ');
        let ip = it.next().unwrap_or("");
        let cport = it.next().unwrap_or("");
        let lport = it.next().unwrap_or("");
        if lex::ip(ip).is_some() && lex::uint(cport).is_some() && lex::uint(lport).is_some() {
            return Kind::Connection;
        }
    }
    Kind::Other
}

/// True for ALB request lines and for the NLB/connection records found in ALB log buckets
/// (they are rejected by [`parse`] with their own reason).
pub fn sniff(line: &str) -> bool {
    match kind(line) {
        Kind::Request => {
            // `type time …`: the time must be there for this to be ALB rather than prose.
            let b = line.as_bytes();
            let sp = crate::bytes::find(b' ', b).unwrap_or(0);
            let t = &line[sp + 1..];
            let end = crate::bytes::find(b' ', t.as_bytes()).unwrap_or(t.len());
            lex::iso8601(&t[..end]).is_some()
        }
        Kind::Nlb | Kind::Connection => true,
        Kind::Other => false,
    }
}

/// Fewer fields than this (up to and including `user_agent`) is a cut line.
const MIN_FIELDS: usize = 14;

pub fn parse(line: &str) -> Parsed<'_> {
    let line = line.strip_suffix('\r').unwrap_or(line);
    let k = kind(line);
    match k {
        Kind::Nlb => return Err(Reject("nlb-record")),
        Kind::Connection => return Err(Reject("alb-connection-log")),
        Kind::Request | Kind::Other => {}
    }
    // Nothing after `classification_reason` goes into a `Request`.
    let mut f = Fields::empty(line);
    match f.split_to(Field::ClassificationReason) {
        Ok(()) => {}
        // A stray quote in a line that is not ALB is not a cut ALB line.
        Err(_) if k == Kind::Other => return Err(Reject("garbage")),
        Err(e) => return Err(e),
    }
    if k == Kind::Other {
        // An unknown `type` is accepted only when the rest has the ALB shape (AWS says to
        // ignore types it may add); otherwise the line is not ALB at all.
        let ty = f.raw(Field::Type);
        let plausible = !ty.is_empty()
            && ty.len() <= 8
            && ty
                .bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            && f.len() >= MIN_FIELDS
            && sane_time(f.raw(Field::Time)).is_some();
        if !plausible {
            return Err(Reject("garbage"));
        }
    }
    if f.len() < MIN_FIELDS {
        return Err(Reject("truncated"));
    }
    let time = sane_time(f.bytes(Field::Time)).ok_or(Reject("bad-timestamp"))?;
    let status = opt_status(f.bytes(Field::ElbStatusCode))?;
    let backend_status = opt_status(f.bytes(Field::TargetStatusCode))?;

    let (client_ip, client_host, client_port) = fields::addr(f.raw(Field::Client));

    let request_time_us = lex::secs_to_us(f.bytes(Field::RequestProcessingTime));
    let backend_time_us = lex::secs_to_us(f.bytes(Field::TargetProcessingTime));
    let response_time_us = lex::secs_to_us(f.bytes(Field::ResponseProcessingTime));
    let total_time_us = match (request_time_us, backend_time_us, response_time_us) {
        (Some(a), Some(b), Some(c)) => Some(a + b + c),
        _ => None,
    };

    let rl = lex::request_line(f.raw(Field::Request));
    let host = f.get(Field::DomainName).or_else(|| {
        rl.host
            .map(|h| lex::host_without_port(h.trim_end_matches('-')))
            .and_then(dash)
    });

    let reason = f
        .get(Field::ErrorReason)
        .or_else(|| f.get(Field::ClassificationReason));

    Ok(Request {
        format: Format::Alb,
        time,
        client_ip,
        client_host: client_host.map(Cow::Borrowed),
        client_port,
        method: rl.method.map(Cow::Borrowed),
        scheme: dash_cow(f.raw(Field::Type)),
        host: host.map(Cow::Borrowed),
        path: rl.path.map(Cow::Borrowed),
        query: rl.query.map(Cow::Borrowed),
        protocol: rl.protocol.map(Cow::Borrowed),
        status,
        backend_status,
        backend: dash_cow(f.raw(Field::Target)),
        request_time_us,
        backend_time_us,
        response_time_us,
        total_time_us,
        bytes_in: lex::uint(f.bytes(Field::ReceivedBytes)),
        bytes_out: lex::uint(f.bytes(Field::SentBytes)),
        user_agent: dash_cow(f.raw(Field::UserAgent)),
        referrer: None,
        tls_protocol: dash_cow(f.raw(Field::SslProtocol)),
        tls_cipher: dash_cow(f.raw(Field::SslCipher)),
        trace_id: dash_cow(f.raw(Field::TraceId)),
        reason: reason.map(Cow::Borrowed),
        edge_location: None,
        forwarded_for: None,
    })
}

/// A status field: a 3-digit code or `-`; anything else means the fields are misaligned.
#[inline]
pub(crate) fn opt_status(s: impl AsRef<[u8]>) -> Result<Option<u16>, Reject> {
    match s.as_ref() {
        b"" | b"-" => Ok(None),
        v => lex::status(v).map(Some).ok_or(Reject("bad-status")),
    }
}
