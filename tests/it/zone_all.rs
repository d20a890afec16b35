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

/// `down --all` looks at /proc once for all zones, after it holds every zone's lock: a process
/// that enters a zone before `down --all` gets that zone's lock is seen and the zone kept, as by
/// `down` of that zone alone. Played deterministically: the second zone's lock is held while
/// `down --all` waits for it; a process enters that zone; then the lock is let go. (A scan
/// reused from the first zone's turn, made before the second zone's lock, missed the process
/// and took the zone's entry from under it.)
#[test]
fn down_all_sees_a_process_that_entered_a_zone_before_its_lock() {
    process_entering_before_the_lock_is_seen(None);
}

/// The same where the process may not hold every zone's lock at once (its limit of open files
/// below the zones and the room `down` keeps): each zone is locked and looked at in turn.
#[test]
fn down_all_locks_zone_by_zone_under_a_low_open_files_limit() {
    process_entering_before_the_lock_is_seen(Some(64));
}

/// `down --all` (under `prlimit --nofile=N:N` with `nofile`) while the second zone's lock is
/// held; a process enters that zone; the lock is let go: the first zone goes, the second is kept.
fn process_entering_before_the_lock_is_seen(nofile: Option<u32>) {
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
    let mut down = z.cmd(&["down", "--all"]);
    if let Some(n) = nofile {
        let mut limited = std::process::Command::new("prlimit");
        limited
            .arg(format!("--nofile={n}:{n}"))
            .arg("--")
            .arg(down.get_program())
            .args(down.get_args());
        for (k, v) in down.get_envs() {
            match v {
                Some(v) => limited.env(k, v),
                None => limited.env_remove(k),
            };
        }
        down = limited;
    }
    let child = down
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
    // Holding every lock first, it has not begun with the first zone; zone by zone, it has.
    assert_eq!(
        z.entry().exists(),
        nofile.is_none(),
        "the first zone while down --all waits for the second's lock"
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
    assert!(!z.entry().exists());
    assert!(std::path::Path::new("/run/netns").join(&b).exists());
    drop(sleeper);
    run_ok(&mut z.cmd(&["down", "--all"]));
    assert!(!std::path::Path::new("/run/netns").join(&b).exists());
}
