"""``riskcap demo``: the end of day on the bundled real data, from files to a summary.

Steps (each idempotent, so running the demo twice gives the same lake state):

1. write ``<dir>/riskcap.toml`` (lake and catalog inside ``<dir>``) unless present;
2. write the market input files (real prices, synthetic curve and vols) and the
   demo book (books, instruments, opening positions, daily trades);
3. ingest them through the validating ingest path;
4. for each of the last ``demo.days`` business days: ingest that day's trades,
   mark the sources ready, build the snapshot, run the data-quality gate;
5. print positions and market value per desk on the last day, the quality
   results, historical VaR / ES per desk (1 and 10 days), and where everything lives.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from riskcap.config import Settings, default_config_text, load_settings
from riskcap.data.demo_book import (
    ModelMarker,
    generate_demo_book,
    market_values,
    write_market_files,
)
from riskcap.data.ingest import IngestKind, ingest_file
from riskcap.data.lake import Lake
from riskcap.data.quality import CheckResult, run_quality_gate
from riskcap.data.risk_inputs import load_risk_inputs
from riskcap.data.samples import market_bundle
from riskcap.data.snapshot import build_snapshot
from riskcap.engine.var import VarSpec, compute_var
from riskcap.store.catalog import Catalog


def run_demo(directory: Path, console: Console) -> None:
    """Run the demo in ``directory`` and print the summary."""
    started = time.perf_counter()
    directory.mkdir(parents=True, exist_ok=True)
    config_path = directory / "riskcap.toml"
    if not config_path.exists():
        config_path.write_text(default_config_text(), encoding="utf-8")
    settings = load_settings(config_path)
    lake = Lake(settings.lake_path)
    lake.create_all()
    catalog = Catalog(settings.catalog_url)
    limit = settings.ingest.max_bad_fraction
    seed, days = settings.demo.seed, settings.demo.days

    console.print(f"[bold]riskcap demo[/] in {directory.resolve()} (seed {seed}, {days} days)")
    bundle = market_bundle(seed)
    market = write_market_files(bundle, directory / "input" / "market")
    book = generate_demo_book(bundle, seed, days, directory / "input" / "book")
    static = [
        (IngestKind.FACTORS, market["factors"]),
        (IngestKind.MARKET_DATA, market["market-data"]),
        (IngestKind.CURVES, market["curves"]),
        (IngestKind.VOLS, market["vols"]),
        (IngestKind.BOOKS, book.books),
        (IngestKind.INSTRUMENTS, book.instruments),
        (IngestKind.POSITIONS, book.opening_positions),
    ]
    for kind, path in static:
        r = ingest_file(lake, kind, path, max_bad_fraction=limit)
        state = "already ingested" if r.already_ingested else f"{r.rows_written} rows"
        console.print(f"  ingest {kind.value:<12} {path.name:<28} {state} → {r.table}")

    quality: list[CheckResult] = []
    with Progress(
        TextColumn("  end of day"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("", total=len(book.trade_dates))
        for day, trades in zip(book.trade_dates, book.trades, strict=True):
            progress.update(task, description=str(day))
            ingest_file(lake, IngestKind.TRADES, trades, max_bad_fraction=limit)
            for source in settings.eod.sources:
                catalog.mark_ready(source, day, recorded_by="demo")
            snap = build_snapshot(
                lake,
                catalog,
                day,
                sources=settings.eod.sources,
                zero_tolerance=settings.eod.zero_quantity_tolerance,
            )
            quality = run_quality_gate(
                lake, catalog, day, settings.quality, snapshot_id=snap.snapshot_id
            )
            progress.advance(task)

    last = book.trade_dates[-1]
    positions = lake.read("positions", filters=[("as_of", "=", last)]).to_pandas()
    instruments = lake.read("instruments").to_pandas()
    books = lake.read("books").to_pandas()
    valued = market_values(ModelMarker(bundle), positions, instruments, last).merge(
        books, on="book_id"
    )
    _print_desks(console, valued, last)
    _print_quality(console, quality, last)
    _print_var(console, lake, settings, last)
    console.print(
        f"\n[bold]where things are[/]\n"
        f"  config     {config_path.resolve()}\n"
        f"  lake       {settings.lake_path}  (riskcap lake tables -c {config_path})\n"
        f"  catalog    {settings.catalog_url}\n"
        f"  inputs     {(directory / 'input').resolve()}\n"
        f"  snapshots  {book.trade_dates[0]} .. {last} ({len(book.trade_dates)} business days)\n"
        f"  risk       riskcap var --as-of {last} -c {config_path} [--method mc|parametric]\n"
        f"  dashboard  not built yet (the risk service issue)\n"
        f"done in {time.perf_counter() - started:.1f} s"
    )


def _print_desks(console: Console, valued: pd.DataFrame, day: object) -> None:
    table = Table(title=f"positions and market value per desk on {day} (USD millions)")
    for col in ("entity", "desk", "books", "positions", "long", "short", "net"):
        table.add_column(col, justify="left" if col in ("entity", "desk") else "right")
    grouped = valued.groupby(["legal_entity", "desk"], sort=True)
    for (entity, desk), g in grouped:
        mv = g["market_value"]
        table.add_row(
            str(entity),
            str(desk),
            str(g["book_id"].nunique()),
            str(len(g)),
            _millions(mv[mv > 0].sum()),
            _millions(mv[mv < 0].sum()),
            _millions(mv.sum()),
        )
    total = valued["market_value"]
    table.add_row(
        "[bold]firm",
        "",
        str(valued["book_id"].nunique()),
        str(len(valued)),
        _millions(total[total > 0].sum()),
        _millions(total[total < 0].sum()),
        "[bold]" + _millions(total.sum()),
    )
    console.print(table)


def _print_var(console: Console, lake: Lake, settings: Settings, day: dt.date) -> None:
    """Historical-simulation VaR and ES per desk on the last day (1 and 10 days)."""
    inputs = load_risk_inputs(lake, day, settings.risk.lookback + 1)
    figures = {}
    for horizon in (1, 10):
        spec = VarSpec.from_config(settings.risk, settings.engine, horizon=horizon)
        figures[horizon] = compute_var(inputs, spec).rows
    table = Table(
        title=f"historical VaR / ES on {day}: {settings.risk.lookback} days, "
        f"{settings.risk.confidence:.0%} (USD millions, positive = loss)"
    )
    for col in ("node", "VaR 1d", "ES 1d", "VaR 10d", "ES 10d"):
        table.add_column(col, justify="left" if col == "node" else "right")
    for one, ten in zip(figures[1], figures[10], strict=True):
        if one.node.startswith("book:"):
            continue
        table.add_row(
            one.node, _millions(one.var), _millions(one.es), _millions(ten.var), _millions(ten.es)
        )
    console.print(table)


def _millions(value: float) -> str:
    return f"{value / 1e6:,.2f}"


def _print_quality(console: Console, results: list[CheckResult], day: object) -> None:
    table = Table(title=f"data-quality gate on {day}")
    for col in ("check", "severity", "result", "count", "message"):
        table.add_column(col)
    for r in results:
        verdict = "[green]pass" if r.passed else ("[red]FAIL" if r.blocks else "[yellow]warn")
        table.add_row(r.name, r.severity.value, verdict, str(r.failing_count), r.message)
    console.print(table)
