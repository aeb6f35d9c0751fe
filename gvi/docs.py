"""Regenerate the generated parts of the docs: ``python -m gvi.docs``.

docs/ODD.md carries the parameter table between markers; this rewrites it from the
schema's declarations, so the table cannot drift from the code (a test checks it).
docs/validation.md carries the targets table of the declared patterns the same way, and
docs/calibration.md the priors and pattern distances of the shipped calibration; both
carry the table of posterior predictive checks (:mod:`gvi.checkstable`). README.md,
docs/ODD.md and docs/calibration.md carry `make demo`'s figures (:mod:`gvi.demofigures`);
README.md and docs/ODD.md the fixed defaults' baseline patterns (:mod:`gvi.checkstable`).
"""

from __future__ import annotations

import sys
from pathlib import Path

from .calibrationtable import CALIBRATION_BEGIN, CALIBRATION_END, calibration_tables_markdown
from .checkstable import (
    BASELINE_BEGIN,
    BASELINE_END,
    CHECKS_BEGIN,
    CHECKS_END,
    EFFECT_BEGIN,
    EFFECT_END,
    baseline_patterns_text,
    checks_table_markdown,
    effect_by_set_markdown,
)
from .demofigures import CALIBRATION as CALIBRATION_DOC
from .demofigures import ODD as ODD_DOC
from .demofigures import README as README_DOC
from .demofigures import splice_demo
from .paramtable import TABLE_BEGIN, TABLE_END, parameter_table_markdown
from .patterntable import PATTERNS_BEGIN, PATTERNS_END, pattern_table_markdown

ROOT = Path(__file__).resolve().parent.parent
ODD = ROOT / ODD_DOC
VALIDATION = ODD.with_name("validation.md")
CALIBRATION = ROOT / CALIBRATION_DOC
README = ROOT / README_DOC


def splice_table(text: str) -> str:
    """``text`` with the parameter table between the markers replaced."""
    start = text.index(TABLE_BEGIN)
    end = text.index(TABLE_END) + len(TABLE_END)
    return text[:start] + parameter_table_markdown() + text[end:]


def splice_patterns(text: str) -> str:
    """``text`` with the targets table between the pattern-table markers replaced."""
    start = text.index(PATTERNS_BEGIN)
    end = text.index(PATTERNS_END) + len(PATTERNS_END)
    return text[:start] + pattern_table_markdown() + text[end:]


def splice_calibration(text: str) -> str:
    """``text`` with the calibration tables between their markers replaced."""
    start = text.index(CALIBRATION_BEGIN)
    end = text.index(CALIBRATION_END) + len(CALIBRATION_END)
    return text[:start] + calibration_tables_markdown() + text[end:]


def splice_checks(text: str) -> str:
    """``text`` with the checks table and the per-set effects between their markers
    replaced."""
    start = text.index(CHECKS_BEGIN)
    end = text.index(CHECKS_END) + len(CHECKS_END)
    text = text[:start] + checks_table_markdown() + text[end:]
    start = text.index(EFFECT_BEGIN)
    end = text.index(EFFECT_END) + len(EFFECT_END)
    return text[:start] + effect_by_set_markdown() + text[end:]


def splice_baseline(text: str, doc: str) -> str:
    """``text`` with the fixed defaults' baseline patterns between their markers
    replaced (``doc``: "readme" or "odd")."""
    start = text.index(BASELINE_BEGIN)
    end = text.index(BASELINE_END) + len(BASELINE_END)
    return text[:start] + baseline_patterns_text(doc) + text[end:]


def main() -> int:
    docs = (
        (ODD, lambda text: splice_baseline(splice_demo(splice_table(text), ODD_DOC), "odd")),
        (VALIDATION, lambda text: splice_checks(splice_patterns(text))),
        (
            CALIBRATION,
            lambda text: splice_demo(splice_checks(splice_calibration(text)), CALIBRATION_DOC),
        ),
        (README, lambda text: splice_baseline(splice_demo(text, README_DOC), "readme")),
    )
    for path, splice in docs:
        text = path.read_text(encoding="utf-8")
        new = splice(text)
        if new != text:
            path.write_text(new, encoding="utf-8")
            print(f"updated the generated table in {path}")
        else:
            print(f"{path} is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
