#!/usr/bin/env python3
"""neardup against its Python peers on one generated corpus with known duplicates.

Builds (or reuses) a corpus with `neardup synth`, installs datasketch 2.x and
rensa 0.5.x into a virtual environment of its own, then runs each tool the way
its documentation shows, with the same parameters: 128 permutations, word
5-grams, threshold 0.8.

  neardup     `neardup scan CORPUS --report R` (everything it does, all cores)
  neardup-clean   `neardup clean CORPUS --out DIR`: the same, and the
              cleaned copies, restore log and report written
  neardup-documents-only   the same with --documents-only: near-duplicate
              documents only, what the peers do
  rensa       RMinHashDeduplicator(threshold=0.8, num_perm=128, use_lsh=True)
              .add_pairs((id, shingles) for each document)
  datasketch  MinHash(num_perm=128).update_batch(shingles) per document;
              MinHashLSH(threshold=0.8, num_perm=128): query, insert if new

Python peers get word 5-grams of the lower-cased, whitespace-split text. Each
tool runs in its own process; the table gives wall time (reading the JSONL
included), documents/s, MB/s, peak RSS (the process's maximum resident set),
and pairwise precision, recall and F1 against the truth, scored by
`neardup eval` on a report each peer writes in neardup's format. Finding which
kept document a rensa duplicate matches is done after its clock stops.

Usage: python3 benches/peers.py [--docs 100000] [--tools neardup,rensa,datasketch]
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEERS = ["datasketch>=2,<3", "rensa>=0.5,<0.6"]


def shingles(text):
    words = text.lower().split()
    if len(words) < 5:
        return [" ".join(words)] if words else []
    return [" ".join(words[i : i + 5]) for i in range(len(words) - 4)]


def documents(corpus):
    with open(corpus, encoding="utf-8") as f:
        for i, line in enumerate(f):
            d = json.loads(line)
            yield i, d["id"], d["text"]


def write_report(path, ids, twin_of):
    """A report in neardup's format: one document per line."""
    with open(path, "w", encoding="utf-8") as out:
        out.write('{"format":"peer-report","documents":[\n')
        for i, doc_id in enumerate(ids):
            entry = {"index": i, "id": doc_id, "status": "kept"}
            if i in twin_of:
                entry = {"index": i, "id": doc_id, "status": "dropped", "duplicate_of": {"id": twin_of[i]}}
            out.write(json.dumps(entry) + (",\n" if i + 1 < len(ids) else "\n"))
        out.write("]}\n")


def run_datasketch(corpus, report):
    from datasketch import MinHash, MinHashLSH

    start = time.perf_counter()
    lsh = MinHashLSH(threshold=0.8, num_perm=128)
    ids, index_of, twin_of = [], {}, {}
    for i, doc_id, text in documents(corpus):
        ids.append(doc_id)
        m = MinHash(num_perm=128)
        m.update_batch(s.encode("utf-8") for s in shingles(text))
        found = lsh.query(m)
        if found:
            twin_of[i] = min(found, key=index_of.__getitem__)
        else:
            index_of[doc_id] = i
            lsh.insert(doc_id, m)
    seconds = time.perf_counter() - start
    write_report(report, ids, twin_of)
    return seconds


def run_rensa(corpus, report):
    from rensa import RMinHash, RMinHashDeduplicator

    start = time.perf_counter()
    ids, texts = [], []
    dedup = RMinHashDeduplicator(threshold=0.8, num_perm=128, use_lsh=True)

    def pairs():
        for _, doc_id, text in documents(corpus):
            ids.append(doc_id)
            texts.append(text)
            yield doc_id, shingles(text)

    keep = dedup.add_pairs(pairs())
    seconds = time.perf_counter() - start
    # Not timed: which kept document each duplicate matches, for scoring.
    index_of = {doc_id: i for i, doc_id in enumerate(ids)}
    twin_of = {}
    for i, kept in enumerate(keep):
        if not kept:
            m = RMinHash(num_perm=128, seed=42)
            m.update(shingles(texts[i]))
            found = [k for k in dedup.get_duplicates(m) if index_of[k] < i]
            twin_of[i] = min(found, key=index_of.__getitem__) if found else ids[i]
    write_report(report, ids, twin_of)
    return seconds


def measured(cmd):
    """Runs cmd; returns (wall seconds, stdout, stderr)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = proc.communicate()
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{' '.join(map(str, cmd))} failed:\n{err}")
    return seconds, out, err


def peak_rss_mb():
    """This process's peak resident set, in MB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def evaluate(neardup, truth, report):
    out = subprocess.run([neardup, "eval", "--truth", truth, report], capture_output=True, text=True, check=True).stdout
    row = next(l for l in out.splitlines() if l.startswith("all documents"))
    _, _, docs, p, r, f1, ari = row.split()
    return float(p), float(r), float(f1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--tools", default="neardup,neardup-clean,neardup-documents-only,rensa,datasketch")
    ap.add_argument("--neardup", default=str(ROOT / "target/release/neardup"))
    ap.add_argument("--work", default=str(ROOT / "target/peers"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--source", action="append", help="sentence sources for synth (default: the shared BBC and Reuters corpora if present)")
    ap.add_argument("--run", nargs=3, metavar=("TOOL", "CORPUS", "REPORT"), help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.run:
        tool, corpus, report = args.run
        seconds = {"datasketch": run_datasketch, "rensa": run_rensa}[tool](corpus, report)
        print(json.dumps({"seconds": seconds, "peak_rss_mb": peak_rss_mb()}))
        return

    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    venv = work / "venv"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", *PEERS], check=True)
    versions = subprocess.run(
        [str(python), "-c", "import importlib.metadata as m; print(m.version('datasketch'), m.version('rensa'))"],
        capture_output=True, text=True, check=True).stdout.split()

    corpus = work / f"corpus-{args.docs}-{args.seed}.jsonl"
    truth = work / f"corpus-{args.docs}-{args.seed}.truth"
    if not corpus.exists():
        sources = args.source or [str(p) for p in (ROOT.parent / "shared/corpora/bbc-news", ROOT.parent / "shared/corpora/reuters21578") if p.exists()]
        cmd = [args.neardup, "synth", "--docs", str(args.docs), "--seed", str(args.seed), "--out", str(corpus), "--truth", str(truth)]
        for s in sources:
            cmd += ["--source", s]
        subprocess.run(cmd, check=True)
    size = corpus.stat().st_size

    rows = []
    for tool in args.tools.split(","):
        report = work / f"{tool}-{args.docs}.report.json"
        if tool.startswith("neardup"):
            if tool == "neardup-clean":
                out = work / f"clean-{args.docs}"
                report = out / "report.json"
                run = ["clean", str(corpus), "--out", str(out), "--force"]
            else:
                only = ["--documents-only"] if tool == "neardup-documents-only" else []
                run = ["scan", str(corpus), "--report", str(report), *only]
            cmd = ["/usr/bin/time", "-f", "%M", args.neardup, *run, "--quiet"]
            seconds, _, err = measured(cmd)
            rss = int(err.strip().splitlines()[-1]) / 1024
        else:
            _, out, _ = measured([str(python), __file__, "--run", tool, str(corpus), str(report)])
            stats = json.loads(out)
            seconds, rss = stats["seconds"], stats["peak_rss_mb"]
        p, r, f1 = evaluate(args.neardup, str(truth), str(report))
        rows.append((tool, seconds, args.docs / seconds, size / seconds / 1e6, rss, p, r, f1))
        print(f"  {tool}: {seconds:.1f} s", file=sys.stderr)

    print(f"\n{args.docs} documents, {size / 1e6:.0f} MB (neardup synth --seed {args.seed}); "
          f"datasketch {versions[0]}, rensa {versions[1]}; {os.cpu_count()} cores\n")
    print("| tool | seconds | docs/s | MB/s | peak RSS MB | precision | recall | F1 |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for tool, s, dps, mbs, rss, p, r, f1 in rows:
        print(f"| {tool} | {s:.1f} | {dps:,.0f} | {mbs:.1f} | {rss:,.0f} | {p:.4f} | {r:.4f} | {f1:.4f} |")
    base = {r[0]: r[2] for r in rows}
    print()
    for ours in ("neardup", "neardup-clean", "neardup-documents-only"):
        for peer in ("rensa", "datasketch"):
            if ours in base and peer in base:
                print(f"{ours} / {peer}: {base[ours] / base[peer]:.1f}x documents/s")


if __name__ == "__main__":
    main()
