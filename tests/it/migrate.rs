//! `docs/migrate.md`'s worked example, run as written on a guest set up as the
//! SplitSharedNetworks hook wants it (context id, `spaces/net` naming the guest itself, an
//! address in `interfaces/0/` on `fw-vlan2`, the hook linked into `scripts/PHASE.d/`), in temp
//! roots on a private host (tests/it/common/docs.rs). The zone it makes must give the link the
//! hook's name and the MAC the hook's own formula gives (`createMacVidId`, computed here by
//! the write-up's shell function under bash), and `up --dry-run` must create it with them; the
//! hook's links must be gone and `interfaces/0/nodev` there.

use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::Command;

use crate::common::*;

/// The write-up's MAC formula, as its hook runs it (bash, `S_CONTEXT` the guest's context).
fn create_mac_vid_id(context: u32, vid: u32, index: u32) -> String {
    let script = r#"
function createMacVidId() {
  (
    printf "02"
    printf "%04x" $1 # I usually use VID
    printf "%04x" $S_CONTEXT
    printf "%02x" $2 # IFACE number f.i.
  )| sed 's/\(..\)\(..\)\(..\)\(..\)\(..\)\(..\)/\1:\2:\3:\4:\5:\6/'
}
S_CONTEXT=$1
createMacVidId $2 $3
"#;
    let out = run_ok(
        Command::new("bash")
            .args(["-c", script, "bash"])
            .arg(context.to_string())
            .arg(vid.to_string())
            .arg(index.to_string()),
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn write(p: &Path, text: &str) {
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

#[test]
fn the_worked_example_keeps_the_hook_s_macs_and_link_names() {
    require_root();
    // The formula itself, on the write-up's own kind of values.
    assert_eq!(create_mac_vid_id(1001, 2, 0), "02:00:02:03:e9:00");
    assert_eq!(create_mac_vid_id(40000, 4094, 7), "02:0f:fe:9c:40:07");

    let t = tempfile::tempdir().unwrap();
    let (v, z) = (t.path().join("vservers"), t.path().join("zones"));
    std::fs::create_dir_all(&z).unwrap();
    let web = v.join("web");
    write(&web.join("context"), "1001\n");
    write(&web.join("spaces/net"), "web\n");
    write(&web.join("interfaces/0/ip"), "192.0.2.20\n");
    write(&web.join("interfaces/0/prefix"), "24\n");
    write(&web.join("interfaces/0/dev"), "fw-vlan2\n");
    write(&web.join("namespace-cleanup-skip"), "/run/netns/web\n");
    let old_hook = t.path().join("splitnet.sh");
    write(&old_hook, "#!/bin/bash\n");
    let phases = [
        "initialize",
        "prepre-start",
        "pre-start",
        "pre-stop",
        "post-stop",
    ];
    for p in phases {
        let d = web.join(format!("scripts/{p}.d"));
        std::fs::create_dir_all(&d).unwrap();
        symlink(&old_hook, d.join("splitnet")).unwrap();
    }

    let recipe = docs::sh_blocks_of("migrate.md");
    // The host's eth0, the VLAN's parent, in the private network namespace.
    // A kernel without 802.1Q (this build machine's) refuses the VLAN zone's dry run before
    // planning, as it should: that one line may fail there, and says so (the VM tier runs it on
    // Debian's kernels).
    let dry = "vspace-netns up \"$G\" --dry-run";
    assert!(recipe.contains(dry), "{recipe}");
    let recipe = recipe.replace(dry, &format!("{dry} || echo 'dry run failed'"));
    let script =
        format!("ip link add eth0 type veth peer name eth0p\nip link set dev eth0 up\n{recipe}");
    let (c, out, _names) = docs::run_on_private_host(
        &script,
        &[
            ("VSPACE_NETNS_VSERVERS", v.to_str().unwrap()),
            ("VSPACE_NETNS_CONFDIR", z.to_str().unwrap()),
        ],
    );
    let ctx = show(&c, &out);
    assert!(out.status.success(), "the example failed:\n{ctx}");
    let stdout = String::from_utf8_lossy(&out.stdout);

    let mac = create_mac_vid_id(1001, 2, 0);
    assert!(
        stdout.contains(&format!(
            "    link fw-vlan2: vlan 2 on eth0, mac {mac} (derived), 192.0.2.20/24\n"
        )),
        "show does not give the hook's link and MAC {mac}:\n{ctx}"
    );
    if stdout.contains("dry run failed") {
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("this kernel has no 802.1Q VLAN support"),
            "{ctx}"
        );
        crate::common::skipped(
            "SKIPPED migrate::the_worked_example_keeps_the_hook_s_macs_and_link_names: the migration example's dry run: this kernel has no 802.1Q (it runs in the \
             VM tier on Debian's kernels)",
        );
    } else {
        // Made under a temporary name, renamed to the hook's name inside the zone.
        let add = stdout
            .lines()
            .find(|l| {
                l.starts_with("ip link add link eth0 name ")
                    && l.ends_with(&format!(" netns web address {mac} type vlan id 2"))
            })
            .unwrap_or_else(|| {
                panic!("up --dry-run does not make the hook's link with MAC {mac}:\n{ctx}")
            });
        let temp = add.split(' ').nth(6).unwrap();
        assert!(
            stdout.contains(&format!("ip -n web link set dev {temp} name fw-vlan2\n")),
            "up --dry-run does not rename {temp} to fw-vlan2:\n{ctx}"
        );
    }
    assert!(stdout.contains("    id 1001\n    link"), "{ctx}");
    assert!(stdout.contains("    guest web\n"), "{ctx}");

    // The same through --json, by the binary directly.
    let json = run_ok(
        Command::new(bin())
            .args(["show", "web", "--json"])
            .env("VSPACE_NETNS_VSERVERS", &v)
            .env("VSPACE_NETNS_CONFDIR", &z),
    );
    let j: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(j["id"], 1001);
    assert_eq!(j["links"][0]["name"], "fw-vlan2");
    assert_eq!(j["links"][0]["mac"], mac.as_str());
    assert_eq!(j["links"][0]["vlan"], 2);
    assert_eq!(j["links"][0]["parent"], "eth0");
    assert_eq!(j["guests"][0]["name"], "web");

    // The old files: the hook's links gone, the scriptlet linked, nodev given.
    for p in phases {
        let old = web.join(format!("scripts/{p}.d/splitnet"));
        assert!(
            std::fs::symlink_metadata(&old).is_err(),
            "{} is left",
            old.display()
        );
    }
    for p in ["initialize", "prepre-start", "post-start", "post-stop"] {
        let new = web.join(format!("scripts/{p}.d/vspace-netns"));
        assert_eq!(
            std::fs::read_link(&new).unwrap(),
            Path::new("/usr/lib/vspace-netns/vspace-netns-hook")
        );
    }
    assert!(web.join("interfaces/0/nodev").exists());
    assert_eq!(
        std::fs::read_to_string(web.join("spaces/net")).unwrap(),
        "web\n"
    );
}
