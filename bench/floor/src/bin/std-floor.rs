//! The C floor (bench/setns-exec.c: open, setns, execv) written with Rust's std and nothing
//! else, `no_main` like the release binary: what a static-pie Rust program pays before any work
//! of ours. Usage: std-floor ENTRY PROG [ARG]...
#![no_main]
#![forbid(unsafe_code)]

use std::ffi::{CString, OsString};
use std::os::unix::ffi::OsStringExt;

fn run(args: Vec<OsString>) -> i32 {
    if args.len() < 3 {
        eprintln!("usage: std-floor ENTRY PROG [ARG]...");
        return 2;
    }
    let ns = match std::fs::File::open(&args[1]) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("std-floor: open: {e}");
            return 1;
        }
    };
    if let Err(e) = nix::sched::setns(&ns, nix::sched::CloneFlags::CLONE_NEWNET) {
        eprintln!("std-floor: setns: {e}");
        return 1;
    }
    drop(ns);
    let argv: Result<Vec<CString>, _> = args[2..]
        .iter()
        .map(|a| CString::new(a.clone().into_vec()))
        .collect();
    let Ok(argv) = argv else {
        eprintln!("std-floor: an argument holds a NUL byte");
        return 2;
    };
    let e = nix::unistd::execv(&argv[0], &argv).unwrap_err();
    eprintln!("std-floor: exec: {e}");
    127
}

vspace_netns_sys::c_main!({ run(std::env::args_os().collect()) });
