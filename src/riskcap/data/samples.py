"""Bundled real market data, seeded synthetic curves and vols, and the demo book.

Real (BSD-3, from skfolio 1.12.2; see ``package_data/PROVENANCE.md``):
    20 S&P 500 stocks (factor ``EQ.<TICKER>``), the S&P 500 index (``IDX.SP500``)
    and 5 factor ETFs (``ETF.<TICKER>``), daily adjusted closes 1990–2022.

Synthetic (generated here from a fixed seed, ``synthetic = true`` in ``factors``):
    * the USD zero curve ``USD.ZERO`` on 10 pillars (3M–30Y): a three-factor
      Nelson–Siegel curve whose level, slope and curvature follow discretised
      Ornstein–Uhlenbeck processes (factors ``IR.USD.<TENOR>``, absolute shocks);
    * ATM implied volatilities per underlying and tenor (3M, 6M, 1Y, 2Y): the
      underlying's EWMA realised volatility (λ = 0.94) with a 10% premium,
      mean-reverting in tenor to its long-run realised volatility, times a
      persistent seeded noise (factor ``VOL.<TICKER>`` = the 1Y point, log shocks).

The demo book is a deterministic function of the seed and the bundled data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from riskcap.data.factor_names import VOL_FACTOR_TENOR, vol_factor
from riskcap.errors import InputFileError

BUNDLED_SHA256 = {
    "sp500_dataset.csv.gz": "ee21cac28befb1d0a739a9ceb22184f995394726aa0cfde9a21941d1ac04ac0d",
    "sp500_index.csv.gz": "894c34431c284f86aa64a467e176e2a3c9b697c857eb9ab35006c2dd55d3fdf2",
    "factors_dataset.csv.gz": "6eb089953db90c9a38d3283582751701a90db6f59965847fd64b0578de497161",
}
BUNDLED_SOURCE = "skfolio 1.12.2 datasets (BSD-3-Clause)"
CURVE_ID = "USD.ZERO"
CURVE_TENORS: tuple[tuple[str, float], ...] = (
    ("3M", 0.25),
    ("6M", 0.5),
    ("1Y", 1.0),
    ("2Y", 2.0),
    ("3Y", 3.0),
    ("5Y", 5.0),
    ("7Y", 7.0),
    ("10Y", 10.0),
    ("20Y", 20.0),
    ("30Y", 30.0),
)
VOL_TENORS: tuple[float, ...] = (0.25, 0.5, 1.0, 2.0)
INDEX_FACTOR = "IDX.SP500"


def bundled_file(name: str) -> Path:
    """Path of a bundled data file, its sha256 checked against the provenance record."""
    if name not in BUNDLED_SHA256:
        raise InputFileError(f"{name}: not a bundled data file")
    path = Path(str(resources.files("riskcap.data") / "package_data" / name))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != BUNDLED_SHA256[name]:
        raise InputFileError(f"{path}: sha256 {digest} does not match the provenance record")
    return path


def real_prices() -> pd.DataFrame:
    """Wide frame of the real prices: DatetimeIndex × factor ids (EQ.*, IDX.SP500, ETF.*)."""
    stocks = pd.read_csv(bundled_file("sp500_dataset.csv.gz"), index_col="Date", parse_dates=True)
    index = pd.read_csv(bundled_file("sp500_index.csv.gz"), index_col="Date", parse_dates=True)
    etfs = pd.read_csv(bundled_file("factors_dataset.csv.gz"), index_col="Date", parse_dates=True)
    frame = pd.concat(
        [
            stocks.add_prefix("EQ."),
            index.rename(columns={"SP500": INDEX_FACTOR}),
            etfs.add_prefix("ETF."),
        ],
        axis=1,
    )
    return frame.sort_index().astype(np.float64)


def _nelson_siegel_loadings(tenors: np.ndarray, tau: float) -> np.ndarray:
    x = tenors / tau
    slope = (1.0 - np.exp(-x)) / x
    return np.stack([np.ones_like(tenors), slope, slope - np.exp(-x)], axis=1)


def synthetic_zero_curve(dates: pd.DatetimeIndex, seed: int) -> pd.DataFrame:
    """Synthetic USD zero curve, wide: dates × tenor labels, continuously compounded.

    Nelson–Siegel (τ = 1.37y, Diebold–Li's λ = 0.0609/month) with factor dynamics
    ``β_{t+1} = β_t + κ(μ - β_t)Δt + s·√Δt·ε`` (Δt = 1/252), seeded.
    """
    rng = np.random.default_rng([seed, 1])
    dt_ = 1.0 / 252.0
    mu = np.array([0.045, -0.015, 0.0])
    kappa = np.array([0.15, 0.6, 1.0])
    vol = np.array([0.009, 0.008, 0.012])
    beta = np.empty((len(dates), 3))
    beta[0] = [0.080, -0.005, 0.005]
    shocks = rng.standard_normal((len(dates), 3)) * vol * np.sqrt(dt_)
    for i in range(1, len(dates)):  # sequential recursion over dates, done once at load
        beta[i] = beta[i - 1] + kappa * (mu - beta[i - 1]) * dt_ + shocks[i]
    tenors = np.array([t for _, t in CURVE_TENORS])
    rates = beta @ _nelson_siegel_loadings(tenors, 1.0 / (0.0609 * 12)).T
    return pd.DataFrame(rates, index=dates, columns=[label for label, _ in CURVE_TENORS])


def ewma_volatility(log_returns: pd.DataFrame, lam: float = 0.94) -> pd.DataFrame:
    """Annualised EWMA (RiskMetrics) volatility of daily log returns, NaN-free."""
    var = (log_returns**2).ewm(alpha=1.0 - lam, adjust=False).mean()
    return np.sqrt(var * 252.0).bfill()


def synthetic_implied_vols(prices: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Synthetic ATM implied vols, long: date, underlying (factor id), tenor_years, vol."""
    underlyings = [c for c in prices.columns if c.startswith("EQ.") or c == INDEX_FACTOR]
    px = prices[underlyings]
    rets = np.log(px).diff().iloc[1:]
    realised = ewma_volatility(rets).reindex(px.index).bfill()
    long_run = np.sqrt((rets**2).mean() * 252.0)
    rng = np.random.default_rng([seed, 2])
    eps = rng.standard_normal(realised.shape)
    noise = (
        pd.DataFrame(eps, index=realised.index, columns=realised.columns)
        .ewm(alpha=0.05, adjust=False)
        .mean()
        * np.sqrt(2 / 0.05 - 1)
        * 0.04
    )
    frames = []
    kappa = 2.0
    for tenor in VOL_TENORS:
        weight = (1.0 - np.exp(-kappa * tenor)) / (kappa * tenor)
        vol = (long_run + (1.10 * realised - long_run) * weight) * np.exp(noise)
        vol = vol.clip(lower=0.05)
        long = vol.stack().rename("implied_vol").reset_index()
        long.columns = ["date", "underlying", "implied_vol"]
        long["tenor_years"] = tenor
        frames.append(long)
    out = pd.concat(frames, ignore_index=True)
    return out[["date", "underlying", "tenor_years", "implied_vol"]]


@dataclass(frozen=True)
class MarketBundle:
    """The demo market: real prices plus synthetic curve and vols, in lake layouts."""

    factors: pd.DataFrame  # factors table
    market_data: pd.DataFrame  # long: date, factor_id, value
    curves: pd.DataFrame  # long: date, curve_id, tenor_years, zero_rate
    vols: pd.DataFrame  # long: date, underlying, tenor_years, implied_vol
    prices: pd.DataFrame  # wide real prices
    zero_curve: pd.DataFrame  # wide synthetic zero curve
    observations: pd.DataFrame  # long: date, factor_id, source (real-price observations)


OBSERVATIONS_FROM = dt.date(2021, 1, 1)
# synthetic liquidity of single-stock options: daily observation rates drawn
# log-uniformly in this range (about 10 to 150 quotes a year)
VOL_OBSERVATION_RATES = (0.04, 0.6)


def synthetic_observations(
    factors: pd.DataFrame, dates: pd.DatetimeIndex, seed: int, since: dt.date = OBSERVATIONS_FROM
) -> pd.DataFrame:
    """Real-price observations for the FRTB eligibility test (MAR31.12), long.

    * real prices (stocks, the index, ETFs): one observation per trading day, the
      exchange close of the bundled data;
    * the synthetic curve: one dealer quote per day for every pillar;
    * the synthetic implied vols: the index vol every day, each single-stock vol on a
      seeded random share of days (rate log-uniform in :data:`VOL_OBSERVATION_RATES`),
      so that some single-stock vols fail the test, as thinly traded options do.

    Everything synthetic says so in ``source``.
    """
    days = [d.date() for d in dates if d.date() >= since]
    rng = np.random.default_rng([seed, 3])
    frames = []
    for r in factors.itertuples():
        fid, ftype = str(r.factor_id), str(r.factor_type)
        if ftype == "implied_vol" and fid != vol_factor(INDEX_FACTOR):
            lo, hi = np.log(VOL_OBSERVATION_RATES[0]), np.log(VOL_OBSERVATION_RATES[1])
            rate = float(np.exp(rng.uniform(lo, hi)))
            keep = rng.uniform(size=len(days)) < rate
            picked = [d for d, k in zip(days, keep, strict=True) if k]
            source = f"SYNTHETIC option trade (rate {rate:.2f}/day, seed {seed})"
        elif ftype in ("zero_rate", "implied_vol"):
            picked, source = days, f"SYNTHETIC dealer quote (seed {seed})"
        else:
            picked, source = days, BUNDLED_SOURCE + " exchange close"
        frames.append(pd.DataFrame({"date": picked, "factor_id": fid, "source": source}))
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(["date", "factor_id"], kind="mergesort").reset_index(drop=True)


def market_bundle(seed: int) -> MarketBundle:
    """Build the whole demo market deterministically from the bundled files and ``seed``."""
    prices = real_prices()
    dates = pd.DatetimeIndex(prices.index)
    zero = synthetic_zero_curve(dates, seed)
    vols = synthetic_implied_vols(prices, seed)
    tenor_of = dict(CURVE_TENORS)
    curves = zero.stack().rename("zero_rate").reset_index()
    curves.columns = ["date", "tenor", "zero_rate"]
    curves["tenor_years"] = curves["tenor"].map(tenor_of)
    curves["curve_id"] = CURVE_ID
    curves = curves[["date", "curve_id", "tenor_years", "zero_rate"]]

    real_long = prices.stack().rename("value").reset_index()  # drops NaN (ETFs before 2014)
    real_long.columns = ["date", "factor_id", "value"]
    ir_long = zero.rename(columns=lambda t: f"IR.USD.{t}").stack().rename("value").reset_index()
    ir_long.columns = ["date", "factor_id", "value"]
    vol_1y = vols.loc[vols["tenor_years"] == VOL_FACTOR_TENOR]
    vol_long = pd.DataFrame(
        {
            "date": vol_1y["date"],
            "factor_id": vol_1y["underlying"].map(vol_factor),
            "value": vol_1y["implied_vol"],
        }
    )
    market_data = pd.concat([real_long, ir_long, vol_long], ignore_index=True)
    market_data["date"] = pd.to_datetime(market_data["date"]).dt.date
    market_data = market_data.sort_values(["date", "factor_id"], kind="mergesort")

    def fac(
        fid: str, ftype: str, shock: str, unit: str, synthetic: bool, src: str, desc: str
    ) -> tuple[str, str, str, str, bool, str, str]:
        return (fid, ftype, shock, unit, synthetic, src, desc)

    synth_src = f"riskcap.data.samples seed={seed}"
    rows = []
    for c in prices.columns:
        if c.startswith("EQ."):
            rows.append(
                fac(
                    c,
                    "equity_price",
                    "log",
                    "USD",
                    False,
                    BUNDLED_SOURCE,
                    f"{c[3:]} adjusted close",
                )
            )
        elif c.startswith("ETF."):
            rows.append(
                fac(
                    c,
                    "etf_price",
                    "log",
                    "USD",
                    False,
                    BUNDLED_SOURCE,
                    f"{c[4:]} factor ETF adjusted close",
                )
            )
        else:
            rows.append(
                fac(c, "index_level", "log", "points", False, BUNDLED_SOURCE, "S&P 500 index level")
            )
    for label, _ in CURVE_TENORS:
        rows.append(
            fac(
                f"IR.USD.{label}",
                "zero_rate",
                "absolute",
                "rate (cont. comp.)",
                True,
                synth_src,
                f"SYNTHETIC USD zero rate {label} (Nelson–Siegel OU)",
            )
        )
    for u in sorted(vols["underlying"].unique()):
        rows.append(
            fac(
                f"VOL.{u.split('.')[-1]}",
                "implied_vol",
                "log",
                "annualised",
                True,
                synth_src,
                f"SYNTHETIC 1Y ATM implied vol of {u}",
            )
        )
    factors = pd.DataFrame(
        rows,
        columns=[
            "factor_id",
            "factor_type",
            "shock_type",
            "unit",
            "synthetic",
            "source",
            "description",
        ],
    )
    curves["date"] = pd.to_datetime(curves["date"]).dt.date
    vols = vols.assign(date=pd.to_datetime(vols["date"]).dt.date)
    observations = synthetic_observations(factors, dates, seed)
    return MarketBundle(factors, market_data, curves, vols, prices, zero, observations)


def business_days(prices: pd.DataFrame, end: dt.date | None, count: int) -> list[dt.date]:
    """The last ``count`` trading dates of the bundled data up to ``end`` (inclusive)."""
    dates = [d.date() for d in pd.DatetimeIndex(prices.index)]
    if end is not None:
        dates = [d for d in dates if d <= end]
    if len(dates) < count:
        raise InputFileError(f"only {len(dates)} business days of data, {count} needed")
    return dates[-count:]
