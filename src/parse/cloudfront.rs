//! Stub: to be written. CloudFront standard logs (TSV, `#Fields` header).
use super::Parsed;

pub fn sniff(_line: &str) -> bool {
    false
}

/// Per-stream state: the column map from the latest `#Fields:` header (or the default order).
#[derive(Debug, Default)]
pub struct Parser {}

impl Parser {
    /// Read a `#` header line; true when it is a CloudFront header (`#Version:`/`#Fields:`).
    pub fn header(&mut self, _line: &str) -> bool {
        false
    }

    pub fn parse<'a>(&self, _line: &'a str) -> Parsed<'a> {
        Err(super::Reject("unimplemented"))
    }
}
