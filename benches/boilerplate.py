#!/usr/bin/env python3
"""Boilerplate benchmark: how well `neardup clean` keeps the article and drops
the rest, on a folder of page dumps with a gold file, and what it costs.

The gold file maps each dump's file name to `main_content` (the article's
text, reviewed by a person), `with` (snippets that must survive) and `without`
(boilerplate snippets that must not), as in the WCXB development set. Scores:

- token precision, recall and F1 of each cleaned page against its
  `main_content` (multisets of lower-cased word tokens), averaged over the
  pages whose `main_content` is not empty;
- `with` kept and `without` removed: a snippet counts as present when its
  word-token sequence occurs in the page's token sequence. Snippets absent
  from the input dump itself (a drop cap split from its word, text the
  scraper never saw) are left out of both rates, since no line-level cleaner
  can keep or remove them; their number is printed;
- headlines kept: of the pages whose first line is a title ("Headline |
  Site") that a later line above the article repeats (the page's headline,
  which the gold's `main_content` mostly leaves out), how many keep that
  line;
- throughput: the best of `--repeat` runs of `clean` with boilerplate
  detection on, and with `--no-boilerplate`, and their ratio, on a corpus of
  `--speed-docs` documents that `neardup synth` builds from the dump's lines
  (a dump of a few hundred pages runs too briefly to time).

Usage:
  python3 benches/boilerplate.py --dump ../shared/corpora/wcxb-articles/dump \\
      --gold ../shared/corpora/wcxb-articles/gold.json
  python3 benches/boilerplate.py ... --options "--keep-boilerplate"
  python3 benches/boilerplate.py ... --folds 5 --speed-docs 0

`--folds K` also prints the scores of K disjoint folds of the pages (split by
a CRC-32 of each file name, so the folds are the same in every run): a rule
or constant that holds up only on the pages it was looked at on shows as a
gain in some folds and a loss in others. `--speed-docs 0` skips the timing.

Needs a release build (`cargo build --release`).
"""

import argparse
import collections
import json
import re
import subprocess
import sys
import tempfile
import time
import unicodedata
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORD = re.compile(r"\w+")


def words(text):
    return WORD.findall(unicodedata.normalize("NFKC", text).lower())


def token_prf(text, gold):
    a, b = collections.Counter(words(text)), collections.Counter(words(gold))
    inter = sum((a & b).values())
    p = inter / max(1, sum(a.values()))
    r = inter / max(1, sum(b.values()))
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def seq(text):
    return " " + " ".join(words(text)) + " "


def snippet_counts(snippets, src, dst, survive):
    """(snippets that did what they should, snippets present in the input,
    snippets absent from it), for snippets that must `survive` or go."""
    ok = present = absent = 0
    for s in snippets:
        t = seq(s)
        if t not in src:
            absent += 1
            continue
        present += 1
        ok += (t in dst) == survive
    return ok, present, absent


def fold_of(name, folds):
    """The fold of page `name`, from a CRC-32 of its name."""
    return zlib.crc32(name.encode("utf-8")) % folds


def score(gold, dump, cleaned, fold=None):
    """Mean P/R/F1 and snippet counts of the cleaned folder, over the pages of
    `fold` (a (fold, folds) pair) or all of them."""
    p = r = f = 0.0
    pages = 0
    kept = present = removed = present_without = absent = 0
    for name, g in sorted(gold.items()):
        if fold is not None and fold_of(name, fold[1]) != fold[0]:
            continue
        original = (dump / name).read_text(encoding="utf-8", errors="replace")
        out = cleaned / name
        text = out.read_text(encoding="utf-8", errors="replace") if out.exists() else ""
        if g["main_content"].strip():
            pp, rr, ff = token_prf(text, g["main_content"])
            p, r, f, pages = p + pp, r + rr, f + ff, pages + 1
        src, dst = seq(original), seq(text)
        k, n, a = snippet_counts(g.get("with", []), src, dst, survive=True)
        kept, present, absent = kept + k, present + n, absent + a
        k, n, a = snippet_counts(g.get("without", []), src, dst, survive=False)
        removed, present_without, absent = removed + k, present_without + n, absent + a
    return {
        "pages": pages,
        "P": p / max(1, pages), "R": r / max(1, pages), "F1": f / max(1, pages),
        "with": (kept, present), "without": (removed, present_without), "absent": absent,
    }


TITLE_SUFFIX = re.compile(r" [|\-–—:] ")


def headlines(dump, cleaned, gold):
    """(headlines kept, headlines): a page's headline is the last line above
    its article (the first line of 8 words or more of `main_content`) that
    repeats its title line, the first line less a " | Site" suffix."""
    kept = total = 0
    for name, g in sorted(gold.items()):
        lines = [l.strip() for l in (dump / name).read_text(encoding="utf-8", errors="replace")
                 .split("\n") if l.strip()]
        if len(lines) < 3:
            continue
        title = seq(TITLE_SUFFIX.split(lines[0])[0])
        article = seq(g["main_content"])
        start = next((i for i, l in enumerate(lines) if len(words(l)) >= 8 and seq(l) in article), None)
        above = [i for i in range(1, start or 0) if seq(lines[i]) == title]
        if len(title.split()) < 2 or not above:
            continue
        out = cleaned / name
        left = set(l.strip() for l in out.read_text(encoding="utf-8", errors="replace").split("\n")) \
            if out.exists() else set()
        total += 1
        kept += lines[above[-1]] in left
    return kept, total


def clean(neardup, dump, out, options):
    start = time.perf_counter()
    cmd = [neardup, "clean", str(dump), "--out", str(out), "--force", "--quiet", *options]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{proc.stderr}")
    return time.perf_counter() - start


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dump", required=True, type=Path)
    ap.add_argument("--gold", required=True, type=Path)
    ap.add_argument("--options", default="", help="extra neardup options")
    ap.add_argument("--repeat", type=int, default=5, help="runs per timing (best is kept)")
    ap.add_argument("--speed-docs", type=int, default=100000, help="documents of the timing corpus")
    ap.add_argument("--folds", type=int, default=0, help="also score this many folds of the pages")
    ap.add_argument("--neardup", default=str(ROOT / "target/release/neardup"))
    args = ap.parse_args()
    gold = json.loads(args.gold.read_text(encoding="utf-8"))
    options = args.options.split()
    size = sum(p.stat().st_size for p in args.dump.iterdir() if p.is_file())

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        runs = {}
        folds = {}
        for label, opts in [("boilerplate on", options), ("--no-boilerplate", ["--no-boilerplate"])]:
            out = tmp / label.strip("-").replace(" ", "_")
            clean(args.neardup, args.dump, out, opts)
            runs[label] = score(gold, args.dump, out)
            if label == "boilerplate on":
                folds = {k: score(gold, args.dump, out, (k, args.folds)) for k in range(args.folds)}
                heads = headlines(args.dump, out, gold)
        uncleaned = score(gold, args.dump, args.dump)

        seconds = {}
        if args.speed_docs > 0:
            corpus = tmp / "speed.jsonl"
            subprocess.run([args.neardup, "synth", "--source", str(args.dump), "--docs",
                            str(args.speed_docs), "--out", str(corpus), "--truth",
                            str(tmp / "speed.truth")], check=True, capture_output=True)
            mb = corpus.stat().st_size / 1e6
            for label, opts in [("boilerplate on", options), ("--no-boilerplate", ["--no-boilerplate"])]:
                seconds[label] = min(clean(args.neardup, corpus, tmp / "speed_out", opts)
                                     for _ in range(args.repeat))

    print(f"{len(gold)} pages, {size / 1e6:.1f} MB, options: {' '.join(options) or '(defaults)'}")
    print(f"{'':<18} {'P':>6} {'R':>6} {'F1':>6} {'with kept':>17} {'without removed':>17}")
    rows = [("uncleaned input", uncleaned)] + list(runs.items())
    rows += [(f"  fold {k} ({s['pages']} pp)", s) for k, s in folds.items()]
    for label, s in rows:
        (k, n), (rm, m) = s["with"], s["without"]
        print(f"{label:<18} {s['P']:6.3f} {s['R']:6.3f} {s['F1']:6.3f} "
              f"{k:>5}/{n:<5} {k / max(1, n):5.3f} {rm:>5}/{m:<5} {rm / max(1, m):5.3f}")
    print(f"snippets absent from the input, left out: {uncleaned['absent']}")
    print(f"headlines kept (lines above the article that repeat the title line): "
          f"{heads[0]}/{heads[1]}")
    if not seconds:
        return
    print(f"\nthroughput of clean, best of {args.repeat}, on {args.speed_docs} documents "
          f"({mb:.0f} MB) built by neardup synth from the dump:")
    for label, t in seconds.items():
        print(f"  {label:<18} {t:7.2f} s {mb / t:7.1f} MB/s {args.speed_docs / t:9.0f} docs/s")
    on, off = seconds["boilerplate on"], seconds["--no-boilerplate"]
    print(f"  time with boilerplate detection / without: {on / off:.2f}")


if __name__ == "__main__":
    main()
