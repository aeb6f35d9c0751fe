"""The relations between groups are held row by row (model.city.Relations); a generated
city draws the same numbers, and holds the same rivalries and alliances, as the matrices
of every pair of groups it replaced, whatever the block of pairs drawn at a time."""

from __future__ import annotations

import numpy as np
import pytest

import model.city as city_module
from model.city import _generate_city
from scenarios import load_scenario
from scenarios.schema import CityParams


def _dense(p: CityParams, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The city's sizes and relations as matrices, drawn as before the relations were
    held row by row."""
    n = p.n_groups
    shape = (p.group_size_mean / p.group_size_sd) ** 2
    sizes = rng.gamma(shape, p.group_size_mean / shape, size=n)
    sizes = np.maximum(np.rint(sizes).astype(np.int64), p.min_group_size)
    iu = np.triu_indices(n, k=1)
    u = rng.random(len(iu[0]))
    intensity = rng.gamma(p.rivalry_intensity_shape, 1.0 / p.rivalry_intensity_shape, len(u))
    others = max(n - 1, 1)
    p_rival = min(p.rivals_per_group / others, 1.0)
    p_ally = min(p.allies_per_group / others, 1.0 - p_rival)
    rival = u < p_rival
    allied = (~rival) & (u < p_rival + p_ally)
    rivalry = np.zeros((n, n))
    rivalry[iu] = np.where(rival, intensity, 0.0)
    rivalry += rivalry.T
    alliance = np.zeros((n, n), dtype=bool)
    alliance[iu] = allied
    alliance |= alliance.T
    return sizes, rivalry, alliance


@pytest.mark.parametrize("n", [1, 2, 7, 61])
@pytest.mark.parametrize("block", [1, 5, 1 << 22])
@pytest.mark.parametrize("rivals", [3.0, 40.0])
def test_generated_relations_are_the_pairwise_draws(
    n: int, block: int, rivals: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(city_module, "BLOCK_PAIRS", block)
    updates = {"city.n_groups": n, "city.rivals_per_group": min(rivals, 8.0)}
    p = load_scenario("gvi").with_updates(updates).city
    if rivals > 8.0:  # denser than the schema admits: every code path of the draw
        p = p.model_copy(update={"rivals_per_group": rivals, "allies_per_group": 5.0})
    rng = np.random.default_rng(5)
    city = _generate_city(p, rng)
    ref_rng = np.random.default_rng(5)
    sizes, rivalry, alliance = _dense(p, ref_rng)
    assert np.array_equal(city.nominal_size, sizes)
    assert np.array_equal(city.rivalry, rivalry)
    assert np.array_equal(city.alliance, alliance)
    assert np.array_equal(city.rivalry_strength, rivalry.sum(axis=1))  # to the last bit
    assert rng.random() == ref_rng.random()  # the same draws were consumed
    for g in range(n):
        assert np.array_equal(city.rivals.partners(g), np.flatnonzero(rivalry[g]))
        assert np.array_equal(city.allies.partners(g), np.flatnonzero(alliance[g]))


def test_a_large_city_holds_its_related_pairs_only() -> None:
    p = load_scenario("gvi").with_updates({"city.n_groups": 3000}).city
    city = _generate_city(p, np.random.default_rng(1))
    held = sum(a.nbytes for r in (city.rivals, city.allies) for a in vars(r).values())
    assert held < 1_000_000  # the matrices would be 3000² x 9 bytes = 81 MB
    assert len(city.rivals.index) == pytest.approx(3000 * p.rivals_per_group, rel=0.1)
