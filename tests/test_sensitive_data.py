"""Real group audits hold data on people: the importer refuses identifying data, and no
result or report ever carries an audit row.

What may leave the simulator: aggregates (counts, rates, effects, costs) and the
partnership's own group labels, which a municipality chooses and which describe groups,
not people. What must never leave it: member ids, or anything shaped like a personal
identity number. The tests below run ``gvi run --out`` and ``gvi compare`` on an audit with
distinctive ids and scan every file written (text, JSON, CSV, HTML, images, and Parquet
both as bytes and as the tables pandas reads back).
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pandas as pd
import pytest

from gvi.cli import main
from scenarios.privacy import looks_like_personnummer

MEMBER_IDS = ["ZQX-91827", "ZQX-91828", "ZQX-91829", "ZQX-91830", "ZQX-91831"]
GROUP_IDS = ["ZQX-GRP-A", "ZQX-GRP-B", "ZQX-GRP-C", "ZQX-GRP-D"]
TEST_PNR = "19121212-1212"  # the Swedish Tax Agency's test number, not a person
TIME = "[time]\nwarmup_days = 0\nhorizon_days = 120\nrollout_day = 30\n"


def write_audit(folder: Path, members: str | None = None) -> Path:
    folder.mkdir(parents=True)
    a, b, c, d = GROUP_IDS
    (folder / "groups.csv").write_text(
        f"group_id;size;district\n{a};8;ZQX-Norr\n{b};6;ZQX-Söder\n{c};7;Väster\n{d};5;Öster\n",
        encoding="utf-8-sig",
    )
    (folder / "rivalries.csv").write_text(
        f"group_a;group_b;intensity;kind\n{a};{b};1,5;rivalry\n{c};{d};2;rivalry\n{a};{c};;alliance\n",
        encoding="utf-8-sig",
    )
    if members is None:
        roles = ["core;ja", "associate;nej", "kärna;ja", "periferi;nej", "core;nej"]
        groups = [a, a, b, c, d]
        members = "member_id;group_id;role;on_supervision\n" + "".join(
            f"{m};{g};{r}\n" for m, g, r in zip(MEMBER_IDS, groups, roles, strict=True)
        )
    (folder / "members.csv").write_text(members, encoding="utf-8-sig")
    return folder


def write_scenarios(folder: Path) -> tuple[Path, Path]:
    base = folder / "audit_base.toml"
    base.write_text(
        f'name = "audit-base"\nextends = "baseline"\n{TIME}'
        '[city]\naudit_dir = "audit"\n[violence]\nbase_hazard = 0.001\n',
        encoding="utf-8",
    )
    gvi = folder / "audit_gvi.toml"
    gvi.write_text(
        f'name = "audit-gvi"\nextends = "gvi"\n{TIME}[city]\naudit_dir = "audit"\n'
        "[violence]\nbase_hazard = 0.001\n[callins]\nfirst_day = 5\ninterval_days = 30\n",
        encoding="utf-8",
    )
    return base, gvi


def gvi(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def texts_of(path: Path) -> list[str]:
    """Everything in one output file that a reader could see, as text."""
    data = path.read_bytes()
    texts = [data.decode("utf-8", errors="replace"), data.decode("utf-16", errors="replace")]
    if path.suffix == ".parquet":
        table = pd.read_parquet(path)
        texts += [" ".join(map(str, table.columns)), table.to_csv(index=False)]
        texts += [str(v) for v in (table.attrs or {}).values()]
    return texts


def leaks(folder: Path) -> list[str]:
    """Member ids or identity-number-like strings found in any file under ``folder``."""
    found = []
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert files, f"nothing written in {folder}"
    for path in files:
        for text in texts_of(path):
            found += [f"{path.name}: {m}" for m in MEMBER_IDS if m in text]
            # the ids' number on its own (not as digits inside some other number)
            found += [f"{path.name}: 91827" for _ in re.finditer(r"(?<![\d.])91827(?![\d.])", text)]
            found += [f"{path.name}: ZQX-9" for _ in re.finditer("ZQX-9", text)]
            readable = path.suffix in (".json", ".csv", ".html", ".svg", ".parquet", ".txt")
            if readable and looks_like_personnummer(text):
                found.append(f"{path.name}: a personal-identity-number-like string")
    return sorted(set(found))


def test_results_and_reports_hold_aggregates_only(tmp_path: Path) -> None:
    write_audit(tmp_path / "audit")
    base, gvi_file = write_scenarios(tmp_path)

    code, _, err = gvi("run", str(gvi_file), "--seed", "3", "--out", str(tmp_path / "run"))
    assert code == 0, err
    assert leaks(tmp_path / "run") == []

    out = tmp_path / "compare"
    code, stdout, err = gvi(
        "compare", str(base), str(gvi_file), "--replicates", "2", "--workers", "1",
        "--out", str(out),
    )  # fmt: skip
    assert code == 0, err
    assert {"report.html", "runs.parquet", "summary.csv", "manifest.json"} <= {
        p.name for p in out.iterdir()
    }
    assert leaks(out) == []
    assert not any(m in stdout + err for m in MEMBER_IDS)


def test_the_scan_would_see_a_member_id(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    pd.DataFrame({"who": [MEMBER_IDS[0]], "n": [1]}).to_parquet(folder / "t.parquet")
    (folder / "page.html").write_text(f"<td>{TEST_PNR.replace('-', '')}</td>", encoding="utf-16")
    assert set(leaks(folder)) == {
        "page.html: a personal-identity-number-like string",
        f"t.parquet: {MEMBER_IDS[0]}",
        "t.parquet: 91827",
        "t.parquet: ZQX-9",
    }


@pytest.mark.parametrize(
    ("members", "place", "why"),
    [
        (
            f"member_id;group_id;role;on_supervision\nM1;ZQX-GRP-A;core;ja\n{TEST_PNR};ZQX-GRP-B;core;nej\n",
            "members.csv: row 3, member_id:",
            "looks like a Swedish personal identity number",
        ),
        (
            "member_id;Förnamn;group_id;role;on_supervision\nM1;Kalle;ZQX-GRP-A;core;ja\n",
            "members.csv: column 'Förnamn':",
            "looks like a personal name column",
        ),
        (
            f"member_id;group_id;role;on_supervision;pnr\nM1;ZQX-GRP-A;core;ja;{TEST_PNR}\n",
            "members.csv: column 'pnr':",
            "looks like a personal identity number column",
        ),
    ],
    ids=["identity-number", "name-column", "identity-number-column"],
)
def test_identifying_data_is_refused_naming_the_column_not_the_value(
    tmp_path: Path, members: str, place: str, why: str
) -> None:
    write_audit(tmp_path / "audit", members=members)
    _, gvi_file = write_scenarios(tmp_path)
    out = tmp_path / "out"
    code, stdout, err = gvi("run", str(gvi_file), "--out", str(out))
    assert code == 2 and stdout == ""
    line = next(ln for ln in err.splitlines() if place in ln)
    assert why in line and "pseudonymous" in line and "GDPR" in line
    assert TEST_PNR not in err and "121212" not in err and "Kalle" not in err
    assert not out.exists()
