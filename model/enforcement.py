"""M7 — the partnership's enforcement decisions, and the crackdown alternative.

See :mod:`model.policing` for the rules. ``EnforcementDesk`` takes the decision after
violence by a group on notice (deliver with probability = fidelity, M11), queues the
operation until an enforcement unit is free, and sends the credibility signals (M6).
``Crackdown`` is the indiscriminate alternative: periodic sweeps that take a share of all
free members into custody, with a small general-deterrence effect and a loss of trust.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import group_dynamics
from .deterrence import hear, shrink_excess
from .events import Cause, EventKind
from .policing import Operation, Request, custody_days, daily_rate
from .state import DEAD

if TYPE_CHECKING:
    from .gvi_model import GVIModel


class EnforcementDesk:
    """Decides, queues and starts focused enforcement operations."""

    def __init__(self, model: GVIModel) -> None:
        self.model = model
        self.requests: list[Request] = []
        # groups with a request in ``requests``: their acts of violence since it was queued
        self.waiting: dict[int, int] = {}
        self.active_until = np.full(model.city.n_groups, -1, dtype=np.int64)
        # the last day a member of each group shot someone while the group was on notice
        self.last_violence = np.full(model.city.n_groups, -1, dtype=np.int64)
        self.delivered = 0
        self.skipped = 0
        self.unlearn_work = 0  # rows the losses of belief worked on, summed over events
        self.break_promises = False  # set by a trainer: while on, every decision fails

    def busy(self, group: int) -> bool:
        """Is ``group`` already being dealt with (an operation under way, or a request
        waiting)? A set lookup: the queue is not searched."""
        return self.active_until[group] >= self.model.day or group in self.waiting

    def _queue(self, request: Request) -> None:
        self.requests.append(request)
        self.waiting[request.group] = 0

    def after_violence(self, group: int, event_id: int) -> None:
        """A member of ``group`` (on notice) shot someone: decide on follow-through."""
        m = self.model
        self.last_violence[group] = m.day  # an operation under way goes on (quiet_over)
        if self.busy(group):
            if group in self.waiting:
                self.waiting[group] += 1  # a waiting request moves up the queue
            return  # the group is already being dealt with
        due = m.day + m.params.enforcement.delay_days
        if not m.params.enforcement.enabled:
            # the group was told violence brings a response, and there is none to give
            self._queue(Request(group, due, event_id, False, Cause.NO_ENFORCEMENT))
            return
        fidelity = group_dynamics.fidelity(m)
        deliver = bool(m.streams["enforcement"].random() < fidelity) and not self.break_promises
        self._queue(Request(group, due, event_id, deliver))

    def order(self, group: int) -> bool:
        """Enforce on ``group`` now (a trainer's button), if enforcement units exist and
        nothing is under way for the group; True if the order was queued."""
        m = self.model
        if self.busy(group) or not m.enforcers:
            return False
        self._queue(Request(int(group), m.day, -1, True))
        return True

    def quiet_over(self, group: int, start_day: int) -> bool:
        """Has the effect been seen: no violence by ``group`` for ``quiet_days`` days since
        its operation began on ``start_day``? (Örebro: each action ended when an effect
        was seen.)"""
        last = max(start_day, int(self.last_violence[group]))
        return self.model.day - last >= self.model.params.enforcement.quiet_days

    def ended(self, op: Operation) -> None:
        """``op`` is over (effect seen, or its longest length has run): logged with the
        days it ran, from its first day to the day before this one."""
        m = self.model
        self.active_until[op.group] = m.day - 1
        m.log.add(
            m.day,
            EventKind.ENFORCEMENT_END,
            op.group,
            (),
            Cause.FOCUSED_ENFORCEMENT,
            ref=op.trigger_event,
            value=float(m.day - op.start_day),
        )

    def _in_priority(self) -> list[Request]:
        """The requests, those due first ordered by priority: the most violence by the
        group since it was queued, then the earliest due. A waiting request is never
        passed over in silence: at ``max_wait_days`` its violence counts as unanswered."""
        day = self.model.day
        due = [r for r in self.requests if r.due_day <= day]
        due.sort(key=lambda r: (-self.waiting[r.group], r.due_day))
        return due + [r for r in self.requests if r.due_day > day]

    def daily(self) -> None:
        """Due requests, in priority order (:meth:`_in_priority`): an operation starts if
        a unit is free; otherwise the request waits, up to the allowed wait, and then the
        violence goes unpunished. The losses of belief of the day's unpunished violence
        are applied together (before any operation's signals), as :meth:`_unlearn`
        describes."""
        if not self.requests:  # nothing to decide (most days; ``waiting`` is empty too)
            return
        m = self.model
        e = m.params.enforcement
        keep = []
        unpunished: list[int] = []  # groups whose violence went unanswered, in order
        free_units = [u for u in m.enforcers if not u.busy]  # in order; taken from the front
        for r in self._in_priority():
            if r.due_day > m.day:
                keep.append(r)
                continue
            if not r.deliver:
                self._unpunished(r, r.why_not, unpunished)
                continue
            if free_units:
                unit = free_units.pop(0)
                op = Operation(
                    r.group,
                    m.day,
                    m.day + e.duration_days,
                    r.trigger_event,
                    daily_rate(e.incapacitation_share, e.duration_days),
                )
                self.active_until[r.group] = op.end_day
                unit.start_operation(op)
                self._unlearn(unpunished)  # beliefs lost so far, before the signals
                unpunished = []
                self.started(op)
            elif m.day - r.due_day >= e.max_wait_days:
                self._unpunished(r, Cause.NO_CAPACITY, unpunished)
            else:
                keep.append(r)
        self._unlearn(unpunished)
        self.requests = keep
        self.waiting = {r.group: self.waiting[r.group] for r in keep}

    def started(self, op: Operation) -> None:
        """Signals of a delivered sanction: own group and, publicised, others on notice."""
        m = self.model
        s = m.state
        d = m.params.deterrence
        n = s.n
        current = s.status[:n] != DEAD
        own = m.rows[op.group]
        own = own[s.status[own] != DEAD]
        hear(s, own, d.own_sanction)
        others = np.flatnonzero(
            current & s.informed[:n] & (s.group[:n] != op.group) & m.comm.on_notice[s.group[:n]]
        )
        hear(s, others, d.other_sanction)
        m.comm.put_on_notice(np.array([op.group]))
        m.deterrence.kept_promise()
        self.delivered += 1
        m.today["enforcement_actions"] += 1
        m.log.add(
            m.day,
            EventKind.ENFORCEMENT,
            op.group,
            (),
            Cause.FOCUSED_ENFORCEMENT,
            ref=op.trigger_event,
            value=float(op.end_day - op.start_day),
        )

    def _unpunished(self, r: Request, cause: Cause, batch: list[int]) -> None:
        """Violence by a group on notice went unanswered: belief in the promise falls.

        The group is added to ``batch``, the day's losses of belief, which the caller
        applies (:meth:`_unlearn`) before perceived risk is next read."""
        m = self.model
        batch.append(r.group)
        m.deterrence.broken_promise()
        self.skipped += 1
        m.today["unanswered_violence"] += 1
        m.log.add(m.day, EventKind.ENFORCEMENT_SKIPPED, r.group, (), cause, ref=r.trigger_event)

    def _unlearn(self, groups: list[int]) -> None:
        """The losses of belief of unanswered violence by ``groups``, in this order.

        Each one shrinks the excess risk of every member of the group by the
        ``unpunished`` share and that of every informed member of another group by a
        smaller share (in the ratio of ``other_sanction`` to ``own_sanction``), with the
        arithmetic of :meth:`Deterrence.unlearn <model.deterrence.Deterrence.unlearn>`:
        ``r0 + (r - r0) * keep`` per member and event. Applying the list together gives
        the same numbers as one event at a time, at a fraction of the cost: one pass
        finds the informed members whose risk the smaller loss can still change (most
        sit at a fixed point of it, an ulp or two above the baseline, where it rounds
        back to the same number), and each event then works on those and the members of
        the groups concerned, laid out so that every change is to a contiguous slice.
        """
        if not groups:
            return
        m = self.model
        s = m.state
        d = m.params.deterrence
        n = s.n
        r0 = d.baseline_risk
        ratio = d.other_sanction / d.own_sanction if d.own_sanction > 0 else 0.0
        own_keep = 1.0 - d.unpunished
        other_keep = 1.0 - d.unpunished * min(ratio, 1.0)
        risk = s.risk[:n]
        informed = s.informed[:n]
        after = risk.copy()
        shrink_excess(after, r0, other_keep)
        moving = informed & (after != risk)
        # layout: moving informed members of other groups, then the informed members of
        # each group concerned, then its uninformed members
        concerned = list(dict.fromkeys(groups))
        told: list[np.ndarray] = []
        untold: list[np.ndarray] = []
        for g in concerned:
            rows = m.rows[g]
            moving[rows] = False
            heard = informed[rows]
            told.append(rows[heard])
            untold.append(rows[~heard])
        rows = np.concatenate([np.flatnonzero(moving), *told, *untold])
        told_end = len(rows) - sum(len(u) for u in untold)
        told_start = told_end - sum(len(t) for t in told)
        span: dict[int, tuple[int, int, int, int]] = {}
        t0, u0 = told_start, told_end
        for g, t, u in zip(concerned, told, untold, strict=True):
            span[g] = (t0, t0 + len(t), u0, u0 + len(u))
            t0 += len(t)
            u0 += len(u)
        x = s.risk[rows]
        for g in groups:
            lo, hi, ulo, uhi = span[g]
            self.unlearn_work += told_end + uhi - ulo
            for part, keep in (
                (x[:lo], other_keep),
                (x[hi:told_end], other_keep),
                (x[lo:hi], own_keep),
                (x[ulo:uhi], own_keep),
            ):
                shrink_excess(part, r0, keep)
        s.risk[rows] = x


class Crackdown:
    """Indiscriminate sweeps: many arrests, no message, lost trust."""

    def __init__(self, model: GVIModel) -> None:
        self.model = model
        self.sweeps = 0

    def daily(self) -> None:
        m = self.model
        c = m.params.crackdown
        if (m.day - m.rollout_day) % c.sweep_interval_days:
            return
        s = m.state
        rng = m.streams["crackdown"]
        free = m.free_index
        hit = free[rng.random(len(free)) < c.arrest_share]
        for i in hit:
            m.members[int(i)].be_arrested(
                custody_days(c.custody_days, m.params.policing.custody_log_sd, rng), Cause.CRACKDOWN
            )
        hear(s, free, c.risk_boost, inform=False)
        m.legitimacy.crackdown(free)
        self.sweeps += 1
        m.today["enforcement_actions"] += 1
        m.costs.sweep()
        m.log.add(m.day, EventKind.SWEEP, -1, tuple(int(i) for i in hit), Cause.CRACKDOWN)
