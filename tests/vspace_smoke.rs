//! The vspace personality end to end, as root: a shared-net call lands in the named netns.

mod common;

use common::*;

#[test]
fn shared_net_call_runs_the_program_in_the_named_netns() {
    let ns = Netns::new("vsm");
    let names = Names::new();
    let log = CallLog::new();
    let mut cmd = vspace_cmd(&names, &log);
    cmd.args([
        "--enter",
        &ns.name,
        "--net",
        "--",
        "readlink",
        "/proc/self/ns/net",
    ]);
    let out = run_ok(&mut cmd);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        ns.id(),
        "{}",
        show(&cmd, &out)
    );
    assert!(
        log.calls().is_empty(),
        "the real vspace was called: {:?}",
        log.calls()
    );
}

#[test]
fn other_calls_reach_the_standin_untouched() {
    let names = Names::new();
    let log = CallLog::new();
    let mut cmd = vspace_cmd(&names, &log);
    cmd.args(["--new", "--default", "--", "true"]);
    run_ok(&mut cmd);
    let calls = log.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(
        calls[0].argv[1..],
        [os(b"--new"), os(b"--default"), os(b"--"), os(b"true")]
    );
    assert_eq!(calls[0].netns, own_netns());
}
