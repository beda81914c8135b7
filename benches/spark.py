"""The Spark job against `neardup scan` on one corpus, on this machine.

    python benches/spark.py CORPUS.jsonl [--master local[2]] [--runs N]

Needs the `neardup` package with its `spark` extra installed (see the
README) and `target/release/neardup`. Prints the wall time of `neardup scan`,
of the Spark job (read, census, sketch, shuffle, verify, components,
templates, cut, write Parquet), of the Rust kernels alone on the same
documents (sketch and cut, in this process, one core),
and what the Spark job costs per document beyond the kernels. With
``--runs N`` the job runs N times in one session: the first pays for a
cold JVM (classes loaded, code not yet compiled) and the start of the
Python workers, the later ones show what a long job pays. With
``ND_EVENTLOG=DIR`` Spark writes its event log there (each job's and
stage's times).
"""

import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

import pyarrow as pa

import neardup
from neardup import spark as nds

ROOT = pathlib.Path(__file__).resolve().parents[1]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("corpus")
    p.add_argument("--master", default="local[2]")
    p.add_argument("--runs", type=int, default=1, help="run the job this many times in one session")
    args = p.parse_args()

    t = time.perf_counter()
    out = subprocess.run(
        [str(ROOT / "target/release/neardup"), "scan", args.corpus, "-q"], check=True, capture_output=True
    )
    cli = time.perf_counter() - t
    report = json.loads(out.stdout)
    docs = report["summary"]["documents"]
    cli_dropped = report["summary"]["documents_dropped"]

    # The kernels alone: the per-document stage of every document, and the
    # cut of each (as if every one were kept).
    texts, ids = [], []
    with open(args.corpus, encoding="utf-8") as f:
        for i, line in enumerate(f):
            if line.strip():
                texts.append(json.loads(line)["text"])
                ids.append(i)
    batch = pa.record_batch({"id": pa.array(ids, pa.int64()), "text": texts})
    options = neardup.Options()
    t = time.perf_counter()
    sketched = neardup.sketch(batch, options)
    local = pa.record_batch({"id": batch.column("id"), "text": batch.column("text"), "local": sketched.column("local")})
    neardup.cut(local, options, [])
    kernels = time.perf_counter() - t

    from pyspark.sql import SparkSession

    # Python workers run this interpreter, the one neardup is installed in.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

    spark = (
        SparkSession.builder.master(args.master)
        .appName("neardup-bench")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "4g")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.eventLog.enabled", os.environ.get("ND_EVENTLOG", "") != "")
        .config("spark.eventLog.dir", os.environ.get("ND_EVENTLOG", "/tmp"))
        .getOrCreate()
    )
    cores = spark.sparkContext.defaultParallelism
    jobs = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            df = nds.read_jsonl(spark, args.corpus)
            kept, dropped = nds.clean(df)
            dropped.write.parquet(f"{tmp}/dropped")
            kept.write.parquet(f"{tmp}/kept")
            job = time.perf_counter() - t
            jobs.append((job, spark.read.parquet(f"{tmp}/dropped").count()))
        spark.catalog.clearCache()
    spark.stop()

    print(f"documents                 {docs}")
    print(f"neardup scan              {cli:8.2f} s   ({cli_dropped} dropped)")
    print(f"Rust kernels, one core    {kernels:8.2f} s")
    for i, (job, spark_dropped) in enumerate(jobs):
        # The first run starts a cold JVM (classes loaded, code not yet
        # compiled) and Python workers; later ones show what a long job pays.
        run = "first run" if i == 0 else f"run {i + 1}"
        beyond = job - kernels / cores
        print(f"Spark job ({args.master}), {run}: {job:6.2f} s ({spark_dropped} dropped); beyond the kernels"
              f" {beyond:6.2f} s = {beyond / docs * 1e6:.0f} us a document on {cores} cores")


if __name__ == "__main__":
    main()
