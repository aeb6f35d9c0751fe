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
from collections.abc import Callable, Iterable
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

from . import ensemble as ensembles
from .executors import make_executor
from .output import atomic_text
from .patterns import Use, patterns_for
from .runner import Task, root_entropy, run_tasks
from .version import model_identity

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
    ensemble: dict[str, Any] | None = None

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def intervals_cover(self) -> str:
        if self.ensemble is None:
            return "chance only (one fixed parameter set)"
        return (
            "model uncertainty and chance: posterior predictive checks, replicate r runs "
            f"parameter set draws[r] of the ensemble ({self.ensemble['sets']} sets) in every "
            "scenario; each interval is for the statistic over all replicates (the "
            "ensemble's average, which narrows with more replicates), not the range of "
            "single runs or parameter sets"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "model": model_identity(),  # the code that made the checks
            "replicates": self.replicates,
            "seed": self.seed,
            "passed": self.passed,
            "intervals_cover": self.intervals_cover,
            "ensemble": self.ensemble,
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


def scenarios(
    time: dict[str, int] | None = None,
    *,
    params: dict[str, Any] | None = None,
    names: Iterable[str] | None = None,
) -> dict[str, Scenario]:
    """The validation scenarios (those in ``names``, default all), with optional
    ``time.*`` overrides (tests: short runs; the lapse then falls half-way through the
    post-rollout period). ``params`` (dotted keys; a calibration's particle) apply to
    every scenario before its own settings, which therefore win."""
    out = {}
    wanted = set(SCENARIOS if names is None else names)
    for name, (preset, updates) in SCENARIOS.items():
        if name not in wanted:
            continue
        raw = load_scenario(preset)
        changes = {"name": name, **(params or {}), **updates, **(time or {})}
        t = raw.time.model_copy(update={k[5:]: v for k, v in (time or {}).items()})
        lapse, left = raw.partnership.lapse_day, t.horizon_days - t.rollout_day
        if lapse is not None and lapse >= left:
            changes["partnership.lapse_day"] = left // 2
        sc = raw.with_updates(changes)
        out[name] = sc
    return out


def run_record(task: Task, model: GVIModel | None = None) -> Record:
    """Run one replicate, sampling the outreach caseload daily after the rollout (the
    closed model keeps its metrics and events for what follows). ``model``: the task's
    model already built (see :func:`~experiments.runner.run_together`)."""
    loads: list[float] = []
    with model or GVIModel(task.scenario, rng=task.seed) as model:
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
    ensemble: Any = ensembles.SHIPPED_DEFAULT,
) -> Validation:
    """Run every scenario ``replicates`` times (common random numbers), then every check.

    ``ensemble`` as for :func:`experiments.comparison.compare` (default: the shipped
    posterior ensemble while there is one; ``None``: the fixed parameters): replicate
    ``r`` of every scenario runs parameter set ``draws[r]``, so the checks are posterior
    predictive checks and their intervals cover model uncertainty and chance."""
    if replicates < 2:
        raise ValueError(f"replicates must be at least 2 for intervals, got {replicates}")
    entropy, scs = root_entropy(seed), scenarios(time)
    ens, where = ensembles.resolve(ensemble)
    record: dict[str, Any] | None = None
    if ens is None:
        tasks = [Task(sc, r, entropy) for sc in scs.values() for r in range(replicates)]
    else:
        ensembles.check_identity(ens, where)
        kept = ensembles.check_parameters(ens, list(scs.values()), [None] * len(scs), where)
        drawn = ensembles.draws(ens, replicates, entropy)
        chosen = ensembles.by_set(ens, list(kept))
        tasks = [
            Task(sc.with_updates(chosen[int(drawn[r])]), r, entropy)
            for sc in scs.values()
            for r in range(replicates)
        ]
        record = ensembles.record(ens, where, drawn, kept)
    executor, close = make_executor(workers)
    try:
        results = run_tasks(tasks, executor=executor, progress=progress, fn=run_record)
    finally:
        close()
    records: dict[str, list[Record]] = {name: [] for name in scs}
    for rec in results:
        records[rec.scenario].append(rec)
    checks = evaluate_checks(records, seed=seed)
    return Validation(checks, records, replicates, seed, record)


@dataclass(frozen=True)
class Measure:
    """A pattern's statistic on a set of records: ``stat`` maps replicate indices to the
    value (all indices: the point estimate; resampled: a bootstrap draw); ``also`` is the
    pattern's further condition given ``(estimate, ci_low, ci_high)``; ``note`` says
    what lies behind the value."""

    stat: Stat
    also: Callable[[tuple[float, float, float]], bool] | None = None
    note: str = ""


Records = dict[str, list[Record]]


@dataclass(frozen=True)
class Statistic:
    """How one pattern is measured: the validation scenarios it needs, the function from
    their records to a :class:`Measure`, and its bootstrap stream (``seed * 7919 +
    boot``, as ``gvi validate-model`` has always drawn them)."""

    scenarios: tuple[str, ...]
    measure: Callable[[Records], Measure]
    boot: int


def _n(records: Records) -> np.ndarray:
    return np.arange(len(records["baseline"]))


def _volume(rec: Records) -> Measure:
    base = rec["baseline"]
    years = max(1.0, base[0].end / DAYS_PER_YEAR)
    totals = np.array([r.shootings(0, r.end) / years for r in base])
    return Measure(lambda i: float(totals[i].mean()))


def _stationarity(rec: Records) -> Measure:
    yearly = np.array([r.yearly for r in rec["baseline"]])
    return Measure(lambda i: drift_per_year(yearly[i].mean(axis=0)))


def _concentration(rec: Records) -> Measure:
    tops = np.array([top_share(r.involvement) for r in rec["baseline"]])
    return Measure(lambda i: float(np.nanmean(tops[i])))


def _retaliation_share(rec: Records) -> Measure:
    base = rec["baseline"]
    ret = np.array([r.retaliations for r in base], dtype=float)
    shots = np.array([r.shootings(0, r.end) for r in base])
    return Measure(lambda i: float(ret[i].sum() / max(shots[i].sum(), 1)))


def _lag(summary: Callable[[np.ndarray], Any]) -> Callable[[Records], Measure]:
    def measure(rec: Records) -> Measure:
        lags = [np.array(r.lags) for r in rec["baseline"]]

        def stat(i: np.ndarray) -> float:
            pooled = np.concatenate([lags[k] for k in i])
            return float(summary(pooled)) if len(pooled) else math.nan

        return Measure(stat)

    return measure


def _cascade_size(rec: Records) -> Measure:
    sizes = [r.cascade_sizes for r in rec["baseline"]]
    return Measure(lambda i: mean_cascade_size(np.concatenate([sizes[k] for k in i])))


def _follow_on_concentration(rec: Records) -> Measure:
    offspring = [r.offspring for r in rec["baseline"]]
    return Measure(lambda i: follow_on_share(np.concatenate([offspring[k] for k in i])))


def _gvi_effect(rec: Records) -> Measure:
    return Measure(change(rec["gvi"], rec["baseline"], post), also=lambda est: est[2] < 0)


def _support_only(rec: Records) -> Measure:
    so = change(rec["support_only"], rec["baseline"], post)
    gv = change(rec["gvi"], rec["baseline"], post)
    note = f"support_only change {so(_n(rec)):.1f}%"
    return Measure(lambda i: so(i) / gv(i) if gv(i) else math.nan, note=note)


def _crackdown(rec: Records) -> Measure:
    ca = np.array([r.arrests_post for r in rec["crackdown"]])
    ga = np.array([r.arrests_post for r in rec["gvi"]])
    c_cut = change(rec["crackdown"], rec["baseline"], post)(_n(rec))
    g_cut = change(rec["gvi"], rec["baseline"], post)(_n(rec))
    return Measure(
        lambda i: float(ca[i].sum() / max(ga[i].sum(), 1)),
        also=lambda est: c_cut > g_cut,
        note=f"crackdown change {c_cut:.1f}% vs gvi {g_cut:.1f}%",
    )


def _gvi_arrests(rec: Records) -> Measure:
    ga = np.array([r.arrests_post for r in rec["gvi"]])
    ba = np.array([r.arrests_post for r in rec["baseline"]])
    note = f"gvi {ga.mean():.1f}, baseline {ba.mean():.1f} arrests per run after rollout"
    return Measure(lambda i: float(ga[i].sum() / max(ba[i].sum(), 1)), note=note)


def _enforcement_actions(rec: Records) -> Measure:
    acts = np.array([r.actions_first_year for r in rec["orebro"]], dtype=float)
    return Measure(lambda i: float(acts[i].mean()))


def _lapse(rec: Records) -> Measure:
    lap, base = rec["gvi_lapse"], rec["baseline"]
    cut_day = lap[0].lapse if lap[0].lapse is not None else lap[0].end
    before = change(lap, base, lambda r: (r.rollout, cut_day))
    after = change(lap, base, lambda r: (cut_day, r.end))
    note = f"before lapse {before(_n(rec)):.1f}%, after {after(_n(rec)):.1f}%"
    return Measure(lambda i: after(i) - before(i), note=note)


def _fades(rec: Records) -> Measure:
    nft, base = rec["gvi_no_follow_through"], rec["baseline"]
    first = change(nft, base, lambda r: (r.rollout, r.rollout + HALF_YEAR))
    last = change(nft, base, lambda r: (r.end - HALF_YEAR, r.end))
    note = f"first 6 months {first(_n(rec)):.1f}%, last 6 months {last(_n(rec)):.1f}%"
    return Measure(lambda i: last(i) - first(i), also=lambda est: est[1] > 0, note=note)


def _resurgence(rec: Records) -> Measure:
    lap = rec["gvi_lapse"]
    last = change(lap, rec["baseline"], lambda r: (r.end - HALF_YEAR, r.end))
    return Measure(last)


def _early_peak(rec: Records) -> Measure:
    gvi, base = rec["gvi"], rec["baseline"]
    first = change(gvi, base, lambda r: (r.rollout, r.rollout + DAYS_PER_YEAR))
    second = change(gvi, base, lambda r: (r.rollout + DAYS_PER_YEAR, r.rollout + 2 * DAYS_PER_YEAR))
    note = f"first year {first(_n(rec)):.1f}%, second year {second(_n(rec)):.1f}%"
    return Measure(lambda i: first(i) - second(i), note=note)


def _dose_response(rec: Records) -> Measure:
    reach = [change(rec[f"gvi_reach_{k}"], rec["baseline"], post) for k in REACH]
    cuts = [f(_n(rec)) for f in reach]
    note = "changes " + ", ".join(f"{k}: {c:.1f}%" for k, c in zip(REACH, cuts, strict=True))
    return Measure(
        lambda i: reach[2](i) - reach[0](i),
        also=lambda est: cuts[0] > cuts[1] > cuts[2],
        note=note,
    )


def _uptake(rec: Records) -> Measure:
    off = np.array([r.offers_notified for r in rec["gvi"]], dtype=float)
    acc = np.array([r.accepted_notified for r in rec["gvi"]], dtype=float)
    note = f"{int(off.sum())} offers to members notified within 90 days"
    return Measure(
        lambda i: float(acc[i].sum() / off[i].sum()) if off[i].sum() else math.nan, note=note
    )


def _caseload(rec: Records) -> Measure:
    load = np.array([r.caseload for r in rec["gvi"]])
    return Measure(lambda i: float(np.nanmean(load[i])))


_B, _G = ("baseline",), ("baseline", "gvi")
STATISTICS: dict[str, Statistic] = {
    "volume": Statistic(_B, _volume, 0),
    "stationarity": Statistic(_B, _stationarity, 1),
    "concentration": Statistic(_B, _concentration, 2),
    "retaliation_share": Statistic(_B, _retaliation_share, 3),
    "retaliation_lag": Statistic(_B, _lag(np.median), 4),
    "retaliation_lag_mean": Statistic(_B, _lag(np.mean), 4),
    "cascade_size": Statistic(_B, _cascade_size, 13),
    "follow_on_concentration": Statistic(_B, _follow_on_concentration, 14),
    "gvi_effect": Statistic(_G, _gvi_effect, 5),
    "support_only": Statistic((*_G, "support_only"), _support_only, 6),
    "crackdown": Statistic((*_G, "crackdown"), _crackdown, 7),
    "gvi_arrests": Statistic(_G, _gvi_arrests, 15),
    "enforcement_actions": Statistic((*_B, "orebro"), _enforcement_actions, 16),
    "lapse": Statistic((*_B, "gvi_lapse"), _lapse, 8),
    "resurgence": Statistic((*_B, "gvi_lapse"), _resurgence, 17),
    "fades": Statistic((*_B, "gvi_no_follow_through"), _fades, 9),
    "early_peak": Statistic(_G, _early_peak, 18),
    "dose_response": Statistic((*_B, *(f"gvi_reach_{k}" for k in REACH)), _dose_response, 10),
    "uptake": Statistic(("gvi",), _uptake, 11),
    "caseload": Statistic(("gvi",), _caseload, 12),
}
"""Every pattern of ``gvi validate-model`` and how it is measured, by pattern key: the
one place that maps run records to pattern values (validation and calibration)."""


def scenarios_for(keys: list[str] | tuple[str, ...]) -> list[str]:
    """The validation scenarios that the patterns ``keys`` need, in :data:`SCENARIOS`'
    order (``baseline`` always: replicates are counted there)."""
    needed = {"baseline"} | {s for k in keys for s in STATISTICS[k].scenarios}
    return [name for name in SCENARIOS if name in needed]


def pattern_values(records: Records, keys: list[str] | tuple[str, ...]) -> dict[str, float]:
    """The point estimate of each pattern in ``keys`` over all replicates of
    ``records`` (scenario name -> replicates, paired by index), as ``gvi validate-model``
    reports it."""
    every = _n(records)
    return {k: float(STATISTICS[k].measure(records).stat(every)) for k in keys}


def evaluate_checks(records: Records, *, seed: int = 1) -> list[Check]:
    """Every pattern that ``gvi validate-model`` uses, as a :class:`Check`, in the order of
    :data:`~experiments.patterns.PATTERNS`: the point estimate, a bootstrap interval
    over replicates, and the verdict."""
    n = len(records["baseline"])
    checks = []
    for pattern in patterns_for(Use.VALIDATE_MODEL):
        statistic = STATISTICS[pattern.key]
        m = statistic.measure(records)
        est = boot(m.stat, n, seed=seed * 7919 + statistic.boot)
        also = m.also is None or bool(m.also(est))
        ok = bool(pattern.holds(est[0]) and also)
        p, (value, lo, hi) = pattern, est
        checks.append(
            Check(p.key, p.name, p.source, p.target_text, value, lo, hi, p.unit, ok, m.note)
        )
    return checks
