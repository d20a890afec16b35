//! Named network namespaces, below the zones and the personalities: names and what a run-dir
//! entry is ([`name`], re-exported here), the environment rule ([`env`]) and the roots read
//! once from it ([`roots`]), PID 1's view of an entry and entering its mount namespace
//! ([`host`]), the registry of named namespaces (`ip netns add|attach|delete`, [`registry`]),
//! which processes are in which namespace ([`procs`]), the set-ID guard ([`guard`]), C's
//! number parsers ([`cnum`]), where the real vspace and ip are ([`realtool`]), bash's `read` of
//! a one-line file as util-vserver's `getFileValue` uses it ([`shread`], pure) and root's state
//! files, written whole and read only when root's own ([`state`]).
//!
//! Invariant: this layer imports only `report` and `sys` (tests/it/layers.rs keeps it so): what
//! a zone is, it is told (`Roots::is_zone` looks at the zones root's path, nothing of a zone's
//! configuration).

#![deny(unsafe_code)]

pub mod cnum;
pub mod env;
pub mod guard;
pub mod host;
pub mod name;
pub mod procs;
pub mod realtool;
pub mod registry;
pub mod roots;
pub mod shread;
pub mod state;

pub use name::*;
pub use roots::Roots;
