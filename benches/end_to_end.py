#!/usr/bin/env python3
"""End-to-end benchmark: neardup on generated corpora with known duplicates.

For each size, builds a corpus with `neardup synth` (from the shared BBC and
Reuters corpora when they are beside the project, else from the bundled
sample; zstd-compressed from a million documents up), then runs `neardup scan`
and `neardup clean` on it and prints, per stage and in total: seconds, MB/s
and documents/s, the peak RSS of each run, the size of the report files
(report.json, report.html and the folder report.pages, in all and per
document), and the accuracy of the result against the truth (pairwise precision, recall, F1, adjusted Rand index, and
recall by true Jaccard).

Usage:
  python3 benches/end_to_end.py                          # 10k, 100k, 1M
  python3 benches/end_to_end.py --sizes 10000000 --commands scan
  python3 benches/end_to_end.py --sizes 2000 --quick     # what CI runs
  python3 benches/end_to_end.py --sizes 1000000 --report-compress   # report.json.zst
  # copies cut short, found by containment (recall by share kept):
  python3 benches/end_to_end.py --sizes 100000 --synth-options "--cut-rate 0.2" --options "--containment 0.9"
  # pages of 40 sites, each in its site's long template:
  python3 benches/end_to_end.py --sizes 20000 --synth-options "--sites 40 --cut-rate 0.3"

Needs a release build (`cargo build --release`) and /usr/bin/time.
"""

import argparse
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(cmd, summary_on_stderr):
    """Runs neardup under /usr/bin/time; returns (seconds, peak RSS MB, summary text)."""
    start = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-f", "peak-rss-kb %M", *cmd], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{proc.stderr}")
    rss = int(re.search(r"peak-rss-kb (\d+)", proc.stderr).group(1)) / 1024
    summary = proc.stderr if summary_on_stderr else proc.stdout
    return seconds, rss, summary


def report_files(json_path):
    """(name, bytes) of the files of the report at `json_path`: the JSON, the
    page beside it and the folder of its pages."""
    base = json_path.with_suffix("") if json_path.suffix == ".zst" else json_path
    pages = base.with_suffix(".pages")
    return [(json_path.name, json_path.stat().st_size),
            (base.with_suffix(".html").name, base.with_suffix(".html").stat().st_size),
            (pages.name + "/", sum(p.stat().st_size for p in pages.iterdir()))]


def stages(summary):
    """(name, seconds) for each stage line of neardup's summary."""
    return [(m.group(1).strip(), float(m.group(2)))
            for m in re.finditer(r"^    (\S.*?)\s+([\d.]+) s\s", summary, re.M)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--commands", default="scan,clean")
    ap.add_argument("--options", default="", help="extra neardup options, e.g. --documents-only")
    ap.add_argument("--synth-options", default="", help="extra neardup synth options, e.g. --sites 40 --cut-rate 0.2")
    ap.add_argument("--neardup", default=str(ROOT / "target/release/neardup"))
    ap.add_argument("--work", default=str(ROOT / "target/end_to_end"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--source", action="append")
    ap.add_argument("--quick", action="store_true", help="bundled sentences only, keep nothing (CI)")
    ap.add_argument("--report-compress", action="store_true", help="the report compressed (clean --report-compress, scan --report F.json.zst)")
    args = ap.parse_args()

    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    sources = args.source or ([] if args.quick else [
        str(p) for p in (ROOT.parent / "shared/corpora/bbc-news", ROOT.parent / "shared/corpora/reuters21578") if p.exists()])
    print(f"sources: {', '.join(sources) or 'bundled corpora/news-sample'}; options: {args.options or '(defaults)'}; "
          f"synth options: {args.synth_options or '(defaults)'}")
    synth_extra = args.synth_options.split()
    variant = "".join(f"-{x.lstrip('-')}" for x in synth_extra)
    for size in [int(s) for s in args.sizes.split(",")]:
        ext = ".jsonl.zst" if size >= 1_000_000 else ".jsonl"
        corpus = work / f"synth-{size}-{args.seed}{variant}{ext}"
        truth = work / f"synth-{size}-{args.seed}{variant}.truth"
        if not corpus.exists() or args.quick:
            cmd = [args.neardup, "synth", "--docs", str(size), "--seed", str(args.seed), "--out", str(corpus), "--truth", str(truth), *synth_extra]
            for s in sources:
                cmd += ["--source", s]
            subprocess.run(cmd, check=True)
        print(f"\n## {size:,} documents ({corpus.name}, {corpus.stat().st_size / 1e6:,.0f} MB on disk)\n")
        extra = args.options.split()
        report = work / f"report-{size}.json{'.zst' if args.report_compress else ''}"
        for command in args.commands.split(","):
            if command == "scan":
                cmd = [args.neardup, "scan", str(corpus), "--report", str(report), "--verbose", *extra]
                seconds, rss, summary = run(cmd, summary_on_stderr=True)
            else:
                out = work / f"clean-{size}"
                compress = ["--report-compress"] if args.report_compress else []
                cmd = [args.neardup, "clean", str(corpus), "--out", str(out), "--force", "--verbose", *compress, *extra]
                seconds, rss, summary = run(cmd, summary_on_stderr=False)
                report = out / ("report.json.zst" if args.report_compress else "report.json")
            mb = int(re.search(r"bytes: (\d+) in", summary).group(1)) / 1e6
            print(f"### neardup {command}: {seconds:.2f} s wall, {mb / seconds:.0f} MB/s, "
                  f"{size / seconds:,.0f} documents/s, peak RSS {rss:,.0f} MB\n")
            files = report_files(report)
            total = sum(b for _, b in files)
            print(f"report files: {total / 1e6:,.1f} MB, {total / size:,.0f} bytes/document ("
                  + ", ".join(f"{n} {b / 1e6:,.1f} MB" for n, b in files) + ")\n")
            print("| stage | seconds | MB/s | documents/s |\n|---|---:|---:|---:|")
            for name, s in stages(summary):
                rate = (f"{mb / s:,.0f}", f"{size / s:,.0f}") if s > 0 else ("-", "-")
                print(f"| {name} | {s:.2f} | {rate[0]} | {rate[1]} |")
            print()
        evaluation = subprocess.run([args.neardup, "eval", "--truth", str(truth), str(report)],
                                    capture_output=True, text=True, check=True).stdout
        print("accuracy (`neardup eval`):\n```\n" + evaluation.rstrip() + "\n```")
        if args.quick:
            shutil.rmtree(work)
            work.mkdir(parents=True)


if __name__ == "__main__":
    main()
