//! Root's state files under the state dir (`Roots::state_dir`, `/run/vspace-netns`).
//! Side-effecting.
//!
//! Written whole: a temporary in `STATE/tmp` (apart from every name a zone or guest may have,
//! created new, never through a symlink, held under flock until renamed into place; a killed
//! writer's temporary, which nobody holds, is removed by the next writer). Read as
//! configuration files are read (no symlink followed, regular files only: `sys::regular`).
//! Both only where root alone can write: the file and every directory from the state dir down
//! to it owned by the effective user and writable by no other user (group write only for
//! group 0). Directories are made 0755 and files 0644 (a umask may take more away, never
//! leave others write). A record another user could have written is refused, never believed,
//! and the refusal says how to fix it.

use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use nix::fcntl::{Flock, FlockArg};

use crate::sys::regular::{self, Purpose};

/// `STATE/tmp`: where state files are written before they are renamed into place.
pub fn tmp_dir(state: &Path) -> PathBuf {
    state.join("tmp")
}

/// Writes `bytes` to `dest` whole: a temporary `STATE/tmp/PREFIX.PID.NANOS`, renamed onto `dest`
/// (its directory made when missing). A reader sees the old file or the new one, never a part.
/// The temporary is held under flock(LOCK_EX) from its creation to its rename: that lock, not
/// its PID, tells a writer at work from a dead one ([`remove_dead_temporaries`]). Refused
/// (InvalidData) where another user may write ([`check_dirs`]).
pub fn write_whole(state: &Path, prefix: &str, dest: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp_dir = tmp_dir(state);
    let parent = dest.parent().unwrap_or(state);
    for d in [&tmp_dir, parent] {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o755)
            .create(d)?;
        check_dirs(state, d)?;
    }
    remove_dead_temporaries(&tmp_dir, prefix);
    // PID and time: no two writers' names meet, whichever PID namespaces they run in.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let tmp = tmp_dir.join(format!("{prefix}.{}.{nanos}", std::process::id()));
    let write = || -> io::Result<()> {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o644)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
            .open(&tmp)?;
        let mut held = Flock::lock(file, FlockArg::LockExclusiveNonblock)
            .map_err(|(_, e)| io::Error::from_raw_os_error(e as i32))?;
        held.write_all(bytes)?;
        std::fs::rename(&tmp, dest)
    };
    write().inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// Removes `path` (a state file); one that does not exist is no error.
pub fn remove(path: &Path) -> io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(with_path(path, e)),
        _ => Ok(()),
    }
}

/// How old a temporary no writer holds locked must be to be removed: a writer takes its lock
/// right after creating it, so one younger may still be about to.
const UNLOCKED_AGE: std::time::Duration = std::time::Duration::from_secs(60);

/// Removes the temporaries `PREFIX.PID.NANOS` in `tmp_dir` whose writer is gone (killed between its
/// write and its rename): those nobody holds locked, a minute old or more. A writer in another
/// PID namespace holds its lock as well, so no live writer's temporary is removed, whichever
/// PID namespace either runs in. Best effort: a temporary left is harmless.
pub fn remove_dead_temporaries(tmp_dir: &Path, prefix: &str) {
    let Ok(rd) = std::fs::read_dir(tmp_dir) else {
        return;
    };
    for e in rd.filter_map(Result::ok) {
        let name = e.file_name();
        let ours = name
            .to_str()
            .and_then(|n| n.strip_prefix(prefix))
            .and_then(|n| n.strip_prefix('.'))
            .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit() || b == b'.'));
        if ours && unheld_and_old(&e.path()) {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Whether nobody holds the temporary `path` locked and it is [`UNLOCKED_AGE`] old or more.
fn unheld_and_old(path: &Path) -> bool {
    let Ok(file) = regular::open(
        path,
        std::fs::OpenOptions::new().read(true).clone(),
        Purpose::Read,
    ) else {
        return false;
    };
    let old = file
        .metadata()
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_some_and(|age| age >= UNLOCKED_AGE);
    old && Flock::lock(file, FlockArg::LockExclusiveNonblock).is_ok()
}

/// Whether `meta` is this process's effective user's and no other user may write it (group
/// write only for group 0, whose members are root's equals: a umask of 002 leaves it).
fn owned(meta: &std::fs::Metadata) -> bool {
    let mode = meta.mode();
    meta.uid() == nix::unistd::geteuid().as_raw()
        && mode & 0o002 == 0
        && (mode & 0o020 == 0 || meta.gid() == 0)
}

/// The refusal of a state file or directory another user could have written, with its fix:
/// making it root's alone, unless it is a shared directory every user writes (sticky, such as
/// /tmp), which is never to be changed: then another state dir.
fn not_owned(path: &Path, meta: &std::fs::Metadata) -> io::Error {
    let shown = crate::report::quote::escape(path.as_os_str());
    let mode = meta.mode();
    let fix = if meta.is_dir() && mode & 0o1002 == 0o1002 {
        "it is a shared directory every user may write (such as /tmp): leave it as it is and give a state dir of root's alone (VSPACE_NETNS_STATE_DIR, default /run/vspace-netns)".to_string()
    } else {
        format!("fix: chown root:root {shown}; chmod go-w {shown}")
    };
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "{shown} may be written by another user than root (owner uid {}, group {}, mode {:o}), so what is in it cannot be believed; {fix}",
            meta.uid(),
            meta.gid(),
            mode & 0o7777
        ),
    )
}

/// Checks each directory from `state` down to `dir`: each must exist, be a directory (not a
/// symlink) and be root's alone ([`owned`]). NotFound when one does not exist.
pub fn check_dirs(state: &Path, dir: &Path) -> io::Result<()> {
    let mut dirs: Vec<&Path> = dir
        .ancestors()
        .take_while(|d| d.starts_with(state))
        .collect();
    dirs.reverse();
    for d in dirs {
        let m = std::fs::symlink_metadata(d).map_err(|e| with_path(d, e))?;
        if !m.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "{} is not a directory",
                    crate::report::quote::escape(d.as_os_str())
                ),
            ));
        }
        if !owned(&m) {
            return Err(not_owned(d, &m));
        }
    }
    Ok(())
}

/// The content of the state file `path` of the directory `dir` under `state`, `None` when it
/// does not exist. Refused (InvalidData, a message that follows the path): a symlink, a file
/// that is not regular, and a file or directory (`state`, then each one down to `path`) that
/// is not this process's user's or that another may write.
pub fn read_own(state: &Path, path: &Path) -> io::Result<Option<Vec<u8>>> {
    match check_dirs(state, path.parent().unwrap_or(state)) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        r => r?,
    }
    let mut f = match regular::open(
        path,
        std::fs::OpenOptions::new().read(true).clone(),
        Purpose::Read,
    ) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(with_path(path, e)),
    };
    let meta = f.metadata().map_err(|e| with_path(path, e))?;
    if !owned(&meta) {
        return Err(not_owned(path, &meta));
    }
    let mut bytes = Vec::new();
    f.read_to_end(&mut bytes).map_err(|e| with_path(path, e))?;
    Ok(Some(bytes))
}

/// `e` with the path it is about in front of its message (`PATH is ...`).
fn with_path(path: &Path, e: io::Error) -> io::Error {
    let shown = crate::report::quote::escape(path.as_os_str());
    let text = match e.raw_os_error() {
        // The system's refusal: `PATH: reason`.
        Some(_) => format!("{shown}: {}", crate::sys::exec::io_reason(&e)),
        // Ours (`sys::regular`'s): `PATH is ...`.
        None => format!("{shown} {e}"),
    };
    io::Error::new(e.kind(), text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn written_whole_read_back_and_refused_when_others_may_write() {
        let d = tempfile::tempdir().unwrap();
        let state = d.path().join("state");
        let rec = state.join("rec").join("z");
        assert_eq!(read_own(&state, &rec).unwrap(), None);
        write_whole(&state, "rec", &rec, b"42\n").unwrap();
        assert_eq!(
            read_own(&state, &rec).unwrap().as_deref(),
            Some(&b"42\n"[..])
        );
        // No temporary is left behind.
        assert_eq!(std::fs::read_dir(tmp_dir(&state)).unwrap().count(), 0);
        let mode = |p: &Path, m: u32| {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap()
        };
        mode(&rec, 0o666);
        let e = read_own(&state, &rec).unwrap_err().to_string();
        assert!(
            e.contains("may be written by another user") && e.contains("chmod go-w"),
            "{e}"
        );
        mode(&rec, 0o644);
        // Group 0 may write (a umask of 002 leaves that); any other user may not.
        mode(&state.join("rec"), 0o775);
        assert!(read_own(&state, &rec).is_ok());
        mode(&state.join("rec"), 0o777);
        let e = read_own(&state, &rec).unwrap_err().to_string();
        assert!(e.contains("rec may be written by another user"), "{e}");
        assert!(write_whole(&state, "rec", &rec, b"1\n").is_err());
    }

    #[test]
    fn a_symlinked_record_is_refused() {
        let d = tempfile::tempdir().unwrap();
        let state = d.path().to_path_buf();
        std::fs::create_dir(state.join("rec")).unwrap();
        std::fs::write(state.join("elsewhere"), b"1\n").unwrap();
        std::os::unix::fs::symlink(state.join("elsewhere"), state.join("rec").join("z")).unwrap();
        let e = read_own(&state, &state.join("rec").join("z")).unwrap_err();
        assert!(e.to_string().contains("symbolic link"), "{e}");
    }

    #[test]
    fn only_old_temporaries_nobody_holds_are_removed() {
        let d = tempfile::tempdir().unwrap();
        let p = |n: &str| d.path().join(n);
        let old = std::time::SystemTime::now() - UNLOCKED_AGE * 2;
        for n in ["rec.1", "rec.2", "rec.3", "claim.4"] {
            let f = std::fs::File::create(p(n)).unwrap();
            if n != "rec.3" {
                f.set_modified(old).unwrap();
            }
        }
        // rec.2's writer is at work: it holds its lock.
        let held = Flock::lock(
            std::fs::File::open(p("rec.2")).unwrap(),
            FlockArg::LockExclusiveNonblock,
        )
        .unwrap();
        remove_dead_temporaries(d.path(), "rec");
        assert!(
            !p("rec.1").exists(),
            "an old temporary nobody holds is removed"
        );
        assert!(p("rec.2").exists(), "a held temporary is kept");
        assert!(p("rec.3").exists(), "a new temporary is kept");
        assert!(p("claim.4").exists(), "another prefix is kept");
        drop(held);
    }
}
