"""Benchmark `reval`: full revaluation of a mixed book through the local engine.

Book: ``--positions`` positions on 100 underlyings (a third European options, the rest
shares, index futures, fixed-rate bonds and swaps on a 10-pillar curve) in 50 books;
``--scenarios`` historical-style shocks. Reports seconds, throughput and peak RSS; the
engine's blocks are sized from ``--memory-gb``.

Baseline: the NumPy program a user writes from a textbook — a Python loop over
scenarios, each valuing every position with NumPy/SciPy vector formulas and summing
per book with ``np.add.at``. It runs on ``--baseline-scenarios`` scenarios of the same
book and its per-scenario cost is scaled to the full count for the ratio.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _common import report
from scipy.stats import norm

from riskcap.engine.local import plan_blocks, revalue
from riskcap.inputs.hierarchy import Hierarchy
from riskcap.market.factors import FactorSet, Market
from riskcap.pricing.book import (
    Bond,
    Book,
    CommodityFuture,
    Future,
    FxForward,
    FxOption,
    Linear,
    Option,
    Swap,
    empty_family,
    stack_curves,
)

N_UNDERLYINGS, N_BOOKS = 100, 50
TENORS = np.array([0.25, 0.5, 1, 2, 3, 5, 7, 10, 20, 30.0])


def make_book(n: int, rng: np.random.Generator) -> tuple[Book, Market, Hierarchy]:
    u = N_UNDERLYINGS
    ids = [f"EQ.{i}" for i in range(u)] + [f"VOL.{i}" for i in range(u)]
    ids += [f"IR.{t}" for t in TENORS]
    is_log = np.array([True] * (2 * u) + [False] * len(TENORS))
    x0 = np.concatenate(
        [rng.uniform(20, 500, u), rng.uniform(0.15, 0.6, u), 0.03 + 0.01 * np.log1p(TENORS)]
    )
    curves = stack_curves([(TENORS, np.arange(2 * u, 2 * u + len(TENORS), dtype=np.int32))])
    n_opt = n // 3
    n_bond = n_swap = n // 20
    n_fut = n // 20
    n_lin = n - n_opt - n_bond - n_swap - n_fut

    def books(k: int) -> np.ndarray:
        return rng.integers(0, N_BOOKS, k).astype(np.int32)

    def under(k: int) -> np.ndarray:
        return rng.integers(0, u, k).astype(np.int32)

    def usd(k: int) -> np.ndarray:  # the reporting currency (no FX), or no spread curve
        return np.full(k, -1, np.int32)

    def on_curve(k: int) -> np.ndarray:  # the one curve
        return np.zeros(k, np.int32)

    linear = Linear(books(n_lin), rng.normal(0, 1e3, n_lin), under(n_lin), usd(n_lin))
    future = Future(
        books(n_fut),
        rng.normal(0, 50, n_fut),
        under(n_fut),
        rng.uniform(0.05, 1.0, n_fut),
        np.zeros(n_fut),
        on_curve(n_fut),
        usd(n_fut),
    )
    spot = under(n_opt)
    option = Option(
        books(n_opt),
        rng.normal(0, 100, n_opt),
        spot,
        (spot + u)[:, None],  # one vol point each (ATM surfaces)
        rng.uniform(0.8, 1.2, n_opt)[:, None],
        x0[spot] * rng.uniform(0.7, 1.3, n_opt),
        rng.uniform(0.05, 2.0, n_opt),
        np.zeros(n_opt),
        rng.random(n_opt) < 0.5,
        on_curve(n_opt),
        usd(n_opt),
    )
    width = 21

    def schedules(k: int, freq: int) -> tuple[np.ndarray, np.ndarray]:
        """Regular payment times T, T − 1/f, … still ahead (synthetic, no dates)."""
        maturity = rng.uniform(0.5, 10.0, k)[:, None]
        times = maturity - np.arange(width)[None, :] / freq
        return np.where(times > 0, times, 0.0), times > 0

    times, mask = schedules(n_bond, 2)
    coupon = rng.uniform(0.01, 0.06, n_bond)[:, None]
    amounts = np.where(mask, 100.0 * coupon / 2.0, 0.0)
    amounts[:, 0] += 100.0  # the redemption with the last coupon
    bond = Bond(
        books(n_bond),
        rng.normal(0, 1e4, n_bond),
        times,
        amounts,
        mask,
        on_curve(n_bond),
        usd(n_bond),
        usd(n_bond),
    )
    # one-curve swaps reset today: fixed K per year paid, floating +1 today, −1 at T
    times, mask = schedules(n_swap, 1)
    fixed = rng.uniform(0.01, 0.06, n_swap)[:, None]
    sign = np.where(rng.random(n_swap) < 0.5, 1.0, -1.0)
    amounts = np.where(mask, -sign[:, None] * fixed, 0.0)
    amounts[:, 0] -= sign
    times = np.concatenate([times, np.zeros((n_swap, 3))], axis=1)
    amounts = np.concatenate([amounts, sign[:, None], np.zeros((n_swap, 2))], axis=1)
    mask = np.concatenate([mask, np.ones((n_swap, 1), bool), np.zeros((n_swap, 2), bool)], axis=1)
    no = np.zeros((n_swap, 0))
    swap = Swap(
        books(n_swap),
        rng.normal(0, 1e6, n_swap),
        times,
        amounts,
        mask,
        no,
        no,
        no,
        no,
        no.astype(bool),
        sign,
        on_curve(n_swap),
        on_curve(n_swap),
        usd(n_swap),
    )
    hierarchy = Hierarchy.from_books(
        [(f"B{b:02d}", f"D{b % 8}", f"E{b % 2}", "FIRM") for b in range(N_BOOKS)]
    )
    factors = FactorSet(tuple(ids), is_log)
    book = Book(
        linear,
        future,
        option,
        bond,
        swap,
        empty_family(FxForward),  # type: ignore[arg-type]
        empty_family(FxOption),  # type: ignore[arg-type]
        empty_family(CommodityFuture),  # type: ignore[arg-type]
        curves,
        stack_curves([]),
        stack_curves([]),
        stack_curves([]),
    )
    return book, Market(x0, factors.is_log), hierarchy


def numpy_baseline(
    book: Book, market: Market, shocks: np.ndarray, n_books: int = N_BOOKS
) -> np.ndarray:
    x0, is_log = market.x0, market.is_log
    tenors = TENORS

    def values(x: np.ndarray) -> np.ndarray:
        rates = x[np.asarray(book.curves.factors)[0, : len(TENORS)]]
        out = [book.linear.units * x[book.linear.spot]]
        f = book.future
        out.append(f.units * x[f.spot] * np.exp(np.interp(f.t, tenors, rates) * f.t))
        o = book.option
        s, k, t, v = x[o.spot], o.strike, o.t, (x[o.vol] * o.vol_scale).sum(axis=1)
        r = np.interp(t, tenors, rates)
        d1 = (np.log(s / k) + (r + v**2 / 2) * t) / (v * np.sqrt(t))
        d2 = d1 - v * np.sqrt(t)
        call = s * norm.cdf(d1) - k * np.exp(-r * t) * norm.cdf(d2)
        out.append(o.units * np.where(o.is_call, call, call - s + k * np.exp(-r * t)))
        for fam in (book.bond, book.swap):
            df = np.exp(-np.interp(fam.times, tenors, rates) * fam.times)
            out.append(fam.units * np.where(fam.mask, fam.amounts * df, 0).sum(axis=1))
        return np.concatenate(out)

    books = np.concatenate([f.book for f in book.families])
    base = values(x0)
    pnl = np.zeros((n_books, len(shocks)))
    for s, r in enumerate(shocks):
        x = np.where(is_log, x0 * np.exp(r), x0 + r)
        np.add.at(pnl[:, s], books, values(x) - base)
    return pnl


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--positions", type=int, default=100_000)
    parser.add_argument("--scenarios", type=int, default=10_000)
    parser.add_argument("--baseline-scenarios", type=int, default=50)
    parser.add_argument("--memory-gb", type=float, default=2.0)
    args = parser.parse_args()
    rng = np.random.default_rng(7)
    book, market, hierarchy = make_book(args.positions, rng)
    vol = np.where(market.is_log, 0.02, 0.0005)
    shocks = rng.normal(0, 1, (args.scenarios, len(market.x0))) * vol
    plan = plan_blocks(args.scenarios, args.memory_gb)

    t0 = time.perf_counter()  # first call: includes jit compilation of the kernels
    revalue(
        book, market, shocks[: plan.scenario_block], hierarchy, memory_gb=args.memory_gb, plan=plan
    )
    compile_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    pnl = revalue(book, market, shocks, hierarchy, plan=plan)
    seconds = time.perf_counter() - t0

    m = args.baseline_scenarios
    t0 = time.perf_counter()
    base = numpy_baseline(book, market, shocks[:m])
    base_seconds = time.perf_counter() - t0
    per_book_check = np.abs(hierarchy.membership[-N_BOOKS:] @ base - pnl[-N_BOOKS:, :m]).max()
    baseline_full = base_seconds / m * args.scenarios
    report(
        "reval",
        positions=book.size,
        options=len(book.option.units),
        scenarios=args.scenarios,
        memory_gb=args.memory_gb,
        scenario_block=plan.scenario_block,
        position_block=plan.position_block,
        seconds=round(seconds, 2),
        first_block_with_compile_seconds=round(compile_seconds, 2),
        position_scenarios_per_second=round(book.size * args.scenarios / seconds),
        baseline="numpy loop over scenarios (textbook), scaled from its sample",
        baseline_scenarios_measured=m,
        baseline_seconds_measured=round(base_seconds, 2),
        baseline_seconds_scaled=round(baseline_full, 1),
        ratio_vs_baseline=round(baseline_full / seconds, 2),
        max_abs_diff_vs_baseline=float(per_book_check),
    )


if __name__ == "__main__":
    main()
