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
use neardup::config::{Config, LshParams};
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
    #[pyo3(signature = (*, threshold=0.8, permutations=128, shingle_size=5, seed=42, bands=None, rows=None, documents_only=false, text_field="text".to_string(), id_field="id".to_string()))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        threshold: f64,
        permutations: usize,
        shingle_size: usize,
        seed: u64,
        bands: Option<usize>,
        rows: Option<usize>,
        documents_only: bool,
        text_field: String,
        id_field: String,
    ) -> PyResult<Self> {
        let mut config = Config {
            threshold,
            paragraphs: !documents_only,
            text_field,
            id_field,
            ..Config::default()
        };
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

/// Sketches every document of `batch`: the same per-document stage as the
/// CLI (in-document rules, then MinHash of what they keep). Gives one row
/// per document: `id`, `exact` (hash of the matched words), `matchable`
/// (whether any words are left to match on), `bits` (the b-bit signature,
/// one byte a permutation) and `band_keys` (one LSH bucket key a band).
#[pyfunction]
#[pyo3(signature = (batch, options, text_column="text", id_column="id"))]
fn sketch(
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
        let config = &options.config;
        let analyzer = Analyzer::new(config);
        let lsh = config.doc_lsh();
        let mut scratch = Scratch::default();
        let (mut id_out, mut exact, mut matchable) = (
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
            let s = analyzer.analyze(0, &text, &mut scratch);
            id_out.append_value(id.expect("no nulls"));
            exact.append_value(s.exact as i64);
            matchable.append_value(s.matched_words > 0);
            low.clear();
            neardup::verify::low_bytes(&s.signature, &mut low);
            bits.append_value(&low);
            band.clear();
            if s.matched_words > 0 {
                neardup::lsh::band_keys(&s.signature, lsh, config.doc_sketch.seed, &mut band);
            }
            keys.values()
                .append_slice(&band.iter().map(|&k| k as i64).collect::<Vec<_>>());
            keys.append(true);
        }
        let columns: Vec<ArrayRef> = vec![
            Arc::new(id_out.finish()),
            Arc::new(exact.finish()),
            Arc::new(matchable.finish()),
            Arc::new(bits.finish()),
            Arc::new(keys.finish()),
        ];
        RecordBatch::try_new(sketch_schema(), columns).map_err(|e| e.to_string())
    })?;
    Ok(PyArrowType(out))
}

fn sketch_schema() -> Arc<Schema> {
    Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new("exact", DataType::Int64, false),
        Field::new("matchable", DataType::Boolean, false),
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
                    out.append_value(neardup::verify::bbit_similarity(x, y))
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
    m.add_function(wrap_pyfunction!(sketch, m)?)?;
    m.add_function(wrap_pyfunction!(similarity, m)?)?;
    m.add_function(wrap_pyfunction!(clean, m)?)?;
    Ok(())
}
