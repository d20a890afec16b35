//! The set-ID guard: this binary is no set-user-ID or set-group-ID helper, under any name; and
//! the privilege guard of the admin tool's subcommands that enter namespaces. Reads the
//! process's ids and capabilities; changes nothing.
//!
//! Invariant: every personality that acts (vspace, ip) calls [`refuse_setuid`] before it reads
//! anything from the environment or the command line it would act on.

#![deny(unsafe_code)]

use crate::report::fail::Fail;
use crate::report::status::Status;

/// Refuses to run with real and effective ids that differ: this binary is not a setuid helper.
pub fn refuse_setuid(prefix: &'static str) -> Result<(), Fail> {
    let (uid, euid) = (nix::unistd::getuid(), nix::unistd::geteuid());
    let (gid, egid) = (nix::unistd::getgid(), nix::unistd::getegid());
    if uid != euid || gid != egid {
        return Err(Fail::new(
            prefix,
            Status::Setup,
            format!(
                "refusing to run setuid or setgid (uid {uid}, euid {euid}, gid {gid}, egid {egid}); remove the set-id bits (chmod u-s,g-s) and run it as root"
            ),
        ));
    }
    Ok(())
}

/// CAP_SYS_ADMIN's bit in the capability sets (linux/capability.h).
const CAP_SYS_ADMIN: u32 = 21;

/// Refuses a subcommand that enters the host's and the zones' namespaces (setns(2) takes
/// CAP_SYS_ADMIN) in a process without CAP_SYS_ADMIN in its effective set: said up front, with
/// the fix, rather than as the first setns that fails. Where `/proc/self/status` cannot be
/// read the subcommand goes on, and its own first failure says why.
pub fn refuse_unprivileged(prefix: &'static str, subcommand: &str) -> Result<(), Fail> {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return Ok(());
    };
    match effective_has(&status, CAP_SYS_ADMIN) {
        Some(false) => Err(Fail::new(
            prefix,
            Status::Failed,
            format!(
                "{subcommand} needs root: it enters the host's and the zones' network namespaces, which takes CAP_SYS_ADMIN, and this process has not got it (uid {})",
                nix::unistd::geteuid()
            ),
        )
        .hint(format!("run it as root: sudo vspace-netns {subcommand} ..."))),
        _ => Ok(()),
    }
}

/// Whether capability `bit` is in the effective set of a `/proc/PID/status` text (`CapEff:`,
/// hex); None when the line is missing or malformed.
fn effective_has(status: &str, bit: u32) -> Option<bool> {
    let hex = status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))?
        .trim();
    let set = u64::from_str_radix(hex, 16).ok()?;
    Some(set >> bit & 1 == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_effective_set_is_read_from_its_line() {
        let root = "Name:\tx\nCapInh:\t0000000000000000\nCapEff:\t000001ffffffffff\n";
        assert_eq!(effective_has(root, CAP_SYS_ADMIN), Some(true));
        let nobody = "CapPrm:\t000001ffffffffff\nCapEff:\t0000000000000000\n";
        assert_eq!(effective_has(nobody, CAP_SYS_ADMIN), Some(false));
        // CAP_SYS_ADMIN alone (an ambient capability of a service, no root).
        assert_eq!(
            effective_has("CapEff:\t0000000000200000\n", CAP_SYS_ADMIN),
            Some(true)
        );
        assert_eq!(
            effective_has("CapEff:\t0000000000100000\n", CAP_SYS_ADMIN),
            Some(false)
        );
        assert_eq!(effective_has("CapEff:\tzz\n", CAP_SYS_ADMIN), None);
        assert_eq!(effective_has("Name:\tx\n", CAP_SYS_ADMIN), None);
    }
}
