//! `make deb`, installed with the real dpkg into temporary roots (`dpkg --root
//! --force-script-chrootless`, so the maintainer scripts run and dpkg-divert works inside the
//! root), as root: /usr/sbin/vspace is the wrapper and vspace.distrib util-vserver's vspace
//! after install and upgrade, util-vserver's own upgrades land in vspace.distrib, and the
//! original is back byte for byte after remove and purge. A fake util-vserver package (random
//! bytes as its vspace) stands in for the real one. The host's dpkg database is never touched.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use common::root::*;
use common::*;

/// The package built once per test run from the test binary.
fn deb() -> &'static Path {
    static DEB: OnceLock<PathBuf> = OnceLock::new();
    DEB.get_or_init(|| {
        require_root();
        // One fixed place, emptied first: at most one package is left in the build dir.
        let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("deb");
        let _ = std::fs::remove_dir_all(&out_dir);
        run_ok(make().args([
            "deb".to_string(),
            format!("BIN={}", bin().display()),
            format!("DEB_OUT={}", out_dir.display()),
        ]));
        let debs: Vec<PathBuf> = std::fs::read_dir(&out_dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "deb"))
            .collect();
        assert_eq!(debs.len(), 1, "make deb made {debs:?}");
        debs[0].clone()
    })
}

/// A package file in a temporary directory (removed on drop).
struct Pkg {
    // Held for its Drop: the package file lives in it.
    _dir: tempfile::TempDir,
    file: PathBuf,
}

impl std::ops::Deref for Pkg {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.file
    }
}

/// A fake util-vserver package whose /usr/sbin/vspace is `vspace`.
fn fake_util_vserver(version: &str, vspace: &[u8]) -> Pkg {
    let dir = tempfile::tempdir().unwrap();
    let tree = Root {
        dir: tempfile::tempdir_in(dir.path()).unwrap(),
    };
    tree.write(VSPACE, vspace, 0o755);
    tree.write(
        "/DEBIAN/control",
        format!(
            "Package: util-vserver\nVersion: {version}\nArchitecture: all\nMaintainer: test <root@localhost>\nDescription: stand-in for util-vserver\n"
        )
        .as_bytes(),
        0o644,
    );
    let file = dir.path().join(format!("util-vserver_{version}_all.deb"));
    run_ok(
        Command::new("dpkg-deb")
            .arg("--root-owner-group")
            .arg("--build")
            .arg(tree.top())
            .arg(&file),
    );
    Pkg { _dir: dir, file }
}

/// A temporary root with an empty dpkg database.
fn dpkg_root() -> Root {
    require_root();
    let root = Root::new();
    for d in ["/var/lib/dpkg/info", "/var/lib/dpkg/updates", "/var/log"] {
        std::fs::create_dir_all(root.at(d)).unwrap();
    }
    root.write("/var/lib/dpkg/status", b"", 0o644);
    root
}

/// dpkg on the root, maintainer scripts run outside a chroot with DPKG_ROOT set.
fn dpkg(root: &Root) -> Command {
    let mut c = Command::new("dpkg");
    c.arg(format!("--root={}", root.top().display()))
        .arg("--force-not-root")
        .arg("--force-script-chrootless")
        .arg(format!("--log={}", root.at("/var/log/dpkg.log").display()));
    c
}

fn install(root: &Root, deb: &Path) -> Output {
    run_ok(dpkg(root).arg("--install").arg(deb))
}

/// The package's state in the root's database (`dpkg-query -W -f '${db:Status-Abbrev}'`).
fn status(root: &Root, package: &str) -> String {
    let out = run(Command::new("dpkg-query")
        .arg(format!("--admindir={}", root.at("/var/lib/dpkg").display()))
        .args(["-W", "-f", "${db:Status-Abbrev}", package]));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

const OUR_DIVERSION: &str =
    "diversion of /usr/sbin/vspace to /usr/sbin/vspace.distrib by vspace-netns";

/// The wrapper is the package's symlink and the original sits at vspace.distrib.
fn assert_diverted(root: &Root, original: &[u8]) {
    assert_eq!(
        std::fs::read_link(root.at(VSPACE)).unwrap(),
        Path::new("vspace-netns")
    );
    root.assert_wrapper("/usr/sbin/vspace-netns", &bin());
    root.assert_original_at(DISTRIB, original);
    assert_eq!(root.diversions(), OUR_DIVERSION);
}

/// util-vserver's vspace is back in its place and nothing of ours is left.
fn assert_restored(root: &Root, original: &[u8]) {
    root.assert_original_at(VSPACE, original);
    assert!(!root.exists(DISTRIB), "vspace.distrib left behind");
    assert_eq!(root.diversions(), "");
    assert_eq!(
        root.files_under("/usr/sbin"),
        [VSPACE],
        "leftovers in /usr/sbin"
    );
}

#[test]
fn the_package_holds_the_binary_names_wrapper_completions_and_scripts() {
    let deb = deb();
    let out = run_ok(Command::new("dpkg-deb").arg("--contents").arg(deb));
    let listing = String::from_utf8_lossy(&out.stdout);
    for want in [
        "./usr/sbin/vspace-netns",
        "./usr/sbin/vspace -> vspace-netns",
        "./usr/sbin/ip-netns-shim -> vspace-netns",
        "./usr/share/bash-completion/completions/vspace-netns",
        "./usr/share/zsh/vendor-completions/_vspace-netns",
        "./usr/share/fish/vendor_completions.d/vspace-netns.fish",
    ] {
        assert!(
            listing.contains(want),
            "{want} missing from the package:\n{listing}"
        );
    }
    assert!(
        !listing.contains("./usr/sbin/ip "),
        "the package must not take ip:\n{listing}"
    );
    let field = |name: &str| {
        let out = run_ok(Command::new("dpkg-deb").arg("--field").arg(deb).arg(name));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    assert_eq!(field("Package"), "vspace-netns");
    assert_eq!(field("Version"), env!("CARGO_PKG_VERSION"));
    let info =
        String::from_utf8_lossy(&run_ok(Command::new("dpkg-deb").arg("--info").arg(deb)).stdout)
            .into_owned();
    for script in ["preinst", "postinst", "postrm"] {
        assert!(info.contains(script), "{script} missing:\n{info}");
    }
}

#[test]
fn install_upgrade_remove_and_purge_over_an_installed_util_vserver() {
    let root = dpkg_root();
    let original = random_bytes(3001);
    install(&root, &fake_util_vserver("0.30.216-1", &original));
    root.assert_original_at(VSPACE, &original);

    let out = install(&root, deb());
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(
            "Adding 'diversion of /usr/sbin/vspace to /usr/sbin/vspace.distrib by vspace-netns'"
        ),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_diverted(&root, &original);
    assert_eq!(status(&root, "vspace-netns"), "ii");

    // Upgrade (the same version again): the diversion stays, nothing moves.
    install(&root, deb());
    assert_diverted(&root, &original);

    run_ok(dpkg(&root).args(["--remove", "vspace-netns"]));
    assert_restored(&root, &original);
    assert_eq!(status(&root, "vspace-netns"), "rc");
    assert_eq!(status(&root, "util-vserver"), "ii");

    run_ok(dpkg(&root).args(["--purge", "vspace-netns"]));
    assert_restored(&root, &original);
    assert_eq!(status(&root, "util-vserver"), "ii");
}

#[test]
fn purge_without_remove_restores_the_original() {
    let root = dpkg_root();
    let original = random_bytes(2048);
    install(&root, &fake_util_vserver("0.30.216-1", &original));
    install(&root, deb());
    assert_diverted(&root, &original);
    run_ok(dpkg(&root).args(["--purge", "vspace-netns"]));
    assert_restored(&root, &original);
    assert_eq!(status(&root, "vspace-netns"), "");
}

#[test]
fn util_vserver_installed_and_upgraded_later_lands_in_vspace_distrib() {
    let root = dpkg_root();
    let out = install(&root, deb());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("vspace-netns: /usr/sbin/vspace.distrib is missing: install util-vserver"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!root.exists(DISTRIB));

    let first = random_bytes(1500);
    install(&root, &fake_util_vserver("0.30.216-1", &first));
    assert_diverted(&root, &first);

    let second = random_bytes(1600);
    install(&root, &fake_util_vserver("0.30.216-2", &second));
    assert_diverted(&root, &second);

    run_ok(dpkg(&root).args(["--purge", "vspace-netns"]));
    assert_restored(&root, &second);
}

#[test]
fn remove_without_util_vserver_leaves_no_vspace() {
    let root = dpkg_root();
    install(&root, deb());
    assert_eq!(
        std::fs::read_link(root.at(VSPACE)).unwrap(),
        Path::new("vspace-netns")
    );
    run_ok(dpkg(&root).args(["--purge", "vspace-netns"]));
    assert!(
        !root.exists(VSPACE) && !root.exists(DISTRIB),
        "root has {:?}",
        root.files()
    );
    assert_eq!(root.diversions(), "");
}

#[test]
fn refuses_to_install_over_a_local_diversion() {
    // make install-divert was run before: the package must not take over silently.
    let root = dpkg_root();
    let original = random_bytes(999);
    install(&root, &fake_util_vserver("0.30.216-1", &original));
    run_ok(
        Command::new("dpkg-divert")
            .arg("--root")
            .arg(root.top())
            .args(["--local", "--rename", "--divert", DISTRIB, "--add", VSPACE]),
    );
    std::os::unix::fs::symlink("/usr/local/sbin/vspace-netns", root.at(VSPACE)).unwrap();

    let out = run_status(dpkg(&root).arg("--install").arg(deb()), 1);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("vspace-netns: /usr/sbin/vspace is diverted locally (make install-divert): run make uninstall-divert first"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    root.assert_original_at(DISTRIB, &original);
    assert_eq!(
        std::fs::read_link(root.at(VSPACE)).unwrap(),
        Path::new("/usr/local/sbin/vspace-netns")
    );
    assert_eq!(
        root.diversions(),
        "local diversion of /usr/sbin/vspace to /usr/sbin/vspace.distrib"
    );
    assert_ne!(status(&root, "vspace-netns"), "ii");
}

#[test]
fn refuses_to_install_over_a_plain_move() {
    let root = dpkg_root();
    let original = random_bytes(1234);
    root.write(DISTRIB, &original, 0o755);
    std::os::unix::fs::symlink("/usr/local/sbin/vspace-netns", root.at(VSPACE)).unwrap();
    let out = run_status(dpkg(&root).arg("--install").arg(deb()), 1);
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("/usr/sbin/vspace.distrib exists without a diversion"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    root.assert_original_at(DISTRIB, &original);
    assert_eq!(root.diversions(), "");
}

#[test]
fn the_installed_package_serves_util_vserver_calls() {
    // util-vserver's vspace is the vspace stand-in here, so calls reaching it are logged.
    let root = dpkg_root();
    let original = std::fs::read(standin()).unwrap();
    install(&root, &fake_util_vserver("0.30.216-1", &original));
    install(&root, deb());
    assert_diverted(&root, &original);
    assert_wrapper_serves(&root, &["--enter", "1001", "--default", "--net", "--"]);

    run_ok(dpkg(&root).args(["--purge", "vspace-netns"]));
    assert_restored(&root, &original);
}
