//! Footer: key hints for the active context, generated from the key table.

use super::keymap::hints;
use super::state::UiState;
use super::theme::Theme;
use crate::snapshot::Snapshot;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn render(f: &mut Frame, area: Rect, _snap: &Snapshot, state: &mut UiState, theme: &Theme) {
    let mut spans = Vec::new();
    if let Some(s) = &state.status {
        spans.push(Span::styled(format!(" {s} "), theme.accent));
    }
    for (key, label) in hints(state) {
        spans.push(Span::styled(format!(" {key}"), theme.accent));
        spans.push(Span::styled(format!(" {label} "), theme.dim));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}
