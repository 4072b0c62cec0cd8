"""A day in the life of a bank on riskcap (issue 27): data that is not the demo's,
loaded day by day through the CLI, checked against an independent NumPy twin.

The world is generated here: two markets (New York, London) with their own holiday
calendars, US and UK shares, a US index with an implied-vol surface, a USD zero curve,
and a small book (shares in both markets, an index tracker, a put spread and a future
hedge). A new workspace starts from ``riskcap init`` (plus fewer Monte Carlo
scenarios); history is back-loaded once, then every business day of the second half of
December 2024 the test does what an operations team does: ingest that day's prices,
curve and vol files and trades, mark the sources ready, run the EOD. On the way:

* 26 Dec: Boxing Day, London closed, New York open — the UK share's close is carried
  forward, flagged by ``holiday_carry_forward`` and in the run record; 25 Dec: both
  closed, not a business day;
* 18 Dec: a day whose trades are shares only (it used to fail on the curve factors);
* 19 Dec: no trades at all;
* 23 Dec: a new option is defined and traded;
* every day after the first: a second market-data ingest into the lake (it used to
  break every filtered read);
* 27 Dec: a late correction of the 20 Dec US1 close is re-ingested; the EOD of 20 Dec
  is run again: a new run key, new figures, the old run kept.

Each day's firm 1-day 99 % HS VaR and ES are recomputed from the generated frames alone
(positions rolled from trades, holiday carry-forward, Black–Scholes, linear curve) and
must agree with the published figures to 1e-9.
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from riskcap.cli import run
from riskcap.config import load_settings
from riskcap.store.catalog import Catalog, QualityResultRecord, Result

pytestmark = pytest.mark.slow

NY, LON = "XNYS", "XLON"
HOLIDAYS = {
    NY: ["2023-01-16", "2023-02-20", "2023-04-07", "2023-05-29", "2023-06-19", "2023-07-04",
         "2023-09-04", "2023-11-23", "2023-12-25", "2024-01-01", "2024-01-15", "2024-02-19",
         "2024-03-29", "2024-05-27", "2024-06-19", "2024-07-04", "2024-09-02", "2024-11-28",
         "2024-12-25", "2025-01-01"],
    LON: ["2023-04-07", "2023-04-10", "2023-05-01", "2023-05-08", "2023-05-29", "2023-08-28",
          "2023-12-25", "2023-12-26", "2024-01-01", "2024-03-29", "2024-04-01", "2024-05-06",
          "2024-05-27", "2024-08-26", "2024-12-25", "2024-12-26", "2025-01-01"],
}  # fmt: skip
PRICES = {"EQ.US1": NY, "EQ.US2": NY, "EQ.UK1": LON, "IDX.US": NY}
PILLARS = {"3M": 0.25, "1Y": 1.0, "5Y": 5.0, "10Y": 10.0}
VOL_TENORS = (0.25, 1.0, 2.0)
FIRST_DAY, LAST_DAY = dt.date(2024, 12, 16), dt.date(2024, 12, 31)
OPENING = dt.date(2024, 12, 13)
CORRECTED = dt.date(2024, 12, 20)
INSTRUMENTS = [
    # id, type, underlying, multiplier, strike, option_type, expiry
    ("US1", "equity", "EQ.US1", 1.0, None, None, None),
    ("US2", "equity", "EQ.US2", 1.0, None, None, None),
    ("UK1", "equity", "EQ.UK1", 1.0, None, None, None),
    ("IDXT", "index", "IDX.US", 1.0, None, None, None),
    ("P4500", "index_option", "IDX.US", 100.0, 4500.0, "put", "2025-06-20"),
    ("P4000", "index_option", "IDX.US", 100.0, 4000.0, "put", "2025-06-20"),
    ("FUT", "index_future", "IDX.US", 50.0, None, None, "2025-03-21"),
]
NEW_OPTION = ("C5200", "index_option", "IDX.US", 100.0, 5200.0, "call", "2025-03-21")
BOOKS = [("B.US", "EQ-US", "E-US"), ("B.UK", "EQ-UK", "E-UK"), ("B.HEDGE", "DERIV", "E-US")]
OPENING_POSITIONS = [
    ("B.US", "US1", 1000.0), ("B.US", "US2", -500.0), ("B.UK", "UK1", 2000.0),
    ("B.HEDGE", "IDXT", 100.0), ("B.HEDGE", "P4500", 10.0), ("B.HEDGE", "P4000", -10.0),
    ("B.HEDGE", "FUT", -2.0),
]  # fmt: skip
TRADES = {
    "2024-12-16": [("B.US", "US1", 100.0), ("B.HEDGE", "P4500", 2.0)],
    "2024-12-17": [("B.UK", "UK1", -300.0), ("B.HEDGE", "FUT", 1.0)],
    "2024-12-18": [("B.US", "US2", 200.0), ("B.UK", "UK1", 100.0)],  # shares only
    "2024-12-20": [("B.US", "US1", -50.0)],
    "2024-12-23": [("B.HEDGE", "C5200", 5.0)],  # the new instrument
    "2024-12-24": [("B.US", "US2", -100.0)],
    "2024-12-26": [("B.US", "US1", 10.0)],  # London closed
    "2024-12-27": [("B.UK", "UK1", 50.0)],
    "2024-12-30": [("B.UK", "UK1", -10.0)],
    "2024-12-31": [("B.US", "US1", -20.0)],
}  # 19 Dec: no trades


@dataclass(frozen=True)
class Market:
    """The generated market: wide levels (NaN where a market is closed), curve, vols."""

    prices: pd.DataFrame  # date × price factor
    curve: pd.DataFrame  # date × pillar label
    vols: pd.DataFrame  # date × vol tenor (years)


def _holidays(calendar: str) -> set[dt.date]:
    return {dt.date.fromisoformat(d) for d in HOLIDAYS[calendar]}


def generate_market(seed: int = 2024) -> Market:
    rng = np.random.default_rng(seed)
    days = pd.bdate_range("2023-01-03", LAST_DAY).date
    closed = {c: _holidays(c) for c in (NY, LON)}
    days = [d for d in days if not (d in closed[NY] and d in closed[LON])]
    n = len(days)
    corr = np.array(
        [[1.0, 0.6, 0.4, 0.8], [0.6, 1.0, 0.3, 0.7], [0.4, 0.3, 1.0, 0.5], [0.8, 0.7, 0.5, 1.0]]
    )
    z = rng.standard_normal((n, 4)) @ np.linalg.cholesky(corr).T
    vol = np.array([0.018, 0.022, 0.015, 0.011])
    start = np.array([180.0, 95.0, 42.0, 4800.0])
    levels = start * np.exp(np.cumsum(z * vol - vol**2 / 2, axis=0))
    prices = pd.DataFrame(levels.round(4), index=days, columns=list(PRICES))
    for f, cal in PRICES.items():
        prices.loc[[d in closed[cal] for d in days], f] = np.nan
    level = 0.042 + np.cumsum(rng.normal(0, 0.0004, n))
    slope = 0.004 + np.cumsum(rng.normal(0, 0.0002, n))
    curve = pd.DataFrame(
        {lab: (level + slope * (1 - np.exp(-t / 2))).round(6) for lab, t in PILLARS.items()},
        index=days,
    )
    atm = 0.18 * np.exp(np.cumsum(rng.normal(0, 0.03, n)) * 0.3)
    vols = pd.DataFrame(
        {t: (atm * (1 + 0.05 * (t - 1.0))).round(6) for t in VOL_TENORS}, index=days
    )
    us_closed = [d in closed[NY] for d in days]
    curve.loc[us_closed] = np.nan
    vols.loc[us_closed] = np.nan
    return Market(prices, curve, vols)


# -- files, as upstream systems would deliver them ----------------------------------
def _price_file(m: Market, days: list[dt.date], path: Path) -> Path:
    long = m.prices.loc[days].stack().rename("value").reset_index()
    long.columns = ["date", "factor_id", "value"]
    long.to_csv(path, index=False)
    return path


def _curve_file(m: Market, days: list[dt.date], path: Path) -> Path:
    rows = [
        (d, "USD.ZERO", PILLARS[lab], v) for d in days for lab, v in m.curve.loc[d].dropna().items()
    ]
    pd.DataFrame(rows, columns=["date", "curve_id", "tenor_years", "zero_rate"]).to_csv(
        path, index=False
    )
    return path


def _vol_file(m: Market, days: list[dt.date], path: Path) -> Path:
    rows = [(d, "IDX.US", t, v) for d in days for t, v in m.vols.loc[d].dropna().items()]
    pd.DataFrame(rows, columns=["date", "underlying", "tenor_years", "implied_vol"]).to_csv(
        path, index=False
    )
    return path


def _write(path: Path, header: str, rows: list[tuple[object, ...]]) -> Path:
    lines = [header] + [",".join("" if v is None else str(v) for v in r) for r in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def _ok(*argv: str) -> None:
    code = run(list(argv))
    assert code == 0, f"riskcap {' '.join(argv)} exited {code}"


# -- the independent twin --------------------------------------------------------------
def _positions(day: dt.date) -> pd.DataFrame:
    rows = list(OPENING_POSITIONS)
    for d, trades in TRADES.items():
        if dt.date.fromisoformat(d) <= day:
            rows += trades
    frame = pd.DataFrame(rows, columns=["book", "instrument", "quantity"])
    net = frame.groupby(["book", "instrument"], as_index=False)["quantity"].sum()
    return net.loc[net["quantity"].abs() > 1e-9]


def _twin_var_es(m: Market, day: dt.date, confidence: float = 0.99) -> tuple[float, float]:
    """Firm HS 1-day VaR and ES from the generated frames, NumPy and SciPy only."""
    closed = {f: _holidays(cal) for f, cal in PRICES.items()}
    levels = pd.concat(
        [
            m.prices,
            m.curve.add_prefix("IR.USD."),
            m.vols[[1.0]].set_axis(["VOL.US"], axis=1),
        ],
        axis=1,
    ).loc[:day]
    for f in levels.columns:  # carry forward on the factor's market holidays
        cal = closed.get(f, _holidays(NY))
        filled = levels[f].ffill()
        hol = np.array([d in cal for d in levels.index])
        levels.loc[hol, f] = filled[hol]
    levels = levels.dropna().tail(251)
    x0 = levels.iloc[-1]
    is_log = ~levels.columns.str.startswith("IR.")
    values = levels.to_numpy()
    shocks = np.where(is_log, np.log(values[1:] / values[:-1]), values[1:] - values[:-1])
    shocked = np.where(is_log, x0.to_numpy() * np.exp(shocks), x0.to_numpy() + shocks)
    scen = pd.DataFrame(np.vstack([x0.to_numpy(), shocked]), columns=levels.columns)
    surface = m.vols.loc[:day].ffill().iloc[-1]  # the day's term structure
    tenors = np.array(list(PILLARS.values()))

    def value(inst: tuple[object, ...], qty: float) -> np.ndarray:
        _, kind, und, mult, strike, otype, expiry = inst
        s = scen[str(und)].to_numpy()
        if kind in ("equity", "index"):
            return qty * float(mult) * s  # type: ignore[arg-type]
        t = (dt.date.fromisoformat(str(expiry)) - day).days / 365.0
        rates = scen[[f"IR.USD.{lab}" for lab in PILLARS]].to_numpy()
        r = np.array([np.interp(t, tenors, row) for row in rates])
        if kind == "index_future":
            return qty * float(mult) * s * np.exp(r * t)  # type: ignore[arg-type]
        term = float(np.interp(t, surface.index.to_numpy(float), surface.to_numpy()))
        sigma = term / x0["VOL.US"] * scen["VOL.US"].to_numpy()
        k = float(strike)  # type: ignore[arg-type]
        d1 = (np.log(s / k) + (r + sigma**2 / 2) * t) / (sigma * math.sqrt(t))
        d2 = d1 - sigma * math.sqrt(t)
        if otype == "call":
            price = s * norm.cdf(d1) - k * np.exp(-r * t) * norm.cdf(d2)
        else:
            price = k * np.exp(-r * t) * norm.cdf(-d2) - s * norm.cdf(-d1)
        return qty * float(mult) * price  # type: ignore[arg-type]

    defs = {i[0]: i for i in [*INSTRUMENTS, NEW_OPTION]}
    total = sum(value(defs[p.instrument], p.quantity) for p in _positions(day).itertuples())
    pnl = np.asarray(total)[1:] - np.asarray(total)[0]
    k = max(1, math.ceil((Decimal(1) - Decimal(str(confidence))) * len(pnl)))
    tail = np.sort(pnl)[:k]
    return float(-tail[-1]), float(-tail.mean())


# -- the life ---------------------------------------------------------------------------
def _published(catalog: Catalog, run_id: str) -> tuple[float, float]:
    rows = {
        r.measure: r.value
        for r in catalog.results(run_id)
        if (r.node, r.method, r.horizon, r.confidence) == ("firm:BANK", "hs", 1, 0.99)
    }
    return rows["var"], rows["es"]


def test_a_month_of_daily_operation_on_a_banks_own_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    files = tmp_path / "in"
    files.mkdir()
    m = generate_market()
    days = list(m.prices.index)
    history = [d for d in days if d <= OPENING]
    daily = [d for d in days if FIRST_DAY <= d <= LAST_DAY]
    assert dt.date(2024, 12, 25) not in daily and dt.date(2024, 12, 26) in daily

    # a new workspace: the init config, only fewer Monte Carlo scenarios
    _ok("init")
    config = tmp_path / "riskcap.toml"
    text = config.read_text().replace("mc_scenarios = 10000", "mc_scenarios = 2000")
    assert tomllib.loads(text)["stress"]["historical"] == []  # no demo windows by default
    # a crisis window the bank's history does not cover: skipped, the reason recorded
    text = text.replace(
        "historical = []",
        'historical = [{name = "dotcom_2000", start = 2000-03-24, end = 2002-10-09}]',
    )
    config.write_text(text)

    # reference data and the back-loaded history (rates and vols from their own files)
    factor_rows = [(f, "index_level" if f.startswith("IDX") else "equity_price", "log", cal)
                   for f, cal in PRICES.items()]  # fmt: skip
    factor_rows += [(f"IR.USD.{lab}", "zero_rate", "absolute", NY) for lab in PILLARS]
    factor_rows += [("VOL.US", "implied_vol", "log", NY)]
    _ok("ingest", "factors", str(_write(files / "factors.csv",
        "factor_id,factor_type,shock_type,calendar", factor_rows)))  # fmt: skip
    _ok("ingest", "holidays", str(_write(files / "holidays.csv", "calendar,date",
        [(c, d) for c, ds in HOLIDAYS.items() for d in ds])))  # fmt: skip
    _ok("ingest", "books", str(_write(files / "books.csv", "book_id,desk,legal_entity,firm",
        [(b, desk, ent, "BANK") for b, desk, ent in BOOKS])))  # fmt: skip
    header = (
        "instrument_id,instrument_type,currency,underlying,multiplier,strike,option_type,expiry"
    )
    _ok("ingest", "instruments", str(_write(files / "instruments.csv", header,
        [(i, k, "USD", u, mu, s, o, e) for i, k, u, mu, s, o, e in INSTRUMENTS])))  # fmt: skip
    _ok("ingest", "market-data", str(_price_file(m, history, files / "prices_history.csv")))
    _ok("ingest", "curves", str(_curve_file(m, history, files / "curves_history.csv")))
    _ok("ingest", "vols", str(_vol_file(m, history, files / "vols_history.csv")))
    _ok("ingest", "positions", str(_write(files / "positions.csv",
        "as_of,book_id,instrument_id,quantity",
        [(OPENING, b, i, q) for b, i, q in OPENING_POSITIONS])))  # fmt: skip
    capsys.readouterr()

    settings = load_settings(config)
    runs: dict[dt.date, str] = {}
    trade_no = 0
    for day in daily:
        stamp = day.isoformat()
        _ok("ingest", "market-data", str(_price_file(m, [day], files / f"prices_{stamp}.csv")))
        if day not in _holidays(NY):
            _ok("ingest", "curves", str(_curve_file(m, [day], files / f"curves_{stamp}.csv")))
            _ok("ingest", "vols", str(_vol_file(m, [day], files / f"vols_{stamp}.csv")))
        if stamp == "2024-12-23":
            i, k, u, mu, s, o, e = NEW_OPTION
            _ok("ingest", "instruments", str(_write(files / "instruments_new.csv", header,
                [(i, k, "USD", u, mu, s, o, e)])))  # fmt: skip
        if stamp in TRADES:
            rows = []
            for b, i, q in TRADES[stamp]:
                trade_no += 1
                rows.append((f"T{trade_no:04d}", stamp, b, i, q, 1.0))
            _ok("ingest", "trades", str(_write(files / f"trades_{stamp}.csv",
                "trade_id,trade_date,book_id,instrument_id,quantity,price", rows)))  # fmt: skip
        _ok("ready", "positions", "trades", "market_data", "--as-of", stamp)
        _ok("eod", "run", "--as-of", stamp)
        with Catalog.of(settings) as catalog:
            (latest,) = [r for r in catalog.list_runs(day, 5) if r.status == "succeeded"][:1]
            runs[day] = latest.run_id
            got = _published(catalog, latest.run_id)
        want = _twin_var_es(m, day)
        np.testing.assert_allclose(got, want, rtol=1e-9, err_msg=f"VaR/ES on {day}")

        if stamp == "2024-12-27":  # the 20 Dec US1 close was wrong: correct it, rerun
            m.prices.loc[CORRECTED, "EQ.US1"] = round(m.prices.loc[CORRECTED, "EQ.US1"] * 1.03, 4)
            fix = _write(files / "prices_fix.csv", "date,factor_id,value",
                         [(CORRECTED, "EQ.US1", m.prices.loc[CORRECTED, "EQ.US1"])])  # fmt: skip
            _ok("ingest", "market-data", str(fix))
            _ok("eod", "run", "--as-of", CORRECTED.isoformat())
            with Catalog.of(settings) as catalog:
                both = [r for r in catalog.list_runs(CORRECTED, 10) if r.status == "succeeded"]
                assert len(both) == 2, "the old run is kept beside the new one"
                new, old = both
                assert new.run_key != old.run_key and old.run_id == runs[CORRECTED]
                corrected = _published(catalog, new.run_id)
                original = _published(catalog, old.run_id)
            np.testing.assert_allclose(corrected, _twin_var_es(m, CORRECTED), rtol=1e-9)
            assert corrected != original

    # Boxing Day: London closed, New York open — carried forward, flagged, not blocking
    boxing = dt.date(2024, 12, 26)
    with Catalog.of(settings) as catalog:
        tasks = {t.name: t for t in catalog.tasks(runs[boxing])}
        assert tasks["market_prep"].detail["carried_forward"] == ["EQ.UK1"]
        checks = {
            r.check_name: r
            for r in catalog.quality_results(boxing, run_id=runs[boxing])
            if isinstance(r, QualityResultRecord)
        }
        flagged = checks["holiday_carry_forward"]
        assert not flagged.passed and flagged.severity == "warning"
        assert flagged.sample == [{"factor_id": "EQ.UK1", "last_close": "2024-12-24"}]
        assert checks["missing_market_data"].passed
        # a new lake without observations: FRTB is not computed, and the run says why
        assert "observations" in tasks["frtb"].detail["skipped"]
        (skipped,) = tasks["stress"].detail["skipped_windows"]
        assert skipped.startswith("dotcom_2000 starts 2000-03-24, before the history")
        results = catalog.results(runs[LAST_DAY])
        assert {r.node for r in results if isinstance(r, Result)} >= {
            "firm:BANK", "entity:E-US", "entity:E-UK", "desk:EQ-US", "desk:EQ-UK",
            "desk:DERIV", "book:B.HEDGE",
        }  # fmt: skip
    # the backtest has run every day, on fewer than 250 days: indicative
    _ok("backtest", "--node", "firm:BANK", "--from", FIRST_DAY.isoformat(),
        "--to", LAST_DAY.isoformat())  # fmt: skip
    assert "indicative" in capsys.readouterr().out

    # 2 Jan 2025, both markets open: a US2 close that never arrived blocks the EOD
    jan2 = dt.date(2025, 1, 2)
    prices = m.prices.loc[[LAST_DAY]].set_axis([jan2]) * 1.001
    prices.loc[jan2, "EQ.US2"] = np.nan
    late = Market(
        prices, m.curve.loc[[LAST_DAY]].set_axis([jan2]), m.vols.loc[[LAST_DAY]].set_axis([jan2])
    )
    _ok("ingest", "market-data", str(_price_file(late, [jan2], files / "prices_jan2.csv")))
    _ok("ingest", "curves", str(_curve_file(late, [jan2], files / "curves_jan2.csv")))
    _ok("ingest", "vols", str(_vol_file(late, [jan2], files / "vols_jan2.csv")))
    _ok("ready", "positions", "trades", "market_data", "--as-of", jan2.isoformat())
    capsys.readouterr()
    assert run(["eod", "run", "--as-of", jan2.isoformat()]) == 7  # DataQualityError
    err = capsys.readouterr().err
    assert "missing_market_data" in err and "EQ.US2" in err
