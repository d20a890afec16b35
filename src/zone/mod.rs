//! Zones: named network namespaces with their links, MACs and addresses, made from
//! configuration under `/etc/vspace-netns/ZONE/` (see vspace-netns-zones(5)).
//!
//! `config` reads and checks the configuration (pure parsing of raw bytes), `plan` turns
//! configuration + observed facts into steps (pure), `facts` gathers what the kernel and the
//! files say, `apply` is the one executor (each step performed by `perform`, a failure an
//! `error::StepError` whose hint is chosen by errno), `shell` is `up` and `down` over them,
//! `all` runs them over every zone (`--all`), `cookie` records the namespace `up` made (the
//! only one a stale zone may take back), `lost` finds it when its entry is gone. Pure helpers: `mac` derives stable MACs, `rtmsg`
//! builds the rtnetlink messages and reads dumps back, `script` quotes the printed lines.
//! The guests: zone/ names none of util-vserver's files; what a command needs of the guests
//! that join a zone (which they are, the files `up` edits for them, what their own interfaces
//! do inside, their claims) it asks through `guests::GuestParts`, which its caller hands in
//! (util-vserver's layer, `vserver::parts`, answers it). Reports: `doctor` (the guests' checks
//! handed in too), `status`, `show` (the configuration in one view); doctor and status observe all zones
//! through one `survey` of what they share, and check the host side a zone needs through
//! `hostside` (which `up --dry-run` uses too). It denies unsafe_code: system calls go through
//! `sys`.
#![deny(unsafe_code)]

pub mod all;
pub mod apply;
pub mod base;
pub mod config;
pub mod cookie;
pub mod doctor;
pub mod error;
pub mod facts;
pub mod guests;
pub mod hostside;
pub mod hostview;
pub mod lost;
pub mod mac;
pub mod perform;
pub mod plan;
pub mod rtmsg;
pub mod script;
pub mod shell;
pub mod show;
pub mod status;
pub mod survey;

pub use base::PREFIX;
pub use shell::{Down, down, down_checked, up};
