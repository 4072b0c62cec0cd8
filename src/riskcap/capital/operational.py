"""Operational risk capital: the standardised approach SMA (OPE25), pure functions.

- **Business indicator** (OPE25.4–25.7), each item the average of the last three years:
  ``BI = ILDC + SC + FC`` with
  ``ILDC = min(|II − IE|, 2.25% × IEA) + DI``,
  ``SC = max(OI, OE) + max(FI, FE)``,
  ``FC = |net P&L trading book| + |net P&L banking book|`` (the average of each year's
  absolute value).
- **Business indicator component** (OPE25.8): marginal coefficients 12% up to €1bn,
  15% from €1bn to €30bn, 18% above.
- **Loss component** (OPE25.9–25.10): ``LC = 15 ×`` the average annual net operational
  loss over the last ten years (at least five where ten are not available, OPE25.33);
  losses below the €20,000 threshold are left out (OPE25.34).
- **Internal loss multiplier** (OPE25.11): ``ILM = ln(e − 1 + (LC/BIC)^0.8)``.
- **Capital** (OPE25.2, 25.12–25.14): ``ORC = BIC × ILM``; banks in bucket 1
  (BI ≤ €1bn) and banks with fewer than five years of loss data use ``ILM = 1``.

Amounts are in EUR (the thresholds' currency); convert before calling.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

BUCKET_EDGES_EUR = (1e9, 30e9)  # OPE25.8
BUCKET_COEFFICIENTS = (0.12, 0.15, 0.18)  # OPE25.8
IEA_CAP = 0.0225  # OPE25.7: interest margin capped at 2.25% of interest-earning assets
LOSS_MULTIPLE = 15.0  # OPE25.9
MIN_LOSS_YEARS, LOSS_YEARS = 5, 10  # OPE25.33, OPE25.9
LOSS_THRESHOLD_EUR = 20_000.0  # OPE25.34
BI_YEARS = 3  # OPE25.4


@dataclass(frozen=True)
class BusinessIndicatorInputs:
    """Three years (or more: the last three count) of the BI items (OPE25.7), in EUR;
    each array is ``(years,)``, oldest first."""

    interest_income: np.ndarray
    interest_expense: np.ndarray
    interest_earning_assets: np.ndarray
    dividend_income: np.ndarray
    fee_income: np.ndarray
    fee_expense: np.ndarray
    other_operating_income: np.ndarray
    other_operating_expense: np.ndarray
    net_pnl_trading_book: np.ndarray
    net_pnl_banking_book: np.ndarray


@dataclass(frozen=True)
class BusinessIndicator:
    ildc: float
    sc: float
    fc: float

    @property
    def total(self) -> float:
        return self.ildc + self.sc + self.fc


@dataclass(frozen=True)
class OperationalCapital:
    """The SMA's figures (OPE25), EUR."""

    bi: BusinessIndicator
    bic: float
    bucket: int
    lc: float
    ilm: float
    loss_years: int
    capital: float

    @property
    def rwa(self) -> float:
        return 12.5 * self.capital


def _avg(x: np.ndarray) -> float:
    return float(np.mean(np.asarray(x, np.float64)[-BI_YEARS:]))


def business_indicator(f: BusinessIndicatorInputs) -> BusinessIndicator:
    """``BI = ILDC + SC + FC`` (OPE25.7) from the last three years' items."""
    ildc = min(
        abs(_avg(f.interest_income) - _avg(f.interest_expense)),
        IEA_CAP * _avg(f.interest_earning_assets),
    ) + _avg(f.dividend_income)
    sc = max(_avg(f.other_operating_income), _avg(f.other_operating_expense)) + max(
        _avg(f.fee_income), _avg(f.fee_expense)
    )
    fc = _avg(np.abs(f.net_pnl_trading_book)) + _avg(np.abs(f.net_pnl_banking_book))
    return BusinessIndicator(ildc, sc, fc)


def business_indicator_component(bi: float) -> float:
    """``BIC`` by the marginal coefficients of OPE25.8 (12% / 15% / 18%)."""
    edges = (0.0, *BUCKET_EDGES_EUR, math.inf)
    return float(
        sum(
            c * max(0.0, min(bi, hi) - lo)
            for c, lo, hi in zip(BUCKET_COEFFICIENTS, edges[:-1], edges[1:], strict=True)
        )
    )


def bi_bucket(bi: float) -> int:
    """The BI bucket 1, 2 or 3 (OPE25.8)."""
    return 1 + int(np.searchsorted(np.array(BUCKET_EDGES_EUR), bi, side="left"))


def loss_component(annual_net_losses: np.ndarray) -> float:
    """``LC = 15 ×`` the average of the last ten years' annual net losses (OPE25.9)."""
    losses = np.asarray(annual_net_losses, np.float64)[-LOSS_YEARS:]
    return LOSS_MULTIPLE * float(losses.mean()) if len(losses) else 0.0


def internal_loss_multiplier(lc: float, bic: float) -> float:
    """``ILM = ln(e − 1 + (LC/BIC)^0.8)`` (OPE25.11)."""
    return math.log(math.e - 1.0 + (lc / bic) ** 0.8) if bic > 0 else 1.0


def operational_risk_capital(
    inputs: BusinessIndicatorInputs, annual_net_losses: np.ndarray
) -> OperationalCapital:
    """``ORC = BIC × ILM`` (OPE25.2) with the bucket-1 and loss-data rules of OPE25.

    ``annual_net_losses``: one entry per year of loss history (oldest first, net of
    recoveries, events below the threshold already left out); years with no loss
    count as zero where the history covers them."""
    bi = business_indicator(inputs)
    bic = business_indicator_component(bi.total)
    bucket = bi_bucket(bi.total)
    losses = np.asarray(annual_net_losses, np.float64)[-LOSS_YEARS:]
    lc = loss_component(losses)
    ilm = internal_loss_multiplier(lc, bic)
    if bucket == 1 or len(losses) < MIN_LOSS_YEARS:
        ilm = 1.0
    return OperationalCapital(bi, bic, bucket, lc, ilm, len(losses), bic * ilm)
