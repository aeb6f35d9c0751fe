"""Importing a partnership's group audit (kartläggning) from CSV files.

A group-audit folder holds:

``groups.csv``
    ``group_id``, ``size`` (whole number from 1 to 10 000), and any further columns;
    numeric ones are kept as per-group attributes. At most as many groups as a
    generated city may have (``city.n_groups``: 10,000); each file at most 10 MiB.
``rivalries.csv``
    ``group_a``, ``group_b``, ``intensity`` (> 0) and an optional ``kind``
    (``rivalry``, the default, or ``alliance``; an alliance needs no intensity).
``members.csv`` (optional)
    ``member_id``, ``group_id``, ``role`` (``core``/``associate``, or ``kärna``/``periferi``)
    and ``on_supervision`` (true/false, 1/0, yes/no, ja/nej). A group may list fewer
    members than its size (unmapped members), never more.

Only pseudonymous ids are accepted. Before anything else is checked, the importer
refuses identifying columns (names, identity numbers, contact details, birth dates) and
every cell, in any column, that looks like a personnummer or samordningsnummer, an
e-mail address, a phone number, a date of birth or a full name; a member id must be a
code with a digit and no name in it (``M0001``, ``P-17``), never ``Anna Svensson`` or
``Kalle``. See :mod:`scenarios.privacy` for the rules. No message quotes a member id or
any value that looks identifying.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from scenarios.errors import Message, Problem, ScenarioError, display_path, truncated
from scenarios.privacy import privacy_problems, without_personal_data
from scenarios.schema import parameter
from scenarios.tables import Table, at_cell, normalise, parse_float, parse_int, read_table

MAX_GROUP_SIZE = 10_000
MAX_GROUPS = int(parameter("city.n_groups").le or 0)  # as many as a generated city may have

_ROLES = {"core": True, "karna": True, "associate": False, "periferi": False}
_FLAGS = {
    "true": True,
    "1": True,
    "yes": True,
    "ja": True,
    "false": False,
    "0": False,
    "no": False,
    "nej": False,
}
_KINDS = {
    "": "rivalry",
    "rivalry": "rivalry",
    "rivalitet": "rivalry",
    "alliance": "alliance",
    "allians": "alliance",
}


# file -> its header, and the catalogue entry of a missing file
_FILES = {
    "groups.csv": ("group_id,size", "problem.audit_file_missing"),
    "rivalries.csv": ("group_a,group_b,intensity", "problem.audit_file_missing_no_rows"),
    "members.csv": ("member_id,group_id,role,on_supervision", ""),  # optional
}


class AuditError(ScenarioError):
    """Invalid group audit; each problem names the file, the row and column, and the fix."""


@dataclass(frozen=True)
class AuditMember:
    """One mapped member: pseudonymous id, group (index into ``Audit.group_ids``), role."""

    id: str
    group: int
    core: bool
    on_supervision: bool


@dataclass(frozen=True)
class Audit:
    """A validated group audit. Rivalries are ``(i, j, intensity)`` with ``i < j``."""

    group_ids: tuple[str, ...]
    sizes: tuple[int, ...]
    rivalries: tuple[tuple[int, int, float], ...]
    alliances: tuple[tuple[int, int], ...]
    members: tuple[AuditMember, ...] | None = None
    attributes: dict[str, tuple[float, ...]] = field(default_factory=dict, hash=False)


@dataclass
class _Groups:
    ids: list[str] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    index: dict[str, int] = field(default_factory=dict)
    known: bool = False  # False when group ids could not be read at all


def _groups(table: Table, problems: list[Problem]) -> tuple[_Groups, dict[str, tuple[float, ...]]]:
    groups = _Groups()
    if table.missing(("group_id", "size"), problems):
        return groups, {}
    groups.known = True
    for number, cells in table.rows:
        gid, size_text = table.value(cells, "group_id"), table.value(cells, "size")
        if not gid:
            empty = Message("problem.empty")
            problems.append(Problem(table.file, at_cell(number, "group_id"), None, empty))
            continue
        if gid in groups.index:
            first = groups.rows[groups.index[gid]]
            message = Message("problem.audit_group_twice", row=first)
            problems.append(Problem(table.file, at_cell(number, "group_id"), gid, message))
            continue
        size = parse_int(size_text)
        if size is None or not 1 <= size <= MAX_GROUP_SIZE:
            message = Message("problem.audit_size", least=1, most=MAX_GROUP_SIZE)
            problems.append(Problem(table.file, at_cell(number, "size"), size_text, message))
            size = 0
        groups.index[gid] = len(groups.ids)
        groups.ids.append(gid)
        groups.sizes.append(size)
        groups.rows.append(number)
    if not table.rows:
        problems.append(Problem(table.file, "", None, Message("problem.audit_no_groups")))
        groups.known = False  # so other files' references are not each reported as unknown
    if len(groups.ids) > MAX_GROUPS:
        message = Message("problem.audit_too_many_groups", groups=len(groups.ids), most=MAX_GROUPS)
        problems.append(Problem(table.file, "", None, message))
    return groups, _attributes(table, groups)


def _attributes(table: Table, groups: _Groups) -> dict[str, tuple[float, ...]]:
    """Extra columns whose every value is a finite number, in group order."""
    attributes = {}
    rows = {number: cells for number, cells in table.rows}
    for column in table.columns:
        if column in ("group_id", "size") or not column or column in attributes:
            continue
        values = [parse_float(table.value(rows[r], column)) for r in groups.rows]
        if values and all(v is not None for v in values):
            attributes[column] = tuple(v for v in values if v is not None)
    return attributes


def _group_ref(
    table: Table, number: int, column: str, text: str, groups: _Groups, problems: list[Problem]
) -> int | None:
    if not text:
        empty = Message("problem.empty")
        problems.append(Problem(table.file, at_cell(number, column), None, empty))
        return None
    if text not in groups.index:
        if groups.known:
            message = Message("problem.audit_unknown_group")
            problems.append(Problem(table.file, at_cell(number, column), text, message))
        return None
    return groups.index[text]


def _ties(
    table: Table, groups: _Groups, problems: list[Problem]
) -> tuple[list[tuple[int, int, float]], list[tuple[int, int]]]:
    rivalries: list[tuple[int, int, float]] = []
    alliances: list[tuple[int, int]] = []
    if table.missing(("group_a", "group_b", "intensity"), problems):
        return rivalries, alliances
    seen: dict[tuple[int, int], int] = {}
    for number, cells in table.rows:
        a = _group_ref(table, number, "group_a", table.value(cells, "group_a"), groups, problems)
        b = _group_ref(table, number, "group_b", table.value(cells, "group_b"), groups, problems)
        kind_text = table.value(cells, "kind") if table.has("kind") else ""
        kind = _KINDS.get(normalise(kind_text))
        if kind is None:
            message = Message("problem.audit_kind")
            problems.append(Problem(table.file, at_cell(number, "kind"), kind_text, message))
        text = table.value(cells, "intensity")
        intensity = parse_float(text)
        if (kind != "alliance" or text) and (intensity is None or intensity <= 0):
            message = Message("problem.audit_intensity")
            problems.append(Problem(table.file, at_cell(number, "intensity"), text, message))
            intensity = None
        if a is None or b is None:
            continue
        if a == b:
            message = Message("problem.audit_self_tie")
            problems.append(Problem(table.file, at_cell(number, "group_b"), groups.ids[b], message))
            continue
        pair = (min(a, b), max(a, b))
        if pair in seen:
            message = Message("problem.audit_pair_twice", row=seen[pair])
            problems.append(Problem(table.file, at_cell(number, "group_b"), groups.ids[b], message))
            continue
        seen[pair] = number
        if kind == "alliance":
            alliances.append(pair)
        elif kind == "rivalry" and intensity is not None:
            rivalries.append((*pair, intensity))
    return rivalries, alliances


def _members(table: Table, groups: _Groups, problems: list[Problem]) -> list[AuditMember]:
    members: list[AuditMember] = []
    if table.missing(("member_id", "group_id", "role", "on_supervision"), problems):
        return members
    first_row: dict[str, int] = {}
    for number, cells in table.rows:
        mid = table.value(cells, "member_id")
        group = _group_ref(
            table, number, "group_id", table.value(cells, "group_id"), groups, problems
        )
        role_text, flag_text = table.value(cells, "role"), table.value(cells, "on_supervision")
        core, flag = _ROLES.get(normalise(role_text)), _FLAGS.get(normalise(flag_text))
        if core is None:
            message = Message("problem.audit_role")
            problems.append(Problem(table.file, at_cell(number, "role"), role_text, message))
        if flag is None:
            message = Message("problem.audit_flag")
            where = at_cell(number, "on_supervision")
            problems.append(Problem(table.file, where, flag_text, message))
        if not mid:
            empty = Message("problem.empty")
            problems.append(Problem(table.file, at_cell(number, "member_id"), None, empty))
        elif mid in first_row:  # member ids are never quoted, even pseudonymous ones
            message = Message("problem.audit_member_twice", row=first_row[mid])
            problems.append(Problem(table.file, at_cell(number, "member_id"), None, message))
        else:
            first_row[mid] = number
            if group is not None and core is not None and flag is not None:
                members.append(AuditMember(mid, group, core, flag))
    return members


def _check_counts(
    groups: _Groups, members: list[AuditMember], groups_file: str, problems: list[Problem]
) -> None:
    counts = [0] * len(groups.ids)
    for member in members:
        counts[member.group] += 1
    for i, (count, size) in enumerate(zip(counts, groups.sizes, strict=True)):
        if size and count > size:
            message = Message("problem.audit_size_below", members=count, group=repr(groups.ids[i]))
            problems.append(Problem(groups_file, at_cell(groups.rows[i], "size"), size, message))


def load_audit(folder: str | os.PathLike[str]) -> Audit:
    """``load_audit(folder) -> Audit``: the group audit in ``folder``, validated.

    Raises :class:`AuditError` with one problem per issue (file, spreadsheet row, column,
    fix). Identifying data is refused first, and then nothing else is checked, so no cell
    value of a refused file ever appears in a message.
    """
    try:
        root = Path(folder)
        is_dir = root.is_dir()
    except (OSError, ValueError):
        root, is_dir = Path(str(folder)), False
    if not is_dir:
        not_found = Message("problem.audit_folder_missing")
        raise AuditError([Problem(display_path(root), "", None, not_found)])
    problems: list[Problem] = []
    tables: dict[str, Table | None] = {}
    for name, (header, missing) in _FILES.items():
        path = root / name
        if not path.exists():
            if missing:
                message = Message(missing, name=name, header=header)
                problems.append(Problem(display_path(path), "", None, message))
            continue
        tables[name] = read_table(path, problems)
    privacy = [p for t in tables.values() if t is not None for p in privacy_problems(t)]
    if privacy or problems:
        raise AuditError(truncated(without_personal_data([*privacy, *problems])))
    groups_table, ties_table = tables.get("groups.csv"), tables.get("rivalries.csv")
    members_table = tables.get("members.csv")
    if groups_table is None or ties_table is None:  # read_table has reported why
        raise AuditError(problems)
    groups, attributes = _groups(groups_table, problems)
    rivalries, alliances = _ties(ties_table, groups, problems)
    members = _members(members_table, groups, problems) if members_table else None
    if members is not None:
        _check_counts(groups, members, groups_table.file, problems)
    if problems:
        raise AuditError(truncated(without_personal_data(problems)))
    return Audit(
        group_ids=tuple(groups.ids),
        sizes=tuple(groups.sizes),
        rivalries=tuple(rivalries),
        alliances=tuple(alliances),
        members=tuple(members) if members is not None else None,
        attributes=attributes,
    )
