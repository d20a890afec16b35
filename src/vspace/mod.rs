//! The vspace personality: util-vserver's `vspace`, with `--enter NAME --net` calls carried
//! out by setns(2) into `/run/netns/NAME` and every other call handed to the real vspace.
//!
//! argv -> `args` (vspace's own getopt_long, pure) -> `plan` (the whole decision, pure, given
//! the facts `facts` gathers about the one entry a candidate names: the entry here and as PID
//! 1 sees it, whether the name is a zone) -> `shell` (carries the plan out). `explain` prints a
//! plan without carrying it out. It denies unsafe_code: system calls go through `sys`.
#![deny(unsafe_code)]

pub mod args;
pub mod explain;
pub mod facts;
pub mod plan;
pub mod shell;

pub use shell::main;
