//! A failure that ends the process: who says it, the exit status, and the message.
//!
//! The personalities that stand in for `vspace` and `ip` keep those tools' exit statuses and
//! first message lines; this type carries both to the one place that prints them (`report`).
//! Pure but for [`report`] and [`stdout_or_fail`], which write through `out`.
//!
//! Invariant: a failure is printed once, at the top (the personality's `main`), never where it
//! arises; the exit status it carries is the one the process ends with.

#![deny(unsafe_code)]

use std::fmt;
use std::io;

use super::errno::io_reason;
use super::out;
use super::status::Status;

/// An error that ends the invocation with `status` after printing `prefix: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fail {
    /// Printed before the message (`vspace`, `ip-netns-shim`, ...); empty prints the bare message.
    pub prefix: &'static str,
    pub status: Status,
    pub message: String,
    /// Further lines, each printed as `prefix: hint: ...`.
    pub hints: Vec<String>,
}

impl Fail {
    pub fn new(prefix: &'static str, status: Status, message: String) -> Self {
        Fail {
            prefix,
            status,
            message,
            hints: Vec::new(),
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }
}

impl fmt::Display for Fail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lead = if self.prefix.is_empty() {
            String::new()
        } else {
            format!("{}: ", self.prefix)
        };
        write!(f, "{lead}{}", self.message)?;
        for h in &self.hints {
            write!(f, "\n{lead}hint: {h}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Fail {}

/// Prints the failure once, on stderr (a failed write is dropped: there is nowhere left to say
/// it), and gives its exit status.
pub fn report(fail: &Fail) -> u8 {
    out::warn(&fail.to_string());
    fail.status.code()
}

/// [`out::stdout`], with a failed write turned into the failure our own names report: status 1,
/// `PREFIX: write error on stdout: CAUSE`.
pub fn stdout_or_fail(prefix: &'static str, text: &str) -> Result<(), Fail> {
    out::stdout(text).map_err(|e| write_failed(prefix, &e))
}

/// The failure for a write to stdout that did not happen.
pub fn write_failed(prefix: &'static str, e: &io::Error) -> Fail {
    Fail::new(
        prefix,
        Status::Failed,
        format!("write error on stdout: {}", io_reason(e)),
    )
}
