"""The risk-factor eligibility test (RFET) of FRTB, MAR31.12–31.13 (BCBS d457, 2019).

A risk factor is **modellable** on ``as_of`` when its real price observations over
the previous 12 months (the 365 days ending on ``as_of``; 366 across a 29 February)
satisfy one of

* (a) at least **24** observations, and no 90-day period inside the 12 months with
  fewer than **4** observations; or
* (b) at least **100** observations.

A day counts once however many prices it had (MAR31.13: observations on the same day
are one observation). Factors that fail are non-modellable (NMRFs) and are
capitalised by stress scenarios (:func:`riskcap.capital.frtb_ima.ses_aggregate`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

MIN_OBSERVATIONS = 24
MIN_IN_90_DAYS = 4
PERIOD_DAYS = 90
ALWAYS_MODELLABLE = 100


def year_before(as_of: dt.date) -> dt.date:
    """The same calendar date one year earlier (28 February for a 29 February)."""
    try:
        return as_of.replace(year=as_of.year - 1)
    except ValueError:
        return as_of.replace(year=as_of.year - 1, day=28)


@dataclass(frozen=True)
class Rfet:
    """The outcome of the test for one risk factor."""

    observations: int  # distinct observation days in the 12 months
    min_in_90_days: int  # fewest observations in any 90-day period of the 12 months
    modellable: bool
    rule: str  # which criterion passed, or why it failed


def rfet(dates: Iterable[dt.date], as_of: dt.date) -> Rfet:
    """Apply MAR31.12 to a factor's real-price observation dates."""
    start = year_before(as_of)  # the 12 months are (start, as_of]
    days = (as_of - start).days
    offsets = sorted({(d - start).days - 1 for d in dates if start < d <= as_of})
    daily = np.zeros(days, np.int64)
    daily[offsets] = 1
    count = int(daily.sum())
    window = np.convolve(daily, np.ones(PERIOD_DAYS, np.int64), mode="valid")
    min90 = int(window.min())
    if count >= ALWAYS_MODELLABLE:
        return Rfet(count, min90, True, f"≥ {ALWAYS_MODELLABLE} observations in 12 months")
    if count >= MIN_OBSERVATIONS and min90 >= MIN_IN_90_DAYS:
        return Rfet(
            count,
            min90,
            True,
            f"≥ {MIN_OBSERVATIONS} observations, ≥ {MIN_IN_90_DAYS} in every {PERIOD_DAYS} days",
        )
    if count < MIN_OBSERVATIONS:
        why = f"only {count} observations in 12 months (needs {MIN_OBSERVATIONS})"
    else:
        why = f"a {PERIOD_DAYS}-day period with {min90} observations (needs {MIN_IN_90_DAYS})"
    return Rfet(count, min90, False, why)
