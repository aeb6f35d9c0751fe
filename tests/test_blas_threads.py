"""A model runs BLAS on one thread, so a seed's results do not depend on the machine's
cores (OpenBLAS splits long dot products over threads, which reorders the sums)."""

from __future__ import annotations

from threadpoolctl import threadpool_info, threadpool_limits

from model import GVIModel


def test_building_a_model_sets_blas_to_one_thread(tiny) -> None:
    with threadpool_limits(limits=2, user_api="blas"):
        GVIModel(tiny("baseline"), rng=1).close()
        blas = [i for i in threadpool_info() if i["user_api"] == "blas"]
        assert blas and all(i["num_threads"] == 1 for i in blas)
