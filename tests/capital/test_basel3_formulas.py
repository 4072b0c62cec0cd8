"""Basel III credit, counterparty, CVA, operational and adequacy formulas against
published values (../shared/reference/README.md) and closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from riskcap.capital import adequacy, ccr, credit, cva, operational
from riskcap.capital.ccr import AssetClass, Margin, Trade

CORP = credit.IrbClass.CORPORATE.value


# -- IRB -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("pd", "rw"),
    # reference README, "Credit risk, IRB": BCBS CRE31 corporate, LGD 45%, M 2.5y
    [(0.0003, 14.44), (0.001, 29.65), (0.005, 69.61), (0.01, 92.32),
     # Basel II (June 2006) Annex 5 illustrative risk weights, without the 1.06 factor
     (0.0005, 19.65), (0.05, 149.86), (0.20, 238.23)],
)  # fmt: skip
def test_irb_corporate_risk_weights(pd: float, rw: float) -> None:
    got = credit.irb_risk_weight(np.array([pd]), np.array([0.45]), np.array([2.5]), [CORP])
    assert got[0] * 100 == pytest.approx(rw, abs=0.01)  # to the table's last digit


@pytest.mark.parametrize(
    ("cls", "pd", "lgd", "turnover", "rw"),
    # Basel II Annex 5 (reference README): SME turnover €5m, residential mortgage and
    # qualifying revolving retail; 0.01 percentage-point tolerance
    [(CORP, 0.0003, 0.45, 5.0, 11.30), (CORP, 0.01, 0.45, 5.0, 72.40),
     ("residential_mortgage", 0.0003, 0.45, np.nan, 4.15),
     ("residential_mortgage", 0.01, 0.45, np.nan, 56.40),
     ("qrre", 0.0003, 0.85, np.nan, 1.85), ("qrre", 0.01, 0.85, np.nan, 32.53)],
)  # fmt: skip
def test_irb_sme_and_retail_risk_weights(
    cls: str, pd: float, lgd: float, turnover: float, rw: float
) -> None:
    got = credit.irb_risk_weight(
        np.array([pd]), np.array([lgd]), np.array([2.5]), [cls], np.array([turnover])
    )
    assert got[0] * 100 == pytest.approx(rw, abs=0.01)


def test_irb_k_matches_the_cre31_formula_written_out() -> None:
    """Closed form of CRE31.5 with the maturity adjustment, by hand with scipy."""
    pd, lgd, m = 0.02, 0.4, 4.0
    w = (1 - math.exp(-50 * pd)) / (1 - math.exp(-50))
    r = 0.12 * w + 0.24 * (1 - w)
    from scipy.stats import norm

    z = (norm.ppf(pd) + math.sqrt(r) * norm.ppf(0.999)) / math.sqrt(1 - r)
    k = lgd * norm.cdf(z) - pd * lgd
    b = (0.11852 - 0.05478 * math.log(pd)) ** 2
    k *= (1 + (m - 2.5) * b) / (1 - 1.5 * b)
    got = credit.irb_capital_requirement(np.array([pd]), np.array([lgd]), np.array([m]), [CORP])
    assert got[0] == pytest.approx(k, rel=1e-12)


@given(st.floats(1e-4, 0.99), st.floats(0.01, 1.0))
def test_irb_k_is_below_lgd_and_nonnegative(pd: float, lgd: float) -> None:
    k = credit.irb_capital_requirement(np.array([pd]), np.array([lgd]), np.array([1.0]), [CORP])
    assert 0.0 <= k[0] <= lgd + 1e-12


def test_defaulted_irb_exposure_has_no_unexpected_loss_capital() -> None:
    k = credit.irb_capital_requirement(np.array([1.0]), np.array([0.45]), np.array([2.5]), [CORP])
    assert k[0] == 0.0


def test_irb_parameters_apply_the_cre32_floors() -> None:
    p = credit.irb_parameters(
        approach=np.array(["airb", "firb", "airb", "airb"], object),
        exposure_class=np.array(["corporate", "corporate", "sovereign", "retail"], object),
        asset_class=np.array([CORP, CORP, CORP, "qrre"], object),
        pd=np.array([0.0001, 0.02, 0.0001, 0.0002]),
        lgd=np.array([0.10, 0.10, 0.30, 0.40]),
        residual_maturity=np.array([0.3, 7.0, 9.0, 1.0]),
        secured=np.array([False, False, False, False]),
    )
    np.testing.assert_allclose(p.pd, [0.0005, 0.02, 0.0001, 0.001])  # CRE32.13, 32.33
    np.testing.assert_allclose(p.lgd, [0.25, 0.40, 0.30, 0.50])  # CRE32.16, 32.6, 32.37
    f = credit.irb_parameters(
        approach=np.array(["firb"] * 3, object),
        exposure_class=np.array(["sovereign", "corporate", "corporate"], object),
        asset_class=np.array([CORP] * 3, object),
        pd=np.full(3, 0.01), lgd=np.full(3, 0.1), residual_maturity=np.full(3, 3.0),
        secured=np.zeros(3, bool), financial=np.array([False, True, False]),
    )  # fmt: skip
    np.testing.assert_allclose(f.lgd, [0.45, 0.45, 0.40])  # CRE32.6: financials 45%
    np.testing.assert_allclose(p.maturity, [1.0, 2.5, 5.0, 1.0])  # CRE32.47, 32.46


# -- standardised approach --------------------------------------------------------------
def test_sa_risk_weights_follow_the_cre20_tables() -> None:
    cls = [
        "sovereign",
        "sovereign",
        "bank",
        "bank",
        "bank",
        "corporate",
        "corporate",
        "corporate",
        "retail",
        "retail",
        "corporate",
        "equity",
        "corporate",
    ]
    rating = ["AA", "BBB", "A", "A", "NR", "BBB", "NR", "NR", "NR", "NR", "BB", "NR", "D"]
    product = [
        "bond",
        "bond",
        "loan",
        "loan",
        "loan",
        "loan",
        "loan",
        "loan",
        "loan",
        "mortgage",
        "cre_loan",
        "equity",
        "loan",
    ]
    sme = [False] * 7 + [True] + [False] * 5
    short = [False, False, False, True] + [False] * 9
    scra = [""] * 4 + ["B"] + [""] * 8
    ltv = [np.nan] * 9 + [0.65, 0.55, np.nan, np.nan]
    got = credit.sa_risk_weight(
        np.array(cls, object), np.array(rating, object), np.array(product, object),
        sme=np.array(sme), short_term=np.array(short), scra_grade=np.array(scra, object),
        ltv=np.array(ltv),
    )  # fmt: skip
    # CRE20.7, 20.17 (long, short), 20.21 SCRA B, 20.42, 20.42 unrated, 20.47 SME,
    # 20.65, 20.82 (LTV 60–80%: 30%), 20.85 (min(60%, 100%)), 20.58, 20.88
    expected = [0.0, 0.5, 0.3, 0.2, 0.75, 0.75, 1.0, 0.85, 0.75, 0.30, 0.60, 2.5, 1.5]
    np.testing.assert_allclose(got, expected)


def test_ccf_and_comprehensive_crm() -> None:
    ccf = credit.credit_conversion_factor(
        np.array(["commitment", "commitment_ucc", "guarantee", "loan"], object),
        np.array([np.nan, np.nan, np.nan, 0.3]),
    )
    np.testing.assert_allclose(ccf, [0.40, 0.10, 1.00, 0.3])  # CRE20.94, 20.98
    hc = credit.collateral_haircut(
        np.array(["cash", "sovereign_bond", "other_bond", "main_index_equity", "other_bond"]),
        np.array(["NR", "AA", "A", "NR", "BB"], object),
        np.array([0.0, 4.0, 7.0, 0.0, 2.0]),
    )
    np.testing.assert_allclose(hc, [0.0, 0.02, 0.12, 0.20, 1.0])  # CRE22.49
    # E* = max(0, E(1+He) − C(1 − Hc − Hfx)): 100 − 50·(1 − 0.02 − 0.08) = 55 (CRE22.40)
    e = credit.exposure_after_crm(np.array([100.0]), np.array([50.0]), np.array([0.02]), [True])
    assert e[0] == pytest.approx(55.0)


# -- SA-CCR: BCBS 279 Annex 4a ----------------------------------------------------------
def _example1() -> list[Trade]:
    # BCBS 279 Annex 4a, example 1: two USD swaps and a EUR swaption (USD thousands)
    delta = float(
        ccr.supervisory_delta([False], [True], [0.06], [0.05], [1.0], [0.50])[0]
    )  # bought put on the swap rate (receiver swaption): −0.27 (reference README)
    return [
        Trade(AssetClass.INTEREST_RATE, 10_000, 10, 1.0, 30, "USD", end=10),
        Trade(AssetClass.INTEREST_RATE, 10_000, 4, -1.0, -20, "USD", end=4),
        Trade(AssetClass.INTEREST_RATE, 5_000, 1, delta, 50, "EUR", start=1, end=11),
    ]


def _example2() -> list[Trade]:
    # example 2: three CDS — protection bought on AA firm A, sold on BBB firm B, bought
    # on the investment-grade CDX index
    return [
        Trade(AssetClass.CREDIT, 10_000, 3, -1.0, 20, reference="FirmA", end=3, rating="AA"),
        Trade(AssetClass.CREDIT, 10_000, 6, 1.0, -40, reference="FirmB", end=6, rating="BBB"),
        Trade(AssetClass.CREDIT, 10_000, 5, -1.0, 0, reference="CDX.IG", end=5, rating="A",
              index=True),
    ]  # fmt: skip


def _example3() -> list[Trade]:
    # example 3: commodity forwards — long WTI 9 months, short Brent 2 years (both crude
    # oil), long silver 5 years
    return [
        Trade(AssetClass.COMMODITY, 10_000, 0.75, 1.0, -50, "energy", "crude_oil"),
        Trade(AssetClass.COMMODITY, 20_000, 2, -1.0, -30, "energy", "crude_oil"),
        Trade(AssetClass.COMMODITY, 10_000, 5, 1.0, 100, "metals", "silver"),
    ]


def test_saccr_example1_intermediate_values() -> None:
    sd = ccr.supervisory_duration(np.array([0, 0, 1.0]), np.array([10, 4, 11.0]))
    np.testing.assert_allclose(sd * [10_000, 10_000, 5_000], [78_694, 36_254, 37_428], atol=1)
    delta = ccr.supervisory_delta([False], [True], [0.06], [0.05], [1.0], [0.50])[0]
    assert round(float(delta), 2) == -0.27
    # effective notional per currency (reference README): USD 59,270, EUR 10,083
    usd = np.array([0.0, -36_254.0, 78_694.0])
    rho = np.array(ccr.IR_BUCKET_CORRELATION)
    assert math.sqrt(usd @ rho @ usd) == pytest.approx(59_270, abs=2)
    assert abs(delta * sd[2] * 5_000) == pytest.approx(10_083, abs=1)


@pytest.mark.parametrize(
    ("trades", "margin", "rc", "addon", "mult", "ead"),
    # reference README, SA-CCR table (BCBS 279 Annex 4a)
    [
        (_example1(), None, 60, 347, 1.0, 569),
        (_example2(), None, 0, 282, 0.965, 381),
        (_example3(), None, 20, 3_841, 1.0, 5_406),
        (_example1() + _example2(), None, 40, 629, 1.0, 936),
        # weekly remargining: MPOR = 10 + 5 − 1 = 14 days; IA 150 held in collateral 200
        (_example1() + _example3(), Margin(0, 5, 150, 200, 14), 0, 1_401, 0.958, 1_879),
    ],
)
def test_saccr_bcbs279_examples(
    trades: list[Trade], margin: Margin | None, rc: float, addon: float, mult: float, ead: float
) -> None:
    r = ccr.saccr(trades, margin)
    assert r.rc == pytest.approx(rc, abs=0.5)
    assert r.addon == pytest.approx(addon, abs=1.0)
    assert r.multiplier == pytest.approx(mult, abs=0.0005)
    assert r.ead == pytest.approx(ead, abs=1.0)


def test_saccr_example3_commodity_split() -> None:
    by = ccr.addon(_example3())
    assert by["commodity"] == pytest.approx(2_041 + 1_800, abs=1)  # reference README


def test_saccr_multiplier_is_one_in_the_money_and_floored() -> None:
    assert ccr.multiplier(10.0, 100.0) == 1.0
    assert ccr.multiplier(-1e12, 100.0) == pytest.approx(0.05)


def test_saccr_fx_and_equity_addons_closed_form() -> None:
    # FX: 4% × |Σ δ·d·MF| per pair; equity: single name SF 32%, one entity → A exactly
    fx = [Trade(AssetClass.FX, 1_000, 2, 1.0, 0, "EURUSD"),
          Trade(AssetClass.FX, 400, 0.25, -1.0, 0, "EURUSD")]  # fmt: skip
    assert ccr.addon(fx)["fx"] == pytest.approx(0.04 * (1_000 - 400 * math.sqrt(0.25)))
    eq = [Trade(AssetClass.EQUITY, 500, 1, 1.0, 0, reference="XYZ")]
    assert ccr.addon(eq)["equity"] == pytest.approx(0.32 * 500)


# -- CVA ------------------------------------------------------------------------------
def test_ba_cva_single_counterparty_closed_form() -> None:
    # one counterparty: K = DS·sqrt(ρ²S² + (1 − ρ²)S²) = DS·S (MAR50.14)
    names, s = cva.standalone_cva(np.array([0.05]), np.array(["X"]), [100.0], [2.0])
    assert list(names) == ["X"]
    df = (1 - math.exp(-0.1)) / 0.1
    assert s[0] == pytest.approx(0.05 / 1.4 * 2.0 * 100.0 * df)
    assert cva.ba_cva_capital(s) == pytest.approx(0.65 * s[0])
    np.testing.assert_allclose(
        cva.cva_risk_weight(np.array(["financials", "sovereign"]), np.array(["A", "BB"])),
        [0.05, 0.02],  # MAR50.16 Table 1
    )


def test_ba_cva_diversifies_below_the_sum() -> None:
    s = np.array([10.0, 20.0, 30.0])
    k = cva.ba_cva_capital(s)
    assert 0.65 * math.sqrt(np.sum(s**2)) < k < 0.65 * s.sum()


# -- SMA ------------------------------------------------------------------------------
def test_bic_of_the_ope25_footnote() -> None:
    # reference README: BI €35bn → 1×12% + 29×15% + 5×18% = €5.37bn (OPE25.8)
    assert operational.business_indicator_component(35e9) == pytest.approx(5.37e9)
    assert operational.bi_bucket(35e9) == 3
    assert operational.bi_bucket(0.8e9) == 1


@pytest.mark.parametrize(("ratio", "ilm"), [(1.0, 1.0), (2.0, 1.2411)])  # reference README
def test_ilm_values(ratio: float, ilm: float) -> None:
    assert operational.internal_loss_multiplier(ratio, 1.0) == pytest.approx(ilm, abs=5e-5)


def _bi(scale: float) -> operational.BusinessIndicatorInputs:
    ones = np.ones(3)
    return operational.BusinessIndicatorInputs(
        interest_income=ones * 3 * scale, interest_expense=ones * 1 * scale,
        interest_earning_assets=ones * 100 * scale, dividend_income=ones * 0.1 * scale,
        fee_income=ones * 1 * scale, fee_expense=ones * 0.4 * scale,
        other_operating_income=ones * 0.2 * scale, other_operating_expense=ones * 0.3 * scale,
        net_pnl_trading_book=np.array([0.5, -0.5, 0.2]) * scale,
        net_pnl_banking_book=ones * 0.1 * scale,
    )  # fmt: skip


def test_business_indicator_items() -> None:
    bi = operational.business_indicator(_bi(1e9))
    # ILDC = min(|3 − 1|, 2.25% × 100) + 0.1 = 2.1; SC = max(0.2, 0.3) + max(1, 0.4) = 1.3;
    # FC = mean(|0.5|, |−0.5|, |0.2|) + 0.1 = 0.5 (OPE25.7), €bn
    assert (bi.ildc, bi.sc, bi.fc) == pytest.approx((2.1e9, 1.3e9, 0.5e9))


def test_sma_bucket_rules() -> None:
    high_losses = np.full(10, 1e9)
    big = operational.operational_risk_capital(_bi(1e9), high_losses)
    assert big.bucket == 2 and big.ilm > 1.0
    assert big.capital == pytest.approx(big.bic * big.ilm)
    small = operational.operational_risk_capital(_bi(1e8), high_losses)
    assert small.bucket == 1 and small.ilm == 1.0  # OPE25.14: bucket 1 uses ILM 1
    short = operational.operational_risk_capital(_bi(1e9), high_losses[:4])
    assert short.ilm == 1.0  # fewer than five years of loss data


# -- adequacy --------------------------------------------------------------------------
def test_output_floor_and_ratios() -> None:
    rwa = adequacy.RiskWeightedAssets(
        credit=500.0, credit_sa=900.0, ccr=50.0, cva=20.0, market_capital=8.0,
        market_capital_sa=12.0, operational_capital=10.0,
    )  # fmt: skip
    assert rwa.internal == pytest.approx(500 + 50 + 20 + 12.5 * 18)  # RBC20.4
    assert rwa.standardised == pytest.approx(900 + 50 + 20 + 12.5 * 22)
    assert rwa.floored(0.725) == pytest.approx(0.725 * rwa.standardised)  # RBC20.11
    assert adequacy.output_floor_percentage(2026) == 0.65  # RBC90.2
    assert adequacy.output_floor_percentage(2035) == 0.725
    assert adequacy.output_floor_percentage(2020) == 0.50
    cet1, tier1, total = adequacy.capital_ratios(
        adequacy.CapitalResources(100.0, 20.0, 30.0), 1000.0, adequacy.Buffers(0.025, 0.01, 0.0)
    )
    assert (cet1.value, tier1.value, total.value) == pytest.approx((0.10, 0.12, 0.15))
    assert cet1.requirement == pytest.approx(0.045 + 0.035)
    assert cet1.surplus == pytest.approx(100 - 0.08 * 1000)
    assert total.met and cet1.met


def test_countercyclical_buffer_weights_by_country() -> None:
    got = adequacy.countercyclical_buffer({"GB": 300.0, "US": 700.0}, {"GB": 0.02})
    assert got == pytest.approx(0.3 * 0.02)  # RBC30.14


def test_leverage_ratio() -> None:
    exposure = adequacy.leverage_exposure(
        np.array([900.0]), np.array([100.0]), np.array([0.05]), derivatives=50.0
    )
    assert exposure == pytest.approx(900 + 10 + 50)  # LEV30.40: CCF floor 10%
    r = adequacy.leverage_ratio(48.0, exposure, gsib_buffer=0.01)
    assert r.value == pytest.approx(0.05) and r.requirement == pytest.approx(0.035)
