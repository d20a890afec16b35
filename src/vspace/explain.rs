//! `vspace-netns explain -- ARGS`: the vspace personality's plan for ARGS in plain words,
//! gathered exactly as a real call gathers it (the entry is opened and checked, the real vspace
//! located) but not carried out: no setns, no exec. Side-effecting only in what it looks at
//! (the entry, the real vspace) and in printing the plan.

use std::ffi::OsString;

use crate::netns::Roots;
use crate::report::quote::{command_line, escape};
use crate::report::status::Status;
use crate::vspace::plan::{Plan, Then};
use crate::vspace::shell::{self as vspace, decide};

/// Prints the plan; exits 0 when the call would go ahead, 255 when it would be refused, 1 when
/// stdout cannot be written (one message on stderr).
pub fn run(args: Vec<OsString>, roots: &Roots) -> u8 {
    let argv: Vec<OsString> = std::iter::once(OsString::from("vspace"))
        .chain(args)
        .collect();
    let mut out = String::new();
    let code = describe(&argv, roots, &mut out);
    match crate::report::fail::stdout_or_fail("vspace-netns", &out) {
        Ok(()) => code.code(),
        Err(f) => crate::report::fail::report(&f),
    }
}

fn real_line(out: &mut String, roots: &Roots) -> bool {
    match vspace::real_vspace(roots) {
        Ok(p) => {
            out.push_str(&format!("real vspace: {}\n", escape(p.as_os_str())));
            true
        }
        Err(f) => {
            out.push_str(&format!("real vspace: not usable: {}\n", f.message));
            false
        }
    }
}

fn describe(argv: &[OsString], roots: &Roots, out: &mut String) -> Status {
    out.push_str(&format!("call:        {}\n", command_line(argv)));
    match decide(argv, roots) {
        Plan::PassThrough { why, .. } => {
            out.push_str("decision:    pass through to the real vspace, arguments unchanged\n");
            out.push_str(&format!("why:         {why}\n"));
            if real_line(out, roots) {
                Status::Ok
            } else {
                Status::Setup
            }
        }
        Plan::Refuse {
            message,
            prefixed,
            hints,
        } => {
            out.push_str("decision:    refuse, exit 255 (never the host's network)\n");
            let lead = if prefixed { "vspace: " } else { "" };
            out.push_str(&format!("message:     {lead}{message}\n"));
            for h in hints {
                out.push_str(&format!("hint:        {h}\n"));
            }
            Status::Setup
        }
        Plan::Enter {
            name,
            path,
            entry,
            then,
        } => {
            let ino = entry
                .identity()
                .map(|id| format!(", net:[{}]", id.ino))
                .unwrap_or_default();
            out.push_str(
                "decision:    intercept: enter the named network namespace with setns(2)\n",
            );
            let link = std::fs::read_link(&path)
                .map(|t| format!(", a symbolic link to {}", escape(t.as_os_str())))
                .unwrap_or_default();
            out.push_str(&format!(
                "namespace:   {} ({}{link}{ino})\n",
                escape(&name),
                escape(path.as_os_str())
            ));
            if let Some(line) = crate::vspace::facts::view_line(&path) {
                out.push_str(&format!("view:        {line}\n"));
            }
            match then {
                Then::Program { program } => {
                    out.push_str(&format!(
                        "then:        exec {} directly (net was the only space; the real vspace is not needed)\n",
                        command_line(&argv[program..])
                    ));
                    Status::Ok
                }
                Then::RealVspace { args } => {
                    out.push_str(&format!(
                        "then:        exec the real vspace with net cleared: vspace {}\n",
                        command_line(&args)
                    ));
                    if real_line(out, roots) {
                        Status::Ok
                    } else {
                        Status::Setup
                    }
                }
            }
        }
    }
}
