//! A zone's `sysctl` file (sysctl.conf syntax, keys under `net.` only) and the two forms of a
//! key (dotted, `/proc/sys` path). Pure.

use std::path::{Path, PathBuf};

use super::{ConfigError, cerr, content_lines};

const SYSCTL_FIX: &str = "write one 'net.KEY = VALUE' a line (sysctl.conf syntax; only keys under net., which are per network namespace)";

/// Parses `sysctl` (sysctl.conf syntax, as sysctl.d(5) reads keys). Only keys under `net.` are
/// per network namespace; anything else is refused. Either `/` or `.` separates the key's
/// parts: when the first separator is `/`, every later `.` is literal (`net/ipv4/conf/e0.2/
/// forwarding`); when it is `.`, a `/` stands for a literal `.` (`net.ipv4.conf.e0/2.
/// forwarding`). Keys are kept in the dotted form (see [`sysctl_path`]). A key written `-KEY`
/// is optional: where the kernel has no such key it is skipped, not an error (the third
/// value). Whether a key exists is for the kernel to say (the shell checks before changing
/// anything).
pub fn parse_sysctls(path: &Path, bytes: &[u8]) -> Result<Vec<Sysctl>, ConfigError> {
    let mut out: Vec<Sysctl> = Vec::new();
    for (n, line) in content_lines(path, bytes, SYSCTL_FIX)? {
        let bad = |what: String| cerr(path, format!("line {n} '{line}': {what}"), SYSCTL_FIX);
        let (k, v) = line.split_once('=').ok_or_else(|| bad("no '='".into()))?;
        let k = k.trim();
        let (optional, k) = match k.strip_prefix('-') {
            Some(rest) => (true, rest.trim_start()),
            None => (false, k),
        };
        let key = dotted_key(k);
        let value = v.split_whitespace().collect::<Vec<_>>().join(" ");
        let parts: Vec<&str> = key.split('.').collect();
        if parts.first() != Some(&"net")
            || parts.len() < 2
            || parts
                .iter()
                .any(|p| p.is_empty() || *p == "/" || *p == "//")
        {
            return Err(bad(format!(
                "key '{key}' is not under net. (only those are per network namespace)"
            )));
        }
        if !key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-/".contains(&b))
        {
            return Err(bad(format!(
                "key '{key}' has characters a sysctl key has not"
            )));
        }
        if value.is_empty() || value.bytes().any(|b| b < 0x20 || b == 0x7f || b == b'\'') {
            return Err(bad(
                "the value is empty or holds a control character or quote".into(),
            ));
        }
        if out.iter().any(|s| s.key == key) {
            return Err(bad(format!("key '{key}' is set twice")));
        }
        out.push(Sysctl {
            key,
            value,
            optional,
        });
    }
    Ok(out)
}

/// One line of a zone's `sysctl` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sysctl {
    /// The key in dotted form: `.` separates, `/` is a literal `.` (sysctl(8) shows it so).
    pub key: String,
    pub value: String,
    /// Written `-KEY`: skipped where the kernel has no such key.
    pub optional: bool,
}

/// A key as written (either form, see [`parse_sysctls`]) in the dotted form: a key whose first
/// separator is `/` has its `/` and `.` swapped.
pub fn dotted_key(k: &str) -> String {
    match k.find(['.', '/']) {
        Some(i) if k.as_bytes()[i] == b'/' => swap_separators(k),
        _ => k.to_string(),
    }
}

fn swap_separators(k: &str) -> String {
    k.chars()
        .map(|c| match c {
            '.' => '/',
            '/' => '.',
            c => c,
        })
        .collect()
}

/// The parts of a dotted key as they are named under `/proc/sys` (`net.ipv4.conf.e0/2.x` ->
/// `net`, `ipv4`, `conf`, `e0.2`, `x`).
pub fn sysctl_parts(key: &str) -> Vec<String> {
    key.split('.').map(|p| p.replace('/', ".")).collect()
}

/// The path of a sysctl key (dotted form) under `/proc/sys` (`net.ipv4.ip_forward` ->
/// `net/ipv4/ip_forward`, `net.ipv4.conf.e0/2.forwarding` -> `net/ipv4/conf/e0.2/forwarding`).
pub fn sysctl_path(key: &str) -> PathBuf {
    Path::new("/proc/sys").join(swap_separators(key))
}
