//! Process creation without std's `Command`: `ip netns exec -all` forks one child per namespace,
//! as iproute2 does, so that each child can switch namespaces before it execs. Side-effecting.
//!
//! [`detach`] sends one rtnetlink request from a process of its own that outlives the
//! caller's wait (a link deletion's answer comes only after an RCU barrier).
//!
//! Invariant: only a single-threaded process forks (see [`fork_single_threaded`]).

use std::fs::File;
use std::os::fd::{AsRawFd, RawFd};

use nix::errno::Errno;
use nix::sys::wait::waitpid;
use nix::unistd::{ForkResult, fork};

/// fork(2). Must only be called while the process has a single thread (no thread is ever started
/// on the paths that call it), so that the child may run ordinary code until it execs or exits.
pub fn fork_single_threaded() -> nix::Result<ForkResult> {
    // SAFETY: the caller's contract above: the process is single-threaded, so the child's copy
    // of the heap and locks is consistent.
    unsafe { fork() }
}

/// Sends `request` on the netlink socket `sock` from a detached process and returns the read
/// end of a pipe on which the kernel's answer arrives (every datagram up to the one holding
/// the ACK or error; nothing when the process died first). The process is a grandchild,
/// reaped by whoever adopts orphans: the caller does not wait for it to end, only for what
/// it needs (e.g. a notification). It keeps nothing of the caller's but `sock` and the pipe
/// (stdio and locks are closed in it, so a caller's pipe reaches its end and a lock is not
/// held on). Must only be called while the process has a single thread.
pub fn detach(sock: RawFd, request: &[u8]) -> nix::Result<File> {
    let (read, write) = nix::unistd::pipe()?;
    match fork_single_threaded()? {
        ForkResult::Parent { child } => {
            drop(write);
            loop {
                match waitpid(child, None) {
                    Err(Errno::EINTR) => continue,
                    Err(e) => return Err(e),
                    Ok(_) => return Ok(File::from(read)),
                }
            }
        }
        ForkResult::Child => {
            if let Ok(ForkResult::Child) = fork_single_threaded() {
                drop(read);
                answer(sock, write.as_raw_fd(), request);
            }
            exit_now(0)
        }
    }
}

/// The detached process: closes every other descriptor, sends, copies the answer to `pipe`.
fn answer(sock: RawFd, pipe: RawFd, request: &[u8]) -> ! {
    let open: Vec<RawFd> = std::fs::read_dir("/proc/self/fd")
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter_map(|e| e.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    for fd in open.into_iter().filter(|fd| *fd != sock && *fd != pipe) {
        // SAFETY: this process owns every descriptor it inherited and runs no other code
        // that holds one: closing them invalidates no live Rust handle it will use.
        unsafe { libc::close(fd) };
    }
    // A caller that stopped reading must not kill the request half-way through its answer.
    // SAFETY: setting a signal's disposition to SIG_IGN installs no handler code.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
    // SAFETY: `sock` is a netlink socket this process holds; `request` is a valid buffer.
    let sent = unsafe { libc::send(sock, request.as_ptr().cast(), request.len(), 0) };
    if sent < 0 {
        exit_now(1);
    }
    let mut rx = vec![0u8; 1 << 16];
    loop {
        // SAFETY: `rx` is a writable buffer of the given length.
        let n = unsafe { libc::recv(sock, rx.as_mut_ptr().cast(), rx.len(), 0) };
        if n < 0 {
            if Errno::last() == Errno::EINTR {
                continue;
            }
            exit_now(1);
        }
        let got = &rx[..n as usize];
        // SAFETY: `pipe` is the write end this process holds; `got` is a valid buffer.
        unsafe { libc::write(pipe, got.as_ptr().cast(), got.len()) };
        // NLMSG_ERROR (an ACK too) or NLMSG_DONE as the first message's type ends it.
        let kind = crate::sys::bytes::u16_at(got, 4).unwrap_or(0);
        if kind == libc::NLMSG_ERROR as u16 || kind == libc::NLMSG_DONE as u16 {
            exit_now(0);
        }
    }
}

/// _exit(2): no atexit handlers or destructors of the parent's state run in a forked child.
fn exit_now(status: i32) -> ! {
    // SAFETY: _exit ends the process at once; nothing of it is used afterwards.
    unsafe { libc::_exit(status) }
}
