#!/usr/bin/env python3
"""Checks that the command (neardup-cli) and the Python module (neardup-py)
build the crates they share with the same features, so that maturin's build
of the module reuses what `cargo build --release` compiled. Prints each
crate whose features differ and exits 1; crates/neardup-features is where
to even them out."""

import subprocess
import sys


def features(package: str) -> dict[str, set[str]]:
    out = subprocess.run(
        ["cargo", "tree", "-p", package, "-e", "normal,build", "--prefix", "none", "-f", "{p} [{f}]"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    found: dict[str, set[str]] = {}
    for line in out.splitlines():
        if "[" not in line:
            continue
        name = line.split(" [")[0].split(" (")[0]
        listed = line[line.index("[") + 1 : line.rindex("]")]
        found.setdefault(name, set()).update(f for f in listed.split(",") if f)
    return found


def main() -> int:
    cli, py = features("neardup-cli"), features("neardup-py")
    differ = [(k, sorted(cli[k] - py[k]), sorted(py[k] - cli[k])) for k in sorted(cli.keys() & py.keys()) if cli[k] != py[k]]
    for name, only_cli, only_py in differ:
        print(f"{name}: only for the command {only_cli}, only for Python {only_py}")
    if not differ:
        print(f"the command and the Python module share {len(cli.keys() & py.keys())} crates, with the same features")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
