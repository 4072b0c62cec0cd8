"""The instrument → risk-factor mapping is a table (issue 17, item 7): every instrument
type has a row, and every reason an instrument cannot be priced is named."""

from __future__ import annotations

from riskcap.data.mapping import ROLES, FactorRole, map_instruments, needed_factors
from riskcap.data.schemas import InstrumentType

FACTORS = {"EQ.A", "EQ.B", "VOL.A", "IR.USD.3M", "IR.USD.10Y", "IR.USD.1Y"}


FX_FACTORS = FACTORS | {"FX.GBPUSD", "FX.EURUSD", "IR.GBP.1Y", "IR.EUR.1Y", "IR.EUR.5Y"}


def _row(iid: str, kind: str | None, underlying: str | None = None, **kw: object) -> dict:
    return {
        "instrument_id": iid,
        "instrument_type": kind,
        "underlying": underlying,
        "currency": kw.get("currency", "USD"),
        "base_currency": kw.get("base_currency"),
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
        _row("GBP-FUT", "index_future", "EQ.B", currency="GBP"),  # no GBP curve, no FX
        _row("GONE", None),  # not in the instruments table
        _row("FX-FWD", "fx_forward", currency="USD"),  # no base currency
        _row("CDS", "cds", currency="USD"),  # no pricer
    ]
    mapped = map_instruments(rows, FACTORS)
    pillars = ("IR.USD.3M", "IR.USD.1Y", "IR.USD.10Y")  # shortest tenor first
    assert mapped.curves == {"USD.ZERO": pillars}
    assert mapped.factors == {
        "A": ("EQ.A",),
        "OPT-A": ("EQ.A", "VOL.A", *pillars),
        "BOND": pillars,
    }
    assert mapped.unpriced == {
        "CDS": "no pricer for instrument type cds",
        "FX-FWD": "a fx_forward needs a base_currency",
        "GBP-FUT": "curve GBP.ZERO has no pillar factors (IR.GBP.<tenor>): load them as "
        "zero_rate factors with a curves file",
        "GONE": "not in the instruments table",
        "OPT-B": "factor(s) VOL.B not in the factors table",
    }
    assert needed_factors(rows, mapped) == ["EQ.A", "VOL.A", *pillars]


def test_currencies_need_their_fx_rate_and_curves() -> None:
    """An instrument in another currency than the reporting one needs FX.<CCY><REP>;
    an FX instrument the FX rates and curves of both its currencies."""
    rows = [
        _row("GBP-FUT", "index_future", "EQ.B", currency="GBP"),
        _row("EURUSD-FWD", "fx_forward", currency="USD", base_currency="EUR"),
        _row("EURGBP-FWD", "fx_swap", currency="GBP", base_currency="EUR"),
        _row("JPY-BOND", "bond", currency="JPY", curve_id="USD.ZERO"),  # FX.JPYUSD missing
    ]
    mapped = map_instruments(rows, FX_FACTORS)
    usd = ("IR.USD.3M", "IR.USD.1Y", "IR.USD.10Y")
    assert mapped.factors == {
        "GBP-FUT": ("EQ.B", "FX.GBPUSD", "IR.GBP.1Y"),
        "EURUSD-FWD": ("FX.EURUSD", *usd, "IR.EUR.1Y", "IR.EUR.5Y"),
        "EURGBP-FWD": ("FX.GBPUSD", "FX.EURUSD", "IR.GBP.1Y", "IR.EUR.1Y", "IR.EUR.5Y"),
    }
    assert mapped.unpriced == {"JPY-BOND": "factor(s) FX.JPYUSD not in the factors table"}
    assert list(mapped.curves) == ["EUR.ZERO", "GBP.ZERO", "USD.ZERO"]
    assert needed_factors(rows, mapped) == [
        "EQ.B",
        "FX.EURUSD",
        "FX.GBPUSD",
        "IR.EUR.1Y",
        "IR.EUR.5Y",
        "IR.GBP.1Y",
        *usd,
    ]
    # reported in GBP, a GBP instrument needs no FX rate; a USD one needs FX.USDGBP
    in_gbp = map_instruments(rows[:1], FX_FACTORS, reporting="GBP")
    assert in_gbp.factors == {"GBP-FUT": ("EQ.B", "IR.GBP.1Y")}
    usd_in_gbp = map_instruments([_row("A", "equity", "EQ.A")], FX_FACTORS, reporting="GBP")
    assert usd_in_gbp.unpriced == {"A": "factor(s) FX.USDGBP not in the factors table"}


def test_a_curve_without_pillars_is_named() -> None:
    mapped = map_instruments([_row("SWAP", "irs", curve_id="EUR.ZERO")], FACTORS)
    assert (
        mapped.factors == {} and "curve EUR.ZERO has no pillar factors" in mapped.unpriced["SWAP"]
    )
    shares_only = map_instruments([_row("A", "equity", "EQ.A")], FACTORS)
    assert shares_only.curves == {} and needed_factors(
        [_row("A", "equity", "EQ.A")], shares_only
    ) == ["EQ.A"]
    assert FactorRole.CURVE not in ROLES["equity"]
