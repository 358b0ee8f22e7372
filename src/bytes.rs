//! Byte search in the short strings of one request: a path, a host, a query, the first
//! token of a line. `memchr` is the right tool for long haystacks, but each call pays ~50
//! instructions of dispatch and setup before it looks at a byte, and the hot path makes
//! about seven such calls per request on strings of tens of bytes. These functions are
//! inlined and compare 16 bytes at a time (SSE2 on x86-64, NEON on ARM, via `wide`), which
//! finds a byte in the first block for a handful of instructions. They scan long haystacks
//! at half memchr's speed, so callers use them where the haystack is short or the byte
//! comes early.

use wide::u8x16;

#[inline(always)]
fn block(hay: &[u8], at: usize) -> u8x16 {
    let b: [u8; 16] = hay[at..at + 16].try_into().expect("16 bytes");
    u8x16::new(b)
}

/// Bit `k` set when byte `at + k` of `hay` is `a` or `b` (pass `b == a` for one byte).
#[inline(always)]
fn mask(hay: &[u8], at: usize, a: u8x16, b: u8x16) -> u32 {
    let v = block(hay, at);
    (v.simd_eq(a) | v.simd_eq(b)).to_bitmask()
}

#[inline(always)]
fn forward(hay: &[u8], a: u8, b: u8) -> Option<usize> {
    if hay.len() < 16 {
        return hay.iter().position(|&c| c == a || c == b);
    }
    let (va, vb) = (u8x16::splat(a), u8x16::splat(b));
    let mut i = 0;
    while i + 16 <= hay.len() {
        let m = mask(hay, i, va, vb);
        if m != 0 {
            return Some(i + m.trailing_zeros() as usize);
        }
        i += 16;
    }
    if i < hay.len() {
        // The last 16 bytes, overlapping the block before: drop the bytes already seen.
        let last = hay.len() - 16;
        let m = mask(hay, last, va, vb) >> (i - last);
        if m != 0 {
            return Some(i + m.trailing_zeros() as usize);
        }
    }
    None
}

/// First position of `needle` in `hay` (as `memchr::memchr`).
#[inline]
pub fn find(needle: u8, hay: &[u8]) -> Option<usize> {
    forward(hay, needle, needle)
}

/// First position of `a` or `b` in `hay` (as `memchr::memchr2`).
#[inline]
pub fn find2(a: u8, b: u8, hay: &[u8]) -> Option<usize> {
    forward(hay, a, b)
}

/// Last position of `needle` in `hay` (as `memchr::memrchr`).
#[inline]
pub fn rfind(needle: u8, hay: &[u8]) -> Option<usize> {
    if hay.len() < 16 {
        return hay.iter().rposition(|&c| c == needle);
    }
    let v = u8x16::splat(needle);
    let mut end = hay.len();
    while end >= 16 {
        let m = mask(hay, end - 16, v, v);
        if m != 0 {
            return Some(end - 16 + 31 - m.leading_zeros() as usize);
        }
        end -= 16;
    }
    if end > 0 {
        // The first bytes, through the first block: keep only those not seen yet.
        let m = mask(hay, 0, v, v) & ((1u32 << end) - 1);
        if m != 0 {
            return Some(31 - m.leading_zeros() as usize);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_position_and_length_agrees_with_memchr() {
        // A needle at each position of each length up to four blocks, alone and twice.
        for len in 0..70 {
            for at in 0..len {
                let mut hay = vec![b'a'; len];
                hay[at] = b'/';
                assert_eq!(find(b'/', &hay), Some(at), "len {len} at {at}");
                assert_eq!(rfind(b'/', &hay), Some(at), "len {len} at {at}");
                assert_eq!(find2(b'?', b'/', &hay), Some(at), "len {len} at {at}");
                hay[len - 1 - (len - 1 - at) / 2] = b'/';
                assert_eq!(find(b'/', &hay), memchr::memchr(b'/', &hay));
                assert_eq!(rfind(b'/', &hay), memchr::memrchr(b'/', &hay));
            }
            let hay = vec![b'a'; len];
            assert_eq!(find(b'/', &hay), None);
            assert_eq!(rfind(b'/', &hay), None);
            assert_eq!(find2(b'/', b'?', &hay), None);
        }
    }

    proptest! {
        #[test]
        fn same_answers_as_memchr(hay in proptest::collection::vec(
            prop_oneof![Just(b'/'), Just(b'.'), Just(b'%'), Just(0xffu8), 0u8..=255], 0..200)) {
            prop_assert_eq!(find(b'/', &hay), memchr::memchr(b'/', &hay));
            prop_assert_eq!(rfind(b'.', &hay), memchr::memrchr(b'.', &hay));
            prop_assert_eq!(find2(b'%', 0xff, &hay), memchr::memchr2(b'%', 0xff, &hay));
        }
    }
}
