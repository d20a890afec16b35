//! Shell words for the command lines `up`, `down` and `--dry-run` print: each printed line,
//! pasted into `sh` (dash included: no `$'...'`), does exactly the step it stands for. Pure.
//!
//! A word is printed bare only when every byte is in a set no shell treats specially
//! (letters, digits, `-_./:=,+@%`) and it does not start with `~` (tilde expansion); else it
//! is single-quoted, which keeps every byte but `'` as it is (`'` becomes `'\''`). Words with
//! bytes a line cannot carry (control characters: a newline would split the line) or that are
//! not UTF-8 are refused by [`printable`] before planning, never printed as something else.

use std::ffi::OsStr;

use crate::report::quote::escape;

/// `w` as one shell word.
pub fn word(w: &str) -> String {
    let bare = !w.is_empty()
        && !w.starts_with('~')
        && w.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:=,+@%".contains(&b));
    if bare {
        w.to_string()
    } else {
        format!("'{}'", w.replace('\'', "'\\''"))
    }
}

/// `words` joined as a command line. A leading `NAME=VALUE` word is an assignment: its value
/// is quoted, not the whole word (a quoted word would be taken as the command's name).
pub fn line<S: AsRef<str>>(words: &[S]) -> String {
    let mut assignments = true;
    words
        .iter()
        .map(|w| {
            let w = w.as_ref();
            match w.split_once('=') {
                Some((name, value))
                    if assignments
                        && !name.is_empty()
                        && name.bytes().all(|b| b.is_ascii_uppercase() || b == b'_') =>
                {
                    format!("{name}={}", word(value))
                }
                _ => {
                    assignments = false;
                    word(w)
                }
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `s` as text a printed line can carry: UTF-8 without control characters.
pub fn printable(s: &OsStr) -> Result<&str, String> {
    match s.to_str() {
        Some(t) if !t.chars().any(char::is_control) => Ok(t),
        _ => Err(format!(
            "'{}' holds a control character or is not UTF-8: it cannot be printed as a shell word that names it; rename it",
            escape(s)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::ffi::OsStrExt;

    #[test]
    fn words_are_quoted_when_a_shell_would_change_them() {
        let table = [
            ("eth0", "eth0"),
            ("/run/netns/*", "'/run/netns/*'"),
            ("~zone", "'~zone'"),
            ("a~b", "'a~b'"),
            ("a\\b", "'a\\b'"),
            ("it's", "'it'\\''s'"),
            ("", "''"),
            ("$HOME", "'$HOME'"),
            ("vspace-netns:z1", "vspace-netns:z1"),
        ];
        for (w, want) in table {
            assert_eq!(word(w), want, "{w}");
        }
        assert_eq!(
            line(&["NETNS_RUN_DIR=/a b", "ip", "X=1"]),
            "NETNS_RUN_DIR='/a b' ip X=1"
        );
        assert!(printable(OsStr::new("a\nb")).is_err());
        assert!(printable(OsStr::from_bytes(b"a\xff")).is_err());
        assert_eq!(printable(OsStr::new("caf\u{e9}")), Ok("caf\u{e9}"));
    }

    #[test]
    fn sh_reads_back_every_word() {
        let words = [
            "~zone",
            "a\\b",
            "it's",
            "$(id)",
            "a b",
            "*",
            "x@y%d",
            "caf\u{e9}",
        ];
        let script = format!("printf '%s\\n' {}", line(&words));
        let out = std::process::Command::new("sh")
            .args(["-c", &script])
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8(out.stdout).unwrap(),
            words.join("\n") + "\n"
        );
    }
}
