//! Parquet shards, as `datasets` and Spark write them: read with their
//! other columns, nested structs and string or integer ids, deduplicated
//! with JSON Lines shards in one run, written back with every column, the
//! same schema and codec, and restored row for row.

use crate::helpers::*;
use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, Int64Array, RecordBatch, StringArray, StructArray};
use arrow_schema::{DataType, Field, Fields, Schema};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use serde_json::{json, Value};
use std::fs;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

/// A row: id, text (None for null), and its `meta.url`.
type Row<'a> = (&'a str, Option<String>, &'a str);

fn batch(rows: &[Row]) -> RecordBatch {
    let ids: ArrayRef = Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.0)));
    let texts: ArrayRef = Arc::new(StringArray::from(
        rows.iter().map(|r| r.1.clone()).collect::<Vec<_>>(),
    ));
    let n: ArrayRef = Arc::new(Int64Array::from_iter_values(0..rows.len() as i64));
    let url_field = Arc::new(Field::new("url", DataType::Utf8, false));
    let urls: ArrayRef = Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.2)));
    let meta: ArrayRef = Arc::new(StructArray::new(
        Fields::from(vec![url_field]),
        vec![urls],
        None,
    ));
    let schema = Schema::new(vec![
        Field::new("id", DataType::Utf8, false),
        Field::new("text", DataType::Utf8, true),
        Field::new("n", DataType::Int64, false),
        Field::new("meta", meta.data_type().clone(), false),
    ])
    .with_metadata(std::collections::HashMap::from([(
        "source".to_string(),
        "a test".to_string(),
    )]));
    RecordBatch::try_new(Arc::new(schema), vec![ids, texts, n, meta]).unwrap()
}

fn write(path: &Path, batch: &RecordBatch, compression: Compression) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    let props = WriterProperties::builder()
        .set_compression(compression)
        .set_max_row_group_row_count(Some(2))
        .build();
    let mut w =
        ArrowWriter::try_new(fs::File::create(path).unwrap(), batch.schema(), Some(props)).unwrap();
    w.write(batch).unwrap();
    w.close().unwrap();
}

/// The rows of a Parquet file, its schema and its first column's codec.
fn read(path: &Path) -> (RecordBatch, Compression) {
    let builder = ParquetRecordBatchReaderBuilder::try_new(fs::File::open(path).unwrap()).unwrap();
    let schema = builder.schema().clone();
    let codec = builder
        .metadata()
        .row_groups()
        .first()
        .map_or(Compression::UNCOMPRESSED, |g| g.column(0).compression());
    let batches: Vec<RecordBatch> = builder.build().unwrap().map(|b| b.unwrap()).collect();
    (
        arrow_select::concat::concat_batches(&schema, &batches).unwrap(),
        codec,
    )
}

fn ids(batch: &RecordBatch) -> Vec<String> {
    let column = batch.column_by_name("id").unwrap().as_string::<i32>();
    (0..column.len())
        .map(|i| column.value(i).to_string())
        .collect()
}

fn gzip_lines(records: &[Value]) -> Vec<u8> {
    let text: String = records.iter().map(|r| format!("{r}\n")).collect();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(text.as_bytes()).unwrap();
    gz.finish().unwrap()
}

#[test]
fn parquet_and_jsonl_shards_are_deduplicated_together_and_restored() {
    let (dir, input) = input_dir();
    let record =
        |id: &str, seed: u64| json!({"id": id, "text": article(seed, 4), "meta": {"url": id}});
    let text = |seed: u64| Some(article(seed, 4));
    fs::create_dir_all(input.join("a")).unwrap();
    fs::create_dir_all(input.join("b")).unwrap();
    fs::write(
        input.join("a/part-0.jsonl.gz"),
        gzip_lines(&[record("a-1", 1), record("a-2", 2)]),
    )
    .unwrap();
    // A copy of a-1 in the other crawl.
    fs::write(
        input.join("b/part-0.jsonl.gz"),
        gzip_lines(&[record("b-1", 1), record("b-3", 3)]),
    )
    .unwrap();
    // Copies of a-2 and b-3 in the Parquet shards, and one of a row of the
    // first shard in the second; a paragraph repeated inside p0-5.
    let repeated = format!("{}\n\n{}", article(9, 2), article(9, 2));
    let first = batch(&[
        ("p0-4", text(4), "u4"),
        ("p0-2", text(2), "u2"),
        ("p0-5", Some(repeated.clone()), "u5"),
    ]);
    let second = batch(&[
        ("p1-3", text(3), "u3"),
        ("p1-6", text(6), "u6"),
        ("p1-4", text(4), "u4b"),
    ]);
    let p0 = input.join("data/train-00000-of-00002.parquet");
    let p1 = input.join("data/train-00001-of-00002.parquet");
    write(&p0, &first, Compression::SNAPPY);
    write(&p1, &second, Compression::ZSTD(Default::default()));
    fs::write(input.join("notes.md"), "# notes\n").unwrap();

    let out = dir.path().join("out");
    let dropped_file = dir.path().join("dropped.jsonl");
    let run = ok(&[
        "clean",
        s(&input),
        "--out",
        s(&out),
        "--dropped",
        s(&dropped_file),
    ]);
    let said = String::from_utf8_lossy(&run.stdout);
    assert!(said.contains("1 file (.md 1)"), "{said}");
    let r = report(&out.join("report.json"));
    assert_eq!(r["summary"]["documents"], 10);
    assert_eq!(r["inputs"][0]["passed_over"], json!({".md": 1}));
    let dropped: Vec<(String, String)> = fs::read_to_string(&dropped_file)
        .unwrap()
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            (
                v["id"].as_str().unwrap().to_string(),
                v["duplicate_of"]["id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let pairs: Vec<(&str, &str)> = dropped
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    assert_eq!(
        pairs,
        [
            ("b-1", "a-1"),
            ("p0-2", "a-2"),
            ("p1-3", "b-3"),
            ("p1-4", "p0-4")
        ]
    );
    let parquet_line = fs::read_to_string(&dropped_file).unwrap();
    let v: Value = serde_json::from_str(parquet_line.lines().nth(1).unwrap()).unwrap();
    assert_eq!(v["source"]["row"], 2, "{v}");

    // The same, as Parquet: the JSON lines' fields as columns.
    let dropped_table = dir.path().join("dropped.parquet");
    ok(&["scan", s(&input), "--dropped", s(&dropped_table)]);
    let (table, _) = read(&dropped_table);
    let twins = table.column_by_name("duplicate_of").unwrap().as_struct();
    let twin_ids = twins.column_by_name("id").unwrap().as_string::<i32>();
    let from_table: Vec<(String, String)> = ids(&table)
        .into_iter()
        .enumerate()
        .map(|(i, id)| (id, twin_ids.value(i).to_string()))
        .collect();
    assert_eq!(from_table, dropped);
    let source = table.column_by_name("source").unwrap().as_struct();
    let rows = source.column_by_name("row").unwrap();
    assert!(rows.is_null(0));
    assert_eq!(
        rows.as_primitive::<arrow_array::types::UInt64Type>()
            .value(1),
        2
    );
    let records = table.column_by_name("record").unwrap().as_string::<i32>();
    let record: Value = serde_json::from_str(records.value(0)).unwrap();
    assert_eq!(record["id"], "b-1");
    assert!(records.is_null(1));
    let rule = table.column_by_name("rule").unwrap().as_string::<i32>();
    assert_eq!(rule.value(0), v["rule"].as_str().unwrap());

    // Every column, the same schema and codec; the kept rows in order, the
    // repeated paragraph cut from p0-5's text only.
    let (kept0, codec0) = read(&out.join("data/train-00000-of-00002.parquet"));
    let (kept1, codec1) = read(&out.join("data/train-00001-of-00002.parquet"));
    assert_eq!(kept0.schema(), first.schema());
    assert_eq!(kept1.schema(), second.schema());
    assert_eq!(
        (codec0, codec1),
        (Compression::SNAPPY, Compression::ZSTD(Default::default()))
    );
    assert_eq!(ids(&kept0), ["p0-4", "p0-5"]);
    assert_eq!(ids(&kept1), ["p1-6"]);
    let texts = kept0.column_by_name("text").unwrap().as_string::<i32>();
    assert_eq!(texts.value(0), article(4, 4));
    assert_eq!(texts.value(1).trim_end(), article(9, 2).trim_end());
    let n = kept0.column_by_name("n").unwrap();
    assert_eq!(n.as_ref(), &Int64Array::from(vec![0, 2]) as &dyn Array);
    let meta = kept0.column_by_name("meta").unwrap().as_struct();
    assert_eq!(meta.column(0).as_string::<i32>().value(1), "u5");

    let back = dir.path().join("back");
    ok(&["restore", s(&out), "--out", s(&back)]);
    for (path, original) in [(&p0, &first), (&p1, &second)] {
        let rel = path.strip_prefix(&input).unwrap();
        let (rows, _) = read(&back.join(rel));
        assert_eq!(&rows, original);
    }
    for shard in ["a/part-0.jsonl.gz", "b/part-0.jsonl.gz"] {
        assert_eq!(
            gunzip_bytes(&back.join(shard)),
            gunzip_bytes(&input.join(shard))
        );
    }
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// A file with the text in `meta.body` (large strings), integer ids, and
/// a null text in its second row.
fn nested(path: &Path) -> RecordBatch {
    let body = Arc::new(Field::new("body", DataType::LargeUtf8, true));
    let texts: ArrayRef = Arc::new(arrow_array::LargeStringArray::from(vec![
        Some(article(1, 3)),
        None,
        Some(article(1, 3)),
        Some(article(2, 3)),
    ]));
    let meta: ArrayRef = Arc::new(StructArray::new(
        Fields::from(vec![body]),
        vec![texts],
        None,
    ));
    let ids: ArrayRef = Arc::new(Int64Array::from(vec![10, 11, 12, 13]));
    let schema = Schema::new(vec![
        Field::new("doc", DataType::Int64, false),
        Field::new("meta", meta.data_type().clone(), false),
    ]);
    let b = RecordBatch::try_new(Arc::new(schema), vec![ids, meta]).unwrap();
    write(path, &b, Compression::UNCOMPRESSED);
    b
}

#[test]
fn nested_text_integer_ids_and_null_text() {
    let (dir, input) = input_dir();
    let path = input.join("rows.parquet");
    let original = nested(&path);
    let out = dir.path().join("out");
    let clean = |extra: &[&str]| -> Vec<String> {
        let fields = ["--text-field", "meta.body", "--id-field", "doc"];
        [&["clean", s(&path), "--out", s(&out)][..], &fields, extra]
            .concat()
            .iter()
            .map(|a| a.to_string())
            .collect()
    };
    // A null text stops the run, naming the file and row.
    let err = fails(&strs(&clean(&[])));
    assert!(
        err.contains("rows.parquet: row 2: column \"meta.body\" is null"),
        "{err}"
    );
    // Skipped: the row goes with the dropped copy, and both come back.
    ok(&strs(&clean(&["--on-error", "skip"])));
    let r = report(&out.join("report.json"));
    assert_eq!(r["summary"]["documents_skipped"], 1);
    let dropped: Vec<&str> = r["documents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["status"] == "dropped")
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(dropped, ["12"]);
    let (kept, _) = read(&out.join("rows.parquet"));
    let doc = kept
        .column(0)
        .as_primitive::<arrow_array::types::Int64Type>();
    assert_eq!(doc.values().to_vec(), [10, 13]);
    assert_eq!(kept.schema(), original.schema());
    let back = dir.path().join("back");
    ok(&["restore", s(&out), "--out", s(&back)]);
    assert_eq!(read(&back.join("rows.parquet")).0, original);
    // The cleaned folder given as input: its removed rows are neardup's
    // own, passed over.
    let again = dir.path().join("again");
    let run = ok(&[
        "clean",
        s(&out),
        "--out",
        s(&again),
        "--text-field",
        "meta.body",
        "--id-field",
        "doc",
    ]);
    let said = String::from_utf8_lossy(&run.stdout);
    assert!(said.contains("2 documents in"), "{said}");
}

#[test]
fn unusable_parquet_is_named() {
    let (dir, input) = input_dir();
    let path = input.join("rows.parquet");
    nested(&path);
    let out = dir.path().join("out");
    let err = fails(&["clean", s(&path), "--out", s(&out)]);
    assert!(
        err.contains("no column \"text\"; its columns are \"doc\" (Int64), \"meta\""),
        "{err}"
    );
    let err = fails(&["clean", s(&path), "--out", s(&out), "--text-field", "doc"]);
    assert!(
        err.contains("column \"doc\" is Int64, not a string column"),
        "{err}"
    );
    let bad = input.join("bad.parquet");
    fs::write(&bad, b"PAR1 not really").unwrap();
    let err = fails(&["clean", s(&bad), "--out", s(&out)]);
    assert!(
        err.starts_with(&format!("neardup: {}: ", bad.display())),
        "{err}"
    );
    assert!(!out.exists());
}
