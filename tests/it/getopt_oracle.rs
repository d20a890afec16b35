//! `vspace_args::parse` against glibc itself: the oracle is vspace's option loop compiled with
//! glibc's getopt_long (`tests/c/vspace_standin.c -DORACLE`), and both must describe every argv
//! the same way (operation, how many `--enter`, the last xid, mask, index, program position, or
//! help/version/error). Thousands of generated argvs, weighted towards option-like tokens,
//! plus fixed regressions.

use crate::common;

use std::ffi::OsString;

use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence};
use vspace_netns::vspace::args::LONG_OPTIONS;

fn compare(words: &[Vec<u8>]) -> Result<(), String> {
    let argv: Vec<OsString> = std::iter::once(b"vspace".to_vec())
        .chain(words.iter().cloned())
        .map(|w| common::os(&w))
        .collect();
    let (want, got) = (common::oracle_line(&argv), common::parsed_line(&argv));
    if want == got {
        Ok(())
    } else {
        Err(format!("argv {argv:?}\n  glibc: {want}\n  rust:  {got}"))
    }
}

const VALUES: &[&str] = &[
    "0x4c000000",
    "0x40000000",
    "-1",
    " 12",
    "\t7",
    "0x",
    "0X1f",
    "0755",
    "08",
    "0",
    "+3",
    "-0x1",
    "18446744073709551615",
    "18446744073709551616",
    "12k",
    "",
    "db",
    ":db",
    "1001",
    "self",
    "/etc/vservers/web",
    "prog",
    "=",
];

/// One argv word, mostly shaped like vspace's options.
fn token() -> impl Strategy<Value = Vec<u8>> {
    let names: Vec<&'static str> = LONG_OPTIONS.iter().map(|(n, _)| *n).collect();
    let long = prop::sample::select(names.clone()).prop_map(|n| format!("--{n}").into_bytes());
    let prefix = (prop::sample::select(names.clone()), 0usize..8)
        .prop_map(|(n, k)| format!("--{}", &n[..k.min(n.len())]).into_bytes());
    let inline = (
        prop::sample::select(names),
        0usize..9,
        prop::sample::select(VALUES),
    )
        .prop_map(|(n, k, v)| format!("--{}={v}", &n[..k.min(n.len())]).into_bytes());
    let cluster = (
        prop::collection::vec(prop::sample::select(b"nsceimMFIUSPNx:-+W".to_vec()), 1..5),
        prop::option::of(prop::sample::select(VALUES)),
    )
        .prop_map(|(chars, value)| {
            let mut t = vec![b'-'];
            t.extend(chars);
            t.extend(value.unwrap_or_default().bytes());
            t
        });
    let fixed = prop::sample::select(vec!["--", "-", "---", "--~", "--=", "-e", "-m", "-i"])
        .prop_map(|s| s.as_bytes().to_vec());
    let value = prop::sample::select(VALUES).prop_map(|s| s.as_bytes().to_vec());
    let junk = prop::collection::vec(1u8..=255, 0..8);
    prop_oneof![
        4 => long,
        3 => prefix,
        2 => inline,
        3 => cluster,
        2 => fixed,
        3 => value,
        2 => junk,
    ]
}

proptest! {
    #![proptest_config(Config {
        cases: 4000,
        failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
        ..Config::default()
    })]

    #[test]
    fn rust_parser_agrees_with_glibc(words in prop::collection::vec(token(), 0..7)) {
        if let Err(e) = compare(&words) {
            prop_assert!(false, "{}", e);
        }
    }
}

#[test]
fn fixed_cases_agree_with_glibc() {
    let cases: &[&[&[u8]]] = &[
        &[b"--enter", b"db", b"--net", b"--", b"prog"],
        &[b"--ent", b"db", b"--ne"],
        &[b"--ent=:db", b"--n"],
        &[b"--~n", b"--~ne"],
        &[b"--~", b"x"],
        &[b"--="],
        &[b"---"],
        &[b"-NedbX", b"prog"],
        &[b"-Ne"],
        &[b"-e", b"--", b"--net"],
        &[b"-c"],
        &[b"-N:"],
        &[b"-W", b"net"],
        &[b"-", b"--net"],
        &[b"--mask", b"0x"],
        &[b"--mask= 12", b"--index=-1"],
        &[b"-m0755", b"-i08"],
        &[b"--mask", b"18446744073709551616"],
        &[b"--mask", b"-18446744073709551615"],
        &[b"--he", b"--bogus"],
        &[b"--bogus", b"--help"],
        &[b"--net", b"--v"],
        &[b"--net=", b"x"],
        &[b"--enter="],
        &[b"--enter", b"\xff\xfe", b"-N\xff"],
        &[b"--\xff"],
        &[b"-\xff"],
        &[b"--default", b"--~default", b"--~d", b"--d"],
        &[b"--new", b"--set", b"--enter", b"1"],
        &[b"--enter", b"a", b"--enter", b"b", b"--net"],
    ];
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|c| compare(&c.iter().map(|w| w.to_vec()).collect::<Vec<_>>()).err())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
