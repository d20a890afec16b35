//! Hostile input, one test per row: odd netns names, odd run-dir entries, a missing or
//! self-referential real vspace, argv that vspace itself rejects, odd `NETNS_RUN_DIR` values,
//! odd names for the binary; the same for `ip netns exec` and `ip-netns-shim exec`, whose
//! contract is iproute2's first line and status. Every row checks the exact exit status, that stderr (or, for a
//! call handed on untouched, `explain`) names the problem and the operand, that nothing
//! panicked, and, where a named netns was asked for, that the program ran in that netns or not
//! at all: never in the host's.
//!
//! The program every call asks for records `readlink /proc/self/ns/net` in a file of the row's
//! own; the real vspace is the compiled stand-in, which records each call byte for byte and then
//! behaves like vspace (so a call it receives runs its program in the netns the wrapper left it
//! in: the host's, since a pass-through never enters anything). Every command is bounded by
//! `run_bounded`: a call that blocks (a FIFO) fails the row instead of hanging the suite.
//! Runs as root on real namespaces; entries that must not exist in the host's run dir live in
//! a temporary run dir given by `NETNS_RUN_DIR`.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::*;

/// One row's world: the binary under its names, the stand-in's log, a scratch dir (temporary
/// run dir, the program's record), and the environment the call gets.
struct Case {
    names: Names,
    log: CallLog,
    work: tempfile::TempDir,
    env: Vec<(OsString, OsString)>,
}

/// What one call did.
struct Run {
    shown: String,
    out: Output,
    calls: Vec<Call>,
    /// What the program recorded: the netns it ran in; `None` when it never ran.
    ran_in: Option<String>,
}

impl Case {
    fn new() -> Case {
        require_root();
        Case {
            names: Names::new(),
            log: CallLog::new(),
            work: tempfile::tempdir().unwrap(),
            env: Vec::new(),
        }
    }

    /// A run dir of this row's own, given to the call as `NETNS_RUN_DIR`.
    fn own_run_dir(&mut self) -> PathBuf {
        let dir = self.work.path().join("netns");
        std::fs::create_dir_all(&dir).unwrap();
        self.set("NETNS_RUN_DIR", dir.as_os_str());
        dir
    }

    fn set(&mut self, var: &str, value: impl AsRef<OsStr>) {
        self.env.push((var.into(), value.as_ref().to_owned()));
    }

    fn record(&self) -> PathBuf {
        self.work.path().join("ran")
    }

    /// The program each call asks for: it records the netns it runs in.
    fn program(&self) -> Vec<OsString> {
        vec![
            "/bin/sh".into(),
            "-c".into(),
            "readlink /proc/self/ns/net > \"$0\"".into(),
            self.record().into(),
        ]
    }

    /// `words`, then `--` and the recording program.
    fn with_program(&self, words: &[&[u8]]) -> Vec<OsString> {
        let mut v = argv(words);
        v.push("--".into());
        v.extend(self.program());
        v
    }

    fn command(&self, name: &str) -> Command {
        let mut cmd = vspace_cmd(&self.names, &self.log);
        cmd.arg0(self.names.get(name))
            .env_remove("VSPACE_NETNS_REAL_IP")
            .env_remove("NETNS_ETC_DIR");
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    /// Runs the binary as `vspace` with `args`, bounded, and gathers what it did.
    fn vspace(&self, args: &[OsString]) -> Run {
        self.run_as("vspace", args)
    }

    fn run_as(&self, name: &str, args: &[OsString]) -> Run {
        let mut cmd = self.command(name);
        cmd.args(args);
        let out = run_bounded(&mut cmd);
        assert_no_panic(&cmd, &out);
        let ran_in = std::fs::read_to_string(self.record())
            .ok()
            .map(|s| s.trim().to_owned());
        let _ = std::fs::remove_file(self.record());
        Run {
            shown: show(&cmd, &out),
            out,
            calls: self.log.calls(),
            ran_in,
        }
    }

    /// `vspace-netns explain -- args` under the same environment: the words a call handed on
    /// untouched is handed on with.
    fn explain(&self, args: &[OsString]) -> String {
        let mut cmd = self.command("vspace-netns");
        cmd.args(["explain", "--"]).args(args);
        let out = run_bounded(&mut cmd);
        assert_no_panic(&cmd, &out);
        assert_eq!(out.status.code(), Some(0), "{}", show(&cmd, &out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Checks that `args` are handed to the real vspace untouched, and that `explain` gives
    /// the reason in words containing `why`.
    fn passes_through(&self, args: &[OsString], why: &[&str]) -> Run {
        let text = self.explain(args);
        assert!(
            text.contains("decision:    pass through to the real vspace, arguments unchanged"),
            "{text}"
        );
        for w in why {
            assert!(text.contains(w), "explain does not say {w:?}:\n{text}");
        }
        let r = self.vspace(args);
        r.handed_on(&self.names.get("vspace"), args);
        r
    }
}

fn argv(words: &[&[u8]]) -> Vec<OsString> {
    words.iter().map(|w| os(w)).collect()
}

impl Run {
    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.out.stderr).into_owned()
    }

    fn status(&self, want: i32) -> &Run {
        assert_eq!(self.out.status.code(), Some(want), "{}", self.shown);
        self
    }

    /// stderr contains each of `words`.
    fn says(&self, words: &[&str]) -> &Run {
        for w in words {
            assert!(
                self.stderr().contains(w),
                "stderr does not say {w:?}\n{}",
                self.shown
            );
        }
        self
    }

    /// Refused by the wrapper itself: 255, the words on stderr, the real vspace never called,
    /// the program never run.
    fn refused(&self, words: &[&str]) -> &Run {
        self.status(255).says(words);
        assert!(
            self.calls.is_empty(),
            "the real vspace was called: {:?}\n{}",
            self.calls,
            self.shown
        );
        assert_eq!(self.ran_in, None, "the program ran\n{}", self.shown);
        self
    }

    /// Entered `id` and ran the program there, the real vspace never called, stderr empty.
    fn entered(&self, id: &str) -> &Run {
        self.status(0);
        assert_eq!(self.ran_in.as_deref(), Some(id), "{}", self.shown);
        assert!(self.calls.is_empty(), "{:?}\n{}", self.calls, self.shown);
        assert!(self.out.stderr.is_empty(), "{}", self.shown);
        self
    }

    /// The real vspace got exactly one call: argv[0] and `args` byte for byte, in the host's
    /// netns (nothing was entered before handing on).
    fn handed_on(&self, argv0: &Path, args: &[OsString]) -> &Run {
        assert_eq!(self.calls.len(), 1, "{:?}\n{}", self.calls, self.shown);
        let call = &self.calls[0];
        assert_eq!(call.argv[0], argv0.as_os_str(), "{}", self.shown);
        assert_eq!(call.argv[1..], *args, "{}", self.shown);
        assert_eq!(call.netns, own_netns(), "{}", self.shown);
        self
    }

    /// The stand-in ran the program (as vspace would, after its own options): in the netns it
    /// was started in, the host's, and nothing of ours was said.
    fn stand_in_ran_it(&self) -> &Run {
        self.status(0);
        assert_eq!(
            self.ran_in.as_deref(),
            Some(&*own_netns()),
            "{}",
            self.shown
        );
        assert!(self.out.stderr.is_empty(), "{}", self.shown);
        self
    }

    /// The stand-in stopped (as vspace does) with 255 and its message; the program never ran.
    fn stand_in_refused(&self, words: &[&str]) -> &Run {
        self.status(255).says(words);
        assert_eq!(self.ran_in, None, "{}", self.shown);
        assert!(!self.stderr().contains("vspace: cannot"), "{}", self.shown);
        self
    }
}

use std::os::unix::process::CommandExt;

// ---- netns names: those that are no netns name are vspace contexts, handed on untouched ----

/// One test per row: `--enter NAME ...` where NAME is no netns name: vspace's context, handed
/// on untouched (no lookup, so the host's run dir is safe to use), `explain` saying why.
macro_rules! context_rows {
    ($($test:ident: [$($word:expr),*] => [$($why:expr),*];)*) => {$(
        #[test]
        fn $test() {
            let c = Case::new();
            let args = c.with_program(&[$(&$word[..]),*]);
            c.passes_through(&args, &[$($why),*]).stand_in_ran_it();
        }
    )*};
}

context_rows! {
    name_empty_is_a_context_for_vspace:
        [b"--enter", b"", b"--net"] => ["'' is not a netns name (the name is empty)"];
    name_dot_is_a_context_for_vspace:
        [b"--enter", b".", b"--net"] => ["'.' is not a netns name", "'..' are not names"];
    name_dotdot_is_a_context_for_vspace_never_the_run_dirs_parent:
        [b"--enter", b"..", b"--net"] => ["'..' is not a netns name"];
    name_colon_dotdot_is_a_context_for_vspace:
        [b"-Ne", b":.."] => ["'..' is not a netns name"];
    name_with_slash_is_a_context_for_vspace:
        [b"--enter", b"a/b", b"--net"] => ["'a/b' is not a netns name (a name cannot contain '/')"];
    name_traversing_out_of_the_run_dir_is_a_context_for_vspace:
        [b"--enter", b"../../proc/1/ns/net", b"--net"] => ["'../../proc/1/ns/net' is not a netns name"];
    name_of_256_bytes_is_a_context_for_vspace:
        [b"--enter", [b'n'; 256], b"--net"] => ["'nnnn", "is not a netns name (a name is at most 255 bytes)"];
}

#[test]
fn name_of_255_bytes_is_looked_up() {
    let mut c = Case::new();
    let dir = c.own_run_dir();
    let name = vec![b'n'; 255];
    std::fs::write(dir.join(OsStr::from_bytes(&name)), b"").unwrap();
    let args = c.with_program(&[b"--enter", &name, b"--net"]);
    c.vspace(&args).refused(&[
        &format!(
            "vspace: cannot enter network namespace '{}'",
            "n".repeat(255)
        ),
        "(a stale entry)",
    ]);
}

#[test]
fn name_non_utf8_is_entered() {
    let mut name = b"\xff".to_vec();
    name.extend_from_slice(unique("hu").as_bytes());
    let ns = RawNetns::new(os(&name));
    let c = Case::new();
    let args = c.with_program(&[b"--enter", &name, b"--net"]);
    c.vspace(&args).entered(&ns.id());
}

#[test]
fn name_non_utf8_missing_is_a_context_for_vspace() {
    let mut c = Case::new();
    c.own_run_dir();
    let args = c.with_program(&[b"--enter", b"\xfe\xff", b"--net"]);
    c.passes_through(
        &args,
        &["does not exist: '\\xfe\\xff' is a context for vspace"],
    )
    .stand_in_ran_it();
}

#[test]
fn name_non_utf8_stale_is_refused_with_the_name_escaped() {
    let mut c = Case::new();
    let dir = c.own_run_dir();
    std::fs::write(dir.join(OsStr::from_bytes(b"\xfe\x1b[31m")), b"").unwrap();
    let args = c.with_program(&[b"--enter", b"\xfe\x1b[31m", b"--net"]);
    let r = c.vspace(&args);
    r.refused(&[
        "vspace: cannot enter network namespace '\\xfe\\x1b[31m'",
        "(a stale entry)",
    ]);
    assert!(
        !r.out.stderr.contains(&0x1b),
        "a raw control byte reached the terminal\n{}",
        r.shown
    );
}

#[test]
fn name_starting_with_dash_is_entered() {
    let ns = RawNetns::new(format!("-{}", unique("hd")).into());
    let c = Case::new();
    let args = c.with_program(&[b"--enter", ns.name.as_bytes(), b"--net"]);
    c.vspace(&args).entered(&ns.id());
}

#[test]
fn name_starting_with_dash_in_a_cluster_is_entered() {
    let ns = RawNetns::new(format!("-{}", unique("hd")).into());
    let c = Case::new();
    let mut cluster = b"-Ne".to_vec();
    cluster.extend_from_slice(ns.name.as_bytes());
    let args = c.with_program(&[&cluster]);
    c.vspace(&args).entered(&ns.id());
}

#[test]
fn name_starting_with_dash_missing_is_a_context_for_vspace() {
    let mut c = Case::new();
    c.own_run_dir();
    let args = c.with_program(&[b"--enter", b"--net", b"--net"]);
    c.passes_through(&args, &["does not exist: '--net' is a context for vspace"])
        .stand_in_ran_it();
}

// ---- run-dir entries ----

#[test]
fn entry_missing_is_a_context_for_vspace() {
    let mut c = Case::new();
    let dir = c.own_run_dir();
    let args = c.with_program(&[b"--enter", b"web", b"--net"]);
    c.passes_through(
        &args,
        &[&format!(
            "{}/web does not exist: 'web' is a context for vspace",
            dir.display()
        )],
    )
    .stand_in_ran_it();
}

/// Makes `name` in the row's run dir with `make`, calls `--enter name --net -- program`, and
/// expects a refusal naming the entry and saying `what`.
fn refused_entry(make: impl FnOnce(&Path), what: &str) -> Run {
    let mut c = Case::new();
    let dir = c.own_run_dir();
    make(&dir.join("web"));
    let args = c.with_program(&[b"--enter", b"web", b"--net"]);
    let r = c.vspace(&args);
    r.refused(&[
        "vspace: cannot enter network namespace 'web': ",
        &format!("{}/web{what}", dir.display()),
    ]);
    r
}

#[test]
fn entry_empty_file_is_refused_as_stale_with_the_cleanup_hint() {
    let r = refused_entry(
        |p| std::fs::write(p, b"").unwrap(),
        " is an empty file with no namespace mounted on it in this mount namespace (a stale entry)",
    );
    r.says(&[
        "vspace: hint: ",
        "'/run/netns/web' and '/run/netns/*' in /etc/vservers/.defaults/namespace-cleanup-skip and in every guest's own namespace-cleanup-skip",
    ]);
}

#[test]
fn entry_file_with_content_is_refused() {
    refused_entry(
        |p| std::fs::write(p, b"4026531840\n").unwrap(),
        " is a regular file with content, not a namespace mount",
    );
}

/// A symlinked entry is followed, as iproute2 follows it (the checks are on the opened fd).
#[test]
fn entry_symlink_to_a_real_netns_is_entered() {
    let ns = Netns::new("hs");
    let mut c = Case::new();
    let dir = c.own_run_dir();
    std::os::unix::fs::symlink(ns.path(), dir.join("web")).unwrap();
    let args = c.with_program(&[b"--enter", b"web", b"--net"]);
    c.vspace(&args).entered(&ns.id());
    // explain names the link's target.
    let text = c.explain(&args);
    assert!(
        text.contains(&format!(
            "namespace:   web ({}/web, a symbolic link to {}, net:[",
            dir.display(),
            ns.path().display()
        )),
        "{text}"
    );
}

/// The host (played by PID 1 of a PID namespace of the test's own, which shares the caller's
/// network): an entry that leads to PID 1's network namespace is refused, whatever it is.
#[test]
fn entry_symlink_to_the_hosts_netns_is_refused() {
    let mut c = Case::new();
    let dir = c.own_run_dir();
    std::os::unix::fs::symlink("/proc/1/ns/net", dir.join("web")).unwrap();
    let mut cmd = c.command("vspace");
    let mut unshare = Command::new("unshare");
    unshare
        .args(["--pid", "--fork", "--mount-proc", "--"])
        .arg(c.names.get("vspace"))
        .args(c.with_program(&[b"--enter", b"web", b"--net"]));
    copy_env(&cmd, &mut unshare);
    let _ = &mut cmd;
    let out = run_bounded(&mut unshare);
    assert_eq!(out.status.code(), Some(255), "{}", show(&unshare, &out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "vspace: cannot enter network namespace 'web': {}/web (a symbolic link to /proc/1/ns/net) is the host's own network namespace (PID 1's), not a zone of its own",
            dir.display()
        )),
        "{}",
        show(&unshare, &out)
    );
    assert!(!c.record().exists(), "the program ran");
}

/// Where PID 1's namespace cannot be read (this sandbox), the caller's own stands for the host:
/// `ln -s /proc/self/ns/net` leads back to where the caller is, and is refused.
#[test]
fn entry_symlink_to_proc_self_ns_net_is_refused_as_the_host() {
    refused_entry(
        |p| std::os::unix::fs::symlink("/proc/self/ns/net", p).unwrap(),
        " (a symbolic link to /proc/self/ns/net) is the host's own network namespace",
    );
}

#[test]
fn entry_dangling_symlink_is_refused() {
    refused_entry(
        |p| std::os::unix::fs::symlink("/nonexistent/netns/web", p).unwrap(),
        " is a symbolic link to /nonexistent/netns/web, which does not exist",
    );
}

#[test]
fn entry_symlink_to_a_fifo_is_refused_without_blocking() {
    let c = Case::new();
    let fifo = c.work.path().join("fifo");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    refused_entry(
        |p| std::os::unix::fs::symlink(&fifo, p).unwrap(),
        &format!(
            " (a symbolic link to {}) is a FIFO, not a namespace mount",
            fifo.display()
        ),
    );
}

#[test]
fn entry_fifo_is_refused_without_blocking() {
    refused_entry(
        |p| {
            nix::unistd::mkfifo(p, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
        },
        " is a FIFO, not a namespace mount",
    );
}

#[test]
fn entry_directory_is_refused() {
    refused_entry(
        |p| std::fs::create_dir(p).unwrap(),
        " is a directory, not a namespace mount",
    );
}

#[test]
fn entry_socket_is_refused() {
    let keep = std::cell::RefCell::new(None);
    refused_entry(
        |p| {
            *keep.borrow_mut() = Some(std::os::unix::net::UnixListener::bind(p).unwrap());
        },
        " is a socket, not a namespace mount",
    );
}

#[test]
fn entry_device_node_is_refused() {
    refused_entry(
        |p| {
            nix::sys::stat::mknod(
                p,
                nix::sys::stat::SFlag::S_IFCHR,
                nix::sys::stat::Mode::from_bits_truncate(0o600),
                nix::sys::stat::makedev(1, 3),
            )
            .unwrap()
        },
        " is a device, not a namespace mount",
    );
}

/// This process's `kind` namespace bind-mounted at the entry (unmounted after the row).
fn other_namespace_type(kind: &str, what: &str) {
    let mut mount = None;
    refused_entry(
        |p| mount = Some(RunDirEntry::other_namespace(p, kind)),
        &format!(" is {what} namespace, not a network namespace"),
    );
    drop(mount);
}

#[test]
fn entry_ipc_namespace_mount_is_refused() {
    other_namespace_type("ipc", "an ipc");
}

#[test]
fn entry_uts_namespace_mount_is_refused() {
    other_namespace_type("uts", "a uts");
}

#[test]
fn entry_pid_namespace_mount_is_refused() {
    other_namespace_type("pid", "a pid");
}

#[test]
fn entry_real_netns_bind_mounted_into_an_own_run_dir_is_entered() {
    let ns = Netns::new("hb");
    let mut c = Case::new();
    let dir = c.own_run_dir();
    let _mount = RunDirEntry::bind(&dir.join("web"), &ns.path());
    let args = c.with_program(&[b"--enter", b"web", b"--net"]);
    c.vspace(&args).entered(&ns.id());
}

// ---- the real vspace: missing, unusable, or this very binary ----

/// Sets the real vspace to `real` and checks that both a pass-through call and an intercepted
/// call that still needs vspace (net and pid) stop before anything runs, saying `words`; and
/// that an intercepted net-only call, which needs no real vspace, still enters.
fn bad_real_vspace(real: impl AsRef<OsStr>, words: &[&str]) {
    let ns = Netns::new("hv");
    let mut c = Case::new();
    c.set("VSPACE_NETNS_REAL_VSPACE", real);
    let pass = c.with_program(&[b"--new", b"--default"]);
    c.vspace(&pass).refused(words);
    let both = c.with_program(&[b"--enter", ns.name.as_bytes(), b"--net", b"--pid"]);
    c.vspace(&both).refused(words);
    let net = c.with_program(&[b"--enter", ns.name.as_bytes(), b"--net"]);
    c.vspace(&net).entered(&ns.id());
}

#[test]
fn real_vspace_missing() {
    bad_real_vspace(
        "/nonexistent/vspace",
        &[
            "vspace: VSPACE_NETNS_REAL_VSPACE=/nonexistent/vspace: No such file or directory; point it at the real vspace",
        ],
    );
}

#[test]
fn real_vspace_not_executable() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("vspace.distrib");
    std::fs::write(&real, b"#!/bin/sh\nexit 0\n").unwrap();
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o644)).unwrap();
    bad_real_vspace(
        &real,
        &[&format!(
            "vspace: VSPACE_NETNS_REAL_VSPACE={}: not executable; point it at the real vspace",
            real.display()
        )],
    );
}

#[test]
fn real_vspace_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    bad_real_vspace(
        dir.path(),
        &[&format!(
            "vspace: VSPACE_NETNS_REAL_VSPACE={}: not a regular file",
            dir.path().display()
        )],
    );
}

#[test]
fn real_vspace_this_binary() {
    bad_real_vspace(
        bin(),
        &[&format!(
            "vspace: VSPACE_NETNS_REAL_VSPACE={} is this wrapper, not the real vspace",
            bin().display()
        )],
    );
}

#[test]
fn real_vspace_a_symlink_to_this_binary() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("vspace.distrib");
    std::os::unix::fs::symlink(bin(), &link).unwrap();
    bad_real_vspace(
        &link,
        &[&format!(
            "VSPACE_NETNS_REAL_VSPACE={} is this wrapper, not the real vspace",
            link.display()
        )],
    );
}

#[test]
fn real_vspace_a_hard_link_to_this_binary() {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let link = dir.path().join("vspace.distrib");
    std::fs::hard_link(bin(), &link).unwrap();
    bad_real_vspace(&link, &["is this wrapper, not the real vspace"]);
}

#[test]
fn real_vspace_relative_path() {
    bad_real_vspace(
        "vspace",
        &[
            "vspace: VSPACE_NETNS_REAL_VSPACE='vspace' is not an absolute path; set it to the real vspace",
        ],
    );
}

#[test]
fn real_vspace_empty() {
    bad_real_vspace(
        "",
        &["vspace: VSPACE_NETNS_REAL_VSPACE='' is not an absolute path"],
    );
}

// ---- argv that vspace itself rejects: handed on, and vspace says no ----

#[test]
fn no_program_with_a_real_netns_gets_vspaces_own_refusal() {
    let ns = Netns::new("hp");
    let c = Case::new();
    let r = c.vspace(&argv(&[b"--enter", ns.name.as_bytes(), b"--net"]));
    r.refused(&[]);
    assert_eq!(
        r.stderr(),
        "No command specified; try '--help' for more information\n",
        "{}",
        r.shown
    );
}

#[test]
fn no_program_after_double_dash_with_a_real_netns_gets_vspaces_own_refusal() {
    let ns = Netns::new("hp");
    let c = Case::new();
    let r = c.vspace(&argv(&[b"--enter", ns.name.as_bytes(), b"--net", b"--"]));
    r.refused(&["No command specified; try '--help' for more information"]);
}

#[test]
fn no_program_with_no_entry_reaches_vspace() {
    let mut c = Case::new();
    c.own_run_dir();
    let args = argv(&[b"--enter", b"web", b"--net"]);
    c.passes_through(&args, &["is a context for vspace"])
        .stand_in_refused(&["No command specified; try '--help' for more information"]);
}

/// `words` with the row's netns name substituted for `N`, then `--` and the program: handed
/// on untouched because vspace rejects it; the stand-in says `says` and exits 255.
fn rejected_by_vspace(words: &[&[u8]], why: &str, says: &[&str]) {
    let ns = Netns::new("hr");
    let c = Case::new();
    let words: Vec<&[u8]> = words
        .iter()
        .map(|w| if *w == b"N" { ns.name.as_bytes() } else { *w })
        .collect();
    let args = c.with_program(&words);
    c.passes_through(&args, &[why]).stand_in_refused(says);
}

#[test]
fn unknown_option_reaches_vspace() {
    rejected_by_vspace(
        &[b"--enter", b"N", b"--net", b"--bogus"],
        "vspace will reject it: unrecognized option '--bogus'",
        &["unrecognized option '--bogus'"],
    );
}

#[test]
fn unknown_short_option_reaches_vspace() {
    rejected_by_vspace(
        &[b"-Nx", b"--enter", b"N"],
        "vspace will reject it: unrecognized option '-x'",
        &["invalid option -- 'x'"],
    );
}

#[test]
fn short_c_in_the_optstring_but_unhandled_reaches_vspace() {
    rejected_by_vspace(
        &[b"--enter", b"N", b"--net", b"-c"],
        "vspace will reject it",
        &["--help' for more information"],
    );
}

#[test]
fn ambiguous_abbreviation_reaches_vspace() {
    rejected_by_vspace(
        &[b"--enter", b"N", b"--ne"],
        "vspace will reject it: option '--ne' is ambiguous",
        &["option '--ne' is ambiguous"],
    );
}

#[test]
fn mask_garbage_reaches_vspace() {
    rejected_by_vspace(
        &[b"--enter", b"N", b"--net", b"--mask", b"junk"],
        "vspace will reject it: invalid mask 'junk'",
        &["Invalid mask 'junk'"],
    );
}

#[test]
fn mask_overflow_reaches_vspace() {
    rejected_by_vspace(
        &[b"--enter", b"N", b"--mask=0x4000000000000000000"],
        "vspace will reject it: invalid mask '0x4000000000000000000'",
        &["Invalid mask '0x4000000000000000000'"],
    );
}

#[test]
fn mask_empty_reaches_vspace() {
    rejected_by_vspace(
        &[b"--enter", b"N", b"--net", b"--mask="],
        "vspace will reject it: invalid mask ''",
        &["Invalid mask ''"],
    );
}

#[test]
fn index_garbage_reaches_vspace() {
    rejected_by_vspace(
        &[b"--enter", b"N", b"--net", b"-i", b"1x"],
        "vspace will reject it: invalid index '1x'",
        &["Invalid index '1x'"],
    );
}

#[test]
fn enter_without_its_value_reaches_vspace() {
    let c = Case::new();
    let args = argv(&[b"--net", b"--enter"]);
    c.passes_through(
        &args,
        &["vspace will reject it: option '--enter' requires an argument"],
    )
    .stand_in_refused(&["option '--enter' requires an argument"]);
}

#[test]
fn two_operations_reach_vspace() {
    rejected_by_vspace(
        &[b"--enter", b"N", b"--net", b"--set"],
        "several operations: vspace will reject it",
        &["Can not specify multiple operations"],
    );
}

#[test]
fn net_with_index_1_is_vspaces_business() {
    let ns = Netns::new("hi");
    let c = Case::new();
    let args = c.with_program(&[b"--enter", ns.name.as_bytes(), b"--net", b"--index", b"1"]);
    c.passes_through(&args, &["--index 1: only index 0"])
        .stand_in_ran_it();
}

#[test]
fn mask_without_net_is_vspaces_business() {
    let ns = Netns::new("hm");
    let c = Case::new();
    let args = c.with_program(&[b"--enter", ns.name.as_bytes(), b"--net", b"--mask", b"0"]);
    c.passes_through(&args, &["the net space is not in the mask"])
        .stand_in_ran_it();
}

// ---- NETNS_RUN_DIR ----

#[test]
fn run_dir_missing_means_no_entry() {
    let mut c = Case::new();
    let missing = c.work.path().join("no-such-dir");
    c.set("NETNS_RUN_DIR", &missing);
    let args = c.with_program(&[b"--enter", b"web", b"--net"]);
    c.passes_through(
        &args,
        &[&format!("{}/web does not exist", missing.display())],
    )
    .stand_in_ran_it();
}

#[test]
fn run_dir_a_regular_file_is_refused() {
    let mut c = Case::new();
    let file = c.work.path().join("file");
    std::fs::write(&file, b"").unwrap();
    c.set("NETNS_RUN_DIR", &file);
    let args = c.with_program(&[b"--enter", b"web", b"--net"]);
    c.vspace(&args).refused(&[
        "vspace: cannot enter network namespace 'web': ",
        &format!("cannot open {}/web: Not a directory", file.display()),
    ]);
}

/// `NETNS_RUN_DIR=value` with a real netns asked for: refused, never resolved against the cwd.
fn bad_run_dir(value: &str) {
    let ns = Netns::new("hl");
    let mut c = Case::new();
    c.set("NETNS_RUN_DIR", value);
    let args = c.with_program(&[b"--enter", ns.name.as_bytes(), b"--net"]);
    c.vspace(&args).refused(&[
        &format!("vspace: cannot look up network namespace '{}'", ns.name),
        &format!("NETNS_RUN_DIR='{value}' is not an absolute path"),
    ]);
}

#[test]
fn run_dir_relative_is_refused() {
    bad_run_dir("run/netns");
}

#[test]
fn run_dir_dot_relative_is_refused() {
    bad_run_dir("./netns");
}

#[test]
fn run_dir_empty_is_refused() {
    bad_run_dir("");
}

#[test]
fn run_dir_relative_does_not_matter_to_calls_that_are_not_ours() {
    let mut c = Case::new();
    c.set("NETNS_RUN_DIR", "run/netns");
    let args = c.with_program(&[b"--new", b"--default"]);
    c.passes_through(&args, &["the operation is --new"])
        .stand_in_ran_it();
}

// ---- the binary's own names and installation ----

#[test]
fn unknown_name_is_refused() {
    let c = Case::new();
    std::os::unix::fs::symlink(bin(), c.work.path().join("vspace.distrib")).unwrap();
    let mut cmd = Command::new(c.work.path().join("vspace.distrib"));
    cmd.args(c.program());
    let out = run_bounded(&mut cmd);
    assert_no_panic(&cmd, &out);
    assert_eq!(out.status.code(), Some(255), "{}", show(&cmd, &out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("vspace-netns: unknown name 'vspace.distrib': install this binary as vspace"),
        "{}",
        show(&cmd, &out)
    );
    assert!(!c.record().exists(), "{}", show(&cmd, &out));
}

#[test]
fn unknown_non_utf8_name_is_refused_escaped() {
    let c = Case::new();
    let link = c.work.path().join(OsStr::from_bytes(b"vs\xff\x07"));
    std::os::unix::fs::symlink(bin(), &link).unwrap();
    let mut cmd = Command::new(&link);
    let out = run_bounded(&mut cmd);
    assert_no_panic(&cmd, &out);
    assert_eq!(out.status.code(), Some(255), "{}", show(&cmd, &out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("unknown name 'vs\\xff\\x07'"),
        "{}",
        show(&cmd, &out)
    );
}

#[test]
fn setuid_install_is_refused_before_anything_else() {
    let ns = Netns::new("hu");
    let dir = set_id_dir();
    let copy = dir.path().join("vspace");
    copy_program(&bin(), &copy, 0o4755);
    let mut cmd = Command::new("setpriv");
    cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(&copy)
        .args(["--enter", &ns.name, "--net", "--", "/bin/true"]);
    let out = run_bounded(&mut cmd);
    assert_no_panic(&cmd, &out);
    assert_eq!(out.status.code(), Some(255), "{}", show(&cmd, &out));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("vspace: refusing to run setuid or setgid (uid 65534, euid 0"),
        "{}",
        show(&cmd, &out)
    );
}

#[test]
fn explain_with_no_room_for_its_output_fails_cleanly() {
    let c = Case::new();
    let mut cmd = c.command("vspace-netns");
    cmd.args(["explain", "--", "--enter", "web", "--net", "--", "true"]);
    let full = || {
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap()
    };
    cmd.stdout(full()).stderr(full());
    let status = cmd.status().unwrap();
    assert_eq!(status.code(), Some(1), "{cmd:?}: {status}");
}

#[test]
fn explain_with_stdout_full_says_so() {
    let c = Case::new();
    let mut cmd = c.command("vspace-netns");
    cmd.args(["explain", "--", "--enter", "web", "--net", "--", "true"]);
    cmd.stdout(
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap(),
    );
    let out = cmd.output().unwrap();
    assert_no_panic(&cmd, &out);
    assert_eq!(out.status.code(), Some(1), "{}", show(&cmd, &out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("vspace-netns: ") && err.contains("No space left on device"),
        "{}",
        show(&cmd, &out)
    );
}

// ---- what the program finds after an intercept ----

/// `--enter N --net -- program` where exec fails after entering: vspace's words and status,
/// exactly `stderr`.
fn failed_exec(program: &[u8], stderr: &str) {
    let ns = Netns::new("hx");
    let c = Case::new();
    let r = c.vspace(&argv(&[
        b"--enter",
        ns.name.as_bytes(),
        b"--net",
        b"--",
        program,
    ]));
    r.refused(&[]);
    assert_eq!(r.stderr(), stderr, "{}", r.shown);
}

#[test]
fn program_missing_after_entering_fails_like_vspace() {
    failed_exec(
        b"/nonexistent/prog",
        "vspace: execvp(\"/nonexistent/prog\"): No such file or directory\n",
    );
}

#[test]
fn program_a_directory_fails_like_vspace() {
    failed_exec(b"/", "vspace: execvp(\"/\"): Permission denied\n");
}

#[test]
fn program_empty_fails_like_vspace() {
    failed_exec(b"", "vspace: execvp(\"\"): No such file or directory\n");
}

#[test]
fn program_non_utf8_missing_fails_escaped() {
    failed_exec(
        b"no-such-\xff",
        "vspace: execvp(\"no-such-\\xff\"): No such file or directory\n",
    );
}

/// Runs `script` (sh) as the program of an intercepted call; returns what it printed.
fn inside(script: &str) -> String {
    let ns = Netns::new("hq");
    let c = Case::new();
    let r = c.vspace(&argv(&[
        b"--enter",
        ns.name.as_bytes(),
        b"--net",
        b"--",
        b"/bin/sh",
        b"-c",
        script.as_bytes(),
    ]));
    r.status(0);
    assert!(r.calls.is_empty(), "{}", r.shown);
    String::from_utf8_lossy(&r.out.stdout).into_owned()
}

#[test]
fn the_entrys_descriptor_does_not_leak_into_the_program() {
    let fds = inside("for f in /proc/self/fd/*; do readlink \"$f\"; done; true");
    assert!(!fds.is_empty(), "no descriptors listed");
    assert!(
        !fds.contains("net:[") && !fds.contains("/netns/"),
        "a namespace descriptor leaked: {fds}"
    );
}

#[test]
fn the_program_gets_the_default_sigpipe() {
    let status = inside("grep '^SigIgn:' /proc/self/status");
    let mask = u64::from_str_radix(status.trim().trim_start_matches("SigIgn:").trim(), 16)
        .unwrap_or_else(|e| panic!("{status:?}: {e}"));
    assert_eq!(
        mask & (1 << (libc::SIGPIPE - 1)),
        0,
        "SIGPIPE is ignored: {status}"
    );
}

#[test]
fn a_refusal_with_stderr_closed_still_exits_255() {
    let mut c = Case::new();
    let dir = c.own_run_dir();
    std::fs::write(dir.join("web"), b"").unwrap();
    // sh closes stderr, then execs the binary as vspace.
    let mut sh = Command::new("/bin/sh");
    sh.envs(c.env.iter().map(|(k, v)| (k, v)))
        .args(["-c", "exec \"$0\" \"$@\" 2>&-"])
        .arg(c.names.get("vspace"))
        .args(["--enter", "web", "--net", "--"])
        .args(c.program());
    let out = run_bounded(&mut sh);
    assert_eq!(out.status.code(), Some(255), "{}", show(&sh, &out));
    assert!(!c.record().exists(), "the program ran");
}

// ---- ip netns exec / ip-netns-shim exec: iproute2's first line and status ----

impl Case {
    /// `ip netns exec NAME program`, as `ip`.
    fn ip_exec(&self, name: &[u8]) -> Run {
        self.ip(&[b"netns", b"exec", name], true)
    }

    /// `words` (then the program when `program`) as `ip`.
    fn ip(&self, words: &[&[u8]], program: bool) -> Run {
        let mut args = argv(words);
        if program {
            args.extend(self.program());
        }
        self.run_as("ip", &args)
    }

    /// `ip-netns-shim exec NAME program` (the name that honours the row's NETNS_RUN_DIR).
    fn shim_exec(&self, name: &[u8]) -> Run {
        let mut args = argv(&[b"exec", name]);
        args.extend(self.program());
        self.run_as("ip-netns-shim", &args)
    }
}

impl Run {
    /// Failed with `status` and exactly `first` as the first stderr line (raw bytes, as ip
    /// prints them), the later lines saying `more`; the program never ran.
    fn ip_failed(&self, status: i32, first: &[u8], more: &[&str]) -> &Run {
        self.status(status).says(more);
        let line = self.out.stderr.split(|&b| b == b'\n').next().unwrap();
        assert_eq!(
            String::from_utf8_lossy(line),
            String::from_utf8_lossy(first),
            "{}",
            self.shown
        );
        assert_eq!(line, first, "{}", self.shown);
        assert_eq!(self.ran_in, None, "the program ran\n{}", self.shown);
        self
    }

    /// The program ran in `id`; ip said nothing.
    fn ip_entered(&self, id: &str) -> &Run {
        self.status(0);
        assert_eq!(self.ran_in.as_deref(), Some(id), "{}", self.shown);
        assert!(self.out.stderr.is_empty(), "{}", self.shown);
        self
    }
}

/// One test per row: `ip netns exec NAME program` with NAME no netns name: iproute2's
/// `Invalid netns name "NAME"`, 255, nothing run.
macro_rules! ip_invalid_name_rows {
    ($($test:ident: $name:expr;)*) => {$(
        #[test]
        fn $test() {
            let c = Case::new();
            let name: &[u8] = &$name;
            let line = [&b"Invalid netns name \""[..], name, b"\""].concat();
            c.ip_exec(name).ip_failed(255, &line, &[]);
        }
    )*};
}

ip_invalid_name_rows! {
    ip_name_empty_is_invalid: *b"";
    ip_name_dot_is_invalid: *b".";
    ip_name_dotdot_is_invalid: *b"..";
    ip_name_with_slash_is_invalid: *b"a/b";
    ip_name_traversing_out_of_the_run_dir_is_invalid: *b"../../proc/1/ns/net";
    ip_name_of_256_bytes_is_invalid: [b'n'; 256];
}

#[test]
fn shim_name_dotdot_is_invalid() {
    let c = Case::new();
    let mut args = argv(&[b"exec", b".."]);
    args.extend(c.program());
    c.run_as("ip-netns-shim", &args)
        .ip_failed(255, b"Invalid netns name \"..\"", &[]);
}

#[test]
fn ip_name_non_utf8_is_entered() {
    let mut name = b"\xff".to_vec();
    name.extend_from_slice(unique("hu").as_bytes());
    let ns = RawNetns::new(os(&name));
    Case::new().ip_exec(&name).ip_entered(&ns.id());
}

#[test]
fn ip_name_starting_with_dash_is_entered() {
    let ns = RawNetns::new(format!("-{}", unique("hd")).into());
    Case::new().ip_exec(ns.name.as_bytes()).ip_entered(&ns.id());
}

#[test]
fn shim_exec_enters() {
    let ns = Netns::new("hw");
    let c = Case::new();
    let mut args = argv(&[b"exec", ns.name.as_bytes()]);
    args.extend(c.program());
    c.run_as("ip-netns-shim", &args).ip_entered(&ns.id());
}

#[test]
fn ip_name_non_utf8_missing_is_named_raw() {
    let mut c = Case::new();
    c.own_run_dir();
    c.shim_exec(b"\xfe\xff").ip_failed(
        255,
        b"Cannot open network namespace \"\xfe\xff\": No such file or directory",
        &[],
    );
}

/// Makes `web` in the row's run dir with `make`, then `ip-netns-shim exec web program`: fails
/// with iproute2's `first` line and status 255, our explanation saying `what` after it.
fn ip_refused_entry(make: impl FnOnce(&Path), first: &str, what: &str) {
    let mut c = Case::new();
    let dir = c.own_run_dir();
    make(&dir.join("web"));
    c.shim_exec(b"web").ip_failed(
        255,
        first.as_bytes(),
        &[&format!("ip-netns-shim: {}/web{what}", dir.display())],
    );
}

const IP_EINVAL: &str = "setting the network namespace \"web\" failed: Invalid argument";
const IP_ENOENT: &str = "Cannot open network namespace \"web\": No such file or directory";

#[test]
fn ip_entry_missing() {
    let mut c = Case::new();
    c.own_run_dir();
    c.shim_exec(b"web")
        .ip_failed(255, IP_ENOENT.as_bytes(), &[]);
}

#[test]
fn ip_entry_empty_file_is_explained_as_stale() {
    ip_refused_entry(
        |p| std::fs::write(p, b"").unwrap(),
        IP_EINVAL,
        " is an empty file with no namespace mounted on it in this mount namespace (a stale entry)",
    );
}

/// A symlinked entry is followed, as iproute2 follows it: the checks are on the opened fd.
#[test]
fn ip_entry_symlink_to_a_real_netns_is_entered() {
    let ns = Netns::new("hs");
    let mut c = Case::new();
    let dir = c.own_run_dir();
    std::os::unix::fs::symlink(ns.path(), dir.join("web")).unwrap();
    c.shim_exec(b"web").ip_entered(&ns.id());
}

#[test]
fn ip_entry_symlink_to_a_stale_file_is_refused_naming_the_target() {
    let mut c = Case::new();
    let dir = c.own_run_dir();
    let target = c.work.path().join("stale-target");
    std::fs::write(&target, b"").unwrap();
    std::os::unix::fs::symlink(&target, dir.join("web")).unwrap();
    c.shim_exec(b"web").ip_failed(
        255,
        IP_EINVAL.as_bytes(),
        &[&format!(
            "ip-netns-shim: {}/web (a symbolic link to {}) is an empty file",
            dir.display(),
            target.display()
        )],
    );
}

#[test]
fn ip_entry_symlink_to_an_ipc_namespace_is_refused() {
    ip_refused_entry(
        |p| std::os::unix::fs::symlink("/proc/self/ns/ipc", p).unwrap(),
        IP_EINVAL,
        " (a symbolic link to /proc/self/ns/ipc) is an ipc namespace, not a network namespace",
    );
}

#[test]
fn ip_entry_dangling_symlink_is_refused() {
    ip_refused_entry(
        |p| std::os::unix::fs::symlink("/nonexistent/netns/web", p).unwrap(),
        IP_ENOENT,
        " is a symbolic link to /nonexistent/netns/web, which does not exist",
    );
}

#[test]
fn ip_entry_fifo_is_refused_without_blocking() {
    ip_refused_entry(
        |p| nix::unistd::mkfifo(p, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap(),
        IP_EINVAL,
        " is a FIFO, not a namespace mount",
    );
}

#[test]
fn ip_entry_symlink_to_a_fifo_is_refused_without_blocking() {
    let c = Case::new();
    let fifo = c.work.path().join("fifo");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    ip_refused_entry(
        |p| std::os::unix::fs::symlink(&fifo, p).unwrap(),
        IP_EINVAL,
        &format!(" (a symbolic link to {}) is a FIFO", fifo.display()),
    );
}

#[test]
fn ip_entry_directory_is_refused() {
    ip_refused_entry(
        |p| std::fs::create_dir(p).unwrap(),
        IP_EINVAL,
        " is a directory, not a namespace mount",
    );
}

#[test]
fn ip_entry_socket_is_refused() {
    let keep = std::cell::RefCell::new(None);
    ip_refused_entry(
        |p| *keep.borrow_mut() = Some(std::os::unix::net::UnixListener::bind(p).unwrap()),
        "Cannot open network namespace \"web\": No such device or address",
        " is a socket, not a namespace mount",
    );
}

#[test]
fn ip_entry_ipc_namespace_mount_is_refused() {
    let mut mount = None;
    ip_refused_entry(
        |p| mount = Some(RunDirEntry::other_namespace(p, "ipc")),
        IP_EINVAL,
        " is an ipc namespace, not a network namespace",
    );
    drop(mount);
}

#[test]
fn ip_entry_real_netns_bind_mounted_into_an_own_run_dir_is_entered() {
    let ns = Netns::new("hb");
    let mut c = Case::new();
    let dir = c.own_run_dir();
    let _mount = RunDirEntry::bind(&dir.join("web"), &ns.path());
    c.shim_exec(b"web").ip_entered(&ns.id());
}

// ---- the real ip: missing, unusable, or this very binary ----

/// Sets the real ip to `real`: a call for the real ip (`ip route show`) stops with 255 and
/// `words`; `ip netns exec`, which needs no real ip, still enters.
fn bad_real_ip(real: impl AsRef<OsStr>, words: &str) {
    let ns = Netns::new("hv");
    let mut c = Case::new();
    c.set("VSPACE_NETNS_REAL_IP", real);
    c.ip(&[b"route", b"show"], false)
        .ip_failed(255, words.as_bytes(), &[]);
    c.ip(&[b"-bogus", b"netns", b"exec", ns.name.as_bytes()], true)
        .ip_failed(255, words.as_bytes(), &[]);
    c.ip_exec(ns.name.as_bytes()).ip_entered(&ns.id());
}

#[test]
fn real_ip_missing() {
    bad_real_ip(
        "/nonexistent/ip",
        "ip: VSPACE_NETNS_REAL_IP=/nonexistent/ip: No such file or directory; point it at the real ip",
    );
}

#[test]
fn real_ip_not_executable() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("ip.distrib");
    std::fs::write(&real, b"#!/bin/sh\nexit 0\n").unwrap();
    bad_real_ip(
        &real,
        &format!(
            "ip: VSPACE_NETNS_REAL_IP={}: not executable; point it at the real ip",
            real.display()
        ),
    );
}

#[test]
fn real_ip_this_binary() {
    bad_real_ip(
        bin(),
        &format!(
            "ip: VSPACE_NETNS_REAL_IP={} is this wrapper, not the real ip; point it at the real one",
            bin().display()
        ),
    );
}

#[test]
fn real_ip_a_symlink_to_this_binary() {
    let c = Case::new();
    let link = c.names.get("ip");
    bad_real_ip(
        &link,
        &format!(
            "ip: VSPACE_NETNS_REAL_IP={} is this wrapper, not the real ip; point it at the real one",
            link.display()
        ),
    );
}

#[test]
fn real_ip_relative_path() {
    bad_real_ip(
        "ip",
        "ip: VSPACE_NETNS_REAL_IP='ip' is not an absolute path; set it to the real ip",
    );
}

// ---- ip argv: usage errors are iproute2's; what is not ours reaches the real ip ----

#[test]
fn ip_exec_without_a_name() {
    Case::new()
        .ip(&[b"netns", b"exec"], false)
        .ip_failed(1, b"No netns name specified", &[]);
}

#[test]
fn ip_exec_without_a_program() {
    let ns = Netns::new("hp");
    Case::new()
        .ip(&[b"netns", b"exec", ns.name.as_bytes()], false)
        .ip_failed(1, b"No command specified", &[]);
}

#[test]
fn ip_unknown_global_option_reaches_the_real_ip() {
    let ns = Netns::new("ho");
    Case::new()
        .ip(&[b"-bogus", b"netns", b"exec", ns.name.as_bytes()], true)
        .ip_failed(255, b"Option \"-bogus\" is unknown, try \"ip -help\".", &[]);
}

#[test]
fn ip_unknown_netns_subcommand_reaches_the_real_ip() {
    let ns = Netns::new("ho");
    Case::new()
        .ip(&[b"netns", b"bogus", ns.name.as_bytes()], true)
        .ip_failed(
            255,
            b"Command \"bogus\" is unknown, try \"ip netns help\".",
            &[],
        );
}

#[test]
fn ip_abbreviated_exec_is_exec() {
    let ns = Netns::new("ha");
    Case::new()
        .ip(&[b"net", b"e", ns.name.as_bytes()], true)
        .ip_entered(&ns.id());
}

// ---- ip and NETNS_RUN_DIR ----

/// Under the name `ip` NETNS_RUN_DIR is ignored, as iproute2 ignores it: the host's run dir.
#[test]
fn ip_ignores_netns_run_dir() {
    let ns = Netns::new("hi");
    let mut c = Case::new();
    let dir = c.own_run_dir();
    std::fs::write(dir.join(&ns.name), b"").unwrap();
    c.ip_exec(ns.name.as_bytes()).ip_entered(&ns.id());
    c.set("NETNS_RUN_DIR", "relative/dir");
    c.ip_exec(ns.name.as_bytes()).ip_entered(&ns.id());
}

#[test]
fn shim_run_dir_missing_means_no_entry() {
    let mut c = Case::new();
    let missing = c.work.path().join("no-such-dir");
    c.set("NETNS_RUN_DIR", &missing);
    c.shim_exec(b"web")
        .ip_failed(255, IP_ENOENT.as_bytes(), &[]);
}

/// `NETNS_RUN_DIR=value` with a real netns asked for: refused, never resolved against the cwd.
fn shim_bad_run_dir(value: &str) {
    let ns = Netns::new("hl");
    let mut c = Case::new();
    c.set("NETNS_RUN_DIR", value);
    let first = format!(
        "ip-netns-shim: NETNS_RUN_DIR='{value}' is not an absolute path; set it to one (or unset it for /run/netns)"
    );
    c.shim_exec(ns.name.as_bytes())
        .ip_failed(255, first.as_bytes(), &[]);
}

#[test]
fn shim_run_dir_relative_is_refused() {
    shim_bad_run_dir("run/netns");
}

#[test]
fn shim_run_dir_empty_is_refused() {
    shim_bad_run_dir("");
}
