//! `vspace-netns mac VID ID INDEX` through the binary: the seed's addresses, and every
//! out-of-range or malformed operand refused with status 2 and the range named.

use std::process::Command;

use crate::common::*;

#[test]
fn mac_prints_the_derived_address_or_refuses() {
    let ok: &[(&[&str], &str)] = &[
        (&["2", "42", "0"], "02:00:02:00:2a:00\n"),
        (&["2", "42", "1"], "02:00:02:00:2a:01\n"),
        (&["0", "1001", "0"], "02:00:00:03:e9:00\n"),
        (&["4094", "65535", "255"], "02:0f:fe:ff:ff:ff\n"),
    ];
    for (args, want) in ok {
        let out = run_ok(Command::new(bin()).arg("mac").args(*args));
        assert_eq!(String::from_utf8_lossy(&out.stdout), *want, "{args:?}");
    }
    let bad: &[(&[&str], &str)] = &[
        (
            &["4095", "1", "0"],
            "vspace-netns: mac: VLAN id '4095' is not a number in 0-4094 (VLAN ids are 1-4094; 0 means a link that is not a VLAN)\n",
        ),
        (
            &["-1", "1", "0"],
            "vspace-netns: mac: VLAN id '-1' is not a number in 0-4094",
        ),
        (
            &["2", "65536", "0"],
            "vspace-netns: mac: zone id '65536' is not a number in 0-65535\n",
        ),
        (
            &["2", "0x2a", "0"],
            "vspace-netns: mac: zone id '0x2a' is not a number in 0-65535\n",
        ),
        (
            &["2", "42", "256"],
            "vspace-netns: mac: link index '256' is not a number in 0-255\n",
        ),
        (
            &["2", "42", " 1"],
            "vspace-netns: mac: link index ' 1' is not a number in 0-255\n",
        ),
    ];
    for (args, want) in bad {
        let mut c = Command::new(bin());
        c.arg("mac").arg("--").args(*args);
        let out = run_status(&mut c, 2);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.starts_with(want), "{args:?}: {err}");
        assert!(out.stdout.is_empty());
    }
    // Missing operands are a usage error too.
    run_status(Command::new(bin()).args(["mac", "2", "42"]), 2);
    let out = run_status(
        Command::new(bin())
            .arg("mac")
            .arg(os(b"\xff"))
            .args(["1", "1"]),
        2,
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("VLAN id '\\xff'"));
}
