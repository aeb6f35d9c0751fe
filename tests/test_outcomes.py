"""Outputs for planners: spillover, equity and harm, costs and time to effect."""

from __future__ import annotations

import json
import math
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments import Comparison, Task, compare, run_task
from experiments.runner import root_entropy
from gvi.report import render_report
from gvi.report.text import EN, SV
from gvi.report.text_outcomes import OUTCOMES_EN
from model import GVIModel
from model.events import EventKind
from scenarios import load_scenario

SHORT = {"time.warmup_days": 60, "time.rollout_day": 100, "time.horizon_days": 300}
NEW_SECTIONS = ("time", "spillover", "equity", "value")


def short(name: str):
    return load_scenario(name).with_updates(SHORT)


@pytest.fixture(scope="module")
def comparison() -> Comparison:
    return compare(
        [short("baseline"), short("gvi")], replicates=4, seed=2, workers=1, ensemble=None
    )


def test_per_group_outcomes_match_the_run_and_its_event_log() -> None:
    task = Task(short("gvi"), 1, root_entropy(5))
    result = run_task(task)
    model = GVIModel(task.scenario, rng=task.seed)
    model.run_model()
    g = result.groups
    assert g is not None
    lo, hi = model.rollout_day, model.end_day
    post = slice(lo - result.warmup_day, hi - result.warmup_day)
    for key, metric in (("shootings", "shootings"), ("arrests", "arrests")):
        total = result.daily[metric][post].sum()
        assert g[key].sum() == total
        # reached + not reached = all shootings
    assert g["shootings"][g["reached"]].sum() + g["shootings"][~g["reached"]].sum() == (
        result.daily["shootings"][post].sum()
    )
    arrests = [e for e in model.log.of_kind(EventKind.ARREST) if lo <= e.day < hi]
    assert g["custody_days"].sum() == pytest.approx(sum(e.value for e in arrests))
    enf = [e for e in model.log.of_kind(EventKind.ENFORCEMENT) if lo <= e.day < hi]
    assert g["enforcement"].sum() == len(enf)
    assert g["reached"].any() and not g["reached"].all()
    np.testing.assert_array_equal(g["reached"], model.comm.on_notice)


def test_baseline_reaches_no_group(comparison: Comparison) -> None:
    groups = comparison.groups
    assert not groups.loc[groups["scenario"] == "baseline", "reached"].any()
    assert groups.loc[groups["scenario"] == "gvi", "reached"].any()


def test_spillover_splits_the_shootings_and_matches_a_hand_computation(
    comparison: Comparison,
) -> None:
    sp = comparison.spillover.set_index("reach")
    assert list(sp.index) == ["reached", "not_reached"]
    runs = comparison.runs
    post = runs[
        (runs["day"] >= comparison.days["rollout"]) & (runs["day"] < comparison.days["end"])
    ]
    per_run = post.groupby("scenario")["shootings"].sum() / comparison.replicates
    assert sp["shootings"].sum() == pytest.approx(per_run["gvi"])
    assert sp["baseline_shootings"].sum() == pytest.approx(per_run["baseline"])
    g = comparison.groups
    mask = g[g["scenario"] == "gvi"].set_index(["replicate", "group"])["reached"]
    base = g[g["scenario"] == "baseline"].set_index(["replicate", "group"])["shootings"]
    own = g[g["scenario"] == "gvi"].set_index(["replicate", "group"])["shootings"]
    expected = 100 * (own[mask].sum() / base[mask].sum() - 1)
    assert sp.loc["reached", "change_pct"] == pytest.approx(expected)
    for r in sp.itertuples():
        if not math.isnan(r.change_pct):
            assert r.ci_low <= r.change_pct <= r.ci_high


def test_harm_totals_match_the_runs(comparison: Comparison) -> None:
    h = comparison.harm.set_index(["scenario", "measure", "stat"])
    runs = comparison.runs
    post = runs[
        (runs["day"] >= comparison.days["rollout"]) & (runs["day"] < comparison.days["end"])
    ]
    arrests = post.groupby("scenario")["arrests"].sum() / comparison.replicates
    for name in comparison.names:
        assert h.loc[(name, "arrests", "total"), "mean"] == pytest.approx(arrests[name])
        for m in ("arrests", "custody_days", "enforcement"):
            assert 0 <= h.loc[(name, m, "share_any"), "mean"] <= 1
            assert h.loc[(name, m, "group_max"), "mean"] >= h.loc[(name, m, "group_mean"), "mean"]
    assert h.loc[("baseline", "enforcement", "total"), "mean"] == 0


def test_ratios_recomputed_by_hand(comparison: Comparison) -> None:
    t = comparison.tradeoffs.set_index("quantity")
    runs = comparison.runs
    post = runs[
        (runs["day"] >= comparison.days["rollout"]) & (runs["day"] < comparison.days["end"])
    ]
    tot = post.groupby("scenario")[["shootings", "cost_sek"]].sum()
    averted = tot.loc["baseline", "shootings"] - tot.loc["gvi", "shootings"]
    extra = tot.loc["gvi", "cost_sek"] - tot.loc["baseline", "cost_sek"]
    n = comparison.replicates
    assert t.loc["shootings_averted", "value"] == pytest.approx(averted / n)
    assert t.loc["extra_cost_sek", "value"] == pytest.approx(extra / n)
    cost = t.loc["cost_per_averted_sek"]
    if t.loc["shootings_averted", "ci_low"] > 0:
        assert cost["value"] == pytest.approx(extra / averted)
        assert cost["ci_low"] <= cost["value"] <= cost["ci_high"]
    else:
        assert math.isnan(cost["value"])
    custody = comparison.groups.groupby("scenario")["custody_days"].sum()
    d = t.loc["extra_custody_days"]
    assert d["value"] == pytest.approx((custody["gvi"] - custody["baseline"]) / n)
    per100 = t.loc["averted_per_100_custody_days"]
    a = t.loc["shootings_averted"]
    if a["ci_low"] <= 0 <= a["ci_high"] or d["ci_low"] <= 0 <= d["ci_high"]:
        assert math.isnan(per100["value"])
    else:
        expected = 100 * averted / (custody["gvi"] - custody["baseline"])
        assert per100["value"] == pytest.approx(expected)


def test_trajectory_and_time_to_effect_are_consistent(comparison: Comparison) -> None:
    tr = comparison.trajectory
    assert list(tr["month"]) == list(range(1, len(tr) + 1))
    assert len(tr) == int(200 // (365.25 / 12))
    first = comparison.time_to_effect.iloc[0]["months"]
    below = tr.loc[tr["ci_high"] < 0, "month"]
    assert (math.isnan(first) and below.empty) or first == below.min()


def test_no_effect_against_an_identical_scenario() -> None:
    base = short("baseline")
    same = base.with_updates({"name": "baseline_copy"})
    c = compare([base, same], replicates=3, seed=4, workers=1)
    assert c.time_to_effect["months"].isna().all()
    assert (c.trajectory["change_pct"].fillna(0) == 0).all()
    t = c.tradeoffs.set_index("quantity")
    assert math.isnan(t.loc["cost_per_averted_sek", "value"])
    assert math.isnan(t.loc["averted_per_100_custody_days", "value"])
    sp = c.spillover.set_index("reach")
    assert sp.loc["not_reached", "change_pct"] == 0 and sp.loc["reached", "groups"] == 0


def test_json_has_the_new_keys_with_intervals(comparison: Comparison) -> None:
    out = json.loads(json.dumps(comparison.to_json()))
    for key in ("spillover", "harm", "tradeoffs", "effect_trajectory"):
        assert out[key], key
        assert all(len(r["ci95"]) == 2 for r in out[key])
    assert {r["reach"] for r in out["spillover"]} == {"reached", "not_reached"}
    assert [r["scenario"] for r in out["time_to_effect"]] == ["gvi"]
    assert out["unit_costs"]["gvi"]["custody_day_sek"] == pytest.approx(3500.0)
    quantities = {r["quantity"] for r in out["tradeoffs"]}
    assert {"cost_per_averted_sek", "averted_per_100_custody_days"} <= quantities


def test_saved_folder_rebuilds_the_new_outputs(comparison: Comparison, tmp_path: Path) -> None:
    out = comparison.save(tmp_path / "cmp")
    assert (out / "groups.parquet").is_file()
    back = Comparison.load(out)
    pd.testing.assert_frame_equal(back.spillover, comparison.spillover)
    pd.testing.assert_frame_equal(back.tradeoffs, comparison.tradeoffs)
    pd.testing.assert_frame_equal(back.time_to_effect, comparison.time_to_effect)
    old = tmp_path / "old"
    shutil.copytree(out, old)
    (old / "groups.parquet").unlink()
    legacy = Comparison.load(old)
    assert legacy.groups is None and legacy.spillover is None and legacy.harm is None
    html = render_report(legacy, lang="sv")
    assert SV["missing_groups"] in html and SV["h_value"] in html


def section_text(html: str, ident: str) -> str:
    m = re.search(f'<section id="{ident}">(.*?)</section>', html, re.S)
    assert m, ident
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", m.group(1)))


@pytest.mark.parametrize("lang", ["en", "sv"])
def test_both_languages_render_the_new_sections(comparison: Comparison, lang: str) -> None:
    html = render_report(comparison, lang=lang)
    t = EN if lang == "en" else SV
    for ident in NEW_SECTIONS:
        assert f'<section id="{ident}">' in html
        assert f'href="#{ident}"' in html
    assert t["h_spillover"] in section_text(html, "spillover")
    assert t["reach_not_reached"] in section_text(html, "spillover")
    assert t["h_unit_costs"] in section_text(html, "value")
    assert (
        'src="data:image/png;base64,' in html.split('<section id="time">')[1].split("</section>")[0]
    )
    if lang == "sv":
        body = " ".join(section_text(html, i) for i in NEW_SECTIONS)
        english = [v.split("{")[0].strip() for v in OUTCOMES_EN.values()]
        found = [e for e in english if len(e) > 6 and e in body]
        assert not found, f"English strings in the Swedish report: {found}"


def test_every_run_row_carries_the_seed_that_reproduces_it(
    comparison: Comparison, tmp_path: Path
) -> None:
    runs, groups = comparison.runs, comparison.groups
    assert list(runs.columns[:4]) == ["scenario", "replicate", "seed", "day"]
    assert list(groups.columns[:4]) == ["scenario", "replicate", "seed", "group"]
    assert set(runs["seed"]) == {comparison.root_entropy} == set(groups["seed"])
    days = comparison.days
    calendar = {"warmup_day": days["warmup"], "rollout_day": days["rollout"]}
    assert runs.attrs == {**calendar, "end_day": days["end"]}
    row = runs[(runs["scenario"] == "gvi") & (runs["replicate"] == 3)]
    seq = np.random.SeedSequence(int(row["seed"].iloc[0]), spawn_key=(3,))
    with GVIModel(short("gvi"), rng=seq) as model:
        model.run_model()
        daily = model.daily_metrics()
    assert daily.attrs == runs.attrs
    again = daily[daily["day"] >= days["warmup"]]
    np.testing.assert_array_equal(again["day"], row["day"])
    np.testing.assert_array_equal(again["shootings"], row["shootings"])
    # a folder written before runs carried the seed gets it on loading
    out = comparison.save(tmp_path / "cmp")
    old = pd.read_parquet(out / "runs.parquet").drop(columns="seed")
    old.to_parquet(out / "runs.parquet", index=False)
    back = Comparison.load(out)
    pd.testing.assert_frame_equal(back.runs, runs, check_dtype=False)
    assert back.runs.attrs == runs.attrs


def test_a_fresh_root_seed_fits_the_seed_column() -> None:
    assert all(0 <= root_entropy(None) < 2**63 for _ in range(20))
    with pytest.raises(ValueError, match="2\\*\\*63"):
        root_entropy(2**63)
