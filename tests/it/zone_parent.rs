//! `vspace-netns up --parent IFACE` and the trunk-bounce cause in `status`, as root, on real
//! namespaces: the zones with a link on IFACE (and only those) are brought up or repaired; a
//! macvlan zone on a veth parent set down and up; a link stripped the way the kernel strips a
//! trunk's VLANs (set down and up: IPv6 addresses and routes gone, IPv4 kept) is named as such
//! by `status` and repaired by `up --parent`. This kernel has no 802.1Q VLAN: the bounce of a
//! real VLAN trunk is `vm/checks/trunk-bounce.sh` in the VM tier.

use std::process::Command;

use crate::common::zone::*;
use crate::common::*;

/// A macvlan link `name` on `parent` with an IPv4 and an IPv6 address, written into the zone
/// directory `dir`.
fn macvlan(dir: &std::path::Path, name: &str, parent: &str, net: u8) {
    write(&dir.join("id"), &format!("{}\n", unique_id()));
    let l = dir.join("links").join(name);
    write(&l.join("type"), "macvlan\n");
    write(&l.join("link"), &format!("{parent}\n"));
    write(
        &l.join("address"),
        &format!("10.81.{net}.2/24\nfd81:{net}::2/64\n"),
    );
    write(
        &dir.join("routes"),
        &format!("fd82:{net}::/64 via fd81:{net}::1\n10.82.{net}.0/24 via 10.81.{net}.1\n"),
    );
}

/// The addresses on `dev` inside `z`, one `inet[6] CIDR` a line (flags such as `tentative`,
/// which come and go with duplicate address detection, left out).
fn addrs(z: &TestZone, dev: &str) -> String {
    z.ip_in(&["-o", "addr", "show", "dev", dev])
        .lines()
        .filter_map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            let at = w.iter().position(|x| *x == "inet" || *x == "inet6")?;
            Some(format!("{} {}\n", w[at], w.get(at + 1)?))
        })
        .collect()
}

fn routes(z: &TestZone) -> String {
    format!(
        "{}{}",
        z.ip_in(&["-4", "route", "show"]),
        z.ip_in(&["-6", "route", "show"])
    )
}

#[test]
fn up_parent_brings_up_and_repairs_the_zones_on_that_parent_only() {
    let trunk = HostVeth::new();
    let other = HostVeth::new();
    // a: up, on the trunk; d: down, on the trunk; c: down, on another parent; b: up, veth only.
    let a = TestZone::new("pa");
    let d = TestZone::new("pd");
    let c = TestZone::new("pc");
    let mut b = TestZone::new("pb");
    let conf = a.conf();
    let (ma, md, mc) = (unique("pma"), unique("pmd"), unique("pmc"));
    macvlan(&conf.join(&a.name), &ma, &trunk.a, 1);
    macvlan(&conf.join(&d.name), &md, &trunk.a, 2);
    macvlan(&conf.join(&c.name), &mc, &other.a, 3);
    let peer = unique("pbh");
    b.host_links.push(peer.clone());
    write(
        &conf.join(&b.name).join("id"),
        &format!("{}\n", unique_id()),
    );
    write(&conf.join(&b.name).join("links/eth0/type"), "veth\n");
    write(
        &conf.join(&b.name).join("links/eth0/peer"),
        &format!("{peer}\n"),
    );
    write(
        &conf.join(&b.name).join("links/eth0/address"),
        "fd83::2/64\n",
    );
    run_ok(&mut a.cmd(&["up", &a.name]));
    run_ok(&mut a.cmd(&["up", &b.name]));
    let before = (addrs(&a, &ma), routes(&a));
    assert!(before.0.contains("fd81:1::2/64"), "{}", before.0);
    assert!(
        before.1.contains("fd82:1::/64 via fd81:1::1"),
        "{}",
        before.1
    );

    // The trunk set down and up: a macvlan stays up through it (only a VLAN follows its
    // parent's state), so nothing is lost here.
    for s in ["down", "up"] {
        run_ok(Command::new("ip").args(["link", "set", "dev", &trunk.a, s]));
    }
    let after_bounce = addrs(&a, &ma);
    if after_bounce.contains("fd81:1::2/64") {
        eprintln!(
            "note: a macvlan keeps its IPv6 addresses through its parent's bounce on this kernel; the link itself is set down and up below, as the kernel does to a VLAN"
        );
    }

    // What the kernel does to a VLAN when its trunk goes down and up.
    for s in ["down", "up"] {
        a.ip_in(&["link", "set", "dev", &ma, s]);
    }
    let stripped = addrs(&a, &ma);
    assert!(stripped.contains("10.81.1.2/24"), "{stripped}");
    assert!(!stripped.contains("fd81:1::2/64"), "{stripped}");
    assert!(!routes(&a).contains("fd82:1::/64"), "{}", routes(&a));

    // status names the cause.
    let st = run(&mut a.cmd(&["status", &a.name]));
    assert_eq!(st.status.code(), Some(1), "{}", text(&st.stdout));
    let shown = text(&st.stdout);
    assert!(
        shown.contains(&format!("link {ma} lost its IPv6 addresses"))
            && shown.contains(&format!("up --parent {}", trunk.a)),
        "{shown}"
    );

    // up --parent: the trunk's zones, in name order; b and c untouched.
    let out = run_ok(&mut a.cmd(&["up", "--parent", &trunk.a]));
    let said = text(&out.stdout);
    assert!(
        said.contains(&format!(
            "ip -n {} addr add fd81:1::2/64 dev {ma}\n",
            a.name
        )),
        "{said}"
    );
    assert!(
        said.contains(&format!("ip netns add {}\n", d.name)),
        "{said}"
    );
    assert!(!said.contains(&b.name) && !said.contains(&c.name), "{said}");
    assert_eq!((addrs(&a, &ma), routes(&a)), before);
    assert!(
        d.entry().exists(),
        "zone {} on the trunk not brought up",
        d.name
    );
    assert!(
        !c.entry().exists(),
        "zone {} on another parent brought up",
        c.name
    );
    let st = run(&mut a.cmd(&["status", &a.name, &d.name, &b.name]));
    assert_eq!(st.status.code(), Some(0), "{}", text(&st.stdout));

    // Again: nothing to do.
    let out = run_ok(&mut a.cmd(&["up", "--parent", &trunk.a]));
    assert!(!text(&out.stdout).contains("ip "), "{}", text(&out.stdout));

    // An interface no zone sits on: nothing, status 0.
    let out = run_ok(&mut a.cmd(&["up", "--parent", "lo"]));
    assert_eq!(text(&out.stdout), "");
    assert!(no_err(&out), "{}", err_text(&out));

    for z in [&a, &b, &d] {
        run_ok(&mut a.cmd(&["down", &z.name]));
    }
}

#[test]
fn up_parent_refuses_what_no_interface_is_called_and_a_zone_with_it() {
    let z = TestZone::new("pr");
    for bad in ["a/b", "", "x234567890123456", "a b"] {
        let out = run(&mut z.cmd(&["up", "--parent", bad]));
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {}", err_text(&out));
        assert!(
            err_text(&out).contains("is not an interface name"),
            "{}",
            err_text(&out)
        );
    }
    for args in [
        &["up", "--parent", "eth0", "zone"][..],
        &["up", "--parent", "eth0", "--all"][..],
    ] {
        let out = run(&mut z.cmd(args));
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}
