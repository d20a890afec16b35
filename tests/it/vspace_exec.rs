//! The vspace personality end to end, as root, through symlinks named `vspace` and
//! `vspace-netns`: where the program runs, what it gets (argv, status, environment, cwd, stdio,
//! fds, signal state), and every way a call fails closed.

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Command, Stdio};

use crate::common::*;

/// How a call reaches the program.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Route {
    /// `--enter NS --net --`: entered, the program run directly.
    Exec,
    /// `--enter NS --net --pid --`: entered, then the real vspace with net cleared.
    Vspace,
    /// `--enter NS --pid --`: the real vspace, in the host's netns.
    Pass,
}

const ROUTES: [Route; 3] = [Route::Exec, Route::Vspace, Route::Pass];

impl Route {
    fn options(self, ns: &str) -> Vec<OsString> {
        let words: &[&str] = match self {
            Route::Exec => &["--enter", ns, "--net", "--"],
            Route::Vspace => &["--enter", ns, "--net", "--pid", "--"],
            Route::Pass => &["--enter", ns, "--pid", "--"],
        };
        words.iter().map(OsString::from).collect()
    }

    /// What the real vspace sees after argv[0], if it runs.
    fn real_args(self, ns: &str, program: &[OsString]) -> Option<Vec<OsString>> {
        let mut opts = self.options(ns);
        match self {
            Route::Exec => return None,
            Route::Vspace => opts.insert(4, "--~net".into()),
            Route::Pass => {}
        }
        opts.extend(program.iter().cloned());
        Some(opts)
    }

    fn netns(self, ns: &Netns) -> String {
        match self {
            Route::Exec | Route::Vspace => ns.id(),
            Route::Pass => own_netns(),
        }
    }
}

/// A world to run calls in: a netns, the binary's names, the stand-in's log.
struct World {
    ns: Netns,
    names: Names,
    log: CallLog,
}

impl World {
    fn new() -> World {
        World {
            ns: Netns::new("vx"),
            names: Names::new(),
            log: CallLog::new(),
        }
    }

    /// `NAME OPTIONS PROGRAM...` with the stand-in as the real vspace.
    fn cmd(&self, name: &str, route: Route, program: &[OsString]) -> Command {
        let mut c = vspace_cmd(&self.names, &self.log);
        c.arg0(self.names.get(name))
            .args(route.options(&self.ns.name))
            .args(program);
        c
    }

    /// The stand-in's calls since the last look (the log is emptied).
    fn take_calls(&self) -> Vec<Call> {
        let calls = self.log.calls();
        let _ = std::fs::remove_file(self.log.path());
        calls
    }

    /// Checks the real vspace was (or was not) called as `route` says, with `argv0`.
    fn check_calls(&self, route: Route, argv0: &Path, program: &[OsString], what: &str) {
        let want = route.real_args(&self.ns.name, program).map(|args| Call {
            netns: route.netns(&self.ns),
            argv: std::iter::once(argv0.as_os_str().to_owned())
                .chain(args)
                .collect(),
        });
        assert_eq!(self.take_calls(), Vec::from_iter(want), "{what}");
    }
}

fn words(w: &[&[u8]]) -> Vec<OsString> {
    w.iter().map(|b| os(b)).collect()
}

fn sh(script: &str) -> Vec<OsString> {
    words(&[b"/bin/sh", b"-c", script.as_bytes()])
}

#[test]
fn program_runs_in_the_netns_with_argv_byte_for_byte() {
    let w = World::new();
    let probe = Probe::new();
    let args = words(&[
        b"\xff\xfe",
        b"",
        b"a b",
        b"-x",
        b"--",
        b"\t",
        b"--net",
        b"\xc3\x28",
    ]);
    for name in ["vspace", "vspace-netns"] {
        for route in ROUTES {
            let what = format!("{name} {route:?}");
            let program = probe.argv(&args);
            let mut cmd = w.cmd(name, route, &program);
            run_ok(&mut cmd);
            assert_eq!(
                probe.take(),
                Some((route.netns(&w.ns), args.clone())),
                "{what}"
            );
            w.check_calls(route, &w.names.get(name), &program, &what);
        }
    }
}

#[test]
fn argv0_of_the_real_vspace_is_kept() {
    let w = World::new();
    for argv0 in [&b"/usr/sbin/vspace"[..], b"vspace", b"/opt/\xff x/vspace"] {
        for route in [Route::Vspace, Route::Pass] {
            let program = words(&[b"true"]);
            let mut cmd = w.cmd("vspace", route, &program);
            cmd.arg0(os(argv0));
            run_ok(&mut cmd);
            w.check_calls(route, Path::new(&os(argv0)), &program, &format!("{cmd:?}"));
        }
    }
}

#[test]
fn the_programs_exit_status_is_the_callers() {
    let w = World::new();
    let table: &[(&str, Option<i32>, Option<i32>)] = &[
        ("exit 0", Some(0), None),
        ("exit 3", Some(3), None),
        ("exit 255", Some(255), None),
        ("kill -KILL $$", None, Some(9)),
        ("kill -TERM $$", None, Some(15)),
    ];
    for &(script, code, signal) in table {
        for route in ROUTES {
            let mut cmd = w.cmd("vspace", route, &sh(script));
            let out = run(&mut cmd);
            assert_eq!(
                (out.status.code(), out.status.signal()),
                (code, signal),
                "{}",
                show(&cmd, &out)
            );
        }
    }
}

#[test]
fn environment_and_cwd_are_the_callers() {
    let w = World::new();
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path().join(os(b"cwd \xff"));
    std::fs::create_dir(&cwd).unwrap();
    let env: Vec<(OsString, OsString)> = vec![
        ("PATH".into(), std::env::var_os("PATH").unwrap()),
        ("EMPTY".into(), "".into()),
        ("BYTES".into(), os(b"\xff=\x01 x")),
        ("VSPACE_NETNS_REAL_VSPACE".into(), standin().into()),
        ("VSPACE_STANDIN_LOG".into(), w.log.path().into()),
    ];
    for program in [words(&[b"env", b"-0"]), words(&[b"pwd", b"-P"])] {
        let mut direct = Command::new(&program[0]);
        direct
            .args(&program[1..])
            .env_clear()
            .envs(env.iter().cloned())
            .current_dir(&cwd);
        let want = run_ok(&mut direct).stdout;
        assert!(want.len() > 10, "{direct:?} printed {:?}", os(&want));
        for route in ROUTES {
            let mut cmd = w.cmd("vspace", route, &program);
            cmd.env_clear().envs(env.iter().cloned()).current_dir(&cwd);
            let out = run_ok(&mut cmd);
            assert_eq!(
                os(&out.stdout),
                os(&want),
                "{route:?}: {}",
                show(&cmd, &out)
            );
        }
    }
}

#[test]
fn stdin_stdout_and_stderr_are_the_callers() {
    let w = World::new();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("input");
    std::fs::write(&input, b"line one\n\xff two\n").unwrap();
    for route in ROUTES {
        let mut cmd = w.cmd(
            "vspace",
            route,
            &sh("readlink /proc/self/fd/0; cat; echo to-stderr >&2"),
        );
        cmd.stdin(std::fs::File::open(&input).unwrap());
        let out = run_ok(&mut cmd);
        let mut want = input.as_os_str().as_bytes().to_vec();
        want.extend(b"\nline one\n\xff two\n");
        assert_eq!(
            (os(&out.stdout), os(&out.stderr)),
            (os(&want), os(b"to-stderr\n")),
            "{route:?}: {}",
            show(&cmd, &out)
        );
    }
}

/// The program's open fds (number -> target), from `ls -l /proc/self/fd`, less ls's own.
fn fds(ls: &[u8]) -> Vec<(u32, String)> {
    let text = String::from_utf8_lossy(ls);
    let mut fds: Vec<(u32, String)> = text
        .lines()
        .filter_map(|l| l.split_once(" -> "))
        .map(|(head, target)| {
            let n = head.rsplit(' ').next().unwrap().parse().unwrap();
            // The test's own pipes differ from run to run; a pipe is a pipe.
            let target = if target.starts_with("pipe:") {
                "pipe"
            } else {
                target
            };
            (n, target.to_owned())
        })
        .filter(|(_, target)| {
            let own = target
                .strip_prefix("/proc/")
                .and_then(|t| t.strip_suffix("/fd"));
            !own.is_some_and(|pid| pid.bytes().all(|b| b.is_ascii_digit()))
        })
        .collect();
    fds.sort();
    fds
}

/// `program` started by a shell that deliberately leaves `file` open as fd 7 (and whatever
/// the test runner itself left open).
fn with_fd_7(file: &Path, program: &Command) -> Command {
    let mut cmd = Command::new("/bin/sh");
    cmd.args(["-c", r#"exec 7<"$0"; exec "$@""#])
        .arg(file)
        .arg(program.get_program())
        .args(program.get_args())
        .envs(program.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .stdin(Stdio::null());
    cmd
}

#[test]
fn no_fd_leaks_into_the_program() {
    let w = World::new();
    let dir = tempfile::tempdir().unwrap();
    let passed = dir.path().join("passed");
    std::fs::write(&passed, b"x").unwrap();
    let ls = words(&[b"ls", b"-l", b"/proc/self/fd/"]);
    // The same program, started directly: only what the callers passed on.
    let mut direct = Command::new(&ls[0]);
    direct.args(&ls[1..]);
    let mut direct = with_fd_7(&passed, &direct);
    let want = fds(&run_ok(&mut direct).stdout);
    let passed_name = passed.to_string_lossy().into_owned();
    assert!(
        want.contains(&(7, passed_name)) && want.iter().any(|(n, _)| *n == 2),
        "{want:?}"
    );
    for route in ROUTES {
        let mut cmd = with_fd_7(&passed, &w.cmd("vspace", route, &ls));
        let out = run_ok(&mut cmd);
        assert_eq!(fds(&out.stdout), want, "{route:?}: {}", show(&cmd, &out));
    }
}

/// SigBlk and SigIgn of a /proc/PID/status text.
fn signal_masks(status: &[u8]) -> (u64, u64) {
    let text = String::from_utf8_lossy(status);
    let field = |name: &str| {
        let line = text.lines().find(|l| l.starts_with(name)).unwrap();
        u64::from_str_radix(line[name.len()..].trim(), 16).unwrap()
    };
    (field("SigBlk:"), field("SigIgn:"))
}

#[test]
fn the_program_gets_the_callers_sigpipe_and_signal_mask() {
    use nix::sys::signal::Signal;
    const PIPE: u64 = 1 << (Signal::SIGPIPE as u64 - 1);
    const USR1: u64 = 1 << (Signal::SIGUSR1 as u64 - 1);
    // A parent that blocks SIGUSR1 and ignores SIGPIPE, as some service managers do.
    fn odd_parent(cmd: &mut Command) {
        vspace_netns::sys::process::start_oddly(
            cmd,
            vspace_netns::sys::process::OddStart {
                blocked: vec![Signal::SIGUSR1],
                ignore_sigpipe: true,
                ..Default::default()
            },
        );
    }
    let status = words(&[b"cat", b"/proc/self/status"]);
    let mut direct = Command::new("cat");
    direct.arg("/proc/self/status");
    odd_parent(&mut direct);
    let (blocked, ignored) = signal_masks(&run_ok(&mut direct).stdout);
    assert!(
        blocked & USR1 != 0 && ignored & PIPE != 0,
        "the odd parent did not take: SigBlk {blocked:x} SigIgn {ignored:x}"
    );
    let w = World::new();
    for route in ROUTES {
        let mut cmd = w.cmd("vspace", route, &status);
        odd_parent(&mut cmd);
        let out = run_ok(&mut cmd);
        let (blocked, ignored) = signal_masks(&out.stdout);
        // execve(2) keeps both, and so do vspace and we: the caller's state, untouched.
        assert_eq!(
            (blocked & USR1, ignored & PIPE),
            (USR1, PIPE),
            "{route:?}: {}",
            show(&cmd, &out)
        );
    }
}

#[test]
fn a_program_that_cannot_run_is_vspaces_execvp_message_and_255() {
    let w = World::new();
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("not-executable");
    std::fs::write(&plain, b"#!/bin/sh\n").unwrap();
    let plain = plain.to_str().unwrap().to_owned();
    let table = [
        ("/nonexistent/prog", "No such file or directory"),
        ("no-such-program-vx", "No such file or directory"),
        (plain.as_str(), "Permission denied"),
    ];
    for (program, cause) in table {
        let mut cmd = w.cmd("vspace", Route::Exec, &[program.into()]);
        let out = run_status(&mut cmd, 255);
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            format!("vspace: execvp(\"{program}\"): {cause}\n"),
            "{}",
            show(&cmd, &out)
        );
    }
    assert!(w.take_calls().is_empty());
}

#[test]
fn programs_are_found_and_started_as_vspaces_execvp_does() {
    let w = World::new();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let file = |rel: &str, text: &str, mode: u32| {
        let p = d.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        write_program(&p, text.as_bytes(), mode);
    };
    file("no-shebang", "echo no-shebang \"$@\"\n", 0o755);
    file("p1/x", "#!/bin/sh\necho p1\n", 0o644);
    file("p2/x", "#!/bin/sh\necho p2\n", 0o755);
    let path = |dirs: &[&str]| -> OsString {
        let mut v: Vec<String> = dirs
            .iter()
            .map(|s| d.join(s).display().to_string())
            .collect();
        v.push(std::env::var("PATH").unwrap());
        v.join(":").into()
    };
    let no_shebang = d.join("no-shebang").into_os_string();
    // (program, PATH: None unset, Some(value))
    let table: Vec<(Vec<OsString>, Option<OsString>)> = vec![
        (vec![no_shebang, "a b".into()], Some(path(&[]))),
        (vec!["./no-shebang".into()], Some(path(&[]))),
        (vec!["echo".into(), "no PATH".into()], None),
        (vec!["x".into()], Some(path(&["p1", "p2"]))),
        (vec!["x".into()], Some(d.join("p1").into_os_string())),
        (vec!["missing-x".into()], Some(path(&["p1"]))),
        (vec![d.join("p1").into_os_string()], Some(path(&[]))),
    ];
    for (program, path) in table {
        // The stand-in starts the program with glibc's execvp, as vspace does.
        let outs: Vec<_> = [Route::Exec, Route::Pass]
            .map(|route| {
                let mut cmd = w.cmd("vspace", route, &program);
                cmd.current_dir(d);
                match &path {
                    Some(p) => cmd.env("PATH", p),
                    None => cmd.env_remove("PATH"),
                };
                let out = run(&mut cmd);
                (
                    show(&cmd, &out),
                    (out.status.code(), out.stdout, out.stderr),
                )
            })
            .into();
        assert_eq!(outs[0].1, outs[1].1, "\n{}\n{}", outs[0].0, outs[1].0);
    }
}

/// A private run dir (NETNS_RUN_DIR) holding one entry, `NAME`.
struct PrivateRunDir {
    entry: Option<RunDirEntry>,
    dir: tempfile::TempDir,
}

impl PrivateRunDir {
    fn new(make: impl FnOnce(&Path) -> RunDirEntry) -> PrivateRunDir {
        let dir = tempfile::tempdir().unwrap();
        let entry = Some(make(&dir.path().join("NAME")));
        PrivateRunDir { entry, dir }
    }
}

impl Drop for PrivateRunDir {
    fn drop(&mut self) {
        self.entry.take(); // unmount before the dir goes
    }
}

#[test]
fn unusable_entries_fail_closed() {
    let w = World::new();
    let probe = Probe::new();
    type Make<'a> = Box<dyn Fn(&Path) -> RunDirEntry + 'a>;
    let table: Vec<(Make, &[&str])> = vec![
        (
            Box::new(RunDirEntry::stale),
            &[
                "a stale entry",
                "namespace-cleanup-skip",
                "'/run/netns/NAME'",
            ],
        ),
        (
            Box::new(|p| RunDirEntry::symlink(p, Path::new("/proc/self/ns/uts"))),
            &["(a symbolic link to /proc/self/ns/uts) is a uts namespace"],
        ),
        (
            Box::new(|p| RunDirEntry::other_namespace(p, "ipc")),
            &["is an ipc namespace, not a network namespace"],
        ),
        (
            Box::new(|p| RunDirEntry::other_namespace(p, "uts")),
            &["is a uts namespace, not a network namespace"],
        ),
    ];
    for (make, says) in &table {
        let run_dir = PrivateRunDir::new(make);
        for route in [Route::Exec, Route::Vspace] {
            let mut args = route.options("NAME");
            args.extend(probe.argv(&[]));
            let mut cmd = vspace_cmd(&w.names, &w.log);
            cmd.args(&args).env("NETNS_RUN_DIR", run_dir.dir.path());
            let out = run_status(&mut cmd, 255);
            let stderr = String::from_utf8_lossy(&out.stderr);
            let first = format!(
                "vspace: cannot enter network namespace 'NAME': {}/NAME ",
                run_dir.dir.path().display()
            );
            assert!(stderr.starts_with(&first), "{}", show(&cmd, &out));
            for s in *says {
                assert!(stderr.contains(s), "no {s:?}: {}", show(&cmd, &out));
            }
            assert_eq!(probe.take(), None, "the program ran: {}", show(&cmd, &out));
            assert!(w.take_calls().is_empty(), "the real vspace ran");
        }
    }
}

#[test]
fn netns_run_dir_is_where_names_are_looked_up() {
    let w = World::new();
    let probe = Probe::new();
    let run_dir = PrivateRunDir::new(|p| RunDirEntry::bind(p, &w.ns.path()));
    for route in [Route::Exec, Route::Vspace] {
        let mut cmd = vspace_cmd(&w.names, &w.log);
        cmd.args(route.options("NAME"))
            .args(probe.argv(&[]))
            .env("NETNS_RUN_DIR", run_dir.dir.path());
        run_ok(&mut cmd);
        assert_eq!(probe.take(), Some((w.ns.id(), vec![])), "{route:?}");
    }
}

#[test]
fn setuid_and_setgid_copies_refuse_to_run() {
    require_root();
    let dir = set_id_dir();
    let copy = dir.path().join("vspace");
    copy_program(&bin(), &copy, 0o755);
    let table: &[(u32, &[&str])] = &[
        (
            0o4755,
            &["--reuid=65534", "--regid=65534", "--clear-groups"],
        ),
        (0o2755, &["--regid=65534", "--clear-groups"]),
    ];
    for &(mode, ids) in table {
        std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(mode)).unwrap();
        let mut cmd = Command::new("setpriv");
        cmd.args(ids)
            .arg("--")
            .arg(&copy)
            .args(["--enter", "x", "--net", "--", "true"]);
        let out = run_status(&mut cmd, 255);
        assert!(
            String::from_utf8_lossy(&out.stderr)
                .starts_with("vspace: refusing to run setuid or setgid"),
            "{}",
            show(&cmd, &out)
        );
    }
}

#[test]
fn a_real_vspace_that_is_this_binary_or_unusable_is_refused() {
    let w = World::new();
    let probe = Probe::new();
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain");
    std::fs::write(&plain, b"").unwrap();
    let table: Vec<(OsString, &str)> = vec![
        (bin().into(), "is this wrapper, not the real vspace"),
        (
            w.names.get("vspace-netns").into(),
            "is this wrapper, not the real vspace",
        ),
        (
            w.names.get("vspace").into(),
            "is this wrapper, not the real vspace",
        ),
        ("/nonexistent/vspace".into(), "No such file or directory"),
        ("relative/vspace".into(), "is not an absolute path"),
        (plain.into(), "not executable"),
        (dir.path().into(), "not a regular file"),
    ];
    for (real, says) in &table {
        for route in [Route::Vspace, Route::Pass] {
            let mut cmd = w.cmd("vspace", route, &probe.argv(&[]));
            cmd.env("VSPACE_NETNS_REAL_VSPACE", real);
            let out = run_status(&mut cmd, 255);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                stderr.starts_with("vspace: VSPACE_NETNS_REAL_VSPACE=") && stderr.contains(says),
                "{}",
                show(&cmd, &out)
            );
            assert_eq!(probe.take(), None, "the program ran: {}", show(&cmd, &out));
        }
    }
    assert!(w.take_calls().is_empty());
}

/// `/usr/sbin/vspace ARGS` as installed: in a private mount namespace whose sbin dirs are
/// empty tmpfs but for this binary as `vspace` and, when given, the stand-in as the
/// dpkg-divert name `vspace.distrib`; VSPACE_NETNS_REAL_VSPACE unset.
fn installed(w: &World, diverted: bool, args: &[&str]) -> Command {
    let script = r#"set -e
for d in /usr/sbin /usr/local/sbin /sbin; do
  [ -L "$d" ] || [ ! -d "$d" ] || mount -t tmpfs tmpfs "$d"
done
ln -s "$0" /usr/sbin/vspace
[ -z "$1" ] || ln -s "$1" /usr/sbin/vspace.distrib
shift
exec /usr/sbin/vspace "$@""#;
    let mut cmd = Command::new("unshare");
    cmd.args([
        "--mount",
        "--propagation",
        "private",
        "/bin/sh",
        "-c",
        script,
    ])
    .arg(bin())
    .arg(if diverted {
        standin().as_os_str()
    } else {
        "".as_ref()
    })
    .args(args)
    .env_remove("VSPACE_NETNS_REAL_VSPACE")
    .env_remove("NETNS_RUN_DIR")
    .env("VSPACE_STANDIN_LOG", w.log.path());
    cmd
}

#[test]
fn the_real_vspace_is_found_where_an_install_puts_it() {
    let w = World::new();
    let probe = Probe::new();
    let program = probe.argv(&[]);
    for route in [Route::Vspace, Route::Pass] {
        let args: Vec<OsString> = route
            .options(&w.ns.name)
            .into_iter()
            .chain(program.clone())
            .collect();
        let args: Vec<&str> = args.iter().map(|a| a.to_str().unwrap()).collect();
        let mut cmd = installed(&w, true, &args);
        let out = run_ok(&mut cmd);
        w.check_calls(
            route,
            Path::new("/usr/sbin/vspace"),
            &program,
            &show(&cmd, &out),
        );
        assert_eq!(
            probe.take().map(|r| r.0),
            Some(route.netns(&w.ns)),
            "{route:?}"
        );

        let mut cmd = installed(&w, false, &args);
        let out = run_status(&mut cmd, 255);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.starts_with(
                "vspace: cannot find the real vspace: tried /usr/sbin/vspace.distrib, "
            ) && stderr.contains("; /usr/sbin/vspace is this wrapper;"),
            "{}",
            show(&cmd, &out)
        );
        assert!(stderr.ends_with("; set VSPACE_NETNS_REAL_VSPACE to its absolute path\n"));
        assert_eq!(probe.take(), None, "{route:?}: the program ran");
        assert!(w.take_calls().is_empty());
    }
}

/// `vspace-netns ARGS` with the stand-in as the real vspace.
fn tool(w: &World, args: &[&str]) -> Command {
    let mut c = vspace_cmd(&w.names, &w.log);
    c.arg0(w.names.get("vspace-netns")).args(args);
    c
}

/// `vspace-netns explain -- ARGS` exits `status` and says each of `says`.
fn explain(w: &World, args: &[&str], run_dir: Option<&Path>, status: i32, says: &[&str]) {
    let mut cmd = tool(w, &[&["explain", "--"], args].concat());
    if let Some(d) = run_dir {
        cmd.env("NETNS_RUN_DIR", d);
    }
    let out = run_status(&mut cmd, status);
    let stdout = String::from_utf8_lossy(&out.stdout);
    for s in says {
        assert!(stdout.contains(s), "no {s:?}: {}", show(&cmd, &out));
    }
}

#[test]
fn explain_shows_the_plan_without_carrying_it_out() {
    let w = World::new();
    let ns = w.ns.name.as_str();
    let net = format!("(/run/netns/{ns}, {})", w.ns.id());
    let intercept = "decision:    intercept";
    explain(
        &w,
        &["--enter", ns, "--net", "--", "prog", "x"],
        None,
        0,
        &[intercept, &net, "exec prog x directly"],
    );
    explain(
        &w,
        &["--enter", ns, "--default", "--net", "--", "prog"],
        None,
        0,
        &[intercept, "--net --~net -- prog", "real vspace: /"],
    );
    explain(
        &w,
        &["--new", "--default", "--", "prog"],
        None,
        0,
        &[
            "decision:    pass through",
            "--new, not --enter",
            "real vspace: /",
        ],
    );
    let stale = PrivateRunDir::new(RunDirEntry::stale);
    explain(
        &w,
        &["--enter", "NAME", "--net", "--", "prog"],
        Some(stale.dir.path()),
        255,
        &[
            "decision:    refuse",
            "stale",
            "hint:",
            "namespace-cleanup-skip",
        ],
    );
    assert!(w.take_calls().is_empty(), "explain ran the real vspace");
}

#[test]
fn the_tool_describes_itself() {
    let w = World::new();
    for (args, says) in [
        (&["--help"][..], "explain"),
        (&["--version"], env!("CARGO_PKG_VERSION")),
    ] {
        let mut cmd = tool(&w, args);
        let out = run_ok(&mut cmd);
        assert!(
            String::from_utf8_lossy(&out.stdout).contains(says),
            "{}",
            show(&cmd, &out)
        );
    }
}
