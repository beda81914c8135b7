//! Stopping a run part way. A front end (the CLI, on SIGINT or SIGTERM)
//! calls [`request`]; the pipeline calls [`check`] between documents and in
//! its long loops, and a run that was asked to stop returns
//! [`Error::Interrupted`]. As that error unwinds, the unfinished output and
//! the temporary files are removed, so an interrupted run leaves nothing
//! behind and the earlier output, if any, as it was.
//!
//! The request is process-wide and stays set until [`clear`]: a process
//! that was asked to stop starts no new run.

use crate::error::{Error, Result};
use std::sync::atomic::{AtomicBool, Ordering};

static REQUESTED: AtomicBool = AtomicBool::new(false);

/// Asks every run in this process to stop at its next check.
pub fn request() {
    REQUESTED.store(true, Ordering::Relaxed);
}

/// Takes a stop request back, so that runs can start again: for a front
/// end that outlives a stopped run (an interactive Python session), once
/// that run has returned.
pub fn clear() {
    REQUESTED.store(false, Ordering::Relaxed);
}

/// Whether a stop was asked for.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::Relaxed)
}

/// [`Error::Interrupted`] once a stop was asked for.
pub fn check() -> Result<()> {
    if requested() {
        Err(Error::Interrupted)
    } else {
        Ok(())
    }
}
