//! `mac VID ID INDEX`: the static MAC of a zone link (`zone::mac`). Pure but for printing.

use clap::{ArgMatches, Command};

use super::common::{PREFIX, operand, os, print};
use super::ctx::Ctx;
use crate::report::fail::{self, Fail};
use crate::report::quote::escape;
use crate::report::status::Status;
use crate::zone::mac;

pub const NAME: &str = "mac";

pub fn command() -> Command {
    Command::new(NAME)
        .about("Print the static MAC 02:VV:VV:CC:CC:II of a zone link")
        .arg(operand(
            "vid",
            "VLAN id, 1-4094 (0 for a link that is not a VLAN)",
        ))
        .arg(operand("id", "The zone's id, 0-65535"))
        .arg(operand("index", "The link's index, 0-255"))
}

pub fn run(m: &ArgMatches, _ctx: &Ctx) -> u8 {
    let text = |n| escape(os(m, n));
    match mac::from_operands(&text("vid"), &text("id"), &text("index")) {
        Ok(mac) => print(&format!("{mac}\n")),
        Err(e) => fail::report(&Fail::new(PREFIX, Status::Usage, format!("mac: {e}"))),
    }
}
