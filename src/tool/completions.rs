//! `completions SHELL`: the shell completion script (`completions/` in the source tree, written
//! by hand so that zone and guest names complete; `make install` and the package copy the same
//! files). Its lists restate two tables, and the tests here hold them to those tables: the
//! subcommands (`cli::SUBCOMMANDS`) and util-vserver's hook phases (`zone::hook::PHASES`);
//! tests/it/completions.rs runs each shell on the scripts. Pure but for printing.

use clap::builder::PossibleValuesParser;
use clap::{Arg, ArgMatches, Command};

use super::common::print;
use crate::netns::Roots;
use crate::report::fail::{self, Fail};
use crate::report::status::Status;

pub const NAME: &str = "completions";

/// The shells `completions` supports: name and script template (`completions/` in the source
/// tree; installed as bash-completion's `vspace-netns`, zsh's `_vspace-netns`, fish's
/// `vspace-netns.fish`).
pub const SHELLS: [(&str, &str); 3] = [
    ("bash", include_str!("../../completions/vspace-netns.bash")),
    ("zsh", include_str!("../../completions/_vspace-netns")),
    ("fish", include_str!("../../completions/vspace-netns.fish")),
];

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

/// The completion script of the tool for `shell` (one of [`SHELLS`]' names); None for another
/// shell.
pub fn script(shell: &str) -> Option<&'static str> {
    SHELLS
        .into_iter()
        .find(|(name, _)| *name == shell)
        .map(|(_, text)| text)
}

pub fn run(m: &ArgMatches, _roots: &Roots) -> u8 {
    let shell = m.get_one::<String>("shell").expect("required by clap");
    match script(shell) {
        Some(text) => print(text),
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
    use crate::tool::cli::{command, subcommand_names};
    use crate::zone::hook::PHASES;

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

    #[test]
    fn the_scripts_lists_are_the_tables() {
        let (bash, zsh, fish) = (
            script("bash").unwrap(),
            script("zsh").unwrap(),
            script("fish").unwrap(),
        );
        assert_eq!(list(bash, "local subcommands=\"", "\""), subcommand_names());
        assert_eq!(list(fish, "set -l subcommands ", "#"), subcommand_names());
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
        let phases: Vec<String> = PHASES.iter().map(|p| p.to_string()).collect();
        for (shell, text, lead, end) in [
            ("bash", bash, "compgen -W \"", "\""),
            ("zsh", zsh, "'1:phase:(", ")"),
            ("fish", fish, "__vspace_netns_at hook 0\" -a \"", "\""),
        ] {
            let found = list_with(text, lead, end, PHASES[1]);
            assert_eq!(found, phases, "{shell}'s hook phases");
        }
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
