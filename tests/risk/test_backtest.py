"""Backtesting statistics against published values (shared/reference/README.md)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from riskcap.risk.backtest import (
    Transitions,
    Zone,
    backtest_statistics,
    christoffersen_independence,
    conditional_coverage,
    exceptions,
    kupiec_pof,
    traffic_light,
)


def test_exceptions_of_a_synthetic_series_with_a_known_count() -> None:
    rng = np.random.default_rng(7)
    var = rng.uniform(50, 150, 500)
    pnl = rng.uniform(-0.9, 2.0, 500) * var  # never beyond −VaR …
    chosen = rng.choice(500, 13, replace=False)
    pnl[chosen] = -var[chosen] - rng.uniform(0.01, 30, 13)  # … except on 13 days
    equal = rng.choice(np.setdiff1d(np.arange(500), chosen), 5, replace=False)
    pnl[equal] = -var[equal]  # a loss equal to the VaR is covered
    hits = exceptions(pnl, var)
    assert hits.sum() == 13
    assert set(np.flatnonzero(hits)) == set(chosen)


def test_kupiec_pof_matches_mathworks() -> None:
    # MathWorks varbacktest example: 1043 obs, 95 % VaR, 57 failures → 0.46147, p 0.49694
    lr = kupiec_pof(1043, 57, 0.95)
    assert lr.statistic == pytest.approx(0.46147, abs=5e-6)
    assert lr.p_value == pytest.approx(0.49694, abs=5e-6)
    assert not lr.rejects(0.95)
    # shared/reference: 3 failures in 250 → 10.812 at 95 % (reject), 0.09494 at 99 %
    assert kupiec_pof(250, 3, 0.95).statistic == pytest.approx(10.812, abs=5e-4)
    assert kupiec_pof(250, 3, 0.95).rejects(0.95)
    assert kupiec_pof(250, 3, 0.99).statistic == pytest.approx(0.09494, abs=5e-6)


def _hits_with(n00: int, n01: int, n10: int, n11: int) -> np.ndarray:
    """A 0/1 series starting and ending at 0 with exactly these transition counts."""
    runs = n01  # runs of exceptions, each entered by a 0→1 transition
    ones = n11 + n10
    lengths = [2] * (ones - runs) + [1] * (2 * runs - ones)
    gaps = n00 + n01  # zeros that lead somewhere
    series: list[int] = [0]
    zeros_left = gaps - runs
    for length in lengths:
        series += [1] * length + [0]
    series += [0] * zeros_left
    return np.array(series, bool)


def test_christoffersen_and_conditional_coverage_match_mathworks() -> None:
    # MathWorks varbacktest cci / cc: N00 932, N10 53, N01 53, N11 4 → LR_ind 0.25866
    # (p 0.61104); LR_cc 0.72013 (p 0.69763)
    hits = _hits_with(932, 53, 53, 4)
    assert hits.size == 1043 and hits.sum() == 57
    t = Transitions.of(hits)
    assert (t.n00, t.n01, t.n10, t.n11) == (932, 53, 53, 4)
    ind = christoffersen_independence(t)
    assert ind.statistic == pytest.approx(0.25866, abs=5e-6)
    assert ind.p_value == pytest.approx(0.61104, abs=5e-6)
    cc = conditional_coverage(kupiec_pof(1043, 57, 0.95), ind)
    assert cc.statistic == pytest.approx(0.72013, abs=5e-6)
    assert cc.p_value == pytest.approx(0.69763, abs=5e-6)
    stats = backtest_statistics(hits, 0.95)
    assert stats.conditional.statistic == pytest.approx(0.72013, abs=5e-6)


def test_clustered_exceptions_fail_independence() -> None:
    hits = np.zeros(250, bool)
    hits[100:104] = True  # four exceptions in a row at 99 %
    assert christoffersen_independence(Transitions.of(hits)).rejects(0.95)


@pytest.mark.parametrize(
    ("x", "zone", "plus"),
    [
        (0, Zone.GREEN, 0.0),
        (4, Zone.GREEN, 0.0),
        (5, Zone.YELLOW, 0.40),
        (6, Zone.YELLOW, 0.50),
        (7, Zone.YELLOW, 0.65),
        (8, Zone.YELLOW, 0.75),
        (9, Zone.YELLOW, 0.85),
        (10, Zone.RED, 1.00),
        (14, Zone.RED, 1.00),
    ],
)
def test_traffic_light_is_the_basel_table(x: int, zone: Zone, plus: float) -> None:
    # BCBS 1996, Supervisory framework for backtesting, Table 2 (shared/reference)
    light = traffic_light(x, 250, 0.99)
    assert (light.zone, light.plus_factor) == (zone, plus)


def test_short_samples_use_the_binomial_definition() -> None:
    assert traffic_light(0, 1).zone is Zone.GREEN  # P(X ≤ 0) = 99 % alone is not yellow
    assert traffic_light(1, 60).zone is Zone.GREEN  # P(X ≤ 1 | 60, 1 %) = 87.8 %
    assert traffic_light(2, 60).zone is Zone.YELLOW  # 97.7 %
    assert traffic_light(6, 60).zone is Zone.RED


@given(st.integers(20, 400), st.integers(0, 30))
def test_zone_and_plus_factor_never_fall_with_more_exceptions(n: int, x: int) -> None:
    x = min(x, n - 1)
    a, b = traffic_light(x, n), traffic_light(x + 1, n)
    order = [Zone.GREEN, Zone.YELLOW, Zone.RED]
    assert order.index(b.zone) >= order.index(a.zone)
    assert b.plus_factor >= a.plus_factor


def test_statistics_window_is_the_last_250() -> None:
    hits = np.zeros(600, bool)
    hits[:20] = True  # old exceptions leave the traffic light window
    hits[-3:] = True
    s = backtest_statistics(hits, 0.99)
    assert s.exceptions == 23 and s.observations == 600
    assert s.traffic_light.exceptions == 3 and s.traffic_light.observations == 250
