//! Finding the real vspace and ip, and the words for why not. Stats paths; changes nothing.
//!
//! The variable (`VSPACE_NETNS_REAL_VSPACE`, `VSPACE_NETNS_REAL_IP`), read by `Roots`, passes
//! `env`'s rule first;
//! `sys::exec::locate` then checks the path (or the defaults) against the running binary.

use std::ffi::OsString;
use std::path::PathBuf;

use super::Roots;
use super::env::EnvError;
use crate::report::quote::escape;
use crate::sys::exec::{self, RealTool, Unfit};

/// Why the real tool could not be found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocateError {
    /// The variable is set to a relative path.
    NotAbsolute { env: &'static str, value: OsString },
    /// The variable's path breaks the environment rule (`crate::netns::env`).
    Unsafe(EnvError),
    /// The path or the defaults do not lead to a usable program.
    Sys(exec::LocateError),
}

/// The real tool: the variable's path if set (and it passes `crate::netns::env`'s rule; ignored unless
/// run by root), else the first default that exists and is not this binary.
pub fn locate(tool: &RealTool, roots: &Roots) -> Result<PathBuf, LocateError> {
    let from_env = match roots.real_tool(tool) {
        Ok(p) => p,
        Err(EnvError::NotAbsolute { value, .. }) => {
            return Err(LocateError::NotAbsolute {
                env: tool.env,
                value,
            });
        }
        Err(e) => return Err(LocateError::Unsafe(e)),
    };
    exec::locate(tool, from_env).map_err(LocateError::Sys)
}

impl LocateError {
    /// A sentence for the user, naming the fix.
    pub fn message(&self, tool: &RealTool) -> String {
        match self {
            LocateError::NotAbsolute { env, value } => format!(
                "{env}='{}' is not an absolute path; set it to the real {}",
                escape(value),
                tool.name
            ),
            LocateError::Unsafe(e) => e.message(),
            LocateError::Sys(e) => sys_message(e, tool),
        }
    }
}

fn sys_message(e: &exec::LocateError, tool: &RealTool) -> String {
    match e {
        exec::LocateError::IsSelf {
            path,
            from_env: Some(env),
        } => format!(
            "{env}={} is this wrapper, not the real {}; point it at the real one",
            escape(path.as_os_str()),
            tool.name
        ),
        exec::LocateError::IsSelf {
            path,
            from_env: None,
        } => format!(
            "{} is this wrapper, not the real {}",
            escape(path.as_os_str()),
            tool.name
        ),
        exec::LocateError::Unusable { path, env, why } => {
            let why = match why {
                Unfit::Stat(errno) => exec::strerror(*errno as i32),
                Unfit::NotRegular => "not a regular file".into(),
                Unfit::NotExecutable => "not executable".into(),
            };
            format!(
                "{env}={}: {why}; point it at the real {}",
                escape(path.as_os_str()),
                tool.name
            )
        }
        exec::LocateError::NotFound { tried, selves } => {
            let mut m = format!(
                "cannot find the real {}: tried {}",
                tool.name,
                tried.join(", ")
            );
            for s in selves {
                m.push_str(&format!("; {s} is this wrapper"));
            }
            m.push_str(&format!("; set {} to its absolute path", tool.env));
            m
        }
    }
}
