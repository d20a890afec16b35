//! `explain -- ARGS`: what a vspace call would do, without doing it (`vspace::explain`).
//! Parsing is pure; the arm reads the roots once and prints the plan.

use std::ffi::OsString;

use clap::{Arg, ArgAction, ArgMatches, Command, value_parser};

use super::ctx::Ctx;

pub const NAME: &str = "explain";

pub fn command() -> Command {
    Command::new(NAME)
        .about("Show what a vspace call would do, without doing it")
        .arg(
            Arg::new("args")
                .help("The vspace arguments (after --)")
                .num_args(0..)
                .trailing_var_arg(true)
                .allow_hyphen_values(true)
                .value_parser(value_parser!(OsString))
                .action(ArgAction::Append),
        )
}

pub fn run(m: &ArgMatches, ctx: &Ctx) -> u8 {
    let roots = &ctx.roots;
    let args: Vec<OsString> = m
        .get_many::<OsString>("args")
        .map(|v| v.cloned().collect())
        .unwrap_or_default();
    crate::vspace::explain::run(args, roots)
}
