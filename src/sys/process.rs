//! Process creation without std's `Command`: `ip netns exec -all` forks one child per namespace,
//! as iproute2 does, so that each child can switch namespaces before it execs. Side-effecting.
//!
//! Invariant: only a single-threaded process forks (see [`fork_single_threaded`]).

use nix::unistd::{ForkResult, fork};

/// fork(2). Must only be called while the process has a single thread (no thread is ever started
/// on the paths that call it), so that the child may run ordinary code until it execs or exits.
pub fn fork_single_threaded() -> nix::Result<ForkResult> {
    // SAFETY: the caller's contract above: the process is single-threaded, so the child's copy
    // of the heap and locks is consistent.
    unsafe { fork() }
}
