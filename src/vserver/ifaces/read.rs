//! Reading a guest's `interfaces/` as util-vserver finds it (the glob, `test -e` flags,
//! values from regular files only, nothing outside the guest's configuration directory).
//! Side-effecting: reads files.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use super::{Entry, FLAGS, Files, OWN, Raw, SHARED, parse};
use crate::report::quote::escape;
use crate::vserver::guest;
use crate::zone::config;
/// Why a guest's `interfaces/` could not be read; its text names the file and the fix.
#[derive(Debug)]
pub enum ReadError {
    /// A file or directory the system refused to read.
    Io { path: PathBuf, err: io::Error },
    /// `dir` (resolving to `real`) leads out of the guest's configuration directory `guest_dir`.
    Outside {
        dir: PathBuf,
        real: PathBuf,
        guest_dir: PathBuf,
    },
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Io { path, err } => write!(
                f,
                "cannot read {}: {}",
                escape(path.as_os_str()),
                crate::sys::exec::io_reason(err)
            ),
            ReadError::Outside {
                dir,
                real,
                guest_dir,
            } => write!(
                f,
                "{} leads out of the guest's configuration directory (to {}): the hook reads and writes only inside {}; make it a directory there",
                escape(dir.as_os_str()),
                escape(real.as_os_str()),
                escape(guest_dir.as_os_str())
            ),
        }
    }
}

fn io(p: &Path, err: io::Error) -> ReadError {
    ReadError::Io {
        path: p.to_path_buf(),
        err,
    }
}

/// util-vserver's `test -e`: a flag present, a symlink followed (one that leads nowhere is
/// absent). Only whether it exists counts; nothing is read through it.
fn exists(p: &Path) -> bool {
    p.exists()
}

/// Refuses `dir` (the guest's `interfaces/` or one `interfaces/N`) when it resolves outside
/// the guest's configuration directory `guest_dir` (a symlink to elsewhere): the hook reads
/// the files under it and writes `nodev` there, and reaches nothing outside the guest's own.
fn inside(guest_dir: &Path, dir: &Path) -> Result<(), ReadError> {
    let (Ok(base), Ok(real)) = (guest_dir.canonicalize(), dir.canonicalize()) else {
        return Ok(()); // gone meanwhile: read as missing
    };
    if real.starts_with(&base) {
        return Ok(());
    }
    Err(ReadError::Outside {
        dir: dir.to_path_buf(),
        real,
        guest_dir: guest_dir.to_path_buf(),
    })
}

/// Reads one directory's files (`names` values, every flag).
fn files(dir: &Path, names: &[&str]) -> Result<Files, ReadError> {
    let mut f = Files::default();
    for n in names {
        let p = dir.join(n);
        match config::read_optional(&p) {
            Ok(Some(b)) => {
                f.values.insert(n.to_string(), b);
            }
            Ok(None) => {}
            Err(e) => return Err(io(&p, e)),
        }
    }
    for n in FLAGS {
        if exists(&dir.join(n)) {
            f.flags.insert(n.to_string());
        }
    }
    f.nodev = config::read_regular(&dir.join("nodev")).ok();
    Ok(f)
}

/// A guest's `interfaces/*` directories (util-vserver's glob: no dot names, in name order,
/// a link to a directory counts), read. None when it has no `interfaces/`.
pub fn read(vservers: &Path, guest: &OsStr) -> Result<Vec<Raw>, ReadError> {
    let guest_dir = vservers.join(guest);
    let top = guest_dir.join("interfaces");
    if !top.is_dir() {
        return Ok(Vec::new());
    }
    inside(&guest_dir, &top)?;
    let parent = files(&top, SHARED)?;
    let defaults_vlandev = exists(&vservers.join(".defaults/interfaces/vlandev"));
    let mut names: Vec<OsString> = std::fs::read_dir(&top)
        .map_err(|e| io(&top, e))?
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .filter(|n| !n.as_bytes().starts_with(b"."))
        .filter(|n| top.join(n).is_dir())
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|n| {
            let dir = top.join(&n);
            inside(&guest_dir, &dir)?;
            Ok(Raw {
                own: files(&dir, OWN)?,
                parent: parent.clone(),
                defaults_vlandev,
                dir,
            })
        })
        .collect()
}

/// [`read`] and [`parse`] of one guest.
pub fn entries(vservers: &Path, guest: &OsStr) -> Result<Vec<Entry>, ReadError> {
    Ok(read(vservers, guest)?.iter().map(parse).collect())
}

/// The other members of `zone` with their entries (unreadable ones left out: their own
/// doctor check says why).
pub fn others(vservers: &Path, zone: &str, guest: &OsStr) -> Vec<(OsString, Vec<Entry>)> {
    guest::members(vservers, zone)
        .unwrap_or_default()
        .into_iter()
        .filter(|m| m.guest != guest)
        .filter_map(|m| entries(vservers, &m.guest).ok().map(|e| (m.guest, e)))
        .collect()
}
