"""The fit report of ``gvi fit-city``: one self-contained HTML page (English or Swedish)
showing what the city was fitted to, the fitted background hazard with its interval,
observed against simulated shootings year by year, how the fit was made and its limits.

    >>> from gvi.report.fitcity import render_fit_report
    >>> html = render_fit_report(result, lang="sv")   # doctest: +SKIP

The page is laid out by ``templates/fit.html`` with the comparison report's stylesheet
and table pieces; images are embedded, so it opens offline.
"""

from __future__ import annotations

import math
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from .fmt import Fmt
from .page import Row, Value
from .plots import INK, PALETTE, RC, data_uri
from .templates import render

if TYPE_CHECKING:
    from experiments.fitcity import FitResult

SECTION_IDS = ("headline", "years", "posterior", "response", "next", "method", "caveats", "numbers")
SIM, OBS, BAND = PALETTE[0], INK, "#9CC3E0"

EN: dict[str, str] = {
    "title": "Fitting {city} to its own counts",
    "lead": (
        "Business as usual in the city, simulated, with the background level of violence set "
        "so that the model reproduces the shootings the city counted in the {n} years before "
        "the rollout. The fitted city is the starting point for comparing a rollout with "
        "business as usual."
    ),
    "meta_date": "Report date",
    "meta_counts": "Shootings counted",
    "meta_city": "City",
    "meta_runs": "Simulation runs",
    "meta_entropy": "Root seed entropy",
    "city_value": "{groups} groups, {members} members",
    "city_audit": "{groups} groups, {members} members (group audit)",
    "runs_value": "{total} ({pilot} to find the level, {grid} on the grid, {check} to check)",
    "contents": "Contents",
    "h_headline": "Result",
    "h_years": "Observed and simulated, year by year",
    "h_posterior": "How sure the fit is",
    "h_response": "Shootings against the background hazard",
    "h_next": "Next: compare a rollout",
    "h_method": "How the fit was made",
    "h_caveats": "Limits",
    "h_numbers": "Settings and figures",
    "hl_hazard": (
        "Fitted background hazard ({path}): {value} per day, 90% interval {low} to {high} "
        "(the default of the base scenario is {default})."
    ),
    "hl_check": (
        "At this value business as usual gives {mean} shootings a year (95% interval "
        "{low} to {high}, {n} runs). The city counted {observed} a year."
    ),
    "hl_city": (
        "The simulated cities have {groups} groups and on average {members} members (the "
        "counts given: {given})."
    ),
    "hl_share_injured": (
        "Share of shootings in which someone was injured: {value} (90% interval {low} to "
        "{high}; {count} of {total} shootings)."
    ),
    "hl_share_killed": (
        "Share of shootings in which someone was killed: {value} (90% interval {low} to "
        "{high}; {count} of {total} shootings)."
    ),
    "hl_file": "The fitted scenario is in {file}.",
    "years_intro": (
        "Each year's count beside the fitted city's simulated years: the mean over {n} runs "
        "with its 95% interval, and the range that holds 95% of single simulated years. That "
        "range shows how much one year can differ from the next in a city like this by chance "
        "alone."
    ),
    "col_year": "Measure, year",
    "col_observed": "Observed",
    "col_mean": "Simulated mean (95% interval)",
    "col_range": "95% of simulated years",
    "m_shootings": "Shootings",
    "m_injured": "Shootings with someone injured",
    "m_killed": "Shootings with someone killed",
    "m_all_years": "mean of the years",
    "year_n": "Year {n}",
    "fig_years": (
        "Shootings per year: observed (black), the simulated mean with its 95% interval "
        "(blue) and the range holding 95% of simulated single years (light blue)."
    ),
    "leg_observed": "Observed",
    "leg_mean": "Simulated mean, 95% interval",
    "leg_range": "95% of simulated years",
    "y_shootings": "Shootings per year",
    "posterior_intro": (
        "How plausible each value of the background hazard is, given the counts (the "
        "posterior). The shaded part holds 90% of it; the line marks the median, the value "
        "the scenario uses. The interval is wide: a few years of counts from one city cannot "
        "tell a city with a high background hazard and few rivalries from one with a lower "
        "hazard and more rivalries, and single years vary a lot by chance."
    ),
    "fig_posterior": "Posterior of the background hazard (flat prior on its logarithm).",
    "x_hazard": "Background hazard, {unit} per day",
    "y_density": "Plausibility",
    "leg_interval": "90% interval",
    "leg_median": "Median (fitted value)",
    "leg_default": "Default of the base scenario",
    "response_intro": (
        "Each point is the mean of {n} simulated runs of the city at one value of the "
        "background hazard, with its 95% interval; the line is the smooth curve fitted to "
        "them. More background violence gives more shootings, but less than in proportion: "
        "more shooters end up in custody, and retaliation is bounded by the city's groups."
    ),
    "fig_response": (
        "Simulated shootings per year against the background hazard. Dashed: the observed "
        "mean; shaded: the 90% interval of the fit."
    ),
    "leg_grid": "Simulated mean, 95% interval",
    "leg_curve": "Fitted curve",
    "leg_obs_mean": "Observed mean",
    "next_intro": (
        "The fitted scenario is business as usual of your city. To see what a rollout could "
        "do, describe it in a file of its own that extends the fitted one and switches GVI "
        "on, for example:"
    ),
    "next_after": (
        "Then run {command}: a scenario with GVI switched on is compared with business as "
        "usual of its own city, the same city with every policy off. Put the two files in "
        "the same folder, or write the path to the fitted file after extends."
    ),
    "next_comment": "my city with GVI from year 2",
    "method_text": (
        "The city is simulated as business as usual: every policy off, a warm-up that is "
        "not counted, then one simulated year for each year counted.\n"
        "A short first round of runs finds roughly the right level of background violence. "
        "Then the city is run {replicates} times at each of {points} values of the background "
        "hazard on a logarithmic scale around that level; where the fit still has weight at "
        "an end, more values are added.\n"
        "A smooth curve gives the mean number of shootings a year at every value. The spread "
        "comes from the runs: shootings cluster (one shooting leads to others), and cities of "
        "the same size differ in their rivalries and members, so the years of one city vary "
        "around its own level (here by {city_cv} from city to city).\n"
        "For every value of the background hazard the model then tells how likely the counted "
        "years are; with all values equally plausible beforehand (on a logarithmic scale, "
        "from {prior_low} to {prior_high}) this gives the posterior above, its median and "
        "its 90% interval.\n"
        "Finally the city is run {check} more times at the fitted value, with new random "
        "numbers, to check that it reproduces the counts."
    ),
    "method_shares": (
        "The shares of shootings in which someone was injured or killed are the counted "
        "shares, with an interval for the chance in a few years of counts."
    ),
    "caveat_pre": (
        "The fit describes the years counted. If violence was rising or falling, the fitted "
        "level is their average, and the model keeps it steady."
    ),
    "caveat_structure": (
        "Only the background level of violence is fitted. How strongly violence answers "
        "violence, clearance and custody keep the base scenario's values, which the counts "
        "cannot tell apart from the background level."
    ),
    "caveat_city": (
        "Without a group audit, rivalries and members are drawn at random for each run: the "
        "interval includes not knowing them."
    ),
    "caveat_counts": (
        "Counts of injured and killed in police statistics are people; the model hits at "
        "most one person per shooting, so they are read as shootings with someone injured "
        "or killed."
    ),
    "caveat_chance": (
        "The intervals cover chance and what a few years of counts can tell, not errors in "
        "the model itself."
    ),
    "note_lower": (
        "Part of the posterior lies at the lowest background hazard tried: the interval "
        "may reach lower still."
    ),
    "note_upper": (
        "Part of the posterior lies at the highest background hazard tried: the interval "
        "may reach higher still."
    ),
    "note_outside": (
        "At least one counted year lies outside the range of 95% of simulated years: "
        "something in that year was unusual, or the city differs from the model."
    ),
    "col_setting": "Setting",
    "col_value": "Value",
    "set_base": "Base scenario",
    "set_group_size": "Mean group size set (city.group_size_mean)",
    "set_group_sd": "Group size spread (city.group_size_sd)",
    "set_warmup": "Warm-up, not counted (days)",
    "set_replicates": "Runs per grid value",
    "set_points": "Values on the grid",
    "set_check": "Runs at the fitted value",
    "set_slope": "Rise in shootings for 1% more background hazard",
    "set_city_cv": "Spread of the level between cities (coefficient of variation)",
    "set_within": "Spread of single years: variance / mean (1 = chance alone)",
    "set_expected": "Shootings a year on the fitted curve at the fitted value",
    "set_seed": "Seed",
    "unit_pct_per_pct": "{value}%",
}

SV: dict[str, str] = {
    "title": "Anpassning av {city} till stadens egna siffror",
    "lead": (
        "Ordinarie arbete i staden, simulerat, med bakgrundsnivån av våld vald så att "
        "modellen återger de skjutningar staden räknade de {n} åren före starten. Den "
        "anpassade staden är utgångspunkten för att jämföra en insats med ordinarie arbete."
    ),
    "meta_date": "Rapportdatum",
    "meta_counts": "Räknade skjutningar",
    "meta_city": "Stad",
    "meta_runs": "Simuleringar",
    "meta_entropy": "Rotfröets entropi",
    "city_value": "{groups} grupper, {members} medlemmar",
    "city_audit": "{groups} grupper, {members} medlemmar (kartläggning)",
    "runs_value": "{total} ({pilot} för att hitta nivån, {grid} i rutnätet, {check} som kontroll)",
    "contents": "Innehåll",
    "h_headline": "Resultat",
    "h_years": "Räknat och simulerat, år för år",
    "h_posterior": "Hur säker anpassningen är",
    "h_response": "Skjutningar mot grundrisken",
    "h_next": "Nästa steg: jämför en insats",
    "h_method": "Så gjordes anpassningen",
    "h_caveats": "Begränsningar",
    "h_numbers": "Inställningar och siffror",
    "hl_hazard": (
        "Anpassad grundrisk för skjutning ({path}): {value} per dag, 90-procentsintervall "
        "{low} till {high} (grundscenariots standardvärde är {default})."
    ),
    "hl_check": (
        "Med det värdet ger ordinarie arbete {mean} skjutningar om året "
        "(95-procentsintervall {low} till {high}, {n} körningar). Staden räknade {observed} "
        "om året."
    ),
    "hl_city": (
        "De simulerade städerna har {groups} grupper och i genomsnitt {members} medlemmar "
        "(angivet: {given})."
    ),
    "hl_share_injured": (
        "Andel skjutningar där någon skadades: {value} (90-procentsintervall {low} till "
        "{high}; {count} av {total} skjutningar)."
    ),
    "hl_share_killed": (
        "Andel skjutningar där någon dödades: {value} (90-procentsintervall {low} till "
        "{high}; {count} av {total} skjutningar)."
    ),
    "hl_file": "Det anpassade scenariot finns i {file}.",
    "years_intro": (
        "Varje års siffra bredvid den anpassade stadens simulerade år: medelvärdet av {n} "
        "körningar med sitt 95-procentsintervall, och spannet som rymmer 95 procent av "
        "enskilda simulerade år. Spannet visar hur mycket ett år kan skilja sig från nästa i "
        "en sådan stad av ren slump."
    ),
    "col_year": "Mått, år",
    "col_observed": "Räknat",
    "col_mean": "Simulerat medelvärde (95-procentsintervall)",
    "col_range": "95 procent av simulerade år",
    "m_shootings": "Skjutningar",
    "m_injured": "Skjutningar där någon skadades",
    "m_killed": "Skjutningar där någon dödades",
    "m_all_years": "medel över åren",
    "year_n": "År {n}",
    "fig_years": (
        "Skjutningar per år: räknat (svart), simulerat medelvärde med 95-procentsintervall "
        "(blått) och spannet som rymmer 95 procent av enskilda simulerade år (ljusblått)."
    ),
    "leg_observed": "Räknat",
    "leg_mean": "Simulerat medelvärde, 95-procentsintervall",
    "leg_range": "95 procent av simulerade år",
    "y_shootings": "Skjutningar per år",
    "posterior_intro": (
        "Hur troligt varje värde på grundrisken är, givet siffrorna (aposteriorifördelningen). "
        "Den skuggade delen rymmer 90 procent; linjen visar medianen, värdet som scenariot "
        "använder. Intervallet är brett: några års siffror från en stad kan inte skilja en "
        "stad med hög grundrisk och få rivaliteter från en med lägre grundrisk och fler "
        "rivaliteter, och enskilda år varierar mycket av slump."
    ),
    "fig_posterior": "Aposteriorifördelning för grundrisken (likformig apriori på logaritmen).",
    "x_hazard": "Grundrisk, {unit} per dag",
    "y_density": "Trolighet",
    "leg_interval": "90-procentsintervall",
    "leg_median": "Median (anpassat värde)",
    "leg_default": "Grundscenariots standardvärde",
    "response_intro": (
        "Varje punkt är medelvärdet av {n} simulerade körningar av staden vid ett värde på "
        "grundrisken, med sitt 95-procentsintervall; linjen är den jämna kurva som anpassats "
        "till dem. Mer bakgrundsvåld ger fler skjutningar, men inte i samma proportion: fler "
        "skyttar hamnar i förvar, och hämnden begränsas av stadens grupper."
    ),
    "fig_response": (
        "Simulerade skjutningar per år mot grundrisken. Streckat: räknat medelvärde; "
        "skuggat: anpassningens 90-procentsintervall."
    ),
    "leg_grid": "Simulerat medelvärde, 95-procentsintervall",
    "leg_curve": "Anpassad kurva",
    "leg_obs_mean": "Räknat medelvärde",
    "next_intro": (
        "Det anpassade scenariot är ordinarie arbete i er stad. För att se vad en insats kan "
        "göra, beskriv den i en egen fil som bygger på (extends) den anpassade och slår på "
        "GVI, till exempel:"
    ),
    "next_after": (
        "Kör sedan {command}: ett scenario med GVI påslaget jämförs med ordinarie arbete i "
        "sin egen stad, samma stad med alla insatser avslagna. Lägg de två filerna i samma "
        "mapp, eller skriv sökvägen till den anpassade filen efter extends."
    ),
    "next_comment": "min stad med GVI från år 2",
    "method_text": (
        "Staden simuleras med ordinarie arbete: alla insatser avslagna, en insvängning som "
        "inte räknas, sedan ett simulerat år för varje räknat år.\n"
        "En kort första omgång körningar hittar ungefär rätt nivå på bakgrundsvåldet. Sedan "
        "körs staden {replicates} gånger vid vart och ett av {points} värden på grundrisken "
        "på logaritmisk skala runt den nivån; där anpassningen fortfarande har vikt i en "
        "ände läggs fler värden till.\n"
        "En jämn kurva ger det genomsnittliga antalet skjutningar per år vid varje värde. "
        "Spridningen kommer från körningarna: skjutningar hänger ihop (en skjutning leder "
        "till fler), och städer av samma storlek skiljer sig i rivaliteter och medlemmar, så "
        "en stads år varierar kring stadens egen nivå (här med {city_cv} mellan städer).\n"
        "För varje värde på grundrisken anger modellen sedan hur troliga de räknade åren "
        "är; med alla värden lika troliga på förhand (på logaritmisk skala, från "
        "{prior_low} till {prior_high}) ger det aposteriorifördelningen ovan, dess median "
        "och dess 90-procentsintervall.\n"
        "Till sist körs staden {check} gånger till vid det anpassade värdet, med nya "
        "slumptal, för att kontrollera att den återger siffrorna."
    ),
    "method_shares": (
        "Andelarna skjutningar där någon skadades eller dödades är de räknade andelarna, "
        "med ett intervall för slumpen i några års siffror."
    ),
    "caveat_pre": (
        "Anpassningen beskriver de räknade åren. Om våldet ökade eller minskade blir den "
        "anpassade nivån deras genomsnitt, och modellen håller den stadig."
    ),
    "caveat_structure": (
        "Bara bakgrundsnivån av våld anpassas. Hur starkt våld besvaras med våld, "
        "uppklaring och förvar behåller grundscenariots värden, som siffrorna inte kan "
        "skilja från bakgrundsnivån."
    ),
    "caveat_city": (
        "Utan kartläggning lottas rivaliteter och medlemmar för varje körning: intervallet "
        "rymmer att de inte är kända."
    ),
    "caveat_counts": (
        "Polisens siffror över skadade och döda räknar personer; modellen träffar högst en "
        "person per skjutning, så de läses som skjutningar där någon skadades eller dödades."
    ),
    "caveat_chance": (
        "Intervallen täcker slump och vad några års siffror kan säga, inte fel i själva modellen."
    ),
    "note_lower": (
        "En del av aposteriorifördelningen ligger vid den lägsta grundrisk som prövats: "
        "intervallet kan nå ännu lägre."
    ),
    "note_upper": (
        "En del av aposteriorifördelningen ligger vid den högsta grundrisk som prövats: "
        "intervallet kan nå ännu högre."
    ),
    "note_outside": (
        "Minst ett räknat år ligger utanför spannet för 95 procent av simulerade år: något "
        "var ovanligt det året, eller så skiljer sig staden från modellen."
    ),
    "col_setting": "Inställning",
    "col_value": "Värde",
    "set_base": "Grundscenario",
    "set_group_size": "Inställd genomsnittlig gruppstorlek (city.group_size_mean)",
    "set_group_sd": "Spridning i gruppstorlek (city.group_size_sd)",
    "set_warmup": "Insvängning som inte räknas (dagar)",
    "set_replicates": "Körningar per värde i rutnätet",
    "set_points": "Värden i rutnätet",
    "set_check": "Körningar vid det anpassade värdet",
    "set_slope": "Ökning i skjutningar för 1 procent högre grundrisk",
    "set_city_cv": "Spridning i nivå mellan städer (variationskoefficient)",
    "set_within": "Spridning för enskilda år: varians / medelvärde (1 = bara slump)",
    "set_expected": "Skjutningar per år på den anpassade kurvan vid det anpassade värdet",
    "set_seed": "Frö",
    "unit_pct_per_pct": "{value} %",
}

NOTES = {
    "posterior_at_lower_edge": "note_lower",
    "posterior_at_upper_edge": "note_upper",
    "observed_year_outside_range": "note_outside",
}
_SUPERSCRIPT = str.maketrans(
    "-0123456789", "\u207b\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079"
)


def strings(lang: str) -> dict[str, str]:
    """The report's texts in ``lang`` (``en`` or ``sv``)."""
    if lang not in ("en", "sv"):
        raise ValueError(f"lang must be 'en' or 'sv', got {lang!r}")
    return SV if lang == "sv" else EN


class _Ctx:
    def __init__(self, result: FitResult, lang: str) -> None:
        self.r, self.s, self.t, self.f = result, result.summary, strings(lang), Fmt(lang)
        self.lang = lang
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
        return str(label) if label is not None else self.t["year_n"].format(n=t)

    def measure_years(self, measure: str) -> list[dict[str, Any]]:
        return [r for r in self.s["check"]["per_year"] if r["measure"] == measure]


def render_fit_report(result: FitResult, *, lang: str = "en") -> str:
    """The fit report as an HTML document, laid out by ``templates/fit.html``."""
    x = _Ctx(result, lang)
    s = x.s
    return render(
        "fit.html",
        t=x.t,
        lang=lang,
        title=x.t["title"].format(city=x.city_name()),
        header=_header(x),
        headline=_headline(x),
        years=_years(x),
        posterior_uri=_posterior_plot(x),
        response=_response(x),
        name=s["name"],
        method=_method(x),
        caveats=_caveats(x),
        numbers=_numbers(x),
    )


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
    keys.append("caveat_chance")
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
            Value(t["unit_pct_per_pct"].format(value=f.number(m["slope_at_value"], 2))),
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
        ax.set_xlabel(t["x_hazard"].format(unit="\u00d7 " + x.unit))
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
        ax.set_xlabel(t["x_hazard"].format(unit="\u00d7 " + x.unit))
        ax.set_ylabel(t["y_shootings"])
        handles = [
            Line2D([], [], color=INK, marker="o", ms=5, lw=1.2, label=t["leg_grid"]),
            Line2D([], [], color=SIM, lw=2, label=t["leg_curve"]),
            Line2D([], [], color=PALETTE[1], lw=1.5, ls="--", label=t["leg_obs_mean"]),
            Patch(color=SIM, alpha=0.12, label=t["leg_interval"]),
        ]
        fig.legend(handles=handles, loc="outside upper center", ncol=2, frameon=False)
        return data_uri(fig)
