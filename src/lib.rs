//! lbtop: watch load balancer access logs live and say, within seconds, that something is
//! wrong, what kind of wrong, and who is doing it.
//!
//! Data path: sources (`source`) → parse stage (`ingest`: `parse` + security rules into a
//! `batch`) → `engine` (`window` aggregation, `detect`ors, events) → outputs (`cmd` for JSON
//! lines and reports, `tui` for the screen, through a `snapshot`).
//!
//! The core (`record`, `parse`, `batch`, `ingest`, `window`, `detect`, `engine`, `sim`) is
//! synchronous and free of terminals, async runtimes and the file system; `source`,
//! `pipeline`, `tui`, `cli` and `cmd` sit behind the default `app` feature.

pub mod batch;
pub mod bytes;
pub mod detect;
pub mod engine;
pub mod event;
pub mod ingest;
pub mod keys;
pub mod parse;
pub mod record;
pub mod sim;
pub mod snapshot;
pub mod window;

#[cfg(test)]
mod testutil;

#[cfg(feature = "app")]
pub mod cli;
#[cfg(feature = "app")]
pub mod cmd;
#[cfg(feature = "app")]
pub mod config;
#[cfg(feature = "app")]
pub mod output;
#[cfg(feature = "app")]
pub mod pipeline;
#[cfg(feature = "app")]
pub mod source;
#[cfg(feature = "app")]
pub mod tui;
