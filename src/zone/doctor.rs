//! `vspace-netns doctor [GUEST|NETNS]`: checks a host's setup, one line per check: `ok WHAT`
//! or `FAIL WHAT: FIX`. Side-effecting only in what it reads (files, `netns::probe`, the real
//! `ip -o link`); it changes nothing. Exit status 1 when any check fails, else 0.
//!
//! Always checked: the real vspace is found and is not this binary; `/usr/sbin/vspace` (or
//! `$VSPACE_NETNS_SBIN_VSPACE`) is this wrapper, since util-vserver calls it by that absolute
//! path; vprocunhide is present. For a guest: its `spaces/net` names a namespace and ends its
//! line; its effective namespace-cleanup-skip keeps the run dir and the entries. For a zone:
//! its configuration is valid; its entry is a live nsfs mount in this mount namespace; each
//! link is inside, up, with its MAC (a veth's host end up on the host); and every member guest's
//! checks. A guest whose `spaces/net` names another guest (util-vserver's own sharing) passes
//! as such, and one that names a namespace made by hand has only its entry checked, as the
//! hook treats them (`hook::look_up`). Without an operand: every zone in the configuration root.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::netns::{self, Entry};
use crate::quote::escape;
use crate::sys::exec::{self, REAL_VSPACE};
use crate::sys::nsfs;
use crate::zone::config::{self, Kind, NetSpace};
use crate::zone::shell as zone;

/// Where util-vserver calls vspace, unless `VSPACE_NETNS_SBIN_VSPACE` says otherwise.
pub const DEFAULT_SBIN_VSPACE: &str = "/usr/sbin/vspace";

/// One check's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub what: String,
    /// None when it passed; else what to do.
    pub fix: Option<String>,
}

impl std::fmt::Display for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.fix {
            None => write!(f, "ok {}", self.what),
            Some(fix) => write!(f, "FAIL {}: {fix}", self.what),
        }
    }
}

fn ok(what: String) -> Check {
    Check { what, fix: None }
}

fn bad(what: String, fix: String) -> Check {
    Check {
        what,
        fix: Some(fix),
    }
}

fn show(p: &std::path::Path) -> String {
    escape(p.as_os_str())
}

/// Runs the checks for `target` (or everything) and prints them.
pub fn run(target: Option<&OsStr>) -> ExitCode {
    let mut checks = Vec::new();
    host_checks(&mut checks);
    let confdir = config::confdir();
    let vservers = config::vservers_dir();
    match (&confdir, &vservers) {
        (Ok(confdir), Ok(vservers)) => match target {
            None => {
                let mut zones: Vec<OsString> = std::fs::read_dir(confdir)
                    .map(|rd| {
                        rd.filter_map(Result::ok)
                            .filter(|e| e.path().is_dir())
                            .map(|e| e.file_name())
                            .collect()
                    })
                    .unwrap_or_default();
                zones.sort();
                if zones.is_empty() {
                    checks.push(bad(
                        format!("zones in {}", show(confdir)),
                        "none configured; create a zone directory (see vspace-netns-zones(5))"
                            .into(),
                    ));
                }
                for z in zones {
                    zone_checks(&mut checks, &z, vservers);
                }
            }
            Some(t) if netns::check_name(t).is_ok() && vservers.join(t).is_dir() => {
                guest_checks(&mut checks, t, vservers, true);
            }
            Some(t)
                if netns::check_name(t).is_ok()
                    && (confdir.join(t).exists()
                        || zone::run_dir().is_ok_and(|d| d.join(t).exists())) =>
            {
                zone_checks(&mut checks, t, vservers);
            }
            Some(t) => checks.push(bad(
                format!("'{}'", escape(t)),
                format!(
                    "neither a guest in {} nor a zone in {}",
                    show(vservers),
                    show(confdir)
                ),
            )),
        },
        _ => {
            for e in [confdir.err(), vservers.err()].into_iter().flatten() {
                checks.push(bad("configuration roots".into(), e));
            }
        }
    }
    let mut out = String::new();
    for c in &checks {
        out.push_str(&c.to_string());
        out.push('\n');
    }
    use std::io::Write;
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
    if checks.iter().any(|c| c.fix.is_some()) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn host_checks(checks: &mut Vec<Check>) {
    checks.push(match exec::locate(&REAL_VSPACE) {
        Ok(p) => ok(format!("real vspace: {}", show(&p))),
        Err(e) => bad("real vspace".into(), e.message(&REAL_VSPACE)),
    });
    checks.push(
        match config::absolute_env("VSPACE_NETNS_SBIN_VSPACE", DEFAULT_SBIN_VSPACE) {
            Err(e) => bad("vspace wrapper".into(), e),
            Ok(p) => match exec::is_self(&p) {
                Ok(true) => ok(format!("{} is this wrapper", show(&p))),
                Ok(false) => bad(
                    format!("{} is not this wrapper", show(&p)),
                    format!(
                        "util-vserver calls it by that path, so its shared-net calls miss the named namespaces; move the original aside and link this one there (dpkg-divert --local --rename --add {p}; ln -s vspace-netns {p}; see /usr/share/doc/vspace-netns/README.util-vserver)",
                        p = show(&p)
                    ),
                ),
                Err(e) => bad(
                    format!("{} is missing", show(&p)),
                    format!(
                        "{}; install util-vserver, then this wrapper in its place",
                        exec::io_reason(&e)
                    ),
                ),
            },
        },
    );
    checks.push(match zone::vprocunhide_path() {
        Err(e) => bad("vprocunhide".into(), e),
        Ok(p) => match std::fs::metadata(&p) {
            Ok(m) if m.is_file() && m.permissions().mode() & 0o111 != 0 => {
                ok(format!("vprocunhide: {}", show(&p)))
            }
            _ => bad(
                format!("vprocunhide {} is missing or not executable", show(&p)),
                "install util-vserver (or set VSPACE_NETNS_VPROCUNHIDE): without it /proc/net stays hidden from the guests inside a zone".into(),
            ),
        },
    });
}

fn guest_checks(
    checks: &mut Vec<Check>,
    guest: &OsStr,
    vservers: &std::path::Path,
    then_zone: bool,
) {
    let g = escape(guest);
    let file = config::net_file(vservers, guest);
    let space = match config::read_guest_net(vservers, guest) {
        Ok(s) => s,
        Err(e) => {
            checks.push(bad(
                format!("guest {g}: {}", show(&file)),
                format!("cannot read it: {}", exec::io_reason(&e)),
            ));
            return;
        }
    };
    let name = match &space {
        NetSpace::Shared { name, newline } => {
            let n = escape(OsStr::from_bytes(name));
            checks.push(if *newline {
                ok(format!("guest {g}: {} names {n}", show(&file)))
            } else {
                bad(
                    format!("guest {g}: {} has no trailing newline", show(&file)),
                    format!(
                        "util-vserver silently gives the guest a private namespace instead of {n}; write it with its newline: echo {n} > {}",
                        show(&file)
                    ),
                )
            });
            name.clone()
        }
        other => {
            checks.push(bad(
                format!("guest {g}: {} names no shared namespace", show(&file)),
                format!(
                    "it is {}; write the zone's name into it, with a newline (echo NAME > {})",
                    match other {
                        NetSpace::Missing => "missing (the guest uses the host's network)",
                        NetSpace::Private => "empty (a private namespace)",
                        _ => "0 (no network namespace)",
                    },
                    show(&file)
                ),
            ));
            return;
        }
    };
    let Ok(ns) = std::str::from_utf8(&name) else {
        checks.push(bad(
            format!("guest {g}: zone name"),
            "is not UTF-8; zone names must be text".into(),
        ));
        return;
    };
    let (found, paths) = match crate::zone::hook::look_up(OsStr::new(ns), vservers) {
        Ok(x) => x,
        Err(m) => {
            checks.push(bad(format!("guest {g}: {ns}"), m));
            return;
        }
    };
    if !found.zone && found.guest {
        // util-vserver's own sharing: the hook leaves such guests alone, and so do we.
        checks.push(ok(format!(
            "guest {g}: {ns} is a guest, not a zone: util-vserver shares its context's network"
        )));
        return;
    }
    let (own, defaults) = config::skip_files(vservers, guest);
    let effective = if own.exists() { &own } else { &defaults };
    let have = config::read_optional(effective).ok().flatten();
    let needed = config::skip_lines(ns);
    match config::skip_edit(have.as_deref(), None, &needed) {
        None => checks.push(ok(format!(
            "guest {g}: {} keeps /run/netns and its entries",
            show(effective)
        ))),
        Some(edit) => checks.push(bad(
            format!(
                "guest {g}: {} lacks {}",
                show(effective),
                edit.append.join(" ")
            ),
            format!(
                "util-vserver's namespace-cleanup at start would unmount the namespace (setns then fails with 'Invalid argument'); 'vspace-netns up {ns}' adds them to {} (keeping its lines)",
                show(&own)
            ),
        )),
    }
    if then_zone {
        if found.zone {
            link_and_entry_checks(checks, ns);
        } else {
            unmanaged_entry_check(checks, ns, &found.entry, &paths);
        }
    }
}

/// A namespace made by hand (no zone configuration): only its entry can be checked.
fn unmanaged_entry_check(
    checks: &mut Vec<Check>,
    ns: &str,
    entry: &Entry,
    paths: &crate::zone::hook::Paths,
) {
    let zone_dir = &paths.zone_dir;
    checks.push(match entry {
        Entry::Netns(()) => ok(format!(
            "namespace {ns}: a live network namespace made by hand (no zone configuration to check)"
        )),
        Entry::Unusable(u) => bad(
            format!("namespace {ns}: {}", u.describe(&paths.entry_path)),
            u.hints(&paths.name).join("; "),
        ),
        Entry::Missing => bad(
            format!("namespace {ns}: neither a zone nor a network namespace"),
            format!(
                "configure it as a zone (mkdir -p {zone_dir}; see vspace-netns-zones(5)) and run 'vspace-netns up {ns}', or create it with 'ip netns add {ns}'"
            ),
        ),
    });
}

fn zone_checks(checks: &mut Vec<Check>, ns: &OsStr, vservers: &std::path::Path) {
    let Ok(name) = config::check_zone_name(ns) else {
        checks.push(bad(
            format!("zone '{}'", escape(ns)),
            "not a valid zone name".into(),
        ));
        return;
    };
    let name = name.to_string();
    link_and_entry_checks(checks, &name);
    match config::members(vservers, &name) {
        Ok(members) => {
            for m in members {
                guest_checks(checks, &m.guest, vservers, false);
            }
        }
        Err(e) => checks.push(bad(
            format!("guests in {}", show(vservers)),
            format!("cannot read: {}", exec::io_reason(&e)),
        )),
    }
}

fn link_and_entry_checks(checks: &mut Vec<Check>, ns: &str) {
    let zone = match config::confdir()
        .map_err(|e| e.to_string())
        .and_then(|c| config::read_zone(&c, OsStr::new(ns)).map_err(|e| e.to_string()))
    {
        Ok(z) => {
            checks.push(ok(format!("zone {ns}: configuration is valid")));
            Some(z)
        }
        Err(e) => {
            checks.push(bad(format!("zone {ns}: configuration"), e));
            None
        }
    };
    let run_dir = match zone::run_dir() {
        Ok(d) => d,
        Err(f) => {
            checks.push(bad(format!("zone {ns}: run dir"), f.message));
            return;
        }
    };
    let entry: PathBuf = run_dir.join(ns);
    let live = match nsfs::probe(&entry) {
        Entry::Netns(_) => {
            checks.push(ok(format!(
                "zone {ns}: {} is a live network namespace",
                show(&entry)
            )));
            true
        }
        Entry::Missing => {
            checks.push(bad(
                format!("zone {ns}: {} does not exist", show(&entry)),
                format!("bring the zone up: vspace-netns up {ns}"),
            ));
            false
        }
        Entry::Unusable(u) => {
            let hints = u.hints(OsStr::new(ns));
            checks.push(bad(
                format!("zone {ns}: {}", u.describe(&entry)),
                hints.join("; "),
            ));
            false
        }
    };
    let Some(zone) = zone else { return };
    if !live || zone.links.is_empty() {
        return;
    }
    let (inside, host) = match zone::observe(&zone) {
        Ok(f) => (f.inside, f.host),
        Err(f) => {
            checks.push(bad(
                format!("zone {ns}: links"),
                format!("cannot list them: {}", f.message),
            ));
            return;
        }
    };
    let fix_up = format!("vspace-netns up {ns} (re)creates and raises it");
    for link in &zone.links {
        let mut ends = vec![(
            link.name.as_str(),
            link.mac,
            inside.get(&link.name),
            "inside",
        )];
        if let Kind::Veth { peer, peer_mac } = &link.kind {
            ends.push((peer.as_str(), *peer_mac, host.get(peer), "on the host"));
        }
        for (dev, mac, state, place) in ends {
            let what = format!("zone {ns}: link {dev}");
            checks.push(match state {
                None => bad(format!("{what} is missing {place}"), fix_up.clone()),
                Some(s) if !s.up => bad(format!("{what} is down {place}"), fix_up.clone()),
                Some(s) if s.mac != Some(mac) => bad(
                    format!(
                        "{what} has MAC {}, configured {mac}",
                        s.mac.map_or("none".to_string(), |m| m.to_string())
                    ),
                    format!("vspace-netns up {ns} sets it"),
                ),
                Some(_) => ok(format!("{what} is up {place} with MAC {mac}")),
            });
        }
    }
}
