use super::*;
use crate::parse::json::testutil::{check, formats, read, run};
use crate::record::format_rfc3339;
use proptest::prelude::*;

const APPGW: &str = include_str!("../../../sample-logs/azure-appgw.log");
const FRONTDOOR: &str = include_str!("../../../sample-logs/azure-frontdoor.log");

#[test]
fn appgw_sample_every_record() {
    let out = run(APPGW);
    assert_eq!(out.len(), 11, "{out:?}");
    let ok = |i: usize| {
        out[i]
            .as_ref()
            .unwrap_or_else(|e| panic!("record {i}: {e}"))
    };
    check(
        ok(0),
        "format=azure-appgw | time=2026-11-22T02:10:00.250Z | ip=203.0.113.40 | port=50123 | method=GET | path=/admin/config.php | query=- | status=404 | backend=10.0.1.4 | backend_status=404 | ua=- | proto=HTTP/1.0 | in=70 | out=560 | total_us=210000 | scheme=http | host=www.example.com | trace=-",
        "v1",
    );
    check(
        ok(1),
        "format=azure-appgw | time=2026-11-22T02:10:01.681666Z | ip=198.51.100.41 | port=443 | method=POST | path=/api/cart | query=id=9 | status=200 | backend_status=200 | backend=10.0.1.5:443 | backend_us=40000 | total_us=43000 | in=812 | out=2048 | scheme=https | tls=TLSv1.2 | cipher=ECDHE-RSA-AES256-GCM-SHA384 | host=shop.example.com | trace=ac7a4b19bd0e7f0d9c1b0f2a8e6d5c4b | reason=- | proto=HTTP/2.0 | ua=Mozilla/5.0 (Macintosh)",
        "v2",
    );
    check(
        ok(2),
        "time=2026-11-22T02:10:02Z | ip=192.0.2.42 | port=- | status=502 | backend_status=- | backend=10.0.1.6:80 | backend_us=- | total_us=20001000 | tls=- | cipher=- | reason=ERRORINFO_UPSTREAM_TIMED_OUT | trace=f00d",
        "v2 502, US time",
    );
    assert!(ok(2).is_lb_5xx());
    check(
        ok(3),
        "format=azure-appgw | time=2026-11-22T02:10:03.535404Z | ip=2001:db8:a::42 | port=51000 | path=/search | query=q=%22x%22 | total_us=500000 | backend_us=480000 | backend_status=200 | scheme=- | host=www.example.com",
        "flattened",
    );
    assert_eq!(out[4], Err("azure-waf-record"));
    assert_eq!(out[5], Err("not-access-log"));
    assert_eq!(out[6], Err("not-access-log"));
    check(
        ok(7),
        "time=2026-11-22T02:10:06Z | ip=192.0.2.50 | port=1234 | method=DELETE | status=204 | out=0 | total_us=2000 | backend_status=204",
        "records[0]",
    );
    check(
        ok(8),
        "time=2026-11-22T02:10:07Z | ip=192.0.2.51 | status=503 | backend_status=- | total_us=0 | reason=ERRORINFO_NO_BACKEND_AVAILABLE",
        "records[1]",
    );
    assert_eq!(out[9], Err("bad-json"));
    assert_eq!(out[10], Err("bad-timestamp"));
    assert_eq!(sniff(APPGW.lines().nth(5).unwrap()), None, "ResourceHealth");
    for line in APPGW.lines().take(5) {
        assert_eq!(
            crate::parse::sniff(line),
            Some(Format::AzureAppGw),
            "{line}"
        );
    }
}

#[test]
fn frontdoor_sample_every_record() {
    assert!(
        FRONTDOOR.contains("\r\n"),
        "the sample keeps CRLF line ends"
    );
    let out = run(FRONTDOOR);
    assert_eq!(out.len(), 4, "{out:?}");
    let ok = |i: usize| {
        out[i]
            .as_ref()
            .unwrap_or_else(|e| panic!("record {i}: {e}"))
    };
    check(
        ok(0),
        "format=azure-frontdoor | time=2026-11-22T02:10:00.005909Z | ip=203.0.113.70 | port=52311 | method=GET | scheme=https | host=www.example.com | path=/products/42 | query=ref=home | proto=HTTP/1.1 | status=200 | in=1210 | out=15872 | total_us=384000 | tls=TLS 1.3 | trace=0Xl5ZYQAAAAB3mJ5bb0k2T7a1P9Cq0xYVQU1TMDFFREdFMDQxMQBmZWVkZmFjZQ== | edge=AMS | reason=- | backend=app-west.azurewebsites.net:443 | ua=Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
        "fd:1",
    );
    check(
        ok(1),
        "ip=2001:db8:60b:7aeb:418d:7c32:ac90:e100 | port=65238 | method=POST | proto=HTTP/2.0 | status=201 | total_us=3603000 | edge=SG | host=erp.example.com | path=/Dashboard/save",
        "fd:2",
    );
    check(
        ok(2),
        "format=azure-frontdoor | time=2026-11-22T02:10:02.123456Z | status=504 | reason=OriginTimeout | cipher=ECDHE-RSA-AES128-GCM-SHA256 | tls=TLS 1.2 | ref=https://www.example.com/ | backend=origin.example.com:443 | edge=FRA | total_us=30001000 | host=cdn.example.com | ua=Mozilla/5.0 (iPhone)",
        "afd standard",
    );
    assert_eq!(out[3], Err("azure-waf-record"));
    for line in FRONTDOOR.lines().take(3) {
        assert_eq!(crate::parse::sniff(line), Some(Format::AzureFrontDoor));
        assert!(!crate::parse::gcp::sniff(line));
    }
}

#[test]
fn decided_per_record_and_by_fields() {
    let fd = r#"{"time":"2026-11-22T02:10:00Z","properties":{"httpMethod":"GET","httpStatusCode":"200","requestUri":"https://a.example:443/","pop":"LHR","trackingReference":"x"}}"#;
    let gw = r#"{"time":"2026-11-22T02:10:00Z","properties":{"httpMethod":"GET","httpStatus":200,"requestUri":"/","clientIP":"192.0.2.1"}}"#;
    assert_eq!(parse(fd).unwrap().format, Format::AzureFrontDoor);
    assert_eq!(sniff(fd), Some(Format::AzureFrontDoor));
    assert_eq!(parse(gw).unwrap().format, Format::AzureAppGw);
    assert_eq!(sniff(gw), Some(Format::AzureAppGw));
    assert_eq!(
        parse(r#"{"time":"2026-11-22T02:10:00Z"}"#),
        Err(Reject("not-access-log"))
    );
    assert_eq!(parse("[1,2]"), Err(Reject("bad-json")));
    assert_eq!(parse(r#"{"properties":"x"}"#), Err(Reject("bad-json")));
    assert_eq!(sniff(r#"{"a":1}"#), None);
    assert_eq!(sniff("1.2.3.4 - - [x]"), None);
}

#[test]
fn conformance_formats_folder() {
    if let Some(dir) = formats("azure-appgw") {
        let raw = run(&read(
            &dir,
            "elastic-integrations-test-application-gateway-raw.log",
        ));
        assert_eq!(raw.len(), 6);
        check(
            raw[0].as_ref().unwrap(),
            "format=azure-appgw | time=2017-04-26T19:27:38Z | ip=67.43.156.7 | port=46886 | method=GET | path=/phpmyadmin/scripts/setup.php | query=- | status=404 | backend=10.4.0.4 | backend_status=404 | total_us=205000 | scheme=http | host=www.contoso.com | proto=HTTP/1.0 | ua=- | in=65 | out=553",
            "raw:1 (v1)",
        );
        // v2 documents timeTaken in seconds.
        check(
            raw[1].as_ref().unwrap(),
            "format=azure-appgw | time=2017-04-26T19:27:38Z | ip=67.43.156.7 | status=404 | backend=104.41.114.59:80 | backend_status=200 | backend_us=23000 | total_us=205000000 | tls=- | cipher=-",
            "raw:2 (v2)",
        );
        assert!(raw[2..5].iter().all(|o| *o == Err("azure-waf-record")));
        assert_eq!(raw[5], Err("not-access-log"));

        let meta = run(&read(
            &dir,
            "elastic-integrations-test-application-gateway-metadata.log",
        ));
        assert_eq!(meta.len(), 1);
        check(
            meta[0].as_ref().unwrap(),
            "time=2024-01-01T12:00:00Z | ip=192.168.1.1 | port=12345 | path=/index.html | status=200 | in=128 | out=512 | total_us=10000 | scheme=https | host=example.com | ua=curl/7.68.0 | proto=HTTP/1.1",
            "metadata",
        );

        let text = read(
            &dir,
            "elastic-integrations-test-time-formats-corner-cases.log",
        );
        let out = run(&text);
        assert_eq!(out, vec![Err("not-access-log"); 11]);
        for line in text.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let t = parse_time(v["time"].as_str().unwrap()).unwrap_or_else(|| panic!("{line}"));
            assert_eq!(
                format_rfc3339(t - t % 1_000_000),
                "2007-01-09T09:41:00Z",
                "{line}"
            );
        }
    }
    if let Some(dir) = formats("azure-frontdoor") {
        let out = run(&read(&dir, "elastic-integrations-test-fdaccess.log"));
        assert_eq!(out.len(), 3);
        check(
            out[0].as_ref().unwrap(),
            "format=azure-frontdoor | time=2021-12-15T03:10:11.647971Z | ip=89.160.20.128 | port=50382 | method=POST | scheme=https | host=erp.testcloud.com | path=/StockSetup/GetStockListByCir | status=200 | in=2545 | out=1205 | total_us=384000 | edge=SIN | proto=HTTP/2.0 | tls=TLS 1.2 | reason=- | backend=samplev6erp.azurewebsites.net:443",
            "fdaccess:1",
        );
        check(
            out[2].as_ref().unwrap(),
            "ip=175.16.199.0 | method=GET | total_us=64000 | out=637",
            "fdaccess:3",
        );
        let out = run(&read(&dir, "elastic-integrations-sample_logs-fdaccess.log"));
        assert_eq!(out.len(), 2);
        for o in &out {
            check(
                o.as_ref().unwrap(),
                "ip=2400:ac40:60b:7aeb:418d:7c32:ac90:e100 | port=65238 | edge=SGE | status=200 | host=erp.testcloud.com",
                "sample_logs",
            );
        }
        check(
            out[1].as_ref().unwrap(),
            "total_us=3542000 | time=2021-12-15T03:36:54.003645Z",
            "sample_logs:2",
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn arbitrary_strings_never_panic(s in "\\PC*") {
        let _ = parse(&s);
        let _ = sniff(&s);
        let _ = parse_time(&s);
    }

    #[test]
    fn json_shaped_never_panics(s in "\\{\"(time|properties|httpStatus|clientPort|timeTaken)\":[\"0-9a-z.:/ {}\\[\\],-]{0,40}\\}") {
        let _ = parse(&s);
    }

    #[test]
    fn mutated_records_never_panic(i in 0usize..10, pos in 0usize..900, len in 0usize..12, ins in "[ \"{}\\[\\]:,0-9a-z\\\\.-]{0,6}") {
        let line = APPGW.lines().chain(FRONTDOOR.lines()).nth(i).unwrap();
        let m = crate::testutil::splice(line, pos, len, &ins);
        let _ = parse(&m);
        let _ = sniff(&m);
        let mut sp = crate::parse::StreamParser::new(None);
        sp.parse_line(&m, &mut |_| {});
    }

    #[test]
    fn time_spellings_never_panic(s in "[0-9]{1,3}/[0-9]{1,3}/[0-9]{1,5} [0-9]{1,3}:[0-9]{1,3}:[0-9]{1,3}(\\.[0-9]{0,12})?( [AP]M)?( [+-][0-9:]{0,6})?") {
        let _ = parse_time(&s);
    }
}

#[test]
fn json_sniffers_leave_other_formats_alone() {
    for sub in [
        "alb",
        "elb-classic",
        "cloudfront",
        "nginx-combined",
        "apache-common",
        "apache-combined",
        "gcp-lb",
    ] {
        let Some(dir) = formats(sub) else { return };
        for e in std::fs::read_dir(&dir).unwrap() {
            let text = read(&dir, &e.unwrap().file_name().to_string_lossy());
            for line in text.lines().take(200) {
                assert_eq!(sniff(line), None, "{sub}: {line}");
                assert_eq!(
                    crate::parse::gcp::sniff(line),
                    sub == "gcp-lb",
                    "{sub}: {line}"
                );
            }
        }
    }
}
