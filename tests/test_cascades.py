"""Cascades of shootings (M2; Green, Horel & Papachristos 2017): the infection forest
read from the event log, its statistics on a log made by hand, and the overdispersed
retaliation that concentrates follow-ons on few shootings (Lloyd-Smith et al. 2005)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from model import Cause, EventKind, GVIModel
from model.events import EventLog
from model.patterns import follow_on_share, infection_forest, mean_cascade_size, run_stats

WARMUP = 10


def _hand_made_log() -> EventLog:
    """Shootings A to H (ids 0, 2-8; id 1 is an arrest); A falls in the warm-up.

    B answers A (before the warm-up), G answers B; D and E answer C, F answers D; H is
    alone. After the warm-up: cascades {B, G}, {C, D, E, F} and {H}."""
    log = EventLog()
    rivalry, retaliation = Cause.RIVALRY, Cause.RETALIATION
    log.add(5, EventKind.SHOOTING, 0, (1, 2), rivalry)  # A, id 0
    log.add(6, EventKind.ARREST, 0, (1,), Cause.INVESTIGATION)  # id 1
    log.add(12, EventKind.SHOOTING, 1, (3, 1), retaliation, ref=0)  # B, id 2
    log.add(13, EventKind.SHOOTING, 2, (4, 5), rivalry)  # C, id 3
    log.add(20, EventKind.SHOOTING, 3, (6, 4), retaliation, ref=3)  # D, id 4
    log.add(21, EventKind.SHOOTING, 3, (7, 4), retaliation, ref=3)  # E, id 5
    log.add(22, EventKind.SHOOTING, 2, (5, 6), retaliation, ref=4)  # F, id 6
    log.add(25, EventKind.SHOOTING, 0, (2, 3), retaliation, ref=2)  # G, id 7
    log.add(30, EventKind.SHOOTING, 4, (8, 9), rivalry)  # H, id 8
    return log


def test_cascade_statistics_of_a_hand_made_log() -> None:
    shots = [e for e in _hand_made_log().of_kind(EventKind.SHOOTING) if e.day >= WARMUP]
    offspring, sizes = infection_forest([e.id for e in shots], [e.ref for e in shots])
    # B C D E F G H: B caused G, C caused D and E, D caused F
    assert offspring.tolist() == [1, 2, 1, 0, 0, 0, 0]
    # B's infector lies in the warm-up, so B starts a cascade; H is one on its own
    assert sizes.tolist() == [2, 4, 1]
    assert mean_cascade_size(sizes) == pytest.approx(7 / 3)  # shootings per cascade
    # the top 10 % of 7 shootings is 1 shooting (C): 2 of the 4 follow-ons
    assert follow_on_share(offspring) == pytest.approx(0.5)
    assert follow_on_share(offspring, 0.3) == pytest.approx(1.0)  # C, B, D: all 4
    # no follow-ons at all: undefined
    none, single = infection_forest([3, 8], [-1, -1])
    assert math.isnan(follow_on_share(none)) and single.tolist() == [1, 1]
    assert math.isnan(mean_cascade_size(np.zeros(0, dtype=np.int64)))


def test_run_stats_forest_accounts_for_every_shooting(tiny) -> None:
    st = run_stats(tiny("baseline", {"violence.base_hazard": 0.001}), np.random.SeedSequence(1))
    assert st.shootings == len(st.offspring) == st.cascade_sizes.sum() > 20
    # every shooting is a root or the follow-on of exactly one shooting in the record
    assert st.offspring.sum() + len(st.cascade_sizes) == st.shootings
    assert st.offspring.sum() <= st.retaliations


# --- overdispersed retaliation -------------------------------------------------------------
@pytest.mark.parametrize("k", [0.1, 2.0])
def test_each_jump_is_the_mean_jump_times_a_gamma_draw(tiny, k: float) -> None:
    model = GVIModel(tiny("baseline", {"violence.retaliation_dispersion": k}), rng=1)
    v, rng = model.violence, np.random.default_rng(4)
    scales = np.array([v.jump_scale(rng) for _ in range(4000)])
    # gamma with mean 1 and shape k (variance 1 / k)
    assert stats.kstest(scales, stats.gamma(k, scale=1.0 / k).cdf).pvalue > 0.01
    assert scales.mean() == pytest.approx(1.0, rel=0.15)
    assert scales.var() == pytest.approx(1.0 / k, rel=0.3)
    # the pressure rises by the mean jump times the draw
    v.excite(0, 1, event_id=7, day=0, scale=2.5)
    assert v.excitation.sum() == pytest.approx(2.5 * v.jump)


def test_overdispersion_concentrates_follow_ons(tiny) -> None:
    """With the default dispersion a shooting's follow-ons are far more variable than
    Poisson (variance/mean well above 1); with a very large gamma shape (every jump the
    mean jump) they are about Poisson."""

    def ratio(k: float) -> tuple[float, float]:
        sc = tiny("baseline", {"violence.base_hazard": 0.001})
        if k:
            sc = sc.with_updates({"violence.retaliation_dispersion": k})
        off = np.concatenate([run_stats(sc, np.random.SeedSequence(s)).offspring for s in range(4)])
        return float(off.var() / off.mean()), follow_on_share(off)

    (default, top_default), (undone, top_undone) = ratio(0), ratio(1000.0)
    assert default > 2.5 and undone < 1.6
    assert top_default > top_undone + 0.2
