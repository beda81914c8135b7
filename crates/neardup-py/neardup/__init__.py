"""neardup: near-duplicate detection and deduplication, the Rust core for Python.

``clean_table`` cleans a table in memory (a ``pyarrow.Table``, a pandas
``DataFrame`` or a Hugging Face ``datasets.Dataset``); ``clean`` and ``scan``
do what the ``neardup`` command does on files and folders. ``Options`` are
the command's options, by the same names, with the same defaults, checked by
the same code. Every call releases the GIL while it works, raises
``NeardupError`` (a ``ValueError``) naming the file and line on bad input,
and stops on Ctrl-C, removing what it had begun to write.

The kernels ``template_keys``, ``sketch``, ``similarity``, ``resolve``,
``corpus_templates``, ``shared_passages`` and ``cut`` take and give Arrow
record batches; ``neardup.spark`` runs the whole cleaning on Apache Spark
with them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from neardup._core import (
    NeardupError,
    Options,
    corpus_templates,
    cut,
    resolve,
    shared_passages,
    similarity,
    sketch,
    template_keys,
)
from neardup import _core

__all__ = [
    "Cleaned",
    "NeardupError",
    "Options",
    "clean",
    "clean_table",
    "corpus_templates",
    "cut",
    "resolve",
    "scan",
    "shared_passages",
    "similarity",
    "sketch",
    "template_keys",
]


def _options(options: Options | dict | None) -> Options:
    if options is None:
        return Options()
    if isinstance(options, dict):
        return Options(**options)
    return options


def _paths(paths) -> list[str]:
    import os

    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    return [os.fspath(p) for p in paths]


def clean(paths, out, options: Options | dict | None = None, *, force=False, annotate=False, dropped=None, report_compress=False) -> dict:
    """Cleans the files and folders ``paths`` into the folder ``out``, as
    ``neardup clean`` does (``report_compress`` is ``--report-compress``);
    returns the summary (what ``summary.json`` holds) as a dict."""
    import os

    return json.loads(
        _core.clean(
            _paths(paths),
            os.fspath(out),
            _options(options),
            force=force,
            annotate=annotate,
            dropped=None if dropped is None else os.fspath(dropped),
            report_compress=report_compress,
        )
    )


def scan(paths, options: Options | dict | None = None, *, report=None, dropped=None, summary=None) -> dict:
    """Scans ``paths`` as ``neardup scan`` does: the report goes to the file
    ``report`` (compressed when it ends in .zst; report.html and report.pages
    beside it) when given, the dropped documents
    and the totals to ``dropped`` and ``summary`` when given; returns the
    summary as a dict."""
    import os

    fs = lambda p: None if p is None else os.fspath(p)  # noqa: E731
    return json.loads(
        _core.scan(_paths(paths), _options(options), report=fs(report), dropped=fs(dropped), summary=fs(summary))
    )


@dataclass
class Cleaned:
    """What ``clean_table`` gives, in the kind of table it was given."""

    kept: Any
    """The kept rows, in order, with every column; the text column holds what was kept of each text."""
    dropped: Any
    """The rows not kept, in order, with every column as it was, then ``duplicate_of`` (the id of the
    kept document it copies), ``duplicate_of_row`` (that document's row, from 0), ``rule`` and
    ``similarity``."""
    summary: dict
    """The run's totals, as ``summary.json`` has them."""


def _to_arrow(table) -> tuple[pa.Table, Any]:
    """The table as a ``pyarrow.Table`` (without copying text where the
    input allows it) and a function that turns results back into the
    input's kind."""
    if isinstance(table, pa.Table):
        return table, lambda t: t
    if isinstance(table, pa.RecordBatch):
        return pa.Table.from_batches([table]), lambda t: t
    module = type(table).__module__.split(".")[0]
    if module == "pandas":
        return pa.Table.from_pandas(table, preserve_index=False), lambda t: t.to_pandas()
    if module == "datasets":
        import datasets

        if getattr(table, "_indices", None) is not None:
            # A selection or a shuffle: the rows it names, in its order.
            table = table.flatten_indices()
        return table.data.table, lambda t: datasets.Dataset(t)
    if hasattr(table, "__arrow_c_stream__"):
        return pa.table(table), lambda t: t
    raise TypeError(
        f"clean_table takes a pyarrow.Table, a pandas.DataFrame or a datasets.Dataset, not {type(table).__name__}"
    )


def clean_table(table, text_field: str = "text", id_field: str | None = None, options: Options | dict | None = None) -> Cleaned:
    """Cleans a table in memory as ``neardup clean`` cleans the same rows in
    a file: the same documents dropped, the same text cut. ``text_field``
    names the text column and ``id_field`` the id column (by default the
    options' ``id_field``, ``"id"``; rows without one are named by their
    place); a dotted name reaches into a struct column. Returns the kept
    and the dropped rows, in the kind of table given, and the summary."""
    opts = _options(options).to_dict()
    opts["text_field"] = text_field
    if id_field is not None:
        opts["id_field"] = id_field
    arrow, back = _to_arrow(table)
    kept, dropped, summary = _core.clean_table(arrow.schema, arrow.to_batches(), Options(**opts))
    kept, dropped = pa.Table.from_batches([kept]), pa.Table.from_batches([dropped])
    return Cleaned(back(kept), back(dropped), json.loads(summary))
