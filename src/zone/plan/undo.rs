//! The inverse of a run: the steps that take back the steps a run completed (links made are
//! deleted, changes reverted, the namespace made deleted last, cleanup-skip edits cut back).
//! Pure.

use std::path::{Path, PathBuf};

use super::step::Step;

/// The steps that take back `done` (the steps a run completed, in order): links this run
/// made are deleted, changes to links that were there are reverted, and a namespace this run
/// made is deleted last (with everything inside it). A namespace-cleanup-skip file this run
/// created is removed, one it appended to is cut back to its length before.
pub fn undo(done: &[Step]) -> Vec<Step> {
    let made = Made::by(done);
    let mut out: Vec<Step> = Vec::new();
    let mut truncated: Vec<&Path> = Vec::new();
    for (i, step) in done.iter().enumerate() {
        let u = match step {
            // Deleted under the name it has now: its final one once renamed.
            Step::AddLink { ns, temp, .. } | Step::AddVlanIn { ns, temp, .. } => {
                Some(Step::DelLink {
                    ns: Some(ns.clone()),
                    dev: renamed(&done[i..], temp).unwrap_or(temp).to_string(),
                })
            }
            Step::AddNetns { ns } => Some(Step::DelNetns { ns: ns.clone() }),
            Step::AddGuestAddr { ns, addr } => Some(Step::DelGuestAddr {
                ns: ns.clone(),
                addr: addr.clone(),
            }),
            Step::WriteFile { file, .. } => Some(Step::RemoveSkip { file: file.clone() }),
            Step::CopySkip { to, .. } => Some(Step::RemoveSkip { file: to.clone() }),
            Step::AppendSkip { file, was, .. } => {
                undo_append(file, *was, &done[..i], &mut truncated)
            }
            other => restore(other, &made),
        };
        out.extend(u);
    }
    out.reverse();
    out
}

/// The name the link made as `temp` was renamed to by one of `after`.
fn renamed<'a>(after: &'a [Step], temp: &str) -> Option<&'a str> {
    after.iter().find_map(|s| match s {
        Step::Rename { dev, name, .. } if dev == temp => Some(name.as_str()),
        _ => None,
    })
}

/// What a run made (the namespace, links and their veth host ends): changes inside it go
/// with it (links made are deleted explicitly: a veth's host end then goes at once).
struct Made<'a> {
    ns: bool,
    links: Vec<&'a str>,
    peers: Vec<&'a str>,
}

impl<'a> Made<'a> {
    fn by(done: &'a [Step]) -> Made<'a> {
        let added = || {
            done.iter().filter_map(|s| match s {
                Step::AddLink { link, .. } => Some(link),
                _ => None,
            })
        };
        Made {
            ns: done.iter().any(|s| matches!(s, Step::AddNetns { .. })),
            links: done
                .iter()
                .filter_map(|s| match s {
                    Step::AddLink { link, temp, .. } => Some([link.name.as_str(), temp.as_str()]),
                    Step::AddVlanIn { temp, .. } => {
                        Some([temp.as_str(), renamed(done, temp).unwrap_or(temp)])
                    }
                    _ => None,
                })
                .flatten()
                .collect(),
            peers: added()
                .filter_map(|l| l.kind.peer().map(|(p, _)| p))
                .collect(),
        }
    }

    /// Whether `dev` in `ns` (None: the host) goes with what the run made.
    fn owns(&self, ns: &Option<String>, dev: &str) -> bool {
        self.links.contains(&dev) || self.peers.contains(&dev) || (self.ns && ns.is_some())
    }
}

/// An append to a cleanup-skip file is taken back by truncating to its length before (or
/// removing a file it created), once per file, and not at all for a copy this run made (the
/// copy's removal takes it back). `before`: the steps done before it.
fn undo_append<'a>(
    file: &'a PathBuf,
    was: Option<u64>,
    before: &[Step],
    truncated: &mut Vec<&'a Path>,
) -> Option<Step> {
    let copied = before
        .iter()
        .any(|s| matches!(s, Step::CopySkip { to, .. } if to == file));
    if copied || truncated.contains(&file.as_path()) {
        return None;
    }
    truncated.push(file);
    Some(match was {
        Some(len) => Step::TruncateSkip {
            file: file.clone(),
            len,
        },
        None => Step::RemoveSkip { file: file.clone() },
    })
}

/// The step that puts back what `step` changed on something the run did not make.
fn restore(step: &Step, made: &Made) -> Option<Step> {
    match step {
        Step::SetMac {
            ns,
            dev,
            was: Some(old),
            ..
        } if !made.owns(ns, dev) => Some(Step::SetMac {
            ns: ns.clone(),
            dev: dev.clone(),
            mac: *old,
            was: None,
        }),
        Step::SetMtu {
            ns,
            dev,
            was: Some(old),
            ..
        } if !made.owns(ns, dev) => Some(Step::SetMtu {
            ns: ns.clone(),
            dev: dev.clone(),
            mtu: *old,
            was: None,
        }),
        Step::AddAddr { ns, dev, cidr } if !made.owns(&Some(ns.clone()), dev) => {
            Some(Step::DelAddr {
                ns: ns.clone(),
                dev: dev.clone(),
                cidr: *cidr,
            })
        }
        Step::AddRoute { ns, route } if !made.ns => Some(Step::DelRoute {
            ns: ns.clone(),
            route: route.clone(),
        }),
        Step::SetSysctl {
            ns,
            key,
            was: Some(old),
            ..
        } if !made.ns => Some(Step::SetSysctl {
            ns: ns.clone(),
            key: key.clone(),
            value: old.clone(),
            was: None,
        }),
        Step::Up { ns, dev } if !made.owns(ns, dev) => Some(Step::Down {
            ns: ns.clone(),
            dev: dev.clone(),
        }),
        _ => None,
    }
}
