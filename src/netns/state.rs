//! Root's state files under the state dir (`Roots::state_dir`, `/run/vspace-netns`). Side-
//! effecting: each file is written whole (a temporary in `STATE/tmp`, apart from every name a
//! zone or guest may have, held locked until renamed into place; the temporaries of killed
//! writers, which nobody holds locked, removed by the next), and read as configuration files are read (no symlink followed, regular files
//! only: `sys::regular`) and only when this process's user wrote it: the file and its
//! directories owned by the effective user and writable by nobody else. A record another user
//! could have written or replaced is refused, never believed.

use std::io::{self, Read, Write};
use std::os::unix::fs::OpenOptionsExt;

use nix::fcntl::{Flock, FlockArg};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::sys::regular::{self, Purpose};

/// `STATE/tmp`: where state files are written before they are renamed into place.
pub fn tmp_dir(state: &Path) -> PathBuf {
    state.join("tmp")
}

/// Writes `bytes` to `dest` whole: a temporary `STATE/tmp/PREFIX.PID.NANOS`, renamed onto `dest`
/// (its directory made when missing). A reader sees the old file or the new one, never a part.
/// The temporary is held under flock(LOCK_EX) from its creation to its rename: that lock, not
/// its PID, tells a writer at work from a dead one ([`remove_dead_temporaries`]).
pub fn write_whole(state: &Path, prefix: &str, dest: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp_dir = tmp_dir(state);
    std::fs::create_dir_all(&tmp_dir)?;
    if let Some(parent) = dest.parent() {
        std::fs::create_dir_all(parent)?;
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
            .custom_flags(libc::O_NOFOLLOW)
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

/// Whether `meta` is this process's effective user's and writable by nobody else.
fn owned(meta: &std::fs::Metadata) -> bool {
    meta.uid() == nix::unistd::geteuid().as_raw() && meta.mode() & 0o022 == 0
}

/// The refusal of a state file or directory another user could have written.
fn not_owned(meta: &std::fs::Metadata) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "is not root's own (owner uid {}, mode {:o}): another user may have written it",
            meta.uid(),
            meta.mode() & 0o7777
        ),
    )
}

/// The content of the state file `path` of the directory `dir` under `state`, `None` when it
/// does not exist. Refused (InvalidData, a message that follows the path): a symlink, a file
/// that is not regular, and a file or directory (`state`, then each one down to `path`) that
/// is not this process's user's or that another may write.
pub fn read_own(state: &Path, path: &Path) -> io::Result<Option<Vec<u8>>> {
    let mut dirs: Vec<&Path> = path
        .ancestors()
        .skip(1)
        .take_while(|d| d.starts_with(state))
        .collect();
    dirs.reverse();
    for d in dirs {
        match std::fs::symlink_metadata(d) {
            Ok(m) if m.is_dir() && owned(&m) => {}
            Ok(m) if m.is_dir() => {
                return Err(with_path(d, not_owned(&m)));
            }
            Ok(_) => {
                return Err(with_path(
                    d,
                    io::Error::new(io::ErrorKind::InvalidData, "is not a directory"),
                ));
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(with_path(d, e)),
        }
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
        return Err(with_path(path, not_owned(&meta)));
    }
    let mut bytes = Vec::new();
    f.read_to_end(&mut bytes).map_err(|e| with_path(path, e))?;
    Ok(Some(bytes))
}

/// `e` with the path it is about in front of its message (`PATH is ...`).
fn with_path(path: &Path, e: io::Error) -> io::Error {
    let kind = e.kind();
    let text = match e.raw_os_error() {
        Some(_) => format!("cannot read it: {}", crate::sys::exec::io_reason(&e)),
        None => e.to_string(),
    };
    io::Error::new(
        kind,
        format!("{} {text}", crate::report::quote::escape(path.as_os_str())),
    )
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
        std::fs::set_permissions(&rec, std::fs::Permissions::from_mode(0o666)).unwrap();
        let e = read_own(&state, &rec).unwrap_err();
        assert!(e.to_string().contains("is not root's own"), "{e}");
        std::fs::set_permissions(&rec, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::fs::set_permissions(state.join("rec"), std::fs::Permissions::from_mode(0o777))
            .unwrap();
        let e = read_own(&state, &rec).unwrap_err();
        assert!(e.to_string().contains("rec is not root's own"), "{e}");
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
