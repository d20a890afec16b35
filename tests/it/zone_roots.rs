//! What else lives in the configuration roots, as root: a stray file or one broken guest in
//! util-vserver's root never stops a zone (each guest's problem is that guest's), zone names
//! that vspace would read as something else are refused, and a zone directory that is a
//! symbolic link is refused instead of followed.

use std::os::unix::fs::symlink;

use crate::common::zone::*;
use crate::common::*;

#[test]
fn a_stray_file_or_a_broken_guest_never_stops_a_zone() {
    let z = TestZone::new("zr");
    let n = z.name.clone();
    z.guest("web", format!("{n}\n").as_bytes());
    // A file where a guest directory would be, a guest whose spaces/net is a link (refused:
    // files are read without following links), and one whose spaces/net is a FIFO.
    write(&z.vservers().join("README.txt"), "notes\n");
    let linked = z.guest("linked", b"");
    std::fs::remove_file(linked.join("spaces/net")).unwrap();
    symlink("/etc/hostname", linked.join("spaces/net")).unwrap();
    let fifo = z.guest("fifo", b"");
    std::fs::remove_file(fifo.join("spaces/net")).unwrap();
    nix::unistd::mkfifo(
        &fifo.join("spaces/net"),
        nix::sys::stat::Mode::from_bits_truncate(0o600),
    )
    .unwrap();

    let out = run_ok(&mut z.cmd(&["up", &n, "--dry-run"]));
    assert!(
        text(&out.stdout).contains(&format!("ip netns add {n}\n")),
        "{}",
        text(&out.stdout)
    );
    // The member's start goes ahead and brings the zone up.
    run_ok(&mut z.cmd(&["hook", "initialize", "web"]));
    assert!(z.entry().exists());
    let out = run_ok(&mut z.cmd(&["status", &n]));
    assert!(
        text(&out.stdout).starts_with(&format!("zone {n}: up")),
        "{}",
        text(&out.stdout)
    );
    // The broken guests are reported as themselves, by doctor.
    let out = run_status(&mut z.cmd(&["doctor", "linked"]), 1);
    assert!(
        doctor_text(&out.stdout).contains("FAIL guest linked:"),
        "{}",
        text(&out.stdout)
    );
    run_ok(&mut z.cmd(&["hook", "post-start", "web"]));
    run_ok(&mut z.cmd(&["down", &n]));
}

#[test]
fn names_vspace_reads_as_something_else_are_refused() {
    let z = TestZone::new("zq");
    for (name, why) in [
        (":colon", "the name after the colon"),
        ("1001", "a context id"),
        ("self", "the caller's own context"),
    ] {
        std::fs::create_dir_all(z.conf().join(name)).unwrap();
        let out = run_status(&mut z.cmd(&["up", name, "--dry-run"]), 1);
        assert_eq!(
            err_text(&out),
            format!(
                "vspace-netns: bad zone name '{name}' is read by vspace as {why}, not as this name; choose a name that starts with a letter\n"
            )
        );
        assert!(!std::path::Path::new("/run/netns").join(name).exists());
    }
    std::fs::create_dir_all(z.conf().join("a\\b")).unwrap();
    let out = run_status(&mut z.cmd(&["up", "a\\b", "--dry-run"]), 1);
    assert!(
        err_text(&out).contains("contains a blank, a backslash or a control character"),
        "{}",
        err_text(&out)
    );
}

#[test]
fn a_symlinked_zone_directory_is_refused() {
    let z = TestZone::new("zs");
    let elsewhere = tempfile::tempdir().unwrap();
    let name = format!("{}l", z.name);
    symlink(elsewhere.path(), z.conf().join(&name)).unwrap();
    let out = run_status(&mut z.cmd(&["up", &name, "--dry-run"]), 1);
    assert!(
        err_text(&out).contains("is a symbolic link")
            && err_text(&out).contains("make the zone a directory of its own"),
        "{}",
        err_text(&out)
    );
    // up --all reports it as a failed zone, and does the others.
    let out = run_status(&mut z.cmd(&["up", "--all", "--dry-run"]), 1);
    assert!(
        text(&out.stdout).contains(&format!("ip netns add {}\n", z.name)),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn a_hook_for_no_guest_says_so() {
    let z = TestZone::new("zg");
    let out = run_status(&mut z.cmd(&["hook", "initialize", "nosuchguest"]), 1);
    assert_eq!(
        err_text(&out),
        format!(
            "vspace-netns: hook initialize nosuchguest: no guest 'nosuchguest' (no directory {}/nosuchguest)\n",
            z.vservers().display()
        )
    );
    assert!(out.stdout.is_empty());
}
