//! `hook PHASE GUEST`: util-vserver's scriptlet (`vserver::hook`). Side-effecting through the zone
//! code; run in PID 1's mount namespace. The phases, their help and the words of what each
//! does are `vserver::hook::PHASES`, the one table.

use clap::{ArgMatches, Command};

use super::common::{done, in_host_mount_ns, operand, os};
use super::ctx::Ctx;
use crate::vserver::hook;

pub const NAME: &str = "hook";

pub fn command() -> Command {
    let names: Vec<&str> = hook::phase_names().collect();
    let (last, rest) = names.split_last().expect("util-vserver has phases");
    let short = format!("{} or {last}", rest.join(", "));
    let long: Vec<String> = hook::PHASES
        .iter()
        .map(|p| format!("{}: {}", p.name, p.does))
        .collect();
    Command::new(NAME)
        .about("util-vserver scriptlet: bring a guest's zone up before start, down after stop")
        .arg(operand("phase", "").help(short).long_help(format!(
            "util-vserver's phase; at each, the hook does:\n{}",
            long.join("\n")
        )))
        .arg(operand(
            "guest",
            "The guest's name (a directory in /etc/vservers)",
        ))
}

pub fn run(m: &ArgMatches, ctx: &Ctx) -> u8 {
    let roots = &ctx.roots;
    in_host_mount_ns(false);
    done(hook::run(roots, os(m, "phase"), os(m, "guest")))
}
