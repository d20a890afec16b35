//! `demo/zones.sh` (`make zones-demo`), run as root with the debug binary, so the README's worked
//! example of zones never rots: it must succeed and show its key lines, and leave nothing
//! behind (no namespace, link, process or temp dir), also when a step fails half way.

use std::path::Path;

use crate::common::*;

/// What one run of the demo left, by the names it printed.
struct Names {
    pid: String,
    tmp: String,
}

impl Names {
    fn of(stdout: &str) -> Names {
        let trunk = word_after(stdout, "trunk: veth trunk");
        Names {
            pid: trunk.to_string(),
            tmp: word_after(stdout, "    T=").to_string(),
        }
    }

    /// Fails unless nothing of this run is left on the host.
    fn assert_gone(&self, stdout: &str) {
        let p = &self.pid;
        for zone in ["dmz", "lan", "vdmz"] {
            let entry = format!("/run/netns/{zone}-{p}");
            assert!(!Path::new(&entry).exists(), "{entry} is left\n{stdout}");
        }
        for link in ["trunk", "trunkp", "dmz", "lan", "vdmz"] {
            assert!(
                !host_has_link(&format!("{link}{p}")),
                "link {link}{p} is left\n{stdout}"
            );
        }
        assert!(
            self.tmp.starts_with("/tmp/vspace-netns-zones.") && !Path::new(&self.tmp).exists(),
            "temp dir {} is left\n{stdout}",
            self.tmp
        );
    }
}

use vspace_netns::zone::plan::temp_name;

#[test]
fn the_zones_demo_runs_and_cleans_up() {
    let (stdout, out, cmd) = run_demo("zones.sh", &bin());
    assert!(out.status.success(), "{}", show(&cmd, &out));
    let names = Names::of(&stdout);
    let p = &names.pid;
    for line in [
        format!("    # vspace-netns up dmz-{p} --dry-run"),
        format!(
            "    ip link add link trunk{p} name {t} netns dmz-{p} address 02:00:00:00:02:00 type macvlan mode bridge",
            t = temp_name(&format!("dmz-{p}"), &format!("dmz{p}"))
        ),
        format!(
            "    ip -n dmz-{p} link set dev {t} alias vspace-netns:dmz-{p}",
            t = temp_name(&format!("dmz-{p}"), &format!("dmz{p}"))
        ),
        format!(
            "    ip -n dmz-{p} link set dev {t} name dmz{p}",
            t = temp_name(&format!("dmz-{p}"), &format!("dmz{p}"))
        ),
        format!("    # nothing to do: zone dmz-{p} is up as configured"),
        // doctor web: the zone under the guest's heading.
        format!("      zone dmz-{p}:"),
        format!("        ok link dmz{p} is up inside with MAC 02:00:00:00:02:00"),
        format!("    ip netns delete lan-{p}"),
        "OK: two zones came up, served their guests, and went down.".to_string(),
    ] {
        assert!(
            stdout.lines().any(|l| l == line),
            "no line '{line}'\n{}",
            show(&cmd, &out)
        );
    }
    let kept = format!("    # zone dmz-{p} kept: processes still use it (pids ");
    assert!(stdout.contains(&kept), "{}", show(&cmd, &out));
    // Either the kernel refused the VLAN (and up undid its work) or it has 802.1Q.
    assert!(
        stdout.contains(
            "(this kernel has no 802.1Q: up refused before anything changed, and said why)"
        ) && stdout.contains(&format!(
            "up vdmz-{p}: the vlan link vdmz{p} of zone vdmz-{p} cannot be made: this kernel has no 802.1Q VLAN support"
        ))
            || stdout
                .contains("(this kernel has 802.1Q: the VLAN zone came up; it goes down again)"),
        "{}",
        show(&cmd, &out)
    );
    // No failed check (doctor's summary line counts them: 0).
    assert!(
        !stdout.lines().any(|l| l.trim_start().starts_with("FAIL ")),
        "{}",
        show(&cmd, &out)
    );
    assert!(stdout.contains(" 0 FAIL\n"), "{}", show(&cmd, &out));
    names.assert_gone(&stdout);
}

/// A binary that works except for `hook post-stop web`, which fails: the demo must stop there
/// with a non-zero status, with both zones up and mail's process running, and still leave
/// nothing. (doctor is pointed at the real binary: the wrapper script is not the binary.)
#[test]
fn a_failing_step_fails_the_demo_and_still_cleans_up() {
    require_root();
    let dir = tempfile::tempdir().unwrap();
    let wrapper = dir.path().join("vspace-netns");
    let real = bin();
    write_program(
        &wrapper,
        format!(
            "#!/bin/bash\n\
             case \"$*\" in\n\
             'hook post-stop web') echo broken >&2; exit 7 ;;\n\
             doctor*) export VSPACE_NETNS_SBIN_VSPACE='{r}' ;;\n\
             esac\n\
             exec -a \"$0\" '{r}' \"$@\"\n",
            r = real.display()
        )
        .as_bytes(),
        0o755,
    );
    let (stdout, out, cmd) = run_demo("zones.sh", &wrapper);
    assert_eq!(out.status.code(), Some(1), "{}", show(&cmd, &out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("zones-demo: 'vspace-netns hook post-stop web' exited with 7, not 0"),
        "{}",
        show(&cmd, &out)
    );
    assert!(
        stdout.contains("web and mail share one network stack"),
        "{}",
        show(&cmd, &out)
    );
    assert!(!stdout.contains("OK: "), "{}", show(&cmd, &out));
    let sleeper = word_after(&stdout, "(sleep 300, pid ");
    let comm = std::fs::read_to_string(format!("/proc/{sleeper}/comm")).unwrap_or_default();
    assert_ne!(comm.trim(), "sleep", "mail's sleep {sleeper} is left");
    Names::of(&stdout).assert_gone(&stdout);
}
