//! Entry point of the multicall binary: everything happens in the library, so that the
//! personalities can be tested without a process boundary where one is not needed.
//!
//! `no_main`: C's `main` calls the library directly, skipping std's runtime start-up (stack
//! guard discovery through /proc/self/maps, an alternate signal stack, SIGPIPE ignored, closed
//! fds 0-2 reopened on /dev/null), which costs about 90 µs. SIGPIPE and the signal mask stay as
//! the caller left them, and the programs we exec get them untouched, as from the C tools we
//! stand in for. Closed fds 0-2 get /dev/null placeholders that vanish at exec
//! (`reserve_stdio`). Arguments come from std (glibc hands them to std's initialiser), not from
//! the raw pointers. (The test harness keeps its own main.)
//!
//! C's `main` needs `#[unsafe(no_mangle)]`: `vspace_netns_sys::c_main!` writes it, so that
//! this crate forbids unsafe code too.
#![cfg_attr(not(test), no_main)]
#![forbid(unsafe_code)]

#[cfg(not(test))]
vspace_netns_sys::c_main!({
    vspace_netns_sys::exec::reserve_stdio();
    let status = vspace_netns::main(std::env::args_os().collect());
    // std::process::exit flushes std's buffered stdout, as returning from std's main would.
    std::process::exit(i32::from(status))
});
