//! Stub: to be written. Azure Application Gateway and Front Door access logs (JSON).
use super::{Format, Parsed};

pub fn sniff(_line: &str) -> Option<Format> {
    None
}

pub fn parse(_line: &str) -> Parsed<'_> {
    Err(super::Reject("unimplemented"))
}
