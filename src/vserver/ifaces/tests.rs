//! Unit tests of the interfaces' parsing, planning and VLAN names (pure).

use std::ffi::OsString;
use std::net::IpAddr;

use super::*;
use crate::zone::config::{Cidr, Zone};
use crate::zone::plan::{LinkState, Step};

fn files(pairs: &[(&str, &str)]) -> Files {
    let mut f = Files::default();
    for (k, v) in pairs {
        if FLAGS.contains(k) {
            f.flags.insert(k.to_string());
            if *k == "nodev" {
                f.nodev = Some(v.as_bytes().to_vec());
            }
        } else {
            f.values.insert(k.to_string(), v.as_bytes().to_vec());
        }
    }
    f
}

fn raw(own: &[(&str, &str)], parent: &[(&str, &str)]) -> Raw {
    Raw {
        dir: "/v/web/interfaces/0".into(),
        own: files(own),
        parent: files(parent),
        defaults_vlandev: false,
    }
}

fn words(own: &[(&str, &str)], parent: &[(&str, &str)]) -> Result<String, String> {
    match parse(&raw(own, parent)).state {
        State::Apply(i) => Ok(format!(
            "{}{}{}",
            i.addr.words(true).join(" "),
            if i.up { " +up" } else { "" },
            i.vlan
                .map(|(p, v)| format!(" vlan {p} {v}"))
                .unwrap_or_default()
        )),
        other => Err(format!("{other:?}")),
    }
}

#[test]
fn masks_count_as_mask2prefix_does() {
    for (m, want) in [
        ("255.255.255.0", Ok(Some(24))),
        ("255.255.254.0", Ok(Some(23))),
        ("255.255.255.255", Ok(Some(32))),
        ("255.0.255.0", Ok(Some(8))),
        ("0.0.0.0", Ok(None)),
        ("", Ok(None)),
        ("255.255.256.0", Err(BadMask)),
        ("255.x", Err(BadMask)),
    ] {
        assert_eq!(mask2prefix(m.as_bytes()), want, "{m}");
    }
}

#[test]
fn files_read_as_process_single_interface_does() {
    let ok = |o: &[(&str, &str)], p: &[(&str, &str)]| words(o, p).unwrap();
    assert_eq!(
        ok(
            &[("ip", "192.0.2.10\n"), ("prefix", "24\n"), ("dev", "e0\n")],
            &[]
        ),
        "192.0.2.10/24 broadcast + dev e0 +up"
    );
    // dev, mask, bcast from interfaces/ itself; name is a label; down keeps it down.
    assert_eq!(
        ok(
            &[("ip", " 192.0.2.11 \n"), ("name", "web\n"), ("down", "")],
            &[
                ("dev", "e0\n"),
                ("mask", "255.255.255.0\n"),
                ("bcast", "192.0.2.255\n")
            ]
        ),
        "192.0.2.11/24 broadcast 192.0.2.255 label e0:web dev e0"
    );
    // The own file wins; one without a newline is replaced by the next.
    assert_eq!(
        ok(
            &[("ip", "fd00::5\n"), ("dev", "e1\n"), ("prefix", "64")],
            &[("prefix", "48\n")]
        ),
        "fd00::5/48 dev e1 +up"
    );
    // No prefix nor mask: the address alone (a /32); a peer sets the prefix.
    assert_eq!(
        ok(
            &[
                ("ip", "10.0.0.1\n"),
                ("dev", "e0\n"),
                ("peer", "10.0.0.2\n")
            ],
            &[]
        ),
        "10.0.0.1 broadcast + dev e0 peer 10.0.0.2 +up"
    );
    assert_eq!(
        ok(
            &[("ip", "10.0.0.1\n"), ("dev", "e0.7\n"), ("vlandev", "")],
            &[]
        ),
        "10.0.0.1 broadcast + dev e0.7 +up vlan e0 7"
    );
    // The parent's vlandev, unless novlandev.
    assert!(
        ok(
            &[("ip", "10.0.0.1\n"), ("dev", "e0.7\n")],
            &[("vlandev", "")]
        )
        .ends_with("vlan e0 7")
    );
    assert!(
        !ok(
            &[("ip", "1.2.3.4\n"), ("dev", "e0.7\n"), ("novlandev", "")],
            &[("vlandev", "")]
        )
        .contains("vlan")
    );
    // scope is read and not applied, as util-vserver does.
    assert_eq!(
        ok(
            &[("ip", "10.0.0.1\n"), ("dev", "e0\n"), ("scope", "link\n")],
            &[]
        ),
        "10.0.0.1 broadcast + dev e0 +up"
    );
}

#[test]
fn what_is_not_applied_and_what_is_refused() {
    let state = |o: &[(&str, &str)]| parse(&raw(o, &[])).state;
    assert_eq!(
        state(&[("ip", "1.2.3.4\n"), ("disabled", "")]),
        State::Disabled
    );
    assert!(matches!(
        state(&[("ip", "1.2.3.4\n"), ("nodev", "")]),
        State::ContextOnly(_)
    ));
    assert!(matches!(
        state(&[("ip", "1.2.3.4\n"), ("only_ip", ""), ("dev", "e0\n")]),
        State::ContextOnly(_)
    ));
    // Our own nodev: still applied, remembered as ours.
    let ours = format!("{NODEV_TEXT}\n");
    match state(&[("ip", "1.2.3.4\n"), ("dev", "e0\n"), ("nodev", &ours)]) {
        State::Apply(i) => assert!(i.nodev_ours),
        s => panic!("{s:?}"),
    }
    for (own, word) in [
        (&[("dev", "e0\n")][..], "Can not read ip"),
        (&[("ip", "1.2.3.4\n")][..], "No device specified"),
        (
            &[("ip", "1.2.3.4\n"), ("dev", "e0\n"), ("tun", "")][..],
            "tun devices",
        ),
        (
            &[("ip", "1.2.3.4\n"), ("dev", "e0\n"), ("mask", "255.x\n")][..],
            "no netmask",
        ),
        (
            &[("ip", "1.2.3.4\n"), ("dev", "e0\n"), ("prefix", "x\n")][..],
            "no number",
        ),
        (
            &[("ip", "1.2.3.4/8\n"), ("dev", "e0\n"), ("prefix", "8\n")][..],
            "no address",
        ),
        (
            &[("ip", "1.2.3.4\n"), ("dev", "vlan7\n"), ("vlandev", "")][..],
            "VLAN_PLUS_VID",
        ),
    ] {
        match state(own) {
            State::Broken(m, _) => assert!(m.contains(word), "{own:?}: {m}"),
            s => panic!("{own:?}: {s:?}"),
        }
    }
}

#[test]
fn start_and_stop_plan_only_the_guests_own() {
    use crate::zone::config::{Kind, Link};
    use crate::zone::mac::Mac;
    let zone = Zone {
        netns: "z".into(),
        links: vec![Link {
            name: "e0".into(),
            kind: Kind::new(crate::zone::config::kind::Macvlan {
                parent: "p".into(),
                mode: "bridge".into(),
            }),
            mac: Some(Mac([2, 0, 0, 0, 0, 1])),
            mtu: None,
            addresses: vec!["192.0.2.1/24".parse().unwrap()],
        }],
        ..Zone::default()
    };
    let entry = |n: &str, own: &[(&str, &str)]| {
        let mut r = raw(own, &[]);
        r.dir = format!("/v/web/interfaces/{n}").into();
        parse(&r)
    };
    let web = vec![
        entry(
            "0",
            &[
                (
                    "ip",
                    "192.0.2.10
",
                ),
                (
                    "prefix", "24
",
                ),
                (
                    "dev", "e0
",
                ),
            ],
        ),
        entry(
            "1",
            &[
                (
                    "ip",
                    "10.7.0.1
",
                ),
                (
                    "dev", "e0.7
",
                ),
                ("vlandev", ""),
            ],
        ),
        // The zone's own address, configured for the guest too: never deleted at its stop.
        entry(
            "2",
            &[
                (
                    "ip",
                    "192.0.2.1
",
                ),
                (
                    "prefix", "24
",
                ),
                (
                    "dev", "e0
",
                ),
            ],
        ),
    ];
    let mut inside = BTreeMap::new();
    inside.insert(
        "e0".to_string(),
        LinkState {
            up: true,
            addresses: vec!["192.0.2.1/24".parse().unwrap()],
            ..LinkState::default()
        },
    );
    let lines = |steps: Vec<Step>| -> Vec<String> { steps.iter().map(|s| s.to_string()).collect() };
    // A guest's VLAN device's mark must fit an interface alias: 254 bytes.
    let long = "g".repeat(254 - "vspace-netns:z:guest:".len());
    assert!(plan_start(&zone, &long, &web, &inside, &[]).is_ok());
    let (m, fix) = plan_start(&zone, &format!("{long}g"), &web, &inside, &[]).unwrap_err();
    assert!(
        m.contains("is 255 bytes: an interface alias is at most 254"),
        "{m}"
    );
    assert!(
        fix.starts_with("shorten the zone's or the guest's name"),
        "{fix}"
    );
    let start = plan_start(&zone, "web", &web, &inside, &[]).unwrap();
    let t = vlan_temp_name("z", "web", "e0.7");
    assert_eq!(
        lines(start),
        [
            "ip -n z addr add 192.0.2.10/24 broadcast + dev e0",
            &*format!("ip -n z link add link e0 name {t} type vlan id 7"),
            &*format!("ip -n z link set dev {t} alias vspace-netns:z:guest:web"),
            &*format!("ip -n z link set dev {t} name e0.7"),
            "ip -n z addr add 10.7.0.1 broadcast + dev e0.7",
            "ip -n z link set dev e0.7 up",
            "printf '%s\\n' 'vspace-netns: this address is applied inside the guest'\\''s zone, not on the host' > /v/web/interfaces/0/nodev",
            "printf '%s\\n' 'vspace-netns: this address is applied inside the guest'\\''s zone, not on the host' > /v/web/interfaces/1/nodev",
            "printf '%s\\n' 'vspace-netns: this address is applied inside the guest'\\''s zone, not on the host' > /v/web/interfaces/2/nodev",
        ]
    );
    // Running: addresses there, the VLAN device marked, nodev ours.
    let ours = format!("{NODEV_TEXT}\n");
    let web: Vec<Entry> = [
        (
            "0",
            vec![("ip", "192.0.2.10\n"), ("prefix", "24\n"), ("dev", "e0\n")],
        ),
        (
            "1",
            vec![("ip", "10.7.0.1\n"), ("dev", "e0.7\n"), ("vlandev", "")],
        ),
        (
            "2",
            vec![("ip", "192.0.2.1\n"), ("prefix", "24\n"), ("dev", "e0\n")],
        ),
    ]
    .into_iter()
    .map(|(n, mut f)| {
        f.push(("nodev", ours.as_str()));
        entry(n, &f)
    })
    .collect();
    inside
        .get_mut("e0")
        .unwrap()
        .addresses
        .push("192.0.2.10/24".parse().unwrap());
    inside.insert(
        "e0.7".into(),
        LinkState {
            up: true,
            alias: Some(vlan_mark("z", "web")),
            addresses: vec!["10.7.0.1/32".parse().unwrap()],
            ..LinkState::default()
        },
    );
    assert!(
        plan_start(&zone, "web", &web, &inside, &[])
            .unwrap()
            .is_empty()
    );
    // Another guest has 192.0.2.10 too: a start refuses, a stop keeps it.
    let db = vec![(
        OsString::from("db"),
        vec![entry("0", &[("ip", "192.0.2.10\n"), ("dev", "e0\n")])],
    )];
    let (m, _) = plan_start(&zone, "web", &web, &inside, &db).unwrap_err();
    assert!(m.contains("192.0.2.10 is guest db's too"), "{m}");
    assert_eq!(
        lines(plan_stop(&zone, "web", &web, &inside, &db)),
        [
            "ip -n z addr del 10.7.0.1 dev e0.7",
            "ip -n z link del dev e0.7",
            "rm /v/web/interfaces/0/nodev",
            "rm /v/web/interfaces/1/nodev",
            "rm /v/web/interfaces/2/nodev",
        ]
    );
    assert_eq!(
        lines(plan_stop(&zone, "web", &web, &inside, &[]))[0],
        "ip -n z addr del 10.7.0.1 dev e0.7"
    );
    assert_eq!(
        lines(plan_stop(&zone, "web", &web, &inside, &[]))[1],
        "ip -n z addr del 192.0.2.10/24 dev e0"
    );
    // A dev the zone lacks names the file and the zone's links.
    let bad = vec![entry("0", &[("ip", "1.2.3.4\n"), ("dev", "e9\n")])];
    let (m, fix) = plan_start(&zone, "web", &bad, &inside, &[]).unwrap_err();
    assert_eq!(
        m,
        "/v/web/interfaces/0/dev: the zone z has no link 'e9'; its links: e0"
    );
    assert!(fix.contains("name one of the zone's links in /v/web/interfaces/0/dev"));
}

/// A zone with the link `e0`, a guest `web` with `vlandev` on `e0.7`, and `e0` inside.
fn vlan_case() -> (Zone, Vec<Entry>, BTreeMap<String, LinkState>) {
    use crate::zone::config::{Kind, Link};
    use crate::zone::mac::Mac;
    let zone = Zone {
        netns: "z".into(),
        links: vec![Link {
            name: "e0".into(),
            kind: Kind::new(crate::zone::config::kind::Macvlan {
                parent: "p".into(),
                mode: "bridge".into(),
            }),
            mac: Some(Mac([2, 0, 0, 0, 0, 1])),
            mtu: None,
            addresses: vec![],
        }],
        ..Zone::default()
    };
    let web = vec![parse(&raw(
        &[("ip", "10.7.0.1\n"), ("dev", "e0.7\n"), ("vlandev", "")],
        &[],
    ))];
    let mut inside = BTreeMap::new();
    inside.insert(
        "e0".to_string(),
        LinkState {
            up: true,
            kind: Some("macvlan".into()),
            ..LinkState::default()
        },
    );
    (zone, web, inside)
}

#[test]
fn a_vlan_device_another_running_guest_uses_stays_at_a_stop() {
    let (zone, web, mut inside) = vlan_case();
    let db = vec![parse(&raw(
        &[("ip", "10.7.0.2\n"), ("dev", "e0.7\n"), ("vlandev", "")],
        &[],
    ))];
    let others = vec![(OsString::from("db"), db.clone())];
    let cidr = |a: &str| -> crate::zone::config::Cidr { a.parse().unwrap() };
    inside.insert(
        "e0.7".into(),
        LinkState {
            kind: Some("vlan".into()),
            alias: Some(vlan_mark("z", "web")),
            addresses: vec![cidr("10.7.0.1/32"), cidr("10.7.0.2/32")],
            ..LinkState::default()
        },
    );
    let lines = |steps: Vec<Step>| -> Vec<String> { steps.iter().map(|s| s.to_string()).collect() };
    // db runs (its address is on the device): web's stop takes its own address only, and
    // hands the device to db.
    assert_eq!(
        lines(plan_stop(&zone, "web", &web, &inside, &others)),
        [
            "ip -n z addr del 10.7.0.1 dev e0.7",
            "ip -n z link set dev e0.7 alias vspace-netns:z:guest:db",
        ]
    );
    // db's stop then deletes it, web being stopped (no address of web's on it).
    let dev = inside.get_mut("e0.7").unwrap();
    dev.alias = Some(vlan_mark("z", "db"));
    dev.addresses = vec![cidr("10.7.0.2/32")];
    let web_other = vec![(OsString::from("web"), web.clone())];
    assert_eq!(
        lines(plan_stop(&zone, "db", &db, &inside, &web_other)),
        [
            "ip -n z addr del 10.7.0.2 dev e0.7",
            "ip -n z link del dev e0.7",
        ]
    );
    // db stopped (its address gone): web's stop deletes web's device as before.
    let dev = inside.get_mut("e0.7").unwrap();
    dev.alias = Some(vlan_mark("z", "web"));
    dev.addresses = vec![cidr("10.7.0.1/32")];
    assert_eq!(
        lines(plan_stop(&zone, "web", &web, &inside, &others)),
        [
            "ip -n z addr del 10.7.0.1 dev e0.7",
            "ip -n z link del dev e0.7",
        ]
    );
}

#[test]
fn temporary_vlan_names_are_valid_distinct_and_recognised_by_zone() {
    let t = vlan_temp_name("z", "web", "e0.7");
    assert_eq!(t.len(), 15);
    assert!(t.starts_with("vsg") && t[3..].bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(t, vlan_temp_name("z", "web", "e0.7"), "stable");
    assert_ne!(t, vlan_temp_name("z", "db", "e0.7"));
    assert_ne!(t, vlan_temp_name("z", "web", "e0.8"));
    assert_ne!(t, vlan_temp_name("z1", "web", "e0.7"));
    assert!(crate::zone::config::check_ifname(t.as_bytes()).is_ok());
    let vlan = LinkState {
        kind: Some("vlan".into()),
        ..LinkState::default()
    };
    assert!(is_vlan_temp("z", &t, &vlan));
    assert!(is_vlan_temp("z", &vlan_temp_name("z", "db", "x.9"), &vlan));
    // Another zone's, another kind, another name: not this zone's half-made device.
    assert!(!is_vlan_temp("z1", &t, &vlan));
    let macvlan = LinkState {
        kind: Some("macvlan".into()),
        ..LinkState::default()
    };
    assert!(!is_vlan_temp("z", &t, &macvlan));
    assert!(!is_vlan_temp("z", &t[..14], &vlan));
    assert!(!is_vlan_temp("z", "e0.7", &vlan));
}

#[test]
fn a_vlan_device_is_made_under_its_temporary_name_marked_then_renamed() {
    let (zone, web, inside) = vlan_case();
    let t = vlan_temp_name("z", "web", "e0.7");
    let steps = plan_start(&zone, "web", &web, &inside, &[]).unwrap();
    let lines: Vec<String> = steps.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        lines[..3],
        [
            format!("ip -n z link add link e0 name {t} type vlan id 7"),
            format!("ip -n z link set dev {t} alias vspace-netns:z:guest:web"),
            format!("ip -n z link set dev {t} name e0.7"),
        ]
    );
    // Undone before the rename: the temporary name goes; after it: the final name.
    let undo = |n: usize| -> Vec<String> {
        crate::zone::plan::undo(&steps[..n])
            .iter()
            .map(|s| s.to_string())
            .collect()
    };
    assert_eq!(undo(1), [format!("ip -n z link del dev {t}")]);
    assert_eq!(undo(2), [format!("ip -n z link del dev {t}")]);
    assert_eq!(undo(3), ["ip -n z link del dev e0.7"]);
    // With the address added and the link raised: one delete takes them along.
    assert_eq!(
        undo(steps.len()),
        [
            "rm /v/web/interfaces/0/nodev",
            "ip -n z addr del 10.7.0.1 dev e0.7",
            "ip -n z link del dev e0.7"
        ]
    );
}

#[test]
fn a_half_made_vlan_device_is_deleted_by_the_next_start_stop_and_down() {
    use crate::zone::plan::{Facts, PlanError, plan_down};
    let (zone, web, mut inside) = vlan_case();
    let t = vlan_temp_name("z", "web", "e0.7");
    let lines = |steps: Vec<Step>| -> Vec<String> { steps.iter().map(|s| s.to_string()).collect() };
    // Killed between the creation and the mark (no alias), or before the rename (marked).
    for alias in [None, Some(vlan_mark("z", "web"))] {
        inside.insert(
            t.clone(),
            LinkState {
                kind: Some("vlan".into()),
                alias: alias.clone(),
                ..LinkState::default()
            },
        );
        let start = lines(plan_start(&zone, "web", &web, &inside, &[]).unwrap());
        assert_eq!(start[0], format!("ip -n z link del dev {t}"), "{alias:?}");
        assert_eq!(
            start[1],
            format!("ip -n z link add link e0 name {t} type vlan id 7")
        );
        assert_eq!(start[3], format!("ip -n z link set dev {t} name e0.7"));
        let stop = lines(plan_stop(&zone, "web", &web, &inside, &[]));
        assert_eq!(stop, [format!("ip -n z link del dev {t}")], "{alias:?}");
        // Another guest's start leaves it alone (it is web's).
        let db = lines(plan_start(&zone, "db", &web, &inside, &[]).unwrap());
        assert!(!db.iter().any(|l| l.contains("link del")), "{db:?}");
        // down (and the last guest's post-stop) takes it with the namespace, unforced (not
        // explicitly: deleting e0 first deletes a VLAN device on it).
        let mut facts = Facts::empty("/run/netns/z".into());
        facts.netns = crate::netns::Entry::Netns(());
        facts.inside = inside.clone();
        facts.inside.insert(
            "lo".into(),
            LinkState {
                alias: Some(crate::zone::plan::mark("z")),
                ..LinkState::default()
            },
        );
        facts.inside.get_mut("e0").unwrap().alias = Some(crate::zone::plan::mark("z"));
        let down = lines(plan_down(&zone, &facts, false).unwrap());
        assert_eq!(down, ["ip -n z link del dev e0", "ip netns delete z"]);
        // An unmarked device named so that is no VLAN is still refused.
        facts.inside.get_mut(&t).unwrap().kind = Some("dummy".into());
        if alias.is_none() {
            match plan_down(&zone, &facts, false) {
                Err(PlanError::Unmarked(u)) => assert!(u[0].contains(&t), "{u:?}"),
                other => panic!("{other:?}"),
            }
        }
    }
}

#[test]
fn outside_the_zone_only_where_the_zone_says_where_it_is() {
    use crate::zone::config::{Kind, Link, Route};
    use crate::zone::mac::Mac;
    let link = |a: &[&str]| Link {
        name: "e0".into(),
        kind: Kind::new(crate::zone::config::kind::Veth {
            peer: "p".into(),
            peer_mac: Mac([2, 0, 0, 0, 0, 2]),
        }),
        mac: Some(Mac([2, 0, 0, 0, 0, 1])),
        mtu: None,
        addresses: a.iter().map(|c| c.parse().unwrap()).collect(),
    };
    let route = |d: &str| Route {
        dst: d.parse().unwrap(),
        via: None,
        dev: Some("e0".into()),
        metric: None,
        table: None,
    };
    let zone = |a: &[&str], r: &[&str]| Zone {
        netns: "z".into(),
        links: vec![link(a)],
        routes: r.iter().map(|d| route(d)).collect(),
        ..Zone::default()
    };
    let ip = |s: &str| s.parse::<IpAddr>().unwrap();
    let z = zone(&["192.0.2.1/24"], &["203.0.113.0/24", "0.0.0.0/0"]);
    assert!(!outside_routes(&z, ip("192.0.2.10")));
    assert!(!outside_routes(&z, ip("203.0.113.5")));
    assert!(
        outside_routes(&z, ip("10.9.9.9")),
        "a default route says nothing"
    );
    // Nothing of the family configured: nothing to compare with.
    assert!(!outside_routes(&z, ip("fd00::1")));
    assert!(!outside_routes(&zone(&[], &[]), ip("10.9.9.9")));
}

#[test]
fn broadcast_as_ip_computes_it() {
    let a = |w: &str, peer: Option<&str>, b: Bcast| {
        let c: Cidr = w.parse().unwrap();
        GuestAddr {
            dev: "e0".into(),
            local: c.addr,
            prefix: c.prefix,
            peer: peer.map(|p| p.parse().unwrap()),
            broadcast: Some(b),
            label: None,
            local_word: w.into(),
            peer_word: None,
        }
        .broadcast_addr()
    };
    assert_eq!(
        a("192.0.2.10/24", None, Bcast::Plus),
        Some("192.0.2.255".parse().unwrap())
    );
    assert_eq!(
        a("192.0.2.10/24", None, Bcast::Minus),
        Some("192.0.2.0".parse().unwrap())
    );
    assert_eq!(a("192.0.2.10/31", None, Bcast::Plus), None);
    assert_eq!(a("10.0.0.1/32", Some("10.0.0.2"), Bcast::Plus), None);
}
