"""The day's shootings skip deterrence (M6) and support (M8) for any group whose hazard
without them cannot fire (model.violence.Shootings.daily). That is exact only while
both multipliers are at most 1 for every value the schema admits: these tests fail if a
bound or a formula change lets a multiplier exceed 1."""

from __future__ import annotations

import itertools

import numpy as np

from model.deterrence import Deterrence
from scenarios.schema import DeterrenceParams, SupportParams


def _bounds(section: type, name: str) -> tuple[float, float]:
    meta = {type(m).__name__: m for m in section.model_fields[name].metadata}
    return float(meta["Ge"].ge), float(meta["Le"].le)


def test_deterrence_multiplier_is_at_most_one_across_the_schema_bounds() -> None:
    rng = np.random.default_rng(1)
    n, groups = 400, 8
    risk = rng.random(n)
    legitimacy = rng.random(n)
    group = rng.integers(groups, size=n)
    free = rng.random(n) < 0.8
    on_notice = rng.random(groups) < 0.5
    corners = [
        _bounds(DeterrenceParams, k) for k in ("sensitivity", "legitimacy_weight", "baseline_risk")
    ]
    for sens, weight, r0 in itertools.product(*corners):
        params = DeterrenceParams(sensitivity=sens, legitimacy_weight=weight, baseline_risk=r0)
        for peer in (0.0, 1.0):
            d = Deterrence(params, peer, groups)
            mult = d.multiplier(risk, legitimacy, group, free, on_notice)
            assert mult.max() <= 1.0, (sens, weight, r0, peer)


def test_support_cannot_raise_the_hazard() -> None:
    # engaged members' hazard is multiplied by 1 - hazard_reduction
    low, _ = _bounds(SupportParams, "hazard_reduction")
    assert low >= 0


def test_quiet_days_skipped_on_a_stale_bound_change_nothing(monkeypatch) -> None:
    """Shootings.daily skips a day on the last exact bound while only decay has acted
    since: runs that compute every day's bound afresh give the same metrics and events
    (fails if a change that can raise a hazard does not bump a version in the key)."""
    from model import GVIModel
    from model.violence import Shootings
    from scenarios import load_scenario
    from tests.golden import _digest

    def run(preset: str, seed: int) -> tuple[str, str]:
        with GVIModel(load_scenario(preset), rng=seed) as m:
            m.run_model()
            return _digest(m.daily_metrics()), _digest(m.events())

    cases = [("gvi", 4), ("crackdown", 5), ("gvi_lapse", 6)]
    cached = [run(p, s) for p, s in cases]
    daily = Shootings.daily

    def afresh(self: Shootings, policy: bool) -> None:
        self._quiet_key = None
        daily(self, policy)

    monkeypatch.setattr(Shootings, "daily", afresh)
    assert [run(p, s) for p, s in cases] == cached
