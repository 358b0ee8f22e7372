//! Bounded key → value tables with min-score eviction, and the client identity.
//!
//! Exact Space-Saving needs a sorted stream summary; evicting the lowest score of 8 slots
//! (as Redis samples 8 for LRU/LFU; here the 8 slots a key may use) keeps heavy hitters with
//! high probability, costs O(1) per insert, and never grows past the cap however many
//! distinct keys arrive.

use std::collections::HashMap;
use std::fmt;
use std::hash::BuildHasherDefault;
use std::net::IpAddr;

use crate::record::Micros;

// Keys are already well-mixed 64-bit hashes: hash them by identity.
pub use crate::window::hash::IdHasher;

pub type IdMap<V> = HashMap<u64, V, BuildHasherDefault<IdHasher>>;

/// A bounded key → value table, set-associative: a key can live only in the 8 slots of its
/// set (picked by the key's high bits), and a new key evicts the lowest-scored of them when
/// they are all taken. Finding a key reads one cache line of keys; evicting reads the set's
/// hints, two more; nothing else is touched. (Sampling 8 random slots of the whole table,
/// with a hash index beside it, cost six or more cache misses per new client: on a busy
/// log most of the client detector's time.)
///
/// Values live densely in insertion order, so iteration and memory follow what is stored,
/// and the slot arrays are zero-initialised (pages the OS maps on first touch).
pub struct Bounded<V> {
    sets: usize,
    /// Per slot: the key (meaningful only where `pos` is set).
    keys: Vec<u64>,
    /// Per slot: 1 + the value's index in `vals`; 0 = empty.
    pos: Vec<u32>,
    /// Per slot, what the score needs (last seen, weight), when the caller keeps it with
    /// [`Bounded::set_hint`]: eviction then reads the set's hints, not its values.
    hint: Vec<(Micros, f32)>,
    vals: Vec<V>,
    /// Per value, its slot (to fix `pos` up when `retain` moves values).
    owner: Vec<u32>,
    pub evictions: u64,
}

/// Slots per set.
const WAYS: usize = 8;

impl<V> Bounded<V> {
    /// A table of at most `cap` values, rounded up to a multiple of 8.
    pub fn new(cap: usize) -> Self {
        let sets = cap.max(1).div_ceil(WAYS);
        let n = sets * WAYS;
        Bounded {
            sets,
            keys: vec![0; n],
            pos: vec![0; n],
            hint: vec![(0, 0.0); n],
            vals: Vec::new(),
            owner: Vec::new(),
            evictions: 0,
        }
    }

    /// Most values the table holds.
    #[cfg(test)]
    pub fn capacity(&self) -> usize {
        self.sets * WAYS
    }

    pub fn len(&self) -> usize {
        self.vals.len()
    }

    /// The slots `key` may occupy.
    #[inline]
    fn set_of(&self, key: u64) -> std::ops::Range<usize> {
        // Multiply-and-shift: the high bits pick the set, no division.
        let s = ((u128::from(key) * self.sets as u128) >> 64) as usize;
        s * WAYS..s * WAYS + WAYS
    }

    #[inline]
    pub fn slot(&self, key: u64) -> Option<usize> {
        let set = self.set_of(key);
        let base = set.start;
        self.keys[set]
            .iter()
            .zip(&self.pos[base..base + WAYS])
            .position(|(&k, &p)| k == key && p != 0)
            .map(|w| base + w)
    }

    pub fn get(&self, key: u64) -> Option<&V> {
        self.slot(key).map(|s| self.get_at(s))
    }

    /// Reads slot `slot`'s key and hint (see `ClientDetector::warm`).
    #[inline]
    pub fn touch(&self, slot: usize) -> u64 {
        self.keys[slot] ^ self.hint[slot].0 as u64
    }

    #[inline]
    pub fn get_at(&self, slot: usize) -> &V {
        &self.vals[self.pos[slot] as usize - 1]
    }

    #[inline]
    pub fn at(&mut self, slot: usize) -> &mut V {
        &mut self.vals[self.pos[slot] as usize - 1]
    }

    /// Insert a new key (the caller checked it is absent). When its set is full, the
    /// lowest-`score` value of the set makes room and is returned, so the caller can see
    /// what was dropped.
    pub fn insert(&mut self, key: u64, v: V, score: impl Fn(&V) -> f64) -> (usize, Option<V>) {
        let victim = self.victim(key, |t, s| score(t.get_at(s)));
        self.put(victim, key, v)
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
        let victim = self.victim(key, |t, s| score(t.hint[s]));
        let out = self.put(victim, key, v);
        self.hint[out.0] = h;
        out
    }

    /// Keep slot `slot`'s hint in step with its value (see [`Bounded::insert_hinted`]).
    #[inline]
    pub fn set_hint(&mut self, slot: usize, h: (Micros, f32)) {
        self.hint[slot] = h;
    }

    /// The slot for a new `key`: the first free one of its set, else the lowest-scored
    /// (the first of equals).
    #[inline]
    fn victim(&self, key: u64, score: impl Fn(&Self, usize) -> f64) -> usize {
        let set = self.set_of(key);
        if let Some(w) = self.pos[set.clone()].iter().position(|&p| p == 0) {
            return set.start + w;
        }
        let mut victim = set.start;
        let mut best = score(self, victim);
        for s in set.start + 1..set.end {
            let x = score(self, s);
            if x < best {
                best = x;
                victim = s;
            }
        }
        victim
    }

    fn put(&mut self, slot: usize, key: u64, v: V) -> (usize, Option<V>) {
        self.keys[slot] = key;
        match self.pos[slot] {
            0 => {
                self.vals.push(v);
                self.owner.push(slot as u32);
                self.pos[slot] = self.vals.len() as u32;
                (slot, None)
            }
            p => {
                self.evictions += 1;
                let old = std::mem::replace(&mut self.vals[p as usize - 1], v);
                (slot, Some(old))
            }
        }
    }

    /// Drop every value `keep` rejects (swap-remove; slots are fixed up).
    pub fn retain(&mut self, mut keep: impl FnMut(&V) -> bool) {
        let mut i = 0;
        while i < self.vals.len() {
            if keep(&self.vals[i]) {
                i += 1;
                continue;
            }
            self.pos[self.owner[i] as usize] = 0;
            self.vals.swap_remove(i);
            self.owner.swap_remove(i);
            if let Some(&moved) = self.owner.get(i) {
                self.pos[moved as usize] = i as u32 + 1;
            }
        }
    }

    /// Keys and values, in the order the values were stored.
    pub fn iter(&self) -> impl Iterator<Item = (u64, &V)> {
        self.owner
            .iter()
            .map(|&s| self.keys[s as usize])
            .zip(self.vals.iter())
    }

    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.vals.iter_mut()
    }

    /// Heap bytes held, for `approx_bytes`.
    pub fn approx_bytes(&self, per_value_heap: impl Fn(&V) -> usize) -> usize {
        self.keys.capacity() * 8
            + self.pos.capacity() * 4
            + self.hint.capacity() * std::mem::size_of::<(Micros, f32)>()
            + self.vals.capacity() * std::mem::size_of::<V>()
            + self.owner.capacity() * 4
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
        let mut plain: Bounded<(Micros, f32)> = Bounded::new(50);
        let mut hinted: Bounded<(Micros, f32)> = Bounded::new(50);
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
        assert!(hinted.len() > 10);
        for (k, v) in hinted.iter() {
            assert_eq!(hinted.hint[hinted.slot(k).unwrap()], *v);
        }
    }

    #[test]
    fn bounded_never_exceeds_cap_and_keeps_heavy() {
        let mut t: Bounded<f64> = Bounded::new(100);
        assert_eq!(t.capacity(), 104, "rounded up to whole sets of 8");
        t.insert(u64::MAX, 1e9, |v| *v);
        for k in 0..10_000u64 {
            let key = crate::detect::client::classify::mix64(k);
            if t.slot(key).is_none() {
                t.insert(key, 1.0, |v| *v);
            }
            assert!(t.len() <= 104);
        }
        assert_eq!(t.len(), 104, "every set filled");
        assert!(
            t.slot(u64::MAX).is_some(),
            "heavy hitter survives the churn"
        );
        assert!(t.evictions >= 9_890);
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
