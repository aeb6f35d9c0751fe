"""Figures of the shipped ensemble in docs/validation.md and docs/calibration.md,
generated from results stored in ``docs/calibration/shipped/``: the table of posterior
predictive checks (``gvi validate-model --replicates 20`` with the ensemble and with
``--fixed-parameters``) and the `gvi` effect per parameter set (``effect_by_set.csv``).
The figures are written once, in those files; tests hold them to the shipped ensemble
and the model code (tests/test_ensemble_shipped.py)."""

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


EFFECT_BY_SET = SHIPPED_CHECKS / "effect_by_set.csv"
EFFECT_REPLICATES = 4  # paired runs per set behind effect_by_set.csv
EFFECT_BEGIN = "<!-- effect-by-set:begin (generated: python -m gvi.docs) -->"
EFFECT_END = "<!-- effect-by-set:end -->"
REMAKE_EFFECT = (
    "experiments.ensemble.effect_by_set(ensemble.load(), 'gvi', "
    f"replicates={EFFECT_REPLICATES}).to_csv('{EFFECT_BY_SET.name}', index=False) into "
    "docs/calibration/shipped, then python -m gvi.docs"
)


def _pct(x: float, form: str = ".1f") -> str:
    return f"{x:{form}} %".replace("-", "−")


def effect_by_set_markdown() -> str:
    """The `gvi` effect's distribution over the shipped ensemble's sets against the
    published range (weighted by the sets' weights)."""
    import pandas as pd

    from experiments.abc_smc import weighted_quantile

    frame = pd.read_csv(EFFECT_BY_SET)
    x, w = frame["change"].to_numpy(float), frame["weight"].to_numpy(float)
    w = w / w.sum()
    q05, q25, q50, q75, q95 = (weighted_quantile(x, w, q) for q in (0.05, 0.25, 0.5, 0.75, 0.95))
    p = PATTERNS["gvi_effect"]
    assert p.low is not None and p.high is not None
    published = dict(p.published)
    trials = published["Review 2024, randomised"]
    largest = min(published.values())
    inside = w[(x >= p.low) & (x <= p.high)].sum()
    return "\n".join(
        [
            EFFECT_BEGIN,
            f"Per parameter set of the shipped ensemble ({len(frame)} sets, each its "
            f"{EFFECT_REPLICATES} paired runs of `gvi` and its business as usual from the "
            "set's own seed; `docs/calibration/shipped/effect_by_set.csv`), weighted: median "
            f"**{_pct(q50)}**, 90 % band **{_pct(q05)} to {_pct(q95)}** (quartiles "
            f"{_pct(q25)} and {_pct(q75)}); {100 * inside:.0f} % of the weight lies inside the "
            f"published range {_pct(p.low, 'g')} to {_pct(p.high, 'g')}, "
            f"{100 * w[x > trials].sum():.0f} % above {_pct(trials, 'g')} (randomised trials) "
            f"and {100 * w[x < largest].sum():.0f} % below {_pct(largest, 'g')} (Boston).",
            EFFECT_END,
        ]
    )


BASELINE_BEGIN = "<!-- baseline-patterns:begin (generated: python -m gvi.docs) -->"
BASELINE_END = "<!-- baseline-patterns:end -->"


def baseline_patterns_text(doc: str) -> str:
    """The fixed defaults' baseline patterns in words (README or docs/ODD.md), from the
    stored checks with ``--fixed-parameters`` (``gvi check-patterns baseline`` over the
    same seeds gives the same values; a test holds them to it)."""
    _, fixed = load_checks()
    c = {x["key"]: x for x in fixed["checks"]}

    def v(key: str) -> float:
        return float(c[key]["value"])

    def target(key: str, scale: float = 1.0, unit: str = "", see: str = "") -> str:
        p = PATTERNS[key]
        low, high = (None if b is None else b * scale for b in (p.low, p.high))
        words = f"target {target_text(low, high, strict=p.strict)}{unit}"
        return f"({words}: **fails**, see {see})" if not c[key]["passed"] else f"({words})"

    def chicago(key: str) -> float:
        return dict(PATTERNS[key].published)["Green et al. 2017"]

    chicago_lag, chicago_mean, chicago_cascade = (
        chicago(k) for k in ("retaliation_lag", "retaliation_lag_mean", "cascade_size")
    )
    drift = f"{v('stationarity'):.1f}".replace("-", "−")
    if doc == "readme":
        text = (
            f"`gvi check-patterns baseline` ({fixed['replicates']} seeds): "
            f"{v('volume'):.0f} shootings a year; drift {drift} %/year "
            f"{target('stationarity', unit=' %')}; the top 10 % of members account for "
            f"{100 * v('concentration'):.0f} % of shootings {target('concentration', 100, ' %')}; "
            f"{100 * v('retaliation_share'):.0f} % of shootings are retaliations "
            f"{target('retaliation_share', 100, ' %')}; retaliation lag median "
            f"{v('retaliation_lag'):.0f} days {target('retaliation_lag')} and mean "
            f"{v('retaliation_lag_mean'):.0f} days {target('retaliation_lag_mean')}, against "
            f"Chicago's {chicago_lag:g} and {chicago_mean:g} (Green, Horel & Papachristos "
            "2017); the top 10 % of shootings cause "
            f"{100 * v('follow_on_concentration'):.0f} % of the follow-on shootings "
            f"{target('follow_on_concentration', 100, ' %')}; a cascade holds "
            f"{v('cascade_size'):.2f} shootings on average against Chicago's "
            f"{chicago_cascade:g} {target('cascade_size', see='docs/validation.md')}."
        )
    else:

        def fails(key: str, scale: float = 1.0, unit: str = "") -> str:
            return "" if c[key]["passed"] else " " + target(key, scale, unit, see="below")

        text = (
            f"With the defaults, `gvi check-patterns baseline` gives: {v('volume'):.0f} "
            f"shootings a year, drift {drift} %/year{fails('stationarity', unit=' %')}, the "
            f"top 10 % of members account for {100 * v('concentration'):.0f} % of shootings"
            f"{fails('concentration', 100, ' %')}, {100 * v('retaliation_share'):.0f} % of "
            f"shootings are retaliations{fails('retaliation_share', 100, ' %')}, retaliation "
            f"lag median {v('retaliation_lag'):.0f} days{fails('retaliation_lag')} and mean "
            f"{v('retaliation_lag_mean'):.0f}{fails('retaliation_lag_mean')}, "
            f"{v('cascade_size'):.2f} shootings per cascade{fails('cascade_size')} and the top "
            f"10 % of shootings cause {100 * v('follow_on_concentration'):.0f} % of the "
            f"follow-ons{fails('follow_on_concentration', 100, ' %')}."
        )
    from .demofigures import wrap

    return "\n".join([BASELINE_BEGIN, wrap(text), BASELINE_END])
