"""Member state as numpy arrays: the daily bulk update works on these.

Each :class:`~agents.group_member.GroupMember` is a handle holding its row index; its
attributes read these arrays. Arrays grow by doubling when recruits join.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

NO_DAY = -1
UNMAPPED = -1


class Status(IntEnum):
    """Where a member is. Every member is in exactly one status."""

    FREE = 0
    INCARCERATED = 1
    EXITED = 2
    DEAD = 3


class Role(IntEnum):
    """A member's place in the group (M1)."""

    CORE = 0
    ASSOCIATE = 1


class SupportStatus(IntEnum):
    """A member's relation to the support offer (M8)."""

    NONE = 0
    WAITING = 1
    ENGAGED = 2


# name -> (dtype, fill value for new rows)
_COLUMNS: dict[str, tuple[type, float]] = {
    "group": (np.int32, 0),
    "role": (np.int8, Role.ASSOCIATE),
    "status": (np.int8, Status.FREE),
    "propensity": (np.float64, 0.0),
    "risk": (np.float64, 0.0),
    "legitimacy": (np.float64, 0.0),
    "legitimacy_base": (np.float64, 0.0),
    "readiness": (np.float64, 0.0),
    "on_supervision": (np.bool_, False),
    "support": (np.int8, SupportStatus.NONE),
    "support_since": (np.int32, NO_DAY),
    "last_offer_day": (np.int32, NO_DAY),
    "release_day": (np.int32, NO_DAY),
    "informed": (np.bool_, False),
    "notified_day": (np.int32, NO_DAY),
    "attended_callin": (np.bool_, False),
    "victimised_day": (np.int32, NO_DAY),
    "mapped_group": (np.int32, UNMAPPED),
    "shootings": (np.int32, 0),
    "victimisations": (np.int32, 0),
    "arrests": (np.int32, 0),
    "custody_days": (np.int32, 0),
    "joined_day": (np.int32, 0),
}


class MemberState:
    """Columns of member attributes; rows ``0..n-1`` are in use (past members included)."""

    def __init__(self, capacity: int) -> None:
        self.n = 0
        self._capacity = max(int(capacity), 8)
        for name, (dtype, fill) in _COLUMNS.items():
            setattr(self, name, np.full(self._capacity, fill, dtype=dtype))

    def add(self, count: int) -> np.ndarray:
        """Reserve ``count`` new rows (filled with defaults); return their indices."""
        if self.n + count > self._capacity:
            new_cap = max(self._capacity * 2, self.n + count)
            for name, (dtype, fill) in _COLUMNS.items():
                old = getattr(self, name)
                arr = np.full(new_cap, fill, dtype=dtype)
                arr[: self.n] = old[: self.n]
                setattr(self, name, arr)
            self._capacity = new_cap
        idx = np.arange(self.n, self.n + count)
        self.n += count
        return idx

    def view(self, name: str) -> np.ndarray:
        """The used part of one column."""
        return getattr(self, name)[: self.n]

    def members_of(self, status: Status) -> np.ndarray:
        """Indices of members with a status."""
        return np.flatnonzero(self.status[: self.n] == status)


# Plain-int aliases of the enum values, for hot loops and array comparisons
# (attribute access on an Enum class is slow in Python 3.11).
FREE, INCARCERATED, EXITED, DEAD = (int(s) for s in Status)
NO_SUPPORT, WAITING, ENGAGED = (int(s) for s in SupportStatus)


class RowsByGroup:
    """Member rows per group (ascending), so per-event work is O(group size), not O(N)."""

    def __init__(self, n_groups: int) -> None:
        self._rows: list[list[int]] = [[] for _ in range(n_groups)]
        self._cache: list[np.ndarray | None] = [None] * n_groups

    def add(self, rows: np.ndarray, groups: np.ndarray) -> None:
        for r, g in zip(rows.tolist(), groups.tolist(), strict=True):
            self._rows[g].append(r)
            self._cache[g] = None

    def reset(self, labels: np.ndarray) -> None:
        """Rebuild from a label per row (-1: in no group)."""
        for g in range(len(self._rows)):
            self._rows[g] = []
            self._cache[g] = None
        for r in np.flatnonzero(labels >= 0).tolist():
            self._rows[int(labels[r])].append(r)

    def __getitem__(self, group: int) -> np.ndarray:
        rows = self._cache[group]
        if rows is None:
            rows = self._cache[group] = np.asarray(self._rows[group], dtype=np.int64)
        return rows
