"""FRTB SA parameters as data, each row with its paragraph (BCBS d457, MAR21).

Equity delta (issue 20, first part); the other risk classes follow as tables here, not
as code branches.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EquityBucket:
    bucket: str
    description: str
    spot_risk_weight: float  # MAR21.77
    intra_correlation: float | None  # spot–spot, different issuers (MAR21.78); None: MAR21.79


# MAR21.72 (buckets) with MAR21.77 (spot risk weights) and MAR21.78 (correlations)
EQUITY_BUCKETS: tuple[EquityBucket, ...] = (
    EquityBucket("1", "large cap, emerging: consumer, utilities", 0.55, 0.15),
    EquityBucket("2", "large cap, emerging: telecom, industrials", 0.60, 0.15),
    EquityBucket("3", "large cap, emerging: materials, energy, agriculture …", 0.45, 0.15),
    EquityBucket("4", "large cap, emerging: financials, real estate, technology", 0.55, 0.15),
    EquityBucket("5", "large cap, advanced: consumer, utilities", 0.30, 0.25),
    EquityBucket("6", "large cap, advanced: telecom, industrials", 0.35, 0.25),
    EquityBucket("7", "large cap, advanced: materials, energy, agriculture …", 0.40, 0.25),
    EquityBucket("8", "large cap, advanced: financials, real estate, technology", 0.50, 0.25),
    EquityBucket("9", "small cap, emerging: all sectors", 0.70, 0.075),
    EquityBucket("10", "small cap, advanced: all sectors", 0.50, 0.125),
    EquityBucket("11", "other sector", 0.70, None),  # K_b = Σ|WS_k| (MAR21.79)
    EquityBucket("12", "large cap advanced indices (non-sector specific)", 0.15, 0.80),
    EquityBucket("13", "other indices (non-sector specific)", 0.25, 0.80),
)
EQUITY_BY_BUCKET = {b.bucket: b for b in EQUITY_BUCKETS}
EQUITY_OTHER_BUCKETS = frozenset({"11"})  # MAR21.79


def equity_gamma(b: str, c: str) -> float:
    """The correlation between equity buckets ``b`` ≠ ``c`` (MAR21.80): 15 % among
    buckets 1–10, 0 % with bucket 11, 75 % between 12 and 13, 45 % between 12 or 13
    and 1–10."""
    if "11" in (b, c):
        return 0.0
    indices = {"12", "13"}
    if {b, c} == indices:
        return 0.75
    if b in indices or c in indices:
        return 0.45
    return 0.15


def equity_gammas(buckets: list[str]) -> dict[tuple[str, str], float]:
    return {(b, c): equity_gamma(b, c) for b in buckets for c in buckets if b != c}


# -- equity: vega (MAR21.92) and the default bucket of an equity without one -----------------
# MAR21.92: vega risk weight 77.78 % for large caps and indices (buckets 1–8, 12, 13), 100 %
# for small caps and "other" (9–11)
EQUITY_VEGA_LARGE = frozenset({"1", "2", "3", "4", "5", "6", "7", "8", "12", "13"})


def equity_vega_risk_weight(bucket: str) -> float:
    return 0.7778 if bucket in EQUITY_VEGA_LARGE else 1.0


# MAR21.72: the sector groups of buckets 5–8 (large cap, advanced economy). riskcap's issuer
# sectors (data/schemas.SECTORS) map onto them; a sector not listed, or none, is bucket 11.
EQUITY_SECTOR_BUCKETS = {
    "consumer": "5",  # consumer goods and services … healthcare, utilities
    "health_care": "5",
    "basic_materials": "7",  # basic materials, energy, agriculture, manufacturing, mining
    "financials": "8",  # financials, real estate, technology
    "technology": "8",
}
EQUITY_INDEX_BUCKET = "12"  # MAR21.72: large cap, advanced-economy indices (S&P 500)
EQUITY_FUND_BUCKET = "13"  # other indices: a factor ETF without look-through


# -- GIRR (MAR21.8, MAR21.41–21.50) -----------------------------------------------------------
GIRR_TENORS = (0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 15.0, 20.0, 30.0)  # MAR21.8(1)(a)
GIRR_RISK_WEIGHTS = (0.017, 0.017, 0.016, 0.013, 0.012, 0.011, 0.011, 0.011, 0.011, 0.011)
# MAR21.42: risk weights by tenor; MAR21.44: divided by √2 for these currencies and the
# bank's reporting currency
GIRR_SPECIFIED_CURRENCIES = frozenset({"EUR", "USD", "GBP", "AUD", "JPY", "SEK", "CAD"})
GIRR_THETA = 0.03  # MAR21.46: ρ = max(exp(−θ·|T_k − T_l| / min(T_k, T_l)), 40 %)
GIRR_TENOR_FLOOR = 0.40
GIRR_CURVE_BASIS = 0.999  # MAR21.47: same tenor, different curves: × 99.9 %
GIRR_GAMMA = 0.50  # MAR21.50: across currencies


def girr_risk_weight(tenor: float, currency: str, reporting: str) -> float:
    rw = dict(zip(GIRR_TENORS, GIRR_RISK_WEIGHTS, strict=True))[tenor]
    return rw / 2**0.5 if currency in GIRR_SPECIFIED_CURRENCIES or currency == reporting else rw


# -- CSR non-securitisation (MAR21.51–21.57) --------------------------------------------------
CSR_TENORS = (0.5, 1.0, 3.0, 5.0, 10.0)  # MAR21.8(2)(a)


@dataclass(frozen=True)
class CreditBucket:
    bucket: str
    quality: str  # IG | HY (MAR21.51); "" for bucket 16
    sector: str  # the sector group of MAR21.57's table (1/9 → "1" …)
    risk_weight: float  # MAR21.53


# MAR21.51 (buckets) and MAR21.53 (risk weights)
CREDIT_BUCKETS: tuple[CreditBucket, ...] = (
    CreditBucket("1", "IG", "1", 0.005),  # sovereigns, central banks, MDBs
    CreditBucket("2", "IG", "2", 0.010),  # local government, government-backed non-financials
    CreditBucket("3", "IG", "3", 0.050),  # financials including government-backed
    CreditBucket("4", "IG", "4", 0.030),  # basic materials, energy, industrials …
    CreditBucket("5", "IG", "5", 0.030),  # consumer goods and services …
    CreditBucket("6", "IG", "6", 0.020),  # technology, telecommunications
    CreditBucket("7", "IG", "7", 0.015),  # health care, utilities, professional activities
    CreditBucket("8", "IG", "8", 0.025),  # covered bonds (MAR21.53: 1.5 % for AA−+ optional)
    CreditBucket("9", "HY", "1", 0.020),
    CreditBucket("10", "HY", "2", 0.040),
    CreditBucket("11", "HY", "3", 0.120),
    CreditBucket("12", "HY", "4", 0.070),
    CreditBucket("13", "HY", "5", 0.085),
    CreditBucket("14", "HY", "6", 0.055),
    CreditBucket("15", "HY", "7", 0.050),
    CreditBucket("16", "", "16", 0.120),  # other sector: K_b = Σ|WS_k| (MAR21.56)
    CreditBucket("17", "IG", "17", 0.015),  # IG indices
    CreditBucket("18", "HY", "18", 0.050),  # HY indices
)
CREDIT_BY_BUCKET = {b.bucket: b for b in CREDIT_BUCKETS}
CREDIT_OTHER_BUCKETS = frozenset({"16"})
# riskcap's issuer sectors → the sector group (MAR21.51); IG: BBB− or better
CREDIT_SECTOR_GROUPS = {
    "sovereign": "1",
    "local_government": "2",
    "financials": "3",
    "basic_materials": "4",
    "consumer": "5",
    "technology": "6",
    "health_care": "7",
    "covered_bond": "8",
}
INVESTMENT_GRADE = frozenset({"AAA", "AA", "A", "BBB"})
CSR_RHO_NAME = 0.35  # MAR21.54(1): different names
CSR_RHO_TENOR = 0.65  # MAR21.54(2): different tenors
CSR_RHO_BASIS = 0.999  # MAR21.54(3): different curves (bond vs CDS)
# MAR21.57: γ_sector between the sector groups (1/9, 2/10, … 7/15, 8, 16, 17, 18)
_CSR_SECTOR_GAMMA = {
    ("1", "2"): 0.75, ("1", "3"): 0.10, ("1", "4"): 0.20, ("1", "5"): 0.25,
    ("1", "6"): 0.20, ("1", "7"): 0.15, ("1", "8"): 0.10,
    ("2", "3"): 0.05, ("2", "4"): 0.15, ("2", "5"): 0.20, ("2", "6"): 0.15,
    ("2", "7"): 0.10, ("2", "8"): 0.10,
    ("3", "4"): 0.05, ("3", "5"): 0.15, ("3", "6"): 0.20, ("3", "7"): 0.05, ("3", "8"): 0.20,
    ("4", "5"): 0.20, ("4", "6"): 0.25, ("4", "7"): 0.05, ("4", "8"): 0.05,
    ("5", "6"): 0.25, ("5", "7"): 0.05, ("5", "8"): 0.15,
    ("6", "7"): 0.05, ("6", "8"): 0.20,
    ("7", "8"): 0.05,
    ("17", "18"): 0.75,
}  # fmt: skip


def credit_bucket(sector: str | None, rating: str | None) -> str:
    """The CSR non-securitisation bucket (MAR21.51) of an issuer: its sector group, IG
    (BBB or better) or HY (below, or unrated); bucket 16 without a listed sector."""
    group = CREDIT_SECTOR_GROUPS.get(sector or "")
    if group is None:
        return "16"
    if group == "8" or (rating or "NR") in INVESTMENT_GRADE:
        return group  # covered bonds have one bucket
    return str(int(group) + 8)


def credit_gamma(b: str, c: str) -> float:
    """γ between CSR buckets ``b`` ≠ ``c`` (MAR21.57): γ_rating · γ_sector, γ_rating 50 %
    between IG and HY; bucket 16 is 0; indices 17/18 with 1–15 (and 8) 45 %."""
    if "16" in (b, c):
        return 0.0
    x, y = CREDIT_BY_BUCKET[b], CREDIT_BY_BUCKET[c]
    indices = {"17", "18"}
    if (x.sector in indices) != (y.sector in indices):
        sector = 0.45
    elif x.sector == y.sector:
        sector = 1.0
    else:
        sector = _CSR_SECTOR_GAMMA[tuple(sorted((x.sector, y.sector), key=int))]  # type: ignore[index]
    rating = 1.0 if x.quality == y.quality else 0.5
    return rating * sector


# -- commodity (MAR21.80–21.85) ---------------------------------------------------------------
COMMODITY_TENORS = (0.0, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 15.0, 20.0, 30.0)  # MAR21.8(5)


@dataclass(frozen=True)
class CommodityBucket:
    bucket: str
    description: str
    risk_weight: float  # MAR21.82
    intra_correlation: float  # ρ_cty between different commodities (MAR21.83)


COMMODITY_BUCKETS: tuple[CommodityBucket, ...] = (
    CommodityBucket("1", "energy: solid combustibles", 0.30, 0.55),
    CommodityBucket("2", "energy: liquid combustibles", 0.35, 0.95),
    CommodityBucket("3", "energy: electricity and carbon trading", 0.60, 0.40),
    CommodityBucket("4", "freight", 0.80, 0.80),
    CommodityBucket("5", "metals: non-precious", 0.40, 0.60),
    CommodityBucket("6", "gaseous combustibles", 0.45, 0.65),
    CommodityBucket("7", "precious metals (including gold)", 0.20, 0.55),
    CommodityBucket("8", "grains and oilseed", 0.35, 0.45),
    CommodityBucket("9", "livestock and dairy", 0.25, 0.15),
    CommodityBucket("10", "softs and other agriculturals", 0.35, 0.40),
    CommodityBucket("11", "other commodity", 0.50, 0.15),
)
COMMODITY_BY_BUCKET = {b.bucket: b for b in COMMODITY_BUCKETS}
COMMODITY_RHO_TENOR = 0.99  # MAR21.83(2)
COMMODITY_RHO_BASIS = 0.999  # MAR21.83(3): different delivery locations
# riskcap's forward curves CMD.<NAME> → their bucket (MAR21.80); others: 11
COMMODITY_NAME_BUCKETS = {
    "WTI": "2",
    "BRENT": "2",
    "GASOIL": "2",
    "NATGAS": "6",
    "COAL": "1",
    "POWER": "3",
    "GOLD": "7",
    "SILVER": "7",
    "COPPER": "5",
    "ALUMINIUM": "5",
    "CORN": "8",
    "WHEAT": "8",
    "SOYBEAN": "8",
    "CATTLE": "9",
    "COFFEE": "10",
    "SUGAR": "10",
}


def commodity_gamma(b: str, c: str) -> float:
    """MAR21.85: 20 % between buckets 1–10, 0 % with bucket 11."""
    return 0.0 if "11" in (b, c) else 0.20


# -- FX (MAR21.86–21.89) ----------------------------------------------------------------------
FX_RISK_WEIGHT = 0.15  # MAR21.87
FX_GAMMA = 0.60  # MAR21.89
# MAR21.88: the specified currency pairs (USD with each of these, and their first-order
# crosses) may take 15 % / √2
FX_SPECIFIED_CURRENCIES = frozenset(
    {"USD", "EUR", "JPY", "GBP", "AUD", "CAD", "CHF", "MXN", "CNY", "NZD"}
    | {"RUB", "HKD", "SGD", "TRY", "KRW", "SEK", "ZAR", "INR", "NOK", "BRL"}
)


def fx_risk_weight(currency: str, reporting: str) -> float:
    specified = currency in FX_SPECIFIED_CURRENCIES and reporting in FX_SPECIFIED_CURRENCIES
    return FX_RISK_WEIGHT / 2**0.5 if specified else FX_RISK_WEIGHT


# -- vega (MAR21.90–21.95) --------------------------------------------------------------------
VEGA_MATURITIES = (0.5, 1.0, 3.0, 5.0, 10.0)  # MAR21.8(1)(b) …: option maturities
VEGA_ALPHA = 0.01  # MAR21.93: ρ = exp(−α·|T_k − T_l| / min(T_k, T_l))
VEGA_RISK_WEIGHT = 1.0  # MAR21.92 (GIRR, CSR, commodity, FX; equity: equity_vega_…)


# -- default risk charge, non-securitisations (MAR22) -----------------------------------------
DRC_RISK_WEIGHTS = {  # MAR22.24, by credit quality
    "AAA": 0.005,
    "AA": 0.02,
    "A": 0.03,
    "BBB": 0.06,
    "BB": 0.15,
    "B": 0.30,
    "CCC": 0.50,
    "NR": 0.15,
    "D": 1.00,
}
# MAR22.14: loss given default by seniority (equity and non-senior debt 100 %, senior debt
# 75 %, covered bonds 25 %)
DRC_LGD = {"equity": 1.0, "subordinated": 1.0, "senior_unsecured": 0.75, "senior_secured": 0.75}
DRC_COVERED_LGD = 0.25
DRC_BUCKETS = ("corporates", "sovereigns", "local_governments")  # MAR22.25
DRC_FLOOR_YEARS = 0.25  # MAR22.19: maturities below 3 months count as 3 months
DRC_CASH_EQUITY_YEARS = 1.0  # MAR22.20: cash equities, 3 months or 1 year (riskcap: 1 year)
# MAR22.22: seniority rank, most senior first (a short offsets a long of a rank ≤ its own)
SENIORITY_RANK = {"senior_secured": 0, "senior_unsecured": 1, "subordinated": 2, "equity": 3}


def drc_bucket(sector: str | None) -> str:
    if sector == "sovereign":
        return "sovereigns"
    if sector == "local_government":
        return "local_governments"
    return "corporates"


# -- residual risk add-on (MAR23) -------------------------------------------------------------
RRAO_EXOTIC = 0.01  # MAR23.8(1): exotic underlyings
RRAO_OTHER = 0.001  # MAR23.8(2): other residual risks
