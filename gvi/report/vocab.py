"""Words that depend on the data: units of parameters and metrics and lengths of time
(scenarios carry their own titles and descriptions in both languages)."""

from __future__ import annotations

from model.metrics import Metric
from model.time import DAYS_PER_MONTH, DAYS_PER_YEAR

UNITS_SV: dict[str, str] = {
    "days": "dagar",
    "days (mean)": "dagar (medel)",
    "days after rollout": "dagar efter start",
    "days after warm-up": "dagar efter insvängning",
    "probability": "sannolikhet",
    "share": "andel",
    "share of gap closed": "andel av gapet som sluts",
    "share of groups": "andel av grupperna",
    "share of members": "andel av medlemmarna",
    "share of free members": "andel av medlemmarna på fri fot",
    "share of free members per sweep": "andel av medlemmarna på fri fot per razzia",
    "switch": "på/av",
    "members": "medlemmar",
    "per day": "per dag",
    "index points": "indexpoäng",
    "index 0-1": "index 0–1",
    "index 0-100": "index 0–100",
    "groups": "grupper",
    "ratio": "kvot",
    "log-sd": "log-sd",
    "beta concentration": "betakoncentration",
    "gamma shape": "gammaform",
    "people": "personer",
    "relative drop": "relativ minskning",
    "relative drop per sweep": "relativ minskning per razzia",
    "weight": "vikt",
    "rival groups (mean)": "rivaliserande grupper (medel)",
    "allied groups (mean)": "allierade grupper (medel)",
    "ties per member": "band per medlem",
    "path": "sökväg",
    "per day per unit propensity and rivalry": "per dag per enhet benägenhet och konflikt",
    "retaliations per victimisation": "hämnder per utsatthet",
    "exponent": "exponent",
    "units": "enheter",
    "open cases": "öppna ärenden",
    "call-ins": "call-ins",
    "per tie per day": "per band och dag",
    "max hazard cut": "största riskminskning",
    "concurrent operations": "samtidiga insatser",
    "workers": "uppsökare",
    "clients per worker": "klienter per uppsökare",
    "contacts per worker per day": "kontakter per uppsökare och dag",
    "per unit trust": "per enhet förtroende",
    "places": "platser",
    "per vacant place per day": "per ledig plats och dag",
    "SEK/hour": "kr/timme",
    "hours per shooting": "timmar per skjutning",
    "hours per operation-day": "timmar per insatsdag",
    "hours per sweep": "timmar per razzia",
    "hours per person": "timmar per person",
    "SEK per call-in": "kr per call-in",
    "SEK per day": "kr per dag",
    "SEK per worker-day": "kr per uppsökardag",
    "SEK per place-day": "kr per platsdag",
    "SEK per injury": "kr per skadad",
    "SEK per death": "kr per dödsfall",
    # metric units
    "shootings": "skjutningar",
    "deaths": "döda",
    "arrests": "gripanden",
    "operations": "insatser",
    "SEK": "kr",
}

YEARS = {
    "en": {1: "the year", 2: "the two years", 3: "the three years"},
    "sv": {1: "året", 2: "de två åren", 3: "de tre åren"},
}
YEARS_SHORT = {
    "en": {1: "one year", 2: "two years", 3: "three years"},
    "sv": {1: "ett år", 2: "två år", 3: "tre år"},
}


def unit(text: str, lang: str) -> str:
    """A unit in the report's language (unknown units are shown as declared)."""
    return UNITS_SV.get(text, text) if lang == "sv" else text.replace("-", "\u2013")


def metric_label(m: Metric, lang: str) -> str:
    return m.label_sv if lang == "sv" else m.label


def period(days: int, lang: str, *, definite: bool = True) -> str:
    """``the two years`` / ``de två åren`` (definite) or ``two years`` / ``två år``;
    months when the length is not whole years."""
    years = days / DAYS_PER_YEAR
    whole = round(years)
    if whole >= 1 and abs(years - whole) < 0.03:
        table = (YEARS if definite else YEARS_SHORT)[lang]
        if whole in table:
            return table[whole]
        if lang == "sv":
            return f"de {whole} åren" if definite else f"{whole} år"
        return f"the {whole} years" if definite else f"{whole} years"
    months = max(1, round(days / DAYS_PER_MONTH))
    if lang == "sv":
        word = "månaden" if months == 1 else "månaderna"
        if not definite:
            return f"{months} månad" if months == 1 else f"{months} månader"
        return f"de {months} {word}" if months > 1 else word
    word = "month" if months == 1 else "months"
    return f"the {months} {word}" if definite else f"{months} {word}"
