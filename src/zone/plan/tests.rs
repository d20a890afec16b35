//! Tests of the zone planner: plans from configurations and facts, their printed lines, undo.

use std::path::Path;

use crate::netns::{Entry, Unusable};
use crate::zone::config::{self, Kind, Link, Route, Zone};
use crate::zone::mac::Mac;
use crate::zone::plan::SkipEdit;

use super::*;

fn mac(s: &str) -> Mac {
    s.parse().unwrap()
}

fn zone() -> Zone {
    Zone {
        netns: "z1".into(),
        links: vec![
            Link {
                name: "m0".into(),
                kind: Kind::new(crate::zone::config::kind::Macvlan {
                    parent: "eth0".into(),
                    mode: "bridge".into(),
                }),
                mac: Some(mac("02:00:00:00:2a:00")),
                mtu: None,
                addresses: vec!["192.0.2.10/24".parse().unwrap()],
            },
            Link {
                name: "v0".into(),
                kind: Kind::new(crate::zone::config::kind::Veth {
                    peer: "ve-z1".into(),
                    peer_mac: mac("02:00:00:00:2a:03"),
                }),
                mac: Some(mac("02:00:00:00:2a:02")),
                mtu: Some(1400),
                addresses: vec![],
            },
        ],
        routes: vec![Route {
            dst: "0.0.0.0/0".parse().unwrap(),
            via: Some("192.0.2.1".parse().unwrap()),
            dev: None,
            metric: None,
            table: None,
        }],
        sysctls: vec![config::Sysctl {
            key: "net.ipv4.ip_forward".into(),
            value: "1".into(),
            optional: false,
        }],
    }
}

fn facts() -> Facts {
    let mut f = Facts::empty("/run/netns/z1".into());
    f.vprocunhide = Some("/usr/lib/util-vserver/vprocunhide".into());
    f.host.insert(
        "eth0".into(),
        LinkState {
            up: true,
            mtu: Some(1500),
            ..LinkState::default()
        },
    );
    f
}

fn lines(steps: &[Step]) -> Vec<String> {
    steps.iter().map(ToString::to_string).collect()
}

fn state(m: &str, addrs: &[&str], alias: Option<&str>) -> LinkState {
    LinkState {
        mac: Some(mac(m)),
        up: true,
        mtu: Some(1400),
        alias: alias.map(str::to_string),
        addresses: addrs.iter().map(|a| a.parse().unwrap()).collect(),
        ..LinkState::default()
    }
}

const FROM_NOTHING: &[&str] = &[
    "ip netns add z1",
    "ip -n z1 link set dev lo up",
    "ip -n z1 link set dev lo alias vspace-netns:z1",
    "ip link add link eth0 name vsn77f3e9ec9025 netns z1 address 02:00:00:00:2a:00 type macvlan mode bridge",
    "ip -n z1 link set dev vsn77f3e9ec9025 alias vspace-netns:z1",
    "ip -n z1 link set dev vsn77f3e9ec9025 name m0",
    "ip -n z1 addr add 192.0.2.10/24 dev m0",
    "ip -n z1 link set dev m0 up",
    "ip link add name vsn7818ebec9044 netns z1 address 02:00:00:00:2a:02 mtu 1400 type veth peer name ve-z1 address 02:00:00:00:2a:03 mtu 1400",
    "ip -n z1 link set dev vsn7818ebec9044 alias vspace-netns:z1",
    "ip link set dev ve-z1 alias vspace-netns:z1",
    "ip -n z1 link set dev vsn7818ebec9044 name v0",
    "ip -n z1 link set dev v0 up",
    "ip link set dev ve-z1 up",
    "ip -n z1 -4 route add default via 192.0.2.1",
    "ip netns exec z1 sysctl -q -w net.ipv4.ip_forward=1",
    "ip netns exec z1 /usr/lib/util-vserver/vprocunhide",
];

#[test]
fn from_nothing_every_step_in_order() {
    assert_eq!(lines(&plan_up(&zone(), &facts()).unwrap()), FROM_NOTHING);
}

#[test]
fn another_run_dir_names_namespaces_by_path() {
    let steps = plan_up(&zone(), &facts()).unwrap();
    let d = Path::new("/tmp/rd");
    let got: Vec<String> = steps.iter().map(|s| s.line(d)).collect();
    assert_eq!(got[0], "NETNS_RUN_DIR=/tmp/rd ip netns add z1");
    assert_eq!(got[1], "nsenter --net=/tmp/rd/z1 ip link set dev lo up");
    assert!(got[3].contains(" netns /tmp/rd/z1 "), "{}", got[3]);
    assert_eq!(
        got[16],
        "nsenter --net=/tmp/rd/z1 /usr/lib/util-vserver/vprocunhide"
    );
}

#[test]
fn temporary_names_are_valid_distinct_and_stable() {
    let a = temp_name("z1", "m0");
    assert_eq!(a, "vsn77f3e9ec9025");
    assert!(a.len() <= 15);
    assert_ne!(a, temp_name("z1", "v0"));
    assert_ne!(a, temp_name("z10", "m0"));
}

#[test]
fn a_half_made_link_is_deleted_and_made_anew() {
    // Killed after the add (and perhaps the marks), before the rename.
    let mut f = all_up();
    let v0 = f.inside.remove("v0").unwrap();
    f.inside
        .insert(temp_name("z1", "v0"), LinkState { alias: None, ..v0 });
    f.host.get_mut("ve-z1").unwrap().alias = None;
    f.host.get_mut("ve-z1").unwrap().kind = Some("veth".into());
    let got = lines(&plan_up(&zone(), &f).unwrap());
    assert_eq!(got[0], "ip -n z1 link del dev vsn7818ebec9044");
    assert_eq!(got[1], FROM_NOTHING[8]);
    assert_eq!(got[4], "ip -n z1 link set dev vsn7818ebec9044 name v0");
    // down deletes it although it carries no mark.
    let down = lines(&plan_down(&zone(), &f, false).unwrap());
    assert!(
        down.contains(&"ip -n z1 link del dev vsn7818ebec9044".to_string()),
        "{down:?}"
    );
    // A host link of that name that is another's still refuses.
    f.host.get_mut("ve-z1").unwrap().alias = Some("mine".into());
    assert!(matches!(plan_up(&zone(), &f), Err(PlanError::Conflict(_))));
}

#[test]
fn what_cannot_succeed_is_refused_before_anything_changes() {
    let z = zone();
    let mut missing = facts();
    missing.host.remove("eth0");
    let mut down = facts();
    down.host.get_mut("eth0").unwrap().up = false;
    let mut mtu = z.clone();
    mtu.links[0].mtu = Some(9000);
    // The parent's MTU lowered under a link that is up: no SetMtu that fails with ERANGE.
    let mut lowered = all_up();
    lowered.host.insert(
        "eth0".into(),
        LinkState {
            up: true,
            mtu: Some(1400),
            ..LinkState::default()
        },
    );
    lowered.inside.get_mut("m0").unwrap().mtu = Some(1400);
    let mut vlan_zone = z.clone();
    vlan_zone.links[0].kind = Kind::new(crate::zone::config::kind::Vlan {
        parent: "eth0".into(),
        vid: 7,
    });
    let mut no_vlan = facts();
    no_vlan.missing_kinds = vec!["vlan".into()];
    let table = [
        (
            &z,
            missing,
            "the parent eth0 of the macvlan link m0 does not exist on the host",
        ),
        (
            &z,
            down,
            "the parent eth0 of the macvlan link m0 is down on the host",
        ),
        (
            &mtu,
            facts(),
            "the MTU 9000 of the macvlan link m0 is above the MTU 1500 of its parent eth0",
        ),
        (
            &mtu,
            lowered,
            "the MTU 9000 of the macvlan link m0 is above the MTU 1400 of its parent eth0",
        ),
        (
            &vlan_zone,
            no_vlan,
            "the vlan link m0 of zone z1 cannot be made: this kernel has no 802.1Q VLAN support (the module 8021q is neither loaded nor loadable); load it (modprobe 8021q) or build it in (CONFIG_VLAN_8021Q)",
        ),
    ];
    for (zone, f, want) in table {
        match plan_up(zone, &f) {
            Err(PlanError::Conflict(m)) => assert!(m.starts_with(want), "{m}"),
            other => panic!("{want}: {other:?}"),
        }
    }
    // Another kind missing is no matter to a zone without it.
    let mut vlan_ok = facts();
    vlan_ok.missing_kinds = vec!["ipvlan".into()];
    assert!(plan_up(&vlan_zone, &vlan_ok).is_ok());
    // A link that is up as configured on a parent that went down plans nothing to refuse.
    let mut parent_down = all_up();
    parent_down.host.get_mut("eth0").unwrap().up = false;
    assert_eq!(plan_up(&zone(), &parent_down).unwrap(), []);
}

fn all_up() -> Facts {
    let mut f = facts();
    f.netns = Entry::Netns(());
    let m = Some("vspace-netns:z1");
    f.inside
        .insert("lo".into(), state("00:16:3e:00:00:01", &[], m));
    f.inside.insert(
        "m0".into(),
        state("02:00:00:00:2a:00", &["192.0.2.10/24", "fe80::1/64"], m),
    );
    f.inside
        .insert("v0".into(), state("02:00:00:00:2a:02", &[], m));
    f.host
        .insert("ve-z1".into(), state("02:00:00:00:2a:03", &[], m));
    f.routes = zone().routes;
    f.sysctls
        .insert("net.ipv4.ip_forward".into(), Some("1".into()));
    f
}

#[test]
fn up_as_configured_plans_nothing() {
    assert_eq!(plan_up(&zone(), &all_up()).unwrap(), []);
}

/// web: no file of its own (copy of .defaults); db: 17 bytes; new: no file anywhere.
fn skips() -> Vec<SkipFact> {
    let fact = |guest: &str, own_len, copy_defaults, newline_first, append: &[&str]| SkipFact {
        own: format!("/v/{guest}/namespace-cleanup-skip").into(),
        defaults: "/v/.defaults/namespace-cleanup-skip".into(),
        own_len,
        edit: SkipEdit {
            copy_defaults,
            newline_first,
            append: append.iter().map(|l| l.to_string()).collect(),
        },
    };
    vec![
        fact("web", None, true, true, &["/run/netns", "/run/netns/*"]),
        fact("db", Some(17), false, false, &["/run/netns"]),
        fact("new", None, false, false, &["/run/netns"]),
    ]
}

#[test]
fn skip_edits_come_last_one_printf_a_line_and_are_undone_exactly() {
    let mut f = facts();
    f.skips = skips();
    let steps = plan_up(&zone(), &f).unwrap();
    let n = FROM_NOTHING.len();
    assert_eq!(
        lines(&steps[n..]),
        [
            "cp /v/.defaults/namespace-cleanup-skip /v/web/namespace-cleanup-skip",
            "printf '\\n%s\\n' /run/netns >> /v/web/namespace-cleanup-skip",
            "printf '%s\\n' '/run/netns/*' >> /v/web/namespace-cleanup-skip",
            "printf '%s\\n' /run/netns >> /v/db/namespace-cleanup-skip",
            "printf '%s\\n' /run/netns >> /v/new/namespace-cleanup-skip",
        ]
    );
    let tail = [
        "ip -n z1 link del dev v0",
        "ip -n z1 link del dev m0",
        "ip netns delete z1",
    ];
    // A failed network step: no guest file was touched, none is in the undo.
    assert!(undo(&steps[..10]).iter().all(Step::is_network));
    assert_eq!(
        lines(&undo(&steps[..n + 2])),
        [&["rm /v/web/namespace-cleanup-skip"][..], &tail].concat()
    );
    assert_eq!(
        lines(&undo(&steps)),
        [
            &[
                "rm /v/new/namespace-cleanup-skip",
                "truncate -s 17 /v/db/namespace-cleanup-skip",
                "rm /v/web/namespace-cleanup-skip",
            ][..],
            &tail
        ]
        .concat()
    );
}

#[test]
fn only_differences_are_planned_and_undone() {
    let mut f = all_up();
    f.inside.get_mut("lo").unwrap().up = false;
    f.inside.get_mut("m0").unwrap().addresses.clear();
    let v0 = f.inside.get_mut("v0").unwrap();
    v0.mac = Some(mac("02:99:00:00:00:01"));
    v0.mtu = Some(1500);
    let host_end = f.host.get_mut("ve-z1").unwrap();
    host_end.up = false;
    host_end.mtu = Some(1300);
    f.routes.clear();
    f.sysctls
        .insert("net.ipv4.ip_forward".into(), Some("0".into()));
    let steps = plan_up(&zone(), &f).unwrap();
    assert_eq!(
        lines(&steps),
        [
            "ip -n z1 link set dev lo up",
            "ip -n z1 addr add 192.0.2.10/24 dev m0",
            "ip -n z1 link set dev v0 address 02:00:00:00:2a:02",
            "ip -n z1 link set dev v0 mtu 1400",
            "ip link set dev ve-z1 mtu 1400",
            "ip link set dev ve-z1 up",
            "ip -n z1 -4 route add default via 192.0.2.1",
            "ip netns exec z1 sysctl -q -w net.ipv4.ip_forward=1",
        ]
    );
    assert_eq!(
        lines(&undo(&steps)),
        [
            "ip netns exec z1 sysctl -q -w net.ipv4.ip_forward=0",
            "ip -n z1 -4 route del default via 192.0.2.1",
            "ip link set dev ve-z1 down",
            "ip link set dev ve-z1 mtu 1300",
            "ip -n z1 link set dev v0 mtu 1500",
            "ip -n z1 link set dev v0 address 02:99:00:00:00:01",
            "ip -n z1 addr del 192.0.2.10/24 dev m0",
            "ip -n z1 link set dev lo down",
        ]
    );
}

#[test]
fn a_stale_entry_of_the_zone_is_remade() {
    let mut stale = facts();
    stale.netns = Entry::Unusable(Unusable::Stale);
    let steps = plan_up(&zone(), &stale).unwrap();
    let mut missing = facts();
    missing.netns = Entry::Missing;
    let fresh = plan_up(&zone(), &missing).unwrap();
    assert_eq!(lines(&steps[..1]), ["ip netns delete z1"]);
    assert_eq!(steps[1..], fresh[..]);
    // Undone, the new namespace goes; the stale entry was dead anyway.
    assert_eq!(lines(&undo(&steps[..3])), ["ip netns delete z1"]);
}

#[test]
fn a_stale_entry_whose_namespace_lives_on_is_attached_again() {
    let mut held = all_up();
    held.netns = Entry::Unusable(Unusable::Stale);
    held.found = Some(42);
    held.pids = vec![42, 7];
    assert_eq!(
        lines(&plan_up(&zone(), &held).unwrap()),
        ["ip netns delete z1", "ip netns attach z1 42"]
    );
    held.inside.get_mut("v0").unwrap().up = false;
    let steps = plan_up(&zone(), &held).unwrap();
    assert_eq!(lines(&steps[2..]), ["ip -n z1 link set dev v0 up"]);
    // Undone, the entry stays attached: only the change to the link is taken back.
    assert_eq!(lines(&undo(&steps)), ["ip -n z1 link set dev v0 down"]);
    // down: busy; forced, the marked host end goes (the pair with it), then the entry.
    assert_eq!(
        plan_down(&zone(), &held, false).unwrap_err(),
        PlanError::Busy(vec![42, 7])
    );
    assert_eq!(
        lines(&plan_down(&zone(), &held, true).unwrap()),
        ["ip link del dev ve-z1", "ip netns delete z1"]
    );
    // Where PID 1's view cannot be read, the entry may be live on the host: up and down
    // refuse to remove it (down --force does).
    let mut unknown = held.clone();
    unknown.pids.clear();
    unknown.pid1_unknown = true;
    for (refused, sub) in [
        (plan_up(&zone(), &unknown).unwrap_err(), "up"),
        (plan_down(&zone(), &unknown, false).unwrap_err(), "down"),
    ] {
        let PlanError::Conflict(m) = refused else {
            panic!("{refused:?}")
        };
        assert!(
            m.contains("whether the host sees it live cannot be told")
                && m.contains(&format!("run {sub} again")),
            "{m}"
        );
    }
    let mut known = unknown.clone();
    known.pid1_unknown = false;
    assert_eq!(
        plan_down(&zone(), &unknown, true),
        plan_down(&zone(), &known, false)
    );
    // Held by no process (a mount elsewhere): up names the zone's mark, never advises
    // deleting the link; down deletes what up made.
    let mut unreachable = facts();
    unreachable.netns = Entry::Unusable(Unusable::Stale);
    unreachable.host = all_up().host;
    match plan_up(&zone(), &unreachable) {
        Err(PlanError::Conflict(m)) => assert!(
            m.starts_with("the host end ve-z1 of v0 carries this zone's mark")
                && !m.contains("delete or rename"),
            "{m}"
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        lines(&plan_down(&zone(), &unreachable, false).unwrap()),
        ["ip link del dev ve-z1", "ip netns delete z1"]
    );
    // The same with no entry at all (up's hint says down deletes the host end): down does.
    let mut gone = unreachable.clone();
    gone.netns = Entry::Missing;
    assert!(
        matches!(plan_up(&zone(), &gone), Err(PlanError::Conflict(m)) if m.contains("'vspace-netns down z1' (deletes ve-z1"))
    );
    assert_eq!(
        lines(&plan_down(&zone(), &gone, false).unwrap()),
        ["ip link del dev ve-z1"]
    );
    // PID 1's view unknown: the zone may be live on the host; its host end stays (--force).
    let mut unknown = gone.clone();
    unknown.pid1_unknown = true;
    assert!(
        matches!(plan_down(&zone(), &unknown, false), Err(PlanError::Conflict(m)) if m.contains("whether the host sees the zone live cannot be told"))
    );
    assert_eq!(
        plan_down(&zone(), &unknown, true),
        plan_down(&zone(), &gone, false)
    );
    gone.host.get_mut("ve-z1").unwrap().alias = None;
    assert!(plan_down(&zone(), &gone, false).unwrap().is_empty());
    // A host link of that name without the mark is not the zone's: left alone.
    unreachable.host.get_mut("ve-z1").unwrap().alias = None;
    assert_eq!(
        lines(&plan_down(&zone(), &unreachable, true).unwrap()),
        ["ip netns delete z1"]
    );
}

#[test]
fn conflicts_are_refused() {
    let mut peer_on_host = facts();
    peer_on_host
        .host
        .insert("ve-z1".into(), LinkState::default());
    let mut peer_gone = all_up();
    peer_gone.host.clear();
    let mut symlink = facts();
    symlink.netns = Entry::Unusable(Unusable::Symlink);
    let mut mac_used = facts();
    mac_used
        .macs_elsewhere
        .insert(mac("02:00:00:00:2a:03"), "link v9 of zone z9".into());
    let mut other_route = all_up();
    other_route.routes[0].via = Some("192.0.2.99".parse().unwrap());
    let table = [
        (
            peer_on_host,
            "a link named ve-z1 (the host end of v0) already exists",
        ),
        (
            peer_gone,
            "v0 is in z1 but its host end ve-z1 is not on the host (renamed, or moved to another namespace); delete the pair with 'ip -n z1 link del dev v0' and run up again",
        ),
        (
            symlink,
            "/run/netns/z1 is a symbolic link, not a namespace mount; remove it with 'vspace-netns down z1'",
        ),
        (
            mac_used,
            "MAC 02:00:00:00:2a:03 of link ve-z1 is already used by link v9 of zone z9; zone ids must be unique",
        ),
        (
            other_route,
            "z1 has the route 'default via 192.0.2.99' where 'default via 192.0.2.1' is configured",
        ),
    ];
    for (f, want) in table {
        match plan_up(&zone(), &f) {
            Err(PlanError::Conflict(m)) => assert!(m.starts_with(want), "{m}"),
            other => panic!("{want}: {other:?}"),
        }
    }
}

#[test]
fn a_link_named_like_a_host_link_is_made_inside() {
    let mut f = facts();
    f.host
        .insert("m0".into(), state("02:00:00:00:99:00", &[], None));
    f.host
        .insert("v0".into(), state("02:00:00:00:99:01", &[], None));
    assert_eq!(lines(&plan_up(&zone(), &f).unwrap()), FROM_NOTHING);
}

#[test]
fn undo_deletes_what_was_made() {
    let steps = plan_up(&zone(), &facts()).unwrap();
    assert_eq!(
        lines(&undo(&steps[..10])),
        [
            "ip -n z1 link del dev vsn7818ebec9044",
            "ip -n z1 link del dev m0",
            "ip netns delete z1"
        ]
    );
    assert_eq!(lines(&undo(&steps[..3])), ["ip netns delete z1"]);
    assert_eq!(undo(&[]), []);
}

#[test]
fn down_deletes_only_marked_things() {
    let f = all_up();
    let all = [
        "ip -n z1 link del dev v0",
        "ip -n z1 link del dev m0",
        "ip netns delete z1",
    ];
    assert_eq!(lines(&plan_down(&zone(), &f, false).unwrap()), all);
    assert_eq!(plan_down(&zone(), &facts(), false).unwrap(), []);
    let mut busy = all_up();
    busy.pids = vec![42, 7];
    assert_eq!(
        plan_down(&zone(), &busy, false).unwrap_err(),
        PlanError::Busy(vec![42, 7])
    );
    // Forced: the namespace stays its processes', and loses the zone's mark before its entry.
    assert_eq!(
        lines(&plan_down(&zone(), &busy, true).unwrap()),
        [
            "ip -n z1 link del dev v0",
            "ip -n z1 link del dev m0",
            "ip -n z1 link set dev lo alias ''",
            "ip netns delete z1",
        ]
    );
    // Processes whose namespace may not be read: any may be inside; refused as for one
    // inside, forced alike.
    let mut unseen = all_up();
    unseen.unseen = vec![9, 3];
    assert_eq!(
        plan_down(&zone(), &unseen, false).unwrap_err(),
        PlanError::Unseen(vec![9, 3])
    );
    assert_eq!(
        plan_down(&zone(), &unseen, true).unwrap(),
        plan_down(&zone(), &busy, true).unwrap()
    );
    let mut unmarked = all_up();
    unmarked.inside.get_mut("lo").unwrap().alias = None;
    unmarked.inside.get_mut("m0").unwrap().alias = Some("vspace-netns:z2".into());
    assert_eq!(
        plan_down(&zone(), &unmarked, false).unwrap_err(),
        PlanError::Unmarked(vec![
            "link m0 in z1 (alias 'vspace-netns:z2')".into(),
            "the namespace /run/netns/z1 (its lo: no alias)".into()
        ])
    );
    assert_eq!(lines(&plan_down(&zone(), &unmarked, true).unwrap()), all);
    // A link inside that is not configured: deleted with the zone when it carries the
    // mark, else refused by name (deleting the namespace would delete it).
    let mut foreign = all_up();
    foreign
        .inside
        .insert("x0".into(), state("02:00:00:00:99:09", &[], None));
    assert_eq!(
        plan_down(&zone(), &foreign, false).unwrap_err(),
        PlanError::Unmarked(vec!["link x0 in z1 (no alias)".into()])
    );
    let forced = lines(&plan_down(&zone(), &foreign, true).unwrap());
    assert_eq!(forced[2], "ip -n z1 link del dev x0");
    foreign.inside.get_mut("x0").unwrap().alias = Some("vspace-netns:z1".into());
    assert_eq!(lines(&plan_down(&zone(), &foreign, false).unwrap()), forced);
    assert_eq!(unconfigured(&zone(), &foreign).collect::<Vec<_>>(), ["x0"]);
    // A foreign veth pair with both ends inside, and a macvlan on one of them: forced, the
    // first deleted takes the others with it; each is deleted once. Unforced, each is named.
    let mut pair = all_up();
    for (name, index, lower) in [("x0", 90, 91), ("x1", 91, 90), ("x2", 92, 90)] {
        let mut l = state("02:00:00:00:99:09", &[], None);
        (l.index, l.lower) = (index, Some(lower));
        pair.inside.insert(name.into(), l);
    }
    let forced = lines(&plan_down(&zone(), &pair, true).unwrap());
    let dels: Vec<&String> = forced.iter().filter(|l| l.contains(" x")).collect();
    assert_eq!(dels, ["ip -n z1 link del dev x0"]);
    assert_eq!(
        plan_down(&zone(), &pair, false).unwrap_err(),
        PlanError::Unmarked(vec![
            "link x0 in z1 (no alias)".into(),
            "link x1 in z1 (no alias)".into(),
            "link x2 in z1 (no alias)".into()
        ])
    );
    // A lower device deleted later than its upper one: both steps stand.
    pair.inside.get_mut("x2").unwrap().lower = None;
    pair.inside.get_mut("x0").unwrap().lower = Some(92);
    let forced = lines(&plan_down(&zone(), &pair, true).unwrap());
    let dels: Vec<&String> = forced.iter().filter(|l| l.contains(" x")).collect();
    assert_eq!(
        dels,
        ["ip -n z1 link del dev x0", "ip -n z1 link del dev x2"]
    );
    assert_eq!(unconfigured(&zone(), &all_up()).count(), 0);
    let mut stale = facts();
    stale.netns = Entry::Unusable(Unusable::Stale);
    assert_eq!(
        lines(&plan_down(&zone(), &stale, false).unwrap()),
        ["ip netns delete z1"]
    );
    let mut symlink = facts();
    symlink.netns = Entry::Unusable(Unusable::Symlink);
    assert!(matches!(
        plan_down(&zone(), &symlink, false),
        Err(PlanError::Unmarked(_))
    ));
}

#[test]
fn odd_names_print_as_words_sh_reads_back() {
    let step = Step::AppendSkip {
        file: "/v/~g\\x/namespace-cleanup-skip".into(),
        newline_first: false,
        line: "/run/netns/~z".into(),
        was: None,
    };
    assert_eq!(
        step.to_string(),
        "printf '%s\\n' '/run/netns/~z' >> '/v/~g\\x/namespace-cleanup-skip'"
    );
}

#[test]
fn mac_clashes_between_zones_are_named() {
    let mut other = zone();
    other.netns = "z2".into();
    other.links.truncate(1);
    let (_, clashes) = zone_macs(&[zone(), other]);
    assert_eq!(
        clashes,
        ["MAC 02:00:00:00:2a:00 is given to link m0 of zone z1 and link m0 of zone z2"]
    );
    assert!(zone_macs(&[zone()]).1.is_empty());
}

/// The zone of [`zone`] with its macvlan made an ipvlan of `mode` on the same parent.
fn ipvlan_zone(mode: &str) -> Zone {
    let mut z = zone();
    z.links[0].kind = Kind::new(crate::zone::config::kind::Ipvlan {
        parent: "eth0".into(),
        mode: mode.into(),
    });
    z.links[0].mac = None;
    z
}

#[test]
fn an_ipvlan_is_made_without_a_mac_and_its_parents_mac_is_left_alone() {
    for mode in ["l2", "l3", "l3s"] {
        let steps = plan_up(&ipvlan_zone(mode), &facts()).unwrap();
        assert_eq!(
            lines(&steps)[3],
            format!("ip link add link eth0 name vsn77f3e9ec9025 netns z1 type ipvlan mode {mode}")
        );
        // Every other line is the macvlan zone's.
        assert_eq!(lines(&steps)[4..], FROM_NOTHING[4..]);
    }
    // Up, the ipvlan shows its parent's MAC (whatever it is): no SetMac is planned.
    let mut f = all_up();
    f.inside.get_mut("m0").unwrap().mac = Some(mac("52:54:00:12:34:56"));
    assert_eq!(plan_up(&ipvlan_zone("l2"), &f).unwrap(), []);
    // Its parent missing is refused before anything changes, as for a macvlan.
    let mut no_parent = facts();
    no_parent.host.remove("eth0");
    assert!(matches!(
        plan_up(&ipvlan_zone("l3"), &no_parent),
        Err(PlanError::Conflict(m)) if m.contains("eth0")
    ));
    // No MAC of its own: nothing to clash with another zone's.
    let (by_mac, clashes) = zone_macs(&[ipvlan_zone("l2")]);
    assert!(clashes.is_empty());
    assert!(!by_mac.contains_key(&mac("02:00:00:00:2a:00")));
}
