//! The `ipvlan` kind: a link on a host device (`link`) sharing that device's MAC, in mode
//! `l2`, `l3` or `l3s` (`mode`, default `l3`, as ip's). Pure. It owns no MAC: the zone's MAC
//! settings (`mac`, `index`) are refused for it, and nothing derives or sets one.

use netlink_packet_route::link::{InfoData, InfoIpVlan, InfoKind, IpVlanMode, LinkInfo};

use crate::zone::config::ConfigError;
use crate::zone::config::files::LinkFiles;

use super::{Kernel, Kind, KindSpec, LinkKind};

const MODES: &[&str] = &["l2", "l3", "l3s"];

/// `ip link add link PARENT name X type ipvlan mode MODE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ipvlan {
    pub parent: String,
    pub mode: String,
}

pub(super) const SPEC: KindSpec = KindSpec {
    name: "ipvlan",
    files: &["link", "mode"],
    parse,
};

fn parse(f: &LinkFiles) -> Result<(Kind, u16), ConfigError> {
    let parent = f.ifname(
        "link",
        "ipvlan",
        "write the host device to attach to, e.g. eth0",
    )?;
    let modes = format!("write one of {}", MODES.join(", "));
    let mode = f.value("mode", &modes)?.unwrap_or_else(|| "l3".into());
    if !MODES.contains(&mode.as_str()) {
        return Err(f.err("mode", format!("'{mode}' is not an ipvlan mode"), modes));
    }
    for file in ["mac", "index"] {
        if f.has(file) {
            return Err(f.err(
                file,
                "is not for an ipvlan link: it has its parent's MAC (the kernel gives it; none is set or derived)",
                "remove the file (or use a macvlan link for a MAC of its own)",
            ));
        }
    }
    Ok((Kind::new(Ipvlan { parent, mode }), 0))
}

impl LinkKind for Ipvlan {
    fn type_name(&self) -> &'static str {
        "ipvlan"
    }

    fn kernel(&self) -> Kernel {
        Kernel {
            module: "ipvlan",
            words: "ipvlan",
            config: "CONFIG_IPVLAN",
        }
    }

    fn info_kind(&self) -> InfoKind {
        InfoKind::IpVlan
    }

    fn link_info(&self, _mtu: Option<u32>) -> Vec<LinkInfo> {
        let mode = match self.mode.as_str() {
            "l2" => IpVlanMode::L2,
            "l3s" => IpVlanMode::L3S,
            _ => IpVlanMode::L3,
        };
        vec![
            LinkInfo::Kind(InfoKind::IpVlan),
            LinkInfo::Data(InfoData::IpVlan(vec![InfoIpVlan::Mode(mode)])),
        ]
    }

    fn type_args(&self, _mtu: Option<u32>) -> Vec<String> {
        vec!["mode".into(), self.mode.clone()]
    }

    fn parent(&self) -> Option<&str> {
        Some(&self.parent)
    }

    fn owns_mac(&self) -> bool {
        false
    }

    fn mode(&self) -> Option<&str> {
        Some(&self.mode)
    }
}
