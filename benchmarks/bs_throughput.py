"""Benchmark `bs_throughput`: European option prices per second.

riskcap: the jitted, vectorised BSM kernel over a batch of options (float64).
Baselines, same run:

- NumPy/SciPy vectorised: the same formula over the whole batch with NumPy
  arrays and ``scipy.special.ndtr`` (how a quant prices a book in plain Python
  without a JIT) — the headline ratio;
- QuantLib's AnalyticEuropeanEngine, called once per option from Python — how a
  risk system built on the QuantLib bindings prices a book (on a sample).

Prices are compared with both (max absolute difference reported).
"""

from __future__ import annotations

import argparse
import time

import jax
import numpy as np
from _common import best_of, report

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


def numpy_prices(s, k, t, r, q, v, call) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The textbook vectorised BSM: Haug (2007) §1.1.6 in NumPy and SciPy."""
    from scipy.special import ndtr

    vol_t = v * np.sqrt(t)
    d1 = (np.log(s / k) + (r - q + 0.5 * v * v) * t) / vol_t
    d2 = d1 - vol_t
    w = np.where(call, 1.0, -1.0)
    return w * (s * np.exp(-q * t) * ndtr(w * d1) - k * np.exp(-r * t) * ndtr(w * d2))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--options", type=int, default=1_000_000)
    parser.add_argument("--baseline-options", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
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
    args_dev = [jax.device_put(a) for a in (s, k, t, r, q, v, call)]
    kernel(*args_dev).block_until_ready()  # compile
    riskcap_s, prices = best_of(
        args.repeat, lambda: np.asarray(kernel(*args_dev).block_until_ready())
    )
    np_s, np_prices = best_of(args.repeat, lambda: numpy_prices(s, k, t, r, q, v, call))

    m = args.baseline_options
    t0 = time.perf_counter()
    ql_prices = quantlib_prices(s[:m], k[:m], t[:m], r[:m], q[:m], v[:m], call[:m])
    ql_s = time.perf_counter() - t0
    rate, np_rate, ql_rate = n / riskcap_s, n / np_s, m / ql_s
    report(
        "bs_throughput",
        options=n,
        repeat=args.repeat,
        seconds=round(riskcap_s, 4),
        prices_per_second=round(rate),
        baseline="NumPy/SciPy vectorised (scipy.special.ndtr), whole batch",
        baseline_seconds=round(np_s, 4),
        baseline_prices_per_second=round(np_rate),
        ratio_vs_baseline=round(rate / np_rate, 2),
        max_abs_diff_vs_numpy=float(np.abs(prices - np_prices).max()),
        quantlib_baseline="QuantLib AnalyticEuropeanEngine per option",
        quantlib_options=m,
        quantlib_seconds=round(ql_s, 4),
        quantlib_prices_per_second=round(ql_rate),
        ratio_vs_quantlib=round(rate / ql_rate, 1),
        max_abs_diff_vs_quantlib=float(np.abs(prices[:m] - ql_prices).max()),
    )


if __name__ == "__main__":
    main()
