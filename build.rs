//! Links the binary with `link/intercept.ld`, which puts the code of the calls made at every
//! guest start (the intercept, a pass-through, `ip netns exec`) side by side, so that they
//! fault in a few pages of code instead of one a function (link/README). It only orders
//! sections: a layout older than the code costs page faults, never correctness.

fn main() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/link/intercept.ld");
    println!("cargo::rerun-if-changed=link/intercept.ld");
    // The C compiler driver (cc) links: `-T FILE` is its option for a linker script.
    println!("cargo::rustc-link-arg-bins=-T");
    println!("cargo::rustc-link-arg-bins={script}");
}
