"""Benchmark `bs_throughput`: European option prices per second.

riskcap: the jitted, vectorised BSM kernel over a batch of options (float64).
Baseline: QuantLib's AnalyticEuropeanEngine, called once per option from Python —
how a risk system built on the QuantLib bindings prices a book. Prices are compared
on the baseline sample (max absolute difference reported).
"""

from __future__ import annotations

import argparse
import time

import jax
import numpy as np
from _common import report

from riskcap.pricing.equity import black_scholes_merton


def quantlib_prices(s, k, t, r, q, v, call) -> np.ndarray:  # type: ignore[no-untyped-def]
    import QuantLib as ql

    today = ql.Date(28, 12, 2022)
    ql.Settings.instance().evaluationDate = today
    dc = ql.Actual365Fixed()
    out = np.empty(len(s))
    for i in range(len(s)):
        spot = ql.QuoteHandle(ql.SimpleQuote(float(s[i])))
        rts = ql.YieldTermStructureHandle(ql.FlatForward(today, float(r[i]), dc))
        qts = ql.YieldTermStructureHandle(ql.FlatForward(today, float(q[i]), dc))
        vts = ql.BlackVolTermStructureHandle(
            ql.BlackConstantVol(today, ql.NullCalendar(), float(v[i]), dc)
        )
        process = ql.BlackScholesMertonProcess(spot, qts, rts, vts)
        days = round(float(t[i]) * 365)
        payoff = ql.PlainVanillaPayoff(ql.Option.Call if call[i] else ql.Option.Put, float(k[i]))
        option = ql.VanillaOption(payoff, ql.EuropeanExercise(today + days))
        option.setPricingEngine(ql.AnalyticEuropeanEngine(process))
        out[i] = option.NPV()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--options", type=int, default=1_000_000)
    parser.add_argument("--baseline-options", type=int, default=20_000)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    n = args.options
    s = rng.uniform(50, 150, n)
    k = rng.uniform(50, 150, n)
    t = rng.integers(7, 3 * 365, n) / 365.0  # whole days, so QuantLib sees the same t
    r = rng.uniform(0.0, 0.06, n)
    q = rng.uniform(0.0, 0.04, n)
    v = rng.uniform(0.1, 0.6, n)
    call = rng.random(n) < 0.5

    kernel = jax.jit(black_scholes_merton)
    kernel(s, k, t, r, q, v, call).block_until_ready()  # compile
    t0 = time.perf_counter()
    prices = np.asarray(kernel(s, k, t, r, q, v, call).block_until_ready())
    riskcap_s = time.perf_counter() - t0

    m = args.baseline_options
    t0 = time.perf_counter()
    ql_prices = quantlib_prices(s[:m], k[:m], t[:m], r[:m], q[:m], v[:m], call[:m])
    ql_s = time.perf_counter() - t0
    rate, ql_rate = n / riskcap_s, m / ql_s
    report(
        "bs_throughput",
        options=n,
        seconds=round(riskcap_s, 4),
        prices_per_second=round(rate),
        baseline="QuantLib AnalyticEuropeanEngine per option",
        baseline_options=m,
        baseline_seconds=round(ql_s, 4),
        baseline_prices_per_second=round(ql_rate),
        ratio_vs_baseline=round(rate / ql_rate, 1),
        max_abs_diff_vs_quantlib=float(np.abs(prices[:m] - ql_prices).max()),
    )


if __name__ == "__main__":
    main()
