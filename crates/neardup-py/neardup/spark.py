"""Document-level near-duplicate removal on Apache Spark.

The Rust core does all the work on documents, in ``mapInArrow`` and
``applyInArrow`` on the executors; Spark does the shuffles, in the CLI's
stages:

1. the template census: each document's segment keys, counted over
   distinct texts; the keys found in ``template_min_docs`` texts or more are
   the corpus's shared lines (its sites' menus, sidebars, footers), sent to
   every executor;
2. the per-document stage with those lines set aside (the in-document rules,
   then MinHash of the content);
3. candidate components: (band, key, document) records grouped by bucket,
   each bucket a star to its smallest document, exact copies likewise, and
   connected components of those edges: collected and joined on the driver
   by the core's union-find when they are few enough (``DRIVER_EDGES``),
   else by the large-star/small-star method on DataFrames;
4. each component resolved by the core's own ``matching::resolve``: in id
   order, each document dropped as a copy of the most similar kept document
   it shares a bucket with, or kept. No document is dropped through a chain
   of neighbours.

Options, defaults and hashing are the CLI's, so a cluster and a laptop give
the same answer on the same corpus. ``clean`` keeps every column and the
user's ids of any type; the engine numbers rows itself (``ROW``). It drops
duplicate documents only: cutting repeats and boilerplate from the kept
text is not yet done here.
"""

from __future__ import annotations

import pyarrow as pa
from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

from neardup import _core

SKETCH_SCHEMA = T.StructType(
    [
        T.StructField("id", T.LongType(), False),
        T.StructField("exact", T.LongType(), True),
        T.StructField("judged", T.BooleanType(), False),
        T.StructField("bits", T.BinaryType(), False),
        T.StructField("band_keys", T.ArrayType(T.LongType()), False),
    ]
)

KEYS_SCHEMA = T.StructType(
    [
        T.StructField("id", T.LongType(), False),
        T.StructField("text_key", T.LongType(), False),
        T.StructField("keys", T.ArrayType(T.LongType()), False),
    ]
)

DROPPED_SCHEMA = T.StructType(
    [
        T.StructField("id", T.LongType(), False),
        T.StructField("duplicate_of", T.LongType(), False),
        T.StructField("rule", T.StringType(), False),
        T.StructField("similarity", T.DoubleType(), False),
    ]
)


ROW = "_neardup_row"
"""The engine's own id of a row: its place in the input (files in name
order, rows or lines in file order, from 0), added by the readers and by
``clean`` and never written out. The user's ids, of any type, stay as they
are in their own column."""

DRIVER_EDGES = 2_000_000
"""Candidate edges up to this many are joined into components on the
driver, by the core's union-find, in one job; more go through the
distributed large-star/small-star rounds."""


def with_rows(df: DataFrame) -> DataFrame:
    """``df`` with ``ROW``, each row's place in the DataFrame's order (its
    partitions in turn, each in its order): deterministic for a sorted or
    freshly read DataFrame, never ``monotonically_increasing_id``."""
    schema = T.StructType([*df.schema.fields, T.StructField(ROW, T.LongType(), False)])
    rows = df.rdd.zipWithIndex().map(lambda r: (*r[0], r[1]))
    return df.sparkSession.createDataFrame(rows, schema)


def read_jsonl(spark: SparkSession, path: str) -> DataFrame:
    """A JSONL corpus (a file or a folder of them) with every field of its
    records as columns, and ``ROW``, each line's place in the input: files
    in name order, lines in file order, as the CLI reads them (Spark itself
    reads the largest files first). Blank lines are not documents, as in the
    CLI, but keep their place in the numbering."""
    schema = spark.read.json(path).schema
    lines = spark.read.text(path).select(
        "value",
        F.col("_metadata.file_path").alias("_file"),
        F.col("_metadata.file_block_start").alias("_block"),
        # Increasing within a partition, which reads one block in order.
        F.monotonically_increasing_id().alias("_at"),
    )
    ordered = lines.orderBy("_file", "_block", "_at").select("value")
    numbered = ordered.rdd.zipWithIndex().map(lambda r: (r[1], r[0][0]))
    df = spark.createDataFrame(numbered, f"{ROW} long, json string").where(F.trim("json") != "")
    return df.select(F.from_json("json", schema).alias("r"), ROW).select("r.*", ROW)


def read_parquet(spark: SparkSession, path: str) -> DataFrame:
    """A Parquet corpus (a file or a folder of them) with every column, and
    ``ROW``, each row's place in the input: files in name order, rows in
    file order, as the CLI reads them."""
    df = spark.read.parquet(path)
    located = df.select("*", F.col("_metadata.file_path").alias("_file"), F.col("_metadata.row_index").alias("_at"))
    return with_rows(located.orderBy("_file", "_at").drop("_file", "_at"))


def _options(options: dict) -> _core.Options:
    return _core.Options(**options)


def shared_lines(df: DataFrame, options: dict) -> list[int]:
    """The census: the segment keys found in at least ``template_min_docs``
    distinct texts (none with ``documents_only`` or a minimum of 0)."""
    opts = _options(options)
    min_docs = opts.census_min_docs
    if min_docs is None:
        return []

    def run(batches):
        o = _options(options)
        for batch in batches:
            yield _core.template_keys(batch, o)

    keys = df.select("id", "text").mapInArrow(run, KEYS_SCHEMA)
    counts = (
        keys.select("text_key", F.explode("keys").alias("key"))
        .distinct()
        .groupBy("key")
        .count()
        .where(F.col("count") >= min_docs)
    )
    return [r["key"] for r in counts.select("key").collect()]


def sketch(df: DataFrame, options: dict, shared: list[int] | None = None) -> DataFrame:
    """(id, text) -> one row of sketch per document, computed by the Rust
    core with the ``shared`` lines set aside."""
    lines = df.sparkSession.sparkContext.broadcast(shared or [])

    def run(batches):
        opts = _options(options)
        for batch in batches:
            yield _core.sketch(batch, opts, lines.value)

    return df.select("id", "text").mapInArrow(run, SKETCH_SCHEMA)


def candidates(sketched: DataFrame) -> DataFrame:
    """Candidate edges (a, b), a < b: in each LSH bucket of the judged
    documents, every document to the bucket's smallest, as the CLI's sorted
    scan of bucket records gives them; and every document with words to the
    smallest with the same exact hash. A window over each bucket, not a
    collected list, so a bucket of millions of copies streams."""
    buckets = sketched.where("judged").select("id", F.posexplode("band_keys").alias("band", "key"))

    def stars(df: DataFrame, *keys: str) -> DataFrame:
        smallest = F.min("id").over(Window.partitionBy(*keys))
        return df.withColumn("a", smallest).where("id > a").select("a", F.col("id").alias("b"))

    near = stars(buckets, "band", "key")
    exact = stars(sketched.where(F.col("exact").isNotNull()).select("id", "exact"), "exact")
    return near.unionByName(exact)


def resolve(sketched: DataFrame, labels: DataFrame, options: dict) -> DataFrame:
    """The dropped documents of every candidate component, as the CLI drops
    them: each component's sketches go to the core's ``resolve``."""
    members = sketched.join(labels.withColumnRenamed("node", "id"), "id")

    def run(table):
        # A group is never empty; its columns in one chunk make one batch.
        (batch,) = table.combine_chunks().to_batches()
        return pa.Table.from_batches([_core.resolve(batch, _options(options))])

    return members.groupBy("label").applyInArrow(run, DROPPED_SCHEMA)


def _checkpoint(df: DataFrame) -> DataFrame:
    spark = df.sparkSession
    if spark.sparkContext.getCheckpointDir():
        return df.checkpoint(eager=True)
    return df.localCheckpoint(eager=True)


def components(edges: DataFrame, driver_edges: int = DRIVER_EDGES, checkpoint_every: int = 1) -> DataFrame:
    """(a, b) edges -> (node, label), each node of an edge labelled with the
    smallest node of its component: on the driver by the core's union-find
    when there are at most ``driver_edges`` edges (one job to collect them),
    else by ``connected_components``."""
    edges = edges.select(F.col("a").cast("long"), F.col("b").cast("long")).where("a != b")
    if edges.limit(driver_edges + 1).count() > driver_edges:
        return connected_components(edges, checkpoint_every)
    table = edges.toArrow()
    batch = pa.record_batch({c: table.column(c).combine_chunks() for c in ("a", "b")})
    labels = _core.components(batch)
    return edges.sparkSession.createDataFrame(pa.Table.from_batches([labels]))


def connected_components(edges: DataFrame, checkpoint_every: int = 1, max_rounds: int = 100) -> DataFrame:
    """(a, b) edges -> (node, label): each node of an edge labelled with the
    smallest node of its component. The large-star/small-star method
    (Kiveris et al., 2014) on DataFrames, checkpointed every
    ``checkpoint_every`` rounds (by default every one, since a round's plan
    holds all the rounds before it); nodes without edges are not listed."""
    e = edges.select(F.col("a").alias("u"), F.col("b").alias("v")).where("u != v")
    e = e.select(F.least("u", "v").alias("u"), F.greatest("u", "v").alias("v")).distinct()
    for round_ in range(1, max_rounds + 1):
        # Large star: each node links its larger neighbours to the smallest
        # of its neighbourhood, itself included.
        both = e.unionByName(e.select(F.col("v").alias("u"), F.col("u").alias("v")))
        low = both.groupBy("u").agg(F.least(F.min("v"), F.first("u")).alias("m"))
        large = (
            both.join(low, "u")
            .where("v > u")
            .select(F.col("v").alias("u"), F.col("m").alias("v"))
        )
        large = large.select(F.least("u", "v").alias("u"), F.greatest("u", "v").alias("v")).where("u != v").distinct()
        # Small star: each node links itself and its smaller neighbours to
        # the smallest of them.
        smaller = large.select(F.col("v").alias("u"), F.col("u").alias("v"))  # (larger, smaller)
        m = smaller.groupBy("u").agg(F.min("v").alias("m"))
        small = (
            smaller.join(m, "u")
            .select(F.col("v").alias("a"), F.col("m").alias("b"))
            .unionByName(m.select(F.col("u").alias("a"), F.col("m").alias("b")))
        )
        small = small.select(F.least("a", "b").alias("u"), F.greatest("a", "b").alias("v")).where("u != v").distinct()
        if round_ % checkpoint_every == 0:
            small = _checkpoint(small)
        changed = small.exceptAll(e).limit(1).count() + e.exceptAll(small).limit(1).count()
        e = small
        if changed == 0:
            break
    else:
        raise RuntimeError(f"connected components did not converge in {max_rounds} rounds")
    # Converged: every edge joins a node to its component's smallest node.
    return e.select(F.col("v").alias("node"), F.col("u").alias("label")).unionByName(
        e.select(F.col("u").alias("node"), F.col("u").alias("label"))
    ).distinct()


def clean(
    df: DataFrame, text_field: str = "text", id_field: str | None = None, options=None, checkpoint_every: int = 1
) -> tuple[DataFrame, DataFrame]:
    """Near-duplicate documents removed from ``df``, as ``neardup clean``
    removes them from the same rows: each document, after the in-document
    rules and with the corpus's shared lines set aside, dropped as a copy of
    the most similar earlier kept document it shares a bucket with.

    Returns ``(kept, dropped)``: the kept rows with every column of ``df``,
    and the dropped rows with every column, then ``duplicate_of`` (the
    ``id_field`` of the kept document it copies; by default the options'
    ``id_field``, ``"id"``, when ``df`` has it, else null), ``duplicate_of_row``
    (that document's place in the input), ``rule`` and ``similarity``.
    ``options`` are ``neardup.Options`` or a dict of them. The kept text is
    written as it was: the Spark job does not yet cut repeats and
    boilerplate from it (``neardup.clean_table`` does, on one machine)."""
    opts = options.to_dict() if isinstance(options, _core.Options) else dict(options or {})
    opts["text_field"] = text_field
    id_field = id_field or _options(opts).id_field
    if ROW not in df.columns:
        df = with_rows(df)
    docs = df.select(F.col(ROW).alias("id"), F.col(text_field).alias("text"))
    sketched = sketch(docs, opts, shared_lines(docs, opts)).cache()
    labels = components(candidates(sketched), checkpoint_every=checkpoint_every)
    verdicts = resolve(sketched, labels, opts).select(
        F.col("id").alias(ROW), F.col("duplicate_of").alias("duplicate_of_row"), "rule", "similarity"
    )
    columns = [c for c in df.columns if c != ROW]
    user_id = F.col(id_field) if id_field in columns else F.lit(None).cast("string")
    of = df.select(F.col(ROW).alias("duplicate_of_row"), user_id.alias("duplicate_of"))
    dropped = (
        df.join(verdicts, ROW)
        .join(of, "duplicate_of_row")
        .select(*columns, "duplicate_of", "duplicate_of_row", "rule", "similarity")
    )
    kept = df.join(verdicts.select(ROW), ROW, "left_anti").select(*columns)
    return kept, dropped


def _exists(spark: SparkSession, path: str) -> bool:
    jvm = spark.sparkContext._jvm
    p = jvm.org.apache.hadoop.fs.Path(path)
    return p.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()).exists(p)


def main(argv=None):
    """``python -m neardup.spark INPUT OUT``: reads JSONL or Parquet (a file
    or a folder), writes the kept documents to ``OUT/kept`` and the dropped
    ones, with the document each duplicates, to ``OUT/dropped``, as Parquet,
    and prints the summary. An existing OUT is refused without --overwrite."""
    import argparse
    import json

    p = argparse.ArgumentParser(prog="neardup.spark", description=main.__doc__)
    p.add_argument("input")
    p.add_argument("out")
    p.add_argument("--format", choices=["jsonl", "parquet"], default=None)
    p.add_argument("--text-field", default="text")
    p.add_argument("--id-field", default=None, help="the id column (any type); by default id, when there is one")
    p.add_argument("--overwrite", action="store_true", help="replace an existing OUT")
    p.add_argument("--checkpoint-dir")
    defaults = _core.Options()
    for name in ("threshold", "permutations", "shingle_size", "seed", "bands", "rows", "template_min_docs"):
        default = getattr(defaults, name)
        p.add_argument("--" + name.replace("_", "-"), type=float if name == "threshold" else int, default=default)
    p.add_argument("--profile", choices=["documents", "dedup", "full"])
    p.add_argument("--documents-only", action="store_true")
    args = p.parse_args(argv)
    spark = SparkSession.builder.appName("neardup").getOrCreate()
    if _exists(spark, args.out) and not args.overwrite:
        p.error(f"{args.out} exists; give --overwrite to replace it")
    if args.checkpoint_dir:
        spark.sparkContext.setCheckpointDir(args.checkpoint_dir)
    fmt = args.format or ("parquet" if args.input.rstrip("/").endswith(".parquet") else "jsonl")
    df = (read_jsonl if fmt == "jsonl" else read_parquet)(spark, args.input).cache()
    options = {
        k: getattr(args, k)
        for k in ("threshold", "permutations", "shingle_size", "seed", "bands", "rows", "template_min_docs", "profile", "documents_only")
    }
    kept, dropped = clean(df, args.text_field, args.id_field, options)
    mode = "overwrite" if args.overwrite else "errorifexists"
    dropped.write.mode(mode).parquet(f"{args.out}/dropped")
    kept.write.mode(mode).parquet(f"{args.out}/kept")
    rules = {r["rule"]: r["count"] for r in spark.read.parquet(f"{args.out}/dropped").groupBy("rule").count().collect()}
    documents = df.count()
    summary = {"documents": documents, "documents_kept": documents - sum(rules.values()), "documents_dropped": sum(rules.values()), "dropped_by_rule": dict(sorted(rules.items()))}
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
