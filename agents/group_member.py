"""GroupMember: a member of a violent group (M1), a handle on the member arrays.

Attributes read the model's :class:`~model.state.MemberState`; rare events — a shooting,
being shot, an arrest, a message, a support offer, an exit — are methods here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from model.events import Cause, Event, EventKind
from model.state import FREE, INCARCERATED, NO_DAY, Role, Status, SupportStatus

if TYPE_CHECKING:
    from model.gvi_model import GVIModel


class GroupMember(mesa.Agent):
    """One group member. ``index`` is its row in ``model.state``."""

    model: GVIModel

    def __init__(self, model: GVIModel, index: int) -> None:
        super().__init__(model)
        self.index = index

    # --- state, read from the arrays -------------------------------------------------
    @property
    def group(self) -> int:
        return int(self.model.state.group[self.index])

    @property
    def role(self) -> Role:
        return Role(self.model.state.role[self.index])

    @property
    def status(self) -> Status:
        return Status(self.model.state.status[self.index])

    @property
    def propensity(self) -> float:
        return float(self.model.state.propensity[self.index])

    @property
    def perceived_risk(self) -> float:
        return float(self.model.state.risk[self.index])

    @property
    def legitimacy(self) -> float:
        return float(self.model.state.legitimacy[self.index])

    @property
    def support(self) -> SupportStatus:
        return SupportStatus(self.model.state.support[self.index])

    @property
    def on_supervision(self) -> bool:
        return bool(self.model.state.on_supervision[self.index])

    @property
    def is_free(self) -> bool:
        return self.model.state.status[self.index] == FREE

    # --- rare events ----------------------------------------------------------------
    def shoot(self) -> Event | None:
        """Shoot at a rival (M2; the rules are in :class:`model.violence.Shootings`)."""
        return self.model.shootings.shoot(self.index)

    def be_shot(self, event: Event, *, fatal: bool) -> None:
        """Victimised (M2): remembered for outreach priority; dies if fatal."""
        s = self.model.state
        s.victimisations[self.index] += 1
        s.victimised_day[self.index] = self.model.day
        if fatal:
            self.leave(Status.DEAD, EventKind.DEATH, Cause.NONE, ref=event.id)

    def be_arrested(self, days: int, cause: Cause, ref: int = -1) -> None:
        """Taken into custody for ``days`` (M3, M7, crackdown); ``ref`` is the event that
        led to it (the shooting investigated, or the shooting that triggered enforcement)."""
        m = self.model
        s = m.state
        if s.status[self.index] != FREE:
            return
        s.status[self.index] = INCARCERATED
        s.release_day[self.index] = m.day + max(int(days), 1)
        m.custody_until(int(s.release_day[self.index]))
        m.status_changed()
        s.arrests[self.index] += 1
        s.custody_days[self.index] += max(int(days), 1)
        m.support.end(self.index)
        m.today["arrests"] += 1
        if cause is Cause.FOCUSED_ENFORCEMENT or cause is Cause.CRACKDOWN:
            m.today["enforcement_arrests"] += 1  # an operation's, or a sweep's
        m.log.add(
            m.day, EventKind.ARREST, self.group, (self.index,), cause, ref=ref, value=float(days)
        )

    def extend_custody(self, days: int) -> None:
        """A further sentence for a member already in custody (served consecutively)."""
        s = self.model.state
        s.release_day[self.index] += max(int(days), 1)
        s.custody_days[self.index] += max(int(days), 1)

    def release(self) -> None:
        """Sentence served: back in the group."""
        m = self.model
        m.state.status[self.index] = FREE
        m.state.release_day[self.index] = NO_DAY
        m.status_changed()
        m.log.add(m.day, EventKind.RELEASE, self.group, (self.index,), Cause.SENTENCE_SERVED)

    def leave(self, status: Status, kind: EventKind, cause: Cause, ref: int = -1) -> None:
        """Leave the group for good (death or exit); the place falls vacant (M10)."""
        m = self.model
        m.support.end(self.index)
        m.state.status[self.index] = status
        m.log.add(m.day, kind, self.group, (self.index,), cause, ref=ref)
        m.member_left(self.index)
        self.remove()
