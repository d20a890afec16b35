//! Links the binary with `link/intercept.ld`, which puts the code of the calls made at every
//! guest start (the intercept, a pass-through, `ip netns exec`) side by side, so that they
//! fault in a few pages of code instead of one a function (link/README). It only orders
//! sections: a layout older than the code costs page faults, never correctness.
//!
//! The script is for lld (Rust's linker) and GNU ld. With gold or mold named in the Rust
//! flags (`-fuse-ld=gold`, `-fuse-ld=mold`), which cannot read it, or with
//! `VSPACE_NETNS_NO_LAYOUT=1`, the binary is linked without it (a warning says so).

fn main() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/link/intercept.ld");
    println!("cargo::rerun-if-changed=link/intercept.ld");
    println!("cargo::rerun-if-env-changed=VSPACE_NETNS_NO_LAYOUT");
    let flags = std::env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    let other_linker = flags
        .split('\x1f')
        .find(|f| f.contains("fuse-ld=gold") || f.contains("fuse-ld=mold"));
    let skip = match (std::env::var_os("VSPACE_NETNS_NO_LAYOUT"), other_linker) {
        (Some(v), _) if v == "1" => Some("VSPACE_NETNS_NO_LAYOUT=1".to_string()),
        (_, Some(f)) => Some(format!("the Rust flags ask for another linker ({f})")),
        _ => None,
    };
    if let Some(why) = skip {
        println!(
            "cargo::warning=linked without link/intercept.ld ({why}): a guest start takes more page faults"
        );
        return;
    }
    // The C compiler driver (cc) links: `-T FILE` is its option for a linker script.
    println!("cargo::rustc-link-arg-bins=-T");
    println!("cargo::rustc-link-arg-bins={script}");
}
