//! Zones on a util-vserver host, played for real: the host is PID 1 of the test's own PID and
//! mount namespace (`common::host`), a guest's start runs in a mount namespace of its own as
//! `vserver GUEST start` does, with util-vserver's namespace cleanup. The host's mount
//! namespace is the truth: a zone the first guest's hook brings up on a fresh `/run` is live on
//! the host and shared by the second guest; every guest's start spares every zone; the hints
//! say what is true, and the commands they name work.

use crate::common::host::*;
use crate::common::zone::*;

/// A zone with only `lo`, and guests web and db in it.
fn zone(prefix: &str) -> TestZone {
    let z = TestZone::new(prefix);
    let net = format!("{}\n", z.name);
    z.guest("web", net.as_bytes());
    z.guest("db", net.as_bytes());
    std::fs::create_dir_all(z.vservers().join(".defaults")).unwrap();
    z
}

#[test]
fn the_first_guests_hook_on_a_fresh_run_makes_the_zone_the_hosts() {
    let z = zone("zf");
    let h = Host::new();
    let out = h.ok(
        &z,
        r#"
boot
say "before: $(view "$Z")"
in_start web '
	hook initialize web >/dev/null
	hook prepre-start web >"$T/web.up"
	cleanup web
	say "web sees: $(view "$Z")"
	"$VSPACE" --enter "$Z" --net -- readlink /proc/self/ns/net >"$T/web.ns"
	vsn explain -- --enter "$Z" --net -- /bin/true >"$T/web.explain"
	hook post-start web
'
say "host sees: $(view "$Z")"
say "host: net:[$(ino "$Z")]"
say "iproute2: $(ip netns exec "$Z" readlink /proc/self/ns/net)"
in_start db '
	hook initialize db >"$T/db.up"
	hook prepre-start db >/dev/null
	cleanup db
	say "db sees: $(view "$Z")"
	"$VSPACE" --enter "$Z" --net -- readlink /proc/self/ns/net >"$T/db.ns"
	hook post-start db
'
say "web: $(cat "$T/web.ns")"
say "db: $(cat "$T/db.ns")"
"#,
    );
    assert_eq!(field(&out, "before"), "missing", "{out}");
    // The zone was made in PID 1's mount namespace: the host sees it, so does iproute2.
    assert_eq!(field(&out, "host sees"), "live", "{out}");
    let host = field(&out, "host");
    assert_eq!(field(&out, "iproute2"), host, "{out}");
    // web's own mount namespace (copied before the zone existed) got no mount of it: the
    // vspace personality entered it as PID 1 sees it, and explain says so.
    assert_eq!(field(&out, "web sees"), "stale", "{out}");
    assert_eq!(field(&out, "web"), host, "{out}");
    let explain = h.read("web.explain");
    assert!(
        explain.contains("decision:    intercept")
            && explain.contains("view:        ")
            && explain.contains("entered as PID 1 sees it"),
        "{explain}"
    );
    // db, started later, sees the host's zone directly and shares it.
    assert_eq!(field(&out, "db sees"), "live", "{out}");
    assert_eq!(field(&out, "db"), host, "{out}");
    assert!(h.read("web.up").is_empty() || h.read("web.up").starts_with('#'));
    assert_eq!(
        h.read("db.up"),
        format!("# nothing to do: zone {} is up as configured\n", z.name)
    );
    // The namespace lived only in the test's namespaces: nothing on the machine.
    assert!(!z.entry().exists());
}

#[test]
fn every_guests_start_spares_every_zone_and_a_namespace_made_by_hand() {
    let z = zone("zs");
    let hand = format!("{}h", z.name);
    z.guest("hand", format!("{hand}\n").as_bytes());
    // Guests outside every zone: `other`, whose file (written after up) lacks the run-dir
    // lines, and `bad`, the control, with the same file and no hook run for it.
    z.guest("other", b"");
    z.guest("bad", b"");
    let h = Host::new();
    let out = h.ok(
        &z,
        &format!(
            r#"
boot
vsn up "$Z" >/dev/null
ip netns add {hand}
say /proc >"$VSPACE_NETNS_VSERVERS/other/namespace-cleanup-skip"
# before every start: a guest outside every zone, then the hand-made namespace's guest
in_start other 'hook initialize other >"$T/other.up"; cleanup other'
say "after other: $(view "$Z") $(view {hand})"
in_start hand 'hook initialize hand >"$T/hand.up"; cleanup hand'
say "after hand: $(view "$Z") $(view {hand})"
# the control: a start whose cleanup-skip lacks the lines unmounts both on the host
say /proc >"$VSPACE_NETNS_VSERVERS/bad/namespace-cleanup-skip"
in_start bad 'cleanup bad'
say "after bad: $(view "$Z") $(view {hand})"
vsn doctor "$Z" >"$T/doctor.zone" || :
vsn doctor hand >"$T/doctor.hand" || :
# the fixes, as doctor names them
vsn up "$Z" >"$T/up.again"
say "after up: $(view "$Z")"
ip netns delete {hand}; ip netns add {hand}
say "after delete and add: $(view {hand})"
"#
        ),
    );
    assert_eq!(field(&out, "after other"), "live live", "{out}");
    assert_eq!(field(&out, "after hand"), "live live", "{out}");
    assert_eq!(field(&out, "after bad"), "stale stale", "{out}");
    let vs = z.vservers();
    assert_eq!(
        h.read("other.up"),
        format!(
            "printf '%s\\n' /run/netns >> {f}\n\
             printf '%s\\n' '/run/netns/*' >> {f}\n",
            f = vs.join("other/namespace-cleanup-skip").display()
        )
    );
    // The hand-made namespace's guest gets its lines exactly as a zone's member would (a copy
    // of .defaults, which serves it, then its own entry).
    assert_eq!(
        h.read("hand.up"),
        format!(
            "# hook: '{hand}' is not a zone: the network namespace /run/netns/{hand} is used as it is\n\
             cp {vs}/.defaults/namespace-cleanup-skip {vs}/hand/namespace-cleanup-skip\n\
             printf '%s\\n' /run/netns/{hand} >> {vs}/hand/namespace-cleanup-skip\n",
            vs = vs.display()
        )
    );
    // up wrote the lines into .defaults and every guest's own file, members or not.
    for f in [".defaults", "web", "db", "hand"] {
        let text = std::fs::read_to_string(vs.join(f).join("namespace-cleanup-skip")).unwrap();
        assert!(
            text.contains("/run/netns\n") && text.contains("/run/netns/*\n"),
            "{f}: {text}"
        );
    }
    // Dead on the host too (doctor runs as PID 1 here): the zone's hint is up, the hand-made
    // namespace's delete and add; both were run above and brought them back.
    let dz = doctor_text(h.read("doctor.zone").as_bytes());
    assert!(
        dz.contains(
            "(a stale entry): the namespace was unmounted in the host's mount namespace too"
        ) && dz.contains(&format!("recreate it: vspace-netns up {}", z.name))
            && !dz.contains("ip netns delete"),
        "{dz}"
    );
    let dh = doctor_text(h.read("doctor.hand").as_bytes());
    assert!(
        dh.contains(&format!(
            "recreate it: ip netns delete {hand}; ip netns add {hand}"
        )),
        "{dh}"
    );
    assert!(
        h.read("up.again").starts_with(&format!(
            "ip netns delete {n}\nip netns add {n}\n",
            n = z.name
        )),
        "{}",
        h.read("up.again")
    );
    assert_eq!(field(&out, "after up"), "live", "{out}");
    assert_eq!(field(&out, "after delete and add"), "live", "{out}");
}

#[test]
fn an_entry_live_on_the_host_but_not_here_is_entered_and_explained_never_deleted() {
    // By the vspace personality and by `ip netns exec` alike.
    let z = zone("zv");
    let h = Host::new();
    let out = h.ok(
        &z,
        r#"
boot
mkdir -p /run/netns
# A mount namespace that receives no mounts from the host (PrivateMounts=, nsjail), made
# before the zone comes up.
unshare -m --propagation private sh -c 'echo $$ >"$T/private.pid"; exec sleep 100' &
until [ -s "$T/private.pid" ] && [ "$(readlink /proc/$(cat "$T/private.pid")/ns/mnt)" != "$(readlink /proc/self/ns/mnt)" ]; do sleep 0.05; done
P=$(cat "$T/private.pid")
vsn up "$Z" >/dev/null
say "host: net:[$(ino "$Z")]"
there() { nsenter -t "$P" -m -- "$@"; }
say "private sees: $(there sh -c ". '$T/lib.sh'; view $Z")"
say "entered: $(there "$VSPACE" --enter "$Z" --net -- readlink /proc/self/ns/net)"
say "ip exec: $(there "$SHIM" exec "$Z" readlink /proc/self/ns/net)"
there "$BIN" doctor "$Z" >"$T/doctor" || :
there "$BIN" explain -- --enter "$Z" --net -- /bin/true >"$T/explain"
kill "$P"
say "host still: $(view "$Z")"
"#,
    );
    assert_eq!(field(&out, "private sees"), "stale", "{out}");
    assert_eq!(field(&out, "entered"), field(&out, "host"), "{out}");
    assert_eq!(field(&out, "ip exec"), field(&out, "host"), "{out}");
    let d = doctor_text(h.read("doctor").as_bytes());
    let fail = d
        .lines()
        .find(|l| l.starts_with("FAIL zone"))
        .unwrap_or_else(|| panic!("{d}"));
    assert!(
        fail.contains("is stale in this mount namespace but live as PID 1 sees it (not visible in this mount namespace)")
            && fail.contains("receives no mounts from the host")
            && !fail.contains("ip netns delete")
            && !fail.contains("vspace-netns up"),
        "{fail}"
    );
    assert!(h.read("explain").contains("entered as PID 1 sees it"));
    assert_eq!(field(&out, "host still"), "live", "{out}");
}

#[test]
fn dry_run_says_where_it_works_and_an_unreadable_pid_1_is_said_once() {
    let z = zone("zn");
    let h = Host::new();
    let out = h.ok(
        &z,
        r#"
boot
in_start web 'vsn up "$Z" --dry-run >"$T/dry"'
# A process that cannot see PID 1 (no /proc here): it says so once, and doctor flags it.
in_start web 'mount -t tmpfs none /proc; vsn up "$Z" --dry-run >"$T/blind.out" 2>"$T/blind.err"; vsn doctor "$Z" >"$T/blind.doctor" 2>&1 || :'
say "host sees: $(view "$Z")"
"#,
    );
    let n = &z.name;
    let dry = h.read("dry");
    let mut lines = dry.lines();
    let first = lines.next().unwrap_or_default();
    assert!(
        first.starts_with("# in PID 1's mount namespace (mnt:[")
            && first.contains("entered with setns(2) from mnt:[")
            && first.contains("while single-threaded"),
        "{dry}"
    );
    let rest: Vec<&str> = lines.collect();
    assert_eq!(
        rest[..3],
        [
            format!("ip netns add {n}"),
            format!("ip -n {n} link set dev lo up"),
            format!("ip -n {n} link set dev lo alias vspace-netns:{n}")
        ]
    );
    assert!(rest[3..].iter().all(|l| l.starts_with("printf ")), "{dry}");
    let err = h.read("blind.err");
    assert_eq!(
        err.matches("vspace-netns: note: PID 1's mount namespace cannot be opened (/proc/1/ns/mnt: No such file or directory); working in this process's own mount namespace").count(),
        1,
        "{err}"
    );
    // Besides the dry run's warning that vprocunhide is missing here (and its fix).
    assert_eq!(
        err.lines()
            .filter(|l| !l.starts_with("vspace-netns: WARN vprocunhide ")
                && !l.starts_with("    fix: "))
            .count(),
        1,
        "{err}"
    );
    assert!(
        h.read("blind.out")
            .starts_with(&format!("ip netns add {n}\n"))
    );
    assert!(
        h.read("blind.doctor")
            .contains("  WARN PID 1's mount namespace cannot be opened (/proc/1/ns/mnt: No such file or directory)"),
        "{}",
        h.read("blind.doctor")
    );
    assert_eq!(field(&out, "host sees"), "missing", "{out}");
}
