"""Stress calculators on :class:`~riskcap.inputs.risk_inputs.RiskInputs`: historical and
hypothetical scenarios, reverse stress tests, and the stressed VaR.

Like :mod:`riskcap.engine.var`, these take arrays already read from the lake (the
inputs must hold the **whole history**, ``load_risk_inputs(..., history_days=None)``)
and return small frozen results; the pipeline and the CLI store and print them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array

from riskcap.config import CapitalConfig, HistoricalStress, HypotheticalStress, StressConfig
from riskcap.data.factor_names import tenor_years
from riskcap.engine.local import padded_book, padded_market, revalue
from riskcap.errors import RiskcapError
from riskcap.inputs.risk_inputs import RiskInputs
from riskcap.market.factors import apply_shocks, shocks_between
from riskcap.market.scenarios import fixed_window_shocks
from riskcap.pricing.book import Book, position_books, position_values
from riskcap.risk.measures import var_es
from riskcap.risk.stress import (
    FactorShock,
    LossAndGrad,
    ReverseStress,
    ReverseStressError,
    ShockKind,
    covariance_factor,
    hypothetical_shocks,
    reverse_stress,
)
from riskcap.risk.stressed import stressed_window


@dataclass(frozen=True)
class Scenario:
    """A named stress scenario as a shock vector on the run's factors."""

    name: str
    kind: str  # historical | hypothetical | reverse
    description: str
    shocks: np.ndarray  # (f,)
    detail: dict[str, object]


def _level_index(inputs: RiskInputs, day: dt.date, scenario: str) -> int:
    """Index of the last history date on or before ``day``."""
    dates = inputs.dates
    i = int(np.searchsorted(np.array(dates, dtype="datetime64[D]"), np.datetime64(day), "right"))
    if i == 0:
        raise RiskcapError(
            f"stress scenario {scenario}: {day} is before the history of the book's factors "
            f"(which starts {dates[0]}); choose a later window"
        )
    return i - 1


def historical_scenario(inputs: RiskInputs, s: HistoricalStress) -> Scenario:
    """Every factor's move between the window's dates (last history date on or before each)."""
    if s.end > inputs.as_of:
        raise RiskcapError(f"stress scenario {s.name}: ends {s.end}, after the as-of date")
    i, j = _level_index(inputs, s.start, s.name), _level_index(inputs, s.end, s.name)
    if j <= i:
        raise RiskcapError(
            f"stress scenario {s.name}: no history date between {s.start} and {s.end}"
        )
    shocks = np.asarray(shocks_between(inputs.levels[i], inputs.levels[j], inputs.factors.is_log))
    return Scenario(
        s.name,
        "historical",
        s.description,
        shocks,
        {"start": inputs.dates[i].isoformat(), "end": inputs.dates[j].isoformat()},
    )


def factor_tenors(inputs: RiskInputs) -> np.ndarray:
    """Tenor in years of each curve factor (``IR.<CCY>.<TENOR>``), NaN for others."""
    out = np.full(len(inputs.factors.ids), np.nan)
    for i, (fid, ftype) in enumerate(zip(inputs.factors.ids, inputs.factor_types, strict=True)):
        if ftype == "zero_rate":
            out[i] = tenor_years(fid.rsplit(".", 1)[-1])
    return out


def to_factor_shocks(s: HypotheticalStress) -> list[FactorShock]:
    out = []
    for line in s.shocks:
        types = tuple(line.factor_types)
        if line.curve:
            points = tuple(sorted((tenor_years(k), v) for k, v in line.curve.items()))
            out.append(FactorShock(ShockKind.CURVE, 0.0, line.factors, types, points))
            continue
        for kind in (ShockKind.RELATIVE, ShockKind.MULTIPLY, ShockKind.ABSOLUTE):
            value = getattr(line, kind.value)
            if value is not None:
                out.append(FactorShock(kind, float(value), line.factors, types))
    return out


def hypothetical_scenario(inputs: RiskInputs, s: HypotheticalStress) -> Scenario:
    try:
        shocks, moved = hypothetical_shocks(
            to_factor_shocks(s),
            inputs.factors.ids,
            inputs.factor_types,
            inputs.market.x0,
            inputs.factors.is_log,
            factor_tenors(inputs),
        )
    except ValueError as exc:
        raise RiskcapError(f"stress scenario {s.name}: {exc}") from None
    return Scenario(s.name, "hypothetical", s.description, shocks, {"factors_moved": len(moved)})


def window_outside_history(inputs: RiskInputs, s: HistoricalStress) -> str | None:
    """Why the historical window ``s`` cannot be replayed on this history (``None``: it
    can): it ends after the as-of date or starts before the factors' first date."""
    if s.end > inputs.as_of:
        return f"{s.name} ends {s.end}, after the as-of date {inputs.as_of}"
    if not inputs.dates or s.start < inputs.dates[0]:
        first = inputs.dates[0] if inputs.dates else "—"
        return (
            f"{s.name} starts {s.start}, before the history of the book's factors "
            f"(which starts {first})"
        )
    return None


def named_scenarios(
    inputs: RiskInputs, config: StressConfig, only: Sequence[str] | None = None
) -> list[Scenario]:
    """The configured historical and hypothetical scenarios (``only``: those names;
    :func:`riskcap.pipeline.tasks.stress.stress_scenarios` rejects unknown ones).

    A historical window outside the history is left out (the stress task records
    why, see :func:`window_outside_history`) unless ``only`` names it, which is an
    error naming the window and the history's span.
    """
    wanted = set(only) if only else None
    out = []
    for s in config.historical:
        if wanted and s.name not in wanted:
            continue
        reason = window_outside_history(inputs, s)
        if reason is None:
            out.append(historical_scenario(inputs, s))
        elif wanted:
            raise RiskcapError(f"stress scenario {reason}; choose a window inside the history")
    out += [
        hypothetical_scenario(inputs, s)
        for s in config.hypothetical
        if not wanted or s.name in wanted
    ]
    return out


def scenario_pnl(inputs: RiskInputs, scenarios: Sequence[Scenario], memory_gb: float) -> np.ndarray:
    """P&L ``(nodes, scenarios)`` by full revaluation (profit positive)."""
    if not scenarios:
        return np.zeros((len(inputs.hierarchy.nodes), 0))
    shocks = np.stack([s.shocks for s in scenarios])
    return revalue(inputs.book, inputs.market, shocks, inputs.hierarchy, memory_gb=memory_gb)


@jax.jit
def _loss_and_grad(
    book: Book, weights: Array, x0: Array, is_log: Array, a: Array, z: Array
) -> tuple[Array, Array]:
    """Loss of the weighted positions under shocks ``a @ z`` and its gradient in ``z``."""
    base = jnp.sum(weights * position_values(book, x0))

    def loss(zz: Array) -> Array:
        x = apply_shocks(x0, (a @ zz)[None, :], is_log)[0]
        return base - jnp.sum(weights * position_values(book, x))

    return jax.value_and_grad(loss)(z)


def node_loss_and_grad(inputs: RiskInputs, node: str, factor: np.ndarray) -> LossAndGrad:
    """``z ↦ (loss, ∂loss/∂z)`` of ``node`` under shocks ``factor @ z``, full revaluation."""
    h = inputs.hierarchy
    book = jax.tree_util.tree_map(jnp.asarray, padded_book(inputs.book))
    weights = jnp.asarray(h.membership[h.index(node)])[position_books(book)]
    # factors padded like the revaluation's (never priced, never shocked) and the
    # directions with them (zero columns move nothing): a book that gains an underlying
    # keeps the compiled gradient
    x0, is_log = padded_market(inputs.market.x0, inputs.factors.is_log, inputs.market.width)
    factor = np.asarray(factor, np.float64)
    dims = factor.shape[1]
    padded = np.zeros((x0.shape[0], x0.shape[0]))
    padded[: factor.shape[0], :dims] = factor
    args = (
        book,
        weights,
        jnp.asarray(x0, jnp.float64),
        jnp.asarray(is_log, bool),
        jnp.asarray(padded, jnp.float64),
    )

    def call(z: np.ndarray) -> tuple[float, np.ndarray]:
        full = np.zeros(padded.shape[1])
        full[:dims] = z
        value, grad = _loss_and_grad(*args, jnp.asarray(full, jnp.float64))
        return float(value), np.asarray(grad)[:dims]

    return call


def reverse_scenario(
    inputs: RiskInputs, covariance: np.ndarray, target: float, node: str, name: str
) -> tuple[Scenario, ReverseStress]:
    """The most plausible move under ``covariance`` losing ``target`` at ``node``."""
    factor = covariance_factor(covariance)
    # zero columns up to one per factor: the same compiled shape whatever the rank of
    # the covariance (a zero column only adds norm, so the optimum leaves it at 0)
    factor = np.pad(factor, ((0, 0), (0, factor.shape[0] - factor.shape[1])))
    try:
        found = reverse_stress(node_loss_and_grad(inputs, node, factor), factor.shape[1], target)
    except ReverseStressError as exc:
        raise RiskcapError(f"reverse stress {name} ({node}): {exc}") from None
    shocks = factor @ found.z
    order = np.argsort(-np.abs(shocks), kind="stable")[:10]
    detail: dict[str, object] = {
        "node": node,
        "target_loss": target,
        "loss": found.loss,
        "mahalanobis": found.mahalanobis,
        "iterations": found.iterations,
        "alignment": found.alignment,
        "largest_moves": {inputs.factors.ids[i]: float(shocks[i]) for i in order},
    }
    description = (
        f"most plausible move losing {target:,.0f} at {node}: "
        f"{found.mahalanobis:.2f} standard deviations"
    )
    return Scenario(name, "reverse", description, shocks, detail), found


@dataclass(frozen=True)
class StressedVar:
    """Stressed VaR/ES per node from the window chosen on the firm's P&L."""

    start: dt.date
    end: dt.date
    window: int
    horizon: int
    confidence: float
    search_var: float  # the firm's VaR in the chosen window (= its stressed VaR)
    windows_searched: int
    nodes: tuple[str, ...]
    figures: dict[float, tuple[np.ndarray, np.ndarray]]  # confidence → (VaR, ES) per node
    scenarios: int


def stressed_var(
    inputs: RiskInputs,
    config: CapitalConfig,
    confidences: Sequence[float],
    memory_gb: float,
) -> StressedVar:
    """Search the stressed window (:mod:`riskcap.risk.stressed`) and price every node in it."""
    h, window = config.horizon, config.stressed_window
    dates, levels = inputs.dates, inputs.levels
    if config.stressed_from is not None:
        first = _level_index(inputs, config.stressed_from, "stressed period search")
        dates, levels = dates[first:], levels[first:]
    if len(dates) < window + 1:
        raise RiskcapError(
            f"the stressed-period search needs {window + 1} dates of history for the book's "
            f"factors; the lake has {len(dates)} up to {inputs.as_of}"
        )
    # one compiled shape as the history grows: returns() pads to a bucketed length
    shocks = fixed_window_shocks(levels, inputs.factors.is_log, horizon=h)
    pnl = revalue(inputs.book, inputs.market, shocks, inputs.hierarchy, memory_gb=memory_gb)
    found = stressed_window(pnl[0], window, h, config.confidence)
    m = window - h + 1
    inside = pnl[:, found.start : found.start + m]
    figures = {}
    for conf in sorted(set(confidences), reverse=True):
        var, es = (np.asarray(a) for a in var_es(inside, conf))
        figures[conf] = (var, es)
    return StressedVar(
        start=dates[found.start],
        end=dates[found.start + window],
        window=window,
        horizon=h,
        confidence=config.confidence,
        search_var=found.var,
        windows_searched=found.windows,
        nodes=inputs.hierarchy.nodes,
        figures=figures,
        scenarios=m,
    )
