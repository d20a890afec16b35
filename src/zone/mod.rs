//! Zones: named network namespaces with their links, MACs and addresses, made from
//! configuration under `/etc/vspace-netns/ZONE/` (see vspace-netns-zones(5)).
//!
//! `config` reads and checks the configuration (pure parsing of raw bytes), `plan` turns
//! configuration + observed facts into steps (pure), `shell` gathers facts and carries steps out
//! (`up`, `down`), `hook` is the util-vserver scriptlet's logic, `doctor` reports, `mac` derives
//! stable MACs, `rtmsg` builds the rtnetlink messages, `script` quotes the printed lines.
#![deny(unsafe_code)]

pub mod all;
pub mod claims;
pub mod config;
pub mod doctor;
pub mod hook;
pub mod mac;
pub mod plan;
pub mod rtmsg;
pub mod script;
pub mod shell;
pub mod shread;
pub mod skips;
pub mod status;

pub use shell::{BUSY, Down, PREFIX, down, down_checked, up};
