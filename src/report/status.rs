//! Every exit status the binary ends with, and what each means. Pure.
//!
//! Invariant: no other exit status exists in the crate: every status a personality returns, a
//! [`Fail`](super::Fail) carries or a forked child exits with is one of these. Where we stand in
//! for `vspace` or `ip`, the status is theirs (vspace: 255 for each of its own failures; ip: 255
//! for a setup failure, 1 for a failed exec); the admin tool's are documented in
//! vspace-netns(8) and vspace-netns-zones(5), and all of them in docs/contract.md.
//! When the call goes ahead, the program (or the real tool) replaces the process and its status
//! is its own: none of these.

#![deny(unsafe_code)]

/// An exit status of the binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Status {
    /// Done, or nothing to do; `doctor`: every check passed; `status`: every zone up as
    /// configured or idle.
    Ok = 0,
    /// Failed (the message says why; a failed `up` has been undone); ip's failed exec and failed
    /// subcommands; `doctor`: a check failed; `status`: a zone not up as configured; a failed
    /// write to stdout under our own names.
    Failed = 1,
    /// The admin tool's usage errors: missing or bad operands, an unknown subcommand, an
    /// out-of-range `mac` operand, an unknown hook phase.
    Usage = 2,
    /// `down` refused: processes still live in the namespace, or a starting guest claims it.
    Busy = 3,
    /// vspace's status for each of its own failures, and ip's for a setup failure (iproute2's
    /// `exit(-1)`); also an unknown personality name.
    Setup = 255,
}

impl Status {
    /// Every status, in numeric order (the documented table).
    pub const ALL: [Status; 5] = [
        Status::Ok,
        Status::Failed,
        Status::Usage,
        Status::Busy,
        Status::Setup,
    ];

    /// The number the process exits with.
    pub const fn code(self) -> u8 {
        self as u8
    }
}

impl From<Status> for u8 {
    fn from(s: Status) -> u8 {
        s.code()
    }
}

impl From<Status> for i32 {
    fn from(s: Status) -> i32 {
        i32::from(s.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_numbers_are_the_documented_ones() {
        let codes: Vec<u8> = Status::ALL.iter().map(|s| s.code()).collect();
        assert_eq!(codes, [0, 1, 2, 3, 255]);
        assert_eq!(u8::from(Status::Setup), 255);
        assert_eq!(i32::from(Status::Busy), 3);
    }
}
