//! `doctor [GUEST|ZONE] [--expect-up]`: check the host, a guest, a zone or every zone
//! (`zone::doctor`, a guest's checks from `vserver::doctor`). Changes nothing.

use std::ffi::OsString;

use clap::{Arg, ArgMatches, Command, value_parser};

use super::common::expect_up_flag;
use super::ctx::Ctx;
use crate::zone::doctor;

pub const NAME: &str = "doctor";

pub fn command() -> Command {
    Command::new(NAME)
        .about("Check the host, a guest, a zone, or every zone; findings grouped by zone, each fix on its own line")
        .arg(
            Arg::new("target")
                .value_name("GUEST|ZONE")
                .help("A guest or a zone (default: every zone)")
                .value_parser(value_parser!(OsString)),
        )
        .arg(expect_up_flag())
}

pub fn run(m: &ArgMatches, ctx: &Ctx) -> u8 {
    let roots = &ctx.roots;
    doctor::run(
        roots,
        m.get_one::<OsString>("target").map(OsString::as_os_str),
        m.get_flag("expect-up"),
        crate::vserver::doctor::checks,
        &crate::vserver::parts::UtilVserver,
    )
}
