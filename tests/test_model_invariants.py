"""Seeds and invariants: reproducible runs, consistent state, metrics and event log.

The property-based test draws small scenarios (any preset, a few parameters, any seed)
and checks what must hold in every run, whatever the parameters.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents import GroupMember
from model import METRIC_NAMES, Cause, EventKind, GVIModel, Status, SupportStatus
from scenarios import list_presets, load_scenario

PRESETS = [name for name, _ in list_presets()]
STATUS_AFTER = {
    EventKind.ARREST: Status.INCARCERATED,
    EventKind.RELEASE: Status.FREE,
    EventKind.DEATH: Status.DEAD,
    EventKind.EXIT: Status.EXITED,
}


def same_run(a: GVIModel, b: GVIModel) -> bool:
    return a.daily_metrics().equals(b.daily_metrics()) and a.log.events == b.log.events


# --- seeds --------------------------------------------------------------------------------
def test_same_seed_same_run(tiny, run):
    sc = tiny("gvi", {"violence.base_hazard": 0.002})
    a, b = run(sc, 11), run(sc, 11)
    assert len(a.log) > 50
    pd.testing.assert_frame_equal(a.daily_metrics(), b.daily_metrics())
    assert a.log.events == b.log.events
    pd.testing.assert_frame_equal(a.events(), b.events())
    pd.testing.assert_frame_equal(a.summary(), b.summary())
    np.testing.assert_array_equal(a.state.risk[: a.state.n], b.state.risk[: b.state.n])


def test_different_seeds_different_runs(tiny, run):
    sc = tiny("gvi", {"violence.base_hazard": 0.002})
    runs = [run(sc, seed) for seed in (1, 2, 3)]
    for i in range(3):
        for j in range(i + 1, 3):
            assert not same_run(runs[i], runs[j])
    # the city itself is drawn from the seed
    cities = {tuple(r.city.nominal_size) for r in runs}
    assert len(cities) > 1


def test_rng_accepts_int_and_seed_sequence(tiny):
    sc = tiny("gvi")
    from_int = GVIModel(sc, rng=7)
    from_seq = GVIModel(sc, rng=np.random.SeedSequence(7))
    for m in (from_int, from_seq):
        m.run_model()
    assert same_run(from_int, from_seq)

    entropy = 2**100 + 12345
    a = GVIModel(sc, rng=np.random.SeedSequence(entropy))
    b = GVIModel(sc, rng=np.random.SeedSequence(entropy))
    c = GVIModel(sc, rng=np.random.SeedSequence(entropy + 1))
    for m in (a, b, c):
        m.run_model()
    assert a.seed_entropy == entropy
    assert same_run(a, b)
    assert not same_run(a, c)


def test_fresh_entropy_is_recorded_and_replays(tiny):
    sc = tiny("baseline", {"violence.base_hazard": 0.002})
    first = GVIModel(sc)
    first.run_model()
    again = GVIModel(sc, rng=np.random.SeedSequence(first.seed_entropy))
    again.run_model()
    assert same_run(first, again)


@pytest.mark.parametrize(
    ("rng", "error"), [("7", TypeError), (1.5, TypeError), (True, TypeError), (-1, ValueError)]
)
def test_bad_seeds_are_refused(tiny, rng, error):
    with pytest.raises(error):
        GVIModel(tiny("baseline"), rng=rng)


def test_a_run_leaves_its_scenario_unchanged(tiny, run):
    sc = tiny("gvi")
    before = sc.model_dump()
    run(sc, 0)
    assert sc.model_dump() == before


def test_policy_changes_nothing_before_rollout(tiny, run):
    """Common random numbers: until the rollout a policy scenario is its baseline twin."""
    for preset in ("gvi", "crackdown", "deterrence_only"):
        sc = tiny(preset, {"time.rollout_day": 60, "violence.base_hazard": 0.002})
        a, b = run(sc, 5), run(sc.baseline_twin(), 5)
        pre_a = a.daily_metrics().iloc[: a.rollout_day]
        pre_b = b.daily_metrics().iloc[: b.rollout_day]
        pd.testing.assert_frame_equal(pre_a, pre_b)
        assert pre_a["shootings"].sum() > 0
        early = [e for e in a.log.events if e.day < a.rollout_day]
        assert early == [e for e in b.log.events if e.day < b.rollout_day]


def test_no_policy_cost_before_rollout(tiny, run):
    sc = tiny("gvi", {"time.warmup_days": 30, "time.rollout_day": 60})
    a, b = run(sc, 5), run(sc.baseline_twin(), 5)
    pd.testing.assert_series_equal(
        a.daily_metrics()["cost_sek"].iloc[: a.rollout_day],
        b.daily_metrics()["cost_sek"].iloc[: b.rollout_day],
    )
    summary_a, summary_b = a.summary(), b.summary()
    assert summary_a.loc["cost_sek", "pre"] == summary_b.loc["cost_sek", "pre"]
    # the outreach workers are paid from the rollout on
    day = a.rollout_day
    extra = a.daily_metrics()["cost_sek"].iloc[day] - b.daily_metrics()["cost_sek"].iloc[day]
    assert extra >= sc.support.workers * sc.costs.outreach_worker_day_sek > 0


# --- presets ------------------------------------------------------------------------------
def test_all_presets_ship():
    assert sorted(PRESETS) == sorted(
        ["baseline", "gvi", "deterrence_only", "support_only", "crackdown", "gvi_lapse", "orebro"]
        + ["orebro_baseline"]
    )


def _short(name: str):
    sc = load_scenario(name)
    updates = {
        "time.warmup_days": 10,
        "time.horizon_days": 60,
        "time.rollout_day": 10,
        "callins.first_day": 5,
    }
    if sc.partnership.lapse_day is not None:
        updates["partnership.lapse_day"] = 30
    return sc.with_updates(updates)


@pytest.mark.parametrize("name", PRESETS)
def test_every_preset_builds_and_runs(name):
    full = GVIModel(load_scenario(name), rng=0)  # the shipped size builds
    assert full.end_day == full.params.time.warmup_days + full.params.time.horizon_days
    assert len(full.members) == full.city.nominal_size.sum()

    m = GVIModel(_short(name), rng=1)
    m.run_model()
    df = m.daily_metrics()
    assert list(df.columns) == ["day", *METRIC_NAMES]
    assert len(df) == m.end_day == 70
    assert not m.running
    assert m.params.intervention == (name not in ("baseline", "orebro_baseline"))
    assert bool(m.log.of_kind(EventKind.ROLLOUT)) == m.params.intervention
    summary = m.summary()
    assert set(summary.index) == set(METRIC_NAMES)
    assert summary.loc["shootings", "post"] == df.loc[df["day"] >= m.rollout_day, "shootings"].sum()


def test_model_accepts_a_preset_name():
    m = GVIModel("baseline", rng=0)
    assert m.params.name == "baseline"


# --- invariants over drawn scenarios ---------------------------------------------------------
@st.composite
def tiny_cases(draw):
    preset = draw(st.sampled_from(PRESETS))
    horizon = draw(st.integers(30, 90))
    rollout = draw(st.integers(0, horizon - 1))
    left = horizon - rollout
    updates = {
        "time.warmup_days": draw(st.integers(0, 30)),
        "time.horizon_days": horizon,
        "time.rollout_day": rollout,
        "city.n_groups": draw(st.integers(1, 6)),
        "city.group_size_mean": draw(st.floats(2.0, 15.0)),
        "city.rivals_per_group": draw(st.floats(0.0, 5.0)),
        "violence.base_hazard": draw(st.floats(0.0, 0.005)),
        "violence.retaliation_branching": draw(st.floats(0.0, 0.95)),
        "violence.p_fatal": draw(st.floats(0.0, 0.5)),
        "policing.clearance": draw(st.floats(0.0, 1.0)),
        "policing.sentence_days": draw(st.floats(1.0, 60.0)),
        "callins.first_day": draw(st.integers(0, left - 1)),
        "callins.interval_days": draw(st.integers(1, 30)),
        "enforcement.fidelity": draw(st.floats(0.0, 1.0)),
        "enforcement.delay_days": draw(st.integers(0, 10)),
        "support.slots": draw(st.integers(0, 10)),
        "support.exit_rate": draw(st.floats(0.0, 0.2)),
        "support.min_days_for_exit": draw(st.integers(0, 20)),
        "group_dynamics.recruitment_rate": draw(st.floats(0.0, 0.2)),
    }
    if load_scenario(preset).partnership.lapse_day is not None:
        updates["partnership.lapse_day"] = draw(st.integers(0, left - 1))
    return preset, updates, draw(st.integers(0, 2**32 - 1))


@settings(max_examples=25, deadline=None)
@given(case=tiny_cases())
def test_invariants_hold_in_any_small_run(tiny, case):
    preset, updates, seed = case
    sc = tiny(preset, updates)
    m = GVIModel(sc, rng=seed)
    incarcerated, engaged = [], []
    while m.running:
        m.step()
        status = m.state.status[: m.state.n]
        incarcerated.append(int((status == Status.INCARCERATED).sum()))
        engaged.append(int((m.state.support[: m.state.n] == SupportStatus.ENGAGED).sum()))
        # the desk's waiting groups are those of its requests (its idle days rely on it);
        # no investigation case is due before the day the model steps the units again
        assert set(m.desk.waiting) == {r.group for r in m.desk.requests}
        assert m._next_case_due <= min(u.cases.next_due for u in m.investigators)
    assert m.steps == m.end_day == sc.time.warmup_days + sc.time.horizon_days
    assert m.day == m.end_day - 1
    m.run_model()  # a finished run stays finished
    assert m.steps == m.end_day

    # one metrics row per day, no negative or missing values
    df = m.daily_metrics()
    assert list(df.columns) == ["day", *METRIC_NAMES]
    np.testing.assert_array_equal(df["day"], np.arange(m.end_day))
    values = df[list(METRIC_NAMES)].to_numpy()
    assert np.isfinite(values).all() and (values >= 0).all()
    np.testing.assert_array_equal(df["incarcerated"], incarcerated)
    np.testing.assert_array_equal(df["support_engaged"], engaged)
    assert (df["support_engaged"] <= sc.support.slots).all()
    assert (df["perceived_safety"] <= sc.community.baseline_safety).all()
    assert (df[["mean_perceived_risk", "mean_legitimacy"]] <= 1).all().all()

    # every member row is in exactly one valid status, consistent with its support
    n = m.state.n
    status = m.state.status[:n]
    assert np.isin(status, [int(s) for s in Status]).all()
    assert {int(s) for s in status} <= {int(s) for s in Status}
    support = m.state.support[:n]
    assert (support[status != Status.FREE] == SupportStatus.NONE).all()
    here = np.flatnonzero((status == Status.FREE) | (status == Status.INCARCERATED))
    assert sorted(m.members) == here.tolist()
    assert len(m.agents_by_type[GroupMember]) == len(here)
    assert (m.state.release_day[:n][status == Status.INCARCERATED] >= m.end_day - 1).all()
    risk = m.state.risk[:n]
    assert (risk >= sc.deterrence.baseline_risk - 1e-12).all() and (risk <= 1).all()
    lg = m.state.legitimacy[:n]
    assert (lg >= 0).all() and (lg <= 1).all()

    # the event log: ordered, and the daily metrics count what it records
    events = m.log.events
    assert [e.id for e in events] == list(range(len(events)))
    days = [e.day for e in events]
    assert days == sorted(days) and all(0 <= d < m.end_day for d in days)

    def count(kind, cause=None):
        return sum(e.kind is kind and (cause is None or e.cause is cause) for e in events)

    assert df["shootings"].sum() == count(EventKind.SHOOTING)
    assert df["retaliations"].sum() == count(EventKind.SHOOTING, Cause.RETALIATION)
    assert df["fatalities"].sum() == count(EventKind.DEATH)
    assert df["arrests"].sum() == count(EventKind.ARREST)
    assert df["exits"].sum() == count(EventKind.EXIT)
    assert df["enforcement_actions"].sum() == (
        count(EventKind.ENFORCEMENT) + count(EventKind.SWEEP)
    )
    assert df["callin_attendees"].sum() == sum(
        len(e.members) for e in m.log.of_kind(EventKind.CALLIN)
    )
    assert df["notifications"].sum() == sum(
        len(e.members) for e in m.log.of_kind(EventKind.NOTIFICATION)
    )
    if not sc.intervention:
        assert not [
            e
            for e in events
            if e.kind
            not in (
                EventKind.SHOOTING,
                EventKind.ARREST,
                EventKind.RELEASE,
                EventKind.DEATH,
                EventKind.RECRUIT,
            )
        ]

    # replaying arrests, releases, deaths and exits gives every member's status
    replay = np.full(n, int(Status.FREE))
    for e in events:
        if e.kind in STATUS_AFTER:
            (i,) = e.members
            replay[i] = STATUS_AFTER[e.kind]
    np.testing.assert_array_equal(status, replay)


@pytest.mark.parametrize("name", ["baseline", "gvi", "crackdown"])
def test_kept_means_of_risk_and_trust_equal_a_fresh_count(name, monkeypatch):
    """On days without the policy the accounting keeps the means of perceived risk and
    trust until a status changes (nothing else moves them then); a run that counts them
    afresh every day must give the same daily metrics to the last bit."""
    scenario = load_scenario(name).with_updates({"time.horizon_days": 900})
    with GVIModel(scenario, rng=3) as kept:
        kept.run_model()
        expected = kept.daily_metrics()
    account = GVIModel._account

    def fresh(self: GVIModel) -> None:
        self._means_version = -2  # never a status version: count again
        account(self)

    monkeypatch.setattr(GVIModel, "_account", fresh)
    with GVIModel(scenario, rng=3) as counted:
        counted.run_model()
        pd.testing.assert_frame_equal(counted.daily_metrics(), expected, check_exact=True)
