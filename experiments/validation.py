"""Validating the default model (``gvi validate-model``) against every pattern declared
in :mod:`experiments.patterns` (DOMAIN.md section 4).

    >>> from experiments.validation import validate
    >>> v = validate(replicates=20, seed=1, workers=2)        # doctest: +SKIP
    >>> [(c.name, c.passed) for c in v.checks]                 # doctest: +SKIP

Every scenario runs ``replicates`` times with common random numbers (replicate ``r``
uses the same child seed in every scenario, as in :mod:`experiments.runner`). Each check
has a point estimate over all replicates and a 95 % percentile-bootstrap interval that
resamples replicates (pairs of scenarios stay paired). A check passes when its point
estimate lies in the pattern's target range and meets the further condition the pattern
states (the GVI effect, for one, also needs an interval excluding 0).

This is the model-level validation; ``gvi check-patterns`` checks one scenario's run-level
patterns (:func:`experiments.patterns.check_patterns`), and ``gvi validate`` checks that
scenario files are well formed.

Sources: Papachristos, Wildeman & Roberto 2015 (concentration); Green, Horel &
Papachristos 2017 (63.1 % contagion, lag median 83 and mean 125 days, cascades of mean
size 2.7) and Kucharski 2020 on its cascades (under 10 % of shootings caused 80 % of the
follow-ons); Sturup et al. 2017 (near-repeat 2-4 weeks); Braga et al. 2001, 2014, 2019;
Papachristos & Kirk 2015; Braga, Weisburd & Turchan 2024 (GVI effects); Braga, Hureau &
Winship 2008 (lapse); NNSC (support alone); Wheeler et al. 2019 (message diffusion);
Örebro and Stockton (uptake, caseload).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from model import GVIModel
from model.events import Cause, EventKind
from model.patterns import (
    drift_per_year,
    follow_on_share,
    infection_forest,
    mean_cascade_size,
    top_share,
)
from model.time import DAYS_PER_YEAR
from scenarios import Scenario, load_scenario

from .executors import make_executor
from .output import atomic_text
from .patterns import PATTERNS
from .runner import Task, root_entropy, run_tasks

HALF_YEAR = 182
NOTIFIED_WINDOW = 90  # days: an offer counts as "to a notified member" within this
N_BOOT = 1000

# name -> (preset, dotted updates)
SCENARIOS: dict[str, tuple[str, dict[str, Any]]] = {
    "baseline": ("baseline", {}),
    "gvi": ("gvi", {}),
    "support_only": ("support_only", {}),
    "crackdown": ("crackdown", {}),
    "gvi_lapse": ("gvi_lapse", {}),
    "gvi_no_follow_through": ("gvi", {"enforcement.fidelity": 0.0}),
    "gvi_reach_5": ("gvi", {"callins.attendees": 5}),
    "gvi_reach_15": ("gvi", {"callins.attendees": 15}),
    "gvi_reach_30": ("gvi", {"callins.attendees": 30}),
    "orebro": ("orebro", {}),
}
REACH = (5, 15, 30)


@dataclass
class Record:
    """What one run contributes to the checks (days counted from the warm-up's end)."""

    scenario: str
    replicate: int
    rollout: int
    end: int
    lapse: int | None
    daily_shootings: np.ndarray
    arrests_post: float
    actions_first_year: int
    involvement: np.ndarray
    retaliations: int
    lags: list[int]
    offers_notified: int
    accepted_notified: int
    caseload: float
    offspring: np.ndarray  # follow-ons of each shooting (model.patterns.infection_forest)
    cascade_sizes: np.ndarray

    def shootings(self, lo: int, hi: int) -> float:
        return float(self.daily_shootings[lo:hi].sum())

    @property
    def yearly(self) -> list[float]:
        years = len(self.daily_shootings) // DAYS_PER_YEAR
        return [self.shootings(y * DAYS_PER_YEAR, (y + 1) * DAYS_PER_YEAR) for y in range(years)]


@dataclass
class Check:
    """One pattern: its source, target, simulated value with a 95 % interval, verdict."""

    key: str
    name: str
    source: str
    target: str
    value: float
    ci_low: float
    ci_high: float
    unit: str
    passed: bool
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        def num(x: float) -> float | None:
            return None if not math.isfinite(x) else round(float(x), 4)

        d = asdict(self)
        d.update(value=num(self.value), ci_low=num(self.ci_low), ci_high=num(self.ci_high))
        return d


@dataclass
class Validation:
    """All checks, and the per-run records behind them (for the plots)."""

    checks: list[Check]
    records: dict[str, list[Record]]
    replicates: int
    seed: int

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    def to_json(self) -> dict[str, Any]:
        return {
            "replicates": self.replicates,
            "seed": self.seed,
            "passed": self.passed,
            "checks": [c.to_dict() for c in self.checks],
        }

    def save(self, out: str | Path) -> Path:
        """Write ``validation.json`` and the self-contained ``validation.html``."""
        from gvi.report.validation import render_html

        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        atomic_text(json.dumps(self.to_json(), indent=2), out / "validation.json")
        atomic_text(render_html(self), out / "validation.html")
        return out / "validation.html"


def scenarios(time: dict[str, int] | None = None) -> dict[str, Scenario]:
    """The validation scenarios, with optional ``time.*`` overrides (tests: short runs;
    the lapse then falls half-way through the post-rollout period)."""
    out = {}
    for name, (preset, updates) in SCENARIOS.items():
        raw = load_scenario(preset)
        changes = {"name": name, **updates, **(time or {})}
        t = raw.time.model_copy(update={k[5:]: v for k, v in (time or {}).items()})
        lapse, left = raw.partnership.lapse_day, t.horizon_days - t.rollout_day
        if lapse is not None and lapse >= left:
            changes["partnership.lapse_day"] = left // 2
        sc = raw.with_updates(changes)
        out[name] = sc
    return out


def run_record(task: Task) -> Record:
    """Run one replicate, sampling the outreach caseload daily after the rollout (the
    closed model keeps its metrics and events for what follows)."""
    loads: list[float] = []
    with GVIModel(task.scenario, rng=task.seed) as model:
        while model.running:
            model.step()
            if model.day >= model.rollout_day and model.workers:
                loads.append(float(np.mean([len(w.clients) for w in model.workers])))
    w0 = model.warmup_day
    df = model.daily_metrics()
    keep = df["day"].to_numpy() >= w0
    daily = df["shootings"].to_numpy(dtype=float)[keep]
    arrests = df["arrests"].to_numpy(dtype=float)[keep]
    rollout, end = model.rollout_day - w0, model.end_day - w0
    shots = [e for e in model.log.of_kind(EventKind.SHOOTING) if e.day >= w0]
    involvement = np.zeros(model.state.n, dtype=np.int64)
    for e in shots:
        involvement[e.members[0]] += 1
    retal = [e for e in shots if e.cause is Cause.RETALIATION]
    told: dict[int, list[int]] = {}
    for kind in (EventKind.NOTIFICATION, EventKind.CALLIN):
        for e in model.log.of_kind(kind):
            for i in e.members:
                told.setdefault(int(i), []).append(e.day)
    offers = accepted = 0
    for e in model.log.of_kind(EventKind.SUPPORT_OFFER):
        days = told.get(int(e.members[0]), [])
        if any(0 <= e.day - d <= NOTIFIED_WINDOW for d in days):
            offers += 1
            accepted += int(e.value > 0)
    offspring, sizes = infection_forest([e.id for e in shots], [e.ref for e in shots])
    lapse = task.scenario.partnership.lapse_day
    record = Record(
        scenario=task.scenario.name,
        replicate=task.replicate,
        rollout=rollout,
        end=end,
        lapse=None if lapse is None else rollout + lapse,
        daily_shootings=daily,
        arrests_post=float(arrests[rollout:end].sum()),
        actions_first_year=sum(
            1
            for e in model.log.of_kind(EventKind.ENFORCEMENT)
            if 0 <= e.day - model.rollout_day < DAYS_PER_YEAR
        ),
        involvement=np.sort(involvement)[::-1],
        retaliations=len(retal),
        lags=[int(e.value) for e in retal],
        offers_notified=offers,
        accepted_notified=accepted,
        caseload=float(np.mean(loads)) if loads else math.nan,
        offspring=offspring,
        cascade_sizes=sizes,
    )
    return record


Stat = Callable[[np.ndarray], float]


def boot(stat: Stat, n: int, *, seed: int, n_boot: int = N_BOOT) -> tuple[float, float, float]:
    """``stat`` over all replicates, and its 95 % percentile-bootstrap interval over
    resampled replicate indices (paired across scenarios)."""
    est = stat(np.arange(n))
    if n < 2:
        return est, math.nan, math.nan
    rng = np.random.default_rng(seed)
    vals = np.array([stat(rng.integers(0, n, n)) for _ in range(n_boot)], dtype=float)
    vals = vals[np.isfinite(vals)]
    if not len(vals):
        return est, math.nan, math.nan
    lo, hi = np.percentile(vals, [2.5, 97.5])
    return est, float(lo), float(hi)


def change(
    treated: list[Record], control: list[Record], window: Callable[[Record], tuple[int, int]]
) -> Stat:
    """Paired percent change of shootings in a window: ``100 (sum T / sum C - 1)``."""
    t = np.array([r.shootings(*window(r)) for r in treated])
    c = np.array([r.shootings(*window(r)) for r in control])

    def stat(idx: np.ndarray) -> float:
        base = c[idx].sum()
        return 100.0 * (t[idx].sum() / base - 1.0) if base > 0 else math.nan

    return stat


def post(r: Record) -> tuple[int, int]:
    return r.rollout, r.end


def validate(
    replicates: int = 20,
    *,
    seed: int = 1,
    workers: int | None = None,
    time: dict[str, int] | None = None,
    progress: bool = False,
) -> Validation:
    """Run every scenario ``replicates`` times (common random numbers), then every check."""
    if replicates < 2:
        raise ValueError(f"replicates must be at least 2 for intervals, got {replicates}")
    entropy, scs = root_entropy(seed), scenarios(time)
    tasks = [Task(sc, r, entropy) for sc in scs.values() for r in range(replicates)]
    executor, close = make_executor(workers)
    try:
        results = run_tasks(tasks, executor=executor, progress=progress, fn=run_record)
    finally:
        close()
    records: dict[str, list[Record]] = {name: [] for name in scs}
    for rec in results:
        records[rec.scenario].append(rec)
    checks = evaluate_checks(records, seed=seed)
    return Validation(checks, records, replicates, seed)


def _check(key: str, est: tuple[float, float, float], also: bool = True, note: str = "") -> Check:
    """The check of pattern ``key``: it passes when its point estimate is within the
    declared target and ``also`` (the pattern's further condition) holds."""
    p = PATTERNS[key]
    ok = bool(p.holds(est[0]) and also)
    return Check(key, p.name, p.source, p.target_text, est[0], est[1], est[2], p.unit, ok, note)


def evaluate_checks(records: dict[str, list[Record]], *, seed: int = 1) -> list[Check]:
    """Every pattern that ``gvi validate-model`` uses, as a :class:`Check`, in the order of
    :data:`~experiments.patterns.PATTERNS`."""
    base, gvi = records["baseline"], records["gvi"]
    n = len(base)
    s = seed * 7919
    yearly = np.array([r.yearly for r in base])
    years = max(1.0, (base[0].end) / DAYS_PER_YEAR)
    totals = np.array([r.shootings(0, r.end) / years for r in base])
    checks: list[Check] = []
    est = boot(lambda i: float(totals[i].mean()), n, seed=s)
    checks.append(_check("volume", est))
    est = boot(lambda i: drift_per_year(yearly[i].mean(axis=0)), n, seed=s + 1)
    checks.append(_check("stationarity", est))
    tops = np.array([top_share(r.involvement) for r in base])
    est = boot(lambda i: float(np.nanmean(tops[i])), n, seed=s + 2)
    checks.append(_check("concentration", est))
    ret = np.array([r.retaliations for r in base], dtype=float)
    shots = np.array([r.shootings(0, r.end) for r in base])
    est = boot(lambda i: float(ret[i].sum() / max(shots[i].sum(), 1)), n, seed=s + 3)
    checks.append(_check("retaliation_share", est))
    lags = [np.array(r.lags) for r in base]

    def median_lag(i: np.ndarray) -> float:
        pooled = np.concatenate([lags[k] for k in i])
        return float(np.median(pooled)) if len(pooled) else math.nan

    def mean_lag(i: np.ndarray) -> float:
        pooled = np.concatenate([lags[k] for k in i])
        return float(np.mean(pooled)) if len(pooled) else math.nan

    est = boot(median_lag, n, seed=s + 4)
    checks.append(_check("retaliation_lag", est))
    checks.append(_check("retaliation_lag_mean", boot(mean_lag, n, seed=s + 4)))
    sizes = [r.cascade_sizes for r in base]
    offspring = [r.offspring for r in base]

    def cascade_size(i: np.ndarray) -> float:
        return mean_cascade_size(np.concatenate([sizes[k] for k in i]))

    def follow_ons(i: np.ndarray) -> float:
        return follow_on_share(np.concatenate([offspring[k] for k in i]))

    checks.append(_check("cascade_size", boot(cascade_size, n, seed=s + 13)))
    checks.append(_check("follow_on_concentration", boot(follow_ons, n, seed=s + 14)))
    eg = boot(change(gvi, base, post), n, seed=s + 5)
    checks.append(_check("gvi_effect", eg, eg[2] < 0))
    so = change(records["support_only"], base, post)
    gv = change(gvi, base, post)
    est = boot(lambda i: so(i) / gv(i) if gv(i) else math.nan, n, seed=s + 6)
    note = f"support_only change {so(np.arange(n)):.1f}%"
    checks.append(_check("support_only", est, note=note))
    crack = records["crackdown"]
    ca = np.array([r.arrests_post for r in crack])
    ga = np.array([r.arrests_post for r in gvi])
    cc = change(crack, base, post)
    est = boot(lambda i: float(ca[i].sum() / max(ga[i].sum(), 1)), n, seed=s + 7)
    c_cut = cc(np.arange(n))
    note = f"crackdown change {c_cut:.1f}% vs gvi {eg[0]:.1f}%"
    checks.append(_check("crackdown", est, c_cut > eg[0], note))
    ba = np.array([r.arrests_post for r in base])
    est = boot(lambda i: float(ga[i].sum() / max(ba[i].sum(), 1)), n, seed=s + 13)
    note = f"gvi {ga.mean():.1f}, baseline {ba.mean():.1f} arrests per run after rollout"
    checks.append(_check("gvi_arrests", est, note=note))
    acts = np.array([r.actions_first_year for r in records["orebro"]], dtype=float)
    est = boot(lambda i: float(acts[i].mean()), len(acts), seed=s + 14)
    checks.append(_check("enforcement_actions", est))
    lap = records["gvi_lapse"]
    cut_day = lap[0].lapse if lap[0].lapse is not None else lap[0].end
    before = change(lap, base, lambda r: (r.rollout, cut_day))
    after = change(lap, base, lambda r: (cut_day, r.end))
    est = boot(lambda i: after(i) - before(i), n, seed=s + 8)
    all_ = np.arange(n)
    note = f"before lapse {before(all_):.1f}%, after {after(all_):.1f}%"
    checks.append(_check("lapse", est, note=note))
    nft = records["gvi_no_follow_through"]
    first = change(nft, base, lambda r: (r.rollout, r.rollout + HALF_YEAR))
    last = change(nft, base, lambda r: (r.end - HALF_YEAR, r.end))
    est = boot(lambda i: last(i) - first(i), n, seed=s + 9)
    note = f"first 6 months {first(all_):.1f}%, last 6 months {last(all_):.1f}%"
    checks.append(_check("fades", est, note=note))
    reach = [change(records[f"gvi_reach_{k}"], base, post) for k in REACH]
    cuts = [f(all_) for f in reach]
    est = boot(lambda i: reach[2](i) - reach[0](i), n, seed=s + 10)
    note = "changes " + ", ".join(f"{k}: {c:.1f}%" for k, c in zip(REACH, cuts, strict=True))
    checks.append(_check("dose_response", est, cuts[0] > cuts[1] > cuts[2], note))
    off = np.array([r.offers_notified for r in gvi], dtype=float)
    acc = np.array([r.accepted_notified for r in gvi], dtype=float)
    est = boot(
        lambda i: float(acc[i].sum() / off[i].sum()) if off[i].sum() else math.nan, n, seed=s + 11
    )
    note = f"{int(off.sum())} offers to members notified within 90 days"
    checks.append(_check("uptake", est, note=note))
    load = np.array([r.caseload for r in gvi])
    est = boot(lambda i: float(np.nanmean(load[i])), n, seed=s + 12)
    checks.append(_check("caseload", est))
    return checks
