//! The zone lifecycle where kernels and callers differ, as root, on real namespaces: the host
//! side is PID 1's network namespace whichever one `up` runs in; what cannot succeed (a
//! parent missing or down, an MTU above the parent's, a VLAN without 802.1Q) is refused before
//! anything changes, `--dry-run` included; `up` killed (SIGKILL) at every netlink send, mount and
//! write leaves nothing the next `up` finishes unmarked, and `down` then removes it all;
//! `down` takes several zones. What only Debian's kernels show (a zone link named like a host
//! link on 6.1/6.12, a VLAN parent down, 8021q unloadable) is checked in the VM tier
//! (`vm/checks/zone-kernel-*.sh`).

use std::process::Command;

use crate::common::host::{Host, field};
use crate::common::zone::*;
use crate::common::*;

/// A zone with a veth `eth0` (host end returned) and a macvlan `m0` on `parent`.
fn zone_on(prefix: &str, parent: &str, mtu: Option<u32>) -> (TestZone, String) {
    let mut z = TestZone::new(prefix);
    let peer = unique("kvp");
    z.write("id", &format!("{}\n", unique_id()));
    z.link(
        "eth0",
        &[
            ("type", "veth\n"),
            ("peer", &format!("{peer}\n")),
            ("address", "10.79.1.2/24\n"),
        ],
    );
    let mut m0 = vec![
        ("type", "macvlan\n".to_string()),
        ("link", format!("{parent}\n")),
        ("mode", "bridge\n".to_string()),
    ];
    if let Some(m) = mtu {
        m0.push(("mtu", format!("{m}\n")));
    }
    let m0: Vec<(&str, &str)> = m0.iter().map(|(f, c)| (*f, c.as_str())).collect();
    z.link("m0", &m0);
    (z, peer)
}

/// Every link inside (and `lo`) carries the zone's mark, the veth host end `peer` too.
fn assert_marked(z: &TestZone, peer: &str) {
    let mark = format!("alias vspace-netns:{}", z.name);
    for dev in ["lo", "eth0", "m0"] {
        let d = z.ip_in(&["-d", "link", "show", "dev", dev]);
        assert!(d.contains(&mark), "{dev} lacks the mark:\n{d}");
    }
    let out = run_ok(Command::new("ip").args(["-d", "link", "show", "dev", peer]));
    assert!(text(&out.stdout).contains(&mark), "{peer} lacks the mark");
}

#[test]
fn up_inside_another_netns_makes_the_host_side_in_pid1s() {
    let parent = HostVeth::new();
    let (z, peer) = zone_on("zk", &parent.a, None);
    let h = Host::new();
    // PID 1 of the test's pid namespace shares the test's network namespace (the host here).
    let out = h.ok(
        &z,
        &format!(
            r#"boot
ip netns add caller
ip netns exec caller "$BIN" up "$Z" >"$T/up.out" 2>"$T/up.err" || {{ cat "$T/up.err"; exit 1; }}
say "host: $(ip -br link show dev {peer} 2>/dev/null | wc -l)"
say "caller: $(ip -n caller -br link show dev {peer} 2>/dev/null | wc -l)"
say "caller links: $(ip -n caller -o link | wc -l)"
say "m0: $(ip -n "$Z" -d link show dev m0 | grep -c macvlan)"
"$BIN" doctor >"$T/doctor.out" 2>&1 || :
say "doctor mnt: $(grep -c "^ *ok PID 1's mount namespace (mnt:\[[0-9]*\]) is this process's" "$T/doctor.out")"
say "doctor net: $(grep -c "^ *ok PID 1's network namespace can be opened" "$T/doctor.out")"
ip netns exec caller "$BIN" down "$Z" >/dev/null
say "after: $(ip -br link show dev {peer} 2>/dev/null | wc -l) $(ls /run/netns)"
ip netns delete caller
"#
        ),
    );
    assert_eq!(field(&out, "host"), "1", "{out}");
    assert_eq!(field(&out, "caller"), "0", "{out}");
    assert_eq!(
        field(&out, "caller links"),
        "1",
        "only lo in the caller's: {out}"
    );
    assert_eq!(field(&out, "m0"), "1", "{out}");
    assert_eq!(field(&out, "after"), "0 caller", "{out}");
    // doctor says where the host's view comes from.
    assert_eq!(field(&out, "doctor mnt"), "1", "{out}");
    assert_eq!(field(&out, "doctor net"), "1", "{out}");
}

#[test]
fn a_missing_or_down_parent_and_a_too_large_mtu_are_refused_before_anything_changes() {
    let parent = HostVeth::new();
    let missing = unique("nop");
    let cases = [
        (
            zone_on("zk", &missing, None),
            format!(
                "the parent {missing} of the macvlan link m0 does not exist on the host (in PID 1's network namespace)"
            ),
        ),
        (
            zone_on("zk", &parent.a, Some(9000)),
            format!(
                "the MTU 9000 of the macvlan link m0 is above the MTU 1500 of its parent {}",
                parent.a
            ),
        ),
    ];
    for ((z, peer), want) in &cases {
        for args in [vec!["up", &z.name, "--dry-run"], vec!["up", &z.name]] {
            let out = run_status(&mut z.cmd(&args), 1);
            let err = text(&out.stderr);
            assert!(err.contains(want), "{args:?}: {err}");
            assert!(text(&out.stdout).is_empty(), "{args:?}: a step ran");
            assert!(!z.entry().exists() && !host_has_link(peer));
        }
    }
    // A parent that is down: refused, naming it; up after it is raised.
    let (z, peer) = zone_on("zk", &parent.a, None);
    run_ok(Command::new("ip").args(["link", "set", "dev", &parent.a, "down"]));
    let out = run_status(&mut z.cmd(&["up", &z.name]), 1);
    assert!(
        text(&out.stderr).contains(&format!(
            "the parent {} of the macvlan link m0 is down on the host",
            parent.a
        )),
        "{}",
        text(&out.stderr)
    );
    assert!(!z.entry().exists() && !host_has_link(&peer));
    run_ok(Command::new("ip").args(["link", "set", "dev", &parent.a, "up"]));
    run_ok(&mut z.cmd(&["up", &z.name]));
    // The parent's MTU lowered under the zone: no step the kernel refuses with ERANGE.
    let (z2, _) = zone_on("zk", &parent.a, Some(1400));
    run_ok(&mut z2.cmd(&["up", &z2.name]));
    run_ok(Command::new("ip").args(["link", "set", "dev", &parent.a, "mtu", "1300"]));
    let out = run_status(&mut z2.cmd(&["up", &z2.name]), 1);
    assert!(
        text(&out.stderr).contains(&format!(
            "the MTU 1400 of the macvlan link m0 is above the MTU 1300 of its parent {}",
            parent.a
        )),
        "{}",
        text(&out.stderr)
    );
    assert!(text(&out.stdout).is_empty());
    // down takes several zones (both configured under one root).
    run_ok(Command::new("cp").arg("-r").arg(z2.dir()).arg(z.conf()));
    let out = run_ok(&mut z.cmd(&["down", &z.name, &z2.name]));
    let said = text(&out.stdout);
    assert!(
        said.contains(&format!("ip netns delete {}", z.name)),
        "{said}"
    );
    assert!(
        said.contains(&format!("ip netns delete {}", z2.name)),
        "{said}"
    );
    assert!(!z.entry().exists() && !z2.entry().exists());
}

#[test]
fn a_vlan_without_8021q_is_refused_before_anything_changes() {
    let parent = HostVeth::new();
    let mut z = TestZone::new("zk");
    z.write("id", &format!("{}\n", unique_id()));
    z.link(
        "v0",
        &[
            ("type", "vlan\n"),
            ("link", &format!("{}\n", parent.a)),
            ("vlan", "7\n"),
        ],
    );
    if std::path::Path::new("/proc/net/vlan/config").exists() {
        crate::common::skipped(
            "SKIPPED zone_kernel::a_vlan_without_8021q_is_refused_before_anything_changes: this kernel has 802.1Q VLAN support (vm/checks/zone-kernel-8021q.sh checks the refusal)",
        );
        run_ok(&mut z.cmd(&["up", &z.name]));
        run_ok(&mut z.cmd(&["down", &z.name]));
        return;
    }
    refused_before_anything_changes(
        &z,
        "this kernel has no 802.1Q VLAN support (the module 8021q is neither loaded nor loadable)",
    );
}

/// `up --dry-run` and `up` of `z` both exit 1 saying `want`, with no step printed and no
/// namespace made.
fn refused_before_anything_changes(z: &TestZone, want: &str) {
    for args in [vec!["up", &z.name, "--dry-run"], vec!["up", &z.name]] {
        let out = run_status(&mut z.cmd(&args), 1);
        let err = text(&out.stderr);
        assert!(err.contains(want), "{err}");
        assert!(
            text(&out.stdout).is_empty(),
            "a step ran: {}",
            text(&out.stdout)
        );
        assert!(!z.entry().exists());
    }
}

/// A kind the kernel lacks is refused before anything changes, as a VLAN without 802.1Q is
/// (ipvlan here: this build machine's kernel has none; Debian's have, and the VM tier runs the
/// ipvlan zones test there).
#[test]
fn an_ipvlan_without_the_module_is_refused_before_anything_changes() {
    let parent = HostVeth::new();
    if kernel_has_ipvlan(&parent.a) {
        crate::common::skipped(
            "SKIPPED zone_kernel::an_ipvlan_without_the_module_is_refused_before_anything_changes: this kernel has ipvlan (the refusal is tested where it has not: the build machine)",
        );
        return;
    }
    let mut z = TestZone::new("zi");
    z.write("id", &format!("{}\n", unique_id()));
    z.link(
        "i0",
        &[("type", "ipvlan\n"), ("link", &format!("{}\n", parent.a))],
    );
    refused_before_anything_changes(
        &z,
        &format!(
            "up {}: the ipvlan link i0 of zone {} cannot be made: this kernel has no ipvlan support (the module ipvlan is neither loaded nor loadable); load it (modprobe ipvlan) or build it in (CONFIG_IPVLAN)",
            z.name, z.name
        ),
    );
    // Kept from loading by modprobe's configuration: up, --dry-run's warning and doctor name
    // the line (a file of this test's own, removed however it ends).
    struct Removed(std::path::PathBuf, bool);
    impl Drop for Removed {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
            if self.1 {
                let _ = std::fs::remove_dir(self.0.parent().unwrap());
            }
        }
    }
    let dir = std::path::Path::new("/etc/modprobe.d");
    let conf = Removed(
        dir.join(format!("{}.conf", unique("vsn-test"))),
        !dir.exists(),
    );
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(&conf.0, "# vspace-netns test\nblacklist ipvlan\n").unwrap();
    let kept = format!("{}: blacklist ipvlan", conf.0.display());
    refused_before_anything_changes(
        &z,
        &format!(
            "up {}: the ipvlan link i0 of zone {} cannot be made: this kernel has no ipvlan support (the module ipvlan is kept from loading: {kept}); undo that, then load it (modprobe ipvlan) or build it in (CONFIG_IPVLAN)",
            z.name, z.name
        ),
    );
    let fix = format!("its module ipvlan is kept from loading ({kept}): undo that, then load it");
    let out = run_status(&mut z.cmd(&["up", &z.name, "--dry-run"]), 1);
    assert!(text(&out.stderr).contains(&fix), "{}", text(&out.stderr));
    let out = run_status(&mut z.cmd(&["doctor", &z.name]), 1);
    assert!(text(&out.stdout).contains(&fix), "{}", text(&out.stdout));
}

/// How often the main thread of `up` of a fresh zone calls `syscall` (strace's counters of
/// `inject=...:when=N` are per thread; the namespace threads' calls come after the main
/// thread's first, so `when=N` reaches the main thread's N-th call). What the short-lived
/// threads do inside a new namespace before its entry is mounted leaves at most the empty
/// entry file when killed, which reads as stale.
fn count(z: &TestZone, syscall: &str) -> usize {
    let log = z.root.path().join(format!("{syscall}.count"));
    let mut c = z.cmd(&[]);
    let mut s = Command::new("strace");
    s.args(["-f", "-qq", "-e", &format!("trace={syscall}"), "-o"])
        .arg(&log)
        .arg(bin())
        .args(["up", &z.name]);
    copy_env(&c, &mut s);
    let _ = &mut c;
    run_ok(&mut s);
    run_ok(&mut z.cmd(&["down", &z.name]));
    let log = std::fs::read_to_string(&log).unwrap();
    let calls: Vec<&str> = log
        .lines()
        .filter(|l| l.contains(&format!("{syscall}(")))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    // The main thread's pid is the process's: the first to call (before any thread exists).
    calls.iter().filter(|p| Some(*p) == calls.first()).count()
}

#[test]
fn up_killed_at_every_netlink_send_mount_and_write_leaves_nothing_unmarked() {
    if !run(Command::new("strace").arg("-V")).status.success() {
        panic!("strace is needed (apt-get install strace)");
    }
    let parent = HostVeth::new();
    let (z, peer) = zone_on("zk", &parent.a, None);
    for syscall in ["sendto", "mount", "write"] {
        let n = count(&z, syscall);
        assert!(n >= 1, "{syscall}: no call");
        for at in 1..=n {
            let mut s = Command::new("strace");
            s.args([
                "-f",
                "-qq",
                "-o",
                "/dev/null",
                "-e",
                &format!("inject={syscall}:signal=KILL:when={at}"),
            ])
            .arg(bin())
            .args(["up", &z.name]);
            copy_env(&z.cmd(&[]), &mut s);
            let killed = run(&mut s);
            let what = format!("killed at {syscall} {at} of {n}");
            // strace ends as the traced process did (by the signal, or 128 + it): killed there.
            use std::os::unix::process::ExitStatusExt;
            assert!(
                killed.status.signal() == Some(9) || killed.status.code() == Some(128 + 9),
                "{what}: not killed: {}",
                show(&s, &killed)
            );
            // The next up finishes the zone, every part marked, and down removes it unforced.
            let out = run(&mut z.cmd(&["up", &z.name]));
            assert!(
                out.status.success(),
                "{what}: {}\n{}",
                show(&s, &killed),
                show(&z.cmd(&["up", &z.name]), &out)
            );
            assert_marked(&z, &peer);
            let out = run(&mut z.cmd(&["down", &z.name]));
            assert!(
                out.status.success(),
                "{what}: {}",
                show(&z.cmd(&["down", &z.name]), &out)
            );
            assert!(!z.entry().exists(), "{what}: the entry is left");
            assert!(!host_has_link(&peer), "{what}: {peer} is left");
        }
    }
}

/// Whether this kernel makes ipvlan links (on `parent`): the probe link is deleted at once.
fn kernel_has_ipvlan(parent: &str) -> bool {
    let probe = unique("ipvp");
    let made = Command::new("ip")
        .args([
            "link", "add", "link", parent, "name", &probe, "type", "ipvlan", "mode", "l2",
        ])
        .status()
        .is_ok_and(|s| s.success());
    if made {
        run_ok(Command::new("ip").args(["link", "del", "dev", &probe]));
    }
    made
}

#[test]
fn ipvlan_zones_share_their_parents_mac_and_leave_nothing() {
    let parent = HostVeth::new();
    if !kernel_has_ipvlan(&parent.a) {
        crate::common::skipped(
            "SKIPPED zone_kernel::ipvlan_zones_share_their_parents_mac_and_leave_nothing: this kernel has no ipvlan (the VM tier runs this test, and vm/checks/ipvlan.sh, on Debian's kernels)",
        );
        return;
    }
    let parent_mac = {
        let out = run_ok(Command::new("ip").args(["-br", "link", "show", "dev", &parent.a]));
        text(&out.stdout)
            .split_whitespace()
            .nth(2)
            .unwrap()
            .to_string()
    };
    let mut zones = Vec::new();
    for (mode, addr) in [("l2", "10.79.7.1/24"), ("l3", "10.79.8.1/24")] {
        let mut z = TestZone::new("zi");
        z.write("id", &format!("{}\n", unique_id()));
        z.link(
            "i0",
            &[
                ("type", "ipvlan\n"),
                ("link", &format!("{}\n", parent.a)),
                ("mode", &format!("{mode}\n")),
                ("address", &format!("{addr}\n")),
            ],
        );
        let dry = text(&run_ok(&mut z.cmd(&["up", &z.name, "--dry-run"])).stdout);
        assert!(
            dry.contains(&format!(" type ipvlan mode {mode}\n")) && !dry.contains(" address 0"),
            "{dry}"
        );
        run_ok(&mut z.cmd(&["up", &z.name]));
        let d = z.ip_in(&["-d", "link", "show", "dev", "i0"]);
        assert!(d.contains(&format!("ipvlan  mode {mode}")), "{d}");
        assert!(d.contains(&format!("link/ether {parent_mac}")), "{d}");
        assert!(d.contains(&format!("alias vspace-netns:{}", z.name)), "{d}");
        assert!(z.ip_in(&["addr", "show", "dev", "i0"]).contains(addr));
        // Up as configured: the parent's MAC is no difference to correct.
        let again = text(&run_ok(&mut z.cmd(&["up", &z.name])).stdout);
        assert!(again.contains("nothing to do"), "{again}");
        zones.push(z);
    }
    // A MAC of its own is refused, naming the file, before anything changes.
    let mut bad = TestZone::new("zi");
    bad.link(
        "i0",
        &[
            ("type", "ipvlan\n"),
            ("link", &format!("{}\n", parent.a)),
            ("mac", "02:00:00:00:07:01\n"),
        ],
    );
    let out = run_status(&mut bad.cmd(&["up", &bad.name]), 1);
    assert!(
        text(&out.stderr).contains("links/i0/mac: is not for an ipvlan link"),
        "{}",
        text(&out.stderr)
    );
    assert!(!bad.entry().exists());
    for z in &zones {
        run_ok(&mut z.cmd(&["down", &z.name]));
        assert!(!z.entry().exists());
    }
}

/// A link directory renamed while the zone is up: the new link would get the old one's MAC,
/// which the old link, still inside, holds (a second macvlan with it fails halfway). `up`
/// refuses before anything changes, naming the old link; `down` then deletes it (up made it).
#[test]
fn a_link_renamed_in_the_configuration_of_a_live_zone_is_refused_by_name() {
    let parent = HostVeth::new();
    let (z, peer) = zone_on("zr", &parent.a, None);
    let n = z.name.clone();
    run_ok(&mut z.cmd(&["up", &n]));
    std::fs::rename(z.dir().join("links/m0"), z.dir().join("links/m1")).unwrap();
    for args in [vec!["up", &n, "--dry-run"], vec!["up", &n]] {
        let out = run_status(&mut z.cmd(&args), 1);
        let err = err_text(&out);
        assert!(
            err.contains("of link m1 is the MAC of link m0 inside the zone, which the configuration does not name (its link directory renamed?)"),
            "{err}"
        );
        assert!(out.stdout.is_empty(), "a step ran: {}", text(&out.stdout));
    }
    assert!(
        z.ip_in(&["-o", "link", "show", "dev", "m0"])
            .contains("m0@")
    );
    let out = run_ok(&mut z.cmd(&["down", &n]));
    assert!(
        text(&out.stdout).contains("link del dev m0\n"),
        "{}",
        text(&out.stdout)
    );
    assert!(!z.entry().exists() && !host_has_link(&peer));
}
