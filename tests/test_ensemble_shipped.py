"""The posterior ensemble shipped with the package (experiments/data/ensemble): that it
belongs to this model code, says where it comes from, and covers the calibrated
parameters of experiments/calibrate_patterns.toml."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np

from experiments import ensemble
from experiments.patterns import Use, patterns_for
from experiments.version import model_code_hash
from scenarios.schema import parameters

CALIBRATION = Path(__file__).resolve().parent.parent / "experiments" / "calibrate_patterns.toml"


def test_the_shipped_ensemble_belongs_to_this_model_code() -> None:
    ens = ensemble.load()
    made = ens.provenance["model"]["model_code"]
    same = ens.provenance.get("same_results_as", [])
    assert model_code_hash() in (made, *same), (
        f"the model code ({model_code_hash()}) is not the one the shipped ensemble was "
        f"calibrated for ({made}): after a refactor or an optimisation, run `python -m "
        "tests.golden --confirm-ensemble` (it records the new code when every golden "
        "output holds); after a change of behaviour, calibrate again (docs/calibration.md)"
    )


def test_the_shipped_ensemble_says_where_it_comes_from() -> None:
    ens = ensemble.load()
    prov = ens.provenance
    spec = tomllib.loads(CALIBRATION.read_text(encoding="utf-8"))
    calibrated = [p["path"] for p in spec["parameters"]]
    assert ens.parameters == calibrated
    assert [p["path"] for p in prov["priors"]] == calibrated
    bounds = {s.path: list(s.sa_bounds or ()) for s in parameters()}
    for prior in prov["priors"]:  # priors are the declared SA bounds
        assert [prior["low"], prior["high"]] == bounds[prior["path"]], prior
    assert [p["key"] for p in prov["patterns"]] == [p.key for p in patterns_for(Use.VALIDATE_MODEL)]
    assert prov["calibration"]["seed"] == spec["seed"] and prov["seed"]["root"] == spec["seed"]
    assert prov["method"].startswith("ABC-SMC") and prov["generations"]
    assert len(ens) >= 100 and np.isclose(ens.weights.sum(), 1.0)
    assert ens.sets["seed"].nunique() == len(ens)
    for path in calibrated:  # every set inside its prior
        low, high = bounds[path]
        assert ens.sets[path].between(low, high).all(), path


def test_the_shipped_ensemble_was_calibrated_against_the_declared_patterns() -> None:
    """Each pattern's range and distance scale in the provenance are the declared ones:
    a pattern re-weighed or re-targeted after the calibration would leave an ensemble
    fitted to other targets than the ones every check reads."""
    prov = ensemble.load().provenance
    declared = {p.key: p for p in patterns_for(Use.VALIDATE_MODEL)}
    for recorded in prov["patterns"]:
        pattern = declared[recorded["key"]]
        assert (recorded["low"], recorded["high"]) == (pattern.low, pattern.high), pattern.key
        assert recorded["scale"] == pattern.distance_scale, pattern.key


def test_the_documented_checks_are_those_of_the_shipped_ensemble_and_this_model() -> None:
    """docs/calibration/shipped holds `gvi validate-model --replicates 20` with the shipped
    ensemble and with --fixed-parameters; docs/validation.md and docs/calibration.md show
    them (gvi.checkstable). A new ensemble, or model code with other results, must come
    with new checks."""
    from gvi.checkstable import REMAKE, load_checks

    ens = ensemble.load()
    codes = (ens.provenance["model"]["model_code"], *ens.provenance.get("same_results_as", []))
    with_ensemble, fixed = load_checks()
    assert with_ensemble["ensemble"]["sha256"] == ensemble.fingerprint(ens), REMAKE
    assert fixed["ensemble"] is None, REMAKE
    keys = [p.key for p in patterns_for(Use.VALIDATE_MODEL)]
    for run in (with_ensemble, fixed):
        assert run["model"]["model_code"] in codes, REMAKE
        assert run["replicates"] == 20 and [c["key"] for c in run["checks"]] == keys, REMAKE


def test_the_documented_effect_by_set_is_that_of_the_shipped_ensemble() -> None:
    """docs/calibration/shipped/effect_by_set.csv (shown by docs/validation.md and
    docs/calibration.md) has one row per set of the shipped ensemble, with its weight."""
    import pandas as pd

    from gvi.checkstable import EFFECT_BY_SET, REMAKE_EFFECT

    ens = ensemble.load()
    frame = pd.read_csv(EFFECT_BY_SET)
    assert frame["set"].tolist() == ens.sets["set"].tolist(), REMAKE_EFFECT
    assert np.allclose(frame["weight"], ens.weights, rtol=0, atol=1e-12), REMAKE_EFFECT
    assert frame["change"].notna().all()


def _make_demo() -> str:
    """`make demo`'s command, as the Makefile runs it."""
    makefile = (CALIBRATION.parent.parent / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\ndemo:", 1)[1].splitlines()[1]
    return recipe.strip().replace("$(GVI)", "gvi")


def test_the_documented_demo_figures_are_those_of_the_shipped_ensemble_and_this_model() -> None:
    """docs/calibration/shipped/demo.json and demo_fixed.json hold `make demo`'s comparison
    with the shipped ensemble and with --fixed-parameters; README.md, docs/ODD.md and
    docs/calibration.md show their figures (gvi.demofigures). A new ensemble, model code
    with other results, or another `make demo` must come with new records."""
    from gvi.demofigures import DEMO, DEMO_FIXED, REMAKE, load

    ens = ensemble.load()
    codes = (ens.provenance["model"]["model_code"], *ens.provenance.get("same_results_as", []))
    with_ensemble, fixed = load(DEMO), load(DEMO_FIXED)
    assert with_ensemble["ensemble"]["sha256"] == ensemble.fingerprint(ens), REMAKE
    assert fixed["ensemble"] is None, REMAKE
    assert with_ensemble["command"] == _make_demo(), REMAKE
    assert fixed["command"] == _make_demo() + " --fixed-parameters", REMAKE
    for run in (with_ensemble, fixed):
        assert run["model"]["model_code"] in codes, REMAKE
        assert run["root_seed"] == 1 and run["replicates"] == 50, REMAKE
