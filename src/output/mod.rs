//! Outputs beside stdout and the screen: alert sinks, Prometheus metrics and block lists, fed
//! with the engine's drained events by the command loops (never from the engine itself).

pub mod alert;
pub mod blocklist;
pub mod hooks;
pub mod metrics;
