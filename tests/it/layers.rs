//! The layering of src/: no cycle among files or among top folders, no folder importing a
//! folder of a higher layer, and no module but netns::env and netns::roots reading the process
//! environment (the roots are read once, at each personality's edge, and passed down). Pure:
//! reads the source files.
//!
//! Layers, each importing only those below it (ARCHITECTURE.md draws them):
//! sys < report < netns < zone < vserver < the personalities (vspace, ip, tool) < lib.rs,
//! main.rs and personality.rs. The personalities may use one another (the tool's `explain` is
//! vspace's) as long as no cycle forms.
//!
//! A dependency is any `crate::a::b` path (and `super::`, `self::`, resolved from the file's
//! module) outside comments and outside a trailing `#[cfg(test)] mod tests`, in the manner of a
//! `use` tree (`crate::a::{b, c::{self, D}}`); it points at the longest module prefix of the
//! path. A module re-exported under a second path (`pub use report::fail;` in lib.rs) is an
//! alias: a path through it points at the module itself.
//!
//! What the tree does not meet yet is listed below as known exceptions, each with what removes
//! it. The test fails on anything new (a new cycle, a cycle that grows, a new upward import, a
//! new alias) and on an exception that no longer happens (delete it from the list), so the
//! lists only shrink.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Known upward imports: (from folder, to folder).
const KNOWN_UPWARD: &[(&str, &str)] = &[];

/// Known cycles among top folders (each as its members).
const KNOWN_FOLDER_CYCLES: &[&[&str]] = &[];

/// Known cycles among files (module paths); a cycle found must lie within one of them.
const KNOWN_FILE_CYCLES: &[&[&str]] = &[];

/// Known aliases (the path, the module it names): former paths kept for code that has not
/// moved to the new ones yet (zone/, sys/ and the tests).
const KNOWN_ALIASES: &[(&str, &str)] = &[];

/// The layer of each top folder (a file directly under src/ is a folder of its own; lib.rs
/// and main.rs are `crate`).
fn rank(folder: &str) -> Option<u8> {
    Some(match folder {
        "sys" => 0,
        "report" => 1,
        "netns" => 2,
        "zone" => 3,
        "vserver" => 4,
        "vspace" | "ip" | "tool" => 5,
        "personality" => 6,
        "crate" => 7,
        _ => return None,
    })
}

const PERSONALITIES: u8 = 5;

type Module = Vec<String>;

fn show(m: &[String]) -> String {
    if m.is_empty() {
        "crate".into()
    } else {
        m.join("::")
    }
}

fn folder(m: &[String]) -> String {
    m.first().cloned().unwrap_or_else(|| "crate".into())
}

/// Every .rs file under `dir`, with its module path.
fn modules(src: &Path) -> BTreeMap<Module, PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(src, &mut files);
    let mut map = BTreeMap::new();
    for p in files {
        let rel = p.strip_prefix(src).unwrap().with_extension("");
        let mut m: Module = rel
            .iter()
            .map(|c| c.to_string_lossy().into_owned())
            .collect();
        if matches!(m.last().map(String::as_str), Some("mod" | "lib" | "main")) {
            m.pop();
        }
        // main.rs and lib.rs are both the root; main.rs names the library by its crate name.
        if m.is_empty() && p.file_name().unwrap() == "main.rs" {
            continue;
        }
        map.insert(m, p);
    }
    map
}

/// The text that counts: comments dropped, a trailing `#[cfg(test)] mod tests` cut.
fn code(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let line = match line.find("//") {
            Some(i) => &line[..i],
            None => line,
        };
        out.push_str(line);
        out.push('\n');
    }
    let mut at = 0;
    while let Some(i) = out[at..].find("#[cfg(test)]") {
        let s = at + i;
        let after = out[s + "#[cfg(test)]".len()..].trim_start();
        if after.starts_with("mod ") {
            out.truncate(s);
            break;
        }
        at = s + 1;
    }
    out
}

/// A `use` tree at the start of `s` (a path, then `::{...}` groups): every leaf path, with its
/// `as` name when renamed.
fn use_tree(s: &str) -> Vec<(Vec<String>, Option<String>)> {
    fn ident(s: &[u8], i: &mut usize) -> Option<String> {
        let start = *i;
        while *i < s.len() && (s[*i].is_ascii_alphanumeric() || s[*i] == b'_' || s[*i] == b'*') {
            *i += 1;
        }
        (*i > start).then(|| String::from_utf8_lossy(&s[start..*i]).into_owned())
    }
    fn skip_ws(s: &[u8], i: &mut usize) {
        while *i < s.len() && s[*i].is_ascii_whitespace() {
            *i += 1;
        }
    }
    fn tree(
        s: &[u8],
        i: &mut usize,
        prefix: Vec<String>,
        out: &mut Vec<(Vec<String>, Option<String>)>,
    ) {
        let mut path = prefix;
        loop {
            skip_ws(s, i);
            if s.get(*i) == Some(&b'{') {
                *i += 1;
                loop {
                    skip_ws(s, i);
                    if s.get(*i) == Some(&b'}') {
                        *i += 1;
                        return;
                    }
                    tree(s, i, path.clone(), out);
                    skip_ws(s, i);
                    match s.get(*i) {
                        Some(b',') => *i += 1,
                        Some(b'}') => {
                            *i += 1;
                            return;
                        }
                        _ => return,
                    }
                }
            }
            let Some(id) = ident(s, i) else {
                out.push((path, None));
                return;
            };
            if id != "self" {
                path.push(id);
            }
            if s[*i..].starts_with(b"::") {
                *i += 2;
                continue;
            }
            skip_ws(s, i);
            let rename = if s[*i..].starts_with(b"as ") {
                *i += 3;
                skip_ws(s, i);
                ident(s, i)
            } else {
                None
            };
            out.push((path, rename));
            return;
        }
    }
    let mut out = Vec::new();
    tree(s.as_bytes(), &mut 0, Vec::new(), &mut out);
    out
}

/// The paths `text` (module `m`, from `file`) mentions through `crate::`, `super::` and
/// `self::`, made absolute.
fn mentioned(m: &[String], text: &str) -> Vec<Vec<String>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let boundary =
            i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_' || b[i - 1] == b':');
        let rest = &text[i..];
        let (base, skip): (Vec<String>, usize) = if boundary && rest.starts_with("crate::") {
            (Vec::new(), "crate::".len())
        } else if boundary && rest.starts_with("super::") {
            let mut ups = 0;
            let mut j = 0;
            while text[i + j..].starts_with("super::") {
                ups += 1;
                j += "super::".len();
            }
            (m[..m.len().saturating_sub(ups)].to_vec(), j)
        } else if boundary && rest.starts_with("self::") {
            (m.to_vec(), "self::".len())
        } else {
            i += 1;
            continue;
        };
        for (leaf, _) in use_tree(&text[i + skip..]) {
            let mut p = base.clone();
            p.extend(leaf);
            out.push(p);
        }
        i += skip;
    }
    out
}

/// The modules `m`'s `pub use` items re-export under a name of `m`'s: (alias path, module).
fn aliases_in(m: &[String], text: &str, mods: &BTreeMap<Module, PathBuf>) -> Vec<(Module, Module)> {
    let mut out = Vec::new();
    for stmt in text.split(';') {
        let Some(at) = stmt.find("pub use ") else {
            continue;
        };
        let tree = stmt[at + "pub use ".len()..].trim_start();
        let (base, tree): (Vec<String>, &str) = if let Some(t) = tree.strip_prefix("crate::") {
            (Vec::new(), t)
        } else if let Some(t) = tree.strip_prefix("super::") {
            (m[..m.len().saturating_sub(1)].to_vec(), t)
        } else {
            (m.to_vec(), tree.strip_prefix("self::").unwrap_or(tree))
        };
        for (leaf, rename) in use_tree(tree) {
            let mut target = base.clone();
            target.extend(leaf);
            if target.last().is_some_and(|l| l == "*") || !mods.contains_key(&target) {
                continue;
            }
            let name = rename.unwrap_or_else(|| target.last().unwrap().clone());
            let mut alias = m.to_vec();
            alias.push(name);
            if alias != target && !mods.contains_key(&alias) {
                out.push((alias, target));
            }
        }
    }
    out
}

/// The longest module prefix of `path`, aliases resolved.
fn resolve(
    path: &[String],
    mods: &BTreeMap<Module, PathBuf>,
    aliases: &[(Module, Module)],
) -> Option<Module> {
    // `crate::sys` is the leaf crate vspace-netns-sys, re-exported: below every layer here,
    // and a leaf by construction (a crate cannot import the crate that depends on it).
    if path.first().is_some_and(|p| p == "sys") {
        return None;
    }
    let mut path = path.to_vec();
    for (alias, target) in aliases {
        if path.starts_with(alias) {
            let mut p = target.clone();
            p.extend_from_slice(&path[alias.len()..]);
            path = p;
            break;
        }
    }
    (0..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|p| mods.contains_key(p))
}

/// Strongly connected components with more than one member (Tarjan).
fn cycles<N: Ord + Clone>(graph: &BTreeMap<N, BTreeSet<N>>) -> Vec<BTreeSet<N>> {
    struct St<N> {
        index: BTreeMap<N, usize>,
        low: BTreeMap<N, usize>,
        stack: Vec<N>,
        on: BTreeSet<N>,
        out: Vec<BTreeSet<N>>,
    }
    fn visit<N: Ord + Clone>(g: &BTreeMap<N, BTreeSet<N>>, n: &N, st: &mut St<N>) {
        let i = st.index.len();
        st.index.insert(n.clone(), i);
        st.low.insert(n.clone(), i);
        st.stack.push(n.clone());
        st.on.insert(n.clone());
        for w in g.get(n).into_iter().flatten() {
            if !st.index.contains_key(w) {
                visit(g, w, st);
                let lw = st.low[w];
                let ln = st.low.get_mut(n).unwrap();
                *ln = (*ln).min(lw);
            } else if st.on.contains(w) {
                let iw = st.index[w];
                let ln = st.low.get_mut(n).unwrap();
                *ln = (*ln).min(iw);
            }
        }
        if st.low[n] == st.index[n] {
            let mut c = BTreeSet::new();
            loop {
                let w = st.stack.pop().unwrap();
                st.on.remove(&w);
                c.insert(w.clone());
                if &w == n {
                    break;
                }
            }
            if c.len() > 1 {
                st.out.push(c);
            }
        }
    }
    let mut st = St {
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        out: Vec::new(),
    };
    for n in graph.keys() {
        if !st.index.contains_key(n) {
            visit(graph, n, &mut st);
        }
    }
    st.out
}

struct Tree {
    mods: BTreeMap<Module, PathBuf>,
    aliases: Vec<(Module, Module)>,
    /// File-level edges: module -> modules it mentions.
    edges: BTreeMap<Module, BTreeSet<Module>>,
}

fn tree() -> Tree {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mods = modules(&src);
    let texts: BTreeMap<Module, String> = mods
        .iter()
        .map(|(m, p)| (m.clone(), code(&std::fs::read_to_string(p).unwrap())))
        .collect();
    let aliases: Vec<(Module, Module)> = texts
        .iter()
        .flat_map(|(m, t)| aliases_in(m, t, &mods))
        .collect();
    let mut edges = BTreeMap::new();
    for (m, text) in &texts {
        let to: BTreeSet<Module> = mentioned(m, text)
            .iter()
            .filter_map(|p| resolve(p, &mods, &aliases))
            .filter(|t| t != m)
            .collect();
        edges.insert(m.clone(), to);
    }
    Tree {
        mods,
        aliases,
        edges,
    }
}

fn names(set: &BTreeSet<Module>) -> BTreeSet<String> {
    set.iter().map(|m| show(m)).collect()
}

#[test]
fn the_scanner_reads_use_trees_and_relative_paths() {
    let m = |s: &str| -> Vec<String> { s.split("::").map(String::from).collect() };
    let got = mentioned(
        &m("zone::doctor::guest"),
        "use crate::report::{fail::{self, Fail}, quote::escape};\nlet x = super::super::netns::check(y); use self::inner::Z as W;",
    );
    let want: Vec<Vec<String>> = vec![
        m("report::fail"),
        m("report::fail::Fail"),
        m("report::quote::escape"),
        m("zone::netns::check"),
        m("zone::doctor::guest::inner::Z"),
    ];
    assert_eq!(got, want);
    assert!(
        code("use crate::a; // crate::b\n#[cfg(test)]\nmod tests { use crate::c; }")
            .contains("crate::a")
    );
    assert!(
        !code("use crate::a; // crate::b\n#[cfg(test)]\nmod tests { use crate::c; }")
            .contains("crate::b")
    );
    assert!(!code("use crate::a;\n#[cfg(test)]\nmod tests { use crate::c; }").contains("crate::c"));
}

#[test]
fn no_cycle_among_files_but_the_known_ones() {
    let t = tree();
    // A module naming its own descendants (mod.rs declaring and re-exporting them) is no
    // dependency of the parent on the child's layer.
    let graph: BTreeMap<Module, BTreeSet<Module>> = t
        .edges
        .iter()
        .map(|(m, to)| {
            (
                m.clone(),
                to.iter()
                    .filter(|x| !(x.len() > m.len() && x.starts_with(m)))
                    .cloned()
                    .collect(),
            )
        })
        .collect();
    let found = cycles(&graph);
    let known: Vec<BTreeSet<String>> = KNOWN_FILE_CYCLES
        .iter()
        .map(|c| c.iter().map(|s| s.to_string()).collect())
        .collect();
    let mut problems = Vec::new();
    for c in &found {
        let c = names(c);
        if !known.iter().any(|k| c.is_subset(k)) {
            problems.push(format!(
                "new file cycle: {}",
                c.into_iter().collect::<Vec<_>>().join(" <-> ")
            ));
        }
    }
    for k in &known {
        if !found.iter().any(|c| !names(c).is_disjoint(k)) {
            problems.push(format!(
                "known file cycle {k:?} is gone: delete it from KNOWN_FILE_CYCLES"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn no_cycle_among_folders_and_no_upward_import() {
    let t = tree();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut why: BTreeMap<(String, String), String> = BTreeMap::new();
    for (m, to) in &t.edges {
        for x in to {
            let (a, b) = (folder(m), folder(x));
            if a != b {
                why.entry((a.clone(), b.clone()))
                    .or_insert_with(|| format!("{} -> {}", show(m), show(x)));
                graph.entry(a).or_default().insert(b);
            }
        }
    }
    let mut problems = Vec::new();
    for m in t.mods.keys() {
        if rank(&folder(m)).is_none() {
            problems.push(format!(
                "src/{} is in no layer: add it to `rank` and ARCHITECTURE.md",
                folder(m)
            ));
        }
    }
    let mut upward = BTreeSet::new();
    for ((a, b), example) in &why {
        let (Some(ra), Some(rb)) = (rank(a), rank(b)) else {
            continue;
        };
        let allowed = rb < ra || (ra == rb && ra == PERSONALITIES);
        if !allowed {
            upward.insert((a.as_str(), b.as_str()));
            if !KNOWN_UPWARD.contains(&(a.as_str(), b.as_str())) {
                problems.push(format!(
                    "{a} imports {b}, a layer above or beside it ({example})"
                ));
            }
        }
    }
    for k in KNOWN_UPWARD {
        if !upward.contains(k) {
            problems.push(format!(
                "known upward import {k:?} is gone: delete it from KNOWN_UPWARD"
            ));
        }
    }
    let found: Vec<BTreeSet<String>> = cycles(&graph);
    let known: Vec<BTreeSet<String>> = KNOWN_FOLDER_CYCLES
        .iter()
        .map(|c| c.iter().map(|s| s.to_string()).collect())
        .collect();
    for c in &found {
        if !known.iter().any(|k| c.is_subset(k)) {
            let edges: Vec<&String> = why
                .iter()
                .filter(|((a, b), _)| c.contains(a) && c.contains(b))
                .map(|(_, e)| e)
                .collect();
            problems.push(format!("new folder cycle: {c:?}, through {edges:?}"));
        }
    }
    for k in &known {
        if !found.iter().any(|c| !c.is_disjoint(k)) {
            problems.push(format!(
                "known folder cycle {k:?} is gone: delete it from KNOWN_FOLDER_CYCLES"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn no_module_has_a_second_path_but_the_known_ones() {
    let t = tree();
    let found: BTreeSet<(String, String)> =
        t.aliases.iter().map(|(a, m)| (show(a), show(m))).collect();
    let known: BTreeSet<(String, String)> = KNOWN_ALIASES
        .iter()
        .map(|(a, m)| (a.to_string(), m.to_string()))
        .collect();
    let new: Vec<_> = found.difference(&known).collect();
    let gone: Vec<_> = known.difference(&found).collect();
    assert!(
        new.is_empty() && gone.is_empty(),
        "modules re-exported under a second path (name them by their own): {new:?}; known aliases no longer there (delete them from KNOWN_ALIASES): {gone:?}"
    );
}

/// What reads the process environment: std's readers (`env::var`, `var_os`, `vars`,
/// `temp_dir` for TMPDIR, `home_dir`), the C library's, and the project's own reader of a
/// path variable (`env::path(`, the rule in netns::env).
const ENV_READS: &[&str] = &[
    "env::var",
    "var_os(",
    "vars_os(",
    "env::temp_dir",
    "env::home_dir",
    "getenv",
    "libc::environ",
    "env::path(",
];

/// The modules that read the environment: netns::env (the rule) and netns::roots (the one
/// value every personality makes at its edge and passes down). Anything else takes its paths
/// from the `Roots` it is given.
const ENV_READERS: &[&str] = &["netns::env", "netns::roots"];

#[test]
fn only_the_roots_read_the_environment() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut found: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    let mut scan = |name: String, path: &Path| {
        let text = code(&std::fs::read_to_string(path).unwrap());
        let hits: Vec<&str> = ENV_READS
            .iter()
            .copied()
            .filter(|p| text.contains(p))
            .collect();
        if !hits.is_empty() {
            found.insert(name, hits);
        }
    };
    for (m, p) in modules(&root.join("src")) {
        scan(show(&m), &p);
    }
    // main.rs (argv only: `args_os` is no environment read) and the sys crate, a leaf.
    scan("main".into(), &root.join("src/main.rs"));
    for (m, p) in modules(&root.join("sys/src")) {
        scan(format!("sys::{}", show(&m)), &p);
    }
    let readers: Vec<&str> = found.keys().map(String::as_str).collect();
    assert_eq!(
        readers, ENV_READERS,
        "only netns::env and netns::roots may read the environment; the others take a `Roots` from their personality's edge (found: {found:?})"
    );
}
