//! Robustness (proptest) and throughput of the ALB and ELB parsers.

use super::tests::SAMPLE;
use super::*;
use proptest::prelude::*;

fn check(line: &str) {
    if let Ok(r) = parse(line) {
        assert!((MIN_TIME..MAX_TIME).contains(&r.time));
    }
    let _ = sniff(line);
    if let Ok(r) = crate::parse::elb::parse(line) {
        assert!((MIN_TIME..MAX_TIME).contains(&r.time));
    }
    let _ = crate::parse::elb::sniff(line);
}

/// The tokenizer as plainly as it can be written, to check the SWAR scan against.
fn naive_split(line: &str) -> Option<Vec<&str>> {
    let b = line.as_bytes();
    let (mut i, mut v) = (0, Vec::new());
    while i < b.len() && v.len() < MAX_FIELDS {
        if b[i] == b'"' {
            let mut j = i + 1;
            loop {
                match b.get(j) {
                    None => return None,
                    Some(b'\\') => j += 2,
                    Some(b'"') => break,
                    Some(_) => j += 1,
                }
            }
            v.push(&line[i + 1..j]);
            i = j + 1;
            if b.get(i) == Some(&b' ') {
                i += 1;
            }
        } else {
            let end = b[i..]
                .iter()
                .position(|&c| c == b' ')
                .map_or(b.len(), |k| i + k);
            v.push(&line[i..end]);
            i = end + 1;
        }
    }
    Some(v)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_strings(s in ".{0,800}") {
        check(&s);
    }

    #[test]
    fn tokenizer_matches_naive(s in "([a-z0-9 \"\\\\-]{0,12}){0,40}") {
        let mut out = [""; MAX_FIELDS];
        let got = fields::split_fields(&s, &mut out).ok().map(|n| out[..n].to_vec());
        prop_assert_eq!(got, naive_split(&s));
    }

    /// Long fields, multibyte text and quotes on either side of the 64-byte blocks the
    /// tokenizer scans by.
    #[test]
    fn tokenizer_matches_naive_across_blocks(s in "([aé \"\\\\-]{0,90}){0,14}") {
        let mut out = [""; MAX_FIELDS];
        let got = fields::split_fields(&s, &mut out).ok().map(|n| out[..n].to_vec());
        prop_assert_eq!(got, naive_split(&s));
    }

    /// Lines shaped like ALB's (bare and quoted fields, multibyte text, fields across the
    /// 64-byte blocks), now and then with a quirk (`"-"1`, a stray or escaped quote, a
    /// double space): the tokenizer must agree with the naive split.
    #[test]
    fn tokenizer_matches_naive_on_alb_shapes(
        fields in proptest::collection::vec(
            prop_oneof![
                4 => "[a-z0-9.:é-]{0,12}",
                3 => "\"[a-z0-9 ()/;.é-]{0,70}\"",
                1 => "(\"-\"1|a\"b|\"x\\\"y\"|\"open| |\"\")",
            ],
            0..40,
        )
    ) {
        let s = fields.join(" ");
        let mut out = [""; MAX_FIELDS];
        let got = fields::split_fields(&s, &mut out).ok().map(|n| out[..n].to_vec());
        prop_assert_eq!(got, naive_split(&s));
    }

    #[test]
    fn arbitrary_bytes(b in proptest::collection::vec(any::<u8>(), 0..800)) {
        check(&String::from_utf8_lossy(&b));
    }

    #[test]
    fn mutated_lines(
        which in 0usize..31,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), 0u8..4, any::<char>()), 1..6),
    ) {
        let mut b: Vec<u8> = SAMPLE.split('\n').nth(which).unwrap().as_bytes().to_vec();
        for (at, op, c) in edits {
            if b.is_empty() { break; }
            let i = at.index(b.len());
            match op {
                0 => { b.truncate(i); }
                1 => { b.remove(i); }
                2 => { let mut buf = [0u8; 4]; for (k, x) in c.encode_utf8(&mut buf).bytes().enumerate() { b.insert(i + k, x); } }
                _ => { b[i] = [b'"', b' ', b'-', b'\\'][i % 4]; }
            }
        }
        check(&String::from_utf8_lossy(&b));
    }
}

/// `cargo test --release --lib --no-default-features -- --ignored --nocapture alb_throughput`
#[test]
#[ignore]
fn alb_throughput() {
    use std::fmt::Write;
    let base = SAMPLE.lines().nth(1).unwrap(); // the full 34-field https line
    let mut text = String::new();
    let n = 200_000;
    for i in 0..n {
        let ip = format!(
            "10.{}.{}.{}:{}",
            i % 200,
            (i / 200) % 250,
            i % 251,
            1024 + i % 60000
        );
        let line = base.replacen("198.51.100.8:40002", &ip, 1).replacen(
            "10:00:02.500000Z",
            &format!("10:{:02}:{:02}.{:06}Z", (i / 60) % 60, i % 60, i),
            1,
        );
        writeln!(text, "{line}").unwrap();
    }
    let lines: Vec<&str> = text.lines().collect();
    let avg = text.len() / n;
    // CPU time of this thread (Linux schedstat), so a loaded machine does not skew the figure.
    fn cpu_ns() -> Option<u64> {
        let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
        s.split_whitespace().next()?.parse().ok()
    }
    let (mut best_wall, mut best_cpu) = (f64::MAX, f64::MAX);
    let mut sum = 0u64;
    for _ in 0..5 {
        let (start, cpu0) = (std::time::Instant::now(), cpu_ns());
        for l in &lines {
            let r = parse(std::hint::black_box(l)).unwrap();
            sum += r.bytes_out.unwrap_or(0);
        }
        best_wall = best_wall.min(start.elapsed().as_secs_f64());
        if let (Some(a), Some(b)) = (cpu0, cpu_ns()) {
            best_cpu = best_cpu.min((b - a) as f64 / 1e9);
        }
    }
    assert_eq!(sum, 5 * 88 * n as u64);
    let rate = |secs: f64| n as f64 / secs / 1e6;
    println!(
        "alb_throughput: {n} lines of ~{avg} bytes: {:.2} M lines/s CPU time ({:.0} ns/line), {:.2} M lines/s wall",
        rate(best_cpu),
        best_cpu * 1e9 / n as f64,
        rate(best_wall),
    );
}
