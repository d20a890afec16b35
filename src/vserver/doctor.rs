//! doctor's checks of one guest, as util-vserver will treat it at its next start: what its
//! `spaces/net` names (read as util-vserver's `read` does), its namespace-cleanup-skip, whether
//! the hook is reached in each phase, and the settings that would put it outside its zone
//! (`spaces/mask` with the net bit, `spaces/pid` naming a zone, native `netns/` naming a zone
//! without `shared`), and a zone member's `interfaces/` (`vserver::ifaces_doctor`). Reads only.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::netns::Roots;
use crate::netns::shread;
use crate::report::quote::escape;
use crate::sys::exec;
use crate::vserver::guest::{self, NetSpace};
use crate::vserver::hook::phase_names;
use crate::vserver::skips;
use crate::zone::config;
use crate::zone::doctor::{Check, Ctx, bad, entry_check, ok, show, zone_state_checks};
use crate::zone::plan::SkipFact;

/// vspace's net bit in a space mask (CLONE_NEWNET).
const NET: u64 = 0x4000_0000;

/// Every check of `guest`; `then_zone`: also the state of the zone (or namespace) it names,
/// and a guest that shares no named namespace is a failure (asked about by name).
pub(crate) fn checks(
    checks: &mut Vec<Check>,
    guest: &OsStr,
    vservers: &Path,
    then_zone: bool,
    ctx: &Ctx,
) {
    let g = escape(guest);
    let name = net_check(checks, guest, vservers, then_zone);
    let mut lines = skips::run_dir_lines();
    let mut in_zone: Option<String> = None;
    if let Some(ns) = name.as_deref().and_then(|n| std::str::from_utf8(n).ok()) {
        let (found, paths) =
            match crate::vserver::hook::look_up(ctx.roots, OsStr::new(ns), vservers) {
                Ok(x) => x,
                Err(m) => {
                    checks.push(bad(format!("guest {g}: {ns}"), m.message));
                    return;
                }
            };
        let entry_exists = found.entry != crate::netns::Entry::Missing;
        if !found.zone && found.guest {
            if entry_exists {
                checks.push(bad(
                    format!("guest {g}: {ns} is both a guest and a run-dir entry ({})", paths.entry),
                    format!(
                        "the vspace wrapper enters the network namespace {}, not guest {ns}'s context as util-vserver means; rename one of them",
                        paths.entry
                    ),
                ));
            } else {
                checks.push(ok(format!(
                    "guest {g}: {ns} is a guest, not a zone: util-vserver shares its context's network"
                )));
            }
        } else {
            lines = guest::skip_lines(ns);
        }
        let zone = found.zone.then_some(ns);
        in_zone = zone.map(str::to_string);
        skip_check(checks, guest, vservers, &lines, zone);
        if then_zone && found.zone {
            zone_state_checks(checks, ns, ctx);
        } else if then_zone && !found.guest {
            entry_check(checks, ns, &paths.entry_path, false, ctx);
        }
        space_checks(checks, guest, vservers, zone, ctx.roots);
    } else {
        skip_check(checks, guest, vservers, &lines, None);
        space_checks(checks, guest, vservers, None, ctx.roots);
    }
    let reached = hook_checks(checks, guest, vservers);
    if let Some(zone) = in_zone {
        let at_init = reached.contains(&"initialize");
        crate::vserver::ifaces_doctor::checks(checks, guest, vservers, &zone, at_init, ctx.roots);
    }
}

/// `spaces/net`: the name util-vserver will use, or None (with the check that says why).
fn net_check(
    checks: &mut Vec<Check>,
    guest: &OsStr,
    vservers: &Path,
    asked: bool,
) -> Option<Vec<u8>> {
    let g = escape(guest);
    let file = guest::net_file(vservers, guest);
    let bytes = match config::read_optional(&file) {
        Ok(b) => b,
        Err(e) => {
            checks.push(bad(
                format!("guest {g}: {}", show(&file)),
                format!("cannot read it: {}", exec::io_reason(&e)),
            ));
            return None;
        }
    };
    let space = guest::net_space(bytes.as_deref());
    let NetSpace::Shared { name, newline } = &space else {
        checks.push(not_shared(&space, &g, &file, asked));
        return None;
    };
    let n = escape(OsStr::from_bytes(name));
    let read = shread::read(bytes.as_deref().unwrap_or_default());
    if let Some(o) = read.oddities.iter().find(|o| o.is_fatal()) {
        let plain = escape(OsStr::from_bytes(&shread::without_controls(name)));
        checks.push(bad(
            format!("guest {g}: {}: {}", show(&file), o.describe()),
            format!(
                "util-vserver asks vspace for '{n}', not '{plain}', and the guest starts outside the zone; write it again: echo {plain} > {}",
                show(&file)
            ),
        ));
        return None;
    }
    if !newline {
        checks.push(bad(
            format!("guest {g}: {} has no trailing newline", show(&file)),
            format!(
                "util-vserver silently gives the guest a private namespace instead of {n}; write it with its newline: echo {n} > {}",
                show(&file)
            ),
        ));
        return Some(name.clone());
    }
    checks.push(names(&g, &file, &n, &read.oddities));
    Some(name.clone())
}

/// The check for a `spaces/net` that names no shared namespace: a FAIL when a zone was asked
/// of the guest (`asked`), else ok.
fn not_shared(space: &NetSpace, g: &str, file: &Path, asked: bool) -> Check {
    let what = match space {
        NetSpace::Missing => "missing (the guest uses the host's network)",
        NetSpace::Private => "empty (a private namespace)",
        _ => "0 (no network namespace)",
    };
    if asked {
        bad(
            format!("guest {g}: {} names no shared namespace", show(file)),
            format!(
                "it is {what}; write the zone's name into it, with a newline (echo NAME > {})",
                show(file)
            ),
        )
    } else {
        ok(format!(
            "guest {g}: shares no named network namespace: {} is {what}",
            show(file)
        ))
    }
}

/// The check for a `spaces/net` that names `n`, with what util-vserver's reading changed.
fn names(g: &str, file: &Path, n: &str, oddities: &[shread::Oddity]) -> Check {
    let notes: Vec<String> = oddities.iter().map(|o| o.describe()).collect();
    ok(if notes.is_empty() {
        format!("guest {g}: {} names {n}", show(file))
    } else {
        format!(
            "guest {g}: {} names {n} (as util-vserver reads it: {})",
            show(file),
            notes.join("; ")
        )
    })
}

/// The effective namespace-cleanup-skip (the guest's own, else `.defaults`) keeps `lines`.
fn skip_check(
    checks: &mut Vec<Check>,
    guest: &OsStr,
    vservers: &Path,
    lines: &[String],
    zone: Option<&str>,
) {
    let g = escape(guest);
    let (own, defaults) = guest::skip_files(vservers, guest);
    // The guest's own file when it has one; else .defaults, which then serves it; without a
    // .defaults directory, the file the guest should have (the fix creates it).
    let defaults_dir = defaults.parent().is_some_and(Path::is_dir);
    let effective = if own.exists() || !defaults_dir {
        &own
    } else {
        &defaults
    };
    let have = config::read_optional(effective).ok().flatten();
    let Some(edit) = guest::skip_edit(have.as_deref(), None, lines) else {
        checks.push(ok(format!(
            "guest {g}: {} keeps /run/netns and its entries",
            show(effective)
        )));
        return;
    };
    // The fix is what `up` runs: the same facts (a member without a file of its own gets a
    // copy of `.defaults` first; a guest that `.defaults` serves gets it edited).
    let member = lines != skips::run_dir_lines();
    let fact = match skips::edit_for(vservers, guest, lines, member) {
        Ok(None) if !member && effective == &defaults => skips::defaults_fact(vservers),
        other => other,
    };
    let fact = match fact {
        Ok(Some(f)) => f,
        Ok(None) => SkipFact {
            own: effective.clone(),
            defaults: effective.clone(),
            own_len: None,
            edit: edit.clone(),
        },
        Err(f) => {
            checks.push(bad(format!("guest {g}: {}", show(effective)), f.message));
            return;
        }
    };
    let printf = crate::zone::plan::skip_steps(&[fact])
        .iter()
        .map(|s| s.line(Path::new(crate::netns::DEFAULT_RUN_DIR)))
        .collect::<Vec<_>>()
        .join("; ");
    // The command comes last, so that the line after the colon pastes into a shell whole.
    let also = match zone {
        Some(z) => format!(" ('vspace-netns up {z}' adds them too)"),
        None => String::new(),
    };
    let serves = if effective == &defaults {
        " (it serves every guest without a file of its own)"
    } else {
        ""
    };
    checks.push(bad(
        format!(
            "guest {g}: {} lacks {}",
            show(effective),
            edit.append.join(" ")
        ),
        format!(
            "util-vserver's namespace-cleanup at this guest's start would unmount the namespaces there, and through the shared /run/netns on the host; add them{serves}{also}: {printf}"
        ),
    ));
}

/// `spaces/mask` with the net bit, `spaces/pid` naming a zone, util-vserver's native `netns/`
/// naming a zone without `shared`.
fn space_checks(
    checks: &mut Vec<Check>,
    guest: &OsStr,
    vservers: &Path,
    zone: Option<&str>,
    roots: &Roots,
) {
    let g = escape(guest);
    let dir = vservers.join(guest);
    let value = |p: &Path| {
        config::read_optional(p)
            .ok()
            .flatten()
            .map(|b| shread::read(&b).value)
    };
    let mask_file = dir.join("spaces/mask");
    let mask = config::read_optional(&mask_file)
        .ok()
        .flatten()
        .map(|b| shread::read(&b));
    if let (Some(z), Some(m)) = (zone, mask) {
        if crate::netns::cnum::strtoull_whole(&m.value).is_some_and(|v| v & NET != 0) {
            let what = format!(
                "guest {g}: {} has the net bit (0x40000000)",
                show(&mask_file)
            );
            let why = format!(
                "'vspace --new --mask' with it clones a fresh network namespace for the guest, outside zone {z}; remove the bit from the mask"
            );
            // _generateSpaceOptions: `getFileValue mask FILE || OPTS_VSPACE+=(--mask "$mask")`
            // applies the mask only when `read` fails, i.e. without a trailing newline.
            checks.push(if m.complete {
                crate::zone::doctor::warn(
                    what,
                    format!("util-vserver applies spaces/mask only when it lacks its trailing newline, so not now; but {why}"),
                )
            } else {
                bad(what, format!("util-vserver applies it (the file lacks its trailing newline): {why}"))
            });
        }
    }
    let pid_file = dir.join("spaces/pid");
    if let Some(v) = value(&pid_file) {
        if is_zone(roots, &v) {
            let n = escape(OsStr::from_bytes(&v));
            checks.push(bad(
                format!("guest {g}: {} names zone {n}", show(&pid_file)),
                format!(
                    "a zone is a network namespace only: util-vserver runs 'vspace --enter {n} --pid', which the real vspace reads as a context name; name a guest there, or remove it"
                ),
            ));
        }
    }
    // _handleNetNS: the guest's netns/, else .defaults/netns/; none with a nonetns file.
    let native = [dir.join("netns"), vservers.join(".defaults/netns")]
        .into_iter()
        .find(|d| d.is_dir())
        .filter(|_| !dir.join("nonetns").exists());
    if let Some(native) = native {
        let name = value(&native.join("name")).unwrap_or_else(|| guest.as_bytes().to_vec());
        if is_zone(roots, &name) && !native.join("shared").exists() {
            let n = escape(OsStr::from_bytes(&name));
            checks.push(bad(
                format!(
                    "guest {g}: util-vserver's native {} names zone {n} without netns/shared",
                    show(&native)
                ),
                format!(
                    "its start runs 'ip netns add {n}' (File exists: the start fails) and its stop 'ip netns del {n}' (the zone goes under its other guests); touch {}/shared, or remove {} and name the zone in spaces/net",
                    show(&native),
                    show(&native)
                ),
            ));
        }
    }
}

fn is_zone(roots: &Roots, name: &[u8]) -> bool {
    !name.is_empty()
        && crate::netns::check_name(OsStr::from_bytes(name)).is_ok()
        && roots.is_zone(OsStr::from_bytes(name))
}

/// The scriptlets util-vserver runs for `phase` from `scripts`: `scripts/PHASE` and
/// `scripts/PHASE.d/*` that are regular files (links followed) and no backups, as
/// `execScriptlets` takes them (`isRegularFile`; any one of them makes it skip `.defaults'`).
fn scriptlets(scripts: &Path, phase: &str) -> Vec<PathBuf> {
    let mut out = vec![scripts.join(phase)];
    if let Ok(rd) = std::fs::read_dir(scripts.join(format!("{phase}.d"))) {
        let mut more: Vec<PathBuf> = rd.filter_map(Result::ok).map(|e| e.path()).collect();
        more.sort();
        out.extend(more);
    }
    out.retain(|p| p.is_file() && !is_backup(p));
    out
}

/// Names util-vserver's `isRegularFile` passes over: `*.rpmsave`, `*.rpmnew`, `*.rpmorig`,
/// `*.cfsaved*`, `*.~*~`, `*~` (editor and package-manager leftovers).
pub fn is_backup(p: &Path) -> bool {
    let name = p.file_name().map(|n| n.as_bytes()).unwrap_or_default();
    let has = |w: &[u8]| name.windows(w.len()).any(|x| x == w);
    name.ends_with(b".rpmsave")
        || name.ends_with(b".rpmnew")
        || name.ends_with(b".rpmorig")
        || has(b".cfsaved")
        || name.ends_with(b"~")
}

/// Whether a scriptlet runs the vspace-netns hook.
fn is_hook(p: &Path) -> bool {
    let text = std::fs::read(p).unwrap_or_default();
    let has = |w: &[u8]| text.windows(w.len()).any(|x| x == w);
    has(b"vspace-netns") && has(b"hook")
}

/// A sourced (not executable) scriptlet that sets DONT_SKIP_DEFAULTS keeps `.defaults`'.
fn keeps_defaults(p: &Path) -> bool {
    let exec = std::fs::metadata(p).is_ok_and(|m| m.permissions().mode() & 0o111 != 0);
    let text = std::fs::read(p).unwrap_or_default();
    !exec && text.windows(18).any(|w| w == b"DONT_SKIP_DEFAULTS")
}

/// Per phase: a hook installed in `.defaults` is shadowed by the guest's own scriptlets. The
/// phases the hook is reached at.
fn hook_checks(checks: &mut Vec<Check>, guest: &OsStr, vservers: &Path) -> Vec<&'static str> {
    let g = escape(guest);
    let defaults = vservers.join(".defaults/scripts");
    let own = vservers.join(guest).join("scripts");
    let mut reached = Vec::new();
    for phase in phase_names() {
        let mine = scriptlets(&own, phase);
        let theirs = scriptlets(&defaults, phase);
        let default_hook = theirs.iter().find(|p| is_hook(p));
        if mine.iter().any(|p| is_hook(p)) {
            reached.push(phase);
        } else if let Some(hook) = default_hook {
            if mine.is_empty() || mine.iter().any(|p| keeps_defaults(p)) {
                reached.push(phase);
                continue;
            }
            let target = std::fs::canonicalize(hook).unwrap_or_else(|_| hook.clone());
            let shown: Vec<String> = mine.iter().map(|p| show(p)).collect();
            checks.push(bad(
                format!(
                    "guest {g}: the hook {} is not reached at {phase}",
                    show(hook)
                ),
                format!(
                    "the guest's own {} {} util-vserver skip .defaults/scripts/{phase}* for it; link the hook for the guest too: mkdir -p {d} && ln -s {t} {d}/vspace-netns",
                    shown.join(" "),
                    if shown.len() == 1 { "makes" } else { "make" },
                    d = show(&own.join(format!("{phase}.d"))),
                    t = show(&target),
                ),
            ));
        }
    }
    if !reached.is_empty() {
        checks.push(ok(format!(
            "guest {g}: the hook runs at {}",
            reached.join(", ")
        )));
    }
    reached
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backups_are_no_scriptlets() {
        for (name, backup) in [
            ("vspace-netns", false),
            ("backup", false),
            ("x.rpmsave", true),
            ("x.rpmnew", true),
            ("x.rpmorig", true),
            ("x.cfsaved.1", true),
            ("x.~1~", true),
            ("x~", true),
            ("x~y", false),
        ] {
            assert_eq!(is_backup(Path::new(name)), backup, "{name}");
        }
    }
}
