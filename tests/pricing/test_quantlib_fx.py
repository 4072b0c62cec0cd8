"""FX pricers and multi-currency curves against QuantLib (issue 19, item 8).

Oracle: QuantLib (the ``dev`` extra), used in tests only — ``ZeroCurve`` with linear
interpolation of continuously compounded zero rates on ACT/365F (riskcap's curve
convention, flat beyond the last pillar: the QuantLib curve gets a far pillar at the
last rate), ``FxForward`` with ``DiscountingFxForwardEngine`` (settlement days 0), and
European options on a ``GarmanKohlagenProcess`` with ``AnalyticEuropeanEngine``.
Randomised trades agree to 1e-10 relative (the issue asks for 1e-8); the FX option's
autodiff delta agrees with QuantLib's analytic delta, and its vega and DV01 per pillar
with QuantLib bump-and-reprice.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import QuantLib as ql

from riskcap.engine.local import BlockPlan, revalue
from riskcap.inputs.hierarchy import Hierarchy
from riskcap.market.factors import Market, apply_shocks
from riskcap.pricing.book import (
    Curves,
    FxForward,
    FxOption,
    _df,
    fx_forward_values,
    fx_option_values,
    stack_curves,
)
from tests.books import atm_only, book_of

TODAY = ql.Date(15, 6, 2022)
DC = ql.Actual365Fixed()
PILLAR_DAYS = np.array([91, 182, 365, 730, 1095, 1825, 3650])
TENORS = PILLAR_DAYS / 365.0
RNG = np.random.default_rng(19)
# factors: 0 FX.EURUSD, 1 FX.GBPUSD, 2 VOL.FX.EURUSD, 3.. IR.EUR pillars, IR.GBP, IR.USD
N_P = len(PILLAR_DAYS)
EUR, GBP, USD = 3, 3 + N_P, 3 + 2 * N_P


def _ql_curve(rates: np.ndarray) -> ql.YieldTermStructureHandle:
    dates = [TODAY] + [TODAY + int(d) for d in PILLAR_DAYS] + [TODAY + 365 * 100]
    zero = [float(rates[0]), *map(float, rates), float(rates[-1])]  # flat outside
    curve = ql.ZeroCurve(dates, zero, DC, ql.NullCalendar(), ql.Linear(), ql.Continuous)
    return ql.YieldTermStructureHandle(curve)


def _world() -> tuple[np.ndarray, Curves]:
    x = np.concatenate(
        [
            [RNG.uniform(0.9, 1.3), RNG.uniform(1.1, 1.5), RNG.uniform(0.05, 0.2)],
            np.sort(RNG.uniform(-0.01, 0.06, (3, N_P)), axis=1).reshape(-1),
        ]
    )
    rows = [(TENORS, np.arange(start, start + N_P, dtype=np.int32)) for start in (EUR, GBP, USD)]
    return x, stack_curves(rows)


def _spot(x: np.ndarray, base: str, quote: str) -> float:
    usd = {"EUR": x[0], "GBP": x[1], "USD": 1.0}
    return float(usd[base] / usd[quote])


ROW = {"EUR": 0, "GBP": 1, "USD": 2}
FX = {"EUR": 0, "GBP": 1, "USD": -1}
CCY = {"EUR": ql.EURCurrency(), "GBP": ql.GBPCurrency(), "USD": ql.USDCurrency()}
PAIRS = [("EUR", "USD"), ("GBP", "USD"), ("EUR", "GBP"), ("USD", "GBP")]


def _curve_of(x: np.ndarray, ccy: str) -> ql.YieldTermStructureHandle:
    start = {"EUR": EUR, "GBP": GBP, "USD": USD}[ccy]
    return _ql_curve(x[start : start + N_P])


def test_zero_curves_discount_as_quantlib() -> None:
    ql.Settings.instance().evaluationDate = TODAY
    x, curves = _world()
    days = RNG.integers(0, 5000, 300)
    for ccy, row in ROW.items():
        got = np.asarray(_df(curves, jnp.full(days.shape, row), jnp.asarray(x), days / 365.0))
        want = np.array([_curve_of(x, ccy).discount(TODAY + int(d)) for d in days])
        np.testing.assert_allclose(got, want, rtol=1e-13)


def test_fx_forwards_and_swaps_match_quantlib() -> None:
    """300 randomised forwards and FX swaps (two QuantLib forwards, the near one
    reversed) on three currencies, values in USD (the reporting currency)."""
    ql.Settings.instance().evaluationDate = TODAY
    x, curves = _world()
    n = 300
    pair = [PAIRS[i] for i in RNG.integers(0, len(PAIRS), n)]
    far = RNG.integers(1, 3000, n)
    near = np.minimum(RNG.integers(-30, 400, n), far - 1)
    swap = RNG.random(n) < 0.4
    units = RNG.choice([-1.0, 1.0], n) * RNG.integers(1, 100, n) * 1e5
    k_far = np.array([_spot(x, b, q) for b, q in pair]) * RNG.uniform(0.9, 1.1, n)
    k_near = k_far * RNG.uniform(0.97, 1.03, n)
    live_near = swap & (near >= 0)
    family = FxForward(
        np.zeros(n, np.int32),
        units,
        np.array([FX[b] for b, _ in pair], np.int32),
        np.array([FX[q] for _, q in pair], np.int32),
        np.array([ROW[b] for b, _ in pair], np.int32),
        np.array([ROW[q] for _, q in pair], np.int32),
        far / 365.0,
        k_far,
        np.maximum(near, 0) / 365.0,
        np.where(swap, k_near, 0.0),
        np.where(live_near, -1.0, 0.0),
    )
    got = np.asarray(fx_forward_values(family, curves, jnp.asarray(x)))

    def ql_forward(b: str, q: str, k: float, days: int, notional: float) -> float:
        fwd = ql.FxForward(
            float(abs(notional)),
            CCY[b],
            CCY[q],
            float(k),
            TODAY + int(days),
            bool(notional < 0),
            0,
            ql.NullCalendar(),
        )
        spot = ql.QuoteHandle(ql.SimpleQuote(_spot(x, b, q)))
        fwd.setPricingEngine(ql.DiscountingFxForwardEngine(_curve_of(x, b), _curve_of(x, q), spot))
        return float(fwd.npvTargetCurrency()) * _spot(x, q, "USD")  # quote → USD

    want = np.array(
        [
            ql_forward(b, q, k_far[i], int(far[i]), units[i])
            - (ql_forward(b, q, k_near[i], int(near[i]), units[i]) if live_near[i] else 0.0)
            for i, (b, q) in enumerate(pair)
        ]
    )
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-8)


def _ql_option(x: np.ndarray, b: str, q: str, k: float, days: int, sigma: float, call: bool):  # type: ignore[no-untyped-def]
    spot = ql.SimpleQuote(_spot(x, b, q))
    vol = ql.BlackVolTermStructureHandle(ql.BlackConstantVol(TODAY, ql.NullCalendar(), sigma, DC))
    process = ql.GarmanKohlagenProcess(ql.QuoteHandle(spot), _curve_of(x, b), _curve_of(x, q), vol)
    kind = ql.Option.Call if call else ql.Option.Put
    option = ql.VanillaOption(ql.PlainVanillaPayoff(kind, k), ql.EuropeanExercise(TODAY + days))
    option.setPricingEngine(ql.AnalyticEuropeanEngine(process))
    return option


def test_fx_options_match_garman_kohlhagen_in_quantlib() -> None:
    """300 randomised European FX options, values in USD, and their spot deltas:
    autodiff through the kernel against QuantLib's analytic delta."""
    ql.Settings.instance().evaluationDate = TODAY
    x, curves = _world()
    n = 300
    pair = [PAIRS[i] for i in RNG.integers(0, len(PAIRS), n)]
    days = RNG.integers(5, 2500, n)
    k = np.array([_spot(x, b, q) for b, q in pair]) * RNG.uniform(0.8, 1.25, n)
    sigma = RNG.uniform(0.04, 0.3, n)
    call = RNG.random(n) < 0.5
    units = RNG.choice([-1.0, 1.0], n) * 1e5
    family = FxOption(
        np.zeros(n, np.int32),
        units,
        np.array([FX[b] for b, _ in pair], np.int32),
        np.array([FX[q] for _, q in pair], np.int32),
        np.array([ROW[b] for b, _ in pair], np.int32),
        np.array([ROW[q] for _, q in pair], np.int32),
        *atm_only(np.full(n, 2, np.int32), sigma / x[2]),  # σ = vol factor × scale
        k,
        days / 365.0,
        call,
    )
    got = np.asarray(fx_option_values(family, curves, jnp.asarray(x)))
    options = [
        _ql_option(x, b, q, k[i], int(days[i]), sigma[i], bool(call[i]))
        for i, (b, q) in enumerate(pair)
    ]
    to_usd = np.array([_spot(x, q, "USD") for _, q in pair])
    want = np.array([o.NPV() for o in options]) * units * to_usd
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-8)

    # delta: dV/dS of the pair's spot (in quote per base) for the pairs quoted in USD,
    # where S is the factor itself
    in_usd = np.array([q == "USD" and b != "USD" for b, q in pair])
    grad = jax.jacfwd(lambda z: fx_option_values(family, curves, z))(jnp.asarray(x))
    grad = np.asarray(grad)
    spot_index = np.array([FX[b] for b, _ in pair])
    got_delta = grad[np.arange(n), spot_index][in_usd]
    want_delta = np.array([o.delta() for o in options]) * units
    np.testing.assert_allclose(got_delta, want_delta[in_usd], rtol=1e-9, atol=1e-9)


def test_fx_option_vega_and_dv01_against_quantlib_bumps() -> None:
    """Autodiff vega (per vol-factor unit) and the sensitivity to each curve pillar
    against QuantLib bump-and-reprice (central differences, 1e-6 bumps)."""
    ql.Settings.instance().evaluationDate = TODAY
    x, curves = _world()
    family = FxOption(
        *(np.array([v], t) for v, t in ((0, np.int32), (1e6, float))),
        np.array([0], np.int32),
        np.array([-1], np.int32),
        np.array([0], np.int32),
        np.array([2], np.int32),
        *atm_only(np.array([2], np.int32), np.array([1.0 / x[2] * 0.11])),
        np.array([_spot(x, "EUR", "USD") * 1.03]),
        np.array([400 / 365.0]),
        np.array([True]),
    )
    grad = np.asarray(jax.grad(lambda z: fx_option_values(family, curves, z)[0])(jnp.asarray(x)))
    h = 1e-6

    def ql_value(z: np.ndarray) -> float:
        sigma = z[2] * float(family.vol_scale[0, 0])
        o = _ql_option(z, "EUR", "USD", float(family.strike[0]), 400, sigma, True)
        return o.NPV() * 1e6

    for i in [2, *range(EUR, EUR + N_P), *range(USD, USD + N_P)]:
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        bumped = (ql_value(up) - ql_value(down)) / (2 * h)
        np.testing.assert_allclose(grad[i], bumped, rtol=1e-5, atol=1e-3)


def test_fx_book_pnl_in_reporting_currency_and_block_invariant() -> None:
    """Full revaluation of FX forwards and options across scenarios: the P&L in USD
    equals QuantLib's values on every scenario's factors, and does not depend on the
    scenario block size."""
    ql.Settings.instance().evaluationDate = TODAY
    x, curves = _world()
    is_log = np.zeros(len(x), bool)
    is_log[:3] = True
    forward = FxForward(
        np.array([0, 1], np.int32),
        np.array([2e6, -3e6]),
        np.array([0, 0], np.int32),
        np.array([-1, 1], np.int32),
        np.array([0, 0], np.int32),
        np.array([2, 1], np.int32),
        np.array([182, 548]) / 365.0,
        np.array([_spot(x, "EUR", "USD"), _spot(x, "EUR", "GBP")]),
        np.zeros(2),
        np.zeros(2),
        np.zeros(2),
    )
    book = book_of(curves, fx_forward=forward)
    hierarchy = Hierarchy.from_books([("B1", "D", "E", "F"), ("B2", "D", "E", "F")])
    shocks = RNG.normal(0, 1, (40, len(x))) * np.where(is_log, 0.01, 0.001)
    pnl = revalue(book, Market(x, is_log), shocks, hierarchy, plan=BlockPlan(64, 8))
    for sb in (2, 7):
        again = revalue(book, Market(x, is_log), shocks, hierarchy, plan=BlockPlan(sb, 8))
        np.testing.assert_array_equal(again, pnl)

    def ql_book(z: np.ndarray) -> np.ndarray:
        out = []
        for (b, q), notional, k, days in (
            (("EUR", "USD"), 2e6, forward.strike[0], 182),
            (("EUR", "GBP"), -3e6, forward.strike[1], 548),
        ):
            fwd = ql.FxForward(
                abs(notional),
                CCY[b],
                CCY[q],
                float(k),
                TODAY + days,
                notional < 0,
                0,
                ql.NullCalendar(),
            )
            spot = ql.QuoteHandle(ql.SimpleQuote(_spot(z, b, q)))
            fwd.setPricingEngine(
                ql.DiscountingFxForwardEngine(_curve_of(z, b), _curve_of(z, q), spot)
            )
            out.append(float(fwd.npvTargetCurrency()) * _spot(z, q, "USD"))
        return np.array(out)

    base = ql_book(x)
    levels = np.asarray(apply_shocks(x, shocks, is_log))
    want = np.stack([ql_book(z) - base for z in levels], axis=1)  # (books, scenarios)
    firm = hierarchy.index("firm:F")
    np.testing.assert_allclose(pnl[firm], want.sum(axis=0), rtol=1e-9, atol=1e-6)
