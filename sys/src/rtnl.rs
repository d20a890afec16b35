//! rtnetlink, synchronously: one NETLINK_ROUTE socket (netlink-sys) per network namespace,
//! requests built with netlink-packet-route, answered by an ACK or a dump, as netavark's
//! `src/network/netlink.rs` does it without an async runtime. Side-effecting.
//!
//! A socket stays bound to the network namespace it was created in, so [`Rtnl::open_in`]
//! creates it on a short-lived thread that `setns(2)`s into the namespace first: the calling
//! thread's namespace never changes. [`in_netns`] runs any closure that way, e.g. to read and
//! write `/proc/sys/net/...`, which shows the namespace of the task that opens it.
//!
//! Every failure carries the kernel's errno and, when the kernel gave one, its extended ACK
//! message (NETLINK_EXT_ACK): `Unknown device type (EOPNOTSUPP: Operation not supported)`.
//! The one `unsafe` here is getsockopt(SO_NETNS_COOKIE), which neither netlink-sys nor nix
//! wraps ([`Rtnl::netns_cookie`]); netlink-sys and nix wrap every other call.

use std::fmt;
use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::Path;

use netlink_packet_core::{
    NLM_F_ACK, NLM_F_ACK_TLVS, NLM_F_DUMP, NLM_F_REQUEST, NetlinkHeader, NetlinkMessage,
    NetlinkPayload,
};
use netlink_packet_route::RouteNetlinkMessage;
use netlink_sys::{Socket, SocketAddr, protocols::NETLINK_ROUTE};
use nix::errno::Errno;
use nix::sched::{CloneFlags, setns};

use crate::bytes::u16_at;

/// A failed request: the kernel's errno and extended ACK message, or our own reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NlError {
    pub errno: Errno,
    /// The kernel's extack text (NLMSGERR_ATTR_MSG), or a reason of ours for a local failure.
    pub message: Option<String>,
}

impl NlError {
    /// A failure of ours (not the kernel's answer to a request): `errno` and why.
    pub fn local(errno: Errno, message: impl Into<String>) -> NlError {
        NlError {
            errno,
            message: Some(message.into()),
        }
    }

    fn io(e: std::io::Error) -> NlError {
        NlError {
            errno: Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO)),
            message: None,
        }
    }
}

impl fmt::Display for NlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let code = format!(
            "{:?}: {}",
            self.errno,
            crate::exec::strerror(self.errno as i32)
        );
        match &self.message {
            Some(m) => write!(f, "{m} ({code})"),
            None => f.write_str(&code),
        }
    }
}

impl std::error::Error for NlError {}

/// An rtnetlink socket of one network namespace.
pub struct Rtnl {
    sock: Socket,
    seq: u32,
}

/// Why no thread could be started (pthread_create's EAGAIN or ENOMEM), in words with the
/// usual causes: every caller fails with it, never panics.
pub fn no_thread(e: &std::io::Error) -> String {
    format!(
        "cannot start a thread: {} ({LIMITS})",
        crate::exec::io_reason(e)
    )
}

/// The usual causes of [`no_thread`].
const LIMITS: &str =
    "a limit on tasks or memory: the cgroup's pids.max, systemd TasksMax=, ulimit -u or -v";

/// [`no_thread`] without the system's reason, for an [`NlError`] (which adds the errno's).
fn no_thread_message() -> String {
    format!("cannot start a thread ({LIMITS})")
}

/// Runs `f` on a new thread that has entered the network namespace mounted at `entry` (the
/// caller's own namespace when `None`); the caller's thread never changes namespace.
pub fn in_netns<T: Send + 'static>(
    entry: Option<&Path>,
    f: impl FnOnce() -> Result<T, NlError> + Send + 'static,
) -> Result<T, NlError> {
    let Some(entry) = entry else {
        return f();
    };
    // Open before the thread: the same order as nsenter (all fds first, then setns).
    let fd = File::open(entry).map_err(NlError::io)?;
    std::thread::Builder::new()
        .spawn(move || {
            setns(&fd, CloneFlags::CLONE_NEWNET)
                .map_err(|e| NlError::local(e, "setns into the zone's namespace failed"))?;
            f()
        })
        .map_err(|e| NlError {
            errno: Errno::from_raw(e.raw_os_error().unwrap_or(libc::EAGAIN)),
            message: Some(no_thread_message()),
        })?
        .join()
        .unwrap_or_else(|_| Err(NlError::local(Errno::EIO, "netlink thread panicked")))
}

/// Runs `f` on a new thread that has unshared a fresh network namespace of its own, which
/// goes away with the thread: a place to try a request whose effects must not be seen.
pub fn in_new_netns<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, NlError> + Send + 'static,
) -> Result<T, NlError> {
    // No thread (a pids limit, a small `ulimit -v`) is an error like any other, never a panic.
    std::thread::Builder::new()
        .spawn(move || {
            nix::sched::unshare(CloneFlags::CLONE_NEWNET)
                .map_err(|e| NlError::local(e, "unshare of a network namespace failed"))?;
            f()
        })
        .map_err(|e| {
            NlError::local(
                Errno::from_raw(e.raw_os_error().unwrap_or(libc::EAGAIN)),
                no_thread_message(),
            )
        })?
        .join()
        .unwrap_or_else(|_| Err(NlError::local(Errno::EIO, "netlink thread panicked")))
}

impl Rtnl {
    /// A socket in the caller's network namespace.
    pub fn open() -> Result<Rtnl, NlError> {
        let mut sock = Socket::new(NETLINK_ROUTE).map_err(NlError::io)?;
        sock.bind_auto().map_err(NlError::io)?;
        sock.connect(&SocketAddr::new(0, 0)).map_err(NlError::io)?;
        // The kernel's own words for a failure, and ACKs without the request echoed back.
        sock.set_ext_ack(true).map_err(NlError::io)?;
        sock.set_cap_ack(true).map_err(NlError::io)?;
        Ok(Rtnl { sock, seq: 0 })
    }

    /// The cookie of the network namespace this socket was made in (SO_NETNS_COOKIE, Linux
    /// 5.14): a number the kernel gives one namespace once and never again, unlike its inode
    /// number, which a later namespace may get. ENOPROTOOPT from an older kernel.
    pub fn netns_cookie(&self) -> Result<u64, Errno> {
        let mut cookie: u64 = 0;
        let want = std::mem::size_of::<u64>() as libc::socklen_t;
        let mut len = want;
        // SAFETY: the fd is the socket `self.sock` keeps open; the kernel writes at most `len`
        // (8) bytes to `cookie`, which lives through the call, and the length back to `len`.
        let rc = unsafe {
            libc::getsockopt(
                self.sock.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_NETNS_COOKIE,
                (&raw mut cookie).cast(),
                &mut len,
            )
        };
        if rc != 0 {
            return Err(Errno::last());
        }
        if len != want {
            return Err(Errno::EINVAL);
        }
        Ok(cookie)
    }

    /// A socket in the network namespace mounted at `entry` (the caller's when `None`).
    pub fn open_in(entry: Option<&Path>) -> Result<Rtnl, NlError> {
        in_netns(entry, Rtnl::open)
    }

    /// Sends `msg` with `flags` (REQUEST and ACK added) and waits for its ACK; the answers
    /// that came before it (a `get` request's link).
    pub fn call(
        &mut self,
        msg: RouteNetlinkMessage,
        flags: u16,
    ) -> Result<Vec<RouteNetlinkMessage>, NlError> {
        self.exchange(msg, flags | NLM_F_ACK)
    }

    /// Sends a dump request and collects every answer.
    pub fn dump(&mut self, msg: RouteNetlinkMessage) -> Result<Vec<RouteNetlinkMessage>, NlError> {
        self.exchange(msg, NLM_F_DUMP)
    }

    fn exchange(
        &mut self,
        msg: RouteNetlinkMessage,
        flags: u16,
    ) -> Result<Vec<RouteNetlinkMessage>, NlError> {
        let (seq, buf) = self.request(msg, flags);
        self.sock.send(&buf, 0).map_err(NlError::io)?;
        let mut out = Vec::new();
        let mut rx = vec![0u8; 1 << 16];
        loop {
            rx.clear();
            let n = self.sock.recv(&mut rx, 0).map_err(NlError::io)?;
            if parse_answers(&rx[..n], seq, &mut out)? {
                return Ok(out);
            }
        }
    }

    /// The next sequence number and `msg` as bytes, with `flags` and REQUEST.
    fn request(&mut self, msg: RouteNetlinkMessage, flags: u16) -> (u32, Vec<u8>) {
        self.seq = self.seq.wrapping_add(1);
        let mut header = NetlinkHeader::default();
        header.flags = NLM_F_REQUEST | flags;
        header.sequence_number = self.seq;
        let mut packet = NetlinkMessage::new(header, NetlinkPayload::from(msg));
        packet.finalize();
        let mut buf = vec![0u8; packet.buffer_len()];
        packet.serialize(&mut buf);
        (self.seq, buf)
    }

    /// Two sockets of the network namespace mounted at `entry` (the caller's when `None`),
    /// made on one thread: the first receives the link notifications (RTNLGRP_LINK) of that
    /// namespace from now on, the second is for requests.
    pub fn open_link_watch(entry: Option<&Path>) -> Result<(Rtnl, Rtnl), NlError> {
        Rtnl::open_watch(entry, &[libc::RTNLGRP_LINK])
    }

    /// Two sockets of the network namespace mounted at `entry` (the caller's when `None`),
    /// made on one thread: the first receives the notifications of the multicast `groups`
    /// (RTNLGRP_*) of that namespace from now on, without blocking; the second is for
    /// requests (a dump on the first would skip the notifications that come between).
    pub fn open_watch(
        entry: Option<&Path>,
        groups: &'static [u32],
    ) -> Result<(Rtnl, Rtnl), NlError> {
        in_netns(entry, move || {
            let s = Rtnl::open()?;
            for g in groups {
                s.sock.add_membership(*g).map_err(NlError::io)?;
            }
            s.sock.set_non_blocking(true).map_err(NlError::io)?;
            Ok((s, Rtnl::open()?))
        })
    }

    /// Every notification queued on a socket of [`Rtnl::open_watch`], in the order the
    /// kernel sent them, without blocking. Lost notifications (the queue overflowed: ENOBUFS)
    /// or an undecodable one are the error: what the caller knows is then incomplete.
    pub fn drain(&mut self) -> Result<Vec<RouteNetlinkMessage>, NlError> {
        let mut out = Vec::new();
        let mut rx = vec![0u8; 1 << 16];
        loop {
            rx.clear();
            let n = match self.sock.recv(&mut rx, libc::MSG_DONTWAIT) {
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return Ok(out),
                Err(e) => return Err(NlError::io(e)),
            };
            let mut at = 0;
            while at < n {
                let m = NetlinkMessage::<RouteNetlinkMessage>::deserialize(&rx[at..n]).map_err(
                    |e| NlError::local(Errno::EBADMSG, format!("undecodable notification: {e}")),
                )?;
                at += (m.header.length as usize).max(16).next_multiple_of(4);
                if let NetlinkPayload::InnerMessage(m) = m.payload {
                    out.push(m);
                }
            }
        }
    }

    /// Waits at most `timeout` for the RTM_DELLINK notifications of the links `indices` on this
    /// socket of [`Rtnl::open_link_watch`] (opened before the links were looked up, so that
    /// none is missed); `gone(index)` is asked too after each wake-up (a lost notification,
    /// ENOBUFS, is then no reason to wait on). The indices still there at the end (none: all
    /// went).
    pub fn wait_links_gone(
        &mut self,
        indices: &[u32],
        timeout: std::time::Duration,
        mut gone: impl FnMut(u32) -> bool,
    ) -> Result<Vec<u32>, NlError> {
        use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
        use std::os::fd::AsFd;
        let deadline = std::time::Instant::now() + timeout;
        let mut left = indices.to_vec();
        loop {
            match self.drain() {
                Ok(ms) => {
                    for m in ms {
                        if let RouteNetlinkMessage::DelLink(l) = m {
                            left.retain(|i| *i != l.header.index);
                        }
                    }
                }
                Err(e) if e.errno == Errno::ENOBUFS => {}
                Err(e) => return Err(e),
            }
            left.retain(|i| !gone(*i));
            let now = std::time::Instant::now();
            if left.is_empty() || now >= deadline {
                return Ok(left);
            }
            // A slice at most, then the links are asked for again.
            let slice = (deadline - now).min(std::time::Duration::from_millis(200));
            let ms =
                PollTimeout::try_from(slice.as_millis().max(1) as i32).unwrap_or(PollTimeout::MAX);
            let mut fds = [PollFd::new(self.sock.as_fd(), PollFlags::POLLIN)];
            match poll(&mut fds, ms) {
                Ok(_) | Err(Errno::EINTR) => {}
                Err(e) => return Err(NlError::local(e, "poll on rtnetlink failed")),
            }
        }
    }

    /// Sends `msg` (REQUEST and ACK added to `flags`) from a detached process of its own (see
    /// `sys::process::detach`), which waits for the answer and hands it back through a pipe:
    /// the kernel may answer only after its work is done (a link deletion waits for an RCU
    /// barrier, about 20 ms, after the link has left every list), and the caller need not
    /// wait for that part. The socket goes with the request. The process must be
    /// single-threaded (no thread of `in_netns` running).
    pub fn call_detached(
        mut self,
        msg: RouteNetlinkMessage,
        flags: u16,
    ) -> Result<Detached, NlError> {
        let (seq, buf) = self.request(msg, flags | NLM_F_ACK);
        let answer = crate::process::detach(self.sock.as_raw_fd(), &buf)
            .map_err(|e| NlError::local(e, "cannot start the process of a request"))?;
        Ok(Detached { answer, seq })
    }

    /// Whether a notification read so far says the link `index` was deleted; reads every
    /// notification queued without blocking. An overflow of the queue (ENOBUFS) loses
    /// notifications: the caller then relies on the request's own answer.
    fn saw_deleted(&mut self, index: u32) -> bool {
        let mut rx = vec![0u8; 1 << 16];
        loop {
            rx.clear();
            let Ok(n) = self.sock.recv(&mut rx, 0) else {
                return false;
            };
            let mut at = 0;
            while at < n {
                let Ok(m) = NetlinkMessage::<RouteNetlinkMessage>::deserialize(&rx[at..n]) else {
                    break;
                };
                at += (m.header.length as usize).max(16).next_multiple_of(4);
                if let NetlinkPayload::InnerMessage(RouteNetlinkMessage::DelLink(l)) = m.payload {
                    if l.header.index == index {
                        return true;
                    }
                }
            }
        }
    }
}

/// A request sent by a detached process ([`Rtnl::call_detached`]), its answer to come through
/// a pipe.
pub struct Detached {
    answer: File,
    seq: u32,
}

impl Detached {
    /// Waits until the link `index` has been deleted: its RTM_DELLINK notification on `watch`
    /// (a socket of [`Rtnl::open_link_watch`] in the link's namespace, opened before the
    /// request was sent), or the request's answer, whichever comes first. A refusal is the
    /// kernel's error; a process that ended without an answer is EIO.
    pub fn wait_deleted(mut self, watch: &mut Rtnl, index: u32) -> Result<(), NlError> {
        use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
        use std::io::Read;
        use std::os::fd::AsFd;
        loop {
            if watch.saw_deleted(index) {
                return Ok(());
            }
            let (watch_ready, answer_ready) = {
                let mut fds = [
                    PollFd::new(watch.sock.as_fd(), PollFlags::POLLIN),
                    PollFd::new(self.answer.as_fd(), PollFlags::POLLIN),
                ];
                match poll(&mut fds, PollTimeout::NONE) {
                    Ok(_) | Err(Errno::EINTR) => {}
                    Err(e) => return Err(NlError::local(e, "poll on rtnetlink failed")),
                }
                let ready = |f: &PollFd| f.revents().is_some_and(|r| !r.is_empty());
                (ready(&fds[0]), ready(&fds[1]))
            };
            if answer_ready && !watch_ready {
                let mut rx = Vec::new();
                self.answer.read_to_end(&mut rx).map_err(NlError::io)?;
                let mut out = Vec::new();
                return match answers(&rx, self.seq, &mut out) {
                    Some(done) => done,
                    None => Err(NlError::local(
                        Errno::EIO,
                        "the process of the request ended without an answer",
                    )),
                };
            }
        }
    }
}

/// [`parse_answers`] for a whole answer read at once: `Some` once the request is done (its
/// ACK, the end of its dump, or its error), `None` while more is to come.
fn answers(rx: &[u8], seq: u32, out: &mut Vec<RouteNetlinkMessage>) -> Option<Result<(), NlError>> {
    match parse_answers(rx, seq, out) {
        Ok(true) => Some(Ok(())),
        Ok(false) => None,
        Err(e) => Some(Err(e)),
    }
}

/// Reads one received buffer of netlink messages for request `seq` (answers to other
/// requests are skipped): the inner messages are appended to `out`; true once the request
/// is done (DONE, or an ACK), its error as `Err`. Pure: any bytes give an answer, never a
/// panic or a loop (fuzzed: `fuzz/`).
pub fn parse_answers(
    buf: &[u8],
    seq: u32,
    out: &mut Vec<RouteNetlinkMessage>,
) -> Result<bool, NlError> {
    let n = buf.len();
    let mut at = 0;
    while at < n {
        let m = NetlinkMessage::<RouteNetlinkMessage>::deserialize(&buf[at..n])
            .map_err(|e| NlError::local(Errno::EBADMSG, format!("undecodable answer: {e}")))?;
        let len = m.header.length as usize;
        let (h, payload) = m.into_parts();
        at = at.saturating_add(len.max(16).next_multiple_of(4));
        if h.sequence_number != seq {
            continue;
        }
        match payload {
            NetlinkPayload::Done(_) => return Ok(true),
            NetlinkPayload::Error(e) => match e.code {
                None => return Ok(true),
                Some(code) => {
                    // An errno the kernel never sends (i32::MIN) must not overflow: EPROTO.
                    return Err(NlError {
                        errno: Errno::from_raw(code.get().checked_neg().unwrap_or(libc::EPROTO)),
                        message: extack(&e.header, h.flags),
                    });
                }
            },
            NetlinkPayload::InnerMessage(m) => out.push(m),
            _ => {}
        }
    }
    Ok(false)
}

/// The NLMSGERR_ATTR_MSG of an error answer: after the (capped) request header come TLVs.
fn extack(rest: &[u8], flags: u16) -> Option<String> {
    const NLMSGERR_ATTR_MSG: u16 = 1;
    if flags & NLM_F_ACK_TLVS == 0 || rest.len() < 16 {
        return None;
    }
    let mut tlvs = &rest[16..];
    while let (Some(len), Some(kind)) = (u16_at(tlvs, 0), u16_at(tlvs, 2)) {
        let (len, kind) = (len as usize, kind & 0x3fff);
        if len < 4 || len > tlvs.len() {
            break;
        }
        if kind == NLMSGERR_ATTR_MSG {
            let text = &tlvs[4..len];
            let text = text.split(|&b| b == 0).next().unwrap_or_default();
            return Some(String::from_utf8_lossy(text).trim().to_string());
        }
        tlvs = &tlvs[len.next_multiple_of(4).min(tlvs.len())..];
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One namespace, one cookie, whichever socket asks; a new namespace gets another.
    #[test]
    fn a_namespace_has_one_cookie_and_a_new_one_another() {
        let a = Rtnl::open().unwrap().netns_cookie().unwrap();
        let b = Rtnl::open().unwrap().netns_cookie().unwrap();
        assert_eq!(a, b);
        let fresh = in_new_netns(|| {
            let s = Rtnl::open()?;
            s.netns_cookie()
                .map_err(|e| NlError::local(e, "SO_NETNS_COOKIE"))
        })
        .unwrap();
        assert_ne!(a, fresh);
        assert_ne!(fresh, 0);
    }

    #[test]
    fn extack_text_is_found_after_the_capped_header() {
        let mut rest = vec![0u8; 16];
        let msg = b"Unknown device type\0";
        let len = (4 + msg.len()) as u16;
        rest.extend_from_slice(&len.to_ne_bytes());
        rest.extend_from_slice(&1u16.to_ne_bytes());
        rest.extend_from_slice(msg);
        assert_eq!(
            extack(&rest, NLM_F_ACK_TLVS).as_deref(),
            Some("Unknown device type")
        );
        assert_eq!(extack(&rest, 0), None);
        assert_eq!(extack(&rest[..10], NLM_F_ACK_TLVS), None);
    }

    /// Found by fuzzing (fuzz/: netlink_answers): an error answer with code i32::MIN
    /// overflowed the negation. Every answer of these bytes is an error, never a panic.
    #[test]
    fn an_error_code_of_i32_min_is_no_panic() {
        let crash: &[u8] = &[
            52, 0, 0, 0, 2, 0, 0, 2, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 128, 32, 0, 85, 0, 16, 0, 5,
            0, 1, 0, 0, 0, 0, 0, 0, 0, 16, 0, 183, 1, 108, 120, 101, 105, 32, 108, 120, 101, 105,
            32, 0, 0, 0, 0, 52, 0, 0, 0, 2, 0, 0, 2, 1, 0, 0, 0, 0, 0, 0, 0,
        ];
        let mut out = Vec::new();
        let e = parse_answers(crash, 1, &mut out).unwrap_err();
        assert_eq!(e.errno, Errno::EPROTO);
        // The same from any cut of it.
        for n in 0..crash.len() {
            let _ = parse_answers(&crash[..n], 1, &mut Vec::new());
        }
    }

    #[test]
    fn errors_name_the_errno() {
        let e = NlError {
            errno: Errno::EOPNOTSUPP,
            message: Some("Unknown device type".into()),
        };
        assert_eq!(
            e.to_string(),
            "Unknown device type (EOPNOTSUPP: Operation not supported)"
        );
    }
}
