//! The id a network namespace has as seen from ours (`ip netns list`'s `(id: N)`): one
//! RTM_GETNSID request on a NETLINK_ROUTE socket. `request`/`answer` are pure (bytes in, bytes
//! out); `Nsids` owns the socket (CLOEXEC) and is side-effecting.
//!
//! The request is iproute2's: nlmsghdr + rtgenmsg(AF_UNSPEC) + NETNSA_FD (the namespace file's
//! fd). The answer is RTM_NEWNSID with NETNSA_NSID, -1 when the kernel assigned none; an error
//! answer (a file that is no namespace) is `None`, never a message: callers check entries before.

use std::os::fd::{AsRawFd, OwnedFd};

use libc::{RTM_GETNSID, RTM_NEWNSID};

use crate::bytes::{u16_at, u32_at};

use nix::sys::socket::{
    AddressFamily, MsgFlags, NetlinkAddr, SockFlag, SockProtocol, SockType, recv, sendto, socket,
};

const NLMSG_ERROR: u16 = libc::NLMSG_ERROR as u16;
const NLM_F_REQUEST: u16 = libc::NLM_F_REQUEST as u16;
const NETNSA_NSID: u16 = 1;
const NETNSA_FD: u16 = 3;
const NLMSG_HDRLEN: usize = 16;
const RTGEN_LEN: usize = 4; // rtgenmsg, padded to NLMSG_ALIGNTO

/// The RTM_GETNSID request for the namespace open on `fd`.
pub fn request(seq: u32, fd: u32) -> Vec<u8> {
    let len = NLMSG_HDRLEN + RTGEN_LEN + 8;
    let mut b = Vec::with_capacity(len);
    b.extend_from_slice(&(len as u32).to_ne_bytes());
    b.extend_from_slice(&RTM_GETNSID.to_ne_bytes());
    b.extend_from_slice(&NLM_F_REQUEST.to_ne_bytes());
    b.extend_from_slice(&seq.to_ne_bytes());
    b.extend_from_slice(&0u32.to_ne_bytes());
    b.extend_from_slice(&[libc::AF_UNSPEC as u8, 0, 0, 0]);
    b.extend_from_slice(&8u16.to_ne_bytes());
    b.extend_from_slice(&NETNSA_FD.to_ne_bytes());
    b.extend_from_slice(&fd.to_ne_bytes());
    b
}

/// The id in an answer to request `seq`: `Some(Some(id))`, `Some(None)` when none is assigned or
/// the kernel refused, `None` when the bytes are not the answer to `seq`.
pub fn answer(b: &[u8], seq: u32) -> Option<Option<i32>> {
    let len = u32_at(b, 0)? as usize;
    let kind = u16_at(b, 4)?;
    if u32_at(b, 8)? != seq || len > b.len() || len < NLMSG_HDRLEN {
        return None;
    }
    match kind {
        NLMSG_ERROR => Some(None),
        RTM_NEWNSID => {
            let mut at = NLMSG_HDRLEN + RTGEN_LEN;
            while at + 4 <= len {
                let alen = u16_at(b, at)? as usize;
                let atype = u16_at(b, at + 2)? & 0x3fff;
                if alen < 4 {
                    return None;
                }
                if atype == NETNSA_NSID && alen >= 8 {
                    let id = u32_at(b, at + 4)? as i32;
                    return Some((id >= 0).then_some(id));
                }
                at += (alen + 3) & !3;
            }
            Some(None)
        }
        _ => None,
    }
}

/// A NETLINK_ROUTE socket for id queries in the caller's network namespace.
pub struct Nsids {
    sock: OwnedFd,
    seq: u32,
}

impl Nsids {
    pub fn open() -> nix::Result<Nsids> {
        let sock = socket(
            AddressFamily::Netlink,
            SockType::Raw,
            SockFlag::SOCK_CLOEXEC,
            SockProtocol::NetlinkRoute,
        )?;
        Ok(Nsids { sock, seq: 0 })
    }

    /// The id of the namespace open on `ns` (None when it has none).
    pub fn id_of(&mut self, ns: &impl AsRawFd) -> nix::Result<Option<i32>> {
        self.seq += 1;
        let req = request(self.seq, ns.as_raw_fd() as u32);
        sendto(
            self.sock.as_raw_fd(),
            &req,
            &NetlinkAddr::new(0, 0),
            MsgFlags::empty(),
        )?;
        let mut buf = [0u8; 1024];
        loop {
            let n = recv(self.sock.as_raw_fd(), &mut buf, MsgFlags::empty())?;
            if let Some(id) = answer(&buf[..n], self.seq) {
                return Ok(id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(kind: u16, seq: u32, attrs: &[u8]) -> Vec<u8> {
        let len = NLMSG_HDRLEN + RTGEN_LEN + attrs.len();
        let mut b = Vec::new();
        b.extend_from_slice(&(len as u32).to_ne_bytes());
        b.extend_from_slice(&kind.to_ne_bytes());
        b.extend_from_slice(&0u16.to_ne_bytes());
        b.extend_from_slice(&seq.to_ne_bytes());
        b.extend_from_slice(&0u32.to_ne_bytes());
        b.extend_from_slice(&[0; 4]);
        b.extend_from_slice(attrs);
        b
    }

    fn attr(t: u16, v: i32) -> Vec<u8> {
        [8u16.to_ne_bytes(), t.to_ne_bytes()]
            .concat()
            .into_iter()
            .chain(v.to_ne_bytes())
            .collect()
    }

    #[test]
    fn request_is_iproute2s() {
        let r = request(7, 5);
        assert_eq!(r.len(), 28);
        assert_eq!(u32_at(&r, 0), Some(28));
        assert_eq!(u16_at(&r, 4), Some(RTM_GETNSID));
        assert_eq!(u32_at(&r, 8), Some(7));
        assert_eq!(u16_at(&r, 22), Some(NETNSA_FD));
        assert_eq!(u32_at(&r, 24), Some(5));
    }

    #[test]
    fn answers_decode() {
        let other = attr(4, 9);
        let with = [other.clone(), attr(NETNSA_NSID, 5)].concat();
        assert_eq!(answer(&reply(RTM_NEWNSID, 3, &with), 3), Some(Some(5)));
        assert_eq!(
            answer(&reply(RTM_NEWNSID, 3, &attr(NETNSA_NSID, -1)), 3),
            Some(None)
        );
        assert_eq!(answer(&reply(RTM_NEWNSID, 3, &other), 3), Some(None));
        assert_eq!(answer(&reply(NLMSG_ERROR, 3, &[0; 4]), 3), Some(None));
        assert_eq!(answer(&reply(RTM_NEWNSID, 2, &with), 3), None);
        assert_eq!(answer(&[1, 2, 3], 3), None);
        assert_eq!(answer(&reply(RTM_NEWNSID, 3, &[0, 0, 1, 0]), 3), None);
    }
}
