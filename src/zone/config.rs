//! Zone configuration, in util-vserver's style (one value per file), and the guest files that
//! say which zone a guest joins. Validation is pure (`parse_zone`, `parse_routes`,
//! `parse_sysctls`, `net_space`, `skip_edit`); the readers (`read_zone`, `read_guest_net`,
//! `members`, ...) are thin file I/O around it, every file read by [`read_regular`].
//!
//! A zone is `$VSPACE_NETNS_CONFDIR/<netns>/` (default `/etc/vspace-netns/<netns>/`):
//! `id` (0-65535, used in derived MACs), `routes` (`ip route` lines), `sysctl` (sysctl.conf
//! lines, `net.` keys only) and `links/<ifname>/` with `type` (one of [`KINDS`]), the kind's
//! own files (`link`, `vlan`, `mode`, `peer`) and the common ones: `mac` (explicit address),
//! `mtu`, `address` (CIDRs, one per line) and `index` (0-255, the last MAC byte). Unknown
//! files are errors (a typo must not be silently ignored). Every error names the file and the
//! fix.
//!
//! Invariants of a parsed [`Zone`]: names are valid interface names, links are in byte order of
//! their names, every MAC in the zone (veth host ends included) is distinct, every route's
//! gateway is on one of the zone's subnets (or link-local with `dev`), every sysctl key is
//! under `net.`. Files are regular and at most [`MAX_FILE`] bytes: never followed through a
//! symlink, never waited on (a FIFO), never cut.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::io;
use std::net::IpAddr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::quote::escape;
use crate::zone::mac::{self, Mac};

/// The zone configuration root: `$VSPACE_NETNS_CONFDIR`, else `/etc/vspace-netns`.
pub fn confdir() -> Result<PathBuf, String> {
    absolute_env("VSPACE_NETNS_CONFDIR", "/etc/vspace-netns")
}

/// util-vserver's configuration root: `$VSPACE_NETNS_VSERVERS`, else `/etc/vservers`.
pub fn vservers_dir() -> Result<PathBuf, String> {
    absolute_env("VSPACE_NETNS_VSERVERS", "/etc/vservers")
}

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
        write!(f, "{}: {}", escape(self.path.as_os_str()), self.problem)?;
        // No fix for a failure that is not the file's (EMFILE, EIO): nothing to correct there.
        if self.fix.is_empty() {
            Ok(())
        } else {
            write!(f, "; {}", self.fix)
        }
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

/// What kind of link, with what only that kind has. Everything a kind means is in this type's
/// `impl` and in [`KINDS`] (its files and parser): a new kind touches those two places, and
/// `zone::rtmsg::link_info` for its netlink attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// `ip link add link PARENT name X type vlan id VID`.
    Vlan { parent: String, vid: u16 },
    /// `ip link add link PARENT name X type macvlan mode MODE`.
    Macvlan { parent: String, mode: String },
    /// `ip link add name X type veth peer name PEER`; PEER stays on the host.
    Veth { peer: String, peer_mac: Mac },
}

impl Kind {
    /// The kernel's name of the kind (IFLA_INFO_KIND, `ip link ... type NAME`).
    pub fn type_name(&self) -> &'static str {
        match self {
            Kind::Vlan { .. } => "vlan",
            Kind::Macvlan { .. } => "macvlan",
            Kind::Veth { .. } => "veth",
        }
    }

    /// The parent device on the host (IFLA_LINK), for kinds that have one.
    pub fn parent(&self) -> Option<&str> {
        match self {
            Kind::Vlan { parent, .. } | Kind::Macvlan { parent, .. } => Some(parent),
            Kind::Veth { .. } => None,
        }
    }

    /// The host end of a veth, with its MAC.
    pub fn peer(&self) -> Option<(&str, Mac)> {
        match self {
            Kind::Veth { peer, peer_mac } => Some((peer, *peer_mac)),
            _ => None,
        }
    }

    /// The words after `type NAME` of `ip link add` (the peer's come from the planner).
    pub fn type_args(&self) -> Vec<String> {
        match self {
            Kind::Vlan { vid, .. } => vec!["id".into(), vid.to_string()],
            Kind::Macvlan { mode, .. } => vec!["mode".into(), mode.clone()],
            Kind::Veth { .. } => vec![],
        }
    }
}

/// One link of a zone, as it must be inside the namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub name: String,
    pub kind: Kind,
    pub mac: Mac,
    /// IFLA_MTU, when configured (a veth's host end gets the same).
    pub mtu: Option<u32>,
    pub addresses: Vec<Cidr>,
}

/// One route of a zone, `ip route` style: `DEST [via GW] [dev IF] [metric N] [table T]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The destination; prefix 0 is `default`.
    pub dst: Cidr,
    pub via: Option<IpAddr>,
    pub dev: Option<String>,
    pub metric: Option<u32>,
    pub table: Option<u32>,
}

/// The main routing table (RT_TABLE_MAIN).
pub const MAIN_TABLE: u32 = 254;

impl Route {
    pub fn is_v6(&self) -> bool {
        self.dst.addr.is_ipv6()
    }

    /// The metric the kernel records when none is given: 0 for IPv4, 1024 for IPv6.
    pub fn effective_metric(&self) -> u32 {
        self.metric.unwrap_or(if self.is_v6() { 1024 } else { 0 })
    }

    pub fn effective_table(&self) -> u32 {
        self.table.unwrap_or(MAIN_TABLE)
    }

    /// The words after `ip route add`.
    pub fn words(&self) -> Vec<String> {
        let mut w = vec![if self.dst.prefix == 0 {
            "default".to_string()
        } else {
            self.dst.to_string()
        }];
        if let Some(v) = self.via {
            w.extend(["via".into(), v.to_string()]);
        }
        if let Some(d) = &self.dev {
            w.extend(["dev".into(), d.clone()]);
        }
        if let Some(m) = self.metric {
            w.extend(["metric".into(), m.to_string()]);
        }
        if let Some(t) = self.table {
            w.extend(["table".into(), t.to_string()]);
        }
        w
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.words().join(" "))
    }
}

/// A parsed, validated zone.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Zone {
    pub netns: String,
    pub links: Vec<Link>,
    /// `routes`, in file order.
    pub routes: Vec<Route>,
    /// `sysctl`: (key, value) in file order, keys under `net.`, values with blanks collapsed.
    pub sysctls: Vec<Sysctl>,
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
/// Files every link may have.
const COMMON_FILES: &[&str] = &["type", "mac", "address", "index", "mtu"];

/// A link kind's configuration: its `type` word, the files only it has, and its parser.
pub struct KindSpec {
    pub name: &'static str,
    pub files: &'static [&'static str],
    /// The kind from its files; the VLAN id that goes into the derived MAC (0 when none).
    parse: fn(&LinkFiles) -> Result<(Kind, u16), ConfigError>,
}

/// The link kinds: one row each.
pub const KINDS: &[KindSpec] = &[
    KindSpec {
        name: "vlan",
        files: &["link", "vlan"],
        parse: parse_vlan,
    },
    KindSpec {
        name: "macvlan",
        files: &["link", "mode"],
        parse: parse_macvlan,
    },
    KindSpec {
        name: "veth",
        files: &["peer"],
        parse: parse_veth,
    },
];

fn kind_names() -> String {
    let n: Vec<&str> = KINDS.iter().map(|k| k.name).collect();
    match n.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => n.join(""),
    }
}

/// The rule for interface names: the kernel's `dev_valid_name` (1-15 bytes, not `.` or `..`,
/// no `/`, `:` or whitespace) plus `%` (the kernel expands `name%d` into a free name, which
/// the rollback would not find) and `@` (`ip` shows `NAME@PEER`, so such a name reads back as
/// another), no control characters, and UTF-8 for messages and files.
pub fn check_ifname(name: &[u8]) -> Result<&str, String> {
    let s = std::str::from_utf8(name).map_err(|_| {
        format!(
            "'{}' is not valid UTF-8; use a plain name",
            escape(OsStr::from_bytes(name))
        )
    })?;
    if s.is_empty() || s.len() > 15 {
        return Err(format!(
            "'{}' must be 1-15 bytes long (IFNAMSIZ)",
            escape(OsStr::new(s))
        ));
    }
    if s == "." || s == ".." {
        return Err(format!("'{s}' is not an interface name"));
    }
    if s.bytes().any(|b| {
        matches!(b, b'/' | b':' | b'%' | b'@') || b.is_ascii_whitespace() || b < 0x20 || b == 0x7f
    }) {
        return Err(format!(
            "'{}' contains '/', ':', '%', '@', a blank or a control character (an interface name may not)",
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
    if s.bytes()
        .any(|b| b.is_ascii_whitespace() || crate::zone::shread::is_control(b) || b == b'\\')
    {
        return Err(format!(
            "'{}' contains a blank, a backslash or a control character (bytes below 0x20, and DEL 0x7f); util-vserver's read would mangle it",
            escape(name)
        ));
    }
    // vspace(8) reads these as something else than a name: `:NAME` is NAME, a number is a
    // context id, `self` the caller's context (util-vserver's vspace.c, --enter).
    if s.starts_with(':') || s == "self" || s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "'{}' is read by vspace as {}, not as this name; choose a name that starts with a letter",
            escape(name),
            if s.starts_with(':') {
                "the name after the colon"
            } else if s == "self" {
                "the caller's own context"
            } else {
                "a context id"
            }
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
    let name = check_zone_name(netns).map_err(|e| {
        cerr(
            &raw.dir,
            format!("bad zone name {e}"),
            "rename the directory to a plain namespace name",
        )
    })?;
    let top = parse_top(raw)?;
    let links = parse_links(raw, top.id)?;
    let routes = match top.routes {
        Some((path, bytes)) => parse_routes(&path, bytes, &links)?,
        None => Vec::new(),
    };
    let sysctls = match top.sysctl {
        Some((path, bytes)) => parse_sysctls(&path, bytes)?,
        None => Vec::new(),
    };
    Ok(Zone {
        netns: name.to_string(),
        links,
        routes,
        sysctls,
    })
}

/// The zone directory's own files: `id` read, `routes` and `sysctl` kept for after the links.
struct Top<'a> {
    id: Option<u16>,
    routes: Option<(PathBuf, &'a [u8])>,
    sysctl: Option<(PathBuf, &'a [u8])>,
}

fn parse_top(raw: &RawZone) -> Result<Top<'_>, ConfigError> {
    let mut top = Top {
        id: None,
        routes: None,
        sysctl: None,
    };
    for (file, content) in &raw.top {
        let path = raw.dir.join(file);
        match (file.as_bytes(), content) {
            (b"id", Some(bytes)) => {
                top.id = Some(number(&path, bytes, "zone id", 0, u16::MAX as u32)? as u16)
            }
            (b"routes", Some(bytes)) => top.routes = Some((path, bytes)),
            (b"sysctl", Some(bytes)) => top.sysctl = Some((path, bytes)),
            (b"links", None) => {}
            (b"id" | b"routes" | b"sysctl", None) | (b"links", Some(_)) => {
                return Err(cerr(
                    &path,
                    if content.is_some() {
                        "is a file"
                    } else {
                        "is a directory"
                    },
                    "'id', 'routes' and 'sysctl' are files, 'links' a directory of links",
                ));
            }
            _ => {
                return Err(cerr(
                    &path,
                    "is not a zone setting",
                    "remove it; a zone directory holds only 'id', 'links/', 'routes' and 'sysctl'",
                ));
            }
        }
    }
    Ok(top)
}

/// Every link of the zone, in name order, each name (links and veth peers) and MAC used once.
fn parse_links(raw: &RawZone, id: Option<u16>) -> Result<Vec<Link>, ConfigError> {
    let mut links = Vec::new();
    let mut taken = Taken::default();
    for (position, (ifname, files)) in raw.links.iter().enumerate() {
        let ldir = raw.dir.join("links").join(ifname);
        let ifname = check_link_dir(&ldir, ifname)?;
        let files = LinkFiles {
            dir: ldir.clone(),
            files: link_files(&ldir, files)?,
            id,
            zone_dir: raw.dir.clone(),
            position,
        };
        let link = parse_link(&ifname, &files)?;
        // Names first, then MACs: a clash of both is reported as the name's.
        let peer = link.kind.peer().map(|(p, m)| (p, m, ldir.join("peer")));
        taken.name(&ifname, &ldir)?;
        if let Some((name, _, file)) = &peer {
            taken.name(name, file)?;
        }
        taken.mac(link.mac, &ldir)?;
        if let Some((_, mac, file)) = &peer {
            taken.mac(*mac, file)?;
        }
        links.push(link);
    }
    Ok(links)
}

/// The interface name a link directory stands for: a valid name, and not `lo`.
fn check_link_dir(ldir: &Path, ifname: &OsStr) -> Result<String, ConfigError> {
    let ifname = check_ifname(ifname.as_bytes()).map_err(|e| {
        cerr(
            ldir,
            format!("bad interface name {e}"),
            "rename the directory",
        )
    })?;
    if ifname == "lo" {
        return Err(cerr(
            ldir,
            "'lo' is made with every namespace",
            "remove this directory",
        ));
    }
    Ok(ifname.to_string())
}

/// The names and MACs a zone's links have taken so far, with the file that took each.
#[derive(Default)]
struct Taken {
    names: BTreeMap<String, PathBuf>,
    macs: BTreeMap<Mac, PathBuf>,
}

impl Taken {
    fn name(&mut self, n: &str, p: &Path) -> Result<(), ConfigError> {
        match self.names.insert(n.to_string(), p.to_owned()) {
            Some(other) => Err(cerr(
                p,
                format!(
                    "the name '{n}' is also used by {}",
                    escape(other.as_os_str())
                ),
                "give every link and veth peer its own name",
            )),
            None => Ok(()),
        }
    }

    fn mac(&mut self, m: Mac, p: &Path) -> Result<(), ConfigError> {
        match self.macs.insert(m, p.to_owned()) {
            Some(other) => Err(cerr(
                p,
                format!("MAC {m} is also the MAC of {}", escape(other.as_os_str())),
                "give one of them another 'index' or an explicit 'mac'",
            )),
            None => Ok(()),
        }
    }
}

/// A link directory's files, checked against the kinds' tables, with what deriving a MAC needs.
pub struct LinkFiles {
    dir: PathBuf,
    files: BTreeMap<String, Vec<u8>>,
    id: Option<u16>,
    zone_dir: PathBuf,
    position: usize,
}

impl LinkFiles {
    fn path(&self, f: &str) -> PathBuf {
        self.dir.join(f)
    }

    /// The problem `problem` with this link's `file`, and its fix.
    fn err(&self, file: &str, problem: impl Into<String>, fix: impl Into<String>) -> ConfigError {
        cerr(&self.path(file), problem, fix)
    }

    /// The single value of `file`, or None when it is absent.
    fn value(&self, file: &str, fix: &str) -> Result<Option<String>, ConfigError> {
        self.files
            .get(file)
            .map(|b| single(&self.path(file), b, fix))
            .transpose()
    }

    /// The single value of a file the kind needs.
    fn need(&self, file: &str, kind: &str, fix: &str) -> Result<String, ConfigError> {
        self.value(file, fix)?
            .ok_or_else(|| self.err(file, format!("is missing (a {kind} link needs it)"), fix))
    }

    /// A file holding an interface name (a parent or a peer).
    fn ifname(&self, file: &str, kind: &str, fix: &str) -> Result<String, ConfigError> {
        let v = self.need(file, kind, fix)?;
        check_ifname(v.as_bytes()).map_err(|e| self.err(file, format!("bad name {e}"), fix))?;
        Ok(v)
    }

    fn number(
        &self,
        file: &str,
        what: &str,
        min: u32,
        max: u32,
    ) -> Result<Option<u32>, ConfigError> {
        self.files
            .get(file)
            .map(|b| number(&self.path(file), b, what, min, max))
            .transpose()
    }

    /// `index`, or twice the link's position in name order.
    fn index(&self) -> Result<u8, ConfigError> {
        match self.number("index", "link index", 0, 255)? {
            Some(i) => Ok(i as u8),
            None if self.position * 2 <= 254 => Ok((self.position * 2) as u8),
            None => Err(self.err(
                "index",
                "is missing and this link is past the 128th",
                "write an index 0-255 for it",
            )),
        }
    }

    fn zone_id(&self) -> Result<u16, ConfigError> {
        need_id(self.id, &self.zone_dir, &self.dir)
    }
}

/// Checks every file of a link directory against the common files and the kinds' files.
fn link_files(
    ldir: &Path,
    files: &BTreeMap<OsString, Option<Vec<u8>>>,
) -> Result<BTreeMap<String, Vec<u8>>, ConfigError> {
    let mut all: Vec<&str> = COMMON_FILES.to_vec();
    for k in KINDS {
        all.extend(
            k.files
                .iter()
                .filter(|f| !all.contains(f))
                .collect::<Vec<_>>(),
        );
    }
    let mut out = BTreeMap::new();
    for (f, content) in files {
        let path = ldir.join(f);
        let known = all.iter().find(|k| k.as_bytes() == f.as_bytes());
        match (known, content) {
            (Some(k), Some(bytes)) => {
                out.insert(k.to_string(), bytes.clone());
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
                    format!("remove it; a link directory holds {}", all.join(", ")),
                ));
            }
        }
    }
    Ok(out)
}

fn parse_link(ifname: &str, f: &LinkFiles) -> Result<Link, ConfigError> {
    let types = format!("write {}", kind_names());
    let ty = f
        .value("type", &types)?
        .ok_or_else(|| f.err("type", "is missing", format!("{types} into it")))?;
    let spec = KINDS
        .iter()
        .find(|k| k.name == ty)
        .ok_or_else(|| f.err("type", format!("'{ty}' is not a link type"), types.clone()))?;
    for file in f.files.keys() {
        if !COMMON_FILES.contains(&file.as_str()) && !spec.files.contains(&file.as_str()) {
            let owners: Vec<&str> = KINDS
                .iter()
                .filter(|k| k.files.contains(&file.as_str()))
                .map(|k| k.name)
                .collect();
            return Err(f.err(
                file,
                format!(
                    "is only for {} links, and this one is {ty}",
                    owners.join(" and ")
                ),
                "remove it or change 'type'",
            ));
        }
    }
    let (kind, vid) = (spec.parse)(f)?;
    let mac = match f.value(
        "mac",
        "write an address such as 02:00:02:00:2a:00, or remove the file for the derived one",
    )? {
        Some(v) => v.parse::<Mac>().map_err(|e| {
            f.err("mac", e,
                "write an address such as 02:00:02:00:2a:00, or remove the file for the derived one",
            )
        })?,
        None => mac::derive(vid, f.zone_id()?, f.index()?).expect("vid was validated"),
    };
    let mtu = f.number("mtu", "MTU", 68, 65535)?;
    let mut addresses = Vec::new();
    if let Some(b) = f.files.get("address") {
        let path = f.path("address");
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
        mtu,
        addresses,
    })
}

fn parse_vlan(f: &LinkFiles) -> Result<(Kind, u16), ConfigError> {
    let fix = format!("write the 802.1Q id, 1-{}", mac::VLAN_MAX);
    let vid =
        f.number("vlan", "VLAN id", 1, mac::VLAN_MAX as u32)?
            .ok_or_else(|| f.err("vlan", "is missing (a vlan link needs it)", fix))? as u16;
    let parent = f.ifname("link", "vlan", "write the host's trunk device, e.g. eth0")?;
    Ok((Kind::Vlan { parent, vid }, vid))
}

fn parse_macvlan(f: &LinkFiles) -> Result<(Kind, u16), ConfigError> {
    let host_device = "write the host device to attach to, e.g. eth0";
    let parent = f.ifname("link", "macvlan", host_device)?;
    let modes = format!("write one of {}", MACVLAN_MODES.join(", "));
    let mode = f.value("mode", &modes)?.unwrap_or_else(|| "bridge".into());
    if !MACVLAN_MODES.contains(&mode.as_str()) {
        return Err(f.err("mode", format!("'{mode}' is not a macvlan mode"), modes));
    }
    Ok((Kind::Macvlan { parent, mode }, 0))
}

fn parse_veth(f: &LinkFiles) -> Result<(Kind, u16), ConfigError> {
    let host_end = "write the name of the host end, e.g. ve-web";
    let peer = f.ifname("peer", "veth", host_end)?;
    let index = f.index()?;
    if index == 255 {
        return Err(f.err(
            "index",
            "255 leaves no index for the veth host end (index + 1)",
            "use 0-254",
        ));
    }
    let peer_mac = mac::derive(0, f.zone_id()?, index + 1).expect("0 is a valid VLAN id");
    Ok((Kind::Veth { peer, peer_mac }, 0))
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

/// The lines of a text file: UTF-8, `#` comments and blank lines dropped, numbered from 1.
fn content_lines<'a>(
    path: &Path,
    bytes: &'a [u8],
    fix: &str,
) -> Result<Vec<(usize, &'a str)>, ConfigError> {
    let text = std::str::from_utf8(bytes).map_err(|_| cerr(path, "is not valid UTF-8", fix))?;
    Ok(text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#') && !l.starts_with(';'))
        .collect())
}

const ROUTE_FIX: &str = "write one route a line as 'DEST [via GATEWAY] [dev IF] [metric N] [table N]', DEST a CIDR or 'default' (e.g. 'default via 192.0.2.1')";

/// Parses `routes` (`ip route` syntax, one a line). A gateway must lie in a subnet of one of
/// the zone's addresses, unless it is IPv6 link-local and `dev` names the link; `dev` must be
/// one of the zone's links.
pub fn parse_routes(path: &Path, bytes: &[u8], links: &[Link]) -> Result<Vec<Route>, ConfigError> {
    let mut out: Vec<Route> = Vec::new();
    for (n, line) in content_lines(path, bytes, ROUTE_FIX)? {
        let bad = |what: String| cerr(path, format!("line {n} '{line}': {what}"), ROUTE_FIX);
        let route = parse_route(line, links, &bad)?;
        if out.iter().any(|r| r.same_key(&route)) {
            return Err(bad(
                "another line has the same destination, metric and table".into(),
            ));
        }
        out.push(route);
    }
    Ok(out)
}

/// How a `routes` line's problem becomes the error naming the file and the line.
type Bad<'a> = &'a dyn Fn(String) -> ConfigError;

/// One `routes` line: `DEST [via GW] [dev IF] [metric N] [table T]`, each option at most once.
fn parse_route(line: &str, links: &[Link], bad: Bad) -> Result<Route, ConfigError> {
    let mut words = line.split_whitespace();
    let dest = words.next().expect("a non-empty line has a word");
    let (mut via, mut dev, mut metric, mut table) = (None, None, None, None);
    while let Some(w) = words.next() {
        let Some(v) = words.next() else {
            return Err(bad(format!("'{w}' needs a value")));
        };
        match w {
            "via" if via.is_none() => {
                via = Some(
                    v.parse::<IpAddr>()
                        .map_err(|_| bad(format!("'{v}' is not an IP address")))?,
                )
            }
            "dev" if dev.is_none() => {
                if !links.iter().any(|l| l.name == v) {
                    return Err(bad(format!("'{v}' is not one of the zone's links")));
                }
                dev = Some(v.to_string());
            }
            "metric" | "preference" | "priority" if metric.is_none() => {
                metric =
                    Some(mac::parse_number("metric", v, u32::MAX).map_err(|e| bad(e.to_string()))?)
            }
            "table" if table.is_none() => {
                table = Some(match v {
                    "main" => MAIN_TABLE,
                    _ => match mac::parse_number("table", v, u32::MAX) {
                        Ok(t) if t != 0 && t != 255 => t,
                        _ => {
                            return Err(bad(format!(
                                "table '{v}' is not 'main' or a number in 1-4294967295 other than 255 (local)"
                            )));
                        }
                    },
                })
            }
            _ => return Err(bad(format!("'{w}' is not understood here"))),
        }
    }
    let dst = route_dst(dest, via, bad)?;
    if via.is_none() && dev.is_none() {
        return Err(bad("a route needs 'via GATEWAY' or 'dev IF'".into()));
    }
    if let Some(g) = via {
        check_gateway(g, dst, dev.as_deref(), links, bad)?;
    }
    Ok(Route {
        dst,
        via,
        dev,
        metric,
        table,
    })
}

/// The destination: `default` (of the gateway's IP version) or a network without host bits.
fn route_dst(dest: &str, via: Option<IpAddr>, bad: Bad) -> Result<Cidr, ConfigError> {
    Ok(if dest == "default" {
        let v6 = match via {
            Some(g) => g.is_ipv6(),
            None => return Err(bad("'default' needs 'via GATEWAY'".into())),
        };
        Cidr {
            addr: if v6 {
                IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED)
            } else {
                IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED)
            },
            prefix: 0,
        }
    } else {
        let c: Cidr = dest.parse().map_err(bad)?;
        if c.network() != c {
            return Err(bad(format!(
                "'{dest}' has host bits set; write the network, {}",
                c.network()
            )));
        }
        c
    })
}

/// A gateway of the destination's IP version, in a subnet of the zone's addresses (of `dev`'s
/// when given), or link-local with `dev`.
fn check_gateway(
    g: IpAddr,
    dst: Cidr,
    dev: Option<&str>,
    links: &[Link],
    bad: Bad,
) -> Result<(), ConfigError> {
    if g.is_ipv6() != dst.addr.is_ipv6() {
        return Err(bad(
            "the gateway and the destination are of different IP versions".into(),
        ));
    }
    let link_local = matches!(g, IpAddr::V6(a) if a.segments()[0] & 0xffc0 == 0xfe80);
    let on_link = links
        .iter()
        .filter(|l| dev.as_ref().is_none_or(|d| *d == l.name))
        .flat_map(|l| &l.addresses)
        .any(|a| a.contains(g));
    if !(on_link || link_local && dev.is_some()) {
        return Err(bad(format!(
            "the gateway {g} is in no subnet of the zone's addresses{}",
            if link_local {
                " (a link-local gateway needs 'dev IF')"
            } else {
                ""
            }
        )));
    }
    Ok(())
}

impl Route {
    /// Whether two routes have the same kernel key (destination, metric, table): the kernel
    /// holds one of them.
    pub fn same_key(&self, other: &Route) -> bool {
        self.dst == other.dst
            && self.effective_metric() == other.effective_metric()
            && self.effective_table() == other.effective_table()
    }
}

impl Cidr {
    /// The network of this address (host bits cleared).
    pub fn network(&self) -> Cidr {
        let addr = match self.addr {
            IpAddr::V4(a) => {
                let m = u32::MAX.checked_shl(32 - self.prefix as u32).unwrap_or(0);
                IpAddr::V4((u32::from(a) & m).into())
            }
            IpAddr::V6(a) => {
                let m = u128::MAX.checked_shl(128 - self.prefix as u32).unwrap_or(0);
                IpAddr::V6((u128::from(a) & m).into())
            }
        };
        Cidr {
            addr,
            prefix: self.prefix,
        }
    }

    /// Whether `ip` lies in this address's subnet.
    pub fn contains(&self, ip: IpAddr) -> bool {
        ip.is_ipv6() == self.addr.is_ipv6()
            && Cidr {
                addr: ip,
                prefix: self.prefix,
            }
            .network()
                == self.network()
    }
}

const SYSCTL_FIX: &str = "write one 'net.KEY = VALUE' a line (sysctl.conf syntax; only keys under net., which are per network namespace)";

/// Parses `sysctl` (sysctl.conf syntax, as sysctl.d(5) reads keys). Only keys under `net.` are
/// per network namespace; anything else is refused. Either `/` or `.` separates the key's
/// parts: when the first separator is `/`, every later `.` is literal (`net/ipv4/conf/e0.2/
/// forwarding`); when it is `.`, a `/` stands for a literal `.` (`net.ipv4.conf.e0/2.
/// forwarding`). Keys are kept in the dotted form (see [`sysctl_path`]). A key written `-KEY`
/// is optional: where the kernel has no such key it is skipped, not an error (the third
/// value). Whether a key exists is for the kernel to say (the shell checks before changing
/// anything).
pub fn parse_sysctls(path: &Path, bytes: &[u8]) -> Result<Vec<Sysctl>, ConfigError> {
    let mut out: Vec<Sysctl> = Vec::new();
    for (n, line) in content_lines(path, bytes, SYSCTL_FIX)? {
        let bad = |what: String| cerr(path, format!("line {n} '{line}': {what}"), SYSCTL_FIX);
        let (k, v) = line.split_once('=').ok_or_else(|| bad("no '='".into()))?;
        let k = k.trim();
        let (optional, k) = match k.strip_prefix('-') {
            Some(rest) => (true, rest.trim_start()),
            None => (false, k),
        };
        let key = dotted_key(k);
        let value = v.split_whitespace().collect::<Vec<_>>().join(" ");
        let parts: Vec<&str> = key.split('.').collect();
        if parts.first() != Some(&"net")
            || parts.len() < 2
            || parts
                .iter()
                .any(|p| p.is_empty() || *p == "/" || *p == "//")
        {
            return Err(bad(format!(
                "key '{key}' is not under net. (only those are per network namespace)"
            )));
        }
        if !key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-/".contains(&b))
        {
            return Err(bad(format!(
                "key '{key}' has characters a sysctl key has not"
            )));
        }
        if value.is_empty() || value.bytes().any(|b| b < 0x20 || b == 0x7f || b == b'\'') {
            return Err(bad(
                "the value is empty or holds a control character or quote".into(),
            ));
        }
        if out.iter().any(|s| s.key == key) {
            return Err(bad(format!("key '{key}' is set twice")));
        }
        out.push(Sysctl {
            key,
            value,
            optional,
        });
    }
    Ok(out)
}

/// One line of a zone's `sysctl` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sysctl {
    /// The key in dotted form: `.` separates, `/` is a literal `.` (sysctl(8) shows it so).
    pub key: String,
    pub value: String,
    /// Written `-KEY`: skipped where the kernel has no such key.
    pub optional: bool,
}

/// A key as written (either form, see [`parse_sysctls`]) in the dotted form: a key whose first
/// separator is `/` has its `/` and `.` swapped.
pub fn dotted_key(k: &str) -> String {
    match k.find(['.', '/']) {
        Some(i) if k.as_bytes()[i] == b'/' => swap_separators(k),
        _ => k.to_string(),
    }
}

fn swap_separators(k: &str) -> String {
    k.chars()
        .map(|c| match c {
            '.' => '/',
            '/' => '.',
            c => c,
        })
        .collect()
}

/// The parts of a dotted key as they are named under `/proc/sys` (`net.ipv4.conf.e0/2.x` ->
/// `net`, `ipv4`, `conf`, `e0.2`, `x`).
pub fn sysctl_parts(key: &str) -> Vec<String> {
    key.split('.').map(|p| p.replace('/', ".")).collect()
}

/// The path of a sysctl key (dotted form) under `/proc/sys` (`net.ipv4.ip_forward` ->
/// `net/ipv4/ip_forward`, `net.ipv4.conf.e0/2.forwarding` -> `net/ipv4/conf/e0.2/forwarding`).
pub fn sysctl_path(key: &str) -> PathBuf {
    Path::new("/proc/sys").join(swap_separators(key))
}

/// Largest file we read: configuration files hold a value or a few lines, guests' files a few
/// lines; a larger one is refused, never cut.
pub const MAX_FILE: u64 = 64 * 1024;

/// Reads a regular file of at most [`MAX_FILE`] bytes, safely: opened with O_NOFOLLOW (a
/// symlink is refused) and O_NONBLOCK (a FIFO cannot block the open), then checked with fstat
/// (only a regular file is read: never a FIFO, socket or device) and read whole or refused.
/// Errors: NotFound as the system says it; a symlink, another file type or a file over the
/// limit as InvalidData with a message naming what it is.
pub fn read_regular(path: &Path) -> io::Result<Vec<u8>> {
    use crate::sys::regular::{self, Purpose};
    use std::io::Read;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    let mut f = regular::open(path, options, Purpose::Read)?;
    let meta = f.metadata()?;
    let too_big = || {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "is larger than {MAX_FILE} bytes, the limit for these files; it is refused, not cut"
            ),
        )
    };
    if meta.len() > MAX_FILE {
        return Err(too_big());
    }
    let mut buf = Vec::new();
    (&mut f).take(MAX_FILE + 1).read_to_end(&mut buf)?;
    if buf.len() as u64 > MAX_FILE {
        return Err(too_big());
    }
    Ok(buf)
}

fn read_small(path: &Path) -> io::Result<Vec<u8>> {
    read_regular(path)
}

fn read_dir_entries(dir: &Path) -> Result<BTreeMap<OsString, Option<Vec<u8>>>, ConfigError> {
    // Only a refusal of what the file is (a symlink, a FIFO, too large) is the file's to fix;
    // any other error (EMFILE, ENOMEM, EIO) is said with its errno and no hint.
    let io_err = |p: &Path, e: io::Error| {
        let fix = if e.kind() == io::ErrorKind::InvalidData {
            "use a regular file (or a directory where one belongs)"
        } else {
            ""
        };
        cerr(p, crate::sys::exec::io_reason(&e), fix)
    };
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir).map_err(|e| io_err(dir, e))? {
        let entry = entry.map_err(|e| io_err(dir, e))?;
        let path = entry.path();
        let is_dir = std::fs::symlink_metadata(&path)
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
    if std::fs::symlink_metadata(&dir).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(cerr(
            &dir,
            "is a symbolic link",
            "make the zone a directory of its own under the zones root (a link could lead anywhere, past the rule the root is held to)",
        ));
    }
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

/// The guests under `vservers`: its directories (not followed links), names starting with
/// `.` (`.defaults`, `.distributions`) left out, in name order. A missing root means none.
pub fn guests(vservers: &Path) -> io::Result<Vec<OsString>> {
    let mut names: Vec<OsString> = match std::fs::read_dir(vservers) {
        Ok(rd) => rd
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .map(|e| e.file_name())
            .filter(|n| !n.as_bytes().starts_with(b"."))
            .collect(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e),
    };
    names.sort();
    Ok(names)
}

/// The guests under `vservers` whose `spaces/net` names `netns`, in name order (see
/// [`guests`]).
pub fn members(vservers: &Path, netns: &str) -> io::Result<Vec<Member>> {
    let names = guests(vservers)?;
    let mut out = Vec::new();
    for guest in names {
        // A guest whose spaces/net cannot be read (a link, a FIFO, too large) is that guest's
        // problem, which its own hook and doctor report; it must not stop every zone. Its
        // start is spared all the same: every guest's cleanup-skip keeps /run/netns/*.
        let Ok(space) = read_guest_net(vservers, &guest) else {
            continue;
        };
        if let NetSpace::Shared { name, newline } = space {
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
    type Top<'a> = &'a [(&'a str, Option<&'a [u8]>)];

    fn raw(top: Top, links: &[(&str, Files)]) -> RawZone {
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

    /// A zone with id 1 and the one link `name`, made of `files`.
    fn one_link(name: &str, files: Files) -> RawZone {
        raw(&[("id", Some(b"1"))], &[(name, files)])
    }

    #[test]
    fn errors_name_the_file_and_the_fix() {
        let top: &[(Top, &str)] = &[
            (
                &[("id", Some(b"70000"))],
                "/c/z1/id: '70000' is not a valid zone id; write zone id as a decimal number in 0-65535",
            ),
            (&[("id", Some(b""))], "/c/z1/id: is empty"),
            (
                &[("id", Some(b"1\n2\n"))],
                "/c/z1/id: holds more than one value",
            ),
            (
                &[("colour", Some(b"red"))],
                "/c/z1/colour: is not a zone setting; remove it",
            ),
            (&[("links", Some(b""))], "/c/z1/links: is a file"),
        ];
        // The files of /c/z1/links/v0, in a zone with id 1.
        let v0: &[(Files, &str)] = &[
            (
                &[("peer", b"p")],
                "/c/z1/links/v0/type: is missing; write vlan, macvlan or veth",
            ),
            (
                &[("type", b"bridge")],
                "/c/z1/links/v0/type: 'bridge' is not a link type",
            ),
            (
                &[("type", b"veth")],
                "/c/z1/links/v0/peer: is missing (a veth link needs it)",
            ),
            (
                &[("type", b"vlan"), ("link", b"eth0")],
                "/c/z1/links/v0/vlan: is missing (a vlan link needs it); write the 802.1Q id, 1-4094",
            ),
            (
                &[("type", b"vlan"), ("link", b"eth0"), ("vlan", b"4095")],
                "/c/z1/links/v0/vlan: '4095' is not a valid VLAN id",
            ),
            (
                &[("type", b"vlan"), ("link", b"eth0"), ("vlan", b"0")],
                "/c/z1/links/v0/vlan: '0' is not a valid VLAN id",
            ),
            (
                &[("type", b"macvlan")],
                "/c/z1/links/v0/link: is missing (a macvlan link needs it)",
            ),
            (
                &[("type", b"macvlan"), ("link", b"eth0"), ("mode", b"fast")],
                "/c/z1/links/v0/mode: 'fast' is not a macvlan mode; write one of bridge, private, vepa, passthru, source",
            ),
            (
                &[("type", b"macvlan"), ("link", b"eth0"), ("vlan", b"3")],
                "/c/z1/links/v0/vlan: is only for vlan links, and this one is macvlan",
            ),
            (
                &[("type", b"veth"), ("peer", b"p"), ("link", b"eth0")],
                "/c/z1/links/v0/link: is only for vlan and macvlan links",
            ),
            (
                &[("type", b"veth"), ("peer", b"p"), ("vlanid", b"2")],
                "/c/z1/links/v0/vlanid: is not a link setting",
            ),
            (
                &[
                    ("type", b"veth"),
                    ("peer", b"p"),
                    ("mac", b"01:00:00:00:00:01"),
                ],
                "/c/z1/links/v0/mac: '01:00:00:00:00:01' is a multicast address",
            ),
            (
                &[("type", b"veth"), ("peer", b"p"), ("address", b"10.0.0.1")],
                "/c/z1/links/v0/address: '10.0.0.1' is not ADDRESS/PREFIX",
            ),
            (
                &[
                    ("type", b"veth"),
                    ("peer", b"p"),
                    ("address", b"10.0.0.1/33"),
                ],
                "'10.0.0.1/33' is not ADDRESS/PREFIX",
            ),
            (
                &[("type", b"veth"), ("peer", b"a-very-long-name0")],
                "/c/z1/links/v0/peer: bad name 'a-very-long-name0' must be 1-15 bytes long",
            ),
            (
                &[("type", b"veth"), ("peer", b"p0"), ("index", b"255")],
                "/c/z1/links/v0/index: 255 leaves no index",
            ),
        ];
        let veth: Files = &[("type", b"veth"), ("peer", b"p")];
        let mut table: Vec<(RawZone, &str)> =
            top.iter().map(|(t, want)| (raw(t, &[]), *want)).collect();
        table.extend(
            v0.iter()
                .map(|(files, want)| (one_link("v0", files), *want)),
        );
        table.extend([
            (raw(&[], &[("v0", veth)]), "/c/z1/id: is missing, and /c/z1/links/v0 derives its MAC from it"),
            (one_link("a:b", veth), "/c/z1/links/a:b: bad interface name"),
            (one_link("lo", veth), "/c/z1/links/lo: 'lo' is made with every namespace"),
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
        ]);
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

    fn links_for_routes() -> Vec<Link> {
        let files: Files = &[
            ("type", b"veth"),
            ("peer", b"p0"),
            ("address", b"192.0.2.10/24\n2001:db8::10/64\n"),
        ];
        zone(&one_link("e0", files)).unwrap().links
    }

    #[test]
    fn routes_parse_as_ip_route_lines() {
        let text = b"# the way out\ndefault via 192.0.2.1\n198.51.100.0/24 via 192.0.2.254 metric 5 table 100\n\n2001:db8:9::/48 via fe80::1 dev e0\ndefault via 2001:db8::1 table main\n203.0.113.0/24 dev e0\n";
        let routes = parse_routes(Path::new("/c/z1/routes"), text, &links_for_routes()).unwrap();
        let shown: Vec<String> = routes.iter().map(Route::to_string).collect();
        assert_eq!(
            shown,
            [
                "default via 192.0.2.1",
                "198.51.100.0/24 via 192.0.2.254 metric 5 table 100",
                "2001:db8:9::/48 via fe80::1 dev e0",
                "default via 2001:db8::1 table 254",
                "203.0.113.0/24 dev e0",
            ]
        );
        assert!(routes[3].is_v6() && routes[3].effective_metric() == 1024);
        assert_eq!(routes[0].effective_table(), MAIN_TABLE);
    }

    #[test]
    fn bad_routes_are_refused_naming_the_line() {
        let table: &[(&[u8], &str)] = &[
            (
                b"default via 10.0.0.1",
                "line 1 'default via 10.0.0.1': the gateway 10.0.0.1 is in no subnet of the zone's addresses",
            ),
            (
                b"default via fe80::1",
                "(a link-local gateway needs 'dev IF')",
            ),
            (b"default", "'default' needs 'via GATEWAY'"),
            (b"10.1.0.0/16", "a route needs 'via GATEWAY' or 'dev IF'"),
            (
                b"10.1.0.1/16 dev e0",
                "'10.1.0.1/16' has host bits set; write the network, 10.1.0.0/16",
            ),
            (b"10.1.0.0/16 dev x9", "'x9' is not one of the zone's links"),
            (
                b"10.1.0.0/16 via 192.0.2.1 proto static",
                "'proto' is not understood here",
            ),
            (b"10.1.0.0/16 via", "'via' needs a value"),
            (b"10.1.0.0/16 via 2001:db8::1", "different IP versions"),
            (
                b"10.1.0.0/16 via 192.0.2.1 table 255",
                "table '255' is not 'main'",
            ),
            (
                b"10.1.0.0/16 via 192.0.2.1 metric x",
                "metric 'x' is not a number",
            ),
            (
                b"10.1.0.0/16 dev e0\n10.1.0.0/16 via 192.0.2.1 metric 0",
                "line 2 '10.1.0.0/16 via 192.0.2.1 metric 0': another line has the same destination, metric and table",
            ),
            (b"\xff", "/c/z1/routes: is not valid UTF-8"),
        ];
        for (text, want) in table {
            let e = parse_routes(Path::new("/c/z1/routes"), text, &links_for_routes())
                .unwrap_err()
                .to_string();
            assert!(e.contains(want), "\n got: {e}\nwant: {want}");
        }
    }

    #[test]
    fn sysctls_are_net_keys_only() {
        let ok = parse_sysctls(
            Path::new("/c/z1/sysctl"),
            b"; comment\nnet.ipv4.ip_forward = 1\nnet/ipv6/conf/all/forwarding=1\nnet.ipv4.ping_group_range =  0   2147483647\n",
        )
        .unwrap();
        let pairs = |v: Vec<Sysctl>| {
            v.into_iter()
                .map(|s| (s.key, s.value, s.optional))
                .collect::<Vec<_>>()
        };
        let t = |k: &str, v: &str, o: bool| (k.to_string(), v.to_string(), o);
        assert_eq!(
            pairs(ok),
            [
                t("net.ipv4.ip_forward", "1", false),
                t("net.ipv6.conf.all.forwarding", "1", false),
                t("net.ipv4.ping_group_range", "0 2147483647", false),
            ]
        );
        assert_eq!(
            sysctl_path("net.ipv4.ip_forward"),
            Path::new("/proc/sys/net/ipv4/ip_forward")
        );
        // sysctl.d(5): a dotted link name in either form; `-KEY` is optional.
        let dotted = parse_sysctls(
            Path::new("/c/z1/sysctl"),
            b"net/ipv4/conf/e0.2/forwarding = 1\n-net.ipv6.conf.e0/3.forwarding = 0\n- net.x = 1\n",
        )
        .unwrap();
        assert_eq!(
            pairs(dotted),
            [
                t("net.ipv4.conf.e0/2.forwarding", "1", false),
                t("net.ipv6.conf.e0/3.forwarding", "0", true),
                t("net.x", "1", true),
            ]
        );
        assert_eq!(
            sysctl_path("net.ipv4.conf.e0/2.forwarding"),
            Path::new("/proc/sys/net/ipv4/conf/e0.2/forwarding")
        );
        assert_eq!(
            sysctl_parts("net.ipv4.conf.e0/2.forwarding")[3],
            "e0.2".to_string()
        );
        let table: &[(&[u8], &str)] = &[
            (
                b"kernel.hostname = x",
                "key 'kernel.hostname' is not under net.",
            ),
            (b"net..x = 1", "is not under net."),
            (b"net/ipv4/../x = 1", "is not under net."),
            (b"net.ipv4.//.x = 1", "is not under net."),
            (b"net.ipv4./.x = 1", "is not under net."),
            (b"-kernel.x = 1", "is not under net."),
            (b"net.ipv4.ip_forward", "no '='"),
            (b"net.ipv4.ip_forward =", "the value is empty"),
            (b"net.ipv4.x$ = 1", "has characters a sysctl key has not"),
            (
                b"net.a = 1\nnet.a = 2",
                "line 2 'net.a = 2': key 'net.a' is set twice",
            ),
        ];
        for (text, want) in table {
            let e = parse_sysctls(Path::new("/c/z1/sysctl"), text)
                .unwrap_err()
                .to_string();
            assert!(e.contains(want), "\n got: {e}\nwant: {want}");
        }
    }

    #[test]
    fn zone_names_refuse_every_control_byte_del_too() {
        for bad in ["a\x7fb", "a\x01", "\x1fz"] {
            let e = check_zone_name(OsStr::new(bad)).unwrap_err();
            assert!(e.contains("control character"), "{bad:?}: {e}");
        }
        assert!(check_zone_name(OsStr::new("dmz-0.2")).is_ok());
    }

    #[test]
    fn interface_names_follow_the_rule() {
        for good in ["eth0", "e", "dmz-0.2", "abcdefghijklmno", "caf\u{e9}"] {
            assert_eq!(check_ifname(good.as_bytes()), Ok(good), "{good}");
        }
        for bad in [
            &b"bk%d"[..],
            b"x@y",
            b"a:b",
            b"a b",
            b"a/b",
            b"a\tb",
            b"abcdefghijklmnop",
            b"",
            b".",
            b"..",
            b"a\x7f",
            b"\xff",
        ] {
            assert!(check_ifname(bad).is_err(), "{bad:?}");
        }
        assert!(check_ifname(b"x@y").unwrap_err().contains("'@'"));
    }

    #[test]
    fn files_are_read_only_when_regular_and_small() {
        let dir = tempfile::tempdir().unwrap();
        let p = |n: &str| dir.path().join(n);
        std::fs::write(p("ok"), b"1\n").unwrap();
        assert_eq!(read_regular(&p("ok")).unwrap(), b"1\n");
        std::fs::write(p("max"), vec![b'#'; MAX_FILE as usize]).unwrap();
        assert_eq!(read_regular(&p("max")).unwrap().len() as u64, MAX_FILE);
        std::fs::write(p("big"), vec![b'#'; MAX_FILE as usize + 1]).unwrap();
        std::os::unix::fs::symlink(p("ok"), p("link")).unwrap();
        nix::unistd::mkfifo(&p("fifo"), nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
        for (name, want) in [
            ("big", "is larger than 65536 bytes"),
            ("link", "is a symbolic link"),
            ("fifo", "is a FIFO"),
            ("", "is a directory"),
        ] {
            let e = read_regular(&p(name)).unwrap_err().to_string();
            assert!(e.contains(want), "{name}: {e}");
        }
        assert_eq!(
            read_regular(&p("none")).unwrap_err().kind(),
            io::ErrorKind::NotFound
        );
    }

    #[test]
    fn mtu_and_the_kind_table() {
        let mtu = |m: &[u8]| {
            zone(&one_link(
                "v0",
                &[("type", b"veth"), ("peer", b"p0"), ("mtu", m)],
            ))
        };
        assert_eq!(mtu(b"1400").unwrap().links[0].mtu, Some(1400));
        assert!(mtu(b"40").unwrap_err().contains("'40' is not a valid MTU"));
        assert_eq!(kind_names(), "vlan, macvlan or veth");
        assert!(
            KINDS
                .iter()
                .all(|k| k.files.iter().all(|f| !COMMON_FILES.contains(f)))
        );
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
