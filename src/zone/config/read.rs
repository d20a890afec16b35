//! Reading a zone's files from disk: every file regular, at most [`MAX_FILE`] bytes, never
//! followed through a symlink, never waited on (a FIFO), never cut. Side-effecting (reads
//! only); validation is the parsers' (`parse_zone`).

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::io;
use std::path::Path;

use crate::report::quote::escape;

use super::{ConfigError, RawZone, Zone, cerr, parse_zone};

/// Largest file we read: configuration files hold a value or a few lines, guests' files a few
/// lines; a larger one is refused, never cut.
pub const MAX_FILE: u64 = 64 * 1024;

/// Reads a regular file of at most [`MAX_FILE`] bytes, safely: opened with O_NOFOLLOW (a
/// symlink is refused) and O_NONBLOCK (a FIFO cannot block the open), then checked with fstat
/// (only a regular file is read: never a FIFO, socket or device) and read whole or refused.
/// Errors: NotFound as the system says it; a symlink, another file type or a file over the
/// limit as InvalidData with a message naming what it is.
pub fn read_regular(path: &Path) -> io::Result<Vec<u8>> {
    use crate::sys::regular::{self, Purpose};
    use std::io::Read;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    let mut f = regular::open(path, options, Purpose::Read)?;
    let meta = f.metadata()?;
    let too_big = || {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "is larger than {MAX_FILE} bytes, the limit for these files; it is refused, not cut"
            ),
        )
    };
    if meta.len() > MAX_FILE {
        return Err(too_big());
    }
    let mut buf = Vec::new();
    (&mut f).take(MAX_FILE + 1).read_to_end(&mut buf)?;
    if buf.len() as u64 > MAX_FILE {
        return Err(too_big());
    }
    Ok(buf)
}

pub(super) fn read_small(path: &Path) -> io::Result<Vec<u8>> {
    read_regular(path)
}

fn read_dir_entries(dir: &Path) -> Result<BTreeMap<OsString, Option<Vec<u8>>>, ConfigError> {
    // A refusal of what the file is (a symlink, a FIFO, too large) names its own fix ("only
    // regular files are read"); any other error (EMFILE, ENOMEM, EIO) is said with its errno.
    // Neither gets a hint of its own.
    let io_err = |p: &Path, e: io::Error| cerr(p, crate::sys::exec::io_reason(&e), "");
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir).map_err(|e| io_err(dir, e))? {
        let entry = entry.map_err(|e| io_err(dir, e))?;
        let path = entry.path();
        let is_dir = std::fs::symlink_metadata(&path)
            .map_err(|e| io_err(&path, e))?
            .is_dir();
        let content = if is_dir {
            None
        } else {
            Some(read_small(&path).map_err(|e| io_err(&path, e))?)
        };
        out.insert(entry.file_name(), content);
    }
    Ok(out)
}

/// Reads `<confdir>/<netns>/` into a [`RawZone`] (no validation beyond what reading needs).
pub fn read_raw(confdir: &Path, netns: &OsStr) -> Result<RawZone, ConfigError> {
    let dir = confdir.join(netns);
    if std::fs::symlink_metadata(&dir).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(cerr(
            &dir,
            "is a symbolic link",
            "make the zone a directory of its own under the zones root (a link could lead anywhere, past the rule the root is held to)",
        ));
    }
    if !dir.is_dir() {
        return Err(cerr(
            &dir,
            "no such zone directory",
            format!(
                "create it (mkdir -p {}; an empty directory is a zone with only lo)",
                escape(dir.as_os_str())
            ),
        ));
    }
    let top = read_dir_entries(&dir)?;
    let mut links = BTreeMap::new();
    if let Some(None) = top.get(OsStr::new("links")) {
        for (ifname, content) in read_dir_entries(&dir.join("links"))? {
            let ldir = dir.join("links").join(&ifname);
            if content.is_some() {
                return Err(cerr(
                    &ldir,
                    "is a file",
                    "every entry of links/ is a directory named after the interface",
                ));
            }
            links.insert(ifname, read_dir_entries(&ldir)?);
        }
    }
    Ok(RawZone { dir, top, links })
}

/// Reads and validates one zone.
pub fn read_zone(confdir: &Path, netns: &OsStr) -> Result<Zone, ConfigError> {
    parse_zone(netns, &read_raw(confdir, netns)?)
}

/// Reads a file that may be missing.
pub fn read_optional(path: &Path) -> io::Result<Option<Vec<u8>>> {
    match read_small(path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}
