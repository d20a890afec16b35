//! Fuzz target: the ip / ip-netns-shim argv parser on any bytes (the first byte picks the
//! personality, NUL separates the words). Pure; it must answer every argv without a panic.
#![no_main]

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let shim = first & 1 == 1;
    let argv: Vec<OsString> =
        std::iter::once(OsString::from(if shim { "ip-netns-shim" } else { "ip" }))
            .chain(
                rest.split(|&b| b == 0)
                    .map(|w| OsString::from_vec(w.to_vec())),
            )
            .collect();
    let _ = vspace_netns::ip::args::parse(&argv, shim);
});
