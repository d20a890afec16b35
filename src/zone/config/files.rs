//! A link directory's files as the kinds' parsers read them ([`LinkFiles`]: one value a file,
//! numbers in range, interface names by the kernel's rule), and that rule
//! ([`check_ifname`]). Pure.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::report::quote::escape;

use super::{ConfigError, cerr, number, single};

/// The rule for interface names: the kernel's `dev_valid_name` (1-15 bytes, not `.` or `..`,
/// no `/`, `:` or whitespace) plus `%` (the kernel expands `name%d` into a free name, which
/// the rollback would not find) and `@` (`ip` shows `NAME@PEER`, so such a name reads back as
/// another), no control characters, and UTF-8 for messages and files.
pub fn check_ifname(name: &[u8]) -> Result<&str, String> {
    let s = std::str::from_utf8(name).map_err(|_| {
        format!(
            "'{}' is not valid UTF-8; use a plain name",
            escape(OsStr::from_bytes(name))
        )
    })?;
    if s.is_empty() || s.len() > 15 {
        return Err(format!(
            "'{}' must be 1-15 bytes long (IFNAMSIZ)",
            escape(OsStr::new(s))
        ));
    }
    if s == "." || s == ".." {
        return Err(format!("'{s}' is not an interface name"));
    }
    if s.bytes().any(|b| {
        matches!(b, b'/' | b':' | b'%' | b'@') || b.is_ascii_whitespace() || b < 0x20 || b == 0x7f
    }) {
        return Err(format!(
            "'{}' contains '/', ':', '%', '@', a blank or a control character (an interface name may not)",
            escape(OsStr::new(s))
        ));
    }
    Ok(s)
}

/// A link directory's files, checked against the kinds' tables, with what deriving a MAC needs.
pub struct LinkFiles {
    pub(super) dir: PathBuf,
    pub(super) files: BTreeMap<String, Vec<u8>>,
    pub(super) id: Option<u16>,
    pub(super) zone_dir: PathBuf,
    pub(super) position: usize,
}

impl LinkFiles {
    /// Whether the link directory has `file`.
    pub(in crate::zone::config) fn has(&self, file: &str) -> bool {
        self.files.contains_key(file)
    }

    pub(in crate::zone::config) fn path(&self, f: &str) -> PathBuf {
        self.dir.join(f)
    }

    /// The problem `problem` with this link's `file`, and its fix.
    pub(in crate::zone::config) fn err(
        &self,
        file: &str,
        problem: impl Into<String>,
        fix: impl Into<String>,
    ) -> ConfigError {
        cerr(&self.path(file), problem, fix)
    }

    /// The single value of `file`, or None when it is absent.
    pub(in crate::zone::config) fn value(
        &self,
        file: &str,
        fix: &str,
    ) -> Result<Option<String>, ConfigError> {
        self.files
            .get(file)
            .map(|b| single(&self.path(file), b, fix))
            .transpose()
    }

    /// The single value of a file the kind needs.
    pub(in crate::zone::config) fn need(
        &self,
        file: &str,
        kind: &str,
        fix: &str,
    ) -> Result<String, ConfigError> {
        self.value(file, fix)?.ok_or_else(|| {
            let a = if kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
                "an"
            } else {
                "a"
            };
            self.err(file, format!("is missing ({a} {kind} link needs it)"), fix)
        })
    }

    /// A file holding an interface name (a parent or a peer).
    pub(in crate::zone::config) fn ifname(
        &self,
        file: &str,
        kind: &str,
        fix: &str,
    ) -> Result<String, ConfigError> {
        let v = self.need(file, kind, fix)?;
        check_ifname(v.as_bytes()).map_err(|e| self.err(file, format!("bad name {e}"), fix))?;
        Ok(v)
    }

    pub(in crate::zone::config) fn number(
        &self,
        file: &str,
        what: &str,
        min: u32,
        max: u32,
    ) -> Result<Option<u32>, ConfigError> {
        self.files
            .get(file)
            .map(|b| number(&self.path(file), b, what, min, max))
            .transpose()
    }

    /// `index`, or twice the link's position in name order.
    pub(in crate::zone::config) fn index(&self) -> Result<u8, ConfigError> {
        match self.number("index", "link index", 0, 255)? {
            Some(i) => Ok(i as u8),
            None if self.position * 2 <= 254 => Ok((self.position * 2) as u8),
            None => Err(self.err(
                "index",
                "is missing and this link is past the 128th",
                "write an index 0-255 for it",
            )),
        }
    }

    pub(in crate::zone::config) fn zone_id(&self) -> Result<u16, ConfigError> {
        need_id(self.id, &self.zone_dir, &self.dir)
    }
}

fn need_id(id: Option<u16>, zone_dir: &Path, ldir: &Path) -> Result<u16, ConfigError> {
    id.ok_or_else(|| {
        cerr(
            &zone_dir.join("id"),
            format!(
                "is missing, and {} derives its MAC from it",
                escape(ldir.as_os_str())
            ),
            "write the zone's number (0-65535) into it, or give the link an explicit 'mac'",
        )
    })
}
