"""Request and response bodies of the API (pydantic), separate from the storage models.

Money is in the reporting currency; VaR, ES and capital are positive numbers for
losses; P&L is profit positive (DESIGN.md §3).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from riskcap.data.identifiers import (
    IDENTIFIER_RULE,
    MAX_IDENTIFIER_LENGTH,
    MAX_TEXT_LENGTH,
    check_identifier,
    check_text,
)

NODE_LEVELS = ("firm", "entity", "desk", "book", "ima")


def _node_label(value: str) -> str:
    level, sep, name = value.partition(":")
    if not sep or level not in NODE_LEVELS:
        raise ValueError(f"a node is level:name with level one of {', '.join(NODE_LEVELS)}")
    return f"{level}:{check_identifier(name, 'the node name')}"


NodeLabel = Annotated[
    str,
    Field(
        min_length=3,
        max_length=200,
        examples=["desk:EQ-CASH"],
        description=f"A hierarchy node, level:name (the name: {IDENTIFIER_RULE})",
    ),
    AfterValidator(_node_label),
]
Identifier = Annotated[
    str,
    Field(min_length=1, max_length=MAX_IDENTIFIER_LENGTH, description=IDENTIFIER_RULE),
    AfterValidator(lambda v: check_identifier(v, "the identifier")),
]
FreeText = Annotated[
    str,
    Field(max_length=MAX_TEXT_LENGTH),
    AfterValidator(lambda v: check_text(v, "the text")),
]
Measure = Literal["var", "es"]
Method = Literal["hs", "mc", "fhs"]
Money = Annotated[float, Field(allow_inf_nan=False)]


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Me(_Out):
    key_id: str
    role: str
    desks: list[str]
    all_desks: bool


class TaskOut(_Out):
    name: str
    status: str
    attempts: int
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    seconds: float | None = None
    error: str | None


class RunOut(_Out):
    run_id: str
    as_of: dt.date
    status: str
    engine: str | None = None
    created_at: dt.datetime
    finished_at: dt.datetime | None = None
    message: str | None = None
    seconds: float | None = None


class RequestOut(_Out):
    request_id: str
    as_of: dt.date
    status: str
    force: bool
    requested_by: str
    run_id: str | None
    outcome: str | None
    message: str | None
    created_at: dt.datetime
    finished_at: dt.datetime | None


class RunDetail(BaseModel):
    run_id: str
    as_of: dt.date
    status: str = Field(description="queued | running | succeeded | failed")
    run: RunOut | None = Field(None, description="The run record, once it exists")
    tasks: list[TaskOut] = []
    request: RequestOut | None = Field(None, description="The API request, if triggered here")
    resolved_run_id: str | None = Field(
        None, description="The run that answered the request when it is not this id"
    )


class TriggerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    as_of: dt.date
    force: bool = Field(False, description="Compute again even if the same inputs were run")


class TriggerOut(BaseModel):
    run_id: str
    as_of: dt.date
    status: str
    status_url: str


class ResultOut(_Out):
    run_id: str
    as_of: dt.date
    node: str
    method: str
    measure: str
    horizon: int
    confidence: float
    value: float
    scenarios: int


class Histogram(BaseModel):
    edges: list[float]
    counts: list[int]


class PnlDistribution(BaseModel):
    run_id: str
    as_of: dt.date
    node: str
    scenario_set: str
    scenarios: int
    mean: float
    std: float
    min: float
    max: float
    quantiles: dict[str, float]
    var: dict[str, float] = Field(description="VaR by confidence (loss positive)")
    es: dict[str, float] = Field(description="ES by confidence (loss positive)")
    histogram: Histogram


class ExceptionOut(_Out):
    node: str
    date: dt.date
    pnl_type: str
    pnl: float
    var: float
    confidence: float
    method: str


class ZoneOut(BaseModel):
    node: str
    as_of: dt.date
    zone: str
    exceptions: int
    observations: int
    multiplier: float
    indicative: bool = Field(description="Fewer than 250 observations (MAR99): indicative")


class Backtests(BaseModel):
    exceptions: list[ExceptionOut]
    zones: list[ZoneOut]


class CapitalOut(_Out):
    run_id: str
    as_of: dt.date
    node: str
    regime: str
    capital: float
    var_latest: float
    var_average: float
    var_term: float
    svar_latest: float
    svar_average: float
    svar_term: float
    multiplier: float
    plus_factor: float
    zone: str
    exceptions: int
    observations: int
    indicative: bool = Field(
        False, description="The backtest behind the multiplier has < 250 observations"
    )


class FrtbOut(_Out):
    run_id: str
    as_of: dt.date
    node: str
    capital: float
    imcc: float
    ses: float
    binding: str
    es_fc: float
    es_rc: float
    es_rs: float
    multiplier: float
    zone: str
    observations: int
    explained: float = Field(description="ES_R,C / ES_F,C: share the reduced set explains")
    reduced_set_adequate: bool = Field(
        False, description="The reduced set explains at least 75 % (MAR33.5(2)(c))"
    )
    indicative: bool = Field(
        False, description="The backtest behind the multiplier has < 250 observations"
    )


class AdequacyRatio(BaseModel):
    """A capital or leverage ratio against its requirement (minimum + buffers)."""

    value: float
    minimum: float = Field(description="RBC20.2: CET1 4.5%, Tier 1 6%, total 8%; LEV20 3%")
    requirement: float = Field(description="minimum + the combined CET1 buffer (RBC30)")
    surplus: float = Field(description="capital above the requirement (negative: shortfall)")
    met: bool


class NettingSetOut(BaseModel):
    """A netting set's SA-CCR figures (CRE52)."""

    netting_set: str
    counterparty: str
    margined: bool
    mtm: float
    rc: float
    addon: float
    multiplier: float
    ead: float
    rwa: float


class AdequacyNode(BaseModel):
    """A legal entity's or the firm's Basel III capital adequacy (reporting currency)."""

    node: str
    rwa: dict[str, float] = Field(description="credit, ccr, cva, market, operational")
    rwa_internal: float
    rwa_standardised: float = Field(description="the output floor's base (RBC20.11)")
    output_floor: float = Field(description="the floor percentage in force")
    floor_add_on: float
    rwa_total: float
    capital: dict[str, float] = Field(description="cet1, tier1, total")
    buffers: dict[str, float] = Field(description="conservation, countercyclical, systemic")
    ratios: dict[str, AdequacyRatio] = Field(description="cet1, tier1, total, leverage")
    leverage_exposure: float
    credit: dict[str, float] = Field(description="ead, el, irb_share, rwa_sa")
    ccr: dict[str, float] = Field(description="ead, netting_sets, unassigned")
    cva_capital: float
    market_rwa_sa: float
    operational: dict[str, float] = Field(description="bi, bic, lc, ilm, bucket, loss_years")
    netting_sets: list[NettingSetOut]


class Adequacy(BaseModel):
    """Basel III capital adequacy of a run: RWA by risk type, output floor and ratios."""

    run_id: str
    as_of: dt.date
    nodes: list[AdequacyNode]
    out_of_scope: list[str]


class FrtbSaOut(BaseModel):
    """A node's FRTB standardised approach (MAR20–23) and, on the firm, the market-risk
    capital of MAR33.43 (``acr``)."""

    run_id: str
    as_of: dt.date
    node: str
    sa: float = Field(description="SBM + DRC + RRAO")
    sbm: float = Field(description="The largest of the three scenario totals (MAR21.7)")
    scenario: str = Field(description="The binding correlation scenario: high, medium or low")
    sbm_by_scenario: dict[str, float]
    drc: float
    rrao: float
    components: dict[str, float] = Field(
        description="<class>:<measure>:<scenario> → charge (delta, vega, curvature)"
    )
    acr: dict[str, float] | None = Field(
        None, description="MAR33.43: total, ima_ga, c_a, drc_ga, sa_ga, c_u, sa_all, surcharge, k"
    )


class Capital(BaseModel):
    basel25: list[CapitalOut]
    frtb: list[FrtbOut]
    frtb_sa: list[FrtbSaOut] = Field(default_factory=list)


class StressOut(_Out):
    run_id: str
    as_of: dt.date
    scenario: str
    kind: str
    node: str
    pnl: float
    description: str


class LimitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    node: NodeLabel
    measure: Measure = "var"
    method: Method = "hs"
    horizon: int = Field(1, ge=1, le=250)
    confidence: float = Field(0.99, gt=0.0, lt=1.0)
    limit_value: Money = Field(gt=0.0, le=1e15, description="Limit in the reporting currency")
    description: FreeText = ""


class LimitOut(_Out):
    id: int
    node: str
    measure: str
    method: str
    horizon: int
    confidence: float
    limit_value: float
    description: str
    created_by: str
    created_at: dt.datetime
    value: float | None = Field(None, description="The figure in the latest run")
    utilisation: float | None = Field(None, description="value / limit")
    as_of: dt.date | None = None


class AlertOut(_Out):
    id: int
    run_id: str
    limit_id: int | None = Field(description="None once the limit was deleted")
    as_of: dt.date | None
    node: str
    measure: str
    method: str
    horizon: int
    confidence: float
    value: float
    limit_value: float
    message: str
    acknowledged: bool
    webhook: str | None
    created_at: dt.datetime


class ReadyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: Identifier
    as_of: dt.date


class ReadyOut(BaseModel):
    source: str
    as_of: dt.date
    recorded_at: dt.datetime
    newly_recorded: bool


class TradeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    book_id: Identifier
    instrument_id: Identifier
    quantity: float = Field(allow_inf_nan=False, ge=-1e12, le=1e12)


class WhatIfIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    trades: list[TradeIn] = Field(min_length=1, max_length=1000)


class NodeImpactOut(_Out):
    node: str
    var_before: float
    var_after: float
    incremental_var: float
    es_before: float
    es_after: float
    incremental_es: float


class WhatIfOut(_Out):
    run_id: str
    as_of: dt.date
    scenario_set: str
    scenarios: int
    confidence: float
    standalone_var: float
    standalone_es: float
    nodes: list[NodeImpactOut]
    milliseconds: float


class HedgeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    instrument_id: Identifier
    lower: float | None = Field(
        None, allow_inf_nan=False, ge=-1e12, le=1e12, description="Lowest quantity (none: no bound)"
    )
    upper: float | None = Field(
        None,
        allow_inf_nan=False,
        ge=-1e12,
        le=1e12,
        description="Highest quantity (none: no bound)",
    )
    cost: float | None = Field(
        None,
        allow_inf_nan=False,
        ge=0,
        le=1e12,
        description="Cost of one unit for the budget "
        "(default: the absolute value of one unit today)",
    )


class OptimiseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    node: str = Field(description="The node whose risk to lower, e.g. desk:EQ-DERIV")
    book: Identifier | None = Field(
        None, description="The book under the node that takes the hedge (default: the node)"
    )
    hedges: list[HedgeIn] = Field(min_length=1, max_length=50)
    measure: Literal["es", "var"] = "es"
    solver: Literal["lp", "gradient", "both"] = "lp"
    budget: float | None = Field(None, allow_inf_nan=False, ge=0, le=1e15)
    min_mean: float | None = Field(None, allow_inf_nan=False, ge=-1e15, le=1e15)


class HedgeLineOut(_Out):
    instrument_id: str
    quantity: float
    lower: float | None
    upper: float | None
    cost: float
    marginal_es: float
    es_per_unit_bought: float
    es_per_unit_sold: float


class SolverReportOut(_Out):
    solver: str
    var: float
    es: float
    iterations: int
    seconds: float
    compile_seconds: float
    violation: float


class OptimiseOut(_Out):
    run_id: str
    node: str
    book: str
    measure: str
    confidence: float
    scenario_set: str
    scenarios: int
    var_before: float
    es_before: float
    var_after: float
    es_after: float
    solver: str
    hedges: list[HedgeLineOut]
    solvers: list[SolverReportOut]
    whatif: WhatIfOut


class NodeOut(BaseModel):
    node: str
    level: str
    parent: str | None


class AuditOut(_Out):
    id: int
    at: dt.datetime
    actor: str
    action: str
    target: str
    client: str | None
    detail: dict[str, Any]


class ErrorOut(BaseModel):
    error: str = Field(description="The error class")
    detail: str = Field(description="What went wrong and what to do")
