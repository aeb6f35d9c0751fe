"""Reading input files defensively: size, binary content and text encoding.

Each failure becomes one :class:`~scenarios.errors.Problem` naming the file; no input,
however broken, produces a traceback.
"""

from __future__ import annotations

import errno
import os
import re
import tomllib
from pathlib import Path
from typing import Any

from scenarios.errors import Problem, ScenarioError, display_path, short_repr

TOML_MAX_BYTES = 1024 * 1024
UTF8_HINT = "save it as UTF-8"
LINK_LOOP = (
    "is a loop of symbolic links (a link that leads back to itself); point it at a real file"
)

_TOML_POSITION = re.compile(r"\s*\((at line (\d+), column (\d+)|at end of document)\)\s*$")


def _size_text(n: int) -> str:
    return f"{n:,} bytes".replace(",", " ")


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
    """
    name = shown_path(path)

    def fail(message: str) -> ScenarioError:
        return ScenarioError([Problem(name, "", None, message)])

    if is_link_loop(path):
        raise fail(LINK_LOOP)
    try:
        exists, is_dir, is_file = path.exists(), path.is_dir(), path.is_file()
        size = path.stat().st_size if is_file else 0
    except (OSError, ValueError):  # e.g. a name too long, or a NUL character in it
        raise fail("is not a valid file name") from None
    if not exists:
        raise fail("file not found; check the file name and its folder")
    if is_dir:
        raise fail("is a folder, not a file; give the path of the file")
    if not is_file:
        raise fail("is not a regular file")
    if size > max_bytes:
        limit = _size_text(max_bytes)
        raise fail(
            f"file too large ({_size_text(size)}; the limit is {limit}); is it the right file?"
        )
    try:
        with path.open("rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise fail(f"cannot be read ({reason.lower()})") from None
    if len(data) > max_bytes:
        raise fail(f"file too large (the limit is {_size_text(max_bytes)}); is it the right file?")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise fail(f"is UTF-16 text; {utf8_hint}")
    if data.startswith(b"PK\x03\x04"):
        raise fail(f"is a zip archive or an Excel workbook (.xlsx), not text; {utf8_hint}")
    if b"\x00" in data:
        raise fail(f"is not a text file (it contains binary data); {utf8_hint}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise fail(
            f"is not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line}); {utf8_hint}"
        ) from None
    if not text.strip():
        raise fail("file is empty; was it saved?")
    return text


# How to fix each kind of TOML syntax error (tomllib's message, lower case, starts with).
_TOML_FIXES = (
    ("illegal character '\\n'", 'a quoted text is not closed on its line; end it with "'),
    ("illegal character", "remove the character, or write it as an escape such as \\t"),
    ("unterminated string", 'a quoted text is never closed; end it with "'),
    ("invalid value", "a value must be a number, true or false, a date, or text in quotes"),
    ("cannot overwrite a value", "the key is set twice; keep one of them"),
    ("cannot declare", "the table is declared twice; merge the two into one"),
    ("cannot mutate", "the table is defined twice; define each table once"),
    ("cannot redefine", "the table is defined twice; define each table once"),
    ("duplicate inline table key", "set each key once"),
    ("expected '=' after a key", "write one key = value per line"),
    ("expected newline", "write one key = value per line, and text in quotes"),
    ("expected ']' at the end", "close the table name, e.g. [callins]"),
    ("expected ']]' at the end", "close the table name, e.g. [[parameters]]"),
    ("unclosed array", "close the list with ]"),
    ("unclosed inline table", "close the table with } on the same line"),
    ("invalid statement", "each line must be key = value, a [table] header or a # comment"),
    ("invalid initial character", "a key is letters, digits, _ and -; put any other key in quotes"),
    ("invalid date", "write a date as 2024-05-01"),
    ("unescaped '\\'", "write a backslash as \\\\ or use 'single quotes'"),
    ("escaped character", "write a valid \\u escape, or the character itself"),
    ("invalid hex value", "write a valid \\u escape, or the character itself"),
    ("found invalid character", "remove the character"),
)


def _toml_fix(detail: str) -> str:
    return next((f"; {fix}" for start, fix in _TOML_FIXES if detail.startswith(start)), "")


def _toml_syntax_message(exc: Exception, text: str) -> str:
    message = str(exc)
    match = _TOML_POSITION.search(message)
    detail = message[: match.start()] if match else message
    detail = detail[:1].lower() + detail[1:]
    detail += _toml_fix(detail)
    if match and match.group(2):
        line_no, col = int(match.group(2)), int(match.group(3))
        lines = text.splitlines()
        where = f"line {line_no}, column {col}"
        if 0 < line_no <= len(lines) and lines[line_no - 1].strip():
            where += f" ({short_repr(lines[line_no - 1].strip())})"
        return f"TOML syntax error at {where}: {detail}"
    if match:
        return f"TOML syntax error at the end of the file: {detail}"
    return f"TOML syntax error: {detail}"


def read_toml(path: Path) -> dict[str, Any]:
    """The parsed TOML table of ``path``; every failure is a :class:`ScenarioError`."""
    text = read_text(path, max_bytes=TOML_MAX_BYTES)
    name = shown_path(path)
    try:
        data = tomllib.loads(text)
    except RecursionError:
        message = "TOML nested too deeply; use [section] tables of plain values"
        raise ScenarioError([Problem(name, "", None, message)]) from None
    except ValueError as exc:  # tomllib.TOMLDecodeError, oversized integers
        message = _toml_syntax_message(exc, text)
        raise ScenarioError([Problem(name, "", None, message)]) from None
    if not data:
        message = "file is empty (it sets no keys); was it saved?"
        raise ScenarioError([Problem(name, "", None, message)])
    return data
