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
   connected components of those edges by the large-star/small-star method
   on DataFrames;
4. each component resolved by the core's own ``matching::resolve``: in id
   order, each document dropped as a copy of the most similar kept document
   it shares a bucket with, or kept. No document is dropped through a chain
   of neighbours.

Options, defaults and hashing are the CLI's, so a cluster and a laptop give
the same answer on the same corpus.
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


def read_jsonl(spark: SparkSession, path: str, text_field: str = "text", id_field: str | None = None) -> DataFrame:
    """A JSONL corpus as (id, text). Ids come from ``id_field`` (integers)
    or, without one, from each line's position in the input (files in name
    order, lines in file order): deterministic, never
    ``monotonically_increasing_id``. Blank lines are not documents, as in the
    CLI, but keep their place in the numbering."""
    lines = spark.read.text(path).rdd.zipWithIndex().map(lambda r: (r[1], r[0][0]))
    df = spark.createDataFrame(lines, "line long, json string").where(F.trim("json") != "")
    schema = T.StructType([T.StructField(text_field, T.StringType())])
    if id_field is not None:
        schema.add(T.StructField(id_field, T.LongType()))
    parsed = df.select("line", F.from_json("json", schema).alias("r"))
    id_col = F.col(f"r.{id_field}") if id_field is not None else F.col("line")
    return parsed.select(id_col.alias("id"), F.col(f"r.{text_field}").alias("text"))


def read_parquet(spark: SparkSession, path: str, text_field: str = "text", id_field: str | None = None) -> DataFrame:
    """A Parquet corpus as (id, text, other columns). Ids come from
    ``id_field`` (integers) or, without one, from each row's place in the
    input (files in name order, rows in file order)."""
    df = spark.read.parquet(path).withColumnRenamed(text_field, "text")
    if id_field is not None:
        return df.withColumn("id", F.col(id_field).cast("long"))
    schema = T.StructType([T.StructField("id", T.LongType(), False), *df.schema.fields])
    rows = df.rdd.zipWithIndex().map(lambda r: (r[1], *r[0]))
    return spark.createDataFrame(rows, schema)


def _options(options: dict) -> _core.Options:
    return _core.Options(**options)


def shared_lines(df: DataFrame, options: dict) -> list[int]:
    """The census: the segment keys found in at least ``template_min_docs``
    distinct texts (none with ``documents_only`` or a minimum of 0)."""
    opts = _options(options)
    if not opts.paragraphs or opts.template_min_docs == 0:
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
        .where(F.col("count") >= opts.template_min_docs)
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


def dedup(df: DataFrame, checkpoint_every: int = 1, **options) -> tuple[DataFrame, DataFrame]:
    """Document-level near-duplicate removal of (id, text, ...) rows.

    Returns ``(kept, dropped)``: the kept rows, with every column of ``df``,
    and one row per dropped document with the kept document it duplicates
    (``duplicate_of``: the most similar kept one sharing a bucket, the
    earliest among equals, as the CLI decides), the rule (``exact_document``
    or ``near_duplicate_document``) and the estimated similarity to it.
    ``options`` are ``neardup.Options``' (threshold, permutations,
    shingle_size, seed, bands, rows, documents_only, template_min_docs),
    with the CLI's defaults.
    """
    sketched = sketch(df, options, shared_lines(df, options)).cache()
    labels = connected_components(candidates(sketched), checkpoint_every)
    dropped = resolve(sketched, labels, options).cache()
    kept = df.join(dropped.select("id"), "id", "left_anti")
    return kept, dropped


def main(argv=None):
    """``spark-submit -m neardup.spark INPUT OUT``: reads Parquet or JSONL,
    writes the kept documents to ``OUT/kept`` and the dropped ones, with the
    document each duplicates, to ``OUT/dropped``, as Parquet."""
    import argparse

    p = argparse.ArgumentParser(prog="neardup.spark", description=main.__doc__)
    p.add_argument("input")
    p.add_argument("out")
    p.add_argument("--format", choices=["jsonl", "parquet"], default=None)
    p.add_argument("--text-field", default="text")
    p.add_argument("--id-field", default=None, help="an integer id column; by default, the row's place in the input")
    p.add_argument("--threshold", type=float, default=0.8)
    p.add_argument("--permutations", type=int, default=128)
    p.add_argument("--shingle-size", type=int, default=5)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--bands", type=int)
    p.add_argument("--rows", type=int)
    p.add_argument("--documents-only", action="store_true")
    p.add_argument("--checkpoint-dir")
    args = p.parse_args(argv)
    spark = SparkSession.builder.appName("neardup").getOrCreate()
    if args.checkpoint_dir:
        spark.sparkContext.setCheckpointDir(args.checkpoint_dir)
    fmt = args.format or ("parquet" if args.input.rstrip("/").endswith(".parquet") else "jsonl")
    if fmt == "jsonl":
        df = read_jsonl(spark, args.input, args.text_field, args.id_field)
    else:
        df = read_parquet(spark, args.input, args.text_field, args.id_field)
    kept, dropped = dedup(
        df,
        threshold=args.threshold,
        permutations=args.permutations,
        shingle_size=args.shingle_size,
        seed=args.seed,
        bands=args.bands,
        rows=args.rows,
        documents_only=args.documents_only,
    )
    kept.write.mode("overwrite").parquet(f"{args.out}/kept")
    dropped.write.mode("overwrite").parquet(f"{args.out}/dropped")


if __name__ == "__main__":
    main()
