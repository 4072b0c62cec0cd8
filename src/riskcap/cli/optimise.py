"""``riskcap optimise``: hedge quantities that minimise a node's ES (or VaR) under a
published run's scenarios (:mod:`riskcap.api.optimise`)."""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Annotated

import typer
from rich import box
from rich.table import Table

from riskcap.cli.app import RISK
from riskcap.cli.options import (
    ConfigOpt,
    JsonOpt,
    Units,
    UnitsOpt,
    parse_date,
    use_compile_cache,
)
from riskcap.cli.render import Money, console
from riskcap.config import load_settings


def optimise(
    node: Annotated[str, typer.Option(help="The node whose risk to lower, e.g. desk:EQ-DERIV")],
    hedge: Annotated[
        list[str],
        typer.Option(
            help="Hedge instrument ID[:LOWER:UPPER[:COST]] (repeat): bounds on the quantity "
            "(empty = unbounded) and the cost of one unit for --budget (default: its value)"
        ),
    ],
    book: Annotated[
        str | None,
        typer.Option(help="Book under the node that takes the hedge (default: the node's book)"),
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Business date (default: the latest run)")
    ] = None,
    measure: Annotated[str, typer.Option(help="es or var")] = "es",
    solver: Annotated[
        str, typer.Option(help="lp (exact, HiGHS), gradient (smoothed ES, JAX) or both")
    ] = "lp",
    budget: Annotated[
        float | None, typer.Option(help="Σ cost × |quantity| of the hedges at most this")
    ] = None,
    min_mean: Annotated[
        float | None,
        typer.Option("--min-mean", help="Mean scenario P&L after the hedge at least this"),
    ] = None,
    confidence: Annotated[
        float | None,
        typer.Option(help="VaR/ES confidence (default: service.whatif_confidence)"),
    ] = None,
    as_json: JsonOpt = False,
    config: ConfigOpt = None,
    units: UnitsOpt = Units.AUTO,
) -> None:
    """Hedge quantities that minimise a node's ES (or VaR) on the run's own scenarios,
    with the what-if of the result."""
    from riskcap.api.optimise import optimise as solve
    from riskcap.api.optimise import parse_hedge
    from riskcap.api.whatif import WhatIfModel
    from riskcap.data.lake import Lake
    from riskcap.store.catalog import Catalog

    settings = load_settings(config)
    use_compile_cache(settings)
    catalog = Catalog(settings.catalog_url)
    run = catalog.run_of_record(parse_date(as_of) if as_of else None)
    model = WhatIfModel.load(Lake.of(settings), catalog, run, settings.service.whatif_scenario_set)
    level = settings.service.whatif_confidence if confidence is None else confidence
    if not 0.0 < level < 1.0:
        raise typer.BadParameter("--confidence must be in (0, 1)")
    result = solve(
        model,
        node,
        [parse_hedge(h) for h in hedge],
        level,
        book=book,
        measure=measure,
        solver=solver,
        budget=budget,
        min_mean=min_mean,
    )
    if as_json:
        doc = dataclasses.asdict(result)
        for line in doc["hedges"]:  # JSON has no infinity: an open bound is null
            for side in ("lower", "upper"):
                line[side] = None if math.isinf(line[side]) else line[side]
        typer.echo(json.dumps(doc, default=str))
        return
    ccy = settings.eod.reporting_currency
    money = Money.for_figures(ccy, [result.es_before, result.var_before], units)
    console.print(
        f"{result.node} on {run.as_of} (run {run.run_id[:8]}, {result.scenario_set}, "
        f"{result.scenarios:,} scenarios, {result.confidence:.1%}); hedges into book "
        f"{result.book}; minimising {result.measure.upper()} with {result.solver}"
    )
    table = Table(title=f"hedge (ES changes in {ccy} per unit)", box=box.SIMPLE_HEAD)
    columns = ["instrument", "quantity", "lower", "upper"]
    columns += ["cost/unit"] if budget is not None else []
    columns += ["ΔES/unit unhedged", "ΔES/unit bought", "ΔES/unit sold"]
    for col in columns:
        table.add_column(col, justify="left" if col == "instrument" else "right", no_wrap=True)
    for line in result.hedges:
        table.add_row(
            line.instrument_id,
            f"{line.quantity:,.4f}",
            _bound(line.lower),
            _bound(line.upper),
            *([f"{line.cost:,.2f}"] if budget is not None else []),
            f"{line.marginal_es:,.2f}",
            f"{line.es_per_unit_bought:,.2f}",
            f"{line.es_per_unit_sold:,.2f}",
        )
    console.print(table)
    risk = Table(title=f"{result.node} ({money.label})", box=box.SIMPLE_HEAD)
    for col in ("", "VaR", "ES"):
        risk.add_column(col, justify="right")
    risk.add_row("before", money(result.var_before), money(result.es_before))
    risk.add_row("after", money(result.var_after), money(result.es_after))
    for impact in result.whatif.nodes:
        if impact.node == result.node:
            risk.add_row("what-if after", money(impact.var_after), money(impact.es_after))
    console.print(risk)
    for s in result.solvers:
        console.print(
            f"{s.solver}: ES {s.es:,.2f}, VaR {s.var:,.2f}, {s.iterations} iterations, "
            f"{s.seconds:.3f} s (+{s.compile_seconds:.3f} s compile), "
            f"constraint violation {s.violation:.2e}"
        )


def _bound(v: float) -> str:
    return "" if math.isinf(v) else f"{v:,.4f}"


def register(app: typer.Typer) -> None:
    app.command("optimise", rich_help_panel=RISK)(optimise)
