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


# OTC derivatives for counterparty credit risk (SA-CCR): always OTC, and those an
# otc_assignments row may also name (equity and index options, else exchange-traded)
ALWAYS_OTC = (
    InstrumentType.IRS,
    InstrumentType.FX_FORWARD,
    InstrumentType.FX_SWAP,
    InstrumentType.FX_OPTION,
)
OTC_ASSIGNABLE = (*ALWAYS_OTC, InstrumentType.EQUITY_OPTION, InstrumentType.INDEX_OPTION)
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

# -- Basel III inputs (issue 21): the banking book, counterparties, netting, losses ------
EXPOSURE_CLASSES = ("sovereign", "bank", "corporate", "retail", "equity")
CREDIT_APPROACHES = ("sa", "firb", "airb")
EXPOSURE_PRODUCTS = (
    "loan",
    "bond",
    "mortgage",
    "cre_loan",
    "revolving",
    "commitment",
    "commitment_ucc",
    "guarantee",
    "trade_lc",
    "transaction_contingent",
    "equity",
)
COLLATERAL_TYPES = (
    "none",
    "cash",
    "sovereign_bond",
    "other_bond",
    "main_index_equity",
    "other_equity",
    "residential_property",
    "commercial_property",
)
# OPE10 / Basel II Annex 8: the eight business lines and seven event types
BUSINESS_LINES = (
    "corporate_finance",
    "trading_and_sales",
    "retail_banking",
    "commercial_banking",
    "payment_and_settlement",
    "agency_services",
    "asset_management",
    "retail_brokerage",
)
EVENT_TYPES = (
    "internal_fraud",
    "external_fraud",
    "employment_practices",
    "clients_products_business_practices",
    "damage_to_physical_assets",
    "business_disruption",
    "execution_delivery_process",
)

COUNTERPARTIES = TableSpec(
    "counterparties",
    pa.schema(
        [
            _f("counterparty_id", pa.string()),
            _f("name", pa.string(), True),
            _f("legal_entity", pa.string()),  # the bank's entity that faces it
            _f("exposure_class", pa.string()),
            _f("sector", pa.string()),
            _f("country", pa.string()),  # ISO 3166-1 alpha-2 (countercyclical buffer)
            _f("rating", pa.string()),
            _f("pd", pa.float64(), True),  # one-year PD (IRB), (0, 1]
            _f("lgd", pa.float64(), True),  # own LGD estimate (A-IRB), [0, 1]
            _f("sme", pa.bool_(), True),
            _f("approach", pa.string(), True),  # sa | firb | airb
            _f("turnover_m", pa.float64(), True),  # annual sales, EUR millions (SME)
            _f("scra_grade", pa.string(), True),  # unrated banks: A | B | C (CRE20.21)
            _f("large_financial", pa.bool_(), True),  # CRE31.6: assets ≥ USD 100bn
        ]
    ),
    key=("counterparty_id",),
)

EXPOSURES = TableSpec(
    "exposures",
    pa.schema(
        [
            _f("exposure_id", pa.string()),
            _f("counterparty_id", pa.string()),
            _f("product", pa.string()),
            _f("currency", pa.string()),
            _f("drawn", pa.float64()),  # on-balance-sheet amount
            _f("undrawn", pa.float64(), True),  # off-balance-sheet amount (CCF applies)
            _f("ccf", pa.float64(), True),  # a stated CCF instead of the product's
            _f("start_date", pa.date32(), True),
            _f("maturity", pa.date32()),
            _f("collateral_type", pa.string(), True),
            _f("collateral_value", pa.float64(), True),  # market value, or the property's
            _f("collateral_currency", pa.string(), True),
            _f("collateral_rating", pa.string(), True),  # debt securities: issue rating
            _f("collateral_maturity", pa.date32(), True),  # debt securities
        ]
    ),
    key=("exposure_id",),
)

COLLATERAL_AGREEMENTS = TableSpec(
    "collateral_agreements",
    pa.schema(
        [
            _f("agreement_id", pa.string()),
            _f("currency", pa.string()),
            _f("threshold", pa.float64()),
            _f("mta", pa.float64()),  # minimum transfer amount
            _f("independent_amount", pa.float64()),  # net held (negative: posted)
            _f("remargin_days", pa.int32()),  # business days between margin calls
            _f("mpor_days", pa.int32(), True),  # empty: 10 + remargin_days − 1
            _f("collateral_held", pa.float64()),  # after haircuts, incl. the IA held
            _f("collateral_posted", pa.float64()),
        ]
    ),
    key=("agreement_id",),
)

NETTING_SETS = TableSpec(
    "netting_sets",
    pa.schema(
        [
            _f("netting_set_id", pa.string()),
            _f("counterparty_id", pa.string()),
            _f("agreement_id", pa.string(), True),  # empty: unmargined
        ]
    ),
    key=("netting_set_id",),
)

OTC_ASSIGNMENTS = TableSpec(
    "otc_assignments",
    pa.schema(
        [
            _f("instrument_id", pa.string()),
            _f("netting_set_id", pa.string()),
        ]
    ),
    key=("instrument_id",),
)

OP_LOSSES = TableSpec(
    "op_losses",
    pa.schema(
        [
            _f("event_id", pa.string()),
            _f("legal_entity", pa.string()),
            _f("accounting_date", pa.date32()),
            _f("business_line", pa.string()),
            _f("event_type", pa.string(), True),
            _f("currency", pa.string()),
            _f("gross_loss", pa.float64()),
            _f("recoveries", pa.float64(), True),
        ]
    ),
    key=("event_id",),
)

FINANCIALS = TableSpec(
    "financials",
    pa.schema(
        [
            _f("legal_entity", pa.string()),
            _f("year", pa.int32()),
            _f("currency", pa.string()),
            _f("interest_income", pa.float64()),
            _f("interest_expense", pa.float64()),
            _f("interest_earning_assets", pa.float64()),
            _f("dividend_income", pa.float64()),
            _f("fee_income", pa.float64()),
            _f("fee_expense", pa.float64()),
            _f("other_operating_income", pa.float64()),
            _f("other_operating_expense", pa.float64()),
            _f("net_pnl_trading_book", pa.float64()),
            _f("net_pnl_banking_book", pa.float64()),
        ]
    ),
    key=("legal_entity", "year"),
)

CAPITAL_RESOURCES = TableSpec(
    "capital_resources",
    pa.schema(
        [
            _f("as_of", pa.date32()),
            _f("legal_entity", pa.string()),  # an entity, or the firm (consolidated)
            _f("currency", pa.string()),
            _f("cet1_instruments", pa.float64()),
            _f("retained_earnings", pa.float64()),
            _f("accumulated_oci", pa.float64()),
            _f("cet1_deductions", pa.float64()),
            _f("at1", pa.float64()),
            _f("tier2", pa.float64()),
            _f("other_assets", pa.float64(), True),  # leverage: assets outside exposures
        ]
    ),
    key=("as_of", "legal_entity"),
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
        COUNTERPARTIES,
        EXPOSURES,
        COLLATERAL_AGREEMENTS,
        NETTING_SETS,
        OTC_ASSIGNMENTS,
        OP_LOSSES,
        FINANCIALS,
        CAPITAL_RESOURCES,
    )
}
