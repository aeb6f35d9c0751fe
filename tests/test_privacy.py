"""Personal data in a group audit is refused by its values, not only by its column names.

Every case below puts one piece of personal data into an otherwise valid audit (a
personnummer in an unusual written form, a name used as a member id, an e-mail address,
a phone number, a date of birth, a Swedish or English column name for any of them) and
runs ``gvi validate`` on a scenario naming the folder, as a user would. Each must exit 2
with one ``error:`` line for the audit folder and one naming the file, the row and
column and the kind of data, and no line may show the value or its digits. Valid audits
(the shipped example, the corpus's Excel exports, pseudonymous ids of many shapes) stay
accepted.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gvi.cli import main
from scenarios import Audit, AuditError, load_audit
from scenarios.privacy import looks_like_personnummer, sensitive_column, sensitive_value

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "scenarios" / "audits" / "example"
CORPUS = Path(__file__).resolve().parent / "corpus" / "audit"
DATA = Path(__file__).resolve().parent / "data" / "audits"

Rows = list[list[str]]
GROUPS: Rows = [
    ["group_id", "size", "note"],
    ["G01", "8", "N"],
    ["G02", "6", "S"],
    ["G03", "7", ""],
]
TIES: Rows = [["group_a", "group_b", "intensity"], ["G01", "G02", "1.5"]]
MEMBERS: Rows = [
    ["member_id", "group_id", "role", "on_supervision"],
    ["R2-X0", "G01", "core", "true"],
    ["M002", "G02", "associate", "false"],
]

PNR = "identity number"
NAME = "personal name"
EMAIL = "e-mail address"
PHONE = "phone number"
BIRTH = "date of birth"
NAME_COLUMN = "personal name column"
ID_COLUMN = "identity number column"
CONTACT_COLUMN = "contact details column"
BIRTH_COLUMN = "date of birth column"


@dataclass(frozen=True)
class Leak:
    """One piece of personal data, where it is put, and what the refusal must call it."""

    value: str
    where: str  # member_id, note, group_id, column (last column), first_column (BOM file)
    kind: str
    before: str = "accepted"  # what the importer did before values were checked

    @property
    def id(self) -> str:
        return f"{self.where}:{self.value!a}"


def _leaks(kind: str, where: str, values: list[str], before: str = "accepted") -> list[Leak]:
    return [Leak(v, where, kind, before) for v in values]


# Personnummer and samordningsnummer written with a space, another dash, full-width or
# Arabic-Indic digits or an invisible zero-width space (the Swedish Tax Agency's test
# number 19121212-1212 and a few invented ones).
PERSONNUMMER = [
    *_leaks(PNR, "member_id", ["850101 1234", "19850101 1234", "８５０１０１-１２３４"]),
    *_leaks(PNR, "member_id", ["121212 1212", "１９１２１２１２-１２１２", "121212–1212"]),
    *_leaks(PNR, "note", ["19121212 1212", "121212 - 1212", "pnr 121272 1212"]),
    *_leaks(PNR, "note", ["12 12 12-1212", "１２１２１２１２１２", "121212\u00a01212"]),
    *_leaks(PNR, "group_id", ["121212 1212", "19121272 1212", "１２１２１２＋１２１２"]),
    *_leaks(PNR, "note", ["٨٥٠١٠١-١٢٣٤", "850101\u200b-1234"]),
]
NAMES = [
    *_leaks(NAME, "member_id", ["Anna Svensson", "anna.svensson", "Svensson, Anna", "Kalle"]),
    *_leaks(NAME, "member_id", ["KALLE", "anna_svensson", "Anna-Karin Svensson", "Johansson"]),
    *_leaks(NAME, "member_id", ["Mohammed Ali", "Ｋａｌｌｅ", "Kalle1", "anna.svensson85"]),
    *_leaks(NAME, "member_id", ["Svensson Anna", "A. Svensson", "Ali7"]),
    *_leaks(NAME, "note", ["Anna Svensson", "Svensson, Anna", "anna.svensson", "ERIK LARSSON"]),
    *_leaks(NAME, "group_id", ["Anna Svensson", "Mohammed Ali Hassan"]),
]
# Column names; cells hold "x", so only the name can be refused. The first ones were
# accepted before; the last ones were refused already and must stay refused.
COLUMNS = [
    *_leaks(NAME_COLUMN, "column", ["vem", "Vem", "Who", "kallas", "aka"]),
    *_leaks(CONTACT_COLUMN, "column", ["kontakt", "mejl", "Mejl ", "ＭＥＪＬ", "mobilnr"]),
    *_leaks(CONTACT_COLUMN, "column", ["mobilnummer", "tfn", "TFN", "telnr"]),
    *_leaks(CONTACT_COLUMN, "column", ["postnr", "Postnummer", "postort", "instagram"]),
    *_leaks(CONTACT_COLUMN, "column", ["snapchat", "kontaktuppgifter"]),
    *_leaks(BIRTH_COLUMN, "column", ["född", " FÖDD ", "Fodd", "född_år", "födelseår"]),
    *_leaks(BIRTH_COLUMN, "column", ["fodelsear", "birth_year", "född (ååmmdd)"]),
    *_leaks(ID_COLUMN, "column", ["regnr", "passnummer", "samordningsnr"]),
    *_leaks(CONTACT_COLUMN, "first_column", ["mejl", "tfn"]),
    *_leaks(BIRTH_COLUMN, "first_column", ["född"]),
    *_leaks(NAME_COLUMN, "first_column", ["vem"]),
]
COLUMNS_REFUSED_BEFORE = [
    *_leaks(
        NAME_COLUMN, "column", ["namn", "förnamn", "Efternamn", "alias", "smeknamn"], "refused"
    ),
    *_leaks(CONTACT_COLUMN, "column", ["telefon", "e-post", "epost", "adress"], "refused"),
    *_leaks(CONTACT_COLUMN, "column", ["gatuadress", "E-mail", "Mobil nr"], "refused"),
    *_leaks(ID_COLUMN, "column", ["personnr", "PNR"], "refused"),
    *_leaks(BIRTH_COLUMN, "column", ["födelsedatum"], "refused"),
    *_leaks(NAME_COLUMN, "first_column", ["namn"], "refused"),
]
EMAILS = [
    *_leaks(EMAIL, "member_id", ["anna.svensson@example.se", "m917@example.se"]),
    *_leaks(EMAIL, "note", ["kontakt: anna@example.se", "ａｎｎａ＠ｅｘａｍｐｌｅ．ｓｅ"]),
    *_leaks(EMAIL, "note", ["ANNA.SVENSSON@EXAMPLE.COM"]),
    *_leaks(EMAIL, "group_id", ["info@example.org"]),
]
PHONES = [
    *_leaks(PHONE, "member_id", ["070-123 45 67", "+46 70 123 45 67", "0046701234567"]),
    *_leaks(PHONE, "note", ["+46701234567", "08-123 456 78", "(08) 123 45 67"]),
    *_leaks(PHONE, "note", ["tel 073 123 45 67", "+1 555 123 4567", "123 456 78"]),
    *_leaks(PHONE, "group_id", ["0046 70 123 45 67", "08-12 34 56"]),
    *_leaks(f"{PNR} or {PHONE}", "note", ["0701234567"], "refused"),
]
BIRTH_DATES = [
    *_leaks(BIRTH, "member_id", ["1985-01-01", "850101", "1/1/1985", "19850101"]),
    *_leaks(BIRTH, "note", ["1/1/1985", "01.01.1985", "född 1985-01-01", "1 jan 1985"]),
    *_leaks(BIRTH, "note", ["31/12/1990", "12/31/1990", "1985/01/01", "född 850101"]),
    *_leaks(BIRTH, "note", ["3 mars 1999"]),
    *_leaks(BIRTH, "group_id", ["850101", "1990-12-31"]),
]
ALL = [*PERSONNUMMER, *NAMES, *COLUMNS, *COLUMNS_REFUSED_BEFORE, *EMAILS, *PHONES, *BIRTH_DATES]


def tables_with(leak: Leak) -> tuple[dict[str, Rows], str, str]:
    """The audit holding ``leak``, the file that must be named and the place in it."""
    groups, members = [list(r) for r in GROUPS], [list(r) for r in MEMBERS]
    if leak.where == "member_id":
        members[2][0] = leak.value
        file, place = "members.csv", "row 3, member_id:"
    elif leak.where == "note":
        groups[2][2] = leak.value
        file, place = "groups.csv", "row 3, note:"
    elif leak.where == "group_id":
        groups.append([leak.value, "3", "x"])
        file, place = "groups.csv", "row 5, group_id:"
    elif leak.where == "column":
        groups = [[*r, c] for r, c in zip(groups, [leak.value, "x", "y", "z"], strict=True)]
        file, place = "groups.csv", "column '"
    else:  # first column of a file with a byte-order mark (Excel's CSV UTF-8)
        groups = [[c, *r] for r, c in zip(groups, [leak.value, "x", "y", "z"], strict=True)]
        file, place = "groups.csv", "column '"
    return {"groups.csv": groups, "rivalries.csv": TIES, "members.csv": members}, file, place


def write_audit(folder: Path, tables: dict[str, Rows], *, bom: bool = False) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows(rows)
        encoding = "utf-8-sig" if bom else "utf-8"
        (folder / name).write_text(buffer.getvalue(), encoding=encoding, newline="")
    return folder


def gvi_validate(folder: Path) -> tuple[int, str, str]:
    """``gvi validate`` on a scenario whose ``city.audit_dir`` is ``folder``."""
    scenario = folder.parent / "scenario.toml"
    scenario.write_text(
        f'extends = "baseline"\n[city]\naudit_dir = "{folder.name}"\n', encoding="utf-8"
    )
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["validate", str(scenario)])
    return code, out.getvalue(), err.getvalue()


def fragments(value: str) -> list[str]:
    """The parts of ``value`` no message may show: itself, its digits, its words."""
    folded = unicodedata.normalize("NFKC", value)
    parts = {value.strip(), folded.strip()}
    parts |= set(re.findall(r"[0-9]{3,}", folded))
    digits = "".join(re.findall(r"[0-9]", folded))
    if len(digits) >= 6:
        parts.add(digits)
    parts |= {w for w in re.findall(r"[^\W\d_]{4,}", folded)}
    return sorted(p for p in parts if p)


def shown(text: str, value: str) -> list[str]:
    return [p for p in fragments(value) if p in text]


def assert_refused(tmp_path: Path, leak: Leak) -> str:
    """Run ``leak`` through ``gvi validate``; the refusal line for it."""
    tables, file, place = tables_with(leak)
    folder = write_audit(tmp_path / "audit", tables, bom=leak.where == "first_column")
    code, stdout, stderr = gvi_validate(folder)
    assert code == 2 and stdout == "", (code, stdout, stderr)
    lines = stderr.splitlines()
    assert all(line.startswith("error: ") for line in lines), lines
    assert len(lines) == 2, lines  # the scenario's city.audit_dir, then the audit's problem
    line = lines[1]
    assert f"{file}: {place}" in line, line
    assert leak.kind in line and "pseudonymous" in line, line
    assert re.search(r"remove it|replace it", line), line
    if leak.where in ("member_id", "note", "group_id"):
        visible = stderr.replace(str(tmp_path), "<tmp>")
        assert shown(visible, leak.value) == [], visible
    return line


@pytest.mark.parametrize("leak", ALL, ids=[leak.id for leak in ALL])
def test_personal_data_is_refused_without_showing_it(tmp_path: Path, leak: Leak) -> None:
    assert_refused(tmp_path, leak)


def test_a_name_as_member_id_says_what_a_valid_id_looks_like(tmp_path: Path) -> None:
    line = assert_refused(tmp_path, Leak("Anna Svensson", "member_id", NAME))
    assert "m001" in line and "digit" in line


def test_a_duplicated_name_is_refused_and_never_shown(tmp_path: Path) -> None:
    members = [*MEMBERS, ["Anna Svensson", "G01", "core", "true"]]
    members.append(["Anna Svensson", "G02", "core", "true"])
    folder = write_audit(
        tmp_path / "audit", {"groups.csv": GROUPS, "rivalries.csv": TIES, "members.csv": members}
    )
    code, stdout, stderr = gvi_validate(folder)
    assert code == 2 and stdout == ""
    assert len(stderr.splitlines()) == 3
    assert "row 4, member_id:" in stderr and "row 5, member_id:" in stderr
    assert "Anna" not in stderr and "Svensson" not in stderr


def test_a_duplicated_member_id_is_reported_without_showing_it(tmp_path: Path) -> None:
    members = [*MEMBERS, ["R2-X0", "G03", "core", "true"]]
    folder = write_audit(
        tmp_path / "audit", {"groups.csv": GROUPS, "rivalries.csv": TIES, "members.csv": members}
    )
    with pytest.raises(AuditError) as info:
        load_audit(folder)
    (problem,) = info.value.problems
    assert problem.key == "row 4, member_id" and problem.value is None
    assert "duplicate member id (first on row 2)" in problem.message
    assert "R2-X0" not in str(info.value)


def test_several_leaks_in_one_file_are_each_reported_once(tmp_path: Path) -> None:
    members = [
        ["member_id", "group_id", "role", "on_supervision", "note"],
        ["Anna Svensson", "G01", "core", "true", "070-123 45 67"],
        ["M002", "G02", "associate", "false", "anna@example.se"],
        ["121212 1212", "G02", "associate", "false", ""],
    ]
    folder = write_audit(
        tmp_path / "audit", {"groups.csv": GROUPS, "rivalries.csv": TIES, "members.csv": members}
    )
    with pytest.raises(AuditError) as info:
        load_audit(folder)
    keys = [p.key for p in info.value.problems]
    assert keys == ["row 2, member_id", "row 2, note", "row 3, note", "row 4, member_id"]
    assert all(p.value is None for p in info.value.problems)
    # the file's path is named: its temporary folder (pytest-123, ...) is not the data's
    visible = str(info.value).replace(str(tmp_path), "<tmp>")
    for value in ("Anna Svensson", "070-123 45 67", "anna@example.se", "121212 1212"):
        assert shown(visible, value) == [], visible


def test_cells_of_a_refused_column_are_not_each_reported(tmp_path: Path) -> None:
    groups = [
        [*r, c]
        for r, c in zip(GROUPS, ["telefon", "070-123 45 67", "", "08-123 456 78"], strict=True)
    ]
    folder = write_audit(tmp_path / "audit", {"groups.csv": groups, "rivalries.csv": TIES})
    with pytest.raises(AuditError) as info:
        load_audit(folder)
    assert [p.key for p in info.value.problems] == ["column 'telefon'"]


def test_a_header_row_that_is_data_is_refused_without_showing_it(tmp_path: Path) -> None:
    members = [["Anna Svensson", "G01", "core", "true"], ["M002", "G02", "associate", "false"]]
    folder = write_audit(
        tmp_path / "audit", {"groups.csv": GROUPS, "rivalries.csv": TIES, "members.csv": members}
    )
    with pytest.raises(AuditError) as info:
        load_audit(folder)
    assert info.value.problems[0].key == "row 1, column 1"
    assert "Anna" not in str(info.value) and "Svensson" not in str(info.value)


# --- what stays accepted -------------------------------------------------------------


def test_the_shipped_example_is_accepted_through_the_command_line(tmp_path: Path) -> None:
    scenario = tmp_path / "scenario.toml"
    scenario.write_text(
        f'extends = "baseline"\n[city]\naudit_dir = "{EXAMPLE.as_posix()}"\n', encoding="utf-8"
    )
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        assert main(["validate", str(scenario)]) == 0, err.getvalue()


@pytest.mark.parametrize(
    "folder",
    [
        EXAMPLE,
        CORPUS / "accepted_plain",
        CORPUS / "accepted_excel_semicolon",
        CORPUS / "accepted_excel_bom_semicolon",
        DATA / "bom_semicolon",
    ],
    ids=lambda p: p.name,
)
def test_valid_audits_are_accepted(folder: Path) -> None:
    assert isinstance(load_audit(folder), Audit)


THIS_YEAR = date.today().year
MEMBER_IDS = [
    "M001",
    "M0001",
    "m001",
    "P-17",
    "ZQX-91827",
    "M-0-1",
    "GVI2024-017",
    "abc123",
    "x7f3a9",
    "SÖD-01",
    "NORR-12",
    "Norr-12",
    "anon-17",
    "member 7",
    "medlem_0042",
    "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
    "M000123",
    "P_000123",
    "M850101",
    "ID 42",
    "17",
    "ABCD-001",
]
OTHER_CELLS = [
    "Norr",
    "Söder-1",
    "grupp 7",
    "A",
    "Västra gänget",
    "Black Cobra",
    f"{THIS_YEAR}-05-01",
    f"1/5/{THIS_YEAR}",
    "12345",
    "2,5",
    "1 000",
    "10 000 000",
    "2015-2020",
    "2018 2019 2020",
    "kl 12-14",
    "2019",
    "20241301-1234",
    "121200-1234",
    "v. 12",
    "Zon 3",
    "Hus 12B",
    "1 per dag",
    "jan-mars",
]


@pytest.mark.parametrize("value", MEMBER_IDS)
def test_pseudonymous_member_ids_are_accepted(tmp_path: Path, value: str) -> None:
    tables, _, _ = tables_with(Leak(value, "member_id", ""))
    audit = load_audit(write_audit(tmp_path, tables))
    assert audit.members is not None and audit.members[1].id == value


@pytest.mark.parametrize("value", OTHER_CELLS)
def test_group_labels_and_notes_are_accepted(tmp_path: Path, value: str) -> None:
    tables, _, _ = tables_with(Leak(value, "note", ""))
    load_audit(write_audit(tmp_path / "note", tables))
    tables, _, _ = tables_with(Leak(value, "group_id", ""))
    assert value in load_audit(write_audit(tmp_path / "group", tables)).group_ids


def test_a_six_digit_number_is_a_quantity_in_a_column_of_numbers(tmp_path: Path) -> None:
    counts = ["population", "98000", "120315", "45000"]
    groups = [[*r, c] for r, c in zip(GROUPS, counts, strict=True)]
    audit = load_audit(write_audit(tmp_path, {"groups.csv": groups, "rivalries.csv": TIES}))
    assert audit.attributes["population"] == (98000.0, 120315.0, 45000.0)
    assert sensitive_value("120315", column="population", numeric_column=True) is None
    assert sensitive_value("120315", column="note") is not None  # a text column
    assert sensitive_value("120315", column="group_id", numeric_column=True) is not None


@pytest.mark.parametrize(
    "column",
    ["district", "years_active", "share_on_probation", "antal_kontakter", "mobilitet", "omrade"],
)
def test_innocent_column_names_are_accepted(column: str) -> None:
    assert sensitive_column(column) is None


def test_member_ids_are_checked_only_in_the_member_id_column() -> None:
    assert sensitive_value("Kalle", column="member_id") is not None
    assert sensitive_value("Kalle") is None
    assert sensitive_value("Norr", column="group_id") is None


# --- generated personnummer ----------------------------------------------------------


def luhn_digit(nine: str) -> int:
    total = 0
    for i, c in enumerate(nine):
        v = int(c) * (2 if i % 2 == 0 else 1)
        total += v // 10 + v % 10
    return (10 - total % 10) % 10


_FULLWIDTH = str.maketrans("0123456789-+", "０１２３４５６７８９－＋")


@st.composite
def personnummer(draw: st.DrawFn) -> str:
    """A personnummer or samordningsnummer in one of its written forms."""
    born = draw(st.dates(date(1900, 1, 1), date(2015, 12, 31)))
    day = born.day + (60 if draw(st.booleans()) else 0)  # samordningsnummer: day + 60
    nine = f"{born:%y%m}{day:02d}{draw(st.integers(0, 999)):03d}"
    check = luhn_digit(nine) if draw(st.booleans()) else draw(st.integers(0, 9))
    head = (f"{born.year // 100}" if draw(st.booleans()) else "") + nine[:6]
    separator = draw(st.sampled_from(["", "-", "+", " ", "–", " - ", "\u00a0"]))
    text = f"{head}{separator}{nine[6:]}{check}"
    return text.translate(_FULLWIDTH) if draw(st.booleans()) else text


@settings(max_examples=200, deadline=None)
@given(
    number=personnummer(),
    where=st.sampled_from(["member_id", "note", "group_id"]),
    around=st.sampled_from([("", ""), ("pnr ", ""), ("", " (kontrollera)"), ("nr: ", ".")]),
)
def test_generated_personnummer_are_refused_and_never_shown(
    number: str, where: str, around: tuple[str, str]
) -> None:
    value = around[0] + number + around[1]
    assert looks_like_personnummer(value)
    tables, file, place = tables_with(Leak(value, where, PNR))
    with tempfile.TemporaryDirectory() as name:
        with pytest.raises(AuditError) as info:
            load_audit(write_audit(Path(name), tables))
        text = str(info.value).replace(name, "<tmp>")
    (problem,) = info.value.problems
    assert problem.file.endswith(file) and f"{problem.key}:" == place
    assert PNR in problem.message and problem.value is None
    assert shown(text, number) == [] and not looks_like_personnummer(text)


@settings(max_examples=100, deadline=None)
# consonant-only letter runs: an id such as "LEO0" carries a name and is refused by rule
@given(st.from_regex(r"[B-DF-HJ-NP-TV-XZ]{1,3}[-_]?[0-9]{1,5}|[a-z][0-9]{3,5}", fullmatch=True))
def test_generated_pseudonymous_ids_are_accepted(member_id: str) -> None:
    tables, _, _ = tables_with(Leak(member_id, "member_id", ""))
    with tempfile.TemporaryDirectory() as name:
        audit = load_audit(write_audit(Path(name), tables))
    assert audit.members is not None and audit.members[1].id == member_id
