//! The admin tool personality (`vspace-netns SUBCOMMAND`): its command line ([`cli`], clap for
//! the tool's own subcommands only; pass-through argv never goes through it) and one file per
//! subcommand, each holding its clap description and its arm. The subcommands do their work in
//! the folders below (`zone`, `vspace::explain`); this folder only parses, dispatches and turns
//! results into exit statuses. The edge (`cli::main`) makes the one `netns::Roots` of the run
//! and hands it to the subcommand's arm, which passes it down: nothing below reads the
//! environment.
//!
//! Exit statuses of the tool's subcommands (`report::Status`): 0 done, 1 failed (the message
//! says why), 2 usage; `down` exits 3 when it refuses a namespace that processes still use.

#![deny(unsafe_code)]

pub mod cli;
mod common;
pub mod completions;
pub mod ctx;
mod doctor;
mod down;
mod explain;
mod hook;
mod mac;
mod show;
mod status;
mod up;

pub use cli::main;
