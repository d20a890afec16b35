//! The admin tool's own command line (`vspace-netns explain|...`), parsed with clap. Only the
//! tool's subcommands go through clap; pass-through argv never does. Parsing is pure; [`main`]
//! dispatches to the subcommands (in `zone`, `vspace::explain`), which do the side effects.
//!
//! Exit statuses of the tool's subcommands: 0 done, 1 failed (the message says why), 2 usage;
//! `down` exits 3 when it refuses a namespace that processes still use.
//!
//! `completions SHELL` prints the shell completion script shipped in `completions/` (written by
//! hand, so that zone and guest names complete; `tests/it/completions.rs` runs each shell on them
//! and checks that they offer exactly the subcommands and options described here).
//! `--help` is wrapped to the terminal's width (`COLUMNS`, then the terminal), at most 100.

#![deny(unsafe_code)]

use std::ffi::OsString;

use crate::out;

use clap::builder::PossibleValuesParser;
use clap::{Arg, ArgAction, Command, value_parser};

use crate::fail;
use crate::vspace::explain;
use crate::zone::{self, doctor, hook, mac};

fn operand(name: &'static str, help: &'static str) -> Arg {
    Arg::new(name)
        .help(help)
        .required(true)
        .value_parser(value_parser!(OsString))
}

fn zone_operand() -> Arg {
    Arg::new("netns")
        .value_name("ZONE")
        .help("The zone (a directory in /etc/vspace-netns)")
        .required_unless_present("all")
        .conflicts_with("all")
        .value_parser(value_parser!(OsString))
}

fn all_flag() -> Arg {
    flag(
        "all",
        "Every configured zone, in name order (at boot and shutdown); a zone that fails is reported and the rest still done",
    )
}

fn expect_up_flag() -> Arg {
    flag(
        "expect-up",
        "Zones must be up: an idle zone (down, none of its guests running) fails too",
    )
}

fn flag(name: &'static str, help: &'static str) -> Arg {
    Arg::new(name)
        .long(name)
        .help(help)
        .action(ArgAction::SetTrue)
}

/// The clap description of the tool (also used for shell completions).
pub fn command() -> Command {
    Command::new("vspace-netns")
        .version(env!("CARGO_PKG_VERSION"))
        .about("Linux-VServer guests in named network namespaces: a drop-in vspace and ip netns")
        .long_about(
            "Installed as vspace, enters /run/netns/NAME for util-vserver's shared-net calls \
             (vspace --enter NAME --net -- ...) and passes every other call to the real vspace \
             byte for byte. Installed as ip or ip-netns-shim, it is ip netns. Under its own name \
             it runs the subcommands below; a first argument that is an option other than -h, \
             --help, -V or --version is taken as vspace's (every vspace call starts with one).",
        )
        .subcommand_required(true)
        .arg_required_else_help(true)
        // Wider terminals still get lines a reader can follow.
        .max_term_width(100)
        .subcommand(
            Command::new("explain")
                .about("Show what a vspace call would do, without doing it")
                .arg(
                    Arg::new("args")
                        .help("The vspace arguments (after --)")
                        .num_args(0..)
                        .trailing_var_arg(true)
                        .allow_hyphen_values(true)
                        .value_parser(value_parser!(OsString))
                        .action(ArgAction::Append),
                ),
        )
        .subcommand(
            Command::new("mac")
                .about("Print the static MAC 02:VV:VV:CC:CC:II of a zone link")
                .arg(operand(
                    "vid",
                    "VLAN id, 1-4094 (0 for a link that is not a VLAN)",
                ))
                .arg(operand("id", "The zone's id, 0-65535"))
                .arg(operand("index", "The link's index, 0-255")),
        )
        .subcommand(
            Command::new("up")
                .about("Bring a zone up: namespace, lo, links with their MACs and addresses, routes, sysctls")
                .override_usage("vspace-netns up <ZONE|--all> [--dry-run]\n       vspace-netns up --parent IFACE [--dry-run]")
                .arg(
                    zone_operand()
                        .required_unless_present_any(["all", "parent"])
                        .conflicts_with("parent"),
                )
                .arg(all_flag().conflicts_with("parent"))
                .arg(
                    Arg::new("parent")
                        .long("parent")
                        .value_name("IFACE")
                        .help("Every zone with a VLAN or macvlan link on the host's interface IFACE (run when IFACE comes up: repairs what a trunk set down and up took from its VLANs)")
                        .value_parser(value_parser!(OsString)),
                )
                .arg(flag(
                    "dry-run",
                    "Print the steps as ip command lines; change nothing",
                )),
        )
        .subcommand(
            Command::new("down")
                .about("Take zones down: their links, then their namespaces")
                .override_usage("vspace-netns down <ZONE...|--all>\n       [--force] [--dry-run]")
                .arg(
                    zone_operand()
                        .help("The zones (directories in /etc/vspace-netns), each in turn")
                        .num_args(1..)
                        .action(ArgAction::Append),
                )
                .arg(all_flag())
                .arg(flag(
                    "force",
                    "Go ahead even while processes live in the namespace, a starting guest claims the zone, or links and the namespace carry no mark of this zone",
                ))
                .arg(flag(
                    "dry-run",
                    "Print the steps as ip command lines; change nothing",
                )),
        )
        .subcommand(
            Command::new("hook")
                .about(
                    "util-vserver scriptlet: bring a guest's zone up before start, down after stop",
                )
                .arg(operand(
                    "phase",
                    "initialize, prepre-start, pre-start, post-start, pre-stop, post-stop or postpost-stop",
                ))
                .arg(operand(
                    "guest",
                    "The guest's name (a directory in /etc/vservers)",
                )),
        )
        .subcommand(
            Command::new("doctor")
                .about("Check the host, a guest, a zone, or every zone; findings grouped by zone, each fix on its own line")
                .arg(
                    Arg::new("target")
                        .value_name("GUEST|ZONE")
                        .help("A guest or a zone (default: every zone)")
                        .value_parser(value_parser!(OsString)),
                )
                .arg(expect_up_flag()),
        )
        .subcommand(
            Command::new("status")
                .about("Show each zone's state, PIDs, links, routes and guests; exit 0 when all are up as configured or idle")
                .arg(
                    Arg::new("zones")
                        .value_name("ZONE")
                        .help("Zones to show (default: every zone)")
                        .num_args(0..)
                        .value_parser(value_parser!(OsString))
                        .action(ArgAction::Append),
                )
                .arg(
                    flag("json", "Print JSON (field names in vspace-netns-zones(5)); the same as --format json")
                        .conflicts_with("format"),
                )
                .arg(
                    Arg::new("format")
                        .long("format")
                        .value_name("FORMAT")
                        .help("text, json, or prometheus (node_exporter's textfile collector)")
                        .value_parser(PossibleValuesParser::new(zone::status::Format::NAMES)),
                )
                .arg(expect_up_flag()),
        )
        .subcommand(
            Command::new("show")
                .about("Show a zone's effective configuration: id, links with their MACs, routes, sysctls and the guests that name it")
                .arg(
                    Arg::new("netns")
                        .value_name("ZONE")
                        .help("The zone (a directory in /etc/vspace-netns)")
                        .required(true)
                        .value_parser(value_parser!(OsString)),
                )
                .arg(flag("json", "Print JSON (field names in vspace-netns-zones(5))")),
        )
        .subcommand(
            Command::new("completions")
                .about("Print the completion script for SHELL (bash, zsh or fish) on stdout")
                .arg(
                    Arg::new("shell")
                        .help("The shell to complete for")
                        .required(true)
                        .value_parser(PossibleValuesParser::new(SHELLS.map(|(name, _)| name))),
                ),
        )
}

fn os<'a>(m: &'a clap::ArgMatches, name: &str) -> &'a OsString {
    m.get_one::<OsString>(name).expect("required by clap")
}

const PREFIX: &str = "vspace-netns";

fn done(r: Result<(), fail::Fail>) -> anyhow::Result<u8> {
    Ok(match r {
        Ok(()) => 0,
        Err(f) => fail::report(&f),
    })
}

/// Moves the process into PID 1's mount namespace (zones are the host's: see `host`), before
/// any thread exists; `--dry-run` says where it runs.
fn in_host_mount_ns(dry_run: bool) {
    let w = crate::host::enter_pid1(zone::PREFIX);
    if dry_run {
        if let Some(line) = w.dry_run_line() {
            crate::out::note(&line);
        }
    }
}

/// `down ZONE...`: each zone as `down ZONE` takes it, in the order given, the rest still done
/// after one fails or is refused; the status is 1 when any failed, else 3 when any was refused
/// because it is in use or claimed ([`zone::BUSY`]), else 0.
fn down_each(zones: &[&OsString], force: bool, dry: bool) -> u8 {
    let mut status = 0;
    for z in zones {
        if let Err(f) = zone::down(z, force, dry) {
            let code = fail::report(&f);
            if status != 1 {
                status = code;
            }
        }
    }
    status
}

/// Writes `text` on stdout: 0, or one message and 1 when it cannot be written.
fn print(text: &str) -> u8 {
    match out::stdout_or_fail(PREFIX, text) {
        Ok(()) => 0,
        Err(f) => fail::report(&f),
    }
}

/// The shells `completions` supports: name and script (`completions/` in the source tree;
/// installed as bash-completion's `vspace-netns`, zsh's `_vspace-netns`, fish's
/// `vspace-netns.fish`).
pub const SHELLS: [(&str, &str); 3] = [
    ("bash", include_str!("../completions/vspace-netns.bash")),
    ("zsh", include_str!("../completions/_vspace-netns")),
    ("fish", include_str!("../completions/vspace-netns.fish")),
];

/// Writes the completion script of the tool for `shell` (one of [`SHELLS`]' names).
pub fn write_completions(shell: &str, out: &mut dyn std::io::Write) -> anyhow::Result<()> {
    let (_, script) = SHELLS
        .into_iter()
        .find(|(name, _)| *name == shell)
        .ok_or_else(|| anyhow::anyhow!("no completions for shell '{shell}'"))?;
    out.write_all(script.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// The tool's subcommands by name (clap's, and its `help`), the one list the first-word check
/// and its suggestions use.
pub fn subcommand_names() -> Vec<String> {
    let mut names: Vec<String> = command()
        .get_subcommands()
        .map(|c| c.get_name().to_owned())
        .collect();
    names.push("help".to_owned());
    names
}

/// Edit distance between two words (insertions, deletions, substitutions and swaps of two
/// neighbours each cost 1), for the suggestion after an unknown subcommand.
fn distance(a: &[u8], b: &[u8]) -> usize {
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

/// The refusal of a first word that is neither an option nor a subcommand (the personality
/// sends every first word that starts with `-` to vspace, so this never sees a vspace call):
/// status 2, with the closest subcommand when one is near (a third of its length, at least 1).
pub fn unknown_subcommand(word: &std::ffi::OsStr) -> Option<fail::Fail> {
    use std::os::unix::ffi::OsStrExt;
    let names = subcommand_names();
    if word.as_bytes().starts_with(b"-") || names.iter().any(|n| n.as_bytes() == word.as_bytes()) {
        return None;
    }
    let near = names
        .iter()
        .map(|n| (distance(word.as_bytes(), n.as_bytes()), n))
        .filter(|(d, n)| *d <= (n.len() / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| format!(" (did you mean {n}?)"))
        .unwrap_or_default();
    Some(
        fail::Fail::new(
            PREFIX,
            2,
            format!("unknown subcommand '{}'{near}", crate::quote::escape(word)),
        )
        .hint(format!(
            "the subcommands are {}; vspace's calls start with an option (--enter, --new, ...)",
            names.join(", ")
        )),
    )
}

/// Runs the tool personality.
pub fn main(argv: Vec<OsString>) -> u8 {
    if let Some(f) = argv.get(1).and_then(|w| unknown_subcommand(w)) {
        return fail::report(&f);
    }
    let matches = match command().try_get_matches_from(&argv) {
        Ok(m) => m,
        Err(e) => {
            // clap's own help, version and usage texts, through the checked path.
            let text = e.render().to_string();
            return if e.use_stderr() {
                out::warn(text.trim_end_matches('\n'));
                2
            } else {
                print(&text)
            };
        }
    };
    let result = match matches.subcommand() {
        Some(("explain", m)) => {
            let args: Vec<OsString> = m
                .get_many::<OsString>("args")
                .map(|v| v.cloned().collect())
                .unwrap_or_default();
            Ok(explain::run(args))
        }
        Some(("mac", m)) => {
            let text = |n| crate::quote::escape(os(m, n));
            match mac::from_operands(&text("vid"), &text("id"), &text("index")) {
                Ok(mac) => Ok(print(&format!("{mac}\n"))),
                Err(e) => Ok(fail::report(&fail::Fail::new(
                    "vspace-netns",
                    2,
                    format!("mac: {e}"),
                ))),
            }
        }
        Some(("up", m)) => {
            let dry = m.get_flag("dry-run");
            in_host_mount_ns(dry);
            if m.get_flag("all") {
                Ok(zone::all::up(dry))
            } else if let Some(p) = m.get_one::<OsString>("parent") {
                Ok(zone::all::up_parent(p, dry))
            } else {
                done(zone::up(os(m, "netns"), dry))
            }
        }
        Some(("down", m)) => {
            let (force, dry) = (m.get_flag("force"), m.get_flag("dry-run"));
            in_host_mount_ns(dry);
            if m.get_flag("all") {
                Ok(zone::all::down(force, dry))
            } else {
                let zones: Vec<&OsString> = m
                    .get_many::<OsString>("netns")
                    .expect("required by clap")
                    .collect();
                Ok(down_each(&zones, force, dry))
            }
        }
        Some(("hook", m)) => {
            in_host_mount_ns(false);
            done(hook::run(os(m, "phase"), os(m, "guest")))
        }
        Some(("doctor", m)) => Ok(doctor::run(
            m.get_one::<OsString>("target").map(OsString::as_os_str),
            m.get_flag("expect-up"),
        )),
        Some(("status", m)) => {
            in_host_mount_ns(false);
            let zones: Vec<OsString> = m
                .get_many::<OsString>("zones")
                .map(|v| v.cloned().collect())
                .unwrap_or_default();
            let format = match m.get_one::<String>("format") {
                Some(f) => zone::status::Format::from_name(f).expect("checked by clap"),
                None if m.get_flag("json") => zone::status::Format::Json,
                None => zone::status::Format::Text,
            };
            Ok(zone::status::run(&zones, format, m.get_flag("expect-up"))
                .unwrap_or_else(|f| fail::report(&f)))
        }
        Some(("show", m)) => Ok(zone::show::run(os(m, "netns"), m.get_flag("json"))
            .unwrap_or_else(|f| fail::report(&f))),
        Some(("completions", m)) => {
            let shell = m.get_one::<String>("shell").expect("required by clap");
            let mut buf = Vec::new();
            write_completions(shell, &mut buf).map(|()| print(&String::from_utf8_lossy(&buf)))
        }
        _ => unreachable!("clap requires a known subcommand"),
    };
    match result {
        Ok(code) => code,
        // Reported through `fail::report`, which never panics when stderr is unwritable.
        Err(e) => crate::fail::report(&crate::fail::Fail::new(PREFIX, 1, format!("{e:#}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completions_name_the_subcommands_for_every_shell() {
        for (name, _) in SHELLS {
            let mut out = Vec::new();
            write_completions(name, &mut out).unwrap();
            let text = String::from_utf8(out).unwrap();
            for word in ["vspace-netns", "explain", "completions", "dry-run", "force"] {
                assert!(
                    text.contains(word),
                    "{name} completions lack {word}:\n{text}"
                );
            }
        }
    }

    #[test]
    fn unknown_first_words_are_refused_with_the_nearest_subcommand() {
        let table: &[(&[u8], Option<&str>)] = &[
            (
                b"stauts",
                Some("unknown subcommand 'stauts' (did you mean status?)"),
            ),
            (
                b"dwon",
                Some("unknown subcommand 'dwon' (did you mean down?)"),
            ),
            (
                b"doctr",
                Some("unknown subcommand 'doctr' (did you mean doctor?)"),
            ),
            (b"xyzzy", Some("unknown subcommand 'xyzzy'")),
            (b"", Some("unknown subcommand ''")),
            (b"\xff", Some("unknown subcommand '\\xff'")),
            (b"status", None),
            (b"help", None),
            (b"show", None),
            (b"--enter", None),
            (b"-e", None),
            (b"--stauts", None),
        ];
        for (word, want) in table {
            use std::os::unix::ffi::OsStrExt;
            let got = unknown_subcommand(std::ffi::OsStr::from_bytes(word));
            assert_eq!(got.as_ref().map(|f| f.message.as_str()), *want, "{word:?}");
            if let Some(f) = got {
                assert_eq!(f.status, 2);
            }
        }
    }

    #[test]
    fn completions_refuse_other_shells() {
        let err = write_completions("tcsh", &mut Vec::new()).unwrap_err();
        assert_eq!(err.to_string(), "no completions for shell 'tcsh'");
        let e = command()
            .try_get_matches_from(["vspace-netns", "completions", "elvish"])
            .unwrap_err();
        assert_eq!(e.kind(), clap::error::ErrorKind::InvalidValue);
    }
}
