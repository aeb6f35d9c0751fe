"""Kill-and-resume trials: ``gvi sweep`` and ``gvi compare`` killed with SIGKILL at
random moments, rerun, and compared with an uninterrupted run.

One trial of a sweep:

1. start ``gvi sweep EXP --out DIR --workers 2`` in a fresh process group;
2. wait for a *moment* — a random delay after the start (often before the manifest
   exists), the k-th finished part plus a random delay (a batch is being written), or
   the store marked complete plus a random delay (analysis and plots being written) —
   and SIGKILL the whole group (the command and its pool workers);
3. check what the kill left: every part with a final name reads back completely, and
   the rows present equal the uninterrupted run's rows;
4. rerun the same command to completion and compare ``results.parquet`` with the
   uninterrupted run's, exactly (sorted by point and replicate).

A compare trial kills ``gvi compare ... --out DIR`` (during the runs, or once it has
started writing its temporary folder): afterwards ``DIR`` is absent or complete — never
half-written — and a rerun gives tables identical to an uninterrupted run's.

The moments come from ``numpy.random.default_rng(seed)``, so a list of trials is
reproducible; each trial records its moment and what the kill left. A command that
finishes before its moment is started afresh with the moment halved (up to 3 times), so
every trial is a kill. Commands run in processes forked from a server that has imported
the command line once (:class:`Launcher`), so a trial does not spend seconds importing;
``real=True`` (``python -m benchmarks.faults --real``) starts the ``gvi`` executable.
Used by ``tests/test_faults.py`` and ``benchmarks/reliability.py``.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
GVI = shutil.which("gvi", path=str(Path(sys.executable).parent)) or "gvi"

# A city of 6 groups, no warm-up, 120 days: one run takes about 10 ms.
TINY = """extends = "{preset}"
name = "{name}"
[time]
warmup_days = 0
rollout_day = 30
horizon_days = 120
[city]
n_groups = 6
group_size_mean = 12.0
group_size_sd = 3.0
rivals_per_group = 3.0
[violence]
base_hazard = 0.001
[callins]
first_day = 5
interval_days = 30
"""

SWEEP = """# 8 design points x {replicates} replicates of a tiny city (kill-and-resume trials)
name = "fault_sweep"
description = "follow-through and call-in size in a tiny city"
scenario = "tiny_gvi.toml"
baseline = "tiny_base.toml"
replicates = {replicates}
seed = 3
[method]
kind = "factorial"
[[parameters]]
path = "enforcement.fidelity"
levels = [0.2, 0.5, 0.8, 1.0]
[[parameters]]
path = "callins.attendees"
levels = [5, 20]
[[outputs]]
name = "shootings"
metric = "shootings"
window = "post"
statistic = "total"
[[outputs]]
name = "shootings_change"
metric = "shootings"
window = "post"
statistic = "change_vs_baseline"
"""

# the tables of a compare folder that must match an uninterrupted run's
COMPARE_TABLES = ("runs.parquet", "summary.parquet", "groups.parquet", "effects.csv")
RESULT_KEYS = ["point", "replicate"]


def write_experiment(folder: Path, *, replicates: int = 2) -> Path:
    """The tiny scenarios and the sweep file in ``folder``; returns the sweep's path."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tiny_gvi.toml").write_text(TINY.format(preset="gvi", name="tiny_gvi"))
    (folder / "tiny_base.toml").write_text(TINY.format(preset="baseline", name="tiny_base"))
    path = folder / "sweep.toml"
    path.write_text(SWEEP.format(replicates=replicates))
    return path


def sweep_argv(experiment: Path, out: Path) -> list[str]:
    return ["sweep", str(experiment), "--out", str(out), "--workers", "2"]


def compare_argv(folder: Path, out: Path, replicates: int = 4) -> list[str]:
    return [
        "compare", str(folder / "tiny_base.toml"), str(folder / "tiny_gvi.toml"),
        "--replicates", str(replicates), "--seed", "5", "--workers", "2", "--out", str(out),
    ]  # fmt: skip


# -- processes that can be killed at any moment --------------------------------------


class Child:
    """A started command: its process group can be killed; ``wait`` gives the exit code
    (negative: killed by that signal)."""

    def __init__(self, pid: int, log: Path, status: Callable[[float | None], int | None]):
        self.pid, self.log, self._status = pid, log, status
        self.code: int | None = None

    def poll(self) -> int | None:
        if self.code is None:
            self.code = self._status(0.0)
        return self.code

    def wait(self, timeout: float = 300.0) -> int:
        if self.code is None:
            self.code = self._status(timeout)
            if self.code is None:
                raise TimeoutError(f"gvi (pid {self.pid}) still running after {timeout} s")
        return self.code

    def kill(self) -> None:
        """SIGKILL the command and every process it started (its pool workers)."""
        with contextlib.suppress(ProcessLookupError):  # already gone
            os.killpg(self.pid, signal.SIGKILL)
        self.wait()


class Launcher:
    """Starts ``gvi`` commands, each in a new process group.

    By default a server process imports the command line once and forks one child per
    command (the child runs ``gvi.cli.main(argv)``, exactly what the ``gvi``
    executable runs, minus the interpreter start and imports); ``real=True`` starts the
    ``gvi`` executable itself.
    """

    def __init__(self, *, real: bool = False) -> None:
        self.real = real
        self.server: subprocess.Popen | None = None
        self.started: queue.Queue[int] = queue.Queue()
        self.ended: dict[int, int] = {}
        self.cond = threading.Condition()
        self.start_lock = threading.Lock()

    def _start_server(self) -> subprocess.Popen:
        if self.server is None:
            code = (
                f"import sys; sys.path.insert(0, {str(ROOT)!r}); "
                "from benchmarks.faults import serve; serve()"
            )
            self.server = subprocess.Popen(
                [sys.executable, "-c", code],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                cwd=ROOT,
            )
            assert self.server.stdout is not None
            if self.server.stdout.readline().strip() != "ready":
                raise RuntimeError("the command server did not start")
            threading.Thread(target=self._read, args=(self.server,), daemon=True).start()
        return self.server

    def _read(self, server: subprocess.Popen) -> None:
        assert server.stdout is not None
        for line in server.stdout:
            msg = json.loads(line)
            if "status" in msg:
                with self.cond:
                    self.ended[msg["pid"]] = msg["status"]
                    self.cond.notify_all()
            else:
                self.started.put(msg["pid"])

    def _status(self, pid: int) -> Callable[[float | None], int | None]:
        def status(timeout: float | None) -> int | None:
            with self.cond:
                self.cond.wait_for(lambda: pid in self.ended, timeout)
                return self.ended.get(pid)

        return status

    def start(self, argv: list[str], log: Path, cwd: Path | None = None) -> Child:
        log.parent.mkdir(parents=True, exist_ok=True)
        cwd = cwd or log.parent
        if self.real:
            with log.open("wb") as out:
                proc = subprocess.Popen(
                    [GVI, *argv], stdout=out, stderr=out, stdin=subprocess.DEVNULL,
                    cwd=cwd, start_new_session=True,
                )  # fmt: skip

            def popen_status(timeout: float | None) -> int | None:
                try:
                    return proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    return None

            return Child(proc.pid, log, popen_status)
        server = self._start_server()
        assert server.stdin is not None
        with self.start_lock:
            request = {"argv": argv, "log": str(log), "cwd": str(cwd)}
            server.stdin.write(json.dumps(request) + "\n")
            server.stdin.flush()
            pid = self.started.get(timeout=60)
        return Child(pid, log, self._status(pid))

    def warm(self) -> None:
        """Start the server now (its imports take seconds), not at the first command."""
        if not self.real:
            self._start_server()

    def run(self, argv: list[str], log: Path, cwd: Path | None = None) -> int:
        return self.start(argv, log, cwd).wait()

    def close(self) -> None:
        if self.server is not None:
            assert self.server.stdin is not None
            self.server.stdin.close()
            self.server.wait(timeout=60)
            self.server = None

    def __enter__(self) -> Launcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def serve() -> None:
    """The command server: one JSON request per line (argv, log, cwd); forks a child per
    request, answers ``{"pid"}`` at once and ``{"pid", "status"}`` when it ends."""
    import experiments.comparison
    import experiments.study  # noqa: F401  (imported before forking: children start warm)
    import gvi.cli as cli

    lock = threading.Lock()

    def report(msg: dict[str, int]) -> None:
        with lock:
            sys.stdout.write(json.dumps(msg) + "\n")
            sys.stdout.flush()

    def reap(pid: int) -> None:
        _, status = os.waitpid(pid, 0)
        report({"pid": pid, "status": os.waitstatus_to_exitcode(status)})

    print("ready", flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        pid = os.fork()
        if pid == 0:  # the command, in a process group of its own
            code = 1
            try:
                os.setpgid(0, 0)
                null = os.open(os.devnull, os.O_RDONLY)
                log = os.open(req["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
                os.dup2(null, 0)
                os.dup2(log, 1)
                os.dup2(log, 2)
                # fresh stream objects: a lock held by another thread at the fork stays held
                sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115
                sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
                os.chdir(req["cwd"])
                sys.argv = ["gvi", *req["argv"]]
                code = cli.main(req["argv"])
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            except BaseException:
                traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        with contextlib.suppress(OSError):
            os.setpgid(pid, pid)  # also here: the group exists before anyone kills it
        report({"pid": pid})
        threading.Thread(target=reap, args=(pid,), daemon=True).start()


# -- kill moments ------------------------------------------------------------------


@dataclass(frozen=True)
class Moment:
    """When to kill: ``delay`` seconds after an event — ``start`` (the command started),
    ``parts`` (``count`` parts finished), ``complete`` (the store is complete; outputs
    being written), ``publishing`` (gvi compare's temporary folder appeared)."""

    after: str
    delay: float
    count: int = 0

    def __str__(self) -> str:
        what = f"{self.count} part(s)" if self.after == "parts" else self.after
        return f"{what} + {self.delay:.3f} s"

    def earlier(self) -> Moment:
        """Half the delay and half the parts: for a command that finished first."""
        return replace(self, delay=round(self.delay / 2, 3), count=max(1, self.count // 2))


@dataclass(frozen=True)
class Timing:
    """An uninterrupted run: seconds to the end, to the store's completion, parts seen."""

    total: float
    complete: float
    parts: int


def _uniform(rng: np.random.Generator, low: float, high: float) -> float:
    return round(float(rng.uniform(low, high)), 3)


def sweep_moments(n: int, seed: int, timing: Timing) -> list[Moment]:
    """``n`` kill moments for sweep trials, within an uninterrupted run's ``timing``:
    the first three are one early (before the manifest exists), one as the first part
    lands (the next batches being written) and one late (analysis and plots); the rest
    are random: any time, after the k-th part, or while the outputs are written."""
    rng = np.random.default_rng(seed)
    outputs = max(0.05, 0.8 * (timing.total - timing.complete))
    moments = [
        Moment("start", _uniform(rng, 0.0, 0.05)),
        Moment("parts", _uniform(rng, 0.0, 0.02), 1),
        Moment("complete", _uniform(rng, 0.0, outputs)),
    ]
    # the rest: half after the k-th part, a quarter any time, a quarter at the outputs
    kinds = ["parts", "start", "parts", "complete"] * (n // 4 + 1)
    for kind in [str(k) for k in rng.permutation(kinds[: max(0, n - 3)])]:
        if kind == "start":
            moments.append(Moment("start", _uniform(rng, 0.0, 0.8 * timing.total)))
        elif kind == "parts":
            k = int(rng.integers(1, max(1, timing.parts - 1), endpoint=True))
            moments.append(Moment("parts", _uniform(rng, 0.0, 0.1), k))
        else:
            moments.append(Moment("complete", _uniform(rng, 0.0, outputs)))
    return moments[:n]


def compare_moments(n: int, seed: int, timing: Timing) -> list[Moment]:
    """``n`` kill moments for compare trials: while publishing, then random."""
    rng = np.random.default_rng(seed + 1)
    moments = [Moment("publishing", _uniform(rng, 0.0, 0.02))]
    while len(moments) < n:
        moments.append(Moment("start", _uniform(rng, 0.0, 0.8 * timing.total)))
    return moments[:n]


def _parts(out: Path) -> list[Path]:
    parts = out / "parts"
    return sorted(parts.glob("part-*.parquet")) if parts.is_dir() else []


def _store_complete(out: Path) -> bool:
    try:
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return manifest.get("pipeline", {}).get("status") == "complete"


def _publishing(out: Path) -> bool:
    return any(out.parent.glob(f".{out.name}.*.tmp"))


def kill_at(child: Child, moment: Moment, out: Path, *, timeout: float = 120.0) -> bool:
    """Kill ``child`` at ``moment``; False if it finished first (nothing to kill)."""
    reached = {
        "start": lambda: True,
        "parts": lambda: len(_parts(out)) >= moment.count,
        "complete": lambda: _store_complete(out),
        "publishing": lambda: _publishing(out),
    }[moment.after]
    deadline = time.monotonic() + timeout
    while not reached():
        if child.poll() is not None:
            return False
        if time.monotonic() > deadline:
            child.kill()
            raise TimeoutError(f"moment {moment} not reached in {timeout:.0f} s")
        time.sleep(0.002)
    if moment.delay:
        time.sleep(moment.delay)
    if child.poll() is not None:
        return False
    child.kill()
    return True


def timed_run(launcher: Launcher, argv: list[str], out: Path, log: Path, cwd: Path) -> Timing:
    """Run a command uninterrupted, noting when its store became complete."""
    clock = time.perf_counter()
    child = launcher.start(argv, log, cwd)
    complete, parts = None, 0
    while child.poll() is None:
        parts = max(parts, len(_parts(out)))
        if complete is None and _store_complete(out):
            complete = time.perf_counter() - clock
        time.sleep(0.002)
    total = time.perf_counter() - clock
    if child.code != 0:
        raise RuntimeError(f"uninterrupted run failed ({child.code}): {log.read_text()}")
    return Timing(total, total if complete is None else complete, parts)


# -- trials ------------------------------------------------------------------------


ATTEMPTS = 3  # a command that finishes before its moment is tried again, earlier


@dataclass
class Trial:
    """One kill-and-resume trial and what it found."""

    command: str
    number: int
    moment: Moment
    killed: bool = False
    left: str = ""  # what the kill left behind
    passed: bool = False
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def line(self) -> str:
        verdict = "pass" if self.passed else "FAIL: " + "; ".join(self.problems)
        kill = "killed" if self.killed else "finished before the kill"
        return (
            f"{self.command} trial {self.number:2d}: kill at {self.moment} ({kill}; "
            f"left {self.left}) -> {verdict} [{self.seconds:.1f} s]"
        )


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(RESULT_KEYS, ignore_index=True)


def _same(a: pd.DataFrame, b: pd.DataFrame) -> str | None:
    try:
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    except AssertionError as exc:
        return str(exc).splitlines()[0]
    return None


def what_is_left(out: Path) -> str:
    """A short description of a killed sweep's folder."""
    if not out.exists():
        return "no folder"
    if not (out / "manifest.json").exists():
        return "no manifest"
    parts = _parts(out)
    rows = sum(int(p.stem.rsplit("-", 1)[1]) for p in parts)
    tmp = len(list((out / "parts").glob(".*.tmp"))) if (out / "parts").is_dir() else 0
    state = "store complete" if _store_complete(out) else f"{len(parts)} part(s), {rows} row(s)"
    return state + (f", {tmp} temporary file(s)" if tmp else "")


def check_killed_store(out: Path, reference: pd.DataFrame) -> list[str]:
    """What a kill must not leave: a part with a final name that does not read back
    whole, or rows that differ from the uninterrupted run's."""
    problems = []
    frames = []
    for path in _parts(out):
        try:
            frames.append(pq.read_table(path).to_pandas())
        except Exception as exc:
            problems.append(f"{path.name} unreadable after the kill ({exc})")
    if frames:
        df = pd.concat(frames, ignore_index=True).drop_duplicates("key").drop(columns="key")
        df = _sorted(df)
        expected = reference.merge(df[RESULT_KEYS], on=RESULT_KEYS)
        if (diff := _same(df, _sorted(expected)[list(df.columns)])) is not None:
            problems.append(f"rows after the kill differ: {diff}")
    return problems


def _kill(launcher: Launcher, argv: list[str], out: Path, log: Path, cwd: Path, trial: Trial):
    """Start the command and kill it at the trial's moment (earlier if it finished
    first, up to :data:`ATTEMPTS` times, starting afresh each time)."""
    for _ in range(ATTEMPTS):
        child = launcher.start(argv, log, cwd)
        trial.killed = kill_at(child, trial.moment, out)
        if trial.killed:
            return
        shutil.rmtree(out, ignore_errors=True)
        trial.moment = trial.moment.earlier()
    trial.left = "(not killed)"


def sweep_trial(
    launcher: Launcher,
    experiment: Path,
    work: Path,
    number: int,
    moment: Moment,
    reference: pd.DataFrame,
) -> Trial:
    """Kill a sweep at ``moment``, check what is left, rerun it, compare the results."""
    trial = Trial("sweep", number, moment)
    start = time.perf_counter()
    out = work / f"sweep-{number}"
    argv = sweep_argv(experiment, out)
    _kill(launcher, argv, out, work / f"sweep-{number}-killed.log", experiment.parent, trial)
    trial.left = what_is_left(out)
    trial.problems += check_killed_store(out, reference)
    rerun_log = work / f"sweep-{number}-rerun.log"
    code = launcher.run(argv, rerun_log, cwd=experiment.parent)
    if code != 0:
        last = rerun_log.read_text(errors="replace").strip().splitlines()[-1:]
        trial.problems.append(f"rerun exited {code}: {last}")
    else:
        final = _sorted(pd.read_parquet(out / "results.parquet"))
        if (diff := _same(final, reference)) is not None:
            trial.problems.append(f"results differ from the uninterrupted run: {diff}")
    trial.passed = trial.killed and not trial.problems
    trial.seconds = time.perf_counter() - start
    return trial


def compare_tables(out: Path) -> dict[str, pd.DataFrame]:
    tables = {}
    for name in COMPARE_TABLES:
        path = out / name
        tables[name] = pd.read_csv(path) if name.endswith(".csv") else pd.read_parquet(path)
    return tables


def compare_trial(
    launcher: Launcher,
    folder: Path,
    work: Path,
    number: int,
    moment: Moment,
    reference: dict[str, pd.DataFrame],
    files: set[str],
) -> Trial:
    """Kill a compare at ``moment``: ``--out`` must be absent or complete; rerun when
    absent; the tables must equal the uninterrupted run's."""
    trial = Trial("compare", number, moment)
    start = time.perf_counter()
    out = work / f"compare-{number}"
    argv = compare_argv(folder, out)
    _kill(launcher, argv, out, work / f"compare-{number}-killed.log", folder, trial)
    stale = len(list(work.glob(f".compare-{number}.*.tmp")))
    if out.exists():
        found = {p.name for p in out.iterdir()}
        trial.left = "a complete folder" if found == files else f"{sorted(found)}"
        if found != files:
            trial.problems.append(f"half-written --out after the kill: {sorted(found)}")
    else:
        trial.left = "no --out folder" + (f", {stale} hidden temporary folder" if stale else "")
        code = launcher.run(argv, work / f"compare-{number}-rerun.log", cwd=folder)
        if code != 0:
            trial.problems.append(f"rerun exited {code}")
    if not trial.problems:
        for name, table in compare_tables(out).items():
            if (diff := _same(table, reference[name])) is not None:
                trial.problems.append(f"{name} differs from the uninterrupted run: {diff}")
    trial.passed = trial.killed and not trial.problems
    trial.seconds = time.perf_counter() - start
    return trial


@dataclass
class TrialRun:
    """Every trial of :func:`run_trials`, and the uninterrupted runs' timings."""

    trials: list[Trial]
    sweep: Timing
    compare: Timing | None
    seed: int
    seconds: float

    @property
    def passed(self) -> int:
        return sum(t.passed for t in self.trials)

    def summary(self) -> str:
        kinds = sorted({t.command for t in self.trials}, reverse=True)
        each = ", ".join(f"{sum(t.command == k for t in self.trials)} {k}" for k in kinds)
        return f"{self.passed}/{len(self.trials)} ({each}; seed {self.seed})"


def run_trials(
    work: Path,
    *,
    sweeps: int = 10,
    compares: int = 2,
    seed: int = 20240611,
    real: bool = False,
    log: Callable[[str], object] | None = None,
) -> TrialRun:
    """Run the uninterrupted references, then ``sweeps`` + ``compares`` trials in
    ``work``; ``log(line)`` is called with each trial's line as it finishes."""
    clock = time.perf_counter()
    folder = work / "experiment"
    experiment = write_experiment(folder)
    trials: list[Trial] = []
    with Launcher(real=real) as launcher:
        launcher.warm()
        ref = work / "sweep-reference"
        timing = timed_run(launcher, sweep_argv(experiment, ref), ref, ref.with_suffix(".log"),
                           folder)  # fmt: skip
        reference = _sorted(pd.read_parquet(ref / "results.parquet"))
        for i, moment in enumerate(sweep_moments(sweeps, seed, timing)):
            trials.append(sweep_trial(launcher, experiment, work, i, moment, reference))
            if log:
                log(trials[-1].line())
        compare_timing = None
        if compares:
            ref = work / "compare-reference"
            compare_timing = timed_run(launcher, compare_argv(folder, ref), ref,
                                       ref.with_suffix(".log"), folder)  # fmt: skip
            tables = compare_tables(ref)
            files = {p.name for p in ref.iterdir()}
            for i, moment in enumerate(compare_moments(compares, seed, compare_timing)):
                trials.append(compare_trial(launcher, folder, work, i, moment, tables, files))
                if log:
                    log(trials[-1].line())
    return TrialRun(trials, timing, compare_timing, seed, time.perf_counter() - clock)


def main(argv: list[str] | None = None) -> int:
    import argparse
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sweeps", type=int, default=10, help="sweep trials (default 10)")
    parser.add_argument("--compares", type=int, default=2, help="compare trials (default 2)")
    parser.add_argument("--seed", type=int, default=20240611, help="seed of the kill moments")
    parser.add_argument("--real", action="store_true", help="start the gvi executable itself")
    a = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        result = run_trials(
            Path(tmp), sweeps=a.sweeps, compares=a.compares, seed=a.seed, real=a.real,
            log=print,
        )  # fmt: skip
    print(f"kill-resume trials passed: {result.summary()} in {result.seconds:.0f} s")
    return 0 if result.passed == len(result.trials) else 1


if __name__ == "__main__":
    sys.exit(main())
