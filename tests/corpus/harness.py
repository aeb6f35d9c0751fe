"""Running the bad-input corpus through the ``gvi`` command line.

``cases.toml`` (next to this file) declares every input and what must happen to it. A
rejected input must give exit code 2, only ``error: ...`` lines (as many as declared), no
traceback, at least one line naming the file, the place (key, TOML line and column, CSV
row and column) and the fix, no personal identity number, and nothing written: the
``--out`` folder given is not created and nothing else appears in the working folder.
An accepted input (the Excel exports a Swedish office produces) must exit 0.

Inputs that must not be committed (binary junk, text in other encodings, a 50 MB file,
loops of symbolic links) are generated into a scratch folder when the corpus runs; see
:data:`GENERATORS`.

Used by ``tests/test_corpus.py`` and ``benchmarks/reliability_inputs.py``.
"""

from __future__ import annotations

import contextlib
import io
import json
import random
import re
import shutil
import subprocess
import sys
import tomllib
import traceback
import unicodedata
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

CORPUS = Path(__file__).resolve().parent
ROOT = CORPUS.parent.parent
CATEGORIES = ("scenario", "audit", "experiment", "calibration")
DEFAULT_ARGS = {
    "scenario": ("run", "{file}", "--out", "{out}"),
    "audit": ("run", "{file}", "--out", "{out}"),
    "experiment": ("sweep", "{file}", "--out", "{out}", "--workers", "1"),
    "calibration": ("calibrate", "{file}", "--out", "{out}", "--workers", "1"),
}
FIFTY_MB = 50_000_000
# A Swedish personal identity number in any written form (checked on NFKC-normalised
# output, so full-width digits count too): with or without century, and `-`, `+`, a
# space or nothing before the last four digits.
_PERSONNUMMER = re.compile(
    r"(?<![0-9])(?:(?:18|19|20)[0-9]{2}|[0-9]{2})(?:0[1-9]|1[0-2])"
    r"(?:0[1-9]|[12][0-9]|3[01]|6[1-9]|[78][0-9]|9[01])[-+ ]?[0-9]{4}(?![0-9])"
)


@dataclass(frozen=True)
class Case:
    """One input of the corpus and the outcome it must have."""

    id: str  # "<category>/<name>"
    expect: str  # "rejected" or "accepted"
    source: str | None  # file or audit folder, relative to the corpus (None: generated)
    generate: str | None  # a key of GENERATORS
    args: tuple[str, ...]  # gvi arguments; {file} and {out} are filled in
    lines: int  # error lines expected when rejected
    names: str  # the file name every good message carries
    place: str  # where in the file: key path, TOML line and column, CSV row and column
    fix: str  # regular expression (case-insensitive) for the fix the message gives
    note: str = ""
    kind: str = "malformed input"  # the class of failure it probes (see cases.toml)

    @property
    def category(self) -> str:
        return self.id.split("/", 1)[0]


@dataclass
class Outcome:
    """What the command line did with one case, and what is wrong with that."""

    case: Case
    code: int | None
    stdout: str
    stderr: str
    crash: str = ""  # an exception that escaped main(), with its traceback
    wrote: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def load_cases(path: Path = CORPUS / "cases.toml") -> list[Case]:
    """Every case declared in ``cases.toml``, defaults filled in."""
    with path.open("rb") as fh:
        raw = tomllib.load(fh)["case"]
    cases = []
    for item in raw:
        case_id = item["id"]
        category = case_id.split("/", 1)[0]
        if category not in CATEGORIES:
            raise ValueError(f"{case_id}: category must be one of {CATEGORIES}")
        generate = item.get("generate")
        if generate is not None and generate not in GENERATORS:
            raise ValueError(f"{case_id}: unknown generator {generate!r}")
        default_source = case_id if category == "audit" else f"{case_id}.toml"
        source = None if generate and category != "audit" else item.get("file", default_source)
        if generate and category == "audit":
            source = item.get("file", "audit/accepted_plain")  # the audit it starts from
        names = item.get("names") or Path(source or GENERATORS[generate][0]).name
        cases.append(
            Case(
                id=case_id,
                expect=item.get("expect", "rejected"),
                source=source,
                generate=generate,
                args=tuple(item.get("args", DEFAULT_ARGS[category])),
                lines=item.get("lines", 2 if category == "audit" else 1),
                names=names,
                place=item.get("place", ""),
                fix=item.get("fix", ""),
                note=item.get("note", ""),
                kind=item.get("class", "malformed input"),
            )
        )
    ids = [c.id for c in cases]
    if len(set(ids)) != len(ids):
        raise ValueError("case ids must be unique")
    return cases


# --- generated inputs ----------------------------------------------------------------


def _junk(path: Path) -> None:
    rng = random.Random(20240501)
    path.write_bytes(bytes(rng.randrange(256) for _ in range(600)) + b"\x00")


def _latin1_scenario(path: Path) -> None:
    path.write_bytes('extends = "gvi"\nname = "Örebro"\n'.encode("latin-1"))


def _utf16_scenario(path: Path) -> None:
    path.write_bytes('extends = "gvi"\nname = "utf16"\n'.encode("utf-16"))


def _fifty_mb_text(header: str, line: str) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        block = line * (1024 * 1024 // len(line))
        with path.open("w", encoding="utf-8", newline="\n") as fh:
            fh.write(header)
            written = len(header)
            while written < FIFTY_MB:
                chunk = block[: FIFTY_MB - written]
                fh.write(chunk)
                written += len(chunk)

    return write


def _utf16_csv(path: Path) -> None:  # Excel's "Unicode text"
    path.write_bytes("group_id\tsize\r\nG01\t8\r\nG02\t6\r\n".encode("utf-16"))


def _cp1252_csv(path: Path) -> None:  # Excel's "CSV (semicolon separated)" in Windows-1252
    text = "group_id;size;district\r\nG01;8;Söder\r\nG02;6;Norr\r\nG03;7;Väster\r\nG04;5;Öster\r\n"
    path.write_bytes(text.encode("cp1252"))


def _xlsx_as_csv(path: Path) -> None:  # a workbook renamed to .csv
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    path.write_bytes(buffer.getvalue())


def _many_groups(path: Path) -> None:
    rows = "".join(f"G{i:02d},5\n" for i in range(1, 10_102))
    path.write_text("group_id,size\n" + rows, encoding="utf-8")


def _link_loop(path: Path) -> None:  # a symbolic link that leads back to itself
    path.unlink(missing_ok=True)
    path.symlink_to(path.name)


def _extends_link_loop(path: Path) -> None:  # a parent that is a loop of two links
    loop = path.parent / "loop"
    loop.mkdir()
    (loop / "a.toml").symlink_to("b.toml")
    (loop / "b.toml").symlink_to("a.toml")
    path.write_text('extends = "loop/a.toml"\n', encoding="utf-8")


# name -> (file name, writer); audit generators replace that file in a copy of the audit
GENERATORS: dict[str, tuple[str, Callable[[Path], None]]] = {
    "scenario_binary": ("binary_junk.toml", _junk),
    "scenario_latin1": ("latin1.toml", _latin1_scenario),
    "scenario_utf16": ("utf16.toml", _utf16_scenario),
    "scenario_50mb": ("fifty_mb.toml", _fifty_mb_text('extends = "gvi"\n', "# padding\n")),
    "experiment_binary": ("binary_junk.toml", _junk),
    "calibration_utf16": ("utf16.toml", _utf16_scenario),
    "audit_binary": ("rivalries.csv", _junk),
    "audit_utf16": ("groups.csv", _utf16_csv),
    "audit_cp1252": ("groups.csv", _cp1252_csv),
    "audit_xlsx": ("groups.csv", _xlsx_as_csv),
    "audit_50mb": (
        "members.csv",
        _fifty_mb_text("member_id,group_id,role,on_supervision\n", "M001,G01,core,true\n"),
    ),
    "audit_many_groups": ("groups.csv", _many_groups),
    "scenario_link_loop": ("link_loop.toml", _link_loop),
    "scenario_extends_link_loop": ("extends_link_loop.toml", _extends_link_loop),
    "audit_link_loop": ("groups.csv", _link_loop),
}


def _toml_text(text: str) -> str:
    return json.dumps(text)  # JSON string escapes are valid in a TOML basic string


def prepare(case: Case, scratch: Path) -> Path:
    """The input file of ``case`` (generated into ``scratch`` if need be)."""
    name = case.id.replace("/", "-")
    if case.category == "audit":
        assert case.source is not None
        folder = CORPUS / case.source
        if case.generate:
            copy = scratch / name
            shutil.copytree(folder, copy)
            file_name, write = GENERATORS[case.generate]
            write(copy / file_name)
            folder = copy
        wrapper = scratch / f"{name}.toml"
        wrapper.write_text(
            f'extends = "baseline"\n[city]\naudit_dir = {_toml_text(str(folder))}\n',
            encoding="utf-8",
        )
        return wrapper
    if case.generate:
        file_name, write = GENERATORS[case.generate]
        target = scratch / name
        target.mkdir()
        write(target / file_name)
        return target / file_name
    assert case.source is not None
    return CORPUS / case.source


# --- running -------------------------------------------------------------------------


def _listing(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def _gvi_command() -> list[str]:
    script = Path(sys.executable).with_name("gvi")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "gvi.cli"]


def run_case(case: Case, scratch: Path, *, subprocess_run: bool = False) -> Outcome:
    """Run ``case`` through ``gvi`` (in this process, or as a user would) and check it."""
    work = scratch / ("work-" + case.id.replace("/", "-"))
    work.mkdir(parents=True)
    file = prepare(case, work)
    out = work / "out"
    args = [a.format(file=file, out=out) for a in case.args]
    before = _listing(work)
    if subprocess_run:
        done = subprocess.run(
            [*_gvi_command(), *args],
            capture_output=True,
            text=True,
            cwd=work,
            timeout=300,
            check=False,
        )
        outcome = Outcome(case, done.returncode, done.stdout, done.stderr)
    else:
        outcome = _run_in_process(case, args)
    outcome.wrote = sorted(_listing(work) - before)
    outcome.failures = check(case, outcome)
    return outcome


def _run_in_process(case: Case, args: list[str]) -> Outcome:
    from gvi.cli import main

    stdout, stderr = io.StringIO(), io.StringIO()
    code: int | None
    crash = ""
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = main(args)
    except SystemExit as exc:  # argparse refusing the command line
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException as exc:  # any escape is what the corpus looks for
        code, crash = None, "".join(traceback.format_exception(exc))
    return Outcome(case, code, stdout.getvalue(), stderr.getvalue(), crash)


def check(case: Case, outcome: Outcome) -> list[str]:
    """Everything wrong with ``outcome`` for ``case``; an empty list when it is as declared."""
    failures = []
    if outcome.crash:
        failures.append("an exception escaped:\n" + outcome.crash)
    if "Traceback" in outcome.stderr + outcome.stdout:
        failures.append("printed a traceback")
    if case.expect == "accepted":
        if outcome.code != 0:
            failures.append(f"exit code {outcome.code}, expected 0: {outcome.stderr.strip()}")
        return failures
    if outcome.code != 2:
        failures.append(f"exit code {outcome.code}, expected 2")
    lines = [line for line in outcome.stderr.splitlines() if line.strip()]
    if not lines:
        failures.append("no error message")
    stray = [line for line in lines if not line.startswith("error: ")]
    if stray:
        failures.append(f"lines that are not 'error: ...': {stray[:3]}")
    if len(lines) != case.lines:
        failures.append(f"{len(lines)} error lines, expected {case.lines}: {lines[:5]}")
    fix = re.compile(case.fix, re.IGNORECASE)
    if not any(case.names in ln and case.place in ln and fix.search(ln) for ln in lines):
        failures.append(
            f"no line names the file {case.names!r}, the place {case.place!r} and the fix "
            f"/{case.fix}/: {lines[:5]}"
        )
    if _PERSONNUMMER.search(unicodedata.normalize("NFKC", outcome.stderr + outcome.stdout)):
        failures.append("the message shows a personal identity number")
    if outcome.wrote:
        failures.append(f"wrote {outcome.wrote[:5]}")
    return failures


def run_corpus(
    scratch: Path, cases: Iterable[Case] | None = None, *, subprocess_run: bool = False
) -> list[Outcome]:
    """Run every case (or ``cases``); the corpus folder itself must stay unchanged."""
    before = _listing(CORPUS)
    outcomes = [
        run_case(c, scratch, subprocess_run=subprocess_run)
        for c in (load_cases() if cases is None else cases)
    ]
    changed = sorted(_listing(CORPUS) ^ before)
    changed = [p for p in changed if "__pycache__" not in p]
    if changed and outcomes:
        outcomes[-1].failures.append(f"the corpus folder changed: {changed[:5]}")
    return outcomes


def figures(outcomes: list[Outcome]) -> dict[str, object]:
    """Counts: inputs tried, rejected cleanly, accepted as expected, failures; by category."""

    def count(items: list[Outcome]) -> dict[str, int]:
        return {
            "tried": len(items),
            "rejected_cleanly": sum(o.ok and o.case.expect == "rejected" for o in items),
            "accepted_as_expected": sum(o.ok and o.case.expect == "accepted" for o in items),
            "failures": sum(not o.ok for o in items),
        }

    total = count(outcomes)
    return {
        "inputs_tried": total["tried"],
        "rejected_cleanly": total["rejected_cleanly"],
        "accepted_as_expected": total["accepted_as_expected"],
        "failures": total["failures"],
        "by_class": {
            k: count([o for o in outcomes if o.case.kind == k])
            for k in dict.fromkeys(o.case.kind for o in outcomes)
        },
        "by_category": {
            cat: count([o for o in outcomes if o.case.category == cat]) for cat in CATEGORIES
        },
        "failed_cases": [o.case.id for o in outcomes if not o.ok],
    }
