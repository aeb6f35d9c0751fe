"""Places on a shared server: a cap on the pages that hold a run, and the expiry of
pages nobody uses.

Each page that holds a run (a :class:`~gvi.app.session.Session`, about 3.6 MB with its two
models) takes a :class:`Seat` from the server's :class:`Seats`. There are
``GVI_APP_MAX_SESSIONS`` seats; a page that finds none shows a "server is full" notice.
A seat notes the last sign of life of its page: a message from its browser (noted by
:mod:`gvi.app.guard`), a render, or a frame of playback. A seat silent for
``GVI_APP_IDLE_SECONDS`` expires: its session is closed and dropped, the seat is free
again and the page is told (it shows an "expired" notice). A page whose connection
dropped without a goodbye is also culled by Solara after that time, which frees its
seat the same way.

After seats are freed or pages culled, the sweeper collects garbage and asks the C
allocator to hand free memory back to the system (the server runs with
``PYTHONMALLOC=malloc``, see :func:`gvi.app.server.environment`), so the server's resident
size falls back to where it was, not only Python's count of objects.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .server import idle_seconds, max_sessions

log = logging.getLogger("gvi.app")
SWEEP_SECONDS = 10.0  # the sweeper looks at least this often (more often for short limits)


@dataclass(eq=False)
class Seat:
    """One page's place on the server."""

    kernel: str  # the Solara kernel (browser page) holding it
    opened: float
    last: float  # the last sign of life
    resource: Any = None  # what the seat holds (the page's session); closed when freed
    on_expire: Callable[[], None] | None = None  # told, after freeing, when it expired
    free: bool = field(default=False)


class Seats:
    """The server's seats: ``cap`` of them, each expiring after ``idle`` seconds of
    silence. Thread-safe; the clock can be replaced for tests."""

    def __init__(self, cap: int, idle: float, clock: Callable[[], float] = time.monotonic):
        if cap < 1 or idle <= 0:
            raise ValueError("cap must be at least 1 and idle above 0")
        self.cap = int(cap)
        self.idle = float(idle)
        self.clock = clock
        self._lock = threading.Lock()
        self._taken: list[Seat] = []
        self.freed = 0  # seats given back since the start
        self.expired = 0  # of which expired for silence

    # --- taking and giving back --------------------------------------------------------
    def take(self, kernel: str) -> Seat | None:
        """A seat for the page ``kernel``, or None when all are taken."""
        now = self.clock()
        with self._lock:
            if len(self._taken) >= self.cap:
                return None
            seat = Seat(kernel, now, now)
            self._taken.append(seat)
        return seat

    def release(self, seat: Seat | None) -> bool:
        """Free ``seat`` and close what it holds; False if it was already free."""
        if seat is None:
            return False
        with self._lock:
            if seat.free:
                return False
            seat.free = True
            self._taken = [s for s in self._taken if s is not seat]
            self.freed += 1
            held, seat.resource = seat.resource, None
        if held is not None and hasattr(held, "close"):
            try:
                held.close()
            except Exception:  # a broken session must not keep its seat
                log.exception("closing a session failed")
        return True

    # --- signs of life -----------------------------------------------------------------
    def touch(self, seat: Seat | None) -> None:
        if seat is not None and not seat.free:
            seat.last = self.clock()

    def heard_from(self, kernel: str) -> None:
        """A message arrived from the browser page ``kernel``."""
        now = self.clock()
        with self._lock:
            for seat in self._taken:
                if seat.kernel == kernel:
                    seat.last = now

    # --- expiry ------------------------------------------------------------------------
    def idle_seats(self, now: float | None = None) -> list[Seat]:
        now = self.clock() if now is None else now
        with self._lock:
            return [s for s in self._taken if now - s.last >= self.idle]

    def sweep(self, now: float | None = None) -> int:
        """Free the seats silent for ``idle`` seconds and tell their pages; how many."""
        done = 0
        for seat in self.idle_seats(now):
            if self.release(seat):
                done += 1
                with self._lock:
                    self.expired += 1
                if seat.on_expire is not None:
                    try:
                        seat.on_expire()
                    except Exception:  # the page may be gone already
                        log.debug("telling an expired page failed", exc_info=True)
        return done

    @property
    def taken(self) -> int:
        with self._lock:
            return len(self._taken)

    def status(self) -> dict[str, object]:
        with self._lock:
            return {
                "sessions": len(self._taken),
                "cap": self.cap,
                "idle_seconds": self.idle,
                "freed": self.freed,
                "expired": self.expired,
            }


# --- the server's seats and their sweeper --------------------------------------------------
_seats: Seats | None = None
_sweeper: threading.Thread | None = None
_guard = threading.Lock()


def seats() -> Seats:
    """This server's seats (settings from the environment, see :mod:`gvi.app.server`);
    starts the sweeper on first use."""
    global _seats, _sweeper
    with _guard:
        if _seats is None:
            _seats = Seats(max_sessions(), idle_seconds())
        if _sweeper is None:
            _sweeper = threading.Thread(
                target=_sweep_forever, args=(_seats,), name="gvi-seat-sweeper", daemon=True
            )
            _sweeper.start()
        return _seats


def sweep_period(idle: float) -> float:
    """How often the sweeper looks: a tenth of the idle limit, between 0.25 and 10 s
    (a seat expires at most that late, and freed memory is given back that soon)."""
    return min(max(idle / 10.0, 0.25), SWEEP_SECONDS)


def _kernel_count() -> int | None:
    import sys

    module = sys.modules.get("solara.server.kernel_context")
    return None if module is None else len(module.contexts)


def _sweep_forever(pool: Seats) -> None:
    period = sweep_period(pool.idle)
    freed, kernels = pool.freed, _kernel_count()
    while True:
        time.sleep(period)
        try:
            pool.sweep()
            now_kernels = _kernel_count()
            # seats freed or pages culled since the last look: give the memory back
            if pool.freed != freed or (now_kernels or 0) < (kernels or 0):
                give_back_memory()
            freed, kernels = pool.freed, now_kernels
        except Exception:  # the sweeper must outlive any one failure
            log.exception("seat sweep failed")


_libc: Any = None


def give_back_memory() -> None:
    """Collect garbage, then ask glibc to return free heap pages to the system (every
    thread's arena); does nothing more where there is no ``malloc_trim``."""
    global _libc
    gc.collect()
    if _libc is None:
        try:
            _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
            _libc.malloc_trim.argtypes = [ctypes.c_size_t]
        except (OSError, AttributeError):
            _libc = False
    if _libc:
        _libc.malloc_trim(0)


def resident_kb() -> int | None:
    """This process's resident set size in KiB (Linux), or None."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None
