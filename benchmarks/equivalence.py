"""Statistical equivalence of the model's results in two source trees (issue 14).

A speed change may alter the order of random draws, and so every run's numbers, as long
as the results stay the same in distribution: over 200 seeds, every pattern of
``gvi check-patterns`` and the effect of the ``gvi`` preset must be statistically
indistinguishable from the reference. This command shows it::

    python -m benchmarks.equivalence [--seeds 200] [--ref COMMIT] [--workers 2] [--json F]

The reference is ``--ref`` (default: ``HEAD``, i.e. the committed model before any
uncommitted change), unpacked with ``git archive`` under ``.bench-cache/`` as the other
benchmarks do (:func:`benchmarks.common.reference_tree`); the current tree is the working
tree. Each tree's runs happen in child processes that import that tree's ``model`` and
``scenarios`` (this file run as a script with ``--child``; it checks where they came
from) and measure with that tree's own functions: ``model.patterns.run_stats``,
``top_share`` and ``drift_per_year``, ``Scenario.baseline_twin()`` and
``GVIModel.summary()``, which every tree since the reference has.

Replicate ``r`` (0 to N-1) uses child ``r`` of ``SeedSequence(--seed)``, as
``gvi check-patterns`` seeds its runs, and runs the ``baseline`` preset, the ``gvi``
preset and the ``gvi`` preset's baseline twin, in both trees alike. Per replicate it
yields the run-level version of each pattern statistic (for each preset: shootings per
year after the warm-up, drift, the top 10 % members' share, the retaliation share, mean
and median retaliation lag; for the twin: shootings per year and drift, which
``gvi check-patterns gvi`` takes from it) and the paired ``gvi`` effect after rollout,
``100 (gvi / twin - 1)``, on shootings, arrests and deaths.

Each statistic's per-replicate values of the two trees go through a two-sample
Kolmogorov-Smirnov and a Mann-Whitney U test; all p-values are Holm-adjusted together,
and the trees are *indistinguishable* when every adjusted p is at least 0.05. When every
per-replicate value is bit-identical the report says so ("identical draws"). The report
is a markdown table on stdout, also with the ``gvi check-patterns`` values pooled over the
same runs; progress goes to stderr. Exit code 0: indistinguishable; 1: not; 2: bad usage
or no verdict (a child failed, the commit is unknown).

Children run replicates in chunks on ``--workers`` processes, the two trees' chunks
interleaved so that load on a shared machine falls on both alike.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass
from importlib import import_module
from pathlib import Path
from typing import Any

import numpy as np

# Only the standard library and numpy at the top: run with ``--child`` this file imports
# the model of the tree on its path, and nothing of the working tree (``benchmarks``,
# scipy for the tests) is needed or wanted there.

SCRIPT = Path(__file__).resolve()
ROOT = SCRIPT.parent.parent
ALPHA = 0.05
DEFAULT_SEEDS = 200
DEFAULT_CHUNK = 20  # replicates per child: start-up (imports) is a few seconds
PRESETS = ("baseline", "gvi")
POST_METRICS = ("shootings", "arrests", "fatalities")
BLAS_ENV = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
TREE_PACKAGES = ("model", "agents", "scenarios")

Record = dict[str, Any]  # one replicate of one tree: {"replicate": r, "baseline": run, ...}

# Every statistic compared, in the table's order: key -> label.
STATISTICS: dict[str, str] = {
    **{
        f"{p}.{key}": f"{p}: {label}"
        for p in PRESETS
        for key, label in (
            ("volume", "shootings per year after warm-up"),
            ("drift", "drift, % per year"),
            ("top_share", "top 10 % members' share of shootings"),
            ("retaliation_share", "retaliation share"),
            ("lag_mean", "retaliation lag, mean (days)"),
            ("lag_median", "retaliation lag, median (days)"),
        )
    },
    "twin.volume": "gvi baseline twin: shootings per year after warm-up",
    "twin.drift": "gvi baseline twin: drift, % per year",
    "effect.shootings": "gvi effect on shootings after rollout, % vs twin",
    "effect.arrests": "gvi effect on arrests after rollout, % vs twin",
    "effect.fatalities": "gvi effect on deaths after rollout, % vs twin",
}


# --- the child: one tree, a chunk of replicates -----------------------------------------
def replicate_seed(root: int, replicate: int) -> np.random.SeedSequence:
    """Child ``replicate`` of ``SeedSequence(root)`` (as ``model.streams.child`` and
    ``gvi check-patterns`` derive it), built here so that it does not depend on the tree."""
    return np.random.SeedSequence(entropy=root, spawn_key=(replicate,))


def source_digest(tree: Path) -> str:
    """SHA-256 over the names and contents of the ``.py`` files of the tree's packages."""
    digest = hashlib.sha256()
    for package in TREE_PACKAGES:
        for path in sorted((tree / package).rglob("*.py")):
            digest.update(str(path.relative_to(tree)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def child_run(spec: Mapping[str, Any]) -> dict[str, Any]:
    """Run ``spec["replicates"]`` with the tree ``spec["tree"]`` (already first on
    ``sys.path``): per replicate, the ``baseline``, ``gvi`` and twin runs' raw figures."""
    tree = Path(spec["tree"]).resolve()
    # the tree's own modules (first on sys.path), whatever their version: typed loosely
    patterns: Any = import_module("model.patterns")
    load_scenario = import_module("scenarios").load_scenario

    files = {name: Path(import_module(name).__file__ or "") for name in TREE_PACKAGES}
    for name, file in files.items():
        if not file.resolve().is_relative_to(tree):
            raise SystemExit(f"equivalence child: {name} came from {file}, not from {tree}")
    source = source_digest(tree)  # as imported (or nearly): edits later show up as changes

    built: list[Any] = []
    real_model = patterns.GVIModel

    def keep(*args: Any, **kwargs: Any) -> Any:
        built.append(real_model(*args, **kwargs))
        return built[-1]

    def one(scenario: Any, seed: np.random.SeedSequence) -> dict[str, Any]:
        stats = patterns.run_stats(scenario, seed)
        if len(built) != 1:
            raise RuntimeError(f"run_stats built {len(built)} models, expected 1")
        run_model = built.pop()
        summary = run_model.summary()
        close = getattr(run_model, "close", None)
        if close is not None:
            close()
        yearly = [int(y) for y in stats.yearly_shootings]
        involvement = np.asarray(stats.involvement, dtype=np.int64)
        return {
            "yearly": yearly,
            "shootings": int(stats.shootings),
            "retaliations": int(stats.retaliations),
            "lags": [int(x) for x in stats.lags],
            "top_share": float(patterns.top_share(involvement)),
            "drift": float(patterns.drift_per_year(np.asarray(yearly, dtype=float))),
            "involvement_sha256": hashlib.sha256(involvement.tobytes()).hexdigest(),
            "post": {m: float(summary.loc[m, "post"]) for m in POST_METRICS},
            # the cascade figures, where the tree has them (trees before they existed: [])
            "offspring": [int(x) for x in getattr(stats, "offspring", [])],
            "cascade_sizes": [int(x) for x in getattr(stats, "cascade_sizes", [])],
        }

    updates = spec.get("updates") or {}
    base, gvi = (load_scenario(p) for p in PRESETS)
    if updates:
        base, gvi = base.with_updates(updates), gvi.with_updates(updates)
    runs = {"baseline": base, "gvi": gvi, "twin": gvi.baseline_twin()}
    records = []
    patterns.GVIModel = keep  # run_stats builds its model through this name
    try:
        for r in spec["replicates"]:
            seed = replicate_seed(int(spec["root"]), int(r))
            records.append({"replicate": int(r), **{k: one(sc, seed) for k, sc in runs.items()}})
    finally:
        patterns.GVIModel = real_model
    return {"records": records, "model_file": str(files["model"]), "source": source}


def child_main(arg: str) -> int:
    """``--child SPEC``: put the tree first on ``sys.path``, run, print one JSON line."""
    spec = json.loads(arg)
    sys.path[0] = str(Path(spec["tree"]).resolve())  # replaces this file's folder
    print(json.dumps(child_run(spec)))
    return 0


# --- the statistics ---------------------------------------------------------------------
def _nan_mean(values: Sequence[float]) -> float:
    return float(np.mean(values)) if len(values) else math.nan


def _nan_median(values: Sequence[float]) -> float:
    return float(np.median(values)) if len(values) else math.nan


def _change(treated: float, control: float) -> float:
    return 100.0 * (treated / control - 1.0) if control > 0 else math.nan


def per_replicate(records: Sequence[Record]) -> dict[str, list[float]]:
    """Every statistic of :data:`STATISTICS`, one value per replicate (NaN: undefined)."""
    out: dict[str, list[float]] = {key: [] for key in STATISTICS}
    for rec in sorted(records, key=lambda r: r["replicate"]):
        values: dict[str, float] = {}
        for p in PRESETS:
            run = rec[p]
            values[f"{p}.volume"] = _nan_mean(run["yearly"])
            values[f"{p}.drift"] = run["drift"]
            values[f"{p}.top_share"] = run["top_share"]
            values[f"{p}.retaliation_share"] = run["retaliations"] / max(run["shootings"], 1)
            values[f"{p}.lag_mean"] = _nan_mean(run["lags"])
            values[f"{p}.lag_median"] = _nan_median(run["lags"])
        twin, gvi = rec["twin"], rec["gvi"]
        values["twin.volume"] = _nan_mean(twin["yearly"])
        values["twin.drift"] = twin["drift"]
        for m in POST_METRICS:
            values[f"effect.{m}"] = _change(gvi["post"][m], twin["post"][m])
        for key in STATISTICS:
            out[key].append(float(values[key]))
    return out


def _drift(yearly: np.ndarray) -> float:
    """The formula of ``model.patterns.drift_per_year`` (for the pooled values)."""
    if len(yearly) < 2 or yearly.mean() == 0:
        return math.nan
    return float(100.0 * np.polyfit(np.arange(len(yearly)), yearly, 1)[0] / yearly.mean())


def pooled_patterns(records: Sequence[Record]) -> dict[str, float]:
    """The values ``gvi check-patterns`` reports for ``baseline`` and ``gvi`` over these
    runs (volume and drift of ``gvi`` from its twin, as there), and the pooled paired
    ``gvi`` effect on shootings, ``100 (sum gvi / sum twin - 1)``. Cascade figures use
    the working tree's formulas (NaN for a tree without cascades)."""
    from model.patterns import follow_on_share, mean_cascade_size

    out: dict[str, float] = {}
    for p, base_of in (("baseline", "baseline"), ("gvi", "twin")):
        runs = [rec[p] for rec in records]
        yearly = np.mean([rec[base_of]["yearly"] for rec in records], axis=0)
        lags = [lag for run in runs for lag in run["lags"]]
        shootings = sum(run["shootings"] for run in runs)
        out[f"{p}.volume"] = float(yearly.mean())
        out[f"{p}.stationarity"] = _drift(yearly)
        tops = [run["top_share"] for run in runs if math.isfinite(run["top_share"])]
        out[f"{p}.concentration"] = _nan_mean(tops)
        out[f"{p}.retaliation_share"] = sum(r["retaliations"] for r in runs) / max(shootings, 1)
        out[f"{p}.retaliation_lag"] = _nan_median(lags)
        out[f"{p}.retaliation_lag_mean"] = _nan_mean(lags)
        sizes = np.concatenate([np.asarray(r.get("cascade_sizes", []), dtype=int) for r in runs])
        kids = np.concatenate([np.asarray(r.get("offspring", []), dtype=int) for r in runs])
        out[f"{p}.cascade_size"] = mean_cascade_size(sizes)
        out[f"{p}.follow_on_concentration"] = follow_on_share(kids)
    treated = sum(rec["gvi"]["post"]["shootings"] for rec in records)
    control = sum(rec["twin"]["post"]["shootings"] for rec in records)
    out["gvi.gvi_effect"] = _change(treated, control)
    return out


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm's step-down adjustment: the ``k``-th smallest of ``m`` p-values times
    ``m - k + 1`` (``k`` from 1), kept monotone and at most 1; in the input's order."""
    m = len(pvalues)
    order = sorted(range(m), key=lambda i: pvalues[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * pvalues[i]))
        adjusted[i] = running
    return adjusted


def two_sample_p(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """p-values of the two-sample Kolmogorov-Smirnov and Mann-Whitney U tests (two-sided).
    Samples equal as multisets give 1 and 1; one empty sample against a non-empty one
    gives 0 and 0 (a statistic defined in one tree only)."""
    from scipy import stats  # noqa: PLC0415 - not needed in the children

    if np.array_equal(np.sort(a), np.sort(b)):
        return 1.0, 1.0
    if not len(a) or not len(b):
        return 0.0, 0.0
    ks = stats.ks_2samp(a, b)
    mw = stats.mannwhitneyu(a, b, alternative="two-sided")
    return float(ks.pvalue), float(mw.pvalue)


def mean_difference(
    a: np.ndarray, b: np.ndarray, level: float = 0.95
) -> tuple[float, float, float]:
    """``mean(b) - mean(a)`` with its Welch t interval (NaN when either has < 2 values)."""
    from scipy import stats  # noqa: PLC0415

    if len(a) < 2 or len(b) < 2:
        diff = float(b.mean() - a.mean()) if len(a) and len(b) else math.nan
        return diff, math.nan, math.nan
    diff = float(b.mean() - a.mean())
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = math.sqrt(va + vb)
    if se == 0:
        return diff, diff, diff
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    half = float(stats.t.ppf(0.5 + level / 2, df)) * se
    return diff, diff - half, diff + half


@dataclass
class Row:
    """One statistic: sizes, means, the difference (current - reference) with its 95 %
    interval, and the raw and Holm-adjusted p-values of both tests."""

    key: str
    label: str
    n_ref: int
    n_cur: int
    mean_ref: float
    mean_cur: float
    diff: float
    ci_low: float
    ci_high: float
    ks_p: float
    mw_p: float
    ks_holm: float = math.nan
    mw_holm: float = math.nan

    @property
    def differs(self) -> bool:
        return min(self.ks_holm, self.mw_holm) < ALPHA


@dataclass
class Verdict:
    """Every statistic's row; ``indistinguishable`` when every Holm-adjusted p >= alpha."""

    rows: list[Row]
    alpha: float

    @property
    def indistinguishable(self) -> bool:
        return all(min(r.ks_holm, r.mw_holm) >= self.alpha for r in self.rows)

    @property
    def n_tests(self) -> int:
        return 2 * len(self.rows)


def compare_samples(
    ref: Mapping[str, Sequence[float]],
    cur: Mapping[str, Sequence[float]],
    *,
    labels: Mapping[str, str] | None = None,
    alpha: float = ALPHA,
) -> Verdict:
    """Test each statistic's reference sample against its current one (NaNs dropped):
    KS and Mann-Whitney U, all p-values Holm-adjusted together."""
    rows = []
    for key in ref:
        a = np.asarray(ref[key], dtype=float)
        b = np.asarray(cur[key], dtype=float)
        a, b = a[np.isfinite(a)], b[np.isfinite(b)]
        ks_p, mw_p = two_sample_p(a, b)
        diff, lo, hi = mean_difference(a, b)
        rows.append(
            Row(
                key=key,
                label=(labels or {}).get(key, key),
                n_ref=len(a),
                n_cur=len(b),
                mean_ref=float(a.mean()) if len(a) else math.nan,
                mean_cur=float(b.mean()) if len(b) else math.nan,
                diff=diff,
                ci_low=lo,
                ci_high=hi,
                ks_p=ks_p,
                mw_p=mw_p,
            )
        )
    adjusted = holm([p for r in rows for p in (r.ks_p, r.mw_p)])
    for i, r in enumerate(rows):
        r.ks_holm, r.mw_holm = adjusted[2 * i], adjusted[2 * i + 1]
    return Verdict(rows, alpha)


def identical(ref: Sequence[Record], cur: Sequence[Record]) -> bool:
    """Whether every replicate's raw figures are bit-identical in both trees (NaN equal
    to NaN)."""

    def key(records: Sequence[Record]) -> str:
        ordered = sorted(records, key=lambda r: r["replicate"])
        return json.dumps(ordered, sort_keys=True, allow_nan=True)

    return len(ref) == len(cur) and key(ref) == key(cur)


# --- running the two trees --------------------------------------------------------------
def run_chunk(tree: Path, spec: Mapping[str, Any]) -> dict[str, Any]:
    """Run one child against ``tree``; its JSON result."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    for name in BLAS_ENV:  # two or more processes share the cores already
        env.setdefault(name, "1")
    out = subprocess.run(
        [sys.executable, str(SCRIPT), "--child", json.dumps({**spec, "tree": str(tree)})],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        tail = "\n".join(out.stderr.strip().splitlines()[-15:])
        raise RuntimeError(f"equivalence child failed in {tree}:\n{tail}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_trees(
    trees: Mapping[str, Path],
    *,
    seeds: int,
    root: int = 1,
    workers: int = 2,
    chunk: int = DEFAULT_CHUNK,
    updates: Mapping[str, Any] | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, dict[str, Any]]:
    """Replicates ``0..seeds-1`` in every tree, in chunks on ``workers`` processes, the
    trees' chunks interleaved. Per tree label: ``records`` and the ``model_file`` seen."""
    chunk = max(1, min(chunk, math.ceil(seeds / workers)))
    tasks = [
        (label, list(range(start, min(start + chunk, seeds))))
        for start in range(0, seeds, chunk)
        for label in trees
    ]
    result: dict[str, dict[str, Any]] = {
        label: {"records": [], "model_files": set(), "sources": set()} for label in trees
    }
    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures: dict[Future[dict[str, Any]], tuple[str, list[int]]] = {
            pool.submit(
                run_chunk, trees[label], {"replicates": reps, "root": root, "updates": updates}
            ): (label, reps)
            for label, reps in tasks
        }
        pending = set(futures)
        done_count = 0
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                label, reps = futures[fut]
                try:
                    out = fut.result()
                except BaseException:
                    for other in pending:
                        other.cancel()
                    raise
                result[label]["records"].extend(out["records"])
                result[label]["model_files"].add(out["model_file"])
                result[label]["sources"].add(out["source"])
                done_count += 1
                if progress is not None:
                    progress(
                        f"{label}: replicates {reps[0]}-{reps[-1]} done "
                        f"({done_count}/{len(tasks)} children, {time.perf_counter() - t0:.0f} s)"
                    )
    for label in trees:
        for key in ("model_files", "sources"):
            result[label][key] = sorted(result[label][key])
    return result


def _git(*args: str) -> str:
    out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise ValueError(out.stderr.strip().splitlines()[-1] if out.stderr.strip() else "git")
    return out.stdout.rstrip("\n")  # the leading blank of a porcelain status line counts


def resolve_commit(ref: str) -> str:
    """``ref`` (a hash, tag, branch, ``HEAD``...) as a short commit hash."""
    try:
        return _git("rev-parse", "--verify", "--quiet", "--short", f"{ref}^{{commit}}")
    except ValueError:
        raise ValueError(f"unknown commit {ref!r}") from None


def describe_working_tree() -> str:
    """``working tree (HEAD abc1234)``, naming the packages with uncommitted changes."""
    try:
        head = _git("rev-parse", "--short", "HEAD")
        status = _git("status", "--porcelain", "--", *TREE_PACKAGES)
    except (ValueError, OSError):
        return "working tree"
    changed = sorted({line[3:].split("/")[0] for line in status.splitlines() if line})
    more = f" + uncommitted changes in {', '.join(p + '/' for p in changed)}" if changed else ""
    return f"working tree (HEAD {head}{more})"


# --- the report -------------------------------------------------------------------------
def _f(x: float, digits: int = 3) -> str:
    return (
        "n/a" if not math.isfinite(x) else f"{x:.{digits}g}" if abs(x) >= 1e4 else f"{x:.{digits}f}"
    )


def _p(p: float, adjusted: float) -> str:
    text = f"{p:.3f} ({adjusted:.3f})"
    return f"**{text}**" if adjusted < ALPHA else text


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def changed_sources(summary: Mapping[str, Any]) -> list[str]:
    """A warning paragraph per tree whose children saw different sources (the files were
    edited during the run), else nothing."""
    lines = []
    for label, digests in summary["sources"].items():
        if len(digests) > 1:
            lines += [
                f"**Warning:** the {label} tree's `model`, `agents` or `scenarios` changed "
                f"during the run ({len(digests)} versions among its children); rerun when "
                "the tree is not being edited.",
                "",
            ]
    return lines


def report_markdown(summary: Mapping[str, Any], verdict: Verdict) -> str:
    """The report: heading, verdict, how it was tested, the table, the pooled values."""
    n = summary["seeds"]
    if summary["identical"]:
        outcome = (
            "**indistinguishable**: identical draws, every per-replicate value is "
            "bit-identical in both trees"
        )
    elif verdict.indistinguishable:
        outcome = "**indistinguishable** (the draws differ; no test rejects at the 5 % level)"
    else:
        flagged = ", ".join(r.key for r in verdict.rows if r.differs)
        outcome = f"**distinguishable**: {flagged}"
    lines = [
        f"### Equivalence over {n} seeds: {summary['ref_label']} vs {summary['current_label']}",
        "",
        f"Verdict: {outcome}.",
        "",
        *changed_sources(summary),
        f"Replicate r = 0..{n - 1} uses child r of `SeedSequence({summary['root']})` (as "
        "`gvi check-patterns`) for the `baseline` preset, the `gvi` preset and its baseline "
        "twin, in both trees. Per statistic a two-sample Kolmogorov-Smirnov and a "
        f"Mann-Whitney U test; the {verdict.n_tests} p-values are Holm-adjusted together, "
        f"and the trees count as indistinguishable when every adjusted p >= {verdict.alpha:g}. "
        "Differences are current - reference with a 95 % Welch interval. "
        f"Wall time {_duration(summary['wall_s'])} on {summary['workers']} worker(s).",
        "",
        "| statistic | n (ref/cur) | ref mean | current mean | difference (95 % CI) "
        "| KS p (Holm) | MWU p (Holm) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in verdict.rows:
        ci = f"{r.diff:+.3f} ({r.ci_low:+.3f} to {r.ci_high:+.3f})"
        if not math.isfinite(r.ci_low):
            ci = f"{_f(r.diff)} (n/a)"
        lines.append(
            f"| {r.label} | {r.n_ref}/{r.n_cur} | {_f(r.mean_ref)} | {_f(r.mean_cur)} | {ci} "
            f"| {_p(r.ks_p, r.ks_holm)} | {_p(r.mw_p, r.mw_holm)} |"
        )
    pooled_ref, pooled_cur = summary["pooled"]["ref"], summary["pooled"]["current"]
    lines += [
        "",
        f"`gvi check-patterns` values over the same {n} runs (pooled as there; volume and "
        "drift of `gvi` from its twin) and the pooled paired `gvi` effect on shootings:",
        "",
        "| pattern | reference | current |",
        "|---|---|---|",
    ]
    lines += [f"| {key} | {_f(pooled_ref[key])} | {_f(pooled_cur[key])} |" for key in pooled_ref]
    return "\n".join(lines) + "\n"


def _jsonable(x: Any) -> Any:
    """``x`` with NaN and infinities as ``None`` (strict JSON)."""
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {k: _jsonable(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_jsonable(v) for v in x]
    return x


def equivalence(
    *,
    ref_tree: Path,
    current_tree: Path,
    seeds: int,
    root: int = 1,
    workers: int = 2,
    chunk: int = DEFAULT_CHUNK,
    updates: Mapping[str, Any] | None = None,
    progress: Callable[[str], None] | None = None,
    labels: tuple[str, str] = ("reference", "current"),
) -> tuple[dict[str, Any], Verdict]:
    """Run both trees and compare them: the summary (for the report and JSON) and the
    verdict. ``updates`` (dotted keys) change both presets alike, e.g. a shorter run."""
    t0 = time.perf_counter()
    runs = run_trees(
        {"ref": ref_tree, "current": current_tree},
        seeds=seeds,
        root=root,
        workers=workers,
        chunk=chunk,
        updates=updates,
        progress=progress,
    )
    wall = time.perf_counter() - t0
    ref_records, cur_records = runs["ref"]["records"], runs["current"]["records"]
    samples = {"ref": per_replicate(ref_records), "current": per_replicate(cur_records)}
    verdict = compare_samples(samples["ref"], samples["current"], labels=STATISTICS)
    summary: dict[str, Any] = {
        "seeds": seeds,
        "root": root,
        "workers": workers,
        "wall_s": wall,
        "ref_label": labels[0],
        "current_label": labels[1],
        "ref_tree": str(ref_tree),
        "current_tree": str(current_tree),
        "model_files": {k: runs[k]["model_files"] for k in runs},
        "sources": {k: runs[k]["sources"] for k in runs},
        "identical": identical(ref_records, cur_records),
        "pooled": {"ref": pooled_patterns(ref_records), "current": pooled_patterns(cur_records)},
        "per_replicate": samples,
        "updates": dict(updates or {}),
    }
    return summary, verdict


def to_json(summary: Mapping[str, Any], verdict: Verdict) -> dict[str, Any]:
    """The summary with the verdict and rows, as strict JSON."""
    return _jsonable(
        {
            **summary,
            "alpha": verdict.alpha,
            "indistinguishable": verdict.indistinguishable,
            "rows": [asdict(r) for r in verdict.rows],
        }
    )


# --- the command ------------------------------------------------------------------------
class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # one line, exit 2
        self.exit(2, f"equivalence: error: {message}\n")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = _Parser(
        prog="python -m benchmarks.equivalence",
        description="Test whether the working tree's results are statistically "
        "indistinguishable from a reference commit's (issue 14).",
    )
    parser.add_argument("--seeds", type=_positive, default=DEFAULT_SEEDS, help="replicates")
    parser.add_argument("--ref", default="HEAD", help="reference commit (default: HEAD)")
    parser.add_argument("--workers", type=_positive, default=2, help="child processes")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument("--seed", type=int, default=1, help="root seed (default 1)")
    parser.add_argument(
        "--chunk", type=_positive, default=DEFAULT_CHUNK, help="replicates per child"
    )
    args = parser.parse_args(argv)
    if args.seeds < 2:
        parser.error("--seeds must be at least 2")
    if args.seed < 0:
        parser.error("--seed must be >= 0")
    if args.json is not None and not args.json.parent.is_dir():
        parser.error(f"--json: no folder {args.json.parent}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--child"]:
        if len(argv) != 2:
            print("equivalence: error: --child takes one JSON argument", file=sys.stderr)
            return 2
        return child_main(argv[1])
    args = parse_args(argv)
    from benchmarks.common import reference_tree  # noqa: PLC0415 - not in the children

    def fail(message: str) -> int:
        print(f"equivalence: error: {message}", file=sys.stderr)
        return 2

    try:
        commit = resolve_commit(args.ref)
    except (ValueError, OSError) as exc:
        return fail(str(exc))
    tree, why = reference_tree(commit)
    if tree is None:
        return fail(why)

    def progress(message: str) -> None:
        print(f"equivalence: {message}", file=sys.stderr, flush=True)

    progress(f"reference {commit} in {tree}; current: {ROOT}; {args.seeds} seeds")
    try:
        summary, verdict = equivalence(
            ref_tree=tree,
            current_tree=ROOT,
            seeds=args.seeds,
            root=args.seed,
            workers=args.workers,
            chunk=args.chunk,
            progress=progress,
            labels=(f"reference {commit}", describe_working_tree()),
        )
    except RuntimeError as exc:
        return fail(str(exc))
    summary["ref_commit"] = commit
    for line in changed_sources(summary)[::2]:
        progress(line.replace("**", ""))
    print(report_markdown(summary, verdict), end="")
    if args.json is not None:
        args.json.write_text(json.dumps(to_json(summary, verdict), indent=1) + "\n")
        progress(f"wrote {args.json}")
    return 0 if verdict.indistinguishable else 1


if __name__ == "__main__":
    sys.exit(main())
