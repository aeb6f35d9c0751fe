"""Faults: commands killed with SIGKILL at random moments resume to identical results;
a part that is half-written or damaged is never read as complete; a full disk or a
read-only output folder gives one clear line (exit 2) and keeps what was finished.

Decision on damaged parts: a part with a final name that does not read back (it cannot
come from a kill, since parts are renamed into place only when complete, but a power cut
or a damaged disk can leave one) is refused by reading (``gvi report``: one line, exit 2,
"rerun the same command"), and set aside as ``<name>.corrupt`` by the next run, which
redoes its jobs.
"""

from __future__ import annotations

import errno
import importlib
import os
import pickle
import stat
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from pipeline_helpers import IDENTITY, Ishigami, make_jobs

from experiments.pipeline import evaluate_batch, run_jobs
from experiments.runner import SerialExecutor
from experiments.store import ResultStore, StoreDamaged, StoreWriteError, job_key
from gvi import cli

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import faults  # noqa: E402

SEED = 20240611  # the kill moments of the trials below
NO_SPACE = "No space left on device"


def error_lines(err: str) -> list[str]:
    """The ``error:`` lines of a command's stderr (progress bars use carriage returns)."""
    lines = err.replace("\r", "\n").splitlines()
    return [line.strip() for line in lines if line.strip().startswith("error:")]


@pytest.fixture(scope="module")
def experiment(tmp_path_factory) -> Path:
    return faults.write_experiment(tmp_path_factory.mktemp("experiment"))


@pytest.fixture(scope="module")
def reference(experiment, tmp_path_factory) -> pd.DataFrame:
    """The uninterrupted sweep's results."""
    out = tmp_path_factory.mktemp("reference") / "out"
    assert cli.main(["sweep", str(experiment), "--out", str(out), "--workers", "1"]) == 0
    return pd.read_parquet(out / "results.parquet")


def sweep(experiment: Path, out: Path) -> int:
    return cli.main(["sweep", str(experiment), "--out", str(out), "--workers", "1"])


def identity(out: Path) -> dict:
    import json

    return json.loads((out / "manifest.json").read_text())["identity"]


# -- kill and resume -------------------------------------------------------------------


def test_kill_resume_trials(tmp_path, capsys):
    """10 sweeps and 2 compares killed at seeded random moments, each rerun to the end."""
    lines: list[str] = []

    def log(line: str) -> None:
        lines.append(line)
        with capsys.disabled():
            print(f"\n  {line}", end="")

    result = faults.run_trials(tmp_path, sweeps=10, compares=2, seed=SEED, log=log)
    with capsys.disabled():
        print(f"\n  kill-resume trials passed: {result.summary()} in {result.seconds:.0f} s")
    trials = result.trials
    assert len(trials) == 12
    assert all(t.passed for t in trials), "\n".join(t.line() for t in trials if not t.passed)
    assert all(t.killed for t in trials)
    left = [t.left for t in trials if t.command == "sweep"]
    assert any(x in ("no folder", "no manifest") for x in left), left  # before the manifest
    assert any("part(s)" in x for x in left), left  # mid-run
    assert any(x.startswith("store complete") for x in left), left  # writing the outputs


# -- half-written and damaged parts ----------------------------------------------------


def test_a_temporary_part_is_never_read_and_its_jobs_run_again(tmp_path):
    jobs = make_jobs(6, 2)
    store = ResultStore(tmp_path, identity=IDENTITY)
    run_jobs(jobs[:4], Ishigami(), store=store, workers=1, progress=False)
    # a kill between writing and renaming: the next batch complete, but under its
    # temporary name, and another cut short
    rows = evaluate_batch(Ishigami(), jobs[4:8])
    full = pd.DataFrame([{"key": k, "point": p, "replicate": r, **o} for k, p, r, o in rows])
    full.to_parquet(store.parts / f".part-{jobs[4].key}-4.parquet.k1ll.tmp", index=False)
    (store.parts / f".part-{jobs[8].key}-2.parquet.c0t.tmp").write_bytes(b"PAR1\x15\x04")
    assert store.done() == {job.key for job in jobs[:4]}
    ran: list[str] = []

    class Counting(SerialExecutor):
        def submit(self, fn, /, *args, **kwargs):
            ran.extend(job.key for job in args[1])
            return super().submit(fn, *args, **kwargs)

    out = run_jobs(jobs, Ishigami(), store=store, executor=Counting(), progress=False)
    assert sorted(ran) == sorted(job.key for job in jobs[4:])  # the temporary parts redone
    expected = evaluate_batch(Ishigami(), jobs)
    assert out["y"].tolist() == [o["y"] for _, _, _, o in expected]


def test_a_damaged_part_is_refused_then_set_aside_and_redone(
    experiment, reference, tmp_path, capsys
):
    out = tmp_path / "out"
    assert sweep(experiment, out) == 0
    (part,) = sorted((out / "parts").glob("part-*.parquet"))
    part.write_bytes(part.read_bytes()[: part.stat().st_size // 2])  # a cut-off file
    with pytest.raises(StoreDamaged, match="unreadable result part"):
        ResultStore(out, identity=identity(out)).read()
    capsys.readouterr()
    assert cli.main(["report", str(out)]) == 2  # reading refuses it, in one line
    err = capsys.readouterr().err
    assert "Traceback" not in err
    (line,) = error_lines(err)
    assert part.name in line and "rerun the same command" in line
    assert sweep(experiment, out) == 0  # the rerun sets it aside and redoes its jobs
    err = capsys.readouterr().err
    assert f"warning: {part}" in err and "its runs will be redone" in err
    assert (out / "parts" / f"{part.name}.corrupt").exists()
    pd.testing.assert_frame_equal(pd.read_parquet(out / "results.parquet"), reference)
    assert cli.main(["report", str(out)]) == 0


def test_a_manifest_cut_short_by_a_kill_does_not_block_the_rerun(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / ".manifest.json.x7a2.tmp").write_text('{"identity": {"exp')
    ResultStore(folder, identity=IDENTITY).write([(job_key(0, 0), 0, 0, {"y": 1.0})])
    assert (folder / "manifest.json").exists()


def test_files_are_readable_like_any_other(tmp_path):
    """Temporary files are private (0600) until renamed: results get the usual mode."""
    old = os.umask(0o022)
    try:
        store = ResultStore(tmp_path / "out", identity=IDENTITY)
        store.write([(job_key(0, 0), 0, 0, {"y": 1.0})])
    finally:
        os.umask(old)
    for path in [tmp_path / "out" / "manifest.json", *store.part_files()]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path


# -- full disk and read-only folders -----------------------------------------------------


def fill_disk_after(monkeypatch, parts: int) -> list[int]:
    """Part writes fail with ENOSPC after ``parts`` successful ones."""
    import experiments.store as store_module

    real, calls = store_module.write_part, []

    def write_part(table, path):
        calls.append(1)
        if len(calls) > parts:
            raise OSError(
                errno.ENOSPC, "Error writing bytes to file. Detail: [errno 28] " + NO_SPACE
            )
        real(table, path)

    monkeypatch.setattr(store_module, "write_part", write_part)
    return calls


def test_full_disk_one_line_and_finished_runs_kept(
    experiment, reference, tmp_path, capsys, monkeypatch
):
    out = tmp_path / "out"
    fill_disk_after(monkeypatch, 3)
    assert sweep(experiment, out) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    (line,) = error_lines(err)
    assert line.startswith(f"error: {out}: cannot write a result part ({NO_SPACE}); ")
    assert "free disk space or choose another --out, then rerun the same command" in line
    assert "finished runs kept; a rerun skips them" in line
    assert not list((out / "parts").glob(".*.tmp"))  # the failed write cleaned up
    kept = ResultStore(out, identity=identity(out)).read()  # what finished is readable
    assert 3 <= len(kept) < len(reference)
    pd.testing.assert_frame_equal(kept, reference.merge(kept[["point", "replicate"]])[kept.columns])
    assert ResultStore(out, identity=identity(out)).manifest["pipeline"]["status"] == "failed"
    assert cli.main(["report", str(out)]) == 2  # an unfinished experiment: said so
    (line,) = error_lines(capsys.readouterr().err)
    assert "not finished" in line and "rerun gvi sweep" in line
    monkeypatch.undo()  # space freed: the rerun finishes from what was kept
    assert sweep(experiment, out) == 0
    pd.testing.assert_frame_equal(pd.read_parquet(out / "results.parquet"), reference)
    assert cli.main(["report", str(out)]) == 0


def test_full_disk_while_writing_the_outputs(experiment, reference, tmp_path, capsys, monkeypatch):
    """The store is complete, the summary pages are not: one line, and a rerun ends it."""
    out = tmp_path / "out"
    real = os.replace

    def replace(src, dst, *args, **kwargs):
        if str(dst).endswith(".html"):
            raise OSError(errno.ENOSPC, NO_SPACE)
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    assert sweep(experiment, out) == 2
    (line,) = error_lines(capsys.readouterr().err)
    assert line == (
        f"error: {out}: cannot write ({NO_SPACE}); free disk space or choose another "
        "--out, then rerun the same command"
    )
    monkeypatch.undo()
    stored = ResultStore(out, identity=identity(out)).read()  # no seed, parameter columns
    pd.testing.assert_frame_equal(stored, reference[stored.columns])
    assert sweep(experiment, out) == 0


def read_only(monkeypatch, folder: Path) -> None:
    """Creating files or folders in ``folder`` fails as in a read-only folder (works as
    root too, where chmod does not stop writes)."""
    inside = str(folder.resolve())

    def refuse(make):
        def wrapped(*args, **kwargs):
            where = str(Path(kwargs.get("dir") or (args[0] if args else ".")).resolve())
            if where.startswith(inside):
                raise PermissionError(errno.EACCES, "Permission denied", where)
            return make(*args, **kwargs)

        return wrapped

    monkeypatch.setattr(tempfile, "mkstemp", refuse(tempfile.mkstemp))
    monkeypatch.setattr(tempfile, "mkdtemp", refuse(tempfile.mkdtemp))


def snapshot(folder: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_read_only_folder_one_line_and_nothing_lost(
    experiment, reference, tmp_path, capsys, monkeypatch
):
    out = tmp_path / "out"
    fill_disk_after(monkeypatch, 2)
    assert sweep(experiment, out) == 2  # an unfinished experiment ...
    monkeypatch.undo()
    before = snapshot(out)
    capsys.readouterr()
    read_only(monkeypatch, out)  # ... in a folder that became read-only
    assert sweep(experiment, out) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    (line,) = error_lines(err)
    assert line.startswith(f"error: {out}: cannot write manifest.json (Permission denied); ")
    assert "make the folder writable or choose another --out" in line
    assert snapshot(out) == before  # nothing changed, and what finished reads back
    kept = ResultStore(out, identity=identity(out)).read()
    pd.testing.assert_frame_equal(kept, reference.merge(kept[["point", "replicate"]])[kept.columns])
    monkeypatch.undo()
    assert sweep(experiment, out) == 0
    pd.testing.assert_frame_equal(pd.read_parquet(out / "results.parquet"), reference)


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0,
    reason="running as root: file permissions do not stop writes (simulated above instead)",
)
def test_read_only_folder_for_real(experiment, tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"
    fill_disk_after(monkeypatch, 2)
    assert sweep(experiment, out) == 2
    monkeypatch.undo()
    before = snapshot(out)
    capsys.readouterr()
    for folder in (out, out / "parts"):
        folder.chmod(0o555)
    try:
        assert sweep(experiment, out) == 2
        (line,) = error_lines(capsys.readouterr().err)
        assert str(out) in line and "writable" in line and "choose another --out" in line
        assert snapshot(out) == before
    finally:
        for folder in (out, out / "parts"):
            folder.chmod(0o755)


def test_compare_on_a_full_disk_leaves_no_folder(experiment, tmp_path, capsys, monkeypatch):
    compare_module = importlib.import_module("experiments.comparison")  # not the function
    real, calls = compare_module.atomic_write, []

    def atomic_write(path, writer):
        calls.append(path)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, NO_SPACE)
        real(path, writer)

    monkeypatch.setattr(compare_module, "atomic_write", atomic_write)
    out = tmp_path / "cmp"
    argv = faults.compare_argv(experiment.parent, out, replicates=2)
    argv[argv.index("--workers") + 1] = "1"
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    (line,) = error_lines(err)
    assert line == (
        f"error: {out}: cannot write ({NO_SPACE}); free disk space or choose another "
        "--out, then rerun the same command"
    )
    assert not out.exists() and not list(tmp_path.glob(".cmp.*"))  # nothing half-written


def test_store_write_error_is_an_os_error_with_one_line(tmp_path, monkeypatch):
    store = ResultStore(tmp_path, identity=IDENTITY)
    store.write([(job_key(0, 0), 0, 0, {"y": 1.0})])
    fill_disk_after(monkeypatch, 0)
    with pytest.raises(StoreWriteError) as err:
        store.write([(job_key(1, 0), 1, 0, {"y": 2.0})])
    assert isinstance(err.value, OSError) and err.value.errno == errno.ENOSPC
    message = str(err.value)
    assert (
        "\n" not in message
        and NO_SPACE in message
        and "(1 finished run kept; a rerun skips them)" in message
    )
    again = pickle.loads(pickle.dumps(err.value))  # crosses process boundaries intact
    assert str(again) == message and again.errno == errno.ENOSPC
