"""How vol and curve factors are named after the surfaces and curves they summarise.

* the implied-vol factor of an underlying ``EQ.AAPL`` is ``VOL.AAPL``: its 1Y ATM
  implied vol (:data:`VOL_FACTOR_TENOR`), log shocks; options scale it to their
  expiry along the day's term structure in ``vols``;
* the implied-vol factor of an FX pair ``FX.EURUSD`` is ``VOL.FX.EURUSD`` (its 1Y ATM
  vol; ``vols`` rows of underlying ``FX.EURUSD``);
* the smile points of a surface are ``VOL.<X>.<M>``: the 1Y implied vol at moneyness
  ``M`` percent of spot (``VOL.AAPL.90``, ``VOL.FX.EURUSD.110``), log shocks; ``VOL.<X>``
  is the surface's point at 100 (ATM);
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


def moneyness_label(moneyness: float) -> str:
    """0.9 → ``'90'`` (percent of spot, to 0.01 %: 0.875 → ``'87.5'``)."""
    pct = round(float(moneyness) * 100.0, 2)
    return f"{pct:g}"


def smile_factor(underlying: str, moneyness: float) -> str:
    """The 1Y smile point of ``underlying``'s surface at ``moneyness`` (strike / spot):
    ``VOL.<X>`` at 1 (ATM), ``VOL.<X>.<M>`` elsewhere (``VOL.AAPL.90``)."""
    base = vol_factor(underlying)
    if abs(float(moneyness) - 1.0) < 5e-5:
        return base
    return f"{base}.{moneyness_label(moneyness)}"


def smile_moneyness(factor_id: str, base: str) -> float | None:
    """The moneyness of smile point ``factor_id`` of the surface whose ATM factor is
    ``base`` (1.0 for ``base`` itself; ``None``: not one of its points)."""
    if factor_id == base:
        return 1.0
    label = factor_id.removeprefix(base + ".")
    if label == factor_id:
        return None
    try:
        value = float(label)
    except ValueError:
        return None
    return value / 100.0 if value > 0 else None


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
