//! The roots: the paths every personality works under (the run dir, the per-namespace etc dir,
//! the zones root, util-vserver's root, the state dir, vprocunhide, util-vserver's vspace, the
//! real vspace and ip), from the environment by the one rule (`env`), held in one value that
//! each personality makes once at its edge and passes down. Reads the environment and stats
//! paths (the rule), each variable at most once and only when first asked for; changes
//! nothing.
//!
//! Invariant: this file and `env` are the only readers of the process environment below
//! `main` (tests/it/layers.rs checks it); a refused variable is an error only where its path
//! is used (a vspace call passed through never fails for a bad `VSPACE_NETNS_CONFDIR`).

#![deny(unsafe_code)]

use std::cell::OnceCell;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use super::env::{self, EnvError};
use super::name::{DEFAULT_ETC_DIR, DEFAULT_RUN_DIR};
use crate::report::quote::escape;
use crate::sys::exec::{REAL_IP, REAL_VSPACE, RealTool};

/// Where the zones are configured unless `VSPACE_NETNS_CONFDIR` says otherwise.
pub const DEFAULT_ZONES_DIR: &str = "/etc/vspace-netns";
/// util-vserver's configuration root unless `VSPACE_NETNS_VSERVERS` says otherwise.
pub const DEFAULT_VSERVERS_DIR: &str = "/etc/vservers";
/// The state dir (the guests' claims) unless `VSPACE_NETNS_STATE_DIR` names another.
pub const DEFAULT_STATE_DIR: &str = "/run/vspace-netns";
/// util-vserver's vprocunhide, unless `VSPACE_NETNS_VPROCUNHIDE` names another path.
pub const DEFAULT_VPROCUNHIDE: &str = "/usr/lib/util-vserver/vprocunhide";
/// Where util-vserver calls vspace, unless `VSPACE_NETNS_SBIN_VSPACE` says otherwise.
pub const DEFAULT_SBIN_VSPACE: &str = "/usr/sbin/vspace";

/// `$var` when set and it passes the environment rule ([`super::env`]: absolute, not under
/// /proc, root's all the way up; ignored unless run by root), else `default`. The one function
/// every path variable with a default goes through.
fn dir_from_env(var: &str, default: &str) -> Result<PathBuf, String> {
    match env::path(var) {
        Ok(None) => Ok(PathBuf::from(default)),
        Ok(Some(p)) => Ok(p),
        Err(EnvError::NotAbsolute { value, .. }) => Err(format!(
            "{var}='{}' is not an absolute path; set it to one (or unset it for {default})",
            escape(&value)
        )),
        Err(e) => Err(format!("{}; unset it for {default}", e.message())),
    }
}

/// One root: its variable, its default, and its value once read.
#[derive(Debug)]
struct Root {
    var: &'static str,
    default: &'static str,
    value: OnceCell<Result<PathBuf, String>>,
}

impl Root {
    const fn new(var: &'static str, default: &'static str) -> Root {
        Root {
            var,
            default,
            value: OnceCell::new(),
        }
    }

    fn given(var: &'static str, default: &'static str, p: &Path) -> Root {
        let r = Root::new(var, default);
        let _ = r.value.set(Ok(p.to_path_buf()));
        r
    }

    fn get(&self) -> Result<&Path, String> {
        match self
            .value
            .get_or_init(|| dir_from_env(self.var, self.default))
        {
            Ok(p) => Ok(p),
            Err(m) => Err(m.clone()),
        }
    }
}

/// A real tool's variable (no default here: `sys::exec::locate` has the defaults).
#[derive(Debug)]
struct ToolVar {
    var: &'static str,
    value: OnceCell<Result<Option<PathBuf>, EnvError>>,
}

impl ToolVar {
    const fn new(tool: &'static RealTool) -> ToolVar {
        ToolVar {
            var: tool.env,
            value: OnceCell::new(),
        }
    }

    fn get(&self) -> Result<Option<PathBuf>, EnvError> {
        self.value.get_or_init(|| env::path(self.var)).clone()
    }
}

/// The roots of one invocation.
#[derive(Debug)]
pub struct Roots {
    run_dir: Root,
    etc_dir: Root,
    zones: Root,
    vservers: Root,
    state: Root,
    vprocunhide: Root,
    sbin_vspace: Root,
    real_vspace: ToolVar,
    real_ip: ToolVar,
}

impl Roots {
    /// The roots as the environment gives them (nothing is read until a root is asked for).
    pub fn from_env() -> Roots {
        Roots {
            run_dir: Root::new("NETNS_RUN_DIR", DEFAULT_RUN_DIR),
            etc_dir: Root::new("NETNS_ETC_DIR", DEFAULT_ETC_DIR),
            zones: Root::new("VSPACE_NETNS_CONFDIR", DEFAULT_ZONES_DIR),
            vservers: Root::new("VSPACE_NETNS_VSERVERS", DEFAULT_VSERVERS_DIR),
            state: Root::new("VSPACE_NETNS_STATE_DIR", DEFAULT_STATE_DIR),
            vprocunhide: Root::new("VSPACE_NETNS_VPROCUNHIDE", DEFAULT_VPROCUNHIDE),
            sbin_vspace: Root::new("VSPACE_NETNS_SBIN_VSPACE", DEFAULT_SBIN_VSPACE),
            real_vspace: ToolVar::new(&REAL_VSPACE),
            real_ip: ToolVar::new(&REAL_IP),
        }
    }

    /// The roots under the name `ip`: the run and etc dirs iproute2 compiles in (it ignores
    /// `NETNS_RUN_DIR` and `NETNS_ETC_DIR`), the rest from the environment.
    pub fn iproute2() -> Roots {
        let roots = Roots::from_env();
        let _ = roots.run_dir.value.set(Ok(PathBuf::from(DEFAULT_RUN_DIR)));
        let _ = roots.etc_dir.value.set(Ok(PathBuf::from(DEFAULT_ETC_DIR)));
        roots
    }

    /// Roots given outright (tests, callers that have them): the run dir, the etc dir and the
    /// zones root as given, the rest from the environment.
    pub fn given(run_dir: &Path, etc_dir: &Path, zones: &Path) -> Roots {
        Roots {
            run_dir: Root::given("NETNS_RUN_DIR", DEFAULT_RUN_DIR, run_dir),
            etc_dir: Root::given("NETNS_ETC_DIR", DEFAULT_ETC_DIR, etc_dir),
            zones: Root::given("VSPACE_NETNS_CONFDIR", DEFAULT_ZONES_DIR, zones),
            ..Roots::from_env()
        }
    }

    /// The run dir: `$NETNS_RUN_DIR` or `/run/netns`; a refused variable is the message.
    pub fn run_dir(&self) -> Result<&Path, String> {
        self.run_dir.get()
    }

    /// The per-namespace `/etc` dir: `$NETNS_ETC_DIR` or `/etc/netns`.
    pub fn etc_dir(&self) -> Result<&Path, String> {
        self.etc_dir.get()
    }

    /// The zones root: `$VSPACE_NETNS_CONFDIR` or `/etc/vspace-netns`.
    pub fn zones(&self) -> Result<&Path, String> {
        self.zones.get()
    }

    /// util-vserver's root: `$VSPACE_NETNS_VSERVERS` or `/etc/vservers`.
    pub fn vservers(&self) -> Result<&Path, String> {
        self.vservers.get()
    }

    /// The state dir: `$VSPACE_NETNS_STATE_DIR` or `/run/vspace-netns`.
    pub fn state_dir(&self) -> Result<&Path, String> {
        self.state.get()
    }

    /// vprocunhide: `$VSPACE_NETNS_VPROCUNHIDE` or `/usr/lib/util-vserver/vprocunhide`.
    pub fn vprocunhide(&self) -> Result<&Path, String> {
        self.vprocunhide.get()
    }

    /// The vspace util-vserver calls: `$VSPACE_NETNS_SBIN_VSPACE` or `/usr/sbin/vspace`.
    pub fn sbin_vspace(&self) -> Result<&Path, String> {
        self.sbin_vspace.get()
    }

    /// The real tool's variable (`VSPACE_NETNS_REAL_VSPACE`, `VSPACE_NETNS_REAL_IP`) by the
    /// rule: `Ok(None)` when unset or not trusted, for `realtool::locate`.
    pub fn real_tool(&self, tool: &RealTool) -> Result<Option<PathBuf>, EnvError> {
        if tool.env == self.real_ip.var {
            self.real_ip.get()
        } else if tool.env == self.real_vspace.var {
            self.real_vspace.get()
        } else {
            env::path(tool.env)
        }
    }

    /// Whether `name` is a configured zone: a directory of that name under the zones root
    /// (false when the zones root is refused).
    pub fn is_zone(&self, name: &OsStr) -> bool {
        self.zones().is_ok_and(|z| z.join(name).is_dir())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_roots_are_used_and_zones_are_directories_under_the_zones_root() {
        let dir = std::env::temp_dir().join(format!("vspace-netns-roots-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("dmz")).unwrap();
        std::fs::write(dir.join("file"), b"").unwrap();
        let roots = Roots::given(Path::new("/r"), Path::new("/e"), &dir);
        assert_eq!(roots.run_dir(), Ok(Path::new("/r")));
        assert_eq!(roots.etc_dir(), Ok(Path::new("/e")));
        assert!(roots.is_zone(OsStr::new("dmz")));
        assert!(!roots.is_zone(OsStr::new("file")));
        assert!(!roots.is_zone(OsStr::new("absent")));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
