"""M2 — violence and retaliation.

Each free member's daily hazard of shooting at a rival is

    h_i = p_i * m_i * (b * S_g + X_g / P_g)

with ``p_i`` the member's propensity, ``m_i`` the product of deterrence and support
multipliers (M6, M8), ``b`` the background hazard, ``S_g`` the group's summed rivalry
intensity, ``X_g`` the group's retaliation pressure (shootings/day) and ``P_g`` the
group's total propensity (free and in custody). Pressure is self-exciting (a Hawkes
process): each victimisation of ``g`` by ``h`` adds ``n * lambda`` to ``X[g, h]``, which
decays at rate ``lambda = ln 2 / half-life``, so one victimisation triggers ``n``
retaliations on average (the branching ratio; Green, Horel & Papachristos 2017). The
jump of each victimisation is that mean times a gamma draw of mean 1 and shape ``k``
(``retaliation_dispersion``): most shootings are answered by nothing, a few by many, and
the number of retaliations one shooting causes is negative binomial with dispersion ``k``
(superspreading; Lloyd-Smith et al. 2005). A share of the jump passes to the victim
group's allies. A shooting is attributed to its cause
(background rivalry or a specific earlier victimisation) in proportion to the hazard's
components, as in the stochastic declustering of Hawkes processes.

:class:`Violence` holds the pressure between groups and the rules of one shooting
(cause, victim, outcome); :class:`Shootings` runs the day's shootings on the model and
applies their consequences. Nothing of M2 lives elsewhere.
"""

from __future__ import annotations

import math
from enum import IntEnum
from typing import TYPE_CHECKING

import numpy as np

from scenarios.schema import ViolenceParams

from .city import City
from .events import Cause, Event, EventKind
from .group_dynamics import communicating
from .state import ENGAGED, FREE, changed_groups
from .streams import DailyUniforms

if TYPE_CHECKING:
    from .gvi_model import GVIModel


class ShotOutcome(IntEnum):
    """What a shooting did to its victim (the values are those of the stored data)."""

    UNHARMED = 0
    INJURED = 1
    KILLED = 2


def poisson_inverse(u: float, mean: float) -> int:
    """The Poisson(``mean``) count at quantile ``u`` (inversion; monotone in ``mean``)."""
    k = 0
    p = cdf = float(np.exp(-mean))
    while u > cdf and k < 1000:
        k += 1
        p *= mean / k
        cdf += p
    return k


class VictimHistory:
    """One group's victimisations, oldest first: day, jump, parent event and shooter
    group, in numpy buffers that double when full.

    Entries older than the attribution horizon are dropped from the front by moving a
    start index (:meth:`drop_before`), so attributing a shooting reads only the group's
    recent entries. A full buffer moves its kept entries to the front, into a buffer of
    twice the size if they fill more than half of it: each entry is copied a bounded
    number of times on average, and a buffer grows only with the entries it keeps.
    """

    def __init__(self) -> None:
        self.days = np.zeros(4)  # float64, as the attribution computes with them
        self.jumps = np.zeros(4)
        self.events = np.zeros(4, dtype=np.int64)
        self.shooters = np.zeros(4, dtype=np.int64)
        self.start = 0
        self.end = 0

    def __len__(self) -> int:
        return self.end - self.start

    def append(self, event_id: int, day: int, shooter_group: int, jump: float) -> None:
        """Add the newest entry (days never decrease)."""
        if self.end == len(self.days):
            self._grow()
        e = self.end
        self.days[e] = day
        self.jumps[e] = jump
        self.events[e] = event_id
        self.shooters[e] = shooter_group
        self.end = e + 1

    def _grow(self) -> None:
        """Move the kept entries to the front, into buffers twice their size if they are
        more than half full."""
        keep = self.end - self.start
        cap = len(self.days) * 2 if keep * 2 > len(self.days) else len(self.days)
        for name in ("days", "jumps", "events", "shooters"):
            old = getattr(self, name)
            new = np.zeros(cap, dtype=old.dtype)
            new[:keep] = old[self.start : self.end]
            setattr(self, name, new)
        self.start, self.end = 0, keep

    def drop_before(self, first_day: float) -> None:
        """Drop the entries of days before ``first_day``."""
        days = self.days
        if self.start < self.end and days[self.start] < first_day:
            self.start = int(np.searchsorted(days[self.start : self.end], first_day)) + self.start

    def entries(self) -> list[tuple[int, int, int, float]]:
        """The kept entries as ``(event id, day, shooter group, jump)``, oldest first."""
        sl = slice(self.start, self.end)
        return list(
            zip(
                self.events[sl].tolist(),
                [int(d) for d in self.days[sl].tolist()],
                self.shooters[sl].tolist(),
                self.jumps[sl].tolist(),
                strict=True,
            )
        )


class Violence:
    """Retaliation pressure between groups and the attribution of shootings."""

    def __init__(self, params: ViolenceParams, city: City) -> None:
        g = city.n_groups
        self.params = params
        self.excitation = np.zeros(g)  # X_g: each group's summed retaliation pressure
        self.version = 0  # bumped whenever a victimisation raises X (it only decays else)
        self.day = 0
        self.decay = 0.5 ** (1.0 / params.retaliation_half_life_days)
        self.jump = params.retaliation_branching * math.log(2) / params.retaliation_half_life_days
        self.background = params.base_hazard * city.rivalry_strength
        # per group: its rivals (ascending) and the running sum of their intensities
        rivals = city.rivals
        self._rivals = [rivals.partners(i) for i in range(g)]
        self._rival_cdf = [np.cumsum(rivals.weights(i)) for i in range(g)]
        self.allies = [city.allies.partners(i) for i in range(g)]
        # per victim group: its victimisations (event id, day, shooter group, jump)
        self.history = [VictimHistory() for _ in range(g)]
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
            for _event, day, shooter, jump in hist.entries():
                out[victim, shooter] += jump * self.decay ** (self.day - day)
        return out

    def group_hazard(self, prop_mass: np.ndarray) -> np.ndarray:
        """Per-group hazard per unit propensity: ``b * S_g + X_g / P_g``."""
        per = np.zeros(len(prop_mass))
        np.divide(self.excitation, prop_mass, out=per, where=prop_mass > 0)
        return self.background + per

    def jump_scale(self, rng: np.random.Generator) -> float:
        """The size of one victimisation's jump relative to the mean jump: a gamma draw
        of mean 1 and shape ``retaliation_dispersion`` (variance 1 / shape)."""
        k = self.params.retaliation_dispersion
        return float(rng.gamma(k, 1.0 / k))

    def excite(
        self, victim_group: int, shooter_group: int, event_id: int, day: int, scale: float = 1.0
    ) -> None:
        """A victimisation: the victim group's pressure against the shooters jumps by
        ``scale`` times the mean jump (:meth:`jump_scale`)."""
        allies = self.allies[victim_group]
        allies = allies[allies != shooter_group]
        share = self.params.alliance_spillover if len(allies) else 0.0
        jump = self.jump * scale
        own = jump * (1.0 - share)
        self.version += 1
        self.excitation[victim_group] += own
        self.history[victim_group].append(event_id, day, shooter_group, own)
        if share:
            each = jump * share / len(allies)
            for a in allies:
                self.excitation[a] += each
                self.history[a].append(event_id, day, shooter_group, each)

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
            hist.drop_before(day - self._horizon)
            if len(hist):
                sl = slice(hist.start, hist.end)
                w = np.cumsum(hist.jumps[sl] * self.decay ** (day - hist.days[sl]))
                pick = min(int(np.searchsorted(w, rng.random() * w[-1], side="right")), len(w) - 1)
                at = hist.start + pick
                parent_day = int(hist.days[at])
                return True, int(hist.shooters[at]), int(hist.events[at]), day - parent_day
        cdf = self._rival_cdf[group]
        if not len(cdf) or cdf[-1] <= 0:
            return False, -1, -1, -1
        k = int(np.searchsorted(cdf, rng.random() * cdf[-1], side="right"))
        # past the last rival (a draw that rounds up to the total): the last group, as a
        # search of the row of every group's running sum gives
        rivals = self._rivals[group]
        return False, int(rivals[k]) if k < len(rivals) else len(self.history) - 1, -1, -1

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

    def outcome(self, u: float) -> ShotOutcome:
        """The victim's fate for a uniform draw ``u``: killed with ``p_fatal``, injured
        with ``p_injury``, else unharmed."""
        vp = self.params
        if u < vp.p_fatal:
            return ShotOutcome.KILLED
        if u < vp.p_fatal + vp.p_injury:
            return ShotOutcome.INJURED
        return ShotOutcome.UNHARMED


class Shootings:
    """The day's shootings of a model (M2): who shoots, at whom, and the consequences.

    Each group's hazard is the sum of its free members' hazards; the number of shooters
    is drawn per group (Poisson, by inversion of one daily uniform, so a lower hazard
    never gives more shootings under common random numbers), then each shooter is picked
    in proportion to their own hazard and acts as an agent (:meth:`GroupMember.shoot
    <agents.group_member.GroupMember.shoot>`, which calls :meth:`shoot`).
    """

    def __init__(self, model: GVIModel) -> None:
        self.model = model
        self._daily_u = DailyUniforms(model.streams["violence_daily"])
        self._free_mass_version = -1
        self._free_mass_cache: np.ndarray = np.zeros(model.city.n_groups)
        self._free_seen = np.zeros(0, dtype=bool)  # who was free at the last sum
        # what the last exact bound was computed from, and exp(-bound) just below it
        self._quiet_key: tuple[int, int, bool, float] | None = None
        self._quiet_below = np.zeros(0)

    def daily(self, policy: bool) -> None:
        """The day's shootings; ``policy``: deterrence (M6), support (M8) and defiance
        (M9) multiply each member's hazard.

        The first two are at most 1 and defiance at most ``Legitimacy.defiance_bound``,
        so a group's hazard without them, times that bound, bounds its hazard with them,
        and so does the Poisson draw: a group whose uniform stays
        below ``exp(-bound)`` shoots no one today, and its members' multipliers need
        not be computed (on most days no group passes). The multipliers of the other
        groups are computed over their rows in ascending order, which sums exactly as
        a bincount over every member would.

        Between changes of membership or status, victimisations and defiance, the
        pressure only decays, so every group's bound only falls: a day whose uniforms
        all stay below the last exact ``exp(-bound)`` (less a margin of 1e-12 of it)
        has no shooting, and the bounds are not computed again until one does not."""
        m = self.model
        g = m.city.n_groups
        u = self._daily_u.draw(m.day, 2 * g)
        defiance = m.legitimacy.defiance_bound if policy else 1.0
        key = (m.status_version, m.violence.version, policy, defiance)
        if key == self._quiet_key and not (u[:g] >= self._quiet_below).any():
            return
        m.group_aggregates()
        per_unit = m.violence.group_hazard(m.prop_mass)
        hazard = per_unit * self._free_mass()
        bound = hazard
        if defiance > 1.0:  # defiance can raise a hazard
            bound = hazard * defiance
        below = np.exp(-bound)
        self._quiet_key, self._quiet_below = key, below * (1.0 - 1e-12)
        firing = np.flatnonzero(u[:g] >= below)
        if not len(firing):
            return
        weights = None
        if policy:
            weights, hazard = self._policy_hazard(firing, per_unit)
            keep = u[firing] >= np.exp(-hazard)
            firing, hazard = firing[keep], hazard[keep]
        else:
            hazard = hazard[firing]
        s = m.state
        for grp_id, h in zip(firing.tolist(), hazard.tolist(), strict=True):
            k = poisson_inverse(float(u[grp_id]), h)
            for shooter in self._pick_shooters(grp_id, k, weights, float(u[g + grp_id])):
                if s.status[shooter] == FREE:
                    m.members[shooter].shoot()

    def _policy_hazard(
        self, groups: np.ndarray, per_unit: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Members' hazard weights (propensity x deterrence x support, free members
        only; a full-length array, set on the rows of ``groups``) and the hazard of
        each of ``groups``."""
        m = self.model
        s = m.state
        rows = np.concatenate([m.rows[int(gid)] for gid in groups])
        grp = s.group[rows]
        free = s.status[rows] == FREE
        mult = m.deterrence.multiplier(
            s.risk[rows], s.legitimacy[rows], grp, free, m.comm.on_notice
        )
        if m.support.engaged:
            mult *= 1.0 - m.params.support.hazard_reduction * (s.support[rows] == ENGAGED)
        if m.legitimacy.fallen:
            mult *= m.legitimacy.defiance_factor(rows)
        w = s.propensity[rows] * mult * free
        weights = np.zeros(s.n)
        weights[rows] = w
        mass = np.bincount(grp, weights=w, minlength=m.city.n_groups)[groups]
        return weights, per_unit[groups] * mass

    def _free_mass(self) -> np.ndarray:
        """Propensity of free members per group (cached until a status changes).

        Only the groups with a member who joined, or was freed or taken, since the last
        sum are summed again (found against a copy of who was free then), each over its
        rows in ascending order, as a bincount over every member sums it: the same to the
        last bit as a sum over everyone."""
        m = self.model
        if self._free_mass_version != m.status_version:
            s = m.state
            n = s.n
            free = s.status[:n] == FREE
            groups, rows, sizes = changed_groups(m, free, self._free_seen)
            if sum(sizes) * 4 > n:
                self._free_mass_cache = np.bincount(
                    s.group[:n], weights=s.propensity[:n] * free, minlength=m.city.n_groups
                )
            elif len(groups):
                at = np.concatenate(rows)
                label = np.repeat(np.arange(len(groups)), sizes)
                mass = self._free_mass_cache.copy()
                mass[groups] = np.bincount(
                    label, weights=s.propensity[at] * free[at], minlength=len(groups)
                )
                self._free_mass_cache = mass
            self._free_seen = free
            self._free_mass_version = m.status_version
        return self._free_mass_cache

    def _pick_shooters(self, group: int, k: int, weights: np.ndarray | None, u: float) -> list[int]:
        """``k`` distinct free members of ``group``, in proportion to their hazard."""
        m = self.model
        idx = m.free_members_of(group)
        w = m.state.propensity[idx] if weights is None else weights[idx]
        picks: list[int] = []
        for j in range(min(k, len(idx))):
            total = w.sum()
            if total <= 0:
                break
            r = u if j == 0 else m.streams["violence"].random()
            pos = min(int(np.searchsorted(np.cumsum(w), r * total, side="right")), len(idx) - 1)
            picks.append(int(idx[pos]))
            w = w.copy()
            w[pos] = 0.0
        return picks

    def shoot(self, shooter: int) -> Event | None:
        """Member ``shooter`` shoots at a rival: find the cause and target, pick a
        victim, draw the outcome, log it, and apply the consequences."""
        m = self.model
        s = m.state
        rng = m.streams["violence"]
        g = int(s.group[shooter])
        mass = float(m.prop_mass[g])
        retaliation, target, parent, lag = m.violence.attribute(g, m.day, mass, rng)
        if target < 0:
            return None
        candidates = m.free_members_of(target)
        victim = m.violence.pick_victim(candidates, s.propensity, rng)
        if victim < 0:
            return None
        u = rng.random(2)
        outcome = m.violence.outcome(u[0])
        bystander = bool(u[1] < m.violence.params.p_bystander)
        s.shootings[shooter] += 1
        event = m.log.add(
            m.day,
            EventKind.SHOOTING,
            g,
            (shooter, victim),
            Cause.RETALIATION if retaliation else Cause.RIVALRY,
            ref=parent,
            target=target,
            value=float(lag),
        )
        m.members[victim].be_shot(event, fatal=outcome is ShotOutcome.KILLED)
        self.consequences(event, shooter, outcome, bystander, retaliation)
        return event

    def consequences(
        self, event: Event, shooter: int, outcome: ShotOutcome, bystander: bool, retaliation: bool
    ) -> None:
        """Consequences of a shooting: counts, costs and safety (M12), pressure (M2),
        investigation (M3), and — after rollout — notifications (M5) and the enforcement
        decision (M7)."""
        m = self.model
        t = m.today
        killed = outcome is ShotOutcome.KILLED
        injured = outcome is ShotOutcome.INJURED
        t["shootings"] += 1
        t["fatalities"] += killed
        t["injuries"] += injured
        t["bystander_victims"] += bystander
        t["retaliations"] += retaliation
        m.costs.shooting(fatal=killed, injured=int(injured) + int(bystander))
        m.community.shooting(fatal=killed, bystander=bystander)
        sg, vg = event.group, event.target
        v = m.violence
        v.excite(vg, sg, event.id, m.day, v.jump_scale(m.streams["retaliation"]))
        m.comm.heat[sg] += 1.0
        min(m.investigators, key=lambda u: len(u.cases)).open_case(event.id, shooter, vg)
        if m.policy_on and m.day >= m.rollout_day:
            if m.params.notifications.enabled and communicating(m):
                m.comm.after_shooting(sg, vg, event.id)
            if m.comm.on_notice[sg]:  # answered, or a broken promise (M7)
                m.desk.after_violence(sg, event.id)
