"""Property-based fuzzing of the input loaders: whatever the input, the result is a valid
object or the project's own error type (:class:`ScenarioError`), never another exception.

Scenarios are shipped presets with random mutations (wrong types, NaN, inf, huge and
negative numbers, values at and beyond the declared limits, unknown keys, broken
``extends``); group audits are CSV files built from awkward cells, random headers,
separators, quoting, line endings, byte-order marks and encodings, or random bytes.
Experiment and calibration files are mutated the same way.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import math
import os
import re
import tempfile
import tomllib
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from experiments.calibrate_spec import Calibration, load_calibration
from experiments.experiment import Experiment, load_experiment
from scenarios import (
    Audit,
    AuditError,
    Scenario,
    ScenarioError,
    list_presets,
    load_audit,
    load_scenario,
    parameters,
    preset_path,
)
from scenarios.audit import MAX_GROUP_SIZE, MAX_GROUPS
from scenarios.privacy import looks_like_personnummer

# GVI_FUZZ_EXAMPLES=5000 for a longer hunt than the test suite's.
EXAMPLES = int(os.environ.get("GVI_FUZZ_EXAMPLES", "120"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SPECS = parameters()
PRESETS = [name for name, _ in list_presets()]
SECTIONS = sorted({s.section for s in SPECS})
TEST_PNR = "19121212-1212"  # the Swedish Tax Agency's test number, not a person


# --- writing TOML ----------------------------------------------------------------------


def _key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + "}"
    return json.dumps(str(value))  # JSON string escapes are TOML basic-string escapes


def dump_toml(data: dict[str, Any]) -> str:
    """``data`` as TOML: plain keys first, then one [table] per table value."""
    lines = [f"{_key(k)} = {_value(v)}" for k, v in data.items() if not isinstance(v, dict)]
    for key, table in data.items():
        if isinstance(table, dict):
            lines.append(f"\n[{_key(key)}]")
            lines += [f"{_key(k)} = {_value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"


def test_the_toml_writer_round_trips() -> None:
    data = {"a": 1, "b": "x\ny", "c": [1.5, -2], "t": {"k": True, "d": datetime.date(2024, 5, 1)}}
    assert tomllib.loads(dump_toml(data)) == data


# --- values to try ---------------------------------------------------------------------

_NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([0, -1, 1, 0.0, -0.0, 1e-300, 1e300, 2**63, -(2**63) - 1, 10**400]),
)
NASTY = st.one_of(
    _NUMBERS,
    st.booleans(),
    st.text(max_size=12),
    st.sampled_from(["nan", "inf", "0.5", "1,5", "true", "", "gvi", "../x.toml", TEST_PNR]),
    st.dates(),
    st.lists(_NUMBERS, max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)


@st.composite
def near_limits(draw: st.DrawFn) -> tuple[str, Any]:
    """A declared parameter set to a value at, inside or just beyond its limits."""
    spec = draw(st.sampled_from([s for s in SPECS if s.type in ("int", "float", "bool")]))
    if spec.type == "bool":
        return spec.path, draw(st.booleans())
    limits = [b for b in (spec.ge, spec.gt, spec.le) if b is not None]
    points = [*limits, *(b + d for b in limits for d in (-1, 1, -1e-9, 1e-9))]
    value = draw(st.sampled_from(points) | st.floats(-1e6, 1e6))
    if spec.type == "int":
        value = int(value) if math.isfinite(value) else value
    return spec.path, value


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    node = data
    for part in parents:
        if not isinstance(node.get(part), dict):
            node[part] = {}
        node = node[part]
    node[last] = value


_MUTATION = st.one_of(
    st.tuples(st.just("set"), st.sampled_from([s.path for s in SPECS]), NASTY),
    st.tuples(st.just("set"), st.just("near"), near_limits()),
    st.tuples(st.just("set"), st.sampled_from(["name", "description", "extends"]), NASTY),
    st.tuples(st.just("set"), st.sampled_from(SECTIONS), NASTY),  # a table replaced
    st.tuples(
        st.just("set"), st.from_regex(r"[a-z_]{1,12}(\.[a-z_]{1,12})?", fullmatch=True), NASTY
    ),
    st.tuples(st.just("delete"), st.sampled_from(["extends", "name", *SECTIONS]), st.none()),
    st.tuples(
        st.just("set"),
        st.just("extends"),
        st.sampled_from([*PRESETS, "gvii", "", "fuzz.toml", "../none.toml", "/", "a" * 300]),
    ),
    st.tuples(st.just("set"), st.just("city.audit_dir"), st.sampled_from(["", ".", "x", "\t"])),
)


def _mutated(preset: str, mutations: list[tuple[str, Any, Any]]) -> dict[str, Any]:
    with preset_path(preset).open("rb") as fh:
        data = tomllib.load(fh)
    for action, path, value in mutations:
        if action == "delete":
            data.pop(path, None)
        elif path == "near":
            _set(data, *value)
        else:
            _set(data, path, value)
    return data


def assert_clean(err: ScenarioError) -> None:
    """One line per problem, each naming a file and saying what is wrong."""
    assert err.problems
    for problem in err.problems:
        line = str(problem)
        assert "\n" not in line and "\r" not in line and problem.file and problem.message
    assert "Traceback" not in str(err)


def assert_valid_scenario(scenario: Scenario) -> None:
    """Every declared parameter of a loaded scenario is finite and within its limits."""
    dumped = scenario.model_dump()
    assert Scenario.model_validate(dumped) == scenario
    for spec in SPECS:
        value = dumped[spec.section][spec.name]
        if spec.type not in ("int", "float") or value is None:
            continue
        assert not isinstance(value, bool) and math.isfinite(value), spec.path
        assert spec.ge is None or value >= spec.ge, spec.path
        assert spec.gt is None or value > spec.gt, spec.path
        assert spec.le is None or value <= spec.le, spec.path
    t = scenario.time
    assert 0 <= t.rollout_day < t.horizon_days


# --- scenarios -------------------------------------------------------------------------


@FUZZ
@given(preset=st.sampled_from(PRESETS), mutations=st.lists(_MUTATION, min_size=1, max_size=4))
def test_a_mutated_preset_loads_or_raises_a_scenario_error(
    preset: str, mutations: list[tuple[str, Any, Any]]
) -> None:
    text = dump_toml(_mutated(preset, mutations))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.toml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            scenario = load_scenario(path)
        except ScenarioError as err:
            event("refused")
            assert_clean(err)
        else:
            event("loaded")
            assert_valid_scenario(scenario)


_TOML_LINES = st.one_of(
    st.sampled_from([f"[{s}]" for s in SECTIONS] + ["[[time]]", "[city.x]", "[", "]]"]),
    st.tuples(
        st.sampled_from([s.name for s in SPECS] + ["extends", "name", '""', "a.b", "x y"]),
        st.sampled_from(["=", " = ", "==", ":"]),
        NASTY.map(_value) | st.text(max_size=8),
    ).map("".join),
    st.text(max_size=30),
)


@FUZZ
@given(
    lines=st.lists(_TOML_LINES, max_size=15),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1"]),
)
def test_random_toml_text_loads_or_raises_a_scenario_error(lines: list[str], encoding: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.toml"
        errors = "surrogatepass" if encoding.startswith("utf-8") else "replace"
        path.write_bytes("\n".join(lines).encode(encoding, errors=errors))
        try:
            scenario = load_scenario(path)
        except ScenarioError as err:
            event("refused")
            assert_clean(err)
        else:
            event("loaded")
            assert_valid_scenario(scenario)


# --- group audits ----------------------------------------------------------------------

_CELLS = st.one_of(
    st.sampled_from(
        [
            "G1",
            "G2",
            "G3",
            "M1",
            "M2",
            "core",
            "associate",
            "kärna",
            "periferi",
            "ja",
            "nej",
            "true",
            "0",
            "1",
            "5",
            "-2",
            "10001",
            "1,5",
            "1.5",
            "nan",
            "inf",
            "1e999",
            "",
            " ",
            '"',
            'a"b',
            "x;y",
            "a,b",
            "alliance",
            "rivalry",
            "allians",
            TEST_PNR,
            "121212-1212",
            "201212121212",
            "Kalle",
            "9" * 30,
        ]
    ),
    st.text(max_size=6),
)
_HEADERS = {
    "groups.csv": ["group_id", "size"],
    "rivalries.csv": ["group_a", "group_b", "intensity", "kind"],
    "members.csv": ["member_id", "group_id", "role", "on_supervision"],
}
_EXTRA_COLUMNS = [
    "district",
    "years_active",
    "note",
    "Förnamn",
    "name",
    "personnummer",
    "telefon",
    "Group ID",
    "",
    TEST_PNR,
]


@st.composite
def audit_tables(draw: st.DrawFn) -> dict[str, list[list[str]]]:
    """A valid group audit as rows of cells (header first), before any damage."""
    names = st.sampled_from(["G1", "G2", "G3", "Norr", "Söder-1", "grupp 7"]) | st.text(
        st.characters(codec="utf-8", exclude_categories=["Cs", "Cc", "Zs"]), min_size=1, max_size=5
    )
    ids = draw(st.lists(names, min_size=1, max_size=6, unique=True))
    sizes = draw(st.lists(st.integers(1, 30), min_size=len(ids), max_size=len(ids)))
    groups = [["group_id", "size"], *([g, str(n)] for g, n in zip(ids, sizes, strict=True))]
    if draw(st.booleans()):
        groups[0].append("years_active")
        for row in groups[1:]:
            row.append(draw(st.sampled_from(["1", "2,5", "0.5", "", "x"])))
    pairs = [(a, b) for i, a in enumerate(ids) for b in ids[i + 1 :]]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=4)) if pairs else []
    ties = [["group_a", "group_b", "intensity", "kind"]]
    for a, b in chosen:
        kind = draw(st.sampled_from(["rivalry", "alliance", "", "rivalitet", "allians"]))
        weight = draw(st.floats(0.01, 5.0))
        text = draw(st.sampled_from([f"{weight:.2f}", f"{weight:.2f}".replace(".", ",")]))
        ties.append([a, b, text, kind])
    tables = {"groups.csv": groups, "rivalries.csv": ties}
    if draw(st.booleans()):
        members = [["member_id", "group_id", "role", "on_supervision"]]
        for g, n in zip(ids, sizes, strict=True):
            for k in range(draw(st.integers(0, min(n, 3)))):
                role = draw(st.sampled_from(["core", "associate", "kärna", "periferi"]))
                flag = draw(st.sampled_from(["true", "false", "1", "0", "ja", "nej", "Yes"]))
                members.append([f"M-{ids.index(g)}-{k}", g, role, flag])
        tables["members.csv"] = members
    return tables


@st.composite
def damaged(draw: st.DrawFn, rows: list[list[str]]) -> list[list[str]]:
    """``rows`` with a few cells, columns or rows made wrong (or left alone)."""
    rows = [list(r) for r in rows]
    for _ in range(draw(st.integers(0, 3))):
        how = draw(st.sampled_from(["cell", "cell", "header", "drop", "add", "row", "dup"]))
        r = draw(st.integers(0, len(rows) - 1))
        if how == "cell" and rows[r]:
            rows[r][draw(st.integers(0, len(rows[r]) - 1))] = draw(_CELLS)
        elif how == "header":
            rows[0].append(draw(st.sampled_from(_EXTRA_COLUMNS) | st.text(max_size=6)))
        elif how == "drop" and rows[0]:
            col = draw(st.integers(0, len(rows[0]) - 1))
            rows = [row[:col] + row[col + 1 :] for row in rows]
        elif how == "add":
            rows.append(draw(st.lists(_CELLS, max_size=6)))
        elif how == "row" and len(rows) > 1:
            del rows[draw(st.integers(1, len(rows) - 1))]
        elif how == "dup" and len(rows) > 1:
            rows.append(list(rows[draw(st.integers(1, len(rows) - 1))]))
    return rows


@st.composite
def encoded(draw: st.DrawFn, rows: list[list[str]]) -> bytes:
    """``rows`` as a CSV file: separator, quoting, line ends, byte-order mark, encoding."""
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    if draw(st.booleans()):
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=delimiter, lineterminator=newline).writerows(rows)
        text = buffer.getvalue()
    else:  # joined by hand: quotes and separators in cells stay unescaped
        text = newline.join(delimiter.join(r) for r in rows)
    encoding = draw(
        st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "utf-8-sig", "utf-16", "cp1252"])
    )
    errors = "surrogatepass" if encoding.startswith("utf-8") else "replace"
    return text.encode(encoding, errors=errors)


@st.composite
def audit_files(draw: st.DrawFn) -> dict[str, bytes | None]:
    """The files of an audit folder (None: absent), valid or damaged in any way."""
    files: dict[str, bytes | None] = {name: None for name in _HEADERS}
    for name, rows in draw(audit_tables()).items():
        files[name] = draw(encoded(draw(damaged(rows))))
    if draw(st.integers(0, 9)) == 0:
        files[draw(st.sampled_from(sorted(_HEADERS)))] = draw(st.none() | st.binary(max_size=60))
    return files


def assert_valid_audit(audit: Audit) -> None:
    """Invariants the model relies on, and no identity number among the ids."""
    n = len(audit.group_ids)
    assert 1 <= n <= MAX_GROUPS and len(set(audit.group_ids)) == n and all(audit.group_ids)
    assert len(audit.sizes) == n and all(1 <= s <= MAX_GROUP_SIZE for s in audit.sizes)
    pairs = [(i, j) for i, j, _ in audit.rivalries] + list(audit.alliances)
    assert len(set(pairs)) == len(pairs) and all(0 <= i < j < n for i, j in pairs)
    assert all(math.isfinite(w) and w > 0 for _, _, w in audit.rivalries)
    for values in audit.attributes.values():
        assert len(values) == n and all(math.isfinite(v) for v in values)
    ids = list(audit.group_ids)
    if audit.members is not None:
        ids += [m.id for m in audit.members]
        assert len({m.id for m in audit.members}) == len(audit.members)
        counts = [0] * n
        for m in audit.members:
            assert 0 <= m.group < n and m.id
            counts[m.group] += 1
        assert all(c <= s for c, s in zip(counts, audit.sizes, strict=True))
    assert not any(looks_like_personnummer(i) for i in ids)


def _load_audit_files(files: dict[str, bytes | None]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        for name, content in files.items():
            if content is not None:
                (Path(folder) / name).write_bytes(content)
        try:
            audit = load_audit(folder)
        except AuditError as err:
            event("refused")
            assert_clean(err)
            # an audit's cells are refused, never quoted, when they look like one
            assert not looks_like_personnummer(str(err))
        else:
            event("loaded")
            assert_valid_audit(audit)


@FUZZ
@given(files=audit_files())
def test_any_audit_csv_loads_or_raises_an_audit_error(files: dict[str, bytes | None]) -> None:
    _load_audit_files(files)


@settings(max_examples=EXAMPLES // 2, deadline=None)
@given(
    files=st.fixed_dictionaries({name: st.none() | st.binary(max_size=120) for name in _HEADERS})
)
def test_random_bytes_as_an_audit_load_or_raise_an_audit_error(
    files: dict[str, bytes | None],
) -> None:
    _load_audit_files(files)


# --- experiment and calibration files --------------------------------------------------

EXPERIMENT = {
    "name": "fuzz",
    "scenario": "gvi",
    "replicates": 2,
    "method": {"kind": "lhs", "n": 4},
    "parameters": [{"path": "enforcement.fidelity", "bounds": [0.2, 0.9]}],
    "outputs": [{"name": "shootings_post", "metric": "shootings"}],
}
CALIBRATION = {
    "name": "fuzz",
    "scenario": "baseline",
    "budget": 20,
    "quantile": 0.1,
    "parameters": [{"path": "violence.base_hazard", "prior": [0.00002, 0.00015]}],
    "targets": [{"name": "shootings_per_year", "value": 60, "scale": 6}],
}
_EXPERIMENT_KEYS = [
    "name",
    "scenario",
    "baseline",
    "replicates",
    "seed",
    "method",
    "method.kind",
    "method.n",
    "method.levels",
    "method.second_order",
    "parameters.path",
    "parameters.bounds",
    "parameters.levels",
    "outputs.name",
    "outputs.metric",
    "outputs.window",
    "outputs.statistic",
    "bogus",
]
_CALIBRATION_KEYS = [
    "name",
    "scenario",
    "budget",
    "quantile",
    "replicates",
    "seed",
    "window",
    "parameters.path",
    "parameters.prior",
    "parameters.true",
    "targets.name",
    "targets.value",
    "targets.scale",
    "bogus",
]
_CHOICES = st.sampled_from(
    [
        "sobol",
        "morris",
        "factorial",
        "fast",
        "latin",
        "shootings",
        "post",
        "pre",
        "all",
        "change_vs_baseline",
        "per_year",
        "callins.attendees",
        "callins.enabled",
        "city.audit_dir",
        "time.horizon_days",
        "violence.p_fatal",
        "baseline",
        "nope.toml",
    ]
)
_FILE_VALUES = NASTY | _CHOICES | st.lists(_NUMBERS | st.booleans(), max_size=4)


def _mutate_file(
    base: dict[str, Any], mutations: list[tuple[str, Any]], lists: tuple[str, ...]
) -> dict[str, Any]:
    data = json.loads(json.dumps(base))
    for key, value in mutations:
        head, _, field = key.partition(".")
        if head in lists and field:
            data[head][0][field] = value
        elif field:
            if not isinstance(data.get(head), dict):
                data[head] = {}
            data[head][field] = value
        else:
            data[head] = value
    return data


def _dump_file(data: dict[str, Any], lists: tuple[str, ...]) -> str:
    plain = {k: v for k, v in data.items() if k not in lists}
    text = dump_toml(plain)
    for name in lists:
        items = data.get(name)
        if isinstance(items, list) and all(isinstance(i, dict) for i in items):
            for item in items:
                text += f"\n[[{name}]]\n" + dump_toml(item)
        elif name in data:
            text = f"{name} = {_value(items)}\n" + text
    return text


def _load_file(text: str, loader: Any) -> Any:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.toml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            loaded = loader(path)
        except ScenarioError as err:
            event("refused")
            assert_clean(err)
            return None
        event("loaded")
        return loaded


@settings(
    max_examples=EXAMPLES * 2 // 3, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(st.lists(st.tuples(st.sampled_from(_EXPERIMENT_KEYS), _FILE_VALUES), min_size=1, max_size=3))
def test_a_mutated_experiment_loads_or_raises_a_scenario_error(
    mutations: list[tuple[str, Any]],
) -> None:
    lists = ("parameters", "outputs")
    text = _dump_file(_mutate_file(EXPERIMENT, mutations, lists), lists)
    exp = _load_file(text, load_experiment)
    if exp is not None:
        assert isinstance(exp, Experiment)
        study = exp.study()
        for factor in study.factors:
            assert factor.levels is not None or (
                factor.bounds is not None and all(math.isfinite(b) for b in factor.bounds)
            )


@settings(
    max_examples=EXAMPLES * 2 // 3, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    st.lists(st.tuples(st.sampled_from(_CALIBRATION_KEYS), _FILE_VALUES), min_size=1, max_size=3)
)
def test_a_mutated_calibration_loads_or_raises_a_scenario_error(
    mutations: list[tuple[str, Any]],
) -> None:
    lists = ("parameters", "targets")
    text = _dump_file(_mutate_file(CALIBRATION, mutations, lists), lists)
    cal = _load_file(text, load_calibration)
    if cal is not None:
        assert isinstance(cal, Calibration)
        for prior in cal.parameters:
            low, high = prior.prior
            assert math.isfinite(low) and math.isfinite(high) and low < high
        assert all(math.isfinite(t.value) and t.scale > 0 for t in cal.targets)
