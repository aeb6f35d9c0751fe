"""The fit report of ``gvi fit-city``: one self-contained HTML page (English or Swedish)
showing what the city was fitted to, the fitted background hazard with its interval,
observed against simulated shootings year by year, how the fit was made and its limits.

    >>> from gvi.report.fitcity import render_fit_report
    >>> html = render_fit_report(result, lang="sv")   # doctest: +SKIP

The page is laid out by ``templates/fit.html`` with the comparison report's stylesheet
and table pieces; images are embedded, so it opens offline. Its texts are the ``fit``
message catalogue of :mod:`gvi.i18n` (``gvi/i18n/locale/{en,sv}/LC_MESSAGES/fit.po``).
"""

from __future__ import annotations

import math
import string
from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from gvi.i18n import Translator, translator

from .fmt import Fmt
from .page import Row, Value
from .plots import INK, PALETTE, RC, data_uri
from .templates import render

if TYPE_CHECKING:
    from experiments.fitcity import FitResult

SECTION_IDS = ("headline", "years", "posterior", "response", "next", "method", "caveats", "numbers")
SIM, OBS, BAND = PALETTE[0], INK, "#9CC3E0"

DOMAIN = "fit"
EN: Mapping[str, str] = translator(DOMAIN, "en").mapping()
SV: Mapping[str, str] = translator(DOMAIN, "sv").mapping()

# the notes of a fit summary, each with the key of its message
NOTES = {
    "posterior_at_lower_edge": "note_lower",
    "posterior_at_upper_edge": "note_upper",
    "observed_year_outside_range": "note_outside",
}
_SUPERSCRIPT = str.maketrans(
    "-0123456789", "\u207b\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079"
)


def strings(lang: str) -> dict[str, str]:
    """The report's texts in ``lang`` (``en`` or ``sv``): the ``fit`` catalogue, key ->
    text (plural entries in their general form)."""
    if lang not in ("en", "sv"):
        raise ValueError(f"lang must be 'en' or 'sv', got {lang!r}")
    return dict(translator(DOMAIN, lang).mapping())


def _escape_braces(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def _counted(tr: Translator, text: str, values: Mapping[str, Any]) -> str:
    """``text`` with its ``{k:entry}`` fields shown through their plural entries
    (``{groups:groups}``: ``3 groups``); the other placeholders stay for ``fill``."""
    out = []
    for literal, name, spec, conv in string.Formatter().parse(text):
        out.append(_escape_braces(literal))
        if name is None:
            continue
        if spec and spec in tr.plural_keys:
            out.append(_escape_braces(tr.n(spec, values[name])))
        else:
            out.append(
                "{" + name + (f"!{conv}" if conv else "") + (f":{spec}" if spec else "") + "}"
            )
    return "".join(out)


class _Ctx:
    def __init__(self, result: FitResult, lang: str) -> None:
        self.r, self.s, self.t, self.f = result, result.summary, strings(lang), Fmt(lang)
        self.lang, self.tr = lang, translator(DOMAIN, lang)
        self.exp = math.floor(math.log10(result.hazard))

    @property
    def unit(self) -> str:
        return "10" + str(self.exp).translate(_SUPERSCRIPT)

    def hz(self, h: float) -> str:
        """A hazard as ``9.28 × 10⁻⁵`` (decimal comma in Swedish)."""
        return f"{self.f.number(h / 10**self.exp, 2)} \u00d7 {self.unit}"

    def city_name(self) -> str:
        s = self.s
        title = s["title_sv"] if self.lang == "sv" and s["title_sv"] else s["title"]
        return title or s["name"]

    def year(self, t: int) -> str:
        label = self.s["years"][t - 1]
        return str(label) if label is not None else self.tr("year_n", n=t)

    def measure_years(self, measure: str) -> list[dict[str, Any]]:
        return [r for r in self.s["check"]["per_year"] if r["measure"] == measure]


def render_fit_report(result: FitResult, *, lang: str = "en") -> str:
    """The fit report as an HTML document, laid out by ``templates/fit.html``."""
    x = _Ctx(result, lang)
    s = x.s
    header, headline, method = _header(x), _headline(x), _method(x)
    return render(
        "fit.html",
        t=_page_texts(x, header, headline, method),
        lang=lang,
        title=x.tr("title", city=x.city_name()),
        header=header,
        headline=headline,
        years=_years(x),
        posterior_uri=_posterior_plot(x),
        response=_response(x),
        name=s["name"],
        method=method,
        caveats=_caveats(x),
        numbers=_numbers(x),
    )


def _page_texts(
    x: _Ctx, header: dict[str, Any], headline: dict[str, Any], method: dict[str, Any]
) -> dict[str, str]:
    """The texts the template fills in: a message that shows one count in the form for
    that count, and the counts inside a message (``{k:entry}``) shown through their
    plural entries, with the values the template fills in."""
    s, tr = x.s, x.tr
    grid = s["model"]["grid"]
    replicates = s["check"]["replicates"]
    t = dict(x.t)
    t["lead"] = tr.form("lead", len(s["years"]))
    t["hl_check"] = tr.form("hl_check", replicates)
    t["years_intro"] = tr.form("years_intro", replicates)
    t["response_intro"] = tr.form("response_intro", grid[0]["runs"] if grid else 0)
    city = {"groups": header["groups"], "members": header["members"]}
    t["city_value"] = _counted(tr, t["city_value"], city)
    t["city_audit"] = _counted(tr, t["city_audit"], city)
    t["hl_city"] = _counted(tr, t["hl_city"], headline["city"])
    t["method_text"] = _counted(tr, t["method_text"], method)
    return t


def _header(x: _Ctx) -> dict[str, Any]:
    t, s, f = x.t, x.s, x.f
    counts = ", ".join(
        f"{x.year(i + 1)}: {f.number(n, 0)}" for i, n in enumerate(s["observed"]["shootings"])
    )
    return {
        "today": date.today().isoformat(),
        "years": len(s["years"]),
        "counts": counts,
        "city": "city_audit" if s["city"]["audit"] else "city_value",
        "groups": f.number(s["city"]["n_groups"], 0),
        "members": f.number(s["city"]["members"], 0),
        "runs": {k: f.number(s["runs"][k], 0) for k in ("total", "pilot", "grid", "check")},
        "entropy": s["seed_entropy"],
        "links": [(i, t["h_" + i]) for i in SECTION_IDS],
    }


def _headline(x: _Ctx) -> dict[str, Any]:
    s, f = x.s, x.f
    hz = s["fitted"]["violence.base_hazard"]
    check = s["check"]
    total = sum(s["observed"]["shootings"])
    shares = []
    for key, path in (("injured", "violence.p_injury"), ("killed", "violence.p_fatal")):
        if path in s["fitted"]:
            p = s["fitted"][path]
            shares.append(
                {
                    "key": key,
                    "path": path,
                    "median": f.exact(p["median"]),
                    "low": f.number(p["interval90"][0], 3),
                    "high": f.number(p["interval90"][1], 3),
                    "count": f.number(sum(s["observed"][key]), 0),
                    "total": f.number(total, 0),
                }
            )
    return {
        "hazard": {
            "value": x.hz(hz["value"]),
            "low": x.hz(hz["interval90"][0]),
            "high": x.hz(hz["interval90"][1]),
            "default": x.hz(hz["base_value"]),
        },
        "check": {
            "mean": f.number(check["mean_per_year"], 1),
            "low": f.number(check["ci95"][0], 1),
            "high": f.number(check["ci95"][1], 1),
            "n": f.number(check["replicates"], 0),
            "observed": f.number(check["observed_mean_per_year"], 1),
        },
        "city": {
            "groups": f.number(s["city"]["n_groups"], 0),
            "members": f.number(s["city"]["simulated_members_mean"], 1),
            "given": f.number(s["city"]["members"], 0),
        },
        "shares": shares,
        "file": f"{s['name']}.toml",
        "notes": [NOTES[n] for n in s["notes"] if n in NOTES],
    }


def _years(x: _Ctx) -> dict[str, Any]:
    t, s, f = x.t, x.s, x.f
    rows = []
    for measure in ("shootings", "injured", "killed"):
        years = x.measure_years(measure)
        if not years:
            continue
        for i, r in enumerate(years):
            cells = [
                Value(f.number(r["observed"], 0)),
                Value(f.number(r["mean"], 1), f.span(r["ci_low"], r["ci_high"], 1), inline=True),
                Value(f.span(r["range_low"], r["range_high"], 0)),
            ]
            label = f"{t['m_' + measure]}, {x.year(r['year'])}"
            rows.append(Row(label, cells, tr="group-start" if i == 0 else ""))
        if measure == "shootings":
            c = s["check"]
            lo, hi = c["range95_single_years"]
            ci_low, ci_high = c["ci95"]
            cells = [
                Value(f.number(c["observed_mean_per_year"], 1)),
                Value(f.number(c["mean_per_year"], 1), f.span(ci_low, ci_high, 1), inline=True),
                Value(f.span(lo, hi, 0)),
            ]
            rows.append(Row(f"{t['m_shootings']}, {t['m_all_years']}", cells))
    return {"rows": rows, "n": f.number(s["check"]["replicates"], 0), "uri": _years_plot(x)}


def _response(x: _Ctx) -> dict[str, Any]:
    grid = x.s["model"]["grid"]
    return {"n": x.f.number(grid[0]["runs"] if grid else 0, 0), "uri": _response_plot(x)}


def _method(x: _Ctx) -> dict[str, Any]:
    s, f = x.s, x.f
    grid = s["model"]["grid"]
    prior = s["fitted"]["violence.base_hazard"]["prior"]
    return {
        "replicates": f.number(grid[0]["runs"] if grid else 0, 0),
        "points": f.number(len(grid), 0),
        "city_cv": f.pct(100 * s["model"]["city_cv_at_value"]),
        "prior_low": x.hz(prior[0]),
        "prior_high": x.hz(prior[1]),
        "check": f.number(s["check"]["replicates"], 0),
        "shares": any(p in s["fitted"] for p in ("violence.p_injury", "violence.p_fatal")),
    }


def _caveats(x: _Ctx) -> list[str]:
    s = x.s
    keys = ["caveat_pre", "caveat_structure"]
    if not s["city"]["audit"]:
        keys.append("caveat_city")
    if s["observed"]["injured"] is not None or s["observed"]["killed"] is not None:
        keys.append("caveat_counts")
    keys.append("caveat_chance" if s.get("ensemble") is None else "caveat_ensemble")
    return keys


def _numbers(x: _Ctx) -> list[Row]:
    t, s, f = x.t, x.s, x.f
    m, c = s["model"], s["city"]
    grid = m["grid"]
    settings = [
        (t["set_base"], Value(s["base"], code=True)),
        (t["set_group_size"], Value(f.exact(c["group_size_mean"]))),
        (t["set_group_sd"], Value(f.exact(c["group_size_sd"]))),
        (t["set_warmup"], Value(f.number(c["warmup_days"], 0))),
        (t["set_replicates"], Value(f.number(grid[0]["runs"] if grid else 0, 0))),
        (t["set_points"], Value(f.number(len(grid), 0))),
        (t["set_check"], Value(f.number(s["check"]["replicates"], 0))),
        (t["set_expected"], Value(f.number(m["expected_per_year_at_value"], 1))),
        (
            t["set_slope"],
            Value(x.tr("unit_pct_per_pct", value=f.number(m["slope_at_value"], 2))),
        ),
        (t["set_city_cv"], Value(f.pct(100 * m["city_cv_at_value"]))),
        (t["set_within"], Value(f.number(m["dispersion_index_at_value"], 1))),
        (t["set_seed"], Value(f.number(s["seed"], 0))),
    ]
    return [Row(k, [v]) for k, v in settings]


# --- charts -------------------------------------------------------------------------------


def _number_ticks(f: Fmt) -> FuncFormatter:
    def fmt(v: float, _pos: int) -> str:
        if v <= 0:
            return f.number(v, 0)
        d = max(0, min(3, -math.floor(math.log10(v) + 1e-9)))
        return f.number(v, d)

    return FuncFormatter(fmt)


def _log_axis(ax: Any, f: Fmt) -> None:
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.xaxis.set_major_formatter(_number_ticks(f))


def _years_plot(x: _Ctx) -> str:
    t, f = x.t, x.f
    rows = x.measure_years("shootings")
    pos = np.arange(len(rows))
    with rc_context(RC):
        fig = Figure(figsize=(8.5, 3.8), layout="constrained")
        ax = fig.subplots()
        for p, r in zip(pos, rows, strict=True):
            ax.fill_between([p - 0.3, p + 0.3], r["range_low"], r["range_high"], color=BAND,
                            alpha=0.55, lw=0)  # fmt: skip
        mean = np.array([r["mean"] for r in rows])
        err = np.array(
            [[r["mean"] - r["ci_low"] for r in rows], [r["ci_high"] - r["mean"] for r in rows]]
        )
        ax.errorbar(pos + 0.09, mean, yerr=err, fmt="o", color=SIM, ms=7, capsize=5, lw=2)
        ax.plot(pos - 0.09, [r["observed"] for r in rows], "D", color=OBS, ms=8, ls="none")
        ax.set_xticks(pos, [x.year(r["year"]) for r in rows])
        ax.set_xlim(-0.7, len(rows) - 0.3)
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_formatter(_number_ticks(f))
        ax.set_ylabel(t["y_shootings"])
        handles = [
            Line2D([], [], color=OBS, marker="D", ls="none", ms=8, label=t["leg_observed"]),
            Line2D([], [], color=SIM, marker="o", lw=2, label=t["leg_mean"]),
            Patch(color=BAND, alpha=0.55, label=t["leg_range"]),
        ]
        fig.legend(handles=handles, loc="outside upper center", ncol=3, frameon=False)
        return data_uri(fig)


def _posterior_plot(x: _Ctx) -> str:
    t, f, s = x.t, x.f, x.s
    post = x.r.posterior
    scale = 10.0**x.exp
    h = post["hazard"].to_numpy() / scale
    dens = post["density"].to_numpy()
    hz = s["fitted"]["violence.base_hazard"]
    lo, hi = (v / scale for v in hz["interval90"])
    with rc_context(RC):
        fig = Figure(figsize=(8.5, 3.6), layout="constrained")
        ax = fig.subplots()
        inside = (h >= lo) & (h <= hi)
        ax.fill_between(h[inside], 0, dens[inside], color=SIM, alpha=0.25, lw=0)
        ax.plot(h, dens, color=SIM, lw=2)
        ax.axvline(hz["value"] / scale, color=INK, lw=1.6)
        base = hz["base_value"] / scale
        handles = [
            Line2D([], [], color=SIM, lw=2, label=t["y_density"]),
            Patch(color=SIM, alpha=0.25, label=t["leg_interval"]),
            Line2D([], [], color=INK, lw=1.6, label=t["leg_median"]),
        ]
        if h.min() <= base <= h.max():
            ax.axvline(base, color=PALETTE[1], lw=1.3, ls=":")
            handles.append(Line2D([], [], color=PALETTE[1], lw=1.3, ls=":", label=t["leg_default"]))
        _log_axis(ax, f)
        ax.set_xlim(h.min(), h.max())
        ax.set_ylim(bottom=0)
        ax.set_yticks([])
        ax.set_xlabel(x.tr("x_hazard", unit="\u00d7 " + x.unit))
        ax.set_ylabel(t["y_density"])
        fig.legend(handles=handles, loc="outside upper center", ncol=len(handles), frameon=False)
        return data_uri(fig)


def _response_plot(x: _Ctx) -> str:
    t, f, s = x.t, x.f, x.s
    scale = 10.0**x.exp
    grid = x.r.grid
    post = x.r.posterior
    hz = s["fitted"]["violence.base_hazard"]
    with rc_context(RC):
        fig = Figure(figsize=(8.5, 4.0), layout="constrained")
        ax = fig.subplots()
        lo, hi = (v / scale for v in hz["interval90"])
        ax.axvspan(lo, hi, color=SIM, alpha=0.12, lw=0)
        ax.plot(post["hazard"] / scale, post["mean_per_year"], color=SIM, lw=2)
        g = grid["hazard"].to_numpy() / scale
        mean = grid["mean_per_year"].to_numpy()
        err = np.vstack([mean - grid["ci_low"].to_numpy(), grid["ci_high"].to_numpy() - mean])
        ax.errorbar(g, mean, yerr=err, fmt="o", color=INK, ms=5, capsize=3, lw=1.2)
        ax.axhline(s["observed"]["mean_per_year"], color=PALETTE[1], lw=1.5, ls="--")
        _log_axis(ax, f)
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_formatter(_number_ticks(f))
        ax.set_xlabel(x.tr("x_hazard", unit="\u00d7 " + x.unit))
        ax.set_ylabel(t["y_shootings"])
        handles = [
            Line2D([], [], color=INK, marker="o", ms=5, lw=1.2, label=t["leg_grid"]),
            Line2D([], [], color=SIM, lw=2, label=t["leg_curve"]),
            Line2D([], [], color=PALETTE[1], lw=1.5, ls="--", label=t["leg_obs_mean"]),
            Patch(color=SIM, alpha=0.12, label=t["leg_interval"]),
        ]
        fig.legend(handles=handles, loc="outside upper center", ncol=2, frameon=False)
        return data_uri(fig)
