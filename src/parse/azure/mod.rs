//! Azure Application Gateway (v1 and v2) and Front Door access logs: Azure Monitor resource-log
//! records, one JSON object each (the `{"records":[…]}` wrapper is split by `json::records`).
//! Request fields sit under `properties` (Event Hub / storage export) or at the top level
//! (some shippers flatten them); both are read, `properties` first. Which product wrote a
//! record is decided per record from `category`, else from the field names.

mod time;

use super::json::{self, Val};
use super::{Format, Parsed, Reject, lex};
use crate::record::Request;
use serde::Deserialize;
use serde::de::IgnoredAny;
use std::borrow::Cow;

pub use time::parse as parse_time;

/// Every field either product writes that lbtop reads. `P` is the type of `properties`:
/// the record itself one level down, or ignored below that.
#[derive(Deserialize, Default)]
struct Fields<'a, P> {
    properties: Option<P>,
    #[serde(borrow)]
    time: Option<Val<'a>>,
    #[serde(borrow)]
    timestamp: Option<Val<'a>>,
    #[serde(borrow, rename = "timeStamp")]
    time_stamp: Option<Val<'a>>,
    #[serde(borrow)]
    category: Option<Val<'a>>,
    #[serde(borrow, rename = "clientIP")]
    client_ip_upper: Option<Val<'a>>,
    #[serde(borrow, rename = "clientIp")]
    client_ip: Option<Val<'a>>,
    #[serde(borrow, rename = "clientPort")]
    client_port: Option<Val<'a>>,
    #[serde(borrow, rename = "socketIp")]
    socket_ip: Option<Val<'a>>,
    #[serde(borrow, rename = "httpMethod")]
    method: Option<Val<'a>>,
    #[serde(borrow, rename = "requestUri")]
    uri: Option<Val<'a>>,
    #[serde(borrow, rename = "originalRequestUriWithArgs")]
    original_uri: Option<Val<'a>>,
    #[serde(borrow, rename = "requestQuery")]
    request_query: Option<Val<'a>>,
    #[serde(borrow, rename = "httpVersion")]
    http_version: Option<Val<'a>>,
    #[serde(borrow, rename = "userAgent")]
    user_agent: Option<Val<'a>>,
    #[serde(borrow)]
    referer: Option<Val<'a>>,
    #[serde(borrow, rename = "httpStatus")]
    http_status: Option<Val<'a>>,
    #[serde(borrow, rename = "httpStatusCode")]
    http_status_code: Option<Val<'a>>,
    #[serde(borrow, rename = "serverStatus")]
    server_status: Option<Val<'a>>,
    #[serde(borrow, rename = "serverRouted")]
    server_routed: Option<Val<'a>>,
    #[serde(borrow, rename = "serverResponseLatency")]
    server_latency: Option<Val<'a>>,
    #[serde(borrow, rename = "receivedBytes")]
    received_bytes: Option<Val<'a>>,
    #[serde(borrow, rename = "sentBytes")]
    sent_bytes: Option<Val<'a>>,
    #[serde(borrow, rename = "requestBytes")]
    request_bytes: Option<Val<'a>>,
    #[serde(borrow, rename = "responseBytes")]
    response_bytes: Option<Val<'a>>,
    #[serde(borrow, rename = "timeTaken")]
    time_taken: Option<Val<'a>>,
    #[serde(borrow, rename = "sslEnabled")]
    ssl_enabled: Option<Val<'a>>,
    #[serde(borrow, rename = "sslProtocol")]
    ssl_protocol: Option<Val<'a>>,
    #[serde(borrow, rename = "sslCipher")]
    ssl_cipher: Option<Val<'a>>,
    #[serde(borrow, rename = "securityProtocol")]
    security_protocol: Option<Val<'a>>,
    #[serde(borrow, rename = "securityCipher")]
    security_cipher: Option<Val<'a>>,
    #[serde(borrow, rename = "requestProtocol")]
    request_protocol: Option<Val<'a>>,
    #[serde(borrow)]
    host: Option<Val<'a>>,
    #[serde(borrow, rename = "originalHost")]
    original_host: Option<Val<'a>>,
    #[serde(borrow, rename = "hostName")]
    host_name: Option<Val<'a>>,
    #[serde(borrow, rename = "backendHostname")]
    backend_hostname: Option<Val<'a>>,
    #[serde(borrow, rename = "originName")]
    origin_name: Option<Val<'a>>,
    #[serde(borrow, rename = "transactionId")]
    transaction_id: Option<Val<'a>>,
    #[serde(borrow, rename = "trackingReference")]
    tracking_reference: Option<Val<'a>>,
    #[serde(borrow)]
    pop: Option<Val<'a>>,
    #[serde(borrow, rename = "ErrorInfo")]
    error_info_upper: Option<Val<'a>>,
    #[serde(borrow, rename = "errorInfo")]
    error_info: Option<Val<'a>>,
    #[serde(borrow, rename = "error_info")]
    error_info_snake: Option<Val<'a>>,
}

type Inner<'a> = Fields<'a, IgnoredAny>;
type Record<'a> = Fields<'a, Inner<'a>>;

/// Cheap: a JSON object naming an Application Gateway / Front Door category, or carrying
/// the request fields of one.
pub fn sniff(line: &str) -> Option<Format> {
    let t = line.trim_start();
    if !t.starts_with('{') {
        return None;
    }
    let b = t.as_bytes();
    let has = |needle: &[u8]| memchr::memmem::find(b, needle).is_some();
    if has(b"\"httpRequest\"") {
        return None; // GCP
    }
    if has(b"ApplicationGateway") {
        return Some(Format::AzureAppGw);
    }
    if has(b"FrontdoorAccessLog") || has(b"FrontDoorAccessLog") {
        return Some(Format::AzureFrontDoor);
    }
    if has(b"\"httpStatusCode\"") && has(b"\"trackingReference\"") {
        return Some(Format::AzureFrontDoor);
    }
    if has(b"\"httpStatus\"") && (has(b"\"clientIP\"") || has(b"\"receivedBytes\"")) {
        return Some(Format::AzureAppGw);
    }
    None
}

/// Parse one record as whichever of the two products wrote it.
pub fn parse(line: &str) -> Parsed<'_> {
    let mut top: Record<'_> = serde_json::from_str(line).map_err(|_| Reject("bad-json"))?;
    let props = top.properties.take();
    let f = merge(props, top);
    let kind = match f.category.as_ref().and_then(Val::text) {
        Some(c) if c.contains("FirewallLog") => return Err(Reject("azure-waf-record")),
        Some(c) if c.starts_with("ApplicationGatewayAccess") => Format::AzureAppGw,
        Some(c) if c.eq_ignore_ascii_case("FrontdoorAccessLog") => Format::AzureFrontDoor,
        Some(_) => return Err(Reject("not-access-log")),
        None if f.http_status_code.is_some() => Format::AzureFrontDoor,
        None if f.http_status.is_some() => Format::AzureAppGw,
        None => return Err(Reject("not-access-log")),
    };
    if f.method.is_none()
        && f.uri.is_none()
        && f.http_status.is_none()
        && f.http_status_code.is_none()
    {
        // Time-only records (Elastic's time-format corner cases) and empty shells.
        return Err(Reject("not-access-log"));
    }
    let time = [&f.time, &f.timestamp, &f.time_stamp]
        .into_iter()
        .flatten()
        .find_map(|v| v.text().and_then(time::parse))
        .ok_or(Reject("bad-timestamp"))?;
    let mut r = Request {
        format: kind,
        time,
        ..Default::default()
    };
    match kind {
        Format::AzureFrontDoor => front_door(f, &mut r),
        _ => app_gateway(f, &mut r),
    }
    Ok(r)
}

/// `properties` wins over the top level for each field.
fn merge<'a>(p: Option<Inner<'a>>, t: Record<'a>) -> Inner<'a> {
    let p = p.unwrap_or_default();
    macro_rules! m {
        ($($f:ident),*) => { Fields { properties: None, $($f: p.$f.or(t.$f)),* } };
    }
    m!(
        time,
        timestamp,
        time_stamp,
        category,
        client_ip_upper,
        client_ip,
        client_port,
        socket_ip,
        method,
        uri,
        original_uri,
        request_query,
        http_version,
        user_agent,
        referer,
        http_status,
        http_status_code,
        server_status,
        server_routed,
        server_latency,
        received_bytes,
        sent_bytes,
        request_bytes,
        response_bytes,
        time_taken,
        ssl_enabled,
        ssl_protocol,
        ssl_cipher,
        security_protocol,
        security_cipher,
        request_protocol,
        host,
        original_host,
        host_name,
        backend_hostname,
        origin_name,
        transaction_id,
        tracking_reference,
        pop,
        error_info_upper,
        error_info,
        error_info_snake
    )
}

fn client<'a>(ip: Option<Val<'a>>, port: Option<Val<'a>>, r: &mut Request<'a>) {
    if let Some(Val::Str(s)) = &ip {
        let (addr, p) = lex::split_host_port(s.trim());
        r.client_ip = lex::ip(addr);
        r.client_port = p;
    }
    if let Some(p) = port.as_ref().and_then(Val::u64) {
        r.client_port = u16::try_from(p).ok().filter(|&p| p > 0);
    }
    if r.client_ip.is_none() {
        r.client_host = ip.and_then(Val::into_cow);
    }
}

fn uri<'a>(v: Option<Val<'a>>, r: &mut Request<'a>) {
    if let Some(Val::Str(u)) = &v {
        let (scheme, host, path, query) = json::url_fields(u);
        r.scheme = scheme;
        r.host = host;
        r.path = path;
        r.query = query;
    }
}

fn app_gateway<'a>(f: Inner<'a>, r: &mut Request<'a>) {
    // v2 marks: per-backend fields. v1 writes timeTaken in milliseconds, v2 in seconds.
    let v2 = f.server_routed.is_some() || f.server_status.is_some() || f.server_latency.is_some();
    client(f.client_ip_upper.or(f.client_ip), f.client_port, r);
    r.method = f.method.and_then(Val::into_cow);
    uri(f.original_uri.or(f.uri), r);
    if let Some(Val::Str(q)) = &f.request_query {
        if q.contains("SERVER-ROUTED=") || q.contains("SERVER-STATUS=") {
            // v1 packs the backend and its status into requestQuery.
            for kv in q.split('&') {
                if let Some(v) = kv.strip_prefix("SERVER-ROUTED=") {
                    r.backend = lex::dash(v).map(|v| Cow::Owned(v.to_owned()));
                } else if let Some(v) = kv.strip_prefix("SERVER-STATUS=") {
                    r.backend_status = lex::status(v);
                }
            }
        } else if r.query.is_none() {
            r.query = f.request_query.and_then(Val::into_cow);
        }
    }
    r.protocol = f.http_version.and_then(Val::into_cow);
    r.user_agent = f.user_agent.and_then(Val::into_cow);
    r.referrer = f.referer.and_then(Val::into_cow);
    r.status = f.http_status.as_ref().and_then(Val::status);
    if let Some(s) = f.server_status.as_ref().and_then(Val::status) {
        r.backend_status = Some(s);
    }
    if let Some(b) = f.server_routed.and_then(Val::into_cow) {
        r.backend = Some(b);
    }
    r.backend_time_us = f.server_latency.as_ref().and_then(Val::secs_us);
    r.total_time_us = f.time_taken.as_ref().and_then(|t| {
        if v2 || t.has_fraction() {
            t.secs_us()
        } else {
            t.millis_us()
        }
    });
    r.bytes_in = f.received_bytes.as_ref().and_then(Val::u64);
    r.bytes_out = f.sent_bytes.as_ref().and_then(Val::u64);
    r.scheme = match f.ssl_enabled.as_ref().and_then(Val::text) {
        Some("on") => Some(Cow::Borrowed("https")),
        Some("off") => Some(Cow::Borrowed("http")),
        _ => r.scheme.take(),
    };
    r.tls_protocol = f.ssl_protocol.and_then(Val::into_cow);
    r.tls_cipher = f.ssl_cipher.and_then(Val::into_cow);
    if let Some(h) = f.original_host.or(f.host).and_then(Val::into_cow) {
        r.host = Some(h);
    }
    r.trace_id = f.transaction_id.and_then(Val::into_cow);
    r.reason = f
        .error_info_snake
        .or(f.error_info)
        .and_then(Val::into_cow)
        .filter(|e| e != "ERRORINFO_NO_ERROR");
}

fn front_door<'a>(f: Inner<'a>, r: &mut Request<'a>) {
    client(f.client_ip.or(f.socket_ip), f.client_port, r);
    r.method = f.method.and_then(Val::into_cow);
    uri(f.uri, r);
    if r.host.is_none() {
        r.host = f.host_name.and_then(Val::into_cow);
    }
    if r.scheme.is_none() {
        r.scheme = f
            .request_protocol
            .and_then(Val::into_cow)
            .map(|p| Cow::Owned(p.to_ascii_lowercase()));
    }
    // Front Door writes the version as `2.0.0.0`.
    r.protocol = f.http_version.and_then(Val::into_cow).map(|v| {
        Cow::Borrowed(match &*v {
            "1.0.0.0" => "HTTP/1.0",
            "1.1.0.0" => "HTTP/1.1",
            "2.0.0.0" => "HTTP/2.0",
            "3.0.0.0" => "HTTP/3.0",
            _ => return v,
        })
    });
    r.user_agent = f.user_agent.and_then(Val::into_cow);
    r.referrer = f.referer.and_then(Val::into_cow);
    r.status = f.http_status_code.as_ref().and_then(Val::status);
    r.bytes_in = f.request_bytes.as_ref().and_then(Val::u64);
    r.bytes_out = f.response_bytes.as_ref().and_then(Val::u64);
    r.total_time_us = f.time_taken.as_ref().and_then(Val::secs_us);
    r.tls_protocol = f.security_protocol.and_then(Val::into_cow);
    r.tls_cipher = f.security_cipher.and_then(Val::into_cow);
    r.trace_id = f.tracking_reference.and_then(Val::into_cow);
    r.edge_location = f.pop.and_then(Val::into_cow);
    r.backend = f.backend_hostname.or(f.origin_name).and_then(Val::into_cow);
    r.reason = f
        .error_info_upper
        .or(f.error_info)
        .and_then(Val::into_cow)
        .filter(|e| e != "NoError");
}

#[cfg(test)]
mod tests;
