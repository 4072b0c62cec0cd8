"""How vol and curve factors are named after the surfaces and curves they summarise.

* the implied-vol factor of an underlying ``EQ.AAPL`` is ``VOL.AAPL``: its 1Y ATM
  implied vol (:data:`VOL_FACTOR_TENOR`), log shocks; options scale it to their
  expiry along the day's term structure in ``vols``;
* the implied-vol factor of an FX pair ``FX.EURUSD`` is ``VOL.FX.EURUSD`` (its 1Y ATM
  vol; ``vols`` rows of underlying ``FX.EURUSD``);
* the pillars of curve ``<CCY>.ZERO`` are the factors ``IR.<CCY>.<TENOR>`` (``3M``,
  ``10Y``…), continuously compounded zero rates, absolute shocks;
* the pillars of a credit spread curve ``<ISSUER>.SPREAD`` are ``CS.<ISSUER>.<TENOR>``:
  continuously compounded zero spreads over the risk-free curve, absolute shocks;
* the FX rate of a currency is ``FX.<CCY><REP>``: units of the reporting currency
  ``REP`` (``eod.reporting_currency``) per unit of ``CCY`` (``FX.EURUSD`` 1.08,
  ``FX.JPYUSD`` 0.0067), log shocks.

Ingesting a ``curves`` or ``vols`` file writes these factors' levels into
``market_data`` too (see :mod:`riskcap.data.ingest`), so each is loaded once.
"""

from __future__ import annotations

import re

VOL_FACTOR_TENOR = 1.0
DEFAULT_REPORTING_CURRENCY = "USD"
FX_PREFIX = "FX."
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
    """``EQ.AAPL`` → ``VOL.AAPL``; an FX pair ``FX.EURUSD`` → ``VOL.FX.EURUSD``."""
    if underlying.startswith(FX_PREFIX):
        return "VOL." + underlying
    return "VOL." + underlying.split(".")[-1]


def fx_factor(currency: str, reporting: str) -> str:
    """``EUR``, ``USD`` → ``FX.EURUSD``: reporting-currency units per unit of ``currency``."""
    return f"{FX_PREFIX}{currency}{reporting}"


SPREAD_SUFFIX = ".SPREAD"


ZERO_SUFFIX = ".ZERO"


def curve_prefix(curve_id: str) -> str:
    """The pillars' common prefix: a currency's discount (OIS) curve ``USD.ZERO`` →
    ``IR.USD.``; another curve of the currency, e.g. the projection curve
    ``EUR.EURIBOR3M`` → ``IR.EUR.EURIBOR3M.``; a credit spread curve ``ACME.SPREAD`` →
    ``CS.ACME.``."""
    if curve_id.endswith(SPREAD_SUFFIX):
        return "CS." + curve_id.removesuffix(SPREAD_SUFFIX) + "."
    if curve_id.endswith(ZERO_SUFFIX) or "." not in curve_id:
        return "IR." + curve_id.split(".")[0] + "."
    return "IR." + curve_id + "."


def curve_pillar(curve_id: str, years: float) -> str:
    """``USD.ZERO``, 0.25 → ``IR.USD.3M``."""
    return curve_prefix(curve_id) + tenor_label(years)
