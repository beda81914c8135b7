//! One call per command: [`clean`] and [`scan`] do what `neardup clean` and
//! `neardup scan` do, from [`Options`] and input paths to written files and
//! a [`Summary`]. The command line and the Python module are thin shells
//! over them, so both check the same things in the same order and write the
//! same bytes.

use crate::config::Options;
use crate::error::Result;
use crate::output::pipeline_files::{self, PipelineFiles};
use crate::output::report::Summary;
use crate::output::{self, CleanOptions};
use crate::pipeline::{self, Progress};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// What a run did: its totals and the wall time of each stage.
#[derive(Debug, Clone)]
pub struct Run {
    /// The run's totals, as `summary.json` has them.
    pub summary: Summary,
    /// Wall time per stage, in order.
    pub stages: Vec<(&'static str, Duration)>,
}

/// Cleans `inputs` into the folder `out`, as `neardup clean` does: the
/// cleaned copies, `report.json`, `report.html`, `summary.json` and
/// `removed.jsonl.zst`, and the dropped documents to `clean.dropped` when
/// asked. What an interrupted earlier run left is removed first (and told
/// to `progress`); the folder appears only when complete.
pub fn clean(
    inputs: &[PathBuf],
    out: &Path,
    options: &Options,
    clean: &CleanOptions,
    progress: &dyn Progress,
) -> Result<Run> {
    if let Some(path) = &clean.dropped {
        pipeline_files::check_path(path)?;
    }
    for swept in crate::staging::sweep(out)? {
        progress.note(&output::interrupted_note(out, &swept));
    }
    options.install(|| {
        let analysis = pipeline::analyze(inputs, options.config()?, progress)?;
        let written = Instant::now();
        let summary = output::write_clean(&analysis, out, clean, progress)?;
        Ok(finished(analysis, summary, written))
    })
}

/// Scans `inputs` as `neardup scan` does: the report goes to the file
/// `report` (with `report.html` beside it) or, when None, as JSON to
/// `stdout`; the dropped documents and the totals go to the files of
/// `extra` when asked.
pub fn scan(
    inputs: &[PathBuf],
    report: Option<&Path>,
    stdout: impl Write + Send,
    extra: &PipelineFiles,
    options: &Options,
    progress: &dyn Progress,
) -> Result<Run> {
    // What an interrupted earlier run left is removed now, before the long
    // first pass, so that the user hears of it at once.
    if let Some(report) = report {
        output::report_files(report)?;
    }
    for path in [&extra.dropped, &extra.summary].into_iter().flatten() {
        pipeline_files::check_path(path)?;
    }
    options.install(|| {
        let analysis = pipeline::analyze(inputs, options.config()?, progress)?;
        let written = Instant::now();
        let summary = output::write_report(&analysis, report, stdout, extra, progress)?;
        Ok(finished(analysis, summary, written))
    })
}

fn finished(analysis: pipeline::Analysis, summary: Summary, written: Instant) -> Run {
    let mut stages = analysis.timings.clone();
    stages.push(("read again + write", written.elapsed()));
    Run { summary, stages }
}
