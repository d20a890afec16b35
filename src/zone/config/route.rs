//! A zone's `routes` file (`ip route` syntax, one route a line). Pure. Invariants: every gateway
//! is on one of the zone's subnets (or link-local with `dev`); `dev` names one of the zone's
//! links; no two routes share the kernel's key (destination, metric, table).

use std::fmt;
use std::net::IpAddr;
use std::path::Path;

use crate::zone::mac;

use super::cidr::Cidr;
use super::link::Link;
use super::{ConfigError, cerr, content_lines};

/// One route of a zone, `ip route` style: `DEST [via GW] [dev IF] [metric N] [table T]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The destination; prefix 0 is `default`.
    pub dst: Cidr,
    pub via: Option<IpAddr>,
    pub dev: Option<String>,
    pub metric: Option<u32>,
    pub table: Option<u32>,
}

/// The main routing table (RT_TABLE_MAIN).
pub const MAIN_TABLE: u32 = 254;

impl Route {
    pub fn is_v6(&self) -> bool {
        self.dst.addr.is_ipv6()
    }

    /// The metric the kernel records: the one given, else 0 for IPv4 and 1024 for IPv6, where
    /// a metric of 0 means none too (the kernel stores `metric 0` as 1024).
    pub fn effective_metric(&self) -> u32 {
        match (self.metric, self.is_v6()) {
            (None | Some(0), true) => 1024,
            (Some(m), _) => m,
            (None, false) => 0,
        }
    }

    pub fn effective_table(&self) -> u32 {
        self.table.unwrap_or(MAIN_TABLE)
    }

    /// The words after `ip route add`.
    pub fn words(&self) -> Vec<String> {
        let mut w = vec![if self.dst.prefix == 0 {
            "default".to_string()
        } else {
            self.dst.to_string()
        }];
        if let Some(v) = self.via {
            w.extend(["via".into(), v.to_string()]);
        }
        if let Some(d) = &self.dev {
            w.extend(["dev".into(), d.clone()]);
        }
        if let Some(m) = self.metric {
            w.extend(["metric".into(), m.to_string()]);
        }
        if let Some(t) = self.table {
            w.extend(["table".into(), t.to_string()]);
        }
        w
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.words().join(" "))
    }
}

const ROUTE_FIX: &str = "write one route a line as 'DEST [via GATEWAY] [dev IF] [metric N] [table N]', DEST a CIDR or 'default' (e.g. 'default via 192.0.2.1')";

/// Parses `routes` (`ip route` syntax, one a line). A gateway must lie in a subnet of one of
/// the zone's addresses, unless it is IPv6 link-local and `dev` names the link; `dev` must be
/// one of the zone's links.
pub fn parse_routes(path: &Path, bytes: &[u8], links: &[Link]) -> Result<Vec<Route>, ConfigError> {
    let mut out: Vec<Route> = Vec::new();
    for (n, line) in content_lines(path, bytes, ROUTE_FIX)? {
        let bad = |what: String| cerr(path, format!("line {n} '{line}': {what}"), ROUTE_FIX);
        let route = parse_route(line, links, &bad)?;
        if out.iter().any(|r| r.same_key(&route)) {
            return Err(bad(
                "another line has the same destination, metric and table".into(),
            ));
        }
        out.push(route);
    }
    Ok(out)
}

/// How a `routes` line's problem becomes the error naming the file and the line.
type Bad<'a> = &'a dyn Fn(String) -> ConfigError;

/// One `routes` line: `DEST [via GW] [dev IF] [metric N] [table T]`, each option at most once.
fn parse_route(line: &str, links: &[Link], bad: Bad) -> Result<Route, ConfigError> {
    let mut words = line.split_whitespace();
    let dest = words.next().expect("a non-empty line has a word");
    let (mut via, mut dev, mut metric, mut table) = (None, None, None, None);
    while let Some(w) = words.next() {
        let Some(v) = words.next() else {
            return Err(bad(format!("'{w}' needs a value")));
        };
        match w {
            "via" if via.is_none() => {
                via = Some(
                    v.parse::<IpAddr>()
                        .map_err(|_| bad(format!("'{v}' is not an IP address")))?,
                )
            }
            "dev" if dev.is_none() => {
                if !links.iter().any(|l| l.name == v) {
                    return Err(bad(format!("'{v}' is not one of the zone's links")));
                }
                dev = Some(v.to_string());
            }
            "metric" | "preference" | "priority" if metric.is_none() => {
                metric =
                    Some(mac::parse_number("metric", v, u32::MAX).map_err(|e| bad(e.to_string()))?)
            }
            "table" if table.is_none() => {
                table = Some(match v {
                    "main" => MAIN_TABLE,
                    _ => match mac::parse_number("table", v, u32::MAX) {
                        Ok(t) if t != 0 && t != 255 => t,
                        _ => {
                            return Err(bad(format!(
                                "table '{v}' is not 'main' or a number in 1-4294967295 other than 255 (local)"
                            )));
                        }
                    },
                })
            }
            _ => return Err(bad(format!("'{w}' is not understood here"))),
        }
    }
    let dst = route_dst(dest, via, bad)?;
    if via.is_none() && dev.is_none() {
        return Err(bad("a route needs 'via GATEWAY' or 'dev IF'".into()));
    }
    if let Some(g) = via {
        check_gateway(g, dst, dev.as_deref(), links, bad)?;
    }
    Ok(Route {
        dst,
        via,
        dev,
        metric,
        table,
    })
}

/// The destination: `default` (of the gateway's IP version) or a network without host bits.
fn route_dst(dest: &str, via: Option<IpAddr>, bad: Bad) -> Result<Cidr, ConfigError> {
    Ok(if dest == "default" {
        let v6 = match via {
            Some(g) => g.is_ipv6(),
            None => return Err(bad("'default' needs 'via GATEWAY'".into())),
        };
        Cidr {
            addr: if v6 {
                IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED)
            } else {
                IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED)
            },
            prefix: 0,
        }
    } else {
        let c: Cidr = dest.parse().map_err(bad)?;
        if c.network() != c {
            return Err(bad(format!(
                "'{dest}' has host bits set; write the network, {}",
                c.network()
            )));
        }
        c
    })
}

/// A gateway of the destination's IP version, in a subnet of the zone's addresses (of `dev`'s
/// when given), or link-local with `dev`.
fn check_gateway(
    g: IpAddr,
    dst: Cidr,
    dev: Option<&str>,
    links: &[Link],
    bad: Bad,
) -> Result<(), ConfigError> {
    if g.is_ipv6() != dst.addr.is_ipv6() {
        return Err(bad(
            "the gateway and the destination are of different IP versions".into(),
        ));
    }
    let link_local = matches!(g, IpAddr::V6(a) if a.segments()[0] & 0xffc0 == 0xfe80);
    let on_link = links
        .iter()
        .filter(|l| dev.as_ref().is_none_or(|d| *d == l.name))
        .flat_map(|l| &l.addresses)
        .any(|a| a.contains(g));
    if !(on_link || link_local && dev.is_some()) {
        let mut e = bad(format!(
            "the gateway {g} is in no subnet of the zone's addresses"
        ));
        e.fix = if link_local {
            "a link-local gateway needs 'dev IF' (the link it is reached on)".into()
        } else {
            "use a gateway inside the subnet of an address of the zone's links (their address files), or add an address in the gateway's subnet to the link it is reached on".into()
        };
        return Err(e);
    }
    Ok(())
}

impl Route {
    /// Whether two routes have the same kernel key (destination, metric, table): the kernel
    /// holds one of them.
    pub fn same_key(&self, other: &Route) -> bool {
        self.dst == other.dst
            && self.effective_metric() == other.effective_metric()
            && self.effective_table() == other.effective_table()
    }
}
