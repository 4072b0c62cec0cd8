"""Benchmark `gbm`: 100,000 paths × 252 steps GBM VaR, riskcap vs textbook NumPy.

Baselines (same run, float64, each ending with the 95% VaR of the terminal P&L):

- the NumPy program a reader of the classic TensorFlow VaR recipe writes — a Python
  loop over the 252 time steps, each drawing 100,000 normals and updating the log
  price (``numpy_loop``);
- NumPy drawing the terminal value exactly, one normal per path (``numpy_exact``).

riskcap is timed twice: ``gbm_terminal_stepped`` (the 252-step paths, as a
path-dependent payoff needs them: 25.2 M draws from the counter-based stream that is
the same on CPU, GPU and Spark) and ``gbm_terminal_exact`` (the same law at the
horizon with one draw per path). The headline ratio is the exact terminal against the
NumPy loop — the way to compute the figure either program is asked for; the
like-for-like ratios are reported beside it.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _common import best_of, report

from riskcap.market.scenarios import gbm_terminal_exact, gbm_terminal_stepped
from riskcap.risk.measures import value_at_risk

S0, MU, SIGMA, SEED = 100.0, 0.05, 0.2, 2024


def numpy_loop(n: int, steps: int) -> float:
    rng = np.random.default_rng(SEED)
    dt = 1.0 / steps
    log_s = np.full(n, np.log(S0))
    for _ in range(steps):
        log_s += (MU - 0.5 * SIGMA**2) * dt + SIGMA * np.sqrt(dt) * rng.standard_normal(n)
    return _var95(np.exp(log_s) - S0)


def numpy_exact(n: int) -> float:
    rng = np.random.default_rng(SEED)
    log_s = np.log(S0) + (MU - 0.5 * SIGMA**2) + SIGMA * rng.standard_normal(n)
    return _var95(np.exp(log_s) - S0)


def _var95(pnl: np.ndarray) -> float:
    return float(-np.sort(pnl)[int(np.ceil(0.05 * len(pnl))) - 1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--paths", type=int, default=100_000)
    parser.add_argument("--steps", type=int, default=252)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    n, steps, rep = args.paths, args.steps, args.repeat
    gbm = ([S0], [MU], [SIGMA], [[1.0]])

    def stepped() -> float:
        st = np.asarray(gbm_terminal_stepped(SEED, *gbm, years=1.0, steps=steps, n_paths=n))
        return float(value_at_risk(st[:, 0] - S0, 0.95))

    def exact() -> float:
        st = np.asarray(gbm_terminal_exact(SEED, *gbm, years=1.0, n_paths=n))
        return float(value_at_risk(st[:, 0] - S0, 0.95))

    t0 = time.perf_counter()
    stepped()
    first_stepped = time.perf_counter() - t0
    t0 = time.perf_counter()
    exact()
    first_exact = time.perf_counter() - t0
    stepped_s, stepped_var = best_of(rep, stepped)
    exact_s, exact_var = best_of(rep, exact)
    loop_s, loop_var = best_of(rep, lambda: numpy_loop(n, steps))
    np_exact_s, np_exact_var = best_of(rep, lambda: numpy_exact(n))
    report(
        "gbm",
        paths=n,
        steps=steps,
        repeat=rep,
        seconds=round(exact_s, 4),
        method="gbm_terminal_exact (one draw per path)",
        first_call_seconds=round(first_exact, 4),
        stepped_seconds=round(stepped_s, 4),
        stepped_first_call_seconds=round(first_stepped, 4),
        baseline="numpy loop over time steps",
        baseline_seconds=round(loop_s, 4),
        ratio_vs_baseline=round(loop_s / exact_s, 2),
        stepped_ratio_vs_baseline=round(loop_s / stepped_s, 3),
        numpy_exact_seconds=round(np_exact_s, 4),
        ratio_vs_numpy_exact=round(np_exact_s / exact_s, 3),
        var95=round(exact_var, 4),
        stepped_var95=round(stepped_var, 4),
        baseline_var95=round(loop_var, 4),
        numpy_exact_var95=round(np_exact_var, 4),
    )


if __name__ == "__main__":
    main()
