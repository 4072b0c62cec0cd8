"""What-if VaR of proposed trades, and ES-minimising hedges, on the run of record's
scenarios."""

from __future__ import annotations

import math

from fastapi import APIRouter

from riskcap.api import schemas as S
from riskcap.api.deps import (
    Caller,
    State,
    check_node,
    visible,
)
from riskcap.api.optimise import HedgeSpec
from riskcap.api.optimise import optimise as run_optimise
from riskcap.api.whatif import ProposedTrade
from riskcap.errors import RiskcapError

router = APIRouter(prefix="/v1")


# -- what-if -----------------------------------------------------------------------
@router.post(
    "/whatif", response_model=S.WhatIfOut, tags=["what-if"], responses={422: {"model": S.ErrorOut}}
)
def whatif(body: S.WhatIfIn, st: State, caller: Caller) -> S.WhatIfOut:
    """Incremental VaR and ES of proposed trades against the latest run's P&L vectors.

    Read-only (nothing is stored): every role may ask, on books of its desks.
    """
    cfg = st.settings.service
    if len(body.trades) > cfg.whatif_max_trades:
        raise RiskcapError(f"at most {cfg.whatif_max_trades} trades per what-if request")
    for t in body.trades:
        check_node(st, caller, f"book:{t.book_id}")
    model = st.whatif.model()
    result = model.evaluate(
        [ProposedTrade(t.book_id, t.instrument_id, t.quantity) for t in body.trades],
        cfg.whatif_confidence,
        visible(st, caller, model.inputs.hierarchy.nodes),
    )
    return S.WhatIfOut.model_validate(result)


# -- optimise --------------------------------------------------------------------------
@router.post(
    "/optimise",
    response_model=S.OptimiseOut,
    tags=["what-if"],
    responses={404: {"model": S.ErrorOut}, 422: {"model": S.ErrorOut}},
)
def optimise(body: S.OptimiseIn, st: State, caller: Caller) -> S.OptimiseOut:
    """Hedge quantities that minimise a node's ES (or VaR) under the latest run's
    scenarios, with the what-if of the result (:mod:`riskcap.api.optimise`).

    Read-only (nothing is stored): every role may ask, on nodes and books of its desks.
    """
    check_node(st, caller, body.node)
    if body.book is not None:
        check_node(st, caller, f"book:{body.book}")
    model = st.whatif.model()
    result = run_optimise(
        model,
        body.node,
        [
            HedgeSpec(
                h.instrument_id,
                -math.inf if h.lower is None else h.lower,
                math.inf if h.upper is None else h.upper,
                h.cost,
            )
            for h in body.hedges
        ],
        st.settings.service.whatif_confidence,
        book=body.book,
        measure=body.measure,
        solver=body.solver,
        budget=body.budget,
        min_mean=body.min_mean,
        visible=visible(st, caller, model.inputs.hierarchy.nodes),
    )
    return S.OptimiseOut.model_validate(result)
