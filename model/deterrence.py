"""M6 — deterrence belief (credibility), with M10's peer pressure and M9's moderation.

Each member holds a perceived risk ``r`` of a group sanction. It decays toward the
baseline, rises with the message (call-in, custom notification, second-hand), rises
when a sanction is seen on the own group or — publicised — on another group on notice,
and falls when violence by a group on notice goes unpunished.

The partnership's *credibility* ``c`` (one number for the city, 1 at rollout) scales how
far any message moves perceived risk: a message heard is worth ``strength * c``. Each
sanction delivered closes a share of the gap to 1 (``credibility_gain``); each act of
violence by a group on notice that goes unanswered cuts ``c`` by ``credibility_loss``. A
partnership that warns but does not follow through soon talks to people who no longer
listen, and the perceived risk it raised decays with its half-life (NNSC; Braga, Hureau
& Winship 2008).

The hazard multiplier is ``1 - sensitivity * excess * compliance``, where ``excess`` is
the effective risk above baseline scaled to [0, 1] and ``compliance = 1 - w + w * trust``
(M9). In a group on notice peers add to it: the effective risk is
``r + pi * (mean_g(r) - r0) * (1 - r)``, with ``pi`` the peer pressure and ``mean_g(r)`` the
group's mean — members restrain each other because the whole group answers for one
member's violence (collective accountability, M10).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from scenarios.schema import DeterrenceParams

if TYPE_CHECKING:
    from .state import MemberState


def hear(
    state: MemberState, who: np.ndarray | int, strength: float, *, inform: bool = True
) -> None:
    """A message is heard (M5/M6): the perceived risk of ``who`` moves toward 1 by
    ``strength`` (already scaled by credibility, :meth:`Deterrence.message`), and they
    count as informed, so they can pass the message on along their ties. The one place
    of this rule: call-ins, custom notifications, second-hand word, and a sanction seen
    (M7) all raise risk through it. A crackdown sweep raises risk without a message
    (``inform=False``). ``who`` holds no row twice."""
    risk = state.risk
    risk[who] += strength * (1.0 - risk[who])
    if inform:
        state.informed[who] = True
        state.informed_version += 1


def shrink_excess(x: np.ndarray, baseline: float, keep: float) -> None:
    """In place, ``x = baseline + (x - baseline) * keep``: the rule by which belief in a
    sanction is lost (:meth:`Deterrence.unlearn`; the enforcement desk applies it to
    slices of a day's losses at once)."""
    np.subtract(x, baseline, out=x)
    np.multiply(x, keep, out=x)
    np.add(x, baseline, out=x)


class Deterrence:
    """Daily decay of perceived risk and the deterrence hazard multiplier."""

    def __init__(self, params: DeterrenceParams, peer_pressure: float, n_groups: int) -> None:
        self.use(params, peer_pressure)
        self.n_groups = n_groups
        self.credibility = 1.0

    def use(self, params: DeterrenceParams, peer_pressure: float) -> None:
        """Take these parameters (at construction, and when a model branches)."""
        self.params = params
        self.peer_pressure = peer_pressure
        self.decay = 0.5 ** (1.0 / params.half_life_days)

    def message(self, strength: float) -> float:
        """What a message of nominal ``strength`` is worth today (scaled by credibility)."""
        return strength * self.credibility

    def kept_promise(self) -> None:
        """A sanction was delivered as promised: credibility rises."""
        self.credibility += self.params.credibility_gain * (1.0 - self.credibility)

    def broken_promise(self) -> None:
        """Violence by a group on notice went unanswered: credibility falls."""
        self.credibility *= 1.0 - self.params.credibility_loss

    def decay_step(self, risk: np.ndarray) -> None:
        r0 = self.params.baseline_risk
        risk -= r0
        risk *= self.decay
        risk += r0

    def multiplier(
        self,
        risk: np.ndarray,
        legitimacy: np.ndarray,
        group: np.ndarray,
        free: np.ndarray,
        on_notice: np.ndarray,
    ) -> np.ndarray:
        """Hazard multiplier per member (1 = no deterrence)."""
        p = self.params
        eff = risk
        if self.peer_pressure > 0 and on_notice.any():
            w = np.bincount(group, weights=free, minlength=self.n_groups)
            tot = np.bincount(group, weights=risk * free, minlength=self.n_groups)
            with np.errstate(divide="ignore", invalid="ignore"):
                mean = np.where(w > 0, tot / w, p.baseline_risk)
            peer = self.peer_pressure * on_notice * np.maximum(mean - p.baseline_risk, 0.0)
            eff = risk + peer[group] * (1.0 - risk)
        excess = np.clip((eff - p.baseline_risk) / (1.0 - p.baseline_risk), 0.0, 1.0)
        compliance = 1.0 - p.legitimacy_weight + p.legitimacy_weight * legitimacy
        return 1.0 - p.sensitivity * excess * compliance

    def unlearn(self, risk: np.ndarray, who: np.ndarray, strength: float) -> None:
        """Excess risk of ``who`` shrinks by ``strength`` (violence went unpunished)."""
        x = risk[who]
        shrink_excess(x, self.params.baseline_risk, 1.0 - strength)
        risk[who] = x
