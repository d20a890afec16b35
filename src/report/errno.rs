//! The C library's text for an errno and for an I/O error, as the C tools we stand in for print
//! it (`strerror(3)`), without Rust's ` (os error N)` suffix. Pure.
//!
//! nix's `Errno::desc` has texts of its own (e.g. for ELOOP); messages that must read as
//! iproute2's or vspace's use these.

#![deny(unsafe_code)]

use std::io;

/// The strerror-like text of an I/O error, without Rust's " (os error N)" suffix.
pub fn io_reason(e: &io::Error) -> String {
    match e.raw_os_error() {
        Some(n) => strerror(n),
        None => e.to_string(),
    }
}

/// The C library's strerror text for `errno`.
pub fn strerror(errno: i32) -> String {
    let s = io::Error::from_raw_os_error(errno).to_string();
    match s.rfind(" (os error ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
