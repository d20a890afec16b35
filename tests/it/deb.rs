//! `make deb` (cargo-deb, `[package.metadata.deb]`), installed with the real dpkg into
//! temporary roots (`dpkg --root --force-script-chrootless`, so the maintainer scripts run with
//! DPKG_ROOT set and dpkg-divert, deb-systemd-helper and update-rc.d work inside the root), as
//! root: /usr/sbin/vspace is the wrapper and vspace.distrib util-vserver's vspace after install
//! and upgrade (a second build with a higher version), util-vserver's own upgrades land in
//! vspace.distrib, the original is back byte for byte after remove and purge; the boot units
//! are enabled (systemd wants link, rc.d links), never started, and gone after purge. A fake
//! util-vserver package (random bytes as its vspace) stands in for the real one. The host's
//! dpkg database is never touched: each root, database included, goes when the test ends.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use crate::common::root::*;
use crate::common::*;

/// The package version `make deb` gives (Cargo.toml's, Debian revision 1).
fn version() -> String {
    format!("{}-1", env!("CARGO_PKG_VERSION"))
}

/// A higher version, for upgrades.
fn next_version() -> String {
    format!("{}-2", env!("CARGO_PKG_VERSION"))
}

/// `make deb` of the test binary into `name` under the tests' tmpdir, with `version` if given.
fn build_deb(name: &str, deb_version: Option<&str>) -> PathBuf {
    require_root();
    // One fixed place, emptied first: at most one package is left in the build dir.
    let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&out_dir);
    let mut cmd = make();
    cmd.args([
        "deb".to_string(),
        format!("BIN={}", bin().display()),
        format!("DEB_OUT={}", out_dir.display()),
    ]);
    if let Some(v) = deb_version {
        cmd.arg(format!("DEB_VERSION={v}"));
    }
    run_ok(&mut cmd);
    let debs: Vec<PathBuf> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(debs.len(), 1, "make deb left {debs:?}");
    let arch =
        String::from_utf8(run_ok(Command::new("dpkg").arg("--print-architecture")).stdout).unwrap();
    assert_eq!(
        debs[0].file_name().unwrap().to_string_lossy(),
        format!(
            "vspace-netns_{}_{}.deb",
            deb_version.map(str::to_string).unwrap_or_else(version),
            arch.trim()
        )
    );
    debs[0].clone()
}

/// The package built once per test run from the test binary.
fn deb() -> &'static Path {
    static DEB: OnceLock<PathBuf> = OnceLock::new();
    DEB.get_or_init(|| build_deb("deb", None))
}

/// The same with a higher version (`DEB_VERSION=`), built once per test run.
fn deb_next() -> &'static Path {
    static DEB: OnceLock<PathBuf> = OnceLock::new();
    DEB.get_or_init(|| build_deb("deb-next", Some(&next_version())))
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

/// The installed version of `package` in the root's database.
fn installed_version(root: &Root, package: &str) -> String {
    let out = run_ok(
        Command::new("dpkg-query")
            .arg(format!("--admindir={}", root.at("/var/lib/dpkg").display()))
            .args(["-W", "-f", "${Version}", package]),
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

const WANTS: &str = "/etc/systemd/system/multi-user.target.wants/vspace-netns.service";
const UNIT: &str = "/usr/lib/systemd/system/vspace-netns.service";
const INIT: &str = "/etc/init.d/vspace-netns";

/// The boot units are installed and enabled for both init systems (and nothing started them:
/// the SysV script's state file is absent).
fn assert_boot_enabled(root: &Root) {
    assert_eq!(
        std::fs::read_link(root.at(WANTS)).unwrap(),
        Path::new(UNIT),
        "systemd unit not enabled"
    );
    let mut links: Vec<String> = root
        .files_under("/etc")
        .into_iter()
        .filter(|f| f.starts_with("/etc/rc"))
        .collect();
    links.sort();
    assert_eq!(links, RC_LINKS);
    for l in RC_LINKS {
        assert_eq!(
            std::fs::read_link(root.at(l)).unwrap(),
            Path::new("../init.d/vspace-netns")
        );
    }
    assert_eq!(
        std::fs::metadata(root.at(INIT))
            .unwrap()
            .permissions()
            .mode()
            & 0o111,
        0o111
    );
    assert!(
        !root.exists("/run/vspace-netns"),
        "something started the zones"
    );
}

/// Nothing of the package is left but dpkg's own records (and empty directories).
fn assert_no_leftovers(root: &Root, original: Option<&[u8]>) {
    let left: Vec<String> = root
        .files()
        .into_iter()
        .filter(|f| !f.starts_with("/var/lib/dpkg/") && f != "/var/log/dpkg.log")
        .collect();
    let want: Vec<String> = original.map(|_| VSPACE.to_string()).into_iter().collect();
    assert_eq!(left, want, "purge left files behind");
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
fn the_package_holds_the_binary_names_wrapper_completions_docs_and_boot_units() {
    let deb = deb();
    let out = run_ok(Command::new("dpkg-deb").arg("--contents").arg(deb));
    let listing = String::from_utf8_lossy(&out.stdout);
    for want in [
        "./usr/sbin/vspace-netns",
        "./usr/sbin/vspace -> vspace-netns",
        "./usr/sbin/ip-netns-shim -> vspace-netns",
        "./usr/share/man/man8/vspace-netns.8.gz",
        "./usr/share/man/man8/ip-netns-shim.8.gz",
        "./usr/share/man/man5/vspace-netns-zones.5.gz",
        "./usr/share/bash-completion/completions/vspace-netns",
        "./usr/share/zsh/vendor-completions/_vspace-netns",
        "./usr/share/fish/vendor_completions.d/vspace-netns.fish",
        "./usr/lib/vspace-netns/vspace-netns-hook",
        "./usr/share/doc/vspace-netns/README.util-vserver",
        "./usr/share/doc/vspace-netns/README.md",
        "./usr/share/doc/vspace-netns/README.Debian",
        "./usr/share/doc/vspace-netns/docs/try-it.md",
        "./usr/share/doc/vspace-netns/docs/migrate.md",
        "./usr/share/doc/vspace-netns/NEWS.Debian.gz",
        "./usr/share/doc/vspace-netns/examples/README",
        "./usr/share/doc/vspace-netns/examples/zones/dmz/links/dmz0/vlan",
        "./usr/share/doc/vspace-netns/examples/zones/lan/links/lan0/address",
        "./usr/share/doc/vspace-netns/examples/zones/gw/sysctl",
        "./usr/share/doc/vspace-netns/copyright",
        "./usr/share/doc/vspace-netns/changelog.Debian.gz",
        "./usr/lib/systemd/system/vspace-netns.service",
        "./etc/init.d/vspace-netns",
        "./etc/network/if-up.d/vspace-netns",
        "./etc/networkd-dispatcher/carrier.d/vspace-netns",
        "./etc/networkd-dispatcher/routable.d/vspace-netns",
    ] {
        assert!(
            listing.lines().any(|l| l.ends_with(want)),
            "{want} missing from the package:\n{listing}"
        );
    }
    assert!(
        !listing.contains("./usr/sbin/ip ") && !listing.contains("./sbin/"),
        "the package must not take ip:\n{listing}"
    );
    let field = |name: &str| {
        let out = run_ok(Command::new("dpkg-deb").arg("--field").arg(deb).arg(name));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    assert_eq!(field("Package"), "vspace-netns");
    assert_eq!(field("Version"), version());
    assert_eq!(field("Section"), "admin");
    assert_eq!(field("Enhances"), "util-vserver");
    assert_eq!(field("Depends"), "", "static-pie: nothing to depend on");

    // The control archive: the scripts, and the init script as a conffile.
    let ctl = tempfile::tempdir().unwrap();
    run_ok(
        Command::new("dpkg-deb")
            .arg("--control")
            .arg(deb)
            .arg(ctl.path()),
    );
    assert_eq!(
        std::fs::read_to_string(ctl.path().join("conffiles")).unwrap(),
        "/etc/init.d/vspace-netns\n/etc/network/if-up.d/vspace-netns\n/etc/networkd-dispatcher/carrier.d/vspace-netns\n/etc/networkd-dispatcher/routable.d/vspace-netns\n"
    );
    for script in ["preinst", "postinst", "postrm"] {
        let text = std::fs::read_to_string(ctl.path().join(script)).unwrap();
        assert!(
            !text.contains("#DEBHELPER#"),
            "{script}: token left:\n{text}"
        );
    }
    // No prerm: dpkg never stops the zones (guests may use them).
    assert!(!ctl.path().join("prerm").exists());
    let postinst = std::fs::read_to_string(ctl.path().join("postinst")).unwrap();
    for want in [
        "update-rc.d vspace-netns defaults",
        "deb-systemd-helper enable vspace-netns.service",
    ] {
        assert!(
            postinst.contains(want),
            "postinst lacks {want}:\n{postinst}"
        );
    }
    for never in ["deb-systemd-invoke start", "invoke-rc.d", "systemctl start"] {
        assert!(!postinst.contains(never), "postinst starts: {never}");
    }
    let postrm = std::fs::read_to_string(ctl.path().join("postrm")).unwrap();
    for want in [
        "update-rc.d vspace-netns remove",
        "deb-systemd-helper purge vspace-netns.service",
        "--remove /usr/sbin/vspace",
    ] {
        assert!(postrm.contains(want), "postrm lacks {want}:\n{postrm}");
    }

    // The unit the package installs is the one in install/, byte for byte.
    let tree = tempfile::tempdir().unwrap();
    run_ok(Command::new("dpkg-deb").arg("-x").arg(deb).arg(tree.path()));
    for (inside, source) in [
        (UNIT, "install/vspace-netns.service"),
        (INIT, "install/vspace-netns.init"),
        (
            "/usr/share/doc/vspace-netns/README.util-vserver",
            "compat/util-vserver/README",
        ),
        (
            "/usr/share/doc/vspace-netns/README.Debian",
            "install/debian/README.Debian",
        ),
        (
            "/usr/share/doc/vspace-netns/examples/zones/gw/routes",
            "examples/zones/gw/routes",
        ),
    ] {
        assert!(
            std::fs::read(tree.path().join(&inside[1..])).unwrap()
                == std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(source)).unwrap(),
            "{inside} is not {source}"
        );
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
    assert_eq!(installed_version(&root, "vspace-netns"), version());
    assert_boot_enabled(&root);

    // Reinstalling the same version: the diversion stays, nothing moves.
    install(&root, deb());
    assert_diverted(&root, &original);
    assert_boot_enabled(&root);

    // Upgrade to a higher version: still diverted, still enabled, nothing started.
    let out = install(&root, deb_next());
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("Removing 'diversion"),
        "the upgrade dropped the diversion: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_diverted(&root, &original);
    assert_eq!(installed_version(&root, "vspace-netns"), next_version());
    assert_boot_enabled(&root);

    run_ok(dpkg(&root).args(["--remove", "vspace-netns"]));
    assert_restored(&root, &original);
    assert_eq!(status(&root, "vspace-netns"), "rc");
    assert_eq!(status(&root, "util-vserver"), "ii");
    // Removed, not purged: the conffile stays, not executable; the unit is masked.
    assert_eq!(
        std::fs::metadata(root.at(INIT))
            .unwrap()
            .permissions()
            .mode()
            & 0o111,
        0
    );
    assert_eq!(
        std::fs::read_link(root.at("/etc/systemd/system/vspace-netns.service")).unwrap(),
        Path::new("/dev/null")
    );

    run_ok(dpkg(&root).args(["--purge", "vspace-netns"]));
    assert_restored(&root, &original);
    assert_eq!(status(&root, "util-vserver"), "ii");
    assert_eq!(status(&root, "vspace-netns"), "");
    assert_no_leftovers(&root, Some(&original));
}

#[test]
fn a_downgrade_keeps_the_diversion_too() {
    let root = dpkg_root();
    let original = random_bytes(2222);
    install(&root, &fake_util_vserver("0.30.216-1", &original));
    install(&root, deb_next());
    assert_diverted(&root, &original);
    run_ok(
        dpkg(&root)
            .arg("--force-downgrade")
            .arg("--install")
            .arg(deb()),
    );
    assert_diverted(&root, &original);
    assert_eq!(installed_version(&root, "vspace-netns"), version());
    assert_boot_enabled(&root);
    run_ok(dpkg(&root).args(["--purge", "vspace-netns"]));
    assert_restored(&root, &original);
    assert_no_leftovers(&root, Some(&original));
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
    assert_no_leftovers(&root, Some(&original));
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
    assert_no_leftovers(&root, None);
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
