//! The help overlay and the centred popups (filter prompt, block rule), all generated from
//! the key table or the state.

use super::escape::clean;
use super::keymap::{Context, KEYMAP, key_label};
use super::state::{Overlay, UiState};
use super::theme::Theme;
use crate::snapshot::Snapshot;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Wrap};

/// One help line: the keys bound to one action in one context, and what it does.
#[derive(Debug, Clone, PartialEq)]
pub struct HelpLine {
    pub context: Context,
    pub keys: Vec<String>,
    pub help: &'static str,
}

/// Help lines from [`KEYMAP`], keys of the same action in the same context merged.
pub fn help_lines() -> Vec<HelpLine> {
    let mut out: Vec<(HelpLine, super::action::Action)> = Vec::new();
    for b in KEYMAP {
        if let Some((l, _)) = out
            .iter_mut()
            .find(|(l, a)| l.context == b.context && *a == b.action)
        {
            l.keys.push(key_label(b));
        } else {
            out.push((
                HelpLine {
                    context: b.context,
                    keys: vec![key_label(b)],
                    help: b.help,
                },
                b.action,
            ));
        }
    }
    out.into_iter().map(|(l, _)| l).collect()
}

fn section(ctx: Context, lines: &[HelpLine], theme: &Theme) -> Vec<Line<'static>> {
    let mut out = vec![Line::from(Span::styled(ctx.title(), theme.title))];
    for l in lines.iter().filter(|l| l.context == ctx) {
        out.push(Line::from(vec![
            Span::styled(format!("  {:<10}", l.keys.join(" ")), theme.accent),
            Span::styled(l.help, theme.text),
        ]));
    }
    out
}

/// A rectangle of at most `w`×`h` centred in `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    area.centered(
        Constraint::Length(w.min(area.width)),
        Constraint::Length(h.min(area.height)),
    )
}

fn popup_block<'a>(title: String, theme: &Theme) -> Block<'a> {
    Block::bordered()
        .border_type(BorderType::Double)
        .border_style(theme.border_focus)
        .title(Span::styled(format!(" {title} "), theme.title))
        .style(theme.popup)
}

pub fn render(f: &mut Frame, area: Rect, _snap: &Snapshot, state: &mut UiState, theme: &Theme) {
    match &state.overlay {
        None => {}
        Some(Overlay::Help) => {
            let lines = help_lines();
            let left: Vec<Line> = [Context::Global, Context::Overview, Context::Drill]
                .into_iter()
                .flat_map(|c| section(c, &lines, theme))
                .collect();
            let right: Vec<Line> = [Context::Replay, Context::Filter, Context::Popup]
                .into_iter()
                .flat_map(|c| section(c, &lines, theme))
                .collect();
            let h = left.len().max(right.len()) as u16 + 2;
            let r = centered(area, 118, h);
            f.render_widget(Clear, r);
            let block = popup_block("Help: Esc or ? to close".into(), theme);
            let inner = block.inner(r);
            f.render_widget(block, r);
            let [a, b] =
                Layout::horizontal([Constraint::Fill(1), Constraint::Fill(1)]).areas(inner);
            f.render_widget(Paragraph::new(left), a);
            f.render_widget(Paragraph::new(right), b);
        }
        Some(Overlay::Filter(input)) => {
            let r = centered(area, 64, 5);
            f.render_widget(Clear, r);
            let p = Paragraph::new(vec![
                Line::from(vec![
                    Span::styled("/", theme.accent),
                    Span::styled(clean(input).into_owned(), theme.text),
                    Span::styled("▏", theme.accent),
                ]),
                Line::from(Span::styled(
                    "IP, path substring, or status class (5xx)",
                    theme.dim,
                )),
                Line::from(Span::styled(
                    "Enter apply (empty clears) · Esc cancel",
                    theme.dim,
                )),
            ])
            .block(popup_block("Filter".into(), theme));
            f.render_widget(p, r);
        }
        Some(Overlay::BlockRule { kind, text }) => {
            let r = centered(area, 72, 6);
            f.render_widget(Clear, r);
            let p = Paragraph::new(vec![
                Line::from(Span::styled(clean(text).into_owned(), theme.accent)),
                Line::from(""),
                Line::from(Span::styled(
                    "printed on exit · b next format · Esc close",
                    theme.dim,
                )),
            ])
            .wrap(Wrap { trim: false })
            .block(popup_block(format!("Block rule: {}", kind.label()), theme));
            f.render_widget(p, r);
        }
    }
}
