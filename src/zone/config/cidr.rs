//! An address with its prefix length (`address` files, route destinations): parsing, the
//! canonical network, containment. Pure.

use std::fmt;
use std::net::IpAddr;

use crate::zone::mac;

/// An address with its prefix length, compared in canonical form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cidr {
    pub addr: IpAddr,
    pub prefix: u8,
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

impl std::str::FromStr for Cidr {
    type Err = String;

    fn from_str(s: &str) -> Result<Cidr, String> {
        let bad = || format!("'{s}' is not ADDRESS/PREFIX (e.g. 192.0.2.10/24 or fd00::10/64)");
        let (a, p) = s.split_once('/').ok_or_else(bad)?;
        let addr: IpAddr = a.parse().map_err(|_| bad())?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = mac::parse_number("prefix length", p, max).map_err(|_| bad())? as u8;
        Ok(Cidr { addr, prefix })
    }
}

impl Cidr {
    /// The network of this address (host bits cleared).
    pub fn network(&self) -> Cidr {
        let addr = match self.addr {
            IpAddr::V4(a) => {
                let m = u32::MAX.checked_shl(32 - self.prefix as u32).unwrap_or(0);
                IpAddr::V4((u32::from(a) & m).into())
            }
            IpAddr::V6(a) => {
                let m = u128::MAX.checked_shl(128 - self.prefix as u32).unwrap_or(0);
                IpAddr::V6((u128::from(a) & m).into())
            }
        };
        Cidr {
            addr,
            prefix: self.prefix,
        }
    }

    /// Whether `ip` lies in this address's subnet.
    pub fn contains(&self, ip: IpAddr) -> bool {
        ip.is_ipv6() == self.addr.is_ipv6()
            && Cidr {
                addr: ip,
                prefix: self.prefix,
            }
            .network()
                == self.network()
    }
}
