"""One trainer's run: the live model and its business-as-usual twin, stepped together.

A :class:`TrainingRun` belongs to one browser session; nothing here is shared between
sessions. It fast-forwards the warm-up at start, so the trainer begins on day 0 of the
observed period; it steps the live run and its twin (the same scenario with every policy
switched off, the same seed: common random numbers, so the gap between the two runs is
the policy's doing), turns the live run's event log into feed items, and applies the
trainer's actions to the live run only.

Days shown to the audience count from the start of the observed period: the counter
shows how many days have run, and an event is dated by the day it happened on (day 1 is
the first day), so an action taken now carries the day on the counter.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import networkx as nx
import numpy as np

from model import Cause, Event, EventKind, GVIModel
from model.state import FREE
from scenarios import Scenario

from .text import DayRef

HEAT_HALF_LIFE_DAYS = 30.0  # how long a shooting keeps colouring its groups
RECENT_DAYS = 7  # shootings drawn as lines in the city view
AVERAGE_WEEKS = 8  # the timeline's moving average
FEED_LENGTH = 200
MARK_WEEKS = 8  # the timeline marks events per span of this many weeks
RECENT_GAP_WEEKS = 13  # the "last three months" gap under the timeline


class Action(StrEnum):
    """What a trainer can do to the live run (the value is also its feed tag)."""

    CALLIN = "callin"
    NOTIFY = "notify"
    ENFORCE = "enforce"
    SKIP = "skip"


@dataclass(frozen=True)
class FeedItem:
    """One line of the event feed: a day, a tag (colour) and text parts (key, values)."""

    day: int
    tag: str
    parts: tuple[tuple[str, dict[str, object]], ...]


@dataclass(frozen=True)
class Outcome:
    """What a trainer's action did: success flag and a message (key, values)."""

    ok: bool
    key: str
    values: dict[str, object] = field(default_factory=dict)


@dataclass
class Marks:
    """Days (observed, 0-based) of events marked on the timeline."""

    callins: list[int] = field(default_factory=list)
    enforcement: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Promise:
    """What keeps deterrence alive (M6), as shown on the page: the partnership's
    credibility (0-1, None without a partnership) and the mean perceived sanction risk
    (0-1) of the free members of the groups on notice, in the live run and in the same
    groups of the twin (None while no group is on notice)."""

    credibility: float | None
    groups_on_notice: int
    risk_live: float | None
    risk_twin: float | None


def _mean_risk(model: GVIModel, groups: np.ndarray) -> float | None:
    """Mean perceived risk of the free members of ``groups`` (a mask), or None."""
    if not groups.any():
        return None
    s = model.state
    n = s.n
    who = (s.status[:n] == FREE) & groups[s.group[:n]]
    return float(s.risk[:n][who].mean()) if who.any() else None


class TrainingRun:
    """The live run and its twin for one session (see the module docstring)."""

    def __init__(self, scenario: Scenario, seed: int) -> None:
        self.scenario = scenario
        self.seed = int(seed)
        self.live = GVIModel(scenario, rng=self.seed)
        self.twin = GVIModel(scenario.baseline_twin(), rng=self.seed)
        self.lock = threading.RLock()
        self.start = self.live.warmup_day
        self.total_days = self.live.end_day - self.start
        self.rollout = self.live.rollout_day - self.start  # observed day GVI starts (0-based)
        self.labels = [str(x) for x in self.live.city.labels]
        self.positions = layout(self.live)
        g = self.live.city.n_groups
        self.heat = np.zeros(g)
        self._heat_decay = 0.5 ** (1.0 / HEAT_HALF_LIFE_DAYS)
        self.recent: deque[tuple[int, int, int]] = deque()  # (model day, shooter, target)
        self.feed: deque[FeedItem] = deque(maxlen=FEED_LENGTH)
        self.marks = Marks()
        self.extra_cost = 0.0  # costs of trainer actions taken between days
        self.last_shooting: Event | None = None
        self._dawn_notice = np.zeros(g, dtype=bool)  # groups on notice as the day began
        self._closed = False
        for _ in range(self.start):  # the warm-up, silently
            self.live.step()
            self.twin.step()
        self._cursor = len(self.live.log)

    # --- time ----------------------------------------------------------------------
    @property
    def days_run(self) -> int:
        """Days of the observed period simulated so far (the day counter)."""
        return self.live.steps - self.start

    @property
    def over(self) -> bool:
        return not self.live.running

    def step(self, days: int = 1) -> int:
        """Advance both runs by up to ``days`` days; returns the days actually run."""
        done = 0
        with self.lock:
            for _ in range(days):
                if self._closed or not self.live.running:
                    break
                self._dawn_notice = self.live.comm.on_notice.copy()
                self.live.step()
                self.twin.step()
                self.heat *= self._heat_decay
                self._drain()
                done += 1
            while self.recent and self.recent[0][0] <= self.live.day - RECENT_DAYS:
                self.recent.popleft()
        return done

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Let go of both models (see :meth:`model.GVIModel.close`); waits for a step
        under way, and the run takes no more steps. Idempotent."""
        with self.lock:
            self._closed = True
            for m in (self.live, self.twin):
                m.close()

    def label_day(self, model_day: int) -> int:
        """The day shown for an event of ``model_day`` (1 = first observed day)."""
        return model_day - self.start + 1

    # --- what the trainer may do -----------------------------------------------------
    @property
    def policy_active(self) -> bool:
        m = self.live
        return m.policy_on and m.steps > m.rollout_day

    def blocked(self, action: Action) -> tuple[str, dict[str, object]] | None:
        """Why ``action`` (callin, notify, enforce, skip) cannot be taken now, or None."""
        m = self.live
        start: dict[str, object] = {"start": self.rollout + 1}
        if self.over:
            return ("why_over", {})
        if not m.policy_on:
            return ("why_no_policy", {})
        if not self.policy_active:
            return ("why_before", start)
        if action in (Action.CALLIN, Action.NOTIFY) and not m.comm.group_mapped.any():
            return ("why_no_audit", {})
        if action in (Action.ENFORCE, Action.SKIP) and not (
            m.params.enforcement.enabled and m.enforcers
        ):
            return ("why_no_enforcement", {})
        if action == Action.NOTIFY and self.last_shooting is None:
            return ("why_no_shooting", {})
        return None

    def hold_callin(self) -> Outcome:
        with self.lock:
            if (why := self.blocked(Action.CALLIN)) is not None:
                return Outcome(False, *why)
            event = self._costed(lambda: self.live.comm.hold_callin(Cause.TRAINER))
            self._drain()
        if event is None:
            return Outcome(False, "fail_callin")
        return Outcome(True, "done_callin", {"n": len(event.members), "k": int(event.value)})

    def notify_last_shooting(self) -> Outcome:
        with self.lock:
            if (why := self.blocked(Action.NOTIFY)) is not None:
                return Outcome(False, *why)
            shot = self.last_shooting
            assert shot is not None
            groups = (shot.group, shot.target)
            n = self._costed(lambda: self.live.comm.notify(groups, shot.id, Cause.TRAINER))
            self._drain()
        if not n:
            return Outcome(False, "fail_notify")
        values = {
            "n": n,
            "g": self.labels[shot.group],
            "t": self.labels[shot.target],
            "day": self.label_day(shot.day),
        }
        return Outcome(True, "done_notify", values)

    def enforce(self, group: int) -> Outcome:
        with self.lock:
            if (why := self.blocked(Action.ENFORCE)) is not None:
                return Outcome(False, *why)
            label = self.labels[group]
            if not self.live.desk.order(group):
                return Outcome(False, "fail_enforce", {"g": label})
            self._note("trainer", "ev_trainer_enforce", {"g": label})
        return Outcome(True, "done_enforce", {"g": label})

    @property
    def skip_follow_through(self) -> bool:
        """Whether the trainer has switched follow-through off (every decision fails)."""
        return self.live.desk.break_promises

    def set_skip(self, on: bool) -> Outcome:
        with self.lock:
            if on and (why := self.blocked(Action.SKIP)) is not None:
                return Outcome(False, *why)
            if on == self.skip_follow_through:
                return Outcome(True, "skip_on" if on else "skip_off")
            self.live.desk.break_promises = on
            self._note("trainer", "ev_trainer_skip_on" if on else "ev_trainer_skip_off", {})
        return Outcome(True, "skip_on" if on else "skip_off")

    def _costed(self, action):
        before = self.live.today_cost
        result = action()
        self.extra_cost += self.live.today_cost - before
        return result

    def _note(self, tag: str, key: str, values: dict[str, object]) -> None:
        self.feed.append(FeedItem(self.days_run, tag, ((key, values),)))

    # --- the live run's events as feed items, marks and heat -------------------------
    def _drain(self) -> None:
        log = self.live.log
        events = log.events[self._cursor :]
        self._cursor = len(log)
        if not events:
            return
        deaths = {e.ref for e in events if e.kind is EventKind.DEATH}
        for e in events:
            self._take(e, deaths)

    def shot_on_notice(self, e: Event) -> bool:
        """Was the shooter's group on notice when it shot (the day's shootings come
        before its call-ins and notifications, so: at the start of the day)?"""
        return bool(self._dawn_notice[e.group])

    def _ref_day(self, ref: int) -> DayRef:
        return DayRef(self.label_day(self.live.log[ref].day) if ref >= 0 else 0)

    def _take(self, e: Event, deaths: set[int]) -> None:
        m = self.live
        day = self.label_day(e.day)
        lab = self.labels
        k = e.kind
        obs = e.day - self.start
        if k is EventKind.SHOOTING:
            self.heat[e.group] += 1.0
            self.heat[e.target] += 1.0
            self.recent.append((e.day, e.group, e.target))
            g, t = lab[e.group], lab[e.target]
            if e.cause is Cause.RETALIATION:
                parts = [("ev_retaliation", {"g": g, "t": t, "ref": self._ref_day(e.ref)})]
            else:
                parts = [("ev_shooting", {"g": g, "t": t})]
            if e.id in deaths:
                parts.append(("ev_fatal", {}))
            if e.day >= m.rollout_day:
                self.last_shooting = e
                if m.policy_on and m.params.enforcement.enabled and self.shot_on_notice(e):
                    parts.append(("ev_on_notice", {"g": g}))
            self.feed.append(FeedItem(day, "shooting", tuple(parts)))
        elif k is EventKind.CALLIN:
            self.marks.callins.append(obs)
            key = "ev_callin_trainer" if e.cause is Cause.TRAINER else "ev_callin"
            self.feed.append(
                FeedItem(day, Action.CALLIN, ((key, {"n": len(e.members), "k": int(e.value)}),))
            )
        elif k is EventKind.NOTIFICATION:
            key = "ev_notify_trainer" if e.cause is Cause.TRAINER else "ev_notify"
            values = {"n": len(e.members), "ref": self._ref_day(e.ref)}
            self.feed.append(FeedItem(day, Action.NOTIFY, ((key, values),)))
        elif k is EventKind.ENFORCEMENT:
            self.marks.enforcement.append(obs)
            values = {"g": lab[e.group], "days": int(e.value), "ref": self._ref_day(e.ref)}
            key = "ev_enforce" if e.ref >= 0 else "ev_enforce_ordered"
            self.feed.append(FeedItem(day, Action.ENFORCE, ((key, values),)))
        elif k is EventKind.ENFORCEMENT_SKIPPED:
            self.marks.skipped.append(obs)
            key = "ev_no_capacity" if e.cause is Cause.NO_CAPACITY else "ev_skip"
            values = {"g": lab[e.group], "ref": self._ref_day(e.ref)}
            self.feed.append(FeedItem(day, Action.SKIP, ((key, values),)))
        elif k is EventKind.EXIT:
            self.feed.append(FeedItem(day, "exit", (("ev_exit", {"g": lab[e.group]}),)))
        elif k is EventKind.ARREST and e.cause is Cause.INVESTIGATION:
            values = {"g": lab[e.group], "ref": self._ref_day(e.ref)}
            self.feed.append(FeedItem(day, "arrest", (("ev_arrest", values),)))
        elif k is EventKind.ROLLOUT:
            self.feed.append(FeedItem(day, "policy", (("ev_rollout", {}),)))
        elif k is EventKind.AUDIT:
            self.feed.append(FeedItem(day, "policy", (("ev_audit", {"n": int(e.value)}),)))
        elif k is EventKind.LAPSE:
            pct = round(100 * m.params.partnership.fidelity_after_lapse)
            self.feed.append(FeedItem(day, Action.SKIP, (("ev_lapse", {"pct": f"{pct}%"}),)))
        elif k is EventKind.SWEEP:
            self.feed.append(FeedItem(day, Action.ENFORCE, (("ev_sweep", {"n": len(e.members)}),)))

    # --- numbers for the page --------------------------------------------------------
    def promise(self) -> Promise:
        """The partnership's credibility and the perceived risk of the groups on notice
        (in the live run, and in the same groups of the twin), today."""
        with self.lock:
            m = self.live
            notice = m.comm.on_notice.copy() if m.policy_on else np.zeros(0, dtype=bool)
            risks = [_mean_risk(model, notice) for model in (self.live, self.twin)]
            return Promise(
                credibility=float(m.deterrence.credibility) if m.policy_on else None,
                groups_on_notice=int(notice.sum()),
                risk_live=risks[0],
                risk_twin=risks[1],
            )

    def recent_gap(self, weeks: int = RECENT_GAP_WEEKS) -> tuple[float, float, int]:
        """Shootings in the last ``weeks`` weeks since the rollout: (live, twin, days
        covered); the days are fewer early in the rollout and 0 before it."""
        with self.lock:
            live = self._series(self.live, "shootings")
            twin = self._series(self.twin, "shootings")
        end = len(live)
        start = max(self.live.rollout_day, end - 7 * weeks)
        if end <= start:
            return 0.0, 0.0, 0
        return float(live[start:end].sum()), float(twin[start:end].sum()), end - start

    def weekly_marks(self, weeks: int = MARK_WEEKS) -> dict[str, list[tuple[int, int]]]:
        """The timeline's marks, one per span of ``weeks`` weeks and kind: (first week
        of the span, count), so that many events close together read as one mark with a
        number instead of a smear."""
        out = {}
        for kind, days in (
            ("callins", self.marks.callins),
            ("enforcement", self.marks.enforcement),
            ("skipped", self.marks.skipped),
        ):
            spans: Sequence[int] = (
                np.bincount(np.asarray(days, dtype=np.int64) // (7 * weeks)).tolist()
                if days
                else []
            )
            out[kind] = [(int(i * weeks), int(c)) for i, c in enumerate(spans) if c]
        return out

    def _series(self, model: GVIModel, name: str) -> np.ndarray:
        return np.asarray(model.datacollector.model_vars[name], dtype=float)

    def indicators(self) -> dict[str, tuple[float, float]]:
        """(live, twin) values: totals since the start of the observed period for
        shootings, exits, arrests and cost; today's level for safety and support."""
        out = {}
        with self.lock:
            for key, name, total in (
                ("shootings", "shootings", True),
                ("safety", "perceived_safety", False),
                ("support", "support_engaged", False),
                ("exits", "exits", True),
                ("arrests", "arrests", True),
                ("cost", "cost_sek", True),
            ):
                pair = []
                for model in (self.live, self.twin):
                    s = self._series(model, name)
                    if total:
                        pair.append(float(s[self.start :].sum()))
                    else:
                        pair.append(float(s[-1]) if len(s) else 0.0)
                out[key] = (pair[0], pair[1])
            live_cost, twin_cost = out["cost"]
            out["cost"] = (live_cost + self.extra_cost, twin_cost)
        return out

    def gap(self) -> tuple[float, float]:
        """Shootings since the rollout: (live, twin)."""
        with self.lock:
            a = self._series(self.live, "shootings")[self.live.rollout_day :].sum()
            b = self._series(self.twin, "shootings")[self.twin.rollout_day :].sum()
        return float(a), float(b)

    def timeline(self) -> dict[str, np.ndarray]:
        """Weekly counts (live), the 8-week average rate and the running totals of both
        runs, on an x axis in weeks since the start of the observed period."""
        with self.lock:
            live = self._series(self.live, "shootings")
            twin = self._series(self.twin, "shootings")
        n = len(live) - self.start
        if n <= 0:
            empty = np.zeros(0)
            return {
                "x": empty,
                "rate_live": empty,
                "rate_twin": empty,
                "total_live": empty,
                "total_twin": empty,
                "weekly": empty,
            }
        ends = np.arange(7, n + 1, 7)
        if not len(ends) or ends[-1] != n:
            ends = np.append(ends, n)
        window = AVERAGE_WEEKS * 7
        out: dict[str, np.ndarray] = {"x": np.concatenate([[0.0], ends / 7.0])}
        for name, s in (("live", live), ("twin", twin)):
            c = np.concatenate([[0.0], np.cumsum(s)])
            at = self.start + ends
            lo = np.maximum(at - window, 0)
            rate = 7.0 * (c[at] - c[lo]) / np.maximum(at - lo, 1)
            first = (
                7.0
                * (c[self.start] - c[max(self.start - window, 0)])
                / max(min(window, self.start), 1)
            )
            out[f"rate_{name}"] = np.concatenate([[first], rate])
            out[f"total_{name}"] = np.concatenate([[0.0], c[at] - c[self.start]])
        obs = live[self.start :]
        weeks = math.ceil(n / 7)
        padded = np.zeros(weeks * 7)
        padded[:n] = obs
        out["weekly"] = padded.reshape(weeks, 7).sum(axis=1)
        return out

    def city_state(self) -> dict[str, np.ndarray]:
        """Per group: members free, violence heat, on notice, under enforcement; and the
        recent shootings as (shooter, target, age in days)."""
        with self.lock:
            m = self.live
            s = m.state
            n = s.n
            g = m.city.n_groups
            free = np.bincount(s.group[:n][s.status[:n] == FREE], minlength=g)
            notice = m.comm.on_notice.copy()
            enforced = m.desk.active_until >= m.day
            recent = np.array(
                [(a, b, m.day - d) for d, a, b in self.recent], dtype=np.int64
            ).reshape(-1, 3)
            return {
                "free": free,
                "heat": self.heat.copy(),
                "notice": notice,
                "enforced": enforced,
                "recent": recent,
            }


def layout(model: GVIModel) -> np.ndarray:
    """Fixed positions of the groups (rivals near each other), in [-1, 1]²."""
    city = model.city
    graph = nx.Graph()
    graph.add_nodes_from(range(city.n_groups))
    rivalry = city.rivalry  # a matrix built when asked: once
    for i, j in zip(*np.nonzero(np.triu(rivalry)), strict=True):
        graph.add_edge(int(i), int(j), weight=float(rivalry[i, j]))
    for i, j in zip(*np.nonzero(np.triu(city.alliance)), strict=True):
        graph.add_edge(int(i), int(j), weight=0.5)
    k = 1.6 / math.sqrt(max(city.n_groups, 1))
    pos = nx.spring_layout(graph, k=k, seed=7, iterations=200)
    xy = np.array([pos[i] for i in range(city.n_groups)], dtype=float).reshape(-1, 2)
    if len(xy):
        xy -= xy.mean(axis=0)
        span = np.abs(xy).max()
        if span > 0:
            xy /= span
    return xy
