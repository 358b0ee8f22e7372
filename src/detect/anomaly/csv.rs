//! `score_csv`: the same online scoring over arbitrary numeric series (CloudWatch exports),
//! with no assumption that a column counts requests.

use super::model::{Level, alpha, squash};
use crate::parse::lex;
use std::io::{BufRead, Write};

/// Rows learned before any score is given (they get 0).
pub const CSV_WARMUP_ROWS: u64 = 20;
const THRESHOLD: f64 = 0.5;

#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct ScoreCsvReport {
    pub rows: u64,
    /// The column read as time, if one was found.
    pub time_column: Option<String>,
    /// The columns scored.
    pub columns: Vec<String>,
    pub anomalous_rows: u64,
    pub max_score: f64,
}

#[derive(Debug, thiserror::Error)]
pub enum ScoreCsvError {
    #[error("reading or writing CSV: {0}")]
    Io(#[from] std::io::Error),
    #[error("the CSV has no header line")]
    Empty,
}

/// Split one CSV line: commas outside double quotes; `""` inside quotes is a quote.
fn split(line: &str, out: &mut Vec<String>) {
    out.clear();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
}

fn is_time_name(h: &str) -> bool {
    let h = h.trim().to_ascii_lowercase();
    ["time", "timestamp", "date", "datetime", "period", "ts"]
        .iter()
        .any(|k| h == *k || h.ends_with(&format!(" {k}")) || h.starts_with(&format!("{k} ")))
}

#[derive(Debug, Default)]
struct Series {
    level: Level,
    /// Mean |x|: sets a relative floor on the scale.
    magnitude: f64,
    /// Smallest positive step seen: the series' resolution (1 for counts), the floor of
    /// its scale, so 0 → 1 error is not an alarm.
    quantum: f64,
    last: Option<f64>,
    n: u64,
}

impl Series {
    fn z(&self, x: f64) -> f64 {
        let Some(r) = self.level.residual(x) else {
            return 0.0;
        };
        let q = if self.quantum.is_finite() && self.quantum > 0.0 {
            self.quantum
        } else {
            0.0
        };
        let s = self
            .level
            .scale()
            .max(0.05 * self.magnitude)
            .max(q)
            .max(1e-12);
        r.abs() / s
    }

    fn learn(&mut self, x: f64, warm: bool, anomalous: bool) {
        let k = if anomalous { 0.02 } else { 1.0 };
        self.n += 1;
        let a = if warm {
            1.0 / self.n as f64
        } else {
            k * alpha(1.0, 30.0)
        };
        self.magnitude += a * (x.abs() - self.magnitude);
        if let Some(l) = self.last {
            let d = (x - l).abs();
            if d > 0.0 && (self.quantum == 0.0 || d < self.quantum) {
                self.quantum = d;
            }
        }
        self.last = Some(x);
        let lvl_a = if warm { 0.3 } else { k * alpha(1.0, 20.0) };
        self.level
            .update(x, lvl_a, 0.0, k * alpha(1.0, 200.0), warm);
    }
}

/// Read a CSV with a header (a time column — RFC 3339, `YYYY-MM-DD HH:MM:SS` or epoch
/// seconds, found by name or by value — and numeric columns at a regular interval) and
/// write every row back, in order, with an `anomaly_score` column in [0, 1]: 0 during the
/// first [`CSV_WARMUP_ROWS`] rows. Empty or non-numeric cells are skipped for that column.
/// Quoted fields may hold commas but not line breaks.
pub fn score_csv(
    mut input: impl BufRead,
    mut output: impl Write,
) -> Result<ScoreCsvReport, ScoreCsvError> {
    let mut line = String::new();
    if input.read_line(&mut line)? == 0 {
        return Err(ScoreCsvError::Empty);
    }
    let header = line.trim_end_matches(['\n', '\r']).to_string();
    let mut cells = Vec::new();
    split(header.trim_start_matches('\u{feff}'), &mut cells);
    let names: Vec<String> = cells.iter().map(|c| c.trim().to_string()).collect();
    let mut time_col = names.iter().position(|h| is_time_name(h));
    writeln!(output, "{header},anomaly_score")?;
    let mut series: Vec<Series> = names.iter().map(|_| Series::default()).collect();
    let mut report = ScoreCsvReport::default();
    let mut first = true;
    let mut buf = String::new();
    loop {
        buf.clear();
        if input.read_line(&mut buf)? == 0 {
            break;
        }
        let row = buf.trim_end_matches(['\n', '\r']);
        if row.is_empty() {
            writeln!(output)?;
            continue;
        }
        split(row, &mut cells);
        if first {
            first = false;
            if time_col.is_none() {
                time_col = cells.iter().position(|c| lex::iso8601(c.trim()).is_some());
            }
            report.time_column = time_col.map(|i| names[i].clone());
        }
        let warm = report.rows < CSV_WARMUP_ROWS;
        let mut zmax = 0.0f64;
        let mut values = Vec::with_capacity(cells.len());
        for (i, c) in cells.iter().enumerate() {
            if Some(i) == time_col || i >= series.len() {
                values.push(None);
                continue;
            }
            let v = c.trim().parse::<f64>().ok().filter(|v| v.is_finite());
            if let Some(v) = v {
                if !warm {
                    zmax = zmax.max(series[i].z(v));
                }
            }
            values.push(v);
        }
        let score = if warm { 0.0 } else { squash(zmax) };
        let anomalous = score >= THRESHOLD;
        for (i, v) in values.iter().enumerate() {
            if let Some(v) = v {
                series[i].learn(*v, warm, anomalous);
            }
        }
        report.rows += 1;
        report.anomalous_rows += u64::from(anomalous);
        report.max_score = report.max_score.max(score);
        writeln!(output, "{row},{score:.4}")?;
    }
    report.columns = names
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != time_col && series[*i].n > 0)
        .map(|(_, n)| n.clone())
        .collect();
    Ok(report)
}
