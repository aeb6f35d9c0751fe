"""M4 — the group audit, and M5 — call-ins, custom notifications and the message's
spread inside groups.

M4: at rollout the partnership maps a share of the groups and, within them, a share of
the members; a mapped member is placed in the right group with the audit's accuracy
(else in another mapped group). The audit is refreshed at an interval, so recruits get
mapped too. Only mapped members are invited, notified or targeted by enforcement.

M5: call-ins are held on a schedule for the mapped groups with most recent violence,
groups never reached first; invitees are the mapped, free members the partnership knows
best (on supervision, past shootings, core role); those on supervision always come.
Custom notifications follow a shooting after a delay, to mapped members of the shooter's
and the victim's groups. A group whose member heard the message directly is *on notice*
(M7 applies to it). The message then spreads along in-group ties at a daily rate per tie
(Wheeler et al. 2019).
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

import numpy as np

from .deterrence import hear
from .events import Cause, Event, EventKind
from .state import FREE, INCARCERATED, NO_DAY, UNMAPPED, Role, RowsByGroup
from .time import DAYS_PER_YEAR

if TYPE_CHECKING:
    from .gvi_model import GVIModel


class Communication:
    """The partnership's audit and its direct communication."""

    def __init__(self, model: GVIModel) -> None:
        self.model = model
        g = model.city.n_groups
        self.group_mapped = np.zeros(g, dtype=bool)
        self.on_notice = np.zeros(g, dtype=bool)
        self.notice_day = np.full(g, NO_DAY, dtype=np.int64)
        self.heat = np.zeros(g)
        self.use_params()
        self.callins_held = 0
        self.audited = False
        self.mapped_rows = RowsByGroup(g)  # rows by the group the audit places them in
        self.pending: list[tuple[int, tuple[int, ...], int]] = []  # (due day, groups, event)
        self._live = np.zeros(0, dtype=np.int64)  # ties the message can pass along
        self._live_key: tuple[int, int, int] = (-1, -1, -1)
        # ties from an informed member that may still carry the message (head
        # uninformed, both ends present), ascending, among the first ``_open_seen``
        # ties: the others never will again, or wait for their tail to hear it
        self._open = np.zeros(0, dtype=np.int64)
        self._open_seen = 0
        self._heard = np.zeros(0, dtype=bool)  # who was informed when ``_open`` was made
        self._by_tail = TailIndex()
        self._delivered: deque[int] = deque()  # day of each notification, last 365 days

    def use_params(self) -> None:
        """Derive what the model's parameters fix (at construction, and when the model
        branches); everything else is read from ``model.params`` when used."""
        self.heat_decay = 0.5 ** (1.0 / self.model.params.callins.priority_half_life_days)

    # --- M4 ---------------------------------------------------------------------------
    def run_audit(self) -> None:
        """Map groups and members (first audit, then refreshes)."""
        m = self.model
        s = m.state
        rng = m.streams["audit"]
        a = m.params.audit
        first = not self.audited
        if first:
            if m.params.city.audit_dir:
                self.group_mapped[:] = True
            else:
                self.group_mapped = rng.random(m.city.n_groups) < a.group_coverage
            self.audited = True
        n = s.n
        current = (s.status[:n] == FREE) | (s.status[:n] == INCARCERATED)
        todo = current & (s.mapped_group[:n] == UNMAPPED) & self.group_mapped[s.group[:n]]
        if first and m.audit_listed is not None:
            chosen, accuracy = todo & m.audit_listed[:n], 1.0
        else:
            chosen, accuracy = todo & (rng.random(n) < a.member_coverage), a.accuracy
        idx = np.flatnonzero(chosen)
        mapped_groups = np.flatnonzero(self.group_mapped)
        true_group = s.group[idx]
        wrong = rng.random(len(idx)) >= accuracy
        label = true_group.copy()
        if len(mapped_groups) > 1:
            for k in np.flatnonzero(wrong):
                others = mapped_groups[mapped_groups != true_group[k]]
                label[k] = others[rng.integers(len(others))]
        s.mapped_group[idx] = label
        self.mapped_rows.reset(s.mapped_group[:n])
        m.log.add(m.day, EventKind.AUDIT, -1, (), Cause.SCHEDULE, value=float(len(idx)))

    # --- M5 ---------------------------------------------------------------------------
    def hold_callin(self, cause: Cause = Cause.SCHEDULE) -> Event | None:
        """Hold a call-in now; returns its event (None if nobody could be invited)."""
        m = self.model
        s = m.state
        c = m.params.callins
        rng = m.streams["communication"]
        n = s.n
        free_mapped = (s.status[:n] == FREE) & (s.mapped_group[:n] != UNMAPPED)
        counts = np.bincount(s.mapped_group[:n][free_mapped], minlength=m.city.n_groups)
        eligible = np.flatnonzero(self.group_mapped & (counts > 0))
        if not len(eligible):
            return None
        order = np.lexsort(
            (rng.random(len(eligible)), -self.heat[eligible], self.on_notice[eligible])
        )
        chosen = eligible[order[: c.groups_per_callin]]
        invitees = np.flatnonzero(free_mapped & np.isin(s.mapped_group[:n], chosen))
        # best known first: on supervision, then most shootings, then core, then chance
        order = np.lexsort(
            (
                rng.random(len(invitees)),
                s.role[invitees] != Role.CORE,
                -s.shootings[invitees],
                ~s.on_supervision[invitees],
            )
        )
        invitees = invitees[order]
        comes = s.on_supervision[invitees] | (rng.random(len(invitees)) < c.attendance)
        attendees = invitees[comes][: c.attendees]
        if not len(attendees):
            return None
        strength = m.deterrence.message(m.params.deterrence.callin_message)
        hear(s, attendees, strength)
        s.attended_callin[attendees] = True
        m.legitimacy.moral_voice(attendees)
        self.put_on_notice(np.unique(s.group[attendees]))
        self.callins_held += 1
        m.today["callin_attendees"] += len(attendees)
        m.costs.callin()
        return m.log.add(
            m.day,
            EventKind.CALLIN,
            -1,
            tuple(int(i) for i in attendees),
            cause,
            value=float(len(chosen)),
        )

    def callin_due(self) -> bool:
        """Is a scheduled call-in held today?"""
        m = self.model
        c = m.params.callins
        since = m.day - m.rollout_day - c.first_day
        return (
            c.enabled
            and since >= 0
            and since % c.interval_days == 0
            and since // c.interval_days < c.max_count
        )

    def mapped_free_members_of(self, group: int) -> np.ndarray:
        """Rows of the free members the audit places in a group."""
        rows = self.mapped_rows[group]
        return rows[self.model.state.status[rows] == FREE]

    def after_shooting(self, shooter_group: int, victim_group: int, event_id: int) -> None:
        """Schedule custom notifications to both groups involved in a shooting."""
        m = self.model
        due = m.day + m.params.notifications.delay_days
        self.pending.append((due, (shooter_group, victim_group), event_id))

    def notify(self, groups: tuple[int, ...], event_id: int, cause: Cause) -> int:
        """Custom notifications to mapped free members of ``groups``; returns how many."""
        m = self.model
        s = m.state
        k = m.params.notifications.members_per_group
        day = m.day
        renotify = m.params.notifications.renotify_days
        strength = m.deterrence.message(m.params.deterrence.notification_message)
        done = self._delivered
        while done and day - done[0] >= DAYS_PER_YEAR:
            done.popleft()
        room = m.params.notifications.per_year - len(done)
        reached: list[int] = []
        for g in groups:
            if not self.group_mapped[g] or len(reached) >= room:
                continue
            idx = self.mapped_free_members_of(int(g))
            last = s.notified_day[idx]
            idx = idx[(last == NO_DAY) | (day - last >= renotify)]
            if not len(idx):
                continue
            # most involved first (shootings and victimisations), then on supervision
            involved = s.shootings[idx] + s.victimisations[idx]
            pick = idx[
                np.lexsort((~s.on_supervision[idx], -involved))[: min(k, room - len(reached))]
            ]
            hear(s, pick, strength)
            s.notified_day[pick] = day
            reached.extend(pick.tolist())
        if not reached:
            return 0
        done.extend([day] * len(reached))
        reached_groups = np.unique(s.group[reached])
        self.put_on_notice(reached_groups)
        m.today["notifications"] += len(reached)
        m.costs.notifications(len(reached))
        group = int(reached_groups[0]) if len(reached_groups) == 1 else -1
        m.log.add(day, EventKind.NOTIFICATION, group, tuple(reached), cause, ref=event_id)
        return len(reached)

    def put_on_notice(self, groups: np.ndarray) -> None:
        new = groups[~self.on_notice[groups]]
        self.on_notice[new] = True
        self.notice_day[new] = self.model.day

    def daily(self, active: bool) -> None:
        """Scheduled call-ins, due notifications and diffusion (while active)."""
        m = self.model
        self.heat *= self.heat_decay
        if not active:
            self.pending.clear()
            return
        if self.callin_due():
            self.hold_callin()
        if self.pending:
            due = [p for p in self.pending if p[0] <= m.day]
            self.pending = [p for p in self.pending if p[0] > m.day]
            for _, groups, ev in due:
                self.notify(groups, ev, Cause.AFTER_SHOOTING)
        self.diffuse()

    def diffuse(self) -> None:
        """The message spreads along in-group ties.

        A tie passes the message on a day when its tail is informed, its head is not,
        and both are free (one uniform per such tie, in the order of the ties). Once
        its head is informed or either end has left the groups for good, a tie never
        passes it again, so the ties still *open* are kept in an index that only
        shrinks (and takes in new ties as recruits join); the day's ties are found
        among those, at a cost that falls as the message spreads."""
        m = self.model
        rate = m.params.notifications.diffusion_rate
        ties = m.ties
        if rate <= 0 or not len(ties.src) or not self.on_notice.any():
            return
        s = m.state
        key = (s.informed_version, m.status_version, ties.version)
        if key != self._live_key:
            # the ties along which the message can pass today: informed to uninformed,
            # both free (unchanged until someone hears, a status changes or ties grow)
            self._live = self._live_ties()
            self._live_key = key
        cand = self._live
        if not len(cand):
            return
        hit = cand[m.streams["communication"].random(len(cand)) < rate]
        if not len(hit):
            return
        who = np.unique(ties.dst[hit])
        strength = m.deterrence.message(m.params.deterrence.diffused_message)
        hear(s, who, strength)

    def _live_ties(self) -> np.ndarray:
        """Ties from an informed to an uninformed member, both free, ascending.

        Only ties whose tail is informed can carry the message, and a member once
        informed stays so, so the index ``_open`` holds just those (still open): it takes
        in the ties of members informed since it was last made (found by their tail,
        :class:`TailIndex`) and the ties made since whose tail is informed, and drops
        the ties closed for good. Its cost follows the informed members' ties, not every
        tie of the city."""
        m = self.model
        s = m.state
        ties = m.ties
        seen = len(ties.src)
        if seen < self._open_seen:  # the ties were replaced: start over
            self._open, self._open_seen = np.zeros(0, dtype=np.int64), 0
            self._heard = np.zeros(0, dtype=bool)
            self._by_tail = TailIndex()
        heard = s.informed[: s.n].copy()
        newly = heard.copy()  # informed since the index was last made
        newly[: len(self._heard)] &= ~self._heard
        parts = [self._open]  # disjoint: older ties by when their tail heard, then new ties
        if self._open_seen and newly.any():
            parts.append(self._by_tail.ties_of(ties.src, self._open_seen, newly))
        if seen > self._open_seen:
            fresh = np.arange(self._open_seen, seen, dtype=np.int64)
            parts.append(fresh[s.informed[ties.src[fresh]]])
        if len(parts) > 1:
            self._open = np.sort(np.concatenate(parts))
        self._open_seen, self._heard = seen, heard
        tail_status = s.status[ties.src[self._open]]
        head = ties.dst[self._open]
        head_status = s.status[head]
        still = ~s.informed[head] & (head_status <= INCARCERATED) & (tail_status <= INCARCERATED)
        self._open = self._open[still]
        live = (tail_status[still] == FREE) & (head_status[still] == FREE)
        return self._open[live]


class TailIndex:
    """The ties of given members as tails, among the first ``upto`` ties: the ties are
    kept sorted by tail up to a point (sorted again once a quarter as many more have
    been made), and those made after it are searched directly."""

    def __init__(self) -> None:
        self._order = np.zeros(0, dtype=np.int64)  # tie numbers, sorted by tail
        self._tails = np.zeros(0, dtype=np.int64)  # their tails, ascending

    def ties_of(self, src: np.ndarray, upto: int, chosen: np.ndarray) -> np.ndarray:
        """The ties ``t < upto`` whose tail ``src[t]`` is marked in the mask ``chosen``
        (one flag per member), ascending."""
        built = len(self._order)
        if upto < built or upto - built > max(built // 4, 1024):
            self._order = np.argsort(src[:upto], kind="stable")
            self._tails = src[self._order]
            built = upto
        found = self._order[:0]
        if built:
            members = np.flatnonzero(chosen)
            lo = np.searchsorted(self._tails, members, side="left")
            lens = np.searchsorted(self._tails, members, side="right") - lo
            total = int(lens.sum())
            if total:
                ends = np.cumsum(lens)
                found = self._order[np.repeat(lo - ends + lens, lens) + np.arange(total)]
                found.sort()
        if upto > built:
            later = np.arange(built, upto, dtype=np.int64)
            found = np.concatenate([found, later[chosen[src[built:upto]]]])
        return found
