//! Zone networking as root on real namespaces: routes and sysctls seen inside, the `--dry-run`
//! script replayed by `sh` leaving the same state as `up` (compared by rtnetlink dumps), a
//! zone link named like a host link, MACs unique per host, hostile files (FIFO, large file,
//! symlink, odd names) refused without hanging or cutting, `down` leaving unmarked things
//! alone, and `NETNS_RUN_DIR` honoured.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::zone::*;
use crate::common::*;
use vspace_netns::sys::rtnl::{self, Rtnl};
use vspace_netns::zone::config::Route;
use vspace_netns::zone::plan::LinkState;
use vspace_netns::zone::rtmsg;

/// What a zone holds, as rtnetlink dumps it (ifindexes left out: they differ between runs).
#[derive(Debug, PartialEq, Eq)]
struct State {
    links: BTreeMap<String, LinkState>,
    routes: Vec<String>,
    host_ends: BTreeMap<String, LinkState>,
    sysctls: Vec<String>,
}

/// Without what differs between runs: the ifindex, and the IPv6 link-local addresses the
/// kernel adds itself (when depends on timing).
fn without_index(mut l: LinkState) -> LinkState {
    l.index = 0;
    l.addresses
        .retain(|a| !matches!(a.addr, std::net::IpAddr::V6(v) if v.segments()[0] == 0xfe80));
    l.addresses.sort();
    l
}

fn dump(sock: &mut Rtnl) -> BTreeMap<String, LinkState> {
    let mut links = rtmsg::links(&sock.dump(rtmsg::dump_links()).unwrap());
    rtmsg::add_addresses(&mut links, &sock.dump(rtmsg::dump_addresses()).unwrap());
    links
}

fn state(entry: &Path, host_ends: &[&str], sysctls: &[&str]) -> State {
    let mut inside = Rtnl::open_in(Some(entry)).unwrap();
    let links = dump(&mut inside);
    let mut routes: Vec<String> = [false, true]
        .iter()
        .flat_map(|v6| rtmsg::routes(&inside.dump(rtmsg::dump_routes(*v6)).unwrap(), &links))
        .map(|r: Route| r.to_string())
        .collect();
    routes.sort();
    let host = dump(&mut Rtnl::open().unwrap());
    let keys: Vec<String> = sysctls.iter().map(|s| s.to_string()).collect();
    let sysctls = rtnl::in_netns(Some(entry), move || {
        Ok(keys
            .iter()
            .map(|k| {
                let p = Path::new("/proc/sys").join(k.replace('.', "/"));
                format!("{k}={}", std::fs::read_to_string(p).unwrap().trim())
            })
            .collect())
    })
    .unwrap();
    State {
        links: links
            .into_iter()
            .map(|(n, l)| (n, without_index(l)))
            .collect(),
        routes,
        host_ends: host
            .into_iter()
            .filter(|(n, _)| host_ends.contains(&n.as_str()))
            .map(|(n, l)| (n, without_index(l)))
            .collect(),
        sysctls,
    }
}

const SYSCTLS: &str = "# forwarding, as a router zone\n\
net.ipv4.ip_forward = 1\n\
net.ipv6.conf.all.forwarding=1\n\
net.ipv4.ping_group_range = 0 2147483647\n\
net.ipv6.conf.eth0.accept_ra = 0\n";
const SYSCTL_KEYS: &[&str] = &[
    "net.ipv4.ip_forward",
    "net.ipv6.conf.all.forwarding",
    "net.ipv4.ping_group_range",
    "net.ipv6.conf.eth0.accept_ra",
];

/// A zone with a veth `eth0` (v4, v6, MTU 1400) and a macvlan on `parent`, routes (default
/// v4 and v6, a link-local gateway with dev, another table) and sysctls.
fn router_zone(prefix: &str, parent: &HostVeth) -> (TestZone, String, String) {
    let mut z = TestZone::new(prefix);
    let (p, m) = (unique("zp"), unique("zm"));
    z.write("id", &format!("{}\n", unique_id()));
    z.link(
        "eth0",
        &[
            ("type", "veth\n"),
            ("peer", &format!("{p}\n")),
            ("mtu", "1400\n"),
            ("address", "192.0.2.10/24\n2001:db8:5::10/64\n"),
        ],
    );
    z.host_links.retain(|l| l != "eth0");
    z.link(
        &m,
        &[
            ("type", "macvlan\n"),
            ("link", &format!("{}\n", parent.a)),
            ("address", "198.51.100.10/24\n"),
        ],
    );
    z.write(
        "routes",
        "default via 192.0.2.1\n\
         203.0.113.0/24 via 198.51.100.254 metric 7\n\
         default via 2001:db8:5::1\n\
         2001:db8:9::/48 via fe80::1 dev eth0\n\
         10.9.0.0/16 via 192.0.2.2 table 100\n",
    );
    z.write("sysctl", SYSCTLS);
    (z, p, m)
}

#[test]
fn routes_and_sysctls_are_made_inside_idempotent_and_undone() {
    let parent = HostVeth::new();
    let (mut z, p, m) = router_zone("zn", &parent);
    let n = &z.name.clone();
    let out = run_ok(&mut z.cmd(&["up", n]));
    let lines = text(&out.stdout);
    for want in [
        format!("ip -n {n} -4 route add default via 192.0.2.1"),
        format!("ip -n {n} -6 route add 2001:db8:9::/48 via fe80::1 dev eth0"),
        format!("ip -n {n} -4 route add 10.9.0.0/16 via 192.0.2.2 table 100"),
        format!("ip netns exec {n} sysctl -q -w 'net.ipv4.ping_group_range=0 2147483647'"),
    ] {
        assert!(lines.lines().any(|l| l == want), "no '{want}' in\n{lines}");
    }
    let routes = z.ip_in(&["-4", "route", "show", "table", "all"]);
    for want in [
        "default via 192.0.2.1 dev eth0",
        "203.0.113.0/24 via 198.51.100.254 dev ",
        "10.9.0.0/16 via 192.0.2.2 dev eth0 table 100",
    ] {
        assert!(routes.contains(want), "no '{want}' in\n{routes}");
    }
    let routes6 = z.ip_in(&["-6", "route", "show"]);
    assert!(
        routes6.contains("default via 2001:db8:5::1 dev eth0"),
        "{routes6}"
    );
    assert!(
        routes6.contains("2001:db8:9::/48 via fe80::1 dev eth0"),
        "{routes6}"
    );
    let s = state(&z.entry(), &[&p], SYSCTL_KEYS);
    assert_eq!(
        s.sysctls,
        [
            "net.ipv4.ip_forward=1",
            "net.ipv6.conf.all.forwarding=1",
            "net.ipv4.ping_group_range=0\t2147483647",
            "net.ipv6.conf.eth0.accept_ra=0"
        ]
    );
    assert_eq!(s.links["eth0"].mtu, Some(1400));
    assert_eq!(s.host_ends[&p].mtu, Some(1400));
    // The host's own sysctls are untouched (a new namespace starts from defaults; the host's
    // value is whatever it was, but the zone's writes never reach it).
    let nothing = format!("# nothing to do: zone {n} is up as configured\n");
    assert_eq!(text(&run_ok(&mut z.cmd(&["up", n])).stdout), nothing);

    // Drift is repaired; a failing later step undoes the repair of routes and sysctls.
    run_ok(Command::new("ip").args(["-n", n, "route", "del", "default", "via", "192.0.2.1"]));
    run_ok(Command::new("ip").args([
        "netns",
        "exec",
        n,
        "sysctl",
        "-q",
        "-w",
        "net.ipv4.ip_forward=0",
    ]));
    // A guest whose namespace-cleanup-skip is read-only: its edit (the last step) fails.
    let g = z.guest("web", format!("{n}\n").as_bytes());
    let skip = g.join("namespace-cleanup-skip");
    std::fs::write(&skip, "/sys\n").unwrap();
    let ro = ReadOnly::new(&skip);
    let out = run_status(&mut z.cmd(&["up", n]), 1);
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!(
            "undone: ip netns exec {n} sysctl -q -w net.ipv4.ip_forward=0\n"
        )) && err.contains(&format!(
            "undone: ip -n {n} -4 route del default via 192.0.2.1\n"
        )),
        "{err}"
    );
    assert!(!z.ip_in(&["-4", "route"]).contains("default"));
    drop(ro);
    std::fs::remove_file(&skip).unwrap();
    let _ = &mut z;
    run_ok(&mut z.cmd(&["up", n]));
    assert_eq!(text(&run_ok(&mut z.cmd(&["up", n])).stdout), nothing);
    run_ok(&mut z.cmd(&["down", n]));
    assert!(!z.entry().exists() && !host_has_link(&p) && !host_has_link(&m));
}

#[test]
fn the_dry_run_script_run_by_sh_gives_what_up_gives() {
    let parent = HostVeth::new();
    // A name starting with '~': the script must not let sh expand it.
    let (z, p, _) = router_zone("~zs", &parent);
    let n = &z.name;
    z.guest("web", format!("{n}\n").as_bytes());
    let skip = z.vservers().join("web/namespace-cleanup-skip");
    std::fs::write(&skip, "/sys").unwrap(); // no final newline: the first printf adds one
    let script = text(&run_ok(&mut z.cmd(&["up", n, "--dry-run"])).stdout);
    assert!(!z.entry().exists());
    assert!(
        script
            .lines()
            .all(|l| l.starts_with("ip ") || l.starts_with("printf ")),
        "{script}"
    );
    assert!(
        script.contains(&format!("ip netns add '{n}'\n")),
        "{script}"
    );
    run_ok(Command::new("sh").args(["-e", "-c", &script]));
    let by_script = state(&z.entry(), &[&p], SYSCTL_KEYS);
    let file_by_script = std::fs::read_to_string(&skip).unwrap();
    assert_eq!(
        file_by_script,
        format!("/sys\n/run/netns\n/run/netns/{n}\n/run/netns/*\n")
    );
    // What the script made carries the marks: down takes it.
    run_ok(&mut z.cmd(&["down", n]));
    assert!(!z.entry().exists());
    std::fs::write(&skip, "/sys").unwrap();

    run_ok(&mut z.cmd(&["up", n]));
    let by_up = state(&z.entry(), &[&p], SYSCTL_KEYS);
    assert_eq!(by_script, by_up);
    assert_eq!(std::fs::read_to_string(&skip).unwrap(), file_by_script);
    assert_eq!(
        by_up.links["eth0"].alias.as_deref(),
        Some(&*format!("vspace-netns:{n}"))
    );
    assert!(by_up.routes.len() >= 5, "{:?}", by_up.routes);
    run_ok(&mut z.cmd(&["down", n]));
}

/// Runs `script` in a network namespace of its own (`unshare --net`), as its "host".
fn in_own_net(z: &TestZone, script: &str) -> std::process::Output {
    let mut c = z.cmd(&[]);
    let bin = c.get_program().to_owned();
    let mut cmd = Command::new("unshare");
    cmd.args(["--net", "sh", "-e", "-c", script, "sh"]).arg(bin);
    copy_env(&c, &mut cmd);
    let _ = c.args(["x"]);
    run_bounded(&mut cmd)
}

#[test]
fn a_zone_link_may_have_the_name_of_a_host_link() {
    let mut z = TestZone::new("zh");
    z.write("id", &format!("{}\n", unique_id()));
    z.link(
        "eth0",
        &[
            ("type", "veth\n"),
            ("peer", "ve-zone\n"),
            ("address", "192.0.2.7/24\n"),
        ],
    );
    z.host_links.clear();
    let n = &z.name;
    // The "host" is a namespace of the test's own, with its own eth0 (a veth pair).
    let out = in_own_net(
        &z,
        &format!(
            "ip link add eth0 type veth peer name eth0p
             ip link set dev eth0 address 02:aa:00:00:00:01
             \"$1\" up {n}
             echo host:; ip -o link show dev eth0
             echo zone:; ip -n {n} -o link show dev eth0; ip -n {n} -o addr show dev eth0
             \"$1\" down {n}
             ip -o link show dev eth0"
        ),
    );
    let t = text(&out.stdout);
    assert!(out.status.success(), "{t}\n{}", text(&out.stderr));
    let (host, zone) = t.split_once("zone:").unwrap();
    assert!(
        host.contains("eth0@eth0p") && host.contains("02:aa:00:00:00:01"),
        "{t}"
    );
    assert!(
        zone.contains(" eth0@if") && zone.contains("192.0.2.7/24"),
        "{t}"
    );
    assert!(
        t.trim_end().lines().last().unwrap().contains("eth0@eth0p"),
        "{t}"
    );
    assert!(!z.entry().exists());
}

#[test]
fn macs_are_unique_per_host() {
    let mut a = TestZone::new("zu");
    let id = unique_id();
    let (va, pa) = (unique("zv"), unique("zp"));
    a.write("id", &format!("{id}\n"));
    a.link(&va, &[("type", "veth\n"), ("peer", &format!("{pa}\n"))]);
    // A second zone in the same configuration root with the same id: the same MACs.
    let b_name = unique("zu");
    let (vb, pb) = (unique("zv"), unique("zp"));
    for (f, c) in [
        ("id", format!("{id}\n")),
        (&*format!("links/{vb}/type"), "veth\n".into()),
        (&*format!("links/{vb}/peer"), format!("{pb}\n")),
    ] {
        write(&a.conf().join(&b_name).join(f), &c);
    }
    let _b_guard = Netns {
        name: b_name.clone(),
    };
    let out = run_status(&mut a.cmd(&["up", &b_name]), 1);
    assert_eq!(
        err_text(&out),
        format!(
            "vspace-netns: up {b_name}: MAC {} of link {vb} is already used by link {va} of zone {}; zone ids must be unique (per VLAN across hosts: the MAC has no host part): give this zone another 'id', or the link an explicit 'mac'\n",
            mac_of(id, 0),
            a.name
        )
    );
    assert!(!Path::new("/run/netns").join(&b_name).exists());
    std::fs::remove_dir_all(a.conf().join(&b_name)).unwrap();

    // A host link with the MAC a link would get.
    let host = HostVeth::new();
    run_ok(Command::new("ip").args(["link", "set", "dev", &host.b, "address", &mac_of(id, 1)]));
    let out = run_status(&mut a.cmd(&["up", &a.name]), 1);
    assert!(
        text(&out.stderr).contains(&format!(
            "MAC {} of link {pa} is already used by the host's link {}",
            mac_of(id, 1),
            host.b
        )),
        "{}",
        text(&out.stderr)
    );
    assert!(!a.entry().exists());
}

#[test]
fn hostile_files_are_refused_without_hanging_or_cutting() {
    let mut z = TestZone::new("zf");
    z.write("id", &format!("{}\n", unique_id()));
    z.link(
        "v0",
        &[("type", "veth\n"), ("peer", &format!("{}\n", unique("zp")))],
    );
    let n = z.name.clone();
    let up = |z: &TestZone| run_bounded(&mut z.cmd(&["up", &n, "--dry-run"]));
    let refused = |z: &TestZone, want: &str| {
        let out = up(z);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
        assert!(
            text(&out.stderr).contains(want),
            "want '{want}':\n{}",
            text(&out.stderr)
        );
    };
    let mkfifo = |p: &Path| {
        let _ = std::fs::remove_file(p);
        nix::unistd::mkfifo(p, nix::sys::stat::Mode::from_bits_truncate(0o644)).unwrap();
    };
    // A FIFO as a configuration file, and as a guest's files.
    let addr = z.dir().join("links/v0/address");
    mkfifo(&addr);
    refused(
        &z,
        "links/v0/address: is a FIFO; only regular files are read",
    );
    std::fs::remove_file(&addr).unwrap();
    let g = z.guest("web", format!("{n}\n").as_bytes());
    mkfifo(&g.join("namespace-cleanup-skip"));
    refused(&z, "namespace-cleanup-skip: is a FIFO");
    std::fs::remove_file(g.join("namespace-cleanup-skip")).unwrap();
    let other = z.guest("other", b"");
    mkfifo(&other.join("spaces/net"));
    // Another guest's broken spaces/net is that guest's problem: the zone goes ahead.
    let out = up(&z);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // The hook and doctor read the same files the same way: an answer, never a hang.
    let out = run_bounded(&mut z.cmd(&["hook", "initialize", "other"]));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("is a FIFO"),
        "{}",
        text(&out.stderr)
    );
    let out = run_bounded(&mut z.cmd(&["doctor", "other"]));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(
        text(&out.stdout).contains("is a FIFO"),
        "{}",
        text(&out.stdout)
    );
    std::fs::remove_file(other.join("spaces/net")).unwrap();
    // A large file is refused, not cut.
    let big = format!("192.0.2.1/24\n{}", "#".repeat(70 * 1024));
    std::fs::write(&addr, big).unwrap();
    refused(
        &z,
        "is larger than 65536 bytes, the limit for these files; it is refused, not cut",
    );
    std::fs::remove_file(&addr).unwrap();
    // A symlinked setting.
    std::os::unix::fs::symlink("/etc/hostname", &addr).unwrap();
    refused(&z, "links/v0/address: is a symbolic link");
    std::fs::remove_file(&addr).unwrap();
    // Odd interface names.
    for bad in ["bk%d", "x@y", "a:b", "abcdefghijklmnop"] {
        let d = z.dir().join("links").join(bad);
        write(&d.join("type"), "veth\n");
        write(&d.join("peer"), "pp\n");
        refused(&z, &format!("links/{bad}: bad interface name '{bad}'"));
        std::fs::remove_dir_all(&d).unwrap();
    }
    // A guest whose name no printed line can carry.
    let nl = z.guest("we\nb", format!("{n}\n").as_bytes());
    refused(&z, "holds a control character or is not UTF-8");
    std::fs::remove_dir_all(&nl).unwrap();
    // A symlinked namespace-cleanup-skip is not appended through: up fails and undoes.
    let target = z.root.path().join("target");
    std::fs::write(&target, "keep\n").unwrap();
    std::os::unix::fs::symlink(&target, g.join("namespace-cleanup-skip")).unwrap();
    let out = run_bounded(&mut z.cmd(&["up", &n]));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("symbolic link"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep\n");
    assert!(!z.entry().exists());
}

#[test]
fn down_leaves_what_up_did_not_make() {
    let mut z = TestZone::new("zk");
    let (v, p) = (unique("zv"), unique("zp"));
    z.write("id", &format!("{}\n", unique_id()));
    z.link(&v, &[("type", "veth\n"), ("peer", &format!("{p}\n"))]);
    let n = z.name.clone();
    // A namespace made by hand, and a host veth named like the zone's link.
    run_ok(Command::new("ip").args(["netns", "add", &n]));
    run_ok(Command::new("ip").args([
        "link",
        "add",
        &v,
        "type",
        "veth",
        "peer",
        "name",
        &unique("zo"),
    ]));
    run_ok(&mut z.cmd(&["up", &n]));
    let out = run_status(&mut z.cmd(&["down", &n]), 1);
    assert_eq!(
        err_text(&out),
        format!(
            "vspace-netns: down {n}: refused: the namespace /run/netns/{n} (its lo: no alias) carries no mark of this zone (alias vspace-netns:{n}): 'up' did not make it\n\
             vspace-netns: hint: delete it by hand, or use --force to delete it all the same\n"
        )
    );
    assert!(z.entry().exists() && host_has_link(&v) && host_has_link(&p));
    // A link inside that up did not make.
    run_ok(Command::new("ip").args(["-n", &n, "link", "set", "dev", &v, "alias", "mine"]));
    let out = run_status(&mut z.cmd(&["down", &n, "--dry-run"]), 1);
    assert!(
        text(&out.stderr).contains(&format!(
            "refused: link {v} in {n} (alias 'mine'), the namespace"
        )),
        "{}",
        text(&out.stderr)
    );
    let out = run_ok(&mut z.cmd(&["down", &n, "--force"]));
    assert_eq!(
        text(&out.stdout),
        format!("ip -n {n} link del dev {v}\nip netns delete {n}\n")
    );
    assert!(
        !z.entry().exists() && host_has_link(&v),
        "the host's own link went"
    );
}

#[test]
fn netns_run_dir_is_honoured() {
    let mut z = TestZone::new("zr");
    let p = unique("zp");
    z.write("id", &format!("{}\n", unique_id()));
    z.link("e0", &[("type", "veth\n"), ("peer", &format!("{p}\n"))]);
    z.host_links.retain(|l| l != "e0");
    let dir = z.root.path().join("run");
    let n = &z.name;
    // In a mount namespace of its own: the run dir's mounts go with it.
    let mut c = z.cmd(&[]);
    let bin = c.get_program().to_owned();
    let mut cmd = Command::new("unshare");
    cmd.args(["--mount", "--propagation", "private", "sh", "-e", "-c"])
        .arg(format!(
            "\"$1\" up {n} --dry-run; \"$1\" up {n}; test -e \"$NETNS_RUN_DIR/{n}\"; \
             nsenter --net=\"$NETNS_RUN_DIR/{n}\" ip -o link show dev e0; \"$1\" down {n}; \
             test ! -e \"$NETNS_RUN_DIR/{n}\"; ! test -e /run/netns/{n}"
        ))
        .arg("sh")
        .arg(&bin);
    copy_env(&c, &mut cmd);
    cmd.env("NETNS_RUN_DIR", &dir);
    let _ = c.arg("x");
    let out = run_bounded(&mut cmd);
    let t = text(&out.stdout);
    assert!(out.status.success(), "{t}\n{}", text(&out.stderr));
    let d = dir.display();
    assert!(
        t.starts_with(&format!(
            "NETNS_RUN_DIR={d} ip netns add {n}\nnsenter --net={d}/{n} ip link set dev lo up\n"
        )),
        "{t}"
    );
    let tmp = vspace_netns::zone::plan::temp_name(n, "e0");
    assert!(
        t.contains(&format!(" name {tmp} netns {d}/{n} address "))
            && t.contains(&format!(
                "nsenter --net={d}/{n} ip link set dev {tmp} name e0\n"
            )),
        "{t}"
    );
    assert!(t.contains(" e0@if"), "{t}");
    assert!(!host_has_link(&p));
    let _: PathBuf = dir;
}
