"""Loading scenario TOML files: presets, ``extends`` chains and error reports.

A scenario file sets only what differs from its parent::

    name = "gvi"
    description = "Full GVI rollout"
    extends = "baseline"        # a preset name, or a path relative to this file
    [callins]
    enabled = true

Parents are deep-merged under their children (the child wins; tables merge key by
key). What a file says of itself — ``name`` (else the file's stem), ``title``,
``title_sv``, ``description`` and ``description_sv`` — is not inherited. Every problem is reported against the file that set the key, all at once, as
one :class:`ScenarioError`. TOML is read with strict types: ``enabled = "yes"`` or
``horizon_days = 1000.0`` are errors, not silent conversions. TOML has no null, so a
child cannot unset ``city.audit_dir`` or ``partnership.lapse_day`` once a parent sets them.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from scenarios.audit import _FILES as AUDIT_FILES
from scenarios.audit import AuditError, load_audit
from scenarios.errors import (
    Message,
    Problem,
    ScenarioError,
    closest,
    display_path,
    short_repr,
    short_text,
    truncated,
)
from scenarios.files import LINK_LOOP, is_file, is_link_loop, read_toml, shown_path
from scenarios.messages import Loc, validation_problems
from scenarios.schema import Scenario

PRESETS_DIR = Path(__file__).parent / "presets"
MAX_EXTENDS_DEPTH = 32
OWN_TEXTS = ("title", "title_sv", "description", "description_sv")

Origins = dict[Loc, Path]


def _available_presets() -> list[str]:
    return sorted(p.stem for p in PRESETS_DIR.glob("*.toml"))


def _is_bare_name(text: str) -> bool:
    return "/" not in text and "\\" not in text and not text.lower().endswith(".toml")


def _unknown_preset(name: str) -> Message:
    names = _available_presets()
    if not names:
        return Message("problem.no_presets", name=repr(name))
    match = closest(name, names)
    hint = Message("problem.hint_did_you_mean", match=repr(match)) if match else ""
    return Message("problem.no_preset", name=short_repr(name), hint=hint, names=", ".join(names))


def preset_path(name: str) -> Path:
    """``preset_path(name) -> Path``: the file of a shipped preset, e.g. ``"gvi"``.

    Raises :class:`ScenarioError` (with the closest preset name) if there is none.
    """
    if not name or not _is_bare_name(name):
        raise ScenarioError([Problem(repr(name), "", None, Message("problem.not_preset_name"))])
    path = PRESETS_DIR / f"{name}.toml"
    if not is_file(path):
        raise ScenarioError([Problem(short_text(name), "", None, _unknown_preset(name))])
    return path


def _absolute(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, ValueError, RuntimeError):
        return path.absolute()


def _parent_path(ref: str, child: Path) -> tuple[Path | None, str]:
    """The file named by ``extends = ref`` in ``child``, or None and why not."""
    if not ref.strip():
        return None, "is empty; give a preset name or a path to a .toml file"
    if _is_bare_name(ref):
        path = PRESETS_DIR / f"{ref}.toml"
        return (path, "") if is_file(path) else (None, _unknown_preset(ref))
    path = _absolute(child.parent / ref)
    if is_link_loop(path):
        return None, Message("problem.parent_link_loop", path=shown_path(path))
    if not is_file(path):
        return None, f"parent file not found: {shown_path(path)}"
    return path, ""


def _resolve_audit_dir(data: dict[str, Any], path: Path) -> None:
    """Make a relative ``city.audit_dir`` absolute, relative to the file that sets it."""
    city = data.get("city")
    if not isinstance(city, dict):
        return
    value = city.get("audit_dir")
    if isinstance(value, str) and value.strip() and "\x00" not in value:
        city["audit_dir"] = os.path.normpath(os.path.join(path.parent, value))


def _has(data: Any, loc: Loc) -> bool:
    for part in loc:
        if not isinstance(data, dict) or part not in data:
            return False
        data = data[part]
    return True


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``over`` deep-merged onto ``base``: tables merge recursively, anything else replaces."""
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _origins(data: dict[str, Any], own: dict[str, Any], path: Path, inherited: Origins) -> Origins:
    """For each key path in merged ``data``: ``path`` if ``own`` sets it, else the parent's."""
    result: Origins = {}

    def walk(node: dict[str, Any], prefix: Loc) -> None:
        for key, value in node.items():
            loc = (*prefix, str(key))
            result[loc] = path if _has(own, loc) else inherited.get(loc, path)
            if isinstance(value, dict):
                walk(value, loc)

    walk(data, ())
    return result


def _load_chain(path: Path, stack: list[Path]) -> tuple[dict[str, Any], Origins, list[Path]]:
    """Merged data of ``path`` and its ancestors, where each key came from, and the chain."""
    own = read_toml(path)
    _resolve_audit_dir(own, path)
    if "extends" not in own:
        return own, _origins(own, own, path, {}), [path]
    ref = own.pop("extends")

    def fail(message: str) -> ScenarioError:
        return ScenarioError([Problem(display_path(path), "extends", ref, message)])

    if not isinstance(ref, str):
        raise fail("must be a preset name or a path to a .toml file, in quotes")
    parent, why = _parent_path(ref, path)
    if parent is None:
        raise fail(why)
    parent = _absolute(parent)
    if parent in stack or parent == path:
        loop = [*stack[stack.index(parent) :], path, parent] if parent in stack else [path, parent]
        raise fail("extends cycle: " + " -> ".join(display_path(p) for p in loop))
    if len(stack) >= MAX_EXTENDS_DEPTH:
        raise fail(f"extends chain longer than {MAX_EXTENDS_DEPTH} files")
    base, base_origins, chain = _load_chain(parent, [*stack, path])
    merged = _merge(base, own)
    return merged, _origins(merged, own, path, base_origins), [path, *chain]


def _audit_problems(data: dict[str, Any], locate: Any) -> list[Problem]:
    city = data.get("city")
    value = city.get("audit_dir") if isinstance(city, dict) else None
    if not isinstance(value, str):
        return []
    file = locate(("city", "audit_dir"))[0]
    if not value.strip():
        message = "is empty; name a group-audit folder, or remove the key for a generated city"
        return [Problem(file, "city.audit_dir", value, message)]
    try:
        found = Path(value).is_dir()
    except (OSError, ValueError):
        found = False
    if not found:
        message = (
            "group-audit folder not found; give a folder holding groups.csv and rivalries.csv "
            "(a relative path starts at the folder of this file)"
        )
        return [Problem(file, "city.audit_dir", value, message)]
    loops = [Path(value) / name for name in AUDIT_FILES if is_link_loop(Path(value) / name)]
    if loops:
        head = Problem(file, "city.audit_dir", value, "the group audit in this folder is invalid:")
        return [head, *(Problem(shown_path(p), "", None, Message(LINK_LOOP)) for p in loops)]
    try:
        load_audit(value)
    except AuditError as exc:
        head = Problem(file, "city.audit_dir", value, "the group audit in this folder is invalid:")
        return [head, *exc.problems]
    return []


def _entry_path(name_or_path: str | os.PathLike[str]) -> Path:
    if isinstance(name_or_path, str) and _is_bare_name(name_or_path):
        return _absolute(preset_path(name_or_path))
    return _absolute(Path(name_or_path))


def load_scenario(name_or_path: str | os.PathLike[str]) -> Scenario:
    """``load_scenario(name_or_path) -> Scenario``: a validated, frozen scenario.

    A bare name (no slash, no ``.toml``) is a preset in ``scenarios/presets``; anything
    else is a path. Follows ``extends``, resolves ``city.audit_dir`` relative to the file
    that sets it and loads that group audit. Raises :class:`ScenarioError` listing every
    problem, each against the file that set the offending key.
    """
    path = _entry_path(name_or_path)
    data, origins, chain = _load_chain(path, [])
    if ("name",) not in origins or origins[("name",)] != path:
        data["name"] = path.stem  # a file that does not name itself is named after itself
    for key in OWN_TEXTS:  # what a file says of itself is not inherited
        if origins.get((key,)) != path:
            data.pop(key, None)

    def locate(loc: Loc) -> tuple[str, int]:
        if loc in origins:
            return display_path(origins[loc]), chain.index(origins[loc])
        for n in range(len(loc) - 1, 0, -1):
            if loc[:n] in origins:
                return display_path(origins[loc[:n]]), len(chain)
        return display_path(path), len(chain) + 1

    problems: list[Problem] = []
    scenario = None
    try:
        scenario = Scenario.model_validate(data, strict=True)
    except ValidationError as exc:
        problems.extend(validation_problems(exc, data, locate))
    problems.extend(_audit_problems(data, locate))
    if problems or scenario is None:
        raise ScenarioError(truncated(problems))
    return scenario


def _description(path: Path, lang: str) -> str:
    try:
        own = read_toml(path)
    except ScenarioError as exc:
        return f"(invalid preset: {exc.problems[0].message})"
    text = own.get("description_sv") if lang == "sv" else None
    text = text or own.get("description")
    return text if isinstance(text, str) else ""


def list_presets(lang: str = "en") -> list[tuple[str, str]]:
    """``list_presets(lang="en") -> list[tuple[str, str]]``: (name, description) of every
    preset, sorted; ``lang="sv"`` gives the Swedish descriptions where a preset has one.

    A preset that cannot be read is listed with its first problem as the description.
    """
    return [(p.stem, _description(p, lang)) for p in sorted(PRESETS_DIR.glob("*.toml"))]


def validate_files(paths: Iterable[str | os.PathLike[str]]) -> list[Problem]:
    """``validate_files(paths) -> list[Problem]``: every problem in the given scenario files.

    An empty list means every file is a valid scenario.
    """
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    problems: list[Problem] = []
    for path in paths:
        try:
            load_scenario(path)
        except ScenarioError as exc:
            problems.extend(exc.problems)
    return problems


def set_keys(name_or_path: str | os.PathLike[str]) -> dict[str, Path]:
    """The dotted keys a scenario file sets itself or through its ``extends`` chain,
    each with the file that sets it (what the schema's defaults do not decide)."""
    path = _entry_path(name_or_path)
    data, origins, _ = _load_chain(path, [])
    return {".".join(loc): file for loc, file in origins.items() if len(loc) == 2}
