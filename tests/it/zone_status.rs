//! `vspace-netns status [ZONE...] [--json]` as root, on zones in every state: up, partial
//! (`lo` down), stale, down, invalid; links, routes, member guests running and stopped, and the
//! exit status saying whether everything is as configured.

use std::process::Command;

use crate::common::zone::*;
use crate::common::*;

fn json(z: &TestZone, args: &[&str], status: i32) -> serde_json::Value {
    let mut a = vec!["status", "--json"];
    a.extend_from_slice(args);
    let out = run_status(&mut z.cmd(&a), status);
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out.stdout)))
}

#[test]
fn status_shows_zones_in_every_state_and_says_whether_all_are_as_configured() {
    let mut z = TestZone::new("zt");
    let (v, p) = (unique("zv"), unique("zp"));
    z.write("id", "14\n");
    z.link(
        &v,
        &[
            ("type", "veth\n"),
            ("peer", &format!("{p}\n")),
            ("address", "10.79.14.1/24\n"),
        ],
    );
    z.write("routes", "default via 10.79.14.254\n");
    let up = z.name.clone();
    let (partial, stale, down, bad) = (
        format!("{up}p"),
        format!("{up}s"),
        format!("{up}d"),
        format!("{up}i"),
    );
    let _extra = Netns {
        name: partial.clone(),
    };
    for n in [&partial, &stale, &down] {
        std::fs::create_dir_all(z.conf().join(n)).unwrap();
    }
    write(&z.conf().join(&bad).join("links/x0/type"), "bridge\n");
    let web = z.guest("web", format!("{up}\n").as_bytes());
    z.guest("db", format!("{up}\n").as_bytes());
    std::fs::write(web.join("run"), "1001\n").unwrap(); // util-vserver's run file: web runs
    run_ok(&mut z.cmd(&["up", &up]));
    // Only up: as configured.
    let j = json(&z, &[&up], 0);
    assert_eq!(j["as_configured"], true);
    let zu = &j["zones"][0];
    assert_eq!(zu["name"], up.as_str());
    assert_eq!(zu["state"], "up");
    let ino = std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(z.entry()).unwrap());
    assert_eq!(zu["netns"], format!("net:[{ino}]"));
    let link = zu["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == v.as_str())
        .unwrap();
    assert_eq!(link["mac"], "02:00:00:00:0e:00");
    assert_eq!(link["state"], "up");
    assert_eq!(link["place"], "inside");
    assert_eq!(link["addresses"][0], "10.79.14.1/24");
    assert!(
        zu["links"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["name"] == p.as_str() && l["place"] == "host"),
        "{zu}"
    );
    // As `ip route` prints it: no `metric 0`, no `table 254` (the file names no table).
    assert_eq!(
        zu["routes"],
        serde_json::json!([format!("default via 10.79.14.254 dev {v}")])
    );
    assert_eq!(
        zu["guests"],
        serde_json::json!([{"name": "db", "running": false, "pids": []}, {"name": "web", "running": true, "pids": []}])
    );
    assert_eq!(
        j["guests"],
        serde_json::json!([{"guest": "db", "zone": up}, {"guest": "web", "zone": up}])
    );

    // Every state at once.
    run_ok(&mut z.cmd(&["up", &partial]));
    run_ok(Command::new("ip").args(["-n", &partial, "link", "set", "dev", "lo", "down"]));
    let _stale = RunDirEntry::stale(&std::path::Path::new("/run/netns").join(&stale));
    let j = json(&z, &[], 1);
    assert_eq!(j["as_configured"], false);
    let states: Vec<(String, String)> = j["zones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|z| {
            (
                z["name"].as_str().unwrap().into(),
                z["state"].as_str().unwrap().into(),
            )
        })
        .collect();
    let mut want = vec![
        (up.clone(), "up".to_string()),
        // No entry, none of its guests running: idle.
        (down.clone(), "idle".into()),
        (bad.clone(), "invalid".into()),
        (partial.clone(), "partial".into()),
        (stale.clone(), "stale".into()),
    ];
    want.sort();
    assert_eq!(states, want);
    let zp = j["zones"]
        .as_array()
        .unwrap()
        .iter()
        .find(|z| z["name"] == partial.as_str())
        .unwrap();
    assert_eq!(zp["differs"], serde_json::json!(["lo is down inside"]));
    let zi = j["zones"]
        .as_array()
        .unwrap()
        .iter()
        .find(|z| z["name"] == bad.as_str())
        .unwrap();
    assert!(
        zi["error"]
            .as_str()
            .unwrap()
            .contains("'bridge' is not a link type"),
        "{zi}"
    );

    // In words.
    let out = run_status(&mut z.cmd(&["status", &partial, &up]), 1);
    let t = text(&out.stdout);
    assert!(
        t.starts_with(&format!("zone {partial}: partial, net:[")),
        "{t}"
    );
    assert!(
        t.contains(": lo is down inside\n    link lo (inside): down"),
        "{t}"
    );
    assert!(
        t.contains(&format!("\nzone {up}: up, net:[{ino}]\n")),
        "{t}"
    );
    assert!(
        t.contains(&format!(
            "    link {v} (inside): up 02:00:00:00:0e:00 10.79.14.1/24"
        )),
        "{t}"
    );
    assert!(
        t.contains("    guest web: running\n    guest db: stopped\n")
            || t.contains("    guest db: stopped\n    guest web: running\n"),
        "{t}"
    );
    // Down while a guest runs (its run file): down, a failure.
    run_ok(&mut z.cmd(&["down", &up]));
    let out = run_status(&mut z.cmd(&["status", &up]), 1);
    assert_eq!(
        text(&out.stdout),
        format!("zone {up}: down\n    guest db: stopped\n    guest web: running\n")
    );
}
