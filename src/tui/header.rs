//! Header: where the data comes from, the mode and log-time cursor, ingest health
//! (lines/s, lag, rejected lines), window and filter.

use super::action::WINDOWS;
use super::escape::{clean, clean_trunc};
use super::fmt::{count, datetime, hms, num};
use super::state::UiState;
use super::theme::Theme;
use crate::snapshot::{Mode, Snapshot};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// The mode badge: `LIVE`, `PAUSED`, `REPLAY ×10`, …
pub fn mode_badge(snap: &Snapshot, state: &UiState, theme: &Theme) -> Span<'static> {
    let (text, style) = match snap.mode {
        _ if state.paused => ("PAUSED".to_string(), theme.mode_paused),
        Mode::Live => ("LIVE".to_string(), theme.mode_live),
        Mode::Replay { paused: true, .. } => ("REPLAY paused".to_string(), theme.mode_paused),
        Mode::Replay { speed_x100, .. } => {
            let x = f64::from(speed_x100) / 100.0;
            (format!("REPLAY ×{}", num(x)), theme.mode_replay)
        }
        Mode::Demo => ("DEMO".to_string(), theme.mode_replay),
        Mode::Backfill => (
            format!("BACKFILL {:.0}%", snap.backfill.unwrap_or(0.0) * 100.0),
            theme.mode_replay,
        ),
    };
    Span::styled(format!(" {text} "), style)
}

pub fn render(f: &mut Frame, area: Rect, snap: &Snapshot, state: &mut UiState, theme: &Theme) {
    let sep = || Span::styled(" │ ", theme.dim);
    // Below 100 columns: no title, time without the date, shorter source names.
    let wide = area.width >= 100;
    let mut top = Vec::new();
    if wide {
        top.push(Span::styled(" lbtop ", theme.title));
    }
    top.push(mode_badge(snap, state, theme));
    top.push(Span::raw(" "));
    if snap.lines == 0 && snap.now == 0 {
        top.push(Span::styled("waiting for data…", theme.dim));
    } else if wide {
        top.push(Span::styled(datetime(snap.now), theme.accent));
    } else {
        top.push(Span::styled(format!("{}Z", hms(snap.now)), theme.accent));
    }
    top.push(sep());
    let src_w = if wide { 28 } else { 18 };
    let src = match snap.sources.as_slice() {
        [] => "stdin".to_string(),
        [one] => clean_trunc(one, src_w),
        [one, rest @ ..] => format!("{} +{}", clean_trunc(one, src_w - 4), rest.len()),
    };
    top.push(Span::styled(src, theme.text));
    if let Some(fmt) = snap.formats.first() {
        top.push(sep());
        top.push(Span::styled(clean_trunc(&fmt.key, 16), theme.text));
        if snap.formats.len() > 1 {
            top.push(Span::styled(
                format!(" +{}", snap.formats.len() - 1),
                theme.dim,
            ));
        }
    }
    top.push(sep());
    top.push(Span::styled(
        format!("{} lines/s", num(snap.lines_per_sec)),
        theme.text,
    ));
    if let Some(lag) = snap.lag_secs {
        top.push(sep());
        let style = if lag > 60.0 {
            theme.warning
        } else {
            theme.text
        };
        top.push(Span::styled(format!("lag {} s", num(lag)), style));
    }

    // The snapshot's window is the truth; the ladder only names it before data arrives.
    let win = match snap.window_secs {
        0 => WINDOWS.get(state.view.window).unwrap_or(&"?").to_string(),
        s if s % 60 == 0 => format!("{} min", s / 60),
        s => format!("{s} s"),
    };
    let mut second = vec![Span::styled(format!(" window {win}"), theme.text)];
    let filter = state.view.filter.label();
    if !filter.is_empty() {
        second.push(sep());
        second.push(Span::styled(
            format!("filter: {}", clean_trunc(&filter, 40)),
            theme.accent,
        ));
    }
    second.push(sep());
    second.push(Span::styled(
        format!("{} lines {} parsed", count(snap.lines), count(snap.parsed)),
        theme.dim,
    ));
    second.push(sep());
    if snap.rejected > 0 {
        let reason = snap
            .last_rejected
            .as_ref()
            .map(|(_, r)| r.as_str())
            .or_else(|| snap.rejected_by_reason.first().map(|c| c.key.as_str()))
            .unwrap_or("unknown");
        let mut text = format!(" {} rejected: {} ", count(snap.rejected), clean(reason));
        if let Some((line, _)) = &snap.last_rejected {
            text.push_str(&format!("«{}» ", clean_trunc(line, 40)));
        }
        second.push(Span::styled(text, theme.warning));
    } else {
        second.push(Span::styled("0 rejected", theme.dim));
    }
    if let Some(a) = snap.alerts {
        second.push(sep());
        let bad = a.failed + a.dropped > 0;
        let mut text = format!("alerts {} sent", count(a.sent));
        if bad {
            text.push_str(&format!(
                ", {} failed, {} dropped",
                count(a.failed),
                count(a.dropped)
            ));
        }
        second.push(Span::styled(
            text,
            if bad { theme.warning } else { theme.dim },
        ));
    }
    if let Some(n) = snap.notices.first() {
        second.push(sep());
        second.push(Span::styled(clean_trunc(n, 50), theme.warning));
    }
    let p = Paragraph::new(vec![Line::from(top), Line::from(second)]).style(theme.header);
    f.render_widget(p, area);
}
