//! `Request`: the one record every parser produces and every consumer reads.
//!
//! Fields borrow from the line they were parsed from (`Cow::Borrowed`), so parsing allocates
//! nothing on the common path; a parser only owns a string when it had to decode one (JSON
//! escapes). Absent values are `None`, never zero: an ALB `-1` timing or `-` target is `None`.

use std::borrow::Cow;
use std::net::IpAddr;

/// Microseconds since the Unix epoch, UTC. Log time, never the wall clock.
pub type Micros = i64;

pub const MICROS_PER_SEC: i64 = 1_000_000;

/// Which log format a record came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    #[default]
    Alb,
    ElbClassic,
    Cloudfront,
    GcpLb,
    AzureAppGw,
    AzureFrontDoor,
    /// nginx/Apache combined, with or without extra trailing fields.
    Combined,
    /// nginx/Apache common (no referrer, no user agent).
    Common,
}

impl Format {
    pub const ALL: [Format; 8] = [
        Format::Alb,
        Format::ElbClassic,
        Format::Cloudfront,
        Format::GcpLb,
        Format::AzureAppGw,
        Format::AzureFrontDoor,
        Format::Combined,
        Format::Common,
    ];

    /// The name used by `--format` and in JSON output.
    pub fn name(self) -> &'static str {
        match self {
            Format::Alb => "alb",
            Format::ElbClassic => "elb",
            Format::Cloudfront => "cloudfront",
            Format::GcpLb => "gcp",
            Format::AzureAppGw => "azure-appgw",
            Format::AzureFrontDoor => "azure-frontdoor",
            Format::Combined => "combined",
            Format::Common => "common",
        }
    }

    /// Whether the format logs the backend's status apart from the status the client got,
    /// so a 5xx can be told apart as the LB's own (backend unreachable) or passed through.
    pub fn has_backend_status(self) -> bool {
        matches!(self, Format::Alb | Format::ElbClassic | Format::AzureAppGw)
    }

    pub fn from_name(s: &str) -> Option<Format> {
        let s = s.to_ascii_lowercase();
        Some(match s.as_str() {
            "alb" | "aws-alb" => Format::Alb,
            "elb" | "elb-classic" | "classic-elb" | "aws-elb" => Format::ElbClassic,
            "cloudfront" | "cf" => Format::Cloudfront,
            "gcp" | "gcp-lb" | "gcp-http-lb" => Format::GcpLb,
            "azure-appgw" | "appgw" | "azure-application-gateway" => Format::AzureAppGw,
            "azure-frontdoor" | "frontdoor" | "azure-front-door" => Format::AzureFrontDoor,
            "combined" | "nginx" | "apache" | "nginx-combined" | "apache-combined" => {
                Format::Combined
            }
            "common" | "clf" | "apache-common" => Format::Common,
            _ => return None,
        })
    }
}

/// One HTTP request as seen by the load balancer (or web server).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Request<'a> {
    pub format: Format,
    /// When the request was received (ALB: `time` is when the response was sent; parsers
    /// use the field the format documents as the request time).
    pub time: Micros,
    pub client_ip: Option<IpAddr>,
    /// The client as written when it is not an IP address (Apache hostname lookups).
    pub client_host: Option<Cow<'a, str>>,
    pub client_port: Option<u16>,
    /// `GET`, `POST`, … `None` for malformed requests (`"- - -"`).
    pub method: Option<Cow<'a, str>>,
    /// Scheme of the request as logged (`http`, `https`, `h2`, `ws`, `wss`, `grpcs`, …).
    pub scheme: Option<Cow<'a, str>>,
    pub host: Option<Cow<'a, str>>,
    /// Path without the query string, as sent (still percent-encoded).
    pub path: Option<Cow<'a, str>>,
    /// Query string without the `?`, as sent.
    pub query: Option<Cow<'a, str>>,
    /// `HTTP/1.1`, `HTTP/2.0`, …
    pub protocol: Option<Cow<'a, str>>,
    /// Status the client got (LB status for ALB/ELB, `sc-status` for CloudFront, …).
    pub status: Option<u16>,
    /// Status the backend returned, when the format records it separately.
    pub backend_status: Option<u16>,
    /// Backend (target) address as logged, `ip:port` or a name.
    pub backend: Option<Cow<'a, str>>,
    /// ALB request_processing_time, in microseconds.
    pub request_time_us: Option<u64>,
    /// ALB target_processing_time / upstream time, in microseconds.
    pub backend_time_us: Option<u64>,
    /// ALB response_processing_time, in microseconds.
    pub response_time_us: Option<u64>,
    /// Total latency the client saw, in microseconds.
    pub total_time_us: Option<u64>,
    pub bytes_in: Option<u64>,
    pub bytes_out: Option<u64>,
    pub user_agent: Option<Cow<'a, str>>,
    pub referrer: Option<Cow<'a, str>>,
    pub tls_protocol: Option<Cow<'a, str>>,
    pub tls_cipher: Option<Cow<'a, str>>,
    pub trace_id: Option<Cow<'a, str>>,
    /// Error or classification reason (ALB `error_reason`/`classification_reason`,
    /// CloudFront `x-edge-result-type` on errors, GCP `statusDetails`, …).
    pub reason: Option<Cow<'a, str>>,
    /// Edge location / point of presence (CloudFront, Front Door).
    pub edge_location: Option<Cow<'a, str>>,
    /// X-Forwarded-For as logged (`client, proxy1, proxy2`), when the format records it apart
    /// from the client address. Resolved against trusted proxies by `ingest::proxy`.
    pub forwarded_for: Option<Cow<'a, str>>,
}

impl Request<'_> {
    /// Detach from the line buffer (for the few places that keep samples: drill-down, events).
    pub fn into_owned(self) -> Request<'static> {
        fn o(c: Option<Cow<'_, str>>) -> Option<Cow<'static, str>> {
            c.map(|c| Cow::Owned(c.into_owned()))
        }
        Request {
            format: self.format,
            time: self.time,
            client_ip: self.client_ip,
            client_host: o(self.client_host),
            client_port: self.client_port,
            method: o(self.method),
            scheme: o(self.scheme),
            host: o(self.host),
            path: o(self.path),
            query: o(self.query),
            protocol: o(self.protocol),
            status: self.status,
            backend_status: self.backend_status,
            backend: o(self.backend),
            request_time_us: self.request_time_us,
            backend_time_us: self.backend_time_us,
            response_time_us: self.response_time_us,
            total_time_us: self.total_time_us,
            bytes_in: self.bytes_in,
            bytes_out: self.bytes_out,
            user_agent: o(self.user_agent),
            referrer: o(self.referrer),
            tls_protocol: o(self.tls_protocol),
            tls_cipher: o(self.tls_cipher),
            trace_id: o(self.trace_id),
            reason: o(self.reason),
            edge_location: o(self.edge_location),
            forwarded_for: o(self.forwarded_for),
        }
    }

    /// True when the LB itself answered 5xx without a backend status: the backend never
    /// answered (ALB 502/503/504 with target status `-`) or the LB failed on its own.
    /// Formats without a separate backend status count every 5xx as the backend's.
    pub fn is_lb_5xx(&self) -> bool {
        self.format.has_backend_status()
            && matches!(self.status, Some(500..=599))
            && self.backend_status != self.status
    }

    /// `METHOD path?query PROTOCOL`, the request line as a human reads it.
    pub fn request_line(&self) -> String {
        let mut s = String::new();
        s.push_str(self.method.as_deref().unwrap_or("-"));
        s.push(' ');
        s.push_str(self.path.as_deref().unwrap_or("-"));
        if let Some(q) = self.query.as_deref() {
            s.push('?');
            s.push_str(q);
        }
        if let Some(p) = self.protocol.as_deref() {
            s.push(' ');
            s.push_str(p);
        }
        s
    }

    /// The client as a display string: IP if known, else the logged host.
    pub fn client_display(&self) -> Cow<'_, str> {
        match (self.client_ip, self.client_host.as_deref()) {
            (Some(ip), _) => Cow::Owned(ip.to_string()),
            (None, Some(h)) => Cow::Borrowed(h),
            (None, None) => Cow::Borrowed("-"),
        }
    }
}

/// RFC 3339 UTC with microseconds trimmed when zero: `2026-11-22T02:27:14.123456Z`.
pub fn format_rfc3339(t: Micros) -> String {
    let secs = t.div_euclid(MICROS_PER_SEC);
    let us = t.rem_euclid(MICROS_PER_SEC);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let (hh, mm, ss) = (sod / 3600, (sod / 60) % 60, sod % 60);
    if us == 0 {
        format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}Z")
    } else if us % 1000 == 0 {
        format!(
            "{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}.{:03}Z",
            us / 1000
        )
    } else {
        format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}.{us:06}Z")
    }
}

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm):
/// timestamps are parsed by hand on the hot path, without a calendar library.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Inverse of [`days_from_civil`].
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        for days in [-800_000i64, -1, 0, 1, 10_957, 20_000, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }

    #[test]
    fn rfc3339() {
        assert_eq!(format_rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(
            format_rfc3339(1_437_570_362_123_456),
            "2015-07-22T13:06:02.123456Z"
        );
        assert_eq!(
            format_rfc3339(1_437_570_362_120_000),
            "2015-07-22T13:06:02.120Z"
        );
    }

    #[test]
    fn lb_5xx_split() {
        let mut r = Request {
            status: Some(502),
            ..Default::default()
        };
        assert!(r.is_lb_5xx(), "502 with no target status is the LB's own");
        r.format = Format::Combined;
        assert!(!r.is_lb_5xx(), "nginx has no separate upstream status here");
        r.format = Format::Alb;
        r.backend_status = Some(502);
        r.backend_time_us = Some(10);
        r.backend = Some("10.0.0.1:80".into());
        assert!(!r.is_lb_5xx(), "502 passed through from the target");
        r.status = Some(200);
        assert!(!r.is_lb_5xx());
    }
}
