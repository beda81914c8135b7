//! Cleaning a table held in memory: Arrow record batches in; out, the kept
//! rows with every column and the text cleaned, and the dropped rows with
//! every column and why they went.
//!
//! The table goes through the very passes of `neardup clean`: it is written
//! once, uncompressed, as a Parquet file in the run's temporary folder
//! (removed at the end), which the pipeline reads as it reads any Parquet
//! input. So a table and the same rows in a file give the same documents
//! dropped and the same text cut, by construction; the cost is one copy of
//! the table on disk while the run lasts.

use crate::config::{OnError, Options};
use crate::corpus::parquet as pq;
use crate::corpus::ReadOptions;
use crate::error::{Error, Result};
use crate::output::report::Summary;
use crate::pipeline::{self, Progress};
use crate::removal::{Fate, Original};
use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use std::path::Path;
use std::sync::Arc;

/// The columns [`clean_table`] adds to the dropped rows.
pub const DROPPED_COLUMNS: [&str; 4] = ["duplicate_of", "duplicate_of_row", "rule", "similarity"];

/// What [`clean_table`] gives.
#[derive(Debug)]
pub struct Cleaned {
    /// The kept rows, in order, with every column; the text column holds
    /// what was kept of each text.
    pub kept: RecordBatch,
    /// The rows that were not kept, in order, with every column as it was,
    /// then [`DROPPED_COLUMNS`]: the id of the kept document each one
    /// duplicates and its row (from 0), the rule (`exact_document`,
    /// `near_duplicate_document`, `contained_duplicate`, or `unreadable`
    /// for a row skipped with `on_error = "skip"`), and the similarity.
    pub dropped: RecordBatch,
    /// The run's totals, as `summary.json` has them.
    pub summary: Summary,
}

/// What became of one row.
#[derive(Debug, Clone, Default)]
enum Row {
    /// No document came for it: it could not be read (skipped).
    #[default]
    Unreadable,
    Kept(Option<String>),
    Dropped {
        of: String,
        /// The row of the kept document, when it is one of the table's
        /// (not one of an index's).
        of_row: Option<u64>,
        rule: String,
        similarity: f32,
    },
}

/// Cleans the rows of `batches` (all of `schema`) as `neardup clean` cleans
/// the same rows in a Parquet file: `options.text_field` names the text
/// column and `options.id_field` the id column (when there is none, ids by
/// row: `table.parquet:N`); a dotted name reaches into a struct column.
pub fn clean_table(
    schema: SchemaRef,
    batches: &[RecordBatch],
    options: &Options,
    progress: &dyn Progress,
) -> Result<Cleaned> {
    let config = options.config()?;
    let name = Path::new("table");
    let read = ReadOptions::of(&config, false);
    let columns = pq::columns(name, &schema, &read)?;
    if let Some(taken) = DROPPED_COLUMNS
        .iter()
        .find(|c| schema.field_with_name(c).is_ok())
    {
        return Err(Error::Config(format!(
            "the table has a column {taken:?}, a name the dropped rows' columns take ({}); rename it",
            DROPPED_COLUMNS.join(", ")
        )));
    }
    if config.on_error == OnError::Fail {
        refuse_null_texts(name, batches, &columns.text, &config.text_field)?;
    }
    let work = config.work_dir()?;
    let path = work.path().join("table.parquet");
    write(&path, &schema, batches)?;
    let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
    options.install(|| {
        let mut analysis = pipeline::analyze(std::slice::from_ref(&path), config, progress)?;
        // The row of each document, to name the rows dropped documents copy.
        let mut row_of: Vec<u64> = Vec::with_capacity(analysis.len());
        let mut fates = vec![Row::Unreadable; rows];
        let mut dropped = Vec::new();
        let summary = crate::output::outcomes(&analysis, progress, |o| {
            let row = o.line - 1;
            row_of.push(row);
            fates[row as usize] = match o.fate {
                Fate::Kept => Row::Kept(o.text.map(str::to_owned)),
                Fate::Dropped {
                    of,
                    similarity,
                    rule,
                    ..
                } => {
                    dropped.push((row, of));
                    Row::Dropped {
                        of: o.duplicate_of.unwrap_or_default().into_owned(),
                        of_row: None,
                        rule: rule.name(),
                        similarity,
                    }
                }
            };
            Ok(())
        })?;
        // The kept document a dropped one copies may come after it (a
        // longer version of a document cut short): rows are named once all
        // are known.
        for (row, of) in dropped {
            if let (Row::Dropped { of_row, .. }, Original::Run(of)) = (&mut fates[row as usize], of)
            {
                *of_row = Some(row_of[of as usize]);
            }
        }
        let cleaned = Cleaned {
            kept: kept(&schema, batches, &columns.text, &fates)?,
            dropped: dropped_rows(&schema, batches, &fates)?,
            summary,
        };
        analysis.commit_index()?;
        Ok(cleaned)
    })
}

fn refuse_null_texts(
    name: &Path,
    batches: &[RecordBatch],
    text: &[usize],
    field: &str,
) -> Result<()> {
    let mut first = 0u64;
    for batch in batches {
        let chain = pq::arrays(batch, text);
        if let Some(i) = (0..batch.num_rows()).find(|&i| pq::is_null(&chain, i)) {
            return Err(pq::error(
                name,
                Some(first + i as u64 + 1),
                format!("column \"{field}\" is null"),
            ));
        }
        first += batch.num_rows() as u64;
    }
    Ok(())
}

fn write(path: &Path, schema: &SchemaRef, batches: &[RecordBatch]) -> Result<()> {
    let file = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
    let mut w =
        parquet::arrow::ArrowWriter::try_new(std::io::BufWriter::new(file), schema.clone(), None)
            .map_err(|e| pq::error(path, None, e))?;
    for batch in batches {
        w.write(batch).map_err(|e| pq::error(path, None, e))?;
    }
    w.close().map_err(|e| pq::error(path, None, e))?;
    Ok(())
}

/// The rows of `batches` (by number in the table) for which `pick` says
/// yes, in order, as one batch.
fn take(
    schema: &SchemaRef,
    batches: &[RecordBatch],
    pick: impl Fn(usize) -> bool,
) -> Result<RecordBatch> {
    let failed = |e: arrow_schema::ArrowError| Error::Config(format!("table: {e}"));
    let mut parts = Vec::with_capacity(batches.len());
    let mut first = 0;
    for batch in batches {
        let rows = (0..batch.num_rows() as u64).filter(|&i| pick(first + i as usize));
        let indices = arrow_array::UInt64Array::from_iter_values(rows);
        first += batch.num_rows();
        parts.push(arrow_select::take::take_record_batch(batch, &indices).map_err(failed)?);
    }
    arrow_select::concat::concat_batches(schema, &parts).map_err(failed)
}

/// The kept rows, the text column holding what was kept of each text.
fn kept(
    schema: &SchemaRef,
    batches: &[RecordBatch],
    text: &[usize],
    fates: &[Row],
) -> Result<RecordBatch> {
    let all = take(schema, batches, |r| matches!(fates[r], Row::Kept(_)))?;
    let chain = pq::arrays(&all, text);
    let values = chain.last().expect("one at least");
    let cut = fates.iter().filter_map(|r| match r {
        Row::Kept(t) => Some(t),
        _ => None,
    });
    let cleaned: Vec<Option<&str>> = cut
        .enumerate()
        .map(|(i, t)| match t {
            Some(t) => Some(t.as_str()),
            None => (!pq::is_null(&chain, i)).then(|| pq::text_at(values.as_ref(), i)),
        })
        .collect();
    crate::output::parquet::with_texts(&all, text, cleaned)
}

/// The rows not kept, as they were, with [`DROPPED_COLUMNS`] after them.
fn dropped_rows(schema: &SchemaRef, batches: &[RecordBatch], fates: &[Row]) -> Result<RecordBatch> {
    let rows = take(schema, batches, |r| !matches!(fates[r], Row::Kept(_)))?;
    let gone = fates.iter().filter(|r| !matches!(r, Row::Kept(_)));
    let (mut of, mut of_row, mut rule, mut similarity) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for r in gone {
        match r {
            Row::Dropped {
                of: id,
                of_row: at,
                rule: name,
                similarity: s,
            } => {
                of.push(Some(id.as_str()));
                of_row.push(at.map(|at| at as i64));
                rule.push(name.as_str());
                similarity.push(Some(f64::from(*s)));
            }
            Row::Unreadable => {
                of.push(None);
                of_row.push(None);
                rule.push("unreadable");
                similarity.push(None);
            }
            Row::Kept(_) => unreachable!("filtered out"),
        }
    }
    let mut fields: Vec<Arc<Field>> = schema.fields().iter().cloned().collect();
    let mut columns: Vec<ArrayRef> = rows.columns().to_vec();
    let added: [(&str, DataType, bool, ArrayRef); 4] = [
        (
            "duplicate_of",
            DataType::Utf8,
            true,
            Arc::new(StringArray::from(of)),
        ),
        (
            "duplicate_of_row",
            DataType::Int64,
            true,
            Arc::new(Int64Array::from(of_row)),
        ),
        (
            "rule",
            DataType::Utf8,
            false,
            Arc::new(StringArray::from(rule)),
        ),
        (
            "similarity",
            DataType::Float64,
            true,
            Arc::new(Float64Array::from(similarity)),
        ),
    ];
    for (name, t, nullable, column) in added {
        fields.push(Arc::new(Field::new(name, t, nullable)));
        columns.push(column);
    }
    let schema = Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()));
    RecordBatch::try_new(schema, columns).map_err(|e| Error::Config(format!("table: {e}")))
}
