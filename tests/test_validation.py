"""``gvi validate-model``, the validation of the default model against the patterns
declared in experiments/patterns.py: check functions on synthetic records, one short
end-to-end run through the command line."""

from __future__ import annotations

import functools
import json

import numpy as np
import pytest

from experiments import ensemble, validation
from experiments.patterns import PATTERNS, Use, patterns_for
from experiments.validation import REACH, SCENARIOS, Record, boot, change, evaluate_checks, post
from gvi.cli import main

SHORT = {"time.warmup_days": 60, "time.horizon_days": 400, "time.rollout_day": 100}


def _record(name: str, r: int, rate: float, rng: np.random.Generator, **kw) -> Record:
    daily = rng.poisson(rate, 1095).astype(float)
    defaults = dict(
        arrests_post=100.0,
        actions_first_year=4,
        involvement=np.sort(rng.pareto(1.0, 500).astype(int))[::-1],
        retaliations=int(0.6 * daily.sum()),
        lags=list(rng.exponential(83 / np.log(2), 200).astype(int)),  # median 83, mean 120
        offers_notified=30,
        accepted_notified=10,
        caseload=8.5,
        offspring=np.r_[np.zeros(180, int), np.full(20, 6)],  # top 10 %: all follow-ons
        cascade_sizes=np.r_[np.ones(60, int), np.full(20, 5), [20]],  # mean 2.2
    )
    defaults.update(kw)
    return Record(name, r, 365, 1095, 365 + 548, daily, **defaults)  # type: ignore[arg-type]


def _synthetic(n: int = 8) -> dict[str, list[Record]]:
    rng = np.random.default_rng(3)
    rates = {
        "baseline": 60 / 365,
        "gvi": 0.6 * 60 / 365,
        "support_only": 0.95 * 60 / 365,
        "crackdown": 0.85 * 60 / 365,
        "gvi_lapse": 0.6 * 60 / 365,
        "gvi_no_follow_through": 0.8 * 60 / 365,
        "gvi_reach_5": 0.8 * 60 / 365,
        "gvi_reach_15": 0.6 * 60 / 365,
        "gvi_reach_30": 0.45 * 60 / 365,
        "orebro": 0.6 * 30 / 365,
    }
    out = {}
    for name, rate in rates.items():
        arrests = 500.0 if name == "crackdown" else 100.0
        out[name] = [_record(name, r, rate, rng, arrests_post=arrests) for r in range(n)]
    for r in out["gvi"]:  # strongest in the first year
        r.daily_shootings[365:730] = rng.poisson(0.4 * 60 / 365, 365)
    for r in out["gvi_lapse"]:  # back above baseline after the lapse
        r.daily_shootings[r.lapse :] = rng.poisson(1.1 * 60 / 365, 1095 - r.lapse)
    for r in out["gvi_no_follow_through"]:  # the effect wears off
        r.daily_shootings[r.end - 182 :] = rng.poisson(60 / 365, 182)
    return out


def test_checks_on_synthetic_records_pass() -> None:
    checks = evaluate_checks(_synthetic(), seed=1)
    assert [c.key for c in checks] == [p.key for p in patterns_for(Use.VALIDATE_MODEL)]
    for c in checks:
        p = PATTERNS[c.key]
        assert (c.name, c.source, c.target, c.unit) == (p.name, p.source, p.target_text, p.unit)
    failed = [(c.key, c.value) for c in checks if not c.passed]
    assert failed == []
    effect = next(c for c in checks if c.key == "gvi_effect")
    assert effect.ci_low <= effect.value <= effect.ci_high < 0


def test_checks_fail_when_the_pattern_is_absent() -> None:
    recs = _synthetic()
    recs["gvi"] = recs["baseline"]  # no effect at all
    recs["gvi_reach_30"] = recs["gvi_reach_5"]
    by_key = {c.key: c for c in evaluate_checks(recs, seed=1)}
    assert not by_key["gvi_effect"].passed
    assert not by_key["dose_response"].passed


def test_shape_checks_fail_when_the_effect_grows_or_does_not_return() -> None:
    recs = _synthetic()
    rng = np.random.default_rng(5)
    for r in recs["gvi"]:  # weakest in the first year
        r.daily_shootings[365:730] = rng.poisson(0.9 * 60 / 365, 365)
    for r in recs["gvi_lapse"]:  # stays down after the lapse
        r.daily_shootings[r.lapse :] = rng.poisson(0.6 * 60 / 365, 1095 - r.lapse)
    for r in recs["gvi_no_follow_through"]:  # a fade too small to tell from chance
        r.daily_shootings[365:] = rng.poisson(0.8 * 60 / 365, 730)
        r.daily_shootings[1095 - 182 :] = rng.poisson(0.82 * 60 / 365, 182)
    by_key = {c.key: c for c in evaluate_checks(recs, seed=1)}
    assert not by_key["early_peak"].passed and by_key["early_peak"].value > 0
    assert not by_key["resurgence"].passed and by_key["resurgence"].value < -5
    fades = by_key["fades"]
    assert not fades.passed and fades.ci_low <= 0


def test_enforcement_checks_fail_on_a_wave_of_arrests_or_many_actions() -> None:
    recs = _synthetic()
    for r in recs["gvi"]:
        r.arrests_post = 300.0  # three times the baseline's
    for r in recs["orebro"]:
        r.actions_first_year = 20
    by_key = {c.key: c for c in evaluate_checks(recs, seed=1)}
    assert not by_key["gvi_arrests"].passed and by_key["gvi_arrests"].value == 3.0
    assert not by_key["enforcement_actions"].passed


def test_paired_change_and_bootstrap() -> None:
    rng = np.random.default_rng(0)
    base = [_record("b", r, 0.2, rng) for r in range(5)]
    half = [_record("t", r, 0.1, rng) for r in range(5)]
    stat = change(half, base, post)
    est, lo, hi = boot(stat, 5, seed=1)
    assert -60 < est < -40 and lo <= est <= hi


def test_scenarios_cover_the_patterns() -> None:
    scs = validation.scenarios(SHORT)
    assert set(scs) == set(SCENARIOS)
    assert scs["gvi_no_follow_through"].enforcement.fidelity == 0
    assert [scs[f"gvi_reach_{k}"].callins.attendees for k in REACH] == list(REACH)
    assert scs["gvi_lapse"].partnership.lapse_day == 150  # moved inside the short run


def test_cli_writes_one_section_per_pattern(tmp_path, monkeypatch) -> None:
    short = functools.partial(validation.validate, time=SHORT)
    monkeypatch.setattr(validation, "validate", short)
    code = main(["validate-model", "--replicates", "2", "--workers", "1", "--out", str(tmp_path)])
    assert code in (0, 1)
    page = (tmp_path / "validation.html").read_text(encoding="utf-8")
    data = json.loads((tmp_path / "validation.json").read_text(encoding="utf-8"))
    used = patterns_for(Use.VALIDATE_MODEL)
    assert page.count('class="pattern"') == len(data["checks"]) == len(used)
    assert page.count("data:image/png;base64,") >= len(used)
    assert code == (0 if data["passed"] else 1)


def test_cli_rejects_one_replicate(capsys) -> None:
    assert main(["validate-model", "--replicates", "1"]) == 2
    assert "replicates" in capsys.readouterr().err


@pytest.mark.parametrize("bad", [["--workers", "0"]])
def test_cli_rejects_bad_workers(bad: list[str]) -> None:
    assert main(["validate-model", *bad]) == 2


def test_with_an_ensemble_the_checks_are_posterior_predictive(tmp_path, monkeypatch, capsys):
    from test_ensemble_compare import _current

    ens_dir = _current(tmp_path / "ens")
    ens = ensemble.load(ens_dir)
    seen, real = [], validation.run_tasks

    def recording(tasks, **kw):
        seen.extend(tasks)
        return real(tasks, **kw)

    monkeypatch.setattr(validation, "run_tasks", recording)
    v = validation.validate(3, seed=2, workers=1, time=SHORT, ensemble=ens_dir)
    assert v.ensemble is not None and v.ensemble["sets"] == len(ens)
    assert "model uncertainty and chance" in v.to_json()["intervals_cover"]
    drawn = v.ensemble["draws"]
    by_set = dict(zip(ens.sets["set"].tolist(), ens.parameter_sets(), strict=True))
    for task in seen:  # every scenario of replicate r runs set draws[r]
        want = by_set[drawn[task.replicate]]
        assert (
            task.scenario.violence.retaliation_branching == want["violence.retaliation_branching"]
        )
    seen.clear()
    fixed = validation.validate(3, seed=2, workers=1, time=SHORT, ensemble=None)
    assert fixed.ensemble is None and fixed.to_json()["intervals_cover"].startswith("chance only")
    assert {t.scenario.violence.retaliation_branching for t in seen} == {0.72}
    # refused with one line by the command: an ensemble for other model code
    stale = tmp_path / "stale"
    data = json.loads((ens_dir / "ensemble.json").read_text())
    data["model"]["model_code"] = "0" * 16
    ensemble.write(stale, ens.sets, data)
    assert main(["validate-model", "--replicates", "2", "--ensemble", str(stale),
                 "--out", str(tmp_path / "o")]) == 2  # fmt: skip
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "calibrate again" in err[0]


NO_DETERRENCE = {"deterrence.sensitivity": 0.0, "enforcement.incapacitation_share": 0.9}


def _pattern_values(params: dict, keys: list[str], replicates: int) -> dict[str, float]:
    from experiments.runner import Task, root_entropy, run_tasks

    scs = validation.scenarios(params=params, names=validation.scenarios_for(keys))
    entropy = root_entropy(1)
    tasks = [Task(sc, r, entropy) for sc in scs.values() for r in range(replicates)]
    records: dict[str, list] = {name: [] for name in scs}
    for rec in run_tasks(tasks, workers=2, progress=False, fn=validation.run_record):
        records[rec.scenario].append(rec)
    return validation.pattern_values(records, keys)


def test_a_model_without_deterrence_is_rejected_by_the_patterns() -> None:
    """Incapacitation alone (no deterrence, 90 % of a sanctioned group's active members
    taken off the street) cuts shootings about as much as GVI (-21 % at 10 replicates,
    inside the effect's target), so the effect alone cannot tell the mechanisms apart;
    the arrests it takes can: 11.7x business as usual (target <= 2) and a crackdown
    only 1.1x its arrests (target >= 2). The shipped defaults pass both."""
    keys = ["gvi_arrests", "crackdown"]
    without = _pattern_values(NO_DETERRENCE, keys, replicates=6)
    assert not PATTERNS["gvi_arrests"].holds(without["gvi_arrests"]), without
    assert not PATTERNS["crackdown"].holds(without["crackdown"]), without
    shipped = _pattern_values({}, keys, replicates=6)
    assert all(PATTERNS[k].holds(shipped[k]) for k in keys), shipped
