//! lbtop: watch load balancer access logs live and say, within seconds, that something is
//! wrong, what kind of wrong, and who is doing it.
//!
//! The core (`record`, `parse`, `window`, `detect`, `engine`, `sim`) is synchronous and free
//! of terminals and async runtimes; `source`, `tui` and the command-line app sit behind the
//! default `app` feature.

pub mod detect;
pub mod engine;
pub mod event;
pub mod parse;
pub mod record;
pub mod sim;
pub mod snapshot;
pub mod window;

#[cfg(feature = "app")]
pub mod source;
#[cfg(feature = "app")]
pub mod tui;
