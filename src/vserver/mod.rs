//! util-vserver's layer, above the zones: the hook its scriptlets run at each phase of a
//! guest's start and stop (`hook`), and doctor's checks of a guest as util-vserver will treat
//! it (`doctor`, with those of its `interfaces/` in `ifaces_doctor`), and the starting
//! guests' claims on their zone (`claims`, which zone's `down` asks through its caller). vserver uses `zone`;
//! `zone` never uses vserver: where a zone command needs a guest's part, its caller composes
//! it (the tool's `doctor` hands zone's doctor the guest checks, and `down` its claims).
#![deny(unsafe_code)]

pub mod claims;
pub mod doctor;
pub mod hook;
pub mod ifaces_doctor;
pub mod parts;
