//! util-vserver's reading of one-line configuration files, exactly: `getFileValue VAR FILE`
//! is `eval read VAR < FILE` in bash, `read` without `-r` and with the default IFS. Pure.
//!
//! What `read` does with the bytes: reads up to the first unescaped newline (a backslash before
//! a newline joins the next line), removes every other backslash and keeps the byte after it
//! literally, drops NUL bytes, and strips unescaped IFS whitespace (space, tab, newline) from
//! both ends. A CR is no IFS whitespace: `zone\r\n` reads as `zone\r`. Without a newline
//! before end of file `read` returns 1, and util-vserver then treats `spaces/net` as empty (a
//! private network namespace).

/// One way the value differs from the file's first line as a plain name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Oddity {
    /// Blanks around the value were dropped.
    Trimmed,
    /// Backslashes were removed (the bytes after them kept).
    Backslash,
    /// A backslash-newline joined the next line.
    Joined,
    /// NUL bytes were dropped.
    Nul,
    /// More lines follow; only the first counts.
    MoreLines,
    /// The value holds this control byte (a CR from a DOS editor, a tab kept by a backslash):
    /// it becomes part of the name util-vserver passes on.
    Control(u8),
}

impl Oddity {
    /// In words, naming the byte.
    pub fn describe(&self) -> String {
        match self {
            Oddity::Trimmed => "blanks around the name are dropped".into(),
            Oddity::Backslash => "backslashes are removed (the byte after each kept)".into(),
            Oddity::Joined => "a backslash at the end of a line joins the next one".into(),
            Oddity::Nul => "NUL bytes are dropped".into(),
            Oddity::MoreLines => "only the first line counts".into(),
            Oddity::Control(b'\r') => {
                "the name ends in a carriage return (byte 0x0d, \\r: a DOS line end), which util-vserver keeps as part of the name".into()
            }
            Oddity::Control(b) => format!(
                "the name holds the control byte 0x{b:02x}, which util-vserver keeps as part of the name"
            ),
        }
    }

    /// Whether util-vserver then asks for a different name than the file seems to hold.
    pub fn is_fatal(&self) -> bool {
        matches!(self, Oddity::Control(_))
    }
}

/// What `read VAR < FILE` leaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Read {
    /// VAR's value.
    pub value: Vec<u8>,
    /// `read` returned 0 (a newline ended the line); util-vserver ignores the value otherwise.
    pub complete: bool,
    /// How the value differs from the first line, in order of discovery, each once.
    pub oddities: Vec<Oddity>,
}

/// `name` with its control bytes (below 0x20, and DEL) dropped: the name as it would be typed
/// again, for the fix a message suggests.
pub fn without_controls(name: &[u8]) -> Vec<u8> {
    name.iter().copied().filter(|b| !is_control(*b)).collect()
}

/// The one rule for a control byte in a name (below 0x20, and DEL 0x7f): a zone name with one
/// is refused (`config::check_zone_name`), and a `spaces/net` holding one is called out by the
/// hook and `doctor` alike.
pub fn is_control(b: u8) -> bool {
    b < 0x20 || b == 0x7f
}

fn note(v: &mut Vec<Oddity>, o: Oddity) {
    if !v.contains(&o) {
        v.push(o);
    }
}

fn ifs(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n')
}

/// Reads `bytes` as bash's `read VAR` (no `-r`, default IFS) does.
pub fn read(bytes: &[u8]) -> Read {
    let mut odd = Vec::new();
    // (byte, escaped)
    let mut chars: Vec<(u8, bool)> = Vec::new();
    let mut complete = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            0 => note(&mut odd, Oddity::Nul),
            b'\\' => match bytes.get(i + 1) {
                Some(b'\n') => {
                    note(&mut odd, Oddity::Joined);
                    i += 1;
                }
                Some(&c) => {
                    note(&mut odd, Oddity::Backslash);
                    if c != 0 {
                        chars.push((c, true));
                    }
                    i += 1;
                }
                None => note(&mut odd, Oddity::Backslash),
            },
            b'\n' => {
                complete = true;
                if bytes[i + 1..].iter().any(|b| !ifs(*b)) {
                    note(&mut odd, Oddity::MoreLines);
                }
                break;
            }
            c => chars.push((c, false)),
        }
        i += 1;
    }
    let start = chars
        .iter()
        .position(|&(c, esc)| esc || !ifs(c))
        .unwrap_or(chars.len());
    let end = chars
        .iter()
        .rposition(|&(c, esc)| esc || !ifs(c))
        .map_or(start, |p| p + 1);
    if start > 0 || end < chars.len() {
        note(&mut odd, Oddity::Trimmed);
    }
    let value: Vec<u8> = chars[start..end].iter().map(|&(c, _)| c).collect();
    for &c in &value {
        if is_control(c) {
            note(&mut odd, Oddity::Control(c));
        }
    }
    Read {
        value,
        complete,
        oddities: odd,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Oddity::*;

    type Row<'a> = (&'a [u8], &'a [u8], bool, &'a [Oddity]);

    #[test]
    fn reads_as_bash_read_without_r() {
        let table: &[Row] = &[
            (b"db\n", b"db", true, &[]),
            (b"db", b"db", false, &[]),
            (b"", b"", false, &[]),
            (b"\n", b"", true, &[]),
            (b"  db\t \n", b"db", true, &[Trimmed]),
            (b"db\r\n", b"db\r", true, &[Control(b'\r')]),
            (b"d\\b\n", b"db", true, &[Backslash]),
            (b"d\\\nb\n", b"db", true, &[Joined]),
            (b"db\\ \n", b"db ", true, &[Backslash]),
            (b"db\nother\n", b"db", true, &[MoreLines]),
            (b"db\n\n \n", b"db", true, &[]),
            (b"d\0b\n", b"db", true, &[Nul]),
            (b"a b\n", b"a b", true, &[]),
            (b"\\\tdb\n", b"\tdb", true, &[Backslash, Control(b'\t')]),
            (b"db\\", b"db", false, &[Backslash]),
            (b"\xff\n", b"\xff", true, &[]),
        ];
        for (input, value, complete, odd) in table {
            let r = read(input);
            assert_eq!(
                (r.value.as_slice(), r.complete, r.oddities.as_slice()),
                (*value, *complete, *odd),
                "{input:?}"
            );
        }
        assert!(Control(b'\r').describe().contains("0x0d"));
        assert!(Control(b'\r').is_fatal() && !Trimmed.is_fatal());
    }
}
