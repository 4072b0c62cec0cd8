"""FRTB IMA formulas against hand computations (BCBS d457, MAR33; figures of the
reference list in shared/reference/README.md, "FRTB internal models approach")."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from riskcap.capital.frtb_ima import (
    DeskBacktest,
    StressCalibrated,
    bucket_masks,
    cascade_es,
    cascade_weights,
    frtb_capital,
    frtb_plus_factor,
    imcc,
    nmrf_horizon,
    ses_aggregate,
)
from riskcap.risk.backtest import traffic_light


def test_cascade_weights_are_the_horizon_steps_of_mar33_4() -> None:
    # sqrt((LH_j - LH_{j-1}) / 10) for LH = 10, 20, 40, 60, 120
    assert cascade_weights() == pytest.approx([1.0, 1.0, math.sqrt(2), math.sqrt(2), math.sqrt(6)])


def test_cascade_by_hand() -> None:
    # sqrt(10² + 6² + (4·√2)² + (2·√2)² + (1·√6)²) = sqrt(182)
    assert cascade_es([10.0, 6.0, 4.0, 2.0, 1.0]) == pytest.approx(math.sqrt(182.0), rel=1e-15)
    # vectorised over leading axes
    got = cascade_es(np.array([[10.0, 6.0, 4.0, 2.0, 1.0], [3.0, 0, 0, 0, 0]]))
    assert got == pytest.approx([math.sqrt(182.0), 3.0], rel=1e-15)


@given(st.floats(0.0, 1e9, allow_nan=False))
def test_every_factor_at_ten_days_is_plain_es(es: float) -> None:
    # all factors in the 10-day bucket: the terms j ≥ 2 are empty, ES = ES_T(P)
    assert cascade_es([es, 0.0, 0.0, 0.0, 0.0]) == pytest.approx(es, rel=1e-15)


def test_cascade_ignores_gains() -> None:
    assert cascade_es([5.0, -3.0, 0.0, 0.0, 0.0]) == pytest.approx(5.0)


def test_bucket_masks() -> None:
    lh = np.array([10, 20, 60, 120, 40])
    sel = np.array([True, True, True, False, True])
    masks = bucket_masks(lh, sel)
    assert masks.astype(int).tolist() == [
        [1, 1, 1, 0, 1],  # ≥ 10
        [0, 1, 1, 0, 1],  # ≥ 20
        [0, 0, 1, 0, 1],  # ≥ 40
        [0, 0, 1, 0, 0],  # ≥ 60
        [0, 0, 0, 0, 0],  # ≥ 120 (the 120-day factor is not selected)
    ]


def test_stressed_calibration_mar33_5() -> None:
    c = StressCalibrated(es_rs=12.0, es_fc=10.0, es_rc=8.0)
    assert (c.ratio, c.es, c.explained) == pytest.approx((1.25, 15.0, 0.8))
    floored = StressCalibrated(es_rs=12.0, es_fc=7.0, es_rc=8.0)  # ratio floored at 1
    assert (floored.ratio, floored.es) == (1.0, 12.0)
    assert floored.explained == pytest.approx(8.0 / 7.0)
    nothing = StressCalibrated(es_rs=0.0, es_fc=5.0, es_rc=0.0)  # no reduced-set exposure
    assert (nothing.es, nothing.explained) == (5.0, 0.0)


def test_imcc_mar33_15() -> None:
    # 0.5 · 20 + 0.5 · (15 + 10)
    assert imcc(20.0, [15.0, 10.0]) == pytest.approx(22.5)
    assert imcc(20.0, [15.0, 10.0], rho=1.0) == 20.0
    with pytest.raises(ValueError):
        imcc(1.0, [1.0], rho=1.5)


def test_ses_aggregation_mar33_16() -> None:
    # credit idiosyncratic √(3² + 4²) = 5; equity none; others
    # √((0.6·5)² + (1 − 0.36)·(1 + 4 + 4)) = √14.76
    got = ses_aggregate([3.0, 4.0], [], [1.0, 2.0, 2.0])
    assert got == pytest.approx(5.0 + math.sqrt(14.76), rel=1e-15)
    # a single correlated NMRF is its own stress loss
    assert ses_aggregate([], [], [7.0]) == pytest.approx(7.0)
    assert ses_aggregate([], [], []) == 0.0
    assert nmrf_horizon(10) == 20 and nmrf_horizon(60) == 60


@pytest.mark.parametrize(
    ("exceptions", "multiplier"),
    # MAR33.9 / MAR99 Table 2 (shared/reference/README.md)
    [(0, 1.50), (4, 1.50), (5, 1.70), (6, 1.76), (7, 1.83), (8, 1.88), (9, 1.92), (10, 2.0)],
)
def test_multiplier_table(exceptions: int, multiplier: float) -> None:
    plus = frtb_plus_factor(traffic_light(exceptions, 250, 0.99))
    assert 1.5 + plus == pytest.approx(multiplier, abs=1e-12)


def test_capital_latest_branch_binds() -> None:
    imcc_series = [10.0] * 59 + [30.0]
    ses = [1.0] * 60
    c = frtb_capital(imcc_series, ses, 0.0, average_days=60)
    # latest 30 + 1 = 31 > 1.5 · (59·10 + 30)/60 + 1 = 16.5
    assert (c.total, c.binding, c.days) == (31.0, "latest", 60)
    assert c.average == pytest.approx(16.5)


def test_capital_average_branch_binds_over_sixty_days() -> None:
    # the ten large figures are older than 60 days and left out of the average
    imcc_series = [1000.0] * 10 + [20.0] * 60
    ses = [5.0] * 10 + [2.0] * 60
    c = frtb_capital(imcc_series, ses, 0.33, average_days=60)
    assert c.multiplier == pytest.approx(1.83)
    assert c.total == pytest.approx(1.83 * 20.0 + 2.0) and c.binding == "average"
    assert c.latest == 22.0 and c.days == 60


def test_capital_short_history_and_bad_input() -> None:
    c = frtb_capital([4.0, 6.0], [1.0, 1.0], 0.0, average_days=60)
    assert c.days == 2 and c.total == pytest.approx(max(7.0, 1.5 * 5.0 + 1.0))
    with pytest.raises(ValueError):
        frtb_capital([1.0], [1.0, 2.0], 0.0, average_days=60)
    with pytest.raises(ValueError):
        frtb_capital([1.0], [1.0], 0.7, average_days=60)


def test_desk_backtest_limits() -> None:
    # MAR32: more than 12 exceptions at 99 % or more than 30 at 97.5 % over 250 days
    assert DeskBacktest({0.99: 12, 0.975: 30}, 250).passes
    assert not DeskBacktest({0.99: 13, 0.975: 0}, 250).passes
    assert DeskBacktest({0.99: 0, 0.975: 31}, 250).breaches == ["31 exceptions at 97.5% (limit 30)"]
