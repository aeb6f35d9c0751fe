"""The result store: parts written atomically, read back deduplicated, and a folder
holding another experiment (or anything else) refused."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from experiments import store as store_module
from experiments.store import ResultStore, StoreMismatch, job_key, package_versions
from experiments.version import model_identity

ID = {
    "experiment": "sha256:abc",
    "root_seed": 7,
    "design": {"kind": "lhs", "n": 10, "bounds": (0.0, float("inf")), "missing": float("nan")},
}


def rows(points, replicates=(0,)):
    return [
        (job_key(p, r), p, r, {"y": p + r / 10, "z": float(p * r)})
        for p in points
        for r in replicates
    ]


def test_an_earlier_identity_is_accepted_and_updated(tmp_path):
    old = {**ID, "experiment": "as written"}
    ResultStore(tmp_path / "out", identity=old).write(rows([0]))
    with pytest.raises(StoreMismatch):
        ResultStore(tmp_path / "out", identity=ID)
    store = ResultStore(tmp_path / "out", identity=ID, accept=[old])
    assert store.done() == {job_key(0, 0)}
    assert store.manifest["identity"]["experiment"] == "sha256:abc"
    ResultStore(tmp_path / "out", identity=ID)  # the current form from now on


def test_round_trip(tmp_path):
    store = ResultStore(tmp_path / "out", identity=ID)
    assert store.done() == set()
    assert list(store.read().columns) == ["point", "replicate"]
    store.write(rows([3, 4], (0, 1)))
    store.write(rows([0, 1, 2], (0, 1)))
    store.write([])  # nothing to write: no part
    assert len(store.part_files()) == 2
    assert store.done() == {job_key(p, r) for p in range(5) for r in (0, 1)}
    df = store.read()
    assert list(df.columns) == ["point", "replicate", "y", "z"]
    assert df["point"].tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    assert df["replicate"].tolist() == [0, 1] * 5
    assert df["y"].dtype == np.float64 and df["point"].dtype == np.int64
    np.testing.assert_array_equal(df["y"], df["point"] + df["replicate"] / 10)
    # reopened with the same identity: the same results
    again = ResultStore(tmp_path / "out", identity=json.loads(json.dumps(ID)))
    pd.testing.assert_frame_equal(again.read(), df)


def test_duplicates_dropped_and_compaction(tmp_path):
    store = ResultStore(tmp_path, identity=ID)
    store.write(rows([0, 1]))
    store.write(rows([1, 2]))  # key p000001r0000 written twice (a retried batch)
    store.write(rows([0, 1]))  # same part name: replaced, not duplicated
    df = store.read()
    assert df["point"].tolist() == [0, 1, 2]
    store.compact()
    assert len(store.part_files()) == 1
    pd.testing.assert_frame_equal(store.read(), df)


def test_int_and_missing_outputs_become_float(tmp_path):
    store = ResultStore(tmp_path, identity=ID)
    store.write([("p000000r0000", 0, 0, {"a": 1}), ("p000001r0000", 1, 0, {"b": 2.5})])
    df = store.read()
    assert df["a"].dtype == np.float64
    assert df["a"].tolist()[0] == 1.0 and np.isnan(df["a"].tolist()[1])
    with pytest.raises(ValueError, match="reserved"):
        store.write([("p000002r0000", 2, 0, {"point": 1.0})])


def test_temporary_files_are_not_results(tmp_path):
    store = ResultStore(tmp_path, identity=ID)
    store.write(rows([0]))
    # what a writer killed mid-write leaves behind: a temporary name, maybe truncated
    (store.parts / ".part-p000001r0000-1.parquet.x1y2.tmp").write_bytes(b"PAR1 trunc")
    pd.DataFrame({"key": ["p000002r0000"], "point": [2], "replicate": [0]}).to_parquet(
        store.parts / ".part-p000002r0000-1.parquet.abcd.tmp"
    )
    assert store.done() == {"p000000r0000"}
    assert store.read()["point"].tolist() == [0]


def test_manifest(tmp_path):
    store = ResultStore(tmp_path / "out", identity=ID)
    m = json.loads((tmp_path / "out" / "manifest.json").read_text())
    wanted = {**ID, "model": model_identity()}  # every store carries the model's version
    assert json.dumps(m["identity"], sort_keys=True) == json.dumps(wanted, sort_keys=True)
    assert m["versions"] == package_versions()
    assert {"python", "gvi-sim", "numpy", "pandas", "mesa"} <= set(m["versions"])
    assert m["created"].startswith("20")
    store.update_manifest(status="running", timings={"total_s": 1.5})
    store.update_manifest(status="complete")
    m = store.manifest
    assert m["status"] == "complete" and m["timings"] == {"total_s": 1.5}
    assert m["identity"]["root_seed"] == 7
    with pytest.raises(ValueError):
        store.update_manifest(identity={"other": 1})
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.endswith(".tmp")]


def test_foreign_identity_refused_and_nothing_written(tmp_path):
    folder = tmp_path / "out"
    store = ResultStore(folder, identity=ID)
    store.write(rows([0, 1]))
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    other = {**ID, "root_seed": 8}
    with pytest.raises(StoreMismatch) as err:
        ResultStore(folder, identity=other)
    message = str(err.value)
    assert "\n" not in message
    assert str(folder) in message and "root_seed" in message
    assert "choose another --out or delete it" in message
    after = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    assert after == before


def test_non_empty_folder_without_manifest_refused(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    with pytest.raises(StoreMismatch, match="choose another --out or delete it"):
        ResultStore(folder, identity=ID)
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]
    # an existing empty folder is fine
    (tmp_path / "empty").mkdir()
    ResultStore(tmp_path / "empty", identity=ID)
    assert (tmp_path / "empty" / "manifest.json").exists()


def test_identity_must_be_json(tmp_path):
    with pytest.raises(TypeError, match="JSON"):
        ResultStore(tmp_path, identity={"x": object()})
    assert not any(tmp_path.iterdir())


def test_a_folder_of_another_model_version_is_not_resumed(tmp_path, monkeypatch):
    ResultStore(tmp_path / "out", identity=ID)
    other = {"gvi_sim": "9.9.9", "model_code": "0123456789abcdef"}
    monkeypatch.setattr(store_module, "model_identity", lambda: other)
    with pytest.raises(StoreMismatch, match="another version of the model") as info:
        ResultStore(tmp_path / "out", identity=ID)
    assert "gvi-sim 9.9.9" in str(info.value) and "finish it with that version" in str(info.value)
