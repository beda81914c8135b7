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
3. on a corpus of up to ``DRIVER_DOCUMENTS`` documents, every sketch
   (without its text) collected and resolved by one call of the core's
   ``matching::resolve``, as the CLI resolves, and stage 4 skipped; on a
   larger one, candidate components: (band, key, document) records grouped by bucket,
   each bucket a star to its smallest document, exact copies likewise, and
   connected components of those edges: collected and joined on the driver
   by the core's union-find when they are few enough (``DRIVER_EDGES``),
   else by the large-star/small-star method on DataFrames;
4. each component resolved by the core's own ``matching::resolve``: in id
   order, each document dropped as a copy of the most similar kept document
   it shares a bucket with, or kept. No document is dropped through a chain
   of neighbours;
5. the corpus templates: the shared lines counted over the kept documents,
   less the sentences that stand in no block of template lines (the core's
   ``template::sentence_pairs`` per document, found in stage 2 against the
   shared lines, counted, then ``template::in_block`` on the driver);
6. each kept document cut by the core's ``plan::decide`` with those
   templates and the in-document results of stage 2, carried as the
   core's own per-document record.

Options, defaults and hashing are the CLI's, so a cluster and a laptop give
the same answer on the same corpus: the same documents dropped, the same
text cut from the kept ones. ``clean`` keeps every column and the user's
ids of any type; the engine numbers rows itself (``ROW``). With
``remove_shared``, passages that a kept document shares with an earlier one
are cut too (the core's ``passages::matches_of`` on the passage records of
the kept rows, whole keys at a time). ``containment`` is not yet done here
and is refused.
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
        T.StructField("shared_keys", T.ArrayType(T.LongType()), False),
        T.StructField("local", T.BinaryType(), False),
        T.StructField(
            "passages",
            T.ArrayType(T.StructType([T.StructField(n, T.LongType(), False) for n in _core.PASSAGE_FIELDS])),
            False,
        ),
        T.StructField(
            "pairs",
            T.ArrayType(T.StructType([T.StructField(n, T.LongType(), False) for n in _core.PAIR_FIELDS])),
            False,
        ),
    ]
)

SHARED_FIELDS = tuple(_core.SHARED_FIELDS)

MATCHES_SCHEMA = T.StructType([T.StructField(n, T.LongType(), False) for n in ("doc", *SHARED_FIELDS)])

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

DRIVER_DOCUMENTS = 500_000
"""Corpora of up to this many documents are resolved on the driver, in one
call of the core's ``resolve`` over every document's sketch (about 300 bytes
each without the text, collected in one job), as the CLI resolves them;
larger ones go through candidate edges, components and groups of whole
components on the executors. The driver's Python process then holds about
1.2 KB a document at its peak (measured: 740 MB against 160 MB on the
executors' path, at 500,000 documents on ``local[2]``, where the driver's
path took 66 s and the executors' 226 s)."""

DRIVER_EDGES = 2_000_000
"""Candidate edges up to this many are joined into components on the
driver, by the core's union-find, in one job; more go through the
distributed large-star/small-star rounds."""

GROUP_ROWS = 20_000
"""Documents of candidate components resolved in one call of the core,
about: whole components, as many as make this many rows."""

BROADCAST_ROWS = 2_000_000
"""Dropped documents up to this many are sent to every executor to be
matched against the rows where they stand; more are joined by a shuffle."""

SKETCHED = "_neardup_sketch_"
"""The prefix of the sketch's columns, carried beside each row from the
sketch stage to the cut, so that no join brings a text back."""


def _numbered(df: DataFrame, keys: list[str], at: str) -> DataFrame:
    """``df`` with ``ROW``: its rows in the order of the ``keys`` columns,
    then of ``at``, whose values run without gaps within each group of
    ``keys`` (a row index in a file; ``monotonically_increasing_id`` where
    one partition reads the group in order). One small aggregation, each
    group's count and first ``at``, collected; the offsets go back to every
    executor with the rows staying where they are: no sort, no shuffle of
    the rows, nothing through Python."""
    groups = df.groupBy(*keys).agg(F.count(F.lit(1)).alias("_n"), F.min(at).alias("_first")).collect()
    groups.sort(key=lambda g: tuple(g[k] for k in keys))
    offsets, base = [], 0
    for g in groups:
        offsets.append((*(g[k] for k in keys), base - g["_first"]))
        base += g["_n"]
    schema = T.StructType([*df.select(*keys).schema.fields, T.StructField("_base", T.LongType(), False)])
    # From Arrow, a local relation: no job and no Python worker to make it.
    columns = {f.name: [o[i] for o in offsets] for i, f in enumerate(schema.fields)}
    table = df.sparkSession.createDataFrame(pa.table(columns), schema)
    numbered = df.join(F.broadcast(table), keys).withColumn(ROW, F.col("_base") + F.col(at))
    return numbered.drop(*keys, "_base", at)


def with_rows(df: DataFrame) -> DataFrame:
    """``df`` with ``ROW``, each row's place in the DataFrame's order (its
    partitions in turn, each in its order): deterministic for a sorted or
    freshly read DataFrame."""
    located = df.select("*", F.spark_partition_id().alias("_part"), F.monotonically_increasing_id().alias("_at"))
    return _numbered(located, ["_part"], "_at")


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
        # Without gaps within a block: one partition reads a block in order.
        F.monotonically_increasing_id().alias("_at"),
    )
    df = _numbered(lines, ["_file", "_block"], "_at").where(F.trim("value") != "")
    return df.select(F.from_json("value", schema).alias("r"), ROW).select("r.*", ROW)


def read_parquet(spark: SparkSession, path: str) -> DataFrame:
    """A Parquet corpus (a file or a folder of them) with every column, and
    ``ROW``, each row's place in the input: files in name order, rows in
    file order, as the CLI reads them."""
    df = spark.read.parquet(path)
    located = df.select("*", F.col("_metadata.file_path").alias("_file"), F.col("_metadata.row_index").alias("_at"))
    return _numbered(located, ["_file"], "_at")


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
    # Equal text keys are equal texts, with the same keys: one of each is
    # counted, before the keys are exploded.
    counts = (
        keys.dropDuplicates(["text_key"])
        .select(F.explode("keys").alias("key"))
        .groupBy("key")
        .count()
        .where(F.col("count") >= min_docs)
    )
    return [r["key"] for r in counts.select("key").collect()]


def _text(batch: pa.RecordBatch, text_field: str) -> pa.Array:
    """The text field of ``batch``: a column, or a field inside struct
    columns (``doc.body``), null where a struct around it is."""
    import pyarrow.compute as pc

    top, *inner = text_field.split(".")
    array = batch.column(top)
    for name in inner:
        array = pc.struct_field(array, name)
    return array


def _with_text(array: pa.Array, inner: list[str], text: pa.Array) -> pa.Array:
    """``array`` with the field at the path ``inner`` (inside its structs)
    replaced by ``text``."""
    if not inner:
        return text
    struct_type = array.type
    fields = [struct_type.field(i) for i in range(struct_type.num_fields)]
    children = [
        _with_text(array.field(i), inner[1:], text) if f.name == inner[0] else array.field(i)
        for i, f in enumerate(fields)
    ]
    mask = array.is_null() if array.null_count else None
    return pa.StructArray.from_arrays(children, fields=fields, mask=mask)


def sketch(df: DataFrame, options: dict, shared: list[int] | None = None, text_field: str = "text") -> DataFrame:
    """Every row of ``df`` (with ``ROW``) and its sketch beside it, computed
    by the Rust core with the ``shared`` lines set aside: the columns of
    ``SKETCH_SCHEMA`` but the id, each named with ``SKETCHED`` before it."""
    lines = df.sparkSession.sparkContext.broadcast(shared or [])
    extra = [T.StructField(SKETCHED + f.name, f.dataType, f.nullable) for f in SKETCH_SCHEMA.fields[1:]]

    def run(batches):
        opts = _options(options)
        for batch in batches:
            docs = pa.record_batch({"id": batch.column(ROW), "text": _text(batch, text_field)})
            sketched = _core.sketch(docs, opts, lines.value)
            yield pa.RecordBatch.from_arrays(
                [*batch.columns, *sketched.columns[1:]],
                names=[*batch.schema.names, *(SKETCHED + n for n in sketched.schema.names[1:])],
            )

    return df.mapInArrow(run, T.StructType([*df.schema.fields, *extra]))


def _sketches(sketched: DataFrame) -> DataFrame:
    """The sketch of each row alone: ``id`` (its ``ROW``) and the other
    columns of ``SKETCH_SCHEMA``."""
    return sketched.select(
        F.col(ROW).alias("id"), *(F.col(SKETCHED + f.name).alias(f.name) for f in SKETCH_SCHEMA.fields[1:])
    )


def templates(kept: DataFrame, options: dict) -> list[tuple[int, int]]:
    """The corpus templates, (key, kept documents), from the kept rows of
    ``sketch``: the shared lines in ``template_min_docs`` kept documents or
    more, less the sentences that stand in no block of template lines."""
    min_docs = _options(options).census_min_docs
    if min_docs is None:
        return []
    counts = kept.select(F.explode(SKETCHED + "shared_keys").alias("key")).groupBy("key").count()
    candidates = [(r["key"], r["count"]) for r in counts.where(F.col("count") >= min_docs).collect()]
    if not candidates:
        return []
    # Each kept document's sentence pairs, found by the sketch against the
    # shared lines, counted; those of the candidates are what counts.
    pairs = kept.select(F.explode(SKETCHED + "pairs").alias("p")).groupBy("p.sentence", "p.neighbour").count()
    counted = [(r["sentence"], r["neighbour"], r["count"]) for r in pairs.collect()]
    return _core.corpus_templates(candidates, counted)


def cut(kept: DataFrame, options: dict, corpus_templates: list[tuple[int, int]], text_field: str = "text") -> DataFrame:
    """The kept rows of ``sketch``, each with its text cut as the CLI cuts
    it (the core's ``plan::decide`` with the corpus templates), without
    ``ROW`` and the sketch."""
    held = kept.sparkSession.sparkContext.broadcast(corpus_templates)
    columns = [f for f in kept.schema.fields if f.name != ROW and not f.name.startswith(SKETCHED)]
    shared = SKETCHED + "shared" in kept.columns
    top, *inner = text_field.split(".")

    def run(batches):
        import pyarrow.compute as pc

        opts = _options(options)
        for batch in batches:
            text = _text(batch, text_field)
            docs = {"id": batch.column(ROW), "text": text, "local": batch.column(SKETCHED + "local")}
            if shared:
                docs["shared"] = batch.column(SKETCHED + "shared")
            docs = pa.record_batch(docs)
            new = pc.coalesce(_core.cut(docs, opts, held.value).column("text"), text)
            yield pa.RecordBatch.from_arrays(
                [_with_text(batch.column(f.name), inner, new) if f.name == top else batch.column(f.name) for f in columns],
                names=[f.name for f in columns],
            )

    return kept.mapInArrow(run, T.StructType(columns))


def shared_passages(kept: DataFrame, options: dict) -> DataFrame:
    """(``ROW``, shared) for each kept row of ``sketch`` that shares a passage
    with an earlier kept row: the passage records of the kept rows, grouped
    by key into groups of about ``GROUP_ROWS`` records (whole keys), each
    group given to the core's ``shared_passages``."""
    records = kept.select(F.col(ROW).alias("doc"), F.explode(SKETCHED + "passages").alias("p")).select("doc", "p.*")
    groups = max(1, records.count() // GROUP_ROWS)
    grouped = records.withColumn("_group", F.pmod(F.xxhash64("key"), F.lit(groups)))

    def run(table):
        return pa.Table.from_batches([_core.shared_passages(_one_batch(table), _options(options))])

    matches = grouped.groupBy("_group").applyInArrow(run, MATCHES_SCHEMA)
    return matches.groupBy(F.col("doc").alias(ROW)).agg(
        F.collect_list(F.struct(*SHARED_FIELDS)).alias(SKETCHED + "shared")
    )


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
    them: the core's ``resolve`` takes whole components, so they go to it
    in groups of about ``GROUP_ROWS`` documents (components hashed by
    label), one call a group rather than one a component."""
    groups = max(1, labels.count() // GROUP_ROWS)
    members = sketched.select("id", "exact", "judged", "bits", "band_keys").join(
        labels.withColumnRenamed("node", "id"), "id"
    )
    grouped = members.withColumn("_group", F.pmod(F.xxhash64("label"), F.lit(groups)))

    def run(table):
        return pa.Table.from_batches([_core.resolve(_one_batch(table), _options(options))])

    return grouped.groupBy("_group").applyInArrow(run, DROPPED_SCHEMA)


def resolve_on_driver(sketched: DataFrame, options: dict) -> DataFrame:
    """The dropped documents of the whole corpus, as ``resolve`` gives them,
    from one call of the core on the driver over every row of ``sketch``:
    no candidate edges, components or groups, and no shuffle."""
    table = sketched.select("id", "exact", "judged", "bits", "band_keys").toArrow()
    dropped = _core.resolve(_one_batch(table), _options(options))
    return sketched.sparkSession.createDataFrame(pa.Table.from_batches([dropped]), DROPPED_SCHEMA)


def _one_batch(table: pa.Table) -> pa.RecordBatch:
    """The columns of ``table`` (collected, or a group, in chunks) as one
    record batch, which the core's calls take; empty when ``table`` is."""
    columns = [table.column(i).combine_chunks() for i in range(table.num_columns)]
    return pa.RecordBatch.from_arrays(columns, schema=table.schema)


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
    # One job: the edges are collected, up to one more than the driver takes.
    table = edges.limit(driver_edges + 1).toArrow()
    if table.num_rows > driver_edges:
        return connected_components(edges, checkpoint_every)
    labels = _core.components(_one_batch(table))
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
    df: DataFrame,
    text_field: str = "text",
    id_field: str | None = None,
    options=None,
    checkpoint_every: int = 1,
    driver_documents: int = DRIVER_DOCUMENTS,
) -> tuple[DataFrame, DataFrame]:
    """``df`` cleaned as ``neardup clean`` cleans the same rows: each
    document, after the in-document rules and with the corpus's shared lines
    set aside, dropped as a copy of the most similar earlier kept document it
    shares a bucket with; repeats, corpus templates and boilerplate cut from
    the text of the documents kept.

    Returns ``(kept, dropped)``: the kept rows with every column of ``df``
    (the text cut), and the dropped rows with every column, then
    ``duplicate_of`` (the ``id_field`` of the kept document it copies; by
    default the options' ``id_field``, ``"id"``, when ``df`` has it, else
    null), ``duplicate_of_row`` (that document's place in the input),
    ``rule`` and ``similarity``.
    ``options`` are ``neardup.Options`` or a dict of them; ``containment``
    and ``index`` are refused (not yet done here). Up to ``driver_documents``
    documents are resolved on the driver (``resolve_on_driver``), more on
    the executors; the answer is the same."""
    opts = options.to_dict() if isinstance(options, _core.Options) else dict(options or {})
    opts["text_field"] = text_field
    checked = _options(opts)
    if checked.containment:
        raise _core.NeardupError("containment is not yet done by the Spark job; neardup clean and clean_table do it")
    if checked.index is not None:
        raise _core.NeardupError("the Spark job does not match against an index yet; neardup clean and clean_table do")
    _check_text_field(df.schema, text_field)
    id_field = id_field or checked.id_field
    if ROW not in df.columns:
        df = with_rows(df)
    docs = df.select(F.col(ROW).alias("id"), F.col(text_field).alias("text"))
    sketched = sketch(df, opts, shared_lines(docs, opts), text_field).cache()
    # Filled in one job: the stages after it read it at once, and would each
    # compute it again while it is not.
    documents = sketched.count()
    sketches = _sketches(sketched)
    if documents <= driver_documents:
        verdicts = resolve_on_driver(sketches, opts)
    else:
        labels = components(candidates(sketches), checkpoint_every=checkpoint_every)
        verdicts = resolve(sketches, labels, opts)
    verdicts = verdicts.select(
        F.col("id").alias(ROW), F.col("duplicate_of").alias("duplicate_of_row"), "rule", "similarity"
    ).cache()
    small = _hint(verdicts)
    columns = [c for c in df.columns if c != ROW]
    user_id = F.col(id_field) if id_field in columns else F.lit(None).cast("string")
    heads = sketched.select(F.col(ROW).alias("duplicate_of_row"), user_id.alias("duplicate_of")).join(
        small(verdicts.select("duplicate_of_row").distinct()), "duplicate_of_row"
    )
    dropped = (
        sketched.join(small(verdicts), ROW)
        .join(heads, "duplicate_of_row")
        .select(*columns, "duplicate_of", "duplicate_of_row", "rule", "similarity")
    )
    kept = sketched.join(small(verdicts.select(ROW)), ROW, "left_anti")
    corpus_templates = templates(kept, opts)
    if checked.remove_shared:
        shared = shared_passages(kept, opts).cache()
        kept = kept.join(_hint(shared)(shared), ROW, "left")
    return cut(kept, opts, corpus_templates, text_field), dropped


def _check_text_field(schema: T.StructType, text_field: str) -> None:
    """Refuses, before any job runs, a text field that ``schema`` lacks (a
    column, or a field inside struct columns: ``doc.body``) or that holds
    no strings, naming the fields there are."""
    where, fields = "the rows", schema
    for name in text_field.split("."):
        if not isinstance(fields, T.StructType) or name not in fields.names:
            there = ", ".join(f'"{n}"' for n in fields.names) if isinstance(fields, T.StructType) else "none"
            raise _core.NeardupError(
                f'no field "{name}" in {where} for the text field "{text_field}"; the fields there are {there}'
            )
        fields, where = fields[name].dataType, f'"{name}"'
    if not isinstance(fields, T.StringType):
        raise _core.NeardupError(f'the text field "{text_field}" holds {fields.simpleString()}, not strings')


def _hint(df: DataFrame):
    """How to join on ``df`` (cached) and what is drawn from it: sent to every
    executor when it has at most ``BROADCAST_ROWS`` rows, else shuffled."""
    return F.broadcast if df.count() <= BROADCAST_ROWS else (lambda d: d)


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
    import os

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
    # A local OUT is checked before Spark starts, so the refusal is at once.
    local = "://" not in args.out and not args.out.startswith("file:")
    if local and os.path.exists(args.out) and not args.overwrite:
        p.error(f"{args.out} exists; give --overwrite to replace it")
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
