//! Showing operands in messages: bytes that are not printable UTF-8 are escaped as `\xNN`
//! (control characters too), so a message never carries raw terminal controls and never
//! panics on non-UTF-8. Pure.

#![deny(unsafe_code)]

use std::ffi::OsStr;
use std::fmt::Write;
use std::os::unix::ffi::OsStrExt;

/// Returns `s` for display: valid UTF-8 kept, everything else and control bytes as `\xNN`,
/// and a backslash doubled so the escaping is unambiguous.
pub fn escape(s: &OsStr) -> String {
    let mut out = String::with_capacity(s.len());
    for chunk in s.as_bytes().utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                c if c.is_control() => {
                    let mut buf = [0u8; 4];
                    for b in c.encode_utf8(&mut buf).bytes() {
                        let _ = write!(out, "\\x{b:02x}");
                    }
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out
}

/// Joins a command line for display, each word escaped and quoted when it needs to be.
pub fn command_line<S: AsRef<OsStr>>(words: &[S]) -> String {
    words
        .iter()
        .map(|w| shell_word(w.as_ref()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// One word as a POSIX shell would need it: bare when safe, else single-quoted.
pub fn shell_word(w: &OsStr) -> String {
    let e = escape(w);
    let safe = !e.is_empty()
        && e.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:=,+@%~".contains(&b));
    if safe {
        e
    } else {
        format!("'{}'", e.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_is_not_printable_utf8() {
        let table: &[(&[u8], &str)] = &[
            (b"db", "db"),
            (b"\xff", "\\xff"),
            (b"a\nb", "a\\x0ab"),
            (b"a\\b", "a\\\\b"),
            (b"caf\xc3\xa9", "caf\u{e9}"),
            (b"\xc3", "\\xc3"),
            (b"\x1b[31m", "\\x1b[31m"),
        ];
        for (raw, want) in table {
            assert_eq!(escape(OsStr::from_bytes(raw)), *want);
        }
    }

    #[test]
    fn shell_words_quote_when_needed() {
        assert_eq!(shell_word(OsStr::new("fw-vlan2")), "fw-vlan2");
        assert_eq!(shell_word(OsStr::new("a b")), "'a b'");
        assert_eq!(shell_word(OsStr::new("")), "''");
        assert_eq!(shell_word(OsStr::new("it's")), "'it'\\''s'");
        assert_eq!(
            command_line(&["ip", "link", "set", "dev", "x y"]),
            "ip link set dev 'x y'"
        );
    }
}
