//! `hook PHASE GUEST`: util-vserver's scriptlet (`zone::hook`). Side-effecting through the zone
//! code; run in PID 1's mount namespace. The phases are `zone::hook::PHASES`, the one table.

use clap::{ArgMatches, Command};

use super::common::{done, in_host_mount_ns, operand, os};
use crate::netns::Roots;
use crate::zone::hook;

pub const NAME: &str = "hook";

pub fn command() -> Command {
    let (last, rest) = hook::PHASES.split_last().expect("util-vserver has phases");
    Command::new(NAME)
        .about("util-vserver scriptlet: bring a guest's zone up before start, down after stop")
        .arg(operand("phase", "").help(format!("{} or {last}", rest.join(", "))))
        .arg(operand(
            "guest",
            "The guest's name (a directory in /etc/vservers)",
        ))
}

pub fn run(m: &ArgMatches, roots: &Roots) -> u8 {
    in_host_mount_ns(false);
    done(hook::run(roots, os(m, "phase"), os(m, "guest")))
}
