"""The event log: what happened, to whom, and why — for explaining runs and the app.

``day`` is the model day: days since the start of the run, warm-up included (day 0 is
the first simulated day), the same numbering as :meth:`model.GVIModel.daily_metrics`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd


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


class EventLog:
    """In-memory, append-only list of :class:`Event`."""

    def __init__(self) -> None:
        self.events: list[Event] = []

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
        event = Event(len(self.events), day, kind, group, members, cause, ref, target, value)
        self.events.append(event)
        return event

    def __len__(self) -> int:
        return len(self.events)

    def __getitem__(self, i: int) -> Event:
        return self.events[i]

    def of_kind(self, kind: EventKind) -> list[Event]:
        return [e for e in self.events if e.kind is kind]

    def to_frame(self) -> pd.DataFrame:
        """A tidy frame, one row per event: ``id``, ``day`` (model day), ``kind``,
        ``group`` (-1: none), ``members`` (a list of member ids), ``cause``, ``ref``
        (an earlier event's id, -1: none), ``target`` (-1: none) and ``value``."""
        return pd.DataFrame(
            {
                "id": [e.id for e in self.events],
                "day": [e.day for e in self.events],
                "kind": [e.kind.value for e in self.events],
                "group": [e.group for e in self.events],
                "members": pd.Series([list(e.members) for e in self.events], dtype=object),
                "cause": [e.cause.value for e in self.events],
                "ref": [e.ref for e in self.events],
                "target": [e.target for e in self.events],
                "value": [e.value for e in self.events],
            }
        )


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
