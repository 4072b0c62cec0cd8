"""FRTB internal models approach: the capital formulas over ES figures.

BCBS, *Minimum capital requirements for market risk* (d457, January 2019); paragraph
numbers are those of that text (MAR33), with the consolidated Basel Framework's
number where it differs:

* **MAR33.4** liquidity-horizon cascade: with ``T = 10`` days, ``ES_T(P)`` the ES of
  the portfolio under shocks to every modellable factor and ``ES_T(P, j)`` under
  shocks to the factors whose liquidity horizon is at least ``LH_j`` (others held),

  .. math::
      ES = \\sqrt{ES_T(P)^2 + \\sum_{j \\ge 2}
           \\Big(ES_T(P, j)\\sqrt{\\tfrac{LH_j - LH_{j-1}}{T}}\\Big)^2},
      \\quad LH_j \\in \\{10, 20, 40, 60, 120\\};

* **MAR33.5** stressed calibration: ``ES = ES_R,S · ES_F,C / ES_R,C`` with the ratio
  floored at 1 (R: the reduced set of factors, F: the full set; S: the stressed
  12 months, C: the current 12 months); the reduced set must explain at least 75 %
  of the full model (``ES_R,C / ES_F,C ≥ 0.75``);
* **MAR33.15** ``IMCC = ρ·IMCC(C) + (1 − ρ)·Σ_i IMCC(C_i)``, ``ρ = 0.5``, where
  ``IMCC(C)`` is the unconstrained (all risk classes) stress-calibrated ES and
  ``IMCC(C_i)`` that of risk class ``i`` alone;
* **MAR33.16** (consolidated MAR33.17) non-modellable risk factors:
  ``SES = √Σ ISES²_credit + √Σ ISES²_equity + √((ρ·Σ SES_k)² + (1 − ρ²)·Σ SES_k²)``,
  ``ρ = 0.6``: idiosyncratic credit-spread and equity NMRFs with zero correlation,
  every other NMRF with ρ;
* **MAR33.9** (MAR99 Table 2) the multiplier ``m_c = 1.5 + plus factor`` from the
  exceptions of the firm-wide 99 % VaR over 250 days, the larger count of actual
  and hypothetical P&L;
* **MAR33.41** ``C_A = max(IMCC_{t−1} + SES_{t−1}, m_c·IMCC_avg + SES_avg)`` with the
  averages over the previous 60 business days;
* **MAR32** desk eligibility: more than 12 exceptions at 99 % or more than 30 at
  97.5 % over the last 250 days sends a desk to the standardised approach.

The default risk charge (MAR33.18–) and the standardised approach (MAR20–23), and
with it the capital surcharge of desks in the PLA amber zone (MAR33.43), are out of
scope: :data:`OUT_OF_SCOPE`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from jaxtyping import ArrayLike, Float

from riskcap.risk.backtest import TrafficLight, Zone

BASE_HORIZON = 10  # T of MAR33.4, in business days
LIQUIDITY_HORIZONS = (10, 20, 40, 60, 120)  # LH_j of MAR33.4 / MAR33.12
ES_CONFIDENCE = 0.975  # MAR33.2
IMCC_RHO = 0.5  # MAR33.15
SES_RHO = 0.6  # MAR33.16
NMRF_MIN_HORIZON = 20  # MAR33.16: an NMRF's liquidity horizon is at least 20 days
EXPLAINED_MINIMUM = 0.75  # MAR33.5(2)(c)
MULTIPLIER_FLOOR = 1.5  # MAR33.9
# MAR33.9 / MAR99 Table 2: plus factor by exceptions in 250 days of a 99 % VaR
FRTB_PLUS_FACTORS_250 = {5: 0.20, 6: 0.26, 7: 0.33, 8: 0.38, 9: 0.42}
FRTB_RED_PLUS_FACTOR = 0.50
DESK_EXCEPTION_LIMITS = {0.99: 12, 0.975: 30}  # MAR32: more than this → SA

OUT_OF_SCOPE = (
    "an internal default risk charge model (DRC, MAR33.18–33.39): the bank's aggregate "
    "capital (frtb_sa task, acr:*) takes the standardised DRC (MAR22) for IMA desks",
)


def cascade_weights() -> np.ndarray:
    """``√((LH_j − LH_{j−1}) / T)`` per bucket ``j`` (1 for the first), MAR33.4."""
    lh = np.asarray(LIQUIDITY_HORIZONS, np.float64)
    return np.sqrt(np.concatenate([[1.0], np.diff(lh) / BASE_HORIZON]))


def cascade_es(es_by_bucket: Float[ArrayLike, "... j"]) -> Float[np.ndarray, ...]:
    """The liquidity-adjusted ES of MAR33.4 from ``ES_T(P, j)``, ``j = 1..5`` (last axis).

    ``es_by_bucket[..., 0]`` is ``ES_T(P)`` (every modellable factor shocked);
    ``es_by_bucket[..., j]`` the ES with only factors of liquidity horizon ≥ ``LH_j``
    shocked (0 where no factor has so long a horizon). A negative ES (a subset whose
    tail is a gain) adds nothing: each term is floored at zero before squaring.
    """
    es = np.maximum(np.asarray(es_by_bucket, np.float64), 0.0)
    if es.shape[-1] != len(LIQUIDITY_HORIZONS):
        raise ValueError(f"one ES per liquidity horizon {LIQUIDITY_HORIZONS}")
    return np.sqrt(np.sum((es * cascade_weights()) ** 2, axis=-1))


def bucket_masks(
    horizons: Float[ArrayLike, " f"], selected: Float[ArrayLike, " f"]
) -> Float[np.ndarray, "j f"]:
    """``(5, f)`` masks: factor ``k`` is shocked in term ``j`` when it is selected and
    ``LH_k ≥ LH_j`` (MAR33.4's ``Q(p_i, j)``)."""
    lh = np.asarray(horizons, np.int64)
    sel = np.asarray(selected, bool)
    return np.stack([sel & (lh >= h) for h in LIQUIDITY_HORIZONS])


@dataclass(frozen=True)
class StressCalibrated:
    """MAR33.5: ``ES = ES_R,S · max(ES_F,C / ES_R,C, 1)`` and the 75 % explanation check."""

    es_rs: float
    es_fc: float
    es_rc: float

    @property
    def ratio(self) -> float:
        """``max(ES_F,C / ES_R,C, 1)`` (1 when ``ES_R,C`` is 0: no reduced-set exposure)."""
        if self.es_rc <= 0.0:
            return 1.0
        return max(self.es_fc / self.es_rc, 1.0)

    @property
    def explained(self) -> float:
        """``ES_R,C / ES_F,C``: the share of the full model the reduced set explains."""
        if self.es_fc <= 0.0:
            return 1.0
        return self.es_rc / self.es_fc

    @property
    def es(self) -> float:
        """The stress-calibrated ES. With no reduced-set exposure (``ES_R,C = 0``) but
        a full-set ES, the reduced set explains nothing and the stressed figure cannot
        be scaled; the current full-set ES is used (and the 75 % check fails)."""
        if self.es_rc <= 0.0 and self.es_fc > 0.0:
            return self.es_fc
        return self.es_rs * self.ratio


def imcc(unconstrained: float, by_class: Float[ArrayLike, " c"], rho: float = IMCC_RHO) -> float:
    """``ρ·IMCC(C) + (1 − ρ)·Σ IMCC(C_i)`` (MAR33.15)."""
    if not 0.0 <= rho <= 1.0:
        raise ValueError(f"rho must be in [0, 1], got {rho}")
    return float(rho * unconstrained + (1.0 - rho) * np.sum(np.asarray(by_class, np.float64)))


def nmrf_horizon(liquidity_horizon: int) -> int:
    """An NMRF's stress-scenario horizon: ``max(LH, 20)`` days (MAR33.16)."""
    return max(int(liquidity_horizon), NMRF_MIN_HORIZON)


def ses_aggregate(
    idiosyncratic_credit: Float[ArrayLike, " i"],
    idiosyncratic_equity: Float[ArrayLike, " l"],
    others: Float[ArrayLike, " k"],
    rho: float = SES_RHO,
) -> float:
    """Aggregate the NMRF stress-scenario capital of MAR33.16 (consolidated MAR33.17).

    Each argument holds the positive losses ``SES_NM`` of one group; zero-correlation
    groups add in quadrature, the rest with correlation ``ρ``.
    """
    credit = np.asarray(idiosyncratic_credit, np.float64)
    equity = np.asarray(idiosyncratic_equity, np.float64)
    k = np.asarray(others, np.float64)
    correlated = (rho * np.sum(k)) ** 2 + (1.0 - rho**2) * np.sum(k**2)
    return float(
        math.sqrt(np.sum(credit**2)) + math.sqrt(np.sum(equity**2)) + math.sqrt(correlated)
    )


def frtb_plus_factor(light: TrafficLight) -> float:
    """MAR33.9 plus factor from the firm's traffic light (MAR99 Table 2).

    Green 0, red 0.50, yellow by the count with the same cumulative binomial
    probability in 250 days of a 99 % VaR (:attr:`TrafficLight.equivalent`): 5 → 0.20,
    6 → 0.26, 7 → 0.33, 8 → 0.38, 9 → 0.42.
    """
    if light.zone is Zone.GREEN:
        return 0.0
    if light.zone is Zone.RED:
        return FRTB_RED_PLUS_FACTOR
    return FRTB_PLUS_FACTORS_250[light.equivalent]


@dataclass(frozen=True)
class FrtbCapital:
    """``C_A = max(IMCC_{t−1} + SES_{t−1}, m_c·IMCC_avg + SES_avg)`` (MAR33.41)."""

    imcc_latest: float
    ses_latest: float
    imcc_average: float
    ses_average: float
    days: int
    multiplier: float

    @property
    def latest(self) -> float:
        return self.imcc_latest + self.ses_latest

    @property
    def average(self) -> float:
        return self.multiplier * self.imcc_average + self.ses_average

    @property
    def total(self) -> float:
        return max(self.latest, self.average)

    @property
    def binding(self) -> str:
        return "latest" if self.latest >= self.average else "average"


def frtb_capital(
    imcc_series: Float[ArrayLike, " t"],
    ses_series: Float[ArrayLike, " t"],
    plus_factor: float,
    *,
    average_days: int,
    floor: float = MULTIPLIER_FLOOR,
) -> FrtbCapital:
    """C_A from daily IMCC and SES figures (oldest first, the latest last).

    As for Basel 2.5 (:mod:`riskcap.capital.basel25`), the run of day ``T`` computes
    the requirement of the next day: ``IMCC_{t−1}`` is ``T``'s figure and the averages
    are over the ``average_days`` most recent figures up to it.
    """
    x = np.asarray(imcc_series, np.float64)
    s = np.asarray(ses_series, np.float64)
    if x.ndim != 1 or x.size == 0 or x.shape != s.shape:
        raise ValueError("IMCC and SES need one figure per day, at least one day")
    if not 0.0 <= plus_factor <= FRTB_RED_PLUS_FACTOR:
        raise ValueError(f"plus factor must be in [0, 0.5], got {plus_factor}")
    recent_x, recent_s = x[-average_days:], s[-average_days:]
    return FrtbCapital(
        imcc_latest=float(x[-1]),
        ses_latest=float(s[-1]),
        imcc_average=float(np.mean(recent_x)),
        ses_average=float(np.mean(recent_s)),
        days=int(recent_x.size),
        multiplier=floor + plus_factor,
    )


@dataclass(frozen=True)
class DeskBacktest:
    """A desk's exceptions at 99 % and 97.5 % (the larger of actual and hypothetical)."""

    exceptions: dict[float, int]
    observations: int

    @property
    def breaches(self) -> list[str]:
        return [
            f"{self.exceptions[c]} exceptions at {c:.1%} (limit {limit})"
            for c, limit in DESK_EXCEPTION_LIMITS.items()
            if self.exceptions.get(c, 0) > limit
        ]

    @property
    def passes(self) -> bool:
        return not self.breaches
