//! Which tool we are: chosen from argv[0]'s file name, like rustup's proxies. Pure.
//!
//! `vspace` owns every argument (it stands in for util-vserver's vspace); `vspace-netns` is
//! vspace when its first argument is an option other than the tool's own (`--help`, `-h`,
//! `--version`, `-V`), so `vspace-netns --enter db --net -- prog` works without a symlink, and
//! the admin tool otherwise. Every vspace call starts with an option (its operation: `--new`,
//! `--enter`, `--set`, ...), so a first word that is not an option is the tool's: a subcommand,
//! or a typo the tool refuses with a suggestion (`cli`) instead of handing it to the real vspace.

#![deny(unsafe_code)]

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;

/// The personality of one invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Personality {
    /// Stand in for util-vserver's `vspace`.
    Vspace,
    /// The admin tool's own subcommands (`explain`, `--help`, ...).
    Tool,
    /// `ip` (only `ip netns ...` is ours) or `ip-netns-shim` (everything is netns).
    Ip { shim: bool },
    /// A name we do not answer to: refuse rather than guess.
    Unknown(OsString),
}

/// The options that make `vspace-netns` the admin tool rather than vspace (any other first
/// word that starts with `-` is vspace's).
pub const TOOL_OPTIONS: &[&str] = &["--help", "-h", "--version", "-V"];

/// Picks the personality from argv[0] (its file name only) and, for `vspace-netns`, argv[1].
pub fn from_argv0(argv0: &OsStr, first: Option<&OsStr>) -> Personality {
    let base = argv0
        .as_bytes()
        .rsplit(|&b| b == b'/')
        .next()
        .unwrap_or_default();
    match base {
        b"vspace" => Personality::Vspace,
        b"ip" => Personality::Ip { shim: false },
        b"ip-netns-shim" => Personality::Ip { shim: true },
        b"vspace-netns" => match first {
            None => Personality::Tool,
            Some(word)
                if word.as_bytes().starts_with(b"-")
                    && !TOOL_OPTIONS.iter().any(|w| w.as_bytes() == word.as_bytes()) =>
            {
                Personality::Vspace
            }
            Some(_) => Personality::Tool,
        },
        _ => Personality::Unknown(OsStr::from_bytes(base).to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(b: &[u8]) -> &OsStr {
        OsStr::from_bytes(b)
    }

    type Case = (&'static [u8], Option<&'static [u8]>, Personality);

    #[test]
    fn names_pick_personalities() {
        let table: &[Case] = &[
            (b"vspace", None, Personality::Vspace),
            (b"/usr/sbin/vspace", Some(b"explain"), Personality::Vspace),
            (b"./vspace", Some(b"--help"), Personality::Vspace),
            (b"vspace-netns", None, Personality::Tool),
            (
                b"/usr/bin/vspace-netns",
                Some(b"explain"),
                Personality::Tool,
            ),
            (b"vspace-netns", Some(b"--version"), Personality::Tool),
            (b"vspace-netns", Some(b"--enter"), Personality::Vspace),
            (b"vspace-netns", Some(b"-e"), Personality::Vspace),
            (b"vspace-netns", Some(b"--new"), Personality::Vspace),
            (b"vspace-netns", Some(b"--"), Personality::Vspace),
            (b"vspace-netns", Some(b"-"), Personality::Vspace),
            (b"vspace-netns", Some(b"-\xff"), Personality::Vspace),
            // Not an option: the tool's (a subcommand, or a word it refuses).
            (b"vspace-netns", Some(b"status"), Personality::Tool),
            (b"vspace-netns", Some(b"stauts"), Personality::Tool),
            (b"vspace-netns", Some(b"\xff"), Personality::Tool),
            (b"vspace-netns", Some(b""), Personality::Tool),
            (b"ip", None, Personality::Ip { shim: false }),
            (b"/sbin/ip", Some(b"netns"), Personality::Ip { shim: false }),
            (b"ip-netns-shim", None, Personality::Ip { shim: true }),
            (
                b"vspace.distrib",
                None,
                Personality::Unknown("vspace.distrib".into()),
            ),
            (
                b"/x/\xfe",
                None,
                Personality::Unknown(os(b"\xfe").to_owned()),
            ),
            (b"", None, Personality::Unknown(OsString::new())),
            (b"dir/", None, Personality::Unknown(OsString::new())),
        ];
        for (argv0, first, want) in table {
            assert_eq!(
                &from_argv0(os(argv0), first.map(os)),
                want,
                "argv0 {:?} first {:?}",
                os(argv0),
                first.map(os)
            );
        }
    }
}
