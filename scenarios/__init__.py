"""Scenarios: the validated parameter set of a run, its presets and the group-audit import."""

from scenarios.audit import Audit, AuditError, AuditMember, load_audit
from scenarios.errors import Problem, ScenarioError
from scenarios.loader import list_presets, load_scenario, preset_path, validate_files
from scenarios.schema import ParamSpec, Scenario, parameter, parameters

__all__ = [
    "Audit",
    "AuditError",
    "AuditMember",
    "ParamSpec",
    "Problem",
    "Scenario",
    "ScenarioError",
    "list_presets",
    "load_audit",
    "load_scenario",
    "parameter",
    "parameters",
    "preset_path",
    "validate_files",
]
