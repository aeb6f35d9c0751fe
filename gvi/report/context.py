"""What every section needs: the comparison, the strings and the number format; and
what every part of the comparison template shares (:meth:`Ctx.shared`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import data
from .fmt import Fmt
from .vocab import period

if TYPE_CHECKING:
    from experiments.comparison import Comparison


@dataclass(frozen=True)
class Ctx:
    c: Comparison
    t: dict[str, str]
    f: Fmt

    @property
    def lang(self) -> str:
        return self.f.lang

    def title(self, scenario: str) -> str:
        """A scenario's display title in the report's language."""
        return self.c.scenario(scenario).display_title(self.lang)

    @property
    def base_kind(self) -> str:
        """How the report names the baseline: ``twin`` (business as usual), ``titled``
        (its title: a policy scenario, or one with a title of its own) or ``named``
        (``business as usual (name)``)."""
        scenario = self.c.scenario(self.c.baseline)
        if self.c.baseline_is_twin:
            return "twin"
        if scenario.intervention or scenario.title:
            return "titled"
        return "named"

    @property
    def where(self) -> str:
        """`` in the same city`` — only when it is true."""
        return self.t["where_same" if self.c.same_city else "where_other"]

    def shared(self) -> dict[str, Any]:
        """The template variables every section uses."""
        c = self.c
        return {
            "t": self.t,
            "lang": self.lang,
            "title": self.t["title"],
            "titles": {n: self.title(n) for n in c.names},
            "baseline": c.baseline,
            "same_city": c.same_city,
            "base_kind": self.base_kind,
            "where": self.where,
            "replicates": c.replicates,
            "post_period": period(data.post_days(c), self.lang),
            "names": list(c.names),
            "others": data.others(c),
        }
