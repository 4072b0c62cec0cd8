"""Data commands: ``init``, ``ingest``, ``schema``, ``ready``, ``snapshot``,
``quality``, ``demo-book``, ``generate``, ``version`` and the ``lake`` group.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich import box
from rich.table import Table

from riskcap import __version__
from riskcap.cli.app import DATA
from riskcap.cli.options import AsOfOpt, ConfigOpt, parse_date
from riskcap.cli.render import cell, console, err_console, print_quality
from riskcap.config import Settings, default_config_text, load_settings
from riskcap.data.kinds import DateFormat, IngestKind
from riskcap.errors import RiskcapError

if TYPE_CHECKING:  # heavy modules load in the commands that use them (fast --help)
    from riskcap.data.ingest import IngestResult
    from riskcap.data.lake import Lake

lake_app = typer.Typer(help="Inspect lake tables: history and time travel.", no_args_is_help=True)


def _timestamp(value: str) -> dt.datetime:
    try:
        ts = dt.datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not an ISO timestamp") from None
    return ts if ts.tzinfo else ts.replace(tzinfo=dt.UTC)


def _settings(config: Path | None) -> Settings:
    return load_settings(config)


def _lake(settings: Settings) -> Lake:
    from riskcap.data.lake import Lake

    return Lake.of(settings)


def _catalog(settings: Settings) -> Any:
    from riskcap.store.catalog import Catalog

    return Catalog.of(settings)


def version() -> None:
    """Print the riskcap version."""
    console.print(__version__)


def init(
    path: Annotated[Path, typer.Argument(help="File to write")] = Path("riskcap.toml"),
    force: Annotated[bool, typer.Option(help="Overwrite an existing file")] = False,
) -> None:
    """Write a commented default riskcap.toml."""
    if path.exists() and not force:
        raise RiskcapError(f"{path} exists; use --force to overwrite it")
    path.write_text(default_config_text(), encoding="utf-8")
    console.print(f"wrote {path}")


def _print_ingest(result: IngestResult) -> None:
    if result.already_ingested:
        console.print(
            f"{result.file}: already ingested into {result.table} (sha256 "
            f"{result.sha256[:12]}…); nothing to do"
        )
        return
    console.print(
        f"{result.file}: {result.rows_written} of {result.rows_read} rows into "
        f"{result.table} v{result.table_version}"
        + (
            f", {result.rows_quarantined} quarantined "
            f"({', '.join(f'{k}×{n}' for k, n in sorted(result.rule_counts.items()))})"
            if result.rows_quarantined
            else ""
        )
    )
    if result.derived_rows:
        console.print(
            f"  and {result.derived_rows} factor levels into market_data "
            f"v{result.derived_version} (derived from the {result.kind.value})"
        )
    if result.underived:
        err_console.print(
            f"note: no factor defined for {', '.join(result.underived[:5])}"
            + (f" and {len(result.underived) - 5} more" if len(result.underived) > 5 else "")
            + ": add them to the factors file to shock them"
        )


def ingest(
    kind: Annotated[IngestKind, typer.Argument(help="What the file holds")],
    file: Annotated[Path | None, typer.Argument(help="CSV, CSV.gz or Parquet file")] = None,
    describe: Annotated[
        bool, typer.Option("--describe", help="Print the columns this kind of file takes")
    ] = False,
    date_format: Annotated[
        DateFormat,
        typer.Option(
            "--date-format",
            help="How the file writes dates: iso 2022-01-31, us 1/31/2022, eu 31/1/2022, "
            "eu-dot 31.01.2022, compact 20220131",
        ),
    ] = DateFormat.ISO,
    config: ConfigOpt = None,
) -> None:
    """Validate a file and land its good rows in the lake (bad rows to quarantine)."""
    if describe:
        _print_contract(kind)
        return
    if file is None:
        raise typer.BadParameter("give the FILE to ingest (or --describe)")
    from riskcap.data.ingest import ingest_file

    settings = _settings(config)
    result = ingest_file(
        _lake(settings),
        kind,
        file,
        max_bad_fraction=settings.ingest.max_bad_fraction,
        date_format=date_format,
        reporting=settings.eod.reporting_currency,
    )
    _print_ingest(result)


def _print_contract(kind: IngestKind) -> None:
    from riskcap.data.contract import KIND_PURPOSE, KIND_TABLE, rows

    table = Table(
        title=f"{kind.value} file → table {KIND_TABLE[kind].name}: {KIND_PURPOSE[kind]}",
        box=box.SIMPLE_HEAD,
        title_justify="left",
    )
    for col in ("column", "type", "required", "meaning", "example"):
        table.add_column(col, overflow="fold", no_wrap=col in ("column", "required"))
    for r in rows(kind):
        table.add_row(*r.values())
    console.print(table)


def schema(
    kind: Annotated[
        IngestKind | None, typer.Argument(help="A kind of input file (default: every kind)")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="A JSON Schema of one row (per kind)")
    ] = False,
    markdown: Annotated[
        bool, typer.Option("--markdown", help="The whole reference as Markdown")
    ] = False,
) -> None:
    """The input contract: the columns each kind of file takes (type, required,
    meaning, example); dates are ISO unless `ingest --date-format` says otherwise."""
    from riskcap.data.contract import json_schema
    from riskcap.data.contract import markdown as contract_markdown

    kinds = [kind] if kind is not None else list(IngestKind)
    if markdown:
        typer.echo(contract_markdown())
    elif as_json:
        doc = {k.value: json_schema(k) for k in kinds}
        typer.echo(json.dumps(doc[kinds[0].value] if kind is not None else doc, indent=2))
    else:
        for k in kinds:
            _print_contract(k)


def ready(
    sources: Annotated[
        list[str], typer.Argument(help="Upstream source name(s), e.g. positions trades")
    ],
    as_of: Annotated[str | None, typer.Option("--as-of", help="Business date, YYYY-MM-DD")] = None,
    start: Annotated[
        str | None, typer.Option("--from", help="First date of a range (with --to)")
    ] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last date of a range")] = None,
    config: ConfigOpt = None,
) -> None:
    """Record that upstream sources delivered everything for a date, or for every
    weekday of ``--from .. --to`` (one call for a backfill)."""
    settings = _settings(config)
    if (as_of is None) == (start is None or end is None) or (start is None) != (end is None):
        raise typer.BadParameter("give --as-of DATE, or --from DATE --to DATE")
    if as_of is not None:
        days = [parse_date(as_of)]
    else:
        first, last = parse_date(str(start)), parse_date(str(end))
        if last < first:
            raise typer.BadParameter(f"--to {last} is before --from {first}")
        days = [
            first + dt.timedelta(days=i)
            for i in range((last - first).days + 1)
            if (first + dt.timedelta(days=i)).weekday() < 5
        ]
    unknown = [s for s in sources if s not in settings.eod.sources]
    if unknown:
        err_console.print(
            f"note: {', '.join(unknown)} not among the configured sources "
            f"({', '.join(settings.eod.sources)}); recorded anyway"
        )
    catalog = _catalog(settings)
    marks = [catalog.mark_ready(src, day) for day in days for src in sources]
    catalog.dispose()
    if len(marks) == 1:
        mark = marks[0]
        state = "ready" if mark.newly_recorded else "already ready"
        console.print(
            f"{mark.source} {state} for {mark.as_of} "
            f"(recorded {mark.recorded_at:%Y-%m-%d %H:%M:%S}Z)"
        )
        return
    new = sum(m.newly_recorded for m in marks)
    console.print(
        f"{', '.join(sources)} ready for {len(days)} day(s) {days[0]} .. {days[-1]}: "
        f"{new} new, {len(marks) - new} already recorded"
    )


def snapshot(as_of: AsOfOpt, config: ConfigOpt = None) -> None:
    """Build the EOD positions snapshot of a date (needs every source ready)."""
    from riskcap.data.snapshot import build_snapshot

    settings = _settings(config)
    result = build_snapshot(
        _lake(settings),
        _catalog(settings),
        parse_date(as_of),
        sources=settings.eod.sources,
        zero_tolerance=settings.eod.zero_quantity_tolerance,
    )
    console.print(
        f"snapshot {result.as_of}: {result.rows} positions (from {result.previous_as_of} "
        f"+ {result.trades_applied} trades, {result.closed} closed) → positions "
        f"v{result.positions_version}; inputs "
        + ", ".join(f"{t} v{v}" for t, v in result.input_versions.items())
    )


def quality(as_of: AsOfOpt, config: ConfigOpt = None) -> None:
    """Run the data-quality gate on a snapshot; exit 7 if a blocking check fails."""
    from riskcap.data.quality import run_quality_gate
    from riskcap.errors import DataQualityError

    settings = _settings(config)
    catalog = _catalog(settings)
    try:
        results = run_quality_gate(
            _lake(settings),
            catalog,
            parse_date(as_of),
            settings.quality,
            reporting=settings.eod.reporting_currency,
        )
    except DataQualityError as exc:
        print_quality(exc.results)
        raise
    print_quality(results)


def demo_book(
    directory: Annotated[Path, typer.Option("--dir", help="Output folder")] = Path("demo/input"),
    seed: Annotated[int | None, typer.Option(help="Seed (default: demo.seed)")] = None,
    days: Annotated[int | None, typer.Option(help="Business days of trades")] = None,
    config: ConfigOpt = None,
) -> None:
    """Write the deterministic demo book and the bundled market data as input files."""
    from riskcap.data.samples import market_bundle
    from riskcap.inputs.demo_book import generate_demo_book, write_market_files

    settings = _settings(config)
    seed = settings.demo.seed if seed is None else seed
    days = settings.demo.days if days is None else days
    bundle = market_bundle(seed)
    market = write_market_files(bundle, directory / "market")
    book = generate_demo_book(bundle, seed, days, directory / "book")
    console.print(
        f"wrote market files ({', '.join(str(p) for p in market.values())}) and the demo "
        f"book ({book.books}, {book.instruments}, {book.opening_positions}, "
        f"{len(book.trades)} trade files {book.trade_dates[0]}..{book.trade_dates[-1]})"
    )


def generate(
    positions: Annotated[int, typer.Option("--positions", help="Positions in the book")],
    factors: Annotated[int, typer.Option("--factors", help="Risk factors (at least 33)")],
    seed: Annotated[int, typer.Option("--seed", help="Seed: same seed, same lake")] = 1,
    directory: Annotated[
        Path, typer.Option("--dir", help="New folder for the generated lake")
    ] = Path("generated"),
    history: Annotated[int, typer.Option(help="Business days of factor history")] = 520,
    option_share: Annotated[float, typer.Option(help="Share of positions in options")] = 0.1,
    memory_gb: Annotated[
        float | None, typer.Option(help="engine.memory_gb of its config (default: the default)")
    ] = None,
) -> None:
    """Generate a synthetic book and factor history of any size into a separate lake."""
    import time

    from riskcap.pipeline.generated import prepare_generated

    started = time.perf_counter()
    made = prepare_generated(
        directory,
        positions,
        factors,
        seed,
        history=history,
        memory_gb=memory_gb,
        option_share=option_share,
    )
    rows = ", ".join(f"{k} {v:,}" for k, v in made.rows.items())
    console.print(
        f"generated {made.positions:,} positions in {made.books} books on {made.factors:,} "
        f"factors (seed {seed}; SYNTHETIC data) in {time.perf_counter() - started:.1f} s\n"
        f"  ingested   {rows}\n"
        f"  config     {made.config_path.resolve()}\n"
        f"  run it     riskcap eod run --as-of {made.as_of} -c {made.config_path} "
        "[--engine spark --spark-master local[2]]"
    )


def lake_tables(config: ConfigOpt = None) -> None:
    """List the lake tables with their latest version."""
    lake = _lake(_settings(config))
    table = Table(title=f"lake {lake.root}")
    table.add_column("table")
    table.add_column("version", justify="right")
    table.add_column("partitioned by")
    from riskcap.data.schemas import TABLES

    for name, spec in TABLES.items():
        v = lake.version(name)
        table.add_row(name, "—" if v < 0 else str(v), ", ".join(spec.partition_by))
    console.print(table)


def lake_history(
    table_name: Annotated[str, typer.Argument(metavar="TABLE")],
    config: ConfigOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines")] = False,
) -> None:
    """Show the commits of a table, newest first."""
    lake = _lake(_settings(config))
    commits = lake.history(table_name)
    if as_json:
        for c in commits:
            typer.echo(
                json.dumps(
                    {
                        "version": c.version,
                        "timestamp": c.timestamp.isoformat(),
                        "operation": c.operation,
                        "rows_added": c.rows_added,
                        "metadata": c.metadata,
                    }
                )
            )
        return
    table = Table(title=f"{table_name} history")
    for col in ("version", "timestamp (UTC)", "operation", "rows added", "riskcap metadata"):
        table.add_column(col)
    for c in commits:
        meta = ", ".join(f"{k}={v}" for k, v in sorted(c.metadata.items()))
        table.add_row(
            str(c.version),
            f"{c.timestamp:%Y-%m-%d %H:%M:%S.%f}"[:-3],
            c.operation,
            "" if c.rows_added is None else str(c.rows_added),
            meta,
        )
    console.print(table)


def lake_show(
    table_name: Annotated[str, typer.Argument(metavar="TABLE")],
    version: Annotated[int | None, typer.Option("--version", help="Table version")] = None,
    at: Annotated[str | None, typer.Option("--at", help="ISO timestamp (UTC if naive)")] = None,
    limit: Annotated[int, typer.Option(help="Rows to print")] = 20,
    columns: Annotated[
        str | None, typer.Option("--columns", help="Comma-separated columns to show")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines: one object per row")] = False,
    config: ConfigOpt = None,
) -> None:
    """Print a table's rows, optionally as of a version or a timestamp. Rows too wide
    for the terminal print one field per line."""
    lake = _lake(_settings(config))
    ts = _timestamp(at) if at else None
    if version is not None and ts is not None:
        raise typer.BadParameter("give --version or --at, not both")
    wanted = [c.strip() for c in columns.split(",") if c.strip()] if columns else None
    data = lake.read(table_name, version=version, at=ts)
    if wanted:
        unknown = [c for c in wanted if c not in data.column_names]
        if unknown:
            raise typer.BadParameter(
                f"no column {', '.join(unknown)} in {table_name}; columns: "
                f"{', '.join(data.column_names)}"
            )
        data = data.select(wanted)
    dtab = lake.table(table_name, version=version, at=ts)
    rows = data.slice(0, limit).to_pylist()
    if as_json:
        for row in rows:
            typer.echo(json.dumps(row, default=str, ensure_ascii=False))
        return
    title = f"{table_name} v{dtab.version()}: {data.num_rows} rows" + (
        f" (first {limit})" if data.num_rows > limit else ""
    )
    shown = [[cell(v) for v in row.values()] for row in rows]
    widths = [max([len(c), *(len(r[i]) for r in shown)]) for i, c in enumerate(data.column_names)]
    if sum(widths) + 3 * len(widths) > console.width:  # too wide: one field per line
        console.print(title, markup=False)
        name_width = max(len(c) for c in data.column_names)
        for n, row in enumerate(shown, 1):
            console.print(f"-- row {n}", style="bold")
            for c, v in zip(data.column_names, row, strict=True):
                console.print(f"  {c:<{name_width}}  {v}", markup=False, highlight=False)
        return
    table = Table(title=title, box=box.SIMPLE_HEAD)
    for col in data.column_names:
        table.add_column(str(col), no_wrap=True)
    for row in shown:
        table.add_row(*row)
    console.print(table)


def lake_optimize(
    tables: Annotated[
        list[str] | None, typer.Argument(metavar="[TABLE]...", help="Tables (default: all)")
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """Compact small files and checkpoint the Delta log (every table's history and every
    earlier version stay readable: nothing is vacuumed). Writes do it on their own
    every few versions; this runs it now."""
    from riskcap.data.schemas import TABLES

    lake = _lake(_settings(config))
    for name in tables or list(TABLES):
        if not lake.exists(name):
            continue
        done = lake.maintain(name)
        compacted = (
            f", {done['files_removed']} files compacted into {done['files_added']}"
            if done.get("files_removed")
            else ""
        )
        state = f"error: {done['error']}" if "error" in done else f"v{done['version']}"
        console.print(f"{name}: {state}{compacted}")


def register(app: typer.Typer) -> None:
    command: Callable[..., None]
    for name, command in (
        ("init", init),
        ("ingest", ingest),
        ("schema", schema),
        ("ready", ready),
        ("snapshot", snapshot),
        ("quality", quality),
        ("demo-book", demo_book),
        ("generate", generate),
        ("version", version),
    ):
        app.command(name, rich_help_panel=DATA)(command)
    for name, command in (
        ("tables", lake_tables),
        ("history", lake_history),
        ("show", lake_show),
        ("optimize", lake_optimize),
    ):
        lake_app.command(name)(command)
    app.add_typer(lake_app, name="lake", rich_help_panel=DATA)
