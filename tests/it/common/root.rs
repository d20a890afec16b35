//! Temporary roots for the install and package tests: a directory standing for `/`, a fake
//! util-vserver vspace (random bytes, executable) to divert, and the checks that the original
//! survived byte for byte. Also `make` run on this checkout. Side-effecting only inside the
//! temporary directory.

use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// util-vserver's vspace, and where the wrapper moves it.
pub const VSPACE: &str = "/usr/sbin/vspace";
pub const DISTRIB: &str = "/usr/sbin/vspace.distrib";

/// A temporary directory standing for `/`.
pub struct Root {
    pub dir: tempfile::TempDir,
}

impl Root {
    pub fn new() -> Root {
        Root {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// The root itself.
    pub fn top(&self) -> &Path {
        self.dir.path()
    }

    /// `abs` (an absolute path) inside the root.
    pub fn at(&self, abs: &str) -> PathBuf {
        assert!(abs.starts_with('/'), "{abs} is not absolute");
        self.dir.path().join(&abs[1..])
    }

    /// Writes `bytes` to `abs` with `mode`, making its directory.
    pub fn write(&self, abs: &str, bytes: &[u8], mode: u32) {
        let path = self.at(abs);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    /// Puts a fake util-vserver vspace (random bytes, mode 0755) at /usr/sbin/vspace.
    pub fn fake_vspace(&self) -> Vec<u8> {
        let bytes = random_bytes(4099);
        self.write(VSPACE, &bytes, 0o755);
        bytes
    }

    /// Every non-directory below the root, as absolute paths inside it, sorted.
    pub fn files(&self) -> Vec<String> {
        fn walk(dir: &Path, top: &Path, out: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let entry = entry.unwrap();
                let path = entry.path();
                if entry.file_type().unwrap().is_dir() {
                    walk(&path, top, out);
                } else {
                    out.push(format!("/{}", path.strip_prefix(top).unwrap().display()));
                }
            }
        }
        let mut out = Vec::new();
        walk(self.top(), self.top(), &mut out);
        out.sort();
        out
    }

    /// The files under `abs_dir` (absolute inside the root), as `files` lists them.
    pub fn files_under(&self, abs_dir: &str) -> Vec<String> {
        self.files()
            .into_iter()
            .filter(|f| f.starts_with(&format!("{abs_dir}/")))
            .collect()
    }

    /// Fails unless `abs` is a regular executable file holding exactly `bytes`.
    pub fn assert_original_at(&self, abs: &str, bytes: &[u8]) {
        let path = self.at(abs);
        let meta = std::fs::symlink_metadata(&path).unwrap_or_else(|e| {
            panic!(
                "{abs}: {e}: the original vspace is gone; root has {:?}",
                self.files()
            )
        });
        assert!(meta.is_file(), "{abs} is not a regular file: {meta:?}");
        assert_eq!(
            meta.permissions().mode() & 0o7777,
            0o755,
            "{abs} lost its mode"
        );
        assert!(
            std::fs::read(&path).unwrap() == bytes,
            "{abs} is not byte-identical to the original vspace"
        );
    }

    /// Fails unless /usr/sbin/vspace is a symlink to `target`, which is `bin` byte for byte.
    pub fn assert_wrapper(&self, target: &str, bin: &Path) {
        let link = std::fs::read_link(self.at(VSPACE)).unwrap_or_else(|e| {
            panic!(
                "{VSPACE} is not a symlink: {e}; root has {:?}",
                self.files()
            )
        });
        let resolved = if link.is_absolute() {
            self.at(link.to_str().unwrap())
        } else {
            self.at(VSPACE).parent().unwrap().join(&link)
        };
        assert_eq!(
            resolved.canonicalize().unwrap(),
            self.at(target).canonicalize().unwrap(),
            "{VSPACE} -> {link:?} is not {target}"
        );
        assert!(
            std::fs::read(&resolved).unwrap() == std::fs::read(bin).unwrap(),
            "{VSPACE} does not lead to the vspace-netns binary"
        );
    }

    /// Whether anything (a dangling symlink included) is at `abs`.
    /// The dpkg diversions recorded in the root, as `dpkg-divert --list` shows them (trimmed).
    pub fn diversions(&self) -> String {
        let out = super::run_ok(
            Command::new("dpkg-divert")
                .arg("--root")
                .arg(self.top())
                .arg("--list"),
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    pub fn exists(&self, abs: &str) -> bool {
        std::fs::symlink_metadata(self.at(abs)).is_ok()
    }
}

/// `n` bytes from the kernel's random source (so a mix-up of files cannot go unnoticed).
pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut buf = vec![0; n];
    std::fs::File::open("/dev/urandom")
        .unwrap()
        .read_exact(&mut buf)
        .unwrap();
    buf
}

/// `make` on this checkout.
pub fn make() -> Command {
    let mut c = Command::new("make");
    c.arg("-C")
        .arg(env!("CARGO_MANIFEST_DIR"))
        .arg("--no-print-directory")
        .env_remove("MAKEFLAGS")
        .env_remove("DESTDIR");
    c
}

/// Runs `argv` with the root's /usr/sbin (and /usr/local/sbin, if it has one) bound over the host's, in a
/// private mount namespace (the host's mounts are untouched): the installed tree as
/// util-vserver would see it.
pub fn in_installed_tree(root: &Root, argv: &[&str]) -> Command {
    let mut c = Command::new("unshare");
    c.args(["--mount", "--propagation", "private", "sh", "-c"])
        .arg(
            "mount --bind \"$1/usr/sbin\" /usr/sbin && \
             { ! [ -d \"$1/usr/local/sbin\" ] || mount --bind \"$1/usr/local/sbin\" /usr/local/sbin; } && \
             shift && exec \"$@\"",
        )
        .arg("sh")
        .arg(root.top())
        .args(argv)
        .env_remove("VSPACE_NETNS_REAL_VSPACE")
        .env_remove("NETNS_RUN_DIR");
    c
}

/// Checks the wrapper installed in `root` as util-vserver calls it, with the root's tree in
/// place and util-vserver's vspace being the vspace stand-in: a shared-net call runs its
/// program in the named netns without calling the original; `other` (options of a call that
/// is not ours) reaches the original at its default place, which logs it byte for byte.
pub fn assert_wrapper_serves(root: &Root, other: &[&str]) {
    let ns = crate::common::Netns::new("sv");
    let log = crate::common::CallLog::new();
    let readlink = ["readlink", "/proc/self/ns/net"];
    let calls = [
        (
            [
                &["/usr/sbin/vspace", "--enter", &ns.name, "--net", "--"][..],
                &readlink,
            ]
            .concat(),
            ns.id(),
            false,
        ),
        (
            [&["/usr/sbin/vspace"][..], other, &readlink].concat(),
            crate::common::own_netns(),
            true,
        ),
    ];
    for (argv, netns, reaches_original) in calls {
        let mut cmd = in_installed_tree(root, &argv);
        cmd.env("VSPACE_STANDIN_LOG", log.path());
        let out = crate::common::run_ok(&mut cmd);
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            netns,
            "{}",
            crate::common::show(&cmd, &out)
        );
        let want: Vec<crate::common::Call> = reaches_original
            .then(|| crate::common::Call {
                netns: netns.clone(),
                argv: argv.iter().map(std::ffi::OsString::from).collect(),
            })
            .into_iter()
            .collect();
        assert_eq!(log.calls(), want, "{}", crate::common::show(&cmd, &out));
        std::fs::remove_file(log.path()).ok();
    }
}

/// The SysV links update-rc.d makes from the script's LSB header.
pub const RC_LINKS: [&str; 7] = [
    "/etc/rc0.d/K01vspace-netns",
    "/etc/rc1.d/K01vspace-netns",
    "/etc/rc2.d/S01vspace-netns",
    "/etc/rc3.d/S01vspace-netns",
    "/etc/rc4.d/S01vspace-netns",
    "/etc/rc5.d/S01vspace-netns",
    "/etc/rc6.d/K01vspace-netns",
];
