//! Link kinds: each kind is one unit, a type implementing [`LinkKind`] in a file of its own
//! (its `type` word, its files and their parser, its netlink attributes, its printed `ip link
//! add ... type X` words, whether it owns a MAC, its parent or its peer), listed once in
//! [`KINDS`]. A new kind is a new file and a row of that table; nothing outside asks which
//! kind a link is, only what the kind answers. Pure.
//!
//! [`Kind`] holds one kind's value behind the trait, with the equality, cloning and debug
//! output a [`Link`](super::Link) needs.

use std::any::Any;
use std::fmt;

use netlink_packet_route::link::{InfoKind, LinkInfo};

use crate::zone::mac::Mac;

use super::ConfigError;
use super::files::LinkFiles;

mod ipvlan;
mod macvlan;
mod veth;
mod vlan;

pub use ipvlan::Ipvlan;
pub use macvlan::Macvlan;
pub use veth::Veth;
pub use vlan::Vlan;

/// The link kinds: one row each.
pub const KINDS: &[KindSpec] = &[vlan::SPEC, macvlan::SPEC, veth::SPEC, ipvlan::SPEC];

/// A link kind's configuration: its `type` word, the files only it has, and its parser.
pub struct KindSpec {
    pub name: &'static str,
    pub files: &'static [&'static str],
    /// The kind from its files; the VLAN id that goes into the derived MAC (0 when none).
    pub(super) parse: fn(&LinkFiles) -> Result<(Kind, u16), ConfigError>,
}

/// What a kind of link is and does. Every answer is the kind's own: the planner, the
/// rtnetlink messages, `show`, `doctor` and the hints ask it, never which kind it is.
pub trait LinkKind: fmt::Debug + Send + Sync + DynKind {
    /// The kernel's name of the kind (IFLA_INFO_KIND, `ip link ... type NAME`).
    fn type_name(&self) -> &'static str;

    /// The kernel's IFLA_INFO_KIND for the kind.
    fn info_kind(&self) -> InfoKind;

    /// IFLA_LINKINFO of the link to create; `mtu` is the link's (a veth's peer takes it too).
    fn link_info(&self, mtu: Option<u32>) -> Vec<LinkInfo>;

    /// The words after `type NAME` of `ip link add` (a veth's peer's included).
    fn type_args(&self, mtu: Option<u32>) -> Vec<String>;

    /// The parent device on the host (IFLA_LINK), for kinds that have one.
    fn parent(&self) -> Option<&str> {
        None
    }

    /// The host end of a veth, with its MAC.
    fn peer(&self) -> Option<(&str, Mac)> {
        None
    }

    /// Whether the link has a MAC of its own (set at creation and checked after): an ipvlan
    /// has its parent's.
    fn owns_mac(&self) -> bool {
        true
    }

    /// The 802.1Q id, for kinds that tag.
    fn vlan_id(&self) -> Option<u16> {
        None
    }

    /// The kind's mode, for kinds that have one.
    fn mode(&self) -> Option<&str> {
        None
    }

    /// The kernel module that provides the kind, the kind in words, and its kernel option.
    fn kernel(&self) -> Kernel;

    /// How to give the kernel this kind where it lacks it (EOPNOTSUPP at creation).
    fn missing_hint(&self) -> String {
        format!(
            "this kernel has no {} links: load the module (modprobe {}) or build it in",
            self.type_name(),
            self.type_name()
        )
    }
}

/// Where the kernel's support for a kind comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kernel {
    /// The module (`modprobe NAME`, `/sys/module/NAME`).
    pub module: &'static str,
    /// The support in words (`802.1Q VLAN`).
    pub words: &'static str,
    /// The kernel's configuration option (`CONFIG_VLAN_8021Q`).
    pub config: &'static str,
}

/// Cloning, comparing and downcasting a kind behind the trait; implemented for every kind
/// that is `Clone + PartialEq` (no kind writes it).
pub trait DynKind {
    fn clone_box(&self) -> Box<dyn LinkKind>;
    fn as_any(&self) -> &dyn Any;
    fn eq_dyn(&self, other: &dyn LinkKind) -> bool;
}

impl<T: LinkKind + Clone + PartialEq + 'static> DynKind for T {
    fn clone_box(&self) -> Box<dyn LinkKind> {
        Box::new(self.clone())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn eq_dyn(&self, other: &dyn LinkKind) -> bool {
        other.as_any().downcast_ref::<T>() == Some(self)
    }
}

/// One link's kind, with what only that kind has.
pub struct Kind(Box<dyn LinkKind>);

impl Kind {
    pub fn new(kind: impl LinkKind + 'static) -> Kind {
        Kind(Box::new(kind))
    }

    /// The kind as its own type, when it is `T`.
    pub fn get<T: LinkKind + 'static>(&self) -> Option<&T> {
        self.0.as_any().downcast_ref::<T>()
    }
}

impl std::ops::Deref for Kind {
    type Target = dyn LinkKind;

    fn deref(&self) -> &(dyn LinkKind + 'static) {
        &*self.0
    }
}

impl Clone for Kind {
    fn clone(&self) -> Kind {
        Kind(self.0.clone_box())
    }
}

impl PartialEq for Kind {
    fn eq(&self, other: &Kind) -> bool {
        self.0.eq_dyn(&*other.0)
    }
}

impl Eq for Kind {}

impl fmt::Debug for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The kinds' `type` words, for messages: `vlan, macvlan, veth or ipvlan`.
pub(super) fn kind_names() -> String {
    let n: Vec<&str> = KINDS.iter().map(|k| k.name).collect();
    match n.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => n.join(""),
    }
}
