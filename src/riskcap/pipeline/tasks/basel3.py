"""The ``basel3`` task of the EOD pipeline: credit (SA/IRB), counterparty (SA-CCR), CVA
(BA-CVA) and operational (SMA) RWA, the output floor, and the capital and leverage
ratios of every legal entity and the consolidated firm (:mod:`riskcap.engine.basel3`).

==============================  ================================================
writes                          what
==============================  ================================================
lake and catalog ``results``    method ``basel3`` per entity and firm node:
                                ``rwa:*``, ``ratio:*``, ``requirement:*``,
                                ``surplus:*``, ``capital:*``, ``buffer:*``,
                                ``op:*``, ``ccr:*``, ``credit:*``
catalog ``alerts``              a ratio under its requirement (method ``basel3``,
                                no limit row: the requirement is the limit)
==============================  ================================================

Runs when ``basel3.enabled``; otherwise it writes nothing. The operational-risk
figures are a function of the pinned ``financials`` and ``op_losses`` versions and the
as-of year only, so they change when those inputs change. Every output is replaced on
a rerun (the run's ``basel3`` results and alerts first).
"""

from __future__ import annotations

import logging
from typing import Any

import pyarrow as pa
from sqlalchemy import delete

from riskcap.data.lake import sql_literal
from riskcap.data.schemas import RESULTS
from riskcap.engine.basel3 import Basel3Tables, MarketCapital, adequacy_figures
from riskcap.engine.frtb_sa import day_values
from riskcap.pipeline.fingerprint import BASEL3_TABLES, json_digest, table_digest
from riskcap.pipeline.limits import alert_payload, announce
from riskcap.pipeline.tasks.context import RunContext, TaskOutput, replace_run_rows
from riskcap.pipeline.tasks.frtb_sa import NO_CONFIDENCE, NO_HORIZON, SA_METHOD
from riskcap.store.catalog import Alert

METHOD = "basel3"
log = logging.getLogger("riskcap.limits")


def read_tables(ctx: RunContext) -> Basel3Tables:
    """The Basel III inputs at the run's pinned versions."""
    v = ctx.versions()

    def read(name: str) -> Any:
        return ctx.lake.read(name, version=v[name]).to_pandas()

    return Basel3Tables(*(read(n) for n in BASEL3_TABLES))


def basel3(ctx: RunContext) -> TaskOutput:
    """RWA by risk type, output floor, ratios and leverage per entity and the firm."""
    if not ctx.settings.basel3.enabled:
        return TaskOutput(json_digest(["basel3 disabled"]), {"skipped": "basel3.enabled is false"})
    inputs, _ = ctx.market()
    v = ctx.versions()
    instruments = ctx.lake.read("instruments", version=v["instruments"]).to_pandas()
    books = ctx.lake.read("books", version=v["books"]).to_pandas()
    sa = ctx.catalog.figures(ctx.run_id, SA_METHOD)
    firm_node = inputs.hierarchy.nodes[0]
    market = MarketCapital(sa[firm_node]["acr:total"], {n: m["sa"] for n, m in sa.items()})
    ids = inputs.factors.ids

    def spot(name: str) -> float:
        if name in ids:
            return float(inputs.levels[-1, ids.index(name)])
        return inputs.fx_rate(name)

    figures = adequacy_figures(
        read_tables(ctx),
        inputs.positions,
        day_values(inputs),
        instruments,
        books,
        market,
        ctx.as_of,
        inputs.fx_rate,
        spot,
        inputs.reporting,
        ctx.settings.basel3,
    )
    rows: list[dict[str, Any]] = [
        {
            "as_of": ctx.as_of,
            "node": f.node,
            "method": METHOD,
            "measure": measure,
            "horizon": NO_HORIZON,
            "confidence": NO_CONFIDENCE,
            "value": float(value),
            "scenarios": 0,
        }
        for f in figures
        for measure, value in f.values.items()
    ]
    table = pa.Table.from_pylist([{**r, "run_id": ctx.run_id} for r in rows], schema=RESULTS.schema)
    version = replace_run_rows(ctx, "results", table, METHOD, f"method = {sql_literal(METHOD)}")
    ctx.catalog.replace_results(ctx.run_id, rows, methods=[METHOD])
    alerts = _alerts(ctx, figures)
    written = ctx.lake.read(
        "results", version=version, filters=[*ctx.run_filter(), ("method", "=", METHOD)]
    )
    firm = next(f for f in figures if f.node == firm_node)
    return TaskOutput(
        json_digest([table_digest(written, exclude=("run_id",))]),
        {
            "results_version": version,
            "rows": written.num_rows,
            "rwa_firm": firm.values["rwa:total"],
            "cet1_firm": firm.values["ratio:cet1"],
            "alerts": alerts,
            "netting_sets": {f.node: f.netting_sets for f in figures},
        },
    )


def _alerts(ctx: RunContext, figures: list[Any]) -> int:
    """One alert per ratio under its requirement (the run's earlier ones replaced)."""
    payloads = []
    with ctx.catalog.session() as s:
        s.execute(delete(Alert).where(Alert.run_id == ctx.run_id, Alert.method == METHOD))
        for f in figures:
            for r in f.breaches:
                message = (
                    f"{ctx.as_of} {f.node}: {r.name} ratio {r.value:.2%} is under its "
                    f"requirement {r.requirement:.2%} (minimum {r.minimum:.2%} + buffers "
                    f"{r.buffer:.2%}); shortfall {-r.surplus:,.0f}"
                )
                alert = Alert(
                    run_id=ctx.run_id,
                    limit_id=None,
                    node=f.node,
                    measure=f"ratio:{r.name}",
                    method=METHOD,
                    horizon=NO_HORIZON,
                    confidence=NO_CONFIDENCE,
                    as_of=ctx.as_of,
                    value=float(r.value),
                    limit_value=float(r.requirement),
                    message=message,
                )
                s.add(alert)
                s.flush()
                log.warning("capital ratio breach (alert %d): %s", alert.id, message)
                payloads.append((alert.id, alert_payload(alert)))
    announce(ctx.catalog, ctx.settings.service, payloads)
    return len(payloads)


# the order figures are reported in: the RWA waterfall, then the ratios
RWA_ORDER = ("credit", "ccr", "cva", "market", "operational")
RATIO_ORDER = ("cet1", "tier1", "total", "leverage")


def entity_node(entity: str) -> str:
    """The hierarchy node of a legal entity given by name (``RC-UK-LTD``) or node id."""
    return entity if ":" in entity else f"entity:{entity}"


def adequacy_report(catalog: Any, run_id: str, nodes: list[str] | None = None) -> dict[str, Any]:
    """The ``basel3`` figures of ``run_id`` as plain data (CLI ``--json`` and API): per
    node the RWA by risk type, the floor, each ratio with its requirement stack, the
    operational and CCR detail, and the netting sets; ``nodes`` keeps those only.

    Raises
    ------
    NotFoundError
        The run has no ``basel3`` figures (``basel3.enabled`` was off).
    """
    from riskcap.engine.basel3 import OUT_OF_SCOPE
    from riskcap.errors import NotFoundError

    by_node = catalog.figures(run_id, METHOD)
    if not by_node:
        raise NotFoundError(
            f"run {run_id[:8]} has no Basel III figures: set basel3.enabled = true in the "
            "config and ingest the Basel III inputs (README, 'Capital adequacy')"
        )
    task = next((t for t in catalog.tasks(run_id) if t.name == METHOD), None)
    sets = (task.detail or {}).get("netting_sets", {}) if task else {}
    order = sorted(by_node, key=lambda n: (not n.startswith("firm:"), n))
    out = []
    for node in order:
        if nodes is not None and node not in nodes:
            continue
        v = by_node[node]
        out.append(
            {
                "node": node,
                "rwa": {k: v[f"rwa:{k}"] for k in RWA_ORDER},
                "rwa_internal": v["rwa:internal"],
                "rwa_standardised": v["rwa:standardised"],
                "output_floor": v["floor:percentage"],
                "floor_add_on": v["rwa:floor_add_on"],
                "rwa_total": v["rwa:total"],
                "capital": {k: v[f"capital:{k}"] for k in ("cet1", "tier1", "total")},
                "buffers": {
                    k: v[f"buffer:{k}"] for k in ("conservation", "countercyclical", "systemic")
                },
                "ratios": {
                    k: {
                        "value": v[f"ratio:{k}"],
                        "minimum": v[f"minimum:{k}"],
                        "requirement": v[f"requirement:{k}"],
                        "surplus": v[f"surplus:{k}"],
                        "met": v[f"ratio:{k}"] >= v[f"requirement:{k}"],
                    }
                    for k in RATIO_ORDER
                },
                "leverage_exposure": v["leverage:exposure"],
                "credit": {k: v[f"credit:{k}"] for k in ("ead", "el", "irb_share")}
                | {"rwa_sa": v["rwa:credit_sa"]},
                "ccr": {k: v[f"ccr:{k}"] for k in ("ead", "netting_sets", "unassigned")},
                "cva_capital": v["cva:capital"],
                "market_rwa_sa": v["rwa:market_sa"],
                "operational": {
                    k: v[f"op:{k}"] for k in ("bi", "bic", "lc", "ilm", "bucket", "loss_years")
                },
                "netting_sets": sets.get(node, []),
            }
        )
    return {"run_id": run_id, "nodes": out, "out_of_scope": list(OUT_OF_SCOPE)}
