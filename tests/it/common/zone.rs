//! Harness of the zone tests: a temporary configuration root and vservers root, the binary
//! with the zone environment pointing at them, and guards that remove the namespace and the
//! host links a test may leave (in `Drop`, whatever the test's outcome).

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{bin, require_root, run_ok, unique};

/// A zone under test: its unique name, its temporary roots, and what to clean up.
pub struct TestZone {
    pub name: String,
    pub root: tempfile::TempDir,
    /// Host links to delete on drop (veth host ends, links a failed run might leave).
    pub host_links: Vec<String>,
}

impl TestZone {
    pub fn new(prefix: &str) -> TestZone {
        require_root();
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("conf")).unwrap();
        std::fs::create_dir_all(root.path().join("vservers")).unwrap();
        let z = TestZone {
            name: unique(prefix),
            root,
            host_links: Vec::new(),
        };
        std::fs::create_dir_all(z.dir()).unwrap();
        z
    }

    pub fn conf(&self) -> PathBuf {
        self.root.path().join("conf")
    }

    pub fn vservers(&self) -> PathBuf {
        self.root.path().join("vservers")
    }

    /// The zone's configuration directory.
    pub fn dir(&self) -> PathBuf {
        self.conf().join(&self.name)
    }

    /// Writes `content` to `rel` under the zone's directory (parents made).
    pub fn write(&self, rel: &str, content: &str) {
        write(&self.dir().join(rel), content);
    }

    /// Adds a link: `files` are (file, content) pairs under `links/<name>/`.
    pub fn link(&mut self, name: &str, files: &[(&str, &str)]) {
        for (f, c) in files {
            self.write(&format!("links/{name}/{f}"), c);
        }
        self.host_links.push(name.to_string());
        if let Some((_, peer)) = files.iter().find(|(f, _)| *f == "peer") {
            self.host_links.push(peer.trim().to_string());
        }
    }

    /// A guest directory whose `spaces/net` holds `net` exactly.
    pub fn guest(&self, guest: &str, net: &[u8]) -> PathBuf {
        let g = self.vservers().join(guest);
        std::fs::create_dir_all(g.join("spaces")).unwrap();
        std::fs::write(g.join("spaces/net"), net).unwrap();
        g
    }

    /// The binary as the admin tool, with this zone's roots; vprocunhide absent unless set.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(bin());
        c.args(args)
            .env("VSPACE_NETNS_CONFDIR", self.conf())
            .env("VSPACE_NETNS_VSERVERS", self.vservers())
            .env(
                "VSPACE_NETNS_VPROCUNHIDE",
                self.root.path().join("no-vprocunhide"),
            )
            .env("VSPACE_NETNS_STATE_DIR", self.root.path().join("state"))
            .env_remove("NETNS_RUN_DIR")
            .env_remove("VSPACE_NETNS_REAL_IP");
        c
    }

    pub fn entry(&self) -> PathBuf {
        Path::new("/run/netns").join(&self.name)
    }

    /// Where PID 1's mount namespace cannot be read (this build machine's sandbox init; a
    /// real host's PID 1, the VM tier's, can), whether the host sees a stale entry live is
    /// unknown, and `up` and `down` refuse to remove it. `test` then checks that refusal,
    /// says loudly that the rest of it (the repair) runs in the VM tier only, takes the zone
    /// down with --force and answers true: the caller stops. Where PID 1's view is known: false.
    pub fn stale_refused_here(&self, test: &str) -> bool {
        if std::fs::File::open("/proc/1/ns/mnt").is_ok() {
            return false;
        }
        crate::common::skipped(&format!(
            "SKIPPED in part {test}: PID 1's mount namespace cannot be opened here: up and down refusing the stale entry is checked; its repair runs in the VM tier"
        ));
        let n = self.name.as_str();
        for sub in ["up", "down"] {
            let out = self.cmd(&[sub, n]).output().unwrap();
            let err = err_text(&out);
            // down refuses processes inside first (status 3): refused all the same.
            if sub == "down" && out.status.code() == Some(3) {
                assert!(err.contains("processes still use it"), "{err}");
                continue;
            }
            assert_eq!(out.status.code(), Some(1), "{err}");
            assert!(
                err.contains(&format!(
                    "vspace-netns: {sub} {n}: /run/netns/{n} is stale in this mount namespace, and whether the host sees it live cannot be told"
                )) && err.contains(&format!("run {sub} again")),
                "{err}"
            );
            assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
            assert_eq!(
                std::fs::metadata(self.entry()).map(|m| m.len()).ok(),
                Some(0),
                "the stale entry was touched"
            );
        }
        run_ok(&mut self.cmd(&["down", n, "--force"]));
        assert!(!self.entry().exists());
        true
    }

    /// `ip -n NAME ARGS...` output (the test fails if ip does).
    pub fn ip_in(&self, args: &[&str]) -> String {
        let out = run_ok(Command::new("ip").arg("-n").arg(&self.name).args(args));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for TestZone {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "delete", &self.name])
            .output();
        for l in &self.host_links {
            let _ = Command::new("ip").args(["link", "del", "dev", l]).output();
        }
    }
}

pub fn write(path: &Path, content: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

/// A veth pair in the host's namespace, no address, both ends up: a parent for macvlans.
pub struct HostVeth {
    pub a: String,
    pub b: String,
}

impl HostVeth {
    pub fn new() -> HostVeth {
        require_root();
        let h = HostVeth {
            a: unique("hpa"),
            b: unique("hpb"),
        };
        run_ok(Command::new("ip").args([
            "link", "add", "name", &h.a, "type", "veth", "peer", "name", &h.b,
        ]));
        for d in [&h.a, &h.b] {
            run_ok(Command::new("ip").args(["link", "set", "dev", d, "up"]));
        }
        h
    }
}

impl Drop for HostVeth {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["link", "del", "dev", &self.a])
            .output();
    }
}

/// Output as text.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A zone id unique to this test process and call (1024-65535). `up` refuses a MAC that a
/// host link or another zone already uses, so tests running at the same time (in this binary
/// or another) must not derive the same MACs.
pub fn unique_id() -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    (1024 + (std::process::id().wrapping_mul(61).wrapping_add(n * 7919)) % 64000) as u16
}

/// The derived MAC `02:00:00:II:II:XX` of a non-VLAN link of zone `id` with index `index`.
pub fn mac_of(id: u16, index: u8) -> String {
    format!("02:00:00:{:02x}:{:02x}:{index:02x}", id >> 8, id & 0xff)
}

/// The note the zone subcommands print once when PID 1's mount namespace cannot be opened
/// (as on machines whose PID 1 is a sandbox's init); tests that play the host as PID 1 of
/// their own namespaces never see it.
pub const PID1_NOTE: &str = "vspace-netns: note: PID 1's mount namespace cannot be opened";

/// stderr without that note (which must appear at most once).
pub fn err_text(out: &std::process::Output) -> String {
    let err = text(&out.stderr);
    assert!(
        err.matches(PID1_NOTE).count() <= 1,
        "note said twice:\n{err}"
    );
    err.lines()
        .filter(|l| !l.starts_with(PID1_NOTE))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// stderr holds nothing but that note.
pub fn no_err(out: &std::process::Output) -> bool {
    err_text(out).is_empty()
}

/// doctor's grouped output as one line per check, each in its full form: `ok SUBJECT: WHAT`,
/// `FAIL SUBJECT: WHAT: FIX` (`SUBJECT` from the heading it stands under, `zone N` or `guest
/// G`; none under `host` and `zones`). The summary line is checked against the counts and
/// left out. Panics on a line of no known shape.
pub fn doctor_flat(out: &str) -> Vec<String> {
    let mut flat: Vec<String> = Vec::new();
    let (mut top, mut sub): (Option<String>, Option<String>) = (None, None);
    let mut summary = None;
    for line in out.lines() {
        let indent = line.len() - line.trim_start().len();
        let body = line.trim_start();
        if let Some(s) = body.strip_prefix("summary: ") {
            assert_eq!(indent, 0, "{out}");
            summary = Some(s.to_string());
        } else if let Some(fix) = body.strip_prefix("fix: ") {
            let last = flat
                .last_mut()
                .unwrap_or_else(|| panic!("fix first:\n{out}"));
            assert!(!last.starts_with("ok "), "a fix of an ok line:\n{out}");
            last.push_str(": ");
            last.push_str(fix);
        } else if body.starts_with("ok ") || body.starts_with("FAIL ") || body.starts_with("WARN ")
        {
            let (word, what) = body.split_once(' ').unwrap();
            let subject = if indent == 4 {
                sub.clone()
            } else {
                top.clone()
            };
            flat.push(match subject {
                Some(s)
                    if ["zone ", "guest ", "namespace "]
                        .iter()
                        .any(|p| s.starts_with(p)) =>
                {
                    format!("{word} {s}: {what}")
                }
                _ => format!("{word} {what}"),
            });
        } else if let Some(h) = body.strip_suffix(':') {
            if indent == 0 {
                top = Some(h.to_string());
                sub = None;
            } else {
                assert_eq!(indent, 2, "{out}");
                sub = Some(h.to_string());
            }
        } else {
            panic!("a doctor line of no known shape: {line:?}\n{out}");
        }
    }
    let count = |w: &str| flat.iter().filter(|l| l.starts_with(w)).count();
    assert_eq!(
        summary.as_deref(),
        Some(
            format!(
                "{} ok, {} WARN, {} FAIL",
                count("ok "),
                count("WARN "),
                count("FAIL ")
            )
            .as_str()
        ),
        "{out}"
    );
    flat
}

/// [`doctor_flat`] of doctor's stdout, a line each (each ending in a newline).
pub fn doctor_text(stdout: &[u8]) -> String {
    doctor_flat(&text(stdout))
        .into_iter()
        .map(|l| format!("{l}\n"))
        .collect()
}
