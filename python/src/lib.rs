//! `neardup._core`: the Rust core for Python. Kernels take and give Arrow
//! record batches (ids as signed 64-bit integers, text as UTF-8 or large
//! UTF-8, as Spark's `mapInArrow` hands them over), release the GIL while
//! they work, and turn every error and every panic into a Python exception.

use arrow::array::{
    Array, ArrayRef, BinaryArray, BinaryBuilder, BooleanBuilder, Float64Builder, Int64Array,
    Int64Builder, LargeStringArray, ListBuilder, StringArray,
};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::pyarrow::PyArrowType;
use arrow::record_batch::RecordBatch;
use neardup::analyze::{Analyzer, Scratch};
use neardup::boilerplate::template::{DocKeys, SharedLines};
use neardup::config::{Config, LshParams, Profile};
use neardup::matching::{self, Match};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use std::path::PathBuf;
use std::sync::Arc;

/// Runs `f` without the GIL; an error or a panic becomes a Python exception.
fn run<T: Send>(py: Python<'_>, f: impl FnOnce() -> Result<T, String> + Send) -> PyResult<T> {
    py.detach(|| std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)))
        .map_err(|panic| {
            let what = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            PyRuntimeError::new_err(format!("neardup: internal error: {what}"))
        })?
        .map_err(PyValueError::new_err)
}

/// The options of a run, as the CLI takes them, with the CLI's defaults.
#[pyclass(module = "neardup._core", frozen, from_py_object)]
#[derive(Clone)]
struct Options {
    config: Config,
}

#[pymethods]
impl Options {
    #[new]
    #[pyo3(signature = (*, threshold=0.8, permutations=128, shingle_size=5, seed=42, bands=None, rows=None, documents_only=false, profile=None, template_min_docs=10, text_field="text".to_string(), id_field="id".to_string()))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        threshold: f64,
        permutations: usize,
        shingle_size: usize,
        seed: u64,
        bands: Option<usize>,
        rows: Option<usize>,
        documents_only: bool,
        profile: Option<&str>,
        template_min_docs: usize,
        text_field: String,
        id_field: String,
    ) -> PyResult<Self> {
        let profile = match (documents_only, profile) {
            (true, None | Some("documents")) => Profile::Documents,
            (true, Some(_)) => {
                return Err(PyValueError::new_err(
                    "documents_only is the documents profile: give one of them",
                ))
            }
            (false, name) => name
                .unwrap_or("full")
                .parse()
                .map_err(|e: neardup::Error| PyValueError::new_err(e.to_string()))?,
        };
        let mut config = Config {
            threshold,
            template_min_docs,
            text_field,
            id_field,
            ..Config::default()
        };
        profile.apply(&mut config);
        config.doc_sketch.permutations = permutations;
        config.doc_sketch.shingle_size = shingle_size;
        config.doc_sketch.seed = seed;
        config.segment_sketch.seed = seed;
        match (bands, rows) {
            (Some(bands), Some(rows)) => config.doc_lsh = Some(LshParams { bands, rows }),
            (None, None) => {}
            _ => {
                return Err(PyValueError::new_err(
                    "give both bands and rows, or neither",
                ))
            }
        }
        let config = config
            .validate()
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        Ok(Options { config })
    }

    #[getter]
    fn bands(&self) -> usize {
        self.config.doc_lsh().bands
    }

    #[getter]
    fn rows(&self) -> usize {
        self.config.doc_lsh().rows
    }

    #[getter]
    fn threshold(&self) -> f64 {
        self.config.threshold
    }

    #[getter]
    fn permutations(&self) -> usize {
        self.config.doc_sketch.permutations
    }

    #[getter]
    fn paragraphs(&self) -> bool {
        self.config.paragraphs
    }

    #[getter]
    fn template_min_docs(&self) -> usize {
        self.config.template_min_docs
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
        let ids = ids(&batch, id_column)?;
        let texts = texts(&batch, text_column)?;
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
        let schema = Schema::new(vec![
            Field::new("id", DataType::Int64, false),
            Field::new("text_key", DataType::Int64, false),
            Field::new(
                "keys",
                DataType::List(Arc::new(Field::new("item", DataType::Int64, true))),
                false,
            ),
        ]);
        let columns: Vec<ArrayRef> = vec![
            Arc::new(id_out.finish()),
            Arc::new(text_out.finish()),
            Arc::new(keys.finish()),
        ];
        RecordBatch::try_new(Arc::new(schema), columns).map_err(|e| e.to_string())
    })?;
    Ok(PyArrowType(out))
}

/// Sketches every document of `batch`: the same per-document stage as the
/// CLI (in-document rules, then MinHash of the content: what they keep, with
/// the `shared` lines of the census set aside). Gives one row per document:
/// `id`, `exact` (hash of the kept words; null without words), `judged`
/// (whether its content can be judged a near copy), `bits` (the b-bit
/// signature, one byte a permutation) and `band_keys` (one LSH bucket key a
/// band, for judged documents).
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
        let ids = ids(&batch, id_column)?;
        let texts = texts(&batch, text_column)?;
        let config = &options.config;
        let shared = SharedLines::from_keys(shared.into_iter().map(|k| k as u64).collect());
        let analyzer = Analyzer::new(config);
        let lsh = config.doc_lsh();
        let mut scratch = Scratch::default();
        let (mut id_out, mut exact, mut judged) = (
            Int64Builder::new(),
            Int64Builder::new(),
            BooleanBuilder::new(),
        );
        let mut bits = BinaryBuilder::new();
        let mut keys = ListBuilder::new(Int64Builder::new());
        let (mut low, mut band) = (Vec::new(), Vec::new());
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
        }
        let columns: Vec<ArrayRef> = vec![
            Arc::new(id_out.finish()),
            Arc::new(exact.finish()),
            Arc::new(judged.finish()),
            Arc::new(bits.finish()),
            Arc::new(keys.finish()),
        ];
        RecordBatch::try_new(sketch_schema(), columns).map_err(|e| e.to_string())
    })?;
    Ok(PyArrowType(out))
}

/// Resolves one candidate component: its rows of `sketch` (any order). Each
/// document is kept or dropped exactly as the CLI decides it, by the core's
/// own `matching::resolve`: in id order, against the most similar kept
/// document it shares a bucket or its exact text with. Gives one row per
/// dropped document: `id`, `duplicate_of`, `rule`, `similarity`.
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
        let column = |name: &str| {
            batch
                .column_by_name(name)
                .ok_or_else(|| format!("no column {name:?}"))
        };
        let exact = column("exact")?
            .as_any()
            .downcast_ref::<Int64Array>()
            .ok_or("column \"exact\" is not int64")?
            .clone();
        let bits = column("bits")?
            .as_any()
            .downcast_ref::<BinaryArray>()
            .ok_or("column \"bits\" is not binary")?
            .clone();
        let bands = column("band_keys")?
            .as_any()
            .downcast_ref::<arrow::array::ListArray>()
            .ok_or("column \"band_keys\" is not a list")?
            .clone();
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
            &dir,
            records + 1,
        )
        .map_err(|e| e.to_string())?;
        let (mut id_out, mut of_out, mut sim_out) = (
            Int64Builder::new(),
            Int64Builder::new(),
            Float64Builder::new(),
        );
        let mut rule_out = arrow::array::StringBuilder::new();
        for (d, v) in matched.verdicts.iter().enumerate() {
            let Some(by) = v.by else { continue };
            id_out.append_value(ids.value(order[d]));
            of_out.append_value(ids.value(order[v.of as usize]));
            rule_out.append_value(match by {
                Match::Exact => "exact_document",
                Match::Near => "near_duplicate_document",
                Match::Contained => "contained_duplicate",
            });
            sim_out.append_value(v.similarity as f64);
        }
        let schema = Schema::new(vec![
            Field::new("id", DataType::Int64, false),
            Field::new("duplicate_of", DataType::Int64, false),
            Field::new("rule", DataType::Utf8, false),
            Field::new("similarity", DataType::Float64, false),
        ]);
        let columns: Vec<ArrayRef> = vec![
            Arc::new(id_out.finish()),
            Arc::new(of_out.finish()),
            Arc::new(rule_out.finish()),
            Arc::new(sim_out.finish()),
        ];
        RecordBatch::try_new(Arc::new(schema), columns).map_err(|e| e.to_string())
    })?;
    Ok(PyArrowType(out))
}

fn sketch_schema() -> Arc<Schema> {
    Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new("exact", DataType::Int64, true),
        Field::new("judged", DataType::Boolean, false),
        Field::new("bits", DataType::Binary, false),
        Field::new(
            "band_keys",
            DataType::List(Arc::new(Field::new("item", DataType::Int64, true))),
            false,
        ),
    ]))
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
        let column = |name: &str| -> Result<BinaryArray, String> {
            batch
                .column_by_name(name)
                .and_then(|c| c.as_any().downcast_ref::<BinaryArray>().cloned())
                .ok_or_else(|| format!("no binary column {name:?}"))
        };
        let (a, b) = (column(a)?, column(b)?);
        let mut out = Float64Builder::with_capacity(a.len());
        for (x, y) in a.iter().zip(b.iter()) {
            match (x, y) {
                (Some(x), Some(y)) if x.len() == y.len() => {
                    out.append_value(matching::verify::bbit_similarity(x, y))
                }
                _ => return Err("signatures of different lengths, or missing".into()),
            }
        }
        let schema = Schema::new(vec![Field::new("similarity", DataType::Float64, false)]);
        RecordBatch::try_new(Arc::new(schema), vec![Arc::new(out.finish())])
            .map_err(|e| e.to_string())
    })?;
    Ok(PyArrowType(out))
}

/// Cleans `inputs` into `out`, as `neardup clean` does; returns the summary
/// as a dict-like JSON string.
#[pyfunction]
#[pyo3(signature = (inputs, out, options, force=false, annotate=false))]
fn clean(
    py: Python<'_>,
    inputs: Vec<PathBuf>,
    out: PathBuf,
    options: Options,
    force: bool,
    annotate: bool,
) -> PyResult<String> {
    run(py, move || {
        let analysis =
            neardup::pipeline::analyze(&inputs, options.config, &neardup::pipeline::Silent)
                .map_err(|e| e.to_string())?;
        let clean = neardup::output::CleanOptions {
            force,
            mode: if annotate {
                neardup::output::Mode::Annotate
            } else {
                neardup::output::Mode::Cut
            },
            dropped: None,
        };
        let summary =
            neardup::output::write_clean(&analysis, &out, &clean, &neardup::pipeline::Silent)
                .map_err(|e| e.to_string())?;
        serde_json::to_string(&summary).map_err(|e| e.to_string())
    })
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Options>()?;
    m.add_function(wrap_pyfunction!(template_keys, m)?)?;
    m.add_function(wrap_pyfunction!(sketch, m)?)?;
    m.add_function(wrap_pyfunction!(resolve, m)?)?;
    m.add_function(wrap_pyfunction!(similarity, m)?)?;
    m.add_function(wrap_pyfunction!(clean, m)?)?;
    Ok(())
}
