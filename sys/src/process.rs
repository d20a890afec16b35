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
use nix::unistd::{ForkResult, fork};

/// fork(2). Must only be called while the process has a single thread (no thread is ever started
/// on the paths that call it), so that the child may run ordinary code until it execs or exits.
pub fn fork_single_threaded() -> nix::Result<ForkResult> {
    // SAFETY: the caller's contract above: the process is single-threaded, so the child's copy
    // of the heap and locks is consistent.
    unsafe { fork() }
}

/// Sends `request` on the netlink socket `sock` from a child process and returns the read end
/// of a pipe on which the kernel's answer arrives (every datagram up to the one holding the
/// ACK or error; nothing when the child died first). The caller does not wait for the child
/// to end, only for what it needs (e.g. a notification); a child still running when the
/// caller exits is adopted by whoever adopts orphans, and one that ended before stays a
/// zombie until then (one fork, no intermediate process: under load every hand-over between
/// processes costs a scheduling delay). The child keeps nothing of the caller's but `sock` and
/// the pipe (stdio and locks are closed in it, so a caller's pipe reaches its end and a lock is
/// not held on). Must only be called while the process has a single thread.
pub fn detach(sock: RawFd, request: &[u8]) -> nix::Result<File> {
    reap_exited();
    let (read, write) = nix::unistd::pipe()?;
    match fork_single_threaded()? {
        ForkResult::Parent { .. } => {
            drop(write);
            Ok(File::from(read))
        }
        ForkResult::Child => answer(sock, write.as_raw_fd(), request),
    }
}

/// Reaps the children of earlier [`detach`] calls that have ended, so that a long `down --all`
/// keeps no more of them than are still waiting on the kernel (each zombie counts against a
/// pids limit such as systemd's `TasksMax=`). Never blocks. The callers of `detach` have no
/// other child whose status they wait for.
fn reap_exited() {
    use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
    while let Ok(st) = waitpid(None, Some(WaitPidFlag::WNOHANG)) {
        if st == WaitStatus::StillAlive {
            break;
        }
    }
}

/// The child: closes every other descriptor, sends, copies the answer to `pipe`.
fn answer(sock: RawFd, pipe: RawFd, request: &[u8]) -> ! {
    let (low, high) = (
        sock.min(pipe) as libc::c_uint,
        sock.max(pipe) as libc::c_uint,
    );
    for (first, last) in [
        (0, low.wrapping_sub(1)),
        (low + 1, high - 1),
        (high + 1, libc::c_uint::MAX),
    ] {
        if first <= last && !(first == 0 && low == 0) {
            // SAFETY: close_range(2) on descriptors this process inherited and no live Rust
            // handle of this child uses again (it only uses `sock` and `pipe`, kept).
            unsafe { libc::syscall(libc::SYS_close_range, first, last, 0) };
        }
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
        let kind = crate::bytes::u16_at(got, 4).unwrap_or(0);
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

/// How a child started by [`start_oddly`] begins: what a careless or unusual parent (a
/// service manager, a shell with traps, a daemon that closed its stdio) hands its programs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OddStart {
    /// Signals blocked in the child's signal mask.
    pub blocked: Vec<nix::sys::signal::Signal>,
    /// SIGPIPE ignored.
    pub ignore_sigpipe: bool,
    /// File descriptors closed (e.g. 0-2: no stdio at all).
    pub closed: Vec<RawFd>,
}

/// Makes `cmd` start its program as [`OddStart`] says: the changes are made in the forked
/// child just before exec (std's `pre_exec`), where only async-signal-safe calls may run. For
/// the tests of what the personalities pass on to the programs they start.
pub fn start_oddly(cmd: &mut std::process::Command, how: OddStart) {
    use nix::sys::signal::{SigHandler, SigSet, SigmaskHow, Signal, signal, sigprocmask};
    use std::os::unix::process::CommandExt;
    let mut set = SigSet::empty();
    for s in &how.blocked {
        set.add(*s);
    }
    // SAFETY: the closure runs in the forked child before exec and makes only
    // async-signal-safe calls (sigprocmask, sigaction, close) on values moved into it, which
    // it does not allocate or free.
    unsafe {
        cmd.pre_exec(move || {
            sigprocmask(SigmaskHow::SIG_BLOCK, Some(&set), None)?;
            if how.ignore_sigpipe {
                signal(Signal::SIGPIPE, SigHandler::SigIgn)?;
            }
            for fd in &how.closed {
                libc::close(*fd);
            }
            Ok(())
        });
    }
}
