//! `ip` and `ip-netns-shim` command lines: argv -> [`IpCommand`]. Pure.
//!
//! As iproute2 6.1 reads them: global options before the object, the object and the `netns`
//! subcommand words prefix-matched in iproute2's table order (`ip net` is netns, `ip ne` is
//! neigh; `ip netns e` is exec, `s` is show), and `Invalid netns name` checked on the word after
//! the subcommand unless `-all` was given. We own exactly `[-all] netns list|add|attach|delete|
//! identify|pids|exec`; every other invocation of `ip` (another object, any other global option,
//! `netns set|list-id|monitor|cookie|help`, an unknown word) goes to the real ip untouched, argv[0]
//! included, so installing this binary as `ip` changes nothing else. `ip-netns-shim ARGS` reads
//! as `ip netns ARGS` (or `ip ARGS` when ARGS already start with the netns object).
//!
//! Invariants: argv travels as `OsString` and is never decoded; refusals carry iproute2's exact
//! first line (raw bytes, as ip prints them) and status; `-all` never skips the name check for
//! add/attach/pids (iproute2 does, which lets `../` through).

use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};

use crate::netns::check_name;

/// iproute2's `ip` objects in its table order, up to and including `netns` (later ones can never
/// shadow it).
const OBJECTS_TO_NETNS: &[&str] = &[
    "address",
    "addrlabel",
    "maddress",
    "route",
    "rule",
    "neighbor",
    "neighbour",
    "ntable",
    "ntbl",
    "link",
    "l2tp",
    "fou",
    "ila",
    "macsec",
    "tunnel",
    "tunl",
    "tuntap",
    "tap",
    "token",
    "tcpmetrics",
    "tcp_metrics",
    "monitor",
    "xfrm",
    "mroute",
    "mrule",
    "netns",
];

/// `ip netns` subcommands in iproute2's table order; `None` marks the ones we leave to the real ip.
const SUBCOMMANDS: &[(&str, Option<Sub>)] = &[
    ("list", Some(Sub::List)),
    ("show", Some(Sub::List)),
    ("lst", Some(Sub::List)),
    ("list-id", None),
    ("help", None),
    ("add", Some(Sub::Add)),
    ("set", None),
    ("delete", Some(Sub::Delete)),
    ("identify", Some(Sub::Identify)),
    ("pids", Some(Sub::Pids)),
    ("cookie", None), // iproute2 compares this one exactly; as a prefix it only adds pass-through
    ("exec", Some(Sub::Exec)),
    ("monitor", None),
    ("attach", Some(Sub::Attach)),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sub {
    List,
    Add,
    Delete,
    Identify,
    Pids,
    Exec,
    Attach,
}

/// The option that brings `lo` up in a namespace `add` creates (after the name).
pub const LO_UP: &str = "--lo-up";

/// What one invocation does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IpCommand {
    /// Hand the invocation to the real ip with exactly this argv[0] and these arguments.
    PassToRealIp {
        argv0: OsString,
        args: Vec<OsString>,
    },
    /// An `ip netns` subcommand that is ours.
    Netns(NetnsCommand),
    /// Stop with iproute2's first line and status (a usage error found before any action).
    Refuse { line: Vec<u8>, status: u8 },
}

/// The `ip netns` subcommands we carry out ourselves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetnsCommand {
    List,
    Add {
        name: OsString,
        lo_up: bool,
    },
    Attach {
        name: OsString,
        pid: i32,
    },
    Delete {
        name: OsString,
    },
    /// `-all delete`: every entry of the run dir (extra words ignored, as iproute2 does).
    DeleteAll,
    /// `identify [PID]`: `pid` is all digits, or `self` when none was given.
    Identify {
        pid: OsString,
    },
    Pids {
        name: OsString,
    },
    /// `exec NAME CMD...`: `argv[0]` is the program, looked up in PATH like execvp.
    Exec {
        name: OsString,
        argv: Vec<OsString>,
    },
    /// `-all exec CMD...`.
    ExecAll {
        argv: Vec<OsString>,
    },
}

/// iproute2's `matches()`: a non-empty prefix of `word`.
fn matches(prefix: &[u8], word: &str) -> bool {
    !prefix.is_empty() && word.as_bytes().starts_with(prefix)
}

/// Whether `word` selects the `netns` object (first match in ip's table).
fn is_netns_object(word: &[u8]) -> bool {
    OBJECTS_TO_NETNS.iter().find(|o| matches(word, o)) == Some(&"netns")
}

/// How ip.c compares a global option with its spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Spelled {
    /// `matches()`: any non-empty prefix of the spelling.
    Prefix,
    /// `strcmp()`: the spelling exactly.
    Exact,
    /// `matches_color()`: a prefix of `-color`, optionally `=always|auto|never`.
    Color,
}

/// iproute2 6.1's global options (ip/ip.c `main`), in the order it tries them, and whether each
/// takes the next word as its value. A word is the first option it matches in this order
/// (`-b` is -batch, `-br` -brief; `-r` -resolve, `-rc` -rcvbuf).
pub const GLOBAL_OPTIONS: &[(&str, bool)] = &[
    ("-loops", true),
    ("-family", true),
    ("-4", false),
    ("-6", false),
    ("-0", false),
    ("-M", false),
    ("-B", false),
    ("-human", false),
    ("-human-readable", false),
    ("-iec", false),
    ("-stats", false),
    ("-statistics", false),
    ("-details", false),
    ("-resolve", false),
    ("-oneline", false),
    ("-timestamp", false),
    ("-tshort", false),
    ("-Version", false),
    ("-force", false),
    ("-batch", true),
    ("-brief", false),
    ("-json", false),
    ("-pretty", false),
    ("-rcvbuf", true),
    ("-color", false),
    ("-help", false),
    ("-netns", true),
    ("-Numeric", false),
    ("-all", false),
    ("-echo", false),
];

fn spelled(name: &str) -> Spelled {
    match name {
        "-4" | "-6" | "-0" | "-M" | "-B" | "-echo" => Spelled::Exact,
        "-color" => Spelled::Color,
        _ => Spelled::Prefix,
    }
}

/// The global option `word` is, as ip.c reads it (a leading `--` counts as `-`), with whether
/// it takes a value; `None` for a word ip would call unknown.
pub fn global_option(word: &[u8]) -> Option<(&'static str, bool)> {
    let opt = if word.starts_with(b"--") {
        &word[1..]
    } else {
        word
    };
    GLOBAL_OPTIONS
        .iter()
        .copied()
        .find(|&(name, _)| match spelled(name) {
            Spelled::Prefix => matches(opt, name),
            Spelled::Exact => opt == name.as_bytes(),
            Spelled::Color => {
                let (key, value) = match opt.iter().position(|&b| b == b'=') {
                    Some(i) => (&opt[..i], Some(&opt[i + 1..])),
                    None => (opt, None),
                };
                matches(key, name) && matches!(value, None | Some(b"always" | b"auto" | b"never"))
            }
        })
}

/// Whether a global option is a spelling of `-all`: the only global option we own.
fn is_all_option(opt: &[u8]) -> bool {
    global_option(opt).is_some_and(|(name, _)| name == "-all")
}

fn refuse(parts: &[&[u8]], status: u8) -> IpCommand {
    IpCommand::Refuse {
        line: parts.concat(),
        status,
    }
}

fn usage(line: &str) -> IpCommand {
    refuse(&[line.as_bytes()], 1)
}

/// The shim's arguments read as `ip netns ARGS`: `netns` goes after the global options (each
/// with its value, as ip.c takes them) and a `--` ending them, unless the object is already
/// there. `-batch` is refused: a batch file holds whole ip command lines.
fn shim_args(rest: &[OsString]) -> Result<Vec<OsString>, IpCommand> {
    let mut i = 0;
    while let Some(w) = rest.get(i) {
        let b = w.as_bytes();
        if b == b"--" {
            i += 1;
            break;
        }
        if b.first() != Some(&b'-') {
            break;
        }
        match global_option(b) {
            Some(("-batch", _)) => {
                return Err(refuse(
                    &[
                        b"ip-netns-shim: ",
                        b,
                        b" reads whole ip command lines from a file: run 'ip ",
                        b,
                        b" FILE' instead",
                    ],
                    255,
                ));
            }
            // The value is the next word, whatever it looks like (ip's NEXT_ARG).
            Some((_, true)) => i += 2,
            // Unknown options too: the real ip names them.
            _ => i += 1,
        }
    }
    let i = i.min(rest.len());
    let mut v = rest[..i].to_vec();
    if !rest.get(i).is_some_and(|w| is_netns_object(w.as_bytes())) {
        v.push("netns".into());
    }
    v.extend_from_slice(&rest[i..]);
    Ok(v)
}

/// The `netns` subcommand of `ip [-all] netns WORDS`, or `None` when it is not one of ours.
fn subcommand(words: &[OsString]) -> Option<Option<Sub>> {
    let Some(sub) = words.first() else {
        return Some(Some(Sub::List));
    };
    match SUBCOMMANDS.iter().find(|(w, _)| matches(sub.as_bytes(), w)) {
        Some(&(_, Some(sub))) => Some(Some(sub)),
        _ => None,
    }
}

/// Decides what an `ip` (`shim == false`) or `ip-netns-shim` invocation does.
pub fn parse(argv: &[OsString], shim: bool) -> IpCommand {
    let argv0 = argv.first().cloned().unwrap_or_else(|| "ip".into());
    let rest = argv.get(1..).unwrap_or_default();
    let args: Vec<OsString> = if shim {
        match shim_args(rest) {
            Ok(a) => a,
            Err(refused) => return refused,
        }
    } else {
        rest.to_vec()
    };
    // The real ip names its object from argv[0] when that is longer than `ip` (`ipaddr`): give it
    // plain `ip` for the shim's rewritten line.
    let pass = IpCommand::PassToRealIp {
        argv0: if shim { "ip".into() } else { argv0 },
        args: args.clone(),
    };
    // Only `-all` is ours among the global options; any other goes to the real ip.
    let options = args
        .iter()
        .take_while(|a| a.as_bytes().first() == Some(&b'-'))
        .count();
    if !args[..options].iter().all(|a| is_all_option(a.as_bytes())) {
        return pass;
    }
    let all = options > 0;
    match args.get(options) {
        Some(obj) if is_netns_object(obj.as_bytes()) => {}
        _ => return pass,
    }
    let words = &args[options + 1..];
    match subcommand(words) {
        Some(Some(sub)) => netns_command(sub, words.get(1..).unwrap_or_default(), all),
        _ => pass,
    }
}

/// The command for subcommand `sub` with operands `ops`, with iproute2's usage errors.
fn netns_command(sub: Sub, ops: &[OsString], all: bool) -> IpCommand {
    // iproute2 checks the first operand of every subcommand, unless -all; under -all we still
    // check it where it names an entry to create or read (iproute2 lets `../` through there).
    let checks_operand = !all || matches!(sub, Sub::Add | Sub::Attach | Sub::Pids);
    if checks_operand {
        if let Some(op) = ops.first() {
            if check_name(op).is_err() {
                return refuse(&[b"Invalid netns name \"", op.as_bytes(), b"\""], 255);
            }
        }
    }
    IpCommand::Netns(match sub {
        Sub::List => NetnsCommand::List,
        Sub::Add => match ops {
            [] => return usage("No netns name specified"),
            [name, more @ ..] => NetnsCommand::Add {
                name: name.clone(),
                lo_up: more.iter().any(|w| w.as_bytes() == LO_UP.as_bytes()),
            },
        },
        Sub::Attach => match ops {
            [name, pid, ..] => match crate::cnum::get_s32(pid.as_bytes()) {
                Some(pid) if pid != 0 => NetnsCommand::Attach {
                    name: name.clone(),
                    pid,
                },
                _ => return refuse(&[b"Invalid PID: ", pid.as_bytes()], 1),
            },
            _ => return usage("No netns name and PID specified"),
        },
        Sub::Delete if all => NetnsCommand::DeleteAll,
        Sub::Delete => match ops {
            [] => return usage("No netns name specified"),
            [name, ..] => NetnsCommand::Delete { name: name.clone() },
        },
        Sub::Identify => return identify(ops),
        Sub::Pids => match ops {
            [] => return usage("No netns name specified"),
            [name] => NetnsCommand::Pids { name: name.clone() },
            _ => return usage("extra arguments specified"),
        },
        Sub::Exec => return exec(ops, all),
    })
}

fn identify(ops: &[OsString]) -> IpCommand {
    IpCommand::Netns(match ops {
        [] => NetnsCommand::Identify { pid: "self".into() },
        [pid] if pid.as_bytes().iter().all(u8::is_ascii_digit) => {
            NetnsCommand::Identify { pid: pid.clone() }
        }
        [pid] => {
            return refuse(
                &[b"Specified string '", pid.as_bytes(), b"' is not a pid"],
                1,
            );
        }
        _ => return usage("extra arguments specified"),
    })
}

fn exec(ops: &[OsString], all: bool) -> IpCommand {
    IpCommand::Netns(match (all, ops) {
        (true, []) => return usage("No command specified"),
        (true, argv) => NetnsCommand::ExecAll {
            argv: argv.to_vec(),
        },
        (false, []) => return usage("No netns name specified"),
        (false, [_]) => return usage("No command specified"),
        (false, [name, argv @ ..]) => NetnsCommand::Exec {
            name: name.clone(),
            argv: argv.to_vec(),
        },
    })
}

/// `bytes` as an OsString (for building argv in tests and callers).
pub fn os(bytes: &[u8]) -> OsString {
    OsString::from_vec(bytes.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(words: &[&[u8]]) -> Vec<OsString> {
        words.iter().map(|w| os(w)).collect()
    }

    fn netns(c: NetnsCommand) -> IpCommand {
        IpCommand::Netns(c)
    }

    fn refused(line: &[u8], status: u8) -> IpCommand {
        IpCommand::Refuse {
            line: line.to_vec(),
            status,
        }
    }

    fn exec(name: &[u8], prog: &[&[u8]]) -> IpCommand {
        netns(NetnsCommand::Exec {
            name: os(name),
            argv: argv(prog),
        })
    }

    #[test]
    fn ip_personality_table() {
        let pass = |w: &[&[u8]]| IpCommand::PassToRealIp {
            argv0: os(w[0]),
            args: argv(&w[1..]),
        };
        type Case = (&'static [&'static [u8]], Option<IpCommand>);
        let table: Vec<Case> = vec![
            (
                &[b"ip", b"netns", b"exec", b"db", b"true"],
                Some(exec(b"db", &[b"true"])),
            ),
            (
                &[b"ip", b"netns", b"e", b"db", b"ls", b"-l"],
                Some(exec(b"db", &[b"ls", b"-l"])),
            ),
            (
                &[b"ip", b"net", b"exec", b"db", b"true"],
                Some(exec(b"db", &[b"true"])),
            ),
            (
                &[b"ip", b"netn", b"ex", b"\xff", b"\xfe"],
                Some(exec(b"\xff", &[b"\xfe"])),
            ),
            (&[b"ip", b"ne", b"exec", b"db", b"true"], None),
            (&[b"ip", b"n", b"show"], None),
            (&[b"ip", b"link", b"show", b"lo"], None),
            (&[b"ip", b"-V"], None),
            (&[b"ip"], None),
            (
                &[b"ip", b"-n", b"db", b"netns", b"exec", b"x", b"true"],
                None,
            ),
            (&[b"ip", b"-4", b"netns", b"list"], None),
            (&[b"ip", b"-j", b"netns"], None),
            (&[b"ip", b"--", b"netns"], None),
            (&[b"ip", b"-", b"netns"], None),
            (&[b"ip", b"-alll", b"netns"], None),
            (&[b"ip", b"netns", b"set", b"db", b"5"], None),
            (&[b"ip", b"netns", b"list-id"], None),
            (&[b"ip", b"netns", b"help"], None),
            (&[b"ip", b"netns", b"m"], None),
            (&[b"ip", b"netns", b"cookie"], None),
            (&[b"ip", b"netns", b"bogus"], None),
            (&[b"ip", b"netns", b""], None),
            (&[b"ip", b"netns"], Some(netns(NetnsCommand::List))),
            (&[b"ip", b"netns", b"s"], Some(netns(NetnsCommand::List))),
            (&[b"ip", b"netns", b"l"], Some(netns(NetnsCommand::List))),
            (
                &[b"ip", b"netns", b"list", b"a/b"],
                Some(refused(b"Invalid netns name \"a/b\"", 255)),
            ),
            (&[b"ip", b"netns", b"se", b"db", b"1"], None),
            (
                &[b"ip", b"netns", b"exec"],
                Some(refused(b"No netns name specified", 1)),
            ),
            (
                &[b"ip", b"netns", b"exec", b"db"],
                Some(refused(b"No command specified", 1)),
            ),
            (
                &[b"ip", b"netns", b"exec", b"a/b", b"true"],
                Some(refused(b"Invalid netns name \"a/b\"", 255)),
            ),
            (
                &[b"ip", b"netns", b"exec", b".", b"true"],
                Some(refused(b"Invalid netns name \".\"", 255)),
            ),
            (
                &[b"ip", b"netns", b"exec", b"..", b"true"],
                Some(refused(b"Invalid netns name \"..\"", 255)),
            ),
            (
                &[b"ip", b"netns", b"exec", b"", b"true"],
                Some(refused(b"Invalid netns name \"\"", 255)),
            ),
            (
                &[b"ip", b"netns", b"exec", b"\xff/", b"true"],
                Some(refused(b"Invalid netns name \"\xff/\"", 255)),
            ),
            (
                &[b"ip", b"-all", b"netns", b"exec", b"/bin/true"],
                Some(netns(NetnsCommand::ExecAll {
                    argv: argv(&[b"/bin/true"]),
                })),
            ),
            (
                &[b"ip", b"-a", b"net", b"e", b"echo", b"hi"],
                Some(netns(NetnsCommand::ExecAll {
                    argv: argv(&[b"echo", b"hi"]),
                })),
            ),
            (
                &[b"ip", b"--all", b"netns", b"exec"],
                Some(refused(b"No command specified", 1)),
            ),
            (
                &[b"ip", b"--a", b"-al", b"netns", b"delete", b"x/y"],
                Some(netns(NetnsCommand::DeleteAll)),
            ),
            (
                &[b"ip", b"-all", b"netns", b"add", b"../x"],
                Some(refused(b"Invalid netns name \"../x\"", 255)),
            ),
            (
                &[b"ip", b"-all", b"netns", b"pids", b"a/b"],
                Some(refused(b"Invalid netns name \"a/b\"", 255)),
            ),
            (
                &[b"ip", b"-all", b"netns", b"list", b"a/b"],
                Some(netns(NetnsCommand::List)),
            ),
            (
                &[b"ip", b"-all", b"netns", b"identify", b"1/2"],
                Some(refused(b"Specified string '1/2' is not a pid", 1)),
            ),
            (
                &[b"ip", b"netns", b"add"],
                Some(refused(b"No netns name specified", 1)),
            ),
            (
                &[b"ip", b"netns", b"a", b"db"],
                Some(netns(NetnsCommand::Add {
                    name: os(b"db"),
                    lo_up: false,
                })),
            ),
            (
                &[b"ip", b"netns", b"add", b"db", b"--lo-up"],
                Some(netns(NetnsCommand::Add {
                    name: os(b"db"),
                    lo_up: true,
                })),
            ),
            (
                &[b"ip", b"netns", b"add", b"--lo-up"],
                Some(netns(NetnsCommand::Add {
                    name: os(b"--lo-up"),
                    lo_up: false,
                })),
            ),
            (
                &[b"ip", b"netns", b"at", b"db", b"0x10"],
                Some(netns(NetnsCommand::Attach {
                    name: os(b"db"),
                    pid: 16,
                })),
            ),
            (
                &[b"ip", b"netns", b"attach", b"db"],
                Some(refused(b"No netns name and PID specified", 1)),
            ),
            (
                &[b"ip", b"netns", b"attach", b"db", b"abc"],
                Some(refused(b"Invalid PID: abc", 1)),
            ),
            (
                &[b"ip", b"netns", b"attach", b"db", b"0"],
                Some(refused(b"Invalid PID: 0", 1)),
            ),
            (
                &[b"ip", b"netns", b"d", b"db", b"extra"],
                Some(netns(NetnsCommand::Delete { name: os(b"db") })),
            ),
            (
                &[b"ip", b"netns", b"delete"],
                Some(refused(b"No netns name specified", 1)),
            ),
            (
                &[b"ip", b"netns", b"i"],
                Some(netns(NetnsCommand::Identify { pid: os(b"self") })),
            ),
            (
                &[b"ip", b"netns", b"identify", b"42"],
                Some(netns(NetnsCommand::Identify { pid: os(b"42") })),
            ),
            (
                &[b"ip", b"netns", b"identify", b"abc"],
                Some(refused(b"Specified string 'abc' is not a pid", 1)),
            ),
            (
                &[b"ip", b"netns", b"identify", b"1", b"2"],
                Some(refused(b"extra arguments specified", 1)),
            ),
            (
                &[b"ip", b"netns", b"identify", b"1/2"],
                Some(refused(b"Invalid netns name \"1/2\"", 255)),
            ),
            (
                &[b"ip", b"netns", b"p", b"db"],
                Some(netns(NetnsCommand::Pids { name: os(b"db") })),
            ),
            (
                &[b"ip", b"netns", b"pids"],
                Some(refused(b"No netns name specified", 1)),
            ),
            (
                &[b"ip", b"netns", b"pids", b"db", b"x"],
                Some(refused(b"extra arguments specified", 1)),
            ),
        ];
        for (words, want) in table {
            let got = parse(&argv(words), false);
            let want = want.unwrap_or_else(|| pass(words));
            assert_eq!(got, want, "{:?}", argv(words));
        }
    }

    #[test]
    fn shim_reads_args_as_ip_netns() {
        let shim = |w: &[&[u8]]| {
            let mut v = vec![os(b"/usr/sbin/ip-netns-shim")];
            v.extend(argv(w));
            parse(&v, true)
        };
        assert_eq!(shim(&[b"exec", b"db", b"true"]), exec(b"db", &[b"true"]));
        assert_eq!(
            shim(&[b"netns", b"exec", b"db", b"true"]),
            exec(b"db", &[b"true"])
        );
        assert_eq!(shim(&[b"e", b"db", b"true"]), exec(b"db", &[b"true"]));
        assert_eq!(shim(&[]), netns(NetnsCommand::List));
        assert_eq!(shim(&[b"netns"]), netns(NetnsCommand::List));
        assert_eq!(
            shim(&[b"add", b"db"]),
            netns(NetnsCommand::Add {
                name: os(b"db"),
                lo_up: false
            })
        );
        assert_eq!(
            shim(&[b"-all", b"exec", b"true"]),
            netns(NetnsCommand::ExecAll {
                argv: argv(&[b"true"])
            })
        );
        assert_eq!(
            shim(&[b"exec", b"a/b", b"x"]),
            refused(b"Invalid netns name \"a/b\"", 255)
        );
        // What we leave to ip goes there as `ip netns ...` under the name `ip`.
        assert_eq!(
            shim(&[b"set", b"db", b"5"]),
            IpCommand::PassToRealIp {
                argv0: os(b"ip"),
                args: argv(&[b"netns", b"set", b"db", b"5"])
            }
        );
        assert_eq!(
            shim(&[b"-j", b"list"]),
            IpCommand::PassToRealIp {
                argv0: os(b"ip"),
                args: argv(&[b"-j", b"netns", b"list"])
            }
        );
    }

    /// Every global option of iproute2 6.1, spelled in full, as its shortest prefix that still
    /// selects it, and with `--`: `netns` lands after the option and its value.
    #[test]
    fn shim_inserts_netns_after_every_global_option_and_its_value() {
        let shortest = |name: &str| -> String {
            (2..=name.len())
                .map(|n| &name[..n])
                .find(|p| global_option(p.as_bytes()).map(|(n, _)| n) == Some(name))
                .unwrap_or(name)
                .to_string()
        };
        for &(name, takes_value) in GLOBAL_OPTIONS {
            if name == "-batch" || name == "-all" {
                continue;
            }
            for spelling in [name.to_string(), shortest(name), format!("-{name}")] {
                if global_option(spelling.as_bytes()).map(|(n, _)| n) != Some(name) {
                    continue; // e.g. -human-readable's prefixes are -human's
                }
                let mut words: Vec<&[u8]> = vec![spelling.as_bytes()];
                if takes_value {
                    words.push(b"-value");
                }
                let mut with_list = words.clone();
                with_list.push(b"list");
                let mut v = vec![os(b"ip-netns-shim")];
                v.extend(argv(&with_list));
                let mut want = argv(&words);
                want.push(os(b"netns"));
                want.push(os(b"list"));
                assert_eq!(
                    parse(&v, true),
                    IpCommand::PassToRealIp {
                        argv0: os(b"ip"),
                        args: want
                    },
                    "{spelling}"
                );
            }
        }
        let shim = |w: &[&[u8]]| {
            let mut v = vec![os(b"ip-netns-shim")];
            v.extend(argv(w));
            parse(&v, true)
        };
        // The issue's two cases, and prefixes that mean different options.
        for (words, want) in [
            (
                &[&b"-n"[..], b"db", b"list"][..],
                &[&b"-n"[..], b"db", b"netns", b"list"][..],
            ),
            (&[b"-r", b"list"], &[b"-r", b"netns", b"list"]),
            (
                &[b"-rc", b"4096", b"list"],
                &[b"-rc", b"4096", b"netns", b"list"],
            ),
            (
                &[b"-f", b"inet", b"list"],
                &[b"-f", b"inet", b"netns", b"list"],
            ),
            (&[b"-c=never", b"list"], &[b"-c=never", b"netns", b"list"]),
            (&[b"-bogus", b"list"], &[b"-bogus", b"netns", b"list"]),
            (&[b"-j", b"--", b"list"], &[b"-j", b"--", b"netns", b"list"]),
            (&[b"-n"], &[b"-n", b"netns"]),
        ] {
            assert_eq!(
                shim(words),
                IpCommand::PassToRealIp {
                    argv0: os(b"ip"),
                    args: argv(want)
                },
                "{:?}",
                argv(words)
            );
        }
        assert_eq!(
            shim(&[b"-b", b"cmds"]),
            refused(
                b"ip-netns-shim: -b reads whole ip command lines from a file: run 'ip -b FILE' instead",
                255
            )
        );
        assert_eq!(
            shim(&[b"--all", b"exec", b"true"]),
            netns(NetnsCommand::ExecAll {
                argv: argv(&[b"true"])
            })
        );
        // Exact spellings and the colour values are ip.c's.
        assert_eq!(global_option(b"-4"), Some(("-4", false)));
        assert_eq!(global_option(b"-44"), None);
        assert_eq!(global_option(b"-e"), None);
        assert_eq!(global_option(b"-col=auto"), Some(("-color", false)));
        assert_eq!(global_option(b"-color=pink"), None);
        assert_eq!(global_option(b"-b"), Some(("-batch", true)));
        assert_eq!(global_option(b"-br"), Some(("-brief", false)));
        assert_eq!(global_option(b"-h"), Some(("-human", false)));
        assert_eq!(global_option(b"-he"), Some(("-help", false)));
        assert_eq!(global_option(b"-N"), Some(("-Numeric", false)));
        assert_eq!(global_option(b"-"), Some(("-loops", true)));
    }
}
