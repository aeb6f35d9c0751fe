"""GVIModel: a city of rival groups, business-as-usual policing and a GVI partnership.

One step is one day. The daily schedule (docs/ODD.md, "Process overview") is
:meth:`GVIModel.step`; each mechanism M1-M12 lives in its own module of this package.
"""

from __future__ import annotations

import copy
import functools
import itertools

import mesa
import numpy as np
import pandas as pd
from threadpoolctl import ThreadpoolController

from agents.group_member import GroupMember
from agents.outreach_worker import OutreachWorker
from agents.police_unit import PoliceUnit, UnitKind
from scenarios.schema import Scenario

from . import group_dynamics
from .city import Ties, build_city, draw_members
from .communication import Communication
from .community import Community, Costs
from .deterrence import Deterrence
from .enforcement import Crackdown, EnforcementDesk
from .events import Cause, EventKind, EventLog
from .legitimacy import Legitimacy
from .metrics import COUNT_METRICS, METRIC_NAMES, MetricsCollector
from .state import FREE, INCARCERATED, MemberState, RowsByGroup, changed_groups
from .streams import as_seed_sequence, make_streams
from .summary import summarise
from .support import Support
from .time import NEVER
from .violence import Shootings, Violence


@functools.cache
def _blas() -> ThreadpoolController:
    """The process's thread pools (found once: the search costs a few milliseconds)."""
    return ThreadpoolController()


def one_blas_thread() -> None:
    """Run BLAS on one thread (set by every model as it is built; costs ~0.05 ms).

    The daily means over members are dot products, which OpenBLAS splits over threads
    for large cities: the split changes the order of summation, so the last bits of a
    result depended on the machine's cores, and the threads cost more than they gave
    (858 groups, 11,704 members: 29.0 s CPU with 2 threads, 4.9 s with one). One thread
    makes a seed's results the same on every machine; parallelism comes from running
    several models at once."""
    _blas().limit(limits=1, user_api="blas")


def _continue_agent_ids(model: GVIModel, copied: GVIModel) -> None:
    """Mesa 3.3 counts each model's agent ids in the class-level ``Agent._ids`` (see
    :meth:`GVIModel.close`), which a copy of the model does not share: the copy's
    agents go on counting from where the model's are, and the model's count is left as
    it was."""
    following = next(mesa.Agent._ids[model])
    mesa.Agent._ids[model] = itertools.count(following)
    mesa.Agent._ids[copied] = itertools.count(following)


class GVIModel(mesa.Model):
    """Agent-based model of group violence and Group Violence Intervention.

    Args:
        scenario: a validated :class:`~scenarios.Scenario`, or a preset name / file path.
        rng: an int seed or a ``numpy.random.SeedSequence`` (None: fresh entropy, recorded
            in ``seed_entropy``). Every draw of the run derives from it.
    """

    def __init__(self, scenario: Scenario | str, rng: int | np.random.SeedSequence | None = None):
        if not isinstance(scenario, Scenario):
            from scenarios import load_scenario

            scenario = load_scenario(scenario)
        one_blas_thread()
        seq = as_seed_sequence(rng)
        super().__init__(rng=seq)
        self.params = scenario
        self._closed = False
        self.seed_sequence = seq
        self.seed_entropy = seq.entropy
        self.streams = make_streams(seq)
        t = scenario.time
        self.warmup_day = t.warmup_days
        self.rollout_day = t.warmup_days + t.rollout_day
        self.end_day = t.warmup_days + t.horizon_days
        self.policy_on = scenario.intervention
        self.day = 0

        self.city = build_city(scenario, self.streams["city"])
        self.state = MemberState(int(self.city.nominal_size.sum() * 1.6))
        self.members: dict[int, GroupMember] = {}
        self.ties = Ties()
        self.log = EventLog()
        self.violence = Violence(scenario.violence, self.city)
        self.deterrence = Deterrence(
            scenario.deterrence, scenario.group_dynamics.peer_pressure, self.city.n_groups
        )
        self.legitimacy = Legitimacy(scenario.legitimacy, self.state)
        self.comm = Communication(self)
        self.desk = EnforcementDesk(self)
        self.crackdown = Crackdown(self)
        self.support = Support(self)
        self.community = Community(scenario.community)
        self.costs = Costs(scenario.costs)
        self._listed: np.ndarray | None = None
        self.prop_mass: np.ndarray = np.zeros(self.city.n_groups)  # propensity present, per group
        self.group_count: np.ndarray = np.zeros(self.city.n_groups, dtype=np.int64)
        self._membership_changed = True
        self._present_seen = np.zeros(0, dtype=bool)  # who was present at the last count
        self._next_release = NEVER
        self._next_case_due = NEVER  # no investigation unit has a case due before this day
        self.status_version = 0  # bumped whenever a member's status changes
        self._count_version = -1
        self._means_version = -1  # status version the kept means of risk and trust are for
        self._means = (0.0, 0.0)
        # M10: (status version, and per group: vacancies, chance of any recruit on a
        # day, day of the next recruit; then the first of those days)
        self.recruit_cache: tuple[int, np.ndarray, np.ndarray, np.ndarray, int] | None = None
        self.rows = RowsByGroup(self.city.n_groups)
        self.shootings = Shootings(self)
        self._create_founders()
        self.founders = self.state.n  # members at the start, before any recruit

        p = scenario.policing
        self.investigators = [
            PoliceUnit(self, UnitKind.INVESTIGATION, p.cases_per_unit)
            for _ in range(p.investigation_units)
        ]
        self._create_plan_agents(scenario)

        self.today: dict[str, float] = dict.fromkeys(COUNT_METRICS, 0)
        self.metrics_today: dict[str, float] = dict.fromkeys(METRIC_NAMES, 0.0)
        self.datacollector = MetricsCollector(self.metrics_today)
        self.running = True

    # --- set-up ----------------------------------------------------------------------
    def _create_plan_agents(self, scenario: Scenario) -> None:
        """The enforcement units and outreach workers the plan has."""
        n_enf = scenario.enforcement.units if scenario.enforcement.enabled else 0
        self.enforcers = [PoliceUnit(self, UnitKind.ENFORCEMENT, 1) for _ in range(n_enf)]
        sp = scenario.support
        n_workers = sp.workers if sp.enabled else 0
        self.workers = [OutreachWorker(self, sp.caseload) for _ in range(n_workers)]

    def _create_founders(self) -> None:
        sizes = self.city.nominal_size
        groups = np.repeat(np.arange(len(sizes)), sizes)
        core = None
        listed = self.city.audit_members
        if listed:
            # members named in the audit come first in their group, with their role
            rng = self.streams["city"]
            core = rng.random(len(groups)) < self.params.city.core_share
            start = np.concatenate([[0], np.cumsum(sizes)[:-1]])
            used = np.zeros(len(sizes), dtype=np.int64)
            mask = np.zeros(len(groups), dtype=bool)
            sup = np.zeros(len(groups), dtype=bool)
            for _mid, g, is_core, supervised in listed:
                row = start[g] + used[g]
                used[g] += 1
                core[row], sup[row], mask[row] = is_core, supervised, True
            self._listed = mask
        idx = self.add_members(groups, self.streams["city"], core=core)
        if listed:
            self.state.on_supervision[idx[mask]] = sup[mask]

    def add_members(
        self,
        groups: np.ndarray,
        rng: np.random.Generator,
        *,
        core: np.ndarray | None = None,
        recruited: bool = False,
    ) -> np.ndarray:
        """New members of ``groups`` (founders or recruits, M1/M10)."""
        s = self.state
        attrs = draw_members(self.params.city, rng, groups, core)
        idx = s.add(len(groups))
        s.group[idx] = groups
        s.role[idx] = attrs["role"]
        s.propensity[idx] = attrs["propensity"]
        s.readiness[idx] = attrs["readiness"]
        s.on_supervision[idx] = attrs["on_supervision"]
        s.legitimacy[idx] = attrs["legitimacy"]
        s.legitimacy_base[idx] = attrs["legitimacy"]
        s.risk[idx] = self.params.deterrence.baseline_risk
        s.joined_day[idx] = self.day
        self.rows.add(idx, groups)
        for i in idx:
            self.members[int(i)] = GroupMember(self, int(i))
        self._membership_changed = True
        self.status_version += 1
        degree = self.params.city.ties_mean_degree
        # the new members of each group, in ascending order of group (a stable sort
        # keeps their order within a group): work in proportion to the new members
        order = np.argsort(groups, kind="stable")
        by_group = idx[order]
        sorted_groups = groups[order]
        cuts = np.flatnonzero(sorted_groups[1:] != sorted_groups[:-1]) + 1
        starts = np.concatenate([[0], cuts]).tolist() if len(groups) else []
        ends = np.concatenate([cuts, [len(groups)]]).tolist() if len(groups) else []
        for a, b in zip(starts, ends, strict=True):
            g = int(sorted_groups[a])
            new_rows = by_group[a:b]
            pool = self.rows[g]
            pool = pool[s.status[pool] <= INCARCERATED]
            self.ties.connect(new_rows, pool, degree, rng)
            if recruited:
                new = tuple(int(i) for i in new_rows)
                self.log.add(self.day, EventKind.RECRUIT, g, new, Cause.VACANCY)
        return idx

    def run_to_rollout(self) -> GVIModel:
        """Step on until the start of the rollout (the model as :meth:`branch` takes it;
        nothing to do if it is there or past it). Returns the model."""
        while self.steps < self.rollout_day:
            self.step()
        return self

    def branch(self, scenario: Scenario, *, keep: bool = True) -> GVIModel:
        """A copy of this model, stopped at the start of the rollout, that goes on under
        ``scenario``: the run ``GVIModel(scenario, rng=seed)`` makes, at the cost of its
        days from the rollout on (the metrics and event log are the same to the last bit;
        only Mesa's ``unique_id`` of the plan's units and later recruits differ).

        ``scenario`` must share this model's city and business as usual
        (:meth:`~scenarios.Scenario.city_settings`): then the runs are identical until the
        rollout, as nothing else a scenario sets acts before it (tests/test_branch.py
        checks every such parameter). A model can be branched any number of times; it
        is not changed by it, unless ``keep`` is False: then it is the branch itself
        (no copy; for the last branch taken)."""
        if self._closed or self.steps != self.rollout_day:
            raise RuntimeError(
                f"a model branches at the start of the rollout (after {self.rollout_day} "
                f"steps); this one has taken {self.steps}"
                + (" and was closed" if self._closed else "")
            )
        if scenario.city_settings() != self.params.city_settings():
            ours, theirs = self.params.city_settings(), scenario.city_settings()
            differ = sorted(k for k in ours if ours[k] != theirs.get(k))
            raise ValueError(
                f"scenario {scenario.name} cannot branch from a run of {self.params.name}: "
                f"their cities or business as usual differ ({', '.join(differ[:3])})"
            )
        if not keep:
            self._take_plan(scenario)
            return self
        # the scenario and its sections are frozen: the copy shares them
        sections = [getattr(self.params, name) for name in type(self.params).model_fields]
        new = copy.deepcopy(self, {id(x): x for x in (self.params, *sections)})
        _continue_agent_ids(self, new)
        new._take_plan(scenario)
        return new

    def _take_plan(self, scenario: Scenario) -> None:
        """Go on under ``scenario`` (see :meth:`branch`): every submodel takes its section
        of the new scenario, and the plan's units and workers are those it has."""
        self.params = scenario
        self.policy_on = scenario.intervention
        self.violence.params = scenario.violence  # the city's: equal values
        self.community.use(scenario.community)  # the city's: equal values
        self.costs.params = scenario.costs
        self.deterrence.use(scenario.deterrence, scenario.group_dynamics.peer_pressure)
        self.legitimacy.use(scenario.legitimacy)
        self.support.params = scenario.support
        self.comm.use_params()
        for unit in self.enforcers:
            unit.remove()
        for worker in self.workers:
            worker.remove()
        self._create_plan_agents(scenario)

    def close(self) -> None:
        """Let the process free this model once it is no longer referenced: Mesa 3.3
        keeps every model alive through the class-level ``Agent._ids`` (Mesa issue
        #3179, fixed in Mesa 3.5). Called when the run ends; idempotent. A closed model
        keeps its results (metrics, events, summary) but takes no more steps. The one
        place of this workaround in the project (with :func:`_continue_agent_ids`, the
        only code that touches ``Agent._ids``)."""
        self._closed = True
        mesa.Agent._ids.pop(self, None)

    def __enter__(self) -> GVIModel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the daily schedule ----------------------------------------------------------
    def step(self) -> None:
        """One day: policy schedule, decay, releases, violence, policing, GVI, support,
        recruitment, accounting."""
        if self.steps > self.end_day or self._closed:
            raise RuntimeError(
                f"the scenario ends after day {self.end_day - 1} or the model was closed; "
                "build a new model to run again"
            )
        self.day = day = self.steps - 1
        self.today = dict.fromkeys(COUNT_METRICS, 0)
        self.costs.new_day()
        policy = self.policy_on and day >= self.rollout_day
        if policy:
            self._policy_calendar()
        self.violence.decay_step(day)
        self.community.recover()
        if policy:
            self.deterrence.decay_step(self.state.risk[: self.state.n])
            self.legitimacy.decay_step()
        self._release_due()
        self.shootings.daily(policy)
        if policy:
            self.desk.daily()
        if day >= self._next_case_due:  # a unit without a case due today does nothing
            for unit in self.investigators:
                unit.step()
            self._next_case_due = min(u.cases.next_due for u in self.investigators)
        for unit in self.enforcers:
            if unit.operation is not None:
                unit.step()
        if policy:
            if self.params.crackdown.enabled:
                self.crackdown.daily()
            self.comm.daily(group_dynamics.communicating(self))
            self.support.outreach(self.workers)
            self.support.daily()
        group_dynamics.recruit(self)
        self._account()
        self.datacollector.collect(self)
        if self.steps >= self.end_day:
            self.running = False
            self.close()

    def _policy_calendar(self) -> None:
        day, p = self.day, self.params
        since = day - self.rollout_day
        if since == 0:
            self.log.add(day, EventKind.ROLLOUT, -1, (), Cause.SCHEDULE)
        if since % p.audit.refresh_days == 0:
            self.comm.run_audit()
        lapse = p.partnership.lapse_day
        if lapse is not None and since == lapse:
            group_dynamics.lapse(self)

    def _release_due(self) -> None:
        if self.day < self._next_release:
            return
        s = self.state
        n = s.n
        held = s.status[:n] == INCARCERATED
        for i in np.flatnonzero(held & (s.release_day[:n] <= self.day)):
            self.members[int(i)].release()
        held = s.status[:n] == INCARCERATED
        self._next_release = int(s.release_day[:n][held].min()) if held.any() else NEVER

    def case_due(self, day: int) -> None:
        """Note the due day of a new case, so investigation units step only on days
        with a case due."""
        self._next_case_due = min(self._next_case_due, day)

    def custody_until(self, day: int) -> None:
        """Note a release day, so the daily release check can skip idle days."""
        self._next_release = min(self._next_release, day)

    def group_aggregates(self) -> None:
        """Members present (free or in custody) and their propensity mass, per group.

        Only the groups with a member who joined, or came or went, since the last count
        are counted again (found against a copy of who was present then). A group's mass
        is summed over its rows in ascending order, as a bincount over every member sums
        it, so the result is the same to the last bit as a count of everyone; this relies
        on a member's group and propensity never changing after they join."""
        if not self._membership_changed:
            return
        s = self.state
        n = s.n
        present = s.status[:n] <= INCARCERATED
        g = self.city.n_groups
        groups, rows, sizes = changed_groups(self, present, self._present_seen)
        if sum(sizes) * 4 > n:
            self.group_count = np.bincount(s.group[:n][present], minlength=g)
            self.prop_mass = np.bincount(
                s.group[:n], weights=s.propensity[:n] * present, minlength=g
            )
        elif len(groups):
            at = np.concatenate(rows)
            label = np.repeat(np.arange(len(groups)), sizes)
            here = present[at]
            count = self.group_count.copy()
            count[groups] = np.bincount(label[here], minlength=len(groups))
            mass = self.prop_mass.copy()
            mass[groups] = np.bincount(
                label, weights=s.propensity[at] * here, minlength=len(groups)
            )
            self.group_count, self.prop_mass = count, mass
        self._present_seen = present
        self._membership_changed = False

    def _account(self) -> None:
        s = self.state
        n = s.n
        if self._count_version != self.status_version:
            status = s.status[:n]
            self._free = (status == FREE).astype(np.float64)
            self._n_free = int(self._free.sum())
            self._n_incarcerated = int(np.count_nonzero(status == INCARCERATED))
            self._count_version = self.status_version
        free, n_free, incarcerated = self._free, self._n_free, self._n_incarcerated
        policy_day = self.policy_on and self.day >= self.rollout_day
        if policy_day or self._means_version != self.status_version:
            # on a day without the policy nothing but a change of status or membership
            # moves perceived risk or trust (M5-M9 act only from the rollout), so their
            # means over the free are kept until one of those changes
            self._means = (
                float(s.risk[:n] @ free) / n_free if n_free else 0.0,
                float(s.legitimacy[:n] @ free) / n_free if n_free else 0.0,
            )
            self._means_version = -1 if policy_day else self.status_version
        ops = sum(u.busy for u in self.enforcers)
        cost = self.costs.close_day(
            incarcerated=incarcerated,
            workers=len(self.workers) if self.day >= self.rollout_day else 0,
            engaged=self.support.engaged,
            operations=ops,
        )
        mt = self.metrics_today
        mt.update(self.today)
        mt["incarcerated"] = incarcerated
        mt["support_engaged"] = self.support.engaged
        mt["perceived_safety"] = self.community.safety
        mt["mean_perceived_risk"], mt["mean_legitimacy"] = self._means
        mt["credibility"] = self.deterrence.credibility
        mt["cost_sek"] = cost

    # --- queries and hooks used by agents and submodels ------------------------------
    @property
    def today_cost(self) -> float:
        """Costs reported so far today (SEK; the running costs are added at accounting)."""
        return self.costs.today

    @property
    def free_index(self) -> np.ndarray:
        return np.flatnonzero(self.state.status[: self.state.n] == FREE)

    def free_members_of(self, group: int) -> np.ndarray:
        """Rows of the free members of a group."""
        rows = self.rows[group]
        return rows[self.state.status[rows] == FREE]

    @property
    def audit_listed(self) -> np.ndarray | None:
        """Rows of members named in the audit's members file (None without one)."""
        if self._listed is None:
            return None
        mask = np.zeros(self.state.n, dtype=bool)
        mask[: len(self._listed)] = self._listed
        return mask

    def member_left(self, index: int) -> None:
        self.members.pop(index, None)
        self._membership_changed = True
        self.status_version += 1

    def status_changed(self) -> None:
        """A member was arrested or released: cached per-group sums are stale."""
        self.status_version += 1

    # --- results ---------------------------------------------------------------------
    def daily_metrics(self) -> pd.DataFrame:
        """The collected metrics, one row per simulated day: ``day`` and every metric of
        :data:`model.metrics.METRIC_NAMES`.

        ``day`` is the model day: days since the start of the run, warm-up included (0
        is the first day), as in the event log. ``attrs`` holds the calendar in the same
        numbering: ``warmup_day`` (first day after the warm-up), ``rollout_day`` (first
        day of the policy) and ``end_day`` (one past the last day)."""
        df = self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        df.insert(0, "day", np.arange(len(df)))
        df.attrs.update(
            warmup_day=self.warmup_day, rollout_day=self.rollout_day, end_day=self.end_day
        )
        return df

    def summary(self) -> pd.DataFrame:
        """Totals and yearly rates (counts) or means (levels), pre- and post-rollout."""
        return summarise(
            self.daily_metrics(),
            warmup_day=self.warmup_day,
            rollout_day=self.rollout_day,
            end_day=self.end_day,
        )

    def events(self) -> pd.DataFrame:
        """The event log as a frame."""
        return self.log.to_frame()
