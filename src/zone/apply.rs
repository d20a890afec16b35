//! The one executor: `apply(runner, steps, lines, on_fail, failed)` carries a plan out step by
//! step, each printed first as its command line; the first failure is undone (or left, for a
//! guest's stop) and reported with its hint. Side-effecting through the performer. [`perform`]
//! runs it with a new performer for steps the guests' part plans (a guest's start and stop,
//! the files `down` takes back), their lines informative.

use crate::netns::Roots;
use crate::report::fail::Fail;
use crate::zone::base::{self, Lines};
use crate::zone::error::StepError;
use crate::zone::perform::Runner;
use crate::zone::plan;
use crate::zone::plan::Step;

/// What [`apply`] does when a step fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OnFail {
    /// Undo the steps done before it, in reverse (`plan::undo`), each named in a hint.
    Undo,
    /// Stop there: what is done stays (a guest's stop: doctor names what is left).
    Stop,
}

/// The one executor: carries `steps` out with `runner`, each printed first as its command
/// line (through `lines`: a line the admin's run cannot print fails before its step). The
/// first failure becomes `failed(index, line, reason)`, with a hint chosen by the kernel's
/// errno and the step ([`StepError::hint`]), and then `on_fail`.
pub(crate) fn apply(
    runner: &mut Runner,
    steps: &[Step],
    lines: Lines,
    on_fail: OnFail,
    failed: impl FnOnce(usize, &str, &str) -> Fail,
) -> Result<(), Fail> {
    let run_dir = runner.run_dir().to_path_buf();
    for (i, step) in steps.iter().enumerate() {
        let line = step.line(&run_dir);
        let result = lines
            .say(&line)
            .map_err(|f| StepError::plain(f.message))
            .and_then(|()| runner.perform(step));
        let Err(err) = result else { continue };
        let mut f = failed(i, &line, &err.reason);
        if let Some(h) = err.hint(step) {
            f = f.hint(h);
        }
        if on_fail == OnFail::Undo {
            for u in plan::undo(&steps[..i]) {
                match runner.perform(&u) {
                    Ok(()) => f = f.hint(format!("undone: {}", u.line(&run_dir))),
                    Err(e) => f = f.hint(format!("could not undo: {}: {e}", u.line(&run_dir))),
                }
            }
        }
        return Err(f);
    }
    Ok(())
}

/// Performs `steps`, each printed first. `undo`: a failure takes back the steps done (a
/// start); else a failure stops there (a stop: what is left stays for doctor to name).
pub fn perform(roots: &Roots, steps: &[Step], context: &str, undo: bool) -> Result<(), Fail> {
    if steps.is_empty() {
        return Ok(());
    }
    let run_dir = base::run_dir(roots)?;
    let mut runner = Runner::new(&run_dir)?;
    // The hook's lines only inform: one that cannot be written loses the line, not the step.
    let on_fail = if undo { OnFail::Undo } else { OnFail::Stop };
    apply(
        &mut runner,
        steps,
        Lines::Informative,
        on_fail,
        |_, line, reason| base::fail(format!("{context}: {line}: {reason}")),
    )
}
