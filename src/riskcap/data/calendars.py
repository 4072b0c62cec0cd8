"""Market calendars: which factors' markets are closed on which dates.

A factor may name a calendar (``factors.calendar``); the ``holidays`` table lists each
calendar's holidays (ingest kind ``holidays``). On a holiday of its market a factor
has no price, and its last close is carried forward (a zero move that day), flagged
in the run record (``market_prep``'s ``carried_forward``) and by the
``holiday_carry_forward`` quality check; a missing price on a day its market is open
stays a gap, and on the as-of date it blocks the EOD (``missing_market_data``).
A factor without a calendar is open whenever the lake has data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import numpy as np
import pandas as pd

from riskcap.data.lake import Lake


def market_holidays(
    lake: Lake, version: int, factors: pd.DataFrame, factor_ids: list[str]
) -> dict[str, frozenset[dt.date]]:
    """factor → the holidays of its market calendar, for factors that name a calendar."""
    calendars = factors["calendar"].reindex(factor_ids).dropna()
    if calendars.empty:
        return {}
    rows = lake.read(
        "holidays",
        version=version,
        filters=[("calendar", "in", sorted(set(calendars)))],
        columns=["calendar", "date"],
    ).to_pylist()
    by_calendar: dict[str, set[dt.date]] = {}
    for r in rows:
        by_calendar.setdefault(r["calendar"], set()).add(r["date"])
    return {f: frozenset(by_calendar.get(c, ())) for f, c in calendars.items()}


def carry_forward(
    dates: tuple[dt.date, ...],
    levels: np.ndarray,
    factor_ids: list[str],
    closed: Mapping[str, frozenset[dt.date]],
) -> list[tuple[dt.date, str]]:
    """Fill, in place, each factor's missing levels on its market's holidays with its
    last level before; returns the (date, factor) cells filled.

    Only a holiday fills: a missing price on a business day of the factor's market
    stays NaN (and blocks the EOD when it is the as-of date).
    """
    filled: list[tuple[dt.date, str]] = []
    rows = np.arange(len(dates))
    for j, f in enumerate(factor_ids):  # factors with a calendar; dates are vectorised
        holidays = closed.get(f)
        if not holidays:
            continue
        col = levels[:, j]
        present = ~np.isnan(col)
        # index of the last present level at or before each row (-1: none yet)
        last = np.maximum.accumulate(np.where(present, rows, -1))
        on_holiday = np.fromiter((d in holidays for d in dates), bool, len(dates))
        fill = ~present & on_holiday & (last >= 0)
        col[fill] = col[last[fill]]
        filled += [(dates[i], f) for i in np.flatnonzero(fill)]
    return filled
