"""The strings of the planners' sections (spillover, time to effect, equity and harm,
cost per shooting averted): the keys of the ``report`` catalogue that belong to them,
and their texts in English and Swedish (kept apart so that tests can look for English
left in the Swedish sections)."""

from __future__ import annotations

from collections.abc import Mapping

from gvi.i18n import translator

OUTCOME_KEYS: tuple[str, ...] = (
    "h_spillover",
    "h_time",
    "h_equity",
    "h_value",
    "h_harm_tradeoff",
    "h_unit_costs",
    "missing_groups",
    "not_meaningful",
    "spillover_intro",
    "spillover_note",
    "reach_reached",
    "reach_not_reached",
    "col_reach",
    "col_groups_n",
    "col_shootings_run",
    "col_same_in_base",
    "time_intro",
    "time_found",
    "time_none",
    "month_one",
    "month_many",
    "time_caption",
    "y_cum_change",
    "leg_first",
    "alt_time",
    "equity_intro",
    "m_arrests",
    "m_custody_days",
    "m_enforcement",
    "stat_total",
    "stat_group_mean",
    "stat_group_max",
    "stat_share_any",
    "equity_sweeps_note",
    "harm_intro",
    "col_averted_run",
    "col_extra_custody",
    "col_per100_custody",
    "per100_custody_note",
    "value_intro",
    "col_cost_per_averted",
    "value_note",
    "unit_costs_intro",
    "col_unit_cost",
    "col_unit",
)


def outcome_strings(lang: str) -> Mapping[str, str]:
    """The planners' sections' strings in ``lang`` (a read-only key -> text mapping)."""
    texts = translator("report", lang).mapping()
    return {key: texts[key] for key in OUTCOME_KEYS}


OUTCOMES_EN: Mapping[str, str] = outcome_strings("en")
OUTCOMES_SV: Mapping[str, str] = outcome_strings("sv")
