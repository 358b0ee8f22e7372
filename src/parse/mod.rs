//! Parsers: one file per format, and [`StreamParser`], which detects a stream's format from
//! its lines and dispatches. A line that is not a request is data, never an error that stops
//! anything: it comes back as [`Outcome::Rejected`] with a reason, or [`Outcome::Skipped`] for
//! lines that carry no request by design (blank lines, CloudFront `#` headers).

pub mod alb;
pub mod azure;
pub mod clf;
pub mod cloudfront;
pub mod elb;
pub mod gcp;
pub mod json;
pub mod lex;

pub use crate::record::Format;
use crate::record::Request;

/// Why a line was not turned into a request. A short kebab-case reason, the key under which
/// `lbtop scan` counts it (`"garbage"`, `"bad-timestamp"`, `"nlb-record"`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Reject(pub &'static str);

pub type Parsed<'a> = Result<Request<'a>, Reject>;

/// Lines longer than this are rejected unread: no load balancer writes them, and a 1 MB line
/// of garbage must not cost a regex or a JSON parse.
pub const MAX_LINE: usize = 64 * 1024;

/// What one line (or one record of a JSON wrapper) gave. The request is lent, not moved:
/// it is 520 bytes, and moving it into the enum and out again cost two copies a line.
#[derive(Debug, PartialEq)]
pub enum Outcome<'a, 'r> {
    Request(&'r mut Request<'a>),
    Skipped(&'static str),
    Rejected(Reject),
}

/// [`Outcome`] owning its request, for tests that collect outcomes.
#[cfg(test)]
#[allow(clippy::large_enum_variant)]
#[derive(Debug, PartialEq)]
pub enum Owned<'a> {
    Request(Request<'a>),
    Skipped(&'static str),
    Rejected(Reject),
}

#[cfg(test)]
impl<'a> Outcome<'a, '_> {
    pub fn owned(self) -> Owned<'a> {
        match self {
            Outcome::Request(r) => Owned::Request(r.clone()),
            Outcome::Skipped(s) => Owned::Skipped(s),
            Outcome::Rejected(e) => Owned::Rejected(e),
        }
    }
}

/// After this many consecutive lines that match another format, the stream switches to it
/// (a log file whose writer was reconfigured); until then they are rejected as `format-switch`.
const SWITCH_AFTER: u32 = 8;

/// Per-stream parser state: the detected (or forced) format and CloudFront's `#Fields` map.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct StreamParser {
    forced: Option<Format>,
    format: Option<Format>,
    cloudfront: cloudfront::Parser,
    /// Candidate format of the current run of mismatching lines, and its length.
    switch: Option<(Format, u32)>,
}

impl StreamParser {
    pub fn new(forced: Option<Format>) -> Self {
        StreamParser {
            forced,
            format: forced,
            ..Default::default()
        }
    }

    /// The format this stream was detected (or forced) as, once known.
    pub fn format(&self) -> Option<Format> {
        self.format
    }

    /// Parse one line (without its `\n`; a trailing `\r` is tolerated). A JSON
    /// `{"records":[…]}` export wrapper yields several outcomes for one line.
    pub fn parse_line<'a>(&mut self, line: &'a str, out: &mut impl FnMut(Outcome<'a, '_>)) {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.len() > MAX_LINE {
            return out(Outcome::Rejected(Reject("line-too-long")));
        }
        if line.trim_ascii().is_empty() {
            return out(Outcome::Skipped("blank"));
        }
        if line.starts_with('#') {
            // CloudFront W3C headers; `#Fields:` defines the column order that follows.
            if self.format.is_none() || self.format == Some(Format::Cloudfront) {
                if self.cloudfront.header(line) && self.format.is_none() {
                    self.format = Some(Format::Cloudfront);
                }
                return out(Outcome::Skipped("header"));
            }
            return out(Outcome::Rejected(Reject("comment")));
        }
        if let Some(records) = json::records(line) {
            let mut any = false;
            for rec in records {
                any = true;
                self.parse_one(rec, out);
            }
            if !any {
                out(Outcome::Skipped("empty-records"));
            }
            return;
        }
        self.parse_one(line, out);
    }

    fn parse_one<'a>(&mut self, line: &'a str, out: &mut impl FnMut(Outcome<'a, '_>)) {
        let format = match self.format {
            Some(f) => f,
            None => match sniff(line) {
                Some(f) => {
                    self.format = Some(f);
                    f
                }
                None => return out(Outcome::Rejected(Reject("unknown-format"))),
            },
        };
        // Matched in place: binding the request by value copies it out of the `Result`.
        match &mut self.parse_as(format, line) {
            Ok(r) => {
                self.switch = None;
                out(Outcome::Request(r));
            }
            &mut Err(e) => {
                // A line the format rejects may be another format (a switch mid-file).
                if self.forced.is_none() && e.0 != "not-a-request" {
                    if let Some(other) = sniff(line).filter(|&f| !same_family(f, format)) {
                        let n = match self.switch {
                            Some((f, n)) if f == other => n + 1,
                            _ => 1,
                        };
                        self.switch = Some((other, n));
                        if n >= SWITCH_AFTER {
                            self.format = Some(other);
                            self.switch = None;
                            if let Ok(r) = &mut self.parse_as(other, line) {
                                return out(Outcome::Request(r));
                            }
                        }
                        return out(Outcome::Rejected(Reject("format-switch")));
                    }
                }
                out(Outcome::Rejected(e));
            }
        }
    }

    fn parse_as<'a>(&mut self, format: Format, line: &'a str) -> Parsed<'a> {
        match format {
            Format::Alb => alb::parse(line),
            Format::ElbClassic => elb::parse(line),
            Format::Cloudfront => self.cloudfront.parse(line),
            Format::GcpLb => gcp::parse(line),
            Format::AzureAppGw | Format::AzureFrontDoor => azure::parse(line),
            Format::Combined | Format::Common => clf::parse(line),
        }
    }
}

/// Combined and common are one family: a common line in a combined file is not a switch.
fn same_family(a: Format, b: Format) -> bool {
    a == b
        || matches!(
            (a, b),
            (
                Format::Combined | Format::Common,
                Format::Combined | Format::Common
            ) | (
                Format::AzureAppGw | Format::AzureFrontDoor,
                Format::AzureAppGw | Format::AzureFrontDoor
            )
        )
}

/// Guess a line's format from its shape. Cheap checks first; each format module owns its test.
pub fn sniff(line: &str) -> Option<Format> {
    let t = line.trim_start();
    if t.starts_with('{') {
        if gcp::sniff(t) {
            return Some(Format::GcpLb);
        }
        return azure::sniff(t);
    }
    if alb::sniff(t) {
        return Some(Format::Alb);
    }
    if elb::sniff(t) {
        return Some(Format::ElbClassic);
    }
    if cloudfront::sniff(t) {
        return Some(Format::Cloudfront);
    }
    clf::sniff(t)
}

/// Detect the format of a stream from its first lines: the most common sniffed format.
pub fn detect<'a>(lines: impl IntoIterator<Item = &'a str>) -> Option<Format> {
    let mut counts = [0u32; Format::ALL.len()];
    let mut cf_header = false;
    for line in lines.into_iter().take(64) {
        if line.starts_with("#Fields:") || line.starts_with("#Version:") {
            cf_header = true;
        }
        let first = json::records(line).and_then(|r| r.into_iter().next());
        let line = first.unwrap_or(line);
        if let Some(f) = sniff(line) {
            counts[Format::ALL.iter().position(|&x| x == f).unwrap_or(0)] += 1;
        }
    }
    if cf_header {
        return Some(Format::Cloudfront);
    }
    let (i, &n) = counts.iter().enumerate().max_by_key(|&(_, n)| *n)?;
    (n > 0).then(|| Format::ALL[i])
}

#[cfg(test)]
mod switch_tests {
    use super::*;

    const ALB: &str = r#"http 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.46.0" - - arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337262-36d228ad5d99923122bbe354" "-" "-" 0 2018-07-02T22:22:48.364000Z "forward" "-" "-" "10.0.0.1:80" "200" "-" "-""#;
    const CLF: &str =
        r#"10.0.0.2 - - [02/Jul/2018:22:23:01 +0000] "GET /a HTTP/1.1" 200 12 "-" "curl/8""#;

    fn outcomes(lines: &[&str]) -> (usize, Vec<&'static str>) {
        let mut p = StreamParser::new(None);
        let (mut ok, mut bad) = (0, Vec::new());
        for l in lines {
            p.parse_line(l, &mut |o| match o {
                Outcome::Request(_) => ok += 1,
                Outcome::Rejected(r) => bad.push(r.0),
                Outcome::Skipped(_) => {}
            });
        }
        (ok, bad)
    }

    #[test]
    fn a_format_switch_mid_file_is_counted_then_followed() {
        // Three ALB lines, then the writer switches to combined for good.
        let mut lines = vec![ALB; 3];
        lines.extend(std::iter::repeat_n(CLF, 20));
        let (ok, bad) = outcomes(&lines);
        let switched = usize::try_from(SWITCH_AFTER).unwrap() - 1;
        assert_eq!(bad, vec!["format-switch"; switched], "counted, by reason");
        assert_eq!(ok, 3 + 20 - switched, "then parsed as the new format");
        assert_eq!(ok + bad.len(), 23, "nothing lost from the counts");
    }

    #[test]
    fn a_stray_line_of_another_format_does_not_switch() {
        let (ok, bad) = outcomes(&[ALB, ALB, CLF, ALB, ALB]);
        assert_eq!((ok, bad), (4, vec!["format-switch"]));
    }

    #[test]
    fn detection_from_first_lines() {
        assert_eq!(detect([ALB, ALB]), Some(Format::Alb));
        assert_eq!(
            detect(["#Version: 1.0", "#Fields: date time"]),
            Some(Format::Cloudfront)
        );
        assert_eq!(detect(["hello", "world"]), None);
    }
}
