"""``riskcap demo``: the end of day on the bundled real data, from files to a summary.

Steps (each idempotent, so running the demo twice gives the same lake state):

1. write ``<dir>/riskcap.toml`` (lake and catalog inside ``<dir>``) unless present;
2. write the market input files (real prices, synthetic curve and vols) and the
   demo book (books, instruments, opening positions, daily trades);
3. ingest them through the validating ingest path;
4. ingest the trades of the last ``demo.days`` business days and mark every
   checklist source ready for each of them;
5. ``riskcap eod backfill`` over those days: per day the full EOD pipeline
   (snapshot, quality gate, scenarios, revaluation, VaR / ES, lineage); days
   already computed return at once, so a second demo recomputes nothing;
6. print positions and market value per desk on the last day, its quality
   results, VaR / ES per desk from the last run, and where everything lives.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.table import Table

from riskcap.cli.options import Units
from riskcap.cli.render import Money, print_quality
from riskcap.cli.report import figures, results_table, run_backfill
from riskcap.config import Settings, default_config_text, demo_settings, load_settings
from riskcap.data.contract import IngestKind
from riskcap.data.ingest import ingest_file
from riskcap.data.lake import Lake
from riskcap.data.samples import MarketBundle, market_bundle
from riskcap.inputs.demo_basel3 import generate_basel3_inputs
from riskcap.inputs.demo_book import (
    FIRM,
    ModelMarker,
    generate_demo_book,
    market_values,
    write_market_files,
)
from riskcap.store.catalog import Catalog


@dataclass(frozen=True)
class DemoSetup:
    """A demo folder with every input ingested and marked ready, before any EOD run."""

    config_path: Path
    settings: Settings
    bundle: MarketBundle
    trade_dates: list[dt.date]


def prepare_demo(directory: Path, console: Console) -> DemoSetup:
    """Steps 1–4: config, input files, ingest, ready events (idempotent)."""
    directory.mkdir(parents=True, exist_ok=True)
    config_path = directory / "riskcap.toml"
    if not config_path.exists():
        config_path.write_text(default_config_text(demo_settings()), encoding="utf-8")
    settings = load_settings(config_path)
    lake = Lake.of(settings)
    lake.create_all()
    catalog = Catalog.of(settings)
    limit = settings.ingest.max_bad_fraction
    seed, days = settings.demo.seed, settings.demo.days

    console.print(f"[bold]riskcap demo[/] in {directory.resolve()} (seed {seed}, {days} days)")
    bundle = market_bundle(seed)
    market = write_market_files(bundle, directory / "input" / "market")
    book = generate_demo_book(bundle, seed, days, directory / "input" / "book")
    # factors first (instruments name their underlyings and FX rates), instruments before
    # the curves (a spread curve must name an issuer the instruments table has)
    static = [
        (IngestKind.FACTORS, market["factors"]),
        (IngestKind.BOOKS, book.books),
        (IngestKind.INSTRUMENTS, book.instruments),
        (IngestKind.MARKET_DATA, market["market-data"]),
        (IngestKind.CURVES, market["curves"]),
        (IngestKind.VOLS, market["vols"]),
        (IngestKind.OBSERVATIONS, market["observations"]),
        (IngestKind.POSITIONS, book.opening_positions),
    ]
    reporting = settings.eod.reporting_currency
    for kind, path in static:
        r = ingest_file(lake, kind, path, max_bad_fraction=limit, reporting=reporting)
        state = "already ingested" if r.already_ingested else f"{r.rows_written} rows"
        console.print(f"  ingest {kind.value:<12} {path.name:<28} {state} → {r.table}")

    if settings.basel3.enabled:  # the synthetic banking book, losses and capital
        basel3 = generate_basel3_inputs(
            pd.read_csv(book.instruments),
            FIRM,
            book.opening_date,
            seed,
            directory / "input" / "basel3",
        )
        for name, path in basel3.in_order():
            kind = IngestKind(name)
            r = ingest_file(lake, kind, path, max_bad_fraction=limit, reporting=reporting)
            state = "already ingested" if r.already_ingested else f"{r.rows_written} rows"
            console.print(
                f"  ingest {kind.value:<12} {path.name:<28} {state} → {r.table} (synthetic)"
            )

    trades_written = 0
    for trades in book.trades:
        r = ingest_file(
            lake, IngestKind.TRADES, trades, max_bad_fraction=limit, reporting=reporting
        )
        trades_written += r.rows_written
    console.print(
        f"  ingest trades       {len(book.trades)} daily files"
        + (f", {trades_written} rows → trades" if trades_written else ", already ingested")
    )
    for day in book.trade_dates:
        for source in settings.eod.sources:
            catalog.mark_ready(source, day, recorded_by="demo")
    console.print(
        f"  ready               {', '.join(settings.eod.sources)} for "
        f"{book.trade_dates[0]} .. {book.trade_dates[-1]}"
    )
    catalog.dispose()
    return DemoSetup(config_path, settings, bundle, list(book.trade_dates))


def run_demo(directory: Path, console: Console) -> None:
    """Run the demo in ``directory`` and print the summary."""
    started = time.perf_counter()
    setup = prepare_demo(directory, console)
    settings, config_path, dates = setup.settings, setup.config_path, setup.trade_dates
    outcomes = run_backfill(settings, dates[0], dates[-1], force=False, console=console)
    lake = Lake.of(settings)
    catalog = Catalog.of(settings)

    last = dates[-1]
    positions = lake.read("positions", filters=[("as_of", "=", last)]).to_pandas()
    instruments = lake.read("instruments").to_pandas()
    books = lake.read("books").to_pandas()
    valued = market_values(ModelMarker(setup.bundle), positions, instruments, last).merge(
        books, on="book_id"
    )
    last_run = outcomes[-1].run_id
    _print_desks(console, valued, last, settings.eod.reporting_currency)
    print_quality(catalog.quality_results(last, run_id=last_run), f"data-quality gate on {last}")
    console.print(
        results_table(
            figures(catalog, last_run),
            f"VaR / ES per desk on {last} (run {last_run[:8]})",
            ("firm", "entity", "desk"),
            settings.eod.reporting_currency,
        )
    )
    _print_capital(console, settings, catalog, last, last_run)
    if settings.frtb.enabled:
        from riskcap.cli.frtb import frtb_report, print_frtb

        report = frtb_report(settings, last, every_node=False)
        print_frtb(console, settings, report)
    from riskcap.cli.frtb_sa import print_acr, print_sa, stored_sa
    from riskcap.cli.options import Units

    sa = stored_sa(settings, last, every_node=False)
    currency = settings.eod.reporting_currency
    print_sa(console, currency, f"FRTB SA on {last} (MAR21–23)", sa["results"], Units.AUTO)
    print_acr(console, currency, sa["acr"], Units.AUTO)
    if settings.basel3.enabled:
        from riskcap.cli.basel3 import print_adequacy
        from riskcap.pipeline.tasks.basel3 import adequacy_report

        report = adequacy_report(catalog, last_run)
        print_adequacy(console, currency, last, report, Units.AUTO)
    futures = sorted(
        instruments.loc[instruments["instrument_type"] == "index_future", "instrument_id"]
    )
    hedge = f"--hedge {futures[0]}:-200:200 " if futures else ""
    console.print(
        f"\n[bold]where things are[/]\n"
        f"  config     {config_path.resolve()}\n"
        f"  lake       {settings.lake_path}  (riskcap lake tables -c {config_path})\n"
        f"  catalog    {settings.catalog_url}\n"
        f"  inputs     {(directory / 'input').resolve()}\n"
        f"  runs       {dates[0]} .. {last} ({len(outcomes)} business days; "
        f"riskcap runs list -c {config_path})\n"
        f"  results    lake tables results and pnl_vectors; catalog table results\n"
        f"  last run   riskcap runs show {last_run} -c {config_path}\n"
        f"  lineage    riskcap lineage {last_run[:8]} -c {config_path}\n"
        f"  risk       riskcap var --as-of {last} -c {config_path} [--method mc|parametric]\n"
        f"  backtest   riskcap backtest --node firm:RISKCAP --from {dates[0]} --to {last} "
        f"-c {config_path}\n"
        f"  capital    riskcap capital --as-of {last} -c {config_path} [--adequacy]\n"
        f"  stress     riskcap stress --as-of {last} -c {config_path}\n"
        f"  frtb       riskcap frtb --as-of {last} --approach both -c {config_path}\n"
        f"  crif       riskcap greeks --as-of {last} --crif book.csv -c {config_path}\n"
        f"  hedge      riskcap optimise --node desk:EQ-CASH --book EQC-TECH {hedge}"
        f"-c {config_path}\n"
        f"  dashboard  riskcap serve -c {config_path}  then open "
        f"http://{settings.service.host}:{settings.service.port}/ with the admin key in "
        f"{demo_key(directory, catalog)}\n"
        f"done in {time.perf_counter() - started:.1f} s"
    )
    catalog.dispose()


def demo_key(directory: Path, catalog: Catalog) -> Path:
    """The demo's admin API key, created once and kept in ``api-key.txt`` (mode 600)."""
    from riskcap.errors import AuthenticationError
    from riskcap.store.service import Role, create_key, verify_key

    path = directory / "api-key.txt"
    if path.exists():
        try:
            verify_key(catalog, path.read_text().strip())
            return path.resolve()
        except AuthenticationError:
            pass
    key = create_key(catalog, Role.ADMIN, ["*"], "demo dashboard key")
    path.write_text(key.token + "\n")
    path.chmod(0o600)
    return path.resolve()


def _print_capital(
    console: Console, settings: Settings, catalog: Catalog, day: dt.date, run_id: str
) -> None:
    from riskcap.cli.risk import capital_rows, print_capital
    from riskcap.store.catalog import CapitalResult, StressedPeriod

    rows = capital_rows(catalog.run_rows(CapitalResult, run_id))
    periods = catalog.run_rows(StressedPeriod, run_id)
    if rows:
        print_capital(console, settings, day, run_id, rows, periods[0] if periods else None)


def _print_desks(console: Console, valued: pd.DataFrame, day: object, currency: str) -> None:
    money = Money.for_figures(currency, valued["market_value"], Units.AUTO)
    table = Table(title=f"positions and market value per desk on {day} ({money.label})")
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
            money(mv[mv > 0].sum()),
            money(mv[mv < 0].sum()),
            money(mv.sum()),
        )
    total = valued["market_value"]
    table.add_row(
        "[bold]firm",
        "",
        str(valued["book_id"].nunique()),
        str(len(valued)),
        money(total[total > 0].sum()),
        money(total[total < 0].sum()),
        "[bold]" + money(total.sum()),
    )
    console.print(table)
