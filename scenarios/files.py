"""Reading input files defensively: size, binary content and text encoding.

Each failure becomes one :class:`~scenarios.errors.Problem` naming the file, its message
an entry of the ``cli`` catalogue (:class:`~scenarios.errors.Message`); no input, however
broken, produces a traceback.
"""

from __future__ import annotations

import errno
import os
import re
import tomllib
from pathlib import Path
from typing import Any

from scenarios.errors import Message, Problem, ScenarioError, display_path, short_repr

TOML_MAX_BYTES = 1024 * 1024
UTF8_HINT = "problem.hint_utf8"  # catalogue entries (gvi/i18n/locale/*/cli.po)
LINK_LOOP = "problem.link_loop"

_TOML_POSITION = re.compile(r"\s*\((at line (\d+), column (\d+)|at end of document)\)\s*$")


def _size_text(n: int) -> str:
    """``1 048 576``: the digits in groups of three (the unit is the message's)."""
    return f"{n:,}".replace(",", " ")


def is_link_loop(path: Path) -> bool:
    """Does ``path`` lead through symbolic links back to itself (so it names no file)?"""
    try:
        os.stat(path)
    except OSError as exc:
        return exc.errno == errno.ELOOP
    except ValueError:  # a NUL character in the name
        return False
    return False


def shown_path(path: str | Path) -> str:
    """:func:`~scenarios.errors.display_path`, also for a path in a loop of symbolic
    links, which cannot be resolved (then relative to the working folder as it is)."""
    try:
        return display_path(path)
    except RuntimeError:  # pathlib's "Symlink loop" (Python 3.11, 3.12)
        try:
            return str(Path(path).absolute().relative_to(Path.cwd()))
        except (ValueError, OSError):
            return str(path)


def is_file(path: Path) -> bool:
    """``path.is_file()``, False (not an error) for a name too long or with a NUL in it."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def read_text(path: Path, *, max_bytes: int, utf8_hint: str = UTF8_HINT) -> str:
    """The text of ``path``, or :class:`ScenarioError` with one problem saying why not.

    Refuses a missing path, a folder or device, a file over ``max_bytes``, binary content
    and text that is not UTF-8 (a leading UTF-8 byte-order mark is accepted and dropped).
    ``utf8_hint`` is the catalogue entry that says how to save the file as UTF-8.
    """
    name = shown_path(path)

    def fail(key: str, **values: Any) -> ScenarioError:
        return ScenarioError([Problem(name, "", None, Message(key, **values))])

    if is_link_loop(path):
        raise fail(LINK_LOOP)
    try:
        exists, is_dir, is_file = path.exists(), path.is_dir(), path.is_file()
        size = path.stat().st_size if is_file else 0
    except (OSError, ValueError):  # e.g. a name too long, or a NUL character in it
        raise fail("problem.bad_file_name") from None
    if not exists:
        raise fail("problem.file_not_found")
    if is_dir:
        raise fail("problem.is_folder")
    if not is_file:
        raise fail("problem.not_regular_file")
    if size > max_bytes:
        raise fail("problem.too_large", size=_size_text(size), limit=_size_text(max_bytes))
    try:
        with path.open("rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise fail("problem.unreadable", reason=reason.lower()) from None
    if len(data) > max_bytes:
        raise fail("problem.too_large_grown", limit=_size_text(max_bytes))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise fail("problem.utf16", hint=Message(utf8_hint))
    if data.startswith(b"PK\x03\x04"):
        raise fail("problem.zip", hint=Message(utf8_hint))
    if b"\x00" in data:
        raise fail("problem.binary", hint=Message(utf8_hint))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        byte = f"0x{data[exc.start]:02x}"
        raise fail("problem.not_utf8", byte=byte, line=line, hint=Message(utf8_hint)) from None
    if not text.strip():
        raise fail("problem.empty_text")
    return text


# tomllib's messages (first letter in lower case), each with the catalogue entry that
# says what it means and how to fix it; the named groups fill the entry's placeholders.
_TOML_ERRORS = tuple(
    (re.compile(pattern), key)
    for pattern, key in (
        (r"illegal character '\\n'", "problem.toml.newline_in_text"),
        (r"illegal character (?P<char>.+)", "problem.toml.illegal_character"),
        (r"unterminated string", "problem.toml.unterminated"),
        (r"invalid value", "problem.toml.invalid_value"),
        (r"cannot overwrite a value", "problem.toml.overwrite"),
        (r"cannot declare (?P<table>.+) twice", "problem.toml.declare_twice"),
        (r"cannot mutate immutable namespace (?P<table>.+)", "problem.toml.mutate"),
        (r"cannot redefine namespace (?P<table>.+)", "problem.toml.redefine"),
        (r"duplicate inline table key (?P<name>.+)", "problem.toml.inline_twice"),
        (r"expected '=' after a key in a key/value pair", "problem.toml.expected_equals"),
        (r"expected newline or end of document after a statement", "problem.toml.expected_newline"),
        (r"expected '\]' at the end of a table declaration", "problem.toml.table_not_closed"),
        (
            r"expected '\]\]' at the end of an array declaration",
            "problem.toml.array_table_not_closed",
        ),
        (r"unclosed array", "problem.toml.list_not_closed"),
        (r"unclosed inline table", "problem.toml.inline_table_not_closed"),
        (r"invalid statement", "problem.toml.invalid_statement"),
        (r"invalid initial character for a key part", "problem.toml.key_character"),
        (r"invalid date or datetime", "problem.toml.date"),
        (r"unescaped '\\' in a string", "problem.toml.backslash"),
        (r"escaped character is not a Unicode scalar value", "problem.toml.scalar"),
        (r"invalid hex value", "problem.toml.hex"),
        (r"found invalid character (?P<char>.+)", "problem.toml.invalid_character"),
        (r"expected (?P<text>.+)", "problem.toml.expected"),
    )
)


def _toml_detail(detail: str) -> Message:
    """What a tomllib message means and how to fix it; a message it has not been
    taught (a newer Python's, an integer of too many digits) as the parser wrote it."""
    for pattern, key in _TOML_ERRORS:
        found = pattern.fullmatch(detail)
        if found:
            values: dict[str, Any] = found.groupdict()
            return Message(key, **values)
    return Message("problem.toml.other", detail=detail)


def _toml_syntax_message(exc: Exception, text: str) -> Message:
    message = str(exc)
    match = _TOML_POSITION.search(message)
    detail = message[: match.start()] if match else message
    what = _toml_detail(detail[:1].lower() + detail[1:])
    if match and match.group(2):
        line_no, col = int(match.group(2)), int(match.group(3))
        lines = text.splitlines()
        if 0 < line_no <= len(lines) and lines[line_no - 1].strip():
            shown = short_repr(lines[line_no - 1].strip())
            return Message(
                "problem.toml_at_text", line=line_no, column=col, text=shown, detail=what
            )
        return Message("problem.toml_at", line=line_no, column=col, detail=what)
    if match:
        return Message("problem.toml_at_end", detail=what)
    return Message("problem.toml_error", detail=what)


def read_toml(path: Path) -> dict[str, Any]:
    """The parsed TOML table of ``path``; every failure is a :class:`ScenarioError`."""
    text = read_text(path, max_bytes=TOML_MAX_BYTES)
    name = shown_path(path)
    try:
        data = tomllib.loads(text)
    except RecursionError:
        message = Message("problem.toml_nested")
        raise ScenarioError([Problem(name, "", None, message)]) from None
    except ValueError as exc:  # tomllib.TOMLDecodeError, oversized integers
        message = _toml_syntax_message(exc, text)
        raise ScenarioError([Problem(name, "", None, message)]) from None
    if not data:
        message = Message("problem.empty_file")
        raise ScenarioError([Problem(name, "", None, message)])
    return data
