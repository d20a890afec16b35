//! `vspace-netns up --all` and `down --all`: every configured zone (each directory under the
//! zones root), in name order, at boot and at shutdown. Side-effecting through `zone::up` and
//! `zone::down_checked`.
//!
//! Each zone's failure is reported (as `up ZONE`/`down ZONE` reports it) and the rest are
//! still done; the status is 1 when any zone failed, else 0. `down --all` leaves a zone that
//! processes still use or a starting guest has claimed (`# zone Z kept: ...`, not a failure)
//! unless `--force`.
//!
//! `up --parent IFACE` is `up` of the zones with a link on the host's interface IFACE (a VLAN's
//! or macvlan's `link`), for the hooks of ifupdown and networkd-dispatcher: when a VLAN trunk
//! is set down and up, the kernel sets its VLANs down and up with it, and a link set down
//! loses its IPv6 addresses and every route through it; `up` puts them back. A zone whose
//! configuration does not read is passed over with a warning (doctor names the problem): it
//! cannot be told to sit on IFACE.

use std::ffi::OsString;

use crate::netns::Roots;
use crate::report::Status;
use crate::report::fail::{self, Fail};
use crate::report::out;
use crate::report::quote::escape;
use crate::zone::base::PREFIX;
use crate::zone::config;
use crate::zone::guests::GuestParts;
use crate::zone::shell;

/// The configured zones (directories under the zones root), in byte order of their names.
pub fn zones(roots: &Roots) -> Result<Vec<OsString>, Fail> {
    let confdir = roots
        .zones()
        .map_err(|m| Fail::new(PREFIX, Status::Failed, m))?;
    let rd = std::fs::read_dir(confdir).map_err(|e| {
        Fail::new(
            PREFIX,
            Status::Failed,
            format!(
                "cannot read the zones root {}: {}",
                escape(confdir.as_os_str()),
                crate::sys::exec::io_reason(&e)
            ),
        )
    })?;
    let mut names: Vec<OsString> = rd
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir() || t.is_symlink()))
        .map(|e| e.file_name())
        .collect();
    names.sort();
    Ok(names)
}

fn each(roots: &Roots, one: impl FnMut(&std::ffi::OsStr) -> Result<(), Fail>) -> u8 {
    match zones(roots) {
        Ok(names) => each_of(&names, one),
        Err(f) => fail::report(&f),
    }
}

fn each_of(names: &[OsString], mut one: impl FnMut(&std::ffi::OsStr) -> Result<(), Fail>) -> u8 {
    let mut failed = 0;
    for z in names {
        out::note(&format!("# zone {}", escape(z)));
        if let Err(f) = one(z) {
            fail::report(&f);
            failed += 1;
        }
    }
    if failed > 0 {
        fail::report(&Fail::new(
            PREFIX,
            Status::Failed,
            format!("{failed} of {} zones failed (see above)", names.len()),
        ));
        Status::Failed.code()
    } else {
        Status::Ok.code()
    }
}

/// `up --all [--dry-run]`; `parts` as for [`shell::up`].
pub fn up(roots: &Roots, parts: &dyn GuestParts, dry_run: bool) -> u8 {
    each(roots, |z| shell::up(roots, parts, z, dry_run))
}

/// `down --all [--force] [--dry-run]`; `parts` as for [`shell::down`]. Each zone as `down` of
/// that zone alone: its lock, then its users looked for in /proc, then its steps. (One look at
/// /proc for all zones would miss a process that entered a later zone meanwhile: entering a
/// namespace takes no lock.)
pub fn down(roots: &Roots, force: bool, dry_run: bool, parts: &dyn GuestParts) -> u8 {
    each(roots, |z| {
        let name = escape(z);
        let down = shell::down_checked(roots, z, force, dry_run, parts)?;
        if let Some(why) = down.why_kept() {
            out::note(&format!("# zone {name} kept: {why}; {}", down.force_hint()));
        }
        Ok(())
    })
}

/// Whether `name` can be an interface's name (what the kernel accepts: 1 to 15 bytes, no `/`,
/// `:` or white space, not `.` or `..`).
pub fn is_ifname(name: &[u8]) -> bool {
    (1..16).contains(&name.len())
        && name != b"."
        && name != b".."
        && !name
            .iter()
            .any(|b| *b == b'/' || *b == b':' || b.is_ascii_whitespace())
}

/// The configured zones (in name order) with a link whose parent is the host's `parent`.
/// A zone whose configuration does not read is passed over with a warning.
pub fn on_parent(roots: &Roots, parent: &str) -> Result<Vec<OsString>, Fail> {
    let confdir = roots
        .zones()
        .map_err(|m| Fail::new(PREFIX, Status::Failed, m))?;
    let mut out = Vec::new();
    for name in zones(roots)? {
        match config::read_zone(confdir, &name) {
            Ok(z) if z.links.iter().any(|l| l.kind.parent() == Some(parent)) => out.push(name),
            Ok(_) => {}
            Err(e) => out::warn(&format!(
                "{PREFIX}: up --parent {parent}: zone {} passed over: {e}",
                escape(&name)
            )),
        }
    }
    Ok(out)
}

/// `up --parent IFACE [--dry-run]`: `up` of every zone with a link on IFACE; nothing (status
/// 0) when none has. Status 2 for a name no interface can have.
pub fn up_parent(
    roots: &Roots,
    parts: &dyn GuestParts,
    parent: &std::ffi::OsStr,
    dry_run: bool,
) -> u8 {
    let Some(name) = parent.to_str().filter(|n| is_ifname(n.as_bytes())) else {
        return fail::report(
            &Fail::new(
                PREFIX,
                Status::Usage,
                format!("up --parent: '{}' is not an interface name", escape(parent)),
            )
            .hint("give the host interface the zones' VLAN or macvlan links sit on (1-15 bytes, no '/', ':' or blanks)"),
        );
    };
    match on_parent(roots, name) {
        Ok(names) => each_of(&names, |z| shell::up(roots, parts, z, dry_run)),
        Err(f) => fail::report(&f),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interface_names_are_what_the_kernel_takes() {
        for good in ["eth0", "eth0.100", "a", "br-lan_1", "x23456789012345"] {
            assert!(is_ifname(good.as_bytes()), "{good}");
        }
        for bad in [
            "",
            ".",
            "..",
            "a/b",
            "a:1",
            "a b",
            "a\nb",
            "x234567890123456",
        ] {
            assert!(!is_ifname(bad.as_bytes()), "{bad:?}");
        }
    }
}
