//! The vspace personality's decision: argv + facts -> [`Plan`]. Pure.
//!
//! Intercept only what util-vserver means by a shared netns: operation `--enter X`, net in the
//! final mask, no `--index` other than 0, and X (less a leading `:`) a valid name whose run-dir
//! entry exists. Then enter that namespace and exec the program directly (net was the only
//! space) or the real vspace with net cleared by an appended `--~net` (other spaces remain;
//! never an empty mask, which vspace reads as "every space"). An entry that exists but is not a
//! network namespace is refused: a guest that asked for a named network never runs in the
//! host's. Everything else goes to the real vspace untouched.
//!
//! The planner owns the whole decision. For a candidate it asks the shell once for the facts
//! about that one entry ([`Facts`]: the entry as opened here or, stale here, as PID 1 sees it;
//! a symlink's target; whether the name is a configured zone; PID 1's view of a stale entry)
//! and decides with them: a configured zone whose entry is missing fails closed instead of
//! reaching the real vspace (which would read the name as a context), and a stale entry's
//! hints say what is true given PID 1's view and whether the name is a zone. Nothing amends a
//! plan afterwards.
//!
//! The entry fact is generic (`H`) so the shell can carry the opened fd inside the plan and the
//! tests can use `()`.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::netns::host::{HostSays, stale_hints};
use crate::netns::{self, Entry, Unusable};
use crate::report::quote::escape;
use crate::vspace::args::{self, NET, Operation, Parsed};

/// What to do after entering the namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Then {
    /// Exec `argv[program..]` with execvp, as vspace would after entering.
    Program { program: usize },
    /// Exec the real vspace with these arguments (argv[1..] plus `--~net`).
    RealVspace { args: Vec<OsString> },
}

/// The decision for one vspace invocation.
#[derive(Debug)]
pub enum Plan<H> {
    /// Exec the real vspace with `args` (argv[1..]) byte for byte.
    PassThrough { why: String, args: Vec<OsString> },
    /// setns into `path`, then `then`.
    Enter {
        name: OsString,
        path: PathBuf,
        entry: H,
        then: Then,
    },
    /// Exit 255 with this message (after `vspace: ` when `prefixed`), and hints.
    Refuse {
        message: String,
        prefixed: bool,
        hints: Vec<String>,
    },
}

/// What the shell found about the one entry a candidate names, gathered in one call before the
/// planner decides anything about it.
#[derive(Debug)]
pub struct Facts<H> {
    /// The entry, opened and checked (as PID 1 sees it when it is stale here but live there).
    pub entry: Entry<H>,
    /// A symlinked entry's target, named in a refusal (None: not a link, or not looked at).
    pub link: Option<PathBuf>,
    /// Whether the name is a configured zone (a directory under the zones root); looked at
    /// only for an entry that is missing or stale.
    pub zone: bool,
    /// For an entry stale here: what PID 1's view says of it (None: not asked, and the
    /// entry's own hints are given).
    pub host: Option<HostSays>,
}

impl<H> Facts<H> {
    /// The entry alone: no link named, not a zone, PID 1's view not asked.
    pub fn entry(entry: Entry<H>) -> Facts<H> {
        Facts {
            entry,
            link: None,
            zone: false,
            host: None,
        }
    }
}

/// Why an argv is no intercept candidate, in words (the pass-through's `why`, which `explain`
/// prints): the planner's answer, not a failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotCandidate(pub String);

/// The namespace an argv asks to enter, if it is an intercept candidate; else why not.
pub fn candidate(argv: &[OsString]) -> Result<(OsString, args::Args), NotCandidate> {
    let args = match args::parse(argv) {
        Parsed::Args(a) => a,
        Parsed::Help => return Err(NotCandidate("--help: vspace's own usage".into())),
        Parsed::Version => return Err(NotCandidate("--version: vspace's own version".into())),
        Parsed::Error(e) => return Err(NotCandidate(format!("vspace will reject it: {e}"))),
    };
    let xid = match args.operation() {
        Operation::Enter(x) => x.to_owned(),
        Operation::None => return Err(NotCandidate("no operation: vspace will reject it".into())),
        Operation::Several => {
            return Err(NotCandidate(
                "several operations: vspace will reject it".into(),
            ));
        }
        Operation::New => return Err(NotCandidate("the operation is --new, not --enter".into())),
        Operation::Set => return Err(NotCandidate("the operation is --set, not --enter".into())),
    };
    if args.enter.len() > 1 {
        return Err(NotCandidate("--enter is given more than once".into()));
    }
    if args.mask & NET == 0 {
        return Err(NotCandidate("the net space is not in the mask".into()));
    }
    if let Some(i) = args.index.filter(|&i| i != 0) {
        return Err(NotCandidate(format!(
            "--index {i}: only index 0 is a network namespace we manage"
        )));
    }
    let name = match xid.as_bytes() {
        [b':', rest @ ..] => OsStr::from_bytes(rest).to_owned(),
        _ => xid,
    };
    if let Err(bad) = netns::check_name(&name) {
        return Err(NotCandidate(format!(
            "'{}' is not a netns name ({bad}): a context for vspace",
            escape(&name)
        )));
    }
    Ok((name, args))
}

/// The decision with the entry as the only fact. `run_dir` is the run dir or why it is
/// unusable; `probe` looks at one entry (only called for a candidate).
pub fn plan<H>(
    argv: &[OsString],
    run_dir: Result<&Path, &str>,
    probe: impl FnOnce(&Path) -> Entry<H>,
) -> Plan<H> {
    decide(argv, run_dir, |_, path| Facts::entry(probe(path)))
}

/// The whole decision. `run_dir` is the run dir or why it is unusable; `gather` gives the facts
/// about the candidate's entry (name, path), called once and only for a candidate.
pub fn decide<H>(
    argv: &[OsString],
    run_dir: Result<&Path, &str>,
    gather: impl FnOnce(&OsStr, &Path) -> Facts<H>,
) -> Plan<H> {
    let (name, args) = match candidate(argv) {
        Ok(c) => c,
        Err(NotCandidate(why)) => return pass_through(argv, why),
    };
    let dir = match run_dir {
        Ok(d) => d,
        Err(why) => {
            return Plan::Refuse {
                message: format!(
                    "cannot look up network namespace '{}': {why}",
                    escape(&name)
                ),
                prefixed: true,
                hints: Vec::new(),
            };
        }
    };
    let path = netns::entry_path(dir, &name);
    let facts = gather(&name, &path);
    let entry = match facts.entry {
        Entry::Missing if facts.zone => return missing_zone(&name, &path),
        Entry::Missing => {
            return pass_through(
                argv,
                format!(
                    "{} does not exist: '{}' is a context for vspace",
                    escape(path.as_os_str()),
                    escape(&name)
                ),
            );
        }
        Entry::Unusable(u) => {
            let hints = match (&u, facts.host) {
                (Unusable::Stale, Some(host)) => stale_hints(&name, facts.zone, host),
                _ => u.hints(&name),
            };
            return Plan::Refuse {
                message: format!(
                    "cannot enter network namespace '{}': {}",
                    escape(&name),
                    u.describe_via(&path, facts.link.as_deref())
                ),
                prefixed: true,
                hints,
            };
        }
        Entry::Netns(h) => h,
    };
    if args.program >= argv.len() {
        // vspace's own words and status for --enter without a program.
        return Plan::Refuse {
            message: "No command specified; try '--help' for more information".into(),
            prefixed: false,
            hints: Vec::new(),
        };
    }
    let then = if args.mask == NET {
        Then::Program {
            program: args.program,
        }
    } else {
        let mut rest: Vec<OsString> = argv[1..].to_vec();
        rest.insert(args.options_end - 1, OsString::from("--~net"));
        Then::RealVspace { args: rest }
    };
    Plan::Enter {
        name,
        path,
        entry,
        then,
    }
}

/// A configured zone whose entry is missing: refused, never handed to the real vspace.
fn missing_zone<H>(name: &OsStr, path: &Path) -> Plan<H> {
    let n = escape(name);
    Plan::Refuse {
        message: format!(
            "cannot enter network namespace '{n}': '{n}' is a configured zone but {} does not exist (the zone is down)",
            escape(path.as_os_str())
        ),
        prefixed: true,
        hints: vec![
            format!("bring it up: vspace-netns up {n} (util-vserver's hook does it at initialize and prepre-start)"),
            "a zone's guest never starts outside its zone: the call is not handed to the real vspace, which would read the name as a context".into(),
        ],
    }
}

/// Hands `argv[1..]` to the real vspace untouched.
fn pass_through<H>(argv: &[OsString], why: String) -> Plan<H> {
    Plan::PassThrough {
        why,
        args: argv.get(1..).unwrap_or_default().to_vec(),
    }
}

/// The arguments (after argv[0]) the real vspace gets under `plan` (every plan that is not
/// refused carries its exec target), or `None` when it is not run: a pass-through hands on
/// argv[1..] untouched, an intercept that keeps other spaces hands
/// on its `Then::RealVspace` args. The shell execs exactly these.
pub fn real_vspace_args<H>(plan: &Plan<H>) -> Option<&[OsString]> {
    match plan {
        Plan::PassThrough { args, .. } => Some(args),
        Plan::Enter {
            then: Then::RealVspace { args },
            ..
        } => Some(args),
        Plan::Enter { .. } | Plan::Refuse { .. } => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netns::Unusable;

    fn argv(words: &[&str]) -> Vec<OsString> {
        std::iter::once("vspace")
            .chain(words.iter().copied())
            .map(OsString::from)
            .collect()
    }

    fn decide(words: &[&str], fact: impl FnOnce() -> Entry<()>) -> Plan<()> {
        plan(&argv(words), Ok(Path::new("/run/netns")), |_| fact())
    }

    #[test]
    fn shared_net_is_entered_and_the_program_run_directly() {
        let p = decide(&["--enter", "db", "--net", "--", "/bin/prog", "-x"], || {
            Entry::Netns(())
        });
        match p {
            Plan::Enter {
                name, path, then, ..
            } => {
                assert_eq!(name, "db");
                assert_eq!(path, Path::new("/run/netns/db"));
                assert_eq!(then, Then::Program { program: 5 });
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn other_spaces_go_to_vspace_with_net_cleared() {
        let p = decide(&["-Ne", ":db", "--pid", "--", "prog"], || Entry::Netns(()));
        match p {
            Plan::Enter {
                name,
                then: Then::RealVspace { args },
                ..
            } => {
                assert_eq!(name, "db");
                assert_eq!(
                    args,
                    argv(&["-Ne", ":db", "--pid", "--~net", "--", "prog"])[1..]
                );
            }
            other => panic!("{other:?}"),
        }
        let p = decide(&["--enter", "db", "--default", "--net", "prog"], || {
            Entry::Netns(())
        });
        match p {
            Plan::Enter {
                then: Then::RealVspace { args },
                ..
            } => {
                assert_eq!(
                    args,
                    argv(&["--enter", "db", "--default", "--net", "--~net", "prog"])[1..]
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn everything_else_passes_through_without_a_probe() {
        for words in [
            &["--new", "--default", "--net", "--", "x"][..],
            &["--set", "--default", "--net", "--"],
            &["--enter", "db", "--pid", "--", "x"],
            &["--enter", "db", "--net", "--index", "1", "--", "x"],
            &["--enter", "/etc/vservers/web", "--net", "--", "x"],
            &["--enter", ":", "--net", "x"],
            &["--enter", "..", "--net", "x"],
            &["--enter", "db", "--enter", "db", "--net", "x"],
            &["--enter", "db", "--net", "--bogus", "x"],
            &["--enter", "db", "--net", "--mask", "junk", "x"],
            &["--enter", "db", "--new", "--net", "x"],
            &["--help"],
            &[],
        ] {
            let p = decide(words, || panic!("probed for {words:?}"));
            assert!(matches!(p, Plan::PassThrough { .. }), "{words:?}: {p:?}");
        }
        let p = decide(&["--enter", "db", "--net", "--", "x"], || Entry::Missing);
        assert!(matches!(p, Plan::PassThrough { .. }), "{p:?}");
    }

    #[test]
    fn unusable_entries_and_bad_run_dirs_fail_closed() {
        let p = decide(&["--enter", "db", "--net", "--", "x"], || {
            Entry::Unusable(Unusable::Stale)
        });
        match p {
            Plan::Refuse {
                message,
                prefixed: true,
                hints,
            } => {
                assert!(
                    message.contains("/run/netns/db") && message.contains("stale"),
                    "{message}"
                );
                assert!(
                    hints.iter().any(|h| h.contains("namespace-cleanup-skip")),
                    "{hints:?}"
                );
            }
            other => panic!("{other:?}"),
        }
        let p: Plan<()> = plan(
            &argv(&["--enter", "db", "--net", "x"]),
            Err("relative"),
            |_| panic!("probed"),
        );
        assert!(matches!(p, Plan::Refuse { .. }), "{p:?}");
        let p = decide(&["--enter", "db", "--net"], || Entry::Netns(()));
        match p {
            Plan::Refuse {
                message,
                prefixed: false,
                ..
            } => {
                assert_eq!(
                    message,
                    "No command specified; try '--help' for more information"
                )
            }
            other => panic!("{other:?}"),
        }
    }

    /// The decision with every fact: the planner alone says what a missing zone and a stale
    /// entry mean (no amending afterwards).
    #[test]
    fn zones_and_stale_entries_are_decided_by_the_planner() {
        let words = ["--enter", "db", "--net", "--", "x"];
        let with = |entry: Entry<()>, zone: bool, host: Option<HostSays>| {
            super::decide(&argv(&words), Ok(Path::new("/run/netns")), |name, path| {
                assert_eq!((name, path), (OsStr::new("db"), Path::new("/run/netns/db")));
                Facts {
                    entry,
                    link: None,
                    zone,
                    host,
                }
            })
        };
        match with(Entry::Missing, true, None) {
            Plan::Refuse { message, hints, .. } => {
                assert!(
                    message.contains("'db' is a configured zone but /run/netns/db does not exist"),
                    "{message}"
                );
                assert!(hints[0].contains("vspace-netns up db"), "{hints:?}");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            with(Entry::Missing, false, None),
            Plan::PassThrough { .. }
        ));
        for (zone, host, want) in [
            (true, HostSays::Dead, "recreate it: vspace-netns up db"),
            (
                false,
                HostSays::Dead,
                "recreate it: ip netns delete db; ip netns add db",
            ),
            (false, HostSays::Live, "not visible in this mount namespace"),
        ] {
            match with(Entry::Unusable(Unusable::Stale), zone, Some(host)) {
                Plan::Refuse { hints, .. } => {
                    assert!(
                        hints.iter().any(|h| h.contains(want)),
                        "{zone} {host:?}: {hints:?}"
                    );
                }
                other => panic!("{other:?}"),
            }
        }
        // No view asked: the entry's own hints.
        match with(Entry::Unusable(Unusable::Stale), false, None) {
            Plan::Refuse { hints, .. } => {
                assert_eq!(hints, Unusable::Stale.hints(OsStr::new("db")))
            }
            other => panic!("{other:?}"),
        }
        // Never probed when the argv is no candidate.
        let p: Plan<()> = super::decide(
            &argv(&["--enter", "db", "--", "x"]),
            Ok(Path::new("/r")),
            |_, _| panic!("gathered for a call that is no candidate"),
        );
        assert!(matches!(p, Plan::PassThrough { .. }));
    }
}
