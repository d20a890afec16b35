//! One address of a guest's util-vserver `interfaces/` as `ip addr add` gets it ([`GuestAddr`]):
//! a step's operand, its printed words, its IFA_BROADCAST. Pure. Defined beside the steps (the
//! guests' interfaces planner, `vserver::ifaces`, makes them) so that the planner's steps depend
//! on nothing above them.

use std::net::{IpAddr, Ipv4Addr};

use crate::zone::config::Cidr;

/// IPv4's `broadcast` word: `+` (host bits set), `-` (cleared) or an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bcast {
    Plus,
    Minus,
    Addr(Ipv4Addr),
}

/// One address as `ip addr add` gets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestAddr {
    pub dev: String,
    pub local: IpAddr,
    /// The prefix length the kernel records (the peer's when there is a peer).
    pub prefix: u8,
    pub peer: Option<IpAddr>,
    pub broadcast: Option<Bcast>,
    /// `DEV:NAME`.
    pub label: Option<String>,
    /// The words as util-vserver passes them: `IP[/PREFIX]` and the peer as written.
    pub local_word: String,
    pub peer_word: Option<String>,
}

impl GuestAddr {
    /// The address as the kernel lists it.
    pub fn cidr(&self) -> Cidr {
        Cidr {
            addr: self.local,
            prefix: self.prefix,
        }
    }

    /// The words after `ip addr add` (`add`) or `ip addr del`, in util-vserver's order (a
    /// delete has no broadcast).
    pub fn words(&self, add: bool) -> Vec<String> {
        let mut w = vec![self.local_word.clone()];
        match self.broadcast.filter(|_| add) {
            Some(Bcast::Plus) => w.extend(["broadcast".into(), "+".into()]),
            Some(Bcast::Minus) => w.extend(["broadcast".into(), "-".into()]),
            Some(Bcast::Addr(a)) => w.extend(["broadcast".into(), a.to_string()]),
            None => {}
        }
        if let Some(l) = &self.label {
            w.extend(["label".into(), l.clone()]);
        }
        w.extend(["dev".into(), self.dev.clone()]);
        if let Some(p) = &self.peer_word {
            w.extend(["peer".into(), p.clone()]);
        }
        w
    }

    /// The IFA_BROADCAST `ip` computes (from the peer, else the local address, up to /30).
    pub fn broadcast_addr(&self) -> Option<Ipv4Addr> {
        let base = match self.peer.unwrap_or(self.local) {
            IpAddr::V4(a) => u32::from(a),
            IpAddr::V6(_) => return None,
        };
        let host = u32::MAX.checked_shr(self.prefix as u32).unwrap_or(0);
        match self.broadcast? {
            Bcast::Addr(a) => Some(a),
            _ if self.prefix > 30 => None,
            Bcast::Plus => Some((base | host).into()),
            Bcast::Minus => Some((base & !host).into()),
        }
    }
}
