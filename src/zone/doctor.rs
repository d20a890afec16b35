//! `vspace-netns doctor [GUEST|ZONE] [--expect-up]`: checks a host's setup and prints the
//! findings grouped: the host, then each zone with its member guests (then the guests of no
//! zone), one line per finding (`ok WHAT`, `FAIL WHAT`, or `WARN WHAT`: said, not counted),
//! the fix of a FAIL or WARN on its own indented line, and a summary line. Side-effecting only
//! in what it reads (files, `netns::probe`, PID 1's view, one `zone::survey::Survey` for every
//! zone, each zone's namespace dumped once); it changes nothing. Exit status 1 when any check
//! fails, else 0.
//!
//! Host: the real vspace is found and is not this binary; `/usr/sbin/vspace` (or
//! `$VSPACE_NETNS_SBIN_VSPACE`) is this wrapper; vprocunhide is present; PID 1's mount
//! namespace can be opened (WARN when not: `up`, `down` and `hook` then work in their own).
//!
//! Guest (`guest` module below): `spaces/net` as util-vserver reads it (newline, a control
//! byte such as a CR is a FAIL naming it); what the name is (zone, guest, namespace made by
//! hand, both a guest and a run-dir entry); its effective namespace-cleanup-skip keeps the
//! run dir (every guest's, zone or not), the fix being the very lines `up` runs to add them
//! (`cp` of `.defaults` for a member without a file, then `printf ... >> FILE`); the hook is
//! reached in every phase it is installed for (a guest's own `scripts/PHASE[.d]` makes
//! util-vserver skip `.defaults'`); `spaces/mask` without the net bit, `spaces/pid` and
//! util-vserver's native `netns/` not naming a zone (native `netns/` only with `netns/shared`).
//!
//! Zone: its configuration is valid; the host side its links need (`zone::hostside`: parents
//! present and up, the kernel's support for each kind); its entry is live here, or what PID 1's
//! view says about it; a zone without an entry while none of its guests runs is `idle` (ok,
//! unless `--expect-up`), unless its namespace lives on in processes (`status`'s stale: a FAIL
//! with the repair); then, per item, what `up --dry-run` would change
//! (`zone::facts::gather_with` + `zone::plan::plan_up`): `lo` down, a link missing, down or
//! with another MAC, an address missing, each a FAIL naming the step that fixes it; and every
//! member guest's checks. Without an operand: every zone, then every other guest.

use std::ffi::{OsStr, OsString};
use std::path::Path;

use crate::netns::{self, Roots};
use crate::report::Status;
use crate::report::quote::escape;
use crate::sys::exec::{self, REAL_VSPACE};
use crate::sys::hostns::{self, Pid1Mnt};
use crate::zone::base as zone;
use crate::zone::config::{self};
use crate::zone::guests::GuestParts;
use crate::zone::hostside::{self, Support};
use crate::zone::plan::GuestAddr;
use crate::zone::survey::Survey;

mod state;

pub(crate) use state::{entry_check, item, zone_state_checks};

pub use crate::netns::roots::DEFAULT_SBIN_VSPACE;

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Ok,
    /// Said, but no failure (the status stays 0).
    Warn,
    Fail,
}

/// One check's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub level: Level,
    pub what: String,
    /// What to do (empty for `ok`).
    pub fix: String,
}

impl std::fmt::Display for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.level {
            Level::Ok => write!(f, "ok {}", self.what),
            Level::Warn => write!(f, "WARN {}: {}", self.what, self.fix),
            Level::Fail => write!(f, "FAIL {}: {}", self.what, self.fix),
        }
    }
}

/// What every check of one run shares: the roots, the survey of all zones (None when it could not be
/// read: each zone is then gathered on its own), the kernel's kinds of link, and whether zones
/// must be up.
pub(crate) struct Ctx<'r> {
    pub roots: &'r Roots,
    /// The checks of one guest (util-vserver's layer gives them: `vserver::doctor::checks`).
    pub guest: GuestChecks,
    /// The guests and the zones they name (util-vserver's layer: `vserver::parts`).
    pub parts: &'r dyn GuestParts,
    pub survey: Option<Survey>,
    pub support: Support,
    pub expect_up: bool,
}

/// The checks of one guest: (checks, guest, vservers dir, whether it is the target, ctx).
pub(crate) type GuestChecks = fn(&mut Vec<Check>, &OsStr, &Path, bool, &Ctx);

/// One group of findings: its title (`host`, `zone NAME`, `guest NAME`) and checks.
pub type Section = (String, Vec<Check>);

pub(crate) fn ok(what: String) -> Check {
    Check {
        level: Level::Ok,
        what,
        fix: String::new(),
    }
}

pub(crate) fn bad(what: String, fix: String) -> Check {
    Check {
        level: Level::Fail,
        what,
        fix,
    }
}

pub(crate) fn warn(what: String, fix: String) -> Check {
    Check {
        level: Level::Warn,
        what,
        fix,
    }
}

pub(crate) fn show(p: &Path) -> String {
    escape(p.as_os_str())
}

/// Runs the checks for `target` (or everything) and prints them; `guest` checks one guest,
/// `parts` answers which guests there are and which zone each names.
pub(crate) fn run(
    roots: &Roots,
    target: Option<&OsStr>,
    expect_up: bool,
    guest: GuestChecks,
    parts: &dyn GuestParts,
) -> u8 {
    let mut host = Vec::new();
    host_checks(roots, &mut host);
    let mut sections: Vec<Section> = Vec::new();
    match (roots.zones(), roots.vservers()) {
        (Ok(confdir), Ok(vservers)) => {
            let survey = match Survey::read(roots, parts, vservers) {
                Ok(s) => {
                    host.extend(unseen_check(&s));
                    Some(s)
                }
                Err(f) => {
                    host.push(bad("the host's links".into(), f.message));
                    None
                }
            };
            let support = match &survey {
                Some(s) => Support::of(&s.zones),
                None => Support::default(),
            };
            let ctx = Ctx {
                roots,
                guest,
                parts,
                survey,
                support,
                expect_up,
            };
            targets(&mut sections, target, confdir, vservers, &ctx);
        }
        (c, v) => {
            for e in [c.err(), v.err()].into_iter().flatten() {
                host.push(bad("configuration roots".into(), e));
            }
        }
    }
    sections.insert(0, ("host".into(), host));
    let text = render(&sections);
    if let Err(f) = crate::report::fail::stdout_or_fail(zone::PREFIX, &text) {
        return crate::report::fail::report(&f);
    }
    let failed = sections
        .iter()
        .flat_map(|s| &s.1)
        .any(|c| c.level == Level::Fail);
    if failed { Status::Failed } else { Status::Ok }.code()
}

/// A WARN for the processes whose network namespace this command may not read: whether
/// they are in a zone cannot be told (`down` refuses such a zone).
fn unseen_check(survey: &Survey) -> Option<Check> {
    let unseen = survey.procs().unseen_pids();
    (!unseen.is_empty()).then(|| {
        warn(
            format!(
                "this command may not read the network namespace of pids {} (a security module's policy or a missing CAP_SYS_PTRACE denies it): a zone's processes and running guests may miss them, and down refuses a zone while they are there",
                crate::zone::base::some_pids(&unseen)
            ),
            "run it unconfined, as the host's root".into(),
        )
    })
}

/// The namespaces in the run dir that carry the mark of a zone that is not configured (its
/// directory removed while it was up) and are the one `up` recorded for it in this state dir
/// (another zones root's, with a state dir of its own, is not this one's to name): `up` made
/// them, and nothing else will take them down.
fn orphans(zones: &[OsString], confdir: &Path, ctx: &Ctx) -> Vec<Check> {
    let Ok(run_dir) = zone::run_dir(ctx.roots) else {
        return Vec::new();
    };
    let Ok(records) = crate::zone::cookie::Records::of(ctx.roots) else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir(&run_dir) else {
        return Vec::new();
    };
    let mut names: Vec<OsString> = entries.flatten().map(|e| e.file_name()).collect();
    names.sort();
    let mut checks = Vec::new();
    for name in names {
        if zones.contains(&name) || crate::zone::config::check_zone_name(&name).is_err() {
            continue;
        }
        let entry = run_dir.join(&name);
        // Only under the zone's own name (an entry attached by hand under another is not up's
        // making); the zone's record, of this state dir, names this very namespace.
        let Some((z, Some(cookie))) = state::marked_for(&entry) else {
            continue;
        };
        if name.as_encoded_bytes() != z.as_bytes()
            || records.read(&z).ok().flatten() != Some(cookie)
        {
            continue;
        }
        let (what, fix) = state::orphan(&z, &confdir.join(&z), &entry);
        checks.push(bad(format!("namespace {}: {what}", escape(&name)), fix));
    }
    checks
}

/// The subject a check's text starts with (`zone NAME`, `guest NAME`, `namespace NAME`) and
/// the rest.
fn subject(what: &str) -> Option<(&str, &str)> {
    ["zone ", "guest ", "namespace "]
        .iter()
        .find(|p| what.starts_with(**p))
        .and_then(|_| what.split_once(": "))
}

/// A subject (None: the section's own) and its checks, each with the text shown.
type Group<'a> = (Option<&'a str>, Vec<(&'a Check, &'a str)>);

/// The findings as printed: each section's title, its own checks (the subject the title
/// names left out), then the checks of every other subject under its own heading, each fix
/// on an indented line of its own; then the summary.
pub fn render(sections: &[Section]) -> String {
    let mut out = String::new();
    let (mut n_ok, mut n_warn, mut n_fail) = (0, 0, 0);
    for (title, checks) in sections {
        if checks.is_empty() {
            continue;
        }
        out.push_str(&format!("{title}:\n"));
        // Stable: the title's own checks first, then each other subject where it first came.
        let mut groups: Vec<Group> = vec![(None, Vec::new())];
        for c in checks {
            let (subj, what) = match subject(&c.what) {
                Some((s, rest)) if s != title => (Some(s), rest),
                Some((_, rest)) => (None, rest),
                None => (None, c.what.as_str()),
            };
            match groups.iter_mut().find(|g| g.0 == subj) {
                Some(g) => g.1.push((c, what)),
                None => groups.push((subj, vec![(c, what)])),
            }
        }
        for (subj, items) in groups {
            let indent = match subj {
                Some(s) => {
                    out.push_str(&format!("  {s}:\n"));
                    "    "
                }
                None => "  ",
            };
            for (c, what) in items {
                let word = match c.level {
                    Level::Ok => {
                        n_ok += 1;
                        "ok"
                    }
                    Level::Warn => {
                        n_warn += 1;
                        "WARN"
                    }
                    Level::Fail => {
                        n_fail += 1;
                        "FAIL"
                    }
                };
                out.push_str(&format!("{indent}{word} {what}\n"));
                if !c.fix.is_empty() {
                    out.push_str(&format!("{indent}    fix: {}\n", c.fix));
                }
            }
        }
    }
    out.push_str(&format!(
        "summary: {n_ok} ok, {n_warn} WARN, {n_fail} FAIL\n"
    ));
    out
}

fn targets(
    sections: &mut Vec<Section>,
    target: Option<&OsStr>,
    confdir: &Path,
    vservers: &Path,
    ctx: &Ctx,
) {
    let named = |t: &OsStr| netns::check_name(t).is_ok();
    let mut checks = Vec::new();
    let title = match target {
        None => return everything(sections, confdir, vservers, ctx),
        Some(t) if named(t) && vservers.join(t).is_dir() => {
            (ctx.guest)(&mut checks, t, vservers, true, ctx);
            format!("guest {}", escape(t))
        }
        Some(t)
            if named(t)
                && (confdir.join(t).exists()
                    || zone::run_dir(ctx.roots).is_ok_and(|d| d.join(t).exists())) =>
        {
            zone_checks(&mut checks, t, vservers, ctx);
            format!("zone {}", escape(t))
        }
        Some(t) => {
            checks.push(bad(
                format!("'{}'", escape(t)),
                format!(
                    "neither a guest in {} nor a zone in {}",
                    show(vservers),
                    show(confdir)
                ),
            ));
            "target".into()
        }
    };
    sections.push((title, checks));
}

/// Every zone, then every guest that is no zone's member.
fn everything(sections: &mut Vec<Section>, confdir: &Path, vservers: &Path, ctx: &Ctx) {
    let zones = crate::zone::all::zones(ctx.roots).unwrap_or_default();
    if zones.is_empty() {
        sections.push((
            "zones".into(),
            vec![bad(
                format!("zones in {}", show(confdir)),
                "none configured; create a zone directory (see vspace-netns-zones(5))".into(),
            )],
        ));
    }
    let mut members: Vec<OsString> = Vec::new();
    for z in &zones {
        let mut checks = Vec::new();
        zone_checks(&mut checks, z, vservers, ctx);
        if let Some(name) = z.to_str() {
            members.extend(member_names(vservers, name, ctx));
        }
        sections.push((format!("zone {}", escape(z)), checks));
    }
    let orphans = orphans(&zones, confdir, ctx);
    if !orphans.is_empty() {
        sections.push(("namespaces".into(), orphans));
    }
    // Zone ids give MACs: every zone against every other.
    let clashes = match &ctx.survey {
        Some(s) => s.clashes.clone(),
        None => crate::zone::facts::mac_clashes(ctx.roots),
    };
    let clashes: Vec<Check> = clashes
        .into_iter()
        .map(|clash| {
            bad(
                clash,
                "give each zone its own id (zone ids must be unique per VLAN, across hosts too)"
                    .into(),
            )
        })
        .collect();
    sections.push(("zones".into(), clashes));
    let all = match &ctx.survey {
        Some(s) => s.guests.clone(),
        None => ctx.parts.names(vservers).unwrap_or_default(),
    };
    for g in all {
        if !members.contains(&g) {
            let mut checks = Vec::new();
            (ctx.guest)(&mut checks, &g, vservers, false, ctx);
            sections.push((format!("guest {}", escape(&g)), checks));
        }
    }
}

/// The addresses the interfaces of `zone`'s member guests put inside it (`None`: the guests
/// or one's interfaces cannot be read).
pub(crate) fn guest_addresses(zone: &str, ctx: &Ctx) -> Option<Vec<GuestAddr>> {
    let vservers = ctx.roots.vservers().ok()?;
    match &ctx.survey {
        Some(s) => {
            let names: Vec<OsString> = s.members(zone).iter().map(|g| g.name.clone()).collect();
            ctx.parts.addresses_of(vservers, &names)
        }
        None => ctx.parts.member_addresses(vservers, zone),
    }
}

/// The member guests of `zone`, from the survey when there is one.
fn member_names(vservers: &Path, zone: &str, ctx: &Ctx) -> Vec<OsString> {
    match &ctx.survey {
        Some(s) => s.members(zone).iter().map(|g| g.name.clone()).collect(),
        None => ctx
            .parts
            .members(vservers, zone)
            .unwrap_or_default()
            .into_iter()
            .map(|m| m.guest)
            .collect(),
    }
}

fn host_checks(roots: &Roots, checks: &mut Vec<Check>) {
    checks.push(match crate::netns::realtool::locate(&REAL_VSPACE, roots) {
        Ok(p) => ok(format!("real vspace: {}", show(&p))),
        Err(e) => bad("real vspace".into(), e.message(&REAL_VSPACE)),
    });
    checks.push(wrapper_check(roots));
    checks.push(match hostside::vprocunhide_issue(roots) {
        Some(i) => bad(i.what, i.fix),
        None => ok(format!(
            "vprocunhide: {}",
            roots.vprocunhide().map(show).unwrap_or_default()
        )),
    });
    match hostns::pid1_mount_ns() {
        Pid1Mnt::Same(id) => checks.push(ok(format!(
            "PID 1's mount namespace (mnt:[{}]) is this process's: up, down and hook work in the host's view",
            id.ino
        ))),
        Pid1Mnt::Other { id, .. } => checks.push(ok(format!(
            "PID 1's mount namespace (mnt:[{}]) can be opened: up, down and hook enter it, the host's view",
            id.ino
        ))),
        Pid1Mnt::Unreadable(_) => {}
    }
    match crate::netns::host::host_net() {
        Ok(crate::netns::host::HostNet::OwnOnly) => {}
        Ok(_) => checks.push(ok(
            "PID 1's network namespace can be opened: the host side of every zone (veth host ends, VLAN and macvlan parents) is made there".into(),
        )),
        Err(e) => checks.push(bad("PID 1's network namespace".into(), e)),
    }
    if let Pid1Mnt::Unreadable(e) = hostns::pid1_mount_ns() {
        checks.push(warn(
            format!(
                "PID 1's mount namespace cannot be opened ({}: {})",
                hostns::PID1_MNT,
                e.desc()
            ),
            "up, down and hook then work in their own mount namespace, and a stale entry cannot be checked against the host's view (up and down refuse to remove it); run them on the host, not under a sandbox or systemd PrivateMounts=".into(),
        ));
    }
}

fn wrapper_check(roots: &Roots) -> Check {
    match roots.sbin_vspace() {
        Err(e) => bad("vspace wrapper".into(), e),
        Ok(p) => match exec::is_self(p) {
            Ok(true) => ok(format!("{} is this wrapper", show(p))),
            Ok(false) => bad(
                format!("{} is not this wrapper", show(p)),
                format!(
                    "util-vserver calls it by that path, so its shared-net calls miss the named namespaces; move the original aside and link this one there (dpkg-divert --local --rename --add {p}; ln -s vspace-netns {p}; see /usr/share/doc/vspace-netns/README.util-vserver)",
                    p = show(p)
                ),
            ),
            Err(e) => bad(
                format!("{} is missing", show(p)),
                format!(
                    "{}; install util-vserver, then this wrapper in its place",
                    exec::io_reason(&e)
                ),
            ),
        },
    }
}

fn zone_checks(checks: &mut Vec<Check>, ns: &OsStr, vservers: &Path, ctx: &Ctx) {
    let Ok(name) = config::check_zone_name(ns) else {
        checks.push(bad(
            format!("zone '{}'", escape(ns)),
            "not a valid zone name".into(),
        ));
        return;
    };
    let name = name.to_string();
    zone_state_checks(checks, &name, ctx);
    let members = match &ctx.survey {
        Some(_) => Ok(member_names(vservers, &name, ctx)),
        None => ctx
            .parts
            .members(vservers, &name)
            .map(|m| m.into_iter().map(|m| m.guest).collect()),
    };
    match members {
        Ok(members) => {
            for m in members {
                (ctx.guest)(checks, &m, vservers, false, ctx);
            }
        }
        Err(e) => checks.push(bad(
            format!("guests in {}", show(vservers)),
            format!("cannot read: {}", exec::io_reason(&e)),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_are_grouped_by_subject_with_the_fix_on_its_own_line() {
        let sections = vec![
            (
                "host".to_string(),
                vec![
                    ok("real vspace: /v".into()),
                    warn("w".into(), "do w".into()),
                ],
            ),
            (
                "zone dmz".to_string(),
                vec![
                    ok("zone dmz: configuration is valid".into()),
                    bad("guest web: lacks x".into(), "add x".into()),
                    bad(
                        "zone dmz: lo is down inside".into(),
                        "vspace-netns up dmz".into(),
                    ),
                ],
            ),
            ("zones".to_string(), vec![]),
        ];
        assert_eq!(
            render(&sections),
            "host:\n  ok real vspace: /v\n  WARN w\n      fix: do w\n\
             zone dmz:\n  ok configuration is valid\n  FAIL lo is down inside\n      fix: vspace-netns up dmz\n\
             \x20 guest web:\n    FAIL lacks x\n        fix: add x\n\
             summary: 2 ok, 1 WARN, 2 FAIL\n"
        );
    }

    #[test]
    fn levels_print_as_their_words() {
        assert_eq!(ok("a".into()).to_string(), "ok a");
        assert_eq!(bad("a".into(), "b".into()).to_string(), "FAIL a: b");
        assert_eq!(warn("a".into(), "b".into()).to_string(), "WARN a: b");
    }
}
