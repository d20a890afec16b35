//! A zone guest's util-vserver interfaces (`/etc/vservers/GUEST/interfaces/N/`), applied
//! inside its zone and never on the host. Pure: [`parse`] (the files as util-vserver's
//! `_processSingleInterface` reads them), [`plan_start`], [`plan_stop`], [`clashes`],
//! [`outside_routes`]; side-effecting only in [`read`] (the guest's files, through
//! `config::read_regular`). `apply` carries the steps out; `doctor` checks them. Files:
//! `parse` (one directory), `plan` (start and stop), `read` (the files, with a typed
//! [`ReadError`]); the temporary VLAN names and marks are the zone's (`zone::plan::guest_link`,
//! re-exported here), since its own `down` knows them.
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
mod parse;
mod plan;
mod read;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

pub use crate::zone::plan::{Bcast, GuestAddr};
pub use crate::zone::plan::{is_vlan_temp, vlan_mark, vlan_temp_name};
pub use parse::{BadMask, is_our_nodev, mask2prefix, parse};
pub use plan::{broken, clashes, nodev_back, outside_routes, plan_start, plan_stop};
pub use read::{ReadError, entries, others, read};
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

#[cfg(test)]
mod tests;
