//! `lbtop bench` on a few hundred lines: every stage runs, for both formats, and prints a
//! median and a range when asked for several runs.

use crate::util::*;

#[test]
fn bench_reports_every_stage_with_runs() {
    let dir = tempfile::tempdir().unwrap();
    let out = lbtop(&[
        "bench",
        "--lines",
        "300",
        "--runs",
        "2",
        "--dir",
        dir.path().to_str().unwrap(),
    ]);
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("2 runs of each stage"), "{text}");
    for format in ["alb", "combined"] {
        assert!(
            dir.path().join(format!("bench-{format}.log")).exists(),
            "the generated {format} file is kept in --dir"
        );
        for stage in [
            "parse only (1 thread)",
            "parse+aggregate, no detectors (1 thread)",
            "parse+aggregate+detect (1 thread, in-process)",
            "lbtop scan, --threads 1 (whole process)",
            "lbtop scan, --threads 2 (whole process)",
            "lbtop scan --detect none, --threads 1",
            "lbtop scan --detect none, --threads 2",
        ] {
            let row = text
                .lines()
                .find(|l| l.starts_with(format) && l.contains(stage))
                .unwrap_or_else(|| panic!("no {format} row for {stage:?}\n{text}"));
            // `format stage… lines/s MB/s RSS min-max`: the median lines/s lies in the range.
            let cols: Vec<&str> = row.split_whitespace().collect();
            let (lo, hi) = cols[cols.len() - 1]
                .split_once('-')
                .expect("a min-max range");
            let (lo, hi): (f64, f64) = (lo.parse().unwrap(), hi.parse().unwrap());
            let rss_cols = if stage.starts_with("lbtop scan") {
                2
            } else {
                1
            };
            let median: f64 = cols[cols.len() - 3 - rss_cols].parse().unwrap();
            assert!(lo > 0.0 && lo <= median && median <= hi, "{row}");
            if stage.starts_with("lbtop scan") {
                assert!(row.contains(" MiB "), "scan rows report peak RSS: {row}");
            }
        }
    }
}
