//! Link state by ioctl: bringing a link up in the calling thread's network namespace, as
//! iproute2 does for `lo` (SIOCGIFFLAGS, then SIOCSIFFLAGS with IFF_UP). Side-effecting.

use std::os::fd::AsRawFd;

use nix::errno::Errno;

/// Sets IFF_UP on a link of the calling thread's network namespace (SIOCSIFFLAGS).
pub fn set_up(ifname: &str) -> Result<(), Errno> {
    let sock = nix::sys::socket::socket(
        nix::sys::socket::AddressFamily::Inet,
        nix::sys::socket::SockType::Datagram,
        nix::sys::socket::SockFlag::SOCK_CLOEXEC,
        None,
    )?;
    // SAFETY: ifreq is plain old data; zeroed is a valid value for it.
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    if ifname.len() >= req.ifr_name.len() {
        return Err(Errno::EINVAL);
    }
    for (dst, src) in req.ifr_name.iter_mut().zip(ifname.bytes()) {
        *dst = src as libc::c_char;
    }
    // SAFETY: the socket fd is open for the whole call and `req` outlives both ioctls.
    unsafe {
        Errno::result(libc::ioctl(sock.as_raw_fd(), libc::SIOCGIFFLAGS, &mut req))?;
        req.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short;
        Errno::result(libc::ioctl(sock.as_raw_fd(), libc::SIOCSIFFLAGS, &req))?;
    }
    Ok(())
}
