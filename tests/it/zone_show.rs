//! `vspace-netns show ZONE [--json]` through the binary, in temp roots: the configuration as
//! `up` would make it (derived and explicit MACs, a veth's host end, routes, sysctls), the
//! guests that name the zone (one whose `spaces/net` lacks its newline flagged), and the
//! failures: no such zone, an invalid configuration, a bad name (status 1, up's message).

use std::path::Path;
use std::process::Command;

use crate::common::*;

fn write(p: &Path, text: &str) {
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn show_cmd(t: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(bin());
    c.arg("show")
        .args(args)
        .env("VSPACE_NETNS_CONFDIR", t.join("zones"))
        .env("VSPACE_NETNS_VSERVERS", t.join("vservers"));
    c
}

#[test]
fn show_prints_the_zone_as_up_would_make_it() {
    require_root();
    let t = tempfile::tempdir().unwrap();
    let z = t.path().join("zones/gw");
    write(&z.join("id"), "4\n");
    write(&z.join("links/eth0/type"), "veth\n");
    write(&z.join("links/eth0/peer"), "ve-gw\n");
    write(&z.join("links/eth0/mtu"), "1400\n");
    write(&z.join("links/eth0/address"), "192.0.2.10/24\n");
    write(&z.join("links/up0/type"), "macvlan\n");
    write(&z.join("links/up0/link"), "trunk0\n");
    write(&z.join("links/up0/mac"), "02:aa:bb:cc:dd:ee\n");
    write(&z.join("routes"), "default via 192.0.2.1\n");
    write(&z.join("sysctl"), "net.ipv4.ip_forward = 1\n");
    let v = t.path().join("vservers");
    write(&v.join("web/spaces/net"), "gw\n");
    write(&v.join("mail/spaces/net"), "gw");
    write(&v.join("db/spaces/net"), "other\n");
    let out = run_ok(&mut show_cmd(t.path(), &["gw"]));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!(
            "zone gw ({})\n    id 4\n    link eth0: veth, host end ve-gw 02:00:00:00:04:01, mac 02:00:00:00:04:00 (derived), mtu 1400, 192.0.2.10/24\n    link up0: macvlan on trunk0 mode bridge, mac 02:aa:bb:cc:dd:ee (explicit)\n    route default via 192.0.2.1\n    sysctl net.ipv4.ip_forward = 1\n    guest mail (spaces/net lacks its newline: util-vserver ignores it; see doctor)\n    guest web\n",
            z.display()
        )
    );
    let out = run_ok(&mut show_cmd(t.path(), &["gw", "--json"]));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["links"][0]["peer"], "ve-gw");
    assert_eq!(j["links"][0]["mtu"], 1400);
    assert_eq!(j["links"][1]["mac_source"], "explicit");
    assert_eq!(j["sysctls"][0][0], "net.ipv4.ip_forward");
    assert_eq!(j["guests"][0]["name"], "mail");
    assert_eq!(j["guests"][0]["complete_line"], false);
}

#[test]
fn show_fails_with_up_s_message() {
    require_root();
    let t = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(t.path().join("zones")).unwrap();
    let out = run_status(&mut show_cmd(t.path(), &["nozone"]), 1);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no such zone directory"), "{err}");
    write(&t.path().join("zones/bad/links/x0/type"), "bogus\n");
    let out = run_status(&mut show_cmd(t.path(), &["bad"]), 1);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("links/x0/type"), "{err}");
    let out = run_status(&mut show_cmd(t.path(), &["a/b"]), 1);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("bad zone name"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Usage: no zone.
    run_status(&mut show_cmd(t.path(), &[]), 2);
}
