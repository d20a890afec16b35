//! The boot units (`install/vspace-netns.init`, `install/vspace-netns.service`), as root.
//!
//! The SysV script runs for real, in a private mount namespace where a temporary directory is
//! bound over /etc/default (its `vspace-netns` file points DAEMON at a stand-in that records
//! its argv and exits as told) and another over /run (the script's state; no /run/systemd
//! there, so Debian's init-functions never hand the script over to systemctl). The host's
//! /etc/default and /run are untouched. Checked: each action's calls and LSB exit status,
//! failures of `up --all` and `down --all`, a missing program, usage errors, the LSB header.
//!
//! The systemd unit is checked with `systemd-analyze verify` against an installed tree
//! (`make install PREFIX=/usr` into a temporary root, its /usr/sbin bound over the host's in a
//! private mount namespace, its man pages on MANPATH): any message fails the test.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::root::*;
use crate::common::*;

fn source(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// A stand-in vspace-netns and the directories bound over /etc/default and /run.
struct Boot {
    dir: tempfile::TempDir,
}

impl Boot {
    fn new() -> Boot {
        require_root();
        let dir = tempfile::tempdir().unwrap();
        let b = Boot { dir };
        std::fs::create_dir(b.at("default")).unwrap();
        std::fs::create_dir(b.at("run")).unwrap();
        // Records "argv..." per call; exits with the number in exit-<first operand> if any.
        let standin = b.at("vspace-netns");
        write_program(
            &standin,
            format!(
                "#!/bin/sh\necho \"$*\" >> {log}\n[ -f {dir}/exit-$1 ] && exit \"$(cat {dir}/exit-$1)\"\nexit 0\n",
                log = b.at("calls").display(),
                dir = b.dir.path().display()
            )
            .as_bytes(),
            0o755,
        );
        b.set_daemon(&standin);
        b
    }

    fn at(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// What /etc/default/vspace-netns says DAEMON is.
    fn set_daemon(&self, path: &Path) {
        std::fs::write(
            self.at("default/vspace-netns"),
            format!("DAEMON={}\n", path.display()),
        )
        .unwrap();
    }

    /// `up` or `down` of the stand-in exits with `code` from now on.
    fn fail(&self, op: &str, code: i32) {
        std::fs::write(self.at(&format!("exit-{op}")), code.to_string()).unwrap();
    }

    /// The calls the stand-in recorded since the last look.
    fn calls(&self) -> Vec<String> {
        let text = std::fs::read_to_string(self.at("calls")).unwrap_or_default();
        let _ = std::fs::remove_file(self.at("calls"));
        text.lines().map(str::to_string).collect()
    }

    /// `/etc/init.d/vspace-netns ARGS` with the bound directories.
    fn init(&self, args: &[&str]) -> (Command, Output) {
        let mut c = Command::new("unshare");
        c.args(["--mount", "--propagation", "private", "sh", "-c"])
            .arg(
                "mount --bind \"$1/default\" /etc/default && mount --bind \"$1/run\" /run && \
                 shift && exec \"$@\"",
            )
            .arg("sh")
            .arg(self.dir.path())
            .arg(source("install/vspace-netns.init"))
            .args(args)
            .env_remove("SYSTEMCTL_SKIP_REDIRECT");
        let out = run_bounded(&mut c);
        (c, out)
    }

    /// Runs the script with `args` and checks its exit status.
    fn expect(&self, args: &[&str], status: i32) -> String {
        let (c, out) = self.init(args);
        assert_eq!(out.status.code(), Some(status), "{}", show(&c, &out));
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    }

    fn started(&self) -> bool {
        self.at("run/vspace-netns/started").exists()
    }
}

#[test]
fn start_status_stop_restart_reload() {
    let b = Boot::new();
    b.expect(&["status"], 3);
    assert!(b.calls().is_empty());

    let out = b.expect(&["start"], 0);
    assert!(out.contains("Bringing up vspace-netns zones"), "{out}");
    assert_eq!(b.calls(), ["up --all"]);
    assert!(b.started());
    let out = b.expect(&["status"], 0);
    assert!(out.contains("vspace-netns zones are up"), "{out}");
    assert!(b.calls().is_empty(), "status runs nothing");

    b.expect(&["stop"], 0);
    assert_eq!(b.calls(), ["down --all"]);
    assert!(!b.started());
    b.expect(&["status"], 3);

    b.expect(&["restart"], 0);
    assert_eq!(b.calls(), ["down --all", "up --all"]);
    assert!(b.started());

    // reload and force-reload only bring up what is missing: nothing is taken down.
    for action in ["reload", "force-reload"] {
        b.expect(&[action], 0);
        assert_eq!(b.calls(), ["up --all"], "{action}");
    }
    // Stopping twice is fine (LSB: stop on a stopped service succeeds).
    b.expect(&["stop"], 0);
    b.expect(&["stop"], 0);
    assert_eq!(b.calls(), ["down --all", "down --all"]);
}

#[test]
fn failures_are_reported_with_lsb_statuses() {
    let b = Boot::new();
    b.fail("up", 1);
    b.expect(&["start"], 1);
    assert_eq!(b.calls(), ["up --all"]);
    assert!(!b.started(), "a failed start must not count as up");
    b.expect(&["status"], 3);

    std::fs::remove_file(b.at("exit-up")).unwrap();
    b.expect(&["start"], 0);
    // down refuses while guests still use a zone (its status 3): stop fails, the zones stay up.
    b.fail("down", 3);
    b.expect(&["stop"], 1);
    assert_eq!(b.calls(), ["up --all", "down --all"]);
    assert!(b.started());
    b.expect(&["status"], 0);
    // restart stops first and does not start when the stop failed.
    b.expect(&["restart"], 1);
    assert_eq!(b.calls(), ["down --all"]);
}

#[test]
fn a_missing_program_and_usage_errors() {
    let b = Boot::new();
    b.set_daemon(&b.at("not-installed"));
    let out = b.expect(&["start"], 5);
    assert!(out.contains("is not installed"), "{out}");
    // Nothing can be up without the program: stop succeeds.
    b.expect(&["stop"], 0);
    b.expect(&["status"], 3);
    assert!(b.calls().is_empty());

    for args in [&[][..], &["bogus"], &["START"]] {
        let out = b.expect(args, 2);
        assert!(
            out.contains(
                "Usage: /etc/init.d/vspace-netns {start|stop|restart|reload|force-reload|status}"
            ),
            "{out}"
        );
    }
    assert!(b.calls().is_empty());
}

#[test]
fn the_default_daemon_is_the_package_s_binary() {
    let script = std::fs::read_to_string(source("install/vspace-netns.init")).unwrap();
    assert!(script.lines().any(|l| l == "DAEMON=/usr/sbin/vspace-netns"));
    assert!(
        script
            .lines()
            .any(|l| l == "[ -r /etc/default/$NAME ] && . /etc/default/$NAME")
    );
}

/// The LSB header's `# Key: value` lines.
fn lsb_header() -> Vec<(String, String)> {
    let script = std::fs::read_to_string(source("install/vspace-netns.init")).unwrap();
    let start = script.find("### BEGIN INIT INFO\n").unwrap();
    let end = script.find("### END INIT INFO\n").unwrap();
    script[start..end]
        .lines()
        .skip(1)
        .filter_map(|l| {
            let (k, v) = l.strip_prefix("# ")?.split_once(':')?;
            Some((k.to_string(), v.trim().to_string()))
        })
        .collect()
}

#[test]
fn the_lsb_header_orders_it_before_util_vserver() {
    let h = lsb_header();
    let get = |k: &str| {
        h.iter()
            .find(|(key, _)| key == k)
            .unwrap_or_else(|| panic!("no {k} in {h:?}"))
            .1
            .clone()
    };
    assert_eq!(get("Provides"), "vspace-netns");
    assert_eq!(get("X-Start-Before"), "util-vserver vservers-default");
    assert_eq!(get("X-Stop-After"), "util-vserver vservers-default");
    assert_eq!(get("Default-Start"), "2 3 4 5");
    assert_eq!(get("Default-Stop"), "0 1 6");
    assert!(get("Required-Start").contains("$network"));
}

#[test]
fn update_rc_d_links_it_in_every_runlevel_of_the_header() {
    // update-rc.d (init-system-helpers) on a temporary root, as the package's postinst runs it.
    require_root();
    assert!(
        !Path::new("/usr/lib/insserv/insserv").exists() && !Path::new("/sbin/insserv").exists(),
        "insserv is installed: update-rc.d would order the host's /etc/init.d, not the test's root"
    );
    let root = Root::new();
    root.write(
        "/etc/init.d/vspace-netns",
        &std::fs::read(source("install/vspace-netns.init")).unwrap(),
        0o755,
    );
    let mut c = Command::new("update-rc.d");
    c.args(["vspace-netns", "defaults"])
        .env("DPKG_ROOT", root.top());
    run_ok(&mut c);
    let mut links: Vec<String> = root
        .files_under("/etc")
        .into_iter()
        .filter(|f| f.starts_with("/etc/rc"))
        .collect();
    links.sort();
    assert_eq!(links, RC_LINKS);
}

#[test]
fn systemd_analyze_verifies_the_installed_unit() {
    require_root();
    let root = Root::new();
    let mut c = make();
    c.arg("install")
        .arg(format!("DESTDIR={}", root.top().display()))
        .arg(format!("BIN={}", bin().display()))
        .arg("PREFIX=/usr");
    run_ok(&mut c);
    let unit = root.at("/lib/systemd/system/vspace-netns.service");
    let verify = |unit: &Path| {
        let mut c = Command::new("unshare");
        c.args(["--mount", "--propagation", "private", "sh", "-c"])
            .arg("mount --bind \"$1/usr/sbin\" /usr/sbin && exec systemd-analyze verify \"$2\"")
            .arg("sh")
            .arg(root.top())
            .arg(unit)
            .env("MANPATH", root.at("/usr/share/man"))
            .env("SYSTEMD_LOG_COLOR", "0");
        let out = run_bounded(&mut c);
        (c, out)
    };
    let (c, out) = verify(&unit);
    assert!(
        out.status.success() && out.stderr.is_empty() && out.stdout.is_empty(),
        "{}",
        show(&c, &out)
    );
    assert!(
        std::fs::read_to_string(&unit)
            .unwrap()
            .contains("ExecStart=/usr/sbin/vspace-netns up --all")
    );

    // The check can fail: a unit whose program is missing, or with a bad line, is reported.
    let text = std::fs::read_to_string(&unit).unwrap();
    for (bad, name) in [
        (
            text.replace(
                "ExecStart=/usr/sbin/vspace-netns",
                "ExecStart=/usr/sbin/nonesuch",
            ),
            "missing.service",
        ),
        (
            text.replace("Type=oneshot", "Type=oneshoot"),
            "typo.service",
        ),
    ] {
        let path = root.at(&format!("/lib/systemd/system/{name}"));
        std::fs::write(&path, bad).unwrap();
        let (c, out) = verify(&path);
        assert!(!out.stderr.is_empty(), "{}", show(&c, &out));
    }
}

#[test]
fn the_init_script_brings_real_zones_up_and_down() {
    // The real binary as DAEMON, with a zone root of the test's own: start makes the zone
    // (in a private mount namespace whose /run is the test's), stop takes it down again.
    let b = Boot::new();
    b.set_daemon(&bin());
    let conf = b.at("conf");
    let zone = unique("zboot");
    std::fs::create_dir_all(conf.join(&zone)).unwrap();
    std::fs::create_dir_all(b.at("vservers")).unwrap();
    let mut c = Command::new("unshare");
    c.args(["--mount", "--propagation", "private", "sh", "-c"])
        .arg(
            "mount --bind \"$1/default\" /etc/default && mount --bind \"$1/run\" /run && \
             \"$2\" start >/dev/null && echo \"started: $(ls /run/netns)\" && \
             ip -n \"$3\" -br link show lo && \"$2\" stop >/dev/null && \
             echo \"stopped: $(ls /run/netns)\"",
        )
        .arg("sh")
        .arg(b.dir.path())
        .arg(source("install/vspace-netns.init"))
        .arg(&zone)
        .env("VSPACE_NETNS_CONFDIR", &conf)
        .env("VSPACE_NETNS_VSERVERS", b.at("vservers"))
        .env("VSPACE_NETNS_STATE_DIR", b.at("run/vspace-netns"))
        .env_remove("SYSTEMCTL_SKIP_REDIRECT");
    let out = run_bounded(&mut c);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", show(&c, &out));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], format!("started: {zone}"), "{}", show(&c, &out));
    assert!(
        lines[1].starts_with("lo") && lines[1].contains("UNKNOWN"),
        "{}",
        show(&c, &out)
    );
    assert_eq!(lines[2], "stopped: ", "{}", show(&c, &out));
}
