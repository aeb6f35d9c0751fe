"""The targets table of docs/validation.md, generated from the declared patterns
(:data:`experiments.patterns.PATTERNS`)."""

from __future__ import annotations

from experiments.patterns import PATTERNS, Pattern, Use

PATTERNS_BEGIN = "<!-- pattern-table:begin (generated from experiments/patterns.py) -->"
PATTERNS_END = "<!-- pattern-table:end -->"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _used_by(p: Pattern) -> str:
    uses = []
    for use in p.used_in:
        note = " (no verdict)" if use is Use.CHECK_PATTERNS and p.default_city_only else ""
        uses.append(f"{use.value}{note}")
    return ", ".join(uses)


def pattern_table_markdown() -> str:
    """One row per pattern: key, name, level, statistic, unit, target, source and the
    checks that use it; then the published values drawn as reference marks."""
    lines = [
        PATTERNS_BEGIN,
        "| key | pattern | level | statistic | unit | target | source | used by |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for p in PATTERNS.values():
        cells = (p.name, p.level.value, p.statistic, p.unit, p.target_text, p.source)
        lines.append(f"| `{p.key}` | " + " | ".join(map(_cell, cells)) + f" | {_used_by(p)} |")
    lines += ["", "Published values drawn as reference marks in the figures:", ""]
    for p in PATTERNS.values():
        if p.published:
            values = "; ".join(f"{name}: {value:g}" for name, value in p.published)
            lines.append(f"- `{p.key}` ({p.unit}): {values}")
    lines.append(PATTERNS_END)
    return "\n".join(lines)
