//! Everything `ip` does that is not ours reaches the real ip untouched, and the binary never
//! takes itself for the real ip.

use crate::common;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::common::ip::*;
use crate::common::*;

/// A compiled stand-in that prints its argv (NUL-separated) and exits 3.
fn print_argv() -> &'static Path {
    static P: OnceLock<PathBuf> = OnceLock::new();
    P.get_or_init(|| compile_c("print_argv.c", "print-argv", &[]))
}

fn argv_of(stdout: &[u8]) -> Vec<OsString> {
    let mut v: Vec<OsString> = stdout.split(|&b| b == 0).map(os).collect();
    assert_eq!(v.pop(), Some(OsString::new()), "output not NUL-terminated");
    v
}

#[test]
fn other_ip_commands_give_exactly_real_ip_output() {
    let names = Names::new();
    for args in [
        vec!["-V"],
        vec!["link", "show", "lo"],
        vec!["-br", "addr", "show", "dev", "lo"],
        vec!["-o", "-4", "addr", "show", "lo"],
        vec!["link", "show", "dev", "nosuchlinkxyz0"],
        vec!["ne", "exec"],
        vec!["netns", "help"],
        vec!["netns", "bogus"],
        vec!["-j", "netns", "list"],
        vec!["nosuchobject"],
        vec![],
    ] {
        let mut ours = our_ip(&names);
        ours.args(&args);
        let o = run(&mut ours);
        let t = run(real().args(&args));
        assert_eq!(o.status.code(), t.status.code(), "{}", show(&ours, &o));
        assert_eq!(o.stdout, t.stdout, "{}", show(&ours, &o));
        assert_eq!(o.stderr, t.stderr, "{}", show(&ours, &o));
    }
}

#[test]
fn pass_through_is_byte_exact_with_argv0() {
    let names = Names::new();
    let argv: Vec<OsString> = vec![
        os(b"-4"),
        os(b"link"),
        os(b"show"),
        os(b"\xff\xfe"),
        os(b""),
        os(b"--"),
        os(b"-n"),
    ];
    let mut c = Command::new(names.get("ip"));
    c.env("VSPACE_NETNS_REAL_IP", print_argv()).args(&argv);
    let out = run_status(&mut c, 3);
    let mut want = vec![names.get("ip").into_os_string()];
    want.extend(argv.iter().cloned());
    assert_eq!(argv_of(&out.stdout), want, "{}", show(&c, &out));
    // The shim hands what it does not do to ip as `ip netns ...`, named plain `ip`.
    let mut c = Command::new(names.get("ip-netns-shim"));
    c.env("VSPACE_NETNS_REAL_IP", print_argv())
        .args(["set", "x", "7"]);
    let out = run_status(&mut c, 3);
    assert_eq!(
        argv_of(&out.stdout),
        [os(b"ip"), os(b"netns"), os(b"set"), os(b"x"), os(b"7")]
    );
    // `ip -n NAME ...` and other global options are the real ip's, netns or not.
    let mut c = Command::new(names.get("ip"));
    c.env("VSPACE_NETNS_REAL_IP", print_argv())
        .args(["-n", "x", "netns", "exec", "y", "true"]);
    let out = run_status(&mut c, 3);
    assert_eq!(argv_of(&out.stdout).len(), 7);
}

#[test]
fn the_binary_refuses_to_be_its_own_real_ip() {
    let names = Names::new();
    for target in [common::bin(), names.get("ip"), names.get("vspace")] {
        let mut c = Command::new(names.get("ip"));
        c.env("VSPACE_NETNS_REAL_IP", &target)
            .args(["link", "show", "lo"]);
        let out = run_status(&mut c, 255);
        let first = String::from_utf8_lossy(&first_err_line(&out)).into_owned();
        assert!(
            first.starts_with("ip: VSPACE_NETNS_REAL_IP=") && first.contains("is this wrapper"),
            "{}",
            show(&c, &out)
        );
    }
    let mut c = Command::new(names.get("ip"));
    c.env("VSPACE_NETNS_REAL_IP", "ip").arg("-V");
    let out = run_status(&mut c, 255);
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not an absolute path"));
    // Ours are not passed through, so no real ip is needed for them.
    let ns = Netns::new("ippt");
    let mut c = Command::new(names.get("ip"));
    c.env("VSPACE_NETNS_REAL_IP", common::bin()).args([
        "netns",
        "exec",
        &ns.name,
        "readlink",
        "/proc/self/ns/net",
    ]);
    assert_eq!(text(&run_ok(&mut c)), ns.id());
}

/// `ip-netns-shim -n NS list` is `ip -n NS netns list`: the option keeps its value, `netns`
/// comes after both (it used to reach ip as `ip -n netns NS list`). Compared with the real ip,
/// and shown byte for byte through the argv printer.
#[test]
fn shim_global_options_keep_their_values() {
    // A name that does not exist: no namespace is made, so the host's listing (which other
    // tests compare) never changes under them.
    let missing = unique("ipgo");
    let names = Names::new();
    let mut ours = shim(&names);
    ours.args(["-n", &missing, "list"]);
    let o = run_status(&mut ours, 255);
    let t = run_status(real().args(["-n", &missing, "netns", "list"]), 255);
    assert_eq!(o.stdout, t.stdout, "{}", show(&ours, &o));
    assert_eq!(o.stderr, t.stderr, "{}", show(&ours, &o));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        format!("Cannot open network namespace \"{missing}\": No such file or directory\n")
    );
    for (args, want) in [
        (
            vec!["-n", "x", "list"],
            vec!["ip", "-n", "x", "netns", "list"],
        ),
        (
            vec!["-rc", "1024", "-j", "list-id"],
            vec!["ip", "-rc", "1024", "-j", "netns", "list-id"],
        ),
        (
            vec!["-family", "inet", "set", "a", "1"],
            vec!["ip", "-family", "inet", "netns", "set", "a", "1"],
        ),
    ] {
        let mut c = shim(&names);
        c.env("VSPACE_NETNS_REAL_IP", print_argv()).args(&args);
        let out = run_status(&mut c, 3);
        let want: Vec<OsString> = want.into_iter().map(OsString::from).collect();
        assert_eq!(argv_of(&out.stdout), want, "{}", show(&c, &out));
    }
    let mut c = shim(&names);
    c.args(["-batch", "/dev/null"]);
    let out = run_status(&mut c, 255);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "ip-netns-shim: -batch reads whole ip command lines from a file: run 'ip -batch FILE' instead\n"
    );
}
