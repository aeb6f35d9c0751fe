"""The table of posterior predictive checks in docs/validation.md and docs/calibration.md,
generated from the stored results of ``gvi validate-model --replicates 20`` with the
shipped ensemble and with ``--fixed-parameters`` (``docs/calibration/shipped/``): the
figures are written once, in those two files, and a test holds them to the shipped
ensemble and the model code (tests/test_ensemble_shipped.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from experiments.patterns import PATTERNS, target_text

SHIPPED_CHECKS = Path(__file__).resolve().parent.parent / "docs" / "calibration" / "shipped"
ENSEMBLE_CHECKS = SHIPPED_CHECKS / "ppc_validation.json"
FIXED_CHECKS = SHIPPED_CHECKS / "fixed_validation.json"
CHECKS_BEGIN = "<!-- checks-table:begin (generated: python -m gvi.docs) -->"
CHECKS_END = "<!-- checks-table:end -->"
REMAKE = (
    "gvi validate-model --replicates 20 --out DIR, and with --fixed-parameters; copy each "
    f"validation.json to {ENSEMBLE_CHECKS.name} / {FIXED_CHECKS.name} in "
    "docs/calibration/shipped, then python -m gvi.docs"
)


def load_checks() -> tuple[dict[str, Any], dict[str, Any]]:
    """The stored checks: with the shipped ensemble, and with the fixed defaults."""
    ens, fixed = (
        json.loads(p.read_text(encoding="utf-8")) for p in (ENSEMBLE_CHECKS, FIXED_CHECKS)
    )
    return ens, fixed


def _num(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3g}".replace("-", "−")


def _cells(check: dict[str, Any]) -> str:
    interval = f"{_num(check['ci_low'])} to {_num(check['ci_high'])}"
    return f"{_num(check['value'])} | {interval} | {'yes' if check['passed'] else '**no**'}"


def checks_table_markdown() -> str:
    """Both runs' checks side by side, and how many pass."""
    ens, fixed = load_checks()
    by_key = {c["key"]: c for c in fixed["checks"]}
    lines = [
        CHECKS_BEGIN,
        f"`gvi validate-model --replicates {ens['replicates']}` (root seed {ens['seed']}) with "
        "the shipped ensemble and with `--fixed-parameters`:",
        "",
        "| pattern | target | ensemble | 95 % interval | pass | fixed defaults | 95 % interval | pass |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for c in ens["checks"]:
        p = PATTERNS[c["key"]]
        target = target_text(p.low, p.high, strict=p.strict)
        lines.append(f"| `{c['key']}` | {target} | {_cells(c)} | {_cells(by_key[c['key']])} |")
    n = len(ens["checks"])
    passed = [sum(c["passed"] for c in run["checks"]) for run in (ens, fixed)]
    lines += ["", f"With the ensemble {passed[0]} of {n} checks pass, with the fixed defaults "
              f"{passed[1]}. Behind the values (ensemble; fixed defaults):", ""]  # fmt: skip
    for c in ens["checks"]:
        other = by_key[c["key"]]
        if c["note"] or other["note"]:
            lines.append(f"- `{c['key']}`: {c['note'] or '-'}; {other['note'] or '-'}")
    lines.append(CHECKS_END)
    return "\n".join(lines)
