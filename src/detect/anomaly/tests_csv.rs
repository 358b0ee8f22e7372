//! `score_csv`: row alignment, warm-up zeros, time detection, quoting.

use super::{ScoreCsvError, score_csv};

fn run(input: &str) -> (String, super::ScoreCsvReport) {
    let mut out = Vec::new();
    let rep = score_csv(input.as_bytes(), &mut out).unwrap();
    (String::from_utf8(out).unwrap(), rep)
}

fn series(n: usize, spike_at: usize) -> String {
    let mut s =
        String::from("Timestamp,RequestCount,\"TargetResponseTime\",HTTPCode_ELB_5XX_Count\n");
    for i in 0..n {
        let t = 1_700_000_000 + i as i64 * 60;
        let ts = crate::record::format_rfc3339(t * 1_000_000);
        // Deterministic wiggle, no spike except at `spike_at`.
        let rc = 1000 + ((i * 37) % 23) as i64 * 3 + if i == spike_at { 4000 } else { 0 };
        let rt = 0.120 + ((i * 13) % 7) as f64 * 0.002;
        let e5 = if i % 11 == 0 { 1 } else { 0 };
        let e5 = if i == 50 {
            String::new()
        } else {
            e5.to_string()
        };
        s.push_str(&format!("{ts},{rc},{rt:.3},{e5}\n"));
    }
    s
}

#[test]
fn rows_aligned_with_warm_up_zeros_and_a_spike() {
    let input = series(120, 90);
    let (out, rep) = run(&input);
    let lines: Vec<&str> = out.lines().collect();
    let inl: Vec<&str> = input.lines().collect();
    assert_eq!(lines.len(), inl.len());
    assert_eq!(lines[0], format!("{},anomaly_score", inl[0]));
    for (i, (o, r)) in lines.iter().zip(&inl).enumerate().skip(1) {
        assert!(o.starts_with(r), "row {i} changed");
        let score: f64 = o.rsplit(',').next().unwrap().parse().unwrap();
        assert!((0.0..=1.0).contains(&score));
        if i <= super::csv::CSV_WARMUP_ROWS as usize {
            assert_eq!(score, 0.0, "warm-up row {i}");
        } else if i == 91 {
            assert!(score > 0.9, "spike row scored {score}");
        } else {
            assert!(score < 0.5, "row {i} scored {score}: {o}");
        }
    }
    assert_eq!(rep.rows, 120);
    assert_eq!(rep.time_column.as_deref(), Some("Timestamp"));
    assert_eq!(
        rep.columns,
        [
            "RequestCount",
            "TargetResponseTime",
            "HTTPCode_ELB_5XX_Count"
        ]
    );
    assert_eq!(rep.anomalous_rows, 1);
    // The empty cell in row 50 stays empty.
    assert!(
        lines[51].contains(",,") || lines[51].ends_with(','),
        "{}",
        lines[51]
    );
}

#[test]
fn time_formats_and_quotes() {
    // Epoch seconds named `time`, a space-separated timestamp found by value.
    let mut a = String::from("time,value\n");
    let mut b = String::from("when,\"a, b\",value\n");
    for i in 0..40 {
        a.push_str(&format!("{},{}\n", 1_700_000_000 + i * 300, 10 + i % 3));
        b.push_str(&format!(
            "2024-01-01 00:{:02}:00,\"x, y\",{}\n",
            i,
            10 + i % 3
        ));
    }
    let (_, ra) = run(&a);
    assert_eq!(ra.time_column.as_deref(), Some("time"));
    assert_eq!(ra.columns, ["value"]);
    let (ob, rb) = run(&b);
    assert_eq!(rb.time_column.as_deref(), Some("when"));
    assert_eq!(
        rb.columns,
        ["value"],
        "the quoted text column is not numeric"
    );
    assert_eq!(ob.lines().count(), 41);
    assert!(
        ob.lines()
            .nth(1)
            .unwrap()
            .starts_with("2024-01-01 00:00:00,\"x, y\",10,0.0000")
    );
}

#[test]
fn empty_input_is_an_error() {
    let mut out = Vec::new();
    assert!(matches!(
        score_csv("".as_bytes(), &mut out),
        Err(ScoreCsvError::Empty)
    ));
}
