//! Zone configuration, in util-vserver's style (one value per file), and the guest files that
//! say which zone a guest joins. Validation is pure (`parse_zone`, `net_space`, `skip_edit`);
//! the readers (`read_zone`, `read_guest_net`, `members`, ...) are thin file I/O around it.
//!
//! A zone is `$VSPACE_NETNS_CONFDIR/<netns>/` (default `/etc/vspace-netns/<netns>/`):
//! `id` (0-65535, used in derived MACs) and `links/<ifname>/` with `type` (vlan, macvlan,
//! veth), `link` (parent on the host; vlan and macvlan), `vlan` (1-4094), `mode` (macvlan mode,
//! default bridge), `peer` (host end of a veth), `mac` (explicit address), `address` (CIDRs, one
//! per line) and `index` (0-255, the last MAC byte). Unknown files are errors (a typo must not
//! be silently ignored). Every error names the file and the fix.
//!
//! Invariants of a parsed [`Zone`]: names are valid interface names, links are in byte order of
//! their names, every MAC in the zone (veth host ends included) is distinct.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::io;
use std::net::IpAddr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::quote::escape;
use crate::zone::mac::{self, Mac};

/// Where zones live unless `VSPACE_NETNS_CONFDIR` says otherwise.
pub const DEFAULT_CONFDIR: &str = "/etc/vspace-netns";
/// util-vserver's configuration root unless `VSPACE_NETNS_VSERVERS` says otherwise.
pub const DEFAULT_VSERVERS: &str = "/etc/vservers";

/// The zone configuration root.
pub fn confdir() -> Result<PathBuf, String> {
    absolute_env("VSPACE_NETNS_CONFDIR", DEFAULT_CONFDIR)
}

/// util-vserver's configuration root.
pub fn vservers_dir() -> Result<PathBuf, String> {
    absolute_env("VSPACE_NETNS_VSERVERS", DEFAULT_VSERVERS)
}

/// `$var` when set (it must be absolute), else `default` (the rule of `NETNS_RUN_DIR`).
pub use crate::netns::dir_from_env as absolute_env;

/// A configuration problem: the file, what is wrong, and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub path: PathBuf,
    pub problem: String,
    pub fix: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}; {}",
            escape(self.path.as_os_str()),
            self.problem,
            self.fix
        )
    }
}

impl std::error::Error for ConfigError {}

fn cerr(path: &Path, problem: impl Into<String>, fix: impl Into<String>) -> ConfigError {
    ConfigError {
        path: path.to_owned(),
        problem: problem.into(),
        fix: fix.into(),
    }
}

/// An address with its prefix length, compared in canonical form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cidr {
    pub addr: IpAddr,
    pub prefix: u8,
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

impl std::str::FromStr for Cidr {
    type Err = String;

    fn from_str(s: &str) -> Result<Cidr, String> {
        let bad = || format!("'{s}' is not ADDRESS/PREFIX (e.g. 192.0.2.10/24 or fd00::10/64)");
        let (a, p) = s.split_once('/').ok_or_else(bad)?;
        let addr: IpAddr = a.parse().map_err(|_| bad())?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = mac::parse_number("prefix length", p, max).map_err(|_| bad())? as u8;
        Ok(Cidr { addr, prefix })
    }
}

/// What kind of link, with what only that kind has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// `ip link add link PARENT name X type vlan id VID`.
    Vlan { parent: String, vid: u16 },
    /// `ip link add link PARENT name X type macvlan mode MODE`.
    Macvlan { parent: String, mode: String },
    /// `ip link add name X type veth peer name PEER`; PEER stays on the host.
    Veth { peer: String, peer_mac: Mac },
}

/// One link of a zone, as it must be inside the namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub name: String,
    pub kind: Kind,
    pub mac: Mac,
    pub addresses: Vec<Cidr>,
}

/// A parsed, validated zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zone {
    pub netns: String,
    pub links: Vec<Link>,
}

/// A zone directory as read from disk, before validation: file name -> bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawZone {
    pub dir: PathBuf,
    /// Top-level entries; a directory is recorded as `None`.
    pub top: BTreeMap<OsString, Option<Vec<u8>>>,
    /// `links/<ifname>/<file>`; a subdirectory inside a link is recorded as `None`.
    pub links: BTreeMap<OsString, BTreeMap<OsString, Option<Vec<u8>>>>,
}

const MACVLAN_MODES: &[&str] = &["bridge", "private", "vepa", "passthru", "source"];
const LINK_FILES: &[&str] = &[
    "type", "link", "vlan", "mode", "peer", "mac", "address", "index",
];

/// The kernel's rule for interface names (dev_valid_name), plus UTF-8 for messages and files.
pub fn check_ifname(name: &[u8]) -> Result<&str, String> {
    let s = std::str::from_utf8(name).map_err(|_| {
        format!(
            "'{}' is not valid UTF-8; use a plain name",
            escape(OsStr::from_bytes(name))
        )
    })?;
    if s.is_empty() || s.len() > 15 {
        return Err(format!("'{s}' must be 1-15 bytes long"));
    }
    if s == "." || s == ".." {
        return Err(format!("'{s}' is not an interface name"));
    }
    if s.bytes()
        .any(|b| b == b'/' || b == b':' || b.is_ascii_whitespace() || b < 0x20)
    {
        return Err(format!(
            "'{}' contains '/', ':', a blank or a control character",
            escape(OsStr::new(s))
        ));
    }
    Ok(s)
}

/// A zone name: a valid netns name that is also UTF-8 (it is printed in `ip` command lines).
pub fn check_zone_name(name: &OsStr) -> Result<&str, String> {
    crate::netns::check_name(name).map_err(|e| format!("'{}': {e}", escape(name)))?;
    let s = name.to_str().ok_or_else(|| {
        format!(
            "'{}' is not valid UTF-8; zone names must be text",
            escape(name)
        )
    })?;
    if s.bytes().any(|b| b.is_ascii_whitespace() || b < 0x20) {
        return Err(format!(
            "'{}' contains a blank or a control character; util-vserver's read would mangle it",
            escape(name)
        ));
    }
    Ok(s)
}

/// The single value of a one-value file: the first line, blanks trimmed (as util-vserver's
/// `read` does); empty or several non-blank lines are errors.
fn single(path: &Path, bytes: &[u8], fix: &str) -> Result<String, ConfigError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| cerr(path, "is not valid UTF-8", fix.to_string()))?;
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines
        .next()
        .ok_or_else(|| cerr(path, "is empty", fix.to_string()))?;
    if lines.next().is_some() {
        return Err(cerr(
            path,
            "holds more than one value",
            format!("keep one line ({fix})"),
        ));
    }
    Ok(first.to_string())
}

fn number(path: &Path, bytes: &[u8], what: &str, min: u32, max: u32) -> Result<u32, ConfigError> {
    let fix = format!("write {what} as a decimal number in {min}-{max}");
    let v = single(path, bytes, &fix)?;
    match mac::parse_number(what, &v, max) {
        Ok(n) if n >= min => Ok(n),
        _ => Err(cerr(path, format!("'{v}' is not a valid {what}"), fix)),
    }
}

/// Validates a raw zone. `netns` is the zone's (directory) name.
pub fn parse_zone(netns: &OsStr, raw: &RawZone) -> Result<Zone, ConfigError> {
    let dir = &raw.dir;
    let name = check_zone_name(netns).map_err(|e| {
        cerr(
            dir,
            format!("bad zone name {e}"),
            "rename the directory to a plain namespace name",
        )
    })?;
    let mut id: Option<u16> = None;
    for (file, content) in &raw.top {
        let path = dir.join(file);
        match (file.as_bytes(), content) {
            (b"id", Some(bytes)) => {
                id = Some(number(&path, bytes, "zone id", 0, u16::MAX as u32)? as u16)
            }
            (b"links", None) => {}
            (b"id", None) | (b"links", Some(_)) => {
                return Err(cerr(
                    &path,
                    if content.is_some() {
                        "is a file"
                    } else {
                        "is a directory"
                    },
                    "'id' is a file holding a number, 'links' a directory of links",
                ));
            }
            _ => {
                return Err(cerr(
                    &path,
                    "is not a zone setting",
                    "remove it; a zone directory holds only 'id' and 'links/'",
                ));
            }
        }
    }
    let mut links = Vec::new();
    let mut taken: BTreeMap<Mac, PathBuf> = BTreeMap::new();
    let mut names: BTreeMap<String, PathBuf> = BTreeMap::new();
    for (position, (ifname, files)) in raw.links.iter().enumerate() {
        let ldir = dir.join("links").join(ifname);
        let ifname = check_ifname(ifname.as_bytes())
            .map_err(|e| {
                cerr(
                    &ldir,
                    format!("bad interface name {e}"),
                    "rename the directory",
                )
            })?
            .to_string();
        if ifname == "lo" {
            return Err(cerr(
                &ldir,
                "'lo' is made with every namespace",
                "remove this directory",
            ));
        }
        let link = parse_link(&ldir, &ifname, files, id, position, &raw.dir)?;
        let mut claim = |n: &str, p: &Path| -> Result<(), ConfigError> {
            if let Some(other) = names.insert(n.to_string(), p.to_owned()) {
                return Err(cerr(
                    p,
                    format!(
                        "the name '{n}' is also used by {}",
                        escape(other.as_os_str())
                    ),
                    "give every link and veth peer its own name",
                ));
            }
            Ok(())
        };
        claim(&ifname, &ldir)?;
        let mut macs = vec![(link.mac, ldir.clone())];
        if let Kind::Veth { peer, peer_mac } = &link.kind {
            claim(peer, &ldir.join("peer"))?;
            macs.push((*peer_mac, ldir.join("peer")));
        }
        for (m, p) in macs {
            if let Some(other) = taken.insert(m, p.clone()) {
                return Err(cerr(
                    &p,
                    format!("MAC {m} is also the MAC of {}", escape(other.as_os_str())),
                    "give one of them another 'index' or an explicit 'mac'",
                ));
            }
        }
        links.push(link);
    }
    Ok(Zone {
        netns: name.to_string(),
        links,
    })
}

fn parse_link(
    ldir: &Path,
    ifname: &str,
    files: &BTreeMap<OsString, Option<Vec<u8>>>,
    id: Option<u16>,
    position: usize,
    zone_dir: &Path,
) -> Result<Link, ConfigError> {
    let mut get: BTreeMap<&str, &[u8]> = BTreeMap::new();
    for (f, content) in files {
        let path = ldir.join(f);
        let known = LINK_FILES.iter().find(|k| k.as_bytes() == f.as_bytes());
        match (known, content) {
            (Some(k), Some(bytes)) => {
                get.insert(k, bytes);
            }
            (Some(_), None) => {
                return Err(cerr(
                    &path,
                    "is a directory",
                    "make it a file holding one value",
                ));
            }
            (None, _) => {
                return Err(cerr(
                    &path,
                    "is not a link setting",
                    format!(
                        "remove it; a link directory holds {}",
                        LINK_FILES.join(", ")
                    ),
                ));
            }
        }
    }
    let p = |f: &str| ldir.join(f);
    let ty_bytes = get.get("type").ok_or_else(|| {
        cerr(
            &p("type"),
            "is missing",
            "write vlan, macvlan or veth into it",
        )
    })?;
    let ty = single(&p("type"), ty_bytes, "write vlan, macvlan or veth")?;
    let only_for = |file: &str, kinds: &str| -> Result<(), ConfigError> {
        if get.contains_key(file) {
            Err(cerr(
                &p(file),
                format!("is only for {kinds} links, and this one is {ty}"),
                "remove it or change 'type'",
            ))
        } else {
            Ok(())
        }
    };
    let need = |file: &str, fix: &str| -> Result<String, ConfigError> {
        match get.get(file) {
            Some(b) => single(&p(file), b, fix),
            None => Err(cerr(
                &p(file),
                format!("is missing (a {ty} link needs it)"),
                fix,
            )),
        }
    };
    let parent = |fix: &str| -> Result<String, ConfigError> {
        let v = need("link", fix)?;
        check_ifname(v.as_bytes())
            .map_err(|e| cerr(&p("link"), format!("bad parent name {e}"), fix))?;
        Ok(v)
    };
    let index: u8 = match get.get("index") {
        Some(b) => number(&p("index"), b, "link index", 0, 255)? as u8,
        None => {
            let i = position * 2;
            if i > 254 {
                return Err(cerr(
                    &p("index"),
                    "is missing and this link is past the 128th",
                    "write an index 0-255 for it",
                ));
            }
            i as u8
        }
    };
    let (kind, vid) = match ty.as_str() {
        "vlan" => {
            only_for("mode", "macvlan")?;
            only_for("peer", "veth")?;
            let fix = format!("write the 802.1Q id, 1-{}", mac::VLAN_MAX);
            let vid = match get.get("vlan") {
                Some(b) => number(&p("vlan"), b, "VLAN id", 1, mac::VLAN_MAX as u32)? as u16,
                None => return Err(cerr(&p("vlan"), "is missing (a vlan link needs it)", fix)),
            };
            let parent = parent("write the host's trunk device, e.g. eth0")?;
            (Kind::Vlan { parent, vid }, vid)
        }
        "macvlan" => {
            only_for("vlan", "vlan")?;
            only_for("peer", "veth")?;
            let parent = parent("write the host device to attach to, e.g. eth0")?;
            let fix = format!("write one of {}", MACVLAN_MODES.join(", "));
            let mode = match get.get("mode") {
                Some(b) => single(&p("mode"), b, &fix)?,
                None => "bridge".to_string(),
            };
            if !MACVLAN_MODES.contains(&mode.as_str()) {
                return Err(cerr(
                    &p("mode"),
                    format!("'{mode}' is not a macvlan mode"),
                    fix,
                ));
            }
            (Kind::Macvlan { parent, mode }, 0)
        }
        "veth" => {
            only_for("vlan", "vlan")?;
            only_for("mode", "macvlan")?;
            only_for("link", "vlan and macvlan")?;
            let fix = "write the name of the host end, e.g. ve-web";
            let peer = need("peer", fix)?;
            check_ifname(peer.as_bytes())
                .map_err(|e| cerr(&p("peer"), format!("bad name {e}"), fix))?;
            if index == 255 {
                return Err(cerr(
                    &p("index"),
                    "255 leaves no index for the veth host end (index + 1)",
                    "use 0-254",
                ));
            }
            let zone_id = need_id(id, zone_dir, ldir)?;
            let peer_mac = mac::derive(0, zone_id, index + 1).expect("0 is a valid VLAN id");
            (Kind::Veth { peer, peer_mac }, 0)
        }
        other => {
            return Err(cerr(
                &p("type"),
                format!("'{other}' is not a link type"),
                "write vlan, macvlan or veth",
            ));
        }
    };
    let mac = match get.get("mac") {
        Some(b) => {
            let fix = "write an address such as 02:00:02:00:2a:00, or remove the file for the derived one";
            let v = single(&p("mac"), b, fix)?;
            v.parse::<Mac>().map_err(|e| cerr(&p("mac"), e, fix))?
        }
        None => {
            let zone_id = need_id(id, zone_dir, ldir)?;
            mac::derive(vid, zone_id, index).expect("vid was validated")
        }
    };
    let mut addresses = Vec::new();
    if let Some(b) = get.get("address") {
        let path = p("address");
        let text = std::str::from_utf8(b)
            .map_err(|_| cerr(&path, "is not valid UTF-8", "write one CIDR per line"))?;
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let c: Cidr = line
                .parse()
                .map_err(|e: String| cerr(&path, e, "write one CIDR per line"))?;
            if !addresses.contains(&c) {
                addresses.push(c);
            }
        }
    }
    Ok(Link {
        name: ifname.to_string(),
        kind,
        mac,
        addresses,
    })
}

fn need_id(id: Option<u16>, zone_dir: &Path, ldir: &Path) -> Result<u16, ConfigError> {
    id.ok_or_else(|| {
        cerr(
            &zone_dir.join("id"),
            format!(
                "is missing, and {} derives its MAC from it",
                escape(ldir.as_os_str())
            ),
            "write the zone's number (0-65535) into it, or give the link an explicit 'mac'",
        )
    })
}

/// Largest configuration file we read (they hold one value each).
const MAX_FILE: u64 = 64 * 1024;

fn read_small(path: &Path) -> io::Result<Vec<u8>> {
    use std::io::Read;
    let mut buf = Vec::new();
    std::fs::File::open(path)?
        .take(MAX_FILE)
        .read_to_end(&mut buf)?;
    Ok(buf)
}

fn read_dir_entries(dir: &Path) -> Result<BTreeMap<OsString, Option<Vec<u8>>>, ConfigError> {
    let io_err = |p: &Path, e: io::Error| {
        cerr(
            p,
            format!("cannot read: {}", crate::sys::exec::io_reason(&e)),
            "check the path and its permissions",
        )
    };
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir).map_err(|e| io_err(dir, e))? {
        let entry = entry.map_err(|e| io_err(dir, e))?;
        let path = entry.path();
        let is_dir = std::fs::metadata(&path)
            .map_err(|e| io_err(&path, e))?
            .is_dir();
        let content = if is_dir {
            None
        } else {
            Some(read_small(&path).map_err(|e| io_err(&path, e))?)
        };
        out.insert(entry.file_name(), content);
    }
    Ok(out)
}

/// Reads `<confdir>/<netns>/` into a [`RawZone`] (no validation beyond what reading needs).
pub fn read_raw(confdir: &Path, netns: &OsStr) -> Result<RawZone, ConfigError> {
    let dir = confdir.join(netns);
    if !dir.is_dir() {
        return Err(cerr(
            &dir,
            "no such zone directory",
            format!(
                "create it (mkdir -p {}; an empty directory is a zone with only lo)",
                escape(dir.as_os_str())
            ),
        ));
    }
    let top = read_dir_entries(&dir)?;
    let mut links = BTreeMap::new();
    if let Some(None) = top.get(OsStr::new("links")) {
        for (ifname, content) in read_dir_entries(&dir.join("links"))? {
            let ldir = dir.join("links").join(&ifname);
            if content.is_some() {
                return Err(cerr(
                    &ldir,
                    "is a file",
                    "every entry of links/ is a directory named after the interface",
                ));
            }
            links.insert(ifname, read_dir_entries(&ldir)?);
        }
    }
    Ok(RawZone { dir, top, links })
}

/// Reads and validates one zone.
pub fn read_zone(confdir: &Path, netns: &OsStr) -> Result<Zone, ConfigError> {
    parse_zone(netns, &read_raw(confdir, netns)?)
}

/// What a guest's `spaces/net` means to util-vserver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetSpace {
    /// No file: the guest shares the host's network (no net space).
    Missing,
    /// Empty file: util-vserver gives the guest a private network namespace.
    Private,
    /// `0`: no network space of its own.
    NoNet,
    /// A namespace name. `newline: false` means util-vserver's `read` fails on the last line and
    /// the guest silently gets a *private* namespace instead.
    Shared { name: Vec<u8>, newline: bool },
}

impl NetSpace {
    /// The namespace this guest means to share, even when the newline is missing.
    pub fn intended(&self) -> Option<&[u8]> {
        match self {
            NetSpace::Shared { name, .. } => Some(name),
            _ => None,
        }
    }
}

/// Interprets the bytes of `spaces/net` (None: the file does not exist).
pub fn net_space(bytes: Option<&[u8]>) -> NetSpace {
    let Some(b) = bytes else {
        return NetSpace::Missing;
    };
    // As util-vserver reads it (`read` without -r): see `shread`.
    let r = crate::zone::shread::read(b);
    let (newline, trimmed) = (r.complete, r.value.as_slice());
    if trimmed.is_empty() {
        NetSpace::Private
    } else if trimmed == b"0" {
        NetSpace::NoNet
    } else {
        NetSpace::Shared {
            name: trimmed.to_vec(),
            newline,
        }
    }
}

/// `<vservers>/<guest>/spaces/net`.
pub fn net_file(vservers: &Path, guest: &OsStr) -> PathBuf {
    vservers.join(guest).join("spaces").join("net")
}

/// Reads a guest's `spaces/net`.
pub fn read_guest_net(vservers: &Path, guest: &OsStr) -> io::Result<NetSpace> {
    match read_small(&net_file(vservers, guest)) {
        Ok(b) => Ok(net_space(Some(&b))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(NetSpace::Missing),
        Err(e) => Err(e),
    }
}

/// A guest that names a zone in its `spaces/net`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub guest: OsString,
    /// Whether `spaces/net` ends its line (without it the guest is not really a member).
    pub newline: bool,
}

/// The guests under `vservers` whose `spaces/net` names `netns`, in name order. A missing
/// root means none; names starting with `.` (`.defaults`) are not guests.
pub fn members(vservers: &Path, netns: &str) -> io::Result<Vec<Member>> {
    let mut names: Vec<OsString> = match std::fs::read_dir(vservers) {
        Ok(rd) => rd
            .filter_map(Result::ok)
            .map(|e| e.file_name())
            .filter(|n| !n.as_bytes().starts_with(b"."))
            .collect(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e),
    };
    names.sort();
    let mut out = Vec::new();
    for guest in names {
        if let NetSpace::Shared { name, newline } = read_guest_net(vservers, &guest)? {
            if name == netns.as_bytes() {
                out.push(Member { guest, newline });
            }
        }
    }
    Ok(out)
}

/// The `namespace-cleanup-skip` lines a member of `netns` needs: the run dir itself, its own
/// entry, and (glob-expanded by util-vserver at start) every other entry, so that the cleanup
/// of one guest's start unmounts no other guest's namespace on the host.
pub fn skip_lines(netns: &str) -> Vec<String> {
    vec![
        "/run/netns".to_string(),
        format!("/run/netns/{netns}"),
        "/run/netns/*".to_string(),
    ]
}

/// `<vservers>/<guest>/namespace-cleanup-skip` and `<vservers>/.defaults/namespace-cleanup-skip`.
pub fn skip_files(vservers: &Path, guest: &OsStr) -> (PathBuf, PathBuf) {
    (
        vservers.join(guest).join("namespace-cleanup-skip"),
        vservers.join(".defaults").join("namespace-cleanup-skip"),
    )
}

/// What must change in a guest's `namespace-cleanup-skip`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkipEdit {
    /// The guest's own file is missing: start it as a copy of `.defaults` (it replaces it).
    pub copy_defaults: bool,
    /// The file's last line has no newline: add one before appending.
    pub newline_first: bool,
    /// Lines to append, in order.
    pub append: Vec<String>,
}

/// Decides the edit: the guest's own file when it exists, else what `.defaults` holds (the
/// guest's file will start as its copy); `None` when every needed line is already there.
pub fn skip_edit(
    own: Option<&[u8]>,
    defaults: Option<&[u8]>,
    needed: &[String],
) -> Option<SkipEdit> {
    let (base, copy_defaults) = match (own, defaults) {
        (Some(o), _) => (o, false),
        (None, Some(d)) => (d, true),
        (None, None) => (&b""[..], false),
    };
    let have: Vec<&[u8]> = base
        .split(|&b| b == b'\n')
        .map(<[u8]>::trim_ascii)
        .collect();
    let append: Vec<String> = needed
        .iter()
        .filter(|n| !have.contains(&n.as_bytes()))
        .cloned()
        .collect();
    if append.is_empty() {
        return None;
    }
    Some(SkipEdit {
        copy_defaults,
        newline_first: !base.is_empty() && !base.ends_with(b"\n"),
        append,
    })
}

/// Reads a file that may be missing.
pub fn read_optional(path: &Path) -> io::Result<Option<Vec<u8>>> {
    match read_small(path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Files<'a> = &'a [(&'a str, &'a [u8])];

    fn raw(top: &[(&str, Option<&[u8]>)], links: &[(&str, Files)]) -> RawZone {
        RawZone {
            dir: PathBuf::from("/c/z1"),
            top: top
                .iter()
                .map(|(k, v)| (OsString::from(k), v.map(<[u8]>::to_vec)))
                .collect(),
            links: links
                .iter()
                .map(|(n, files)| {
                    (
                        OsString::from(n),
                        files
                            .iter()
                            .map(|(f, b)| (OsString::from(f), Some(b.to_vec())))
                            .collect(),
                    )
                })
                .collect(),
        }
    }

    fn zone(r: &RawZone) -> Result<Zone, String> {
        parse_zone(OsStr::new("z1"), r).map_err(|e| e.to_string())
    }

    #[test]
    fn a_full_zone_parses() {
        let r = raw(
            &[("id", Some(b"42\n")), ("links", None)],
            &[
                (
                    "eth0",
                    &[
                        ("type", b"vlan\n"),
                        ("link", b"eth0\n"),
                        ("vlan", b"2\n"),
                        ("address", b"192.0.2.10/24\n\nfd00::0010/64\n"),
                    ],
                ),
                (
                    "m0",
                    &[("type", b"macvlan"), ("link", b"br0"), ("mode", b"vepa\n")],
                ),
                ("v0", &[("type", b" veth \n"), ("peer", b"ve-z1\n")]),
                (
                    "x0",
                    &[
                        ("type", b"macvlan"),
                        ("link", b"eth0"),
                        ("mac", b"02:aa:00:00:00:01"),
                    ],
                ),
            ],
        );
        let z = zone(&r).unwrap();
        assert_eq!(z.netns, "z1");
        let got: Vec<(String, String, String)> = z
            .links
            .iter()
            .map(|l| {
                (
                    l.name.clone(),
                    l.mac.to_string(),
                    l.addresses
                        .iter()
                        .map(|a| a.to_string())
                        .collect::<Vec<_>>()
                        .join(","),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    "eth0".into(),
                    "02:00:02:00:2a:00".into(),
                    "192.0.2.10/24,fd00::10/64".into()
                ),
                ("m0".into(), "02:00:00:00:2a:02".into(), String::new()),
                ("v0".into(), "02:00:00:00:2a:04".into(), String::new()),
                ("x0".into(), "02:aa:00:00:00:01".into(), String::new()),
            ]
        );
        assert_eq!(
            z.links[0].kind,
            Kind::Vlan {
                parent: "eth0".into(),
                vid: 2
            }
        );
        assert_eq!(
            z.links[1].kind,
            Kind::Macvlan {
                parent: "br0".into(),
                mode: "vepa".into()
            }
        );
        assert_eq!(
            z.links[2].kind,
            Kind::Veth {
                peer: "ve-z1".into(),
                peer_mac: "02:00:00:00:2a:05".parse().unwrap()
            }
        );
    }

    #[test]
    fn an_empty_zone_is_lo_only() {
        assert_eq!(zone(&raw(&[], &[])).unwrap().links, []);
    }

    #[test]
    fn errors_name_the_file_and_the_fix() {
        let table: Vec<(RawZone, &str)> = vec![
            (
                raw(&[("id", Some(b"70000"))], &[]),
                "/c/z1/id: '70000' is not a valid zone id; write zone id as a decimal number in 0-65535",
            ),
            (raw(&[("id", Some(b""))], &[]), "/c/z1/id: is empty"),
            (
                raw(&[("id", Some(b"1\n2\n"))], &[]),
                "/c/z1/id: holds more than one value",
            ),
            (
                raw(&[("colour", Some(b"red"))], &[]),
                "/c/z1/colour: is not a zone setting; remove it",
            ),
            (raw(&[("links", Some(b""))], &[]), "/c/z1/links: is a file"),
            (
                raw(&[("id", Some(b"1"))], &[("v0", &[("peer", b"p")])]),
                "/c/z1/links/v0/type: is missing; write vlan, macvlan or veth",
            ),
            (
                raw(&[("id", Some(b"1"))], &[("v0", &[("type", b"bridge")])]),
                "/c/z1/links/v0/type: 'bridge' is not a link type",
            ),
            (
                raw(&[("id", Some(b"1"))], &[("v0", &[("type", b"veth")])]),
                "/c/z1/links/v0/peer: is missing (a veth link needs it)",
            ),
            (
                raw(
                    &[("id", Some(b"1"))],
                    &[("v0", &[("type", b"vlan"), ("link", b"eth0")])],
                ),
                "/c/z1/links/v0/vlan: is missing (a vlan link needs it); write the 802.1Q id, 1-4094",
            ),
            (
                raw(
                    &[("id", Some(b"1"))],
                    &[(
                        "v0",
                        &[("type", b"vlan"), ("link", b"eth0"), ("vlan", b"4095")],
                    )],
                ),
                "/c/z1/links/v0/vlan: '4095' is not a valid VLAN id",
            ),
            (
                raw(
                    &[("id", Some(b"1"))],
                    &[(
                        "v0",
                        &[("type", b"vlan"), ("link", b"eth0"), ("vlan", b"0")],
                    )],
                ),
                "/c/z1/links/v0/vlan: '0' is not a valid VLAN id",
            ),
            (
                raw(&[("id", Some(b"1"))], &[("v0", &[("type", b"macvlan")])]),
                "/c/z1/links/v0/link: is missing (a macvlan link needs it)",
            ),
            (
                raw(
                    &[("id", Some(b"1"))],
                    &[(
                        "v0",
                        &[("type", b"macvlan"), ("link", b"eth0"), ("mode", b"fast")],
                    )],
                ),
                "/c/z1/links/v0/mode: 'fast' is not a macvlan mode; write one of bridge, private, vepa, passthru, source",
            ),
            (
                raw(
                    &[("id", Some(b"1"))],
                    &[(
                        "v0",
                        &[("type", b"macvlan"), ("link", b"eth0"), ("vlan", b"3")],
                    )],
                ),
                "/c/z1/links/v0/vlan: is only for vlan links, and this one is macvlan",
            ),
            (
                raw(
                    &[("id", Some(b"1"))],
                    &[(
                        "v0",
                        &[("type", b"veth"), ("peer", b"p"), ("link", b"eth0")],
                    )],
                ),
                "/c/z1/links/v0/link: is only for vlan and macvlan links",
            ),
            (
                raw(
                    &[("id", Some(b"1"))],
                    &[("v0", &[("type", b"veth"), ("peer", b"p"), ("vlanid", b"2")])],
                ),
                "/c/z1/links/v0/vlanid: is not a link setting",
            ),
            (
                raw(&[], &[("v0", &[("type", b"veth"), ("peer", b"p")])]),
                "/c/z1/id: is missing, and /c/z1/links/v0 derives its MAC from it",
            ),
            (
                raw(
                    &[("id", Some(b"1"))],
                    &[(
                        "v0",
                        &[
                            ("type", b"veth"),
                            ("peer", b"p"),
                            ("mac", b"01:00:00:00:00:01"),
                        ],
                    )],
                ),
                "/c/z1/links/v0/mac: '01:00:00:00:00:01' is a multicast address",
            ),
            (
                raw(
                    &[("id", Some(b"1"))],
                    &[(
                        "v0",
                        &[("type", b"veth"), ("peer", b"p"), ("address", b"10.0.0.1")],
                    )],
                ),
                "/c/z1/links/v0/address: '10.0.0.1' is not ADDRESS/PREFIX",
            ),
            (
                raw(
                    &[("id", Some(b"1"))],
                    &[(
                        "v0",
                        &[
                            ("type", b"veth"),
                            ("peer", b"p"),
                            ("address", b"10.0.0.1/33"),
                        ],
                    )],
                ),
                "'10.0.0.1/33' is not ADDRESS/PREFIX",
            ),
            (
                raw(
                    &[("id", Some(b"1"))],
                    &[("v0", &[("type", b"veth"), ("peer", b"a-very-long-name0")])],
                ),
                "/c/z1/links/v0/peer: bad name 'a-very-long-name0' must be 1-15 bytes long",
            ),
            (
                raw(
                    &[("id", Some(b"1"))],
                    &[("a:b", &[("type", b"veth"), ("peer", b"p")])],
                ),
                "/c/z1/links/a:b: bad interface name",
            ),
            (
                raw(
                    &[("id", Some(b"1"))],
                    &[("lo", &[("type", b"veth"), ("peer", b"p")])],
                ),
                "/c/z1/links/lo: 'lo' is made with every namespace",
            ),
            (
                raw(
                    &[("id", Some(b"1"))],
                    &[
                        ("v0", &[("type", b"veth"), ("peer", b"v1")]),
                        ("v1", &[("type", b"veth"), ("peer", b"p1")]),
                    ],
                ),
                "/c/z1/links/v1: the name 'v1' is also used by /c/z1/links/v0/peer",
            ),
            (
                raw(
                    &[("id", Some(b"1"))],
                    &[
                        ("v0", &[("type", b"veth"), ("peer", b"p0")]),
                        ("v1", &[("type", b"veth"), ("peer", b"p1"), ("index", b"1")]),
                    ],
                ),
                "/c/z1/links/v1: MAC 02:00:00:00:01:01 is also the MAC of /c/z1/links/v0/peer; give one of them another 'index' or an explicit 'mac'",
            ),
            (
                raw(
                    &[("id", Some(b"1"))],
                    &[(
                        "v0",
                        &[("type", b"veth"), ("peer", b"p0"), ("index", b"255")],
                    )],
                ),
                "/c/z1/links/v0/index: 255 leaves no index",
            ),
        ];
        for (r, want) in table {
            let got = zone(&r).unwrap_err();
            assert!(got.contains(want), "\n got: {got}\nwant: {want}");
        }
        let bad_name = parse_zone(OsStr::from_bytes(b"z\xff"), &raw(&[], &[])).unwrap_err();
        assert!(
            bad_name.to_string().contains("not valid UTF-8"),
            "{bad_name}"
        );
    }

    #[test]
    fn spaces_net_is_read_as_util_vserver_reads_it() {
        let shared = |n: &[u8], nl| NetSpace::Shared {
            name: n.to_vec(),
            newline: nl,
        };
        let table: &[(Option<&[u8]>, NetSpace)] = &[
            (None, NetSpace::Missing),
            (Some(b""), NetSpace::Private),
            (Some(b"\n"), NetSpace::Private),
            (Some(b"0\n"), NetSpace::NoNet),
            (Some(b"z1\n"), shared(b"z1", true)),
            (Some(b"  z1 \t\nignored\n"), shared(b"z1", true)),
            (Some(b"z1"), shared(b"z1", false)),
            (Some(b"\xff\n"), shared(b"\xff", true)),
        ];
        for (bytes, want) in table {
            assert_eq!(&net_space(*bytes), want, "{bytes:?}");
        }
    }

    #[test]
    fn skip_edits_keep_lines_and_copy_defaults() {
        let need = skip_lines("z1");
        let all = b"/run/netns\n/run/netns/z1\n/run/netns/*\n";
        type Case<'a> = (Option<&'a [u8]>, Option<&'a [u8]>, Option<SkipEdit>);
        let table: &[Case] = &[
            (Some(all), None, None),
            // .defaults already keeps everything and the guest has no file of its own: fine.
            (None, Some(all), None),
            (
                Some(b"/proc\n/run/netns"),
                Some(b"/x\n"),
                Some(SkipEdit {
                    copy_defaults: false,
                    newline_first: true,
                    append: need[1..].to_vec(),
                }),
            ),
            (
                None,
                Some(b"/sys\n"),
                Some(SkipEdit {
                    copy_defaults: true,
                    newline_first: false,
                    append: need.clone(),
                }),
            ),
            (
                None,
                None,
                Some(SkipEdit {
                    copy_defaults: false,
                    newline_first: false,
                    append: need.clone(),
                }),
            ),
        ];
        for (own, defaults, want) in table {
            assert_eq!(
                &skip_edit(*own, *defaults, &need),
                want,
                "{own:?} {defaults:?}"
            );
        }
    }

    #[test]
    fn cidrs_are_canonical() {
        let c: Cidr = "fd00:0::0001/64".parse().unwrap();
        assert_eq!(c.to_string(), "fd00::1/64");
        assert!("10.0.0.1/x".parse::<Cidr>().is_err());
        assert!("fd00::1/129".parse::<Cidr>().is_err());
        assert_eq!("10.0.0.1/32".parse::<Cidr>().unwrap().prefix, 32);
    }
}
