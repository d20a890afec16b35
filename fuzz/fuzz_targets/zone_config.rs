//! Fuzz target: a zone's configuration directory (`parse_zone` on a `RawZone`) built from any
//! bytes: the input is cut at 0xff bytes into file contents, given in turn to the zone's files
//! and to one link's files. Pure; every input is a zone or a `ConfigError`, never a panic.
#![no_main]

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::path::PathBuf;

use libfuzzer_sys::fuzz_target;
use vspace_netns::zone::config::{RawZone, parse_zone};

const TOP: &[&str] = &["id", "routes", "sysctl"];
const LINK: &[&str] = &[
    "type", "link", "vlan", "mode", "peer", "mac", "mtu", "address", "index",
];

fuzz_target!(|data: &[u8]| {
    let mut parts = data.split(|&b| b == 0xff);
    let mut raw = RawZone {
        dir: PathBuf::from("/etc/vspace-netns/z"),
        top: BTreeMap::new(),
        links: BTreeMap::new(),
    };
    for name in TOP {
        if let Some(p) = parts.next().filter(|p| !p.is_empty()) {
            raw.top.insert(OsString::from(name), Some(p.to_vec()));
        }
    }
    let mut link = BTreeMap::new();
    for name in LINK {
        if let Some(p) = parts.next().filter(|p| !p.is_empty()) {
            link.insert(OsString::from(name), Some(p.to_vec()));
        }
    }
    if !link.is_empty() {
        raw.top.insert(OsString::from("links"), None);
        raw.links.insert(OsString::from("e0.2"), link);
    }
    if let Ok(z) = parse_zone(OsStr::new("z"), &raw) {
        for s in &z.sysctls {
            let _ = vspace_netns::zone::config::sysctl_path(&s.key);
        }
    }
});
