//! Client drill-down: rate sparkline, status mix, top paths, user agents, security hits,
//! behaviours, first/last seen and the latest raw requests.

use super::escape::{clean, clean_trunc};
use super::fmt::{count, datetime, hms, num, opt_num, panel};
use super::security::severity_style;
use super::state::{Screen, UiState};
use super::theme::Theme;
use crate::snapshot::{ClientDetail, Count, Snapshot};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Sparkline, Table};

fn counts<'a>(
    title: &'a str,
    items: &'a [Count],
    width: u16,
    style_of: impl Fn(&str) -> Style,
    theme: &Theme,
) -> Table<'a> {
    let key_w = width.saturating_sub(2 + 8 + 1).max(4) as usize;
    let rows = items.iter().map(|c| {
        Row::new(vec![
            Cell::from(clean_trunc(&c.key, key_w)).style(style_of(&c.key)),
            Cell::from(count(c.count)).style(theme.text),
        ])
    });
    Table::new(rows, [Constraint::Fill(1), Constraint::Length(8)]).block(panel(title, false, theme))
}

fn status_style(key: &str, theme: &Theme) -> Style {
    match key.as_bytes().first() {
        Some(b'2') => theme.status_2xx,
        Some(b'3') => theme.status_3xx,
        Some(b'4') => theme.status_4xx,
        Some(b'5') => theme.status_5xx,
        _ => theme.dim,
    }
}

pub fn render(f: &mut Frame, area: Rect, snap: &Snapshot, state: &mut UiState, theme: &Theme) {
    let ip = match &state.screen {
        Screen::Drill(ip) => ip.clone(),
        Screen::Overview => return,
    };
    let Some(d) = snap.detail.as_ref().filter(|d| d.client == ip) else {
        let msg = format!("loading drill-down for {}…", clean(&ip));
        let p = Paragraph::new(Span::styled(msg, theme.dim)).block(panel("Client", true, theme));
        f.render_widget(p, area);
        return;
    };
    let [top, mid, sec, recent] = Layout::vertical([
        Constraint::Length(4),
        Constraint::Fill(1),
        Constraint::Fill(1),
        Constraint::Fill(1),
    ])
    .areas(area);
    summary(f, top, d, theme);

    let [st, paths, uas] = Layout::horizontal([
        Constraint::Length(18),
        Constraint::Fill(1),
        Constraint::Fill(1),
    ])
    .areas(mid);
    f.render_widget(
        counts(
            "Status",
            &d.statuses,
            st.width,
            |k| status_style(k, theme),
            theme,
        ),
        st,
    );
    f.render_widget(
        counts("Top paths", &d.paths, paths.width, |_| theme.text, theme),
        paths,
    );
    f.render_widget(
        counts(
            "User agents",
            &d.user_agents,
            uas.width,
            |_| theme.text,
            theme,
        ),
        uas,
    );

    let [hits, beh] = Layout::horizontal([Constraint::Fill(3), Constraint::Fill(2)]).areas(sec);
    let req_w = hits.width.saturating_sub(2 + 8 + 13 + 2).max(4) as usize;
    let rows = d.security.iter().map(|e| {
        Row::new(vec![
            Cell::from(hms(e.time.0)).style(theme.dim),
            Cell::from(e.category.name()).style(severity_style(e.severity, theme)),
            Cell::from(clean_trunc(&e.request, req_w)).style(theme.text),
        ])
    });
    let title = format!("Security hits ({})", d.security.len());
    let t = Table::new(
        rows,
        [
            Constraint::Length(8),
            Constraint::Length(13),
            Constraint::Fill(1),
        ],
    )
    .block(panel(&title, false, theme));
    f.render_widget(t, hits);
    let lines: Vec<Line> = d
        .behaviors
        .iter()
        .map(|b| {
            Line::from(vec![
                Span::styled(format!("{} ", b.behavior.name()), theme.alert_medium),
                Span::styled(clean(&b.summary).into_owned(), theme.text),
            ])
        })
        .collect();
    let p = if lines.is_empty() {
        Paragraph::new(Span::styled("none detected", theme.dim))
    } else {
        Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: true })
    };
    f.render_widget(p.block(panel("Behaviours", false, theme)), beh);

    let line_w = recent.width.saturating_sub(4) as usize;
    let rows = d
        .recent
        .iter()
        .map(|r| Row::new(vec![Cell::from(clean_trunc(r, line_w)).style(theme.text)]));
    let t = Table::new(rows, [Constraint::Fill(1)])
        .block(panel("Latest requests (newest first)", true, theme))
        .row_highlight_style(theme.selection);
    f.render_stateful_widget(t, recent, &mut state.drill_table);
}

fn summary(f: &mut Frame, area: Rect, d: &ClientDetail, theme: &Theme) {
    let title = format!("Client {}", clean_trunc(&d.client, 45));
    let block = panel(&title, false, theme);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let [info, spark] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(inner);
    let seen = |t: Option<i64>| t.map_or_else(|| "-".to_string(), datetime);
    let line = Line::from(vec![
        Span::styled(format!("{} requests", count(d.requests)), theme.accent),
        Span::styled("  first ", theme.dim),
        Span::styled(seen(d.first_seen), theme.text),
        Span::styled("  last ", theme.dim),
        Span::styled(seen(d.last_seen), theme.text),
        Span::styled(
            format!(
                "  rate {}{} (base {})",
                opt_num(d.rate.current),
                d.rate.unit,
                opt_num(d.rate.baseline)
            ),
            theme.dim,
        ),
    ]);
    f.render_widget(Paragraph::new(line), info);
    let [label, sl] =
        Layout::horizontal([Constraint::Length(14), Constraint::Fill(1)]).areas(spark);
    let w = sl.width as usize;
    let vals = &d.rate.values[d.rate.values.len().saturating_sub(w)..];
    let max = vals
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let k = if max > 0.0 { 1000.0 / max } else { 1.0 };
    let data: Vec<Option<u64>> = vals
        .iter()
        .map(|v| (v.is_finite() && *v >= 0.0).then(|| (v * k).round() as u64))
        .collect();
    f.render_widget(
        Paragraph::new(Span::styled(format!("rate max {}", num(max)), theme.dim)),
        label,
    );
    f.render_widget(
        Sparkline::default()
            .data(data)
            .max(if max > 0.0 { 1000 } else { 1 })
            .style(theme.spark_rps),
        sl,
    );
}
