"""What-if VaR of proposed trades on the run of record's scenarios."""

from __future__ import annotations

from fastapi import APIRouter

from riskcap.api import schemas as S
from riskcap.api.deps import (
    Caller,
    State,
    check_node,
    visible,
)
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
