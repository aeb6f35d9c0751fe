"""M10 — recruitment into vacant places (peer pressure lives in :mod:`model.deterrence`)
and M11 — the partnership's fidelity over time.

A group recruits back toward its nominal size: each vacant place (the nominal size less
members free or in custody) is filled on a given day with the recruitment rate. Recruits
are drawn like the founding members (M1) and tied to current members.

M11: follow-through fidelity loses ``fatigue_per_year`` of itself a year from the
rollout on (implementation fatigue; off by default); it drops to ``fidelity_after_lapse``
from the lapse day on, and call-ins and notifications stop unless
``communication_after_lapse`` (Boston after 2000: Braga, Hureau & Winship 2008). On
the lapse day the members it made its promise to — who heard its message or were
offered help, and are still in the groups — lose ``legitimacy.lapse_penalty`` of their
trust (a broken promise, M9; off by default).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .events import Cause, EventKind
from .state import INCARCERATED, NO_DAY
from .streams import days_until_each
from .time import DAYS_PER_YEAR

if TYPE_CHECKING:
    from .gvi_model import GVIModel


def vacancies(model: GVIModel) -> np.ndarray:
    """Vacant places per group."""
    model.group_aggregates()
    return np.maximum(model.city.nominal_size - model.group_count, 0)


def recruit(model: GVIModel) -> int:
    """Fill vacancies at the recruitment rate; returns the number of recruits."""
    rate = model.params.group_dynamics.recruitment_rate
    if rate <= 0:
        return 0
    cache = model.recruit_cache
    rng = model.streams["recruitment"]
    day = model.day
    if cache is None or cache[0] != model.status_version:
        vac = vacancies(model)
        # Binomial(vacancies, rate) per group and day, drawn cheaply: first on which
        # day some place is filled (redrawn whenever membership changes), then the
        # position of the first filled place, then the rest.
        p_any = 1.0 - (1.0 - rate) ** vac
        due = day + days_until_each(rng, p_any)
        cache = model.recruit_cache = (model.status_version, vac, p_any, due, int(due.min()))
    _, vac, p_any, due, first_due = cache
    if day < first_due:
        return 0
    some = (due <= day).nonzero()[0]
    v = vac[some]
    first = np.ceil(np.log1p(-rng.random(len(some)) * p_any[some]) / np.log1p(-rate))
    first = np.clip(first, 1, v).astype(np.int64)
    new = np.zeros(len(vac), dtype=np.int64)
    new[some] = 1 + rng.binomial(v - first, rate)
    groups = np.repeat(np.arange(len(new)), new)
    model.add_members(groups, rng, recruited=True)
    return len(groups)


def fidelity(model: GVIModel) -> float:
    """Follow-through probability today (M11): the declared fidelity, times what is left
    of the partnership's focus after ``fatigue_per_year`` (lost year on year since the
    rollout, compounding daily); after a lapse, ``fidelity_after_lapse``."""
    p = model.params.partnership
    if p.lapse_day is not None and model.day >= model.rollout_day + p.lapse_day:
        return p.fidelity_after_lapse
    return model.params.enforcement.fidelity * focus(model)


def focus(model: GVIModel) -> float:
    """What is left of the partnership's focus today: ``(1 - fatigue_per_year) ** years``
    since the rollout (1 before it, and when there is no fatigue)."""
    loss = model.params.partnership.fatigue_per_year
    if loss <= 0 or model.day <= model.rollout_day:
        return 1.0
    return (1.0 - loss) ** ((model.day - model.rollout_day) / DAYS_PER_YEAR)


def communicating(model: GVIModel) -> bool:
    """Are call-ins and notifications still held today (M11)?"""
    p = model.params.partnership
    if p.lapse_day is None or p.communication_after_lapse:
        return True
    return model.day < model.rollout_day + p.lapse_day


def promised(model: GVIModel) -> np.ndarray:
    """Rows of the members the partnership made its promise to (M11): still in the groups
    (free or in custody) and told its message (first- or second-hand) or offered help."""
    s = model.state
    n = s.n
    told = s.informed[:n] | (s.last_offer_day[:n] != NO_DAY)
    return np.flatnonzero(told & (s.status[:n] <= INCARCERATED))


def lapse(model: GVIModel) -> None:
    """The partnership lapses today (M11): log it, and the members it made its promise to
    lose ``legitimacy.lapse_penalty`` of their trust (M9; not even looked for at 0)."""
    model.log.add(model.day, EventKind.LAPSE, -1, (), Cause.SCHEDULE)
    if model.params.legitimacy.lapse_penalty > 0.0:
        model.legitimacy.broken_promise(promised(model))
