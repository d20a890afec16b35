//! One source for the admin tool's words: clap's description in `src/tool/` (one file per
//! subcommand, listed in `tool::cli::SUBCOMMANDS`). The man page's synopsis and SUBCOMMANDS
//! entries, each subcommand's usage line (what clap prints on a usage error), and the README's
//! table of everyday commands must name exactly its subcommands and,
//! per subcommand, exactly its options. (The shell completions are held to the same source by
//! tests/it/completions.rs, the first-word check by `cli::subcommand_names`.) Pure: reads files.

use std::collections::BTreeSet;
use std::path::Path;

type Words = BTreeSet<String>;

fn read(rel: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)).unwrap()
}

fn tool() -> clap::Command {
    let mut c = vspace_netns::tool::cli::command();
    c.build();
    c
}

/// The subcommands (clap's own `help` aside).
fn subcommands() -> Words {
    tool()
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .filter(|n| n != "help")
        .collect()
}

/// A subcommand's long options, `--help` aside.
fn options(sub: &str) -> Words {
    tool()
        .find_subcommand(sub)
        .unwrap()
        .get_arguments()
        .filter_map(|a| a.get_long())
        .filter(|l| *l != "help")
        .map(|l| format!("--{l}"))
        .collect()
}

/// The `--word` options in roff text (`\-\-dry\-run` is `--dry-run`).
fn roff_options(text: &str) -> Words {
    let plain = text.replace("\\-", "-");
    let mut out = Words::new();
    let b = plain.as_bytes();
    let mut i = 0;
    while let Some(at) = plain[i..].find("--") {
        let s = i + at;
        let mut e = s + 2;
        while e < b.len() && (b[e].is_ascii_lowercase() || b[e] == b'-') {
            e += 1;
        }
        if e > s + 2 {
            out.insert(plain[s..e].to_string());
        }
        i = e.max(s + 2);
    }
    out
}

/// The man page's synopsis of the admin tool: subcommand -> the options its entry names.
fn man_synopsis() -> Vec<(String, Words)> {
    let page = read("man/vspace-netns.8");
    let from = page.find(".SS Under its own name").unwrap();
    let to = from + page[from..].find(".SS Installed as ip").unwrap();
    page[from..to]
        .split(".br\n")
        .filter_map(|entry| {
            let first = entry.lines().find(|l| l.starts_with(".B vspace-netns"))?;
            let sub = first.strip_prefix(".B vspace-netns")?.trim();
            (!sub.is_empty()).then(|| (sub.to_string(), roff_options(entry)))
        })
        .collect()
}

#[test]
fn the_man_synopsis_names_each_subcommand_with_its_options() {
    let syn = man_synopsis();
    let names: Words = syn.iter().map(|(s, _)| s.clone()).collect();
    assert_eq!(names, subcommands(), "man page synopsis vs cli.rs");
    for (sub, opts) in &syn {
        assert_eq!(opts, &options(sub), "man page synopsis of {sub} vs cli.rs");
    }
}

#[test]
fn the_man_page_describes_each_subcommand() {
    let page = read("man/vspace-netns.8");
    let from = page.find(".SH SUBCOMMANDS").unwrap();
    let to = from + page[from..].find(".SH EXIT STATUS").unwrap();
    let mut described = Words::new();
    let lines: Vec<&str> = page[from..to].lines().collect();
    for w in lines.windows(2) {
        if w[0] == ".TP" {
            let word = w[1]
                .trim_start_matches(".BR ")
                .trim_start_matches(".B ")
                .split([' ', '"'])
                .next()
                .unwrap_or_default()
                .to_string();
            described.insert(word);
        }
    }
    for sub in subcommands() {
        assert!(
            described.contains(&sub),
            "no .TP entry for {sub} under SUBCOMMANDS: {described:?}"
        );
        // Each option the entry's first line names is the subcommand's.
        let entry = lines
            .windows(2)
            .find(|w| {
                w[0] == ".TP"
                    && (w[1].contains(&format!(" {sub} ")) || w[1].ends_with(&format!(" {sub}")))
            })
            .map(|w| w[1]);
        if let Some(first) = entry {
            let named = roff_options(first);
            assert!(
                named.is_subset(&options(&sub)),
                "{sub}: the entry names {named:?}, cli.rs has {:?}",
                options(&sub)
            );
        }
    }
}

#[test]
fn every_usage_line_names_every_option() {
    for sub in subcommands() {
        let usage = tool()
            .find_subcommand_mut(&sub)
            .unwrap()
            .render_usage()
            .to_string();
        for opt in options(&sub) {
            assert!(
                usage.contains(&opt) || usage.contains("[OPTIONS]"),
                "{sub}: the usage line lacks {opt}: {usage}"
            );
        }
        // A zone operand that --all replaces says so where the usage line is shown.
        if options(&sub).contains("--all") {
            assert!(
                usage.contains("<ZONE|--all>") || usage.contains("<ZONE...|--all>"),
                "{sub}: {usage}"
            );
        }
    }
}

#[test]
fn the_readme_table_lists_each_subcommand() {
    let readme = read("README.md");
    for sub in subcommands() {
        assert!(
            readme
                .lines()
                .any(|l| l.starts_with(&format!("| `vspace-netns {sub}"))),
            "README.md's table of everyday commands lacks {sub}"
        );
    }
}

#[test]
fn roff_options_are_read_as_printed() {
    let got =
        roff_options(".RI ( zone \" | \" \\-\\-all )\n.RB [ \\-\\-dry\\-run ]\n.RB [ \\-\\- ]");
    let want: Words = ["--all", "--dry-run"].map(String::from).into();
    assert_eq!(got, want);
}

/// Every man page renders without a groff warning (`man --warnings -l PAGE`, as lintian and a
/// reader's terminal render it; man-db is installed by .ci/run).
#[test]
fn the_man_pages_render_without_warnings() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("man");
    let mut pages: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    pages.sort();
    assert_eq!(pages.len(), 3, "{pages:?}");
    for page in pages {
        let out = std::process::Command::new("man")
            .args(["--warnings", "-l"])
            .arg(&page)
            .env("MANWIDTH", "80")
            .env("MAN_KEEP_FORMATTING", "0")
            .output()
            .expect("man (man-db) is not installed: apt-get install man-db");
        assert!(out.status.success(), "{}: {out:?}", page.display());
        assert!(
            out.stderr.is_empty(),
            "{}: {}",
            page.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!out.stdout.is_empty(), "{}", page.display());
    }
}

/// The words the man page sets in bold (`.B word`, `.BR word ...`) in `text`.
fn roff_bold(text: &str) -> Words {
    text.replace("\\-", "-")
        .lines()
        .filter_map(|l| l.strip_prefix(".BR ").or_else(|| l.strip_prefix(".B ")))
        .filter_map(|l| l.split_whitespace().next())
        .map(|w| w.trim_matches('"').to_string())
        .collect()
}

#[test]
fn the_man_page_s_hook_entry_names_exactly_the_phases() {
    let page = read("man/vspace-netns.8");
    let start = page
        .find(".BR hook ")
        .expect("vspace-netns(8) has a hook entry");
    let entry = &page[start..];
    let entry = &entry[..entry.find("\n.TP").unwrap_or(entry.len())];
    let phase_like =
        |w: &String| w == "initialize" || w.ends_with("-start") || w.ends_with("-stop");
    let named: Words = roff_bold(entry).into_iter().filter(phase_like).collect();
    let table: Words = vspace_netns::vserver::hook::phase_names()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        named, table,
        "vspace-netns(8)'s hook entry and vserver::hook::PHASES name different phases"
    );
}
