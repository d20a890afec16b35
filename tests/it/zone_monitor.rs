//! Monitoring zones as root: an idle zone (down, none of its guests running) is healthy and a
//! zone down under a running guest is not, in `status` (text, JSON, exit status, with and
//! without `--expect-up`); the PIDs in a zone and its running guests are found by what runs
//! in the zone's namespace (a guest chrooted in its `vdir`, no run file); routes print their
//! table by name as configured; `status --format prometheus` parses as the exposition format;
//! `up --dry-run` warns about the host side a zone lacks.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::common::zone::*;
use crate::common::*;

/// A zone with one veth link, address and default route; guests `web` and `db` name it.
fn veth_zone(prefix: &str, route: &str) -> (TestZone, String) {
    let mut z = TestZone::new(prefix);
    let (v, p) = (unique("mv"), unique("mp"));
    z.write("id", &format!("{}\n", unique_id()));
    z.link(
        &v,
        &[
            ("type", "veth\n"),
            ("peer", &format!("{p}\n")),
            ("address", "10.81.3.1/24\n"),
        ],
    );
    z.write("routes", route);
    let name = z.name.clone();
    z.guest("web", format!("{name}\n").as_bytes());
    z.guest("db", format!("{name}\n").as_bytes());
    (z, v)
}

fn json(z: &TestZone, args: &[&str], status: i32) -> serde_json::Value {
    let mut a = vec!["status", "--json"];
    a.extend_from_slice(args);
    let out = run_status(&mut z.cmd(&a), status);
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out.stdout)))
}

#[test]
fn an_idle_zone_is_healthy_and_a_zone_down_under_a_running_guest_is_not() {
    let (z, _) = veth_zone("mi", "");
    let n = z.name.clone();
    // Never brought up, no guest running: idle, exit 0, in words and JSON.
    let out = run_status(&mut z.cmd(&["status", &n]), 0);
    assert_eq!(
        text(&out.stdout),
        format!("zone {n}: idle\n    guest db: stopped\n    guest web: stopped\n")
    );
    let j = json(&z, &[&n], 0);
    assert_eq!(j["zones"][0]["state"], "idle");
    assert_eq!(j["healthy"], true);
    assert_eq!(j["as_configured"], false);
    // Where zones must be up, idle fails.
    let j = json(&z, &[&n, "--expect-up"], 1);
    assert_eq!(j["zones"][0]["state"], "idle");
    assert_eq!(j["healthy"], false);
    run_status(&mut z.cmd(&["status", "--expect-up", &n]), 1);
    // Up: healthy either way.
    run_ok(&mut z.cmd(&["up", &n]));
    assert_eq!(json(&z, &[&n, "--expect-up"], 0)["zones"][0]["state"], "up");
    run_ok(&mut z.cmd(&["down", &n]));
    assert_eq!(json(&z, &[&n], 0)["zones"][0]["state"], "idle");
    // A guest runs (util-vserver's run file) while its zone is down: down, a failure.
    std::fs::write(z.vservers().join("web/run"), "1001\n").unwrap();
    let out = run_status(&mut z.cmd(&["status", &n]), 1);
    assert_eq!(
        text(&out.stdout),
        format!("zone {n}: down\n    guest db: stopped\n    guest web: running\n")
    );
    let j = json(&z, &[&n], 1);
    assert_eq!(j["zones"][0]["state"], "down");
    assert_eq!(j["healthy"], false);
}

/// The static `tests/c/pause.c`, to run chrooted in a root that holds nothing else.
fn pause_bin() -> &'static Path {
    static P: OnceLock<PathBuf> = OnceLock::new();
    P.get_or_init(|| compile_c("pause.c", "pause", &["-static"]))
}

/// A process of guest root `root` in the namespace `ns`: `ip netns exec NS chroot ROOT
/// /pause`, killed on drop.
fn in_guest(ns: &str, root: &Path) -> Sleeper {
    copy_program(pause_bin(), &root.join("pause"), 0o755);
    Sleeper::start(
        Command::new("ip")
            .args(["netns", "exec", ns, "chroot"])
            .arg(root)
            .arg("/pause"),
        &Path::new("/run/netns").join(ns),
        "pause",
    )
}

#[test]
fn pids_and_running_guests_are_found_by_what_runs_in_the_zone() {
    let (z, v) = veth_zone("mp", "default via 10.81.3.254 table main\n");
    let n = z.name.clone();
    // web's root: its vdir, a link as util-vserver makes it.
    let root = z.root.path().join("roots/web");
    std::fs::create_dir_all(&root).unwrap();
    let root = std::fs::canonicalize(&root).unwrap();
    std::os::unix::fs::symlink(&root, z.vservers().join("web/vdir")).unwrap();
    run_ok(&mut z.cmd(&["up", &n]));
    let web = in_guest(&n, &root);
    let other = Sleeper::new(&n); // in the zone, but no guest's (its root is /)
    let (wp, op) = (web.pid() as i32, other.pid() as i32);
    // No run file anywhere: web runs because its process is in the zone.
    let j = json(&z, &[&n], 0);
    let zs = &j["zones"][0];
    let mut pids: Vec<i64> = zs["pids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_i64().unwrap())
        .collect();
    pids.sort();
    let mut want = vec![i64::from(wp), i64::from(op)];
    want.sort();
    assert_eq!(pids, want, "{zs}");
    assert_eq!(
        zs["guests"],
        serde_json::json!([
            {"name": "db", "running": false, "pids": []},
            {"name": "web", "running": true, "pids": [wp]}
        ])
    );
    // The route as the file says it: table main, not 254.
    assert_eq!(
        zs["routes"],
        serde_json::json!([format!("default via 10.81.3.254 dev {v} table main")])
    );
    let out = run_ok(&mut z.cmd(&["status", &n]));
    let t = text(&out.stdout);
    let lines: Vec<&str> = t.lines().collect();
    assert!(lines[0].starts_with(&format!("zone {n}: up, net:[")), "{t}");
    let shown: Vec<i64> = lines[1]
        .strip_prefix("    pids: ")
        .unwrap_or_else(|| panic!("{t}"))
        .split(' ')
        .map(|p| p.parse().unwrap())
        .collect();
    let mut sorted = shown.clone();
    sorted.sort();
    assert_eq!(sorted, want, "{t}");
    assert!(
        t.contains(&format!(
            "    route: default via 10.81.3.254 dev {v} table main\n"
        )),
        "{t}"
    );
    assert!(!t.contains("254 table") && !t.contains("table 254"), "{t}");
    assert!(
        t.ends_with(&format!(
            "    guest db: stopped\n    guest web: running, pids {wp}\n"
        )),
        "{t}"
    );
    // web's process gone: stopped again (no run file says otherwise).
    drop(web);
    let j = json(&z, &[&n], 0);
    assert_eq!(j["zones"][0]["guests"][1]["running"], false);
    assert_eq!(j["zones"][0]["pids"], serde_json::json!([op]));
}

/// One sample of the exposition format: name, labels, value.
type Sample = (String, BTreeMap<String, String>, f64);

/// Parses the Prometheus text format strictly: each family's `# HELP` then `# TYPE NAME gauge`
/// before its samples, no family twice, label values unescaped; panics on anything else.
fn parse_prometheus(t: &str) -> Vec<Sample> {
    let mut families: Vec<String> = Vec::new();
    let mut typed: Option<String> = None;
    let mut samples = Vec::new();
    assert!(t.ends_with('\n'), "{t}");
    for line in t.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, help) = rest.split_once(' ').unwrap();
            assert!(!help.is_empty(), "{line}");
            assert!(!families.contains(&name.to_string()), "{name} twice:\n{t}");
            families.push(name.to_string());
            typed = None;
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            assert_eq!(
                Some(rest),
                families.last().map(|f| format!("{f} gauge")).as_deref()
            );
            typed = families.last().cloned();
        } else {
            let (name, rest) = line.split_once('{').unwrap_or_else(|| panic!("{line}"));
            assert_eq!(
                Some(name),
                typed.as_deref(),
                "a sample before its TYPE: {line}"
            );
            assert!(
                name.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
                "{name}"
            );
            let mut labels = BTreeMap::new();
            let mut chars = rest.chars().peekable();
            loop {
                let key: String = chars.by_ref().take_while(|c| *c != '=').collect();
                assert_eq!(chars.next(), Some('"'), "{line}");
                let mut value = String::new();
                loop {
                    match chars.next().unwrap_or_else(|| panic!("{line}")) {
                        '\\' => match chars.next() {
                            Some('\\') => value.push('\\'),
                            Some('"') => value.push('"'),
                            Some('n') => value.push('\n'),
                            c => panic!("bad escape {c:?} in {line}"),
                        },
                        '"' => break,
                        c => value.push(c),
                    }
                }
                labels.insert(key, value);
                match chars.next() {
                    Some(',') => continue,
                    Some('}') => break,
                    c => panic!("{c:?} in {line}"),
                }
            }
            assert_eq!(chars.next(), Some(' '), "{line}");
            let value: String = chars.collect();
            samples.push((name.to_string(), labels, value.parse().unwrap()));
        }
    }
    samples
}

fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> f64 {
    let found: Vec<&Sample> = samples
        .iter()
        .filter(|s| {
            s.0 == name
                && labels.len() == s.1.len()
                && labels
                    .iter()
                    .all(|(k, v)| s.1.get(*k).map(String::as_str) == Some(*v))
        })
        .collect();
    assert_eq!(found.len(), 1, "{name} {labels:?}: {found:?}");
    found[0].2
}

#[test]
fn the_prometheus_format_parses_and_says_each_zones_state_links_pids_and_guests() {
    let (z, v) = veth_zone("mq", "");
    let n = z.name.clone();
    let idle = format!("{n}i");
    std::fs::create_dir_all(z.conf().join(&idle)).unwrap();
    // A guest whose name needs escaping in a label value.
    z.guest("we\"b\\x", format!("{n}\n").as_bytes());
    run_ok(&mut z.cmd(&["up", &n]));
    let peer = z.host_links[1].clone();
    let sleeper = Sleeper::new(&n);
    let out = run_ok(&mut z.cmd(&["status", "--format", "prometheus"]));
    let t = text(&out.stdout);
    let s = parse_prometheus(&t);
    let st = "vspace_netns_zone_state";
    assert_eq!(value(&s, st, &[("zone", &n), ("state", "up")]), 1.0);
    assert_eq!(value(&s, st, &[("zone", &n), ("state", "idle")]), 0.0);
    assert_eq!(value(&s, st, &[("zone", &idle), ("state", "idle")]), 1.0);
    assert_eq!(value(&s, st, &[("zone", &idle), ("state", "up")]), 0.0);
    for zone in [&n, &idle] {
        let states = s
            .iter()
            .filter(|x| x.0 == st && x.1["zone"] == *zone)
            .count();
        assert_eq!(states, 6, "one sample a state:\n{t}");
        assert_eq!(
            value(&s, "vspace_netns_zone_healthy", &[("zone", zone)]),
            1.0
        );
    }
    assert_eq!(value(&s, "vspace_netns_zone_pids", &[("zone", &n)]), 1.0);
    assert_eq!(value(&s, "vspace_netns_zone_pids", &[("zone", &idle)]), 0.0);
    // lo and the veth inside, its host end.
    assert_eq!(value(&s, "vspace_netns_zone_links", &[("zone", &n)]), 3.0);
    let up = "vspace_netns_link_up";
    assert_eq!(
        value(&s, up, &[("zone", &n), ("link", &v), ("place", "inside")]),
        1.0
    );
    assert_eq!(
        value(&s, up, &[("zone", &n), ("link", "lo"), ("place", "inside")]),
        1.0
    );
    assert_eq!(
        value(&s, up, &[("zone", &n), ("link", &peer), ("place", "host")]),
        1.0
    );
    let g = "vspace_netns_guest_running";
    assert_eq!(value(&s, g, &[("zone", &n), ("guest", "web")]), 0.0);
    // The guest's name as every message shows it (a backslash doubled), then label-escaped.
    assert_eq!(value(&s, g, &[("zone", &n), ("guest", "we\"b\\\\x")]), 0.0);
    // --expect-up: the idle zone unhealthy, and the status says so.
    let out = run_status(
        &mut z.cmd(&["status", "--format", "prometheus", "--expect-up"]),
        1,
    );
    let s = parse_prometheus(&text(&out.stdout));
    assert_eq!(
        value(&s, "vspace_netns_zone_healthy", &[("zone", &idle)]),
        0.0
    );
    assert_eq!(value(&s, "vspace_netns_zone_healthy", &[("zone", &n)]), 1.0);
    drop(sleeper);
    // --json and --format conflict; an unknown format is a usage error.
    run_status(&mut z.cmd(&["status", "--json", "--format", "text"]), 2);
    run_status(&mut z.cmd(&["status", "--format", "yaml"]), 2);
}

#[test]
fn up_dry_run_warns_about_the_host_side_the_zone_lacks() {
    let mut z = TestZone::new("mw");
    let parent = HostVeth::new();
    let l = unique("mm");
    z.write("id", &format!("{}\n", unique_id()));
    z.link(
        &l,
        &[("type", "macvlan\n"), ("link", &format!("{}\n", parent.a))],
    );
    let n = z.name.clone();
    // Parent up, vprocunhide missing (as TestZone has it).
    let out = run_ok(&mut z.cmd(&["up", &n, "--dry-run"]));
    let err = text(&out.stderr);
    let unhide = z.root.path().join("no-vprocunhide");
    assert!(
        err.contains(&format!(
            "vspace-netns: WARN vprocunhide {} is missing or not executable\n    fix: install util-vserver",
            unhide.display()
        )),
        "{err}"
    );
    assert!(!err.contains("parent link"), "{err}");
    // Parent down: a warning with the command that fixes it; the printed lines stay a script.
    run_ok(Command::new("ip").args(["link", "set", "dev", &parent.a, "down"]));
    // The plan itself then refuses (a link cannot go up on a parent that is down), after the
    // warning.
    let out = run(&mut z.cmd(&["up", &n, "--dry-run"]));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!(
            "vspace-netns: WARN zone {n}: the parent link {p} of link {l} is down on the host\n    fix: bring it up: ip link set dev {p} up",
            p = parent.a
        )),
        "{err}"
    );
    assert!(!text(&out.stdout).contains("WARN"));
    // Parent missing: said, whatever the plan then makes of it.
    let gone = unique("mg");
    z.write(&format!("links/{l}/link"), &format!("{gone}\n"));
    let out = run(&mut z.cmd(&["up", &n, "--dry-run"]));
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!(
            "vspace-netns: WARN zone {n}: the parent link {gone} of link {l} is missing on the host\n    fix: create {gone}"
        )),
        "{err}"
    );
    assert!(!std::path::Path::new("/run/netns").join(&n).exists());
}

/// `up` adds what is configured and removes nothing: an address or a route taken out of the
/// files stays in the zone. status says partial and names each (it said up), doctor gives
/// the line that deletes it, and once those lines have run the zone is up again. What is not
/// the admin's is no difference: a member guest's address, the kernel's IPv6 link-local one,
/// an address with a lifetime, a route a daemon keeps (proto dhcp).
#[test]
fn an_address_or_route_taken_out_of_the_configuration_is_named_with_its_fix() {
    let (z, v) = veth_zone(
        "mu",
        "default via 10.81.3.254\n10.82.0.0/16 via 10.81.3.253\n",
    );
    let n = z.name.clone();
    z.write(
        &format!("links/{v}/address"),
        "10.81.3.1/24\n10.81.4.1/24\n",
    );
    // web's interface in the zone, as its start applies it.
    let web = z.vservers().join("web/interfaces/0");
    write(&web.join("ip"), "10.81.3.20\n");
    write(&web.join("prefix"), "24\n");
    write(&web.join("dev"), &format!("{v}\n"));
    run_ok(&mut z.cmd(&["up", &n]));
    z.ip_in(&["addr", "add", "10.81.3.20/24", "dev", &v]);
    z.ip_in(&[
        "-6",
        "addr",
        "add",
        "2001:db8:81::9/64",
        "dev",
        &v,
        "valid_lft",
        "600",
        "preferred_lft",
        "600",
        "nodad",
    ]);
    z.ip_in(&[
        "route",
        "add",
        "10.83.0.0/16",
        "via",
        "10.81.3.252",
        "proto",
        "dhcp",
    ]);
    // A DHCP client's lease: an address with a lifetime and a route (proto boot, as its
    // script adds it) through a gateway only that address reaches.
    z.ip_in(&[
        "addr",
        "add",
        "10.81.6.5/24",
        "dev",
        &v,
        "valid_lft",
        "600",
        "preferred_lft",
        "600",
    ]);
    z.ip_in(&["route", "add", "10.84.0.0/16", "via", "10.81.6.1"]);
    run_ok(&mut z.cmd(&["status", &n]));
    // The second address and the second route are taken out of the files; an address of
    // the second address's subnet is added by hand (a secondary: the kernel deletes it with
    // the primary unless promote_secondaries is on), and a point-to-point one.
    z.write(&format!("links/{v}/address"), "10.81.3.1/24\n");
    z.ip_in(&["addr", "add", "10.81.4.7/24", "dev", &v]);
    z.ip_in(&["addr", "add", "10.81.5.1", "peer", "10.81.5.2", "dev", &v]);
    z.write("routes", "default via 10.81.3.254\n");
    let addr = format!("address 10.81.4.1/24 on link {v} inside is not configured");
    let second = format!("address 10.81.4.7/24 on link {v} inside is not configured");
    let peer = format!("address 10.81.5.1 peer 10.81.5.2/32 on link {v} inside is not configured");
    let route = format!("route 10.82.0.0/16 via 10.81.3.253 dev {v} inside is not configured");
    // up changes nothing and says what it leaves alone, as comments.
    let note =
        format!("(up removes nothing: vspace-netns doctor {n} gives the line that deletes it)");
    for args in [vec!["up", &n], vec!["up", &n, "--dry-run"]] {
        let out = run_ok(&mut z.cmd(&args));
        let said = text(&out.stdout);
        let left: Vec<&str> = said
            .lines()
            .filter(|l| l.starts_with("# left alone: "))
            .collect();
        assert!(
            said.starts_with(&format!("# nothing to do: zone {n} is up as configured\n")),
            "{said}"
        );
        assert_eq!(
            left,
            [&addr, &peer, &second, &route].map(|w| format!("# left alone: {w} {note}")),
            "{said}"
        );
    }
    let out = run_status(&mut z.cmd(&["status", &n]), 1);
    let said = text(&out.stdout);
    assert!(
        said.starts_with(&format!("zone {n}: partial, net:[")),
        "{said}"
    );
    assert!(said.contains(&addr) && said.contains(&route), "{said}");
    let out = run_status(&mut z.cmd(&["doctor", &n]), 1);
    let flat = doctor_flat(&text(&out.stdout));
    let fails: Vec<&String> = flat
        .iter()
        .filter(|l| l.starts_with(&format!("FAIL zone {n}: ")))
        .collect();
    assert_eq!(fails.len(), 4, "{flat:#?}");
    let del_second = format!("ip -n {n} addr del 10.81.4.7/24 dev {v}");
    let del_peer = format!("ip -n {n} addr del 10.81.5.1 dev {v} peer 10.81.5.2/32");
    let del_addr = format!("ip -n {n} addr del 10.81.4.1/24 dev {v}");
    let del_route =
        format!("ip -n {n} -4 route del 10.82.0.0/16 via 10.81.3.253 dev {v} metric 0 table 254");
    let fail_of = |what: &str| {
        fails
            .iter()
            .find(|l| l.contains(what))
            .unwrap_or_else(|| panic!("no FAIL for {what}: {flat:#?}"))
            .to_string()
    };
    let primary = fail_of(&addr);
    let promote = format!(
        "it is the primary address of its subnet, and the kernel deletes the subnet's other addresses with it (10.81.4.7/24) unless promote_secondaries is on: first ip netns exec {n} sysctl -q -w net.ipv4.conf.{v}.promote_secondaries=1"
    );
    assert!(primary.contains(&promote), "{primary}");
    assert!(
        !fail_of(&second).contains("primary"),
        "{}",
        fail_of(&second)
    );
    for (what, line) in [
        (&second, &del_second),
        (&peer, &del_peer),
        (&addr, &del_addr),
        (&route, &del_route),
    ] {
        assert!(
            fail_of(what).contains(&format!("delete it ({line})")),
            "{}",
            fail_of(what)
        );
        run_ok(Command::new("sh").args(["-c", line]));
    }
    let out = run_ok(&mut z.cmd(&["status", &n]));
    assert!(
        text(&out.stdout).starts_with(&format!("zone {n}: up, net:[")),
        "{}",
        text(&out.stdout)
    );
    run_ok(&mut z.cmd(&["down", &n]));
}
