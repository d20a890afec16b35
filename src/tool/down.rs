//! `down <ZONE...|--all> [--force] [--dry-run]`: take zones down (`zone`). Side-effecting
//! through the zone code; run in PID 1's mount namespace.

use std::ffi::OsString;

use clap::{ArgAction, ArgMatches, Command};

use super::common::{all_flag, flag, in_host_mount_ns, zone_operand};
use super::ctx::Ctx;
use crate::netns::Roots;
use crate::report::fail;
use crate::report::status::Status;
use crate::zone;

pub const NAME: &str = "down";

pub fn command() -> Command {
    Command::new(NAME)
        .about("Take zones down: their links, then their namespaces")
        .override_usage("vspace-netns down <ZONE...|--all>\n       [--force] [--dry-run]")
        .arg(
            zone_operand()
                .help("The zones (directories in /etc/vspace-netns), each in turn")
                .num_args(1..)
                .action(ArgAction::Append),
        )
        .arg(all_flag())
        .arg(flag(
            "force",
            "Go ahead even while processes live in the namespace, a starting guest claims the zone, or links and the namespace carry no mark of this zone",
        ))
        .arg(flag(
            "dry-run",
            "Print the steps as ip command lines; change nothing",
        ))
}

pub fn run(m: &ArgMatches, ctx: &Ctx) -> u8 {
    let roots = &ctx.roots;
    let (force, dry) = (m.get_flag("force"), m.get_flag("dry-run"));
    in_host_mount_ns(dry);
    if m.get_flag("all") {
        zone::all::down(roots, force, dry, &crate::vserver::parts::UtilVserver)
    } else {
        let zones: Vec<&OsString> = m
            .get_many::<OsString>("netns")
            .expect("required by clap")
            .collect();
        down_each(roots, &zones, force, dry)
    }
}

/// `down ZONE...`: each zone as `down ZONE` takes it, in the order given, the rest still done
/// after one fails or is refused; the status is 1 when any failed, else 3 when any was refused
/// because it is in use or claimed ([`Status::Busy`]), else 0.
fn down_each(roots: &Roots, zones: &[&OsString], force: bool, dry: bool) -> u8 {
    let mut status = Status::Ok.code();
    for z in zones {
        if let Err(f) = zone::down(roots, z, force, dry, &crate::vserver::parts::UtilVserver) {
            let code = fail::report(&f);
            if status != Status::Failed.code() {
                status = code;
            }
        }
    }
    status
}
