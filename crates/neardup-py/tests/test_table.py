"""clean_table gives what `neardup clean` gives on the same rows in a file."""

import json
import subprocess

import pyarrow as pa
import pytest

import neardup


@pytest.fixture(scope="module")
def rows(tmp_path_factory, neardup_bin):
    """Generated pages of a few sites (templates, near copies, cut-short
    copies) with string ids and extra columns, nested and flat."""
    d = tmp_path_factory.mktemp("table")
    path, truth = d / "c.jsonl", d / "truth.jsonl"
    subprocess.run(
        [neardup_bin, "synth", "--docs", "600", "--sites", "4", "--out", str(path), "--truth", str(truth), "--seed", "5"],
        check=True,
        capture_output=True,
    )
    out = []
    for i, line in enumerate(path.read_text().splitlines()):
        r = json.loads(line)
        out.append(
            {
                "id": f"page-{r['id']}",
                "text": r["text"],
                "meta": {"url": f"https://site{i % 4}.example/{i}", "rank": i % 7},
                "tags": [f"t{i % 3}", "news"],
                "score": i * 0.5,
            }
        )
    return out


def cli(neardup_bin, rows, tmp_path, *flags):
    """Kept texts by id and dropped ids with what they copy, from the CLI on
    the rows as JSONL."""
    src = tmp_path / "rows.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    dropped = tmp_path / "dropped.jsonl"
    out = tmp_path / "out"
    subprocess.run(
        [neardup_bin, "clean", str(src), "--out", str(out), "--dropped", str(dropped), "-q", *flags], check=True
    )
    kept = {}
    for line in (out / "rows.jsonl").read_text().splitlines():
        r = json.loads(line)
        kept[r["id"]] = r["text"]
    gone = {}
    for line in dropped.read_text().splitlines():
        r = json.loads(line)
        gone[r["id"]] = (r["duplicate_of"]["id"], r["rule"])
    return kept, gone


def from_table(result):
    kept = dict(zip(result.kept.column("id").to_pylist(), result.kept.column("text").to_pylist()))
    d = result.dropped
    gone = {
        i: (of, rule)
        for i, of, rule in zip(d.column("id").to_pylist(), d.column("duplicate_of").to_pylist(), d.column("rule").to_pylist())
    }
    return kept, gone


@pytest.mark.parametrize(
    "flags, options",
    [((), {}), (("--documents-only",), {"documents_only": True}), (("--profile", "dedup"), {"profile": "dedup"})],
)
def test_a_table_is_cleaned_as_the_cli_cleans_its_rows(rows, neardup_bin, tmp_path, flags, options):
    want_kept, want_gone = cli(neardup_bin, rows, tmp_path, *flags)
    cut = any(want_kept[i] != r["text"] for r in rows if (i := r["id"]) in want_kept)
    assert len(want_gone) > 50 and cut != bool(options.get("documents_only"))
    table = pa.Table.from_pylist(rows)
    result = neardup.clean_table(table, options=options)
    assert from_table(result) == (want_kept, want_gone)
    # Every column, in the input's order and types, on both sides.
    assert result.kept.schema == table.schema
    assert result.dropped.schema.names == table.schema.names + ["duplicate_of", "duplicate_of_row", "rule", "similarity"]
    by_id = {r["id"]: r for r in rows}
    for r in result.kept.to_pylist():
        assert {k: v for k, v in r.items() if k != "text"} == {k: v for k, v in by_id[r["id"]].items() if k != "text"}
    for r in result.dropped.to_pylist():
        assert {k: r[k] for k in table.schema.names} == by_id[r["id"]]
        assert rows[r["duplicate_of_row"]]["id"] == r["duplicate_of"]
        assert r["similarity"] >= 0.8 or r["rule"] == "exact_document"
    s = result.summary
    assert (s["documents"], s["documents_dropped"]) == (len(rows), len(want_gone))


def test_pandas_and_datasets_give_the_same(rows):
    table = pa.Table.from_pylist(rows)
    want = from_table(neardup.clean_table(table))
    frame = neardup.clean_table(table.to_pandas())
    assert frame.kept["text"].tolist() == list(want[0].values())
    assert frame.dropped["id"].tolist() == list(want[1])
    datasets = pytest.importorskip("datasets")
    ds = datasets.Dataset(table)
    got = neardup.clean_table(ds)
    assert isinstance(got.kept, datasets.Dataset)
    assert got.kept["text"] == list(want[0].values())
    assert got.dropped["id"] == list(want[1])
    # A selection is cleaned as the rows it names.
    picked = neardup.clean_table(ds.select(range(0, len(rows), 2)))
    alone = neardup.clean_table(table.take(list(range(0, len(rows), 2))))
    assert picked.kept["text"] == alone.kept.column("text").to_pylist()


def test_ids_by_row_nested_text_and_bad_tables(rows):
    nested = pa.table({"doc": pa.array([{"body": r["text"], "lang": "en"} for r in rows]), "n": range(len(rows))})
    result = neardup.clean_table(nested, text_field="doc.body")
    assert result.kept.schema == nested.schema
    assert result.summary["documents"] == len(rows) and result.dropped.num_rows > 50
    # No id column: documents are named by their row.
    assert all(of.startswith("table.parquet:") for of in result.dropped.column("duplicate_of").to_pylist())
    with pytest.raises(neardup.NeardupError, match='no column "body"'):
        neardup.clean_table(nested, text_field="body")
    with pytest.raises(neardup.NeardupError, match=r"table: row 2: column \"text\" is null"):
        neardup.clean_table(pa.table({"text": ["a b c", None]}))
    skipped = neardup.clean_table(pa.table({"text": ["a b c", None]}), options={"on_error": "skip"})
    assert skipped.dropped.column("rule").to_pylist() == ["unreadable"]
    with pytest.raises(neardup.NeardupError, match="rule"):
        neardup.clean_table(pa.table({"text": ["a"], "rule": ["x"]}))
    with pytest.raises(TypeError):
        neardup.clean_table([{"text": "a"}])
    empty = neardup.clean_table(pa.table({"text": pa.array([], pa.string())}))
    assert empty.kept.num_rows == 0 and empty.summary["documents"] == 0


def test_a_table_against_an_index_drops_what_copies_it(rows, neardup_bin, tmp_path):
    """The first half of the rows indexed by the CLI; the second half as a
    table against that index loses what the CLI's run against it loses, and
    a read-only run adds nothing."""
    half = len(rows) // 2
    first = tmp_path / "first.jsonl"
    first.write_text("".join(json.dumps(r) + "\n" for r in rows[:half]))
    index = tmp_path / "index"
    subprocess.run([neardup_bin, "index", "create", str(first), str(index), "-q"], check=True)
    stats = lambda: json.loads(  # noqa: E731
        subprocess.run([neardup_bin, "index", "stats", str(index), "--json"], check=True, capture_output=True).stdout
    )
    before = stats()["documents"]
    table = pa.Table.from_pylist(rows[half:])
    result = neardup.clean_table(table, options=neardup.Options(index=index, read_only=True))
    _, want = cli(neardup_bin, rows[half:], tmp_path, "--index", str(index), "--read-only")
    _, got = from_table(result)
    assert got == want
    copies = [r for r in result.dropped.to_pylist() if r["duplicate_of_row"] is None]
    assert copies and all(r["duplicate_of"].startswith("page-") for r in copies)
    assert stats()["documents"] == before
