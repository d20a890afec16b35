//! doctor's checks of a zone guest's util-vserver `interfaces/`: each directory handled (ok)
//! or a FAIL with its fix: util-vserver or the hook would refuse it, its `dev` is no link of
//! the zone, its address lies outside every route of the zone, another member has the same
//! address, or util-vserver would apply it on the host (the hook not reached at
//! `initialize`, and no `nodev` yet). `disabled` directories are said to be skipped. Reads only.

use std::ffi::{OsStr, OsString};
use std::path::Path;

use crate::report::quote::escape;
use crate::vserver::ifaces::{self, Entry, Iface, State};
use crate::zone::config::Zone;
use crate::zone::doctor::{Check, bad, ok};

/// The checks of `guest`'s interfaces, a member of `zone`; `hook_at_initialize`: the hook
/// runs at the guest's `initialize` (doctor's hook checks say whether).
pub fn checks(
    checks: &mut Vec<Check>,
    guest: &OsStr,
    vservers: &Path,
    zone: &str,
    hook_at_initialize: bool,
    roots: &crate::netns::Roots,
) {
    let g = escape(guest);
    let entries = match ifaces::entries(vservers, guest) {
        Ok(e) => e,
        Err(m) => {
            checks.push(bad(
                format!("guest {g}: interfaces: {m}"),
                "the guest's start fails until this is fixed".into(),
            ));
            return;
        }
    };
    if entries.is_empty() {
        return;
    }
    let Ok(z) = crate::zone::base::load(roots, OsStr::new(zone)) else {
        return; // the zone's own checks say why
    };
    let others = ifaces::others(vservers, zone, guest);
    for e in &entries {
        let d = escape(e.dir.as_os_str());
        let i = match &e.state {
            State::Disabled => {
                checks.push(ok(format!(
                    "guest {g}: {d} is disabled: util-vserver and the hook skip it"
                )));
                continue;
            }
            State::ContextOnly(what) => {
                checks.push(ok(format!("guest {g}: {what}")));
                continue;
            }
            State::Broken(m, fix) => {
                checks.push(bad(format!("guest {g}: {m}"), fix.clone()));
                continue;
            }
            State::Apply(i) => i,
        };
        let problems = problems(guest, zone, &z, (e, i), &others, hook_at_initialize, roots);
        if problems.is_empty() {
            let a = &i.addr;
            checks.push(ok(format!(
                "guest {g}: {d}: {} on {} is applied inside zone {zone} at the guest's start, never on the host",
                a.cidr(),
                a.dev
            )));
        }
        checks.extend(problems);
    }
}

/// What is wrong with `e` (a directory of `guest`, applied as `i` in `zone`, read as `z`):
/// a `dev` the zone lacks, an address outside it or another member's, or util-vserver's own
/// handling (the hook not at `initialize`). Empty when it is fine.
fn problems(
    guest: &OsStr,
    zone: &str,
    z: &Zone,
    (e, i): (&Entry, &Iface),
    others: &[(OsString, Vec<Entry>)],
    hook_at_initialize: bool,
    roots: &crate::netns::Roots,
) -> Vec<Check> {
    let g = escape(guest);
    let d = escape(e.dir.as_os_str());
    let a = &i.addr;
    let mut checks = Vec::new();
    let dev_ok = z.links.iter().any(|l| l.name == a.dev)
        || i.vlan
            .as_ref()
            .is_some_and(|(p, _)| z.links.iter().any(|l| &l.name == p));
    if !dev_ok {
        let links: Vec<&str> = z.links.iter().map(|l| l.name.as_str()).collect();
        checks.push(bad(
            format!(
                "guest {g}: {d}/dev: zone {zone} has no link '{}' (its links: {})",
                a.dev,
                links.join(", ")
            ),
            format!(
                "the guest's start fails; name one of the zone's links: echo {} > {d}/dev",
                links.first().copied().unwrap_or("LINK")
            ),
        ));
    }
    if ifaces::outside_routes(z, a.local) {
        checks.push(bad(
            format!(
                "guest {g}: {d}: {} lies outside every subnet and route of zone {zone}",
                a.local
            ),
            format!(
                "nothing routes it to the zone; give a zone link an address of its subnet, or add a route for it to {}",
                escape(
                    roots
                        .zones()
                        .unwrap_or(Path::new(""))
                        .join(zone)
                        .join("routes")
                        .as_os_str()
                )
            ),
        ));
    }
    for (ip, other, dir) in ifaces::clashes(std::slice::from_ref(e), others) {
        checks.push(bad(
            format!(
                "guest {g}: {d}: {ip} is guest {other}'s address too ({})",
                escape(dir.as_os_str())
            ),
            format!("the second start fails; give one of them another address, or disable it: touch {d}/disabled"),
        ));
    }
    if !hook_at_initialize && !i.nodev_ours {
        checks.push(bad(
            format!(
                "guest {g}: {d}: util-vserver would put {} on the host's {} (the hook does not run at initialize)",
                a.local, a.dev
            ),
            "link the hook for initialize (see the hook checks); util-vserver reads the interfaces right after it".into(),
        ));
    }
    checks
}
