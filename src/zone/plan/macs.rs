//! Every MAC the zones' configurations give, with who gives it, and the clashes between zones.
//! Pure.

use std::collections::BTreeMap;

use crate::zone::config::Zone;
use crate::zone::mac::Mac;

/// Each MAC with its users: (zone, who).
pub type MacUsers = BTreeMap<Mac, Vec<(String, String)>>;

/// Every MAC the zones' configurations give, with who gives it (`link X of zone Z`, `host end
/// X of link Y of zone Z`); and the clashes between different zones, as messages.
pub fn zone_macs(zones: &[Zone]) -> (MacUsers, Vec<String>) {
    let mut by_mac: BTreeMap<Mac, Vec<(String, String)>> = BTreeMap::new();
    for z in zones {
        for l in &z.links {
            if let Some(m) = l.mac {
                by_mac.entry(m).or_default().push((
                    z.netns.clone(),
                    format!("link {} of zone {}", l.name, z.netns),
                ));
            }
            if let Some((p, m)) = l.kind.peer() {
                by_mac.entry(m).or_default().push((
                    z.netns.clone(),
                    format!("host end {p} of link {} of zone {}", l.name, z.netns),
                ));
            }
        }
    }
    let clashes = by_mac
        .iter()
        .filter(|(_, users)| users.iter().any(|u| u.0 != users[0].0))
        .map(|(m, users)| {
            format!(
                "MAC {m} is given to {}",
                users
                    .iter()
                    .map(|u| u.1.as_str())
                    .collect::<Vec<_>>()
                    .join(" and ")
            )
        })
        .collect();
    (by_mac, clashes)
}
