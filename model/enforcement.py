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
from .deterrence import hear
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
        self.active_until = np.full(model.city.n_groups, -1, dtype=np.int64)
        self.delivered = 0
        self.skipped = 0
        self.break_promises = False  # set by a trainer: while on, every decision fails

    def after_violence(self, group: int, event_id: int) -> None:
        """A member of ``group`` (on notice) shot someone: decide on follow-through."""
        m = self.model
        if self.active_until[group] >= m.day or any(r.group == group for r in self.requests):
            return  # the group is already being dealt with
        fidelity = group_dynamics.fidelity(m)
        deliver = bool(m.streams["enforcement"].random() < fidelity) and not self.break_promises
        due = m.day + m.params.enforcement.delay_days
        self.requests.append(Request(group, due, event_id, deliver))

    def order(self, group: int) -> bool:
        """Enforce on ``group`` now (a trainer's button), if enforcement units exist and
        nothing is under way for the group; True if the order was queued."""
        m = self.model
        busy = self.active_until[group] >= m.day or any(r.group == group for r in self.requests)
        if busy or not m.enforcers:
            return False
        self.requests.append(Request(group, m.day, -1, True))
        return True

    def daily(self) -> None:
        m = self.model
        e = m.params.enforcement
        keep = []
        for r in self.requests:
            if r.due_day > m.day:
                keep.append(r)
                continue
            if not r.deliver:
                self._unpunished(r, Cause.NOT_FOLLOWED_THROUGH)
                continue
            unit = next((u for u in m.enforcers if not u.busy), None)
            if unit is not None:
                op = Operation(
                    r.group,
                    m.day,
                    m.day + e.duration_days,
                    r.trigger_event,
                    daily_rate(e.incapacitation_share, e.duration_days),
                )
                self.active_until[r.group] = op.end_day
                unit.start_operation(op)
                self.started(op)
            elif m.day - r.due_day >= e.max_wait_days:
                self._unpunished(r, Cause.NO_CAPACITY)
            else:
                keep.append(r)
        self.requests = keep

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

    def _unpunished(self, r: Request, cause: Cause) -> None:
        """Violence by a group on notice went unanswered: belief in the promise falls."""
        m = self.model
        s = m.state
        d = m.params.deterrence
        n = s.n
        own = m.rows[r.group]
        m.deterrence.unlearn(s.risk, own, d.unpunished)
        others = np.flatnonzero(s.informed[:n] & (s.group[:n] != r.group))
        ratio = d.other_sanction / d.own_sanction if d.own_sanction > 0 else 0.0
        m.deterrence.unlearn(s.risk, others, d.unpunished * min(ratio, 1.0))
        m.deterrence.broken_promise()
        self.skipped += 1
        m.log.add(m.day, EventKind.ENFORCEMENT_SKIPPED, r.group, (), cause, ref=r.trigger_event)


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
