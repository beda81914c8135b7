//! Parquet: one document per row, its text in a string column and its id in
//! an integer or string column, each named by a dotted path through struct
//! columns (`meta.text`). Row groups are decoded in batches of
//! [`BATCH_ROWS`], and only the columns that hold the text and the id, so
//! memory stays bounded however large the file. The cleaned copy is written
//! by [`crate::output`] from a second reader of every column
//! ([`open`], [`properties`]).

use super::{unreadable, Document, Gaps, ReadOptions, Sink};
use crate::error::{Error, Result};
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Fields, Schema};
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use parquet::arrow::ProjectionMask;
use parquet::file::metadata::ParquetMetaData;
use parquet::file::properties::WriterProperties;
use std::path::Path;

/// Rows decoded at a time.
pub const BATCH_ROWS: usize = 1024;

/// A Parquet file opened for reading, with its metadata.
pub struct Opened {
    /// The reader of the text and id columns, in batches.
    pub reader: ParquetRecordBatchReader,
    /// The schema of every column (not only those read).
    pub schema: arrow_schema::SchemaRef,
    /// The file's footer.
    pub metadata: std::sync::Arc<ParquetMetaData>,
    /// Rows in the file.
    pub rows: u64,
}

/// Opens `path` to read, in batches of [`BATCH_ROWS`] rows, the top-level
/// columns that `roots` chooses from the file's schema (every column when
/// it gives None).
pub fn open(
    path: &Path,
    roots: impl FnOnce(&Schema) -> Result<Option<Vec<usize>>>,
) -> Result<Opened> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let builder =
        ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| error(path, None, e))?;
    let schema = builder.schema().clone();
    let metadata = builder.metadata().clone();
    let rows = metadata.file_metadata().num_rows().max(0) as u64;
    let builder = match roots(&schema)? {
        Some(roots) => {
            let mask = ProjectionMask::roots(builder.parquet_schema(), roots.iter().copied());
            builder.with_projection(mask)
        }
        None => builder,
    };
    let reader = builder
        .with_batch_size(BATCH_ROWS)
        .build()
        .map_err(|e| error(path, None, e))?;
    Ok(Opened {
        reader,
        schema,
        metadata,
        rows,
    })
}

/// A Parquet error on `path` (at 1-based `row`, where known).
pub fn error(path: &Path, row: Option<u64>, e: impl std::fmt::Display) -> Error {
    Error::Parquet {
        path: path.to_path_buf(),
        row,
        message: e.to_string(),
    }
}

/// The largest row group a copy writes: the writer holds a row group in
/// memory until it is complete, so a file written in one huge group is
/// copied in several.
pub const MAX_GROUP_BYTES: usize = 64 << 20;

/// The writer settings that give a copy the file's layout: each column's
/// compression codec (at its default level: Parquet does not record the
/// level), row groups of the file's first one's row count (at most
/// [`MAX_GROUP_BYTES`]), and its key-value metadata (the Arrow schema is
/// written again by the writer).
pub fn properties(metadata: &ParquetMetaData) -> WriterProperties {
    let mut props = WriterProperties::builder().set_max_row_group_bytes(Some(MAX_GROUP_BYTES));
    if let Some(group) = metadata.row_groups().first() {
        props = props.set_max_row_group_row_count(Some((group.num_rows().max(1)) as usize));
        for column in group.columns() {
            props =
                props.set_column_compression(column.column_path().clone(), column.compression());
        }
    }
    let kv: Vec<_> = metadata
        .file_metadata()
        .key_value_metadata()
        .into_iter()
        .flatten()
        .filter(|kv| kv.key != "ARROW:schema")
        .cloned()
        .collect();
    if !kv.is_empty() {
        props = props.set_key_value_metadata(Some(kv));
    }
    props.build()
}

/// Where a field named by a dotted path is: the index of each field on the
/// way down through struct columns. A name with dots in it is matched whole
/// first, as in JSON.
pub fn locate(fields: &Fields, path: &str) -> Option<Vec<usize>> {
    if let Some((i, _)) = fields.find(path) {
        return Some(vec![i]);
    }
    path.match_indices('.').find_map(|(at, _)| {
        let (i, field) = fields.find(&path[..at])?;
        let DataType::Struct(inner) = field.data_type() else {
            return None;
        };
        let mut rest = locate(inner, &path[at + 1..])?;
        rest.insert(0, i);
        Some(rest)
    })
}

/// The data type of the field at `at` ([`locate`]).
pub fn field_type<'a>(schema: &'a Schema, at: &[usize]) -> &'a DataType {
    let mut t = schema.field(at[0]).data_type();
    for &i in &at[1..] {
        let DataType::Struct(inner) = t else {
            unreachable!("located through structs")
        };
        t = inner[i].data_type();
    }
    t
}

/// The arrays on the way to the field at `at` in `batch`, the field's last;
/// a row's value is null when any of them is null there.
pub fn arrays<'a>(batch: &'a RecordBatch, at: &[usize]) -> Vec<&'a ArrayRef> {
    let mut out = vec![batch.column(at[0])];
    for &i in &at[1..] {
        let last = out.last().expect("one at least");
        out.push(last.as_struct().column(i));
    }
    out
}

/// Whether row `row` is null anywhere along a field's path (`arrays`).
pub fn is_null(chain: &[&ArrayRef], row: usize) -> bool {
    chain.iter().any(|a| a.is_null(row))
}

/// Whether a column of this type holds text neardup reads.
pub fn is_text(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
}

fn is_id(t: &DataType) -> bool {
    is_text(t) || t.is_integer()
}

/// The string at `row` of a text column ([`is_text`]).
pub fn text_at(array: &dyn Array, row: usize) -> &str {
    match array.data_type() {
        DataType::Utf8 => array.as_string::<i32>().value(row),
        DataType::LargeUtf8 => array.as_string::<i64>().value(row),
        DataType::Utf8View => array.as_string_view().value(row),
        t => unreachable!("not a text column: {t}"),
    }
}

fn id_at(array: &dyn Array, row: usize) -> String {
    macro_rules! int {
        ($t:ty) => {
            array.as_primitive::<$t>().value(row).to_string()
        };
    }
    match array.data_type() {
        DataType::Int8 => int!(Int8Type),
        DataType::Int16 => int!(Int16Type),
        DataType::Int32 => int!(Int32Type),
        DataType::Int64 => int!(Int64Type),
        DataType::UInt8 => int!(UInt8Type),
        DataType::UInt16 => int!(UInt16Type),
        DataType::UInt32 => int!(UInt32Type),
        DataType::UInt64 => int!(UInt64Type),
        _ => text_at(array, row).to_string(),
    }
}

/// The columns of a schema, for an error that asks for one of them.
fn listed(schema: &Schema) -> String {
    let names: Vec<String> = schema
        .fields()
        .iter()
        .map(|f| format!("{:?} ({})", f.name(), f.data_type()))
        .collect();
    names.join(", ")
}

/// Where the text and id columns of a file are ([`locate`]).
pub struct Columns {
    /// The way to the text column: the index of a top-level column, then
    /// of a field in each struct on the way (a dotted name), as [`arrays`]
    /// takes it.
    pub text: Vec<usize>,
    /// The way to the id column, when the run names one.
    pub id: Option<Vec<usize>>,
}

/// Finds the text and id columns named in `options` in `schema`: a missing
/// or non-string text column is an error that lists the columns; a missing
/// id column means ids by row (`name:row`).
pub fn columns(path: &Path, schema: &Schema, options: &ReadOptions) -> Result<Columns> {
    let bad = |message: String| error(path, None, message);
    let text = locate(schema.fields(), &options.text).ok_or_else(|| {
        bad(format!(
            "no column \"{}\"; its columns are {} (choose one with --text-field)",
            options.text,
            listed(schema)
        ))
    })?;
    let t = field_type(schema, &text);
    if !is_text(t) {
        return Err(bad(format!(
            "column \"{}\" is {t}, not a string column (utf8, large_utf8 or utf8_view)",
            options.text
        )));
    }
    let id = locate(schema.fields(), &options.id);
    if let Some(id) = &id {
        let t = field_type(schema, id);
        if !is_id(t) {
            return Err(bad(format!(
                "column \"{}\" is {t}; ids are integers or strings (choose another with --id-field)",
                options.id
            )));
        }
    }
    Ok(Columns { text, id })
}

/// Reads the Parquet file at `path`, named `name` in its input (the id of a
/// row without one is `name:row`, rows counted from 1).
pub(super) fn read(
    path: &Path,
    name: &Path,
    input: u32,
    options: &ReadOptions,
    sink: &mut Sink,
    gaps: &mut Gaps,
) -> Result<()> {
    let mut at = None;
    let opened = open(path, |schema| {
        let found = columns(path, schema, options)?;
        let mut roots = vec![found.text[0]];
        roots.extend(found.id.as_ref().map(|id| id[0]));
        roots.sort_unstable();
        roots.dedup();
        at = Some((found, roots.clone()));
        Ok(Some(roots))
    });
    let mut opened = match opened {
        Ok(opened) => opened,
        Err(e) => return unreadable(path, e, sink, gaps),
    };
    let (found, roots) = at.expect("set when the file opened");
    // The projected batch holds only `roots`, in file order.
    let project = |field: &[usize]| {
        let mut field = field.to_vec();
        field[0] = roots.binary_search(&field[0]).expect("projected");
        field
    };
    let (text_at_, id_at_) = (project(&found.text), found.id.as_deref().map(project));
    let prefix = super::slash_path(name);
    let mut row: u64 = 0;
    for batch in &mut opened.reader {
        let batch = match batch {
            Ok(batch) => batch,
            Err(e) => return unreadable(path, error(path, Some(row + 1), e), sink, gaps),
        };
        let texts = arrays(&batch, &text_at_);
        let ids = id_at_.as_deref().map(|at| arrays(&batch, at));
        for i in 0..batch.num_rows() {
            row += 1;
            if is_null(&texts, i) {
                sink(Err(error(
                    path,
                    Some(row),
                    format!("column \"{}\" is null", options.text),
                )))?;
                continue;
            }
            let text = text_at(texts.last().expect("one at least").as_ref(), i);
            if text.len() as u64 > options.max_bytes {
                sink(Err(Error::DocumentTooLarge {
                    path: path.to_path_buf(),
                    line: row,
                    bytes: text.len() as u64,
                    limit: options.max_bytes,
                }))?;
                continue;
            }
            let id = match &ids {
                Some(chain) if !is_null(chain, i) => {
                    id_at(chain.last().expect("one at least").as_ref(), i)
                }
                _ => format!("{prefix}:{row}"),
            };
            sink(Ok(Document {
                id,
                input,
                file: path.to_path_buf(),
                line: row,
                text: text.to_string(),
                original: None,
                record: None,
            }))?;
        }
    }
    if row != opened.rows {
        return sink(Err(Error::InputChanged {
            path: path.to_path_buf(),
        }));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_schema::Field;

    #[test]
    fn dotted_paths_go_through_structs_and_dotted_names_match_whole() {
        let inner = Fields::from(vec![
            Field::new("url", DataType::Utf8, true),
            Field::new("text", DataType::Utf8, true),
        ]);
        let fields = Fields::from(vec![
            Field::new("id", DataType::Int64, false),
            Field::new("meta", DataType::Struct(inner), true),
            Field::new("meta.text", DataType::Utf8, true),
        ]);
        assert_eq!(locate(&fields, "id"), Some(vec![0]));
        assert_eq!(locate(&fields, "meta.url"), Some(vec![1, 0]));
        // The name with a dot in it, whole, before the path.
        assert_eq!(locate(&fields, "meta.text"), Some(vec![2]));
        assert_eq!(locate(&fields, "meta.lang"), None);
        assert_eq!(locate(&fields, "id.x"), None);
    }
}
