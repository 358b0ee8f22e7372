//! The published ALB fixtures (`$LBTOP_FORMATS/alb`) through `StreamParser`.

use super::tests::*;
use super::*;
use crate::parse::Owned;
use crate::record::format_rfc3339;

/// Every file of the published ALB fixtures: request lines parse with the right fields,
/// other records are rejected with the right reason.
#[test]
fn conformance_published_fixtures() {
    let Some(dir) = formats_dir("alb") else {
        println!("skipped: formats folder not found");
        return;
    };
    let mut total = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let o = outcomes(&text, None);
        for (i, (line, out)) in text.split('\n').zip(&o).enumerate() {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() {
                assert_eq!(*out, Owned::Skipped("blank"));
                continue;
            }
            total += 1;
            let want = if line.starts_with("tls 2.0 ") {
                Some("nlb-record")
            } else if line.starts_with("20") {
                Some("alb-connection-log")
            } else {
                None
            };
            match (want, out) {
                (None, Owned::Request(r)) => {
                    assert_eq!(r.format, Format::Alb);
                    assert!(r.status.is_some(), "{}:{}", path.display(), i + 1);
                    assert!(r.client_ip.is_some(), "{}:{}", path.display(), i + 1);
                    let year = &format_rfc3339(r.time)[..4];
                    assert!(("2018".."2026").contains(&year), "{year}");
                }
                (Some(reason), Owned::Rejected(Reject(got))) => assert_eq!(*got, reason),
                _ => panic!("{}:{}: {out:?}", path.display(), i + 1),
            }
        }
    }
    assert!(total >= 60, "read {total} records");
}

#[test]
fn conformance_spot_checks() {
    let Some(text) = fixture("alb", "vectordotdev-vrl-parse_aws_alb_log.log") else {
        return;
    };
    let o = outcomes(&text, None);
    // Line 11: malformed request, -1 timings, target `-`.
    let r = req(&o[10]);
    assert_eq!(
        (r.status, r.backend.as_deref(), r.total_time_us),
        (Some(400), None, None)
    );
    assert_eq!(r.method, None);
    assert_eq!(
        r.host.as_deref(),
        Some("awseb-awseb-1kgu6fbag3fad-640112591.us-east-1.elb.amazonaws.com")
    );
    // Line 12: scanner probe.
    let r = req(&o[11]);
    assert_eq!(r.method.as_deref(), Some("POST"));
    assert_eq!(r.path.as_deref(), Some("/cgi-bin/login.cgi"));
    // Lines 13–14: IPv6 client and target, no brackets.
    for r in [req(&o[12]), req(&o[13])] {
        assert_eq!(r.client_ip, ip("2601:6bbc:c529:9dad:6bbc:c529:9dad:6bbc"));
        assert_eq!(r.client_port, Some(50599));
        assert_eq!(
            r.backend.as_deref(),
            Some("fd6d:6bbc:c529:6::face:ed83:f46:80")
        );
        assert_eq!(r.host.as_deref(), Some("some.domain.com"));
        assert_eq!(r.total_time_us, Some(53_000));
    }

    let Some(text) = fixture("alb", "elastic-beats-example-alb-http.log") else {
        return;
    };
    let o = outcomes(&text, None);
    let r = req(&o[4]); // the `"-" "-"1` typo line
    assert_eq!(
        (r.scheme.as_deref(), r.status, r.bytes_out),
        (Some("wss"), Some(101), Some(786))
    );
    let r = req(&o[6]);
    assert_eq!(r.reason.as_deref(), Some("LambdaInvalidResponse"));
    assert_eq!((r.status, r.backend_status), (Some(502), None));
    let r = req(&o[8]); // "- - -"
    assert_eq!(
        (r.status, r.method.as_deref(), r.path.as_deref()),
        (Some(400), None, None)
    );

    let Some(text) = fixture("alb", "elastic-integrations-test-alb.log") else {
        return;
    };
    let o = outcomes(&text, None);
    let r = req(&o[1]);
    assert_eq!(r.reason.as_deref(), Some("SpaceInUri"));
    assert_eq!(r.user_agent.as_deref(), Some("Hello, world"));
    assert_eq!(r.path.as_deref(), Some("/shell"));
    for (i, out) in o.iter().enumerate().take(6).skip(2) {
        assert_eq!(
            *out,
            Owned::Rejected(Reject("nlb-record")),
            "line {}",
            i + 1
        );
    }
    for (i, out) in o.iter().enumerate().take(9).skip(6) {
        assert_eq!(
            *out,
            Owned::Rejected(Reject("alb-connection-log")),
            "line {}",
            i + 1
        );
    }
    let r = req(&o[9]);
    assert_eq!(r.status, Some(200));
    assert_eq!(r.host.as_deref(), Some("internal-service-alb.example.com"));

    let Some(text) = fixture("alb", "crowdsec-hub-aws-alb-logs.log") else {
        return;
    };
    let o = outcomes(&text, None);
    let r = req(&o[4]);
    assert_eq!(
        r.user_agent.as_deref(),
        Some("${jndi:ldap://${java:version}.domain/a}")
    );
    assert_eq!(
        (r.status, r.backend_status, r.request_time_us),
        (Some(404), None, None)
    );
    let r = req(&o[3]);
    assert_eq!(r.path.as_deref(), Some("/%%32%65%%32%65/"));
    assert_eq!(r.host.as_deref(), Some("api.example.com"));
    let f = Fields::split(text.lines().nth(7).unwrap()).unwrap();
    assert_eq!(f.get(Field::TransformedHost), Some("m.example.com"));
    assert_eq!(
        f.get(Field::RequestTransformStatus),
        Some("TransformSuccess")
    );

    let Some(text) = fixture("alb", "elastic-beats-application-lb-http.log") else {
        return;
    };
    let o = outcomes(&text, None);
    let r = req(&o[0]);
    assert_eq!(
        (r.status, r.backend_status, r.total_time_us),
        (Some(460), None, None)
    );
    assert_eq!(r.client_ip, ip("77.227.156.41"));
}
