//! Stub: to be written. nginx/Apache combined and common.
use super::{Format, Parsed};

pub fn sniff(_line: &str) -> Option<Format> {
    None
}

pub fn parse(_line: &str) -> Parsed<'_> {
    Err(super::Reject("unimplemented"))
}
