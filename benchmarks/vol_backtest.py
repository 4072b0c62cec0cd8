"""Model comparison `vol_backtest`: 1-day 99 % VaR by plain historical simulation,
EWMA-filtered HS and GARCH(1,1)-t-filtered HS on the bundled 1990–2022 history of the
demo book's equity factors (20 stocks and the S&P 500), backtested day by day
(issue 22, B; the table and chart of docs/volatility.md).

Each day ``t`` the VaR of the next day's return uses the data up to ``t`` only: the
last 250 daily log returns (HS: the 3rd worst, riskcap's ``k = ⌈(1 − α)·n⌉``
convention); FHS rescales their standardised residuals to the forecast volatility
(market/volatility.py). GARCH is refitted every ``--refit`` days on the last 1,000
returns (all factors in one vmapped call) and filters with those parameters until the
next refit; EWMA (λ = 0.94) needs no fit. The portfolio holds the 21 factors equally
(its return is the mean of theirs; its FHS scenarios are the mean of the factors'
rescaled returns of each historical date, so co-movements are history's). Exceptions,
Kupiec, Christoffersen and the traffic light come from riskcap.risk.backtest.
Writes the JSON line (with every figure) and ``docs/volatility_backtest.svg``.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np
from _common import report

from riskcap.data.samples import real_prices
from riskcap.market.volatility import EWMA_LAMBDA, Innovation, VolModel, ewma, fit
from riskcap.risk.backtest import backtest_statistics, traffic_light

WINDOW, FIT_DAYS, CONFIDENCE = 250, 1000, 0.99
SVG = Path(__file__).resolve().parents[1] / "docs" / "volatility_backtest.svg"


def var_of(scenarios: np.ndarray) -> np.ndarray:
    """VaR of each column's scenarios (rows), riskcap's convention, positive = loss."""
    k = max(1, math.ceil(round((1 - CONFIDENCE) * scenarios.shape[0], 9)))
    return -np.partition(scenarios, k - 1, axis=0)[k - 1]


def garch_sigma(r: np.ndarray, refit: int, first: int) -> np.ndarray:
    """σ_t of every day ≥ ``first − WINDOW`` and the forecast σ_{t+1} (row t+1), with
    parameters refitted every ``refit`` days on the last FIT_DAYS returns up to t."""
    n_days, n = r.shape
    sigma = np.full((n_days + 1, n), np.nan)
    params = None
    for t in range(first, n_days):
        if params is None or (t - first) % refit == 0:
            window = r[t - FIT_DAYS : t]
            f = fit(window, VolModel.GARCH, Innovation.STUDENT_T)
            bad = ~f.converged
            params = (f.omega, f.alpha, f.beta)
            sigma[t - FIT_DAYS : t] = f.sigma
            sigma[t] = f.forecast
            if bad.any():  # the EWMA fallback, as the EOD does
                e = ewma(window[:, bad])
                sigma[t - FIT_DAYS : t, bad] = e.sigma
                sigma[t, bad] = e.forecast
                omega, alpha, beta = (np.array(p, copy=True) for p in params)
                omega[bad], alpha[bad], beta[bad] = 0.0, 1 - EWMA_LAMBDA, EWMA_LAMBDA
                params = (omega, alpha, beta)
        else:
            omega, alpha, beta = params
            sigma[t] = np.sqrt(omega + alpha * r[t - 1] ** 2 + beta * sigma[t - 1] ** 2)
    return sigma


def svg_chart(dates: np.ndarray, rolling: dict[str, np.ndarray]) -> str:
    """Rolling 250-day exception counts per model, with the Basel zone boundaries."""
    w, h, pad = 900, 320, 45
    top = max(12, max(int(v.max()) for v in rolling.values()) + 1)
    colours = {"HS": "#d62728", "EWMA-FHS": "#1f77b4", "GARCH-t-FHS": "#2ca02c"}

    def xy(i: int, v: float) -> str:
        x = pad + i * (w - 2 * pad) / (len(dates) - 1)
        return f"{x:.1f},{h - pad - v * (h - 2 * pad) / top:.1f}"

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
        'font-family="sans-serif" font-size="11">',
        f'<rect width="{w}" height="{h}" fill="white"/>',
        f'<text x="{pad}" y="16">99 % 1-day VaR exceptions in the last 250 days, '
        "equal-weight portfolio of the demo's 21 equity factors</text>",
    ]
    for level, colour, label in (
        (4.5, "#f0ad4e", "yellow from 5"),
        (9.5, "#d9534f", "red from 10"),
    ):
        y = xy(0, level).split(",")[1]
        out.append(
            f'<line x1="{pad}" x2="{w - pad}" y1="{y}" y2="{y}" stroke="{colour}" '
            'stroke-dasharray="4,3"/>'
        )
        out.append(f'<text x="{w - pad - 80}" y="{float(y) - 3}" fill="{colour}">{label}</text>')
    for v in range(0, top + 1, 2):
        y = xy(0, v).split(",")[1]
        out.append(f'<text x="{pad - 20}" y="{float(y) + 4}">{v}</text>')
    years = [d.astype("datetime64[Y]").astype(int) + 1970 for d in dates]
    for i, year in enumerate(years):
        if (i == 0 or year != years[i - 1]) and year % 5 == 0:
            x = xy(i, 0).split(",")[0]
            out.append(f'<text x="{float(x) - 12}" y="{h - pad + 16}">{year}</text>')
    for j, (name, series) in enumerate(rolling.items()):
        keep = [*range(0, len(series), 5), len(series) - 1]  # a point a week
        points = " ".join(xy(i, float(series[i])) for i in sorted(set(keep)))
        out.append(
            f'<polyline fill="none" stroke="{colours[name]}" stroke-width="1.2" points="{points}"/>'
        )
        out.append(f'<text x="{pad + 10 + 110 * j}" y="34" fill="{colours[name]}">— {name}</text>')
    out.append("</svg>")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--refit", type=int, default=21, help="GARCH refit every N days")
    args = parser.parse_args()
    prices = real_prices()
    cols = [c for c in prices.columns if c.startswith("EQ.") or c == "IDX.SP500"]
    frame = prices[cols].dropna()
    r = np.log(frame.to_numpy()).astype(np.float64)
    r = 100.0 * np.diff(r, axis=0)  # per cent, as the fits are scaled
    dates = frame.index.to_numpy()[1:]
    first = FIT_DAYS
    started = time.perf_counter()
    sig_garch = garch_sigma(r, args.refit, first)
    garch_seconds = time.perf_counter() - started
    e = ewma(r)
    sig_ewma = np.vstack([e.sigma, e.forecast[None, :]])
    days = range(first, r.shape[0])
    var = {m: np.empty((len(days), r.shape[1] + 1)) for m in ("HS", "EWMA-FHS", "GARCH-t-FHS")}
    for j, t in enumerate(days):
        past = r[t - WINDOW : t]
        var["HS"][j] = var_of(np.column_stack([past, past.mean(axis=1)]))
        for name, sig in (("EWMA-FHS", sig_ewma), ("GARCH-t-FHS", sig_garch)):
            z = np.divide(
                past, sig[t - WINDOW : t], out=np.zeros_like(past), where=sig[t - WINDOW : t] > 0
            )
            scen = z * sig[t][None, :]
            var[name][j] = var_of(np.column_stack([scen, scen.mean(axis=1)]))
    realised = np.column_stack([r[first:], r[first:].mean(axis=1)])
    table = {}
    rolling = {}
    for name, v in var.items():
        hits = realised < -v
        stats = backtest_statistics(hits[:, -1], CONFIDENCE)
        whole = traffic_light(int(hits[:, -1].sum()), len(days), CONFIDENCE)
        kupiec_ok = [
            backtest_statistics(hits[:, i], CONFIDENCE).kupiec.p_value > 0.05
            for i in range(len(cols))
        ]
        windows = np.convolve(hits[:, -1].astype(float), np.ones(WINDOW), "valid")
        rolling[name] = windows
        table[name] = {
            "portfolio": stats.as_dict() | {"zone_whole_sample": whole.zone.value},
            "red_windows_share": float((windows >= 10).mean()),
            "factor_exception_rate": float(hits[:, :-1].mean()),
            "factors_passing_kupiec_5pct": int(sum(kupiec_ok)),
            "factors": len(cols),
        }
        p = table[name]["portfolio"]
        print(
            f"{name:12s} exceptions {p['exceptions']}/{p['observations']} "
            f"(expected {p['expected']:.0f}), Kupiec p {p['kupiec_p']:.3g}, "
            f"independence p {p['independence_p']:.3g}, zone {whole.zone.value}, "
            f"red windows {table[name]['red_windows_share']:.1%}, factor rate "
            f"{table[name]['factor_exception_rate']:.2%}, Kupiec pass "
            f"{table[name]['factors_passing_kupiec_5pct']}/{len(cols)}",
            flush=True,
        )
    SVG.write_text(svg_chart(dates[first + WINDOW - 1 :], rolling))
    report(
        "vol_backtest",
        first_day=str(dates[first])[:10],
        last_day=str(dates[-1])[:10],
        days=len(days),
        factors=cols,
        refit_days=args.refit,
        garch_seconds=round(garch_seconds, 1),
        models=table,
    )


if __name__ == "__main__":
    main()
