//! The admin tool's own command line (`vspace-netns explain|...`), parsed with clap. Only the
//! tool's subcommands go through clap; pass-through argv never does. Parsing is pure; [`main`]
//! dispatches to the subcommand's file (one per subcommand in `tool/`), whose arm does the side
//! effects through the folders below.
//!
//! One table, [`SUBCOMMANDS`], lists the subcommands: clap's description (help, usage, the man
//! page's synopsis checked by tests/it/synopsis.rs), the first-word check and its suggestions,
//! and the completions' subcommand lists (`completions`) all come from it.
//! `--help` is wrapped to the terminal's width (`COLUMNS`, then the terminal), at most 100.

#![deny(unsafe_code)]

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;

use clap::Command;

use super::common::{PREFIX, print};
use super::ctx::Ctx;
pub use super::ctx::Subcommand;
use super::{completions, doctor, down, explain, hook, mac, show, status, up};
use crate::netns::Roots;
use crate::report::fail::{self, Fail};
use crate::report::out;
use crate::report::status::Status;

/// The tool's subcommands, in the order help lists them.
pub const SUBCOMMANDS: [Subcommand; 9] = [
    sub(explain::NAME, explain::command, explain::run, false),
    sub(mac::NAME, mac::command, mac::run, false),
    sub(up::NAME, up::command, up::run, true),
    sub(down::NAME, down::command, down::run, true),
    sub(hook::NAME, hook::command, hook::run, true),
    sub(doctor::NAME, doctor::command, doctor::run, true),
    sub(status::NAME, status::command, status::run, true),
    sub(show::NAME, show::command, show::run, false),
    sub(
        completions::NAME,
        completions::command,
        completions::run,
        false,
    ),
];

const fn sub(
    name: &'static str,
    command: fn() -> Command,
    run: fn(&clap::ArgMatches, &Ctx) -> u8,
    privileged: bool,
) -> Subcommand {
    Subcommand {
        name,
        command,
        run,
        privileged,
    }
}

/// The clap description of the tool (also used for shell completions), from [`SUBCOMMANDS`].
pub fn command() -> Command {
    let tool = Command::new("vspace-netns")
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
        .max_term_width(100);
    SUBCOMMANDS
        .iter()
        .fold(tool, |tool, s| tool.subcommand((s.command)()))
}

/// The tool's subcommands by name ([`SUBCOMMANDS`], and clap's `help`), the one list the
/// first-word check, its suggestions and the completions use.
pub fn subcommand_names() -> Vec<String> {
    Ctx::names(&SUBCOMMANDS)
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
pub fn unknown_subcommand(word: &OsStr) -> Option<Fail> {
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
        Fail::new(
            PREFIX,
            Status::Usage,
            format!(
                "unknown subcommand '{}'{near}",
                crate::report::quote::escape(word)
            ),
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
                Status::Usage.code()
            } else {
                print(&text)
            };
        }
    };
    let (name, m) = matches
        .subcommand()
        .expect("clap requires a known subcommand");
    let sub = SUBCOMMANDS
        .iter()
        .find(|s| s.name == name)
        .expect("clap knows only the table's subcommands");
    if sub.privileged {
        if let Err(f) = crate::netns::guard::refuse_unprivileged(PREFIX, name) {
            return fail::report(&f);
        }
    }
    // The edge: the roots made once (each read when first used, after the subcommand has
    // entered PID 1's mount namespace), passed down with the table to every subcommand.
    let ctx = Ctx {
        roots: Roots::from_env(),
        subcommands: &SUBCOMMANDS,
    };
    (sub.run)(m, &ctx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_clap_s_list_and_each_name_its_command_s() {
        let mut tool = command();
        tool.build();
        let clap: Vec<&str> = tool.get_subcommands().map(|c| c.get_name()).collect();
        assert_eq!(clap, subcommand_names());
        for s in &SUBCOMMANDS {
            assert_eq!((s.command)().get_name(), s.name);
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
            let got = unknown_subcommand(OsStr::from_bytes(word));
            assert_eq!(got.as_ref().map(|f| f.message.as_str()), *want, "{word:?}");
            if let Some(f) = got {
                assert_eq!(f.status, Status::Usage);
            }
        }
    }
}
