use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_lbtop")
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A config home with no lbtop config in it, so the developer's own
/// `~/.config/lbtop/config.toml` never changes what a test sees.
pub fn empty_config_home() -> PathBuf {
    repo().join("target").join("test-empty-config-home")
}

/// The binary, isolated from the user's config file.
pub fn command() -> Command {
    let mut c = Command::new(bin());
    c.env("XDG_CONFIG_HOME", empty_config_home());
    c
}

pub fn lbtop(args: &[&str]) -> Output {
    command()
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run lbtop")
}

pub fn lbtop_stdin(args: &[&str], input: &[u8]) -> Output {
    use std::io::Write;
    let mut child = command()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run lbtop");
    let mut stdin = child.stdin.take().unwrap();
    let data = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&data);
    });
    let out = child.wait_with_output().expect("wait lbtop");
    writer.join().unwrap();
    out
}

/// Parse JSON lines; panics with the offending line if one is not JSON.
pub fn events(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

pub fn summary(evs: &[serde_json::Value]) -> &serde_json::Value {
    let last = evs.last().expect("no output");
    assert_eq!(last["kind"], "summary", "last line must be the summary");
    last
}

pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Whether the peer program `cmd` runs (`probe`: harmless arguments such as `--version`).
/// A missing peer skips the test, saying so, unless `LBTOP_REQUIRE_PEERS=1` (CI): then it
/// fails it.
pub fn peer(cmd: &str, probe: &[&str]) -> bool {
    let ok = Command::new(cmd)
        .args(probe)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !ok {
        assert!(
            std::env::var("LBTOP_REQUIRE_PEERS").as_deref() != Ok("1"),
            "{cmd} is required (LBTOP_REQUIRE_PEERS=1) but not installed"
        );
        eprintln!("skipped: {cmd} not installed");
    }
    ok
}
