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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::json::testutil::{check, formats, read, run};
    use proptest::prelude::*;

    const SAMPLE: &str = include_str!("../../sample-logs/gcp.log");

    #[test]
    fn sample_every_line() {
        let out = run(SAMPLE);
        assert_eq!(out.len(), 7);
        let ok = |i: usize| out[i - 1].as_ref().unwrap();
        check(
            ok(1),
            "format=gcp | time=2026-11-22T02:10:00.123456Z | ip=203.0.113.20 | port=- | method=GET | scheme=https | host=www.example.com | path=/api/items | query=page=2 | status=200 | in=412 | out=5230 | total_us=123456 | backend=10.128.0.7 | proto=HTTP/1.1 | trace=0af7651916cd43dd8448eb211c80319c | reason=response_sent_by_backend | edge=- | ua=Mozilla/5.0 (X11; Linux x86_64) | ref=-",
            "gcp.log:1",
        );
        check(
            ok(2),
            "time=2026-11-22T02:10:01Z | ip=2001:db8:4::17 | port=- | method=POST | status=401 | backend=10.128.0.8:8080 | total_us=4000 | proto=HTTP/2.0 | ref=https://www.example.com/ | trace=- | ua=curl/8.4.0",
            "gcp.log:2",
        );
        check(
            ok(3),
            "time=2026-11-22T02:10:02Z | ip=192.0.2.33 | port=40211 | scheme=http | host=198.51.100.10 | path=/static/logo.png | query=- | status=304 | in=300 | out=157 | edge=FRA-2c3d4e5f | reason=response_from_cache | total_us=- | backend=- | proto=-",
            "gcp.log:3",
        );
        check(
            ok(4),
            "time=2026-11-22T02:10:03.500Z | ip=2001:db8::9 | port=55001 | host=api.example.com | path=/v1/orders | query=id=7&x=a\"b | status=502 | total_us=5002000 | reason=failed_to_connect_to_backend | trace=deadbeef | ua=okhttp/4.12",
            "gcp.log:4",
        );
        assert_eq!(out[4], Err("no-http-request"));
        assert_eq!(out[5], Err("bad-timestamp"));
        assert_eq!(out[6], Err("bad-json"));
        for line in SAMPLE.lines().take(4) {
            assert!(sniff(line));
            assert_eq!(crate::parse::sniff(line), Some(Format::GcpLb));
            assert_eq!(crate::parse::azure::sniff(line), None);
            assert_eq!(crate::parse::clf::sniff(line), None);
        }
    }

    #[test]
    fn borrows_unescaped_strings() {
        let line = SAMPLE.lines().next().unwrap();
        let r = parse(line).unwrap();
        assert!(matches!(r.user_agent, Some(Cow::Borrowed(_))));
        assert!(matches!(r.path, Some(Cow::Borrowed(_))));
        assert!(matches!(r.trace_id, Some(Cow::Borrowed(_))));
    }

    #[test]
    fn conformance_formats_folder() {
        let Some(dir) = formats("gcp-lb") else { return };
        let out = run(&read(&dir, "elastic-integrations-test-load-balancer.log"));
        assert_eq!(out.len(), 3);
        let ok = |i: usize| out[i - 1].as_ref().unwrap();
        let common = "format=gcp | time=2020-06-08T23:41:30.078651Z | ip=89.160.20.156 | method=GET | scheme=http | path=/static/us/three-cats.jpg | status=304 | in=577 | out=157 | edge=SFO-fbae48ad | reason=response_from_cache | trace=241d69833e64b3bf83fabac8c873d992 | total_us=-";
        check(ok(1), common, "gcp:1");
        check(
            ok(1),
            "host=81.2.69.193 | port=- | backend=- | proto=-",
            "gcp:1",
        );
        check(ok(2), common, "gcp:2");
        check(ok(2), "host=pictures.example.com", "gcp:2");
        check(ok(3), common, "gcp:3");
        check(
            ok(3),
            "host=81.2.69.193 | port=9989 | backend=10.5.3.1:9090 | proto=HTTP/2.0 | ref=https://developer.mozilla.org/en-US/docs/Web/JavaScript",
            "gcp:3",
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn arbitrary_strings_never_panic(s in "\\PC*") {
            let _ = parse(&s);
            let _ = sniff(&s);
        }

        #[test]
        fn mutated_lines_never_panic(i in 0usize..7, pos in 0usize..800, len in 0usize..12, ins in "[ \"{}\\[\\]:,0-9a-z\\\\.-]{0,6}") {
            let line = SAMPLE.lines().nth(i).unwrap();
            let m = crate::testutil::splice(line, pos, len, &ins);
            let _ = parse(&m);
            let _ = sniff(&m);
        }
    }
}
