"""The canonical daily metrics: named once, used by data collection, reports, the app
and sensitivity analysis."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import mesa


class MetricKind(StrEnum):
    """COUNT metrics are summed over a period; LEVEL metrics are averaged."""

    COUNT = "count"
    LEVEL = "level"


@dataclass(frozen=True)
class Metric:
    name: str
    kind: MetricKind
    unit: str
    label: str
    label_sv: str


METRICS: tuple[Metric, ...] = (
    Metric("shootings", MetricKind.COUNT, "shootings", "Shootings", "Skjutningar"),
    Metric("fatalities", MetricKind.COUNT, "deaths", "Deaths", "Döda"),
    Metric("injuries", MetricKind.COUNT, "people", "Injured", "Skadade"),
    Metric(
        "bystander_victims", MetricKind.COUNT, "people", "Bystanders hit", "Träffade utomstående"
    ),
    Metric("retaliations", MetricKind.COUNT, "shootings", "Retaliations", "Hämndskjutningar"),
    Metric("arrests", MetricKind.COUNT, "arrests", "Arrests", "Gripanden"),
    Metric(
        "enforcement_arrests",
        MetricKind.COUNT,
        "arrests",
        "Arrests in enforcement actions",
        "Gripanden vid sanktionsinsatser",
    ),
    Metric("incarcerated", MetricKind.LEVEL, "people", "In custody", "Frihetsberövade"),
    Metric(
        "enforcement_actions",
        MetricKind.COUNT,
        "operations",
        "Enforcement actions",
        "Sanktionsinsatser",
    ),
    Metric(
        "unanswered_violence",
        MetricKind.COUNT,
        "shootings",
        "Violence by groups on notice left unanswered",
        "Obesvarat våld av grupper som fått budskapet",
    ),
    Metric(
        "callin_attendees", MetricKind.COUNT, "people", "Call-in attendees", "Deltagare i call-ins"
    ),
    Metric(
        "notifications", MetricKind.COUNT, "people", "Custom notifications", "Individuella samtal"
    ),
    Metric("support_engaged", MetricKind.LEVEL, "people", "In support", "I stödinsats"),
    Metric("exits", MetricKind.COUNT, "people", "Exits from groups", "Avhopp"),
    Metric(
        "perceived_safety", MetricKind.LEVEL, "index 0-100", "Perceived safety", "Upplevd trygghet"
    ),
    Metric(
        "mean_perceived_risk",
        MetricKind.LEVEL,
        "probability",
        "Perceived sanction risk",
        "Upplevd sanktionsrisk",
    ),
    Metric(
        "mean_legitimacy",
        MetricKind.LEVEL,
        "index 0-1",
        "Trust in the partnership",
        "Förtroende för samverkan",
    ),
    Metric(
        "credibility",
        MetricKind.LEVEL,
        "index 0-1",
        "Credibility of the promise",
        "Löftets trovärdighet",
    ),
    Metric("cost_sek", MetricKind.COUNT, "SEK", "Cost", "Kostnad"),
)

METRIC_NAMES: tuple[str, ...] = tuple(m.name for m in METRICS)
COUNT_METRICS: tuple[str, ...] = tuple(m.name for m in METRICS if m.kind is MetricKind.COUNT)


def metric(name: str) -> Metric:
    """The declaration of one metric."""
    for m in METRICS:
        if m.name == name:
            return m
    raise KeyError(f"unknown metric {name!r}; known: {', '.join(METRIC_NAMES)}")


class MetricsCollector(mesa.DataCollector):
    """Mesa's DataCollector for the canonical metrics, one row per day.

    Reporters return plain floats, so collecting skips the per-value ``deepcopy`` that
    Mesa 3.3 makes for every reporter (a third of a small model's run time).
    """

    def __init__(self, source: dict[str, float]) -> None:
        super().__init__(model_reporters={name: _reporter(name) for name in METRIC_NAMES})
        self._source = source

    def collect(self, model: mesa.Model) -> None:
        src = self._source
        for name, column in self.model_vars.items():
            column.append(float(src[name]))


def _reporter(name: str):
    def report(model: mesa.Model) -> float:
        return model.metrics_today[name]

    report.__name__ = name
    return report
