"""Experiments on the GVI model: replicates, comparisons, sweeps, sensitivity analysis,
reports, and the `gvi` command."""

from .compare import Comparison, compare
from .executors import make_executor
from .runner import SerialExecutor, Task, run_task, run_tasks

__all__ = [
    "Comparison",
    "SerialExecutor",
    "Task",
    "compare",
    "make_executor",
    "run_task",
    "run_tasks",
]
