"""The event log: what happened, to whom, and why — for explaining runs and the app.

``day`` is the model day: days since the start of the run, warm-up included (day 0 is
the first simulated day), the same numbering as :meth:`model.GVIModel.daily_metrics`.
"""

from __future__ import annotations

import os
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, overload

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import pyarrow as pa


class EventKind(StrEnum):
    """Kinds of logged events."""

    SHOOTING = "shooting"
    ARREST = "arrest"
    RELEASE = "release"
    ROLLOUT = "rollout"
    AUDIT = "audit"
    CALLIN = "callin"
    NOTIFICATION = "notification"
    ENFORCEMENT = "enforcement"
    ENFORCEMENT_SKIPPED = "enforcement_skipped"
    ENFORCEMENT_END = "enforcement_end"  # value: the days the operation ran
    SWEEP = "sweep"
    SUPPORT_OFFER = "support_offer"
    SUPPORT_ENGAGED = "support_engaged"
    SUPPORT_DROPOUT = "support_dropout"
    EXIT = "exit"
    DEATH = "death"
    RECRUIT = "recruit"
    LAPSE = "lapse"


class Cause(StrEnum):
    """Why an event happened."""

    RIVALRY = "rivalry"
    RETALIATION = "retaliation"
    INVESTIGATION = "investigation"
    FOCUSED_ENFORCEMENT = "focused_enforcement"
    CRACKDOWN = "crackdown"
    SENTENCE_SERVED = "sentence_served"
    SCHEDULE = "schedule"
    AFTER_SHOOTING = "after_shooting"
    NOT_FOLLOWED_THROUGH = "not_followed_through"
    NO_CAPACITY = "no_capacity"
    NO_ENFORCEMENT = "no_enforcement"  # the plan has no enforcement to answer with
    OUTREACH = "outreach"
    VACANCY = "vacancy"
    TRAINER = "trainer"
    NONE = ""


@dataclass(frozen=True, slots=True)
class Event:
    """One logged event. ``group`` is -1 when no group applies; ``ref`` links to an
    earlier event id (e.g. the victimisation a retaliation answers); ``detail`` holds
    kind-specific numbers (e.g. the target group of a shooting, or the lag in days)."""

    id: int
    day: int
    kind: EventKind
    group: int
    members: tuple[int, ...]
    cause: Cause
    ref: int = -1
    target: int = -1
    value: float = 0.0


_KINDS: tuple[EventKind, ...] = tuple(EventKind)
_CAUSES: tuple[Cause, ...] = tuple(Cause)
_KIND_CODE: dict[EventKind, int] = {k: i for i, k in enumerate(_KINDS)}
_CAUSE_CODE: dict[Cause, int] = {c: i for i, c in enumerate(_CAUSES)}


class EventLog:
    """Append-only log of :class:`Event`, held by column.

    A large city logs millions of events over its horizon; as objects they would take
    a few hundred bytes each, as columns (typed arrays, members in one flat array with
    offsets) about fifty, and eight per member. :meth:`add` returns the event it logged; :attr:`events`,
    indexing and :meth:`of_kind` build events from the columns when asked, equal to the
    ones logged."""

    def __init__(self) -> None:
        self._day = array("q")
        self._kind = array("b")
        self._group = array("q")
        self._cause = array("b")
        self._ref = array("q")
        self._target = array("q")
        self._value = array("d")
        self._members = array("q")  # every event's members, one after the other
        self._start = array("q", [0])  # event i's members are _members[_start[i]:_start[i + 1]]

    def add(
        self,
        day: int,
        kind: EventKind,
        group: int = -1,
        members: tuple[int, ...] = (),
        cause: Cause = Cause.NONE,
        *,
        ref: int = -1,
        target: int = -1,
        value: float = 0.0,
    ) -> Event:
        event = Event(len(self._day), day, kind, group, members, cause, ref, target, value)
        self._day.append(day)
        self._kind.append(_KIND_CODE[kind])
        self._group.append(group)
        self._cause.append(_CAUSE_CODE[cause])
        self._ref.append(ref)
        self._target.append(target)
        self._value.append(value)
        if members:
            self._members.extend(members)
        self._start.append(len(self._members))
        return event

    def __len__(self) -> int:
        return len(self._day)

    def __getitem__(self, i: int) -> Event:
        return self.events[i]

    def _event(self, i: int) -> Event:
        """Event ``i`` (0 <= i < len), built from the columns."""
        lo, hi = self._start[i], self._start[i + 1]
        return Event(
            i,
            self._day[i],
            _KINDS[self._kind[i]],
            self._group[i],
            tuple(self._members[lo:hi]),
            _CAUSES[self._cause[i]],
            self._ref[i],
            self._target[i],
            self._value[i],
        )

    @property
    def events(self) -> EventSequence:
        """The events in order: a read-only sequence (a slice of it is a list)."""
        return EventSequence(self)

    def of_kind(self, kind: EventKind) -> list[Event]:
        code = _KIND_CODE[kind]
        return [self._event(i) for i, c in enumerate(self._kind) if c == code]

    def to_arrow(self) -> pa.Table:
        """The frame of :meth:`to_frame` as an Arrow table (``members`` a list column),
        built from the columns without a Python object per event: what a run's
        ``events.parquet`` holds. A large city logs millions of events; as a frame
        they cost about 500 bytes each while written, as this table about 60 (on a
        floor of about 45 MB for the writer)."""
        import pyarrow as pa

        def ints(column: array) -> pa.Array:
            return pa.array(np.array(column, dtype=np.int64))

        def names(codes: array, values: tuple[StrEnum, ...]) -> pa.Array:
            indices = pa.array(np.array(codes, dtype=np.int8))
            labels = pa.array([v.value for v in values])
            return pa.DictionaryArray.from_arrays(indices, labels).dictionary_decode()

        n = len(self)
        members = pa.ListArray.from_arrays(
            pa.array(np.array(self._start, dtype=np.int32)), ints(self._members)
        )
        return pa.table(
            {
                "id": pa.array(np.arange(n, dtype=np.int64)),
                "day": ints(self._day),
                "kind": names(self._kind, _KINDS),
                "group": ints(self._group),
                "members": members,
                "cause": names(self._cause, _CAUSES),
                "ref": ints(self._ref),
                "target": ints(self._target),
                "value": pa.array(np.array(self._value, dtype=np.float64)),
            }
        )

    def to_frame(self) -> pd.DataFrame:
        """A tidy frame, one row per event: ``id``, ``day`` (model day), ``kind``,
        ``group`` (-1: none), ``members`` (a list of member ids), ``cause``, ``ref``
        (an earlier event's id, -1: none), ``target`` (-1: none) and ``value``."""
        n = len(self)
        flat = self._members.tolist()
        start = self._start.tolist()
        return pd.DataFrame(
            {
                "id": list(range(n)),
                "day": self._day.tolist(),
                "kind": [_KINDS[c].value for c in self._kind],
                "group": self._group.tolist(),
                "members": pd.Series(
                    [flat[start[i] : start[i + 1]] for i in range(n)], dtype=object
                ),
                "cause": [_CAUSES[c].value for c in self._cause],
                "ref": self._ref.tolist(),
                "target": self._target.tolist(),
                "value": self._value.tolist(),
            }
        )


class EventSequence(Sequence[Event]):
    """The events of an :class:`EventLog`, in order, each built when read. Equal to
    another such sequence, or a list, of the same events."""

    def __init__(self, log: EventLog) -> None:
        self._log = log

    def __len__(self) -> int:
        return len(self._log)

    @overload
    def __getitem__(self, i: int) -> Event: ...

    @overload
    def __getitem__(self, i: slice) -> list[Event]: ...

    def __getitem__(self, i: int | slice) -> Event | list[Event]:
        n = len(self._log)
        if isinstance(i, slice):
            return [self._log._event(j) for j in range(*i.indices(n))]
        j = i + n if i < 0 else i
        if not 0 <= j < n:
            raise IndexError("event index out of range")
        return self._log._event(j)

    def __iter__(self) -> Iterator[Event]:
        log = self._log
        return (log._event(i) for i in range(len(log)))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, EventSequence | list):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<{len(self)} events>"


def as_members(value: str | Iterable[int] | None) -> list[int]:
    """A ``members`` cell as a list of ids: a list or array, or the space-separated text
    that event files written before members became a list column hold."""
    if value is None:
        return []
    if isinstance(value, str):
        return [int(v) for v in value.split()]
    return [int(v) for v in np.asarray(value).ravel()]


def read_events(path: str | os.PathLike[str]) -> pd.DataFrame:
    """An event log written by ``gvi run --out`` (``events.parquet``), with ``members``
    as lists of ids whichever form the file holds."""
    df = pd.read_parquet(path)
    if "members" in df.columns:
        members = [as_members(v) for v in df["members"]]
        df["members"] = pd.Series(members, index=df.index, dtype=object)
    return df
