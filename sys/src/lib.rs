//! The system layer of vspace-netns (crate `vspace-netns-sys`): every system call the project
//! makes that std does not wrap safely, and every `unsafe` of the project (each with a
//! `// SAFETY:` line; the binary's crate forbids unsafe code). Nothing here decides anything:
//! the planners above decide, these functions carry single steps out and report errno. A leaf:
//! it imports nothing from the crate above, and hands back plain data, `Errno` and `io::Error`
//! (the words still said here: the C library's strerror text, `rtnl`'s reasons for a local
//! failure, `regular`'s refusals).
//!
//! - `bytes`: native-endian integers out of kernel answers (pure).
//! - `nsfs`: open a run-dir entry and check it is a network namespace; setns; identities.
//! - `exec`: locate the real tools, exec with argv untouched.
//! - `mountinfo`, `remount`: the mount table and the `/sys` carry-over of `ip netns exec`.
//! - `nsid`: RTM_GETNSID through `rtnl` for `ip netns list`.
//! - `link`, `process`: bring a link up by ioctl, fork, an rtnetlink request from a detached
//!   process.
//! - `rtnl`: rtnetlink sockets inside a network namespace (the zones' links, addresses, routes).
//! - `regular`: open a configuration or guest file safely (regular files only, no symlink).
//! - `hostns`: the host's (PID 1's) mount namespace: enter it, open a path as PID 1 sees it.
//! - `start`: [`c_main!`], the binary's C `main` (no std runtime start-up).

pub mod bytes;
pub mod exec;
pub mod hostns;
pub mod link;
pub mod mountinfo;
pub mod nsfs;
pub mod nsid;
pub mod process;
pub mod regular;
pub mod remount;
pub mod rtnl;
pub mod start;
