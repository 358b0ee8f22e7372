//! Detectors. All incremental: one pass, bounded work per line and per window, no look-ahead.
//!
//! - `security`: per-request rules (stateless; run in the parse stage).
//! - `client`: per-client behaviour with bounded, time-decayed state.
//! - `anomaly`: the window scorer over aggregated windows.

pub mod anomaly;
pub mod client;
pub mod security;
