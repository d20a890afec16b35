//! The id a network namespace has as seen from ours (`ip netns list`'s `(id: N)`): one
//! RTM_GETNSID request through [`Rtnl`], built and read with netlink-packet-route's nsid
//! messages. `request`/`answer` are pure; `Nsids` owns the socket (CLOEXEC) and is
//! side-effecting.
//!
//! The request is iproute2's: RTM_GETNSID, family AF_UNSPEC, NETNSA_FD (the namespace file's
//! fd). The answer is RTM_NEWNSID with NETNSA_NSID, -1 when the kernel assigned none; a refusal
//! (a file that is no namespace) is the kernel's error: callers check entries before.

use std::os::fd::AsRawFd;

use netlink_packet_route::RouteNetlinkMessage;
use netlink_packet_route::nsid::{NsidAttribute, NsidMessage};

use crate::rtnl::{NlError, Rtnl};

/// The RTM_GETNSID request for the namespace open on `fd`.
pub fn request(fd: u32) -> RouteNetlinkMessage {
    let mut msg = NsidMessage::default();
    msg.attributes.push(NsidAttribute::Fd(fd));
    RouteNetlinkMessage::GetNsId(msg)
}

/// The id in the answers to a request: `None` when none is assigned (-1) or none is given.
pub fn answer(answers: &[RouteNetlinkMessage]) -> Option<i32> {
    answers.iter().find_map(|m| match m {
        RouteNetlinkMessage::NewNsId(msg) => msg.attributes.iter().find_map(|a| match a {
            NsidAttribute::Id(id) => Some((*id >= 0).then_some(*id)),
            _ => None,
        }),
        _ => None,
    })?
}

/// A NETLINK_ROUTE socket for id queries in the caller's network namespace.
pub struct Nsids {
    rtnl: Rtnl,
}

impl Nsids {
    pub fn open() -> Result<Nsids, NlError> {
        Ok(Nsids {
            rtnl: Rtnl::open()?,
        })
    }

    /// The id of the namespace open on `ns` (None when it has none); the kernel's refusal as
    /// `Err`.
    pub fn id_of(&mut self, ns: &impl AsRawFd) -> Result<Option<i32>, NlError> {
        let answers = self.rtnl.call(request(ns.as_raw_fd() as u32), 0)?;
        Ok(answer(&answers))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use netlink_packet_core::{NLM_F_REQUEST, NetlinkHeader, NetlinkMessage, NetlinkPayload};

    fn bytes(msg: RouteNetlinkMessage, seq: u32) -> Vec<u8> {
        let mut header = NetlinkHeader::default();
        header.flags = NLM_F_REQUEST;
        header.sequence_number = seq;
        let mut packet = NetlinkMessage::new(header, NetlinkPayload::from(msg));
        packet.finalize();
        let mut buf = vec![0u8; packet.buffer_len()];
        packet.serialize(&mut buf);
        buf
    }

    #[test]
    fn request_is_iproute2s() {
        // nlmsghdr, rtgenmsg(AF_UNSPEC) padded to 4, NETNSA_FD: iproute2's 28 bytes.
        let r = bytes(request(5), 7);
        let u16_at = |at: usize| u16::from_ne_bytes([r[at], r[at + 1]]);
        let u32_at = |at: usize| u32::from_ne_bytes([r[at], r[at + 1], r[at + 2], r[at + 3]]);
        assert_eq!(r.len(), 28);
        assert_eq!(u32_at(0), 28);
        assert_eq!(u16_at(4), libc::RTM_GETNSID);
        assert_eq!(u32_at(8), 7);
        assert_eq!(r[16], libc::AF_UNSPEC as u8);
        assert_eq!((u16_at(20), u16_at(22)), (8, 3)); // NETNSA_FD
        assert_eq!(u32_at(24), 5);
    }

    #[test]
    fn answers_decode() {
        let with = |attrs: Vec<NsidAttribute>| {
            let mut m = NsidMessage::default();
            m.attributes = attrs;
            RouteNetlinkMessage::NewNsId(m)
        };
        let other = NsidAttribute::TargetNsid(9);
        assert_eq!(
            answer(&[with(vec![other.clone(), NsidAttribute::Id(5)])]),
            Some(5)
        );
        assert_eq!(answer(&[with(vec![NsidAttribute::Id(-1)])]), None);
        assert_eq!(answer(&[with(vec![other])]), None);
        assert_eq!(answer(&[]), None);
        // Through the same parser as every other answer, from the kernel's bytes.
        let mut out = Vec::new();
        let rx = bytes(with(vec![NsidAttribute::Id(3)]), 4);
        assert_eq!(crate::rtnl::parse_answers(&rx, 4, &mut out), Ok(false));
        assert_eq!(answer(&out), Some(3));
    }

    #[test]
    fn a_namespace_of_ours_is_asked_for_real() {
        // Our own namespace, asked from itself: the kernel answers (an id or none), never an
        // error, through the same socket helpers as every other request.
        let own = std::fs::File::open("/proc/self/ns/net").unwrap();
        let mut ids = Nsids::open().unwrap();
        assert!(ids.id_of(&own).is_ok());
        // A file that is no namespace is refused by the kernel.
        let not_ns = std::fs::File::open("/proc/self/status").unwrap();
        assert!(ids.id_of(&not_ns).is_err());
    }
}
