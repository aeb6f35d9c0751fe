"""Reading input files defensively: size, binary content and text encoding.

Each failure becomes one :class:`~scenarios.errors.Problem` naming the file; no input,
however broken, produces a traceback.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from scenarios.errors import Problem, ScenarioError, display_path, short_repr

TOML_MAX_BYTES = 1024 * 1024
UTF8_HINT = "save it as UTF-8"

_TOML_POSITION = re.compile(r"\s*\((at line (\d+), column (\d+)|at end of document)\)\s*$")


def _size_text(n: int) -> str:
    return f"{n:,} bytes".replace(",", " ")


def read_text(path: Path, *, max_bytes: int, utf8_hint: str = UTF8_HINT) -> str:
    """The text of ``path``, or :class:`ScenarioError` with one problem saying why not.

    Refuses a missing path, a folder or device, a file over ``max_bytes``, binary content
    and text that is not UTF-8 (a leading UTF-8 byte-order mark is accepted and dropped).
    """
    name = display_path(path)

    def fail(message: str) -> ScenarioError:
        return ScenarioError([Problem(name, "", None, message)])

    try:
        exists, is_dir, is_file = path.exists(), path.is_dir(), path.is_file()
        size = path.stat().st_size if is_file else 0
    except (OSError, ValueError):  # e.g. a name too long, or a NUL character in it
        raise fail("is not a valid file name") from None
    if not exists:
        raise fail("file not found")
    if is_dir:
        raise fail("is a folder, not a file")
    if not is_file:
        raise fail("is not a regular file")
    if size > max_bytes:
        raise fail(f"file too large ({_size_text(size)}; the limit is {_size_text(max_bytes)})")
    try:
        with path.open("rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise fail(f"cannot be read ({reason.lower()})") from None
    if len(data) > max_bytes:
        raise fail(f"file too large (the limit is {_size_text(max_bytes)})")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise fail(f"is UTF-16 text; {utf8_hint}")
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
        raise fail("file is empty")
    return text


def _toml_syntax_message(exc: Exception, text: str) -> str:
    message = str(exc)
    match = _TOML_POSITION.search(message)
    detail = message[: match.start()] if match else message
    detail = detail[:1].lower() + detail[1:]
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
    name = display_path(path)
    try:
        data = tomllib.loads(text)
    except RecursionError:
        raise ScenarioError([Problem(name, "", None, "TOML nested too deeply")]) from None
    except ValueError as exc:  # tomllib.TOMLDecodeError, oversized integers
        message = _toml_syntax_message(exc, text)
        raise ScenarioError([Problem(name, "", None, message)]) from None
    if not data:
        raise ScenarioError([Problem(name, "", None, "file is empty (it sets no keys)")])
    return data
