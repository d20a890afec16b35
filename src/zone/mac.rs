//! Static MAC addresses for zone links, as the SplitSharedNetworks script makes them:
//! `02:VV:VV:CC:CC:II` from the VLAN id (0 for links that are not VLANs), the zone's 16-bit id
//! and the link's index. Pure.
//!
//! Invariants: a derived address is always unicast (bit 0 of the first byte clear) and locally
//! administered (bit 1 set), because the first byte is the constant `02`; out-of-range inputs
//! are refused with a message rather than printed as a malformed address (the seed's `printf
//! %04x` silently widened them). An explicit address read from configuration must be unicast
//! and not all zeros.

use std::fmt;
use std::str::FromStr;

/// An Ethernet address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Mac(pub [u8; 6]);

/// The largest 802.1Q VLAN id (4095 is reserved).
pub const VLAN_MAX: u16 = 4094;

impl fmt::Display for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            b[0], b[1], b[2], b[3], b[4], b[5]
        )
    }
}

impl Mac {
    /// Multicast bit (bit 0 of the first byte).
    pub fn is_multicast(&self) -> bool {
        self.0[0] & 1 == 1
    }

    /// Locally administered bit (bit 1 of the first byte).
    pub fn is_local(&self) -> bool {
        self.0[0] & 2 == 2
    }
}

/// `02:VV:VV:CC:CC:II`. `vlan` is 0 for a link that is not a VLAN, else 1-4094.
pub fn derive(vlan: u16, id: u16, index: u8) -> Result<Mac, String> {
    if vlan > VLAN_MAX {
        return Err(format!(
            "VLAN id {vlan} is out of range: use 1-{VLAN_MAX} (or 0 for a link that is not a VLAN)"
        ));
    }
    let [v1, v2] = vlan.to_be_bytes();
    let [c1, c2] = id.to_be_bytes();
    Ok(Mac([0x02, v1, v2, c1, c2, index]))
}

/// Parses a decimal number in `0..=max` for `what`, with a message naming the range.
pub fn parse_number(what: &str, text: &str, max: u32) -> Result<u32, String> {
    let bad = || format!("{what} '{text}' is not a number in 0-{max}");
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    match text.parse::<u32>() {
        Ok(n) if n <= max => Ok(n),
        _ => Err(bad()),
    }
}

/// `vspace-netns mac VID ID INDEX`: the three operands as text, validated, to the address.
pub fn from_operands(vid: &str, id: &str, index: &str) -> Result<Mac, String> {
    let vid = parse_number("VLAN id", vid, VLAN_MAX as u32).map_err(|e| {
        format!("{e} (VLAN ids are 1-{VLAN_MAX}; 0 means a link that is not a VLAN)")
    })?;
    let id = parse_number("zone id", id, u16::MAX as u32)?;
    let index = parse_number("link index", index, u8::MAX as u32)?;
    derive(vid as u16, id as u16, index as u8)
}

impl FromStr for Mac {
    type Err = String;

    /// Six colon-separated pairs of hex digits; unicast and not all zeros.
    fn from_str(s: &str) -> Result<Mac, String> {
        let bad =
            || format!("'{s}' is not a MAC address (six pairs of hex digits, colon-separated)");
        let parts: Vec<&str> = s.split(':').collect();
        if parts.len() != 6 {
            return Err(bad());
        }
        let mut out = [0u8; 6];
        for (o, p) in out.iter_mut().zip(&parts) {
            if p.len() != 2 || !p.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(bad());
            }
            *o = u8::from_str_radix(p, 16).map_err(|_| bad())?;
        }
        let mac = Mac(out);
        if mac.is_multicast() {
            return Err(format!(
                "'{s}' is a multicast address (bit 0 of the first byte is set); a link needs a unicast one such as 02:..."
            ));
        }
        if out == [0; 6] {
            return Err(format!(
                "'{s}' is the all-zero address; a link needs a real one"
            ));
        }
        Ok(mac)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_addresses_follow_the_seed() {
        let table: &[(u16, u16, u8, &str)] = &[
            (2, 42, 0, "02:00:02:00:2a:00"),
            (2, 42, 1, "02:00:02:00:2a:01"),
            (0, 0, 0, "02:00:00:00:00:00"),
            (4094, 65535, 255, "02:0f:fe:ff:ff:ff"),
            (100, 1001, 3, "02:00:64:03:e9:03"),
        ];
        for &(v, id, i, want) in table {
            let mac = derive(v, id, i).unwrap();
            assert_eq!(mac.to_string(), want);
            assert!(!mac.is_multicast() && mac.is_local(), "{mac}");
        }
        assert!(derive(4095, 1, 0).unwrap_err().contains("1-4094"));
    }

    #[test]
    fn operands_are_validated() {
        let ok: &[(&str, &str, &str, &str)] = &[
            ("2", "42", "0", "02:00:02:00:2a:00"),
            ("0", "65535", "255", "02:00:00:ff:ff:ff"),
            ("4094", "0", "0", "02:0f:fe:00:00:00"),
            ("007", "1", "1", "02:00:07:00:01:01"),
        ];
        for (v, id, i, want) in ok {
            assert_eq!(from_operands(v, id, i).unwrap().to_string(), *want);
        }
        let bad: &[(&str, &str, &str, &str)] = &[
            ("4095", "1", "0", "VLAN id '4095'"),
            ("-1", "1", "0", "VLAN id '-1'"),
            ("x", "1", "0", "VLAN id 'x'"),
            ("", "1", "0", "VLAN id ''"),
            (
                "1",
                "65536",
                "0",
                "zone id '65536' is not a number in 0-65535",
            ),
            ("1", "0x10", "0", "zone id '0x10'"),
            ("1", "1", "256", "link index '256' is not a number in 0-255"),
            ("1", "1", "+1", "link index '+1'"),
            ("1", "1", "99999999999999999999", "link index"),
        ];
        for (v, id, i, want) in bad {
            let e = from_operands(v, id, i).unwrap_err();
            assert!(e.contains(want), "{v} {id} {i}: {e}");
        }
    }

    #[test]
    fn explicit_addresses_are_parsed_and_checked() {
        assert_eq!(
            "02:AA:bb:00:01:ff".parse::<Mac>().unwrap().to_string(),
            "02:aa:bb:00:01:ff"
        );
        assert_eq!(
            "00:16:3e:00:00:01".parse::<Mac>().unwrap().0,
            [0, 0x16, 0x3e, 0, 0, 1]
        );
        for (bad, why) in [
            ("01:00:5e:00:00:01", "multicast"),
            ("ff:ff:ff:ff:ff:ff", "multicast"),
            ("00:00:00:00:00:00", "all-zero"),
            ("02:00:00:00:00", "not a MAC"),
            ("02:00:00:00:00:0g", "not a MAC"),
            ("2:00:00:00:00:01", "not a MAC"),
            ("02-00-00-00-00-01", "not a MAC"),
        ] {
            let e = bad.parse::<Mac>().unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
        }
    }
}
