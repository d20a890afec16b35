//! The host's mount table is the same after exec as before: every mount exec makes (the new
//! /sys, the kept /sys submounts, /etc/netns binds) lives in the program's own mount namespace.
//! The test runs in a mount namespace of its own whose mounts are shared among themselves, as
//! the host's are under systemd (`common::in_own_mount_namespace`): the caller's mount table
//! is that namespace's, which no other test of the binary mounts anything in meanwhile.

use crate::common::ip::*;
use crate::common::*;

#[test]
fn exec_leaves_the_host_mount_table_unchanged() {
    if !in_own_mount_namespace(module_path!(), "exec_leaves_the_host_mount_table_unchanged") {
        return;
    }
    let ns = Netns::new("iphm");
    let names = Names::new();
    let etc = tempfile::tempdir().unwrap();
    std::fs::create_dir(etc.path().join(&ns.name)).unwrap();
    std::fs::write(
        etc.path().join(&ns.name).join("resolv.conf"),
        b"nameserver 192.0.2.1\n",
    )
    .unwrap();
    let before = std::fs::read("/proc/self/mountinfo").unwrap();
    // The shim: under the name `ip` NETNS_ETC_DIR is ignored, as iproute2 ignores it.
    let mut c = shim(&names);
    c.env("NETNS_ETC_DIR", etc.path()).args([
        "netns",
        "exec",
        &ns.name,
        "cat",
        "/proc/self/mountinfo",
    ]);
    let inside = run_ok(&mut c);
    // The program did see the mounts (so the comparison below could fail).
    let inside_text = String::from_utf8_lossy(&inside.stdout);
    assert!(
        inside_text
            .lines()
            .any(|l| l.contains(&format!(" - sysfs {} ", ns.name))),
        "{inside_text}"
    );
    assert!(
        inside_text
            .lines()
            .any(|l| l.split(' ').nth(4) == Some("/etc/resolv.conf")),
        "{inside_text}"
    );
    let mut c = shim(&names);
    c.args(["-all", "exec", "true"]);
    run_ok(&mut c);
    let after = std::fs::read("/proc/self/mountinfo").unwrap();
    assert_eq!(
        String::from_utf8_lossy(&before),
        String::from_utf8_lossy(&after),
        "the host's mount table changed"
    );
}
