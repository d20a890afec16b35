//! The C library's text for an errno and for an I/O error, as the C tools we stand in for print
//! it (`strerror(3)`), without Rust's ` (os error N)` suffix. Pure.
//!
//! nix's `Errno::desc` has texts of its own (e.g. for ELOOP); messages that must read as
//! iproute2's or vspace's use these.

#![deny(unsafe_code)]

/// One implementation, in the sys crate (its own messages need it too, and it imports nothing
/// from here): re-exported so that the layers above say `report::errno`.
pub use crate::sys::exec::{io_reason, strerror};

#[cfg(test)]
mod tests {
    use super::*;
    use std::io;

    #[test]
    fn texts_are_strerror_without_the_suffix() {
        assert_eq!(strerror(libc::ENOENT), "No such file or directory");
        assert_eq!(
            io_reason(&io::Error::from_raw_os_error(libc::ELOOP)),
            "Too many levels of symbolic links"
        );
        assert_eq!(io_reason(&io::Error::other("plain")), "plain");
    }
}
