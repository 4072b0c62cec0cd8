"""Bundled real data, synthetic curve and vols, and the deterministic demo book."""

from __future__ import annotations

import filecmp
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from riskcap.data.samples import (
    BUNDLED_SHA256,
    MarketBundle,
    bundled_file,
    ewma_volatility,
    market_bundle,
    real_prices,
    synthetic_zero_curve,
)
from riskcap.data.schemas import InstrumentType
from riskcap.inputs.demo_book import HIERARCHY, generate_demo_book


@pytest.fixture(scope="module")
def bundle() -> MarketBundle:
    return market_bundle(seed=7)


def test_bundled_files_match_provenance_and_shape() -> None:
    for name in BUNDLED_SHA256:
        assert bundled_file(name).exists()
    prices = real_prices()
    # shared/data/README.md: 8313 rows 1990-01-02..2022-12-28, 20 stocks + index + 5 ETFs
    assert prices.shape == (8313, 26)
    assert prices.index[0] == pd.Timestamp("1990-01-02")
    assert prices.index[-1] == pd.Timestamp("2022-12-28")
    assert prices.filter(like="EQ.").notna().all().all()
    assert prices["ETF.MTUM"].first_valid_index() == pd.Timestamp("2014-01-02")
    assert prices["IDX.SP500"].min() == pytest.approx(295.46)  # README: range 295.46..4796.56
    assert prices["IDX.SP500"].max() == pytest.approx(4796.56)
    assert prices.loc["1990-01-02", "EQ.AAPL"] == pytest.approx(0.264)


def test_factor_metadata_marks_synthetic(bundle: MarketBundle) -> None:
    f = bundle.factors.set_index("factor_id")
    assert not f.loc["EQ.AAPL", "synthetic"] and f.loc["EQ.AAPL", "shock_type"] == "log"
    assert f.loc["IR.USD.10Y", "synthetic"] and f.loc["IR.USD.10Y", "shock_type"] == "absolute"
    assert f.loc["VOL.SP500", "synthetic"] and "SYNTHETIC" in f.loc["VOL.SP500", "description"]
    assert set(bundle.market_data["factor_id"]) == set(f.index)


def test_synthetic_data_is_deterministic_per_seed(bundle: MarketBundle) -> None:
    dates = pd.bdate_range("2020-01-01", periods=300)
    a, b = synthetic_zero_curve(dates, 7), synthetic_zero_curve(dates, 7)
    pd.testing.assert_frame_equal(a, b)
    assert not synthetic_zero_curve(dates, 8).equals(a)
    again = market_bundle(seed=7)
    pd.testing.assert_frame_equal(again.vols, bundle.vols)
    assert np.isfinite(bundle.curves["zero_rate"]).all()
    assert (bundle.vols["implied_vol"] >= 0.05).all()


def test_ewma_volatility_matches_recursion() -> None:
    # RiskMetrics (1996) recursion σ²_t = λσ²_{t-1} + (1-λ) r²_t, seeded with r²_0.
    r = pd.DataFrame({"x": [0.01, -0.02, 0.015, 0.0, -0.01]})
    var = [r["x"][0] ** 2]
    for x in r["x"][1:]:
        var.append(0.94 * var[-1] + 0.06 * x**2)
    np.testing.assert_allclose(ewma_volatility(r)["x"], np.sqrt(np.array(var) * 252), rtol=1e-14)


@pytest.mark.slow
def test_demo_book_is_deterministic_and_complete(bundle: MarketBundle, tmp_path: Path) -> None:
    a = generate_demo_book(bundle, 11, 20, tmp_path / "a")
    b = generate_demo_book(bundle, 11, 20, tmp_path / "b")
    for pa_, pb in [
        (a.books, b.books),
        (a.instruments, b.instruments),
        (a.opening_positions, b.opening_positions),
        *zip(a.trades, b.trades, strict=False),
    ]:
        assert filecmp.cmp(pa_, pb, shallow=False)
    books = pd.read_csv(a.books)
    assert len(books) == 16 == len(HIERARCHY)
    assert books["desk"].nunique() == 5 and books["legal_entity"].nunique() == 2
    inst = pd.read_csv(a.instruments)
    assert set(inst["instrument_type"]) == {t.value for t in InstrumentType}
    assert set(inst["currency"]) == {"USD", "EUR", "GBP", "JPY"}
    # the UK entity's bonds of an issuer carry its rating and sector; spread curves exist
    corporate = inst.loc[inst["issuer"].notna()]
    assert set(corporate["rating"]) == {"A", "BBB", "BB"} and corporate["sector"].notna().all()
    assert {f"{i}.SPREAD" for i in corporate["issuer"]} <= set(bundle.curves["curve_id"])
    trades = pd.concat([pd.read_csv(p) for p in a.trades])
    assert len(a.trades) == 20 and trades["trade_id"].is_unique
    assert np.isfinite(trades["price"]).all()
    opening = pd.read_csv(a.opening_positions)
    # some trades open instruments not held at the open, some close a position to zero
    opened = set(zip(trades["book_id"], trades["instrument_id"], strict=False)) - set(
        zip(opening["book_id"], opening["instrument_id"], strict=False)
    )
    assert opened
    net = pd.concat([opening, trades]).groupby(["book_id", "instrument_id"])["quantity"].sum()
    assert (net == 0).any()
