#!/usr/bin/env python3
"""Parquet benchmark: `neardup clean --documents-only` on the same corpus as
JSON Lines and as Parquet, and peak memory on a large Parquet file.

1. Builds a generated corpus with `neardup synth` (100k documents by default,
   from the shared BBC and Reuters corpora when they are beside the project),
   writes it again as Parquet (pyarrow, snappy, row groups of --row-group-mb),
   then times `clean --documents-only` on each, alternating, --repeat times,
   and prints the median seconds, MB/s and peak RSS of each and their ratio.
   It checks that both runs keep the same documents with the same text.
2. With --big-gb > 0, writes a Parquet file of that many GB of text (the
   corpus repeated, each copy with new ids and one changed word per
   document, so that copies are near-duplicates) in row groups of
   --row-group-mb, and prints the peak RSS of cleaning it beside that of the
   corpus once: the reader holds one batch of rows, never a row group or the
   file.

Usage:
  python3 benches/parquet.py                       # 100k documents, 2 GB file
  python3 benches/parquet.py --docs 20000 --big-gb 0 --repeat 1

Needs a release build (`cargo build --release`), /usr/bin/time, and pyarrow
(installed with pip when missing).
"""

import argparse
import json
import re
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

try:
    import pyarrow as pa
    import pyarrow.parquet as pq
except ImportError:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "pyarrow"], check=True)
    import pyarrow as pa
    import pyarrow.parquet as pq


def run(cmd):
    """Runs a command under /usr/bin/time: (seconds, peak RSS MB, stdout)."""
    proc = subprocess.run(["/usr/bin/time", "-f", "wall %e peak-rss-kb %M", *cmd],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{proc.stderr}")
    m = re.search(r"wall ([\d.]+) peak-rss-kb (\d+)", proc.stderr)
    return float(m.group(1)), int(m.group(2)) / 1024, proc.stdout


def rows_per_group(table, mb):
    per_row = max(1, table.nbytes // max(1, table.num_rows))
    return max(1, int(mb * 1e6 // per_row))


def kept(path):
    """(id, text) of every kept document of a cleaned JSONL or Parquet file."""
    if path.suffix == ".parquet":
        t = pq.read_table(path, columns=["id", "text"])
        return list(zip(map(str, t.column("id").to_pylist()), t.column("text").to_pylist()))
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            out.append((str(r["id"]), r["text"]))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--row-group-mb", type=float, default=64)
    ap.add_argument("--big-gb", type=float, default=2.0)
    ap.add_argument("--neardup", default=str(ROOT / "target/release/neardup"))
    ap.add_argument("--work", default=str(ROOT / "target/parquet_bench"))
    args = ap.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)

    jsonl = work / f"synth-{args.docs}.jsonl"
    if not jsonl.exists():
        cmd = [args.neardup, "synth", "--docs", str(args.docs), "--seed", "1", "--out", str(jsonl),
               "--truth", str(work / f"synth-{args.docs}.truth")]
        for s in (ROOT.parent / "shared/corpora/bbc-news", ROOT.parent / "shared/corpora/reuters21578"):
            if s.exists():
                cmd += ["--source", str(s)]
        subprocess.run(cmd, check=True)
    table = pa.Table.from_pylist([json.loads(l) for l in open(jsonl, encoding="utf-8")])
    parquet = work / f"synth-{args.docs}.parquet"
    group = rows_per_group(table, args.row_group_mb)
    pq.write_table(table, parquet, compression="snappy", row_group_size=group)
    print(f"corpus: {args.docs:,} documents; JSONL {jsonl.stat().st_size / 1e6:,.0f} MB, "
          f"Parquet (snappy, {group:,} rows a group) {parquet.stat().st_size / 1e6:,.0f} MB\n")

    times = {"jsonl": [], "parquet": []}
    rss = {"jsonl": [], "parquet": []}
    text_mb = 0.0
    for _ in range(args.repeat):
        for kind, path in (("jsonl", jsonl), ("parquet", parquet)):
            out = work / f"out-{kind}"
            seconds, peak, said = run([args.neardup, "clean", str(path), "--out", str(out), "--force",
                                       "--documents-only", "-q"])
            times[kind].append(seconds)
            rss[kind].append(peak)
    said = subprocess.run([args.neardup, "clean", str(jsonl), "--out", str(work / "out-jsonl"), "--force",
                           "--documents-only"], capture_output=True, text=True, check=True).stdout
    text_mb = int(re.search(r"bytes: (\d+) in", said).group(1)) / 1e6
    same = kept(work / "out-jsonl" / jsonl.name) == kept(work / "out-parquet" / parquet.name)
    print("| input | median s | runs (s) | MB/s of text | peak RSS MB |\n|---|---:|---|---:|---:|")
    for kind in ("jsonl", "parquet"):
        m = statistics.median(times[kind])
        print(f"| {kind} | {m:.2f} | {', '.join(f'{t:.2f}' for t in times[kind])} | "
              f"{text_mb / m:,.0f} | {max(rss[kind]):,.0f} |")
    ratio = statistics.median(times["parquet"]) / statistics.median(times["jsonl"])
    print(f"\nParquet / JSONL time: {ratio:.3f} ({(ratio - 1) * 100:+.1f}%); "
          f"same documents kept with the same text: {same}")

    if args.big_gb > 0:
        big = work / f"big-{args.big_gb:g}gb.parquet"
        copies = max(1, int(args.big_gb * 1e9 // max(1, int(text_mb * 1e6))) + 1)
        if not big.exists():
            with pq.ParquetWriter(big, table.schema, compression="snappy") as w:
                texts = table.column("text").to_pylist()
                ids = table.column("id").to_pylist()
                for c in range(copies):
                    # One word changed per document: near, not exact, copies.
                    t = [s.replace(" the ", f" the{c} ", 1) for s in texts] if c else texts
                    chunk = pa.table({"id": [f"{i}-{c}" for i in ids], "text": t})
                    w.write_table(chunk, row_group_size=rows_per_group(chunk, args.row_group_mb))
        meta = pq.ParquetFile(big).metadata
        print(f"\nlarge file: {big.stat().st_size / 1e9:.2f} GB on disk, {meta.num_rows:,} rows, "
              f"{meta.num_row_groups} row groups of about {args.row_group_mb:g} MB")
        seconds, peak, said = run([args.neardup, "clean", str(big), "--out", str(work / "out-big"), "--force",
                                   "--documents-only"])
        big_mb = int(re.search(r"bytes: (\d+) in", said).group(1)) / 1e6
        print(f"| input | text MB | seconds | MB/s | peak RSS MB |\n|---|---:|---:|---:|---:|")
        print(f"| corpus once (Parquet) | {text_mb:,.0f} | {statistics.median(times['parquet']):.2f} | "
              f"{text_mb / statistics.median(times['parquet']):,.0f} | {max(rss['parquet']):,.0f} |")
        print(f"| large file | {big_mb:,.0f} | {seconds:.2f} | {big_mb / seconds:,.0f} | {peak:,.0f} |")


if __name__ == "__main__":
    main()
