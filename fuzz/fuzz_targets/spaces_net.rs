//! Fuzz target: a guest's `spaces/net` as util-vserver reads it (`netns::shread::read`, then
//! `vserver::guest::net_space`), on any bytes. Pure; no panic, and a shared name is never empty.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vspace_netns::vserver::guest::{NetSpace, net_space};

fuzz_target!(|data: &[u8]| {
    let r = vspace_netns::netns::shread::read(data);
    let _ = vspace_netns::netns::shread::without_controls(&r.value);
    for o in &r.oddities {
        let _ = o.describe();
    }
    if let NetSpace::Shared { name, .. } = net_space(Some(data)) {
        assert!(!name.is_empty());
        let _ = vspace_netns::zone::config::check_zone_name(std::ffi::OsStr::new(
            std::str::from_utf8(&name).unwrap_or("x"),
        ));
    }
});
