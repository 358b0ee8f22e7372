//! Outputs beyond the JSON event stream.

pub mod blocklist;
