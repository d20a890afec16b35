//! The status report in the Prometheus text exposition format (node_exporter's textfile
//! collector): one gauge family per fact, a sample per zone (and state) or per member guest,
//! label values escaped as the format says. Pure.

use super::{Report, STATES, ZoneStatus, health};

/// A label value in the Prometheus text format: backslash, double quote and newline escaped.
pub fn label(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// The report in the Prometheus text exposition format (node_exporter's textfile collector):
/// each family's HELP and TYPE, then its samples.
pub fn prometheus(r: &Report, expect_up: bool) -> String {
    let mut out = String::new();
    for (name, help, samples) in zone_families(r, expect_up)
        .into_iter()
        .chain(member_families(r))
    {
        out.push_str(&format!(
            "# HELP vspace_netns_{name} {help}\n# TYPE vspace_netns_{name} gauge\n"
        ));
        for (labels, value) in samples {
            out.push_str(&format!("vspace_netns_{name}{{{labels}}} {value}\n"));
        }
    }
    out
}

/// One gauge family: its name (after `vspace_netns_`), its HELP, its (labels, value) samples.
type Family = (&'static str, &'static str, Vec<(String, String)>);

/// The zone's label.
fn zl(z: &ZoneStatus) -> String {
    format!("zone=\"{}\"", label(&z.name))
}

/// The families with a sample per zone (and state).
fn zone_families(r: &Report, expect_up: bool) -> Vec<Family> {
    vec![
        (
            "zone_state",
            "The zone's state as found: 1 for its state, 0 for the others.",
            r.zones
                .iter()
                .flat_map(|z| {
                    STATES.iter().map(move |s| {
                        (
                            format!("{},state=\"{}\"", zl(z), s.word()),
                            u8::from(z.state == *s).to_string(),
                        )
                    })
                })
                .collect(),
        ),
        (
            "zone_healthy",
            if expect_up {
                "1 when the zone is up as configured (zones must be up)."
            } else {
                "1 when the zone is up as configured or idle (down with none of its guests running)."
            },
            r.zones
                .iter()
                .map(|z| (zl(z), u8::from(health(z.state, expect_up)).to_string()))
                .collect(),
        ),
        (
            "zone_pids",
            "Processes in the zone's network namespace.",
            r.zones
                .iter()
                .map(|z| (zl(z), z.pids.len().to_string()))
                .collect(),
        ),
        (
            "zone_links",
            "Links of the zone found, inside and veth host ends.",
            r.zones
                .iter()
                .map(|z| (zl(z), z.links.len().to_string()))
                .collect(),
        ),
    ]
}

/// The families with a sample per link and per member guest of each zone.
fn member_families(r: &Report) -> Vec<Family> {
    vec![
        (
            "link_up",
            "1 when the link is administratively up.",
            r.zones
                .iter()
                .flat_map(|z| {
                    z.links.iter().map(move |l| {
                        (
                            format!(
                                "{},link=\"{}\",place=\"{}\"",
                                zl(z),
                                label(&l.name),
                                l.place
                            ),
                            u8::from(l.state == "up").to_string(),
                        )
                    })
                })
                .collect(),
        ),
        (
            "guest_running",
            "1 when the zone's member guest runs (a process of it in the zone, or its run file).",
            r.zones
                .iter()
                .flat_map(|z| {
                    z.guests.iter().map(move |g| {
                        (
                            format!("{},guest=\"{}\"", zl(z), label(&g.name)),
                            u8::from(g.running).to_string(),
                        )
                    })
                })
                .collect(),
        ),
    ]
}
