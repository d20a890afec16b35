//! Fuzz target: vspace's argv parser on any bytes (NUL separates the words). Pure; the
//! invariant is that it answers every argv without a panic.
#![no_main]

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let argv: Vec<OsString> = std::iter::once(OsString::from("vspace"))
        .chain(
            data.split(|&b| b == 0)
                .map(|w| OsString::from_vec(w.to_vec())),
        )
        .collect();
    let _ = vspace_netns::vspace::args::parse(&argv);
});
