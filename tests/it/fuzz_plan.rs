//! Property tests (proptest, so they run in CI without cargo-fuzz) of the argv parsers and the
//! planner on arbitrary byte argv: nothing panics, a call handed to the real vspace carries
//! the caller's arguments byte for byte, an intercept that keeps other spaces adds exactly one
//! `--~net` where the options end and nothing else, and vspace's parser agrees with glibc's
//! getopt_long (the compiled oracle) on every generated argv. For `ip` / `ip-netns-shim`: a
//! call handed to the real ip carries the caller's words (the shim's with exactly one `netns`
//! added), and every namespace name we act on passed iproute2's name check.
//!
//! Inputs mix vspace's own words (options, abbreviations, clusters, `--`, names, masks) with
//! arbitrary bytes, so that both the interesting paths and the odd bytes are reached.

use crate::common;

use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::Path;

use proptest::prelude::*;
use vspace_netns::ip::args::{self as ip_args, IpCommand, NetnsCommand};
use vspace_netns::netns::{self, Entry, Unusable};
use vspace_netns::vspace::args::{self as vspace_args, NET, Parsed};
use vspace_netns::vspace::plan::{self as vspace_plan, Plan, Then};

/// Words vspace's option loop gives meaning to, and near misses of them.
const WORDS: &[&[u8]] = &[
    b"--enter",
    b"--ent",
    b"--enter=db",
    b"--enter=",
    b"-e",
    b"-edb",
    b"-Ne",
    b"-NPe",
    b"-eN",
    b"--net",
    b"--ne",
    b"--n",
    b"--~net",
    b"--~n",
    b"-N",
    b"--pid",
    b"-P",
    b"--mount",
    b"--fs",
    b"-MF",
    b"--default",
    b"--~default",
    b"--new",
    b"-n",
    b"--set",
    b"-s",
    b"--index",
    b"--index=0",
    b"-i",
    b"-i1",
    b"--mask",
    b"--mask=0x40000000",
    b"-m",
    b"0x40000000",
    b"0x4c000000",
    b"0",
    b"1",
    b"junk",
    b"-c",
    b"--",
    b"-",
    b"--help",
    b"--version",
    b"--=",
    b"--~",
    b"db",
    b":db",
    b":",
    b"",
    b".",
    b"..",
    b"a/b",
    b"\xff\xfe",
    b"prog",
    b"/bin/true",
];

/// Beginnings of options, followed by random bytes.
const HEADS: &[&[u8]] = &[b"-", b"--", b"--e", b"--~", b"-N"];

fn token() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        6 => prop::sample::select(WORDS).prop_map(<[u8]>::to_vec),
        1 => prop::collection::vec(any::<u8>(), 0..10),
        1 => (prop::sample::select(HEADS),
              prop::collection::vec(any::<u8>(), 0..5))
            .prop_map(|(head, tail)| [head, &tail[..]].concat()),
    ]
}

/// `vspace` then 0..12 tokens.
fn argv_of(tokens: impl Strategy<Value = Vec<u8>>) -> impl Strategy<Value = Vec<OsString>> {
    prop::collection::vec(tokens, 0..12).prop_map(|words| {
        std::iter::once(b"vspace".to_vec())
            .chain(words)
            .map(OsString::from_vec)
            .collect()
    })
}

/// Option words that may come with a shared-net call.
const EXTRAS: &[&[u8]] = &[
    b"--pid",
    b"-P",
    b"--default",
    b"--~default",
    b"--mount",
    b"-MF",
    b"--~net",
    b"--net",
    b"--mask=0x40000000",
    b"--mask=0x60000000",
    b"--mask=0",
    b"--index=0",
    b"-i0",
    b"--uts",
    b"--~pid",
];

/// Names util-vserver passes, and odd ones.
const NAMES: &[&[u8]] = &[b"db", b":db", b"\xff", b"-x", b"1001", b":", b".."];

/// A name for `--enter`: util-vserver's forms, odd but valid names, and random bytes.
fn name() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => prop::sample::select(NAMES).prop_map(<[u8]>::to_vec),
        1 => prop::collection::vec(any::<u8>(), 0..6),
    ]
}

/// argv shaped like util-vserver's shared-net call (an `--enter` in one of its spellings, net,
/// other options in any order, maybe `--`, a program), so that intercepts are common.
fn shared_net_call() -> impl Strategy<Value = Vec<OsString>> {
    let enter = (0..4usize, name()).prop_map(|(form, n)| match form {
        0 => vec![b"--enter".to_vec(), n],
        1 => vec![b"-e".to_vec(), n],
        2 => vec![[&b"--ent="[..], &n].concat()],
        _ => vec![[&b"-Ne"[..], &n].concat()],
    });
    let extras = prop::collection::vec(
        prop::sample::select(EXTRAS).prop_map(|w| vec![w.to_vec()]),
        0..4,
    );
    let tail = prop::collection::vec(token(), 0..3);
    (enter, extras, any::<bool>(), tail)
        .prop_flat_map(|(enter, mut groups, dashdash, tail)| {
            groups.push(enter);
            groups.push(vec![b"--net".to_vec()]);
            (Just(groups).prop_shuffle(), Just(dashdash), Just(tail))
        })
        .prop_map(|(groups, dashdash, tail)| {
            let mut words = vec![b"vspace".to_vec()];
            words.extend(groups.into_iter().flatten());
            if dashdash {
                words.push(b"--".to_vec());
            }
            words.extend(tail);
            words.into_iter().map(OsString::from_vec).collect()
        })
}

/// Free-form and shared-net-shaped argv, half and half.
fn any_call() -> impl Strategy<Value = Vec<OsString>> {
    prop_oneof![argv_of(token()), shared_net_call()]
}

/// What the shell could find at the entry.
#[derive(Debug, Clone, Copy)]
enum Fact {
    Missing,
    Netns,
    Stale,
    Symlink,
}

impl Fact {
    fn entry(self) -> Entry<()> {
        match self {
            Fact::Missing => Entry::Missing,
            Fact::Netns => Entry::Netns(()),
            Fact::Stale => Entry::Unusable(Unusable::Stale),
            Fact::Symlink => Entry::Unusable(Unusable::Symlink),
        }
    }
}

fn fact() -> impl Strategy<Value = Fact> {
    prop_oneof![
        Just(Fact::Missing),
        Just(Fact::Netns),
        Just(Fact::Stale),
        Just(Fact::Symlink)
    ]
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(6000))]

    /// The parser's positions are consistent with the argv it read.
    #[test]
    fn parse_positions_fit_the_argv(argv in any_call()) {
        if let Parsed::Args(a) = vspace_args::parse(&argv) {
            prop_assert!(a.options_end >= 1 && a.options_end <= a.program);
            prop_assert!(a.program <= argv.len());
            if a.options_end < a.program {
                prop_assert_eq!(a.program, a.options_end + 1);
                prop_assert_eq!(argv[a.options_end].as_bytes(), b"--");
            }
        }
    }

    /// Arbitrary bytes, no vocabulary: nothing panics.
    #[test]
    fn arbitrary_bytes_never_panic(
        argv in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..16), 0..10)
            .prop_map(|v| v.into_iter().map(OsString::from_vec).collect::<Vec<_>>()),
        fact in fact(),
    ) {
        let _ = vspace_args::parse(&argv);
        let plan: Plan<()> = vspace_plan::plan(&argv, Ok(Path::new("/run/netns")), |_| fact.entry());
        if let Plan::PassThrough { .. } = plan {
            prop_assert_eq!(
                vspace_plan::real_vspace_args(&plan),
                Some(argv.get(1..).unwrap_or_default())
            );
        }
    }
}

/// Every plan hands the real vspace the caller's words (a pass-through: all of them; an
/// intercept that keeps other spaces: all of them and one `--~net` where the options end),
/// never an empty mask, and looks only at a valid name's entry.
fn plan_keeps_the_callers_words(
    (argv, fact, run_dir_ok): (Vec<OsString>, Fact, bool),
    seen: &mut Seen,
) -> Result<(), TestCaseError> {
    let run_dir = if run_dir_ok {
        Ok(Path::new("/run/netns"))
    } else {
        Err("relative")
    };
    let mut probed = None;
    let plan: Plan<()> = vspace_plan::plan(&argv, run_dir, |path| {
        probed = Some(path.to_owned());
        fact.entry()
    });
    let candidate = vspace_plan::candidate(&argv);
    prop_assert_eq!(probed.is_some(), candidate.is_ok() && run_dir_ok);
    if let (Some(path), Ok((name, _))) = (&probed, &candidate) {
        prop_assert!(netns::check_name(name).is_ok());
        prop_assert_eq!(path.parent(), Some(Path::new("/run/netns")));
        prop_assert_eq!(path.file_name(), Some(name.as_os_str()));
    }
    let handed = vspace_plan::real_vspace_args(&plan);
    match &plan {
        Plan::PassThrough { why, .. } => {
            seen.pass_through += 1;
            prop_assert!(!why.is_empty());
            prop_assert_eq!(handed, Some(&argv[1..]));
        }
        Plan::Refuse { message, .. } => {
            seen.refuse += 1;
            prop_assert!(!message.is_empty());
            prop_assert!(handed.is_none());
            prop_assert!(candidate.is_ok());
        }
        Plan::Enter {
            name, path, then, ..
        } => {
            prop_assert!(matches!(fact, Fact::Netns) && run_dir_ok);
            prop_assert_eq!(Some(path), probed.as_ref());
            let (want, args) = candidate.clone().unwrap();
            prop_assert_eq!(name, &want);
            prop_assert!(args.program < argv.len());
            match then {
                Then::Program { program } => {
                    seen.program += 1;
                    prop_assert_eq!(args.mask, NET);
                    prop_assert_eq!(*program, args.program);
                    prop_assert!(handed.is_none());
                }
                Then::RealVspace { args: out } => {
                    seen.real_vspace += 1;
                    prop_assert_eq!(handed, Some(&out[..]));
                    let at = args.options_end - 1;
                    prop_assert_eq!(out.len(), argv.len());
                    prop_assert_eq!(out[at].as_bytes(), b"--~net");
                    let mut without = out.clone();
                    without.remove(at);
                    prop_assert_eq!(&without[..], &argv[1..]);
                    // vspace reads the new call as the same call, less net, never empty.
                    let again: Vec<OsString> = std::iter::once(argv[0].clone())
                        .chain(out.iter().cloned())
                        .collect();
                    let Parsed::Args(b) = vspace_args::parse(&again) else {
                        return Err(TestCaseError::fail(format!("{again:?} does not parse")));
                    };
                    prop_assert_eq!(b.mask, args.mask & !NET);
                    prop_assert!(b.mask != 0);
                    prop_assert_eq!(b.operation(), args.operation());
                    prop_assert_eq!(b.index, args.index);
                    prop_assert_eq!(b.program, args.program + 1);
                    prop_assert_eq!(&again[b.program..], &argv[args.program..]);
                }
            }
        }
    }
    Ok(())
}

/// How often each kind of plan came up: a property that never reached a kind proves nothing
/// about it.
#[derive(Debug, Default)]
struct Seen {
    pass_through: usize,
    refuse: usize,
    program: usize,
    real_vspace: usize,
}

#[test]
fn plans_keep_the_callers_words() {
    let mut runner = proptest::test_runner::TestRunner::new(config(8000));
    let seen = std::cell::RefCell::new(Seen::default());
    let inputs = (any_call(), fact(), prop::bool::weighted(0.9));
    let result = runner.run(&inputs, |input| {
        plan_keeps_the_callers_words(input, &mut seen.borrow_mut())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let seen = seen.into_inner();
    // Shrinking re-runs cases, so these are lower bounds of a passing run's spread.
    for (kind, n) in [
        ("pass-through", seen.pass_through),
        ("refusal", seen.refuse),
        ("program after setns", seen.program),
        ("real vspace after setns", seen.real_vspace),
    ] {
        assert!(
            n >= 20,
            "only {n} plans of kind {kind} among the inputs: {seen:?}"
        );
    }
}

proptest! {
    #![proptest_config(config(1500))]

    /// vspace's parser and glibc's getopt_long (compiled with vspace's table) read every
    /// generated argv the same way: the pass-through decision rests on it.
    #[test]
    fn parser_agrees_with_glibc(
        argv in any_call().prop_filter("argv has no NUL", |a| a.iter().all(|t| !t.as_bytes().contains(&0)))
    ) {
        let glibc = common::oracle_line(&argv);
        let ours = common::parsed_line(&argv);
        prop_assert_eq!(ours, glibc, "argv {:?}", argv);
    }
}

/// Words `ip` gives meaning to around `netns` besides the subcommands, and near misses.
const IP_WORDS: &[&[u8]] = &[
    b"netns", b"net", b"n", b"ne", b"del", b"show", b"p", b"list-id", b"help", b"-all", b"-a",
    b"--all", b"-al", b"-n", b"-netns", b"-bogus", b"-", b"link", b"route", b"db", b"..", b".",
    b"a/b", b"", b"\xff", b"-x", b"1", b"0", b"0x10", b"self", b"--lo-up", b"true",
];

/// argv[0] of the ip personalities.
const IP_NAMES: &[&[u8]] = &[b"ip", b"/sbin/ip", b"ip-netns-shim"];

/// `netns` subcommand words, as spelled in full and abbreviated.
const IP_SUBCOMMANDS: &[&[u8]] = &[
    b"exec",
    b"e",
    b"add",
    b"a",
    b"attach",
    b"delete",
    b"d",
    b"list",
    b"identify",
    b"pids",
    b"set",
    b"monitor",
];

fn ip_word() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => prop::sample::select(IP_WORDS).prop_map(<[u8]>::to_vec),
        2 => prop::sample::select(IP_SUBCOMMANDS).prop_map(<[u8]>::to_vec),
        1 => prop::collection::vec(any::<u8>(), 0..8),
    ]
}

/// Free-form ip argv, and argv shaped like `ip [-all] netns SUB WORDS...` (half and half).
fn ip_argv() -> impl Strategy<Value = Vec<OsString>> {
    let free = prop::collection::vec(ip_word(), 0..8);
    let shaped = (
        prop::option::of(prop::sample::select(vec![&b"-all"[..], b"-a"])),
        prop::sample::select(vec![&b"netns"[..], b"net", b"netn"]),
        prop::sample::select(IP_SUBCOMMANDS),
        prop::collection::vec(ip_word(), 0..4),
    )
        .prop_map(|(all, object, sub, rest)| {
            all.into_iter()
                .chain([object, sub])
                .map(<[u8]>::to_vec)
                .chain(rest)
                .collect::<Vec<_>>()
        });
    (prop::sample::select(IP_NAMES), prop_oneof![free, shaped]).prop_map(|(argv0, words)| {
        std::iter::once(argv0.to_vec())
            .chain(words)
            .map(OsString::from_vec)
            .collect()
    })
}

/// Whether `long` is `short` with exactly one `word` inserted somewhere.
fn one_inserted(short: &[OsString], long: &[OsString], word: &str) -> bool {
    long.len() == short.len() + 1
        && (0..long.len())
            .any(|i| long[i] == word && long[..i] == short[..i] && long[i + 1..] == short[i..])
}

/// What `ip` hands to the real ip is the caller's argv (the shim's with one `netns` added),
/// refusals carry a line and iproute2's statuses, and every name we act on is valid.
fn ip_keeps_the_callers_words(
    argv: Vec<OsString>,
    seen: &mut [usize; 4],
) -> Result<(), TestCaseError> {
    let shim = argv[0].as_bytes().ends_with(b"ip-netns-shim");
    let command = ip_args::parse(&argv, shim);
    match &command {
        IpCommand::PassToRealIp { argv0, args } if shim => {
            seen[0] += 1;
            prop_assert_eq!(argv0.as_bytes(), b"ip");
            prop_assert!(
                args[..] == argv[1..] || one_inserted(&argv[1..], args, "netns"),
                "{:?} -> {:?}",
                argv,
                args
            );
        }
        IpCommand::PassToRealIp { argv0, args } => {
            seen[0] += 1;
            prop_assert_eq!(argv0, &argv[0]);
            prop_assert_eq!(&args[..], &argv[1..]);
        }
        IpCommand::Refuse { line, status } => {
            seen[1] += 1;
            prop_assert!(!line.is_empty());
            prop_assert!(matches!(status.code(), 1 | 255), "{:?}", status);
        }
        IpCommand::Netns(c) => {
            let name = match c {
                NetnsCommand::Add { name, .. }
                | NetnsCommand::Attach { name, .. }
                | NetnsCommand::Pids { name }
                | NetnsCommand::Delete { name }
                | NetnsCommand::Exec { name, .. } => Some(name),
                _ => None,
            };
            if let Some(name) = name {
                prop_assert!(netns::check_name(name).is_ok(), "{:?}: {:?}", argv, c);
            }
            match c {
                NetnsCommand::Exec { name, argv: prog } => {
                    seen[2] += 1;
                    // NAME and the program are the caller's last words, untouched.
                    prop_assert!(!prog.is_empty());
                    let n = argv.len();
                    prop_assert!(n > prog.len());
                    prop_assert_eq!(&argv[n - prog.len()..], &prog[..]);
                    prop_assert_eq!(&argv[n - prog.len() - 1], name);
                }
                NetnsCommand::ExecAll { argv: prog } => {
                    prop_assert!(!prog.is_empty());
                    prop_assert_eq!(&argv[argv.len() - prog.len()..], &prog[..]);
                }
                _ => seen[3] += 1,
            }
        }
    }
    Ok(())
}

#[test]
fn ip_keeps_the_callers_words_and_checks_names() {
    let mut runner = proptest::test_runner::TestRunner::new(config(6000));
    let seen = std::cell::RefCell::new([0usize; 4]);
    if let Err(e) = runner.run(&ip_argv(), |argv| {
        ip_keeps_the_callers_words(argv, &mut seen.borrow_mut())
    }) {
        panic!("{e}");
    }
    let seen = seen.into_inner();
    for (kind, n) in ["pass-through", "refusal", "exec", "other netns command"]
        .iter()
        .zip(seen)
    {
        assert!(n >= 50, "only {n} commands of kind {kind}: {seen:?}");
    }
}
