"""Benchmark `vol_fit`: GARCH(1,1) fits of many factors at once in JAX vs a loop of
``arch`` fits (issue 22, B).

The series are simulated GARCH(1,1) returns (in per cent, seeded), so every fit has a
known answer. riskcap fits all factors in one vmapped BFGS call
(:func:`riskcap.market.volatility.fit`); the baseline is the ``arch`` package fitted
factor by factor (``mean="Zero"``, the same model) — on ``--baseline-factors`` of them,
its time scaled to all. Both are timed after a warm-up fit (JAX's compilation is
reported apart). The line records the largest log-likelihood gap between the two on
the factors both fitted.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _common import report

from riskcap.market.volatility import Innovation, VolModel, fit

SEED = 2026


def simulate(days: int, factors: int, seed: int = SEED) -> np.ndarray:
    """GARCH(1,1) returns with parameters drawn per factor (ω, α, β around equity values)."""
    rng = np.random.default_rng(seed)
    alpha = rng.uniform(0.03, 0.12, factors)
    beta = rng.uniform(0.80, 0.95, factors) * (1 - alpha)
    omega = rng.uniform(0.01, 0.1, factors)
    s2 = omega / (1 - alpha - beta)
    out = np.empty((days, factors))
    z = rng.standard_normal((days, factors))
    for t in range(days):
        out[t] = np.sqrt(s2) * z[t]
        s2 = omega + alpha * out[t] ** 2 + beta * s2
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--factors", type=int, default=500)
    parser.add_argument("--days", type=int, default=2500)
    parser.add_argument("--baseline-factors", type=int, default=50)
    args = parser.parse_args()
    from arch import arch_model  # the dev extra

    r = simulate(args.days, args.factors)
    t0 = time.perf_counter()
    fitted = fit(r, VolModel.GARCH, Innovation.NORMAL)
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    fitted = fit(r, VolModel.GARCH, Innovation.NORMAL)
    warm = time.perf_counter() - t0

    k = min(args.baseline_factors, args.factors)
    arch_model(r[:, 0], mean="Zero", vol="GARCH", p=1, q=1, rescale=False).fit(disp="off")
    gaps = []
    t0 = time.perf_counter()
    for j in range(k):
        res = arch_model(r[:, j], mean="Zero", vol="GARCH", p=1, q=1, rescale=False).fit(disp="off")
        gaps.append(fitted.loglik[j] - res.loglikelihood)
    loop = (time.perf_counter() - t0) * args.factors / k
    report(
        "vol_fit",
        factors=args.factors,
        days=args.days,
        model="garch(1,1) normal, zero mean",
        seconds=round(warm, 3),
        first_call_seconds=round(first, 3),
        converged=int(fitted.converged.sum()),
        baseline=f"arch 8 fits in a loop ({k} fitted, time scaled to {args.factors})",
        baseline_seconds=round(loop, 3),
        ratio_vs_baseline=round(loop / warm, 2),
        loglik_gap_min=round(float(np.min(gaps)), 6),
        loglik_gap_max=round(float(np.max(gaps)), 6),
    )


if __name__ == "__main__":
    main()
