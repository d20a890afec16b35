//! Shared harness of the integration tests: root checks, unique names, namespaces that clean
//! up after themselves, the binary under each of its names, the compiled vspace stand-in and
//! its call log, and command runs whose failure message shows everything (ripgrep style).
//!
//! These tests run as root for real. Without root they fail (never skip): CI is root.
#![allow(dead_code)]

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The binary under test.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_vspace-netns"))
}

/// Fails the test unless it runs as root.
pub fn require_root() {
    assert!(
        nix::unistd::geteuid().is_root(),
        "this test needs root (it creates real network namespaces); run `make test` as root"
    );
}

/// A short name unique to this test process and call (fits an interface name: <= 15 bytes).
pub fn unique(prefix: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let name = format!("{prefix}{:x}x{n}", std::process::id() & 0xfffff);
    assert!(name.len() <= 15, "name {name} too long for an interface");
    name
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
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c/vspace_standin.c");
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
