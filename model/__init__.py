"""The GVI simulation model: :class:`GVIModel` and its submodels (M1-M12)."""

from . import mesa_import  # noqa: F401  (first: imports Mesa without its unused parts)
from .events import Cause, Event, EventKind, EventLog
from .gvi_model import GVIModel
from .metrics import METRIC_NAMES, METRICS, Metric, MetricKind, metric
from .state import Role, Status, SupportStatus
from .violence import ShotOutcome

__all__ = [
    "METRICS",
    "METRIC_NAMES",
    "Cause",
    "Event",
    "EventKind",
    "EventLog",
    "GVIModel",
    "Metric",
    "MetricKind",
    "Role",
    "ShotOutcome",
    "Status",
    "SupportStatus",
    "metric",
]
