"""The FRTB P&L attribution test (MAR32.37–45): Spearman correlation and the
Kolmogorov–Smirnov statistic, compared with plain NumPy twins, and the zones."""

from __future__ import annotations

import numpy as np
import pytest

from riskcap.risk.pla import PlaZone, pla_test, pla_zone


def _ranks(x: np.ndarray) -> np.ndarray:
    order = np.argsort(x, kind="stable")
    ranks = np.empty(len(x))
    ranks[order] = np.arange(1, len(x) + 1)
    return ranks


def _spearman_twin(a: np.ndarray, b: np.ndarray) -> float:
    # no ties: the Pearson correlation of the ranks
    return float(np.corrcoef(_ranks(a), _ranks(b))[0, 1])


def _ks_twin(a: np.ndarray, b: np.ndarray) -> float:
    # the largest gap between the two empirical CDFs, at every observed point
    grid = np.concatenate([a, b])
    fa = np.searchsorted(np.sort(a), grid, side="right") / len(a)
    fb = np.searchsorted(np.sort(b), grid, side="right") / len(b)
    return float(np.max(np.abs(fa - fb)))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_statistics_equal_numpy_twins(seed: int) -> None:
    rng = np.random.default_rng(seed)
    hpl = rng.standard_normal(250)
    rtpl = 0.9 * hpl + 0.3 * rng.standard_normal(250) + 0.05
    got = pla_test(hpl, rtpl)
    assert got.spearman == pytest.approx(_spearman_twin(hpl, rtpl), abs=1e-12)
    assert got.ks == pytest.approx(_ks_twin(hpl, rtpl), abs=1e-12)
    assert got.observations == 250


def test_identical_series_are_green_shifted_red() -> None:
    hpl = np.random.default_rng(3).standard_normal(250)
    same = pla_test(hpl, hpl)
    assert (same.spearman, same.ks, same.zone) == (pytest.approx(1.0), 0.0, PlaZone.GREEN)
    # a constant offset keeps the ranks but moves the distribution: KS fails
    shifted = pla_test(hpl, hpl + 1.0)
    assert shifted.spearman == pytest.approx(1.0) and shifted.ks > 0.12
    assert shifted.zone is PlaZone.RED


def test_only_the_last_window_counts() -> None:
    rng = np.random.default_rng(4)
    noise = rng.standard_normal(300)
    hpl = np.concatenate([noise[:50], rng.standard_normal(250)])
    rtpl = np.concatenate([-noise[:50], hpl[50:]])  # anti-correlated only in the first 50
    assert pla_test(hpl, rtpl, window=250).zone is PlaZone.GREEN
    assert pla_test(hpl, rtpl, window=300).spearman < 0.8


@pytest.mark.parametrize(
    ("spearman", "ks", "zone"),
    [
        (0.81, 0.089, PlaZone.GREEN),
        (0.80, 0.05, PlaZone.AMBER),  # green needs Spearman above 0.80
        (0.81, 0.09, PlaZone.AMBER),  # and KS below 0.09
        (0.70, 0.12, PlaZone.AMBER),  # red needs Spearman below 0.70 or KS above 0.12
        (0.699, 0.05, PlaZone.RED),
        (0.95, 0.1201, PlaZone.RED),
    ],
)
def test_zone_boundaries(spearman: float, ks: float, zone: PlaZone) -> None:
    # MAR32.44 thresholds
    assert pla_zone(spearman, ks) is zone


def test_bad_input() -> None:
    with pytest.raises(ValueError):
        pla_test([1.0, 2.0], [1.0])
    with pytest.raises(ValueError):
        pla_test([1.0], [1.0])
    assert pla_test([1.0, 1.0, 1.0], [1.0, 2.0, 3.0]).zone is PlaZone.RED  # no ranks
