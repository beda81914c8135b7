import json

import pyarrow as pa
import pytest

import neardup


def batch(texts, ids=None, large=False):
    ids = list(range(len(texts))) if ids is None else ids
    kind = pa.large_string() if large else pa.string()
    return pa.record_batch({"id": pa.array(ids, pa.int64()), "text": pa.array(texts, kind)})


TEXT = " ".join(f"word{i % 97} other{i % 13} thing{i}" for i in range(120))


def test_sketch_matches_copies_and_tells_texts_apart():
    opts = neardup.Options()
    edited = TEXT.replace("thing7 ", "changed ", 1)
    for large in (False, True):
        s = neardup.sketch(batch([TEXT, TEXT, edited, "a different text entirely, nothing shared"], large=large), opts)
        assert s.column("id").to_pylist() == [0, 1, 2, 3]
        exact = s.column("exact").to_pylist()
        assert exact[0] == exact[1] != exact[2]
        keys = s.column("band_keys").to_pylist()
        assert len(keys[0]) == opts.lsh[0] and keys[0] == keys[1]
        pairs = pa.record_batch(
            {"bits_a": s.column("bits").take([0, 0, 0]), "bits_b": s.column("bits").take([1, 2, 3])}
        )
        sim = neardup.similarity(pairs).column("similarity").to_pylist()
        assert sim[0] == 1.0 and sim[1] > 0.8 and sim[2] < 0.2


def test_cut_removes_what_the_plan_removes_and_checks_its_text():
    para = "The council voted on Tuesday to approve the new budget for the coming year after a long debate."
    text = f"{para}\n\nSomething else entirely was said by the mayor about roads and schools.\n\n{para}\n"
    opts = neardup.Options()
    docs = batch([text, TEXT])
    local = neardup.sketch(docs, opts).column("local")
    out = neardup.cut(pa.record_batch({"id": docs.column("id"), "text": docs.column("text"), "local": local}), opts, [])
    cut = out.column("text").to_pylist()
    assert cut[0] == text[: text.rindex(para)].rstrip("\n") + "\n" and cut[1] is None
    swapped = pa.record_batch({"id": docs.column("id"), "text": pa.array([TEXT, text]), "local": local})
    with pytest.raises(ValueError, match="not the one sketched"):
        neardup.cut(swapped, opts, [])


def cli_defaults(neardup_bin):
    """Every option the CLI's `clean --help` lists, with its default."""
    import re
    import subprocess

    text = subprocess.run([neardup_bin, "clean", "--help"], capture_output=True, text=True, check=True).stdout
    flags = {}
    for m in re.finditer(r"^\s+(?:-\w, )?--([a-z-]+)(?: <[A-Z_]+>)?\n?(.*?)(?=^\s+(?:-\w, )?--|\Z)", text, re.M | re.S):
        default = re.search(r"\[default: ([^\]]*)\]", m.group(2))
        flags[m.group(1).replace("-", "_")] = default.group(1) if default else None
    return flags


def test_options_are_the_clis(neardup_bin):
    opts = neardup.Options()
    assert (opts.threshold, opts.permutations, opts.bands, opts.rows, opts.lsh) == (0.8, 128, None, None, (16, 8))
    # Every run option of the CLI, by the same name and with the same default.
    per_command = {"out", "force", "annotate", "dropped", "report_compress", "quiet", "verbose", "json", "help"}
    flags = cli_defaults(neardup_bin)
    given = opts.to_dict()
    assert set(flags) - per_command == set(given)
    for name, default in flags.items():
        if name in given and default is not None:
            assert str(given[name]) == default, name
    for name in set(given) - {n for n, d in flags.items() if d is not None}:
        assert given[name] in (None, False), name
    with pytest.raises(neardup.NeardupError, match="threshold"):
        neardup.Options(threshold=1.5)
    with pytest.raises(ValueError, match="bands"):
        neardup.Options(bands=4)
    with pytest.raises(ValueError, match="unknown field"):
        neardup.Options(treshold=0.9)
    with pytest.raises(ValueError, match="documents only"):
        neardup.Options(documents_only=True, profile="dedup")
    with pytest.raises(ValueError, match="no_such_file"):
        neardup.Options(rules="no_such_file.txt")


def test_every_option_round_trips(tmp_path):
    rules = tmp_path / "rules.txt"
    rules.write_text("drop Subscribe now\n")
    common = dict(
        threshold=0.9, permutations=64, shingle_size=4, seed=7, bands=8, rows=8,
        segment_threshold=0.6, min_segment_words=6, template_min_docs=5, no_structural=True, no_body=True,
        no_boilerplate=True, keep_boilerplate=True, rules=rules, profile="dedup", documents_only=False,
        remove_shared=True, text_field="body", id_field="doc_id", on_error="skip", memory=512,
        max_document=64, temp_dir=tmp_path, threads=2,
    )
    # Containment is not matched against an index yet: each goes in a set
    # of its own.
    for extra in (dict(containment=0.85), dict(index=tmp_path / "index", read_only=True)):
        changed = {**common, **extra}
        assert set(common) | {"containment", "index", "read_only"} == set(neardup.Options().to_dict())
        opts = neardup.Options(**changed)
        assert opts != neardup.Options()
        assert neardup.Options(**opts.to_dict()) == opts
        assert eval(repr(opts), {"Options": neardup.Options}) == opts
        for name, value in changed.items():
            want = str(value) if name in ("rules", "temp_dir", "index") else value
            assert getattr(opts, name) == want, name
    with pytest.raises(ValueError, match="containment is not matched against an index"):
        neardup.Options(containment=0.85, index=tmp_path / "index")


def test_bad_batches_are_python_errors():
    opts = neardup.Options()
    with pytest.raises(ValueError, match="no column"):
        neardup.sketch(pa.record_batch({"id": pa.array([1], pa.int64())}), opts)
    with pytest.raises(ValueError, match="not int64"):
        neardup.sketch(pa.record_batch({"id": pa.array([1], pa.uint64()), "text": ["x"]}), opts)
    with pytest.raises(ValueError, match="nulls"):
        neardup.sketch(pa.record_batch({"id": pa.array([None], pa.int64()), "text": ["x"]}), opts)


def test_clean_in_process_is_the_cli(tmp_path, neardup_bin):
    import json
    import subprocess

    from conftest import ROOT

    sample = str(ROOT / "corpora" / "news-sample")
    summary = neardup.clean(sample, tmp_path / "py")
    subprocess.run([neardup_bin, "clean", sample, "--out", str(tmp_path / "cli"), "-q"], check=True)
    for f in sorted((tmp_path / "cli").iterdir()):
        if f.suffix == ".txt":
            assert (tmp_path / "py" / f.name).read_bytes() == f.read_bytes()
    assert summary["documents"] == 5
    # --report-compress as a keyword: the report as a zstd frame, in place
    # of report.json (the CLI's tests check that it holds the same bytes).
    neardup.clean(sample, tmp_path / "packed", report_compress=True)
    assert (tmp_path / "packed" / "report.json.zst").read_bytes()[:4] == b"\x28\xb5\x2f\xfd"
    assert not (tmp_path / "packed" / "report.json").exists()


def test_a_stopped_run_raises_and_the_next_one_runs(tmp_path):
    """Ctrl-C (here a SIGINT the test sends itself) stops a run, raises
    KeyboardInterrupt and leaves no output; the next call runs."""
    import os
    import signal
    import threading

    corpus = tmp_path / "corpus.jsonl"
    with corpus.open("w") as f:
        for i in range(40000):
            f.write(json.dumps({"id": i, "text": f"document {i} " + TEXT}) + "\n")
    threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT)).start()
    with pytest.raises(KeyboardInterrupt):
        neardup.clean(corpus, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert neardup.scan(corpus, {"documents_only": True})["documents"] == 40000
