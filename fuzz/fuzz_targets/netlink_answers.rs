//! Fuzz target: the netlink answer parsing (`sys::rtnl::parse_answers`, the kernel's bytes as
//! received) and the readers of dumps (`zone::rtmsg::links`, `add_addresses`, `routes`), on
//! any bytes (the first four are the request's sequence number). Pure; never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vspace_netns::zone::rtmsg;

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let seq = u32::from_ne_bytes([data[0], data[1], data[2], data[3]]);
    let mut out = Vec::new();
    let _ = vspace_netns::sys::rtnl::parse_answers(&data[4..], seq, &mut out);
    let mut links = rtmsg::links(&out);
    rtmsg::add_addresses(&mut links, &out);
    let _ = rtmsg::routes(&out, &links);
});
