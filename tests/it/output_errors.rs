//! Every subcommand of every name with stdout unwritable: on /dev/full, closed, and a pipe
//! whose reader is gone with SIGPIPE ignored. Never a panic or an abort (status 134). Under our
//! own names (`vspace-netns`, `ip-netns-shim`) a failed write is one message and status 1;
//! under `ip` it is what iproute2 6.1 does (checked against the real ip: status 0 for list,
//! identify, pids, -V); a line that only informs (`-all exec`'s headers, a hook's note) never
//! fails or undoes the work. A closed stdout is no error (a /dev/null placeholder takes fd 1,
//! so nothing of ours lands in a socket that got that number).

use std::process::{Command, Output, Stdio};

use crate::common::ip::*;
use crate::common::zone::{TestZone, no_err};
use crate::common::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sink {
    Full,
    Closed,
    BrokenPipe,
}

const SINKS: [Sink; 3] = [Sink::Full, Sink::Closed, Sink::BrokenPipe];

/// Runs `cmd` with stdout on `sink` (stderr captured), bounded; fails on a panic or abort.
fn run_into(cmd: &mut Command, sink: Sink) -> Output {
    match sink {
        Sink::Full => {
            cmd.stdout(
                std::fs::OpenOptions::new()
                    .write(true)
                    .open("/dev/full")
                    .unwrap(),
            );
        }
        Sink::Closed => {
            cmd.stdout(Stdio::null());
            vspace_netns::sys::process::start_oddly(
                cmd,
                vspace_netns::sys::process::OddStart {
                    closed: vec![1],
                    ..Default::default()
                },
            );
        }
        Sink::BrokenPipe => {
            // Close-on-exec, so that no program another test starts meanwhile inherits the
            // reading end and keeps the pipe's reader alive.
            let (r, w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).unwrap();
            drop(r);
            cmd.stdout(Stdio::from(w));
            vspace_netns::sys::process::start_oddly(
                cmd,
                vspace_netns::sys::process::OddStart {
                    ignore_sigpipe: true,
                    ..Default::default()
                },
            );
        }
    }
    cmd.stdin(Stdio::null()).stderr(Stdio::piped());
    let child = cmd.spawn().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    let out = wait_bounded(child);
    assert_no_panic(cmd, &out);
    out
}

fn wait_bounded(mut child: std::process::Child) -> Output {
    let deadline = std::time::Instant::now() + ip_hang_limit();
    loop {
        if let Some(_status) = child.try_wait().unwrap() {
            return child.wait_with_output().unwrap();
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("hung");
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

fn ip_hang_limit() -> std::time::Duration {
    std::time::Duration::from_secs(30)
}

/// Checks one call on every sink: `status` where stdout could not be written (Full,
/// BrokenPipe), `ok` where it was closed, and the write-error message when `says_so`.
fn check(label: &str, make: &dyn Fn() -> Command, status: i32, ok: i32, says_so: bool) {
    for sink in SINKS {
        let mut cmd = make();
        let out = run_into(&mut cmd, sink);
        let want = if sink == Sink::Closed { ok } else { status };
        assert_eq!(
            out.status.code(),
            Some(want),
            "{label} {sink:?}: {}",
            show(&cmd, &out)
        );
        let err = String::from_utf8_lossy(&out.stderr);
        if says_so && sink != Sink::Closed {
            assert_eq!(
                err.matches("write error on stdout: ").count(),
                1,
                "{label} {sink:?}: {}",
                show(&cmd, &out)
            );
        } else {
            assert!(
                !err.contains("write error"),
                "{label} {sink:?}: {}",
                show(&cmd, &out)
            );
        }
    }
}

#[test]
fn vspace_netns_subcommands() {
    require_root();
    let names = Names::new();
    let tool = |args: &'static [&'static str]| {
        let n = names.get("vspace-netns");
        move || {
            let mut c = Command::new(&n);
            c.args(args)
                .env_remove("NETNS_RUN_DIR")
                .env("VSPACE_NETNS_REAL_VSPACE", standin());
            c
        }
    };
    check("mac", &tool(&["mac", "2", "42", "1"]), 1, 0, true);
    check(
        "explain",
        &tool(&["explain", "--", "--new", "--", "x"]),
        1,
        0,
        true,
    );
    check("completions", &tool(&["completions", "bash"]), 1, 0, true);
    check("--help", &tool(&["--help"]), 1, 0, true);
    check("--version", &tool(&["--version"]), 1, 0, true);
    check("help mac", &tool(&["help", "mac"]), 1, 0, true);
    // Usage errors and failures go to stderr: stdout does not matter.
    check("mac bad", &tool(&["mac", "9999", "1", "1"]), 2, 2, false);
    check("mac usage", &tool(&["mac", "1"]), 2, 2, false);
    // The zone subcommands on a zone that does not exist: their failure, no panic.
    let z = TestZone::new("oe");
    let zone_cmd = |args: Vec<String>| {
        let z = &z;
        move || {
            let mut c = z.cmd(&args.iter().map(String::as_str).collect::<Vec<_>>());
            c.env_remove("NETNS_RUN_DIR");
            c
        }
    };
    let missing = unique("oenz");
    for sub in ["up", "down"] {
        check(
            sub,
            &zone_cmd(vec![sub.into(), missing.clone()]),
            1,
            1,
            false,
        );
    }
    for sink in SINKS {
        let mut c = zone_cmd(vec!["doctor".into(), missing.clone()])();
        let out = run_into(&mut c, sink);
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{}",
            show(&c, &out)
        );
    }
}

/// A hook's informational line cannot be printed: the hook still succeeds.
#[test]
fn hook_notes_never_fail_the_hook() {
    let z = TestZone::new("oeh");
    let guest = unique("oeg");
    let other = unique("oeo");
    // `guest` shares the network of another guest (util-vserver's own sharing): the hook
    // leaves it alone and says so in a note on stdout.
    for g in [&guest, &other] {
        std::fs::create_dir_all(z.vservers().join(g).join("spaces")).unwrap();
    }
    std::fs::write(
        z.vservers().join(&guest).join("spaces/net"),
        format!("{other}\n"),
    )
    .unwrap();
    let mut plain = z.cmd(&["hook", "prepre-start", &guest]);
    let out = run_ok(&mut plain);
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("# hook: "),
        "{}",
        show(&plain, &out)
    );
    for sink in SINKS {
        let mut c = z.cmd(&["hook", "prepre-start", &guest]);
        let out = run_into(&mut c, sink);
        assert_eq!(out.status.code(), Some(0), "{sink:?}: {}", show(&c, &out));
        assert!(no_err(&out), "{sink:?}: {}", show(&c, &out));
    }
}

#[test]
fn ip_and_shim_subcommands() {
    let ns = Netns::new("oen");
    let names = Names::new();
    let sleeper = Sleeper::new(&ns.name);
    let pid = sleeper.pid().to_string();
    let printing: Vec<Vec<String>> = vec![
        vec!["netns".into(), "list".into()],
        vec!["netns".into(), "identify".into(), pid.clone()],
        vec!["netns".into(), "pids".into(), ns.name.clone()],
    ];
    for args in &printing {
        // iproute2 ignores a failed write: status 0. So does `ip`.
        let real_args = args.clone();
        check(
            &format!("real ip {args:?}"),
            &move || {
                let mut c = real();
                c.args(&real_args);
                c
            },
            0,
            0,
            false,
        );
        let a = args.clone();
        check(
            &format!("ip {args:?}"),
            &|| {
                let mut c = our_ip(&names);
                c.args(&a);
                c
            },
            0,
            0,
            false,
        );
        let a = args.clone();
        check(
            &format!("shim {args:?}"),
            &|| {
                let mut c = shim(&names);
                c.args(&a);
                c
            },
            1,
            0,
            true,
        );
    }
    // What prints nothing, or only the program's output, or the real ip's.
    let rd = RunDir::new();
    for (label, args, status) in [
        (
            "exec",
            vec!["exec".to_string(), ns.name.clone(), "true".into()],
            0,
        ),
        ("-V", vec!["-V".into()], 0),
        (
            "exec missing",
            vec!["exec".into(), unique("oex"), "true".into()],
            255,
        ),
    ] {
        check(
            label,
            &|| {
                let mut c = shim(&names);
                c.args(&args);
                c
            },
            status,
            status,
            false,
        );
        let mut ip_args = args.clone();
        if label != "-V" {
            ip_args.insert(0, "netns".into());
        }
        check(
            label,
            &|| {
                let mut c = our_ip(&names);
                c.args(&ip_args);
                c
            },
            status,
            status,
            false,
        );
    }
    let made = unique("oea");
    check(
        "-all exec",
        &|| {
            let mut c = shim(&names);
            rd.with(&mut c).args(["-all", "exec", "true"]);
            c
        },
        0,
        0,
        false,
    );
    for sink in SINKS {
        for args in [vec!["add", made.as_str()], vec!["delete", made.as_str()]] {
            let mut c = shim(&names);
            rd.with(&mut c).args(&args);
            let out = run_into(&mut c, sink);
            assert_eq!(out.status.code(), Some(0), "{}", show(&c, &out));
        }
        let mut c = shim(&names);
        rd.with(&mut c).args(["-all", "delete"]);
        let out = run_into(&mut c, sink);
        assert_eq!(out.status.code(), Some(0), "{}", show(&c, &out));
    }
}

#[test]
fn vspace_calls() {
    let ns = Netns::new("oev");
    let names = Names::new();
    let log = CallLog::new();
    for (label, args, status) in [
        (
            "intercept",
            vec!["--enter", ns.name.as_str(), "--net", "--", "true"],
            0,
        ),
        ("pass-through", vec!["--new", "--", "true"], 0),
        ("--help", vec!["--help"], 0),
        (
            "no program",
            vec!["--enter", ns.name.as_str(), "--net"],
            255,
        ),
    ] {
        check(
            label,
            &|| {
                let mut c = vspace_cmd(&names, &log);
                c.args(&args);
                c
            },
            status,
            status,
            false,
        );
    }
}
