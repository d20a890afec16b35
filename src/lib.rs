//! vspace-netns: one binary, several personalities, chosen from argv[0]'s file name.
//!
//! Installed as `vspace` it enters `ip netns` network namespaces for util-vserver's shared-net
//! calls and hands every other call to the real vspace byte for byte; installed as `ip` or
//! `ip-netns-shim` it is `ip netns`; under its own name it is the admin tool (`explain`, ...).
//!
//! Layers, each importing only those below it (ARCHITECTURE.md draws them and lists every file;
//! tests/it/layers.rs keeps the order and the absence of cycles):
//! - the personalities: `vspace/` (`args` -> `facts` + `plan` -> `shell`, and `explain`),
//!   `ip/` (`args` -> `netns`), `tool/` (`cli` and one file per subcommand). Each is argv ->
//!   pure planner -> plan -> thin shell that carries it out, and reads the roots once at its
//!   edge (`netns::Roots`);
//! - `vserver/`: util-vserver's layer (`hook`, `claims`, `guest` files, cleanup-`skips`,
//!   the guests' `ifaces`, doctor's guest checks, and `parts`, what zones ask of guests);
//! - `zone/`: the zones of the admin tool (`config` -> `plan` -> `shell`, with `all`,
//!   `status`, `doctor`, `guests` (what it asks of the layer above), and the pure `mac`,
//!   `rtmsg`, `script`);
//! - `netns/`: names and what a run-dir entry is, the environment rule and the roots, PID 1's
//!   view, the registry (add, attach, delete, pids), the set-ID guard, C's number parsers,
//!   bash's `read` of one-line files (`shread`);
//! - `report/`: `Fail` (printed once, at the top), `Status` (every exit status), `out` (the one
//!   checked path to stdout and stderr), `quote`, errno text;
//! - `sys` (the crate `vspace-netns-sys`, in sys/ of the workspace, re-exported here as
//!   `sys`): every system call std does not wrap safely, and every `unsafe` of the project;
//!   it imports nothing from this crate, which forbids unsafe_code.
//!
//! `personality` (argv[0] -> who we are) and this file sit on top.

#![forbid(unsafe_code)]

pub mod ip;
pub mod netns;
pub mod personality;
pub mod report;
pub mod tool;
pub mod vserver;
pub mod vspace;
pub mod zone;

/// The system layer, for the modules that name it `crate::sys::...`.
pub use vspace_netns_sys as sys;

use std::ffi::OsString;

use personality::Personality;
use report::{Fail, Status};

/// Runs the personality named by `argv[0]` and returns the exit status for the process (0-255).
/// Only returns when no `exec` replaced the process.
pub fn main(argv: Vec<OsString>) -> u8 {
    let argv0 = argv.first().cloned().unwrap_or_default();
    match personality::from_argv0(&argv0, argv.get(1).map(OsString::as_os_str)) {
        Personality::Vspace => vspace::main(argv),
        Personality::Tool => tool::main(argv),
        Personality::Ip { shim } => ip::main(argv, shim),
        Personality::Unknown(name) => report::fail::report(&Fail::new(
            "vspace-netns",
            Status::Setup,
            format!(
                "unknown name '{}': install this binary as vspace, vspace-netns, ip or ip-netns-shim",
                report::quote::escape(&name)
            ),
        )),
    }
}
