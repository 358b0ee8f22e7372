//! Security hits, newest first: time, client, category, and the request truncated in the
//! middle so both the method/path start and the payload's end stay visible.

use super::escape::{clean_trunc, trunc_end};
use super::fmt::{hms, panel};
use super::state::{Panel, UiState};
use super::theme::Theme;
use crate::event::Severity;
use crate::snapshot::Snapshot;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Cell, Paragraph, Row, Table};

pub fn severity_style(s: Severity, theme: &Theme) -> ratatui::style::Style {
    match s {
        Severity::Low => theme.alert_low,
        Severity::Medium => theme.alert_medium,
        Severity::High | Severity::Critical => theme.alert_high,
    }
}

pub fn render(f: &mut Frame, area: Rect, snap: &Snapshot, state: &mut UiState, theme: &Theme) {
    let focused = state.focus == Panel::Security;
    let title = format!("Security ({} hits)", snap.security_total);
    let block = panel(&title, focused, theme);
    if snap.security.is_empty() {
        let msg = if snap.detectors.security {
            "no security hits"
        } else {
            "security rules off (--detect)"
        };
        let p = Paragraph::new(Span::styled(msg, theme.dim)).block(block);
        f.render_widget(p, area);
        return;
    }
    let narrow = area.width < 70;
    let w: [u16; 3] = [8, 15, if narrow { 9 } else { 11 }];
    // borders + column gaps
    let req_w = area.width.saturating_sub(2 + w.iter().sum::<u16>() + 3) as usize;
    let rows = snap.security.iter().map(|e| {
        Row::new(vec![
            Cell::from(hms(e.time.0)).style(theme.dim),
            Cell::from(clean_trunc(&e.client_ip, w[1] as usize)).style(theme.accent),
            Cell::from(trunc_end(e.category.name(), w[2] as usize))
                .style(severity_style(e.severity, theme)),
            Cell::from(clean_trunc(&e.request, req_w.max(1))).style(theme.text),
        ])
    });
    let table = Table::new(
        rows,
        [
            Constraint::Length(w[0]),
            Constraint::Length(w[1]),
            Constraint::Length(w[2]),
            Constraint::Fill(1),
        ],
    )
    .header(Row::new(["time", "client", "category", "request"]).style(theme.dim))
    .block(block)
    // Unfocused panels keep their colours; only the focused one shows its cursor.
    .row_highlight_style(if focused {
        theme.selection
    } else {
        ratatui::style::Style::default()
    });
    f.render_stateful_widget(table, area, state.table(Panel::Security));
}
