"""The guided story for trainers: GVI told in phases, each with a short narration.

A year of business as usual with a retaliation cascade; the group audit; the first
call-in; violence by a group on notice and the promised response; then, at the
trainer's choice, follow-through kept or broken, and what follows in the next year.

The story runs the shipped ``gvi`` scenario and takes no action of its own before the
choice: every phase ends at an event the model produced (the rollout, the audit, the
first scheduled call-in, the first shooting by a group on notice and the answer to it).
Its seed is chosen by a declared criterion from a pre-run of seeds 1 to
:data:`SEEDS_TRIED` (:func:`choose_seed`): the first seed in whose year before GVI at
least :data:`MIN_CHAIN` shootings answered one another within :data:`CHAIN_DAYS` days,
and in which a group on notice shoots within :data:`VIOLENCE_WITHIN` days of the first
call-in. The outcome after the choice is never chosen: it is whatever the model does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache

from model import Cause, Event, EventKind, GVIModel
from scenarios import load_scenario

from .run import TrainingRun
from .text import Share

PRESET = "gvi"
SEEDS_TRIED = 20
MIN_CHAIN = 3  # shootings in one chain of retaliation
CHAIN_DAYS = 14  # an answer within two weeks (Swedish near-repeat risk: Sturup et al. 2017)
VIOLENCE_WITHIN = 180  # days after the first call-in
CALLIN_WAIT = 180  # days the story waits for the first scheduled call-in
RESPONSE_WAIT = 90  # days it waits for the answer to violence by a group on notice
HALF_YEAR = 182


class Phase(StrEnum):
    """The story's phases, in order (the choice sits between VIOLENCE and OUTCOME)."""

    START = "start"
    BAU = "bau"
    AUDIT = "audit"
    CALLIN = "callin"
    VIOLENCE = "violence"
    OUTCOME = "outcome"
    END = "end"


PHASES = (Phase.BAU, Phase.AUDIT, Phase.CALLIN, Phase.VIOLENCE, Phase.OUTCOME, Phase.END)


@dataclass(frozen=True)
class SeedChoice:
    """The seed the story runs with and why: the longest chain of retaliation in its
    year before GVI (``chain``), and whether it met the criterion (``met``)."""

    seed: int
    chain: int
    met: bool
    tried: int = SEEDS_TRIED


def longest_chain(events: Iterable[Event], start: int, end: int) -> int:
    """The longest chain of shootings on model days ``start`` to ``end - 1`` in which
    each answers (is retaliation for) the one before within :data:`CHAIN_DAYS` days."""
    depth: dict[int, int] = {}
    by_id = {e.id: e for e in events if e.kind is EventKind.SHOOTING}
    best = 0
    for e in sorted(by_id.values(), key=lambda e: e.id):
        d = 1
        prev = by_id.get(e.ref)
        if e.cause is Cause.RETALIATION and prev is not None and e.day - prev.day <= CHAIN_DAYS:
            d = depth.get(prev.id, 1) + 1
        depth[e.id] = d
        if start <= e.day < end:
            best = max(best, d)
    return best


def _first_callin_day(model: GVIModel, since: int) -> int | None:
    for e in model.log.events[since:]:
        if e.kind is EventKind.CALLIN:
            return e.day
    return None


def _criterion(seed: int) -> tuple[int, bool]:
    """(longest chain in the year before GVI, whether the seed meets the criterion)."""
    model = GVIModel(load_scenario(PRESET), rng=seed)
    try:
        model.run_to_rollout()
        chain = longest_chain(model.log.events, model.warmup_day, model.rollout_day)
        if chain < MIN_CHAIN:
            return chain, False
        mark = len(model.log)
        limit = model.rollout_day + CALLIN_WAIT
        while model.running and model.steps < limit and _first_callin_day(model, mark) is None:
            model.step()
        first = _first_callin_day(model, mark)
        if first is None:
            return chain, False
        cursor = len(model.log)
        while model.running and model.steps <= first + VIOLENCE_WITHIN:
            notice = model.comm.on_notice.copy()  # a day's shootings come before its call-ins
            model.step()
            for e in model.log.events[cursor:]:
                if e.kind is EventKind.SHOOTING and notice[e.group]:
                    return chain, True
            cursor = len(model.log)
        return chain, False
    finally:
        model.close()


@lru_cache(maxsize=1)
def choose_seed(tried: int = SEEDS_TRIED) -> SeedChoice:
    """The first of seeds 1..``tried`` that meets the story's criterion (see the module
    docstring); if none does, seed 1 (and the page says so). Deterministic, so it is
    computed once per server."""
    first_chain = 0
    for seed in range(1, tried + 1):
        chain, met = _criterion(seed)
        if seed == 1:
            first_chain = chain
        if met:
            return SeedChoice(seed, chain, True, tried)
    return SeedChoice(1, first_chain, False, tried)


@dataclass
class Story:
    """Where a session is in the story; :meth:`advance` runs the next phase on ``run``.

    ``text`` is the narration of the phase just reached (a catalogue key and values);
    ``kept`` is the trainer's choice (None until made)."""

    choice: SeedChoice
    phase: Phase = Phase.START
    kept: bool | None = None
    title: str = "story_p1_title"
    text: tuple[str, dict[str, object]] = ("story_p1_text", {})
    done: list[Phase] = field(default_factory=list)

    @property
    def index(self) -> int:
        """The phase shown, 1-based (0 before the first)."""
        return PHASES.index(self.phase) + 1 if self.phase in PHASES else 0

    @property
    def total(self) -> int:
        return len(PHASES)

    @property
    def at_choice(self) -> bool:
        return self.phase is Phase.VIOLENCE

    @property
    def finished(self) -> bool:
        return self.phase is Phase.END

    def advance(self, run: TrainingRun, kept: bool | None = None) -> None:
        """Run to the end of the next phase and set its narration. At the choice,
        ``kept`` says whether the partnership keeps its promise (required there)."""
        if self.finished:
            return
        nxt = PHASES[self.index] if self.index < len(PHASES) else Phase.END
        if nxt is Phase.OUTCOME:
            if kept is None:
                raise ValueError("the story's choice needs kept=True or kept=False")
            self.kept = kept
        handler = getattr(self, f"_{nxt.value}")
        handler(run)
        self.phase = nxt
        self.done.append(nxt)

    # --- the phases --------------------------------------------------------------------
    def _bau(self, run: TrainingRun) -> None:
        run.step(run.rollout - run.days_run)
        m = run.live
        chain = longest_chain(m.log.events, m.warmup_day, m.rollout_day)
        self.title, self.text = "story_p1_title", ("story_p1_text", {"chain": chain})

    def _audit(self, run: TrainingRun) -> None:
        mark = len(run.live.log)
        run.step(1)
        audit = next((e for e in run.live.log.events[mark:] if e.kind is EventKind.AUDIT), None)
        n = int(audit.value) if audit is not None else 0
        self.title, self.text = "story_p2_title", ("story_p2_text", {"n": n})

    def _callin(self, run: TrainingRun) -> None:
        mark = len(run.live.log)
        found = None
        for _ in range(CALLIN_WAIT):
            found = next(
                (e for e in run.live.log.events[mark:] if e.kind is EventKind.CALLIN), None
            )
            if found is not None or run.over:
                break
            run.step(1)
        n, k = (len(found.members), int(found.value)) if found is not None else (0, 0)
        self.title, self.text = "story_p3_title", ("story_p3_text", {"n": n, "k": k})

    def _violence(self, run: TrainingRun) -> None:
        shot = None
        for _ in range(VIOLENCE_WITHIN):
            mark = len(run.live.log)
            run.step(1)
            m = run.live
            shot = next(
                (
                    e
                    for e in m.log.events[mark:]
                    if e.kind is EventKind.SHOOTING and run.shot_on_notice(e)
                ),
                None,
            )
            if shot is not None or run.over:
                break
        if shot is None:
            self.title, self.text = "story_p4_title", ("story_p4_none", _promise(run))
            return
        values: dict[str, object] = {
            "day": run.label_day(shot.day),
            "g": run.labels[shot.group],
            "t": run.labels[shot.target],
        }
        answer = None
        mark = len(run.live.log)
        for _ in range(RESPONSE_WAIT):
            run.step(1)
            answer = next(
                (
                    e
                    for e in run.live.log.events[mark:]
                    if e.kind in (EventKind.ENFORCEMENT, EventKind.ENFORCEMENT_SKIPPED)
                    and e.ref == shot.id
                ),
                None,
            )
            if answer is not None or run.over:
                break
        values.update(_promise(run))
        if answer is None:
            self.title, self.text = "story_p4_title", ("story_p4_wait", values)
            return
        values["answer_day"] = run.label_day(answer.day)
        delivered = answer.kind is EventKind.ENFORCEMENT
        key = "story_p4_text" if delivered else "story_p4_missed"
        self.title, self.text = "story_p4_title", (key, values)

    def _half_year(self, run: TrainingRun) -> dict[str, object]:
        before = _totals(run)
        run.step(HALF_YEAR)
        after = _totals(run)
        live, twin = round(after[0] - before[0]), round(after[1] - before[1])
        return {"live": live, "twin": twin, **_promise(run)}

    def _outcome(self, run: TrainingRun) -> None:
        run.set_skip(not self.kept)
        values = self._half_year(run)
        key = "kept" if self.kept else "broken"
        self.title, self.text = f"story_p5_{key}_title", (f"story_p5_{key}_text", values)

    def _end(self, run: TrainingRun) -> None:
        values = self._half_year(run)
        self.title, self.text = "story_end_title", ("story_end_text", values)


def _totals(run: TrainingRun) -> tuple[float, float]:
    ind = run.indicators()["shootings"]
    return ind[0], ind[1]


def _promise(run: TrainingRun) -> dict[str, object]:
    """Credibility and perceived risk now, as :class:`Share` values for a narration."""
    p = run.promise()
    return {"cred": Share(p.credibility), "risk": Share(p.risk_live)}
