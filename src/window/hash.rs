//! Small, fast, seed-free hashing for the aggregation tables. Keys are hashed once per request
//! and the 64-bit hash is reused by the HyperLogLog, the seen-recently filter and the top-K
//! index, so it must be well mixed in every bit (HLL reads the top bits, the index the low ones).

use std::hash::{BuildHasherDefault, Hasher};
use std::net::IpAddr;

const K: u64 = 0x9E37_79B9_7F4A_7C15;

/// Murmur3's 64-bit finaliser: full avalanche.
#[inline]
pub fn mix64(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^= h >> 33;
    h
}

#[inline]
fn fold(h: u64, w: u64) -> u64 {
    let m = u128::from(h ^ w).wrapping_mul(u128::from(K));
    (m as u64) ^ ((m >> 64) as u64)
}

/// Hash of a byte string, 8 bytes at a time. Strings of 64 bytes or more (user agents) are
/// folded 32 bytes at a time into four independent lanes first: one chain of dependent
/// multiplies costs ~5 cycles per 8 bytes, and a 130-byte user agent is hashed on every line.
#[inline]
pub fn hash_bytes(b: &[u8]) -> u64 {
    let mut h = (b.len() as u64).wrapping_mul(K) ^ 0x2545_F491_4F6C_DD1D;
    let mut b = b;
    if b.len() >= 64 {
        let mut lanes = [
            h,
            h ^ 0x243F_6A88_85A3_08D3,
            h ^ 0x1319_8A2E_0370_7344,
            h ^ 0xA409_3822_299F_31D0,
        ];
        let mut blocks = b.chunks_exact(32);
        for blk in &mut blocks {
            for (l, w) in lanes.iter_mut().zip(blk.chunks_exact(8)) {
                let mut x = [0u8; 8];
                x.copy_from_slice(w);
                *l = fold(*l, u64::from_le_bytes(x));
            }
        }
        h = fold(fold(fold(lanes[0], lanes[1]), lanes[2]), lanes[3]);
        b = blocks.remainder();
    }
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = fold(h, u64::from_le_bytes(w));
    }
    if let Some(w) = tail_word(b) {
        h = fold(h, w);
    }
    mix64(h)
}

/// The last `len % 8` bytes of `b` as a little-endian word, zero-padded (`None` when
/// `len % 8 == 0`): from the last 8 bytes and a shift when there are 8, so hashing a
/// string's tail calls no `memcpy`.
#[inline]
pub fn tail_word(b: &[u8]) -> Option<u64> {
    let n = b.len() % 8;
    if n == 0 {
        return None;
    }
    Some(match b.last_chunk::<8>() {
        Some(last) => u64::from_le_bytes(*last) >> (8 * (8 - n)),
        None => b.iter().rev().fold(0, |w, &c| (w << 8) | u64::from(c)),
    })
}

#[inline]
pub fn hash_str(s: &str) -> u64 {
    hash_bytes(s.as_bytes())
}

/// Hash of an IP address; v4 and v6 never collide by construction of the seed.
#[inline]
pub fn hash_ip(ip: IpAddr) -> u64 {
    match ip {
        IpAddr::V4(v4) => mix64(u64::from(u32::from(v4)) ^ 0x1234_5678_9ABC_DEF1),
        IpAddr::V6(v6) => {
            let x = u128::from(v6);
            mix64(fold(x as u64 ^ 0x0F1E_2D3C_4B5A_6978, (x >> 64) as u64))
        }
    }
}

/// Identity hasher for maps keyed by an already mixed `u64`.
#[derive(Default, Clone, Copy)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is expected; stay correct for anything else.
        self.0 = hash_bytes(bytes);
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

pub type IdBuild = BuildHasherDefault<IdHasher>;
pub type IdMap<V> = std::collections::HashMap<u64, V, IdBuild>;

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn tail_word_is_the_zero_padded_tail(b in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..40)) {
            let rest = b.chunks_exact(8).remainder();
            let want = (!rest.is_empty()).then(|| {
                let mut w = [0u8; 8];
                w[..rest.len()].copy_from_slice(rest);
                u64::from_le_bytes(w)
            });
            proptest::prop_assert_eq!(tail_word(&b), want);
        }
    }

    #[test]
    fn hashes_differ_and_are_stable() {
        assert_eq!(hash_str("/a"), hash_str("/a"));
        assert_ne!(hash_str("/a"), hash_str("/b"));
        assert_ne!(hash_str(""), hash_str("\0"));
        assert_ne!(hash_str("12345678"), hash_str("123456780"));
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        assert_ne!(hash_ip(a), hash_ip(b));
        // Every bit position is used: the OR of a few hundred hashes covers all 64 bits,
        // and the AND clears them all.
        let (mut or, mut and) = (0u64, u64::MAX);
        for i in 0..500u32 {
            let h = hash_ip(IpAddr::from(i.to_be_bytes()));
            or |= h;
            and &= h;
        }
        assert_eq!(or, u64::MAX);
        assert_eq!(and, 0);
    }

    /// Long strings go through four lanes: a change to any one byte, words swapped between
    /// lanes, or a different length all give a different hash, and user agents stay apart.
    #[test]
    fn long_strings_use_every_byte_and_keep_lanes_apart() {
        let mut seen = std::collections::HashSet::new();
        for len in 56..=140usize {
            let base: Vec<u8> = (0..len).map(|i| b'a' + (i * 7 % 26) as u8).collect();
            assert!(seen.insert(hash_bytes(&base)), "length {len}");
            for i in 0..len {
                let mut v = base.clone();
                v[i] ^= 1;
                assert!(seen.insert(hash_bytes(&v)), "length {len}, byte {i}");
            }
            let mut swapped = base.clone();
            swapped[..16].rotate_left(8);
            assert_ne!(hash_bytes(&swapped), hash_bytes(&base), "length {len}");
        }
        let agents = [
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36",
        ];
        assert_ne!(hash_str(agents[0]), hash_str(agents[1]));
    }
}
