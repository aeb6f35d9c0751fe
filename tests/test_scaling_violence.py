"""Issue 14: the costs of violence, recruitment and the group counts stay in proportion
to what a day changes, not to the city or its past, and give the same numbers as the
direct rules.

Nothing here is timed. The tests count work (entries read, groups counted again,
comparisons over the recruits) so they fail when a cost that grows with the city comes
back: the whole victimisation history read on every shooting, every member counted
again when one leaves, or every recruit compared with each group they join.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from model import GVIModel
from model.city import City
from model.events import Cause, EventKind
from model.state import FREE, INCARCERATED, Status
from model.violence import VictimHistory, Violence
from scenarios import Scenario

# --- M2: attribution of a shooting ------------------------------------------------------


class _DequeHistory:
    """The rule of :meth:`Violence.excite` and :meth:`Violence.attribute` on a deque of
    ``(event id, day, shooter group, jump)`` per victim group, read in full, and the
    target of a background shooting searched in the row of the dense matrix of rivalry
    intensities."""

    def __init__(self, v: Violence, city: City) -> None:
        self.v = v
        self.rival_cdf = np.cumsum(city.rivalry, axis=1)
        self.history: list[deque[tuple[int, int, int, float]]] = [
            deque() for _ in range(len(v.history))
        ]

    def excite(self, victim_group: int, shooter_group: int, event_id: int, day: int) -> None:
        v = self.v
        allies = v.allies[victim_group]
        allies = allies[allies != shooter_group]
        share = v.params.alliance_spillover if len(allies) else 0.0
        own = v.jump * (1.0 - share)
        self.history[victim_group].append((event_id, day, shooter_group, own))
        if share:
            each = v.jump * share / len(allies)
            for a in allies:
                self.history[a].append((event_id, day, shooter_group, each))

    def attribute(
        self, group: int, day: int, prop_mass: float, rng: np.random.Generator
    ) -> tuple[bool, int, int, int]:
        v = self.v
        background = v.background[group]
        excite = v.excitation[group] / prop_mass if prop_mass > 0 else 0.0
        total = background + excite
        if total <= 0:
            return False, -1, -1, -1
        if rng.random() * total >= background and excite > 0:
            hist = self.history[group]
            while hist and day - hist[0][1] > v._horizon:
                hist.popleft()
            if hist:
                days = np.fromiter((e[1] for e in hist), dtype=np.float64, count=len(hist))
                jumps = np.fromiter((e[3] for e in hist), dtype=np.float64, count=len(hist))
                w = np.cumsum(jumps * v.decay ** (day - days))
                pick = min(int(np.searchsorted(w, rng.random() * w[-1], side="right")), len(w) - 1)
                parent = hist[pick]
                return True, parent[2], parent[0], day - parent[1]
        cdf = self.rival_cdf[group]
        if cdf[-1] <= 0:
            return False, -1, -1, -1
        target = min(int(np.searchsorted(cdf, rng.random() * cdf[-1], side="right")), len(cdf) - 1)
        return False, target, -1, -1


def test_attribution_picks_what_the_full_history_picks(tiny: Callable[..., Scenario]) -> None:
    model = GVIModel(tiny("gvi"), rng=1)
    cases = np.random.default_rng(3)
    for trial in range(40):
        v = Violence(model.params.violence, model.city)
        ref = _DequeHistory(v, model.city)
        n_groups = len(v.history)
        mine, theirs = np.random.default_rng(trial), np.random.default_rng(trial)
        day = 0
        for event in range(400):
            day += int(cases.geometric(0.05)) - 1
            v.decay_step(day)
            victim, shooter = cases.choice(n_groups, size=2, replace=False).tolist()
            v.excite(victim, shooter, event, day)
            ref.excite(victim, shooter, event, day)
            if cases.random() < 0.5:
                group = int(cases.integers(n_groups))
                mass = float(cases.choice([0.0, 0.5, 3.0, 40.0]))
                assert v.attribute(group, day, mass, mine) == ref.attribute(
                    group, day, mass, theirs
                )
        assert mine.random() == theirs.random()  # the same draws were consumed
        for hist, old in zip(v.history, ref.history, strict=True):
            assert hist.entries() == list(old)  # the same entries are kept


def test_attribution_reads_only_the_recent_history(tiny: Callable[..., Scenario]) -> None:
    # a group victimised every day for twenty horizons: attributing a shooting reads
    # its recent entries, and the buffers hold less than four times those
    model = GVIModel(tiny("gvi"), rng=1)
    v = Violence(model.params.violence, model.city)
    rng = np.random.default_rng(0)
    horizon = int(v._horizon)
    for day in range(20 * horizon):
        v.decay_step(day)
        v.excite(0, 1, day, day)
        v.attribute(0, day, 1e-9, rng)
    hist = v.history[0]
    assert len(hist) <= horizon + 1
    assert len(hist.days) <= 4 * (horizon + 1)


def test_a_victim_history_keeps_its_entries_through_growth_and_drops() -> None:
    hist = VictimHistory()
    kept: deque[tuple[int, int, int, float]] = deque()
    cases = np.random.default_rng(5)
    day = 0
    for event in range(3000):
        day += int(cases.integers(0, 3))
        hist.append(event, day, event % 7, event / 8)
        kept.append((event, day, event % 7, event / 8))
        if cases.random() < 0.1:
            first = day - int(cases.integers(0, 60))
            hist.drop_before(first)
            while kept and kept[0][1] < first:
                kept.popleft()
        assert len(hist) == len(kept)
    assert hist.entries() == list(kept)


# --- M1/M10: new members and the group counts -------------------------------------------


class _CountedGroups(np.ndarray):
    """Group labels that count the elements compared by ``==`` and ``!=``."""

    compared = 0

    def __eq__(self, other: Any) -> Any:
        _CountedGroups.compared += self.size
        return np.asarray(self).__eq__(other)

    def __ne__(self, other: Any) -> Any:
        _CountedGroups.compared += self.size
        return np.asarray(self).__ne__(other)


def test_new_members_are_tied_and_logged_group_by_group(
    tiny: Callable[..., Scenario], monkeypatch: pytest.MonkeyPatch
) -> None:
    model = GVIModel(tiny("gvi"), rng=1)
    calls: list[tuple[list[int], list[int]]] = []
    connect = model.ties.connect

    def recorded(new: np.ndarray, pool: np.ndarray, degree: float, rng: Any) -> None:
        calls.append((new.tolist(), pool.tolist()))
        connect(new, pool, degree, rng)

    monkeypatch.setattr(model.ties, "connect", recorded)
    groups = np.random.default_rng(2).integers(0, model.city.n_groups, size=60)
    first = model.state.n
    before = len(model.log)
    idx = model.add_members(groups, np.random.default_rng(0), recruited=True)
    assert idx.tolist() == list(range(first, first + 60))
    expected = []
    for g in np.unique(groups):
        rows = model.rows[int(g)]
        expected.append(
            (idx[groups == g].tolist(), rows[model.state.status[rows] <= INCARCERATED].tolist())
        )
    assert calls == expected
    logged = model.events().iloc[before:]
    assert logged["group"].tolist() == np.unique(groups).tolist()


def test_new_members_cost_in_proportion_to_their_number(tiny: Callable[..., Scenario]) -> None:
    # recruits of many groups at once: the groups are compared a bounded number of times
    # over the recruits, not once per group
    model = GVIModel(tiny("gvi"), rng=1)
    groups = np.arange(model.city.n_groups).repeat(5).view(_CountedGroups)
    _CountedGroups.compared = 0
    model.add_members(groups, np.random.default_rng(0), recruited=True)
    assert _CountedGroups.compared <= 2 * len(groups)


def _full_counts(model: GVIModel) -> tuple[np.ndarray, np.ndarray]:
    s = model.state
    n = s.n
    present = s.status[:n] <= INCARCERATED
    g = model.city.n_groups
    return (
        np.bincount(s.group[:n][present], minlength=g),
        np.bincount(s.group[:n], weights=s.propensity[:n] * present, minlength=g),
    )


def test_group_sums_equal_a_sum_over_everyone(tiny: Callable[..., Scenario]) -> None:
    model = GVIModel(tiny("gvi", {"time.horizon_days": 400}), rng=4)
    while model.running:
        model.step()
        model.group_aggregates()
        count, mass = _full_counts(model)
        assert np.array_equal(model.group_count, count)
        assert model.prop_mass.tobytes() == mass.tobytes()  # to the last bit
        s = model.state
        free = s.status[: s.n] == FREE
        full = np.bincount(
            s.group[: s.n], weights=s.propensity[: s.n] * free, minlength=model.city.n_groups
        )
        assert model.shootings._free_mass().tobytes() == full.tobytes()


class _CountedRows:
    """Rows by group that count the groups read."""

    def __init__(self, rows: Any) -> None:
        self.rows = rows
        self.read = 0

    def __getitem__(self, group: int) -> np.ndarray:
        self.read += 1
        return self.rows[group]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.rows, name)


def test_one_departure_counts_one_group_again(tiny: Callable[..., Scenario]) -> None:
    model = GVIModel(tiny("gvi"), rng=1)
    model.group_aggregates()
    counted = _CountedRows(model.rows)
    model.rows = counted  # type: ignore[assignment]
    member = next(iter(model.members.values()))
    member.leave(Status.EXITED, EventKind.EXIT, Cause.NONE)
    model.group_aggregates()
    assert counted.read == 1
    count, mass = _full_counts(model)
    assert np.array_equal(model.group_count, count)
    assert model.prop_mass.tobytes() == mass.tobytes()
