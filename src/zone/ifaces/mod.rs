//! A zone guest's util-vserver interfaces (`/etc/vservers/GUEST/interfaces/N/`), applied
//! inside its zone and never on the host. Pure: [`parse`] (the files as util-vserver's
//! `_processSingleInterface` reads them), [`plan_start`], [`plan_stop`], [`clashes`],
//! [`outside_routes`]; side-effecting only in [`read`] (the guest's files, through
//! `config::read_regular`). `apply` carries the steps out; `doctor` checks them.
//!
//! util-vserver reads each `interfaces/N` (a directory, no `disabled` file) at the very start
//! of `vserver GUEST start` and `stop` (`generateOptions`, after the `initialize` scriptlets
//! only), and `enableInterfaces` then runs `ip addr add IP/PREFIX broadcast B label DEV:NAME
//! dev DEV peer P` and `ip link set DEV up` in the namespace it runs in: the host's. For a
//! guest whose `spaces/net` names a zone, the hook (at `initialize`, again at `prepre-start`)
//! applies the same inside the zone and writes `nodev` into each such directory, which makes
//! util-vserver keep the address in the guest's context list and touch no device. Each
//! `nodev` it writes holds [`NODEV_TEXT`] exactly: that is its record, so only those are taken
//! back (at the guest's `post-stop`, and by `down`); a `nodev` the admin wrote (any other
//! content) is util-vserver's own meaning, an address for the context list only, applied
//! nowhere.
//!
//! A `vlandev` device is made inside the zone under a temporary name ([`vlan_temp_name`]),
//! marked `vspace-netns:ZONE:guest:GUEST` ([`vlan_mark`]), and only then renamed, so a start
//! killed at any point leaves no unmarked device: one found under its temporary name
//! ([`is_vlan_temp`]) is deleted by the guest's next start (and made anew) or stop, and taken
//! with the namespace by `down` unforced.
//!
//! Invariants: a flag (`disabled`, `nodev`, `vlandev`, ...) is tested as util-vserver's
//! `test -e` tests it: a symlink is followed, one that leads nowhere is absent, and nothing
//! is read through it. Contents (values, `nodev`'s text) are read only from regular files,
//! never through a symlink, and never under an `interfaces/` or `interfaces/N` that leads out
//! of the guest's configuration directory (such a guest's start fails, naming it: util-vserver
//! would follow it). A value is read as `_getInterfaceValue` reads it (`read` without `-r`; the
//! directory's own file first, then for `dev`, `prefix`, `mask`, `bcast`, `scope` the one in
//! `interfaces/`); `scope` is read and, as util-vserver does, not applied; `mask` becomes a
//! prefix as util-vserver's `mask2prefix` counts it; an IPv6 address gets no broadcast. What
//! util-vserver cannot do inside a zone (`tun`, `tap`, `indirect`) is refused by name, never
//! left to the host.

pub mod apply;
pub mod doctor;

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::{OsStr, OsString};
use std::io;
use std::net::IpAddr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::report::quote::escape;
use crate::zone::config::{self, Cidr, Zone};
pub use crate::zone::plan::{Bcast, GuestAddr};
use crate::zone::plan::{LinkState, Step};
use crate::zone::shread;

/// What a `nodev` written by vspace-netns holds (util-vserver only tests that it exists).
pub const NODEV_TEXT: &str =
    "vspace-netns: this address is applied inside the guest's zone, not on the host";

/// Value files a directory's own copy of which is read.
const OWN: &[&str] = &[
    "ip", "dev", "prefix", "mask", "bcast", "name", "scope", "peer",
];
/// Value files util-vserver also reads from `interfaces/` itself.
const SHARED: &[&str] = &["dev", "prefix", "mask", "bcast", "scope"];
/// Flag files: only whether they exist counts.
const FLAGS: &[&str] = &[
    "disabled",
    "nodev",
    "only_ip",
    "down",
    "vlandev",
    "novlandev",
    "indirect",
    "tun",
    "tap",
];

/// Files of one directory as found: values (bytes) and flags (present).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Files {
    pub values: BTreeMap<String, Vec<u8>>,
    pub flags: BTreeSet<String>,
    /// `nodev`'s bytes when it is a regular file.
    pub nodev: Option<Vec<u8>>,
}

/// One `interfaces/N` with what util-vserver reads around it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Raw {
    pub dir: PathBuf,
    pub own: Files,
    /// `interfaces/` itself.
    pub parent: Files,
    /// `.defaults/interfaces/vlandev` exists.
    pub defaults_vlandev: bool,
}

/// An interface util-vserver would set up on a device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Iface {
    pub addr: GuestAddr,
    /// `ip link set DEV up` (no `down` file).
    pub up: bool,
    /// `vlandev`: the VLAN device DEV made on (parent, id) when missing.
    pub vlan: Option<(String, u16)>,
    /// `nodev` holds [`NODEV_TEXT`]: vspace-netns wrote it.
    pub nodev_ours: bool,
}

/// What util-vserver does with one directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// `disabled`: skipped.
    Disabled,
    /// The admin's `nodev` or `only_ip`: the address is in the context list only.
    ContextOnly(String),
    Apply(Iface),
    /// util-vserver would fail, or could not do it inside a zone: the message and the fix.
    Broken(String, String),
}

/// One `interfaces/N` and what it means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub dir: PathBuf,
    pub state: State,
}

impl Entry {
    pub fn iface(&self) -> Option<&Iface> {
        match &self.state {
            State::Apply(i) => Some(i),
            _ => None,
        }
    }
}

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
/// `PARENT.ID`, Err for util-vserver's refused `vlanN` names.
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

/// What util-vserver does with `raw` (see the module's header).
pub fn parse(raw: &Raw) -> Entry {
    let dir = raw.dir.clone();
    let d = escape(dir.as_os_str());
    let own = &raw.own;
    let both = [&raw.own, &raw.parent];
    let has = |f: &str| own.flags.contains(f);
    let broken = |m: String, fix: String| Entry {
        dir: raw.dir.clone(),
        state: State::Broken(m, fix),
    };
    if has("disabled") {
        return Entry {
            dir,
            state: State::Disabled,
        };
    }
    let ip = value("ip", &[own]);
    if ip.is_empty() {
        return broken(
            format!("{d}: no address: util-vserver says \"Can not read ip\""),
            format!(
                "write the address: echo 192.0.2.10 > {d}/ip, or disable it: touch {d}/disabled"
            ),
        );
    }
    let dev = value("dev", &both);
    let ours = own.nodev.as_deref().is_some_and(is_our_nodev);
    if (has("nodev") && !ours) || has("only_ip") {
        let which = if has("nodev") { "nodev" } else { "only_ip" };
        return Entry {
            dir,
            state: State::ContextOnly(format!(
                "{d}: {} ({which}: for the guest's context list only, on no device)",
                text(&ip)
            )),
        };
    }
    if dev.is_empty() {
        return broken(
            format!("{d}: no device: util-vserver says \"No device specified\""),
            format!("name a link of the zone: echo LINK > {d}/dev"),
        );
    }
    for f in ["tun", "tap", "indirect"] {
        if has(f) {
            return broken(
                format!("{d}/{f}: util-vserver makes {f} devices on the host, not inside a zone"),
                format!("remove {d}/{f} and make the device a link of the zone"),
            );
        }
    }
    let dev_s = match config::check_ifname(&dev) {
        Ok(s) => s.to_string(),
        Err(e) => {
            return broken(
                format!("{d}/dev: {e}"),
                format!("write a link name into {d}/dev"),
            );
        }
    };
    let prefix = value("prefix", &both);
    let mask = value("mask", &both);
    let prefix: Option<u8> = if !prefix.is_empty() {
        match std::str::from_utf8(&prefix)
            .ok()
            .and_then(|s| s.parse().ok())
        {
            Some(p) => Some(p),
            None => {
                return broken(
                    format!("{d}: prefix '{}' is no number", text(&prefix)),
                    format!("write the prefix length: echo 24 > {d}/prefix"),
                );
            }
        }
    } else {
        match mask2prefix(&mask) {
            Ok(p) => p,
            Err(BadMask) => {
                return broken(
                    format!(
                        "{d}: mask '{}' is no netmask (mask2prefix refuses it)",
                        text(&mask)
                    ),
                    format!("write a prefix length instead: echo 24 > {d}/prefix"),
                );
            }
        }
    };
    let ip_s = String::from_utf8_lossy(&ip).into_owned();
    let local_word = match prefix {
        Some(p) => format!("{ip_s}/{p}"),
        None => ip_s.clone(),
    };
    let bad_addr = |what: &str, w: &str| {
        broken(
            format!("{d}: '{w}' is no {what} ip can add"),
            format!("write one address (and the prefix into {d}/prefix)"),
        )
    };
    let parse_cidr = |w: &str| -> Option<Cidr> {
        if w.contains('/') {
            w.parse::<Cidr>().ok()
        } else {
            let addr: IpAddr = w.parse().ok()?;
            let prefix = if addr.is_ipv4() { 32 } else { 128 };
            Some(Cidr { addr, prefix })
        }
    };
    let Some(local) = parse_cidr(&local_word) else {
        return bad_addr("address", &local_word);
    };
    let peer_b = value("peer", &[own]);
    let peer = if peer_b.is_empty() {
        None
    } else {
        let w = String::from_utf8_lossy(&peer_b).into_owned();
        match parse_cidr(&w) {
            Some(c) if c.addr.is_ipv4() == local.addr.is_ipv4() => Some((c, w)),
            _ => return bad_addr("peer", &w),
        }
    };
    let bcast_b = value("bcast", &both);
    // XXX-compatible: util-vserver gives any address without ':' a broadcast.
    let broadcast = if ip.contains(&b':') {
        None
    } else {
        Some(match bcast_b.as_slice() {
            b"" | b"+" => Bcast::Plus,
            b"-" => Bcast::Minus,
            b => match std::str::from_utf8(b).ok().and_then(|s| s.parse().ok()) {
                Some(a) => Bcast::Addr(a),
                None => {
                    return broken(
                        format!("{d}: bcast '{}' is no IPv4 address", text(b)),
                        "write the broadcast address, or remove the bcast file".to_string(),
                    );
                }
            },
        })
    };
    let name = value("name", &[own]);
    let label = if name.is_empty() {
        None
    } else {
        let l = format!("{dev_s}:{}", String::from_utf8_lossy(&name));
        if l.len() > 15 {
            return broken(
                format!("{d}/name: the label '{l}' is longer than 15 bytes"),
                format!("shorten {d}/name"),
            );
        }
        Some(l)
    };
    let wants_vlan = has("vlandev")
        || (raw.parent.flags.contains("vlandev") && !has("novlandev"))
        || (raw.defaults_vlandev && !has("novlandev") && !raw.parent.flags.contains("novlandev"));
    let vlan = if wants_vlan {
        match vlan_info(&dev_s) {
            Ok(v) => v,
            Err(m) => {
                return broken(
                    format!("{d}: {m}"),
                    format!("name a link of the zone in {d}/dev"),
                );
            }
        }
    } else {
        None
    };
    let prefix = peer.as_ref().map_or(local.prefix, |(c, _)| c.prefix);
    Entry {
        dir,
        state: State::Apply(Iface {
            addr: GuestAddr {
                dev: dev_s,
                local: local.addr,
                prefix,
                peer: peer.as_ref().map(|(c, _)| c.addr),
                broadcast,
                label,
                local_word,
                peer_word: peer.map(|(_, w)| w),
            },
            up: !has("down"),
            vlan,
            nodev_ours: ours,
        }),
    }
}

/// Whether `nodev`'s bytes are the ones vspace-netns writes.
pub fn is_our_nodev(bytes: &[u8]) -> bool {
    bytes.strip_suffix(b"\n") == Some(NODEV_TEXT.as_bytes())
}

/// The alias of a VLAN device a guest's `vlandev` made inside its zone.
pub fn vlan_mark(zone: &str, guest: &str) -> String {
    format!("{}:guest:{guest}", crate::zone::plan::mark(zone))
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

/// The addresses of `entries` (one guest's) found inside the zone, as `ADDR/PREFIX dev DEV`.
pub fn present(entries: &[Entry], inside: &BTreeMap<String, LinkState>) -> Vec<String> {
    entries
        .iter()
        .filter_map(Entry::iface)
        .filter(|i| {
            inside
                .get(&i.addr.dev)
                .is_some_and(|l| l.addresses.contains(&i.addr.cidr()))
        })
        .map(|i| format!("{} dev {}", i.addr.cidr(), i.addr.dev))
        .collect()
}

/// The zone's links in words, for a message.
fn zone_links(zone: &Zone) -> String {
    let names: Vec<&str> = zone.links.iter().map(|l| l.name.as_str()).collect();
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

/// A broken entry's refusal, as one message with its fix.
pub fn broken(entries: &[Entry]) -> Option<(String, String)> {
    entries.iter().find_map(|e| match &e.state {
        State::Broken(m, f) => Some((m.clone(), f.clone())),
        _ => None,
    })
}

/// Addresses `guest`'s entries share with other guests' (each: address, other guest, its
/// directory).
pub fn clashes(
    mine: &[Entry],
    others: &[(OsString, Vec<Entry>)],
) -> Vec<(IpAddr, String, PathBuf)> {
    let mut out = Vec::new();
    for i in mine.iter().filter_map(Entry::iface) {
        for (g, es) in others {
            for e in es {
                if e.iface().is_some_and(|o| o.addr.local == i.addr.local) {
                    out.push((i.addr.local, escape(g), e.dir.clone()));
                }
            }
        }
    }
    out
}

/// Whether `ip` lies outside every subnet of the zone's own addresses and every route of the
/// zone but a default route (which reaches everything, so says nothing). A zone that
/// configures no address and no such route of `ip`'s family says nothing either: its guests'
/// addresses are then its only ones.
pub fn outside_routes(zone: &Zone, ip: IpAddr) -> bool {
    let same = |c: &Cidr| c.addr.is_ipv4() == ip.is_ipv4();
    let addrs = || {
        zone.links
            .iter()
            .flat_map(|l| &l.addresses)
            .filter(|c| same(c))
    };
    let routes = || {
        zone.routes
            .iter()
            .filter(|r| r.dst.prefix > 0 && same(&r.dst))
    };
    if addrs().next().is_none() && routes().next().is_none() {
        return false;
    }
    !addrs().any(|c| c.contains(ip)) && !routes().any(|r| r.dst.contains(ip))
}

/// The steps that apply `entries` (one guest's) inside the zone from what is `inside` it:
/// VLAN devices `vlandev` asks for on a zone link, addresses not there yet, links up, and
/// `nodev` in every directory applied that lacks it. Err: the message and its fix (a broken
/// directory, a `dev` the zone lacks, an address another guest has too).
pub fn plan_start(
    zone: &Zone,
    guest: &str,
    entries: &[Entry],
    inside: &BTreeMap<String, LinkState>,
    others: &[(OsString, Vec<Entry>)],
) -> Result<Vec<Step>, (String, String)> {
    if let Some(b) = broken(entries) {
        return Err(b);
    }
    if let Some((ip, g, dir)) = clashes(entries, others).into_iter().next() {
        return Err((
            format!(
                "guest {guest}'s address {ip} is guest {g}'s too ({})",
                escape(dir.as_os_str())
            ),
            "give each guest its own address (or disable one: touch DIR/disabled)".into(),
        ));
    }
    let ns = &zone.netns;
    let mut steps = Vec::new();
    let mut made: BTreeSet<String> = BTreeSet::new();
    let mut up: BTreeSet<String> = BTreeSet::new();
    for e in entries {
        let Some(i) = e.iface() else { continue };
        let dev = &i.addr.dev;
        let present = inside.get(dev);
        if let Some(temp) = own_temp(ns, guest, i, inside) {
            // Left by a start killed before the rename: deleted (and made anew below).
            if made.insert(temp.clone()) {
                steps.push(Step::DelLink {
                    ns: Some(ns.clone()),
                    dev: temp,
                });
            }
        }
        if present.is_none() && !made.contains(dev) {
            match &i.vlan {
                Some((parent, vid)) if inside.contains_key(parent) => {
                    // Made under its temporary name, marked, then renamed: a device under
                    // its final name always carries the mark.
                    let temp = vlan_temp_name(ns, guest, dev);
                    steps.push(Step::AddVlanIn {
                        ns: ns.clone(),
                        parent: parent.clone(),
                        temp: temp.clone(),
                        vid: *vid,
                    });
                    steps.push(Step::SetAlias {
                        ns: Some(ns.clone()),
                        dev: temp.clone(),
                        alias: vlan_mark(ns, guest),
                    });
                    steps.push(Step::Rename {
                        ns: ns.clone(),
                        dev: temp,
                        name: dev.clone(),
                    });
                    made.insert(dev.clone());
                }
                _ => {
                    let d = escape(e.dir.as_os_str());
                    let via = match &i.vlan {
                        Some((p, _)) => format!(" (nor its VLAN parent '{p}')"),
                        None => String::new(),
                    };
                    return Err((
                        format!(
                            "{d}/dev: the zone {ns} has no link '{dev}'{via}; its links: {}",
                            zone_links(zone)
                        ),
                        format!(
                            "name one of the zone's links in {d}/dev, or add the link to the zone (vspace-netns-zones(5))"
                        ),
                    ));
                }
            }
        }
        let has_addr = present.is_some_and(|l| l.addresses.contains(&i.addr.cidr()));
        if !has_addr {
            steps.push(Step::AddGuestAddr {
                ns: ns.clone(),
                addr: i.addr.clone(),
            });
        }
        let is_up = present.is_some_and(|l| l.up);
        if i.up && !is_up && up.insert(dev.clone()) {
            steps.push(Step::Up {
                ns: Some(ns.clone()),
                dev: dev.clone(),
            });
        }
    }
    for e in entries {
        if let Some(i) = e.iface() {
            if !i.nodev_ours {
                steps.push(Step::WriteNodev {
                    file: e.dir.join("nodev"),
                });
            }
        }
    }
    Ok(steps)
}

/// The steps that take `entries` (one guest's) back at its stop: its addresses still inside
/// (not one the zone configures on that link itself, nor one another guest configures), the
/// VLAN devices its `vlandev` made (by their mark), and the `nodev` files vspace-netns wrote.
/// util-vserver brings no link down at stop, nor does this.
pub fn plan_stop(
    zone: &Zone,
    guest: &str,
    entries: &[Entry],
    inside: &BTreeMap<String, LinkState>,
    others: &[(OsString, Vec<Entry>)],
) -> Vec<Step> {
    let ns = &zone.netns;
    let shared: Vec<IpAddr> = clashes(entries, others).into_iter().map(|c| c.0).collect();
    let mut steps = Vec::new();
    let mut gone: BTreeSet<String> = BTreeSet::new();
    for e in entries.iter().rev() {
        let Some(i) = e.iface() else { continue };
        let dev = i.addr.dev.as_str();
        if let Some(temp) = own_temp(ns, guest, i, inside) {
            if gone.insert(temp.clone()) {
                steps.push(Step::DelLink {
                    ns: Some(ns.clone()),
                    dev: temp,
                });
            }
        }
        let Some(link) = inside.get(dev) else {
            continue;
        };
        let zones_own = zone
            .links
            .iter()
            .any(|l| l.name == dev && l.addresses.contains(&i.addr.cidr()));
        if link.addresses.contains(&i.addr.cidr()) && !zones_own && !shared.contains(&i.addr.local)
        {
            steps.push(Step::DelGuestAddr {
                ns: ns.clone(),
                addr: i.addr.clone(),
            });
        }
        if i.vlan.is_some()
            && link.alias.as_deref() == Some(vlan_mark(ns, guest).as_str())
            && gone.insert(dev.to_string())
        {
            match still_used_by(dev, link, others) {
                // Another running guest of the zone has its addresses on the device: it stays,
                // marked as that guest's now, whose stop then deletes it.
                Some(other) => steps.push(Step::SetAlias {
                    ns: Some(ns.clone()),
                    dev: dev.to_string(),
                    alias: vlan_mark(ns, &other),
                }),
                None => steps.push(Step::DelLink {
                    ns: Some(ns.clone()),
                    dev: dev.to_string(),
                }),
            }
        }
    }
    // A VLAN device goes after every address on it.
    steps.sort_by_key(|s| matches!(s, Step::DelLink { .. }));
    steps.extend(nodev_back(entries));
    steps
}

/// The first other guest (in `others`' order) whose `interfaces/` names `dev` with an address
/// the device carries now: a guest running in the zone that uses the device (a stopped guest's
/// addresses are gone with its stop).
fn still_used_by(dev: &str, link: &LinkState, others: &[(OsString, Vec<Entry>)]) -> Option<String> {
    others.iter().find_map(|(g, es)| {
        es.iter()
            .filter_map(Entry::iface)
            .any(|o| o.addr.dev == dev && link.addresses.contains(&o.addr.cidr()))
            .then(|| escape(g))
    })
}

/// The half-made VLAN device of `i`'s `vlandev` inside the zone (its temporary name, found
/// as a VLAN), if a start was killed before renaming it.
fn own_temp(
    ns: &str,
    guest: &str,
    i: &Iface,
    inside: &BTreeMap<String, LinkState>,
) -> Option<String> {
    i.vlan.as_ref()?;
    let temp = vlan_temp_name(ns, guest, &i.addr.dev);
    inside
        .get(&temp)
        .is_some_and(|l| l.kind.as_deref() == Some("vlan"))
        .then_some(temp)
}

/// The `rm` of every `nodev` vspace-netns wrote among `entries`.
pub fn nodev_back(entries: &[Entry]) -> Vec<Step> {
    entries
        .iter()
        .filter(|e| e.iface().is_some_and(|i| i.nodev_ours))
        .map(|e| Step::RemoveSkip {
            file: e.dir.join("nodev"),
        })
        .collect()
}

fn io(p: &Path, e: io::Error) -> String {
    format!(
        "cannot read {}: {}",
        escape(p.as_os_str()),
        crate::sys::exec::io_reason(&e)
    )
}

/// util-vserver's `test -e`: a flag present, a symlink followed (one that leads nowhere is
/// absent). Only whether it exists counts; nothing is read through it.
fn exists(p: &Path) -> bool {
    p.exists()
}

/// Refuses `dir` (the guest's `interfaces/` or one `interfaces/N`) when it resolves outside
/// the guest's configuration directory `guest_dir` (a symlink to elsewhere): the hook reads
/// the files under it and writes `nodev` there, and reaches nothing outside the guest's own.
fn inside(guest_dir: &Path, dir: &Path) -> Result<(), String> {
    let (Ok(base), Ok(real)) = (guest_dir.canonicalize(), dir.canonicalize()) else {
        return Ok(()); // gone meanwhile: read as missing
    };
    if real.starts_with(&base) {
        return Ok(());
    }
    Err(format!(
        "{} leads out of the guest's configuration directory (to {}): the hook reads and writes only inside {}; make it a directory there",
        escape(dir.as_os_str()),
        escape(real.as_os_str()),
        escape(guest_dir.as_os_str())
    ))
}

/// Reads one directory's files (`names` values, every flag).
fn files(dir: &Path, names: &[&str]) -> Result<Files, String> {
    let mut f = Files::default();
    for n in names {
        let p = dir.join(n);
        match config::read_optional(&p) {
            Ok(Some(b)) => {
                f.values.insert(n.to_string(), b);
            }
            Ok(None) => {}
            Err(e) => return Err(io(&p, e)),
        }
    }
    for n in FLAGS {
        if exists(&dir.join(n)) {
            f.flags.insert(n.to_string());
        }
    }
    f.nodev = config::read_regular(&dir.join("nodev")).ok();
    Ok(f)
}

/// A guest's `interfaces/*` directories (util-vserver's glob: no dot names, in name order,
/// a link to a directory counts), read. None when it has no `interfaces/`.
pub fn read(vservers: &Path, guest: &OsStr) -> Result<Vec<Raw>, String> {
    let guest_dir = vservers.join(guest);
    let top = guest_dir.join("interfaces");
    if !top.is_dir() {
        return Ok(Vec::new());
    }
    inside(&guest_dir, &top)?;
    let parent = files(&top, SHARED)?;
    let defaults_vlandev = exists(&vservers.join(".defaults/interfaces/vlandev"));
    let mut names: Vec<OsString> = std::fs::read_dir(&top)
        .map_err(|e| io(&top, e))?
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .filter(|n| !n.as_bytes().starts_with(b"."))
        .filter(|n| top.join(n).is_dir())
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|n| {
            let dir = top.join(&n);
            inside(&guest_dir, &dir)?;
            Ok(Raw {
                own: files(&dir, OWN)?,
                parent: parent.clone(),
                defaults_vlandev,
                dir,
            })
        })
        .collect()
}

/// [`read`] and [`parse`] of one guest.
pub fn entries(vservers: &Path, guest: &OsStr) -> Result<Vec<Entry>, String> {
    Ok(read(vservers, guest)?.iter().map(parse).collect())
}

/// The other members of `zone` with their entries (unreadable ones left out: their own
/// doctor check says why).
pub fn others(vservers: &Path, zone: &str, guest: &OsStr) -> Vec<(OsString, Vec<Entry>)> {
    config::members(vservers, zone)
        .unwrap_or_default()
        .into_iter()
        .filter(|m| m.guest != guest)
        .filter_map(|m| entries(vservers, &m.guest).ok().map(|e| (m.guest, e)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(pairs: &[(&str, &str)]) -> Files {
        let mut f = Files::default();
        for (k, v) in pairs {
            if FLAGS.contains(k) {
                f.flags.insert(k.to_string());
                if *k == "nodev" {
                    f.nodev = Some(v.as_bytes().to_vec());
                }
            } else {
                f.values.insert(k.to_string(), v.as_bytes().to_vec());
            }
        }
        f
    }

    fn raw(own: &[(&str, &str)], parent: &[(&str, &str)]) -> Raw {
        Raw {
            dir: "/v/web/interfaces/0".into(),
            own: files(own),
            parent: files(parent),
            defaults_vlandev: false,
        }
    }

    fn words(own: &[(&str, &str)], parent: &[(&str, &str)]) -> Result<String, String> {
        match parse(&raw(own, parent)).state {
            State::Apply(i) => Ok(format!(
                "{}{}{}",
                i.addr.words(true).join(" "),
                if i.up { " +up" } else { "" },
                i.vlan
                    .map(|(p, v)| format!(" vlan {p} {v}"))
                    .unwrap_or_default()
            )),
            other => Err(format!("{other:?}")),
        }
    }

    #[test]
    fn masks_count_as_mask2prefix_does() {
        for (m, want) in [
            ("255.255.255.0", Ok(Some(24))),
            ("255.255.254.0", Ok(Some(23))),
            ("255.255.255.255", Ok(Some(32))),
            ("255.0.255.0", Ok(Some(8))),
            ("0.0.0.0", Ok(None)),
            ("", Ok(None)),
            ("255.255.256.0", Err(BadMask)),
            ("255.x", Err(BadMask)),
        ] {
            assert_eq!(mask2prefix(m.as_bytes()), want, "{m}");
        }
    }

    #[test]
    fn files_read_as_process_single_interface_does() {
        let ok = |o: &[(&str, &str)], p: &[(&str, &str)]| words(o, p).unwrap();
        assert_eq!(
            ok(
                &[("ip", "192.0.2.10\n"), ("prefix", "24\n"), ("dev", "e0\n")],
                &[]
            ),
            "192.0.2.10/24 broadcast + dev e0 +up"
        );
        // dev, mask, bcast from interfaces/ itself; name is a label; down keeps it down.
        assert_eq!(
            ok(
                &[("ip", " 192.0.2.11 \n"), ("name", "web\n"), ("down", "")],
                &[
                    ("dev", "e0\n"),
                    ("mask", "255.255.255.0\n"),
                    ("bcast", "192.0.2.255\n")
                ]
            ),
            "192.0.2.11/24 broadcast 192.0.2.255 label e0:web dev e0"
        );
        // The own file wins; one without a newline is replaced by the next.
        assert_eq!(
            ok(
                &[("ip", "fd00::5\n"), ("dev", "e1\n"), ("prefix", "64")],
                &[("prefix", "48\n")]
            ),
            "fd00::5/48 dev e1 +up"
        );
        // No prefix nor mask: the address alone (a /32); a peer sets the prefix.
        assert_eq!(
            ok(
                &[
                    ("ip", "10.0.0.1\n"),
                    ("dev", "e0\n"),
                    ("peer", "10.0.0.2\n")
                ],
                &[]
            ),
            "10.0.0.1 broadcast + dev e0 peer 10.0.0.2 +up"
        );
        assert_eq!(
            ok(
                &[("ip", "10.0.0.1\n"), ("dev", "e0.7\n"), ("vlandev", "")],
                &[]
            ),
            "10.0.0.1 broadcast + dev e0.7 +up vlan e0 7"
        );
        // The parent's vlandev, unless novlandev.
        assert!(
            ok(
                &[("ip", "10.0.0.1\n"), ("dev", "e0.7\n")],
                &[("vlandev", "")]
            )
            .ends_with("vlan e0 7")
        );
        assert!(
            !ok(
                &[("ip", "1.2.3.4\n"), ("dev", "e0.7\n"), ("novlandev", "")],
                &[("vlandev", "")]
            )
            .contains("vlan")
        );
        // scope is read and not applied, as util-vserver does.
        assert_eq!(
            ok(
                &[("ip", "10.0.0.1\n"), ("dev", "e0\n"), ("scope", "link\n")],
                &[]
            ),
            "10.0.0.1 broadcast + dev e0 +up"
        );
    }

    #[test]
    fn what_is_not_applied_and_what_is_refused() {
        let state = |o: &[(&str, &str)]| parse(&raw(o, &[])).state;
        assert_eq!(
            state(&[("ip", "1.2.3.4\n"), ("disabled", "")]),
            State::Disabled
        );
        assert!(matches!(
            state(&[("ip", "1.2.3.4\n"), ("nodev", "")]),
            State::ContextOnly(_)
        ));
        assert!(matches!(
            state(&[("ip", "1.2.3.4\n"), ("only_ip", ""), ("dev", "e0\n")]),
            State::ContextOnly(_)
        ));
        // Our own nodev: still applied, remembered as ours.
        let ours = format!("{NODEV_TEXT}\n");
        match state(&[("ip", "1.2.3.4\n"), ("dev", "e0\n"), ("nodev", &ours)]) {
            State::Apply(i) => assert!(i.nodev_ours),
            s => panic!("{s:?}"),
        }
        for (own, word) in [
            (&[("dev", "e0\n")][..], "Can not read ip"),
            (&[("ip", "1.2.3.4\n")][..], "No device specified"),
            (
                &[("ip", "1.2.3.4\n"), ("dev", "e0\n"), ("tun", "")][..],
                "tun devices",
            ),
            (
                &[("ip", "1.2.3.4\n"), ("dev", "e0\n"), ("mask", "255.x\n")][..],
                "no netmask",
            ),
            (
                &[("ip", "1.2.3.4\n"), ("dev", "e0\n"), ("prefix", "x\n")][..],
                "no number",
            ),
            (
                &[("ip", "1.2.3.4/8\n"), ("dev", "e0\n"), ("prefix", "8\n")][..],
                "no address",
            ),
            (
                &[("ip", "1.2.3.4\n"), ("dev", "vlan7\n"), ("vlandev", "")][..],
                "VLAN_PLUS_VID",
            ),
        ] {
            match state(own) {
                State::Broken(m, _) => assert!(m.contains(word), "{own:?}: {m}"),
                s => panic!("{own:?}: {s:?}"),
            }
        }
    }

    #[test]
    fn start_and_stop_plan_only_the_guests_own() {
        use crate::zone::config::{Kind, Link};
        use crate::zone::mac::Mac;
        let zone = Zone {
            netns: "z".into(),
            links: vec![Link {
                name: "e0".into(),
                kind: Kind::new(crate::zone::config::kind::Macvlan {
                    parent: "p".into(),
                    mode: "bridge".into(),
                }),
                mac: Some(Mac([2, 0, 0, 0, 0, 1])),
                mtu: None,
                addresses: vec!["192.0.2.1/24".parse().unwrap()],
            }],
            ..Zone::default()
        };
        let entry = |n: &str, own: &[(&str, &str)]| {
            let mut r = raw(own, &[]);
            r.dir = format!("/v/web/interfaces/{n}").into();
            parse(&r)
        };
        let web = vec![
            entry(
                "0",
                &[
                    (
                        "ip",
                        "192.0.2.10
",
                    ),
                    (
                        "prefix", "24
",
                    ),
                    (
                        "dev", "e0
",
                    ),
                ],
            ),
            entry(
                "1",
                &[
                    (
                        "ip",
                        "10.7.0.1
",
                    ),
                    (
                        "dev", "e0.7
",
                    ),
                    ("vlandev", ""),
                ],
            ),
            // The zone's own address, configured for the guest too: never deleted at its stop.
            entry(
                "2",
                &[
                    (
                        "ip",
                        "192.0.2.1
",
                    ),
                    (
                        "prefix", "24
",
                    ),
                    (
                        "dev", "e0
",
                    ),
                ],
            ),
        ];
        let mut inside = BTreeMap::new();
        inside.insert(
            "e0".to_string(),
            LinkState {
                up: true,
                addresses: vec!["192.0.2.1/24".parse().unwrap()],
                ..LinkState::default()
            },
        );
        let lines =
            |steps: Vec<Step>| -> Vec<String> { steps.iter().map(|s| s.to_string()).collect() };
        let start = plan_start(&zone, "web", &web, &inside, &[]).unwrap();
        let t = vlan_temp_name("z", "web", "e0.7");
        assert_eq!(
            lines(start),
            [
                "ip -n z addr add 192.0.2.10/24 broadcast + dev e0",
                &*format!("ip -n z link add link e0 name {t} type vlan id 7"),
                &*format!("ip -n z link set dev {t} alias vspace-netns:z:guest:web"),
                &*format!("ip -n z link set dev {t} name e0.7"),
                "ip -n z addr add 10.7.0.1 broadcast + dev e0.7",
                "ip -n z link set dev e0.7 up",
                "printf '%s\\n' 'vspace-netns: this address is applied inside the guest'\\''s zone, not on the host' > /v/web/interfaces/0/nodev",
                "printf '%s\\n' 'vspace-netns: this address is applied inside the guest'\\''s zone, not on the host' > /v/web/interfaces/1/nodev",
                "printf '%s\\n' 'vspace-netns: this address is applied inside the guest'\\''s zone, not on the host' > /v/web/interfaces/2/nodev",
            ]
        );
        // Running: addresses there, the VLAN device marked, nodev ours.
        let ours = format!("{NODEV_TEXT}\n");
        let web: Vec<Entry> = [
            (
                "0",
                vec![("ip", "192.0.2.10\n"), ("prefix", "24\n"), ("dev", "e0\n")],
            ),
            (
                "1",
                vec![("ip", "10.7.0.1\n"), ("dev", "e0.7\n"), ("vlandev", "")],
            ),
            (
                "2",
                vec![("ip", "192.0.2.1\n"), ("prefix", "24\n"), ("dev", "e0\n")],
            ),
        ]
        .into_iter()
        .map(|(n, mut f)| {
            f.push(("nodev", ours.as_str()));
            entry(n, &f)
        })
        .collect();
        inside
            .get_mut("e0")
            .unwrap()
            .addresses
            .push("192.0.2.10/24".parse().unwrap());
        inside.insert(
            "e0.7".into(),
            LinkState {
                up: true,
                alias: Some(vlan_mark("z", "web")),
                addresses: vec!["10.7.0.1/32".parse().unwrap()],
                ..LinkState::default()
            },
        );
        assert!(
            plan_start(&zone, "web", &web, &inside, &[])
                .unwrap()
                .is_empty()
        );
        // Another guest has 192.0.2.10 too: a start refuses, a stop keeps it.
        let db = vec![(
            OsString::from("db"),
            vec![entry("0", &[("ip", "192.0.2.10\n"), ("dev", "e0\n")])],
        )];
        let (m, _) = plan_start(&zone, "web", &web, &inside, &db).unwrap_err();
        assert!(m.contains("192.0.2.10 is guest db's too"), "{m}");
        assert_eq!(
            lines(plan_stop(&zone, "web", &web, &inside, &db)),
            [
                "ip -n z addr del 10.7.0.1 dev e0.7",
                "ip -n z link del dev e0.7",
                "rm /v/web/interfaces/0/nodev",
                "rm /v/web/interfaces/1/nodev",
                "rm /v/web/interfaces/2/nodev",
            ]
        );
        assert_eq!(
            lines(plan_stop(&zone, "web", &web, &inside, &[]))[0],
            "ip -n z addr del 10.7.0.1 dev e0.7"
        );
        assert_eq!(
            lines(plan_stop(&zone, "web", &web, &inside, &[]))[1],
            "ip -n z addr del 192.0.2.10/24 dev e0"
        );
        // A dev the zone lacks names the file and the zone's links.
        let bad = vec![entry("0", &[("ip", "1.2.3.4\n"), ("dev", "e9\n")])];
        let (m, fix) = plan_start(&zone, "web", &bad, &inside, &[]).unwrap_err();
        assert_eq!(
            m,
            "/v/web/interfaces/0/dev: the zone z has no link 'e9'; its links: e0"
        );
        assert!(fix.contains("name one of the zone's links in /v/web/interfaces/0/dev"));
    }

    /// A zone with the link `e0`, a guest `web` with `vlandev` on `e0.7`, and `e0` inside.
    fn vlan_case() -> (Zone, Vec<Entry>, BTreeMap<String, LinkState>) {
        use crate::zone::config::{Kind, Link};
        use crate::zone::mac::Mac;
        let zone = Zone {
            netns: "z".into(),
            links: vec![Link {
                name: "e0".into(),
                kind: Kind::new(crate::zone::config::kind::Macvlan {
                    parent: "p".into(),
                    mode: "bridge".into(),
                }),
                mac: Some(Mac([2, 0, 0, 0, 0, 1])),
                mtu: None,
                addresses: vec![],
            }],
            ..Zone::default()
        };
        let web = vec![parse(&raw(
            &[("ip", "10.7.0.1\n"), ("dev", "e0.7\n"), ("vlandev", "")],
            &[],
        ))];
        let mut inside = BTreeMap::new();
        inside.insert(
            "e0".to_string(),
            LinkState {
                up: true,
                kind: Some("macvlan".into()),
                ..LinkState::default()
            },
        );
        (zone, web, inside)
    }

    #[test]
    fn a_vlan_device_another_running_guest_uses_stays_at_a_stop() {
        let (zone, web, mut inside) = vlan_case();
        let db = vec![parse(&raw(
            &[("ip", "10.7.0.2\n"), ("dev", "e0.7\n"), ("vlandev", "")],
            &[],
        ))];
        let others = vec![(OsString::from("db"), db.clone())];
        let cidr = |a: &str| -> crate::zone::config::Cidr { a.parse().unwrap() };
        inside.insert(
            "e0.7".into(),
            LinkState {
                kind: Some("vlan".into()),
                alias: Some(vlan_mark("z", "web")),
                addresses: vec![cidr("10.7.0.1/32"), cidr("10.7.0.2/32")],
                ..LinkState::default()
            },
        );
        let lines =
            |steps: Vec<Step>| -> Vec<String> { steps.iter().map(|s| s.to_string()).collect() };
        // db runs (its address is on the device): web's stop takes its own address only, and
        // hands the device to db.
        assert_eq!(
            lines(plan_stop(&zone, "web", &web, &inside, &others)),
            [
                "ip -n z addr del 10.7.0.1 dev e0.7",
                "ip -n z link set dev e0.7 alias vspace-netns:z:guest:db",
            ]
        );
        // db's stop then deletes it, web being stopped (no address of web's on it).
        let dev = inside.get_mut("e0.7").unwrap();
        dev.alias = Some(vlan_mark("z", "db"));
        dev.addresses = vec![cidr("10.7.0.2/32")];
        let web_other = vec![(OsString::from("web"), web.clone())];
        assert_eq!(
            lines(plan_stop(&zone, "db", &db, &inside, &web_other)),
            [
                "ip -n z addr del 10.7.0.2 dev e0.7",
                "ip -n z link del dev e0.7",
            ]
        );
        // db stopped (its address gone): web's stop deletes web's device as before.
        let dev = inside.get_mut("e0.7").unwrap();
        dev.alias = Some(vlan_mark("z", "web"));
        dev.addresses = vec![cidr("10.7.0.1/32")];
        assert_eq!(
            lines(plan_stop(&zone, "web", &web, &inside, &others)),
            [
                "ip -n z addr del 10.7.0.1 dev e0.7",
                "ip -n z link del dev e0.7",
            ]
        );
    }

    #[test]
    fn temporary_vlan_names_are_valid_distinct_and_recognised_by_zone() {
        let t = vlan_temp_name("z", "web", "e0.7");
        assert_eq!(t.len(), 15);
        assert!(t.starts_with("vsg") && t[3..].bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(t, vlan_temp_name("z", "web", "e0.7"), "stable");
        assert_ne!(t, vlan_temp_name("z", "db", "e0.7"));
        assert_ne!(t, vlan_temp_name("z", "web", "e0.8"));
        assert_ne!(t, vlan_temp_name("z1", "web", "e0.7"));
        assert!(crate::zone::config::check_ifname(t.as_bytes()).is_ok());
        let vlan = LinkState {
            kind: Some("vlan".into()),
            ..LinkState::default()
        };
        assert!(is_vlan_temp("z", &t, &vlan));
        assert!(is_vlan_temp("z", &vlan_temp_name("z", "db", "x.9"), &vlan));
        // Another zone's, another kind, another name: not this zone's half-made device.
        assert!(!is_vlan_temp("z1", &t, &vlan));
        let macvlan = LinkState {
            kind: Some("macvlan".into()),
            ..LinkState::default()
        };
        assert!(!is_vlan_temp("z", &t, &macvlan));
        assert!(!is_vlan_temp("z", &t[..14], &vlan));
        assert!(!is_vlan_temp("z", "e0.7", &vlan));
    }

    #[test]
    fn a_vlan_device_is_made_under_its_temporary_name_marked_then_renamed() {
        let (zone, web, inside) = vlan_case();
        let t = vlan_temp_name("z", "web", "e0.7");
        let steps = plan_start(&zone, "web", &web, &inside, &[]).unwrap();
        let lines: Vec<String> = steps.iter().map(|s| s.to_string()).collect();
        assert_eq!(
            lines[..3],
            [
                format!("ip -n z link add link e0 name {t} type vlan id 7"),
                format!("ip -n z link set dev {t} alias vspace-netns:z:guest:web"),
                format!("ip -n z link set dev {t} name e0.7"),
            ]
        );
        // Undone before the rename: the temporary name goes; after it: the final name.
        let undo = |n: usize| -> Vec<String> {
            crate::zone::plan::undo(&steps[..n])
                .iter()
                .map(|s| s.to_string())
                .collect()
        };
        assert_eq!(undo(1), [format!("ip -n z link del dev {t}")]);
        assert_eq!(undo(2), [format!("ip -n z link del dev {t}")]);
        assert_eq!(undo(3), ["ip -n z link del dev e0.7"]);
        // With the address added and the link raised: one delete takes them along.
        assert_eq!(
            undo(steps.len()),
            [
                "rm /v/web/interfaces/0/nodev",
                "ip -n z addr del 10.7.0.1 dev e0.7",
                "ip -n z link del dev e0.7"
            ]
        );
    }

    #[test]
    fn a_half_made_vlan_device_is_deleted_by_the_next_start_stop_and_down() {
        use crate::zone::plan::{Facts, PlanError, plan_down};
        let (zone, web, mut inside) = vlan_case();
        let t = vlan_temp_name("z", "web", "e0.7");
        let lines =
            |steps: Vec<Step>| -> Vec<String> { steps.iter().map(|s| s.to_string()).collect() };
        // Killed between the creation and the mark (no alias), or before the rename (marked).
        for alias in [None, Some(vlan_mark("z", "web"))] {
            inside.insert(
                t.clone(),
                LinkState {
                    kind: Some("vlan".into()),
                    alias: alias.clone(),
                    ..LinkState::default()
                },
            );
            let start = lines(plan_start(&zone, "web", &web, &inside, &[]).unwrap());
            assert_eq!(start[0], format!("ip -n z link del dev {t}"), "{alias:?}");
            assert_eq!(
                start[1],
                format!("ip -n z link add link e0 name {t} type vlan id 7")
            );
            assert_eq!(start[3], format!("ip -n z link set dev {t} name e0.7"));
            let stop = lines(plan_stop(&zone, "web", &web, &inside, &[]));
            assert_eq!(stop, [format!("ip -n z link del dev {t}")], "{alias:?}");
            // Another guest's start leaves it alone (it is web's).
            let db = lines(plan_start(&zone, "db", &web, &inside, &[]).unwrap());
            assert!(!db.iter().any(|l| l.contains("link del")), "{db:?}");
            // down (and the last guest's post-stop) takes it with the namespace, unforced (not
            // explicitly: deleting e0 first deletes a VLAN device on it).
            let mut facts = Facts::empty("/run/netns/z".into());
            facts.netns = crate::netns::Entry::Netns(());
            facts.inside = inside.clone();
            facts.inside.insert(
                "lo".into(),
                LinkState {
                    alias: Some(crate::zone::plan::mark("z")),
                    ..LinkState::default()
                },
            );
            facts.inside.get_mut("e0").unwrap().alias = Some(crate::zone::plan::mark("z"));
            let down = lines(plan_down(&zone, &facts, false).unwrap());
            assert_eq!(down, ["ip -n z link del dev e0", "ip netns delete z"]);
            // An unmarked device named so that is no VLAN is still refused.
            facts.inside.get_mut(&t).unwrap().kind = Some("dummy".into());
            if alias.is_none() {
                match plan_down(&zone, &facts, false) {
                    Err(PlanError::Unmarked(u)) => assert!(u[0].contains(&t), "{u:?}"),
                    other => panic!("{other:?}"),
                }
            }
        }
    }

    #[test]
    fn outside_the_zone_only_where_the_zone_says_where_it_is() {
        use crate::zone::config::{Kind, Link, Route};
        use crate::zone::mac::Mac;
        let link = |a: &[&str]| Link {
            name: "e0".into(),
            kind: Kind::new(crate::zone::config::kind::Veth {
                peer: "p".into(),
                peer_mac: Mac([2, 0, 0, 0, 0, 2]),
            }),
            mac: Some(Mac([2, 0, 0, 0, 0, 1])),
            mtu: None,
            addresses: a.iter().map(|c| c.parse().unwrap()).collect(),
        };
        let route = |d: &str| Route {
            dst: d.parse().unwrap(),
            via: None,
            dev: Some("e0".into()),
            metric: None,
            table: None,
        };
        let zone = |a: &[&str], r: &[&str]| Zone {
            netns: "z".into(),
            links: vec![link(a)],
            routes: r.iter().map(|d| route(d)).collect(),
            ..Zone::default()
        };
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let z = zone(&["192.0.2.1/24"], &["203.0.113.0/24", "0.0.0.0/0"]);
        assert!(!outside_routes(&z, ip("192.0.2.10")));
        assert!(!outside_routes(&z, ip("203.0.113.5")));
        assert!(
            outside_routes(&z, ip("10.9.9.9")),
            "a default route says nothing"
        );
        // Nothing of the family configured: nothing to compare with.
        assert!(!outside_routes(&z, ip("fd00::1")));
        assert!(!outside_routes(&zone(&[], &[]), ip("10.9.9.9")));
    }

    #[test]
    fn broadcast_as_ip_computes_it() {
        let a = |w: &str, peer: Option<&str>, b: Bcast| {
            let c: Cidr = w.parse().unwrap();
            GuestAddr {
                dev: "e0".into(),
                local: c.addr,
                prefix: c.prefix,
                peer: peer.map(|p| p.parse().unwrap()),
                broadcast: Some(b),
                label: None,
                local_word: w.into(),
                peer_word: None,
            }
            .broadcast_addr()
        };
        assert_eq!(
            a("192.0.2.10/24", None, Bcast::Plus),
            Some("192.0.2.255".parse().unwrap())
        );
        assert_eq!(
            a("192.0.2.10/24", None, Bcast::Minus),
            Some("192.0.2.0".parse().unwrap())
        );
        assert_eq!(a("192.0.2.10/31", None, Bcast::Plus), None);
        assert_eq!(a("10.0.0.1/32", Some("10.0.0.2"), Bcast::Plus), None);
    }
}
