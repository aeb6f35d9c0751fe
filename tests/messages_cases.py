"""Bad input files of every command that reads a file of its own (experiment, calibration,
fit-city), bad group audits (the CSV files a scenario's or a fit-city file's
``audit_dir`` names), and the result-folder and job errors of those commands: the table
that ``tests/test_messages_sv.py`` runs in English and in Swedish.

A case is a command, the file's text (and any files beside it) and the catalogue keys
of the ``cli`` domain its error lines are worded by (:class:`scenarios.errors.Message`).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from scenarios.audit import MAX_GROUPS

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_AUDIT = ROOT / "scenarios" / "audits" / "example"

EXP = """\
name = "x"
scenario = "baseline"
replicates = 2
[method]
kind = "lhs"
n = 8
[[parameters]]
path = "enforcement.fidelity"
[[outputs]]
name = "shootings"
metric = "shootings"
"""

SOBOL = EXP.replace('kind = "lhs"\nn = 8', 'kind = "sobol"\nn = 8')

CAL = """\
name = "c"
scenario = "baseline"
budget = 20
[[parameters]]
path = "violence.base_hazard"
prior = [0.00002, 0.00015]
[[targets]]
name = "shootings_per_year"
value = 60
scale = 6
"""

SMC = """\
name = "c"
method = "abc-smc"
[[parameters]]
path = "violence.retaliation_branching"
"""

FIT = """\
name = "my_city"
[city]
n_groups = 20
members = 300
[counts]
shootings = [48, 55]
"""


@dataclass(frozen=True)
class Case:
    """One bad input: ``gvi COMMAND FILE --out out --workers 1`` with ``text`` as FILE
    (``gvi validate FILE``), run in a folder of its own."""

    id: str
    command: str  # sweep, sensitivity, calibrate, fit-city, compare, validate, discover, plan
    text: str | bytes | None  # None: no file (an option is wrong)
    keys: tuple[str, ...] = ()  # catalogue keys its lines are worded by (any order)
    files: dict[str, str | bytes] = field(default_factory=dict)  # beside the file
    args: tuple[str, ...] = ()  # more arguments
    lines: int = 1  # error lines
    setup: str = ""  # what the --out folder holds beforehand (see prepare)
    env: dict[str, str] = field(default_factory=dict)
    absent: tuple[str, ...] = ()  # text no output may show (a refused cell's value)


def exp(old: str, new: str, base: str = EXP) -> str:
    assert old in base, old
    return base.replace(old, new, 1)


def cal(old: str, new: str) -> str:
    return exp(old, new, CAL)


def smc(extra: str) -> str:
    return SMC.replace("[[parameters]]", extra + "\n[[parameters]]", 1)


def fit(old: str, new: str) -> str:
    return exp(old, new, FIT)


# A scenario of a city given by its group audit, and a valid audit of three groups.
CITY = 'extends = "baseline"\n[city]\naudit_dir = "audit"\n'
GROUPS = "group_id,size\nG1,5\nG2,3\nG3,4\n"
RIVALRIES = "group_a,group_b,intensity\nG1,G2,1.5\n"
MEMBERS = "member_id,group_id,role,on_supervision\nM001,G1,core,false\nM002,G2,periferi,ja\n"
_HEAD = "problem.audit_invalid"  # the scenario's line naming the folder


def audit(
    groups: str | bytes | None = GROUPS,
    rivalries: str | None = RIVALRIES,
    members: str | None = None,
) -> dict[str, str | bytes]:
    """The files of a group audit in the folder ``audit`` (None: the file is left out)."""
    files = {"groups.csv": groups, "rivalries.csv": rivalries, "members.csv": members}
    return {f"audit/{name}": text for name, text in files.items() if text is not None}


def audit_case(
    id: str,
    keys: tuple[str, ...],
    command: str = "validate",
    lines: int = 2,
    absent: tuple[str, ...] = (),
    **files: str | bytes | None,
) -> Case:
    """A bad group audit named by a scenario (``gvi validate``, ``gvi compare``) or a
    fit-city file: the line naming the folder, then the audit's own lines."""
    text, head = CITY, _HEAD
    if command == "fit-city":
        text = fit("n_groups = 20\nmembers = 300", 'audit_dir = "audit"')
        head = "problem.fit_audit_invalid"
    return Case(
        f"audit/{id}",
        command,
        text,
        (head, *keys),
        files=audit(**files),  # type: ignore[arg-type]
        lines=lines,
        absent=absent,
    )


_ROW = ("problem.at_row",)
_CELL = ("problem.at_cell",)
_PRIVATE = ("problem.privacy", "problem.at_cell")
_REMOVE_OR_REPLACE = (*_PRIVATE, "problem.privacy_fix_remove_or_replace")
_MANY_GROUPS = "group_id,size\n" + "".join(f"G{i},2\n" for i in range(MAX_GROUPS + 1))

AUDIT_CASES: list[Case] = [
    # --- the folder and its files (scenarios.audit, scenarios.tables) -------------------
    audit_case("groups_missing", ("problem.audit_file_missing",), groups=None),
    audit_case("rivalries_missing", ("problem.audit_file_missing_no_rows",), rivalries=None),
    audit_case(
        "latin1",
        ("problem.not_utf8", "problem.hint_utf8_csv"),
        groups="group_id,size,område\nG1,5,Söder\n".encode("latin-1"),
    ),  # fmt: skip
    audit_case("quote_open", (*_ROW, "problem.csv_quote_open"), groups='group_id,size\nG1,"5\n'),
    audit_case(
        "after_quote", (*_ROW, "problem.csv_after_quote"), groups='group_id,size\nG1,"5"x\n'
    ),  # fmt: skip
    audit_case(
        "value_too_long",
        (*_ROW, "problem.csv_too_long"),
        groups="group_id,size,note\nG1,5," + "x" * 140_000 + "\n",
    ),  # fmt: skip
    audit_case(
        "column_missing",
        (*_ROW, "problem.csv_column_missing"),
        groups="group_id,members\nG1,5\n",
    ),  # fmt: skip
    audit_case("no_header", (*_ROW, "problem.csv_no_header"), groups=",,\nG1,5\n"),
    audit_case(
        "column_twice",
        (*_ROW, "problem.csv_column_twice"),
        groups="group_id,size,Size\nG1,5,5\n",
    ),  # fmt: skip
    audit_case(
        "too_many_values",
        (*_ROW, "problem.csv_too_many_values"),
        groups="group_id;size\nG1;5;7\n",
    ),  # fmt: skip
    audit_case(
        "too_many_values_one_column",
        (*_ROW, "problem.csv_too_many_values"),
        groups="group_id\nG1,5\n",
    ),  # fmt: skip
    # --- groups.csv ----------------------------------------------------------------------
    audit_case(
        "group_id_empty", (*_CELL, "problem.empty"), groups="group_id,size\n,5\nG1,3\nG2,4\n"
    ),
    audit_case(
        "group_twice",
        (*_CELL, "problem.audit_group_twice"),
        groups="group_id,size\nG1,5\nG2,3\nG1,4\n",
    ),  # fmt: skip
    audit_case("size_text", (*_CELL, "problem.audit_size"), groups="group_id,size\nG1,x\nG2,3\n"),
    audit_case(
        "size_zero",
        (*_CELL, "problem.audit_size"),
        command="compare",
        groups="group_id,size\nG1,0\nG2,3\n",
        rivalries="group_a,group_b,intensity\n",
    ),  # fmt: skip
    audit_case("no_groups", ("problem.audit_no_groups",), groups="group_id,size\n"),
    audit_case(
        "too_many_groups",
        ("problem.audit_too_many_groups",),
        groups=_MANY_GROUPS,
        rivalries="group_a,group_b,intensity\n",
    ),  # fmt: skip
    # --- rivalries.csv -------------------------------------------------------------------
    audit_case(
        "unknown_group",
        (*_CELL, "problem.audit_unknown_group"),
        rivalries="group_a,group_b,intensity\nG1,G9,1\n",
    ),  # fmt: skip
    audit_case(
        "unknown_group_named",  # a first name in an id: the value is left out
        (*_CELL, "problem.audit_unknown_group"),
        rivalries="group_a,group_b,intensity\nG1,Anna7,1\n",
        absent=("Anna7",),
    ),  # fmt: skip
    audit_case(
        "group_ref_empty",
        (*_CELL, "problem.empty"),
        command="fit-city",
        rivalries="group_a,group_b,intensity\nG1,,1\n",
    ),  # fmt: skip
    audit_case(
        "kind",
        (*_CELL, "problem.audit_kind"),
        rivalries="group_a,group_b,intensity,kind\nG1,G2,1,fiende\n",
    ),  # fmt: skip
    audit_case(
        "intensity",
        (*_CELL, "problem.audit_intensity"),
        rivalries="group_a,group_b,intensity\nG1,G2,-1\n",
    ),  # fmt: skip
    audit_case(
        "own_rival",
        (*_CELL, "problem.audit_self_tie"),
        rivalries="group_a,group_b,intensity\nG1,G1,1\n",
    ),  # fmt: skip
    audit_case(
        "pair_twice",
        (*_CELL, "problem.audit_pair_twice"),
        rivalries="group_a,group_b,intensity\nG1,G2,1\nG2,G1,2\n",
    ),  # fmt: skip
    # --- members.csv ---------------------------------------------------------------------
    audit_case(
        "role",
        (*_CELL, "problem.audit_role"),
        members=MEMBERS + "M003,G3,boss,nej\n",
    ),  # fmt: skip
    audit_case(
        "supervision",
        (*_CELL, "problem.audit_flag"),
        members=MEMBERS + "M003,G3,core,kanske\n",
    ),  # fmt: skip
    audit_case(
        "member_id_empty", (*_CELL, "problem.empty"), members=MEMBERS + ",G3,core,nej\n"
    ),  # fmt: skip
    audit_case(
        "member_twice",
        (*_CELL, "problem.audit_member_twice"),
        members=MEMBERS + "M001,G3,core,nej\n",
    ),  # fmt: skip
    audit_case(
        "size_below_members",
        (*_CELL, "problem.audit_size_below"),
        groups="group_id,size\nG1,1\nG2,3\nG3,4\n",
        members=MEMBERS + "M003,G1,core,nej\n",
    ),  # fmt: skip
    # --- personal data (scenarios.privacy): refused, and the value never shown ------------
    *(
        audit_case(
            f"column_{name}",
            (
                "problem.at_column",
                f"problem.privacy_{name}_column",
                "problem.privacy",
                "problem.privacy_fix_remove",
            ),
            groups=f"group_id,size,{column}\nG1,5,{cell}\nG2,3,x\nG3,4,y\n",
            absent=(cell,),
        )
        for name, column, cell in (
            ("name", "Vem", "Anna Svensson"),
            ("id", "Personnummer", "19850101-1234"),
            ("contact", "Telefon", "070-123 45 67"),
            ("birth", "Född", "1985-01-01"),
        )
    ),  # fmt: skip
    *(
        audit_case(
            f"cell_{name}",
            (*keys, f"problem.privacy_{name}"),
            groups=f"group_id,size,note\nG1,5,{cell}\nG2,3,x\nG3,4,y\n",
            absent=(shown,),
        )
        for name, cell, shown, keys in (
            ("pnr", "19850101-1234", "850101", (*_PRIVATE, "problem.privacy_fix_replace")),
            ("pnr_or_phone", "0701011234", "0701011234", _REMOVE_OR_REPLACE),
            ("email", "kalle.k@example.se", "kalle.k", _REMOVE_OR_REPLACE),
            ("phone", "070-123 45 67", "123 45 67", (*_PRIVATE, "problem.privacy_fix_remove")),
            ("birth", "1985-01-01", "1985", (*_PRIVATE, "problem.privacy_fix_birth")),
            ("name", "Anna Svensson", "Svensson", _REMOVE_OR_REPLACE),
        )
    ),  # fmt: skip
    audit_case(
        "member_name",
        (*_PRIVATE, "problem.privacy_member_name", "problem.privacy_fix_member"),
        command="fit-city",
        members=MEMBERS + "Kalle,G3,core,nej\n",
        absent=("Kalle",),
    ),  # fmt: skip
    audit_case(
        "header_cell",  # a header that is itself personal data, and a cell below it
        ("problem.at_column", *_REMOVE_OR_REPLACE, "problem.privacy_email", "problem.privacy_name"),
        command="compare",
        groups="group_id,size,anna.svensson@example.se\nG1,5,Kalle Karlsson\nG2,3,x\n",
        lines=3,
        absent=("anna.svensson", "Karlsson"),
    ),  # fmt: skip
]

_OUT = '[[outputs]]\nname = "shootings"\nmetric = "shootings"\n'
_PAR = '[[parameters]]\npath = "enforcement.fidelity"\n'

CASES: list[Case] = [
    # --- any TOML file (scenarios.files): read and parsed --------------------------------
    Case("file/empty", "sweep", "", ("problem.empty_text",)),
    Case("file/comments_only", "sweep", "# nothing yet\n", ("problem.empty_file",)),
    Case("file/binary", "sweep", b"\x00\x01junk" * 20, ("problem.binary", "problem.hint_utf8")),
    Case("file/utf16", "calibrate", CAL.encode("utf-16"), ("problem.utf16",)),
    Case(
        "file/latin1",
        "fit-city",
        FIT.replace("my_city", "Örebro").encode("latin-1"),
        ("problem.not_utf8",),
    ),  # fmt: skip
    Case("file/zip", "fit-city", b"PK\x03\x04rest", ("problem.zip",)),
    Case(
        "file/too_large", "sweep", "# " + "x" * (1024 * 1024 + 10) + "\n", ("problem.too_large",)
    ),  # fmt: skip
    Case(
        "file/nested_too_deeply",
        "sweep",
        "x = " + "[" * 2000 + "]" * 2000 + "\n",
        ("problem.toml_nested",),
    ),  # fmt: skip
    Case(
        "toml/invalid_value",
        "sweep",
        exp('scenario = "baseline"', "scenario = baseline"),
        ("problem.toml_at_text", "problem.toml.invalid_value"),
    ),  # fmt: skip
    Case(
        "toml/newline_in_text",
        "sweep",
        exp('"baseline"', '"baseline'),
        ("problem.toml_at_text", "problem.toml.newline_in_text"),
    ),  # fmt: skip
    Case(
        "toml/unterminated",
        "sweep",
        exp('"baseline"', '"""baseline'),
        ("problem.toml_at_end", "problem.toml.unterminated"),
    ),  # fmt: skip
    Case(
        "toml/illegal_character",
        "sweep",
        exp('"baseline"', '"base\x01line"'),
        ("problem.toml_at_text", "problem.toml.illegal_character"),
    ),  # fmt: skip
    Case(
        "toml/set_twice",
        "sweep",
        exp("replicates = 2", "replicates = 2\nreplicates = 3"),
        ("problem.toml_at_text", "problem.toml.overwrite"),
    ),  # fmt: skip
    Case(
        "toml/table_twice",
        "sweep",
        EXP + "[method]\nkind = 'lhs'\n",
        ("problem.toml_at_text", "problem.toml.declare_twice"),
    ),  # fmt: skip
    Case(
        "toml/mutate",
        "sweep",
        exp("replicates = 2", "x = {kind = 'lhs'}\nx.n = 2"),
        ("problem.toml_at_text", "problem.toml.mutate"),
    ),  # fmt: skip
    Case(
        "toml/redefine",
        "fit-city",
        fit("[city]", "[city.x]\n[city]\nx.y = 1"),
        ("problem.toml_at_text", "problem.toml.redefine"),
    ),  # fmt: skip
    Case(
        "toml/inline_key_twice",
        "sweep",
        exp('[method]\nkind = "lhs"\nn = 8', "method = {kind = 'lhs', kind = 'lhs'}"),
        ("problem.toml_at_text", "problem.toml.inline_twice"),
    ),  # fmt: skip
    Case(
        "toml/no_equals",
        "sweep",
        exp("replicates = 2", "replicates 2"),
        ("problem.toml_at_text", "problem.toml.expected_equals"),
    ),  # fmt: skip
    Case(
        "toml/no_newline",
        "sweep",
        exp("replicates = 2", "replicates = 2 seed = 3"),
        ("problem.toml_at_text", "problem.toml.expected_newline"),
    ),  # fmt: skip
    Case(
        "toml/table_not_closed",
        "sweep",
        exp("[method]", "[method"),
        ("problem.toml_at_text", "problem.toml.table_not_closed"),
    ),  # fmt: skip
    Case(
        "toml/array_table_not_closed",
        "sweep",
        exp("[[outputs]]", "[[outputs]"),
        ("problem.toml_at_text", "problem.toml.array_table_not_closed"),
    ),  # fmt: skip
    Case(
        "toml/list_not_closed",
        "fit-city",
        fit("[48, 55]", "[48, 55"),
        ("problem.toml_at_end", "problem.toml.list_not_closed"),
    ),  # fmt: skip
    Case(
        "toml/inline_table_not_closed",
        "sweep",
        exp('[method]\nkind = "lhs"\nn = 8', "method = {kind = 'lhs'\n"),
        ("problem.toml_at_text", "problem.toml.inline_table_not_closed"),
    ),  # fmt: skip
    Case(
        "toml/invalid_statement",
        "sweep",
        exp("[method]", "[method]\n= 3"),
        ("problem.toml_at_text", "problem.toml.invalid_statement"),
    ),  # fmt: skip
    Case(
        "toml/key_character",
        "sweep",
        exp("replicates = 2", "replicates = 2\nx.? = 1"),
        ("problem.toml_at_text", "problem.toml.key_character"),
    ),  # fmt: skip
    Case(
        "toml/date",
        "sweep",
        exp("replicates = 2", "replicates = 2024-02-30"),
        ("problem.toml_at_text", "problem.toml.date"),
    ),  # fmt: skip
    Case(
        "toml/backslash",
        "sweep",
        exp('"baseline"', '"base\\line"'),
        ("problem.toml_at_text", "problem.toml.backslash"),
    ),  # fmt: skip
    Case(
        "toml/hex_escape",
        "sweep",
        exp('"baseline"', '"base\\u12"'),
        ("problem.toml_at_text", "problem.toml.hex"),
    ),  # fmt: skip
    Case(
        "toml/scalar_escape",
        "sweep",
        exp('"baseline"', '"base\\ud800"'),
        ("problem.toml_at_text", "problem.toml.scalar"),
    ),  # fmt: skip
    Case(
        "toml/invalid_character",
        "sweep",
        exp("replicates = 2", "# a \x01 comment\nreplicates = 2"),
        ("problem.toml_at_text", "problem.toml.invalid_character"),
    ),  # fmt: skip
    Case(
        "toml/expected",
        "sweep",
        exp('name = "x"', "name = '''x"),
        ("problem.toml_at_end", "problem.toml.expected"),
    ),  # fmt: skip
    # --- experiment files: types ------------------------------------------------------
    Case("experiment/missing_name", "sweep", exp('name = "x"\n', ""), ("problem.required",)),
    Case(
        "experiment/unknown_key_close",
        "sweep",
        exp("replicates", "replicats"),
        ("problem.did_you_mean",),
    ),  # fmt: skip
    Case(
        "experiment/unknown_key",
        "sweep",
        exp("replicates = 2", "replicates = 2\ncolour = 1"),
        ("problem.unknown_key_keys",),
    ),  # fmt: skip
    Case(
        "experiment/unknown_method_key",
        "sweep",
        exp("n = 8", "n = 8\nsize = 3"),
        ("problem.unknown_key_keys",),
    ),  # fmt: skip
    Case(
        "experiment/method_kind_close",
        "sensitivity",
        exp('"sobol"', '"sobel"', SOBOL),
        ("problem.one_of",),
    ),  # fmt: skip
    Case("experiment/method_kind_far", "sweep", exp('"lhs"', '"grid"'), ("problem.one_of",)),
    Case(
        "experiment/replicates_quoted",
        "sweep",
        exp("replicates = 2", 'replicates = "2"'),
        ("problem.whole_number",),
    ),  # fmt: skip
    Case(
        "experiment/replicates_zero",
        "sweep",
        exp("replicates = 2", "replicates = 0"),
        ("problem.bound",),
    ),  # fmt: skip
    Case(
        "experiment/seed_zero",
        "sweep",
        exp("replicates = 2", "replicates = 2\nseed = 0"),
        ("problem.bound_seed",),
    ),  # fmt: skip
    Case(
        "experiment/replicates_huge",
        "sweep",
        exp("replicates = 2", "replicates = 100001"),
        ("problem.bound",),
    ),  # fmt: skip
    Case(
        "experiment/description_number",
        "sweep",
        exp("replicates = 2", "replicates = 2\ndescription = 3"),
        ("problem.text",),
    ),  # fmt: skip
    Case(
        "experiment/second_order_text",
        "sensitivity",
        exp("n = 8", 'n = 8\nsecond_order = "yes"', SOBOL),
        ("problem.true_false",),
    ),  # fmt: skip
    Case(
        "experiment/parameters_not_tables",
        "sweep",
        exp(_PAR, "").replace("replicates = 2", "replicates = 2\nparameters = 3"),
        ("problem.list_tables",),
    ),  # fmt: skip
    Case("experiment/parameters_missing", "sweep", exp(_PAR, ""), ("problem.required_list",)),
    Case(
        "experiment/parameters_empty",
        "sweep",
        exp(_PAR, "").replace("replicates = 2", "replicates = 2\nparameters = []"),
        ("problem.at_least_one_table",),
    ),  # fmt: skip
    Case(
        "experiment/method_missing",
        "sweep",
        exp('[method]\nkind = "lhs"\nn = 8\n', ""),
        ("problem.required_table",),
    ),  # fmt: skip
    Case(
        "experiment/method_not_table",
        "sweep",
        exp('[method]\nkind = "lhs"\nn = 8\n', "").replace(
            "replicates = 2", 'replicates = 2\nmethod = "lhs"'
        ),
        ("problem.must_be_table",),
    ),  # fmt: skip
    Case(
        "experiment/one_bound",
        "sweep",
        exp(_PAR, _PAR + "bounds = [0.5]\n"),
        ("problem.two_numbers",),
    ),  # fmt: skip
    Case(
        "experiment/bounds_not_list", "sweep", exp(_PAR, _PAR + "bounds = 0.5\n"), ("problem.list",)
    ),  # fmt: skip
    Case(
        "experiment/bounds_nan",
        "sweep",
        exp(_PAR, _PAR + "bounds = [nan, 0.5]\n"),
        ("problem.finite",),
    ),  # fmt: skip
    Case(
        "experiment/bounds_text",
        "sweep",
        exp(_PAR, _PAR + 'bounds = [0.1, "0.5"]\n'),
        ("problem.number",),
    ),  # fmt: skip
    Case("experiment/window_unknown", "sweep", EXP + 'window = "later"\n', ("problem.one_of",)),
    Case(
        "experiment/output_missing_metric",
        "sweep",
        exp('metric = "shootings"\n', ""),
        ("problem.required",),
    ),  # fmt: skip
    # --- experiment files: checks beyond types ------------------------------------------
    Case(
        "experiment/factorial_with_n",
        "sweep",
        exp('"lhs"', '"factorial"'),
        ("problem.n_factorial",),
    ),  # fmt: skip
    Case("experiment/lhs_without_n", "sweep", exp("n = 8\n", ""), ("problem.n_required",)),
    Case(
        "experiment/sobol_not_power_of_2",
        "sensitivity",
        exp("n = 8", "n = 3", SOBOL),
        ("problem.n_power_of_2",),
    ),  # fmt: skip
    Case("experiment/lhs_n_1", "sweep", exp("n = 8", "n = 1"), ("problem.n_at_least_2",)),
    Case(
        "experiment/fast_n_small",
        "sensitivity",
        exp("n = 8", "n = 16", SOBOL.replace("sobol", "fast")),
        ("problem.n_fast",),
    ),  # fmt: skip
    Case(
        "experiment/second_order_lhs",
        "sweep",
        exp("n = 8", "n = 8\nsecond_order = true"),
        ("problem.second_order",),
    ),  # fmt: skip
    Case(
        "experiment/levels_lhs",
        "sweep",
        exp("n = 8", "n = 8\nlevels = 4"),
        ("problem.method_levels",),
    ),  # fmt: skip
    Case(
        "experiment/morris_odd_levels",
        "sensitivity",
        exp("n = 8", "n = 8\nlevels = 3", SOBOL.replace("sobol", "morris")),
        ("problem.levels_even",),
    ),  # fmt: skip
    Case(
        "experiment/path_close",
        "sweep",
        exp("enforcement.fidelity", "enforcement.fidelty"),
        ("problem.not_parameter", "problem.hint_did_you_mean"),
    ),  # fmt: skip
    Case(
        "experiment/path_far",
        "sweep",
        exp("enforcement.fidelity", "qqq.zzz"),
        ("problem.not_parameter", "problem.hint_params"),
    ),  # fmt: skip
    Case(
        "experiment/path_text",
        "sweep",
        exp("enforcement.fidelity", "city.audit_dir"),
        ("problem.not_numeric",),
    ),  # fmt: skip
    Case(
        "experiment/bounds_and_levels",
        "sweep",
        exp(_PAR, _PAR + "bounds = [0.2, 0.4]\nlevels = [0.2]\n"),
        ("problem.bounds_or_levels",),
    ),  # fmt: skip
    Case(
        "experiment/switch_lhs",
        "sweep",
        exp("enforcement.fidelity", "callins.enabled"),
        ("problem.switch_factorial",),
    ),  # fmt: skip
    Case(
        "experiment/levels_in_lhs",
        "sweep",
        exp(_PAR, _PAR + "levels = [0.2, 0.4]\n"),
        ("problem.levels_factorial",),
    ),  # fmt: skip
    Case(
        "experiment/inverted_bounds",
        "sweep",
        exp(_PAR, _PAR + "bounds = [0.9, 0.2]\n"),
        ("problem.inverted",),
    ),  # fmt: skip
    Case(
        "experiment/bounds_outside",
        "sweep",
        exp(_PAR, _PAR + "bounds = [0.2, 1.5]\n"),
        ("problem.lie_within", "problem.limits_and"),
    ),  # fmt: skip
    Case(
        "experiment/levels_empty",
        "sweep",
        exp(_PAR, _PAR + "levels = []\n").replace('"lhs"\nn = 8', '"factorial"'),
        ("problem.levels_none",),
    ),  # fmt: skip
    Case(
        "experiment/levels_wrong_kind",
        "sweep",
        exp(_PAR, '[[parameters]]\npath = "callins.attendees"\nlevels = [5, 7.5]\n').replace(
            '"lhs"\nn = 8', '"factorial"'
        ),
        ("problem.levels_whole",),
    ),  # fmt: skip
    Case(
        "experiment/levels_switch_kind",
        "sweep",
        exp(_PAR, '[[parameters]]\npath = "callins.enabled"\nlevels = [1]\n').replace(
            '"lhs"\nn = 8', '"factorial"'
        ),
        ("problem.levels_switch",),
    ),  # fmt: skip
    Case(
        "experiment/levels_number_kind",
        "sweep",
        exp(_PAR, _PAR + "levels = [0.5, true]\n").replace('"lhs"\nn = 8', '"factorial"'),
        ("problem.levels_finite",),
    ),  # fmt: skip
    Case(
        "experiment/levels_outside",
        "sweep",
        exp(_PAR, _PAR + "levels = [0.5, 2.0]\n").replace('"lhs"\nn = 8', '"factorial"'),
        ("problem.outside_range", "problem.limits_and"),
    ),  # fmt: skip
    Case(
        "experiment/levels_twice",
        "sweep",
        exp(_PAR, _PAR + "levels = [0.5, 0.5]\n").replace('"lhs"\nn = 8', '"factorial"'),
        ("problem.level_twice",),
    ),  # fmt: skip
    Case("experiment/varied_twice", "sweep", exp(_PAR, _PAR + _PAR), ("problem.varied_twice",)),
    Case(
        "experiment/output_name_reserved",
        "sweep",
        exp('name = "shootings"', 'name = "seed"'),
        ("problem.output_name",),
    ),  # fmt: skip
    Case("experiment/output_name_twice", "sweep", EXP + _OUT, ("problem.output_twice",), lines=2),
    Case(
        "experiment/metric_close",
        "sweep",
        exp('metric = "shootings"', 'metric = "shooting"'),
        ("problem.not_metric", "problem.hint_did_you_mean"),
    ),  # fmt: skip
    Case(
        "experiment/metric_far",
        "sweep",
        exp('metric = "shootings"', 'metric = "qqqq"'),
        ("problem.not_metric", "problem.hint_known"),
    ),  # fmt: skip
    Case(
        "experiment/level_metric_total",
        "sweep",
        exp('metric = "shootings"', 'metric = "mean_legitimacy"'),
        ("problem.daily_level",),
    ),  # fmt: skip
    Case(
        "experiment/change_without_baseline",
        "sweep",
        EXP + 'statistic = "change_vs_baseline"\n',
        ("problem.needs_baseline",),
    ),  # fmt: skip
    Case(
        "experiment/scenario_unknown",
        "sweep",
        exp('"baseline"', '"nosuch"'),
        ("problem.cannot_load",),
        lines=2,
    ),  # fmt: skip
    Case(
        "experiment/baseline_time",
        "sweep",
        exp("replicates = 2", 'replicates = 2\nbaseline = "short.toml"'),
        ("problem.share_time",),
        files={"short.toml": 'extends = "baseline"\n[time]\nhorizon_days = 900\n'},
    ),
    Case(
        "experiment/time_with_baseline",
        "sweep",
        exp("replicates = 2", 'replicates = 2\nbaseline = "baseline"').replace(
            "enforcement.fidelity", "time.warmup_days"
        ),
        ("problem.time_paired",),
    ),  # fmt: skip
    Case(
        "experiment/invalid_corner",
        "sweep",
        exp(_PAR, '[[parameters]]\npath = "time.rollout_day"\nbounds = [0, 7300]\n'),
        ("problem.invalid_value", "problem.rollout_before_horizon"),
    ),  # fmt: skip
    Case("experiment/sobol_in_sweep", "sweep", SOBOL, ("problem.kind_command",)),
    Case(
        "experiment/job_too_many_runs",
        "sweep",
        exp("replicates = 2", "replicates = 100000").replace("n = 8", "n = 1000"),
        ("problem.job_runs",),
    ),  # fmt: skip
    # --- calibration files --------------------------------------------------------------
    Case(
        "calibration/method_unknown",
        "calibrate",
        cal("budget = 20", 'budget = 20\nmethod = "abc"'),
        ("problem.input_should_be", "problem.or_list"),
    ),  # fmt: skip
    Case(
        "calibration/window_close",
        "calibrate",
        cal("budget = 20", 'budget = 20\nwindow = "al"'),
        ("problem.one_of",),
    ),  # fmt: skip
    Case(
        "calibration/budget_small",
        "calibrate",
        cal("budget = 20", "budget = 5"),
        ("problem.bound",),
    ),  # fmt: skip
    Case(
        "calibration/quantile_zero",
        "calibrate",
        cal("budget = 20", "budget = 20\nquantile = 0.0"),
        ("problem.bound",),
    ),  # fmt: skip
    Case(
        "calibration/unknown_key",
        "calibrate",
        cal("budget = 20", "budget = 20\nsize = 3"),
        ("problem.unknown_key_keys",),
    ),  # fmt: skip
    Case(
        "calibration/prior_long",
        "calibrate",
        cal("prior = [0.00002, 0.00015]", "prior = [0.00002, 0.00015, 0.1]"),
        ("problem.two_numbers",),
    ),  # fmt: skip
    Case(
        "calibration/scale_zero", "calibrate", cal("scale = 6", "scale = 0"), ("problem.bound",)
    ),  # fmt: skip
    Case(
        "calibration/target_missing_value",
        "calibrate",
        cal("value = 60\n", ""),
        ("problem.required",),
    ),  # fmt: skip
    Case(
        "calibration/smc_key_in_rejection",
        "calibrate",
        cal("budget = 20", "budget = 20\npopulation = 50"),
        ("problem.method_key",),
    ),  # fmt: skip
    Case(
        "calibration/scenario_missing",
        "calibrate",
        cal('scenario = "baseline"\n', ""),
        ("problem.scenario_missing",),
    ),  # fmt: skip
    Case(
        "calibration/targets_missing",
        "calibrate",
        CAL.split("[[targets]]")[0],
        ("problem.targets_missing",),
    ),  # fmt: skip
    Case(
        "calibration/pattern_close",
        "calibrate",
        smc('patterns = ["volum"]'),
        ("problem.not_pattern", "problem.hint_did_you_mean"),
    ),  # fmt: skip
    Case(
        "calibration/pattern_far",
        "calibrate",
        smc('patterns = ["qqqq"]'),
        ("problem.not_pattern", "problem.hint_known"),
    ),  # fmt: skip
    Case(
        "calibration/pattern_twice",
        "calibrate",
        smc('patterns = ["volume", "volume"]'),
        ("problem.given_twice",),
        lines=2,
    ),  # fmt: skip
    Case(
        "calibration/patterns_empty", "calibrate", smc("patterns = []"), ("problem.patterns_empty",)
    ),  # fmt: skip
    Case(
        "calibration/time_key", "calibrate", smc("time = {days = 3}"), ("problem.time_key",)
    ),  # fmt: skip
    Case(
        "calibration/time_value",
        "calibrate",
        smc('time = {horizon_days = "x"}'),
        ("problem.whole_number",),
    ),  # fmt: skip
    Case(
        "calibration/time_range",
        "calibrate",
        smc("time = {horizon_days = 2, warmup_days = 0, rollout_day = 1}"),
        ("problem.lie_within",),
    ),  # fmt: skip
    Case(
        "calibration/time_refused",
        "calibrate",
        smc("time = {horizon_days = 40, warmup_days = 0, rollout_day = 45}"),
        ("problem.invalid_value",),
    ),  # fmt: skip
    Case(
        "calibration/none_accepted",
        "calibrate",
        SMC.replace(
            'method = "abc-smc"',
            'method = "abc-smc"\npopulation = 10\ngenerations = 1\n'
            'min_acceptance = 0.5\npatterns = ["retaliation_lag"]\n'
            "time = {horizon_days = 30, warmup_days = 0, rollout_day = 10}",
        )
        + "prior = [0.0, 0.001]\n",
        ("problem.smc_none_accepted",),
    ),  # fmt: skip
    Case(
        "calibration/fitted_twice",
        "calibrate",
        cal(
            "[[targets]]",
            '[[parameters]]\npath = "violence.base_hazard"\n'
            "prior = [0.00002, 0.00015]\n[[targets]]",
        ),
        ("problem.fitted_twice",),
    ),  # fmt: skip
    Case(
        "calibration/path_far",
        "calibrate",
        cal("violence.base_hazard", "qqq.zzz"),
        ("problem.not_parameter", "problem.hint_params"),
    ),  # fmt: skip
    Case(
        "calibration/no_sa_bounds",
        "calibrate",
        cal("prior = [0.00002, 0.00015]\n", ""),
        ("problem.no_sa_bounds",),
    ),  # fmt: skip
    Case(
        "calibration/one_prior",
        "calibrate",
        cal("[0.00002, 0.00015]", "[0.00002]"),
        ("problem.prior_two",),
    ),  # fmt: skip
    Case(
        "calibration/int_parameter",
        "calibrate",
        cal(
            '"violence.base_hazard"\nprior = [0.00002, 0.00015]',
            '"city.n_groups"\nprior = [5.0, 10.0]',
        ),
        ("problem.not_fitted",),
    ),  # fmt: skip
    Case(
        "calibration/inverted_prior",
        "calibrate",
        cal("[0.00002, 0.00015]", "[0.00015, 0.00002]"),
        ("problem.inverted",),
    ),  # fmt: skip
    Case(
        "calibration/prior_outside",
        "calibrate",
        cal("[0.00002, 0.00015]", "[0.00002, 0.5]"),
        ("problem.lie_within", "problem.limits_and"),
    ),  # fmt: skip
    Case(
        "calibration/true_outside",
        "calibrate",
        cal("[0.00002, 0.00015]", "[0.00002, 0.00015]\ntrue = 0.001"),
        ("problem.true_outside",),
    ),  # fmt: skip
    Case(
        "calibration/target_close",
        "calibrate",
        cal('"shootings_per_year"', '"shooting_per_year"'),
        ("problem.not_target", "problem.hint_did_you_mean"),
    ),  # fmt: skip
    Case(
        "calibration/target_far",
        "calibrate",
        cal('"shootings_per_year"', '"qqqq"'),
        ("problem.not_target", "problem.hint_known"),
    ),  # fmt: skip
    Case(
        "calibration/target_twice",
        "calibrate",
        CAL + '[[targets]]\nname = "shootings_per_year"\nvalue = 50\nscale = 5\n',
        ("problem.given_twice",),
        lines=2,
    ),  # fmt: skip
    Case(
        "calibration/share_above_one",
        "calibrate",
        cal(
            '"shootings_per_year"\nvalue = 60\nscale = 6', '"share_fatal"\nvalue = 1.5\nscale = 0.1'
        ),
        ("problem.must_be_range", "problem.target_range", "problem.target.share_fatal"),
    ),  # fmt: skip
    Case(
        "calibration/negative_rate",
        "calibrate",
        cal("value = 60", "value = -1"),
        ("problem.target_range_open", "problem.target.shootings_per_year"),
    ),  # fmt: skip
    *(
        Case(
            f"calibration/target_{name}",
            "calibrate",
            cal('"shootings_per_year"\nvalue = 60', f'"{name}"\nvalue = {value}'),
            ("problem.must_be_range", f"problem.target.{name}"),
        )
        for name, value in (
            ("share_injured", 1.5),
            ("share_retaliation", 2),
            ("arrests_per_year", -3),
            ("active_groups", 50_000),
        )
    ),  # fmt: skip
    Case(
        "calibration/tiny_scale",
        "calibrate",
        cal("scale = 6", "scale = 1e-12"),
        ("problem.min_scale",),
    ),  # fmt: skip
    Case(
        "calibration/shares_sum",
        "calibrate",
        CAL + '[[targets]]\nname = "share_fatal"\nvalue = 0.6\nscale = 0.1\n'
        '[[targets]]\nname = "share_injured"\nvalue = 0.6\nscale = 0.1\n',
        ("problem.shares_sum",),
    ),  # fmt: skip
    Case(
        "calibration/scenario_unknown",
        "calibrate",
        cal('"baseline"', '"nosuch"'),
        ("problem.cannot_load",),
        lines=2,
    ),  # fmt: skip
    Case(
        "calibration/invalid_corner",
        "calibrate",
        cal(
            '"violence.base_hazard"\nprior = [0.00002, 0.00015]',
            '"violence.p_fatal"\nprior = [0.1, 0.99]',
        ),
        ("problem.value_error", "problem.outcomes_sum"),
    ),  # fmt: skip
    # --- fit-city files -----------------------------------------------------------------
    Case("fit/missing_name", "fit-city", fit('name = "my_city"\n', ""), ("problem.required",)),
    Case(
        "fit/missing_city",
        "fit-city",
        fit("[city]\nn_groups = 20\nmembers = 300\n", ""),
        ("problem.fit_city_required",),
    ),  # fmt: skip
    Case(
        "fit/missing_counts",
        "fit-city",
        fit("[counts]\nshootings = [48, 55]\n", ""),
        ("problem.fit_counts_required",),
    ),  # fmt: skip
    Case(
        "fit/unknown_key",
        "fit-city",
        fit('name = "my_city"', 'name = "my_city"\nscenario = "x"'),
        ("problem.unknown_key_keys",),
    ),  # fmt: skip
    Case(
        "fit/unknown_key_close",
        "fit-city",
        fit("name =", "naem = 'x'\nname ="),
        ("problem.did_you_mean",),
    ),  # fmt: skip
    Case(
        "fit/counts_key_close",
        "fit-city",
        fit("[48, 55]", "[48, 55]\nkiled = [1, 2]"),
        ("problem.did_you_mean",),
    ),  # fmt: skip
    Case(
        "fit/negative_count", "fit-city", fit("[48, 55]", "[10, -3]"), ("problem.fit_counts_range",)
    ),
    Case(
        "fit/decimal_count", "fit-city", fit("[48, 55]", "[10, 2.5]"), ("problem.fit_counts_whole",)
    ),  # fmt: skip
    Case("fit/no_counts", "fit-city", fit("[48, 55]", "[]"), ("problem.values_at_least",)),
    Case(
        "fit/too_many_counts",
        "fit-city",
        fit("[48, 55]", "[" + ", ".join(["50"] * 21) + "]"),
        ("problem.values_at_most",),
    ),  # fmt: skip
    Case("fit/count_not_list", "fit-city", fit("[48, 55]", "48"), ("problem.list",)),
    Case(
        "fit/injured_length_1",
        "fit-city",
        fit("[48, 55]", "[48, 55]\ninjured = [3]"),
        ("problem.fit_counts_length",),
    ),  # fmt: skip
    Case(
        "fit/killed_length_3",
        "fit-city",
        fit("[48, 55]", "[48, 55]\nkilled = [1, 2, 3]"),
        ("problem.fit_counts_length",),
    ),  # fmt: skip
    Case(
        "fit/years_length",
        "fit-city",
        fit("[48, 55]", "[48, 55]\nyears = [2024]"),
        ("problem.fit_years_length",),
    ),  # fmt: skip
    Case(
        "fit/years_order",
        "fit-city",
        fit("[48, 55]", "[48, 55]\nyears = [2024, 2023]"),
        ("problem.fit_years_order",),
    ),  # fmt: skip
    Case(
        "fit/hit_more_than_shootings",
        "fit-city",
        fit("[48, 55]", "[5, 5]\ninjured = [4, 4]\nkilled = [3, 3]"),
        ("problem.fit_hit",),
    ),  # fmt: skip
    Case(
        "fit/group_size_mean",
        "fit-city",
        fit("members = 300", "members = 300\ngroup_size_mean = 5"),
        ("problem.fit_group_size_mean",),
    ),  # fmt: skip
    Case(
        "fit/city_unknown_key",
        "fit-city",
        fit("members = 300", "members = 300\ncolour = 1"),
        ("problem.unknown_key_keys",),
    ),  # fmt: skip
    Case("fit/city_key_close", "fit-city", fit("n_groups", "n_group"), ("problem.did_you_mean",)),
    Case(
        "fit/city_value_list",
        "fit-city",
        fit("members = 300", "members = [300]"),
        ("problem.single_value",),
    ),  # fmt: skip
    Case(
        "fit/audit_and_groups",
        "fit-city",
        fit("members = 300", 'members = 300\naudit_dir = "a"'),
        ("problem.fit_audit_or_groups",),
    ),  # fmt: skip
    Case(
        "fit/audit_empty",
        "fit-city",
        fit("n_groups = 20\nmembers = 300", 'audit_dir = ""'),
        ("problem.fit_audit_text",),
    ),  # fmt: skip
    Case(
        "fit/audit_missing",
        "fit-city",
        fit("n_groups = 20\nmembers = 300", 'audit_dir = "nowhere"'),
        ("problem.audit_not_found",),
    ),  # fmt: skip
    Case(
        "fit/members_missing",
        "fit-city",
        fit("members = 300\n", ""),
        ("problem.fit_required_with",),
    ),  # fmt: skip
    Case(
        "fit/city_empty",
        "fit-city",
        fit("n_groups = 20\nmembers = 300\n", ""),
        ("problem.fit_required_city",),
        lines=2,
    ),  # fmt: skip
    Case(
        "fit/groups_text",
        "fit-city",
        fit("n_groups = 20", 'n_groups = "20"'),
        ("problem.whole_number",),
    ),  # fmt: skip
    Case(
        "fit/groups_zero",
        "fit-city",
        fit("n_groups = 20", "n_groups = 0"),
        ("problem.bound_range",),
    ),  # fmt: skip
    Case(
        "fit/members_below_groups",
        "fit-city",
        fit("members = 300", "members = 10"),
        ("problem.fit_members_groups",),
    ),  # fmt: skip
    Case("fit/name_spaces", "fit-city", fit('"my_city"', '"my city!"'), ("problem.fit_name",)),
    Case(
        "fit/title_long",
        "fit-city",
        fit('name = "my_city"', 'name = "my_city"\ntitle = "' + "x" * 130 + '"'),
        ("problem.fit_title",),
    ),  # fmt: skip
    Case(
        "fit/replicates_small",
        "fit-city",
        fit('name = "my_city"', 'name = "my_city"\nreplicates = 2'),
        ("problem.bound",),
    ),  # fmt: skip
    Case(
        "fit/seed_text",
        "fit-city",
        fit('name = "my_city"', 'name = "my_city"\nseed = "1"'),
        ("problem.whole_number",),
    ),  # fmt: skip
    Case(
        "fit/base_unknown",
        "fit-city",
        fit('name = "my_city"', 'name = "my_city"\nbase = "baselin"'),
        ("problem.no_preset",),
    ),  # fmt: skip
    Case(
        "fit/base_long_name",
        "fit-city",
        fit('name = "my_city"', 'name = "my_city"\nbase = "' + "a" * 100 + '"'),
        ("problem.no_preset",),
    ),
    Case(
        "fit/base_missing_file",
        "fit-city",
        fit('name = "my_city"', 'name = "my_city"\nbase = "nowhere.toml"'),
        ("problem.cannot_load", "problem.file_not_found"),
        lines=2,
    ),  # fmt: skip
    Case(
        "fit/city_out_of_range",
        "fit-city",
        fit("members = 300", "members = 300\ncore_share = 2.0"),
        (),
    ),  # a scenario key, in the scenario's words
    Case(
        "fit/members_per_group",
        "fit-city",
        fit("n_groups = 20\nmembers = 300", "n_groups = 1\nmembers = 20000"),
        ("problem.fit_group_size",),
    ),  # fmt: skip
    Case(
        "fit/audit_invalid",
        "fit-city",
        fit("n_groups = 20\nmembers = 300", 'audit_dir = "audit"'),
        ("problem.fit_audit_invalid",),
        files={
            "audit/groups.csv": "group_id,size\nG1,x\n",
            "audit/rivalries.csv": "group_a,group_b,intensity\n",
        },
        lines=2,
    ),  # fmt: skip
    *AUDIT_CASES,
    # --- result folders and jobs ------------------------------------------------------------
    Case(
        "folder/is_a_file",
        "fit-city",
        fit("[48, 55]", "[48, 55]"),
        ("err.out_not_folder",),
        setup="out_file",
    ),  # fmt: skip
    Case(
        "folder/holds_other_files", "sweep", EXP, ("problem.folder_other_files",), setup="out_used"
    ),  # fmt: skip
    Case(
        "folder/holds_other_results",
        "calibrate",
        CAL,
        ("problem.folder_other_results",),
        setup="out_other",
    ),  # fmt: skip
    Case("folder/in_use", "sweep", EXP, ("problem.folder_in_use",), setup="locked"),
    Case(
        "store/other_experiment",
        "sweep",
        EXP,
        ("problem.store_other", "problem.store_differs_in"),
        setup="store_other",
    ),  # fmt: skip
    Case(
        "store/other_version",
        "sweep",
        EXP,
        ("problem.store_version", "problem.store_version_of"),
        setup="store_version",
    ),  # fmt: skip
    Case(
        "store/unreadable_manifest",
        "sweep",
        EXP,
        ("problem.store_manifest",),
        setup="store_manifest",
    ),  # fmt: skip
    Case(
        "store/no_manifest", "sweep", EXP, ("problem.store_no_manifest",), setup="store_no_manifest"
    ),  # fmt: skip
    Case(
        "store/rejection_folder",
        "calibrate",
        SMC,
        ("problem.store_rejection",),
        setup="store_rejection",
    ),  # fmt: skip
    Case(
        "job/memory",
        "sweep",
        EXP,
        ("problem.job_memory", "problem.job_split_study"),
        env={"GVI_MEMORY_LIMIT": "1000000"},
    ),  # fmt: skip
    Case(
        "ensemble/missing",
        "fit-city",
        FIT,
        ("problem.ensemble_folder", "problem.ensemble_missing"),
        args=("--ensemble", "nowhere"),
    ),  # fmt: skip
    Case(
        "dask/timeout",
        "sweep",
        EXP,
        ("problem.dask_timeout",),
        args=("--dask-local", "1"),
        env={"GVI_DASK_WORKER_TIMEOUT": "soon"},
    ),  # fmt: skip
    Case(
        "discover/samples",
        "discover",
        None,
        ("problem.discover_samples",),
        args=("gvi", "--samples", "5"),
    ),  # fmt: skip
    Case(
        "discover/threshold",
        "discover",
        None,
        ("problem.discover_threshold",),
        args=("gvi", "--threshold", "300"),
    ),  # fmt: skip
    Case(
        "discover/arrests",
        "discover",
        None,
        ("problem.discover_arrests",),
        args=("gvi", "--arrests-limit", "-5"),
    ),  # fmt: skip
    Case("plan/budget", "plan", None, ("problem.plan_budget",), args=("gvi", "--budget", "0")),
    Case(
        "plan/outreach",
        "plan",
        None,
        ("problem.plan_outreach_workers",),
        args=("gvi", "--budget", "1e6", "--outreach-workers", "-1"),
    ),  # fmt: skip
    Case(
        "plan/lever",
        "plan",
        None,
        ("problem.plan_lever",),
        args=("gvi", "--budget", "1e6", "--levers", "city.n_groups"),
    ),  # fmt: skip
    Case(
        "plan/worlds",
        "plan",
        None,
        ("problem.plan_worlds",),
        args=("gvi", "--budget", "1e6", "--worlds", "2"),
    ),  # fmt: skip
    Case(
        "plan/percentile",
        "plan",
        None,
        ("problem.plan_percentile",),
        args=("gvi", "--budget", "1e6", "--percentile", "100"),
    ),  # fmt: skip
    Case(
        "plan/population",
        "plan",
        None,
        ("problem.plan_population",),
        args=("gvi", "--budget", "1e6", "--population", "2"),
    ),  # fmt: skip
]


@dataclass(frozen=True)
class Outcome:
    code: int
    stdout: str
    stderr: str
    wrote: list[str]  # paths that appeared in the working folder

    @property
    def lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]


def run_case(case: Case, folder: Path, lang: str) -> Outcome:
    """``gvi --lang LANG ...`` of ``case`` in ``folder`` (made empty first), in this
    process."""
    folder.mkdir(parents=True, exist_ok=True)
    args = prepare(case, folder)
    before = {p.relative_to(folder) for p in folder.rglob("*")}
    with contextlib.ExitStack() as stack:
        stack.enter_context(contextlib.chdir(folder))
        stack.enter_context(_environment(case.env))
        if case.setup == "locked":
            stack.enter_context(held_lock(folder / "out"))
            before = {p.relative_to(folder) for p in folder.rglob("*")}
        code, stdout, stderr = run_gvi(["--lang", lang, *args])
    wrote = sorted(str(p) for p in {p.relative_to(folder) for p in folder.rglob("*")} - before)
    return Outcome(code, stdout, stderr, wrote)


@contextlib.contextmanager
def _environment(env: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def run_gvi(args: list[str]) -> tuple[int, str, str]:
    """``gvi ARGS`` in this process: exit code, stdout, stderr."""
    from gvi.cli import main

    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            code = main(args)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    return code, stdout.getvalue(), stderr.getvalue()


def prepare(case: Case, folder: Path) -> list[str]:
    """Write ``case``'s files into ``folder`` (the working folder); its arguments."""
    name = {
        "sweep": "study",
        "sensitivity": "study",
        "calibrate": "calibration",
        "compare": "city",
        "validate": "city",
    }.get(case.command, "fit")
    path = folder / f"{name}.toml"
    if isinstance(case.text, bytes):
        path.write_bytes(case.text)
    elif case.text is not None:
        path.write_text(case.text, encoding="utf-8")
    for rel, content in case.files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            (folder / rel).write_bytes(content)
        else:
            (folder / rel).write_text(content, encoding="utf-8")
    out = folder / "out"
    command = "calibrate" if case.command == "calibrate" else "sweep"
    mark = json.dumps({"command": command})
    if case.setup == "out_file":
        out.write_text("mine", encoding="utf-8")
    elif case.setup == "out_used":
        out.mkdir()
        (out / "notes.txt").write_text("mine", encoding="utf-8")
    elif case.setup == "out_other":
        out.mkdir()
        (out / "summary.json").write_text("{}", encoding="utf-8")
        (out / ".gvi-folder").write_text('{"command": "run"}', encoding="utf-8")
    elif case.setup.startswith("store_"):  # a result folder of the same command
        out.mkdir()
        (out / ".gvi-folder").write_text(mark, encoding="utf-8")
        manifest = {
            "store_other": {"identity": {"model": model_identity(), "experiment": {}}},
            "store_version": {"identity": {"model": {"gvi_sim": "0.1", "model_code": "0" * 16}}},
            "store_manifest": "{",
            "store_no_manifest": None,
            "store_rejection": None,
        }[case.setup]
        if isinstance(manifest, dict):
            manifest = json.dumps(manifest)
        if manifest is not None:
            (out / "manifest.json").write_text(manifest, encoding="utf-8")
        elif case.setup == "store_no_manifest":
            (out / "notes.txt").write_text("mine", encoding="utf-8")
        else:
            (out / "runs").mkdir()
            (out / "runs" / "manifest.json").write_text("{}", encoding="utf-8")
    if case.text is None:
        return [case.command, *case.args, "--out", "out", "--workers", "1"]
    if case.command == "validate":
        return [case.command, path.name, *case.args]
    return [case.command, path.name, "--out", "out", "--workers", "1", *case.args]


def model_identity() -> dict[str, str]:
    from experiments.version import model_identity as identity

    return identity()


@contextlib.contextmanager
def held_lock(out: Path) -> Iterator[None]:
    """The lock of ``out`` held as another gvi process holds it (pid 4242)."""
    import fcntl

    out.mkdir(exist_ok=True)
    (out / ".gvi-folder").write_text('{"command": "sweep"}', encoding="utf-8")
    fd = os.open(out / ".gvi-lock", os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.pwrite(fd, b"4242", 0)
        yield
    finally:
        os.close(fd)
