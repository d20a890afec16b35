//! The ip personality: `ip netns` as iproute2 6.1 does it, every other `ip` call handed to the
//! real ip byte for byte.
//!
//! argv -> `args` (iproute2's prefix matching, pure) -> `netns` (the shell: exec, list,
//! identify, pids, ...) which uses `netns::registry` for the namespace-making steps (add,
//! attach, delete) that zones share. It denies unsafe_code: system calls go through `sys`.
#![deny(unsafe_code)]

pub mod args;
pub mod netns;

pub use netns::main;
