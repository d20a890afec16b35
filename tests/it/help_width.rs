//! `vspace-netns --help` and every subcommand's help are wrapped to the terminal (clap's
//! wrap_help: `COLUMNS`, else the terminal's width, else 100), never wider than 100 columns.

use std::process::Command;

use crate::common::*;

/// Every help text the tool prints: `--help` and `-h` of the tool and of each subcommand,
/// and `help SUBCOMMAND`.
fn help_calls() -> Vec<Vec<String>> {
    let mut calls = vec![vec!["--help".to_string()], vec!["-h".to_string()]];
    for sub in vspace_netns::tool::cli::command().get_subcommands() {
        let name = sub.get_name().to_string();
        calls.push(vec![name.clone(), "--help".into()]);
        calls.push(vec![name.clone(), "-h".into()]);
        calls.push(vec!["help".into(), name]);
    }
    calls
}

/// The lines of every help text wider than `limit` columns (characters), with `columns` as
/// the terminal's width (None: no COLUMNS, and no terminal: stdout is a pipe).
fn too_wide(columns: Option<&str>, limit: usize) -> Vec<String> {
    let mut wide = Vec::new();
    for call in help_calls() {
        let mut cmd = Command::new(bin());
        cmd.args(&call);
        match columns {
            Some(c) => cmd.env("COLUMNS", c),
            None => cmd.env_remove("COLUMNS"),
        };
        let out = run_ok(&mut cmd);
        assert!(
            String::from_utf8_lossy(&out.stdout).lines().count() > 3,
            "{}",
            show(&cmd, &out)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        for line in text.lines().filter(|l| l.chars().count() > limit) {
            wide.push(format!("{call:?} ({} chars): {line}", line.chars().count()));
        }
    }
    wide
}

#[test]
fn help_fits_100_columns_by_default() {
    let wide = too_wide(None, 100);
    assert!(wide.is_empty(), "{}", wide.join("\n"));
}

#[test]
fn help_follows_a_narrow_terminal() {
    let wide = too_wide(Some("60"), 60);
    assert!(wide.is_empty(), "{}", wide.join("\n"));
    // And the check can fail: at 60 columns the 100-column text would not fit.
    assert!(!too_wide(None, 60).is_empty());
}

#[test]
fn a_wide_terminal_still_gets_at_most_100_columns() {
    let wide = too_wide(Some("250"), 100);
    assert!(wide.is_empty(), "{}", wide.join("\n"));
}

#[test]
fn the_long_description_is_wrapped_not_cut() {
    let out = run_ok(Command::new(bin()).arg("--help").env_remove("COLUMNS"));
    let text = String::from_utf8(out.stdout).unwrap();
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        joined.contains(
            "Under its own name it runs the subcommands below; a first argument that is an option other than -h, --help, -V or --version is taken as vspace's (every vspace call starts with one)."
        ),
        "{text}"
    );
}
