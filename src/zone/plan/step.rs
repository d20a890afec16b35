//! One step of a plan ([`Step`]): what it changes, and its printed line, the equivalent shell
//! command (`ip ...`, `ip netns exec ... sysctl`, `cp`/`printf`/`rm`/`truncate` for the
//! cleanup-skip files). Pure. Invariant: the printed lines run by `sh` do what the step does.

use std::fmt;
use std::path::{Path, PathBuf};

use super::guest_addr::GuestAddr;
use crate::zone::config::{Cidr, Link, Route};
use crate::zone::mac::Mac;
use crate::zone::script;

/// One step; `ns: None` means the host's namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// `cp FROM TO`: a guest's namespace-cleanup-skip started from `.defaults`.
    CopySkip {
        from: PathBuf,
        to: PathBuf,
    },
    /// One line appended to a guest's namespace-cleanup-skip.
    AppendSkip {
        file: PathBuf,
        newline_first: bool,
        line: String,
        /// The file's length before this run, None when this run creates it.
        was: Option<u64>,
    },
    /// Takes back a file this run created.
    RemoveSkip {
        file: PathBuf,
    },
    /// Takes back lines this run appended.
    TruncateSkip {
        file: PathBuf,
        len: u64,
    },
    AddNetns {
        ns: String,
    },
    /// `ip netns attach NS PID`: the entry made again for the namespace `pid` lives in.
    AttachNetns {
        ns: String,
        pid: i32,
    },
    /// Creates the link directly inside `ns` under the name `temp` ([`temp_name`]), with its
    /// MAC and MTU (a veth's host end in the host's namespace, with its final name and own MAC).
    AddLink {
        ns: String,
        link: Link,
        temp: String,
    },
    /// Renames a link inside `ns` (`dev` to `name`): a new link gets its final name.
    Rename {
        ns: String,
        dev: String,
        name: String,
    },
    /// Sets IFLA_IFALIAS (an empty alias removes it).
    SetAlias {
        ns: Option<String>,
        dev: String,
        alias: String,
    },
    SetMac {
        ns: Option<String>,
        dev: String,
        mac: Mac,
        /// The address before, to restore it on rollback.
        was: Option<Mac>,
    },
    SetMtu {
        ns: Option<String>,
        dev: String,
        mtu: u32,
        was: Option<u32>,
    },
    AddAddr {
        ns: String,
        dev: String,
        cidr: Cidr,
    },
    DelAddr {
        ns: String,
        dev: String,
        cidr: Cidr,
    },
    AddRoute {
        ns: String,
        route: Route,
    },
    DelRoute {
        ns: String,
        route: Route,
    },
    /// Writes `/proc/sys/KEY` inside `ns`.
    SetSysctl {
        ns: String,
        key: String,
        value: String,
        was: Option<String>,
    },
    Up {
        ns: Option<String>,
        dev: String,
    },
    Down {
        ns: Option<String>,
        dev: String,
    },
    Unhide {
        ns: String,
        path: String,
    },
    DelLink {
        ns: Option<String>,
        dev: String,
    },
    DelNetns {
        ns: String,
    },
    /// A guest's address (util-vserver's `interfaces/N`) added inside its zone, with
    /// util-vserver's words (`vserver::ifaces`).
    AddGuestAddr {
        ns: String,
        addr: GuestAddr,
    },
    DelGuestAddr {
        ns: String,
        addr: GuestAddr,
    },
    /// A guest's `vlandev`: the VLAN device made inside the zone on one of the zone's links,
    /// under its temporary name (`ifaces::vlan_temp_name`), then marked and renamed.
    AddVlanIn {
        ns: String,
        parent: String,
        temp: String,
        vid: u16,
    },
    /// A new file holding `text` and a newline (a guest's `interfaces/N/nodev`, which says that
    /// the address is applied inside the zone); taken back with [`Step::RemoveSkip`].
    WriteFile {
        file: PathBuf,
        text: &'static str,
    },
}

/// How a printed line names a namespace: by name under the run dir `ip` knows, or by path
/// under another (`NETNS_RUN_DIR`), through `nsenter --net=PATH` and `netns PATH`.
struct Printer<'a> {
    run_dir: &'a Path,
}

impl Printer<'_> {
    fn default_dir(&self) -> bool {
        self.run_dir == Path::new("/var/run/netns") || self.run_dir == Path::new("/run/netns")
    }

    fn path(&self, ns: &str) -> String {
        self.run_dir.join(ns).to_string_lossy().into_owned()
    }

    /// `ip [-n NS] REST`.
    fn ip(&self, ns: &Option<String>, rest: &[&str]) -> Vec<String> {
        let mut v = Vec::new();
        match ns {
            Some(n) if !self.default_dir() => {
                v.push("nsenter".into());
                v.push(format!("--net={}", self.path(n)));
                v.push("ip".into());
            }
            Some(n) => v.extend(["ip".into(), "-n".into(), n.clone()]),
            None => v.push("ip".into()),
        }
        v.extend(rest.iter().map(|s| s.to_string()));
        v
    }

    /// The `netns` operand of `ip link add`.
    fn netns_operand(&self, ns: &str) -> String {
        if self.default_dir() {
            ns.to_string()
        } else {
            self.path(ns)
        }
    }

    /// The words of `ip netns add|delete NS`.
    fn netns_cmd(&self, verb: &str, ns: &str) -> Vec<String> {
        let mut v = Vec::new();
        if !self.default_dir() {
            v.push(format!("NETNS_RUN_DIR={}", self.run_dir.to_string_lossy()));
        }
        v.extend(["ip".into(), "netns".into(), verb.into(), ns.into()]);
        v
    }

    /// A program run inside `ns`.
    fn exec_in(&self, ns: &str, argv: &[&str]) -> Vec<String> {
        let mut v = if self.default_dir() {
            vec!["ip".into(), "netns".into(), "exec".into(), ns.to_string()]
        } else {
            vec!["nsenter".into(), format!("--net={}", self.path(ns))]
        };
        v.extend(argv.iter().map(|s| s.to_string()));
        v
    }

    /// `ip link add [link PARENT] name TEMP netns NS [address MAC] [mtu N] type KIND ...`:
    /// made from the host's namespace, the kind's own words last.
    fn add_link(&self, ns: &str, link: &Link, temp: &str) -> Vec<String> {
        let mut w: Vec<String> = vec!["link".into(), "add".into()];
        if let Some(p) = link.kind.parent() {
            w.extend(["link".into(), p.to_string()]);
        }
        w.extend([
            "name".into(),
            temp.to_string(),
            "netns".into(),
            self.netns_operand(ns),
        ]);
        if let Some(mac) = link.mac {
            w.extend(["address".into(), mac.to_string()]);
        }
        if let Some(m) = link.mtu {
            w.extend(["mtu".into(), m.to_string()]);
        }
        w.extend(["type".into(), link.kind.type_name().into()]);
        w.extend(link.kind.type_args(link.mtu));
        let r: Vec<&str> = w.iter().map(String::as_str).collect();
        self.ip(&None, &r)
    }

    /// `ip -n NS -4|-6 route add|del ...`.
    fn route(&self, ns: &str, verb: &str, route: &Route) -> Vec<String> {
        let fam = if route.is_v6() { "-6" } else { "-4" };
        let mut r = vec![fam, "route", verb];
        let words = route.words();
        r.extend(words.iter().map(String::as_str));
        self.ip(&Some(ns.to_string()), &r)
    }

    /// The words of a step's `ip` (or `ip netns exec`) command line.
    fn words(&self, step: &Step) -> Vec<String> {
        let some = |n: &String| Some(n.clone());
        match step {
            Step::CopySkip { .. }
            | Step::AppendSkip { .. }
            | Step::RemoveSkip { .. }
            | Step::TruncateSkip { .. }
            | Step::WriteFile { .. } => unreachable!("file steps print themselves"),
            Step::AddNetns { ns } => self.netns_cmd("add", ns),
            Step::DelNetns { ns } => self.netns_cmd("delete", ns),
            Step::AttachNetns { ns, pid } => {
                let mut w = self.netns_cmd("attach", ns);
                w.push(pid.to_string());
                w
            }
            Step::AddLink { ns, link, temp } => self.add_link(ns, link, temp),
            Step::SetAlias { ns, dev, alias } => {
                self.ip(ns, &["link", "set", "dev", dev, "alias", alias])
            }
            Step::Rename { ns, dev, name } => {
                self.ip(&some(ns), &["link", "set", "dev", dev, "name", name])
            }
            Step::SetMac { ns, dev, mac, .. } => self.ip(
                ns,
                &["link", "set", "dev", dev, "address", &mac.to_string()],
            ),
            Step::SetMtu { ns, dev, mtu, .. } => {
                self.ip(ns, &["link", "set", "dev", dev, "mtu", &mtu.to_string()])
            }
            Step::AddAddr { ns, dev, cidr } => {
                self.ip(&some(ns), &["addr", "add", &cidr.to_string(), "dev", dev])
            }
            Step::DelAddr { ns, dev, cidr } => {
                self.ip(&some(ns), &["addr", "del", &cidr.to_string(), "dev", dev])
            }
            Step::AddRoute { ns, route } => self.route(ns, "add", route),
            Step::DelRoute { ns, route } => self.route(ns, "del", route),
            Step::SetSysctl { ns, key, value, .. } => {
                self.exec_in(ns, &["sysctl", "-q", "-w", &format!("{key}={value}")])
            }
            Step::Up { ns, dev } => self.ip(ns, &["link", "set", "dev", dev, "up"]),
            Step::Down { ns, dev } => self.ip(ns, &["link", "set", "dev", dev, "down"]),
            Step::Unhide { ns, path } => self.exec_in(ns, &[path]),
            Step::DelLink { ns, dev } => self.ip(ns, &["link", "del", "dev", dev]),
            Step::AddGuestAddr { ns, addr } | Step::DelGuestAddr { ns, addr } => {
                let verb = if matches!(step, Step::AddGuestAddr { .. }) {
                    "add"
                } else {
                    "del"
                };
                let words = addr.words(verb == "add");
                let mut r = vec!["addr", verb];
                r.extend(words.iter().map(String::as_str));
                self.ip(&some(ns), &r)
            }
            Step::AddVlanIn {
                ns,
                parent,
                temp,
                vid,
            } => {
                let vid = vid.to_string();
                let w = [
                    "link", "add", "link", parent, "name", temp, "type", "vlan", "id", &vid,
                ];
                self.ip(&some(ns), &w)
            }
        }
    }
}

impl Step {
    /// The step as one shell command line, namespaces named under `run_dir`.
    pub fn line(&self, run_dir: &Path) -> String {
        let p = |f: &Path| script::word(&f.to_string_lossy());
        match self {
            Step::CopySkip { from, to } => format!("cp {} {}", p(from), p(to)),
            Step::AppendSkip {
                file,
                newline_first,
                line,
                ..
            } => format!(
                "printf {} {} >> {}",
                if *newline_first {
                    "'\\n%s\\n'"
                } else {
                    "'%s\\n'"
                },
                script::word(line),
                p(file)
            ),
            Step::RemoveSkip { file } => format!("rm {}", p(file)),
            Step::TruncateSkip { file, len } => format!("truncate -s {len} {}", p(file)),
            Step::WriteFile { file, text } => {
                format!("printf '%s\\n' {} > {}", script::word(text), p(file))
            }
            other => script::line(&Printer { run_dir }.words(other)),
        }
    }

    /// Whether the step runs in (or creates, or deletes) a network namespace, rather than on
    /// a guest's file.
    pub fn is_network(&self) -> bool {
        !matches!(
            self,
            Step::CopySkip { .. }
                | Step::AppendSkip { .. }
                | Step::RemoveSkip { .. }
                | Step::TruncateSkip { .. }
                | Step::WriteFile { .. }
        )
    }
}

impl fmt::Display for Step {
    /// The line under the default run dir (`ip -n NAME ...`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.line(Path::new(crate::netns::DEFAULT_RUN_DIR)))
    }
}
