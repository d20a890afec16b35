//! The shell completions (what `vspace-netns completions SHELL` prints from the templates in
//! `completions/`, its lists filled from the binary's tables, and `make install` installs), run
//! in the real shells: bash's completion function is called with
//! COMP_WORDS/COMP_CWORD set, zsh's completion system runs on a pseudo-terminal (zpty, the
//! TAB typed, every match captured through a compadd wrapper), fish answers `complete -C`.
//! For every shell, partial command lines must complete to exactly what the binary's own clap
//! description holds: its subcommands, each subcommand's options, and the operands' values
//! (zones and guests from the directories `VSPACE_NETNS_CONFDIR` and `VSPACE_NETNS_VSERVERS`
//! name, hook phases, shells). So the hand-written parts of the scripts cannot drift from the
//! binary either.
//! A missing shell fails the tests (CI installs bash, zsh and fish).

use vspace_netns::vserver::hook::phase_names;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::common::*;

type Words = BTreeSet<String>;

/// The three shells, with the name of the file each loads (zsh's as in its fpath) and the
/// template it is printed from.
const SHELLS: [(&str, &str, &str); 3] = [
    (
        "bash",
        "vspace-netns.bash",
        "completions/vspace-netns.bash.in",
    ),
    ("zsh", "_vspace-netns", "completions/_vspace-netns.in"),
    (
        "fish",
        "vspace-netns.fish",
        "completions/vspace-netns.fish.in",
    ),
];

fn source(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// The directory holding the scripts as the binary prints them (written once a run, under
/// cargo's scratch directory for tests: zsh loads `_vspace-netns` from it as from its fpath).
fn printed() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("completions-printed");
        std::fs::create_dir_all(&dir).unwrap();
        for (shell, file, _) in SHELLS {
            let out = run_ok(Command::new(bin()).args(["completions", shell]));
            std::fs::write(dir.join(file), out.stdout).unwrap();
        }
        dir
    })
}

fn words<I: IntoIterator<Item = S>, S: Into<String>>(items: I) -> Words {
    items.into_iter().map(Into::into).collect()
}

/// A zones root and a vservers root with a few names, and things that are no names.
struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        for d in [
            "zones/dmz/links/dmz0",
            "zones/lan",
            "zones/.hidden",
            "vservers/web",
            "vservers/db",
            "vservers/.defaults",
            "vservers/.distributions",
        ] {
            std::fs::create_dir_all(dir.path().join(d)).unwrap();
        }
        std::fs::write(dir.path().join("zones/notadir"), "").unwrap();
        std::fs::write(dir.path().join("vservers/notaguest"), "").unwrap();
        Fixture { dir }
    }
    fn zones_root(&self) -> PathBuf {
        self.dir.path().join("zones")
    }
    fn vservers_root(&self) -> PathBuf {
        self.dir.path().join("vservers")
    }
    fn zones(&self) -> Words {
        words(["dmz", "lan"])
    }
    fn guests(&self) -> Words {
        words(["web", "db"])
    }
}

/// Candidates `shell` offers for `line` (the cursor at its end; a trailing space starts a new
/// word), one shell process per line.
fn complete(shell: &str, fx: &Fixture, line: &str) -> Words {
    let env = |c: &mut Command| {
        c.env("VSPACE_NETNS_CONFDIR", fx.zones_root())
            .env("VSPACE_NETNS_VSERVERS", fx.vservers_root())
            .env("HOME", fx.dir.path())
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("ZDOTDIR");
    };
    let mut cmd = match shell {
        "bash" => {
            // The words as readline splits them; the last one is the word being completed.
            let mut w: Vec<&str> = line.split(' ').collect();
            if w.last() == Some(&"") {
                w.pop();
                w.push("");
            }
            let mut c = Command::new("bash");
            c.args(["--norc", "--noprofile", "-c"])
                .arg(
                    r#"set -u
source "$1" || exit 3
shift
fn=$(complete -p vspace-netns | sed -n 's/.*-F \([^ ]*\) .*/\1/p')
[ -n "$fn" ] || { echo "no completion function registered for vspace-netns" >&2; exit 3; }
COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 ))
COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; COMPREPLY=()
"$fn" vspace-netns "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}" || exit 3
printf '%s\n' "${COMPREPLY[@]}""#,
                )
                .arg("bash")
                .arg(printed().join(SHELLS[0].1))
                .args(w);
            c
        }
        "zsh" => {
            let out = fx.dir.path().join("zsh.out");
            let mut c = Command::new("zsh");
            c.arg("-f")
                .arg(source("tests/shell/zsh-capture.zsh"))
                .arg(printed())
                .arg(&out)
                .arg(line);
            env(&mut c);
            let o = run_bounded(&mut c);
            assert!(o.status.success(), "{}", show(&c, &o));
            let text = std::fs::read_to_string(&out).unwrap();
            return text
                .lines()
                .filter(|l| *l != "@@done" && !l.is_empty())
                .map(str::to_string)
                .collect();
        }
        "fish" => {
            let mut c = Command::new("fish");
            c.args(["--no-config", "-c"])
                .arg("source $argv[1]; or exit 3; complete -C $argv[2]")
                .arg(printed().join(SHELLS[2].1))
                .arg(line);
            c
        }
        _ => unreachable!(),
    };
    env(&mut cmd);
    let out = run_bounded(&mut cmd);
    assert!(out.status.success(), "{}", show(&cmd, &out));
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        // fish: "candidate<TAB>description"
        .map(|l| l.split('\t').next().unwrap().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

/// What clap knows: the tool's description, built (so `help` and -h/-V are in it).
fn clap() -> clap::Command {
    let mut cmd = vspace_netns::tool::cli::command();
    cmd.build();
    cmd
}

/// An argument's option spellings (`-h`, `--help`), none for a positional one.
fn spellings(cmd: &clap::Command) -> Words {
    let mut w = Words::new();
    for a in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
        if let Some(s) = a.get_short() {
            w.insert(format!("-{s}"));
        }
        if let Some(l) = a.get_long() {
            w.insert(format!("--{l}"));
        }
    }
    w
}

fn subcommands() -> Words {
    clap()
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .map(|s| s.get_name().to_string())
        .collect()
}

/// What an operand completes to, by the argument's id in the clap description.
fn values(fx: &Fixture, arg: &clap::Arg) -> Words {
    match arg.get_id().as_str() {
        "netns" | "zones" => fx.zones(),
        "guest" => fx.guests(),
        "target" => &fx.zones() | &fx.guests(),
        "phase" => words(phase_names()),
        "subcommand" => subcommands(),
        _ => arg
            .get_possible_values()
            .iter()
            .map(|v| v.get_name().to_string())
            .collect(),
    }
}

/// Every shell gives `want` for `line`; all disagreements are reported at once.
fn check(fx: &Fixture, cases: &[(String, Words)]) {
    let mut wrong = Vec::new();
    for (shell, _, _) in SHELLS {
        for (line, want) in cases {
            let got = complete(shell, fx, line);
            if &got != want {
                wrong.push(format!(
                    "{shell}: {line:?}\n  want {want:?}\n  got  {got:?}"
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn subcommands_and_their_options_are_exactly_the_binary_s() {
    let fx = Fixture::new();
    let tool = clap();
    let mut cases = vec![
        ("vspace-netns ".to_string(), subcommands()),
        ("vspace-netns -".to_string(), spellings(&tool)),
        ("vspace-netns --".to_string(), {
            spellings(&tool)
                .into_iter()
                .filter(|s| s.starts_with("--"))
                .collect()
        }),
        ("vspace-netns d".to_string(), words(["doctor", "down"])),
    ];
    for sub in tool.get_subcommands().filter(|s| !s.is_hide_set()) {
        cases.push((format!("vspace-netns {} -", sub.get_name()), spellings(sub)));
    }
    // --all and a zone exclude each other: neither is offered after the other.
    cases.extend([
        (
            "vspace-netns up dmz -".to_string(),
            words(["--dry-run", "-h", "--help"]),
        ),
        (
            "vspace-netns down lan --".to_string(),
            words(["--force", "--dry-run", "--help"]),
        ),
        (
            "vspace-netns down --all -".to_string(),
            words(["--force", "--dry-run", "-h", "--help"]),
        ),
    ]);
    check(&fx, &cases);
    // The check itself can fail: a subcommand's options differ from the tool's own.
    assert_ne!(
        spellings(tool.find_subcommand("down").unwrap()),
        spellings(&tool)
    );
}

#[test]
fn operands_complete_to_zones_guests_phases_and_shells() {
    let fx = Fixture::new();
    let mut cases = Vec::new();
    for sub in clap().get_subcommands().filter(|s| !s.is_hide_set()) {
        for (k, arg) in sub.get_positionals().enumerate() {
            // Earlier operands filled with a word no completion looks at.
            let before: String = (0..k).map(|_| "x ").collect();
            cases.push((
                format!("vspace-netns {} {before}", sub.get_name()),
                values(&fx, arg),
            ));
        }
    }
    // The ones this test is about, so that the loop above cannot silently lose them.
    for (line, want) in [
        ("vspace-netns up ", fx.zones()),
        ("vspace-netns down ", fx.zones()),
        ("vspace-netns status ", fx.zones()),
        ("vspace-netns show ", fx.zones()),
        ("vspace-netns doctor ", &fx.zones() | &fx.guests()),
        ("vspace-netns hook x ", fx.guests()),
        ("vspace-netns completions ", words(["bash", "zsh", "fish"])),
    ] {
        assert!(
            cases.iter().any(|(l, w)| l == line && *w == want),
            "{line}: not among {cases:?}"
        );
    }
    cases.extend([
        ("vspace-netns up d".to_string(), words(["dmz"])),
        ("vspace-netns down --force ".to_string(), fx.zones()),
        ("vspace-netns down --dry-run l".to_string(), words(["lan"])),
        ("vspace-netns status dmz ".to_string(), fx.zones()),
        ("vspace-netns doctor w".to_string(), words(["web"])),
        ("vspace-netns hook post-stop d".to_string(), words(["db"])),
        ("vspace-netns hook pre".to_string(), {
            words(["prepre-start", "pre-start", "pre-stop"])
        }),
        ("vspace-netns help u".to_string(), words(["up"])),
        // A host interface after --parent, never a zone (the fixture has zone lan) or a file.
        ("vspace-netns up --parent l".to_string(), words(["lo"])),
        // vspace's own arguments are not the tool's options.
        (
            "vspace-netns explain --enter db -".to_string(),
            Words::new(),
        ),
    ]);
    check(&fx, &cases);
}

#[test]
fn a_zone_is_offered_once_and_only_where_a_zone_goes() {
    let fx = Fixture::new();
    for (shell, _, _) in SHELLS {
        for line in [
            "vspace-netns up dmz ",
            "vspace-netns up --all ",
            "vspace-netns down --force --all ",
            "vspace-netns show dmz ",
            "vspace-netns mac ",
            "vspace-netns hook ",
            "vspace-netns explain ",
        ] {
            let got = complete(shell, &fx, line);
            assert!(
                got.is_disjoint(&fx.zones()),
                "{shell}: {line:?} offers zones: {got:?}"
            );
        }
    }
}

#[test]
fn no_zones_root_means_no_zones_and_no_error() {
    let fx = Fixture::new();
    std::fs::remove_dir_all(fx.zones_root()).unwrap();
    std::fs::remove_dir_all(fx.vservers_root()).unwrap();
    check(
        &fx,
        &[
            ("vspace-netns up ".to_string(), Words::new()),
            ("vspace-netns doctor ".to_string(), Words::new()),
        ],
    );
}

/// The literal pieces of `template` between its `@NAME@` placeholders (an `@` not closing an
/// upper-case name, as in `"$@"`, is literal).
fn pieces(template: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut rest = template;
    while let Some(i) = rest.find('@') {
        out.last_mut().unwrap().push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let n = after
            .bytes()
            .take_while(|b| b.is_ascii_uppercase() || *b == b'_')
            .count();
        if n > 0 && after[n..].starts_with('@') {
            out.push(String::new());
            rest = &after[n + 1..];
        } else {
            out.last_mut().unwrap().push('@');
            rest = after;
        }
    }
    out.last_mut().unwrap().push_str(rest);
    out
}

/// Whether `text` is `template` with each placeholder replaced by some text.
fn fills(template: &str, text: &str) -> bool {
    let p = pieces(template);
    let (first, last) = (&p[0], &p[p.len() - 1]);
    if p.len() == 1 {
        return text == first;
    }
    if !text.starts_with(first.as_str())
        || !text.ends_with(last.as_str())
        || text.len() < first.len() + last.len()
    {
        return false;
    }
    let end = text.len() - last.len();
    let mut at = first.len();
    for piece in &p[1..p.len() - 1] {
        match text[at..end].find(piece.as_str()) {
            Some(i) => at += i + piece.len(),
            None => return false,
        }
    }
    true
}

#[test]
fn the_binary_prints_the_templates_with_their_lists_filled() {
    assert!(fills("a @X@ b \"$@\" @Y@ c", "a 1 2 b \"$@\" 3 c"));
    assert!(!fills("a @X@ b", "a 1 c"));
    assert!(!fills("a @X@ b \"$@\"", "a 1 b \"$*\""));
    for (shell, _, template) in SHELLS {
        let out = run_ok(Command::new(bin()).args(["completions", shell]));
        let text = String::from_utf8(out.stdout).unwrap();
        let template = std::fs::read_to_string(source(template)).unwrap();
        assert!(
            pieces(&template).len() > 1,
            "{shell}: the template has no lists to fill"
        );
        assert!(
            fills(&template, &text),
            "`vspace-netns completions {shell}` is not its template with the lists filled"
        );
        assert_eq!(pieces(&text).len(), 1, "{shell}: a list left unfilled");
    }
    let out = run_status(Command::new(bin()).args(["completions", "tcsh"]), 2);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("invalid value 'tcsh'"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_scripts_default_to_the_binary_s_roots() {
    // Without the variables the scripts read the roots the binary reads (vspace-netns-zones(5));
    // the tests above cannot create them on the host, so the defaults are checked as text.
    for (shell, _, file) in SHELLS {
        let text = std::fs::read_to_string(source(file)).unwrap();
        for (var, default) in [
            ("VSPACE_NETNS_CONFDIR", "/etc/vspace-netns"),
            ("VSPACE_NETNS_VSERVERS", "/etc/vservers"),
        ] {
            let bash_zsh = format!("${{{var}:-{default}}}");
            let fish = [format!("set -l dir {default}"), format!("set dir ${var}")];
            assert!(
                text.contains(&bash_zsh) || fish.iter().all(|f| text.contains(f.as_str())),
                "{shell}: {var} with default {default} not found in {file}"
            );
        }
    }
}
