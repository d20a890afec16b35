//! `vspace-netns up --all` and `down --all`: every configured zone (each directory under the
//! zones root), in name order, at boot and at shutdown. Side-effecting through `zone::up` and
//! `zone::down_checked`.
//!
//! Each zone's failure is reported (as `up ZONE`/`down ZONE` reports it) and the rest are
//! still done; the status is 1 when any zone failed, else 0. `down --all` leaves a zone that
//! processes still use or a starting guest has claimed (`# zone Z kept: ...`, not a failure)
//! unless `--force`.

use std::ffi::OsString;

use crate::fail::{self, Fail};
use crate::out;
use crate::quote::escape;
use crate::zone::config;
use crate::zone::shell::{self, PREFIX};

/// The configured zones (directories under the zones root), in byte order of their names.
pub fn zones() -> Result<Vec<OsString>, Fail> {
    let confdir = config::confdir().map_err(|m| Fail::new(PREFIX, 1, m))?;
    let rd = std::fs::read_dir(&confdir).map_err(|e| {
        Fail::new(
            PREFIX,
            1,
            format!(
                "cannot read the zones root {}: {}",
                escape(confdir.as_os_str()),
                crate::sys::exec::io_reason(&e)
            ),
        )
    })?;
    let mut names: Vec<OsString> = rd
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir() || t.is_symlink()))
        .map(|e| e.file_name())
        .collect();
    names.sort();
    Ok(names)
}

fn each(mut one: impl FnMut(&std::ffi::OsStr) -> Result<(), Fail>) -> u8 {
    let names = match zones() {
        Ok(n) => n,
        Err(f) => return fail::report(&f),
    };
    let mut failed = 0;
    for z in &names {
        out::note(&format!("# zone {}", escape(z)));
        if let Err(f) = one(z) {
            fail::report(&f);
            failed += 1;
        }
    }
    if failed > 0 {
        fail::report(&Fail::new(
            PREFIX,
            1,
            format!("{failed} of {} zones failed (see above)", names.len()),
        ));
        1
    } else {
        0
    }
}

/// `up --all [--dry-run]`.
pub fn up(dry_run: bool) -> u8 {
    each(|z| shell::up(z, dry_run))
}

/// `down --all [--force] [--dry-run]`.
pub fn down(force: bool, dry_run: bool) -> u8 {
    each(|z| {
        let name = escape(z);
        let down = shell::down_checked(z, force, dry_run)?;
        if let Some(why) = down.why_kept() {
            out::note(&format!("# zone {name} kept: {why}; {}", down.force_hint()));
        }
        Ok(())
    })
}
