//! The performer: carries one step out ([`Runner::perform`]). Links, addresses, routes and
//! link state through rtnetlink from sockets opened inside the zone's namespace (the host's in
//! PID 1's), namespaces with `netns::registry`, sysctls from a thread inside the namespace, the
//! cleanup-skip files with O_NOFOLLOW. Side-effecting. A failure is a [`StepError`] carrying
//! the kernel's errno and message.

use netlink_packet_core::{NLM_F_CREATE, NLM_F_EXCL};
use netlink_packet_route::RouteNetlinkMessage as Msg;
use nix::errno::Errno;
use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs::File;
use std::io::Write;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

use crate::netns::host;
use crate::netns::registry;
use crate::report::fail::Fail;
use crate::report::quote::escape;
use crate::sys::nsfs::NetnsFile;
use crate::sys::rtnl::{NlError, Rtnl};
use crate::sys::{exec, rtnl};
use crate::zone::base::fail;
use crate::zone::error::StepError;
use crate::zone::plan::Step;
use crate::zone::rtmsg::Change;
use crate::zone::survey::host_sock;
use crate::zone::{config, plan, rtmsg};

/// Carries steps out: the host's rtnetlink socket, and the zone's, opened when first needed
/// (and closed before the namespace is deleted, so that it does not keep it alive).
pub(crate) struct Runner {
    run_dir: PathBuf,
    host: Rtnl,
    zones: BTreeMap<String, Rtnl>,
    /// Link deletions are sent by a detached process and done when the link has left the
    /// kernel's lists (`down`): see [`Runner::for_down`].
    detached: bool,
    /// Sockets receiving the link notifications of the host (`None`) and of zones.
    watches: BTreeMap<Option<String>, Rtnl>,
    /// PID 1's network namespace, where the host's link notifications are watched (`None`: this
    /// process's own is the host's).
    host_path: Option<&'static Path>,
    /// Namespaces found alive without their entry, held open by zone name: `AttachNetns`
    /// binds the entry from these, never by a PID (see [`Runner::pin`]).
    pinned: BTreeMap<String, NetnsFile>,
    /// Where `AddNetns` records the new namespace's cookie (`zone::cookie`): set by `up`
    /// ([`Runner::record_in`]); without it that step fails rather than make a namespace no
    /// later `up` could take back.
    records: Option<crate::zone::cookie::Records>,
    /// Whether the plan runs `vprocunhide` in the namespace `AddNetns` makes: marked pending
    /// with its cookie until `Unhide` has run ([`Records::to_unhide`]).
    ///
    /// [`Records::to_unhide`]: crate::zone::cookie::Records::to_unhide
    unhide: bool,
}

impl Runner {
    pub(crate) fn new(run_dir: &Path) -> Result<Runner, Fail> {
        let hn = host::host_net().map_err(fail)?;
        Ok(Runner {
            run_dir: run_dir.to_owned(),
            host: host_sock(&hn)?,
            zones: BTreeMap::new(),
            detached: false,
            watches: BTreeMap::new(),
            host_path: host::host_net_path(&hn),
            pinned: BTreeMap::new(),
            records: None,
            unhide: false,
        })
    }

    /// Records the cookie of each namespace `AddNetns` makes in `records`; with `unhide` (the
    /// plan runs vprocunhide in it), marks it as one vprocunhide has still to run in.
    pub(crate) fn record_in(&mut self, records: crate::zone::cookie::Records, unhide: bool) {
        self.records = Some(records);
        self.unhide = unhide;
    }

    /// Holds the namespace of zone `ns` found alive without its entry (`facts::gather_pinned`):
    /// `AttachNetns` binds the entry to it. Without it that step fails: a PID alone may be
    /// another process's by then.
    pub(crate) fn pin(&mut self, ns: &str, file: NetnsFile) {
        self.pinned.insert(ns.to_string(), file);
    }

    /// The run directory the zones' entries are under.
    pub(crate) fn run_dir(&self) -> &Path {
        &self.run_dir
    }

    /// A runner whose link deletions do not wait for the kernel's RCU barrier (about 20 ms a
    /// request, the whole cost of a `down` otherwise): each is sent by a detached process
    /// (`Rtnl::call_detached`) and is done when its RTM_DELLINK notification arrives, i.e.
    /// when the link (and a veth's other end) has left every list of the kernel and its name
    /// is free; the memory is freed after the barrier, by then nothing sees it. The state
    /// after each step is the one a synchronous deletion leaves.
    pub(crate) fn for_down(run_dir: &Path) -> Result<Runner, Fail> {
        let mut r = Runner::new(run_dir)?;
        r.detached = true;
        Ok(r)
    }

    /// `link del dev DEV` in `ns` by a detached process: done once its RTM_DELLINK
    /// notification arrives (or the request's answer, whichever comes first). The watch and
    /// the request's socket are made on one thread, and the link looked up on the latter.
    fn del_link_detached(&mut self, ns: &Option<String>, dev: &str) -> Result<(), StepError> {
        // The host's side is PID 1's network namespace, as every host socket's.
        let entry = match ns {
            Some(n) => Some(self.run_dir.join(n)),
            None => self.host_path.map(Path::to_path_buf),
        };
        let opened = if self.watches.contains_key(ns) {
            Rtnl::open_in(entry.as_deref())
        } else {
            // The watch first: a notification is only seen by a socket subscribed before it.
            Rtnl::open_link_watch(entry.as_deref()).map(|(watch, request)| {
                self.watches.insert(ns.clone(), watch);
                request
            })
        };
        let mut request = opened.map_err(|e| format!("cannot open rtnetlink: {e}"))?;
        let index = link_index(&mut request, dev)?;
        let pending = request
            .call_detached(rtmsg::del_link(index), 0)
            .map_err(|e| StepError::plain(e.to_string()))?;
        let watch = self.watches.get_mut(ns).expect("opened above");
        pending
            .wait_deleted(watch, index)
            .map_err(|e| StepError::plain(e.to_string()))
    }

    fn sock(&mut self, ns: &Option<String>) -> Result<&mut Rtnl, StepError> {
        match ns {
            None => Ok(&mut self.host),
            Some(n) => {
                if !self.zones.contains_key(n) {
                    let s = Rtnl::open_in(Some(&self.run_dir.join(n)))
                        .map_err(|e| format!("cannot open rtnetlink inside {n}: {e}"))?;
                    self.zones.insert(n.clone(), s);
                }
                Ok(self.zones.get_mut(n).expect("just inserted"))
            }
        }
    }

    /// The ifindex of `dev` in `ns`, in ip's words when it is missing.
    fn index(&mut self, ns: &Option<String>, dev: &str) -> Result<u32, StepError> {
        // A zone's `lo` is its loopback device, by the ifindex no one can change, whatever its
        // name (`facts::loopback_as_lo`).
        if ns.is_some() && dev == "lo" {
            return Ok(rtmsg::LOOPBACK_INDEX);
        }
        let s = self.sock(ns)?;
        let got = match s.call(rtmsg::get_link(dev), 0) {
            Ok(got) => got,
            Err(e) if e.errno == Errno::ENODEV => {
                return Err(StepError {
                    reason: format!("Cannot find device \"{dev}\" ({e})"),
                    errno: Some(e.errno),
                });
            }
            Err(e) => return Err(StepError::refused(e)),
        };
        rtmsg::links(&got)
            .get(dev)
            .map(|l| l.index)
            .ok_or_else(|| StepError::plain(format!("Cannot find device \"{dev}\"")))
    }

    fn set(&mut self, ns: &Option<String>, dev: &str, c: Change) -> Result<(), StepError> {
        let i = self.index(ns, dev)?;
        match self.sock(ns)?.call(rtmsg::set_link(i, c), 0) {
            Ok(_) => Ok(()),
            Err(e) => Err(StepError::refused(e)),
        }
    }

    fn send(&mut self, ns: &Option<String>, m: Msg, flags: u16) -> Result<(), StepError> {
        match self.sock(ns)?.call(m, flags) {
            Ok(_) => Ok(()),
            Err(e) => Err(StepError::refused(e)),
        }
    }

    /// Carries out one step.
    pub(crate) fn perform(&mut self, step: &Step) -> Result<(), StepError> {
        match step {
            Step::CopySkip { .. }
            | Step::AppendSkip { .. }
            | Step::RemoveSkip { .. }
            | Step::TruncateSkip { .. }
            | Step::WriteFile { .. } => file_step(step),
            Step::AddNetns { ns } => self.add_netns(ns),
            Step::AttachNetns { ns, .. } => match self.pinned.get(ns) {
                Some(f) => registry::attach_file(&self.run_dir, OsStr::new(ns), f.file())
                    .map(|_| ())
                    .map_err(|e| StepError::plain(e.to_string())),
                None => Err(StepError::plain(format!(
                    "the namespace of zone {ns} found alive is not held open; run up again"
                ))),
            },
            Step::DelNetns { ns } => self.del_netns(ns),
            Step::AddLink { ns, link, temp } => self.add_link(ns, link, temp),
            Step::Rename { ns, dev, name } => self.set(&Some(ns.clone()), dev, Change::Name(name)),
            Step::SetAlias { ns, dev, alias } => self.set(ns, dev, Change::Alias(alias)),
            Step::SetMac { ns, dev, mac, .. } => self.set(ns, dev, Change::Mac(*mac)),
            Step::SetMtu { ns, dev, mtu, .. } => self.set(ns, dev, Change::Mtu(*mtu)),
            Step::Up { ns, dev } => self.set(ns, dev, Change::Up(true)),
            Step::Down { ns, dev } => self.set(ns, dev, Change::Up(false)),
            Step::SetSysctl { ns, key, value, .. } => {
                self.set_sysctl(ns, key, value).map_err(StepError::refused)
            }
            Step::Unhide { ns, path } => self.unhide(ns, path),
            Step::DelLink { ns, dev } if self.detached => self.del_link_detached(ns, dev),
            Step::DelLink { ns, dev } => {
                let i = self.index(ns, dev)?;
                self.send(ns, rtmsg::del_link(i), 0)
            }
            Step::AddAddr { .. }
            | Step::DelAddr { .. }
            | Step::AddRoute { .. }
            | Step::DelRoute { .. }
            | Step::AddGuestAddr { .. }
            | Step::DelGuestAddr { .. }
            | Step::AddVlanIn { .. } => self.inside(step),
        }
    }

    /// `ip netns add`, with `lo` marked and the namespace's cookie recorded before the entry is
    /// mounted: the namespace is this zone's from the moment it can be seen (the printed lo
    /// steps follow, and change nothing), and the only one a later `up` takes back for it.
    fn add_netns(&mut self, ns: &str) -> Result<(), StepError> {
        let Some(records) = self.records.clone() else {
            return Err(StepError::plain(format!(
                "zone {ns}: no state dir to record the new namespace's cookie in"
            )));
        };
        let alias = plan::mark(ns);
        let zone = ns.to_string();
        let unhide = self.unhide;
        registry::add_prepared(&self.run_dir, OsStr::new(ns), move || {
            let mut s = Rtnl::open()?;
            let lo = rtmsg::links(&s.call(rtmsg::get_link("lo"), 0)?)
                .get("lo")
                .map(|l| l.index)
                .unwrap_or(1);
            s.call(rtmsg::set_link(lo, Change::Alias(&alias)), 0)?;
            let cookie = crate::zone::cookie::of_socket(&s).map_err(|e| {
                NlError::local(
                    e,
                    "cannot read the new namespace's cookie (SO_NETNS_COOKIE)",
                )
            })?;
            let refused = |e: std::io::Error, what: &str| {
                NlError::local(
                    Errno::from_raw(e.raw_os_error().unwrap_or(libc::EACCES)),
                    format!(
                        "cannot record the new namespace's {what} in {}: {}",
                        escape(records.path(&zone).as_os_str()),
                        exec::io_reason(&e)
                    ),
                )
            };
            match cookie {
                Some(c) => {
                    records.write(&zone, c).map_err(|e| refused(e, "cookie"))?;
                    if unhide {
                        records
                            .to_unhide(&zone, c)
                            .map_err(|e| refused(e, "pending vprocunhide"))?;
                    }
                    Ok(())
                }
                None => Ok(()),
            }
        })
        .map(|_| ())
        .map_err(|e| StepError::plain(e.to_string()))
    }

    /// The steps on a zone's own devices, each a request on the zone's socket naming a device
    /// by index: addresses, routes, a guest's addresses and VLAN devices.
    fn inside(&mut self, step: &Step) -> Result<(), StepError> {
        let create = NLM_F_CREATE | NLM_F_EXCL;
        let flags = |add: bool| if add { create } else { 0 };
        match step {
            Step::AddAddr { ns, dev, cidr } | Step::DelAddr { ns, dev, cidr } => {
                let ns = Some(ns.clone());
                let i = self.index(&ns, dev)?;
                let add = matches!(step, Step::AddAddr { .. });
                self.send(&ns, rtmsg::addr(add, i, *cidr), flags(add))
            }
            Step::AddRoute { ns, route } | Step::DelRoute { ns, route } => {
                let ns = Some(ns.clone());
                let oif = match &route.dev {
                    Some(d) => Some(self.index(&ns, d)?),
                    None => None,
                };
                let add = matches!(step, Step::AddRoute { .. });
                self.send(&ns, rtmsg::route(add, route, oif), flags(add))
            }
            Step::AddGuestAddr { ns, addr } | Step::DelGuestAddr { ns, addr } => {
                let ns = Some(ns.clone());
                let i = self.index(&ns, &addr.dev)?;
                let add = matches!(step, Step::AddGuestAddr { .. });
                self.send(&ns, rtmsg::guest_addr(add, i, addr), flags(add))
            }
            Step::AddVlanIn {
                ns,
                parent,
                temp,
                vid,
            } => {
                let ns = Some(ns.clone());
                let p = self.index(&ns, parent)?;
                self.send(&ns, rtmsg::new_vlan(temp, p, *vid), create)
            }
            _ => unreachable!("perform hands only steps inside a zone to inside"),
        }
    }

    /// `ip netns delete`, every mount layer, without registry::delete's scan of /proc for the
    /// pids still inside (gather has looked already).
    fn del_netns(&mut self, ns: &str) -> Result<(), StepError> {
        self.zones.remove(ns);
        self.watches.remove(&Some(ns.to_string()));
        let path = self.run_dir.join(ns);
        registry::unmount_all(&path).map_err(|e| {
            StepError::plain(format!(
                "umount {}: {}",
                escape(path.as_os_str()),
                exec::strerror(e as i32)
            ))
        })?;
        std::fs::remove_file(&path).map_err(|e| {
            StepError::plain(format!(
                "Cannot remove namespace file \"{}\": {}",
                escape(path.as_os_str()),
                exec::io_reason(&e)
            ))
        })
    }

    /// The link made from the host's namespace (its parent's index looked up there) under the
    /// name `temp` and moved into `ns` by the same request (IFLA_NET_NS_FD).
    fn add_link(&mut self, ns: &str, link: &config::Link, temp: &str) -> Result<(), StepError> {
        let parent = match link.kind.parent() {
            Some(p) => Some(self.index(&None, p)?),
            None => None,
        };
        let fd = File::open(self.run_dir.join(ns))
            .map_err(|e| format!("cannot open the zone's namespace: {}", exec::io_reason(&e)))?;
        let m = rtmsg::new_link(link, temp, fd.as_raw_fd(), parent);
        self.send(&None, m, NLM_F_CREATE | NLM_F_EXCL)
    }

    /// `/proc/sys/KEY` written from a thread inside `ns`.
    fn set_sysctl(&self, ns: &str, key: &str, value: &str) -> Result<(), NlError> {
        let path = config::sysctl_path(key);
        let text = format!("{value}\n");
        rtnl::in_netns(Some(&self.run_dir.join(ns)), move || {
            write_sysctl(&path, text.as_bytes()).map_err(|e| {
                let message = if e.kind() == std::io::ErrorKind::NotFound {
                    format!("unknown key: no {}", path.display())
                } else {
                    format!("cannot write {}", path.display())
                };
                io_failure(&e, message)
            })
        })
    }

    /// util-vserver's vprocunhide, run from a thread inside `ns`.
    fn unhide(&self, ns: &str, path: &str) -> Result<(), StepError> {
        let prog = PathBuf::from(path);
        let ran = rtnl::in_netns(Some(&self.run_dir.join(ns)), move || {
            let st = std::process::Command::new(&prog)
                .status()
                .map_err(|e| io_failure(&e, format!("cannot run {}", prog.display())))?;
            if st.success() {
                Ok(())
            } else {
                Err(NlError {
                    errno: nix::errno::Errno::EIO,
                    message: Some(format!("{} exited with {st}", prog.display())),
                })
            }
        })
        .map_err(|e| StepError::plain(e.to_string()));
        if let (Ok(()), Some(records)) = (&ran, &self.records) {
            records.unhidden(ns);
        }
        ran
    }
}

/// The steps on files (the guests' cleanup-skip files, a guest's `nodev` marker), each
/// opened with O_NOFOLLOW and the system's reason as the error.
fn file_step(step: &Step) -> Result<(), StepError> {
    let io = |e: std::io::Error| StepError::plain(exec::io_reason(&e));
    match step {
        Step::CopySkip { from, to } => copy_new(from, to).map_err(io),
        Step::AppendSkip {
            file,
            newline_first,
            line,
            was,
        } => {
            let text = format!("{}{line}\n", if *newline_first { "\n" } else { "" });
            append(file, text.as_bytes(), was.is_none()).map_err(io)
        }
        Step::RemoveSkip { file } => std::fs::remove_file(file).map_err(io),
        Step::TruncateSkip { file, len } => open_regular(file, false, false)
            .and_then(|f| f.set_len(*len))
            .map_err(io),
        Step::WriteFile { file, text } => {
            write_new(file, format!("{text}\n").as_bytes()).map_err(io)
        }
        _ => unreachable!("perform hands only file steps to file_step"),
    }
}

/// The ifindex of `dev` on the socket's namespace, in ip's words when it is missing.
fn link_index(s: &mut Rtnl, dev: &str) -> Result<u32, StepError> {
    let got = s.call(rtmsg::get_link(dev), 0).map_err(|e| {
        StepError::plain(if e.errno == nix::errno::Errno::ENODEV {
            format!("Cannot find device \"{dev}\" ({e})")
        } else {
            e.to_string()
        })
    })?;
    rtmsg::links(&got)
        .get(dev)
        .map(|l| l.index)
        .ok_or_else(|| StepError::plain(format!("Cannot find device \"{dev}\"")))
}

/// A failed file or program step inside a namespace, as an [`NlError`]: the system's errno
/// (EIO when it gave none) and what failed.
fn io_failure(e: &std::io::Error, message: String) -> NlError {
    NlError {
        errno: nix::errno::Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO)),
        message: Some(message),
    }
}

/// Writes a sysctl file of the calling thread's network namespace.
fn write_sysctl(path: &Path, text: &[u8]) -> std::io::Result<()> {
    std::fs::OpenOptions::new()
        .write(true)
        .open(path)?
        .write_all(text)
}

/// Opens a guest's file for writing, refusing a symlink (O_NOFOLLOW) and anything but a
/// regular file (O_NONBLOCK, then fstat): a FIFO can neither block nor be written to.
fn open_regular(path: &Path, append: bool, create: bool) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).append(append).create(create);
    crate::sys::regular::open(path, options, crate::sys::regular::Purpose::Write)
}

/// `cp FROM TO` for a TO that must not exist (O_EXCL: never through a symlink), with FROM's
/// mode; FROM is read as every guest file is (`config::read_regular`). A copy that fails
/// half-way is removed: the step applies whole or not at all.
fn copy_new(from: &Path, to: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let content = config::read_regular(from)?;
    let mode = std::fs::symlink_metadata(from)?.permissions().mode();
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode & 0o7777)
        .open(to)?;
    f.write_all(&content).inspect_err(|_| {
        let _ = std::fs::remove_file(to);
    })
}

/// Creates `file` (it must not exist: O_EXCL, never through a symlink) holding `text`, mode
/// 0644; a write that fails half-way removes it.
fn write_new(file: &Path, text: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o644)
        .open(file)?;
    f.write_all(text).inspect_err(|_| {
        let _ = std::fs::remove_file(file);
    })
}

/// Appends `text` to `file` (created when `create`), a regular file only. A write that fails
/// half-way is cut back to the length before (a file it created is removed): whole or not at all.
fn append(file: &Path, text: &[u8], create: bool) -> std::io::Result<()> {
    let mut f = open_regular(file, true, create)?;
    let before = f.metadata()?.len();
    f.write_all(text).inspect_err(|_| {
        let _ = if create && before == 0 {
            std::fs::remove_file(file)
        } else {
            f.set_len(before)
        };
    })
}
