//! Block lists checked by their real consumers (nginx -t, fail2ban-regex, the WAF shape),
//! --fail-on exit codes, --events-file, clean SIGTERM in --follow, completions in a real bash,
//! the man page through groff. Peer programs skip (and say so) when missing unless
//! LBTOP_REQUIRE_PEERS=1.

mod service;
mod soak;

use crate::util::{events, lbtop, peer, stderr, summary};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn line(ip: &str, path: &str, sec: u32, status: u16) -> String {
    format!(
        "{ip} - - [22/Nov/2026:04:{:02}:{:02} +0000] \"GET {path} HTTP/1.1\" {status} 512 \"-\" \"Mozilla/5.0\"\n",
        sec / 60,
        sec % 60
    )
}

/// Quiet traffic, then attack requests from four addresses (one IPv6, one private) and one
/// client logged as a hostname, which must never reach a block list.
pub fn attack_log(dir: &Path) -> PathBuf {
    let mut s = String::new();
    for i in 0..200 {
        s += &line(
            &format!("198.18.0.{}", i % 50),
            &format!("/page/{}", i % 7),
            i,
            200,
        );
    }
    let attacks = [
        (
            "203.0.113.9",
            "/search?q=1%20UNION%20SELECT%20password%20FROM%20users",
        ),
        ("198.51.100.7", "/../../../../etc/passwd"),
        ("2001:db8::5", "/?q=<script>alert(1)</script>"),
        ("10.0.0.8", "/.env"),
        ("evil.example", "/.git/config"),
        ("203.0.113.9", "/.env"),
    ];
    for (j, (ip, p)) in attacks.iter().enumerate() {
        s += &line(ip, p, 200 + j as u32, 404);
    }
    crate::util::write(dir, "attack.log", &s)
}

const ATTACKERS: [&str; 4] = ["10.0.0.8", "198.51.100.7", "2001:db8::5", "203.0.113.9"];

fn scan_ok(args: &[&str]) -> std::process::Output {
    let out = lbtop(args);
    assert!(
        out.status.success(),
        "lbtop {args:?} failed: {}",
        stderr(&out)
    );
    out
}

#[test]
fn nginx_include_passes_nginx_t() {
    let dir = tempfile::tempdir().unwrap();
    let log = attack_log(dir.path());
    let list = dir.path().join("deny.conf");
    let out = scan_ok(&[
        "scan",
        log.to_str().unwrap(),
        "--export-blocklist",
        &format!("nginx={}", list.display()),
    ]);
    // Events still on stdout, untouched by the export.
    let evs = events(&out);
    assert_eq!(summary(&evs)["events"]["security"], 7);
    let text = std::fs::read_to_string(&list).unwrap();
    let denied: BTreeSet<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("deny "))
        .filter_map(|l| l.split(';').next())
        .collect();
    assert_eq!(denied, ATTACKERS.into_iter().collect());
    assert!(!text.contains("evil.example"));
    let err = stderr(&out);
    assert!(err.contains("4 addresses written to"), "{err}");
    assert!(err.contains("1 addresses are private"), "{err}");
    assert!(err.contains("not an IP address"), "{err}");

    // Debian puts nginx in /usr/sbin, which a non-root PATH may lack.
    let nginx = if Path::new("/usr/sbin/nginx").exists() {
        "/usr/sbin/nginx"
    } else {
        "nginx"
    };
    if !peer(nginx, &["-v"]) {
        return;
    }
    let d = dir.path().display();
    let conf = crate::util::write(
        dir.path(),
        "nginx.conf",
        &format!(
            "pid {d}/nginx.pid;\nerror_log {d}/error.log;\nevents {{}}\nhttp {{\n  access_log off;\n  \
             server {{\n    listen 127.0.0.1:18080;\n    include {};\n  }}\n}}\n",
            list.display()
        ),
    );
    let t = Command::new(nginx)
        .args(["-t", "-c"])
        .arg(&conf)
        .arg("-p")
        .arg(dir.path())
        .arg("-e")
        .arg(dir.path().join("error.log"))
        .output()
        .unwrap();
    assert!(
        t.status.success(),
        "nginx -t rejected the include: {}",
        String::from_utf8_lossy(&t.stderr)
    );
    // The check can fail: a broken rule in the same include is rejected.
    std::fs::write(&list, format!("{text}deny 203.0.113.9/33;\n")).unwrap();
    let bad = Command::new(nginx)
        .args(["-t", "-c"])
        .arg(&conf)
        .arg("-p")
        .arg(dir.path())
        .arg("-e")
        .arg(dir.path().join("error.log"))
        .output()
        .unwrap();
    assert!(!bad.status.success());
}

#[test]
fn fail2ban_filter_matches_every_exported_address() {
    let dir = tempfile::tempdir().unwrap();
    let log = attack_log(dir.path());
    let list = dir.path().join("f2b.log");
    scan_ok(&[
        "scan",
        log.to_str().unwrap(),
        "--export-blocklist",
        "fail2ban",
        "--blocklist-out",
        list.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&list).unwrap();
    assert_eq!(text.lines().count(), ATTACKERS.len());
    assert!(
        text.lines()
            .any(|l| l.starts_with("2026-11-22 04:03:25 lbtop[")
                && l.ends_with("]: flagged 203.0.113.9 sqli, sensitive_file")),
        "{text}"
    );
    if !peer("fail2ban-regex", &["--version"]) {
        return;
    }
    let filter = crate::util::repo().join("contrib/fail2ban/filter.d/lbtop.conf");
    let out = Command::new("fail2ban-regex")
        .arg(&list)
        .arg(&filter)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{report}");
    let expected = format!(
        "Lines: {n} lines, 0 ignored, {n} matched, 0 missed",
        n = ATTACKERS.len()
    );
    assert!(report.contains(&expected), "{report}");

    // The shipped jail loads in fail2ban's own configuration test, next to the system's
    // defaults (the stock jails left out: their logs are not here).
    let etc = Path::new("/etc/fail2ban");
    if !etc.join("jail.conf").exists() {
        eprintln!("skipped: /etc/fail2ban not present for the jail test");
        return;
    }
    let conf = dir.path().join("fail2ban");
    let cp = Command::new("cp")
        .arg("-r")
        .arg(etc)
        .arg(&conf)
        .status()
        .unwrap();
    assert!(cp.success());
    for e in std::fs::read_dir(conf.join("jail.d")).unwrap() {
        std::fs::remove_file(e.unwrap().path()).unwrap();
    }
    let contrib = crate::util::repo().join("contrib/fail2ban");
    std::fs::copy(&filter, conf.join("filter.d/lbtop.conf")).unwrap();
    let jail = std::fs::read_to_string(contrib.join("jail.d/lbtop.conf")).unwrap();
    let jail = jail.replace("/var/lib/lbtop/lbtop-blocklist.log", list.to_str().unwrap());
    std::fs::write(conf.join("jail.d/lbtop.conf"), jail).unwrap();
    let t = Command::new("fail2ban-client")
        .arg("-c")
        .arg(&conf)
        .arg("-t")
        .output()
        .unwrap();
    assert!(
        t.status.success(),
        "fail2ban-client -t: {}{}",
        String::from_utf8_lossy(&t.stdout),
        String::from_utf8_lossy(&t.stderr)
    );
    let dump = Command::new("fail2ban-client")
        .arg("-c")
        .arg(&conf)
        .arg("-d")
        .output()
        .unwrap();
    let dump = String::from_utf8_lossy(&dump.stdout);
    assert!(dump.contains("['add', 'lbtop', 'polling']"), "{dump}");
    assert!(
        dump.contains("['set', 'lbtop', 'logtimezone', 'UTC']"),
        "{dump}"
    );
}

#[test]
fn aws_waf_ip_sets_have_the_create_ip_set_shape() {
    let dir = tempfile::tempdir().unwrap();
    let log = attack_log(dir.path());
    let list = dir.path().join("waf.json");
    let out = scan_ok(&[
        "scan",
        log.to_str().unwrap(),
        "--export-blocklist",
        &format!("aws-waf={}", list.display()),
        "--blocklist-exclude",
        "10.0.0.0/8",
    ]);
    assert!(stderr(&out).contains("1 events about --blocklist-exclude addresses"));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&list).unwrap()).unwrap();
    let sets = v["IPSets"].as_array().unwrap();
    assert_eq!(sets.len(), 2);
    // CreateIPSet input: Name (\w and -), Scope, IPAddressVersion, Addresses as CIDR.
    for (set, version, addrs) in [
        (&sets[0], "IPV4", vec!["198.51.100.7/32", "203.0.113.9/32"]),
        (&sets[1], "IPV6", vec!["2001:db8::5/128"]),
    ] {
        assert_eq!(set["IPAddressVersion"], version);
        assert_eq!(set["Scope"], "REGIONAL");
        let name = set["Name"].as_str().unwrap();
        assert!(!name.is_empty() && name.len() <= 128);
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        );
        let desc = set["Description"].as_str().unwrap();
        assert!(
            desc.chars()
                .all(|c| c.is_ascii_alphanumeric() || " +=:#@/-,._".contains(c))
        );
        assert_eq!(set["Addresses"], serde_json::json!(addrs));
    }
}

#[test]
fn csv_lists_exactly_the_clients_the_detectors_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let sim = crate::util::command()
        .args([
            "sim",
            "--scenario",
            "demo",
            "--seed",
            "3",
            "--out-format",
            "combined",
        ])
        .output()
        .unwrap();
    assert!(sim.status.success());
    let log = dir.path().join("demo.log");
    std::fs::write(&log, &sim.stdout).unwrap();
    let csv = dir.path().join("flagged.csv");
    let out = scan_ok(&[
        "scan",
        log.to_str().unwrap(),
        "--export-blocklist",
        &format!("csv={}", csv.display()),
        "--blocklist-from",
        "client",
    ]);
    let flagged: BTreeSet<String> = events(&out)
        .iter()
        .filter(|e| e["kind"] == "client")
        .filter_map(|e| e["client_ip"].as_str())
        .filter(|ip| ip.parse::<std::net::IpAddr>().is_ok())
        .map(str::to_string)
        .collect();
    assert!(flagged.len() >= 3, "the demo flags clients: {flagged:?}");
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut rows = text.split("\r\n");
    assert_eq!(
        rows.next(),
        Some("ip,first_seen,last_seen,behaviours,categories,events,summary")
    );
    let listed: BTreeSet<String> = rows
        .filter(|r| !r.is_empty())
        .map(|r| {
            let cols: Vec<&str> = r.splitn(7, ',').collect();
            assert_eq!(cols[4], "", "--blocklist-from client: no categories: {r}");
            assert!(!cols[3].is_empty(), "a behaviour per row: {r}");
            cols[0].to_string()
        })
        .collect();
    assert_eq!(listed, flagged);
}

#[test]
fn blocklist_option_errors() {
    let dir = tempfile::tempdir().unwrap();
    let log = attack_log(dir.path());
    let l = log.to_str().unwrap();
    // Events own stdout: a list there would corrupt them.
    let out = lbtop(&["scan", l, "--export-blocklist", "nginx=-"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("stdout carries the events"));
    assert!(out.stdout.is_empty());
    let out = lbtop(&["scan", l, "--export-blocklist", "iptables"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("known: nginx, aws-waf, fail2ban, csv"));
    let out = lbtop(&["scan", l, "--blocklist-exclude", "10.0.0.0/40"]);
    assert_eq!(out.status.code(), Some(2));
    // With the events in a file, `-` puts the list on stdout.
    let ev = dir.path().join("ev.jsonl");
    let out = scan_ok(&[
        "scan",
        l,
        "--events-file",
        ev.to_str().unwrap(),
        "--export-blocklist",
        "nginx=-",
        "--blocklist-cap",
        "2",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.lines().filter(|l| l.starts_with("deny ")).count(), 2);
    assert!(stderr(&out).contains("full at 2 addresses"));
}

#[test]
fn fail_on_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let log = attack_log(dir.path());
    let l = log.to_str().unwrap();
    let out = lbtop(&["scan", l, "--fail-on", "anomaly,security"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    // Everything was written first, summary last.
    let evs = events(&out);
    assert_eq!(summary(&evs)["events"]["security"], 7);
    assert!(stderr(&out).contains("--fail-on: found 7 security events"));
    let out = lbtop(&["scan", l, "--fail-on", "client"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(summary(&events(&out))["events"]["client"], 0);
    let out = lbtop(&["scan", "/nonexistent/x.log", "--fail-on", "security"]);
    assert_eq!(out.status.code(), Some(2));
    let out = lbtop(&["scan", l, "--fail-on", "bogus"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn bash_completion_completes_subcommands() {
    let out = lbtop(&["completions", "bash"]);
    assert!(out.status.success());
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("lbtop.bash");
    std::fs::write(&script, &out.stdout).unwrap();
    let drive = |words: &str, cword: usize| {
        let r = Command::new("bash")
            .arg("--norc")
            .arg("-c")
            .arg(format!(
                "source '{}' && complete -p lbtop && COMP_WORDS=({words}) && COMP_CWORD={cword} \
                 && COMP_LINE='{words}' && COMP_POINT=${{#COMP_LINE}} && _lbtop lbtop \
                 \"${{COMP_WORDS[$COMP_CWORD]}}\" \"${{COMP_WORDS[$COMP_CWORD-1]}}\" \
                 && printf '%s\\n' \"${{COMPREPLY[@]}}\"",
                script.display()
            ))
            .output()
            .unwrap();
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
        String::from_utf8_lossy(&r.stdout).into_owned()
    };
    let got = drive("lbtop sc", 1);
    let mut lines = got.lines();
    assert!(lines.next().unwrap().contains("-F _lbtop"), "{got}");
    assert_eq!(lines.collect::<Vec<_>>(), ["scan", "score"]);
    let got = drive("lbtop scan --export-bl", 2);
    assert_eq!(
        got.lines().skip(1).collect::<Vec<_>>(),
        ["--export-blocklist"]
    );
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let out = lbtop(&["completions", shell]);
        assert!(out.status.success(), "{shell}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("fail-on"),
            "{shell}"
        );
    }
}

#[test]
fn man_page_renders() {
    let out = lbtop(&["man"]);
    assert!(out.status.success());
    let roff = String::from_utf8_lossy(&out.stdout);
    assert!(
        roff.starts_with(".ie \\n(.g .ds Aq") || roff.contains(".TH lbtop"),
        "{roff}"
    );
    if !peer("groff", &["--version"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("lbtop.1");
    std::fs::write(&page, &out.stdout).unwrap();
    let r = Command::new("groff")
        // -P-cbou: plain text, no overstrike or colour sequences.
        .args(["-man", "-Tutf8", "-ww", "-P-cbou"])
        .arg(&page)
        .output()
        .unwrap();
    assert!(r.status.success());
    let text = String::from_utf8_lossy(&r.stdout);
    for want in [
        "NAME",
        "SYNOPSIS",
        "lbtop",
        "scan",
        "completions",
        "--theme",
    ] {
        assert!(
            text.contains(want),
            "{want} missing from the rendered page:\n{text}"
        );
    }
    assert!(
        String::from_utf8_lossy(&r.stderr).trim().is_empty(),
        "groff warnings: {}",
        String::from_utf8_lossy(&r.stderr)
    );
    // A subcommand's page carries its own options in full.
    let scan = lbtop(&["man", "scan"]);
    assert!(scan.status.success());
    std::fs::write(&page, &scan.stdout).unwrap();
    let r = Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-P-cbou"])
        .arg(&page)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&r.stdout);
    assert!(text.starts_with("lbtop-scan(1)"), "{text}");
    for want in [
        "--export-blocklist <FORMAT[=PATH]>",
        "--fail-on <KINDS>",
        "--events-file <PATH>",
    ] {
        assert!(text.contains(want), "{want} missing:\n{text}");
    }
    assert_eq!(lbtop(&["man", "nope"]).status.code(), Some(2));
}
