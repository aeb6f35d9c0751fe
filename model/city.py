"""M1 — city and groups: sizes, roles, heavy-tailed propensities, rivalries, alliances,
and in-group ties; generated from the city stream or read from a group audit."""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from scenarios.schema import CityParams, Scenario

from .state import Role

if TYPE_CHECKING:
    import networkx as nx


def group_label(i: int) -> str:
    """A, B, ..., Z, AA, AB, ... — short labels for generated groups."""
    letters = string.ascii_uppercase
    label = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        label = letters[r] + label
    return label


ROW_BLOCK = 256  # rows of a relation made dense at a time to sum them


@dataclass(frozen=True)
class Relations:
    """A symmetric relation between groups, row by row (compressed sparse rows): group
    ``g``'s partners are ``index[start[g]:start[g + 1]]``, ascending, with ``weight`` of
    the same slice. Memory follows the pairs that are related, not every pair: a city
    of 10,000 groups has about 20,000 rivalries, where a dense matrix would be 800 MB."""

    start: np.ndarray  # int64, n + 1
    index: np.ndarray  # int64
    weight: np.ndarray  # float64

    @classmethod
    def from_pairs(cls, n: int, a: np.ndarray, b: np.ndarray, w: np.ndarray) -> Relations:
        """The relation holding each pair ``(a[k], b[k])`` both ways with weight ``w[k]``
        (pairs distinct, ``a != b``)."""
        rows = np.concatenate([a, b]).astype(np.int64)
        cols = np.concatenate([b, a]).astype(np.int64)
        weights = np.concatenate([w, w]).astype(np.float64)
        order = np.lexsort((cols, rows))
        start = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=n), out=start[1:])
        return cls(start, cols[order], weights[order])

    def partners(self, g: int) -> np.ndarray:
        return self.index[self.start[g] : self.start[g + 1]]

    def weights(self, g: int) -> np.ndarray:
        return self.weight[self.start[g] : self.start[g + 1]]

    def dense(self, n: int) -> np.ndarray:
        """The ``n`` x ``n`` matrix of weights (0 where unrelated)."""
        out = np.zeros((n, n))
        rows = np.repeat(np.arange(n), np.diff(self.start))
        out[rows, self.index] = self.weight
        return out

    def row_sums(self, n: int) -> np.ndarray:
        """Each group's summed weight, summed as a dense row of ``n`` numbers is (numpy's
        pairwise sum), a block of rows at a time: the same to the last bit as the sum of
        the dense matrix along its rows, without the matrix."""
        out = np.empty(n)
        for lo in range(0, n, ROW_BLOCK):
            hi = min(lo + ROW_BLOCK, n)
            rows = np.zeros((hi - lo, n))
            at = slice(self.start[lo], self.start[hi])
            counts = np.diff(self.start[lo : hi + 1])
            rows[np.repeat(np.arange(hi - lo), counts), self.index[at]] = self.weight[at]
            out[lo:hi] = rows.sum(axis=1)
        return out


@dataclass
class City:
    """Groups and the relations between them, indexed by group."""

    labels: list[str]
    nominal_size: np.ndarray  # members a group recruits back up to
    rivals: Relations  # symmetric, weight: rivalry intensity
    allies: Relations  # symmetric, weight 1
    audit_members: list[tuple[str, int, bool, bool]] | None = None  # (id, group, core, supervised)

    @property
    def n_groups(self) -> int:
        return len(self.labels)

    @property
    def rivalry(self) -> np.ndarray:
        """The rivalry intensities as a symmetric matrix, zero diagonal (built when asked:
        for inspection and drawing; n_groups² numbers)."""
        return self.rivals.dense(self.n_groups)

    @property
    def alliance(self) -> np.ndarray:
        """The alliances as a symmetric bool matrix (built when asked)."""
        return self.allies.dense(self.n_groups) > 0

    @property
    def rivalry_strength(self) -> np.ndarray:
        """Sum of a group's rivalry intensities: scales its background hazard."""
        return self.rivals.row_sums(self.n_groups)

    def graph(self) -> nx.Graph:
        """The rivalry/alliance network (edge attribute ``kind`` and ``weight``)."""
        import networkx as nx  # here, not at the top: a run does not need it (0.2 s to import)

        g = nx.Graph()
        for i, label in enumerate(self.labels):
            g.add_node(i, label=label, size=int(self.nominal_size[i]))
        rivals = self.rivals
        for i in range(self.n_groups):
            pairs = zip(rivals.partners(i).tolist(), rivals.weights(i).tolist(), strict=True)
            for j, w in pairs:
                if j > i:
                    g.add_edge(i, j, kind="rivalry", weight=float(w))
        for i in range(self.n_groups):
            for j in self.allies.partners(i).tolist():
                if j > i:
                    g.add_edge(i, j, kind="alliance", weight=1.0)
        return g


def build_city(scenario: Scenario, rng: np.random.Generator) -> City:
    """The scenario's city: from its group audit when given, else generated."""
    p = scenario.city
    if p.audit_dir:
        return _city_from_audit(p.audit_dir)
    return _generate_city(p, rng)


def _generate_city(p: CityParams, rng: np.random.Generator) -> City:
    n = p.n_groups
    if p.group_size_sd > 0:
        shape = (p.group_size_mean / p.group_size_sd) ** 2
        sizes = rng.gamma(shape, p.group_size_mean / shape, size=n)
    else:
        sizes = np.full(n, p.group_size_mean)
    sizes = np.maximum(np.rint(sizes).astype(np.int64), p.min_group_size)
    others = max(n - 1, 1)
    p_rival = min(p.rivals_per_group / others, 1.0)
    p_ally = min(p.allies_per_group / others, 1.0 - p_rival)
    # one uniform per pair of groups (i < j, row by row), then one intensity per pair,
    # drawn a block of rows at a time (the same numbers as drawn at once): memory
    # follows a block and the related pairs, not every pair of a large city
    blocks = _row_blocks(n)
    rival_at, ally_at = [], []
    for lo, hi in blocks:
        u = rng.random(_pairs_in(n, lo, hi))
        rival_at.append(np.flatnonzero(u < p_rival) + _pairs_before(n, lo))
        ally_at.append(
            np.flatnonzero((u >= p_rival) & (u < p_rival + p_ally)) + _pairs_before(n, lo)
        )
    rival_pos = np.concatenate(rival_at)
    intensity = np.empty(len(rival_pos))
    for lo, hi in blocks:
        first, last = _pairs_before(n, lo), _pairs_before(n, hi)
        draws = rng.gamma(p.rivalry_intensity_shape, 1.0 / p.rivalry_intensity_shape, last - first)
        inside = (rival_pos >= first) & (rival_pos < last)
        intensity[inside] = draws[rival_pos[inside] - first]
    keep = intensity != 0.0  # a zero intensity is no rivalry (as in a matrix of them)
    ra, rb = _pair_of(n, rival_pos[keep])
    ally_pos = np.concatenate(ally_at)
    aa, ab = _pair_of(n, ally_pos)
    return City(
        [group_label(i) for i in range(n)],
        sizes,
        Relations.from_pairs(n, ra, rb, intensity[keep]),
        Relations.from_pairs(n, aa, ab, np.ones(len(ally_pos))),
    )


BLOCK_PAIRS = 1 << 22  # pairs of groups drawn at a time (32 MB of uniforms)


def _pairs_before(n: int, row: Any) -> Any:
    """Pairs (i, j), i < j < n, of the rows before ``row`` (a number or an array)."""
    return row * (n - 1) - row * (row - 1) // 2


def _pairs_in(n: int, lo: int, hi: int) -> int:
    return _pairs_before(n, hi) - _pairs_before(n, lo)


def _row_blocks(n: int) -> list[tuple[int, int]]:
    """Consecutive ranges of rows with about ``BLOCK_PAIRS`` pairs each."""
    blocks, lo = [], 0
    while lo < n:
        hi = lo + 1
        while hi < n and _pairs_in(n, lo, hi + 1) <= BLOCK_PAIRS:
            hi += 1
        blocks.append((lo, hi))
        lo = hi
    return blocks


def _pair_of(n: int, pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pairs ``(i, j)`` at positions ``pos`` of the row-by-row order of i < j."""
    starts = _pairs_before(n, np.arange(n + 1, dtype=np.int64))
    i = np.searchsorted(starts, pos, side="right") - 1
    j = pos - starts[i] + i + 1
    return i, j


def _city_from_audit(folder: str) -> City:
    from scenarios.audit import load_audit

    audit = load_audit(folder)
    n = len(audit.group_ids)
    rivalry: dict[tuple[int, int], float] = {}  # a pair named twice keeps its last value
    for a, b, w in audit.rivalries:
        rivalry[min(a, b), max(a, b)] = w
    rivalry = {pair: w for pair, w in rivalry.items() if w != 0}
    allied = {(min(a, b), max(a, b)) for a, b in audit.alliances}
    members = None
    if audit.members is not None:
        members = [(m.id, m.group, m.core, m.on_supervision) for m in audit.members]
    return City(
        list(audit.group_ids),
        np.asarray(audit.sizes, dtype=np.int64),
        _relations(n, rivalry),
        _relations(n, dict.fromkeys(allied, 1.0)),
        members,
    )


def _relations(n: int, pairs: dict[tuple[int, int], float]) -> Relations:
    a = np.array([i for i, _ in pairs], dtype=np.int64)
    b = np.array([j for _, j in pairs], dtype=np.int64)
    return Relations.from_pairs(n, a, b, np.array(list(pairs.values()), dtype=np.float64))


def draw_members(
    p: CityParams, rng: np.random.Generator, groups: np.ndarray, core: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """Attributes of new members of ``groups``: role, propensity (mean 1 over the
    population), readiness, trust and supervision. Used at set-up and for recruits."""
    k = len(groups)
    if core is None:
        core = rng.random(k) < p.core_share
    sigma = p.propensity_sigma
    base = rng.lognormal(-0.5 * sigma**2, sigma, size=k)
    norm = p.core_share * p.core_propensity_ratio + (1.0 - p.core_share)
    propensity = base * np.where(core, p.core_propensity_ratio, 1.0) / norm
    return {
        "role": np.where(core, Role.CORE, Role.ASSOCIATE).astype(np.int8),
        "propensity": propensity,
        "readiness": _beta_mean(rng, p.readiness_mean, p.readiness_concentration, k),
        "legitimacy": _beta_mean(rng, p.legitimacy_mean, p.trust_concentration, k),
        "on_supervision": rng.random(k) < p.supervision_share,
    }


def _beta_mean(rng: np.random.Generator, mean: float, concentration: float, k: int) -> np.ndarray:
    mean = min(max(mean, 1e-3), 1 - 1e-3)
    return rng.beta(mean * concentration, (1 - mean) * concentration, size=k)


class Ties:
    """In-group ties (M5 diffusion), as directed edge arrays (both directions).

    The edges live in buffers that grow by doubling, so tying in a few recruits costs
    in proportion to their ties, not to every tie of the city. ``src`` and ``dst`` are
    views of the edges in the order they were made; edges are only ever appended, so an
    edge keeps its position (M5 diffusion relies on it to follow the open ties).
    """

    def __init__(self) -> None:
        self._src = np.zeros(0, dtype=np.int64)
        self._dst = np.zeros(0, dtype=np.int64)
        self.n = 0  # directed edges in use
        self.version = 0  # bumped whenever ties are added
        self.reallocations = 0  # times the buffers grew (each copies every edge once)

    @property
    def src(self) -> np.ndarray:
        """The tail of each edge (a view, valid until the ties change)."""
        return self._src[: self.n]

    @property
    def dst(self) -> np.ndarray:
        """The head of each edge (a view, valid until the ties change)."""
        return self._dst[: self.n]

    def __len__(self) -> int:
        return self.n

    def connect(
        self, new: np.ndarray, pool: np.ndarray, mean_degree: float, rng: np.random.Generator
    ) -> None:
        """Tie each new member to about ``mean_degree / 2`` random others in ``pool``.

        A member's partners are one ``rng.choice`` without replacement from the pool
        less the member. For an ascending pool (rows of a group are) the draw is made
        over positions, which consumes the same random numbers as drawing from the
        reduced pool itself, so a member costs one draw rather than a copy of the pool.
        """
        if len(pool) < 2 or mean_degree <= 0:
            return
        per = max(1, int(round(mean_degree / 2)))
        pool = np.asarray(pool)
        if not bool((pool[1:] > pool[:-1]).all()):
            self._connect_any(new, pool, per, rng)
            return
        size = len(pool)
        new = np.asarray(new, dtype=np.int64)
        pos = np.searchsorted(pool, new)
        present = pool[np.minimum(pos, size - 1)] == new
        choice = rng.choice
        # one draw per member, over the positions of its pool less itself
        parts = [choice(k, size=min(per, k), replace=False) for k in (size - present).tolist()]
        if not parts:
            return
        counts = [len(p) for p in parts]
        picks = np.concatenate(parts)
        # a position at or past the member's own moves up by one: the pool less the member
        picks += (picks >= np.repeat(pos, counts)) & np.repeat(present, counts)
        self._append(np.repeat(new, counts), pool[picks].astype(np.int64, copy=False))

    def _connect_any(
        self, new: np.ndarray, pool: np.ndarray, per: int, rng: np.random.Generator
    ) -> None:
        """:meth:`connect` for a pool in any order (each draw from a reduced copy)."""
        src: list[int] = []
        dst: list[int] = []
        for i in new:
            others = pool[pool != i]
            if not len(others):
                continue
            picks = rng.choice(others, size=min(per, len(others)), replace=False)
            src.extend([int(i)] * len(picks))
            dst.extend(picks.tolist())
        if src:
            self._append(np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64))

    def _append(self, s: np.ndarray, d: np.ndarray) -> None:
        """Add the ties ``s[k] -- d[k]``: first every ``s -> d``, then every ``d -> s``."""
        k = 2 * len(s)
        if not k:
            return
        n = self.n
        if n + k > len(self._src):
            cap = max(2 * len(self._src), n + k, 64)
            for name in ("_src", "_dst"):
                grown = np.empty(cap, dtype=np.int64)
                grown[:n] = getattr(self, name)[:n]
                setattr(self, name, grown)
            self.reallocations += 1
        self._src[n : n + k] = np.concatenate([s, d])
        self._dst[n : n + k] = np.concatenate([d, s])
        self.n = n + k
        self.version += 1
