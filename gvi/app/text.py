"""Every visible string of the trainers' app, in English and Swedish (same keys).

Placeholders use :meth:`str.format`. Labels of metrics and levers are not repeated
here: they come from their declarations (``model.metrics.METRICS`` and
``scenarios.schema.parameters()``), and the presets' descriptions from the preset files
(``scenarios.list_presets(lang)``).
"""

from __future__ import annotations

from dataclasses import dataclass

LANGS = ("en", "sv")
LANGUAGE_NAMES = {"en": "English", "sv": "Svenska"}  # each in its own language

EN: dict[str, str] = {
    "page_title": "GVI training simulator",
    "title": "GVI training simulator",
    "subtitle": "One city, two runs with the same dice: with the policy and business as usual",
    "day": "Day {day} of {total}",
    "phase_before": "before GVI (starts day {start})",
    "phase_running": "GVI running since day {start}",
    "phase_none": "business as usual, no GVI in this scenario",
    "phase_over": "the run is over",
    "seed_shown": "Seed {seed}",
    "language": "Language",
    # run controls
    "h_run": "Run",
    "play": "Play",
    "pause": "Pause",
    "step": "Step 1 day",
    "step_week": "Step 1 week",
    "jump": "Jump to GVI start (day {start})",
    "reset": "Reset",
    "speed": "Speed: {n} days per second",
    "over": "The run has reached its last day. Press Reset to start again.",
    # scenario
    "h_scenario": "Scenario",
    "preset": "Scenario",
    "seed": "Seed",
    "new_seed": "New seed",
    "pending": "Changed settings take effect when you press Reset.",
    "h_levers": "Levers",
    "lever_off": "not used in this scenario",
    # trainer actions
    "h_actions": "Trainer actions",
    "act_callin": "Hold a call-in now",
    "act_notify": "Custom notifications after the last shooting",
    "act_enforce": "Enforce on this group",
    "enforce_group": "Group",
    "act_skip": "Skip follow-through (promises not kept)",
    "why_over": "The run is over.",
    "why_no_policy": "This scenario has no GVI partnership.",
    "why_before": "Available once GVI has started (day {start}).",
    "why_no_audit": "Waiting for the group audit.",
    "why_no_enforcement": "This scenario has no group enforcement.",
    "why_no_shooting": "No shooting since GVI started.",
    "done_callin": "Call-in held: {n} attendees from {k} groups.",
    "fail_callin": "Nobody could be invited: no mapped members are free.",
    "done_notify": "{n} members of Group {g} and Group {t} notified after the shooting on day {day}.",
    "fail_notify": (
        "Nobody could be notified: the groups are not mapped or their members were "
        "notified recently."
    ),
    "done_enforce": "Enforcement on Group {g} ordered: it starts tomorrow.",
    "fail_enforce": "Group {g} is already under enforcement, or no enforcement unit exists.",
    "skip_on": "From now on, promised enforcement is not delivered.",
    "skip_off": "Follow-through is back to the scenario's setting.",
    # indicators
    "h_indicators": "Indicators",
    "ind_shootings": "Shootings so far",
    "ind_safety": "Perceived safety",
    "ind_support": "In support now",
    "ind_exits": "Exits so far",
    "ind_arrests": "Arrests so far",
    "ind_cost": "Cost so far",
    "unit_msek": "M SEK",
    "ind_twin": "as usual: {v}",
    # city view
    "h_city": "The city: groups and rivalries",
    "leg_size": "Size: members free",
    "leg_colour": "Colour: recent shootings",
    "leg_notice": "Blue ring: on notice",
    "leg_enforce": "Purple square: enforcement",
    "leg_shot": "Red line, star: shooting this week",
    "leg_rivalry": "Grey line: rivalry",
    "group_label": "Group {g}",
    # timeline
    "h_timeline": "Shootings week by week",
    "gap_before": "Before GVI both runs are identical: {n} shootings so far.",
    "gap_none": "Business as usual: both runs are the same ({n} shootings).",
    "gap_after": "Since GVI started: {live} shootings, as usual {twin} ({pct}).",
    "cumulative": "Show the total so far",
    "axis_weeks": "Weeks since the start",
    "axis_week_rate": "Per week",
    "axis_total": "Total so far",
    "line_live": "This run",
    "line_live_rate": "This run (8-week average)",
    "bars_weekly": "Each week",
    "line_twin": "Business as usual",
    "mark_rollout": "GVI starts",
    "mark_callin": "Call-in",
    "mark_enforce": "Enforcement",
    "mark_skip": "Promise not kept",
    # event feed
    "h_feed": "What happened",
    "feed_empty": "Nothing yet. Press Step or Play.",
    "feed_day": "Day {day}",
    "when_day": "on day {day}",
    "when_before": "before day 1",
    "ev_shooting": "A member of Group {g} shot at Group {t}: retaliation risk in {t} rises.",
    "ev_retaliation": (
        "Group {g} struck back at Group {t}, answering the shooting {ref}: "
        "retaliation risk in {t} rises."
    ),
    "ev_fatal": "One person died.",
    "ev_on_notice": "Group {g} was on notice: the partners must now follow through.",
    "ev_callin": "Call-in: {n} attendees from {k} groups.",
    "ev_callin_trainer": "Call-in held by the trainer: {n} attendees from {k} groups.",
    "ev_notify": "Custom notifications to {n} members after the shooting {ref}.",
    "ev_notify_trainer": (
        "Custom notifications by the trainer: {n} members after the shooting {ref}."
    ),
    "ev_enforce": (
        "Promised enforcement delivered on Group {g} after its shooting {ref}: a "
        "group-wide operation for {days} days."
    ),
    "ev_enforce_ordered": "Enforcement ordered by the trainer started on Group {g} ({days} days).",
    "ev_skip": (
        "Promised enforcement NOT delivered after Group {g}'s shooting {ref}. "
        "Belief in the promise falls."
    ),
    "ev_no_capacity": (
        "Enforcement NOT delivered after Group {g}'s shooting {ref}: no unit was "
        "free. Belief in the promise falls."
    ),
    "ev_exit": "A member of Group {g} left group life with support.",
    "ev_arrest": "A member of Group {g} was arrested for the shooting {ref}.",
    "ev_rollout": "GVI starts: the partnership maps the groups and begins to talk to them.",
    "ev_audit": "Group audit: {n} members mapped.",
    "ev_lapse": "The partnership loses focus: follow-through falls to {pct}.",
    "ev_sweep": "Police sweep across the city: {n} members arrested.",
    "ev_trainer_enforce": "Trainer: enforcement ordered on Group {g}.",
    "ev_trainer_skip_on": "Trainer: promised enforcement will not be delivered from now on.",
    "ev_trainer_skip_off": "Trainer: follow-through restored.",
    # a shared server: no place left, or a page left unused
    "full_title": "The server is full",
    "full_text": (
        "Every place on this server is in use ({n} of {n}), so this page cannot start a "
        "run. Places left unused free themselves after {idle}: try again in a moment."
    ),
    "expired_title": "This run has ended",
    "expired_text": (
        "Nothing happened on this page for {idle}, so its run was closed to make room "
        "for others. Start again for a new run."
    ),
    "try_again": "Try again",
    "start_again": "Start again",
    "n_minutes": "{n} minutes",
    "n_seconds": "{n} seconds",
}

SV: dict[str, str] = {
    "page_title": "GVI-simulator för utbildning",
    "title": "GVI-simulator för utbildning",
    "subtitle": "En stad, två körningar med samma slump: med insatsen och med ordinarie arbete",
    "day": "Dag {day} av {total}",
    "phase_before": "före GVI (startar dag {start})",
    "phase_running": "GVI pågår sedan dag {start}",
    "phase_none": "ordinarie arbete, ingen GVI i det här scenariot",
    "phase_over": "körningen är slut",
    "seed_shown": "Slumpfrö {seed}",
    "language": "Språk",
    "h_run": "Körning",
    "play": "Spela",
    "pause": "Pausa",
    "step": "Stega 1 dag",
    "step_week": "Stega 1 vecka",
    "jump": "Hoppa till GVI-start (dag {start})",
    "reset": "Börja om",
    "speed": "Hastighet: {n} dagar per sekund",
    "over": "Körningen har nått sista dagen. Tryck på Börja om för att starta igen.",
    "h_scenario": "Scenario",
    "preset": "Scenario",
    "seed": "Slumpfrö",
    "new_seed": "Nytt slumpfrö",
    "pending": "Ändrade inställningar gäller när du trycker på Börja om.",
    "h_levers": "Reglage",
    "lever_off": "används inte i det här scenariot",
    "h_actions": "Utbildarens åtgärder",
    "act_callin": "Håll en call-in nu",
    "act_notify": "Individuella samtal efter senaste skjutningen",
    "act_enforce": "Sanktioner mot den här gruppen",
    "enforce_group": "Grupp",
    "act_skip": "Hoppa över uppföljningen (löften hålls inte)",
    "why_over": "Körningen är slut.",
    "why_no_policy": "Det här scenariot har ingen GVI-samverkan.",
    "why_before": "Går att använda när GVI har startat (dag {start}).",
    "why_no_audit": "Väntar på kartläggningen av grupperna.",
    "why_no_enforcement": "Det här scenariot har inga gruppsanktioner.",
    "why_no_shooting": "Ingen skjutning sedan GVI startade.",
    "done_callin": "Call-in hållen: {n} deltagare från {k} grupper.",
    "fail_callin": "Ingen kunde bjudas in: inga kartlagda medlemmar är på fri fot.",
    "done_notify": (
        "{n} medlemmar i grupp {g} och grupp {t} fick individuella samtal efter skjutningen "
        "dag {day}."
    ),
    "fail_notify": (
        "Ingen kunde nås: grupperna är inte kartlagda eller medlemmarna har nyligen haft samtal."
    ),
    "done_enforce": "Sanktioner mot grupp {g} beordrade: de börjar i morgon.",
    "fail_enforce": "Grupp {g} har redan sanktioner, eller så finns ingen sanktionsenhet.",
    "skip_on": "Från och med nu genomförs inte de utlovade sanktionerna.",
    "skip_off": "Uppföljningen följer åter scenariots inställning.",
    "h_indicators": "Indikatorer",
    "ind_shootings": "Skjutningar hittills",
    "ind_safety": "Upplevd trygghet",
    "ind_support": "I stödinsats nu",
    "ind_exits": "Avhopp hittills",
    "ind_arrests": "Gripanden hittills",
    "ind_cost": "Kostnad hittills",
    "unit_msek": "mnkr",
    "ind_twin": "som vanligt: {v}",
    "h_city": "Staden: grupper och konflikter",
    "leg_size": "Storlek: medlemmar på fri fot",
    "leg_colour": "Färg: skjutningar nyligen",
    "leg_notice": "Blå ring: har fått budskapet",
    "leg_enforce": "Lila kvadrat: sanktioner",
    "leg_shot": "Röd linje, stjärna: skjutning senaste veckan",
    "leg_rivalry": "Grå linje: konflikt",
    "group_label": "Grupp {g}",
    "h_timeline": "Skjutningar vecka för vecka",
    "gap_before": "Före GVI är körningarna identiska: {n} skjutningar hittills.",
    "gap_none": "Ordinarie arbete: båda körningarna är lika ({n} skjutningar).",
    "gap_after": "Sedan GVI startade: {live} skjutningar, som vanligt {twin} ({pct}).",
    "cumulative": "Visa totalt hittills",
    "axis_weeks": "Veckor sedan start",
    "axis_week_rate": "Per vecka",
    "axis_total": "Totalt hittills",
    "line_live": "Den här körningen",
    "line_live_rate": "Den här körningen (medel 8 veckor)",
    "bars_weekly": "Varje vecka",
    "line_twin": "Ordinarie arbete",
    "mark_rollout": "GVI startar",
    "mark_callin": "Call-in",
    "mark_enforce": "Sanktion",
    "mark_skip": "Löfte ej hållet",
    "h_feed": "Händelser",
    "feed_empty": "Inget ännu. Tryck på Stega eller Spela.",
    "feed_day": "Dag {day}",
    "when_day": "dag {day}",
    "when_before": "före dag 1",
    "ev_shooting": "En medlem i grupp {g} sköt mot grupp {t}: risken för hämnd från {t} ökar.",
    "ev_retaliation": (
        "Grupp {g} slog tillbaka mot grupp {t} som svar på skjutningen {ref}: risken "
        "för hämnd från {t} ökar."
    ),
    "ev_fatal": "En person dog.",
    "ev_on_notice": "Grupp {g} hade fått budskapet: nu måste samverkan följa upp.",
    "ev_callin": "Call-in: {n} deltagare från {k} grupper.",
    "ev_callin_trainer": "Call-in hållen av utbildaren: {n} deltagare från {k} grupper.",
    "ev_notify": "Individuella samtal med {n} medlemmar efter skjutningen {ref}.",
    "ev_notify_trainer": (
        "Individuella samtal genom utbildaren: {n} medlemmar efter skjutningen {ref}."
    ),
    "ev_enforce": (
        "De utlovade sanktionerna mot grupp {g} genomfördes efter skjutningen {ref}: "
        "en insats mot hela gruppen i {days} dagar."
    ),
    "ev_enforce_ordered": "Sanktioner som utbildaren beordrat startade mot grupp {g} ({days} dagar).",
    "ev_skip": (
        "De utlovade sanktionerna mot grupp {g} genomfördes INTE efter skjutningen {ref}. "
        "Tilltron till löftet sjunker."
    ),
    "ev_no_capacity": (
        "Sanktionerna mot grupp {g} genomfördes INTE efter skjutningen {ref}: ingen "
        "enhet var ledig. Tilltron till löftet sjunker."
    ),
    "ev_exit": "En medlem i grupp {g} lämnade gruppen med hjälp av stödet.",
    "ev_arrest": "En medlem i grupp {g} greps för skjutningen {ref}.",
    "ev_rollout": "GVI startar: samverkan kartlägger grupperna och börjar tala med dem.",
    "ev_audit": "Kartläggning: {n} medlemmar kartlagda.",
    "ev_lapse": "Samverkan tappar fokus: uppföljningen sjunker till {pct}.",
    "ev_sweep": "Polisrazzia i hela staden: {n} medlemmar gripna.",
    "ev_trainer_enforce": "Utbildaren: sanktioner beordrade mot grupp {g}.",
    "ev_trainer_skip_on": "Utbildaren: de utlovade sanktionerna genomförs inte från och med nu.",
    "ev_trainer_skip_off": "Utbildaren: uppföljningen är återställd.",
    "full_title": "Servern är full",
    "full_text": (
        "Alla platser på servern används ({n} av {n}), så sidan kan inte starta en "
        "körning. Platser som inte används frigörs efter {idle}: försök igen om en stund."
    ),
    "expired_title": "Körningen har avslutats",
    "expired_text": (
        "Inget hände på sidan under {idle}, så körningen stängdes för att ge plats "
        "åt andra. Börja om för en ny körning."
    ),
    "try_again": "Försök igen",
    "start_again": "Börja om",
    "n_minutes": "{n} minuter",
    "n_seconds": "{n} sekunder",
}

STRINGS = {"en": EN, "sv": SV}


@dataclass(frozen=True)
class DayRef:
    """A day mentioned in a message: ``on day 12`` / ``dag 12``; days before the
    observed period (< 1) read ``before day 1``."""

    day: int

    def text(self, lang: str) -> str:
        return tr(lang, "when_day", day=self.day) if self.day >= 1 else tr(lang, "when_before")


def tr(lang: str, key: str, **values: object) -> str:
    """The string ``key`` in ``lang``, with ``values`` filled in."""
    text = STRINGS[lang if lang in STRINGS else "en"][key]
    if not values:
        return text
    return text.format(
        **{k: v.text(lang) if isinstance(v, DayRef) else v for k, v in values.items()}
    )
