//! Fail closed at the limits, played for real as root: each test runs a shell script as PID 1
//! of a private PID, mount and network namespace with an empty tmpfs on `/run` (so the
//! machine's `/run/netns` is never touched), takes away what the defect needs (`/proc`, threads,
//! a writable stdout, ...) and checks that the binary refuses with its documented status and a
//! message naming the cause, or finishes its work, never that it fails open, panics or hangs.

mod common;

use std::process::{Command, Output};

use common::{Names, assert_no_panic, require_root, run_bounded, show};

/// A script run as PID 1 of new PID, mount and network namespaces, `/run` an empty tmpfs,
/// with `$VSPACE`, `$BIN` (the admin tool), `$SHIM` and `$T` (a temp dir) set.
struct Sandbox {
    t: tempfile::TempDir,
    names: Names,
}

impl Sandbox {
    fn new() -> Sandbox {
        require_root();
        Sandbox {
            t: tempfile::tempdir().unwrap(),
            names: Names::new(),
        }
    }

    fn cmd(&self, script: &str) -> Command {
        let mut c = Command::new("unshare");
        c.args([
            "--pid",
            "--fork",
            "--mount",
            "--propagation",
            "private",
            "--net",
            "--mount-proc",
            "sh",
            "-eu",
            "-c",
        ])
        .arg(format!(
            "mount -t tmpfs -o mode=0755 tmpfs /run\nip link set lo up\n{script}"
        ))
        .env("VSPACE", self.names.get("vspace"))
        .env("BIN", self.names.get("vspace-netns"))
        .env("SHIM", self.names.get("ip-netns-shim"))
        .env("T", self.t.path())
        .env_remove("NETNS_RUN_DIR");
        c
    }

    fn run(&self, script: &str) -> (Command, Output) {
        let mut c = self.cmd(script);
        let out = run_bounded(&mut c);
        assert_no_panic(&c, &out);
        (c, out)
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Issue: with no `/proc` in the caller's mount namespace (a rescue chroot), neither
/// `/proc/1/ns/net` nor `/proc/self/ns/net` can be read, and the host check counted that as
/// "not the host": `vspace --enter X --net` entered X although X was the host's network.
#[test]
fn without_proc_the_host_check_refuses() {
    let s = Sandbox::new();
    let (c, out) = s.run(
        r#"
mkdir /run/netns
touch /run/netns/x
mount --bind /proc/self/ns/net /run/netns/x
# As in a rescue chroot: nothing on /proc.
mount -t tmpfs -o mode=0755 tmpfs /proc
[ ! -e /proc/self ] || { echo "/proc still there" >&2; exit 9; }
set +e
"$VSPACE" --enter x --net -- /bin/sh -c 'echo ENTERED'
echo "rc=$?"
"#,
    );
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{}", show(&c, &out));
    assert!(!stdout.contains("ENTERED"), "{}", show(&c, &out));
    assert!(stdout.contains("rc=255"), "{}", show(&c, &out));
    assert!(
        stderr.contains("cannot tell whether") && stderr.contains("host's own network namespace"),
        "{}",
        show(&c, &out)
    );
    assert!(stderr.contains("mount /proc"), "{}", show(&c, &out));
}
