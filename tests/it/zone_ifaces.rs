//! A zone guest's util-vserver `interfaces/`, as root, with util-vserver's start and stop
//! played as its scripts order them: start = hook `initialize`, util-vserver reading the
//! interfaces (`generateOptions`), hook `prepre-start`, util-vserver's `enableInterfaces`,
//! the guest running (a process in the zone), hook `post-start`; stop = util-vserver reading
//! the interfaces, the guest's processes ending, hook `post-stop`, `disableInterfaces`.
//! util-vserver's interface steps are `tests/shell/uv-interfaces.bash` (a stand-in, with the
//! real `ip`). Proven: the guest's address lands inside its zone and never on the host, also
//! when its `dev` names a host link too; a `dev` the zone lacks fails the start naming the
//! file and the zone's links; two guests of one zone in every order keep only their own
//! addresses; a guest outside every zone gets util-vserver's behaviour unchanged.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::zone::*;
use crate::common::*;

fn standin() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/shell/uv-interfaces.bash")
}

/// A zone with one veth link `v` (host end `p`) holding 192.0.2.1/24.
fn zone() -> (TestZone, String, String) {
    let mut z = TestZone::new("zi");
    let (v, p) = (unique("iv"), unique("ip"));
    z.write("id", &format!("{}\n", unique_id()));
    z.link(
        &v,
        &[
            ("type", "veth\n"),
            ("peer", &format!("{p}\n")),
            ("address", "192.0.2.1/24\n"),
        ],
    );
    (z, v, p)
}

/// A guest of the zone with `interfaces/0` holding `files`.
fn guest(z: &TestZone, name: &str, net: &str, files: &[(&str, &str)]) -> PathBuf {
    let g = z.guest(name, net.as_bytes());
    for (f, c) in files {
        write(&g.join("interfaces/0").join(f), c);
    }
    g
}

fn hook(z: &TestZone, phase: &str, guest: &str) -> std::process::Output {
    run(&mut z.cmd(&["hook", phase, guest]))
}

fn hook_ok(z: &TestZone, phase: &str, guest: &str) -> String {
    let mut c = z.cmd(&["hook", phase, guest]);
    text(&run_ok(&mut c).stdout)
}

/// util-vserver's interface step `what` (generate, enable, disable) for `arg`, in the host's
/// namespace; its stdout.
fn uv(z: &TestZone, what: &str, arg: &Path) -> String {
    let mut c = Command::new("bash");
    c.arg(standin())
        .arg(what)
        .arg(arg)
        .env("VSPACE_NETNS_VSERVERS", z.vservers());
    text(&run_ok(&mut c).stdout)
}

/// A guest's start as util-vserver orders it; the sleeper is the running guest.
fn start(z: &TestZone, g: &str) -> Sleeper {
    hook_ok(z, "initialize", g);
    let cmds = z.root.path().join(format!("{g}.start"));
    std::fs::write(&cmds, uv(z, "generate", &z.vservers().join(g))).unwrap();
    hook_ok(z, "prepre-start", g);
    uv(z, "enable", &cmds);
    let s = Sleeper::new(&z.name);
    hook_ok(z, "post-start", g);
    s
}

/// A guest's stop as util-vserver orders it.
fn stop(z: &TestZone, g: &str, s: Sleeper) {
    let cmds = z.root.path().join(format!("{g}.stop"));
    std::fs::write(&cmds, uv(z, "generate", &z.vservers().join(g))).unwrap();
    drop(s);
    hook_ok(z, "post-stop", g);
    uv(z, "disable", &cmds);
}

fn host_addrs() -> String {
    text(&run_ok(Command::new("ip").args(["-o", "addr"])).stdout)
}

fn zone_addrs(z: &TestZone) -> String {
    if !z.entry().exists() {
        return String::new();
    }
    z.ip_in(&["-o", "addr"])
}

#[test]
fn one_guest_gets_its_address_inside_its_zone_and_none_on_the_host() {
    let (z, v, _p) = zone();
    let n = z.name.clone();
    let g = guest(
        &z,
        "web",
        &format!("{n}\n"),
        &[
            ("ip", "192.0.2.10\n"),
            ("prefix", "24\n"),
            ("dev", &format!("{v}\n")),
            ("name", "web\n"),
        ],
    );
    let nodev = g.join("interfaces/0/nodev");
    let out = hook_ok(&z, "initialize", "web");
    let vs = z.vservers();
    assert!(
        out.ends_with(&format!(
            "ip -n {n} addr add 192.0.2.10/24 broadcast + label {v}:web dev {v}\n\
             printf '%s\\n' 'vspace-netns: this address is applied inside the guest'\\''s zone, not on the host' > {}/web/interfaces/0/nodev\n",
            vs.display()
        )),
        "{out}"
    );
    let inside = zone_addrs(&z);
    assert!(
        inside.contains(&format!(
            "inet 192.0.2.10/24 brd 192.0.2.255 scope global secondary {v}:web"
        )),
        "{inside}"
    );
    assert!(nodev.exists());
    // util-vserver, reading the interfaces now, keeps the address for the context list and
    // touches no device.
    let cmds = uv(&z, "generate", &g);
    assert_eq!(cmds, "CONTEXT 192.0.2.10/24 \n");
    // prepre-start: nothing more to do.
    let again = hook_ok(&z, "prepre-start", "web");
    assert!(!again.contains("addr add"), "{again}");
    assert!(!host_addrs().contains("192.0.2.10"));
    // status lists the guest's address inside its zone.
    let st = text(&run(&mut z.cmd(&["status", &n])).stdout);
    assert!(
        st.contains(&format!(
            "    guest web addresses inside: 192.0.2.10/24 dev {v}\n"
        )),
        "{st}"
    );
    let js = text(&run(&mut z.cmd(&["status", &n, "--json"])).stdout);
    let js: serde_json::Value = serde_json::from_str(&js).unwrap();
    assert_eq!(
        js["zones"][0]["guests"][0]["addresses"][0],
        format!("192.0.2.10/24 dev {v}").as_str()
    );
    let s = Sleeper::new(&n);
    hook_ok(&z, "post-start", "web");
    // Stop: the address leaves with the guest, nodev is taken back, the files are as written.
    let cmds_stop = uv(&z, "generate", &g);
    assert_eq!(cmds_stop, cmds);
    drop(s);
    let out = hook_ok(&z, "post-stop", "web");
    assert!(
        out.starts_with(&format!(
            "ip -n {n} addr del 192.0.2.10/24 label {v}:web dev {v}\nrm {}/web/interfaces/0/nodev\n",
            vs.display()
        )),
        "{out}"
    );
    assert!(!nodev.exists());
    assert!(
        !z.entry().exists(),
        "the zone went down with its last guest"
    );
    let mut names: Vec<String> = std::fs::read_dir(g.join("interfaces/0"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["dev", "ip", "name", "prefix"]);
    assert!(!host_addrs().contains("192.0.2.10"));
}

#[test]
fn a_dev_the_zone_lacks_fails_the_start_naming_the_file_and_the_links() {
    let (z, v, p) = zone();
    let n = z.name.clone();
    // p, the veth's host end, exists on the host only.
    let g = guest(
        &z,
        "web",
        &format!("{n}\n"),
        &[
            ("ip", "192.0.2.10\n"),
            ("prefix", "24\n"),
            ("dev", &format!("{p}\n")),
        ],
    );
    let out = hook(&z, "initialize", "web");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let err = err_text(&out);
    assert!(
        err.contains(&format!(
            "{}/dev: the zone {n} has no link '{p}'; its links: {v}",
            g.join("interfaces/0").display()
        )),
        "{err}"
    );
    assert!(err.contains("name one of the zone's links in"), "{err}");
    assert!(!g.join("interfaces/0/nodev").exists());
    assert!(!host_addrs().contains("192.0.2.10"));
}

#[test]
fn a_dev_that_is_a_host_link_too_stays_untouched_on_the_host() {
    let (z, v, _p) = zone();
    let n = z.name.clone();
    // A host link of the same name as the zone's link, down and without addresses.
    run_ok(Command::new("ip").args([
        "link",
        "add",
        "name",
        &v,
        "type",
        "veth",
        "peer",
        "name",
        &unique("hq"),
    ]));
    struct Del(String);
    impl Drop for Del {
        fn drop(&mut self) {
            let _ = Command::new("ip")
                .args(["link", "del", "dev", &self.0])
                .output();
        }
    }
    let _d = Del(v.clone());
    let g = guest(
        &z,
        "web",
        &format!("{n}\n"),
        &[
            ("ip", "192.0.2.10\n"),
            ("mask", "255.255.255.0\n"),
            ("dev", &format!("{v}\n")),
        ],
    );
    // Without vspace-netns, util-vserver would put it on the host's link: the defect.
    let before = uv(&z, "generate", &g);
    assert!(
        before.contains(&format!("IP_ADDR 192.0.2.10/24 broadcast + dev {v}")),
        "{before}"
    );
    let s = start(&z, "web");
    let host = text(&run_ok(Command::new("ip").args(["-o", "addr", "show", "dev", &v])).stdout);
    assert_eq!(host, "", "the host's {v} got an address");
    let link = text(&run_ok(Command::new("ip").args(["-o", "link", "show", "dev", &v])).stdout);
    assert!(
        link.contains("state DOWN") || !link.contains(",UP"),
        "{link}"
    );
    assert!(zone_addrs(&z).contains("192.0.2.10/24"));
    stop(&z, "web", s);
    assert!(!host_addrs().contains("192.0.2.10"));
}

#[test]
fn two_guests_of_one_zone_in_every_order_keep_their_own_addresses() {
    // Each guest's start comes before its stop: the six interleavings.
    let orders: [[(&str, bool); 4]; 6] = [
        [("web", true), ("web", false), ("db", true), ("db", false)],
        [("web", true), ("db", true), ("web", false), ("db", false)],
        [("web", true), ("db", true), ("db", false), ("web", false)],
        [("db", true), ("web", true), ("web", false), ("db", false)],
        [("db", true), ("web", true), ("db", false), ("web", false)],
        [("db", true), ("db", false), ("web", true), ("web", false)],
    ];
    let (z, v, _p) = zone();
    let n = z.name.clone();
    let addr = |g: &str| {
        if g == "web" {
            "192.0.2.10"
        } else {
            "192.0.2.11"
        }
    };
    for g in ["web", "db"] {
        guest(
            &z,
            g,
            &format!("{n}\n"),
            &[
                ("ip", &format!("{}\n", addr(g))),
                ("prefix", "24\n"),
                ("dev", &format!("{v}\n")),
            ],
        );
    }
    for order in orders {
        let mut running: Vec<(&str, Sleeper)> = Vec::new();
        for (g, is_start) in order {
            if is_start {
                running.push((g, start(&z, g)));
            } else {
                let i = running.iter().position(|(r, _)| *r == g).unwrap();
                let (_, s) = running.remove(i);
                stop(&z, g, s);
            }
            let inside = zone_addrs(&z);
            for other in ["web", "db"] {
                let runs = running.iter().any(|(r, _)| *r == other);
                assert_eq!(
                    inside.contains(&format!("{}/24", addr(other))),
                    runs,
                    "{order:?} after {g} {is_start}: {other}\n{inside}"
                );
                assert_eq!(
                    z.vservers().join(other).join("interfaces/0/nodev").exists(),
                    runs,
                    "{order:?}: {other}'s nodev"
                );
            }
            if !running.is_empty() {
                assert!(
                    inside.contains("192.0.2.1/24"),
                    "the zone's own address: {inside}"
                );
            }
            let host = host_addrs();
            assert!(
                !host.contains("inet 192.0.2.10/") && !host.contains("inet 192.0.2.11/"),
                "{order:?}: a guest's address on the host:\n{host}"
            );
        }
        assert!(
            !z.entry().exists(),
            "{order:?}: the zone is down at the end"
        );
    }
}

#[test]
fn a_guest_outside_every_zone_is_unchanged() {
    let (z, _v, _p) = zone();
    let h = HostVeth::new();
    let g = guest(
        &z,
        "plain",
        "",
        &[
            ("ip", "198.51.100.7\n"),
            ("prefix", "24\n"),
            ("dev", &format!("{}\n", h.a)),
        ],
    );
    std::fs::remove_file(g.join("spaces/net")).unwrap();
    let out = hook_ok(&z, "initialize", "plain");
    assert!(!out.contains("addr") && !out.contains("nodev"), "{out}");
    let cmds_file = z.root.path().join("plain.cmds");
    let cmds = uv(&z, "generate", &g);
    assert!(
        cmds.contains(&format!("IP_ADDR 198.51.100.7/24 broadcast + dev {}", h.a)),
        "{cmds}"
    );
    std::fs::write(&cmds_file, &cmds).unwrap();
    hook_ok(&z, "prepre-start", "plain");
    uv(&z, "enable", &cmds_file);
    let on =
        |d: &str| text(&run_ok(Command::new("ip").args(["-o", "addr", "show", "dev", d])).stdout);
    assert!(
        on(&h.a).contains("198.51.100.7/24"),
        "util-vserver's own step, as before"
    );
    hook_ok(&z, "post-stop", "plain");
    uv(&z, "disable", &cmds_file);
    assert!(!on(&h.a).contains("198.51.100.7"));
    assert!(!g.join("interfaces/0/nodev").exists());
}

#[test]
fn down_takes_back_the_nodev_files_it_wrote_and_only_those() {
    let (z, v, _p) = zone();
    let n = z.name.clone();
    let web = guest(
        &z,
        "web",
        &format!("{n}\n"),
        &[("ip", "192.0.2.10\n"), ("dev", &format!("{v}\n"))],
    );
    // The admin's own nodev: the address is for the context list only, applied nowhere.
    let db = guest(
        &z,
        "db",
        &format!("{n}\n"),
        &[("ip", "192.0.2.11\n"), ("nodev", "")],
    );
    // A start that went no further than initialize leaves the zone, the address and nodev.
    hook_ok(&z, "initialize", "web");
    hook_ok(&z, "initialize", "db");
    assert!(web.join("interfaces/0/nodev").exists());
    let inside = zone_addrs(&z);
    assert!(
        inside.contains("192.0.2.10/32") && !inside.contains("192.0.2.11"),
        "{inside}"
    );
    // --force: the starts' claims are this test's (it still runs), no process is in the zone.
    let dry = text(&run_ok(&mut z.cmd(&["down", &n, "--force", "--dry-run"])).stdout);
    assert!(
        dry.ends_with(&format!(
            "rm {}\n",
            web.join("interfaces/0/nodev").display()
        )),
        "{dry}"
    );
    assert!(
        web.join("interfaces/0/nodev").exists(),
        "--dry-run changed nothing"
    );
    run_ok(&mut z.cmd(&["down", &n, "--force"]));
    assert!(!web.join("interfaces/0/nodev").exists());
    assert_eq!(std::fs::read(db.join("interfaces/0/nodev")).unwrap(), b"");
    assert!(!z.entry().exists());
}

#[test]
fn doctor_says_which_interfaces_are_handled_and_how_to_fix_the_rest() {
    let (z, v, _p) = zone();
    let n = z.name.clone();
    let net = format!("{n}\n");
    let dev = format!("{v}\n");
    let web = guest(
        &z,
        "web",
        &net,
        &[("ip", "192.0.2.10\n"), ("prefix", "24\n"), ("dev", &dev)],
    );
    let db = guest(&z, "db", &net, &[("ip", "10.9.9.9\n"), ("dev", "nope\n")]);
    let mail = guest(&z, "mail", &net, &[("ip", "192.0.2.10\n"), ("dev", &dev)]);
    let ftp = guest(
        &z,
        "ftp",
        &net,
        &[("ip", "192.0.2.12\n"), ("dev", &dev), ("disabled", "")],
    );
    // doctor's grouped lines, each flattened to `WORD SUBJECT: finding: fix`.
    let doctor = |g: &str| {
        let out = run(&mut z.cmd(&["doctor", g]));
        (
            out.status.code(),
            doctor_flat(&text(&out.stdout)).join("\n"),
        )
    };
    let i0 = |g: &PathBuf| g.join("interfaces/0").display().to_string();
    // No hook at initialize: util-vserver would apply the address on the host.
    let (code, out) = doctor("web");
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains(&format!(
            "FAIL guest web: {}: util-vserver would put 192.0.2.10 on the host's {v} (the hook does not run at initialize): link the hook for initialize",
            i0(&web)
        )),
        "{out}"
    );
    write(
        &z.vservers()
            .join(".defaults/scripts/initialize.d/vspace-netns"),
        "#!/bin/sh\nexec vspace-netns hook \"$@\"\n",
    );
    let (_, out) = doctor("web");
    assert!(
        out.contains(&format!(
            "FAIL guest web: {}: 192.0.2.10 is guest mail's address too ({})",
            i0(&web),
            i0(&mail)
        )),
        "{out}"
    );
    std::fs::write(mail.join("interfaces/0/ip"), "192.0.2.11\n").unwrap();
    let (_, out) = doctor("web");
    assert!(
        out.contains(&format!(
            "ok guest web: {}: 192.0.2.10/24 on {v} is applied inside zone {n} at the guest's start, never on the host",
            i0(&web)
        )),
        "{out}"
    );
    assert!(
        !out.contains(&format!("FAIL guest web: {}", i0(&web))),
        "{out}"
    );
    let (code, out) = doctor("db");
    assert_eq!(code, Some(1));
    assert!(
        out.contains(&format!(
            "FAIL guest db: {}/dev: zone {n} has no link 'nope' (its links: {v}): the guest's start fails; name one of the zone's links: echo {v} > {}/dev",
            i0(&db),
            i0(&db)
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "FAIL guest db: {}: 10.9.9.9 lies outside every subnet and route of zone {n}",
            i0(&db)
        )),
        "{out}"
    );
    let (_, out) = doctor("ftp");
    assert!(
        out.contains(&format!(
            "ok guest ftp: {} is disabled: util-vserver and the hook skip it",
            i0(&ftp)
        )),
        "{out}"
    );
}

#[test]
fn up_dry_run_shows_what_each_guest_start_then_does_inside() {
    let (z, v, _p) = zone();
    let n = z.name.clone();
    let net = format!("{n}\n");
    let web = guest(
        &z,
        "web",
        &net,
        &[
            ("ip", "192.0.2.10\n"),
            ("prefix", "24\n"),
            ("dev", &format!("{v}\n")),
        ],
    );
    guest(&z, "db", &net, &[("ip", "192.0.2.11\n"), ("dev", "nope\n")]);
    let out = text(&run_ok(&mut z.cmd(&["up", &n, "--dry-run"])).stdout);
    assert!(
        out.contains(&format!(
            "# at guest web's start, the hook (initialize) does:\n\
             #   ip -n {n} addr add 192.0.2.10/24 broadcast + dev {v}\n\
             #   printf '%s\\n' 'vspace-netns: this address is applied inside the guest'\\''s zone, not on the host' > {}/nodev\n",
            web.join("interfaces/0").display()
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "# guest db's start would fail: {}/dev: the zone {n} has no link 'nope'",
            z.vservers().join("db/interfaces/0").display()
        )),
        "{out}"
    );
    assert!(!z.entry().exists(), "--dry-run changed nothing");
    assert!(!web.join("interfaces/0/nodev").exists());
}

/// Whether this kernel makes 802.1Q VLAN devices (the VM tier's kernels do; this machine's
/// may not).
fn has_vlan() -> bool {
    Path::new("/proc/net/vlan").is_dir()
}

#[test]
fn a_vlandev_the_kernel_cannot_make_fails_the_start_and_leaves_nothing() {
    if has_vlan() {
        crate::common::skipped(
            "SKIPPED zone_ifaces::a_vlandev_the_kernel_cannot_make_fails_the_start_and_leaves_nothing: this kernel has 802.1Q; vm/checks/guest-interfaces.sh makes a vlandev device for real",
        );
        return;
    }
    let (z, v, _p) = zone();
    let n = z.name.clone();
    let g = guest(
        &z,
        "web",
        &format!("{n}\n"),
        &[("ip", "192.0.2.20\n"), ("dev", &format!("{v}\n"))],
    );
    // interfaces/0, applied before the VLAN device of interfaces/1 fails, is taken back.
    write(&g.join("interfaces/1/ip"), "192.0.2.10\n");
    write(&g.join("interfaces/1/dev"), &format!("{v}.7\n"));
    write(&g.join("interfaces/1/vlandev"), "");
    let out = hook(&z, "initialize", "web");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let err = err_text(&out);
    // Made under its temporary name (marked, then renamed), so a kill leaves nothing unmarked.
    let t = vspace_netns::vserver::ifaces::vlan_temp_name(&n, "web", &format!("{v}.7"));
    assert!(
        err.contains(&format!(
            "ip -n {n} link add link {v} name {t} type vlan id 7"
        )),
        "{err}"
    );
    assert!(err.contains("modprobe 8021q"), "{err}");
    assert!(
        err.contains(&format!("undone: ip -n {n} addr del 192.0.2.20 dev {v}")),
        "{err}"
    );
    let inside = zone_addrs(&z);
    assert!(
        !inside.contains("192.0.2.20") && !inside.contains("192.0.2.10"),
        "{inside}"
    );
    assert!(!g.join("interfaces/0/nodev").exists() && !g.join("interfaces/1/nodev").exists());
}

/// The flags are tested as util-vserver's `test -e` tests them: a symlink is followed, one
/// that leads nowhere is absent (util-vserver then applies the directory, so the hook must
/// too, or the address lands on the host). Contents are never read through a symlink (a
/// symlinked `nodev` is the admin's, whatever it holds), and an `interfaces/N` leading out of
/// the guest's configuration directory fails the start naming it, nothing read or written
/// there.
#[test]
fn flags_are_tested_as_test_e_and_nothing_outside_the_guest_is_read_or_written() {
    use std::os::unix::fs::symlink;
    let (z, v, _p) = zone();
    let n = z.name.clone();
    let dev = format!("{v}\n");
    let g = guest(
        &z,
        "web",
        &format!("{n}\n"),
        &[("ip", "192.0.2.30\n"), ("prefix", "24\n"), ("dev", &dev)],
    );
    let outside = z.root.path().join("outside");
    write(&outside.join("flag"), "");
    let ours = format!("{}\n", vspace_netns::vserver::ifaces::NODEV_TEXT);
    write(&outside.join("nodev"), &ours);
    // 0: a `disabled` leading nowhere is absent: applied.
    symlink(outside.join("nowhere"), g.join("interfaces/0/disabled")).unwrap();
    // 1: a `disabled` leading to a file elsewhere is present: skipped.
    write(&g.join("interfaces/1/ip"), "192.0.2.31\n");
    write(&g.join("interfaces/1/dev"), &dev);
    symlink(outside.join("flag"), g.join("interfaces/1/disabled")).unwrap();
    // 2: a symlinked `nodev` is present, and not ours even if its target holds our line.
    write(&g.join("interfaces/2/ip"), "192.0.2.32\n");
    write(&g.join("interfaces/2/dev"), &dev);
    symlink(outside.join("nodev"), g.join("interfaces/2/nodev")).unwrap();

    hook_ok(&z, "initialize", "web");
    let inside = zone_addrs(&z);
    assert!(inside.contains("inet 192.0.2.30/24"), "{inside}");
    assert!(
        !inside.contains("192.0.2.31") && !inside.contains("192.0.2.32"),
        "{inside}"
    );
    assert!(g.join("interfaces/0/nodev").is_file());
    assert!(std::fs::symlink_metadata(g.join("interfaces/1/nodev")).is_err());
    // util-vserver (bash's `test -e`) agrees: nothing for the host's devices.
    let cmds = uv(&z, "generate", &g);
    assert!(!cmds.contains("IP_ADDR"), "{cmds}");
    assert!(cmds.contains("192.0.2.30/24"), "{cmds}");
    hook_ok(&z, "post-stop", "web");
    assert!(!g.join("interfaces/0/nodev").exists());
    assert!(
        std::fs::symlink_metadata(g.join("interfaces/2/nodev"))
            .unwrap()
            .file_type()
            .is_symlink(),
        "the admin's nodev was taken"
    );
    assert_eq!(
        std::fs::read_to_string(outside.join("nodev")).unwrap(),
        ours
    );

    // 3: a directory leading out of the guest's configuration directory fails the start.
    let elsewhere = outside.join("if");
    write(&elsewhere.join("ip"), "192.0.2.33\n");
    write(&elsewhere.join("dev"), &dev);
    symlink(&elsewhere, g.join("interfaces/3")).unwrap();
    let out = hook(&z, "initialize", "web");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let err = err_text(&out);
    assert!(
        err.contains("interfaces/3 leads out of the guest's configuration directory"),
        "{err}"
    );
    assert!(!zone_addrs(&z).contains("192.0.2.3"), "{}", zone_addrs(&z));
    assert!(!elsewhere.join("nodev").exists());
    assert!(!g.join("interfaces/0/nodev").exists());
    let d = text(&run(&mut z.cmd(&["doctor", &n])).stdout);
    assert!(
        d.contains("interfaces/3 leads out of the guest's configuration directory"),
        "{d}"
    );

    // 4: a `nodev` leading nowhere is absent (util-vserver would apply the directory on the
    // host): the hook applies it, but writes no `nodev` through the symlink; the start fails.
    std::fs::remove_file(g.join("interfaces/3")).unwrap();
    write(&g.join("interfaces/4/ip"), "192.0.2.34\n");
    write(&g.join("interfaces/4/dev"), &dev);
    symlink(outside.join("made"), g.join("interfaces/4/nodev")).unwrap();
    let out = hook(&z, "initialize", "web");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let err = err_text(&out);
    assert!(err.contains("interfaces/4/nodev"), "{err}");
    assert!(
        !outside.join("made").exists(),
        "written through the symlink"
    );
    assert!(!zone_addrs(&z).contains("192.0.2.3"), "{}", zone_addrs(&z));
}
