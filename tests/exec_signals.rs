//! The signal state a program gets from the vspace personality, as root on a real netns:
//! an empty signal mask and the default SIGPIPE, whatever the caller had, both when the call
//! is intercepted (the program is exec'd directly) and when it passes through (the real
//! vspace, here the stand-in, is exec'd and execs the program in turn). The program is `cat`,
//! not a shell: shells clear the mask themselves and would hide a leak.

mod common;

use std::os::unix::process::CommandExt;
use std::process::Command;

use common::*;
use nix::sys::signal::{SigHandler, SigSet, SigmaskHow, Signal, signal};

/// Makes the command start with SIGUSR1 and SIGTERM blocked and SIGPIPE ignored.
fn with_hostile_signal_state(cmd: &mut Command) {
    // SAFETY: runs in the forked child before exec; sigprocmask and signal are
    // async-signal-safe and touch no memory shared with the parent.
    unsafe {
        cmd.pre_exec(|| {
            let mut set = SigSet::empty();
            set.add(Signal::SIGUSR1);
            set.add(Signal::SIGTERM);
            nix::sys::signal::sigprocmask(SigmaskHow::SIG_BLOCK, Some(&set), None)?;
            signal(Signal::SIGPIPE, SigHandler::SigIgn)?;
            Ok(())
        });
    }
}

/// The hex masks of one `/proc/self/status` field.
fn field(status: &str, name: &str) -> u64 {
    let line = status
        .lines()
        .find(|l| l.starts_with(name))
        .unwrap_or_else(|| panic!("no {name} in\n{status}"));
    u64::from_str_radix(line[name.len()..].trim(), 16).unwrap()
}

fn check(cmd: &mut Command) {
    with_hostile_signal_state(cmd);
    let out = run_ok(cmd);
    let status = String::from_utf8_lossy(&out.stdout).into_owned();
    let status = status.as_str();
    assert_eq!(
        field(status, "SigBlk:"),
        0,
        "mask not emptied: {}",
        show(cmd, &out)
    );
    let pipe_bit = 1u64 << (libc::SIGPIPE - 1);
    assert_eq!(
        field(status, "SigIgn:") & pipe_bit,
        0,
        "SIGPIPE still ignored: {}",
        show(cmd, &out)
    );
}

const PROGRAM: [&str; 2] = ["cat", "/proc/self/status"];

#[test]
fn intercepted_program_gets_an_empty_mask_and_default_sigpipe() {
    let ns = Netns::new("sig");
    let names = Names::new();
    let log = CallLog::new();
    let mut cmd = vspace_cmd(&names, &log);
    cmd.args(["--enter", &ns.name, "--net", "--"]).args(PROGRAM);
    check(&mut cmd);
    // Nothing reached the real vspace: the call was intercepted (a missing or refused entry
    // would have passed through or failed).
    assert!(log.calls().is_empty(), "{:?}", log.calls());
}

#[test]
fn passed_through_call_gets_an_empty_mask_and_default_sigpipe() {
    let names = Names::new();
    let log = CallLog::new();
    let mut cmd = vspace_cmd(&names, &log);
    cmd.args(["--new", "--default", "--"]).args(PROGRAM);
    check(&mut cmd);
    let calls = log.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].netns, own_netns());
}
