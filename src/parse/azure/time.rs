//! Azure's many time spellings (the same pipeline sees .NET's invariant and US cultures):
//! ISO 8601 with 0–9 fraction digits, with or without a zone, and US `M/D/YYYY h:mm:ss`
//! with an optional `AM`/`PM` and `±hh:mm`.

use crate::parse::lex;
use crate::record::Micros;

pub fn parse(s: &str) -> Option<Micros> {
    let s = s.trim();
    lex::iso8601(s).or_else(|| us(s))
}

/// Leading 1–`max` digit number and the rest.
fn num(b: &[u8], max: usize) -> Option<(u32, &[u8])> {
    let n = b
        .iter()
        .take(max + 1)
        .take_while(|c| c.is_ascii_digit())
        .count();
    if n == 0 || n > max {
        return None;
    }
    let v = b[..n]
        .iter()
        .fold(0u32, |v, &c| v * 10 + u32::from(c - b'0'));
    Some((v, &b[n..]))
}

fn sep(b: &[u8], c: u8) -> Option<&[u8]> {
    match b {
        [x, rest @ ..] if *x == c => Some(rest),
        _ => None,
    }
}

/// `01/09/2007 09:41:00`, `1/9/2007 9:41:00 AM`, `1/9/2007 10:41:00 AM +01:00` (month first).
fn us(s: &str) -> Option<Micros> {
    let b = s.as_bytes();
    let (mo, b) = num(b, 2)?;
    let (d, b) = num(sep(b, b'/')?, 2)?;
    let (y, b) = num(sep(b, b'/')?, 4)?;
    let b = b.trim_ascii_start();
    let (mut h, b) = num(b, 2)?;
    let (mi, b) = num(sep(b, b':')?, 2)?;
    let (sec, mut b) = num(sep(b, b':')?, 2)?;
    let mut us = 0u32;
    if let Some(tail) = sep(b, b'.') {
        let n = tail.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        for (i, &c) in tail[..n].iter().enumerate().take(6) {
            us += u32::from(c - b'0') * 10u32.pow(5 - i as u32);
        }
        b = &tail[n..];
    }
    b = b.trim_ascii_start();
    if b.len() >= 2 && (b[..2].eq_ignore_ascii_case(b"AM") || b[..2].eq_ignore_ascii_case(b"PM")) {
        if !(1..=12).contains(&h) {
            return None;
        }
        let pm = b[0].eq_ignore_ascii_case(&b'P');
        h = match (h, pm) {
            (12, false) => 0,
            (12, true) => 12,
            (h, true) => h + 12,
            (h, false) => h,
        };
        b = &b[2..];
    }
    let t = lex::civil_to_micros(i64::from(y), mo, d, h, mi, sec, us)?;
    Some(t - lex::zone_offset(b)? * 1_000_000)
}

#[cfg(test)]
mod tests {
    use super::parse;
    use crate::record::format_rfc3339;

    #[test]
    fn all_spellings() {
        let f = |s| parse(s).map(format_rfc3339);
        let base = Some("2007-01-09T09:41:00Z".to_string());
        for s in [
            "01/09/2007 09:41:00",
            "1/9/2007 09:41:00",
            "01/09/2007 09:41:00 AM",
            "1/9/2007 9:41:00 AM",
            "1/9/2007 10:41:00 AM +01:00",
            "2007-01-09T09:41:00",
            "2007-01-09T11:41:00+02:00",
            "1/8/2007 9:41:00 PM -12:00",
        ] {
            assert_eq!(f(s), base, "{s}");
        }
        assert_eq!(
            f("2007-01-09T09:41:00.22Z").unwrap(),
            "2007-01-09T09:41:00.220Z"
        );
        assert_eq!(
            f("2007-01-09T09:41:00.6816663Z").unwrap(),
            "2007-01-09T09:41:00.681666Z"
        );
        assert_eq!(
            f("2007-01-09T09:41:00.535404056Z").unwrap(),
            "2007-01-09T09:41:00.535404Z"
        );
        assert_eq!(
            f("2007-01-09T09:41:00.992099+00:00").unwrap(),
            "2007-01-09T09:41:00.992099Z"
        );
        assert_eq!(f("12/31/2020 12:00:00 AM").unwrap(), "2020-12-31T00:00:00Z");
        assert_eq!(f("12/31/2020 12:30:00 PM").unwrap(), "2020-12-31T12:30:00Z");
        assert_eq!(
            f("1/9/2007 9:41:00.5"),
            Some("2007-01-09T09:41:00.500Z".into())
        );
        for bad in [
            "",
            "13/1/2007 1:00:00",
            "1/9/2007 13:00:00 PM",
            "1/9/07",
            "x/9/2007 1:1:1",
            "1/9/2007 9:41:00 +5:00",
        ] {
            assert_eq!(f(bad), None, "{bad}");
        }
    }
}
