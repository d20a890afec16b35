//! `vspace-netns up --all` and `down --all` (boot and shutdown), as root: every configured
//! zone in name order, a failing zone reported and the rest still done, status 1 when any
//! failed; `down --all` keeps a zone in use unless `--force`.

use crate::common::zone::*;
use crate::common::*;

#[test]
fn up_all_and_down_all_do_every_zone_and_report_each_failure() {
    let z = TestZone::new("za");
    let (a, b, c) = (
        z.name.clone(),
        format!("{}b", z.name),
        format!("{}c", z.name),
    );
    let _extra = [b.clone(), c.clone()].map(|name| Netns { name });
    // b's configuration is broken; a and c are zones with only lo.
    write(&z.conf().join(&b).join("links/x0/type"), "bridge\n");
    std::fs::create_dir_all(z.conf().join(&c)).unwrap();
    let out = run_status(&mut z.cmd(&["up", "--all"]), 1);
    assert_eq!(
        text(&out.stdout),
        format!(
            "# zone {a}\nip netns add {a}\nip -n {a} link set dev lo up\n\
             ip -n {a} link set dev lo alias vspace-netns:{a}\n\
             # zone {b}\n\
             # zone {c}\nip netns add {c}\nip -n {c} link set dev lo up\n\
             ip -n {c} link set dev lo alias vspace-netns:{c}\n"
        )
    );
    let err = err_text(&out);
    assert!(
        err.contains(&format!("/{b}/links/x0/type: 'bridge' is not a link type"))
            && err.ends_with("vspace-netns: 1 of 3 zones failed (see above)\n"),
        "{err}"
    );
    for n in [&a, &c] {
        assert!(std::path::Path::new("/run/netns").join(n).exists(), "{n}");
    }
    // A second up --all: nothing to do but b.
    std::fs::remove_dir_all(z.conf().join(&b)).unwrap();
    let out = run_ok(&mut z.cmd(&["up", "--all"]));
    assert_eq!(
        text(&out.stdout),
        format!(
            "# zone {a}\n# nothing to do: zone {a} is up as configured\n\
             # zone {c}\n# nothing to do: zone {c} is up as configured\n"
        )
    );
    // Shutdown: a is in use and kept (not a failure), c goes.
    let sleeper = Sleeper::new(&a);
    let out = run_ok(&mut z.cmd(&["down", "--all"]));
    assert_eq!(
        text(&out.stdout),
        format!(
            "# zone {a}\n# zone {a} kept: processes still use it (pids {}); --force takes it down under them\n\
             # zone {c}\nip netns delete {c}\n",
            sleeper.pid()
        )
    );
    assert!(z.entry().exists());
    let out = run_ok(&mut z.cmd(&["down", "--all", "--force"]));
    assert!(text(&out.stdout).contains(&format!("ip netns delete {a}\n")));
    assert!(!z.entry().exists());
    // A zone operand and --all exclude each other; one of them is needed.
    run_status(&mut z.cmd(&["up", "--all", &a]), 2);
    run_status(&mut z.cmd(&["down"]), 2);
}

#[test]
fn ups_of_several_zones_at_once_edit_the_shared_files_once() {
    let z = TestZone::new("zq");
    let names: Vec<String> = (0..6).map(|i| format!("{}{i}", z.name)).collect();
    let _extra: Vec<Netns> = names.iter().map(|n| Netns { name: n.clone() }).collect();
    for (i, n) in names.iter().enumerate() {
        std::fs::create_dir_all(z.conf().join(n)).unwrap();
        z.guest(&format!("g{i}"), format!("{n}\n").as_bytes());
    }
    // Files every zone's up edits: .defaults and a guest outside every zone.
    write(
        &z.vservers().join(".defaults/namespace-cleanup-skip"),
        "/proc\n",
    );
    write(
        &z.guest("other", b"").join("namespace-cleanup-skip"),
        "/sys\n",
    );
    std::thread::scope(|s| {
        for n in &names {
            let z = &z;
            s.spawn(move || run_ok(&mut z.cmd(&["up", n])));
        }
    });
    for f in [".defaults", "other"] {
        let text =
            std::fs::read_to_string(z.vservers().join(f).join("namespace-cleanup-skip")).unwrap();
        for line in ["/run/netns", "/run/netns/*"] {
            assert_eq!(
                text.lines().filter(|l| *l == line).count(),
                1,
                "{f}: {line} not exactly once:\n{text}"
            );
        }
    }
}

/// `down --all` takes each zone as `down` of it alone: its lock, then a look at /proc for its
/// users. Played deterministically: the second zone's lock is held while `down --all`, done
/// with the first zone, waits for it; a process enters that zone; the lock is let go: the zone
/// is kept. (A look at /proc made once for all zones, before this zone's turn, missed the
/// process and took the zone from under it.)
#[test]
fn down_all_sees_a_process_that_entered_a_zone_before_its_turn() {
    let z = TestZone::new("zk");
    let (a, b) = (z.name.clone(), format!("{}b", z.name));
    let _extra = Netns { name: b.clone() };
    std::fs::create_dir_all(z.conf().join(&b)).unwrap();
    run_ok(&mut z.cmd(&["up", "--all"]));
    let held = nix::fcntl::Flock::lock(
        std::fs::File::open(z.conf().join(&b)).unwrap(),
        nix::fcntl::FlockArg::LockExclusive,
    )
    .unwrap();
    let child = z
        .cmd(&["down", "--all"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Waiting for b's lock: a blocked flock of that process in /proc/locks.
    let waiting = format!("-> FLOCK  ADVISORY  WRITE {} ", child.id());
    let deadline = std::time::Instant::now() + hang_limit();
    while !std::fs::read_to_string("/proc/locks")
        .unwrap()
        .contains(&waiting)
    {
        assert!(
            std::time::Instant::now() < deadline,
            "down --all never waited for the lock"
        );
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    assert!(
        !z.entry().exists(),
        "the first zone is done before the second's turn"
    );
    let sleeper = Sleeper::new(&b);
    drop(held);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", err_text(&out));
    assert_eq!(
        text(&out.stdout),
        format!(
            "# zone {a}\nip netns delete {a}\n\
             # zone {b}\n# zone {b} kept: processes still use it (pids {}); --force takes it down under them\n",
            sleeper.pid()
        )
    );
    assert!(std::path::Path::new("/run/netns").join(&b).exists());
    drop(sleeper);
    run_ok(&mut z.cmd(&["down", "--all"]));
    assert!(!std::path::Path::new("/run/netns").join(&b).exists());
}
