"""Reliability figures in one Markdown table (``make reliability``).

    python -m benchmarks.reliability                  # everything, 10,000-run soak
    python -m benchmarks.reliability --quick          # small counts (a minute or two)
    python -m benchmarks.reliability --soak-runs 2000

Rows:

* broken inputs tried / rejected cleanly — the corpus of ``tests/corpus`` through ``gvi``
  (:func:`benchmarks.reliability_inputs.input_figures`);
* kill-resume trials passed — ``gvi sweep`` and ``gvi compare`` killed with SIGKILL at
  seeded random moments, rerun, and compared with an uninterrupted run
  (:mod:`benchmarks.faults`, the same trials as ``tests/test_faults.py``);
* soak — model runs through one pool of 2 workers, peak memory per worker and its
  growth after the 10 % mark (:mod:`benchmarks.soak`);
* concurrent app sessions held — :func:`benchmarks.reliability_app.app_sessions`;
* abandoned app sessions freed — :func:`benchmarks.reliability_app.abandoned_row`;
* models through the public API in one process, orphans after SIGKILL of the main
  process, and two commands on one ``--out`` (:mod:`benchmarks.reliability_procs`).

A part whose module is missing reads "not measured"; one that fails reads "error: ...".
The table is printed and written to ``results/reliability.md``. The exit code is 1 if a
measured part failed (a trial, a rejected input, an error), else 0.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "results" / "reliability.md"
NOT_MEASURED = "not measured"
# Memory is flat when no worker grows by 10 MB or more from the 10 % mark to the end (a
# leaked model costs ~0.5 MB). A worker's RSS rises by ~10-15 MB over its first ~150 runs
# (allocator and caches settling), so a soak is judged only from 2,000 runs on.
GROWTH_LIMIT_MB = 10.0
JUDGED_FROM = 2000


class Row:
    """One line of the table: what was checked, the figure, and whether it held."""

    def __init__(self, check: str, figure: str, ok: bool | None) -> None:
        self.check, self.figure, self.ok = check, figure, ok


def _optional(module: str, name: str) -> Callable[[], Any] | None:
    """``module.name`` if that module exists (parts written separately may not yet)."""
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name in (module, module.rsplit(".", 1)[0]):
            return None
        raise
    return getattr(mod, name, None)


def inputs_row() -> Row:
    check = "broken inputs tried / rejected cleanly"
    figures = _optional("benchmarks.reliability_inputs", "input_figures")
    if figures is None:
        return Row(check, NOT_MEASURED, None)
    n = figures()
    tried, accepted = n.get("inputs_tried", 0), n.get("accepted_as_expected", 0)
    rejected, failures = n.get("rejected_cleanly", 0), n.get("failures", 0)
    broken = tried - accepted
    figure = (
        f"{broken} broken inputs tried, {rejected} rejected cleanly (exit 2, one line per "
        f"problem, no traceback, nothing written); {accepted} valid exports accepted; "
        f"{failures} failure{'s' * (failures != 1)}"
    )
    by_class = n.get("by_class", {})
    if by_class:
        figure += "; by class: " + ", ".join(
            f"{k} {c['rejected_cleanly']}/{c['tried'] - c['accepted_as_expected']}"
            for k, c in by_class.items()
        )
    if failures:
        figure += f" ({', '.join(map(str, n.get('failed_cases', [])[:5]))})"
    return Row(check, figure, failures == 0)


def trials_row(sweeps: int, compares: int, seed: int) -> Row:
    from benchmarks.faults import run_trials

    with tempfile.TemporaryDirectory(prefix="gvi-faults-") as tmp:
        result = run_trials(
            Path(tmp), sweeps=sweeps, compares=compares, seed=seed,
            log=lambda line: print(f"  {line}", file=sys.stderr, flush=True),
        )  # fmt: skip
    total = len(result.trials)
    figure = (
        f"{result.passed}/{total} passed ({sweeps} `gvi sweep`, {compares} `gvi compare`; "
        f"SIGKILL of the process group at seeded random moments, seed {seed}; rerun equal "
        f"to an uninterrupted run; {result.seconds:.0f} s)"
    )
    return Row("kill-resume trials passed", figure, result.passed == total)


def soak_row(runs: int) -> Row:
    from benchmarks.soak import report, run_soak

    f = run_soak(runs, workers=2)
    print(report(f), file=sys.stderr)
    workers = f["per_worker"]
    peaks = " / ".join(f"{w['peak_mb']:.0f}" for w in workers)
    growth = " / ".join(
        "-" if w["growth_mb"] is None else f"{w['growth_mb']:+.1f}" for w in workers
    )
    figure = (
        f"{f['done']:,} runs in one pool of {f['workers']} workers, {f['seconds']:.0f} s "
        f"({f['runs_per_second']:.0f} runs/s); peak RSS per worker {peaks} MB; growth "
        f"from the 10 % mark to the end {growth} MB"
    )
    flat = all(w["growth_mb"] is not None and w["growth_mb"] < GROWTH_LIMIT_MB for w in workers)
    if runs < JUDGED_FROM:  # the 10 % mark falls in the workers' first runs
        figure += f" (fewer than {JUDGED_FROM:,} runs: not judged)"
        return Row("soak runs and peak memory per worker", figure, None)
    return Row("soak runs and peak memory per worker", figure, flat and f["done"] == runs)


def app_row() -> Row:
    check = "concurrent app sessions held"
    hook = _optional("benchmarks.reliability_app", "app_sessions")
    if hook is None:
        return Row(check, NOT_MEASURED, None)
    value = hook()
    if isinstance(value, dict):
        ok = value.get("ok", value.get("passed"))
        text = value.get("summary") or ", ".join(
            f"{k.replace('_', ' ')} {v}" for k, v in value.items() if k not in ("ok", "passed")
        )
        return Row(check, str(text), None if ok is None else bool(ok))
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Row(check, f"{value:g} sessions", None)
    return Row(check, str(value) if value is not None else NOT_MEASURED, None)


def api_row(models: int) -> Row:
    from benchmarks.reliability_procs import FLAT_MB, public_api_soak

    f = public_api_soak(models)
    figure = (
        f"{f['models']:,} full-length `{f['scenario']}` models (`GVIModel(...)`, "
        f"`run_model()`) in one process, {f['seconds']:.0f} s; RSS {f['rss_at_mark_mb']:.0f} MB "
        f"at the 10 % mark, {f['rss_end_mb']:.0f} MB at the end ({f['growth_mb']:+.1f} MB; "
        f"flat means within {FLAT_MB:.0f} MB)"
    )
    judged = models >= 2000
    return Row("models through the public API in one process", figure, f["ok"] if judged else None)


def orphan_row() -> Row:
    from benchmarks.reliability_procs import orphan_check

    f = orphan_check()
    figure = (
        f"`gvi sweep --workers 2` SIGKILLed while its pool ran: {f['left']} of "
        f"{f['workers']} workers left after {f['seconds']:.1f} s"
    )
    return Row("pool workers left after SIGKILL of the main process", figure, f["ok"])


def lock_row() -> Row:
    from benchmarks.reliability_procs import concurrent_out_check

    f = concurrent_out_check()
    figure = (
        f"second `gvi sweep` on the same --out: exit {f['second_exit']}, "
        f'"{f["second_message"][:90]}"; the first finished with exit {f["first_exit"]}'
    )
    return Row("two commands on one --out", figure, f["ok"])


def measure(name: str, part: Callable[[], Row]) -> Row:
    """Run one part; a crash becomes its row's figure instead of ending the report."""
    print(f"measuring: {name} ...", file=sys.stderr, flush=True)
    start = time.perf_counter()
    try:
        row = part()
    except Exception as exc:
        first = (str(exc).strip().splitlines() or [""])[0][:200]
        row = Row(name, f"error: {type(exc).__name__}: {first}", False)
    print(f"  done in {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    return row


def table(rows: list[Row], header: str) -> str:
    mark = {True: "yes", False: "**no**", None: "-"}
    lines = [header, "", "| check | result | holds |", "|---|---|---|"]
    lines += [f"| {r.check} | {r.figure.replace('|', '/')} | {mark[r.ok]} |" for r in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small counts")
    parser.add_argument("--soak-runs", type=int, help="soak runs (default 10000; quick 500)")
    parser.add_argument("--sweep-trials", type=int, help="killed sweeps (default 20; quick 3)")
    parser.add_argument("--compare-trials", type=int, help="killed compares (default 4; quick 1)")
    parser.add_argument("--api-models", type=int, help="public-API soak (default 2000; quick 200)")
    parser.add_argument("--seed", type=int, default=20240611, help="seed of the kill moments")
    parser.add_argument("--out", type=Path, default=OUT, help=f"also write here ({OUT.name})")
    args = parser.parse_args(argv)
    soak_runs = args.soak_runs or (500 if args.quick else 10_000)
    sweeps = args.sweep_trials if args.sweep_trials is not None else (3 if args.quick else 20)
    compares = args.compare_trials if args.compare_trials is not None else (1 if args.quick else 4)
    api_models = args.api_models or (200 if args.quick else 2000)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))

    rows = [
        measure("broken inputs tried / rejected cleanly", inputs_row),
        measure("kill-resume trials passed", lambda: trials_row(sweeps, compares, args.seed)),
        measure("soak runs and peak memory per worker", lambda: soak_row(soak_runs)),
        measure("concurrent app sessions held", app_row),
        measure(
            "abandoned app sessions freed",
            lambda: importlib.import_module("benchmarks.reliability_app").abandoned_row(),
        ),
        measure("models through the public API in one process", lambda: api_row(api_models)),
        measure("pool workers left after SIGKILL of the main process", orphan_row),
        measure("two commands on one --out", lock_row),
    ]
    when = datetime.now(UTC).strftime("%Y-%m-%d")
    header = (
        f"Reliability, measured {when} on {os.cpu_count()} cores, Python "
        f"{platform.python_version()}{' (--quick)' if args.quick else ''}:"
    )
    text = table(rows, header)
    print(text)
    from experiments.output import atomic_text

    args.out.parent.mkdir(parents=True, exist_ok=True)
    atomic_text(text + "\n", args.out)
    print(f"\nwritten to {args.out}", file=sys.stderr)
    return 1 if any(r.ok is False for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
