"""Member state as numpy arrays: the daily bulk update works on these.

Each :class:`~agents.group_member.GroupMember` is a handle holding its row index; its
attributes read these arrays. Arrays grow by doubling when recruits join.
"""

from __future__ import annotations

from dataclasses import InitVar, dataclass, field, fields
from enum import IntEnum
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from .gvi_model import GVIModel

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


def _column(dtype: type[np.generic], fill: float) -> Any:
    """A member column: its numpy dtype and the value of new rows."""
    return field(init=False, repr=False, metadata={"dtype": dtype, "fill": fill})


@dataclass(eq=False)
class MemberState:
    """Columns of member attributes; rows ``0..n-1`` are in use (past members included).

    Each column is a numpy array of the declared dtype; all have the same length (the
    capacity), which doubles when recruits no longer fit.
    """

    capacity: InitVar[int]
    group: NDArray[np.int32] = _column(np.int32, 0)
    role: NDArray[np.int8] = _column(np.int8, Role.ASSOCIATE)
    status: NDArray[np.int8] = _column(np.int8, Status.FREE)
    propensity: NDArray[np.float64] = _column(np.float64, 0.0)
    risk: NDArray[np.float64] = _column(np.float64, 0.0)
    legitimacy: NDArray[np.float64] = _column(np.float64, 0.0)
    legitimacy_base: NDArray[np.float64] = _column(np.float64, 0.0)
    readiness: NDArray[np.float64] = _column(np.float64, 0.0)
    on_supervision: NDArray[np.bool_] = _column(np.bool_, False)
    support: NDArray[np.int8] = _column(np.int8, SupportStatus.NONE)
    support_since: NDArray[np.int32] = _column(np.int32, NO_DAY)
    last_offer_day: NDArray[np.int32] = _column(np.int32, NO_DAY)
    release_day: NDArray[np.int32] = _column(np.int32, NO_DAY)
    informed: NDArray[np.bool_] = _column(np.bool_, False)
    notified_day: NDArray[np.int32] = _column(np.int32, NO_DAY)
    attended_callin: NDArray[np.bool_] = _column(np.bool_, False)
    victimised_day: NDArray[np.int32] = _column(np.int32, NO_DAY)
    mapped_group: NDArray[np.int32] = _column(np.int32, UNMAPPED)
    shootings: NDArray[np.int32] = _column(np.int32, 0)
    victimisations: NDArray[np.int32] = _column(np.int32, 0)
    arrests: NDArray[np.int32] = _column(np.int32, 0)
    custody_days: NDArray[np.int32] = _column(np.int32, 0)
    joined_day: NDArray[np.int32] = _column(np.int32, 0)
    n: int = field(init=False, default=0)
    #: bumped whenever ``informed`` changes (see :func:`model.deterrence.hear`)
    informed_version: int = field(init=False, default=0)

    def __post_init__(self, capacity: int) -> None:
        self._capacity = max(int(capacity), 8)
        for col in _COLUMNS:
            setattr(self, col.name, np.full(self._capacity, col.fill, dtype=col.dtype))

    def add(self, count: int) -> np.ndarray:
        """Reserve ``count`` new rows (filled with defaults); return their indices."""
        if self.n + count > self._capacity:
            new_cap = max(self._capacity * 2, self.n + count)
            for col in _COLUMNS:
                arr = np.full(new_cap, col.fill, dtype=col.dtype)
                arr[: self.n] = getattr(self, col.name)[: self.n]
                setattr(self, col.name, arr)
            self._capacity = new_cap
        idx = np.arange(self.n, self.n + count)
        self.n += count
        return idx

    def view(self, name: str) -> np.ndarray:
        """The used part of one column."""
        if name not in COLUMN_NAMES:
            raise KeyError(f"unknown member column {name!r}; known: {', '.join(COLUMN_NAMES)}")
        return getattr(self, name)[: self.n]

    def members_of(self, status: Status) -> np.ndarray:
        """Indices of members with a status."""
        return np.flatnonzero(self.status[: self.n] == status)


class _Column(NamedTuple):
    name: str
    dtype: type[np.generic]
    fill: float


_COLUMNS: tuple[_Column, ...] = tuple(
    _Column(f.name, f.metadata["dtype"], f.metadata["fill"])
    for f in fields(MemberState)
    if "dtype" in f.metadata
)
COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in _COLUMNS)


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


def changed_groups(
    model: GVIModel, flag: np.ndarray, seen: np.ndarray
) -> tuple[np.ndarray, list[np.ndarray], list[int]]:
    """The groups with a member whose ``flag`` (e.g. present, or free) differs from
    ``seen`` (the flags when the group sums were last taken) or who joined since, with
    their rows and row counts: the groups whose sums must be taken again."""
    s = model.state
    n = s.n
    changed = np.flatnonzero(flag[: len(seen)] != seen)
    groups = np.unique(np.concatenate([s.group[changed], s.group[len(seen) : n]]))
    rows = [model.rows[int(k)] for k in groups.tolist()]
    return groups, rows, [len(r) for r in rows]
