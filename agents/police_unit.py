"""PoliceUnit: an investigation team (M3) or an enforcement team (M7).

Probation and supervision (Kriminalvården) are modelled as a lever of the enforcement
teams: members on supervision are easier to take into custody during an operation.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from enum import StrEnum
from typing import TYPE_CHECKING

import mesa

from model.events import Cause
from model.policing import Case, Operation, custody_days
from model.state import FREE, INCARCERATED
from model.time import NEVER

if TYPE_CHECKING:
    from model.gvi_model import GVIModel


class UnitKind(StrEnum):
    INVESTIGATION = "investigation"
    ENFORCEMENT = "enforcement"


class CaseQueue:
    """A unit's open cases, by due day: taking the cases due today costs in proportion
    to them, not to every open case. Cases due the same day come out in the order they
    were opened; iteration gives the open cases in that order too."""

    def __init__(self) -> None:
        self._heap: list[tuple[int, int, Case]] = []  # (due day, opening number, case)
        self._opened = 0

    def __len__(self) -> int:
        return len(self._heap)

    def __iter__(self) -> Iterator[Case]:
        return iter([case for _, _, case in sorted(self._heap, key=lambda item: item[1])])

    @property
    def next_due(self) -> int:
        """The earliest due day of an open case (``NEVER`` when none is open)."""
        return self._heap[0][0] if self._heap else NEVER

    def add(self, case: Case) -> None:
        heapq.heappush(self._heap, (case.due_day, self._opened, case))
        self._opened += 1

    def take_due(self, day: int) -> list[Case]:
        """Remove and return the cases due by ``day``, in the order they were opened."""
        heap = self._heap
        due: list[tuple[int, Case]] = []
        while heap and heap[0][0] <= day:
            _, opened, case = heapq.heappop(heap)
            due.append((opened, case))
        due.sort(key=lambda item: item[0])
        return [case for _, case in due]


class PoliceUnit(mesa.Agent):
    """A police team with a kind and a capacity."""

    model: GVIModel

    def __init__(self, model: GVIModel, kind: UnitKind, capacity: int) -> None:
        super().__init__(model)
        self.kind = kind
        self.capacity = capacity
        self.cases = CaseQueue()
        self.operation: Operation | None = None
        self.operations_run = 0

    @property
    def busy(self) -> bool:
        return self.operation is not None

    def open_case(self, event_id: int, shooter: int, victim_group: int = -1) -> Case:
        """Take a new shooting case (M3); its clearance is decided now, its arrest later.
        Witnesses from the victim's group (if given) cooperate as far as they trust the
        partnership (M9)."""
        m = self.model
        rng = m.streams["policing"]
        p = m.params.policing
        load = min(1.0, self.capacity / (len(self.cases) + 1))
        chance = p.clearance * load
        if victim_group >= 0:
            chance *= m.legitimacy.witness_factor(m.rows[victim_group])
        cleared = bool(rng.random() < chance)
        delay = int(rng.geometric(1.0 / p.investigation_days))  # >= 1 day, mean as set
        case = Case(event_id, shooter, m.day + delay, cleared)
        self.cases.add(case)
        m.case_due(case.due_day)
        return case

    def start_operation(self, op: Operation) -> None:
        """Begin a focused enforcement operation (M7; the desk sends its signals)."""
        self.operation = op
        self.operations_run += 1

    def step(self) -> None:
        if self.kind is UnitKind.INVESTIGATION:
            self._investigate()
        elif self.operation is not None:
            self._enforce()

    def _investigate(self) -> None:
        m = self.model
        day = m.day
        if day < self.cases.next_due:
            return
        p = m.params.policing
        for case in self.cases.take_due(day):
            status = m.state.status[case.shooter]
            if not case.cleared or status > INCARCERATED:
                continue  # not cleared, or the shooter is dead or gone
            days = custody_days(p.sentence_days, p.custody_log_sd, m.streams["policing"])
            if status == FREE:
                m.members[case.shooter].be_arrested(days, Cause.INVESTIGATION, case.event_id)
            else:  # already held for something else: the sentence is added
                m.members[case.shooter].extend_custody(days)

    def _enforce(self) -> None:
        m = self.model
        op = self.operation
        if op is None:
            return
        if m.day >= op.end_day or m.desk.quiet_over(op.group, op.start_day):
            op.end_day = m.day  # effect seen, or the longest operation has run
            m.desk.ended(op)
            self.operation = None
            return
        targets = m.comm.mapped_free_members_of(op.group)
        if len(targets):
            rng = m.streams["enforcement"]
            e = m.params.enforcement
            p = op.daily_arrest_p * (
                1.0 + (e.supervision_factor - 1.0) * m.state.on_supervision[targets]
            )
            hit = targets[rng.random(len(targets)) < p]
            for i in hit:
                m.members[int(i)].be_arrested(
                    custody_days(e.custody_days, m.params.policing.custody_log_sd, rng),
                    Cause.FOCUSED_ENFORCEMENT,
                    op.trigger_event,
                )
                if m.state.group[i] != op.group:
                    m.legitimacy.collateral(int(i))
