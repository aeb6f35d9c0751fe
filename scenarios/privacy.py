"""Refusing identifying data in a group audit.

A real group audit lists people suspected of serious crime (GDPR art. 10; the Swedish
Brottsdatalagen). The simulator needs pseudonymous ids only, so the importer refuses,
before it checks anything else:

Columns
    whose name suggests a personal name, identity number, contact detail or birth date,
    in Swedish or English, in any case, with or without accents, spaces or a byte-order
    mark: ``namn``, ``Förnamn``, ``vem``, ``alias``, ``smeknamn``, ``personnr``, ``pnr``,
    ``regnr``, ``mejl``, ``e-post``, ``kontakt``, ``tfn``, ``mobilnr``, ``telefon``,
    ``adress``, ``postnr``, ``instagram``, ``född``, ``födelsedatum``, ``dob``, ...

Cells
    in every column, and in the header row, that look like

    * a personnummer or samordningsnummer (day + 60) in any common written form: 10 or
      12 digits, with or without the century, with ``-``, ``+``, a space or nothing
      between the date and the last four digits;
    * an e-mail address;
    * a phone number: ``070-123 45 67``, ``08-123 456 78``, ``+46 70 ...``,
      ``0046 ...``, or any 8 or more digits in three or more groups;
    * a date of birth: ``1985-01-01``, ``19850101``, ``1/1/1985``, ``1 jan 1985``, and
      ``850101`` unless the column holds numbers only (years from 1900 to ten years ago;
      later dates are taken for events, not births);
    * a full name: a common first name next to another capitalised word (``Anna
      Svensson``, ``Svensson, Anna``) or joined to another word (``anna.svensson``).

Member ids
    must be pseudonymous codes: a member id needs at least one digit, and its letters
    may form short codes (``M0001``, ``P-17``, ``GVI2024-017``, ``ZQX-91827``) or generic
    words (``member 7``, ``medlem_0042``, ``Norr-12``), never a name. Refused: ids
    without a digit (``Kalle``, ``Anna Svensson``, ``Svensson, Anna``,
    ``anna.svensson``), ids holding a first name (``Ali7``) or a word of four or more
    letters that is not a generic word or an upper-case code of at most four letters
    (``Kalle1``), and ids holding two such words of two or more letters.

Text is NFKC-normalised before it is read (full-width digits and letters, non-breaking
spaces), digits of any script are read as 0-9, invisible format characters (byte-order
mark, zero-width space) are dropped and every kind of dash counts as a hyphen. Messages
name the file, row and column and the kind of data, never the value; values that later
checks would quote are left out when they look identifying or hold a first name.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date

from scenarios.errors import Message, Problem
from scenarios.tables import Table, at_cell, at_column

MIN_AGE = 10  # a date of birth is a date at least this many years ago (and from 1900 on)

# --- text -----------------------------------------------------------------------------

_DASHES = str.maketrans(
    dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63", "-")
)
# Format characters (category Cf): byte-order mark, soft hyphen, zero-width and
# direction marks, which a copied cell may carry invisibly.
_FORMAT = re.compile(
    "[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000e0001-\U000e007f]"
)
_OTHER_DIGITS = re.compile(r"(?![0-9])\d")  # Arabic-Indic, Devanagari, ...
_LETTERS = str.maketrans({"ø": "o", "æ": "ae", "ð": "d", "þ": "th", "ł": "l", "đ": "d"})


def _clean(text: str) -> str:
    """``text`` NFKC-normalised, digits as 0-9, format characters dropped, dashes as ``-``."""
    if text.isascii():
        return text
    text = _FORMAT.sub("", unicodedata.normalize("NFKC", text))
    text = _OTHER_DIGITS.sub(lambda m: str(unicodedata.decimal(m.group())), text)
    return text.translate(_DASHES)


def _fold(text: str) -> str:
    """``text`` cleaned, case-folded and without accents: ``"FÖDD"`` -> ``"fodd"``."""
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKD", _clean(text).casefold())
    return "".join(c for c in text if not unicodedata.combining(c)).translate(_LETTERS)


# --- column names ---------------------------------------------------------------------


@dataclass(frozen=True)
class _ColumnRule:
    why: str  # a catalogue entry (gvi/i18n/locale/*/cli.po)
    parts: tuple[str, ...]  # substrings of the name with separators removed
    words: frozenset[str]  # whole words of the name ("member_pnr" -> "member", "pnr")
    names: frozenset[str] = frozenset()  # the whole name


_COLUMN_RULES = (
    _ColumnRule(
        "problem.privacy_name_column",
        ("name", "namn", "alias"),
        frozenset({"vem", "who", "aka", "kallas", "kallad", "nick", "initialer", "initials"}),
        frozenset({"person", "personer", "individ"}),
    ),
    _ColumnRule(
        "problem.privacy_id_column",
        (
            "personnummer",
            "personnr",
            "persnr",
            "personalnumber",
            "personalidentity",
            "samordningsn",
            "socialsecurity",
            "idnumber",
            "idnummer",
            "regnr",
            "registreringsn",
            "passnummer",
            "passnr",
            "passport",
            "idkort",
            "korkortsn",
            "imei",
            "iban",
            "bankkonto",
            "kontonummer",
        ),
        frozenset({"pnr", "ssn"}),
    ),
    _ColumnRule(
        "problem.privacy_contact_column",
        (
            "address",
            "adress",
            "telefon",
            "phone",
            "email",
            "epost",
            "mejl",
            "tfn",
            "telnr",
            "mobilnr",
            "mobilnum",
            "postnr",
            "postnum",
            "postort",
            "postcode",
            "postalcode",
            "zipcode",
            "street",
            "kontaktuppgift",
            "kontaktinfo",
            "kontaktperson",
            "contactinfo",
            "contactdetail",
            "instagram",
            "snapchat",
            "facebook",
            "tiktok",
            "telegram",
            "whatsapp",
            "twitter",
            "discord",
        ),
        frozenset({"tel", "mobil", "mobile", "mail", "kontakt", "contact", "sms", "zip", "gata"}),
    ),
    _ColumnRule(
        "problem.privacy_birth_column",
        ("birth", "fodelse", "fodd"),
        frozenset({"dob", "yob", "born"}),
    ),
)


def sensitive_column(column: str) -> Message | None:
    """Why a column name (as written or normalised) looks identifying, or None if it does not."""
    rule = _column_rule(column)
    return Message(rule.why) if rule else None


def _column_rule(column: str) -> _ColumnRule | None:
    words = [w for w in re.split(r"[^0-9a-z]+", _fold(column)) if w]
    compact = "".join(words)
    for rule in _COLUMN_RULES:
        if compact in rule.names or rule.words.intersection(words):
            return rule
        if any(part in compact for part in rule.parts):
            return rule
    return None


# --- personnummer and samordningsnummer -----------------------------------------------

# YYMMDD or YYYYMMDD, then "-", "+" (100 years or older), a space, " - " or nothing, then
# four digits; the day may be shifted by 60 (samordningsnummer). Any such number is
# refused whether or not its check digit is right: a mistyped personnummer still
# identifies a person, and a ten-digit date-shaped number is no sensible pseudonymous
# id. The check digit (Luhn) is required only of digits grouped in other ways
# ("85 01 01-1234"), where it keeps other numbers from being taken for one.
_PERSONNUMMER = re.compile(
    r"(?<![0-9])(?P<century>18|19|20)?[0-9]{2}"
    r"(?:0[1-9]|1[0-2])"
    r"(?:0[1-9]|[12][0-9]|3[01]|6[1-9]|[78][0-9]|9[01])"
    r"(?P<separator> ?[-+] ?| )?[0-9]{4}(?![0-9])"
)
_DIGIT_GROUPS = re.compile(r"(?<![0-9])[0-9]+(?:[ +/-][0-9]+)+(?![0-9])")
_DATE_DIGITS = re.compile(
    r"[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01]|6[1-9]|[78][0-9]|9[01])[0-9]{4}"
)


def _luhn(digits: str) -> bool:
    total = 0
    for i, c in enumerate(digits):
        value = int(c) * (2 if i % 2 == 0 else 1)
        total += value // 10 + value % 10
    return total % 10 == 0


def looks_like_personnummer(text: str) -> bool:
    """True if ``text`` contains a Swedish personal identity number in a usual written form."""
    return _PERSONNUMMER.search(_clean(text)) is not None


def _regrouped_personnummer(text: str) -> bool:
    """Digits grouped unusually (``85 01 01-1234``) that read as a valid personnummer.

    Groups starting with 0 are left to the phone-number check (``070-123 45 67``).
    """
    for match in _DIGIT_GROUPS.finditer(text):
        if match.group().startswith("0"):
            continue
        digits = re.sub(r"[^0-9]", "", match.group())
        if len(digits) == 12 and digits[:2] in ("18", "19", "20"):
            digits = digits[2:]
        if len(digits) == 10 and _DATE_DIGITS.fullmatch(digits) and _luhn(digits):
            return True
    return False


# --- e-mail, phone numbers, dates of birth --------------------------------------------

_EMAIL = re.compile(r"[\w.+%'-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}")
_PHONE_RUN = re.compile(r"(?<!\w)[+(]?[0-9](?:[ ()/-]{1,2}[0-9]|[0-9])*")
_THOUSANDS = re.compile(r"[0-9]{1,3}(?: [0-9]{3})+")
_YEAR = re.compile(r"(?:19|20)[0-9]{2}")
_ANY_DATE = re.compile(
    r"(?:19|20)[0-9]{2}(?P<s>[-/. ])[0-9]{1,2}(?P=s)[0-9]{1,2}"
    r"|[0-9]{1,2}(?P<t>[-/.])[0-9]{1,2}(?P=t)(?:[0-9]{2}|[0-9]{4})"
)


def _phone(text: str) -> bool:
    """A Swedish or international phone number, or 8+ digits in 3+ groups."""
    for match in _PHONE_RUN.finditer(text):
        run = match.group()
        digits = re.sub(r"[^0-9]", "", run)
        groups = re.findall(r"[0-9]+", run)
        if _ANY_DATE.fullmatch(run):  # a date, not a birth date (those are refused before)
            continue
        if run.startswith("+"):
            if len(digits) >= 8:
                return True
        elif digits.startswith("00"):
            if len(digits) >= 10 and digits[2] != "0":
                return True
        elif digits.startswith("0"):
            if 8 <= len(digits) <= 12 and digits[1] != "0":
                return True
        elif (
            len(digits) >= 8
            and len(groups) >= 3
            and not _THOUSANDS.fullmatch(run)
            and not all(_YEAR.fullmatch(g) for g in groups)
        ):
            return True
    return False


_MONTH = (
    r"(?:jan(?:uari|uary)?|feb(?:ruari|ruary)?|mar(?:s|ch)?|apr(?:il)?|maj|may"
    r"|jun(?:i|e)?|jul(?:i|y)?|aug(?:usti|ust)?|sep(?:t|tember)?|okt(?:ober)?|oct(?:ober)?"
    r"|nov(?:ember)?|dec(?:ember)?)"
)
_YMD = re.compile(
    r"(?<![0-9])(?P<y>(?:19|20)[0-9]{2})(?P<s>[-/. ])(?P<m>0?[1-9]|1[0-2])(?P=s)"
    r"(?P<d>0?[1-9]|[12][0-9]|3[01])(?![0-9])"
)
_DMY = re.compile(
    r"(?<![0-9])(?P<a>[0-9]{1,2})(?P<s>[-/.])(?P<b>[0-9]{1,2})(?P=s)"
    r"(?P<y>(?:19|20)[0-9]{2}|[0-9]{2})(?![0-9])"
)
_YYYYMMDD = re.compile(
    r"(?<![0-9])(?P<y>(?:19|20)[0-9]{2})(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])(?![0-9])"
)
# six digits standing alone (not part of a code such as M850101 or P-000123)
_YYMMDD = re.compile(
    r"(?<![\w-])(?P<y>[0-9]{2})(?:0[1-9]|1[0-2])"
    r"(?:0[1-9]|[12][0-9]|3[01]|6[1-9]|[78][0-9]|9[01])(?![\w-])"
)
_DAY_MONTH_YEAR = re.compile(
    rf"(?<![0-9])(?:[0-9]{{1,2}})(?:\.|:e|:a)?\s*{_MONTH}\b\.?,?\s*(?P<y>(?:19|20)[0-9]{{2}})(?![0-9])",
    re.IGNORECASE,
)
_MONTH_DAY_YEAR = re.compile(
    rf"\b{_MONTH}\.?\s*(?:[0-9]{{1,2}})(?:st|nd|rd|th)?,?\s*(?P<y>(?:19|20)[0-9]{{2}})(?![0-9])",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"[+-]?[0-9]+(?:[.,][0-9]+)?")


def _birth_year(year: str) -> bool:
    """``year`` (two or four digits) could be the year of birth of a living group member."""
    latest = date.today().year - MIN_AGE
    if len(year) == 2:  # the most recent year with these last two digits
        full = 2000 + int(year)
        full = full if full <= date.today().year else full - 100
    else:
        full = int(year)
    return 1900 <= full <= latest


def _birth_date(text: str, *, six_digits: bool) -> bool:
    """A date that could be a date of birth (``six_digits``: also a bare ``YYMMDD``)."""
    if _YEAR.search(text):  # a four-digit year 19xx or 20xx
        for pattern in (_YMD, _YYYYMMDD, _DAY_MONTH_YEAR, _MONTH_DAY_YEAR):
            if any(_birth_year(m.group("y")) for m in pattern.finditer(text)):
                return True
    for m in _DMY.finditer(text):
        a, b = int(m.group("a")), int(m.group("b"))
        plausible = (1 <= a <= 31 and 1 <= b <= 12) or (1 <= a <= 12 and 1 <= b <= 31)
        if plausible and _birth_year(m.group("y")):
            return True
    if six_digits:
        return any(_birth_year(m.group("y")) for m in _YYMMDD.finditer(text))
    return False


# --- names ----------------------------------------------------------------------------

# Common first names in Sweden, folded (å -> a, ö -> o). Names that are also common
# Swedish or English words (Per, Jan, Bo, Tor, Hans, Klara, Saga, Max, Said, Mark, ...)
# are left out: they would refuse ordinary notes.
_FIRST_NAMES = """
    adam agnes ahmad ahmed aisha ake albin alexander ali alice alva amanda amina amir
    anders andreas anita anna anneli annika anton arne aron asa astrid axel bengt benjamin
    bertil bilal birgitta camilla carina christian daniel david dennis ebba elias elin
    elisabeth ella ellen elliot elsa emelie emil emma emre erik eva fatima felicia filip
    fredrik frida gabriel goran gunilla gunnar gustav hamza hampus hanna hassan helena
    henrik hiba hugo hussein ibrahim ida ingrid inger ingvar isak ismail jakob jacob jenny
    jesper jimmy joakim johan johanna jonas jonathan josefin julia kalle karim karin karl
    katarina kenneth kent kerstin kevin khalid kjell kristina lars leila lena lennart leo
    leif liam linda linnea linus lisa louise lucas ludvig maja malin magnus mahmoud
    margareta maria marianne marie martin marcus matilda mats mattias mehmet melvin
    mikael mikaela moa mohamed mohammad mohammed monica muhammad murat mustafa nadia niklas
    nils noah nora olivia olle omar oliver oskar patrik pelle peter rasmus robert robin
    roger rolf ronny sabina samuel sandra sara sebastian simon sofia stefan stina susanne
    sven therese theo thomas tobias tommy ulf ulla vera viktor vincent william wilma
    yasmin yusuf zeynep
"""
FIRST_NAMES = frozenset(_FIRST_NAMES.split())
# Words that may stand in a pseudonymous member id ("member 7", "Norr-12").
_GENERIC_WORDS = """
    member members medlem medlemmar person pers pseudo pseudonym anon anonym individ
    deltagare participant subject case fall kod code test user grupp group gang nummer
    number okand unknown norr nord soder syd vaster vast oster ost mitt centrum north
    south east west core karna periferi associate
"""
_ID_WORDS = frozenset(_GENERIC_WORDS.split())
_WORDS = re.compile(r"[^\W\d_]+")
_DIGIT = re.compile(r"[0-9]")
_JOINED_WORDS = re.compile(r"[^\W\d_]+(?:[._ -][^\W\d_]+)+[0-9]*")
_VOWELS = set("aeiouy")


def _full_name(text: str) -> bool:
    """A first name next to another capitalised word, or joined to another word."""
    words = _WORDS.findall(text)
    if len(words) < 2:
        return False
    for i, word in enumerate(words):
        if _fold(word) not in FIRST_NAMES:
            continue
        if word[0].isupper() and any(w[0].isupper() for j, w in enumerate(words) if j != i):
            return True
        if text.strip().islower() and _JOINED_WORDS.fullmatch(text.strip()):
            return True
    return False


def _name_in_member_id(text: str) -> bool:
    """True unless ``text`` is shaped like a pseudonymous code (see the module docstring)."""
    if not _DIGIT.search(text):
        return True
    wordish = 0
    for word in _WORDS.findall(text):
        folded = _fold(word)
        if folded in _ID_WORDS:
            continue
        if folded in FIRST_NAMES:
            return True
        if not _VOWELS.intersection(folded) or (word.isupper() and len(word) <= 4):
            continue
        if len(word) >= 4:
            return True
        if len(word) >= 2 and not word.isupper():
            wordish += 1
    return wordish >= 2


# --- cells ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Kind:
    why: str  # catalogue entries (gvi/i18n/locale/*/cli.po)
    fix: str


_REPLACE = "problem.privacy_fix_replace"
_REMOVE_OR_REPLACE = "problem.privacy_fix_remove_or_replace"
_PNR = _Kind("problem.privacy_pnr", _REPLACE)
_PNR_OR_PHONE = _Kind("problem.privacy_pnr_or_phone", _REMOVE_OR_REPLACE)
_EMAIL_KIND = _Kind("problem.privacy_email", _REMOVE_OR_REPLACE)
_PHONE_KIND = _Kind("problem.privacy_phone", "problem.privacy_fix_remove")
_BIRTH_KIND = _Kind("problem.privacy_birth", "problem.privacy_fix_birth")
_MEMBER_NAME = _Kind("problem.privacy_member_name", "problem.privacy_fix_member")
_NAME_KIND = _Kind("problem.privacy_name", _REMOVE_OR_REPLACE)

MEMBER_ID = "member_id"
ID_COLUMNS = frozenset({MEMBER_ID, "group_id", "group_a", "group_b"})


# Short codes that no rule below refuses (G01, M0001, P-17, M000123), and small numbers
# (5, 1,5, 0.75): read the common cells of an audit quickly.
_PLAIN = re.compile(r"[A-Za-z]?[-_]?[0-9]{1,5}|[A-Za-z][-_]?[0-9]{6,7}|[0-9]{1,5}[.,][0-9]+")


@functools.lru_cache(maxsize=4096)  # group ids, roles and flags repeat on every row
def _kind(text: str, column: str = "", *, numeric_column: bool = False) -> _Kind | None:
    if not text.strip() or _PLAIN.fullmatch(text):
        return None
    clean = _clean(text)
    if "@" in clean and _EMAIL.search(clean):
        return _EMAIL_KIND
    digits = len(_DIGIT.findall(clean))  # each rule needs at least so many digits
    match = _PERSONNUMMER.search(clean) if digits >= 10 else None
    if match:
        bare = match.group("century") is None and match.group("separator") is None
        return _PNR_OR_PHONE if bare and match.group().startswith("0") else _PNR
    six_digits = column in ID_COLUMNS or not numeric_column
    if digits >= 4 and _birth_date(clean, six_digits=six_digits):
        return _BIRTH_KIND
    if digits >= 10 and _regrouped_personnummer(clean):
        return _PNR
    if digits >= 8 and _phone(clean):
        return _PHONE_KIND
    if column == MEMBER_ID and _name_in_member_id(clean):
        return _MEMBER_NAME
    if _full_name(clean):
        return _NAME_KIND
    return None


def sensitive_value(text: str, column: str = "", *, numeric_column: bool = False) -> Message | None:
    """Why a cell looks identifying, or None if it does not.

    ``column`` is the normalised column name (``member_id`` ids must be pseudonymous
    codes; six-digit dates are always refused in id columns); ``numeric_column`` says
    that every cell of the column is a plain number, where a six-digit number is taken
    for a quantity, not a date.
    """
    kind = _kind(text, column, numeric_column=numeric_column)
    return Message(kind.why) if kind else None


def _refused(why: str, fix: str) -> Message:
    """``why``; the audit must be pseudonymous (...) — ``fix`` (both catalogue entries)."""
    return Message("problem.privacy", why=Message(why), fix=Message(fix))


def _problem(file: str, where: Message, kind: _Kind) -> Problem:
    return Problem(file, where, None, _refused(kind.why, kind.fix))


def privacy_problems(table: Table) -> list[Problem]:
    """Every identifying column and cell in ``table``, one problem each; no values shown."""
    problems = []
    labels: list[str | Message] = []  # a column as a message names it: never a refused name
    refused: set[int] = set()  # columns refused by their name: their cells go with them
    for i, name in enumerate(table.names):
        kind = _kind(name)
        if kind:
            labels.append(at_column(i + 1))
            problems.append(_problem(table.file, at_cell(1, at_column(i + 1)), kind))
            continue
        labels.append(name or at_column(i + 1))
        rule = _column_rule(name)
        if rule:
            refused.add(i)
            message = _refused(rule.why, "problem.privacy_fix_remove")
            problems.append(Problem(table.file, at_column(repr(name)), None, message))
    numeric = [
        all(_NUMBER.fullmatch(cells[i]) for _, cells in table.rows if i < len(cells) and cells[i])
        for i in range(len(table.columns))
    ]
    for number, cells in table.rows:
        for i, cell in enumerate(cells):
            if i in refused or not cell:
                continue
            column = table.columns[i] if i < len(table.columns) else ""
            kind = _kind(cell, column, numeric_column=i < len(numeric) and numeric[i])
            if kind:
                where = labels[i] if i < len(labels) else at_column(i + 1)
                problems.append(_problem(table.file, at_cell(number, where), kind))
    return problems


def shows_personal_data(value: object) -> bool:
    """True if a value a message would quote looks identifying or holds a first name."""
    text = str(value)
    if _kind(text) is not None:
        return True
    return any(_fold(word) in FIRST_NAMES for word in _WORDS.findall(text))


def without_personal_data(problems: Iterable[Problem]) -> list[Problem]:
    """``problems`` with every quoted value that :func:`shows_personal_data` left out."""
    return [
        replace(p, value=None) if p.value is not None and shows_personal_data(p.value) else p
        for p in problems
    ]
