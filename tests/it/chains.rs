//! Whole util-vserver command chains, replayed as root: the data files of
//! `compat/util-vserver/chains/` (format in its README) run with this binary at every `vspace`
//! position, the compiled vspace stand-in as the real vspace, and the shell stand-ins of
//! `standins.sh` for util-vserver's other programs. Each test checks where the chain's last
//! program ran (the named netns, or the host's), its argv, and exactly which calls reached the
//! real vspace, in which netns, byte for byte.
//!
//! The word `db` of a chain becomes a real, uniquely named netns; util-vserver's absolute
//! program paths become links in a temporary directory (see `PROGRAMS`).

use crate::common;

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/compat/util-vserver/chains");

/// util-vserver's programs as the chains name them, and the stand-in each becomes: `vspace`
/// is this binary, every other name a link to `standins.sh` (which reads its name from $0).
const PROGRAMS: &[(&str, &str)] = &[
    ("/usr/sbin/vspace", "vspace"),
    ("/usr/sbin/vserver", "vserver"),
    ("/usr/lib/util-vserver/exec-ulimit", "exec-ulimit"),
    ("/usr/sbin/vtag", "vtag"),
    ("/usr/sbin/vcontext", "vcontext"),
    ("/usr/sbin/chbind", "chbind"),
    ("/usr/bin/nice", "nice"),
    ("/usr/lib/util-vserver/secure-mount", "secure-mount"),
    ("/sbin/init", "init"),
    ("/etc/init.d/rc", "rc"),
    ("/bin/sh", "sh"),
    ("/bin/ls", "ls"),
    ("/usr/bin/apt-get", "apt-get"),
];

/// The word of a chain that names the shared network namespace.
const NETNS_WORD: &[u8] = b"db";

/// Where a program ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Where {
    Named,
    Host,
}

/// One chain file, words decoded, nothing substituted yet.
#[derive(Debug)]
struct Chain {
    netns: Where,
    run: Vec<Vec<u8>>,
    record: Vec<Vec<u8>>,
    real: Vec<(Where, Vec<Vec<u8>>)>,
    status: i32,
}

/// Splits on blanks and decodes each word as the recorded calls do (`\xHH`, `\\`, `''`).
fn words(text: &[u8]) -> Vec<Vec<u8>> {
    text.split(|&b| b == b' ' || b == b'\t')
        .filter(|w| !w.is_empty())
        .map(|w| {
            common::compat::unescape(w)
                .unwrap_or_else(|e| panic!("word {:?}: {e}", String::from_utf8_lossy(w)))
                .into_vec()
        })
        .collect()
}

fn place(word: &[u8]) -> Where {
    match word {
        b"named" => Where::Named,
        b"host" => Where::Host,
        other => panic!(
            "expected named or host, not {:?}",
            String::from_utf8_lossy(other)
        ),
    }
}

/// Parses a chain file; a line starting with a blank continues the previous key.
fn parse(data: &[u8]) -> Chain {
    let mut entries: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    for line in data.split(|&b| b == b'\n') {
        match line.first() {
            None | Some(b'#') => {}
            Some(b' ' | b'\t') => {
                let (_, value) = entries
                    .last_mut()
                    .expect("continuation line before any key");
                value.push(b' ');
                value.extend_from_slice(line);
            }
            Some(_) => {
                let colon = line.iter().position(|&b| b == b':').expect("key: value");
                entries.push((line[..colon].to_vec(), line[colon + 1..].to_vec()));
            }
        }
    }
    let mut chain = Chain {
        netns: Where::Host,
        run: Vec::new(),
        record: Vec::new(),
        real: Vec::new(),
        status: 0,
    };
    let mut seen_netns = false;
    for (key, value) in entries {
        let w = words(&value);
        match key.as_slice() {
            b"title" => {}
            b"netns" => {
                assert_eq!(w.len(), 1, "netns: named or host");
                chain.netns = place(&w[0]);
                seen_netns = true;
            }
            b"run" => chain.run = w,
            b"record" => chain.record = w,
            b"real" => chain.real.push((place(&w[0]), w[1..].to_vec())),
            b"status" => chain.status = String::from_utf8(w.concat()).unwrap().parse().unwrap(),
            other => panic!("unknown key {:?}", String::from_utf8_lossy(other)),
        }
    }
    assert!(
        seen_netns && !chain.run.is_empty() && !chain.record.is_empty(),
        "netns, run and record are required"
    );
    chain
}

/// Expands a trailing `...` of each real call to the rest of the run line from where the
/// words before it occur (searching on from the previous call's start).
fn expand(run: &[Vec<u8>], real: &[(Where, Vec<Vec<u8>>)]) -> Vec<(Where, Vec<Vec<u8>>)> {
    let mut from = 0;
    real.iter()
        .map(|(place, argv)| match argv.split_last() {
            Some((last, head)) if last == b"..." => {
                let at = (from..run.len())
                    .find(|&i| run[i..].starts_with(head))
                    .unwrap_or_else(|| {
                        panic!("real call {head:?} is not in the run line after word {from}")
                    });
                from = at + 1;
                (*place, run[at..].to_vec())
            }
            _ => (*place, argv.clone()),
        })
        .collect()
}

/// A temp dir holding the chain's programs: `vspace` (this binary) and the shell stand-ins.
struct Programs {
    dir: tempfile::TempDir,
}

impl Programs {
    fn new() -> Programs {
        let dir = tempfile::tempdir().unwrap();
        let standins = Path::new(DIR).join("standins.sh");
        for (_, name) in PROGRAMS {
            let target = if *name == "vspace" {
                bin()
            } else {
                standins.clone()
            };
            std::os::unix::fs::symlink(target, dir.path().join(name)).unwrap();
        }
        Programs { dir }
    }

    /// A chain word with its substitutions: the netns word, then the program paths.
    fn subst(&self, word: &[u8], netns: &str) -> OsString {
        if word == NETNS_WORD {
            return netns.into();
        }
        match PROGRAMS.iter().find(|(path, _)| path.as_bytes() == word) {
            Some((_, name)) => self.dir.path().join(name).into_os_string(),
            None => OsString::from_vec(word.to_vec()),
        }
    }
}

fn replay(file: &str) {
    require_root();
    for absent in ["1001", "web"] {
        assert!(
            !Path::new("/run/netns").join(absent).exists(),
            "/run/netns/{absent} exists: the chains use it as a context, not a netns; remove it"
        );
    }
    let chain = parse(&std::fs::read(Path::new(DIR).join(file)).unwrap());
    let ns = Netns::new("ch");
    let programs = Programs::new();
    let subst = |words: &[Vec<u8>]| -> Vec<OsString> {
        words.iter().map(|w| programs.subst(w, &ns.name)).collect()
    };
    let netns_of = |place: Where| match place {
        Where::Named => ns.id(),
        Where::Host => own_netns(),
    };

    let run = subst(&chain.run);
    let log = CallLog::new();
    let record = CallLog::new();
    let path = std::env::join_paths(
        std::iter::once(programs.dir.path().to_owned())
            .chain(["/usr/sbin", "/usr/bin", "/sbin", "/bin"].map(PathBuf::from)),
    )
    .unwrap();
    let mut cmd = Command::new(&run[0]);
    cmd.args(&run[1..])
        .env("VSPACE_NETNS_REAL_VSPACE", standin())
        .env("VSPACE_STANDIN_LOG", log.path())
        .env("CHAIN_RECORD", record.path())
        .env("PATH", path)
        .env_remove("NETNS_RUN_DIR");
    let out = run_status(&mut cmd, chain.status);
    let context = show(&cmd, &out);

    let last = record.calls();
    assert_eq!(
        last.len(),
        1,
        "the last program must run once: {last:?}\n{context}"
    );
    assert_eq!(
        last[0],
        Call {
            netns: netns_of(chain.netns),
            argv: subst(&chain.record)
        },
        "the last program ran in the wrong netns or with the wrong argv (named netns is {}, host's {})\n{context}",
        ns.id(),
        own_netns()
    );

    let want: Vec<Call> = expand(&chain.run, &chain.real)
        .into_iter()
        .map(|(place, argv)| Call {
            netns: netns_of(place),
            argv: subst(&argv),
        })
        .collect();
    let got = log.calls();
    assert_eq!(
        got,
        want,
        "calls that reached the real vspace differ (named netns is {}, host's {})\n{context}",
        ns.id(),
        own_netns()
    );
}

macro_rules! chains {
    ($($test:ident => $file:literal,)*) => {
        $(
            #[test]
            fn $test() {
                replay($file);
            }
        )*

        const FILES: &[&str] = &[$($file),*];
    };
}

chains! {
    start_with_shared_net => "start-shared-net.chain",
    start_with_pid_and_net_shared => "start-pid-net-shared.chain",
    start_with_the_mask_quirk => "start-mask-quirk.chain",
    stop_with_the_mask_quirk => "stop-mask-quirk.chain",
    plain_start => "start-plain.chain",
    start_with_a_private_net => "start-private-net.chain",
    stop => "stop.chain",
    exec => "exec.chain",
    enter => "enter.chain",
    vnamespace => "vnamespace.chain",
    vnamespace_without_dashdash => "vnamespace-no-dashdash.chain",
    vmount => "vmount.chain",
    vapt_get_style => "vapt-get.chain",
    chcontext => "chcontext.chain",
    manual_index => "manual-index.chain",
}

#[test]
fn every_chain_file_is_replayed() {
    let mut on_disk: Vec<String> = std::fs::read_dir(DIR)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".chain"))
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = FILES.iter().map(|s| s.to_string()).collect();
    listed.sort();
    assert_eq!(
        on_disk, listed,
        "chain files and tests differ: list every file in chains!"
    );
}

#[test]
fn words_are_bytes_with_escapes() {
    assert_eq!(
        words(b"a  caf\\xe9\ttwo\\x20words \\\\ \\xff ''"),
        [&b"a"[..], b"caf\xe9", b"two words", b"\\", b"\xff", b""]
    );
}

#[test]
fn a_trailing_ellipsis_is_the_rest_of_the_run_line() {
    let run = words(b"v -a -- v -b -- v -a -- p x");
    let real = vec![
        (Where::Host, words(b"v -a -- ...")),
        (Where::Named, words(b"v -a -- ...")),
        (Where::Host, words(b"v -b literal")),
    ];
    let got = expand(&run, &real);
    assert_eq!(got[0].1, words(b"v -a -- v -b -- v -a -- p x"));
    assert_eq!(got[1].1, words(b"v -a -- p x"));
    assert_eq!(got[2].1, words(b"v -b literal"));
}

#[test]
fn the_last_program_is_named_by_the_record_line() {
    let chain = parse(b"# c\ntitle: t\nnetns: named\nrun: /usr/sbin/vspace\n  --enter db --net -- /sbin/init\nrecord: init\n");
    assert_eq!(chain.netns, Where::Named);
    assert_eq!(chain.run.len(), 6);
    assert_eq!(chain.record, [b"init".to_vec()]);
    assert!(chain.real.is_empty());
    assert_eq!(OsStr::from_bytes(&chain.run[2]), "db");
}
