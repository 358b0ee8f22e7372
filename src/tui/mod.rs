//! The terminal UI. It draws only from a [`Snapshot`](crate::snapshot::Snapshot) plus its own
//! [`UiState`]; it never touches engine state. Every region is a plain function with the
//! same argument order: `render(f, area, snap, state, theme)`.
//!
//! ```text
//! Overview (80×24 and up)                      Drill-down
//! ┌────────────────────────────────────────┐   ┌────────────────────────────────────────┐
//! │ header: mode, log time, sources, rate  │ 2 │ header                                 │
//! │ window, filter, rejected-lines banner  │   │                                        │
//! ├────────────────────────────────────────┤   ├────────────────────────────────────────┤
//! │ req/s   ▁▂▃▅▇▅▃  cur base max          │ 6 │ client: requests, first/last, rate ▁▃▇ │
//! │ p50/p99 ▁▁▂▁▁▇▁   (one scale)          │   ├──────────┬─────────────┬───────────────┤
//! │ 4xx/5xx ▁▁▁▁▂▇▁   (one scale)          │   │ status   │ top paths   │ user agents   │
//! │ anomaly ····▲▲·   first → now          │   ├──────────┴───────┬─────┴───────────────┤
//! ├─────────────────────────┬──────────────┤   │ security hits    │ behaviours          │
//! │ clients (60%)           │ anomalies    │   ├──────────────────┴─────────────────────┤
//! ├─────────────────────────┼──────────────┤   │ latest requests                        │
//! │ security (65%)           │ targets     │   │                                        │
//! ├─────────────────────────┴──────────────┤   ├────────────────────────────────────────┤
//! │ footer: key hints from the key table   │ 1 │ footer                                 │
//! └────────────────────────────────────────┘   └────────────────────────────────────────┘
//! Overlays (help, filter prompt, block rule) are drawn last, centred.
//! Below 80×24 only a centred "needs at least 80×24" message is drawn.
//! ```

pub mod action;
pub mod anomalies;
pub mod app;
pub mod clients;
pub mod drill;
pub mod escape;
pub mod fmt;
pub mod footer;
pub mod header;
pub mod help;
pub mod keymap;
pub mod security;
pub mod sparklines;
pub mod state;
pub mod targets;
pub mod theme;

#[cfg(test)]
mod tests;

pub use action::{Action, Control, update};
pub use app::{run, run_terminal};
pub use keymap::{KEYMAP, KeyBinding, dispatch};
pub use state::{Overlay, Panel, Screen, UiState};
pub use theme::{Theme, ThemeError, ThemeFile};

use crate::snapshot::Snapshot;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

/// Lays the screen out and calls each region's `render`.
pub fn draw(f: &mut Frame, snap: &Snapshot, state: &mut UiState, theme: &Theme) {
    let area = f.area();
    f.render_widget(Block::new().style(theme.background), area);
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let msg = format!(
            "lbtop needs at least {MIN_WIDTH}×{MIN_HEIGHT}; this terminal is {}×{}",
            area.width, area.height
        );
        let lines = vec![
            Line::from(Span::styled(msg, theme.text)),
            Line::from(Span::styled(
                "enlarge the window, or press q to quit",
                theme.dim,
            )),
        ];
        let r = help::centered(area, area.width, 3);
        f.render_widget(
            Paragraph::new(lines)
                .alignment(ratatui::layout::Alignment::Center)
                .wrap(Wrap { trim: true }),
            r,
        );
        return;
    }
    let [head, body, foot] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(area);
    header::render(f, head, snap, state, theme);
    match state.screen {
        Screen::Overview => {
            let [sparks, top, bottom] = Layout::vertical([
                Constraint::Length(sparklines::HEIGHT),
                Constraint::Fill(1),
                Constraint::Fill(1),
            ])
            .areas(body);
            sparklines::render(f, sparks, snap, state, theme);
            let [cl, an] =
                Layout::horizontal([Constraint::Percentage(60), Constraint::Fill(1)]).areas(top);
            // The security list needs the width for its request column.
            let sec_pct = if area.width < 100 { 70 } else { 65 };
            let [se, ta] =
                Layout::horizontal([Constraint::Percentage(sec_pct), Constraint::Fill(1)])
                    .areas(bottom);
            clients::render(f, cl, snap, state, theme);
            anomalies::render(f, an, snap, state, theme);
            security::render(f, se, snap, state, theme);
            targets::render(f, ta, snap, state, theme);
        }
        Screen::Drill(_) => drill::render(f, body, snap, state, theme),
    }
    footer::render(f, foot, snap, state, theme);
    help::render(f, area, snap, state, theme);
}
