use super::*;
use crate::parse::json::testutil::{check, formats, read, run};
use proptest::prelude::*;

const COMBINED: &str = include_str!("../../../sample-logs/combined.log");
const COMMON: &str = include_str!("../../../sample-logs/common.log");

/// One spec per line of sample-logs/combined.log.
const COMBINED_EXPECT: &[&str] = &[
    "format=combined | time=2026-11-22T02:10:00Z | ip=203.0.113.7 | method=GET | path=/index.html | query=lang=en | proto=HTTP/1.1 | status=200 | out=5120 | ref=https://example.org/start | ua=Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0 | total_us=- | host=-",
    "time=2026-11-22T02:10:01Z | ip=198.51.100.23 | status=404 | out=153 | ref=- | ua=curl/8.4.0",
    "time=2026-11-22T02:10:02Z | host=shop.example.net | ip=192.0.2.44 | proto=HTTP/2.0 | status=206 | out=1048576",
    "ip=192.0.2.10 | method=POST | path=/api/login | status=401 | ua=python-requests/2.31.0",
    "ip=198.51.100.9 | path=/assets/app.js | query=v=3 | out=88231 | ua=Amazon CloudFront",
    "ip=2001:db8::ff00:42:8329 | path=/health | status=200 | out=2 | ua=kube-probe/1.29",
    "format=combined | ip=192.0.2.77 | method=- | path=- | proto=- | status=400 | out=0 | ua=-",
    "ip=192.0.2.78 | method=- | path=- | status=408 | out=- | ref=-",
    "ip=- | client_host=backup-runner | path=/status | ua=Wget/1.21.4",
    "ip=192.0.2.80 | port=443 | method=<script>alert(1)</script> | path=/ | proto=HTTP/1.1 | status=400",
    "host=10.0.0.5 | ip=192.0.2.81 | method=\\x16\\x03\\x01\\x02\\x00\\x01 | path=- | proto=- | status=400 | out=157",
    "ip=192.0.2.82 | method=- | path=- | proto=HTTP/1.0 | status=400",
    "path=/search | query=q=lb | total_us=250000 | backend_us=248000",
    "status=502 | total_us=1502000 | backend_us=1500000",
    "status=304 | out=0 | ref=https://example.org/ | total_us=0 | backend_us=-",
    "ip=2001:db8:85a3::8a2e:370:7334 | path=/docs/ | ua=curl/8.4.0 | total_us=- | backend_us=-",
    "ip=2001:db8::1 | out=612 | ref=- | ua=VLC/3.0.20",
    "format=common | time=2026-11-22T02:10:17Z | ip=127.0.0.1 | method=\\n | path=- | status=400 | out=226 | ua=-",
    "ref=http://\\xd0\\xbf\\xd1\\x80\\xd0\\xb8.example/ | proto=HTTP/1.0 | out=13316",
    "host=docs.example.com | ip=192.0.2.90 | path=/%D0%9F%D1%80%D0%B8%D0%B2%D0%B5%D1%82/",
    "ua=Evil \\\"quoted\\\" agent | status=200",
    "ip=192.0.2.92 | method=POST | path=/wp-login.php | query=action=register | status=404",
    "scheme=http | host=example.com | path=/proxy | query=x=1 | status=400",
    "format=combined | time=2026-11-22T02:10:22Z | path=/cut | status=200 | out=235 | ua=Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html",
];

const COMMON_EXPECT: &[&str] = &[
    "format=common | time=2026-11-22T02:16:28Z | ip=::1 | method=GET | path=/ | status=200 | out=45 | ref=- | ua=-",
    "format=common | path=/favicon.ico | status=404 | out=209",
    "format=common | method=- | path=- | status=408 | out=-",
    "format=common | time=2026-11-22T02:55:36Z | ip=192.0.2.5 | path=/apache_pb.gif | proto=HTTP/1.0 | out=2326",
    "format=common | client_host=gateway.internal | method=HEAD | out=-",
    "format=common | path=/a%20b | query=x=1&y=2 | status=301 | out=0",
];

#[test]
fn combined_sample_every_line() {
    let lines: Vec<&str> = COMBINED.lines().collect();
    assert_eq!(lines.len(), COMBINED_EXPECT.len());
    for (i, (line, spec)) in lines.iter().zip(COMBINED_EXPECT).enumerate() {
        let r = parse(line).unwrap_or_else(|e| panic!("line {}: {e:?}", i + 1));
        check(&r, spec, &format!("combined.log:{}", i + 1));
        if !spec.contains("format=") {
            assert_eq!(r.format, Format::Combined, "line {}", i + 1);
        }
    }
    // Through the stream parser too: all requests, none rejected.
    assert!(run(COMBINED).iter().all(Result::is_ok));
}

#[test]
fn common_sample_every_line() {
    let lines: Vec<&str> = COMMON.lines().collect();
    assert_eq!(lines.len(), COMMON_EXPECT.len());
    for (i, (line, spec)) in lines.iter().zip(COMMON_EXPECT).enumerate() {
        let r = parse(line).unwrap_or_else(|e| panic!("line {}: {e:?}", i + 1));
        check(&r, spec, &format!("common.log:{}", i + 1));
    }
    assert_eq!(sniff(lines[0]), Some(Format::Common));
    assert_eq!(
        sniff(COMBINED.lines().next().unwrap()),
        Some(Format::Combined)
    );
}

#[test]
fn rejects() {
    let cases = [
        ("", "garbage"),
        ("hello world", "garbage"),
        (
            "[22/Nov/2026:02:10:00 +0000] \"GET / HTTP/1.1\" 200 1",
            "garbage",
        ),
        (
            "1.2.3.4 - [22/Nov/2026:02:10:00 +0000] \"GET / HTTP/1.1\" 200 1",
            "garbage",
        ),
        (
            "1.2.3.4 - - [22/Foo/2026:02:10:00 +0000] \"GET / HTTP/1.1\" 200 1",
            "bad-timestamp",
        ),
        (
            "1.2.3.4 - - [22/Nov/2026:02:10:00 +0000] GET / HTTP/1.1 200 1",
            "garbage",
        ),
        (
            "1.2.3.4 - - [22/Nov/2026:02:10:00 +0000] \"GET / HTTP/1.1",
            "truncated",
        ),
        (
            "1.2.3.4 - - [22/Nov/2026:02:10:00 +0000] \"GET / HTTP/1.1\"",
            "truncated",
        ),
        (
            "1.2.3.4 - - [22/Nov/2026:02:10:00 +0000] \"GET / HTTP/1.1\" 200",
            "truncated",
        ),
        (
            "1.2.3.4 - - [22/Nov/2026:02:10:00 +0000] \"GET / HTTP/1.1\" OK 1",
            "bad-status",
        ),
        (
            "1.2.3.4 - - [22/Nov/2026:02:10:00 +0000] \"GET / HTTP/1.1\" 200 x",
            "bad-bytes",
        ),
    ];
    for (line, why) in cases {
        assert_eq!(parse(line).unwrap_err(), Reject(why), "{line:?}");
        assert_eq!(sniff(line), None);
    }
}

#[test]
fn sniff_leaves_other_formats_alone() {
    let others = [
        "http 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 \"GET http://www.example.com:80/ HTTP/1.1\" \"curl/7.46.0\" - - arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 \"Root=1-58337262-36d228ad5d99923122bbe354\" \"-\" \"-\" 0 2018-07-02T22:22:48.364000Z \"forward\" \"-\" \"-\" \"10.0.0.1:80\" \"200\" \"-\" \"-\"",
        "2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000073 0.001048 0.000057 200 200 0 29 \"GET http://www.example.com:80/ HTTP/1.1\" \"curl/7.38.0\" - -",
        "2019-12-04\t21:02:31\tLAX1\t392\t192.0.2.100\tGET\td111111abcdef8.cloudfront.net\t/index.html\t200\t-\tMozilla/5.0",
        "{\"time\":\"2026-11-22T02:10:00Z\",\"category\":\"ApplicationGatewayAccessLog\"}",
    ];
    for l in others {
        assert_eq!(sniff(l), None, "{l}");
    }
}

#[test]
fn conformance_formats_folder() {
    // nginx-combined: every line is a request.
    if let Some(dir) = formats("nginx-combined") {
        for f in [
            "elastic-beats-access.log",
            "elastic-beats-test.log",
            "elastic-integrations-test-access.log",
        ] {
            let out = run(&read(&dir, f));
            assert!(!out.is_empty());
            for (i, o) in out.iter().enumerate() {
                assert!(o.is_ok(), "{f}:{}: {o:?}", i + 1);
            }
        }
        let t = run(&read(&dir, "elastic-beats-test.log"));
        let ok = |i: usize| t[i].as_ref().unwrap();
        check(
            ok(0),
            "ip=10.0.0.2 | time=2016-12-07T10:05:07Z | path=/ocelot | status=200 | out=571",
            "test.log:1",
        );
        check(
            ok(1),
            "ip=172.17.0.1 | status=404 | ua=Mozilla/5.0 (Windows NT 6.1; rv:15.0) Gecko/20120716 Firefox/15.0a2",
            "test.log:2",
        );
        check(
            ok(4),
            "ip=10.5.102.222 | path=/assets/xxxx | query=q=100 | out=25507 | ua=Amazon CloudFront",
            "test.log:5",
        );
        check(
            ok(5),
            "ip=2a03:0:10ff:f00f::8000 | path=/test.html | status=404",
            "test.log:6",
        );
        check(
            ok(6),
            "ip=127.0.0.1 | method=- | path=- | status=400 | out=0",
            "test.log:7",
        );
        let a = run(&read(&dir, "elastic-integrations-test-access.log"));
        check(
            a[0].as_ref().unwrap(),
            "ip=67.43.156.13 | time=2016-10-25T12:49:33Z | status=200 | out=612 | format=combined",
            "access:1",
        );
        check(
            a[12].as_ref().unwrap(),
            "host=lessons.example.com | ip=192.168.0.1 | status=206 | out=7648063 | time=2020-06-09T19:10:39Z",
            "access:13",
        );
        assert!(field_of(&a[13], "path").starts_with("/%D0%A0%D1%83"));
    }
    if let Some(dir) = formats("apache-common") {
        let out = run(&read(&dir, "elastic-beats-darwin-2.4.23.log"));
        assert_eq!(out.len(), 6);
        check(
            out[0].as_ref().unwrap(),
            "format=common | ip=::1 | time=2016-12-26T14:16:28Z | status=200 | out=45",
            "darwin:1",
        );
        check(
            out[2].as_ref().unwrap(),
            "format=common | method=- | path=- | status=408 | out=-",
            "darwin:3",
        );
        check(
            out[5].as_ref().unwrap(),
            "ip=77.179.66.156 | path=/hmm | status=404 | out=201",
            "darwin:6",
        );
    }
    if let Some(dir) = formats("apache-combined") {
        let out = run(&read(&dir, "elastic-integrations-test-access-basic.log"));
        assert_eq!(out.len(), 17);
        for (i, o) in out.iter().enumerate() {
            assert!(o.is_ok(), "access-basic:{}: {o:?}", i + 1);
        }
        let ok = |i: usize| out[i - 1].as_ref().unwrap();
        check(
            ok(1),
            "format=common | ip=::1 | path=/favicon.ico",
            "basic:1",
        );
        check(ok(3), "format=common | status=408 | out=-", "basic:3");
        check(
            ok(5),
            "client_host=monitoring-server | ip=- | path=/status | format=combined",
            "basic:5",
        );
        check(ok(6), "status=408 | out=152 | method=-", "basic:6");
        check(
            ok(8),
            "ip=89.160.20.112 | path=/A%20Beka%20G1%20Howe/029_AND_30/15%20reading%20elephants.mp4 | ua=Mozilla/5.0 (Windows NT 6.1; rv:15.0) Gecko/20120716 Firefox/15.0a2",
            "basic:8",
        );
        check(
            ok(9),
            "ip=2a02:cf40:add:4002:91f2:a9b2:e09a:6fc6 | status=200",
            "basic:9",
        );
        check(
            ok(11),
            "ip=2a02:cf40:add:4002:91f2:a9b2:e09a:6fc6 | out=612 | ref=- | ua=Mozilla/5.0 (Windows NT 6.1; rv:15.0) Gecko/20120716 Firefox/15.0a2",
            "basic:11",
        );
        check(
            ok(13),
            "format=common | ip=127.0.0.1 | time=2000-10-10T20:55:36Z | out=2326",
            "basic:13",
        );
        check(
            ok(14),
            "ip=127.0.0.1 | port=80 | method=<SCRIPT>NXSSTEST</SCRIPT> | path=/ | status=400",
            "basic:14",
        );
        check(
            ok(15),
            "host=127.0.1.1 | ip=127.0.0.1 | method=\\x16\\x03\\x03\\x01\\x8f\\x01 | status=400 | out=483",
            "basic:15",
        );
        check(
            ok(16),
            "method=- | path=- | proto=HTTP/1.0 | status=400 | time=2024-06-14T06:50:12Z",
            "basic:16",
        );
        check(
            ok(17),
            "format=common | method=\\n | status=400 | out=226",
            "basic:17",
        );

        let big = read(&dir, "elastic-examples-apache_logs.log");
        let out = run(&big);
        assert_eq!(out.len(), 10_000);
        let ok_n = out.iter().filter(|o| o.is_ok()).count();
        let rejects: Vec<(usize, &str)> = out
            .iter()
            .enumerate()
            .filter_map(|(i, o)| o.as_ref().err().map(|e| (i + 1, *e)))
            .collect();
        println!("apache_logs: {ok_n} parsed, rejects: {rejects:?}");
        assert!(ok_n >= 9_998, "{rejects:?}");
        let r = out[8898].as_ref().unwrap();
        check(
            r,
            "ip=46.118.127.106 | path=/scripts/grok-py-test/configlib.py | status=200 | out=235 | ua=Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html",
            "apache_logs:8899",
        );
        // The README counts 200 ×9125 and referrer `-` ×4072; awk over the file counts
        // 9126 and 4073 (`awk '{print $9}'`, `awk -F'"' '$4=="-"'`).
        let s = |code| {
            out.iter()
                .filter(|o| matches!(o, Ok(r) if r.status == Some(code)))
                .count()
        };
        assert_eq!(
            (
                s(200),
                s(304),
                s(404),
                s(301),
                s(206),
                s(500),
                s(403),
                s(416)
            ),
            (9126, 445, 213, 164, 45, 3, 2, 2)
        );
        let dash_bytes = out
            .iter()
            .filter(|o| matches!(o, Ok(r) if r.bytes_out.is_none()))
            .count();
        assert_eq!(dash_bytes, 669);
        let no_ref = out
            .iter()
            .filter(|o| matches!(o, Ok(r) if r.referrer.is_none()))
            .count();
        assert_eq!(no_ref, 4073);
        let wp = out.iter().filter(|o| matches!(o, Ok(r) if r.path.as_deref().is_some_and(|p| p.contains("wp-login.php")))).count();
        assert_eq!(wp, 12);
        assert!(
            out.iter()
                .all(|o| matches!(o, Ok(r) if r.format == Format::Combined))
        );
    }
}

fn field_of(o: &Result<Request<'static>, &'static str>, k: &str) -> String {
    crate::parse::json::testutil::field(o.as_ref().unwrap(), k)
}

/// This thread's CPU time in seconds (utime+stime from /proc, 10 ms ticks), so the figure
/// holds on a machine shared with other builds; `None` off Linux.
fn thread_cpu_secs() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    let after = &s[s.rfind(')')? + 2..];
    let f: Vec<&str> = after.split(' ').collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// Throughput on ~190-byte combined lines. Run:
/// `cargo test --release --lib --no-default-features clf::tests::throughput -- --ignored --nocapture`.
#[test]
#[ignore]
fn throughput() {
    let line = "203.0.113.7 - - [22/Nov/2026:02:10:00 +0000] \"GET /index.html?lang=en HTTP/1.1\" 200 5120 \"https://example.org/start\" \"Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0\"";
    let n = 5_000_000u32;
    let cpu0 = thread_cpu_secs();
    let start = std::time::Instant::now();
    let mut sum = 0u64;
    for _ in 0..n {
        let r = parse(std::hint::black_box(line)).unwrap();
        sum += r.bytes_out.unwrap_or(0);
    }
    let wall = start.elapsed().as_secs_f64();
    let cpu = thread_cpu_secs().zip(cpu0).map(|(a, b)| a - b);
    assert_eq!(sum, 5120 * u64::from(n));
    println!(
        "clf: {} bytes/line, {:.0} lines/s wall, {} lines/s per CPU-second",
        line.len(),
        f64::from(n) / wall,
        cpu.map_or("?".into(), |c| format!("{:.0}", f64::from(n) / c))
    );
}

/// JSON formats for comparison (serde_json, borrowed): lines/s per CPU-second.
#[test]
#[ignore]
fn throughput_json() {
    let gcp = include_str!("../../../sample-logs/gcp.log")
        .lines()
        .next()
        .unwrap();
    let appgw = include_str!("../../../sample-logs/azure-appgw.log")
        .lines()
        .nth(1)
        .unwrap();
    let fd = include_str!("../../../sample-logs/azure-frontdoor.log")
        .lines()
        .next()
        .unwrap();
    for (name, line, f) in [
        (
            "gcp",
            gcp,
            crate::parse::gcp::parse as fn(&str) -> Parsed<'_>,
        ),
        ("azure-appgw", appgw, crate::parse::azure::parse),
        ("azure-frontdoor", fd, crate::parse::azure::parse),
    ] {
        let n = 500_000u32;
        let cpu0 = thread_cpu_secs();
        let mut sum = 0u64;
        for _ in 0..n {
            sum += u64::from(f(std::hint::black_box(line)).unwrap().status.unwrap_or(0));
        }
        assert!(sum > 0);
        let cpu = thread_cpu_secs().zip(cpu0).map(|(a, b)| a - b);
        println!(
            "{name}: {} bytes/line, {} lines/s per CPU-second",
            line.len(),
            cpu.map_or("?".into(), |c| format!("{:.0}", f64::from(n) / c))
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn arbitrary_strings_never_panic(s in "\\PC*") {
        let _ = parse(&s);
        let _ = sniff(&s);
    }

    #[test]
    fn arbitrary_bytes_never_panic(b in proptest::collection::vec(any::<u8>(), 0..300)) {
        let s = String::from_utf8_lossy(&b);
        let _ = parse(&s);
    }

    #[test]
    fn mutated_lines_never_panic(i in 0usize..24, pos in 0usize..400, len in 0usize..20, ins in "[ \"\\[\\]\\\\,:0-9a-z-]{0,6}") {
        let line = COMBINED.lines().nth(i).unwrap();
        let m = crate::testutil::splice(line, pos, len, &ins);
        let _ = parse(&m);
        let _ = sniff(&m);
        let mut sp = crate::parse::StreamParser::new(None);
        sp.parse_line(&m, &mut |_| {});
    }
}

#[test]
fn head_variants() {
    let t = "[22/Nov/2026:02:10:00 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"-\"";
    let cases = [
        ("\"unknown\" 10.0.0.1 - -", "ip=10.0.0.1 | host=-"),
        ("\"203.0.113.1\" 10.0.0.1 - -", "ip=203.0.113.1"),
        ("[2001:db8::1]:8443 - -", "ip=2001:db8::1 | port=8443"),
        (
            "example.org:443 198.51.100.1 - -",
            "host=example.org | ip=198.51.100.1",
        ),
        ("- - -", "ip=- | client_host=-"),
        ("10.0.0.1,  10.0.0.2 - -", "ip=10.0.0.1"),
    ];
    for (head, spec) in cases {
        let line = format!("{head} {t}");
        let r = parse(&line).unwrap_or_else(|e| panic!("{line}: {e:?}"));
        check(&r, spec, &line);
    }
}

#[test]
fn other_formats_not_claimed() {
    for sub in [
        "alb",
        "elb-classic",
        "cloudfront",
        "gcp-lb",
        "azure-appgw",
        "azure-frontdoor",
    ] {
        let Some(dir) = formats(sub) else { return };
        for e in std::fs::read_dir(&dir).unwrap() {
            let text = read(&dir, &e.unwrap().file_name().to_string_lossy());
            for line in text.lines() {
                assert_eq!(sniff(line), None, "{sub}: {line}");
                assert!(parse(line).is_err(), "{sub}: {line}");
            }
        }
    }
}

#[test]
fn never_copies_strings() {
    // Every text field borrows from the line: the parser allocates nothing.
    for line in COMBINED.lines().chain(COMMON.lines()) {
        let r = parse(line).unwrap();
        for c in [
            &r.client_host,
            &r.method,
            &r.scheme,
            &r.host,
            &r.path,
            &r.query,
            &r.protocol,
            &r.user_agent,
            &r.referrer,
        ] {
            assert!(!matches!(c, Some(Cow::Owned(_))), "{line}");
        }
    }
}

#[test]
fn forwarded_for_from_trailing_fields() {
    let xff = |line: &str| parse(line).unwrap().forwarded_for.map(|c| c.into_owned());
    let base = r#"10.0.0.2 - - [22/Nov/2026:02:10:14 +0000] "GET / HTTP/1.1" 200 5 "-" "ua""#;
    assert_eq!(
        xff(&format!(r#"{base} "198.51.100.200, 10.0.0.9" 0.010 0.009"#)).as_deref(),
        Some("198.51.100.200, 10.0.0.9")
    );
    // The timing extras still parse after it.
    let line = format!(r#"{base} "198.51.100.200" 0.250 0.248"#);
    let r = parse(&line).unwrap();
    assert_eq!(r.total_time_us, Some(250_000));
    assert_eq!(r.backend_time_us, Some(248_000));
    assert_eq!(
        xff(&format!(r#"{base} X-Forwarded-For="192.0.2.1, 10.0.0.1""#)).as_deref(),
        Some("192.0.2.1, 10.0.0.1")
    );
    assert_eq!(
        xff(&format!(r#"{base} "[2001:db8::7]:443, 10.0.0.1""#)).as_deref(),
        Some("[2001:db8::7]:443, 10.0.0.1")
    );
    // `-`, another header, or nothing: no XFF.
    assert_eq!(xff(&format!(r#"{base} "-""#)), None);
    assert_eq!(xff(&format!(r#"{base} "session=abc""#)), None);
    assert_eq!(xff(base), None);
    // Cut off inside the value: what is there is kept, nothing panics.
    assert_eq!(
        xff(&format!(r#"{base} X-Forwarded-For="192.0.2.1, 10.0"#)).as_deref(),
        Some("192.0.2.1, 10.0")
    );
}
