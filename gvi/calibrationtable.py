"""The tables of docs/calibration.md, generated from the declarations: the priors of the
shipped pattern calibration (its parameters' declared SA bounds) and every pattern's
distance (target range, scale, the scenarios it needs); and, from the shipped posterior
ensemble, each parameter's posterior against its prior."""

from __future__ import annotations

from pathlib import Path

from experiments.calibrate_spec import Calibration, load_calibration
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
    lines += ["", *posterior_markdown(cal)]
    lines.append(CALIBRATION_END)
    return "\n".join(lines)


IDENTIFIED, WEAK = 0.5, 0.2  # how much narrower than the prior's the 90 % interval is


def identification(narrowing: float) -> str:
    """A parameter's 90 % posterior interval against its prior's (1 - width ratio)."""
    if narrowing >= IDENTIFIED:
        return "identified"
    return "weakly" if narrowing >= WEAK else "not identified"


def posterior_markdown(cal: Calibration) -> list[str]:
    """Per calibrated parameter: prior, default, weighted posterior median and 90 %
    interval, how much narrower that is than the prior's 90 % (``narrowing``), and
    whether the patterns identify it (>= 0.5 identified, >= 0.2 weakly)."""
    from experiments import ensemble
    from experiments.abc_smc import weighted_quantile

    try:
        ens = ensemble.load()
    except ensemble.EnsembleMissing:
        return ["The posterior ensemble is not shipped yet."]
    w = ens.weights
    lines = [
        f"Posterior of the shipped ensemble ({len(ens)} sets, weighted; narrowing = 1 − the "
        "90 % interval's width over the prior's 90 %; identified ≥ 0.5, weakly ≥ 0.2):",
        "",
        "| parameter | prior | default | median | 90 % interval | narrowing | patterns |",
        "|---|---|---|---|---|---|---|",
    ]
    for p in cal.parameters:
        x = ens.sets[p.path].to_numpy(dtype=float)
        q05, q50, q95 = (weighted_quantile(x, w, q) for q in (0.05, 0.5, 0.95))
        narrowing = 1.0 - (q95 - q05) / (0.9 * (p.prior[1] - p.prior[0]))
        cells = (
            f"{p.prior[0]:g} to {p.prior[1]:g} | {parameter(p.path).default:g} | {q50:.3g} | "
            f"{q05:.3g} to {q95:.3g} | {narrowing:.2f} | {identification(narrowing)}"
        )
        lines.append(f"| `{p.path}` | {cells} |")
    return lines
