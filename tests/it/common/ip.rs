//! Harness of the ip personality's tests (on top of `common`): the binary as `ip` and
//! `ip-netns-shim`, the real ip, a private run dir that unmounts itself, side-by-side runs of
//! ours and the real ip, and the host's mount table for before/after comparisons.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::*;

/// The real iproute2 ip (an absolute path, as the binary itself would find it).
pub fn real_ip() -> PathBuf {
    for p in ["/sbin/ip", "/usr/sbin/ip", "/bin/ip", "/usr/bin/ip"] {
        if Path::new(p).is_file() {
            return PathBuf::from(p);
        }
    }
    panic!("the real ip (iproute2) is not installed; the comparison tests need it");
}

/// The binary as `ip` (the host's run dir unless the test sets NETNS_RUN_DIR).
pub fn our_ip(names: &Names) -> Command {
    let mut c = Command::new(names.get("ip"));
    c.env_remove("NETNS_RUN_DIR")
        .env_remove("NETNS_ETC_DIR")
        .env_remove("VSPACE_NETNS_REAL_IP");
    c
}

/// The binary as `ip-netns-shim`.
pub fn shim(names: &Names) -> Command {
    let mut c = Command::new(names.get("ip-netns-shim"));
    c.env_remove("NETNS_RUN_DIR")
        .env_remove("NETNS_ETC_DIR")
        .env_remove("VSPACE_NETNS_REAL_IP");
    c
}

/// The real ip.
pub fn real() -> Command {
    Command::new(real_ip())
}

/// The first line of stderr, as bytes.
pub fn first_err_line(out: &Output) -> Vec<u8> {
    out.stderr
        .split(|&b| b == b'\n')
        .next()
        .unwrap_or_default()
        .to_vec()
}

/// Runs the same arguments through ours (as `ip`) and the real ip, and checks that the exit
/// status and the first stderr line are the same. Returns both outputs (ours, real).
pub fn same_failure<S: AsRef<OsStr>>(names: &Names, args: &[S]) -> (Output, Output) {
    let mut ours = our_ip(names);
    ours.args(args);
    let mut theirs = real();
    theirs.args(args);
    let (o, t) = (run(&mut ours), run(&mut theirs));
    assert_eq!(
        o.status.code(),
        t.status.code(),
        "exit status differs\nOURS {}\nREAL {}",
        show(&ours, &o),
        show(&theirs, &t)
    );
    assert_eq!(
        String::from_utf8_lossy(&first_err_line(&o)),
        String::from_utf8_lossy(&first_err_line(&t)),
        "first error line differs\nOURS {}\nREAL {}",
        show(&ours, &o),
        show(&theirs, &t)
    );
    assert_eq!(first_err_line(&o), first_err_line(&t));
    assert_ne!(
        o.status.code(),
        Some(0),
        "not a failure: {}",
        show(&ours, &o)
    );
    (o, t)
}

/// The lines of /proc/self/mountinfo that mention `needle`.
pub fn mount_lines(needle: &[u8]) -> Vec<Vec<u8>> {
    std::fs::read("/proc/self/mountinfo")
        .unwrap()
        .split(|&b| b == b'\n')
        .filter(|l| l.windows(needle.len()).any(|w| w == needle))
        .map(<[u8]>::to_vec)
        .collect()
}

/// A run dir of the test's own (NETNS_RUN_DIR): whatever `add` mounted in it, and the dir's own
/// bind mount, is unmounted on drop.
pub struct RunDir {
    pub dir: tempfile::TempDir,
}

impl RunDir {
    pub fn new() -> RunDir {
        require_root();
        RunDir {
            dir: tempfile::Builder::new()
                .prefix("ipns-run")
                .tempdir()
                .unwrap(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `cmd` with NETNS_RUN_DIR set to this dir.
    pub fn with<'a>(&self, cmd: &'a mut Command) -> &'a mut Command {
        cmd.env("NETNS_RUN_DIR", self.path())
    }

    /// The mountinfo lines of this dir and what is mounted in it.
    pub fn mounts(&self) -> Vec<Vec<u8>> {
        mount_lines(self.path().as_os_str().as_bytes())
    }
}

impl Drop for RunDir {
    fn drop(&mut self) {
        if let Ok(rd) = std::fs::read_dir(self.path()) {
            for e in rd.flatten() {
                while nix::mount::umount2(&e.path(), nix::mount::MntFlags::MNT_DETACH).is_ok() {}
            }
        }
        while nix::mount::umount2(self.path(), nix::mount::MntFlags::MNT_DETACH).is_ok() {}
    }
}

/// `stdout` as trimmed text.
pub fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The non-sysfs mounts below /sys in mountinfo `text`, as "point fstype", sorted.
pub fn sys_submounts_in(text: &str) -> Vec<String> {
    let mut v: Vec<String> = text
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            let sep = f.iter().position(|w| *w == "-")?;
            (f[4].starts_with("/sys/") && f[sep + 1] != "sysfs")
                .then(|| format!("{} {}", f[4], f[sep + 1]))
        })
        .collect();
    v.sort();
    v
}
