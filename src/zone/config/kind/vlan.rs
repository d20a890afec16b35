//! The `vlan` kind: an 802.1Q link on a host device (`link`, `vlan`). Pure. Its VLAN id goes
//! into the derived MAC.

use netlink_packet_route::link::{InfoData, InfoKind, InfoVlan, LinkInfo};

use crate::zone::config::ConfigError;
use crate::zone::config::files::LinkFiles;
use crate::zone::mac;

use super::{Kernel, Kind, KindSpec, LinkKind};

/// `ip link add link PARENT name X type vlan id VID`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vlan {
    pub parent: String,
    pub vid: u16,
}

pub(super) const SPEC: KindSpec = KindSpec {
    name: "vlan",
    files: &["link", "vlan"],
    parse,
};

fn parse(f: &LinkFiles) -> Result<(Kind, u16), ConfigError> {
    let fix = format!("write the 802.1Q id, 1-{}", mac::VLAN_MAX);
    let vid =
        f.number("vlan", "VLAN id", 1, mac::VLAN_MAX as u32)?
            .ok_or_else(|| f.err("vlan", "is missing (a vlan link needs it)", fix))? as u16;
    let parent = f.ifname("link", "vlan", "write the host's trunk device, e.g. eth0")?;
    Ok((Kind::new(Vlan { parent, vid }), vid))
}

impl LinkKind for Vlan {
    fn type_name(&self) -> &'static str {
        "vlan"
    }

    fn kernel(&self) -> Kernel {
        Kernel {
            module: "8021q",
            words: "802.1Q VLAN",
            config: "CONFIG_VLAN_8021Q",
        }
    }

    fn info_kind(&self) -> InfoKind {
        InfoKind::Vlan
    }

    fn link_info(&self, _mtu: Option<u32>) -> Vec<LinkInfo> {
        vec![
            LinkInfo::Kind(InfoKind::Vlan),
            LinkInfo::Data(InfoData::Vlan(vec![InfoVlan::Id(self.vid)])),
        ]
    }

    fn type_args(&self, _mtu: Option<u32>) -> Vec<String> {
        vec!["id".into(), self.vid.to_string()]
    }

    fn parent(&self) -> Option<&str> {
        Some(&self.parent)
    }

    fn vlan_id(&self) -> Option<u16> {
        Some(self.vid)
    }

    fn missing_hint(&self) -> String {
        "this kernel has no 802.1Q VLAN support: load it (modprobe 8021q) or build it in (CONFIG_VLAN_8021Q)".into()
    }
}
