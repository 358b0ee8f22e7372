//! CloudFront standard logs: tab-separated, columns named by a `#Fields:` header. Without a
//! header the default 33-column order is assumed (files stripped of their headers exist).
//!
//! Mapping decisions:
//! - `time` is `date` + `time` (UTC, whole seconds).
//! - `host` is `x-host-header` (the Host the viewer asked for), else `cs(Host)` (the
//!   distribution's `*.cloudfront.net` name).
//! - `cs(User-Agent)` and `cs(Referer)` are kept **as logged**, percent-encoded
//!   (`Mozilla/5.0%20(…)`), like `path` and `query`: no allocation per line, and one rule for
//!   every URL-ish field. Consumers that match text in them decode first, as for paths.
//! - `sc-status` `000` (viewer went away before a response) is `None`.
//! - `time-taken` (seconds) is `total_time_us`; CloudFront logs no per-stage timings.
//! - `reason` is set for error results only (`x-edge-result-type` `Error`, `LimitExceeded`,
//!   `CapacityExceeded`): `x-edge-detailed-result-type` when logged (`OriginDnsError`), else
//!   the result type.

use super::lex::{self, dash, dash_cow};
use super::{Parsed, Reject};
use crate::record::{Format, Micros, Request};
use std::borrow::Cow;

#[cfg(test)]
mod tests;

/// The columns lbtop reads, by their `#Fields` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Col {
    Date,
    Time,
    EdgeLocation,
    ScBytes,
    CIp,
    CsMethod,
    CsHost,
    UriStem,
    ScStatus,
    Referer,
    UserAgent,
    UriQuery,
    ResultType,
    RequestId,
    XHostHeader,
    CsProtocol,
    CsBytes,
    TimeTaken,
    SslProtocol,
    SslCipher,
    ProtocolVersion,
    CPort,
    XForwardedFor,
    DetailedResultType,
}

const NCOLS: usize = Col::DetailedResultType as usize + 1;

fn col_of(name: &str) -> Option<Col> {
    Some(match name {
        "date" => Col::Date,
        "time" => Col::Time,
        "x-edge-location" => Col::EdgeLocation,
        "sc-bytes" => Col::ScBytes,
        "c-ip" => Col::CIp,
        "cs-method" => Col::CsMethod,
        "cs(Host)" => Col::CsHost,
        "cs-uri-stem" => Col::UriStem,
        "sc-status" => Col::ScStatus,
        "cs(Referer)" | "cs(Referrer)" => Col::Referer,
        "cs(User-Agent)" => Col::UserAgent,
        "x-forwarded-for" => Col::XForwardedFor,
        "cs-uri-query" => Col::UriQuery,
        "x-edge-result-type" => Col::ResultType,
        "x-edge-request-id" => Col::RequestId,
        "x-host-header" => Col::XHostHeader,
        "cs-protocol" => Col::CsProtocol,
        "cs-bytes" => Col::CsBytes,
        "time-taken" => Col::TimeTaken,
        "ssl-protocol" => Col::SslProtocol,
        "ssl-cipher" => Col::SslCipher,
        "cs-protocol-version" => Col::ProtocolVersion,
        "c-port" => Col::CPort,
        "x-edge-detailed-result-type" => Col::DetailedResultType,
        _ => return None,
    })
}

/// The column order of standard logs when no `#Fields:` header was seen.
pub const DEFAULT_FIELDS: &str = "date time x-edge-location sc-bytes c-ip cs-method cs(Host) \
    cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type \
    x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol \
    ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields \
    c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len \
    sc-range-start sc-range-end";

/// Columns beyond this position are never read.
const MAX_COLS: usize = 64;
const ABSENT: u8 = u8::MAX;

/// Without these a line is not a request we can use: `truncated` when the line is too short.
const ESSENTIAL: [Col; 6] = [
    Col::Date,
    Col::Time,
    Col::CIp,
    Col::CsMethod,
    Col::UriStem,
    Col::ScStatus,
];

/// True for a header-less standard log line: `YYYY-MM-DD\tHH:MM:SS\t…` with many columns.
pub fn sniff(line: &str) -> bool {
    let b = line.as_bytes();
    if b.len() < 20 || b[10] != b'\t' || b[19] != b'\t' || b[4] != b'-' || b[13] != b':' {
        return false;
    }
    date_time(&line[..10], &line[11..19]).is_some()
        && memchr::memchr_iter(b'\t', b).take(8).count() == 8
}

/// Per-stream state: the column map from the latest `#Fields:` header (or the default order).
#[derive(Debug, Clone, PartialEq)]
pub struct Parser {
    /// Position of each [`Col`] in the line, `ABSENT` when the header lacks it.
    pos: [u8; NCOLS],
    /// Number of leading columns to split (one past the last column read).
    span: usize,
    /// Columns a line must have for the essential fields.
    min: usize,
}

impl Default for Parser {
    fn default() -> Self {
        let mut p = Parser {
            pos: [ABSENT; NCOLS],
            span: 0,
            min: 0,
        };
        p.set_fields(DEFAULT_FIELDS);
        p
    }
}

impl Parser {
    fn set_fields(&mut self, names: &str) {
        self.pos = [ABSENT; NCOLS];
        for (i, name) in names.split_ascii_whitespace().take(MAX_COLS).enumerate() {
            if let Some(c) = col_of(name) {
                if self.pos[c as usize] == ABSENT {
                    self.pos[c as usize] = i as u8;
                }
            }
        }
        self.span = self
            .pos
            .iter()
            .filter(|&&p| p != ABSENT)
            .map(|&p| p as usize + 1)
            .max()
            .unwrap_or(0);
        self.min = ESSENTIAL
            .iter()
            .map(|&c| self.pos[c as usize])
            .map(|p| {
                if p == ABSENT {
                    usize::MAX
                } else {
                    p as usize + 1
                }
            })
            .max()
            .unwrap_or(0);
    }

    /// Read a `#` header line; true when it is a CloudFront header (`#Version:`/`#Fields:`).
    /// A `#Fields:` header replaces the column map for the lines that follow.
    pub fn header(&mut self, line: &str) -> bool {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if let Some(names) = line.strip_prefix("#Fields:") {
            self.set_fields(names);
            return true;
        }
        line.starts_with("#Version:")
    }

    pub fn parse<'a>(&self, line: &'a str) -> Parsed<'a> {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let mut f = [""; MAX_COLS];
        let mut n = 0;
        for (i, s) in line.split('\t').take(self.span).enumerate() {
            f[i] = s;
            n = i + 1;
        }
        if n < 3 {
            return Err(Reject("garbage"));
        }
        if self.min == usize::MAX {
            // The header lacks a column we need: no line under it can be a request.
            return Err(Reject("missing-columns"));
        }
        let get = |c: Col| -> &'a str {
            let p = self.pos[c as usize];
            if p == ABSENT { "" } else { f[p as usize] }
        };
        let time = date_time(get(Col::Date), get(Col::Time));
        if n < self.min {
            return Err(Reject(if time.is_some() {
                "truncated"
            } else {
                "garbage"
            }));
        }
        let time = time.ok_or(Reject("bad-timestamp"))?;
        let status = match get(Col::ScStatus) {
            "000" | "-" | "" => None,
            s => Some(lex::status(s).ok_or(Reject("bad-status"))?),
        };
        let client_ip = lex::ip(get(Col::CIp));
        let client_host = match client_ip {
            Some(_) => None,
            None => dash_cow(get(Col::CIp)),
        };
        let host = dash(get(Col::XHostHeader)).or_else(|| dash(get(Col::CsHost)));
        let result = get(Col::ResultType);
        let reason = if matches!(result, "Error" | "LimitExceeded" | "CapacityExceeded") {
            dash(get(Col::DetailedResultType)).or(Some(result))
        } else {
            None
        };
        Ok(Request {
            format: Format::Cloudfront,
            time,
            client_ip,
            client_host,
            client_port: lex::uint(get(Col::CPort)).and_then(|p| u16::try_from(p).ok()),
            method: dash_cow(get(Col::CsMethod)),
            scheme: dash_cow(get(Col::CsProtocol)),
            host: host.map(Cow::Borrowed),
            path: dash_cow(get(Col::UriStem)),
            query: dash_cow(get(Col::UriQuery)),
            protocol: dash_cow(get(Col::ProtocolVersion)),
            status,
            backend_status: None,
            backend: None,
            request_time_us: None,
            backend_time_us: None,
            response_time_us: None,
            total_time_us: lex::secs_to_us(get(Col::TimeTaken)),
            bytes_in: lex::uint(get(Col::CsBytes)),
            bytes_out: lex::uint(get(Col::ScBytes)),
            user_agent: dash_cow(get(Col::UserAgent)),
            referrer: dash_cow(get(Col::Referer)),
            tls_protocol: dash_cow(get(Col::SslProtocol)),
            tls_cipher: dash_cow(get(Col::SslCipher)),
            trace_id: dash_cow(get(Col::RequestId)),
            reason: reason.map(Cow::Borrowed),
            edge_location: dash_cow(get(Col::EdgeLocation)),
            forwarded_for: dash_cow(get(Col::XForwardedFor)),
        })
    }
}

/// `2019-12-04` + `21:02:31` → micros, via a stack buffer for [`lex::iso8601`].
fn date_time(date: &str, time: &str) -> Option<Micros> {
    if date.len() != 10 || !(8..=20).contains(&time.len()) {
        return None;
    }
    let mut buf = [0u8; 31];
    buf[..10].copy_from_slice(date.as_bytes());
    buf[10] = b'T';
    buf[11..11 + time.len()].copy_from_slice(time.as_bytes());
    let s = std::str::from_utf8(&buf[..11 + time.len()]).ok()?;
    lex::iso8601(s).filter(|t| (super::alb::MIN_TIME..super::alb::MAX_TIME).contains(t))
}
