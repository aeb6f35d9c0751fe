"""M2 — violence and retaliation.

Each free member's daily hazard of shooting at a rival is

    h_i = p_i * m_i * (b * S_g + X_g / P_g)

with ``p_i`` the member's propensity, ``m_i`` the product of deterrence and support
multipliers (M6, M8), ``b`` the background hazard, ``S_g`` the group's summed rivalry
intensity, ``X_g`` the group's retaliation pressure (shootings/day) and ``P_g`` the
group's total propensity (free and in custody). Pressure is self-exciting (a Hawkes
process): each victimisation of ``g`` by ``h`` adds ``n * lambda`` to ``X[g, h]``, which
decays at rate ``lambda = ln 2 / half-life``, so one victimisation triggers ``n``
retaliations on average (the branching ratio; Green, Horel & Papachristos 2017). A share
of the jump passes to the victim group's allies. A shooting is attributed to its cause
(background rivalry or a specific earlier victimisation) in proportion to the hazard's
components, as in the stochastic declustering of Hawkes processes.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from scenarios.schema import ViolenceParams

from .city import City


class Violence:
    """Retaliation pressure between groups and the attribution of shootings."""

    def __init__(self, params: ViolenceParams, city: City) -> None:
        g = city.n_groups
        self.params = params
        self.excitation = np.zeros(g)  # X_g: each group's summed retaliation pressure
        self.day = 0
        self.decay = 0.5 ** (1.0 / params.retaliation_half_life_days)
        self.jump = params.retaliation_branching * math.log(2) / params.retaliation_half_life_days
        self.background = params.base_hazard * city.rivalry_strength
        self.rivalry = city.rivalry
        self._rival_cdf = np.cumsum(city.rivalry, axis=1)
        self.allies = [np.flatnonzero(city.alliance[i]) for i in range(g)]
        # per victim group: [event id, day, shooter group, jump]
        self.history: list[deque[tuple[int, int, int, float]]] = [deque() for _ in range(g)]
        self._horizon = 12 * params.retaliation_half_life_days

    def decay_step(self, day: int) -> None:
        """One day of decay of every group's pressure."""
        self.day = day
        self.excitation *= self.decay

    @property
    def pressure(self) -> np.ndarray:
        """``pressure[g, h]``: g's retaliation intensity against h today (shootings/day),
        rebuilt from the victimisation history (for inspection; the model uses X_g)."""
        g = len(self.history)
        out = np.zeros((g, g))
        for victim, hist in enumerate(self.history):
            for _event, day, shooter, jump in hist:
                out[victim, shooter] += jump * self.decay ** (self.day - day)
        return out

    def group_hazard(self, prop_mass: np.ndarray) -> np.ndarray:
        """Per-group hazard per unit propensity: ``b * S_g + X_g / P_g``."""
        with np.errstate(divide="ignore", invalid="ignore"):
            per = np.where(prop_mass > 0, self.excitation / prop_mass, 0.0)
        return self.background + per

    def excite(self, victim_group: int, shooter_group: int, event_id: int, day: int) -> None:
        """A victimisation: the victim group's pressure against the shooters jumps."""
        allies = self.allies[victim_group]
        allies = allies[allies != shooter_group]
        share = self.params.alliance_spillover if len(allies) else 0.0
        own = self.jump * (1.0 - share)
        self.excitation[victim_group] += own
        self.history[victim_group].append((event_id, day, shooter_group, own))
        if share:
            each = self.jump * share / len(allies)
            for a in allies:
                self.excitation[a] += each
                self.history[a].append((event_id, day, shooter_group, each))

    def attribute(
        self, group: int, day: int, prop_mass: float, rng: np.random.Generator
    ) -> tuple[bool, int, int, int]:
        """Cause of a shooting by a member of ``group``: ``(retaliation, target group,
        parent event id, lag days)``; parent and lag are -1 for background shootings."""
        background = self.background[group]
        excite = self.excitation[group] / prop_mass if prop_mass > 0 else 0.0
        total = background + excite
        if total <= 0:
            return False, -1, -1, -1
        if rng.random() * total >= background and excite > 0:
            hist = self.history[group]
            while hist and day - hist[0][1] > self._horizon:
                hist.popleft()
            if hist:
                days = np.fromiter((e[1] for e in hist), dtype=np.float64, count=len(hist))
                jumps = np.fromiter((e[3] for e in hist), dtype=np.float64, count=len(hist))
                w = np.cumsum(jumps * self.decay ** (day - days))
                pick = min(int(np.searchsorted(w, rng.random() * w[-1], side="right")), len(w) - 1)
                parent = hist[pick]
                return True, parent[2], parent[0], day - parent[1]
        cdf = self._rival_cdf[group]
        if cdf[-1] <= 0:
            return False, -1, -1, -1
        target = min(int(np.searchsorted(cdf, rng.random() * cdf[-1], side="right")), len(cdf) - 1)
        return False, target, -1, -1

    def pick_victim(
        self, candidates: np.ndarray, propensity: np.ndarray, rng: np.random.Generator
    ) -> int:
        """A free member of the target group, weighted by propensity^w (-1 if none)."""
        if not len(candidates):
            return -1
        w = propensity[candidates] ** self.params.victim_propensity_weight
        s = w.sum()
        if s <= 0:
            return int(candidates[rng.integers(len(candidates))])
        pick = int(np.searchsorted(np.cumsum(w), rng.random() * s, side="right"))
        return int(candidates[min(pick, len(candidates) - 1)])
