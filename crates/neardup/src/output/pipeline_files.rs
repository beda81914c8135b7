//! Files for the next step of a pipeline, written beside a run's output:
//! `--dropped PATH`, the dropped documents as JSON Lines (or as Parquet with
//! the same fields as columns), and the run's totals as `summary.json`.
//!
//! A dropped-documents line is one object, in input order:
//! `{"id", "source": {"file", "line" | "row"}, "rule", "duplicate_of":
//! {"index", "id"}, "similarity", "containment"?, "record" | "text"}`, where
//! `record` is a JSONL document's original record, byte for byte, and `text`
//! the text of a text file or a Parquet row (`row` counts from 1; the row's
//! other columns are in the output's `removed-rows/`). The fields are neardup's own and the record is nested, so
//! nothing the record holds is ever shadowed.

use super::{Decided, Sink};
use crate::corpus::{compression_of, FileKind};
use crate::error::{Error, Result};
use crate::output::report::Summary;
use crate::pipeline::Analysis;
use crate::removal::{Fate, Original, Rule};
use crate::staging::Staging;
use arrow_array::{
    ArrayRef, Float32Array, RecordBatch, StringArray, StructArray, UInt32Array, UInt64Array,
};
use arrow_schema::{DataType, Field, Fields, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use serde::Serialize;
use std::borrow::Cow;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Its format, and the version bumped on any incompatible change.
pub const SUMMARY_FORMAT: &str = "neardup-summary";
/// The version of [`SUMMARY_FORMAT`].
pub const SUMMARY_VERSION: u32 = 1;

/// What a run writes for a pipeline besides its main output.
#[derive(Debug, Clone, Default)]
pub struct PipelineFiles {
    /// The dropped documents, as JSONL (`.gz` or `.zst` compresses it) or
    /// Parquet (`.parquet`).
    pub dropped: Option<PathBuf>,
    /// The run's totals (for `scan`; `clean` writes them into its folder).
    pub summary: Option<PathBuf>,
}

/// Writes the dropped documents into a temporary file beside `dest`, put in
/// place when the run completes: JSON Lines, or Parquet when `dest` ends in
/// `.parquet`.
pub struct DroppedWriter {
    staging: Staging,
    out: Out,
    dest: PathBuf,
}

enum Out {
    Jsonl { sink: Box<Sink>, line: String },
    Parquet(Box<DroppedTable>),
}

/// One dropped document, as both formats write it.
struct Dropped<'a> {
    id: &'a str,
    file: Cow<'a, str>,
    /// Its line (JSONL, text) or row (Parquet) in `file`.
    line: Option<u64>,
    row: Option<u64>,
    rule: Rule,
    of: Original,
    of_id: Cow<'a, str>,
    similarity: f32,
    containment: Option<f32>,
    /// The original JSONL record, or else the text.
    record: Option<&'a str>,
    text: Option<&'a str>,
}

impl DroppedWriter {
    /// A writer of the dropped documents to `dest` (`.jsonl` or `.parquet`), refused inside an input.
    pub fn create(analysis: &Analysis, dest: &Path) -> Result<Self> {
        refuse_inside_inputs(analysis, dest)?;
        let staging = Staging::file(dest)?;
        let out = if is_parquet(dest) {
            Out::Parquet(Box::new(DroppedTable::create(&staging.path)?))
        } else {
            Out::Jsonl {
                sink: Box::new(Sink::open(&staging.path, compression_of(dest))?),
                line: String::new(),
            }
        };
        Ok(DroppedWriter {
            staging,
            out,
            dest: dest.to_path_buf(),
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
        let doc = &d.document;
        let parquet = is_parquet(&doc.file);
        let dropped = Dropped {
            id: &doc.id,
            file: doc.file.to_string_lossy(),
            line: (!parquet).then_some(doc.line),
            row: parquet.then_some(doc.line),
            rule,
            of,
            of_id: analysis.original_id(of),
            similarity,
            containment,
            record: doc.record.as_ref().map(|r| r.line.as_str()),
            text: doc.record.is_none().then_some(doc.text.as_str()),
        };
        match &mut self.out {
            Out::Jsonl { sink, line } => {
                json_line(line, &dropped);
                sink.write_all(line.as_bytes())
                    .map_err(|e| Error::io(&self.dest, e))
            }
            Out::Parquet(table) => table.push(&dropped, &self.staging.path),
        }
    }

    /// Completes the file: until then it stands under a temporary name.
    pub fn finish(self) -> Result<()> {
        match self.out {
            Out::Jsonl { sink, .. } => sink
                .finish()
                .map_err(|e| Error::io(&self.staging.path, e))?,
            Out::Parquet(table) => table.finish(&self.staging.path)?,
        }
        self.staging.commit(&self.dest)
    }
}

/// Whether `path` names a Parquet file.
fn is_parquet(path: &Path) -> bool {
    FileKind::of(&path.to_string_lossy()) == Some(FileKind::Parquet)
}

/// A dropped document as one JSON line, into `line`.
fn json_line(line: &mut String, d: &Dropped) {
    #[derive(Serialize)]
    struct Twin<'a> {
        #[serde(skip_serializing_if = "Option::is_none")]
        index: Option<u32>,
        id: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        indexed: Option<u64>,
    }
    #[derive(Serialize)]
    struct Source<'a> {
        file: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        line: Option<u64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        row: Option<u64>,
    }
    line.clear();
    line.push_str("{\"id\":");
    line.push_str(&json(d.id));
    line.push_str(",\"source\":");
    line.push_str(&json(&Source {
        file: &d.file,
        line: d.line,
        row: d.row,
    }));
    line.push_str(",\"rule\":");
    line.push_str(&json(&d.rule));
    line.push_str(",\"duplicate_of\":");
    let (index, indexed) = d.of.numbers();
    line.push_str(&json(&Twin {
        index,
        id: &d.of_id,
        indexed,
    }));
    line.push_str(",\"similarity\":");
    line.push_str(&json(&d.similarity));
    if let Some(c) = d.containment {
        line.push_str(",\"containment\":");
        line.push_str(&json(&c));
    }
    if let Some(record) = d.record {
        line.push_str(",\"record\":");
        line.push_str(record);
    }
    if let Some(text) = d.text {
        line.push_str(",\"text\":");
        line.push_str(&json(text));
    }
    line.push_str("}\n");
}

/// The dropped documents as a Parquet table with the JSON lines' fields as
/// columns (`source` and `duplicate_of` structs; `record`, the JSONL
/// record's text, or `text`), written in batches.
struct DroppedTable {
    writer: ArrowWriter<std::io::BufWriter<std::fs::File>>,
    schema: SchemaRef,
    id: Vec<String>,
    file: Vec<String>,
    line: Vec<Option<u64>>,
    row: Vec<Option<u64>>,
    rule: Vec<String>,
    of: Vec<Option<u32>>,
    of_id: Vec<String>,
    of_indexed: Vec<Option<u64>>,
    similarity: Vec<f32>,
    containment: Vec<Option<f32>>,
    record: Vec<Option<String>>,
    text: Vec<Option<String>>,
}

/// Rows per batch of the dropped-documents table.
const DROPPED_BATCH: usize = 1024;

fn source_fields() -> Fields {
    Fields::from(vec![
        Field::new("file", DataType::Utf8, false),
        Field::new("line", DataType::UInt64, true),
        Field::new("row", DataType::UInt64, true),
    ])
}

fn twin_fields() -> Fields {
    Fields::from(vec![
        Field::new("index", DataType::UInt32, true),
        Field::new("id", DataType::Utf8, false),
        Field::new("indexed", DataType::UInt64, true),
    ])
}

impl DroppedTable {
    fn create(path: &Path) -> Result<Self> {
        let schema = Arc::new(Schema::new(vec![
            Field::new("id", DataType::Utf8, false),
            Field::new("source", DataType::Struct(source_fields()), false),
            Field::new("rule", DataType::Utf8, false),
            Field::new("duplicate_of", DataType::Struct(twin_fields()), false),
            Field::new("similarity", DataType::Float32, false),
            Field::new("containment", DataType::Float32, true),
            Field::new("record", DataType::Utf8, true),
            Field::new("text", DataType::Utf8, true),
        ]));
        let file = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
        let props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::default()))
            .build();
        let writer =
            ArrowWriter::try_new(std::io::BufWriter::new(file), schema.clone(), Some(props))
                .map_err(|e| crate::corpus::parquet::error(path, None, e))?;
        Ok(DroppedTable {
            writer,
            schema,
            id: Vec::new(),
            file: Vec::new(),
            line: Vec::new(),
            row: Vec::new(),
            rule: Vec::new(),
            of: Vec::new(),
            of_id: Vec::new(),
            of_indexed: Vec::new(),
            similarity: Vec::new(),
            containment: Vec::new(),
            record: Vec::new(),
            text: Vec::new(),
        })
    }

    fn push(&mut self, d: &Dropped, path: &Path) -> Result<()> {
        self.id.push(d.id.to_string());
        self.file.push(d.file.to_string());
        self.line.push(d.line);
        self.row.push(d.row);
        self.rule.push(d.rule.name());
        let (index, indexed) = d.of.numbers();
        self.of.push(index);
        self.of_id.push(d.of_id.to_string());
        self.of_indexed.push(indexed);
        self.similarity.push(d.similarity);
        self.containment.push(d.containment);
        self.record.push(d.record.map(str::to_string));
        self.text.push(d.text.map(str::to_string));
        if self.id.len() >= DROPPED_BATCH {
            self.flush(path)?;
        }
        Ok(())
    }

    fn flush(&mut self, path: &Path) -> Result<()> {
        if self.id.is_empty() {
            return Ok(());
        }
        fn strings(v: &mut Vec<String>) -> ArrayRef {
            Arc::new(StringArray::from(std::mem::take(v)))
        }
        let source = StructArray::new(
            source_fields(),
            vec![
                strings(&mut self.file),
                Arc::new(UInt64Array::from(std::mem::take(&mut self.line))),
                Arc::new(UInt64Array::from(std::mem::take(&mut self.row))),
            ],
            None,
        );
        let twin = StructArray::new(
            twin_fields(),
            vec![
                Arc::new(UInt32Array::from(std::mem::take(&mut self.of))),
                strings(&mut self.of_id),
                Arc::new(UInt64Array::from(std::mem::take(&mut self.of_indexed))),
            ],
            None,
        );
        let columns: Vec<ArrayRef> = vec![
            strings(&mut self.id),
            Arc::new(source),
            strings(&mut self.rule),
            Arc::new(twin),
            Arc::new(Float32Array::from(std::mem::take(&mut self.similarity))),
            Arc::new(Float32Array::from(std::mem::take(&mut self.containment))),
            Arc::new(StringArray::from(std::mem::take(&mut self.record))),
            Arc::new(StringArray::from(std::mem::take(&mut self.text))),
        ];
        let batch = RecordBatch::try_new(self.schema.clone(), columns)
            .expect("the columns match the schema");
        self.writer
            .write(&batch)
            .map_err(|e| crate::corpus::parquet::error(path, None, e))
    }

    fn finish(mut self, path: &Path) -> Result<()> {
        self.flush(path)?;
        self.writer
            .close()
            .map_err(|e| crate::corpus::parquet::error(path, None, e))?;
        Ok(())
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
    crate::staging::folder_exists(dest)?;
    crate::staging::refuse_folder(dest)
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
    crate::staging::folder_exists(dest)?;
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
