//! Files for the next step of a pipeline, written beside a run's output:
//! `--dropped PATH`, the dropped documents as JSON Lines, and the run's
//! totals as `summary.json`.
//!
//! A dropped-documents line is one object, in input order:
//! `{"id", "source": {"file", "line" | "row"}, "rule", "duplicate_of":
//! {"index", "id"}, "similarity", "containment"?, "record" | "text"}`, where
//! `record` is a JSONL document's original record, byte for byte, and `text`
//! the text of a text file or a Parquet row (`row` counts from 1; the row's
//! other columns are in the output's `removed-rows/`). The fields are neardup's own and the record is nested, so
//! nothing the record holds is ever shadowed.

use super::{staging::Staging, Decided, Sink};
use crate::corpus::compression_of;
use crate::error::{Error, Result};
use crate::output::report::Summary;
use crate::pipeline::Analysis;
use crate::plan::Fate;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The name of the summary in an output folder.
pub const SUMMARY_FILE: &str = "summary.json";
/// Its format, and the version bumped on any incompatible change.
pub const SUMMARY_FORMAT: &str = "neardup-summary";
pub const SUMMARY_VERSION: u32 = 1;

/// What a run writes for a pipeline besides its main output.
#[derive(Debug, Clone, Default)]
pub struct PipelineFiles {
    /// The dropped documents, as JSONL; `.gz` or `.zst` compresses it.
    pub dropped: Option<PathBuf>,
    /// The run's totals (for `scan`; `clean` writes them into its folder).
    pub summary: Option<PathBuf>,
}

/// Writes the dropped documents into a temporary file beside `dest`, put in
/// place when the run completes.
pub struct DroppedWriter {
    staging: Staging,
    sink: Sink,
    dest: PathBuf,
    line: String,
}

impl DroppedWriter {
    pub fn create(analysis: &Analysis, dest: &Path) -> Result<Self> {
        refuse_inside_inputs(analysis, dest)?;
        let staging = Staging::file(dest)?;
        let sink = Sink::open(&staging.path, compression_of(dest))?;
        Ok(DroppedWriter {
            staging,
            sink,
            dest: dest.to_path_buf(),
            line: String::new(),
        })
    }

    /// Temporary files an interrupted earlier run left, now removed.
    pub fn swept(&self) -> &[PathBuf] {
        &self.staging.swept
    }

    pub(super) fn document(&mut self, analysis: &Analysis, d: &Decided) -> Result<()> {
        let Fate::Dropped {
            of,
            similarity,
            containment,
            rule,
        } = d.plan.fate
        else {
            return Ok(());
        };
        #[derive(Serialize)]
        struct Twin<'a> {
            index: u32,
            id: &'a str,
        }
        #[derive(Serialize)]
        struct Source<'a> {
            file: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            line: Option<u64>,
            #[serde(skip_serializing_if = "Option::is_none")]
            row: Option<u64>,
        }
        let doc = &d.document;
        let parquet = doc
            .file
            .file_name()
            .and_then(|n| crate::corpus::FileKind::of(&n.to_string_lossy()))
            == Some(crate::corpus::FileKind::Parquet);
        let line = &mut self.line;
        line.clear();
        line.push_str("{\"id\":");
        line.push_str(&json(&doc.id));
        line.push_str(",\"source\":");
        line.push_str(&json(&Source {
            file: &doc.file.to_string_lossy(),
            line: (!parquet).then_some(doc.line),
            row: parquet.then_some(doc.line),
        }));
        line.push_str(",\"rule\":");
        line.push_str(&json(&rule));
        line.push_str(",\"duplicate_of\":");
        line.push_str(&json(&Twin {
            index: of,
            id: analysis.id(of),
        }));
        line.push_str(",\"similarity\":");
        line.push_str(&json(&similarity));
        if let Some(c) = containment {
            line.push_str(",\"containment\":");
            line.push_str(&json(&c));
        }
        match &doc.record {
            Some(record) => {
                line.push_str(",\"record\":");
                line.push_str(&record.line);
            }
            None => {
                line.push_str(",\"text\":");
                line.push_str(&json(&doc.text));
            }
        }
        self.line.push_str("}\n");
        self.sink
            .write(self.line.as_bytes())
            .map_err(|e| Error::io(&self.dest, e))
    }

    pub fn finish(self) -> Result<()> {
        self.sink
            .finish()
            .map_err(|e| Error::io(&self.staging.path, e))?;
        self.staging.commit(&self.dest)
    }
}

/// A small value as JSON.
fn json<T: Serialize + ?Sized>(v: &T) -> String {
    serde_json::to_string(v).expect("plain values serialise")
}

/// The summary file's content: a small, stable schema for a pipeline.
pub fn summary_json(command: &str, summary: &Summary) -> String {
    #[derive(Serialize)]
    struct File<'a> {
        format: &'static str,
        format_version: u32,
        neardup_version: &'static str,
        command: &'a str,
        summary: &'a Summary,
    }
    let mut text = serde_json::to_string_pretty(&File {
        format: SUMMARY_FORMAT,
        format_version: SUMMARY_VERSION,
        neardup_version: env!("CARGO_PKG_VERSION"),
        command,
        summary,
    })
    .expect("the summary serialises");
    text.push('\n');
    text
}

/// Refuses a path for one of these files that cannot be written (its folder
/// missing, a folder in its place): call it before a run, so that nothing is
/// analysed for a file that cannot be written.
pub fn check_path(dest: &Path) -> Result<()> {
    super::staging::folder_exists(dest)?;
    super::staging::refuse_folder(dest)
}

/// Writes the summary to `dest`, whole or not at all.
pub fn write_summary(
    analysis: &Analysis,
    dest: &Path,
    command: &str,
    summary: &Summary,
) -> Result<()> {
    refuse_inside_inputs(analysis, dest)?;
    let staging = Staging::file(dest)?;
    std::fs::write(&staging.path, summary_json(command, summary))
        .map_err(|e| Error::io(&staging.path, e))?;
    staging.commit(dest)
}

/// Refuses a file to write that is an input or inside an input folder.
pub(super) fn refuse_inside_inputs(analysis: &Analysis, dest: &Path) -> Result<()> {
    super::staging::folder_exists(dest)?;
    let abs = super::absolute(dest)?;
    for input in &analysis.inputs {
        let abs_in = std::fs::canonicalize(&input.path).map_err(|e| Error::io(&input.path, e))?;
        if abs == abs_in || abs.starts_with(&abs_in) {
            return Err(Error::Output {
                path: dest.to_path_buf(),
                message: "must not be an input or inside an input folder".into(),
            });
        }
    }
    Ok(())
}
