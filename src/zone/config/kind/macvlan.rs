//! The `macvlan` kind: a link with a MAC of its own on a host device (`link`, `mode`). Pure.

use netlink_packet_route::link::{InfoData, InfoKind, InfoMacVlan, LinkInfo, MacVlanMode};

use crate::zone::config::ConfigError;
use crate::zone::config::files::LinkFiles;

use super::{Kernel, Kind, KindSpec, LinkKind};

const MODES: &[&str] = &["bridge", "private", "vepa", "passthru", "source"];

/// `ip link add link PARENT name X type macvlan mode MODE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Macvlan {
    pub parent: String,
    pub mode: String,
}

pub(super) const SPEC: KindSpec = KindSpec {
    name: "macvlan",
    files: &["link", "mode"],
    parse,
};

fn parse(f: &LinkFiles) -> Result<(Kind, u16), ConfigError> {
    let host_device = "write the host device to attach to, e.g. eth0";
    let parent = f.ifname("link", "macvlan", host_device)?;
    let modes = format!("write one of {}", MODES.join(", "));
    let mode = f.value("mode", &modes)?.unwrap_or_else(|| "bridge".into());
    if !MODES.contains(&mode.as_str()) {
        return Err(f.err("mode", format!("'{mode}' is not a macvlan mode"), modes));
    }
    Ok((Kind::new(Macvlan { parent, mode }), 0))
}

impl LinkKind for Macvlan {
    fn type_name(&self) -> &'static str {
        "macvlan"
    }

    fn kernel(&self) -> Kernel {
        Kernel {
            module: "macvlan",
            words: "macvlan",
            config: "CONFIG_MACVLAN",
        }
    }

    fn info_kind(&self) -> InfoKind {
        InfoKind::MacVlan
    }

    fn link_info(&self, _mtu: Option<u32>) -> Vec<LinkInfo> {
        let mode = match self.mode.as_str() {
            "private" => MacVlanMode::Private,
            "vepa" => MacVlanMode::Vepa,
            "passthru" => MacVlanMode::Passthrough,
            "source" => MacVlanMode::Source,
            _ => MacVlanMode::Bridge,
        };
        vec![
            LinkInfo::Kind(InfoKind::MacVlan),
            LinkInfo::Data(InfoData::MacVlan(vec![InfoMacVlan::Mode(mode)])),
        ]
    }

    fn type_args(&self, _mtu: Option<u32>) -> Vec<String> {
        vec!["mode".into(), self.mode.clone()]
    }

    fn parent(&self) -> Option<&str> {
        Some(&self.parent)
    }

    fn mode(&self) -> Option<&str> {
        Some(&self.mode)
    }
}
