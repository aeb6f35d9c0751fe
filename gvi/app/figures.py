"""The city view and the timeline as SVG, written directly.

Both pictures are simple (circles, lines, a few dozen labels; bars and two lines on
axes), so they are written as SVG text rather than through a plotting library: a frame
costs about a millisecond instead of the ~130 ms of a matplotlib figure saved as SVG,
which is what lets one server keep twenty trainers' pages answering within two seconds
while they all step. The SVG goes into the page as markup, so its text is real text in
the page's font (crisp on a projector, readable by tests and screen readers).

Each session owns one :class:`CityFigure` and one :class:`TimelineFigure`; nothing here
is shared between sessions.
"""

from __future__ import annotations

import math
from html import escape

import numpy as np

from .run import MARK_WEEKS, RECENT_DAYS, TrainingRun
from .text import tr

# Okabe–Ito colours (distinguishable with common colour-vision deficiencies)
BLUE = "#0072B2"
ORANGE = "#D55E00"
GREEN = "#009E73"
PURPLE = "#7B2D8E"
GREY = "#6E6E6E"
INK = "#1A1A1A"
LIGHT_BLUE = "#BFD9EC"
SHOT_RED = "#D7191C"
RIVALRY_GREY = "#A8A8A8"
HEAT_STOPS = ("#FFFFFF", "#FDE0B6", "#FDAE61", "#E8602C", "#B2182B")
HEAT_MAX = 2.0  # heat at which a group is drawn darkest (about two recent shootings)


def heat_colour(h: float) -> str:
    """White through orange to dark red as ``h`` goes from 0 to :data:`HEAT_MAX`."""
    x = min(max(h / HEAT_MAX, 0.0), 1.0) * (len(HEAT_STOPS) - 1)
    i = min(int(x), len(HEAT_STOPS) - 2)
    f = x - i
    a, b = HEAT_STOPS[i], HEAT_STOPS[i + 1]
    rgb = [round(int(a[k : k + 2], 16) * (1 - f) + int(b[k : k + 2], 16) * f) for k in (1, 3, 5)]
    return "#{:02X}{:02X}{:02X}".format(*rgb)


def node_radius(free: np.ndarray) -> np.ndarray:
    """Circle radius (px) growing with the members free (area about proportional)."""
    return 8.0 + 2.6 * np.sqrt(np.maximum(free, 0))


def _n(v: float) -> str:
    return f"{v:.1f}"


def _star(x: float, y: float, r: float) -> str:
    pts = []
    for k in range(10):
        a = -math.pi / 2 + k * math.pi / 5
        rr = r if k % 2 == 0 else r * 0.45
        pts.append(f"{_n(x + rr * math.cos(a))},{_n(y + rr * math.sin(a))}")
    return " ".join(pts)


class CityFigure:
    """The groups as a network at fixed positions (see :func:`gvi.app.run.layout`)."""

    W, H = 440.0, 400.0
    PAD = 32.0

    def __init__(self, run: TrainingRun) -> None:
        self.run = run
        xy = run.positions
        self.px = np.column_stack(
            [
                self.PAD + (xy[:, 0] + 1.0) / 2.0 * (self.W - 2 * self.PAD),
                self.PAD + (1.0 - xy[:, 1]) / 2.0 * (self.H - 2 * self.PAD),
            ]
        ).reshape(-1, 2)
        city = run.live.city
        rivalry = city.rivalry  # a matrix built when asked: once
        parts = []
        for i, j in zip(*np.nonzero(np.triu(rivalry)), strict=True):
            w = 0.8 + 2.2 * min(float(rivalry[i, j]), 2.5)
            (x1, y1), (x2, y2) = self.px[i], self.px[j]
            parts.append(
                f'<line class="rivalry" x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" '
                f'y2="{_n(y2)}" stroke-width="{w:.2f}"/>'
            )
        self._edges = f'<g stroke="{RIVALRY_GREY}" stroke-opacity="0.85">{"".join(parts)}</g>'
        self._font = 16 if city.n_groups <= 40 else 12

    def svg(self, label: str) -> str:
        """The city today."""
        st = self.run.city_state()
        px = self.px
        r = node_radius(st["free"])
        out = [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {self.W:.0f} {self.H:.0f}" '
            f'preserveAspectRatio="xMidYMid meet" role="img"><title>{escape(label)}</title>',
            self._edges,
        ]
        for a, b, age in st["recent"]:
            (x1, y1), (x2, y2) = px[a], px[b]
            op = 1.0 - 0.7 * age / RECENT_DAYS
            out.append(
                f'<line class="shot" x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" '
                f'stroke="{SHOT_RED}" stroke-width="4" stroke-opacity="{op:.2f}"/>'
            )
        for g in np.flatnonzero(st["enforced"]):
            x, y = px[g]
            s = r[g] + 11
            out.append(
                f'<rect class="enforce" x="{_n(x - s)}" y="{_n(y - s)}" width="{_n(2 * s)}" '
                f'height="{_n(2 * s)}" fill="none" stroke="{PURPLE}" stroke-width="3.5"/>'
            )
        for g in np.flatnonzero(st["notice"]):
            x, y = px[g]
            out.append(
                f'<circle class="notice" cx="{_n(x)}" cy="{_n(y)}" r="{_n(r[g] + 5)}" '
                f'fill="none" stroke="{BLUE}" stroke-width="4"/>'
            )
        for g, label_text in enumerate(self.run.labels):
            x, y = px[g]
            h = float(st["heat"][g])
            ink = "#FFFFFF" if h > 0.55 * HEAT_MAX else INK
            out.append(
                f'<circle class="node" cx="{_n(x)}" cy="{_n(y)}" r="{_n(r[g])}" '
                f'fill="{heat_colour(h)}" stroke="#444" stroke-width="1.3"/>'
                f'<text x="{_n(x)}" y="{_n(y)}" fill="{ink}" font-size="{self._font}" '
                f'font-weight="700" text-anchor="middle" dominant-baseline="central">'
                f"{escape(label_text)}</text>"
            )
        for _a, b, _age in st["recent"]:
            x, y = px[b]
            out.append(
                f'<polygon class="victim" points="{_star(x + 0.7 * r[b] + 3, y - 0.7 * r[b] - 3, 11)}" '
                f'fill="{SHOT_RED}" stroke="#FFFFFF" stroke-width="1.2"/>'
            )
        out.append("</svg>")
        return "".join(out)


def nice_step(span: float, target: int = 4) -> float:
    """A 1, 2, 2.5 or 5 x 10^k step giving about ``target`` intervals over ``span``."""
    raw = max(span, 1e-9) / target
    k = 10 ** math.floor(math.log10(raw))
    for m in (1.0, 2.0, 2.5, 5.0, 10.0):
        if m * k >= raw:
            return m * k
    return 10 * k


def nice_ceiling(v: float) -> float:
    """The next of 1, 2, 2.5, 5 x 10^k at or above ``v``."""
    if v <= 0:
        return 1.0
    k = 10 ** math.floor(math.log10(v))
    for m in (1.0, 2.0, 2.5, 5.0, 10.0):
        if m * k >= v - 1e-12:
            return m * k
    return 10 * k


class TimelineFigure:
    """Weekly shootings of the live run and its twin, with the policy's events marked."""

    W, H = 520.0, 250.0
    LEFT, RIGHT, TOP, BOTTOM = 50.0, 510.0, 58.0, 196.0

    def __init__(self, run: TrainingRun) -> None:
        self.run = run
        self.weeks = run.total_days / 7.0
        self.top = {False: 2.0, True: 2.0}  # y-axis maximum per mode: grows, never shrinks

    def _x(self, week: float | np.ndarray) -> np.ndarray:
        return self.LEFT + np.asarray(week) / self.weeks * (self.RIGHT - self.LEFT)

    def _y(self, v: float | np.ndarray, top: float) -> np.ndarray:
        return self.BOTTOM - np.asarray(v) / top * (self.BOTTOM - self.TOP)

    def svg(self, lang: str, cumulative: bool) -> str:
        run = self.run
        tl = run.timeline()
        x = tl["x"]
        if cumulative:
            live, twin = tl["total_live"], tl["total_twin"]
        else:
            live, twin = tl["rate_live"], tl["rate_twin"]
        peak = max([0.0, *live, *twin, *([] if cumulative else tl["weekly"])])
        if peak * 1.25 > self.top[cumulative]:
            self.top[cumulative] = nice_ceiling(peak * 1.25)
        top = self.top[cumulative]
        L, R, T, B = self.LEFT, self.RIGHT, self.TOP, self.BOTTOM
        out = [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {self.W:.0f} {self.H:.0f}" '
            f'preserveAspectRatio="xMidYMid meet" role="img" font-size="16" fill="{INK}">'
            f"<title>{escape(tr(lang, 'h_timeline'))}</title>"
        ]
        # grid and axes
        grid, ticks = [], []
        step_y = nice_step(top)
        v = 0.0
        while v <= top + 1e-9:
            y = float(self._y(v, top))
            grid.append(f'<line x1="{L}" x2="{R}" y1="{_n(y)}" y2="{_n(y)}"/>')
            text = f"{v:g}" if lang == "en" else f"{v:g}".replace(".", ",")
            ticks.append(
                f'<text x="{L - 8}" y="{_n(y)}" text-anchor="end" '
                f'dominant-baseline="central">{text}</text>'
            )
            v += step_y
        for w in range(0, int(self.weeks) + 1, 20):
            xx = float(self._x(w))
            grid.append(f'<line x1="{_n(xx)}" x2="{_n(xx)}" y1="{T}" y2="{B}"/>')
            ticks.append(f'<text x="{_n(xx)}" y="{B + 20}" text-anchor="middle">{w}</text>')
        out.append(f'<g stroke="#E3E3E3" stroke-width="1">{"".join(grid)}</g>')
        out.append(f'<g fill="#333">{"".join(ticks)}</g>')
        out.append(
            f'<line x1="{L}" x2="{R}" y1="{B}" y2="{B}" stroke="#888" stroke-width="1.2"/>'
            f'<line x1="{L}" x2="{L}" y1="{T}" y2="{B}" stroke="#888" stroke-width="1.2"/>'
        )
        # weekly bars of the live run
        if not cumulative and len(tl["weekly"]):
            bars = []
            end = x[-1] if len(x) else 0.0
            for i, count in enumerate(tl["weekly"]):
                if count <= 0:
                    continue
                x0, x1 = float(self._x(i)), float(self._x(min(i + 1.0, end)))
                y = float(self._y(count, top))
                bars.append(
                    f'<rect x="{_n(x0)}" y="{_n(y)}" width="{_n(max(x1 - x0 - 0.6, 0.8))}" '
                    f'height="{_n(B - y)}"/>'
                )
            out.append(f'<g class="weekly" fill="{LIGHT_BLUE}">{"".join(bars)}</g>')
        # rollout
        if run.live.policy_on:
            xr = float(self._x(run.rollout / 7.0))
            label = escape(tr(lang, "mark_rollout"))
            out.append(
                f'<line class="rollout" x1="{_n(xr)}" x2="{_n(xr)}" y1="{T - 2}" y2="{B}" '
                f'stroke="{INK}" stroke-width="1.6" stroke-dasharray="2 3"/>'
                f'<text x="{_n(xr + 6)}" y="{T + 17}" font-weight="700" font-size="17" '
                f'stroke="#FFFFFF" stroke-width="5" paint-order="stroke">{label}</text>'
            )
        # the two runs
        for values, colour, width, dash, cls in (
            (twin, GREY, 3.0, ' stroke-dasharray="8 4"', "twin"),
            (live, BLUE, 3.5, "", "live"),
        ):
            if len(x) > 1:
                pts = " ".join(
                    f"{_n(a)},{_n(b)}"
                    for a, b in zip(self._x(x), self._y(values, top), strict=True)
                )
                out.append(
                    f'<polyline class="{cls}" points="{pts}" fill="none" stroke="{colour}" '
                    f'stroke-width="{width}" stroke-linejoin="round"{dash}/>'
                )
        # the policy's events, in a band above the plot: one mark per kind and span of
        # MARK_WEEKS weeks, with the number of events when there were several
        weekly = run.weekly_marks()
        for kind, cls, colour, shape, row in (
            ("callins", "mark-callin", GREEN, "tri", T - 40),
            ("enforcement", "mark-enforcement", PURPLE, "square", T - 23),
            ("skipped", "mark-skipped", SHOT_RED, "cross", T - 6),
        ):
            for week, count in weekly[kind]:
                xm = float(self._x(week + MARK_WEEKS / 2))
                out.append(_marker(cls, shape, colour, xm, row, count))
        # axis labels
        out.append(
            f'<text x="{_n((L + R) / 2)}" y="{self.H - 8}" text-anchor="middle" '
            f'font-size="17">{escape(tr(lang, "axis_weeks"))}</text>'
            f'<text transform="translate(15 {_n((T + B) / 2)}) rotate(-90)" '
            f'text-anchor="middle" font-size="17">'
            f"{escape(tr(lang, 'axis_total' if cumulative else 'axis_week_rate'))}</text>"
        )
        out.append("</svg>")
        return "".join(out)


def _marker(cls: str, shape: str, colour: str, x: float, y: float, count: int = 1) -> str:
    """One week's mark; ``count`` > 1 is written next to it (``data-count`` holds it)."""
    mark = _shape(cls, shape, colour, x, y).replace(" ", f' data-count="{count}" ', 1)
    if count <= 1:
        return mark
    return (
        f'{mark}<text class="{cls}-count" x="{_n(x + 8)}" y="{_n(y)}" font-size="15" '
        f'font-weight="700" fill="{colour}" dominant-baseline="central">{count}</text>'
    )


def _shape(cls: str, shape: str, colour: str, x: float, y: float) -> str:
    if shape == "tri":
        pts = f"{_n(x - 7)},{_n(y - 6)} {_n(x + 7)},{_n(y - 6)} {_n(x)},{_n(y + 7)}"
        return f'<polygon class="{cls}" points="{pts}" fill="{colour}"/>'
    if shape == "square":
        return (
            f'<rect class="{cls}" x="{_n(x - 6)}" y="{_n(y - 6)}" width="12" height="12" '
            f'fill="{colour}"/>'
        )
    return (
        f'<path class="{cls}" d="M{_n(x - 5)} {_n(y - 5)}L{_n(x + 5)} {_n(y + 5)}'
        f'M{_n(x + 5)} {_n(y - 5)}L{_n(x - 5)} {_n(y + 5)}" stroke="{colour}" '
        f'stroke-width="4" stroke-linecap="round"/>'
    )
