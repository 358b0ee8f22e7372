//! `scan --follow` as a service: SIGTERM ends it cleanly with the summary written, SIGHUP
//! reopens --events-file after a logrotate-style rename.

use super::attack_log;
use crate::util::bin;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

fn kill(child: &Child, sig: &str) {
    let ok = Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(child.id().to_string())
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -{sig} failed");
}

pub fn wait_exit(child: &mut Child, within: Duration) -> ExitStatus {
    let end = Instant::now() + within;
    loop {
        if let Some(st) = child.try_wait().unwrap() {
            return st;
        }
        if Instant::now() > end {
            let _ = child.kill();
            panic!("lbtop did not exit within {within:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits (bounded) until `f` holds.
pub fn until(what: &str, within: Duration, mut f: impl FnMut() -> bool) {
    let end = Instant::now() + within;
    while !f() {
        assert!(Instant::now() < end, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn json_lines(p: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(p)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

fn count(evs: &[serde_json::Value], kind: &str) -> usize {
    evs.iter().filter(|e| e["kind"] == kind).count()
}

#[test]
fn sigterm_in_follow_writes_the_summary_and_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let log = attack_log(dir.path());
    let mut child = crate::util::command()
        .args(["scan", "--follow"])
        .arg(&log)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        for l in BufReader::new(stdout).lines() {
            let l = l.unwrap();
            let _ = tx.send(l.clone());
        }
    });
    let first = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("first event");
    assert!(first.contains("\"kind\":\"security\""), "{first}");
    kill(&child, "TERM");
    let st = wait_exit(&mut child, Duration::from_secs(10));
    reader.join().unwrap();
    let mut lines = vec![first];
    lines.extend(rx.try_iter());
    assert!(st.success(), "exit status {st:?}");
    let last: serde_json::Value = serde_json::from_str(lines.last().unwrap()).unwrap();
    assert_eq!(last["kind"], "summary", "{lines:?}");
    assert_eq!(last["parsed"], 206);
    assert_eq!(last["events"]["security"], 7);
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.contains("\"kind\":\"security\""))
            .count(),
        7
    );
}

#[test]
fn sighup_reopens_the_events_file() {
    let dir = tempfile::tempdir().unwrap();
    let log = attack_log(dir.path());
    let ev = dir.path().join("events.jsonl");
    let rotated = dir.path().join("events.jsonl.1");
    let mut child = crate::util::command()
        .args(["scan", "--follow", "--fail-on", "security", "--events-file"])
        .arg(&ev)
        .arg(&log)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    until("7 security events", Duration::from_secs(20), || {
        count(&json_lines(&ev), "security") == 7
    });
    std::fs::rename(&ev, &rotated).unwrap();
    kill(&child, "HUP");
    until("the reopened events file", Duration::from_secs(10), || {
        ev.exists()
    });
    let mut more = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
    std::io::Write::write_all(
        &mut more,
        b"192.0.2.77 - - [22/Nov/2026:04:04:00 +0000] \"GET /.env HTTP/1.1\" 404 0 \"-\" \"x\"\n",
    )
    .unwrap();
    until(
        "the new event in the new file",
        Duration::from_secs(20),
        || count(&json_lines(&ev), "security") == 1,
    );
    kill(&child, "TERM");
    let st = wait_exit(&mut child, Duration::from_secs(10));
    // --fail-on works with --follow: security events were found.
    assert_eq!(st.code(), Some(1));
    let old = json_lines(&rotated);
    assert_eq!(count(&old, "security"), 7);
    assert_eq!(count(&old, "summary"), 0);
    let new = json_lines(&ev);
    assert_eq!(new[0]["client_ip"], "192.0.2.77");
    let last = new.last().unwrap();
    assert_eq!(last["kind"], "summary");
    assert_eq!(last["events"]["security"], 8);
    let mut out = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut out).unwrap();
    assert!(
        out.is_empty(),
        "stdout stays empty with --events-file: {out}"
    );
}

#[test]
fn sigint_ends_follow_on_an_open_stdin() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let log = std::fs::read(attack_log(dir.path())).unwrap();
    let mut child = crate::util::command()
        .args(["scan", "--follow", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // stdin stays open (a blocked read cannot be interrupted): the signal must still end it.
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(&log).unwrap();
    stdin.flush().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for l in BufReader::new(stdout).lines() {
            let _ = tx.send(l.unwrap());
        }
    });
    let first = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("first event");
    assert!(first.contains("\"kind\":\"security\""), "{first}");
    // Ctrl-C (SIGINT) stops as cleanly as SIGTERM.
    kill(&child, "INT");
    let st = wait_exit(&mut child, Duration::from_secs(10));
    assert!(st.success(), "{st:?}");
    let last = rx.recv_timeout(Duration::from_secs(5)).map(|l| {
        let mut last = l;
        for l in rx.try_iter() {
            last = l;
        }
        last
    });
    let last: serde_json::Value = serde_json::from_str(&last.unwrap()).unwrap();
    assert_eq!(last["kind"], "summary");
    assert_eq!(last["events"]["security"], 7);
    drop(stdin);
}

#[test]
fn follow_rewrites_the_block_list_while_running() {
    let dir = tempfile::tempdir().unwrap();
    let log = attack_log(dir.path());
    let list = dir.path().join("deny.conf");
    let denies = || {
        std::fs::read_to_string(&list)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.starts_with("deny "))
            .count()
    };
    let mut child = crate::util::command()
        .args([
            "scan",
            "--follow",
            "--blocklist-interval",
            "1",
            "--export-blocklist",
        ])
        .arg(format!("nginx={}", list.display()))
        .arg(&log)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    until("the first list", Duration::from_secs(20), || denies() == 4);
    let mut more = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
    std::io::Write::write_all(
        &mut more,
        b"192.0.2.77 - - [22/Nov/2026:04:04:00 +0000] \"GET /.env HTTP/1.1\" 404 0 \"-\" \"x\"\n",
    )
    .unwrap();
    until("the rewritten list", Duration::from_secs(20), || {
        denies() == 5
    });
    assert!(child.try_wait().unwrap().is_none(), "still running");
    kill(&child, "TERM");
    assert!(wait_exit(&mut child, Duration::from_secs(10)).success());
    assert!(
        std::fs::read_to_string(&list)
            .unwrap()
            .contains("deny 192.0.2.77;")
    );
}

/// The TUI's export key in the real binary, in tmux: `B` writes ./lbtop-blocklist.conf and
/// the footer says so.
#[test]
fn tui_export_key_writes_the_list_in_the_current_directory() {
    if !crate::util::peer("tmux", &["-V"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let log = attack_log(dir.path());
    let socket = format!("lbtop-export-{}", std::process::id());
    let tmux = |args: &[&str]| {
        let out = Command::new("tmux")
            .args(["-L", &socket])
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let cmd = format!(
        "cd '{}' && '{}' '{}'; sleep 60",
        dir.path().display(),
        bin(),
        log.display()
    );
    tmux(&[
        "-f",
        "/dev/null",
        "new-session",
        "-d",
        "-s",
        "t",
        "-x",
        "120",
        "-y",
        "40",
    ]);
    tmux(&[
        "send-keys",
        "-t",
        "t",
        &format!("env TERM=xterm-256color sh -c \"{cmd}\""),
        "Enter",
    ]);
    let screen = || tmux(&["capture-pane", "-p", "-t", "t"]);
    let result = std::panic::catch_unwind(|| {
        until(
            "the security hits on screen",
            Duration::from_secs(20),
            || screen().contains("198.51.100.7"),
        );
        tmux(&["send-keys", "-t", "t", "B"]);
        until("the footer's status", Duration::from_secs(10), || {
            screen().contains("4 flagged clients written to ./lbtop-blocklist.conf")
        });
        let text = std::fs::read_to_string(dir.path().join("lbtop-blocklist.conf")).unwrap();
        let denies: Vec<&str> = text.lines().filter(|l| l.starts_with("deny ")).collect();
        assert_eq!(denies.len(), 4, "{text}");
        assert!(text.contains("deny 2001:db8::5;"), "{text}");
        tmux(&["send-keys", "-t", "t", "q"]);
    });
    let _ = Command::new("tmux")
        .args(["-L", &socket, "kill-server"])
        .status();
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}
