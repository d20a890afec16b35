//! Which namespace-cleanup-skip files must carry the run-dir lines, so that no guest's start
//! unmounts a zone: every guest's start, not only a zone member's, runs util-vserver's
//! namespace cleanup, and through the shared `/run/netns` mount its lazy umount reaches the
//! host. Side-effecting only in what it reads.
//!
//! - a member of the zone: its own file (a copy of `.defaults` first when it has none) gets
//!   `/run/netns`, `/run/netns/ZONE` and `/run/netns/*`;
//! - every other guest with a file of its own: `/run/netns` and `/run/netns/*` (util-vserver
//!   expands the glob at start, so every entry then present is kept); one whose file cannot
//!   be edited safely (no regular file of at most 64 KiB, or a name a printed line cannot
//!   hold) is skipped with a warning naming it, so that it blocks no zone: its own start
//!   (`for_guest`) edits its file, or refuses it;
//! - `.defaults/namespace-cleanup-skip`, which serves every guest without a file of its own,
//!   the same two lines, last (so a member's copy is made from it as it was). When there is no
//!   `.defaults` directory, each guest without a file gets a file of its own instead.

use std::ffi::{OsStr, OsString};
use std::path::Path;

use crate::netns::Roots;
use crate::report::Status;
use crate::report::fail::Fail;
use crate::report::quote::escape;
use crate::sys::exec;
use crate::vserver::guest;
use crate::zone::base::PREFIX;
use crate::zone::config;
use crate::zone::plan::{SkipFact, Step};

/// The lines every guest needs whatever its zone: the run dir and, glob-expanded at start,
/// every entry in it.
pub fn run_dir_lines() -> Vec<String> {
    vec!["/run/netns".to_string(), "/run/netns/*".to_string()]
}

fn io(p: &Path, e: std::io::Error) -> Fail {
    Fail::new(
        PREFIX,
        Status::Failed,
        format!(
            "cannot read {}: {}",
            escape(p.as_os_str()),
            exec::io_reason(&e)
        ),
    )
}

/// The edit one guest's file needs for `needed` (None: nothing to do). `copy`: a guest
/// without a file of its own starts from a copy of `.defaults` (a member, or any guest when
/// there is no `.defaults` directory to edit instead).
pub(crate) fn edit_for(
    vservers: &Path,
    guest: &OsStr,
    needed: &[String],
    member: bool,
) -> Result<Option<SkipFact>, Fail> {
    let (own, defaults) = guest::skip_files(vservers, guest);
    let own_bytes = config::read_optional(&own).map_err(|e| io(&own, e))?;
    let defaults_dir = defaults.parent().is_some_and(Path::is_dir);
    if own_bytes.is_none() && !member && defaults_dir {
        return Ok(None); // served by .defaults, edited last
    }
    let def_bytes = config::read_optional(&defaults).map_err(|e| io(&defaults, e))?;
    Ok(
        guest::skip_edit(own_bytes.as_deref(), def_bytes.as_deref(), needed).map(|edit| SkipFact {
            own_len: own_bytes.as_ref().map(|b| b.len() as u64),
            own: own.clone(),
            defaults: defaults.clone(),
            edit,
        }),
    )
}

/// The edits for a zone (or a namespace made by hand) named `ns`: members, other guests,
/// then `.defaults`.
pub fn facts(roots: &Roots, ns: &str) -> Result<Vec<SkipFact>, Fail> {
    let vservers = roots
        .vservers()
        .map_err(|m| Fail::new(PREFIX, Status::Failed, m))?;
    facts_in(vservers, ns)
}

/// [`facts`] for the configuration root `vservers`.
pub fn facts_in(vservers: &Path, ns: &str) -> Result<Vec<SkipFact>, Fail> {
    let vservers = vservers.to_path_buf();
    let members: Vec<OsString> = guest::members(&vservers, ns)
        .map_err(|e| io(&vservers, e))?
        .into_iter()
        .map(|m| m.guest)
        .collect();
    let mut out = Vec::new();
    for g in &members {
        out.extend(edit_for(&vservers, g, &guest::skip_lines(ns), true)?);
    }
    for g in guest::guests(&vservers).map_err(|e| io(&vservers, e))? {
        if members.contains(&g) {
            continue;
        }
        // A guest outside this zone whose file is no regular file of at most 64 KiB (a
        // symlink, a FIFO, too large) blocks no zone either: skipped with a warning naming
        // it; its own start refuses the file.
        let (own, _) = guest::skip_files(&vservers, &g);
        if let Err(e) = config::read_optional(&own)
            && e.kind() == std::io::ErrorKind::InvalidData
        {
            crate::report::out::warn(&format!(
                "{PREFIX}: warning: guest {} skipped: cannot read {}: {}; its own start fails until it is a regular file of at most {} bytes",
                escape(&g),
                escape(own.as_os_str()),
                exec::io_reason(&e),
                config::MAX_FILE,
            ));
            continue;
        }
        let edit = edit_for(&vservers, &g, &run_dir_lines(), false)?;
        // A guest outside this zone whose file cannot be named in a printed line (a control
        // byte or non-UTF-8 in its directory's name) blocks no zone: skipped with a warning
        // naming it; its own start still needs the lines.
        if let Some(f) = &edit
            && let Err(e) = crate::zone::script::printable(f.own.as_os_str())
        {
            crate::report::out::warn(&format!(
                "{PREFIX}: warning: guest {} skipped: its namespace-cleanup-skip {e}; add the lines {} to it by hand, or its start may lose the zones",
                escape(&g),
                run_dir_lines().join(", ")
            ));
            continue;
        }
        out.extend(edit);
    }
    out.extend(defaults_fact(&vservers)?);
    Ok(out)
}

/// The edits that make one guest's start spare every zone (its own file, or `.defaults` when
/// that is what serves it).
pub fn for_guest(roots: &Roots, guest: &OsStr) -> Result<Vec<SkipFact>, Fail> {
    let vservers = roots
        .vservers()
        .map_err(|m| Fail::new(PREFIX, Status::Failed, m))?;
    let (own, _) = guest::skip_files(vservers, guest);
    match edit_for(vservers, guest, &run_dir_lines(), false)? {
        Some(f) => Ok(vec![f]),
        None if !own.exists() => defaults_fact(vservers).map(|f| f.into_iter().collect()),
        None => Ok(Vec::new()),
    }
}

pub(crate) fn defaults_fact(vservers: &Path) -> Result<Option<SkipFact>, Fail> {
    let (defaults, _) = guest::skip_files(vservers, OsStr::new(".defaults"));
    if !defaults.parent().is_some_and(Path::is_dir) {
        return Ok(None);
    }
    let bytes = config::read_optional(&defaults).map_err(|e| io(&defaults, e))?;
    Ok(
        guest::skip_edit(bytes.as_deref(), None, &run_dir_lines()).map(|edit| SkipFact {
            own_len: bytes.as_ref().map(|b| b.len() as u64),
            own: defaults.clone(),
            defaults: defaults.clone(),
            edit,
        }),
    )
}

/// Holds flock(LOCK_EX) on util-vserver's configuration root while alive: `up`s of different
/// zones (guests of several zones starting at once) edit the same files (`.defaults'`, every
/// guest's), so each plans and makes its edits, or undoes them, while no other does. None when
/// the root does not exist (there is nothing to edit then).
pub fn lock(roots: &Roots) -> Result<Option<nix::fcntl::Flock<std::fs::File>>, Fail> {
    let vservers = roots
        .vservers()
        .map_err(|m| Fail::new(PREFIX, Status::Failed, m))?;
    let dir = match std::fs::File::open(vservers) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(vservers, e)),
    };
    nix::fcntl::Flock::lock(dir, nix::fcntl::FlockArg::LockExclusive)
        .map(Some)
        .map_err(|(_, e)| {
            Fail::new(
                PREFIX,
                Status::Failed,
                format!("cannot lock {}: {}", escape(vservers.as_os_str()), e.desc()),
            )
        })
}

/// The steps of `facts`, as `plan_up` orders them (a copy, then one append a line).
pub fn steps(facts: &[SkipFact]) -> Vec<Step> {
    crate::zone::plan::skip_steps(facts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(root: &Path, rel: &str, bytes: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }

    /// (file relative to the root, copy of .defaults first, lines appended).
    fn edits(root: &Path, ns: &str) -> Vec<(String, bool, Vec<String>)> {
        facts_in(root, ns)
            .unwrap()
            .into_iter()
            .map(|f| {
                let rel = f.own.strip_prefix(root).unwrap().display().to_string();
                (rel, f.edit.copy_defaults, f.edit.append)
            })
            .collect()
    }

    #[test]
    fn members_then_every_other_guest_then_defaults() {
        let t = tempfile::tempdir().unwrap();
        let r = t.path();
        put(r, "web/spaces/net", "dmz\n"); // member, no file: copy of .defaults
        put(r, "mail/spaces/net", "dmz\n");
        put(
            r,
            "mail/namespace-cleanup-skip",
            "/run/netns\n/run/netns/dmz\n/run/netns/*\n",
        );
        put(r, "db/spaces/net", "lan\n"); // another zone's, with its own file
        put(r, "db/namespace-cleanup-skip", "/proc");
        put(r, "ftp/spaces/net", ""); // outside every zone, no file: served by .defaults
        put(r, ".defaults/namespace-cleanup-skip", "/proc\n");
        let all = |ns: &str| -> Vec<String> { guest::skip_lines(ns) };
        let run = run_dir_lines();
        assert_eq!(
            edits(r, "dmz"),
            [
                ("web/namespace-cleanup-skip".to_string(), true, all("dmz")),
                ("db/namespace-cleanup-skip".to_string(), false, run.clone()),
                (
                    ".defaults/namespace-cleanup-skip".to_string(),
                    false,
                    run.clone()
                ),
            ]
        );
        // Without a .defaults directory, a guest without a file gets one of its own.
        std::fs::remove_dir_all(r.join(".defaults")).unwrap();
        assert_eq!(
            edits(r, "dmz"),
            [
                ("web/namespace-cleanup-skip".to_string(), false, all("dmz")),
                ("db/namespace-cleanup-skip".to_string(), false, run.clone()),
                ("ftp/namespace-cleanup-skip".to_string(), false, run),
            ]
        );
    }
}
