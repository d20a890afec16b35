//! What the subcommand files share: the clap arguments several of them take, reading an
//! operand, entering PID 1's mount namespace, and turning a result into an exit status. Pure
//! but for [`in_host_mount_ns`] and the printing in [`done`] and [`print`].

use std::ffi::OsString;

use clap::{Arg, ArgAction, ArgMatches, value_parser};

use crate::report::fail::{self, Fail};
use crate::report::out;
use crate::report::status::Status;
use crate::zone;

/// Prefix of the tool's messages.
pub const PREFIX: &str = "vspace-netns";

/// A required operand taken as raw bytes.
pub fn operand(name: &'static str, help: &'static str) -> Arg {
    Arg::new(name)
        .help(help)
        .required(true)
        .value_parser(value_parser!(OsString))
}

/// `ZONE`, or `--all` instead.
pub fn zone_operand() -> Arg {
    Arg::new("netns")
        .value_name("ZONE")
        .help("The zone (a directory in /etc/vspace-netns)")
        .required_unless_present("all")
        .conflicts_with("all")
        .value_parser(value_parser!(OsString))
}

pub fn all_flag() -> Arg {
    flag(
        "all",
        "Every configured zone, in name order (at boot and shutdown); a zone that fails is reported and the rest still done",
    )
}

pub fn expect_up_flag() -> Arg {
    flag(
        "expect-up",
        "Zones must be up: an idle zone (down, none of its guests running) fails too",
    )
}

pub fn flag(name: &'static str, help: &'static str) -> Arg {
    Arg::new(name)
        .long(name)
        .help(help)
        .action(ArgAction::SetTrue)
}

/// A required operand's value (clap has checked it is there).
pub fn os<'a>(m: &'a ArgMatches, name: &str) -> &'a OsString {
    m.get_one::<OsString>(name).expect("required by clap")
}

/// The exit status of a subcommand's result, its failure reported.
pub fn done(r: Result<(), Fail>) -> u8 {
    match r {
        Ok(()) => Status::Ok.code(),
        Err(f) => fail::report(&f),
    }
}

/// Moves the process into PID 1's mount namespace (zones are the host's: see `netns::host`),
/// before any thread exists; `--dry-run` says where it runs.
pub fn in_host_mount_ns(dry_run: bool) {
    let w = crate::netns::host::enter_pid1(zone::PREFIX);
    if dry_run {
        if let Some(line) = w.dry_run_line() {
            out::note(&line);
        }
    }
}

/// Writes `text` on stdout: 0, or one message and 1 when it cannot be written.
pub fn print(text: &str) -> u8 {
    match fail::stdout_or_fail(PREFIX, text) {
        Ok(()) => Status::Ok.code(),
        Err(f) => fail::report(&f),
    }
}
