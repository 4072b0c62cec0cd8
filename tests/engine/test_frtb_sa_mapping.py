"""The FRTB SA factor mapping on instruments that are not the demo's (docs/frtb-sa.md §1):
buckets from frtb_bucket, sector and rating, the fall-backs, and the tenor split."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from riskcap.capital import frtb_sa_params as P
from riskcap.engine.frtb_sa import _delta_keys, classify, split_tenor

INSTRUMENTS = pd.DataFrame(
    [
        dict(instrument_type="equity", underlying="EQ.BANK", sector="financials"),
        dict(instrument_type="equity", underlying="EQ.SMALL", frtb_bucket="10"),
        dict(instrument_type="equity", underlying="EQ.ODD"),  # no sector: other (11)
        dict(instrument_type="equity_option", underlying="EQ.NOSTOCK"),
        dict(instrument_type="commodity_future", underlying="CMD.LUMBER", frtb_bucket="10"),
        dict(instrument_type="commodity_future", underlying="CMD.ZINC"),
        dict(instrument_type="bond", issuer="MUNI", sector="local_government", rating="BB"),
        dict(instrument_type="bond", issuer="CORP", sector="technology", rating="A"),
        dict(instrument_type="bond", spread_curve="HYIDX.SPREAD", rating="B"),
    ]
)
FACTORS = ["EQ.BANK", "EQ.SMALL", "EQ.ODD", "EQ.NOSTOCK", "IDX.DAX", "ETF.MTUM"]
FACTORS += ["CMD.LUMBER.1Y", "CMD.ZINC.1Y", "CMD.GOLD.3M"]
TYPES = ["equity_price"] * 4 + ["index_level", "etf_price"] + ["commodity_price"] * 3


def test_buckets_of_a_book_that_is_not_the_demos() -> None:
    c = classify(INSTRUMENTS, FACTORS, TYPES)
    assert c.equity_bucket == {
        "EQ.BANK": "8",  # financials, large cap advanced (MAR21.72)
        "EQ.SMALL": "10",  # named
        "EQ.ODD": "11",  # no sector: other sector
        "EQ.NOSTOCK": "11",  # only an option on it: nothing says more
        "IDX.DAX": "12",
        "ETF.MTUM": "13",
    }
    assert c.commodity_bucket == {"CMD.LUMBER": "10", "CMD.ZINC": "11", "CMD.GOLD": "7"}
    assert c.credit == {"MUNI": ("10", "BB"), "CORP": ("6", "A"), "HYIDX": ("16", "B")}


def test_pillars_map_to_frtb_risk_factors() -> None:
    c = classify(INSTRUMENTS, FACTORS, TYPES)
    # a 4Y OIS pillar splits half and half between the 3Y and 5Y vertices
    assert _delta_keys("IR.USD.4Y", "zero_rate", c) == [
        (("GIRR_DELTA", "USD", "USD", "3Y", "OIS"), 0.5),
        (("GIRR_DELTA", "USD", "USD", "5Y", "OIS"), 0.5),
    ]
    (key, w), *_ = _delta_keys("IR.EUR.EURIBOR3M.1M", "zero_rate", c)
    assert key == ("GIRR_DELTA", "EUR", "EUR", "3M", "EURIBOR3M") and w == 1.0
    assert _delta_keys("CS.MUNI.7Y", "credit_spread", c)[0][0][:3] == ("CSR_NS_DELTA", "MUNI", "10")
    assert _delta_keys("FX.JPYUSD", "fx_rate", c) == [(("FX_DELTA", "JPY", "JPY", "", ""), 1.0)]
    assert _delta_keys("CMD.ZINC.1Y", "commodity_price", c) == [
        (("COMM_DELTA", "CMD.ZINC", "11", "1Y", ""), 1.0)
    ]


@given(st.floats(0.0, 60.0), st.sampled_from([P.GIRR_TENORS, P.CSR_TENORS, P.COMMODITY_TENORS]))
def test_tenor_split_keeps_the_sensitivity_and_its_time(t: float, vertices: tuple) -> None:  # type: ignore[type-arg]
    parts = split_tenor(t, vertices)
    assert sum(w for _, w in parts) == pytest.approx(1.0, abs=1e-15)
    assert all(0.0 <= w <= 1.0 for _, w in parts)
    if vertices[0] <= t <= vertices[-1]:  # inside: the weights' mean tenor is t
        assert sum(v * w for v, w in parts) == pytest.approx(t, rel=1e-12, abs=1e-12)
