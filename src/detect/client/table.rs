//! Bounded key → value tables with sampled min-score eviction, and the client identity.
//!
//! Exact Space-Saving needs a sorted stream summary; sampling 8 random slots and evicting the
//! lowest score (as Redis does for LRU/LFU) keeps heavy hitters with high probability, costs
//! O(1) per insert, and never grows past the cap however many distinct keys arrive.

use std::collections::HashMap;
use std::fmt;
use std::hash::BuildHasherDefault;
use std::net::IpAddr;

use crate::record::Micros;

// Keys are already well-mixed 64-bit hashes: hash them by identity.
pub use crate::window::hash::IdHasher;

pub type IdMap<V> = HashMap<u64, V, BuildHasherDefault<IdHasher>>;

/// Small xorshift for eviction sampling; seeded, so runs are reproducible.
#[derive(Debug, Clone)]
pub struct XorShift(u64);

impl XorShift {
    pub fn new(seed: u64) -> Self {
        XorShift(seed | 1)
    }
    #[inline]
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}

/// A bounded table: a slab of values plus a key → slot index.
pub struct Bounded<V> {
    cap: usize,
    keys: Vec<u64>,
    vals: Vec<V>,
    idx: IdMap<u32>,
    rng: XorShift,
    pub evictions: u64,
    /// Per slot, what the score needs (last seen, weight), when the caller keeps it with
    /// [`Bounded::set_hint`]: sampling then reads this small dense array instead of eight
    /// random large values (cache misses dominated the client detector).
    hint: Vec<(Micros, f32)>,
}

const SAMPLE: usize = 8;

impl<V> Bounded<V> {
    pub fn new(cap: usize, seed: u64) -> Self {
        let cap = cap.max(1);
        Bounded {
            cap,
            keys: Vec::new(),
            vals: Vec::new(),
            idx: IdMap::default(),
            rng: XorShift::new(seed),
            evictions: 0,
            hint: Vec::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.vals.len()
    }

    #[inline]
    pub fn slot(&self, key: u64) -> Option<usize> {
        self.idx.get(&key).map(|&i| i as usize)
    }

    pub fn get(&self, key: u64) -> Option<&V> {
        self.slot(key).map(|i| &self.vals[i])
    }

    /// Reads slot `slot`'s key and hint (see `ClientDetector::warm`).
    #[inline]
    pub fn touch(&self, slot: usize) -> u64 {
        self.keys[slot] ^ self.hint.get(slot).map_or(0, |h| h.0 as u64)
    }

    pub fn get_at(&self, slot: usize) -> &V {
        &self.vals[slot]
    }

    #[inline]
    pub fn at(&mut self, slot: usize) -> &mut V {
        &mut self.vals[slot]
    }

    /// Insert a new key (the caller checked it is absent). When full, the lowest-`score`
    /// of a few sampled slots makes room; its value is returned so the caller can see what
    /// was dropped.
    pub fn insert(&mut self, key: u64, v: V, score: impl Fn(&V) -> f64) -> (usize, Option<V>) {
        if self.vals.len() < self.cap {
            return (self.push(key, v), None);
        }
        let victim = self.sample(|t, j| score(&t.vals[j]));
        self.replace(victim, key, v)
    }

    /// [`Bounded::insert`] for a table whose hints are kept: `h` is the new value's hint and
    /// `score` rates a hint. Picks the same victim `insert` would if every hint is current.
    pub fn insert_hinted(
        &mut self,
        key: u64,
        v: V,
        h: (Micros, f32),
        score: impl Fn((Micros, f32)) -> f64,
    ) -> (usize, Option<V>) {
        let out = if self.vals.len() < self.cap {
            (self.push(key, v), None)
        } else {
            let victim = self.sample(|t, j| score(t.hint[j]));
            self.replace(victim, key, v)
        };
        self.set_hint(out.0, h);
        out
    }

    /// Keep slot `slot`'s hint in step with its value (see [`Bounded::insert_hinted`]).
    #[inline]
    pub fn set_hint(&mut self, slot: usize, h: (Micros, f32)) {
        if self.hint.len() < self.vals.len() {
            self.hint.resize(self.vals.len(), (0, 0.0));
        }
        self.hint[slot] = h;
    }

    fn push(&mut self, key: u64, v: V) -> usize {
        let i = self.vals.len();
        self.keys.push(key);
        self.vals.push(v);
        self.idx.insert(key, i as u32);
        i
    }

    /// The lowest-scored of `SAMPLE` random slots.
    #[inline]
    fn sample(&mut self, score: impl Fn(&Self, usize) -> f64) -> usize {
        let n = self.vals.len() as u64;
        // A random slot by multiply-and-shift rather than `%`: no division per sample.
        let pick = |r: u64| ((u128::from(r) * u128::from(n)) >> 64) as usize;
        let mut victim = pick(self.rng.next());
        let mut best = score(self, victim);
        for _ in 1..SAMPLE {
            let j = pick(self.rng.next());
            let s = score(self, j);
            if s < best {
                best = s;
                victim = j;
            }
        }
        victim
    }

    fn replace(&mut self, victim: usize, key: u64, v: V) -> (usize, Option<V>) {
        self.idx.remove(&self.keys[victim]);
        self.keys[victim] = key;
        let old = std::mem::replace(&mut self.vals[victim], v);
        self.idx.insert(key, victim as u32);
        self.evictions += 1;
        (victim, Some(old))
    }

    /// Drop every value `keep` rejects (swap-remove; indices are fixed up).
    pub fn retain(&mut self, mut keep: impl FnMut(&V) -> bool) {
        let mut i = 0;
        while i < self.vals.len() {
            if keep(&self.vals[i]) {
                i += 1;
                continue;
            }
            self.idx.remove(&self.keys[i]);
            self.keys.swap_remove(i);
            self.vals.swap_remove(i);
            if i < self.hint.len() {
                self.hint.swap_remove(i);
            }
            if i < self.vals.len() {
                self.idx.insert(self.keys[i], i as u32);
            }
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (u64, &V)> {
        self.keys.iter().copied().zip(self.vals.iter())
    }

    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.vals.iter_mut()
    }

    /// Heap bytes held, for `approx_bytes` (the hash index counted at ~2× its payload for
    /// control bytes and load factor).
    pub fn approx_bytes(&self, per_value_heap: impl Fn(&V) -> usize) -> usize {
        self.keys.capacity() * 8
            + self.hint.capacity() * std::mem::size_of::<(Micros, f32)>()
            + self.vals.capacity() * std::mem::size_of::<V>()
            + self.idx.capacity() * (std::mem::size_of::<(u64, u32)>() + 1) * 8 / 7
            + self.vals.iter().map(per_value_heap).sum::<usize>()
    }
}

/// Who a client is, for display. An IP costs nothing; a host name is copied once when the
/// client enters a table (Apache hostname lookups are rare).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientId {
    Ip(IpAddr),
    Host(Box<str>),
    Unknown,
}

impl ClientId {
    pub fn of(r: &crate::record::Request<'_>) -> ClientId {
        match (r.client_ip, r.client_host.as_deref()) {
            (Some(ip), _) => ClientId::Ip(ip),
            (None, Some(h)) => ClientId::Host(h.into()),
            (None, None) => ClientId::Unknown,
        }
    }

    pub fn heap_bytes(&self) -> usize {
        match self {
            ClientId::Host(h) => h.len(),
            _ => 0,
        }
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientId::Ip(ip) => write!(f, "{ip}"),
            ClientId::Host(h) => f.write_str(h),
            ClientId::Unknown => f.write_str("-"),
        }
    }
}

/// Linear-counting distinct sketch over a sliding window made of two half-windows
/// (`cur`, `prev`): 256 bits each, accurate to ~5% up to ~500 distinct values (rules ask
/// for ~120), saturating (never overflowing) beyond.
#[derive(Debug, Clone, Default)]
pub struct Distinct {
    cur: [u64; W],
    prev: [u64; W],
    epoch: i64,
}

const W: usize = 4;

impl Distinct {
    /// A read of both halves (see `ClientDetector::warm`).
    #[inline]
    pub fn touch(&self) -> u64 {
        self.cur[0] ^ self.prev[W - 1]
    }

    #[inline]
    /// Adds a value; true when it set a bit not yet set in the window (the estimate grew),
    /// so callers re-estimate only then.
    pub fn add(&mut self, epoch: i64, h: u64) -> bool {
        if epoch > self.epoch {
            self.prev = if epoch == self.epoch + 1 {
                self.cur
            } else {
                [0; W]
            };
            self.cur = [0; W];
            self.epoch = epoch;
        }
        let bit = (h >> 56) as usize; // top 8 bits: 0..256
        let (w, m) = (bit >> 6, 1u64 << (bit & 63));
        let seen = (self.cur[w] | self.prev[w]) & m != 0;
        self.cur[w] |= m;
        !seen
    }

    /// How much log time `estimate` covers at `now` (µs): from the start of the previous
    /// half-window, or of the current one if there was no previous.
    pub fn span(&self, now: Micros, half: Micros) -> Micros {
        let start = (self.epoch - 1).saturating_mul(half);
        now.saturating_sub(start).clamp(0, 2 * half)
    }

    /// Estimated distinct values over the current and previous half-window, as of `epoch`.
    pub fn estimate(&self, epoch: i64) -> f64 {
        let mut zeros = 0u32;
        let mut any = false;
        for i in 0..W {
            let w = if epoch == self.epoch {
                self.cur[i] | self.prev[i]
            } else if epoch == self.epoch + 1 {
                self.cur[i]
            } else {
                0
            };
            any |= w != 0;
            zeros += w.count_zeros();
        }
        if !any {
            return 0.0;
        }
        let m = (W * 64) as f64;
        let z = f64::from(zeros.max(1));
        m * (m / z).ln()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::client::classify::mix64;

    /// Hinted insertion must evict exactly what plain insertion evicts when hints are kept.
    #[test]
    fn hinted_insert_picks_the_same_victims() {
        let score = |(last, w): (Micros, f32)| f64::from(w) / (1 + last) as f64;
        let mut plain: Bounded<(Micros, f32)> = Bounded::new(50, 3);
        let mut hinted: Bounded<(Micros, f32)> = Bounded::new(50, 3);
        for k in 0..5_000u64 {
            let key = mix64(k % 700);
            let v = ((k % 13) as Micros, (k % 7) as f32 + 0.5);
            match (plain.slot(key), hinted.slot(key)) {
                (Some(a), Some(b)) => {
                    assert_eq!(a, b);
                    *plain.at(a) = v;
                    *hinted.at(b) = v;
                    hinted.set_hint(b, v);
                }
                (None, None) => {
                    let (a, old_a) = plain.insert(key, v, |x| score(*x));
                    let (b, old_b) = hinted.insert_hinted(key, v, v, score);
                    assert_eq!((a, old_a), (b, old_b));
                }
                other => panic!("tables diverged at {k}: {other:?}"),
            }
        }
        assert!(hinted.evictions > 1_000);
        assert_eq!(plain.evictions, hinted.evictions);
        hinted.retain(|v| v.1 > 3.0);
        plain.retain(|v| v.1 > 3.0);
        assert_eq!(
            plain.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            hinted.iter().map(|(k, _)| k).collect::<Vec<_>>()
        );
        assert_eq!(hinted.hint.len(), hinted.len());
        for (i, (_, v)) in hinted.iter().enumerate() {
            assert_eq!(hinted.hint[i], *v);
        }
    }

    #[test]
    fn bounded_never_exceeds_cap_and_keeps_heavy() {
        let mut t: Bounded<f64> = Bounded::new(100, 7);
        let (heavy, _) = t.insert(u64::MAX, 1e9, |v| *v);
        assert_eq!(heavy, 0);
        for k in 0..10_000u64 {
            if t.slot(k).is_none() {
                t.insert(k, 1.0, |v| *v);
            }
        }
        assert_eq!(t.len(), 100);
        assert!(
            t.slot(u64::MAX).is_some(),
            "heavy hitter survives the churn"
        );
        assert!(t.evictions >= 9_900);
        t.retain(|v| *v > 10.0);
        assert_eq!(t.len(), 1);
        assert_eq!(*t.get(u64::MAX).unwrap(), 1e9);
    }

    #[test]
    fn distinct_estimates() {
        let mut d = Distinct::default();
        for i in 0..300u64 {
            d.add(10, mix64(i));
            assert!(!d.add(10, mix64(i)), "a repeat never grows the estimate");
        }
        let e = d.estimate(10);
        assert!((270.0..330.0).contains(&e), "{e}");
        // next half-window: the old half still counts, then it ages out
        d.add(11, mix64(1_000));
        assert!(d.estimate(11) > 250.0);
        assert!(d.estimate(12) < 5.0);
        assert_eq!(d.estimate(13), 0.0);
    }
}
