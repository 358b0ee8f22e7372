//! Each path's usual latency, so a request can be judged against its own endpoint.
//!
//! A site's latency is a mixture: 3 ms scripts and 300 ms searches. A slowdown that makes
//! 8% of requests twelve times slower barely moves the mixture's p99 (a slowed script is
//! still fast), but every slowed request stands far out from its own path's usual latency.
//! Counting such requests per window gives the scorer a share with a tiny baseline (~0.1%),
//! testable at 2 req/s.
//!
//! Work per request is one probe of a fixed table on the sketch's log-bucket index (no
//! logarithm, no allocation); memory is fixed (a table of [`SLOTS`] paths).

/// Paths tracked at once; the busiest hold their slots (a weaker resident is worn down,
/// Misra–Gries style, before a newcomer takes its place).
pub const SLOTS: usize = 4_096;
/// Requests a path needs before its requests are judged.
const TRAINED: u32 = 40;
/// A request is slow for its path beyond this many mean absolute deviations (~3.2 σ for a
/// log-normal path) above the path's median …
const SPREAD_MULT: f32 = 4.0;
/// … and at least twice its median (35 buckets of ~2%), so a path with near-constant
/// latency does not count a jitter as slow.
const MIN_BUCKETS: f32 = 35.0;
/// Learning rate of the spread once trained.
const SPREAD_RATE: f32 = 1.0 / 64.0;

#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    key: u64,
    /// Median latency, in sketch buckets.
    median: f32,
    /// Mean absolute deviation from the median, in buckets.
    spread: f32,
    n: u32,
}

#[derive(Debug, Clone)]
pub struct PathLatency {
    slots: Box<[Slot]>,
}

impl Default for PathLatency {
    fn default() -> Self {
        PathLatency {
            slots: vec![Slot::default(); SLOTS].into_boxed_slice(),
        }
    }
}

impl PathLatency {
    /// Judge a request of path `key` (a non-zero hash) with latency bucket `idx` against the
    /// path's usual latency, then learn from it. `None` while the path is not yet trained.
    #[inline]
    pub fn judge(&mut self, key: u64, idx: i32) -> Option<bool> {
        if key == 0 {
            return None;
        }
        let x = idx as f32;
        // Two-way set: the slot and its neighbour.
        let i = (key as usize) & (SLOTS - 2);
        let s = if self.slots[i].key == key {
            &mut self.slots[i]
        } else if self.slots[i + 1].key == key {
            &mut self.slots[i + 1]
        } else {
            let w = if self.slots[i].n <= self.slots[i + 1].n {
                i
            } else {
                i + 1
            };
            let s = &mut self.slots[w];
            if s.n > 1 {
                // Wear the weaker resident down; the newcomer waits for its next request.
                s.n -= 1;
                return None;
            }
            *s = Slot {
                key,
                median: x,
                spread: 0.0,
                n: 1,
            };
            return None;
        };
        let d = x - s.median;
        let verdict = (s.n >= TRAINED).then(|| d > (SPREAD_MULT * s.spread).max(MIN_BUCKETS));
        if s.n < TRAINED {
            // Running mean and mean deviation until the path has a history.
            s.n += 1;
            let a = 1.0 / s.n as f32;
            s.median += a * d;
            s.spread += a * (d.abs() - s.spread);
        } else {
            // A median tracker moves by a fixed step whatever the outlier, and the spread
            // learns only from requests not judged slow: an ongoing slowdown of a few
            // requests is not learned as usual (a whole path turning slower moves the
            // median within a hundred requests).
            s.n = s.n.saturating_add(1);
            let step = (s.spread * 0.05).max(0.25);
            s.median += if d > 0.0 { step } else { -step };
            if verdict != Some(true) {
                s.spread += SPREAD_RATE * (d.abs() - s.spread);
            }
        }
        verdict
    }

    pub fn approx_bytes(&self) -> usize {
        self.slots.len() * std::mem::size_of::<Slot>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::rng::Rng;
    use crate::window::LatencySketch;

    /// Latency bucket of `ms` × e^(σ·z).
    fn bucket(rng: &mut Rng, ms: f64, sigma: f64, factor: f64) -> i32 {
        let us = ms * 1000.0 * (sigma * rng.normal()).exp() * factor;
        LatencySketch::index_of(us as u64).unwrap()
    }

    /// Share of requests judged slow for two paths of very different speed.
    fn slow_share(pl: &mut PathLatency, rng: &mut Rng, n: usize, slowed: f64, f: f64) -> f64 {
        let (mut judged, mut slow) = (0.0, 0.0);
        for i in 0..n {
            let (key, ms, sigma) = if i % 2 == 0 {
                (11, 3.0, 0.6)
            } else {
                (22, 200.0, 0.5)
            };
            let factor = if rng.chance(slowed) { f } else { 1.0 };
            if let Some(s) = pl.judge(key, bucket(rng, ms, sigma, factor)) {
                judged += 1.0;
                slow += f64::from(u8::from(s));
            }
        }
        slow / judged
    }

    #[test]
    fn slowed_requests_stand_out_against_their_own_path() {
        let mut rng = Rng::new(7);
        let mut pl = PathLatency::default();
        let base = slow_share(&mut pl, &mut rng, 20_000, 0.0, 1.0);
        assert!(base < 0.004, "baseline share {base}");
        // 8% of requests 12× slower: a slowed 3 ms script is still faster than the median
        // search, but slow for its own path.
        let inc = slow_share(&mut pl, &mut rng, 4_000, 0.08, 12.0);
        // Of the 8% slowed, those a little faster than their path's median stay within its
        // spread: ~89% of them count.
        assert!(inc > 0.06, "incident share {inc}");
        // The incident was not learned as usual.
        let after = slow_share(&mut pl, &mut rng, 4_000, 0.0, 1.0);
        assert!(after < 0.006, "after {after}");
    }

    #[test]
    fn untrained_and_keyless_requests_are_not_judged() {
        let mut pl = PathLatency::default();
        assert_eq!(pl.judge(0, 100), None);
        for _ in 0..TRAINED {
            assert_eq!(pl.judge(5, 100), None);
        }
        assert_eq!(pl.judge(5, 100), Some(false));
        assert_eq!(pl.judge(5, 100 + MIN_BUCKETS as i32 + 1), Some(true));
    }

    #[test]
    fn busy_paths_keep_their_slots_against_a_spray_of_new_paths() {
        let mut pl = PathLatency::default();
        let busy = 1u64 << 20;
        for _ in 0..1_000 {
            pl.judge(busy, 100);
        }
        // A million one-off paths, several landing on the busy path's set.
        for k in 1..1_000_000u64 {
            pl.judge(k.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1, 100);
            if k % 100 == 0 {
                pl.judge(busy, 100);
            }
        }
        assert_eq!(pl.judge(busy, 100), Some(false));
    }
}
