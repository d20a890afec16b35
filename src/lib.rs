//! vspace-netns: one binary, several personalities, chosen from argv[0]'s file name.
//!
//! Installed as `vspace` it enters `ip netns` network namespaces for util-vserver's shared-net
//! calls and hands every other call to the real vspace byte for byte; installed as `ip` or
//! `ip-netns-shim` it is `ip netns`; under its own name it is the admin tool (`explain`, ...).
//!
//! Layout: pure planners (`personality`, `vspace_args`, `vspace_plan`, `ip_args`) decide from argv
//! and gathered facts; thin shells (`vspace`, `ip_netns`, `netns`, `exec`) gather the facts and
//! carry a plan out.

pub mod cli;
pub mod doctor;
pub mod exec;
pub mod explain;
pub mod fail;
pub mod hook;
pub mod ip_args;
pub mod ip_netns;
pub mod mac;
pub mod mountinfo;
pub mod netns;
pub mod netns_admin;
pub mod nsid;
pub mod personality;
pub mod quote;
pub mod sys_remount;
pub mod vspace;
pub mod vspace_args;
pub mod vspace_plan;
pub mod zone;
pub mod zone_config;
pub mod zone_plan;

use std::ffi::OsString;
use std::process::ExitCode;

use personality::Personality;

/// Runs the personality named by `argv[0]` and returns the exit status for the process.
/// Only returns when no `exec` replaced the process.
pub fn main(argv: Vec<OsString>) -> ExitCode {
    let argv0 = argv.first().cloned().unwrap_or_default();
    match personality::from_argv0(&argv0, argv.get(1).map(OsString::as_os_str)) {
        Personality::Vspace => vspace::main(argv),
        Personality::Tool => cli::main(argv),
        Personality::Ip { shim } => ip_netns::main(argv, shim),
        Personality::Unknown(name) => fail::report(&fail::Fail::new(
            "vspace-netns",
            255,
            format!(
                "unknown name '{}': install this binary as vspace, vspace-netns, ip or ip-netns-shim",
                quote::escape(&name)
            ),
        )),
    }
}

/// The number behind an `ExitCode` (std has no stable accessor; every code we make comes from a
/// `u8`, so one of them compares equal). For `main` without std's runtime start-up.
pub fn exit_status(code: ExitCode) -> i32 {
    (0..=u8::MAX)
        .find(|&n| ExitCode::from(n) == code)
        .map_or(1, i32::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_map_back_to_their_numbers() {
        for n in [0u8, 1, 7, 127, 255] {
            assert_eq!(exit_status(ExitCode::from(n)), i32::from(n));
        }
        assert_eq!(exit_status(ExitCode::SUCCESS), 0);
        assert_eq!(exit_status(ExitCode::FAILURE), 1);
    }
}
