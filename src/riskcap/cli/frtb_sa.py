"""``riskcap frtb-sa``: the FRTB standardised approach of a day's book or of a CRIF file
(Regulatory panel); the SA half of ``riskcap frtb --approach sa|both``; the CRIF
export behind ``riskcap greeks --crif``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from riskcap.cli.app import REGULATORY
from riskcap.cli.options import ConfigOpt, JsonOpt, Units, UnitsOpt, parse_date, use_compile_cache
from riskcap.cli.render import Money, console, headline
from riskcap.config import Settings, load_settings
from riskcap.errors import NotFoundError, RiskcapError

if TYPE_CHECKING:
    from riskcap.capital.frtb_sa import SaCharge

SA_METHOD = "frtb_sa"


def charge_report(name: str, charge: SaCharge) -> dict[str, Any]:
    """One portfolio's SA as plain data: totals, scenarios, components, DRC buckets."""
    from riskcap.pipeline.tasks.frtb_sa import charge_measures

    return {
        "node": name,
        "scenario": charge.scenario.value,
        "measures": charge_measures(charge),
        "drc_buckets": charge.drc.buckets,
        "hedge_benefit": charge.drc.hedge_benefit,
    }


def book_crif(settings: Settings, day: dt.date, node: str | None) -> tuple[Any, Any, list[int]]:
    """The CRIF rows of ``day``'s book (positions under ``node``, default all), with the
    risk inputs and the hierarchy nodes kept."""
    import numpy as np

    from riskcap.data.lake import Lake
    from riskcap.engine.frtb_sa import node_positions, sa_rows
    from riskcap.inputs.risk_inputs import load_risk_inputs

    lake = Lake.of(settings)
    inputs = load_risk_inputs(lake, day, 1, reporting=settings.eod.reporting_currency)
    instruments = lake.read("instruments", version=inputs.versions["instruments"]).to_pandas()
    rows = sa_rows(inputs, instruments)
    masks = node_positions(inputs)
    if node is not None and node not in masks:
        raise NotFoundError(f"no node {node!r} on {day}; nodes: {', '.join(masks)}")
    keep = masks[node] if node is not None else np.ones(len(inputs.positions), bool)
    nodes = [i for i, n in enumerate(inputs.hierarchy.nodes) if (masks[n] <= keep).all()]
    return rows, inputs, nodes


def export_crif(settings: Settings, day: dt.date, node: str | None, out: Path) -> int:
    """Write ``day``'s book's FRTB SA sensitivities (per position) as CRIF to ``out``."""
    import numpy as np

    from riskcap.engine.crif import write_crif

    rows, inputs, _ = book_crif(settings, day, node)
    keep = np.ones(len(inputs.positions), bool)
    if node is not None:
        from riskcap.engine.frtb_sa import node_positions

        keep = node_positions(inputs)[node]
    picked = np.isin(rows.position, np.flatnonzero(keep))
    at = rows.position[picked]
    reporting = inputs.reporting
    usd = None if reporting == "USD" else _usd_rate(inputs)
    return write_crif(
        out,
        rows.rows.take(picked),
        day,
        reporting,
        portfolio=inputs.positions["book_id"].to_numpy()[at].tolist(),
        trade=inputs.positions["instrument_id"].to_numpy()[at].tolist(),
        usd_rate=usd,
    )


def _usd_rate(inputs: Any) -> float | None:
    try:
        return 1.0 / inputs.fx_rate("USD")
    except RiskcapError:
        return None


def stored_sa(settings: Settings, day: dt.date, every_node: bool) -> dict[str, Any]:
    """The ``frtb_sa`` figures of ``day``'s run of record, by node."""
    from riskcap.store.catalog import Catalog

    with Catalog.of(settings) as catalog:
        run_id = catalog.run_of_record(day).run_id
        by_node = catalog.figures(run_id, SA_METHOD)
    if not by_node:
        raise NotFoundError(
            f"the run of {day} ({run_id[:8]}) has no FRTB SA results (a run from before "
            "the SA was added: rerun it with --force)"
        )
    shown = headline(by_node, every_node)
    firm = next(n for n in by_node if n.startswith("firm:"))
    return {
        "as_of": day.isoformat(),
        "run_id": run_id,
        "regime": SA_METHOD,
        "results": [{"node": n, "measures": by_node[n]} for n in shown],
        "acr": {k.removeprefix("acr:"): v for k, v in by_node[firm].items() if "acr:" in k},
    }


def print_sa(
    out: Console, currency: str, title: str, results: list[dict[str, Any]], units: Units
) -> None:
    """The SA table: SBM under the three scenarios, the binding one, DRC, RRAO, total."""
    _m = Money.for_figures(currency, (r["measures"]["sa"] for r in results), units)
    table = Table(title=f"{title}, {_m.label}", box=box.SIMPLE_HEAD, pad_edge=False)
    cols = ("node", "SBM high", "SBM medium", "SBM low", "SBM", "DRC", "RRAO", "SA")
    for col in cols:
        table.add_column(col, justify="left" if col == "node" else "right", no_wrap=True)
    for r in results:
        m = r["measures"]
        table.add_row(
            r["node"],
            *(_m(m[f"sbm:{sc}"]) for sc in ("high", "medium", "low")),
            _m(m["sbm"]),
            _m(m["drc"]),
            _m(m["rrao"]),
            _m(m["sa"]),
        )
    out.print(table)
    first = results[0]["measures"]
    parts = sorted(
        (k, v) for k, v in first.items() if k.count(":") == 2 and not k.startswith("acr")
    )
    binding = max(("high", "medium", "low"), key=lambda sc: first[f"sbm:{sc}"])
    shown = [f"{k.rsplit(':', 1)[0]} {_m(v)}" for k, v in parts if k.endswith(":" + binding)]
    out.print(f"{results[0]['node']} under the {binding} scenario (MAR21.7): " + "; ".join(shown))


def print_acr(out: Console, currency: str, acr: dict[str, float], units: Units) -> None:
    _m = Money.for_figures(currency, [acr["total"]], units)
    out.print(
        f"market-risk capital (MAR33.43): {_m(acr['total'])} {_m.label} = "
        f"min(IMA_G,A {_m(acr['ima_ga'])} + surcharge {_m(acr['surcharge'])} + C_U "
        f"{_m(acr['c_u'])}, SA all desks {_m(acr['sa_all'])}) + max(0, IMA_G,A − SA_G,A "
        f"{_m(acr['sa_ga'])}); IMA_G,A = C_A {_m(acr['c_a'])} + DRC {_m(acr['drc_ga'])} "
        f"(the SA's, MAR22: the IMA default risk model is not built); "
        f"{int(acr.get('desks_on_ima', 0))} desk(s) on the IMA, "
        f"{int(acr.get('desks_amber', 0))} amber (k = {acr['k']:.3f})"
    )


def frtb_sa(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Business date of the book, YYYY-MM-DD")
    ] = None,
    crif: Annotated[
        Path | None,
        typer.Option("--crif", help="Compute from this CRIF file instead of the day's book"),
    ] = None,
    node: Annotated[str | None, typer.Option(help="Node and its subtree, e.g. desk:RATES")] = None,
    as_json: JsonOpt = False,
    config: ConfigOpt = None,
    units: UnitsOpt = Units.AUTO,
) -> None:
    """FRTB standardised approach (MAR21–23): SBM under the three correlation scenarios,
    DRC and RRAO, of the day's book per node, or of a CRIF file."""
    from riskcap.capital.frtb_sa import sa_charge

    settings = load_settings(config)
    currency = settings.eod.reporting_currency
    if crif is not None:
        from riskcap.engine.crif import read_crif

        rows, problems = read_crif(crif, currency, settings.ingest.max_bad_fraction)
        for p in problems:
            console.print(f"[yellow]{crif}: row {p.row}: {p.rule}: {p.message} (left out)[/]")
        results = [charge_report(crif.name, sa_charge(rows, currency))]
        title = f"FRTB SA of {crif} ({len(rows)} rows)"
    else:
        if as_of is None:
            raise typer.BadParameter("give --as-of (the book's date) or --crif FILE")
        use_compile_cache(settings)
        day = parse_date(as_of)
        position_rows, inputs, nodes = book_crif(settings, day, node)
        from riskcap.engine.frtb_sa import node_positions

        masks = node_positions(inputs)
        results = [
            charge_report(n, sa_charge(position_rows.of_positions(masks[n]), currency))
            for n in (inputs.hierarchy.nodes[i] for i in nodes)
        ]
        title = f"FRTB SA of the book on {day}"
    if as_json:
        typer.echo(json.dumps({"results": results}, default=str))
        return
    print_sa(console, currency, title, results, units)


def register(app: typer.Typer) -> None:
    app.command("frtb-sa", rich_help_panel=REGULATORY)(frtb_sa)
