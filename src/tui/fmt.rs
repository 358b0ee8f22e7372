//! Small pure formatting helpers shared by the region renderers.

use super::theme::Theme;
use crate::record::{MICROS_PER_SEC, Micros, format_rfc3339};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType};

/// `1234` → `1.2k`, `0.5` → `0.50`, with at most 4–5 characters.
pub fn num(v: f64) -> String {
    if !v.is_finite() {
        return "-".into();
    }
    let a = v.abs();
    if a >= 1e9 {
        format!("{:.1}G", v / 1e9)
    } else if a >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if a >= 1e4 {
        format!("{:.0}k", v / 1e3)
    } else if a >= 1e3 {
        format!("{:.1}k", v / 1e3)
    } else if a >= 100.0 || a == 0.0 || v.fract() == 0.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

pub fn opt_num(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), num)
}

/// Counts with thousands separators: `12,345`.
pub fn count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `HH:MM:SS` of a log time (UTC).
pub fn hms(t: Micros) -> String {
    let sod = t.div_euclid(MICROS_PER_SEC).rem_euclid(86_400);
    format!("{:02}:{:02}:{:02}", sod / 3600, (sod / 60) % 60, sod % 60)
}

/// `YYYY-MM-DD HH:MM:SSZ` of a log time.
pub fn datetime(t: Micros) -> String {
    let s = format_rfc3339(t - t.rem_euclid(MICROS_PER_SEC));
    s.replacen('T', " ", 1)
}

/// A bordered panel whose border shows focus.
pub fn panel<'a>(title: &'a str, focused: bool, theme: &Theme) -> Block<'a> {
    let (border, bt) = if focused {
        (theme.border_focus, BorderType::Thick)
    } else {
        (theme.border, BorderType::Plain)
    };
    Block::bordered()
        .border_type(bt)
        .border_style(border)
        .title(Line::from(Span::styled(format!(" {title} "), theme.title)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(num(1234.0), "1.2k");
        assert_eq!(num(12345.0), "12k");
        assert_eq!(num(0.5), "0.50");
        assert_eq!(num(42.0), "42");
        assert_eq!(num(42.25), "42.2");
        assert_eq!(num(f64::NAN), "-");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(count(12), "12");
        assert_eq!(
            hms(3_600 * MICROS_PER_SEC + 61 * MICROS_PER_SEC),
            "01:01:01"
        );
    }
}
