//! `lbtop bench`: generate 1M ALB lines (~690 bytes) and 1M combined lines, then measure
//! parse alone, parse + aggregate + detect (one thread), and the whole `lbtop scan` as a
//! child process with one and two threads, with all detectors and with `--detect none`
//! (lines/s, MB/s, peak RSS as the child reports it).

use super::Failure;
use crate::batch::Batch;
use crate::cli::BenchArgs;
use crate::detect::security::RuleSet;
use crate::engine::{Engine, EngineConfig};
use crate::ingest::Ingest;
use crate::parse::{Outcome, StreamParser};
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

const CHUNK: usize = 256 * 1024;

pub fn run(args: &BenchArgs) -> Result<(), Failure> {
    let tmp;
    let dir: PathBuf = match &args.dir {
        Some(d) => d.clone(),
        None => {
            tmp = std::env::temp_dir().join(format!("lbtop-bench-{}", std::process::id()));
            tmp.clone()
        }
    };
    std::fs::create_dir_all(&dir).map_err(|e| Failure::msg(format!("{}: {e}", dir.display())))?;
    let mut results = Vec::new();
    for (name, make_line) in [
        ("alb", gen_alb as fn(u64, &mut String)),
        ("combined", gen_combined),
    ] {
        let path = dir.join(format!("bench-{name}.log"));
        let bytes = generate(&path, args.lines, make_line).map_err(Failure::Io)?;
        println!(
            "{name}: {} lines, {:.0} MB, {:.0} bytes/line ({})",
            args.lines,
            bytes as f64 / 1e6,
            bytes as f64 / args.lines as f64,
            path.display()
        );
        let runs = args.runs.max(1);
        results.push(stage(name, "parse only (1 thread)", bytes, runs, || {
            parse_only(&path)
        }));
        results.push(stage(
            name,
            "parse+aggregate, no detectors (1 thread)",
            bytes,
            runs,
            || full_inline(&path, false),
        ));
        results.push(stage(
            name,
            "parse+aggregate+detect (1 thread, in-process)",
            bytes,
            runs,
            || full_inline(&path, true),
        ));
        for threads in [1, 2] {
            results.push(scan_child(name, &path, bytes, threads, true, runs)?);
        }
        // The same scan without detectors: what parsing and aggregating cost end to end.
        for threads in [1, 2] {
            results.push(scan_child(name, &path, bytes, threads, false, runs)?);
        }
    }
    println!();
    if args.runs > 1 {
        println!(
            "{} runs of each stage: the median run, and the slowest and fastest",
            args.runs
        );
    }
    println!(
        "{:<9} {:<48} {:>12} {:>9} {:>10} {:>20}",
        "format", "stage", "lines/s", "MB/s", "peak RSS", "lines/s min-max"
    );
    for r in &results {
        let secs = r.median_secs();
        let (lo, hi) = r.range_secs();
        println!(
            "{:<9} {:<48} {:>12.0} {:>9.0} {:>10} {:>20}",
            r.format,
            r.stage,
            r.lines as f64 / secs,
            r.bytes as f64 / 1e6 / secs,
            r.peak_rss.map_or("-".to_string(), |b| format!(
                "{:.1} MiB",
                b as f64 / 1048576.0
            )),
            if r.secs.len() > 1 {
                format!("{:.0}-{:.0}", r.lines as f64 / hi, r.lines as f64 / lo)
            } else {
                "-".to_string()
            }
        );
    }
    if args.dir.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(())
}

struct Row {
    format: &'static str,
    stage: String,
    lines: u64,
    bytes: u64,
    /// Wall time of each run.
    secs: Vec<f64>,
    peak_rss: Option<u64>,
}

impl Row {
    fn median_secs(&self) -> f64 {
        let mut s = self.secs.clone();
        s.sort_by(f64::total_cmp);
        s[s.len() / 2]
    }

    /// Fastest and slowest run.
    fn range_secs(&self) -> (f64, f64) {
        let lo = self.secs.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = self.secs.iter().copied().fold(0.0, f64::max);
        (lo, hi)
    }
}

fn stage(
    format: &'static str,
    name: &str,
    bytes: u64,
    runs: usize,
    mut f: impl FnMut() -> u64,
) -> Row {
    let mut secs = Vec::with_capacity(runs);
    let mut lines = 0;
    for _ in 0..runs {
        let t = Instant::now();
        lines = f();
        secs.push(t.elapsed().as_secs_f64());
    }
    Row {
        format,
        stage: name.to_string(),
        lines,
        bytes,
        secs,
        peak_rss: None,
    }
}

fn scan_child(
    format: &'static str,
    path: &Path,
    bytes: u64,
    threads: usize,
    detect: bool,
    runs: usize,
) -> Result<Row, Failure> {
    let exe = std::env::var_os("LBTOP_BIN")
        .map(PathBuf::from)
        .or_else(|| std::env::current_exe().ok())
        .ok_or_else(|| Failure::msg("cannot find the lbtop binary"))?;
    let (mut secs, mut lines, mut peak_rss) = (Vec::with_capacity(runs), 0, None);
    for _ in 0..runs {
        let t = Instant::now();
        let out = Command::new(&exe)
            .args(["scan", "--threads", &threads.to_string()])
            .args(if detect {
                &[][..]
            } else {
                &["--detect", "none"][..]
            })
            .arg(path)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .output()
            .map_err(Failure::Io)?;
        secs.push(t.elapsed().as_secs_f64());
        let text = String::from_utf8_lossy(&out.stdout);
        let summary: serde_json::Value = text
            .lines()
            .rev()
            .find_map(|l| {
                serde_json::from_str::<serde_json::Value>(l)
                    .ok()
                    .filter(|v| v["kind"] == "summary")
            })
            .ok_or_else(|| Failure::msg("lbtop scan wrote no summary"))?;
        lines = summary["lines"].as_u64().unwrap_or(0);
        peak_rss = peak_rss.max(summary["peak_rss_bytes"].as_u64());
    }
    Ok(Row {
        format,
        stage: if detect {
            format!("lbtop scan, --threads {threads} (whole process)")
        } else {
            format!("lbtop scan --detect none, --threads {threads}")
        },
        lines,
        bytes,
        secs,
        peak_rss,
    })
}

fn for_each_chunk(path: &Path, mut f: impl FnMut(Vec<u8>, u64) -> Vec<u8>) {
    let mut file = File::open(path).expect("bench file");
    let mut buf = Vec::with_capacity(CHUNK * 2);
    let mut carry: Vec<u8> = Vec::new();
    let mut line = 1u64;
    loop {
        buf.clear();
        buf.extend_from_slice(&carry);
        let old = buf.len();
        buf.resize(old + CHUNK, 0);
        let n = file.read(&mut buf[old..]).unwrap_or(0);
        buf.truncate(old + n);
        carry.clear();
        if n == 0 {
            if !buf.is_empty() {
                f(std::mem::take(&mut buf), line);
            }
            return;
        }
        if let Some(i) = memchr::memrchr(b'\n', &buf) {
            carry.extend_from_slice(&buf[i + 1..]);
            buf.truncate(i + 1);
        }
        let lines = memchr::memchr_iter(b'\n', &buf).count() as u64;
        buf = f(std::mem::take(&mut buf), line);
        line += lines;
    }
}

fn parse_only(path: &Path) -> u64 {
    let mut parser = StreamParser::new(None);
    let mut n = 0u64;
    for_each_chunk(path, |chunk, _| {
        // Lines are cut as the scan cuts them (`Ingest::parse_chunk`): the chunk validated
        // once, memchr for the ends. A byte-at-a-time split would cost more than parsing.
        let chunk = String::from_utf8(chunk).unwrap_or_default();
        let mut start = 0;
        while start < chunk.len() {
            let end = memchr::memchr(b'\n', &chunk.as_bytes()[start..])
                .map_or(chunk.len(), |i| start + i);
            let text = &chunk[start..end];
            start = end + 1;
            if text.is_empty() {
                continue;
            }
            parser.parse_line(text, &mut |o| {
                if let Outcome::Request(r) = o {
                    n += u64::from(r.status.is_some());
                } else {
                    n += 1;
                }
            });
        }
        chunk.into_bytes()
    });
    n
}

fn full_inline(path: &Path, detect: bool) -> u64 {
    // Without detectors: no security rules, no behaviour keys or detection, no anomaly
    // scoring (as `lbtop scan --detect none`).
    let mut ingest = if detect {
        Ingest::new(Arc::new(RuleSet::builtin()))
    } else {
        Ingest::without_rules().without_behaviour_keys()
    };
    let mut parser = StreamParser::new(None);
    let mut engine = Engine::new(EngineConfig {
        drilldown: false,
        detectors: if detect {
            crate::detect::Detectors::ALL
        } else {
            crate::detect::Detectors::NONE
        },
        ..EngineConfig::default()
    });
    let mut batch = Batch::default();
    for_each_chunk(path, |chunk, first| {
        batch.clear();
        ingest.parse_chunk(&mut parser, 0, first, chunk, &mut batch);
        engine.batch(&batch);
        engine.drain_events().for_each(drop);
        std::mem::take(&mut batch.chunk).into_bytes()
    });
    engine.finish();
    engine.counters().lines
}

fn generate(path: &Path, lines: usize, make_line: fn(u64, &mut String)) -> std::io::Result<u64> {
    let mut w = BufWriter::with_capacity(1 << 20, File::create(path)?);
    let mut s = String::with_capacity(1024);
    let mut bytes = 0u64;
    for i in 0..lines as u64 {
        s.clear();
        make_line(i, &mut s);
        s.push('\n');
        bytes += s.len() as u64;
        w.write_all(s.as_bytes())?;
    }
    // On disk before timing starts: the kernel writing 670 MB of dirty pages back in the
    // background took a core from the two-thread stages that came next (-25% in them).
    w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    Ok(bytes)
}

fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

const PATHS: [&str; 8] = [
    "/api/products/12345",
    "/api/search?q=red+shoes&page=2",
    "/static/app.3f9a1c.js",
    "/login",
    "/api/cart",
    "/",
    "/api/users/987/orders?limit=20",
    "/images/banner-large.webp",
];
const AGENTS: [&str; 4] = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15",
    "okhttp/4.12.0",
];

fn stamp(i: u64) -> (String, u64) {
    // 2,000 requests per second of log time, starting 2026-11-01T00:00:00Z.
    let t = 1_793_491_200u64 + i / 2000;
    let us = (i % 2000) * 500;
    let (d, s) = (t / 86_400, t % 86_400);
    let (y, m, dd) = crate::record::civil_from_days(d as i64);
    (
        format!(
            "{y:04}-{m:02}-{dd:02}T{:02}:{:02}:{:02}.{us:06}Z",
            s / 3600,
            s / 60 % 60,
            s % 60
        ),
        t,
    )
}

/// A skewed client population like real traffic: 50,000 clients, a heavy head, a long tail.
fn client_ip(r: u64) -> String {
    let u = (r >> 11) as f64 / (1u64 << 53) as f64;
    let k = (50_000.0 * u * u * u) as u64;
    let h = mix(k ^ 0x5EED);
    format!(
        "{}.{}.{}.{}",
        11 + (h & 0x3f),
        (h >> 8) & 0xff,
        (h >> 16) & 0xff,
        (h >> 24) & 0xff
    )
}

fn gen_alb(i: u64, s: &mut String) {
    use std::fmt::Write as _;
    let r = mix(i);
    let (ts, _) = stamp(i);
    let ip = client_ip(mix(r));
    let path = PATHS[(r >> 32) as usize % PATHS.len()];
    let ua = AGENTS[(r >> 40) as usize % AGENTS.len()];
    let status = match (r >> 48) % 100 {
        0 => 502,
        1..=3 => 404,
        4..=10 => 304,
        _ => 200,
    };
    let tgt = (r >> 56) % 4;
    let _ = write!(
        s,
        "https {ts} app/my-loadbalancer/50dc6c495c0c9188 {ip}:{port} 10.0.1.{tgt}:80 0.000 {tt:.3} 0.000 {status} {status} {rb} {sb} \
\"GET https://www.example.com:443{path} HTTP/1.1\" \"{ua}\" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 \
arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 \
\"Root=1-58337262-36d228ad5d99923122bbe354\" \"www.example.com\" \"arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012\" \
1 {ts} \"forward\" \"-\" \"-\" \"10.0.1.{tgt}:80\" \"{status}\" \"-\" \"-\" TID_1234abcd5678ef90",
        port = 1024 + (r >> 20) % 60000,
        tt = ((r >> 12) % 400) as f64 / 1000.0,
        rb = 200 + (r >> 36) % 600,
        sb = 500 + (r >> 44) % 20000,
    );
}

fn gen_combined(i: u64, s: &mut String) {
    use std::fmt::Write as _;
    let r = mix(i ^ 0xABCDEF);
    let (_, t) = stamp(i);
    let (d, sec) = (t / 86_400, t % 86_400);
    let (y, m, dd) = crate::record::civil_from_days(d as i64);
    const MON: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let path = PATHS[(r >> 32) as usize % PATHS.len()];
    let ua = AGENTS[(r >> 40) as usize % AGENTS.len()];
    let status = if (r >> 48) % 50 == 0 { 404 } else { 200 };
    let _ = write!(
        s,
        "{} - - [{dd:02}/{}/{y:04}:{:02}:{:02}:{:02} +0000] \"GET {path} HTTP/1.1\" {status} {} \"https://www.example.com/\" \"{ua}\"",
        client_ip(mix(r)),
        MON[(m - 1) as usize],
        sec / 3600,
        sec / 60 % 60,
        sec % 60,
        500 + (r >> 44) % 20000,
    );
}
