"""The trainer's sliders, generated from the parameter declarations.

Every parameter declared with ``lever=True`` in :mod:`scenarios.schema` gets a slider;
its label (English and Swedish), unit and limits come from the declaration, its value
from the running scenario. The app keeps no list of its own.

Slider span: the declared range, unless that range is far wider than the values a
trainer would show (more than ten times the default, e.g. 0-500 outreach workers);
then the upper end is the declaration's sensitivity-analysis bound, or five times the
default when none is declared (:func:`experiments.decision.span`, which decision support
uses too). The scenario's own value always lies inside the span.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from experiments.decision import span
from scenarios.schema import ParamSpec, Scenario, parameters


@dataclass(frozen=True)
class Lever:
    """One slider: the parameter it sets and how it moves."""

    spec: ParamSpec
    low: float
    high: float
    step: float

    @property
    def path(self) -> str:
        return self.spec.path

    @property
    def is_int(self) -> bool:
        return self.spec.type == "int"

    def label(self, lang: str) -> str:
        return self.spec.label_sv if lang == "sv" else self.spec.label

    def value_in(self, scenario: Scenario) -> float:
        """The lever's value in ``scenario``."""
        node = scenario
        for part in self.path.split("."):
            node = getattr(node, part)
        return node  # type: ignore[return-value]

    def clamp(self, value: float) -> float:
        value = min(max(value, self.low), self.high)
        return int(round(value)) if self.is_int else round(value, 6)

    def applies(self, scenario: Scenario) -> bool:
        """False when the lever's section is switched off in ``scenario``."""
        section = getattr(scenario, self.spec.section)
        return bool(getattr(section, "enabled", True))


def _span(spec: ParamSpec) -> tuple[float, float]:
    return span(spec)  # one rule for sliders and decision support


def _step(spec: ParamSpec, low: float, high: float) -> float:
    if spec.type == "int":
        return 1.0
    raw = (high - low) / 100
    return 10 ** math.floor(math.log10(raw)) if raw > 0 else 0.01


def levers(scenario: Scenario | None = None) -> list[Lever]:
    """The sliders, in declaration order; spans widened to hold ``scenario``'s values."""
    out = []
    for spec in parameters():
        if not spec.lever:
            continue
        low, high = _span(spec)
        lever = Lever(spec, low, high, _step(spec, low, high))
        if scenario is not None:
            v = float(lever.value_in(scenario))
            lever = Lever(spec, min(low, v), max(high, v), lever.step)
        out.append(lever)
    return out
