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
use crate::report::status::Status;

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
    Refuse { line: Vec<u8>, status: Status },
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

fn refuse(parts: &[&[u8]], status: Status) -> IpCommand {
    IpCommand::Refuse {
        line: parts.concat(),
        status,
    }
}

fn usage(line: &str) -> IpCommand {
    refuse(&[line.as_bytes()], Status::Failed)
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
                    Status::Setup,
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
                return refuse(
                    &[b"Invalid netns name \"", op.as_bytes(), b"\""],
                    Status::Setup,
                );
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
            [name, pid, ..] => match crate::netns::cnum::get_s32(pid.as_bytes()) {
                Some(pid) if pid != 0 => NetnsCommand::Attach {
                    name: name.clone(),
                    pid,
                },
                _ => return refuse(&[b"Invalid PID: ", pid.as_bytes()], Status::Failed),
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
                Status::Failed,
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

    /// `ip` and the words of `line`, split at every space (two spaces in a row make an empty
    /// word); an empty `line` is `ip` alone.
    fn ip(line: &[u8]) -> Vec<OsString> {
        let words = line.split(|b| *b == b' ').filter(|_| !line.is_empty());
        std::iter::once(os(b"ip")).chain(words.map(os)).collect()
    }

    fn netns(c: NetnsCommand) -> IpCommand {
        IpCommand::Netns(c)
    }

    fn refused(line: &[u8], status: Status) -> IpCommand {
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
        let pass = |w: &[OsString]| IpCommand::PassToRealIp {
            argv0: w[0].clone(),
            args: w[1..].to_vec(),
        };
        // What goes to the real ip untouched.
        let passed: &[&[u8]] = &[
            b"ne exec db true",
            b"n show",
            b"link show lo",
            b"-V",
            b"",
            b"-n db netns exec x true",
            b"-4 netns list",
            b"-j netns",
            b"-- netns",
            b"- netns",
            b"-alll netns",
            b"netns set db 5",
            b"netns list-id",
            b"netns help",
            b"netns m",
            b"netns cookie",
            b"netns bogus",
            b"netns ",
            b"netns se db 1",
        ];
        for line in passed {
            let words = ip(line);
            assert_eq!(parse(&words, false), pass(&words), "{line:?}");
        }
        // What ip itself refuses with status 1, and its line.
        let refusals: &[(&[u8], &[u8])] = &[
            (b"netns exec", b"No netns name specified"),
            (b"netns exec db", b"No command specified"),
            (b"--all netns exec", b"No command specified"),
            (
                b"-all netns identify 1/2",
                b"Specified string '1/2' is not a pid",
            ),
            (
                b"netns identify abc",
                b"Specified string 'abc' is not a pid",
            ),
            (b"netns add", b"No netns name specified"),
            (b"netns attach db", b"No netns name and PID specified"),
            (b"netns attach db abc", b"Invalid PID: abc"),
            (b"netns attach db 0", b"Invalid PID: 0"),
            (b"netns delete", b"No netns name specified"),
            (b"netns identify 1 2", b"extra arguments specified"),
            (b"netns pids", b"No netns name specified"),
            (b"netns pids db x", b"extra arguments specified"),
        ];
        for (words, line) in refusals {
            assert_eq!(
                parse(&ip(words), false),
                refused(line, Status::Failed),
                "{words:?}"
            );
        }
        // The names ip refuses with 255, "Invalid netns name \"NAME\"": the word at the index.
        let bad_names: &[(&[u8], usize)] = &[
            (b"netns list a/b", 3),
            (b"netns exec a/b true", 3),
            (b"netns exec . true", 3),
            (b"netns exec .. true", 3),
            (b"netns exec  true", 3),
            (b"netns exec \xff/ true", 3),
            (b"-all netns add ../x", 4),
            (b"-all netns pids a/b", 4),
            (b"netns identify 1/2", 3),
        ];
        for (words, at) in bad_names {
            let argv = ip(words);
            let name = argv[*at].as_bytes();
            let line = [&b"Invalid netns name \""[..], name, b"\""].concat();
            assert_eq!(
                parse(&argv, false),
                refused(&line, Status::Setup),
                "{words:?}"
            );
        }
        let parsed: Vec<(&[u8], IpCommand)> = vec![
            (b"netns exec db true", exec(b"db", &[b"true"])),
            (b"netns e db ls -l", exec(b"db", &[b"ls", b"-l"])),
            (b"net exec db true", exec(b"db", &[b"true"])),
            (b"netn ex \xff \xfe", exec(b"\xff", &[b"\xfe"])),
            (b"netns", netns(NetnsCommand::List)),
            (b"netns s", netns(NetnsCommand::List)),
            (b"netns l", netns(NetnsCommand::List)),
            (
                b"-all netns exec /bin/true",
                netns(NetnsCommand::ExecAll {
                    argv: argv(&[b"/bin/true"]),
                }),
            ),
            (
                b"-a net e echo hi",
                netns(NetnsCommand::ExecAll {
                    argv: argv(&[b"echo", b"hi"]),
                }),
            ),
            (b"--a -al netns delete x/y", netns(NetnsCommand::DeleteAll)),
            (b"-all netns list a/b", netns(NetnsCommand::List)),
            (
                b"netns a db",
                netns(NetnsCommand::Add {
                    name: os(b"db"),
                    lo_up: false,
                }),
            ),
            (
                b"netns add db --lo-up",
                netns(NetnsCommand::Add {
                    name: os(b"db"),
                    lo_up: true,
                }),
            ),
            (
                b"netns add --lo-up",
                netns(NetnsCommand::Add {
                    name: os(b"--lo-up"),
                    lo_up: false,
                }),
            ),
            (
                b"netns at db 0x10",
                netns(NetnsCommand::Attach {
                    name: os(b"db"),
                    pid: 16,
                }),
            ),
            (
                b"netns d db extra",
                netns(NetnsCommand::Delete { name: os(b"db") }),
            ),
            (
                b"netns i",
                netns(NetnsCommand::Identify { pid: os(b"self") }),
            ),
            (
                b"netns identify 42",
                netns(NetnsCommand::Identify { pid: os(b"42") }),
            ),
            (b"netns p db", netns(NetnsCommand::Pids { name: os(b"db") })),
        ];
        for (words, want) in parsed {
            assert_eq!(parse(&ip(words), false), want, "{words:?}");
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
            refused(b"Invalid netns name \"a/b\"", Status::Setup)
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
                Status::Setup
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
