"""The page's story panel and promise panel (Solara components; see :mod:`gvi.app.page`).

:func:`PromiseView` shows what keeps deterrence alive: the partnership's credibility and
the perceived risk of the groups on notice (M6), live, with one line that says why they
matter. :func:`StoryPanel` tells the guided story of :mod:`gvi.app.story` phase by phase.
"""

from __future__ import annotations

import html
from collections.abc import Callable

import solara

from .figures import BLUE, PURPLE
from .session import Session
from .story import MIN_CHAIN
from .text import Share, tr


def _esc(text: object) -> str:
    return html.escape(str(text))


@solara.component
def PromiseView(session: Session, frame: solara.Reactive[int], lang: solara.Reactive[str]):
    """The partnership's credibility and the perceived risk of the groups on notice,
    today, in the live run and (same groups) in business as usual, with one line that
    says why they matter."""
    frame.value  # noqa: B018
    lg = lang.value
    run = session.run
    if not run.live.policy_on:
        return
    p = run.promise()
    cred = Share(p.credibility).text(lg) if p.credibility is not None else tr(lg, "cred_none")
    if p.risk_live is None:
        risk, risk_twin = "\u2013", _esc(tr(lg, "risk_none"))
    else:
        risk = Share(p.risk_live).text(lg)
        risk_twin = _esc(tr(lg, "risk_twin", v=Share(p.risk_twin)))
    level = p.credibility if p.credibility is not None else 1.0
    solara.HTML(
        tag="div",
        classes=["gvi-promise"],
        attributes={
            "id": "gvi-promise",
            "data-credibility": f"{level:.4f}",
            "data-risk": "" if p.risk_live is None else f"{p.risk_live:.4f}",
        },
        unsafe_innerHTML=(
            f'<div class="gvi-tile" id="ind-credibility" style="border-left-color:{BLUE}">'
            f'<div class="l">{_esc(tr(lg, "cred_label"))}</div>'
            f'<div class="v">{_esc(cred)}</div>'
            f'<div class="bar"><span style="width:{100 * level:.1f}%"></span></div>'
            f'<div class="t">{_esc(tr(lg, "cred_twin"))}</div></div>'
            f'<div class="gvi-tile" id="ind-risk" style="border-left-color:{PURPLE}">'
            f'<div class="l">{_esc(tr(lg, "risk_label"))}</div>'
            f'<div class="v">{_esc(risk)}</div><div class="t">{risk_twin}</div></div>'
            f'<div class="gvi-explain" id="gvi-explain">{_esc(tr(lg, "cred_explain"))}</div>'
        ),
    )


@solara.component
def StoryPanel(
    session: Session,
    frame: solara.Reactive[int],
    lang: solara.Reactive[str],
    act: Callable[[Callable[[], None]], None],
):
    """The guided story: the phase's title and narration, how the seed was chosen, and
    Next (or, at the choice, keep or break the promise)."""
    frame.value  # noqa: B018
    lg = lang.value
    st = session.story
    if st is None:
        return
    c = st.choice
    if c.met:
        seed_text = tr(lg, "story_seed", seed=c.seed, tried=c.tried, min=MIN_CHAIN)
    else:
        seed_text = tr(lg, "story_seed_none", seed=c.seed, tried=c.tried)
    with solara.Column(classes=["gvi-card", "gvi-story"], gap="8px"):
        solara.HTML(tag="h2", unsafe_innerHTML=_esc(tr(lg, "story_button")))
        if st.index:
            key, values = st.text
            step = tr(lg, "story_step", i=st.index, n=st.total)
            solara.HTML(
                tag="div",
                attributes={
                    "id": "gvi-story",
                    "aria-live": "polite",
                    "data-phase": st.phase.value,
                    "data-index": str(st.index),
                },
                unsafe_innerHTML=(
                    f'<div class="gvi-story-step">{_esc(step)}</div>'
                    f"<h3>{_esc(tr(lg, st.title))}</h3>"
                    f'<p class="gvi-narration">{_esc(tr(lg, key, **values))}</p>'
                ),
            )
        else:
            solara.HTML(
                tag="div",
                attributes={
                    "id": "gvi-story",
                    "aria-live": "polite",
                    "data-phase": "start",
                    "data-index": "0",
                },
                unsafe_innerHTML=(
                    f"<h3>{_esc(tr(lg, 'story_intro_title'))}</h3>"
                    f'<p class="gvi-narration">{_esc(tr(lg, "story_intro", n=st.total))}</p>'
                ),
            )
        if st.at_choice:
            solara.HTML(tag="p", classes=["gvi-narration", "gvi-choice"],
                        unsafe_innerHTML=_esc(tr(lg, "story_choice")))  # fmt: skip
            with solara.Row(gap="8px", classes=["gvi-buttons"]):
                solara.Button(
                    tr(lg, "story_keep"), color="success", classes=["gvi-story-keep"],
                    on_click=lambda: act(lambda: session.story_next(kept=True)),
                )  # fmt: skip
                solara.Button(
                    tr(lg, "story_break"), color="error", classes=["gvi-story-break"],
                    on_click=lambda: act(lambda: session.story_next(kept=False)),
                )  # fmt: skip
        elif not st.finished:
            solara.Button(
                tr(lg, "story_next"), icon_name="mdi-arrow-right", color="primary",
                on_click=lambda: act(session.story_next), classes=["gvi-story-next"],
            )  # fmt: skip
        else:
            solara.Button(
                tr(lg, "story_again"), icon_name="mdi-restart", color="primary",
                on_click=lambda: act(session.start_story), classes=["gvi-story-again"],
            )  # fmt: skip
        solara.Button(
            tr(lg, "story_leave"), outlined=True, classes=["gvi-story-leave"],
            on_click=lambda: act(session.leave_story),
        )  # fmt: skip
        solara.HTML(tag="div", classes=["gvi-note", "gvi-story-seed"],
                    attributes={"id": "gvi-story-seed"}, unsafe_innerHTML=_esc(seed_text))  # fmt: skip
