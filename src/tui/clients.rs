//! Top talkers and flagged clients, with the behaviours detected for each.

use super::escape::clean_trunc;
use super::fmt::{count, panel};
use super::state::{Panel, UiState};
use super::theme::Theme;
use crate::event::Behavior;
use crate::snapshot::Snapshot;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Cell, Paragraph, Row, Table};

pub fn render(f: &mut Frame, area: Rect, snap: &Snapshot, state: &mut UiState, theme: &Theme) {
    let focused = state.focus == Panel::Clients;
    let block = panel("Clients", focused, theme);
    if snap.clients.is_empty() {
        let p = Paragraph::new(Span::styled("no clients yet", theme.dim)).block(block);
        f.render_widget(p, area);
        return;
    }
    // Narrow panels drop the share column; behaviours are abbreviated when they don't fit.
    let narrow = area.width < 56;
    let fixed: u16 = if narrow {
        15 + 6 + 5 + 5 + 3 + 5
    } else {
        15 + 6 + 4 + 5 + 5 + 3 + 6
    };
    let beh_w = usize::from(area.width.saturating_sub(2 + fixed));
    let rows = snap.clients.iter().map(|c| {
        let flagged = !c.behaviors.is_empty() || c.security_hits > 0;
        let join = |name: fn(Behavior) -> &'static str| {
            c.behaviors
                .iter()
                .map(|b| name(*b))
                .collect::<Vec<_>>()
                .join(",")
        };
        let mut behaviours = join(Behavior::name);
        if behaviours.chars().count() > beh_w {
            behaviours = join(short);
        }
        let n = |v: u64, style| {
            if v > 0 {
                Cell::from(count(v)).style(style)
            } else {
                Cell::from("0").style(theme.dim)
            }
        };
        let mut cells = vec![
            Cell::from(clean_trunc(&c.client, 15)).style(if flagged {
                theme.alert_high
            } else {
                theme.accent
            }),
            Cell::from(count(c.requests)).style(theme.text),
            n(c.errors_4xx, theme.status_4xx),
            n(c.errors_5xx, theme.status_5xx),
            n(c.security_hits, theme.alert_high),
            Cell::from(behaviours).style(theme.alert_medium),
        ];
        if !narrow {
            cells.insert(
                2,
                Cell::from(format!("{:.0}%", c.share * 100.0)).style(theme.dim),
            );
        }
        Row::new(cells)
    });
    let mut widths = vec![
        Constraint::Length(15),
        Constraint::Length(6),
        Constraint::Length(5),
        Constraint::Length(5),
        Constraint::Length(3),
        Constraint::Fill(1),
    ];
    let mut header = vec!["client", "req", "4xx", "5xx", "sec", "behaviour"];
    if !narrow {
        widths.insert(2, Constraint::Length(4));
        header.insert(2, "shr");
    }
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(theme.dim))
        .block(block)
        .column_spacing(1)
        // Unfocused panels keep their colours; only the focused one shows its cursor.
        .row_highlight_style(if focused {
            theme.selection
        } else {
            ratatui::style::Style::default()
        });
    f.render_stateful_widget(table, area, state.table(Panel::Clients));
}

fn short(b: Behavior) -> &'static str {
    match b {
        Behavior::Flood => "flood",
        Behavior::Scraper => "scrape",
        Behavior::CredentialStuffing => "cred",
        Behavior::BruteForce => "brute",
        Behavior::Scanner => "scan",
        Behavior::BadBot => "bot",
    }
}
