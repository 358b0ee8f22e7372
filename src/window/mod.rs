//! Rolling windows on log time: request rate, latency percentiles, status classes, unique
//! clients, bytes, per-target health and top talkers, in bounded memory whatever the input.
//!
//! - [`Aggregator`]: log-time buckets (10 s default) with allowed lateness, empty windows for
//!   gaps, 1 min / 5 min rollups, sparkline history rings, decayed recent top tables.
//! - [`ClientTable`]: bounded per-client detail for the drill-down.
//! - Building blocks: [`LatencySketch`] (DDSketch-style, 1% relative error, mergeable),
//!   [`distinct::Hll`] and [`distinct::SeenFilter`], [`TopK`] (Space-Saving), and
//!   [`normalize_path`].

use crate::event::WindowEvent;
use crate::record::Micros;

/// Per-target (backend) numbers in one window.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct TargetStats {
    pub target: String,
    pub requests: u64,
    pub errors_5xx: u64,
    pub latency_p50_ms: Option<f64>,
    pub latency_p99_ms: Option<f64>,
}

/// Everything known about one closed window: the `window` event plus the extra features the
/// anomaly scorer reads.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct WindowStats {
    pub event: WindowEvent,
    /// Requests from clients not seen in the recent past (approximate, bounded memory).
    pub new_clients: u64,
    /// The busiest client of the window and its request count.
    pub top_client: Option<(String, u64)>,
    /// Per target, busiest first (bounded).
    pub targets: Vec<TargetStats>,
    /// 4xx counts split: 401/403 (auth), 404 (not found), other 4xx.
    pub status_401_403: u64,
    pub status_404: u64,
    /// 5xx by status code: 500, 502, 503, 504, other.
    pub status_5xx_by_code: [u64; 5],
    /// Requests that arrived after their window had closed (counted in the oldest open one).
    pub late: u64,
    /// The window's latency distribution (µs), so the anomaly scorer can count requests
    /// beyond its baseline's tail: a count test is exact at any rate, a p99 of 50 is not.
    #[serde(skip)]
    pub latency: LatencySketch,
    /// Requests with a latency per bucket of [`LATENCY_BOUNDS_US`] (value <= bound), the
    /// last slot for slower ones: exact counts for a Prometheus histogram.
    pub latency_buckets: [u64; LATENCY_SLOTS],
    /// Sum of those latencies, microseconds.
    pub latency_sum_us: u64,
    /// Requests judged against their path's usual latency (the path had a history) …
    pub latency_judged: u64,
    /// … and those among them far slower than usual for their path (`path_latency`).
    pub slow_for_path: u64,
}

/// Fixed latency histogram bounds (5 ms … 30 s), microseconds.
pub const LATENCY_BOUNDS_US: [u64; 12] = [
    5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000, 5_000_000,
    10_000_000, 30_000_000,
];
/// One slot per bound plus one for anything slower.
pub const LATENCY_SLOTS: usize = LATENCY_BOUNDS_US.len() + 1;

/// The histogram slot of a latency in microseconds (a dozen compares, no allocation).
#[inline]
pub fn latency_slot(us: u64) -> usize {
    LATENCY_BOUNDS_US
        .iter()
        .position(|&b| us <= b)
        .unwrap_or(LATENCY_BOUNDS_US.len())
}

impl WindowStats {
    pub fn start(&self) -> Micros {
        self.event.start.0
    }
}

pub mod aggregator;
mod bucket;
pub mod clients;
pub mod distinct;
pub mod hash;
pub mod path_latency;
pub mod paths;
pub mod sketch;
pub mod topk;

pub use aggregator::{AggConfig, Aggregator, Resolution};
pub use clients::{ClientConfig, ClientTable};
pub use paths::{PathNormalizer, normalize_path};
pub use sketch::LatencySketch;
pub use topk::{ClientKey, ClientRef, TopK};

#[cfg(test)]
mod bench;
#[cfg(test)]
mod tests;
