//! `show ZONE [--json]`: a zone's effective configuration (`zone::show`). Changes nothing.

use std::ffi::OsString;

use clap::{Arg, ArgMatches, Command, value_parser};

use super::common::{flag, os};
use super::ctx::Ctx;
use crate::report::fail;

pub const NAME: &str = "show";

pub fn command() -> Command {
    Command::new(NAME)
        .about("Show a zone's effective configuration: id, links with their MACs, routes, sysctls and the guests that name it")
        .arg(
            Arg::new("netns")
                .value_name("ZONE")
                .help("The zone (a directory in /etc/vspace-netns)")
                .required(true)
                .value_parser(value_parser!(OsString)),
        )
        .arg(flag("json", "Print JSON (field names in vspace-netns-zones(5))"))
}

pub fn run(m: &ArgMatches, ctx: &Ctx) -> u8 {
    let roots = &ctx.roots;
    crate::zone::show::run(
        roots,
        &crate::vserver::parts::UtilVserver,
        os(m, "netns"),
        m.get_flag("json"),
    )
    .unwrap_or_else(|f| fail::report(&f))
}
