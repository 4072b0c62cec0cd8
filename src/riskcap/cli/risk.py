"""Risk and regulatory commands: ``var``, ``greeks``, ``stress`` (Risk panel) and
``backtest``, ``capital`` (Regulatory; ``frtb`` is :mod:`riskcap.cli.frtb`)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from riskcap.choices import ParametricMethod, VarMethod
from riskcap.cli.app import REGULATORY, RISK
from riskcap.cli.options import (
    AllNodesOpt,
    AsOfOpt,
    ConfigOpt,
    JsonOpt,
    Units,
    UnitsOpt,
    parse_date,
    use_compile_cache,
)
from riskcap.cli.render import Money, console, headline
from riskcap.config import Settings, load_settings
from riskcap.errors import NotFoundError, RiskcapError

if TYPE_CHECKING:  # heavy modules load in the commands that use them (fast --help)
    import pandas as pd

    from riskcap.inputs.hierarchy import Hierarchy
    from riskcap.store.catalog import CapitalResult, StressedPeriod

NodeOpt = Annotated[str | None, typer.Option(help="Node, e.g. firm:RISKCAP or desk:RATES")]


# -- backtest --------------------------------------------------------------------------------
def backtest_observations(
    settings: Settings, node: str, start: dt.date, end: dt.date, method: str, confidence: float
) -> pd.DataFrame:
    """The stored backtest observations of ``node`` from the runs of record in the range."""

    from riskcap.data.lake import Lake
    from riskcap.pipeline.history import prior_rows
    from riskcap.store.catalog import Catalog

    with Catalog.of(settings) as catalog:
        runs = catalog.runs_of_record(start=start, end=end)
        runs = {d: r for d, r in runs.items() if d >= start}
        if not runs:
            raise NotFoundError(f"no succeeded EOD runs between {start} and {end}")
        rows = prior_rows(
            Lake.of(settings),
            catalog,
            "backtest",
            runs,
            [("method", "=", method), ("confidence", "=", confidence)],
        )
    if rows.empty:
        raise NotFoundError(
            f"no backtest observations of {method} VaR at {confidence} between {start} and "
            f"{end} (the first day of a history has none: it needs the previous day's VaR)"
        )
    mine = rows.loc[rows["node"] == node]
    if mine.empty:
        nodes = ", ".join(sorted(rows["node"].unique())[:12])
        raise NotFoundError(f"no backtest observations for node {node!r}; nodes: {nodes}")
    return mine.sort_values(["pnl_type", "as_of"]).reset_index(drop=True)


def backtest(
    node: Annotated[str, typer.Option(help="Node, e.g. firm:RISKCAP or desk:RATES")],
    start: Annotated[str, typer.Option("--from", help="First date, YYYY-MM-DD")],
    end: Annotated[str, typer.Option("--to", help="Last date, YYYY-MM-DD")],
    method: Annotated[str, typer.Option(help="VaR model tested: hs or mc")] = "hs",
    confidence: Annotated[float, typer.Option(help="VaR confidence, e.g. 0.99")] = 0.99,
    as_json: JsonOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Backtest a node's 1-day VaR: Kupiec, Christoffersen, traffic light, exceptions."""
    from riskcap.risk.backtest import BASEL_OBSERVATIONS, backtest_statistics, indicative

    settings = load_settings(config)
    use_compile_cache(settings)
    first, last = parse_date(start), parse_date(end)
    if last < first:
        raise typer.BadParameter(f"--to {last} is before --from {first}")
    obs = backtest_observations(settings, node, first, last, method, confidence)
    stats = {}
    for pnl_type, group in obs.groupby("pnl_type", sort=True):
        stats[str(pnl_type)] = backtest_statistics(
            group["exception"].to_numpy(bool), confidence, settings.backtest.window
        )
    exceptions = obs.loc[obs["exception"]]
    if as_json:
        doc = {
            "node": node,
            "from": first.isoformat(),
            "to": last.isoformat(),
            "method": method,
            "confidence": confidence,
            "statistics": {k: v.as_dict() for k, v in stats.items()},
            "indicative": any(indicative(s.traffic_light.observations) for s in stats.values()),
            "exceptions": [
                {
                    "date": r.as_of.isoformat(),
                    "pnl_type": r.pnl_type,
                    "pnl": r.pnl,
                    "var": r.var,
                    "var_as_of": r.var_as_of.isoformat(),
                }
                for r in exceptions.itertuples()
            ],
        }
        typer.echo(json.dumps(doc))
        return
    table = Table(
        title=f"backtest of {node}: 1-day {method} VaR at {confidence:.1%}, {first} .. {last}",
        box=box.SIMPLE_HEAD,
    )
    table.add_column("statistic")
    for pnl_type in stats:
        table.add_column(pnl_type, justify="right")
    lines: list[tuple[str, Any]] = [
        ("observations", lambda s: str(s.observations)),
        ("exceptions", lambda s: str(s.exceptions)),
        ("expected", lambda s: f"{s.expected:.2f}"),
        ("Kupiec POF LR (p)", lambda s: f"{s.kupiec.statistic:.4f} ({s.kupiec.p_value:.4f})"),
        (
            "Christoffersen ind. LR (p)",
            lambda s: f"{s.independence.statistic:.4f} ({s.independence.p_value:.4f})",
        ),
        (
            "conditional coverage LR (p)",
            lambda s: f"{s.conditional.statistic:.4f} ({s.conditional.p_value:.4f})",
        ),
        (
            f"traffic light (last {settings.backtest.window})",
            lambda s: (
                f"{s.traffic_light.zone.value} {s.traffic_light.exceptions}/"
                f"{s.traffic_light.observations}, plus {s.traffic_light.plus_factor:.2f}"
            ),
        ),
    ]
    for label, fmt in lines:
        table.add_row(label, *(fmt(s) for s in stats.values()))
    console.print(table)
    few = min(s.traffic_light.observations for s in stats.values())
    if indicative(few):
        console.print(
            f"indicative: the traffic light rests on {few} observations, fewer than the "
            f"{BASEL_OBSERVATIONS} of the Basel backtest (MAR99)"
        )
    if exceptions.empty:
        console.print("no exceptions")
        return
    ex = Table(title="exceptions (loss beyond the previous day's VaR)", box=box.SIMPLE_HEAD)
    for col in ("date", "P&L type", "P&L", "VaR (previous day)"):
        ex.add_column(col, justify="left" if col in ("date", "P&L type") else "right")
    for r in exceptions.sort_values(["as_of", "pnl_type"]).itertuples():
        ex.add_row(r.as_of.isoformat(), r.pnl_type, f"{r.pnl:,.0f}", f"{r.var:,.0f}")
    console.print(ex)


# -- capital ---------------------------------------------------------------------------------
def capital_rows(rows: list[CapitalResult], all_nodes: bool = False) -> list[CapitalResult]:
    """Capital rows top-down: the firm and its desks, or every node."""
    by_node = {r.node: r for r in rows}
    return [by_node[n] for n in headline(by_node, all_nodes)]


def capital(
    as_of: AsOfOpt,
    all_nodes: AllNodesOpt = False,
    as_json: JsonOpt = False,
    config: ConfigOpt = None,
    units: UnitsOpt = Units.AUTO,
    adequacy: Annotated[
        bool,
        typer.Option(
            "--adequacy",
            help="Basel III: RWA by risk type, output floor, capital and leverage ratios "
            "per legal entity and the firm",
        ),
    ] = False,
    entity: Annotated[
        str | None,
        typer.Option(help="With --adequacy: one legal entity (RC-UK-LTD or entity:RC-UK-LTD)"),
    ] = None,
) -> None:
    """Basel 2.5 market-risk capital per firm and desk, with the breakdown; with
    ``--adequacy`` the Basel III capital adequacy of the entities and the firm."""
    from riskcap.capital.basel25 import OUT_OF_SCOPE
    from riskcap.risk.backtest import indicative
    from riskcap.store.catalog import CapitalResult, Catalog, StressedPeriod

    settings = load_settings(config)
    use_compile_cache(settings)
    day = parse_date(as_of)
    if adequacy or entity is not None:
        _adequacy(settings, day, entity, as_json, units)
        return
    with Catalog.of(settings) as catalog:
        run_id = catalog.run_of_record(day).run_id
        rows = catalog.run_rows(CapitalResult, run_id)
        periods = catalog.run_rows(StressedPeriod, run_id)
    if not rows:
        raise NotFoundError(f"the run of {day} ({run_id[:8]}) has no capital results")
    shown = capital_rows(rows, all_nodes)
    period = periods[0] if periods else None
    if as_json:
        doc = {
            "as_of": day.isoformat(),
            "run_id": run_id,
            "regime": "basel25",
            "stressed_period": (
                {
                    "start": period.start.isoformat(),
                    "end": period.end.isoformat(),
                    "var": period.var,
                }
                if period
                else None
            ),
            "out_of_scope": list(OUT_OF_SCOPE),
            "rows": [
                {
                    c: (getattr(r, c).isoformat() if c == "as_of" else getattr(r, c))
                    for c in CapitalResult.__table__.columns.keys()  # noqa: SIM118
                    if c not in ("id",)
                }
                for r in shown
            ],
            "indicative": bool(shown) and indicative(shown[0].observations),
        }
        typer.echo(json.dumps(doc))
        return
    print_capital(console, settings, day, run_id, shown, period, units)


def _adequacy(
    settings: Settings, day: dt.date, entity: str | None, as_json: bool, units: Units
) -> None:
    from riskcap.cli.basel3 import print_adequacy
    from riskcap.pipeline.tasks.basel3 import adequacy_report, entity_node
    from riskcap.store.catalog import Catalog

    with Catalog.of(settings) as catalog:
        run_id = catalog.run_of_record(day).run_id
        report = adequacy_report(catalog, run_id, None if entity is None else [entity_node(entity)])
    if not report["nodes"]:
        raise NotFoundError(f"no legal entity {entity!r} in the run of {day} ({run_id[:8]})")
    if as_json:
        typer.echo(json.dumps({"as_of": day.isoformat(), **report}))
        return
    print_adequacy(console, settings.eod.reporting_currency, day, report, units)


def print_capital(
    out: Console,
    settings: Settings,
    day: dt.date,
    run_id: str,
    shown: list[CapitalResult],
    period: StressedPeriod | None,
    units: Units = Units.AUTO,
) -> None:
    """The capital table, the multiplier, the stressed period and what is out of scope."""
    from riskcap.capital.basel25 import OUT_OF_SCOPE
    from riskcap.risk.backtest import BASEL_OBSERVATIONS, indicative

    first = shown[0]
    money = Money.for_figures(settings.eod.reporting_currency, (r.capital for r in shown), units)
    table = Table(
        title=f"Basel 2.5 market-risk capital on {day} (run {run_id[:8]}), {money.label}: "
        f"max(VaR, m·VaR_avg) + max(sVaR, m·sVaR_avg), {settings.capital.horizon}-day "
        f"{settings.capital.confidence:.0%} {settings.capital.var_method}",
        box=box.SIMPLE_HEAD,
    )
    for col in ("node", "VaR t−1", "VaR avg", "m·avg", "sVaR t−1", "sVaR avg", "m·avg ", "capital"):
        table.add_column(col, justify="left" if col == "node" else "right", no_wrap=True)
    for r in shown:
        table.add_row(
            r.node,
            *(
                money(v)
                for v in (
                    r.var_latest,
                    r.var_average,
                    r.multiplier * r.var_average,
                    r.svar_latest,
                    r.svar_average,
                    r.multiplier * r.svar_average,
                    r.capital,
                )
            ),
        )
    out.print(table)
    out.print(
        f"multiplier m_c = m_s = {first.multiplier:.2f} "
        f"({settings.capital.multiplier_floor:g} + plus factor {first.plus_factor:.2f}; "
        f"traffic light {first.zone}: {first.exceptions} exceptions in "
        f"{first.observations} observations, {settings.capital.backtest_pnl.value} P&L); "
        f"averages over {first.var_days} day(s) of {settings.capital.average_days}"
        + (
            f" — indicative: fewer than {BASEL_OBSERVATIONS} backtest observations"
            if indicative(first.observations)
            else ""
        )
    )
    if period is not None:
        out.print(
            f"stressed period {period.start} .. {period.end} ({period.window} returns, chosen "
            f"over {period.windows_searched} windows; firm sVaR {money(period.var)} "
            f"{money.label})"
        )
    out.print("out of scope: " + "; ".join(OUT_OF_SCOPE))


# -- stress ----------------------------------------------------------------------------------
def stress(
    as_of: AsOfOpt,
    scenario: Annotated[
        list[str] | None,
        typer.Option(help="Scenario name (repeat for several; 'reverse' = every reverse test)"),
    ] = None,
    node: NodeOpt = None,
    reverse_loss: Annotated[
        list[float] | None, typer.Option(help="Extra reverse stress target loss (repeatable)")
    ] = None,
    as_json: JsonOpt = False,
    config: ConfigOpt = None,
    units: UnitsOpt = Units.AUTO,
) -> None:
    """Stress losses per node: historical windows, hypothetical shocks, reverse stress."""
    from riskcap.data.lake import Lake
    from riskcap.engine.stress import scenario_pnl
    from riskcap.engine.var import VarMethod, VarSpec, compute_var, daily_covariance
    from riskcap.inputs.risk_inputs import load_risk_inputs
    from riskcap.pipeline.tasks.stress import stress_scenarios

    settings = load_settings(config)
    use_compile_cache(settings)
    day = parse_date(as_of)
    if any(x <= 0 for x in reverse_loss or []):
        raise typer.BadParameter("--reverse-loss must be a positive loss")
    inputs = load_risk_inputs(
        Lake.of(settings), day, None, reporting=settings.eod.reporting_currency
    )
    spec = VarSpec.from_config(settings.risk, settings.engine)
    if len(inputs.dates) < spec.history_days:
        raise NotFoundError(f"{spec.history_days} dates of market data needed up to {day}")
    h = inputs.hierarchy
    head = node or h.nodes[0]
    try:
        h.index(head)
    except KeyError as exc:
        raise typer.BadParameter(str(exc)) from None
    firm_var = None
    if settings.stress.reverse_var_multiples:
        firm_spec = VarSpec.from_config(
            settings.risk,
            settings.engine,
            method=VarMethod.HS,
            horizon=settings.stress.reverse_horizon,
            confidence=settings.capital.confidence,
        )
        firm_var = compute_var(inputs, firm_spec).rows[h.index(head)].var
    scenarios = stress_scenarios(
        inputs,
        daily_covariance(inputs, spec),
        settings,
        firm_var,
        only=scenario,
        extra_losses=reverse_loss or [],
        node=head,
    )
    pnl = scenario_pnl(inputs, scenarios, settings.engine.memory_gb)
    keep = h.subtree(h.index(head))
    if node is None:
        shown = set(headline(h.nodes[i] for i in keep))
        keep = [i for i in keep if h.nodes[i] in shown]
    if as_json:
        doc = {
            "as_of": day.isoformat(),
            "node": head,
            "scenarios": [
                {
                    "name": s.name,
                    "kind": s.kind,
                    "description": s.description,
                    "detail": s.detail,
                    "loss": {h.nodes[i]: float(-pnl[i, j]) for i in keep},
                }
                for j, s in enumerate(scenarios)
            ],
        }
        typer.echo(json.dumps(doc))
        return
    money = Money.for_figures(settings.eod.reporting_currency, (-pnl[keep]).ravel(), units)
    table = Table(
        title=f"stress losses on {day} ({money.label}, positive = loss)", box=box.SIMPLE_HEAD
    )
    table.add_column("scenario", no_wrap=True)
    table.add_column("kind")
    for i in keep:
        table.add_column(h.nodes[i], justify="right", no_wrap=True)
    for j, s in enumerate(scenarios):
        table.add_row(s.name, s.kind, *(money(-pnl[i, j]) for i in keep))
    console.print(table)
    for s in scenarios:
        if s.kind == "reverse":
            moves = s.detail.get("largest_moves")
            if not isinstance(moves, dict):
                moves = {}
            top = ", ".join(f"{k} {v:+.4f}" for k, v in list(moves.items())[:5])
            console.print(f"{s.name}: {s.description}; largest moves: {top}")
        else:
            console.print(f"{s.name}: {s.description}")


def _node_filter(hierarchy: Hierarchy, node: str | None) -> list[int]:
    if node is None:
        return list(range(len(hierarchy.nodes)))
    try:
        return hierarchy.subtree(hierarchy.index(node))
    except KeyError as exc:
        raise NotFoundError(
            f"no node {node!r} in this snapshot; nodes: {', '.join(hierarchy.nodes)}"
        ) from exc


def var(
    as_of: AsOfOpt,
    method: Annotated[VarMethod, typer.Option(help="The VaR model")] = VarMethod.HS,
    confidence: Annotated[float | None, typer.Option(help="e.g. 0.99")] = None,
    horizon: Annotated[int | None, typer.Option(help="Days: 1 or 10")] = None,
    lookback: Annotated[int | None, typer.Option(help="Historical window in days")] = None,
    scenarios: Annotated[int | None, typer.Option(help="Monte Carlo scenarios")] = None,
    parametric: Annotated[
        ParametricMethod | None, typer.Option(help="Parametric method (default: risk.parametric)")
    ] = None,
    node: Annotated[str | None, typer.Option(help="Node and its subtree, e.g. desk:RATES")] = None,
    attribution: Annotated[
        bool, typer.Option("--attribution", help="Split the node's VaR/ES over its children")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output")] = False,
    config: ConfigOpt = None,
) -> None:
    """VaR and ES per hierarchy node (positive losses) on the snapshot of a date."""
    from riskcap.data.lake import Lake
    from riskcap.engine.var import VarSpec, attribute, compute_var
    from riskcap.inputs.risk_inputs import load_risk_inputs

    settings = load_settings(config)
    use_compile_cache(settings)
    if confidence is not None and not 0.0 < confidence < 1.0:
        raise typer.BadParameter("confidence must be between 0 and 1, e.g. 0.99")
    spec = VarSpec.from_config(
        settings.risk,
        settings.engine,
        method=method,
        confidence=confidence,
        horizon=horizon,
        lookback=lookback,
        mc_scenarios=scenarios,
        parametric=parametric,
    )
    if spec.horizon < 1 or spec.lookback < spec.horizon + 1:
        raise typer.BadParameter("need horizon ≥ 1 and lookback > horizon")
    inputs = load_risk_inputs(
        Lake.of(settings),
        parse_date(as_of),
        spec.history_days,
        reporting=settings.eod.reporting_currency,
    )
    if len(inputs.dates) < spec.history_days:
        raise RiskcapError(
            f"{spec.lookback}-day lookback needs {spec.history_days} dates of market data "
            f"up to {as_of}; the lake has {len(inputs.dates)}"
        )
    keep = _node_filter(inputs.hierarchy, node)
    result = compute_var(inputs, spec)
    rows = [result.rows[i] for i in keep]
    head = inputs.hierarchy.nodes[keep[0]]
    parts = attribute(inputs, spec, result, head) if attribution else []
    if as_json:
        doc: dict[str, Any] = {
            "as_of": as_of,
            "method": spec.label,
            "confidence": spec.confidence,
            "horizon": spec.horizon,
            "input_versions": inputs.versions,
            "rows": [r.__dict__ for r in rows],
        }
        if attribution:
            doc["attribution"] = [p.__dict__ for p in parts]
        typer.echo(json.dumps(doc))
        return
    table = Table(
        title=f"VaR / ES on {as_of}: {spec.label}, {spec.confidence:.1%}, "
        f"{spec.horizon}-day (positive = loss, {settings.eod.reporting_currency})"
    )
    for col in ("node", "VaR", "ES", "scenarios", "method", "seconds"):
        table.add_column(col, justify="left" if col in ("node", "method") else "right")
    for r in rows:
        table.add_row(
            r.node,
            f"{r.var:,.0f}",
            f"{r.es:,.0f}",
            str(r.scenarios or "—"),
            r.method,
            f"{r.seconds:.2f}",
        )
    console.print(table)
    if parts:
        split = Table(
            title=f"attribution of {head}: component (Euler), incremental (with − without), "
            "marginal (∂/∂w)"
        )
        for col in ("child", "comp VaR", "comp ES", "incr VaR", "incr ES", "marg VaR", "marg ES"):
            split.add_column(col, justify="left" if col == "child" else "right")
        for p in parts:
            figures = (
                p.component_var,
                p.component_es,
                p.incremental_var,
                p.incremental_es,
                p.marginal_var,
                p.marginal_es,
            )
            split.add_row(p.child, *(f"{v:,.0f}" for v in figures))
        console.print(split)


def greeks(
    as_of: AsOfOpt,
    node: Annotated[str | None, typer.Option(help="Node and its subtree, e.g. desk:RATES")] = None,
    positions: Annotated[bool, typer.Option("--positions", help="One row per position")] = False,
    factors: Annotated[
        bool,
        typer.Option(
            "--by-factor",
            help="One row per node (or position) and factor: delta per 1% of each price "
            "and FX rate, vega per vol point of each vol, DV01 of each curve pillar",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output")] = False,
    crif: Annotated[
        Path | None,
        typer.Option(
            "--crif",
            help="Write the book's FRTB SA sensitivities per position as CRIF to this file",
        ),
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """Autodiff Greeks per node (or per position): delta, gamma, vega, DV01, FX delta."""
    import numpy as np

    from riskcap.data.lake import Lake
    from riskcap.inputs.risk_inputs import load_risk_inputs
    from riskcap.risk.greeks import (
        by_factor,
        node_sensitivities,
        position_sensitivities,
        summarise,
    )

    settings = load_settings(config)
    use_compile_cache(settings)
    if crif is not None:
        from riskcap.cli.frtb_sa import export_crif

        written = export_crif(settings, parse_date(as_of), node, crif)
        console.print(f"wrote {written} CRIF rows (FRTB SA sensitivities) to {crif}")
        return
    inputs = load_risk_inputs(
        Lake.of(settings), parse_date(as_of), 1, reporting=settings.eod.reporting_currency
    )
    keep = _node_filter(inputs.hierarchy, node)
    x0 = inputs.market.x0
    masks = (
        inputs.mask("equity_price", "index_level", "etf_price"),
        inputs.mask("implied_vol"),
        inputs.mask("zero_rate"),
        inputs.mask("fx_rate"),
    )
    if positions:
        values, grad, own = position_sensitivities(inputs.book, x0)
        books = {
            inputs.hierarchy.books[b]
            for b in range(len(inputs.hierarchy.books))
            if any(inputs.hierarchy.membership[i, b] for i in keep)
        }
        sel = np.flatnonzero(inputs.positions["book_id"].isin(books).to_numpy())
        labels = [
            f"{inputs.positions.at[i, 'book_id']}/{inputs.positions.at[i, 'instrument_id']}"
            for i in sel
        ]
        values, grad, own = np.asarray(values)[sel], np.asarray(grad)[sel], np.asarray(own)[sel]
    else:
        values, grad, hess = node_sensitivities(inputs.book, x0, inputs.hierarchy.membership)
        values, grad = np.asarray(values)[keep], np.asarray(grad)[keep]
        own = np.diagonal(np.asarray(hess), axis1=1, axis2=2)[keep]
        labels = [inputs.hierarchy.nodes[i] for i in keep]
    summary = summarise(x0, grad, own, *masks)
    rows = [
        {
            "name": name,
            "value": float(values[i]),
            "delta_1pct": float(summary.delta_1pct[i]),
            "gamma_1pct": float(summary.gamma_1pct[i]),
            "vega_1vol": float(summary.vega_1vol[i]),
            "dv01": float(summary.dv01[i]),
            "fx_delta_1pct": float(summary.fx_delta_1pct[i]),
        }
        for i, name in enumerate(labels)
    ]
    quoted, units = by_factor(x0, grad, inputs.factor_types)
    if as_json:
        for row, g, q in zip(rows, grad, quoted, strict=True):
            row["delta_by_factor"] = dict(zip(inputs.factors.ids, map(float, g), strict=True))
            row["by_factor"] = dict(zip(inputs.factors.ids, map(float, q), strict=True))
        typer.echo(
            json.dumps(
                {
                    "as_of": as_of,
                    "factors": list(inputs.factors.ids),
                    "units": list(units),
                    "rows": rows,
                }
            )
        )
        return
    if factors:
        per = Table(
            title=f"Greeks by factor on {as_of} ({settings.eod.reporting_currency}; "
            "P&L signs, DV01 = loss for +1bp)"
        )
        for col in ("name", "factor", "sensitivity", "figure"):
            per.add_column(col, justify="right" if col == "figure" else "left")
        for i, name in enumerate(labels):
            for j, fid in enumerate(inputs.factors.ids):
                if quoted[i, j] != 0.0:
                    per.add_row(str(name), fid, units[j], f"{quoted[i, j]:,.0f}")
        console.print(per)
        return
    table = Table(
        title=f"Greeks on {as_of} ({settings.eod.reporting_currency}; P&L signs, "
        "DV01 = loss for +1bp)"
    )
    for col in ("name", "value", "delta (1%)", "gamma (1%)", "vega (1 vol)", "DV01", "FX (1%)"):
        table.add_column(col, justify="left" if col == "name" else "right")
    for row in rows:
        figures = (
            row["value"],
            row["delta_1pct"],
            row["gamma_1pct"],
            row["vega_1vol"],
            row["dv01"],
            row["fx_delta_1pct"],
        )
        table.add_row(str(row["name"]), *(f"{v:,.0f}" for v in figures))
    console.print(table)


def register(app: typer.Typer) -> None:
    command: Callable[..., None]
    for name, command in (("var", var), ("greeks", greeks), ("stress", stress)):
        app.command(name, rich_help_panel=RISK)(command)
    for name, command in (("backtest", backtest), ("capital", capital)):
        app.command(name, rich_help_panel=REGULATORY)(command)
