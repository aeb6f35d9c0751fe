"""Regenerate the generated parts of the docs: ``python -m gvi.docs``.

docs/ODD.md carries the parameter table between markers; this rewrites it from the
schema's declarations, so the table cannot drift from the code (a test checks it).
"""

from __future__ import annotations

import sys
from pathlib import Path

from .paramtable import TABLE_BEGIN, TABLE_END, parameter_table_markdown

ODD = Path(__file__).resolve().parent.parent / "docs" / "ODD.md"


def splice_table(text: str) -> str:
    """``text`` with the parameter table between the markers replaced."""
    start = text.index(TABLE_BEGIN)
    end = text.index(TABLE_END) + len(TABLE_END)
    return text[:start] + parameter_table_markdown() + text[end:]


def main() -> int:
    text = ODD.read_text(encoding="utf-8")
    new = splice_table(text)
    if new != text:
        ODD.write_text(new, encoding="utf-8")
        print(f"updated the parameter table in {ODD}")
    else:
        print(f"{ODD} is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
