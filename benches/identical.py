#!/usr/bin/env python3
"""Byte-identical outputs of two builds: a speed change must not change one
output byte. Runs `clean` (and `scan --documents-only`) with each of two
`neardup` binaries on the sample, BBC News, Reuters-21578 (as JSONL, one story
a line), WCXB and, when given, a generated corpus; then compares the SHA-256
of every file each run wrote (cleaned copies, report.json, report.html,
summary.json, removed.jsonl.zst) and prints one line per
corpus. Exits 1 when any file differs.

Usage:
  python3 benches/identical.py --before OLD/neardup --after target/release/neardup \
      [--corpus /tmp/synth100k.jsonl] [--threads 2]
  python3 benches/identical.py --before target/release/neardup --quick   # the sample only

Build the earlier binary from its commit in a worktree of its own, e.g.
`git worktree add /tmp/old COMMIT && cargo build --release -p neardup-cli`
there.
"""

import argparse
import hashlib
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from already_clean import CORPORA, ROOT, reuters_jsonl  # noqa: E402


def digests(folder):
    """SHA-256 of every file under `folder`, by relative path."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(Path(folder).rglob("*"))
        if p.is_file()
    }


def run(neardup, args, out):
    if args[0] == "clean":
        cmd = [str(neardup), *args, "--out", str(out), "--force"]
    else:
        out.mkdir()
        cmd = [str(neardup), *args, "--report", str(out / "report.json")]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{done.stderr}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--before", required=True, help="the earlier neardup binary")
    ap.add_argument("--after", default=str(ROOT / "target/release/neardup"), help="the new neardup binary")
    ap.add_argument("--corpus", action="append", default=[], help="another corpus (file or folder); repeatable")
    ap.add_argument("--threads", default="2")
    ap.add_argument("--quick", action="store_true", help="the sample only (CI runs it so that the script does not rot)")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="neardup-identical-") as tmp:
        tmp = Path(tmp)
        inputs = [("sample", ROOT / "corpora/news-sample")]
        shared = not args.quick
        if shared and (CORPORA / "bbc-news").exists():
            inputs.append(("bbc-news", CORPORA / "bbc-news"))
        if shared and (CORPORA / "reuters21578").exists():
            jsonl = tmp / "reuters.jsonl"
            reuters_jsonl(CORPORA / "reuters21578", jsonl)
            inputs.append(("reuters", jsonl))
        if shared and (CORPORA / "wcxb-articles/dump").exists():
            inputs.append(("wcxb", CORPORA / "wcxb-articles/dump"))
        inputs += [(Path(c).name, Path(c)) for c in args.corpus]

        differ = False
        print(f"{'corpus':<22} {'command':<24} {'files':>7}  result")
        for name, path in inputs:
            for command in (["clean"], ["scan", "--documents-only"]):
                label = " ".join(command)
                sums = []
                for side, binary in (("before", args.before), ("after", args.after)):
                    out = tmp / f"{name}-{command[0]}-{side}"
                    run(binary, [*command, str(path), "--on-error", "skip", "--threads", args.threads], out)
                    sums.append(digests(out))
                    subprocess.run(["rm", "-rf", str(out)], check=True)
                before, after = sums
                changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
                differ |= bool(changed)
                result = "identical" if not changed else f"DIFFER: {', '.join(changed[:5])}"
                print(f"{name:<22} {label:<24} {len(after):>7}  {result}", flush=True)
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
