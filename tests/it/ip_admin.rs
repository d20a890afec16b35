//! add, attach, delete, -all delete, list, identify and pids through the ip personality, as
//! root on real namespaces, compared with the real ip where both can see the same run dir.

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::Command;

use crate::common::ip::*;
use crate::common::*;

/// `sleep 600` inside the namespace `ns` (of `run_dir`, else the host's run dir), through
/// the shim's exec (in place: the process we started is the sleeper).
fn sleeper_in(names: &Names, run_dir: Option<&Path>, ns: &str) -> Sleeper {
    let mut c = shim(names);
    if let Some(d) = run_dir {
        c.env("NETNS_RUN_DIR", d);
    }
    c.args(["exec", ns, "sleep", "600"]);
    Sleeper::start(
        &mut c,
        &run_dir.unwrap_or(Path::new("/run/netns")).join(ns),
        "sleep",
    )
}

fn lo_flags(names: &Names, rd: &RunDir, ns: &str) -> String {
    let mut c = shim(names);
    rd.with(&mut c)
        .args(["exec", ns, "cat", "/sys/class/net/lo/flags"]);
    text(&run_ok(&mut c))
}

#[test]
fn add_makes_a_namespace_and_lo_up_brings_loopback_up() {
    let names = Names::new();
    let rd = RunDir::new();
    let (plain, up) = (unique("ipad"), unique("ipup"));
    run_ok(rd.with(&mut shim(&names)).args(["add", &plain]));
    run_ok(
        rd.with(&mut shim(&names))
            .args(["netns", "add", &up, "--lo-up"]),
    );
    // New namespaces start with lo down (IFF_UP clear); --lo-up sets it.
    assert_eq!(lo_flags(&names, &rd, &plain), "0x8");
    assert_eq!(lo_flags(&names, &rd, &up), "0x9");
    // Two different namespaces, neither ours.
    let ino = |n: &str| std::fs::metadata(rd.path().join(n)).unwrap().ino();
    assert_ne!(ino(&plain), ino(&up));
    assert_ne!(format!("net:[{}]", ino(&plain)), own_netns());
    // The entry is an nsfs mount in the run dir, which is a shared mount of its own.
    let mounts = rd.mounts();
    assert_eq!(
        mounts.len(),
        3,
        "{:?}",
        mounts
            .iter()
            .map(|l| String::from_utf8_lossy(l))
            .collect::<Vec<_>>()
    );
    assert!(
        mounts
            .iter()
            .filter(|l| String::from_utf8_lossy(l).contains(" - nsfs "))
            .count()
            == 2
    );
}

#[test]
fn add_on_the_host_run_dir_is_seen_by_real_ip() {
    let names = Names::new();
    let name = unique("iphr");
    run_ok(our_ip(&names).args(["netns", "add", &name]));
    let guard = Netns { name: name.clone() };
    let listed = run_ok(real().args(["netns", "list"]));
    assert!(
        String::from_utf8_lossy(&listed.stdout)
            .lines()
            .any(|l| l.split(' ').next() == Some(&name)),
        "real ip does not list {name}"
    );
    let inside = run_ok(real().args(["netns", "exec", &name, "readlink", "/proc/self/ns/net"]));
    assert_eq!(text(&inside), guard.id());
}

#[test]
fn parallel_adds_do_not_multiply_mounts() {
    let names = Names::new();
    let rd = RunDir::new();
    assert!(rd.mounts().is_empty());
    let made: Vec<String> = (0..50).map(|_| unique("ippar")).collect();
    std::thread::scope(|s| {
        for n in &made {
            let names = &names;
            let rd = &rd;
            s.spawn(move || run_ok(rd.with(&mut shim(names)).args(["add", n])));
        }
    });
    let mounts = rd.mounts();
    // The run dir once, and one nsfs mount per name: no stacked run dirs.
    let own: Vec<_> = mounts
        .iter()
        .filter(|l| !String::from_utf8_lossy(l).contains(" - nsfs "))
        .collect();
    assert_eq!(
        own.len(),
        1,
        "{:?}",
        own.iter()
            .map(|l| String::from_utf8_lossy(l))
            .collect::<Vec<_>>()
    );
    assert_eq!(mounts.len(), 51);
    // -all delete takes every one of them, leaving only the run dir's own mount.
    run_ok(rd.with(&mut shim(&names)).args(["-all", "netns", "delete"]));
    assert_eq!(rd.mounts().len(), 1);
    assert_eq!(std::fs::read_dir(rd.path()).unwrap().count(), 0);
}

#[test]
fn attach_names_a_running_process_namespace() {
    let names = Names::new();
    let rd = RunDir::new();
    let first = unique("ipat");
    run_ok(rd.with(&mut shim(&names)).args(["add", &first]));
    let sleeper = sleeper_in(&names, Some(rd.path()), &first);
    let second = unique("ipat");
    run_ok(
        rd.with(&mut shim(&names))
            .args(["attach", &second, &sleeper.pid().to_string()]),
    );
    let ino = |n: &str| std::fs::metadata(rd.path().join(n)).unwrap().ino();
    assert_eq!(ino(&first), ino(&second));
    // identify names both (iproute2 prints only the last match), pids finds the sleeper.
    let mut c = shim(&names);
    rd.with(&mut c)
        .args(["identify", &sleeper.pid().to_string()]);
    let out = run_ok(&mut c);
    let mut got: Vec<String> = text(&out).lines().map(str::to_string).collect();
    got.sort();
    let mut want = vec![first.clone(), second.clone()];
    want.sort();
    assert_eq!(got, want, "{}", show(&c, &out));
    let mut c = shim(&names);
    rd.with(&mut c).args(["pids", &second]);
    let out = run_ok(&mut c);
    assert!(
        text(&out).lines().any(|l| l == sleeper.pid().to_string()),
        "{}",
        show(&c, &out)
    );
}

#[test]
fn identify_and_pids_agree_with_real_ip() {
    let ns = Netns::new("ipid");
    let names = Names::new();
    let sleeper = sleeper_in(&names, None, &ns.name);
    let pid = sleeper.pid().to_string();
    for args in [
        vec!["netns", "identify", pid.as_str()],
        vec!["netns", "pids", ns.name.as_str()],
    ] {
        let mut ours = our_ip(&names);
        ours.args(&args);
        let o = run_ok(&mut ours);
        let t = run_ok(real().args(&args));
        assert_eq!(
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&t.stdout),
            "{}",
            show(&ours, &o)
        );
        assert!(!text(&o).is_empty());
    }
    // Without a PID: the namespace of the caller, here a program started inside.
    let o = run_ok(
        our_ip(&names)
            .args(["netns", "exec", &ns.name])
            .arg(names.get("ip"))
            .args(["netns", "identify"]),
    );
    let t = run_ok(
        real()
            .args(["netns", "exec", &ns.name])
            .arg(real_ip())
            .args(["netns", "identify"]),
    );
    assert_eq!(text(&o), ns.name);
    assert_eq!(o.stdout, t.stdout);
    // In the host's own namespace, nothing matches: one empty line, as iproute2 prints.
    let o = run_ok(our_ip(&names).args(["netns", "identify"]));
    let t = run_ok(real().args(["netns", "identify"]));
    assert_eq!(o.stdout, t.stdout);
}

/// A process whose first thread has exited while another lives on in the namespace (a
/// program calling pthread_exit in main): iproute2 reads the first thread's link alone and
/// lists it nowhere; under `ip` so do we, the shim lists it.
#[test]
fn pids_of_a_process_whose_first_thread_exited_as_real_ip_and_in_the_shim() {
    let ns = Netns::new("ipld");
    let names = Names::new();
    let child = Sleeper::leaderless(&ns.name);
    let pid = child.pid().to_string();
    let args = ["netns", "pids", ns.name.as_str()];
    let mut ours = our_ip(&names);
    ours.args(args);
    let o = run_ok(&mut ours);
    let t = run_ok(real().args(args));
    assert_eq!(o.stdout, t.stdout, "{}", show(&ours, &o));
    assert!(!text(&t).lines().any(|l| l == pid), "{}", text(&t));
    let mut c = shim(&names);
    c.args(&args[1..]);
    let out = run_ok(&mut c);
    assert!(text(&out).lines().any(|l| l == pid), "{}", show(&c, &out));
    drop(child);
    // Its threads in two namespaces: the shim lists it in each, ip (as iproute2) in neither.
    let away = Netns::new("ipla");
    let child = Sleeper::leaderless_split(&ns.name, &away.path());
    let pid = child.pid().to_string();
    for name in [&ns.name, &away.name] {
        let args = ["netns", "pids", name.as_str()];
        let o = run_ok(our_ip(&names).args(args));
        let t = run_ok(real().args(args));
        assert_eq!(o.stdout, t.stdout);
        assert!(!text(&t).lines().any(|l| l == pid), "{}", text(&t));
        let out = run_ok(shim(&names).args(&args[1..]));
        assert!(
            text(&out).lines().any(|l| l == pid),
            "{name}: {}",
            text(&out)
        );
    }
}

#[test]
fn list_shows_ids_like_real_ip_and_stale_entries_as_stale() {
    let ns = Netns::new("ipls");
    let names = Names::new();
    run_ok(real().args(["netns", "set", &ns.name, "auto"]));
    let line_of = |out: &std::process::Output| {
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .find(|l| l.split(' ').next() == Some(&ns.name))
            .map(str::to_string)
    };
    let theirs = run_ok(real().args(["netns", "list"]));
    let ours = run_ok(our_ip(&names).args(["netns", "list"]));
    let want = line_of(&theirs).expect("real ip does not list the namespace");
    assert!(want.starts_with(&format!("{} (id: ", ns.name)), "{want}");
    assert_eq!(line_of(&ours), Some(want.clone()));
    let bare = run_ok(&mut shim(&names));
    assert_eq!(line_of(&bare), Some(want));
    // A stale entry: under `ip` listed as iproute2 lists it (the bare name on stdout, iproute2's
    // two error lines on stderr), under `ip-netns-shim` marked, with the reason on stderr.
    let stale = unique("iplst");
    let _junk = RunDirEntry::stale(&Path::new("/run/netns").join(&stale));
    let lines_of = |out: &std::process::Output| -> Vec<String> {
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| l.contains(&stale) || l.contains(&ns.name))
            .map(str::to_string)
            .collect()
    };
    let mut theirs = real();
    theirs.args(["netns", "list"]);
    let t = run_ok(&mut theirs);
    let mut c = our_ip(&names);
    c.args(["netns", "list"]);
    let out = run_ok(&mut c);
    assert_eq!(lines_of(&out), lines_of(&t), "{}", show(&c, &out));
    let peer = "Error: Peer netns reference is invalid.\n";
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&peer.repeat(2)), "{}", show(&c, &out));
    assert!(
        err.lines().all(|l| l == peer.trim_end()),
        "{}",
        show(&c, &out)
    );
    let mut c = shim(&names);
    c.arg("list");
    let out = run_ok(&mut c);
    let listing = String::from_utf8_lossy(&out.stdout);
    assert!(
        listing.lines().any(|l| l == format!("{stale} (stale)")),
        "{}",
        show(&c, &out)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains(&format!("/run/netns/{stale} is an empty file"))
    );
    // pids on it lists nothing and succeeds, as iproute2; only the shim says why.
    let out = run_ok(our_ip(&names).args(["netns", "pids", &stale]));
    assert!(out.stdout.is_empty() && out.stderr.is_empty(), "{out:?}");
    let out = run_ok(shim(&names).args(["pids", &stale]));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("stale entry"));
    run_ok(real().args(["netns", "pids", &stale]));
}

#[test]
fn delete_removes_stacked_mounts_that_make_real_ip_fail() {
    let names = Names::new();
    let ours = Netns::new("ipst");
    let theirs = Netns::new("ipst");
    for ns in [&ours, &theirs] {
        let p = ns.path();
        nix::mount::mount(
            Some(&p),
            &p,
            None::<&str>,
            nix::mount::MsFlags::MS_BIND,
            None::<&str>,
        )
        .unwrap();
    }
    let t = run_status(real().args(["netns", "delete", &theirs.name]), 1);
    assert_eq!(
        String::from_utf8_lossy(&first_err_line(&t)),
        format!(
            "Cannot remove namespace file \"/run/netns/{}\": Device or resource busy",
            theirs.name
        )
    );
    let mut c = our_ip(&names);
    c.args(["netns", "delete", &ours.name]);
    run_ok(&mut c);
    assert!(!ours.path().exists());
    assert!(mount_lines(format!("/run/netns/{} ", ours.name).as_bytes()).is_empty());
    // Leave nothing behind of the one real ip could not delete.
    while nix::mount::umount2(&theirs.path(), nix::mount::MntFlags::MNT_DETACH).is_ok() {}
}

#[test]
fn delete_warns_about_processes_still_inside() {
    let names = Names::new();
    let rd = RunDir::new();
    let name = unique("ipdw");
    run_ok(rd.with(&mut shim(&names)).args(["add", &name]));
    let sleeper = sleeper_in(&names, Some(rd.path()), &name);
    let mut c = shim(&names);
    rd.with(&mut c).args(["delete", &name]);
    let out = run_ok(&mut c);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("ip-netns-shim: warning: processes still live in"),
        "{}",
        show(&c, &out)
    );
    assert!(
        err.contains(&sleeper.pid().to_string()),
        "{}",
        show(&c, &out)
    );
    assert!(!rd.path().join(&name).exists());
    // Under the name `ip` the same delete says nothing, as iproute2 (its test suite counts any
    // stderr as a failure).
    let ns = Netns::new("ipdq");
    let _inside = sleeper_in(&names, None, &ns.name);
    let mut c = our_ip(&names);
    c.args(["netns", "delete", &ns.name]);
    let out = run_ok(&mut c);
    assert!(
        out.stderr.is_empty() && out.stdout.is_empty(),
        "{}",
        show(&c, &out)
    );
    assert!(!ns.path().exists());
}

/// Things in the run dir that are no namespace: what each is, as `delete` names it.
fn not_namespaces(rd: &RunDir) -> Vec<(String, &'static str)> {
    let dir = rd.path().join(unique("ipdc"));
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("f"), b"").unwrap();
    let full = rd.path().join(unique("ipdf"));
    std::fs::write(&full, b"1234\n").unwrap();
    let fifo = rd.path().join(unique("ipdp"));
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    let name = |p: &Path| p.file_name().unwrap().to_string_lossy().into_owned();
    vec![
        (name(&dir), "a directory"),
        (name(&full), "a regular file with content"),
        (name(&fifo), "a FIFO"),
    ]
}

#[test]
fn delete_touches_only_namespaces() {
    let names = Names::new();
    let rd = RunDir::new();
    for (name, what) in not_namespaces(&rd) {
        let path = rd.path().join(&name);
        let mut c = shim(&names);
        rd.with(&mut c).args(["delete", &name]);
        let out = run_status(&mut c, 1);
        let errno = if what == "a directory" {
            "Is a directory"
        } else {
            "Invalid argument"
        };
        assert_eq!(
            String::from_utf8_lossy(&first_err_line(&out)),
            format!(
                "Cannot remove namespace file \"{}\": {errno}",
                path.display()
            )
        );
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(&format!(
                "ip-netns-shim: {} is {what}, not a namespace mount; only a namespace",
                path.display()
            )),
            "{}",
            show(&c, &out)
        );
        assert!(
            std::fs::symlink_metadata(&path).is_ok(),
            "{} was removed",
            path.display()
        );
    }
}

#[test]
fn all_delete_skips_what_is_no_namespace() {
    let names = Names::new();
    let rd = RunDir::new();
    let (a, b) = (unique("ipda"), unique("ipdb"));
    for n in [&a, &b] {
        run_ok(rd.with(&mut shim(&names)).args(["add", n]));
    }
    let others = not_namespaces(&rd);
    let mut c = shim(&names);
    rd.with(&mut c).args(["-all", "delete"]);
    let out = run_ok(&mut c);
    assert!(
        !rd.path().join(&a).exists() && !rd.path().join(&b).exists(),
        "{}",
        show(&c, &out)
    );
    for (name, what) in &others {
        assert!(rd.path().join(name).exists(), "{name} was removed");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(&format!(
                "ip-netns-shim: skipped: {} is {what}",
                rd.path().join(name).display()
            )),
            "{}",
            show(&c, &out)
        );
    }
}

/// A run dir that cannot be written (mounted read-only): every unlink fails with EROFS; `-all
/// delete` reports each failure and goes on, then exits 1 (iproute2 stops at the first and
/// exits 0).
#[test]
fn all_delete_goes_on_after_a_failure_and_exits_1() {
    let names = Names::new();
    let rd = RunDir::new();
    let (a, b) = (unique("ipra"), unique("iprb"));
    for n in [&a, &b] {
        run_ok(rd.with(&mut shim(&names)).args(["add", n]));
    }
    let none: Option<&str> = None;
    use nix::mount::MsFlags;
    nix::mount::mount(
        Some(rd.path()),
        rd.path(),
        none,
        MsFlags::MS_BIND | MsFlags::MS_REC,
        none,
    )
    .unwrap();
    nix::mount::mount(
        none,
        rd.path(),
        none,
        MsFlags::MS_BIND | MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY,
        none,
    )
    .unwrap();
    let mut c = shim(&names);
    rd.with(&mut c).args(["-all", "delete"]);
    let out = run_status(&mut c, 1);
    let err = String::from_utf8_lossy(&out.stderr);
    for n in [&a, &b] {
        assert!(
            err.contains(&format!(
                "Cannot remove namespace file \"{}\": Read-only file system",
                rd.path().join(n).display()
            )),
            "{}",
            show(&c, &out)
        );
    }
}

/// `ln -s /run/netns/A B`: delete B removes the link only; A stays a live namespace.
#[test]
fn delete_of_a_symlinked_entry_removes_only_the_link() {
    let names = Names::new();
    let rd = RunDir::new();
    let (a, b) = (unique("ipsa"), unique("ipsb"));
    run_ok(rd.with(&mut shim(&names)).args(["add", &a]));
    std::os::unix::fs::symlink(rd.path().join(&a), rd.path().join(&b)).unwrap();
    // Followed by pids and identify, like exec.
    let sleeper = sleeper_in(&names, Some(rd.path()), &b);
    let out = run_ok(rd.with(&mut shim(&names)).args(["pids", &b]));
    assert_eq!(text(&out), sleeper.pid().to_string());
    let out = run_ok(
        rd.with(&mut shim(&names))
            .args(["identify", &sleeper.pid().to_string()]),
    );
    let mut found: Vec<String> = text(&out).lines().map(str::to_string).collect();
    found.sort();
    let mut want = vec![a.clone(), b.clone()];
    want.sort();
    assert_eq!(found, want);
    // Listed like any namespace, no mark.
    let out = run_ok(rd.with(&mut shim(&names)).arg("list"));
    let mut listed: Vec<String> = text(&out).lines().map(str::to_string).collect();
    listed.sort();
    assert_eq!(listed, want, "{}", show(&c_list(&names, &rd), &out));
    let mut c = shim(&names);
    rd.with(&mut c).args(["delete", &b]);
    let out = run_ok(&mut c);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("removed the symbolic link"),
        "{}",
        show(&c, &out)
    );
    assert!(std::fs::symlink_metadata(rd.path().join(&b)).is_err());
    let out = run_ok(rd.with(&mut shim(&names)).arg("list"));
    assert_eq!(text(&out), a, "{}", show(&c, &out));
    // `a` is still a live namespace (iproute2's umount2 would have followed the link to it).
    let out = run_ok(rd.with(&mut shim(&names)).args(["exec", &a, "true"]));
    assert!(out.stderr.is_empty(), "{out:?}");
}

fn c_list(names: &Names, rd: &RunDir) -> Command {
    let mut c = shim(names);
    rd.with(&mut c).arg("list");
    c
}

/// Two names for one namespace: `ip netns identify` prints the last, as iproute2 6.1 does;
/// `ip-netns-shim identify` prints both.
#[test]
fn identify_with_two_names_is_iproute2s_under_ip_and_richer_under_the_shim() {
    let ns = Netns::new("ipi2");
    let names = Names::new();
    let second = unique("ipi2b");
    let _alias = RunDirEntry::bind(&Path::new("/run/netns").join(&second), &ns.path());
    let sleeper = sleeper_in(&names, None, &ns.name);
    let pid = sleeper.pid().to_string();
    let t = run_ok(real().args(["netns", "identify", &pid]));
    let mut c = our_ip(&names);
    c.args(["netns", "identify", &pid]);
    let o = run_ok(&mut c);
    assert_eq!(o.stdout, t.stdout, "{}", show(&c, &o));
    assert_eq!(o.stderr, t.stderr, "{}", show(&c, &o));
    assert_eq!(text(&o).lines().count(), 1, "{}", show(&c, &o));
    let o = run_ok(shim(&names).args(["identify", &pid]));
    let mut got: Vec<String> = text(&o).lines().map(str::to_string).collect();
    got.sort();
    let mut want = vec![ns.name.clone(), second.clone()];
    want.sort();
    assert_eq!(got, want);
}

/// An nsfs mount made on the run dir's file before the run dir was bound onto itself lies
/// beneath that bind: the path reaches only the empty file, and unlink says EBUSY. It is
/// listed as what it is and deleted (the mount detached), even as iproute2 cannot.
#[test]
fn an_nsfs_mount_covered_by_the_run_dirs_own_bind_is_listed_and_deleted() {
    let names = Names::new();
    let ns = Netns::new("ipcv");
    let rd = RunDir::new();
    let name = unique("ipcw");
    let entry = rd.path().join(&name);
    std::fs::write(&entry, b"").unwrap();
    let none: Option<&str> = None;
    nix::mount::mount(
        Some(&ns.path()),
        &entry,
        none,
        nix::mount::MsFlags::MS_BIND,
        none,
    )
    .unwrap();
    nix::mount::mount(
        Some(rd.path()),
        rd.path(),
        none,
        nix::mount::MsFlags::MS_BIND,
        none,
    )
    .unwrap();
    let point = format!("{} ", entry.display());
    assert_eq!(mount_lines(point.as_bytes()).len(), 1, "the covered mount");
    let mut c = shim(&names);
    rd.with(&mut c).arg("list");
    let out = run_ok(&mut c);
    assert_eq!(
        text(&out),
        format!("{name} (covered)"),
        "{}",
        show(&c, &out)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is an nsfs mount covered by a later mount"),
        "{}",
        show(&c, &out)
    );
    let mut c = shim(&names);
    rd.with(&mut c).args(["delete", &name]);
    let out = run_ok(&mut c);
    assert!(
        mount_lines(point.as_bytes()).is_empty(),
        "{}",
        show(&c, &out)
    );
    assert!(!entry.exists());
}

#[test]
fn a_failed_add_leaves_nothing_behind() {
    let names = Names::new();
    let rd = RunDir::new();
    let name = unique("ipfa");
    let mut c = shim(&names);
    rd.with(&mut c).args(["attach", &name, "999999999"]);
    let out = run_status(&mut c, 1);
    assert!(first_err_line(&out).starts_with(b"Bind /proc/999999999/ns/net -> "));
    assert!(!rd.path().join(&name).exists());
}

/// The same, with a covered mount that is no namespace (a file bound on the entry): delete
/// detaches nothing it cannot name as a namespace, and fails with iproute2's EBUSY line.
#[test]
fn a_covered_mount_that_is_no_namespace_is_left_alone() {
    let names = Names::new();
    let rd = RunDir::new();
    let name = unique("ipcx");
    let entry = rd.path().join(&name);
    std::fs::write(&entry, b"").unwrap();
    let other = tempfile::NamedTempFile::new().unwrap();
    let none: Option<&str> = None;
    nix::mount::mount(
        Some(other.path()),
        &entry,
        none,
        nix::mount::MsFlags::MS_BIND,
        none,
    )
    .unwrap();
    nix::mount::mount(
        Some(rd.path()),
        rd.path(),
        none,
        nix::mount::MsFlags::MS_BIND,
        none,
    )
    .unwrap();
    let point = format!("{} ", entry.display());
    let mut c = shim(&names);
    rd.with(&mut c).args(["delete", &name]);
    let out = run_status(&mut c, 1);
    assert_eq!(
        String::from_utf8_lossy(&first_err_line(&out)),
        format!(
            "Cannot remove namespace file \"{}\": Device or resource busy",
            entry.display()
        )
    );
    assert_eq!(mount_lines(point.as_bytes()).len(), 1, "{}", show(&c, &out));
    // Leave nothing: the run dir's bind first, then the mount it covered.
    let _ = nix::mount::umount2(rd.path(), nix::mount::MntFlags::MNT_DETACH);
    let _ = nix::mount::umount2(&entry, nix::mount::MntFlags::MNT_DETACH);
    assert!(mount_lines(point.as_bytes()).is_empty());
}

#[test]
fn list_of_entries_that_are_no_namespace_matches_iproute2_byte_for_byte() {
    // In a private mount namespace with its own run dir: a dangling link (iproute2 cannot open
    // it: the bare name), a directory and a stale file (opened: the kernel refuses the id, and
    // iproute2 says so twice each). stdout, stderr and status must be iproute2's.
    let names = Names::new();
    let run = |ip: &std::path::Path| {
        let script = "mount -t tmpfs vn-list /run/netns && ln -s /nonexistent /run/netns/dang \
                      && mkdir /run/netns/dir && : > /run/netns/stale && exec \"$0\" netns list";
        let mut c = Command::new("unshare");
        c.args(["--mount", "--propagation", "private", "sh", "-c", script])
            .arg(ip)
            .env_remove("NETNS_RUN_DIR");
        c.output().unwrap()
    };
    let theirs = run(&real_ip());
    let ours = run(&names.get("ip"));
    assert_eq!(theirs.status.code(), Some(0), "{theirs:?}");
    assert_eq!(
        (ours.status.code(), &ours.stdout, &ours.stderr),
        (theirs.status.code(), &theirs.stdout, &theirs.stderr),
        "ours {ours:?}\ntheirs {theirs:?}"
    );
    assert!(
        String::from_utf8_lossy(&ours.stdout).contains("dang\n"),
        "{ours:?}"
    );
}
