//! Guests of one zone never tear each other's zone down, as root: a starting guest claims its
//! zone from initialize until post-start, another guest's post-stop (and `down`) respects the
//! claim and the processes in the namespace, and `vspace --enter ZONE --net` fails closed for
//! a configured zone that is down instead of handing ZONE to the real vspace as a context.
//! Every interleaving of two guests' starts and stops is run in a fixed order, then both
//! guests' hooks run in parallel for many rounds.

use std::process::{Child, Command};

use crate::common::zone::*;
use crate::common::*;

/// A zone with only `lo`, guests web and db in it.
fn zone(prefix: &str) -> TestZone {
    let z = TestZone::new(prefix);
    for g in ["web", "db"] {
        z.guest(g, format!("{}\n", z.name).as_bytes());
    }
    z
}

fn hook(z: &TestZone, phase: &str, guest: &str) -> String {
    text(&run_ok(&mut z.cmd(&["hook", phase, guest])).stdout)
}

/// The zone's namespace as `net:[ino]`, when its entry is live.
fn zone_ns(z: &TestZone) -> Option<String> {
    let live = run(Command::new("stat").args(["-f", "-c", "%T"]).arg(z.entry()));
    (text(&live.stdout).trim() == "nsfs").then(|| {
        let m = std::fs::metadata(z.entry()).unwrap();
        format!("net:[{}]", std::os::unix::fs::MetadataExt::ino(&m))
    })
}

/// The guest's program, started through util-vserver's call `vspace --enter ZONE --net --`;
/// returns it once it runs, with the namespace it runs in, or its failure.
fn enter(z: &TestZone, names: &Names) -> Result<(Child, String), String> {
    let mut c = Command::new(names.get("vspace"));
    c.args(["--enter", &z.name, "--net", "--", "sleep", "600"])
        .env("VSPACE_NETNS_REAL_VSPACE", standin())
        .env("VSPACE_NETNS_CONFDIR", z.conf())
        .stderr(std::process::Stdio::piped());
    let mut child = c.spawn().unwrap();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let out = child.wait_with_output().unwrap();
            return Err(format!("{status}: {}", text(&out.stderr)));
        }
        let exe = std::fs::read_link(format!("/proc/{}/exe", child.id())).unwrap_or_default();
        if exe.to_string_lossy().ends_with("sleep") {
            let ns = std::fs::read_link(format!("/proc/{}/ns/net", child.id())).unwrap();
            return Ok((child, ns.to_string_lossy().into_owned()));
        }
        std::thread::yield_now();
    }
}

fn stop(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    /// initialize and prepre-start.
    Init,
    /// The start chain reaches `vspace --enter ZONE --net`.
    Enter,
    PostStart,
    /// The guest's processes end, then its post-stop.
    Stop,
}

const EVENTS: [Event; 4] = [Event::Init, Event::Enter, Event::PostStart, Event::Stop];

/// Every way to merge two guests' event lists (C(8,4) = 70), as which guest moves each time.
fn interleavings() -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    for mask in 0u32..256 {
        if mask.count_ones() == 4 {
            out.push((0..8).map(|i| ((mask >> i) & 1) as usize).collect());
        }
    }
    out
}

#[test]
fn two_guests_started_and_stopped_in_every_order_never_lose_the_zone_while_one_runs() {
    let z = zone("zc");
    let names = Names::new();
    let guests = ["web", "db"];
    let orders = interleavings();
    assert_eq!(orders.len(), 70);
    for order in &orders {
        let mut next = [0usize; 2];
        let mut running: [Option<(Child, String)>; 2] = [None, None];
        for &g in order {
            let ev = EVENTS[next[g]];
            next[g] += 1;
            match ev {
                Event::Init => {
                    hook(&z, "initialize", guests[g]);
                    hook(&z, "prepre-start", guests[g]);
                }
                Event::Enter => {
                    let (child, ns) = enter(&z, &names).unwrap_or_else(|e| {
                        panic!("{order:?}: {} could not enter its zone: {e}", guests[g])
                    });
                    assert_eq!(Some(&ns), zone_ns(&z).as_ref(), "{order:?}");
                    assert_ne!(ns, own_netns(), "{order:?}: in the host's network");
                    running[g] = Some((child, ns));
                }
                Event::PostStart => {
                    hook(&z, "post-start", guests[g]);
                }
                Event::Stop => {
                    let (mut child, _) = running[g].take().unwrap();
                    stop(&mut child);
                    hook(&z, "post-stop", guests[g]);
                }
            }
            // The other guest, while it runs, still has its zone.
            for (child, ns) in running.iter().flatten() {
                assert_eq!(
                    std::fs::read_link(format!("/proc/{}/ns/net", child.id()))
                        .unwrap()
                        .to_string_lossy(),
                    *ns
                );
                assert_eq!(zone_ns(&z).as_ref(), Some(ns), "{order:?}: zone lost");
            }
        }
        // Both stopped: the last post-stop took the zone down.
        assert_eq!(zone_ns(&z), None, "{order:?}: zone left up");
        assert!(!z.entry().exists(), "{order:?}");
    }
    // No claim is left (the zone's directory of claims stays, empty).
    let claims = z.root.path().join("state/claims");
    let left: Vec<_> = std::fs::read_dir(&claims)
        .into_iter()
        .flatten()
        .flatten()
        .flat_map(|zone| {
            std::fs::read_dir(zone.path())
                .into_iter()
                .flatten()
                .flatten()
        })
        .map(|e| e.path())
        .collect();
    assert!(
        left.is_empty(),
        "claims left in {}: {left:?}",
        claims.display()
    );
}

#[test]
fn a_claim_keeps_the_zone_until_post_start_and_expires_with_its_start() {
    let z = zone("zk");
    let names = Names::new();
    let n = z.name.clone();
    // db's start brought the zone up and has not reached its guest yet; web's post-stop
    // finds no process in the zone, but db's claim.
    hook(&z, "initialize", "db");
    assert_eq!(
        hook(&z, "post-stop", "web"),
        format!("# zone {n} kept: the start of db claimed it and has not finished\n")
    );
    let out = run_status(&mut z.cmd(&["down", &n]), 3);
    assert!(
        err_text(&out).starts_with(&format!(
            "vspace-netns: down {n}: refused: the start of db claimed it and has not finished\n"
        )),
        "{}",
        err_text(&out)
    );
    assert!(z.entry().exists());
    let claim = z.root.path().join("state/claims").join(&n).join("db");
    let held = std::fs::read_to_string(&claim).unwrap();
    assert_eq!(
        held.split_whitespace().next().unwrap(),
        std::process::id().to_string(),
        "the claim names the start's process (the hook's parent)"
    );
    let (mut child, ns) = enter(&z, &names).unwrap();
    assert_eq!(Some(ns), zone_ns(&z));
    hook(&z, "post-start", "db");
    assert!(!claim.exists());
    stop(&mut child);

    // A start that ended without post-start (it failed half-way): its claim has expired.
    let bin = bin();
    let sh = z.cmd(&[]);
    let mut c = Command::new("sh");
    c.args(["-c", "\"$0\" hook initialize db"]).arg(&bin);
    copy_env(&sh, &mut c);
    run_ok(&mut c);
    assert!(claim.exists());
    let out = hook(&z, "post-stop", "web");
    assert_eq!(out, format!("ip netns delete {n}\n"));
    assert!(!z.entry().exists() && !claim.exists());

    // --force takes a claimed zone down.
    hook(&z, "initialize", "db");
    run_ok(&mut z.cmd(&["down", &n, "--force"]));
    assert!(!z.entry().exists());
}

#[test]
fn a_configured_zone_that_is_down_fails_closed() {
    let z = zone("zx");
    let names = Names::new();
    let log = CallLog::new();
    let n = z.name.clone();
    let mut c = vspace_cmd(&names, &log);
    c.args(["--enter", &n, "--net", "--", "true"])
        .env("VSPACE_NETNS_CONFDIR", z.conf());
    let out = run_status(&mut c, 255);
    assert_eq!(
        text(&out.stderr),
        format!(
            "vspace: cannot enter network namespace '{n}': '{n}' is a configured zone but /run/netns/{n} does not exist (the zone is down)\n\
             vspace: hint: bring it up: vspace-netns up {n} (util-vserver's hook does it at initialize and prepre-start)\n\
             vspace: hint: a zone's guest never starts outside its zone: the call is not handed to the real vspace, which would read the name as a context\n"
        )
    );
    assert!(log.calls().is_empty(), "the real vspace was called");
    // The hint's command, then the same call goes ahead in the zone.
    run_ok(&mut z.cmd(&["up", &n]));
    let (mut child, ns) = enter(&z, &names).unwrap();
    assert_eq!(Some(ns), zone_ns(&z));
    stop(&mut child);
    // A name that is no zone is still vspace's context name.
    let mut c = vspace_cmd(&names, &log);
    c.args(["--enter", &format!("{n}x"), "--net", "--", "true"])
        .env("VSPACE_NETNS_CONFDIR", z.conf());
    run_ok(&mut c);
    assert_eq!(log.calls().len(), 1);
    run_ok(&mut z.cmd(&["down", &n]));
}

#[test]
fn both_guests_hooks_in_parallel_for_many_rounds_never_start_a_guest_outside_its_zone() {
    let z = zone("zp");
    let names = Names::new();
    let host = own_netns();
    std::thread::scope(|s| {
        for g in ["web", "db"] {
            let (z, names, host) = (&z, &names, &host);
            s.spawn(move || {
                for round in 0..25 {
                    hook(z, "initialize", g);
                    hook(z, "prepre-start", g);
                    let (mut child, ns) =
                        enter(z, names).unwrap_or_else(|e| panic!("{g} round {round}: {e}"));
                    assert_ne!(&ns, host, "{g} round {round}: in the host's network");
                    hook(z, "post-start", g);
                    let now = std::fs::read_link(format!("/proc/{}/ns/net", child.id())).unwrap();
                    assert_eq!(now.to_string_lossy(), ns);
                    stop(&mut child);
                    hook(z, "post-stop", g);
                }
            });
        }
    });
    assert!(!z.entry().exists(), "the last post-stop left the zone up");
}

/// Issue: a hook killed between writing its claim's temporary (`STATE/tmp/claim.PID...`) and
/// renaming it into place left the temporary for good. The next claim removes the temporaries
/// no writer holds locked (a minute old or more), and only those: not one a writer at work
/// holds, whichever PID namespace it runs in (a PID alone cannot tell: /proc shows only this
/// PID namespace's processes).
#[test]
fn a_killed_claim_s_temporary_is_removed_by_the_next_claim() {
    let z = zone("zt");
    let tmp = z.root.path().join("state/tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(120);
    for name in ["claim.11.1", "claim.12.1", "claim.13.1", "other"] {
        let f = std::fs::File::create(tmp.join(name)).unwrap();
        if name != "claim.13.1" {
            f.set_modified(old).unwrap();
        }
    }
    // claim.12.1's writer is at work (in another PID namespace, say): it holds its lock.
    let held = nix::fcntl::Flock::lock(
        std::fs::File::open(tmp.join("claim.12.1")).unwrap(),
        nix::fcntl::FlockArg::LockExclusiveNonblock,
    )
    .unwrap();
    hook(&z, "initialize", "db");
    let left = tmp.join("claim.11.1").exists();
    let kept = ["claim.12.1", "claim.13.1", "other"].map(|n| tmp.join(n).exists());
    drop(held);
    hook(&z, "post-start", "db");
    run_ok(&mut z.cmd(&["down", &z.name]));
    assert!(!left, "the dead writer's temporary was left");
    assert_eq!(
        kept, [true; 3],
        "a held or new temporary, or another file, was removed"
    );
}
