//! Every failure of the ip personality against the real ip on the same machine: the exit status
//! and the first stderr line are the contract; what we add comes after that line.

use crate::common::ip::*;
use crate::common::*;

#[test]
fn usage_and_name_errors_match_real_ip() {
    let names = Names::new();
    let long = "a".repeat(256);
    let cases: Vec<Vec<&str>> = vec![
        vec!["netns", "exec"],
        vec!["netns", "exec", "somename"],
        vec!["netns", "exec", "a/b", "true"],
        vec!["netns", "exec", ".", "true"],
        vec!["netns", "exec", "..", "true"],
        vec!["netns", "exec", "", "true"],
        vec!["netns", "exec", &long, "true"],
        vec!["netns", "e", "../../proc/1/ns/net", "true"],
        vec!["-all", "netns", "exec"],
        vec!["-all", "netns", "identify", "1/2"],
        vec!["netns", "add"],
        vec!["netns", "add", "x/y"],
        vec!["netns", "delete"],
        vec!["netns", "delete", ".."],
        vec!["netns", "pids"],
        vec!["netns", "pids", "a/b"],
        vec!["netns", "pids", "a", "b"],
        vec!["netns", "list", "a/b"],
        vec!["netns", "identify", "abc"],
        vec!["netns", "identify", "1", "2"],
        vec!["netns", "identify", "1/2"],
        vec!["netns", "attach"],
        vec!["netns", "attach", "x"],
        vec!["netns", "attach", "x", "abc"],
        vec!["netns", "attach", "x", "0"],
        vec!["netns", "bogus"],
        vec!["ne", "exec"],
    ];
    for args in cases {
        same_failure(&names, &args);
    }
}

#[test]
fn missing_namespaces_match_real_ip() {
    let names = Names::new();
    let missing = unique("ipmiss");
    for args in [
        vec!["netns", "exec", &missing, "true"],
        vec!["netns", "delete", &missing],
        vec!["netns", "pids", &missing],
        vec!["netns", "identify", "999999999"],
    ] {
        same_failure(&names, &args);
    }
    assert!(!std::path::Path::new("/run/netns").join(&missing).exists());
}

#[test]
fn a_stale_entry_fails_like_real_ip_and_is_explained() {
    let names = Names::new();
    let name = unique("ipstale");
    std::fs::create_dir_all("/run/netns").unwrap();
    let _junk = RunDirEntry::stale(&std::path::Path::new("/run/netns").join(&name));
    let (o, t) = same_failure(&names, &["netns", "exec", &name, "true"]);
    assert_eq!(
        String::from_utf8_lossy(&first_err_line(&t)),
        format!("setting the network namespace \"{name}\" failed: Invalid argument")
    );
    let err = String::from_utf8_lossy(&o.stderr);
    let lines: Vec<&str> = err.lines().collect();
    assert!(
        lines.len() >= 3,
        "no explanation after the first line:\n{err}"
    );
    assert!(
        lines[1].starts_with("ip: ") && lines[1].contains("stale entry"),
        "{err}"
    );
    assert!(lines.iter().any(|l| l.starts_with("ip: hint: ")), "{err}");
    // Ours never reached setns: the explanation came from the checks before it.
    assert!(err.contains("no namespace mounted on it"), "{err}");
}

#[test]
fn other_things_in_the_run_dir_fail_like_real_ip() {
    let names = Names::new();
    let dir_name = unique("ipdir");
    let _dir = RunDirEntry::dir(&std::path::Path::new("/run/netns").join(&dir_name));
    let (o, _) = same_failure(&names, &["netns", "exec", &dir_name, "true"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("is a directory, not a namespace mount"));
    let full_name = unique("ipful");
    let _full = RunDirEntry::file(
        &std::path::Path::new("/run/netns").join(&full_name),
        b"not a namespace",
    );
    same_failure(&names, &["netns", "exec", &full_name, "true"]);
}

#[test]
fn a_symlinked_entry_is_followed_as_real_ip_follows_it() {
    let ns = Netns::new("iptg");
    let names = Names::new();
    let link_name = unique("iplnk");
    let _link = RunDirEntry::symlink(
        &std::path::Path::new("/run/netns").join(&link_name),
        &ns.path(),
    );
    let args = ["netns", "exec", &link_name, "readlink", "/proc/self/ns/net"];
    let theirs = run_ok(real().args(args));
    assert_eq!(text(&theirs), ns.id());
    let mut c = our_ip(&names);
    c.args(args);
    let ours = run_ok(&mut c);
    assert_eq!(ours.stdout, theirs.stdout, "{}", show(&c, &ours));
    assert_eq!(ours.stderr, theirs.stderr, "{}", show(&c, &ours));
    // The issue's own form: a link to a process's /proc/PID/ns/net, for exec, pids and list.
    let sleeper = Sleeper::start(
        real().args(["netns", "exec", &ns.name, "sleep", "600"]),
        &ns.path(),
        "sleep",
    );
    let proc_name = unique("iplnp");
    let _proc_link = RunDirEntry::symlink(
        &std::path::Path::new("/run/netns").join(&proc_name),
        std::path::Path::new(&format!("/proc/{}/ns/net", sleeper.pid())),
    );
    for args in [
        vec!["netns", "exec", &proc_name, "readlink", "/proc/self/ns/net"],
        vec!["netns", "pids", &proc_name],
    ] {
        let theirs = run_ok(real().args(&args));
        let mut c = our_ip(&names);
        c.args(&args);
        let ours = run_ok(&mut c);
        assert_eq!(ours.stdout, theirs.stdout, "{}", show(&c, &ours));
        assert_eq!(ours.stderr, theirs.stderr, "{}", show(&c, &ours));
        assert!(!ours.stdout.is_empty());
    }
    let listed = run_ok(our_ip(&names).args(["netns", "list"]));
    assert!(
        text(&listed)
            .lines()
            .any(|l| l.split(' ').next() == Some(proc_name.as_str())),
        "{}",
        text(&listed)
    );
}

#[test]
fn failed_execs_match_real_ip() {
    let ns = Netns::new("ipef");
    let names = Names::new();
    for cmd in ["/nonexistent/prog", "no-such-program-xyz", "/etc", ""] {
        let (o, _) = same_failure(&names, &["netns", "exec", &ns.name, cmd]);
        assert_eq!(o.status.code(), Some(1));
        assert!(first_err_line(&o).starts_with(b"exec of \""));
    }
}

#[test]
fn add_and_delete_failures_match_real_ip() {
    let ns = Netns::new("ipdup");
    let names = Names::new();
    same_failure(&names, &["netns", "add", &ns.name]);
    // A pid that does not exist: nothing is left behind by either.
    let name = unique("ipatt");
    same_failure(&names, &["netns", "attach", &name, "999999999"]);
    assert!(!std::path::Path::new("/run/netns").join(&name).exists());
}

#[test]
fn a_relative_run_dir_is_refused_by_the_shim_and_ignored_by_ip() {
    let names = Names::new();
    let mut c = shim(&names);
    c.env("NETNS_RUN_DIR", "relative/dir")
        .args(["netns", "exec", "x", "true"]);
    let out = run_status(&mut c, 255);
    assert!(
        first_err_line(&out)
            .starts_with(b"ip-netns-shim: NETNS_RUN_DIR='relative/dir' is not an absolute path"),
        "{}",
        show(&c, &out)
    );
    // iproute2 ignores the variable, and so does the name `ip`.
    let x = unique("iprel");
    same_failure(&names, &["netns", "exec", &x, "true"]);
    let mut c = our_ip(&names);
    c.env("NETNS_RUN_DIR", "relative/dir")
        .args(["netns", "exec", &x, "true"]);
    let out = run_status(&mut c, 255);
    assert_eq!(
        String::from_utf8_lossy(&first_err_line(&out)),
        format!("Cannot open network namespace \"{x}\": No such file or directory")
    );
}

/// `ip netns pids NAME` by iproute2's ip, ours as `ip` and as `ip-netns-shim`, each in a mount
/// namespace of its own where `mount` (a shell line) is done to /proc first, then run through
/// `wrap` (words before the binary): their exit status, stdout and stderr must be `want`.
fn pids_with_proc_as(mount: &str, wrap: &str, want: (i32, &str, &str)) {
    let names = Names::new();
    let ns = Netns::new("ippro");
    let script = format!("{mount} && exec {wrap} \"$0\" netns pids \"$1\"");
    for bin in [real_ip(), names.get("ip"), names.get("ip-netns-shim")] {
        let mut c = std::process::Command::new("unshare");
        c.args(["--mount", "--propagation", "private", "sh", "-c", &script])
            .arg(&bin)
            .arg(&ns.name)
            .env_remove("NETNS_RUN_DIR");
        let out = run(&mut c);
        let got = (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        );
        assert_eq!(
            (got.0, got.1.as_str(), got.2.as_str()),
            want,
            "{}",
            show(&c, &out)
        );
    }
}

/// `ip netns pids NAME` when /proc cannot be listed (an unreadable /proc, the capabilities that
/// bypass its mode dropped): iproute2 fails with "Open of /proc failed: ..."; ours said nothing
/// and succeeded, as if no process were inside.
#[test]
fn pids_fails_as_real_ip_when_proc_cannot_be_listed() {
    pids_with_proc_as(
        "mount -t tmpfs -o mode=000 none /proc",
        "setpriv --bounding-set=-dac_override,-dac_read_search --",
        (1, "", "Open of /proc failed: Permission denied\n"),
    );
}

/// `ip netns pids NAME` with an empty /proc (a tmpfs over it, so `/proc/self` is gone too):
/// iproute2 lists nothing and succeeds; so do we (a scan that read `/proc/self` first failed).
#[test]
fn pids_lists_nothing_as_real_ip_when_proc_is_empty() {
    pids_with_proc_as("mount -t tmpfs none /proc", "", (0, "", ""));
}
