"""M12 — community: perceived safety and cost accounting (SEK).

Perceived safety (index 0-100) falls with each shooting, more with a death and more
again with a bystander victim, and recovers toward its baseline with a half-life. Costs
add up police hours (investigations, enforcement operation-days, crackdown sweeps,
notifications), call-ins, custody days, outreach worker days, service places in use,
and health and social costs of injuries and deaths; the unit costs are scenario
parameters. The other submodels only report what they did (:class:`Costs`); every price
is applied here.
"""

from __future__ import annotations

from scenarios.schema import CommunityParams, CostParams


class Community:
    """Perceived safety of the city's residents."""

    def __init__(self, params: CommunityParams) -> None:
        self.use(params)
        self.safety = params.baseline_safety

    def use(self, params: CommunityParams) -> None:
        """Take these parameters (at construction, and when a model branches)."""
        self.params = params
        self.decay = 0.5 ** (1.0 / params.recovery_half_life_days)

    def recover(self) -> None:
        b = self.params.baseline_safety
        self.safety = b + (self.safety - b) * self.decay

    def shooting(self, *, fatal: bool, bystander: bool) -> None:
        p = self.params
        loss = p.shooting_impact + fatal * p.fatal_impact + bystander * p.bystander_impact
        self.safety = max(0.0, self.safety - loss)


def daily_running_cost(
    c: CostParams, *, incarcerated: int, workers: int, engaged: int, operations: int
) -> float:
    """Costs that accrue every day (custody, outreach, services, operations)."""
    return (
        incarcerated * c.custody_day_sek
        + workers * c.outreach_worker_day_sek
        + engaged * c.service_place_day_sek
        + operations * c.enforcement_hours_per_day * c.police_hour_sek
    )


def shooting_cost(c: CostParams, *, fatal: bool, injured: int) -> float:
    """Investigation and health/social costs of one shooting."""
    return (
        c.investigation_hours * c.police_hour_sek + fatal * c.fatality_sek + injured * c.injury_sek
    )


class Costs:
    """The day's cost ledger: submodels report an activity as it happens, this prices
    it; :meth:`close_day` adds the costs that accrue every day."""

    def __init__(self, params: CostParams) -> None:
        self.params = params
        self.today = 0.0  # SEK so far today

    def new_day(self) -> None:
        self.today = 0.0

    def shooting(self, *, fatal: bool, injured: int) -> None:
        """A shooting (investigation, health and social costs; M2, M3)."""
        self.today += shooting_cost(self.params, fatal=fatal, injured=injured)

    def callin(self) -> None:
        """A call-in held (M5)."""
        self.today += self.params.callin_sek

    def notifications(self, members: int) -> None:
        """Custom notifications delivered to ``members`` members (M5)."""
        c = self.params
        self.today += members * c.notification_hours * c.police_hour_sek

    def sweep(self) -> None:
        """A crackdown sweep (M7's alternative)."""
        c = self.params
        self.today += c.sweep_hours * c.police_hour_sek

    def close_day(self, *, incarcerated: int, workers: int, engaged: int, operations: int) -> float:
        """The day's total: reported activities plus the running costs."""
        return self.today + daily_running_cost(
            self.params,
            incarcerated=incarcerated,
            workers=workers,
            engaged=engaged,
            operations=operations,
        )
