//! Finding the real tools we stand in for, and replacing this process with a program.
//! Side-effecting.
//!
//! As rustup's proxies do: the real tool is an absolute path (an environment variable, else
//! documented defaults), never found by searching PATH, and never this binary itself (same
//! device and inode as /proc/self/exe, through any symlinks), or we would exec ourselves forever.
//! Programs are started with execv(3)/execvp(3) themselves, as vspace and iproute2 start them:
//! the signal dispositions (an ignored SIGPIPE included) and the signal mask the caller gave us
//! reach the program untouched, as execve(2) keeps them. std's `CommandExt::exec` is not used:
//! it resets SIGPIPE to its default and empties the mask. The binary's `main` is `no_main`, so
//! std never ignored SIGPIPE in the first place: what the program gets is the caller's state.
//! argv travels as `OsString`, argv[0] included, byte for byte.
//!
//! [`reserve_stdio`] keeps a closed fd 0, 1 or 2 closed for the program while nothing of ours
//! can be given that number in between.

use std::ffi::CString;
use std::ffi::{OsStr, OsString};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::{FcntlArg, OFlag, fcntl};
use nix::sys::stat::Mode;

/// A tool we stand in for: where to look for the real one.
#[derive(Debug, Clone, Copy)]
pub struct RealTool {
    /// What to call it in messages.
    pub name: &'static str,
    /// The variable that names it exactly.
    pub env: &'static str,
    /// Absolute paths tried in order when the variable is unset; ourselves are skipped.
    pub defaults: &'static [&'static str],
}

/// util-vserver's vspace: the dpkg-divert name first, then the usual install places.
pub const REAL_VSPACE: RealTool = RealTool {
    name: "vspace",
    env: "VSPACE_NETNS_REAL_VSPACE",
    defaults: &[
        "/usr/sbin/vspace.distrib",
        "/usr/local/sbin/vspace.distrib",
        "/usr/sbin/vspace",
        "/usr/local/sbin/vspace",
        "/sbin/vspace",
    ],
};

/// iproute2's ip: the divert name first, then where distributions put it.
pub const REAL_IP: RealTool = RealTool {
    name: "ip",
    env: "VSPACE_NETNS_REAL_IP",
    defaults: &[
        "/usr/sbin/ip.distrib",
        "/sbin/ip.distrib",
        "/usr/bin/ip.distrib",
        "/sbin/ip",
        "/usr/sbin/ip",
        "/bin/ip",
        "/usr/bin/ip",
    ],
};

/// Why the real tool could not be found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocateError {
    /// The path named by the variable is this binary (or a link to it); `from_env` is the
    /// variable, `None` for a default.
    IsSelf {
        path: PathBuf,
        from_env: Option<&'static str>,
    },
    /// The variable names something that is not an executable file.
    Unusable {
        path: PathBuf,
        env: &'static str,
        why: Unfit,
    },
    /// No default exists (the ones that are this binary are listed in `selves`).
    NotFound {
        tried: Vec<&'static str>,
        selves: Vec<&'static str>,
    },
}

/// Why the path a variable names is no program to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unfit {
    /// stat(2) failed.
    Stat(Errno),
    NotRegular,
    NotExecutable,
}

/// The (st_dev, st_ino) of the running binary.
fn self_identity() -> io::Result<(u64, u64)> {
    let m = std::fs::metadata("/proc/self/exe")?;
    Ok((m.dev(), m.ino()))
}

/// Whether `path` (symlinks followed) is this very binary.
pub fn is_self(path: &Path) -> io::Result<bool> {
    let m = std::fs::metadata(path)?;
    Ok(self_identity()? == (m.dev(), m.ino()))
}

/// Finds the real tool: `from_env` (the variable's path, already checked by the caller against
/// the environment's rule) when given, else the first default that exists and is not us.
pub fn locate(tool: &RealTool, from_env: Option<PathBuf>) -> Result<PathBuf, LocateError> {
    if let Some(path) = from_env {
        return match std::fs::metadata(&path) {
            Err(e) => Err(LocateError::Unusable {
                path,
                env: tool.env,
                why: Unfit::Stat(Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO))),
            }),
            Ok(m) if !m.is_file() => Err(LocateError::Unusable {
                path,
                env: tool.env,
                why: Unfit::NotRegular,
            }),
            Ok(m) if m.mode() & 0o111 == 0 => Err(LocateError::Unusable {
                path,
                env: tool.env,
                why: Unfit::NotExecutable,
            }),
            Ok(m) if Some((m.dev(), m.ino())) == self_identity().ok() => Err(LocateError::IsSelf {
                path,
                from_env: Some(tool.env),
            }),
            Ok(_) => Ok(path),
        };
    }
    let me = self_identity().ok();
    let mut selves = Vec::new();
    for &candidate in tool.defaults {
        if let Ok(m) = std::fs::metadata(candidate) {
            if Some((m.dev(), m.ino())) == me {
                selves.push(candidate);
            } else if m.is_file() {
                return Ok(PathBuf::from(candidate));
            }
        }
    }
    Err(LocateError::NotFound {
        tried: tool.defaults.to_vec(),
        selves,
    })
}

/// The strerror-like text of an I/O error, without Rust's " (os error N)" suffix.
pub fn io_reason(e: &io::Error) -> String {
    match e.raw_os_error() {
        Some(n) => strerror(n),
        None => e.to_string(),
    }
}

/// The C library's strerror text for `errno`, as the C tools we stand in for print it (nix's
/// `Errno::desc` has texts of its own, e.g. for ELOOP).
pub fn strerror(errno: i32) -> String {
    let s = io::Error::from_raw_os_error(errno).to_string();
    match s.rfind(" (os error ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// Replaces this process with `program` (searched in PATH like execvp(3) when it has no `/`),
/// giving it `argv0` and `args` untouched and the caller's signal dispositions and mask (execve
/// keeps both; nothing here touches them). Returns only on failure.
pub fn exec(program: &OsStr, argv0: &OsStr, args: &[OsString]) -> io::Error {
    let c = |s: &OsStr| CString::new(s.as_bytes()).map_err(|_| io::Error::from(Errno::EINVAL));
    let built = (|| -> io::Result<(CString, Vec<CString>)> {
        let prog = c(program)?;
        let mut argv = Vec::with_capacity(args.len() + 1);
        argv.push(c(argv0)?);
        for a in args {
            argv.push(c(a)?);
        }
        Ok((prog, argv))
    })();
    let (prog, argv) = match built {
        Ok(b) => b,
        Err(e) => return e,
    };
    // execvp(3) searches PATH only for a name without `/`, as execvp does in vspace and ip.
    let Err(errno) = nix::unistd::execvp(&prog, &argv);
    io::Error::from(errno)
}

/// Fills each of fds 0, 1, 2 that is closed with `/dev/null` opened O_CLOEXEC, in that order
/// (open(2) gives the lowest free number, which is then the closed one). Called first thing in
/// `main`: no socket or file of ours can then become "stdout" (a listing written into a netlink
/// socket), and since the placeholders close at exec the program still finds those fds closed,
/// as it would under iproute2 or vspace. A placeholder that cannot be opened is left out.
pub fn reserve_stdio() {
    for fd in 0..=2 {
        if fcntl(fd, FcntlArg::F_GETFD) != Err(Errno::EBADF) {
            continue;
        }
        match nix::fcntl::open(
            "/dev/null",
            OFlag::O_RDWR | OFlag::O_CLOEXEC | OFlag::O_NOCTTY,
            Mode::empty(),
        ) {
            // The lowest free fd is `fd`: 0..fd are open by now.
            Ok(got) if got == fd => {}
            Ok(got) => {
                let _ = nix::unistd::close(got);
                return;
            }
            Err(_) => return,
        }
    }
}
