//! What the admin tool's edge (`cli::main`) hands every subcommand's arm: the roots of the run
//! (`netns::Roots`, made once there; nothing below reads the environment) and the table of
//! subcommands (`cli::SUBCOMMANDS`, which `completions` fills its lists from). Also the shape of
//! one row of that table. Pure (a value and a type).

use clap::{ArgMatches, Command};

use crate::netns::Roots;

/// One subcommand: its name, its clap description, its arm (the exit status), and whether it
/// enters namespaces (refused up front without CAP_SYS_ADMIN).
pub struct Subcommand {
    pub name: &'static str,
    pub command: fn() -> Command,
    pub run: fn(&ArgMatches, &Ctx) -> u8,
    pub privileged: bool,
}

/// The edge's values, passed to every arm.
pub struct Ctx<'t> {
    pub roots: Roots,
    pub subcommands: &'t [Subcommand],
}

impl Ctx<'_> {
    /// The subcommands by name, clap's `help` last: the one list the first-word check, its
    /// suggestions and the completions use.
    pub fn names(subcommands: &[Subcommand]) -> Vec<String> {
        subcommands
            .iter()
            .map(|s| s.name)
            .chain(["help"])
            .map(str::to_owned)
            .collect()
    }
}
