"""FRTB SA aggregation (MAR21.4–21.7), equity delta: hand computations and properties.

Source of the worked example: ../shared/reference/README.md, "FRTB standardised
approach": bucket 5 net sensitivities +100 and −50 on two different equities, bucket 12
+200 → delta capital under the high-correlation scenario = 47.434165.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskcap.capital.frtb_sa import (
    Scenario,
    bucket_charge,
    class_charge,
    sbm_charge,
    scenario_correlation,
)
from riskcap.capital.frtb_sa_params import (
    EQUITY_BY_BUCKET,
    EQUITY_OTHER_BUCKETS,
    equity_gamma,
    equity_gammas,
)


def _equity(sensitivities: list[tuple[str, float]], scenario: Scenario) -> float:
    """Weighted sensitivities (MAR21.4(3): WS = RW · s) of one equity each, aggregated."""
    buckets = [b for b, _ in sensitivities]
    ws = np.array([EQUITY_BY_BUCKET[b].spot_risk_weight * s for b, s in sensitivities])
    n = len(ws)
    rho = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            if buckets[i] == buckets[j]:
                rho[i, j] = EQUITY_BY_BUCKET[buckets[i]].intra_correlation or 0.0
    gamma = equity_gammas(list(dict.fromkeys(buckets)))
    return class_charge(ws, buckets, rho, gamma, scenario, EQUITY_OTHER_BUCKETS).charge


EXAMPLE = [("5", 100.0), ("5", -50.0), ("12", 200.0)]


def test_reference_example_in_the_three_scenarios() -> None:
    """By hand: WS = 30, −15 (bucket 5, RW 30 %) and 30 (bucket 12, RW 15 %); ρ = 25 %
    within bucket 5 (MAR21.78), γ(5, 12) = 45 % (MAR21.80).

    high (MAR21.6: ρ 0.3125, γ 0.5625): K5² = 900 + 225 − 2·0.3125·450 = 843.75,
    total² = 843.75 + 900 + 2·0.5625·15·30 = 2250 → 47.434165 (the reference value);
    medium: K5² = 1125 − 225 = 900, total² = 1800 + 2·0.45·450 = 2205 → 46.957428;
    low (ρ max(−0.5, 0.1875) = 0.1875, γ max(−0.1, 0.3375) = 0.3375):
    K5² = 1125 − 168.75 = 956.25, total² = 1856.25 + 303.75 = 2160 → 46.475800.
    """
    high = _equity(EXAMPLE, Scenario.HIGH)
    assert high == pytest.approx(47.434165, abs=1e-6)
    assert high == pytest.approx(math.sqrt(2250.0), rel=1e-14)
    assert _equity(EXAMPLE, Scenario.MEDIUM) == pytest.approx(math.sqrt(2205.0), rel=1e-14)
    assert _equity(EXAMPLE, Scenario.LOW) == pytest.approx(math.sqrt(2160.0), rel=1e-14)
    by = {sc: _equity(EXAMPLE, sc) for sc in Scenario}
    assert sbm_charge(by) == (Scenario.HIGH, high)  # MAR21.7: the largest scenario


@given(rho=st.floats(0.0, 1.0))
def test_scenario_correlations(rho: float) -> None:
    """MAR21.6: high min(1.25ρ, 1); low max(2ρ − 1, 0.75ρ)."""
    assert scenario_correlation(rho, Scenario.HIGH) == pytest.approx(min(1.25 * rho, 1.0))
    assert scenario_correlation(rho, Scenario.MEDIUM) == rho
    assert scenario_correlation(rho, Scenario.LOW) == pytest.approx(max(2 * rho - 1, 0.75 * rho))


@settings(max_examples=50, deadline=None)
@given(
    bucket=st.sampled_from([b for b in EQUITY_BY_BUCKET]),
    s=st.floats(-1e9, 1e9).filter(lambda v: abs(v) > 1e-6),
    scenario=st.sampled_from(list(Scenario)),
)
def test_one_weighted_sensitivity_is_its_own_charge(
    bucket: str, s: float, scenario: Scenario
) -> None:
    """One risk factor alone: the charge is |WS| in every scenario."""
    ws = EQUITY_BY_BUCKET[bucket].spot_risk_weight * s
    assert _equity([(bucket, s)], scenario) == pytest.approx(abs(ws), rel=1e-12)


def test_other_sector_bucket_adds_absolute_values() -> None:
    """MAR21.79: bucket 11's K_b is Σ|WS| (a long and a short do not offset), and it has
    no correlation with other buckets (MAR21.80)."""
    got = _equity([("11", 100.0), ("11", -100.0)], Scenario.MEDIUM)
    assert got == pytest.approx(140.0)  # 0.70·100 + 0.70·100
    assert equity_gamma("11", "5") == 0.0 and equity_gamma("12", "13") == 0.75


def test_negative_sum_takes_the_alternative_bucket_sums() -> None:
    """MAR21.4(5)(b): two buckets of opposite sign, fully offset within each so that the
    cross term makes the sum negative; S_b is then capped to [−K_b, K_b].

    Buckets 12 and 13 (γ 0.75), one sensitivity each: WS = 0.15·100 = 15 and
    0.25·(−100) = −25 → K = 15 and 25, S = 15 and −25; total² = 225 + 625 − 2·0.75·375
    = 287.5 > 0: no alternative. A constructed case with ρ = 0 within a bucket:
    bucket A WS 10 and 10 (K = √200, S = 20), bucket B WS −10, −10 (K = √200, S = −20),
    γ = 1 → total² = 400 − 800 < 0, so S becomes ±√200 and total² = 400 − 2·200 = 0.
    """
    assert _equity([("12", 100.0), ("13", -100.0)], Scenario.MEDIUM) == pytest.approx(
        math.sqrt(287.5)
    )
    ws = np.array([10.0, 10.0, -10.0, -10.0])
    out = class_charge(
        ws, ["A", "A", "B", "B"], np.zeros((4, 4)), {("A", "B"): 1.0}, Scenario.MEDIUM
    )
    assert out.alternative
    assert out.bucket_sums == pytest.approx({"A": math.sqrt(200.0), "B": -math.sqrt(200.0)})
    assert out.charge == pytest.approx(0.0, abs=1e-6)


def test_bucket_charge_floors_at_zero() -> None:
    """MAR21.4(4): the sum under the root is floored at 0 (a correlation matrix that is
    not positive semi-definite after the low scenario could otherwise go negative)."""
    rho = np.array([[1.0, -1.0, -1.0], [-1.0, 1.0, -1.0], [-1.0, -1.0, 1.0]])
    assert bucket_charge(np.array([1.0, 1.0, 1.0]), rho) == 0.0
