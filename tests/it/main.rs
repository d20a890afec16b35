//! The integration tests: one test binary (`cargo test --test it`), one module per area, each
//! test named by its module (`zone_net::netns_run_dir_is_honoured`). Side-effecting:
//! as root, the tests make real namespaces, links and mounts with unique names
//! (`common::unique`) and remove them in `Drop`; the shared harness is `common`.
//!
//! One binary links the crate once instead of once per file. Its tests run in parallel threads
//! of one process, so (docs/testing.md, "One binary"): no test changes process-wide state
//! (environment, cwd, umask, signal dispositions, rlimits) or opens a file descriptor without
//! close-on-exec; a program a test writes and runs is written by a child process
//! (`common::write_program`, `common::copy_program`: no ETXTBSY); what a test installs or
//! configures goes into a temporary root or a private mount namespace (never the machine's
//! `/usr`, `/etc/sudoers`, dpkg database or boot units), and what must lie in a shared place
//! (`/run/netns`, `/etc/netns`) bears a unique name; a test that compares the whole mount
//! table runs in a mount namespace of its own (`common::in_own_mount_namespace`).

#![forbid(unsafe_code)]

mod common;

mod boot;
mod chains;
mod compat_plan;
mod compat_replay;
mod completions;
mod concurrency;
mod deb;
mod demo;
mod env_rules;
mod examples;
mod exec_signals;
mod fail_closed;
mod fuzz_plan;
mod getopt_oracle;
mod help_width;
mod hostile;
mod install;
mod ip_admin;
mod ip_exec;
mod ip_failures;
mod ip_host_mounts;
mod ip_passthrough;
mod ip_sys_remount;
mod layers;
mod link_layout;
mod migrate;
mod output_errors;
mod sudo_env;
mod synopsis;
mod try_it;
mod upstream_sandbox;
mod vspace_exec;
mod vspace_smoke;
mod zone_all;
mod zone_claims;
mod zone_doctor;
mod zone_down;
mod zone_hook;
mod zone_host;
mod zone_ifaces;
mod zone_kernel;
mod zone_lifecycle;
mod zone_mac;
mod zone_monitor;
mod zone_net;
mod zone_parent;
mod zone_rollback;
mod zone_roots;
mod zone_show;
mod zone_status;
mod zones_demo;
