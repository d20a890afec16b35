//! Documents that run: the ```sh blocks of a file under `docs/`, and a private host to run
//! them on (PID 1 of new PID, mount and network namespaces, a fresh tmpfs on `/run`, `/`
//! shared as systemd makes it), with the binary under test first in `PATH` as
//! `vspace-netns`, and no `VSPACE_NETNS_*` or `NETNS_RUN_DIR` from the caller. The machine's
//! `/run/netns` and links are never touched. Pure but for [`run_on_private_host`].

use std::process::{Command, Output};

use super::{Names, require_root, run_bounded};

/// The ```sh blocks of `docs/NAME`, in order, joined (a blank line after each).
pub fn sh_blocks_of(name: &str) -> String {
    let path = format!("{}/docs/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    sh_blocks(&text)
}

/// The ```sh blocks of `text`, in order, joined (a blank line after each).
pub fn sh_blocks(text: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for line in text.lines() {
        if !inside && line.trim_end() == "```sh" {
            inside = true;
        } else if inside && line.trim_end() == "```" {
            inside = false;
            out.push('\n');
        } else if inside {
            out.push_str(line);
            out.push('\n');
        }
    }
    assert!(!inside, "an unclosed ```sh block");
    out
}

/// Runs `script` with `sh -eu` on a private host; `env` is added to its environment.
pub fn run_on_private_host(script: &str, env: &[(&str, &str)]) -> (Command, Output, Names) {
    require_root();
    let names = Names::new();
    let path = format!(
        "{}:{}",
        names.dir.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut c = Command::new("unshare");
    c.args([
        "--pid",
        "--fork",
        "--mount-proc",
        "--net",
        "--propagation",
        "private",
        "sh",
        "-eu",
        "-c",
    ])
    .arg(format!(
        "mount --make-rshared /\nmount -t tmpfs -o mode=0755 tmpfs /run\nip link set dev lo up\n{script}"
    ))
    .env("PATH", path)
    .env_remove("NETNS_RUN_DIR");
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("VSPACE_NETNS") {
            c.env_remove(k);
        }
    }
    for (k, v) in env {
        c.env(k, v);
    }
    let out = run_bounded(&mut c);
    (c, out, names)
}
