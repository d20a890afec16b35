//! The recorded vspace invocations (`compat/vspace/*.calls`) as root through the real binary,
//! installed as `vspace`, with the compiled stand-in as the real vspace and real namespaces:
//! a unique netns name replaces `db`, and a recording probe replaces each call's program.

use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;

use crate::common::compat::{Case, Decision, Entry, cases, substitute};
use crate::common::*;
use vspace_netns::vspace::args::{Parsed, parse};

struct World {
    ns: Netns,
    names: Names,
    probe: Probe,
}

/// The case's argv with the names and the program replaced; the old and new program words.
fn rewrite(world: &World, case: &Case, name: &str) -> (Vec<OsString>, Vec<OsString>) {
    let argv: Vec<OsString> = case.argv().iter().map(|w| substitute(w, name)).collect();
    match parse(&argv) {
        Parsed::Args(a) if a.program < argv.len() => {
            let tail = argv[a.program..].to_vec();
            let mut new = argv[..a.program].to_vec();
            new.extend(world.probe.argv(&tail));
            (new, tail)
        }
        _ => (argv, Vec::new()),
    }
}

fn replay(world: &World, case: &Case) -> Result<(), String> {
    let dir = Path::new("/run/netns");
    let name = match case.entry {
        Entry::Netns => world.ns.name.clone(),
        _ => unique("cr"),
    };
    let path = dir.join(&name);
    let _entry = match case.entry {
        Entry::Netns | Entry::Missing => None,
        Entry::Stale => Some(RunDirEntry::stale(&path)),
        Entry::Symlink => Some(RunDirEntry::symlink(
            &path,
            Path::new("/nonexistent/vspace-netns/target"),
        )),
        Entry::Link => Some(RunDirEntry::symlink(&path, &world.ns.path())),
        Entry::Ipc => Some(RunDirEntry::other_namespace(&path, "ipc")),
    };
    let (argv, tail) = rewrite(world, case, &name);
    let vspace = world.names.get("vspace");
    let log = CallLog::new();
    let host = own_netns();

    // What the real vspace (the stand-in) does with this argv when called directly.
    let direct_log = CallLog::new();
    let mut direct = Command::new(standin());
    direct
        .arg0(&vspace)
        .args(&argv[1..])
        .env("VSPACE_STANDIN_LOG", direct_log.path());
    let direct_out = run(&mut direct);
    let direct_ran = world.probe.take();

    let mut cmd = vspace_cmd(&world.names, &log);
    cmd.args(&argv[1..]);
    let out = run(&mut cmd);
    let ran = world.probe.take();
    let calls = log.calls();
    let seen = |argv: Vec<OsString>, netns: &str| {
        let mut full = vec![vspace.clone().into_os_string()];
        full.extend(argv);
        vec![Call {
            netns: netns.to_owned(),
            argv: full,
        }]
    };
    let ns_id = world.ns.id();
    let verdict = match &case.decision {
        Decision::InterceptExec(_) if out.status.code() != Some(0) => Err("status".to_owned()),
        Decision::InterceptExec(_) if !calls.is_empty() => Err("the real vspace ran".into()),
        Decision::InterceptExec(_) if ran != Some((ns_id.clone(), tail.clone())) => {
            Err(format!("the program ran as {ran:?}, not in {ns_id}"))
        }
        Decision::InterceptVspace(want) => {
            let want: Vec<OsString> = want.iter().map(|w| substitute(w, &name)).collect();
            // The program words end the line; the probe stands in for them.
            let opts = want.len().saturating_sub(tail.len());
            if want[opts..] != tail[..] {
                return Err(format!(
                    "{}: the vspace line does not end with the program",
                    case.label
                ));
            }
            let mut want = want[..opts].to_vec();
            want.extend(world.probe.argv(&tail));
            if out.status.code() != Some(0) {
                Err("status".into())
            } else if calls != seen(want, &ns_id) {
                Err(format!("the real vspace saw {calls:?}"))
            } else if ran != Some((ns_id.clone(), tail.clone())) {
                Err(format!("the program ran as {ran:?}, not in {ns_id}"))
            } else {
                Ok(())
            }
        }
        Decision::Pass => {
            if calls != seen(argv[1..].to_vec(), &host) {
                Err(format!("the real vspace saw {calls:?}"))
            } else if (out.status, &out.stdout, &out.stderr)
                != (direct_out.status, &direct_out.stdout, &direct_out.stderr)
            {
                Err(format!(
                    "the direct call differs: {}",
                    show(&direct, &direct_out)
                ))
            } else if ran != direct_ran {
                Err(format!(
                    "the program ran as {ran:?}, directly as {direct_ran:?}"
                ))
            } else {
                Ok(())
            }
        }
        Decision::Refuse => {
            let stderr = String::from_utf8_lossy(&out.stderr);
            if out.status.code() != Some(255) {
                Err("status".into())
            } else if !calls.is_empty() || ran.is_some() {
                Err(format!("something ran: {calls:?} {ran:?}"))
            } else if stderr.is_empty() {
                Err("no message".into())
            } else if case.entry == Entry::Stale && !stderr.contains("namespace-cleanup-skip") {
                Err("no namespace-cleanup-skip hint".into())
            } else {
                Ok(())
            }
        }
        Decision::InterceptExec(_) => Ok(()),
    };
    verdict.map_err(|why| format!("{}: {why}\n{}", case.label, show(&cmd, &out)))
}

#[test]
fn every_recorded_call_does_what_the_data_says() {
    require_root();
    let world = World {
        ns: Netns::new("cr"),
        names: Names::new(),
        probe: Probe::new(),
    };
    let cases = cases();
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|c| replay(&world, c).err())
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}
