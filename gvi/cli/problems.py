"""Problems of input files and the engine's one-line errors, as the command line prints
them.

A :class:`~scenarios.errors.Problem` is ``file: key = value: message``. Most messages
are entries of the ``cli`` catalogue (keys ``problem.*``): a
:class:`~scenarios.errors.Message` is the English text and keeps its key and values, so
it is worded here in the user's language. So are the messages of reading a file and its
TOML syntax (:mod:`scenarios.files`), of experiment, calibration and fit-city files
(:mod:`experiments.experiment`, :mod:`experiments.calibrate_spec`,
:mod:`experiments.fitcity`), of group audits and their places (``row 2, size``;
:mod:`scenarios.audit`, :mod:`scenarios.tables`, :mod:`scenarios.privacy`) and the
engine's errors about result folders, stores, jobs, ensembles, Dask and the options of
discover and plan.

The scenario checks still word their messages in English (:mod:`scenarios.messages`,
:mod:`scenarios.loader`, and the checks of :mod:`scenarios.schema`, which is part of
the model's identity: changing its text would void the shipped ensemble). The most
common of them (a value out of range, of the wrong type, an unknown key or preset, the
schema's checks across keys) are recognised here and worded again from the same
catalogue, also where a Message carries one as a value (:class:`~scenarios.errors.Checked`:
``invalid: rollout_day = 800 must be before ...``); any other message is printed as the
checks wrote it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from scenarios.errors import Message

if TYPE_CHECKING:
    from gvi.i18n import Translator
    from scenarios.errors import Problem

_NUMBER = r"-?[0-9][0-9.e+-]*"
_LIMITS = rf"[<>]=? {_NUMBER}(?: and [<>]=? {_NUMBER})*"
# "must be ..., >= 0 and <= 1 (probability); write it without quotes"
_BOUNDED = re.compile(
    r"(?P<kind>must be a whole number|must be a number|must be a finite number \(not nan or inf\)"
    r"|must be)"
    rf"(?:(?P<sep>,? )(?P<limits>{_LIMITS}))?"
    r"(?P<unit> \(.+\))?"
    r"(?P<hint>; true/false is a switch, not a number|; write it without quotes"
    r"|; write (?P<whole>\S+), not (?P<written>\S+))?"
)
_KINDS = {
    "must be": "problem.must_be",
    "must be a whole number": "problem.whole_number",
    "must be a number": "problem.number",
    "must be a finite number (not nan or inf)": "problem.finite_number",
}
_HINTS = {
    "; true/false is a switch, not a number": "problem.hint_switch",
    "; write it without quotes": "problem.hint_quotes",
}
# message pattern -> catalogue key; the named groups are the key's placeholders
_FIXED: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), key)
    for pattern, key in (
        (r"must be true or false", "problem.true_false"),
        (r"must be true or false \(without quotes\)", "problem.true_false_quotes"),
        (r"must be text in quotes", "problem.text"),
        (r"must be a table: a \[(?P<table>.+)\] section with its own keys", "problem.table"),
        (r"unknown key; valid keys here: (?P<keys>.+)", "problem.unknown_key_valid"),
        (r"parent file not found: (?P<path>.+)", "problem.parent_not_found"),
        (r"is empty", "problem.empty"),
        (r"extends cycle: (?P<files>.+)", "problem.extends_cycle"),
        (r"must be a preset name or a path to a \.toml file, in quotes", "problem.extends_value"),
        # the checks of scenarios.schema (also within an experiment's or a calibration's
        # problem, with the key they name: "invalid: rollout_day = 800 must be ...")
        (
            r"(?P<head>rollout_day = \S+ )?must be before horizon_days = (?P<horizon>\S+) \(the "
            r"rollout must start inside the run; horizon_days counts the days after the "
            r"warm-up: lower rollout_day or raise horizon_days\)",
            "problem.rollout_before_horizon",
        ),
        (
            r"must be 0 \(every group of the mean size\) or at least (?P<least>\S+) \(members\)",
            "problem.spread_zero_or",
        ),
        (
            r"p_fatal \+ p_injury = (?P<total>\S+) must be at most 1 \(they are shares of the "
            r"same shootings; lower one of them\)",
            "problem.outcomes_sum",
        ),
        (
            r"(?P<head>\S+ = \S+ )?falls after the horizon: the run ends (?P<days>\d+) days after "
            r"the rollout \(lower (?P<setting>\S+) or raise time\.horizon_days\)",
            "problem.after_horizon",
        ),
        (r"the group audit in this folder is invalid:", "problem.audit_invalid"),
        (
            r"group-audit folder not found; give a folder holding groups\.csv and rivalries\.csv "
            r"\(a relative path starts at the folder of this file\)",
            "problem.audit_not_found",
        ),
        (
            r"is empty; name a group-audit folder, or remove the key for a generated city",
            "problem.audit_empty",
        ),
        (r"\.\.\. and (?P<n>\d+) more problems", "problem.more"),
    )
)
_DID_YOU_MEAN = re.compile(r"unknown key; did you mean (?P<keys>.+)\?")


def engine_text(message: str, t: Translator) -> str:
    """A one-line error of the engine (a result folder in use, ...) in ``t``'s language
    where the catalogue words it."""
    return str(message) if t.lang == "en" else message_text(message, t)


def problem_text(problem: Problem, t: Translator) -> str:
    """``file: key = value: message`` with the message in ``t``'s language where the
    catalogue words it, and the key too where it is a place in a CSV file (``row 2,
    size``); other messages stay as the scenario checks wrote them."""
    if t.lang == "en":
        return str(problem)
    key = message_text(problem.key, t) if isinstance(problem.key, Message) else problem.key
    message = message_text(problem.message, t) if problem.message else problem.message
    return str(dataclasses.replace(problem, key=key, message=message))


def message_text(message: str, t: Translator) -> str:
    """One problem's message in ``t``'s language, or as written if not recognised."""
    if isinstance(message, Message):
        return message.text(t, lambda checked: message_text(checked, t))
    for pattern, key in _FIXED:
        found = pattern.fullmatch(message)
        if found:
            if key == "problem.more":
                return t.n(key, int(found["n"]))
            return t(key, **found.groupdict(default=""))
    for words in _REWORDINGS:
        text = words(message, t)
        if text is not None:
            return text
    return message


def _bounded(message: str, t: Translator) -> str | None:
    found = _BOUNDED.fullmatch(message)
    if not found or not (found["limits"] or found["unit"] or found["kind"] != "must be"):
        return None  # a bare "must be ..." is a sentence of a check across keys
    text = t(_KINDS[found["kind"]])
    if found["limits"]:
        text += found["sep"] + found["limits"].replace(" and ", " " + t("problem.and") + " ")
    if found["unit"]:
        text += f" ({_unit(found['unit'][2:-1], t)})"
    if found["whole"]:
        text += t("problem.hint_whole", whole=found["whole"], written=found["written"])
    elif found["hint"]:
        text += t(_HINTS[found["hint"]])
    return text


def _unit(unit: str, t: Translator) -> str:
    from .show import unit_text

    return unit_text(unit, t)


def _did_you_mean(message: str, t: Translator) -> str | None:
    found = _DID_YOU_MEAN.fullmatch(message)
    if not found:
        return None
    keys = found["keys"].replace(" or ", " " + t("problem.or") + " ")
    keys = re.sub(r"\(in \[([^\]]+)\]\)", lambda m: t("problem.in_table", table=m[1]), keys)
    return t("problem.did_you_mean", keys=keys)


_REWORDINGS: tuple[Callable[[str, Translator], str | None], ...] = (
    _bounded,
    _did_you_mean,
)
