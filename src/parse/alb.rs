//! Stub: to be written. Parser for one format.
use super::Parsed;

pub fn sniff(_line: &str) -> bool {
    false
}

pub fn parse(_line: &str) -> Parsed<'_> {
    Err(super::Reject("unimplemented"))
}
