//! The vspace personality end to end, as root: a shared-net call lands in the named netns.

use std::process::Command;

use crate::common::*;

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

/// Under its own name, a first word that is no option is the tool's: a typo is refused with
/// the nearest subcommand (status 2) and never reaches the real vspace; every vspace call
/// (its first word an option) still does, byte for byte.
#[test]
fn under_its_own_name_a_typo_is_refused_and_vspace_calls_pass() {
    let names = Names::new();
    let log = CallLog::new();
    let tool = |args: &[&[u8]]| {
        let mut c = Command::new(names.get("vspace-netns"));
        c.env("VSPACE_NETNS_REAL_VSPACE", standin())
            .env("VSPACE_STANDIN_LOG", log.path())
            .env_remove("NETNS_RUN_DIR");
        c.args(args.iter().map(|a| os(a)));
        c
    };
    for (word, want) in [
        (
            &b"stauts"[..],
            "vspace-netns: unknown subcommand 'stauts' (did you mean status?)",
        ),
        (
            b"dotcor",
            "vspace-netns: unknown subcommand 'dotcor' (did you mean doctor?)",
        ),
        (
            b"frobnicate",
            "vspace-netns: unknown subcommand 'frobnicate'\n",
        ),
        (b"\xff", "vspace-netns: unknown subcommand '\\xff'\n"),
    ] {
        let mut c = tool(&[word, b"--enter", b"x"]);
        let out = run_status(&mut c, 2);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.starts_with(want), "{}", show(&c, &out));
        assert!(
            err.contains("hint: the subcommands are"),
            "{}",
            show(&c, &out)
        );
    }
    assert!(
        log.calls().is_empty(),
        "a typo reached vspace: {:?}",
        log.calls()
    );

    // vspace's calls: each reaches the stand-in untouched.
    for argv in [
        &[&b"--new"[..], b"--default", b"--", b"true"][..],
        &[b"--set", b"--net", b"--", b"true"],
        &[b"-n", b"--", b"true"],
        &[b"--", b"true"],
    ] {
        let before = log.calls().len();
        let mut c = tool(argv);
        let out = run(&mut c);
        assert_no_panic(&c, &out);
        let calls = log.calls();
        assert_eq!(calls.len(), before + 1, "{}", show(&c, &out));
        let want: Vec<_> = argv.iter().map(|a| os(a)).collect();
        assert_eq!(calls[before].argv[1..], want[..], "{}", show(&c, &out));
    }
}
