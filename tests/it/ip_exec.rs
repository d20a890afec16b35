//! `ip netns exec` through the binary as `ip` and `ip-netns-shim`, as root on real namespaces,
//! side by side with the real iproute2 ip.

use std::process::Command;

use crate::common::ip::*;
use crate::common::*;

#[test]
fn every_exec_form_lands_in_the_namespace_real_ip_enters() {
    let ns = Netns::new("ipx");
    let names = Names::new();
    let seen_by_real = text(&run_ok(real().args([
        "netns",
        "exec",
        &ns.name,
        "readlink",
        "/proc/self/ns/net",
    ])));
    assert_eq!(seen_by_real, ns.id());
    let forms: Vec<Command> = vec![
        {
            let mut c = our_ip(&names);
            c.args(["netns", "exec", &ns.name]);
            c
        },
        {
            let mut c = our_ip(&names);
            c.args(["net", "e", &ns.name]);
            c
        },
        {
            let mut c = shim(&names);
            c.args(["exec", &ns.name]);
            c
        },
        {
            let mut c = shim(&names);
            c.args(["netns", "exec", &ns.name]);
            c
        },
    ];
    for mut c in forms {
        c.args(["readlink", "/proc/self/ns/net"]);
        let out = run_ok(&mut c);
        assert_eq!(text(&out), seen_by_real, "{}", show(&c, &out));
        assert!(out.stderr.is_empty(), "{}", show(&c, &out));
    }
}

#[test]
fn a_namespace_we_add_is_the_one_real_ip_enters() {
    let names = Names::new();
    let name = unique("ipa");
    run_ok(our_ip(&names).args(["netns", "add", &name]));
    let guard = Netns { name: name.clone() };
    let ours = text(&run_ok(our_ip(&names).args([
        "netns",
        "exec",
        &name,
        "readlink",
        "/proc/self/ns/net",
    ])));
    let theirs = text(&run_ok(real().args([
        "netns",
        "exec",
        &name,
        "readlink",
        "/proc/self/ns/net",
    ])));
    assert_eq!(ours, theirs);
    assert_eq!(ours, guard.id());
    assert_ne!(ours, own_netns());
}

/// Two test namespaces joined by a veth pair: each side's /sys/class/net shows its own end.
struct Veth {
    a: Netns,
    b: Netns,
    end_a: String,
    end_b: String,
}

impl Veth {
    fn new() -> Veth {
        let a = Netns::new("ipva");
        let b = Netns::new("ipvb");
        let end_a = unique("va");
        let end_b = unique("vb");
        // Made inside a, the peer moved into b: nothing touches the host's links.
        run_ok(real().args([
            "-n", &a.name, "link", "add", &end_a, "type", "veth", "peer", "name", &end_b, "netns",
            &b.name,
        ]));
        Veth { a, b, end_a, end_b }
    }
}

#[test]
fn sys_class_net_inside_shows_the_namespace_links() {
    let v = Veth::new();
    let names = Names::new();
    for (ns, mine, other) in [(&v.a, &v.end_a, &v.end_b), (&v.b, &v.end_b, &v.end_a)] {
        let mut c = our_ip(&names);
        c.args(["netns", "exec", &ns.name, "ls", "/sys/class/net"]);
        let out = run_ok(&mut c);
        let mut links: Vec<&str> = std::str::from_utf8(&out.stdout)
            .unwrap()
            .split_whitespace()
            .collect();
        links.sort();
        let mut want = vec!["lo", mine.as_str()];
        want.sort();
        assert_eq!(links, want, "{}", show(&c, &out));
        assert!(!links.contains(&other.as_str()));
        let theirs = run_ok(real().args(["netns", "exec", &ns.name, "ls", "/sys/class/net"]));
        assert_eq!(
            out.stdout, theirs.stdout,
            "real ip sees another /sys/class/net"
        );
    }
}

fn fs_type(cmd: &mut Command, path: &str) -> String {
    text(&run_ok(cmd.args(["stat", "-f", "-c", "%T", path])))
}

#[test]
fn cgroup_and_other_sys_submounts_stay_visible_unlike_real_ip() {
    let ns = Netns::new("ipcg");
    let names = Names::new();
    let host = fs_type(&mut Command::new("env"), "/sys/fs/cgroup");
    assert_ne!(
        host, "sysfs",
        "the host has no mount on /sys/fs/cgroup to compare with"
    );
    let ours = fs_type(
        our_ip(&names).args(["netns", "exec", &ns.name]),
        "/sys/fs/cgroup",
    );
    let theirs = fs_type(real().args(["netns", "exec", &ns.name]), "/sys/fs/cgroup");
    assert_eq!(
        ours, host,
        "/sys/fs/cgroup is not the host's inside our exec"
    );
    assert_eq!(
        theirs, "sysfs",
        "real ip now keeps /sys/fs/cgroup: the difference is gone"
    );
    // Every non-sysfs mount below /sys, nested ones included, is there inside.
    let sys_mounts = |cmd: &mut Command| -> Vec<String> {
        let out = run_ok(cmd.args(["cat", "/proc/self/mountinfo"]));
        sys_submounts_in(&String::from_utf8_lossy(&out.stdout))
    };
    let host_sub = sys_mounts(&mut Command::new("env"));
    assert!(!host_sub.is_empty());
    assert_eq!(
        sys_mounts(our_ip(&names).args(["netns", "exec", &ns.name])),
        host_sub
    );
    assert!(sys_mounts(real().args(["netns", "exec", &ns.name])).is_empty());
    // And /sys itself is the namespace's sysfs, mounted with the name as its source.
    let out =
        run_ok(our_ip(&names).args(["netns", "exec", &ns.name, "cat", "/proc/self/mountinfo"]));
    let sys_line = String::from_utf8_lossy(&out.stdout)
        .lines()
        .rfind(|l| l.split(' ').nth(4) == Some("/sys"))
        .unwrap()
        .to_string();
    assert!(
        sys_line.ends_with(&format!("sysfs {} rw", ns.name))
            || sys_line.contains(&format!(" sysfs {} ", ns.name)),
        "{sys_line}"
    );
}

#[test]
fn etc_netns_files_are_what_the_program_reads() {
    assert!(
        std::fs::metadata("/etc/resolv.conf").is_ok(),
        "/etc/resolv.conf must exist for the bind over it (iproute2 needs the target too)"
    );
    let host_resolv = std::fs::read("/etc/resolv.conf").unwrap();
    let ns = Netns::new("ipet");
    let names = Names::new();
    let etc = tempfile::tempdir().unwrap();
    let mine = etc.path().join(&ns.name);
    std::fs::create_dir(&mine).unwrap();
    std::fs::write(mine.join("resolv.conf"), b"nameserver 192.0.2.53\n").unwrap();
    // An entry without a target in /etc: iproute2's warning, and the program still runs.
    let missing = unique("nofile");
    std::fs::write(mine.join(&missing), b"x").unwrap();
    let mut c = shim(&names);
    c.env("NETNS_ETC_DIR", etc.path())
        .args(["netns", "exec", &ns.name, "cat", "/etc/resolv.conf"]);
    let out = run_ok(&mut c);
    assert_eq!(out.stdout, b"nameserver 192.0.2.53\n", "{}", show(&c, &out));
    let want_warning = format!(
        "Bind {}/{missing} -> /etc/{missing} failed: No such file or directory",
        mine.display()
    );
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .lines()
            .any(|l| l == want_warning),
        "{}",
        show(&c, &out)
    );
    // The host's file is untouched, in the host's mount namespace.
    assert_eq!(std::fs::read("/etc/resolv.conf").unwrap(), host_resolv);
    // Without the etc dir variable, the default /etc/netns/NAME (absent) binds nothing; under
    // the name `ip` the variable is ignored, as iproute2 ignores it.
    let plain = run_ok(our_ip(&names).args(["netns", "exec", &ns.name, "cat", "/etc/resolv.conf"]));
    assert_eq!(plain.stdout, host_resolv);
    let ignored = run_ok(our_ip(&names).env("NETNS_ETC_DIR", etc.path()).args([
        "netns",
        "exec",
        &ns.name,
        "cat",
        "/etc/resolv.conf",
    ]));
    assert_eq!(ignored.stdout, host_resolv);
}

#[test]
fn a_bind_over_a_symlinked_etc_target_is_warned_about() {
    let ns = Netns::new("ipsl");
    let names = Names::new();
    let link = ["os-release", "localtime", "rmt"]
        .into_iter()
        .find(|n| {
            let p = std::path::Path::new("/etc").join(n);
            std::fs::symlink_metadata(&p).is_ok_and(|m| m.file_type().is_symlink())
                && std::fs::metadata(&p).is_ok_and(|m| m.is_file())
        })
        .expect("no symlinked regular file in /etc (os-release, localtime, rmt) to bind over");
    let etc = tempfile::tempdir().unwrap();
    let mine = etc.path().join(&ns.name);
    std::fs::create_dir(&mine).unwrap();
    std::fs::write(mine.join(link), b"ours\n").unwrap();
    let host = std::fs::read(std::path::Path::new("/etc").join(link)).unwrap();
    let mut c = shim(&names);
    c.env("NETNS_ETC_DIR", etc.path())
        .args(["exec", &ns.name, "cat"])
        .arg(std::path::Path::new("/etc").join(link));
    let out = run_ok(&mut c);
    assert_eq!(out.stdout, b"ours\n", "{}", show(&c, &out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with(&format!(
            "ip-netns-shim: warning: /etc/{link} is a symbolic link to "
        )),
        "{}",
        show(&c, &out)
    );
    assert_eq!(
        std::fs::read(std::path::Path::new("/etc").join(link)).unwrap(),
        host
    );
    // Under the name `ip` (NETNS_ETC_DIR ignored: the host's /etc/netns/NAME), the same bind
    // and no warning: stderr as empty as iproute2's.
    struct EtcNetns {
        dir: std::path::PathBuf,
        made_top: bool,
    }
    impl Drop for EtcNetns {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
            if self.made_top {
                let _ = std::fs::remove_dir("/etc/netns");
            }
        }
    }
    let made_top = !std::path::Path::new("/etc/netns").exists();
    let guard = EtcNetns {
        dir: std::path::Path::new("/etc/netns").join(&ns.name),
        made_top,
    };
    std::fs::create_dir_all(&guard.dir).unwrap();
    std::fs::write(guard.dir.join(link), b"ours\n").unwrap();
    let args = [
        "netns".to_string(),
        "exec".into(),
        ns.name.clone(),
        "cat".into(),
        format!("/etc/{link}"),
    ];
    let mut c = our_ip(&names);
    c.args(&args);
    let o = run_ok(&mut c);
    let t = run_ok(real().args(&args));
    assert_eq!(o.stdout, b"ours\n", "{}", show(&c, &o));
    assert_eq!(o.stdout, t.stdout);
    assert!(
        o.stderr.is_empty() && t.stderr.is_empty(),
        "{}",
        show(&c, &o)
    );
    drop(guard);
}

#[test]
fn the_program_keeps_status_environment_cwd_and_signal_state() {
    let ns = Netns::new("ipst");
    let names = Names::new();
    let mut c = our_ip(&names);
    c.args(["netns", "exec", &ns.name, "sh", "-c", "exit 7"]);
    run_status(&mut c, 7);
    let probe = "grep -E '^Sig(Ign|Blk)' /proc/self/status; echo \"$IPNS_TEST_VAR\"; pwd; ls /proc/self/fd | wc -l";
    let dir = tempfile::tempdir().unwrap();
    let mut ours = our_ip(&names);
    ours.current_dir(dir.path())
        .env("IPNS_TEST_VAR", "kept \u{e9}")
        .args(["netns", "exec", &ns.name, "sh", "-c", probe]);
    let mut theirs = real();
    theirs
        .current_dir(dir.path())
        .env("IPNS_TEST_VAR", "kept \u{e9}")
        .args(["netns", "exec", &ns.name, "sh", "-c", probe]);
    let (o, t) = (run_ok(&mut ours), run_ok(&mut theirs));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&t.stdout),
        "\nOURS {}\nREAL {}",
        show(&ours, &o),
        show(&theirs, &t)
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("kept \u{e9}"));
}

#[test]
fn non_utf8_names_and_arguments_travel_as_bytes() {
    let names = Names::new();
    let mut name = unique("ipu").into_bytes();
    name.push(0xff);
    let name = os(&name);
    run_ok(our_ip(&names).arg("netns").arg("add").arg(&name));
    let _guard = RawNetns { name: name.clone() };
    let mut ours = our_ip(&names);
    ours.arg("netns")
        .arg("exec")
        .arg(&name)
        .args(["printf", "%s|%s"])
        .arg(os(b"\xfe\x80"))
        .arg(os(b"a b"));
    let mut theirs = real();
    theirs
        .arg("netns")
        .arg("exec")
        .arg(&name)
        .args(["printf", "%s|%s"])
        .arg(os(b"\xfe\x80"))
        .arg(os(b"a b"));
    let (o, t) = (run_ok(&mut ours), run_ok(&mut theirs));
    assert_eq!(o.stdout, b"\xfe\x80|a b");
    assert_eq!(o.stdout, t.stdout);
    let id_ours = run_ok(
        our_ip(&names)
            .arg("netns")
            .arg("exec")
            .arg(&name)
            .args(["readlink", "/proc/self/ns/net"]),
    );
    let id_real = run_ok(
        real()
            .arg("netns")
            .arg("exec")
            .arg(&name)
            .args(["readlink", "/proc/self/ns/net"]),
    );
    assert_eq!(id_ours.stdout, id_real.stdout);
    // A bad non-UTF-8 name gets the same first line, byte for byte.
    same_failure(
        &names,
        &[os(b"netns"), os(b"exec"), os(b"\xff/x"), os(b"true")],
    );
    same_failure(
        &names,
        &[
            os(b"netns"),
            os(b"exec"),
            name.clone(),
            os(b"/nonexistent\xfe"),
        ],
    );
    let (o, _) = same_failure(
        &names,
        &[os(b"netns"), os(b"exec"), os(b"nosuch\xfe"), os(b"true")],
    );
    assert!(first_err_line(&o).windows(2).any(|w| w == b"\xfe\""));
}

#[test]
fn all_exec_runs_in_every_namespace_in_readdir_order() {
    let names = Names::new();
    let rd = RunDir::new();
    let made: Vec<String> = (0..3).map(|_| unique("ipall")).collect();
    for n in &made {
        run_ok(rd.with(&mut shim(&names)).args(["add", n]));
    }
    let order: Vec<String> = std::fs::read_dir(rd.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let mut c = shim(&names);
    rd.with(&mut c)
        .args(["-all", "netns", "exec", "readlink", "/proc/self/ns/net"]);
    let out = run_ok(&mut c);
    let mut want = String::new();
    for n in &order {
        let id = std::fs::metadata(rd.path().join(n)).map(|m| {
            use std::os::unix::fs::MetadataExt;
            m.ino()
        });
        want.push_str(&format!("\nnetns: {n}\nnet:[{}]\n", id.unwrap()));
    }
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        want,
        "{}",
        show(&c, &out)
    );
    // Statuses are ignored...
    let mut c = shim(&names);
    rd.with(&mut c).args(["-all", "exec", "false"]);
    run_status(&mut c, 0);
    // ...but a child killed by a signal stops the loop with 1, as iproute2.
    let mut c = shim(&names);
    rd.with(&mut c)
        .args(["-all", "exec", "sh", "-c", "kill -9 $$"]);
    let out = run_status(&mut c, 1);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("\nnetns: {}\n", order[0]),
        "{}",
        show(&c, &out)
    );
    // The real ip agrees on the status of both cases, in the host's run dir.
    run_status(real().args(["-all", "netns", "exec", "false"]), 0);
}

#[test]
fn exec_replaces_the_process_without_a_fork() {
    let ns = Netns::new("ipnf");
    let names = Names::new();
    let mut c = our_ip(&names);
    c.args(["netns", "exec", &ns.name, "sh", "-c", "echo $$"])
        .stdout(std::process::Stdio::piped());
    let child = c.spawn().unwrap();
    let pid = child.id();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        text(&out),
        pid.to_string(),
        "the program is not the process we started"
    );
}

/// A namespace that cannot be entered under `-all exec`: its child prints iproute2's line and
/// exits 255, and the loop goes on in the parent, so every other namespace runs the command
/// exactly once (iproute2's failed child runs the rest of the loop itself: twice).
#[test]
fn all_exec_child_that_cannot_enter_exits_and_the_loop_goes_on() {
    let names = Names::new();
    let rd = RunDir::new();
    let good = unique("ipag");
    run_ok(rd.with(&mut shim(&names)).args(["add", &good]));
    let stale = unique("ipas");
    std::fs::write(rd.path().join(&stale), b"").unwrap();
    let record = tempfile::tempdir().unwrap();
    let log = record.path().join("ran");
    let mut c = shim(&names);
    rd.with(&mut c).args([
        "-all",
        "exec",
        "sh",
        "-c",
        &format!("readlink /proc/self/ns/net >> {}", log.display()),
    ]);
    let out = run_ok(&mut c);
    let ran = std::fs::read_to_string(&log).unwrap_or_default();
    let good_id = std::fs::metadata(rd.path().join(&good)).map(|m| {
        use std::os::unix::fs::MetadataExt;
        format!("net:[{}]\n", m.ino())
    });
    assert_eq!(ran, good_id.unwrap(), "{}", show(&c, &out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        err.matches(&format!(
            "setting the network namespace \"{stale}\" failed: Invalid argument"
        ))
        .count(),
        1,
        "{}",
        show(&c, &out)
    );
}
