//! Outputs beside stdout and the screen: alert sinks and Prometheus metrics, fed with the
//! engine's drained events by the command loops (never from the engine itself).

pub mod alert;
pub mod hooks;
pub mod metrics;
