//! Opening a regular file safely, for reading a configuration or guest file or for writing a
//! guest's file. Side-effecting: open(2) and fstat(2), nothing else.
//!
//! The one rule for such files: opened with O_NOFOLLOW (a symlink is refused, never followed),
//! O_NONBLOCK (a FIFO cannot block the open) and O_NOCTTY (a terminal never becomes ours), then
//! checked with fstat: only a regular file is handed back, never a FIFO, socket or device.
//! Refusals are `io::ErrorKind::InvalidData` with a message that starts with "is ...", to follow
//! the path in the caller's message.

use std::fs::{File, FileType, OpenOptions};
use std::io;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

/// What the file is opened for; it decides the wording of a refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Reading a configuration or guest file.
    Read,
    /// Writing a guest's file.
    Write,
}

/// "a directory", "a FIFO", "a device", "a socket" for those file types; `None` for a regular
/// file or a symlink.
pub fn special_kind(t: FileType) -> Option<&'static str> {
    if t.is_dir() {
        Some("a directory")
    } else if t.is_fifo() {
        Some("a FIFO")
    } else if t.is_char_device() || t.is_block_device() {
        Some("a device")
    } else if t.is_socket() {
        Some("a socket")
    } else {
        None
    }
}

/// Opens `path` with `options` (read or write, append, create: the caller's), adding the flags
/// of the rule above, and hands back the file only when it is a regular file. Errors: the
/// system's (NotFound, PermissionDenied, ...) as it gives them; a symlink or another file type
/// as InvalidData, worded for `purpose`.
pub fn open(path: &Path, mut options: OpenOptions, purpose: Purpose) -> io::Result<File> {
    let refused = |m: String| io::Error::new(io::ErrorKind::InvalidData, m);
    let f = options
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(|e| match (e.raw_os_error(), purpose) {
            (Some(libc::ELOOP), Purpose::Read) => refused(
                "is a symbolic link; only regular files are read (replace it with the file)".into(),
            ),
            (Some(libc::ELOOP), Purpose::Write) => {
                refused("is a symbolic link; refused (replace it with a regular file)".into())
            }
            _ => e,
        })?;
    let t = f.metadata()?.file_type();
    if t.is_file() {
        return Ok(f);
    }
    Err(refused(match purpose {
        Purpose::Read => format!(
            "is {}; only regular files are read",
            special_kind(t).unwrap_or("not a regular file")
        ),
        Purpose::Write => "is not a regular file; refused".into(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_open_for_either_purpose() {
        let dir = tempfile::tempdir().unwrap();
        let p = |n: &str| dir.path().join(n);
        std::fs::write(p("ok"), b"1\n").unwrap();
        std::os::unix::fs::symlink(p("ok"), p("link")).unwrap();
        nix::unistd::mkfifo(&p("fifo"), nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
        let read = || {
            let mut o = OpenOptions::new();
            o.read(true);
            o
        };
        let write = || {
            let mut o = OpenOptions::new();
            o.write(true).append(true);
            o
        };
        assert!(open(&p("ok"), read(), Purpose::Read).is_ok());
        assert!(open(&p("ok"), write(), Purpose::Write).is_ok());
        let table = [
            (
                "link",
                Purpose::Read,
                "is a symbolic link; only regular files are read (replace it with the file)",
            ),
            (
                "fifo",
                Purpose::Read,
                "is a FIFO; only regular files are read",
            ),
            (
                "",
                Purpose::Read,
                "is a directory; only regular files are read",
            ),
            (
                "link",
                Purpose::Write,
                "is a symbolic link; refused (replace it with a regular file)",
            ),
            (
                "/dev/null",
                Purpose::Write,
                "is not a regular file; refused",
            ),
        ];
        for (name, purpose, want) in table {
            let options = if purpose == Purpose::Read {
                read()
            } else {
                write()
            };
            let e = open(&p(name), options, purpose).unwrap_err();
            assert_eq!(
                (e.kind(), e.to_string()),
                (io::ErrorKind::InvalidData, want.to_string()),
                "{name:?}"
            );
        }
        // A FIFO with no reader cannot be opened for writing at all (O_NONBLOCK): ENXIO.
        let fifo = open(&p("fifo"), write(), Purpose::Write).unwrap_err();
        assert_eq!(fifo.raw_os_error(), Some(libc::ENXIO));
        let gone = open(&p("none"), read(), Purpose::Read).unwrap_err();
        assert_eq!(gone.kind(), io::ErrorKind::NotFound);
    }
}
