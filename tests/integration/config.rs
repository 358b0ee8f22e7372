//! The config file with the real binary: it changes what `scan` does, the command line wins,
//! mistakes name their line, `config --print` round-trips, trusted proxies resolve clients.

use crate::util::{bin, events};
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Run lbtop with `$XDG_CONFIG_HOME` pointing at `xdg` (never the developer's own config).
fn run(xdg: &Path, args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .env("XDG_CONFIG_HOME", xdg)
        .env_remove("NO_COLOR")
        .stdin(Stdio::null())
        .output()
        .expect("run lbtop")
}

fn write_config(xdg: &Path, text: &str) -> std::path::PathBuf {
    let dir = xdg.join("lbtop");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("config.toml");
    std::fs::write(&p, text).unwrap();
    p
}

/// Combined lines, one every 5 s for 5 minutes.
fn log(dir: &Path) -> String {
    let mut s = String::new();
    for i in 0..60 {
        let (m, sec) = (10 + i * 5 / 60, i * 5 % 60);
        s.push_str(&format!(
            "203.0.113.{} - - [22/Nov/2026:02:{m:02}:{sec:02} +0000] \"GET /p/{i} HTTP/1.1\" 200 10 \"-\" \"Mozilla/5.0\"\n",
            i % 7 + 1
        ));
    }
    let p = dir.join("access.log");
    std::fs::write(&p, s).unwrap();
    p.to_string_lossy().into_owned()
}

/// Seconds between consecutive `window` events.
fn window_steps(out: &Output) -> Vec<i64> {
    let starts: Vec<String> = events(out)
        .iter()
        .filter(|e| e["kind"] == "window")
        .map(|e| e["start"].as_str().unwrap().to_string())
        .collect();
    let secs = |t: &str| {
        let hms = &t[11..19];
        let p: Vec<i64> = hms.split(':').map(|x| x.parse().unwrap()).collect();
        p[0] * 3600 + p[1] * 60 + p[2]
    };
    starts
        .windows(2)
        .map(|w| secs(&w[1]) - secs(&w[0]))
        .collect()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn config_file_changes_scan_and_the_command_line_wins() {
    let dir = tempfile::tempdir().unwrap();
    let xdg = dir.path().join("xdg");
    let file = log(dir.path());
    write_config(&xdg, "# ours\nwindow = 60\n\n[scan]\nwindows = true\n");

    let out = run(&xdg, &["scan", &file]);
    assert!(out.status.success(), "{}", stderr(&out));
    let steps = window_steps(&out);
    assert!(steps.len() >= 3, "{steps:?}");
    assert!(
        steps.iter().all(|&s| s == 60),
        "window = 60 from the file: {steps:?}"
    );

    let out = run(&xdg, &["scan", "--window", "30", &file]);
    let steps = window_steps(&out);
    assert!(steps.len() >= 8, "{steps:?}");
    assert!(
        steps.iter().all(|&s| s == 30),
        "--window 30 wins: {steps:?}"
    );

    let out = run(&xdg, &["--no-config", "scan", &file]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(window_steps(&out).is_empty(), "no config: no window events");

    // The same file named explicitly, from elsewhere.
    let other = dir.path().join("other.toml");
    std::fs::write(&other, "window = 120\n[scan]\nwindows = true\n").unwrap();
    let out = run(&xdg, &["scan", "--config", other.to_str().unwrap(), &file]);
    let steps = window_steps(&out);
    assert!(
        !steps.is_empty() && steps.iter().all(|&s| s == 120),
        "{steps:?}"
    );
}

#[test]
fn mistakes_exit_2_naming_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let xdg = dir.path().join("xdg");
    let file = log(dir.path());
    let cfg = write_config(&xdg, "window = 60\n[scan]\nwindw = 30\n");
    let out = run(&xdg, &["scan", &file]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out).trim_end(),
        format!(
            "lbtop: {}:3: unknown key `windw` in [scan] (did you mean the top-level key `window`?)",
            cfg.display()
        )
    );
    assert!(stdout(&out).is_empty());

    write_config(&xdg, "\nwindow = 0\n");
    let out = run(&xdg, &["scan", &file]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("config.toml:2: window = 0: 0 is not in 1..=3600"),
        "{}",
        stderr(&out)
    );

    // --no-config skips a broken file; a missing explicit file is an error.
    let out = run(&xdg, &["--no-config", "scan", &file]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(
        &xdg,
        &["--config", "/nonexistent/lbtop.toml", "scan", &file],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("/nonexistent/lbtop.toml"),
        "{}",
        stderr(&out)
    );
    // A missing default file is fine.
    let empty = dir.path().join("empty-xdg");
    let out = run(&empty, &["scan", &file]);
    assert!(out.status.success(), "{}", stderr(&out));
    // Bad values on the command line are caught by the same parser.
    let out = run(&empty, &["--sensitivity", "loud", "scan", &file]);
    assert_eq!(out.status.code(), Some(2));
    let out = run(&empty, &["--trusted-proxy", "10.0.0.1/8", "scan", &file]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("host bits"), "{}", stderr(&out));
}

#[test]
fn config_print_round_trips_and_path_and_default() {
    let dir = tempfile::tempdir().unwrap();
    let xdg = dir.path().join("xdg");
    let cfg = write_config(
        &xdg,
        "window = 30\ntrusted_proxy = [\"10.0.0.0/8\"]\nsensitivity = \"high\"\n[replay]\nspeed = 2.5\n",
    );
    let out = run(&xdg, &["config", "--path"]);
    assert_eq!(stdout(&out).trim_end(), cfg.display().to_string());

    let out = run(&xdg, &["config", "--print"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let printed = stdout(&out);
    assert!(
        printed.contains("\nwindow = 30  # config file\n"),
        "{printed}"
    );
    assert!(printed.contains("\ntrusted-proxy = [\"10.0.0.0/8\"]  # config file\n"));
    assert!(printed.contains("\n[replay]\n"), "{printed}");
    assert!(
        printed.contains("\nspeed = 2.5  # config file\n"),
        "{printed}"
    );
    assert!(
        printed.contains(&format!(
            "\n# threads = {}  # default\n",
            lbtop::cli::default_threads()
        )),
        "{printed}"
    );

    let saved = dir.path().join("saved.toml");
    std::fs::write(&saved, &printed).unwrap();
    let out = run(
        &xdg,
        &["--config", saved.to_str().unwrap(), "config", "--print"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), printed, "print → file → print is stable");

    let out = run(&xdg, &["--window", "45", "config", "--print"]);
    assert!(stdout(&out).contains("\nwindow = 45  # command line\n"));

    // The template is a valid config that sets nothing.
    let out = run(&xdg, &["config", "--default"]);
    let template = stdout(&out);
    assert!(template.contains("# window = 10\n"), "{template}");
    assert!(template.contains("\n[scan]\n"));
    let t = dir.path().join("template.toml");
    std::fs::write(&t, &template).unwrap();
    let out = run(
        &xdg,
        &["--config", t.to_str().unwrap(), "config", "--print"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stdout(&out).contains("# config file"), "{}", stdout(&out));
}

#[test]
fn trusted_proxies_from_the_config_resolve_xff() {
    let dir = tempfile::tempdir().unwrap();
    let xdg = dir.path().join("xdg");
    let line = "10.0.0.2 - - [22/Nov/2026:02:10:14 +0000] \"GET /?q=<script>alert(1)</script> HTTP/1.1\" 200 5 \"-\" \"Mozilla/5.0\" \"6.6.6.6, 203.0.113.9, 10.0.0.5\"\n";
    let file = dir.path().join("xff.log");
    std::fs::write(&file, line).unwrap();
    let file = file.to_str().unwrap();
    let client = |out: &Output| -> String {
        let evs = events(out);
        let sec = evs
            .iter()
            .find(|e| e["kind"] == "security")
            .unwrap_or_else(|| panic!("no security event: {}", stdout(out)));
        sec["client_ip"].as_str().unwrap().to_string()
    };
    let out = run(&xdg, &["--no-config", "scan", file]);
    assert_eq!(client(&out), "10.0.0.2", "untrusted: the logged peer");
    write_config(&xdg, "trusted-proxy = [\"10.0.0.0/8\"]\n");
    let out = run(&xdg, &["scan", file]);
    assert_eq!(
        client(&out),
        "203.0.113.9",
        "right-most untrusted, not the spoofed 6.6.6.6"
    );
    let out = run(
        &xdg,
        &["--no-config", "--trusted-proxy", "10.0.0.0/8", "scan", file],
    );
    assert_eq!(client(&out), "203.0.113.9");
}
