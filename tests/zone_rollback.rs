//! A failing step undoes what the run made, as root on real namespaces: a VLAN link on this
//! kernel (built without 802.1Q, so the kernel refuses the type) and a macvlan on a parent
//! that does not exist. The failure names the step and the kernel's reason; nothing is left.

mod common;

use common::zone::*;
use common::*;

/// The dry-run lines of `z`, to find a step's number.
fn planned(z: &TestZone) -> Vec<String> {
    text(&run_ok(&mut z.cmd(&["up", &z.name, "--dry-run"])).stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

fn assert_failed_at(z: &TestZone, step: &str, reason: &str) -> String {
    let plan = planned(z);
    let at = plan
        .iter()
        .position(|l| l == step)
        .unwrap_or_else(|| panic!("{step} not planned: {plan:?}"));
    let out = run_status(&mut z.cmd(&["up", &z.name]), 1);
    let err = err_text(&out);
    let first = err.lines().next().unwrap_or_default();
    assert_eq!(
        first,
        format!(
            "vspace-netns: up {}: step {} of {} failed: {step}: {reason}",
            z.name,
            at + 1,
            plan.len()
        ),
        "{err}"
    );
    // What ran is printed up to the failing step, and no further.
    assert_eq!(text(&out.stdout), plan[..=at].join("\n") + "\n");
    err
}

#[test]
fn a_vlan_on_a_kernel_without_8021q_is_rolled_back() {
    let parent = HostVeth::new();
    let mut z = TestZone::new("zr");
    let (a, b, p) = (unique("za"), unique("zb"), unique("zp"));
    let id = unique_id();
    z.write("id", &format!("{id}\n"));
    z.link(&a, &[("type", "veth\n"), ("peer", &format!("{p}\n"))]);
    z.link(
        &b,
        &[
            ("type", "vlan\n"),
            ("link", &format!("{}\n", parent.a)),
            ("vlan", "2\n"),
            ("address", "10.78.0.2/24\n"),
        ],
    );
    let n = z.name.clone();
    let vmac = format!("02:00:02:{:02x}:{:02x}:02", id >> 8, id & 0xff);
    let step = format!(
        "ip link add link {} name {b} netns {n} address {vmac} type vlan id 2",
        parent.a
    );
    let err = assert_failed_at(
        &z,
        &step,
        "Unknown device type (EOPNOTSUPP: Operation not supported)",
    );
    let hints: Vec<&str> = err.lines().skip(1).collect();
    assert_eq!(
        hints,
        [
            "vspace-netns: hint: this kernel has no 802.1Q VLAN support: load it (modprobe 8021q) or build it in (CONFIG_VLAN_8021Q)".to_string(),
            format!("vspace-netns: hint: undone: ip -n {n} link del dev {a}"),
            format!("vspace-netns: hint: undone: ip netns delete {n}"),
        ]
    );
    assert!(!z.entry().exists(), "the namespace was left behind");
    for l in [&a, &b, &p] {
        assert!(!host_has_link(l), "{l} was left on the host");
    }
    // The MAC the VLAN link would have had carries its VLAN id.
    assert!(vmac.starts_with("02:00:02:"));
}

#[test]
fn a_missing_parent_is_rolled_back_and_an_existing_zone_kept() {
    let mut z = TestZone::new("zq");
    let (a, p, m) = (unique("za"), unique("zp"), unique("zm"));
    let missing = unique("nopar");
    let id = unique_id();
    z.write("id", &format!("{id}\n"));
    z.link(&a, &[("type", "veth\n"), ("peer", &format!("{p}\n"))]);
    let n = z.name.clone();
    run_ok(&mut z.cmd(&["up", &n]));

    // A second link whose parent does not exist: the zone as it was stays up.
    z.link(
        &m,
        &[
            ("type", "macvlan\n"),
            ("link", &format!("{missing}\n")),
            ("mode", "private\n"),
        ],
    );
    let step = format!(
        "ip link add link {missing} name {m} netns {n} address {} type macvlan mode private",
        mac_of(id, 2)
    );
    let gone = format!("Cannot find device \"{missing}\" (ENODEV: No such device)");
    let err = assert_failed_at(&z, &step, &gone);
    assert_eq!(
        err.lines().skip(1).collect::<Vec<_>>(),
        [
            "vspace-netns: hint: the parent device in the link's 'link' file does not exist on the host"
        ]
    );
    assert!(z.entry().exists(), "the zone that was up was taken down");
    assert!(z.ip_in(&["-o", "link", "show"]).contains(&format!(" {a}@")));
    assert!(host_has_link(&p) && !host_has_link(&m));

    // From nothing, the same failure takes everything back.
    run_ok(&mut z.cmd(&["down", &n]));
    let err = assert_failed_at(&z, &step, &gone);
    assert!(err.ends_with(&format!(
        "vspace-netns: hint: undone: ip -n {n} link del dev {a}\nvspace-netns: hint: undone: ip netns delete {n}\n"
    )), "{err}");
    assert!(!z.entry().exists() && !host_has_link(&a) && !host_has_link(&p));
}

#[test]
fn a_failed_change_to_an_existing_link_is_reverted() {
    let mut z = TestZone::new("zx");
    let (a, p) = (unique("za"), unique("zp"));
    let missing = unique("nopar");
    let id = unique_id();
    z.write("id", &format!("{id}\n"));
    z.link(
        &a,
        &[
            ("type", "veth\n"),
            ("peer", &format!("{p}\n")),
            ("address", "10.79.0.2/24\n"),
        ],
    );
    let n = z.name.clone();
    run_ok(&mut z.cmd(&["up", &n]));
    // Drift: the address is gone and the link is down; a later link fails.
    run_ok(std::process::Command::new("ip").args(["-n", &n, "addr", "flush", "dev", &a]));
    run_ok(std::process::Command::new("ip").args(["-n", &n, "link", "set", "dev", &a, "down"]));
    let m = unique("zz");
    z.link(
        &m,
        &[("type", "macvlan\n"), ("link", &format!("{missing}\n"))],
    );
    let err = assert_failed_at(
        &z,
        &format!(
            "ip link add link {missing} name {m} netns {n} address {} type macvlan mode bridge",
            mac_of(id, 2)
        ),
        &format!("Cannot find device \"{missing}\" (ENODEV: No such device)"),
    );
    assert!(
        err.contains(&format!("undone: ip -n {n} link set dev {a} down\n")),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "undone: ip -n {n} addr del 10.79.0.2/24 dev {a}\n"
        )),
        "{err}"
    );
    let links = z.ip_in(&["-o", "link", "show", "dev", &a]);
    assert!(!links.contains(",UP"), "not reverted: {links}");
    assert!(
        !z.ip_in(&["-o", "addr", "show", "dev", &a])
            .contains("10.79.0.2")
    );
}

/// Every file under `dir` (recursively) with its bytes: guest files before and after a run.
fn snapshot(dir: &std::path::Path) -> std::collections::BTreeMap<std::path::PathBuf, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(snapshot(&p));
        } else {
            out.insert(p.clone(), std::fs::read(&p).unwrap());
        }
    }
    out
}

#[test]
fn a_failed_up_leaves_the_guests_files_as_they_were() {
    let parent = HostVeth::new();
    let mut z = TestZone::new("zf");
    let (a, p, b) = (unique("za"), unique("zp"), unique("zb"));
    let id = unique_id();
    z.write("id", &format!("{id}\n"));
    z.link(&a, &[("type", "veth\n"), ("peer", &format!("{p}\n"))]);
    z.link(
        &b,
        &[
            ("type", "vlan\n"),
            ("link", &format!("{}\n", parent.a)),
            ("vlan", "3\n"),
        ],
    );
    let n = z.name.clone();
    let net = format!("{n}\n");
    // web has a file of its own (no final newline), db none: its file would be a copy of
    // .defaults, or (without .defaults) a new file.
    let web = z.guest("web", net.as_bytes());
    z.guest("db", net.as_bytes());
    std::fs::write(web.join("namespace-cleanup-skip"), "/sys").unwrap();
    let defaults = z.vservers().join(".defaults/namespace-cleanup-skip");
    write(&defaults, "/proc\n");
    let step = format!(
        "ip link add link {} name {b} netns {n} address 02:00:03:{:02x}:{:02x}:02 type vlan id 3",
        parent.a,
        id >> 8,
        id & 0xff
    );
    for with_defaults in [true, false] {
        if !with_defaults {
            std::fs::remove_file(&defaults).unwrap();
        }
        let plan = planned(&z);
        let edits = plan
            .iter()
            .filter(|l| l.starts_with("cp ") || l.starts_with("printf "))
            .count();
        // The members' files, then .defaults (which serves every other guest) last: one
        // printf a line.
        assert_eq!(edits, if with_defaults { 9 } else { 8 }, "{plan:?}");
        assert!(
            plan[plan.len() - 3].contains("/web/namespace-cleanup-skip")
                && plan
                    .last()
                    .unwrap()
                    .contains("/.defaults/namespace-cleanup-skip"),
            "the edits are not last: {plan:?}"
        );
        let before = snapshot(&z.vservers());
        let err = assert_failed_at(
            &z,
            &step,
            "Unknown device type (EOPNOTSUPP: Operation not supported)",
        );
        assert_eq!(
            snapshot(&z.vservers()),
            before,
            "with .defaults: {with_defaults}"
        );
        assert!(!err.contains("namespace-cleanup-skip"), "{err}");
        assert!(!z.entry().exists() && !host_has_link(&a) && !host_has_link(&p));
    }
}

/// A read-only bind mount of a file on itself, unmounted on drop.
struct ReadOnly(std::path::PathBuf);

impl ReadOnly {
    fn new(file: &std::path::Path) -> ReadOnly {
        let f = file.to_str().unwrap();
        run_ok(std::process::Command::new("mount").args(["--bind", f, f]));
        let guard = ReadOnly(file.to_path_buf());
        run_ok(std::process::Command::new("mount").args(["-o", "remount,bind,ro", f]));
        guard
    }
}

impl Drop for ReadOnly {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).output();
    }
}

#[test]
fn a_failing_cleanup_skip_edit_undoes_the_namespace_links_and_edits() {
    let mut z = TestZone::new("ze");
    let (a, p) = (unique("za"), unique("zp"));
    let id = unique_id();
    z.write("id", &format!("{id}\n"));
    z.link(&a, &[("type", "veth\n"), ("peer", &format!("{p}\n"))]);
    let n = z.name.clone();
    let net = format!("{n}\n");
    // db (first in name order) gets a copy of .defaults and its lines; web's file is
    // read-only, so its append fails, as root too.
    let db = z.guest("db", net.as_bytes());
    let web = z.guest("web", net.as_bytes());
    let defaults = z.vservers().join(".defaults/namespace-cleanup-skip");
    write(&defaults, "/proc\n");
    let web_skip = web.join("namespace-cleanup-skip");
    std::fs::write(&web_skip, "/sys\n").unwrap();
    let _ro = ReadOnly::new(&web_skip);
    let before = snapshot(&z.vservers());
    let vs = z.vservers();
    let db_skip = db.join("namespace-cleanup-skip");
    let step = format!("printf '%s\\n' /run/netns >> {}", web_skip.display());
    let err = assert_failed_at(&z, &step, "Read-only file system");
    assert_eq!(
        err.lines().skip(1).collect::<Vec<_>>(),
        [
            format!("vspace-netns: hint: undone: rm {}", db_skip.display()),
            format!("vspace-netns: hint: undone: ip -n {n} link del dev {a}"),
            format!("vspace-netns: hint: undone: ip netns delete {n}"),
        ],
        "{}",
        vs.display()
    );
    assert_eq!(snapshot(&z.vservers()), before);
    assert!(!db_skip.exists());
    assert!(!z.entry().exists() && !host_has_link(&a) && !host_has_link(&p));
}
