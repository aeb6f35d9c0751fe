"""Every visible string of the report, in English and Swedish (same keys; those of the
planners' sections come from :mod:`.text_outcomes`). ``h_`` keys are section headings;
placeholders use :meth:`str.format`, filled with ready markup by the page code."""

from __future__ import annotations

from .text_outcomes import OUTCOMES_EN, OUTCOMES_SV

EN: dict[str, str] = {
    **OUTCOMES_EN,
    "title": "GVI scenario comparison",
    "subtitle": (
        "A simulation of what different ways of working against group violence could do "
        "in one city, each compared with the same city under {baseline}."
    ),
    "subtitle_other": (
        "A simulation of what different ways of working against group violence could do, "
        "compared with {baseline}. The scenarios do NOT all run in the same city."
    ),
    "meta_date": "Report date",
    "meta_runs_date": "Simulations run",
    "meta_replicates": "Paired runs per scenario",
    "meta_period": "Period",
    "period_value": "{pre} before and {post} after the rollout starts",
    "contents": "Contents",
    "h_headline": "Headline: shootings",
    "h_compared": "What was compared",
    "h_timeline": "Shootings week by week",
    "h_effects": "Effects on all measures",
    "h_costs": "Costs and enforcement",
    "h_summary": "All results in numbers",
    "h_howto": "How to read this report",
    "h_limits": "Limits of the model",
    "h_prepost": "Before and after, within each scenario",
    "h_params": "Settings that differ",
    "h_tradeoff": "Against {baseline}, per year",
    "where_same": " in the same city",
    "where_other": ", which is NOT the same city (see What was compared)",
    "chance_only": (
        "The intervals cover chance only: how much the result moves between paired runs "
        "of one set of model assumptions. They do not cover uncertainty about the model "
        "itself, which is larger (published evaluations range from about 16 % to 63 % "
        "fewer shootings)."
    ),
    "few_replicates": (
        "Only {n} paired runs per scenario: with fewer than {min} the intervals are not "
        "meaningful. Rerun with more runs (50 or more) before using these figures."
    ),
    "lapse_phases": (
        "{name}: shootings {before} (95% interval {before_range}) in the {m1} months before the "
        "partnership lapses, {after} ({after_range}) in the {m2} months after it."
    ),
    "power_sentence": (
        "Would an evaluation see it? A plain before/after evaluation of {name} (the year "
        "before against {period} after, conditional Poisson test at the 5% level) detects a "
        "drop in {power} of runs (95% interval {range}). {years}"
    ),
    "power_years": (
        "An evaluation that allows for the clustering of violence needs about {years} years "
        "of follow-up for 80% power."
    ),
    "power_never": (
        "With one year before the rollout to compare with, 80% power is not reached even "
        "after 50 years of follow-up: a longer series of years before the rollout helps more "
        "than waiting."
    ),
    "power_false": (
        "Violence comes in clusters, so yearly counts vary more than the test assumes: the "
        "same test finds a drop in {power} of the runs of {baseline}, where there is none."
    ),
    "meta_seed": "Random seed",
    "seed_value": "{seed} (root entropy {entropy})",
    "h_cities": "The city of each scenario",
    "cities_intro": (
        "Every scenario runs in the same city as {baseline}: the same groups, members and "
        "violence before the rollout. Members are those at the start (mean over runs); "
        "shootings per year are those of the year before the rollout (mean over runs)."
    ),
    "cities_differ": (
        "These scenarios do NOT run in the same city: differences between them mix the "
        "policy with the city. Compare each city with its own business as usual."
    ),
    "col_groups": "Groups",
    "col_members": "Members",
    "col_hazard": "Background hazard",
    "col_pre_shootings": "Shootings per year before rollout",
    "city_audit": "from the group audit",
    "technical": "Technical details",
    "business_as_usual": "business as usual",
    "bau_named": "business as usual ({name})",
    "headline_cut": (
        "In the model, {name} cut shootings by {pct} (95% interval {range}) over {period} "
        "after rollout, compared with {baseline}{where} ({n} paired runs)."
    ),
    "headline_rise": (
        "In the model, {name} raised shootings by {pct} (95% interval {range}) over {period} "
        "after rollout, compared with {baseline}{where} ({n} paired runs)."
    ),
    "headline_unclear": (
        "In the model, {name} changed shootings by {pct} (95% interval {range}) over {period} "
        "after rollout, compared with {baseline}{where} ({n} paired runs): the "
        "model cannot tell this apart from no change."
    ),
    "headline_none": (
        "For {name} no change can be computed: {baseline} had no shootings after rollout."
    ),
    "prepost_intro": (
        "Many real evaluations compare the time before and after a rollout in the same "
        "place. The same comparison in the model, shootings per year:"
    ),
    "prepost_note": (
        "The before/after change mixes the policy's effect with chance and drift. The "
        "change in {baseline}, where no policy starts, shows how large that part is; the "
        "paired comparison above removes it."
    ),
    "col_scenario": "Scenario",
    "col_before": "Before, per year",
    "col_after": "After, per year",
    "col_change": "Change (95% interval)",
    # compared
    "compared_intro": (
        "Every scenario is the same simulated city with a different policy, compared with "
        "{baseline}."
    ),
    "params_intro": (
        "Settings that are not the same in all scenarios, side by side. Cells that differ "
        "from {baseline} are highlighted."
    ),
    "params_same": "{n} other settings are the same in all scenarios and are not shown.",
    "params_none": "All {n} settings are the same in every scenario.",
    "col_setting": "Setting",
    "on": "on",
    "off": "off",
    "not_set": "not set",
    "no_description": "(no description)",
    # timeline
    "timeline_caption": (
        "Shootings per week. Line: mean over the {n} runs; band: the middle 90% of runs "
        "(5th to 95th percentile). Grey line in each panel: {baseline}. The vertical line "
        "marks the rollout start; triangles mark call-ins."
    ),
    "x_months": "Months since rollout start",
    "y_weekly": "Shootings per week",
    "rollout": "Rollout starts",
    "lapse": "Partnership lapses",
    "leg_mean": "Mean of runs",
    "leg_band": "Middle 90% of runs",
    "leg_baseline": "{baseline} (mean)",
    "leg_callin": "Call-in",
    "alt_timeline": "Chart of weekly shootings per scenario before and after rollout",
    # effects
    "effects_caption": (
        "Change after rollout compared with {baseline}, in percent of {baseline}'s value, "
        "with 95% intervals from the paired runs. Left of zero: less than in {baseline}."
    ),
    "effects_clipped": "Bars that run past the edge are cut; their value is written at the edge.",
    "effects_absent": (
        "Not shown, because they are zero in {baseline} so no percentage exists: {list}. "
        "Their levels are in the sections below."
    ),
    "effects_unclear": (
        "Grey: the 95% interval includes zero, so the model cannot tell the change apart "
        "from no change."
    ),
    "x_change": "Change compared with {baseline} (%)",
    "panel_violence": "Violence",
    "panel_other": "Enforcement, costs and community",
    "col_measure": "Measure",
    "alt_effects": "Bar chart of the change in each measure compared with the baseline",
    # costs
    "costs_intro": (
        "What each scenario uses and costs after rollout: per year for counts, average on "
        "a day for people in custody and in support. Small print: 95% interval."
    ),
    "tradeoff_intro": (
        "Differences from {baseline} in the same runs (paired), per year after rollout."
    ),
    "col_averted": "Shootings averted",
    "col_extra_arrests": "Extra arrests",
    "col_extra_cost": "Extra cost (SEK million)",
    "col_per100": "Shootings averted per 100 extra arrests",
    "col_cost_per": "Extra cost per shooting averted",
    "per100_note": (
        "Ratios are shown only where the scenario clearly averts shootings (and, for the "
        "arrests ratio, clearly adds arrests); they are point estimates."
    ),
    "costs_indicative": (
        "Costs are indicative: police hours, custody days, outreach, services and health "
        "care priced with the unit costs set in the scenario."
    ),
    "x_extra_arrests": "Extra arrests per year vs {baseline}",
    "x_extra_cost": "Extra cost per year vs {baseline} (SEK million)",
    "y_averted": "Shootings averted per year",
    "alt_costs": "Chart of shootings averted against extra arrests and extra cost",
    "tradeoff_caption": (
        "Each dot is a scenario: shootings averted per year compared with {baseline} "
        "(higher is better), against the extra arrests (left) and the extra cost (right) "
        "that come with it. Lines: 95% intervals over the paired runs."
    ),
    "sek_million": "SEK million",
    "per_year": "per year",
    "per_day_avg": "average on a day",
    "cost_row": "Cost (SEK million per year)",
    # summary
    "summary_intro": (
        "Every measure for every scenario. “After rollout” is the total over the whole "
        "period after rollout ({post}) with its 95% interval; for measures marked "
        "“average on a day” it is the daily average instead, and so are the per-year columns."
    ),
    "col_post_total": "After rollout, whole period (95% interval)",
    "col_pre_year": "Before, per year",
    "col_post_year": "After, per year",
    # how to read
    "howto": (
        "Each scenario was run {n} times. Run 1 of every scenario uses the same simulated "
        "city and the same chance events (who is where, which shot hits) until the policies "
        "make them differ; so does run 2, and so on. Comparing the scenarios run by run "
        "(paired runs, or “common random numbers”) removes most of the chance differences, "
        "so what is left is mostly the effect of the policy.\n"
        "The change against {baseline} adds up a scenario's results over all runs and "
        "divides by {baseline}'s total over the same runs.\n"
        "A 95% interval shows how much a result could move by chance alone if the runs were "
        "repeated with other random numbers. It does not cover uncertainty about the "
        "model's assumptions: if an assumption is wrong, the real effect can lie outside the "
        "interval. When an interval includes zero, the model cannot tell the result apart "
        "from no change.\n"
        "The before/after change compares the year before rollout with the time after it "
        "inside one scenario, as many real evaluations do. It mixes the policy's effect with "
        "chance and drift; the paired comparison is the better measure of the effect.\n"
        "Counts (shootings, arrests, costs) are added up over a period; levels (people in "
        "custody or in support, perceived safety, trust) are averages over the days."
    ),
    # limits
    "limit_synthetic": (
        "The city is synthetic: its groups, members and rivalries are generated, not taken "
        "from a real city."
    ),
    "limit_audit": (
        "The city is built from an imported group audit (pseudonymous); it is only as "
        "complete and correct as that mapping."
    ),
    "limits": (
        "The model is calibrated to patterns published from other cities (how concentrated "
        "and contagious the violence is, the effects of GVI elsewhere), not to this city's "
        "own data.\n"
        "Costs are indicative: unit costs set in the scenario, not budgets.\n"
        "Groups do not split or merge and no new groups form; members leave and are "
        "replaced.\n"
        "Police, outreach workers and group members follow fixed decision rules; real people "
        "adapt and learn in ways the model does not.\n"
        "The results are for comparing options with each other, not forecasts of how many "
        "shootings there will be."
    ),
}

SV: dict[str, str] = {
    **OUTCOMES_SV,
    "title": "Jämförelse av GVI-scenarier",
    "subtitle": (
        "En simulering av vad olika sätt att arbeta mot gruppvåld skulle kunna åstadkomma i "
        "en stad, där varje alternativ jämförs med samma stad under {baseline}."
    ),
    "subtitle_other": (
        "En simulering av vad olika sätt att arbeta mot gruppvåld skulle kunna åstadkomma, "
        "jämfört med {baseline}. Scenarierna körs INTE alla i samma stad."
    ),
    "meta_date": "Rapportdatum",
    "meta_runs_date": "Simuleringarna kördes",
    "meta_replicates": "Parade körningar per scenario",
    "meta_period": "Period",
    "period_value": "{pre} före och {post} efter att insatsen startar",
    "contents": "Innehåll",
    "h_headline": "Huvudresultat: skjutningar",
    "h_compared": "Vad som jämfördes",
    "h_timeline": "Skjutningar vecka för vecka",
    "h_effects": "Effekter på alla mått",
    "h_costs": "Kostnader och insatser",
    "h_summary": "Alla resultat i siffror",
    "h_howto": "Så läser du rapporten",
    "h_limits": "Modellens begränsningar",
    "h_prepost": "Före och efter, inom varje scenario",
    "h_params": "Inställningar som skiljer sig",
    "h_tradeoff": "Jämfört med {baseline}, per år",
    "where_same": " i samma stad",
    "where_other": ", som INTE är samma stad (se Vad som jämfördes)",
    "chance_only": (
        "Intervallen täcker bara slumpen: hur mycket resultatet varierar mellan parade "
        "körningar med en och samma uppsättning modellantaganden. De täcker inte "
        "osäkerheten i själva modellen, som är större (publicerade utvärderingar spänner "
        "från omkring 16 % till 63 % färre skjutningar)."
    ),
    "few_replicates": (
        "Bara {n} parade körningar per scenario: med färre än {min} är intervallen inte "
        "meningsfulla. Kör om med fler körningar (50 eller fler) innan siffrorna används."
    ),
    "lapse_phases": (
        "{name}: skjutningar {before} (95 % intervall {before_range}) under de {m1} månaderna innan "
        "samverkan tappar fokus, {after} ({after_range}) under de {m2} månaderna efter."
    ),
    "power_sentence": (
        "Skulle en utvärdering se det? En enkel före/efter-utvärdering av {name} (året före "
        "mot {period} efter, villkorligt Poissontest på 5 %-nivån) upptäcker en minskning i "
        "{power} av körningarna (95 % intervall {range}). {years}"
    ),
    "power_years": (
        "En utvärdering som tar hänsyn till att våldet kommer i kluster behöver omkring "
        "{years} års uppföljning för 80 % styrka."
    ),
    "power_never": (
        "Med ett år före starten att jämföra med nås inte 80 % styrka ens efter 50 års "
        "uppföljning: en längre serie år före starten hjälper mer än att vänta."
    ),
    "power_false": (
        "Våldet kommer i kluster, så antalet per år varierar mer än testet förutsätter: samma "
        "test hittar en minskning i {power} av körningarna med {baseline}, där det inte finns "
        "någon."
    ),
    "meta_seed": "Slumpfrö",
    "seed_value": "{seed} (rotentropi {entropy})",
    "h_cities": "Staden i varje scenario",
    "cities_intro": (
        "Varje scenario körs i samma stad som {baseline}: samma grupper, medlemmar och "
        "samma våld före starten. Medlemmar är de som finns vid starten (medel över "
        "körningarna); skjutningar per år gäller året före starten (medel över körningarna)."
    ),
    "cities_differ": (
        "De här scenarierna körs INTE i samma stad: skillnader mellan dem blandar strategin "
        "med staden. Jämför varje stad med sitt eget ordinarie arbete."
    ),
    "col_groups": "Grupper",
    "col_members": "Medlemmar",
    "col_hazard": "Grundrisk",
    "col_pre_shootings": "Skjutningar per år före starten",
    "city_audit": "från kartläggningen",
    "technical": "Tekniska uppgifter",
    "business_as_usual": "ordinarie arbete",
    "bau_named": "ordinarie arbete ({name})",
    "headline_cut": (
        "I modellen minskade {name} skjutningarna med {pct} (95 % intervall {range}) under "
        "{period} efter starten, jämfört med {baseline}{where} ({n} parade körningar)."
    ),
    "headline_rise": (
        "I modellen ökade {name} skjutningarna med {pct} (95 % intervall {range}) under "
        "{period} efter starten, jämfört med {baseline}{where} ({n} parade körningar)."
    ),
    "headline_unclear": (
        "I modellen förändrade {name} skjutningarna med {pct} (95 % intervall {range}) under "
        "{period} efter starten, jämfört med {baseline}{where} ({n} parade "
        "körningar): modellen kan inte skilja detta från ingen förändring."
    ),
    "headline_none": (
        "För {name} kan ingen förändring beräknas: {baseline} hade inga skjutningar efter starten."
    ),
    "prepost_intro": (
        "Många verkliga utvärderingar jämför tiden före och efter en insats på samma plats. "
        "Samma jämförelse i modellen, skjutningar per år:"
    ),
    "prepost_note": (
        "Förändringen före/efter blandar insatsens effekt med slump och trender. "
        "Förändringen i {baseline}, där ingen insats startar, visar hur stor den delen är; "
        "den parade jämförelsen ovan tar bort den."
    ),
    "col_scenario": "Scenario",
    "col_before": "Före, per år",
    "col_after": "Efter, per år",
    "col_change": "Förändring (95 % intervall)",
    "compared_intro": (
        "Varje scenario är samma simulerade stad med en annan strategi, jämförd med {baseline}."
    ),
    "params_intro": (
        "Inställningar som inte är lika i alla scenarier, sida vid sida. Celler som skiljer "
        "sig från {baseline} är markerade."
    ),
    "params_same": "{n} andra inställningar är lika i alla scenarier och visas inte.",
    "params_none": "Alla {n} inställningar är lika i alla scenarier.",
    "col_setting": "Inställning",
    "on": "på",
    "off": "av",
    "not_set": "ej angiven",
    "no_description": "(ingen beskrivning)",
    "timeline_caption": (
        "Skjutningar per vecka. Linje: medelvärde över de {n} körningarna; band: de "
        "mellersta 90 % av körningarna (5:e till 95:e percentilen). Grå linje i varje panel: "
        "{baseline}. Den lodräta linjen markerar starten; trianglar markerar call-ins."
    ),
    "x_months": "Månader sedan start",
    "y_weekly": "Skjutningar per vecka",
    "rollout": "Insatsen startar",
    "lapse": "Samverkan tappar fokus",
    "leg_mean": "Medelvärde",
    "leg_band": "Mellersta 90 % av körningarna",
    "leg_baseline": "{baseline} (medelvärde)",
    "leg_callin": "Call-in",
    "alt_timeline": "Diagram över skjutningar per vecka och scenario före och efter starten",
    "effects_caption": (
        "Förändring efter starten jämfört med {baseline}, i procent av värdet i "
        "{baseline}, med 95 % intervall från de parade körningarna. Till vänster om noll: "
        "mindre än i {baseline}."
    ),
    "effects_clipped": (
        "Staplar som går utanför kanten är avkortade; deras värde står vid kanten."
    ),
    "effects_absent": (
        "Visas inte, eftersom de är noll i {baseline} och ingen procentsats finns: {list}. "
        "Deras nivåer finns i avsnitten nedan."
    ),
    "effects_unclear": (
        "Grått: 95 % intervallet innehåller noll, så modellen kan inte skilja förändringen "
        "från ingen förändring."
    ),
    "x_change": "Förändring jämfört med {baseline} (%)",
    "panel_violence": "Våld",
    "panel_other": "Ingripanden, kostnader och samhälle",
    "col_measure": "Mått",
    "alt_effects": "Stapeldiagram över förändringen i varje mått jämfört med jämförelsepunkten",
    "costs_intro": (
        "Vad varje scenario använder och kostar efter starten: per år för antal, "
        "genomsnitt per dag för frihetsberövade och personer i stödinsats. Liten stil: "
        "95 % intervall."
    ),
    "tradeoff_intro": (
        "Skillnader mot {baseline} i samma körningar (parade), per år efter starten."
    ),
    "col_averted": "Förhindrade skjutningar",
    "col_extra_arrests": "Fler gripanden",
    "col_extra_cost": "Merkostnad (miljoner kr)",
    "col_per100": "Förhindrade skjutningar per 100 extra gripanden",
    "col_cost_per": "Merkostnad per förhindrad skjutning",
    "per100_note": (
        "Kvoterna visas bara där scenariot tydligt förhindrar skjutningar (och, för "
        "gripandekvoten, tydligt ger fler gripanden); de är punktskattningar."
    ),
    "costs_indicative": (
        "Kostnaderna är ungefärliga: polistimmar, dagar i förvar, uppsökande arbete, "
        "stödinsatser och vård, prissatta med scenariots styckkostnader."
    ),
    "x_extra_arrests": "Fler gripanden per år än i {baseline}",
    "x_extra_cost": "Merkostnad per år jämfört med {baseline} (miljoner kr)",
    "y_averted": "Förhindrade skjutningar per år",
    "alt_costs": "Diagram över förhindrade skjutningar mot fler gripanden och merkostnad",
    "tradeoff_caption": (
        "Varje punkt är ett scenario: förhindrade skjutningar per år jämfört med "
        "{baseline} (högre är bättre), mot de extra gripanden (vänster) och den merkostnad "
        "(höger) som följer med. Linjer: 95 % intervall över de parade körningarna."
    ),
    "sek_million": "miljoner kr",
    "per_year": "per år",
    "per_day_avg": "genomsnitt per dag",
    "cost_row": "Kostnad (miljoner kr per år)",
    "summary_intro": (
        "Alla mått för alla scenarier. ”Efter starten” är summan över hela perioden efter "
        "starten ({post}) med 95 % intervall; för mått märkta ”genomsnitt per dag” är det "
        "i stället dagsgenomsnittet, och så även i kolumnerna per år."
    ),
    "col_post_total": "Efter starten, hela perioden (95 % intervall)",
    "col_pre_year": "Före, per år",
    "col_post_year": "Efter, per år",
    "howto": (
        "Varje scenario kördes {n} gånger. Körning 1 i varje scenario använder samma "
        "simulerade stad och samma slumphändelser (vem som är var, vilket skott som träffar) "
        "tills strategierna gör att de skiljer sig; likaså körning 2, och så vidare. När "
        "scenarierna jämförs körning för körning (parade körningar, ”gemensamma "
        "slumptal”) försvinner det mesta av slumpens skillnader, så det som återstår är "
        "främst strategins effekt.\n"
        "Förändringen jämfört med {baseline} summerar ett scenarios resultat över alla "
        "körningar och delar med summan för {baseline} i samma körningar.\n"
        "Ett 95 % intervall visar hur mycket ett resultat skulle kunna ändras av enbart "
        "slumpen om körningarna gjordes om med andra slumptal. Det omfattar inte osäkerheten "
        "i modellens antaganden: om ett antagande är fel kan den verkliga effekten ligga "
        "utanför intervallet. När ett intervall innehåller noll kan modellen inte skilja "
        "resultatet från ingen förändring.\n"
        "Förändringen före/efter jämför året före starten med tiden efter inom ett och samma "
        "scenario, som många verkliga utvärderingar gör. Den blandar strategins effekt med "
        "slump och trender; den parade jämförelsen är det bättre måttet på effekten.\n"
        "Antal (skjutningar, gripanden, kostnader) summeras över en period; nivåer "
        "(frihetsberövade, personer i stödinsats, upplevd trygghet, förtroende) är "
        "genomsnitt över dagarna."
    ),
    "limit_synthetic": (
        "Staden är syntetisk: dess grupper, medlemmar och konflikter är genererade, inte "
        "hämtade från en verklig stad."
    ),
    "limit_audit": (
        "Staden bygger på en importerad kartläggning (pseudonymiserad); den är bara så "
        "fullständig och korrekt som kartläggningen."
    ),
    "limits": (
        "Modellen är kalibrerad mot mönster som publicerats från andra städer (hur "
        "koncentrerat och smittsamt våldet är, effekterna av GVI på andra håll), inte mot "
        "den här stadens egna data.\n"
        "Kostnaderna är ungefärliga: styckkostnader angivna i scenariot, inte budgetar.\n"
        "Grupper delas inte och slås inte ihop, och inga nya grupper bildas; medlemmar "
        "lämnar och ersätts.\n"
        "Polis, uppsökare och gruppmedlemmar följer fasta beslutsregler; verkliga människor "
        "anpassar sig och lär sig på sätt som modellen inte gör.\n"
        "Resultaten är till för att jämföra alternativ med varandra, inte prognoser över hur "
        "många skjutningar det kommer att bli."
    ),
}

TEXT: dict[str, dict[str, str]] = {"en": EN, "sv": SV}


def strings(lang: str) -> dict[str, str]:
    """The strings of one language; ValueError for any other than en/sv."""
    if lang not in TEXT:
        raise ValueError(f"lang must be one of {', '.join(TEXT)}, got {lang!r}")
    return TEXT[lang]
