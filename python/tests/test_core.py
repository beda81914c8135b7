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
        assert len(keys[0]) == opts.bands and keys[0] == keys[1]
        pairs = pa.record_batch(
            {"bits_a": s.column("bits").take([0, 0, 0]), "bits_b": s.column("bits").take([1, 2, 3])}
        )
        sim = neardup.similarity(pairs).column("similarity").to_pylist()
        assert sim[0] == 1.0 and sim[1] > 0.8 and sim[2] < 0.2


def test_options_are_the_clis():
    opts = neardup.Options()
    assert (opts.threshold, opts.permutations, opts.bands, opts.rows) == (0.8, 128, 16, 8)
    with pytest.raises(ValueError, match="threshold"):
        neardup.Options(threshold=1.5)
    with pytest.raises(ValueError, match="bands"):
        neardup.Options(bands=4)


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
    summary = json.loads(neardup.clean([sample], str(tmp_path / "py"), neardup.Options()))
    subprocess.run([neardup_bin, "clean", sample, "--out", str(tmp_path / "cli"), "-q"], check=True)
    for f in sorted((tmp_path / "cli").iterdir()):
        if f.suffix == ".txt":
            assert (tmp_path / "py" / f.name).read_bytes() == f.read_bytes()
    assert summary["documents"] == 5
