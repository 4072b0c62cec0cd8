"""The instrument → risk-factor mapping is a table (issue 17, item 7): every instrument
type has a row, and every reason an instrument cannot be priced is named."""

from __future__ import annotations

from riskcap.data.mapping import ROLES, FactorRole, map_instruments, needed_factors
from riskcap.data.schemas import InstrumentType

FACTORS = {"EQ.A", "EQ.B", "VOL.A", "IR.USD.3M", "IR.USD.10Y", "IR.USD.1Y"}


def _row(iid: str, kind: str | None, underlying: str | None = None, **kw: object) -> dict:
    return {
        "instrument_id": iid,
        "instrument_type": kind,
        "underlying": underlying,
        "currency": kw.get("currency", "USD"),
        "curve_id": kw.get("curve_id"),
    }


def test_every_instrument_type_has_a_row() -> None:
    assert set(ROLES) == {t.value for t in InstrumentType}
    assert all(ROLES[t] for t in ROLES)


def test_factors_and_the_reasons_an_instrument_cannot_be_priced() -> None:
    rows = [
        _row("A", "equity", "EQ.A"),
        _row("OPT-A", "equity_option", "EQ.A"),
        _row("OPT-B", "equity_option", "EQ.B"),  # VOL.B is not a factor
        _row("BOND", "bond", curve_id="USD.ZERO"),
        _row("GBP-FUT", "index_future", "EQ.B", currency="GBP"),  # a second curve
        _row("GONE", None),  # not in the instruments table
        _row("FX-FWD", "fx_forward", "EQ.B"),  # no pricer (yet)
    ]
    mapped = map_instruments(rows, FACTORS)
    pillars = ("IR.USD.3M", "IR.USD.1Y", "IR.USD.10Y")  # shortest tenor first
    assert mapped.curve == "USD.ZERO" and mapped.pillars == pillars
    assert mapped.factors == {
        "A": ("EQ.A",),
        "OPT-A": ("EQ.A", "VOL.A", *pillars),
        "BOND": pillars,
    }
    assert mapped.unpriced == {
        "FX-FWD": "no pricer for instrument type fx_forward",
        "GBP-FUT": "discounted on GBP.ZERO, not the run's one curve USD.ZERO",
        "GONE": "not in the instruments table",
        "OPT-B": "factor(s) VOL.B not in the factors table",
    }
    assert needed_factors(rows, mapped) == ["EQ.A", "VOL.A", *pillars]


def test_a_curve_without_pillars_is_named() -> None:
    mapped = map_instruments([_row("SWAP", "irs", curve_id="EUR.ZERO")], FACTORS)
    assert (
        mapped.factors == {} and "curve EUR.ZERO has no pillar factors" in mapped.unpriced["SWAP"]
    )
    shares_only = map_instruments([_row("A", "equity", "EQ.A")], FACTORS)
    assert shares_only.curve is None and needed_factors(
        [_row("A", "equity", "EQ.A")], shares_only
    ) == ["EQ.A"]
    assert FactorRole.CURVE not in ROLES["equity"]
