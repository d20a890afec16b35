//! Tests of the zone configuration parsers, table-driven from bytes.

use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};

use super::kind::kind_names;
use super::link::COMMON_FILES;
use super::*;

type Files<'a> = &'a [(&'a str, &'a [u8])];
type Top<'a> = &'a [(&'a str, Option<&'a [u8]>)];

fn raw(top: Top, links: &[(&str, Files)]) -> RawZone {
    RawZone {
        dir: PathBuf::from("/c/z1"),
        top: top
            .iter()
            .map(|(k, v)| (OsString::from(k), v.map(<[u8]>::to_vec)))
            .collect(),
        links: links
            .iter()
            .map(|(n, files)| {
                (
                    OsString::from(n),
                    files
                        .iter()
                        .map(|(f, b)| (OsString::from(f), Some(b.to_vec())))
                        .collect(),
                )
            })
            .collect(),
    }
}

fn zone(r: &RawZone) -> Result<Zone, String> {
    parse_zone(OsStr::new("z1"), r).map_err(|e| e.to_string())
}

#[test]
fn a_full_zone_parses() {
    let r = raw(
        &[("id", Some(b"42\n")), ("links", None)],
        &[
            (
                "eth0",
                &[
                    ("type", b"vlan\n"),
                    ("link", b"eth0\n"),
                    ("vlan", b"2\n"),
                    ("address", b"192.0.2.10/24\n\nfd00::0010/64\n"),
                ],
            ),
            (
                "m0",
                &[("type", b"macvlan"), ("link", b"br0"), ("mode", b"vepa\n")],
            ),
            ("v0", &[("type", b" veth \n"), ("peer", b"ve-z1\n")]),
            (
                "x0",
                &[
                    ("type", b"macvlan"),
                    ("link", b"eth0"),
                    ("mac", b"02:aa:00:00:00:01"),
                ],
            ),
        ],
    );
    let z = zone(&r).unwrap();
    assert_eq!(z.netns, "z1");
    let got: Vec<(String, String, String)> = z
        .links
        .iter()
        .map(|l| {
            (
                l.name.clone(),
                l.mac.expect("a vlan link owns its MAC").to_string(),
                l.addresses
                    .iter()
                    .map(|a| a.to_string())
                    .collect::<Vec<_>>()
                    .join(","),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "eth0".into(),
                "02:00:02:00:2a:00".into(),
                "192.0.2.10/24,fd00::10/64".into()
            ),
            ("m0".into(), "02:00:00:00:2a:02".into(), String::new()),
            ("v0".into(), "02:00:00:00:2a:04".into(), String::new()),
            ("x0".into(), "02:aa:00:00:00:01".into(), String::new()),
        ]
    );
    assert_eq!(
        z.links[0].kind,
        Kind::new(crate::zone::config::kind::Vlan {
            parent: "eth0".into(),
            vid: 2
        })
    );
    assert_eq!(
        z.links[1].kind,
        Kind::new(crate::zone::config::kind::Macvlan {
            parent: "br0".into(),
            mode: "vepa".into()
        })
    );
    assert_eq!(
        z.links[2].kind,
        Kind::new(crate::zone::config::kind::Veth {
            peer: "ve-z1".into(),
            peer_mac: "02:00:00:00:2a:05".parse().unwrap()
        })
    );
}

#[test]
fn an_empty_zone_is_lo_only() {
    assert_eq!(zone(&raw(&[], &[])).unwrap().links, []);
}

/// A zone with id 1 and the one link `name`, made of `files`.
fn one_link(name: &str, files: Files) -> RawZone {
    raw(&[("id", Some(b"1"))], &[(name, files)])
}

#[test]
fn errors_name_the_file_and_the_fix() {
    let top: &[(Top, &str)] = &[
        (
            &[("id", Some(b"70000"))],
            "/c/z1/id: '70000' is not a valid zone id; write zone id as a decimal number in 0-65535",
        ),
        (&[("id", Some(b""))], "/c/z1/id: is empty"),
        (
            &[("id", Some(b"1\n2\n"))],
            "/c/z1/id: holds more than one value",
        ),
        (
            &[("colour", Some(b"red"))],
            "/c/z1/colour: is not a zone setting; remove it",
        ),
        (&[("links", Some(b""))], "/c/z1/links: is a file"),
    ];
    // The files of /c/z1/links/v0, in a zone with id 1.
    let v0: &[(Files, &str)] = &[
        (
            &[("peer", b"p")],
            "/c/z1/links/v0/type: is missing; write vlan, macvlan, veth or ipvlan",
        ),
        (
            &[("type", b"bridge")],
            "/c/z1/links/v0/type: 'bridge' is not a link type",
        ),
        (
            &[("type", b"veth")],
            "/c/z1/links/v0/peer: is missing (a veth link needs it)",
        ),
        (
            &[("type", b"vlan"), ("link", b"eth0")],
            "/c/z1/links/v0/vlan: is missing (a vlan link needs it); write the 802.1Q id, 1-4094",
        ),
        (
            &[("type", b"vlan"), ("link", b"eth0"), ("vlan", b"4095")],
            "/c/z1/links/v0/vlan: '4095' is not a valid VLAN id",
        ),
        (
            &[("type", b"vlan"), ("link", b"eth0"), ("vlan", b"0")],
            "/c/z1/links/v0/vlan: '0' is not a valid VLAN id",
        ),
        (
            &[("type", b"macvlan")],
            "/c/z1/links/v0/link: is missing (a macvlan link needs it)",
        ),
        (
            &[("type", b"macvlan"), ("link", b"eth0"), ("mode", b"fast")],
            "/c/z1/links/v0/mode: 'fast' is not a macvlan mode; write one of bridge, private, vepa, passthru, source",
        ),
        (
            &[("type", b"macvlan"), ("link", b"eth0"), ("vlan", b"3")],
            "/c/z1/links/v0/vlan: is only for vlan links, and this one is macvlan",
        ),
        (
            &[("type", b"veth"), ("peer", b"p"), ("link", b"eth0")],
            "/c/z1/links/v0/link: is only for vlan, macvlan and ipvlan links",
        ),
        (
            &[("type", b"veth"), ("peer", b"p"), ("vlanid", b"2")],
            "/c/z1/links/v0/vlanid: is not a link setting",
        ),
        (
            &[
                ("type", b"veth"),
                ("peer", b"p"),
                ("mac", b"01:00:00:00:00:01"),
            ],
            "/c/z1/links/v0/mac: '01:00:00:00:00:01' is a multicast address",
        ),
        (
            &[("type", b"veth"), ("peer", b"p"), ("address", b"10.0.0.1")],
            "/c/z1/links/v0/address: '10.0.0.1' is not ADDRESS/PREFIX",
        ),
        (
            &[
                ("type", b"veth"),
                ("peer", b"p"),
                ("address", b"10.0.0.1/33"),
            ],
            "'10.0.0.1/33' is not ADDRESS/PREFIX",
        ),
        (
            &[("type", b"veth"), ("peer", b"a-very-long-name0")],
            "/c/z1/links/v0/peer: bad name 'a-very-long-name0' must be 1-15 bytes long",
        ),
        (
            &[("type", b"veth"), ("peer", b"p0"), ("index", b"255")],
            "/c/z1/links/v0/index: 255 leaves no index",
        ),
    ];
    let veth: Files = &[("type", b"veth"), ("peer", b"p")];
    let mut table: Vec<(RawZone, &str)> =
        top.iter().map(|(t, want)| (raw(t, &[]), *want)).collect();
    table.extend(
        v0.iter()
            .map(|(files, want)| (one_link("v0", files), *want)),
    );
    table.extend([
            (raw(&[], &[("v0", veth)]), "/c/z1/id: is missing, and /c/z1/links/v0 derives its MAC from it"),
            (one_link("a:b", veth), "/c/z1/links/a:b: bad interface name"),
            (one_link("lo", veth), "/c/z1/links/lo: 'lo' is made with every namespace"),
            (
                raw(
                    &[("id", Some(b"1"))],
                    &[
                        ("v0", &[("type", b"veth"), ("peer", b"v1")]),
                        ("v1", &[("type", b"veth"), ("peer", b"p1")]),
                    ],
                ),
                "/c/z1/links/v1: the name 'v1' is also used by /c/z1/links/v0/peer",
            ),
            (
                raw(
                    &[("id", Some(b"1"))],
                    &[
                        ("v0", &[("type", b"veth"), ("peer", b"p0")]),
                        ("v1", &[("type", b"veth"), ("peer", b"p1"), ("index", b"1")]),
                    ],
                ),
                "/c/z1/links/v1: MAC 02:00:00:00:01:01 is also the MAC of /c/z1/links/v0/peer; give one of them another 'index' or an explicit 'mac'",
            ),
        ]);
    for (r, want) in table {
        let got = zone(&r).unwrap_err();
        assert!(got.contains(want), "\n got: {got}\nwant: {want}");
    }
    let bad_name = parse_zone(OsStr::from_bytes(b"z\xff"), &raw(&[], &[])).unwrap_err();
    assert!(
        bad_name.to_string().contains("not valid UTF-8"),
        "{bad_name}"
    );
}

fn links_for_routes() -> Vec<Link> {
    let files: Files = &[
        ("type", b"veth"),
        ("peer", b"p0"),
        ("address", b"192.0.2.10/24\n2001:db8::10/64\n"),
    ];
    zone(&one_link("e0", files)).unwrap().links
}

#[test]
fn routes_parse_as_ip_route_lines() {
    let text = b"# the way out\ndefault via 192.0.2.1\n198.51.100.0/24 via 192.0.2.254 metric 5 table 100\n\n2001:db8:9::/48 via fe80::1 dev e0\ndefault via 2001:db8::1 table main\n203.0.113.0/24 dev e0\n";
    let routes = parse_routes(Path::new("/c/z1/routes"), text, &links_for_routes()).unwrap();
    let shown: Vec<String> = routes.iter().map(Route::to_string).collect();
    assert_eq!(
        shown,
        [
            "default via 192.0.2.1",
            "198.51.100.0/24 via 192.0.2.254 metric 5 table 100",
            "2001:db8:9::/48 via fe80::1 dev e0",
            "default via 2001:db8::1 table 254",
            "203.0.113.0/24 dev e0",
        ]
    );
    assert!(routes[3].is_v6() && routes[3].effective_metric() == 1024);
    assert_eq!(routes[0].effective_table(), MAIN_TABLE);
    // IPv6's metric 0 is the kernel's 1024 (it stores it so): the same route as the found one.
    let v6 = |t: &[u8]| {
        parse_routes(Path::new("r"), t, &links_for_routes())
            .unwrap()
            .remove(0)
    };
    let zero = v6(b"2001:db8:9::/48 via fe80::1 dev e0 metric 0\n");
    assert_eq!(zero.effective_metric(), 1024);
    assert!(zero.same_key(&v6(b"2001:db8:9::/48 via fe80::1 dev e0 metric 1024\n")));
    let v4 = parse_routes(
        Path::new("r"),
        b"198.51.100.0/24 via 192.0.2.254 metric 0\n",
        &links_for_routes(),
    )
    .unwrap();
    assert_eq!(v4[0].effective_metric(), 0);
}

#[test]
fn bad_routes_are_refused_naming_the_line() {
    let table: &[(&[u8], &str)] = &[
        (
            b"default via 10.0.0.1",
            "line 1 'default via 10.0.0.1': the gateway 10.0.0.1 is in no subnet of the zone's addresses; use a gateway inside the subnet of an address of the zone's links",
        ),
        (
            b"default via fe80::1",
            "no subnet of the zone's addresses; a link-local gateway needs 'dev IF'",
        ),
        (b"default", "'default' needs 'via GATEWAY'"),
        (b"10.1.0.0/16", "a route needs 'via GATEWAY' or 'dev IF'"),
        (
            b"10.1.0.1/16 dev e0",
            "'10.1.0.1/16' has host bits set; write the network, 10.1.0.0/16",
        ),
        (b"10.1.0.0/16 dev x9", "'x9' is not one of the zone's links"),
        (
            b"10.1.0.0/16 via 192.0.2.1 proto static",
            "'proto' is not understood here",
        ),
        (b"10.1.0.0/16 via", "'via' needs a value"),
        (b"10.1.0.0/16 via 2001:db8::1", "different IP versions"),
        (
            b"10.1.0.0/16 via 192.0.2.1 table 255",
            "table '255' is not 'main'",
        ),
        (
            b"10.1.0.0/16 via 192.0.2.1 metric x",
            "metric 'x' is not a number",
        ),
        (
            b"10.1.0.0/16 dev e0\n10.1.0.0/16 via 192.0.2.1 metric 0",
            "line 2 '10.1.0.0/16 via 192.0.2.1 metric 0': another line has the same destination, metric and table",
        ),
        (b"\xff", "/c/z1/routes: is not valid UTF-8"),
    ];
    for (text, want) in table {
        let e = parse_routes(Path::new("/c/z1/routes"), text, &links_for_routes())
            .unwrap_err()
            .to_string();
        assert!(e.contains(want), "\n got: {e}\nwant: {want}");
    }
}

#[test]
fn sysctls_are_net_keys_only() {
    let ok = parse_sysctls(
            Path::new("/c/z1/sysctl"),
            b"; comment\nnet.ipv4.ip_forward = 1\nnet/ipv6/conf/all/forwarding=1\nnet.ipv4.ping_group_range =  0   2147483647\n",
        )
        .unwrap();
    let pairs = |v: Vec<Sysctl>| {
        v.into_iter()
            .map(|s| (s.key, s.value, s.optional))
            .collect::<Vec<_>>()
    };
    let t = |k: &str, v: &str, o: bool| (k.to_string(), v.to_string(), o);
    assert_eq!(
        pairs(ok),
        [
            t("net.ipv4.ip_forward", "1", false),
            t("net.ipv6.conf.all.forwarding", "1", false),
            t("net.ipv4.ping_group_range", "0 2147483647", false),
        ]
    );
    assert_eq!(
        sysctl_path("net.ipv4.ip_forward"),
        Path::new("/proc/sys/net/ipv4/ip_forward")
    );
    // sysctl.d(5): a dotted link name in either form; `-KEY` is optional.
    let dotted = parse_sysctls(
        Path::new("/c/z1/sysctl"),
        b"net/ipv4/conf/e0.2/forwarding = 1\n-net.ipv6.conf.e0/3.forwarding = 0\n- net.x = 1\n",
    )
    .unwrap();
    assert_eq!(
        pairs(dotted),
        [
            t("net.ipv4.conf.e0/2.forwarding", "1", false),
            t("net.ipv6.conf.e0/3.forwarding", "0", true),
            t("net.x", "1", true),
        ]
    );
    assert_eq!(
        sysctl_path("net.ipv4.conf.e0/2.forwarding"),
        Path::new("/proc/sys/net/ipv4/conf/e0.2/forwarding")
    );
    assert_eq!(
        sysctl_parts("net.ipv4.conf.e0/2.forwarding")[3],
        "e0.2".to_string()
    );
    let table: &[(&[u8], &str)] = &[
        (
            b"kernel.hostname = x",
            "key 'kernel.hostname' is not under net.",
        ),
        (b"net..x = 1", "is not under net."),
        (b"net/ipv4/../x = 1", "is not under net."),
        (b"net.ipv4.//.x = 1", "is not under net."),
        (b"net.ipv4./.x = 1", "is not under net."),
        (b"-kernel.x = 1", "is not under net."),
        (b"net.ipv4.ip_forward", "no '='"),
        (b"net.ipv4.ip_forward =", "the value is empty"),
        (b"net.ipv4.x$ = 1", "has characters a sysctl key has not"),
        (
            b"net.a = 1\nnet.a = 2",
            "line 2 'net.a = 2': key 'net.a' is set twice",
        ),
    ];
    for (text, want) in table {
        let e = parse_sysctls(Path::new("/c/z1/sysctl"), text)
            .unwrap_err()
            .to_string();
        assert!(e.contains(want), "\n got: {e}\nwant: {want}");
    }
}

#[test]
fn zone_names_refuse_every_control_byte_del_too() {
    for bad in ["a\x7fb", "a\x01", "\x1fz"] {
        let e = check_zone_name(OsStr::new(bad)).unwrap_err();
        assert!(e.contains("control character"), "{bad:?}: {e}");
    }
    assert!(check_zone_name(OsStr::new("dmz-0.2")).is_ok());
}

#[test]
fn zone_names_leave_room_for_the_mark() {
    let longest = "z".repeat(MAX_ZONE_NAME);
    assert!(check_zone_name(OsStr::new(&longest)).is_ok());
    assert_eq!(crate::zone::plan::mark(&longest).len(), 254);
    let e = check_zone_name(OsStr::new(&format!("{longest}z"))).unwrap_err();
    assert!(
        e.contains("is 242 bytes long: a zone name is at most 241 bytes"),
        "{e}"
    );
}

#[test]
fn interface_names_follow_the_rule() {
    for good in ["eth0", "e", "dmz-0.2", "abcdefghijklmno", "caf\u{e9}"] {
        assert_eq!(check_ifname(good.as_bytes()), Ok(good), "{good}");
    }
    for bad in [
        &b"bk%d"[..],
        b"x@y",
        b"a:b",
        b"a b",
        b"a/b",
        b"a\tb",
        b"abcdefghijklmnop",
        b"",
        b".",
        b"..",
        b"a\x7f",
        b"\xff",
    ] {
        assert!(check_ifname(bad).is_err(), "{bad:?}");
    }
    assert!(check_ifname(b"x@y").unwrap_err().contains("'@'"));
}

#[test]
fn files_are_read_only_when_regular_and_small() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n);
    std::fs::write(p("ok"), b"1\n").unwrap();
    assert_eq!(read_regular(&p("ok")).unwrap(), b"1\n");
    std::fs::write(p("max"), vec![b'#'; MAX_FILE as usize]).unwrap();
    assert_eq!(read_regular(&p("max")).unwrap().len() as u64, MAX_FILE);
    std::fs::write(p("big"), vec![b'#'; MAX_FILE as usize + 1]).unwrap();
    std::os::unix::fs::symlink(p("ok"), p("link")).unwrap();
    nix::unistd::mkfifo(&p("fifo"), nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    for (name, want) in [
        ("big", "is larger than 65536 bytes"),
        ("link", "is a symbolic link"),
        ("fifo", "is a FIFO"),
        ("", "is a directory"),
    ] {
        let e = read_regular(&p(name)).unwrap_err().to_string();
        assert!(e.contains(want), "{name}: {e}");
    }
    assert_eq!(
        read_regular(&p("none")).unwrap_err().kind(),
        io::ErrorKind::NotFound
    );
}

#[test]
fn mtu_and_the_kind_table() {
    let mtu = |m: &[u8]| {
        zone(&one_link(
            "v0",
            &[("type", b"veth"), ("peer", b"p0"), ("mtu", m)],
        ))
    };
    assert_eq!(mtu(b"1400").unwrap().links[0].mtu, Some(1400));
    assert!(mtu(b"40").unwrap_err().contains("'40' is not a valid MTU"));
    assert_eq!(kind_names(), "vlan, macvlan, veth or ipvlan");
    assert!(
        KINDS
            .iter()
            .all(|k| k.files.iter().all(|f| !COMMON_FILES.contains(f)))
    );
}

#[test]
fn cidrs_are_canonical() {
    let c: Cidr = "fd00:0::0001/64".parse().unwrap();
    assert_eq!(c.to_string(), "fd00::1/64");
    assert!("10.0.0.1/x".parse::<Cidr>().is_err());
    assert!("fd00::1/129".parse::<Cidr>().is_err());
    assert_eq!("10.0.0.1/32".parse::<Cidr>().unwrap().prefix, 32);
}

#[test]
fn ipvlan_links_have_a_mode_a_parent_and_no_mac_of_their_own() {
    let ipv = |files: Files| zone(&one_link("i0", files));
    // The mode defaults to l3, as ip's does; no zone id is needed: nothing is derived.
    let z = ipv(&[("type", b"ipvlan"), ("link", b"eth1")]).unwrap();
    let l = &z.links[0];
    assert_eq!(l.kind.type_name(), "ipvlan");
    assert_eq!(l.kind.parent(), Some("eth1"));
    assert_eq!(l.kind.mode(), Some("l3"));
    assert!(!l.kind.owns_mac());
    assert_eq!(l.mac, None);
    assert_eq!(
        l.kind,
        Kind::new(crate::zone::config::kind::Ipvlan {
            parent: "eth1".into(),
            mode: "l3".into()
        })
    );
    for mode in ["l2", "l3", "l3s"] {
        let z = ipv(&[
            ("type", b"ipvlan"),
            ("link", b"eth1"),
            ("mode", mode.as_bytes()),
        ])
        .unwrap();
        assert_eq!(z.links[0].kind.mode(), Some(mode));
        assert_eq!(z.links[0].kind.type_args(None), ["mode", mode]);
    }
    let table: &[(Files, &str)] = &[
        (
            &[("type", b"ipvlan"), ("link", b"eth1"), ("mode", b"bridge")],
            "/c/z1/links/i0/mode: 'bridge' is not an ipvlan mode; write one of l2, l3, l3s",
        ),
        (
            &[("type", b"ipvlan")],
            "/c/z1/links/i0/link: is missing (an ipvlan link needs it)",
        ),
        (
            &[
                ("type", b"ipvlan"),
                ("link", b"eth1"),
                ("mac", b"02:00:00:00:00:01"),
            ],
            "/c/z1/links/i0/mac: is not for an ipvlan link: it has its parent's MAC",
        ),
        (
            &[("type", b"ipvlan"), ("link", b"eth1"), ("index", b"3")],
            "/c/z1/links/i0/index: is not for an ipvlan link",
        ),
        (
            &[("type", b"ipvlan"), ("link", b"eth1"), ("peer", b"p0")],
            "/c/z1/links/i0/peer: is only for veth links, and this one is ipvlan",
        ),
    ];
    for (files, want) in table {
        let got = ipv(files).unwrap_err();
        assert!(got.contains(want), "\n got: {got}\nwant: {want}");
    }
    // Beside a MAC-owning link, an ipvlan takes no MAC and no clash is possible with it.
    let r = raw(
        &[("id", Some(b"1"))],
        &[
            (
                "a0",
                &[("type", b"ipvlan"), ("link", b"eth1"), ("mode", b"l2")],
            ),
            ("m0", &[("type", b"macvlan"), ("link", b"eth1")]),
        ],
    );
    let z = zone(&r).unwrap();
    assert_eq!(z.links[0].mac, None);
    assert!(z.links[1].mac.is_some());
}
