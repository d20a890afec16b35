//! util-vserver's layer, above the zones: the hook its scriptlets run at each phase of a
//! guest's start and stop (`hook`), the guest files that say which zone a guest joins
//! (`guest`), the namespace-cleanup-skip edits that keep every zone through a guest's start
//! (`skips`), a guest's own util-vserver `interfaces/` put into its zone (`ifaces`), doctor's
//! checks of a guest as util-vserver will treat it (`doctor`, with those of its `interfaces/`
//! in `ifaces_doctor`), and the starting guests' claims on their zone (`claims`). vserver
//! uses `zone`; `zone` never uses vserver: where a zone command needs a guest's part, it asks
//! `zone::guests::GuestParts`, which `parts` implements and the personalities hand in (the
//! tool's `doctor` also hands zone's doctor the guest checks).
#![deny(unsafe_code)]

pub mod claims;
pub mod doctor;
pub mod guest;
pub mod hook;
pub mod ifaces;
pub mod ifaces_doctor;
pub mod parts;
pub mod skips;
