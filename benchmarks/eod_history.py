"""Does a day's EOD cost stay flat as the lake and catalog age? (issue 27)

A plain index book (an index tracker, three shares, a short index future) on
generated prices (two years of history back-loaded), then ``--days`` business days
run as a bank runs them: each day that day's prices file and trades file are ingested
(a second market-data load into the table every day), the sources marked ready and
the EOD run (``run_eod``, in this process, like ``riskcap eod backfill``). The JSON
line holds the seconds of every day (ingest and EOD apart) and the ratio of the last
ten days' mean to days 4–13's: ≤ 1.1 means flat. Days 1–3 are left out of the early
mean because they compile: day 1 every kernel, days 2 and 3 the backtest and the
capital paths, which first have an earlier run to read.

    python benchmarks/eod_history.py [--days 250]
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _common import report

FACTORS = ["IDX.BENCH", "EQ.A", "EQ.B", "EQ.C"]


def world(days: int, seed: int = 7) -> tuple[pd.DataFrame, list[dt.date]]:
    """Daily closes of the factors: 520 history days, then ``days`` run days."""
    rng = np.random.default_rng(seed)
    dates = list(pd.bdate_range("2020-01-02", periods=520 + days).date)
    z = rng.standard_normal((len(dates), len(FACTORS))) * 0.012
    z[:, 1:] += z[:, :1] * 0.8
    levels = np.array([3000.0, 120.0, 80.0, 45.0]) * np.exp(np.cumsum(z, axis=0))
    return pd.DataFrame(levels.round(4), index=dates, columns=FACTORS), dates[520:]


def write(path: Path, header: str, rows: list[tuple[object, ...]]) -> str:
    path.write_text("\n".join([header, *(",".join(map(str, r)) for r in rows)]) + "\n")
    return str(path)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=250)
    parser.add_argument("--keep", type=Path, help="Build the world here and keep it")
    args = parser.parse_args()
    from riskcap.cli import run
    from riskcap.config import load_settings
    from riskcap.pipeline.runner import run_eod

    work = args.keep or Path(tempfile.mkdtemp(prefix="riskcap-bench-history-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        prices, run_days = world(args.days)
        history = [d for d in prices.index if d < run_days[0]]
        cfg = str(work / "riskcap.toml")
        assert run(["init", cfg]) == 0
        text = (work / "riskcap.toml").read_text()
        (work / "riskcap.toml").write_text(
            text.replace("mc_scenarios = 10000", "mc_scenarios = 2000")
        )

        def ok(*argv: str) -> None:
            assert run([*argv, "-c", cfg]) == 0, argv

        ftypes = {"IDX.BENCH": "index_level"}
        ok("ingest", "factors", write(work / "f.csv", "factor_id,factor_type,shock_type",
           [(f, ftypes.get(f, "equity_price"), "log") for f in FACTORS]))  # fmt: skip
        ok("ingest", "books", write(work / "b.csv", "book_id,desk,legal_entity,firm",
           [("IDX-BOOK", "INDEX", "E1", "FIRM"), ("SINGLES", "CASH", "E1", "FIRM")]))  # fmt: skip
        ok("ingest", "instruments", write(work / "i.csv",
           "instrument_id,instrument_type,currency,underlying,multiplier,expiry",
           [("TRACKER", "index", "USD", "IDX.BENCH", 1, ""),
            ("A", "equity", "USD", "EQ.A", 1, ""), ("B", "equity", "USD", "EQ.B", 1, ""),
            ("C", "equity", "USD", "EQ.C", 1, "")]))  # fmt: skip
        long = prices.loc[history].stack().rename("value").reset_index()
        long.columns = ["date", "factor_id", "value"]
        long.to_csv(work / "history.csv", index=False)
        ok("ingest", "market-data", str(work / "history.csv"))
        opening = history[-1]
        ok("ingest", "positions", write(work / "p.csv", "as_of,book_id,instrument_id,quantity",
           [(opening, "IDX-BOOK", "TRACKER", 1000), (opening, "SINGLES", "A", 5000),
            (opening, "SINGLES", "B", -3000), (opening, "SINGLES", "C", 8000)]))  # fmt: skip
        settings = load_settings(Path(cfg))
        ingest_s, eod_s = [], []
        for n, day in enumerate(run_days):
            started = time.perf_counter()
            p = work / "day.csv"
            ok("ingest", "market-data", write(p, "date,factor_id,value",
               [(day, f, prices.loc[day, f]) for f in FACTORS]))  # fmt: skip
            trade = (f"T{n:05d}", day, "SINGLES", "ABC"[n % 3], 100 - 200 * (n % 2), 1.0)
            header = "trade_id,trade_date,book_id,instrument_id,quantity,price"
            ok("ingest", "trades", write(work / "t.csv", header, [trade]))
            ok("ready", "positions", "trades", "market_data", "--as-of", day.isoformat())
            between = time.perf_counter()
            run_eod(settings, day)
            ingest_s.append(between - started)
            eod_s.append(time.perf_counter() - between)
            print(f"day {n + 1} {day}: ingest {ingest_s[-1]:.2f} s, EOD {eod_s[-1]:.2f} s",
                  flush=True)  # fmt: skip
        early = float(np.mean(eod_s[3:13]))
        late = float(np.mean(eod_s[-10:]))
        report(
            "eod_history",
            days=args.days,
            book="index tracker + 3 shares, 2 books, 520 history days",
            first_day_seconds=round(eod_s[0], 2),
            early_mean_seconds=round(early, 3),
            late_mean_seconds=round(late, 3),
            ratio_late_to_early=round(late / early, 3),
            early_ingest_seconds=round(float(np.mean(ingest_s[3:13])), 3),
            late_ingest_seconds=round(float(np.mean(ingest_s[-10:])), 3),
            early_days="4-13",
            late_days=f"{args.days - 9}-{args.days}",
            eod_seconds=[round(s, 3) for s in eod_s],
        )
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
