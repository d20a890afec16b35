//! A failed step's error: the kernel's (or the system's) errno and message, and the hint
//! chosen by the errno and the step, never by the text (which differs between kernels and is
//! often absent). Pure.

use nix::errno::Errno;
use std::fmt;

use crate::sys::rtnl::NlError;
use crate::zone::config::Link;
use crate::zone::plan::Step;

/// A step the kernel or the system refused: the reason in words, and the kernel's errno when
/// the refusal was a kernel request's (the hint is chosen by it, see [`StepError::hint`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepError {
    /// The kernel's extack message and errno text, ip's words for a missing device, or the
    /// system's reason for a file or program step.
    pub reason: String,
    /// The errno of the kernel's refusal; `None` for a failure no kernel request reported.
    pub errno: Option<Errno>,
}

impl StepError {
    /// A failure with no kernel errno to choose a hint by.
    pub fn plain(reason: impl Into<String>) -> StepError {
        StepError {
            reason: reason.into(),
            errno: None,
        }
    }

    /// The kernel's refusal of a request: its message, its errno kept for the hint.
    pub fn refused(e: NlError) -> StepError {
        StepError {
            reason: e.to_string(),
            errno: Some(e.errno),
        }
    }

    /// What this refusal of `step` means and how to fix it, when the errno says.
    pub fn hint(&self, step: &Step) -> Option<String> {
        hint_for(step, self.errno)
    }
}

impl From<String> for StepError {
    fn from(reason: String) -> StepError {
        StepError::plain(reason)
    }
}

impl fmt::Display for StepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for StepError {}

/// What the kernel's refusal of `step` means, chosen by its errno (never by the text, which
/// differs between kernels and is often absent): the cause a check before the run could not
/// rule out, and its fix.
fn hint_for(step: &Step, errno: Option<Errno>) -> Option<String> {
    let errno = errno?;
    Some(match (step, errno) {
        (_, Errno::EPERM | Errno::EACCES) => {
            "the kernel refused the change to this process: run it as root (CAP_NET_ADMIN in the host's user namespace), not in a container or under a unit that drops capabilities".into()
        }
        (Step::AddLink { link, temp, .. }, _) => {
            return add_link_hint(link, temp, errno).or_else(|| short_of_memory(errno));
        }
        (Step::AddVlanIn { .. }, Errno::EOPNOTSUPP) => "this kernel has no 802.1Q VLAN support: load it (modprobe 8021q) or build it in (CONFIG_VLAN_8021Q)".into(),
        (Step::SetMtu { dev, mtu, .. }, Errno::EINVAL | Errno::ERANGE) => format!(
            "the MTU {mtu} is out of range for {dev} (above its parent's, or below 68): lower it in the link's mtu file, or raise the parent's"
        ),
        (Step::Up { dev, .. }, Errno::ENETDOWN) => format!(
            "{dev} cannot go up while the link it sits on is down: bring the parent up on the host (ip link set dev PARENT up) and run up again"
        ),
        (Step::SetMac { dev, mac, .. }, Errno::EADDRNOTAVAIL | Errno::EINVAL) => format!(
            "the kernel refused the MAC {mac} for {dev} (a multicast or all-zero address): give the link another 'mac'"
        ),
        (Step::SetMac { dev, .. }, Errno::EBUSY) => format!(
            "{dev} is up and its kind cannot change its MAC while up: take it down first"
        ),
        (Step::Rename { name, .. }, Errno::EEXIST) => format!(
            "a link named {name} already exists in the zone (not made by up): delete or rename it there"
        ),
        (Step::AddAddr { cidr, dev, .. }, Errno::EEXIST) => format!(
            "{dev} already has {cidr} (with other flags or another prefix): delete it inside the zone and run up again"
        ),
        (Step::AddAddr { cidr, .. }, Errno::EINVAL | Errno::EADDRNOTAVAIL) => format!(
            "the kernel refused the address {cidr} (IPv6 disabled in the zone, or not a host address): check the link's address file and the zone's sysctl"
        ),
        (Step::AddRoute { route, .. }, Errno::ENETUNREACH | Errno::EHOSTUNREACH) => format!(
            "the gateway of '{route}' is on no subnet of a link that is up in the zone: check the zone's routes and the links' addresses"
        ),
        (Step::AddRoute { route, .. }, Errno::EEXIST) => format!(
            "the zone has a route with the key of '{route}' already: delete it inside the zone and run up again"
        ),
        (Step::AddRoute { route, .. }, Errno::ENODEV) => format!(
            "the device of '{route}' is not in the zone"
        ),
        (Step::AddRoute { .. } | Step::AddAddr { .. }, Errno::EAFNOSUPPORT) => {
            "IPv6 is disabled in this kernel or zone (ipv6.disable=1, or net.ipv6.conf.*.disable_ipv6=1 in the zone's sysctl)".into()
        }
        (Step::SetSysctl { key, value, .. }, Errno::EINVAL | Errno::ERANGE) => format!(
            "the kernel refused the value {value} for {key}: correct it in the zone's sysctl file"
        ),
        (Step::SetSysctl { key, .. }, Errno::ENOENT) => format!(
            "{key} does not exist in the zone: its module is not loaded, or it names a link the zone does not have"
        ),
        _ => return short_of_memory(errno),
    })
}

/// The hint for a refusal any step can meet: the kernel short of memory or buffers.
fn short_of_memory(errno: Errno) -> Option<String> {
    matches!(errno, Errno::ENOMEM | Errno::ENOBUFS | Errno::EAGAIN)
        .then(|| "the kernel is short of memory or netlink buffers: try again".into())
}

/// The hint for a link the kernel refused to make, chosen by errno; `temp` is the name it was
/// made under.
fn add_link_hint(link: &Link, temp: &str, errno: Errno) -> Option<String> {
    Some(match errno {
        Errno::EOPNOTSUPP => link.kind.missing_hint(),
        Errno::ENODEV => format!(
            "the parent {} of {} does not exist in the host's network namespace (PID 1's); create it, or name the right one in links/{}/link",
            link.kind.parent().unwrap_or("device"),
            link.name,
            link.name
        ),
        Errno::EEXIST => format!(
            "a link named {temp} (the temporary name of {}) already exists in the zone{}",
            link.name,
            link.kind
                .peer()
                .map(|(p, _)| format!(", or {p} on the host"))
                .unwrap_or_default()
        ),
        Errno::EBUSY if link.kind.parent().is_some() => format!(
            "the parent {} already carries a link of this kind with this VLAN id or MAC (or is a slave that takes none); ip -d link show shows which",
            link.kind.parent().unwrap_or_default()
        ),
        Errno::EINVAL | Errno::ERANGE if link.mtu.is_some() => {
            format!(
                "the kernel refused the {} link {} as configured: its MTU {} is out of range ({}below 68), or its MAC {}: check links/{}/",
                link.kind.type_name(),
                link.name,
                link.mtu.unwrap_or_default(),
                link.kind
                    .parent()
                    .map(|p| format!("above the MTU of its parent {p}, or "))
                    .unwrap_or_default(),
                link.mac
                    .map_or_else(|| "(its parent's)".to_string(), |m| m.to_string()),
                link.name
            )
        }
        Errno::EINVAL => format!(
            "the kernel refused the {} link {} as configured (its MAC {}, MTU or {} settings): check links/{}/",
            link.kind.type_name(),
            link.name,
            link.mac
                .map_or_else(|| "(its parent's)".to_string(), |m| m.to_string()),
            link.kind.type_name(),
            link.name
        ),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zone::config::{Kind, Link};
    use crate::zone::plan;

    fn link(kind: Kind, mtu: Option<u32>) -> Link {
        Link {
            name: "e0".into(),
            kind,
            mac: Some("02:00:00:00:00:01".parse().unwrap()),
            mtu,
            addresses: vec![],
        }
    }

    #[test]
    fn hints_are_chosen_by_errno_and_step() {
        let vlan = Kind::new(crate::zone::config::kind::Vlan {
            parent: "eth1".into(),
            vid: 7,
        });
        let add = |kind: Kind, mtu| Step::AddLink {
            ns: "z".into(),
            link: link(kind, mtu),
            temp: plan::temp_name("z", "e0"),
        };
        let up = Step::Up {
            ns: Some("z".into()),
            dev: "e0".into(),
        };
        let table: [(Step, Errno, &str); 5] = [
            (
                add(vlan.clone(), None),
                Errno::EOPNOTSUPP,
                "no 802.1Q VLAN support",
            ),
            (
                add(vlan.clone(), None),
                Errno::ENODEV,
                "the parent eth1 of e0 does not exist",
            ),
            (
                add(vlan.clone(), Some(9000)),
                Errno::EINVAL,
                "its MTU 9000 is out of range (above the MTU of its parent eth1, or below 68)",
            ),
            (
                up.clone(),
                Errno::ENETDOWN,
                "e0 cannot go up while the link it sits on is down",
            ),
            (up, Errno::EPERM, "run it as root"),
        ];
        for (step, errno, want) in table {
            let h = hint_for(&step, Some(errno)).unwrap_or_default();
            assert!(h.contains(want), "{errno:?}: {h}");
        }
        // No errno (a file step), no guess.
        assert_eq!(hint_for(&add(vlan, None), None), None);
    }
}
