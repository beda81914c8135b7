#!/usr/bin/env python3
"""How fast the report page opens and answers, in headless Chromium.

Opens a `report.html` (written by `neardup clean` or `scan`) at each of its
views: the summary, the document list (all documents loaded, sorted), the
clusters, one document, and a text search for a phrase of one document's
text. Each view is opened `--runs` times in a fresh browser; the figure is
the median wall time of the browser run less the median of the same
browser opening a blank page (its start and exit), so it is the page's own
time. Also prints what the first view loads (report.html alone) and the
size of the pages folder, and the time the page itself measured for the
search.

Usage:
  python3 benches/report_page.py OUT/report.html --phrase-from CORPUS.jsonl [--doc N] [--runs 3]
"""

import argparse
import json
import re
import statistics
import subprocess
import tempfile
import time
import urllib.parse
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"


def open_page(url):
    """Wall seconds of one headless Chromium run on `url`, and its DOM."""
    with tempfile.TemporaryDirectory() as profile:
        start = time.perf_counter()
        dom = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--virtual-time-budget=60000", f"--user-data-dir={profile}", "--dump-dom", url],
            capture_output=True, text=True, check=True).stdout
        return time.perf_counter() - start, dom


def median_time(url, runs, check=None):
    times = []
    for _ in range(runs):
        seconds, dom = open_page(url)
        if check is not None and not check(dom):
            raise SystemExit(f"{url}: the page did not finish or had errors")
        times.append(seconds)
    return statistics.median(times), dom


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("page", type=Path)
    ap.add_argument("--phrase-from", type=Path, required=True, help="the JSONL corpus the report is of")
    ap.add_argument("--doc", type=int, default=None, help="the document whose phrase is searched (default: the first dropped one)")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()

    page = args.page.resolve()
    pages = page.with_suffix(".pages")
    meta = json.loads(re.search(r'<script type="application/json" id="nd-meta">(.*?)</script>',
                                page.read_text(), re.S).group(1))
    n = meta["pages"]["documents"]
    doc = args.doc
    if doc is None:
        doc = next(c["members"][0][0] for c in meta["largest_clusters"])
    with open(args.phrase_from) as f:
        for i, line in enumerate(f):
            if i == doc:
                words = json.loads(line)["text"].split()
                break
    phrase = " ".join(words[len(words) // 2: len(words) // 2 + 6])
    print(f"{page} ({n:,} documents): report.html {page.stat().st_size / 1e6:.2f} MB (all the first view loads), "
          f"{pages.name}/ {sum(p.stat().st_size for p in pages.iterdir()) / 1e6:,.1f} MB in "
          f"{sum(1 for _ in pages.iterdir()):,} files")

    def ok(dom):
        return 'data-ready="1"' in dom and 'data-errors="0"' in dom

    with tempfile.NamedTemporaryFile("w", suffix=".html") as blank:
        blank.write("<!DOCTYPE html><title>blank</title>")
        blank.flush()
        base, _ = median_time(f"file://{blank.name}", args.runs)
    print(f"browser start and exit (blank page): {base:.2f} s, subtracted below\n")
    print("| view | seconds |\n|---|---:|")
    url = f"file://{page}"
    views = [("summary", ""), ("document list, sorted by bytes removed", "#documents?sort=-bytes_removed"),
             ("clusters", "#clusters"), (f"document {doc}", f"#doc={doc}"),
             (f"search \"{phrase}\"", "#search?" + urllib.parse.urlencode({"q": phrase}))]
    for name, hash_ in views:
        seconds, dom = median_time(url + hash_, args.runs, ok)
        print(f"| {name} | {max(0.0, seconds - base):.2f} |")
        if hash_.startswith("#search"):
            count = re.search(r'data-testid="search-count">([^<]*)<', dom).group(1)
            found = f'data-hit="{doc}"' in dom
            searched = (name, count, found)
    print(f"\nsearch: the page says \"{searched[1]}\"; document {doc} {'found' if searched[2] else 'NOT found'}")


if __name__ == "__main__":
    main()
