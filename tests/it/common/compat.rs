//! The recorded vspace invocations of `compat/vspace/*.calls`, read into cases (the format is in
//! `compat/README.md`). Pure apart from reading the files; a malformed line fails the test with
//! its file and line.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::Path;

/// What the run dir holds under the name `db`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    Netns,
    Missing,
    Stale,
    /// A symbolic link to nothing (a link to a namespace is `Link`).
    Symlink,
    /// A symbolic link to a real network namespace: followed.
    Link,
    Ipc,
}

/// The decision a case expects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The program's argv, run directly in the netns.
    InterceptExec(Vec<OsString>),
    /// The real vspace's argv[1..], run in the netns.
    InterceptVspace(Vec<OsString>),
    Pass,
    Refuse,
}

#[derive(Debug, Clone)]
pub struct Case {
    /// `file:line NAME`, for messages.
    pub label: String,
    pub entry: Entry,
    pub decision: Decision,
    /// argv[1..].
    pub args: Vec<OsString>,
}

impl Case {
    /// The whole argv, `vspace` first.
    pub fn argv(&self) -> Vec<OsString> {
        std::iter::once(OsString::from("vspace"))
            .chain(self.args.iter().cloned())
            .collect()
    }
}

/// The name every case uses for the shared network.
pub const NAME: &[u8] = b"db";

/// `word` with a trailing `db` replaced by `name` (the root replay's unique netns name).
pub fn substitute(word: &OsString, name: &str) -> OsString {
    let b = word.as_encoded_bytes();
    match b.strip_suffix(NAME) {
        Some(head) => OsString::from_vec([head, name.as_bytes()].concat()),
        None => word.clone(),
    }
}

/// One field: `\xNN` a byte, `\\` a backslash, `''` the empty word.
pub fn unescape(field: &[u8]) -> Result<OsString, String> {
    if field == b"''" {
        return Ok(OsString::new());
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < field.len() {
        match field[i] {
            b'\\' if field.get(i + 1) == Some(&b'\\') => {
                out.push(b'\\');
                i += 2;
            }
            b'\\' if field.get(i + 1) == Some(&b'x') => {
                let hex = field.get(i + 2..i + 4).ok_or("truncated \\x escape")?;
                let hex = std::str::from_utf8(hex).map_err(|_| "bad \\x escape")?;
                out.push(u8::from_str_radix(hex, 16).map_err(|_| "bad \\x escape")?);
                i += 4;
            }
            b'\\' => return Err("a backslash must start \\\\ or \\xNN".into()),
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    Ok(OsString::from_vec(out))
}

fn parse_file(path: &Path, cases: &mut Vec<Case>) {
    let data = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let file = path.file_name().unwrap().to_string_lossy().into_owned();
    // (case, whether its argv line has come)
    let mut open: Option<(Case, bool)> = None;
    let finish = |open: &mut Option<(Case, bool)>, cases: &mut Vec<Case>| {
        if let Some((case, has_argv)) = open.take() {
            assert!(has_argv, "{}: no argv line", case.label);
            if let Decision::InterceptExec(w) | Decision::InterceptVspace(w) = &case.decision {
                assert!(!w.is_empty(), "{}: no exec/vspace line", case.label);
            }
            cases.push(case);
        }
    };
    for (n, line) in data.split(|&b| b == b'\n').enumerate() {
        let at = format!("{file}:{}", n + 1);
        if line.is_empty() || line.starts_with(b"#") {
            continue;
        }
        let fields: Vec<&[u8]> = line.split(|&b| b == b'\t').collect();
        let words = || -> Vec<OsString> {
            fields[1..]
                .iter()
                .map(|f| unescape(f).unwrap_or_else(|e| panic!("{at}: {e}")))
                .collect()
        };
        match fields[0] {
            b"case" => {
                finish(&mut open, cases);
                let [_, name, entry, decision] = fields[..] else {
                    panic!("{at}: want `case NAME ENTRY DECISION`");
                };
                let entry = match entry {
                    b"netns" => Entry::Netns,
                    b"missing" => Entry::Missing,
                    b"stale" => Entry::Stale,
                    b"symlink" => Entry::Symlink,
                    b"link" => Entry::Link,
                    b"ipc" => Entry::Ipc,
                    _ => panic!("{at}: unknown entry"),
                };
                let decision = match decision {
                    b"intercept-exec" => Decision::InterceptExec(Vec::new()),
                    b"intercept-vspace" => Decision::InterceptVspace(Vec::new()),
                    b"pass" => Decision::Pass,
                    b"refuse" => Decision::Refuse,
                    _ => panic!("{at}: unknown decision"),
                };
                let label = format!("{at} {}", String::from_utf8_lossy(name));
                let case = Case {
                    label,
                    entry,
                    decision,
                    args: Vec::new(),
                };
                open = Some((case, false));
            }
            key => {
                let (case, has_argv) = open.as_mut().unwrap_or_else(|| panic!("{at}: no case"));
                match (key, &mut case.decision) {
                    (b"argv", _) if !*has_argv => {
                        case.args = words();
                        *has_argv = true;
                    }
                    (b"exec", Decision::InterceptExec(w))
                    | (b"vspace", Decision::InterceptVspace(w))
                        if w.is_empty() =>
                    {
                        *w = words()
                    }
                    _ => panic!("{at}: unexpected line for {}", case.label),
                }
            }
        }
    }
    finish(&mut open, cases);
}

/// Every case of every `compat/vspace/*.calls`, in file-name order.
pub fn cases() -> Vec<Case> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("compat/vspace");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "calls"))
        .collect();
    files.sort();
    let mut cases = Vec::new();
    for f in &files {
        parse_file(f, &mut cases);
    }
    assert!(
        cases.len() > 50,
        "only {} cases in {}",
        cases.len(),
        dir.display()
    );
    cases
}
