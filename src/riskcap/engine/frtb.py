"""FRTB IMA figures on :class:`~riskcap.inputs.risk_inputs.RiskInputs` by full revaluation.

For every hierarchy node (and any extra aggregate of desks, such as the desks
eligible for the IMA) this computes, with the formulas of
:mod:`riskcap.capital.frtb_ima`:

1. the **current** ES of the full modellable set and of the reduced set: today's book
   revalued on the overlapping 10-day moves of the last ``frtb.window`` daily returns,
   once per liquidity-horizon term ``j`` with only the factors of horizon ≥ ``LH_j``
   moved (MAR33.4), 97.5 % ES per term, then the cascade;
2. the **stressed period**: the reduced set's 10-day moves over the whole history
   since ``frtb.stressed_from`` revalued per term, the cascade ES of the firm in every
   window of ``frtb.stressed_window`` returns at once
   (:func:`riskcap.risk.stressed.rolling_var_es`, the stressed-VaR search with ES), and
   the window with the largest one (the earliest on a tie) — MAR33.5(2);
3. per scope — every risk class together (unconstrained) and each risk class alone —
   ``ES = ES_R,S · max(ES_F,C / ES_R,C, 1)`` and the IMCC of MAR33.15;
4. for each **non-modellable** factor the book depends on, a stress scenario: the
   97.5 % ES of the book's P&L when that factor alone moves as it did over 10 days,
   the worse of the current 12 months and the stressed period (its own history),
   scaled from 10 days to ``max(LH, 20)`` days by ``√(LH/10)``; aggregated by MAR33.16.

Non-modellable factors never move in the ES scenarios (they are capitalised by their
stress scenarios instead); the reduced set is ``frtb.reduced_*`` among the modellable.
All revaluations of a step go through one :func:`riskcap.engine.local.revalue` call.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from riskcap.capital.frtb_ima import (
    BASE_HORIZON,
    ES_CONFIDENCE,
    LIQUIDITY_HORIZONS,
    StressCalibrated,
    bucket_masks,
    cascade_es,
    imcc,
    nmrf_horizon,
    ses_aggregate,
)
from riskcap.config import FrtbConfig, RiskClass
from riskcap.engine.local import revalue
from riskcap.errors import RiskcapError
from riskcap.inputs.risk_inputs import RiskInputs
from riskcap.market.scenarios import fixed_window_shocks
from riskcap.risk.measures import var_es
from riskcap.risk.stressed import rolling_var_es, window_size

SCOPE_ALL = "all"
NMRF_GROUPS = ("idiosyncratic_credit", "idiosyncratic_equity", "correlated")


@dataclass(frozen=True)
class FactorTags:
    """Risk class, liquidity horizon and reduced-set membership of each run factor."""

    risk_class: tuple[str, ...]
    horizon: np.ndarray  # (f,) days
    category: tuple[str, ...]
    idiosyncratic: np.ndarray  # (f,) bool
    reduced: np.ndarray  # (f,) bool


def tag_factors(ids: Sequence[str], types: Sequence[str], config: FrtbConfig) -> FactorTags:
    """Apply ``frtb.factor_classes`` (first match wins) and the reduced-set selectors."""
    classes, horizons, categories, idio, reduced = [], [], [], [], []
    for fid, ftype in zip(ids, types, strict=True):
        rule = next(
            (
                r
                for r in config.factor_classes
                if (not r.factor_types or ftype in r.factor_types)
                and any(fnmatch.fnmatchcase(fid, g) for g in r.factors)
            ),
            None,
        )
        if rule is None:
            raise RiskcapError(
                f"no [[frtb.factor_classes]] rule matches factor {fid} (type {ftype}): add one "
                "with its risk class and liquidity horizon"
            )
        classes.append(rule.risk_class.value)
        horizons.append(rule.liquidity_horizon)
        categories.append(rule.category)
        idio.append(rule.idiosyncratic)
        reduced.append(
            ftype in config.reduced_factor_types
            or any(fnmatch.fnmatchcase(fid, g) for g in config.reduced_factors)
        )
    return FactorTags(
        tuple(classes),
        np.array(horizons, np.int64),
        tuple(categories),
        np.array(idio, bool),
        np.array(reduced, bool),
    )


@dataclass(frozen=True)
class ScopeEs:
    """ES figures of one scope (all classes or one risk class) per node."""

    buckets: dict[str, np.ndarray]  # fc | rc | rs → (nodes, 5) ES_T(P, j)
    es_fc: np.ndarray  # (nodes,) cascaded
    es_rc: np.ndarray
    es_rs: np.ndarray
    calibrated: np.ndarray  # ES_R,S · max(ES_F,C / ES_R,C, 1)
    explained: np.ndarray  # ES_R,C / ES_F,C


@dataclass(frozen=True)
class FrtbFigures:
    nodes: tuple[str, ...]
    scopes: dict[str, ScopeEs]  # "all" and each risk class present
    imcc: np.ndarray  # (nodes,)
    ses: np.ndarray  # (nodes,)
    nmrf: dict[str, np.ndarray]  # factor → its SES_NM per node (positive loss)
    nmrf_group: dict[str, str]  # factor → aggregation group of MAR33.16
    nmrf_period: dict[str, str]  # factor → which period gave its scenario
    stressed_start: dt.date
    stressed_end: dt.date
    stressed_es: float  # the firm's reduced-set cascade ES in the stressed window
    windows_searched: int
    current_scenarios: int
    stressed_scenarios: int


def _with_aggregates(
    pnl: np.ndarray, nodes: tuple[str, ...], aggregates: Mapping[str, Sequence[str]]
) -> np.ndarray:
    """Append one row per aggregate: the sum of its member nodes' P&L (P&L adds up)."""
    if not aggregates:
        return pnl
    index = {n: i for i, n in enumerate(nodes)}
    extra = [
        pnl[[index[m] for m in members]].sum(axis=0) if members else np.zeros(pnl.shape[1])
        for members in aggregates.values()
    ]
    return np.vstack([pnl, np.stack(extra)])


def _complete_rows(
    dates: Sequence[dt.date], levels: np.ndarray, columns: np.ndarray
) -> tuple[list[dt.date], np.ndarray]:
    ok = ~np.isnan(levels[:, columns]).any(axis=1)
    return [d for d, k in zip(dates, ok, strict=True) if k], levels[ok]


def frtb_figures(
    inputs: RiskInputs,
    tags: FactorTags,
    modellable: np.ndarray,
    history: tuple[Sequence[dt.date], np.ndarray],
    config: FrtbConfig,
    memory_gb: float,
    aggregates: Mapping[str, Sequence[str]] | None = None,
) -> FrtbFigures:
    """Every FRTB IMA figure of the run (module docstring).

    ``history`` is ``(dates, levels)`` of the run's factors (columns in
    ``inputs.factors`` order, NaN where missing) since ``config.stressed_from``: the
    reduced set's stressed-period search and the NMRFs' own histories come from it.
    """
    h = BASE_HORIZON
    aggregates = dict(aggregates or {})
    nodes = (*inputs.hierarchy.nodes, *aggregates)
    is_log = np.asarray(inputs.factors.is_log, bool)
    modellable = np.asarray(modellable, bool)
    reduced = tags.reduced & modellable
    x0 = np.asarray(inputs.market.x0, np.float64)

    def pnl_of(shocks: np.ndarray) -> np.ndarray:
        if shocks.shape[0] == 0:
            return np.zeros((len(nodes), 0))
        raw = revalue(inputs.book, inputs.market, shocks, inputs.hierarchy, memory_gb=memory_gb)
        return _with_aggregates(raw, inputs.hierarchy.nodes, aggregates)

    if len(inputs.dates) < config.window + 1:
        raise RiskcapError(
            f"the FRTB current ES needs {config.window + 1} dates of history for the book's "
            f"factors; the lake has {len(inputs.dates)} up to {inputs.as_of}"
        )
    current = np.asarray(
        fixed_window_shocks(inputs.levels[-(config.window + 1) :], is_log, horizon=h)
    )
    if not reduced.any():
        raise RiskcapError(
            "the FRTB reduced set is empty among the modellable factors: set "
            "frtb.reduced_factor_types or frtb.reduced_factors"
        )

    # -- 2. the stressed period, searched on the firm's reduced-set cascade ES ------------
    h_dates, h_levels = history
    r_dates, r_levels = _complete_rows(h_dates, np.asarray(h_levels, np.float64), reduced)
    if len(r_dates) < config.stressed_window + 1:
        raise RiskcapError(
            f"the FRTB stressed-period search needs {config.stressed_window + 1} dates on which "
            f"every reduced-set factor has a value; the lake has {len(r_dates)}"
        )
    filled = np.where(reduced, r_levels, x0)  # factors outside the set do not move
    hist_shocks = np.asarray(fixed_window_shocks(filled, is_log, horizon=h)) * reduced
    search_masks = bucket_masks(tags.horizon, reduced)
    terms = [j for j in range(len(LIQUIDITY_HORIZONS)) if search_masks[j].any()]
    n_moves = hist_shocks.shape[0]
    firm = pnl_of(np.concatenate([hist_shocks * search_masks[j] for j in terms]))[0]
    n_windows = n_moves - window_size(config.stressed_window, h) + 1
    es_windows = np.zeros((n_windows, len(LIQUIDITY_HORIZONS)))
    for t, j in enumerate(terms):
        _, es = rolling_var_es(
            firm[t * n_moves : (t + 1) * n_moves], config.stressed_window, h, ES_CONFIDENCE
        )
        es_windows[:, j] = np.asarray(es)
    window_es = cascade_es(es_windows)
    best = int(np.argmax(window_es))  # the first maximum: the earliest window on a tie
    m_s = window_size(config.stressed_window, h)
    stressed = hist_shocks[best : best + m_s]
    start, end = r_dates[best], r_dates[best + config.stressed_window]

    # -- 1. and 3. current and stressed ES per scope, term and factor set ----------------
    classes = sorted({tags.risk_class[k] for k in np.flatnonzero(modellable)})
    order = [c.value for c in RiskClass if c.value in classes]
    # (scope, kind, term) → its scenario set: the period's moves with the factors of a
    # mask; sets with the same period and mask (a class whose factors are all in the
    # reduced set, terms no factor of a scope reaches past) are revalued once
    blocks: list[tuple[str, str, int, int]] = []
    sets: dict[tuple[str, bytes], int] = {}
    scenario_sets: list[np.ndarray] = []

    def scenario_set(period: str, moves: np.ndarray, mask: np.ndarray) -> int:
        key = (period, mask.tobytes())
        if key not in sets:
            sets[key] = len(scenario_sets)
            scenario_sets.append(moves * mask)
        return sets[key]

    for scope in (SCOPE_ALL, *order):
        base = modellable & (
            np.ones_like(modellable)
            if scope == SCOPE_ALL
            else np.array([c == scope for c in tags.risk_class])
        )
        full, red = bucket_masks(tags.horizon, base), bucket_masks(tags.horizon, base & reduced)
        for j in range(len(LIQUIDITY_HORIZONS)):
            if full[j].any():
                blocks.append((scope, "fc", j, scenario_set("current", current, full[j])))
            if red[j].any():
                blocks.append((scope, "rc", j, scenario_set("current", current, red[j])))
                blocks.append((scope, "rs", j, scenario_set("stressed", stressed, red[j])))
    pnl = pnl_of(np.concatenate(scenario_sets))
    starts = np.cumsum([0, *(m.shape[0] for m in scenario_sets)])
    es_of = [
        np.asarray(var_es(pnl[:, starts[n] : starts[n + 1]], ES_CONFIDENCE)[1])
        for n in range(len(scenario_sets))
    ]
    es_by: dict[str, dict[str, np.ndarray]] = {
        s: {k: np.zeros((len(nodes), len(LIQUIDITY_HORIZONS))) for k in ("fc", "rc", "rs")}
        for s in (SCOPE_ALL, *order)
    }
    for scope, kind, j, set_index in blocks:
        es_by[scope][kind][:, j] = es_of[set_index]
    scopes = {}
    for scope, by in es_by.items():
        fc, rc, rs = (cascade_es(by[k]) for k in ("fc", "rc", "rs"))
        cal = [
            StressCalibrated(float(a), float(b), float(c))
            for a, b, c in zip(rs, fc, rc, strict=True)
        ]
        scopes[scope] = ScopeEs(
            buckets=by,
            es_fc=fc,
            es_rc=rc,
            es_rs=rs,
            calibrated=np.array([c.es for c in cal]),
            explained=np.array([c.explained for c in cal]),
        )
    charge = np.array(
        [
            imcc(
                scopes[SCOPE_ALL].calibrated[i],
                np.array([scopes[c].calibrated[i] for c in order]),
            )
            for i in range(len(nodes))
        ]
    )

    # -- 4. non-modellable risk factors --------------------------------------------------
    nmrf_blocks: list[tuple[str, str, np.ndarray]] = []
    for k in np.flatnonzero(~modellable):
        fid = inputs.factors.ids[k]
        move = np.zeros_like(current)
        move[:, k] = current[:, k]
        nmrf_blocks.append((fid, "current", move))
        inside = [
            i for i, d in enumerate(h_dates) if start <= d <= end and not np.isnan(h_levels[i, k])
        ]
        if len(inside) > h:
            own = np.asarray(h_levels, np.float64)[inside][:, [k]]
            moves = np.asarray(fixed_window_shocks(own, is_log[[k]], horizon=h))
            shocks = np.zeros((moves.shape[0], len(is_log)))
            shocks[:, k] = moves[:, 0]
            nmrf_blocks.append((fid, "stressed", shocks))
    nmrf_pnl = pnl_of(
        np.concatenate([b[2] for b in nmrf_blocks]) if nmrf_blocks else np.zeros((0, len(is_log)))
    )
    worst: dict[str, np.ndarray] = {}
    period: dict[str, str] = {}
    col = 0
    for fid, which, shocks in nmrf_blocks:
        part = nmrf_pnl[:, col : col + shocks.shape[0]]
        col += shocks.shape[0]
        loss = np.maximum(np.asarray(var_es(part, ES_CONFIDENCE)[1]), 0.0)
        if fid not in worst or loss[0] > worst[fid][0]:
            period[fid] = which
        worst[fid] = loss if fid not in worst else np.maximum(worst[fid], loss)
    nmrf: dict[str, np.ndarray] = {}
    group: dict[str, str] = {}
    for fid, tail in worst.items():
        n = inputs.factors.index(fid)
        nmrf[fid] = tail * np.sqrt(nmrf_horizon(int(tags.horizon[n])) / h)
        cls = tags.risk_class[n]
        if tags.idiosyncratic[n] and cls == RiskClass.CREDIT_SPREAD.value:
            group[fid] = NMRF_GROUPS[0]
        elif tags.idiosyncratic[n] and cls == RiskClass.EQUITY.value:
            group[fid] = NMRF_GROUPS[1]
        else:
            group[fid] = NMRF_GROUPS[2]
    ses = np.array(
        [
            ses_aggregate(
                *(
                    [nmrf[f][i] for f in nmrf if group[f] == g]  # type: ignore[arg-type]
                    for g in NMRF_GROUPS
                )
            )
            for i in range(len(nodes))
        ]
    )
    return FrtbFigures(
        nodes=nodes,
        scopes=scopes,
        imcc=charge,
        ses=ses,
        nmrf=nmrf,
        nmrf_group=group,
        nmrf_period=period,
        stressed_start=start,
        stressed_end=end,
        stressed_es=float(window_es[best]),
        windows_searched=int(n_windows),
        current_scenarios=int(current.shape[0]),
        stressed_scenarios=int(stressed.shape[0]),
    )
