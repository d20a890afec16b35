//! What a zone command needs of the guests that join the zone, asked of the layer above:
//! util-vserver's layer (`vserver::parts`) answers it from the guests' files; the
//! personalities hand its answerer to `up`, `down`, `status`, `show` and `doctor`. zone/ names
//! no guest file itself: which guests name a zone, what tells their processes apart, the
//! namespace-cleanup-skip edits `up` makes, what the guests' own interfaces do inside, the
//! guests' claims on a zone, are all answers.
//! [`NoGuests`] answers for a host without guests. The trait is pure; its answerers read files.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::io;
use std::path::{Path, PathBuf};

use crate::netns::Roots;
use crate::report::fail::Fail;
use crate::zone::config::Zone;
use crate::zone::plan::{GuestAddr, LinkState, SkipFact, Step};

/// A guest that names a zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub guest: OsString,
    /// Whether the guest's line naming the zone is complete (without it the guest is not
    /// really a member).
    pub newline: bool,
}

/// What tells a guest's processes apart, and whether it counts as running without them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Traces {
    /// The guest's run file exists (it counts as running).
    pub run_file: bool,
    /// The guest's root, resolved (None when it does not resolve): a process whose root it is
    /// is the guest's.
    pub root: Option<PathBuf>,
    /// Its static context id, when it has one: a process in that context is the guest's.
    pub xid: Option<u32>,
}

/// A lock the guests' answerer holds while alive (`up`'s edits of files every zone shares).
pub type GuestLock = Box<dyn std::any::Any>;

/// The guests' side of the zone commands.
pub trait GuestParts {
    /// Every guest, in name order (a missing root: none).
    fn names(&self, vservers: &Path) -> io::Result<Vec<OsString>>;

    /// The zone (or namespace) `guest` names and whether its line is complete; None when it
    /// names none, or its file cannot be read (that guest's problem, named by its checks).
    fn zone_of(&self, vservers: &Path, guest: &OsStr) -> Option<(Vec<u8>, bool)>;

    /// The guests that name `netns`, in name order.
    fn members(&self, vservers: &Path, netns: &str) -> io::Result<Vec<Member>>;

    /// What tells `guest`'s processes apart (status, doctor).
    fn traces(&self, vservers: &Path, guest: &OsStr) -> Traces;

    /// The guests whose start claimed `netns` and has not finished (their names); `down`
    /// asks it under the zone's lock.
    fn claims(&self, roots: &Roots, netns: &str) -> Result<Vec<String>, Fail>;

    /// Held by `up` after the zone's lock, from before its facts to its last step: the files
    /// it edits are shared by every zone.
    fn lock(&self, roots: &Roots) -> Result<Option<GuestLock>, Fail>;

    /// The guests' files `up` of `netns` edits (namespace-cleanup-skip), planned last.
    fn skip_facts(&self, roots: &Roots, netns: &str) -> Result<Vec<SkipFact>, Fail>;

    /// For `up --dry-run`: what each member's start then does inside the zone, as comment
    /// lines, planned against the links `inside` as `up` leaves them.
    fn start_lines(
        &self,
        roots: &Roots,
        zone: &Zone,
        inside: &BTreeMap<String, LinkState>,
    ) -> Vec<String>;

    /// The steps `down` of `netns` adds after the zone's own, when no process lives in it
    /// (the guests' files the members' starts wrote).
    fn down_steps(&self, roots: &Roots, netns: &str) -> Vec<Step>;

    /// The addresses `guest`'s own interfaces put inside its zone (status, doctor); `None`
    /// when they cannot be read.
    fn addresses(&self, vservers: &Path, guest: &OsStr) -> Option<Vec<GuestAddr>>;

    /// The addresses the interfaces of the guests `names` put inside their zone, all of them
    /// (`None`: one's cannot be read): what is no difference from a zone's configuration.
    fn addresses_of(&self, vservers: &Path, names: &[OsString]) -> Option<Vec<GuestAddr>> {
        let mut all = Vec::new();
        for g in names {
            all.extend(self.addresses(vservers, g)?);
        }
        Some(all)
    }

    /// [`GuestParts::addresses_of`] the guests that name `netns` (`None`: they, or one's
    /// interfaces, cannot be read).
    fn member_addresses(&self, vservers: &Path, netns: &str) -> Option<Vec<GuestAddr>> {
        let names: Vec<OsString> = self
            .members(vservers, netns)
            .ok()?
            .into_iter()
            .map(|m| m.guest)
            .collect();
        self.addresses_of(vservers, &names)
    }
}

/// A host without guests: no member, no claim, nothing to edit.
pub struct NoGuests;

impl GuestParts for NoGuests {
    fn names(&self, _: &Path) -> io::Result<Vec<OsString>> {
        Ok(Vec::new())
    }

    fn zone_of(&self, _: &Path, _: &OsStr) -> Option<(Vec<u8>, bool)> {
        None
    }

    fn members(&self, _: &Path, _: &str) -> io::Result<Vec<Member>> {
        Ok(Vec::new())
    }

    fn traces(&self, _: &Path, _: &OsStr) -> Traces {
        Traces::default()
    }

    fn claims(&self, _: &Roots, _: &str) -> Result<Vec<String>, Fail> {
        Ok(Vec::new())
    }

    fn lock(&self, _: &Roots) -> Result<Option<GuestLock>, Fail> {
        Ok(None)
    }

    fn skip_facts(&self, _: &Roots, _: &str) -> Result<Vec<SkipFact>, Fail> {
        Ok(Vec::new())
    }

    fn start_lines(&self, _: &Roots, _: &Zone, _: &BTreeMap<String, LinkState>) -> Vec<String> {
        Vec::new()
    }

    fn down_steps(&self, _: &Roots, _: &str) -> Vec<Step> {
        Vec::new()
    }

    fn addresses(&self, _: &Path, _: &OsStr) -> Option<Vec<GuestAddr>> {
        Some(Vec::new())
    }
}
