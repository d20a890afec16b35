//! Zone configuration, in util-vserver's style (one value per file). Validation is pure
//! (`parse_zone`, `parse_routes`, `parse_sysctls`); the readers (`read_zone`, ...) are thin
//! file I/O around it, every file read by [`read_regular`] (util-vserver's layer reads the
//! guests' files with it too: `vserver::guest`).
//!
//! A zone is `$VSPACE_NETNS_CONFDIR/<netns>/` (default `/etc/vspace-netns/<netns>/`):
//! `id` (0-65535, used in derived MACs), `routes` (`ip route` lines), `sysctl` (sysctl.conf
//! lines, `net.` keys only) and `links/<ifname>/` with `type` (one of [`KINDS`]), the kind's
//! own files (`link`, `vlan`, `mode`, `peer`) and the common ones: `mac` (explicit address),
//! `mtu`, `address` (CIDRs, one per line) and `index` (0-255, the last MAC byte). Unknown
//! files are errors (a typo must not be silently ignored). Every error names the file and the
//! fix.
//!
//! Invariants of a parsed [`Zone`]: names are valid interface names, links are in byte order of
//! their names, every MAC in the zone (veth host ends included) is distinct, every route's
//! gateway is on one of the zone's subnets (or link-local with `dev`), every sysctl key is
//! under `net.`. Files are regular and at most [`MAX_FILE`] bytes: never followed through a
//! symlink, never waited on (a FIFO), never cut.

mod cidr;
mod files;
pub mod kind;
mod link;
mod read;
mod route;
mod sysctl;
#[cfg(test)]
mod tests;

pub use cidr::Cidr;
pub use files::{LinkFiles, check_ifname};
pub use kind::{KINDS, Kind, KindSpec, LinkKind};
pub use link::Link;
use link::parse_links;
pub use read::{MAX_FILE, read_optional, read_raw, read_regular, read_zone};
pub use route::{MAIN_TABLE, Route, parse_routes};
pub use sysctl::{Sysctl, dotted_key, parse_sysctls, sysctl_parts, sysctl_path};

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::report::quote::escape;
use crate::zone::mac::{self};

/// A configuration problem: the file, what is wrong, and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub path: PathBuf,
    pub problem: String,
    pub fix: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", escape(self.path.as_os_str()), self.problem)?;
        // No fix for a failure that is not the file's (EMFILE, EIO): nothing to correct there.
        if self.fix.is_empty() {
            Ok(())
        } else {
            write!(f, "; {}", self.fix)
        }
    }
}

impl std::error::Error for ConfigError {}

fn cerr(path: &Path, problem: impl Into<String>, fix: impl Into<String>) -> ConfigError {
    ConfigError {
        path: path.to_owned(),
        problem: problem.into(),
        fix: fix.into(),
    }
}

/// A parsed, validated zone.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Zone {
    pub netns: String,
    pub links: Vec<Link>,
    /// `routes`, in file order.
    pub routes: Vec<Route>,
    /// `sysctl`: (key, value) in file order, keys under `net.`, values with blanks collapsed.
    pub sysctls: Vec<Sysctl>,
}

/// A zone directory as read from disk, before validation: file name -> bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawZone {
    pub dir: PathBuf,
    /// Top-level entries; a directory is recorded as `None`.
    pub top: BTreeMap<OsString, Option<Vec<u8>>>,
    /// `links/<ifname>/<file>`; a subdirectory inside a link is recorded as `None`.
    pub links: BTreeMap<OsString, BTreeMap<OsString, Option<Vec<u8>>>>,
}

/// The longest zone name: its mark, `vspace-netns:NAME` on `lo` and the zone's links, is an
/// interface alias (IFLA_IFALIAS), which the kernel takes up to 254 bytes long.
pub const MAX_ZONE_NAME: usize = 241;

/// A zone name: a valid netns name that is also UTF-8 (it is printed in `ip` command lines),
/// at most [`MAX_ZONE_NAME`] bytes.
pub fn check_zone_name(name: &OsStr) -> Result<&str, String> {
    crate::netns::check_name(name).map_err(|e| format!("'{}': {e}", escape(name)))?;
    let s = name.to_str().ok_or_else(|| {
        format!(
            "'{}' is not valid UTF-8; zone names must be text",
            escape(name)
        )
    })?;
    if s.bytes()
        .any(|b| b.is_ascii_whitespace() || crate::netns::shread::is_control(b) || b == b'\\')
    {
        return Err(format!(
            "'{}' contains a blank, a backslash or a control character (bytes below 0x20, and DEL 0x7f); util-vserver's read would mangle it",
            escape(name)
        ));
    }
    if s.len() > MAX_ZONE_NAME {
        return Err(format!(
            "'{}' is {} bytes long: a zone name is at most {MAX_ZONE_NAME} bytes, so that the zone's mark (the interface alias 'vspace-netns:NAME') fits the kernel's limit; choose a shorter name",
            escape(name),
            s.len()
        ));
    }
    // vspace(8) reads these as something else than a name: `:NAME` is NAME, a number is a
    // context id, `self` the caller's context (util-vserver's vspace.c, --enter).
    if s.starts_with(':') || s == "self" || s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "'{}' is read by vspace as {}, not as this name; choose a name that starts with a letter",
            escape(name),
            if s.starts_with(':') {
                "the name after the colon"
            } else if s == "self" {
                "the caller's own context"
            } else {
                "a context id"
            }
        ));
    }
    Ok(s)
}

/// The single value of a one-value file: the first line, blanks trimmed (as util-vserver's
/// `read` does); empty or several non-blank lines are errors.
fn single(path: &Path, bytes: &[u8], fix: &str) -> Result<String, ConfigError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| cerr(path, "is not valid UTF-8", fix.to_string()))?;
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines
        .next()
        .ok_or_else(|| cerr(path, "is empty", fix.to_string()))?;
    if lines.next().is_some() {
        return Err(cerr(
            path,
            "holds more than one value",
            format!("keep one line ({fix})"),
        ));
    }
    Ok(first.to_string())
}

fn number(path: &Path, bytes: &[u8], what: &str, min: u32, max: u32) -> Result<u32, ConfigError> {
    let fix = format!("write {what} as a decimal number in {min}-{max}");
    let v = single(path, bytes, &fix)?;
    match mac::parse_number(what, &v, max) {
        Ok(n) if n >= min => Ok(n),
        _ => Err(cerr(path, format!("'{v}' is not a valid {what}"), fix)),
    }
}

/// Validates a raw zone. `netns` is the zone's (directory) name.
pub fn parse_zone(netns: &OsStr, raw: &RawZone) -> Result<Zone, ConfigError> {
    let name = check_zone_name(netns).map_err(|e| {
        cerr(
            &raw.dir,
            format!("bad zone name {e}"),
            "rename the directory to a plain namespace name",
        )
    })?;
    let top = parse_top(raw)?;
    let links = parse_links(raw, top.id)?;
    let routes = match top.routes {
        Some((path, bytes)) => parse_routes(&path, bytes, &links)?,
        None => Vec::new(),
    };
    let sysctls = match top.sysctl {
        Some((path, bytes)) => parse_sysctls(&path, bytes)?,
        None => Vec::new(),
    };
    Ok(Zone {
        netns: name.to_string(),
        links,
        routes,
        sysctls,
    })
}

/// The zone directory's own files: `id` read, `routes` and `sysctl` kept for after the links.
struct Top<'a> {
    id: Option<u16>,
    routes: Option<(PathBuf, &'a [u8])>,
    sysctl: Option<(PathBuf, &'a [u8])>,
}

fn parse_top(raw: &RawZone) -> Result<Top<'_>, ConfigError> {
    let mut top = Top {
        id: None,
        routes: None,
        sysctl: None,
    };
    for (file, content) in &raw.top {
        let path = raw.dir.join(file);
        match (file.as_bytes(), content) {
            (b"id", Some(bytes)) => {
                top.id = Some(number(&path, bytes, "zone id", 0, u16::MAX as u32)? as u16)
            }
            (b"routes", Some(bytes)) => top.routes = Some((path, bytes)),
            (b"sysctl", Some(bytes)) => top.sysctl = Some((path, bytes)),
            (b"links", None) => {}
            (b"id" | b"routes" | b"sysctl", None) | (b"links", Some(_)) => {
                return Err(cerr(
                    &path,
                    if content.is_some() {
                        "is a file"
                    } else {
                        "is a directory"
                    },
                    "'id', 'routes' and 'sysctl' are files, 'links' a directory of links",
                ));
            }
            _ => {
                return Err(cerr(
                    &path,
                    "is not a zone setting",
                    "remove it; a zone directory holds only 'id', 'links/', 'routes' and 'sysctl'",
                ));
            }
        }
    }
    Ok(top)
}

/// The lines of a text file: UTF-8, `#` comments and blank lines dropped, numbered from 1.
fn content_lines<'a>(
    path: &Path,
    bytes: &'a [u8],
    fix: &str,
) -> Result<Vec<(usize, &'a str)>, ConfigError> {
    let text = std::str::from_utf8(bytes).map_err(|_| cerr(path, "is not valid UTF-8", fix))?;
    Ok(text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#') && !l.starts_with(';'))
        .collect())
}
