//! What the tool says and how it ends: failures printed once at the top ([`fail`]), the exit
//! statuses ([`status`], the only source of an exit status in the crate), the one checked path
//! to stdout and stderr ([`out`]), escaping for messages ([`quote`]) and the C library's text
//! for an errno ([`errno`]).
//!
//! The layer just above `sys`: it imports nothing of the crate but itself (and `out` nothing
//! but std: a write reports an `io::Error`, and only its caller decides whether that is a
//! [`fail::Fail`]).

#![deny(unsafe_code)]

pub mod errno;
pub mod fail;
pub mod out;
pub mod quote;
pub mod status;

pub use fail::Fail;
pub use status::Status;
