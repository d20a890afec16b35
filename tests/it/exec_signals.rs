//! The state a program inherits through every exec path, as root on real namespaces, compared
//! with the tools we stand in for: iproute2's `ip netns exec` and the vspace stand-in
//! (tests/c/vspace_standin.c, which execs as vspace does). The caller ignores SIGPIPE, blocks
//! SIGUSR1 and SIGTERM, and has fds 0, 1 and 2 closed; execve(2) keeps all of that, and so must
//! we, on every path: `ip netns exec` and `ip-netns-shim exec`, `-all exec` children, the vspace
//! intercept and its pass-through. The program is `tests/c/sig_probe.c`, which lists its fds
//! before opening anything and copies SigIgn/SigBlk/SigCgt from /proc/self/status: no shell in
//! between to reset a mask or open a file.

use std::ffi::OsString;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::common::ip::*;
use crate::common::*;
use nix::sys::signal::Signal;

/// Makes the command start with SIGUSR1 and SIGTERM blocked, SIGPIPE ignored, fds 0-2 closed.
fn hostile(cmd: &mut Command) -> &mut Command {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    vspace_netns::sys::process::start_oddly(
        cmd,
        vspace_netns::sys::process::OddStart {
            blocked: vec![Signal::SIGUSR1, Signal::SIGTERM],
            ignore_sigpipe: true,
            closed: vec![0, 1, 2],
        },
    );
    cmd
}

/// Runs `cmd` in the hostile state, the probe writing to `out`; returns what it recorded.
fn inherited(cmd: &mut Command, out: &Path) -> String {
    let _ = std::fs::remove_file(out);
    let status = hostile(cmd).status().unwrap();
    assert!(status.success(), "{cmd:?}: {status}");
    std::fs::read_to_string(out).unwrap_or_else(|e| panic!("{cmd:?} ran no probe: {e}"))
}

fn field(record: &str, name: &str) -> u64 {
    let line = record
        .lines()
        .find(|l| l.starts_with(name))
        .unwrap_or_else(|| panic!("no {name} in\n{record}"));
    u64::from_str_radix(line[name.len()..].trim(), 16).unwrap()
}

fn bit(s: Signal) -> u64 {
    1u64 << (s as i32 - 1)
}

/// The reference record (from iproute2 or the stand-in) shows the hostile state: fds 0-2
/// closed (fds the test runner itself inherited and keeps open may be listed too), SIGPIPE
/// ignored, SIGUSR1 and SIGTERM blocked.
fn check_reference(record: &str) {
    let fds = record.lines().next().unwrap_or_default();
    assert!(
        fds.starts_with("fds:") && !fds.split(' ').any(|f| ["0", "1", "2"].contains(&f)),
        "fds 0-2 closed: {record}"
    );
    assert_ne!(
        field(record, "SigIgn:") & bit(Signal::SIGPIPE),
        0,
        "{record}"
    );
    let blocked = bit(Signal::SIGUSR1) | bit(Signal::SIGTERM);
    assert_eq!(field(record, "SigBlk:") & blocked, blocked, "{record}");
}

fn probe_args(out: &Path) -> [OsString; 2] {
    [sig_probe().into(), out.into()]
}

#[test]
fn ip_exec_hands_on_signals_and_closed_fds_as_iproute2_does() {
    let ns = Netns::new("sigip");
    let names = Names::new();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("rec");
    let reference = inherited(
        real()
            .args(["netns", "exec", &ns.name])
            .args(probe_args(&out)),
        &out,
    );
    check_reference(&reference);
    for (name, mut cmd) in [("ip", our_ip(&names)), ("ip-netns-shim", shim(&names))] {
        cmd.args(["netns", "exec", &ns.name]).args(probe_args(&out));
        assert_eq!(inherited(&mut cmd, &out), reference, "as {name}");
    }
}

#[test]
fn all_exec_children_get_the_callers_state() {
    let names = Names::new();
    let rd = RunDir::new();
    let ns = unique("sigall");
    run_ok(rd.with(&mut shim(&names)).args(["add", &ns]));
    let host = Netns::new("sigallr");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("rec");
    // The reference: iproute2's exec (it ignores NETNS_RUN_DIR, so into a namespace of the
    // host's run dir; the state handed on does not depend on which).
    let reference = inherited(
        real()
            .args(["netns", "exec", &host.name])
            .args(probe_args(&out)),
        &out,
    );
    check_reference(&reference);
    let mut cmd = shim(&names);
    rd.with(&mut cmd)
        .args(["-all", "exec"])
        .args(probe_args(&out));
    assert_eq!(inherited(&mut cmd, &out), reference);
}

#[test]
fn vspace_intercept_and_pass_through_hand_on_the_callers_state() {
    let ns = Netns::new("sigvs");
    let names = Names::new();
    let log = CallLog::new();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("rec");
    // The stand-in execs as vspace does: the reference for both paths.
    let mut direct = Command::new(standin());
    direct
        .env("VSPACE_STANDIN_LOG", log.path())
        .args(["--enter", &ns.name, "--net", "--"])
        .args(probe_args(&out));
    let reference = inherited(&mut direct, &out);
    check_reference(&reference);
    let mut intercepted = vspace_cmd(&names, &log);
    intercepted
        .args(["--enter", &ns.name, "--net", "--"])
        .args(probe_args(&out));
    assert_eq!(inherited(&mut intercepted, &out), reference, "intercept");
    let mut passed = vspace_cmd(&names, &log);
    passed
        .args(["--new", "--default", "--"])
        .args(probe_args(&out));
    assert_eq!(inherited(&mut passed, &out), reference, "pass-through");
    // The direct call and the pass-through reached the stand-in, the intercept did not.
    let calls = log.calls();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert_eq!(calls[1].argv[1], "--new");
}

/// `trap '' PIPE; ip netns exec X yes | head -1`: with SIGPIPE ignored `yes` ends on EPIPE
/// (status 1 and a message) rather than by the signal, under iproute2 and under ours alike.
#[test]
fn ignored_sigpipe_reaches_a_pipeline_as_under_iproute2() {
    let ns = Netns::new("sigyes");
    let names = Names::new();
    let run_line = |ip: &Path| {
        let line = format!(
            "trap '' PIPE; {} netns exec {} yes | head -1; echo \"${{PIPESTATUS[0]}}\"",
            ip.display(),
            ns.name
        );
        let mut c = Command::new("bash");
        c.args(["-c", &line]);
        let o = run_ok(&mut c);
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let theirs = run_line(&real_ip());
    assert_eq!(theirs, "y\n1\n", "iproute2's yes ended on EPIPE");
    assert_eq!(run_line(&names.get("ip")), theirs);
    assert_eq!(run_line(&names.get("ip-netns-shim")), theirs);
}
