"""Bad-input figures: the corpus of broken inputs in ``tests/corpus``, run through ``gvi``.

    python -m benchmarks.reliability_inputs            # the table (Markdown)
    python -m benchmarks.reliability_inputs --json f   # also write the figures as JSON

Every case of ``tests/corpus/cases.toml`` (scenario TOML, group-audit CSV, experiment and
calibration files; the binary, non-UTF-8 and 50 MB inputs generated on the fly) runs
through ``gvi.cli.main``, the function behind the ``gvi`` script. A rejected input
counts as *rejected cleanly* when it gives exit code 2, only ``error: ...`` lines (as many
as declared), no traceback, a line naming the file, the place and the fix, no personal
identity number, and writes nothing. The Excel exports a Swedish office produces (byte-
order mark, semicolons, decimal commas) must be *accepted*. Anything else is a failure.

:func:`input_figures` returns the counts as a dict, for ``make reliability``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

TESTS = Path(__file__).resolve().parent.parent / "tests"
LABELS = {
    "scenario": "scenario TOML",
    "audit": "group-audit CSV",
    "experiment": "experiment files",
    "calibration": "calibration files",
}


def _harness() -> Any:
    if str(TESTS) not in sys.path:
        sys.path.insert(0, str(TESTS))
    from corpus import harness

    return harness


def input_figures() -> dict[str, Any]:
    """``input_figures() -> dict``: run the corpus; inputs tried, rejected cleanly,
    accepted as expected, failures (overall and ``by_category``), ``failed_cases``."""
    harness = _harness()
    with tempfile.TemporaryDirectory(prefix="gvi-corpus-") as scratch:
        outcomes = harness.run_corpus(Path(scratch))
    numbers = harness.figures(outcomes)
    numbers["failure_details"] = {
        o.case.id: o.failures[0].splitlines()[0] for o in outcomes if not o.ok
    }
    return numbers


def table(numbers: dict[str, Any]) -> str:
    """The figures as a Markdown table, one row per kind of input and a total."""
    head = "| inputs | tried | rejected cleanly | accepted as expected | failures |"
    rows = [head, "|---|---:|---:|---:|---:|"]
    for category, label in LABELS.items():
        c = numbers["by_category"][category]
        rows.append(
            f"| {label} | {c['tried']} | {c['rejected_cleanly']} | "
            f"{c['accepted_as_expected']} | {c['failures']} |"
        )
    rows.append(
        f"| **total** | {numbers['inputs_tried']} | {numbers['rejected_cleanly']} | "
        f"{numbers['accepted_as_expected']} | {numbers['failures']} |"
    )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    numbers = input_figures()
    print("Bad input: tests/corpus through `gvi` (exit 2, one line per problem, no traceback,")
    print("nothing written; the Excel exports accepted)\n")
    print(table(numbers))
    for case_id, why in numbers["failure_details"].items():
        print(f"\nFAILED {case_id}: {why}")
    if args.json:
        args.json.write_text(json.dumps(numbers, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
