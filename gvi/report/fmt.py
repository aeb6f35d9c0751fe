"""Number formats live in :mod:`gvi.i18n.fmt`; this name is kept for the report code."""

from gvi.i18n.fmt import DASH, JOIN, MINUS, NBSP, Fmt, auto_decimals, missing, pct_decimals

__all__ = ["DASH", "JOIN", "MINUS", "NBSP", "Fmt", "auto_decimals", "missing", "pct_decimals"]
