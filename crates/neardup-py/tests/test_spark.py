import json
import random
import subprocess

import pytest
from pyspark.sql import functions as F

from neardup import spark as nds


def union_find(nodes, edges):
    parent = {n: n for n in nodes}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {n: find(n) for n in nodes}


def graphs():
    rng = random.Random(7)
    yield "chain", [(i, i + 1) for i in range(30)]
    yield "reversed chain", [(i + 1, i) for i in range(30)]
    yield "star", [(0, i) for i in range(1, 50)] + [(100 + i, 100) for i in range(1, 30)]
    for k in range(2):
        n = 200
        yield f"random {k}", [(rng.randrange(n), rng.randrange(n)) for _ in range(150)]


@pytest.mark.parametrize("name,edges", list(graphs()))
def test_connected_components_equal_union_find(spark, name, edges):
    df = spark.createDataFrame(edges, "a long, b long")
    nodes = {n for e in edges for n in e if e[0] != e[1]}
    want = union_find(nodes, [e for e in edges if e[0] != e[1]])
    distributed = {r["node"]: r["label"] for r in nds.components(df, driver_edges=0, checkpoint_every=2).collect()}
    assert distributed == want, name
    on_driver = {r["node"]: r["label"] for r in nds.components(df).collect()}
    assert on_driver == want, name


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, neardup_bin):
    d = tmp_path_factory.mktemp("corpus")
    path, truth = d / "c.jsonl", d / "truth.jsonl"
    subprocess.run(
        [neardup_bin, "synth", "--docs", "3000", "--out", str(path), "--truth", str(truth), "--seed", "11"],
        check=True,
        capture_output=True,
    )
    return path


def cli_result(neardup_bin, path, extra=()):
    """The CLI's dropped documents: id -> (the id it copies, rule)."""
    out = subprocess.run([neardup_bin, "scan", str(path), "-q", *extra], check=True, capture_output=True)
    report = json.loads(out.stdout)
    return {
        d["id"]: (d["duplicate_of"]["id"], d["rule"]) for d in report["documents"] if d["status"] == "dropped"
    }


def cli_kept(neardup_bin, path, out, extra=()):
    """The CLI's kept documents, id -> cleaned text, from the copies
    ``neardup clean`` writes (JSONL or Parquet)."""
    import pyarrow.parquet as pq

    subprocess.run([neardup_bin, "clean", str(path), "--out", str(out), "-q", *extra], check=True, capture_output=True)
    kept = {}
    for f in sorted(out.rglob("*.jsonl")):
        kept.update((r["id"], r["text"]) for r in map(json.loads, f.read_text().splitlines()) if r)
    for f in sorted(out.rglob("*.parquet")):
        if "removed-rows" not in f.parts:
            kept.update((r["id"], r["text"]) for r in pq.read_table(f, columns=["id", "text"]).to_pylist())
    return kept


@pytest.mark.parametrize(
    "extra, driver_documents",
    [((), nds.DRIVER_DOCUMENTS), ((), 0), (("--documents-only",), nds.DRIVER_DOCUMENTS)],
    ids=["driver", "executors", "documents-only"],
)
def test_spark_gives_the_clis_answer(spark, corpus, neardup_bin, extra, driver_documents, tmp_path):
    want = cli_result(neardup_bin, corpus, extra)
    assert len(want) > 100
    want_kept = cli_kept(neardup_bin, corpus, tmp_path / "out", extra)
    df = nds.read_jsonl(spark, str(corpus))
    kept, dropped = nds.clean(df, options={"documents_only": bool(extra)}, driver_documents=driver_documents)
    got = {r["id"]: (r["duplicate_of"], r["rule"]) for r in dropped.collect()}
    assert got == want
    got_kept = {r["id"]: r["text"] for r in kept.collect()}
    assert got_kept == want_kept
    originals = {r["id"]: r["text"] for r in df.collect()}
    cut = sum(got_kept[i] != originals[i] for i in got_kept)
    assert cut > (20 if not extra else -1) and (cut == 0) == bool(extra)
    assert kept.columns == [c for c in df.columns if c != nds.ROW]


def test_containment_and_an_index_are_refused(spark, corpus, tmp_path):
    df = nds.read_jsonl(spark, str(corpus))
    with pytest.raises(ValueError, match="not yet done by the Spark job"):
        nds.clean(df, options={"containment": 0.8})
    with pytest.raises(ValueError, match="does not match against an index yet"):
        nds.clean(df, options={"index": str(tmp_path / "index")})


def test_a_missing_or_non_text_field_is_refused_before_any_job(spark):
    df = spark.createDataFrame([("a", 1, ("x",))], "id string, n int, doc struct<body: string>")
    with pytest.raises(ValueError, match='no field "text" in the rows .* fields there are "id", "n", "doc"'):
        nds.clean(df)
    with pytest.raises(ValueError, match='no field "title" in "doc" .* fields there are "body"'):
        nds.clean(df, text_field="doc.title")
    with pytest.raises(ValueError, match='the text field "n" holds int, not strings'):
        nds.clean(df, text_field="n")
    with pytest.raises(ValueError, match='no field "body" in "n"'):
        nds.clean(df, text_field="n.body")
    kept, _ = nds.clean(df, text_field="doc.body")
    assert kept.count() == 1


def test_shared_passages_are_cut_as_the_cli_cuts_them(spark, corpus, neardup_bin, tmp_path):
    want = cli_kept(neardup_bin, corpus, tmp_path / "shared", ("--remove-shared",))
    assert want != cli_kept(neardup_bin, corpus, tmp_path / "default")
    kept, _ = nds.clean(nds.read_jsonl(spark, str(corpus)), options={"remove_shared": True})
    assert {r["id"]: r["text"] for r in kept.collect()} == want


@pytest.fixture(scope="module")
def shards(corpus, tmp_path_factory):
    """The corpus as a folder of two Parquet files, with the ids as
    strings, a nested and a list column."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    records = [json.loads(line) for line in corpus.read_text().splitlines()]
    table = pa.Table.from_pylist(
        [
            {"id": r["id"], "text": r["text"], "meta": {"site": f"s{i % 3}", "rank": i}, "tags": ["a", f"t{i % 5}"]}
            for i, r in enumerate(records)
        ]
    )
    folder = tmp_path_factory.mktemp("parquet") / "shards"
    folder.mkdir()
    half = table.num_rows // 2
    pq.write_table(table.slice(0, half), folder / "part-0.parquet")
    pq.write_table(table.slice(half), folder / "part-1.parquet")
    return folder, table


LOCAL_CLUSTER = r"""
import json, sys
from pyspark.sql import SparkSession
from neardup import spark as nds
s = (SparkSession.builder.master("local-cluster[2,1,1024]").appName("neardup-cluster")
     .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
     .config("spark.sql.shuffle.partitions", "4").getOrCreate())
assert s.sparkContext.defaultParallelism >= 2
df = nds.read_parquet(s, sys.argv[1]).repartition(4)
kept, dropped = nds.clean(df, driver_documents=int(sys.argv[2]))
print(json.dumps({
    "dropped": {r["id"]: [r["duplicate_of"], r["rule"]] for r in dropped.collect()},
    "kept": {r["id"]: r["text"] for r in kept.collect()},
}))
s.stop()
"""


@pytest.mark.slow
def test_two_executor_processes_give_the_same_answer(shards, neardup_bin, tmp_path):
    """Executors in processes of their own: everything the job ships
    (options, batches, the extension module, the per-document records)
    crosses process boundaries. Resolved on the executors, the path on
    which the most crosses them."""
    import os
    import sys

    folder, _ = shards
    env = dict(os.environ, PYSPARK_PYTHON=sys.executable, PYSPARK_DRIVER_PYTHON=sys.executable)
    out = subprocess.run(
        [sys.executable, "-c", LOCAL_CLUSTER, str(folder), "0"], env=env, capture_output=True, text=True, timeout=900
    )
    assert out.returncode == 0, out.stderr[-3000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert {k: tuple(v) for k, v in got["dropped"].items()} == cli_result(neardup_bin, folder)
    assert got["kept"] == cli_kept(neardup_bin, folder, tmp_path / "out")


def test_parquet_rows_get_their_place_and_keep_every_column(spark, tmp_path):
    rows = [("a text here with some words", "x"), ("another one with words", "y")]
    spark.createDataFrame(rows, "body string, tag string").coalesce(1).write.parquet(str(tmp_path / "p.parquet"))
    df = nds.read_parquet(spark, str(tmp_path / "p.parquet"))
    assert [(r[nds.ROW], r["body"], r["tag"]) for r in df.orderBy(nds.ROW).collect()] == [
        (0, rows[0][0], "x"),
        (1, rows[1][0], "y"),
    ]


def test_a_parquet_folder_with_string_ids_and_nested_columns(spark, shards, neardup_bin, tmp_path):
    """Every column kept, the user's string ids in `duplicate_of`, and the
    CLI's dropped documents and kept texts, on a folder of two Parquet
    files."""
    folder, table = shards
    want = cli_result(neardup_bin, folder)
    df = nds.read_parquet(spark, str(folder))
    kept, dropped = nds.clean(df)
    got = {r["id"]: (r["duplicate_of"], r["rule"]) for r in dropped.collect()}
    assert got == want and len(got) > 100
    assert {r["id"]: r["text"] for r in kept.collect()} == cli_kept(neardup_bin, folder, tmp_path / "out")
    assert kept.columns == ["id", "text", "meta", "tags"]
    assert dropped.columns == ["id", "text", "meta", "tags", "duplicate_of", "duplicate_of_row", "rule", "similarity"]
    by_id = {r["id"]: r for r in table.to_pylist()}
    ids = table.column("id").to_pylist()
    for r in dropped.limit(20).collect():
        assert r["meta"].asDict() == by_id[r["id"]]["meta"] and r["tags"] == by_id[r["id"]]["tags"]
        assert ids[r["duplicate_of_row"]] == r["duplicate_of"]
    for r in kept.limit(20).collect():
        assert r["meta"].asDict() == by_id[r["id"]]["meta"] and r["tags"] == by_id[r["id"]]["tags"]


def test_a_text_field_inside_a_struct_is_cut_in_place(spark, corpus, neardup_bin, tmp_path):
    """A text field nested in a struct (``doc.body``) is cut where it
    stands, and the struct's other fields are kept."""
    records = [json.loads(line) for line in corpus.read_text().splitlines()][:600]
    path = tmp_path / "nested.jsonl"
    path.write_text("".join(json.dumps({"id": r["id"], "doc": {"body": r["text"], "n": i}}) + "\n" for i, r in enumerate(records)))
    subprocess.run(
        [neardup_bin, "clean", str(path), "--out", str(tmp_path / "out"), "--text-field", "doc.body", "-q"],
        check=True,
        capture_output=True,
    )
    want = {r["id"]: r["doc"] for r in map(json.loads, (tmp_path / "out" / "nested.jsonl").read_text().splitlines())}
    kept, _ = nds.clean(nds.read_jsonl(spark, str(path)), text_field="doc.body")
    got = {r["id"]: r["doc"].asDict() for r in kept.collect()}
    assert got == want
    assert sum(got[i]["body"] != records[got[i]["n"]]["text"] for i in got) > 0


def test_the_job_prints_its_summary_and_replaces_an_output_only_when_told(corpus, tmp_path):
    import os
    import sys

    # A few hundred documents: what is tested is the command, not the scale.
    small = tmp_path / "small.jsonl"
    small.write_text("".join(corpus.read_text().splitlines(keepends=True)[:400]))
    out = tmp_path / "out"
    env = dict(os.environ, PYSPARK_PYTHON=sys.executable, PYSPARK_DRIVER_PYTHON=sys.executable)
    run = lambda *extra: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "neardup.spark", str(small), str(out), *extra],
        env=env, capture_output=True, text=True, timeout=900,
    )
    first = run()
    assert first.returncode == 0, first.stderr[-3000:]
    summary = json.loads(first.stdout[first.stdout.index("{"):])
    assert summary["documents"] == 400 and summary["documents_dropped"] > 10
    again = run()
    assert again.returncode == 2 and "--overwrite" in again.stderr
    assert run("--overwrite").returncode == 0
