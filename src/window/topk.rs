//! `TopK`: Space-Saving heavy hitters in a fixed number of counters. A key already tracked is
//! found by its borrowed form (`&str`, `IpAddr`) without allocating; a key entering the table
//! takes the least counted slot (reusing that slot's string buffer) and inherits its count as
//! its error bound. The slots form a min-heap so that eviction and increments are O(log k).
//!
//! Counts can be decayed in place (`scale`): a uniform scale keeps the heap order, which gives
//! "recent" tables over log time for the TUI panels.

use super::hash::{IdMap, hash_ip, hash_str, mix64};
use std::net::IpAddr;
use wide::u8x16;

/// A key type for [`TopK`]: stored form `Self`, looked up by `Probe` (its borrowed form).
pub trait TopKey {
    type Probe<'a>: Copy;
    fn hash(p: Self::Probe<'_>) -> u64;
    fn matches(&self, p: Self::Probe<'_>) -> bool;
    fn from_probe(p: Self::Probe<'_>) -> Self;
    /// Overwrite in place (reusing any buffer).
    fn assign(&mut self, p: Self::Probe<'_>);
    fn probe(&self) -> Self::Probe<'_>;
    fn display(&self) -> String;
    fn heap_bytes(&self) -> usize {
        0
    }
}

impl TopKey for IpAddr {
    type Probe<'a> = IpAddr;
    fn hash(p: IpAddr) -> u64 {
        hash_ip(p)
    }
    fn matches(&self, p: IpAddr) -> bool {
        *self == p
    }
    fn from_probe(p: IpAddr) -> Self {
        p
    }
    fn assign(&mut self, p: IpAddr) {
        *self = p;
    }
    fn probe(&self) -> IpAddr {
        *self
    }
    fn display(&self) -> String {
        self.to_string()
    }
}

impl TopKey for u16 {
    type Probe<'a> = u16;
    fn hash(p: u16) -> u64 {
        mix64(u64::from(p) ^ 0xA5A5)
    }
    fn matches(&self, p: u16) -> bool {
        *self == p
    }
    fn from_probe(p: u16) -> Self {
        p
    }
    fn assign(&mut self, p: u16) {
        *self = p;
    }
    fn probe(&self) -> u16 {
        *self
    }
    fn display(&self) -> String {
        self.to_string()
    }
}

impl TopKey for String {
    type Probe<'a> = &'a str;
    fn hash(p: &str) -> u64 {
        hash_str(p)
    }
    fn matches(&self, p: &str) -> bool {
        self == p
    }
    fn from_probe(p: &str) -> Self {
        p.to_owned()
    }
    fn assign(&mut self, p: &str) {
        self.clear();
        self.push_str(p);
    }
    fn probe(&self) -> &str {
        self
    }
    fn display(&self) -> String {
        self.clone()
    }
    fn heap_bytes(&self) -> usize {
        self.capacity()
    }
}

/// A client: its IP, or the host name the log wrote instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientKey {
    Ip(IpAddr),
    Host(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientRef<'a> {
    Ip(IpAddr),
    Host(&'a str),
}

impl<'a> ClientRef<'a> {
    /// The client of a request, if it names one.
    pub fn of(r: &'a crate::record::Request<'_>) -> Option<ClientRef<'a>> {
        match (r.client_ip, r.client_host.as_deref()) {
            (Some(ip), _) => Some(ClientRef::Ip(ip)),
            (None, Some(h)) if !h.is_empty() && h != "-" => Some(ClientRef::Host(h)),
            _ => None,
        }
    }

    /// Parse what a user typed (an IP, else a host name).
    pub fn parse(s: &'a str) -> ClientRef<'a> {
        match s.parse::<IpAddr>() {
            Ok(ip) => ClientRef::Ip(ip),
            Err(_) => ClientRef::Host(s),
        }
    }
}

impl TopKey for ClientKey {
    type Probe<'a> = ClientRef<'a>;
    fn hash(p: ClientRef<'_>) -> u64 {
        match p {
            ClientRef::Ip(ip) => hash_ip(ip),
            ClientRef::Host(h) => hash_str(h),
        }
    }
    fn matches(&self, p: ClientRef<'_>) -> bool {
        match (self, p) {
            (ClientKey::Ip(a), ClientRef::Ip(b)) => *a == b,
            (ClientKey::Host(a), ClientRef::Host(b)) => a == b,
            _ => false,
        }
    }
    fn from_probe(p: ClientRef<'_>) -> Self {
        match p {
            ClientRef::Ip(ip) => ClientKey::Ip(ip),
            ClientRef::Host(h) => ClientKey::Host(h.to_owned()),
        }
    }
    fn assign(&mut self, p: ClientRef<'_>) {
        match (&mut *self, p) {
            (ClientKey::Host(s), ClientRef::Host(h)) => {
                s.clear();
                s.push_str(h);
            }
            _ => *self = Self::from_probe(p),
        }
    }
    fn probe(&self) -> ClientRef<'_> {
        match self {
            ClientKey::Ip(ip) => ClientRef::Ip(*ip),
            ClientKey::Host(h) => ClientRef::Host(h),
        }
    }
    fn display(&self) -> String {
        match self {
            ClientKey::Ip(ip) => ip.to_string(),
            ClientKey::Host(h) => h.clone(),
        }
    }
    fn heap_bytes(&self) -> usize {
        match self {
            ClientKey::Ip(_) => 0,
            ClientKey::Host(h) => h.capacity(),
        }
    }
}

#[derive(Debug, Clone)]
struct Slot<K, V> {
    key: K,
    hash: u64,
    /// Overestimation bound inherited from the evicted key.
    err: u64,
    val: V,
}

/// A slot's tag: a byte of its hash (not the low bits, which pick map buckets).
#[inline]
fn tag(h: u64) -> u8 {
    (h >> 56) as u8
}

/// Tables up to this size are searched linearly (cheaper than a map at this size).
const LINEAR_MAX: usize = 32;

/// Space-Saving top-K with an optional payload `V` per tracked key.
///
/// Counts live in the heap array itself (`(count, slot)` pairs), so heap maintenance touches
/// a compact array and never the (possibly large) slots.
#[derive(Debug, Clone)]
pub struct TopK<K, V = ()> {
    /// `slots[..len]` are live; the rest are spare buffers kept for reuse after `reset`.
    slots: Vec<Slot<K, V>>,
    len: usize,
    /// Min-heap of (count, slot id); `pos[slot]` is the slot's heap position.
    heap: Vec<(u64, u32)>,
    pos: Vec<u32>,
    index: Option<IdMap<u32>>,
    /// Small tables: slot hashes side by side, scanned instead of a map.
    hashes: Vec<u64>,
    /// One byte of each slot's hash, in blocks of 16 (see [`TopK::find_linear`]).
    tags: Vec<u8>,
    cap: usize,
    total: u64,
}

/// One tracked key as returned by [`TopK::top`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Entry<'a, K, V> {
    pub key: &'a K,
    pub count: u64,
    pub err: u64,
    pub val: &'a V,
}

impl<K: TopKey, V: Default> TopK<K, V> {
    pub fn new(cap: usize) -> Self {
        let cap = cap.max(1);
        TopK {
            slots: Vec::with_capacity(cap),
            len: 0,
            heap: Vec::with_capacity(cap),
            pos: Vec::with_capacity(cap),
            index: (cap > LINEAR_MAX)
                .then(|| IdMap::with_capacity_and_hasher(cap * 2, Default::default())),
            hashes: Vec::new(),
            tags: Vec::new(),
            cap,
            total: 0,
        }
    }

    pub fn capacity(&self) -> usize {
        self.cap
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Sum of every increment, tracked or not.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Forget all keys, keeping every buffer.
    pub fn reset(&mut self) {
        self.len = 0;
        self.heap.clear();
        self.total = 0;
        if let Some(ix) = &mut self.index {
            ix.clear();
        }
    }

    #[inline]
    fn find(&self, p: K::Probe<'_>, h: u64) -> Option<usize> {
        match &self.index {
            Some(ix) => ix.get(&h).map(|&s| s as usize),
            None => self.find_linear(p, h),
        }
    }

    /// A small table's slot for the key: 16 tag bytes compared at once, full hash and key
    /// checked only where a tag matched. Most keys miss a small table (every client not
    /// among a window's top 32), and a miss is then two compares instead of 32.
    #[inline]
    fn find_linear(&self, p: K::Probe<'_>, h: u64) -> Option<usize> {
        let want = u8x16::splat(tag(h));
        for (block, tags) in self.tags.chunks_exact(16).enumerate() {
            let tags = u8x16::new(tags.try_into().expect("16 tags"));
            let mut m = tags.simd_eq(want).to_bitmask();
            while m != 0 {
                let i = 16 * block + m.trailing_zeros() as usize;
                if i >= self.len {
                    return None;
                }
                if self.hashes[i] == h && self.slots[i].key.matches(p) {
                    return Some(i);
                }
                m &= m - 1;
            }
        }
        None
    }

    /// Count `inc` for a key. Returns its payload and whether the slot was (re)assigned to
    /// this key just now (the caller then resets the payload, which holds the evicted key's).
    #[inline]
    pub fn add(&mut self, p: K::Probe<'_>, inc: u64) -> (&mut V, bool) {
        self.add_hashed(p, K::hash(p), inc)
    }

    /// [`add`](Self::add) with the key's hash already computed (`K::hash`).
    #[inline]
    pub fn add_hashed(&mut self, p: K::Probe<'_>, h: u64, inc: u64) -> (&mut V, bool) {
        self.total += inc;
        // A 64-bit hash collision between two distinct keys merges them; at these table
        // sizes that is vanishingly rare and only skews a count.
        if let Some(s) = self.find(p, h) {
            let at = self.pos[s] as usize;
            self.heap[at].0 += inc;
            self.sift_down(at);
            return (&mut self.slots[s].val, false);
        }
        let s = if self.len < self.cap {
            let s = self.len;
            if s < self.slots.len() {
                let slot = &mut self.slots[s];
                slot.key.assign(p);
                slot.err = 0;
            } else {
                self.slots.push(Slot {
                    key: K::from_probe(p),
                    hash: h,
                    err: 0,
                    val: V::default(),
                });
                self.pos.push(0);
                self.hashes.push(h);
                if self.tags.len() < self.hashes.len() {
                    self.tags.resize(self.tags.len() + 16, 0);
                }
            }
            self.len += 1;
            self.heap.push((inc, s as u32));
            let at = self.heap.len() - 1;
            self.pos[s] = at as u32;
            // A new key may be the smallest: it rises from the end.
            self.sift_up(at);
            s
        } else {
            // Evict the least counted key (the root); the newcomer inherits its count.
            let (min, s) = self.heap[0];
            let s = s as usize;
            if let Some(ix) = &mut self.index {
                ix.remove(&self.slots[s].hash);
            }
            let slot = &mut self.slots[s];
            slot.key.assign(p);
            slot.err = min;
            self.heap[0].0 = min + inc;
            self.sift_down(0);
            s
        };
        self.slots[s].hash = h;
        match &mut self.index {
            Some(ix) => {
                ix.insert(h, s as u32);
            }
            None => {
                self.hashes[s] = h;
                self.tags[s] = tag(h);
            }
        }
        (&mut self.slots[s].val, true)
    }

    #[inline]
    fn entry(&self, s: usize) -> Entry<'_, K, V> {
        let sl = &self.slots[s];
        Entry {
            key: &sl.key,
            count: self.heap[self.pos[s] as usize].0,
            err: sl.err,
            val: &sl.val,
        }
    }

    /// Payload and count of a tracked key.
    pub fn get(&self, p: K::Probe<'_>) -> Option<Entry<'_, K, V>> {
        let s = self.find(p, K::hash(p))?;
        self.slots[s].key.matches(p).then(|| self.entry(s))
    }

    /// Multiply every count by `num / den` (decay). Order is kept, so is the heap.
    pub fn scale(&mut self, num: u64, den: u64) {
        let den = u128::from(den.max(1));
        let f = |x: u64| (u128::from(x) * u128::from(num) / den) as u64;
        for e in &mut self.heap {
            e.0 = f(e.0);
        }
        for s in &mut self.slots[..self.len] {
            s.err = f(s.err);
        }
        self.total = f(self.total);
    }

    /// Up to `n` tracked keys, largest count first.
    pub fn top(&self, n: usize) -> Vec<Entry<'_, K, V>> {
        let mut h: Vec<(u64, u32)> = self.heap.clone();
        h.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        h.truncate(n);
        h.into_iter().map(|(_, s)| self.entry(s as usize)).collect()
    }

    /// Every live entry, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = Entry<'_, K, V>> {
        (0..self.len).map(|s| self.entry(s))
    }

    /// Heap bytes held, plus `val_bytes` for each payload.
    pub fn approx_bytes_with(&self, val_bytes: impl Fn(&V) -> usize) -> usize {
        let slot = std::mem::size_of::<Slot<K, V>>();
        let mut b =
            self.slots.capacity() * slot + self.heap.capacity() * 16 + self.pos.capacity() * 4;
        if let Some(ix) = &self.index {
            // hashbrown: key + value + one control byte per bucket.
            b += ix.capacity() * (8 + 4 + 1) * 8 / 7;
        }
        for s in &self.slots {
            b += s.key.heap_bytes() + val_bytes(&s.val);
        }
        b
    }

    pub fn approx_bytes(&self) -> usize {
        self.approx_bytes_with(|_| 0)
    }

    #[inline]
    fn swap(&mut self, a: usize, b: usize) {
        self.heap.swap(a, b);
        self.pos[self.heap[a].1 as usize] = a as u32;
        self.pos[self.heap[b].1 as usize] = b as u32;
    }

    fn sift_up(&mut self, mut at: usize) {
        while at > 0 {
            let parent = (at - 1) / 2;
            if self.heap[at].0 >= self.heap[parent].0 {
                break;
            }
            self.swap(at, parent);
            at = parent;
        }
    }

    #[inline]
    fn sift_down(&mut self, mut at: usize) {
        let n = self.heap.len();
        loop {
            let l = 2 * at + 1;
            if l >= n {
                break;
            }
            let r = l + 1;
            let c = if r < n && self.heap[r].0 < self.heap[l].0 {
                r
            } else {
                l
            };
            if self.heap[c].0 >= self.heap[at].0 {
                break;
            }
            self.swap(at, c);
            at = c;
        }
    }

    /// Add every key of `other` with its count (Space-Saving merge; payloads are not merged).
    pub fn merge_counts(&mut self, other: &TopK<K, V>) {
        for &(count, s) in &other.heap {
            let sl = &other.slots[s as usize];
            self.add_hashed(sl.key.probe(), sl.hash, count);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn exact_while_under_capacity() {
        let mut t: TopK<String> = TopK::new(4);
        for (k, n) in [("/a", 5), ("/b", 3), ("/c", 9)] {
            for _ in 0..n {
                t.add(k, 1);
            }
        }
        let top: Vec<(String, u64)> = t.top(10).iter().map(|e| (e.key.clone(), e.count)).collect();
        assert_eq!(
            top,
            vec![("/c".into(), 9), ("/a".into(), 5), ("/b".into(), 3)]
        );
        assert_eq!(t.get("/a").unwrap().count, 5);
        assert!(t.get("/zzz").is_none());
        assert_eq!(t.total(), 17);
    }

    proptest::proptest! {
        /// Small tables find keys by tag bytes: whatever the adds (evictions, resets, spare
        /// slots reused), a key is never tracked twice, counts add up to the total, and a
        /// table with room counts exactly.
        #[test]
        fn small_tables_find_every_tracked_key(
            adds in proptest::collection::vec((0u16..80, 1u64..4), 0..300),
            cap in 1usize..=32,
            reset_at in 0usize..300,
        ) {
            let mut t: TopK<u16> = TopK::new(cap);
            let mut exact = std::collections::HashMap::new();
            for (i, &(k, n)) in adds.iter().enumerate() {
                if i == reset_at {
                    t.reset();
                    exact.clear();
                }
                t.add(k, n);
                *exact.entry(k).or_insert(0) += n;
            }
            let mut keys: Vec<u16> = t.iter().map(|e| *e.key).collect();
            keys.sort_unstable();
            let n = keys.len();
            keys.dedup();
            proptest::prop_assert_eq!(keys.len(), n, "a key tracked twice");
            proptest::prop_assert_eq!(t.iter().map(|e| e.count).sum::<u64>(), t.total());
            if exact.len() <= cap {
                for e in t.iter() {
                    proptest::prop_assert_eq!(e.count, exact[e.key]);
                }
            }
        }
    }

    #[test]
    fn eviction_takes_min_and_inherits_error() {
        let mut t: TopK<u16> = TopK::new(2);
        t.add(200, 10);
        t.add(404, 2);
        let (_, fresh) = t.add(500, 1);
        assert!(fresh);
        assert!(t.get(404).is_none(), "the least counted key was evicted");
        let e = t.get(500).unwrap();
        assert_eq!((e.count, e.err), (3, 2));
        assert_eq!(t.len(), 2);
    }

    #[test]
    fn reset_reuses_buffers_and_scale_decays() {
        let mut t: TopK<String> = TopK::new(64);
        for i in 0..200 {
            t.add(&format!("/k{}", i % 80), 4);
        }
        assert_eq!(t.len(), 64);
        let before = t.approx_bytes();
        t.reset();
        assert!(t.is_empty());
        for i in 0..64 {
            t.add(&format!("/k{i}"), 1);
        }
        assert_eq!(t.approx_bytes(), before, "no new buffers after reset");
        t.add("/k1", 9);
        t.scale(1, 2);
        assert_eq!(t.get("/k1").unwrap().count, 5);
        assert_eq!(t.top(1)[0].key, "/k1");
    }

    #[test]
    fn client_keys_by_ip_and_host() {
        let mut t: TopK<ClientKey> = TopK::new(32);
        let ip: IpAddr = "192.0.2.7".parse().unwrap();
        t.add(ClientRef::Ip(ip), 1);
        t.add(ClientRef::Host("crawler.example"), 1);
        t.add(ClientRef::parse("192.0.2.7"), 1);
        assert_eq!(t.get(ClientRef::Ip(ip)).unwrap().count, 2);
        assert_eq!(t.get(ClientRef::Host("crawler.example")).unwrap().count, 1);
        assert_eq!(t.top(1)[0].key.display(), "192.0.2.7");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        /// Never exceeds capacity; a key with a clear majority is always on top with a count
        /// at least its true count; every count overestimates by at most its error.
        #[test]
        fn capacity_and_majority(cap in 2usize..40, noise in proptest::collection::vec(0u32..500, 0..400),
                                 heavy in 0u32..500, seed in 0u64..1000) {
            let mut t: TopK<u16> = TopK::new(cap);
            let n_heavy = noise.len() + 1;
            let mut stream: Vec<u16> = noise.iter().map(|&x| 1000 + x as u16).collect();
            stream.extend(std::iter::repeat_n(heavy as u16, n_heavy));
            // deterministic shuffle
            let mut s = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
            for i in (1..stream.len()).rev() {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                stream.swap(i, (s >> 33) as usize % (i + 1));
            }
            let mut truth = std::collections::HashMap::new();
            for &k in &stream {
                t.add(k, 1);
                *truth.entry(k).or_insert(0u64) += 1;
                prop_assert!(t.len() <= cap);
            }
            let top = t.top(1);
            prop_assert_eq!(*top[0].key, heavy as u16);
            prop_assert!(top[0].count >= n_heavy as u64);
            for e in t.iter() {
                let tr = truth[e.key];
                prop_assert!(e.count >= tr && e.count - e.err <= tr);
            }
        }
    }
}
