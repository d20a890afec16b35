//! Harness of the tests that need "the host": a shell script run as PID 1 of a new PID and
//! mount namespace (`unshare --pid --fork --mount-proc`), so that `/proc/1/ns/mnt` and
//! `/proc/1/root` are the script's own (the machine's PID 1 may refuse even root). The script
//! starts as a host after a reboot: `/` shared (as systemd makes it) and an empty tmpfs on
//! `/run`, all private to the test's mount namespace, so the machine's `/run/netns` is never
//! touched. `lib.sh` gives it util-vserver's start as the tests play it: `in_start GUEST
//! SCRIPT` runs SCRIPT in a mount namespace of its own, a copy whose shared mounts stay shared
//! (`vspace --mount --fs --new`, what `vserver GUEST start` re-runs itself under), and
//! `cleanup GUEST` is util-vserver's namespace cleanup (vserver.functions `_namespaceCleanup`:
//! the lazy umount of every mount that is not a line of the guest's namespace-cleanup-skip,
//! glob-expanded, or a parent of one), limited to `/run/netns`.

use std::path::PathBuf;
use std::process::{Command, Output};

use super::zone::TestZone;
use super::{Names, bin, require_root, run};

const LIB: &str = r#"
set -eu
hook() { "$BIN" hook "$@"; }
vsn() { "$BIN" "$@"; }
say() { printf '%s\n' "$*"; }
die() { say "FAILED: $*" >&2; exit 1; }
# live NAME: whether /run/netns/NAME is a namespace mount in this mount namespace.
live() { [ "$(stat -f -c %T "/run/netns/$1" 2>/dev/null)" = nsfs ]; }
view() { if live "$1"; then echo live; elif [ -e "/run/netns/$1" ]; then echo stale; else echo missing; fi; }
ino() { stat -L -c %i "/run/netns/$1"; }
boot() {
	mount --make-rshared /
	mount -t tmpfs -o mode=0755 tmpfs /run
}
in_start() {
	G=$1 unshare -m --propagation unchanged sh -eu -c ". '$T/lib.sh'; $2"
}
cleanup() {
	f="$VSPACE_NETNS_VSERVERS/$1/namespace-cleanup-skip"
	[ -e "$f" ] || f="$VSPACE_NETNS_VSERVERS/.defaults/namespace-cleanup-skip"
	# util-vserver's _namespaceCleanup: each line glob-expanded, kept with all its parents.
	keep=$(if [ -e "$f" ]; then for l in $(cat "$f"); do for p in $l; do
		while [ -n "$p" ]; do say "$p"; p=${p%/*}; done
	done; done; fi)
	awk '{print $2}' /proc/mounts | grep '^/run/netns' | sort -ru | while read -r m; do
		say "$keep" | grep -qxF "$m" || umount -l "$m" 2>/dev/null || :
	done
}
"#;

/// A host played as PID 1 of the test's own namespaces, for one zone's roots.
pub struct Host {
    pub t: tempfile::TempDir,
    pub names: Names,
}

impl Host {
    pub fn new() -> Host {
        require_root();
        let t = tempfile::tempdir().unwrap();
        std::fs::write(t.path().join("lib.sh"), LIB).unwrap();
        Host {
            t,
            names: Names::new(),
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.t.path().join(rel)
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel))
            .unwrap_or_else(|e| panic!("{}: {e}", self.path(rel).display()))
    }

    /// Runs `script` (after `. lib.sh`) as PID 1 with the zone's environment; the output.
    pub fn run(&self, z: &TestZone, script: &str) -> (Command, Output) {
        let zc = z.cmd(&[]);
        let mut c = Command::new("unshare");
        c.args([
            "--pid",
            "--fork",
            "--mount-proc",
            "--propagation",
            "private",
        ])
        .args(["sh", "-eu", "-c"])
        .arg(format!(". '{}/lib.sh'\n{script}", self.t.path().display()));
        super::copy_env(&zc, &mut c);
        c.env("BIN", bin())
            .env("VSPACE", self.names.get("vspace"))
            .env("SHIM", self.names.get("ip-netns-shim"))
            .env("T", self.t.path())
            .env("Z", &z.name)
            .env("VSPACE_NETNS_REAL_VSPACE", super::standin())
            .env("VSPACE_NETNS_SBIN_VSPACE", self.names.get("vspace"));
        let out = run(&mut c);
        (c, out)
    }

    /// [`Host::run`], which must succeed; its stdout.
    pub fn ok(&self, z: &TestZone, script: &str) -> String {
        let (c, out) = self.run(z, script);
        assert!(out.status.success(), "{}", super::show(&c, &out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

/// The line of `out` that starts with `key: `, less the key.
pub fn field<'a>(out: &'a str, key: &str) -> &'a str {
    out.lines()
        .find_map(|l| l.strip_prefix(&format!("{key}: ")))
        .unwrap_or_else(|| panic!("no '{key}: ' line in:\n{out}"))
}
