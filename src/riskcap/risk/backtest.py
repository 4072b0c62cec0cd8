"""VaR backtesting: exceptions, Kupiec and Christoffersen tests, the Basel traffic light.

Conventions
-----------
* P&L is profit positive, VaR a positive loss (DESIGN.md §3). Day ``t``'s P&L is
  compared with the VaR computed at the end of day ``t − 1``; an **exception** is a
  loss larger than that VaR: ``pnl_t < −VaR_{t−1}`` (a loss exactly equal to the
  VaR is covered, as in BCBS 1996 and MathWorks' ``varbacktest``).
* ``p = 1 − α`` is the probability of an exception the VaR is built for (0.01 for
  a 99 % VaR); ``n`` observations, ``x`` exceptions.

Tests (likelihood ratios, asymptotically χ²; ``0·ln 0 = 0``)
---------------------------------------------------------------
* Kupiec (1995) proportion of failures, χ²(1)::

      LR_POF = −2 ln[(1 − p)^{n−x} p^x] + 2 ln[(1 − x/n)^{n−x} (x/n)^x]

* Christoffersen (1998) independence, χ²(1), from the transition counts ``n_ij``
  (state ``i`` on day ``t − 1``, ``j`` on day ``t``; 1 = exception), with
  ``π₀ = n01/(n00 + n01)``, ``π₁ = n11/(n10 + n11)``, ``π = (n01 + n11)/Σn``::

      LR_ind = −2 ln[(1 − π)^{n00+n10} π^{n01+n11}]
               + 2 ln[(1 − π₀)^{n00} π₀^{n01} (1 − π₁)^{n10} π₁^{n11}]

* conditional coverage ``LR_cc = LR_POF + LR_ind``, χ²(2).

Reference values (shared/reference, MathWorks ``varbacktest``, 1043 observations
of a 95 % VaR, 57 failures): LR_POF 0.46147 (p 0.49694); transitions
932/53/53/4 → LR_ind 0.25866 (p 0.61104), LR_cc 0.72013 (p 0.69763).

Traffic light (BCBS 1996, *Supervisory framework for the use of "backtesting" in
conjunction with the internal models approach*, Tables 1–2): over the last 250
observations of a 99 % VaR, 0–4 exceptions green, 5–9 yellow, 10 or more red.
The zones are the cumulative binomial probabilities the Committee used: green
while ``P(X ≤ x) < 95 %``, red from ``P(X ≤ x) ≥ 99.99 %``, yellow between; that
definition, evaluated for the actual ``n`` and ``p``, extends the table to samples
other than 250 × 99 % (exactly the table at 250 × 99 %); no exception is always green
(with a short sample ``P(X ≤ 0)`` alone can pass 95 %). Below 250 observations the
zone is indicative — the report shows the count. The plus factor is Table 2's
(0, 0.40, 0.50, 0.65, 0.75, 0.85, 1.00); for another ``n`` a yellow count takes the
plus factor of the 250-observation count with the same cumulative probability.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

import numpy as np
from jaxtyping import ArrayLike, Bool, Float
from scipy.stats import binom, chi2

BASEL_OBSERVATIONS = 250


def indicative(observations: int) -> bool:
    """Whether a zone or capital figure rests on fewer than the 250 observations the
    Basel backtest needs (it is then shown as *indicative*)."""
    return observations < BASEL_OBSERVATIONS


BASEL_CONFIDENCE = 0.99
GREEN_BOUNDARY = 0.95  # cumulative probability where the yellow zone starts
RED_BOUNDARY = 0.9999  # cumulative probability where the red zone starts
# BCBS 1996 Table 2: plus factor by exceptions in 250 observations of a 99 % VaR
PLUS_FACTORS_250 = {5: 0.40, 6: 0.50, 7: 0.65, 8: 0.75, 9: 0.85}


class Zone(enum.StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


def exceptions(pnl: Float[ArrayLike, " n"], var: Float[ArrayLike, " n"]) -> Bool[np.ndarray, " n"]:
    """Exception indicator: the day's loss exceeds the previous day's VaR (``pnl < −VaR``)."""
    pnl = np.asarray(pnl, np.float64)
    var = np.asarray(var, np.float64)
    if pnl.shape != var.shape:
        raise ValueError(f"P&L and VaR series differ in length: {pnl.shape} vs {var.shape}")
    return pnl < -var


def _xlogy(x: float, y: float) -> float:
    return 0.0 if x == 0 else x * math.log(y)


def _check(n: int, x: int, confidence: float) -> float:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    if n < 1 or not 0 <= x <= n:
        raise ValueError(f"need 0 ≤ exceptions ≤ observations ≥ 1, got {x} of {n}")
    return 1.0 - confidence


@dataclass(frozen=True)
class LikelihoodRatio:
    """A likelihood-ratio statistic, its χ² degrees of freedom and p-value."""

    statistic: float
    dof: int

    @property
    def p_value(self) -> float:
        return float(chi2.sf(self.statistic, self.dof))

    def rejects(self, level: float = 0.95) -> bool:
        """True when the test rejects the model at ``level`` (p-value < 1 − level)."""
        return self.p_value < 1.0 - level


def kupiec_pof(n: int, x: int, confidence: float) -> LikelihoodRatio:
    """Kupiec's proportion-of-failures test of ``x`` exceptions in ``n`` (χ²(1))."""
    p = _check(n, x, confidence)
    phat = x / n
    null = _xlogy(n - x, 1.0 - p) + _xlogy(x, p)
    alt = _xlogy(n - x, 1.0 - phat) + _xlogy(x, phat)
    return LikelihoodRatio(max(0.0, -2.0 * (null - alt)), 1)


@dataclass(frozen=True)
class Transitions:
    """Counts of consecutive-day states: ``n_ij`` = day t−1 in ``i``, day t in ``j``."""

    n00: int
    n01: int
    n10: int
    n11: int

    @classmethod
    def of(cls, hits: Bool[ArrayLike, " n"]) -> Transitions:
        h = np.asarray(hits, bool)
        prev, cur = h[:-1], h[1:]
        return cls(
            int(np.sum(~prev & ~cur)),
            int(np.sum(~prev & cur)),
            int(np.sum(prev & ~cur)),
            int(np.sum(prev & cur)),
        )


def christoffersen_independence(t: Transitions) -> LikelihoodRatio:
    """Christoffersen's test that an exception does not make the next one likelier (χ²(1))."""
    total = t.n00 + t.n01 + t.n10 + t.n11
    if total == 0:
        return LikelihoodRatio(0.0, 1)
    pi = (t.n01 + t.n11) / total
    pi0 = t.n01 / (t.n00 + t.n01) if t.n00 + t.n01 else 0.0
    pi1 = t.n11 / (t.n10 + t.n11) if t.n10 + t.n11 else 0.0
    null = _xlogy(t.n00 + t.n10, 1.0 - pi) + _xlogy(t.n01 + t.n11, pi)
    alt = (
        _xlogy(t.n00, 1.0 - pi0)
        + _xlogy(t.n01, pi0)
        + _xlogy(t.n10, 1.0 - pi1)
        + _xlogy(t.n11, pi1)
    )
    return LikelihoodRatio(max(0.0, -2.0 * (null - alt)), 1)


def conditional_coverage(pof: LikelihoodRatio, ind: LikelihoodRatio) -> LikelihoodRatio:
    """Christoffersen's conditional coverage: ``LR_POF + LR_ind`` (χ²(2))."""
    return LikelihoodRatio(pof.statistic + ind.statistic, 2)


@dataclass(frozen=True)
class TrafficLight:
    zone: Zone
    plus_factor: float
    exceptions: int
    observations: int
    cumulative_probability: float  # P(X ≤ exceptions) under a correct model
    # the count in 250 days of a 99 % VaR with the same cumulative probability (the
    # row of BCBS 1996 Table 2 / MAR99 Table 2 that applies); equals ``exceptions``
    # at 250 × 99 %
    equivalent: int = 0


def traffic_light(
    x: int, n: int = BASEL_OBSERVATIONS, confidence: float = BASEL_CONFIDENCE
) -> TrafficLight:
    """Basel traffic-light zone and plus factor of ``x`` exceptions in ``n`` observations.

    At ``n = 250`` and 99 % this is BCBS 1996 Table 2 (0–4 green, 5–9 yellow with plus
    factors 0.40–0.85, ≥ 10 red with 1.00); other samples use the cumulative binomial
    probabilities that define the table (module docstring).
    """
    p = _check(n, x, confidence)
    cum = float(binom.cdf(x, n, p))
    if n == BASEL_OBSERVATIONS and math.isclose(p, 1.0 - BASEL_CONFIDENCE):
        equivalent = x
    else:  # the 250 × 99 % count with the same cumulative probability
        equivalent = int(binom.ppf(cum, BASEL_OBSERVATIONS, 1.0 - BASEL_CONFIDENCE))
    if x == 0 or cum < GREEN_BOUNDARY:
        return TrafficLight(Zone.GREEN, 0.0, x, n, cum, min(equivalent, 4))
    if cum >= RED_BOUNDARY:
        return TrafficLight(Zone.RED, 1.0, x, n, cum, max(equivalent, 10))
    equivalent = min(max(equivalent, min(PLUS_FACTORS_250)), max(PLUS_FACTORS_250))
    return TrafficLight(Zone.YELLOW, PLUS_FACTORS_250[equivalent], x, n, cum, equivalent)


@dataclass(frozen=True)
class BacktestStatistics:
    """Everything a backtest report shows for one P&L series against one VaR series."""

    observations: int
    exceptions: int
    expected: float
    confidence: float
    kupiec: LikelihoodRatio
    transitions: Transitions
    independence: LikelihoodRatio
    conditional: LikelihoodRatio
    traffic_light: TrafficLight  # over the last ``window`` observations

    def as_dict(self) -> dict[str, object]:
        return {
            "observations": self.observations,
            "exceptions": self.exceptions,
            "expected": self.expected,
            "confidence": self.confidence,
            "kupiec_lr": self.kupiec.statistic,
            "kupiec_p": self.kupiec.p_value,
            "independence_lr": self.independence.statistic,
            "independence_p": self.independence.p_value,
            "conditional_lr": self.conditional.statistic,
            "conditional_p": self.conditional.p_value,
            "n00": self.transitions.n00,
            "n01": self.transitions.n01,
            "n10": self.transitions.n10,
            "n11": self.transitions.n11,
            "zone": self.traffic_light.zone.value,
            "plus_factor": self.traffic_light.plus_factor,
            "zone_exceptions": self.traffic_light.exceptions,
            "zone_observations": self.traffic_light.observations,
        }


def backtest_statistics(
    hits: Bool[ArrayLike, " n"], confidence: float, window: int = BASEL_OBSERVATIONS
) -> BacktestStatistics:
    """Coverage tests of an exception series (oldest first) and its traffic light.

    The likelihood-ratio tests use the whole series; the traffic light its last
    ``window`` observations (250 in the Basel framework).
    """
    h = np.asarray(hits, bool)
    n = int(h.size)
    if n == 0:
        raise ValueError("no backtest observations")
    x = int(h.sum())
    t = Transitions.of(h)
    pof = kupiec_pof(n, x, confidence)
    ind = christoffersen_independence(t)
    recent = h[-window:]
    return BacktestStatistics(
        observations=n,
        exceptions=x,
        expected=n * (1.0 - confidence),
        confidence=confidence,
        kupiec=pof,
        transitions=t,
        independence=ind,
        conditional=conditional_coverage(pof, ind),
        traffic_light=traffic_light(int(recent.sum()), int(recent.size), confidence),
    )
