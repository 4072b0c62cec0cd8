"""Options priced at their own strike's vol on a surface by expiry and moneyness, against
QuantLib (issue 19, items 6 and 8).

The surface is the ``vols`` rows of an as-of date (tenor × moneyness = strike / spot);
its 1Y points are factors (``VOL.<X>`` ATM, ``VOL.<X>.<M>``). riskcap's rule
(:func:`riskcap.inputs.risk_inputs.smile_weights`, documented in the README): linear in
expiry along each moneyness pillar, then linear in moneyness, flat outside; under a
scenario each pillar's term structure moves with its 1Y factor. The oracle reads the
vol off the same surface with that rule (an independent NumPy twin, below) and prices
with QuantLib's ``AnalyticEuropeanEngine`` on a ``BlackConstantVol``; vega per surface
point by autodiff against QuantLib bump-and-reprice of the bumped surface.
"""

from __future__ import annotations

import datetime as dt

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
import QuantLib as ql

from riskcap.data.factor_names import smile_factor
from riskcap.inputs.risk_inputs import smile_weights
from riskcap.market.factors import FactorSet
from riskcap.pricing.book import Option, option_values, stack_curves

TODAY = ql.Date(15, 6, 2022)
AS_OF = dt.date(2022, 6, 15)
DC = ql.Actual365Fixed()
TENORS = np.array([0.25, 0.5, 1.0, 2.0])
MONEYNESS = np.array([0.8, 0.9, 1.0, 1.1, 1.2])
SPOT, RATE = 250.0, 0.03
RNG = np.random.default_rng(6)


def _surface() -> pd.DataFrame:
    """A skewed surface: vol falls with moneyness, rises a little with expiry."""
    rows = []
    for t in TENORS:
        for m in MONEYNESS:
            vol = 0.22 * np.exp(-0.9 * np.log(m) + 1.2 * np.log(m) ** 2) * (1 + 0.05 * t)
            rows.append(("EQ.XYZ", t, m, vol * RNG.uniform(0.98, 1.02)))
    return pd.DataFrame(rows, columns=["underlying", "tenor_years", "moneyness", "implied_vol"])


def _world(vols: pd.DataFrame) -> tuple[FactorSet, np.ndarray, dict[str, float]]:
    """Factors: spot, the zero rate, the five 1Y smile points (their levels the
    surface's 1Y vols)."""
    smile = [smile_factor("EQ.XYZ", float(m)) for m in MONEYNESS]
    ids = ("EQ.XYZ", "IR.USD.1Y", *smile)
    one_year = vols.loc[vols["tenor_years"] == 1.0].sort_values("moneyness")
    x = np.array([SPOT, RATE, *one_year["implied_vol"]])
    fs = FactorSet(ids, np.array([True, False, *[True] * len(smile)]))
    return fs, x, dict(zip(ids, x, strict=True))


def _twin_vol(vols: pd.DataFrame, t: float, m: float, levels: np.ndarray | None = None) -> float:
    """The documented rule in NumPy: each moneyness pillar's term structure (scaled by
    its 1Y factor's move, ``levels`` over the base) at ``t``, then linear in ``m``."""
    per = []
    for j, mj in enumerate(MONEYNESS):
        g = vols.loc[np.isclose(vols["moneyness"], mj)].sort_values("tenor_years")
        sigma = np.interp(t, g["tenor_years"], g["implied_vol"])
        per.append(sigma * (1.0 if levels is None else levels[j]))
    return float(np.interp(m, MONEYNESS, per))


def _options(n: int, vols: pd.DataFrame, fs: FactorSet, x0: dict[str, float]) -> Option:
    strikes = SPOT * RNG.uniform(0.7, 1.3, n)  # inside and outside the smile's pillars
    days = RNG.integers(20, 1000, n)
    rows = pd.DataFrame(
        {
            "instrument_type": "equity_option",
            "underlying": "EQ.XYZ",
            "currency": "USD",
            "base_currency": None,
            "strike": strikes,
        }
    )
    vol, scale = smile_weights(rows, days / 365.0, np.full(n, SPOT), vols, x0, fs)
    z = np.zeros(n, np.int32)
    return Option(
        z,
        RNG.choice([-1.0, 1.0], n) * 100.0,
        z,
        vol,
        scale,
        strikes,
        days / 365.0,
        np.zeros(n),
        RNG.random(n) < 0.5,
        z,
        z - 1,
    )


def _ql_price(strike: float, days: int, sigma: float, call: bool, spot: float = SPOT) -> float:
    ql.Settings.instance().evaluationDate = TODAY
    kind = ql.Option.Call if call else ql.Option.Put
    process = ql.BlackScholesMertonProcess(
        ql.QuoteHandle(ql.SimpleQuote(spot)),
        ql.YieldTermStructureHandle(ql.FlatForward(TODAY, 0.0, DC, ql.Continuous)),
        ql.YieldTermStructureHandle(ql.FlatForward(TODAY, RATE, DC, ql.Continuous)),
        ql.BlackVolTermStructureHandle(ql.BlackConstantVol(TODAY, ql.NullCalendar(), sigma, DC)),
    )
    option = ql.VanillaOption(
        ql.PlainVanillaPayoff(kind, strike), ql.EuropeanExercise(TODAY + int(days))
    )
    option.setPricingEngine(ql.AnalyticEuropeanEngine(process))
    return float(option.NPV())


def test_options_are_priced_at_their_strikes_vol() -> None:
    """300 options of random strikes (70–130 % of spot) and expiries: riskcap's value is
    QuantLib's BSM at the surface's vol at the option's own expiry and strike."""
    vols = _surface()
    fs, x, x0 = _world(vols)
    options = _options(300, vols, fs, x0)
    curves = stack_curves([(np.array([1.0]), np.array([1], np.int32))])
    got = np.asarray(option_values(options, curves, jnp.asarray(x)))
    days = np.round(np.asarray(options.t) * 365.0).astype(int)
    want = np.array(
        [
            options.units[i]
            * _ql_price(
                options.strike[i],
                days[i],
                _twin_vol(vols, options.t[i], options.strike[i] / SPOT),
                bool(options.is_call[i]),
            )
            for i in range(300)
        ]
    )
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-9)
    # the smile matters: a 80 % put is not priced at the ATM vol
    atm = _twin_vol(vols, 0.5, 1.0)
    assert abs(_twin_vol(vols, 0.5, 0.8) - atm) > 0.03


def test_vega_per_surface_point_against_quantlib_bumps() -> None:
    """The sensitivity to each 1Y smile point by autodiff equals QuantLib's
    bump-and-reprice of the surface with that point moved (its term structure with it),
    for options between pillars, on a pillar and outside the smile."""
    vols = _surface()
    fs, x, x0 = _world(vols)
    curves = stack_curves([(np.array([1.0]), np.array([1], np.int32))])
    options = _options(12, vols, fs, x0)
    grad = np.asarray(jax.jacfwd(lambda v: option_values(options, curves, v))(jnp.asarray(x)))
    days = np.round(np.asarray(options.t) * 365.0).astype(int)
    h = 1e-6
    for i in range(12):
        m = options.strike[i] / SPOT
        for j in range(len(MONEYNESS)):
            up, down = np.ones(len(MONEYNESS)), np.ones(len(MONEYNESS))
            up[j] += h / x[2 + j]
            down[j] -= h / x[2 + j]
            price = [
                _ql_price(
                    options.strike[i],
                    days[i],
                    _twin_vol(vols, options.t[i], m, bump),
                    bool(options.is_call[i]),
                )
                for bump in (up, down)
            ]
            bumped = options.units[i] * (price[0] - price[1]) / (2 * h)
            np.testing.assert_allclose(grad[i, 2 + j], bumped, rtol=1e-6, atol=1e-6)
        # only the (at most two) points around the option's moneyness move it
        assert np.count_nonzero(grad[i, 2:]) <= 2
