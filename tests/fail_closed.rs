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

/// A zone with only `lo` and the guests given, each in it.
fn zone_with(prefix: &str, guests: &[&str]) -> common::zone::TestZone {
    let z = common::zone::TestZone::new(prefix);
    for g in guests {
        z.guest(g, format!("{}\n", z.name).as_bytes());
    }
    z
}

fn claims_dir(z: &common::zone::TestZone) -> std::path::PathBuf {
    z.root.path().join("state/claims").join(&z.name)
}

/// Issue: claim files were told from their temporaries by a `.tmp` suffix, which a guest's
/// name may have: the claim of a guest named `x.tmp` was ignored, and `down` took its zone down
/// mid-start.
#[test]
fn a_guest_named_tmp_holds_its_claim() {
    require_root();
    let z = zone_with("zt", &["x.tmp"]);
    common::run_ok(&mut z.cmd(&["hook", "initialize", "x.tmp"]));
    assert!(claims_dir(&z).join("x.tmp").is_file());
    let mut c = z.cmd(&["down", &z.name]);
    let out = run_bounded(&mut c);
    assert_eq!(out.status.code(), Some(3), "{}", show(&c, &out));
    assert!(
        text(&out.stderr).contains("the start of x.tmp claimed it"),
        "{}",
        show(&c, &out)
    );
    assert!(
        z.entry().exists(),
        "the zone was taken down under its start"
    );
    // No temporary is left beside the claims.
    let names: Vec<_> = std::fs::read_dir(claims_dir(&z))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["x.tmp"]);
    common::run_ok(&mut z.cmd(&["hook", "post-start", "x.tmp"]));
    common::run_ok(&mut z.cmd(&["down", &z.name]));
}

/// Issue: claims were read with a plain read: a FIFO among them hung `down` (and post-stop)
/// forever while it held the zone's lock, and a symbolic link was followed to a claim.
#[test]
fn claims_that_are_no_regular_files_are_ignored_with_a_warning() {
    require_root();
    let z = zone_with("zf", &["web"]);
    common::run_ok(&mut z.cmd(&["up", &z.name]));
    let dir = claims_dir(&z);
    std::fs::create_dir_all(&dir).unwrap();
    nix::unistd::mkfifo(
        &dir.join("fifo"),
        nix::sys::stat::Mode::from_bits_truncate(0o600),
    )
    .unwrap();
    // A claim that would be live (this process runs), reached only through a link.
    let elsewhere = z.root.path().join("live-claim");
    let me = std::fs::read(format!("/proc/{}/stat", std::process::id())).unwrap();
    let close = me.iter().rposition(|&b| b == b')').unwrap();
    let start = String::from_utf8_lossy(&me[close + 1..])
        .split_whitespace()
        .nth(19)
        .unwrap()
        .to_string();
    std::fs::write(&elsewhere, format!("{} {start}\n", std::process::id())).unwrap();
    std::os::unix::fs::symlink(&elsewhere, dir.join("web")).unwrap();
    let mut c = z.cmd(&["down", &z.name]);
    let out = run_bounded(&mut c);
    assert_no_panic(&c, &out);
    assert_eq!(out.status.code(), Some(0), "{}", show(&c, &out));
    let err = text(&out.stderr);
    assert!(
        err.contains("fifo is a FIFO") && err.contains("is a symbolic link"),
        "{}",
        show(&c, &out)
    );
    assert!(!z.entry().exists(), "{}", show(&c, &out));
}
