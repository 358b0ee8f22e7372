//! Alert hooks and Prometheus metrics, end to end: the real binary posting to real HTTP
//! servers started here on 127.0.0.1 (one that answers, one that fails then recovers, one
//! that hangs), running a real shell command, and serving `/metrics` to a real scrape
//! (checked by `promtool` when installed).

use crate::util::{events, lbtop, stderr, summary, write};
use serde_json::Value;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One recorded request: method, path, body.
type Seen = Arc<Mutex<Vec<(String, String, String)>>>;

/// How the test server answers the n-th request (0-based): a status, or never.
#[derive(Clone, Copy)]
enum Answer {
    Status(u16),
    Hang,
}

/// A real HTTP server on 127.0.0.1:0 recording every request.
fn server(answer: fn(usize) -> Answer) -> (SocketAddr, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let seen: Seen = Arc::default();
    let rec = seen.clone();
    std::thread::spawn(move || {
        // Hung connections stay open (never answered) until the test process ends.
        let mut hung = Vec::new();
        for (n, conn) in listener.incoming().enumerate() {
            let Ok(mut s) = conn else { continue };
            let Some((method, path, body)) = read_request(&mut s) else {
                continue;
            };
            rec.lock().unwrap().push((method, path, body));
            match answer(n) {
                Answer::Status(code) => {
                    let _ = write!(
                        s,
                        "HTTP/1.1 {code} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    );
                }
                Answer::Hang => hung.push(s),
            }
        }
    });
    (addr, seen)
}

fn read_request(s: &mut TcpStream) -> Option<(String, String, String)> {
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let mut r = BufReader::new(s.try_clone().ok()?);
    let mut line = String::new();
    r.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next()?.to_string(), parts.next()?.to_string());
    let mut len = 0usize;
    loop {
        let mut h = String::new();
        if r.read_line(&mut h).ok()? == 0 {
            break;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                len = v.trim().parse().ok()?;
            }
        }
    }
    let mut body = vec![0; len];
    r.read_exact(&mut body).ok()?;
    Some((method, path, String::from_utf8(body).ok()?))
}

/// A simulated ALB log with incidents (several anomaly episodes, attacks, abusive clients).
fn incident_log(dir: &std::path::Path) -> std::path::PathBuf {
    let out = lbtop(&["sim", "--scenario", "demo", "--seed", "1", "--rps", "5"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let p = dir.join("incident.log");
    std::fs::write(&p, &out.stdout).unwrap();
    p
}

/// One line with a high-severity SQL injection, one clean line: exactly one alert.
fn one_hit_log(dir: &std::path::Path) -> std::path::PathBuf {
    write(
        dir,
        "hit.log",
        "203.0.113.9 - - [02/Nov/2026:14:00:00 +0000] \"GET /item?id=1%20UNION%20SELECT%20password%20FROM%20users HTTP/1.1\" 200 512 \"-\" \"curl/8.0\"\n\
         198.51.100.2 - - [02/Nov/2026:14:00:01 +0000] \"GET / HTTP/1.1\" 200 512 \"-\" \"Mozilla/5.0\"\n",
    )
}

fn bodies(seen: &Seen) -> Vec<Value> {
    seen.lock()
        .unwrap()
        .iter()
        .map(|(_, _, b)| serde_json::from_str(b).unwrap_or_else(|e| panic!("{e}: {b}")))
        .collect()
}

#[test]
fn one_webhook_post_per_anomaly_episode_in_each_payload_shape() {
    let dir = tempfile::tempdir().unwrap();
    let log = incident_log(dir.path());
    let log = log.to_str().unwrap();
    for format in ["json", "slack", "discord"] {
        let (addr, seen) = server(|_| Answer::Status(200));
        let url = format!("http://{addr}/hook/{format}");
        let out = lbtop(&[
            "scan",
            "--alert-webhook",
            &url,
            "--alert-format",
            format,
            "--alert-on",
            "anomaly",
            // Long enough that no episode gets an update: only the opening alerts.
            "--alert-interval",
            "86400",
            log,
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        let evs = events(&out);
        let episodes: BTreeSet<u64> = evs
            .iter()
            .filter(|e| e["kind"] == "anomaly")
            .map(|e| e["episode"].as_u64().unwrap())
            .collect();
        assert!(
            episodes.len() >= 3,
            "the sim log has incidents: {episodes:?}"
        );
        let posts = bodies(&seen);
        assert_eq!(
            posts.len(),
            episodes.len(),
            "{format}: one POST per episode"
        );
        for (m, path, _) in seen.lock().unwrap().iter() {
            assert_eq!(
                (m.as_str(), path.as_str()),
                ("POST", url[url.find("/hook").unwrap()..].as_ref())
            );
        }
        let s = summary(&evs);
        assert_eq!(s["alerts"]["sent"], episodes.len() as u64, "{s}");
        assert_eq!(s["alerts"]["failed"], 0);
        assert_eq!(s["alerts"]["dropped"], 0);
        match format {
            "json" => {
                let got: BTreeSet<u64> = posts
                    .iter()
                    .map(|p| {
                        assert_eq!(p["source"], "lbtop");
                        assert_eq!(p["alert"], "new");
                        assert_eq!(p["event"]["kind"], "anomaly");
                        assert!(p["event"]["score"].as_f64().unwrap() > 0.0);
                        assert!(p["text"].as_str().unwrap().contains("anomaly"));
                        p["event"]["episode"].as_u64().unwrap()
                    })
                    .collect();
                assert_eq!(got, episodes, "each episode alerted exactly once");
            }
            "slack" => {
                for p in &posts {
                    assert!(p["text"].as_str().unwrap().starts_with("lbtop: anomaly"));
                    assert_eq!(p["blocks"][0]["type"], "section");
                    assert_eq!(p["blocks"][0]["text"]["type"], "mrkdwn");
                }
            }
            _ => {
                for p in &posts {
                    let c = p["content"].as_str().unwrap();
                    assert!(c.starts_with("lbtop: anomaly") && c.chars().count() <= 2000);
                    assert_eq!(p["allowed_mentions"]["parse"], serde_json::json!([]));
                }
            }
        }
    }
}

#[test]
fn server_errors_are_retried_until_delivered() {
    let dir = tempfile::tempdir().unwrap();
    let log = one_hit_log(dir.path());
    let (addr, seen) = server(|n| Answer::Status(if n < 2 { 500 } else { 200 }));
    let url = format!("http://{addr}/retry");
    let out = lbtop(&["scan", "--alert-webhook", &url, log.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let posts = bodies(&seen);
    assert_eq!(posts.len(), 3, "two 500s then a 200");
    assert!(
        posts.iter().all(|p| p == &posts[0]),
        "the same alert each time"
    );
    assert_eq!(posts[0]["event"]["category"], "sqli");
    assert_eq!(posts[0]["event"]["client_ip"], "203.0.113.9");
    let evs = events(&out);
    let s = summary(&evs);
    assert_eq!(
        s["alerts"],
        serde_json::json!({"sent": 1, "failed": 0, "dropped": 0})
    );
    assert!(stderr(&out).contains("alerts: 1 sent, 0 failed, 0 dropped"));
}

#[test]
fn client_errors_are_not_retried() {
    let dir = tempfile::tempdir().unwrap();
    let log = one_hit_log(dir.path());
    let (addr, seen) = server(|_| Answer::Status(404));
    let url = format!("http://{addr}/gone");
    let out = lbtop(&["scan", "--alert-webhook", &url, log.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(seen.lock().unwrap().len(), 1, "a 404 is final");
    let evs = events(&out);
    assert_eq!(summary(&evs)["alerts"]["failed"], 1);
}

#[test]
fn a_hanging_webhook_does_not_hold_up_the_scan() {
    let dir = tempfile::tempdir().unwrap();
    let log = incident_log(dir.path());
    let (addr, seen) = server(|_| Answer::Hang);
    let url = format!("http://{addr}/hang");
    let started = Instant::now();
    let child = crate::util::command()
        .args(["scan", "--alert-webhook", &url, log.to_str().unwrap()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "took {:?}",
        started.elapsed()
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let evs = events(&out);
    let s = summary(&evs);
    // Every event was printed: the summary's counts match the lines written.
    for kind in ["anomaly", "client", "security"] {
        let printed = evs.iter().filter(|e| e["kind"] == kind).count() as u64;
        assert_eq!(s["events"][kind], printed, "{kind}");
        assert!(printed > 0, "{kind}");
    }
    assert!(!seen.lock().unwrap().is_empty(), "the server was reached");
    assert_eq!(s["alerts"]["sent"], 0, "{s}");
    let failed = s["alerts"]["failed"].as_u64().unwrap();
    let dropped = s["alerts"]["dropped"].as_u64().unwrap();
    assert!(failed >= 1, "{s}");
    assert!(failed + dropped >= 20, "every alert is accounted for: {s}");
}

#[test]
fn alert_exec_gets_the_alert_as_json_on_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let log = one_hit_log(dir.path());
    let target = dir.path().join("alerts.jsonl");
    let cmd = format!("cat >> '{}'", target.display());
    let out = lbtop(&["scan", "--alert-exec", &cmd, log.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(&target).expect("the command ran");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1, "{text}");
    let v: Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(v["alert"], "new");
    assert_eq!(v["count"], 1);
    assert_eq!(v["event"]["kind"], "security");
    assert_eq!(v["event"]["rule"], "sqli-union-select");
    assert_eq!(v["event"]["line"], 1);
    let evs = events(&out);
    assert_eq!(summary(&evs)["alerts"]["sent"], 1);
    // A failing command counts as failed.
    let out = lbtop(&["scan", "--alert-exec", "exit 7", log.to_str().unwrap()]);
    let evs = events(&out);
    assert_eq!(
        summary(&evs)["alerts"],
        serde_json::json!({"sent": 0, "failed": 1, "dropped": 0})
    );
}

fn http_get(addr: &str, req: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(req.as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

/// Sum of a family's samples (any labels), and the single value of an unlabelled one.
fn series_sum(text: &str, name: &str) -> f64 {
    text.lines()
        .filter(|l| {
            l.strip_prefix(name)
                .is_some_and(|r| r.starts_with('{') || r.starts_with(' '))
        })
        .map(|l| l.rsplit(' ').next().unwrap().parse::<f64>().unwrap())
        .sum()
}

#[test]
fn metrics_endpoint_serves_the_exposition_format() {
    let dir = tempfile::tempdir().unwrap();
    let full = std::fs::read_to_string(incident_log(dir.path())).unwrap();
    let lines: Vec<&str> = full.lines().take(3000).collect();
    let log = write(dir.path(), "follow.log", &(lines.join("\n") + "\n"));
    let mut child = crate::util::command()
        .args([
            "scan",
            "--follow",
            "--window",
            "1",
            "--metrics-listen",
            "127.0.0.1:0",
            log.to_str().unwrap(),
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut first = String::new();
    err.read_line(&mut first).unwrap();
    let addr = first
        .trim()
        .strip_prefix("lbtop: metrics on http://")
        .and_then(|r| r.strip_suffix("/metrics"))
        .unwrap_or_else(|| panic!("no metrics address in {first:?}"))
        .to_string();
    // Windows close once log time (advanced by idle wall time) passes them.
    let deadline = Instant::now() + Duration::from_secs(60);
    let body = loop {
        let resp = http_get(&addr, "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n");
        let (head, body) = resp.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        assert!(
            head.contains("Content-Type: text/plain; version=0.0.4"),
            "{head}"
        );
        if series_sum(body, "lbtop_requests_total") == 3000.0 || Instant::now() > deadline {
            break body.to_string();
        }
        std::thread::sleep(Duration::from_millis(300));
    };
    let nf = http_get(&addr, "GET /nope HTTP/1.1\r\n\r\n");
    let na = http_get(&addr, "DELETE /metrics HTTP/1.1\r\n\r\n");
    let _ = child.kill();
    let _ = child.wait();
    assert!(nf.starts_with("HTTP/1.1 404"), "{nf}");
    assert!(na.starts_with("HTTP/1.1 405"), "{na}");

    assert_eq!(series_sum(&body, "lbtop_requests_total"), 3000.0, "{body}");
    assert_eq!(series_sum(&body, "lbtop_lines_parsed_total"), 3000.0);
    assert_eq!(series_sum(&body, "lbtop_lines_total"), 3000.0);
    // Per target the requests add up to those with a backend.
    let backends = lines
        .iter()
        .filter(|l| l.split(' ').nth(4).is_some_and(|b| b != "-"))
        .count() as f64;
    assert_eq!(series_sum(&body, "lbtop_target_requests_total"), backends);
    // The histogram is cumulative and its count is the +Inf bucket.
    let buckets: Vec<f64> = body
        .lines()
        .filter(|l| l.starts_with("lbtop_request_duration_seconds_bucket{"))
        .map(|l| l.rsplit(' ').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(buckets.len(), 13);
    assert!(buckets.windows(2).all(|w| w[0] <= w[1]), "{buckets:?}");
    let count = series_sum(&body, "lbtop_request_duration_seconds_count");
    assert_eq!(buckets.last().copied(), Some(count));
    assert!(count > 2900.0 && count <= 3000.0, "{count}");
    // Every family has HELP and TYPE, every sample line belongs to a typed family.
    let typed: BTreeSet<&str> = body
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    assert!(typed.len() >= 15, "{typed:?}");
    for l in body.lines().filter(|l| !l.starts_with('#')) {
        let name = l.split(['{', ' ']).next().unwrap();
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| name.strip_suffix(s).filter(|f| typed.contains(f)))
            .unwrap_or(name);
        assert!(typed.contains(family), "untyped sample {l}");
    }

    // The real peer: Prometheus's own checker.
    if !crate::util::peer("promtool", &["--version"]) {
        return;
    }
    let mut p = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    p.stdin.take().unwrap().write_all(body.as_bytes()).unwrap();
    let res = p.wait_with_output().unwrap();
    assert!(
        res.status.success(),
        "promtool: {}{}",
        String::from_utf8_lossy(&res.stdout),
        String::from_utf8_lossy(&res.stderr)
    );
    assert!(
        res.stdout.is_empty() && res.stderr.is_empty(),
        "promtool lint findings: {}{}",
        String::from_utf8_lossy(&res.stdout),
        String::from_utf8_lossy(&res.stderr)
    );
}

#[test]
fn bad_hook_options_fail_clearly_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let log = one_hit_log(dir.path());
    let log = log.to_str().unwrap();
    let out = lbtop(&["scan", "--alert-webhook", "ftp://example.com/x", log]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--alert-webhook ftp://example.com/x: not an http(s) URL"));
    assert!(out.stdout.is_empty(), "nothing was read");
    let out = lbtop(&["scan", "--metrics-listen", "not-an-address", log]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--metrics-listen not-an-address:"),
        "{}",
        stderr(&out)
    );
    // Taken already: a port this test holds.
    let held = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = held.local_addr().unwrap().to_string();
    let out = lbtop(&["scan", "--metrics-listen", &addr, log]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}
