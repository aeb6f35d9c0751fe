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

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np

from .events import Cause, EventKind
from .state import ENGAGED, FREE, NO_DAY, NO_SUPPORT, WAITING, Status
from .streams import days_until
from .time import NEVER

if TYPE_CHECKING:
    from agents.outreach_worker import OutreachWorker

    from .gvi_model import GVIModel


class Support:
    """Service places, the waiting list and the daily course of engagement."""

    def __init__(self, model: GVIModel) -> None:
        self.model = model
        self.params = model.params.support
        self.waiting: list[int] = []
        self.engaged = 0
        self.version = 0  # bumped whenever a member's support status changes
        # the day each waiting member leaves the list, and each engaged member's fate:
        # (day, exits the group) — False: drops out
        self._wait_end: dict[int, int] = {}
        self._fate: dict[int, tuple[int, bool]] = {}
        self._next_due = NEVER  # no waiting or engaged member leaves before this day
        self._queue: Iterator[int] = iter(())
        self._queue_day = -1

    def outreach(self, workers: list[OutreachWorker]) -> None:
        """The outreach workers' day: each makes a Poisson(``contact_rate``) number of
        contacts, drawn for all workers at once from the outreach stream."""
        if not workers:
            return
        wanted = self.model.streams["outreach"].poisson(self.params.contact_rate, len(workers))
        for w in np.flatnonzero(wanted).tolist():
            workers[w].contact(int(wanted[w]))

    def candidate(self) -> int:
        """The member an outreach worker contacts next (-1 if nobody is reachable)."""
        m = self.model
        s = m.state
        if self._queue_day != m.day:
            self._queue = self._rank()
            self._queue_day = m.day
        for i in self._queue:
            if s.status[i] == FREE and s.support[i] == NO_SUPPORT:
                return i
        return -1

    def _rank(self) -> Iterator[int]:
        """Today's reachable members, best first: ascending rank, ties in a random order
        (:class:`RankedQueue` gives that order lazily in a large city).

        Days kept per member (last offer, victimised, notified) are ``NO_DAY`` (-1) or a
        day up to today, so "never, or at least ``recontact_days`` ago" is one
        comparison with ``max(day - recontact_days, NO_DAY)``, and "within the priority
        window" one with ``max(day - window, 0)``."""
        m = self.model
        s = m.state
        n = s.n
        day = m.day
        p = self.params
        window_start = max(day - p.priority_window_days, 0)
        victim_recent = s.victimised_day[:n] >= window_start
        mapped = s.mapped_group[:n] >= 0
        ok = s.last_offer_day[:n] <= max(day - p.recontact_days, NO_DAY)
        ok &= s.status[:n] == FREE
        ok &= s.support[:n] == NO_SUPPORT
        ok &= mapped | victim_recent
        idx = np.flatnonzero(ok)
        if not len(idx):  # nobody to reach today (no key is drawn for nobody)
            return iter(())
        # priority: recently notified, then recently shot at, then call-in attendees,
        # then mapped, then chance (one key: 0 is best, 15 worst)
        rank = (s.notified_day[idx] < window_start).astype(np.int8) << 3
        rank |= (~victim_recent[idx]).astype(np.int8) << 2
        rank |= (~s.attended_callin[idx]).astype(np.int8) << 1
        rank |= ~mapped[idx]
        key = m.streams["support"].random(len(idx))
        if len(idx) <= RankedQueue.SMALL:  # one sort costs less than the bookkeeping
            return iter(idx[np.lexsort((key, rank))].tolist())
        return RankedQueue(idx, rank, key)

    def offer(self, i: int) -> bool:
        """Offer help to member ``i``; True if accepted (engaged or waiting)."""
        m = self.model
        s = m.state
        p = self.params
        s.last_offer_day[i] = m.day
        trust = s.legitimacy[i] - m.params.city.legitimacy_mean
        readiness = s.readiness[i] / max(m.params.city.readiness_mean, 1e-9)
        prob = min(max(p.uptake * (1.0 + p.uptake_legitimacy_effect * trust) * readiness, 0.0), 1.0)
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
            self._due(self._wait_end, i, m.day + days_until(m.streams["support"], p.wait_dropout))
        return True

    def _engage(self, i: int) -> None:
        m = self.model
        self._set(i, ENGAGED, m.day)
        self.engaged += 1
        self._fate[i] = fate = self._draw_fate(m.day)
        self._next_due = min(self._next_due, fate[0])
        m.legitimacy.kept_promise(i)
        m.log.add(m.day, EventKind.SUPPORT_ENGAGED, int(m.state.group[i]), (i,), Cause.OUTREACH)

    def _draw_fate(self, day: int) -> tuple[int, bool]:
        """When a member who takes a place today leaves it, and whether by exiting the
        group: each day they drop out with ``dropout_rate``; from ``min_days_for_exit``
        days on they exit with ``exit_rate`` (an exit first, if both would strike)."""
        p = self.params
        rng = self.model.streams["support"]
        drop = min(p.dropout_rate, 1.0)
        first = days_until(rng, drop)
        if first < p.min_days_for_exit:
            return day + first, False
        exit_ = min(p.exit_rate, 1.0)
        later_drop = max(0.0, min(drop, 1.0 - exit_))
        either = exit_ + later_drop
        if either <= 0.0:
            return NEVER, False
        wait = days_until(rng, either)
        return day + p.min_days_for_exit + wait, bool(rng.random() * either < exit_)

    def _due(self, table: dict[int, int], i: int, day: int) -> None:
        table[i] = day
        self._next_due = min(self._next_due, day)

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
            del self._fate[i]
        elif st == WAITING:
            self.waiting.remove(i)
            del self._wait_end[i]
        self._set(i, NO_SUPPORT, NO_DAY)

    def daily(self) -> None:
        """Waiting-list drop-out and promotion; exits and drop-outs of the engaged."""
        m = self.model
        day = m.day
        if day >= self._next_due:
            for i in [w for w in self.waiting if self._wait_end[w] <= day]:
                self.end(i)
        while self.waiting and self.engaged < self.params.slots:
            i = self.waiting.pop(0)
            del self._wait_end[i]
            self._engage(i)
        if day < self._next_due:
            return
        due = sorted(i for i, (d, _) in self._fate.items() if d <= day)
        for i in [i for i in due if self._fate[i][1]]:
            m.members[i].leave(Status.EXITED, EventKind.EXIT, Cause.OUTREACH)
            m.today["exits"] += 1
        for i in due:
            if i in self._fate:
                self.end(i)
                m.log.add(
                    m.day, EventKind.SUPPORT_DROPOUT, int(m.state.group[i]), (i,), Cause.OUTREACH
                )
        self._next_due = min(
            min(self._wait_end.values(), default=NEVER),
            min((d for d, _ in self._fate.values()), default=NEVER),
        )


class RankedQueue:
    """Members ``idx`` in ascending ``rank``, ties in ascending ``key`` (then in their
    order in ``idx``): the order of ``idx[np.lexsort((key, rank))]``, produced lazily.

    Outreach takes only the first few members of a day's queue, so each rank's members
    are put in order only when the queue reaches them, and in a large rank only those
    with the smallest keys, a chunk at a time (every key at most the chunk's largest, so
    equal keys keep their order as in a stable sort). A day's ranking then costs a few
    passes over the reachable members instead of a sort of them all (a city of 100,000
    members reaches most of its members every day). An iterator with plain state, so a
    model holding one can be copied (:meth:`~model.GVIModel.branch`).
    """

    CHUNK = 32  # members put in order at a time within a large rank
    SMALL = 2_000  # up to this many members, :meth:`Support._rank` sorts them at once

    def __init__(self, idx: np.ndarray, rank: np.ndarray, key: np.ndarray) -> None:
        self._idx, self._key = idx, key
        self._ready: list[int] = []  # the next members, in order, last first
        self._counts = np.bincount(rank).tolist() if len(idx) else []
        self._by_rank: np.ndarray | None = None
        if sum(c > 0 for c in self._counts) > 1:
            self._by_rank = np.argsort(rank, kind="stable")
        self._level = 0  # the next rank to open
        self._start = 0  # where that rank begins in ``_by_rank``
        self._open_idx = idx[:0]  # the open rank's members not yet ready, and their keys
        self._open_key = key[:0]
        self._chunk = self.CHUNK

    def __iter__(self) -> RankedQueue:
        return self

    def __next__(self) -> int:
        if not self._ready and not self._fill():
            raise StopIteration
        return self._ready.pop()

    def _fill(self) -> bool:
        """Make the next members ready; False when none is left."""
        if not len(self._open_idx) and not self._open_next_rank():
            return False
        idx, key, chunk = self._open_idx, self._open_key, self._chunk
        if len(key) > 2 * chunk:
            top = key[np.argpartition(key, chunk - 1)[chunk - 1]]
            take = key <= top
            first = np.flatnonzero(take)
            ready = idx[first[np.argsort(key[first], kind="stable")]]
            rest = ~take
            self._open_idx, self._open_key = idx[rest], key[rest]
            self._chunk = 2 * chunk
        else:
            ready = idx[np.argsort(key, kind="stable")]
            self._open_idx, self._open_key = idx[:0], key[:0]
        self._ready = ready[::-1].tolist()
        return True

    def _open_next_rank(self) -> bool:
        """Open the next rank that has members; False when none is left."""
        while self._level < len(self._counts):
            count = self._counts[self._level]
            self._level += 1
            if not count:
                continue
            if self._by_rank is None:  # one rank only: every member, in order
                self._open_idx, self._open_key = self._idx, self._key
            else:
                at = self._by_rank[self._start : self._start + count]
                self._open_idx, self._open_key = self._idx[at], self._key[at]
            self._start += count
            self._chunk = self.CHUNK
            return True
        return False
