//! `completions SHELL`: the shell completion script, printed from a template (`completions/*.in`
//! in the source tree, written by hand so that zone and guest names complete) whose lists are
//! filled from the tables when it prints: `@SUBCOMMANDS@` (and the zsh and fish lines with each
//! one's description, `@ZSH_COMMANDS@`, `@FISH_COMMANDS@`, `@SUBCOMMANDS_BUT_EXPLAIN@`) from
//! `cli::SUBCOMMANDS`, `@PHASES@` from `vserver::hook::PHASES`, `@FORMATS@` from status's formats,
//! `@SHELLS@` from [`SHELLS`]. `make install` and `make deb` install what it prints. The options
//! per subcommand stay in the templates: each shell states them with the conditions clap keeps
//! (`--all` or a zone, `--parent`, explain's argv), which a flat list cannot carry;
//! tests/it/completions.rs runs each shell on the printed scripts and holds every completion to
//! the clap description. Pure but for printing.

use clap::builder::PossibleValuesParser;
use clap::{Arg, ArgMatches, Command};

use super::common::print;
use super::ctx::{Ctx, Subcommand};
use crate::report::fail::{self, Fail};
use crate::report::status::Status;
use crate::vserver::hook;
use crate::zone::status::Format;

pub const NAME: &str = "completions";

/// The shells `completions` supports: name and script template (`completions/*.in` in the
/// source tree; what it prints is installed as bash-completion's `vspace-netns`, zsh's
/// `_vspace-netns`, fish's `vspace-netns.fish`).
pub const SHELLS: [(&str, &str); 3] = [
    (
        "bash",
        include_str!("../../completions/vspace-netns.bash.in"),
    ),
    ("zsh", include_str!("../../completions/_vspace-netns.in")),
    (
        "fish",
        include_str!("../../completions/vspace-netns.fish.in"),
    ),
];

/// clap's `help` subcommand, as the scripts describe it.
const HELP_ABOUT: &str = "Print the help of the given subcommand";

pub fn command() -> Command {
    Command::new(NAME)
        .about("Print the completion script for SHELL (bash, zsh or fish) on stdout")
        .arg(
            Arg::new("shell")
                .help("The shell to complete for")
                .required(true)
                .value_parser(PossibleValuesParser::new(SHELLS.map(|(name, _)| name))),
        )
}

/// Each subcommand with its short description (its clap `about` up to the first `;`), `help`
/// last.
fn described(subcommands: &[Subcommand]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = subcommands
        .iter()
        .map(|s| {
            let about = (s.command)()
                .get_about()
                .map(ToString::to_string)
                .unwrap_or_default();
            let short = about.split("; ").next().unwrap_or_default().to_owned();
            (s.name.to_owned(), short)
        })
        .collect();
    out.push(("help".into(), HELP_ABOUT.into()));
    out
}

/// `text` as one single-quoted word for sh and zsh.
fn sh_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// `text` as one single-quoted word for fish (which takes `\'` and `\\` inside the quotes).
fn fish_quote(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// The template with every `@NAME@` list filled from the tables.
fn fill(template: &str, subcommands: &[Subcommand]) -> String {
    let words = |w: Vec<String>| w.join(" ");
    let zsh = described(subcommands)
        .iter()
        .map(|(n, d)| format!("    {}", sh_quote(&format!("{n}:{d}"))))
        .collect::<Vec<_>>()
        .join("\n");
    let fish = described(subcommands)
        .iter()
        .map(|(n, d)| {
            format!(
                "complete -c vspace-netns -n \"not __vspace_netns_sub\" -a {n} -d {}",
                fish_quote(d)
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    let lists = [
        ("@SUBCOMMANDS@", words(Ctx::names(subcommands))),
        (
            "@SUBCOMMANDS_BUT_EXPLAIN@",
            words(
                subcommands
                    .iter()
                    .map(|s| s.name.to_owned())
                    .filter(|n| n != super::explain::NAME)
                    .collect(),
            ),
        ),
        ("@ZSH_COMMANDS@", zsh),
        ("@FISH_COMMANDS@", fish),
        (
            "@PHASES@",
            hook::phase_names().collect::<Vec<_>>().join(" "),
        ),
        ("@FORMATS@", Format::NAMES.join(" ")),
        ("@SHELLS@", SHELLS.map(|(n, _)| n).join(" ")),
    ];
    lists
        .iter()
        .fold(template.to_owned(), |t, (key, value)| t.replace(key, value))
}

/// The completion script of the tool for `shell` (one of [`SHELLS`]' names), its lists filled
/// from `subcommands` (the tool's table); None for another shell.
pub fn script(shell: &str, subcommands: &[Subcommand]) -> Option<String> {
    SHELLS
        .into_iter()
        .find(|(name, _)| *name == shell)
        .map(|(_, template)| fill(template, subcommands))
}

pub fn run(m: &ArgMatches, ctx: &Ctx) -> u8 {
    let shell = m.get_one::<String>("shell").expect("required by clap");
    match script(shell, ctx.subcommands) {
        Some(text) => print(&text),
        None => fail::report(&Fail::new(
            super::common::PREFIX,
            Status::Usage,
            format!("no completions for shell '{shell}'"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tool::cli::{SUBCOMMANDS, command, subcommand_names};

    fn script(shell: &str) -> Option<String> {
        super::script(shell, &SUBCOMMANDS)
    }

    /// The words after `lead` up to `end` on the first line holding `lead` and `also`.
    fn list_with(text: &str, lead: &str, end: &str, also: &str) -> Vec<String> {
        let line = text
            .lines()
            .find(|l| l.contains(lead) && l.contains(also))
            .unwrap_or_else(|| panic!("no {lead}"));
        let rest = &line[line.find(lead).unwrap() + lead.len()..];
        let rest = &rest[..rest.find(end).unwrap_or(rest.len())];
        rest.split_whitespace().map(str::to_owned).collect()
    }

    fn list(text: &str, lead: &str, end: &str) -> Vec<String> {
        list_with(text, lead, end, "")
    }

    /// The `@NAME@` placeholders in `text`.
    fn placeholders(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut rest = text;
        while let Some(i) = rest.find('@') {
            let after = &rest[i + 1..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_uppercase() || *c == '_')
                .collect();
            if !name.is_empty() && after[name.len()..].starts_with('@') {
                out.push(name.clone());
                rest = &after[name.len() + 1..];
            } else {
                rest = after;
            }
        }
        out
    }

    #[test]
    fn every_placeholder_is_filled_and_every_template_has_its_lists() {
        for (shell, template) in SHELLS {
            let found = placeholders(template);
            for want in ["SUBCOMMANDS", "PHASES", "FORMATS", "SHELLS"] {
                let want = if shell == "zsh" && want == "SUBCOMMANDS" {
                    "ZSH_COMMANDS"
                } else {
                    want
                };
                assert!(found.iter().any(|f| f == want), "{shell}: no @{want}@");
            }
            let text = script(shell).unwrap();
            assert_eq!(placeholders(&text), Vec::<String>::new(), "{shell}");
        }
        assert_eq!(placeholders("a @X_Y@ b $@ c @lower@ @Z@"), ["X_Y", "Z"]);
    }

    #[test]
    fn the_scripts_lists_are_the_tables() {
        let (bash, zsh, fish) = (
            script("bash").unwrap(),
            script("zsh").unwrap(),
            script("fish").unwrap(),
        );
        assert_eq!(
            list(&bash, "local subcommands=\"", "\""),
            subcommand_names()
        );
        assert_eq!(list(&fish, "set -l subcommands ", "#"), subcommand_names());
        let fish_described: Vec<String> = fish
            .lines()
            .filter_map(|l| {
                l.strip_prefix("complete -c vspace-netns -n \"not __vspace_netns_sub\" -a ")
            })
            .map(|l| l.split(' ').next().unwrap().to_owned())
            .collect();
        assert_eq!(
            fish_described,
            subcommand_names(),
            "fish's described subcommands"
        );
        let zsh_names: Vec<String> = zsh
            .lines()
            .map(str::trim)
            .filter_map(|l| l.strip_prefix(['\'', '"']))
            .filter_map(|l| l.split_once(':'))
            .map(|(name, _)| name.to_owned())
            .filter(|n| subcommand_names().contains(n) || !n.contains(['(', ' ', '-']))
            .take_while(|n| n != "help")
            .chain(["help".to_owned()])
            .collect();
        assert_eq!(
            zsh_names,
            subcommand_names(),
            "zsh's _vspace-netns_commands"
        );
        let phases: Vec<String> = hook::phase_names().map(str::to_owned).collect();
        for (shell, text, lead, end) in [
            ("bash", &bash, "compgen -W \"", "\""),
            ("zsh", &zsh, "'1:phase:(", ")"),
            ("fish", &fish, "__vspace_netns_at hook 0\" -a \"", "\""),
        ] {
            let found = list_with(text, lead, end, &phases[1]);
            assert_eq!(found, phases, "{shell}'s hook phases");
        }
        // A description with a quote survives each shell's quoting.
        assert!(zsh.contains("'hook:util-vserver scriptlet: bring a guest'\\''s zone"));
        assert!(fish.contains("-a hook -d 'util-vserver scriptlet: bring a guest\\'s zone"));
    }

    #[test]
    fn completions_refuse_other_shells() {
        assert_eq!(script("tcsh"), None);
        let e = command()
            .try_get_matches_from(["vspace-netns", "completions", "elvish"])
            .unwrap_err();
        assert_eq!(e.kind(), clap::error::ErrorKind::InvalidValue);
    }
}
