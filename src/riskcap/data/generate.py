"""``riskcap generate``: a synthetic book and factor history of any size, in its own lake.

For scale tests and benchmarks (DESIGN.md §6, §9): ``positions`` positions on a
universe of ``factors`` risk factors, with ``history`` business days of levels, all a
deterministic function of ``seed``. Every value is **synthetic** and flagged so in
the ``factors`` table (``synthetic = true``); nothing here is market data.

The factor universe (``F = factors``, at least 33):

* 31 market factors: the zero-rate pillars (3M–30Y, absolute shocks) of the USD and
  EUR OIS curves ``IR.USD.<TENOR>``, ``IR.EUR.<TENOR>`` (a level and a slope random
  walk each) and of the EUR projection curve ``EUR.EURIBOR3M``
  (``IR.EUR.EURIBOR3M.<TENOR>``: the EUR curve plus a basis random walk around 15 bp),
  and the FX rate ``FX.EURUSD`` (a log random walk, 0.5 % a day);
* ``V = max(1, (F − 31) // 5)`` implied-vol factors ``VOL.G<k>`` (the 1Y ATM vol of the
  first V equities; log shocks): a mean-reverting log-vol around 25 %;
* ``E = F − 31 − V`` equity prices ``EQ.G<k>`` (log shocks): one market factor plus
  idiosyncratic noise, betas in [0.5, 1.5], so the covariance is not diagonal.

The book (``P = positions``): ``option_share`` European options (one instrument each,
on the first V equities, strikes 80–120 % of spot, expiries 1 month–2 years),
``rates_share`` bonds and swaps (half each; maturities 1–10 years; one in four in EUR,
EUR swaps against EURIBOR 3M on the projection curve; swaps started up to a year
before, so most have a coupon fixed), the rest shares. Figures are in USD.
Books number ``max(P // 1000, ⌈1.5·shares / E⌉, 1)`` so that every (book, share) pair
is distinct; each desk holds up to 5 books, each legal entity up to 10 desks.

The files are written under ``<dir>/input`` and landed through the validating ingest
path, like any upstream file (:func:`riskcap.pipeline.generated.prepare_generated`);
the opening positions are dated the business day before ``as_of`` and every
checklist source is marked ready for ``as_of``, so ``riskcap eod run --as-of
<as_of>`` runs on the generated lake at once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from riskcap.data.factor_names import curve_prefix
from riskcap.data.samples import CURVE_ID, CURVE_TENORS, VOL_TENORS
from riskcap.errors import InputFileError

MARKET_FACTORS = 3 * len(CURVE_TENORS) + 1  # USD, EUR, EURIBOR 3M curves and FX.EURUSD
MIN_FACTORS = MARKET_FACTORS + 2
PROJECTION_CURVE = "EUR.EURIBOR3M"
DEFAULT_END = dt.date(2024, 12, 31)
GENERATED_FIRM = "GENCO"
FX_EURUSD = "FX.EURUSD"
_SRC = "riskcap.data.generate"


@dataclass(frozen=True)
class GeneratedWorld:
    """Input frames of a generated lake, each in its ingest file's layout."""

    as_of: dt.date
    factors: pd.DataFrame
    market_data: pd.DataFrame
    curves: pd.DataFrame
    vols: pd.DataFrame
    books: pd.DataFrame
    instruments: pd.DataFrame
    positions: pd.DataFrame  # dated the business day before as_of


@dataclass(frozen=True)
class Universe:
    equities: int
    vols: int

    @classmethod
    def of(cls, factors: int) -> Universe:
        if factors < MIN_FACTORS:
            raise InputFileError(
                f"generate: --factors must be at least {MIN_FACTORS} "
                f"({MARKET_FACTORS} curve pillars and FX rates, one equity and its vol), "
                f"got {factors}"
            )
        rest = factors - MARKET_FACTORS
        vols = max(1, rest // 5)
        return cls(rest - vols, vols)


def generate_world(
    positions: int,
    factors: int,
    seed: int,
    *,
    history: int = 520,
    end: dt.date = DEFAULT_END,
    option_share: float = 0.1,
    rates_share: float = 0.04,
) -> GeneratedWorld:
    """Build the frames of a generated lake (see the module docstring)."""
    if positions < 1:
        raise InputFileError(f"generate: --positions must be at least 1, got {positions}")
    if history < 30:
        raise InputFileError(f"generate: --history must be at least 30 days, got {history}")
    if option_share < 0.0 or rates_share < 0.0 or option_share + rates_share > 1.0:
        raise InputFileError("generate: option and rates shares must be in [0, 1] and sum ≤ 1")
    uni = Universe.of(factors)
    rng = np.random.default_rng(seed)
    dates = [d.date() for d in pd.bdate_range(end=end, periods=history)]
    as_of = dates[-1]

    eq_ids = [f"EQ.G{k:05d}" for k in range(uni.equities)]
    vol_ids = [f"VOL.G{k:05d}" for k in range(uni.vols)]
    curve_ids = (CURVE_ID, "EUR.ZERO", PROJECTION_CURVE)
    ir_ids = [curve_prefix(c) + label for c in curve_ids for label, _ in CURVE_TENORS]
    tenors = np.array([t for _, t in CURVE_TENORS])

    # equities: one market factor, betas 0.5–1.5, idiosyncratic 1–2 % a day
    n = len(dates)
    market = rng.normal(0.0, 0.01, n)
    beta = rng.uniform(0.5, 1.5, uni.equities)
    idio = rng.normal(0.0, 1.0, (n, uni.equities)) * rng.uniform(0.01, 0.02, uni.equities)
    log_ret = market[:, None] * beta + idio
    log_ret[0] = 0.0
    spot0 = np.exp(rng.uniform(np.log(10.0), np.log(500.0), uni.equities))
    eq = spot0 * np.exp(np.cumsum(log_ret, axis=0))

    # 1Y ATM vols: AR(1) log-vol around each name's long-run level
    lr = np.log(rng.uniform(0.15, 0.45, uni.vols))
    lv = np.empty((n, uni.vols))
    lv[0] = lr
    shocks = rng.normal(0.0, 0.04, (n, uni.vols))
    for i in range(1, n):
        lv[i] = lr + 0.97 * (lv[i - 1] - lr) + shocks[i]
    vol1y = np.exp(lv)

    # zero curves: level and slope random walks, 5 bp and 2 bp a day (USD around 3 %,
    # EUR around 2 %); the projection curve: EUR plus a 15 bp basis walking 0.5 bp a day
    shape = 1.0 - np.exp(-tenors / 3.0)
    zeros = []
    for start in (0.03, 0.02):
        level = start + np.cumsum(rng.normal(0.0, 0.0005, n))
        slope = 0.01 + np.cumsum(rng.normal(0.0, 0.0002, n))
        zeros.append(np.clip(level[:, None] + slope[:, None] * shape, -0.01, None))
    basis = np.abs(0.0015 + np.cumsum(rng.normal(0.0, 0.00005, n)))
    zeros.append(zeros[1] + basis[:, None] * (0.6 + 0.4 * shape))
    zero = np.concatenate(zeros, axis=1)
    eurusd = 1.10 * np.exp(np.cumsum(np.r_[0.0, rng.normal(0.0, 0.005, n - 1)]))

    day = np.array(dates, dtype="datetime64[D]")
    levels = np.concatenate([eq, vol1y, zero, eurusd[:, None]], axis=1)
    ids = eq_ids + vol_ids + ir_ids + [FX_EURUSD]
    market_data = pd.DataFrame(
        {
            "date": np.repeat(day, len(ids)).astype(object),
            "factor_id": np.tile(ids, n),
            "value": levels.reshape(-1),
        }
    )
    market_data["date"] = pd.to_datetime(market_data["date"]).dt.date
    curves = pd.concat(
        [
            pd.DataFrame(
                {
                    "date": np.repeat(dates, len(tenors)),
                    "curve_id": c,
                    "tenor_years": np.tile(tenors, n),
                    "zero_rate": z.reshape(-1),
                }
            )
            for c, z in zip(curve_ids, zeros, strict=True)
        ],
        ignore_index=True,
    )
    # the vol term structure (3M–2Y) around the 1Y factor, on the as-of date only:
    # the engine scales each option's vol from it (older dates are never read)
    term = np.array([1.08, 1.04, 1.0, 0.97])[: len(VOL_TENORS)]
    vols = pd.DataFrame(
        {
            "date": as_of,
            "underlying": np.repeat(eq_ids[: uni.vols], len(VOL_TENORS)),
            "tenor_years": np.tile(VOL_TENORS, uni.vols),
            "implied_vol": (vol1y[-1][:, None] * term).reshape(-1),
        }
    )
    factors_frame = _factor_table(eq_ids, vol_ids, ir_ids, seed)

    n_opt = round(positions * option_share)
    n_rates = round(positions * rates_share)
    n_bond = n_rates // 2
    n_swap = n_rates - n_bond
    n_lin = positions - n_opt - n_rates
    n_books = max(positions // 1000, -(-3 * n_lin // (2 * uni.equities)), 1)
    books = _books(n_books)
    book_ids = books["book_id"].to_numpy()

    opened = dates[-2]
    inst, pos = [], []
    # shares: distinct (book, equity) pairs
    pairs = rng.choice(n_books * uni.equities, size=n_lin, replace=False)
    shares = pd.DataFrame(
        {
            "instrument_id": [f"SH.G{k:05d}" for k in range(uni.equities)],
            "instrument_type": "equity",
            "underlying": eq_ids,
            "multiplier": 1.0,
            "description": [f"synthetic share G{k:05d}" for k in range(uni.equities)],
        }
    )
    inst.append(shares)
    pos.append(
        pd.DataFrame(
            {
                "book_id": book_ids[pairs // uni.equities],
                "instrument_id": shares["instrument_id"].to_numpy()[pairs % uni.equities],
                "quantity": _sizes(rng, n_lin, 2_000.0),
            }
        )
    )
    # options: one instrument each, on the equities with a vol factor
    under = rng.integers(0, uni.vols, n_opt)
    spot_now = eq[-2, under]
    strike = np.round(spot_now * rng.uniform(0.8, 1.2, n_opt), 2)
    expiry = [opened + dt.timedelta(days=int(d)) for d in rng.integers(30, 730, n_opt)]
    inst.append(
        pd.DataFrame(
            {
                "instrument_id": [f"OPT.{k:07d}" for k in range(n_opt)],
                "instrument_type": "equity_option",
                "underlying": [eq_ids[u] for u in under],
                "strike": strike,
                "option_type": np.where(rng.random(n_opt) < 0.5, "call", "put"),
                "expiry": expiry,
                "multiplier": 100.0,
                "description": "synthetic European option",
            }
        )
    )
    pos.append(_own_instrument_positions(rng, book_ids, "OPT", n_opt, 50.0))
    # bonds and swaps: one instrument each, maturities 1–10 years; one in four in EUR
    for prefix, kind, count, size in (
        ("BND", "bond", n_bond, 5_000.0),
        ("IRS", "irs", n_swap, 5e6),
    ):
        maturity = [opened + dt.timedelta(days=int(d)) for d in rng.integers(365, 3650, count)]
        eur = np.arange(count) % 4 == 3
        frame = pd.DataFrame(
            {
                "instrument_id": [f"{prefix}.{k:07d}" for k in range(count)],
                "instrument_type": kind,
                "currency": np.where(eur, "EUR", "USD"),
                "maturity": maturity,
                "fixed_rate": np.round(rng.uniform(0.01, 0.06, count), 4),
                "payment_frequency": 2 if kind == "bond" else 1,
                "curve_id": np.where(eur, "EUR.ZERO", CURVE_ID),
                "multiplier": 0.01 if kind == "bond" else 1.0,
                "description": f"synthetic {kind}",
            }
        )
        if kind == "irs":
            frame["pay_receive"] = np.where(rng.random(count) < 0.5, "pay", "receive")
            started = [opened - dt.timedelta(days=int(d)) for d in rng.integers(0, 365, count)]
            frame["start_date"] = started
            frame["projection_curve"] = [PROJECTION_CURVE if e else None for e in eur]
            frame["float_frequency"] = np.where(eur, 4, 1)
        inst.append(frame)
        pos.append(_own_instrument_positions(rng, book_ids, prefix, count, size))
    instruments = pd.concat(inst, ignore_index=True)
    instruments["currency"] = instruments["currency"].fillna("USD")
    positions_frame = pd.concat(pos, ignore_index=True)
    positions_frame.insert(0, "as_of", opened)
    return GeneratedWorld(
        as_of, factors_frame, market_data, curves, vols, books, instruments, positions_frame
    )


def _sizes(rng: np.random.Generator, n: int, scale: float) -> np.ndarray:
    """Signed whole quantities, never zero."""
    q = np.round(rng.normal(0.0, scale, n))
    return np.where(q == 0.0, 1.0, q)


def _own_instrument_positions(
    rng: np.random.Generator, book_ids: np.ndarray, prefix: str, n: int, scale: float
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "book_id": book_ids[rng.integers(0, len(book_ids), n)],
            "instrument_id": [f"{prefix}.{k:07d}" for k in range(n)],
            "quantity": _sizes(rng, n, scale),
        }
    )


def _books(n: int) -> pd.DataFrame:
    k = np.arange(n)
    desk = k // 5
    return pd.DataFrame(
        {
            "book_id": [f"B{i:05d}" for i in k],
            "desk": [f"D{d:04d}" for d in desk],
            "legal_entity": [f"LE{e:03d}" for e in desk // 10],
            "firm": GENERATED_FIRM,
            "description": "synthetic book",
        }
    )


def _factor_table(eq: list[str], vol: list[str], ir: list[str], seed: int) -> pd.DataFrame:
    src = f"{_SRC} seed={seed}"
    rows = [(f, "equity_price", "log", "USD", f"SYNTHETIC share price {f}") for f in eq]
    rows += [(f, "implied_vol", "log", "annualised", f"SYNTHETIC 1Y ATM vol {f}") for f in vol]
    rows += [(f, "zero_rate", "absolute", "rate (cont. comp.)", f"SYNTHETIC {f}") for f in ir]
    rows += [(FX_EURUSD, "fx_rate", "log", "USD per EUR", f"SYNTHETIC {FX_EURUSD}")]
    frame = pd.DataFrame(
        rows, columns=["factor_id", "factor_type", "shock_type", "unit", "description"]
    )
    frame.insert(4, "synthetic", True)
    frame.insert(5, "source", src)
    return frame


def write_world(world: GeneratedWorld, out_dir: Path) -> dict[str, Path]:
    """Write the frames as ingest files (CSV for reference data, Parquet for series)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {
        "factors": (world.factors, "factors.csv"),
        "market-data": (world.market_data, "market_data.parquet"),
        "curves": (world.curves, "curves.parquet"),
        "vols": (world.vols, "vols.parquet"),
        "books": (world.books, "books.csv"),
        "instruments": (world.instruments, "instruments.csv"),
        "positions": (world.positions, "positions.parquet"),
    }
    paths = {}
    for kind, (frame, name) in files.items():
        path = out_dir / name
        if name.endswith(".csv"):
            frame.to_csv(path, index=False)
        else:
            frame.to_parquet(path, index=False)
        paths[kind] = path
    return paths
