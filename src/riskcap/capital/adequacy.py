"""Capital adequacy: total RWA, the output floor, capital ratios against their
requirements and the leverage ratio (RBC20, RBC30, LEV), pure functions.

- **Total RWA** (RBC20.1, 20.4): credit (SA or IRB) + counterparty credit (SA-CCR
  exposures weighted by the counterparty's risk weight) + CVA + ``12.5 ×`` (market-risk
  capital + operational-risk capital).
- **Output floor** (RBC20.11): ``RWA = max(RWA_internal, x × RWA_standardised)`` with
  ``x`` = 72.5%, phased in from 50% in 2023 (RBC90.2: 50, 55, 60, 65, 70, 72.5%).
  ``RWA_standardised`` puts the standardised figure in every place a model was used:
  credit SA instead of IRB, FRTB SA instead of the IMA.
- **Ratios** (RBC20.2): CET1 ≥ 4.5%, Tier 1 ≥ 6%, total capital ≥ 8% of RWA, each
  plus the CET1 buffers (RBC30): capital conservation 2.5% (RBC30.3), the
  countercyclical buffer — the exposure-weighted average of the jurisdictions' rates,
  weights the private-sector credit RWA by country (RBC30.14–30.15) — and a systemic
  (G-SIB / D-SIB) buffer (RBC40).
- **Leverage ratio** (LEV20.1, 20.4): Tier 1 / exposure measure ≥ 3%, plus half the
  G-SIB buffer (LEV40.1).

Pillar 2 requirements and the transitional arrangements for capital instruments are
out of scope.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

MARKET_OP_SCALING = 12.5  # RBC20.4: capital × 12.5 = RWA
OUTPUT_FLOOR = 0.725  # RBC20.11
OUTPUT_FLOOR_PHASE_IN: dict[int, float] = {  # RBC90.2
    2023: 0.50,
    2024: 0.55,
    2025: 0.60,
    2026: 0.65,
    2027: 0.70,
    2028: 0.725,
}
CET1_MINIMUM, TIER1_MINIMUM, TOTAL_MINIMUM = 0.045, 0.06, 0.08  # RBC20.2
CONSERVATION_BUFFER = 0.025  # RBC30.3
LEVERAGE_MINIMUM = 0.03  # LEV20.4
GSIB_LEVERAGE_SHARE = 0.5  # LEV40.1


def output_floor_percentage(year: int, schedule: Mapping[int, float] | None = None) -> float:
    """The output floor's ``x`` in ``year`` (RBC90.2 unless ``schedule`` is given):
    the percentage of the latest year of the schedule not after ``year``; before its
    first year, the first percentage."""
    table = dict(schedule or OUTPUT_FLOOR_PHASE_IN)
    years = sorted(table)
    past = [y for y in years if y <= year]
    return table[past[-1]] if past else table[years[0]]


@dataclass(frozen=True)
class RiskWeightedAssets:
    """An entity's RWA by risk type, internal (what the bank's approaches give) and
    standardised (every model replaced by its standardised approach)."""

    credit: float
    credit_sa: float
    ccr: float
    cva: float
    market_capital: float
    market_capital_sa: float
    operational_capital: float

    @property
    def market(self) -> float:
        return MARKET_OP_SCALING * self.market_capital

    @property
    def operational(self) -> float:
        return MARKET_OP_SCALING * self.operational_capital

    @property
    def internal(self) -> float:
        return self.credit + self.ccr + self.cva + self.market + self.operational

    @property
    def standardised(self) -> float:
        return (
            self.credit_sa
            + self.ccr
            + self.cva
            + MARKET_OP_SCALING * (self.market_capital_sa + self.operational_capital)
        )

    def floored(self, floor: float) -> float:
        """``max(RWA_internal, floor × RWA_standardised)`` (RBC20.11)."""
        return max(self.internal, floor * self.standardised)


@dataclass(frozen=True)
class CapitalResources:
    """Regulatory capital (CAP10): CET1 after deductions, AT1, Tier 2."""

    cet1: float
    at1: float
    tier2: float

    @property
    def tier1(self) -> float:
        return self.cet1 + self.at1

    @property
    def total(self) -> float:
        return self.tier1 + self.tier2


@dataclass(frozen=True)
class Buffers:
    """CET1 buffers on top of the minimums (RBC30, RBC40)."""

    conservation: float = CONSERVATION_BUFFER
    countercyclical: float = 0.0
    systemic: float = 0.0  # G-SIB / D-SIB higher loss absorbency

    @property
    def combined(self) -> float:
        return self.conservation + self.countercyclical + self.systemic


@dataclass(frozen=True)
class Ratio:
    """One capital ratio against its requirement (minimum + combined buffer)."""

    name: str
    capital: float
    denominator: float
    minimum: float
    buffer: float

    @property
    def value(self) -> float:
        return self.capital / self.denominator if self.denominator > 0 else float("inf")

    @property
    def requirement(self) -> float:
        return self.minimum + self.buffer

    @property
    def surplus(self) -> float:
        """Capital above the requirement (negative: the shortfall), in money."""
        return self.capital - self.requirement * self.denominator

    @property
    def met(self) -> bool:
        return self.value >= self.requirement


def countercyclical_buffer(
    rwa_by_country: Mapping[str, float], rates: Mapping[str, float]
) -> float:
    """``Σ_j w_j × rate_j``: ``w_j`` the share of private-sector credit RWA on
    jurisdiction ``j`` (RBC30.14–30.15); a jurisdiction without a stated rate has 0."""
    total = float(sum(rwa_by_country.values()))
    if total <= 0:
        return 0.0
    return float(sum(w / total * rates.get(c, 0.0) for c, w in rwa_by_country.items()))


def capital_ratios(
    resources: CapitalResources, rwa: float, buffers: Buffers
) -> tuple[Ratio, Ratio, Ratio]:
    """CET1, Tier 1 and total capital ratios (RBC20.2) with the combined buffer."""
    b = buffers.combined
    return (
        Ratio("cet1", resources.cet1, rwa, CET1_MINIMUM, b),
        Ratio("tier1", resources.tier1, rwa, TIER1_MINIMUM, b),
        Ratio("total", resources.total, rwa, TOTAL_MINIMUM, b),
    )


def leverage_ratio(tier1: float, exposure_measure: float, gsib_buffer: float = 0.0) -> Ratio:
    """Tier 1 over the exposure measure (LEV20.1) against 3% plus half the G-SIB
    buffer (LEV40.1)."""
    return Ratio(
        "leverage", tier1, exposure_measure, LEVERAGE_MINIMUM, GSIB_LEVERAGE_SHARE * gsib_buffer
    )


def leverage_exposure(
    on_balance: np.ndarray, off_balance: np.ndarray, ccf: np.ndarray, derivatives: float
) -> float:
    """Exposure measure (LEV30): on-balance-sheet exposures, off-balance-sheet items at
    their SA CCF floored at 10% (LEV30.40), derivatives at SA-CCR EAD (LEV30.16)."""
    return float(
        np.sum(on_balance) + np.sum(np.asarray(off_balance) * np.maximum(ccf, 0.10)) + derivatives
    )
