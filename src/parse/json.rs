//! JSON helpers shared by the JSON formats (GCP, Azure).

use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::ops::Range;

use super::lex;

#[derive(Deserialize)]
struct Wrapper<'a> {
    #[serde(borrow)]
    records: Vec<&'a RawValue>,
}

/// Azure's export wrapper `{"records":[{…},{…}]}` on one line: the records' own JSON text,
/// borrowed from the line. `None` when the line is not such a wrapper.
pub fn records(line: &str) -> Option<Vec<&str>> {
    // Every line of every format comes through here: turn away lines that cannot start with
    // `{` (after whitespace) by their first byte, before the Unicode-aware trim.
    let first = *line.as_bytes().first()?;
    if first.is_ascii() && first != b'{' && !char::from(first).is_whitespace() {
        return None;
    }
    let t = line.trim_start();
    let head = t.get(..t.len().min(32))?;
    if !t.starts_with('{') || !head.contains("\"records\"") {
        return None;
    }
    let w: Wrapper<'_> = serde_json::from_str(t).ok()?;
    Some(w.records.into_iter().map(RawValue::get).collect())
}

/// A JSON value read leniently: GCP and Azure write numbers as strings (`"requestSize":"577"`,
/// `"httpStatusCode":"200"`) or as numbers, depending on the field and the log generation.
/// Strings borrow from the line unless they held escapes.
#[derive(Debug, Clone, PartialEq)]
pub enum Val<'a> {
    Str(Cow<'a, str>),
    U(u64),
    I(i64),
    F(f64),
    Bool(bool),
    Null,
    /// An array or object, skipped.
    Complex,
}

impl<'de: 'a, 'a> Deserialize<'de> for Val<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValVisitor(PhantomData))
    }
}

struct ValVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for ValVisitor<'a> {
    type Value = Val<'a>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Val<'a>, E> {
        Ok(Val::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Val<'a>, E> {
        Ok(Val::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Val<'a>, E> {
        Ok(Val::Str(Cow::Owned(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Val<'a>, E> {
        Ok(Val::U(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Val<'a>, E> {
        Ok(if v >= 0 { Val::U(v as u64) } else { Val::I(v) })
    }
    fn visit_f64<E>(self, v: f64) -> Result<Val<'a>, E> {
        Ok(Val::F(v))
    }
    fn visit_bool<E>(self, v: bool) -> Result<Val<'a>, E> {
        Ok(Val::Bool(v))
    }
    fn visit_unit<E>(self) -> Result<Val<'a>, E> {
        Ok(Val::Null)
    }
    fn visit_none<E>(self) -> Result<Val<'a>, E> {
        Ok(Val::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Val<'a>, D::Error> {
        Val::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Val<'a>, A::Error> {
        while a.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Val::Complex)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Val<'a>, A::Error> {
        while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Val::Complex)
    }
}

impl<'a> Val<'a> {
    /// The text of a string value, `None` for `""`, `"-"` and non-strings.
    pub fn text(&self) -> Option<&str> {
        match self {
            Val::Str(s) => lex::dash(s.trim()),
            _ => None,
        }
    }

    /// A string (or a number written as one) for a `Request` field; `""`/`"-"` are `None`.
    pub fn into_cow(self) -> Option<Cow<'a, str>> {
        match self {
            Val::Str(Cow::Borrowed(s)) => lex::dash(s).map(Cow::Borrowed),
            Val::Str(Cow::Owned(s)) => lex::dash(&s).is_some().then_some(Cow::Owned(s)),
            Val::U(v) => Some(Cow::Owned(v.to_string())),
            Val::I(v) => Some(Cow::Owned(v.to_string())),
            Val::F(v) => Some(Cow::Owned(v.to_string())),
            _ => None,
        }
    }

    /// A non-negative integer from a number or a numeric string.
    pub fn u64(&self) -> Option<u64> {
        match self {
            Val::U(v) => Some(*v),
            Val::F(f) if *f >= 0.0 && f.is_finite() && *f < 1e19 => Some(*f as u64),
            Val::Str(s) => lex::uint(s.trim()),
            _ => None,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            Val::Str(s) => lex::status(s.trim()),
            v => v
                .u64()
                .filter(|s| (100..=999).contains(s))
                .map(|s| s as u16),
        }
    }

    /// Seconds (number, `"0.384"` or GCP's `"0.123s"`) to microseconds.
    pub fn secs_us(&self) -> Option<u64> {
        match self {
            Val::U(v) => v.checked_mul(1_000_000),
            Val::F(f) if *f >= 0.0 && *f < 1e12 => Some((f * 1e6).round() as u64),
            Val::Str(s) => {
                let s = s.trim();
                lex::secs_to_us(s.strip_suffix('s').unwrap_or(s))
            }
            _ => None,
        }
    }

    /// Milliseconds (number or string) to microseconds.
    pub fn millis_us(&self) -> Option<u64> {
        match self {
            Val::U(v) => v.checked_mul(1_000),
            Val::F(f) if *f >= 0.0 && *f < 1e15 => Some((f * 1e3).round() as u64),
            Val::Str(s) => lex::secs_to_us(s.trim()).map(|us| us / 1000),
            _ => None,
        }
    }

    /// Whether the value was written with a fraction (`0.023`, `"0.023"`).
    pub fn has_fraction(&self) -> bool {
        match self {
            Val::F(_) => true,
            Val::Str(s) => s.contains('.'),
            _ => false,
        }
    }
}

/// Byte ranges of an URL's parts: `scheme://host/path?query` or origin-form `/path?query`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct UrlParts {
    pub scheme: Option<Range<usize>>,
    pub host: Option<Range<usize>>,
    pub path: Option<Range<usize>>,
    pub query: Option<Range<usize>>,
}

pub fn split_url(s: &str) -> UrlParts {
    let mut out = UrlParts::default();
    let end = match memchr::memchr(b'?', s.as_bytes()) {
        Some(q) => {
            out.query = Some(q + 1..s.len());
            q
        }
        None => s.len(),
    };
    let url = &s[..end];
    let mut start = 0;
    if let Some(i) = memchr::memmem::find(url.as_bytes(), b"://").filter(|&i| i > 0 && i < 10) {
        out.scheme = Some(0..i);
        let h = i + 3;
        let hend = memchr::memchr(b'/', &url.as_bytes()[h..]).map_or(end, |j| h + j);
        if hend > h {
            out.host = Some(h..hend);
        }
        start = hend;
    }
    if end > start {
        out.path = Some(start..end);
    }
    out
}

/// A part of a decoded string: borrowed from the line when the string was, else copied.
pub fn part<'a>(c: &Cow<'a, str>, r: Range<usize>) -> Cow<'a, str> {
    match c {
        Cow::Borrowed(s) => {
            let s: &'a str = s;
            Cow::Borrowed(&s[r])
        }
        Cow::Owned(s) => Cow::Owned(s[r].to_owned()),
    }
}

/// URL parts as `Request` fields (scheme, host without port, path, query).
pub type UrlFields<'a> = (
    Option<Cow<'a, str>>,
    Option<Cow<'a, str>>,
    Option<Cow<'a, str>>,
    Option<Cow<'a, str>>,
);

pub fn url_fields<'a>(c: &Cow<'a, str>) -> UrlFields<'a> {
    let u = split_url(c);
    let host = u.host.map(|r| {
        let h = &c[r.clone()];
        let hp = lex::host_without_port(h);
        part(c, r.start..r.start + hp.len())
    });
    (
        u.scheme.map(|r| part(c, r)),
        host,
        u.path.map(|r| part(c, r)),
        u.query.filter(|r| !r.is_empty()).map(|r| part(c, r)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn val_numbers_or_strings() {
        #[derive(Deserialize)]
        struct T<'a> {
            #[serde(borrow)]
            a: Option<Val<'a>>,
            #[serde(borrow)]
            b: Option<Val<'a>>,
            #[serde(borrow)]
            c: Option<Val<'a>>,
            #[serde(borrow)]
            d: Option<Val<'a>>,
        }
        let t: T<'_> =
            serde_json::from_str(r#"{"a":"577","b":0.384,"c":"x\"y","d":[1,{"z":2}],"e":1}"#)
                .unwrap();
        assert_eq!(t.a.as_ref().unwrap().u64(), Some(577));
        assert!(matches!(t.a, Some(Val::Str(Cow::Borrowed("577")))));
        assert_eq!(t.b.as_ref().unwrap().secs_us(), Some(384_000));
        assert_eq!(t.c.unwrap().into_cow().as_deref(), Some("x\"y"));
        assert_eq!(t.d, Some(Val::Complex));
        assert_eq!(Val::Str("0.123s".into()).secs_us(), Some(123_000));
        assert_eq!(Val::Str("200".into()).status(), Some(200));
        assert_eq!(Val::U(200).status(), Some(200));
        assert_eq!(Val::Str("-".into()).into_cow(), None);
        assert_eq!(Val::I(-1).u64(), None);
    }

    #[test]
    fn urls() {
        let c: Cow<'_, str> = "https://erp.example.com:443/a/b?x=1&y".into();
        let (s, h, p, q) = url_fields(&c);
        assert_eq!(s.as_deref(), Some("https"));
        assert_eq!(h.as_deref(), Some("erp.example.com"));
        assert_eq!(p.as_deref(), Some("/a/b"));
        assert_eq!(q.as_deref(), Some("x=1&y"));
        let c: Cow<'_, str> = "/only?".into();
        let (s, h, p, q) = url_fields(&c);
        assert_eq!((s, h, q), (None, None, None));
        assert_eq!(p.as_deref(), Some("/only"));
        let c: Cow<'_, str> = "http://[2001:db8::1]:8080".into();
        let (_, h, p, _) = url_fields(&c);
        assert_eq!(h.as_deref(), Some("[2001:db8::1]"));
        assert_eq!(p, None);
    }

    #[test]
    fn wrapper() {
        let r = super::records(r#"{"records":[{"a":1}, {"b":"x"}]}"#).unwrap();
        assert_eq!(r, vec![r#"{"a":1}"#, r#"{"b":"x"}"#]);
        assert!(super::records(r#"{"a":1}"#).is_none());
        // Leading whitespace of any kind (a vertical tab, a no-break space) is trimmed first.
        for lead in ["\u{b}", " \t", "\u{a0}"] {
            let line = format!(r#"{lead}{{"records":[{{"a":1}}]}}"#);
            assert_eq!(super::records(&line), Some(vec![r#"{"a":1}"#]), "{lead:?}");
        }
        assert!(super::records("x{\"records\":[]}").is_none());
        assert!(super::records("").is_none());
        assert!(super::records(r#"{"records": nope"#).is_none());
    }
}

/// Test helpers shared by the GCP, Azure and CLF parser tests.
#[cfg(test)]
pub(crate) mod testutil {
    use crate::parse::{Outcome, StreamParser};
    use crate::record::{Request, format_rfc3339};
    use std::path::PathBuf;

    /// One field of a request as text, `None` written as `-`: table-driven tests compare these.
    pub fn field(r: &Request<'_>, key: &str) -> String {
        fn o<T: ToString>(v: Option<T>) -> String {
            v.map_or_else(|| "-".to_string(), |v| v.to_string())
        }
        match key {
            "format" => r.format.name().to_string(),
            "time" => format_rfc3339(r.time),
            "ip" => o(r.client_ip),
            "client_host" => o(r.client_host.as_deref()),
            "port" => o(r.client_port),
            "method" => o(r.method.as_deref()),
            "scheme" => o(r.scheme.as_deref()),
            "host" => o(r.host.as_deref()),
            "path" => o(r.path.as_deref()),
            "query" => o(r.query.as_deref()),
            "proto" => o(r.protocol.as_deref()),
            "status" => o(r.status),
            "backend_status" => o(r.backend_status),
            "backend" => o(r.backend.as_deref()),
            "backend_us" => o(r.backend_time_us),
            "total_us" => o(r.total_time_us),
            "in" => o(r.bytes_in),
            "out" => o(r.bytes_out),
            "ua" => o(r.user_agent.as_deref()),
            "ref" => o(r.referrer.as_deref()),
            "tls" => o(r.tls_protocol.as_deref()),
            "cipher" => o(r.tls_cipher.as_deref()),
            "trace" => o(r.trace_id.as_deref()),
            "reason" => o(r.reason.as_deref()),
            "edge" => o(r.edge_location.as_deref()),
            _ => panic!("unknown field {key}"),
        }
    }

    /// Assert `key=value` pairs (separated by `|`) against a request.
    pub fn check(r: &Request<'_>, spec: &str, ctx: &str) {
        for kv in spec.split(" | ") {
            let (k, v) = kv
                .split_once('=')
                .unwrap_or_else(|| panic!("bad spec {kv}"));
            assert_eq!(field(r, k.trim()), v, "field {k} of {ctx}");
        }
    }

    /// Every outcome of a whole text fed line by line to a fresh `StreamParser`:
    /// `Ok(request)` or `Err(reason)` (skips are left out).
    pub fn run(text: &str) -> Vec<Result<Request<'static>, &'static str>> {
        let mut sp = StreamParser::new(None);
        let mut out = Vec::new();
        for line in text.split('\n') {
            sp.parse_line(line, &mut |o| match o {
                Outcome::Request(r) => out.push(Ok(std::mem::take(r).into_owned())),
                Outcome::Rejected(e) => out.push(Err(e.0)),
                Outcome::Skipped(_) => {}
            });
        }
        out
    }

    /// `$LBTOP_FORMATS/<sub>` (fallback `../shared/formats`), `None` when absent.
    pub fn formats(sub: &str) -> Option<PathBuf> {
        let dir = crate::testutil::formats_dir(sub);
        if dir.is_none() {
            println!("skipped: formats folder not found");
        }
        dir
    }

    /// The text of `$LBTOP_FORMATS/<sub>/<file>`.
    pub fn read(dir: &std::path::Path, file: &str) -> String {
        let b = std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        String::from_utf8_lossy(&b).into_owned()
    }
}
