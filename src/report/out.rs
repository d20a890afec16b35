//! The one checked path for the tool's own output on stdout and stderr. Side-effecting.
//!
//! Nothing here panics: `print!` does when stdout cannot be written (`/dev/full`, a closed pipe
//! with SIGPIPE ignored). Callers choose what a failed write means: under our own names one
//! message and status 1 (`fail::stdout_or_fail`); for a line that only informs (a hook's note), the
//! work stands and the error is dropped ([`note`]); under the name `ip`, what iproute2 does.
//!
//! Imports nothing but std: a failed write is an `io::Error` here, and a `Fail` only where its
//! caller makes it one.

#![deny(unsafe_code)]

use std::io::{self, Write};

/// Writes `text` to stdout and flushes it.
pub fn stdout(text: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// Writes `bytes` to stdout and flushes them (raw bytes: names as iproute2 prints them).
pub fn stdout_bytes(bytes: &[u8]) -> io::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()
}

/// Writes `bytes` to stderr; a failure to write is dropped (there is nowhere left to say it).
pub fn stderr_bytes(bytes: &[u8]) {
    let _ = io::stderr().lock().write_all(bytes);
}

/// Writes `text` to stderr (unbuffered).
pub fn stderr(text: &str) -> io::Result<()> {
    io::stderr().lock().write_all(text.as_bytes())
}

/// A line that only informs (`# hook: ...`): written when it can be, never a reason to fail or
/// undo the work it describes.
pub fn note(line: &str) {
    let _ = stdout(&format!("{line}\n"));
}

/// A warning line on stderr; a failure to write it is dropped (there is nowhere left to say it).
pub fn warn(line: &str) {
    let _ = stderr(&format!("{line}\n"));
}
