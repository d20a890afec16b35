//! The recorded vspace invocations (`compat/vspace/*.calls`) through the pure planner, with the
//! run-dir fact each case names for `db` (every other name missing). No root needed.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use crate::common::compat::{Case, Decision, Entry, NAME, cases};
use vspace_netns::netns::{Entry as Fact, Unusable};
use vspace_netns::vspace::args::{NET, Operation, Parsed, parse};
use vspace_netns::vspace::plan::{Plan, Then, plan};

const RUN_DIR: &str = "/run/netns";

fn fact(entry: Entry, path: &Path) -> Fact {
    if path != Path::new(RUN_DIR).join(OsStr::from_bytes(NAME)) {
        return Fact::Missing;
    }
    match entry {
        Entry::Netns => Fact::Netns(()),
        Entry::Missing => Fact::Missing,
        Entry::Stale => Fact::Unusable(Unusable::Stale),
        Entry::Symlink => Fact::Unusable(Unusable::Symlink),
        Entry::Link => Fact::Netns(()),
        Entry::Ipc => Fact::Unusable(Unusable::OtherType { what: "an ipc" }),
    }
}

/// The rewritten call must be the same vspace call less net: same operation and xid, the same
/// program words, and a mask that is the old one without net and not empty.
fn check_rewrite(argv: &[OsString], rewritten: &[OsString]) -> Result<(), String> {
    let full: Vec<OsString> = std::iter::once(argv[0].clone())
        .chain(rewritten.iter().cloned())
        .collect();
    let (Parsed::Args(old), Parsed::Args(new)) = (parse(argv), parse(&full)) else {
        return Err("a call that does not parse".into());
    };
    let xid = |a: &vspace_netns::vspace::args::Args| match a.operation() {
        Operation::Enter(x) => Some(x.to_owned()),
        _ => None,
    };
    if xid(&old).is_none() || xid(&old) != xid(&new) || old.index != new.index {
        return Err(format!("operation changed: {old:?} -> {new:?}"));
    }
    if new.mask != old.mask & !NET || new.mask == 0 {
        return Err(format!("mask {:#x} -> {:#x}", old.mask, new.mask));
    }
    if argv[old.program..] != full[new.program..] {
        return Err("the program words changed".into());
    }
    Ok(())
}

fn check(case: &Case) -> Result<(), String> {
    let argv = case.argv();
    let db = Path::new(RUN_DIR).join(OsStr::from_bytes(NAME));
    let got = plan(&argv, Ok(Path::new(RUN_DIR)), |p| fact(case.entry, p));
    match (&case.decision, &got) {
        (
            Decision::InterceptExec(want),
            Plan::Enter {
                path,
                then: Then::Program { program },
                ..
            },
        ) if *path == db && argv[*program..] == want[..] => Ok(()),
        (
            Decision::InterceptVspace(want),
            Plan::Enter {
                path,
                then: Then::RealVspace { args },
                ..
            },
        ) if *path == db && args == want => check_rewrite(&argv, args),
        (Decision::Pass, Plan::PassThrough { why, .. }) if !why.is_empty() => Ok(()),
        (Decision::Refuse, Plan::Refuse { message, hints, .. }) => {
            let cleanup = hints.iter().any(|h| h.contains("namespace-cleanup-skip"));
            match case.entry {
                _ if message.is_empty() => Err("an empty message".into()),
                Entry::Stale if !cleanup => Err("no namespace-cleanup-skip hint".into()),
                _ => Ok(()),
            }
        }
        _ => Err("another decision".into()),
    }
    .map_err(|why| {
        format!(
            "{}: {why}\n  argv: {argv:?}\n  want: {:?}\n  got:  {got:?}",
            case.label, case.decision
        )
    })
}

#[test]
fn every_recorded_call_gets_its_decision() {
    let cases = cases();
    let failures: Vec<String> = cases.iter().filter_map(|c| check(c).err()).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_data_covers_every_decision_and_entry() {
    let cases = cases();
    let decisions = ["intercept-exec", "intercept-vspace", "pass", "refuse"];
    for (i, d) in decisions.iter().enumerate() {
        let n = cases
            .iter()
            .filter(|c| {
                i == match c.decision {
                    Decision::InterceptExec(_) => 0,
                    Decision::InterceptVspace(_) => 1,
                    Decision::Pass => 2,
                    Decision::Refuse => 3,
                }
            })
            .count();
        assert!(n >= 3, "only {n} {d} cases");
    }
    for e in [
        Entry::Netns,
        Entry::Missing,
        Entry::Stale,
        Entry::Symlink,
        Entry::Link,
        Entry::Ipc,
    ] {
        assert!(cases.iter().any(|c| c.entry == e), "no case with {e:?}");
    }
    let bytes = |c: &Case| {
        c.args
            .iter()
            .any(|a| std::str::from_utf8(a.as_bytes()).is_err())
    };
    assert!(cases.iter().any(bytes), "no non-UTF-8 case");
}
