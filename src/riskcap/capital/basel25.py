"""Basel 2.5 market-risk capital of an internal VaR model (VaR plus stressed VaR).

BCBS, *Revisions to the Basel II market risk framework* (July 2009, updated to
31 December 2010), ¶718(Lxxvi):

* (k) the capital requirement is, every day,

  .. math::
      c = \\max(\\mathrm{VaR}_{t-1},\\; m_c \\cdot \\mathrm{VaR}_{avg})
        + \\max(\\mathrm{sVaR}_{t-1},\\; m_s \\cdot \\mathrm{sVaR}_{avg})

  with VaR and stressed VaR at 99 %, 10 days (¶718(Lxxvi)(a)–(d), (i)) and the
  averages over the preceding sixty business days;
* (l) ``m_c`` and ``m_s`` are at least 3, plus the plus factor (0 to 1) of the
  backtesting of the **VaR** (not of the stressed VaR) — BCBS 1996 *Supervisory
  framework for the use of "backtesting"*, Table 2.

riskcap's dating: the EOD run of day ``T`` computes the requirement that applies on
the next business day, so ``VaR_{t−1}`` is the VaR of ``T``'s run and the average is
over the ``average_days`` most recent daily figures up to and including it. With
fewer than ``average_days`` figures in the catalog (a new installation), the average
is over those available and the count is reported.

The incremental risk charge (¶718(xcii)) and the comprehensive risk measure for
correlation trading are **out of scope**; so is the standardised specific-risk charge.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from jaxtyping import ArrayLike, Float

OUT_OF_SCOPE = (
    "incremental risk charge (IRC, ¶718(xcii))",
    "comprehensive risk measure (CRM) for correlation trading",
    "standardised-approach specific risk charges",
)


def multiplier(plus_factor: float, floor: float) -> float:
    """``m = floor + plus factor`` (¶718(Lxxvi)(l): a floor of 3 — ``capital.multiplier_floor``
    — and a plus factor in [0, 1])."""
    if not 0.0 <= plus_factor <= 1.0:
        raise ValueError(f"plus factor must be in [0, 1], got {plus_factor}")
    return floor + plus_factor


@dataclass(frozen=True)
class CapitalTerm:
    """One of the two terms: ``max(latest, m · average)``."""

    latest: float
    average: float
    days: int  # figures in the average
    multiplier: float

    @property
    def scaled_average(self) -> float:
        return self.multiplier * self.average

    @property
    def value(self) -> float:
        return max(self.latest, self.scaled_average)

    @property
    def binding(self) -> str:
        """Which side of the max sets the term: ``latest`` or ``average``."""
        return "latest" if self.latest >= self.scaled_average else "average"


def capital_term(series: Float[ArrayLike, " t"], m: float, average_days: int) -> CapitalTerm:
    """``max(x_{t−1}, m · mean(last average_days))`` of a daily series, oldest first."""
    x = np.asarray(series, np.float64)
    if x.ndim != 1 or x.size == 0:
        raise ValueError("a capital term needs at least one daily figure")
    recent = x[-average_days:]
    return CapitalTerm(float(x[-1]), float(np.mean(recent)), int(recent.size), m)


@dataclass(frozen=True)
class Basel25Capital:
    var: CapitalTerm
    svar: CapitalTerm

    @property
    def total(self) -> float:
        return self.var.value + self.svar.value


def basel25_capital(
    var_series: Float[ArrayLike, " t"],
    svar_series: Float[ArrayLike, " t"],
    plus_factor: float,
    *,
    average_days: int,
    floor: float,
) -> Basel25Capital:
    """Basel 2.5 capital from daily VaR and stressed-VaR figures (oldest first, positive)."""
    m = multiplier(plus_factor, floor)
    return Basel25Capital(
        capital_term(var_series, m, average_days), capital_term(svar_series, m, average_days)
    )
