//! The vspace personality: util-vserver's `vspace`, with `--enter NAME --net` calls carried
//! out by setns(2) into `/run/netns/NAME` and every other call handed to the real vspace.
//!
//! argv -> `args` (vspace's own getopt_long, pure) -> `plan` (the decision, pure, given the
//! run-dir entry as a fact) -> `hostview` (amends the plan with what PID 1's mount namespace
//! and the zones root show) -> `shell` (gathers the fact, carries the plan out). `explain`
//! prints a plan without carrying it out. It denies unsafe_code: system calls go through `sys`.
#![deny(unsafe_code)]

pub mod args;
pub mod explain;
pub mod hostview;
pub mod plan;
pub mod shell;

pub use shell::main;
