//! `status [ZONE...] [--json|--format F] [--expect-up]`: each zone's state (`zone::status`).
//! Changes nothing; run in PID 1's mount namespace.

use std::ffi::OsString;

use clap::builder::PossibleValuesParser;
use clap::{Arg, ArgAction, ArgMatches, Command, value_parser};

use super::common::{expect_up_flag, flag};
use super::ctx::Ctx;
use crate::report::fail;
use crate::zone::status::{self, Format};

pub const NAME: &str = "status";

pub fn command() -> Command {
    Command::new(NAME)
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
                .value_parser(PossibleValuesParser::new(Format::NAMES)),
        )
        .arg(expect_up_flag())
}

pub fn run(m: &ArgMatches, ctx: &Ctx) -> u8 {
    let roots = &ctx.roots;
    super::common::in_host_mount_ns(false);
    let zones: Vec<OsString> = m
        .get_many::<OsString>("zones")
        .map(|v| v.cloned().collect())
        .unwrap_or_default();
    let format = match m.get_one::<String>("format") {
        Some(f) => Format::from_name(f).expect("checked by clap"),
        None if m.get_flag("json") => Format::Json,
        None => Format::Text,
    };
    status::run(
        roots,
        &crate::vserver::parts::UtilVserver,
        &zones,
        format,
        m.get_flag("expect-up"),
    )
    .unwrap_or_else(|f| fail::report(&f))
}
