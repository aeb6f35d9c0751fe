"""M9 — legitimacy and the moral voice: each member's trust in the partnership.

Trust returns toward the member's own baseline (half-life), rises with a respectful
call-in (moral voice) and with help delivered as promised, and falls when enforcement
hits a member wrongly (misclassified in the audit), with indiscriminate crackdown
sweeps and, for the members it made its promise to, when the partnership lapses (a
broken promise, ``lapse_penalty``; off by default). Trust moderates compliance with the
deterrence message (M6) and uptake of help (M8), and it has consequences both ways
(issue 15):

- witnesses: a shooting's case is cleared with the clearance probability times
  ``1 + witness_weight * (T / T0 - 1)`` (at least 0), where ``T`` and ``T0`` are the
  summed current and baseline trust of the victim's group (Tyler & Fagan 2008);
- defiance: a member whose trust has fallen below their own baseline ``t0`` is more
  violent, by a hazard factor ``1 + defiance * (t0 - t) / t0`` (Sherman 1993), so an
  indiscriminate crackdown can backfire.

Both factors are exactly 1 until trust first moves (and defiance until it first falls),
so business as usual is unchanged by them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from scenarios.schema import LegitimacyParams

if TYPE_CHECKING:
    from .state import MemberState


class Legitimacy:
    def __init__(self, params: LegitimacyParams, state: MemberState) -> None:
        self.use(params)
        self.state = state
        self.moved = False  # has anyone's trust left its baseline?
        self.fallen = False  # has anyone's trust fallen below it? (it then stays below)

    def use(self, params: LegitimacyParams) -> None:
        """Take these parameters (at construction, and when a model branches)."""
        self.params = params
        self.decay = 0.5 ** (1.0 / params.half_life_days)

    def decay_step(self) -> None:
        s = self.state
        n = s.n
        base = s.legitimacy_base[:n]
        lg = s.legitimacy[:n]
        lg -= base
        lg *= self.decay
        lg += base

    def moral_voice(self, who: np.ndarray | int) -> None:
        lg = self.state.legitimacy
        lg[who] += self.params.moral_voice * (1.0 - lg[who])
        self.moved = True

    def kept_promise(self, who: int) -> None:
        lg = self.state.legitimacy
        lg[who] += self.params.kept_promise * (1.0 - lg[who])
        self.moved = True

    def collateral(self, who: int) -> None:
        self.state.legitimacy[who] *= 1.0 - self.params.collateral_penalty
        self.moved = self.fallen = True

    def crackdown(self, who: np.ndarray) -> None:
        self.state.legitimacy[who] *= 1.0 - self.params.crackdown_penalty
        self.moved = self.fallen = True

    def broken_promise(self, who: np.ndarray) -> None:
        """The partnership lapsed (M11): the trust of ``who``, the members it made its
        promise to, drops by ``lapse_penalty`` of itself (nothing happens at 0)."""
        penalty = self.params.lapse_penalty
        if penalty <= 0.0 or not len(who):
            return
        self.state.legitimacy[who] *= 1.0 - penalty
        self.moved = self.fallen = True

    def witness_factor(self, rows: np.ndarray) -> float:
        """What trust does to the clearance of a shooting whose victim's group has the
        members at ``rows``: ``max(0, 1 + witness_weight * (T / T0 - 1))``."""
        w = self.params.witness_weight
        if not self.moved or w == 0.0 or not len(rows):
            return 1.0
        s = self.state
        base = float(s.legitimacy_base[rows].sum())
        if base <= 0.0:
            return 1.0
        ratio = float(s.legitimacy[rows].sum()) / base
        return max(0.0, 1.0 + w * (ratio - 1.0))

    @property
    def defiance_bound(self) -> float:
        """The largest defiance factor anyone can have now (1 until trust first falls)."""
        return 1.0 + self.params.defiance if self.fallen else 1.0

    def defiance_factor(self, rows: np.ndarray) -> np.ndarray | float:
        """Each member's hazard factor from defiance, ``1 + defiance * (t0 - t) / t0`` where
        their trust ``t`` is below their baseline ``t0`` (1 elsewhere)."""
        d = self.params.defiance
        if not self.fallen or d == 0.0:
            return 1.0
        s = self.state
        base = s.legitimacy_base[rows]
        drop = np.maximum(base - s.legitimacy[rows], 0.0)
        share = np.divide(drop, base, out=np.zeros_like(drop), where=base > 0)
        return 1.0 + d * share
