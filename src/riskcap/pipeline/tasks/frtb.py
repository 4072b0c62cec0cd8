"""The ``frtb`` task of the EOD pipeline: FRTB internal models approach (MAR31–MAR33).

==============================  ================================================
writes                          what
==============================  ================================================
catalog ``risk_factor_          the eligibility test (MAR31.12) of every factor
eligibility``                   of the book on the lake's ``observations``
catalog ``frtb_desk_tests``     per desk: 99 % / 97.5 % exceptions over 250 days
                                (MAR32) and the P&L attribution test, eligibility
lake and catalog ``results``    method ``frtb_ima``: ``es`` (stress-calibrated),
                                ``es_fc``/``es_rc``/``es_rs``, ``es:<class>``,
                                ``explained``, ``imcc``, ``ses`` per node
catalog ``frtb_results``        per node: C_A (MAR33.41) with its breakdown
==============================  ================================================

Every output is replaced on a rerun (by run id). Like the Basel 2.5 capital task, the
history (backtests, P&L attribution, IMCC and SES of the last 60 days) is read only
from the runs of record fixed at run start (:mod:`riskcap.pipeline.history`).

Besides every hierarchy node the task reports ``ima:<firm>``: the P&L of the desks
that pass their backtests and are not in the PLA red zone, summed, which is the
scope of the firm's IMA capital (MAR33.41's aggregate over eligible desks).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from riskcap.capital.frtb_ima import (
    BASE_HORIZON,
    DESK_EXCEPTION_LIMITS,
    ES_CONFIDENCE,
    LIQUIDITY_HORIZONS,
    OUT_OF_SCOPE,
    DeskBacktest,
    frtb_capital,
    frtb_plus_factor,
)
from riskcap.capital.rfet import Rfet, rfet, year_before
from riskcap.config import BacktestPnl
from riskcap.data.lake import sql_literal
from riskcap.data.schemas import RESULTS
from riskcap.engine.frtb import SCOPE_ALL, FactorTags, FrtbFigures, frtb_figures, tag_factors
from riskcap.errors import RiskcapError
from riskcap.inputs.risk_inputs import RiskInputs, factor_history
from riskcap.pipeline.fingerprint import json_digest, table_digest
from riskcap.pipeline.history import prior_rows, recent_runs
from riskcap.pipeline.tasks.backtest import PNL_TYPES, firm_traffic_light
from riskcap.pipeline.tasks.context import RunContext, TaskOutput, replace_run_rows
from riskcap.risk.pla import PlaResult, pla_test
from riskcap.store.catalog import FrtbDeskTest, FrtbResult, RiskFactorEligibility

log = logging.getLogger(__name__)
FRTB_METHOD = "frtb_ima"
DESK_OBSERVATIONS = 250  # MAR32: the most recent 12 months
IMA_PREFIX = "ima:"


def factor_eligibility(ctx: RunContext, inputs: RiskInputs) -> dict[str, Rfet]:
    """MAR31.12 on the pinned ``observations`` of the book's factors (or all modellable
    with ``frtb.rfet = false``)."""
    ids = list(inputs.factors.ids)
    if not ctx.settings.frtb.rfet:
        return {f: Rfet(0, 0, True, "RFET not applied (frtb.rfet = false)") for f in ids}
    seen = ctx.lake.read(
        "observations",
        version=ctx.versions()["observations"],
        filters=[
            ("factor_id", "in", ids),
            ("date", ">", year_before(ctx.as_of)),
            ("date", "<=", ctx.as_of),
        ],
        columns=["date", "factor_id"],
    ).to_pandas()
    by_factor = seen.groupby("factor_id")["date"].apply(list).to_dict()
    return {f: rfet(by_factor.get(f, []), ctx.as_of) for f in ids}


def _last(frame: pd.DataFrame, window: int) -> pd.DataFrame:
    return frame.sort_values("as_of").tail(window)


def desk_tests(
    ctx: RunContext, desks: list[str]
) -> tuple[dict[str, DeskBacktest], dict[str, PlaResult | None], pd.DataFrame]:
    """Each desk's exception counts (MAR32) and PLA test over the configured windows,
    and the backtest observations (for the firm's multiplier)."""
    f = ctx.settings.frtb
    tested = {**recent_runs(ctx.prior_runs, f.backtest_window - 1), ctx.as_of: ctx.run_id}
    observations = prior_rows(
        ctx.lake,
        ctx.catalog,
        "backtest",
        tested,
        [("method", "=", f.backtest_method), ("confidence", "in", list(DESK_EXCEPTION_LIMITS))],
    )
    attributed = prior_rows(
        ctx.lake,
        ctx.catalog,
        "pnl_attribution",
        {**recent_runs(ctx.prior_runs, f.pla_window - 1), ctx.as_of: ctx.run_id},
        [("node", "in", desks)] if desks else [],
    )
    backtests: dict[str, DeskBacktest] = {}
    plas: dict[str, PlaResult | None] = {}
    for desk in desks:
        counts, days = {}, 0
        for conf in DESK_EXCEPTION_LIMITS:
            worst = 0
            for pnl_type in PNL_TYPES:
                rows = observations.loc[
                    (observations["node"] == desk)
                    & (observations["confidence"] == conf)
                    & (observations["pnl_type"] == pnl_type)
                ]
                hits = _last(rows, f.backtest_window)["exception"].to_numpy(bool)
                worst, days = max(worst, int(hits.sum())), max(days, int(hits.size))
            counts[conf] = worst
        backtests[desk] = DeskBacktest(counts, days)
        series = _last(attributed.loc[attributed["node"] == desk], f.pla_window)
        plas[desk] = (
            pla_test(series["hypothetical"], series["risk_theoretical"], f.pla_window)
            if len(series) >= f.pla_min_observations
            else None
        )
    return backtests, plas, observations


def _eligibility(backtest: DeskBacktest, pla: PlaResult | None, minimum: int) -> tuple[bool, str]:
    reasons = list(backtest.breaches)
    if pla is not None and pla.zone.value == "red":
        reasons.append(f"PLA red zone (Spearman {pla.spearman:.3f}, KS {pla.ks:.3f})")
    if reasons:
        return False, "; ".join(reasons) + ": standardised approach"
    notes = []
    if backtest.observations < DESK_OBSERVATIONS:
        notes.append(f"{backtest.observations} backtest days (indicative below 250)")
    if pla is None:
        notes.append(f"fewer than {minimum} PLA days: no zone yet")
    elif pla.zone.value == "amber":
        notes.append("PLA amber: capital surcharge (MAR33.43, out of scope)")
    return True, "; ".join(notes) or "passes"


def _result_rows(ctx: RunContext, fig: FrtbFigures, classes: list[str]) -> list[dict[str, Any]]:
    rows = []
    for i, node in enumerate(fig.nodes):
        a = fig.scopes[SCOPE_ALL]
        values = {
            "es": a.calibrated[i],
            "es_fc": a.es_fc[i],
            "es_rc": a.es_rc[i],
            "es_rs": a.es_rs[i],
            "explained": a.explained[i],
            "imcc": fig.imcc[i],
            "ses": fig.ses[i],
            **{f"es:{c}": fig.scopes[c].calibrated[i] for c in classes},
        }
        rows += [
            {
                "as_of": ctx.as_of,
                "node": node,
                "method": FRTB_METHOD,
                "measure": measure,
                "horizon": BASE_HORIZON,
                "confidence": ES_CONFIDENCE,
                "value": float(value),
                "scenarios": fig.current_scenarios,
            }
            for measure, value in values.items()
        ]
    return rows


def _series(history: pd.DataFrame, node: str, measure: str, today: float) -> np.ndarray:
    rows = history.loc[(history["node"] == node) & (history["measure"] == measure)]
    past = rows.sort_values("as_of")["value"].to_numpy(np.float64)
    return np.append(past, today)


def frtb(ctx: RunContext) -> TaskOutput:
    """RFET, desk tests, ES with liquidity horizons, stressed calibration, IMCC, SES, C_A."""
    s = ctx.settings
    f = s.frtb
    if not f.enabled:
        return TaskOutput(json_digest({"frtb": "disabled"}), {"skipped": "frtb.enabled = false"})
    inputs, _ = ctx.market()
    tags: FactorTags = tag_factors(inputs.factors.ids, inputs.factor_types, f)
    eligibility = factor_eligibility(ctx, inputs)
    modellable = np.array([eligibility[fid].modellable for fid in inputs.factors.ids])
    if f.rfet and not any(e.observations for e in eligibility.values()):
        # a new lake without FRTB data: say so in the run instead of failing the EOD
        reason = (
            f"not computed: no real-price observations of the book's factors in the 12 "
            f"months to {ctx.as_of} (MAR31.12), so no factor is modellable; load them with "
            "`riskcap ingest observations FILE`, or set frtb.rfet = false (every factor "
            "modellable) or frtb.enabled = false"
        )
        log.warning("EOD %s: FRTB IMA %s", ctx.as_of, reason)
        return TaskOutput(json_digest({"frtb": "no observations"}), {"skipped": reason})
    if not (tags.reduced & modellable).any():
        raise RiskcapError(
            f"FRTB: no modellable factor is in the reduced set (MAR33.5): "
            f"{int(modellable.sum())} of {len(modellable)} factors pass the RFET, "
            f"{int(tags.reduced.sum())} are in the reduced set (frtb.reduced_factor_types "
            f"= {f.reduced_factor_types}, frtb.reduced_factors = {f.reduced_factors}); "
            "widen the reduced set or load the observations its factors lack"
        )

    desks = [n for n in inputs.hierarchy.nodes if n.startswith("desk:")]
    backtests, plas, observations = desk_tests(ctx, desks)
    verdicts = {d: _eligibility(backtests[d], plas[d], f.pla_min_observations) for d in desks}
    firm = inputs.hierarchy.nodes[0]
    ima_node = IMA_PREFIX + firm.partition(":")[2]
    eligible = [d for d in desks if verdicts[d][0]]

    history = factor_history(
        ctx.lake,
        ctx.versions()["market_data"],
        list(inputs.factors.ids),
        ctx.as_of,
        f.stressed_from,
        inputs.closed,
    )
    fig = frtb_figures(
        inputs, tags, modellable, history, f, s.engine.memory_gb, {ima_node: eligible}
    )
    classes = [c for c in fig.scopes if c != SCOPE_ALL]

    # -- results (lake and catalog), then capital from the 60-day history ----------------
    rows = _result_rows(ctx, fig, classes)
    table = pa.Table.from_pylist([{**r, "run_id": ctx.run_id} for r in rows], schema=RESULTS.schema)
    version = replace_run_rows(
        ctx, "results", table, "frtb", f"method = {sql_literal(FRTB_METHOD)}"
    )
    ctx.catalog.replace_results(ctx.run_id, rows, methods=[FRTB_METHOD])
    history_rows = prior_rows(
        ctx.lake,
        ctx.catalog,
        "results",
        recent_runs(ctx.prior_runs, f.average_days - 1),
        [("method", "=", FRTB_METHOD), ("measure", "in", ["imcc", "ses", "explained"])],
    )
    light = firm_traffic_light(
        observations.loc[observations["confidence"] == 0.99],
        firm,
        BacktestPnl.MAX,
        f.backtest_window,
        0.99,
    )
    plus = frtb_plus_factor(light) if light is not None else 0.0
    capital_rows = []
    for i, node in enumerate(fig.nodes):
        imcc_series = _series(history_rows, node, "imcc", float(fig.imcc[i]))
        ses_series = _series(history_rows, node, "ses", float(fig.ses[i]))
        if imcc_series.shape != ses_series.shape:  # a node new today, or a gap
            imcc_series, ses_series = imcc_series[-1:], ses_series[-1:]
        result = frtb_capital(imcc_series, ses_series, plus, average_days=f.average_days)
        a = fig.scopes[SCOPE_ALL]
        explained = _series(history_rows, node, "explained", float(a.explained[i]))[
            -f.average_days :
        ]
        capital_rows.append(
            {
                "as_of": ctx.as_of,
                "node": node,
                "capital": result.total,
                "imcc": result.imcc_latest,
                "ses": result.ses_latest,
                "imcc_average": result.imcc_average,
                "ses_average": result.ses_average,
                "average_days": result.days,
                "binding": result.binding,
                "es": float(a.calibrated[i]),
                "es_fc": float(a.es_fc[i]),
                "es_rc": float(a.es_rc[i]),
                "es_rs": float(a.es_rs[i]),
                "explained": float(a.explained[i]),
                "explained_average": float(np.mean(explained)),
                "multiplier": result.multiplier,
                "plus_factor": plus,
                "zone": light.zone.value if light is not None else "n/a",
                "exceptions": light.exceptions if light is not None else 0,
                "observations": light.observations if light is not None else 0,
                "stressed_start": fig.stressed_start,
                "stressed_end": fig.stressed_end,
                "detail": _detail(fig, i, classes, firm, eligible if node == ima_node else None),
            }
        )
    ctx.catalog.replace_run_rows(FrtbResult, ctx.run_id, capital_rows)

    desk_rows = [_desk_row(ctx.as_of, d, backtests[d], plas[d], verdicts[d]) for d in desks]
    ctx.catalog.replace_run_rows(FrtbDeskTest, ctx.run_id, desk_rows)
    rfet_rows = [
        {
            "as_of": ctx.as_of,
            "factor_id": fid,
            "risk_class": tags.risk_class[k],
            "liquidity_horizon": int(tags.horizon[k]),
            "category": tags.category[k],
            "observations": eligibility[fid].observations,
            "min_in_90_days": eligibility[fid].min_in_90_days,
            "modellable": eligibility[fid].modellable,
            "rule": eligibility[fid].rule,
        }
        for k, fid in enumerate(inputs.factors.ids)
    ]
    ctx.catalog.replace_run_rows(RiskFactorEligibility, ctx.run_id, rfet_rows)

    written = ctx.lake.read(
        "results", version=version, filters=[*ctx.run_filter(), ("method", "=", FRTB_METHOD)]
    )
    firm_row = capital_rows[0]
    ima_row = next(r for r in capital_rows if r["node"] == ima_node)
    return TaskOutput(
        json_digest(
            [table_digest(written, exclude=("run_id",)), capital_rows, desk_rows, rfet_rows]
        ),
        {
            "results_version": version,
            "rows": written.num_rows,
            "capital": ima_row["capital"],
            "firm_imcc": firm_row["imcc"],
            "firm_ses": firm_row["ses"],
            "stressed_start": fig.stressed_start.isoformat(),
            "stressed_end": fig.stressed_end.isoformat(),
            "nmrf": sorted(fig.nmrf),
            "eligible_desks": len(eligible),
            "desks": len(desks),
        },
    )


def _desk_row(
    as_of: dt.date,
    desk: str,
    backtest: DeskBacktest,
    pla: PlaResult | None,
    verdict: tuple[bool, str],
) -> dict[str, Any]:
    return {
        "as_of": as_of,
        "node": desk,
        "exceptions_99": backtest.exceptions[0.99],
        "exceptions_975": backtest.exceptions[0.975],
        "backtest_observations": backtest.observations,
        "spearman": pla.spearman if pla else None,
        "ks": pla.ks if pla else None,
        "pla_observations": pla.observations if pla else 0,
        "pla_zone": pla.zone.value if pla else "n/a",
        "eligible": verdict[0],
        "reason": verdict[1],
    }


def _detail(
    fig: FrtbFigures, i: int, classes: list[str], firm: str, members: list[str] | None
) -> dict[str, Any]:
    a = fig.scopes[SCOPE_ALL]
    out: dict[str, Any] = {
        "by_class": {
            c: {
                "es": float(fig.scopes[c].calibrated[i]),
                "es_fc": float(fig.scopes[c].es_fc[i]),
                "es_rc": float(fig.scopes[c].es_rc[i]),
                "es_rs": float(fig.scopes[c].es_rs[i]),
                "explained": float(fig.scopes[c].explained[i]),
            }
            for c in classes
        },
        "liquidity_terms": {
            kind: {str(lh): float(a.buckets[kind][i, j]) for j, lh in enumerate(LIQUIDITY_HORIZONS)}
            for kind in ("fc", "rc", "rs")
        },
        "nmrf": {
            fid: {
                "ses": float(v[i]),
                "group": fig.nmrf_group[fid],
                "period": fig.nmrf_period[fid],
            }
            for fid, v in sorted(fig.nmrf.items())
        },
        "stressed_es_firm": fig.stressed_es,
        "windows_searched": fig.windows_searched,
        "current_scenarios": fig.current_scenarios,
        "stressed_scenarios": fig.stressed_scenarios,
        "multiplier_from": firm,
        "out_of_scope": list(OUT_OF_SCOPE),
    }
    if members is not None:
        out["eligible_desks"] = members
    return out
