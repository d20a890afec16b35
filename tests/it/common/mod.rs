//! Shared harness of the integration tests: root checks, unique names, namespaces that clean
//! up after themselves, the binary under each of its names, the compiled vspace stand-in and
//! its call log, and command runs whose failure message shows everything (ripgrep style).
//!
//! These tests run as root for real. Without root they fail (never skip): CI is root.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The binary under test: cargo's debug build, or the one `VSPACE_NETNS_TEST_BIN` names (an
/// absolute path), so that the same suites can run against the static-pie release build.
pub fn bin() -> PathBuf {
    match std::env::var_os("VSPACE_NETNS_TEST_BIN") {
        Some(p) => {
            let p = PathBuf::from(p);
            assert!(
                p.is_absolute() && p.is_file(),
                "VSPACE_NETNS_TEST_BIN={} is not an absolute path to a file",
                p.display()
            );
            p
        }
        None => PathBuf::from(env!("CARGO_BIN_EXE_vspace-netns")),
    }
}

/// Fails the test unless it runs as root.
pub fn require_root() {
    assert!(
        nix::unistd::geteuid().is_root(),
        "this test needs root (it creates real network namespaces); run `make test` as root"
    );
}

/// A short name unique to this test process and call (fits an interface name: <= 15 bytes):
/// `prefix`, 20 bits of the PID in 4 base-36 digits, then the call's number in base 36 (every
/// test of the binary counts on, so it runs into the thousands: 3 digits).
pub fn unique(prefix: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let pid = std::process::id() as usize & 0xfffff;
    let name = format!("{prefix}{}{}", base36(pid, 4), base36(n, 1));
    assert!(name.len() <= 15, "name {name} too long for an interface");
    name
}

/// `n` in base 36 (digits, then lowercase letters), at least `width` digits.
fn base36(mut n: usize, width: usize) -> String {
    let mut digits = Vec::new();
    while n > 0 || digits.len() < width {
        digits.push(b"0123456789abcdefghijklmnopqrstuvwxyz"[n % 36]);
        n /= 36;
    }
    digits.reverse();
    String::from_utf8(digits).unwrap()
}

/// The netns of the calling process, as `net:[ino]`.
pub fn own_netns() -> String {
    std::fs::read_link("/proc/self/ns/net")
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

/// A named network namespace in the host's run dir, made with the real `ip netns add` and
/// deleted (with whatever links it holds) on drop.
pub struct Netns {
    pub name: String,
}

impl Netns {
    pub fn new(prefix: &str) -> Netns {
        require_root();
        let name = unique(prefix);
        run_ok(Command::new("ip").args(["netns", "add", &name]));
        Netns { name }
    }

    pub fn path(&self) -> PathBuf {
        Path::new("/run/netns").join(&self.name)
    }

    /// `net:[ino]` of this namespace, to compare with what a program saw.
    pub fn id(&self) -> String {
        use std::os::unix::fs::MetadataExt;
        format!("net:[{}]", std::fs::metadata(self.path()).unwrap().ino())
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "delete", &self.name])
            .output();
    }
}

/// A run-dir entry made by a test (stale file, other file, directory, symlink, bind mount; or
/// any such file elsewhere); unmounted (when it is a mount) and removed on drop.
pub struct RunDirEntry {
    pub path: PathBuf,
    mounted: bool,
}

impl RunDirEntry {
    /// An empty regular file: what an unmounted (stale) entry looks like.
    pub fn stale(path: &Path) -> RunDirEntry {
        RunDirEntry::file(path, b"")
    }

    /// A regular file holding `bytes`.
    pub fn file(path: &Path, bytes: &[u8]) -> RunDirEntry {
        std::fs::write(path, bytes).unwrap();
        RunDirEntry {
            path: path.to_owned(),
            mounted: false,
        }
    }

    /// An empty directory.
    pub fn dir(path: &Path) -> RunDirEntry {
        std::fs::create_dir(path).unwrap();
        RunDirEntry {
            path: path.to_owned(),
            mounted: false,
        }
    }

    /// A symbolic link to `target`.
    pub fn symlink(path: &Path, target: &Path) -> RunDirEntry {
        std::os::unix::fs::symlink(target, path).unwrap();
        RunDirEntry {
            path: path.to_owned(),
            mounted: false,
        }
    }

    /// `source` bind-mounted on an empty file, as `ip netns add` mounts a namespace.
    pub fn bind(path: &Path, source: &Path) -> RunDirEntry {
        require_root();
        let mut e = RunDirEntry::stale(path);
        nix::mount::mount(
            Some(source),
            path,
            None::<&str>,
            nix::mount::MsFlags::MS_BIND,
            None::<&str>,
        )
        .unwrap_or_else(|err| {
            panic!(
                "bind-mount {} on {}: {err}",
                source.display(),
                path.display()
            )
        });
        e.mounted = true;
        e
    }

    /// This process's `kind` namespace (`ipc`, `uts`, ...) mounted on the entry: a namespace
    /// mount, but not of a network namespace.
    pub fn other_namespace(path: &Path, kind: &str) -> RunDirEntry {
        RunDirEntry::bind(path, Path::new(&format!("/proc/self/ns/{kind}")))
    }
}

impl Drop for RunDirEntry {
    fn drop(&mut self) {
        if self.mounted {
            let _ = nix::mount::umount2(&self.path, nix::mount::MntFlags::MNT_DETACH);
        }
        let _ = std::fs::remove_file(&self.path);
        let _ = std::fs::remove_dir(&self.path);
    }
}

/// A named network namespace with any bytes for a name, in the host's run dir, deleted with
/// the real `ip netns delete` on drop.
pub struct RawNetns {
    pub name: OsString,
}

impl RawNetns {
    /// Made with the real `ip netns add`.
    pub fn new(name: OsString) -> RawNetns {
        require_root();
        run_ok(Command::new("ip").arg("netns").arg("add").arg(&name));
        RawNetns { name }
    }

    /// `net:[ino]` of this namespace.
    pub fn id(&self) -> String {
        use std::os::unix::fs::MetadataExt;
        let ino = std::fs::metadata(Path::new("/run/netns").join(&self.name))
            .unwrap()
            .ino();
        format!("net:[{ino}]")
    }
}

impl Drop for RawNetns {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .arg("netns")
            .arg("delete")
            .arg(&self.name)
            .output();
    }
}

/// A program left running in a network namespace, killed (and reaped) on drop.
pub struct Sleeper {
    pub child: std::process::Child,
}

impl Sleeper {
    /// `sleep 600` in the namespace `ns` of the host's run dir, through the real ip.
    pub fn new(ns: &str) -> Sleeper {
        Sleeper::start(
            Command::new("ip").args(["netns", "exec", ns, "sleep", "600"]),
            &Path::new("/run/netns").join(ns),
            "sleep",
        )
    }

    /// Starts `cmd` (stdin empty) and returns once its process runs `comm` (the program `cmd`
    /// ends in: ip execs it in place) in the namespace of the namespace file `entry`.
    pub fn start(cmd: &mut Command, entry: &Path, comm: &str) -> Sleeper {
        use std::os::unix::fs::MetadataExt;
        let want = format!("net:[{}]", std::fs::metadata(entry).unwrap().ino());
        let what = format!("run {comm} in {}", entry.display());
        Sleeper::until(cmd, &what, |pid| {
            let inside = std::fs::read_link(format!("/proc/{pid}/ns/net"))
                .is_ok_and(|l| l.to_string_lossy() == want);
            let running = std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|c| c.trim_end() == comm);
            inside && running
        })
    }

    /// Starts `cmd` (stdin empty) and returns once `ready` says yes of its process (killed,
    /// and the test failed, when it exits first or never does: `what` it never did).
    fn until(cmd: &mut Command, what: &str, ready: impl Fn(u32) -> bool) -> Sleeper {
        let mut child = cmd
            .stdin(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
        let pid = child.id();
        let deadline = std::time::Instant::now() + hang_limit();
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                panic!("{cmd:?} exited: {status}");
            }
            if ready(pid) {
                return Sleeper { child };
            }
            if std::time::Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{cmd:?} never did {what}");
            }
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
    }

    /// `tests/c/leaderless.c` in the namespace `ns` of the host's run dir, through the real
    /// ip, once its first thread has exited (a zombie leader, as a program that calls
    /// pthread_exit in main leaves) while its second sleeps there: `/proc/PID/ns/net` leads
    /// nowhere, `/proc/PID/task/TID/ns/net` to the namespace.
    pub fn leaderless(ns: &str) -> Sleeper {
        Sleeper::leaderless_in(ns, None)
    }

    /// [`Sleeper::leaderless`] with a thread made before the one that stays, which has entered
    /// the network namespace of the file `away` alone: the first of the other threads is
    /// in another namespace than the second.
    pub fn leaderless_split(ns: &str, away: &Path) -> Sleeper {
        Sleeper::leaderless_in(ns, Some(away))
    }

    fn leaderless_in(ns: &str, away: Option<&Path>) -> Sleeper {
        use std::os::unix::fs::MetadataExt;
        static PROGRAM: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
        let program =
            PROGRAM.get_or_init(|| compile_c("leaderless.c", "leaderless", &["-pthread"]));
        let entry = Path::new("/run/netns").join(ns);
        let link_of = |p: &Path| format!("net:[{}]", std::fs::metadata(p).unwrap().ino());
        let mut want = vec![link_of(&entry)];
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", ns]).arg(program);
        if let Some(away) = away {
            cmd.arg(away);
            want.push(link_of(away));
        }
        let what = format!("lose its first thread in {}", entry.display());
        Sleeper::until(&mut cmd, &what, |pid| {
            let zombie_leader = std::fs::read_to_string(format!("/proc/{pid}/status"))
                .is_ok_and(|s| s.starts_with("Name:\tleaderless") && s.contains("\nState:\tZ"));
            let links: Vec<String> = std::fs::read_dir(format!("/proc/{pid}/task"))
                .into_iter()
                .flatten()
                .flatten()
                .filter_map(|t| std::fs::read_link(t.path().join("ns/net")).ok())
                .map(|l| l.to_string_lossy().into_owned())
                .collect();
            // Each thread where it should be: one in each namespace wanted.
            zombie_leader && want.iter().all(|w| links.contains(w)) && links.len() == want.len()
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Sleeper {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A read-only bind mount of a file on itself (a file `up` cannot write), unmounted on drop.
pub struct ReadOnly(PathBuf);

impl ReadOnly {
    pub fn new(file: &Path) -> ReadOnly {
        let f = file.to_str().unwrap();
        run_ok(Command::new("mount").args(["--bind", f, f]));
        let guard = ReadOnly(file.to_path_buf());
        run_ok(Command::new("mount").args(["-o", "remount,bind,ro", f]));
        guard
    }
}

impl Drop for ReadOnly {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).output();
    }
}

/// Whether a link of this name exists in the host's namespace.
pub fn host_has_link(name: &str) -> bool {
    run(Command::new("ip").args(["link", "show", "dev", name]))
        .status
        .success()
}

/// A program that records where it ran: run as `SH... args`, it writes its netns and then its
/// own argv words after [`Probe::prefix`] to a file, so a test sees both byte for byte.
pub struct Probe {
    pub dir: tempfile::TempDir,
}

impl Probe {
    pub fn new() -> Probe {
        Probe {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn out(&self) -> PathBuf {
        self.dir.path().join("ran")
    }

    /// The words that start the program; whatever follows them becomes its recorded arguments.
    pub fn prefix(&self) -> Vec<OsString> {
        let script = r#"{ readlink /proc/self/ns/net; cat /proc/$$/cmdline; } >"$0""#;
        vec![
            "/bin/sh".into(),
            "-c".into(),
            script.into(),
            self.out().into_os_string(),
        ]
    }

    /// `prefix` followed by `args`.
    pub fn argv(&self, args: &[OsString]) -> Vec<OsString> {
        let mut v = self.prefix();
        v.extend(args.iter().cloned());
        v
    }

    /// What the program recorded, `(netns, args after the prefix)`, or None when it did not run;
    /// the record is removed, so the probe can run again.
    pub fn take(&self) -> Option<(String, Vec<OsString>)> {
        let data = std::fs::read(self.out()).ok()?;
        std::fs::remove_file(self.out()).unwrap();
        let nl = data.iter().position(|&b| b == b'\n').expect("a netns line");
        let netns = String::from_utf8_lossy(&data[..nl]).into_owned();
        let words: Vec<OsString> = data[nl + 1..]
            .strip_suffix(b"\0")
            .expect("cmdline ends in NUL")
            .split(|&b| b == 0)
            .map(|w| OsString::from_vec(w.to_vec()))
            .collect();
        let prefix = self.prefix();
        assert_eq!(words[..prefix.len()], prefix[..], "the probe's own words");
        Some((netns, words[prefix.len()..].to_vec()))
    }
}

/// A temporary dir with the binary linked under each of its names (and any others asked for).
pub struct Names {
    pub dir: tempfile::TempDir,
}

impl Names {
    pub fn new() -> Names {
        let dir = tempfile::tempdir().unwrap();
        for n in ["vspace", "vspace-netns", "ip", "ip-netns-shim"] {
            std::os::unix::fs::symlink(bin(), dir.path().join(n)).unwrap();
        }
        Names { dir }
    }

    pub fn get(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

fn compile(out_name: &str, defines: &[&str]) -> PathBuf {
    compile_c("vspace_standin.c", out_name, defines)
}

/// Removes what a run of the tests killed before its cleanup left in the build's tmp dir under
/// `PREFIX-PID...` (a set-ID copy of the binary, a compiled helper): PID no longer running.
fn sweep_dead_runs(prefix: &str) {
    let Ok(dir) = std::fs::read_dir(env!("CARGO_TARGET_TMPDIR")) else {
        return;
    };
    for e in dir.filter_map(Result::ok) {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(prefix).and_then(|r| r.strip_prefix('-')) else {
            continue;
        };
        let pid = rest.split('-').next().unwrap_or("");
        if pid.parse::<u32>().is_ok() && !Path::new("/proc").join(pid).exists() {
            let p = e.path();
            let _ = std::fs::remove_dir_all(&p).or_else(|_| std::fs::remove_file(&p));
        }
    }
}

/// `from`'s environment changes (set and removed variables) made on `to` too.
pub fn copy_env(from: &Command, to: &mut Command) {
    for (k, v) in from.get_envs() {
        match v {
            Some(v) => to.env(k, v),
            None => to.env_remove(k),
        };
    }
}

/// `cmd` run by the program and arguments `prefix` (a wrapper that execs the rest), with
/// `cmd`'s environment.
pub fn wrapped(prefix: &[&std::ffi::OsStr], cmd: &Command) -> Command {
    let mut c = Command::new(prefix[0]);
    c.args(&prefix[1..])
        .arg(cmd.get_program())
        .args(cmd.get_args());
    copy_env(cmd, &mut c);
    c
}

/// Says loudly that a test (or part of one) was skipped and why: `line` ("SKIPPED
/// MODULE::TEST: why") on stderr, and appended to `target/tmp/skipped.log`, which `make test`
/// and the VM tier print after the run (libtest shows a passing test's stderr to nobody).
pub fn skipped(line: &str) {
    use std::io::Write;
    eprintln!("{line}");
    let log = Path::new(env!("CARGO_TARGET_TMPDIR")).join("skipped.log");
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
    {
        // One write: lines of tests running at once do not mix.
        let _ = f.write_all(format!("{line}\n").as_bytes());
    }
}

/// Compiles `tests/c/SOURCE` into the test target dir (unique per test process); what runs
/// killed before left of it goes first.
pub fn compile_c(source: &str, out_name: &str, defines: &[&str]) -> PathBuf {
    sweep_dead_runs(out_name);
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/c")
        .join(source);
    let out =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{out_name}-{}", std::process::id()));
    let mut cc = Command::new("cc");
    cc.args(["-O2", "-Wall", "-Werror", "-o"])
        .arg(&out)
        .arg(&src)
        .args(defines);
    run_ok(&mut cc);
    out
}

/// The compiled vspace stand-in (records calls, then execs the program after the options).
pub fn standin() -> &'static Path {
    static P: OnceLock<PathBuf> = OnceLock::new();
    P.get_or_init(|| compile("vspace-standin", &[]))
}

/// The compiled `tests/c/sig_probe.c`: run as `PROBE OUT`, it writes its open fds and its
/// SigIgn/SigBlk/SigCgt lines to OUT.
pub fn sig_probe() -> &'static Path {
    static P: OnceLock<PathBuf> = OnceLock::new();
    P.get_or_init(|| compile_c("sig_probe.c", "sig-probe", &[]))
}

/// The compiled oracle: glibc getopt_long with vspace's table, printing what it parsed.
pub fn oracle() -> &'static Path {
    static P: OnceLock<PathBuf> = OnceLock::new();
    P.get_or_init(|| compile("vspace-oracle", &["-DORACLE"]))
}

/// One call the stand-in recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub netns: String,
    pub argv: Vec<OsString>,
}

/// A log file for the stand-in, read back as calls.
pub struct CallLog {
    pub dir: tempfile::TempDir,
}

impl CallLog {
    pub fn new() -> CallLog {
        CallLog {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.path().join("calls")
    }

    pub fn calls(&self) -> Vec<Call> {
        let data = std::fs::read(self.path()).unwrap_or_default();
        let mut fields = data.split(|&b| b == 0);
        let mut calls = Vec::new();
        while let Some(ns) = fields.next() {
            if ns.is_empty() {
                break;
            }
            let argc: usize = std::str::from_utf8(fields.next().unwrap())
                .unwrap()
                .parse()
                .unwrap();
            let argv = (0..argc)
                .map(|_| OsString::from_vec(fields.next().unwrap().to_vec()))
                .collect();
            calls.push(Call {
                netns: String::from_utf8_lossy(ns).into_owned(),
                argv,
            });
        }
        calls
    }
}

/// A command with the stand-in as the real vspace, logging to `log`, run dir the host's.
pub fn vspace_cmd(names: &Names, log: &CallLog) -> Command {
    let mut c = Command::new(names.get("vspace"));
    c.env("VSPACE_NETNS_REAL_VSPACE", standin())
        .env("VSPACE_STANDIN_LOG", log.path())
        .env_remove("NETNS_RUN_DIR");
    c
}

/// Shows a finished command fully, for assertion messages.
pub fn show(cmd: &Command, out: &Output) -> String {
    format!(
        "command: {:?}\nstatus: {}\nstdout:\n{}\nstderr:\n{}",
        cmd,
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs `cmd` and returns its output, whatever its status.
pub fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

/// Runs `cmd`, failing the test with everything shown unless it exits 0.
pub fn run_ok(cmd: &mut Command) -> Output {
    let out = run(cmd);
    assert!(out.status.success(), "{}", show(cmd, &out));
    out
}

/// Runs `cmd` and checks its exit status, showing everything when it differs.
pub fn run_status(cmd: &mut Command, want: i32) -> Output {
    let out = run(cmd);
    assert_eq!(out.status.code(), Some(want), "{}", show(cmd, &out));
    out
}

/// `bytes` as an OsString (argv built from bytes, so non-UTF-8 is ordinary).
pub fn os(bytes: &[u8]) -> OsString {
    OsStr::from_bytes(bytes).to_owned()
}

/// Writes `text` to `path` with permissions `mode`: a program or script a test then runs.
/// The bytes go through a child process (`sh -c 'cat >FILE'`), never through a file this
/// process has open for writing: the other tests' threads start programs all the time, each
/// child holds a copy of every fd from its fork until its exec, and running a file that is
/// open for writing anywhere fails with ETXTBSY (Text file busy).
pub fn write_program(path: &Path, text: &[u8], mode: u32) {
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;
    let mut c = Command::new("sh");
    c.args(["-c", "cat >\"$0\""])
        .arg(path)
        .stdin(std::process::Stdio::piped());
    let mut child = c
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {c:?}: {e}"));
    child.stdin.take().unwrap().write_all(text).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", show(&c, &out));
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A directory (0755) for set-ID copies of the binary: under the build's own target dir,
/// since /tmp may be mounted nosuid (Debian 13's tmpfs), where the set-ID bits do nothing.
pub fn set_id_dir() -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    sweep_dead_runs("setid");
    let dir = tempfile::Builder::new()
        .prefix(&format!("setid-{}-", std::process::id()))
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

/// `from` copied to `path` by `cp` (for the reason [`write_program`] gives), then given `mode`.
pub fn copy_program(from: &Path, path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    run_ok(Command::new("cp").arg(from).arg(path));
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// The name libtest gives test `f` of module `module` (`module_path!()`): the path without
/// the crate's own name, as `--exact` wants it (`ip_sys_remount::every_strategy_...`).
pub fn test_name(module: &str, f: &str) -> String {
    let path = module.split_once("::").map_or("", |(_, rest)| rest);
    if path.is_empty() {
        f.to_string()
    } else {
        format!("{path}::{f}")
    }
}

/// Set (to the test's name) in a copy of this binary that [`in_own_mount_namespace`] started.
const OWN_MOUNT_NS: &str = "VSPACE_NETNS_IT_OWN_MOUNT_NS";

/// For a test that compares the whole mount table before and after: runs test `f` of
/// `module` (`module_path!()`) again, alone, in a copy of this binary that is the first process
/// of a mount namespace of its own, and fails unless it passes. Returns true in that copy (the
/// test body goes on there) and false in the caller (nothing left to do). In the namespace,
/// what the other tests of this process (and anything else on the machine) mount and remove
/// meanwhile is gone: the mounts below `/run` and `/tmp` are detached (a mount whose mount
/// point is deleted on the host would vanish from the copy too), `/run/netns` is a tmpfs of its
/// own, and `/` is made shared again (`mount --make-rshared /`, as systemd makes the host's),
/// in peer groups of its own: nothing of the host's reaches it, while a mount the binary under
/// test let propagate back to its caller still would.
pub fn in_own_mount_namespace(module: &str, f: &str) -> bool {
    let name = test_name(module, f);
    if std::env::var_os(OWN_MOUNT_NS).is_some_and(|v| v == name.as_str()) {
        return true;
    }
    require_root();
    let mut c = Command::new("unshare");
    c.args(["--mount", "--propagation", "private", "--", "sh", "-euc"])
        .arg(
            "awk '$5 ~ \"^/(run|tmp)/\" { print $5 }' /proc/self/mountinfo | sort -r |
                 while IFS= read -r m; do umount -l \"$m\" 2>/dev/null || :; done
             mkdir -p /run/netns
             mount -t tmpfs -o mode=0755 tmpfs /run/netns
             mount --make-rshared /
             exec \"$@\"",
        )
        .arg("sh")
        .arg(std::env::current_exe().unwrap())
        .args(["--exact", &name, "--test-threads=1", "--nocapture"])
        .env(OWN_MOUNT_NS, &name);
    let out = run(&mut c);
    assert!(
        out.status.success()
            && String::from_utf8_lossy(&out.stdout).contains("test result: ok. 1 passed"),
        "{name} in a mount namespace of its own:\n{}",
        show(&c, &out)
    );
    false
}

pub mod compat;
pub mod docs;
pub mod host;
pub mod ip;
pub mod root;
pub mod zone;
/// How long a single command may take before the test calls it hung (a FIFO or a lock that
/// blocks it): far above any honest run, so it never decides a passing result. 30 s, or
/// `VSPACE_NETNS_TEST_HANG_LIMIT` seconds (the VM tier's guests run under TCG emulation, some
/// ten times slower: vm/checks/tests.sh gives 150).
pub fn hang_limit() -> std::time::Duration {
    static LIMIT: std::sync::OnceLock<std::time::Duration> = std::sync::OnceLock::new();
    *LIMIT.get_or_init(|| {
        let secs = std::env::var("VSPACE_NETNS_TEST_HANG_LIMIT")
            .ok()
            .and_then(|s| s.parse::<u64>().ok())
            .filter(|&s| s > 0)
            .unwrap_or(30);
        std::time::Duration::from_secs(secs)
    })
}

/// Runs `cmd` (stdin empty) and returns its output, killing it and failing the test if it has
/// not finished within [`hang_limit`]: a blocked call fails loudly instead of hanging the suite.
/// Output goes through unlinked temporary files, so a chatty command cannot block on a pipe.
pub fn run_bounded(cmd: &mut Command) -> Output {
    use std::io::{Read, Seek};
    let mut out = tempfile::tempfile().unwrap();
    let mut err = tempfile::tempfile().unwrap();
    cmd.stdin(std::process::Stdio::null())
        .stdout(out.try_clone().unwrap())
        .stderr(err.try_clone().unwrap());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let deadline = std::time::Instant::now() + hang_limit();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} did not finish within {:?}: it hangs", hang_limit());
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    };
    let read = |f: &mut std::fs::File| {
        let mut v = Vec::new();
        f.rewind().unwrap();
        f.read_to_end(&mut v).unwrap();
        v
    };
    Output {
        status,
        stdout: read(&mut out),
        stderr: read(&mut err),
    }
}

/// Fails the test if the binary panicked: a panic is never an acceptable answer to any input.
pub fn assert_no_panic(cmd: &Command, out: &Output) {
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(
        !text.contains("panicked"),
        "the binary panicked\n{}",
        show(cmd, out)
    );
    // 101 is Rust's panic status, 134 an abort (release builds abort on panic).
    assert!(
        !matches!(out.status.code(), Some(101))
            && std::os::unix::process::ExitStatusExt::signal(&out.status) != Some(libc::SIGABRT),
        "the binary panicked or aborted\n{}",
        show(cmd, out)
    );
}

/// Runs `demo/<script>` with `bin` as its operand (the way `make` runs it, output not a
/// terminal), bounded by [`hang_limit`]; its stdout as text and the whole output.
pub fn run_demo(script: &str, bin: &Path) -> (String, Output, Command) {
    require_root();
    let mut cmd = Command::new("sh");
    cmd.arg(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("demo")
            .join(script),
    )
    .arg(bin)
    .env_remove("NETNS_RUN_DIR");
    let out = run_bounded(&mut cmd);
    (String::from_utf8_lossy(&out.stdout).into_owned(), out, cmd)
}

/// The word after `marker` in `text` (up to a space, quote or comma): a name a demo printed.
pub fn word_after<'a>(text: &'a str, marker: &str) -> &'a str {
    let at = text
        .find(marker)
        .unwrap_or_else(|| panic!("no '{marker}' in:\n{text}"));
    let rest = &text[at + marker.len()..];
    let end = rest
        .find(|c: char| c.is_whitespace() || c == '\'' || c == ',' || c == ')')
        .unwrap_or(rest.len());
    &rest[..end]
}

/// The oracle's line for `argv` (argv[0] included): what glibc's getopt_long with vspace's
/// table made of it (`tests/c/vspace_standin.c -DORACLE`).
pub fn oracle_line(argv: &[OsString]) -> String {
    use std::os::unix::process::CommandExt;
    let mut cmd = Command::new(oracle());
    cmd.arg0(&argv[0])
        .args(&argv[1..])
        .env_remove("POSIXLY_CORRECT");
    let out = run_ok(&mut cmd);
    String::from_utf8(out.stdout).unwrap().trim_end().to_owned()
}

/// `vspace_args::parse`'s reading of `argv` in the oracle's words.
pub fn parsed_line(argv: &[OsString]) -> String {
    use vspace_netns::vspace::args::{Operation, Parsed, parse};
    let a = match parse(argv) {
        Parsed::Help => return "help".into(),
        Parsed::Version => return "version".into(),
        Parsed::Error(_) => return "error".into(),
        Parsed::Args(a) => a,
    };
    let op = match a.operation() {
        Operation::None => "none",
        Operation::Several => "several",
        Operation::New => "new",
        Operation::Enter(_) => "enter",
        Operation::Set => "set",
    };
    let xid = a.enter.last().map_or("-".into(), |x| {
        let hex: String = x.as_bytes().iter().map(|b| format!("{b:02x}")).collect();
        format!("x{hex}")
    });
    let index = a.index.map_or("-".into(), |i| i.to_string());
    format!(
        "ok op={op} nenter={} xid={xid} mask={:#x} index={index} optind={}",
        a.enter.len(),
        a.mask,
        a.program
    )
}
