//! `lbtop scan`: the JSON-lines contract, inputs, and errors.

use crate::util::*;
use std::io::Write;

const ALB: &str = r#"https 2026-11-01T10:00:01.100000Z app/my-lb/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 "GET https://www.example.com:443/index.html HTTP/1.1" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337262-36d228ad5d99923122bbe354" "www.example.com" "arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012" 0 2026-11-01T10:00:01.099000Z "forward" "-" "-" "10.0.0.1:80" "200" "-" "-" TID_1
https 2026-11-01T10:00:02.200000Z app/my-lb/50dc6c495c0c9188 192.168.131.40:2818 - -1 -1 -1 502 - 34 366 "GET https://www.example.com:443/api/items/42 HTTP/1.1" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337262-36d228ad5d99923122bbe355" "www.example.com" "arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012" 0 2026-11-01T10:00:02.199000Z "forward" "-" "TargetConnectionError" "-" "-" "-" "-" TID_2
https 2026-11-01T10:00:03.300000Z app/my-lb/50dc6c495c0c9188 203.0.113.9:4444 10.0.0.2:80 0.000 0.002 0.000 404 404 34 120 "GET https://www.example.com:443/search?q=1%27%20UNION%20SELECT%20password%20FROM%20users-- HTTP/1.1" "sqlmap/1.7" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337262-36d228ad5d99923122bbe356" "www.example.com" "arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012" 0 2026-11-01T10:00:03.299000Z "forward" "-" "-" "10.0.0.2:80" "404" "-" "-" TID_3
"#;

#[test]
fn scan_writes_json_lines_ending_in_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "a.log", ALB);
    let out = lbtop(&["scan", "--windows", p.to_str().unwrap()]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    let evs = events(&out);
    assert!(
        evs.iter().all(|e| e["kind"].is_string()),
        "every line has a kind"
    );
    let s = summary(&evs);
    assert_eq!(s["lines"], 3);
    assert_eq!(s["parsed"], 3);
    assert_eq!(s["rejected_total"], 0);
    assert_eq!(s["formats"]["alb"], 3);
    assert_eq!(s["first_time"], "2026-11-01T10:00:01.100Z");
    assert_eq!(s["last_time"], "2026-11-01T10:00:03.300Z");
    // One 10-s window with all three requests, the 502 counted as the LB's own.
    let w: Vec<_> = evs.iter().filter(|e| e["kind"] == "window").collect();
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0]["requests"], 3);
    assert_eq!(w[0]["status_5xx"], 1);
    assert_eq!(w[0]["status_5xx_lb"], 1);
    assert_eq!(w[0]["status_4xx"], 1);
    assert_eq!(w[0]["unique_clients"], 3);
    assert_eq!(w[0]["start"], "2026-11-01T10:00:00Z");
    assert_eq!(w[0]["end"], "2026-11-01T10:00:10Z");
}

#[test]
fn security_events_name_their_source_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "a.log", ALB);
    let out = lbtop(&["scan", p.to_str().unwrap()]);
    let evs = events(&out);
    let sec: Vec<_> = evs.iter().filter(|e| e["kind"] == "security").collect();
    assert!(sec.iter().any(|e| e["category"] == "sqli"), "{sec:?}");
    assert!(
        sec.iter().any(|e| e["category"] == "scanner_agent"),
        "{sec:?}"
    );
    for e in &sec {
        assert_eq!(e["line"], 3);
        assert_eq!(e["source"], p.to_str().unwrap());
        assert_eq!(e["client_ip"], "203.0.113.9");
        assert!(e["request"].as_str().unwrap().contains("UNION"));
        assert_eq!(e["time"], "2026-11-01T10:00:03.300Z");
    }
}

#[test]
fn bad_lines_are_counted_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from(ALB);
    text.push_str("this is not a log line\n\n");
    text.push_str(&"x".repeat(1_000_000));
    text.push('\n');
    let mut bytes = text.into_bytes();
    bytes.extend_from_slice(b"\x00\x01\x02\xff\xfe binary\n");
    let p = dir.path().join("mixed.log");
    std::fs::write(&p, &bytes).unwrap();
    let out = lbtop(&["scan", p.to_str().unwrap()]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    let evs = events(&out);
    let s = summary(&evs);
    assert_eq!(s["parsed"], 3);
    assert_eq!(s["lines"], 7, "{s}");
    assert_eq!(s["skipped"], 1, "the blank line");
    assert_eq!(s["rejected_total"], 3, "{s}");
    assert_eq!(s["rejected"]["line-too-long"], 1, "{s}");
}

#[test]
fn stdin_and_gzip() {
    let out = lbtop_stdin(&["scan", "-"], ALB.as_bytes());
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    assert_eq!(summary(&events(&out))["parsed"], 3);

    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("a.log.gz");
    // Two concatenated gzip members, as ALB writes them.
    let mut f = std::fs::File::create(&p).unwrap();
    for part in [
        &ALB[..ALB.find('\n').unwrap() + 1],
        &ALB[ALB.find('\n').unwrap() + 1..],
    ] {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(part.as_bytes()).unwrap();
        f.write_all(&gz.finish().unwrap()).unwrap();
    }
    drop(f);
    let out = lbtop(&["scan", p.to_str().unwrap()]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    assert_eq!(summary(&events(&out))["parsed"], 3);
}

#[test]
fn files_are_merged_in_log_time_order() {
    let dir = tempfile::tempdir().unwrap();
    let lines: Vec<&str> = ALB.lines().collect();
    // Node A has lines 1 and 3, node B line 2: merged, the window sees all three in order.
    write(
        dir.path(),
        "node-a.log",
        &format!("{}\n{}\n", lines[0], lines[2]),
    );
    write(dir.path(), "node-b.log", &format!("{}\n", lines[1]));
    let out = lbtop(&["scan", "--windows", dir.path().to_str().unwrap()]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    let evs = events(&out);
    assert_eq!(summary(&evs)["parsed"], 3);
    let w: Vec<_> = evs.iter().filter(|e| e["kind"] == "window").collect();
    assert_eq!(w.len(), 1);
    assert_eq!(w[0]["requests"], 3);
}

#[test]
fn text_report() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "a.log", ALB);
    let out = lbtop(&["scan", "--output", "text", p.to_str().unwrap()]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("parsed 3"), "{text}");
    assert!(text.contains("sqli"), "{text}");
}

#[test]
fn clear_errors_for_missing_files_empty_dirs_unknown_formats() {
    let out = lbtop(&["scan", "/nonexistent/lbtop/x.log"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("/nonexistent/lbtop/x.log"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");

    let dir = tempfile::tempdir().unwrap();
    let out = lbtop(&["scan", dir.path().to_str().unwrap()]);
    assert_ne!(out.status.code(), Some(0), "empty dir");
    assert!(stderr(&out).contains("no log files"), "{}", stderr(&out));

    let p = write(dir.path(), "notes.txt", "hello world\nthis is prose\n");
    let out = lbtop(&["scan", p.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown log format"),
        "{}",
        stderr(&out)
    );

    let out = lbtop(&["scan", "--format", "bogus", p.to_str().unwrap()]);
    assert_ne!(out.status.code(), Some(0));
    assert!(stderr(&out).contains("unknown format"), "{}", stderr(&out));
}

#[test]
fn sample_logs_all_parse() {
    // Every sample file of ours parses, each in its own format.
    for (file, format) in [
        ("alb.log", "alb"),
        ("elb.log", "elb"),
        ("cloudfront.log", "cloudfront"),
        ("gcp.log", "gcp"),
        ("azure-appgw.log", "azure-appgw"),
        ("azure-frontdoor.log", "azure-frontdoor"),
        ("combined.log", "combined"),
        ("common.log", "common"),
    ] {
        let p = repo().join("sample-logs").join(file);
        let out = lbtop(&["scan", p.to_str().unwrap()]);
        assert!(out.status.success(), "{file}: {}", stderr(&out));
        let evs = events(&out);
        let s = summary(&evs);
        assert!(s["parsed"].as_u64().unwrap() >= 3, "{file}: {s}");
        assert!(s["formats"][format].as_u64().unwrap() >= 3, "{file}: {s}");
    }
}

#[test]
fn score_adds_a_column_row_for_row() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("Timestamp,RequestCount,HTTPCode_ELB_5XX_Count\n");
    for i in 0..120 {
        let (count, errors) = if (100..105).contains(&i) {
            (5000, 900)
        } else {
            (1000 + (i % 7) * 10, i % 3)
        };
        csv.push_str(&format!(
            "2026-11-01 10:{:02}:{:02},{count},{errors}\n",
            i / 60,
            i % 60
        ));
    }
    let p = write(dir.path(), "metrics.csv", &csv);
    let out = lbtop(&["score", p.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows.len(), 121, "header plus every input row");
    assert!(rows[0].ends_with(",anomaly_score"), "{}", rows[0]);
    let score = |r: &str| r.rsplit(',').next().unwrap().parse::<f64>().unwrap();
    for (i, r) in rows[1..].iter().enumerate() {
        assert!(
            r.starts_with(csv.lines().nth(i + 1).unwrap()),
            "row {i} kept in order"
        );
        assert!((0.0..=1.0).contains(&score(r)));
    }
    assert_eq!(score(rows[1]), 0.0, "warming up");
    assert!(
        score(rows[101]) >= 0.5,
        "the spike scores high: {}",
        rows[101]
    );
    assert!(
        rows[30..90].iter().all(|r| score(r) < 0.5),
        "quiet rows stay quiet"
    );
}

#[test]
fn demo_headless_finds_incidents() {
    let out = lbtop(&["demo", "--headless", "--seed", "3"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let evs = events(&out);
    let kinds = |k: &str| evs.iter().filter(|e| e["kind"] == k).count();
    assert!(kinds("anomaly") > 0 && kinds("client") > 0 && kinds("security") > 0);
    assert!(summary(&evs)["formats"]["alb"].as_u64().unwrap() > 10_000);
}

#[test]
fn truncated_gzip_keeps_what_was_read_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let mut body = String::new();
    for _ in 0..400 {
        body.push_str(ALB);
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(body.as_bytes()).unwrap();
    let full = gz.finish().unwrap();
    let p = dir.path().join("cut.log.gz");
    std::fs::write(&p, &full[..full.len() * 2 / 3]).unwrap();
    let out = lbtop(&["scan", p.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "what was read still counts: {}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("truncated gzip"), "{}", stderr(&out));
    assert_eq!(
        stderr(&out).matches("cut.log.gz").count(),
        1,
        "the file is named once: {}",
        stderr(&out)
    );
    let evs = events(&out);
    let s = summary(&evs);
    let parsed = s["parsed"].as_u64().unwrap();
    assert!(parsed > 0 && parsed < 1200, "a prefix was read: {parsed}");
    assert_eq!(s["lines"], s["parsed"], "only whole lines, all counted");
    assert!(
        s["source_errors"][0]
            .as_str()
            .unwrap()
            .contains("truncated gzip"),
        "{s}"
    );
}

/// The simulated demo (seed 3, an incident of every kind) at `rps`, as `dir/alb.log`.
fn sim_demo(dir: &std::path::Path, rps: &str) -> std::path::PathBuf {
    let sim = command()
        .args(["sim", "--scenario", "demo", "--seed", "3", "--rps", rps])
        .output()
        .expect("run lbtop sim");
    assert!(sim.status.success(), "stderr: {}", stderr(&sim));
    let log = dir.join("alb.log");
    std::fs::write(&log, &sim.stdout).unwrap();
    log
}

/// Parsing on several threads changes nothing but the speed: the same events, windows and
/// counts as one thread, on a simulated incident spread over many chunks, merged with a
/// second file of another format.
#[test]
fn thread_count_changes_nothing_but_speed() {
    let dir = tempfile::tempdir().unwrap();
    let log = sim_demo(dir.path(), "2");
    assert!(
        std::fs::metadata(&log).unwrap().len() > 4 << 20,
        "several 256 KiB chunks"
    );
    let combined = std::fs::read_to_string(repo().join("sample-logs/combined.log")).unwrap();
    write(dir.path(), "web.log", &combined);
    let run = |threads: &str| {
        let out = lbtop(&[
            "scan",
            "--windows",
            "--threads",
            threads,
            dir.path().to_str().unwrap(),
        ]);
        assert!(out.status.success(), "stderr: {}", stderr(&out));
        let mut evs = events(&out);
        for e in &mut evs {
            if let Some(o) = e.as_object_mut().filter(|o| o["kind"] == "summary") {
                for timing in ["elapsed_sec", "lines_per_sec", "peak_rss_bytes"] {
                    o.remove(timing);
                }
            }
        }
        evs
    };
    let one = run("1");
    let kinds = |k: &str| one.iter().filter(|e| e["kind"] == k).count();
    assert!(kinds("window") > 100 && kinds("security") > 100 && kinds("anomaly") > 0);
    assert!(summary(&one)["formats"]["combined"].as_u64() > Some(0));
    for threads in ["2", "3"] {
        assert!(
            run(threads) == one,
            "--threads {threads} differs from --threads 1"
        );
    }
}

/// `--detect` chooses the detectors: those left out emit nothing, the windows and counts do
/// not change, and the summary names the detectors that ran.
#[test]
fn detect_selects_the_detectors_that_run() {
    let dir = tempfile::tempdir().unwrap();
    let log = sim_demo(dir.path(), "1");
    let run = |detect: &[&str]| {
        let mut args = vec!["scan", "--windows", log.to_str().unwrap()];
        args.extend_from_slice(detect);
        let out = lbtop(&args);
        assert!(out.status.success(), "stderr: {}", stderr(&out));
        events(&out)
    };
    let of = |evs: &[serde_json::Value], kind: &str| -> Vec<serde_json::Value> {
        evs.iter().filter(|e| e["kind"] == kind).cloned().collect()
    };
    let all = run(&[]);
    for kind in ["window", "anomaly", "client", "security"] {
        assert!(!of(&all, kind).is_empty(), "the demo has {kind} events");
    }
    assert_eq!(
        summary(&all)["detectors"],
        serde_json::json!(["anomaly", "client", "security"])
    );

    let none = run(&["--detect", "none"]);
    let kinds: std::collections::BTreeSet<&str> =
        none.iter().filter_map(|e| e["kind"].as_str()).collect();
    assert_eq!(kinds, ["summary", "window"].into_iter().collect());
    assert_eq!(of(&none, "window"), of(&all, "window"));
    assert_eq!(summary(&none)["parsed"], summary(&all)["parsed"]);
    assert_eq!(summary(&none)["detectors"], serde_json::json!([]));

    let some = run(&["--detect", "security,client"]);
    assert_eq!(of(&some, "security"), of(&all, "security"));
    assert_eq!(of(&some, "client"), of(&all, "client"));
    assert!(of(&some, "anomaly").is_empty());
    assert_eq!(
        summary(&some)["detectors"],
        serde_json::json!(["client", "security"])
    );

    let text = lbtop(&[
        "scan",
        "--output",
        "text",
        "--detect",
        "none",
        log.to_str().unwrap(),
    ]);
    assert!(text.status.success(), "stderr: {}", stderr(&text));
    let report = String::from_utf8_lossy(&text.stdout);
    assert!(report.contains("detectors run: none"), "{report}");

    let bad = lbtop(&["scan", "--detect", "sqli", log.to_str().unwrap()]);
    assert!(!bad.status.success());
    assert!(
        stderr(&bad).contains("unknown detector `sqli`"),
        "{}",
        stderr(&bad)
    );
}

/// Line numbers stay right across chunk boundaries (a file of several 256-KiB chunks, with
/// blank and garbage lines), whether one thread numbers the lines as it parses them or the
/// engine numbers batches parsed ahead on another thread, and in a gzip stream.
#[test]
fn security_lines_are_numbered_across_chunks_and_threads() {
    let mut lines: Vec<&str> = ALB.lines().collect();
    let (benign, attack) = (lines[0], lines.remove(2));
    let mut text = String::new();
    let mut want = Vec::new();
    for n in 1..=2000 {
        let line = match n {
            700 => "",
            701 => "\u{1}\u{2} not a log line",
            _ if n % 450 == 0 || n == 2000 => {
                want.push(n);
                attack
            }
            _ => benign,
        };
        text.push_str(line);
        text.push('\n');
    }
    assert!(text.len() > 3 * 256 * 1024, "several chunks");
    let dir = tempfile::tempdir().unwrap();
    let plain = write(dir.path(), "a.log", &text);
    let gz = dir.path().join("a.log.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(text.as_bytes()).unwrap();
    std::fs::write(&gz, enc.finish().unwrap()).unwrap();
    for p in [&plain, &gz] {
        for threads in ["1", "2"] {
            let out = lbtop(&["scan", "--threads", threads, p.to_str().unwrap()]);
            let evs = events(&out);
            let mut got: Vec<u64> = evs
                .iter()
                .filter(|e| e["kind"] == "security" && e["category"] == "sqli")
                .map(|e| e["line"].as_u64().unwrap())
                .collect();
            got.sort_unstable();
            assert_eq!(got, want, "{} --threads {threads}", p.display());
            assert_eq!(summary(&evs)["lines"], 2000);
        }
    }
    let out = lbtop_stdin(&["scan", "-"], text.as_bytes());
    let got: Vec<u64> = events(&out)
        .iter()
        .filter(|e| e["kind"] == "security" && e["category"] == "sqli")
        .map(|e| e["line"].as_u64().unwrap())
        .collect();
    assert_eq!(got, want, "stdin");
}

/// A broken rules file is reported even with the security rules off: the mistake shows now,
/// not on the day they are turned on.
#[test]
fn a_broken_rules_file_fails_even_with_security_off() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "a.log", ALB);
    let rules = write(dir.path(), "rules.toml", "[[rule]]\nid = \"x\"\n");
    for detect in ["all", "none"] {
        let out = lbtop(&[
            "scan",
            "--detect",
            detect,
            "--rules",
            rules.to_str().unwrap(),
            p.to_str().unwrap(),
        ]);
        assert!(!out.status.success(), "--detect {detect}");
        assert!(stderr(&out).contains("rules.toml"), "{}", stderr(&out));
    }
    let out = lbtop(&["scan", "--detect", "none", p.to_str().unwrap()]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    assert_eq!(summary(&events(&out))["parsed"], 3);
}
