//! The host side a zone needs, checked in one place for `up --dry-run` (each missing piece a
//! WARN) and `doctor` (each a FAIL): every link's parent present and up on the host, the
//! kernel's support for each kind of link the zone uses (802.1Q VLAN, macvlan, ipvlan, veth),
//! and util-vserver's vprocunhide. Side-effecting only in what it reads, and in one probe
//! made inside a throwaway network namespace (below); [`link_issues`] itself is pure.
//!
//! A kind is supported when its module is loaded (`/sys/module/MOD`; for 802.1Q also
//! `/proc/net/vlan`), built in (`modules.builtin`) or loadable (`modules.dep`, both under
//! `/lib/modules/$(uname -r)`, unless something keeps it from loading: [`kept_from_loading`],
//! a modprobe.d `blacklist` or `install MOD /bin/false`, which the fix then names). When none
//! of these says so (a kernel with the kind built in but no module tree, as in many containers
//! and VMs), the kernel is asked: an RTM_NEWLINK of that kind without its required
//! attributes, sent from a fresh network namespace that dies with its thread, fails with EOPNOTSUPP ("Unknown device type") exactly when the kind is
//! unknown to it; any other answer means it is there. Nothing outside that namespace changes
//! (a module the probe could autoload would have been listed in `modules.dep` already).
//!
//! `up` asks [`makes`] instead, for the kinds of the links it would make: the module loaded,
//! or else the kernel's answer to that probe, which loads the module where modprobe can (one
//! listed but refused by modprobe's configuration is no support: `up` refuses the zone before
//! anything changes, where the link's creation would fail halfway). `status`, which observes,
//! asks [`supported_once`]: what [`supported`] says, once a run for each kind.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::zone::config::kind::Kernel;
use crate::zone::config::{LinkKind, Zone};
use crate::zone::plan::LinkState;

/// One missing piece: what is missing, and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub what: String,
    pub fix: String,
}

/// Which kinds of link this kernel has, and what keeps the module of one it lacks from
/// loading.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Support {
    /// Kind -> supported.
    pub has: BTreeMap<String, bool>,
    /// Kind -> what keeps its module from loading ([`kept_from_loading`]), for a kind it lacks.
    pub kept: BTreeMap<String, String>,
}

impl Support {
    /// Looks up every kind `zones` use (each once).
    pub fn of<'a>(zones: impl IntoIterator<Item = &'a Zone>) -> Support {
        let mut out = Support::default();
        for z in zones {
            for l in &z.links {
                let kind = l.kind.type_name();
                if out.has.contains_key(kind) {
                    continue;
                }
                let yes = supported(&*l.kind);
                out.has.insert(kind.to_string(), yes);
                if let Some(why) = (!yes)
                    .then(|| kept_from_loading(l.kind.kernel().module))
                    .flatten()
                {
                    out.kept.insert(kind.to_string(), why);
                }
            }
        }
        out
    }
}

/// Whether the kernel has (or can load) the kind `kind`, as `doctor` and `up --dry-run`'s
/// warnings tell it without loading anything: loaded, built in, listed as loadable, or known
/// to the kernel.
pub fn supported(kind: &dyn LinkKind) -> bool {
    if loaded(kind) {
        return true;
    }
    let module = kind.kernel().module;
    let tree = nix::sys::utsname::uname()
        .ok()
        .map(|u| Path::new("/lib/modules").join(u.release()));
    if let Some(tree) = tree {
        for list in ["modules.builtin", "modules.dep"] {
            if list == "modules.dep" && kept_from_loading(module).is_some() {
                // Listed, but it cannot load: the kernel's answer, which loads nothing then.
                break;
            }
            if let Ok(text) = std::fs::read_to_string(tree.join(list)) {
                if lists(&text, module) {
                    return true;
                }
            }
        }
    }
    kernel_knows(kind)
}

/// modprobe's configuration directories, in kmod's order: a file of one name in an earlier
/// one hides the file of that name in the later ones.
const MODPROBE_DIRS: &[&str] = &[
    "/etc/modprobe.d",
    "/run/modprobe.d",
    "/usr/local/lib/modprobe.d",
    "/lib/modprobe.d",
    "/usr/lib/modprobe.d",
];

/// What keeps `module` from loading, as the admin can find and undo it, when something does:
/// module loading turned off (`kernel.modules_disabled`), `module_blacklist=` or
/// `modprobe.blacklist=` on the kernel's command line, or in a modprobe.d file a `blacklist`
/// (which keeps the kernel's own request, by an alias such as `rtnl-link-vlan`, from loading
/// it: the way `up` loads it) or an `install` whose command is `false` or `true` (the usual
/// way to forbid a module).
pub fn kept_from_loading(module: &str) -> Option<String> {
    if std::fs::read_to_string("/proc/sys/kernel/modules_disabled").is_ok_and(|t| t.trim() == "1") {
        return Some("module loading is turned off (kernel.modules_disabled = 1)".into());
    }
    if let Ok(cmdline) = std::fs::read_to_string("/proc/cmdline") {
        if let Some(word) = cmdline_blocks(&cmdline, module) {
            return Some(format!("the kernel's command line says {word}"));
        }
    }
    let mut files: BTreeMap<std::ffi::OsString, std::path::PathBuf> = BTreeMap::new();
    for dir in MODPROBE_DIRS {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name();
            if name.as_encoded_bytes().ends_with(b".conf") {
                files.entry(name).or_insert_with(|| e.path());
            }
        }
    }
    files.values().find_map(|path| {
        let text = std::fs::read_to_string(path).ok()?;
        let line = modprobe_blocks(&text, module)?;
        Some(format!("{}: {line}", path.display()))
    })
}

/// `module`'s name as modprobe compares it (`-` and `_` are one).
fn module_name(name: &str) -> String {
    name.replace('-', "_")
}

/// The word of a kernel command line that keeps `module` from loading (`module_blacklist=`,
/// `modprobe.blacklist=`, each a comma-separated list).
pub fn cmdline_blocks(cmdline: &str, module: &str) -> Option<String> {
    let want = module_name(module);
    cmdline
        .split_ascii_whitespace()
        .find(|w| {
            ["module_blacklist=", "modprobe.blacklist="]
                .iter()
                .filter_map(|k| w.strip_prefix(k))
                .any(|list| list.split(',').any(|m| module_name(m) == want))
        })
        .map(str::to_string)
}

/// The line of a modprobe.d file that keeps `module` from loading: `blacklist MODULE`, or
/// `install MODULE` with `false` or `true` for its command (a line continued with `\` read as
/// one).
pub fn modprobe_blocks(text: &str, module: &str) -> Option<String> {
    let want = module_name(module);
    let joined = text.replace("\\\n", " ");
    joined.lines().find_map(|line| {
        let words: Vec<&str> = line.split_ascii_whitespace().collect();
        let blocks = match words.as_slice() {
            ["blacklist", m, ..] => module_name(m) == want,
            ["install", m, cmd, ..] => {
                let program = cmd.rsplit('/').next().unwrap_or_default();
                module_name(m) == want && matches!(program, "false" | "true")
            }
            _ => false,
        };
        blocks.then(|| words.join(" "))
    })
}

/// Whether the kernel makes links of the kind `kind` now, as `up` needs to know before it
/// changes anything: its module loaded, or else the kernel's own answer to a request of that
/// kind, which loads the module where it can be loaded (a module listed in `modules.dep` but
/// refused by modprobe's configuration, `install MOD /bin/false`, is no support). Asked once a
/// run for each kind.
pub fn makes(kind: &dyn LinkKind) -> bool {
    static KNOWN: Known = Known::new(BTreeMap::new());
    once_a_run(&KNOWN, kind, |k| loaded(k) || kernel_knows(k))
}

/// [`supported`], asked once a run for each kind: what `status` says of a zone that is not
/// up (it observes, and loads no module the way [`makes`]'s request may).
pub fn supported_once(kind: &dyn LinkKind) -> bool {
    static KNOWN: Known = Known::new(BTreeMap::new());
    once_a_run(&KNOWN, kind, supported)
}

/// The answers of one question about kinds, by kind.
type Known = std::sync::Mutex<BTreeMap<&'static str, bool>>;

/// `ask`'s answer for `kind`, asked once a run (kept in `known`).
fn once_a_run(known: &Known, kind: &dyn LinkKind, ask: fn(&dyn LinkKind) -> bool) -> bool {
    let name = kind.type_name();
    if let Some(yes) = known.lock().ok().and_then(|k| k.get(name).copied()) {
        return yes;
    }
    let yes = ask(kind);
    if let Ok(mut k) = known.lock() {
        k.insert(name, yes);
    }
    yes
}

/// Whether the kind's module is loaded (for 802.1Q also: `/proc/net/vlan` exists).
fn loaded(kind: &dyn LinkKind) -> bool {
    let module = kind.kernel().module;
    Path::new("/sys/module").join(module).exists()
        || (module == "8021q" && Path::new("/proc/net/vlan").exists())
}

/// Whether a `modules.dep` or `modules.builtin` text lists `module` (`.../8021q.ko[.xz]:`).
pub fn lists(text: &str, module: &str) -> bool {
    text.lines().any(|l| {
        let path = l.split(':').next().unwrap_or_default();
        let file = path.rsplit('/').next().unwrap_or_default();
        file.split(".ko").next() == Some(module) && file.contains(".ko")
    })
}

/// The kernel's own answer (see the module's header); a probe that cannot be made says yes
/// (`up` then reports the kernel's reason itself).
fn kernel_knows(kind: &dyn LinkKind) -> bool {
    use netlink_packet_core::{NLM_F_CREATE, NLM_F_EXCL};
    use netlink_packet_route::RouteNetlinkMessage as Msg;
    use netlink_packet_route::link::{LinkAttribute, LinkInfo, LinkMessage};
    let info = kind.info_kind();
    let got = crate::sys::rtnl::in_new_netns(move || {
        let mut sock = crate::sys::rtnl::Rtnl::open()?;
        let mut m = LinkMessage::default();
        m.attributes.push(LinkAttribute::IfName("vsnprobe0".into()));
        m.attributes
            .push(LinkAttribute::LinkInfo(vec![LinkInfo::Kind(info)]));
        sock.call(Msg::NewLink(m), NLM_F_CREATE | NLM_F_EXCL)
    });
    !matches!(got, Err(e) if e.errno == nix::errno::Errno::EOPNOTSUPP)
}

/// What the zone's links need on the host and lack: a parent missing or down, a kind the
/// kernel does not have. Pure: `host` is the host's links, `support` the kernel's kinds.
pub fn link_issues(
    zone: &Zone,
    host: &BTreeMap<String, LinkState>,
    support: &Support,
) -> Vec<Issue> {
    let ns = &zone.netns;
    let mut out = Vec::new();
    let mut kinds_said = Vec::new();
    for l in &zone.links {
        let kind = l.kind.type_name();
        if support.has.get(kind) == Some(&false) && !kinds_said.contains(&kind) {
            kinds_said.push(kind);
            let Kernel {
                module,
                words,
                config,
            } = l.kind.kernel();
            out.push(Issue {
                what: format!(
                    "zone {ns}: this kernel has no {words} support (link {})",
                    l.name
                ),
                fix: match support.kept.get(kind) {
                    Some(why) => format!(
                        "its module {module} is kept from loading ({why}): undo that, then load it (modprobe {module}; to load it at boot: echo {module} >> /etc/modules), or use a kernel built with {config}"
                    ),
                    None => format!(
                        "load it (modprobe {module}; to load it at boot: echo {module} >> /etc/modules) or use a kernel built with {config}"
                    ),
                },
            });
        }
        let Some(parent) = l.kind.parent() else {
            continue;
        };
        match host.get(parent) {
            None => out.push(Issue {
                what: format!(
                    "zone {ns}: the parent link {parent} of link {} is missing on the host",
                    l.name
                ),
                fix: format!(
                    "create {parent} (the host's network configuration, e.g. /etc/network/interfaces), or name an existing link in the zone's links/{}/link",
                    l.name
                ),
            }),
            Some(s) if !s.up => out.push(Issue {
                what: format!(
                    "zone {ns}: the parent link {parent} of link {} is down on the host",
                    l.name
                ),
                fix: format!(
                    "bring it up: ip link set dev {parent} up (and at boot, in the host's network configuration)"
                ),
            }),
            Some(_) => {}
        }
    }
    out
}

/// util-vserver's vprocunhide, missing or not executable (`up` skips it, and the guests then
/// find `/proc/net` hidden inside their zone).
pub fn vprocunhide_issue(roots: &crate::netns::Roots) -> Option<Issue> {
    let p = match roots.vprocunhide() {
        Ok(p) => p,
        Err(e) => {
            return Some(Issue {
                what: "vprocunhide".into(),
                fix: e,
            });
        }
    };
    match std::fs::metadata(p) {
        Ok(m) if m.is_file() && m.permissions().mode() & 0o111 != 0 => None,
        _ => Some(Issue {
            what: format!(
                "vprocunhide {} is missing or not executable",
                crate::report::quote::escape(p.as_os_str())
            ),
            fix: "install util-vserver (or set VSPACE_NETNS_VPROCUNHIDE): without it /proc/net stays hidden from the guests inside a zone".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zone::config::{Kind, Link};
    use crate::zone::mac::Mac;

    #[test]
    fn module_lists_are_read_by_file_name() {
        let dep = "kernel/net/8021q/8021q.ko.xz: kernel/net/802/garp.ko.xz\nkernel/drivers/net/macvlan.ko:\n";
        assert!(lists(dep, "8021q"));
        assert!(lists(dep, "macvlan"));
        assert!(!lists(dep, "ipvlan"));
        assert!(!lists("kernel/net/802/garp.ko\n", "8021q"));
        assert!(lists("kernel/drivers/net/veth.ko\n", "veth"));
    }

    #[test]
    fn what_keeps_a_module_from_loading_is_found_in_modprobe_d_and_the_command_line() {
        let conf = "# keep VLANs off\nblacklist 8021q\n";
        assert_eq!(
            modprobe_blocks(conf, "8021q").as_deref(),
            Some("blacklist 8021q")
        );
        let conf = "options macvlan x=1\ninstall  ipvlan /bin/false\n";
        assert_eq!(
            modprobe_blocks(conf, "ipvlan").as_deref(),
            Some("install ipvlan /bin/false")
        );
        assert_eq!(modprobe_blocks(conf, "macvlan"), None);
        // `true` forbids it as well (modprobe succeeds, nothing loads); any other command
        // may load it; `-` and `_` are one in module names; a continued line is one line.
        assert!(modprobe_blocks("install 8021q true\n", "8021q").is_some());
        assert_eq!(
            modprobe_blocks(
                "install 8021q /sbin/modprobe --ignore-install 8021q\n",
                "8021q"
            ),
            None
        );
        assert!(modprobe_blocks("blacklist ip-vlan\n", "ip_vlan").is_some());
        assert_eq!(
            modprobe_blocks("install 8021q \\\n  /bin/false\n", "8021q").as_deref(),
            Some("install 8021q /bin/false")
        );
        assert_eq!(
            modprobe_blocks("#blacklist 8021q\nblacklist 8021qx\n", "8021q"),
            None
        );
        let cmdline = "BOOT_IMAGE=/vmlinuz root=/dev/vda1 module_blacklist=dummy,8021q quiet\n";
        assert_eq!(
            cmdline_blocks(cmdline, "8021q").as_deref(),
            Some("module_blacklist=dummy,8021q")
        );
        assert!(cmdline_blocks("modprobe.blacklist=ipvlan", "ipvlan").is_some());
        assert_eq!(cmdline_blocks(cmdline, "ipvlan"), None);
    }

    fn zone(kind: Kind) -> Zone {
        Zone {
            netns: "dmz".into(),
            links: vec![Link {
                name: "dmz0".into(),
                kind,
                mac: Some(Mac([2, 0, 0, 0, 0, 1])),
                mtu: None,
                addresses: vec![],
            }],
            ..Zone::default()
        }
    }

    #[test]
    fn parents_missing_or_down_and_kinds_missing_are_issues() {
        let vlan = zone(Kind::new(crate::zone::config::kind::Vlan {
            parent: "eth9".into(),
            vid: 2,
        }));
        let yes = Support {
            has: [("vlan".to_string(), true)].into(),
            ..Support::default()
        };
        let no = Support {
            has: [("vlan".to_string(), false)].into(),
            ..Support::default()
        };
        let mut host = BTreeMap::new();
        let whats = |host: &BTreeMap<String, LinkState>, s: &Support| -> Vec<String> {
            link_issues(&vlan, host, s)
                .into_iter()
                .map(|i| i.what)
                .collect()
        };
        assert_eq!(
            whats(&host, &yes),
            ["zone dmz: the parent link eth9 of link dmz0 is missing on the host"]
        );
        host.insert("eth9".to_string(), LinkState::default());
        assert_eq!(
            whats(&host, &no),
            [
                "zone dmz: this kernel has no 802.1Q VLAN support (link dmz0)",
                "zone dmz: the parent link eth9 of link dmz0 is down on the host"
            ]
        );
        host.get_mut("eth9").unwrap().up = true;
        assert!(whats(&host, &yes).is_empty());
        let fix = &link_issues(&vlan, &host, &no)[0].fix;
        assert!(fix.starts_with("load it (modprobe 8021q;"), "{fix}");
        let kept = Support {
            kept: [(
                "vlan".to_string(),
                "/etc/modprobe.d/x.conf: blacklist 8021q".to_string(),
            )]
            .into(),
            ..no
        };
        let fix = &link_issues(&vlan, &host, &kept)[0].fix;
        assert!(
            fix.starts_with("its module 8021q is kept from loading (/etc/modprobe.d/x.conf: blacklist 8021q): undo that, then load it (modprobe 8021q;"),
            "{fix}"
        );
    }
}
