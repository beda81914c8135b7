#!/usr/bin/env python3
"""Already-clean text: what `neardup clean` removes from corpora that hold no
boilerplate, BBC News and Reuters-21578, where it must remove next to nothing
but true copies and sign-offs.

For each corpus it cleans the whole of it with the given options and prints,
for the documents it keeps:

- headlines (titles) removed: the first line of a document cut;
- lines removed, by rule, apart from repeats inside a document (a
  paragraph given twice is a true copy) and, for Reuters, its "Reuter"
  sign-off (removed as a corpus template, as it should be);
- of those, lines of a table of figures (two numbers or more, or a figure
  and "vs"), which belong to the story;
- the sign-offs removed, and a sample of the other lines removed.

Reuters-21578 is read from its .sgm files into JSONL, one story a line: its
title, a blank line, its body (as a user would lay it out).

Usage:
  python3 benches/already_clean.py                      # both corpora beside the project
  python3 benches/already_clean.py --options "--no-body"

Needs a release build (`cargo build --release`).
"""

import argparse
import collections
import html
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ROOT.parent / "shared" / "corpora"
FIGURE = re.compile(r"\d[\d,.]*")


def reuters_jsonl(sgm_dir, out):
    n = 0
    with open(out, "w", encoding="utf-8") as f:
        for path in sorted(Path(sgm_dir).glob("*.sgm")):
            text = path.read_text(encoding="latin-1")
            for m in re.finditer(r'<REUTERS[^>]*NEWID="(\d+)"[^>]*>(.*?)</REUTERS>', text, re.S):
                body = re.search(r"<BODY>(.*?)</BODY>", m.group(2), re.S)
                if not body:
                    continue
                title = re.search(r"<TITLE>(.*?)</TITLE>", m.group(2), re.S)
                title = html.unescape(title.group(1)).strip() if title else ""
                story = html.unescape(body.group(1)).replace("\x03", "").rstrip()
                f.write(json.dumps({"id": m.group(1), "text": (title + "\n\n" if title else "") + story + "\n"}) + "\n")
                n += 1
    return n


def is_table_line(line):
    figures = FIGURE.findall(line)
    return len(figures) >= 2 or (len(figures) >= 1 and re.search(r"\bvs\b", line, re.I))


def report(name, report_path, sign_off=None):
    r = json.loads(Path(report_path).read_text(encoding="utf-8"))
    by_rule = collections.Counter()
    headlines = tables = sign_offs = 0
    sample = []
    for d in r["documents"]:
        if d["status"] != "kept":
            continue
        for span in d["removed"]:
            text = span["text"].strip()
            headlines += span["start"] == 0
            if span["kind"] == "repeated_paragraph":
                continue
            if sign_off and span["rule"] == "corpus_template" and sign_off.fullmatch(text):
                sign_offs += 1
                continue
            by_rule[span["rule"]] += 1
            for line in text.splitlines():
                tables += bool(is_table_line(line))
            if len(sample) < 40:
                sample.append(f"{d['id']}: {span['rule']}: {text[:90]!r}")
    s = r["summary"]
    print(f"## {name}: {s['documents']} documents, {s['documents_kept']} kept, {s['documents_dropped']} dropped")
    print(f"  headlines removed: {headlines}")
    print(f"  lines removed (apart from repeats{' and sign-offs' if sign_off else ''}): "
          f"{sum(by_rule.values())} {dict(by_rule)}")
    print(f"  table lines among them: {tables}")
    if sign_off:
        print(f"  sign-offs removed: {sign_offs}")
    for line in sample:
        print(f"    {line}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bbc", type=Path, default=CORPORA / "bbc-news")
    ap.add_argument("--reuters", type=Path, default=CORPORA / "reuters21578")
    ap.add_argument("--options", default="", help="extra neardup options")
    ap.add_argument("--neardup", default=str(ROOT / "target/release/neardup"))
    args = ap.parse_args()
    options = args.options.split()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        runs = []
        if args.bbc.exists():
            runs.append(("BBC News", args.bbc, None))
        if args.reuters.exists():
            jsonl = tmp / "reuters.jsonl"
            reuters_jsonl(args.reuters, jsonl)
            runs.append(("Reuters-21578", jsonl, re.compile(r"reuter\W*(\^m)?", re.I)))
        if not runs:
            sys.exit("neither corpus found beside the project (../shared/corpora)")
        for name, path, sign_off in runs:
            out = tmp / name.replace(" ", "_")
            cmd = [args.neardup, "clean", str(path), "--out", str(out), "--force", "-q", *options]
            proc = subprocess.run(cmd, capture_output=True, text=True)
            if proc.returncode != 0:
                sys.exit(f"{' '.join(cmd)} failed:\n{proc.stderr}")
            report(name, out / "report.json", sign_off)


if __name__ == "__main__":
    main()
