//! The real binary in tmux, as a person uses it: follow a growing and rotated file, open a
//! client, filter, pause, resize, help, quit. Skips (and says so) when tmux is not installed;
//! `.ci/run` installs it.

use crate::util::bin;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
}

impl Tmux {
    /// Start `cmd` in a detached session of the given size; the pane stays after it exits
    /// and prints its exit status.
    fn start(name: &str, cols: u16, rows: u16, cmd: &str) -> Option<Tmux> {
        if !crate::util::peer("tmux", &["-V"]) {
            return None;
        }
        let socket = format!("lbtop-test-{}-{name}", std::process::id());
        let full = format!("{cmd}; echo LBTOP-EXITED $?; sleep 60");
        let ok = Command::new("tmux")
            .args([
                "-L",
                &socket,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-s",
                "t",
            ])
            .args(["-x", &cols.to_string(), "-y", &rows.to_string()])
            .args(["env", "TERM=xterm-256color"])
            .arg(format!(
                "XDG_CONFIG_HOME={}",
                crate::util::empty_config_home().display()
            ))
            .args(["sh", "-c", &full])
            .status()
            .expect("tmux")
            .success();
        assert!(ok, "tmux new-session failed");
        Some(Tmux { socket })
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", "t"])
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "t"];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    /// Wait (bounded) until the screen satisfies `pred`; panics with the screen if not.
    fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {what}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn resize(&self, cols: u16, rows: u16) {
        self.tmux(&[
            "resize-window",
            "-t",
            "t",
            "-x",
            &cols.to_string(),
            "-y",
            &rows.to_string(),
        ]);
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

fn combined_line(i: usize, ip: &str, path: &str, status: u16, ua: &str) -> String {
    // Log time now-ish, so the live view has something current.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let t = now - 60 + i as u64 % 50;
    let (d, s) = (t / 86_400, t % 86_400);
    let (y, m, dd) = lbtop::record::civil_from_days(d as i64);
    const MON: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{ip} - - [{dd:02}/{}/{y}:{:02}:{:02}:{:02} +0000] \"GET {path} HTTP/1.1\" {status} 512 \"-\" \"{ua}\"\n",
        MON[m as usize - 1],
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

fn append(path: &Path, text: &str) {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

fn parsed(screen: &str) -> Option<u64> {
    let i = screen.find(" parsed")?;
    let head = &screen[..i];
    let num: String = head
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_digit() || *c == ',')
        .collect();
    num.chars()
        .rev()
        .filter(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .ok()
}

#[test]
fn follows_a_growing_and_rotated_file() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("access.log");
    let mut text = String::new();
    for i in 0..3 {
        text.push_str(&combined_line(i, "10.0.0.1", "/", 200, "curl/8"));
    }
    std::fs::write(&log, &text).unwrap();
    let Some(t) = Tmux::start("follow", 100, 30, &format!("{} {}", bin(), log.display())) else {
        return;
    };
    t.wait_for("3 parsed lines (backfill)", |s| parsed(s) == Some(3));
    append(
        &log,
        &(combined_line(3, "10.0.0.2", "/a", 200, "curl/8")
            + &combined_line(4, "10.0.0.3", "/b", 404, "curl/8")),
    );
    t.wait_for("5 parsed after appending", |s| parsed(s) == Some(5));
    // Rotate: rename, then a new file with the same name.
    std::fs::rename(&log, dir.path().join("access.log.1")).unwrap();
    let mut text = String::new();
    for i in 5..9 {
        text.push_str(&combined_line(i, "10.0.0.4", "/c", 200, "curl/8"));
    }
    std::fs::write(&log, &text).unwrap();
    let s = t.wait_for("9 parsed after rotation", |s| parsed(s) == Some(9));
    assert!(s.contains("LIVE"), "{s}");
    t.keys(&["q"]);
    t.wait_for("a clean exit", |s| s.contains("LBTOP-EXITED 0"));
}

#[test]
fn keys_drill_filter_pause_help_resize_quit() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("access.log");
    let mut text = String::new();
    for i in 0..40 {
        text.push_str(&combined_line(
            i,
            "203.0.113.7",
            "/search?q=1%27%20UNION%20SELECT%20password%20FROM%20users--",
            200,
            "sqlmap/1.7",
        ));
    }
    for i in 0..20 {
        text.push_str(&combined_line(i, "192.0.2.10", "/ok", 503, "Mozilla/5.0"));
    }
    // A hostile request: its escape sequence (set the window title) must be shown, not obeyed.
    text.push_str(&combined_line(
        1,
        "198.51.100.1",
        "/\u{1b}]0;pwned\u{7}/../../etc/passwd",
        200,
        "x",
    ));
    std::fs::write(&log, &text).unwrap();
    let Some(t) = Tmux::start("keys", 100, 30, &format!("{} {}", bin(), log.display())) else {
        return;
    };
    // Wait for the whole frame (a capture can catch a redraw half done on a busy machine).
    let s = t.wait_for("the clients panel with the attacker", |s| {
        s.contains("203.0.113.7")
            && parsed(s) == Some(61)
            && s.contains("Security")
            && s.contains("traversal")
    });
    assert!(s.contains("Security"), "{s}");
    assert!(s.contains("sqli"), "security hit listed: {s}");
    assert!(
        s.contains("traversal"),
        "the hostile request is listed: {s}"
    );
    let title = t.tmux(&["display-message", "-p", "-t", "t", "#{pane_title}"]);
    assert!(
        !title.contains("pwned"),
        "a log field set the terminal title: {title}"
    );

    t.keys(&["?"]);
    t.wait_for("help", |s| s.contains("Help"));
    t.keys(&["Escape"]);
    t.wait_for("help closed", |s| !s.contains("Help:"));

    // The clients panel has focus first; its top row is the busiest client.
    t.keys(&["Enter"]);
    let s = t.wait_for("the drill-down", |s| s.contains("Client 203.0.113.7"));
    assert!(s.contains("Top paths"), "{s}");
    t.keys(&["Escape"]);
    t.wait_for("back to the overview", |s| {
        s.contains("Clients") && !s.contains("Client 203.0.113.7")
    });

    t.keys(&["/"]);
    t.keys(&["5xx", "Enter"]);
    t.wait_for("the filter in the header", |s| s.contains("5xx"));

    t.keys(&["Space"]);
    t.wait_for("paused", |s| s.contains("PAUSED"));
    t.keys(&["Space"]);
    t.wait_for("unpaused", |s| !s.contains("PAUSED"));

    t.resize(60, 20);
    t.wait_for("the too-small notice", |s| {
        s.contains("needs at least 80×24")
    });
    t.resize(100, 30);
    t.wait_for("the overview again", |s| s.contains("Clients"));

    t.keys(&["q"]);
    t.wait_for("a clean exit", |s| s.contains("LBTOP-EXITED 0"));
}

#[test]
fn demo_starts_and_shows_incidents() {
    let Some(t) = Tmux::start("demo", 100, 30, &format!("{} demo --speed 60", bin())) else {
        return;
    };
    let s = t.wait_for("demo traffic", |s| {
        s.contains("demo") && parsed(s).is_some_and(|n| n > 1000)
    });
    assert!(s.contains("req/s"), "{s}");
    t.keys(&["q"]);
    t.wait_for("a clean exit", |s| s.contains("LBTOP-EXITED 0"));
}

#[test]
fn replay_paces_pauses_and_quits() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("captured.log");
    let mut text = String::new();
    for i in 0..600 {
        text.push_str(&combined_line(
            i,
            &format!("10.0.{}.{}", i % 7, i % 50),
            "/p",
            200,
            "curl/8",
        ));
    }
    std::fs::write(&log, &text).unwrap();
    let cmd = format!("{} replay --speed 5 {}", bin(), log.display());
    let Some(t) = Tmux::start("replay", 100, 30, &cmd) else {
        return;
    };
    let s = t.wait_for("the replay badge", |s| s.contains("REPLAY"));
    // Paced: after a moment only part of the file is in.
    let first = parsed(&s).unwrap_or(0);
    assert!(first < 600, "replay is paced, not read at once: {first}");
    t.keys(&["Space"]);
    let s = t.wait_for("paused", |s| s.contains("PAUSED"));
    let held = parsed(&s);
    std::thread::sleep(Duration::from_millis(700));
    assert_eq!(
        parsed(&t.screen()),
        held,
        "nothing is replayed while paused"
    );
    t.keys(&["Space"]);
    t.keys(&[">", ">", ">", ">", ">"]);
    t.wait_for("all lines replayed at speed", |s| parsed(s) == Some(600));
    t.keys(&["q"]);
    t.wait_for("a clean exit", |s| s.contains("LBTOP-EXITED 0"));
}
