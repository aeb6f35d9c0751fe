"""The scenario schema: every model parameter, declared once.

Each parameter is declared with :func:`P` — default (the calibrated value), allowed
range, unit, English and Swedish label, and source. From these declarations come the
parameter table in ``docs/ODD.md`` (``gvi params --markdown``), the browser app's sliders
(parameters marked ``lever``) and the default bounds offered to sensitivity analysis
(``sa``). Rates are per day unless the unit says otherwise; probabilities and shares are
in [0, 1].

A :class:`Scenario` is frozen: the model reads it and never changes it. Use
:meth:`Scenario.with_updates` to derive a variant (it re-validates).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, cast

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ASSUMPTION = "assumption (see docs/ODD.md)"
TWIN_TITLE = {"en": "Business as usual", "sv": "Ordinarie arbete"}
TWIN_DESCRIPTION = {
    "en": "The city of {name} with every policy switched off: reactive policing only",
    "sv": "Staden i {name} med alla insatser avstängda: enbart reaktivt polisarbete",
}
CALIBRATED = "calibrated to DOMAIN patterns (docs/ODD.md)"
# The smallest half-life (days), gamma shape or beta concentration, and the smallest
# non-zero group-size spread: the model divides by these, and a value near zero (such
# as 5e-324) turns its arithmetic into inf and NaN.
MIN_DIVISOR = 0.01


def P(
    default: Any,
    *,
    unit: str,
    label: str,
    label_sv: str,
    source: str = ASSUMPTION,
    ge: float | None = None,
    le: float | None = None,
    gt: float | None = None,
    lever: bool = False,
    sa: tuple[float, float] | None = None,
    city: bool | None = None,
) -> Any:
    """Declare one parameter: default, range, unit, labels (en/sv), source.

    ``lever`` marks a parameter a trainer talks about (the app shows a slider for it);
    ``sa`` gives default bounds for sensitivity analysis (else the declared range);
    ``city`` marks a parameter of the city and its business as usual (default: the
    section's :attr:`Section.CITY`), which two compared scenarios must share.
    """
    extra: dict[str, Any] = {"unit": unit, "label": label, "label_sv": label_sv, "source": source}
    if lever:
        extra["lever"] = True
    if city is not None:
        extra["city"] = city
    if sa is not None:
        extra["sa_bounds"] = [float(sa[0]), float(sa[1])]
    return Field(default, ge=ge, le=le, gt=gt, description=label, json_schema_extra=extra)


class Section(BaseModel):
    """Base of every scenario section: frozen, unknown keys refused, no NaN/inf.

    ``CITY`` says whether the section's parameters describe the city and its business
    as usual (what a scenario's baseline twin keeps) rather than a policy; a parameter
    can say otherwise with ``P(..., city=...)``.
    """

    CITY: ClassVar[bool] = False

    model_config = ConfigDict(
        extra="forbid", frozen=True, validate_default=True, allow_inf_nan=False
    )


class TimeParams(Section):
    """Run length and the rollout date."""

    CITY = True

    warmup_days: int = P(
        730,
        ge=0,
        le=3650,
        unit="days",
        label="Warm-up (discarded)",
        label_sv="Insvängning (räknas ej)",
    )
    horizon_days: int = P(
        1095,
        ge=30,
        le=7300,
        unit="days",
        label="Horizon after warm-up",
        label_sv="Tidshorisont efter insvängning",
    )
    rollout_day: int = P(
        365,
        ge=0,
        le=7300,
        unit="days after warm-up",
        label="Rollout start",
        label_sv="Start för insatsen",
    )

    @model_validator(mode="after")
    def _rollout_in_horizon(self) -> TimeParams:
        if self.rollout_day >= self.horizon_days:
            raise ValueError(
                f"rollout_day = {self.rollout_day} must be before horizon_days = "
                f"{self.horizon_days} (the rollout must start inside the run; horizon_days "
                "counts the days after the warm-up: lower rollout_day or raise horizon_days)"
            )
        return self


class CityParams(Section):
    """M1: groups, members, propensities, rivalries and alliances."""

    CITY = True

    n_groups: int = P(
        32, ge=1, le=10_000, unit="groups", label="Number of groups", label_sv="Antal grupper"
    )
    group_size_mean: float = P(
        14.0,
        ge=2,
        le=200,
        unit="members",
        label="Mean group size",
        label_sv="Genomsnittlig gruppstorlek",
    )
    group_size_sd: float = P(
        7.0,
        ge=0,
        le=200,
        unit="members",
        label="Group size spread (sd)",
        label_sv="Spridning i gruppstorlek (sd)",
    )
    min_group_size: int = P(
        4, ge=1, le=100, unit="members", label="Smallest group", label_sv="Minsta grupp"
    )
    core_share: float = P(
        0.3, ge=0, le=1, unit="share", label="Share of core members", label_sv="Andel kärnmedlemmar"
    )
    core_propensity_ratio: float = P(
        3.0,
        ge=1,
        le=50,
        unit="ratio",
        label="Core vs associate propensity",
        label_sv="Benägenhet kärna mot periferi",
    )
    propensity_sigma: float = P(
        1.2,
        ge=0,
        le=3,
        unit="log-sd",
        label="Propensity heterogeneity (lognormal sigma)",
        label_sv="Spridning i våldsbenägenhet (lognormal sigma)",
        source="Papachristos et al. 2015 (concentration)",
        sa=(0.5, 1.5),
    )
    rivals_per_group: float = P(
        3.7,
        ge=0,
        le=500,
        unit="rival groups (mean)",
        label="Rivals per group (capped at all other groups)",
        label_sv="Rivaler per grupp (högst alla andra grupper)",
        sa=(1.0, 8.0),
    )
    rivalry_intensity_shape: float = P(
        1.5,
        ge=MIN_DIVISOR,
        le=100,
        unit="gamma shape",
        sa=(0.5, 5.0),
        label="Rivalry intensity shape (mean 1)",
        label_sv="Rivalitetsintensitet, form (medel 1)",
    )
    allies_per_group: float = P(
        1.5,
        ge=0,
        le=500,
        unit="allied groups (mean)",
        label="Allies per group (among non-rival pairs)",
        label_sv="Allierade per grupp (bland icke-rivaler)",
    )
    ties_mean_degree: float = P(
        4.0,
        ge=0,
        le=50,
        unit="ties per member",
        label="In-group ties per member",
        label_sv="Band inom gruppen per medlem",
    )
    supervision_share: float = P(
        0.2,
        ge=0,
        le=1,
        unit="share",
        label="Members on probation/supervision",
        label_sv="Andel under frivård/övervakning",
    )
    legitimacy_mean: float = P(
        0.35,
        ge=0,
        le=1,
        unit="index 0-1",
        label="Initial trust in the partnership (mean)",
        label_sv="Initialt förtroende för samverkan (medel)",
    )
    trust_concentration: float = P(
        6.0,
        ge=MIN_DIVISOR,
        le=1000,
        unit="beta concentration",
        sa=(2.0, 20.0),
        label="How alike members' initial trust is (higher: more alike)",
        label_sv="Hur lika medlemmarnas förtroende är (högre: mer lika)",
    )
    readiness_concentration: float = P(
        4.0,
        ge=MIN_DIVISOR,
        le=1000,
        unit="beta concentration",
        sa=(2.0, 20.0),
        label="How alike members' readiness is (higher: more alike)",
        label_sv="Hur lika medlemmarnas beredskap är (högre: mer lika)",
    )
    readiness_mean: float = P(
        0.5,
        ge=0,
        le=1,
        unit="index 0-1",
        label="Readiness to leave (mean)",
        label_sv="Beredskap att lämna (medel)",
    )
    audit_dir: str | None = P(
        None,
        unit="path",
        label="Group-audit folder (replaces generated city)",
        label_sv="Kartläggningsmapp (ersätter genererad stad)",
    )

    @field_validator("group_size_sd")
    @classmethod
    def _spread_zero_or_measurable(cls, value: float) -> float:
        if 0 < value < MIN_DIVISOR:
            raise ValueError(
                f"must be 0 (every group of the mean size) or at least {MIN_DIVISOR:g} (members)"
            )
        return value


class ViolenceParams(Section):
    """M2: shootings at rivals, self-exciting retaliation, outcomes."""

    CITY = True

    base_hazard: float = P(
        0.00006,
        ge=0,
        le=0.1,
        unit="per day per unit propensity and rivalry",
        label="Background shooting hazard",
        label_sv="Grundrisk för skjutning",
        source=CALIBRATED,
    )
    retaliation_branching: float = P(
        0.72,
        ge=0,
        le=0.95,
        unit="retaliations per victimisation",
        label="Retaliation strength",
        label_sv="Hämndbenägenhet",
        source="Green, Horel & Papachristos 2017 (63% contagion)",
        lever=True,
        sa=(0.3, 0.8),
    )
    retaliation_half_life_days: float = P(
        83.0,
        ge=MIN_DIVISOR,
        le=730,
        unit="days",
        label="Retaliation pressure half-life",
        label_sv="Halveringstid för hämndtryck",
        source="Green, Horel & Papachristos 2017: lag median 83 d, mean 125 d",
        sa=(20, 150),
    )
    retaliation_dispersion: float = P(
        0.1,
        ge=MIN_DIVISOR,
        le=1000,
        unit="gamma shape",
        label="Retaliation dispersion (smaller: few shootings answered by many)",
        label_sv="Hämndens spridning (mindre: få skjutningar besvaras av många)",
        source="Green, Horel & Papachristos 2017 (under 10 % of shootings cause 80 % of "
        "follow-ons); Lloyd-Smith et al. 2005",
        sa=(0.05, 2.0),
    )
    alliance_spillover: float = P(
        0.3,
        ge=0,
        le=1,
        unit="share",
        label="Share of pressure passed to allies",
        label_sv="Andel av hämndtrycket till allierade",
    )
    p_fatal: float = P(
        0.15,
        ge=0,
        le=1,
        unit="probability",
        label="Shooting is fatal",
        label_sv="Skjutning med dödlig utgång",
        source="Polisen shooting statistics 2022",
    )
    p_injury: float = P(
        0.30,
        ge=0,
        le=1,
        unit="probability",
        label="Shooting injures (non-fatal)",
        label_sv="Skjutning med skadade",
        source="Polisen shooting statistics 2022",
    )
    p_bystander: float = P(
        0.02,
        ge=0,
        le=1,
        unit="probability",
        label="A bystander is hit",
        label_sv="En utomstående träffas",
    )
    victim_propensity_weight: float = P(
        1.0,
        ge=0,
        le=3,
        unit="exponent",
        label="Victims chosen by propensity^w",
        label_sv="Offer väljs efter benägenhet^w",
    )

    @model_validator(mode="after")
    def _outcomes_sum(self) -> ViolenceParams:
        if self.p_fatal + self.p_injury > 1:
            raise ValueError(
                f"p_fatal + p_injury = {self.p_fatal + self.p_injury:g} must be at most 1 "
                "(they are shares of the same shootings; lower one of them)"
            )
        return self


class PolicingParams(Section):
    """M3: reactive investigation, arrest, custody and release (business as usual)."""

    CITY = True

    clearance: float = P(
        0.3,
        ge=0,
        le=1,
        unit="probability",
        label="Shootings cleared",
        label_sv="Andel uppklarade skjutningar",
        source="Brå; Polisen (clearance of shootings ~20-30%)",
        sa=(0.1, 0.6),
    )
    investigation_days: float = P(
        45.0,
        ge=1,
        le=730,
        unit="days (mean)",
        label="Time to arrest when cleared",
        label_sv="Tid till gripande vid uppklarning",
    )
    sentence_days: float = P(
        540.0,
        ge=1,
        le=7300,
        unit="days (mean)",
        label="Custody after a shooting",
        label_sv="Frihetsberövande efter skjutning",
    )
    investigation_units: int = P(
        2, ge=1, le=100, unit="units", label="Investigation units", label_sv="Utredningsgrupper"
    )
    cases_per_unit: int = P(
        30,
        ge=1,
        le=1000,
        unit="open cases",
        label="Cases a unit handles at full clearance",
        label_sv="Ärenden per grupp vid full uppklaring",
    )
    custody_log_sd: float = P(
        0.5,
        ge=0,
        le=3,
        unit="log-sd",
        label="Spread of custody lengths (lognormal)",
        label_sv="Spridning i tid i förvar (lognormal)",
    )


class AuditParams(Section):
    """M4: the partnership's group audit (kartläggning) — partial and imperfect."""

    group_coverage: float = P(
        0.85,
        ge=0,
        le=1,
        unit="share of groups",
        label="Groups mapped",
        label_sv="Kartlagda grupper",
        sa=(0.5, 1.0),
    )
    member_coverage: float = P(
        0.7,
        ge=0,
        le=1,
        unit="share of members",
        label="Members mapped in a mapped group",
        label_sv="Kartlagda medlemmar i kartlagd grupp",
    )
    accuracy: float = P(
        0.9,
        ge=0,
        le=1,
        unit="probability",
        label="Mapped member placed in the right group",
        label_sv="Medlem placerad i rätt grupp",
    )
    refresh_days: int = P(
        180,
        ge=1,
        le=3650,
        unit="days",
        label="Audit refresh interval",
        label_sv="Intervall för uppdaterad kartläggning",
    )


class CallinParams(Section):
    """M5: scheduled call-ins (group meetings)."""

    enabled: bool = P(False, unit="switch", label="Call-ins held", label_sv="Call-ins hålls")
    first_day: int = P(
        30,
        ge=0,
        le=7300,
        unit="days after rollout",
        label="First call-in",
        label_sv="Första call-in",
    )
    interval_days: int = P(
        90,
        ge=1,
        le=3650,
        unit="days",
        label="Days between call-ins",
        label_sv="Dagar mellan call-ins",
    )
    max_count: int = P(
        12,
        ge=0,
        le=1000,
        unit="call-ins",
        label="Call-ins at most",
        label_sv="Högst antal call-ins",
    )
    attendees: int = P(
        15,
        ge=1,
        le=200,
        unit="people",
        label="Attendees per call-in",
        label_sv="Deltagare per call-in",
        source="NNSC: 10-20 per call-in",
        lever=True,
        sa=(5, 30),
    )
    groups_per_callin: int = P(
        3, ge=1, le=100, unit="groups", label="Groups per call-in", label_sv="Grupper per call-in"
    )
    attendance: float = P(
        0.8,
        ge=0,
        le=1,
        unit="probability",
        label="Invitee attends (always if on supervision)",
        label_sv="Inbjuden deltar (alltid om under frivård)",
    )
    priority_half_life_days: float = P(
        90.0,
        ge=MIN_DIVISOR,
        le=3650,
        unit="days",
        sa=(30, 365),
        label="Memory of a group's violence when choosing call-in groups",
        label_sv="Minne av gruppens våld vid val av grupper",
    )


class NotificationParams(Section):
    """M5: custom notifications after shootings, and the message's spread in a group."""

    enabled: bool = P(
        False, unit="switch", label="Custom notifications", label_sv="Individuella samtal"
    )
    delay_days: int = P(
        3,
        ge=0,
        le=365,
        unit="days",
        label="Delay after a shooting",
        label_sv="Fördröjning efter skjutning",
    )
    members_per_group: int = P(
        3,
        ge=0,
        le=100,
        unit="people",
        label="Members notified per involved group",
        label_sv="Personer per inblandad grupp",
        lever=True,
    )
    diffusion_rate: float = P(
        0.05,
        ge=0,
        le=1,
        unit="per tie per day",
        label="Message spread along in-group ties",
        label_sv="Budskapets spridning inom gruppen",
        source="Wheeler et al. 2019",
        sa=(0.0, 0.2),
    )
    renotify_days: int = P(
        30,
        ge=0,
        le=3650,
        unit="days",
        label="No second notification to a member within",
        label_sv="Inget nytt samtal till samma person inom",
    )
    per_year: int = P(
        40,
        ge=0,
        le=100000,
        unit="people",
        label="Custom notifications a year (capacity)",
        label_sv="Individuella samtal per år (kapacitet)",
        source="Örebro: about 30 in the first year",
        sa=(10, 120),
    )


class DeterrenceParams(Section):
    """M6: each member's perceived risk of a group sanction (credibility)."""

    baseline_risk: float = P(
        0.1,
        ge=0,
        le=0.99,
        unit="probability",
        label="Perceived risk without GVI",
        label_sv="Upplevd risk utan GVI",
        city=True,
    )
    half_life_days: float = P(
        45.0,
        ge=MIN_DIVISOR,
        le=3650,
        unit="days",
        label="Perceived-risk half-life",
        label_sv="Halveringstid för upplevd risk",
        lever=False,
        sa=(30, 365),
    )
    callin_message: float = P(
        0.6,
        ge=0,
        le=1,
        unit="share of gap closed",
        label="Call-in message strength",
        label_sv="Budskapets styrka vid call-in",
        sa=(0.2, 0.9),
    )
    notification_message: float = P(
        0.5,
        ge=0,
        le=1,
        unit="share of gap closed",
        label="Custom-notification message strength",
        label_sv="Budskapets styrka vid individuellt samtal",
    )
    diffused_message: float = P(
        0.3,
        ge=0,
        le=1,
        unit="share of gap closed",
        label="Message heard second-hand",
        label_sv="Budskap hört i andra hand",
    )
    own_sanction: float = P(
        0.5,
        ge=0,
        le=1,
        unit="share of gap closed",
        label="Learning from a sanction on own group",
        label_sv="Lärande av sanktion mot egen grupp",
    )
    other_sanction: float = P(
        0.15,
        ge=0,
        le=1,
        unit="share of gap closed",
        label="Learning from a sanction on another group",
        label_sv="Lärande av sanktion mot annan grupp",
    )
    unpunished: float = P(
        0.7,
        ge=0,
        le=1,
        unit="relative drop",
        label="Loss of belief when violence goes unpunished",
        label_sv="Tappad tilltro när våld blir ostraffat",
    )
    credibility_gain: float = P(
        0.3,
        ge=0,
        le=1,
        unit="share of gap closed",
        label="Credibility gained per sanction delivered",
        label_sv="Trovärdighet som vinns per genomförd sanktion",
    )
    credibility_loss: float = P(
        0.1,
        ge=0,
        le=1,
        unit="relative drop",
        label="Credibility lost per act of violence left unanswered",
        label_sv="Trovärdighet som förloras per obesvarat våld",
        sa=(0.05, 0.5),
    )
    sensitivity: float = P(
        0.85,
        ge=0,
        le=1,
        unit="max hazard cut",
        label="Deterrence sensitivity",
        label_sv="Känslighet för avskräckning",
        sa=(0.3, 0.9),
    )
    legitimacy_weight: float = P(
        0.5,
        ge=0,
        le=1,
        unit="weight",
        label="How much compliance depends on trust",
        label_sv="Hur mycket följsamhet beror på förtroende",
        sa=(0.0, 1.0),
    )


class EnforcementParams(Section):
    """M7: focused, group-wide enforcement after violence by a group on notice."""

    enabled: bool = P(
        False,
        unit="switch",
        label="Group enforcement (pulling levers)",
        label_sv="Gruppinriktade sanktioner",
    )
    fidelity: float = P(
        0.9,
        ge=0,
        le=1,
        unit="probability",
        label="Follow-through",
        label_sv="Uppföljning av löftet",
        lever=True,
        sa=(0.2, 1.0),
        source="Braga et al. 2008 (Losing Faith?)",
    )
    delay_days: int = P(
        14,
        ge=0,
        le=365,
        unit="days",
        label="Delay before enforcement",
        label_sv="Fördröjning före sanktion",
    )
    units: int = P(
        2,
        ge=0,
        le=100,
        unit="concurrent operations",
        label="Enforcement capacity",
        label_sv="Kapacitet för sanktioner",
    )
    max_wait_days: int = P(
        30,
        ge=0,
        le=365,
        unit="days",
        label="Queued operation dropped after",
        label_sv="Köad insats stryks efter",
    )
    duration_days: int = P(
        60,
        ge=1,
        le=730,
        unit="days",
        label="Longest operation",
        label_sv="Insatsens längsta längd",
        source="polisen.se 2023 (Örebro)",
    )
    quiet_days: int = P(
        30,
        ge=1,
        le=365,
        unit="days",
        label="Operation ends after days without violence",
        label_sv="Insatsen avslutas efter dagar utan våld",
        sa=(7, 90),
        source="polisen.se 2023 (Örebro: each action ended when an effect was seen)",
    )
    incapacitation_share: float = P(
        0.1,
        ge=0,
        le=1,
        unit="share of free members",
        label="Members taken into custody per operation",
        label_sv="Andel frihetsberövade per insats",
        sa=(0.02, 0.5),
        source="assumption; chosen so that GVI arrests stay few (pattern gvi_arrests)",
    )
    custody_days: float = P(
        120.0,
        ge=1,
        le=3650,
        unit="days (mean)",
        label="Custody from a lever",
        label_sv="Frihetsberövande per åtgärd",
    )
    supervision_factor: float = P(
        2.0,
        ge=1,
        le=20,
        unit="ratio",
        label="Probation lever: supervised members easier to hold",
        label_sv="Frivårdsspak: övervakade lättare att lagföra",
    )


class SupportParams(Section):
    """M8: outreach workers, offers of help, services, exit."""

    enabled: bool = P(
        False, unit="switch", label="Outreach and support", label_sv="Uppsökande arbete och stöd"
    )
    workers: int = P(
        6,
        ge=0,
        le=500,
        unit="workers",
        label="Outreach workers",
        label_sv="Uppsökare",
        source="Stockton: 6 workers",
        lever=True,
        sa=(0, 20),
    )
    caseload: int = P(
        10,
        ge=1,
        le=100,
        unit="clients per worker",
        label="Caseload",
        label_sv="Klienter per uppsökare",
        source="Stockton: at most 10",
    )
    contact_rate: float = P(
        0.3,
        ge=0,
        le=10,
        unit="contacts per worker per day",
        label="New contacts",
        label_sv="Nya kontakter",
    )
    uptake: float = P(
        0.33,
        ge=0,
        le=1,
        unit="probability",
        label="Offer of help accepted",
        label_sv="Erbjudande om stöd accepteras",
        source="Örebro: ~10 of 30",
        sa=(0.1, 0.6),
    )
    uptake_legitimacy_effect: float = P(
        1.0,
        ge=0,
        le=10,
        unit="per unit trust",
        label="Trust effect on uptake",
        label_sv="Förtroendets effekt på acceptans",
    )
    slots: int = P(
        40, ge=0, le=10000, unit="places", label="Service places", label_sv="Platser i insatser"
    )
    wait_dropout: float = P(
        0.02,
        ge=0,
        le=1,
        unit="per day",
        label="Leaving the waiting list",
        label_sv="Lämnar väntelistan",
    )
    hazard_reduction: float = P(
        0.25,
        ge=0,
        le=1,
        unit="share",
        label="Engaged members shoot less by",
        label_sv="Minskad risk för den som deltar",
    )
    exit_rate: float = P(
        0.002,
        ge=0,
        le=1,
        unit="per day",
        label="Engaged member exits the group",
        label_sv="Deltagare lämnar gruppen",
    )
    min_days_for_exit: int = P(
        90,
        ge=0,
        le=3650,
        unit="days",
        label="Engagement before exit",
        label_sv="Deltagande före avhopp",
    )
    dropout_rate: float = P(
        0.005,
        ge=0,
        le=1,
        unit="per day",
        label="Drop-out from support",
        label_sv="Avbrott i stödet",
    )
    recontact_days: int = P(
        90,
        ge=1,
        le=3650,
        unit="days",
        label="Wait before a new offer",
        label_sv="Väntan före nytt erbjudande",
    )
    priority_window_days: int = P(
        90,
        ge=0,
        le=3650,
        unit="days",
        label="Recently notified or shot at: priority for outreach",
        label_sv="Nyligen kontaktad eller beskjuten: förtur till stöd",
    )


class LegitimacyParams(Section):
    """M9: trust in the partnership, moral voice and procedural justice."""

    moral_voice: float = P(
        0.3,
        ge=0,
        le=1,
        unit="share of gap closed",
        label="Moral voice at a call-in",
        label_sv="Moralisk röst vid call-in",
    )
    kept_promise: float = P(
        0.1,
        ge=0,
        le=1,
        unit="share of gap closed",
        label="Help delivered as promised",
        label_sv="Stöd levererat som lovat",
    )
    collateral_penalty: float = P(
        0.2,
        ge=0,
        le=1,
        unit="relative drop",
        label="Wrongly targeted by enforcement",
        label_sv="Felaktigt träffad av sanktion",
    )
    crackdown_penalty: float = P(
        0.1,
        ge=0,
        le=1,
        unit="relative drop per sweep",
        label="Indiscriminate crackdown sweep",
        label_sv="Bred razzia",
    )
    half_life_days: float = P(
        365.0,
        ge=MIN_DIVISOR,
        le=7300,
        unit="days",
        sa=(90, 730),
        label="Trust returns to its baseline, half-life",
        label_sv="Förtroende återgår, halveringstid",
    )
    witness_weight: float = P(
        0.5,
        ge=0,
        le=2,
        unit="elasticity",
        label="Clearance follows trust (witnesses)",
        label_sv="Uppklarning följer förtroendet (vittnen)",
        sa=(0.0, 1.0),
        source="Tyler & Fagan 2008 (cooperation follows legitimacy); size an assumption",
    )
    defiance: float = P(
        0.1,
        ge=0,
        le=5,
        unit="hazard increase at no trust",
        label="Defiance: lost trust raises violence",
        label_sv="Trots: förlorat förtroende ökar våldet",
        sa=(0.0, 0.5),
        source="Sherman 1993 (defiance theory); size an assumption",
    )
    lapse_penalty: float = P(
        0.0,
        ge=0,
        le=1,
        unit="relative drop at the lapse",
        label="Broken promise: trust lost when the partnership lapses",
        label_sv="Brutet löfte: förtroende som går förlorat när samverkan tappar fokus",
        sa=(0.0, 0.5),
        source="Braga, Hureau & Winship 2008 (Boston: 'losing faith'); size an assumption",
    )


class GroupDynamicsParams(Section):
    """M10: recruitment and peer pressure (collective accountability)."""

    recruitment_rate: float = P(
        0.01,
        ge=0,
        le=1,
        unit="per vacant place per day",
        label="Recruitment into vacancies",
        label_sv="Nyrekrytering",
        city=True,
    )
    peer_pressure: float = P(
        0.5,
        ge=0,
        le=1,
        unit="weight",
        label="Peer pressure in a group on notice",
        label_sv="Grupptryck i en varnad grupp",
        sa=(0.0, 1.0),
    )


class PartnershipParams(Section):
    """M11: fidelity of the partnership over time."""

    lapse_day: int | None = P(
        None,
        ge=0,
        le=7300,
        unit="days after rollout",
        label="Partnership lapses on day",
        label_sv="Samverkan tappar fokus dag",
        source="Braga, Hureau & Winship 2008",
    )
    fidelity_after_lapse: float = P(
        0.1,
        ge=0,
        le=1,
        unit="probability",
        label="Follow-through after the lapse",
        label_sv="Uppföljning efter tappat fokus",
    )
    communication_after_lapse: bool = P(
        False,
        unit="switch",
        label="Call-ins and notifications go on after the lapse",
        label_sv="Call-ins och samtal fortsätter efter tappat fokus",
    )
    fatigue_per_year: float = P(
        0.0,
        ge=0,
        le=0.95,
        unit="share a year",
        label="Share of follow-through lost a year (implementation fatigue)",
        label_sv="Andel av uppföljningen som tappas per år (implementeringströtthet)",
        source="Corsaro & Engel 2015 (New Orleans: strongest early); Braga, Hureau & Winship 2008",
        sa=(0.0, 0.8),
    )


class CrackdownParams(Section):
    """Indiscriminate enforcement surge: many arrests, no message, no support."""

    enabled: bool = P(False, unit="switch", label="Crackdown", label_sv="Bred repression")
    sweep_interval_days: int = P(
        7, ge=1, le=365, unit="days", label="Days between sweeps", label_sv="Dagar mellan razzior"
    )
    arrest_share: float = P(
        0.008,
        ge=0,
        le=1,
        unit="share of free members per sweep",
        label="Arrested per sweep",
        label_sv="Gripna per razzia",
    )
    custody_days: float = P(
        60.0,
        ge=1,
        le=3650,
        unit="days (mean)",
        label="Custody per arrest",
        label_sv="Frihetsberövande per gripande",
    )
    risk_boost: float = P(
        0.01,
        ge=0,
        le=1,
        unit="share of gap closed",
        label="General deterrence per sweep",
        label_sv="Allmän avskräckning per razzia",
    )


class CommunityParams(Section):
    """M12: perceived safety."""

    CITY = True

    baseline_safety: float = P(
        70.0,
        ge=0,
        le=100,
        unit="index 0-100",
        label="Perceived safety without shootings",
        label_sv="Upplevd trygghet utan skjutningar",
    )
    shooting_impact: float = P(
        0.5,
        ge=0,
        le=100,
        unit="index points",
        label="Safety lost per shooting",
        label_sv="Tappad trygghet per skjutning",
    )
    fatal_impact: float = P(
        1.5,
        ge=0,
        le=100,
        unit="index points",
        label="Extra loss per death",
        label_sv="Extra förlust per dödsfall",
    )
    bystander_impact: float = P(
        3.0,
        ge=0,
        le=100,
        unit="index points",
        label="Extra loss per bystander victim",
        label_sv="Extra förlust per utomstående offer",
    )
    recovery_half_life_days: float = P(
        60.0,
        ge=MIN_DIVISOR,
        le=3650,
        unit="days",
        sa=(14, 180),
        label="Safety recovery half-life",
        label_sv="Halveringstid för återhämtning",
    )


class CostParams(Section):
    """M12: unit costs in SEK."""

    police_hour_sek: float = P(
        800.0,
        ge=0,
        le=1e5,
        unit="SEK/hour",
        label="Police hour",
        label_sv="Polistimme",
        city=True,
    )
    investigation_hours: float = P(
        300.0,
        ge=0,
        le=1e5,
        unit="hours per shooting",
        label="Investigation effort",
        label_sv="Utredningsinsats",
        city=True,
    )
    enforcement_hours_per_day: float = P(
        40.0,
        ge=0,
        le=1e4,
        unit="hours per operation-day",
        label="Enforcement effort",
        label_sv="Sanktionsinsats",
    )
    sweep_hours: float = P(
        200.0,
        ge=0,
        le=1e5,
        unit="hours per sweep",
        label="Crackdown sweep effort",
        label_sv="Insats per razzia",
    )
    notification_hours: float = P(
        6.0,
        ge=0,
        le=1e3,
        unit="hours per person",
        label="Custom notification effort",
        label_sv="Insats per individuellt samtal",
    )
    callin_sek: float = P(
        60000.0, ge=0, le=1e8, unit="SEK per call-in", label="Call-in", label_sv="Call-in"
    )
    custody_day_sek: float = P(
        3500.0,
        ge=0,
        le=1e6,
        unit="SEK per day",
        label="Custody day",
        label_sv="Dygn i anstalt/häkte",
        source="Kriminalvården (≈3,500 SEK)",
        city=True,
    )
    outreach_worker_day_sek: float = P(
        2500.0,
        ge=0,
        le=1e6,
        unit="SEK per worker-day",
        label="Outreach worker day",
        label_sv="Uppsökardag",
    )
    service_place_day_sek: float = P(
        600.0,
        ge=0,
        le=1e6,
        unit="SEK per place-day",
        label="Service place day",
        label_sv="Platsdygn i insats",
    )
    injury_sek: float = P(
        400000.0,
        ge=0,
        le=1e9,
        unit="SEK per injury",
        label="Health and social cost of an injury",
        label_sv="Vård- och samhällskostnad per skadad",
        city=True,
    )
    fatality_sek: float = P(
        1500000.0,
        ge=0,
        le=1e10,
        unit="SEK per death",
        label="Health and social cost of a death",
        label_sv="Vård- och samhällskostnad per dödsfall",
        city=True,
    )


class Scenario(Section):
    """A whole scenario: a city and a policy. Defaults are business as usual."""

    name: str = P("custom", unit="text", label="Name", label_sv="Namn")
    description: str = P("", unit="text", label="Description", label_sv="Beskrivning")
    description_sv: str = P(
        "", unit="text", label="Description in Swedish", label_sv="Beskrivning på svenska"
    )
    title: str = P("", unit="text", label="Title in reports", label_sv="Rubrik på engelska")
    title_sv: str = P("", unit="text", label="Title in Swedish", label_sv="Rubrik på svenska")
    time: TimeParams = TimeParams()
    city: CityParams = CityParams()
    violence: ViolenceParams = ViolenceParams()
    policing: PolicingParams = PolicingParams()
    audit: AuditParams = AuditParams()
    callins: CallinParams = CallinParams()
    notifications: NotificationParams = NotificationParams()
    deterrence: DeterrenceParams = DeterrenceParams()
    enforcement: EnforcementParams = EnforcementParams()
    support: SupportParams = SupportParams()
    legitimacy: LegitimacyParams = LegitimacyParams()
    group_dynamics: GroupDynamicsParams = GroupDynamicsParams()
    partnership: PartnershipParams = PartnershipParams()
    crackdown: CrackdownParams = CrackdownParams()
    community: CommunityParams = CommunityParams()
    costs: CostParams = CostParams()

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        t = self.time
        left = t.horizon_days - t.rollout_day
        if self.callins.enabled and self.callins.first_day >= left:
            raise ValueError(
                f"callins.first_day = {self.callins.first_day} falls after the horizon: the "
                f"run ends {left} days after the rollout (lower first_day or raise "
                f"time.horizon_days)"
            )
        lapse = self.partnership.lapse_day
        if lapse is not None and lapse >= left:
            raise ValueError(
                f"partnership.lapse_day = {lapse} falls after the horizon: the run ends "
                f"{left} days after the rollout (lower lapse_day or raise time.horizon_days)"
            )
        return self

    @property
    def intervention(self) -> bool:
        """True when any policy beyond business as usual is switched on."""
        return any(
            (
                self.callins.enabled,
                self.notifications.enabled,
                self.enforcement.enabled,
                self.support.enabled,
                self.crackdown.enabled,
            )
        )

    def with_updates(self, updates: dict[str, Any]) -> Scenario:
        """A validated copy with dotted keys changed, e.g. ``{"enforcement.fidelity": 0.5}``."""
        data = self.model_dump()
        for key, value in updates.items():
            node = data
            parts = key.split(".")
            for part in parts[:-1]:
                if not isinstance(node.get(part), dict):
                    raise KeyError(f"unknown parameter path {key!r}")
                node = node[part]
            if parts[-1] not in node:
                raise KeyError(f"unknown parameter path {key!r}")
            node[parts[-1]] = value
        return Scenario.model_validate(data)

    def display_title(self, lang: str = "en") -> str:
        """The title a report shows (``title_sv`` in Swedish), else the name."""
        if lang == "sv" and self.title_sv:
            return self.title_sv
        return self.title or self.name

    def display_description(self, lang: str = "en") -> str:
        """The description in ``lang`` (``description_sv`` in Swedish when given)."""
        if lang == "sv" and self.description_sv:
            return self.description_sv
        return self.description

    def city_settings(self) -> dict[str, Any]:
        """The parameters of the city and its business as usual (calendar included),
        by dotted path: what a scenario shares with its baseline twin."""
        return {
            spec.path: getattr(getattr(self, spec.section), spec.name)
            for spec in parameters()
            if spec.city
        }

    def city_differences(self, other: Scenario) -> list[str]:
        """Dotted paths of the city settings in which ``other`` differs from this one."""
        mine, theirs = self.city_settings(), other.city_settings()
        return [path for path, value in mine.items() if theirs[path] != value]

    def baseline_twin(self) -> Scenario:
        """The same city with every policy switched off (business as usual)."""
        return self.with_updates(
            {
                "name": f"{self.name}-baseline",
                "title": TWIN_TITLE["en"],
                "title_sv": TWIN_TITLE["sv"],
                "description": TWIN_DESCRIPTION["en"].format(name=self.name),
                "description_sv": TWIN_DESCRIPTION["sv"].format(name=self.name),
                "callins.enabled": False,
                "notifications.enabled": False,
                "enforcement.enabled": False,
                "support.enabled": False,
                "crackdown.enabled": False,
            }
        )


SECTIONS: dict[str, type[Section]] = {
    name: field.annotation
    for name, field in Scenario.model_fields.items()
    if isinstance(field.annotation, type) and issubclass(field.annotation, Section)
}


@dataclass(frozen=True)
class ParamSpec:
    """One declared parameter, as docs, app sliders and sensitivity analysis see it."""

    path: str
    section: str
    name: str
    type: str
    default: Any
    ge: float | None
    gt: float | None
    le: float | None
    unit: str
    label: str
    label_sv: str
    source: str
    lever: bool
    sa_bounds: tuple[float, float] | None
    city: bool = False  # a setting of the city and its business as usual

    @property
    def bounds(self) -> tuple[float, float] | None:
        """Bounds for sensitivity analysis: the ``sa`` declaration, else the range."""
        if self.sa_bounds is not None:
            return self.sa_bounds
        if self.ge is not None and self.le is not None:
            return (float(self.ge), float(self.le))
        return None

    @property
    def range_text(self) -> str:
        """The allowed range in words, e.g. ``>= 0 and <= 1``."""
        parts = []
        if self.ge is not None:
            parts.append(f">= {self.ge:g}")
        if self.gt is not None:
            parts.append(f"> {self.gt:g}")
        if self.le is not None:
            parts.append(f"<= {self.le:g}")
        return " and ".join(parts)


def _limits(field: Any) -> tuple[float | None, float | None, float | None]:
    """(ge, gt, le) of a field's declared range."""
    ge = gt = le = None
    for m in field.metadata:
        ge = getattr(m, "ge", None) if getattr(m, "ge", None) is not None else ge
        gt = getattr(m, "gt", None) if getattr(m, "gt", None) is not None else gt
        le = getattr(m, "le", None) if getattr(m, "le", None) is not None else le
    return ge, gt, le


def _bounds(value: object) -> tuple[float, float] | None:
    """A declared ``sa_bounds`` pair (stored as a JSON list), or None."""
    if not isinstance(value, list | tuple) or not value:
        return None
    low, high = cast("Sequence[float]", value)
    return (float(low), float(high))


def parameters() -> list[ParamSpec]:
    """Every declared model parameter, in schema order."""
    specs = []
    for section, model in SECTIONS.items():
        for name, field in model.model_fields.items():
            extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
            ge, gt, le = _limits(field)
            tname = getattr(field.annotation, "__name__", str(field.annotation))
            specs.append(
                ParamSpec(
                    path=f"{section}.{name}",
                    section=section,
                    name=name,
                    type=tname.replace("| None", "").strip(),
                    default=field.default,
                    ge=ge,
                    gt=gt,
                    le=le,
                    unit=str(extra.get("unit", "")),
                    label=str(extra.get("label", "")),
                    label_sv=str(extra.get("label_sv", "")),
                    source=str(extra.get("source", "")),
                    lever=bool(extra.get("lever", False)),
                    sa_bounds=_bounds(extra.get("sa_bounds")),
                    city=bool(extra.get("city", model.CITY)),
                )
            )
    return specs


def parameter(path: str) -> ParamSpec:
    """The declaration of one parameter by dotted path."""
    for spec in parameters():
        if spec.path == path:
            return spec
    raise KeyError(f"unknown parameter path {path!r}")
