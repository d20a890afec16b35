//! The names and marks of the links a zone's guests make inside it (the VLAN devices of a
//! util-vserver guest's `vlandev`): made under [`vlan_temp_name`], marked with [`vlan_mark`]
//! (the zone's mark, `:guest:GUEST`), then renamed. The zone's own planner knows them
//! ([`is_vlan_temp`]: `down` leaves a half-made one to go with the namespace). Pure.

use super::LinkState;

/// The alias of a VLAN device a guest's `vlandev` made inside its zone.
pub fn vlan_mark(zone: &str, guest: &str) -> String {
    format!("{}:guest:{guest}", super::mark(zone))
}

/// 24 bits of the FNV-1a hash of `parts` joined by `/`, as 6 hex digits.
fn hash6(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, p) in parts.iter().enumerate() {
        let sep: &[u8] = if i == 0 { b"" } else { b"/" };
        for b in sep.iter().chain(p.as_bytes()) {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{:06x}", h >> 40)
}

/// The name a guest's `vlandev` device `dev` is created under inside `zone` before it is
/// marked and renamed: `vsg`, 6 hex digits of the zone's hash, 6 of `GUEST/DEV`'s (15 bytes,
/// a valid interface name). A VLAN device found under such a name is a start's half-made
/// device (killed between the creation and the rename): the guest's next start or stop
/// deletes its own, `down` any of the zone's ([`is_vlan_temp`]).
pub fn vlan_temp_name(zone: &str, guest: &str, dev: &str) -> String {
    format!("vsg{}{}", hash6(&[zone]), hash6(&[guest, dev]))
}

/// Whether the link `name` (`state` as observed) inside `zone` is a guest's half-made VLAN
/// device: a VLAN named as [`vlan_temp_name`] names them for this zone.
pub fn is_vlan_temp(zone: &str, name: &str, state: &LinkState) -> bool {
    let Some(rest) = name.strip_prefix("vsg") else {
        return false;
    };
    state.kind.as_deref() == Some("vlan")
        && rest.len() == 12
        && rest.starts_with(&hash6(&[zone]))
        && rest.bytes().all(|b| b.is_ascii_hexdigit())
}
