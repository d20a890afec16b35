//! Races, as root on real namespaces: hundreds of parallel shared-net calls
//! (`vspace --enter T --net -- program`) while other namespaces are added and deleted with the
//! real `ip netns`, and T itself is deleted (and, in one variant, made again) midway. Every
//! program must have run in T (a T) or been refused with a clear message; none may run in the
//! host's netns. And many `vspace-netns up` (and `down`) of one zone at once: each ends with 0
//! or a clear error, and the zone is afterwards wholly up (one namespace mount, every link once,
//! configured) or wholly down, never half.
//!
//! Once T's entry is gone, `--enter T --net` is a context for the real vspace and is handed on.
//! The stand-in used here is a real vspace that knows no contexts: it records the call and
//! exits 255 without running anything (a real vspace fails the same way on an unknown context),
//! so a program that ran anywhere must have been started by the wrapper after setns.
//! Everything is bounded: a fixed number of calls on a fixed number of threads, each call
//! killed (and the test failed) if it hangs; every namespace made here is deleted on drop.

use crate::common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crate::common::zone::{HostVeth, TestZone, text};
use crate::common::*;

/// Calls in one storm, and how many run at once.
const CALLS: usize = 400;
const WORKERS: usize = 24;

/// The stand-in real vspace: records `<netns> <args>` and refuses, running nothing.
const REFUSER: &str = r#"#!/bin/sh
printf '%s %s\n' "$(readlink /proc/self/ns/net)" "$*" >> "$VSPACE_REFUSER_LOG"
echo "vspace: refusing stand-in: no context '$2'" >&2
exit 255
"#;

/// How one call ended.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    /// Exit 0 and the program recorded this netns.
    Ran(String),
    /// Handed on to the real vspace, which refused.
    HandedOn,
    /// The wrapper refused: the entry was caught half-deleted.
    Refused,
}

struct Call {
    after_delete: bool,
    outcome: Outcome,
}

fn classify(shown: &str, out: &Output, record: &Path, target: &str) -> Outcome {
    let err = String::from_utf8_lossy(&out.stderr);
    let ran = std::fs::read_to_string(record).ok();
    match (out.status.code(), ran) {
        (Some(0), Some(ns)) if err.is_empty() => Outcome::Ran(ns.trim().to_owned()),
        (Some(255), None)
            if err == format!("vspace: refusing stand-in: no context '{target}'\n") =>
        {
            Outcome::HandedOn
        }
        (Some(255), None)
            if err.starts_with(&format!(
                "vspace: cannot enter network namespace '{target}': "
            )) =>
        {
            Outcome::Refused
        }
        (_, ran) => panic!(
            "a call ended neither in {target} nor refused (program recorded {ran:?})\n{shown}"
        ),
    }
}

/// Adds and deletes other namespaces until told to stop (at least `min_rounds` rounds).
fn churn(stop: &AtomicBool, rounds: &AtomicUsize) {
    let mut keep = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        keep.push(Netns::new("hc"));
        if keep.len() > 3 {
            keep.remove(0);
        }
        rounds.fetch_add(1, Ordering::Relaxed);
    }
}

/// Waits (bounded) until `flag` is set; gives up quietly once `stop` says the storm failed.
fn wait_for(flag: &AtomicBool, stop: &AtomicBool) {
    let deadline = std::time::Instant::now() + hang_limit();
    while !flag.load(Ordering::SeqCst) && !stop.load(Ordering::Relaxed) {
        assert!(
            std::time::Instant::now() < deadline,
            "T was not deleted within {:?}",
            hang_limit()
        );
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

/// Runs the storm; with `recreate`, T is made again under the same name right after it is
/// deleted. Returns every call's outcome and the ids T had.
fn storm(recreate: bool) -> (Vec<Call>, Vec<String>) {
    require_root();
    let target = Netns::new("ht");
    let mut ids = vec![target.id()];
    let names = Names::new();
    let work = tempfile::tempdir().unwrap();
    let refuser = work.path().join("vspace.distrib");
    write_program(&refuser, REFUSER.as_bytes(), 0o755);
    let log = work.path().join("handed-on");
    let record = |i: usize| -> PathBuf { work.path().join(format!("ran-{i}")) };

    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let deleted = AtomicBool::new(false);
    // Set once T is gone (or, with `recreate`, made again): the last quarter of the calls
    // waits for it, so both sides of the race are always reached, whatever the load.
    let settled = AtomicBool::new(false);
    let stop = AtomicBool::new(false);
    let rounds = AtomicUsize::new(0);
    let calls: Mutex<BTreeMap<usize, Call>> = Mutex::new(BTreeMap::new());

    std::thread::scope(|s| {
        s.spawn(|| churn(&stop, &rounds));
        s.spawn(|| {
            while done.load(Ordering::Relaxed) < CALLS / 2 {
                if stop.load(Ordering::Relaxed) {
                    return;
                }
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            run_ok(Command::new("ip").args(["netns", "delete", &target.name]));
            deleted.store(true, Ordering::SeqCst);
            if recreate {
                // Same name, new namespace; `target` deletes it on drop.
                run_ok(Command::new("ip").args(["netns", "add", &target.name]));
            }
            settled.store(true, Ordering::SeqCst);
        });
        let workers: Vec<_> = (0..WORKERS)
            .map(|_| {
                s.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= CALLS {
                            break;
                        }
                        if i >= CALLS * 3 / 4 {
                            wait_for(&settled, &stop);
                        }
                        let after_delete = deleted.load(Ordering::SeqCst);
                        let mut cmd = Command::new(names.get("vspace"));
                        cmd.env("VSPACE_NETNS_REAL_VSPACE", &refuser)
                            .env("VSPACE_REFUSER_LOG", &log)
                            .env_remove("NETNS_RUN_DIR")
                            .args(["--enter", &target.name, "--net", "--"])
                            .args(["/bin/sh", "-c", "readlink /proc/self/ns/net > \"$0\""])
                            .arg(record(i));
                        let out = run_bounded(&mut cmd);
                        assert_no_panic(&cmd, &out);
                        let outcome = classify(&show(&cmd, &out), &out, &record(i), &target.name);
                        calls.lock().unwrap().insert(
                            i,
                            Call {
                                after_delete,
                                outcome,
                            },
                        );
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                })
            })
            .collect();
        for w in workers {
            if let Err(panic) = w.join() {
                stop.store(true, Ordering::Relaxed);
                std::panic::resume_unwind(panic);
            }
        }
        stop.store(true, Ordering::Relaxed);
    });

    assert!(
        rounds.load(Ordering::Relaxed) > 0,
        "no namespace was added or deleted alongside the calls"
    );
    assert!(deleted.load(Ordering::SeqCst), "T was never deleted");
    if recreate {
        ids.push(target.id());
    }
    let calls: Vec<Call> = calls.into_inner().unwrap().into_values().collect();
    assert_eq!(calls.len(), CALLS);

    // What reached the real vspace came untouched, from the host's netns (nothing entered).
    let handed = calls
        .iter()
        .filter(|c| c.outcome == Outcome::HandedOn)
        .count();
    let lines = std::fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(lines.lines().count(), handed, "{lines}");
    let want = format!(
        "{} --enter {} --net -- /bin/sh -c readlink",
        own_netns(),
        target.name
    );
    for line in lines.lines() {
        assert!(line.starts_with(&want), "{line:?} is not {want:?}...");
    }
    (calls, ids)
}

/// Every program ran in one of `ids` or not at all; a call that started after T's deletion
/// without a new T was handed on; both ends of the race were reached.
fn check(calls: &[Call], ids: &[String], recreated: bool) {
    let host = own_netns();
    let mut tally: BTreeMap<&Outcome, usize> = BTreeMap::new();
    for (i, c) in calls.iter().enumerate() {
        if let Outcome::Ran(ns) = &c.outcome {
            assert_ne!(*ns, host, "call {i} ran in the host's netns");
            assert!(ids.contains(ns), "call {i} ran in {ns}, not in T ({ids:?})");
        }
        if c.after_delete && !recreated {
            assert_eq!(
                c.outcome,
                Outcome::HandedOn,
                "call {i} started after T was gone"
            );
        }
        *tally.entry(&c.outcome).or_default() += 1;
    }
    let ran_in_first = calls
        .iter()
        .filter(|c| c.outcome == Outcome::Ran(ids[0].clone()))
        .count();
    assert!(ran_in_first >= CALLS / 2, "{tally:?}");
    assert!(
        calls.iter().filter(|c| c.after_delete).count() >= CALLS / 4,
        "too few calls started after T was deleted: {tally:?}"
    );
    if !recreated {
        assert!(tally.contains_key(&Outcome::HandedOn), "{tally:?}");
    }
}

#[test]
fn parallel_calls_while_the_target_is_deleted_never_run_in_the_host() {
    let (calls, ids) = storm(false);
    check(&calls, &ids, false);
}

#[test]
fn parallel_calls_while_the_target_is_deleted_and_made_again_run_in_one_of_them() {
    let (calls, ids) = storm(true);
    check(&calls, &ids, true);
    assert_eq!(ids.len(), 2);
    assert!(
        calls
            .iter()
            .any(|c| c.outcome == Outcome::Ran(ids[1].clone())),
        "no call reached the new T"
    );
}

// ---- the zone lifecycle under contention ----

/// Processes started together per zone race.
const RACERS: usize = 12;

/// A zone with a macvlan on `parent` and a veth pair (host end `peer`), both addressed.
struct RaceZone {
    zone: TestZone,
    macvlan: String,
    veth: String,
    peer: String,
}

impl RaceZone {
    fn new(parent: &HostVeth) -> RaceZone {
        let mut zone = TestZone::new("zr");
        let (macvlan, veth, peer) = (unique("zrm"), unique("zrv"), unique("zrp"));
        zone.write("id", &format!("{}\n", common::zone::unique_id()));
        zone.link(
            &macvlan,
            &[
                ("type", "macvlan\n"),
                ("link", &format!("{}\n", parent.a)),
                ("address", "10.78.1.2/24\n"),
            ],
        );
        zone.link(
            &veth,
            &[
                ("type", "veth\n"),
                ("peer", &format!("{peer}\n")),
                ("address", "10.78.2.2/24\n"),
            ],
        );
        RaceZone {
            zone,
            macvlan,
            veth,
            peer,
        }
    }

    /// Runs each of `ops` (`up` or `down`) as its own process, all started at once; each
    /// must end with 0 or with status 1 and a `vspace-netns: ` message. Returns the outputs.
    fn race(&self, ops: &[&str]) -> Vec<(String, Output)> {
        let start = std::sync::Barrier::new(ops.len());
        std::thread::scope(|s| {
            let runs: Vec<_> = ops
                .iter()
                .map(|op| {
                    let start = &start;
                    s.spawn(move || {
                        let mut cmd = self.zone.cmd(&[op, &self.zone.name]);
                        start.wait();
                        let out = run_bounded(&mut cmd);
                        assert_no_panic(&cmd, &out);
                        let ok = out.status.success()
                            || (out.status.code() == Some(1)
                                && text(&out.stderr).starts_with("vspace-netns: "));
                        assert!(ok, "neither done nor a clear error\n{}", show(&cmd, &out));
                        (op.to_string(), out)
                    })
                })
                .collect();
            runs.into_iter().map(|r| r.join().unwrap()).collect()
        })
    }

    /// How many mounts sit on the zone's entry (a second one would be a lost race in add).
    fn entry_mounts(&self) -> usize {
        let entry = self.zone.entry();
        std::fs::read_to_string("/proc/self/mountinfo")
            .unwrap()
            .lines()
            .filter(|l| l.split(' ').nth(4) == Some(entry.to_str().unwrap()))
            .count()
    }

    /// Whether the zone is wholly up; fails the test when it is neither wholly up nor wholly
    /// down.
    fn is_up(&self) -> bool {
        let (m, v, p) = (&self.macvlan, &self.veth, &self.peer);
        if !self.zone.entry().exists() {
            assert!(
                !host_has_link(m) && !host_has_link(v) && !host_has_link(p),
                "no namespace, but links are left on the host"
            );
            assert_eq!(self.entry_mounts(), 0);
            return false;
        }
        assert_eq!(
            self.entry_mounts(),
            1,
            "the namespace entry is mounted more than once"
        );
        let links = self.zone.ip_in(&["-o", "link", "show"]);
        let addrs = self.zone.ip_in(&["-o", "addr", "show"]);
        for (dev, cidr) in [(m, "10.78.1.2/24"), (v, "10.78.2.2/24")] {
            let lines: Vec<_> = links
                .lines()
                .filter(|l| l.contains(&format!(" {dev}@")))
                .collect();
            assert_eq!(lines.len(), 1, "{dev} inside, not once:\n{links}");
            assert!(lines[0].contains(",UP"), "{dev} is not up: {}", lines[0]);
            assert!(
                addrs
                    .lines()
                    .any(|l| l.contains(&format!(" {dev} ")) && l.contains(cidr)),
                "{dev} lacks {cidr}:\n{addrs}"
            );
            assert!(!host_has_link(dev), "{dev} is still on the host");
        }
        assert!(links.contains("lo: <LOOPBACK,UP"), "{links}");
        assert!(host_has_link(p), "the veth's host end {p} is missing");
        true
    }
}

#[test]
fn parallel_ups_of_one_zone_make_it_once() {
    let parent = HostVeth::new();
    let z = RaceZone::new(&parent);
    let outs = z.race(&["up"; RACERS]);
    let nothing = format!(
        "# nothing to do: zone {} is up as configured\n",
        z.zone.name
    );
    for (_, out) in &outs {
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let workers = outs
        .iter()
        .filter(|(_, o)| text(&o.stdout) != nothing)
        .count();
    assert_eq!(workers, 1, "not exactly one up did the work");
    assert!(z.is_up());
    run_ok(&mut z.zone.cmd(&["down", &z.zone.name]));
    assert!(!z.is_up());
}

#[test]
fn ups_and_downs_of_one_zone_at_once_never_leave_half_a_zone() {
    let parent = HostVeth::new();
    let z = RaceZone::new(&parent);
    for round in 0..3 {
        let ops: Vec<&str> = (0..RACERS)
            .map(|i| if (i + round) % 2 == 0 { "up" } else { "down" })
            .collect();
        z.race(&ops);
        z.is_up();
    }
    run_ok(&mut z.zone.cmd(&["up", &z.zone.name]));
    assert!(z.is_up());
    run_ok(&mut z.zone.cmd(&["down", &z.zone.name]));
    assert!(!z.is_up());
}
