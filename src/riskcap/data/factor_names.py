"""How vol and curve factors are named after the surfaces and curves they summarise.

* the implied-vol factor of an underlying ``EQ.AAPL`` is ``VOL.AAPL``: its 1Y ATM
  implied vol (:data:`VOL_FACTOR_TENOR`), log shocks; options scale it to their
  expiry along the day's term structure in ``vols``;
* the pillars of curve ``<CCY>.ZERO`` are the factors ``IR.<CCY>.<TENOR>`` (``3M``,
  ``10Y``…), continuously compounded zero rates, absolute shocks.

Ingesting a ``curves`` or ``vols`` file writes these factors' levels into
``market_data`` too (see :mod:`riskcap.data.ingest`), so each is loaded once.
"""

from __future__ import annotations

import re

VOL_FACTOR_TENOR = 1.0
_TENOR = re.compile(r"^(\d+(?:\.\d+)?)([DWMY])$")
_TENOR_YEARS = {"D": 1 / 365, "W": 7 / 365, "M": 1 / 12, "Y": 1.0}


def tenor_years(label: str) -> float:
    """``'3M'`` → 0.25, ``'10Y'`` → 10.0."""
    m = _TENOR.match(label)
    if not m:
        raise ValueError(f"not a tenor label: {label!r}")
    return float(m.group(1)) * _TENOR_YEARS[m.group(2)]


def tenor_label(years: float) -> str:
    """The label of a tenor in years: whole years ``'10Y'``, whole months ``'3M'``,
    else days ``'45D'`` (``tenor_years(tenor_label(t))`` is ``t`` for such tenors)."""
    for unit, size in (("Y", 1.0), ("M", 1 / 12)):
        n = round(years / size)
        if n >= 1 and abs(n * size - years) < 1e-9:
            return f"{n}{unit}"
    return f"{round(years * 365)}D"


def vol_factor(underlying: str) -> str:
    """``EQ.AAPL`` → ``VOL.AAPL``."""
    return "VOL." + underlying.split(".")[-1]


def curve_prefix(curve_id: str) -> str:
    """``USD.ZERO`` → ``IR.USD.`` (the pillars' common prefix)."""
    return "IR." + curve_id.split(".")[0] + "."


def curve_pillar(curve_id: str, years: float) -> str:
    """``USD.ZERO``, 0.25 → ``IR.USD.3M``."""
    return curve_prefix(curve_id) + tenor_label(years)
