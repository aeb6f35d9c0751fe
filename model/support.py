"""M8 — support and outreach.

Outreach workers contact members they can reach — those the audit mapped, and anyone
recently shot at — with priority to the recently notified, the recently victimised and
call-in attendees. An offer is accepted with the uptake probability, raised or lowered
by the member's trust in the partnership (M9) relative to the city's mean, and by their
readiness to leave. Accepted members take a service place or join a waiting list (FIFO);
the waiting drop out at a daily rate. Engaged members shoot less; after a minimum
engagement they exit the group at a daily rate (their place falls vacant, M10), or drop
out. Delivered help raises trust (a kept promise).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .events import Cause, EventKind
from .state import ENGAGED, FREE, NO_DAY, NO_SUPPORT, WAITING, Status

if TYPE_CHECKING:
    from .gvi_model import GVIModel


class Support:
    """Service places, the waiting list and the daily course of engagement."""

    def __init__(self, model: GVIModel) -> None:
        self.model = model
        self.params = model.params.support
        self.waiting: list[int] = []
        self.engaged = 0
        self.version = 0  # bumped whenever a member's support status changes
        self._queue = np.zeros(0, dtype=np.int64)
        self._queue_pos = 0
        self._queue_day = -1

    def candidate(self) -> int:
        """The member an outreach worker contacts next (-1 if nobody is reachable)."""
        m = self.model
        s = m.state
        if self._queue_day != m.day:
            self._queue = self._rank()
            self._queue_pos = 0
            self._queue_day = m.day
        while self._queue_pos < len(self._queue):
            i = int(self._queue[self._queue_pos])
            self._queue_pos += 1
            if s.status[i] == FREE and s.support[i] == NO_SUPPORT:
                return i
        return -1

    def _rank(self) -> np.ndarray:
        """Today's reachable members, best first."""
        m = self.model
        s = m.state
        n = s.n
        day = m.day
        status = s.status[:n]
        last = s.last_offer_day[:n]
        ok = (status == FREE) & (s.support[:n] == NO_SUPPORT)
        ok &= (last == NO_DAY) | (day - last >= self.params.recontact_days)
        victim_recent = (s.victimised_day[:n] != NO_DAY) & (
            day - s.victimised_day[:n] <= self.params.priority_window_days
        )
        notified_recent = (s.notified_day[:n] != NO_DAY) & (
            day - s.notified_day[:n] <= self.params.priority_window_days
        )
        mapped = s.mapped_group[:n] >= 0
        ok &= mapped | victim_recent
        idx = np.flatnonzero(ok)
        # priority: recently notified, then recently shot at, then call-in attendees,
        # then mapped, then chance
        order = np.lexsort(
            (
                m.streams["support"].random(len(idx)),
                ~mapped[idx],
                ~s.attended_callin[idx],
                ~victim_recent[idx],
                ~notified_recent[idx],
            )
        )
        return idx[order]

    def offer(self, i: int) -> bool:
        """Offer help to member ``i``; True if accepted (engaged or waiting)."""
        m = self.model
        s = m.state
        p = self.params
        s.last_offer_day[i] = m.day
        trust = s.legitimacy[i] - m.params.city.legitimacy_mean
        readiness = s.readiness[i] / max(m.params.city.readiness_mean, 1e-9)
        prob = np.clip(p.uptake * (1.0 + p.uptake_legitimacy_effect * trust) * readiness, 0, 1)
        accepted = bool(m.streams["support"].random() < prob)
        m.log.add(
            m.day,
            EventKind.SUPPORT_OFFER,
            int(s.group[i]),
            (i,),
            Cause.OUTREACH,
            value=float(accepted),
        )
        if not accepted:
            return False
        if self.engaged < p.slots:
            self._engage(i)
        else:
            self._set(i, WAITING, m.day)
            self.waiting.append(i)
        return True

    def _engage(self, i: int) -> None:
        m = self.model
        self._set(i, ENGAGED, m.day)
        self.engaged += 1
        m.legitimacy.kept_promise(i)
        m.log.add(m.day, EventKind.SUPPORT_ENGAGED, int(m.state.group[i]), (i,), Cause.OUTREACH)

    def _set(self, i: int, status: int, since: int) -> None:
        """The one place a member's support status changes (``version`` tracks it)."""
        s = self.model.state
        s.support[i] = status
        s.support_since[i] = since
        self.version += 1

    def end(self, i: int) -> None:
        """Member ``i`` leaves support (arrest, exit, death, drop-out)."""
        s = self.model.state
        st = s.support[i]
        if st == ENGAGED:
            self.engaged -= 1
        elif st == WAITING:
            self.waiting.remove(i)
        self._set(i, NO_SUPPORT, NO_DAY)

    def daily(self) -> None:
        """Waiting-list drop-out and promotion; exits and drop-outs of the engaged."""
        m = self.model
        s = m.state
        p = self.params
        rng = m.streams["support"]
        if self.waiting:
            leave = rng.random(len(self.waiting)) < p.wait_dropout
            for i in [w for w, x in zip(self.waiting, leave, strict=True) if x]:
                self.end(i)
        while self.waiting and self.engaged < p.slots:
            self._engage(self.waiting.pop(0))
        if not self.engaged:
            return
        engaged = np.flatnonzero(s.support[: s.n] == ENGAGED)
        u = rng.random(len(engaged))
        long_enough = m.day - s.support_since[engaged] >= p.min_days_for_exit
        exits = engaged[long_enough & (u < p.exit_rate)]
        drops = engaged[(u >= 1.0 - p.dropout_rate)]
        for i in exits:
            m.members[int(i)].leave(Status.EXITED, EventKind.EXIT, Cause.OUTREACH)
            m.today["exits"] += 1
        for i in drops:
            if s.support[i] == ENGAGED:
                self.end(int(i))
                m.log.add(
                    m.day, EventKind.SUPPORT_DROPOUT, int(s.group[i]), (int(i),), Cause.OUTREACH
                )
