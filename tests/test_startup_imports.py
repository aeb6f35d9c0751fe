"""What ``gvi run`` imports (issue 14, startup): Mesa without the submodules the model
never uses (``model.mesa_import``), and no other heavy optional package. Checks which
modules are loaded, not how long anything takes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Heavy packages a single run does not need (import cost seen here, Mesa 3.3.1):
# scipy.spatial via mesa.experimental ~0.5 s, networkx via mesa.space ~0.2 s.
NOT_ON_THE_RUN_PATH = (
    "mesa.experimental",
    "mesa.space",
    "scipy",
    "networkx",
    "matplotlib",
    "solara",
)


def _python(code: str, cwd: Path) -> dict:
    """Run ``code`` in a fresh interpreter; the JSON it prints last."""
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_gvi_run_does_not_import_heavy_optional_modules(
    tmp_path: Path, tiny_file: Callable[..., str]
) -> None:
    scenario = tmp_path / "tiny.toml"
    scenario.write_text(tiny_file("gvi"), encoding="utf-8")
    found = _python(
        f"""
        import contextlib, io, json, sys
        from gvi.cli import main
        with contextlib.redirect_stdout(io.StringIO()) as out:
            code = main(["run", {str(scenario)!r}, "--json"])
        loaded = [m for m in {NOT_ON_THE_RUN_PATH!r} if m in sys.modules]
        print(json.dumps({{"code": code, "days": json.loads(out.getvalue())["days"],
                           "loaded": loaded}}))
        """,
        tmp_path,
    )
    assert found["code"] == 0
    assert found["days"]["end"] > 0
    assert found["loaded"] == []


def test_the_deferred_mesa_submodules_still_work_when_used(tmp_path: Path) -> None:
    found = _python(
        """
        import json, sys
        import model  # imports Mesa through model.mesa_import
        import mesa
        lean = "mesa.experimental" not in sys.modules and "mesa.space" not in sys.modules
        space = mesa.experimental.continuous_space.ContinuousSpace.__name__  # on first use
        from mesa.space import MultiGrid
        from mesa.discrete_space import OrthogonalMooreGrid
        print(json.dumps({
            "lean": lean,
            "continuous": space,
            "grid": MultiGrid.__module__,
            "space_is_real": mesa.space is sys.modules["mesa.space"],
            "experimental_is_real": mesa.experimental is sys.modules["mesa.experimental"],
            "api": [mesa.Agent.__module__, mesa.Model.__module__,
                    mesa.DataCollector.__module__, mesa.batch_run.__module__,
                    OrthogonalMooreGrid.__module__],
        }))
        """,
        tmp_path,
    )
    assert found["lean"]
    assert found["continuous"] == "ContinuousSpace"
    assert found["grid"] == "mesa.space"
    assert found["space_is_real"] and found["experimental_is_real"]
    assert found["api"] == [
        "mesa.agent",
        "mesa.model",
        "mesa.datacollection",
        "mesa.batchrunner",
        "mesa.discrete_space.grid",
    ]


def test_a_mesa_that_needs_a_deferred_module_is_imported_normally(tmp_path: Path) -> None:
    # mesa.agent is used while mesa/__init__ runs: the stand-in fails, Mesa is imported
    # again without stand-ins.
    found = _python(
        """
        import json, sys
        from model import mesa_import
        for name in [n for n in sys.modules if n == "mesa" or n.startswith("mesa.")]:
            del sys.modules[name]
        mesa = mesa_import.import_mesa(("mesa.agent", "mesa.space"))
        import mesa.agent
        print(json.dumps({
            "agent": mesa.Agent is sys.modules["mesa.agent"].Agent,
            "agent_file": bool(getattr(sys.modules["mesa.agent"], "__file__", None)),
            "space_file": bool(getattr(sys.modules["mesa.space"], "__file__", None)),
        }))
        """,
        tmp_path,
    )
    assert found == {"agent": True, "agent_file": True, "space_file": True}
