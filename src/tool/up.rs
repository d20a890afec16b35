//! `up <ZONE|--all> [--dry-run]`, `up --parent IFACE [--dry-run]`: bring zones up (`zone`).
//! Side-effecting through the zone code; run in PID 1's mount namespace.

use std::ffi::OsString;

use clap::{Arg, ArgMatches, Command, value_parser};

use super::common::{all_flag, done, flag, in_host_mount_ns, os, zone_operand};
use super::ctx::Ctx;
use crate::zone;

pub const NAME: &str = "up";

pub fn command() -> Command {
    Command::new(NAME)
        .about("Bring a zone up: namespace, lo, links with their MACs and addresses, routes, sysctls")
        .override_usage("vspace-netns up <ZONE|--all> [--dry-run]\n       vspace-netns up --parent IFACE [--dry-run]")
        .arg(
            zone_operand()
                .required_unless_present_any(["all", "parent"])
                .conflicts_with("parent"),
        )
        .arg(all_flag().conflicts_with("parent"))
        .arg(
            Arg::new("parent")
                .long("parent")
                .value_name("IFACE")
                .help("Every zone with a VLAN or macvlan link on the host's interface IFACE (run when IFACE comes up: repairs what a trunk set down and up took from its VLANs)")
                .value_parser(value_parser!(OsString)),
        )
        .arg(flag(
            "dry-run",
            "Print the steps as ip command lines; change nothing",
        ))
}

pub fn run(m: &ArgMatches, ctx: &Ctx) -> u8 {
    let roots = &ctx.roots;
    let dry = m.get_flag("dry-run");
    in_host_mount_ns(dry);
    if m.get_flag("all") {
        zone::all::up(roots, &crate::vserver::parts::UtilVserver, dry)
    } else if let Some(p) = m.get_one::<OsString>("parent") {
        zone::all::up_parent(roots, &crate::vserver::parts::UtilVserver, p, dry)
    } else {
        done(zone::up(
            roots,
            &crate::vserver::parts::UtilVserver,
            os(m, "netns"),
            dry,
        ))
    }
}
