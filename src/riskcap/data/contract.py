"""The input contract: what each kind of upstream file holds, column by column.

One table per ingest kind — column, type, required, meaning, example — built from the
lake table's Arrow schema (:mod:`riskcap.data.schemas`: names, types, nullability) and
the meanings below, so the reference cannot drift from what the ingest accepts (a test
checks that every column of every input table has its entry and nothing else does).
``riskcap schema KIND`` prints it (``--json``: a JSON Schema of one row),
``riskcap ingest KIND --describe`` too, and ``docs/input-contract.md`` is generated
from it (``riskcap schema --markdown``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from riskcap.data.conventions import BUSINESS_DAY_CONVENTIONS, DAY_COUNTS
from riskcap.data.identifiers import IDENTIFIER_RULE, MAX_IDENTIFIER_LENGTH, MAX_TEXT_LENGTH
from riskcap.data.kinds import DateFormat as DateFormat  # re-exported
from riskcap.data.kinds import IngestKind as IngestKind
from riskcap.data.schemas import (
    BOOKS,
    BUSINESS_LINES,
    CAPITAL_RESOURCES,
    COLLATERAL_AGREEMENTS,
    COLLATERAL_TYPES,
    COUNTERPARTIES,
    CREDIT_APPROACHES,
    CURVES,
    EVENT_TYPES,
    EXPOSURE_CLASSES,
    EXPOSURE_PRODUCTS,
    EXPOSURES,
    FACTORS,
    FINANCIALS,
    HOLIDAYS,
    INSTRUMENTS,
    MARKET_DATA,
    NETTING_SETS,
    OBSERVATIONS,
    OP_LOSSES,
    OTC_ASSIGNMENTS,
    POSITIONS,
    RATINGS,
    RESIDUAL_RISKS,
    SECTORS,
    SENIORITIES,
    TRADES,
    VOLS,
    FactorType,
    InstrumentType,
    ShockType,
    TableSpec,
)

KIND_TABLE: dict[IngestKind, TableSpec] = {
    IngestKind.BOOKS: BOOKS,
    IngestKind.INSTRUMENTS: INSTRUMENTS,
    IngestKind.FACTORS: FACTORS,
    IngestKind.POSITIONS: POSITIONS,
    IngestKind.TRADES: TRADES,
    IngestKind.MARKET_DATA: MARKET_DATA,
    IngestKind.CURVES: CURVES,
    IngestKind.VOLS: VOLS,
    IngestKind.OBSERVATIONS: OBSERVATIONS,
    IngestKind.HOLIDAYS: HOLIDAYS,
    IngestKind.COUNTERPARTIES: COUNTERPARTIES,
    IngestKind.EXPOSURES: EXPOSURES,
    IngestKind.COLLATERAL_AGREEMENTS: COLLATERAL_AGREEMENTS,
    IngestKind.NETTING_SETS: NETTING_SETS,
    IngestKind.OTC_ASSIGNMENTS: OTC_ASSIGNMENTS,
    IngestKind.OP_LOSSES: OP_LOSSES,
    IngestKind.FINANCIALS: FINANCIALS,
    IngestKind.CAPITAL_RESOURCES: CAPITAL_RESOURCES,
}

KIND_PURPOSE: dict[IngestKind, str] = {
    IngestKind.BOOKS: "the reporting hierarchy: each book's desk, legal entity and firm",
    IngestKind.INSTRUMENTS: "what can be held: type, currency, underlying factor, terms",
    IngestKind.FACTORS: "the market risk factors, how they are shocked, their calendar",
    IngestKind.POSITIONS: "a positions snapshot (replaces the as_of dates in the file)",
    IngestKind.TRADES: "a day's trades (appended; trade ids are unique)",
    IngestKind.MARKET_DATA: "price and index levels per date and factor (upserted)",
    IngestKind.CURVES: (
        "zero curves per date; also gives the IR.<CCY>.<TENOR> factor levels "
        "(load rates here only, not in market-data)"
    ),
    IngestKind.VOLS: (
        "implied-vol surfaces by expiry and moneyness; also gives the VOL.<X> factor "
        "level (the 1Y ATM point) and the smile points VOL.<X>.<M>, so load vols here "
        "only. Options need their underlying's vols"
    ),
    IngestKind.OBSERVATIONS: "real-price observations of factors (FRTB eligibility test)",
    IngestKind.HOLIDAYS: "market holidays per calendar (published ahead: future dates ok)",
    IngestKind.COUNTERPARTIES: "obligors and derivative counterparties: class, rating, PD, LGD",
    IngestKind.EXPOSURES: "banking-book loans, bonds, commitments and guarantees",
    IngestKind.COLLATERAL_AGREEMENTS: "margin agreements: threshold, MTA, IA, MPOR, collateral",
    IngestKind.NETTING_SETS: "netting sets: counterparty and margin agreement",
    IngestKind.OTC_ASSIGNMENTS: "each OTC derivative instrument's netting set",
    IngestKind.OP_LOSSES: "operational loss events, gross and recoveries",
    IngestKind.FINANCIALS: "business indicator items per legal entity and year (OPE25)",
    IngestKind.CAPITAL_RESOURCES: "CET1, AT1 and Tier 2 per legal entity and the firm",
}


class ColType(enum.StrEnum):
    """How a cell is read."""

    STR = "code"  # a code from a fixed list (types, currencies, call/put …)
    ID = "id"  # an identifier (riskcap.data.identifiers)
    TEXT = "text"  # free text shown back to users (descriptions)
    FLOAT = "number"
    INT = "integer"
    DATE = "date"
    BOOL = "boolean"


@dataclass(frozen=True)
class Col:
    """An input column: its type, whether the file must have it, whether it may be empty."""

    name: str
    type: ColType
    required: bool = True
    nullable: bool = False
    default: object = None  # value used when the column is absent or the cell empty
    meaning: str = ""
    example: str = ""
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Doc:
    meaning: str
    example: str
    kind: ColType | None = None  # for strings: id, text or code (default: id)
    optional: bool = False  # the file may leave the column out
    default: object = None
    choices: tuple[str, ...] = ()


_ISO = "ISO unless --date-format"
_DOCS: dict[IngestKind, dict[str, _Doc]] = {
    IngestKind.BOOKS: {
        "book_id": _Doc("the book", "EQC-TECH"),
        "desk": _Doc(
            "its desk, in one legal entity: a desk name names one desk (empty: blocks "
            "the EOD's hierarchy check)",
            "EQ-CASH",
        ),
        "legal_entity": _Doc("its legal entity", "RC-US-LLC"),
        "firm": _Doc("the firm (one per lake)", "RISKCAP"),
        "description": _Doc("free text", "US tech shares", ColType.TEXT, optional=True),
    },
    IngestKind.INSTRUMENTS: {
        "instrument_id": _Doc("the instrument", "SPX-P4500-2025-06"),
        "instrument_type": _Doc(
            "its family", "index_option", ColType.STR, choices=tuple(InstrumentType)
        ),
        "description": _Doc("free text", "S&P 500 Jun-25 4500 put", ColType.TEXT, optional=True),
        "currency": _Doc(
            "ISO 4217 currency of its price (not the reporting currency: its FX factor "
            "FX.<CCY><REP> must be in the factors table)",
            "USD",
            ColType.STR,
        ),
        "underlying": _Doc(
            "factor_id of the underlying price (shares, indices, options, futures)",
            "IDX.SP500",
            optional=True,
        ),
        "multiplier": _Doc(
            "contract size / face / notional per unit", "100", optional=True, default=1.0
        ),
        "strike": _Doc(
            "option strike, in the underlying's units; FX forward rate (far leg of an FX "
            "swap), currency per base_currency",
            "4500",
            optional=True,
        ),
        "option_type": _Doc("options", "put", ColType.STR, optional=True, choices=("call", "put")),
        "expiry": _Doc(f"option or future expiry ({_ISO})", "2025-06-20", optional=True),
        "maturity": _Doc(
            f"bond or swap maturity; FX forward (far-leg) settlement ({_ISO})",
            "2030-03-15",
            optional=True,
        ),
        "fixed_rate": _Doc("bond coupon or swap fixed rate (decimal)", "0.035", optional=True),
        "payment_frequency": _Doc(
            "payments per year (bonds, a swap's fixed leg): 1, 2, 3, 4, 6 or 12", "2", optional=True
        ),
        "pay_receive": _Doc(
            "swaps: pay or receive the fixed leg",
            "pay",
            ColType.STR,
            optional=True,
            choices=("pay", "receive"),
        ),
        "curve_id": _Doc(
            "discount curve <CCY>.ZERO, the currency's OIS curve (bonds, swaps; options and "
            "futures without one use their currency's)",
            "USD.ZERO",
            optional=True,
        ),
        "base_currency": _Doc(
            "FX instruments: the currency bought, the pair's base (currency: the quote "
            "currency, in which strike and rates are)",
            "EUR",
            ColType.STR,
            optional=True,
        ),
        "near_date": _Doc(
            f"FX swap: near-leg settlement date ({_ISO})", "2025-01-06", optional=True
        ),
        "near_rate": _Doc(
            "FX swap: near-leg rate, currency per base_currency (the far leg's is strike)",
            "1.0850",
            optional=True,
        ),
        "issuer": _Doc(
            "bonds: the obligor; priced off the risk-free curve plus its spread curve "
            "<ISSUER>.SPREAD (empty: a risk-free bond)",
            "ACME",
            optional=True,
        ),
        "seniority": _Doc(
            "bonds: rank of the claim",
            "senior_unsecured",
            ColType.STR,
            optional=True,
            choices=SENIORITIES,
        ),
        "rating": _Doc(
            "bonds: external rating", "BBB", ColType.STR, optional=True, choices=RATINGS
        ),
        "sector": _Doc(
            "bonds: the issuer's sector (FRTB credit spread buckets, MAR21.51)",
            "financials",
            ColType.STR,
            optional=True,
            choices=SECTORS,
        ),
        "spread_curve": _Doc(
            "bonds: a shared spread curve <NAME>.SPREAD (by rating and sector) instead of "
            "the issuer's own",
            "BBB-FIN.SPREAD",
            optional=True,
        ),
        "start_date": _Doc(
            f"bonds, swaps: first accrual date ({_ISO}; empty: a regular schedule rolled "
            "backward from maturity)",
            "2024-03-15",
            optional=True,
        ),
        "calendar": _Doc(
            "bonds, swaps: holiday calendar of the schedule (joins with +; empty: the "
            "currency's, docs in riskcap.data.conventions)",
            "TARGET",
            ColType.STR,
            optional=True,
        ),
        "business_day_convention": _Doc(
            "bonds, swaps: how a date on a holiday moves (empty: modified_following)",
            "modified_following",
            ColType.STR,
            optional=True,
            choices=tuple(BUSINESS_DAY_CONVENTIONS),
        ),
        "day_count": _Doc(
            "bond coupons or a swap's fixed leg (empty: the currency's)",
            "30/360",
            ColType.STR,
            optional=True,
            choices=tuple(DAY_COUNTS),
        ),
        "float_day_count": _Doc(
            "swaps: the floating leg's and its index's day count (empty: the currency's)",
            "ACT/360",
            ColType.STR,
            optional=True,
            choices=tuple(DAY_COUNTS),
        ),
        "float_frequency": _Doc(
            "swaps: floating payments per year (empty: payment_frequency)", "4", optional=True
        ),
        "projection_curve": _Doc(
            "swaps: the curve the floating coupons are fixed on, <CCY>.<INDEX> with pillars "
            "IR.<CCY>.<INDEX>.<TENOR> (empty: the discount curve, one-curve valuation)",
            "EUR.EURIBOR3M",
            optional=True,
        ),
        "frtb_bucket": _Doc(
            "FRTB SA bucket of an equity (1–13, MAR21.72) or a commodity future (1–11, "
            "MAR21.80); empty: from the sector (a large cap of an advanced economy) or the "
            "commodity's name, else the 'other' bucket (docs/frtb-sa.md)",
            "8",
            optional=True,
        ),
        "residual_risk": _Doc(
            "FRTB SA residual risk add-on (MAR23): exotic (1 % of notional) or other "
            "(0.1 %); empty: none",
            "other",
            ColType.STR,
            optional=True,
            choices=RESIDUAL_RISKS,
        ),
    },
    IngestKind.FACTORS: {
        "factor_id": _Doc(
            "the factor; vols are VOL.<X> (X: the underlying's last part), curve pillars "
            "IR.<CCY>.<TENOR>",
            "EQ.AAPL",
        ),
        "factor_type": _Doc("its family", "equity_price", ColType.STR, choices=tuple(FactorType)),
        "shock_type": _Doc(
            "log (relative: prices, vols) or absolute (rates)",
            "log",
            ColType.STR,
            choices=tuple(ShockType),
        ),
        "unit": _Doc("free text", "USD", ColType.TEXT, optional=True),
        "synthetic": _Doc(
            "true for generated, not observed, data", "false", optional=True, default=False
        ),
        "source": _Doc("where the levels come from", "exchange close", ColType.TEXT, optional=True),
        "description": _Doc("free text", "Apple Inc. close", ColType.TEXT, optional=True),
        "calendar": _Doc(
            "market calendar (its holidays in a holidays file); empty: open every date "
            "the lake has data",
            "XNYS",
            optional=True,
        ),
    },
    IngestKind.POSITIONS: {
        "as_of": _Doc(f"snapshot date ({_ISO})", "2024-12-13"),
        "book_id": _Doc("a book of the books table", "EQC-TECH"),
        "instrument_id": _Doc("an instrument of the instruments table", "AAPL"),
        "quantity": _Doc("signed units held (long positive)", "1500"),
    },
    IngestKind.TRADES: {
        "trade_id": _Doc("unique across every trades file", "T000123"),
        "trade_date": _Doc(f"date the trade enters positions ({_ISO})", "2024-12-16"),
        "book_id": _Doc("a book of the books table", "EQC-TECH"),
        "instrument_id": _Doc("an instrument of the instruments table", "AAPL"),
        "quantity": _Doc("signed units traded (buy positive), not 0", "-200"),
        "price": _Doc("trade price per unit, instrument currency", "189.52"),
    },
    IngestKind.MARKET_DATA: {
        "date": _Doc(f"business date ({_ISO})", "2024-12-16"),
        "factor_id": _Doc("a factor of the factors table", "EQ.AAPL"),
        "value": _Doc("the level (price, index level, …)", "189.52"),
    },
    IngestKind.CURVES: {
        "date": _Doc(f"business date ({_ISO})", "2024-12-16"),
        "curve_id": _Doc(
            "the curve: <CCY>.ZERO, or an issuer's credit spread curve <ISSUER>.SPREAD (its "
            "zero_rate is the spread over the risk-free zero rate; factors CS.<ISSUER>.<TENOR>)",
            "USD.ZERO",
        ),
        "tenor_years": _Doc("pillar in years (> 0); the factor is IR.<CCY>.<3M|1Y|…>", "0.25"),
        "zero_rate": _Doc("continuously compounded zero rate, ACT/365F, decimal", "0.0431"),
    },
    IngestKind.VOLS: {
        "date": _Doc(f"business date ({_ISO})", "2024-12-16"),
        "underlying": _Doc("the underlying's factor_id", "IDX.SP500"),
        "tenor_years": _Doc("expiry in years (> 0)", "1.0"),
        "implied_vol": _Doc("implied vol, annualised decimal (> 0)", "0.182"),
        "moneyness": _Doc(
            "strike / spot of the point (> 0; empty: 1, ATM); a smile point at 1Y is the "
            "factor VOL.<X>.<M> (M in percent), when the factors table has it",
            "0.9",
            optional=True,
            default=1.0,
        ),
    },
    IngestKind.OBSERVATIONS: {
        "date": _Doc(f"date of a real price ({_ISO})", "2024-12-16"),
        "factor_id": _Doc("a factor of the factors table", "VOL.AAPL"),
        "source": _Doc("venue, vendor or trade repository", "OPRA trade", ColType.TEXT),
    },
    IngestKind.HOLIDAYS: {
        "calendar": _Doc("the calendar factors name", "XLON"),
        "date": _Doc(f"a day the market is closed ({_ISO})", "2024-12-26"),
        "description": _Doc("free text", "Boxing Day", ColType.TEXT, optional=True),
    },
    IngestKind.COUNTERPARTIES: {
        "counterparty_id": _Doc("the counterparty", "ACME-CORP"),
        "name": _Doc("its name", "Acme Corporation", ColType.TEXT, optional=True),
        "legal_entity": _Doc(
            "the bank's legal entity that faces it (a legal_entity of the books table)",
            "RC-UK-LTD",
        ),
        "exposure_class": _Doc(
            "CRE20 exposure class", "corporate", ColType.STR, choices=EXPOSURE_CLASSES
        ),
        "sector": _Doc("its sector (CVA risk weights)", "technology", ColType.STR, choices=SECTORS),
        "country": _Doc(
            "ISO 3166-1 alpha-2 country of risk (countercyclical buffer)", "GB", ColType.STR
        ),
        "rating": _Doc("external rating (letter grade)", "BBB", ColType.STR, choices=RATINGS),
        "pd": _Doc("one-year PD, in (0, 1] (needed on IRB)", "0.004", optional=True),
        "lgd": _Doc("own LGD estimate, in [0, 1] (needed on A-IRB)", "0.35", optional=True),
        "sme": _Doc("a small or medium-sized enterprise", "false", optional=True, default=False),
        "approach": _Doc(
            "sa, firb or airb",
            "firb",
            ColType.STR,
            optional=True,
            default="sa",
            choices=CREDIT_APPROACHES,
        ),
        "turnover_m": _Doc(
            "annual sales in EUR millions (the IRB's SME adjustment below 50)",
            "12.5",
            optional=True,
        ),
        "scra_grade": _Doc(
            "unrated banks: SCRA grade A, B or C (CRE20.21; empty: C)",
            "B",
            ColType.STR,
            optional=True,
            choices=("A", "B", "C"),
        ),
        "large_financial": _Doc(
            "a large regulated financial institution (CRE31.6: ×1.25 correlation)",
            "false",
            optional=True,
            default=False,
        ),
    },
    IngestKind.EXPOSURES: {
        "exposure_id": _Doc("the facility", "LN-000123"),
        "counterparty_id": _Doc("the obligor (a counterparty)", "ACME-CORP"),
        "product": _Doc(
            "what it is (decides the CCF and the real-estate treatment)",
            "loan",
            ColType.STR,
            choices=EXPOSURE_PRODUCTS,
        ),
        "currency": _Doc("ISO 4217 currency of the amounts", "GBP", ColType.STR),
        "drawn": _Doc("on-balance-sheet amount, ≥ 0", "2500000"),
        "undrawn": _Doc(
            "off-balance-sheet amount, ≥ 0 (the CCF applies)",
            "500000",
            optional=True,
            default=0.0,
        ),
        "ccf": _Doc("a CCF in [0, 1] instead of the product's", "0.4", optional=True),
        "start_date": _Doc(
            f"origination ({_ISO}; ≤ 3 months to maturity: a short-term bank claim)",
            "2022-01-15",
            optional=True,
        ),
        "maturity": _Doc(f"final maturity ({_ISO})", "2027-01-15"),
        "collateral_type": _Doc(
            "collateral (financial: CRE22 haircuts; property: the loan-to-value)",
            "cash",
            ColType.STR,
            optional=True,
            default="none",
            choices=COLLATERAL_TYPES,
        ),
        "collateral_value": _Doc(
            "market value of the collateral (property: its value), ≥ 0",
            "1000000",
            optional=True,
            default=0.0,
        ),
        "collateral_currency": _Doc(
            "its currency (empty: the exposure's)", "GBP", ColType.STR, optional=True
        ),
        "collateral_rating": _Doc(
            "debt securities: the issue's rating",
            "AA",
            ColType.STR,
            optional=True,
            choices=RATINGS,
        ),
        "collateral_maturity": _Doc(
            f"debt securities: maturity ({_ISO})", "2030-06-30", optional=True
        ),
    },
    IngestKind.COLLATERAL_AGREEMENTS: {
        "agreement_id": _Doc("the CSA", "CSA-ACME-1"),
        "currency": _Doc("ISO 4217 currency of its amounts", "USD", ColType.STR),
        "threshold": _Doc("threshold TH, ≥ 0", "0"),
        "mta": _Doc("minimum transfer amount, ≥ 0", "500000"),
        "independent_amount": _Doc("net independent amount held (negative: posted)", "1000000"),
        "remargin_days": _Doc("business days between margin calls, ≥ 1", "1"),
        "mpor_days": _Doc(
            "margin period of risk in business days (empty: 10 + remargin_days − 1)",
            "10",
            optional=True,
        ),
        "collateral_held": _Doc("collateral held after haircuts (incl. the IA), ≥ 0", "2500000"),
        "collateral_posted": _Doc("collateral posted, ≥ 0", "0"),
    },
    IngestKind.NETTING_SETS: {
        "netting_set_id": _Doc("the netting set", "NS-ACME-1"),
        "counterparty_id": _Doc("its counterparty (a counterparty)", "ACME-CORP"),
        "agreement_id": _Doc(
            "its margin agreement (empty: unmargined)", "CSA-ACME-1", optional=True
        ),
    },
    IngestKind.OTC_ASSIGNMENTS: {
        "instrument_id": _Doc(
            "an OTC derivative of the instruments table (irs, fx_*, equity or index option)",
            "IRS-USD-5Y-1",
        ),
        "netting_set_id": _Doc("its netting set", "NS-ACME-1"),
    },
    IngestKind.OP_LOSSES: {
        "event_id": _Doc("the loss event", "OPL-2019-0042"),
        "legal_entity": _Doc("the entity that bore it", "RC-UK-LTD"),
        "accounting_date": _Doc(f"when it hit the P&L ({_ISO})", "2019-05-03"),
        "business_line": _Doc(
            "Basel business line", "trading_and_sales", ColType.STR, choices=BUSINESS_LINES
        ),
        "event_type": _Doc(
            "Basel event type",
            "external_fraud",
            ColType.STR,
            optional=True,
            choices=EVENT_TYPES,
        ),
        "currency": _Doc("ISO 4217 currency of the amounts", "GBP", ColType.STR),
        "gross_loss": _Doc("gross loss, ≥ 0", "125000"),
        "recoveries": _Doc(
            "recoveries, 0 ≤ recoveries ≤ gross_loss", "25000", optional=True, default=0.0
        ),
    },
    IngestKind.FINANCIALS: {
        "legal_entity": _Doc("the entity", "RC-UK-LTD"),
        "year": _Doc("financial year", "2021"),
        "currency": _Doc("ISO 4217 currency of the amounts", "GBP", ColType.STR),
        "interest_income": _Doc("interest income, ≥ 0", "310000000"),
        "interest_expense": _Doc("interest expense, ≥ 0", "120000000"),
        "interest_earning_assets": _Doc("interest-earning assets, ≥ 0", "9000000000"),
        "dividend_income": _Doc("dividend income, ≥ 0", "4000000"),
        "fee_income": _Doc("fee and commission income, ≥ 0", "90000000"),
        "fee_expense": _Doc("fee and commission expense, ≥ 0", "30000000"),
        "other_operating_income": _Doc("other operating income, ≥ 0", "8000000"),
        "other_operating_expense": _Doc("other operating expense, ≥ 0", "6000000"),
        "net_pnl_trading_book": _Doc("net P&L of the trading book (signed)", "45000000"),
        "net_pnl_banking_book": _Doc("net P&L of the banking book (signed)", "-3000000"),
    },
    IngestKind.CAPITAL_RESOURCES: {
        "as_of": _Doc(f"the date the figures are for ({_ISO})", "2022-12-28"),
        "legal_entity": _Doc(
            "a legal entity, or the firm for the consolidated figures", "RC-UK-LTD"
        ),
        "currency": _Doc("ISO 4217 currency of the amounts", "USD", ColType.STR),
        "cet1_instruments": _Doc("CET1 instruments and share premium", "900000000"),
        "retained_earnings": _Doc("retained earnings (signed)", "350000000"),
        "accumulated_oci": _Doc("accumulated other comprehensive income (signed)", "-20000000"),
        "cet1_deductions": _Doc(
            "regulatory adjustments deducted from CET1 (goodwill, DTAs …), ≥ 0", "80000000"
        ),
        "at1": _Doc("additional Tier 1 capital, ≥ 0", "150000000"),
        "tier2": _Doc("Tier 2 capital, ≥ 0", "200000000"),
        "other_assets": _Doc(
            "on-balance-sheet assets outside the exposures table (leverage ratio), ≥ 0",
            "4000000000",
            optional=True,
            default=0.0,
        ),
    },
}


def _col_type(field: pa.Field, doc: _Doc) -> ColType:
    t = field.type
    if pa.types.is_date(t):
        return ColType.DATE
    if pa.types.is_floating(t):
        return ColType.FLOAT
    if pa.types.is_integer(t):
        return ColType.INT
    if pa.types.is_boolean(t):
        return ColType.BOOL
    return doc.kind or ColType.ID


def columns(kind: IngestKind) -> tuple[Col, ...]:
    """The columns of a ``kind`` file, from its table's schema and the meanings above."""
    docs = _DOCS[kind]
    out = []
    for f in KIND_TABLE[kind].schema:
        doc = docs[f.name]
        out.append(
            Col(
                f.name,
                _col_type(f, doc),
                required=not doc.optional,
                nullable=f.nullable or doc.default is not None,
                default=doc.default,
                meaning=doc.meaning,
                example=doc.example,
                choices=tuple(str(c) for c in doc.choices),
            )
        )
    return tuple(out)


def _type_text(c: Col) -> str:
    if c.choices:
        return "one of " + ", ".join(c.choices)
    return {
        ColType.ID: f"identifier (≤ {MAX_IDENTIFIER_LENGTH})",
        ColType.TEXT: f"text (≤ {MAX_TEXT_LENGTH})",
        ColType.STR: "code",
    }.get(c.type, c.type.value)


def rows(kind: IngestKind) -> list[dict[str, str]]:
    """The reference table of ``kind``: column, type, required, meaning, example."""
    out = []
    for c in columns(kind):
        need = "yes" if c.required and not c.nullable else ("column" if c.required else "no")
        meaning = c.meaning + (f" (empty: {c.default})" if c.default is not None else "")
        out.append(
            {
                "column": c.name,
                "type": _type_text(c),
                "required": need,
                "meaning": meaning,
                "example": c.example,
            }
        )
    return out


_JSON_TYPES = {
    ColType.FLOAT: {"type": "number"},
    ColType.INT: {"type": "integer"},
    ColType.BOOL: {"type": "boolean"},
    ColType.DATE: {"type": "string", "format": "date"},
}


def json_schema(kind: IngestKind) -> dict[str, Any]:
    """A JSON Schema (2020-12) of one row of a ``kind`` file."""
    props: dict[str, Any] = {}
    for c in columns(kind):
        prop: dict[str, Any] = dict(_JSON_TYPES.get(c.type, {"type": "string"}))
        if c.type is ColType.ID:
            prop |= {
                "minLength": 1,
                "maxLength": MAX_IDENTIFIER_LENGTH,
                "pattern": r"^[^\W_][\w.\-]*$",
            }
        elif c.type is ColType.TEXT:
            prop["maxLength"] = MAX_TEXT_LENGTH
        if c.choices:
            prop["enum"] = list(c.choices)
        if c.nullable:
            prop = {"anyOf": [prop, {"type": "null"}]}
        prop["description"] = c.meaning + (f" — {IDENTIFIER_RULE}" if c.type is ColType.ID else "")
        if c.default is not None:
            prop["default"] = c.default
        prop["examples"] = [_typed(c)]
        props[c.name] = prop
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"riskcap {kind.value} file row",
        "description": KIND_PURPOSE[kind],
        "type": "object",
        "properties": props,
        "required": [c.name for c in columns(kind) if c.required],
        "additionalProperties": True,  # extra columns are ignored with a warning
    }


def _typed(c: Col) -> object:
    """A column's example as the JSON value a row would carry."""
    if c.type is ColType.FLOAT:
        return float(c.example)
    if c.type is ColType.INT:
        return int(c.example)
    if c.type is ColType.BOOL:
        return c.example == "true"
    return c.example


def markdown() -> str:
    """``docs/input-contract.md``: every kind's table (generated; do not edit)."""
    lines = [
        "# Input contract",
        "",
        "Generated by `riskcap schema --markdown` from `riskcap/data/contract.py` and the",
        "lake schemas; a test keeps this file equal to the output. Files are CSV (UTF-8,",
        "header row), gzipped CSV or Parquet; dates are ISO (`YYYY-MM-DD`) unless",
        "`riskcap ingest KIND FILE --date-format us|eu|eu-dot|compact` says otherwise;",
        "extra columns are ignored with a warning. *required*: `yes` the column and a",
        "value in every row, `column` the column (a cell may be empty), `no` neither.",
        f"Identifiers: {IDENTIFIER_RULE} (Unicode NFKC-normalised).",
        "",
    ]
    for kind in IngestKind:
        lines += [
            f"## {kind.value}",
            "",
            f"{KIND_PURPOSE[kind][0].upper()}{KIND_PURPOSE[kind][1:]}. Lands in the "
            f"`{KIND_TABLE[kind].name}` table.",
            "",
            "| column | type | required | meaning | example |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| `{r['column']}` | {r['type']} | {r['required']} | {r['meaning']} | "
            f"`{r['example']}` |"
            for r in rows(kind)
        ]
        lines.append("")
    return "\n".join(lines)
