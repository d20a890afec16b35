//! The environment rule (src/netns/env.rs), through the binary, as root: a path variable is used
//! only when it and every directory above it are root's and writable by no one else (a sticky
//! directory such as /tmp may be above it), and it does not lie under /proc; run by another
//! user, the variables are ignored. Under the name `ip` NETNS_RUN_DIR is ignored altogether.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use crate::common::ip::*;
use crate::common::*;

fn mode(p: &Path, m: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
}

/// `ip-netns-shim list` with NETNS_RUN_DIR=dir: refused with 255 and a message naming `bad`.
fn shim_refuses_run_dir(names: &Names, dir: &Path, bad: &str) {
    let mut c = shim(names);
    c.env("NETNS_RUN_DIR", dir).arg("list");
    let out = run_status(&mut c, 255);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with(&format!(
            "ip-netns-shim: NETNS_RUN_DIR={} is not used: {bad}",
            dir.display()
        )) && err.contains("sshd's StrictModes rule"),
        "{}",
        show(&c, &out)
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn run_dirs_that_others_could_write_are_refused() {
    require_root();
    let names = Names::new();
    let top = tempfile::tempdir().unwrap();
    // Writable by others, no sticky bit.
    let open = top.path().join("open");
    std::fs::create_dir(&open).unwrap();
    mode(&open, 0o777);
    shim_refuses_run_dir(
        &names,
        &open,
        &format!(
            "{} is writable by group or others (mode 0777)",
            open.display()
        ),
    );
    // Below such a directory.
    let below = open.join("netns");
    std::fs::create_dir(&below).unwrap();
    mode(&below, 0o755);
    shim_refuses_run_dir(
        &names,
        &below,
        &format!("{} is writable by group or others", open.display()),
    );
    // Owned by another user.
    let theirs = top.path().join("theirs");
    std::fs::create_dir(&theirs).unwrap();
    nix::unistd::chown(&theirs, Some(nix::unistd::Uid::from_raw(65534)), None).unwrap();
    shim_refuses_run_dir(
        &names,
        &theirs,
        &format!("{} is owned by uid 65534, not root", theirs.display()),
    );
    // Through /proc: another process's root, directly or through a link.
    shim_refuses_run_dir(
        &names,
        Path::new("/proc/1/root/run/netns"),
        "/proc/1/root/run/netns leads through /proc",
    );
    let link = top.path().join("link");
    std::os::unix::fs::symlink("/proc/self/root/run/netns", &link).unwrap();
    shim_refuses_run_dir(
        &names,
        &link,
        &format!("{} leads through /proc", link.display()),
    );
    // The vspace personality refuses too (255, never the host's network).
    let log = CallLog::new();
    let mut c = vspace_cmd(&names, &log);
    c.env("NETNS_RUN_DIR", &open)
        .args(["--enter", "db", "--net", "--", "true"]);
    let out = run_status(&mut c, 255);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is not used: "),
        "{}",
        show(&c, &out)
    );
    assert!(log.calls().is_empty());
}

#[test]
fn a_root_owned_dir_below_sticky_tmp_is_used() {
    require_root();
    let names = Names::new();
    let rd = RunDir::new(); // /tmp/ipns-runXXXX, root's, 0700, below sticky /tmp
    let name = unique("envok");
    run_ok(rd.with(&mut shim(&names)).args(["add", &name]));
    let out = run_ok(rd.with(&mut shim(&names)).arg("list"));
    assert_eq!(text(&out), name);
    // A directory not made yet, below a sticky one: anyone could make it first.
    let mut c = shim(&names);
    c.env("NETNS_RUN_DIR", "/tmp/vspace-netns-not-made-yet/netns")
        .arg("list");
    let out = run_status(&mut c, 255);
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("/tmp is writable by group or others (mode 1777)"),
        "{}",
        show(&c, &out)
    );
}

#[test]
fn real_tools_from_the_environment_follow_the_rule() {
    require_root();
    let names = Names::new();
    let top = tempfile::tempdir().unwrap();
    let fake = top.path().join("vspace");
    copy_program(standin(), &fake, 0o777);
    let log = CallLog::new();
    let mut c = vspace_cmd(&names, &log);
    c.env("VSPACE_NETNS_REAL_VSPACE", &fake)
        .args(["--new", "--", "true"]);
    let out = run_status(&mut c, 255);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr)
            .lines()
            .next()
            .unwrap_or_default(),
        format!(
            "vspace: VSPACE_NETNS_REAL_VSPACE={} is not used: {} is writable by group or others (mode 0777) (a path from the environment must lie outside /proc and, with every directory above it, be owned by root and writable by no one else; a sticky directory such as /tmp may be above it: sshd's StrictModes rule)",
            fake.display(),
            fake.display()
        ),
        "{}",
        show(&c, &out)
    );
    assert!(log.calls().is_empty(), "the fake ran");
    mode(&fake, 0o755);
    run_ok(&mut c);
    assert_eq!(log.calls().len(), 1);
    let mut c = our_ip(&names);
    c.env("VSPACE_NETNS_REAL_IP", "/proc/self/root/sbin/ip")
        .args(["route", "show"]);
    let out = run_status(&mut c, 255);
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .starts_with("ip: VSPACE_NETNS_REAL_IP=/proc/self/root/sbin/ip is not used: "),
        "{}",
        show(&c, &out)
    );
}

/// Run by a user that is not root, every path variable is ignored: the compiled-in defaults.
#[test]
fn variables_are_ignored_when_not_run_by_root() {
    require_root();
    let top = tempfile::tempdir().unwrap();
    mode(top.path(), 0o755);
    let shim_path = top.path().join("ip-netns-shim");
    std::os::unix::fs::symlink(bin(), &shim_path).unwrap();
    // A run dir with a name in it; as root the shim lists it.
    let rd = top.path().join("netns");
    std::fs::create_dir(&rd).unwrap();
    mode(&rd, 0o755);
    let junk = unique("envnr");
    std::fs::write(rd.join(&junk), b"").unwrap();
    let as_root = run_ok(
        Command::new(&shim_path)
            .env("NETNS_RUN_DIR", &rd)
            .arg("list"),
    );
    assert!(text(&as_root).contains(&junk));
    // As nobody: the variable is ignored, /run/netns is listed (it never holds this name).
    let mut c = Command::new("setpriv");
    c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(&shim_path)
        .arg("list")
        .env("NETNS_RUN_DIR", &rd)
        .env("VSPACE_NETNS_REAL_IP", "/nonexistent/ip");
    let out = run_ok(&mut c);
    assert!(!text(&out).contains(&junk), "{}", show(&c, &out));
    // The real ip's variable too: `-V` reaches the real iproute2, not /nonexistent/ip.
    let mut c = Command::new("setpriv");
    c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(&shim_path)
        .arg("-V")
        .env("VSPACE_NETNS_REAL_IP", "/nonexistent/ip");
    let out = run_ok(&mut c);
    assert!(
        text(&out).starts_with("ip utility, iproute2-"),
        "{}",
        show(&c, &out)
    );
}
