//! `vspace-netns up|down NETNS`: the zone lifecycle's shell. Side-effecting: gathers the
//! facts (`netns::probe`, the real `ip -o link|addr`, the member guests' files), asks
//! `zone_plan` for the steps and carries them out, printing each as its `ip` command line.
//!
//! Namespaces are made and removed with `netns_admin` (the ip personality's add and delete);
//! links with the real ip (found by `exec::locate`, never via PATH, never ourselves), spawned
//! and waited for. A failed step ends `up`: the steps this run completed are undone in reverse
//! (`plan::undo`) and the failure names the step and ip's (the kernel's) reason. `down`
//! refuses while processes live in the namespace unless forced.
//!
//! `up` and `down` of one zone hold flock on its configuration directory, so guests of the
//! zone that start or stop together take turns.
//!
//! Exit statuses: 0 done (or nothing to do), 1 failed (a failed `up` has been undone),
//! 3 `down` refused because processes still use the namespace.

use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::fail::Fail;
use crate::ip::admin;
use crate::netns::{self, Entry};
use crate::quote::escape;
use crate::sys::exec::{self, REAL_IP};
use crate::sys::nsfs;
use crate::zone::config::{self, Zone};
use crate::zone::plan::{self, Facts, PlanError, SkipFact, Step};

/// Prefix of every message.
pub const PREFIX: &str = "vspace-netns";
/// Status of a `down` refused because the namespace is in use.
pub const BUSY: u8 = 3;
/// util-vserver's vprocunhide, unless `VSPACE_NETNS_VPROCUNHIDE` names another path.
pub const DEFAULT_VPROCUNHIDE: &str = "/usr/lib/util-vserver/vprocunhide";

fn fail(message: String) -> Fail {
    Fail::new(PREFIX, 1, message)
}

/// Where vprocunhide is looked for.
pub fn vprocunhide_path() -> Result<PathBuf, String> {
    config::absolute_env("VSPACE_NETNS_VPROCUNHIDE", DEFAULT_VPROCUNHIDE)
}

/// The run dir, which must be the one `ip -n` knows (iproute2 compiles `/var/run/netns` in).
pub fn run_dir() -> Result<PathBuf, Fail> {
    let dir = netns::run_dir().map_err(fail)?;
    if dir != Path::new("/var/run/netns") && dir != Path::new("/run/netns") {
        return Err(fail(format!(
            "NETNS_RUN_DIR={} is not /var/run/netns: zones drive 'ip -n', which only knows /var/run/netns; unset NETNS_RUN_DIR",
            escape(dir.as_os_str())
        )));
    }
    Ok(dir)
}

/// The real ip.
pub fn real_ip() -> Result<PathBuf, Fail> {
    exec::locate(&REAL_IP).map_err(|e| fail(e.message(&REAL_IP)))
}

/// Runs the real ip with `args`; its stdout, or its stderr (the kernel's reason) as the error.
pub fn run_ip(ip: &Path, args: &[String]) -> Result<String, String> {
    let out = Command::new(ip).args(args).output().map_err(|e| {
        format!(
            "cannot run {}: {}",
            escape(ip.as_os_str()),
            exec::io_reason(&e)
        )
    })?;
    if out.status.success() {
        return Ok(String::from_utf8_lossy(&out.stdout).into_owned());
    }
    let err = String::from_utf8_lossy(&out.stderr);
    let reason: Vec<&str> = err
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    Err(if reason.is_empty() {
        format!("ip exited with {}", out.status)
    } else {
        reason.join("; ")
    })
}

/// Validates the operand and reads the zone.
pub fn load(netns: &OsStr) -> Result<Zone, Fail> {
    config::check_zone_name(netns).map_err(|e| fail(format!("bad zone name {e}")))?;
    let confdir = config::confdir().map_err(fail)?;
    config::read_zone(&confdir, netns).map_err(|e| fail(e.to_string()))
}

/// Observes the namespace, the links inside and on the host, and the member guests' files.
pub fn gather(zone: &Zone, ip: &Path, run_dir: &Path, skips: bool) -> Result<Facts, Fail> {
    let ns = &zone.netns;
    let entry = run_dir.join(ns);
    let probe = nsfs::probe(&entry);
    let id = match &probe {
        Entry::Netns(f) => f.identity().ok(),
        _ => None,
    };
    let state = probe.fact();
    let ip_out = |args: &[&str]| {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        run_ip(ip, &args)
            .map_err(|e| fail(format!("cannot list links ('ip {}'): {e}", args.join(" "))))
    };
    let host = plan::parse_links(&ip_out(&["-o", "link", "show"])?);
    let inside = if state == Entry::Netns(()) {
        let mut l = plan::parse_links(&ip_out(&["-n", ns, "-o", "link", "show"])?);
        plan::add_addresses(&mut l, &ip_out(&["-n", ns, "-o", "addr", "show"])?);
        l
    } else {
        Default::default()
    };
    let unhide = vprocunhide_path().map_err(fail)?;
    let vprocunhide = if unhide.exists() {
        Some(
            unhide
                .to_str()
                .ok_or_else(|| fail(format!("{} is not UTF-8", escape(unhide.as_os_str()))))?
                .to_string(),
        )
    } else {
        None
    };
    let skips = if skips { skip_facts(ns)? } else { Vec::new() };
    Ok(Facts {
        entry: entry.clone(),
        netns: state,
        inside,
        host,
        vprocunhide,
        skips,
        pids: id.map(admin::pids_in).unwrap_or_default(),
    })
}

/// The namespace-cleanup-skip edits `up` makes: every member guest's file, every other
/// guest's own file and `.defaults` (see `zone::skips`).
pub fn skip_facts(ns: &str) -> Result<Vec<SkipFact>, Fail> {
    crate::zone::skips::facts(ns)
}

/// Carries out one step.
pub(crate) fn perform(step: &Step, ip: &Path, run_dir: &Path) -> Result<(), String> {
    let io = |e: std::io::Error| exec::io_reason(&e);
    match step {
        Step::CopySkip { from, to } => copy_new(from, to).map_err(io),
        Step::AppendSkip {
            file,
            newline_first,
            lines,
            was,
        } => {
            let mut text = String::new();
            if *newline_first {
                text.push('\n');
            }
            for l in lines {
                text.push_str(l);
                text.push('\n');
            }
            append(file, text.as_bytes(), was.is_none()).map_err(io)
        }
        Step::RemoveSkip { file } => std::fs::remove_file(file).map_err(io),
        Step::TruncateSkip { file, len } => std::fs::OpenOptions::new()
            .write(true)
            .open(file)
            .and_then(|f| f.set_len(*len))
            .map_err(io),
        Step::AddNetns { ns } => admin::add(run_dir, OsStr::new(ns), false)
            .map(|_| ())
            .map_err(|e| e.to_string()),
        Step::DelNetns { ns } => admin::delete(run_dir, OsStr::new(ns))
            .map(|_| ())
            .map_err(|e| e.to_string()),
        other => {
            let argv = other.ip_argv().expect("every other step is an ip command");
            run_ip(ip, &argv[1..]).map(|_| ())
        }
    }
}

/// `cp FROM TO` for a TO that must not exist (O_EXCL: never through a symlink), with FROM's
/// mode. A copy that fails half-way is removed: the step applies whole or not at all.
fn copy_new(from: &Path, to: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let content = std::fs::read(from)?;
    let mode = std::fs::metadata(from)?.permissions().mode();
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode & 0o7777)
        .open(to)?;
    f.write_all(&content).inspect_err(|_| {
        let _ = std::fs::remove_file(to);
    })
}

/// Appends `text` to `file` (created when `create`). A write that fails half-way is cut back
/// to the length before (a file it created is removed): whole or not at all.
fn append(file: &Path, text: &[u8], create: bool) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .create(create)
        .open(file)?;
    let before = f.metadata()?.len();
    f.write_all(text).inspect_err(|_| {
        let _ = if create && before == 0 {
            std::fs::remove_file(file)
        } else {
            f.set_len(before)
        };
    })
}

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// What a kernel's reason means, when we know.
fn hint_for(step: &Step, reason: &str) -> Option<String> {
    match step {
        Step::AddLink {
            kind: config::Kind::Vlan { .. },
            ..
        } if reason.contains("Unknown device type") || reason.contains("not supported") => Some(
            "this kernel has no 802.1Q VLAN support: load it (modprobe 8021q) or build it in (CONFIG_VLAN_8021Q)"
                .into(),
        ),
        Step::AddLink { .. } if reason.contains("Cannot find device") => Some(
            "the parent device in the link's 'link' file does not exist on the host".into(),
        ),
        _ => None,
    }
}

/// Holds flock(LOCK_EX) on the zone's configuration directory: guests of one zone starting
/// or stopping at the same time run their hooks one after the other, each seeing the facts
/// the previous one left.
fn lock_zone(netns: &OsStr) -> Result<nix::fcntl::Flock<std::fs::File>, Fail> {
    let dir = config::confdir().map_err(fail)?.join(netns);
    let file = std::fs::File::open(&dir).map_err(|e| {
        fail(format!(
            "cannot open {}: {}",
            escape(dir.as_os_str()),
            exec::io_reason(&e)
        ))
    })?;
    nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusive).map_err(|(_, e)| {
        fail(format!(
            "cannot lock {}: {}",
            escape(dir.as_os_str()),
            e.desc()
        ))
    })
}

/// `vspace-netns up NETNS [--dry-run]`.
pub fn up(netns: &OsStr, dry_run: bool) -> Result<(), Fail> {
    let zone = load(netns)?;
    let run_dir = run_dir()?;
    let ip = real_ip()?;
    let _lock = lock_zone(netns)?;
    // After the zone's lock, always in this order: the guests' files are shared by all zones.
    let _skips = crate::zone::skips::lock()?;
    let facts = gather(&zone, &ip, &run_dir, true)?;
    let steps = match plan::plan_up(&zone, &facts) {
        Ok(s) => s,
        Err(PlanError::Conflict(m)) => return Err(fail(format!("up {}: {m}", zone.netns))),
        Err(PlanError::Busy(_)) => unreachable!("up never refuses a namespace in use"),
    };
    if steps.is_empty() {
        say(&format!(
            "# nothing to do: zone {} is up as configured",
            zone.netns
        ));
        return Ok(());
    }
    if dry_run {
        steps.iter().for_each(|s| say(&s.to_string()));
        return Ok(());
    }
    for (i, step) in steps.iter().enumerate() {
        say(&step.to_string());
        if let Err(reason) = perform(step, &ip, &run_dir) {
            let mut f = fail(format!(
                "up {}: step {} of {} failed: {step}: {reason}",
                zone.netns,
                i + 1,
                steps.len()
            ));
            if let Some(h) = hint_for(step, &reason) {
                f = f.hint(h);
            }
            for u in plan::undo(&steps[..i]) {
                match perform(&u, &ip, &run_dir) {
                    Ok(()) => f = f.hint(format!("undone: {u}")),
                    Err(e) => f = f.hint(format!("could not undo: {u}: {e}")),
                }
            }
            return Err(f);
        }
    }
    Ok(())
}

/// What `down` did, or why it left the zone up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Down {
    /// Taken down (or nothing was left to take down).
    Done,
    /// Processes still live in the namespace (their pids).
    Busy(Vec<i32>),
    /// Guests whose start claimed the zone and has not finished (their names).
    Claimed(Vec<String>),
}

/// `vspace-netns down NETNS [--force] [--dry-run]`: a zone in use or claimed is refused with
/// status [`BUSY`].
pub fn down(netns: &OsStr, force: bool, dry_run: bool) -> Result<(), Fail> {
    let refused =
        |m: String| {
            Fail::new(PREFIX, BUSY, format!("down {}: refused: {m}", escape(netns))).hint(
            "stop the guests (or the processes) first, or use --force to take it down under them",
        )
        };
    match down_checked(netns, force, dry_run)? {
        Down::Done => Ok(()),
        Down::Busy(pids) => Err(refused(format!(
            "processes still use it (pids {})",
            pid_list(&pids)
        ))),
        Down::Claimed(guests) => Err(refused(format!(
            "the start of {} claimed it and has not finished",
            guests.join(" ")
        ))),
    }
}

/// `down`, telling a zone in use ([`Down::Busy`]) or claimed by a starting guest
/// ([`Down::Claimed`], see `zone::claims`) from one taken down; both checked under the zone's
/// lock, skipped with `force`.
pub fn down_checked(netns: &OsStr, force: bool, dry_run: bool) -> Result<Down, Fail> {
    let zone = load(netns)?;
    let run_dir = run_dir()?;
    let ip = real_ip()?;
    let _lock = lock_zone(netns)?;
    let facts = gather(&zone, &ip, &run_dir, false)?;
    if !force && facts.pids.is_empty() {
        let claimed = crate::zone::claims::live(&zone.netns).map_err(fail)?;
        if !claimed.is_empty() {
            return Ok(Down::Claimed(claimed));
        }
    }
    let steps = match plan::plan_down(&zone, &facts, force) {
        Ok(s) => s,
        Err(PlanError::Busy(pids)) => return Ok(Down::Busy(pids)),
        Err(PlanError::Conflict(m)) => return Err(fail(format!("down {}: {m}", zone.netns))),
    };
    if steps.is_empty() {
        say(&format!("# nothing to do: zone {} is down", zone.netns));
        return Ok(Down::Done);
    }
    if dry_run {
        steps.iter().for_each(|s| say(&s.to_string()));
        return Ok(Down::Done);
    }
    if !facts.pids.is_empty() {
        crate::out::warn(&format!(
            "{PREFIX}: down {}: --force: pids {} lose the zone's links; the namespace lives on until they exit",
            zone.netns,
            pid_list(&facts.pids)
        ));
    }
    for (i, step) in steps.iter().enumerate() {
        say(&step.to_string());
        perform(step, &ip, &run_dir).map_err(|reason| {
            fail(format!(
                "down {}: step {} of {} failed: {step}: {reason}",
                zone.netns,
                i + 1,
                steps.len()
            ))
        })?;
    }
    Ok(Down::Done)
}

/// `1 2 3`.
pub fn pid_list(pids: &[i32]) -> String {
    pids.iter()
        .map(i32::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}
