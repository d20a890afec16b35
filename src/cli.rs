//! The admin tool's own command line (`vspace-netns explain|...`), parsed with clap. Only the
//! tool's subcommands go through clap; pass-through argv never does.
//!
//! Exit statuses of the tool's subcommands: 0 done, 1 failed (the message says why), 2 usage.

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{Arg, ArgAction, Command, value_parser};

use crate::explain;

/// The clap description of the tool (also used for shell completions).
pub fn command() -> Command {
    Command::new("vspace-netns")
        .version(env!("CARGO_PKG_VERSION"))
        .about("Linux-VServer guests in named network namespaces: a drop-in vspace and ip netns")
        .long_about(
            "Installed as vspace, enters /var/run/netns/NAME for util-vserver's shared-net calls \
             (vspace --enter NAME --net -- ...) and passes every other call to the real vspace \
             byte for byte. Installed as ip or ip-netns-shim, it is ip netns. Under its own name \
             it runs the subcommands below; any other first argument is taken as vspace's.",
        )
        .subcommand_required(true)
        .arg_required_else_help(true)
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
}

/// Runs the tool personality.
pub fn main(argv: Vec<OsString>) -> ExitCode {
    let matches = match command().try_get_matches_from(&argv) {
        Ok(m) => m,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let result = match matches.subcommand() {
        Some(("explain", m)) => {
            let args: Vec<OsString> = m
                .get_many::<OsString>("args")
                .map(|v| v.cloned().collect())
                .unwrap_or_default();
            explain::run(args)
        }
        _ => unreachable!("clap requires a known subcommand"),
    };
    match result {
        Ok(code) => code,
        // Reported through `fail::report`, which never panics when stderr is unwritable.
        Err(e) => crate::fail::report(&crate::fail::Fail::new("vspace-netns", 1, format!("{e:#}"))),
    }
}
