//! The sandbox `make test-upstream` runs every upstream case in (`upstream/sandbox.sh`), as
//! root for real: what a case makes (named namespaces in the run dir, links, background
//! processes, mounts) stays inside and is gone when it ends or is killed, the `ip` it finds is
//! the one asked for, and an `ip` folder the sandbox would hide under its own /tmp is refused.
//! The suites themselves need apt sources and minutes: `make test-upstream`, not here.

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;

fn sandbox_sh() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("upstream/sandbox.sh")
}

/// A folder outside /tmp holding `ip` -> the binary under test, removed on drop.
struct IpDir(PathBuf);

impl IpDir {
    fn new(test: &str) -> IpDir {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(unique(test));
        std::fs::create_dir_all(&dir).unwrap();
        symlink(bin(), dir.join("ip")).unwrap();
        IpDir(dir)
    }
}

impl Drop for IpDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The background `sh -c 'sleep 300' MARKER` of a sandboxed script (MARKER comes from the
/// environment, so no other command line holds it).
const SLEEPER: &str = "(exec sh -c 'sleep 300' \"$MARKER\") &";

/// Processes running the [`SLEEPER`] with `marker`.
fn processes_with(marker: &str) -> Vec<String> {
    let want = format!("sh\0-c\0sleep 300\0{marker}\0");
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline"))
            && cmdline == want.as_bytes()
        {
            found.push(format!(
                "{}: {}",
                entry.file_name().to_string_lossy(),
                String::from_utf8_lossy(&cmdline).replace('\0', " ")
            ));
        }
    }
    found
}

/// Mounts of this process's mount namespace whose line in mountinfo names `what`.
fn mounts_with(what: &str) -> Vec<String> {
    std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap()
        .lines()
        .filter(|l| l.contains(what))
        .map(str::to_string)
        .collect()
}

/// Waits up to 10 s for `done`; false if it never held.
fn within_10s(mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    done()
}

#[test]
fn what_a_case_makes_stays_in_the_sandbox() {
    require_root();
    let ipdir = IpDir::new("sbx");
    let ns = unique("sbx");
    let link = unique("sbv");
    let marker = format!("upstream-sandbox-marker-{}", unique("m"));
    let script = format!(
        "set -e; ip netns add {ns}; ip link add {link} type veth peer name {link}p; \
         ip link set {link}p netns {ns}; ls /run/netns; readlink -f \"$(command -v ip)\"; \
         ip netns exec {ns} ip -br link show {link}p; {SLEEPER} \
         grep -c upstream- /proc/self/mountinfo"
    );
    let mut cmd = Command::new("sh");
    cmd.arg(sandbox_sh())
        .arg(&ipdir.0)
        .args(["sh", "-c", &script])
        .env("MARKER", &marker);
    let out = run_bounded(&mut cmd);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", show(&cmd, &out));
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines.contains(&ns.as_str()), "{}", show(&cmd, &out));
    assert!(
        lines.contains(&bin().canonicalize().unwrap().to_str().unwrap()),
        "the sandbox's ip is not the binary\n{}",
        show(&cmd, &out)
    );
    assert!(
        lines.iter().any(|l| l.starts_with(&format!("{link}p"))),
        "{}",
        show(&cmd, &out)
    );
    // The tmpfs on /run/netns and on /tmp, inside.
    assert_eq!(lines.last(), Some(&"2"), "{}", show(&cmd, &out));
    // Outside: none of it.
    assert!(
        !Path::new("/run/netns").join(&ns).exists(),
        "{ns} left in the host's run dir"
    );
    assert!(!host_has_link(&link), "link {link} left on the host");
    assert!(
        mounts_with("upstream-").is_empty(),
        "{:?}",
        mounts_with("upstream-")
    );
    assert!(
        within_10s(|| processes_with(&marker).is_empty()),
        "background process outlived its sandbox: {:?}",
        processes_with(&marker)
    );
}

#[test]
fn a_killed_sandbox_takes_everything_along() {
    require_root();
    let ipdir = IpDir::new("sbk");
    let ns = unique("sbk");
    let marker = format!("upstream-sandbox-marker-{}", unique("k"));
    let script = format!("ip netns add {ns}; {SLEEPER} wait");
    let mut child = Command::new("sh")
        .arg(sandbox_sh())
        .arg(&ipdir.0)
        .args(["sh", "-c", &script])
        .env("MARKER", &marker)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = within_10s(|| !processes_with(&marker).is_empty());
    // sandbox.sh execs unshare, which ignores SIGTERM and SIGINT while it waits: SIGKILL, as
    // upstream/run.sh sends when interrupted.
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(started, "the sandboxed command never started");
    assert!(
        within_10s(|| processes_with(&marker).is_empty()),
        "a process of a killed sandbox lives on: {:?}",
        processes_with(&marker)
    );
    assert!(
        !Path::new("/run/netns").join(&ns).exists(),
        "{ns} left in the host's run dir"
    );
    assert!(
        mounts_with("upstream-").is_empty(),
        "{:?}",
        mounts_with("upstream-")
    );
}

#[test]
fn an_ip_folder_under_tmp_is_kept_under_the_private_tmp() {
    require_root();
    // The sandbox mounts a tmpfs on /tmp, which would hide this folder and let PATH fall back
    // to another ip: the folder is bound back at its path (a CI clone may lie under /tmp), and
    // the ip run is the one in it; the rest of the host's /tmp stays hidden.
    let dir = tempfile::tempdir_in("/tmp").unwrap();
    symlink(bin(), dir.path().join("ip")).unwrap();
    let other = tempfile::tempdir_in("/tmp").unwrap();
    let mut cmd = Command::new("sh");
    cmd.arg(sandbox_sh()).arg(dir.path()).args([
        "sh",
        "-c",
        "command -v ip; test -e \"$1\" && echo visible || echo hidden",
        "sh",
    ]);
    cmd.arg(other.path());
    let out = run_ok(&mut cmd);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("{}/ip\nhidden\n", dir.path().display()),
        "{}",
        show(&cmd, &out)
    );
}
