//! `make install`, `make install-divert` and `make uninstall-divert` (install/divert.sh) in
//! temporary roots, as root: the files laid out, and util-vserver's vspace surviving every
//! step byte for byte, with dpkg-divert and with the plain move.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use crate::common::root::*;
use crate::common::*;

/// Where `make install` puts the binary with the default PREFIX.
const TARGET: &str = "/usr/local/sbin/vspace-netns";

/// `make TARGET` for the temporary root, installing the test binary (no build).
fn make_in(root: &Root, target: &str, divert: &str) -> Command {
    let mut c = make();
    c.arg(target)
        .arg(format!("DESTDIR={}", root.top().display()))
        .arg(format!("BIN={}", bin().display()))
        .arg(format!("DIVERT={divert}"));
    c
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A temp root with a fake original and, for dpkg, an (empty) dpkg database.
fn root_with_original(dpkg: bool) -> (Root, Vec<u8>) {
    require_root();
    let root = Root::new();
    if dpkg {
        std::fs::create_dir_all(root.at("/var/lib/dpkg")).unwrap();
    }
    let original = root.fake_vspace();
    (root, original)
}

/// install, install again (refused), uninstall, uninstall again (nothing to undo).
fn whole_cycle(divert: &str, dpkg: bool) {
    let (root, original) = root_with_original(dpkg);
    let b = bin();

    run_ok(&mut make_in(&root, "install-divert", divert));
    root.assert_wrapper(TARGET, &b);
    root.assert_original_at(DISTRIB, &original);
    assert!(!root.exists("/usr/sbin/vspace.vspace-netns-new"));
    if dpkg {
        assert_eq!(
            root.diversions(),
            "local diversion of /usr/sbin/vspace to /usr/sbin/vspace.distrib"
        );
    } else {
        assert!(
            !root.exists("/var/lib/dpkg"),
            "the plain move touched dpkg's database"
        );
    }

    let again = run_status(&mut make_in(&root, "install-divert", divert), 2);
    assert!(
        stderr(&again).contains("vspace-netns divert: /usr/sbin/vspace is already the vspace-netns wrapper: not diverting it twice"),
        "{}",
        stderr(&again)
    );
    root.assert_wrapper(TARGET, &b);
    root.assert_original_at(DISTRIB, &original);

    // make uninstall must not leave util-vserver without its vspace.
    let un = run_status(&mut make_in(&root, "uninstall", divert), 2);
    assert!(
        stderr(&un).contains(
            "make uninstall: /usr/sbin/vspace is the wrapper: make uninstall-divert first"
        ),
        "{}",
        stderr(&un)
    );
    assert!(root.exists(TARGET));

    let out = run_ok(&mut make_in(&root, "uninstall-divert", divert));
    assert!(
        stdout(&out).contains("vspace-netns divert: /usr/sbin/vspace is util-vserver's again"),
        "{}",
        stdout(&out)
    );
    root.assert_original_at(VSPACE, &original);
    assert_eq!(root.files_under("/usr/sbin"), [VSPACE], "leftovers");
    if dpkg {
        assert_eq!(root.diversions(), "");
    }

    let out = run_ok(&mut make_in(&root, "uninstall-divert", divert));
    assert!(
        stdout(&out)
            .contains("vspace-netns divert: /usr/sbin/vspace is not diverted: nothing to undo"),
        "{}",
        stdout(&out)
    );
    root.assert_original_at(VSPACE, &original);
    assert_eq!(root.files_under("/usr/sbin"), [VSPACE]);

    run_ok(&mut make_in(&root, "uninstall", divert));
    root.assert_original_at(VSPACE, &original);
    assert_eq!(root.files_under("/usr/local"), Vec::<String>::new());
}

#[test]
fn divert_cycle_with_dpkg_divert() {
    whole_cycle("dpkg", true);
}

#[test]
fn divert_cycle_with_a_plain_move() {
    whole_cycle("plain", false);
}

#[test]
fn divert_cycle_plain_even_where_dpkg_is_present() {
    // DIVERT=plain forces the move although the root has a dpkg database.
    let (root, original) = root_with_original(true);
    run_ok(&mut make_in(&root, "install-divert", "plain"));
    root.assert_original_at(DISTRIB, &original);
    assert_eq!(root.diversions(), "", "the plain move recorded a diversion");
    run_ok(&mut make_in(&root, "uninstall-divert", "plain"));
    root.assert_original_at(VSPACE, &original);
}

#[test]
fn auto_uses_dpkg_divert_only_where_the_root_has_a_dpkg_database() {
    for dpkg in [true, false] {
        let (root, original) = root_with_original(dpkg);
        run_ok(&mut make_in(&root, "install-divert", "auto"));
        root.assert_original_at(DISTRIB, &original);
        assert_eq!(root.exists("/var/lib/dpkg/diversions"), dpkg);
        if dpkg {
            assert!(
                root.diversions()
                    .contains("local diversion of /usr/sbin/vspace")
            );
        }
        run_ok(&mut make_in(&root, "uninstall-divert", "auto"));
        root.assert_original_at(VSPACE, &original);
    }
}

#[test]
fn the_environment_variable_forces_the_plain_move() {
    let (root, original) = root_with_original(true);
    let b = bin();
    let target = root.at(TARGET);
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    std::fs::copy(&b, &target).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("install/divert.sh");
    let mut add = Command::new("sh");
    add.arg(&script)
        .arg("--root")
        .arg(root.top())
        .args(["add", TARGET])
        .env("VSPACE_NETNS_DIVERT", "plain");
    run_ok(&mut add);
    root.assert_wrapper(TARGET, &b);
    root.assert_original_at(DISTRIB, &original);
    assert_eq!(root.diversions(), "");
}

#[test]
fn refuses_when_there_is_no_vspace_to_divert() {
    require_root();
    for divert in ["dpkg", "plain"] {
        let root = Root::new();
        std::fs::create_dir_all(root.at("/var/lib/dpkg")).unwrap();
        let out = run_status(&mut make_in(&root, "install-divert", divert), 2);
        assert!(
            stderr(&out).contains("there is no /usr/sbin/vspace to divert under"),
            "{}",
            stderr(&out)
        );
        assert!(!root.exists(VSPACE) && !root.exists(DISTRIB));
    }
}

#[test]
fn refuses_a_stale_distrib_and_touches_neither_file() {
    for divert in ["dpkg", "plain"] {
        let (root, original) = root_with_original(true);
        let stale = random_bytes(77);
        root.write(DISTRIB, &stale, 0o755);
        let out = run_status(&mut make_in(&root, "install-divert", divert), 2);
        assert!(
            stderr(&out).contains(
                "/usr/sbin/vspace.distrib exists: vspace is already diverted; not diverting twice"
            ),
            "{}",
            stderr(&out)
        );
        root.assert_original_at(VSPACE, &original);
        root.assert_original_at(DISTRIB, &stale);
    }
}

#[test]
fn refuses_to_put_the_wrapper_over_a_copy_of_itself() {
    // A copy of the binary at /usr/sbin/vspace (no .distrib): diverting it would lose nothing
    // of util-vserver's but would make the wrapper call itself.
    require_root();
    let root = Root::new();
    root.write(VSPACE, &std::fs::read(bin()).unwrap(), 0o755);
    let out = run_status(&mut make_in(&root, "install-divert", "plain"), 2);
    assert!(
        stderr(&out).contains("/usr/sbin/vspace is already the vspace-netns wrapper"),
        "{}",
        stderr(&out)
    );
    assert!(!root.exists(DISTRIB));
}

#[test]
fn uninstall_leaves_a_vspace_that_is_not_the_wrapper() {
    for divert in ["dpkg", "plain"] {
        let (root, original) = root_with_original(true);
        run_ok(&mut make_in(&root, "install-divert", divert));
        // Someone put another program at /usr/sbin/vspace since.
        let other = random_bytes(500);
        std::fs::remove_file(root.at(VSPACE)).unwrap();
        root.write(VSPACE, &other, 0o755);
        let out = run_status(&mut make_in(&root, "uninstall-divert", divert), 2);
        assert!(
            stderr(&out).contains("/usr/sbin/vspace is not the vspace-netns wrapper: leaving it and /usr/sbin/vspace.distrib as they are"),
            "{}",
            stderr(&out)
        );
        root.assert_original_at(VSPACE, &other);
        root.assert_original_at(DISTRIB, &original);
    }
}

#[test]
fn uninstall_leaves_a_diversion_owned_by_a_package() {
    let (root, original) = root_with_original(true);
    run_ok(
        Command::new("dpkg-divert")
            .arg("--root")
            .arg(root.top())
            .args([
                "--package",
                "vspace-netns",
                "--rename",
                "--divert",
                DISTRIB,
                "--add",
                VSPACE,
            ]),
    );
    let out = run_status(&mut make_in(&root, "uninstall-divert", "auto"), 2);
    assert!(
        stderr(&out).contains("/usr/sbin/vspace is diverted by package vspace-netns: remove that package instead (dpkg -r vspace-netns)"),
        "{}",
        stderr(&out)
    );
    root.assert_original_at(DISTRIB, &original);
    let again = run_status(&mut make_in(&root, "install-divert", "auto"), 2);
    assert!(
        stderr(&again).contains("vspace is already diverted"),
        "{}",
        stderr(&again)
    );
    root.assert_original_at(DISTRIB, &original);
}

#[test]
fn make_install_lays_out_the_binary_names_man_pages_and_completions() {
    require_root();
    let root = Root::new();
    let b = bin();
    run_ok(&mut make_in(&root, "install", "auto"));

    let installed = root.at(TARGET);
    assert!(std::fs::read(&installed).unwrap() == std::fs::read(&b).unwrap());
    assert_eq!(
        std::fs::metadata(&installed).unwrap().permissions().mode() & 0o7777,
        0o755
    );
    assert_eq!(
        std::fs::read_link(root.at("/usr/local/sbin/ip-netns-shim")).unwrap(),
        Path::new("vspace-netns")
    );
    assert_eq!(
        root.files_under("/usr/local/sbin"),
        [
            "/usr/local/sbin/ip-netns-shim",
            "/usr/local/sbin/vspace-netns"
        ],
        "only the tool's own names: never vspace or ip"
    );

    // man/NAME.S goes to man/manS/NAME.S (section 8 for the tool, 5 for the zone format).
    let mut pages: Vec<(String, String)> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("man"))
            .map(|d| {
                d.map(|e| e.unwrap().file_name().into_string().unwrap())
                    .filter_map(|n| {
                        let section = n.rsplit_once('.')?.1.to_string();
                        ["5", "8"]
                            .contains(&section.as_str())
                            .then_some((n, section))
                    })
                    .collect()
            })
            .unwrap_or_default();
    pages.sort_by(|a, b| (&a.1, &a.0).cmp(&(&b.1, &b.0)));
    let want: Vec<String> = pages
        .iter()
        .map(|(p, s)| format!("/usr/local/share/man/man{s}/{p}"))
        .collect();
    assert_eq!(root.files_under("/usr/local/share/man"), want);
    for (p, s) in &pages {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("man").join(p);
        assert!(
            std::fs::read(root.at(&format!("/usr/local/share/man/man{s}/{p}"))).unwrap()
                == std::fs::read(src).unwrap()
        );
    }

    let hook = "/usr/local/lib/vspace-netns/vspace-netns-hook";
    assert_eq!(
        root.files_under("/usr/local/lib"),
        ["/usr/local/lib/vspace-netns/installed-dirs", hook]
    );
    assert_eq!(
        std::fs::metadata(root.at(hook))
            .unwrap()
            .permissions()
            .mode()
            & 0o7777,
        0o755,
        "util-vserver sources a scriptlet that is not executable"
    );
    assert!(
        std::fs::read(root.at(hook)).unwrap()
            == std::fs::read(
                Path::new(env!("CARGO_MANIFEST_DIR")).join("compat/util-vserver/vspace-netns-hook")
            )
            .unwrap()
    );

    for (shell, path, marker) in [
        (
            "bash",
            "/usr/local/share/bash-completion/completions/vspace-netns",
            "complete -F _vspace_netns vspace-netns",
        ),
        (
            "zsh",
            "/usr/local/share/zsh/site-functions/_vspace-netns",
            "#compdef vspace-netns",
        ),
        (
            "fish",
            "/usr/local/share/fish/vendor_completions.d/vspace-netns.fish",
            "complete -c vspace-netns",
        ),
    ] {
        let text = std::fs::read(root.at(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
        let fresh = run_ok(Command::new(&b).args(["completions", shell])).stdout;
        assert!(
            text == fresh,
            "{path} is not what `vspace-netns completions {shell}` prints"
        );
        assert!(
            String::from_utf8_lossy(&text).contains(marker),
            "{path} lacks {marker:?}"
        );
    }

    // The zones' util-vserver README, where doctor's message cites it; README.Debian,
    // NEWS.Debian (compressed) and the example zones, file for file.
    let doc = "/usr/local/share/doc/vspace-netns";
    let readme = "/usr/local/share/doc/vspace-netns/README.util-vserver";
    let src = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut want_docs = vec![
        format!("{doc}/NEWS.Debian.gz"),
        format!("{doc}/README.Debian"),
        readme.to_string(),
    ];
    let mut examples = Vec::new();
    fn walk(dir: &Path, top: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, top, out);
            } else {
                out.push(p.strip_prefix(top).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    walk(&src.join("examples"), src, &mut examples);
    assert!(
        examples.iter().any(|e| e == "examples/zones/gw/sysctl"),
        "{examples:?}"
    );
    for e in &examples {
        want_docs.push(format!("{doc}/{e}"));
        assert!(
            std::fs::read(root.at(&format!("{doc}/{e}"))).unwrap()
                == std::fs::read(src.join(e)).unwrap(),
            "{e} is not installed as it is"
        );
    }
    want_docs.sort();
    assert_eq!(root.files_under("/usr/local/share/doc"), want_docs);
    let news = run_ok(
        Command::new("gzip")
            .arg("-dc")
            .arg(root.at(&format!("{doc}/NEWS.Debian.gz"))),
    );
    assert!(news.stdout == std::fs::read(src.join("install/debian/NEWS.Debian")).unwrap());
    assert!(
        std::fs::read(root.at(readme)).unwrap()
            == std::fs::read(
                Path::new(env!("CARGO_MANIFEST_DIR")).join("compat/util-vserver/README")
            )
            .unwrap()
    );

    // The boot units, pointing at the binary where this install put it.
    let unit =
        std::fs::read_to_string(root.at("/lib/systemd/system/vspace-netns.service")).unwrap();
    for line in [
        "ExecStart=/usr/local/sbin/vspace-netns up --all",
        "ExecStop=/usr/local/sbin/vspace-netns down --all",
        "WantedBy=multi-user.target",
    ] {
        assert!(unit.lines().any(|l| l == line), "{line:?} missing:\n{unit}");
    }
    assert!(!unit.contains("/usr/sbin/vspace-netns"), "{unit}");
    let init = "/etc/init.d/vspace-netns";
    let script = std::fs::read_to_string(root.at(init)).unwrap();
    assert!(
        script
            .lines()
            .any(|l| l == "DAEMON=/usr/local/sbin/vspace-netns"),
        "{script}"
    );
    assert_eq!(
        std::fs::metadata(root.at(init))
            .unwrap()
            .permissions()
            .mode()
            & 0o7777,
        0o755
    );
    assert_eq!(
        root.files_under("/lib"),
        ["/lib/systemd/system/vspace-netns.service"]
    );
    // The hooks that repair the zones on an interface that came up, pointing at the binary.
    let hooks = [
        "/etc/network/if-up.d/vspace-netns",
        "/etc/networkd-dispatcher/carrier.d/vspace-netns",
        "/etc/networkd-dispatcher/routable.d/vspace-netns",
    ];
    for hook in hooks {
        let text = std::fs::read_to_string(root.at(hook)).unwrap();
        assert!(
            text.lines()
                .any(|l| l == "BIN=/usr/local/sbin/vspace-netns")
                && text.contains("up --parent \"$IFACE\""),
            "{hook}:\n{text}"
        );
        assert_eq!(
            std::fs::metadata(root.at(hook))
                .unwrap()
                .permissions()
                .mode()
                & 0o7777,
            0o755,
            "{hook}"
        );
    }
    let mut etc = vec![init];
    etc.extend(hooks);
    etc.sort();
    assert_eq!(root.files_under("/etc"), etc);

    run_ok(&mut make_in(&root, "uninstall", "auto"));
    assert_eq!(
        root.files(),
        Vec::<String>::new(),
        "make uninstall left files"
    );
    // The directories install made are gone too: the root is as empty as it was.
    assert_eq!(
        std::fs::read_dir(root.top()).unwrap().count(),
        0,
        "make uninstall left directories: {:?}",
        std::fs::read_dir(root.top())
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect::<Vec<_>>()
    );
}

#[test]
fn make_uninstall_keeps_directories_that_were_there_before() {
    require_root();
    let root = Root::new();
    // As on a Debian host: empty /usr/local/sbin and /etc/init.d exist before the install;
    // something else's file sits beside ours in /usr/local/share/doc/vspace-netns later.
    for d in ["/usr/local/sbin", "/etc/init.d", "/usr/local/share/man"] {
        std::fs::create_dir_all(root.at(d)).unwrap();
    }
    run_ok(&mut make_in(&root, "install", "auto"));
    root.write("/usr/local/share/doc/vspace-netns/notes", b"kept\n", 0o644);
    run_ok(&mut make_in(&root, "uninstall", "auto"));
    assert_eq!(
        root.files(),
        ["/usr/local/share/doc/vspace-netns/notes"],
        "make uninstall removed a file it did not install, or left one of its own"
    );
    for d in ["/usr/local/sbin", "/etc/init.d", "/usr/local/share/man"] {
        assert!(root.at(d).is_dir(), "{d} was there before and must stay");
    }
    for d in [
        "/usr/local/lib",
        "/usr/local/share/man/man8",
        "/lib",
        "/usr/local/share/bash-completion",
    ] {
        assert!(!root.exists(d), "{d} was made by install and must go");
    }
    // A second uninstall finds nothing to do and fails on nothing.
    run_ok(&mut make_in(&root, "uninstall", "auto"));
}

#[test]
fn targets_that_use_the_binary_never_build_it() {
    // No binary: each says to run make build first, and no cargo is run (PATH has none).
    let root = Root::new();
    for target in [
        "demo",
        "zones-demo",
        "bench",
        "bench-ip",
        "bench-floor",
        "install",
        "deb",
    ] {
        let mut cmd = make();
        cmd.arg(target)
            .arg("BIN=/nonexistent/vspace-netns")
            .arg(format!("DESTDIR={}", root.top().display()))
            .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        let out = run_status(&mut cmd, 2);
        assert!(
            stderr(&out).contains(&format!(
                "make {target}: no binary at /nonexistent/vspace-netns: run make build first (as your user)"
            )),
            "{}",
            show(&cmd, &out)
        );
    }
    assert_eq!(root.files(), Vec::<String>::new());
}

#[test]
fn make_install_honours_prefix_and_completion_dirs() {
    require_root();
    let root = Root::new();
    let mut cmd = make_in(&root, "install", "auto");
    cmd.args([
        "PREFIX=/opt/vn",
        "ZSHCOMPDIR=/usr/share/zsh/vendor-completions",
    ]);
    run_ok(&mut cmd);
    for f in [
        "/opt/vn/sbin/vspace-netns",
        "/opt/vn/sbin/ip-netns-shim",
        "/opt/vn/share/bash-completion/completions/vspace-netns",
        "/usr/share/zsh/vendor-completions/_vspace-netns",
        "/opt/vn/share/fish/vendor_completions.d/vspace-netns.fish",
    ] {
        assert!(root.exists(f), "{f} missing; root has {:?}", root.files());
    }
    assert!(!root.exists("/usr/local"));
}

#[test]
fn the_diverted_wrapper_serves_util_vserver_calls_and_reaches_the_original() {
    // The "original" is the vspace stand-in, so that calls reaching it are logged.
    for divert in ["dpkg", "plain"] {
        let (root, _) = root_with_original(true);
        let original = std::fs::read(standin()).unwrap();
        root.write(VSPACE, &original, 0o755);
        run_ok(&mut make_in(&root, "install-divert", divert));
        assert_wrapper_serves(&root, &["--new", "--default", "--"]);
        run_ok(&mut make_in(&root, "uninstall-divert", divert));
        root.assert_original_at(VSPACE, &original);
    }
}

#[test]
fn the_environment_variable_forces_the_plain_move_through_make_too() {
    let (root, original) = root_with_original(true);
    let mut cmd = make();
    cmd.arg("install-divert")
        .arg(format!("DESTDIR={}", root.top().display()))
        .arg(format!("BIN={}", bin().display()))
        .env("VSPACE_NETNS_DIVERT", "plain");
    run_ok(&mut cmd);
    root.assert_original_at(DISTRIB, &original);
    assert_eq!(root.diversions(), "", "dpkg-divert was used");
    let mut undo = make();
    undo.arg("uninstall-divert")
        .arg(format!("DESTDIR={}", root.top().display()))
        .env("VSPACE_NETNS_DIVERT", "plain");
    run_ok(&mut undo);
    root.assert_original_at(VSPACE, &original);
}

#[test]
fn install_makes_a_new_destdir_and_uninstall_says_what_is_wrong() {
    let parent = tempfile::tempdir().unwrap();
    let dest = parent.path().join("stage");
    let mut cmd = make();
    cmd.arg("install")
        .arg(format!("DESTDIR={}", dest.display()))
        .arg(format!("BIN={}", bin().display()));
    run_ok(&mut cmd);
    assert!(dest.join("usr/local/sbin/vspace-netns").is_file());
    let mut cmd = make();
    cmd.arg("uninstall")
        .arg(format!("DESTDIR={}", dest.display()));
    run_ok(&mut cmd);
    assert!(!dest.join("usr").exists(), "uninstall left directories");
    // A root that does not exist: the divert script's own reason, not a wrong one.
    let missing = parent.path().join("missing");
    let mut cmd = make();
    cmd.arg("uninstall")
        .arg(format!("DESTDIR={}", missing.display()));
    let out = run_status(&mut cmd, 2);
    assert!(
        stderr(&out).contains(&format!(
            "make uninstall: vspace-netns divert: root '{}' is not a directory",
            missing.display()
        )),
        "{}",
        show(&cmd, &out)
    );
}

/// `install/divert.sh --root R ACTION TARGET`.
fn divert_sh(root: &Path, action: &str, divert: &str) -> Command {
    let mut c = Command::new("sh");
    c.arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("install/divert.sh"))
        .arg("--root")
        .arg(root)
        .args(["--method", divert, action, TARGET]);
    c
}

/// A root whose directories lead out of it through symbolic links (an absolute one such as
/// R/usr/sbin -> /usr/sbin) is refused before anything changes: the tree outside (here a
/// throwaway "live system" with its own vspace, the sentinel) stays byte for byte as it was.
/// A relative link that stays inside the root is followed as before.
#[test]
fn divert_never_leaves_the_root_through_a_symlink() {
    require_root();
    for (what, link, divert) in [
        ("usr/sbin", "/usr/sbin", "plain"),
        ("usr/sbin", "/usr/sbin", "dpkg"),
        ("usr", "/usr", "plain"),
        ("var", "/var", "dpkg"),
    ] {
        let live = Root::new();
        let sentinel = live.fake_vspace();
        std::fs::create_dir_all(live.at("/var/lib/dpkg")).unwrap();
        let root = Root::new();
        std::fs::create_dir_all(root.at("/var/lib/dpkg")).unwrap();
        std::fs::create_dir_all(root.at(TARGET).parent().unwrap()).unwrap();
        std::fs::copy(bin(), root.at(TARGET)).unwrap();
        if what != "var" {
            // The "live" tree the absolute link names (a throwaway copy of the real one).
            let at = root.at(&format!("/{what}"));
            if at.exists() {
                std::fs::remove_dir_all(&at).unwrap();
            }
            std::fs::create_dir_all(at.parent().unwrap()).unwrap();
            std::os::unix::fs::symlink(live.at(link), &at).unwrap();
        } else {
            root.fake_vspace();
            std::fs::remove_dir_all(root.at("/var")).unwrap();
            std::os::unix::fs::symlink(live.at(link), root.at("/var")).unwrap();
        }
        let before = live.files();
        for action in ["add", "remove"] {
            let mut c = divert_sh(root.top(), action, divert);
            let out = run_status(&mut c, 1);
            assert!(
                stderr(&out).contains("leads out of the root through a symbolic link"),
                "{what} -> {link} ({divert}, {action}): {}",
                show(&c, &out)
            );
        }
        live.assert_original_at(VSPACE, &sentinel);
        assert!(
            !live.exists(DISTRIB),
            "{what} -> {link}: the live vspace was diverted"
        );
        assert_eq!(
            live.files(),
            before,
            "{what} -> {link}: the live tree changed"
        );
        assert_eq!(
            live.diversions(),
            "",
            "{what} -> {link}: a diversion was recorded outside"
        );
    }

    // A relative link that stays inside the root: followed, as by every tool.
    let (root, original) = root_with_original(false);
    std::fs::create_dir_all(root.at(TARGET).parent().unwrap()).unwrap();
    std::fs::copy(bin(), root.at(TARGET)).unwrap();
    std::os::unix::fs::symlink("usr/sbin", root.at("/sbin")).unwrap();
    let mut c = Command::new("sh");
    c.arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("install/divert.sh"))
        .arg("--root")
        .arg(root.top())
        .args([
            "--method",
            "plain",
            "--vspace",
            "/sbin/vspace",
            "add",
            TARGET,
        ]);
    run_ok(&mut c);
    root.assert_wrapper(TARGET, &bin());
    root.assert_original_at(DISTRIB, &original);
}
