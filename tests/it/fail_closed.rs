//! Fail closed at the limits, played for real as root: each test runs a shell script as PID 1
//! of a private PID, mount and network namespace with an empty tmpfs on `/run` (so the
//! machine's `/run/netns` is never touched), takes away what the defect needs (`/proc`, threads,
//! a writable stdout, ...) and checks that the binary refuses with its documented status and a
//! message naming the cause, or finishes its work, never that it fails open, panics or hangs.

use crate::common;

use std::process::{Command, Output};

use crate::common::{Names, assert_no_panic, require_root, run_bounded, show};

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

/// The value of `/proc/sys/PATH` inside the zone's namespace.
fn sysctl_in(z: &common::zone::TestZone, path: &str) -> String {
    let mut c = Command::new("nsenter");
    c.arg(format!("--net={}", z.entry().display()))
        .args(["cat", &format!("/proc/sys/{path}")]);
    text(&common::run_ok(&mut c).stdout).trim().to_string()
}

/// Issue: the sysctls of a link with a dot in its name (`e0.2`, a valid name) could be written
/// in neither key form (`/` and `.` were both made separators), and `-KEY` (sysctl.d(5): skip
/// a key the kernel has not) lost its `-` and failed `up`.
#[test]
fn sysctls_of_a_dotted_link_name_in_either_form_and_optional_keys() {
    require_root();
    let mut z = common::zone::TestZone::new("zs");
    let peer = common::unique("zsp");
    z.write("id", &format!("{}\n", common::zone::unique_id()));
    z.link(
        "e0.2",
        &[("type", "veth\n"), ("peer", &format!("{peer}\n"))],
    );
    z.host_links.retain(|l| l != "e0.2");
    z.write(
        "sysctl",
        "net/ipv4/conf/e0.2/forwarding = 1\n\
         net.ipv6.conf.e0/2.disable_ipv6 = 1\n\
         -net.ipv4.conf.nosuch.forwarding = 1\n\
         - net.ipv4.no_such_key = 1\n",
    );
    let mut c = z.cmd(&["up", &z.name]);
    let out = run_bounded(&mut c);
    assert_eq!(out.status.code(), Some(0), "{}", show(&c, &out));
    assert_eq!(sysctl_in(&z, "net/ipv4/conf/e0.2/forwarding"), "1");
    assert_eq!(sysctl_in(&z, "net/ipv6/conf/e0.2/disable_ipv6"), "1");
    // A second up finds it all as configured: the optional keys are no step.
    let again = common::run_ok(&mut z.cmd(&["up", &z.name]));
    assert_eq!(
        text(&again.stdout),
        format!("# nothing to do: zone {} is up as configured\n", z.name)
    );
    common::run_ok(&mut z.cmd(&["down", &z.name]));
}

/// Issue: "Too many open files" while reading a zone's files came with a hint to correct or
/// remove a file that was fine. Under every small `ulimit -n`, an EMFILE is said with its errno
/// and no hint to edit a file; never a panic or hang.
#[test]
fn emfile_is_said_without_a_hint_to_fix_the_file() {
    require_root();
    let z = common::zone::TestZone::new("ze");
    z.write("sysctl", "net.ipv4.ip_forward = 1\n");
    let mut seen = 0;
    for n in 3..40 {
        let mut c = z.cmd(&[]);
        let prog = c.get_program().to_owned();
        let mut c2 = Command::new("sh");
        c2.args([
            "-c",
            &format!("ulimit -n {n}; exec \"$0\" up --dry-run \"$1\""),
        ])
        .arg(prog)
        .arg(&z.name);
        crate::common::copy_env(&c, &mut c2);
        c = c2;
        let out = run_bounded(&mut c);
        assert_no_panic(&c, &out);
        let err = text(&out.stderr);
        if err.contains("Too many open files") {
            seen += 1;
            assert!(
                !err.contains("correct or remove")
                    && !err.contains("only regular files are read")
                    && !err.contains("; write one"),
                "ulimit -n {n}: a hint to fix a file that is fine\n{}",
                show(&c, &out)
            );
        }
    }
    assert!(
        seen > 0,
        "no ulimit -n gave EMFILE: the test proves nothing"
    );
}

/// `z.cmd(args)` run by `sh` with stdout redirected as `redirect` says (`>/dev/full`, `>&-`).
fn with_stdout(z: &common::zone::TestZone, args: &[&str], redirect: &str) -> Command {
    let script = format!("trap '' PIPE; exec \"$@\" {redirect}");
    let prefix = ["sh", "-c", &script, "sh"].map(std::ffi::OsStr::new);
    common::wrapped(&prefix, &z.cmd(args))
}

/// Issue: the hook failed when its lines could not be written: `initialize` with stdout on
/// `/dev/full` refused the guest's start ("write error on stdout"), `post-stop` exited 1 and
/// left the zone. The work is done; only the lines are lost.
#[test]
fn the_hook_does_its_work_when_stdout_cannot_be_written() {
    require_root();
    let z = zone_with("zo", &["web"]);
    for redirect in [">/dev/full", ">&-"] {
        for phase in ["initialize", "prepre-start"] {
            let mut c = with_stdout(&z, &["hook", phase, "web"], redirect);
            let out = run_bounded(&mut c);
            assert_no_panic(&c, &out);
            assert_eq!(out.status.code(), Some(0), "{redirect}: {}", show(&c, &out));
            assert!(z.entry().exists(), "{redirect} {phase}: {}", show(&c, &out));
        }
        common::run_ok(&mut z.cmd(&["hook", "post-start", "web"]));
        let mut c = with_stdout(&z, &["hook", "post-stop", "web"], redirect);
        let out = run_bounded(&mut c);
        assert_no_panic(&c, &out);
        assert_eq!(out.status.code(), Some(0), "{redirect}: {}", show(&c, &out));
        assert!(
            !z.entry().exists(),
            "{redirect}: the zone was left: {}",
            show(&c, &out)
        );
    }
    // The admin's own `up` still fails on it (status 1), with the zone undone.
    let mut c = with_stdout(&z, &["up", &z.name], ">/dev/full");
    let out = run_bounded(&mut c);
    assert_eq!(out.status.code(), Some(1), "{}", show(&c, &out));
    assert!(text(&out.stderr).contains("write error on stdout"));
    assert!(!z.entry().exists(), "{}", show(&c, &out));
}

/// A pids cgroup of its own with `pids.max` 1 (cgroup v2 where its pids controller is
/// enabled, else v1's pids hierarchy), removed on drop: a process moved into it can make no
/// thread (clone fails with EAGAIN), as under systemd's `TasksMax=`.
struct PidsLimit {
    dir: std::path::PathBuf,
}

impl PidsLimit {
    fn new() -> Option<PidsLimit> {
        let name = common::unique("pl");
        for top in [
            "/sys/fs/cgroup",
            "/sys/fs/cgroup/unified",
            "/sys/fs/cgroup/pids",
        ] {
            let top = std::path::Path::new(top);
            let v2 = std::fs::read_to_string(top.join("cgroup.subtree_control"))
                .is_ok_and(|c| c.split_whitespace().any(|w| w == "pids"));
            let v1 = top.ends_with("pids") && top.join("tasks").exists();
            if !(v2 || v1) {
                continue;
            }
            let dir = top.join(&name);
            if std::fs::create_dir(&dir).is_ok() {
                if std::fs::write(dir.join("pids.max"), "1").is_ok() {
                    return Some(PidsLimit { dir });
                }
                let _ = std::fs::remove_dir(&dir);
            }
        }
        None
    }

    /// `cmd` run by `sh`, which moves itself into the cgroup first, then execs it.
    fn wrap(&self, cmd: &Command) -> Command {
        let script = "echo $$ > \"$CG/cgroup.procs\" && exec \"$@\"";
        let prefix = ["sh", "-c", script, "sh"].map(std::ffi::OsStr::new);
        let mut sh = common::wrapped(&prefix, cmd);
        sh.env("CG", &self.dir);
        sh
    }
}

impl Drop for PidsLimit {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.dir);
    }
}

/// On a host with many processes the look at every process's namespace is shared among
/// threads (`netns::procs`, 256 processes a thread, one a CPU); where no thread can be made
/// the caller looks at every share itself. With enough processes for two threads (sleepers
/// of the test's own) and two processes in a namespace of the test's, `ip-netns-shim pids`
/// under a pids limit of 1 finds exactly what it finds without one.
#[test]
fn a_look_at_every_process_without_threads_misses_nobody() {
    require_root();
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let limit = PidsLimit::new();
    let (Some(limit), true) = (limit, cpus >= 2) else {
        crate::common::skipped(&format!(
            "SKIPPED fail_closed::a_look_at_every_process_without_threads_misses_nobody: needs 2 CPUs and a pids cgroup (v1 or v2); this machine has {cpus} CPU(s)"
        ));
        return;
    };
    let ns = common::RawNetns::new(common::unique("pt").into());
    // One before the crowd and one after: /proc lists in PID order, so the two land in the
    // first share (the caller's) and the last (a thread's).
    let first = common::Sleeper::new(&ns.name.to_string_lossy());
    let procs = || {
        std::fs::read_dir("/proc")
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().parse::<u32>().is_ok())
            .count()
    };
    // Two threads' worth and a margin, whatever else runs meanwhile.
    let crowd: Vec<common::Sleeper> = (procs()..2 * 256 + 64)
        .map(|_| {
            let mut sleep = Command::new("sleep");
            sleep.arg("600");
            common::Sleeper::start(
                &mut sleep,
                std::path::Path::new("/proc/self/ns/net"),
                "sleep",
            )
        })
        .collect();
    assert!(procs() >= 2 * 256, "the crowd did not start");
    let last = common::Sleeper::new(&ns.name.to_string_lossy());
    // The shares follow /proc's order: `last` must be past the first half, else (PIDs
    // wrapped around meanwhile) both are in the caller's share and nothing is tested.
    let listed: Vec<u32> = std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_string_lossy().parse().ok())
        .collect();
    let at = listed.iter().position(|p| *p == last.pid());
    if at.is_none_or(|i| i < listed.len() / 2) {
        crate::common::skipped(&format!(
            "SKIPPED fail_closed::a_look_at_every_process_without_threads_misses_nobody: PIDs wrapped around, the last sleeper ({}) is not in a thread's share",
            last.pid()
        ));
        return;
    }
    let names = Names::new();
    let pids = |limited: bool| {
        let mut c = common::ip::shim(&names);
        c.arg("pids").arg(&ns.name);
        let mut c = if limited { limit.wrap(&c) } else { c };
        let out = run_bounded(&mut c);
        assert_no_panic(&c, &out);
        assert_eq!(out.status.code(), Some(0), "{}", show(&c, &out));
        let mut got: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_owned)
            .collect();
        got.sort();
        got
    };
    let mut want = vec![first.pid().to_string(), last.pid().to_string()];
    want.sort();
    assert_eq!(pids(false), want);
    assert_eq!(pids(true), want);
    drop(crowd);
}

/// Issue: under a pids limit (systemd `TasksMax=`) no thread can be made, and `up`, `down`,
/// `hook`, `status --json`, `down --dry-run` and `ip-netns-shim add` panicked (134), `add`
/// leaving its entry file and `up` the zone's entry. Now: a clear message naming the cause,
/// the documented status, the usual rollback.
#[test]
fn no_panic_and_no_leftovers_when_no_thread_can_be_made() {
    require_root();
    let Some(limit) = PidsLimit::new() else {
        crate::common::skipped(
            "SKIPPED fail_closed::no_panic_and_no_leftovers_when_no_thread_can_be_made: no pids cgroup (v1 or v2) can be made here",
        );
        return;
    };
    let z = zone_with("zp", &["web"]);
    z.write("sysctl", "net.ipv4.ip_forward = 1\n");
    let names = Names::new();
    // Its own run dir, unmounted on drop: `add` binds it onto itself before it fails.
    let run_dir = common::ip::RunDir::new();
    let ns = common::unique("pn");
    let mut add = Command::new(names.get("ip-netns-shim"));
    add.args(["add", &ns]).env("NETNS_RUN_DIR", run_dir.path());
    let cases: Vec<(Command, i32)> = vec![
        (add, 1),
        (z.cmd(&["up", &z.name]), 1),
        (z.cmd(&["hook", "initialize", "web"]), 1),
    ];
    for (cmd, want) in cases {
        let mut c = limit.wrap(&cmd);
        let out = run_bounded(&mut c);
        assert_no_panic(&c, &out);
        assert_eq!(out.status.code(), Some(want), "{}", show(&c, &out));
        assert!(
            text(&out.stderr).contains("cannot start a thread: Resource temporarily unavailable"),
            "{}",
            show(&c, &out)
        );
    }
    assert!(!run_dir.path().join(&ns).exists(), "add left its entry");
    assert!(!z.entry().exists(), "up left the zone's entry");
    // With the zone up, what reads it from inside fails cleanly too.
    common::run_ok(&mut z.cmd(&["up", &z.name]));
    for args in [
        &["status", "--json", &z.name][..],
        &["down", "--dry-run", &z.name],
        &["down", &z.name],
        &["hook", "post-stop", "web"],
    ] {
        let mut c = limit.wrap(&z.cmd(args));
        let out = run_bounded(&mut c);
        assert_no_panic(&c, &out);
        assert_ne!(out.status.code(), Some(0), "{}", show(&c, &out));
    }
    assert!(z.entry().exists());
    common::run_ok(&mut z.cmd(&["down", &z.name]));
}

/// Issue: two name rules: a zone name with DEL (0x7f) was accepted by `up`, while `doctor` (and
/// the hook) called its guests' `spaces/net` broken and suggested the name without DEL, which
/// does not exist. One rule now: a control byte (below 0x20, and DEL) is refused everywhere.
#[test]
fn a_zone_name_with_del_is_refused_alike_everywhere() {
    require_root();
    let z = common::zone::TestZone::new("zd");
    let bad = format!("{}\x7f", z.name);
    std::fs::create_dir(z.conf().join(&bad)).unwrap();
    z.guest("web", format!("{bad}\n").as_bytes());
    let mut c = z.cmd(&["up", &bad]);
    let out = run_bounded(&mut c);
    assert_no_panic(&c, &out);
    assert_eq!(out.status.code(), Some(1), "{}", show(&c, &out));
    assert!(
        text(&out.stderr).contains("control character"),
        "{}",
        show(&c, &out)
    );
    let mut run_dir = z.entry();
    run_dir.pop();
    assert!(!run_dir.join(&bad).exists(), "up made the zone");
    // The hook refuses the guest's start the same way, and doctor never offers another name.
    let mut c = z.cmd(&["hook", "initialize", "web"]);
    let out = run_bounded(&mut c);
    assert_no_panic(&c, &out);
    assert_eq!(out.status.code(), Some(1), "{}", show(&c, &out));
    assert!(!run_dir.join(&bad).exists(), "the hook made the zone");
    let mut c = z.cmd(&["status", &bad]);
    let out = run_bounded(&mut c);
    assert_no_panic(&c, &out);
    assert_ne!(out.status.code(), Some(0), "{}", show(&c, &out));
}

/// Issue: one guest outside every zone whose directory name has a control byte or is not
/// UTF-8, with its own namespace-cleanup-skip, made `up` of every zone and every member's
/// `initialize` fail with a message that named no zone. It is now skipped with a warning
/// naming it.
#[test]
fn an_odd_guest_outside_the_zone_blocks_no_zone() {
    use std::os::unix::ffi::OsStrExt;
    require_root();
    let z = zone_with("zg", &["web"]);
    for odd in [&b"odd\x01"[..], b"odd\xff"] {
        let dir = z.vservers().join(std::ffi::OsStr::from_bytes(odd));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("namespace-cleanup-skip"), "/proc\n").unwrap();
    }
    let mut c = z.cmd(&["up", &z.name]);
    let out = run_bounded(&mut c);
    assert_no_panic(&c, &out);
    assert_eq!(out.status.code(), Some(0), "{}", show(&c, &out));
    let err = text(&out.stderr);
    assert!(
        err.contains("guest odd\\x01 skipped") || err.contains("guest 'odd\\x01' skipped"),
        "{}",
        show(&c, &out)
    );
    assert!(z.entry().exists());
    common::run_ok(&mut z.cmd(&["down", &z.name]));
    let mut c = z.cmd(&["hook", "initialize", "web"]);
    let out = run_bounded(&mut c);
    assert_eq!(out.status.code(), Some(0), "{}", show(&c, &out));
    common::run_ok(&mut z.cmd(&["hook", "post-start", "web"]));
    common::run_ok(&mut z.cmd(&["down", &z.name]));
}

/// A guest outside every zone whose namespace-cleanup-skip is a symlink or over 64 KiB made
/// `up` of every zone fail; it is skipped with a warning naming it, its file untouched, and
/// only its own start fails, naming the file.
#[test]
fn a_guest_outside_the_zone_with_an_unreadable_skip_file_blocks_no_zone() {
    require_root();
    let z = zone_with("zs", &["web"]);
    let vs = z.vservers();
    let elsewhere = z.root.path().join("elsewhere");
    std::fs::write(&elsewhere, "/proc\n").unwrap();
    let big = vec![b'#'; 64 * 1024 + 1];
    for g in ["linked", "big"] {
        std::fs::create_dir_all(vs.join(g)).unwrap();
    }
    std::os::unix::fs::symlink(&elsewhere, vs.join("linked/namespace-cleanup-skip")).unwrap();
    std::fs::write(vs.join("big/namespace-cleanup-skip"), &big).unwrap();
    let mut c = z.cmd(&["up", &z.name]);
    let out = run_bounded(&mut c);
    assert_no_panic(&c, &out);
    assert_eq!(out.status.code(), Some(0), "{}", show(&c, &out));
    let err = text(&out.stderr);
    for (g, why) in [
        ("linked", "symbolic link"),
        ("big", "larger than 65536 bytes"),
    ] {
        let line = err
            .lines()
            .find(|l| l.contains(&format!("guest {g} skipped")))
            .unwrap_or_else(|| panic!("no warning for {g}: {}", show(&c, &out)));
        assert!(
            line.contains(why) && line.contains("its own start fails"),
            "{line}"
        );
    }
    assert_eq!(std::fs::read_to_string(&elsewhere).unwrap(), "/proc\n");
    assert_eq!(
        std::fs::read(vs.join("big/namespace-cleanup-skip")).unwrap(),
        big
    );
    assert!(z.entry().exists());
    common::run_ok(&mut z.cmd(&["down", &z.name]));
    // A member's start is not held up either; the odd guest's own start fails, naming it.
    let mut c = z.cmd(&["hook", "initialize", "web"]);
    let out = run_bounded(&mut c);
    assert_eq!(out.status.code(), Some(0), "{}", show(&c, &out));
    common::run_ok(&mut z.cmd(&["hook", "post-start", "web"]));
    common::run_ok(&mut z.cmd(&["down", &z.name]));
    let mut c = z.cmd(&["hook", "initialize", "linked"]);
    let out = run_bounded(&mut c);
    assert_no_panic(&c, &out);
    assert_eq!(out.status.code(), Some(1), "{}", show(&c, &out));
    assert!(
        text(&out.stderr).contains("linked/namespace-cleanup-skip"),
        "{}",
        show(&c, &out)
    );
    assert_eq!(std::fs::read_to_string(&elsewhere).unwrap(), "/proc\n");
}

/// Runs `script` on a private host with one zone `name` (id `id`, a veth link `e0` whose host
/// end is `peer`, address `addr`); returns the context for messages, stdout and stderr, and
/// fails the test unless the script itself succeeded.
fn on_private_host_with_veth_zone(
    name: &str,
    id: &str,
    peer: &str,
    addr: &str,
    script: &str,
) -> (String, String, String) {
    let t = tempfile::tempdir().unwrap();
    let zones = t.path().join("zones");
    let vservers = t.path().join("vservers");
    let link = zones.join(name).join("links/e0");
    std::fs::create_dir_all(&link).unwrap();
    std::fs::create_dir_all(&vservers).unwrap();
    std::fs::write(zones.join(name).join("id"), format!("{id}\n")).unwrap();
    std::fs::write(link.join("type"), "veth\n").unwrap();
    std::fs::write(link.join("peer"), format!("{peer}\n")).unwrap();
    std::fs::write(link.join("address"), format!("{addr}\n")).unwrap();
    let (c, out, _names) = common::docs::run_on_private_host(
        script,
        &[
            ("VSPACE_NETNS_CONFDIR", zones.to_str().unwrap()),
            ("VSPACE_NETNS_VSERVERS", vservers.to_str().unwrap()),
        ],
    );
    let ctx = show(&c, &out);
    assert!(out.status.success(), "{ctx}");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (ctx, stdout, stderr)
}

/// A zone's run-dir entry bound to the host's own network namespace (`ip netns attach Z 1`)
/// is no zone: `up` refuses it before anything changes (no link on the host), `status` calls
/// it invalid, `down` refuses it as in use (the host's processes are in it) and leaves it.
#[test]
fn a_zone_entry_that_is_the_host_s_namespace_is_refused_by_up_and_down() {
    let script = "mkdir -p /run/netns\ntouch /run/netns/hz\nmount --bind /proc/1/ns/net /run/netns/hz\n\
        before=$(ip -o link | wc -l)\n\
        rc=0; vspace-netns up hz || rc=$?; echo \"up=$rc\"\n\
        echo \"links=$(( $(ip -o link | wc -l) - before ))\"\n\
        W=$(mktemp -d)\n\
        rc=0; vspace-netns status hz --json >$W/st || rc=$?; echo \"status=$rc\"\n\
        grep -q '\"state\": *\"invalid\"' $W/st && echo invalid=1\n\
        rm -r $W\n\
        rc=0; vspace-netns down hz || rc=$?; echo \"down=$rc\"\n\
        mountpoint -q /run/netns/hz && echo still=1\n";
    let (ctx, stdout, stderr) =
        on_private_host_with_veth_zone("hz", "7", "hzhost", "192.0.2.31/24", script);
    for want in [
        "up=1",
        "links=0",
        "status=1",
        "invalid=1",
        "down=3",
        "still=1",
    ] {
        assert!(stdout.lines().any(|l| l == want), "no {want}:\n{ctx}");
    }
    assert!(stderr.contains("host's own network namespace"), "{ctx}");
    assert!(stderr.contains("ip netns delete hz"), "{ctx}");
}

/// A zone whose entry is gone while its namespace lives on in a process (a run killed between
/// removing a stale entry and attaching it again, or `ip netns delete` under a running guest):
/// `up` finds the namespace by its marked `lo` (its veth host end still carries the mark) and
/// attaches the entry to it again; the process is then in the zone. Before, `status` calls it
/// stale and `doctor` says the same with the repair (it said "idle": no entry, no guest).
#[test]
fn a_missing_entry_whose_namespace_lives_on_is_attached_again() {
    let script = "W=$(mktemp -d)\n\
        vspace-netns up lz >/dev/null\n\
        ip netns exec lz sleep 60 &\n\
        sleep 0.3\n\
        umount /run/netns/lz\nrm /run/netns/lz\n\
        vspace-netns status lz | grep -q \"^zone lz: stale: still in use by pids $!: its namespace lives on without its entry; 'vspace-netns up lz' attaches the entry to it again$\" && echo status=stale\n\
        rc=0; vspace-netns doctor lz >$W/doctor.out || rc=$?; echo \"doctor=$rc\"\n\
        grep -q \"FAIL /run/netns/lz does not exist, still in use by pids $!: its namespace lives on without its entry$\" $W/doctor.out && echo doctor=lives-on\n\
        grep -q \"fix: 'vspace-netns up lz' attaches the entry to it again$\" $W/doctor.out && echo doctor=fix\n\
        grep -q idle $W/doctor.out && echo doctor=idle\n\
        rc=0; vspace-netns up lz >$W/up.out || rc=$?; echo \"up=$rc\"\n\
        [ \"$(stat -L -c %i /run/netns/lz)\" = \"$(stat -L -c %i /proc/$!/ns/net)\" ] && echo same=1\n\
        kill $!; wait $! || :\n\
        rc=0; vspace-netns down lz >/dev/null || rc=$?; echo \"down=$rc\"\n\
        ip link show lzhost >/dev/null 2>&1 || echo hostend=gone\n\
        rm -r $W\n";
    let (ctx, stdout, _) =
        on_private_host_with_veth_zone("lz", "9", "lzhost", "192.0.2.41/24", script);
    for want in [
        "status=stale",
        "doctor=1",
        "doctor=lives-on",
        "doctor=fix",
        "up=0",
        "same=1",
        "down=0",
        "hostend=gone",
    ] {
        assert!(stdout.lines().any(|l| l == want), "no {want}:\n{ctx}");
    }
    assert!(!stdout.lines().any(|l| l == "doctor=idle"), "{ctx}");
}

/// The same with the namespace held only by a process whose first thread has exited (a
/// program calling pthread_exit in main): `/proc/PID/ns/net` leads nowhere, its other threads'
/// links lead to the zone's namespace. Before, the search passed the process over and `up`
/// made a new namespace beside the one the process runs in.
#[test]
fn a_missing_entry_whose_namespace_lives_on_in_a_leaderless_process_is_attached_again() {
    let program = common::compile_c("leaderless.c", "leaderless", &["-pthread"]);
    let script = format!(
        "W=$(mktemp -d)\n\
        vspace-netns up ll >/dev/null\n\
        ip netns exec ll {} &\n\
        i=0; until grep -q '^State:.Z' /proc/$!/status 2>/dev/null; do i=$((i+1)); [ $i -lt 3000 ] || exit 9; sleep 0.01; done\n\
        t=$(ls /proc/$!/task | grep -vx $!)\n\
        umount /run/netns/ll\nrm /run/netns/ll\n\
        vspace-netns status ll | grep -q \"^zone ll: stale: still in use by pids $!: \" && echo status=stale\n\
        rc=0; vspace-netns up ll >$W/up.out 2>&1 || rc=$?; echo \"up=$rc\"\n\
        [ \"$(stat -L -c %i /run/netns/ll)\" = \"$(stat -L -c %i /proc/$!/task/$t/ns/net)\" ] && echo same=1\n\
        grep -qx \"ip netns attach ll $t\" $W/up.out && echo attach-by-thread=1\n\
        kill $!; wait $! || :\n\
        rc=0; vspace-netns down ll >/dev/null || rc=$?; echo \"down=$rc\"\n\
        ip link show llhost >/dev/null 2>&1 || echo hostend=gone\n\
        cat $W/up.out >&2; rm -r $W\n",
        program.display()
    );
    let (ctx, stdout, _) =
        on_private_host_with_veth_zone("ll", "10", "llhost", "192.0.2.42/24", &script);
    for want in [
        "status=stale",
        "up=0",
        "same=1",
        "attach-by-thread=1",
        "down=0",
        "hostend=gone",
    ] {
        assert!(stdout.lines().any(|l| l == want), "no {want}:\n{ctx}");
    }
}

/// A zone's entry stale in this mount namespace while PID 1's view cannot be read (a sandbox,
/// systemd PrivateMounts=): the entry may be live on the host, so neither doctor nor status
/// offers the repair for a namespace living on without its entry (`ip netns delete` from here
/// would remove the host's live entry); both say to look on the host. Before, doctor and
/// status said "attach it by hand: ip netns delete nu; ip netns attach nu PID". PID 1's view
/// is hidden by a mount over /proc/1/ns in a mount namespace of the commands' own.
#[test]
fn a_stale_entry_with_pid_1s_view_unknown_gets_no_repair_that_deletes() {
    let script = "W=$(mktemp -d)\n\
        mkdir -p /run/netns $W/empty\n\
        unshare --net sh -c 'ip link set lo alias vspace-netns:nu; exec sleep 60' & P=$!\n\
        for i in $(seq 50); do nsenter -t $P -n ip link show lo 2>/dev/null | grep -q 'alias vspace-netns:nu' && break; sleep 0.1; done\n\
        ip netns attach nu $P\n\
        unshare --mount --propagation private sh -c \"mount -t tmpfs none $W/empty; mount --bind $W/empty /proc/1/ns; umount /run/netns/nu; vspace-netns doctor nu >$W/doc 2>&1; vspace-netns status nu >$W/st 2>&1\" || :\n\
        grep -q \"whether 'nu' is live on the host is unknown\" $W/doc && echo doctor-unknown=1\n\
        grep -q 'ip netns attach nu' $W/doc && echo doctor-attach=1\n\
        grep -q \"whether 'nu' is live on the host is unknown\" $W/st && echo status-unknown=1\n\
        grep -q 'ip netns attach nu' $W/st && echo status-attach=1\n\
        mountpoint -q /run/netns/nu && echo host-entry-live=1\n\
        cat $W/doc $W/st; kill $P; rm -r $W\n";
    let (ctx, stdout, _) =
        on_private_host_with_veth_zone("nu", "31", "nuhost", "192.0.2.125/24", script);
    for want in ["doctor-unknown=1", "status-unknown=1", "host-entry-live=1"] {
        assert!(stdout.lines().any(|l| l == want), "no {want}:\n{ctx}");
    }
    for never in ["doctor-attach=1", "status-attach=1"] {
        assert!(!stdout.lines().any(|l| l == never), "{never}:\n{ctx}");
    }
}

/// A zone `up` made (its namespace recorded), a guest inside, seen from a mount namespace of
/// its own. Stale there with PID 1's view unknown: status and doctor offer no repair (`up`
/// would remove the entry first, which detaches the host's live one), only where to look.
/// Missing there (a tmpfs on /run/netns) while PID 1 sees it live: doctor says it is not
/// visible here and offers no `ip netns delete`; status (in PID 1's mount namespace) says up.
#[test]
fn a_zone_live_on_the_host_gets_no_repair_from_a_view_that_cannot_see_it() {
    let script = "W=$(mktemp -d)\n\
        mkdir -p $W/empty\n\
        vspace-netns up ru >/dev/null\n\
        ip netns exec ru sleep 60 & P=$!\n\
        sleep 0.3\n\
        unshare --mount --propagation private sh -c \"mount -t tmpfs none $W/empty; mount --bind $W/empty /proc/1/ns; umount /run/netns/ru; vspace-netns doctor ru >$W/doc 2>&1; vspace-netns status ru >$W/st 2>&1\" || :\n\
        unshare --mount --propagation private sh -c \"mount -t tmpfs none /run/netns; vspace-netns doctor ru >$W/doc2 2>&1; vspace-netns status ru >$W/st2 2>&1\" || :\n\
        for f in doc st doc2 st2; do grep -q \"'vspace-netns up ru' attaches\" $W/$f && echo $f-up-repair=1; grep -q 'ip netns delete ru' $W/$f && echo $f-delete=1; done\n\
        grep -q \"whether 'ru' is live on the host is unknown\" $W/doc && echo doc-unknown=1\n\
        grep -q \"whether 'ru' is live on the host is unknown\" $W/st && echo st-unknown=1\n\
        grep -q 'does not exist in this mount namespace but is live as PID 1 sees it' $W/doc2 && echo doc2-invisible=1\n\
        grep -q '^zone ru: up' $W/st2 && echo st2-up=1\n\
        mountpoint -q /run/netns/ru && echo host-entry-live=1\n\
        cat $W/doc $W/st $W/doc2 $W/st2; kill $P; wait $P || :; vspace-netns down ru >/dev/null; rm -r $W\n";
    let (ctx, stdout, _) =
        on_private_host_with_veth_zone("ru", "32", "ruhost", "192.0.2.126/24", script);
    for want in [
        "doc-unknown=1",
        "st-unknown=1",
        "doc2-invisible=1",
        "st2-up=1",
        "host-entry-live=1",
    ] {
        assert!(stdout.lines().any(|l| l == want), "no {want}:\n{ctx}");
    }
    for f in ["doc", "st", "doc2", "st2"] {
        for never in [format!("{f}-up-repair=1"), format!("{f}-delete=1")] {
            assert!(!stdout.lines().any(|l| l == never), "{never}:\n{ctx}");
        }
    }
}

/// Issue: `up` found a zone's namespace that lives on without its entry through a process's
/// PID and bound `/proc/PID/ns/net` later, by PID: a PID reused meanwhile bound the new
/// process's namespace (here the host's), and the next steps changed the host (an address
/// landed on the host's link of the zone link's name). Played deterministically: `up`'s first
/// printed line blocks on a full pipe after the finding; meanwhile the zone's process exits and
/// a host process gets its PID (`ns_last_pid`). Now the namespace found is held open from the
/// finding and bound from that fd: the entry is the zone's namespace, the host is untouched.
#[test]
fn a_reused_pid_never_binds_another_namespace_to_the_zone() {
    let script = r#"
W=$(mktemp -d)
ip link add e0 type veth peer name e0peer
vspace-netns up rz >/dev/null
ip netns exec rz sleep 60 &
P=$!
sleep 0.3
zone=$(stat -L -c %i /proc/$P/ns/net)
umount /run/netns/rz; rm /run/netns/rz
printf '192.0.2.61/24\n192.0.2.62/24\n' > "$VSPACE_NETNS_CONFDIR/rz/links/e0/address"
mkfifo $W/w; exec 3<>$W/w
head -c 65536 /dev/zero >&3
vspace-netns up rz >&3 2>$W/up.err &
U=$!
i=0
until grep -q pipe_write /proc/$U/wchan 2>/dev/null || { read -r n fd _ </proc/$U/syscall && [ "$n $fd" = "1 0x1" ]; } 2>/dev/null; do
  i=$((i+1)); [ $i -lt 3000 ] || { echo "up never blocked"; cat $W/up.err; exit 1; }
  sleep 0.01
done
kill $P; wait $P || :
echo $((P-1)) > /proc/sys/kernel/ns_last_pid
sleep 60 &
Q=$!
[ $Q = $P ] && echo reused=1
dd bs=65536 count=1 iflag=fullblock of=/dev/null <&3 2>/dev/null
rc=0; wait $U || rc=$?; echo "up=$rc"
cat $W/up.err >&2
got=$(stat -L -c %i /run/netns/rz 2>/dev/null || echo none)
[ "$got" = "$zone" ] && echo entry=zone
[ "$got" = "$(stat -L -c %i /proc/1/ns/net)" ] && echo entry=host
ip -o addr show dev e0 | grep -q 192.0.2.62 && echo hostaddr=1
ip -n rz -o addr show dev e0 | grep -q 192.0.2.62 && echo zoneaddr=1
kill $Q
rm -r $W
"#;
    let (ctx, stdout, _) =
        on_private_host_with_veth_zone("rz", "11", "rzhost", "192.0.2.61/24", script);
    assert!(
        stdout.lines().any(|l| l == "reused=1"),
        "the PID was not reused:\n{ctx}"
    );
    for bad in ["entry=host", "hostaddr=1"] {
        assert!(!stdout.lines().any(|l| l == bad), "{bad}:\n{ctx}");
    }
    for want in ["up=0", "entry=zone", "zoneaddr=1"] {
        assert!(stdout.lines().any(|l| l == want), "no {want}:\n{ctx}");
    }
}

/// Issue: when the scan for a zone's namespace that lives on without its entry could not tell
/// (no thread for entering a namespace: a pids limit), it counted as "not there": a stale
/// entry with a running guest was deleted and a new namespace made in its place, orphaning the
/// guest. Unknown now refuses: the errno and the hint, nothing changed; once the limit is gone
/// the entry is attached to the guest's namespace again.
#[test]
fn a_scan_that_cannot_tell_leaves_a_stale_zone_alone() {
    use std::os::unix::fs::MetadataExt;
    require_root();
    let Some(limit) = PidsLimit::new() else {
        crate::common::skipped(
            "SKIPPED fail_closed::a_scan_that_cannot_tell_leaves_a_stale_zone_alone: no pids cgroup (v1 or v2) can be made here",
        );
        return;
    };
    let z = zone_with("zu", &["web"]);
    common::run_ok(&mut z.cmd(&["up", &z.name]));
    let guest = common::Sleeper::new(&z.name);
    let ino = std::fs::metadata(format!("/proc/{}/ns/net", guest.pid()))
        .unwrap()
        .ino();
    // util-vserver's namespace cleanup under the running guest: the entry goes stale.
    common::run_ok(Command::new("umount").arg(z.entry()));
    for args in [&["up", &z.name][..], &["hook", "initialize", "web"]] {
        let mut c = limit.wrap(&z.cmd(args));
        let out = run_bounded(&mut c);
        assert_no_panic(&c, &out);
        assert_eq!(out.status.code(), Some(1), "{}", show(&c, &out));
        let err = text(&out.stderr);
        assert!(
            err.contains("cannot be told") && err.contains("Resource temporarily unavailable"),
            "{}",
            show(&c, &out)
        );
        assert!(err.contains("nothing was changed"), "{}", show(&c, &out));
        assert_eq!(
            err.matches("Resource temporarily unavailable").count(),
            1,
            "the reason is said once: {}",
            show(&c, &out)
        );
        assert!(
            z.entry().exists(),
            "the stale entry was removed: {}",
            show(&c, &out)
        );
    }
    if z.stale_refused_here("fail_closed::a_scan_that_cannot_tell_leaves_a_stale_zone_alone") {
        return;
    }
    common::run_ok(&mut z.cmd(&["up", &z.name]));
    assert_eq!(
        std::fs::metadata(z.entry()).unwrap().ino(),
        ino,
        "the entry is not the running guest's namespace"
    );
    drop(guest);
    common::run_ok(&mut z.cmd(&["down", &z.name]));
}

/// Issue: with the entry gone and the zone's namespace held by a mount elsewhere (no process),
/// `up` said "take it down with 'vspace-netns down Z' (deletes the host end and the pair)",
/// but `down` deleted the host ends only when a process was found, said "nothing to do", and
/// `up` kept refusing. `down` now deletes the zone's marked host ends whenever the entry is
/// missing, and `up` then succeeds.
#[test]
fn down_deletes_the_host_ends_of_a_namespace_held_elsewhere() {
    let script = "vspace-netns up mz >/dev/null\n\
        W=$(mktemp -d); touch $W/keep; mount --bind /run/netns/mz $W/keep\n\
        umount /run/netns/mz; rm /run/netns/mz\n\
        rc=0; vspace-netns up mz 2>$W/up.err || rc=$?; echo \"up1=$rc\"\n\
        grep -q \"vspace-netns down mz\" $W/up.err && echo hint=1\n\
        rc=0; vspace-netns down mz || rc=$?; echo \"down=$rc\"\n\
        ip link show mzhost >/dev/null 2>&1 || echo hostend=gone\n\
        rc=0; vspace-netns up mz >/dev/null || rc=$?; echo \"up2=$rc\"\n\
        umount $W/keep; rm -r $W\n";
    let (ctx, stdout, _) =
        on_private_host_with_veth_zone("mz", "12", "mzhost", "192.0.2.71/24", script);
    for want in ["up1=1", "hint=1", "down=0", "hostend=gone", "up2=0"] {
        assert!(stdout.lines().any(|l| l == want), "no {want}:\n{ctx}");
    }
}

/// Issue: for a zone's entry that is the host's own network namespace, `down`, `down --all`,
/// the hook's `post-stop` and `down --force` spoke of "processes still use it (pids 1 ...)"
/// (the host's processes). They now say what the entry is and the fix, as `up` does.
#[test]
fn a_host_entry_is_named_as_such_by_down_and_post_stop() {
    let script = "mkdir -p /run/netns\ntouch /run/netns/hd\nmount --bind /proc/1/ns/net /run/netns/hd\n\
        mkdir -p \"$VSPACE_NETNS_VSERVERS/web/spaces\"; echo hd > \"$VSPACE_NETNS_VSERVERS/web/spaces/net\"\n\
        sleep 60 & S=$!\n\
        rc=0; vspace-netns down hd 2>&1 || rc=$?; echo \"down=$rc\"\n\
        rc=0; vspace-netns down --all 2>&1 || rc=$?; echo \"all=$rc\"\n\
        rc=0; vspace-netns hook post-stop web 2>&1 || rc=$?; echo \"post-stop=$rc\"\n\
        mountpoint -q /run/netns/hd && echo kept=1\n\
        rc=0; vspace-netns down --force hd 2>&1 || rc=$?; echo \"force=$rc\"\n\
        mountpoint -q /run/netns/hd || echo gone=1\n\
        kill $S\n";
    let (ctx, stdout, _) =
        on_private_host_with_veth_zone("hd", "13", "hdhost", "192.0.2.81/24", script);
    for want in [
        "down=3",
        "all=0",
        "post-stop=0",
        "kept=1",
        "force=0",
        "gone=1",
    ] {
        assert!(stdout.lines().any(|l| l == want), "no {want}:\n{ctx}");
    }
    assert!(!stdout.contains("processes still use it"), "{ctx}");
    assert!(!stdout.contains("pids 1 "), "{ctx}");
    let said = ["host's own network namespace", "ip netns delete hd"]
        .map(|w| stdout.lines().filter(|l| l.contains(w)).count())
        .into_iter()
        .min()
        .unwrap_or(0);
    assert!(
        said >= 3,
        "down, down --all and post-stop name the host's namespace and the fix:\n{ctx}"
    );
    assert!(stdout.contains("only the entry is removed"), "{ctx}");
}

/// Issue: a stale zone's namespace was looked for by the mark on `lo` alone, and any user can
/// make a network namespace in a user namespace of their own and put that alias on its `lo`:
/// `up` attached the zone's entry to it (its owner root inside) and the guests followed. Only
/// a namespace owned by the host's user namespace is taken now.
#[test]
fn a_marked_namespace_of_another_user_namespace_is_never_taken_for_the_zone() {
    let script = "vspace-netns up ua >/dev/null\n\
        umount /run/netns/ua\n\
        unshare --user --map-root-user --net sh -c 'ip link set lo alias vspace-netns:ua; exec sleep 60' & U=$!\n\
        for i in $(seq 50); do nsenter -t $U -n ip link show lo 2>/dev/null | grep -q 'alias vspace-netns:ua' && break; sleep 0.1; done\n\
        nsenter -t $U -n ip link show lo | grep -q 'alias vspace-netns:ua' && echo marked=1\n\
        rc=0; vspace-netns up ua >/dev/null 2>&1 || rc=$?; echo \"up=$rc\"\n\
        [ \"$(stat -L -c %d:%i /run/netns/ua)\" = \"$(stat -L -c %d:%i /proc/$U/ns/net)\" ] && echo adopted=1\n\
        nsenter -t $U -n ip link show e0 >/dev/null 2>&1 && echo link-there=1\n\
        kill $U\n";
    let (ctx, stdout, _) =
        on_private_host_with_veth_zone("ua", "14", "uahost", "192.0.2.91/24", script);
    for want in ["marked=1", "up=0"] {
        assert!(stdout.lines().any(|l| l == want), "no {want}:\n{ctx}");
    }
    for never in ["adopted=1", "link-there=1"] {
        assert!(!stdout.lines().any(|l| l == never), "{never}:\n{ctx}");
    }
}

/// Issue: with two namespaces carrying a zone's mark (a guest kept the old one through
/// `down --force`, then the zone was brought up again and its entry went stale), the first in
/// /proc order was taken and the messages named the wrong processes. `down --force` now clears
/// the mark of the namespace it leaves to its processes; marked again (by whoever may), it is
/// named in a warning and passed over, and the one `up` made last (its cookie recorded) is taken.
#[test]
fn of_two_marked_namespaces_the_one_up_made_last_is_taken() {
    let script = "W=$(mktemp -d)\n\
        vspace-netns up tm >/dev/null\n\
        ip netns exec tm sleep 60 & A=$!\n\
        sleep 0.3; vspace-netns down --force tm >/dev/null 2>&1\n\
        nsenter -t $A -n ip link show lo | grep -q 'vspace-netns:tm' || echo a-unmarked=1\n\
        nsenter -t $A -n ip link set lo alias vspace-netns:tm\n\
        vspace-netns up tm >/dev/null\n\
        ip netns exec tm sleep 60 & B=$!\n\
        sleep 0.3; umount /run/netns/tm\n\
        rc=0; vspace-netns up tm >/dev/null 2>$W/err || rc=$?; echo \"up=$rc\"\n\
        grep -q \"process $A carries the zone's mark but is not the namespace up made\" $W/err && echo warned=1\n\
        [ \"$(stat -L -c %d:%i /run/netns/tm)\" = \"$(stat -L -c %d:%i /proc/$B/ns/net)\" ] && echo b-taken=1\n\
        nsenter -t $B -n ip link show e0 >/dev/null 2>&1 && echo b-link=1\n\
        cat $W/err\n\
        kill $A $B; rm -r $W\n";
    let (ctx, stdout, _) =
        on_private_host_with_veth_zone("tm", "15", "tmhost", "192.0.2.95/24", script);
    for want in ["a-unmarked=1", "up=0", "warned=1", "b-taken=1", "b-link=1"] {
        assert!(stdout.lines().any(|l| l == want), "no {want}:\n{ctx}");
    }
}

/// Issue: the owner check was not enough: a process with CAP_NET_ADMIN in any network namespace
/// the host's user namespace owns (a container given NET_ADMIN, a service with
/// PrivateNetwork=, another zone's guest) could alias its `lo` `vspace-netns:Z`, and a stale
/// zone Z whose own namespace was gone adopted it: the zone's link and addresses went into it
/// and its guests followed. `up` records the cookie of the namespace it makes
/// (SO_NETNS_COOKIE, never given again) and takes a found one back only when it matches:
/// here it makes a new namespace and leaves the impostor alone.
#[test]
fn a_marked_namespace_up_did_not_make_is_never_taken_for_the_zone() {
    let script = "W=$(mktemp -d)\n\
        vspace-netns up ca >/dev/null\n\
        test -s /run/vspace-netns/netns-cookie/ca && echo recorded=1\n\
        umount /run/netns/ca\n\
        unshare --net sh -c 'ip link set lo alias vspace-netns:ca; exec sleep 60' & U=$!\n\
        for i in $(seq 50); do nsenter -t $U -n ip link show lo 2>/dev/null | grep -q 'alias vspace-netns:ca' && break; sleep 0.1; done\n\
        nsenter -t $U -n ip link show lo | grep -q 'alias vspace-netns:ca' && echo marked=1\n\
        rc=0; vspace-netns up ca >/dev/null 2>$W/err || rc=$?; echo \"up=$rc\"\n\
        grep -q \"process $U carries the zone's mark but is not the namespace up made\" $W/err && echo warned=1\n\
        [ \"$(stat -L -c %d:%i /run/netns/ca)\" = \"$(stat -L -c %d:%i /proc/$U/ns/net)\" ] && echo adopted=1\n\
        nsenter -t $U -n ip link show e0 >/dev/null 2>&1 && echo link-there=1\n\
        ip netns exec ca ip link show e0 >/dev/null 2>&1 && echo link-in-new=1\n\
        kill $U; rm -r $W\n";
    let (ctx, stdout, _) =
        on_private_host_with_veth_zone("ca", "16", "cahost", "192.0.2.97/24", script);
    for want in [
        "recorded=1",
        "marked=1",
        "up=0",
        "warned=1",
        "link-in-new=1",
    ] {
        assert!(stdout.lines().any(|l| l == want), "no {want}:\n{ctx}");
    }
    for never in ["adopted=1", "link-there=1"] {
        assert!(!stdout.lines().any(|l| l == never), "{never}:\n{ctx}");
    }
}

/// A marked namespace found while no record of the zone's exists (made by hand, or by a
/// version that kept none): which namespace is the zone's cannot be told, so `up` refuses,
/// naming the process and the repair, and changes nothing; `status` and `doctor` (for the
/// stale entry, not only a missing one) say the same repair. The repair printed works: attached
/// by hand, the next `up` records it and, its entry stale again, takes it back.
#[test]
fn a_marked_namespace_without_a_record_is_refused_until_attached_by_hand() {
    let script = "W=$(mktemp -d)\n\
        mkdir -p /run/netns; touch /run/netns/nr\n\
        unshare --net sh -c 'ip link set lo alias vspace-netns:nr; exec sleep 60' & P=$!\n\
        for i in $(seq 50); do nsenter -t $P -n ip link show lo 2>/dev/null | grep -q 'alias vspace-netns:nr' && break; sleep 0.1; done\n\
        before=$(ip -o link | wc -l)\n\
        rc=0; vspace-netns up nr >/dev/null 2>$W/err || rc=$?; echo \"up1=$rc\"\n\
        grep -q \"process $P carries the zone's mark, but no record says up made it\" $W/err && echo said=1\n\
        grep -q \"ip netns attach nr PID\" $W/err && echo hint=1\n\
        [ \"$(ip -o link | wc -l)\" = \"$before\" ] && echo host-unchanged=1\n\
        mountpoint -q /run/netns/nr || echo entry-unchanged=1\n\
        vspace-netns status nr --json >$W/st || :\n\
        grep -q '\"state\": *\"stale\"' $W/st && grep -q \"pids $P are in a namespace that carries the zone's mark without its entry, but no record says up made it\" $W/st && echo status-stale=1\n\
        rc=0; vspace-netns doctor nr >$W/doc 2>&1 || rc=$?; echo \"doctor=$rc\"\n\
        grep -q \"FAIL /run/netns/nr is stale (nothing mounted on it), pids $P are in a namespace that carries the zone's mark without its entry, but no record says up made it$\" $W/doc && echo doctor-stale=1\n\
        grep -q \"fix: 'vspace-netns up nr' refuses it; if it is the zone's, attach it by hand: ip netns delete nr; ip netns attach nr PID$\" $W/doc && echo doctor-by-hand=1\n\
        ip netns delete nr; ip netns attach nr $P\n\
        vspace-netns doctor nr 2>&1 | grep -q 'WARN its namespace is not recorded as the one up made' && echo doctor-warns=1\n\
        rc=0; vspace-netns up nr >/dev/null || rc=$?; echo \"up2=$rc\"\n\
        vspace-netns doctor nr 2>&1 | grep -q 'is not recorded' || echo doctor-quiet=1\n\
        test -s /run/vspace-netns/netns-cookie/nr && echo recorded=1\n\
        umount /run/netns/nr\n\
        rc=0; vspace-netns up nr >/dev/null || rc=$?; echo \"up3=$rc\"\n\
        [ \"$(stat -L -c %d:%i /run/netns/nr)\" = \"$(stat -L -c %d:%i /proc/$P/ns/net)\" ] && echo taken-back=1\n\
        cat $W/err $W/doc; kill $P; rm -r $W\n";
    let (ctx, stdout, _) =
        on_private_host_with_veth_zone("nr", "17", "nrhost", "192.0.2.99/24", script);
    for want in [
        "up1=1",
        "said=1",
        "hint=1",
        "host-unchanged=1",
        "entry-unchanged=1",
        "status-stale=1",
        "doctor=1",
        "doctor-stale=1",
        "doctor-by-hand=1",
        "doctor-warns=1",
        "up2=0",
        "doctor-quiet=1",
        "recorded=1",
        "up3=0",
        "taken-back=1",
    ] {
        assert!(stdout.lines().any(|l| l == want), "no {want}:\n{ctx}");
    }
}

/// A record another user could have written is refused, never believed (the refusal names
/// the fix), and one of another boot is none: the kernel gives cookies again after a boot.
#[test]
fn a_record_others_may_write_or_of_another_boot_is_not_believed() {
    let script = "W=$(mktemp -d)\n\
        vspace-netns up nb >/dev/null\n\
        ip netns exec nb sleep 60 & G=$!\n\
        sleep 0.3; umount /run/netns/nb; chmod 666 /run/vspace-netns/netns-cookie/nb\n\
        rc=0; vspace-netns up nb >/dev/null 2>$W/err || rc=$?; echo \"up1=$rc\"\n\
        grep -q 'cannot be believed' $W/err && grep -q 'may be written by another user' $W/err && grep -q 'chmod go-w' $W/err && echo disbelieved=1\n\
        chmod 644 /run/vspace-netns/netns-cookie/nb\n\
        read c b < /run/vspace-netns/netns-cookie/nb; echo \"$c 0-previous-boot\" > /run/vspace-netns/netns-cookie/nb\n\
        rc=0; vspace-netns up nb >/dev/null 2>$W/err2 || rc=$?; echo \"up2=$rc\"\n\
        grep -q 'no record says up made it' $W/err2 && echo previous-boot-ignored=1\n\
        mountpoint -q /run/netns/nb || echo unchanged=1\n\
        cat $W/err $W/err2; kill $G; rm -r $W\n";
    let (ctx, stdout, _) =
        on_private_host_with_veth_zone("nb", "26", "nbhost", "192.0.2.115/24", script);
    for want in [
        "up1=1",
        "disbelieved=1",
        "up2=1",
        "previous-boot-ignored=1",
        "unchanged=1",
    ] {
        assert!(stdout.lines().any(|l| l == want), "no {want}:\n{ctx}");
    }
}

/// Issue: `ip netns delete Z` (or the entry unmounted) and at once `vspace-netns up Z`: the
/// kernel destroys the released namespace a little later, from a work queue, and until then
/// its veth's host end still carries the zone's mark; `up` refused the zone as one whose
/// namespace "lives on, held by a mount elsewhere or an open file" (52 of 60 tries here). It
/// now waits for those host ends to go (bounded) and makes the zone anew.
#[test]
fn up_right_after_ip_netns_delete_waits_for_the_old_namespace_to_go() {
    let script = "W=$(mktemp -d); fails=0\n\
        for i in 1 2 3 4 5 6 7 8 9 10; do\n\
          vspace-netns up dd >/dev/null\n\
          ip netns delete dd\n\
          vspace-netns up dd >/dev/null 2>>$W/err || fails=$((fails+1))\n\
          umount /run/netns/dd\n\
          vspace-netns up dd >/dev/null 2>>$W/err || fails=$((fails+1))\n\
          ip netns exec dd ip link show e0 >/dev/null 2>&1 || fails=$((fails+1))\n\
          vspace-netns down dd >/dev/null\n\
        done\n\
        echo \"fails=$fails\"; cat $W/err; rm -r $W\n";
    let (ctx, stdout, _) =
        on_private_host_with_veth_zone("dd", "18", "ddhost", "192.0.2.101/24", script);
    assert!(stdout.lines().any(|l| l == "fails=0"), "{ctx}");
}

/// Issue: the state dir and its records were made with the caller's umask, and the record was
/// read (and its directories checked) before any marked namespace was found: after one start
/// under `umask 002` (`su` keeps it) every stale zone was refused, even one whose namespace no
/// process holds, with a hint that did not work. Directories are made 0755 and files 0644
/// whatever the umask, group 0 may write, the record is read only once a marked namespace is
/// found, and a refusal (a state dir others may write) names the directory and the chmod.
#[test]
fn a_group_writable_umask_leaves_stale_zones_workable() {
    let script = "umask 002\n\
        vspace-netns up um >/dev/null\n\
        umask 022\n\
        stat -c %a /run/vspace-netns /run/vspace-netns/netns-cookie /run/vspace-netns/netns-cookie/um\n\
        umount /run/netns/um\n\
        rc=0; vspace-netns up um >/dev/null || rc=$?; echo \"up=$rc\"\n\
        mountpoint -q /run/netns/um && echo live=1\n\
        chmod 777 /run/vspace-netns\n\
        umount /run/netns/um\n\
        rc=0; vspace-netns up um >/dev/null 2>/run/um.err || rc=$?; echo \"writable=$rc\"\n\
        grep -q 'chmod go-w /run/vspace-netns' /run/um.err && echo fix-named=1\n\
        chmod 755 /run/vspace-netns\n\
        rc=0; vspace-netns up um >/dev/null || rc=$?; echo \"fixed=$rc\"\n";
    let (ctx, stdout, _) =
        on_private_host_with_veth_zone("um", "19", "umhost", "192.0.2.103/24", script);
    let modes: Vec<&str> = stdout.lines().take(3).collect();
    assert_eq!(modes, ["755", "755", "644"], "{ctx}");
    for want in ["up=0", "live=1", "writable=1", "fix-named=1", "fixed=0"] {
        assert!(stdout.lines().any(|l| l == want), "no {want}:\n{ctx}");
    }
}

/// Issue: `down --force` kept the record of the namespace it forced a guest out of, and a later
/// `up` finishing a killed run (an empty entry file left) took that namespace back, giving the
/// forced-out guest the zone again. `down` removes the record and clears that namespace's mark:
/// the next `up` after a killed one makes the zone anew; marked again by hand, it is refused.
#[test]
fn down_force_leaves_no_record_to_take_the_old_namespace_back() {
    let script = "W=$(mktemp -d)\n\
        vspace-netns up df >/dev/null\n\
        ip netns exec df sleep 60 & G=$!\n\
        sleep 0.3\n\
        vspace-netns down --force df >/dev/null 2>&1\n\
        test -e /run/vspace-netns/netns-cookie/df || echo removed=1\n\
        nsenter -t $G -n ip link show lo | grep -q 'vspace-netns:df' || echo unmarked=1\n\
        strace -f -o /dev/null -e inject=unshare:signal=SIGKILL vspace-netns up df >/dev/null 2>&1 || :\n\
        rc=0; vspace-netns up df >/dev/null 2>$W/err0 || rc=$?; echo \"after-killed-up=$rc\"\n\
        [ \"$(stat -L -c %d:%i /run/netns/df)\" = \"$(stat -L -c %d:%i /proc/$G/ns/net)\" ] && echo forced-out-adopted=1\n\
        vspace-netns down df >/dev/null 2>&1\n\
        nsenter -t $G -n ip link set lo alias vspace-netns:df\n\
        touch /run/netns/df\n\
        rc=0; vspace-netns up df >/dev/null 2>$W/err || rc=$?; echo \"up=$rc\"\n\
        grep -q \"process $G carries the zone's mark, but no record says up made it\" $W/err && echo refused=1\n\
        mountpoint -q /run/netns/df || echo not-adopted=1\n\
        cat $W/err0 $W/err; kill $G; rm -r $W\n";
    let (ctx, stdout, _) =
        on_private_host_with_veth_zone("df", "20", "dfhost", "192.0.2.105/24", script);
    for want in [
        "removed=1",
        "unmarked=1",
        "after-killed-up=0",
        "up=1",
        "refused=1",
        "not-adopted=1",
    ] {
        assert!(stdout.lines().any(|l| l == want), "no {want}:\n{ctx}");
    }
    assert!(
        !stdout.lines().any(|l| l == "forced-out-adopted=1"),
        "the forced-out namespace was taken back:\n{ctx}"
    );
}

/// Issue: state files were written through a plain open of `STATE/tmp/PREFIX.PID`: with a
/// state dir whose `tmp` others may write (`VSPACE_NETNS_STATE_DIR=/var` kept by sudo: its tmp
/// is /var/tmp), a FIFO planted there hung `up` under the zone's lock, a symlink redirected the
/// write. Writing is refused where another user may write, naming the directory and the fix.
#[test]
fn state_files_are_never_written_where_others_may_write() {
    let script = "mkdir -p /run/s/tmp; chmod 1777 /run/s/tmp\n\
        rc=0; VSPACE_NETNS_STATE_DIR=/run/s vspace-netns up sw >/dev/null 2>/run/s.err || rc=$?; echo \"up=$rc\"\n\
        grep -q '/run/s/tmp may be written by another user' /run/s.err && grep -q 'leave it as it is' /run/s.err && echo said=1\n\
        mountpoint -q /run/netns/sw || echo nothing-left=1\n\
        ip link show swhost >/dev/null 2>&1 || echo no-host-end=1\n\
        cat /run/s.err\n";
    let (ctx, stdout, _) =
        on_private_host_with_veth_zone("sw", "21", "swhost", "192.0.2.107/24", script);
    for want in ["up=1", "said=1", "nothing-left=1", "no-host-end=1"] {
        assert!(stdout.lines().any(|l| l == want), "no {want}:\n{ctx}");
    }
}

/// Issue: the search for a stale zone's namespace asked each namespace for its device named
/// `lo`; one whose loopback device was renamed (any holder of CAP_NET_ADMIN there may: a
/// container given NET_ADMIN) answered ENODEV, and the search refused, for every stale zone,
/// with a hint about pids limits. The loopback device is asked for by its ifindex now.
#[test]
fn a_namespace_with_its_loopback_renamed_blocks_no_search() {
    let script = "W=$(mktemp -d)\n\
        unshare --net sh -c 'ip link set lo name notlo; exec sleep 60' & C=$!\n\
        for i in $(seq 50); do nsenter -t $C -n ip link show notlo >/dev/null 2>&1 && break; sleep 0.1; done\n\
        nsenter -t $C -n ip link show notlo >/dev/null 2>&1 && echo renamed=1\n\
        vspace-netns up lr >/dev/null\n\
        ip netns exec lr sleep 60 & G=$!\n\
        sleep 0.3; umount /run/netns/lr\n\
        rc=0; vspace-netns up lr >/dev/null 2>$W/err || rc=$?; echo \"up=$rc\"\n\
        [ \"$(stat -L -c %d:%i /run/netns/lr)\" = \"$(stat -L -c %d:%i /proc/$G/ns/net)\" ] && echo attached=1\n\
        cat $W/err; kill $C $G; rm -r $W\n";
    let (ctx, stdout, _) =
        on_private_host_with_veth_zone("lr", "23", "lrhost", "192.0.2.109/24", script);
    for want in ["renamed=1", "up=0", "attached=1"] {
        assert!(stdout.lines().any(|l| l == want), "no {want}:\n{ctx}");
    }
}

/// Issue: a zone's loopback device renamed inside (any holder of CAP_NET_ADMIN there, a guest
/// given NET_ADMIN) made `up` fail (`Cannot find device "lo"`), `down` and the hook's
/// post-stop refuse the namespace as not made by up, and `down --force` fail half-way: only
/// the search knew the loopback by its ifindex. Facts and steps take the loopback device for
/// the zone's `lo` whatever its name.
#[test]
fn a_zone_whose_loopback_was_renamed_still_comes_up_and_goes_down() {
    let script = "vspace-netns up rl >/dev/null\n\
        ip -n rl link set dev lo down; ip -n rl link set dev lo name lo0\n\
        rc=0; vspace-netns up rl >/dev/null || rc=$?; echo \"up=$rc\"\n\
        ip -n rl link show lo0 | grep -q 'state UNKNOWN\\|LOOPBACK,UP' && echo lo-up=1\n\
        rc=0; vspace-netns down rl >/dev/null || rc=$?; echo \"down=$rc\"\n\
        mountpoint -q /run/netns/rl || echo gone=1\n";
    let (ctx, stdout, _) =
        on_private_host_with_veth_zone("rl", "24", "rlhost", "192.0.2.111/24", script);
    for want in ["up=0", "lo-up=1", "down=0", "gone=1"] {
        assert!(stdout.lines().any(|l| l == want), "no {want}:\n{ctx}");
    }
}

/// Issue: `up` on a namespace made by hand (`ip netns add`), which it does not mark, recorded
/// its cookie, doctor then said nothing, and the namespace could never be found again by the
/// mark the search looks for. Only a marked namespace is recorded; doctor says such a zone's
/// namespace is not up's, with the way to hand it over.
#[test]
fn a_namespace_made_by_hand_is_not_recorded_and_doctor_says_so() {
    let script = "ip netns add hm\n\
        vspace-netns up hm >/dev/null\n\
        test -e /run/vspace-netns/netns-cookie/hm || echo unrecorded=1\n\
        vspace-netns doctor hm 2>&1 | grep -q 'WARN its namespace was not made by up' && echo doctor-warns=1\n\
        ip -n hm link set dev lo alias vspace-netns:hm\n\
        vspace-netns up hm >/dev/null\n\
        test -s /run/vspace-netns/netns-cookie/hm && echo recorded=1\n\
        vspace-netns doctor hm 2>&1 | grep -q 'WARN its namespace' || echo doctor-quiet=1\n";
    let (ctx, stdout, _) =
        on_private_host_with_veth_zone("hm", "25", "hmhost", "192.0.2.113/24", script);
    for want in [
        "unrecorded=1",
        "doctor-warns=1",
        "recorded=1",
        "doctor-quiet=1",
    ] {
        assert!(stdout.lines().any(|l| l == want), "no {want}:\n{ctx}");
    }
}

/// Issue: with a zone up, a veth renamed (in the configuration, or by a guest inside) made
/// `up`, the hook's start of another guest, `status` and `doctor` say the zone's namespace
/// "lives on, unreachable" and advise `down`, which cuts the guests off; the namespace was
/// right there. The refusal now says the pair's other end is in the zone under another name
/// and how to name it back. And `status` called a zone whose namespace lives on without its
/// entry (`ip netns delete` under a process) idle and healthy: it is stale, with its pids.
#[test]
fn a_renamed_link_is_named_as_such_and_a_namespace_living_on_is_not_idle() {
    let script = "W=$(mktemp -d)\n\
        vspace-netns up rn >/dev/null\n\
        mv \"$VSPACE_NETNS_CONFDIR/rn/links/e0\" \"$VSPACE_NETNS_CONFDIR/rn/links/e1\"\n\
        rc=0; vspace-netns up rn >/dev/null 2>$W/err || rc=$?; echo \"up=$rc\"\n\
        grep -q 'e1 is not in the zone under that name' $W/err && echo named=1\n\
        grep -q 'unreachable' $W/err || echo not-lost=1\n\
        mv \"$VSPACE_NETNS_CONFDIR/rn/links/e1\" \"$VSPACE_NETNS_CONFDIR/rn/links/e0\"\n\
        ip netns exec rn sleep 60 & G=$!\n\
        sleep 0.3; ip netns delete rn\n\
        rc=0; vspace-netns status rn --json >$W/st || rc=$?; echo \"status=$rc\"\n\
        grep -q '\"state\": *\"stale\"' $W/st && echo stale=1\n\
        cat $W/err $W/st; kill $G; rm -r $W\n";
    let (ctx, stdout, _) =
        on_private_host_with_veth_zone("rn", "27", "rnhost", "192.0.2.117/24", script);
    for want in ["up=1", "named=1", "not-lost=1", "status=1", "stale=1"] {
        assert!(stdout.lines().any(|l| l == want), "no {want}:\n{ctx}");
    }
}

/// Issue: the refusal for a veth renamed in the zone was also given when the zone's namespace
/// lives on without its entry (its advice, `ip -n Z ...`, could not work there, and deleting
/// the pair as advised made the next `up` split the zone from its guest), and for an entry made
/// anew by hand (`ip netns add`) that holds no end of the pair. Found without its entry, the
/// refusal says to rename the end through the process; the new entry gets the refusal of a
/// namespace that lives on elsewhere.
#[test]
fn a_renamed_link_in_a_namespace_living_on_is_renamed_through_its_process() {
    let script = "W=$(mktemp -d)\n\
        vspace-netns up rp >/dev/null\n\
        ip netns exec rp sleep 60 & P=$!\n\
        sleep 0.3\n\
        ip -n rp link set e0 down; ip -n rp link set e0 name e9\n\
        ip netns delete rp\n\
        rc=0; vspace-netns up rp >/dev/null 2>$W/err || rc=$?; echo \"up1=$rc\"\n\
        grep -q \"nsenter -t $P -n ip link set dev OTHER name e0\" $W/err && echo through-process=1\n\
        test -e /run/netns/rp || echo no-new-namespace=1\n\
        ip netns add rp\n\
        rc=0; vspace-netns up rp >/dev/null 2>$W/err2 || rc=$?; echo \"up2=$rc\"\n\
        grep -q 'is not in the zone under that name' $W/err2 || echo no-rename-advice=1\n\
        grep -q 'holds no end of the pair' $W/err2 && grep -q 'remove this entry (ip netns delete rp)' $W/err2 && echo entry-advice=1\n\
        ip netns delete rp\n\
        nsenter -t $P -n ip link set dev e9 name e0\n\
        rc=0; vspace-netns up rp >/dev/null || rc=$?; echo \"up3=$rc\"\n\
        [ \"$(stat -L -c %d:%i /run/netns/rp)\" = \"$(stat -L -c %d:%i /proc/$P/ns/net)\" ] && echo attached=1\n\
        cat $W/err $W/err2; kill $P; rm -r $W\n";
    let (ctx, stdout, _) =
        on_private_host_with_veth_zone("rp", "28", "rphost", "192.0.2.119/24", script);
    for want in [
        "up1=1",
        "through-process=1",
        "no-new-namespace=1",
        "up2=1",
        "no-rename-advice=1",
        "entry-advice=1",
        "up3=0",
        "attached=1",
    ] {
        assert!(stdout.lines().any(|l| l == want), "no {want}:\n{ctx}");
    }
}

/// Issue: `ip netns delete Z; ip netns add Z` and at once `up Z`: the old namespace was still
/// going away, its marked host end still there, and `up` refused the fresh entry as one put in
/// the place of a zone's namespace that lives on. `up` waits for such host ends too (bounded)
/// when the live entry holds no end of the pair.
#[test]
fn up_right_after_the_entry_is_made_anew_waits_for_the_old_namespace_to_go() {
    let script = "W=$(mktemp -d); fails=0\n\
        for i in 1 2 3 4 5; do\n\
          vspace-netns up da >/dev/null\n\
          ip netns delete da; ip netns add da\n\
          vspace-netns up da >/dev/null 2>>$W/err || fails=$((fails+1))\n\
          ip netns exec da ip link show e0 >/dev/null 2>&1 || fails=$((fails+1))\n\
          vspace-netns down --force da >/dev/null 2>&1\n\
        done\n\
        echo \"fails=$fails\"; cat $W/err; rm -r $W\n";
    let (ctx, stdout, _) =
        on_private_host_with_veth_zone("da", "29", "dahost", "192.0.2.121/24", script);
    assert!(stdout.lines().any(|l| l == "fails=0"), "{ctx}");
}
