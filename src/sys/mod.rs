//! The system layer: every system call the crate makes that std does not wrap safely, and every
//! `unsafe` block of the crate (each with a `// SAFETY:` line). Nothing here decides anything:
//! the planners above decide, these functions carry single steps out and report errno.
//!
//! - `bytes`: native-endian integers out of kernel answers (pure).
//! - `nsfs`: open a run-dir entry and check it is a network namespace; setns; identities.
//! - `exec`: locate the real tools, exec with argv untouched.
//! - `mountinfo`, `remount`: the mount table and the `/sys` carry-over of `ip netns exec`.
//! - `nsid`: RTM_GETNSID over rtnetlink for `ip netns list`.
//! - `link`, `process`: bring a link up by ioctl, fork, an rtnetlink request from a detached
//!   process.
//! - `rtnl`: rtnetlink sockets inside a network namespace (the zones' links, addresses, routes).
//! - `regular`: open a configuration or guest file safely (regular files only, no symlink).
//! - `hostns`: the host's (PID 1's) mount namespace: enter it, open a path as PID 1 sees it.

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
