"""`make demo`'s figures in README.md, docs/ODD.md and docs/calibration.md, generated
from two records in ``docs/calibration/shipped/``: ``demo.json`` (the comparison of the
Makefile's ``demo`` target, with the shipped ensemble) and ``demo_fixed.json`` (the same
with ``--fixed-parameters``).

A record holds what the docs say of a comparison, taken from its result folder by
``python -m gvi.demofigures DIR`` (the command, replicates, root seed, the ensemble's
fingerprint or none, the model code, and per scenario the paired changes, the range of
single runs, the split of their spread, the windows around a lapse and the counts a year)
at full precision, so that each figure is rounded once, when the docs are written. The
paragraphs are rendered from the records between markers in the docs by ``python -m
gvi.docs``; tests hold the records to the shipped ensemble, the model code and the
Makefile (tests/test_ensemble_shipped.py), the docs to the records (tests/test_docs.py)
and the records to what ``make demo`` gives now (tests/test_acceptance.py)."""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from model.time import DAYS_PER_MONTH, DAYS_PER_YEAR

from .checkstable import SHIPPED_CHECKS

if TYPE_CHECKING:
    from experiments.comparison import Comparison

DEMO = SHIPPED_CHECKS / "demo.json"
DEMO_FIXED = SHIPPED_CHECKS / "demo_fixed.json"
REMAKE = (
    "run the Makefile's demo command with --out DIR, and again with --fixed-parameters; "
    f"record each result folder with python -m gvi.demofigures DIR (it writes {DEMO.name} "
    f"/ {DEMO_FIXED.name} in docs/calibration/shipped), then python -m gvi.docs"
)

COUNTS = (
    "arrests",
    "enforcement_arrests",
    "enforcement_actions",
    "notifications",
    "unanswered_violence",
)
MEANS = ("credibility",)
CHANGES = ("shootings", "arrests", "mean_legitimacy")  # mean_legitimacy: trust
SHIPPED_LABEL = "shipped with gvi-sim"  # what a comparison records as the shipped folder


# --- the record -------------------------------------------------------------------------


def _float(x: Any) -> float | None:
    value = float(x)
    return value if math.isfinite(value) else None


def record(c: Comparison) -> dict[str, Any]:
    """What the docs say of comparison ``c``, at full precision (None where a figure is
    not defined, e.g. the split of the spread when no set was drawn twice)."""
    from experiments.effects import window_change
    from experiments.validation import HALF_YEAR  # "the last six months" (resurgence)

    ens = c.ensemble
    given = c.names[1:] if c.baseline_is_twin else c.names
    seed = c.manifest.get("root_seed")
    command = f"gvi compare {' '.join(given)} --replicates {c.replicates}"
    if seed != 1:
        command += f" --seed {seed}"
    if ens is None:
        command += " --fixed-parameters"
    elif ens.get("folder") != SHIPPED_LABEL:
        command += f" --ensemble {ens.get('folder')}"
    summary = c.summary.set_index(["scenario", "metric"])
    effects = c.effects.set_index(["scenario", "metric"])
    spread = None if c.spread is None else c.spread.set_index("scenario")
    end = c.days["end"]
    scenarios: dict[str, dict[str, Any]] = {}
    for k, name in enumerate(c.names):
        fig: dict[str, Any] = {
            "total": {m: _float(summary.loc[(name, m), "post_mean"]) for m in COUNTS},
            "per_year": {m: _float(summary.loc[(name, m), "post_per_year"]) for m in COUNTS},
            "mean": {m: _float(summary.loc[(name, m), "post_mean"]) for m in MEANS},
        }
        if name != c.baseline:
            fig["change"] = {
                m: {
                    key: _float(effects.loc[(name, m), col])
                    for key, col in (("pct", "change_pct"), ("low", "ci_low"), ("high", "ci_high"))
                }
                for m in CHANGES
            }
            windows: dict[str, dict[str, Any]] = {}
            for r in c.phases[c.phases["scenario"] == name].itertuples():
                windows[str(r.phase)] = {
                    "start_day": int(r.start_day),
                    "end_day": int(r.end_day),
                    "pct": _float(r.change_pct),
                    "low": _float(r.ci_low),
                    "high": _float(r.ci_high),
                }
            start = end - HALF_YEAR
            seed_k = c.root_entropy % (2**31) + 31 * k  # as Comparison.phases
            est, low, high = window_change(
                c.runs, name, c.baseline, "shootings", start, end, seed=seed_k
            )
            windows["last"] = {"start_day": start, "end_day": end}
            windows["last"] |= {"pct": _float(est), "low": _float(low), "high": _float(high)}
            fig["windows"] = windows
            if spread is not None:
                s = spread.loc[name]
                fig["runs"] = {q: _float(s[f"runs_{q}"]) for q in ("p05", "median", "p95")}
                fig["spread"] = {
                    "model_share": _float(s["model_share"]),
                    "chance_share": _float(s["chance_share"]),
                    "chance_share_low": _float(s["chance_share_low"]),
                    "chance_share_high": _float(s["chance_share_high"]),
                    "sets_drawn": int(s["sets_drawn"]),
                    "sets_repeated": int(s["sets_repeated"]),
                }
        scenarios[name] = fig
    return {
        "command": command,
        "replicates": c.replicates,
        "root_seed": seed,
        "baseline": c.baseline,
        "ensemble": None
        if ens is None
        else {"folder": ens.get("folder"), "sha256": ens["sha256"], "sets": ens["sets"]},
        "model": c.manifest["model"],
        "days": dict(c.days),
        "scenarios": scenarios,
    }


def write_record(folder: str | Path, out: str | Path | None = None) -> Path:
    """Record the comparison saved in ``folder`` in ``out`` (default: ``demo.json``
    with an ensemble, ``demo_fixed.json`` without)."""
    from experiments.comparison import Comparison

    rec = record(Comparison.load(folder))
    path = Path(out) if out is not None else (DEMO if rec["ensemble"] else DEMO_FIXED)
    path.write_text(json.dumps(rec, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def load(path: Path) -> dict[str, Any]:
    """A stored record."""
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: {REMAKE}")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


class MissingFigure(ValueError):
    """A figure the docs need is not in the record."""


@dataclass(frozen=True)
class Figures:
    """Read access to a record: a missing or undefined figure raises
    :class:`MissingFigure` naming it."""

    rec: dict[str, Any]
    source: str

    def get(self, *keys: str) -> Any:
        value: Any = self.rec
        for i, key in enumerate(keys):
            if not isinstance(value, dict) or value.get(key) is None:
                where = ".".join(keys[: i + 1])
                raise MissingFigure(f"{self.source}: the figure {where} is missing; {REMAKE}")
            value = value[key]
        return value

    def num(self, *keys: str) -> float:
        value = self.get(*keys)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise MissingFigure(f"{self.source}: {'.'.join(keys)} is not a number; {REMAKE}")
        return float(value)

    def change(self, name: str, metric: str = "shootings") -> tuple[float, float, float]:
        """A paired change and its 95 % interval."""
        at = ("scenarios", name, "change", metric)
        return self.num(*at, "pct"), self.num(*at, "low"), self.num(*at, "high")

    def window(self, name: str, window: str) -> tuple[float, float, float, int]:
        """A window's change, its interval and its length in days."""
        w = ("scenarios", name, "windows", window)
        days = int(self.num(*w, "end_day") - self.num(*w, "start_day"))
        return self.num(*w, "pct"), self.num(*w, "low"), self.num(*w, "high"), days

    def runs(self, name: str) -> tuple[float, float, float]:
        """The 5th percentile, median and 95th percentile of the single runs' changes."""
        at = ("scenarios", name, "runs")
        return self.num(*at, "p05"), self.num(*at, "median"), self.num(*at, "p95")


# --- numbers in words -------------------------------------------------------------------

MINUS = "−"
SPELLED = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def _signed(x: float, decimals: int) -> str:
    text = f"{x:+.{decimals}f}"
    if float(text) == 0:
        text = text[1:]  # no sign on a zero
    return text.replace("-", MINUS)


def _sig_decimals(x: float, digits: int = 2) -> int:
    """Decimals that show ``x`` to ``digits`` significant digits (none for large x)."""
    if x == 0:
        return 0
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(x))))
    rounded = round(x, decimals)
    if rounded and decimals and abs(rounded) >= 10 ** (digits - decimals):
        decimals -= 1  # 9.96 -> 10, not 10.0
    return decimals


def pct(x: float, decimals: int = 1) -> str:
    """``−25.7 %``, ``+18.5 %``."""
    return f"{_signed(x, decimals)} %"


def num(x: float, decimals: int = 1) -> str:
    """``−29.0``, ``+12.7``: a signed bound of an interval."""
    return _signed(x, decimals)


def sig(x: float, digits: int = 2) -> str:
    """Signed, to two significant digits: ``−28``, ``−4.5``, ``+2.8``."""
    return _signed(x, _sig_decimals(x, digits))


def sig_plain(x: float, digits: int = 2) -> str:
    """Unsigned, to two significant digits: ``7.5``, ``81``."""
    return f"{x:.{_sig_decimals(x, digits)}f}"


def plain(x: float, decimals: int = 0) -> str:
    """Unsigned: ``40``, ``0.86``."""
    return f"{x:.{decimals}f}"


def count_words(n: int) -> str:
    """One to nine spelled out, larger numbers in digits."""
    return SPELLED[n] if 0 < n < len(SPELLED) else str(n)


def months(days: int) -> str:
    """``12 months``, ``six months``."""
    n = max(1, round(days / DAYS_PER_MONTH))
    return f"{count_words(n)} month{'s' if n > 1 else ''}"


def span(days: int) -> str:
    """``two years``; in months when not whole years."""
    if days >= DAYS_PER_YEAR and days % DAYS_PER_YEAR == 0:
        years = days // DAYS_PER_YEAR
        return f"{count_words(years)} year{'s' if years > 1 else ''}"
    return months(days)


def times(ratio: float, decimals: int = 1) -> str:
    return f"{ratio:.{decimals}f} times"


def direction(change: float, down: str = "down", up: str = "up") -> str:
    return down if change < 0 else up


# --- the paragraphs ---------------------------------------------------------------------


def _per_year(f: Figures, name: str, metric: str) -> str:
    return plain(f.num("scenarios", name, "per_year", metric))


def _arrests_vs_gvi(f: Figures) -> float:
    return f.num("scenarios", "crackdown", "total", "arrests") / f.num(
        "scenarios", "gvi", "total", "arrests"
    )


def _post_days(f: Figures) -> int:
    return int(f.num("days", "end") - f.num("days", "rollout"))


def readme_demo(f: Figures) -> str:
    """README, "Published patterns and effects": the comparison with the ensemble."""
    n = int(f.num("replicates"))
    ranges = []
    for k, name in enumerate(("gvi", "deterrence_only", "support_only", "crackdown")):
        est, low, high = f.change(name)
        p05, _, p95 = f.runs(name)
        single = "single runs " if k == 0 else ""
        ranges.append(
            f"`{name}` {pct(est)} ({num(low)} to {num(high)}; "
            f"{single}{pct(p05, 0)} to {pct(p95, 0)})"
        )
    trust = f.num("scenarios", "crackdown", "change", "mean_legitimacy", "pct")
    ranges[-1] += (
        f" with {times(_arrests_vs_gvi(f))} the arrests of `gvi` "
        f"({plain(f.num('scenarios', 'crackdown', 'total', 'arrests'))} against "
        f"{plain(f.num('scenarios', 'gvi', 'total', 'arrests'))} over "
        f"{span(_post_days(f))}) and trust {direction(trust)} {plain(abs(trust))} %"
    )
    lapse = f.num("scenarios", "gvi_lapse", "change", "shootings", "pct")
    before, _, _, d_before = f.window("gvi_lapse", "before_lapse")
    after, _, _, d_after = f.window("gvi_lapse", "after_lapse")
    lapse_last, _, _, d_last = f.window("gvi_lapse", "last")
    gvi_last = f.window("gvi", "last")[0]
    model = f.num("scenarios", "gvi", "spread", "model_share")
    chance = f.num("scenarios", "gvi", "spread", "chance_share")
    chance_low = f.num("scenarios", "gvi", "spread", "chance_share_low")
    chance_high = f.num("scenarios", "gvi", "spread", "chance_share_high")
    repeated = int(f.num("scenarios", "gvi", "spread", "sets_repeated"))
    crack_model = f.num("scenarios", "crackdown", "spread", "model_share")
    arrests_vs_bau = 1 + f.num("scenarios", "gvi", "change", "arrests", "pct") / 100
    return (
        f"`{f.get('command')}` (the `make demo` command; post-period paired change in "
        "shootings vs baseline, with the shipped posterior ensemble — a preliminary "
        "calibration, docs/calibration.md — so each replicate runs its own set of "
        f"assumptions). The 95 % bootstrap interval is for the average over the {n} runs; "
        "the range of single runs (5th–95th percentile) shows how far the effect differs "
        f"between plausible versions of the model: {'; '.join(ranges)}; `gvi_lapse` "
        f"{pct(lapse)} over {span(_post_days(f))}: {pct(before, 0)} in the {months(d_before)} "
        f"before the lapse, {pct(after, 0)} in the {months(d_after)} after it and "
        f"{pct(lapse_last, 0)} in its last {months(d_last)}, while `gvi` goes on to "
        f"{pct(gvi_last, 0)}. Of the spread of `gvi`'s single-run effects, "
        f"{plain(100 * model)} % comes from the sets of assumptions and "
        f"{plain(100 * chance)} % from chance ({plain(100 * crack_model)} % for `crackdown`)"
        " — a rough split: chance is estimated from the runs of the "
        f"{repeated} sets drawn more than once, and its share's 95 % interval runs from "
        f"{plain(100 * chance_low)} % to {plain(100 * chance_high)} %. `gvi` notifies "
        f"{_per_year(f, 'gvi', 'notifications')} people a year, starts "
        f"{_per_year(f, 'gvi', 'enforcement_actions')} group enforcement operations a year "
        f"that make {_per_year(f, 'gvi', 'enforcement_arrests')} arrests a year "
        f"({times(arrests_vs_bau)} business as usual's arrests in all), leaves "
        f"{_per_year(f, 'gvi', 'unanswered_violence')} acts of violence by groups on notice "
        "a year unanswered, and keeps credibility at "
        f"{plain(f.num('scenarios', 'gvi', 'mean', 'credibility'), 2)}."
    )


def readme_demo_fixed(f: Figures) -> str:
    """README: the same comparison with the fixed defaults."""
    gvi, gvi_low, gvi_high = f.change("gvi")
    crack, crack_low, crack_high = f.change("crackdown")
    before = f.window("gvi_lapse", "before_lapse")[0]
    after = f.window("gvi_lapse", "after_lapse")[0]
    arrests_vs_bau = 1 + f.num("scenarios", "gvi", "change", "arrests", "pct") / 100
    return (
        "With the fixed defaults (`--fixed-parameters`, intervals covering chance only): "
        f"`gvi` {pct(gvi)} ({num(gvi_low)} to {num(gvi_high)}), `deterrence_only` "
        f"{pct(f.change('deterrence_only')[0])}, `support_only` "
        f"{pct(f.change('support_only')[0])}, `crackdown` {pct(crack)} ({num(crack_low)} to "
        f"{num(crack_high)}), `gvi_lapse` {pct(before, 0)} before and {pct(after, 0)} after "
        f"the lapse; `gvi` makes {times(arrests_vs_bau)} business as usual's arrests and "
        f"keeps credibility at {plain(f.num('scenarios', 'gvi', 'mean', 'credibility'), 2)}."
    )


def _cuts(change: float) -> str:
    if change < 0:
        return f"cuts shootings by {plain(-change, 1)} %"
    return f"raises shootings by {plain(change, 1)} %"


def odd_demo(f: Figures) -> str:
    """docs/ODD.md section 8: the `gvi` effect with the ensemble."""
    p05, _, p95 = f.runs("gvi")
    return (
        f"With the ensemble, `gvi` {_cuts(f.change('gvi')[0])} on average over "
        f"{int(f.num('replicates'))} runs (`make demo`), single runs ranging from "
        f"{pct(p05, 0)} to {pct(p95, 0)} (README)."
    )


def odd_demo_fixed(f: Figures) -> str:
    """docs/ODD.md section 8: the effects with the fixed defaults (two significant
    digits)."""
    gvi, gvi_low, gvi_high = f.change("gvi")
    crack, crack_low, crack_high = f.change("crackdown")
    trust = f.num("scenarios", "crackdown", "change", "mean_legitimacy", "pct")
    before, _, _, d_before = f.window("gvi_lapse", "before_lapse")
    after, after_low, after_high, d_after = f.window("gvi_lapse", "after_lapse")
    gvi_last, _, _, d_last = f.window("gvi", "last")
    return (
        f"Effects over {int(f.num('replicates'))} paired replicates (post-period shootings "
        "against the baseline, 95 % bootstrap interval over replicates of one parameter "
        f"set, so chance only): `gvi` {sig(gvi)} % ({sig(gvi_low)} to {sig(gvi_high)}), "
        f"`deterrence_only` {sig(f.change('deterrence_only')[0])} %, `support_only` "
        f"{sig(f.change('support_only')[0])} %, `crackdown` {sig(crack)} % ({sig(crack_low)} "
        f"to {sig(crack_high)}) with {sig_plain(_arrests_vs_gvi(f))} times the arrests "
        f"of `gvi` and trust {direction(trust)} {sig_plain(abs(trust))} %; "
        f"`gvi_lapse`: {sig(before)} % in the {months(d_before)} before the lapse, "
        f"{sig(after)} % ({sig(after_low)} to {sig(after_high)}) in the {months(d_after)} "
        f"after it, while `gvi` goes on to about {sig(gvi_last)} % in its last "
        f"{months(d_last)}."
    )


def odd_demo_fixed_enforcement(f: Figures) -> str:
    """docs/ODD.md section 8, the calibration of credibility: `gvi`'s operations,
    unanswered violence and credibility with the fixed defaults."""
    return (
        f"Now (`make demo`'s comparison with `--fixed-parameters`, "
        f"{int(f.num('replicates'))} replicates) `gvi` starts about "
        f"{_per_year(f, 'gvi', 'enforcement_actions')} operations a year, about "
        f"{_per_year(f, 'gvi', 'unanswered_violence')} acts of violence a year go unanswered "
        "(`unanswered_violence`), and credibility averages "
        f"{plain(f.num('scenarios', 'gvi', 'mean', 'credibility'), 2)} over the post-period."
    )


def calibration_demo(f: Figures) -> str:
    """docs/calibration.md, "The `gvi` effect across the ensemble"."""
    est, low, high = f.change("gvi")
    return (
        f"`{f.get('command')}` (root seed {int(f.num('root_seed'))}): `gvi` "
        f"**{pct(est)}** ({num(low)} to {num(high)})."
    )


def calibration_demo_runs(f: Figures) -> str:
    """docs/calibration.md, "What the intervals cover": the average against single runs."""
    est, low, high = f.change("gvi")
    p05, median, p95 = f.runs("gvi")
    return (
        f"At {int(f.num('replicates'))} replicates with the shipped ensemble, `gvi`'s "
        f"average is {pct(est)} ({num(low)} to {num(high)}) while single runs range from "
        f"{pct(p05, 0)} to {pct(p95, 0)} (5th to 95th percentile; median {pct(median, 0)}; "
        "README)."
    )


# --- the blocks in the docs -------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """A generated paragraph: its name (in its markers), its doc, its record and how it
    is written."""

    name: str
    doc: str  # path from the repository's root
    source: Path
    render: Callable[[Figures], str]

    @property
    def begin(self) -> str:
        return f"<!-- {self.name}:begin (generated: python -m gvi.docs) -->"

    @property
    def end(self) -> str:
        return f"<!-- {self.name}:end -->"


README = "README.md"
ODD = "docs/ODD.md"
CALIBRATION = "docs/calibration.md"
BLOCKS = (
    Block("demo-effects", README, DEMO, readme_demo),
    Block("demo-fixed-effects", README, DEMO_FIXED, readme_demo_fixed),
    Block("demo-ensemble-gvi", ODD, DEMO, odd_demo),
    Block("demo-fixed-odd", ODD, DEMO_FIXED, odd_demo_fixed),
    Block("demo-fixed-enforcement", ODD, DEMO_FIXED, odd_demo_fixed_enforcement),
    Block("demo-gvi", CALIBRATION, DEMO, calibration_demo),
    Block("demo-gvi-runs", CALIBRATION, DEMO, calibration_demo_runs),
)
WIDTH = 88  # the docs' line length
_STARTS_A_BLOCK = re.compile(r"([-+*]|#{1,6}|>.*|\d{1,9}[.)]|=+|-+|`{3,}.*|~{3,}.*|<.*)")


# a word: code spans are not broken, and a number keeps its " %"
_WORD = re.compile(r"(?:`[^`]*`|[^\s`])+(?: %[^\s`]*)?")


def wrap(text: str, indent: str = "", width: int = WIDTH) -> str:
    """``text`` in lines of at most ``width`` characters (a longer word stands alone; a
    code span, and a number with its " %", count as one word), none of which starts with what Markdown would read as
    the start of a list, heading, quote, fence or HTML: such a word takes the word before
    it along."""
    lines: list[list[str]] = []
    for word in _WORD.findall(text):
        if lines and len(indent) + len(" ".join([*lines[-1], word])) <= width:
            lines[-1].append(word)
        else:
            lines.append([word])
    for i in range(1, len(lines)):
        while _STARTS_A_BLOCK.fullmatch(lines[i][0]) and len(lines[i - 1]) > 1:
            lines[i].insert(0, lines[i - 1].pop())
    return "\n".join(indent + " ".join(line) for line in lines)


def render(block: Block, rec: dict[str, Any] | None = None, indent: str = "") -> str:
    """The block's paragraph from ``rec`` (default: its stored record), wrapped."""
    data = load(block.source) if rec is None else rec
    return wrap(block.render(Figures(data, block.source.name)), indent)


def splice_demo(text: str, doc: str, records: dict[Path, dict[str, Any]] | None = None) -> str:
    """``text`` (of ``doc``, a path from the root) with each of its blocks between its
    markers rewritten; every block of ``doc`` must be there once."""
    for block in BLOCKS:
        if block.doc != doc:
            continue
        if text.count(block.begin) != 1 or text.count(block.end) != 1:
            raise ValueError(f"{doc} must hold {block.begin} ... {block.end} once")
        start = text.index(block.begin)
        end = text.index(block.end)
        line_start = text.rfind("\n", 0, start) + 1
        indent = text[line_start:start]
        if indent.strip():
            raise ValueError(f"{doc}: {block.begin} must begin its line")
        rec = None if records is None else records[block.source]
        body = render(block, rec, indent)
        text = text[: start + len(block.begin)] + "\n" + body + "\n" + indent + text[end:]
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m gvi.demofigures",
        description="Record the figures the docs give of make demo's comparison from its "
        f"result folder, into docs/calibration/shipped/{DEMO.name} (with the ensemble) or "
        f"{DEMO_FIXED.name} (--fixed-parameters); then python -m gvi.docs writes the docs.",
    )
    parser.add_argument("folder", help="a result folder of gvi compare")
    parser.add_argument("out", nargs="?", help="the record (default: by the comparison)")
    args = parser.parse_args(argv)
    path = write_record(args.folder, args.out)
    print(f"wrote {path}; now python -m gvi.docs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
