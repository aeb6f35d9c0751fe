"""Running jobs on Dask: a real scheduler and worker processes on 127.0.0.1 (no
dashboard), results identical to a serial run, also when a worker is SIGKILLed mid-run.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from importlib.util import find_spec
from pathlib import Path

import pandas as pd
import pytest
from pipeline_helpers import IDENTITY, FailOnce, Ishigami, make_jobs

from experiments.executors import DaskMissing, make_executor
from experiments.pipeline import run_jobs
from experiments.store import ResultStore

needs_dask = pytest.mark.skipif(
    find_spec("distributed") is None,
    reason="dask[distributed] is not installed (pip install 'gvi-sim[cluster]')",
)
TESTS = Path(__file__).resolve().parent
JOBS = make_jobs(15, 3)


def store(path: Path) -> ResultStore:
    return ResultStore(path, identity=IDENTITY)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> pd.DataFrame:
    folder = tmp_path_factory.mktemp("reference")
    return run_jobs(JOBS, Ishigami(), store=store(folder), workers=1, progress=False)


class Processes:
    """Processes started by a test, each in its own session, all killed at the end."""

    def __init__(self, logs: Path) -> None:
        self.logs, self.procs = logs, []
        logs.mkdir(parents=True, exist_ok=True)
        path = [str(TESTS), os.environ.get("PYTHONPATH", "")]
        self.env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in path if p)}
        self.env.pop("DASK_SCHEDULER_ADDRESS", None)

    def start(self, name: str, *args: str) -> subprocess.Popen:
        with open(self.logs / f"{name}.log", "wb") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", *args], stdout=log, stderr=subprocess.STDOUT,
                env=self.env, start_new_session=True, cwd=self.logs,
            )  # fmt: skip
        self.procs.append(proc)
        return proc

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")[-3000:]

    def kill_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def start_worker(procs: Processes, address: str, name: str) -> subprocess.Popen:
    """A single-threaded dask-worker without a nanny (killed, it stays dead) that
    imports the evaluators (and so the model) as it starts."""
    return procs.start(
        name, "distributed.cli.dask_worker", address, "--name", name, "--nthreads", "1",
        "--no-nanny", "--no-dashboard", "--dashboard-address", "127.0.0.1:0",
        "--host", "127.0.0.1", "--death-timeout", "30", "--preload", "pipeline_helpers",
        "--local-directory", str(procs.logs / name),
    )  # fmt: skip


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[tuple[str, Processes]]:
    """A dask-scheduler and two workers on 127.0.0.1 (random ports)."""
    procs = Processes(tmp_path_factory.mktemp("dask"))
    file = procs.logs / "scheduler.json"
    try:
        procs.start(
            "scheduler", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
            "--port", "0", "--no-dashboard", "--dashboard-address", "127.0.0.1:0",
            "--scheduler-file", str(file),
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while not file.exists() or not file.read_text().strip():
            assert time.monotonic() < deadline, procs.log("scheduler")
            time.sleep(0.05)
        address = json.loads(file.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:")
        for name in ("w-a", "w-b"):
            start_worker(procs, address, name)
        yield address, procs
    finally:
        procs.kill_all()


def listening(pids) -> set[str]:
    """The addresses the processes ``pids`` (and their children) listen on."""
    import psutil

    found = set()
    for pid in pids:
        proc = psutil.Process(pid)
        for p in [proc, *proc.children(recursive=True)]:
            for c in p.net_connections(kind="inet"):
                if c.status == psutil.CONN_LISTEN:
                    found.add(c.laddr.ip)
    return found


def connect(monkeypatch, address: str, n_workers: int):
    """An executor for the scheduler given through $DASK_SCHEDULER_ADDRESS."""
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", address)
    ex, close = make_executor()
    ex._client.wait_for_workers(n_workers, timeout=30)
    return ex, close


@needs_dask
def test_results_identical_to_serial(cluster, tmp_path, reference, monkeypatch):
    address, procs = cluster
    marks = tmp_path / "marks"
    marks.mkdir()
    ex, close = connect(monkeypatch, address, 2)
    try:
        assert type(ex).__name__ == "ClientExecutor"
        assert listening(p.pid for p in procs.procs) == {"127.0.0.1"}
        out = run_jobs(JOBS, Ishigami(), store=store(tmp_path / "a"), executor=ex,
                       progress=False)  # fmt: skip
        pd.testing.assert_frame_equal(out, reference)
        # a task that raises once is retried (by Dask) with the same result
        flaky = FailOnce(str(marks), keys=("p000003r0002",))
        out = run_jobs(JOBS, flaky, store=store(tmp_path / "b"), executor=ex, batch_size=5,
                       progress=False)  # fmt: skip
        pd.testing.assert_frame_equal(out, reference)
        assert (marks / "p000003r0002").exists()
        assert ex.submit(int, "7").result() == 7  # the executor was given: still open
    finally:
        close()


@needs_dask
def test_worker_killed_mid_run(cluster, tmp_path, reference, monkeypatch):
    address, procs = cluster
    folder = tmp_path / "out"
    victim = start_worker(procs, address, "w-victim")
    ex, close = connect(monkeypatch, address, 3)
    seen: dict[str, int] = {}
    client = ex._client
    where = {pid: addr for addr, pid in client.run(os.getpid).items()}

    def kill_when_started() -> None:
        """SIGKILL the victim once some batches are stored and it is running one."""
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            parts = list((folder / "parts").glob("part-*.parquet"))
            running = client.processing([where[victim.pid]]).get(where[victim.pid], ())
            if parts and running:
                os.killpg(victim.pid, signal.SIGKILL)
                seen.update(parts=len(parts), running=len(running))
                return
            time.sleep(0.005)

    try:
        killer = threading.Thread(target=kill_when_started, daemon=True)
        killer.start()
        out = run_jobs(JOBS, Ishigami(0.04), store=store(folder), executor=ex, batch_size=2,
                       progress=False)  # fmt: skip
        killer.join(timeout=5)
        assert len(client.nthreads()) == 2  # the victim is gone for good
    finally:
        close()
        if victim.poll() is None:
            os.killpg(victim.pid, signal.SIGKILL)
    assert victim.wait(timeout=10) == -signal.SIGKILL
    assert seen, "the victim was never seen running a batch"
    assert 1 <= seen["parts"] < len(JOBS) // 2, "the kill did not land mid-run"
    pd.testing.assert_frame_equal(out, reference)
    assert store(folder).manifest["pipeline"]["batches"] == 23  # each written once
    raw = pd.concat(pd.read_parquet(p) for p in store(folder).part_files())
    assert raw["key"].is_unique and len(raw) == len(JOBS)


@needs_dask
def test_local_cluster(tmp_path, reference, monkeypatch):
    monkeypatch.syspath_prepend(str(TESTS))  # spawned workers import pipeline_helpers
    ex, close = make_executor(dask_local=2)
    try:
        client = ex._client
        info = client.scheduler_info()
        assert client.scheduler.address.startswith("tcp://127.0.0.1:")
        assert len(info["workers"]) == 2
        assert all(w["nthreads"] == 1 for w in info["workers"].values())
        # no dashboard on 8787: the scheduler's HTTP endpoints sit on a free loopback port
        assert info["services"].get("dashboard") != 8787
        assert listening([os.getpid()]) <= {"127.0.0.1"}
        out = run_jobs(JOBS, Ishigami(), store=store(tmp_path), executor=ex, progress=False)
        pd.testing.assert_frame_equal(out, reference)
    finally:
        close()
    assert client.status == "closed"


def test_local_pool_without_a_scheduler(monkeypatch):
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    ex, close = make_executor(1)
    assert type(ex).__name__ == "SerialExecutor"
    close()
    ex, close = make_executor(2)
    assert type(ex).__name__ == "ProcessPoolExecutor"
    close()
    with pytest.raises(ValueError, match="not both"):
        make_executor(scheduler="tcp://127.0.0.1:1", dask_local=2)


def test_missing_dask_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails
    with pytest.raises(DaskMissing, match=r"pip install 'gvi-sim\[cluster\]'"):
        make_executor(scheduler="tcp://127.0.0.1:8786")
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", "tcp://127.0.0.1:8786")
    with pytest.raises(ImportError, match="gvi-sim"):
        make_executor()
