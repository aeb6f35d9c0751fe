"""Comparisons with a posterior ensemble (``compare(..., ensemble=...)``, ``gvi compare
--ensemble``): paired draws, reproducible seeds, refusals, and what the report says."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cityhelpers import make_tiny, tiny_toml

from experiments import Task, compare, ensemble, run_task
from experiments.comparison import Comparison
from experiments.effects import variance_split
from experiments.version import model_identity
from gvi.cli import main
from gvi.report import render_report

DATA = Path(__file__).parent / "data" / "ensemble"
SENS = "deterrence.sensitivity"  # calibrated, and not a setting of the city
REPLICATES = 8


def _current(folder: Path, sets: pd.DataFrame | None = None) -> Path:
    """The test ensemble, its provenance naming this model version (as a fresh
    calibration's would), with ``sets`` in place of its own when given."""
    ens = ensemble.load(DATA)
    provenance = {**ens.provenance, "model": model_identity()}
    return ensemble.write(folder, ens.sets if sets is None else sets, provenance)


@pytest.fixture(scope="module")
def ens_dir(tmp_path_factory) -> Path:
    return _current(tmp_path_factory.mktemp("ensemble"))


@pytest.fixture(scope="module")
def pair():
    return [make_tiny("baseline"), make_tiny("gvi")]


@pytest.fixture(scope="module")
def with_ensemble(ens_dir, pair) -> Comparison:
    return compare(pair, replicates=REPLICATES, seed=5, workers=1, ensemble=ens_dir)


def test_every_scenario_of_a_replicate_runs_the_same_set_and_seed(with_ensemble, ens_dir):
    c = with_ensemble
    per_run = c.runs.groupby(["replicate", "scenario"])[["parameter_set", "seed"]].first()
    per_rep = per_run.groupby(level="replicate").nunique()
    assert (per_rep == 1).all().all()  # one set and one seed per replicate
    drawn = c.manifest["ensemble"]["draws"]
    assert per_run.xs(c.baseline, level="scenario")["parameter_set"].tolist() == drawn
    assert len(set(drawn)) > 1  # the replicates do draw different sets
    # a run is exactly the scenario with its set's parameters and the replicate's seed
    ens = ensemble.load(ens_dir)
    params = dict(zip(ens.sets["set"], ens.parameter_sets(), strict=True))
    r = 3
    again = run_task(Task(make_tiny("gvi").with_updates(params[drawn[r]]), r, c.root_entropy))
    mine = c.runs[(c.runs["scenario"] == "tiny-gvi") & (c.runs["replicate"] == r)]
    np.testing.assert_array_equal(mine["shootings"].to_numpy(), again.daily["shootings"])
    # common random numbers: the same city in both scenarios of a replicate
    pre = c.runs[c.runs["day"] < c.days["rollout"]]
    wide = pre.pivot_table(index=["replicate", "day"], columns="scenario", values="shootings")
    np.testing.assert_array_equal(wide["tiny-gvi"].to_numpy(), wide["tiny-baseline"].to_numpy())


def test_draws_follow_the_seed_not_the_workers(with_ensemble, ens_dir, pair):
    ens = ensemble.load(ens_dir)
    entropy = with_ensemble.root_entropy
    first = ensemble.draws(ens, REPLICATES, entropy)
    assert first.tolist() == ensemble.draws(ens, REPLICATES, entropy).tolist()
    assert first.tolist() == with_ensemble.manifest["ensemble"]["draws"]
    assert (
        ensemble.draws(ens, 50, entropy + 1).tolist() != ensemble.draws(ens, 50, entropy).tolist()
    )
    many = ensemble.draws(ens, 20000, 1)  # by weight
    share = pd.Series(many).value_counts(normalize=True).reindex(ens.sets["set"]).to_numpy()
    np.testing.assert_allclose(share, ens.weights, atol=0.015)
    # two workers, and the ensemble given as a loaded object: the same comparison
    two = compare(pair, replicates=REPLICATES, seed=5, workers=2, ensemble=ens)
    assert two.runs.equals(with_ensemble.runs)
    assert two.effects.equals(with_ensemble.effects)
    assert two.manifest["ensemble"]["sha256"] == with_ensemble.manifest["ensemble"]["sha256"]


def test_report_and_json_state_what_the_intervals_cover(with_ensemble, pair):
    c = with_ensemble
    english, swedish = render_report(c, lang="en"), render_report(c, lang="sv")
    assert "cover model uncertainty and chance" in english and "cover chance only" not in english
    assert "law of total variance" in english
    assert "from the sets of assumptions (model uncertainty)" in english
    assert "täcker modellosäkerhet och slump" in swedish and "lagen om total varians" in swedish
    split = c.spread.iloc[0]
    assert split.scenario == "tiny-gvi" and split.sets_repeated >= 1
    assert split.model_share + split.chance_share == pytest.approx(1.0)
    data = c.to_json()
    assert data["intervals_cover"].startswith("model uncertainty and chance")
    assert data["spread"][0]["scenario"] == "tiny-gvi"
    fixed = compare(pair, replicates=3, seed=5, workers=1, ensemble=None)
    html = render_report(fixed, lang="en")
    assert "cover chance only" in html and "law of total variance" not in html
    assert fixed.spread is None and "parameter_set" not in fixed.runs.columns
    assert "ensemble" not in fixed.manifest
    assert fixed.to_json()["intervals_cover"].startswith("chance only")


def test_saved_folder_reads_back_with_its_draws(with_ensemble, tmp_path):
    with_ensemble.save(tmp_path / "out")
    back = Comparison.load(tmp_path / "out")
    assert back.ensemble == json.loads(json.dumps(with_ensemble.ensemble))
    pd.testing.assert_frame_equal(back.spread, with_ensemble.spread)
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    manifest["ensemble"]["draws"] = manifest["ensemble"]["draws"][:-1]
    (tmp_path / "out" / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ValueError, match="ensemble.draws"):
        Comparison.load(tmp_path / "out")


def _files(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "b.toml").write_text(tiny_toml("baseline", "tb"))
    (tmp_path / "g.toml").write_text(tiny_toml("gvi", "tg"))
    return tmp_path / "b.toml", tmp_path / "g.toml"


def test_cli_prints_what_the_intervals_cover_and_the_split(ens_dir, tmp_path, capsys):
    b, g = _files(tmp_path)
    args = ["compare", str(b), str(g), "--replicates", "12", "--workers", "1"]
    assert main([*args, "--ensemble", str(ens_dir), "--out", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    assert "cover model uncertainty and chance" in out and "law of total variance" in out
    assert main([*args, "--fixed-parameters", "--out", str(tmp_path / "fixed")]) == 0
    out = capsys.readouterr().out
    assert "cover chance only" in out and "law of total variance" not in out


def test_the_shipped_ensemble_is_the_default(ens_dir, tmp_path, monkeypatch, capsys, pair):
    b, g = _files(tmp_path)
    args = ["compare", str(b), str(g), "--replicates", "4", "--workers", "1"]
    monkeypatch.setattr(ensemble, "SHIPPED", tmp_path / "none")  # none shipped: fixed
    assert main([*args, "--out", str(tmp_path / "a")]) == 0
    assert "cover chance only" in capsys.readouterr().out
    monkeypatch.setattr(ensemble, "SHIPPED", Path(ens_dir))
    assert main([*args, "--out", str(tmp_path / "b")]) == 0
    assert "cover model uncertainty and chance" in capsys.readouterr().out
    shipped = compare(pair, replicates=4, seed=5, workers=1)
    given = compare(pair, replicates=4, seed=5, workers=1, ensemble=ens_dir)
    assert shipped.manifest["ensemble"]["folder"] == "shipped with gvi-sim"
    assert shipped.runs.equals(given.runs)
    fixed = compare(pair, replicates=4, seed=5, workers=1, ensemble=None)
    assert "ensemble" not in fixed.manifest and not fixed.runs.equals(given.runs)
    with pytest.raises(SystemExit) as stop:  # one or the other
        main([*args, "--ensemble", str(ens_dir), "--fixed-parameters"])
    assert stop.value.code == 2


def test_a_parameter_every_scenario_sets_is_kept_not_drawn(ens_dir, tmp_path, capsys):
    _files(tmp_path)
    own = tmp_path / "own.toml"  # sets a calibrated parameter for its city and its twin
    own.write_text('name = "own"\nextends = "g.toml"\n[violence]\nretaliation_branching = 0.5\n')
    c = compare([str(own)], replicates=3, seed=5, workers=1, ensemble=ens_dir)
    assert c.manifest["ensemble"]["kept"] == {"violence.retaliation_branching": 0.5}
    assert "violence.retaliation_branching" not in c.manifest["ensemble"]["parameters"]
    html = render_report(c, lang="en")
    assert "not drawn from the ensemble: violence.retaliation_branching = 0.5" in html
    assert main(["compare", str(own), "--replicates", "2", "--workers", "1", "--ensemble",
                 str(ens_dir), "--out", str(tmp_path / "o")]) == 0  # fmt: skip
    assert "violence.retaliation_branching = 0.5" in capsys.readouterr().out


def _refused(args: list[str], capsys) -> str:
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


def test_conflicting_ensembles_are_refused_with_one_line(ens_dir, tmp_path, capsys):
    b, g = _files(tmp_path)
    own = tmp_path / "own.toml"  # sets a calibrated parameter that g.toml does not
    own.write_text('name = "own"\nextends = "g.toml"\n[deterrence]\nsensitivity = 0.5\n')
    wider = _current(tmp_path / "wider", ensemble.load(DATA).sets.assign(**{SENS: 0.6}))
    out = tmp_path / "never"
    common = ["--replicates", "2", "--workers", "1", "--out", str(out)]
    line = _refused(["compare", str(g), str(own), "--ensemble", str(wider), *common], capsys)
    assert str(own) in line and SENS in line
    assert "not every compared scenario holds the same value" in line
    # made for another version of the model (the test data's own provenance)
    line = _refused(["compare", str(b), str(g), "--ensemble", str(DATA), *common], capsys)
    assert "calibrate again" in line and "model_code" in line
    line = _refused(["compare", str(b), str(g), "--ensemble", str(tmp_path), *common], capsys)
    assert "no ensemble.csv" in line
    # a plan lever in the ensemble
    sets = ensemble.load(DATA).sets.assign(**{"enforcement.fidelity": 0.5})
    lever = _current(tmp_path / "lever", sets)
    line = _refused(["compare", str(b), str(g), "--ensemble", str(lever), *common], capsys)
    assert "enforcement.fidelity is a plan lever" in line
    assert not out.exists()
    # scenario objects that set the parameter differently (one not at its default)
    changed = make_tiny("gvi", {SENS: 0.5, "name": "tiny-gvi-changed"})
    with pytest.raises(ensemble.EnsembleConflict, match="not every compared scenario"):
        compare([make_tiny("gvi", {}), changed], replicates=2, workers=1, ensemble=wider)


def test_variance_split_separates_sets_from_chance():
    rng = np.random.default_rng(0)
    reps = np.arange(60)
    sets = pd.Series(reps % 6, index=reps)
    base = np.full(60, 100.0)

    def values(effect: np.ndarray) -> pd.DataFrame:
        rows = [("b", r, "shootings", base[r]) for r in reps]
        rows += [("g", r, "shootings", 100.0 + effect[r]) for r in reps]
        return pd.DataFrame(rows, columns=["scenario", "replicate", "metric", "post"])

    between = np.array([-40, -30, -20, -10, 0, 10], dtype=float)[reps % 6]
    mostly_sets = variance_split(
        values(between + rng.normal(0, 1, 60)), sets, baseline="b", scenario="g"
    )
    assert mostly_sets["model_share"] > 0.95
    chance_only = variance_split(values(rng.normal(0, 5, 60)), sets, baseline="b", scenario="g")
    assert chance_only["model_share"] < 0.3 and chance_only["within_df"] == 54
    once = variance_split(values(between), pd.Series(reps, index=reps), baseline="b", scenario="g")
    assert np.isnan(once["model_share"]) and once["sets_repeated"] == 0
    assert np.isnan(once["chance_share_low"]) and np.isnan(once["chance_share_high"])


def test_the_chance_share_comes_with_its_interval_which_narrows_with_repeats():
    """The split's chance part rests on the sets drawn more than once: its 95 % interval
    (chi-square on the within-set degrees of freedom) holds the true share about 95 % of
    the time when, as in ``make demo``, 50 replicates draw from 200 sets; it is wide
    then, and narrow when every set repeats."""
    rng = np.random.default_rng(1)

    def split(draws: np.ndarray) -> dict:
        reps = np.arange(len(draws))
        # set effects and chance of equal variance: the true chance share is 0.5
        effect = rng.normal(0, 2, 200)[draws] + rng.normal(0, 2, len(reps))
        rows = [("b", r, "shootings", 100.0) for r in reps]
        rows += [("g", r, "shootings", 100.0 + effect[r]) for r in reps]
        frame = pd.DataFrame(rows, columns=["scenario", "replicate", "metric", "post"])
        return variance_split(frame, pd.Series(draws, index=reps), baseline="b", scenario="g")

    demo = [split(rng.integers(0, 200, 50)) for _ in range(300)]
    demo = [r for r in demo if r["sets_repeated"]]
    many = [split(np.repeat(np.arange(100), 4)) for _ in range(50)]
    for runs in (demo, many):
        assert all(
            r["chance_share_low"] <= r["chance_share"] <= r["chance_share_high"] for r in runs
        )
    cover = np.mean([r["chance_share_low"] <= 0.5 <= r["chance_share_high"] for r in demo])
    assert cover > 0.9
    width = [
        np.median([r["chance_share_high"] - r["chance_share_low"] for r in x]) for x in (demo, many)
    ]
    assert width[0] > 0.5 and width[1] < 0.25


def test_effect_by_set_pairs_each_sets_runs_on_its_own_seed(ens_dir):
    from experiments.runner import Task
    from experiments.validation import run_record
    from scenarios import load_scenario

    ens = ensemble.load(ens_dir)
    two = ensemble.Ensemble(ens.sets.head(2).assign(weight=[0.5, 0.5]), ens.provenance)
    out = ensemble.effect_by_set(two, "gvi", replicates=1, workers=1)
    assert out["set"].tolist() == two.sets["set"].tolist() and out["weight"].sum() == 1
    gvi = load_scenario("gvi")
    params, seed = two.parameter_sets()[1], int(two.sets["seed"].iloc[1])
    b = run_record(Task(gvi.baseline_twin().with_updates(params), 0, seed))
    t = run_record(Task(gvi.with_updates(params), 0, seed))
    want = 100 * (t.shootings(t.rollout, t.end) / b.shootings(b.rollout, b.end) - 1)
    assert out["change"].iloc[1] == pytest.approx(want)


def test_the_ensembles_note_is_in_the_report_and_the_table(ens_dir, tmp_path, pair, capsys):
    ens = ensemble.load(ens_dir)
    note = {"en": "A preliminary ensemble.", "sv": "En preliminär ensemble."}
    noted = ensemble.write(tmp_path / "noted", ens.sets, {**ens.provenance, "note": note})
    c = compare(pair, replicates=2, seed=5, workers=1, ensemble=noted)
    assert c.manifest["ensemble"]["note"] == note
    html = render_report(c, lang="en")
    assert "A preliminary ensemble." in html
    # the range of single runs, apart from the interval of the average
    spread = c.spread.set_index("scenario").iloc[0]
    assert spread["runs_p05"] <= spread["runs_median"] <= spread["runs_p95"]
    assert "5th to 95th percentile of the runs" in html and "for the average over these" in html
    assert "En preliminär ensemble." in render_report(c, lang="sv")
    b, g = _files(tmp_path)
    args = ["compare", str(b), str(g), "--replicates", "2", "--workers", "1"]
    assert main([*args, "--ensemble", str(noted), "--out", str(tmp_path / "o")]) == 0
    assert "A preliminary ensemble." in capsys.readouterr().out
