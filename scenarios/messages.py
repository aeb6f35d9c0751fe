"""Plain-English problems from pydantic validation errors.

Each pydantic error becomes one :class:`~scenarios.errors.Problem`: the dotted key, the
value given and what is allowed, phrased from the parameter's declaration (range and
unit) in :mod:`scenarios.schema`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from scenarios.errors import Problem, closest
from scenarios.schema import SECTIONS, Scenario

Loc = tuple[str, ...]
# Where a key was set: (file to report, rank); rank 0 is the file being loaded,
# higher ranks are its parents; keys left at their default get the highest rank.
Locator = Callable[[Loc], tuple[str, int]]

_INT_ERRORS = {"int_type", "int_parsing", "int_from_float", "int_parsing_size"}
_FLOAT_ERRORS = {"float_type", "float_parsing"}
_BOUND_ERRORS = {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}
_NUMBER_TEXT = re.compile(r"\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*")
_DOTTED = re.compile(r"\b([a-z_]+(?:\.[a-z_]+)?)\b")


def _model_at(loc: Loc) -> type[BaseModel] | None:
    """The section model that holds the key at ``loc`` (``loc[:-1]`` names it)."""
    model: type[BaseModel] = Scenario
    for part in loc[:-1]:
        field = model.model_fields.get(part)
        annotation = field.annotation if field else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return None
        model = annotation
    return model


def _field(loc: Loc) -> FieldInfo | None:
    model = _model_at(loc)
    return model.model_fields.get(loc[-1]) if model and loc else None


def _is_leaf(loc: Loc) -> bool:
    field = _field(loc)
    if field is None:
        return False
    annotation = field.annotation
    return not (isinstance(annotation, type) and issubclass(annotation, BaseModel))


def _number(bound: float) -> str:
    """``1e8`` as ``100000000``, ``0.5`` as ``0.5``."""
    value = float(bound)
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:g}"


def _range_text(field: FieldInfo | None) -> str:
    """``">= 0 and <= 1 (probability)"`` from a field's declared limits and unit."""
    if field is None:
        return ""
    limits = []
    for meta in field.metadata:
        for attr, sign in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
            bound = getattr(meta, attr, None)
            if bound is not None:
                limits.append(f"{sign} {_number(bound)}")
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    unit = extra.get("unit", "")
    text = " and ".join(limits)
    if unit and unit not in ("switch", "text", "path"):
        text = f"{text} ({unit})" if text else f"({unit})"
    return text


def _with_range(prefix: str, field: FieldInfo | None) -> str:
    limits = _range_text(field)
    if not limits:
        return prefix
    joins_directly = limits.startswith("(") or prefix == "must be"
    return f"{prefix} {limits}" if joins_directly else f"{prefix}, {limits}"


def _type_hint(value: Any) -> str:
    if isinstance(value, bool):
        return "; true/false is a switch, not a number"
    if isinstance(value, str) and _NUMBER_TEXT.fullmatch(value):
        return "; write it without quotes"
    if isinstance(value, float) and value.is_integer():
        return f"; write {int(value)}, not {value}"
    return ""


def _unknown_key(loc: Loc) -> str:
    model = _model_at(loc)
    valid = list(model.model_fields) if model else []
    if model is Scenario:
        valid.append("extends")
    key = loc[-1]
    homes = [
        f"{section}.{name}"
        for section, sec_model in SECTIONS.items()
        for name in sec_model.model_fields
        if name.lower() == key.lower() and (section,) != loc[:-1]
    ]
    if homes:  # a key of another section beats a look-alike key of this one
        where = " or ".join(f"{h!r} (in [{h.split('.')[0]}])" for h in homes[:4])
        return f"unknown key; did you mean {where}?"
    match = closest(key, valid)
    if match:
        return f"unknown key; did you mean {match!r}?"
    return "unknown key; valid keys here: " + ", ".join(valid)


def _message(err: dict[str, Any]) -> str:
    kind, loc, value = err["type"], tuple(str(p) for p in err["loc"]), err.get("input")
    field = _field(loc)
    if kind == "extra_forbidden":
        return _unknown_key(loc)
    if kind in _BOUND_ERRORS:
        return _with_range("must be", field)
    if kind in _INT_ERRORS:
        return _with_range("must be a whole number", field) + _type_hint(value)
    if kind in _FLOAT_ERRORS:
        return _with_range("must be a number", field) + _type_hint(value)
    if kind == "finite_number":
        return _with_range("must be a finite number (not nan or inf)", field)
    if kind in ("bool_type", "bool_parsing"):
        hint = " (without quotes)" if isinstance(value, str) else ""
        return f"must be true or false{hint}"
    if kind == "string_type":
        return "must be text in quotes"
    if kind in ("model_type", "dict_type"):
        return f"must be a table: a [{'.'.join(loc)}] section with its own keys"
    if kind in ("value_error", "assertion_error"):
        error = (err.get("ctx") or {}).get("error")
        return str(error) if error is not None else err["msg"]
    return err["msg"]


def _lookup(data: Any, loc: Loc) -> Any:
    node = data
    for part in loc:
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _cross_field_key(loc: Loc, message: str, locate: Locator) -> Loc:
    """For a check across fields, the mentioned key set by the most specific file."""
    candidates: list[Loc] = []
    for word in _DOTTED.findall(message):
        for cand in (tuple(word.split(".")), (*loc, *word.split("."))):
            if _is_leaf(cand) and cand not in candidates:
                candidates.append(cand)
    if not candidates:
        return loc
    return min(candidates, key=lambda c: locate(c)[1])


def _default(loc: Loc) -> Any:
    field = _field(loc)
    return field.default if field is not None else None


def _key_text(loc: Loc) -> str:
    """``time.rollout_day``; an empty TOML key (``"" = 1``) shows as ``""``."""
    return ".".join(part if part else '""' for part in loc)


def _without_own_key(message: str, loc: Loc) -> str:
    """``"must be before ..."`` from ``"rollout_day = 365 must be before ..."``: the
    problem's head already shows the key and its value."""
    for key in (".".join(loc), loc[-1] if loc else ""):
        head = re.match(rf"{re.escape(key)} = \S+ ", message) if key else None
        if head:
            return message[head.end() :]
    return message


def _problems(errors: list[Any], data: dict[str, Any], locate: Locator) -> list[Problem]:
    problems = []
    for err in errors:
        loc = tuple(str(p) for p in err["loc"])
        message = _message(err)
        value = err.get("input")
        if err["type"] in ("value_error", "assertion_error"):
            loc = _cross_field_key(loc, message, locate)
            found = _lookup(data, loc)
            value = found if found is not None else _default(loc)
            message = _without_own_key(message, loc)
        if isinstance(value, dict):
            value = None  # a whole table: the key says enough
        problems.append(Problem(locate(loc)[0], _key_text(loc), value, message))
    return problems


def _without(data: dict[str, Any], locs: list[Loc]) -> dict[str, Any]:
    """A copy of ``data`` with the keys at ``locs`` removed (so their defaults apply)."""
    pruned: dict[str, Any] = {}
    for key, value in data.items():
        if (key,) in locs:
            continue
        inner = [loc[1:] for loc in locs if loc[:1] == (key,) and len(loc) > 1]
        pruned[key] = _without(value, inner) if inner and isinstance(value, dict) else value
    return pruned


def validation_problems(
    exc: ValidationError, data: dict[str, Any], locate: Locator
) -> list[Problem]:
    """One problem per pydantic error, each reported against the file that set the key.

    Checks across fields only run once every field is valid, so they are tried again
    with the invalid keys at their defaults; a finding that does not involve those keys
    is reported too, so all problems show at once.
    """
    errors = exc.errors()
    problems = _problems(errors, data, locate)
    cross = ("value_error", "assertion_error")
    bad = [tuple(str(p) for p in e["loc"]) for e in errors if e["type"] not in cross]
    if not bad:
        return problems
    pruned = _without(data, bad)
    try:
        Scenario.model_validate(pruned, strict=True)
    except ValidationError as again:
        names = {loc[-1] for loc in bad if loc}
        for problem in _problems([e for e in again.errors() if e["type"] in cross], pruned, locate):
            mentioned = set(re.findall(r"[a-z_]+", problem.message))
            if not names & mentioned and problem not in problems:
                problems.append(problem)
    return problems
