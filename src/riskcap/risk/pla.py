"""The P&L attribution test of FRTB (BCBS d457, 2019, MAR32.37–32.45).

Each trading desk compares, over the most recent 250 business days, its
**hypothetical P&L** (HPL: yesterday's positions revalued by the front office on
today's market) with its **risk-theoretical P&L** (RTPL: the same positions revalued
by the risk model, with the model's own risk factors and pricing):

* the **Spearman** rank correlation of the two series (MAR32.40), and
* the **Kolmogorov–Smirnov** statistic: the largest distance between their
  empirical distribution functions (MAR32.41).

Zones (MAR32.44): **green** when Spearman > 0.80 and KS < 0.09; **red** when
Spearman < 0.70 or KS > 0.12; **amber** otherwise. A red desk leaves the IMA; an
amber desk stays, with a capital surcharge (MAR33.43).
"""

from __future__ import annotations

import enum
import warnings
from dataclasses import dataclass

import numpy as np
from jaxtyping import ArrayLike, Float
from scipy import stats

PLA_OBSERVATIONS = 250
SPEARMAN_GREEN, SPEARMAN_RED = 0.80, 0.70
KS_GREEN, KS_RED = 0.09, 0.12


class PlaZone(enum.StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"


def pla_zone(spearman: float, ks: float) -> PlaZone:
    """The zone of MAR32.44 from the two test metrics."""
    if spearman < SPEARMAN_RED or ks > KS_RED:
        return PlaZone.RED
    if spearman > SPEARMAN_GREEN and ks < KS_GREEN:
        return PlaZone.GREEN
    return PlaZone.AMBER


@dataclass(frozen=True)
class PlaResult:
    spearman: float
    ks: float
    observations: int
    zone: PlaZone


def pla_test(
    hpl: Float[ArrayLike, " n"], rtpl: Float[ArrayLike, " n"], window: int = PLA_OBSERVATIONS
) -> PlaResult:
    """Spearman correlation and KS statistic of the last ``window`` days, and the zone.

    ``hpl`` and ``rtpl`` are aligned daily series, oldest first. Ties get average
    ranks; a constant series has no rank correlation and is reported as 0 (red).
    """
    h = np.asarray(hpl, np.float64)[-window:]
    r = np.asarray(rtpl, np.float64)[-window:]
    if h.shape != r.shape or h.ndim != 1:
        raise ValueError("HPL and RTPL must be aligned 1-d series")
    if h.size < 2:
        raise ValueError("the PLA test needs at least two days of P&L")
    constant = np.ptp(h) == 0.0 or np.ptp(r) == 0.0
    rho = 0.0 if constant else float(stats.spearmanr(h, r).statistic)
    # the test metric is the KS statistic alone (MAR32.41); scipy also computes a
    # p-value, and on tied or long samples its exact method gives up with a
    # RuntimeWarning and switches to the asymptotic one. The p-value is not used, so the
    # warning is silenced here (the method is left as it was: its statistic is the one
    # the published figures were computed with, to the last bit)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "ks_2samp: Exact calculation unsuccessful")
        ks = float(stats.ks_2samp(h, r).statistic)
    return PlaResult(rho, ks, int(h.size), pla_zone(rho, ks))
