//! The `veth` kind: a pair, one end in the zone, the other (`peer`) on the host, each with a
//! MAC derived from the zone's id and the link's index (the host end's is index + 1). Pure.

use netlink_packet_route::link::{
    InfoData, InfoKind, InfoVeth, LinkAttribute, LinkInfo, LinkMessage,
};

use crate::zone::config::ConfigError;
use crate::zone::config::files::LinkFiles;
use crate::zone::mac::{self, Mac};

use super::{Kernel, Kind, KindSpec, LinkKind};

/// `ip link add name X type veth peer name PEER`; PEER stays on the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Veth {
    pub peer: String,
    pub peer_mac: Mac,
}

pub(super) const SPEC: KindSpec = KindSpec {
    name: "veth",
    files: &["peer"],
    parse,
};

fn parse(f: &LinkFiles) -> Result<(Kind, u16), ConfigError> {
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
    Ok((Kind::new(Veth { peer, peer_mac }), 0))
}

impl LinkKind for Veth {
    fn type_name(&self) -> &'static str {
        "veth"
    }

    fn kernel(&self) -> Kernel {
        Kernel {
            module: "veth",
            words: "veth",
            config: "CONFIG_VETH",
        }
    }

    fn info_kind(&self) -> InfoKind {
        InfoKind::Veth
    }

    fn link_info(&self, mtu: Option<u32>) -> Vec<LinkInfo> {
        let mut p = LinkMessage::default();
        p.attributes.push(LinkAttribute::IfName(self.peer.clone()));
        p.attributes
            .push(LinkAttribute::Address(self.peer_mac.0.to_vec()));
        if let Some(m) = mtu {
            p.attributes.push(LinkAttribute::Mtu(m));
        }
        vec![
            LinkInfo::Kind(InfoKind::Veth),
            LinkInfo::Data(InfoData::Veth(InfoVeth::Peer(p))),
        ]
    }

    fn type_args(&self, mtu: Option<u32>) -> Vec<String> {
        let mut w: Vec<String> = vec![
            "peer".into(),
            "name".into(),
            self.peer.clone(),
            "address".into(),
            self.peer_mac.to_string(),
        ];
        if let Some(m) = mtu {
            w.extend(["mtu".into(), m.to_string()]);
        }
        w
    }

    fn peer(&self) -> Option<(&str, Mac)> {
        Some((&self.peer, self.peer_mac))
    }
}
