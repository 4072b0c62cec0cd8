"""Profile one more EOD day on a kept world (issue 27's method; see benchmarks/README).

Takes a world kept by ``eod_history.py --keep DIR``, copies it (the world itself stays
as it was), loads the next business day's prices (one random log step from the last
levels) and one trade, marks the sources ready and runs the EOD under pyinstrument,
then prints the call tree (``--html FILE`` writes the interactive one) and the run's
per-task seconds from the catalog.

    pip install -e '.[bench]'            # pyinstrument
    python benchmarks/eod_history.py --days 250 --keep /tmp/hist250
    python benchmarks/profile_eod.py /tmp/hist250 [--days 3]

``--days N`` runs N more days and profiles the last (the ones before warm the jit
caches so the profile shows the steady state, not compilation).

    python benchmarks/profile_eod.py --demo 20 [--days 3]

profiles the demo instead (issue 18's method): prepares the demo with 20 days in a
temporary folder, backfills all but the last ``--days`` days unprofiled (compilation,
caches), then profiles the backfill of the last ``--days`` days in the same process —
a day as ``make demo`` runs it — and prints each profiled run's per-task seconds.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "world", type=Path, nargs="?", help="a folder kept by eod_history.py --keep"
    )
    parser.add_argument("--demo", type=int, metavar="DAYS", help="profile the demo instead")
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--html", type=Path)
    args = parser.parse_args()
    if args.demo:
        return profile_demo(args.demo, args.days, args.html)
    if args.world is None:
        parser.error("give a world folder or --demo DAYS")
    from pyinstrument import Profiler

    from riskcap.cli import run
    from riskcap.config import load_settings
    from riskcap.data.lake import Lake
    from riskcap.pipeline.runner import run_eod
    from riskcap.store.catalog import Catalog

    work = Path(tempfile.mkdtemp(prefix="riskcap-profile-"))
    try:
        shutil.copytree(args.world, work, dirs_exist_ok=True)
        cfg = work / "riskcap.toml"
        settings = load_settings(cfg)
        lake = Lake.of(settings)
        market = lake.read("market_data").to_pandas()
        last = market["date"].max()
        levels = market.loc[market["date"] == last].set_index("factor_id")["value"]
        rng = np.random.default_rng(11)
        profiler = Profiler(interval=0.001)
        day = pd.Timestamp(last)
        for n in range(args.days):
            day = day + pd.offsets.BDay(1)
            levels = (levels * np.exp(rng.standard_normal(len(levels)) * 0.01)).round(4)
            rows = [f"{day.date()},{f},{v}" for f, v in levels.items()]
            (work / "day.csv").write_text("\n".join(["date,factor_id,value", *rows]) + "\n")
            trade = f"P{n:04d},{day.date()},SINGLES,A,100,1.0"
            (work / "t.csv").write_text(
                "trade_id,trade_date,book_id,instrument_id,quantity,price\n" + trade + "\n"
            )
            for argv in (
                ["ingest", "market-data", str(work / "day.csv")],
                ["ingest", "trades", str(work / "t.csv")],
                ["ready", "positions", "trades", "market_data", "--as-of", str(day.date())],
            ):
                assert run([*argv, "-c", str(cfg)]) == 0, argv
            if n == args.days - 1:
                profiler.start()
            outcome = run_eod(settings, day.date())
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=False))
        if args.html:
            args.html.write_text(profiler.output_html())
        print_task_seconds(Catalog.of(settings), [outcome.run_id])
    finally:
        shutil.rmtree(work, ignore_errors=True)


def print_task_seconds(catalog, run_ids: list[str]) -> None:  # type: ignore[no-untyped-def]
    for run_id in run_ids:
        print(f"run {run_id[:8]}")
        for task in catalog.tasks(run_id):
            seconds = (task.finished_at - task.started_at).total_seconds()
            print(f"  {task.name:<16} {seconds:7.3f} s")


def profile_demo(days: int, profiled: int, html: Path | None) -> None:
    from pyinstrument import Profiler
    from rich.console import Console

    from riskcap.cli.demo import prepare_demo
    from riskcap.pipeline.runner import backfill
    from riskcap.store.catalog import Catalog

    work = Path(tempfile.mkdtemp(prefix="riskcap-profile-demo-"))
    try:
        (work / "riskcap.toml").write_text(f"[demo]\ndays = {days}\n")
        setup = prepare_demo(work, Console(quiet=True))
        dates = setup.trade_dates
        backfill(setup.settings, dates[:-profiled])
        profiler = Profiler(interval=0.001)
        profiler.start()
        outcomes = backfill(setup.settings, dates[-profiled:])
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=False))
        if html:
            html.write_text(profiler.output_html())
        print_task_seconds(Catalog.of(setup.settings), [o.run_id for o in outcomes])
        for o in outcomes:
            print(f"{o.as_of} {o.seconds:.3f} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
