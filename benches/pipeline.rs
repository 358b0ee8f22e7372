//! `cargo bench`: runs `lbtop bench` from the release binary, which generates 1M ALB and 1M
//! combined lines and prints lines/s, MB/s and peak RSS for parse alone, parse+aggregate with
//! and without detectors, and the whole `lbtop scan` on one and two threads.
//! `LBTOP_BENCH_LINES=200000 cargo bench` for a quicker run.

use std::process::Command;

fn main() {
    let lines = std::env::var("LBTOP_BENCH_LINES").unwrap_or_else(|_| "1000000".into());
    let status = Command::new(env!("CARGO_BIN_EXE_lbtop"))
        .args(["bench", "--lines", &lines])
        .status()
        .expect("run lbtop bench");
    assert!(status.success(), "lbtop bench failed");
}
