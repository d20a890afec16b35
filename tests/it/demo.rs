//! `demo/demo.sh` (`make demo`), run as root with the debug binary, so the demo never rots: it
//! must succeed, show the guest in its zone and the stale entry refused, and leave nothing.

use std::path::Path;

use crate::common::*;

#[test]
fn the_demo_runs_and_cleans_up() {
    let (stdout, out, cmd) = run_demo("demo.sh", &bin());
    assert!(out.status.success(), "{}", show(&cmd, &out));
    let zone = word_after(&stdout, "the named network namespace '");
    assert!(zone.starts_with("demo-"), "{}", show(&cmd, &out));
    for line in [
        "    decision:    intercept: enter the named network namespace with setns(2)".to_string(),
        "    it saw the zone's address 192.0.2.10/24 on eth0".to_string(),
        "    exit status 255: it fails closed; the guest never starts in the host's network"
            .to_string(),
        format!("OK: the guest landed in zone {zone}."),
    ] {
        assert!(
            stdout.lines().any(|l| l == line),
            "no line '{line}'\n{}",
            show(&cmd, &out)
        );
    }
    let calls = stdout
        .lines()
        .filter(|l| l.contains(" (zone): ") && l.contains("--new --default --"))
        .count();
    assert_eq!(calls, 1, "{}", show(&cmd, &out));
    for ns in [zone.to_string(), format!("{zone}-peer")] {
        assert!(
            !Path::new("/run/netns").join(&ns).exists(),
            "{ns} is left\n{stdout}"
        );
    }
    let tmp = word_after(&stdout, "    T=");
    assert!(
        tmp.starts_with("/tmp/vspace-netns-demo.") && !Path::new(tmp).exists(),
        "{tmp} is left\n{stdout}"
    );
}
