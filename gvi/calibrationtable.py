"""The tables of docs/calibration.md, generated from the declarations: the priors of the
shipped pattern calibration (its parameters' declared SA bounds) and every pattern's
distance (target range, scale, the scenarios it needs)."""

from __future__ import annotations

from pathlib import Path

from experiments.calibrate_spec import load_calibration
from experiments.patterns import Use, patterns_for
from experiments.validation import scenarios_for
from scenarios import parameter

CALIBRATION_BEGIN = "<!-- calibration-tables:begin (generated: python -m gvi.docs) -->"
CALIBRATION_END = "<!-- calibration-tables:end -->"
SHIPPED = Path(__file__).resolve().parent.parent / "experiments" / "calibrate_patterns.toml"


def calibration_tables_markdown() -> str:
    """The priors table, then the patterns table."""
    cal = load_calibration(SHIPPED)
    lines = [
        CALIBRATION_BEGIN,
        f"Priors of `experiments/{SHIPPED.name}` (uniform over the declared SA bounds):",
        "",
        "| parameter | prior | unit | default | source |",
        "|---|---|---|---|---|",
    ]
    for p in cal.parameters:
        spec = parameter(p.path)
        prior = f"{p.prior[0]:g} to {p.prior[1]:g}"
        lines.append(f"| `{p.path}` | {prior} | {spec.unit} | {spec.default:g} | {spec.source} |")
    lines += [
        "",
        "Patterns and their distance (a miss counts in units of the scale):",
        "",
        "| pattern | target | scale | unit | scenarios run |",
        "|---|---|---|---|---|",
    ]
    for pat in patterns_for(Use.VALIDATE_MODEL):
        runs = ", ".join(scenarios_for([pat.key]))
        cells = f"{pat.target_text} | {pat.distance_scale:g} | {pat.unit} | {runs}"
        lines.append(f"| `{pat.key}` | {cells} |")
    lines.append(CALIBRATION_END)
    return "\n".join(lines)
