//! Distinct counting in fixed memory: `Hll` (HyperLogLog, 2^12 registers, ~1.6% standard
//! error, mergeable) for unique clients per window, and `SeenFilter` (rotating blocked Bloom
//! filters) to tell whether a client was seen in roughly the last hour of log time.

use crate::record::Micros;

const P: u32 = 12;
const M: usize = 1 << P;

#[derive(Debug, Clone, PartialEq)]
pub struct Hll {
    regs: Box<[u8; M]>,
}

impl Default for Hll {
    fn default() -> Self {
        Self::new()
    }
}

impl Hll {
    pub fn new() -> Self {
        Hll {
            regs: Box::new([0; M]),
        }
    }

    /// Add an item by its 64-bit hash (must be well mixed: see `hash.rs`).
    #[inline]
    pub fn insert_hash(&mut self, h: u64) {
        let idx = (h >> (64 - P)) as usize;
        let w = (h << P) | (1 << (P - 1));
        let rank = w.leading_zeros() as u8 + 1;
        let r = &mut self.regs[idx];
        if rank > *r {
            *r = rank;
        }
    }

    pub fn merge(&mut self, o: &Hll) {
        for (a, b) in self.regs.iter_mut().zip(o.regs.iter()) {
            *a = (*a).max(*b);
        }
    }

    pub fn reset(&mut self) {
        self.regs.fill(0);
    }

    pub fn estimate(&self) -> u64 {
        let m = M as f64;
        let mut sum = 0.0;
        let mut zeros = 0usize;
        for &r in self.regs.iter() {
            sum += f64::from(-(i32::from(r))).exp2();
            zeros += usize::from(r == 0);
        }
        if zeros == M {
            return 0;
        }
        let alpha = 0.7213 / (1.0 + 1.079 / m);
        let e = alpha * m * m / sum;
        // Linear counting is far more precise while many registers are still empty.
        if e <= 2.5 * m && zeros > 0 {
            return (m * (m / zeros as f64).ln()).round() as u64;
        }
        e.round() as u64
    }

    pub const fn approx_bytes() -> usize {
        M
    }
}

/// Words per Bloom filter: 2^15 × 64 bits = 256 KiB, ~1% false positives at 200k clients
/// per generation. Beyond that the filter saturates and new clients are under-counted, which
/// is the bounded-memory trade-off.
const WORDS: usize = 1 << 15;

/// A blocked Bloom filter: the four bits of a key live in one 64-bit word (one cache miss).
#[derive(Clone)]
struct Bloom {
    words: Box<[u64]>,
}

impl Bloom {
    fn new() -> Self {
        Bloom {
            words: vec![0u64; WORDS].into_boxed_slice(),
        }
    }
    #[inline]
    fn slot(h: u64) -> (usize, u64) {
        let idx = (h as usize) & (WORDS - 1);
        let b = h >> 40;
        let mask = (1u64 << (b & 63))
            | (1u64 << ((b >> 6) & 63))
            | (1u64 << ((b >> 12) & 63))
            | (1u64 << ((b >> 18) & 63));
        (idx, mask)
    }
    #[inline]
    fn contains(&self, h: u64) -> bool {
        let (i, m) = Self::slot(h);
        self.words[i] & m == m
    }
    #[inline]
    fn insert(&mut self, h: u64) {
        let (i, m) = Self::slot(h);
        self.words[i] |= m;
    }
    fn clear(&mut self) {
        self.words.fill(0);
    }
}

/// "Seen in the last ~hour of log time": two generations of `generation` length each plus a
/// pending filter. Keys checked during a window are only committed when the window closes, so
/// every request a new client makes within its first window counts as a new-client request.
pub struct SeenFilter {
    old: Bloom,
    cur: Bloom,
    pending: Bloom,
    cur_start: Option<Micros>,
    generation: Micros,
    /// Whether `pending` holds anything (empty windows commit for free).
    dirty: bool,
}

impl SeenFilter {
    /// `horizon`: how long a client stays "known" (at least half of it, at most all of it).
    pub fn new(horizon: Micros) -> Self {
        SeenFilter {
            old: Bloom::new(),
            cur: Bloom::new(),
            pending: Bloom::new(),
            cur_start: None,
            generation: (horizon / 2).max(1),
            dirty: false,
        }
    }

    /// Load the filter words `h` will use (see `Aggregator::warm`); the value only keeps
    /// the loads from being optimised away.
    #[inline]
    pub fn touch(&self, h: u64) -> u64 {
        let (i, _) = Bloom::slot(h);
        self.pending.words[i] ^ self.cur.words[i] ^ self.old.words[i]
    }

    /// True if the key was not known before the current window. Marks it for commit.
    #[inline]
    pub fn check_new(&mut self, h: u64) -> bool {
        self.pending.insert(h);
        self.dirty = true;
        !(self.cur.contains(h) || self.old.contains(h))
    }

    /// Fold the keys of the closed window into the known set; rotate generations by log time.
    pub fn commit(&mut self, now: Micros) {
        let start = *self.cur_start.get_or_insert(now);
        if now - start >= self.generation {
            std::mem::swap(&mut self.old, &mut self.cur);
            self.cur.clear();
            self.cur_start = Some(now);
        }
        if self.dirty {
            for (c, p) in self.cur.words.iter_mut().zip(self.pending.words.iter()) {
                *c |= *p;
            }
            self.pending.clear();
            self.dirty = false;
        }
    }

    pub fn approx_bytes(&self) -> usize {
        3 * WORDS * 8
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::window::hash::{hash_ip, hash_str};
    use std::net::IpAddr;

    #[test]
    fn hll_error_within_three_percent() {
        for n in [
            10u32, 100, 1000, 5000, 9000, 11_000, 15_000, 25_000, 50_000, 500_000,
        ] {
            let mut h = Hll::new();
            for i in 0..n {
                let ip = IpAddr::from((i.wrapping_mul(2_654_435_761)).to_be_bytes());
                h.insert_hash(hash_ip(ip));
                h.insert_hash(hash_ip(ip)); // duplicates don't count
            }
            let e = h.estimate() as f64;
            let err = (e - f64::from(n)).abs() / f64::from(n);
            assert!(err <= 0.03, "n {n}: estimate {e} err {err}");
        }
        assert_eq!(Hll::new().estimate(), 0);
    }

    #[test]
    fn hll_merge_is_union() {
        let (mut a, mut b, mut u) = (Hll::new(), Hll::new(), Hll::new());
        for i in 0..3000 {
            let h = hash_str(&format!("client-{i}"));
            if i % 2 == 0 {
                a.insert_hash(h)
            } else {
                b.insert_hash(h)
            }
            u.insert_hash(h);
        }
        a.merge(&b);
        assert_eq!(a, u);
        let e = a.estimate() as f64;
        assert!((e - 3000.0).abs() < 90.0, "{e}");
    }

    #[test]
    fn seen_filter_new_then_known_then_forgotten() {
        let min = 60 * 1_000_000i64;
        let mut s = SeenFilter::new(60 * min);
        let h = hash_str("1.2.3.4");
        assert!(s.check_new(h));
        assert!(s.check_new(h), "still new within its first window");
        s.commit(0);
        assert!(!s.check_new(h), "known after its window closed");
        let mut s2 = SeenFilter::new(60 * min);
        s2.check_new(h);
        s2.commit(0);
        s2.commit(31 * min); // rotate: h now in the old generation
        assert!(!s2.check_new(h), "still known in the old generation");
        s2.pending.clear(); // as if h had not been seen since
        s2.dirty = false;
        s2.commit(62 * min); // rotate again: h dropped
        assert!(s2.check_new(h), "forgotten after the horizon");
        // False positives stay low at 100k distinct keys.
        let mut s3 = SeenFilter::new(60 * min);
        for i in 0..100_000u32 {
            s3.check_new(hash_ip(IpAddr::from(i.to_be_bytes())));
        }
        s3.commit(0);
        let fp = (0..10_000u32)
            .filter(|i| !s3.check_new(hash_str(&format!("x{i}"))))
            .count();
        assert!(fp < 200, "false positives {fp}");
    }
}
