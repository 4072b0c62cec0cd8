"""Counterparty credit risk: the standardised approach SA-CCR (CRE52), pure functions.

For one netting set (CRE52.1):

.. math:: EAD = \\alpha\\,(RC + PFE), \\quad \\alpha = 1.4, \\quad
          PFE = \\text{multiplier} \\times AddOn^{aggregate}

- **Replacement cost** (CRE52.10, 52.18): unmargined ``RC = max(V − C, 0)``; margined
  ``RC = max(V − C, TH + MTA − NICA, 0)``; ``V`` the netting set's mark-to-market, ``C``
  the net collateral held (after haircuts), ``NICA`` the net independent collateral.
- **Multiplier** (CRE52.23): ``min(1, 0.05 + 0.95·exp((V − C) / (2·0.95·AddOn)))``.
- **Add-on** (CRE52.24–52.72): the sum over asset classes of hedging-set add-ons built
  from each trade's ``δ_i · d_i · MF_i`` — supervisory delta, adjusted notional (for
  interest rates and credit the notional times the supervisory duration
  ``SD = (e^{−0.05 S} − e^{−0.05 E}) / 0.05``, CRE52.34), maturity factor
  (unmargined ``sqrt(min(max(M, 10/250), 1))``, margined ``1.5·sqrt(MPOR/250)``,
  CRE52.48–52.52).

  - Interest rates (CRE52.56–52.57): hedging set per currency, three maturity buckets
    (< 1, 1–5, > 5 years by end date) with cross-bucket correlations 70% (adjacent) and
    30%; ``AddOn = 0.5% × EffectiveNotional``.
  - FX (CRE52.58): hedging set per currency pair, ``AddOn = 4% × |Σ δ·d·MF|``.
  - Credit and equity (CRE52.60–52.69): per reference entity ``A = SF·Σ δ·d·MF``, then
    ``sqrt((Σ ρ·A)² + Σ (1 − ρ²)·A²)``, ``ρ`` 50% single names, 80% indices.
  - Commodities (CRE52.70–52.72): per hedging set (energy, metals, agricultural,
    other) and commodity type ``A = SF·Σ δ·d·MF``, ``ρ`` = 40%.

A margined netting set's EAD is capped at its unmargined EAD (CRE52.2). Tests
reproduce the five worked examples of BCBS 279 Annex 4a.
"""

from __future__ import annotations

import enum
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy.stats import norm

ALPHA = 1.4  # CRE52.1
MULTIPLIER_FLOOR = 0.05  # CRE52.23
DAYS_A_YEAR = 250  # business days (CRE52.48, 52.52)
MIN_MATURITY_DAYS = 10  # CRE52.48: M floored at 10 business days
SD_RATE = 0.05  # CRE52.34: supervisory duration's 5% rate
IR_BUCKET_EDGES = (1.0, 5.0)  # CRE52.56: < 1, 1–5, > 5 years
IR_BUCKET_CORRELATION = ((1.0, 0.7, 0.3), (0.7, 1.0, 0.7), (0.3, 0.7, 1.0))  # CRE52.57


class AssetClass(enum.StrEnum):
    """SA-CCR asset classes (CRE52.24)."""

    INTEREST_RATE = "interest_rate"
    FX = "fx"
    CREDIT = "credit"
    EQUITY = "equity"
    COMMODITY = "commodity"


class CommodityGroup(enum.StrEnum):
    """Commodity hedging sets (CRE52.44)."""

    ENERGY = "energy"
    METALS = "metals"
    AGRICULTURAL = "agricultural"
    OTHER = "other"


# CRE52.72, Table 2: supervisory factors, correlations and option volatilities
IR_SF = 0.005
FX_SF = 0.04
CREDIT_SINGLE_SF: dict[str, float] = {
    "AAA": 0.0038, "AA": 0.0038, "A": 0.0042, "BBB": 0.0054, "BB": 0.0106, "B": 0.016,
    "CCC": 0.06, "NR": 0.06,
}  # fmt: skip
CREDIT_INDEX_SF = {True: 0.0038, False: 0.0106}  # investment grade / speculative grade
EQUITY_SF = {False: 0.32, True: 0.20}  # single name / index
ELECTRICITY_SF, COMMODITY_SF = 0.40, 0.18
SINGLE_CORRELATION, INDEX_CORRELATION = 0.50, 0.80
COMMODITY_CORRELATION = 0.40
OPTION_VOL: dict[tuple[AssetClass, bool], float] = {  # (class, index or electricity)
    (AssetClass.INTEREST_RATE, False): 0.50,
    (AssetClass.FX, False): 0.15,
    (AssetClass.CREDIT, False): 1.00,
    (AssetClass.CREDIT, True): 0.80,
    (AssetClass.EQUITY, False): 1.20,
    (AssetClass.EQUITY, True): 0.75,
    (AssetClass.COMMODITY, False): 0.70,
    (AssetClass.COMMODITY, True): 1.50,  # electricity
}
INVESTMENT_GRADE = frozenset({"AAA", "AA", "A", "BBB"})


@dataclass(frozen=True)
class Trade:
    """One derivative of a netting set as SA-CCR sees it.

    ``notional`` is in the domestic (reporting) currency and positive: for interest
    rates and credit the trade notional, for FX the foreign leg (CRE52.39), for equity
    and commodities the price times the units (CRE52.40). ``start`` and ``end`` are
    ``S`` and ``E`` in years (CRE52.31–52.33; ``start`` 0 for a trade already running),
    ``maturity`` the residual ``M`` (CRE52.48). ``delta`` is the supervisory delta:
    +1 long, −1 short in the primary risk factor, an option's from
    :func:`supervisory_delta`. ``hedging_set``: the currency (IR), the pair (FX), the
    :class:`CommodityGroup`; credit and equity have one hedging set each.
    ``reference``: the entity or index (credit, equity), the commodity type.
    """

    asset_class: AssetClass
    notional: float
    maturity: float
    delta: float
    mtm: float
    hedging_set: str = ""
    reference: str = ""
    start: float = 0.0
    end: float = 0.0
    rating: str = "NR"  # credit: the reference entity's (an index: IG if AAA–BBB)
    index: bool = False  # credit / equity index
    electricity: bool = False  # commodity type electricity


@dataclass(frozen=True)
class Margin:
    """A netting set's margin agreement (CRE52.18–52.20, 52.50–52.52).

    ``collateral`` is the net collateral held after haircuts (variation margin and
    independent amounts, negative when posted); ``nica`` the net independent collateral
    amount held (CRE52.15); ``mpor_days`` the margin period of risk in business days
    (at least ``10 + N − 1`` for remargining every ``N`` days, CRE52.50)."""

    threshold: float = 0.0
    mta: float = 0.0
    nica: float = 0.0
    collateral: float = 0.0
    mpor_days: float = 10.0


@dataclass(frozen=True)
class SaccrResult:
    """A netting set's SA-CCR figures (CRE52.1)."""

    rc: float
    addon: float
    multiplier: float
    pfe: float
    ead: float
    mtm: float
    addon_by_class: dict[str, float] = field(default_factory=dict)
    margined: bool = False


def supervisory_duration(start: np.ndarray | float, end: np.ndarray | float) -> np.ndarray:
    """``SD = (e^{−0.05 S} − e^{−0.05 E}) / 0.05`` (CRE52.34), ``S``, ``E`` in years."""
    s, e = np.asarray(start, np.float64), np.asarray(end, np.float64)
    return (np.exp(-SD_RATE * s) - np.exp(-SD_RATE * e)) / SD_RATE


def supervisory_delta(
    call: npt.ArrayLike,
    bought: npt.ArrayLike,
    price: npt.ArrayLike,
    strike: npt.ArrayLike,
    expiry: npt.ArrayLike,
    volatility: npt.ArrayLike,
) -> np.ndarray:
    """Supervisory delta of options (CRE52.40): bought call ``+N(d1)``, sold call
    ``−N(d1)``, bought put ``−N(−d1)``, sold put ``+N(−d1)`` with
    ``d1 = (ln(P/K) + σ²T/2) / (σ√T)``; ``σ`` the supervisory option volatility of the
    asset class (:data:`OPTION_VOL`), ``T`` the latest exercise date in years."""
    call = np.asarray(call, bool)
    sign = np.where(np.asarray(bought, bool), 1.0, -1.0)
    sigma, t = np.asarray(volatility, np.float64), np.asarray(expiry, np.float64)
    d1 = (
        np.log(np.asarray(price, np.float64) / np.asarray(strike, np.float64)) + 0.5 * sigma**2 * t
    ) / (sigma * np.sqrt(t))
    return sign * np.where(call, norm.cdf(d1), -norm.cdf(-d1))


def maturity_factor(maturity: np.ndarray, margin: Margin | None) -> np.ndarray:
    """``MF`` (CRE52.48–52.52): unmargined ``sqrt(min(max(M, 10/250), 1) / 1)``;
    margined ``1.5·sqrt(MPOR / 250)``."""
    m = np.asarray(maturity, np.float64)
    if margin is not None:
        return np.full(m.shape, 1.5 * math.sqrt(margin.mpor_days / DAYS_A_YEAR))
    return np.sqrt(np.minimum(np.maximum(m, MIN_MATURITY_DAYS / DAYS_A_YEAR), 1.0))


def supervisory_factor(t: Trade) -> float:
    """A trade's supervisory factor (CRE52.72, Table 2)."""
    if t.asset_class is AssetClass.INTEREST_RATE:
        return IR_SF
    if t.asset_class is AssetClass.FX:
        return FX_SF
    if t.asset_class is AssetClass.CREDIT:
        if t.index:
            return CREDIT_INDEX_SF[t.rating in INVESTMENT_GRADE]
        return CREDIT_SINGLE_SF.get(t.rating, CREDIT_SINGLE_SF["NR"])
    if t.asset_class is AssetClass.EQUITY:
        return EQUITY_SF[t.index]
    return ELECTRICITY_SF if t.electricity else COMMODITY_SF


def _ir_bucket(end: float) -> int:
    return int(np.searchsorted(np.array(IR_BUCKET_EDGES), end, side="right"))


def _entity_addon(by_ref: dict[str, float], index: dict[str, bool]) -> float:
    """``sqrt((Σ ρ·A)² + Σ (1 − ρ²)·A²)`` (CRE52.61, 52.67)."""
    rho = np.array([INDEX_CORRELATION if index[r] else SINGLE_CORRELATION for r in by_ref])
    a = np.array(list(by_ref.values()))
    return float(math.sqrt(float(np.sum(rho * a)) ** 2 + float(np.sum((1 - rho**2) * a**2))))


def addon(trades: Sequence[Trade], margin: Margin | None = None) -> dict[str, float]:
    """Aggregate add-on per asset class (CRE52.24–52.72) of one netting set's trades."""
    mf = maturity_factor(np.array([t.maturity for t in trades]), margin)
    out: dict[str, float] = {}
    ir: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(3))
    fx: dict[str, float] = defaultdict(float)
    credit: dict[str, float] = defaultdict(float)
    equity: dict[str, float] = defaultdict(float)
    commodity: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    index: dict[str, bool] = {}
    for t, f in zip(trades, mf, strict=True):
        if t.asset_class is AssetClass.INTEREST_RATE:
            d = t.notional * float(supervisory_duration(t.start, t.end))
            ir[t.hedging_set][_ir_bucket(t.end)] += t.delta * d * f
        elif t.asset_class is AssetClass.FX:
            fx[t.hedging_set] += t.delta * t.notional * f
        elif t.asset_class is AssetClass.CREDIT:
            d = t.notional * float(supervisory_duration(t.start, t.end))
            credit[t.reference] += supervisory_factor(t) * t.delta * d * f
            index[t.reference] = t.index
        elif t.asset_class is AssetClass.EQUITY:
            equity[t.reference] += supervisory_factor(t) * t.delta * t.notional * f
            index[t.reference] = t.index
        else:
            commodity[t.hedging_set][t.reference] += (
                supervisory_factor(t) * t.delta * t.notional * f
            )
    if ir:
        rho = np.array(IR_BUCKET_CORRELATION)
        out[AssetClass.INTEREST_RATE] = IR_SF * sum(
            math.sqrt(max(float(d @ rho @ d), 0.0)) for d in ir.values()
        )
    if fx:
        out[AssetClass.FX] = FX_SF * sum(abs(v) for v in fx.values())
    if credit:
        out[AssetClass.CREDIT] = _entity_addon(credit, index)
    if equity:
        out[AssetClass.EQUITY] = _entity_addon(equity, index)
    if commodity:
        total = 0.0
        for types in commodity.values():
            a = np.array(list(types.values()))
            total += math.sqrt(
                (COMMODITY_CORRELATION * float(a.sum())) ** 2
                + (1 - COMMODITY_CORRELATION**2) * float(np.sum(a**2))
            )
        out[AssetClass.COMMODITY] = total
    return out


def multiplier(v_minus_c: float, aggregate_addon: float) -> float:
    """PFE multiplier (CRE52.23): 1 when the netting set is out of the money net of
    collateral no more than its add-on allows; floored at 5%."""
    if aggregate_addon <= 0.0 or v_minus_c >= 0.0:
        return 1.0
    floor = MULTIPLIER_FLOOR
    return min(1.0, floor + (1 - floor) * math.exp(v_minus_c / (2 * (1 - floor) * aggregate_addon)))


def _ead(trades: Sequence[Trade], margin: Margin | None, collateral: float) -> SaccrResult:
    v = float(sum(t.mtm for t in trades))
    by_class = addon(trades, margin)
    total = float(sum(by_class.values()))
    if margin is None:
        rc = max(v - collateral, 0.0)
    else:
        rc = max(v - collateral, margin.threshold + margin.mta - margin.nica, 0.0)
    m = multiplier(v - collateral, total)
    pfe = m * total
    return SaccrResult(
        rc, total, m, pfe, ALPHA * (rc + pfe), v, {str(k): x for k, x in by_class.items()},
        margin is not None,
    )  # fmt: skip


def saccr(trades: Sequence[Trade], margin: Margin | None = None) -> SaccrResult:
    """A netting set's exposure at default by SA-CCR (CRE52.1); ``margin`` None for an
    unmargined netting set. A margined set's EAD is capped at the EAD it would have
    unmargined (CRE52.2), computed with its collateral as the NICA it holds."""
    if not trades:
        return SaccrResult(0.0, 0.0, 1.0, 0.0, 0.0, 0.0)
    if margin is None:
        return _ead(trades, None, 0.0)
    margined = _ead(trades, margin, margin.collateral)
    unmargined = _ead(trades, None, margin.nica)
    return margined if margined.ead <= unmargined.ead else unmargined


def effective_maturity(notional: np.ndarray, maturity: np.ndarray) -> float:
    """A netting set's effective maturity: the notional-weighted residual maturity in
    years, at least one year (CRE32.48 as MAR50.15 uses it for BA-CVA, no 5-year cap)."""
    n = np.abs(np.asarray(notional, np.float64))
    if n.sum() <= 0:
        return 1.0
    return max(1.0, float(np.sum(n * np.asarray(maturity)) / n.sum()))
