"""Jobs through executors into the store: identical results whatever the executor,
worker count or batch size; resuming after a partial run or a SIGKILL; retries."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest
from pipeline_helpers import IDENTITY, AlwaysFail, FailOnce, Ishigami, make_jobs

from experiments.pipeline import BatchFailed, Job, evaluate_batch, run_jobs
from experiments.runner import SerialExecutor
from experiments.store import ResultStore

TESTS = Path(__file__).resolve().parent
JOBS = make_jobs(15, 3)  # 45 jobs


def store(path: Path) -> ResultStore:
    return ResultStore(path, identity=IDENTITY)


def expected(jobs=JOBS) -> pd.DataFrame:
    rows = evaluate_batch(Ishigami(), jobs)
    df = pd.DataFrame([{"point": p, "replicate": r, **out} for _, p, r, out in rows])
    return df.sort_values(["point", "replicate"], ignore_index=True)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> pd.DataFrame:
    folder = tmp_path_factory.mktemp("reference")
    return run_jobs(JOBS, Ishigami(), store=store(folder), workers=1, progress=False)


def test_job_key():
    assert Job(3, 12, {}).key == "p000003r0012"
    assert Job(123456, 7, {"a.b": 1.0}).key == "p123456r0007"


def test_reference_is_the_evaluator_applied_to_each_job(reference):
    assert list(reference.columns) == ["point", "replicate", "y", "z", "noise"]
    assert len(reference) == len(JOBS)
    pd.testing.assert_frame_equal(reference, expected())


@pytest.mark.parametrize(
    ("workers", "batch_size"), [(1, None), (1, 7), (2, 1), (2, 7), (2, None), (3, 45)]
)
def test_identical_whatever_the_executor_and_batches(tmp_path, reference, workers, batch_size):
    out = run_jobs(
        JOBS, Ishigami(), store=store(tmp_path), workers=workers, batch_size=batch_size,
        progress=False,
    )  # fmt: skip
    pd.testing.assert_frame_equal(out, reference)
    assert store(tmp_path).manifest["pipeline"]["status"] == "complete"
    assert len(store(tmp_path).part_files()) == 1  # compacted


def test_given_executor_is_used_and_left_open(tmp_path, reference):
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as pool:
        out = run_jobs(JOBS, Ishigami(), store=store(tmp_path / "a"), executor=pool,
                       progress=False)  # fmt: skip
        pd.testing.assert_frame_equal(out, reference)
        assert pool.submit(int, "5").result() == 5  # not shut down
    with ThreadPoolExecutor(3) as threads:
        out = run_jobs(JOBS, Ishigami(), store=store(tmp_path / "b"), executor=threads,
                       batch_size=4, progress=False)  # fmt: skip
        pd.testing.assert_frame_equal(out, reference)


def test_resume_after_a_partial_run(tmp_path, reference):
    s = store(tmp_path)
    half = run_jobs(JOBS[:20], Ishigami(), store=s, workers=2, progress=False)
    pd.testing.assert_frame_equal(half, reference.iloc[:20])
    calls = []

    def counting(fn, *args):  # wraps the executor to count what is resubmitted
        calls.append(len(args[1]))
        return inner.submit(fn, *args)

    with SerialExecutor() as inner:
        ex = SerialExecutor()
        ex.submit = counting
        full = run_jobs(JOBS, Ishigami(), store=store(tmp_path), executor=ex, progress=False)
    pd.testing.assert_frame_equal(full, reference)
    assert sum(calls) == len(JOBS) - 20  # only the missing jobs ran
    # all done: nothing runs, the results come straight from the store
    again = run_jobs(JOBS, Ishigami(), store=s, executor=ex, progress=False)
    pd.testing.assert_frame_equal(again, reference)
    assert sum(calls) == len(JOBS) - 20


def test_kill_and_resume(tmp_path, reference):
    folder = tmp_path / "killed"
    code = (
        f"import sys; sys.path.insert(0, {str(TESTS)!r}); import pipeline_helpers as h; "
        f"h.run_cli({str(folder)!r}, 15, 3, 0.08, 2)"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], start_new_session=True, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 20
        parts: list[Path] = []
        while not parts:
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "no part written in time"
            time.sleep(0.01)
            parts = list((folder / "parts").glob("part-*.parquet")) if folder.exists() else []
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the child and its pool workers
        proc.wait()
        proc.stderr.close()
    s = store(folder)
    assert 1 <= len(s.done()) < len(JOBS), "the kill did not land mid-run"
    assert s.manifest["pipeline"]["status"] == "running"
    first = s.read()
    pd.testing.assert_frame_equal(
        first, reference.merge(first[["point", "replicate"]]), check_like=True
    )
    before = s.done()
    out = run_jobs(JOBS, Ishigami(), store=store(folder), workers=2, batch_size=2,
                   progress=False)  # fmt: skip
    pd.testing.assert_frame_equal(out, reference)
    # only the missing jobs ran, each batch written once
    run = store(folder).manifest["pipeline"]
    assert run["already_done"] == len(before)
    assert run["batches"] == -(-(len(JOBS) - len(before)) // 2)
    raw = pd.concat(pd.read_parquet(p) for p in store(folder).part_files())
    assert raw["key"].is_unique and len(raw) == len(JOBS)


def test_transient_failures_are_retried(tmp_path, reference, capfd):
    marks = tmp_path / "marks"
    marks.mkdir()
    flaky = FailOnce(str(marks), keys=("p000002r0001", "p000010r0000"))
    out = run_jobs(JOBS, flaky, store=store(tmp_path / "out"), workers=2, batch_size=3)
    pd.testing.assert_frame_equal(out, reference)
    err = capfd.readouterr().err
    assert "transient failure at p000002r0001" in err and "retry 1/2" in err


def test_a_dead_worker_breaks_the_pool_which_is_replaced(tmp_path, reference):
    marks = tmp_path / "marks"
    marks.mkdir()
    killer = FailOnce(str(marks), keys=("p000005r0000",), kill=True)
    out = run_jobs(JOBS, killer, store=store(tmp_path / "out"), workers=2, batch_size=4,
                   progress=False)  # fmt: skip
    pd.testing.assert_frame_equal(out, reference)


def test_a_batch_that_keeps_failing_raises_after_two_retries(tmp_path, reference):
    s = store(tmp_path)
    with pytest.raises(BatchFailed, match=r"from p000004r0000 failed 3 times") as err:
        run_jobs(JOBS, AlwaysFail("p000004r0001"), store=s, workers=1, batch_size=3,
                 progress=False)  # fmt: skip
    assert isinstance(err.value.__cause__, ValueError)
    assert s.manifest["pipeline"]["status"] == "failed"
    done = s.read()  # the batches before it were kept
    assert len(done) == 12
    pd.testing.assert_frame_equal(done, reference.iloc[:12])


def test_progress_bar_on_stderr(tmp_path, capfd):
    run_jobs(JOBS[:6], Ishigami(0.04), store=store(tmp_path / "a"), workers=1, progress=True)
    captured = capfd.readouterr()
    assert captured.out == ""
    assert "jobs:" in captured.err and "/6 [00:00<00:00" in captured.err  # with an ETA
    run_jobs(JOBS[:6], Ishigami(), store=store(tmp_path / "b"), workers=1, progress=False)
    assert capfd.readouterr().err == ""


def test_bad_arguments(tmp_path):
    s = store(tmp_path)
    with pytest.raises(TypeError, match="picklable"):
        run_jobs(JOBS, lambda job: {"y": 1.0}, store=s, workers=1, progress=False)
    with pytest.raises(ValueError, match="p000000r0000 repeats"):
        run_jobs(JOBS + JOBS[:1], Ishigami(), store=s, workers=1, progress=False)
    with pytest.raises(ValueError, match="batch_size"):
        run_jobs(JOBS, Ishigami(), store=s, workers=1, batch_size=0, progress=False)
    assert s.done() == set()
