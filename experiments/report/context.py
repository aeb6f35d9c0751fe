"""What every section needs: the comparison, the strings and the number format."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .fmt import Fmt
from .page import fill, name

if TYPE_CHECKING:
    from ..compare import Comparison


@dataclass(frozen=True)
class Ctx:
    c: Comparison
    t: dict[str, str]
    f: Fmt

    @property
    def lang(self) -> str:
        return self.f.lang

    @property
    def base(self) -> str:
        """The baseline's name as running-text markup."""
        return name(self.c.baseline)

    @property
    def base_phrase(self) -> str:
        """``business as usual (baseline)`` when the baseline has no policy, else its name."""
        scenario = self.c.scenarios[self.c.names.index(self.c.baseline)]
        if scenario.intervention:
            return self.base
        return fill(self.t["bau_named"], name=self.base)
