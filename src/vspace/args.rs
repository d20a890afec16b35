//! vspace's command line, parsed the way util-vserver's `vspace` parses it. Pure and lossless.
//!
//! vspace calls `getopt_long(argc, argv, "+nsce:m:i:MFIUSPN", ...)`: options in any order,
//! parsing stops at the first non-option or at `--` (the `+`), long options may be shortened to a
//! unique prefix, `--opt=value` and short clusters (`-Ne db`) work. This module repeats glibc's
//! algorithm step for step (`tests/it/getopt_oracle.rs` compares it with glibc itself), never
//! copies or rewrites a token, and reports where the options end, so that a caller can hand the
//! original argv on byte for byte.
//!
//! The space mask is built left to right: a space option ORs its bit, `--~space` clears it,
//! `--mask N` replaces the mask so far, `--default` ORs [`DEFAULT_SPACES`], `--~default` clears it.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;

pub const MOUNT: u64 = 0x0002_0000;
pub const FS: u64 = 0x0000_0200;
pub const IPC: u64 = 0x0800_0000;
pub const UTS: u64 = 0x0400_0000;
pub const USER: u64 = 0x1000_0000;
pub const PID: u64 = 0x2000_0000;
pub const NET: u64 = 0x4000_0000;
/// What `--default` adds: the kernel's default set on current Linux-VServer patches (never net).
pub const DEFAULT_SPACES: u64 = UTS | IPC;

/// One option of vspace's table, after abbreviation and cluster expansion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opt {
    Help,
    Version,
    New,
    Enter,
    Set,
    Index,
    Mask,
    Default,
    NoDefault,
    Space(u64),
    NoSpace(u64),
}

impl Opt {
    fn takes_arg(self) -> bool {
        matches!(self, Opt::Enter | Opt::Index | Opt::Mask)
    }
}

/// vspace's long options, in its table's order (the order only shapes glibc's messages).
pub const LONG_OPTIONS: &[(&str, Opt)] = &[
    ("help", Opt::Help),
    ("version", Opt::Version),
    ("new", Opt::New),
    ("enter", Opt::Enter),
    ("set", Opt::Set),
    ("index", Opt::Index),
    ("mask", Opt::Mask),
    ("default", Opt::Default),
    ("~default", Opt::NoDefault),
    ("mount", Opt::Space(MOUNT)),
    ("fs", Opt::Space(FS)),
    ("ipc", Opt::Space(IPC)),
    ("uts", Opt::Space(UTS)),
    ("user", Opt::Space(USER)),
    ("pid", Opt::Space(PID)),
    ("net", Opt::Space(NET)),
    ("~mount", Opt::NoSpace(MOUNT)),
    ("~fs", Opt::NoSpace(FS)),
    ("~ipc", Opt::NoSpace(IPC)),
    ("~uts", Opt::NoSpace(UTS)),
    ("~user", Opt::NoSpace(USER)),
    ("~pid", Opt::NoSpace(PID)),
    ("~net", Opt::NoSpace(NET)),
];

fn short_option(c: u8) -> Option<Opt> {
    Some(match c {
        b'n' => Opt::New,
        b's' => Opt::Set,
        b'e' => Opt::Enter,
        b'm' => Opt::Mask,
        b'i' => Opt::Index,
        b'M' => Opt::Space(MOUNT),
        b'F' => Opt::Space(FS),
        b'I' => Opt::Space(IPC),
        b'U' => Opt::Space(UTS),
        b'S' => Opt::Space(USER),
        b'P' => Opt::Space(PID),
        b'N' => Opt::Space(NET),
        _ => return None, // `-c` is in vspace's optstring but unhandled: an error there too
    })
}

/// Why vspace itself would stop before doing anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    UnknownOption(OsString),
    Ambiguous(OsString),
    NeedsArgument(OsString),
    NoArgumentAllowed(OsString),
    BadMask(OsString),
    BadIndex(OsString),
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::report::quote::escape;
        match self {
            ParseError::UnknownOption(o) => write!(f, "unrecognized option '{}'", escape(o)),
            ParseError::Ambiguous(o) => write!(f, "option '{}' is ambiguous", escape(o)),
            ParseError::NeedsArgument(o) => {
                write!(f, "option '{}' requires an argument", escape(o))
            }
            ParseError::NoArgumentAllowed(o) => {
                write!(f, "option '{}' doesn't allow an argument", escape(o))
            }
            ParseError::BadMask(v) => write!(f, "invalid mask '{}'", escape(v)),
            ParseError::BadIndex(v) => write!(f, "invalid index '{}'", escape(v)),
        }
    }
}

/// What vspace's option loop ends with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    /// The loop finished; the operation may still be missing or doubled.
    Args(Args),
    /// `--help` came first: vspace prints its usage and exits 0.
    Help,
    /// `--version` came first.
    Version,
    Error(ParseError),
}

/// The result of a finished option loop, with positions into the original argv.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Args {
    pub new: bool,
    pub set: bool,
    /// Every `--enter` value, in order (vspace keeps the last).
    pub enter: Vec<OsString>,
    pub mask: u64,
    pub index: Option<u64>,
    /// glibc's `optind`: the program's position, `argv.len()` when there is none.
    pub program: usize,
    /// Where more options could be inserted: the `--` that ended the options, else `program`.
    pub options_end: usize,
}

/// vspace's single operation, as it checks after the loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operation<'a> {
    None,
    Several,
    New,
    Enter(&'a OsStr),
    Set,
}

impl Args {
    pub fn operation(&self) -> Operation<'_> {
        let enter = self.enter.last();
        match (self.new, enter, self.set) {
            (false, None, false) => Operation::None,
            (true, None, false) => Operation::New,
            (false, Some(x), false) => Operation::Enter(x),
            (false, None, true) => Operation::Set,
            _ => Operation::Several,
        }
    }
}

/// Parses `argv` (with argv[0]) exactly as vspace's getopt_long loop does.
pub fn parse(argv: &[OsString]) -> Parsed {
    let mut args = Args::default();
    let mut optind = 1;
    loop {
        let Some(token) = argv.get(optind).map(|t| t.as_bytes()) else {
            args.program = argv.len();
            args.options_end = argv.len();
            return Parsed::Args(args);
        };
        if token == b"--" {
            args.options_end = optind;
            args.program = optind + 1;
            return Parsed::Args(args);
        }
        if token.len() < 2 || token[0] != b'-' {
            args.program = optind;
            args.options_end = optind;
            return Parsed::Args(args);
        }
        let mut found: Vec<(Opt, Option<&[u8]>)> = Vec::new();
        if token[1] == b'-' {
            let (opt, arg, used) = match long_option(argv, optind) {
                Ok(x) => x,
                Err(e) => return Parsed::Error(e),
            };
            found.push((opt, arg));
            optind += used;
        } else {
            // A cluster: every character an option until one that takes an argument.
            let mut j = 1;
            let mut used = 1;
            while j < token.len() {
                let Some(opt) = short_option(token[j]) else {
                    return Parsed::Error(ParseError::UnknownOption(
                        OsStr::from_bytes(&[b'-', token[j]]).to_owned(),
                    ));
                };
                j += 1;
                if opt.takes_arg() {
                    let arg = if j < token.len() {
                        &token[j..]
                    } else if let Some(next) = argv.get(optind + 1) {
                        used = 2;
                        next.as_bytes()
                    } else {
                        return Parsed::Error(ParseError::NeedsArgument(
                            OsStr::from_bytes(&[b'-', token[j - 1]]).to_owned(),
                        ));
                    };
                    found.push((opt, Some(arg)));
                    break;
                }
                found.push((opt, None));
            }
            optind += used;
        }
        for (opt, arg) in found {
            if let Err(stop) = apply(&mut args, opt, arg.unwrap_or_default()) {
                return stop;
            }
        }
    }
}

/// glibc's `process_long_option`: an exact name wins, else a unique prefix; returns the option,
/// its argument, and how many argv words it used.
fn long_option(
    argv: &[OsString],
    optind: usize,
) -> Result<(Opt, Option<&[u8]>, usize), ParseError> {
    let token = argv[optind].as_bytes();
    let body = &token[2..];
    let (name, inline) = match body.iter().position(|&b| b == b'=') {
        Some(eq) => (&body[..eq], Some(&body[eq + 1..])),
        None => (body, None),
    };
    let shown = || OsStr::from_bytes(&token[..2 + name.len()]).to_owned();
    let opt = match LONG_OPTIONS.iter().find(|(n, _)| n.as_bytes() == name) {
        Some(&(_, opt)) => opt,
        None => {
            let mut prefixed = LONG_OPTIONS
                .iter()
                .filter(|(n, _)| n.as_bytes().starts_with(name));
            match (prefixed.next(), prefixed.next()) {
                (Some(&(_, opt)), None) => opt,
                (Some(_), Some(_)) => return Err(ParseError::Ambiguous(shown())),
                (None, _) => return Err(ParseError::UnknownOption(shown())),
            }
        }
    };
    match (opt.takes_arg(), inline) {
        (true, Some(arg)) => Ok((opt, Some(arg), 1)),
        (true, None) => match argv.get(optind + 1) {
            Some(next) => Ok((opt, Some(next.as_bytes()), 2)),
            None => Err(ParseError::NeedsArgument(shown())),
        },
        (false, Some(_)) => Err(ParseError::NoArgumentAllowed(shown())),
        (false, None) => Ok((opt, None, 1)),
    }
}

/// vspace's `switch (c)`: what one option does to the state, or why the loop stops there.
fn apply(args: &mut Args, opt: Opt, arg: &[u8]) -> Result<(), Parsed> {
    match opt {
        Opt::Help => return Err(Parsed::Help),
        Opt::Version => return Err(Parsed::Version),
        Opt::New => args.new = true,
        Opt::Set => args.set = true,
        Opt::Enter => args.enter.push(OsStr::from_bytes(arg).to_owned()),
        Opt::Mask => match crate::netns::cnum::strtoull_whole(arg) {
            Some(m) => args.mask = m,
            None => {
                return Err(Parsed::Error(ParseError::BadMask(
                    OsStr::from_bytes(arg).to_owned(),
                )));
            }
        },
        Opt::Index => match crate::netns::cnum::strtoull_whole(arg) {
            Some(i) => args.index = Some(i),
            None => {
                return Err(Parsed::Error(ParseError::BadIndex(
                    OsStr::from_bytes(arg).to_owned(),
                )));
            }
        },
        Opt::Default => args.mask |= DEFAULT_SPACES,
        Opt::NoDefault => args.mask &= !DEFAULT_SPACES,
        Opt::Space(bit) => args.mask |= bit,
        Opt::NoSpace(bit) => args.mask &= !bit,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(words: &[&[u8]]) -> Vec<OsString> {
        std::iter::once(&b"vspace"[..])
            .chain(words.iter().copied())
            .map(|w| OsStr::from_bytes(w).to_owned())
            .collect()
    }

    fn ok(words: &[&[u8]]) -> Args {
        match parse(&argv(words)) {
            Parsed::Args(a) => a,
            other => panic!("{words:?} parsed as {other:?}"),
        }
    }

    #[test]
    fn util_vserver_calls() {
        let a = ok(&[
            b"--enter",
            b"db",
            b"--net",
            b"--",
            b"/usr/lib/util-vserver/exec-ulimit",
        ]);
        assert_eq!(
            (a.operation(), a.mask, a.program, a.options_end),
            (Operation::Enter(OsStr::new("db")), NET, 5, 4)
        );

        let a = ok(&[
            b"--new",
            b"--default",
            b"--net",
            b"--mask",
            b"0x4c000000",
            b"--",
            b"x",
        ]);
        assert_eq!(
            (a.operation(), a.mask, a.program),
            (Operation::New, 0x4c00_0000, 7)
        );

        let a = ok(&[
            b"--mount", b"--fs", b"--enter", b"1001", b"vserver", b"web", b"enter",
        ]);
        assert_eq!((a.mask, a.program, a.options_end), (MOUNT | FS, 5, 5));

        let a = ok(&[
            b"--enter", b"1001", b"--index", b"1", b"--mount", b"--fs", b"--", b"/bin/sh",
        ]);
        assert_eq!((a.index, a.mask), (Some(1), MOUNT | FS));

        let a = ok(&[b"--set", b"--default", b"--net", b"--"]);
        assert_eq!(
            (a.operation(), a.mask, a.program),
            (Operation::Set, DEFAULT_SPACES | NET, 5)
        );
    }

    #[test]
    fn abbreviations_clusters_and_inline_values() {
        let a = ok(&[b"--ent=:db"]);
        assert_eq!(a.enter, vec![OsString::from(":db")]);
        assert_eq!(
            parse(&argv(&[b"--ne"])),
            Parsed::Error(ParseError::Ambiguous("--ne".into()))
        );
        assert_eq!(ok(&[b"--net"]).mask, NET);
        assert_eq!(ok(&[b"--~n"]).mask, 0);
        let a = ok(&[b"-Ne", b"db", b"prog"]);
        assert_eq!(
            (a.mask, a.enter.clone(), a.program),
            (NET, vec![OsString::from("db")], 3)
        );
        let a = ok(&[b"-NedbX", b"prog"]);
        assert_eq!(a.enter, vec![OsString::from("dbX")]);
        assert_eq!(ok(&[b"-e", b"--", b"x"]).enter, vec![OsString::from("--")]);
        assert_eq!(ok(&[b"--enter="]).enter, vec![OsString::new()]);
        assert_eq!(ok(&[b"-", b"--net"]).program, 1);
        assert_eq!(ok(&[b"--net", b"--~net", b"--pid"]).mask, PID);
        assert_eq!(ok(&[b"--pid", b"--mask", b"0x40000000"]).mask, NET);
        assert_eq!(ok(&[b"--default", b"--~uts"]).mask, IPC);
        assert_eq!(ok(&[b"--default", b"--~default", b"--net"]).mask, NET);
    }

    #[test]
    fn errors_stop_the_loop_where_vspace_stops() {
        let e = |w: &[&[u8]]| match parse(&argv(w)) {
            Parsed::Error(e) => e,
            other => panic!("{w:?} parsed as {other:?}"),
        };
        assert_eq!(
            e(&[b"--bogus"]),
            ParseError::UnknownOption("--bogus".into())
        );
        assert_eq!(e(&[b"--m"]), ParseError::Ambiguous("--m".into()));
        assert_eq!(e(&[b"--="]), ParseError::Ambiguous("--".into()));
        assert_eq!(e(&[b"-c"]), ParseError::UnknownOption("-c".into()));
        assert_eq!(e(&[b"-N+"]), ParseError::UnknownOption("-+".into()));
        assert_eq!(
            e(&[b"--enter"]),
            ParseError::NeedsArgument("--enter".into())
        );
        assert_eq!(e(&[b"-Ne"]), ParseError::NeedsArgument("-e".into()));
        assert_eq!(
            e(&[b"--net=1"]),
            ParseError::NoArgumentAllowed("--net".into())
        );
        assert_eq!(e(&[b"--mask", b"0x"]), ParseError::BadMask("0x".into()));
        assert_eq!(e(&[b"-i", b"one"]), ParseError::BadIndex("one".into()));
        assert_eq!(parse(&argv(&[b"--he", b"--bogus"])), Parsed::Help);
        assert_eq!(parse(&argv(&[b"--net", b"--version"])), Parsed::Version);
        assert_eq!(
            parse(&argv(&[b"--bogus", b"--help"])),
            Parsed::Error(ParseError::UnknownOption("--bogus".into()))
        );
    }
}
