//! Every way of remounting /sys (moved beneath, cloned with the submounts found in mountinfo:
//! the fallbacks of kernels without MOVE_MOUNT_BENEATH or listmount, forced here on any kernel;
//! dropped as iproute2 does) gives the
//! namespace's sysfs, and the keeping ones keep every other /sys mount. Each strategy runs in a
//! copy of this test started under `unshare --mount --propagation slave`, so the mounts happen in
//! a private mount namespace; the test then checks that the host's mount table did not change.
//! The test itself runs in a mount namespace of its own whose mounts are shared among
//! themselves (`common::in_own_mount_namespace`), so that the mounts other tests of the binary
//! make meanwhile do not count as changes.

use std::ffi::OsStr;
use std::os::fd::AsFd;
use std::process::Command;

use crate::common::ip::sys_submounts_in;
use crate::common::*;
use vspace_netns::sys::remount::{self, Strategy};

const ROLE: &str = "IPNS_SYS_REMOUNT_ROLE";
const NS: &str = "IPNS_SYS_REMOUNT_NS";
const SYSFS_MAGIC: i64 = 0x6265_6572;
const TEST: &str = "every_strategy_gives_the_namespace_sysfs_and_keeps_what_it_should";

/// The non-sysfs mounts below /sys now, as "point fstype", sorted.
fn sys_submounts() -> Vec<String> {
    sys_submounts_in(&std::fs::read_to_string("/proc/self/mountinfo").unwrap())
}

fn fs_magic(path: &str) -> i64 {
    nix::sys::statfs::statfs(path).unwrap().filesystem_type().0 as i64
}

/// The child's part: enter the namespace, remount, check.
fn child(role: &str) {
    let name = std::env::var(NS).unwrap();
    let strategy = match role {
        "keep" => Strategy::Keep,
        "clone" => Strategy::KeepByCloning,
        "drop" => Strategy::Drop,
        other => panic!("unknown role {other}"),
    };
    let before = sys_submounts();
    assert!(!before.is_empty(), "no submounts under /sys to keep");
    let f = std::fs::File::open(format!("/run/netns/{name}")).unwrap();
    nix::sched::setns(f.as_fd(), nix::sched::CloneFlags::CLONE_NEWNET).unwrap();
    let hidden = remount::remount(OsStr::new(&name), strategy).unwrap();
    assert!(hidden.is_empty(), "{hidden:?}");
    let links: Vec<String> = std::fs::read_dir("/sys/class/net")
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(links, ["lo"], "not the namespace's sysfs");
    if strategy == Strategy::Drop {
        assert_eq!(fs_magic("/sys/fs/cgroup"), SYSFS_MAGIC);
        assert!(sys_submounts().is_empty());
    } else {
        assert_ne!(fs_magic("/sys/fs/cgroup"), SYSFS_MAGIC);
        assert_eq!(sys_submounts(), before);
    }
    // Exactly one sysfs on /sys: the old one is gone, not hidden underneath.
    let text = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    let on_sys: Vec<&str> = text
        .lines()
        .filter(|l| l.split(' ').nth(4) == Some("/sys"))
        .collect();
    assert_eq!(on_sys.len(), 1, "{on_sys:?}");
    assert!(
        on_sys[0].contains(&format!(" - sysfs {name} ")),
        "{on_sys:?}"
    );
    println!("child-ok {role}");
}

#[test]
fn every_strategy_gives_the_namespace_sysfs_and_keeps_what_it_should() {
    if let Ok(role) = std::env::var(ROLE) {
        child(&role);
        return;
    }
    if !in_own_mount_namespace(module_path!(), TEST) {
        return;
    }
    let ns = Netns::new("ipsr");
    let host_before = std::fs::read("/proc/self/mountinfo").unwrap();
    let me = std::env::current_exe().unwrap();
    for role in ["keep", "clone", "drop"] {
        let mut c = Command::new("unshare");
        c.args(["--mount", "--propagation", "slave", "--"])
            .arg(&me)
            .args(["--exact", &test_name(module_path!(), TEST)])
            .args(["--nocapture", "--test-threads=1"])
            .env(ROLE, role)
            .env(NS, &ns.name);
        let out = run_ok(&mut c);
        assert!(
            String::from_utf8_lossy(&out.stdout).contains(&format!("child-ok {role}")),
            "{}",
            show(&c, &out)
        );
    }
    assert_eq!(
        String::from_utf8_lossy(&std::fs::read("/proc/self/mountinfo").unwrap()),
        String::from_utf8_lossy(&host_before)
    );
}
