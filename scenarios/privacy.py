"""Refusing identifying data in a group audit.

A real group audit lists people suspected of serious crime (GDPR art. 10; the Swedish
Brottsdatalagen). The simulator needs pseudonymous ids only, so any column whose name
suggests a personal name, identity number, contact detail or birth date is refused, and
so is any cell that looks like a Swedish personal identity number (personnummer or
samordningsnummer). Messages name the file, row and column, never the value.
"""

from __future__ import annotations

import re

from scenarios.errors import Problem
from scenarios.tables import Table

_PSEUDONYMOUS = "the audit must be pseudonymous (GDPR art. 10, Brottsdatalagen)"

# Substrings of a column name with separators removed ("Förnamn" -> "fornamn").
_NAME_PARTS = ("name", "namn", "alias")
_ID_PARTS = (
    "personnummer",
    "personnr",
    "persnr",
    "personalnumber",
    "personalidentity",
    "samordningsnummer",
    "socialsecurity",
    "idnumber",
    "idnummer",
)
_CONTACT_PARTS = ("address", "adress", "telefon", "phone", "email", "epost")
_BIRTH_PARTS = ("birthdate", "dateofbirth", "birthday", "fodelsedatum", "fodelsedag")
# Whole words of a column name ("member_pnr" -> "member", "pnr").
_ID_WORDS = {"pnr", "ssn"}
_CONTACT_WORDS = {"tel", "mobil", "mobile", "mail"}
_BIRTH_WORDS = {"dob"}

# YYMMDD-XXXX, YYMMDD+XXXX, YYMMDDXXXX, YYYYMMDDXXXX, YYYYMMDD-XXXX; the day may be
# shifted by 60 (samordningsnummer).
_PERSONNUMMER = re.compile(
    r"(?<![0-9])(?:(?:18|19|20)[0-9]{2}|[0-9]{2})"
    r"(?:0[1-9]|1[0-2])"
    r"(?:0[1-9]|[12][0-9]|3[01]|6[1-9]|[78][0-9]|9[01])"
    r"[-+]?[0-9]{4}(?![0-9])"
)


def sensitive_column(column: str) -> str | None:
    """Why a normalised column name looks identifying, or None if it does not."""
    compact = column.replace("_", "")
    words = set(column.split("_"))
    if any(part in compact for part in _NAME_PARTS):
        return "looks like a personal name column"
    if words & _ID_WORDS or any(part in compact for part in _ID_PARTS):
        return "looks like a personal identity number column"
    if words & _CONTACT_WORDS or any(part in compact for part in _CONTACT_PARTS):
        return "looks like a contact details column (address, phone or e-mail)"
    if words & _BIRTH_WORDS or any(part in compact for part in _BIRTH_PARTS):
        return "looks like a date of birth column"
    return None


def looks_like_personnummer(text: str) -> bool:
    """True if ``text`` contains something shaped like a Swedish personal identity number."""
    return _PERSONNUMMER.search(text) is not None


def privacy_problems(table: Table) -> list[Problem]:
    """Every identifying column and identity-number-like cell in ``table``; no values shown."""
    problems = []
    labels = []
    for i, (column, name) in enumerate(zip(table.columns, table.names, strict=True), start=1):
        if looks_like_personnummer(name):
            labels.append(f"column {i}")
            message = f"looks like a personal identity number; {_PSEUDONYMOUS} — remove it"
            problems.append(Problem(table.file, f"row 1, column {i}", None, message))
            continue
        labels.append(name or f"column {i}")
        why = sensitive_column(column)
        if why:
            message = f"{why}; {_PSEUDONYMOUS} — remove it"
            problems.append(Problem(table.file, f"column {name!r}", None, message))
    for number, cells in table.rows:
        for i, cell in enumerate(cells):
            if looks_like_personnummer(cell):
                where = labels[i] if i < len(labels) else f"column {i + 1}"
                message = (
                    "looks like a Swedish personal identity number; "
                    f"{_PSEUDONYMOUS} — replace it with a pseudonymous id"
                )
                problems.append(Problem(table.file, f"row {number}, {where}", None, message))
    return problems
