//! Per-target (backend) requests, 5xx and p99.

use super::escape::clean_trunc;
use super::fmt::{count, num, panel};
use super::state::{Panel, UiState};
use super::theme::Theme;
use crate::snapshot::Snapshot;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Cell, Paragraph, Row, Table};

pub fn render(f: &mut Frame, area: Rect, snap: &Snapshot, state: &mut UiState, theme: &Theme) {
    let focused = state.focus == Panel::Targets;
    let block = panel("Targets", focused, theme);
    if snap.targets.is_empty() {
        let p = Paragraph::new(Span::styled("no targets in this log", theme.dim)).block(block);
        f.render_widget(p, area);
        return;
    }
    // Narrow panels drop the request count: 5xx and p99 say more about a failing target.
    let narrow = area.width < 34;
    let fixed = if narrow { 5 + 6 + 2 } else { 6 + 5 + 6 + 3 };
    let name_w = area.width.saturating_sub(2 + fixed).max(4) as usize;
    let rows = snap.targets.iter().map(|t| {
        let mut cells = vec![Cell::from(clean_trunc(&t.target, name_w)).style(theme.text)];
        if !narrow {
            cells.push(Cell::from(count(t.requests)).style(theme.text));
        }
        cells.push(if t.errors_5xx > 0 {
            Cell::from(count(t.errors_5xx)).style(theme.status_5xx)
        } else {
            Cell::from("0").style(theme.dim)
        });
        cells.push(Cell::from(t.p99_ms.map_or_else(|| "-".into(), num)).style(theme.spark_latency));
        Row::new(cells)
    });
    let mut widths = vec![
        Constraint::Fill(1),
        Constraint::Length(5),
        Constraint::Length(6),
    ];
    let mut header = vec!["target", "5xx", "p99ms"];
    if !narrow {
        widths.insert(1, Constraint::Length(6));
        header.insert(1, "req");
    }
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(theme.dim))
        .block(block)
        // Unfocused panels keep their colours; only the focused one shows its cursor.
        .row_highlight_style(if focused {
            theme.selection
        } else {
            ratatui::style::Style::default()
        });
    f.render_stateful_widget(table, area, state.table(Panel::Targets));
}
