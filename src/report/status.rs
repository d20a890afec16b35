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

    /// No status is written as a number anywhere else: a `Fail`, a refusal or an `exit` with a
    /// literal status fails here (sys/, whose forked children exit before any of this exists,
    /// aside).
    #[test]
    fn no_literal_status_outside_this_file() {
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    if !p.ends_with("sys") {
                        walk(&p, out);
                    }
                } else if p.extension().is_some_and(|x| x == "rs") {
                    out.push(p);
                }
            }
        }
        let mut files = Vec::new();
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut files,
        );
        let mut found = Vec::new();
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            // Statements, whitespace squeezed: `Fail::new(PREFIX,\n 1,` reads as one.
            let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
            for lead in [
                "Fail::new(",
                "IpFail::new(",
                "IpFail::ours(",
                "refuse(",
                "process::exit(",
            ] {
                for (i, _) in flat.match_indices(lead) {
                    let args = &flat[i + lead.len()..];
                    let args = &args[..args.find(')').unwrap_or(args.len())];
                    let literal = args
                        .split(',')
                        .map(str::trim)
                        .any(|a| !a.is_empty() && a.bytes().all(|b| b.is_ascii_digit()));
                    if literal {
                        found.push(format!("{}: {lead}{args}", f.display()));
                    }
                }
            }
        }
        assert!(
            found.is_empty(),
            "statuses written as numbers (use Status):\n{}",
            found.join("\n")
        );
    }
}
