//! `vspace-netns show ZONE [--json]`: a zone's effective configuration in one view, as `up`
//! would make it: its id, each link (kind, parent or host end, MAC and whether it is derived or
//! explicit, MTU, addresses), its routes and sysctls, and the guests whose `spaces/net` names it.
//! Reads the configuration and the guests' files only (never the namespace: `status` shows
//! what is live); [`render`] is pure.
//!
//! Exit status: 0 shown, 1 when the zone's configuration is invalid or cannot be read (the
//! message is `up`'s), 2 usage.

use std::ffi::OsStr;

use serde::Serialize;

use crate::netns::Roots;
use crate::report::Status;
use crate::report::fail::Fail;
use crate::report::quote::escape;
use crate::zone::base::PREFIX;
use crate::zone::config::{self};
use crate::zone::guests::GuestParts;

/// One link as configured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Link {
    pub name: String,
    /// `vlan`, `macvlan` or `veth`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The parent device on the host (vlan, macvlan).
    pub parent: Option<String>,
    /// The 802.1Q id (vlan).
    pub vlan: Option<u16>,
    /// The macvlan or ipvlan mode.
    pub mode: Option<String>,
    /// The link's own MAC; none for a kind that has its parent's (ipvlan).
    pub mac: Option<String>,
    /// `derived` (02:VV:VV:CC:CC:II), `explicit` (the link's `mac` file) or `parent` (none
    /// of its own).
    pub mac_source: &'static str,
    /// A veth's host end and its MAC.
    pub peer: Option<String>,
    pub peer_mac: Option<String>,
    pub mtu: Option<u32>,
    pub addresses: Vec<String>,
}

/// A guest that names the zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Guest {
    pub name: String,
    /// `spaces/net` ends its line (util-vserver reads a line without its newline as empty:
    /// such a guest gets a private namespace, not the zone; `doctor` says how to fix it).
    pub complete_line: bool,
}

/// The whole view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Shown {
    pub name: String,
    pub dir: String,
    pub id: Option<u16>,
    pub links: Vec<Link>,
    pub routes: Vec<String>,
    pub sysctls: Vec<(String, String)>,
    pub guests: Vec<Guest>,
}

/// Gathers the view of `netns` (configuration, and the guests that name it as `parts` says).
pub fn gather(roots: &Roots, parts: &dyn GuestParts, netns: &OsStr) -> Result<Shown, Fail> {
    let fail = |m: String| Fail::new(PREFIX, Status::Failed, m);
    config::check_zone_name(netns).map_err(|e| fail(format!("bad zone name {e}")))?;
    let confdir = roots.zones().map_err(fail)?;
    let raw = config::read_raw(confdir, netns).map_err(|e| fail(e.to_string()))?;
    let zone = config::parse_zone(netns, &raw).map_err(|e| fail(e.to_string()))?;
    // Validated by parse_zone: a number 0-65535 on its first line.
    let id = raw
        .top
        .get(OsStr::new("id"))
        .and_then(|c| c.as_deref())
        .and_then(|b| String::from_utf8_lossy(b).trim().parse().ok());
    let links = zone
        .links
        .iter()
        .map(|l| {
            let explicit = raw
                .links
                .get(OsStr::new(&l.name))
                .is_some_and(|files| files.contains_key(OsStr::new("mac")));
            let (vlan, mode) = (l.kind.vlan_id(), l.kind.mode().map(str::to_owned));
            Link {
                name: l.name.clone(),
                kind: l.kind.type_name().to_owned(),
                parent: l.kind.parent().map(str::to_owned),
                vlan,
                mode,
                mac: l.mac.map(|m| m.to_string()),
                mac_source: match (l.mac, explicit) {
                    (None, _) => "parent",
                    (Some(_), true) => "explicit",
                    (Some(_), false) => "derived",
                },
                peer: l.kind.peer().map(|(p, _)| p.to_owned()),
                peer_mac: l.kind.peer().map(|(_, m)| m.to_string()),
                mtu: l.mtu,
                addresses: l.addresses.iter().map(ToString::to_string).collect(),
            }
        })
        .collect();
    let vservers = roots.vservers().map_err(fail)?;
    let guests = parts
        .members(vservers, &zone.netns)
        .map_err(|e| {
            fail(format!(
                "cannot read the guests under {}: {}",
                escape(vservers.as_os_str()),
                crate::sys::exec::io_reason(&e)
            ))
        })?
        .into_iter()
        .map(|m| Guest {
            name: escape(&m.guest),
            complete_line: m.newline,
        })
        .collect();
    Ok(Shown {
        name: zone.netns.clone(),
        dir: escape(raw.dir.as_os_str()),
        id,
        links,
        routes: zone.routes.iter().map(ToString::to_string).collect(),
        // `-KEY` (optional) keeps its dash, as written in the zone's sysctl file.
        sysctls: zone
            .sysctls
            .iter()
            .map(|c| {
                let dash = if c.optional { "-" } else { "" };
                (format!("{dash}{}", c.key), c.value.clone())
            })
            .collect(),
        guests,
    })
}

/// The view in words: a head line, then one indented line per item.
pub fn render(s: &Shown) -> String {
    let mut out = format!("zone {} ({})\n", s.name, s.dir);
    match s.id {
        Some(id) => out.push_str(&format!("    id {id}\n")),
        None => out.push_str("    id none (no id file: every link needs an explicit mac)\n"),
    }
    if s.links.is_empty() {
        out.push_str("    links: none (only lo)\n");
    }
    for l in &s.links {
        let mut line = format!("    link {}: {}", l.name, l.kind);
        if let Some(v) = l.vlan {
            line.push_str(&format!(" {v}"));
        }
        if let Some(p) = &l.parent {
            line.push_str(&format!(" on {p}"));
        }
        if let Some(m) = &l.mode {
            line.push_str(&format!(" mode {m}"));
        }
        if let (Some(p), Some(m)) = (&l.peer, &l.peer_mac) {
            line.push_str(&format!(", host end {p} {m}"));
        }
        match &l.mac {
            Some(m) => line.push_str(&format!(", mac {m} ({})", l.mac_source)),
            None => line.push_str(", its parent's mac"),
        }
        if let Some(m) = l.mtu {
            line.push_str(&format!(", mtu {m}"));
        }
        for a in &l.addresses {
            line.push_str(&format!(", {a}"));
        }
        out.push_str(&line);
        out.push('\n');
    }
    for r in &s.routes {
        out.push_str(&format!("    route {r}\n"));
    }
    for (k, v) in &s.sysctls {
        out.push_str(&format!("    sysctl {k} = {v}\n"));
    }
    if s.guests.is_empty() {
        out.push_str("    guests: none name this zone in spaces/net\n");
    }
    for g in &s.guests {
        let note = if g.complete_line {
            ""
        } else {
            " (spaces/net lacks its newline: util-vserver ignores it; see doctor)"
        };
        out.push_str(&format!("    guest {}{note}\n", g.name));
    }
    out
}

/// `vspace-netns show ZONE [--json]`.
pub fn run(roots: &Roots, parts: &dyn GuestParts, netns: &OsStr, json: bool) -> Result<u8, Fail> {
    let shown = gather(roots, parts, netns)?;
    let text = if json {
        let mut t = serde_json::to_string_pretty(&shown)
            .map_err(|e| Fail::new(PREFIX, Status::Failed, format!("show: {e}")))?;
        t.push('\n');
        t
    } else {
        render(&shown)
    };
    crate::report::fail::stdout_or_fail(PREFIX, &text)?;
    Ok(Status::Ok.code())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_view_renders_in_words() {
        let s = Shown {
            name: "dmz".into(),
            dir: "/etc/vspace-netns/dmz".into(),
            id: Some(12),
            links: vec![Link {
                name: "eth0".into(),
                kind: "vlan".into(),
                parent: Some("eth1".into()),
                vlan: Some(20),
                mode: None,
                mac: Some("02:00:14:00:0c:00".into()),
                mac_source: "derived",
                peer: None,
                peer_mac: None,
                mtu: Some(1500),
                addresses: vec!["192.0.2.10/24".into()],
            }],
            routes: vec!["default via 192.0.2.1".into()],
            sysctls: vec![("net.ipv4.ip_forward".into(), "1".into())],
            guests: vec![
                Guest {
                    name: "web".into(),
                    complete_line: true,
                },
                Guest {
                    name: "mail".into(),
                    complete_line: false,
                },
            ],
        };
        assert_eq!(
            render(&s),
            "zone dmz (/etc/vspace-netns/dmz)\n    id 12\n    link eth0: vlan 20 on eth1, mac 02:00:14:00:0c:00 (derived), mtu 1500, 192.0.2.10/24\n    route default via 192.0.2.1\n    sysctl net.ipv4.ip_forward = 1\n    guest web\n    guest mail (spaces/net lacks its newline: util-vserver ignores it; see doctor)\n"
        );
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["links"][0]["type"], "vlan");
        assert_eq!(json["links"][0]["mac_source"], "derived");
        assert_eq!(json["guests"][1]["complete_line"], false);
    }
}
