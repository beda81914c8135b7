//! `neardup._core`: the Rust core for Python. Kernels take and give Arrow
//! record batches (ids as signed 64-bit integers, text as UTF-8 or large
//! UTF-8, as Spark's `mapInArrow` hands them over), release the GIL while
//! they work, and turn every error and every panic into a Python exception.

use arrow_array::builder::{
    BinaryBuilder, BooleanBuilder, Float64Builder, Int64Builder, ListBuilder, StringBuilder,
    StructBuilder,
};
use arrow_array::RecordBatch;
use arrow_array::{Array, ArrayRef, BinaryArray, Int64Array, LargeStringArray, StringArray};
use arrow_pyarrow::PyArrowType;
use arrow_schema::{DataType, Field, Fields, Schema};
use neardup::analyze::{Analyzer, Scratch};
use neardup::boilerplate::template::{self, DocKeys, SharedLines};
use neardup::config::Config;
use neardup::matching;
use neardup::passages::{self, PassageRecord};
use neardup::pipeline::Silent;
use neardup::plan;
use neardup::removal::{Fate, Twin};
use neardup::store::LocalRecord;
use neardup::text::Segment;
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use std::path::PathBuf;
use std::sync::Arc;

pyo3::create_exception!(
    _core,
    NeardupError,
    PyValueError,
    "An error in the options, the data or the files; the message names the file and line."
);

/// Runs `f` on a thread of its own while this one, without the GIL, waits
/// for it and checks for signals every tenth of a second: Ctrl-C asks the
/// run to stop (it removes what it had begun to write) and raises
/// `KeyboardInterrupt` once it has. An error becomes `NeardupError`, a
/// panic `RuntimeError`.
fn run<T: Send>(py: Python<'_>, f: impl FnOnce() -> Result<T, String> + Send) -> PyResult<T> {
    let (tx, rx) = std::sync::mpsc::channel();
    // Waited on without the GIL, from whichever thread holds the wait.
    let rx = std::sync::Mutex::new(rx);
    let recv = |timeout: Option<std::time::Duration>| {
        let rx = rx.lock().expect("one waiter");
        match timeout {
            Some(t) => rx.recv_timeout(t),
            None => rx
                .recv()
                .map_err(|_| std::sync::mpsc::RecvTimeoutError::Disconnected),
        }
    };
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let _ = tx.send(std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)));
        });
        let outcome = loop {
            let wait = py.detach(|| recv(Some(std::time::Duration::from_millis(100))));
            match wait {
                Ok(outcome) => break outcome,
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    if let Err(signal) = py.check_signals() {
                        neardup::interrupt::request();
                        let _ = py.detach(|| recv(None));
                        neardup::interrupt::clear();
                        return Err(signal);
                    }
                }
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                    unreachable!("the worker sends before it ends")
                }
            }
        };
        outcome
            .map_err(|panic| {
                let what = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                PyRuntimeError::new_err(format!("neardup: internal error: {what}"))
            })?
            .map_err(NeardupError::new_err)
    })
}

/// The options of a run: the CLI's options by the same names, with the
/// same defaults, checked by the same code (`neardup::Options::config`).
/// Give them as keyword arguments: `Options(threshold=0.9, profile="dedup")`.
#[pyclass(module = "neardup._core", frozen, from_py_object)]
#[derive(Clone)]
struct Options {
    options: neardup::Options,
    config: Config,
}

/// `value` as JSON text, by Python's `json` (paths as strings).
fn json_of(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<String> {
    let json = py.import("json")?;
    let kwargs = pyo3::types::PyDict::new(py);
    kwargs.set_item("default", py.import("os")?.getattr("fspath")?)?;
    json.call_method("dumps", (value,), Some(&kwargs))?
        .extract()
}

/// JSON text as a Python value, by Python's `json`.
fn from_json<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    py.import("json")?.call_method1("loads", (text,))
}

fn options_value(options: &neardup::Options) -> serde_json::Map<String, serde_json::Value> {
    match serde_json::to_value(options).expect("options serialise") {
        serde_json::Value::Object(map) => map,
        _ => unreachable!("options are an object"),
    }
}

#[pymethods]
impl Options {
    #[new]
    #[pyo3(signature = (**kwargs))]
    fn new(py: Python<'_>, kwargs: Option<&Bound<'_, pyo3::types::PyDict>>) -> PyResult<Self> {
        let text = match kwargs {
            Some(kwargs) => json_of(py, kwargs.as_any())?,
            None => "{}".into(),
        };
        let options: neardup::Options = serde_json::from_str(&text)
            .map_err(|e| NeardupError::new_err(format!("options: {e}")))?;
        let config = options
            .config()
            .map_err(|e| NeardupError::new_err(e.to_string()))?;
        Ok(Options { options, config })
    }

    /// Every option by name, as `Options(**options.to_dict())` takes them.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        from_json(
            py,
            &serde_json::to_string(&self.options).expect("options serialise"),
        )
    }

    fn __getattr__<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
        match options_value(&self.options).get(name) {
            Some(v) => from_json(py, &v.to_string()),
            None => Err(pyo3::exceptions::PyAttributeError::new_err(format!(
                "Options has no option {name:?}"
            ))),
        }
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let mut parts = Vec::new();
        for (name, value) in options_value(&self.options) {
            let value = from_json(py, &value.to_string())?.repr()?;
            parts.push(format!("{name}={value}"));
        }
        Ok(format!("Options({})", parts.join(", ")))
    }

    fn __eq__(&self, other: &Options) -> bool {
        self.options == other.options
    }

    /// The LSH bands and rows a run uses: those given, or the ones chosen
    /// from the threshold.
    #[getter]
    fn lsh(&self) -> (usize, usize) {
        let l = self.config.doc_lsh();
        (l.bands, l.rows)
    }

    /// The minimum of distinct texts for a shared line in the template
    /// census, or None when the run counts no lines.
    #[getter]
    fn census_min_docs(&self) -> Option<usize> {
        self.config.census_min_docs()
    }
}

/// The text column of a batch, UTF-8 or large UTF-8.
fn texts(batch: &RecordBatch, name: &str) -> Result<Vec<Option<String>>, String> {
    let column = batch
        .column_by_name(name)
        .ok_or_else(|| format!("no column {name:?}"))?;
    let strings: Vec<Option<&str>> = match column.data_type() {
        DataType::Utf8 => column
            .as_any()
            .downcast_ref::<StringArray>()
            .expect("a Utf8 column")
            .iter()
            .collect(),
        DataType::LargeUtf8 => column
            .as_any()
            .downcast_ref::<LargeStringArray>()
            .expect("a LargeUtf8 column")
            .iter()
            .collect(),
        other => return Err(format!("column {name:?} is {other}, not UTF-8 text")),
    };
    Ok(strings.into_iter().map(|s| s.map(str::to_owned)).collect())
}

fn ids(batch: &RecordBatch, name: &str) -> Result<Int64Array, String> {
    let column = batch
        .column_by_name(name)
        .ok_or_else(|| format!("no column {name:?}"))?;
    let ids = column
        .as_any()
        .downcast_ref::<Int64Array>()
        .ok_or_else(|| format!("column {name:?} is {}, not int64", column.data_type()))?;
    if ids.null_count() > 0 {
        return Err(format!(
            "column {name:?} has nulls; every document needs an id"
        ));
    }
    Ok(ids.clone())
}

/// The ids and texts of the documents of `batch`.
type Documents = (Int64Array, Vec<Option<String>>);

fn documents(batch: &RecordBatch, id_column: &str, text_column: &str) -> Result<Documents, String> {
    Ok((ids(batch, id_column)?, texts(batch, text_column)?))
}

/// The template census of every document of `batch`: `id`, `keys` (its
/// distinct segment keys) and `text` (the key of its whole text, so that
/// exact copies count once). A key found in `template_min_docs` distinct
/// texts or more is a shared line, set aside when documents are compared.
#[pyfunction]
#[pyo3(signature = (batch, options, text_column="text", id_column="id"))]
fn template_keys(
    py: Python<'_>,
    batch: PyArrowType<RecordBatch>,
    options: Options,
    text_column: &str,
    id_column: &str,
) -> PyResult<PyArrowType<RecordBatch>> {
    let batch = batch.0;
    let out = run(py, move || {
        let (ids, texts) = documents(&batch, id_column, text_column)?;
        let seed = options.config.doc_sketch.seed;
        let (mut id_out, mut text_out) = (Int64Builder::new(), Int64Builder::new());
        let mut keys = ListBuilder::new(Int64Builder::new());
        let mut buf = Vec::new();
        for (id, text) in ids.iter().zip(texts) {
            let k = DocKeys::of(&text.unwrap_or_default(), seed, &mut buf);
            id_out.append_value(id.expect("no nulls"));
            text_out.append_value(k.text_key() as i64);
            keys.values()
                .append_slice(&k.keys().iter().map(|&k| k as i64).collect::<Vec<_>>());
            keys.append(true);
        }
        let columns: Vec<ArrayRef> = vec![
            Arc::new(id_out.finish()),
            Arc::new(text_out.finish()),
            Arc::new(keys.finish()),
        ];
        record_batch(
            vec![
                Field::new("id", DataType::Int64, false),
                Field::new("text_key", DataType::Int64, false),
                Field::new("keys", int64_list(), false),
            ],
            columns,
        )
    })?;
    Ok(PyArrowType(out))
}

/// Sketches every document of `batch`: the same per-document stage as the
/// CLI (in-document rules, then MinHash of the content: what they keep, with
/// the `shared` lines of the census set aside). Gives one row per document:
/// `id`, `exact` (hash of the kept words; null without words), `judged`
/// (whether its content can be judged a near copy), `bits` (the b-bit
/// signature, one byte a permutation), `band_keys` (one LSH bucket key a
/// band, for judged documents), `shared_keys` (the distinct `shared` lines
/// it holds, which the corpus templates are counted from), `local` (what
/// `cut` needs of it: the core's per-document record), `passages` (with
/// `remove_shared`, its passage records: `key`, `segment`, `start`, `end`;
/// empty without) and `pairs` (its `template::sentence_pairs` against the
/// `shared` lines: `sentence`, `neighbour`; counted over the kept documents,
/// they go to `corpus_templates`).
#[pyfunction]
#[pyo3(signature = (batch, options, shared=Vec::new(), text_column="text", id_column="id"))]
fn sketch(
    py: Python<'_>,
    batch: PyArrowType<RecordBatch>,
    options: Options,
    shared: Vec<i64>,
    text_column: &str,
    id_column: &str,
) -> PyResult<PyArrowType<RecordBatch>> {
    let batch = batch.0;
    let out = run(py, move || {
        let (ids, texts) = documents(&batch, id_column, text_column)?;
        let config = &options.config;
        // The census's shared lines as candidate templates: a document's
        // sentence pairs against them hold its pairs against any subset
        // (the corpus templates are one), and `corpus_templates` reads only
        // those; so they are found here, with the text at hand.
        let candidates = template_list(shared.iter().map(|&k| (k, 0)).collect());
        let shared = SharedLines::from_keys(shared.into_iter().map(|k| k as u64).collect());
        let analyzer = Analyzer::new(config);
        let lsh = config.doc_lsh();
        let mut scratch = Scratch::default();
        let (mut id_out, mut exact, mut judged) = (
            Int64Builder::new(),
            Int64Builder::new(),
            BooleanBuilder::new(),
        );
        let (mut bits, mut local) = (BinaryBuilder::new(), BinaryBuilder::new());
        let mut passage_out =
            ListBuilder::new(StructBuilder::from_fields(int64_fields(PASSAGE), 0));
        let mut pair_out = ListBuilder::new(StructBuilder::from_fields(int64_fields(PAIR), 0));
        let (mut buf, mut found) = (Vec::new(), Vec::new());
        let mut keys = ListBuilder::new(Int64Builder::new());
        let mut shared_keys = ListBuilder::new(Int64Builder::new());
        let (mut low, mut band, mut record) = (Vec::new(), Vec::new(), Vec::new());
        for (id, text) in ids.iter().zip(texts) {
            let text = text.unwrap_or_default();
            if text.len() as u64 > config.max_document_bytes() {
                return Err(format!(
                    "document {} is longer than the largest document read",
                    id.unwrap_or_default()
                ));
            }
            let s = analyzer.analyze(0, &text, &mut scratch, &shared, None);
            id_out.append_value(id.expect("no nulls"));
            exact.append_option((s.kept_words > 0).then_some(s.exact as i64));
            let j = matching::judged(
                s.content_words,
                s.kept_words,
                config.doc_sketch.shingle_size,
            );
            judged.append_value(j);
            low.clear();
            matching::verify::low_bytes(&s.signature, &mut low);
            bits.append_value(&low);
            band.clear();
            if j {
                matching::lsh::band_keys(&s.signature, lsh, config.doc_sketch.seed, &mut band);
            }
            keys.values()
                .append_slice(&band.iter().map(|&k| k as i64).collect::<Vec<_>>());
            keys.append(true);
            let mut held: Vec<i64> = s
                .segments
                .iter()
                .filter(|g| shared.contains(g.template))
                .map(|g| g.template as i64)
                .collect();
            held.sort_unstable();
            held.dedup();
            if !held.is_empty() {
                let k = DocKeys::of(&text, config.doc_sketch.seed, &mut buf);
                template::sentence_pairs(k.segments(), k.prose(), &candidates, &mut found);
                for &(a, b) in &found {
                    append_struct(pair_out.values(), &[a as i64, b as i64]);
                }
            }
            pair_out.append(true);
            shared_keys.values().append_slice(&held);
            shared_keys.append(true);
            record.clear();
            LocalRecord::of(&s, 0, id.expect("no nulls") as u64).encode(&mut record);
            local.append_value(&record);
            if config.remove_shared {
                for p in passages::records(&s, 0) {
                    let values = [p.key as i64, p.segment.into(), p.start.into(), p.end.into()];
                    append_struct(passage_out.values(), &values);
                }
            }
            passage_out.append(true);
        }
        let columns: Vec<ArrayRef> = vec![
            Arc::new(id_out.finish()),
            Arc::new(exact.finish()),
            Arc::new(judged.finish()),
            Arc::new(bits.finish()),
            Arc::new(keys.finish()),
            Arc::new(shared_keys.finish()),
            Arc::new(local.finish()),
            Arc::new(passage_out.finish()),
            Arc::new(pair_out.finish()),
        ];
        RecordBatch::try_new(sketch_schema(), columns).map_err(|e| e.to_string())
    })?;
    Ok(PyArrowType(out))
}

/// Resolves whole candidate components, any number of them, each with all
/// of its rows of `sketch` (in any order; they share no bucket and no exact
/// hash, so each is resolved as if alone). Each document is kept or dropped
/// exactly as the CLI decides it, by the core's own `matching::resolve`: in
/// id order, against the most similar kept document it shares a bucket or
/// its exact text with. Gives one row per dropped document: `id`,
/// `duplicate_of`, `rule`, `similarity`.
#[pyfunction]
#[pyo3(signature = (batch, options))]
fn resolve(
    py: Python<'_>,
    batch: PyArrowType<RecordBatch>,
    options: Options,
) -> PyResult<PyArrowType<RecordBatch>> {
    let batch = batch.0;
    let out = run(py, move || {
        let ids = ids(&batch, "id")?;
        let exact = int64_column(&batch, "exact")?;
        let bits = binary_column(&batch, "bits")?;
        let bands = batch
            .column_by_name("band_keys")
            .and_then(|c| c.as_any().downcast_ref::<arrow_array::ListArray>().cloned())
            .ok_or("no list column \"band_keys\"")?;
        // Input order is id order.
        let mut order: Vec<usize> = (0..ids.len()).collect();
        order.sort_by_key(|&r| ids.value(r));
        let permutations = options.config.doc_sketch.permutations;
        let mut sigs = matching::verify::BitSignatures::new(permutations);
        let mut exacts = Vec::with_capacity(order.len());
        let dir = std::env::temp_dir();
        let records: usize = order.iter().map(|&r| bands.value(r).len()).sum();
        let mut sorter = neardup::spill::Sorter::new("component", &dir, records + 1);
        for (d, &r) in order.iter().enumerate() {
            let b = bits.value(r);
            if b.len() != permutations {
                return Err("signatures of another length than the options say".into());
            }
            sigs.push_bits(b);
            exacts.push((!exact.is_null(r)).then(|| exact.value(r) as u64));
            let keys = bands.value(r);
            let keys = keys
                .as_any()
                .downcast_ref::<Int64Array>()
                .ok_or("band keys are not int64")?;
            for k in keys.iter().flatten() {
                sorter
                    .push((k as u64, d as u32))
                    .map_err(|e| e.to_string())?;
            }
        }
        let matched = matching::resolve(
            &exacts,
            sorter,
            |a, b| sigs.similarity(a, b),
            options.config.threshold,
            matching::unsettled(exacts.len()),
            &dir,
            records + 1,
        )
        .map_err(|e| e.to_string())?;
        let (mut id_out, mut of_out, mut sim_out) = (
            Int64Builder::new(),
            Int64Builder::new(),
            Float64Builder::new(),
        );
        let mut rule_out = StringBuilder::new();
        for (d, v) in matched.verdicts.iter().enumerate() {
            let Some(by) = v.by else { continue };
            id_out.append_value(ids.value(order[d]));
            of_out.append_value(ids.value(order[v.of as usize]));
            rule_out.append_value(by.rule().name());
            sim_out.append_value(v.similarity as f64);
        }
        let columns: Vec<ArrayRef> = vec![
            Arc::new(id_out.finish()),
            Arc::new(of_out.finish()),
            Arc::new(rule_out.finish()),
            Arc::new(sim_out.finish()),
        ];
        record_batch(
            vec![
                Field::new("id", DataType::Int64, false),
                Field::new("duplicate_of", DataType::Int64, false),
                Field::new("rule", DataType::Utf8, false),
                Field::new("similarity", DataType::Float64, false),
            ],
            columns,
        )
    })?;
    Ok(PyArrowType(out))
}

/// Connected components of the edges of `batch` (int64 columns `a` and
/// `b`), by the core's union-find: one row per node of an edge, `node` and
/// `label`, the smallest node of its component.
#[pyfunction]
#[pyo3(signature = (batch,))]
fn components(
    py: Python<'_>,
    batch: PyArrowType<RecordBatch>,
) -> PyResult<PyArrowType<RecordBatch>> {
    let batch = batch.0;
    let out = run(py, move || {
        // Edges join documents: their ends are ids.
        let (a, b) = (ids(&batch, "a")?, ids(&batch, "b")?);
        // Nodes numbered in order, so that the smallest number is the
        // smallest node.
        let mut nodes: Vec<i64> = a
            .values()
            .iter()
            .chain(b.values().iter())
            .copied()
            .collect();
        nodes.sort_unstable();
        nodes.dedup();
        if nodes.len() > u32::MAX as usize {
            return Err("more than 4 billion nodes".into());
        }
        let number = |x: i64| nodes.binary_search(&x).expect("a node") as u32;
        let edges = a.values().iter().zip(b.values().iter());
        let labels = neardup::matching::cluster::components(
            nodes.len(),
            edges.map(|(&x, &y)| (number(x), number(y))),
        );
        let label: Int64Array = labels.iter().map(|&l| nodes[l as usize]).collect();
        let columns: Vec<ArrayRef> = vec![Arc::new(Int64Array::from(nodes)), Arc::new(label)];
        record_batch(
            vec![
                Field::new("node", DataType::Int64, false),
                Field::new("label", DataType::Int64, false),
            ],
            columns,
        )
    })?;
    Ok(PyArrowType(out))
}

fn sketch_schema() -> Arc<Schema> {
    Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new("exact", DataType::Int64, true),
        Field::new("judged", DataType::Boolean, false),
        Field::new("bits", DataType::Binary, false),
        Field::new("band_keys", int64_list(), false),
        Field::new("shared_keys", int64_list(), false),
        Field::new("local", DataType::Binary, false),
        Field::new("passages", struct_list(PASSAGE), false),
        Field::new("pairs", struct_list(PAIR), false),
    ]))
}

/// The fields of a passage record: a long paragraph the in-document rules
/// keep (`remove_shared` only).
const PASSAGE: &[&str] = &["key", "segment", "start", "end"];

/// The fields of a sentence pair (`template::sentence_pairs`): a shared
/// prose line and a shared line beside it, 0, or `u64::MAX` (as `i64`)
/// where it opens or closes the document.
const PAIR: &[&str] = &["sentence", "neighbour"];

/// The fields of a shared passage: a document's segment and the earlier
/// kept one it copies.
const SHARED: &[&str] = &[
    "segment",
    "twin_doc",
    "twin_segment",
    "twin_start",
    "twin_end",
];

fn int64_fields(names: &[&str]) -> Fields {
    names
        .iter()
        .map(|n| Field::new(*n, DataType::Int64, false))
        .collect()
}

fn struct_list(names: &[&str]) -> DataType {
    DataType::List(Arc::new(Field::new(
        "item",
        DataType::Struct(int64_fields(names)),
        true,
    )))
}

fn append_struct(b: &mut StructBuilder, values: &[i64]) {
    for (i, &v) in values.iter().enumerate() {
        b.field_builder::<Int64Builder>(i)
            .expect("int64 fields")
            .append_value(v);
    }
    b.append(true);
}

fn int64_column(batch: &RecordBatch, name: &str) -> Result<Int64Array, String> {
    batch
        .column_by_name(name)
        .and_then(|c| c.as_any().downcast_ref::<Int64Array>().cloned())
        .ok_or_else(|| format!("no int64 column {name:?}"))
}

/// Shared passages (with `remove_shared`): from passage records of kept
/// documents (`doc`, `key`, `segment`, `start`, `end`), whole keys at a
/// time, the core's `passages::matches_of` for each key. Gives one row per
/// copy: `doc`, then the fields of `SHARED`.
#[pyfunction]
#[pyo3(signature = (batch, options))]
fn shared_passages(
    py: Python<'_>,
    batch: PyArrowType<RecordBatch>,
    options: Options,
) -> PyResult<PyArrowType<RecordBatch>> {
    let batch = batch.0;
    let out = run(py, move || {
        let column = |name: &str| int64_column(&batch, name);
        let (doc, key) = (column("doc")?, column("key")?);
        let (segment, start, end) = (column("segment")?, column("start")?, column("end")?);
        let small = |v: i64| u32::try_from(v).map_err(|_| format!("{v} is not a u32"));
        let mut records = Vec::with_capacity(batch.num_rows());
        for i in 0..batch.num_rows() {
            records.push(PassageRecord {
                key: key.value(i) as u64,
                doc: small(doc.value(i))?,
                segment: small(segment.value(i))?,
                start: small(start.value(i))?,
                end: small(end.value(i))?,
            });
        }
        records.sort_unstable();
        let min_docs = options.config.template_min_docs;
        let mut matches = Vec::new();
        for group in records.chunk_by(|a, b| a.key == b.key) {
            passages::matches_of(&mut group.to_vec(), min_docs, &mut matches);
        }
        let mut columns: Vec<Int64Builder> =
            (0..=SHARED.len()).map(|_| Int64Builder::new()).collect();
        for m in &matches {
            let t = m.twin;
            let values = [m.doc, m.segment, t.doc, t.segment, t.start, t.end];
            for (b, v) in columns.iter_mut().zip(values) {
                b.append_value(v.into());
            }
        }
        let names = std::iter::once("doc").chain(SHARED.iter().copied());
        let arrays: Vec<ArrayRef> = columns
            .iter_mut()
            .map(|b| Arc::new(b.finish()) as ArrayRef)
            .collect();
        record_batch(int64_fields(&names.collect::<Vec<_>>()), arrays)
    })?;
    Ok(PyArrowType(out))
}

/// Each row's shared passages from an optional `shared` column (a list of
/// `SHARED` structs), sorted by segment; none without the column.
fn shared_of(batch: &RecordBatch) -> Result<Vec<Vec<passages::Match>>, String> {
    let mut out = vec![Vec::new(); batch.num_rows()];
    let Some(column) = batch.column_by_name("shared") else {
        return Ok(out);
    };
    let lists = column
        .as_any()
        .downcast_ref::<arrow_array::ListArray>()
        .ok_or("column \"shared\" is not a list")?;
    for (i, mine) in out.iter_mut().enumerate() {
        if lists.is_null(i) {
            continue;
        }
        let items = lists.value(i);
        let items = items
            .as_any()
            .downcast_ref::<arrow_array::StructArray>()
            .ok_or("column \"shared\" is not a list of structs")?;
        let field = |n: &str| -> Result<Int64Array, String> {
            items
                .column_by_name(n)
                .and_then(|c| c.as_any().downcast_ref::<Int64Array>().cloned())
                .ok_or_else(|| format!("no int64 field {n:?} in \"shared\""))
        };
        let f: Vec<Int64Array> = SHARED.iter().map(|n| field(n)).collect::<Result<_, _>>()?;
        for j in 0..items.len() {
            let v = |k: usize| f[k].value(j) as u32;
            mine.push(passages::Match {
                doc: 0,
                segment: v(0),
                twin: Twin {
                    doc: v(1),
                    segment: v(2),
                    similarity: 1.0,
                    start: v(3),
                    end: v(4),
                },
            });
        }
        mine.sort_by_key(|m| m.segment);
    }
    Ok(out)
}

/// A batch of `columns` under `fields`.
fn record_batch(fields: impl Into<Fields>, columns: Vec<ArrayRef>) -> Result<RecordBatch, String> {
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).map_err(|e| e.to_string())
}

fn int64_list() -> DataType {
    DataType::List(Arc::new(Field::new("item", DataType::Int64, true)))
}

fn binary_column(batch: &RecordBatch, name: &str) -> Result<BinaryArray, String> {
    batch
        .column_by_name(name)
        .and_then(|c| c.as_any().downcast_ref::<BinaryArray>().cloned())
        .ok_or_else(|| format!("no binary column {name:?}"))
}

/// Corpus templates as the core takes them: (key, kept documents), sorted
/// by key.
fn template_list(templates: Vec<(i64, u32)>) -> Vec<(u64, u32)> {
    let mut t: Vec<(u64, u32)> = templates.into_iter().map(|(k, n)| (k as u64, n)).collect();
    t.sort_unstable();
    t
}

/// The corpus templates, (key, kept documents) sorted by key: the
/// `candidates` less the sentences that stand in no block of template lines
/// (`template::in_block`), from `pairs`, (sentence, neighbour, kept
/// documents) counted over the `pairs` of the kept documents' sketches
/// (pairs of shared lines that are no candidates count for nothing).
#[pyfunction]
fn corpus_templates(
    candidates: Vec<(i64, u32)>,
    mut pairs: Vec<(i64, i64, usize)>,
) -> Vec<(i64, u32)> {
    let candidates = template_list(candidates);
    pairs.sort_unstable_by_key(|p| (p.0 as u64, p.1 as u64));
    let loose: Vec<u64> = pairs
        .chunk_by(|a, b| a.0 == b.0)
        .map(|run| (run[0].0 as u64, run))
        .filter(|(sentence, run)| {
            !template::in_block(
                &candidates,
                *sentence,
                run.iter().map(|p| (p.1 as u64, p.2)),
            )
        })
        .map(|(sentence, _)| sentence)
        .collect();
    candidates
        .into_iter()
        .filter(|t| loose.binary_search(&t.0).is_err())
        .map(|(k, n)| (k as i64, n))
        .collect()
}

/// Cuts every kept document of `batch` (`id`, `text`, `local` as `sketch`
/// gave it and, with `remove_shared`, `shared` from `shared_passages`) as
/// the CLI cuts it: the core's `plan::decide` with the corpus `templates`
/// ((key, kept documents), from `corpus_templates`), then its cuts. Gives `id` and `text`, the cleaned text (null when
/// nothing is cut).
#[pyfunction]
#[pyo3(signature = (batch, options, templates, text_column="text", id_column="id"))]
fn cut(
    py: Python<'_>,
    batch: PyArrowType<RecordBatch>,
    options: Options,
    templates: Vec<(i64, u32)>,
    text_column: &str,
    id_column: &str,
) -> PyResult<PyArrowType<RecordBatch>> {
    let batch = batch.0;
    let out = run(py, move || {
        let (ids, texts) = documents(&batch, id_column, text_column)?;
        let locals = binary_column(&batch, "local")?;
        let shared = shared_of(&batch)?;
        let templates = template_list(templates);
        let (mut id_out, mut text_out) = (Int64Builder::new(), StringBuilder::new());
        for (((id, text), local), mine) in ids.iter().zip(texts).zip(locals.iter()).zip(&shared) {
            let local = local
                .and_then(LocalRecord::decode)
                .ok_or("a local column that the sketch kernel did not write")?;
            let text = text.unwrap_or_default();
            if !local.is_of(&text) {
                return Err(format!(
                    "document {}: its text is not the one sketched",
                    id.unwrap_or_default()
                ));
            }
            let plan = plan::decide(&local, Fate::Kept, &templates, mine, &options.config);
            let segments: Vec<Segment> = local.segments.iter().map(|s| s.span).collect();
            let cuts = plan::cuts(&segments, &plan.removals);
            id_out.append_value(id.expect("no nulls"));
            text_out.append_option((!cuts.is_empty()).then(|| plan::cut_text(&text, &cuts)));
        }
        let columns: Vec<ArrayRef> = vec![Arc::new(id_out.finish()), Arc::new(text_out.finish())];
        record_batch(
            vec![
                Field::new("id", DataType::Int64, false),
                Field::new("text", DataType::Utf8, true),
            ],
            columns,
        )
    })?;
    Ok(PyArrowType(out))
}

/// The estimated Jaccard similarity of each row's two b-bit signatures
/// (binary columns `a` and `b`, as `sketch` gives them), as a batch with one
/// column, `similarity`: the estimate the CLI verifies candidates with.
#[pyfunction]
#[pyo3(signature = (batch, a="bits_a", b="bits_b"))]
fn similarity(
    py: Python<'_>,
    batch: PyArrowType<RecordBatch>,
    a: &str,
    b: &str,
) -> PyResult<PyArrowType<RecordBatch>> {
    let batch = batch.0;
    let out = run(py, move || {
        let (a, b) = (binary_column(&batch, a)?, binary_column(&batch, b)?);
        let mut out = Float64Builder::with_capacity(a.len());
        for (x, y) in a.iter().zip(b.iter()) {
            match (x, y) {
                (Some(x), Some(y)) if x.len() == y.len() => {
                    out.append_value(matching::verify::bbit_similarity(x, y))
                }
                _ => return Err("signatures of different lengths, or missing".into()),
            }
        }
        record_batch(
            vec![Field::new("similarity", DataType::Float64, false)],
            vec![Arc::new(out.finish())],
        )
    })?;
    Ok(PyArrowType(out))
}

/// Cleans `inputs` into the folder `out`, as `neardup clean` does; gives
/// the summary as JSON text.
#[pyfunction]
#[pyo3(signature = (inputs, out, options, force=false, annotate=false, dropped=None, report_compress=false))]
#[allow(clippy::too_many_arguments)]
fn clean(
    py: Python<'_>,
    inputs: Vec<PathBuf>,
    out: PathBuf,
    options: Options,
    force: bool,
    annotate: bool,
    dropped: Option<PathBuf>,
    report_compress: bool,
) -> PyResult<String> {
    run(py, move || {
        let clean = neardup::output::CleanOptions {
            force,
            mode: if annotate {
                neardup::output::Mode::Annotate
            } else {
                neardup::output::Mode::Cut
            },
            dropped,
            report_compress,
        };
        let done = neardup::clean(&inputs, &out, &options.options, &clean, &Silent)
            .map_err(|e| e.to_string())?;
        Ok(summary_json(&done.summary))
    })
}

/// Scans `inputs` as `neardup scan` does: the report to the file `report`
/// (compressed when it ends in .zst; report.html and report.pages beside
/// it) when given, the dropped documents and the
/// totals to `dropped` and `summary` when given; gives the summary as JSON
/// text.
#[pyfunction]
#[pyo3(signature = (inputs, options, report=None, dropped=None, summary=None))]
fn scan(
    py: Python<'_>,
    inputs: Vec<PathBuf>,
    options: Options,
    report: Option<PathBuf>,
    dropped: Option<PathBuf>,
    summary: Option<PathBuf>,
) -> PyResult<String> {
    run(py, move || {
        let extra = neardup::output::pipeline_files::PipelineFiles { dropped, summary };
        let done = neardup::scan(
            &inputs,
            report.as_deref(),
            std::io::sink(),
            &extra,
            &options.options,
            &Silent,
        )
        .map_err(|e| e.to_string())?;
        Ok(summary_json(&done.summary))
    })
}

fn summary_json(summary: &neardup::output::report::Summary) -> String {
    serde_json::to_string(summary).expect("a summary serialises")
}

/// Cleans a table held in memory (its schema and record batches) as
/// `neardup clean` cleans the same rows in a Parquet file; gives the kept
/// rows (every column, the text cleaned), the dropped rows (every column,
/// then `duplicate_of`, `duplicate_of_row`, `rule`, `similarity`) and the
/// summary as JSON text.
#[pyfunction]
#[pyo3(signature = (schema, batches, options))]
fn clean_table(
    py: Python<'_>,
    schema: PyArrowType<Schema>,
    batches: Vec<PyArrowType<RecordBatch>>,
    options: Options,
) -> PyResult<(PyArrowType<RecordBatch>, PyArrowType<RecordBatch>, String)> {
    let schema = Arc::new(schema.0);
    let batches: Vec<RecordBatch> = batches.into_iter().map(|b| b.0).collect();
    let done = run(py, move || {
        neardup::table::clean_table(schema, &batches, &options.options, &Silent)
            .map_err(|e| e.to_string())
    })?;
    Ok((
        PyArrowType(done.kept),
        PyArrowType(done.dropped),
        summary_json(&done.summary),
    ))
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Options>()?;
    m.add_function(wrap_pyfunction!(template_keys, m)?)?;
    m.add_function(wrap_pyfunction!(sketch, m)?)?;
    m.add_function(wrap_pyfunction!(resolve, m)?)?;
    m.add_function(wrap_pyfunction!(similarity, m)?)?;
    m.add_function(wrap_pyfunction!(components, m)?)?;
    m.add_function(wrap_pyfunction!(corpus_templates, m)?)?;
    m.add_function(wrap_pyfunction!(shared_passages, m)?)?;
    m.add_function(wrap_pyfunction!(cut, m)?)?;
    m.add_function(wrap_pyfunction!(clean, m)?)?;
    m.add_function(wrap_pyfunction!(scan, m)?)?;
    m.add_function(wrap_pyfunction!(clean_table, m)?)?;
    m.add("NeardupError", m.py().get_type::<NeardupError>())?;
    // The kernels' struct fields, for the Spark job's schemas.
    m.add("PASSAGE_FIELDS", PASSAGE.to_vec())?;
    m.add("PAIR_FIELDS", PAIR.to_vec())?;
    m.add("SHARED_FIELDS", SHARED.to_vec())?;
    Ok(())
}
