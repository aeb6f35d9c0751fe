"""The example notebooks in ``examples/`` run from top to bottom in a fresh kernel."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
KERNEL = "python3"


@pytest.fixture()
def kernel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The ``python3`` kernel; registered under ``tmp_path`` when none is installed."""
    if KERNEL not in KernelSpecManager().find_kernel_specs():
        from ipykernel.kernelspec import install

        install(prefix=str(tmp_path / "jupyter"))
        monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter" / "share" / "jupyter"))
    return KERNEL


def execute(nb: nbformat.NotebookNode, kernel: str, folder: Path) -> None:
    """Run every cell; raises :class:`CellExecutionError` at the first that raises."""
    client = NotebookClient(
        nb, kernel_name=kernel, timeout=300, resources={"metadata": {"path": str(folder)}}
    )
    client.execute()


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.ipynb")))
def test_example_notebook_runs(name: str, kernel: str, tmp_path: Path) -> None:
    nb = nbformat.read(EXAMPLES / name, as_version=4)
    execute(nb, kernel, tmp_path)
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs), "no plot shown"


def test_a_cell_that_raises_fails_the_run(kernel: str, tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 / 0")])
    with pytest.raises(CellExecutionError, match="ZeroDivisionError"):
        execute(nb, kernel, tmp_path)
