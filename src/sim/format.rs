//! Writing a `Request` back as a log line in a real format, so simulated traffic goes
//! through the same parsers as real logs.

use super::catalog;
use crate::record::{Format, MICROS_PER_SEC, Micros, Request, civil_from_days};
use std::fmt::Write;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const ALB_NAME: &str = "app/shop-prod-alb/50dc6c495c0c9188";
const TG_ARN: &str =
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/shop-web/6d0ecf831eec9f09";
const CERT_ARN: &str =
    "arn:aws:acm:us-east-1:123456789012:certificate/3a7e2b1c-5d4f-4e8a-9b6c-0f1e2d3c4b5a";

struct Civil {
    y: i64,
    mo: u32,
    d: u32,
    h: i64,
    mi: i64,
    s: i64,
    us: i64,
}

fn civil(t: Micros) -> Civil {
    let secs = t.div_euclid(MICROS_PER_SEC);
    let sod = secs.rem_euclid(86_400);
    let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
    Civil {
        y,
        mo,
        d,
        h: sod / 3600,
        mi: (sod / 60) % 60,
        s: sod % 60,
        us: t.rem_euclid(MICROS_PER_SEC),
    }
}

/// `2018-07-02T22:23:00.186641Z` (ALB and classic ELB always write six digits).
fn iso6(t: Micros, out: &mut String) {
    let c = civil(t);
    let _ = write!(
        out,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        c.y, c.mo, c.d, c.h, c.mi, c.s, c.us
    );
}

/// `[25/Oct/2016:14:49:33 +0000]`
fn clf(t: Micros, out: &mut String) {
    let c = civil(t);
    let _ = write!(
        out,
        "[{:02}/{}/{:04}:{:02}:{:02}:{:02} +0000]",
        c.d,
        MONTHS[(c.mo as usize).clamp(1, 12) - 1],
        c.y,
        c.h,
        c.mi,
        c.s
    );
}

fn opt<T: std::fmt::Display>(v: Option<T>, out: &mut String) {
    match v {
        Some(v) => {
            let _ = write!(out, "{v}");
        }
        None => out.push('-'),
    }
}

/// Seconds with `digits` decimals, `-1` when absent (ALB and ELB convention).
fn secs(us: Option<u64>, digits: usize, out: &mut String) {
    match us {
        Some(us) => {
            let v = us as f64 / 1e6;
            let _ = write!(out, "{v:.digits$}");
        }
        None => out.push_str("-1"),
    }
}

fn s<'a>(v: &'a Option<std::borrow::Cow<'_, str>>) -> &'a str {
    v.as_deref().unwrap_or("-")
}

fn client(r: &Request<'_>, out: &mut String) {
    match r.client_ip {
        // ALB and ELB append the port to IPv6 addresses without brackets.
        Some(ip) => {
            let _ = write!(out, "{ip}:{}", r.client_port.unwrap_or(0));
        }
        None => out.push('-'),
    }
}

fn path_query(r: &Request<'_>, out: &mut String) {
    out.push_str(s(&r.path));
    if let Some(q) = r.query.as_deref() {
        out.push('?');
        out.push_str(q);
    }
}

/// `GET https://host:443/path?q HTTP/1.1` as ALB and ELB log it.
fn absolute_request(r: &Request<'_>, out: &mut String) {
    let https = r.scheme.as_deref() == Some("https");
    let _ = write!(
        out,
        "{} {}://{}:{}",
        s(&r.method),
        if https { "https" } else { "http" },
        r.host.as_deref().unwrap_or(catalog::HOST),
        if https { 443 } else { 80 }
    );
    path_query(r, out);
    out.push(' ');
    out.push_str(s(&r.protocol));
}

/// Append `r` as one line of `format` to `out` (no trailing newline).
///
/// ALB: the 29 documented fields plus `conn_trace_id`; `time` is when the response was sent
/// (request time + latency), `request_creation_time` is `r.time`. Classic ELB: the 15-field
/// HTTP listener line. Combined/Common: nginx defaults, UTC. CloudFront: the 33-field TSV
/// record (see [`header`] for its `#` lines). GCP: a Cloud Logging `LogEntry` with
/// `httpRequest`; Azure: Application Gateway v2 and Front Door access log JSON lines.
pub fn write_line(r: &Request<'_>, format: Format, out: &mut String) {
    match format {
        Format::Alb => alb(r, out),
        Format::ElbClassic => elb(r, out),
        Format::Cloudfront => cloudfront(r, out),
        Format::Common => common(r, out, false),
        Format::Combined => common(r, out, true),
        Format::GcpLb => gcp(r, out),
        Format::AzureAppGw => appgw(r, out),
        Format::AzureFrontDoor => frontdoor(r, out),
    }
}

fn rfc3339_us(t: Micros) -> String {
    let mut s = String::new();
    iso6(t, &mut s);
    s
}

fn url(r: &Request<'_>, with_port: bool) -> String {
    let https = r.scheme.as_deref() == Some("https");
    let mut u = format!(
        "{}://{}",
        if https { "https" } else { "http" },
        r.host.as_deref().unwrap_or(catalog::HOST)
    );
    if with_port {
        u.push_str(if https { ":443" } else { ":80" });
    }
    path_query(r, &mut u);
    u
}

fn push_json(v: &serde_json::Value, out: &mut String) {
    out.push_str(&v.to_string());
}

fn gcp(r: &Request<'_>, out: &mut String) {
    let details = match (r.status, r.backend_status) {
        (Some(502), None) => "failed_to_connect_to_backend",
        (Some(504), None) => "backend_timeout",
        _ => "response_sent_by_backend",
    };
    let mut http = serde_json::json!({
        "requestMethod": s(&r.method),
        "requestUrl": url(r, false),
        "requestSize": r.bytes_in.unwrap_or(0).to_string(),
        "status": r.status,
        "responseSize": r.bytes_out.unwrap_or(0).to_string(),
        "userAgent": s(&r.user_agent),
        "remoteIp": r.client_ip.map(|ip| ip.to_string()),
        "protocol": s(&r.protocol),
    });
    if let Some(b) = r.backend.as_deref() {
        http["serverIp"] = b.split(':').next().unwrap_or(b).into();
    }
    if let Some(t) = r.total_time_us {
        http["latency"] = format!("{:.6}s", t as f64 / 1e6).into();
    }
    if let Some(rf) = r.referrer.as_deref() {
        http["referer"] = rf.into();
    }
    let v = serde_json::json!({
        "insertId": r.trace_id.as_deref().map(|t| t.replace(['-', '='], "")),
        "jsonPayload": {
            "@type": "type.googleapis.com/google.cloud.loadbalancing.type.LoadBalancerLogEntry",
            "statusDetails": details,
        },
        "httpRequest": http,
        "resource": {"type": "http_load_balancer", "labels": {"zone": "global", "backend_service_name": "shop-web", "project_id": "shop-prod"}},
        "timestamp": rfc3339_us(r.time),
        "severity": if r.status.is_some_and(|c| c >= 500) { "WARNING" } else { "INFO" },
        "logName": "projects/shop-prod/logs/requests",
    });
    push_json(&v, out);
}

fn appgw(r: &Request<'_>, out: &mut String) {
    let https = r.scheme.as_deref() == Some("https");
    let v = serde_json::json!({
        "resourceId": "/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000000/RESOURCEGROUPS/SHOP/PROVIDERS/MICROSOFT.NETWORK/APPLICATIONGATEWAYS/SHOP-APPGW",
        "operationName": "ApplicationGatewayAccess",
        "time": rfc3339_us(r.time),
        "category": "ApplicationGatewayAccessLog",
        "properties": {
            "instanceId": "appgw_0",
            "clientIP": r.client_ip.map(|ip| ip.to_string()),
            "clientPort": r.client_port,
            "httpMethod": s(&r.method),
            "requestUri": s(&r.path),
            "requestQuery": r.query.as_deref().unwrap_or(""),
            "userAgent": s(&r.user_agent),
            "httpStatus": r.status,
            "httpVersion": s(&r.protocol),
            "receivedBytes": r.bytes_in,
            "sentBytes": r.bytes_out,
            "timeTaken": r.total_time_us.map(|t| (t as f64 / 1e3).round() / 1e3),
            "sslEnabled": if https { "on" } else { "off" },
            "sslCipher": r.tls_cipher.as_deref().unwrap_or(""),
            "sslProtocol": r.tls_protocol.as_deref().unwrap_or(""),
            "serverRouted": r.backend.as_deref().unwrap_or(""),
            "serverStatus": r.backend_status.map_or("-".to_string(), |c| c.to_string()),
            "serverResponseLatency": r.backend_time_us.map_or("-".to_string(), |t| format!("{:.3}", t as f64 / 1e6)),
            "host": r.host.as_deref().unwrap_or(catalog::HOST),
        }
    });
    push_json(&v, out);
}

fn frontdoor(r: &Request<'_>, out: &mut String) {
    let https = r.scheme.as_deref() == Some("https");
    let total = r.total_time_us.map(|t| format!("{:.3}", t as f64 / 1e6));
    let v = serde_json::json!({
        "time": rfc3339_us(r.time),
        "resourceId": "/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000000/RESOURCEGROUPS/SHOP/PROVIDERS/MICROSOFT.CDN/PROFILES/SHOP-FD",
        "category": "FrontDoorAccessLog",
        "operationName": "Microsoft.Cdn/Profiles/AccessLog/Write",
        "properties": {
            "trackingReference": r.trace_id.as_deref().map(|t| t.replace(['-', '='], "")),
            "httpMethod": s(&r.method),
            "httpVersion": if r.protocol.as_deref() == Some("HTTP/2.0") { "2.0.0.0" } else { "1.1.0.0" },
            "requestUri": url(r, true),
            "hostName": r.host.as_deref().unwrap_or(catalog::HOST),
            "requestBytes": r.bytes_in.unwrap_or(0).to_string(),
            "responseBytes": r.bytes_out.unwrap_or(0).to_string(),
            "userAgent": s(&r.user_agent),
            "clientIp": r.client_ip.map(|ip| ip.to_string()),
            "clientPort": r.client_port.map(|p| p.to_string()),
            "socketIp": r.client_ip.map(|ip| ip.to_string()),
            "timeTaken": total,
            "requestProtocol": if https { "HTTPS" } else { "HTTP" },
            "securityProtocol": if https { "TLS 1.2" } else { "" },
            "httpStatusCode": r.status.map(|c| c.to_string()),
            "httpStatusDetails": r.status.map(|c| c.to_string()),
            "pop": "FRA",
            "cacheStatus": "CONFIG_NOCACHE",
            "errorInfo": if r.status.is_some_and(|c| c >= 500) && r.backend_status.is_none() { "OriginConnectionError" } else { "NoError" },
            "originIp": r.backend.as_deref().unwrap_or("N/A"),
            "referer": r.referrer.as_deref().unwrap_or(""),
        }
    });
    push_json(&v, out);
}

/// The header lines a format's files start with, if any.
pub fn header(format: Format) -> Option<&'static str> {
    match format {
        Format::Cloudfront => Some(
            "#Version: 1.0\n#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end",
        ),
        _ => None,
    }
}

fn alb(r: &Request<'_>, out: &mut String) {
    let https = r.scheme.as_deref() == Some("https");
    let kind = match (https, r.protocol.as_deref()) {
        (true, Some("HTTP/2.0")) => "h2",
        (true, _) => "https",
        _ => "http",
    };
    out.push_str(kind);
    out.push(' ');
    iso6(r.time + r.total_time_us.unwrap_or(0) as i64, out);
    out.push(' ');
    out.push_str(ALB_NAME);
    out.push(' ');
    elb_family_core(r, 3, out);
    let _ = write!(
        out,
        "\" \"{}\" {} {} {} \"{}\" \"{}\" \"{}\" {} ",
        s(&r.user_agent),
        s(&r.tls_cipher),
        s(&r.tls_protocol),
        TG_ARN,
        s(&r.trace_id),
        if https {
            r.host.as_deref().unwrap_or("-")
        } else {
            "-"
        },
        if https { CERT_ARN } else { "-" },
        if r.path.as_deref().is_some_and(|p| p.starts_with("/api/")) {
            1
        } else {
            0
        },
    );
    iso6(r.time, out);
    let _ = write!(out, " \"forward\" \"-\" \"-\" \"{}\" \"", s(&r.backend));
    opt(r.backend_status, out);
    // conn_trace_id derived from the trace id so it is stable per request.
    let tid = r
        .trace_id
        .as_deref()
        .and_then(|t| t.get(t.len().saturating_sub(16)..))
        .unwrap_or("0000000000000000");
    let _ = write!(out, "\" \"-\" \"-\" TID_{tid}");
}

/// The part ALB inherited from classic ELB: client, backend, the three timings (ALB writes 3
/// decimals, ELB 6), both statuses, bytes, and the quoted request up to its closing quote.
fn elb_family_core(r: &Request<'_>, decimals: usize, out: &mut String) {
    client(r, out);
    out.push(' ');
    out.push_str(s(&r.backend));
    out.push(' ');
    secs(r.request_time_us, decimals, out);
    out.push(' ');
    secs(r.backend_time_us, decimals, out);
    out.push(' ');
    secs(r.response_time_us, decimals, out);
    out.push(' ');
    opt(r.status, out);
    out.push(' ');
    opt(r.backend_status, out);
    let _ = write!(
        out,
        " {} {} \"",
        r.bytes_in.unwrap_or(0),
        r.bytes_out.unwrap_or(0)
    );
    absolute_request(r, out);
}

fn elb(r: &Request<'_>, out: &mut String) {
    iso6(r.time + r.total_time_us.unwrap_or(0) as i64, out);
    out.push_str(" shop-prod-elb ");
    elb_family_core(r, 6, out);
    let _ = write!(
        out,
        "\" \"{}\" {} {}",
        s(&r.user_agent),
        s(&r.tls_cipher),
        s(&r.tls_protocol)
    );
}

fn common(r: &Request<'_>, out: &mut String, combined: bool) {
    match r.client_ip {
        Some(ip) => {
            let _ = write!(out, "{ip}");
        }
        None => out.push_str(s(&r.client_host)),
    }
    out.push_str(" - - ");
    clf(r.time, out);
    out.push_str(" \"");
    out.push_str(s(&r.method));
    out.push(' ');
    path_query(r, out);
    out.push(' ');
    out.push_str(s(&r.protocol));
    out.push_str("\" ");
    opt(r.status, out);
    out.push(' ');
    opt(r.bytes_out, out);
    if combined {
        let _ = write!(out, " \"{}\" \"{}\"", s(&r.referrer), s(&r.user_agent));
    }
}

/// CloudFront percent-encodes spaces (and a few others) inside its TSV fields.
fn cf_escape(v: &str, out: &mut String) {
    for ch in v.chars() {
        match ch {
            ' ' => out.push_str("%20"),
            '\t' => out.push_str("%09"),
            '"' => out.push_str("%22"),
            '\\' => out.push_str("%5C"),
            c => out.push(c),
        }
    }
}

fn cloudfront(r: &Request<'_>, out: &mut String) {
    let c = civil(r.time);
    let _ = write!(
        out,
        "{:04}-{:02}-{:02}\t{:02}:{:02}:{:02}\tFRA56-P1\t",
        c.y, c.mo, c.d, c.h, c.mi, c.s
    );
    opt(r.bytes_out, out);
    out.push('\t');
    opt(r.client_ip, out);
    let _ = write!(out, "\t{}\td111111abcdef8.cloudfront.net\t", s(&r.method));
    out.push_str(s(&r.path));
    out.push('\t');
    opt(r.status, out);
    out.push('\t');
    cf_escape(s(&r.referrer), out);
    out.push('\t');
    cf_escape(s(&r.user_agent), out);
    out.push('\t');
    out.push_str(s(&r.query));
    let status = r.status.unwrap_or(0);
    let result = if status >= 400 {
        "Error"
    } else if r
        .path
        .as_deref()
        .is_some_and(|p| p.starts_with("/static/") || p.starts_with("/images/"))
    {
        "Hit"
    } else {
        "Miss"
    };
    let id = r
        .trace_id
        .as_deref()
        .map(|t| t.replace(['-', '='], ""))
        .unwrap_or_default();
    let _ = write!(
        out,
        "\t-\t{result}\t{id}==\t{}\t{}\t",
        r.host.as_deref().unwrap_or(catalog::HOST),
        if r.scheme.as_deref() == Some("https") {
            "https"
        } else {
            "http"
        },
    );
    opt(r.bytes_in, out);
    out.push('\t');
    let total = r.total_time_us.map(|t| t as f64 / 1e6);
    match total {
        Some(t) => {
            let _ = write!(out, "{t:.3}");
        }
        None => out.push('-'),
    }
    let _ = write!(
        out,
        "\t-\t{}\t{}\t{result}\t{}\t-\t-\t",
        s(&r.tls_protocol),
        s(&r.tls_cipher),
        s(&r.protocol)
    );
    opt(r.client_port, out);
    out.push('\t');
    match total {
        Some(t) => {
            let _ = write!(out, "{t:.3}");
        }
        None => out.push('-'),
    }
    let ctype = match r.path.as_deref() {
        Some(p) if p.ends_with(".js") => "application/javascript",
        Some(p) if p.ends_with(".css") => "text/css",
        Some(p) if p.ends_with(".jpg") => "image/jpeg",
        Some(p) if p.starts_with("/api/") => "application/json",
        _ => "text/html",
    };
    let _ = write!(out, "\t{result}\t{ctype}\t");
    opt(r.bytes_out.map(|b| b.saturating_sub(250)), out);
    out.push_str("\t-\t-");
}
