//! How util-vserver reads one `interfaces/N` (`_processSingleInterface`): [`parse`] turns
//! the files as found into an [`Entry`]. Pure.

use std::ffi::OsStr;
use std::net::IpAddr;
use std::os::unix::ffi::OsStrExt;

use super::{Entry, Files, Iface, NODEV_TEXT, Raw, State};
use crate::netns::shread;
use crate::report::quote::escape;
use crate::zone::config::{self, Cidr};
use crate::zone::plan::{Bcast, GuestAddr};
/// `_getInterfaceValue NAME '' DIRS...`: the first file that `read` ends with a newline wins;
/// a file without one still sets the value, which a later file may replace.
fn value(name: &str, dirs: &[&Files]) -> Vec<u8> {
    let mut v = Vec::new();
    for d in dirs {
        if let Some(bytes) = d.values.get(name) {
            let r = shread::read(bytes);
            v = r.value;
            if r.complete {
                break;
            }
        }
    }
    v
}

/// A mask util-vserver's `mask2prefix` refuses ("Invalid mask specified").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadMask;

/// util-vserver's `mask2prefix`: leading one bits octet by octet, stopping at the first octet
/// that is not 255; None (its exit status 0) for no bits, Err for a mask it rejects.
pub fn mask2prefix(mask: &[u8]) -> Result<Option<u8>, BadMask> {
    let mut len = 0u8;
    let mut rest = mask;
    for _ in 0..4 {
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        let (num, after) = rest.split_at(digits);
        // strtol: blanks and a sign before the digits; a mask file has neither in practice.
        let val: u32 = if num.is_empty() {
            0
        } else {
            std::str::from_utf8(num)
                .ok()
                .and_then(|s| s.parse().ok())
                .ok_or(BadMask)?
        };
        match after.first() {
            None | Some(b'.') => {}
            Some(_) => return Err(BadMask),
        }
        if val >= 0x100 {
            return Err(BadMask);
        }
        let mut v = val;
        while v & 0x80 != 0 {
            len += 1;
            v <<= 1;
        }
        if v != 0xff00 {
            break;
        }
        rest = after.get(1..).unwrap_or_default();
    }
    Ok((len > 0).then_some(len))
}

fn text(v: &[u8]) -> String {
    escape(OsStr::from_bytes(v))
}

/// What `_getVLANInfo DEV` says: Ok(None) when DEV is no VLAN name, the parent and id of
/// `PARENT.ID`, Err for util-vserver's refused `vlanN` names. A value parser: its String
/// error is the message, which [`parse`] puts beside the directory and the fix.
fn vlan_info(dev: &str) -> Result<Option<(String, u16)>, String> {
    if dev.starts_with("vlan") {
        return Err(format!(
            "util-vserver cannot make '{dev}' (VLAN_PLUS_VID names); create it in the zone as a link (links/{dev}/ with type vlan) and drop 'vlandev'"
        ));
    }
    let (Some(first), Some(last)) = (dev.find('.'), dev.rfind('.')) else {
        return Ok(None);
    };
    let parent = &dev[..first];
    let id = &dev[last + 1..];
    match id.parse::<u16>() {
        Ok(v) if (1..4095).contains(&v) && !parent.is_empty() => Ok(Some((parent.into(), v))),
        _ => Err(format!(
            "'{dev}' is no PARENT.ID VLAN name (ID 1-4094) that ip link add can make"
        )),
    }
}

/// A directory util-vserver would refuse, or the hook cannot apply inside a zone: the message
/// and its fix.
type Refusal = (String, String);

/// What util-vserver does with `raw` (see the module's header).
pub fn parse(raw: &Raw) -> Entry {
    let dir = raw.dir.clone();
    let state = match state(raw, &escape(dir.as_os_str())) {
        Ok(s) => s,
        Err((m, fix)) => State::Broken(m, fix),
    };
    Entry { dir, state }
}

/// [`parse`]'s decision for `raw`, whose directory reads `d` in messages.
fn state(raw: &Raw, d: &str) -> Result<State, Refusal> {
    let own = &raw.own;
    let both = [&raw.own, &raw.parent];
    let has = |f: &str| own.flags.contains(f);
    if has("disabled") {
        return Ok(State::Disabled);
    }
    let ip = value("ip", &[own]);
    if ip.is_empty() {
        return Err((
            format!("{d}: no address: util-vserver says \"Can not read ip\""),
            format!(
                "write the address: echo 192.0.2.10 > {d}/ip, or disable it: touch {d}/disabled"
            ),
        ));
    }
    let dev = value("dev", &both);
    let ours = own.nodev.as_deref().is_some_and(is_our_nodev);
    if (has("nodev") && !ours) || has("only_ip") {
        let which = if has("nodev") { "nodev" } else { "only_ip" };
        return Ok(State::ContextOnly(format!(
            "{d}: {} ({which}: for the guest's context list only, on no device)",
            text(&ip)
        )));
    }
    if dev.is_empty() {
        return Err((
            format!("{d}: no device: util-vserver says \"No device specified\""),
            format!("name a link of the zone: echo LINK > {d}/dev"),
        ));
    }
    for f in ["tun", "tap", "indirect"] {
        if has(f) {
            return Err((
                format!("{d}/{f}: util-vserver makes {f} devices on the host, not inside a zone"),
                format!("remove {d}/{f} and make the device a link of the zone"),
            ));
        }
    }
    let dev_s = match config::check_ifname(&dev) {
        Ok(s) => s.to_string(),
        Err(e) => {
            return Err((
                format!("{d}/dev: {e}"),
                format!("write a link name into {d}/dev"),
            ));
        }
    };
    let addr = address(raw, d, &ip, dev_s)?;
    let vlan = vlan(raw, d, &addr.dev)?;
    Ok(State::Apply(Iface {
        addr,
        up: !has("down"),
        vlan,
        nodev_ours: ours,
    }))
}

/// The prefix length of `prefix`, else of `mask` (as `mask2prefix` counts it).
fn prefix(raw: &Raw, d: &str) -> Result<Option<u8>, Refusal> {
    let both = [&raw.own, &raw.parent];
    let prefix = value("prefix", &both);
    let mask = value("mask", &both);
    if !prefix.is_empty() {
        return match std::str::from_utf8(&prefix)
            .ok()
            .and_then(|s| s.parse().ok())
        {
            Some(p) => Ok(Some(p)),
            None => Err((
                format!("{d}: prefix '{}' is no number", text(&prefix)),
                format!("write the prefix length: echo 24 > {d}/prefix"),
            )),
        };
    }
    mask2prefix(&mask).map_err(|BadMask| {
        (
            format!(
                "{d}: mask '{}' is no netmask (mask2prefix refuses it)",
                text(&mask)
            ),
            format!("write a prefix length instead: echo 24 > {d}/prefix"),
        )
    })
}

/// An address word as `ip addr add` takes it: `ADDR` (a host prefix) or `ADDR/PREFIX`.
fn parse_cidr(w: &str) -> Option<Cidr> {
    if w.contains('/') {
        w.parse::<Cidr>().ok()
    } else {
        let addr: IpAddr = w.parse().ok()?;
        let prefix = if addr.is_ipv4() { 32 } else { 128 };
        Some(Cidr { addr, prefix })
    }
}

/// The address `ip` on `dev`, with its prefix, peer, broadcast and label as the files say.
fn address(raw: &Raw, d: &str, ip: &[u8], dev: String) -> Result<GuestAddr, Refusal> {
    let own = &raw.own;
    let ip_s = String::from_utf8_lossy(ip).into_owned();
    let local_word = match prefix(raw, d)? {
        Some(p) => format!("{ip_s}/{p}"),
        None => ip_s.clone(),
    };
    let bad_addr = |what: &str, w: &str| {
        (
            format!("{d}: '{w}' is no {what} ip can add"),
            format!("write one address (and the prefix into {d}/prefix)"),
        )
    };
    let Some(local) = parse_cidr(&local_word) else {
        return Err(bad_addr("address", &local_word));
    };
    let peer_b = value("peer", &[own]);
    let peer = if peer_b.is_empty() {
        None
    } else {
        let w = String::from_utf8_lossy(&peer_b).into_owned();
        match parse_cidr(&w) {
            Some(c) if c.addr.is_ipv4() == local.addr.is_ipv4() => Some((c, w)),
            _ => return Err(bad_addr("peer", &w)),
        }
    };
    let broadcast = broadcast(raw, d, ip)?;
    let label = label(raw, d, &dev)?;
    let prefix = peer.as_ref().map_or(local.prefix, |(c, _)| c.prefix);
    Ok(GuestAddr {
        dev,
        local: local.addr,
        prefix,
        peer: peer.as_ref().map(|(c, _)| c.addr),
        broadcast,
        label,
        local_word,
        peer_word: peer.map(|(_, w)| w),
    })
}

/// `bcast` (`+` or none: computed, `-`: none, else the address); None for an address with
/// a ':' (XXX-compatible: util-vserver gives any address without ':' a broadcast).
fn broadcast(raw: &Raw, d: &str, ip: &[u8]) -> Result<Option<Bcast>, Refusal> {
    if ip.contains(&b':') {
        return Ok(None);
    }
    let bcast_b = value("bcast", &[&raw.own, &raw.parent]);
    Ok(Some(match bcast_b.as_slice() {
        b"" | b"+" => Bcast::Plus,
        b"-" => Bcast::Minus,
        b => match std::str::from_utf8(b).ok().and_then(|s| s.parse().ok()) {
            Some(a) => Bcast::Addr(a),
            None => {
                return Err((
                    format!("{d}: bcast '{}' is no IPv4 address", text(b)),
                    "write the broadcast address, or remove the bcast file".to_string(),
                ));
            }
        },
    }))
}

/// The label `DEV:NAME` of `name`, at most 15 bytes.
fn label(raw: &Raw, d: &str, dev: &str) -> Result<Option<String>, Refusal> {
    let name = value("name", &[&raw.own]);
    if name.is_empty() {
        return Ok(None);
    }
    let l = format!("{dev}:{}", String::from_utf8_lossy(&name));
    if l.len() > 15 {
        return Err((
            format!("{d}/name: the label '{l}' is longer than 15 bytes"),
            format!("shorten {d}/name"),
        ));
    }
    Ok(Some(l))
}

/// The VLAN device (parent, id) `vlandev` asks for on `dev` (the directory's own flag, or
/// `interfaces/`'s or `.defaults/`'s unless a `novlandev` says no).
fn vlan(raw: &Raw, d: &str, dev: &str) -> Result<Option<(String, u16)>, Refusal> {
    let has = |f: &str| raw.own.flags.contains(f);
    let wants_vlan = has("vlandev")
        || (raw.parent.flags.contains("vlandev") && !has("novlandev"))
        || (raw.defaults_vlandev && !has("novlandev") && !raw.parent.flags.contains("novlandev"));
    if !wants_vlan {
        return Ok(None);
    }
    vlan_info(dev).map_err(|m| {
        (
            format!("{d}: {m}"),
            format!("name a link of the zone in {d}/dev"),
        )
    })
}

/// Whether `nodev`'s bytes are the ones vspace-netns writes.
pub fn is_our_nodev(bytes: &[u8]) -> bool {
    bytes.strip_suffix(b"\n") == Some(NODEV_TEXT.as_bytes())
}
