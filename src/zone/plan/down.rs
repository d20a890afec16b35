//! Planning `down`: the zone's links inside (a veth's host end goes with it), the links inside
//! that the configuration does not name (`left::unconfigured`), its marked host ends, then the
//! entry. Pure.
//! Invariant: only what carries the zone's mark is deleted, unless forced.

use crate::netns::Entry;
use crate::zone::config::Zone;

use super::facts::{Facts, LinkState};
use super::left::unconfigured;
use super::step::Step;
use super::{PlanError, mark, temp_name};

/// The deletions of the zone's veth host ends on the host that carry its mark, last made first.
fn marked_host_ends(zone: &Zone, facts: &Facts, marked: &impl Fn(&LinkState) -> bool) -> Vec<Step> {
    zone.links
        .iter()
        .rev()
        .filter_map(|l| l.kind.peer())
        .filter(|(p, _)| facts.host.get(*p).is_some_and(marked))
        .map(|(p, _)| Step::DelLink {
            ns: None,
            dev: p.to_string(),
        })
        .collect()
}

/// The links inside a live namespace that `down` deletes: the configured links (last made,
/// first deleted), then any other link but lo (deleting the namespace would delete them all,
/// so each must carry the mark too); those without this zone's mark go to `unmarked` instead,
/// unless `force`.
fn inside_links(zone: &Zone, facts: &Facts, force: bool, unmarked: &mut Vec<String>) -> Vec<Step> {
    let ns = &zone.netns;
    let want = mark(ns);
    let marked = |l: &LinkState| l.alias.as_deref() == Some(want.as_str());
    // A configured link's temporary name: a half-made link of this zone's `up`.
    let temps: Vec<String> = zone.links.iter().map(|l| temp_name(ns, &l.name)).collect();
    let mut steps = Vec::new();
    // The ifindexes deleted so far: a link whose veth peer or lower device is one of them is
    // gone with it (deleted again, the step would fail: no such device).
    let mut gone: Vec<u32> = Vec::new();
    let names = zone
        .links
        .iter()
        .rev()
        .map(|l| l.name.as_str())
        .chain(unconfigured(zone, facts));
    // A stale entry's namespace that lives on is not entered through the entry.
    let live = facts.netns == Entry::Netns(());
    for name in names.filter(|_| live) {
        if let Some(l) = facts.inside.get(name) {
            // A guest's VLAN device under its temporary name (a start killed before its mark)
            // goes with the namespace, as a marked one does: deleted explicitly it might be
            // gone already, with its parent, a link of the zone deleted before it.
            if super::is_vlan_temp(ns, name, l) {
                continue;
            }
            let half_made = temps.iter().any(|t| t == name);
            if !marked(l) && !force && !half_made {
                unmarked.push(format!("link {name} in {ns} ({})", alias_shown(&l.alias)));
                continue;
            }
            gone.push(l.index);
            if l.lower.is_some_and(|i| gone.contains(&i)) {
                continue;
            }
            steps.push(Step::DelLink {
                ns: Some(ns.clone()),
                dev: name.to_string(),
            });
        }
    }
    steps
}

/// The steps that take `zone` down: its links inside (a veth's host end goes with it), then
/// the entry. Refused while processes live inside (or may: see `Facts::unseen`), and for links (configured or not) or a
/// namespace that carry no mark of this zone (`up` did not make them), unless `force`.
pub fn plan_down(zone: &Zone, facts: &Facts, force: bool) -> Result<Vec<Step>, PlanError> {
    let ns = &zone.netns;
    if !facts.pids.is_empty() && !force {
        return Err(PlanError::Busy(facts.pids.clone()));
    }
    if !facts.unseen.is_empty() && !force {
        return Err(PlanError::Unseen(facts.unseen.clone()));
    }
    let want = mark(ns);
    let marked = |l: &LinkState| l.alias.as_deref() == Some(want.as_str());
    let mut unmarked = Vec::new();
    let mut steps = inside_links(zone, facts, force, &mut unmarked);
    match &facts.netns {
        // No entry, but host ends that carry the zone's mark: its namespace lives on, in
        // processes (refused above, unless forced) or held by a mount elsewhere or an open
        // file; its host ends go, and the pairs with them (there is no entry to remove).
        // Missing here, and the host's view unknown: the zone may be live there.
        Entry::Missing if facts.pid1_unknown && !force => {
            return Err(PlanError::Conflict(super::missing_pid1_unknown(
                &facts.entry,
            )));
        }
        Entry::Missing => steps.extend(marked_host_ends(zone, facts, &marked)),
        Entry::Netns(()) => {
            let lo = facts.inside.get("lo").cloned().unwrap_or_default();
            // Forced while processes live on in it (or may): the namespace stays theirs, no
            // longer the zone's, and loses the mark, so that no later `up` takes it for the
            // zone's.
            if marked(&lo) && !(facts.pids.is_empty() && facts.unseen.is_empty()) {
                steps.push(Step::SetAlias {
                    ns: Some(ns.clone()),
                    dev: "lo".into(),
                    alias: String::new(),
                });
            }
            if marked(&lo) || force {
                steps.push(Step::DelNetns { ns: ns.clone() });
            } else {
                unmarked.push(format!(
                    "the namespace {} (its lo: {})",
                    facts.entry.to_string_lossy(),
                    alias_shown(&lo.alias)
                ));
            }
        }
        // Stale here, and the host's view unknown: the entry may be live there.
        Entry::Unusable(crate::netns::Unusable::Stale) if facts.pid1_unknown && !force => {
            return Err(PlanError::Conflict(super::stale_pid1_unknown(
                ns,
                &facts.entry,
                "down",
            )));
        }
        // The namespace may live on without its entry (processes in it are refused above):
        // the zone's marked veth host ends still on the host go, and the pairs with them.
        Entry::Unusable(crate::netns::Unusable::Stale) => {
            steps.extend(marked_host_ends(zone, facts, &marked));
            steps.push(Step::DelNetns { ns: ns.clone() })
        }

        Entry::Unusable(u) => {
            if force {
                steps.push(Step::DelNetns { ns: ns.clone() });
            } else {
                unmarked.push(u.describe(&facts.entry));
            }
        }
    }
    if !unmarked.is_empty() {
        return Err(PlanError::Unmarked(unmarked));
    }
    Ok(steps)
}

fn alias_shown(alias: &Option<String>) -> String {
    match alias {
        None => "no alias".into(),
        Some(a) => format!(
            "alias '{}'",
            crate::report::quote::escape(std::ffi::OsStr::new(a))
        ),
    }
}
