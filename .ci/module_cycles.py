#!/usr/bin/env python3
"""Checks that no module of the library imports one that imports it back:
the top-level modules of crates/neardup/src and the `crate::` paths their
code uses (comments and tests left out) must form a graph without cycles.
Prints each cycle, with the files behind each of its edges, and exits 1."""

import collections
import pathlib
import re
import sys

SRC = pathlib.Path(__file__).resolve().parents[1] / "crates" / "neardup" / "src"


def graph() -> tuple[dict[str, set[str]], dict[tuple[str, str], set[str]]]:
    edges: dict[str, set[str]] = collections.defaultdict(set)
    files: dict[tuple[str, str], set[str]] = collections.defaultdict(set)
    for path in sorted(SRC.rglob("*.rs")):
        rel = path.relative_to(SRC)
        module = rel.parts[0].removesuffix(".rs")
        code = path.read_text().split("#[cfg(test)]")[0]
        code = "\n".join(line.split("//")[0] for line in code.splitlines())
        for used in re.findall(r"crate::([a-z_]+)", code):
            if used != module:
                edges[module].add(used)
                files[(module, used)].add(str(rel))
    return edges, files


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def main() -> int:
    edges, files = graph()
    found = cycles(edges)
    for component in found:
        print("modules that import each other:", ", ".join(component))
        for a in component:
            for b in sorted(edges[a] & set(component)):
                print(f"  {a} -> {b}: {', '.join(sorted(files[(a, b)]))}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
