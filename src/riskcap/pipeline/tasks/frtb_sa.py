"""The ``frtb_sa`` task of the EOD pipeline: FRTB standardised approach (MAR20–23) and
the bank's market-risk capital (MAR33.43).

==============================  ================================================
writes                          what
==============================  ================================================
lake and catalog ``results``    method ``frtb_sa`` per node: ``sa`` (SBM + DRC +
                                RRAO), ``sbm``, ``sbm:<scenario>``, ``drc``,
                                ``rrao``, ``<class>:<measure>:<scenario>``; on
                                the firm, ``acr:*`` (the aggregate capital)
==============================  ================================================

Sensitivities come from the day's book by autodiff (:mod:`riskcap.engine.frtb_sa`);
the desks on the IMA are those the ``frtb`` task of the same run found eligible
(MAR32; a PLA red zone or too many backtest exceptions sends a desk to the SA), and
their ``C_A`` is its ``ima:<firm>`` figure. The IMA's own default risk model
(MAR33.18) is not built: the desks on the IMA carry their SA DRC (MAR22) in
``IMA_G,A``, stated in the figures' detail. Every output is replaced on a rerun.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from riskcap.capital.frtb_sa import SaCharge, Scenario, market_risk_capital, sa_charge
from riskcap.data.lake import sql_literal
from riskcap.data.schemas import RESULTS
from riskcap.engine.frtb_sa import node_positions, sa_rows
from riskcap.pipeline.fingerprint import json_digest, table_digest
from riskcap.pipeline.tasks.context import RunContext, TaskOutput, replace_run_rows
from riskcap.pipeline.tasks.frtb import IMA_PREFIX
from riskcap.store.catalog import FrtbDeskTest, FrtbResult

SA_METHOD = "frtb_sa"
# the SA has no horizon or confidence of its own: rows carry 0 in both key columns
NO_HORIZON, NO_CONFIDENCE = 0, 0.0


def charge_measures(charge: SaCharge) -> dict[str, float]:
    """A node's SA figures as ``measure → value`` (the ``results`` rows)."""
    out = {
        "sa": charge.total,
        "sbm": charge.sbm,
        "drc": charge.drc.charge,
        "rrao": charge.rrao,
        **{f"sbm:{sc.value}": v for sc, v in charge.by_scenario.items()},
    }
    for (rc, measure), by in charge.components.items():
        for sc in Scenario:
            out[f"{rc.lower()}:{measure.lower()}:{sc.value}"] = by[sc]
    return out


def frtb_sa(ctx: RunContext) -> TaskOutput:
    """SA per node (all three correlation scenarios, DRC, RRAO) and the firm's ACR."""
    inputs, _ = ctx.market()
    instruments = ctx.lake.read("instruments", version=ctx.versions()["instruments"]).to_pandas()
    rows = sa_rows(inputs, instruments)
    masks = node_positions(inputs)
    reporting = inputs.reporting
    charges = {node: sa_charge(rows.of_positions(m), reporting) for node, m in masks.items()}

    firm = inputs.hierarchy.nodes[0]
    desks = [n for n in inputs.hierarchy.nodes if n.startswith("desk:")]
    tests = {t.node: t for t in ctx.catalog.run_rows(FrtbDeskTest, ctx.run_id)}
    ima = {r.node: r for r in ctx.catalog.run_rows(FrtbResult, ctx.run_id)}
    ima_node = IMA_PREFIX + firm.partition(":")[2]
    on_ima = [d for d in desks if d in tests and tests[d].eligible and ima_node in ima]
    amber = [d for d in on_ima if tests[d].pla_zone == "amber"]
    ga = np.zeros(len(inputs.positions), bool)
    for d in on_ima:
        ga |= masks[d]
    sa_ga = sa_charge(rows.of_positions(ga), reporting) if on_ima else None
    sa_u = sa_charge(rows.of_positions(masks[firm] & ~ga), reporting)
    acr = market_risk_capital(
        c_a=float(ima[ima_node].capital) if on_ima else 0.0,
        drc_ga=sa_ga.drc.charge if sa_ga else 0.0,
        sa_ga=sa_ga.total if sa_ga else 0.0,
        c_u=sa_u.total if np.any(masks[firm] & ~ga) else 0.0,
        sa_all=charges[firm].total,
        standalone_amber=sum(charges[d].total for d in amber),
        standalone_ga=sum(charges[d].total for d in on_ima),
    )
    result_rows: list[dict[str, Any]] = []
    for node, charge in charges.items():
        values = charge_measures(charge)
        if node == firm:
            values |= {f"acr:{k}": float(v) for k, v in vars(acr).items()}
            values["acr:desks_on_ima"] = float(len(on_ima))
            values["acr:desks_amber"] = float(len(amber))
        result_rows += [
            {
                "as_of": ctx.as_of,
                "node": node,
                "method": SA_METHOD,
                "measure": measure,
                "horizon": NO_HORIZON,
                "confidence": NO_CONFIDENCE,
                "value": float(value),
                "scenarios": 0,
            }
            for measure, value in values.items()
        ]
    table = pa.Table.from_pylist(
        [{**r, "run_id": ctx.run_id} for r in result_rows], schema=RESULTS.schema
    )
    version = replace_run_rows(
        ctx, "results", table, "frtb_sa", f"method = {sql_literal(SA_METHOD)}"
    )
    ctx.catalog.replace_results(ctx.run_id, result_rows, methods=[SA_METHOD])
    written = ctx.lake.read(
        "results", version=version, filters=[*ctx.run_filter(), ("method", "=", SA_METHOD)]
    )
    return TaskOutput(
        json_digest([table_digest(written, exclude=("run_id",))]),
        {
            "results_version": version,
            "rows": written.num_rows,
            "sa_firm": charges[firm].total,
            "scenario": charges[firm].scenario.value,
            "acr": acr.total,
            "desks_on_ima": on_ima,
            "sensitivity_rows": len(rows.rows),
        },
    )
