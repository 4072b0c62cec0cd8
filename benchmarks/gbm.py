"""Benchmark `gbm`: 100,000 paths × 252 steps GBM VaR, riskcap vs a textbook NumPy loop.

Baseline: the NumPy program a reader of the classic TensorFlow VaR recipe writes —
a Python loop over the 252 time steps, each drawing 100,000 normals and updating
the log price. Both in float64, both ending with the 95% VaR of the terminal P&L.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _common import report

from riskcap.market.scenarios import gbm_terminal
from riskcap.risk.measures import value_at_risk


def numpy_loop(n: int, steps: int, s0: float, mu: float, sigma: float, seed: int) -> float:
    rng = np.random.default_rng(seed)
    dt = 1.0 / steps
    log_s = np.full(n, np.log(s0))
    for _ in range(steps):
        log_s += (mu - 0.5 * sigma**2) * dt + sigma * np.sqrt(dt) * rng.standard_normal(n)
    pnl = np.exp(log_s) - s0
    return float(-np.sort(pnl)[int(np.ceil(0.05 * n)) - 1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--paths", type=int, default=100_000)
    parser.add_argument("--steps", type=int, default=252)
    args = parser.parse_args()
    n, steps = args.paths, args.steps

    gbm_terminal(1, [100.0], [0.05], [0.2], [[1.0]], years=1.0, steps=steps, n_paths=n)  # compile
    t0 = time.perf_counter()
    st = np.asarray(
        gbm_terminal(2024, [100.0], [0.05], [0.2], [[1.0]], years=1.0, steps=steps, n_paths=n)
    )
    var = float(value_at_risk(st[:, 0] - 100.0, 0.95))
    riskcap_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    base_var = numpy_loop(n, steps, 100.0, 0.05, 0.2, 2024)
    numpy_s = time.perf_counter() - t0
    report(
        "gbm",
        paths=n,
        steps=steps,
        seconds=round(riskcap_s, 4),
        baseline="numpy loop over time steps",
        baseline_seconds=round(numpy_s, 4),
        ratio_vs_baseline=round(numpy_s / riskcap_s, 3),
        var95=round(var, 4),
        baseline_var95=round(base_var, 4),
    )


if __name__ == "__main__":
    main()
