//! `LatencySketch`: a DDSketch-style histogram with logarithmic buckets. Every value is kept
//! within 1% relative error, inserts are O(1), and two sketches merge exactly (bucket counts
//! add), so 10 s windows roll up into 1 min and 5 min windows without keeping samples.
//!
//! Buckets are stored densely over the range actually used, so a window whose latencies span
//! 1 ms..10 s holds ~480 counters (2 KB); the range is capped (values clamp at ~12.7 days), so
//! memory is bounded whatever the input. `reset` keeps the allocation for reuse.

/// Relative accuracy of every reported value.
pub const RELATIVE_ACCURACY: f64 = 0.0095;
/// Largest value tracked distinctly (µs); larger values count in the top bucket.
const MAX_VALUE: u64 = 1 << 40;

#[derive(Debug, Clone)]
pub struct LatencySketch {
    /// Counts for bucket indices `offset..offset + counts.len()`.
    counts: Vec<u32>,
    offset: i32,
    /// Values of exactly 0 µs (log of zero is undefined).
    zeros: u64,
    count: u64,
    min: u64,
    max: u64,
}

impl Default for LatencySketch {
    fn default() -> Self {
        Self::new()
    }
}

/// gamma = (1 + a) / (1 - a); bucket i holds (gamma^(i-1), gamma^i].
fn gamma() -> f64 {
    (1.0 + RELATIVE_ACCURACY) / (1.0 - RELATIVE_ACCURACY)
}

fn inv_ln_gamma() -> f64 {
    1.0 / gamma().ln()
}

/// The bucket index by its definition: `ceil(ln v / ln gamma)`.
fn index_by_log(v: u64) -> i32 {
    ((v as f64).ln() * inv_ln_gamma()).ceil() as i32
}

/// [`index_by_log`] without a logarithm (one a request on the hot path). A value's binary
/// exponent and top six mantissa bits pick a slot narrower than a bucket (1/64 of an octave
/// against gamma - 1 = 1.9%), so its index is the slot's first index or the next one, told
/// apart by the next index's smallest value. Both tables are filled with `index_by_log`
/// itself, so the answers are the same, value for value.
struct IndexTable {
    /// Per slot (`exponent * 64 + top mantissa bits`): the index of its smallest integer.
    slot_start: Vec<i32>,
    /// `first[i]`: the smallest integer whose index is `i` or more.
    first: Vec<u64>,
}

impl IndexTable {
    fn get() -> &'static IndexTable {
        static TABLE: std::sync::OnceLock<IndexTable> = std::sync::OnceLock::new();
        TABLE.get_or_init(IndexTable::build)
    }

    #[inline]
    fn slot(v: u64) -> usize {
        let bits = (v as f64).to_bits();
        (((bits >> 52) as usize - 1023) << 6) | ((bits >> 46) & 63) as usize
    }

    /// Slot `s`'s smallest value, `2^e * (1 + m/64)` (the inverse of [`IndexTable::slot`]).
    fn slot_low(s: usize) -> f64 {
        f64::from_bits((((s as u64 >> 6) + 1023) << 52) | ((s as u64 & 63) << 46))
    }

    fn build() -> IndexTable {
        let top = index_by_log(MAX_VALUE);
        let mut first = Vec::with_capacity(top as usize + 1);
        for i in 0..=top {
            // Index i starts just above gamma^(i-1); rounding is settled by the formula (an
            // index never decreases as the value grows).
            let guess = (f64::from(i - 1) / inv_ln_gamma()).exp().floor();
            let mut v = (guess as u64).clamp(1, MAX_VALUE);
            while index_by_log(v) < i {
                v += 1;
            }
            while v > 1 && index_by_log(v - 1) >= i {
                v -= 1;
            }
            first.push(v);
        }
        let slots = Self::slot(MAX_VALUE) + 1;
        let mut slot_start = vec![0; slots];
        for (s, start) in slot_start.iter_mut().enumerate() {
            // The slot's smallest integer.
            *start = index_by_log((Self::slot_low(s).ceil() as u64).clamp(1, MAX_VALUE));
        }
        IndexTable { slot_start, first }
    }

    #[inline]
    fn index(&self, v: u64) -> i32 {
        let s = self.slot_start[Self::slot(v)];
        match self.first.get(s as usize + 1) {
            Some(&next) if v >= next => s + 1,
            _ => s,
        }
    }
}

impl LatencySketch {
    pub const fn new() -> Self {
        LatencySketch {
            counts: Vec::new(),
            offset: 0,
            zeros: 0,
            count: 0,
            min: u64::MAX,
            max: 0,
        }
    }

    /// Forget everything, keeping the allocation.
    pub fn reset(&mut self) {
        self.counts.clear();
        self.offset = 0;
        self.zeros = 0;
        self.count = 0;
        self.min = u64::MAX;
        self.max = 0;
    }

    /// The bucket index of a value (`None` for 0). Compute once to insert into several sketches.
    #[inline]
    pub fn index_of(v: u64) -> Option<i32> {
        if v == 0 {
            return None;
        }
        Some(IndexTable::get().index(v.min(MAX_VALUE)))
    }

    #[inline]
    pub fn insert(&mut self, v: u64) {
        self.insert_at(Self::index_of(v), v);
    }

    /// Insert a value whose index was computed with [`index_of`](Self::index_of).
    #[inline]
    pub fn insert_at(&mut self, idx: Option<i32>, v: u64) {
        self.count += 1;
        self.min = self.min.min(v);
        self.max = self.max.max(v);
        match idx {
            None => self.zeros += 1,
            Some(i) => self.add(i, 1),
        }
    }

    #[inline]
    fn add(&mut self, i: i32, n: u32) {
        if self.counts.is_empty() {
            self.offset = i;
            self.counts.push(0);
        } else if i < self.offset {
            let grow = (self.offset - i) as usize;
            self.counts.splice(0..0, std::iter::repeat_n(0, grow));
            self.offset = i;
        } else if (i - self.offset) as usize >= self.counts.len() {
            self.counts.resize((i - self.offset) as usize + 1, 0);
        }
        let c = &mut self.counts[(i - self.offset) as usize];
        *c = c.saturating_add(n);
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Exact maximum inserted value.
    pub fn max(&self) -> Option<u64> {
        (self.count > 0).then_some(self.max)
    }

    pub fn min(&self) -> Option<u64> {
        (self.count > 0).then_some(self.min)
    }

    /// The value at rank `q * (count - 1)` (lower), within 1% relative error. `None` if empty.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        let q = if q.is_nan() { 0.5 } else { q.clamp(0.0, 1.0) };
        let rank = q * (self.count - 1) as f64;
        let mut cum = self.zeros as f64;
        if cum > rank {
            return Some(0.0);
        }
        let g = gamma();
        for (k, &c) in self.counts.iter().enumerate() {
            cum += f64::from(c);
            if cum > rank {
                let i = self.offset + k as i32;
                let est = 2.0 * g.powi(i) / (g + 1.0);
                return Some(est.clamp(self.min as f64, self.max as f64));
            }
        }
        Some(self.max as f64)
    }

    /// Add another sketch's counts: the result equals the sketch of both inputs' values.
    pub fn merge(&mut self, other: &LatencySketch) {
        if other.count == 0 {
            return;
        }
        if !other.counts.is_empty() {
            // Grow once to the union range, then add.
            let lo = other.offset;
            let hi = other.offset + other.counts.len() as i32 - 1;
            self.add(lo, 0);
            self.add(hi, 0);
            let base = (lo - self.offset) as usize;
            for (k, &c) in other.counts.iter().enumerate() {
                let d = &mut self.counts[base + k];
                *d = d.saturating_add(c);
            }
        }
        self.zeros += other.zeros;
        self.count += other.count;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }

    /// Non-empty buckets as (index, count), for comparisons and tests.
    pub fn buckets(&self) -> impl Iterator<Item = (i32, u32)> + '_ {
        self.counts
            .iter()
            .enumerate()
            .filter(|(_, c)| **c > 0)
            .map(|(k, c)| (self.offset + k as i32, *c))
    }

    /// Heap bytes held.
    pub fn approx_bytes(&self) -> usize {
        self.counts.capacity() * 4
    }
}

/// Logical equality: same values recorded, whatever the internal range.
impl PartialEq for LatencySketch {
    fn eq(&self, o: &Self) -> bool {
        self.count == o.count
            && self.zeros == o.zeros
            && self.min() == o.min()
            && self.max() == o.max()
            && self.buckets().eq(o.buckets())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_index_table_gives_the_formula_s_index() {
        let t = IndexTable::get();
        for v in 1..(1u64 << 21) {
            assert_eq!(t.index(v), index_by_log(v), "v {v}");
        }
        // Every slot holds at most one bucket boundary, and both its ends agree.
        for s in 0..t.slot_start.len() {
            let lo = IndexTable::slot_low;
            let (a, b) = (lo(s).ceil() as u64, lo(s + 1).ceil() as u64 - 1);
            for v in [a, a + 1, b.saturating_sub(1), b] {
                if (a..=b).contains(&v) && (1..=MAX_VALUE).contains(&v) {
                    assert_eq!(t.index(v), index_by_log(v), "slot {s} v {v}");
                }
            }
            if a <= b && b <= MAX_VALUE {
                assert!(index_by_log(b) - index_by_log(a) <= 1, "slot {s}");
            }
        }
        // Each index's first value, and the values on either side of it.
        for &f in &t.first {
            for v in [f.saturating_sub(1).max(1), f, f + 1] {
                let v = v.min(MAX_VALUE);
                assert_eq!(t.index(v), index_by_log(v), "v {v}");
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn index_of_is_the_log_formula(v in 1u64..=MAX_VALUE) {
            proptest::prop_assert_eq!(IndexTable::get().index(v), index_by_log(v));
        }
    }

    use super::*;
    use proptest::prelude::*;

    fn exact(sorted: &[u64], q: f64) -> f64 {
        sorted[(q * (sorted.len() - 1) as f64) as usize] as f64
    }

    /// xorshift so the test is deterministic without a rand crate.
    fn rng(seed: &mut u64) -> u64 {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        *seed
    }

    #[test]
    fn quantiles_within_one_percent() {
        let mut seed = 0x1234_5678u64;
        for dist in 0..3 {
            let mut s = LatencySketch::new();
            let mut v = Vec::new();
            for _ in 0..100_000 {
                let r = rng(&mut seed);
                let x = match dist {
                    0 => 1 + r % 2_000_000, // uniform up to 2 s
                    1 => (((r % 10_000) as f64 / 1000.0).exp() * 50.0) as u64, // log-uniform tail
                    _ => 1000 + (r % 100) * (r % 100) * (r % 7), // skewed, clustered
                };
                s.insert(x);
                v.push(x);
            }
            v.sort_unstable();
            for q in [0.0, 0.5, 0.9, 0.99, 0.999, 1.0] {
                let e = exact(&v, q);
                let a = s.quantile(q).unwrap();
                assert!(
                    (a - e).abs() <= e * 0.01,
                    "dist {dist} q {q}: sketch {a} exact {e}"
                );
            }
            assert_eq!(s.max(), Some(*v.last().unwrap()));
            assert_eq!(s.count(), 100_000);
            // Memory stays small: bounded by the range of values, not their number.
            assert!(s.approx_bytes() < 8 * 1024, "{}", s.approx_bytes());
        }
    }

    #[test]
    fn empty_zero_and_huge() {
        let mut s = LatencySketch::new();
        assert_eq!(s.quantile(0.5), None);
        assert_eq!(s.max(), None);
        s.insert(0);
        assert_eq!(s.quantile(0.5), Some(0.0));
        s.insert(u64::MAX);
        assert_eq!(s.max(), Some(u64::MAX));
        assert!(s.approx_bytes() < 8 * 1024);
        s.reset();
        assert!(s.is_empty());
        assert_eq!(s.quantile(0.99), None);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]
        #[test]
        fn merge_equals_union(a in proptest::collection::vec(0u64..10_000_000_000, 0..300),
                              b in proptest::collection::vec(0u64..10_000_000_000, 0..300)) {
            let (mut sa, mut sb, mut su) = (LatencySketch::new(), LatencySketch::new(), LatencySketch::new());
            for &x in &a { sa.insert(x); su.insert(x); }
            for &x in &b { sb.insert(x); su.insert(x); }
            sa.merge(&sb);
            prop_assert_eq!(&sa, &su);
            for q in [0.1, 0.5, 0.9, 0.99] {
                prop_assert_eq!(sa.quantile(q), su.quantile(q));
            }
        }
    }
}
