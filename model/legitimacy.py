"""M9 — legitimacy and the moral voice: each member's trust in the partnership.

Trust returns toward the member's own baseline (half-life), rises with a respectful
call-in (moral voice) and with help delivered as promised, and falls when enforcement
hits a member wrongly (misclassified in the audit) and with indiscriminate crackdown
sweeps. Trust moderates compliance with the deterrence message (M6) and uptake of help
(M8).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from scenarios.schema import LegitimacyParams

if TYPE_CHECKING:
    from .state import MemberState


class Legitimacy:
    def __init__(self, params: LegitimacyParams, state: MemberState) -> None:
        self.params = params
        self.state = state
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

    def kept_promise(self, who: int) -> None:
        lg = self.state.legitimacy
        lg[who] += self.params.kept_promise * (1.0 - lg[who])

    def collateral(self, who: int) -> None:
        self.state.legitimacy[who] *= 1.0 - self.params.collateral_penalty

    def crackdown(self, who: np.ndarray) -> None:
        self.state.legitimacy[who] *= 1.0 - self.params.crackdown_penalty
