//! C's number parsers, exactly as the tools we stand in for call them. Pure.
//!
//! Where vspace or ip reads a number, we must accept and refuse exactly the same words, or a
//! call would be decided differently from the tool's own reading: `strtoull(s, &end, 0)` with
//! the whole word consumed (util-vserver's `isNumberUnsigned`), and iproute2's `get_s32(.., 0)`
//! (`strtol` base 0, the whole word, within `i32`). Both take bytes: a non-UTF-8 word is simply
//! not a number.
#![deny(unsafe_code)]

/// util-vserver's `isNumberUnsigned(s, &v, true)`: C `strtoull(s, &end, 0)` must consume the
/// whole, non-empty string without overflow. So `0x4c000000`, `0755`, ` 12` and `-1` (which
/// wraps, as in C) are numbers; `0x`, `12k` and `` are not.
pub fn strtoull_whole(s: &[u8]) -> Option<u64> {
    let mut i = s
        .iter()
        .take_while(|b| matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))
        .count();
    let negative = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let rest = &s[i..];
    let (radix, digits) = match rest {
        [b'0', b'x' | b'X', h, ..] if h.is_ascii_hexdigit() => (16, &rest[2..]),
        [b'0', ..] => (8, rest),
        _ => (10, rest),
    };
    if digits.is_empty() {
        return None;
    }
    let mut value: u64 = 0;
    for &b in digits {
        let d = (b as char).to_digit(radix)?;
        value = value
            .checked_mul(u64::from(radix))?
            .checked_add(u64::from(d))?;
    }
    Some(if negative {
        value.wrapping_neg()
    } else {
        value
    })
}

/// iproute2's `get_s32(.., base 0)`: strtol with 0x/0 prefixes, optional sign and leading blanks,
/// the whole word consumed, within i32.
pub fn get_s32(word: &[u8]) -> Option<i32> {
    let s = std::str::from_utf8(word).ok()?;
    let s = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, digits) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let (radix, digits) = if let Some(h) = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        (16, h)
    } else if digits.len() > 1 && digits.starts_with('0') {
        (8, &digits[1..])
    } else {
        (10, digits)
    };
    if digits.is_empty() || !digits.bytes().all(|b| (b as char).is_digit(radix)) {
        return None;
    }
    let v = i64::from_str_radix(digits, radix).ok()?;
    i32::try_from(if neg { -v } else { v }).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;

    /// What neither parser takes: no digits, a bad digit, trailing bytes, not UTF-8.
    const JUNK: &[&[u8]] = &[
        b"", b" ", b"-", b"0x", b"0xg", b"08", b"12k", b"12 ", b"7 ", b"abc", b"\xff",
    ];

    #[test]
    fn numbers_read_like_strtoull_base_0() {
        let table: &[(&[u8], Option<u64>)] = &[
            (b"0x4c000000", Some(0x4c00_0000)),
            (b"0X1f", Some(31)),
            (b"0755", Some(0o755)),
            (b"0", Some(0)),
            (b"12", Some(12)),
            (b" \t12", Some(12)),
            (b"+3", Some(3)),
            (b"-1", Some(u64::MAX)),
            (b"18446744073709551615", Some(u64::MAX)),
            (b"18446744073709551616", None),
        ];
        let junk = JUNK.iter().map(|j| (*j, None));
        for (s, want) in table.iter().copied().chain(junk) {
            assert_eq!(strtoull_whole(s), want, "{:?}", OsStr::from_bytes(s));
        }
    }

    #[test]
    fn pids_parse_like_get_s32_base_0() {
        let table: &[(&[u8], Option<i32>)] = &[
            (b"42", Some(42)),
            (b"0x1f", Some(31)),
            (b"010", Some(8)),
            (b"0", Some(0)),
            (b"-1", Some(-1)),
            (b" 7", Some(7)),
            (b"+3", Some(3)),
            (b"4294967296", None),
        ];
        let junk = JUNK.iter().map(|j| (*j, None));
        for (w, want) in table.iter().copied().chain(junk) {
            assert_eq!(get_s32(w), want, "{:?}", OsStr::from_bytes(w));
        }
    }
}
