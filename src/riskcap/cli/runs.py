"""CLI commands of the EOD pipeline: ``eod run|backfill``, ``runs list|show``,
``lineage``, ``reproduce`` and ``demo`` (Pipeline panel)."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich import box
from rich.table import Table

from riskcap.cli.app import PIPELINE
from riskcap.cli.options import (
    AsOfOpt,
    ConfigOpt,
    EngineOpt,
    JsonOpt,
    RunIdArg,
    SparkMasterOpt,
    Units,
    UnitsOpt,
    parse_date,
    with_engine,
)
from riskcap.cli.render import cell, console
from riskcap.cli.report import figures, outcome_line, print_event, results_table, run_backfill
from riskcap.config import load_settings
from riskcap.errors import ReproductionMismatch

if TYPE_CHECKING:  # the pipeline and the catalog load in the commands that use them
    from riskcap.store.catalog import Catalog, Run

eod_app = typer.Typer(help="Run the end of day: one date, or a range.", no_args_is_help=True)
runs_app = typer.Typer(help="EOD runs recorded in the catalog.", no_args_is_help=True)


@eod_app.command("run")
def eod_run(
    as_of: AsOfOpt,
    config: ConfigOpt = None,
    force: Annotated[
        bool, typer.Option("--force", help="Recompute even if a run with the same key exists")
    ] = False,
    as_json: JsonOpt = False,
    engine: EngineOpt = None,
    spark_master: SparkMasterOpt = None,
    units: UnitsOpt = Units.AUTO,
) -> None:
    """Run the EOD DAG for one date (returns the existing run when nothing changed)."""
    from riskcap.pipeline.runner import run_eod
    from riskcap.store.catalog import Catalog

    settings = with_engine(load_settings(config), engine, spark_master)
    out = run_eod(
        settings, parse_date(as_of), force=force, observer=None if as_json else print_event
    )
    with Catalog.of(settings) as catalog:
        figs = figures(catalog, out.run_id)
    if as_json:
        console.print_json(
            json.dumps(
                {
                    "run_id": out.run_id,
                    "run_key": out.run_key,
                    "as_of": out.as_of.isoformat(),
                    "outcome": out.outcome.value,
                    "seconds": out.seconds,
                    "results": [f.__dict__ for f in figs],
                }
            )
        )
        return
    console.print(outcome_line(out))
    console.print(
        results_table(
            figs,
            f"VaR / ES on {out.as_of}",
            ("firm", "entity", "desk"),
            settings.eod.reporting_currency,
            units,
        )
    )


@eod_app.command("backfill")
def eod_backfill(
    start: Annotated[str, typer.Option("--from", help="First date, YYYY-MM-DD")],
    end: Annotated[str, typer.Option("--to", help="Last date, YYYY-MM-DD")],
    config: ConfigOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Recompute every day")] = False,
    engine: EngineOpt = None,
    spark_master: SparkMasterOpt = None,
    units: UnitsOpt = Units.AUTO,
) -> None:
    """Run the EOD for every business day in a range, in order (done days are skipped)."""
    from riskcap.store.catalog import Catalog

    settings = with_engine(load_settings(config), engine, spark_master)
    outcomes = run_backfill(settings, parse_date(start), parse_date(end), force)
    if outcomes:
        last = outcomes[-1]
        with Catalog.of(settings) as catalog:
            figs = figures(catalog, last.run_id)
        console.print(
            results_table(
                figs,
                f"VaR / ES on {last.as_of}",
                ("firm", "entity", "desk"),
                settings.eod.reporting_currency,
                units,
            )
        )


def _status(catalog: Catalog, run: Run) -> str:
    from riskcap.store.catalog import RunStatus
    from riskcap.store.locks import RunLock

    if run.status != RunStatus.RUNNING:
        return str(run.status)
    lock = RunLock(catalog.engine, run.as_of, wait=False)
    if lock.held_elsewhere():
        return "running"
    return "interrupted"


def _run_dict(catalog: Catalog, run: Run) -> dict[str, Any]:
    seconds = (
        (run.finished_at - run.created_at).total_seconds() if run.finished_at is not None else None
    )
    return {
        "run_id": run.run_id,
        "as_of": run.as_of.isoformat(),
        "status": _status(catalog, run),
        "run_key": run.run_key,
        "created_at": run.created_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "seconds": seconds,
        "code_version": run.code_version,
        "config_hash": run.config_hash,
        "seed": run.seed,
        "message": run.message,
    }


@runs_app.command("list")
def runs_list(
    config: ConfigOpt = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Only runs of this date")] = None,
    limit: Annotated[int, typer.Option(help="Most recent N runs")] = 30,
    as_json: JsonOpt = False,
) -> None:
    """List EOD runs, newest first."""
    from riskcap.store.catalog import Catalog

    settings = load_settings(config)
    with Catalog.of(settings) as catalog:
        rows = [
            _run_dict(catalog, r)
            for r in catalog.list_runs(parse_date(as_of) if as_of else None, limit)
        ]
    if as_json:
        console.print_json(json.dumps(rows))
        return
    table = Table(title=f"EOD runs ({len(rows)} shown, newest first)", box=box.SIMPLE_HEAD)
    for col in ("run id", "as_of", "status", "created (UTC)", "secs", "run key"):
        table.add_column(col, no_wrap=True)
    for r in rows:
        table.add_row(
            r["run_id"][:8],
            r["as_of"],
            r["status"],
            r["created_at"][:16].replace("T", " "),
            f"{r['seconds']:.1f}" if r["seconds"] is not None else "",
            r["run_key"][:12],
        )
    console.print(table)


@runs_app.command("show")
def runs_show(
    run_id: RunIdArg,
    config: ConfigOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """One run: status, tasks (attempts, checksums) and its results."""
    from riskcap.store.catalog import Catalog

    settings = load_settings(config)
    with Catalog.of(settings) as catalog:
        run = catalog.run(run_id)
        info = _run_dict(catalog, run)
        tasks = catalog.tasks(run.run_id)
        figs = figures(catalog, run.run_id)
    task_rows = [
        {
            "task": t.name,
            "status": t.status,
            "attempts": t.attempts,
            "seconds": (t.finished_at - t.started_at).total_seconds()
            if t.finished_at and t.started_at
            else None,
            "checksum": t.checksum,
            "error": t.error,
        }
        for t in tasks
    ]
    prep = next((t for t in tasks if t.name == "market_prep"), None)
    unpriced = dict((prep.detail or {}).get("unpriced", {})) if prep is not None else {}
    if as_json:
        doc = {**info, "tasks": task_rows, "unpriced": unpriced}
        console.print_json(json.dumps({**doc, "results": [f.__dict__ for f in figs]}))
        return
    console.print(
        f"run {info['run_id']}  as_of {info['as_of']}  status [bold]{info['status']}[/]\n"
        f"  run key {info['run_key']}\n  code {info['code_version']}  config "
        f"{info['config_hash'][:12]}  seed {info['seed']}\n  created {info['created_at']}"
        + (f"  finished {info['finished_at']}" if info["finished_at"] else "")
        + (f"\n  message: {info['message']}" if info["message"] else "")
    )
    if info["status"] == "interrupted":
        console.print(
            f"  interrupted: no process holds its lock; `riskcap eod run --as-of "
            f"{info['as_of']}` resumes it"
        )
    table = Table(title="tasks")
    for col in ("task", "status", "attempts", "seconds", "checksum", "error"):
        table.add_column(col)
    for t in task_rows:
        table.add_row(
            str(t["task"]),
            str(t["status"]),
            str(t["attempts"]),
            f"{t['seconds']:.2f}" if t["seconds"] is not None else "",
            str(t["checksum"] or "")[:16],
            str(t["error"] or ""),
        )
    console.print(table)
    if unpriced:
        console.print(
            f"[yellow]left out of the figures: {len(unpriced)} instrument(s) that cannot be "
            "priced[/]",
        )
        for iid, reason in unpriced.items():
            console.print(f"  {cell(iid)}: {cell(reason)}", markup=False)
    if figs:
        console.print(
            results_table(
                figs, "results", ("firm", "entity", "desk"), settings.eod.reporting_currency
            )
        )


def lineage(
    run_id: RunIdArg,
    config: ConfigOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A run's lineage manifest: inputs with versions, config, code, device, outputs."""
    from riskcap.store.catalog import Catalog

    settings = load_settings(config)
    with Catalog.of(settings) as catalog:
        manifest = catalog.lineage(run_id)
    if as_json:
        console.print_json(json.dumps(manifest))
        return
    code = manifest["code"]
    console.print(
        f"run {manifest['run_id']}  as_of {manifest['as_of']}  seed {manifest['seed']}\n"
        f"  run key     {manifest['run_key']}\n"
        f"  config hash {manifest['config_hash']}  (full config: --json)\n"
        f"  code        riskcap {code['package']}  git {code['git_commit'] or 'n/a'}  "
        f"python {code['python']}  jax {code['jax']}  numpy {code['numpy']}  "
        f"deltalake {code['deltalake']}\n"
        f"  device      {manifest['device']}"
    )
    inputs = Table(title="inputs (lake tables, pinned versions)")
    for col in ("table", "version", "sha256 of the slice read"):
        inputs.add_column(col, no_wrap=True)
    for name, info in manifest["inputs"].items():
        inputs.add_row(name, str(info["version"]), str(info["sha256"])[:32] + "…")
    console.print(inputs)
    outputs = Table(title="outputs")
    for col in ("output", "version", "rows", "sha256"):
        outputs.add_column(col, no_wrap=True)
    for name, info in manifest["outputs"].items():
        outputs.add_row(
            name,
            str(info.get("version", "")),
            str(info.get("rows", "")),
            str(info["sha256"])[:32] + "…",
        )
    console.print(outputs)


def reproduce(
    run_id: RunIdArg,
    config: ConfigOpt = None,
    scratch: Annotated[
        Path | None,
        typer.Option(help="Empty folder for the recomputation (kept); default: a temp dir"),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Recompute a run from its pinned input versions and compare every output."""
    from riskcap.pipeline.reproduce import reproduce_run

    settings = load_settings(config)
    folder = scratch or Path(tempfile.mkdtemp(prefix="riskcap-reproduce-"))
    try:
        rep = reproduce_run(settings, run_id, folder)
    finally:
        if scratch is None:
            shutil.rmtree(folder, ignore_errors=True)
    if as_json:
        console.print_json(json.dumps(rep.as_dict()))
    else:
        console.print(
            f"reproduced run {rep.run_id} (as_of {rep.as_of}) as {rep.reproduced_run_id} in "
            f"{rep.scratch}{'' if scratch else ' (removed)'}\n"
            f"  code: recorded {rep.recorded_code}, now {rep.current_code}; run key "
            + ("identical" if rep.recorded_key == rep.reproduced_key else "different")
        )
        table = Table(title="outputs")
        for col in ("output", "recorded sha256", "reproduced sha256", "verdict"):
            table.add_column(col)
        for o in rep.outputs:
            table.add_row(
                o.name,
                o.recorded[:16],
                o.reproduced[:16],
                "[green]identical" if o.identical else "[red]DIFFERENT",
            )
        console.print(table)
    if not rep.identical:
        different = ", ".join(o.name for o in rep.outputs if not o.identical)
        raise ReproductionMismatch(f"run {rep.run_id} did not reproduce: {different} differ")


def demo(
    directory: Annotated[Path, typer.Option("--dir", help="Demo folder")] = Path("demo"),
) -> None:
    """Run the demo end of day on the bundled real data (see README)."""
    from riskcap.cli.demo import run_demo

    run_demo(directory, console)


def register(app: typer.Typer) -> None:
    app.add_typer(eod_app, name="eod", rich_help_panel=PIPELINE)
    app.add_typer(runs_app, name="runs", rich_help_panel=PIPELINE)
    command: Callable[..., None]
    for name, command in (("lineage", lineage), ("reproduce", reproduce), ("demo", demo)):
        app.command(name, rich_help_panel=PIPELINE)(command)
