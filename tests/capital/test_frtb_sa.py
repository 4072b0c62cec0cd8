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
    SaRows,
    Scenario,
    bucket_charge,
    class_charge,
    curvature_charge,
    drc_charge,
    intra_correlation,
    market_risk_capital,
    maturity_weight,
    net_jtd,
    sa_charge,
    sbm_charge,
    scenario_correlation,
)
from riskcap.capital.frtb_sa_params import (
    EQUITY_BY_BUCKET,
    EQUITY_OTHER_BUCKETS,
    credit_bucket,
    credit_gamma,
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


# -- every risk class over CRIF rows: hand computations with their paragraphs -------------------

NAN = float("nan")


def _rows(*records: tuple[str, str, str, str, str, float]) -> SaRows:
    return SaRows.of([(*r, NAN) for r in records])


def _one(rows: SaRows, scenario: Scenario = Scenario.MEDIUM) -> float:
    charge = sa_charge(rows, "USD")
    return charge.by_scenario[scenario]


def test_generic_path_reproduces_the_reference_example() -> None:
    rows = _rows(
        ("EQ_DELTA", "A", "5", "SPOT", "", 100.0),
        ("EQ_DELTA", "B", "5", "SPOT", "", -50.0),
        ("EQ_DELTA", "IDX", "12", "SPOT", "", 200.0),
    )
    charge = sa_charge(rows, "USD")
    assert charge.by_scenario[Scenario.HIGH] == pytest.approx(47.434165, abs=1e-6)
    assert charge.by_scenario[Scenario.MEDIUM] == pytest.approx(math.sqrt(2205), rel=1e-14)
    assert charge.sbm == charge.by_scenario[Scenario.HIGH] and charge.scenario is Scenario.HIGH


def test_girr_tenor_correlations_mar21_46() -> None:
    """ρ = max(exp(−3 %·|T_k − T_l| / min(T_k, T_l)), 40 %); × 99.9 % across curves
    (MAR21.47). Values as tabulated from the formula: 0.25/0.5 → 0.970, 1/30 → 0.419."""
    rows = _rows(
        ("GIRR_DELTA", "USD", "USD", "3M", "OIS", 1.0),
        ("GIRR_DELTA", "USD", "USD", "6M", "OIS", 1.0),
        ("GIRR_DELTA", "USD", "USD", "1Y", "OIS", 1.0),
        ("GIRR_DELTA", "USD", "USD", "30Y", "OIS", 1.0),
        ("GIRR_DELTA", "USD", "USD", "30Y", "SOFR3M", 1.0),
    )
    rho = intra_correlation("GIRR", "DELTA", "USD", rows)
    assert rho[0, 1] == pytest.approx(math.exp(-0.03), rel=1e-15)
    assert round(rho[0, 1], 3) == 0.970 and round(rho[2, 3], 3) == 0.419
    assert rho[0, 3] == 0.40  # the floor
    assert rho[3, 4] == pytest.approx(0.999, rel=1e-15)  # same tenor, another curve
    assert rho[2, 4] == pytest.approx(0.999 * math.exp(-0.03 * 29), rel=1e-14)


def test_girr_two_tenors_by_hand() -> None:
    """USD is a specified currency (MAR21.44): RW 1.1 %/√2 at 5Y and 10Y. WS = ±RW·1e6,
    ρ = e^{−0.03·5/5}: K² = 2 WS² (1 − ρ) (medium); high ρ → min(1.25ρ, 1) = 1 → 0."""
    rows = _rows(
        ("GIRR_DELTA", "USD", "USD", "5Y", "OIS", 1e6),
        ("GIRR_DELTA", "USD", "USD", "10Y", "OIS", -1e6),
    )
    ws = 0.011 / math.sqrt(2) * 1e6
    rho = math.exp(-0.03)
    assert _one(rows) == pytest.approx(math.sqrt(2 * ws**2 * (1 - rho)), rel=1e-13)
    assert _one(rows, Scenario.HIGH) == 0.0
    low = max(2 * rho - 1, 0.75 * rho)
    assert _one(rows, Scenario.LOW) == pytest.approx(math.sqrt(2 * ws**2 * (1 - low)), rel=1e-13)


def test_girr_across_currencies_gamma_50pct() -> None:
    """One 5Y sensitivity in USD and in BRL (not specified: RW 1.1 %): γ = 50 % (MAR21.50)."""
    rows = _rows(
        ("GIRR_DELTA", "USD", "USD", "5Y", "OIS", 1e6),
        ("GIRR_DELTA", "BRL", "BRL", "5Y", "OIS", 1e6),
    )
    a, b = 0.011 / math.sqrt(2) * 1e6, 0.011 * 1e6
    assert _one(rows) == pytest.approx(math.sqrt(a**2 + b**2 + 2 * 0.5 * a * b), rel=1e-13)


def test_csr_name_tenor_and_sector_correlations() -> None:
    """MAR21.54: two names, two tenors in bucket 3 (IG financials, RW 5 %): ρ = 35 %·65 %;
    MAR21.57: bucket 3 with bucket 11 (HY financials, RW 12 %): γ = 50 % · 100 %."""
    assert credit_bucket("financials", "BBB") == "3" and credit_bucket("financials", "BB") == "11"
    assert credit_bucket("covered_bond", "NR") == "8" and credit_bucket(None, "A") == "16"
    assert credit_gamma("3", "11") == 0.5 and credit_gamma("1", "2") == 0.75
    assert credit_gamma("9", "13") == 0.25 and credit_gamma("4", "16") == 0.0
    rows = _rows(
        ("CSR_NS_DELTA", "BANK1", "3", "5Y", "BOND", 1e4),
        ("CSR_NS_DELTA", "BANK2", "3", "10Y", "BOND", 1e4),
    )
    ws = 0.05 * 1e4
    expected = math.sqrt(2 * ws**2 + 2 * 0.35 * 0.65 * ws**2)
    assert _one(rows) == pytest.approx(expected, rel=1e-13)
    rows = _rows(
        ("CSR_NS_DELTA", "BANK1", "3", "5Y", "BOND", 1e4),
        ("CSR_NS_DELTA", "JUNK", "11", "5Y", "BOND", -1e4),
    )
    a, b = 0.05 * 1e4, -0.12 * 1e4
    assert _one(rows) == pytest.approx(math.sqrt(a**2 + b**2 + 2 * 0.5 * a * b), rel=1e-13)


def test_commodity_fx_and_vega_by_hand() -> None:
    """Commodity bucket 2 (RW 35 %, ρ_cty 95 %, MAR21.82–83); FX: EUR against USD, a
    specified pair, RW 15 %/√2, γ 60 % (MAR21.87–89); equity vega bucket 5, RW 77.78 %,
    ρ = exp(−1 %·|1 − 3|/1) (MAR21.92–93)."""
    rows = _rows(
        ("COMM_DELTA", "CMD.WTI", "2", "1Y", "", 100.0),
        ("COMM_DELTA", "CMD.BRENT", "2", "1Y", "", 100.0),
    )
    assert _one(rows) == pytest.approx(math.sqrt(2 * 35.0**2 * 1.95), rel=1e-13)
    fx = 0.15 / math.sqrt(2)
    rows = _rows(("FX_DELTA", "EUR", "EUR", "", "", 1e6), ("FX_DELTA", "TRY", "TRY", "", "", -1e6))
    assert _one(rows) == pytest.approx(math.sqrt(2 * (fx * 1e6) ** 2 * (1 - 0.6)), rel=1e-13)
    rows = _rows(("FX_DELTA", "ARS", "ARS", "", "", 1e6))  # not specified: 15 %
    assert _one(rows) == pytest.approx(0.15e6, rel=1e-15)
    rows = _rows(
        ("EQ_VEGA", "EQ.A", "5", "1Y", "", 100.0),
        ("EQ_VEGA", "EQ.A", "5", "3Y", "", 100.0),
    )
    ws, rho = 77.78, math.exp(-0.01 * 2)
    assert _one(rows) == pytest.approx(math.sqrt(2 * ws**2 * (1 + rho)), rel=1e-13)


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(
        [
            ("GIRR_DELTA", "EUR", "EUR", "2Y", "OIS", 0.013 / math.sqrt(2)),
            ("CSR_NS_DELTA", "X", "13", "3Y", "BOND", 0.085),
            ("EQ_DELTA", "EQ.X", "9", "SPOT", "", 0.70),
            ("COMM_DELTA", "CMD.GOLD", "7", "6M", "", 0.20),
            ("FX_DELTA", "JPY", "JPY", "", "", 0.15 / math.sqrt(2)),
            ("EQ_VEGA", "EQ.X", "12", "5Y", "", 0.7778),
        ]
    ),
    st.floats(-1e9, 1e9).filter(lambda x: abs(x) > 1e-6),
)
def test_one_sensitivity_of_any_class_is_its_own_charge(case: tuple, s: float) -> None:  # type: ignore[type-arg]
    """Property (MAR21.4): a single sensitivity's charge is |RW·s| in every scenario."""
    *key, rw = case
    rows = _rows((*key, s))
    for sc in Scenario:
        assert _one(rows, sc) == pytest.approx(abs(rw * s), rel=1e-12)


# -- curvature (MAR21.5, MAR21.98–101): the known mistakes of public implementations ----------


def _curv(*cvrs: tuple[str, str, float, float]) -> SaRows:
    """``(name, bucket, CVR up, CVR down)`` of equities."""
    out = []
    for name, bucket, up, down in cvrs:
        out += [
            ("EQ_CURV", name, bucket, "UP", "", up),
            ("EQ_CURV", name, bucket, "DOWN", "", down),
        ]
    return _rows(*out)


def test_curvature_up_down_is_chosen_per_bucket_not_per_sensitivity() -> None:
    """Bucket 5 (ρ = 25 %, squared 6.25 %): up (10, −8), down (6, 6).
    K_up² = 100 + 0 + 2·0.0625·10·(−8) = 90; K_down² = 36 + 36 + 2·0.0625·36 = 76.5;
    the bucket takes up: √90. Choosing per sensitivity (10 and 6) would give √143.5."""
    rows = _curv(("EQ.A", "5", 10.0, 6.0), ("EQ.B", "5", -8.0, 6.0))
    charge = curvature_charge("EQ", rows, Scenario.MEDIUM)
    assert charge.charge == pytest.approx(math.sqrt(90.0), rel=1e-14)
    assert charge.sides == {"5": "UP"} and charge.bucket_sums == {"5": 2.0}


def test_curvature_correlations_are_squared() -> None:
    """Two CVRs of 10 in bucket 5: √(200 + 2·0.25²·100) = √212.5 (unsquared: √250)."""
    rows = _curv(("EQ.A", "5", 10.0, 0.0), ("EQ.B", "5", 10.0, 0.0))
    assert curvature_charge("EQ", rows, Scenario.MEDIUM).charge == pytest.approx(
        math.sqrt(212.5), rel=1e-14
    )
    # high: ρ² · 1.25 (MAR21.6 on the squared correlation)
    high = curvature_charge("EQ", rows, Scenario.HIGH).charge
    assert high == pytest.approx(math.sqrt(200 + 2 * 1.25 * 0.0625 * 100), rel=1e-14)


def test_curvature_sign_rules() -> None:
    """A negative CVR alone costs nothing (max(CVR, 0)); two negative bucket sums do not
    offset through γ (ψ = 0); a tie between up and down takes the larger Σ CVR."""
    assert curvature_charge("EQ", _curv(("EQ.A", "5", -10.0, -3.0)), Scenario.MEDIUM).charge == 0
    rows = _curv(("EQ.A", "5", 10.0, -20.0), ("EQ.B", "6", 10.0, -20.0))
    # each bucket: K = 10 (up), S = 10; across: γ(5, 6) = 15 %, squared
    charge = curvature_charge("EQ", rows, Scenario.MEDIUM)
    assert charge.charge == pytest.approx(math.sqrt(200 + 2 * 0.0225 * 100), rel=1e-14)
    rows = _curv(("EQ.A", "5", 5.0, 5.0), ("EQ.B", "5", -1.0, 0.0))
    # K_up² = 25 + 2·0.0625·(−5) = 24.375 ≠ K_down² = 25: down wins on size
    assert curvature_charge("EQ", rows, Scenario.MEDIUM).sides == {"5": "DOWN"}
    rows = _curv(("EQ.A", "5", 5.0, 5.0), ("EQ.B", "5", -1.0, -1.0))
    # a tie: K_up = K_down; the larger Σ CVR (equal here): up
    assert curvature_charge("EQ", rows, Scenario.MEDIUM).sides == {"5": "UP"}
    rows = _curv(("EQ.A", "5", -4.0, 0.0), ("EQ.B", "6", -4.0, 0.0))
    # up: K = 0 and S = −4 each; down: K = 0, S = 0 — tie on K, Σ CVR larger down
    assert curvature_charge("EQ", rows, Scenario.MEDIUM).charge == 0.0


# -- DRC (MAR22) and RRAO (MAR23) ------------------------------------------------------------


def test_jtd_netting_respects_seniority_mar22_22() -> None:
    # a junior short offsets a senior long; a senior short does not offset a junior long
    assert net_jtd([100.0, -60.0], ["senior_unsecured", "subordinated"]) == (40.0, 0.0)
    assert net_jtd([100.0, -60.0], ["subordinated", "senior_unsecured"]) == (100.0, -60.0)
    assert net_jtd([50.0, -80.0], ["equity", "equity"]) == (0.0, -30.0)
    np.testing.assert_array_equal(maturity_weight([0.1, 0.5, 3.0]), [0.25, 0.5, 1.0])


def test_drc_by_hand_with_hedge_benefit() -> None:
    """Corporates: A net long 100 (BBB, 6 %), B net short −50 (A, 3 %) ⇒ HBR = 100/150,
    DRC = 6 − (2/3)·1.5 = 5; sovereigns: a 6-month AA long of 1000 weighted ½ ⇒ 2 % · 500
    = 10; buckets add (MAR22.27)."""
    rows = SaRows.of(
        [
            ("DRC_NS", "A", "corporates", "BBB", "senior_unsecured", 100.0, 2.0),
            ("DRC_NS", "B", "corporates", "A", "equity", -50.0, 1.0),
            ("DRC_NS", "UST", "sovereigns", "AA", "senior_unsecured", 1000.0, 0.5),
        ]
    )
    drc = drc_charge(rows)
    assert drc.hedge_benefit["corporates"] == pytest.approx(2 / 3, rel=1e-15)
    assert drc.buckets["corporates"] == pytest.approx(5.0, rel=1e-14)
    assert drc.buckets["sovereigns"] == pytest.approx(10.0, rel=1e-14)
    assert drc.charge == pytest.approx(15.0, rel=1e-14)


def test_rrao_and_sa_total() -> None:
    rows = SaRows.of(
        [
            ("RRAO_EXOTIC", "X", "", "", "", 1e6, NAN),
            ("RRAO_OTHER", "Y", "", "", "", -2e6, NAN),
            ("EQ_DELTA", "EQ.A", "5", "SPOT", "", 100.0, NAN),
        ]
    )
    charge = sa_charge(rows, "USD")
    assert charge.rrao == pytest.approx(0.01 * 1e6 + 0.001 * 2e6, rel=1e-15)
    assert charge.total == pytest.approx(30.0 + charge.rrao, rel=1e-15)


def test_market_risk_capital_mar33_43() -> None:
    """C_A 100 + DRC 10 = IMA_G,A 110; SA_G,A 150; amber SA 50 of 150: k = 1/6,
    surcharge = (40)/6; total = min(110 + 6.667 + 20, 200) + max(0, 110 − 150)."""
    acr = market_risk_capital(100.0, 10.0, 150.0, 20.0, 200.0, 50.0, 150.0)
    assert acr.k == pytest.approx(1 / 6, rel=1e-15)
    assert acr.surcharge == pytest.approx(40 / 6, rel=1e-14)
    assert acr.total == pytest.approx(130.0 + 40 / 6, rel=1e-14)
    capped = market_risk_capital(100.0, 10.0, 50.0, 20.0, 60.0, 0.0, 50.0)
    assert capped.total == pytest.approx(60.0 + 60.0, rel=1e-15)  # SA floor + IMA above SA_G,A
