"""What every section needs: the comparison, the strings and the number format."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .fmt import Fmt
from .page import esc, fill, name

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
        """A scenario's display title in the report's language, as running-text markup."""
        return name(self.c.scenario(scenario).display_title(self.lang))

    @property
    def base(self) -> str:
        """The baseline's title as running-text markup."""
        return self.title(self.c.baseline)

    @property
    def base_phrase(self) -> str:
        """``business as usual`` for a twin baseline; a named business-as-usual baseline
        by its title (``business as usual (name)`` when it has none); else its title."""
        scenario = self.c.scenario(self.c.baseline)
        if self.c.baseline_is_twin:
            return esc(self.t["business_as_usual"])
        if scenario.intervention or scenario.title:
            return self.base
        return fill(self.t["bau_named"], name=self.base)

    @property
    def where(self) -> str:
        """`` in the same city`` — only when it is true."""
        return esc(self.t["where_same" if self.c.same_city else "where_other"])
