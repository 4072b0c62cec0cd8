"""What the EOD commands print: a run's figures as a table, run outcomes and events,
and a backfill with a progress bar (``riskcap eod`` and ``riskcap demo``)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from riskcap.cli.options import Units
from riskcap.cli.render import Money, console, err_console
from riskcap.config import Settings

if TYPE_CHECKING:  # the pipeline and the catalog load in the commands that use them
    from riskcap.pipeline.report import Figure
    from riskcap.pipeline.runner import Event, RunOutcome
    from riskcap.store.catalog import Catalog


def figures(catalog: Catalog, run_id: str) -> list[Figure]:
    from riskcap.pipeline.report import Figure

    return [
        Figure(r.node, r.method, r.measure, r.horizon, r.confidence, r.value, r.scenarios)
        for r in catalog.results(run_id)
    ]


def results_table(
    figs: list[Figure],
    title: str,
    levels: tuple[str, ...],
    currency: str = "USD",
    units: Units = Units.AUTO,
) -> Table:
    """VaR / ES per node; ``title`` ends with the money unit, e.g. ``(USD millions)``."""
    from riskcap.pipeline.report import headline_labels, pivot

    labels = headline_labels(figs)
    rows = pivot(figs, levels)
    money = Money.for_figures(
        currency, (v for values in rows.values() for v in values.values()), units
    )
    table = Table(
        title=f"{title} ({money.label}, positive = loss)", box=box.SIMPLE_HEAD, pad_edge=False
    )
    table.add_column("node", no_wrap=True)
    for label in labels:
        method, horizon, measure, conf = label.split(" ")
        table.add_column(f"{method} {horizon}\n{measure}{conf}", justify="right", no_wrap=True)
    for node, values in rows.items():
        table.add_row(node, *(money(values[label]) for label in labels))
    return table


def outcome_line(out: RunOutcome) -> str:
    from riskcap.pipeline.runner import Outcome

    if out.outcome is Outcome.EXISTING:
        return (
            f"EOD {out.as_of}: already computed — run {out.run_id} has the same run key "
            f"({out.run_key[:12]}…): same inputs, config, code and seed; nothing recomputed "
            "(--force makes a new run)"
        )
    if out.outcome is Outcome.RESUMED:
        return (
            f"EOD {out.as_of}: resumed run {out.run_id} (tasks already done: "
            f"{', '.join(out.skipped) or 'none'}) in {out.seconds:.1f} s"
        )
    return f"EOD {out.as_of}: run {out.run_id} computed in {out.seconds:.1f} s"


def print_event(e: Event) -> None:
    from riskcap.pipeline.runner import EventKind

    if e.kind is EventKind.TASK_DONE:
        console.print(f"  [green]✓[/] {e.task:<13} {e.seconds:6.2f} s")
    elif e.kind is EventKind.TASK_SKIP:
        console.print(f"  [dim]· {e.task:<13} done earlier[/]")
    elif e.kind is EventKind.TASK_RETRY:
        console.print(f"  [yellow]↻[/] {e.task:<13} attempt {e.attempt} failed: {e.message}")
    elif e.kind is EventKind.TASK_FAIL:
        console.print(f"  [red]✗[/] {e.task:<13} {e.message}", markup=True, highlight=False)
    elif e.kind is EventKind.LOCK_WAIT:
        console.print(f"  waiting for the lock {e.message} (another EOD run holds it)")
    elif e.kind is EventKind.CHECKLIST_WAIT:
        console.print(f"  waiting for source(s) to be ready: {e.message}")
    elif e.kind is EventKind.RUN and e.message != "existing":
        console.print(f"EOD {e.as_of}: run {e.run_id} ({e.message})")


def run_backfill(
    settings: Settings,
    start: dt.date,
    end: dt.date,
    force: bool,
    console: Console = console,
) -> list[RunOutcome]:
    """The backfill with a rich progress bar (also used by ``riskcap demo``)."""
    from riskcap.data.lake import Lake
    from riskcap.pipeline.runner import EventKind, Outcome, backfill, business_days

    days, skipped = business_days(Lake.of(settings), start, end)
    if skipped:
        console.print(
            f"  no market data on {len(skipped)} weekday(s), skipped as holidays: "
            + ", ".join(str(d) for d in skipped)
        )
    with Progress(
        TextColumn("  backfill"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        bar = progress.add_task("", total=len(days))

        def on_event(e: Event) -> None:
            if e.kind in (EventKind.TASK_START, EventKind.RUN):
                progress.update(bar, description=f"{e.as_of} {e.task or e.message}")
            elif e.kind in (EventKind.TASK_RETRY, EventKind.LOCK_WAIT):
                progress.console.print(f"  {e.as_of} {e.task or ''}: {e.kind.value} {e.message}")

        def on_day(day: dt.date, out: RunOutcome) -> None:
            progress.advance(bar)

        try:
            outcomes = backfill(settings, days, force=force, observer=on_event, on_day=on_day)
        except Exception:
            done = int(progress.tasks[0].completed)
            err_console.print(
                f"backfill stopped at {days[done]} after {done} of {len(days)} day(s)"
                if done < len(days)
                else "backfill stopped"
            )
            raise
    counts = {o: sum(1 for r in outcomes if r.outcome is o) for o in Outcome}
    console.print(
        f"  backfill {start} .. {end}: {len(days)} business day(s) — "
        f"{counts[Outcome.COMPUTED]} computed, {counts[Outcome.RESUMED]} resumed, "
        f"{counts[Outcome.EXISTING]} already done; "
        f"{sum(r.seconds for r in outcomes):.1f} s"
    )
    return outcomes
