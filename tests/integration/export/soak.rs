//! Steady memory for a `scan --follow` that runs for days: many distinct clients, the file
//! rotated several times. Prints the resident set after each round; asserts only a generous
//! bound (no timing assertions).

use super::service::{until, wait_exit};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// Rotations (and files) followed; `LBTOP_SOAK_ROUNDS` runs a longer soak by hand.
fn rounds() -> u32 {
    std::env::var("LBTOP_SOAK_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(6)
        .max(3)
}
const LINES: u32 = 40_000;

fn proc_field(pid: u32, file: &str, key: &str) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/{file}")).ok()?;
    let l = s.lines().find(|l| l.starts_with(key))?;
    l.split_whitespace().nth(1)?.parse().ok()
}

/// CPU ticks used so far (utime + stime).
fn cpu_ticks(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the `(comm)`: state is 3rd overall; utime, stime are 14th, 15th.
    let rest = &s[s.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

/// Caught up: the process has (nearly) stopped using CPU.
fn wait_idle(pid: u32) {
    let mut last = cpu_ticks(pid).unwrap_or(0);
    let mut quiet = 0;
    until("lbtop to catch up", Duration::from_secs(120), || {
        std::thread::sleep(Duration::from_millis(400));
        let now = cpu_ticks(pid).unwrap_or(0);
        quiet = if now.saturating_sub(last) <= 2 {
            quiet + 1
        } else {
            0
        };
        last = now;
        quiet >= 3
    });
}

fn write_round(path: &Path, round: u32) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for i in 0..LINES {
        let k = round * LINES + i;
        // One new client per line: 240k distinct clients over the default run.
        let ip = format!("10.{}.{}.{}", (k >> 16) & 255, (k >> 8) & 255, k & 255);
        let t = u64::from(k) / 80; // log seconds since midnight
        writeln!(
            f,
            "{ip} - - [22/Nov/2026:{:02}:{:02}:{:02} +0000] \"GET /item/{} HTTP/1.1\" 200 {} \"-\" \"agent-{}\"",
            (t / 3600) % 24,
            (t / 60) % 60,
            t % 60,
            k % 5000,
            k % 9000,
            k % 300
        )
        .unwrap();
    }
}

#[test]
fn follow_memory_stays_flat_across_rotations_and_clients() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("access.log");
    write_round(&log, 0);
    let events = dir.path().join("events.jsonl");
    let mut child = crate::util::command()
        .args(["scan", "--follow", "--events-file"])
        .arg(&events)
        .arg(&log)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut rss = Vec::new();
    let rounds = rounds();
    for round in 0..rounds {
        if round > 0 {
            // logrotate's default: rename, then a new file appears.
            std::fs::rename(&log, dir.path().join("access.log.1")).unwrap();
            write_round(&log, round);
        }
        wait_idle(pid);
        rss.push(proc_field(pid, "status", "VmRSS:").expect("VmRSS") / 1024);
    }
    let hwm = proc_field(pid, "status", "VmHWM:").unwrap_or(0) / 1024;
    let _ = Command::new("kill").arg(pid.to_string()).status();
    let st = wait_exit(&mut child, Duration::from_secs(10));
    eprintln!(
        "soak: {rounds} rounds × {LINES} lines, one new client per line; RSS MiB per round {rss:?}, peak {hwm} MiB"
    );
    assert!(st.success(), "{st:?}");
    // Every rotated file was really read to the end.
    let text = std::fs::read_to_string(&events).unwrap();
    let summary: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    assert_eq!(summary["kind"], "summary");
    assert_eq!(summary["parsed"], u64::from(rounds * LINES));
    // After the first round has warmed the windows and sketches up, memory must not keep
    // growing with the number of clients seen: the last round within 1.5× + 16 MiB of it.
    let (base, last) = (rss[1], rss[rounds as usize - 1]);
    assert!(
        last <= base + base / 2 + 16,
        "RSS grew from {base} MiB to {last} MiB: {rss:?}"
    );
}
