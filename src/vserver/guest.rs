//! The guest files that say which zone a guest joins (`spaces/net`, read as util-vserver's bash
//! `read` does) and the `namespace-cleanup-skip` lines a member needs. `net_space` and
//! `skip_edit` are pure; the readers are thin file I/O around them (every file read by
//! `zone::config::read_regular`: regular files only, never through a symlink).

use std::ffi::{OsStr, OsString};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::zone::config::read_regular as read_small;

/// What a guest's `spaces/net` means to util-vserver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetSpace {
    /// No file: the guest shares the host's network (no net space).
    Missing,
    /// Empty file: util-vserver gives the guest a private network namespace.
    Private,
    /// `0`: no network space of its own.
    NoNet,
    /// A namespace name. `newline: false` means util-vserver's `read` fails on the last line and
    /// the guest silently gets a *private* namespace instead.
    Shared { name: Vec<u8>, newline: bool },
}

impl NetSpace {
    /// The namespace this guest means to share, even when the newline is missing.
    pub fn intended(&self) -> Option<&[u8]> {
        match self {
            NetSpace::Shared { name, .. } => Some(name),
            _ => None,
        }
    }
}

/// Interprets the bytes of `spaces/net` (None: the file does not exist).
pub fn net_space(bytes: Option<&[u8]>) -> NetSpace {
    let Some(b) = bytes else {
        return NetSpace::Missing;
    };
    // As util-vserver reads it (`read` without -r): see `netns::shread`.
    let r = crate::netns::shread::read(b);
    let (newline, trimmed) = (r.complete, r.value.as_slice());
    if trimmed.is_empty() {
        NetSpace::Private
    } else if trimmed == b"0" {
        NetSpace::NoNet
    } else {
        NetSpace::Shared {
            name: trimmed.to_vec(),
            newline,
        }
    }
}

/// `<vservers>/<guest>/spaces/net`.
pub fn net_file(vservers: &Path, guest: &OsStr) -> PathBuf {
    vservers.join(guest).join("spaces").join("net")
}

/// Reads a guest's `spaces/net`.
pub fn read_guest_net(vservers: &Path, guest: &OsStr) -> io::Result<NetSpace> {
    match read_small(&net_file(vservers, guest)) {
        Ok(b) => Ok(net_space(Some(&b))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(NetSpace::Missing),
        Err(e) => Err(e),
    }
}

/// A guest that names a zone in its `spaces/net` (`newline`: the file ends its line).
pub use crate::zone::guests::Member;

/// The guests under `vservers`: its directories (not followed links), names starting with
/// `.` (`.defaults`, `.distributions`) left out, in name order. A missing root means none.
pub fn guests(vservers: &Path) -> io::Result<Vec<OsString>> {
    let mut names: Vec<OsString> = match std::fs::read_dir(vservers) {
        Ok(rd) => rd
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .map(|e| e.file_name())
            .filter(|n| !n.as_bytes().starts_with(b"."))
            .collect(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e),
    };
    names.sort();
    Ok(names)
}

/// The guests under `vservers` whose `spaces/net` names `netns`, in name order (see
/// [`guests`]).
pub fn members(vservers: &Path, netns: &str) -> io::Result<Vec<Member>> {
    let names = guests(vservers)?;
    let mut out = Vec::new();
    for guest in names {
        // A guest whose spaces/net cannot be read (a link, a FIFO, too large) is that guest's
        // problem, which its own hook and doctor report; it must not stop every zone. Its
        // start is spared all the same: every guest's cleanup-skip keeps /run/netns/*.
        let Ok(space) = read_guest_net(vservers, &guest) else {
            continue;
        };
        if let NetSpace::Shared { name, newline } = space {
            if name == netns.as_bytes() {
                out.push(Member { guest, newline });
            }
        }
    }
    Ok(out)
}

/// The `namespace-cleanup-skip` lines a member of `netns` needs: the run dir itself, its own
/// entry, and (glob-expanded by util-vserver at start) every other entry, so that the cleanup
/// of one guest's start unmounts no other guest's namespace on the host.
pub fn skip_lines(netns: &str) -> Vec<String> {
    vec![
        "/run/netns".to_string(),
        format!("/run/netns/{netns}"),
        "/run/netns/*".to_string(),
    ]
}

/// `<vservers>/<guest>/namespace-cleanup-skip` and `<vservers>/.defaults/namespace-cleanup-skip`.
pub fn skip_files(vservers: &Path, guest: &OsStr) -> (PathBuf, PathBuf) {
    (
        vservers.join(guest).join("namespace-cleanup-skip"),
        vservers.join(".defaults").join("namespace-cleanup-skip"),
    )
}

pub use crate::zone::plan::SkipEdit;

/// Decides the edit: the guest's own file when it exists, else what `.defaults` holds (the
/// guest's file will start as its copy); `None` when every needed line is already there.
pub fn skip_edit(
    own: Option<&[u8]>,
    defaults: Option<&[u8]>,
    needed: &[String],
) -> Option<SkipEdit> {
    let (base, copy_defaults) = match (own, defaults) {
        (Some(o), _) => (o, false),
        (None, Some(d)) => (d, true),
        (None, None) => (&b""[..], false),
    };
    let have: Vec<&[u8]> = base
        .split(|&b| b == b'\n')
        .map(<[u8]>::trim_ascii)
        .collect();
    let append: Vec<String> = needed
        .iter()
        .filter(|n| !have.contains(&n.as_bytes()))
        .cloned()
        .collect();
    if append.is_empty() {
        return None;
    }
    Some(SkipEdit {
        copy_defaults,
        newline_first: !base.is_empty() && !base.ends_with(b"\n"),
        append,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaces_net_is_read_as_util_vserver_reads_it() {
        let shared = |n: &[u8], nl| NetSpace::Shared {
            name: n.to_vec(),
            newline: nl,
        };
        let table: &[(Option<&[u8]>, NetSpace)] = &[
            (None, NetSpace::Missing),
            (Some(b""), NetSpace::Private),
            (Some(b"\n"), NetSpace::Private),
            (Some(b"0\n"), NetSpace::NoNet),
            (Some(b"z1\n"), shared(b"z1", true)),
            (Some(b"  z1 \t\nignored\n"), shared(b"z1", true)),
            (Some(b"z1"), shared(b"z1", false)),
            (Some(b"\xff\n"), shared(b"\xff", true)),
        ];
        for (bytes, want) in table {
            assert_eq!(&net_space(*bytes), want, "{bytes:?}");
        }
    }

    #[test]
    fn skip_edits_keep_lines_and_copy_defaults() {
        let need = skip_lines("z1");
        let all = b"/run/netns\n/run/netns/z1\n/run/netns/*\n";
        type Case<'a> = (Option<&'a [u8]>, Option<&'a [u8]>, Option<SkipEdit>);
        let table: &[Case] = &[
            (Some(all), None, None),
            // .defaults already keeps everything and the guest has no file of its own: fine.
            (None, Some(all), None),
            (
                Some(b"/proc\n/run/netns"),
                Some(b"/x\n"),
                Some(SkipEdit {
                    copy_defaults: false,
                    newline_first: true,
                    append: need[1..].to_vec(),
                }),
            ),
            (
                None,
                Some(b"/sys\n"),
                Some(SkipEdit {
                    copy_defaults: true,
                    newline_first: false,
                    append: need.clone(),
                }),
            ),
            (
                None,
                None,
                Some(SkipEdit {
                    copy_defaults: false,
                    newline_first: false,
                    append: need.clone(),
                }),
            ),
        ];
        for (own, defaults, want) in table {
            assert_eq!(
                &skip_edit(*own, *defaults, &need),
                want,
                "{own:?} {defaults:?}"
            );
        }
    }
}
