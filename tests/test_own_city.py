"""Every scenario is compared with business as usual of its own city.

The README's "my own city" recipe, the shipped `orebro` preset and a named baseline of
another city: the first two get their own twin, the last is refused in one line.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from experiments import compare
from experiments.comparison import MEANINGFUL_REPLICATES, plan
from gvi.cli import main
from model.metrics import METRIC_NAMES
from scenarios import load_scenario, parameters

SHORT = {"time.warmup_days": 60, "time.rollout_day": 120, "time.horizon_days": 300}


def short(name: str, **more):
    return load_scenario(name).with_updates({**SHORT, **more})


def my_city(tmp_path: Path) -> Path:
    """The README recipe: a file that extends gvi in a city of 15 groups."""
    path = tmp_path / "my_city.toml"
    path.write_text(
        'name = "my_city"\ndescription = "Our city"\nextends = "gvi"\n\n'
        "[city]\nn_groups = 15\n\n[callins]\ninterval_days = 60\n",
        encoding="utf-8",
    )
    return path


def test_a_rollout_alone_is_compared_with_its_own_twin(tmp_path: Path) -> None:
    scs, files, twin = plan([str(my_city(tmp_path))])
    base, mine = scs
    assert twin and files[0] is None
    assert base.name == "my_city-baseline" and not base.intervention
    assert base.city.n_groups == 15 and base.city_differences(mine) == []
    assert base.callins.interval_days == 60  # only the policy switches differ


def test_a_baseline_of_another_city_is_refused_naming_the_keys(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"my_city is not the same city as baseline") as info:
        plan(["baseline", str(my_city(tmp_path))])
    assert "city.n_groups" in str(info.value)
    assert "gvi compare my_city" in str(info.value)
    with pytest.raises(ValueError, match="city.group_size_mean") as info:
        plan(["baseline", "gvi", "orebro"])
    assert "orebro_baseline" in str(info.value)  # the matching preset is suggested
    with pytest.raises(ValueError, match="compare each city on its own"):
        plan(["gvi", "orebro"])


def test_cli_refuses_the_wrong_pairing_in_one_line(tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    code = main(["compare", "baseline", str(my_city(tmp_path)), "--replicates", "2"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "city.n_groups" in err[0]
    assert not out.exists()


def test_orebro_has_its_own_business_as_usual() -> None:
    orebro, home = load_scenario("orebro"), load_scenario("orebro_baseline")
    assert not home.intervention and orebro.intervention
    assert home.city_differences(orebro) == []
    assert load_scenario("baseline").city_differences(orebro)  # not the default city
    scs, _, _ = plan(["orebro_baseline", "orebro"])
    assert [s.name for s in scs] == ["orebro_baseline", "orebro"]


def test_named_baseline_of_the_same_city_is_kept() -> None:
    scs, files, twin = plan(["baseline", "gvi", "crackdown"])
    assert [s.name for s in scs] == ["baseline", "gvi", "crackdown"] and not twin
    with pytest.raises(ValueError, match="no policy switched on"):
        plan(["baseline"])


def test_twin_comparison_equals_the_matching_named_baseline() -> None:
    """The twin of a rollout and a named business-as-usual preset of the same city give
    the same baseline runs (same city, calendar and seeds)."""
    by_twin = compare([short("gvi")], replicates=2, seed=5, workers=1)
    by_name = compare([short("baseline"), short("gvi")], replicates=2, seed=5, workers=1)
    assert by_twin.baseline_is_twin and not by_name.baseline_is_twin
    a = by_twin.runs[by_twin.runs["scenario"] == by_twin.baseline]
    b = by_name.runs[by_name.runs["scenario"] == "baseline"]
    for m in METRIC_NAMES:
        np.testing.assert_array_equal(a[m].to_numpy(), b[m].to_numpy())
    pd_eff = by_twin.effects.query("scenario == 'gvi' and metric == 'shootings'")
    nm_eff = by_name.effects.query("scenario == 'gvi' and metric == 'shootings'")
    assert pd_eff["change_pct"].iloc[0] == nm_eff["change_pct"].iloc[0]
    assert by_twin.same_city
    cities = by_twin.cities.set_index("scenario")
    assert cities.loc["gvi", "groups"] == 32 and cities.loc["gvi", "members"] > 100


def test_a_wrong_pairing_would_have_been_a_different_number(tmp_path: Path, run) -> None:
    """Why the refusal matters: against the default city a 15-group rollout shows a
    far larger cut than against its own twin (the issue measured −65 % vs −26 %)."""
    mine = load_scenario(my_city(tmp_path)).with_updates(SHORT)
    own = compare([mine], replicates=4, seed=2, workers=1)
    shots = own.effects.query("scenario == 'my_city' and metric == 'shootings'")
    wrong_base = short("baseline")
    base_total = sum(
        run(wrong_base.with_updates({"name": "x"}), seed=s).daily_metrics()["shootings"].sum()
        for s in range(2)
    )
    mine_total = own.runs.query("scenario == 'my_city'")["shootings"].sum() / 2
    assert mine_total < 0.7 * base_total  # the 32-group city is far more violent
    assert shots["change_pct"].iloc[0] > -60  # its own comparison is not that large


def test_every_parameter_outside_the_city_leaves_business_as_usual_unchanged(tiny, run) -> None:
    """The city declaration is complete: a parameter not declared part of the city
    (and so allowed to differ between a scenario and its baseline) must not change a
    business-as-usual run at all."""
    base = tiny("baseline", {"time.horizon_days": 240})
    ref = run(base, seed=3).daily_metrics()
    checked = 0
    for spec in parameters():
        if spec.city or spec.path.endswith(".enabled"):
            continue  # policy switches turn a scenario into a rollout
        if spec.type not in ("int", "float"):
            continue
        current = getattr(getattr(base, spec.section), spec.name)
        lo, hi = spec.bounds or (spec.ge, spec.le)
        value = hi if current != hi else lo
        if spec.path == "partnership.lapse_day":
            value = 10
        if value is None:
            continue
        changed = base.with_updates({spec.path: type(current or 0)(value)})
        other = run(changed, seed=3).daily_metrics()
        assert ref.equals(other), f"{spec.path} changes business as usual but is not a city key"
        checked += 1
    assert checked > 60


def test_report_says_same_city_only_when_true_and_warns_on_few_runs(tmp_path: Path) -> None:
    c = compare(
        [short("gvi_lapse", **{"partnership.lapse_day": 90})],
        replicates=3,
        seed=1,
        workers=1,
        ensemble=None,
    )
    html = c.report(tmp_path / "r.html").read_text(encoding="utf-8")
    assert "business as usual in the same city" in html and "NOT the same city" not in html
    assert "each compared with the same city" in html
    assert "cover chance only" in html
    assert f"with fewer than {MEANINGFUL_REPLICATES} the intervals are not" in html
    assert "GVI that lapses after 12 months" in html  # the title, not gvi_lapse
    assert "months before the partnership lapses" in html
    assert "Root seed entropy" not in html and "Random seed" in html
    sv = c.report(tmp_path / "s.html", lang="sv").read_text(encoding="utf-8")
    assert "i samma stad" in sv and "GVI som tappar fokus" in sv and "täcker bara slumpen" in sv
    # a folder from before the check, holding two cities, must not claim one city
    other = c.scenarios[1].with_updates({"city.n_groups": 9})
    c.scenarios[1] = other
    assert not c.same_city
    html = c.report(tmp_path / "x.html").read_text(encoding="utf-8")
    assert "business as usual in the same city" not in html and "NOT the same city" in html
    assert "each compared with the same city" not in html


def test_power_of_an_evaluation_is_in_the_report_and_json(tmp_path: Path) -> None:
    c = compare([short("gvi")], replicates=4, seed=3, workers=1)
    p = c.power.set_index("scenario")
    assert set(p.index) == {"gvi-baseline", "gvi"} and (p["replicates"] == 4).all()
    assert 0 <= p.loc["gvi", "power"] <= 1
    j = c.to_json()
    assert {e["scenario"] for e in j["evaluation_power"]} == {"gvi-baseline", "gvi"}
    assert j["same_city"] and j["baseline_is_twin"]
    en = c.report(tmp_path / "r.html").read_text(encoding="utf-8")
    sv = c.report(tmp_path / "s.html", lang="sv").read_text(encoding="utf-8")
    assert "Would an evaluation see it?" in en and "conditional Poisson test" in en
    assert "Skulle en utvärdering se det?" in sv and "villkorligt Poissontest" in sv
