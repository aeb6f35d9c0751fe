"""M12 — community: perceived safety and cost accounting (SEK).

Perceived safety (index 0-100) falls with each shooting, more with a death and more
again with a bystander victim, and recovers toward its baseline with a half-life. Costs
add up police hours (investigations, enforcement operation-days, crackdown sweeps,
notifications), call-ins, custody days, outreach worker days, service places in use,
and health and social costs of injuries and deaths; the unit costs are scenario
parameters.
"""

from __future__ import annotations

from scenarios.schema import CommunityParams, CostParams


class Community:
    def __init__(self, params: CommunityParams) -> None:
        self.params = params
        self.safety = params.baseline_safety
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
