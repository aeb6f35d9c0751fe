"""Importing a group audit from CSV: formats, checks, and refusal of identifying data."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios import Audit, AuditError, AuditMember, Problem, ScenarioError, load_audit

AUDITS = Path(__file__).parent / "data" / "audits"
EXAMPLE = Path(__file__).parent.parent / "scenarios" / "audits" / "example"
GROUPS = "group_id,size\nG1,5\nG2,3\nG3,4\n"
TIES = "group_a,group_b,intensity\nG1,G2,1.0\n"
TEST_PNR = "19121212-1212"  # the Swedish Tax Agency's test number, not a real person


def write_audit(
    folder: Path, groups: str = GROUPS, rivalries: str = TIES, members: str | None = None
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "groups.csv").write_text(groups, encoding="utf-8")
    (folder / "rivalries.csv").write_text(rivalries, encoding="utf-8")
    if members is not None:
        (folder / "members.csv").write_text(members, encoding="utf-8")
    return folder


def audit_error(folder: Path) -> AuditError:
    with pytest.raises(AuditError) as info:
        load_audit(folder)
    return info.value


def assert_reported(err: AuditError, file: str, key: str) -> Problem:
    """The error is plain text naming ``file`` and the row/column ``key``."""
    text = str(err)
    assert isinstance(err, ScenarioError)
    assert "Traceback" not in text and 'File "' not in text
    assert len(text.splitlines()) == len(err.problems)
    matches = [p for p in err.problems if p.file.endswith(file) and p.key == key]
    assert matches, f"no problem for {file} / {key!r} in:\n{text}"
    assert file in str(matches[0]) and key in str(matches[0])
    return matches[0]


# --- valid audits --------------------------------------------------------------------


def test_shipped_example_audit_is_valid_and_consistent() -> None:
    audit = load_audit(EXAMPLE)
    assert isinstance(audit, Audit)
    assert len(audit.group_ids) == len(set(audit.group_ids)) == len(audit.sizes) == 12
    assert all(6 <= s <= 25 for s in audit.sizes)
    assert len(audit.rivalries) == 15 and audit.alliances
    n = len(audit.group_ids)
    assert all(0 <= i < j < n and w > 0 for i, j, w in audit.rivalries)
    assert audit.members is not None
    counts = [sum(m.group == g for m in audit.members) for g in range(n)]
    assert all(c <= s for c, s in zip(counts, audit.sizes, strict=True))
    assert all(m.id.startswith("M") and len(m.id) == 5 for m in audit.members)
    assert set(audit.attributes) == {"years_active"}  # "district" is text, not numeric


def test_bom_semicolons_decimal_commas_and_swedish_values() -> None:
    audit = load_audit(AUDITS / "bom_semicolon")
    assert audit.group_ids == ("A1", "A2", "A3")
    assert audit.sizes == (8, 5, 6)
    assert audit.rivalries == ((0, 1, 1.5), (1, 2, 0.75))
    assert audit.alliances == ((0, 2),)
    assert audit.attributes == {"share_on_probation": (0.25, 0.4, 0.0)}
    assert audit.members == (
        AuditMember("P001", 0, core=True, on_supervision=True),
        AuditMember("P002", 0, core=False, on_supervision=False),
        AuditMember("P003", 1, core=True, on_supervision=True),
        AuditMember("P004", 2, core=False, on_supervision=False),
    )


def test_quoted_decimal_comma_in_a_comma_file_and_no_members(tmp_path: Path) -> None:
    audit = load_audit(write_audit(tmp_path, rivalries='group_a,group_b,intensity\nG1,G3,"2,5"\n'))
    assert audit.rivalries == ((0, 2, 2.5),)
    assert audit.members is None


def test_fewer_members_than_size_is_fine(tmp_path: Path) -> None:
    members = "member_id,group_id,role,on_supervision\nM0001,G1,core,yes\n"
    audit = load_audit(write_audit(tmp_path, members=members))
    assert audit.members == (AuditMember("M0001", 0, True, True),)


# --- broken audits -------------------------------------------------------------------


def test_missing_column() -> None:
    problem = assert_reported(audit_error(AUDITS / "missing_column"), "groups.csv", "row 1")
    assert "required column 'size' is missing" in problem.message


def test_duplicate_group_and_member_ids() -> None:
    err = audit_error(AUDITS / "duplicate_ids")
    assert "duplicate group id" in assert_reported(err, "groups.csv", "row 4, group_id").message
    assert "duplicate member id" in assert_reported(err, "members.csv", "row 4, member_id").message


def test_unknown_group_in_rivalries() -> None:
    problem = assert_reported(
        audit_error(AUDITS / "unknown_group"), "rivalries.csv", "row 3, group_b"
    )
    assert problem.value == "G99" and "unknown group id" in problem.message


def test_self_rivalry() -> None:
    problem = assert_reported(
        audit_error(AUDITS / "self_rivalry"), "rivalries.csv", "row 3, group_b"
    )
    assert "its own rival" in problem.message


def test_duplicate_pair_in_either_order() -> None:
    problem = assert_reported(
        audit_error(AUDITS / "duplicate_pair"), "rivalries.csv", "row 3, group_b"
    )
    assert "duplicate pair (already on row 2)" in problem.message


def test_bad_sizes_intensities_and_kinds() -> None:
    err = audit_error(AUDITS / "bad_values")
    assert_reported(err, "groups.csv", "row 2, size")
    assert assert_reported(err, "groups.csv", "row 3, size").value == "many"
    assert "> 0" in assert_reported(err, "rivalries.csv", "row 2, intensity").message
    assert "'rivalry' or 'alliance'" in assert_reported(err, "rivalries.csv", "row 3, kind").message


def test_members_exceeding_group_size() -> None:
    problem = assert_reported(audit_error(AUDITS / "members_exceed"), "groups.csv", "row 2, size")
    assert "3 members" in problem.message and "members.csv" in problem.message


def test_bad_member_values(tmp_path: Path) -> None:
    members = "member_id,group_id,role,on_supervision\nM1,G1,boss,maybe\n,G1,core,true\n"
    err = audit_error(write_audit(tmp_path, members=members))
    assert_reported(err, "members.csv", "row 2, role")
    assert_reported(err, "members.csv", "row 2, on_supervision")
    assert_reported(err, "members.csv", "row 3, member_id")


def test_row_with_too_many_values(tmp_path: Path) -> None:
    err = audit_error(write_audit(tmp_path, rivalries="group_a,group_b,intensity\nG1,G2,1,5\n"))
    assert "quote values" in assert_reported(err, "rivalries.csv", "row 2").message


def test_non_utf8_file_suggests_csv_utf8() -> None:
    problem = assert_reported(audit_error(AUDITS / "non_utf8"), "groups.csv", "")
    assert "CSV UTF-8 in Excel" in problem.message


def test_missing_files_and_folder(tmp_path: Path) -> None:
    problem = assert_reported(audit_error(AUDITS / "no_rivalries_file"), "rivalries.csv", "")
    assert "file not found" in problem.message
    assert "folder not found" in str(audit_error(tmp_path / "nowhere"))


def test_empty_groups_file(tmp_path: Path) -> None:
    err = audit_error(
        write_audit(tmp_path, groups="group_id,size\n", rivalries="group_a,group_b,intensity\n")
    )
    assert "no groups" in assert_reported(err, "groups.csv", "").message


# --- identifying data ----------------------------------------------------------------


def test_name_column_is_refused() -> None:
    problem = assert_reported(
        audit_error(AUDITS / "name_column"), "members.csv", "column 'Förnamn'"
    )
    assert "personal name" in problem.message and "pseudonymous" in problem.message
    assert "Kalle" not in str(audit_error(AUDITS / "name_column"))


@pytest.mark.parametrize(
    "column",
    [
        "name",
        "Namn",
        "Förnamn",
        "efternamn",
        "first_name",
        "Last Name",
        "surname",
        "full_name",
        "personnummer",
        "PNR",
        "personal_number",
        "ssn",
        "samordningsnummer",
        "address",
        "Adress",
        "phone",
        "telefon",
        "email",
        "E-post",
        "member_alias",
        "date_of_birth",
    ],
)
def test_identifying_columns_are_refused(tmp_path: Path, column: str) -> None:
    err = audit_error(write_audit(tmp_path, groups=f"group_id,size,{column}\nG1,5,x\nG2,3,y\n"))
    problem = assert_reported(err, "groups.csv", f"column {column!r}")
    assert "remove it" in problem.message


def test_personnummer_is_refused_without_echoing_it() -> None:
    err = audit_error(AUDITS / "personnummer")
    problem = assert_reported(err, "members.csv", "row 3, member_id")
    assert problem.value is None
    assert "identity number" in problem.message
    for fragment in (TEST_PNR, "121212", "1212121212"):
        assert fragment not in str(err)


@pytest.mark.parametrize(
    "value",
    [
        "121212-1212",
        "121212+1212",
        "191212121212",
        "19121212-1212",
        "1212121212",
        "121272-1212",
        "id 121212-1212 x",
    ],
)
def test_identity_number_shapes_are_refused(tmp_path: Path, value: str) -> None:
    groups = f"group_id,size,note\nG1,5,ok\nG2,3,{value}\nG3,4,\n"
    err = audit_error(write_audit(tmp_path, groups=groups))
    assert_reported(err, "groups.csv", "row 3, note")
    assert value not in str(err)


# a date this year is an event, not a date of birth (see scenarios.privacy)
@pytest.mark.parametrize(
    "value", ["M0001", "20241301-1234", "121200-1234", "12345", f"{date.today().year}-05-01"]
)
def test_other_numbers_are_not_identity_numbers(tmp_path: Path, value: str) -> None:
    load_audit(write_audit(tmp_path, groups=f"group_id,size,note\nG1,5,{value}\nG2,3,x\nG3,4,y\n"))


def test_refusal_comes_before_checks_that_would_quote_values(tmp_path: Path) -> None:
    groups = f"group_id,size\n{TEST_PNR},5\n{TEST_PNR},3\n"
    rivalries = f"group_a,group_b,intensity\n{TEST_PNR},{TEST_PNR},1\n"
    err = audit_error(write_audit(tmp_path, groups=groups, rivalries=rivalries))
    assert all("identity number" in p.message for p in err.problems)
    assert all(p.value is None for p in err.problems)
    assert TEST_PNR not in str(err) and "121212" not in str(err)


def test_identity_number_as_a_column_name_is_not_echoed(tmp_path: Path) -> None:
    err = audit_error(write_audit(tmp_path, groups=f"group_id,size,{TEST_PNR}\nG1,5,{TEST_PNR}\n"))
    assert_reported(err, "groups.csv", "row 1, column 3")
    assert_reported(err, "groups.csv", "row 2, column 3")
    assert "121212" not in str(err)


# --- nothing but Audit or AuditError -------------------------------------------------

_CELLS = [
    "group_id",
    "size",
    "group_a",
    "group_b",
    "intensity",
    "kind",
    "member_id",
    "role",
    "on_supervision",
    "G1",
    "G2",
    "G1",
    "5",
    "0",
    "-2",
    "1,5",
    "1.5",
    "nan",
    "alliance",
    "kärna",
    "ja",
    "",
    '"',
    "namn",
    TEST_PNR,
    "9" * 30,
]
_csvish = st.lists(
    st.lists(st.sampled_from(_CELLS) | st.text(max_size=5), max_size=5)
    .map(lambda cells: st.sampled_from([",", ";"]).map(lambda sep: sep.join(cells)))
    .flatmap(lambda s: s),
    max_size=6,
).map("\n".join)


@settings(max_examples=60, deadline=None)
@given(
    groups=st.one_of(_csvish.map(lambda t: "group_id,size\n" + t), _csvish, st.text(max_size=80)),
    rivalries=st.one_of(
        _csvish.map(lambda t: "group_a,group_b,intensity\n" + t), st.binary(max_size=40)
    ),
    members=st.none() | _csvish,
)
def test_any_csv_gives_an_audit_or_an_audit_error(
    groups: str, rivalries: str | bytes, members: str | None
) -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        (folder / "groups.csv").write_text(groups, encoding="utf-8", errors="surrogatepass")
        if isinstance(rivalries, bytes):
            (folder / "rivalries.csv").write_bytes(rivalries)
        else:
            (folder / "rivalries.csv").write_text(rivalries, encoding="utf-8")
        if members is not None:
            (folder / "members.csv").write_text(members, encoding="utf-8", errors="surrogatepass")
        try:
            assert isinstance(load_audit(folder), Audit)
        except AuditError as err:
            assert err.problems and "Traceback" not in str(err)
            assert TEST_PNR not in str(err)
