//! A zone's links: the `links/<ifname>/` directories, their kinds ([`KINDS`]) and the common
//! files (`mac`, `mtu`, `address`, `index`). Pure: parses what `read` read. Invariants: every
//! name (links and veth peers) and every MAC is used once in a zone; a file another kind owns
//! is refused, never ignored.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::report::quote::escape;
use crate::zone::mac::{self, Mac};

use super::cidr::Cidr;
use super::files::{LinkFiles, check_ifname};
use super::kind::{KINDS, Kind, kind_names};
use super::{ConfigError, RawZone, cerr};

/// One link of a zone, as it must be inside the namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub name: String,
    pub kind: Kind,
    /// The link's own MAC; `None` for a kind that owns none (an ipvlan has its parent's).
    pub mac: Option<Mac>,
    /// IFLA_MTU, when configured (a veth's host end gets the same).
    pub mtu: Option<u32>,
    pub addresses: Vec<Cidr>,
}

/// Files every link may have.
pub(super) const COMMON_FILES: &[&str] = &["type", "mac", "address", "index", "mtu"];

/// Every link of the zone, in name order, each name (links and veth peers) and MAC used once.
pub(super) fn parse_links(raw: &RawZone, id: Option<u16>) -> Result<Vec<Link>, ConfigError> {
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
        if let Some(m) = link.mac {
            taken.mac(m, &ldir)?;
        }
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
                    match owners.split_last() {
                        Some((last, rest)) if !rest.is_empty() =>
                            format!("{} and {last}", rest.join(", ")),
                        _ => owners.join(""),
                    }
                ),
                "remove it or change 'type'",
            ));
        }
    }
    let (kind, vid) = (spec.parse)(f)?;
    let mac = if !kind.owns_mac() {
        None
    } else {
        Some(match f.value(
        "mac",
        "write an address such as 02:00:02:00:2a:00, or remove the file for the derived one",
    )? {
        Some(v) => v.parse::<Mac>().map_err(|e| {
            f.err("mac", e,
                "write an address such as 02:00:02:00:2a:00, or remove the file for the derived one",
            )
        })?,
        None => mac::derive(vid, f.zone_id()?, f.index()?).expect("vid was validated"),
    })
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
