//! GCP HTTP(S) Load Balancing: Cloud Logging `LogEntry` JSON lines carrying an `httpRequest`
//! (HttpRequest message: sizes are int64 written as strings, `latency` a Duration `"0.123s"`)
//! and a `jsonPayload` (`statusDetails`, `cacheId`).

use super::json::{self, Val};
use super::{Format, Parsed, Reject, lex};
use crate::record::Request;
use serde::Deserialize;
use std::borrow::Cow;

#[derive(Deserialize)]
struct Entry<'a> {
    #[serde(borrow, rename = "httpRequest")]
    http: Option<Http<'a>>,
    #[serde(borrow)]
    timestamp: Option<Val<'a>>,
    #[serde(borrow)]
    trace: Option<Val<'a>>,
    #[serde(borrow, rename = "jsonPayload")]
    payload: Option<Payload<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Http<'a> {
    #[serde(borrow)]
    request_method: Option<Val<'a>>,
    #[serde(borrow)]
    request_url: Option<Val<'a>>,
    #[serde(borrow)]
    status: Option<Val<'a>>,
    #[serde(borrow)]
    request_size: Option<Val<'a>>,
    #[serde(borrow)]
    response_size: Option<Val<'a>>,
    #[serde(borrow)]
    user_agent: Option<Val<'a>>,
    #[serde(borrow)]
    remote_ip: Option<Val<'a>>,
    #[serde(borrow)]
    server_ip: Option<Val<'a>>,
    #[serde(borrow)]
    latency: Option<Val<'a>>,
    #[serde(borrow)]
    protocol: Option<Val<'a>>,
    #[serde(borrow)]
    referer: Option<Val<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Payload<'a> {
    #[serde(borrow)]
    status_details: Option<Val<'a>>,
    #[serde(borrow)]
    cache_id: Option<Val<'a>>,
}

/// A JSON object with an `httpRequest` member (Azure never writes that key).
pub fn sniff(line: &str) -> bool {
    line.trim_start().starts_with('{')
        && memchr::memmem::find(line.as_bytes(), b"\"httpRequest\"").is_some()
}

pub fn parse(line: &str) -> Parsed<'_> {
    let e: Entry<'_> = serde_json::from_str(line).map_err(|_| Reject("bad-json"))?;
    let h = e.http.ok_or(Reject("no-http-request"))?;
    let time = e
        .timestamp
        .as_ref()
        .and_then(Val::text)
        .and_then(lex::iso8601)
        .ok_or(Reject("bad-timestamp"))?;
    let mut r = Request {
        format: Format::GcpLb,
        time,
        ..Default::default()
    };
    if let Some(Val::Str(ip)) = &h.remote_ip {
        let (addr, port) = lex::split_host_port(ip.trim());
        r.client_ip = lex::ip(addr);
        r.client_port = port;
        if r.client_ip.is_none() {
            r.client_host = lex::dash(addr).map(|a| Cow::Owned(a.to_owned()));
        }
    }
    r.method = h.request_method.and_then(Val::into_cow);
    if let Some(Val::Str(url)) = &h.request_url {
        (r.scheme, r.host, r.path, r.query) = json::url_fields(url);
    }
    r.status = h.status.as_ref().and_then(Val::status);
    r.bytes_in = h.request_size.as_ref().and_then(Val::u64);
    r.bytes_out = h.response_size.as_ref().and_then(Val::u64);
    r.user_agent = h.user_agent.and_then(Val::into_cow);
    r.referrer = h.referer.and_then(Val::into_cow);
    r.backend = h.server_ip.and_then(Val::into_cow);
    r.total_time_us = h.latency.as_ref().and_then(Val::secs_us);
    r.protocol = h.protocol.and_then(Val::into_cow);
    // `projects/P/traces/ID`: the ID is what other systems log.
    r.trace_id = e.trace.and_then(Val::into_cow).map(|t| match t {
        Cow::Borrowed(s) => Cow::Borrowed(s.rsplit('/').next().unwrap_or(s)),
        Cow::Owned(s) => Cow::Owned(s.rsplit('/').next().unwrap_or(&s).to_owned()),
    });
    if let Some(p) = e.payload {
        r.reason = p.status_details.and_then(Val::into_cow);
        r.edge_location = p.cache_id.and_then(Val::into_cow);
    }
    Ok(r)
}
