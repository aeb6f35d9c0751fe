"""Mechanism tests, M1-M12 (docs: DOMAIN.md section 2).

Each test is meant to go red when its mechanism is removed or inverted. Where chance is
involved, runs are paired: same seed, one parameter changed, so that the model's common
random numbers make the difference come from that parameter; fixed seeds keep every
test deterministic.

Tests read what a run leaves behind — the daily metrics and the event log — and members
through their agents (``GroupMember``); the model's internals only where a mechanism
leaves no other trace (the audit's mapping, who heard a message, retaliation pressure).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator

import numpy as np
import pytest

from agents import GroupMember, OutreachWorker
from model import Cause, EventKind, GVIModel, Role, Status, SupportStatus, group_dynamics
from model.events import Event

FREE = int(Status.FREE)
DEAD = int(Status.DEAD)
UNMAPPED = -1
# Victimisations older than 12 half-lives may be forgotten: a tail of at most 2**-12 of
# a jump each; allow for a few of them when comparing pressures.
TAIL = 2.0**-10


# --- helpers ---------------------------------------------------------------------------
def step_days(model: GVIModel) -> Iterator[list[Event]]:
    """Step ``model`` to its horizon; after each day yield the events logged that day."""
    while model.running:
        first = len(model.log)
        model.step()
        yield model.log.events[first:]


def step_to(model: GVIModel, day: int) -> None:
    """Step until ``model.day == day`` (that day's step included)."""
    while model.day < day or model.steps == 0:
        model.step()


def kinds(model: GVIModel, kind: EventKind) -> list[Event]:
    return model.log.of_kind(kind)


def jump_of(model: GVIModel, group: int, event_id: int) -> float:
    """What victimisation ``event_id`` added to ``group``'s pressure (M2; the mean jump
    times that victimisation's gamma draw, times the group's share of it)."""
    entries = model.violence.history[group].entries()
    (jump,) = [j for event, _day, _shooter, j in entries if event == event_id]
    return jump


def post_total(model: GVIModel, metric: str) -> float:
    """Sum of a daily metric from the rollout on."""
    df = model.daily_metrics()
    return float(df.loc[df["day"] >= model.rollout_day, metric].sum())


def post_mean(model: GVIModel, metric: str) -> float:
    df = model.daily_metrics()
    return float(df.loc[df["day"] >= model.rollout_day, metric].mean())


def members(model: GVIModel) -> dict[int, GroupMember]:
    """The members in their groups now (free or in custody), by row, as agents: tests read
    a member's group, role, status, propensity, perceived risk, trust and support through
    the agent, not through the model's member arrays."""
    return {a.index: a for a in model.agents_by_type[GroupMember]}


def column(model: GVIModel, name: str, rows=None) -> np.ndarray:
    """Attribute ``name`` of the members at ``rows`` (default: every member now in a
    group, in row order), read through the agents."""
    agents = members(model)
    return np.array([getattr(agents[i], name) for i in (sorted(agents) if rows is None else rows)])


def retaliation_hazard(model: GVIModel) -> np.ndarray:
    """Each group's retaliation pressure as its hazard sees it: the group hazard per unit
    propensity is ``b * S_g + X_g / P_g``; with ``P_g = 1`` this gives ``X_g``."""
    background = model.params.violence.base_hazard * model.city.rivalry.sum(axis=1)
    return model.violence.group_hazard(np.ones(model.city.n_groups)) - background


def top_share(values: np.ndarray, share: float = 0.10) -> float:
    """Share of the total held by the top ``share`` of values."""
    k = max(1, math.ceil(share * len(values)))
    return float(np.sort(values)[::-1][:k].sum() / values.sum())


# --- M1: city and groups ------------------------------------------------------------------
def test_m1_group_sizes_follow_the_size_distribution(tiny):
    sc = tiny(
        "baseline",
        {
            "city.n_groups": 200,
            "city.group_size_mean": 14.0,
            "city.group_size_sd": 7.0,
            "city.min_group_size": 4,
        },
    )
    m = GVIModel(sc, rng=1)
    sizes = m.city.nominal_size
    assert len(sizes) == m.city.n_groups == 200
    assert len(set(m.city.labels)) == 200
    assert sizes.min() >= 4
    assert 12.5 < sizes.mean() < 16.0
    assert sizes.std() > 4.0  # heterogeneous
    founders = np.bincount(column(m, "group"), minlength=200)
    np.testing.assert_array_equal(founders, sizes)

    fixed = GVIModel(
        tiny("baseline", {"city.group_size_mean": 9.0, "city.group_size_sd": 0.0}), rng=1
    )
    assert (fixed.city.nominal_size == 9).all()


def test_m1_core_share_and_heavy_tailed_propensity(tiny):
    sc = tiny(
        "baseline",
        {
            "city.n_groups": 200,
            "city.core_share": 0.3,
            "city.core_propensity_ratio": 3.0,
            "city.propensity_sigma": 1.2,
        },
    )
    m = GVIModel(sc, rng=2)
    core = column(m, "role") == Role.CORE
    prop = column(m, "propensity")
    assert 0.26 < core.mean() < 0.34
    assert 0.85 < prop.mean() < 1.15  # propensity is scaled to mean 1
    assert prop[core].mean() > 2.0 * prop[~core].mean()
    assert top_share(prop) > 0.40  # a lognormal(1.2) tail: the top 10% hold ~half

    flat = GVIModel(
        sc.with_updates({"city.propensity_sigma": 0.0, "city.core_propensity_ratio": 1.0}), rng=2
    )
    np.testing.assert_allclose(column(flat, "propensity"), 1.0)
    mild = GVIModel(sc.with_updates({"city.propensity_sigma": 0.4}), rng=2)
    assert top_share(column(mild, "propensity")) < top_share(prop)

    for share, expected in ((0.0, False), (1.0, True)):
        m2 = GVIModel(sc.with_updates({"city.core_share": share}), rng=2)
        assert ((column(m2, "role") == Role.CORE) == expected).all()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_m1_rivalry_and_alliance_matrices(tiny, seed):
    sc = tiny(
        "baseline",
        {"city.n_groups": 40, "city.rivals_per_group": 4.68, "city.allies_per_group": 1.95},
    )
    city = GVIModel(sc, rng=seed).city
    r, a = city.rivalry, city.alliance
    np.testing.assert_array_equal(r, r.T)
    np.testing.assert_array_equal(a, a.T)
    assert (np.diag(r) == 0).all() and not np.diag(a).any()
    assert (r >= 0).all()
    assert not (a & (r > 0)).any()  # a pair is rivals or allies, not both
    pairs = 40 * 39 / 2
    assert 0.07 < np.count_nonzero(np.triu(r)) / pairs < 0.17
    assert 0.02 < np.count_nonzero(np.triu(a)) / pairs < 0.09

    none = GVIModel(sc.with_updates({"city.rivals_per_group": 0.0}), rng=seed).city
    assert not none.rivalry.any()
    assert not [e for e in none.graph().edges(data=True) if e[2]["kind"] == "rivalry"]
    full = GVIModel(sc.with_updates({"city.rivals_per_group": 39.0}), rng=seed).city
    assert (full.rivalry[~np.eye(40, dtype=bool)] > 0).all()
    assert not full.alliance.any()


def _read_csv(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_m1_city_from_group_audit(tiny, example_audit):
    groups = _read_csv(example_audit / "groups.csv")
    ties = _read_csv(example_audit / "rivalries.csv")
    listed_rows = _read_csv(example_audit / "members.csv")
    ids = [g["group_id"] for g in groups]

    sc = tiny("baseline", {"city.audit_dir": str(example_audit)})
    m = GVIModel(sc, rng=3)
    city = m.city
    assert city.labels == ids
    np.testing.assert_array_equal(city.nominal_size, [int(g["size"]) for g in groups])
    founders = np.bincount(column(m, "group"), minlength=len(ids))
    np.testing.assert_array_equal(founders, city.nominal_size)
    for t in ties:
        i, j = ids.index(t["group_a"]), ids.index(t["group_b"])
        if t["kind"] == "alliance":
            assert city.alliance[i, j] and city.alliance[j, i]
        else:
            assert city.rivalry[i, j] == city.rivalry[j, i] == pytest.approx(float(t["intensity"]))
    assert np.count_nonzero(np.triu(city.rivalry)) == sum(t["kind"] == "rivalry" for t in ties)

    # the listed members are in their groups with their roles and supervision
    listed = m.audit_listed
    assert listed is not None and listed.sum() == len(listed_rows)
    grp = column(m, "group")
    for gi, gid in enumerate(ids):
        rows = [r for r in listed_rows if r["group_id"] == gid]
        here = listed & (grp == gi)
        assert here.sum() == len(rows)
        assert (column(m, "role")[here] == Role.CORE).sum() == sum(
            r["role"] == "core" for r in rows
        )
        assert column(m, "on_supervision")[here].sum() == sum(
            r["on_supervision"] == "true" for r in rows
        )


# --- M2: violence and retaliation ---------------------------------------------------------
@pytest.mark.parametrize("seed", [0, 1])
def test_m2_no_rivalries_no_shootings(tiny, run, seed):
    m = run(
        tiny(
            "gvi",
            {
                "city.rivals_per_group": 0.0,
                "city.allies_per_group": 2.0,
                "violence.base_hazard": 0.01,
            },
        ),
        seed,
    )
    assert m.daily_metrics()["shootings"].sum() == 0
    assert not kinds(m, EventKind.SHOOTING)
    # the same city with rivalries is violent
    m2 = run(m.params.with_updates({"city.rivals_per_group": 3.0}), seed)
    assert m2.daily_metrics()["shootings"].sum() > 0


def test_m2_no_branching_no_retaliation(tiny, run):
    sc = tiny("baseline", {"violence.base_hazard": 0.002})
    for seed in (0, 1):
        m = run(sc.with_updates({"violence.retaliation_branching": 0.0}), seed)
        shots = kinds(m, EventKind.SHOOTING)
        assert shots and all(e.cause is Cause.RIVALRY and e.ref == -1 for e in shots)
        assert m.daily_metrics()["retaliations"].sum() == 0
        assert not m.violence.pressure.any()
        m2 = run(sc.with_updates({"violence.retaliation_branching": 0.8}), seed)
        assert m2.daily_metrics()["retaliations"].sum() > 0


def test_m2_pressure_jumps_on_victimisation_and_halves_per_half_life(tiny):
    half_life, branching = 10.0, 0.6
    sc = tiny(
        "baseline",
        {
            "city.n_groups": 2,
            "city.rivals_per_group": 1.0,
            "city.allies_per_group": 0.0,
            "violence.base_hazard": 0.004,
            "violence.retaliation_branching": branching,
            "violence.retaliation_half_life_days": half_life,
            "time.horizon_days": 200,
        },
    )
    m = GVIModel(sc, rng=2)
    jump = branching * math.log(2) / half_life
    prev = m.violence.pressure.copy()
    history, shot_days = [], set()
    scales = []
    for new in step_days(m):
        expected = prev * 0.5 ** (1.0 / half_life)
        for e in new:
            if e.kind is EventKind.SHOOTING:
                # the victim group against the shooters: the mean jump times a gamma draw
                scales.append(jump_of(m, e.target, e.id) / jump)
                expected[e.target, e.group] += jump * scales[-1]
                shot_days.add(m.day)
        np.testing.assert_allclose(m.violence.pressure, expected, rtol=1e-9, atol=TAIL * jump)
        # the shooting hazard carries the same pressure
        np.testing.assert_allclose(
            retaliation_hazard(m), expected.sum(axis=1), rtol=1e-9, atol=TAIL * jump
        )
        prev = m.violence.pressure.copy()
        history.append(prev)
    assert len(shot_days) >= 3
    assert len(set(scales)) == len(scales) and min(scales) > 0  # each jump drawn anew
    # somewhere a quiet spell of one half-life: the pressure halves exactly
    quiet = [
        t
        for t in range(len(history) - 10)
        if history[t].any() and not shot_days & set(range(t + 1, t + 11))
    ]
    assert quiet
    t = quiet[0]
    np.testing.assert_allclose(history[t + 10], history[t] / 2, rtol=1e-9, atol=TAIL * jump)


def test_m2_pressure_spills_over_to_allies(tiny, tmp_path):
    """Groups A and B are rivals; C is B's ally. When A shoots at B, B and C both turn
    against A (C by the spill-over share); when B shoots at A, A alone turns on B."""
    (tmp_path / "groups.csv").write_text("group_id,size\nA,10\nB,10\nC,10\n", encoding="utf-8")
    (tmp_path / "rivalries.csv").write_text(
        "group_a,group_b,intensity,kind\nA,B,1.0,rivalry\nB,C,,alliance\n", encoding="utf-8"
    )
    half_life, branching, spill = 15.0, 0.5, 0.4
    sc = tiny(
        "baseline",
        {
            "city.audit_dir": str(tmp_path),
            "violence.base_hazard": 0.004,
            "violence.retaliation_branching": branching,
            "violence.retaliation_half_life_days": half_life,
            "violence.alliance_spillover": spill,
        },
    )
    m = GVIModel(sc, rng=1)
    a, b, c = 0, 1, 2
    jump = branching * math.log(2) / half_life
    prev = m.violence.pressure.copy()
    seen, ally_pressure = set(), 0.0
    for new in step_days(m):
        expected = prev * 0.5 ** (1.0 / half_life)
        for e in new:
            if e.kind is not EventKind.SHOOTING:
                continue
            seen.add((e.group, e.target))
            allies = np.flatnonzero(m.city.alliance[e.target])
            share = spill if len(allies) else 0.0
            own = jump_of(m, e.target, e.id)  # the mean jump's share times a gamma draw
            expected[e.target, e.group] += own
            for ally in allies:
                if ally != e.group:  # the same draw, the allies' share of the jump
                    expected[ally, e.group] += own / (1 - share) * share / len(allies)
        np.testing.assert_allclose(m.violence.pressure, expected, rtol=1e-9, atol=TAIL * jump)
        # the shooting hazard carries the same pressure
        np.testing.assert_allclose(
            retaliation_hazard(m), expected.sum(axis=1), rtol=1e-9, atol=TAIL * jump
        )
        prev = m.violence.pressure.copy()
        ally_pressure = max(ally_pressure, prev[c, a])
    assert (a, b) in seen and (b, a) in seen
    assert ally_pressure > 0


def test_m2_retaliation_answers_the_group_that_shot(tiny, run):
    sc = tiny(
        "baseline",
        {
            "violence.base_hazard": 0.002,
            "violence.retaliation_branching": 0.8,
            "city.n_groups": 8,
            "city.allies_per_group": 1.4,
        },
    )
    n_retal = n_ally = 0
    for seed in (0, 1):
        m = run(sc, seed)
        for e in kinds(m, EventKind.SHOOTING):
            assert e.group != e.target
            if e.cause is not Cause.RETALIATION:
                # a shooting out of rivalry alone is aimed at a rival
                assert e.cause is Cause.RIVALRY and m.city.rivalry[e.group, e.target] > 0
                continue
            n_retal += 1
            n_ally += e.group != m.log[e.ref].target
            parent = m.log[e.ref]
            assert parent.kind is EventKind.SHOOTING and parent.day <= e.day
            assert e.value == e.day - parent.day
            assert e.target == parent.group  # back at the shooters
            assert e.group == parent.target or m.city.alliance[parent.target, e.group]
    assert n_retal >= 20 and n_ally > 0


def test_m2_retaliation_lag_follows_the_half_life(tiny, run):
    """A victimised group's hazard rises and decays: retaliations come sooner when the
    pressure decays faster."""
    sc = tiny(
        "baseline",
        {
            "violence.base_hazard": 0.002,
            "violence.retaliation_branching": 0.8,
            "time.horizon_days": 365,
        },
    )

    def lags(half_life):
        out = []
        for seed in (0, 1, 2):
            m = run(sc.with_updates({"violence.retaliation_half_life_days": half_life}), seed)
            out += [e.value for e in kinds(m, EventKind.SHOOTING) if e.cause is Cause.RETALIATION]
        return np.array(out)

    fast, slow = lags(5.0), lags(60.0)
    assert len(fast) > 30 and len(slow) > 30
    assert np.median(fast) < 10 < np.median(slow)
    assert (fast >= 0).all()


def test_m2_higher_base_hazard_more_shootings(tiny, run):
    sc = tiny("baseline", {"violence.base_hazard": 0.001})
    low = sum(run(sc, s).daily_metrics()["shootings"].sum() for s in range(6))
    high = sum(
        run(sc.with_updates({"violence.base_hazard": 0.002}), s).daily_metrics()["shootings"].sum()
        for s in range(6)
    )
    assert high > 1.25 * low


def test_m2_outcome_shares_match_probabilities(tiny, run):
    sc = tiny(
        "baseline",
        {
            "violence.p_fatal": 0.2,
            "violence.p_injury": 0.4,
            "violence.p_bystander": 0.1,
            "violence.base_hazard": 0.003,
            "city.n_groups": 8,
            "time.horizon_days": 365,
        },
    )
    totals = np.zeros(4)
    for seed in range(5):
        m = run(sc, seed)
        df = m.daily_metrics()
        totals += [
            df[c].sum() for c in ("shootings", "fatalities", "injuries", "bystander_victims")
        ]
        assert df["fatalities"].sum() == len(kinds(m, EventKind.DEATH))
    shootings, fatal, injured, bystander = totals
    assert shootings > 800
    assert fatal / shootings == pytest.approx(0.2, abs=0.05)
    assert injured / shootings == pytest.approx(0.4, abs=0.05)
    assert bystander / shootings == pytest.approx(0.1, abs=0.04)


# --- M3: reactive policing ------------------------------------------------------------------
def _investigation_delays(m: GVIModel) -> list[int]:
    """Days from a shooter's latest shooting to their arrest after investigation."""
    shots: dict[int, list[int]] = {}
    for e in kinds(m, EventKind.SHOOTING):
        shots.setdefault(e.members[0], []).append(e.day)
    delays = []
    for a in kinds(m, EventKind.ARREST):
        if a.cause is Cause.INVESTIGATION:
            before = [d for d in shots.get(a.members[0], []) if d < a.day]
            assert before, "an investigation arrest without an earlier shooting"
            delays.append(a.day - max(before))
    return delays


def test_m3_no_clearance_no_investigation_arrests(tiny, run):
    sc = tiny("baseline", {"violence.base_hazard": 0.002})
    for seed in (0, 1):
        m = run(sc.with_updates({"policing.clearance": 0.0}), seed)
        assert kinds(m, EventKind.SHOOTING)
        assert not [a for a in kinds(m, EventKind.ARREST) if a.cause is Cause.INVESTIGATION]
        assert m.daily_metrics()["arrests"].sum() == 0
        assert (
            run(sc.with_updates({"policing.clearance": 1.0}), seed).daily_metrics()["arrests"].sum()
            > 0
        )


def test_m3_cleared_shootings_lead_to_arrest_after_the_investigation_delay(tiny, run):
    sc = tiny(
        "baseline",
        {
            "policing.clearance": 1.0,
            "policing.cases_per_unit": 1000,
            "policing.sentence_days": 30.0,
            "violence.base_hazard": 0.002,
            "time.horizon_days": 365,
        },
    )

    def delays(days):
        out, arrests, shots = [], 0, 0
        for seed in (0, 1):
            m = run(sc.with_updates({"policing.investigation_days": days}), seed)
            out += _investigation_delays(m)
            arrests += len(out)
            shots += sum(e.day < m.end_day - 4 * days for e in kinds(m, EventKind.SHOOTING))
        return np.array(out), arrests, shots

    quick, arrests, shots = delays(5.0)
    assert (quick >= 1).all()
    assert arrests > 0.5 * shots  # nearly every shooter is caught
    slow, _, _ = delays(30.0)
    assert np.median(quick) < np.median(slow)
    assert 15 < slow.mean() < 45


def test_m3_mean_time_to_arrest_is_investigation_days(tiny, run):
    sc = tiny(
        "baseline",
        {
            "policing.clearance": 1.0,
            "policing.cases_per_unit": 1000,
            "policing.investigation_days": 1.0,
            "violence.base_hazard": 0.002,
        },
    )
    delays = _investigation_delays(run(sc, 0)) + _investigation_delays(run(sc, 1))
    assert len(delays) > 20
    assert np.mean(delays) == pytest.approx(1.0, abs=0.25)


def test_m3_released_after_custody(tiny, run):
    sc = tiny(
        "baseline",
        {
            "policing.clearance": 1.0,
            "policing.sentence_days": 20.0,
            "policing.investigation_days": 5.0,
            "violence.base_hazard": 0.002,
        },
    )
    m = run(sc, 4)
    releases = {(e.members[0], e.day) for e in kinds(m, EventKind.RELEASE)}
    assert all(e.cause is Cause.SENTENCE_SERVED for e in kinds(m, EventKind.RELEASE))
    arrests = kinds(m, EventKind.ARREST)
    assert len(arrests) > 10 and len(releases) > 5
    # the member's latest arrest, release or death says where they are at the end
    last = {}
    for e in m.log.events:
        if e.kind in (EventKind.ARREST, EventKind.RELEASE, EventKind.DEATH):
            last[e.members[0]] = e.kind
    agents = members(m)
    for i, kind in last.items():
        if kind is EventKind.DEATH:
            assert i not in agents
        else:
            expected = Status.INCARCERATED if kind is EventKind.ARREST else Status.FREE
            assert agents[i].status is expected
    custody = []
    for a in arrests:
        custody.append(a.value)
        out = a.day + int(a.value)  # later if a further sentence was added in custody
        who = a.members[0]
        if out < m.end_day:  # released, or held on by a sentence added in custody
            assert any(i == who and d >= out for i, d in releases) or (
                agents[who].status is Status.INCARCERATED
            )
        else:
            assert agents[who].status is Status.INCARCERATED
    assert np.mean(custody) == pytest.approx(20.0, rel=0.3)


def test_m3_custody_spread(tiny, run):
    sc = tiny(
        "baseline",
        {
            "policing.clearance": 1.0,
            "policing.sentence_days": 40.0,
            "policing.investigation_days": 5.0,
            "violence.base_hazard": 0.002,
        },
    )
    fixed = [
        a.value
        for a in kinds(run(sc.with_updates({"policing.custody_log_sd": 0.0}), 1), EventKind.ARREST)
    ]
    assert fixed and set(fixed) == {40.0}
    spread = [
        a.value
        for a in kinds(run(sc.with_updates({"policing.custody_log_sd": 0.8}), 1), EventKind.ARREST)
    ]
    assert len(set(spread)) > 5


# --- M4: group audit ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "update",
    [{"audit.group_coverage": 0.0}, {"audit.group_coverage": 1.0, "audit.member_coverage": 0.0}],
)
def test_m4_nobody_mapped_nobody_reached(tiny, run, update):
    m = run(tiny("gvi", update), 0)
    assert (m.state.mapped_group[: m.state.n] == UNMAPPED).all()
    df = m.daily_metrics()
    for metric in ("callin_attendees", "notifications", "enforcement_actions"):
        assert df[metric].sum() == 0
    for kind in (EventKind.CALLIN, EventKind.NOTIFICATION, EventKind.ENFORCEMENT):
        assert not kinds(m, kind)
    assert kinds(m, EventKind.SHOOTING)


def _first_audit_share(sc, seed):
    m = GVIModel(sc.with_updates({"time.rollout_day": 0}), rng=seed)
    m.step()
    audit = kinds(m, EventKind.AUDIT)[0]
    return m, audit.value / m.city.nominal_size.sum()


@pytest.mark.parametrize("coverage", [0.2, 0.8])
def test_m4_member_coverage_sets_the_share_mapped(tiny, coverage):
    sc = tiny(
        "gvi",
        {
            "city.n_groups": 30,
            "audit.group_coverage": 1.0,
            "audit.member_coverage": coverage,
            "audit.refresh_days": 30,
        },
    )
    m, share = _first_audit_share(sc, 5)
    assert share == pytest.approx(coverage, abs=0.07)
    mapped = m.state.mapped_group[: m.state.n] != UNMAPPED
    assert mapped.sum() == kinds(m, EventKind.AUDIT)[0].value
    # the audit is refreshed: more members are mapped at the next round
    step_to(m, 30)
    assert len(kinds(m, EventKind.AUDIT)) == 2
    assert kinds(m, EventKind.AUDIT)[1].value > 0
    assert (m.state.mapped_group[: m.state.n] != UNMAPPED).sum() > mapped.sum()


def test_m4_accuracy_misclassifies_members(tiny):
    sc = tiny(
        "gvi", {"city.n_groups": 30, "audit.group_coverage": 1.0, "audit.member_coverage": 1.0}
    )
    for accuracy, low, high in ((1.0, 0.0, 0.0), (0.5, 0.4, 0.6), (0.0, 1.0, 1.0)):
        m, _ = _first_audit_share(sc.with_updates({"audit.accuracy": accuracy}), 6)
        n = m.state.n
        mapped = m.state.mapped_group[:n] != UNMAPPED
        wrong = (m.state.mapped_group[:n] != m.state.group[:n]) & mapped
        assert low <= wrong.sum() / mapped.sum() <= high
        assert (m.state.mapped_group[:n][mapped] < m.city.n_groups).all()


def test_m4_audit_city_maps_the_listed_members(tiny, example_audit):
    sc = tiny("gvi", {"city.audit_dir": str(example_audit), "time.rollout_day": 0})
    m = GVIModel(sc, rng=7)
    m.step()
    founders = int(m.city.nominal_size.sum())
    listed = m.audit_listed[:founders]
    mapped = m.state.mapped_group[:founders] != UNMAPPED
    np.testing.assert_array_equal(mapped, listed)
    np.testing.assert_array_equal(
        m.state.mapped_group[:founders][listed], m.state.group[:founders][listed]
    )


# --- M5: call-ins, custom notifications, diffusion -------------------------------------------
def test_m5_callins_follow_the_schedule(tiny, run):
    sc = tiny(
        "gvi",
        {
            "callins.first_day": 5,
            "callins.interval_days": 30,
            "callins.max_count": 3,
            "callins.attendees": 8,
            "callins.groups_per_callin": 3,
        },
    )
    m = run(sc, 1)
    callins = kinds(m, EventKind.CALLIN)
    start = m.rollout_day + 5
    assert [e.day for e in callins] == [start, start + 30, start + 60]  # max_count stops it
    df = m.daily_metrics().set_index("day")
    for e in callins:
        assert len(e.members) == 8  # plenty of invitees: the room is full
        assert len(set(e.members)) == len(e.members)
        assert e.value <= 3
        assert len({int(m.state.mapped_group[i]) for i in e.members}) <= 3
        assert m.state.attended_callin[list(e.members)].all()
        assert m.state.informed[list(e.members)].all()
        assert df.loc[e.day, "callin_attendees"] == 8
    assert df["callin_attendees"].sum() == 24
    assert m.comm.on_notice.any()


@pytest.mark.parametrize("attendees", [1, 5])
def test_m5_attendees_never_exceed_the_room(tiny, run, attendees):
    m = run(tiny("gvi", {"callins.attendees": attendees, "callins.groups_per_callin": 6}), 2)
    callins = kinds(m, EventKind.CALLIN)
    assert callins
    assert all(0 < len(e.members) <= attendees for e in callins)


@pytest.mark.parametrize("delay", [0, 4])
def test_m5_notifications_follow_shootings_after_the_delay(tiny, run, delay):
    sc = tiny(
        "deterrence_only",
        {
            "callins.enabled": False,
            "notifications.delay_days": delay,
            "notifications.members_per_group": 2,
            "audit.group_coverage": 1.0,
            "audit.member_coverage": 1.0,
            "violence.base_hazard": 0.002,
        },
    )
    m = run(sc, 3)
    notes = kinds(m, EventKind.NOTIFICATION)
    assert len(notes) >= 5
    refs = [e.ref for e in notes]
    assert len(refs) == len(set(refs))  # one notification round per shooting
    for e in notes:
        shot = m.log[e.ref]
        assert shot.kind is EventKind.SHOOTING and shot.day >= m.rollout_day
        assert e.day == shot.day + delay
        assert e.cause is Cause.AFTER_SHOOTING
        labels = [int(m.state.mapped_group[i]) for i in e.members]
        assert set(labels) <= {shot.group, shot.target}
        assert all(labels.count(g) <= 2 for g in set(labels))
    df = m.daily_metrics()
    assert df["notifications"].sum() == sum(len(e.members) for e in notes)
    assert df.loc[df["day"] < m.rollout_day + delay, "notifications"].sum() == 0


def test_m5_members_are_not_renotified_too_soon(tiny, run):
    sc = tiny(
        "deterrence_only",
        {
            "callins.enabled": False,
            "notifications.renotify_days": 25,
            "notifications.members_per_group": 5,
            "audit.member_coverage": 1.0,
            "violence.base_hazard": 0.003,
        },
    )
    m = run(sc, 2)
    last: dict[int, int] = {}
    for e in kinds(m, EventKind.NOTIFICATION):
        for i in e.members:
            assert i not in last or e.day - last[i] >= 25
            last[i] = e.day
    assert len(last) > 5


@pytest.mark.parametrize("per_year", [6, 20])
def test_m5_notifications_are_limited_per_year(tiny, run, per_year):
    """A partnership notifies tens of people a year, not hundreds (issue 15): no window
    of 365 days holds more than ``per_year`` notified people, and the cap binds."""
    updates = {
        "callins.enabled": False,
        "notifications.renotify_days": 0,
        "notifications.members_per_group": 5,
        "audit.member_coverage": 1.0,
        "violence.base_hazard": 0.003,
    }
    sc = tiny("deterrence_only", {**updates, "notifications.per_year": per_year})
    m = run(sc, 1)
    told = [e.day for e in kinds(m, EventKind.NOTIFICATION) for _ in e.members]
    assert told
    assert all(sum(1 for d in told if s <= d < s + 365) <= per_year for s in set(told))
    uncapped = run(sc.with_updates({"notifications.per_year": 100000}), 1)
    assert len(told) < sum(len(e.members) for e in kinds(uncapped, EventKind.NOTIFICATION))


def _reached(m: GVIModel) -> set[int]:
    return {
        i
        for kind in (EventKind.CALLIN, EventKind.NOTIFICATION)
        for e in kinds(m, kind)
        for i in e.members
    }


def test_m5_message_diffuses_inside_groups(tiny, run):
    sc = tiny(
        "gvi",
        {"enforcement.enabled": False, "support.enabled": False, "violence.base_hazard": 0.002},
    )
    without = with_ = 0
    for seed in (0, 1, 2):
        m0 = run(sc.with_updates({"notifications.diffusion_rate": 0.0}), seed)
        informed0 = set(np.flatnonzero(m0.state.informed[: m0.state.n]).tolist())
        assert informed0 == _reached(m0)  # no diffusion: only those spoken to know
        without += len(informed0)

        m1 = run(sc.with_updates({"notifications.diffusion_rate": 0.3}), seed)
        informed1 = set(np.flatnonzero(m1.state.informed[: m1.state.n]).tolist())
        direct = _reached(m1)
        second_hand = informed1 - direct
        assert second_hand
        groups_reached = {int(m1.state.group[i]) for i in direct}
        assert {int(m1.state.group[i]) for i in second_hand} <= groups_reached
        with_ += len(informed1)
    assert with_ > 1.3 * without


# --- M6: deterrence belief ------------------------------------------------------------------
def test_m6_callin_raises_risk_which_decays_to_baseline(tiny):
    half_life, strength = 20.0, 0.6
    sc = tiny(
        "baseline",
        {
            "callins.enabled": True,
            "callins.first_day": 0,
            "callins.max_count": 1,
            "deterrence.half_life_days": half_life,
            "deterrence.callin_message": strength,
            "notifications.diffusion_rate": 0.0,
        },
    )
    r0 = sc.deterrence.baseline_risk
    m = GVIModel(sc, rng=1)
    step_to(m, m.rollout_day)
    (callin,) = kinds(m, EventKind.CALLIN)
    att = list(callin.members)
    raised = r0 + strength * (1 - r0)
    np.testing.assert_allclose(column(m, "perceived_risk", att), raised)
    df = m.daily_metrics()
    assert df["mean_perceived_risk"].iloc[-1] > df["mean_perceived_risk"].iloc[-2]
    step_to(m, m.rollout_day + int(half_life))
    np.testing.assert_allclose(column(m, "perceived_risk", att), r0 + (raised - r0) / 2)
    m.run_model()
    risk = column(m, "perceived_risk")
    assert (risk >= r0 - 1e-12).all()
    assert (risk - r0).max() < 0.01
    assert m.daily_metrics()["mean_perceived_risk"].iloc[-1] == pytest.approx(r0, abs=0.01)


def test_m6_sanctions_raise_risk_in_own_and_publicised_groups(tiny):
    d = tiny("baseline").deterrence
    sc = tiny(
        "baseline",
        {
            "enforcement.enabled": True,
            "enforcement.delay_days": 0,
            "audit.group_coverage": 1.0,
            "audit.member_coverage": 1.0,
            "audit.accuracy": 1.0,
            "notifications.diffusion_rate": 0.0,
        },
    )
    m = GVIModel(sc, rng=2)
    step_to(m, m.rollout_day)
    r0 = d.baseline_risk
    target, watching = 0, 1
    assert m.comm.notify((watching,), -1, Cause.TRAINER) > 0
    n = m.state.n
    informed = np.flatnonzero(m.state.informed[:n])
    before = m.state.risk[informed].copy()
    m.desk.order(target)
    m.step()
    assert [e.group for e in kinds(m, EventKind.ENFORCEMENT) if e.day == m.day] == [target]
    grp, status = m.state.group[:n], m.state.status[:n]
    own = np.flatnonzero((grp == target) & (status != DEAD))
    np.testing.assert_allclose(m.state.risk[own], r0 + d.own_sanction * (1 - r0))
    decayed = r0 + (before - r0) * 0.5 ** (1 / d.half_life_days)
    np.testing.assert_allclose(m.state.risk[informed], decayed + d.other_sanction * (1 - decayed))
    others = np.flatnonzero((grp != target) & ~m.state.informed[:n])
    np.testing.assert_allclose(m.state.risk[others], r0)


def test_m6_unpunished_violence_lowers_perceived_risk(tiny, run):
    sc = tiny("deterrence_only", {"violence.base_hazard": 0.002})
    for seed in (0, 1, 2):
        kept = post_mean(
            run(sc.with_updates({"enforcement.fidelity": 1.0}), seed), "mean_perceived_risk"
        )
        broken = post_mean(
            run(sc.with_updates({"enforcement.fidelity": 0.0}), seed), "mean_perceived_risk"
        )
        assert broken < kept
        forgiven = post_mean(
            run(sc.with_updates({"enforcement.fidelity": 0.0, "deterrence.unpunished": 0.0}), seed),
            "mean_perceived_risk",
        )
        assert broken < forgiven


def test_m6_unpunished_violence_resets_belief(tiny):
    sc = tiny(
        "baseline",
        {
            "enforcement.enabled": True,
            "enforcement.fidelity": 0.0,
            "enforcement.delay_days": 0,
            "deterrence.unpunished": 1.0,
            "audit.group_coverage": 1.0,
            "audit.member_coverage": 1.0,
            "audit.accuracy": 1.0,
            "notifications.diffusion_rate": 0.0,
            "violence.base_hazard": 0.003,
        },
    )
    d = sc.deterrence
    r0 = d.baseline_risk
    m = GVIModel(sc, rng=3)
    step_to(m, m.rollout_day)
    assert m.comm.notify(tuple(range(m.city.n_groups)), -1, Cause.TRAINER) > 0
    assert m.comm.on_notice.all()
    checked = 0
    while m.running and checked < 3:
        n = m.state.n
        before = m.state.risk[:n].copy()
        first = len(m.log)
        m.step()
        skips = [e for e in m.log.events[first:] if e.kind is EventKind.ENFORCEMENT_SKIPPED]
        if not skips:
            continue
        checked += 1
        assert all(e.cause is Cause.NOT_FOLLOWED_THROUGH for e in skips)
        grp = m.state.group[:n]
        own = np.isin(grp, [e.group for e in skips])
        informed = m.state.informed[:n]
        assert (own & informed).any()
        np.testing.assert_allclose(m.state.risk[:n][own], r0)  # the promise was empty
        # informed members of other groups lose part of their belief, once per skip
        keep = (1 - d.unpunished * d.other_sanction / d.own_sanction) ** len(skips)
        decayed = (before - r0) * 0.5 ** (1 / d.half_life_days)
        np.testing.assert_allclose(m.state.risk[:n][~own], r0 + decayed[~own] * keep)
    assert checked == 3


@pytest.mark.parametrize("fidelity", [0.0, 0.5])
def test_m6_credibility_follows_the_record_of_kept_and_broken_promises(tiny, run, fidelity):
    sc = tiny(
        "deterrence_only",
        {
            "violence.base_hazard": 0.002,
            "enforcement.fidelity": fidelity,
            "deterrence.credibility_gain": 0.3,
            "deterrence.credibility_loss": 0.2,
        },
    )
    m = run(sc, 4)
    expected, kept, broken = 1.0, 0, 0
    for e in m.log.events:
        if e.kind is EventKind.ENFORCEMENT:
            expected += 0.3 * (1 - expected)
            kept += 1
        elif e.kind is EventKind.ENFORCEMENT_SKIPPED:
            expected *= 1 - 0.2
            broken += 1
    assert broken > 0 and (kept > 0) == (fidelity > 0)
    assert m.daily_metrics()["credibility"].iloc[-1] == pytest.approx(expected)
    assert m.daily_metrics()["credibility"].iloc[-1] < (0.5 if fidelity == 0 else 1.0)


def test_m6_a_message_is_worth_its_strength_times_credibility(tiny):
    strength = 0.6
    sc = tiny(
        "deterrence_only",
        {"deterrence.callin_message": strength, "notifications.diffusion_rate": 0.0},
    )
    m = GVIModel(sc, rng=2)
    step_to(m, m.rollout_day)
    m.deterrence.credibility = 0.25
    before = dict(zip(members(m), column(m, "perceived_risk"), strict=True))
    callin = m.comm.hold_callin(Cause.TRAINER)
    assert callin is not None and callin.cause is Cause.TRAINER
    was = np.array([before[i] for i in callin.members])
    np.testing.assert_allclose(
        column(m, "perceived_risk", callin.members), was + 0.25 * strength * (1 - was)
    )


def test_m6_without_sensitivity_the_message_changes_no_shooting(tiny, run):
    # the message alone: no enforcement, unanswered violence costs no belief (M7), and the
    # trust a call-in raises neither helps clear cases nor feeds defiance (M9)
    sc = tiny(
        "deterrence_only",
        {
            "enforcement.enabled": False,
            "violence.base_hazard": 0.002,
            "deterrence.unpunished": 0.0,
            "deterrence.credibility_loss": 0.0,
            "legitimacy.witness_weight": 0.0,
            "legitimacy.defiance": 0.0,
        },
    )
    deterred = untreated = 0.0
    for seed in (0, 1, 2):
        twin = run(sc.baseline_twin(), seed).daily_metrics()["shootings"]
        numb = run(sc.with_updates({"deterrence.sensitivity": 0.0}), seed)
        np.testing.assert_array_equal(numb.daily_metrics()["shootings"], twin)
        assert kinds(numb, EventKind.CALLIN) and kinds(numb, EventKind.NOTIFICATION)
        m = run(sc.with_updates({"deterrence.sensitivity": 1.0}), seed)
        deterred += post_total(m, "shootings")
        untreated += float(twin[m.rollout_day :].sum())
    assert deterred < 0.85 * untreated


# --- M7: focused enforcement --------------------------------------------------------------
ENF = {
    "enforcement.fidelity": 1.0,
    "enforcement.units": 1,
    "enforcement.delay_days": 5,
    "enforcement.max_wait_days": 10,
    "enforcement.duration_days": 20,
}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_m7_full_fidelity_answers_every_violence_by_a_group_on_notice(tiny, seed):
    sc = tiny("deterrence_only", {**ENF, "violence.base_hazard": 0.002})
    e = sc.enforcement
    m = GVIModel(sc, rng=seed)
    watched = []  # (shooting, was its group on notice when it shot)
    while m.running:
        notice = m.comm.on_notice.copy()  # it changes only after the day's violence
        first = len(m.log)
        m.step()
        watched += [
            (e, bool(notice[e.group]))
            for e in m.log.events[first:]
            if e.kind is EventKind.SHOOTING and e.day >= m.rollout_day
        ]
    ops = kinds(m, EventKind.ENFORCEMENT)
    skips = kinds(m, EventKind.ENFORCEMENT_SKIPPED)
    assert ops
    assert all(s.cause is Cause.NO_CAPACITY for s in skips)
    for op in ops:
        trigger = m.log[op.ref]
        assert trigger.kind is EventKind.SHOOTING and trigger.group == op.group
        assert e.delay_days <= op.day - trigger.day <= e.delay_days + e.max_wait_days
        assert op.cause is Cause.FOCUSED_ENFORCEMENT and op.value == e.duration_days
    for s in skips:
        assert s.day - m.log[s.ref].day == e.delay_days + e.max_wait_days
    # every shooting by a group on notice is answered (or its group is already dealt with)
    checked = 0
    for shot, on_notice in watched:
        if not on_notice or shot.day + e.delay_days + e.max_wait_days >= m.end_day:
            continue
        checked += 1
        answered = any(
            o.group == shot.group and shot.day <= o.day <= shot.day + e.delay_days + e.max_wait_days
            for o in ops + skips
        )
        running = any(
            o.group == shot.group and o.day <= shot.day <= o.day + e.duration_days for o in ops
        )
        assert answered or running, shot
    assert checked >= 3


@pytest.mark.parametrize("seed", [0, 1])
def test_m7_violence_on_notice_without_enforcement_is_a_broken_promise(tiny, seed):
    """Call-ins and notifications without any enforcement: every act of violence by a
    group on notice goes unanswered, and counts against the promise (issue 15)."""
    sc = tiny(
        "deterrence_only",
        {**ENF, "violence.base_hazard": 0.002, "enforcement.enabled": False},
    )
    m = GVIModel(sc, rng=seed)
    on_notice = 0
    while m.running:
        notice = m.comm.on_notice.copy()
        first = len(m.log)
        m.step()
        on_notice += sum(
            1
            for e in m.log.events[first:]
            if e.kind is EventKind.SHOOTING and e.day >= m.rollout_day and notice[e.group]
        )
    skips = kinds(m, EventKind.ENFORCEMENT_SKIPPED)
    assert on_notice >= 3 and len(skips) >= 3
    assert all(s.cause is Cause.NO_ENFORCEMENT for s in skips)
    for s in skips:
        assert s.day - m.log[s.ref].day == sc.enforcement.delay_days
    assert not kinds(m, EventKind.ENFORCEMENT)
    assert m.deterrence.credibility < 0.5
    assert m.daily_metrics()["credibility"].iloc[-1] == m.deterrence.credibility


def test_m7_zero_fidelity_never_enforces(tiny, run):
    sc = tiny("deterrence_only", {**ENF, "enforcement.fidelity": 0.0})
    total = 0
    for seed in (0, 1):
        m = run(sc, seed)
        assert not kinds(m, EventKind.ENFORCEMENT)
        assert m.daily_metrics()["enforcement_actions"].sum() == 0
        assert not [a for a in kinds(m, EventKind.ARREST) if a.cause is Cause.FOCUSED_ENFORCEMENT]
        skips = kinds(m, EventKind.ENFORCEMENT_SKIPPED)
        total += len(skips)
        for s in skips:
            assert s.cause is Cause.NOT_FOLLOWED_THROUGH
            assert s.day == m.log[s.ref].day + 5
    assert total >= 3


def test_m7_enforcement_arrests_happen_inside_operations_within_capacity(tiny, run):
    sc = tiny(
        "deterrence_only", {**ENF, "enforcement.units": 2, "enforcement.incapacitation_share": 0.6}
    )
    arrests = 0
    for seed in (0, 1, 2):
        m = run(sc, seed)
        ops = kinds(m, EventKind.ENFORCEMENT)
        assert m.daily_metrics()["enforcement_actions"].sum() == len(ops)
        # each operation's days, from its start to its logged end (the horizon if it
        # was still under way)
        ends = {e.ref: e for e in kinds(m, EventKind.ENFORCEMENT_END)}
        windows = []
        for o in ops:
            end = ends[o.ref].day if o.ref in ends else m.end_day
            assert end - o.day <= o.value  # never longer than the longest operation
            if o.ref in ends:
                assert ends[o.ref].value == end - o.day and ends[o.ref].group == o.group
            windows.append((o.day, end, o.ref))
        for day in range(m.end_day):
            assert sum(lo <= day < hi for lo, hi, _ in windows) <= 2
        for a in kinds(m, EventKind.ARREST):
            if a.cause is not Cause.FOCUSED_ENFORCEMENT:
                continue
            arrests += 1
            # an arrest names the shooting its operation answers (``ref``), as the
            # operation does
            assert any(ref == a.ref and lo <= a.day < hi for lo, hi, ref in windows)
        df = m.daily_metrics()
        assert df["enforcement_arrests"].sum() == sum(
            a.cause is Cause.FOCUSED_ENFORCEMENT for a in kinds(m, EventKind.ARREST)
        )
        assert df["unanswered_violence"].sum() == len(kinds(m, EventKind.ENFORCEMENT_SKIPPED))
    assert arrests >= 5


def test_m7_an_operation_ends_when_the_effect_is_seen(tiny, run):
    """An operation runs until its group has gone ``quiet_days`` without violence since
    the operation began (Örebro: each action ended when an effect was seen), or for its
    longest length; violence during the operation keeps it going (issue 15)."""
    quiet, longest = 8, 120
    sc = tiny(
        "deterrence_only",
        {
            **ENF,
            "violence.base_hazard": 0.002,
            "enforcement.quiet_days": quiet,
            "enforcement.duration_days": longest,
        },
    )
    early = extended = 0
    for seed in (0, 1, 2):
        m = run(sc, seed)
        shots = kinds(m, EventKind.SHOOTING)
        ends = {e.ref: e for e in kinds(m, EventKind.ENFORCEMENT_END)}
        for op in kinds(m, EventKind.ENFORCEMENT):
            if op.ref not in ends:
                continue  # still under way at the horizon
            # the first day on which the group has been quiet for ``quiet`` days
            own = sorted(e.day for e in shots if e.group == op.group and e.day >= op.day)
            day = op.day
            while day - max([op.day, *[d for d in own if d <= day]]) < quiet:
                day += 1
            expected = min(day, op.day + longest)
            assert ends[op.ref].day == expected
            early += expected < op.day + longest
            extended += expected > op.day + quiet
    assert early >= 3 and extended >= 1


def test_m7_waiting_requests_are_served_by_priority(tiny):
    """With every unit busy, due requests wait; a freed unit goes to the group with the
    most violence since its request, then to the earliest request (issue 15): not first
    come, first served."""
    sc = tiny(
        "deterrence_only",
        {
            **ENF,
            "violence.base_hazard": 0.0,
            "enforcement.delay_days": 0,
            "enforcement.max_wait_days": 100,
            "enforcement.quiet_days": 3,
            "enforcement.duration_days": 50,
        },
    )
    m = GVIModel(sc, rng=1)
    step_to(m, m.rollout_day)
    a, b, c, d = 0, 1, 2, 3
    assert m.desk.order(a)
    m.step()  # the one unit takes group a
    m.desk.after_violence(b, -1)
    m.desk.after_violence(c, -1)
    m.desk.after_violence(c, -1)  # c shoots again while waiting
    m.desk.after_violence(d, -1)  # another group, queued after b, no more violence
    step_to(m, m.day + 30)
    started = [e.group for e in kinds(m, EventKind.ENFORCEMENT)]
    assert started == [a, c, b, d]
    assert not kinds(m, EventKind.ENFORCEMENT_SKIPPED)


@pytest.mark.parametrize("share", [0.0, 1.0])
def test_m7_incapacitation_share(tiny, share):
    sc = tiny(
        "baseline",
        {
            "enforcement.enabled": True,
            "enforcement.delay_days": 0,
            "enforcement.incapacitation_share": share,
            "enforcement.custody_days": 50.0,
            "audit.group_coverage": 1.0,
            "audit.member_coverage": 1.0,
        },
    )
    m = GVIModel(sc, rng=3)
    step_to(m, m.rollout_day)
    target = 2
    n = m.state.n
    mapped = np.flatnonzero((m.state.mapped_group[:n] == target) & (m.state.status[:n] == FREE))
    assert len(mapped) > 3
    m.desk.order(target)
    m.step()
    held = [a for a in kinds(m, EventKind.ARREST) if a.cause is Cause.FOCUSED_ENFORCEMENT]
    if share == 0.0:
        assert not held
        assert kinds(m, EventKind.ENFORCEMENT)  # the operation ran, but took nobody
    else:  # everybody the audit puts in the group who is still free is taken in at once
        status = m.state.status[: m.state.n]
        assert not ((m.state.mapped_group[: m.state.n] == target) & (status == FREE)).any()
        assert {a.members[0] for a in held} >= {int(i) for i in mapped if status[i] != DEAD}


# --- M8: support and outreach ---------------------------------------------------------------
SUPPORT = {"support.uptake": 1.0, "support.contact_rate": 3.0, "time.rollout_day": 10}


def test_m8_no_support_without_the_programme(tiny, run):
    for preset in ("baseline", "deterrence_only", "crackdown"):
        m = run(tiny(preset), 0)
        for kind in (
            EventKind.SUPPORT_OFFER,
            EventKind.SUPPORT_ENGAGED,
            EventKind.SUPPORT_DROPOUT,
            EventKind.EXIT,
        ):
            assert not kinds(m, kind)
        assert m.daily_metrics()["support_engaged"].sum() == 0
        assert (column(m, "support") == SupportStatus.NONE).all()
    assert kinds(run(tiny("support_only", SUPPORT), 0), EventKind.SUPPORT_ENGAGED)


def test_m8_slots_and_caseloads_are_limits(tiny):
    sc = tiny(
        "support_only",
        {
            **SUPPORT,
            "support.slots": 3,
            "support.workers": 4,
            "support.caseload": 2,
            "support.dropout_rate": 0.0,
            "support.wait_dropout": 0.0,
        },
    )
    m = GVIModel(sc, rng=1)
    workers = list(m.agents_by_type[OutreachWorker])
    assert len(workers) == 4
    max_engaged, waited = 0, False
    for _ in step_days(m):
        support = column(m, "support")
        engaged = int((support == SupportStatus.ENGAGED).sum())
        waiting = int((support == SupportStatus.WAITING).sum())
        assert engaged <= 3
        assert m.daily_metrics()["support_engaged"].iloc[-1] == engaged
        assert all(len(w.clients) <= 2 for w in workers)
        assert engaged + waiting <= 4 * 2
        max_engaged, waited = max(max_engaged, engaged), waited or waiting > 0
    assert max_engaged == 3 and waited


def test_m8_engaged_members_shoot_less(tiny):
    sc = tiny(
        "support_only",
        {
            **SUPPORT,
            "support.slots": 500,
            "support.workers": 10,
            "support.caseload": 50,
            "support.exit_rate": 0.0,
            "support.dropout_rate": 0.0,
            "violence.base_hazard": 0.002,
            "time.horizon_days": 200,
        },
    )

    def engaged_rate(reduction):
        shots = member_days = 0
        for seed in (0, 1, 2):
            m = GVIModel(sc.with_updates({"support.hazard_reduction": reduction}), rng=seed)
            while m.running:
                engaged = {i for i, a in members(m).items() if a.support is SupportStatus.ENGAGED}
                first = len(m.log)
                m.step()
                shots += sum(
                    e.kind is EventKind.SHOOTING and e.members[0] in engaged
                    for e in m.log.events[first:]
                )
                member_days += len(engaged)
        assert member_days > 10_000
        return shots / member_days

    assert engaged_rate(0.9) < 0.35 * engaged_rate(0.0)


def test_m8_exit_only_after_sustained_engagement(tiny, run):
    sc = tiny(
        "support_only",
        {
            **SUPPORT,
            "support.exit_rate": 0.3,
            "support.min_days_for_exit": 15,
            "support.dropout_rate": 0.0,
        },
    )
    m = run(sc, 2)
    engaged_on: dict[int, int] = {}
    exits = 0
    for e in m.log.events:
        if e.kind is EventKind.SUPPORT_ENGAGED:
            engaged_on[e.members[0]] = e.day
        elif e.kind is EventKind.EXIT:
            exits += 1
            assert e.cause is Cause.OUTREACH
            assert e.day - engaged_on[e.members[0]] >= 15
            assert e.members[0] not in members(m)  # gone from the group for good
    assert exits >= 5
    assert m.daily_metrics()["exits"].sum() == exits
    assert not kinds(run(sc.with_updates({"support.exit_rate": 0.0}), 2), EventKind.EXIT)


# --- M9: legitimacy -------------------------------------------------------------------------
@pytest.mark.parametrize("moral_voice", [0.0, 0.3])
def test_m9_callin_raises_attendees_trust(tiny, moral_voice):
    sc = tiny(
        "baseline",
        {"callins.enabled": True, "callins.first_day": 100, "legitimacy.moral_voice": moral_voice},
    )
    m = GVIModel(sc, rng=4)
    step_to(m, m.rollout_day + 1)
    before = column(m, "legitimacy")
    event = m.comm.hold_callin()
    assert event is not None and event.kind is EventKind.CALLIN
    att = np.isin(sorted(members(m)), event.members)
    assert att.sum() == len(event.members)
    after = column(m, "legitimacy")
    np.testing.assert_allclose(after[att], before[att] + moral_voice * (1 - before[att]))
    np.testing.assert_array_equal(after[~att], before[~att])
    if moral_voice:
        assert (after[att] > before[att]).all()


def test_m9_crackdown_costs_trust(tiny, run):
    sc = tiny("crackdown", {"crackdown.arrest_share": 0.05})
    for seed in (0, 1, 2):
        m = run(sc, seed)
        twin = run(sc.baseline_twin(), seed)
        assert post_mean(m, "mean_legitimacy") < post_mean(twin, "mean_legitimacy") - 0.02
        assert post_total(m, "arrests") > post_total(twin, "arrests")
        assert all(e.cause is Cause.CRACKDOWN for e in kinds(m, EventKind.SWEEP))
        # sweeps carry a little general deterrence
        assert post_mean(m, "mean_perceived_risk") > post_mean(twin, "mean_perceived_risk")


def test_crackdown_sweeps_are_enforcement_actions_with_their_arrests(tiny, run):
    """A sweep counts as an enforcement action, and its arrests as arrests in
    enforcement actions: a comparison must not show a crackdown's sweeps without the
    arrests they made."""
    sc = tiny("crackdown", {"crackdown.arrest_share": 0.05})
    for seed in (0, 1):
        m = run(sc, seed)
        df = m.daily_metrics()
        sweeps = kinds(m, EventKind.SWEEP)
        swept = [a for a in kinds(m, EventKind.ARREST) if a.cause is Cause.CRACKDOWN]
        assert df["enforcement_actions"].sum() == len(sweeps) > 0
        assert df["enforcement_arrests"].sum() == len(swept) == sum(len(s.members) for s in sweeps)
        assert len(swept) > 0


@pytest.mark.parametrize("weight", [0.0, 0.8])
def test_m9_low_trust_lowers_clearance(tiny, weight):
    """Witnesses from a victim's group that has lost trust cooperate less: its cases are
    cleared with clearance x (1 + w (T / T0 - 1)) (issue 15)."""
    from agents.police_unit import CaseQueue

    sc = tiny(
        "crackdown",
        {"legitimacy.witness_weight": weight, "policing.clearance": 0.6},
    )
    m = GVIModel(sc, rng=2)
    step_to(m, 1)
    low, high = 0, 1
    rows = m.rows[low]
    for _ in range(7):
        m.legitimacy.crackdown(rows)  # group ``low`` has lost trust, ``high`` has not
    s = m.state
    ratio = s.legitimacy[rows].sum() / s.legitimacy_base[rows].sum()
    assert ratio < 0.55
    factor = max(0.0, 1.0 + weight * (ratio - 1.0))
    assert m.legitimacy.witness_factor(rows) == pytest.approx(factor)
    assert m.legitimacy.witness_factor(m.rows[high]) == 1.0
    unit = m.investigators[0]
    shares = {}
    for g in (low, high):
        cleared = 0
        for _ in range(3000):
            unit.cases = CaseQueue()  # no backlog: the load factor stays 1
            cleared += unit.open_case(-1, 0, g).cleared
        shares[g] = cleared / 3000
    assert shares[high] == pytest.approx(0.6, abs=0.03)
    assert shares[low] == pytest.approx(0.6 * factor, abs=0.03)


def test_m9_defiance_raises_the_hazard_of_members_who_lost_trust(tiny):
    """A member whose trust fell below their baseline is more violent by
    1 + defiance (t0 - t) / t0 (Sherman 1993); members at or above it are not."""
    sc = tiny("baseline", {"legitimacy.defiance": 0.4, "deterrence.sensitivity": 0.0})
    m = GVIModel(sc, rng=5)
    step_to(m, m.rollout_day)
    assert not m.legitimacy.fallen
    groups = np.arange(m.city.n_groups)
    per_unit = m.violence.group_hazard(m.prop_mass)
    before, _ = m.shootings._policy_hazard(groups, per_unit)
    s = m.state
    n = s.n
    hit = m.rows[0]
    m.legitimacy.crackdown(hit)
    after, _ = m.shootings._policy_hazard(groups, per_unit)
    share = np.clip((s.legitimacy_base[:n] - s.legitimacy[:n]) / s.legitimacy_base[:n], 0, None)
    expected = before * (1.0 + 0.4 * share)
    np.testing.assert_allclose(after, expected, rtol=1e-12)
    assert (after[hit] > before[hit])[before[hit] > 0].all()
    others = np.setdiff1d(np.arange(n), hit)
    below = s.legitimacy[others] < s.legitimacy_base[others]
    np.testing.assert_array_equal(after[others][~below], before[others][~below])


def test_m9_a_crackdown_can_backfire(tiny, run):
    """With strong defiance, sweeps that cost trust bring more shootings than the same
    sweeps without it (same seeds)."""
    sc = tiny("crackdown", {"legitimacy.defiance": 1.5})
    calm = sc.with_updates({"legitimacy.defiance": 0.0})
    more = sum(
        post_total(run(sc, seed), "shootings") - post_total(run(calm, seed), "shootings")
        for seed in range(4)
    )
    assert more > 0


@pytest.mark.parametrize("kept_promise", [0.0, 0.2])
def test_m9_help_delivered_raises_trust(tiny, kept_promise):
    sc = tiny("support_only", {**SUPPORT, "legitimacy.kept_promise": kept_promise})
    decay = 0.5 ** (1 / sc.legitimacy.half_life_days)
    m = GVIModel(sc, rng=3)
    engaged = 0
    while m.running:
        n = m.state.n
        before = m.state.legitimacy[:n].copy()
        base = m.state.legitimacy_base[:n]
        first = len(m.log)
        m.step()
        for e in m.log.events[first:]:
            if e.kind is EventKind.SUPPORT_ENGAGED and e.day >= m.rollout_day:
                (i,) = e.members
                aged = base[i] + (before[i] - base[i]) * decay
                assert m.state.legitimacy[i] == pytest.approx(aged + kept_promise * (1 - aged))
                engaged += 1
    assert engaged >= 5


# --- M10: group dynamics --------------------------------------------------------------------
def test_m10_recruitment_refills_vacancies(tiny, run):
    sc = tiny(
        "baseline",
        {
            "violence.base_hazard": 0.002,
            "violence.p_fatal": 0.5,
            "group_dynamics.recruitment_rate": 0.05,
            "time.horizon_days": 720,
        },
    )
    nominal = None
    for seed in (0, 1):
        m = run(sc, seed)
        nominal = int(m.city.nominal_size.sum())
        deaths = len(kinds(m, EventKind.DEATH))
        assert deaths > 20
        recruits = kinds(m, EventKind.RECRUIT)
        assert recruits and all(e.cause is Cause.VACANCY for e in recruits)
        agents = members(m)
        staying = [(i, e.group) for e in recruits for i in e.members if i in agents]
        assert staying and all(agents[i].group == g for i, g in staying)
        # founders and recruits, less those who died or left: the log accounts for everyone
        exits = len(kinds(m, EventKind.EXIT))
        assert len(agents) == nominal + sum(len(e.members) for e in recruits) - deaths - exits
        assert len(agents) >= 0.9 * nominal
        counts = np.bincount(column(m, "group"), minlength=m.city.n_groups)
        assert (counts <= m.city.nominal_size).all()

        frozen = run(sc.with_updates({"group_dynamics.recruitment_rate": 0.0}), seed)
        lost = len(kinds(frozen, EventKind.DEATH)) + len(kinds(frozen, EventKind.EXIT))
        assert not kinds(frozen, EventKind.RECRUIT)
        assert len(members(frozen)) == nominal - lost
        assert len(members(frozen)) < len(agents)


@pytest.fixture(scope="module")
def peer_pressure_runs(tiny, run):
    """Shootings after a single call-in, in groups on notice, by members who attended
    and by those who did not; for peer pressure 0 and 1 (eight paired seeds each)."""
    sc = tiny(
        "baseline",
        {
            "callins.enabled": True,
            "callins.first_day": 0,
            "callins.max_count": 1,
            "callins.attendees": 40,
            "callins.groups_per_callin": 6,
            "audit.group_coverage": 1.0,
            "deterrence.half_life_days": 3650.0,
            "deterrence.sensitivity": 1.0,
            "deterrence.callin_message": 1.0,
            "deterrence.unpunished": 0.0,  # no enforcement: keep the message's belief
            "deterrence.credibility_loss": 0.0,
            "notifications.diffusion_rate": 0.0,
            "time.horizon_days": 240,
            "time.rollout_day": 10,
            "violence.base_hazard": 0.002,
        },
    )
    out = {}
    for peer_pressure in (0.0, 1.0):
        heard = unheard = 0
        for seed in range(8):
            m = run(sc.with_updates({"group_dynamics.peer_pressure": peer_pressure}), seed)
            (callin,) = kinds(m, EventKind.CALLIN)
            for e in kinds(m, EventKind.SHOOTING):
                if e.day > callin.day and m.comm.on_notice[e.group]:
                    if e.members[0] in callin.members:
                        heard += 1
                    else:
                        unheard += 1
        out[peer_pressure] = (heard, unheard)
    return out


def test_m10_peer_pressure_deters_those_who_did_not_hear(peer_pressure_runs):
    """In a group on notice, members answer for each other: with peer pressure those who
    did not hear the message are restrained by those who did."""
    unheard0 = peer_pressure_runs[0.0][1]
    unheard1 = peer_pressure_runs[1.0][1]
    assert unheard1 < 0.92 * unheard0


def test_m10_peer_pressure_lowers_violence_of_groups_on_notice(peer_pressure_runs):
    total0 = sum(peer_pressure_runs[0.0])
    total1 = sum(peer_pressure_runs[1.0])
    assert total1 < 0.95 * total0


# --- M11: partnership fidelity over time ------------------------------------------------------
@pytest.mark.parametrize("talk_on", [False, True])
def test_m11_lapse_stops_follow_through(tiny, run, talk_on):
    sc = tiny(
        "gvi_lapse",
        {
            "enforcement.fidelity": 1.0,
            "partnership.fidelity_after_lapse": 0.0,
            "partnership.lapse_day": 60,
            "callins.interval_days": 20,
            "partnership.communication_after_lapse": talk_on,
            "violence.base_hazard": 0.002,
        },
    )
    after_skips = 0
    for seed in (0, 1):
        m = run(sc, seed)
        lapse = m.rollout_day + 60
        assert [e.day for e in kinds(m, EventKind.LAPSE)] == [lapse]
        ops = kinds(m, EventKind.ENFORCEMENT)
        assert ops and all(m.log[o.ref].day < lapse for o in ops)
        for s in kinds(m, EventKind.ENFORCEMENT_SKIPPED):
            if s.cause is Cause.NOT_FOLLOWED_THROUGH:
                assert m.log[s.ref].day >= lapse
                after_skips += 1
        talk = kinds(m, EventKind.CALLIN) + kinds(m, EventKind.NOTIFICATION)
        assert any(e.day < lapse for e in talk)
        assert any(e.day >= lapse for e in talk) == talk_on
    assert after_skips >= 2


def test_m11_fatigue_wears_follow_through_down(tiny, run):
    """Implementation fatigue: follow-through is the declared fidelity times
    ``(1 - fatigue_per_year) ** years`` since the rollout, so decisions go undelivered
    more often as the partnership ages; without fatigue it stays the declared fidelity."""
    sc = tiny(
        "gvi",
        {
            "enforcement.fidelity": 1.0,
            "partnership.fatigue_per_year": 0.9,
            "violence.base_hazard": 0.002,
            "time.horizon_days": 420,
        },
    )
    m = GVIModel(sc, rng=3).run_to_rollout()
    assert group_dynamics.fidelity(m) == 1.0
    while m.day < m.rollout_day + 365:
        m.step()
    assert group_dynamics.fidelity(m) == pytest.approx(0.1)
    m.close()
    fresh = GVIModel(sc.with_updates({"partnership.fatigue_per_year": 0.0}), rng=3)
    while fresh.day < fresh.rollout_day + 365:
        fresh.step()
    assert group_dynamics.fidelity(fresh) == 1.0
    fresh.close()
    delivered: list[int] = []
    dropped: list[int] = []
    for seed in (0, 1):
        m = run(sc, seed)
        delivered += [m.log[o.ref].day - m.rollout_day for o in kinds(m, EventKind.ENFORCEMENT)]
        dropped += [
            m.log[s.ref].day - m.rollout_day
            for s in kinds(m, EventKind.ENFORCEMENT_SKIPPED)
            if s.cause is Cause.NOT_FOLLOWED_THROUGH
        ]
    assert len(delivered) >= 3 and len(dropped) >= 3
    assert np.mean(dropped) > np.mean(delivered) + 60


@pytest.mark.parametrize("penalty", [0.0, 0.5])
def test_m11_a_lapse_breaks_the_promise_to_those_told(tiny, penalty):
    """On the lapse day the members the partnership made its promise to (told its message
    or offered help, still in the groups) lose ``legitimacy.lapse_penalty`` of their
    trust (M9); nobody else's trust moves. Trust acts on nothing else here, so the twin
    run without the penalty is the same run but for trust."""
    inert = {
        "partnership.lapse_day": 60,
        "callins.interval_days": 20,
        "violence.base_hazard": 0.002,
        "deterrence.legitimacy_weight": 0.0,
        "legitimacy.defiance": 0.0,
        "legitimacy.witness_weight": 0.0,
        "support.uptake_legitimacy_effect": 0.0,
    }
    sc = tiny("gvi_lapse", {**inert, "legitimacy.lapse_penalty": penalty})
    twin = GVIModel(sc.with_updates({"legitimacy.lapse_penalty": 0.0}), rng=3)
    m = GVIModel(sc, rng=3)
    lapse = m.rollout_day + 60
    step_to(twin, lapse - 1)
    step_to(m, lapse - 1)
    told = group_dynamics.promised(m)
    before = m.state.legitimacy[: m.state.n].copy()
    np.testing.assert_array_equal(before, twin.state.legitimacy[: twin.state.n])
    assert len(told) >= 10
    assert len(told) < m.state.n  # not everyone was told
    step_to(twin, lapse)
    step_to(m, lapse)
    assert [e.day for e in kinds(m, EventKind.LAPSE)] == [lapse]
    n = len(before)
    ours, theirs = m.state.legitimacy[:n], twin.state.legitimacy[:n]
    decay = 0.5 ** (1 / sc.legitimacy.half_life_days)
    np.testing.assert_allclose(ours[told], theirs[told] - penalty * before[told] * decay)
    others = np.setdiff1d(np.arange(n), told)
    np.testing.assert_array_equal(ours[others], theirs[others])
    assert m.legitimacy.fallen == (penalty > 0)
    for model in (m, twin):
        model.close()


def test_m11_a_broken_promise_brings_more_violence_with_defiance(tiny, run):
    """With defiance, the trust lost at the lapse makes those told more violent: more
    shootings after the lapse than the same runs without the penalty (same seeds), and
    none before it."""
    sc = tiny(
        "gvi_lapse",
        {
            "partnership.lapse_day": 60,
            "callins.interval_days": 20,
            "violence.base_hazard": 0.002,
            "legitimacy.defiance": 2.0,
            "legitimacy.lapse_penalty": 0.8,
        },
    )
    calm = sc.with_updates({"legitimacy.lapse_penalty": 0.0})
    more = 0.0
    for seed in range(4):
        m, twin = run(sc, seed), run(calm, seed)
        lapse = m.rollout_day + 60
        daily, twin_daily = m.daily_metrics(), twin.daily_metrics()
        early = daily["day"] < lapse
        assert daily["shootings"][early].sum() == twin_daily["shootings"][early].sum()
        more += daily["shootings"][~early].sum() - twin_daily["shootings"][~early].sum()
    assert more > 0


# --- M12: community -------------------------------------------------------------------------
def test_m12_safety_falls_with_shootings_and_recovers(tiny, run):
    sc = tiny("baseline", {"violence.base_hazard": 0.002, "violence.p_bystander": 0.2})
    c = sc.community
    m = run(sc, 1)
    df = m.daily_metrics()
    decay = 0.5 ** (1 / c.recovery_half_life_days)
    previous = c.baseline_safety
    drops = 0
    for row in df.itertuples():
        recovered = c.baseline_safety + (previous - c.baseline_safety) * decay
        loss = (
            c.shooting_impact * row.shootings
            + c.fatal_impact * row.fatalities
            + c.bystander_impact * row.bystander_victims
        )
        assert row.perceived_safety == pytest.approx(max(0.0, recovered - loss))
        if row.shootings:
            drops += 1
            assert row.perceived_safety < recovered
        elif previous < c.baseline_safety:
            assert previous < row.perceived_safety <= c.baseline_safety
        previous = row.perceived_safety
    assert drops >= 10
    assert df["perceived_safety"].min() < c.baseline_safety - 5


def test_m12_costs_add_up(tiny, run):
    sc = tiny("gvi", {"violence.base_hazard": 0.002})
    m = run(sc, 2)
    df = m.daily_metrics()
    assert (df["cost_sek"] > 0).any() and (df["cost_sek"] >= 0).all()
    dearer = run(sc.with_updates({"costs.custody_day_sek": 7000.0}), 2).daily_metrics()
    np.testing.assert_array_equal(dearer["shootings"], df["shootings"])  # costs change no behaviour
    extra = dearer["cost_sek"].sum() - df["cost_sek"].sum()
    assert extra == pytest.approx(3500.0 * df["incarcerated"].sum())
    assert extra > 0

    free = {f"costs.{k}": 0.0 for k in sc.costs.model_dump()}
    assert run(sc.with_updates(free), 2).daily_metrics()["cost_sek"].sum() == 0
