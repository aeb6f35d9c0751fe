"""One browser session's state: the chosen settings, the run and its figures.

A :class:`Session` is created per page (per browser tab) by the page component and
never stored at module level, so one trainer's reset or action cannot touch another's
run. The page redraws from it; the play loop steps it.
"""

from __future__ import annotations

import os
import threading

import numpy as np

from scenarios import Scenario, list_presets, load_scenario

from .figures import CityFigure, TimelineFigure
from .levers import Lever, levers
from .run import TrainingRun
from .story import PRESET as STORY_PRESET
from .story import Story, choose_seed
from .text import LANGS, tr

DEFAULT_PRESET = "gvi"
DEFAULT_SEED = 1
SPEEDS = (1, 2, 5, 10, 20, 50)  # simulated days per second
DEFAULT_SPEED = 10


def default_lang() -> str:
    """The language the page opens in: ``GVI_APP_LANG`` (set by ``gvi app --lang``)."""
    lang = os.environ.get("GVI_APP_LANG", "en")
    return lang if lang in LANGS else "en"


def preset_names() -> list[str]:
    return [name for name, _ in list_presets()]


class Session:
    """Settings (preset, seed, lever values), the current run and its two figures."""

    def __init__(self, lang: str, preset: str = DEFAULT_PRESET, seed: int = DEFAULT_SEED) -> None:
        self.lock = threading.RLock()
        self.lang = lang
        self.preset = preset
        self.seed = seed
        self.base = load_scenario(preset)
        self.levers: list[Lever] = levers(self.base)
        self.values: dict[str, float] = {lv.path: lv.value_in(self.base) for lv in self.levers}
        self.speed = DEFAULT_SPEED
        self.cumulative = False
        self.run: TrainingRun
        self.city: CityFigure
        self.timeline: TimelineFigure
        self.generation = 0  # bumped at every reset: figures and memos start afresh
        self._shown = threading.Condition()
        self._shown_frame = 0
        self._closed = False
        self.story: Story | None = None  # the guided story, while it is told
        self._start()

    # --- settings ------------------------------------------------------------------
    def scenario(self) -> Scenario:
        """The preset with the sliders' values."""
        return self.base.with_updates(dict(self.values))

    @property
    def pending(self) -> bool:
        """Do the settings differ from those of the running run?"""
        return self.seed != self.run.seed or any(
            lv.value_in(self.run.scenario) != self.values[lv.path] for lv in self.levers
        )

    def choose_preset(self, name: str) -> None:
        """Load a preset with its own lever values and restart."""
        with self.lock:
            if self._closed:
                return
            self.preset = name
            self.base = load_scenario(name)
            self.levers = levers(self.base)
            self.values = {lv.path: lv.value_in(self.base) for lv in self.levers}
            self.reset()

    def set_lever(self, path: str, value: float) -> None:
        lever = next(lv for lv in self.levers if lv.path == path)
        self.values[path] = lever.clamp(value)

    def set_seed(self, seed: int | None) -> None:
        if seed is not None and 0 <= seed < 2**32:
            self.seed = int(seed)

    def new_seed(self) -> int:
        self.seed = int(np.random.default_rng().integers(1, 100_000))
        return self.seed

    # --- the run ---------------------------------------------------------------------
    def _start(self) -> None:
        self.run = TrainingRun(self.scenario(), self.seed)
        self.city = CityFigure(self.run)
        self.timeline = TimelineFigure(self.run)
        self.generation += 1

    def reset(self) -> None:
        """A new run from day 0 with the current settings (none once closed)."""
        with self.lock:
            if self._closed:
                return
            old = self.run
            self._start()
            old.close()

    # --- the guided story -----------------------------------------------------------
    def start_story(self) -> None:
        """Start (or restart) the guided story: the story's preset, its chosen seed, a
        fresh run; the first phase runs at :meth:`story_next`."""
        with self.lock:
            if self._closed:
                return
            choice = choose_seed()
            self.preset = STORY_PRESET
            self.base = load_scenario(STORY_PRESET)
            self.levers = levers(self.base)
            self.values = {lv.path: lv.value_in(self.base) for lv in self.levers}
            self.seed = choice.seed
            self.reset()
            self.story = Story(choice)

    def story_next(self, kept: bool | None = None) -> None:
        """Run the story's next phase (``kept``: the trainer's choice, at the choice)."""
        with self.lock:
            if self.story is not None and not self._closed:
                self.story.advance(self.run, kept)

    def leave_story(self) -> None:
        """Back to the free controls, with the run where the story left it."""
        with self.lock:
            self.story = None

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Close the run (its models are let go); later resets start nothing."""
        with self.lock:
            self._closed = True
            self.run.close()

    # --- pacing the play loop to the page ----------------------------------------------
    def mark_shown(self, frame: int) -> None:
        """The page has drawn ``frame`` (called after each render pass)."""
        with self._shown:
            self._shown_frame = max(self._shown_frame, frame)
            self._shown.notify_all()

    def wait_shown(self, frame: int, timeout: float) -> bool:
        """Wait until the page has drawn ``frame``; False on timeout."""
        with self._shown:
            return self._shown.wait_for(lambda: self._shown_frame >= frame, timeout)

    # --- drawing ---------------------------------------------------------------------
    def city_svg(self, lang: str) -> str:
        return self.city.svg(tr(lang, "h_city"))

    def timeline_svg(self, lang: str, cumulative: bool) -> str:
        self.cumulative = cumulative
        return self.timeline.svg(lang, cumulative)
