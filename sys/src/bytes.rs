//! Native-endian integers read out of kernel answers (netlink messages, statmount buffers).
//! Pure: bytes in, numbers out; a read past the end is `None`, never a panic.

/// The `u16` at byte offset `at` of `b`, native endian; `None` when `b` is too short.
pub fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_ne_bytes(
        b.get(at..at.checked_add(2)?)?.try_into().ok()?,
    ))
}

/// The `u32` at byte offset `at` of `b`, native endian; `None` when `b` is too short.
pub fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

/// The `u64` at byte offset `at` of `b`, native endian; `None` when `b` is too short.
pub fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_ne_bytes(
        b.get(at..at.checked_add(8)?)?.try_into().ok()?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_in_range_and_refuses_past_the_end() {
        let b: Vec<u8> = (1..=10).collect();
        assert_eq!(u16_at(&b, 8), Some(u16::from_ne_bytes([9, 10])));
        assert_eq!(u32_at(&b, 1), Some(u32::from_ne_bytes([2, 3, 4, 5])));
        assert_eq!(
            u64_at(&b, 2),
            Some(u64::from_ne_bytes([3, 4, 5, 6, 7, 8, 9, 10]))
        );
        assert_eq!(u16_at(&b, 9), None);
        assert_eq!(u32_at(&b, 7), None);
        assert_eq!(u64_at(&b, 3), None);
        assert_eq!(u64_at(&b, usize::MAX), None);
    }
}
