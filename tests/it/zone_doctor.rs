//! `vspace-netns doctor` as root: every check passes on a good setup, and each check is shown
//! to fail (and only it) on a setup that breaks it; the status is 1 exactly when one fails.

use std::process::Command;

use crate::common::zone::*;
use crate::common::*;

/// A good setup: zone up with a veth link, guest `web` in it, the stand-in as the real vspace,
/// a link to this binary as /usr/sbin/vspace, and a vprocunhide.
struct Setup {
    z: TestZone,
    names: Names,
    v: String,
    p: String,
    id: u16,
}

impl Setup {
    fn new() -> Setup {
        let mut z = TestZone::new("zd");
        let (v, p) = (unique("zv"), unique("zp"));
        let id = unique_id();
        z.write("id", &format!("{id}\n"));
        z.link(&v, &[("type", "veth\n"), ("peer", &format!("{p}\n"))]);
        z.guest("web", format!("{}\n", z.name).as_bytes());
        let unhide = z.root.path().join("vprocunhide");
        write_program(&unhide, b"#!/bin/sh\n", 0o755);
        let s = Setup {
            z,
            names: Names::new(),
            v,
            p,
            id,
        };
        run_ok(&mut s.cmd(&["up", &s.z.name]));
        s
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = self.z.cmd(args);
        c.env(
            "VSPACE_NETNS_VPROCUNHIDE",
            self.z.root.path().join("vprocunhide"),
        )
        .env("VSPACE_NETNS_REAL_VSPACE", standin())
        .env("VSPACE_NETNS_SBIN_VSPACE", self.names.get("vspace"));
        c
    }

    /// Runs doctor; returns the FAIL lines after checking the status agrees with them.
    fn fails(&self, cmd: &mut Command) -> Vec<String> {
        let out = run(cmd);
        let lines = doctor_flat(&text(&out.stdout));
        let fails: Vec<String> = lines
            .iter()
            .filter(|l| l.starts_with("FAIL "))
            .cloned()
            .collect();
        let want = if fails.is_empty() { 0 } else { 1 };
        assert_eq!(out.status.code(), Some(want), "{}", show(cmd, &out));
        fails
    }

    fn only_fail(&self, cmd: &mut Command, want: &str) {
        let fails = self.fails(cmd);
        assert_eq!(fails.len(), 1, "{fails:?}");
        assert!(
            fails[0].starts_with(want),
            "\n got: {}\nwant: {want}",
            fails[0]
        );
    }
}

/// doctor's output less its lines about PID 1's namespaces: the one WARN line must be there
/// exactly when this process cannot open PID 1's mount namespace either (a sandbox's init),
/// the ok lines exactly when it can (a real PID 1, as in the VM tier); neither counts here.
fn without_pid1_warning(out: &str) -> String {
    let unreadable = std::fs::File::open("/proc/1/ns/mnt").is_err();
    let warns: Vec<&str> = out.lines().filter(|l| l.starts_with("WARN ")).collect();
    let want = usize::from(unreadable);
    assert_eq!(warns.len(), want, "{out}");
    let pid1_ok = |l: &str| l.starts_with("ok PID 1's ");
    if unreadable {
        assert!(
            warns[0].starts_with("WARN PID 1's mount namespace cannot be opened (/proc/1/ns/mnt: "),
            "{out}"
        );
        assert!(!out.lines().any(pid1_ok), "{out}");
    } else {
        assert!(
            out.lines()
                .any(|l| l.starts_with("ok PID 1's mount namespace (mnt:[")),
            "{out}"
        );
    }
    out.lines()
        .filter(|l| !l.starts_with("WARN ") && !pid1_ok(l))
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn a_good_setup_passes_every_check() {
    let s = Setup::new();
    let n = &s.z.name;
    let out = run_ok(&mut s.cmd(&["doctor", "web"]));
    let vs = s.z.vservers();
    assert_eq!(
        without_pid1_warning(&doctor_text(&out.stdout)),
        format!(
            "ok real vspace: {standin}\n\
             ok {wrapper} is this wrapper\n\
             ok vprocunhide: {unhide}\n\
             ok guest web: {vs}/web/spaces/net names {n}\n\
             ok guest web: {vs}/web/namespace-cleanup-skip keeps /run/netns and its entries\n\
             ok zone {n}: configuration is valid\n\
             ok zone {n}: /run/netns/{n} is a live network namespace\n\
             ok zone {n}: link {v} is up inside with MAC {m0}\n\
             ok zone {n}: link {p} is up on the host with MAC {m1}\n",
            m0 = mac_of(s.id, 0),
            m1 = mac_of(s.id, 1),
            standin = standin().display(),
            wrapper = s.names.get("vspace").display(),
            unhide = s.z.root.path().join("vprocunhide").display(),
            vs = vs.display(),
            v = s.v,
            p = s.p,
        )
    );
    assert_eq!(s.fails(&mut s.cmd(&["doctor", n])), Vec::<String>::new());
    assert_eq!(s.fails(&mut s.cmd(&["doctor"])), Vec::<String>::new());
}

#[test]
fn each_host_check_fails_on_its_own_breakage() {
    let s = Setup::new();
    let n = s.z.name.clone();
    let mut c = s.cmd(&["doctor", &n]);
    c.env("VSPACE_NETNS_REAL_VSPACE", bin());
    s.only_fail(&mut c, "FAIL real vspace: VSPACE_NETNS_REAL_VSPACE=");
    let mut c = s.cmd(&["doctor", &n]);
    c.env("VSPACE_NETNS_SBIN_VSPACE", standin());
    s.only_fail(
        &mut c,
        &format!(
            "FAIL {p} is not this wrapper: util-vserver calls it by that path, so its shared-net \
             calls miss the named namespaces; move the original aside and link this one there \
             (dpkg-divert --local --rename --add {p}; ln -s vspace-netns {p}; \
             see /usr/share/doc/vspace-netns/README.util-vserver)",
            p = standin().display()
        ),
    );
    let mut c = s.cmd(&["doctor", &n]);
    c.env("VSPACE_NETNS_SBIN_VSPACE", s.z.root.path().join("none"));
    s.only_fail(
        &mut c,
        &format!("FAIL {}/none is missing", s.z.root.path().display()),
    );
    let mut c = s.cmd(&["doctor", &n]);
    c.env("VSPACE_NETNS_VPROCUNHIDE", s.z.root.path().join("none"));
    s.only_fail(&mut c, "FAIL vprocunhide ");
}

#[test]
fn each_guest_and_zone_check_fails_on_its_own_breakage() {
    let s = Setup::new();
    let n = s.z.name.clone();
    let web = s.z.vservers().join("web");

    // spaces/net without its newline.
    std::fs::write(web.join("spaces/net"), &n).unwrap();
    s.only_fail(
        &mut s.cmd(&["doctor", "web"]),
        &format!("FAIL guest web: {}/spaces/net has no trailing newline: util-vserver silently gives the guest a private namespace", web.display()),
    );
    s.only_fail(&mut s.cmd(&["doctor", &n]), "FAIL guest web: ");
    std::fs::write(web.join("spaces/net"), "").unwrap();
    s.only_fail(&mut s.cmd(&["doctor", "web"]), "FAIL guest web: ");
    std::fs::write(web.join("spaces/net"), format!("{n}\n")).unwrap();

    // A cleanup-skip line missing (the guest's own file replaces .defaults).
    let skip = web.join("namespace-cleanup-skip");
    std::fs::write(&skip, "/run/netns\n/run/netns/*\n").unwrap();
    s.only_fail(
        &mut s.cmd(&["doctor", "web"]),
        &format!("FAIL guest web: {} lacks /run/netns/{n}: ", skip.display()),
    );
    std::fs::remove_file(&skip).unwrap();
    write(
        &s.z.vservers().join(".defaults/namespace-cleanup-skip"),
        &format!("/run/netns\n/run/netns/{n}\n/run/netns/*\n"),
    );
    assert_eq!(
        s.fails(&mut s.cmd(&["doctor", "web"])),
        Vec::<String>::new()
    );
    std::fs::remove_file(s.z.vservers().join(".defaults/namespace-cleanup-skip")).unwrap();
    s.only_fail(&mut s.cmd(&["doctor", "web"]), "FAIL guest web: ");
    run_ok(&mut s.cmd(&["up", &n]));
    assert_eq!(
        s.fails(&mut s.cmd(&["doctor", "web"])),
        Vec::<String>::new()
    );

    // Links: down, wrong MAC, missing.
    let ip = |args: &[&str]| run_ok(Command::new("ip").args(args));
    ip(&["-n", &n, "link", "set", "dev", &s.v, "down"]);
    s.only_fail(
        &mut s.cmd(&["doctor", &n]),
        &format!(
            "FAIL zone {n}: link {} is down inside: vspace-netns up {n}",
            s.v
        ),
    );
    ip(&["link", "set", "dev", &s.p, "address", "02:00:00:00:77:77"]);
    ip(&["-n", &n, "link", "set", "dev", &s.v, "up"]);
    s.only_fail(
        &mut s.cmd(&["doctor", &n]),
        &format!(
            "FAIL zone {n}: link {} has MAC 02:00:00:00:77:77, configured {}",
            s.p,
            mac_of(s.id, 1)
        ),
    );
    ip(&["-n", &n, "link", "del", "dev", &s.v]);
    let fails = s.fails(&mut s.cmd(&["doctor", &n]));
    assert_eq!(
        fails,
        [format!(
            "FAIL zone {n}: link {v} is missing inside (and its host end {p} on the host): vspace-netns up {n} runs 'ip link add name {t} netns {n} address {m0} type veth peer name {p} address {m1}'",
            t = vspace_netns::zone::plan::temp_name(&n, &s.v),
            m0 = mac_of(s.id, 0),
            m1 = mac_of(s.id, 1),
            v = s.v,
            p = s.p
        ),]
    );
    run_ok(&mut s.cmd(&["up", &n]));
    assert_eq!(s.fails(&mut s.cmd(&["doctor", &n])), Vec::<String>::new());

    // Configuration broken.
    s.z.write("links/bad0/type", "bridge\n");
    s.only_fail(
        &mut s.cmd(&["doctor", &n]),
        &format!(
            "FAIL zone {n}: configuration: {}/links/bad0/type: 'bridge' is not a link type",
            s.z.dir().display()
        ),
    );
    std::fs::remove_dir_all(s.z.dir().join("links/bad0")).unwrap();

    // The entry: missing while no guest runs (idle: ok, unless zones must be up), missing
    // while a guest runs, then a stale empty file where the namespace was.
    run_ok(&mut s.cmd(&["down", &n]));
    let idle = doctor_text(&run_ok(&mut s.cmd(&["doctor", &n])).stdout);
    assert!(
        idle.contains(&format!("\nok zone {n}: idle: /run/netns/{n} does not exist and none of its guests runs (the hook brings it up at the next start)\n")),
        "{idle}"
    );
    s.only_fail(
        &mut s.cmd(&["doctor", &n, "--expect-up"]),
        &format!(
            "FAIL zone {n}: idle: /run/netns/{n} does not exist (none of its guests runs), and zones must be up: bring the zone up: vspace-netns up {n}"
        ),
    );
    let run_file = s.z.vservers().join("web/run");
    std::fs::write(&run_file, "1001\n").unwrap();
    s.only_fail(
        &mut s.cmd(&["doctor", &n]),
        &format!(
            "FAIL zone {n}: /run/netns/{n} does not exist while web runs: bring the zone up: vspace-netns up {n}; "
        ),
    );
    std::fs::remove_file(&run_file).unwrap();
    std::fs::write(s.z.entry(), "").unwrap();
    s.only_fail(&mut s.cmd(&["doctor", &n]), &format!("FAIL zone {n}: /run/netns/{n} is an empty file with no namespace mounted on it in this mount namespace (a stale entry): "));
    let fails = s.fails(&mut s.cmd(&["doctor", &n]));
    assert!(
        fails[0].contains(&format!(": vspace-netns up {n};")),
        "{fails:?}"
    );
    assert!(!fails[0].contains("ip netns delete"), "{fails:?}");
    // The hint names up, and up does it: the zone's own stale entry is remade.
    if !s
        .z
        .stale_refused_here("zone_doctor::each_guest_and_zone_check_fails_on_its_own_breakage")
    {
        let out = run_ok(&mut s.cmd(&["up", &n]));
        assert!(
            text(&out.stdout).starts_with(&format!("ip netns delete {n}\nip netns add {n}\n")),
            "{}",
            text(&out.stdout)
        );
        assert_eq!(s.fails(&mut s.cmd(&["doctor", &n])), Vec::<String>::new());
        // down removes a stale entry too.
        std::fs::write(s.z.entry(), "").ok();
        run_ok(&mut s.cmd(&["down", &n]));
        assert!(!s.z.entry().exists());
    }

    // Neither a guest nor a zone.
    s.only_fail(
        &mut s.cmd(&["doctor", "nothing-here"]),
        "FAIL 'nothing-here': neither a guest in ",
    );
}

#[test]
fn guests_that_name_no_zone_are_checked_for_what_they_are() {
    let s = Setup::new();
    // util-vserver's own sharing: `mail` names guest `web`; nothing of ours to check.
    let vs = s.z.vservers();
    s.z.guest("mail", b"web\n");
    let out = run_status(&mut s.cmd(&["doctor", "mail"]), 1);
    assert!(
        doctor_text(&out.stdout).contains("ok guest mail: web is a guest, not a zone"),
        "{}",
        doctor_text(&out.stdout)
    );
    // Every guest's start must spare the zones: mail, made after up, is served by a
    // .defaults without the run-dir lines. The fix is a command; run it as printed.
    let fails = s.fails(&mut s.cmd(&["doctor", "mail"]));
    assert_eq!(fails.len(), 1, "{fails:?}");
    let fix = fails[0]
        .split_once("; add them: ")
        .map(|(_, f)| f)
        .unwrap_or_else(|| panic!("{fails:?}"));
    assert_eq!(
        fix,
        format!(
            "printf '%s\\n' /run/netns >> {f}; printf '%s\\n' '/run/netns/*' >> {f}",
            f = vs.join("mail/namespace-cleanup-skip").display()
        )
    );
    run_ok(Command::new("sh").args(["-c", fix]));
    assert_eq!(
        s.fails(&mut s.cmd(&["doctor", "mail"])),
        Vec::<String>::new()
    );
    // With a .defaults directory, a guest without a file of its own is served by .defaults:
    // the fix goes there, and works for every such guest.
    std::fs::create_dir_all(vs.join(".defaults")).unwrap();
    s.z.guest("ntp", b"web\n");
    let fails = s.fails(&mut s.cmd(&["doctor", "ntp"]));
    assert_eq!(fails.len(), 1, "{fails:?}");
    let fix = fix_after(
        &fails[0],
        "(it serves every guest without a file of its own): ",
    );
    assert_eq!(
        fix,
        format!(
            "printf '%s\\n' /run/netns >> {f}; printf '%s\\n' '/run/netns/*' >> {f}",
            f = vs.join(".defaults/namespace-cleanup-skip").display()
        )
    );
    run_ok(Command::new("sh").args(["-c", fix]));
    assert_eq!(
        s.fails(&mut s.cmd(&["doctor", "ntp"])),
        Vec::<String>::new()
    );
    // A namespace made by hand: its entry is checked, there is no configuration to check.
    let hand = Netns::new("zh");
    s.z.guest("db", format!("{}\n", hand.name).as_bytes());
    std::fs::write(
        vs.join("db/namespace-cleanup-skip"),
        format!("/run/netns\n/run/netns/{}\n/run/netns/*\n", hand.name),
    )
    .unwrap();
    let out = run_ok(&mut s.cmd(&["doctor", "db"]));
    assert!(
        doctor_text(&out.stdout).contains(&format!(
            "ok namespace {}: a live network namespace made by hand",
            hand.name
        )),
        "{}",
        doctor_text(&out.stdout)
    );
    // A hand-made entry gone stale: the one failure says what the entry is.
    let stale = unique("zs");
    let _entry = RunDirEntry::stale(&std::path::Path::new("/run/netns").join(&stale));
    s.z.guest("dns", format!("{stale}\n").as_bytes());
    std::fs::write(
        vs.join("dns/namespace-cleanup-skip"),
        format!("/run/netns\n/run/netns/{stale}\n/run/netns/*\n"),
    )
    .unwrap();
    s.only_fail(
        &mut s.cmd(&["doctor", "dns"]),
        &format!("FAIL namespace {stale}: /run/netns/{stale} is an empty file with no namespace mounted on it"),
    );
    // Neither a zone nor a namespace: the one failure names both fixes.
    let ghost = unique("zg");
    s.z.guest("ftp", format!("{ghost}\n").as_bytes());
    std::fs::write(
        vs.join("ftp/namespace-cleanup-skip"),
        format!("/run/netns\n/run/netns/{ghost}\n/run/netns/*\n"),
    )
    .unwrap();
    s.only_fail(
        &mut s.cmd(&["doctor", "ftp"]),
        &format!(
            "FAIL namespace {ghost}: neither a zone nor a network namespace: configure it as a zone"
        ),
    );
}

/// The one FAIL line's fix, after `marker`.
fn fix_after<'a>(fail: &'a str, marker: &str) -> &'a str {
    fail.split_once(marker)
        .map(|(_, f)| f)
        .unwrap_or_else(|| panic!("no '{marker}' in {fail}"))
}

#[test]
fn doctor_knows_util_vservers_scriptlets_spaces_and_native_netns() {
    let s = Setup::new();
    let n = s.z.name.clone();
    let vs = s.z.vservers();
    let web = vs.join("web");
    let scriptlet = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("compat/util-vserver/vspace-netns-hook");
    // The hook in .defaults for initialize; web has a scriptlet of its own for that phase, so
    // util-vserver skips .defaults' for web: the hook never runs there.
    let d = vs.join(".defaults/scripts/initialize.d");
    std::fs::create_dir_all(&d).unwrap();
    std::os::unix::fs::symlink(&scriptlet, d.join("vspace-netns")).unwrap();
    let own = web.join("scripts/initialize.d/backup");
    std::fs::create_dir_all(own.parent().unwrap()).unwrap();
    write_program(&own, b"#!/bin/sh\ntrue\n", 0o755);
    let fails = s.fails(&mut s.cmd(&["doctor", "web"]));
    assert_eq!(fails.len(), 1, "{fails:?}");
    assert!(
        fails[0].starts_with(&format!(
            "FAIL guest web: the hook {}/vspace-netns is not reached at initialize: the guest's own {} makes util-vserver skip .defaults/scripts/initialize* for it; link the hook for the guest too: ",
            d.display(),
            own.display()
        )),
        "{fails:?}"
    );
    run_ok(Command::new("sh").args([
        "-c",
        fix_after(&fails[0], "link the hook for the guest too: "),
    ]));
    let out = run_ok(&mut s.cmd(&["doctor", "web"]));
    assert!(doctor_text(&out.stdout).contains("ok guest web: the hook runs at initialize\n"));
    // A sourced scriptlet that sets DONT_SKIP_DEFAULTS keeps .defaults' for its phase.
    std::fs::create_dir_all(d.with_file_name("post-stop.d")).unwrap();
    std::os::unix::fs::symlink(&scriptlet, d.with_file_name("post-stop.d/vspace-netns")).unwrap();
    write(&web.join("scripts/post-stop"), "DONT_SKIP_DEFAULTS=1\n");
    let out = run_ok(&mut s.cmd(&["doctor", "web"]));
    assert!(
        doctor_text(&out.stdout).contains("ok guest web: the hook runs at initialize, post-stop\n")
    );

    // Settings that put the guest outside its zone.
    // util-vserver applies spaces/mask only when `read` fails on it (no trailing newline).
    write(&web.join("spaces/mask"), "0x4c000000");
    s.only_fail(
        &mut s.cmd(&["doctor", "web"]),
        &format!(
            "FAIL guest web: {}/spaces/mask has the net bit (0x40000000): util-vserver applies it",
            web.display()
        ),
    );
    write(&web.join("spaces/mask"), "0x4c000000\n");
    let out = run_ok(&mut s.cmd(&["doctor", "web"]));
    assert!(
        doctor_text(&out.stdout).contains(&format!(
            "WARN guest web: {}/spaces/mask has the net bit (0x40000000): util-vserver applies spaces/mask only when it lacks its trailing newline, so not now",
            web.display()
        )),
        "{}",
        doctor_text(&out.stdout)
    );
    write(&web.join("spaces/mask"), "0x0c000000\n");
    write(&web.join("spaces/pid"), &format!("{n}\n"));
    s.only_fail(
        &mut s.cmd(&["doctor", "web"]),
        &format!(
            "FAIL guest web: {}/spaces/pid names zone {n}: a zone is a network namespace only",
            web.display()
        ),
    );
    std::fs::remove_file(web.join("spaces/pid")).unwrap();
    write(&web.join("netns/name"), &format!("{n}\n"));
    let fails = s.fails(&mut s.cmd(&["doctor", "web"]));
    assert_eq!(fails.len(), 1, "{fails:?}");
    assert!(
        fails[0].starts_with(&format!("FAIL guest web: util-vserver's native {}/netns names zone {n} without netns/shared: its start runs 'ip netns add {n}'", web.display())),
        "{fails:?}"
    );
    std::fs::write(web.join("netns/shared"), "").unwrap();
    assert_eq!(
        s.fails(&mut s.cmd(&["doctor", "web"])),
        Vec::<String>::new()
    );
    // .defaults/netns serves every guest without a netns/ of its own; nonetns opts out.
    std::fs::remove_dir_all(web.join("netns")).unwrap();
    let defaults_netns = vs.join(".defaults/netns");
    write(&defaults_netns.join("name"), &format!("{n}\n"));
    s.only_fail(
        &mut s.cmd(&["doctor", "web"]),
        &format!(
            "FAIL guest web: util-vserver's native {} names zone {n} without netns/shared",
            defaults_netns.display()
        ),
    );
    std::fs::write(web.join("nonetns"), "").unwrap();
    assert_eq!(
        s.fails(&mut s.cmd(&["doctor", "web"])),
        Vec::<String>::new()
    );

    // A name that is both a guest and a run-dir entry: vspace enters the namespace.
    let both = Netns::new("zb");
    s.z.guest(&both.name, b"");
    s.z.guest("mail", format!("{}\n", both.name).as_bytes());
    let fails = s.fails(&mut s.cmd(&["doctor", "mail"]));
    assert!(
        fails[0].starts_with(&format!(
            "FAIL guest mail: {b} is both a guest and a run-dir entry (/run/netns/{b})",
            b = both.name
        )),
        "{fails:?}"
    );
}

#[test]
fn doctor_reports_what_up_would_change_lo_down_and_a_missing_address() {
    let mut z = TestZone::new("zu");
    let (v, p) = (unique("zv"), unique("zp"));
    z.write("id", "13\n");
    z.link(
        &v,
        &[
            ("type", "veth\n"),
            ("peer", &format!("{p}\n")),
            ("address", "10.79.13.1/24\n"),
        ],
    );
    let n = z.name.clone();
    z.guest("web", format!("{n}\n").as_bytes());
    run_ok(&mut z.cmd(&["up", &n]));
    let doctor = |z: &TestZone| {
        let out = run(&mut z.cmd(&["doctor", &n]));
        doctor_text(&out.stdout)
            .lines()
            .filter(|l| l.starts_with("FAIL zone"))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(doctor(&z), Vec::<String>::new());
    let ip = |args: &[&str]| run_ok(Command::new("ip").args(["-n", &n]).args(args));
    ip(&["link", "set", "dev", "lo", "down"]);
    ip(&["addr", "del", "10.79.13.1/24", "dev", &v]);
    assert_eq!(
        doctor(&z),
        [
            format!(
                "FAIL zone {n}: lo is down inside: vspace-netns up {n} runs 'ip -n {n} link set dev lo up'"
            ),
            format!(
                "FAIL zone {n}: link {v} lacks the address 10.79.13.1/24: vspace-netns up {n} runs 'ip -n {n} addr add 10.79.13.1/24 dev {v}'"
            ),
        ]
    );
    // What doctor names is what up --dry-run shows, and up fixes it.
    let dry = text(&run_ok(&mut z.cmd(&["up", &n, "--dry-run"])).stdout);
    assert_eq!(
        dry,
        format!("ip -n {n} link set dev lo up\nip -n {n} addr add 10.79.13.1/24 dev {v}\n")
    );
    run_ok(&mut z.cmd(&["up", &n]));
    assert_eq!(doctor(&z), Vec::<String>::new());
}

#[test]
fn a_members_missing_lines_are_fixed_by_the_line_as_printed() {
    // The fix for a zone's member names `up` too, but the command is what follows the last
    // colon: pasted into a shell whole, it does the job.
    let s = Setup::new();
    let file = s.z.vservers().join("web/namespace-cleanup-skip");
    std::fs::write(&file, "/sys\n").unwrap();
    let fails = s.fails(&mut s.cmd(&["doctor", "web"]));
    assert_eq!(fails.len(), 1, "{fails:?}");
    let (words, fix) = fails[0].rsplit_once(": ").unwrap();
    assert!(
        words.ends_with(&format!("('vspace-netns up {}' adds them too)", s.z.name)),
        "{fails:?}"
    );
    run_ok(Command::new("sh").args(["-c", fix]));
    assert_eq!(
        s.fails(&mut s.cmd(&["doctor", "web"])),
        Vec::<String>::new()
    );
}

#[test]
fn doctor_fails_on_the_host_side_a_zone_lacks_parents_and_kinds() {
    let s = Setup::new();
    let n = s.z.name.clone();
    let parent = HostVeth::new();
    let (mv, vl) = (unique("dm"), unique("dv"));
    s.z.write(&format!("links/{mv}/type"), "macvlan\n");
    s.z.write(&format!("links/{mv}/link"), &format!("{}\n", parent.a));
    let fails = s.fails(&mut s.cmd(&["doctor", &n]));
    assert!(
        !fails.iter().any(|f| f.contains("parent link")),
        "{fails:?}"
    );
    // The parent down, then missing: each a FAIL with its fix.
    run_ok(Command::new("ip").args(["link", "set", "dev", &parent.a, "down"]));
    let fails = s.fails(&mut s.cmd(&["doctor", &n]));
    let want = format!(
        "FAIL zone {n}: the parent link {p} of link {mv} is down on the host: bring it up: ip link set dev {p} up",
        p = parent.a
    );
    assert!(fails.iter().any(|f| f.starts_with(&want)), "{fails:?}");
    let gone = unique("dg");
    s.z.write(&format!("links/{mv}/link"), &format!("{gone}\n"));
    let fails = s.fails(&mut s.cmd(&["doctor", &n]));
    let want = format!(
        "FAIL zone {n}: the parent link {gone} of link {mv} is missing on the host: create {gone}"
    );
    assert!(fails.iter().any(|f| f.starts_with(&want)), "{fails:?}");
    std::fs::remove_dir_all(s.z.dir().join("links").join(&mv)).unwrap();
    // 802.1Q: a FAIL exactly when the kernel lacks it, as ip itself finds (the VM tier has it).
    s.z.write(&format!("links/{vl}/type"), "vlan\n");
    s.z.write(&format!("links/{vl}/link"), &format!("{}\n", parent.a));
    s.z.write(&format!("links/{vl}/vlan"), "7\n");
    let probe = unique("dq");
    let made = run(Command::new("ip").args([
        "link", "add", "link", &parent.a, "name", &probe, "type", "vlan", "id", "7",
    ]));
    let _ = run(Command::new("ip").args(["link", "del", "dev", &probe]));
    let lacks = text(&made.stderr).contains("Unknown device type");
    let fails = s.fails(&mut s.cmd(&["doctor", &n]));
    let want = format!(
        "FAIL zone {n}: this kernel has no 802.1Q VLAN support (link {vl}): load it (modprobe 8021q;"
    );
    assert_eq!(
        fails.iter().any(|f| f.starts_with(&want)),
        lacks,
        "ip link add ... type vlan: {}\n{fails:?}",
        text(&made.stderr)
    );
    if lacks {
        eprintln!(
            "doctor_fails_on_the_host_side: this kernel has no 802.1Q: checked that doctor says so (the VM tier checks the other way)"
        );
    }
}

#[test]
fn the_cleanup_skip_fix_is_what_up_runs() {
    // A member without a file of its own, served by a .defaults that lacks the lines: up
    // copies .defaults to the guest's own file and appends there; doctor's fix is those lines.
    let s = Setup::new();
    let vs = s.z.vservers();
    std::fs::remove_file(vs.join("web/namespace-cleanup-skip")).unwrap();
    write(&vs.join(".defaults/namespace-cleanup-skip"), "/sys\n");
    let dry = text(&run_ok(&mut s.cmd(&["up", &s.z.name, "--dry-run"])).stdout);
    let fails = s.fails(&mut s.cmd(&["doctor", "web"]));
    assert_eq!(fails.len(), 1, "{fails:?}");
    let (_, fix) = fails[0].rsplit_once(": ").unwrap();
    let lines: Vec<&str> = fix.split("; ").collect();
    assert_eq!(
        lines[0],
        format!(
            "cp {v}/.defaults/namespace-cleanup-skip {v}/web/namespace-cleanup-skip",
            v = vs.display()
        ),
        "{fix}"
    );
    assert_eq!(lines.len(), 4, "{fix}");
    for l in &lines {
        assert!(
            dry.lines().any(|d| d == *l),
            "'{l}' is not among up's lines:\n{dry}"
        );
    }
}
