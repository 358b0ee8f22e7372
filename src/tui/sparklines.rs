//! Sparklines: requests/s, latency p50 & p99, error rate 4xx & 5xx, each with its current value, baseline and scale, and a row marking anomalous windows on
//! the same time axis.

use super::fmt::{hms, num, opt_num};
use super::state::UiState;
use super::theme::Theme;
use crate::record::MICROS_PER_SEC;
use crate::snapshot::{Series, Snapshot};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Sparkline};

const LABEL_W: u16 = 9;
const STATS_W: u16 = 29;
/// Rows the region wants: five series and the anomaly axis.
pub const HEIGHT: u16 = 6;

/// Finite, non-negative values only; the rest are gaps.
fn finite(v: f64) -> Option<f64> {
    (v.is_finite() && v >= 0.0).then_some(v)
}

fn scale_max(s: &Series, width: usize) -> f64 {
    tail(&s.values, width)
        .iter()
        .copied()
        .filter_map(finite)
        .fold(0.0, f64::max)
}

/// The newest `width` items, so the right edge is "now".
fn tail<T>(v: &[T], width: usize) -> &[T] {
    &v[v.len().saturating_sub(width)..]
}

fn row(f: &mut Frame, area: Rect, s: &Series, label: &str, max: f64, style: Style, theme: &Theme) {
    let [l, spark, stats] = Layout::horizontal([
        Constraint::Length(LABEL_W),
        Constraint::Fill(1),
        Constraint::Length(STATS_W),
    ])
    .areas(area);
    f.render_widget(Paragraph::new(Span::styled(label, theme.text)), l);
    let width = spark.width as usize;
    let vals = tail(&s.values, width);
    // Sparkline takes integers: scale so the largest value has resolution.
    let k = if max > 0.0 { 1000.0 / max } else { 1.0 };
    let data: Vec<Option<u64>> = std::iter::repeat_n(None, width - vals.len())
        .chain(
            vals.iter()
                .map(|v| finite(*v).map(|v| (v * k).round() as u64)),
        )
        .collect();
    let sl = Sparkline::default()
        .data(data)
        .max(if max > 0.0 { 1000 } else { 1 })
        .style(style);
    f.render_widget(sl, spark);
    let unit = &s.unit;
    let text = Line::from(vec![
        Span::styled(format!(" {:>6}{unit}", opt_num(s.current)), style),
        Span::styled(
            format!(" base {} max {}", opt_num(s.baseline), num(max)),
            theme.dim,
        ),
    ]);
    f.render_widget(Paragraph::new(text), stats);
}

pub fn render(f: &mut Frame, area: Rect, snap: &Snapshot, state: &mut UiState, theme: &Theme) {
    let rows = Layout::vertical([Constraint::Length(1); HEIGHT as usize]).split(area);
    let spark_w = area.width.saturating_sub(LABEL_W + STATS_W);
    state.spark_width = spark_w;
    let w = spark_w as usize;
    // Each row has its own scale (shown as `max`): on a shared one p50 would vanish under p99.
    let specs: [(&Series, &str, Style); 5] = [
        (&snap.rps, "req/s", theme.spark_rps),
        (&snap.p50, "p50 ms", theme.spark_latency),
        (&snap.p99, "p99 ms", theme.spark_latency),
        (&snap.err4xx, "4xx %", theme.status_4xx),
        (&snap.err5xx, "5xx %", theme.spark_errors),
    ];
    for (i, (s, label, style)) in specs.into_iter().enumerate() {
        if let Some(r) = rows.get(i) {
            row(f, *r, s, label, scale_max(s, w), style, theme);
        }
    }
    if let Some(r) = rows.get(5) {
        let [l, marks, stats] = Layout::horizontal([
            Constraint::Length(LABEL_W),
            Constraint::Fill(1),
            Constraint::Length(STATS_W),
        ])
        .areas(*r);
        f.render_widget(Paragraph::new(Span::styled("anomaly", theme.dim)), l);
        let flags = tail(&snap.anomalous, w);
        let mut spans = vec![Span::raw(" ".repeat(w - flags.len()))];
        for a in flags {
            spans.push(if *a {
                Span::styled("▲", theme.anomaly_mark)
            } else {
                Span::styled("·", theme.dim)
            });
        }
        f.render_widget(Paragraph::new(Line::from(spans)), marks);
        // The time axis: first shown window → now.
        let shown = snap.rps.values.len().min(w) as i64;
        let span = shown * snap.window_secs as i64 * MICROS_PER_SEC;
        let axis = if snap.now > 0 && shown > 0 {
            format!(" {} → {}", hms(snap.now - span), hms(snap.now))
        } else {
            String::new()
        };
        f.render_widget(Paragraph::new(Span::styled(axis, theme.dim)), stats);
    }
}
