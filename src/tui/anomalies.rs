//! Anomaly episodes, newest first; the engine updates an ongoing episode in place.

use super::escape::clean;
use super::fmt::{hms, panel};
use super::state::{Panel, UiState};
use super::theme::Theme;
use crate::snapshot::Snapshot;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Cell, Paragraph, Row, Table};

pub fn render(f: &mut Frame, area: Rect, snap: &Snapshot, state: &mut UiState, theme: &Theme) {
    let focused = state.focus == Panel::Anomalies;
    let title = format!("Anomalies ({})", snap.anomalies.len());
    let block = panel(&title, focused, theme);
    if snap.anomalies.is_empty() {
        let msg = if snap.detectors.anomaly {
            "no anomalies"
        } else {
            "anomaly scoring off (--detect)"
        };
        let p = Paragraph::new(Span::styled(msg, theme.dim)).block(block);
        f.render_widget(p, area);
        return;
    }
    // Narrow panels drop the time column so the summary keeps some room.
    let with_time = area.width >= 50;
    let rows = snap.anomalies.iter().map(|a| {
        let ongoing = a.end.0 >= snap.window_start && snap.window_start > 0;
        let mut cells = Vec::with_capacity(4);
        if with_time {
            cells.push(Cell::from(hms(a.start.0)).style(theme.dim));
        }
        cells.extend([
            Cell::from(a.kind.name()).style(theme.text),
            Cell::from(format!("{:.2}", a.score)).style(theme.alert(a.score)),
            Cell::from(format!(
                "{}{}",
                if ongoing { "▶ " } else { "" },
                clean(&a.summary)
            ))
            .style(theme.text),
        ]);
        Row::new(cells)
    });
    let mut widths = vec![
        Constraint::Length(13),
        Constraint::Length(4),
        Constraint::Fill(1),
    ];
    let mut header = vec!["type", "scr", "summary"];
    if with_time {
        widths.insert(0, Constraint::Length(8));
        header.insert(0, "time");
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
    f.render_stateful_widget(table, area, state.table(Panel::Anomalies));
}
