"""Random streams: every draw of a run comes from generators derived from one seed.

Each mechanism draws from its own named stream, so switching a policy on does not shift
the draws of the mechanisms it does not touch (common random numbers across scenarios).
The daily shooting draws are laid out by day (``DailyUniforms``): member row ``i`` on day
``t`` sees the same uniform number in every scenario that has that row.
"""

from __future__ import annotations

import math

import numpy as np

from .time import NEVER

STREAM_NAMES: tuple[str, ...] = (
    "city",
    "violence_daily",
    "violence",
    "policing",
    "audit",
    "communication",
    "enforcement",
    "support",
    "crackdown",
    "recruitment",
    "legitimacy",
    "outreach",
    "retaliation",  # appended: the streams before it keep their seeds
)

_DAY_STRIDE = 1 << 40
_BELOW_1 = np.nextafter(
    1.0, 0.0
)  # p = 1 waits 0 days (for all but the top 1e-16 of u)  # 64-bit draws reserved per day in the daily stream


def as_seed_sequence(
    rng: int | np.random.SeedSequence | np.random.Generator | None,
) -> np.random.SeedSequence:
    """Normalise the accepted seed forms to a ``SeedSequence``."""
    if isinstance(rng, np.random.SeedSequence):
        return rng
    if isinstance(rng, np.random.Generator):
        return np.random.SeedSequence(int(rng.integers(0, 2**63 - 1)))
    if rng is None:
        return np.random.SeedSequence()
    if isinstance(rng, bool) or not isinstance(rng, int | np.integer):
        raise TypeError(
            f"rng must be an int, a numpy SeedSequence or None, not {type(rng).__name__}"
        )
    if rng < 0:
        raise ValueError(f"rng seed must be >= 0, got {rng}")
    return np.random.SeedSequence(int(rng))


def child(seq: np.random.SeedSequence, i: int) -> np.random.SeedSequence:
    """The i-th child of ``seq``, independent of how often ``seq.spawn`` was called."""
    return np.random.SeedSequence(entropy=seq.entropy, spawn_key=(*seq.spawn_key, i))


def make_streams(seq: np.random.SeedSequence) -> dict[str, np.random.Generator]:
    """One generator per named mechanism stream."""
    return {
        name: np.random.Generator(np.random.PCG64(child(seq, i)))
        for i, name in enumerate(STREAM_NAMES)
    }


def days_until(rng: np.random.Generator, p: float) -> int:
    """Days from today (0: today) until an event of daily probability ``p`` first
    happens: a geometric waiting time, the law of one Bernoulli(``p``) draw a day, drawn
    once (by inversion of one uniform) instead of every day. :data:`~model.time.NEVER`
    if ``p`` is 0."""
    u = rng.random()
    if p <= 0.0:
        return NEVER
    if p >= 1.0:
        return 0
    wait = math.log1p(-u) / math.log1p(-p)  # +inf for a p below the smallest step
    return int(wait) if wait < NEVER else NEVER


def days_until_each(rng: np.random.Generator, p: np.ndarray) -> np.ndarray:
    """:func:`days_until` for each of the probabilities ``p`` (one uniform for each
    that is above 0)."""
    days = np.full(len(p), NEVER, dtype=np.int64)
    on = np.flatnonzero(p > 0.0)
    if len(on):
        wait = np.log1p(-rng.random(len(on))) / np.log1p(-np.minimum(p[on], _BELOW_1))
        days[on] = np.minimum(wait, NEVER)  # assignment truncates: the floor, as wait >= 0
    return days


class DailyUniforms:
    """Uniform draws laid out by day: ``draw(day, n)`` gives the first ``n`` numbers of
    that day's block, whatever was drawn on other days."""

    def __init__(self, gen: np.random.Generator) -> None:
        bg = gen.bit_generator
        if not isinstance(bg, np.random.PCG64):
            raise TypeError(f"DailyUniforms jumps ahead by day and needs PCG64, not {type(bg)}")
        self._gen = gen
        self._bg = bg
        self._state0 = bg.state
        self._day = 0
        self._used = 0

    def draw(self, day: int, n: int) -> np.ndarray:
        bg = self._bg
        if day == self._day + 1 and self._used <= _DAY_STRIDE:
            bg.advance(_DAY_STRIDE - self._used)
        elif day != self._day or self._used:
            bg.state = self._state0
            bg.advance(day * _DAY_STRIDE)
        self._day = day
        self._used = n
        return self._gen.random(n)
