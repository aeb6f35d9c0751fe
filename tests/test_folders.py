"""One rule for every command that writes a folder; one lock per folder; no orphans.

- A user's folder (files gvi did not write) is refused by every command, in one line,
  and nothing in it changes; a folder a command made is rewritten or resumed by it.
- Two commands on one ``--out``: the second is refused at once.
- SIGKILL of the main process of a sweep: its pool workers end within seconds.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from experiments.folders import LOCK, MARK, FolderError, check_folder, folder_lock
from gvi import cli

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import faults  # noqa: E402

SHORT_RUN = ["--days", "400"]


def user_folder(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / name).write_text("the user's own file\n", encoding="utf-8")
    return folder


def one_error(capsys) -> str:
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1, err
    return err[0]


@pytest.mark.parametrize(
    "name", ["summary.json", "metrics.parquet", "draws.csv", "validation.json", "notes.txt"]
)
@pytest.mark.parametrize("command", ["run", "validate-model", "calibrate", "sweep", "sensitivity"])
def test_every_command_refuses_a_users_folder(tmp_path: Path, name: str, command: str) -> None:
    folder = user_folder(tmp_path, name)
    with pytest.raises(FolderError, match="files gvi did not write here"):
        check_folder(folder, command)
    assert sorted(p.name for p in folder.iterdir()) == [name]


def test_gvi_run_keeps_the_users_summary(tmp_path: Path, capsys) -> None:
    folder = user_folder(tmp_path, "summary.json")
    code = cli.main(["run", "baseline", *SHORT_RUN, "--out", str(folder)])
    assert code == 2 and "gvi run writes only into a new or empty folder" in one_error(capsys)
    assert (folder / "summary.json").read_text(encoding="utf-8") == "the user's own file\n"
    assert sorted(p.name for p in folder.iterdir()) == ["summary.json"]


def test_a_command_rewrites_its_own_folder_but_not_anothers(tmp_path: Path, capsys) -> None:
    out = tmp_path / "run"
    assert cli.main(["run", "baseline", *SHORT_RUN, "--out", str(out)]) == 0
    assert (out / MARK).is_file() and (out / "summary.json").is_file()
    assert cli.main(["run", "baseline", *SHORT_RUN, "--seed", "2", "--out", str(out)]) == 0
    capsys.readouterr()
    with pytest.raises(FolderError, match="holds results of gvi run"):
        check_folder(out, "calibrate")


def test_a_second_command_on_the_same_folder_is_refused(tmp_path: Path, capsys) -> None:
    experiment = faults.write_experiment(tmp_path / "exp")
    out = tmp_path / "out"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from experiments.folders import folder_lock\n"
            "with folder_lock(sys.argv[1], 'sweep'):\n"
            "    print('held', flush=True); time.sleep(60)\n",
            str(out),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        code = cli.main(["sweep", str(experiment), "--out", str(out), "--workers", "1"])
        line = one_error(capsys)
        assert code == 2 and "in use by another gvi process" in line
        assert f"pid {holder.pid}" in line
        assert not (out / "parts").exists()  # the second one wrote nothing
    finally:
        holder.kill()
        holder.wait()
    # the lock dies with its holder: the same command now runs
    assert cli.main(["sweep", str(experiment), "--out", str(out), "--workers", "1"]) == 0
    assert (out / LOCK).exists() and (out / "results.parquet").is_file()


def test_a_failed_command_leaves_no_new_folder(tmp_path: Path) -> None:
    out = tmp_path / "new"
    with pytest.raises(RuntimeError), folder_lock(out, "sweep"):
        raise RuntimeError("failed before writing")
    assert not out.exists()


def test_sigkill_of_the_main_process_leaves_no_workers(tmp_path: Path) -> None:
    experiment = faults.write_experiment(tmp_path / "exp", replicates=40)
    out = tmp_path / "out"
    main = subprocess.Popen(
        [sys.executable, "-m", "gvi.cli", *faults.sweep_argv(experiment, out)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        workers: list[psutil.Process] = []
        while time.monotonic() < deadline and len(workers) < 2:
            time.sleep(0.2)
            workers = [
                c for c in psutil.Process(main.pid).children(recursive=True) if c.is_running()
            ]
        assert len(workers) >= 2, "the pool never started"
        os.kill(main.pid, signal.SIGKILL)
        main.wait()
        gone, alive = psutil.wait_procs(workers, timeout=15)
        assert not alive, f"{len(alive)} workers outlived their parent"
    finally:
        if main.poll() is None:
            main.kill()


def test_temporary_folders_of_killed_compares_are_cleaned_up(tmp_path: Path) -> None:
    """A killed ``gvi compare`` leaves ``.NAME.HOST-PID-*.tmp``; the next publish on that
    name removes it when that process is gone, and keeps a live process's folder and
    anything it cannot prove stale."""
    from experiments.output import _tmp_owner, publish_folder

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    host = _tmp_owner().rsplit("-", 1)[0]
    out = tmp_path / "cmp"
    stale = tmp_path / f".cmp.{host}-{dead.pid}-abc.tmp"
    live = tmp_path / f".cmp.{host}-{os.getpid()}-def.tmp"
    other_host = tmp_path / f".cmp.elsewhere-{dead.pid}-ghi.tmp"
    old_style = tmp_path / ".cmp.x7a2.tmp"
    for folder in (stale, live, other_host, old_style):
        folder.mkdir()
    publish_folder(out, lambda tmp: (tmp / "report.html").write_text("ok"))
    assert (out / "report.html").is_file()
    assert not stale.exists()
    assert live.exists() and other_host.exists() and old_style.exists()
