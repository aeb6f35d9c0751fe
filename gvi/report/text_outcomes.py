"""The strings of the planners' sections (spillover, time to effect, equity and harm,
cost per shooting averted), in English and Swedish (same keys); merged into
:data:`gvi.report.text.EN` and ``SV``."""

from __future__ import annotations

OUTCOMES_EN: dict[str, str] = {
    "h_spillover": "Groups reached and not reached by the message",
    "h_time": "Time to effect",
    "h_equity": "Equity and harm: arrests, custody and enforcement",
    "h_value": "Cost per shooting averted",
    "h_harm_tradeoff": "Violence averted against custody",
    "h_unit_costs": "Unit costs used",
    "missing_groups": (
        "The results per group are not in this folder (it was written before they were "
        "kept). Run the comparison again to see this section."
    ),
    "not_meaningful": "not meaningful",
    "spillover_intro": (
        "Shootings after rollout by members of the groups that the GVI message reached "
        "directly (at a call-in, in a custom notification or through enforcement against "
        "the group) and by members of all other groups, each compared with the same groups "
        "in {baseline} in the same runs. A cut among the groups not reached directly is "
        "spillover: the effect spreading beyond those who got the message."
    ),
    "spillover_note": (
        "Which groups count as reached is taken from each scenario run and used for the "
        "baseline run of the same city too. Numbers of groups and shootings are means per "
        "run over the whole period after rollout; the change has its 95% interval from the "
        "paired runs. A dash: no group in that part, or no shootings by it in {baseline}."
    ),
    "reach_reached": "Reached directly",
    "reach_not_reached": "Not reached directly",
    "col_reach": "Groups",
    "col_groups_n": "Number of groups",
    "col_shootings_run": "Shootings after rollout",
    "col_same_in_base": "Same groups in {baseline}",
    "time_intro": (
        "How the effect on shootings builds up after rollout: the change in shootings from "
        "the rollout to the end of each month, compared with {baseline} in the same runs."
    ),
    "time_found": (
        "{name}: the effect on shootings is first distinguishable from zero {months} after rollout."
    ),
    "time_none": (
        "{name}: the effect on shootings cannot be told apart from zero in any month after rollout."
    ),
    "month_one": "1 month",
    "month_many": "{n} months",
    "time_caption": (
        "Change in shootings from rollout to the end of each month, in percent of "
        "{baseline}'s, with its 95% interval (band). The effect counts as distinguishable "
        "from zero from the first month whose whole band lies below zero (ring)."
    ),
    "y_cum_change": "Change vs {baseline} since rollout (%)",
    "leg_first": "First month clearly below zero",
    "alt_time": "Chart of the cumulative change in shootings month by month after rollout",
    "equity_intro": (
        "Who bears the enforcement after rollout: arrests, the custody days they impose and "
        "focused enforcement actions against a group, in total and spread over the groups. "
        "Means per run over the whole period after rollout; small print: 95% interval."
    ),
    "m_arrests": "Arrests",
    "m_custody_days": "Custody days",
    "m_enforcement": "Enforcement actions against a group",
    "stat_total": "in total",
    "stat_group_mean": "mean per group",
    "stat_group_max": "most in one group",
    "stat_share_any": "share of groups with any",
    "equity_sweeps_note": (
        "Crackdown sweeps are city-wide rather than aimed at one group, so they are not "
        "counted as enforcement actions here; the arrests and custody days they bring are."
    ),
    "harm_intro": (
        "Differences from {baseline} in the same runs, over the whole period after rollout "
        "(means per run, 95% intervals from resampling the paired runs)."
    ),
    "col_averted_run": "Shootings averted",
    "col_extra_custody": "Extra custody days",
    "col_per100_custody": "Shootings averted per 100 extra custody days",
    "per100_custody_note": (
        "“Not meaningful” where the 95% interval of the shootings averted or of the extra "
        "custody days includes zero."
    ),
    "value_intro": (
        "The extra cost compared with {baseline} divided by the shootings averted, over the "
        "whole period after rollout in the same runs (95% intervals from resampling the "
        "paired runs)."
    ),
    "col_cost_per_averted": "Extra cost per shooting averted",
    "value_note": (
        "“Not meaningful” where the scenario does not clearly avert shootings (the 95% "
        "interval of the shootings averted reaches zero or below). A negative cost is a "
        "saving."
    ),
    "unit_costs_intro": (
        "The prices behind every cost in this report. They can be changed in the scenario "
        "file, under [costs]."
    ),
    "col_unit_cost": "Unit cost",
    "col_unit": "Unit",
}

OUTCOMES_SV: dict[str, str] = {
    "h_spillover": "Grupper som nåddes och inte nåddes av budskapet",
    "h_time": "Tid till effekt",
    "h_equity": "Rättvisa och skada: gripanden, frihetsberövande och sanktioner",
    "h_value": "Kostnad per förhindrad skjutning",
    "h_harm_tradeoff": "Förhindrat våld mot tid i förvar",
    "h_unit_costs": "Styckkostnader som användes",
    "missing_groups": (
        "Resultaten per grupp finns inte i den här mappen (den skrevs innan de sparades). "
        "Kör jämförelsen igen för att se det här avsnittet."
    ),
    "not_meaningful": "inte meningsfullt",
    "spillover_intro": (
        "Skjutningar efter starten av medlemmar i de grupper som GVI-budskapet nådde direkt "
        "(vid en call-in, i ett individuellt samtal eller genom sanktioner mot gruppen) och "
        "av medlemmar i alla andra grupper, var för sig jämfört med samma grupper i "
        "{baseline} i samma körningar. En minskning bland grupper som inte nåddes direkt är "
        "en spridningseffekt: effekten når längre än till dem som fick budskapet."
    ),
    "spillover_note": (
        "Vilka grupper som räknas som nådda tas från varje scenariokörning och används även "
        "för jämförelsekörningen i samma stad. Antal grupper och skjutningar är medelvärden "
        "per körning över hela perioden efter starten; förändringen har sitt 95 % intervall "
        "från de parade körningarna. Ett streck: ingen grupp i den delen, eller inga "
        "skjutningar av den i {baseline}."
    ),
    "reach_reached": "Nådda direkt",
    "reach_not_reached": "Inte nådda direkt",
    "col_reach": "Grupper",
    "col_groups_n": "Antal grupper",
    "col_shootings_run": "Skjutningar efter starten",
    "col_same_in_base": "Samma grupper i {baseline}",
    "time_intro": (
        "Hur effekten på skjutningar byggs upp efter starten: förändringen i skjutningar från "
        "starten till slutet av varje månad, jämfört med {baseline} i samma körningar."
    ),
    "time_found": (
        "{name}: effekten på skjutningar går först att skilja från noll {months} efter starten."
    ),
    "time_none": (
        "{name}: effekten på skjutningar går inte att skilja från noll under någon månad "
        "efter starten."
    ),
    "month_one": "1 månad",
    "month_many": "{n} månader",
    "time_caption": (
        "Förändring i skjutningar från starten till slutet av varje månad, i procent av "
        "värdet i {baseline}, med 95 % intervall (band). Effekten räknas som skild från noll "
        "från den första månad då hela bandet ligger under noll (ring)."
    ),
    "y_cum_change": "Förändring mot {baseline} sedan starten (%)",
    "leg_first": "Första månaden tydligt under noll",
    "alt_time": "Diagram över den samlade förändringen i skjutningar månad för månad",
    "equity_intro": (
        "Vem som bär ingripandena efter starten: gripanden, de dagar i förvar de medför och "
        "riktade sanktioner mot en grupp, totalt och fördelat på grupperna. Medelvärden per "
        "körning över hela perioden efter starten; liten stil: 95 % intervall."
    ),
    "m_arrests": "Gripanden",
    "m_custody_days": "Dagar i förvar",
    "m_enforcement": "Sanktioner mot en grupp",
    "stat_total": "totalt",
    "stat_group_mean": "medel per grupp",
    "stat_group_max": "flest i en grupp",
    "stat_share_any": "andel grupper med minst en",
    "equity_sweeps_note": (
        "Razzior vid bred repression gäller hela staden och inte en grupp, så de räknas inte "
        "som sanktioner här; de gripanden och dagar i förvar som de leder till gör det."
    ),
    "harm_intro": (
        "Skillnader mot {baseline} i samma körningar, över hela perioden efter starten "
        "(medelvärden per körning, 95 % intervall från omsampling av de parade körningarna)."
    ),
    "col_averted_run": "Förhindrade skjutningar",
    "col_extra_custody": "Fler dagar i förvar",
    "col_per100_custody": "Förhindrade skjutningar per 100 extra dagar i förvar",
    "per100_custody_note": (
        "”Inte meningsfullt” där 95 % intervallet för förhindrade skjutningar eller för "
        "de extra dagarna i förvar innehåller noll."
    ),
    "value_intro": (
        "Merkostnaden jämfört med {baseline} delad med antalet förhindrade skjutningar, över "
        "hela perioden efter starten i samma körningar (95 % intervall från omsampling av de "
        "parade körningarna)."
    ),
    "col_cost_per_averted": "Merkostnad per förhindrad skjutning",
    "value_note": (
        "”Inte meningsfullt” där scenariot inte tydligt förhindrar skjutningar (95 % "
        "intervallet för förhindrade skjutningar når noll eller lägre). En negativ kostnad "
        "är en besparing."
    ),
    "unit_costs_intro": (
        "Priserna bakom varje kostnad i rapporten. De kan ändras i scenariofilen, under [costs]."
    ),
    "col_unit_cost": "Styckkostnad",
    "col_unit": "Enhet",
}
