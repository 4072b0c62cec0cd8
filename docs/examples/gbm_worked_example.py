"""Worked example: Monte Carlo VaR/ES of GBM assets, next to the closed form.

Run: ``.venv/bin/python docs/examples/gbm_worked_example.py`` (about a minute on a
2-core laptop). Prints the figures quoted in docs/gbm-var.md.
"""

from __future__ import annotations

import time

import numpy as np
from scipy import stats

from riskcap.data.samples import real_prices
from riskcap.market.covariance import cholesky_factor
from riskcap.market.scenarios import gbm_terminal_stepped, lognormal_var_es
from riskcap.risk.measures import var_es

N, STEPS, ALPHA, SEED = 100_000, 252, 0.95, 2024


def single_asset() -> None:
    s0, mu, sigma = 100.0, 0.05, 0.20
    t0 = time.perf_counter()
    st = np.asarray(gbm_terminal_stepped(SEED, [s0], [mu], [sigma], [[1.0]], years=1.0, steps=STEPS,
                                 n_paths=N))[:, 0]
    seconds = time.perf_counter() - t0
    pnl = st - s0
    var, es = (float(x) for x in var_es(pnl, ALPHA))
    cf_var, cf_es = lognormal_var_es(s0, mu, sigma, 1.0, ALPHA)
    p = 1 - ALPHA
    dens = stats.lognorm.pdf(s0 - cf_var, sigma, scale=s0 * np.exp(mu - sigma**2 / 2))
    se_var = np.sqrt(p * (1 - p) / N) / dens
    tail = -np.sort(pnl)[: int(p * N)]
    se_es = np.sqrt((tail.var() + (1 - p) * (cf_es - cf_var) ** 2) / (N * p))
    print("## single asset: S0=100, mu=5%, sigma=20%, 1 year, 100,000 paths x 252 steps")
    print(f"|       | Monte Carlo | closed form | MC standard error | difference / SE |")
    print(f"| VaR95 | {var:.4f} | {cf_var:.4f} | {se_var:.4f} | {(var - cf_var) / se_var:+.2f} |")
    print(f"| ES95  | {es:.4f} | {cf_es:.4f} | {se_es:.4f} | {(es - cf_es) / se_es:+.2f} |")
    print(f"simulation: {seconds:.2f} s")


def portfolio() -> None:
    tickers = ["AAPL", "JPM", "XOM", "JNJ", "MSFT"]
    prices = real_prices()[[f"EQ.{t}" for t in tickers]].loc["2021-01-01":"2022-12-28"]
    rets = np.log(prices).diff().dropna().to_numpy()
    sigma = rets.std(axis=0, ddof=1) * np.sqrt(252)
    mu = rets.mean(axis=0) * 252 + sigma**2 / 2
    corr = np.corrcoef(rets, rowvar=False)
    s0 = prices.iloc[-1].to_numpy()
    units = 1_000_000 / s0  # $1m in each stock
    chol = np.asarray(cholesky_factor(corr))
    horizon = 10 / 252
    st = np.asarray(gbm_terminal_stepped(SEED, s0, mu, sigma, chol, years=horizon, steps=10, n_paths=N))
    pnl_assets = (st - s0) * units
    pnl = pnl_assets.sum(axis=1)
    var, es = (float(x) for x in var_es(pnl, 0.99))
    alone = [tuple(float(x) for x in var_es(pnl_assets[:, i], 0.99)) for i in range(5)]
    print("\n## portfolio: $1m in each of AAPL JPM XOM JNJ MSFT, 10 days, 99%")
    print("parameters from 2021-01-01..2022-12-28 daily log returns (bundled data)")
    for t, m, s, (v, e) in zip(tickers, mu, sigma, alone, strict=True):
        print(f"| {t} | mu {m:+.3f} | sigma {s:.3f} | VaR99 {v:,.0f} | ES99 {e:,.0f} |")
    print(f"| portfolio | | | VaR99 {var:,.0f} | ES99 {es:,.0f} |")
    print(f"sum of standalone VaR {sum(v for v, _ in alone):,.0f}; diversification "
          f"{1 - var / sum(v for v, _ in alone):.1%}")
    print("correlation:\n" + np.array2string(corr, precision=2))


if __name__ == "__main__":
    single_asset()
    portfolio()
