"""Time units of the model, declared once.

One model step is one day. Every conversion between days and years or months in the
project uses these constants, so rates and period labels agree everywhere.
"""

from __future__ import annotations

DAYS_PER_YEAR: int = 365
"""Days in a model year. The model has no calendar and no leap days: a year is 365
daily steps, so horizons of whole years are whole numbers of days, yearly rates are
``total * 365 / days`` and ``day // DAYS_PER_YEAR`` numbers the years of a run. An
``int``, because it serves in integer division and ``range``; in true division it gives
the same float as ``365.0``."""

NEVER: int = 2**31 - 1
"""A day that never comes (the largest int32 day): the due day of nothing scheduled,
so that ``day < NEVER`` holds on every day of a run."""

DAYS_PER_MONTH: float = 365.25 / 12
"""Days in a month on average (30.4375): the mean calendar month over a four-year leap
cycle. Used only to express day counts as months for readers (report axes and labels),
never to step the model."""
