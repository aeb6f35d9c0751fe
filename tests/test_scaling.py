"""Issue 14: the structural costs of a large city stay away, and the shortcuts that
removed them give the same numbers as the direct rules.

Nothing here is timed. Each test counts work (buffer growths, rows touched, reads of a
field) or checks the shape of a data structure, so it fails when a cost that grows with
the city comes back: ties re-copied on every recruit, the enforcement queue searched on
every shooting, every informed member rewritten for each act of unanswered violence,
every open case examined each day, every tie of the city re-examined for diffusion, or
hundreds of bytes per logged event.
"""

from __future__ import annotations

import math
import tracemalloc
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from agents.police_unit import CaseQueue
from model import Cause, EventKind, GVIModel
from model.city import Ties
from model.events import Event, EventLog
from model.policing import Case
from model.state import FREE, INCARCERATED
from scenarios import Scenario, load_scenario

# --- M1/M5: in-group ties -------------------------------------------------------------


def _connect_reference(
    new: np.ndarray, pool: np.ndarray, mean_degree: float, rng: np.random.Generator
) -> tuple[list[int], list[int]]:
    """The rule of :meth:`Ties.connect`, drawn from a copy of the pool less each member:
    the new edges ``s -> d`` (the tie also runs ``d -> s``)."""
    if len(pool) < 2 or mean_degree <= 0:
        return [], []
    per = max(1, int(round(mean_degree / 2)))
    src: list[int] = []
    dst: list[int] = []
    for i in new:
        others = pool[pool != i]
        if not len(others):
            continue
        picks = rng.choice(others, size=min(per, len(others)), replace=False)
        src.extend([int(i)] * len(picks))
        dst.extend(picks.tolist())
    return src, dst


def test_connect_draws_as_if_choosing_from_the_pool_less_the_member() -> None:
    cases = np.random.default_rng(7)
    for trial in range(200):
        ties = Ties()
        src: list[int] = []
        dst: list[int] = []
        mine, theirs = np.random.default_rng(trial), np.random.default_rng(trial)
        for _ in range(int(cases.integers(1, 5))):
            size = int(cases.integers(0, 250))
            pool = np.sort(cases.choice(3000, size=size, replace=False)).astype(np.int64)
            if size and cases.random() < 0.7:  # recruits are in the pool they are tied into
                new = pool[cases.random(size) < 0.2]
            else:
                new = cases.choice(3500, size=int(cases.integers(0, 4)), replace=False)
            if cases.random() < 0.2:
                pool = cases.permutation(pool)
            degree = float(cases.choice([0.0, 1.0, 2.0, 4.0, 7.0]))
            ties.connect(new, pool, degree, mine)
            s, d = _connect_reference(new, pool, degree, theirs)
            src += s + d
            dst += d + s
        assert ties.src.tolist() == src and ties.dst.tolist() == dst
        assert mine.random() == theirs.random()  # the same draws were consumed


def test_connect_costs_in_proportion_to_the_new_ties() -> None:
    # one recruit at a time into a city of 3,000 groups: the edge buffers grow by
    # doubling, so each tie is copied a bounded number of times on average
    rng = np.random.default_rng(1)
    ties = Ties()
    calls = 3000
    for g in range(calls):
        pool = np.arange(20 * g, 20 * g + 20, dtype=np.int64)
        ties.connect(pool[-1:], pool, 4.0, rng)
    assert len(ties) == calls * 2 * 2
    assert ties.reallocations <= math.ceil(math.log2(len(ties))) + 1


# --- M7: the enforcement desk ---------------------------------------------------------


class _Unsearchable(list):
    """A request queue that fails the test when anything walks through it."""

    def __iter__(self):  # type: ignore[no-untyped-def]
        raise AssertionError("the whole request queue was searched")


def _policy_model(tiny: Callable[..., Scenario], updates: dict | None = None) -> GVIModel:
    """The tiny GVI city with enforcement, stepped to well after the rollout."""
    scenario = tiny(
        "gvi",
        {
            "enforcement.enabled": True,
            "enforcement.fidelity": 0.3,
            "audit.group_coverage": 1.0,
            "violence.base_hazard": 0.003,
            **(updates or {}),
        },
    )
    model = GVIModel(scenario, rng=5)
    while model.day < model.rollout_day + 60:
        model.step()
    return model


def test_the_busy_check_does_not_search_the_request_queue(tiny) -> None:
    m = _policy_model(tiny)
    desk = m.desk
    desk.requests = _Unsearchable(desk.requests)
    groups = range(m.city.n_groups)
    idle = [g for g in groups if not desk.busy(g)]
    before = len(desk.requests)
    for g in groups:
        desk.after_violence(g, -1)
    assert len(desk.requests) == before + len(idle)  # one request per idle group
    for g in groups:  # every group is now dealt with: nothing more is queued
        desk.after_violence(g, -1)
        assert desk.busy(g) and not desk.order(g)
    assert len(desk.requests) == before + len(idle)
    desk.requests = desk.requests[:]  # a plain list again (slicing does not iterate)
    for _ in range(m.params.enforcement.max_wait_days + m.params.enforcement.delay_days + 2):
        m.step()
        assert set(desk.waiting) == {r.group for r in desk.requests}


def _unlearn_one_at_a_time(m: GVIModel, risk: np.ndarray, groups: list[int]) -> None:
    """The rule of unanswered violence, one event at a time, with Deterrence.unlearn."""
    s = m.state
    d = m.params.deterrence
    n = s.n
    ratio = d.other_sanction / d.own_sanction if d.own_sanction > 0 else 0.0
    for g in groups:
        m.deterrence.unlearn(risk, m.rows[g], d.unpunished)
        others = np.flatnonzero(s.informed[:n] & (s.group[:n] != g))
        m.deterrence.unlearn(risk, others, d.unpunished * min(ratio, 1.0))


@pytest.mark.parametrize("unpunished", [0.7, 0.0, 1.0])
def test_losses_of_belief_together_equal_one_at_a_time(tiny, unpunished) -> None:
    m = _policy_model(tiny, {"deterrence.unpunished": unpunished})
    s = m.state
    n = s.n
    r0 = m.params.deterrence.baseline_risk
    rng = np.random.default_rng(3)
    # beliefs of every kind: at the baseline, an ulp or a few above it (fixed points of
    # the rule), far above it, and informed and uninformed members in every group
    ulp = np.spacing(r0)
    kinds = [r0 + k * ulp for k in range(6)] + [0.3, 0.999, r0 / 3, 2 * r0 + 1e-9]
    s.risk[:n] = rng.choice(kinds, size=n) + (rng.random(n) < 0.3) * rng.random(n)
    s.risk[:n] = np.minimum(s.risk[:n], 1.0)
    s.informed[:n] = rng.random(n) < 0.6
    groups = [int(g) for g in rng.integers(m.city.n_groups, size=12)] + [0, 0, 1]
    expected = s.risk.copy()
    _unlearn_one_at_a_time(m, expected, groups)
    m.desk._unlearn(groups)
    assert np.array_equal(s.risk, expected)  # bit for bit


def test_losses_of_belief_skip_members_the_rule_cannot_move(tiny) -> None:
    m = _policy_model(tiny)
    s = m.state
    n = s.n
    r0 = m.params.deterrence.baseline_risk
    s.informed[:n] = True
    s.risk[:n] = r0 + np.spacing(r0)  # a fixed point of the rule for other groups
    s.risk[m.rows[0]] = 0.9
    before = m.desk.unlearn_work
    m.desk._unlearn([0] * 5)
    # only the own group's rows were worked on, not every informed member
    assert m.desk.unlearn_work - before == 5 * len(m.rows[0])
    assert (s.risk[m.rows[0]] < 0.9).all()


# --- M3: open cases -------------------------------------------------------------------


class _CountedCase(Case):
    """A case that counts how often its due day is read."""

    reads = 0

    def __getattribute__(self, name: str) -> object:
        if name == "due_day":
            type(self).reads += 1
        return super().__getattribute__(name)


def test_taking_the_due_cases_does_not_examine_the_others() -> None:
    queue = CaseQueue()
    later = [_CountedCase(i, i, 1000 + i % 7, True) for i in range(5000)]
    due = [_CountedCase(10_000 + i, i, 5 - i % 3, True) for i in range(6)]
    for case in later[:2500] + due + later[2500:]:
        queue.add(case)
    assert queue.next_due == 3
    _CountedCase.reads = 0
    taken = queue.take_due(5)
    assert _CountedCase.reads == 0
    assert taken == due  # in the order they were opened
    assert len(queue) == len(later) and queue.next_due == 1000
    assert list(queue) == later


# --- M5: diffusion along ties ---------------------------------------------------------


def _live_by_rule(m: GVIModel) -> np.ndarray:
    """Ties from an informed to an uninformed member, both free, from every tie."""
    s, ties = m.state, m.ties
    free = s.status == FREE
    src, dst = ties.src, ties.dst
    return np.flatnonzero(s.informed[src] & ~s.informed[dst] & free[src] & free[dst])


def test_diffusion_follows_only_the_ties_still_open(tiny, run) -> None:
    m = run(tiny("gvi", {"notifications.diffusion_rate": 0.05}), 2)
    open_ = m.comm._open
    assert len(open_) < len(m.ties)  # ties closed for good have left the index
    assert (np.diff(open_) > 0).all()
    assert np.array_equal(m.comm._live_ties(), _live_by_rule(m))


def test_diffusion_looks_only_at_the_ties_of_informed_members() -> None:
    """While part of the city has heard the message, the index holds only ties whose
    tail is informed, every such tie still open, and the day's ties are those of the
    rule, as members hear it, are arrested or freed and recruits are tied in."""
    scenario = load_scenario("gvi").with_updates({"notifications.diffusion_rate": 0.01})
    m = GVIModel(scenario, rng=3)
    checked = partial = 0
    while m.running:
        m.step()
        if m.day < m.rollout_day or m.day % 15:
            continue
        live = m.comm._live_ties()
        s, ties = m.state, m.ties
        open_ = m.comm._open
        present = s.status <= INCARCERATED
        still = s.informed[ties.src] & ~s.informed[ties.dst] & present[ties.src] & present[ties.dst]
        assert np.array_equal(open_, np.flatnonzero(still))
        assert np.array_equal(live, _live_by_rule(m))
        checked += 1
        partial += 0.05 < s.informed[: s.n].mean() < 0.95
    assert checked > 40 and partial > 10


# --- the event log --------------------------------------------------------------------


def _frame_from_events(events: list[Event]) -> pd.DataFrame:
    """The event frame as built from event objects (before the log held columns)."""
    return pd.DataFrame(
        {
            "id": [e.id for e in events],
            "day": [e.day for e in events],
            "kind": [e.kind.value for e in events],
            "group": [e.group for e in events],
            "members": pd.Series([list(e.members) for e in events], dtype=object),
            "cause": [e.cause.value for e in events],
            "ref": [e.ref for e in events],
            "target": [e.target for e in events],
            "value": [e.value for e in events],
        }
    )


def test_the_event_log_returns_what_was_logged(tiny, run) -> None:
    m = run(tiny("gvi"), 1)
    log = m.log
    copy = EventLog()
    logged = [
        copy.add(
            e.day, e.kind, e.group, e.members, e.cause, ref=e.ref, target=e.target, value=e.value
        )
        for e in log.events
    ]
    assert copy.events == logged and log.events == logged
    assert [log[i] for i in (0, len(log) - 1, -1)] == [logged[0], logged[-1], logged[-1]]
    assert log.events[3:9] == logged[3:9]
    assert log.of_kind(EventKind.SHOOTING) == [e for e in logged if e.kind is EventKind.SHOOTING]
    pd.testing.assert_frame_equal(log.to_frame(), _frame_from_events(logged), check_exact=True)
    pd.testing.assert_frame_equal(EventLog().to_frame(), _frame_from_events([]))


def test_a_logged_event_takes_tens_of_bytes() -> None:
    log = EventLog()
    count = 20_000
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(count):
            log.add(
                400 + i // 50,
                EventKind.SHOOTING,
                i % 900,
                (100_000 + i, 200_000 + i),
                Cause.RIVALRY,
                ref=i - 40,
                target=(i * 7) % 900,
                value=float(i % 13),
            )
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown / count < 120  # as objects: about 350 bytes an event


# --- M8: outreach's daily queue -------------------------------------------------------


@pytest.mark.parametrize("n", [0, 1, 5, 70, 1_000, 20_000])
def test_the_outreach_queue_gives_the_order_of_a_full_sort(n: int) -> None:
    """The lazy queue of a large city yields ``idx[np.lexsort((key, rank))]`` (the order
    a small city's queue is sorted in at once) exactly, whole or in part, ties in the
    key (kept in ``idx`` order, as a stable sort keeps them) included."""
    from model.support import RankedQueue

    rng = np.random.default_rng(n)
    idx = np.sort(rng.choice(3 * n + 1, size=n, replace=False)).astype(np.int64)
    rank = rng.choice(np.array([0, 3, 8, 14], dtype=np.int8), size=n, p=[0.02, 0.08, 0.1, 0.8])
    key = rng.random(n)
    if n > 4:  # equal keys, within a rank and across ranks
        key[rng.choice(n, size=n // 4)] = key[0]
    full = idx[np.lexsort((key, rank))].tolist()
    assert list(RankedQueue(idx, rank, key)) == full
    queue = RankedQueue(idx, rank, key)
    taken = [next(queue) for _ in range(min(n, 7))]
    assert taken == full[: len(taken)]


def test_the_outreach_queue_orders_only_what_is_taken() -> None:
    """Taking the first members of a large rank puts a chunk in order, not the rank."""
    from model.support import RankedQueue

    n = 100_000
    rng = np.random.default_rng(1)
    queue = RankedQueue(np.arange(n), np.full(n, 14, dtype=np.int8), rng.random(n))
    next(queue)
    assert len(queue._ready) < 2 * RankedQueue.CHUNK
    assert len(queue._open_idx) > n - 2 * RankedQueue.CHUNK


def test_the_tail_index_finds_every_tie_of_the_members_asked_for() -> None:
    from model.communication import TailIndex

    rng = np.random.default_rng(5)
    src = rng.integers(0, 500, size=20_000)
    index = TailIndex()
    for upto in (0, 10, 3_000, 3_100, 5_000, 20_000, 4_000):  # growing, then replaced
        chosen = np.zeros(500, dtype=bool)
        chosen[rng.choice(500, size=rng.integers(1, 40), replace=False)] = True
        expect = np.flatnonzero(chosen[src[:upto]])
        assert np.array_equal(index.ties_of(src, upto, chosen), expect)


def test_a_run_with_the_lazy_outreach_queue_is_the_same_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The default city sorts its queue at once; made to use the lazy queue, it gives
    the same event log to the last bit."""
    from model.support import RankedQueue

    scenario = load_scenario("gvi")
    direct = GVIModel(scenario, rng=4)
    direct.run_model()
    monkeypatch.setattr(RankedQueue, "SMALL", 0)
    lazy = GVIModel(scenario, rng=4)
    lazy.run_model()
    assert (lazy.events()["kind"] == EventKind.SUPPORT_OFFER.value).sum() > 100
    pd.testing.assert_frame_equal(lazy.events(), direct.events())
    pd.testing.assert_frame_equal(lazy.daily_metrics(), direct.daily_metrics())
