//! Parquet copies: the cleaned copy of a Parquet input holds its kept rows,
//! in order, with every column, the same schema, each column's codec and
//! the text column cut; the rows dropped or cut go, as they were, to a file
//! of the same schema under [`ROWS_FOLDER`](crate::staging::ROWS_FOLDER), from which
//! [`rebuild`] gives the input's rows back ([`undo::Record::Rows`]).
//!
//! The copy reads the input a second time, every column, in step with the
//! documents of the pass (its rows, by number): one batch of rows is held at
//! a time.

use super::undo;
use crate::corpus::parquet::{self as pq, Opened};
use crate::corpus::ReadOptions;
use crate::error::{Error, Result};
use arrow_array::cast::AsArray;
use arrow_array::{
    Array, ArrayRef, BooleanArray, LargeStringArray, RecordBatch, StringArray, StringViewArray,
    StructArray, UInt64Array,
};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;
use std::fs;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::Arc;

type Writer = ArrowWriter<BufWriter<fs::File>>;

/// What became of a row.
#[derive(Debug, Clone, PartialEq)]
enum RowFate {
    /// No document came for it: its text could not be read (skipped).
    Skipped,
    Kept,
    /// Kept with this text.
    Cut(String),
    Dropped,
}

/// Writes the copy of one Parquet input: its rows' fates, in order of row.
struct Copier {
    source: PathBuf,
    dest: PathBuf,
    removed_path: PathBuf,
    text_field: String,
    open: Option<Open>,
}

struct Open {
    reader: Opened,
    text: Vec<usize>,
    props: WriterProperties,
    writer: Writer,
    removed: Option<Writer>,
    /// The batch being decided, the number of its first row (from 0), and
    /// each of its rows' fate.
    batch: Option<RecordBatch>,
    first: u64,
    fates: Vec<RowFate>,
    rows: u64,
    hash: xxhash_rust::xxh3::Xxh3,
}

fn create(path: &Path, schema: SchemaRef, props: WriterProperties) -> Result<Writer> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    let file = fs::File::create(path).map_err(|e| Error::io(path, e))?;
    ArrowWriter::try_new(BufWriter::new(file), schema, Some(props))
        .map_err(|e| pq::error(path, None, e))
}

/// The schema of a [`ROWS_FOLDER`](crate::staging::ROWS_FOLDER) file: the input's, and the row's
/// number and whether it was kept.
fn removed_schema(schema: &Schema) -> SchemaRef {
    let mut fields: Vec<Arc<Field>> = schema.fields().iter().cloned().collect();
    fields.push(Arc::new(Field::new(
        undo::ROW_COLUMN,
        DataType::UInt64,
        false,
    )));
    fields.push(Arc::new(Field::new(
        undo::KEPT_COLUMN,
        DataType::Boolean,
        false,
    )));
    Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()))
}

/// Hashes a batch's text values as [`undo::Record::Rows`] says.
fn hash_texts(hash: &mut xxhash_rust::xxh3::Xxh3, batch: &RecordBatch, text: &[usize]) {
    let chain = pq::arrays(batch, text);
    let values = chain.last().expect("one at least");
    for row in 0..batch.num_rows() {
        if !pq::is_null(&chain, row) {
            hash.update(pq::text_at(values.as_ref(), row).as_bytes());
        }
        hash.update(&[0xFF]);
    }
}

/// `column` with the field at `rest` (indices through structs) replaced by
/// `new`.
fn replace(column: &ArrayRef, rest: &[usize], new: ArrayRef) -> ArrayRef {
    match rest.split_first() {
        None => new,
        Some((&i, rest)) => {
            let s = column.as_struct();
            let mut children = s.columns().to_vec();
            children[i] = replace(&children[i], rest, new);
            Arc::new(StructArray::new(
                s.fields().clone(),
                children,
                s.nulls().cloned(),
            ))
        }
    }
}

/// A string array of type `t` ([`pq::is_text`]) holding `values`.
fn strings(t: &DataType, values: Vec<Option<&str>>) -> ArrayRef {
    match t {
        DataType::Utf8 => Arc::new(StringArray::from(values)),
        DataType::LargeUtf8 => Arc::new(LargeStringArray::from(values)),
        DataType::Utf8View => Arc::new(StringViewArray::from(values)),
        t => unreachable!("not a text column: {t}"),
    }
}

/// `batch` with the text field at `text` holding `values`.
pub(crate) fn with_texts(
    batch: &RecordBatch,
    text: &[usize],
    values: Vec<Option<&str>>,
) -> Result<RecordBatch> {
    let t = pq::field_type(batch.schema_ref(), text).clone();
    let mut columns = batch.columns().to_vec();
    columns[text[0]] = replace(&columns[text[0]], &text[1..], strings(&t, values));
    Ok(RecordBatch::try_new(batch.schema(), columns).expect("the same schema"))
}

impl Copier {
    fn opened(&mut self) -> Result<&mut Open> {
        if self.open.is_none() {
            let reader = pq::open(&self.source, |_| Ok(None))?;
            let options = ReadOptions {
                text: self.text_field.clone(),
                id: String::new(),
                max_bytes: u64::MAX,
                records: false,
            };
            let text = pq::columns(&self.source, &reader.schema, &options)?.text;
            let props = pq::properties(&reader.metadata);
            let writer = create(&self.dest, reader.schema.clone(), props.clone())?;
            self.open = Some(Open {
                reader,
                text,
                props,
                writer,
                removed: None,
                batch: None,
                first: 0,
                fates: Vec::new(),
                rows: 0,
                hash: xxhash_rust::xxh3::Xxh3::new(),
            });
        }
        Ok(self.open.as_mut().expect("opened above"))
    }

    /// The fate of row `line` (from 1).
    fn row(&mut self, line: u64, fate: RowFate) -> Result<()> {
        let (source, removed_path) = (self.source.clone(), self.removed_path.clone());
        let open = self.opened()?;
        let row = line - 1;
        while open
            .batch
            .as_ref()
            .is_none_or(|b| row >= open.first + b.num_rows() as u64)
        {
            if !open.next_batch(&source, &removed_path)? {
                return Err(Error::InputChanged { path: source });
            }
        }
        open.fates[(row - open.first) as usize] = fate;
        Ok(())
    }

    /// Writes the rest of the file (rows with no document are skipped) and
    /// closes both copies; gives the row count and text hash for the
    /// file's [`undo::Record::Rows`]. When the input broke off (`whole`
    /// false), only what was decided is written.
    fn finish(mut self, whole: bool) -> Result<(u64, u64)> {
        let (source, removed_path) = (self.source.clone(), self.removed_path.clone());
        let open = match (whole, self.open.is_some()) {
            (false, false) => return Ok((0, 0)),
            _ => self.opened()?,
        };
        if whole {
            while open.next_batch(&source, &removed_path)? {}
        } else {
            open.flush(&removed_path)?;
        }
        let Open {
            writer,
            removed,
            rows,
            hash,
            reader,
            ..
        } = self.open.take().expect("opened");
        if whole && rows != reader.rows {
            return Err(Error::InputChanged { path: source });
        }
        writer.close().map_err(|e| pq::error(&self.dest, None, e))?;
        if let Some(w) = removed {
            w.close().map_err(|e| pq::error(&removed_path, None, e))?;
        }
        Ok((rows, hash.digest()))
    }
}

/// Rows handed to the copy's thread at a time.
const CHUNK: usize = 1024;

type Fates = Vec<(u64, RowFate)>;

/// The channel to a copy's thread, and the thread, which gives the row
/// count and text hash.
type Thread = (
    std::sync::mpsc::SyncSender<Fates>,
    std::thread::JoinHandle<Result<(u64, u64)>>,
);

/// The copy of one Parquet input being written. Its reading, encoding and
/// compression run on a thread of their own, started at the first row, so
/// that they overlap the pass's reading of the next rows; the fates go to
/// it in chunks through a bounded channel, so that at most a few chunks
/// wait.
pub struct ParquetCopy {
    copier: Option<Copier>,
    thread: Option<Thread>,
    pending: Fates,
}

impl ParquetCopy {
    /// The copy of `source` to write at `dest`, its removed rows at
    /// `removed_path`; nothing is opened before the first row.
    pub fn new(source: PathBuf, dest: PathBuf, removed_path: PathBuf, text_field: &str) -> Self {
        ParquetCopy {
            copier: Some(Copier {
                source,
                dest,
                removed_path,
                text_field: text_field.to_string(),
                open: None,
            }),
            thread: None,
            pending: Vec::with_capacity(CHUNK),
        }
    }

    /// Row `line` (from 1) is kept, with `cut` as its text when it was cut,
    /// or dropped.
    pub fn row(&mut self, line: u64, kept: bool, cut: Option<&[u8]>) -> Result<()> {
        let fate = match (kept, cut) {
            (false, _) => RowFate::Dropped,
            (true, None) => RowFate::Kept,
            (true, Some(text)) => {
                RowFate::Cut(String::from_utf8(text.to_vec()).expect("cut on character boundaries"))
            }
        };
        self.pending.push((line, fate));
        if self.pending.len() >= CHUNK {
            self.send()?;
        }
        Ok(())
    }

    /// Hands the pending fates to the thread (started at the first).
    fn send(&mut self) -> Result<()> {
        let fates = std::mem::replace(&mut self.pending, Vec::with_capacity(CHUNK));
        if self.thread.is_none() {
            let mut copier = self.copier.take().expect("not started yet");
            let (tx, rx) = std::sync::mpsc::sync_channel::<Fates>(4);
            let handle = std::thread::spawn(move || {
                while let Ok(fates) = rx.recv() {
                    if fates.is_empty() {
                        // The end of the file: see `finish`.
                        break;
                    }
                    for (line, fate) in fates {
                        copier.row(line, fate)?;
                    }
                }
                let whole = rx.recv().is_ok();
                copier.finish(whole)
            });
            self.thread = Some((tx, handle));
        }
        let (tx, _) = self.thread.as_ref().expect("started above");
        // An empty chunk would say the end.
        if !fates.is_empty() && tx.send(fates).is_err() {
            // The thread stopped on an error: it is the answer.
            return self.join().map(|_| ());
        }
        Ok(())
    }

    fn join(&mut self) -> Result<(u64, u64)> {
        let (tx, handle) = self.thread.take().expect("started");
        drop(tx);
        handle
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    }

    /// Writes the rest of the file and closes both copies, as
    /// `Copier::finish` does.
    pub fn finish(mut self, whole: bool) -> Result<(u64, u64)> {
        if self.thread.is_none() && self.pending.is_empty() {
            return self.copier.take().expect("not started").finish(whole);
        }
        self.send()?;
        // An empty chunk ends the rows; a second one says the file is whole
        // (the channel closing without it says it broke off).
        // (A thread that stopped on an error gives it at the join.)
        let (tx, _) = self.thread.as_ref().expect("started");
        if tx.send(Vec::new()).is_ok() && whole {
            let _ = tx.send(Vec::new());
        }
        self.join()
    }
}

impl Open {
    /// Writes the batch being decided, then reads the next one; false at
    /// the end of the file.
    fn next_batch(&mut self, source: &Path, removed_path: &Path) -> Result<bool> {
        self.flush(removed_path)?;
        match self.reader.reader.next() {
            None => Ok(false),
            Some(batch) => {
                let batch = batch.map_err(|e| pq::error(source, Some(self.rows + 1), e))?;
                hash_texts(&mut self.hash, &batch, &self.text);
                self.first = self.rows;
                self.rows += batch.num_rows() as u64;
                self.fates = vec![RowFate::Skipped; batch.num_rows()];
                self.batch = Some(batch);
                Ok(true)
            }
        }
    }

    /// Writes the kept rows of the batch being decided to the copy, and
    /// the others, as they were, to the removed rows.
    fn flush(&mut self, removed_path: &Path) -> Result<()> {
        let Some(batch) = self.batch.take() else {
            return Ok(());
        };
        let kept = |f: &RowFate| matches!(f, RowFate::Kept | RowFate::Cut(_));
        let all_kept_as_is = self.fates.iter().all(|f| *f == RowFate::Kept);
        let copy = if all_kept_as_is {
            batch.clone()
        } else {
            let mask: BooleanArray = self.fates.iter().map(|f| Some(kept(f))).collect();
            let filtered = arrow_select::filter::filter_record_batch(&batch, &mask)
                .map_err(|e| pq::error(removed_path, None, e))?;
            if self.fates.iter().any(|f| matches!(f, RowFate::Cut(_))) {
                let chain = pq::arrays(&filtered, &self.text);
                let values = chain.last().expect("one at least");
                let mut texts = Vec::with_capacity(filtered.num_rows());
                for (i, fate) in self.fates.iter().filter(|f| kept(f)).enumerate() {
                    texts.push(Some(match fate {
                        RowFate::Cut(text) => text.as_str(),
                        _ => pq::text_at(values.as_ref(), i),
                    }));
                }
                with_texts(&filtered, &self.text, texts)?
            } else {
                filtered
            }
        };
        self.writer
            .write(&copy)
            .map_err(|e| pq::error(removed_path, None, e))?;
        if !all_kept_as_is {
            let indices: Vec<u32> = (0..self.fates.len() as u32)
                .filter(|&i| self.fates[i as usize] != RowFate::Kept)
                .collect();
            let index = arrow_array::UInt32Array::from(indices.clone());
            let taken = arrow_select::take::take_record_batch(&batch, &index)
                .map_err(|e| pq::error(removed_path, None, e))?;
            let mut columns = taken.columns().to_vec();
            columns.push(Arc::new(UInt64Array::from_iter_values(
                indices.iter().map(|&i| self.first + u64::from(i)),
            )));
            columns.push(Arc::new(BooleanArray::from_iter(
                indices
                    .iter()
                    .map(|&i| Some(matches!(self.fates[i as usize], RowFate::Cut(_)))),
            )));
            let schema = removed_schema(batch.schema_ref());
            let removed = RecordBatch::try_new(schema.clone(), columns)
                .map_err(|e| pq::error(removed_path, None, e))?;
            if self.removed.is_none() {
                self.removed = Some(create(removed_path, schema, self.props.clone())?);
            }
            self.removed
                .as_mut()
                .expect("created above")
                .write(&removed)
                .map_err(|e| pq::error(removed_path, None, e))?;
        }
        Ok(())
    }
}

/// Rebuilds at `out` the Parquet input whose cleaned copy is `cleaned` and
/// whose removed rows are at `removed` (absent when none were), checking it
/// against the row count and hash of its [`undo::Record::Rows`]. Gives the
/// size of the file written.
pub fn rebuild(
    cleaned: &Path,
    removed: &Path,
    out: &Path,
    rows: u64,
    text_field: &str,
    xxh3: &str,
) -> Result<u64> {
    let changed = |message: String| Error::Restore {
        path: cleaned.to_path_buf(),
        message,
    };
    let mut kept = pq::open(cleaned, |_| Ok(None))?;
    let schema = kept.schema.clone();
    let options = ReadOptions {
        text: text_field.to_string(),
        id: String::new(),
        max_bytes: u64::MAX,
        records: false,
    };
    let text = pq::columns(cleaned, &schema, &options)?.text;
    let mut other = if removed.is_file() {
        Some(pq::open(removed, |_| Ok(None))?)
    } else {
        None
    };
    let mut writer = create(out, schema.clone(), pq::properties(&kept.metadata))?;
    let mut hash = xxhash_rust::xxh3::Xxh3::new();
    let width = schema.fields().len();
    // The batch of each file being read, and the next row of it.
    let (mut kb, mut kr): (Option<RecordBatch>, usize) = (None, 0);
    let (mut ob, mut or): (Option<RecordBatch>, usize) = (None, 0);
    let mut pending: Vec<RecordBatch> = Vec::new();
    let mut pending_rows = 0;
    let next = |opened: &mut Opened, path: &Path| -> Result<Option<RecordBatch>> {
        opened
            .reader
            .next()
            .transpose()
            .map_err(|e| pq::error(path, None, e))
    };
    let mut row: u64 = 0;
    while row < rows {
        if ob.as_ref().is_none_or(|b| or >= b.num_rows()) {
            ob = match &mut other {
                Some(o) => next(o, removed)?,
                None => None,
            };
            or = 0;
        }
        let removed_row = ob.as_ref().map(|b| {
            let numbers = b
                .column(width)
                .as_primitive::<arrow_array::types::UInt64Type>();
            let kept = b.column(width + 1).as_boolean();
            (numbers.value(or), kept.value(or))
        });
        let take_removed = removed_row.is_some_and(|(n, _)| n == row);
        if !take_removed || removed_row.is_some_and(|(_, k)| k) {
            // The next kept row: taken, or passed over for its original.
            if kb.as_ref().is_none_or(|b| kr >= b.num_rows()) {
                kb = next(&mut kept, cleaned)?;
                kr = 0;
                if kb.is_none() {
                    return Err(changed(format!(
                        "holds fewer rows than the {rows} it was cleaned from"
                    )));
                }
            }
        }
        if take_removed {
            let b = ob.as_ref().expect("a removed row");
            let one = b.slice(or, 1);
            let columns = one.columns()[..width].to_vec();
            pending.push(
                RecordBatch::try_new(schema.clone(), columns)
                    .map_err(|e| changed(e.to_string()))?,
            );
            or += 1;
            if removed_row.is_some_and(|(_, k)| k) {
                kr += 1;
            }
            row += 1;
            pending_rows += 1;
        } else {
            // A run of kept rows up to the next removed one.
            let b = kb.as_ref().expect("a kept batch");
            let until = removed_row.map_or(rows, |(n, _)| n);
            let run = ((until - row) as usize).min(b.num_rows() - kr);
            pending.push(b.slice(kr, run));
            kr += run;
            row += run as u64;
            pending_rows += run;
        }
        if pending_rows >= pq::BATCH_ROWS || row == rows {
            let batch = arrow_select::concat::concat_batches(&schema, &pending)
                .map_err(|e| changed(e.to_string()))?;
            hash_texts(&mut hash, &batch, &text);
            writer.write(&batch).map_err(|e| pq::error(out, None, e))?;
            pending.clear();
            pending_rows = 0;
        }
    }
    let left = kb.map_or(0, |b| b.num_rows() - kr)
        + kept
            .reader
            .by_ref()
            .map(|b| b.map_or(1, |b| b.num_rows()))
            .sum::<usize>();
    if left > 0 {
        return Err(changed(format!(
            "holds more rows than the {rows} it was cleaned from"
        )));
    }
    writer.close().map_err(|e| pq::error(out, None, e))?;
    if undo::hash_hex(hash.digest()) != xxh3 {
        return Err(changed(
            "its text differs from what was cleaned (the hash of the rebuilt rows does not match)"
                .into(),
        ));
    }
    fs::metadata(out)
        .map(|m| m.len())
        .map_err(|e| Error::io(out, e))
}
