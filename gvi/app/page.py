"""The trainers' page: Solara components over a per-session :class:`~gvi.app.session.Session`.

Served by ``gvi app`` (``solara run gvi.app.page``). Each browser tab renders its own
:func:`Page`, which takes a seat on the server (:mod:`gvi.app.limits`) and creates its own
session in a memo: runs, figures, the play loop and every reactive value live per page,
never at module level. A page that finds no free seat, or whose seat expired because
nothing happened on it, shows a notice with a button to try again instead of a run.
Importing this module in the server puts :mod:`gvi.app.guard` in front of Solara's routes.

Redrawing follows Mesa's visualisation pattern: a per-page frame counter is bumped
after the model steps, and the components that show the model read it and redraw.
The play loop steps several days per frame when drawing cannot keep up, so playback
keeps its speed in simulated days per second.
"""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Callable
from typing import Any, cast

import solara

from gvi.i18n import translator
from gvi.i18n.fmt import Fmt
from scenarios import list_presets

from . import guard, limits
from .figures import BLUE, GREEN, GREY, LIGHT_BLUE, ORANGE, PURPLE, SHOT_RED
from .run import MARK_WEEKS, RECENT_GAP_WEEKS, Action, FeedItem, Outcome
from .session import SPEEDS, Session, default_lang
from .story_view import PromiseView, StoryPanel
from .style import CSS
from .text import LANGS, LANGUAGE_NAMES, tr

guard.install()  # in the server: host check, closed diagnostic routes (no-op elsewhere)

FEED_SHOWN = 60
MIN_FRAME_GAP = 0.05  # seconds the play loop leaves to the rest of the server per frame
MAX_FRAME_SECONDS = 1.0  # at most this much simulated time (at the speed) in one frame
TAG_COLOURS = {
    "shooting": SHOT_RED,
    Action.CALLIN: GREEN,
    Action.NOTIFY: GREEN,
    Action.ENFORCE: PURPLE,
    Action.SKIP: ORANGE,
    "exit": BLUE,
    "arrest": GREY,
    "policy": "#12355B",
    "trainer": "#000000",
}


def _watching() -> Callable[[], bool]:
    """A check that some page of this session is still connected (a closed or
    disconnected page stops playback: no CPU for runs nobody watches)."""
    try:
        from solara.server import kernel_context

        ctx = kernel_context.get_current_context()
    except Exception:  # outside a server (tests of components): always watched
        return lambda: True

    connected = kernel_context.PageStatus.CONNECTED

    def check() -> bool:
        return not ctx.closed_event.is_set() and connected in ctx.page_status.values()

    return check


def initial_lang(search: str | None) -> str:
    """``?lang=sv`` in the address, else the server's default (``gvi app --lang``)."""
    for part in (search or "").split("&"):
        key, _, value = part.partition("=")
        if key == "lang" and value in LANGS:
            return value
    return default_lang()


def _text(item: FeedItem, lang: str) -> str:
    return " ".join(tr(lang, key, **values) for key, values in item.parts)


def _esc(text: object) -> str:
    return html.escape(str(text))


@solara.component
def Header(session: Session, frame: solara.Reactive[int], lang: solara.Reactive[str]):
    frame.value  # noqa: B018 - redraw with every frame
    lg = lang.value
    run = session.run
    start = run.rollout + 1
    if run.over:
        phase = tr(lg, "phase_over")
    elif not run.live.policy_on:
        phase = tr(lg, "phase_none")
    elif run.policy_active:
        phase = tr(lg, "phase_running", start=start)
    else:
        phase = tr(lg, "phase_before", start=start)
    fmt = Fmt(lg)
    day = tr(lg, "day", day=fmt.number(run.days_run, 0), total=fmt.number(run.total_days, 0))
    with solara.Row(classes=["gvi-header"], style={"align-items": "center"}):
        Titles(lg)
        solara.HTML(
            tag="div",
            classes=["gvi-clock"],
            unsafe_innerHTML=(
                f'<div id="gvi-day" class="gvi-day" aria-live="polite">{_esc(day)}</div>'
                f'<div class="gvi-phase">{_esc(phase)} · '
                f'<span id="gvi-seed">{_esc(tr(lg, "seed_shown", seed=run.seed))}</span></div>'
            ),
        )
        LangButtons(lang)


@solara.component
def Titles(lg: str) -> None:
    """The page's title and subtitle."""
    solara.HTML(
        tag="div",
        classes=["gvi-titles"],
        unsafe_innerHTML=(
            f'<div class="gvi-title">{_esc(tr(lg, "title"))}</div>'
            f'<div class="gvi-subtitle">{_esc(tr(lg, "subtitle"))}</div>'
        ),
    )


@solara.component
def LangButtons(lang: solara.Reactive[str]):
    lg = lang.value
    with solara.Row(classes=["gvi-lang"], gap="6px"):
        for code in LANGS:
            solara.Button(
                LANGUAGE_NAMES[code],
                on_click=lambda code=code: lang.set(code),
                outlined=code != lg,
                color="white" if code == lg else None,
                classes=["gvi-lang-btn", "gvi-lang-active" if code == lg else "gvi-lang-idle"],
                attributes={"lang": code, "data-lang": code},
            )


@solara.component
def Indicators(session: Session, frame: solara.Reactive[int], lang: solara.Reactive[str]):
    frame.value  # noqa: B018
    lg = lang.value
    fmt = Fmt(lg)
    ind = session.run.indicators()

    def money(v: float) -> str:
        return fmt.number(v / 1e6, 1)

    def count(v: float) -> str:
        return fmt.number(v, 0)

    tiles = [
        ("shootings", "ind_shootings", count, "", SHOT_RED, True),
        ("safety", "ind_safety", count, "", BLUE, True),
        ("support", "ind_support", count, "", GREEN, False),
        ("exits", "ind_exits", count, "", GREEN, False),
        ("arrests", "ind_arrests", count, "", GREY, True),
        ("cost", "ind_cost", money, tr(lg, "unit_msek"), PURPLE, True),
    ]
    parts = []
    for key, label, show, unit_text, colour, twin in tiles:
        live, base = ind[key]
        twin_line = (
            f'<div class="t">{_esc(tr(lg, "ind_twin", v=show(base)))}</div>'
            if twin and session.run.live.policy_on
            else '<div class="t">&nbsp;</div>'
        )
        small = f" <small>{_esc(unit_text)}</small>" if unit_text else ""
        parts.append(
            f'<div class="gvi-tile" id="ind-{key}" style="border-left-color:{colour}">'
            f'<div class="l">{_esc(tr(lg, label))}</div>'
            f'<div class="v">{_esc(show(live))}{small}</div>{twin_line}</div>'
        )
    solara.HTML(tag="div", classes=["gvi-ind"], unsafe_innerHTML="".join(parts))


@solara.component
def Figure(svg: str, element_id: str, data: dict[str, object] | None = None):
    attributes = {"id": element_id}
    attributes.update({f"data-{k}": str(v) for k, v in (data or {}).items()})
    solara.HTML(tag="figure", classes=["gvi-fig"], attributes=attributes, unsafe_innerHTML=svg)


@solara.component
def CityView(session: Session, frame: solara.Reactive[int], lang: solara.Reactive[str]):
    lg = lang.value
    svg = solara.use_memo(lambda: session.city_svg(lg), [frame.value, lg, session.generation])
    legend = [
        ("leg_size", '<span class="sw dot" style="background:#fde0b6"></span>'),
        ("leg_colour", '<span class="sw ramp"></span>'),
        ("leg_notice", f'<span class="sw ring" style="border-color:{BLUE}"></span>'),
        ("leg_enforce", f'<span class="sw box" style="border-color:{PURPLE}"></span>'),
        ("leg_shot", f'<span class="sw line" style="background:{SHOT_RED}"></span>'),
        ("leg_rivalry", '<span class="sw line" style="background:#a8a8a8"></span>'),
    ]
    with solara.Column(classes=["gvi-card", "gvi-city"], gap="4px"):
        solara.HTML(tag="h2", unsafe_innerHTML=_esc(tr(lg, "h_city")))
        Figure(svg, "gvi-city-view", {"days": session.run.days_run})
        solara.HTML(
            tag="ul",
            classes=["gvi-legend"],
            unsafe_innerHTML="".join(f"<li>{sw}{_esc(tr(lg, k))}</li>" for k, sw in legend),
        )


@solara.component
def Timeline(session: Session, frame: solara.Reactive[int], lang: solara.Reactive[str]):
    lg = lang.value
    cumulative = solara.use_reactive(session.cumulative)

    svg = solara.use_memo(
        lambda: session.timeline_svg(lg, cumulative.value),
        [frame.value, lg, cumulative.value, session.generation],
    )
    run = session.run
    fmt = Fmt(lg)
    live, twin = run.gap()
    if not run.live.policy_on:
        gap = tr(lg, "gap_none", n=fmt.number(run.indicators()["shootings"][0], 0))
    elif not run.policy_active:
        gap = tr(lg, "gap_before", n=fmt.number(run.indicators()["shootings"][0], 0))
    else:
        pct = fmt.pct(100 * (live - twin) / twin, signed=True) if twin else "–"
        gap = tr(lg, "gap_after", live=fmt.number(live, 0), twin=fmt.number(twin, 0), pct=pct)
        r_live, r_twin, r_days = run.recent_gap()
        if r_days >= 7 * RECENT_GAP_WEEKS:
            pct = fmt.pct(100 * (r_live - r_twin) / r_twin, signed=True) if r_twin else "–"
            recent = tr(lg, "gap_recent", weeks=RECENT_GAP_WEEKS, live=fmt.number(r_live, 0),
                        twin=fmt.number(r_twin, 0), pct=pct)  # fmt: skip
            gap = f"{gap} {recent}"
    with solara.Column(classes=["gvi-card", "gvi-timeline"], gap="4px"):
        with solara.Row(style={"align-items": "center", "justify-content": "space-between"}):
            solara.HTML(tag="h2", unsafe_innerHTML=_esc(tr(lg, "h_timeline")))
            solara.Switch(
                label=tr(lg, "cumulative"), value=cumulative, classes=["gvi-switch"], style={}
            )
        solara.HTML(tag="div", classes=["gvi-gap"], attributes={"id": "gvi-gap"},
                    unsafe_innerHTML=_esc(gap))  # fmt: skip
        marks = run.marks
        Figure(
            svg,
            "gvi-timeline-view",
            {
                "days": run.days_run,
                "callins": len(marks.callins),
                "enforcement": len(marks.enforcement),
                "skipped": len(marks.skipped),
            },
        )
        legend = [
            (
                f'<span class="sw line" style="background:{BLUE}"></span>',
                "line_live" if cumulative.value else "line_live_rate",
            ),
            (f'<span class="sw dash" style="border-color:{GREY}"></span>', "line_twin"),
        ]
        if not cumulative.value:
            legend.append((f'<span class="sw bar" style="background:{LIGHT_BLUE}"></span>',
                           "bars_weekly"))  # fmt: skip
        if run.live.policy_on:
            legend += [
                (f'<span class="sw mark" style="color:{GREEN}">▼</span>', "mark_callin"),
                (f'<span class="sw mark" style="color:{PURPLE}">■</span>', "mark_enforce"),
                (f'<span class="sw mark" style="color:{SHOT_RED}">✖</span>', "mark_skip"),
                ('<span class="sw mark">2</span>', "mark_count"),
            ]
        solara.HTML(
            tag="ul",
            classes=["gvi-legend", "gvi-legend-row"],
            unsafe_innerHTML="".join(
                f"<li>{sw}{_esc(tr(lg, k, weeks=MARK_WEEKS))}</li>" for sw, k in legend
            ),
        )


@solara.component
def Feed(session: Session, frame: solara.Reactive[int], lang: solara.Reactive[str]):
    frame.value  # noqa: B018
    lg = lang.value
    items = list(session.run.feed)[-FEED_SHOWN:][::-1]
    if items:
        body = "".join(
            f'<li class="gvi-ev ev-{it.tag}" style="border-left-color:{TAG_COLOURS[it.tag]}">'
            f"<b>{_esc(tr(lg, 'feed_day', day=it.day))}:</b> {_esc(_text(it, lg))}</li>"
            for it in items
        )
    else:
        body = f'<li class="gvi-ev gvi-empty">{_esc(tr(lg, "feed_empty"))}</li>'
    with solara.Column(classes=["gvi-card", "gvi-feed-card"], gap="4px"):
        solara.HTML(tag="h2", unsafe_innerHTML=_esc(tr(lg, "h_feed")))
        solara.HTML(tag="ul", classes=["gvi-feed"], attributes={"id": "gvi-feed"},
                    unsafe_innerHTML=body)  # fmt: skip


@solara.component
def FrameShown(session: Session, frame: solara.Reactive[int]):
    """Tells the play loop when a frame has been drawn (effects run after rendering)."""
    n = frame.value
    solara.use_effect(lambda: session.mark_shown(n), [n])


@solara.component
def RunControls(
    session: Session,
    frame: solara.Reactive[int],
    config: solara.Reactive[int],
    lang: solara.Reactive[str],
    playing: solara.Reactive[bool],
    on_reset,
    refresh,
):
    frame.value  # noqa: B018
    config.value  # noqa: B018
    lg = lang.value
    speed = solara.use_reactive(session.speed)
    over = session.run.over

    def step(days: int) -> None:
        session.run.step(days)
        refresh()

    def set_speed(v: int) -> None:
        session.speed = v
        speed.set(v)

    with solara.Column(classes=["gvi-card"], gap="8px"):
        solara.HTML(tag="h2", unsafe_innerHTML=_esc(tr(lg, "h_run")))
        with solara.Row(gap="8px", classes=["gvi-buttons"]):
            solara.Button(
                tr(lg, "pause" if playing.value else "play"),
                icon_name="mdi-pause" if playing.value else "mdi-play",
                on_click=lambda: playing.set(not playing.value),
                color="primary",
                disabled=over,
                classes=["gvi-play"],
            )
            solara.Button(
                tr(lg, "reset"),
                icon_name="mdi-restart",
                on_click=on_reset,
                color="warning" if session.pending else None,
                outlined=not session.pending,
                classes=["gvi-reset"],
            )
        with solara.Row(gap="8px", classes=["gvi-buttons"]):
            solara.Button(
                tr(lg, "step"), on_click=lambda: step(1), disabled=playing.value or over,
                outlined=True, classes=["gvi-step"],
            )  # fmt: skip
            solara.Button(
                tr(lg, "step_week"), on_click=lambda: step(7), disabled=playing.value or over,
                outlined=True, classes=["gvi-step-week"],
            )  # fmt: skip
        run = session.run
        if run.live.policy_on and run.days_run <= run.rollout:
            solara.Button(
                tr(lg, "jump", start=run.rollout + 1), icon_name="mdi-skip-next",
                on_click=lambda: step(run.rollout + 1 - run.days_run),
                disabled=playing.value, outlined=True, classes=["gvi-jump"],
            )  # fmt: skip
        solara.HTML(tag="div", classes=["gvi-label"],
                    unsafe_innerHTML=_esc(tr(lg, "speed", n=speed.value)))  # fmt: skip
        solara.ToggleButtonsSingle(
            value=speed.value, values=list(SPEEDS), on_value=set_speed, classes=["gvi-speed"]
        )
        if over:
            solara.HTML(tag="div", classes=["gvi-note"], unsafe_innerHTML=_esc(tr(lg, "over")))


@solara.component
def Actions(
    session: Session,
    frame: solara.Reactive[int],
    lang: solara.Reactive[str],
    refresh,
):
    frame.value  # noqa: B018
    lg = lang.value
    run = session.run
    message = solara.use_reactive(cast(Outcome | None, None))
    group = solara.use_reactive(0)
    if group.value >= len(run.labels):
        group.set(0)

    def act(fn) -> None:
        out: Outcome = fn()
        message.set(out)
        refresh()

    def reason(action: Action) -> str | None:
        why = run.blocked(action)
        return tr(lg, why[0], **why[1]) if why else None

    with solara.Column(classes=["gvi-card"], gap="8px"):
        solara.HTML(tag="h2", unsafe_innerHTML=_esc(tr(lg, "h_actions")))
        why_callin = reason(Action.CALLIN)
        solara.Button(
            tr(lg, "act_callin"), icon_name="mdi-account-group",
            on_click=lambda: act(run.hold_callin), disabled=why_callin is not None,
            color="success", classes=["gvi-act", "gvi-act-callin"],
        )  # fmt: skip
        why_notify = reason(Action.NOTIFY)
        solara.Button(
            tr(lg, "act_notify"), icon_name="mdi-message-alert",
            on_click=lambda: act(run.notify_last_shooting), disabled=why_notify is not None,
            color="success", outlined=True, classes=["gvi-act", "gvi-act-notify"],
        )  # fmt: skip
        why_enforce = reason(Action.ENFORCE)
        items = [
            {"text": tr(lg, "group_label", g=label), "value": i}
            for i, label in enumerate(run.labels)
        ]
        with solara.Row(gap="8px", style={"align-items": "center"}, classes=["gvi-enforce"]):
            solara.v.Select(
                label=tr(lg, "enforce_group"), items=items, v_model=group.value,
                on_v_model=group.set, disabled=why_enforce is not None, dense=True,
                hide_details=True, outlined=True, class_="gvi-group-select",
                menu_props={"maxHeight": 320},
            )  # fmt: skip
            solara.Button(
                tr(lg, "act_enforce"), icon_name="mdi-shield-alert",
                on_click=lambda: act(lambda: run.enforce(int(group.value))),
                disabled=why_enforce is not None, color="secondary",
                classes=["gvi-act", "gvi-act-enforce"],
            )  # fmt: skip
        why_skip = reason(Action.SKIP)
        solara.Switch(
            label=tr(lg, "act_skip"),
            value=run.skip_follow_through,
            on_value=lambda on: act(lambda: run.set_skip(on)),
            disabled=why_skip is not None and not run.skip_follow_through,
            color="error",
            classes=["gvi-act-skip"],
        )
        why = next((w for w in (why_callin, why_enforce) if w), None)
        if why:
            solara.HTML(tag="div", classes=["gvi-note"], unsafe_innerHTML=_esc(why))
        out: Outcome | None = message.value
        if out is not None:
            solara.HTML(
                tag="div",
                classes=["gvi-msg", "ok" if out.ok else "fail"],
                attributes={"id": "gvi-msg", "role": "status"},
                unsafe_innerHTML=_esc(tr(lg, out.key, **out.values)),
            )


def unit(text: str, lang: str) -> str:
    """A lever's unit in ``lang`` from the ``units`` catalogue (as in the reports; read
    here so that the page does not import the report package, which costs start-up)."""
    t = translator("units", lang)
    return t(text) if text in t.keys else text


def _lever_value(lever, v: float, lg: str) -> str:
    fmt = Fmt(lg)
    u = lever.spec.unit
    if u in ("probability", "share"):
        return fmt.number(100 * v, 0) + ("\u00a0%" if lg == "sv" else "%")
    if lever.is_int:
        return f"{fmt.number(v, 0)} {unit(u, lg)}"
    return f"{fmt.number(v, 2)} {unit(u, lg)}"


@solara.component
def ScenarioControls(
    session: Session,
    config: solara.Reactive[int],
    lang: solara.Reactive[str],
    on_preset,
):
    config.value  # noqa: B018 - redraw when the settings change, not with every frame
    lg = lang.value
    seed = solara.use_reactive(session.seed)
    values = solara.use_reactive(dict(session.values))
    if values.value.keys() != session.values.keys() or (
        not session.pending and values.value != session.values
    ):
        values.set(dict(session.values))
    if seed.value != session.seed:
        seed.set(session.seed)
    presets = [{"text": d, "value": n} for n, d in list_presets(lg)]
    running = session.run.scenario

    def set_lever(path: str, v: float) -> None:
        session.set_lever(path, v)
        values.set(dict(session.values))
        config.set(config.value + 1)

    def set_seed(v) -> None:
        session.set_seed(v)
        seed.set(session.seed)
        config.set(config.value + 1)

    def new_seed() -> None:
        seed.set(session.new_seed())
        config.set(config.value + 1)

    with solara.Column(classes=["gvi-card"], gap="6px"):
        solara.HTML(tag="h2", unsafe_innerHTML=_esc(tr(lg, "h_scenario")))
        solara.v.Select(
            label=tr(lg, "preset"), items=presets, v_model=session.preset,
            on_v_model=on_preset, outlined=True, hide_details=True,
            class_="gvi-preset", menu_props={"maxWidth": 520},
        )  # fmt: skip
        with solara.Row(gap="8px", style={"align-items": "center"}):
            solara.InputInt(tr(lg, "seed"), value=seed.value, on_value=set_seed,
                            classes=["gvi-seed-input"])  # fmt: skip
            solara.Button(tr(lg, "new_seed"), icon_name="mdi-dice-5", on_click=new_seed,
                          outlined=True, classes=["gvi-new-seed"])  # fmt: skip
        solara.HTML(tag="h3", unsafe_innerHTML=_esc(tr(lg, "h_levers")))
        for lever in session.levers:
            v = values.value.get(lever.path, lever.value_in(running))
            on = lever.applies(running)
            text = f"{lever.label(lg)}: <b>{_esc(_lever_value(lever, v, lg))}</b>"
            if not on:
                text += f' <span class="off">({_esc(tr(lg, "lever_off"))})</span>'
            solara.HTML(tag="div", classes=["gvi-label"], unsafe_innerHTML=text)
            common: dict[str, Any] = {
                "label": "",
                "min": lever.low,
                "max": lever.high,
                "step": lever.step,
                "on_value": lambda x, p=lever.path: set_lever(p, x),
                "thumb_label": False,
                "disabled": not on,
            }
            if lever.is_int:
                solara.SliderInt(value=int(v), **common)
            else:
                solara.SliderFloat(value=float(v), **common)
        if session.pending:
            solara.HTML(tag="div", classes=["gvi-note", "gvi-pending"],
                        unsafe_innerHTML=_esc(tr(lg, "pending")))  # fmt: skip


@solara.component
def Trainer(session: Session, lang: solara.Reactive[str], alive: Callable[[], None]):
    """The trainer's view of one session; ``alive`` notes a sign of life on its seat."""
    frame = solara.use_reactive(0)
    config = solara.use_reactive(0)  # bumped when settings change (sliders, seed, reset)
    playing = solara.use_reactive(False)
    alive()  # every redraw follows something the trainer did, or playback

    def refresh() -> int:
        frame.set(frame.value + 1)
        return frame.value

    def play(cancel: threading.Event) -> None:
        """Step at the chosen speed (days per second): as many days per frame as the
        time since the last frame allows, then wait until the page has drawn it."""
        if not playing.value:
            return
        watched = _watching()
        last = time.monotonic()
        credit = 1.0
        while not cancel.is_set() and playing.value:
            if not watched() or session.closed:
                playing.set(False)
                break
            alive()  # a page playing is in use, even without clicks
            now = time.monotonic()
            speed = session.speed
            credit = min(credit + speed * (now - last), speed * MAX_FRAME_SECONDS + 1)
            last = now
            due = int(credit)
            if due >= 1:
                credit -= session.run.step(due)
                shown = refresh()
                if session.run.over:
                    playing.set(False)
                    break
                session.wait_shown(shown, timeout=5.0)
            wait = max(MIN_FRAME_GAP, (1.0 - credit % 1.0) / speed)
            cancel.wait(min(wait, 0.5))

    solara.use_thread(play, dependencies=[playing.value], intrusive_cancel=False)

    def reset() -> None:
        playing.set(False)
        session.reset()
        config.set(config.value + 1)
        refresh()

    def choose_preset(name: str) -> None:
        playing.set(False)
        session.choose_preset(name)
        config.set(config.value + 1)
        refresh()

    settings_open = solara.use_reactive(False)
    config.value  # noqa: B018 - the story's start and end change the side panel

    def story(action: Callable[[], None]) -> None:
        playing.set(False)
        action()
        config.set(config.value + 1)
        refresh()

    Header(session, frame, lang)
    with solara.Row(classes=["gvi-body"], gap="12px"):
        with solara.Column(classes=["gvi-side"], gap="10px"):
            if session.story is not None:
                StoryPanel(session, frame, lang, story)
            else:
                RunControls(session, frame, config, lang, playing, reset, refresh)
                Actions(session, frame, lang, refresh)
                with solara.Row(gap="8px", classes=["gvi-buttons"]):
                    solara.Button(
                        tr(lang.value, "story_button"), icon_name="mdi-book-open-variant",
                        on_click=lambda: story(session.start_story), color="primary",
                        outlined=True, classes=["gvi-story-start"],
                    )  # fmt: skip
                    solara.Button(
                        tr(lang.value, "h_scenario"),
                        icon_name="mdi-chevron-up" if settings_open.value else "mdi-chevron-down",
                        on_click=lambda: settings_open.set(not settings_open.value),
                        outlined=True, classes=["gvi-settings-toggle"],
                        attributes={"aria-expanded": str(settings_open.value).lower()},
                    )  # fmt: skip
                if settings_open.value:
                    ScenarioControls(session, config, lang, choose_preset)
        with solara.Column(classes=["gvi-main"], gap="10px"):
            Indicators(session, frame, lang)
            PromiseView(session, frame, lang)
            with solara.Row(classes=["gvi-views"], gap="10px"):
                CityView(session, frame, lang)
                with solara.Column(classes=["gvi-right"], gap="10px"):
                    Timeline(session, frame, lang)
                    Feed(session, frame, lang)
    FrameShown(session, frame)


def idle_text(seconds: float, lang: str) -> str:
    """How long a page may stay silent, as read in a notice: minutes, or seconds when
    under two minutes."""
    fmt = Fmt(lang)
    if seconds >= 120:
        return tr(lang, "n_minutes", n=fmt.number(seconds / 60, 0))
    return tr(lang, "n_seconds", n=fmt.number(seconds, 0))


@solara.component
def Notice(kind: str, lang: solara.Reactive[str], seats: limits.Seats, on_again):
    """Instead of a run: the server is full (``kind="full"``) or this page's run expired
    (``"expired"``); a button tries again."""
    lg = lang.value
    idle = idle_text(seats.idle, lg)
    button = "try_again" if kind == "full" else "start_again"
    with solara.Row(classes=["gvi-header"], style={"align-items": "center"}):
        Titles(lg)
        LangButtons(lang)
    with solara.Column(classes=["gvi-card", "gvi-notice"], gap="12px"):
        solara.HTML(
            tag="div",
            attributes={"id": "gvi-notice", "data-kind": kind, "role": "alert"},
            unsafe_innerHTML=(
                f"<h2>{_esc(tr(lg, f'{kind}_title'))}</h2>"
                f"<p>{_esc(tr(lg, f'{kind}_text', n=seats.cap, idle=idle))}</p>"
            ),
        )
        solara.Button(
            tr(lg, button), icon_name="mdi-refresh", on_click=on_again, color="primary",
            classes=["gvi-again"],
        )  # fmt: skip


def _current_page():
    """This page's Solara kernel context and its id (None and "local" outside a server)."""
    try:
        from solara.server import kernel_context

        ctx = kernel_context.get_current_context()
        return ctx, str(ctx.id)
    except Exception:
        return None, "local"


def _teller(ctx, expired: solara.Reactive[bool]) -> Callable[[], None]:
    """What the sweeper calls when this page's seat expired: redraw the page with the
    notice, inside its kernel context, in a thread of its own (a slow page never holds
    up the sweeper)."""

    def redraw() -> None:
        if ctx is None:
            expired.set(True)
        elif not ctx.closed_event.is_set():
            with ctx:
                expired.set(True)

    def tell() -> None:
        threading.Thread(target=redraw, name="gvi-expired-page", daemon=True).start()

    return tell


@solara.component
def Page():
    router = solara.use_router()
    lang = solara.use_reactive(initial_lang(router.search))
    attempt = solara.use_reactive(0)  # bumped by the notice's button
    expired = solara.use_reactive(False)
    seats = limits.seats()

    def take() -> limits.Seat | None:
        ctx, kernel = _current_page()
        seat = seats.take(kernel)
        if seat is None:
            return None
        try:
            seat.resource = Session(lang.value)
        except BaseException:
            seats.release(seat)
            raise
        seat.on_expire = _teller(ctx, expired)
        return seat

    seat = solara.use_memo(take, [attempt.value])
    # the seat is given back (its session closed) when the page goes or tries again
    solara.use_effect(lambda: lambda: seats.release(seat), [seat])
    session = seat.resource if seat is not None else None

    def again() -> None:
        expired.set(False)
        attempt.set(attempt.value + 1)

    solara.Title(tr(lang.value, "page_title"))
    solara.Style(CSS)
    with solara.v.Html(tag="div", class_="gvi-root", attributes={"lang": lang.value}):
        if seat is None:
            Notice("full", lang, seats, again)
        elif session is None or expired.value:
            Notice("expired", lang, seats, again)
        else:
            Trainer(session, lang, lambda: seats.touch(seat))
