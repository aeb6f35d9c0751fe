"""Where jobs run: this machine's cores, or a Dask cluster.

    >>> ex, close = make_executor(8)                                 # doctest: +SKIP
    >>> ex, close = make_executor(scheduler="tcp://scheduler-host:8786")   # doctest: +SKIP
    >>> ex, close = make_executor(dask_local=4)                      # doctest: +SKIP
    >>> close()                                                      # doctest: +SKIP

On Dask, a task that raises is retried by the scheduler (``retries``), tasks of a worker
that is lost are rescheduled on the others, and :func:`experiments.pipeline.run_jobs`
resubmits a batch that still fails; the store keeps one row per job whatever happens.
Workers of a remote cluster need gvi-sim installed (``pip install 'gvi-sim[cluster]'``)
and the evaluator importable. A scheduler without workers would hold the tasks forever:
:func:`make_executor` waits for the first worker for ``$GVI_DASK_WORKER_TIMEOUT``
seconds (default 30) and then gives up with a ConnectionError.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from concurrent.futures import Executor

from scenarios.errors import Message

from .runner import local_executor as make_local_executor

ENV_SCHEDULER = "DASK_SCHEDULER_ADDRESS"
ENV_WORKER_TIMEOUT = "GVI_DASK_WORKER_TIMEOUT"  # seconds to wait for the first worker
WORKER_TIMEOUT = 30.0
DASK_RETRIES = 2  # retries of a failing task on the Dask side
# Settings for the workers of a local cluster. Dask's defaults suit long, numeric tasks;
# for many short pure-Python runs its statistical profiler (a stack sample every 10 ms)
# and 20 ms event-loop ticks take the interpreter lock from the running model. On two
# cores, these settings took a 2-worker LocalCluster from 0.86-0.91 to 0.94-1.02 of the
# throughput of a 2-process pool (make bench). Workers of an existing cluster
# (--scheduler) keep their own configuration; the README shows how to set the same.
LOCAL_WORKER_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.memory.monitor-interval": "2s",
}
INSTALL_HINT = "pip install 'gvi-sim[cluster]'"


class DaskMissing(ImportError):
    """Dask was requested but ``dask[distributed]`` is not installed."""


def make_executor(
    workers: int | None = None,
    *,
    scheduler: str | None = None,
    dask_local: int | None = None,
) -> tuple[Executor, Callable[[], None]]:
    """An executor and the function that shuts down whatever was created for it.

    - ``scheduler="tcp://HOST:PORT"``: a Dask cluster's scheduler;
    - ``dask_local=N``: a Dask cluster of ``N`` single-threaded worker processes on
      this machine (127.0.0.1, no dashboard);
    - neither, with ``$DASK_SCHEDULER_ADDRESS`` set: that scheduler;
    - otherwise a local process pool of ``workers`` processes (1 = serial).
    """
    if scheduler is not None and dask_local is not None:
        raise ValueError(Message("problem.dask_both"))
    if scheduler is None and dask_local is None:
        scheduler = os.environ.get(ENV_SCHEDULER) or None
    if scheduler is None and dask_local is None:
        ex = make_local_executor(workers)
        return ex, lambda: ex.shutdown(wait=True, cancel_futures=True)

    distributed = _import_distributed()
    timeout = worker_timeout()
    cluster = None
    if dask_local is not None:
        if dask_local < 1:
            raise ValueError(Message("problem.dask_local", got=dask_local))
        import dask

        with dask.config.set(LOCAL_WORKER_CONFIG):
            cluster = distributed.LocalCluster(
                n_workers=dask_local,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
                # the scheduler serves health and metrics over HTTP even without a
                # dashboard: on loopback, any free port (not 0.0.0.0:8787)
                scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
            )
        address = cluster.scheduler_address
    else:
        address = scheduler
    try:
        client = distributed.Client(address, set_as_default=False)
    except Exception as exc:
        if cluster is not None:
            cluster.close()
        raise ConnectionError(
            Message("problem.dask_unreachable", address=address, reason=str(exc))
        ) from exc
    try:
        client.wait_for_workers(1, timeout=timeout)
    except TimeoutError:
        client.close()
        if cluster is not None:
            cluster.close()
        raise ConnectionError(
            Message("problem.dask_no_workers", address=address, seconds=f"{timeout:g}",
                    variable=ENV_WORKER_TIMEOUT)
        ) from None  # fmt: skip
    # pure=False: every submission is a new task, so a resubmitted batch is run again
    executor = client.get_executor(pure=False, retries=DASK_RETRIES)

    def close() -> None:
        try:
            executor.shutdown(wait=False)
            client.close()
        finally:
            if cluster is not None:
                cluster.close()

    return executor, close


def worker_timeout() -> float:
    """Seconds to wait for a Dask scheduler's first worker: ``$GVI_DASK_WORKER_TIMEOUT``,
    else 30. A value that is not a number of seconds > 0 is a ValueError."""
    text = os.environ.get(ENV_WORKER_TIMEOUT, "").strip()
    if not text:
        return WORKER_TIMEOUT
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        raise ValueError(
            Message("problem.dask_timeout", variable=ENV_WORKER_TIMEOUT, text=repr(text))
        )
    return seconds


def _import_distributed():
    try:
        import distributed
    except ImportError:
        raise DaskMissing(Message("problem.dask_missing", install=INSTALL_HINT)) from None
    return distributed
