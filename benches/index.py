#!/usr/bin/env python3
"""The persistent index as dumps arrive: builds an index from a first dump,
then adds successive dumps to it, and prints for each step the wall time,
the time of `scan` of the same dump alone (no index: what deduplicating it
costs), the documents per second, the peak memory of the run (RSS, and apart its
anonymous and its file-backed part: the index's mapped pages), and the index's
documents, runs and bytes; at the end, the ratio of the slowest later dump's
time to the first added dump's (the index is meant to cost what the new dump
costs, not what the index holds).

Each dump is a corpus of its own from `neardup synth` over BBC News and
Reuters-21578 (a seed per dump, so the dumps share sentences but few
documents); the first dump is `--first` documents, the others `--dump` each,
until the index holds `--until` documents or more.

Usage:
  python3 benches/index.py                                  # 1M, then 100k dumps up to 5M
  python3 benches/index.py --first 200000 --dump 100000 --until 1000000
  python3 benches/index.py --options "--profile documents"  # options of every run
  python3 benches/index.py --compact-every 10               # `index compact` every 10 dumps
"""

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "corpora"


def resident(pid):
    """(anonymous, file-backed) resident MiB of process `pid` now, or None."""
    try:
        fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
        return tuple(int(fields[k].split()[0]) / 1024 for k in ("RssAnon", "RssFile"))
    except (OSError, KeyError, ValueError):
        return None


def run(cmd):
    """Runs `cmd`; gives (seconds, peak RSS in MiB, peak anonymous RSS in
    MiB, peak file-backed RSS in MiB). The file-backed part is mostly the
    index's mapped pages, which the kernel reclaims under pressure; the
    anonymous part is the run's own memory. Both are sampled every 20 ms."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    anon = mapped = 0.0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        now = resident(proc.pid)
        if now:
            anon, mapped = max(anon, now[0]), max(mapped, now[1])
        time.sleep(0.02)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{shlex.join(cmd)} failed")
    return seconds, usage.ru_maxrss / 1024, anon, mapped


def synth(neardup, docs, seed, out):
    sources = ["--source", str(SHARED / "bbc-news"), "--source", str(SHARED / "reuters21578")]
    subprocess.run(
        [neardup, "synth", "--docs", str(docs), "--seed", str(seed), "--out", str(out),
         "--truth", str(out) + ".truth", *sources],
        check=True, capture_output=True,
    )


def stats(neardup, index):
    out = subprocess.run([neardup, "index", "stats", str(index), "--json"], check=True, capture_output=True)
    return json.loads(out.stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--neardup", default=str(ROOT / "target/release/neardup"))
    ap.add_argument("--first", type=int, default=1_000_000)
    ap.add_argument("--dump", type=int, default=100_000)
    ap.add_argument("--until", type=int, default=5_000_000)
    ap.add_argument("--options", default="", help="extra options of every run, e.g. --profile documents")
    ap.add_argument("--compact-every", type=int, default=0, help="run `index compact` every N dumps (0: never)")
    ap.add_argument("--work", default=None, help="folder for the dumps and the index (a temporary one by default)")
    args = ap.parse_args()
    extra = shlex.split(args.options)

    with tempfile.TemporaryDirectory(dir=args.work) as work:
        work = Path(work)
        index = work / "index"
        print(f"{'step':>5} {'dump docs':>10} {'seconds':>8} {'alone s':>8} {'docs/s':>8} {'peak MiB':>9} {'anon MiB':>9} "
              f"{'mapped MiB':>10} {'indexed':>10} {'runs':>5} {'index MiB':>10}")
        step, seed, times = 0, 1, []
        while True:
            docs = args.first if step == 0 else args.dump
            dump = work / f"dump-{step}.jsonl"
            synth(args.neardup, docs, seed, dump)
            verb = "create" if step == 0 else "add"
            seconds, peak, anon, mapped = run([args.neardup, "index", verb, str(dump), str(index), "-q", *extra])
            # The same dump deduplicated alone, without the index: what adding
            # it should cost.
            alone = run([args.neardup, "scan", str(dump), "-q", *extra])[0] if step > 0 else seconds
            s = stats(args.neardup, index)
            dump.unlink()
            Path(str(dump) + ".truth").unlink()
            if step > 0:
                times.append(seconds)
            print(f"{step:>5} {docs:>10} {seconds:>8.2f} {alone:>8.2f} {docs / seconds:>8.0f} {peak:>9.0f} {anon:>9.0f} "
                  f"{mapped:>10.0f} {s['documents']:>10} {s['runs']:>5} {s['bytes'] / 2**20:>10.0f}", flush=True)
            if args.compact_every and step > 0 and step % args.compact_every == 0:
                seconds, peak, _, _ = run([args.neardup, "index", "compact", str(index)])
                print(f"      compact: {seconds:.2f} s, peak {peak:.0f} MiB", flush=True)
            step += 1
            seed += 1
            if s["documents"] >= args.until:
                break
        if len(times) > 1:
            print(f"slowest added dump / first added dump: {max(times[1:]) / times[0]:.2f}")


if __name__ == "__main__":
    main()
