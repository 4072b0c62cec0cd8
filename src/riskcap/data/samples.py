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
      persistent seeded noise (factor ``VOL.<TICKER>`` = the 1Y point, log shocks);
    * EUR, GBP and JPY zero curves ``<CCY>.ZERO`` like the USD one (own streams and
      levels), FX rates ``FX.EURUSD``, ``FX.GBPUSD``, ``FX.JPYUSD`` (log OU, correlated
      with the real S&P 500 moves) and their ATM vols ``VOL.FX.<PAIR>`` (as the equity
      vols, from the synthetic FX history);
    * commodity forward curves ``CMD.WTI``, ``CMD.BRENT``, ``CMD.GOLD`` on 1M–2Y pillars
      (spot and carry Ornstein–Uhlenbeck, log shocks);
    * credit spread curves ``ACME.SPREAD`` (A), ``BANKCO.SPREAD`` (BBB),
      ``HYCORP.SPREAD`` (BB) on 1Y–10Y pillars (factors ``CS.<ISSUER>.<TENOR>``).

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

from riskcap.data.factor_names import VOL_FACTOR_TENOR, curve_prefix, smile_factor, vol_factor
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
# the stocks with listed options in the demo book, and the surfaces with a smile: theirs,
# the S&P 500's and the FX pairs' (moneyness pillars besides ATM; points VOL.<X>.<M>)
OPTION_UNDERLYINGS = ("AAPL", "MSFT", "JPM", "XOM", "AMD", "JNJ")
SMILE_MONEYNESS: tuple[float, ...] = (0.8, 0.9, 1.1, 1.2)
SMILES_FROM = dt.date(2021, 1, 1)  # whole smiles from here; before, the 1Y smile only
# smile σ(T, m) = σ_ATM(T)·exp(β_t·ln m + γ·(ln m)²): β_t a seeded OU (κ = 2 a year)
# around its mean, per surface kind → (mean skew β, vol of β a year, curvature γ)
SMILE_MODELS = {"equity": (-0.9, 0.6, 1.2), "fx": (-0.1, 0.4, 1.5)}
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


@dataclass(frozen=True)
class CurveModel:
    """Seeded Nelson–Siegel dynamics of one currency's synthetic zero curve."""

    stream: int  # the random stream of the curve (seed, stream)
    mean: tuple[float, float, float]  # long-run level, slope, curvature
    start: tuple[float, float, float]  # their values on the first date (1990)


CURVE_MODELS: dict[str, CurveModel] = {
    "USD": CurveModel(1, (0.045, -0.015, 0.0), (0.080, -0.005, 0.005)),
    "EUR": CurveModel(11, (0.030, -0.012, 0.0), (0.085, -0.010, 0.0)),
    "GBP": CurveModel(12, (0.040, -0.012, 0.0), (0.110, -0.015, 0.0)),
    "JPY": CurveModel(13, (0.008, -0.004, 0.0), (0.065, -0.010, 0.0)),
}
# synthetic projection curves <CCY>.<INDEX> (factors IR.<CCY>.<INDEX>.<TENOR>): the
# currency's OIS zero curve plus a basis (log OU, tenor profile rising to the long end):
# curve → (stream, basis level in 1990 and long-run, annual vol of its log)
PROJECTION_MODELS: dict[str, tuple[int, float, float]] = {
    "EUR.EURIBOR3M": (14, 0.0015, 0.35),
}
# synthetic FX rates in USD per unit (log Ornstein–Uhlenbeck around a long-run level,
# correlated with the S&P 500's daily moves): currency → (stream, level in 1990,
# long-run level, annual vol, correlation with the index)
FX_MODELS: dict[str, tuple[int, float, float, float, float]] = {
    "EUR": (21, 1.20, 1.15, 0.08, 0.20),
    "GBP": (22, 1.75, 1.45, 0.09, 0.25),
    "JPY": (23, 0.0069, 0.0085, 0.10, -0.20),
}
FX_VOL_PAIRS = ("FX.EURUSD", "FX.GBPUSD", "FX.JPYUSD")
# synthetic commodity forward curves CMD.<NAME>.<TENOR> (USD): name → (stream, spot in
# 1990, long-run spot, annual vol, correlation with the index, mean carry a year, unit)
COMMODITY_MODELS: dict[str, tuple[int, float, float, float, float, float, str]] = {
    "WTI": (31, 21.0, 60.0, 0.35, 0.30, 0.00, "USD/bbl"),
    "BRENT": (32, 20.0, 62.0, 0.32, 0.30, -0.01, "USD/bbl"),
    "GOLD": (33, 400.0, 1400.0, 0.15, 0.00, 0.03, "USD/oz"),
}
# synthetic issuer credit spread curves <ISSUER>.SPREAD (factors CS.<ISSUER>.<TENOR>):
# issuer → (stream, 5Y spread level in 1990 and long-run, annual vol of its log,
# correlation with the index, rating, sector)
SPREAD_MODELS: dict[str, tuple[int, float, float, float, str, str]] = {
    "ACME": (41, 0.009, 0.45, -0.40, "A", "basic_materials"),
    "BANKCO": (42, 0.016, 0.50, -0.45, "BBB", "financials"),
    "HYCORP": (43, 0.035, 0.55, -0.50, "BB", "consumer"),
}
SPREAD_TENORS: tuple[tuple[str, float], ...] = (
    ("1Y", 1.0),
    ("2Y", 2.0),
    ("3Y", 3.0),
    ("5Y", 5.0),
    ("7Y", 7.0),
    ("10Y", 10.0),
)
COMMODITY_TENORS: tuple[tuple[str, float], ...] = (
    ("1M", 1 / 12),
    ("3M", 0.25),
    ("6M", 0.5),
    ("1Y", 1.0),
    ("2Y", 2.0),
)


def synthetic_zero_curve(dates: pd.DatetimeIndex, seed: int, currency: str = "USD") -> pd.DataFrame:
    """Synthetic zero curve of ``currency``, wide: dates × tenor labels, continuously
    compounded.

    Nelson–Siegel (τ = 1.37y, Diebold–Li's λ = 0.0609/month) with factor dynamics
    ``β_{t+1} = β_t + κ(μ - β_t)Δt + s·√Δt·ε`` (Δt = 1/252), seeded; each currency has
    its own random stream and levels (:data:`CURVE_MODELS`).
    """
    model = CURVE_MODELS[currency]
    rng = np.random.default_rng([seed, model.stream])
    dt_ = 1.0 / 252.0
    mu = np.array(model.mean)
    kappa = np.array([0.15, 0.6, 1.0])
    vol = np.array([0.009, 0.008, 0.012])
    beta = np.empty((len(dates), 3))
    beta[0] = model.start
    shocks = rng.standard_normal((len(dates), 3)) * vol * np.sqrt(dt_)
    for i in range(1, len(dates)):  # sequential recursion over dates, done once at load
        beta[i] = beta[i - 1] + kappa * (mu - beta[i - 1]) * dt_ + shocks[i]
    tenors = np.array([t for _, t in CURVE_TENORS])
    rates = beta @ _nelson_siegel_loadings(tenors, 1.0 / (0.0609 * 12)).T
    return pd.DataFrame(rates, index=dates, columns=[label for label, _ in CURVE_TENORS])


def synthetic_projection_curve(zero: pd.DataFrame, seed: int, curve_id: str) -> pd.DataFrame:
    """Synthetic projection curve ``curve_id`` (e.g. EURIBOR 3M), wide like the zero
    curves: the currency's OIS zero curve plus a basis ``b_t·(0.6 + 0.4(1 − e^{−T/3}))``,
    ``ln b_t`` an OU process (κ = 1 a year) with its own random stream
    (:data:`PROJECTION_MODELS`), so the basis is a risk of its own."""
    stream, level, sigma = PROJECTION_MODELS[curve_id]
    eps = np.random.default_rng([seed, stream]).standard_normal(len(zero))
    dt_ = 1.0 / 252.0
    log_b = np.empty(len(zero))
    log_b[0] = np.log(level)
    for i in range(1, len(zero)):  # sequential recursion over dates, done once at load
        log_b[i] = (
            log_b[i - 1] + (np.log(level) - log_b[i - 1]) * dt_ + sigma * np.sqrt(dt_) * eps[i]
        )
    tenors = np.array([t for _, t in CURVE_TENORS])
    profile = 0.6 + 0.4 * (1.0 - np.exp(-tenors / 3.0))
    return zero + np.exp(log_b)[:, None] * profile[None, :]


def ewma_volatility(log_returns: pd.DataFrame, lam: float = 0.94) -> pd.DataFrame:
    """Annualised EWMA (RiskMetrics) volatility of daily log returns, NaN-free."""
    var = (log_returns**2).ewm(alpha=1.0 - lam, adjust=False).mean()
    return np.sqrt(var * 252.0).bfill()


def synthetic_fx_rates(prices: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Synthetic FX rates ``FX.<CCY>USD`` (USD per unit), wide, on the bundled dates.

    ``ln S`` follows a discretised Ornstein–Uhlenbeck process (κ = 0.5 a year) around a
    long-run level, its daily shock ``σ√Δt (ρ z + √(1−ρ²) ε)``, ``z`` the S&P 500's
    daily log return over its EWMA volatility (the real index history), ``ε`` seeded
    (:data:`FX_MODELS`).
    """
    z = _index_moves(prices)
    dt_ = 1.0 / 252.0
    out = {}
    for ccy, (stream, start, level, sigma, rho) in FX_MODELS.items():
        eps = np.random.default_rng([seed, stream]).standard_normal(len(z))
        shocks = sigma * np.sqrt(dt_) * (rho * z + np.sqrt(1.0 - rho**2) * eps)
        log_s = np.empty(len(z))
        log_s[0] = np.log(start)
        for i in range(1, len(z)):  # sequential recursion over dates, done once at load
            log_s[i] = log_s[i - 1] + 0.5 * (np.log(level) - log_s[i - 1]) * dt_ + shocks[i]
        out[f"FX.{ccy}USD"] = np.exp(log_s)
    return pd.DataFrame(out, index=prices.index)


def synthetic_commodity_curves(prices: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Synthetic commodity forward curves, wide: ``CMD.<NAME>.<TENOR>`` prices (USD).

    The spot's log follows an Ornstein–Uhlenbeck process (κ = 0.5 a year) around its
    long-run level, shocks correlated with the S&P 500's daily moves as the FX rates;
    the carry ``c`` (a year; contango positive) mean-reverts (κ = 2) around the
    commodity's mean with 6 % a year of noise, and ``F(T) = S·exp(c·T)``
    (:data:`COMMODITY_MODELS`).
    """
    z = _index_moves(prices)
    dt_ = 1.0 / 252.0
    out = {}
    for name, (stream, start, level, sigma, rho, carry, _unit) in COMMODITY_MODELS.items():
        rng = np.random.default_rng([seed, stream])
        eps = rng.standard_normal((len(z), 2))
        shocks = sigma * np.sqrt(dt_) * (rho * z + np.sqrt(1.0 - rho**2) * eps[:, 0])
        log_s, c = np.empty(len(z)), np.empty(len(z))
        log_s[0], c[0] = np.log(start), carry
        for i in range(1, len(z)):  # sequential recursion over dates, done once at load
            log_s[i] = log_s[i - 1] + 0.5 * (np.log(level) - log_s[i - 1]) * dt_ + shocks[i]
            c[i] = c[i - 1] + 2.0 * (carry - c[i - 1]) * dt_ + 0.06 * np.sqrt(dt_) * eps[i, 1]
        for label, tenor in COMMODITY_TENORS:
            out[f"CMD.{name}.{label}"] = np.exp(log_s + c * tenor)
    return pd.DataFrame(out, index=prices.index)


def synthetic_spread_curves(prices: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Synthetic issuer zero spreads, wide: ``CS.<ISSUER>.<TENOR>`` (decimal).

    The 5Y spread's log follows an Ornstein–Uhlenbeck process (κ = 1 a year) around
    its long-run level, shocks correlated (negatively) with the S&P 500's daily moves;
    the curve is upward sloping, ``s(T) = s₅·(0.6 + 0.4·ln(1 + T)/ln 6)``
    (:data:`SPREAD_MODELS`).
    """
    z = _index_moves(prices)
    dt_ = 1.0 / 252.0
    out = {}
    for issuer, (stream, level, sigma, rho, _rating, _sector) in SPREAD_MODELS.items():
        eps = np.random.default_rng([seed, stream]).standard_normal(len(z))
        shocks = sigma * np.sqrt(dt_) * (rho * z + np.sqrt(1.0 - rho**2) * eps)
        log_s = np.empty(len(z))
        log_s[0] = np.log(level)
        for i in range(1, len(z)):  # sequential recursion over dates, done once at load
            log_s[i] = log_s[i - 1] + (np.log(level) - log_s[i - 1]) * dt_ + shocks[i]
        for label, tenor in SPREAD_TENORS:
            shape = 0.6 + 0.4 * np.log1p(tenor) / np.log(6.0)
            out[f"CS.{issuer}.{label}"] = np.exp(log_s) * shape
    return pd.DataFrame(out, index=prices.index)


def _index_moves(prices: pd.DataFrame) -> np.ndarray:
    """The S&P 500's daily log returns over their (previous day's) EWMA volatility."""
    index = np.log(prices[INDEX_FACTOR]).diff().fillna(0.0)
    vol = ewma_volatility(index.to_frame()).iloc[:, 0] / np.sqrt(252.0)
    return np.asarray((index / vol.shift().bfill()).clip(-6.0, 6.0).to_numpy())


def synthetic_implied_vols(
    prices: pd.DataFrame, seed: int, underlyings: list[str] | None = None, stream: int = 2
) -> pd.DataFrame:
    """Synthetic ATM implied vols, long: date, underlying (factor id), tenor_years, vol
    (the stocks and the index unless ``underlyings`` are given; ``stream``: the noise's
    random stream)."""
    if underlyings is None:
        underlyings = [c for c in prices.columns if c.startswith("EQ.") or c == INDEX_FACTOR]
    px = prices[underlyings]
    rets = np.log(px).diff().iloc[1:]
    realised = ewma_volatility(rets).reindex(px.index).bfill()
    long_run = np.sqrt((rets**2).mean() * 252.0)
    rng = np.random.default_rng([seed, stream])
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


def smile_surfaces() -> tuple[str, ...]:
    """The underlyings whose demo vol surfaces have a smile (the option underlyings)."""
    return (*(f"EQ.{t}" for t in OPTION_UNDERLYINGS), INDEX_FACTOR, *FX_VOL_PAIRS)


def synthetic_smiles(atm: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Synthetic smiles on the ATM surfaces ``atm`` (vols rows) of :func:`smile_surfaces`:
    ``(vols rows at the SMILE_MONEYNESS points — every tenor from SMILES_FROM, the 1Y
    tenor before —, the 1Y smile points' history VOL.<X>.<M> long: date, factor_id,
    value)``. ``σ(T, m) = σ_ATM(T)·exp(β_t ln m
    + γ (ln m)²)``, ``β_t`` an OU process per surface with its own random stream
    (:data:`SMILE_MODELS`: equity skew down, FX a milder smile)."""
    rows, levels = [], []
    for n, u in enumerate(smile_surfaces()):
        mean, sigma, gamma = SMILE_MODELS["fx" if u.startswith("FX.") else "equity"]
        g = atm.loc[atm["underlying"] == u]
        dates = np.sort(g["date"].unique())
        eps = np.random.default_rng([seed, 60 + n]).standard_normal(len(dates))
        beta = np.empty(len(dates))
        beta[0] = mean
        dt_ = 1.0 / 252.0
        for i in range(1, len(dates)):  # sequential recursion over dates, done once at load
            beta[i] = beta[i - 1] + 2.0 * (mean - beta[i - 1]) * dt_ + sigma * np.sqrt(dt_) * eps[i]
        skew = pd.Series(beta, index=dates)
        b = g["date"].map(skew).to_numpy()
        recent = (pd.to_datetime(g["date"]).dt.date >= SMILES_FROM).to_numpy()
        one_year = (g["tenor_years"] == VOL_FACTOR_TENOR).to_numpy()
        for m in SMILE_MONEYNESS:
            lm = np.log(m)
            vol = g["implied_vol"].to_numpy() * np.exp(b * lm + gamma * lm * lm)
            kept = recent | one_year  # older surfaces: their 1Y smile (the factors' history)
            rows.append(g.loc[kept].assign(implied_vol=vol[kept], moneyness=m))
            levels.append(
                pd.DataFrame(
                    {
                        "date": g["date"].to_numpy()[one_year],
                        "factor_id": smile_factor(u, m),
                        "value": vol[one_year],
                    }
                )
            )
    return pd.concat(rows, ignore_index=True), pd.concat(levels, ignore_index=True)


@dataclass(frozen=True)
class MarketBundle:
    """The demo market: real prices plus synthetic curve and vols, in lake layouts."""

    factors: pd.DataFrame  # factors table
    market_data: pd.DataFrame  # long: date, factor_id, value
    curves: pd.DataFrame  # long: date, curve_id, tenor_years, zero_rate
    vols: pd.DataFrame  # long: date, underlying, tenor_years, implied_vol, moneyness
    prices: pd.DataFrame  # wide real prices
    zero_curve: pd.DataFrame  # wide synthetic USD zero curve
    observations: pd.DataFrame  # long: date, factor_id, source (real-price observations)
    zero_curves: dict[str, pd.DataFrame]  # currency → wide synthetic zero curve
    fx: pd.DataFrame  # wide synthetic FX rates FX.<CCY>USD
    commodities: pd.DataFrame  # wide synthetic forward prices CMD.<NAME>.<TENOR>
    spreads: pd.DataFrame  # wide synthetic zero spreads CS.<ISSUER>.<TENOR>
    projections: dict[str, pd.DataFrame]  # curve id → wide synthetic projection curve


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
        index_vol = fid == vol_factor(INDEX_FACTOR) or fid.startswith(
            vol_factor(INDEX_FACTOR) + "."
        )
        single_stock = not index_vol and not fid.startswith("VOL.FX.")
        if ftype == "implied_vol" and single_stock:
            lo, hi = np.log(VOL_OBSERVATION_RATES[0]), np.log(VOL_OBSERVATION_RATES[1])
            rate = float(np.exp(rng.uniform(lo, hi)))
            keep = rng.uniform(size=len(days)) < rate
            picked = [d for d, k in zip(days, keep, strict=True) if k]
            source = f"SYNTHETIC option trade (rate {rate:.2f}/day, seed {seed})"
        elif ftype in ("zero_rate", "implied_vol", "fx_rate", "commodity_price", "credit_spread"):
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
    zeros = {ccy: synthetic_zero_curve(dates, seed, ccy) for ccy in CURVE_MODELS}
    zero = zeros["USD"]
    projections = {
        c: synthetic_projection_curve(zeros[c.split(".")[0]], seed, c) for c in PROJECTION_MODELS
    }
    fx = synthetic_fx_rates(prices, seed)
    commodities = synthetic_commodity_curves(prices, seed)
    spreads = synthetic_spread_curves(prices, seed)
    vols = pd.concat(
        [
            synthetic_implied_vols(prices, seed),
            synthetic_implied_vols(fx, seed, list(FX_VOL_PAIRS), stream=4),
        ],
        ignore_index=True,
    )
    tenor_of = dict(CURVE_TENORS)
    frames, ir_frames = [], []
    by_curve = {f"{ccy}.ZERO": wide for ccy, wide in zeros.items()} | projections
    for curve_id, wide in by_curve.items():
        long = wide.stack().rename("zero_rate").reset_index()
        long.columns = ["date", "tenor", "zero_rate"]
        long["tenor_years"] = long["tenor"].map(tenor_of)
        long["curve_id"] = curve_id
        frames.append(long[["date", "curve_id", "tenor_years", "zero_rate"]])
        prefix = curve_prefix(curve_id)
        ir = wide.rename(columns=lambda t, p=prefix: f"{p}{t}").stack().rename("value")
        ir_frames.append(ir.reset_index().set_axis(["date", "factor_id", "value"], axis=1))
    for issuer in SPREAD_MODELS:
        wide = spreads[[f"CS.{issuer}.{label}" for label, _ in SPREAD_TENORS]]
        long = wide.set_axis([t for _, t in SPREAD_TENORS], axis=1).stack().reset_index()
        long.columns = ["date", "tenor_years", "zero_rate"]
        long["curve_id"] = f"{issuer}.SPREAD"
        frames.append(long[["date", "curve_id", "tenor_years", "zero_rate"]])
    curves = pd.concat(frames, ignore_index=True)

    real_long = prices.stack().rename("value").reset_index()  # drops NaN (ETFs before 2014)
    real_long.columns = ["date", "factor_id", "value"]
    fx_long = pd.concat([fx, commodities, spreads], axis=1).stack().rename("value").reset_index()
    fx_long.columns = ["date", "factor_id", "value"]
    ir_long = pd.concat(ir_frames, ignore_index=True)
    vol_1y = vols.loc[vols["tenor_years"] == VOL_FACTOR_TENOR]
    vol_long = pd.DataFrame(
        {
            "date": vol_1y["date"],
            "factor_id": vol_1y["underlying"].map(vol_factor),
            "value": vol_1y["implied_vol"],
        }
    )
    smiles, smile_long = synthetic_smiles(vols, seed)
    vols = pd.concat([vols.assign(moneyness=1.0), smiles], ignore_index=True)
    market_data = pd.concat([real_long, ir_long, vol_long, fx_long, smile_long], ignore_index=True)
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

    def curve_rows(
        ccy: str, curve_id: str | None = None
    ) -> list[tuple[str, str, str, str, bool, str, str]]:
        prefix = curve_prefix(curve_id or f"{ccy}.ZERO")
        what = (
            f"{ccy} zero rate {{}} (Nelson–Siegel OU)"
            if curve_id is None
            else f"{curve_id} projection zero rate {{}} (OIS plus a log-OU basis)"
        )
        return [
            fac(
                f"{prefix}{label}",
                "zero_rate",
                "absolute",
                "rate (cont. comp.)",
                True,
                synth_src,
                "SYNTHETIC " + what.format(label),
            )
            for label, _ in CURVE_TENORS
        ]

    def vol_rows(underlyings: list[str]) -> list[tuple[str, str, str, str, bool, str, str]]:
        return [
            fac(
                vol_factor(u),
                "implied_vol",
                "log",
                "annualised",
                True,
                synth_src,
                f"SYNTHETIC 1Y ATM implied vol of {u}",
            )
            for u in underlyings
        ]

    rows += curve_rows("USD")
    equity_vols = sorted(u for u in vols["underlying"].unique() if u not in FX_VOL_PAIRS)
    rows += vol_rows(equity_vols)
    # the markets of the UK entity (appended: the factors above keep their order)
    for c in fx.columns:
        ccy = c.removeprefix("FX.")[:3]
        rows.append(
            fac(c, "fx_rate", "log", f"USD per {ccy}", True, synth_src, f"SYNTHETIC {ccy}/USD")
        )
    for ccy in CURVE_MODELS:
        if ccy != "USD":
            rows += curve_rows(ccy)
    for curve_id in PROJECTION_MODELS:
        rows += curve_rows(curve_id.split(".")[0], curve_id)
    rows += vol_rows(list(FX_VOL_PAIRS))
    for c in spreads.columns:
        issuer, label = c.split(".")[1:]
        rows.append(
            fac(
                c,
                "credit_spread",
                "absolute",
                "spread (cont. comp.)",
                True,
                synth_src,
                f"SYNTHETIC {issuer} zero spread {label} (log OU)",
            )
        )
    for c in commodities.columns:
        name, label = c.split(".")[1:]
        unit = COMMODITY_MODELS[name][-1]
        rows.append(
            fac(
                c,
                "commodity_price",
                "log",
                unit,
                True,
                synth_src,
                f"SYNTHETIC {name} forward price {label} (spot and carry OU)",
            )
        )
    for u in smile_surfaces():  # appended: the factors above keep their order
        for m in SMILE_MONEYNESS:
            rows.append(
                fac(
                    smile_factor(u, m),
                    "implied_vol",
                    "log",
                    "annualised",
                    True,
                    synth_src,
                    f"SYNTHETIC 1Y implied vol of {u} at {m:.0%} of spot (smile)",
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
    return MarketBundle(
        factors,
        market_data,
        curves,
        vols,
        prices,
        zero,
        observations,
        zeros,
        fx,
        commodities,
        spreads,
        projections,
    )


def business_days(prices: pd.DataFrame, end: dt.date | None, count: int) -> list[dt.date]:
    """The last ``count`` trading dates of the bundled data up to ``end`` (inclusive)."""
    dates = [d.date() for d in pd.DatetimeIndex(prices.index)]
    if end is not None:
        dates = [d for d in dates if d <= end]
    if len(dates) < count:
        raise InputFileError(f"only {len(dates)} business days of data, {count} needed")
    return dates[-count:]
