"""M10 — recruitment into vacant places (peer pressure lives in :mod:`model.deterrence`)
and M11 — the partnership's fidelity over time.

A group recruits back toward its nominal size: each vacant place (the nominal size less
members free or in custody) is filled on a given day with the recruitment rate. Recruits
are drawn like the founding members (M1) and tied to current members.

M11: follow-through fidelity drops to ``fidelity_after_lapse`` from the lapse day on, and
call-ins and notifications stop unless ``communication_after_lapse`` (Boston after 2000:
Braga, Hureau & Winship 2008).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .state import INCARCERATED

if TYPE_CHECKING:
    from .gvi_model import GVIModel


def vacancies(model: GVIModel) -> np.ndarray:
    """Vacant places per group."""
    s = model.state
    n = s.n
    present = s.status[:n] <= INCARCERATED
    count = np.bincount(s.group[:n][present], minlength=model.city.n_groups)
    return np.maximum(model.city.nominal_size - count, 0)


def recruit(model: GVIModel) -> int:
    """Fill vacancies at the recruitment rate; returns the number of recruits."""
    rate = model.params.group_dynamics.recruitment_rate
    if rate <= 0:
        return 0
    vac = vacancies(model)
    if not vac.any():
        return 0
    new = model.streams["recruitment"].binomial(vac, rate)
    if not new.any():
        return 0
    groups = np.repeat(np.arange(len(new)), new)
    model.add_members(groups, model.streams["recruitment"], recruited=True)
    return len(groups)


def fidelity(model: GVIModel) -> float:
    """Follow-through probability today (M11)."""
    p = model.params.partnership
    if p.lapse_day is not None and model.day >= model.rollout_day + p.lapse_day:
        return p.fidelity_after_lapse
    return model.params.enforcement.fidelity


def communicating(model: GVIModel) -> bool:
    """Are call-ins and notifications still held today (M11)?"""
    p = model.params.partnership
    if p.lapse_day is None or p.communication_after_lapse:
        return True
    return model.day < model.rollout_day + p.lapse_day
