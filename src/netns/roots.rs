//! The roots: the directories every personality works under (the run dir, the per-namespace
//! etc dir, the zones root), from the environment by the one rule (`env`), held in one value
//! that each personality makes once at its edge and passes down. Reads the environment and
//! stats paths (the rule), each root at most once and only when first asked for; changes
//! nothing.
//!
//! Invariant: nothing below a personality's edge reads these variables itself; a refused
//! variable is an error only where its root is used (a vspace call passed through never
//! fails for a bad `VSPACE_NETNS_CONFDIR`).

#![deny(unsafe_code)]

use std::cell::OnceCell;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use super::name::{DEFAULT_ETC_DIR, DEFAULT_RUN_DIR, dir_from_env};

/// Where the zones are configured unless `VSPACE_NETNS_CONFDIR` says otherwise.
pub const DEFAULT_ZONES_DIR: &str = "/etc/vspace-netns";

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

/// The roots of one invocation.
#[derive(Debug)]
pub struct Roots {
    run_dir: Root,
    etc_dir: Root,
    zones: Root,
}

impl Roots {
    /// The roots as the environment gives them (nothing is read until a root is asked for).
    pub fn from_env() -> Roots {
        Roots {
            run_dir: Root::new("NETNS_RUN_DIR", DEFAULT_RUN_DIR),
            etc_dir: Root::new("NETNS_ETC_DIR", DEFAULT_ETC_DIR),
            zones: Root::new("VSPACE_NETNS_CONFDIR", DEFAULT_ZONES_DIR),
        }
    }

    /// The roots under the name `ip`: the run and etc dirs iproute2 compiles in (it ignores
    /// `NETNS_RUN_DIR` and `NETNS_ETC_DIR`), the zones root from the environment.
    pub fn iproute2() -> Roots {
        let roots = Roots::from_env();
        let _ = roots.run_dir.value.set(Ok(PathBuf::from(DEFAULT_RUN_DIR)));
        let _ = roots.etc_dir.value.set(Ok(PathBuf::from(DEFAULT_ETC_DIR)));
        roots
    }

    /// Roots given outright (tests, callers that have them), the environment not read.
    pub fn given(run_dir: &Path, etc_dir: &Path, zones: &Path) -> Roots {
        let set = |var, default, p: &Path| {
            let r = Root::new(var, default);
            let _ = r.value.set(Ok(p.to_path_buf()));
            r
        };
        Roots {
            run_dir: set("NETNS_RUN_DIR", DEFAULT_RUN_DIR, run_dir),
            etc_dir: set("NETNS_ETC_DIR", DEFAULT_ETC_DIR, etc_dir),
            zones: set("VSPACE_NETNS_CONFDIR", DEFAULT_ZONES_DIR, zones),
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
