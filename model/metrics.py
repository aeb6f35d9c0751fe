"""The canonical daily metrics: named once, used by data collection, reports, the app
and sensitivity analysis."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import mesa
import numpy as np
import pandas as pd


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

    ``source`` is the model's dict of today's values, keyed in the order of
    :data:`METRIC_NAMES`; collecting appends its values as one row (no reporter calls,
    and none of the per-value ``deepcopy`` Mesa 3.3 makes). ``model_vars`` and
    :meth:`get_model_vars_dataframe` give the columns as Mesa does, as floats.
    """

    def __init__(self, source: dict[str, float]) -> None:
        if tuple(source) != METRIC_NAMES:
            raise ValueError("the metrics source must hold METRIC_NAMES in their order")
        self._rows: list[tuple[float, ...]] = []
        super().__init__(model_reporters={name: _reporter(name) for name in METRIC_NAMES})
        self._source = source

    def collect(self, model: mesa.Model) -> None:
        self._rows.append(tuple(self._source.values()))

    def __deepcopy__(self, memo: dict[int, Any]) -> MetricsCollector:
        """A copy for a copied model (:meth:`~model.GVIModel.branch`): the rows are
        tuples of numbers, so a new list of the same rows is a deep copy."""
        new = copy.copy(self)
        memo[id(self)] = new
        new._rows = list(self._rows)
        new._source = copy.deepcopy(self._source, memo)
        return new

    def _table(self) -> np.ndarray:
        return np.array(self._rows, dtype=np.float64).reshape(len(self._rows), len(METRIC_NAMES))

    @property
    def model_vars(self) -> dict[str, list[float]]:
        """The collected columns, ``{metric: [value per day]}`` (a fresh copy)."""
        table = self._table()
        return {name: table[:, k].tolist() for k, name in enumerate(METRIC_NAMES)}

    @model_vars.setter
    def model_vars(self, _value: dict[str, list[float]]) -> None:
        """Mesa's constructor sets an empty dict; the rows are the store."""

    def get_model_vars_dataframe(self) -> pd.DataFrame:
        return pd.DataFrame(self._table(), columns=list(METRIC_NAMES))


def _reporter(name: str):
    def report(model: mesa.Model) -> float:
        return model.metrics_today[name]

    report.__name__ = name
    return report
