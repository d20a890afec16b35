//! util-vserver's layer, above the zones: the hook its scriptlets run at each phase of a
//! guest's start and stop (`hook`), and doctor's checks of a guest as util-vserver will treat
//! it (`doctor`, with those of its `interfaces/` in `ifaces_doctor`). vserver uses `zone`;
//! `zone` never uses vserver: where a zone command needs a guest's part, its caller composes
//! it (the tool's `doctor` hands zone's doctor the guest checks).
#![deny(unsafe_code)]

pub mod doctor;
pub mod hook;
pub mod ifaces_doctor;
