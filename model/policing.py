"""M3 — reactive policing and M7 — focused enforcement ("pulling levers").

M3: every shooting opens a case with an investigation unit. It is cleared with the
clearance probability, scaled down when the unit holds more open cases than it can
handle; a cleared case ends in the shooter's arrest after a delay and custody for a
sentence (lognormal around its mean).

M7: when a member of a group *on notice* (it has heard the GVI message) shoots, the
partnership delivers group-wide enforcement with probability = follow-through fidelity
(M11 may lower it), after a delay, if an enforcement unit is free within the allowed
wait. An operation runs for its duration: mapped members of the group (as the audit
knows them — a misclassified member can be hit in error) are taken into custody at a
daily rate that sums to the incapacitation share, members on supervision more readily
(the probation lever). Its start raises perceived risk in the group and, publicised, in
every other group on notice. Violence not followed through lowers perceived risk.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .events import Cause


@dataclass
class Case:
    """An investigation of one shooting."""

    event_id: int
    shooter: int
    due_day: int
    cleared: bool


@dataclass
class Operation:
    """A focused enforcement operation against one group."""

    group: int
    start_day: int
    end_day: int
    trigger_event: int
    daily_arrest_p: float


@dataclass
class Request:
    """A decision taken after violence by a group on notice, due on ``due_day``."""

    group: int
    due_day: int
    trigger_event: int
    deliver: bool
    why_not: Cause = Cause.NOT_FOLLOWED_THROUGH  # logged if ``deliver`` is False


def custody_days(mean: float, log_sd: float, rng: np.random.Generator) -> int:
    """A custody length: lognormal with the given mean and sd of its logarithm."""
    mu = np.log(mean) - 0.5 * log_sd**2
    return max(1, int(round(rng.lognormal(mu, log_sd))))


def daily_rate(share: float, days: int) -> float:
    """Daily probability that sums to ``share`` over ``days`` days."""
    if share >= 1.0:
        return 1.0
    return 1.0 - (1.0 - share) ** (1.0 / max(days, 1))
