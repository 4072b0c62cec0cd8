"""Explicit pyarrow schemas of every lake table.

Each table is described by a :class:`TableSpec`: its Arrow schema (types and
nullability), its partition columns and its natural key. The lake creates tables
from these specs and every write is cast to them, so a table never drifts.

Conventions (DESIGN.md §3): dates are ISO business dates (``date32``), timestamps
are UTC, quantities are signed (long positive), prices and values are float64 in
the instrument's currency.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import pyarrow as pa


class InstrumentType(enum.StrEnum):
    """Instrument families riskcap can price (one pricing module each)."""

    EQUITY = "equity"  # a share; underlying = its price factor
    INDEX = "index"  # an index tracker held at the index level
    EQUITY_OPTION = "equity_option"  # European option on a share
    INDEX_OPTION = "index_option"  # European option on an index
    INDEX_FUTURE = "index_future"  # cash-settled index future
    BOND = "bond"  # fixed-rate bullet bond
    IRS = "irs"  # vanilla fixed-for-floating interest-rate swap
    FX_FORWARD = "fx_forward"  # buy base_currency for currency at strike on maturity
    FX_SWAP = "fx_swap"  # near leg (near_date, near_rate) and opposite far leg
    FX_OPTION = "fx_option"  # European option on base_currency, struck in currency
    COMMODITY_FUTURE = "commodity_future"  # on the forward curve CMD.<NAME> (underlying)


RESIDUAL_RISKS = ("exotic", "other")  # MAR23.2–23.3: the residual risk add-on's classes
SENIORITIES = ("senior_secured", "senior_unsecured", "subordinated")
RATINGS = ("AAA", "AA", "A", "BBB", "BB", "B", "CCC", "D", "NR")
# the issuer sectors of FRTB's credit spread buckets (MAR21.51)
SECTORS = (
    "sovereign",
    "local_government",
    "financials",
    "basic_materials",
    "consumer",
    "technology",
    "health_care",
    "covered_bond",
    "other",
)


class FactorType(enum.StrEnum):
    """Market risk-factor families stored in ``market_data``."""

    EQUITY_PRICE = "equity_price"
    INDEX_LEVEL = "index_level"
    ETF_PRICE = "etf_price"
    ZERO_RATE = "zero_rate"
    IMPLIED_VOL = "implied_vol"
    FX_RATE = "fx_rate"
    CREDIT_SPREAD = "credit_spread"
    COMMODITY_PRICE = "commodity_price"


class ShockType(enum.StrEnum):
    """How scenario shocks apply to a factor (DESIGN.md §3)."""

    LOG = "log"  # relative: x·exp(r)
    ABSOLUTE = "absolute"  # x + Δ (rates, spreads)


@dataclass(frozen=True)
class TableSpec:
    """A lake table: name, Arrow schema, partition columns and natural key."""

    name: str
    schema: pa.Schema
    partition_by: tuple[str, ...] = ()
    key: tuple[str, ...] = ()

    @property
    def columns(self) -> list[str]:
        return list(self.schema.names)


def _f(name: str, typ: pa.DataType, nullable: bool = False) -> pa.Field:
    return pa.field(name, typ, nullable=nullable)


BOOKS = TableSpec(
    "books",
    pa.schema(
        [
            _f("book_id", pa.string()),
            _f("desk", pa.string(), True),
            _f("legal_entity", pa.string(), True),
            _f("firm", pa.string(), True),
            _f("description", pa.string(), True),
        ]
    ),
    key=("book_id",),
)

INSTRUMENTS = TableSpec(
    "instruments",
    pa.schema(
        [
            _f("instrument_id", pa.string()),
            _f("instrument_type", pa.string()),
            _f("description", pa.string(), True),
            _f("currency", pa.string()),
            _f("underlying", pa.string(), True),  # factor_id of the underlying price
            _f("multiplier", pa.float64()),  # contract size / face / notional per unit
            _f("strike", pa.float64(), True),
            _f("option_type", pa.string(), True),  # call | put
            _f("expiry", pa.date32(), True),  # option / future expiry
            _f("maturity", pa.date32(), True),  # bond / swap maturity
            _f("fixed_rate", pa.float64(), True),  # bond coupon or swap fixed rate
            _f("payment_frequency", pa.int32(), True),  # payments per year
            _f("pay_receive", pa.string(), True),  # IRS: pay | receive (fixed leg)
            _f("curve_id", pa.string(), True),  # discount curve
            _f("base_currency", pa.string(), True),  # FX: the currency bought (pair base)
            _f("near_date", pa.date32(), True),  # FX swap: near-leg settlement
            _f("near_rate", pa.float64(), True),  # FX swap: near-leg rate (quote per base)
            _f("issuer", pa.string(), True),  # bonds: the obligor (spread curve <ISSUER>.SPREAD)
            _f("seniority", pa.string(), True),  # senior_secured | senior_unsecured | subordinated
            _f("rating", pa.string(), True),  # AAA … CCC, D, NR (external rating)
            _f("sector", pa.string(), True),  # the issuer's sector (SECTORS)
            _f("spread_curve", pa.string(), True),  # a shared spread curve instead of the issuer's
            # conventions of bonds and swaps (empty: the currency's, data/conventions.py)
            _f("start_date", pa.date32(), True),  # first accrual date (default: a regular schedule)
            _f("calendar", pa.string(), True),  # US | TARGET | UK | JP | WEEKENDS | NONE, "+" joins
            _f("business_day_convention", pa.string(), True),  # modified_following | following …
            _f("day_count", pa.string(), True),  # bond coupons / swap fixed leg: ACT/360 …
            _f("float_day_count", pa.string(), True),  # swap floating leg (and its index)
            _f("float_frequency", pa.int32(), True),  # swap floating payments a year
            _f("projection_curve", pa.string(), True),  # swap floating index curve (EUR.EURIBOR3M)
            # FRTB SA: the bucket of an equity or commodity (empty: derived, docs/frtb-sa.md)
            _f("frtb_bucket", pa.string(), True),
            _f("residual_risk", pa.string(), True),  # MAR23: exotic | other (empty: none)
        ]
    ),
    key=("instrument_id",),
)

FACTORS = TableSpec(
    "factors",
    pa.schema(
        [
            _f("factor_id", pa.string()),
            _f("factor_type", pa.string()),
            _f("shock_type", pa.string()),
            _f("unit", pa.string(), True),
            _f("synthetic", pa.bool_()),
            _f("source", pa.string(), True),
            _f("description", pa.string(), True),
            # market calendar of the factor (its holidays in `holidays`); none: every
            # date the lake has data on is a business day of the factor
            _f("calendar", pa.string(), True),
        ]
    ),
    key=("factor_id",),
)

HOLIDAYS = TableSpec(
    "holidays",
    pa.schema(
        [
            _f("calendar", pa.string()),
            _f("date", pa.date32()),
            _f("description", pa.string(), True),
        ]
    ),
    key=("calendar", "date"),
)

POSITIONS = TableSpec(
    "positions",
    pa.schema(
        [
            _f("as_of", pa.date32()),
            _f("book_id", pa.string()),
            _f("instrument_id", pa.string()),
            _f("quantity", pa.float64()),
        ]
    ),
    partition_by=("as_of",),
    key=("as_of", "book_id", "instrument_id"),
)

TRADES = TableSpec(
    "trades",
    pa.schema(
        [
            _f("trade_id", pa.string()),
            _f("trade_date", pa.date32()),
            _f("book_id", pa.string()),
            _f("instrument_id", pa.string()),
            _f("quantity", pa.float64()),
            _f("price", pa.float64()),
        ]
    ),
    key=("trade_id",),
)

MARKET_DATA = TableSpec(
    "market_data",
    pa.schema(
        [
            _f("date", pa.date32()),
            _f("factor_id", pa.string()),
            _f("value", pa.float64()),
        ]
    ),
    key=("date", "factor_id"),
)

CURVES = TableSpec(
    "curves",
    pa.schema(
        [
            _f("date", pa.date32()),
            _f("curve_id", pa.string()),
            _f("tenor_years", pa.float64()),
            _f("zero_rate", pa.float64()),  # continuously compounded, ACT/365F
        ]
    ),
    key=("date", "curve_id", "tenor_years"),
)

VOLS = TableSpec(
    "vols",
    pa.schema(
        [
            _f("date", pa.date32()),
            _f("underlying", pa.string()),
            _f("tenor_years", pa.float64()),
            _f("implied_vol", pa.float64()),  # annualised
            # strike / spot of the point (1: ATM; empty in a table made before smiles: ATM)
            _f("moneyness", pa.float64(), True),
        ]
    ),
    key=("date", "underlying", "tenor_years", "moneyness"),
)

OBSERVATIONS = TableSpec(
    "observations",
    pa.schema(
        [
            _f("date", pa.date32()),
            _f("factor_id", pa.string()),
            _f("source", pa.string()),  # venue, vendor or trade repository of the price
        ]
    ),
    key=("date", "factor_id", "source"),
)

QUARANTINE = TableSpec(
    "quarantine",
    pa.schema(
        [
            _f("source_sha256", pa.string()),
            _f("source_file", pa.string()),
            _f("target_table", pa.string()),
            _f("source_row", pa.int64()),  # 1-based data row (CSV: file line - 1)
            _f("rule", pa.string()),
            _f("detail", pa.string()),
            _f("raw", pa.string()),  # the row as JSON, as read
            _f("quarantined_at", pa.timestamp("us", tz="UTC")),
        ]
    ),
    key=("source_sha256", "source_row", "rule"),
)

PNL_VECTORS = TableSpec(
    "pnl_vectors",
    pa.schema(
        [
            _f("as_of", pa.date32()),
            _f("run_id", pa.string()),
            _f("scenario_set", pa.string()),  # hs_1d, hs_10d, mc_1d …
            _f("method", pa.string()),  # hs | mc
            _f("horizon", pa.int32()),  # business days
            _f("node", pa.string()),  # firm:…, entity:…, desk:…, book:…
            _f("pnl", pa.list_(pa.float64())),  # profit positive, per scenario, in order
        ]
    ),
    partition_by=("as_of",),
    key=("run_id", "scenario_set", "node"),
)

RESULTS = TableSpec(
    "results",
    pa.schema(
        [
            _f("as_of", pa.date32()),
            _f("run_id", pa.string()),
            _f("node", pa.string()),
            _f("method", pa.string()),  # hs | mc
            _f("measure", pa.string()),  # var | es (positive = loss)
            _f("horizon", pa.int32()),
            _f("confidence", pa.float64()),
            _f("value", pa.float64()),  # reporting currency
            _f("scenarios", pa.int64()),
        ]
    ),
    partition_by=("as_of",),
    key=("run_id", "node", "method", "measure", "horizon", "confidence"),
)

BACKTEST = TableSpec(
    "backtest",
    pa.schema(
        [
            _f("as_of", pa.date32()),  # the day whose P&L is tested
            _f("run_id", pa.string()),
            _f("node", pa.string()),
            _f("method", pa.string()),  # the VaR model tested: hs | mc
            _f("confidence", pa.float64()),
            _f("pnl_type", pa.string()),  # hypothetical | actual
            _f("pnl", pa.float64()),  # profit positive
            _f("var", pa.float64()),  # 1-day VaR of the previous business day (positive)
            _f("var_as_of", pa.date32()),
            _f("var_run_id", pa.string()),
            _f("exception", pa.bool_()),  # pnl < −var
        ]
    ),
    partition_by=("as_of",),
    key=("run_id", "node", "method", "confidence", "pnl_type"),
)

PNL_ATTRIBUTION = TableSpec(
    "pnl_attribution",
    pa.schema(
        [
            _f("as_of", pa.date32()),  # the day whose P&L it is
            _f("run_id", pa.string()),
            _f("node", pa.string()),
            _f("hypothetical", pa.float64()),  # HPL: T-1 positions, T's full market
            _f("risk_theoretical", pa.float64()),  # RTPL: T-1 model, factor moves T-1 → T
            _f("previous_as_of", pa.date32()),
        ]
    ),
    partition_by=("as_of",),
    key=("run_id", "node"),
)

TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        BOOKS,
        INSTRUMENTS,
        FACTORS,
        POSITIONS,
        TRADES,
        MARKET_DATA,
        CURVES,
        VOLS,
        OBSERVATIONS,
        HOLIDAYS,
        QUARANTINE,
        PNL_VECTORS,
        RESULTS,
        BACKTEST,
        PNL_ATTRIBUTION,
    )
}
