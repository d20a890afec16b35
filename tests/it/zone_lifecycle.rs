//! `vspace-netns up|down` end to end, as root, on real namespaces: a zone with a veth link and
//! a macvlan link on a veth parent; MACs and addresses seen inside; idempotent up; exact
//! dry-run output; refusal while a process lives inside, and `--force`; `down` then `up` at once,
//! many times.

use std::process::Command;

use crate::common::zone::*;
use crate::common::*;

/// A zone with a macvlan on `parent` and a veth pair, id 42.
fn zone_with_links(parent: &HostVeth) -> (TestZone, String, String, String, u16) {
    let mut z = TestZone::new("zl");
    let (m, v, p) = (unique("zm"), unique("zv"), unique("zp"));
    let id = unique_id();
    z.write("id", &format!("{id}\n"));
    z.link(
        &m,
        &[
            ("type", "macvlan\n"),
            ("link", &format!("{}\n", parent.a)),
            ("address", "10.77.1.2/24\nfd77::2/64\n"),
        ],
    );
    z.link(
        &v,
        &[
            ("type", "veth\n"),
            ("peer", &format!("{p}\n")),
            ("address", "10.77.2.2/24\n"),
        ],
    );
    (z, m, v, p, id)
}

#[test]
fn up_dry_run_then_up_then_idempotent_then_down() {
    let parent = HostVeth::new();
    let (z, m, v, p, id) = zone_with_links(&parent);
    let n = &z.name;
    let mark = format!("vspace-netns:{n}");
    // Links are made in byte order of their names; "zm..." sorts before "zv...".
    assert!(m < v);
    let golden = format!(
        "ip netns add {n}\n\
         ip -n {n} link set dev lo up\n\
         ip -n {n} link set dev lo alias {mark}\n\
         ip link add link {a} name {tm} netns {n} address {m0} type macvlan mode bridge\n\
         ip -n {n} link set dev {tm} alias {mark}\n\
         ip -n {n} link set dev {tm} name {m}\n\
         ip -n {n} addr add 10.77.1.2/24 dev {m}\n\
         ip -n {n} addr add fd77::2/64 dev {m}\n\
         ip -n {n} link set dev {m} up\n\
         ip link add name {tv} netns {n} address {m2} type veth peer name {p} address {m3}\n\
         ip -n {n} link set dev {tv} alias {mark}\n\
         ip link set dev {p} alias {mark}\n\
         ip -n {n} link set dev {tv} name {v}\n\
         ip -n {n} addr add 10.77.2.2/24 dev {v}\n\
         ip -n {n} link set dev {v} up\n\
         ip link set dev {p} up\n",
        a = parent.a,
        tm = vspace_netns::zone::plan::temp_name(n, &m),
        tv = vspace_netns::zone::plan::temp_name(n, &v),
        m0 = mac_of(id, 0),
        m2 = mac_of(id, 2),
        m3 = mac_of(id, 3),
    );
    let out = run_ok(&mut z.cmd(&["up", n, "--dry-run"]));
    assert_eq!(text(&out.stdout), golden);
    assert!(!z.entry().exists(), "--dry-run created the namespace");
    assert!(!host_has_link(&v) && !host_has_link(&p) && !host_has_link(&m));

    // The real run prints the same lines as it carries them out.
    let out = run_ok(&mut z.cmd(&["up", n]));
    assert_eq!(text(&out.stdout), golden);

    let links = z.ip_in(&["-o", "link", "show"]);
    let addrs = z.ip_in(&["-o", "addr", "show"]);
    for (dev, mac) in [(&m, mac_of(id, 0)), (&v, mac_of(id, 2))] {
        let line = links
            .lines()
            .find(|l| l.contains(&format!(" {dev}@")))
            .unwrap_or_else(|| panic!("{dev} not inside:\n{links}"));
        assert!(line.contains(&format!("link/ether {mac} ")), "{line}");
        assert!(line.contains(",UP"), "{dev} is not up: {line}");
    }
    assert!(links.contains("lo: <LOOPBACK,UP"), "{links}");
    for (dev, cidr) in [
        (&m, "10.77.1.2/24"),
        (&m, "fd77::2/64"),
        (&v, "10.77.2.2/24"),
    ] {
        assert!(
            addrs
                .lines()
                .any(|l| l.contains(&format!(" {dev} ")) && l.contains(&format!(" {cidr} "))),
            "{cidr} not on {dev}:\n{addrs}"
        );
    }
    let host_end = text(&run_ok(Command::new("ip").args(["-o", "link", "show", "dev", &p])).stdout);
    assert!(
        host_end.contains(&format!("link/ether {} ", mac_of(id, 3))),
        "{host_end}"
    );
    assert!(host_end.contains(",UP"), "{host_end}");
    assert!(
        !host_has_link(&v) && !host_has_link(&m),
        "a guest-side link stayed on the host"
    );

    // Idempotent: nothing planned, nothing done, status 0.
    let nothing = format!("# nothing to do: zone {n} is up as configured\n");
    let out = run_ok(&mut z.cmd(&["up", n]));
    assert_eq!(text(&out.stdout), nothing);
    let out = run_ok(&mut z.cmd(&["up", n, "--dry-run"]));
    assert_eq!(text(&out.stdout), nothing);
    assert_eq!(z.ip_in(&["-o", "link", "show"]).lines().count(), 3);

    // A drifted zone is repaired, and only the drift is planned.
    run_ok(Command::new("ip").args(["-n", n, "link", "set", "dev", &v, "down"]));
    run_ok(Command::new("ip").args(["-n", n, "addr", "del", "10.77.1.2/24", "dev", &m]));
    let out = run_ok(&mut z.cmd(&["up", n]));
    assert_eq!(
        text(&out.stdout),
        format!("ip -n {n} addr add 10.77.1.2/24 dev {m}\nip -n {n} link set dev {v} up\n")
    );
    run_ok(&mut z.cmd(&["up", n])); // and then nothing again
    assert_eq!(
        text(&run_ok(&mut z.cmd(&["up", n, "--dry-run"])).stdout),
        nothing
    );

    let down =
        format!("ip -n {n} link del dev {v}\nip -n {n} link del dev {m}\nip netns delete {n}\n");
    assert_eq!(
        text(&run_ok(&mut z.cmd(&["down", n, "--dry-run"])).stdout),
        down
    );
    assert!(z.entry().exists(), "down --dry-run removed the namespace");
    assert_eq!(text(&run_ok(&mut z.cmd(&["down", n])).stdout), down);
    assert!(!z.entry().exists());
    assert!(!host_has_link(&p), "the veth host end outlived its pair");
    assert_eq!(
        text(&run_ok(&mut z.cmd(&["down", n])).stdout),
        format!("# nothing to do: zone {n} is down\n")
    );
}

/// `down` returns once the links have left the kernel's lists (their memory is freed later):
/// an `up` right after it finds every name, MAC and VLAN-like claim on the parent free, and the
/// state after each `down` is the one a synchronous deletion leaves. Many rounds, no pause.
#[test]
fn down_then_up_at_once_many_times() {
    let parent = HostVeth::new();
    let (z, m, v, p, _) = zone_with_links(&parent);
    let n = &z.name;
    let down =
        format!("ip -n {n} link del dev {v}\nip -n {n} link del dev {m}\nip netns delete {n}\n");
    for round in 0..25 {
        run_ok(&mut z.cmd(&["up", n]));
        assert!(host_has_link(&p), "round {round}: no host end after up");
        assert_eq!(
            text(&run_ok(&mut z.cmd(&["down", n])).stdout),
            down,
            "round {round}"
        );
        assert!(
            !host_has_link(&p),
            "round {round}: host end {p} left after down"
        );
        assert!(!z.entry().exists(), "round {round}: entry left after down");
        let on_parent = text(
            &run_ok(
                std::process::Command::new("ip").args(["-o", "link", "show", "type", "macvlan"]),
            )
            .stdout,
        );
        assert!(
            !on_parent.contains(&m),
            "round {round}: macvlan {m} left: {on_parent}"
        );
    }
    run_ok(&mut z.cmd(&["up", n]));
    run_ok(&mut z.cmd(&["down", n]));
}

#[test]
fn vprocunhide_runs_inside_a_new_namespace_only() {
    let z = TestZone::new("zu");
    let n = &z.name;
    let log = z.root.path().join("unhide.log");
    let script = z.root.path().join("vprocunhide");
    write_program(
        &script,
        format!(
            "#!/bin/sh\nreadlink /proc/self/ns/net >> {}\n",
            log.display()
        )
        .as_bytes(),
        0o755,
    );
    let mut up = z.cmd(&["up", n]);
    up.env("VSPACE_NETNS_VPROCUNHIDE", &script);
    let out = run_ok(&mut up);
    assert_eq!(
        text(&out.stdout),
        format!(
            "ip netns add {n}\nip -n {n} link set dev lo up\nip -n {n} link set dev lo alias vspace-netns:{n}\nip netns exec {n} {}\n",
            script.display()
        )
    );
    let id = format!(
        "net:[{}]",
        std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(z.entry()).unwrap())
    );
    assert_eq!(std::fs::read_to_string(&log).unwrap(), format!("{id}\n"));
    // Once up, a second up does not run it again (there is nothing to observe it by).
    run_ok(&mut up);
    assert_eq!(std::fs::read_to_string(&log).unwrap(), format!("{id}\n"));
}

/// `up` killed while vprocunhide runs in the namespace it made (here by vprocunhide itself, the
/// first time): the next `up` runs it (the namespace was marked pending with its cookie), the
/// one after has nothing to do; status and doctor call the zone not up as configured between.
#[test]
fn vprocunhide_left_undone_by_a_killed_up_is_run_by_the_next() {
    let z = TestZone::new("zk");
    let n = &z.name;
    let log = z.root.path().join("unhide.log");
    let once = z.root.path().join("killed-once");
    let script = z.root.path().join("vprocunhide");
    write_program(
        &script,
        format!(
            "#!/bin/sh\nif [ ! -e {once} ]; then : > {once}; kill -9 $PPID; exit 1; fi\nreadlink /proc/self/ns/net >> {log}\n",
            once = once.display(),
            log = log.display()
        )
        .as_bytes(),
        0o755,
    );
    let cmd = |args: &[&str]| {
        let mut c = z.cmd(args);
        c.env("VSPACE_NETNS_VPROCUNHIDE", &script);
        c
    };
    let out = run_bounded(&mut cmd(&["up", n]));
    assert_eq!(
        out.status.code(),
        None,
        "up was not killed: {}",
        err_text(&out)
    );
    assert!(z.entry().exists() && !log.exists());
    let out = run_status(&mut cmd(&["status", n]), 1);
    assert!(
        text(&out.stdout).starts_with(&format!(
            "zone {n}: partial, net:[{}]: {} has not run inside (the up that made the namespace was killed before it did)",
            std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(z.entry()).unwrap()),
            script.display()
        )),
        "{}",
        text(&out.stdout)
    );
    let out = run_ok(&mut cmd(&["up", n]));
    assert_eq!(
        text(&out.stdout),
        format!("ip netns exec {n} {}\n", script.display())
    );
    let id = format!(
        "net:[{}]",
        std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(z.entry()).unwrap())
    );
    assert_eq!(std::fs::read_to_string(&log).unwrap(), format!("{id}\n"));
    let out = run_ok(&mut cmd(&["up", n]));
    assert_eq!(
        text(&out.stdout),
        format!("# nothing to do: zone {n} is up as configured\n")
    );
    run_ok(&mut cmd(&["status", n]));
    run_ok(&mut cmd(&["down", n]));
}

#[test]
fn down_refuses_while_a_process_lives_inside_unless_forced() {
    let mut z = TestZone::new("zb");
    let (v, p) = (unique("zv"), unique("zp"));
    z.write("id", &format!("{}\n", unique_id()));
    z.link(&v, &[("type", "veth\n"), ("peer", &format!("{p}\n"))]);
    let n = z.name.clone();
    run_ok(&mut z.cmd(&["up", &n]));
    let sleeper = Sleeper::new(&n);
    let out = run_status(&mut z.cmd(&["down", &n]), 3);
    let err = err_text(&out);
    assert!(
        err.starts_with(&format!(
            "vspace-netns: down {n}: refused: processes still use it (pids {})\n",
            sleeper.pid()
        )),
        "{err}"
    );
    assert!(err.contains("--force"), "{err}");
    assert!(out.stdout.is_empty());
    assert!(
        z.entry().exists() && host_has_link(&p),
        "a refused down changed something"
    );
    run_status(&mut z.cmd(&["down", &n, "--dry-run"]), 3);

    let out = run_ok(&mut z.cmd(&["down", &n, "--force"]));
    assert_eq!(
        text(&out.stdout),
        format!(
            "ip -n {n} link del dev {v}\nip -n {n} link set dev lo alias ''\nip netns delete {n}\n"
        )
    );
    assert!(err_text(&out).contains(&format!("--force: pids {}", sleeper.pid())));
    assert!(!z.entry().exists() && !host_has_link(&p));
}

#[test]
fn down_forced_deletes_a_foreign_veth_pair_inside_once() {
    let mut z = TestZone::new("zf");
    let (v, p) = (unique("zv"), unique("zp"));
    z.write("id", &format!("{}\n", unique_id()));
    z.link(&v, &[("type", "veth\n"), ("peer", &format!("{p}\n"))]);
    let n = z.name.clone();
    run_ok(&mut z.cmd(&["up", &n]));
    // Both ends of a pair inside, and a macvlan on one of them: none made by up.
    let (a, b, m) = (unique("xa"), unique("xb"), unique("xm"));
    let ip = |args: &[&str]| run_ok(Command::new("ip").args(["-n", &n]).args(args));
    ip(&["link", "add", &a, "type", "veth", "peer", "name", &b]);
    ip(&["link", "add", "link", &b, "name", &m, "type", "macvlan"]);
    let out = run_status(&mut z.cmd(&["down", &n]), 1);
    for x in [&a, &b, &m] {
        assert!(
            err_text(&out).contains(&format!("link {x} in {n} (no alias)")),
            "{}",
            err_text(&out)
        );
    }
    // Forced, the first end deleted takes the pair and the macvlan with it: one step (a second
    // would fail, no such device, and stop the dry run's script under sh -e).
    let dry = text(&run_ok(&mut z.cmd(&["down", &n, "--force", "--dry-run"])).stdout);
    let want =
        format!("ip -n {n} link del dev {v}\nip -n {n} link del dev {a}\nip netns delete {n}\n");
    assert_eq!(dry.replace('\'', ""), want);
    let out = run_ok(&mut z.cmd(&["down", &n, "--force"]));
    assert_eq!(text(&out.stdout), want);
    assert!(!z.entry().exists() && !host_has_link(&p));
}

#[test]
fn bad_operands_and_configuration_are_refused_with_the_file_named() {
    let z = TestZone::new("zc");
    let out = run_status(&mut z.cmd(&["up", "no-such-zone"]), 1);
    assert_eq!(
        err_text(&out),
        format!(
            "vspace-netns: {}/no-such-zone: no such zone directory; create it (mkdir -p {}/no-such-zone; an empty directory is a zone with only lo)\n",
            z.conf().display(),
            z.conf().display()
        )
    );
    z.write("links/x0/type", "vlan\n");
    let out = run_status(&mut z.cmd(&["up", &z.name, "--dry-run"]), 1);
    assert_eq!(
        err_text(&out),
        format!(
            "vspace-netns: {}/links/x0/vlan: is missing (a vlan link needs it); write the 802.1Q id, 1-4094\n",
            z.dir().display()
        )
    );
    run_status(&mut z.cmd(&["up", "a/b"]), 1);
    run_status(&mut z.cmd(&["up"]), 2);
    assert!(!z.entry().exists());
    let mut relative = z.cmd(&["up", &z.name]);
    relative.env("VSPACE_NETNS_CONFDIR", "etc/vspace-netns");
    let out = run_status(&mut relative, 1);
    assert!(
        err_text(&out).contains("VSPACE_NETNS_CONFDIR='etc/vspace-netns' is not an absolute path")
    );
}

#[test]
fn guests_starting_together_take_turns() {
    let mut z = TestZone::new("zt");
    let (v, p) = (unique("zv"), unique("zp"));
    z.write("id", &format!("{}\n", unique_id()));
    z.link(&v, &[("type", "veth\n"), ("peer", &format!("{p}\n"))]);
    let n = z.name.clone();
    let ups: Vec<_> = (0..4)
        .map(|_| {
            z.cmd(&["up", &n])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outs: Vec<_> = ups
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    for o in &outs {
        assert!(o.status.success(), "{}", text(&o.stderr));
    }
    let nothing = format!("# nothing to do: zone {n} is up as configured\n");
    assert_eq!(
        outs.iter().filter(|o| text(&o.stdout) == nothing).count(),
        3
    );
    run_ok(&mut z.cmd(&["down", &n]));
    assert!(!z.entry().exists() && !host_has_link(&p));
}

#[test]
fn subcommands_that_enter_namespaces_say_up_front_that_they_need_root() {
    let nobody = |caps: bool, args: &[&str]| {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"]);
        if caps {
            c.args(["--inh-caps=+sys_admin", "--ambient-caps=+sys_admin"]);
        }
        c.arg("--").arg(bin()).args(args);
        c
    };
    for args in [
        &["up", "zr"][..],
        &["down", "zr"],
        &["status"],
        &["doctor"],
        &["hook", "web", "initialize"],
    ] {
        let mut c = nobody(false, args);
        let out = run_status(&mut c, 1);
        assert_eq!(
            err_text(&out),
            format!(
                "vspace-netns: {0} needs root: it enters the host's and the zones' network namespaces, which takes CAP_SYS_ADMIN, and this process has not got it (uid 65534)\n\
                 vspace-netns: hint: run it as root: sudo vspace-netns {0} ...\n",
                args[0]
            ),
            "{}",
            show(&c, &out)
        );
        assert!(out.stdout.is_empty());
    }
    // What enters nothing runs as anybody; CAP_SYS_ADMIN without root passes the guard.
    run_ok(&mut nobody(false, &["completions", "bash"]));
    let mut c = nobody(true, &["status", "--help"]);
    run_ok(&mut c);
    let mut c = nobody(true, &["doctor"]);
    let out = run_bounded(&mut c);
    assert!(!err_text(&out).contains("needs root"), "{}", show(&c, &out));
}

#[test]
fn a_mistyped_option_gets_the_nearest_one() {
    let z = TestZone::new("zt");
    for (args, near) in [
        (&["up", "zt", "--dryrun"][..], "--dry-run"),
        (&["status", "--jsno"], "--json"),
        (&["down", "zt", "--froce"], "--force"),
    ] {
        let out = run_status(&mut z.cmd(args), 2);
        let err = err_text(&out);
        assert!(
            err.contains(&format!("tip: a similar argument exists: '{near}'")),
            "{args:?}: {err}"
        );
        assert!(out.stdout.is_empty());
    }
}
