//! Entry point of the multicall binary: everything happens in the library, so that the
//! personalities can be tested without a process boundary where one is not needed.
//!
//! `no_main`: C's `main` calls the library directly, skipping std's runtime start-up (stack
//! guard discovery through /proc/self/maps, an alternate signal stack, SIGPIPE ignored), which
//! costs about 90 µs, more than the rest of `ip netns exec`'s own work. SIGPIPE therefore stays
//! as the caller left it, as for the C tools we stand in for; std still gives every program we
//! exec the default SIGPIPE and an empty signal mask. Arguments come from std (glibc hands them
//! to std's initialiser), not from the raw pointers. (The test harness keeps its own main.)
#![cfg_attr(not(test), no_main)]

#[cfg(not(test))]
use std::ffi::{c_char, c_int};

#[cfg(not(test))]
#[unsafe(no_mangle)]
extern "C" fn main(_argc: c_int, _argv: *const *const c_char) -> c_int {
    let code = vspace_netns::main(std::env::args_os().collect());
    let status = vspace_netns::exit_status(code);
    // std::process::exit flushes std's buffered stdout, as returning from std's main would.
    std::process::exit(status)
}
