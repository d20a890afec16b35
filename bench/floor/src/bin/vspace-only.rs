//! The vspace personality alone (`vspace_netns::vspace::main`), started as the release binary
//! starts it: the same code on the intercept path, without the rest of the multicall binary
//! (the admin tool, the ip personality, clap, serde, netlink). What the binary's size costs.
#![no_main]
#![forbid(unsafe_code)]

vspace_netns_sys::c_main!({
    vspace_netns_sys::exec::reserve_stdio();
    let status = vspace_netns::vspace::main(std::env::args_os().collect());
    std::process::exit(i32::from(status))
});
