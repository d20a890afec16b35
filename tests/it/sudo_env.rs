//! `sudo` with `env_keep`, the way a user hands root their environment: a sudoers file keeping
//! NETNS_RUN_DIR, VSPACE_NETNS_REAL_VSPACE and VSPACE_NETNS_CONFDIR, and user `nobody` running
//! the binary under each name through it. The environment rule (src/netns/env.rs) must refuse the
//! user's own paths (owned by the user: the kept variable reaches root, and the refusal names
//! it) and use root's (owned by root, writable by no one else), so that the rule, not a blanket
//! reset, is what decides. The sudoers file is bind-mounted over /etc/sudoers in a private mount
//! namespace: the machine's sudo configuration is never touched. sudo must be installed
//! (`.ci/run` installs it); without it the test fails, saying so.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::*;

const NOBODY: u32 = 65534;

/// A directory every user can traverse, holding the binary's names, the sudoers file, one
/// tree owned by `nobody` and one owned by root.
struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    fn new() -> Setup {
        require_root();
        assert!(
            Command::new("sudo").arg("-V").output().is_ok(),
            "sudo is not installed: apt-get install sudo (.ci/run does)"
        );
        let dir = tempfile::tempdir().unwrap();
        let s = Setup { dir };
        mode(s.dir.path(), 0o755);
        for name in ["vspace", "vspace-netns", "ip-netns-shim"] {
            std::os::unix::fs::symlink(bin(), s.path(name)).unwrap();
        }
        std::fs::write(
            s.path("sudoers"),
            "Defaults env_reset\n\
             Defaults env_keep += \"NETNS_RUN_DIR VSPACE_NETNS_REAL_VSPACE VSPACE_NETNS_CONFDIR VSPACE_STANDIN_LOG\"\n\
             Defaults !syslog, !lecture\n\
             nobody ALL=(root) NOPASSWD: ALL\n",
        )
        .unwrap();
        mode(&s.path("sudoers"), 0o440);
        for (tree, owner) in [("user", NOBODY), ("root", 0)] {
            for d in ["", "/netns", "/zones"] {
                let p = s.path(&format!("{tree}{d}"));
                std::fs::create_dir_all(&p).unwrap();
                mode(&p, 0o755);
                std::os::unix::fs::chown(&p, Some(owner), Some(owner)).unwrap();
            }
            let fake = s.path(&format!("{tree}/vspace"));
            copy_program(standin(), &fake, 0o755);
            std::os::unix::fs::chown(&fake, Some(owner), Some(owner)).unwrap();
        }
        s
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// `nobody` runs `sudo -n NAME ARGS` with `env` in its environment.
    fn sudo(&self, name: &str, args: &[&str], env: &[(&str, PathBuf)]) -> (Command, Output) {
        let mut inner = format!(
            "mount --bind '{}' /etc/sudoers && exec setpriv --reuid={NOBODY} --regid={NOBODY} --clear-groups -- env",
            self.path("sudoers").display()
        );
        for (k, v) in env {
            inner.push_str(&format!(" {k}='{}'", v.display()));
        }
        inner.push_str(&format!(" sudo -n '{}'", self.path(name).display()));
        for a in args {
            inner.push_str(&format!(" '{a}'"));
        }
        let mut c = Command::new("unshare");
        c.args(["--mount", "--propagation", "private", "sh", "-c", &inner])
            .env_remove("NETNS_RUN_DIR");
        let out = run_bounded(&mut c);
        (c, out)
    }
}

fn mode(p: &Path, m: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_kept_user_run_dir_is_refused_and_root_s_is_used() {
    let s = Setup::new();
    let name = unique("sudoenv");
    std::fs::write(s.path(&format!("root/netns/{name}")), b"").unwrap();
    std::fs::write(s.path(&format!("user/netns/{name}")), b"").unwrap();

    let user = s.path("user/netns");
    let (c, out) = s.sudo(
        "ip-netns-shim",
        &["list"],
        &[("NETNS_RUN_DIR", user.clone())],
    );
    assert_eq!(out.status.code(), Some(255), "{}", show(&c, &out));
    assert!(
        stderr(&out).starts_with(&format!(
            "ip-netns-shim: NETNS_RUN_DIR={} is not used: {} is owned by uid {NOBODY}, not root",
            user.display(),
            user.display()
        )),
        "{}",
        show(&c, &out)
    );
    assert!(out.stdout.is_empty(), "{}", show(&c, &out));

    // Root's directory, kept the same way, is used: the rule decides, not the reset.
    let (c, out) = s.sudo(
        "ip-netns-shim",
        &["list"],
        &[("NETNS_RUN_DIR", s.path("root/netns"))],
    );
    assert!(out.status.success(), "{}", show(&c, &out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(&name),
        "{}",
        show(&c, &out)
    );
}

#[test]
fn a_kept_user_real_vspace_never_runs_and_root_s_does() {
    let s = Setup::new();
    let user_log = s.path("user-calls");
    let (c, out) = s.sudo(
        "vspace",
        &["--new", "--", "true"],
        &[
            ("VSPACE_NETNS_REAL_VSPACE", s.path("user/vspace")),
            ("VSPACE_STANDIN_LOG", user_log.clone()),
        ],
    );
    assert_eq!(out.status.code(), Some(255), "{}", show(&c, &out));
    assert!(
        stderr(&out).starts_with(&format!(
            "vspace: VSPACE_NETNS_REAL_VSPACE={} is not used: {} is owned by uid {NOBODY}, not root",
            s.path("user/vspace").display(),
            s.path("user/vspace").display()
        )),
        "{}",
        show(&c, &out)
    );
    assert!(!user_log.exists(), "the user's vspace ran as root");

    let root_log = s.path("root-calls");
    let (c, out) = s.sudo(
        "vspace",
        &["--new", "--", "true"],
        &[
            ("VSPACE_NETNS_REAL_VSPACE", s.path("root/vspace")),
            ("VSPACE_STANDIN_LOG", root_log.clone()),
        ],
    );
    assert!(out.status.success(), "{}", show(&c, &out));
    let calls = std::fs::read(&root_log).unwrap_or_default();
    assert!(
        calls.windows(5).any(|w| w == b"--new"),
        "root's vspace did not get the call: {}",
        show(&c, &out)
    );
}

#[test]
fn a_kept_user_zones_root_is_refused() {
    let s = Setup::new();
    let zones = s.path("user/zones");
    std::fs::create_dir_all(zones.join("dmz")).unwrap();
    let (c, out) = s.sudo(
        "vspace-netns",
        &["up", "dmz", "--dry-run"],
        &[("VSPACE_NETNS_CONFDIR", zones.clone())],
    );
    assert_eq!(out.status.code(), Some(1), "{}", show(&c, &out));
    assert!(
        stderr(&out).contains(&format!(
            "VSPACE_NETNS_CONFDIR={} is not used: {} is owned by uid {NOBODY}, not root",
            zones.display(),
            zones.display()
        )),
        "{}",
        show(&c, &out)
    );
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("ip netns add"),
        "{}",
        show(&c, &out)
    );
}
