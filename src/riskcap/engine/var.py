"""VaR / ES calculators per hierarchy node: historical, Monte Carlo, parametric.

A calculator takes :class:`~riskcap.inputs.risk_inputs.RiskInputs` (arrays already
read from the lake) and a :class:`VarSpec`, and returns one :class:`NodeRisk` per
node. Reports (CLI tables, JSON, the catalog) are built from these results.

* ``hs``: historical shocks over ``lookback`` days (1-day, or overlapping h-day),
  full revaluation, empirical VaR/ES.
* ``mc``: shocks drawn from N(0, Σ) or a multivariate Student-t with the EWMA
  covariance Σ of the daily shocks over ``lookback`` days, summed over ``horizon``
  daily steps; full revaluation, empirical VaR/ES.
* ``fhs``: filtered historical simulation — a volatility model (EWMA, GARCH or
  GJR-GARCH, ``risk.fhs_model``) fitted per factor on ``fhs_fit_days`` daily returns,
  the look-back's standardised returns rescaled to today's forecast volatility
  (:func:`riskcap.market.volatility.filtered_history_shocks`); full revaluation.
* ``parametric``: δ and Γ in shock coordinates by autodiff, Σ × horizon, then
  delta-normal, delta-gamma-normal or Cornish–Fisher.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from riskcap.choices import Innovation, McDistribution, ParametricMethod, VolModel
from riskcap.choices import VarMethod as VarMethod  # re-exported for the engine's callers
from riskcap.config import EngineConfig, RiskConfig
from riskcap.engine.local import BlockPlan, revalue
from riskcap.inputs.risk_inputs import RiskInputs
from riskcap.market.covariance import cholesky_factor, ewma_covariance, nearest_psd
from riskcap.market.factors import returns
from riskcap.market.scenarios import (
    HorizonMethod,
    historical_shocks,
    mc_normal_shocks,
    mc_student_t_shocks,
)
from riskcap.market.volatility import FilteredShocks, filtered_history_shocks
from riskcap.risk.greeks import shock_sensitivities
from riskcap.risk.measures import var_es
from riskcap.risk.parametric import cornish_fisher, delta_gamma_normal, delta_normal


@dataclass(frozen=True)
class VarSpec:
    method: VarMethod
    confidence: float
    horizon: int
    lookback: int
    horizon_method: HorizonMethod
    mc_scenarios: int
    mc_distribution: McDistribution
    student_t_nu: float
    ewma_lambda: float
    parametric: ParametricMethod
    seed: int
    memory_gb: float
    plan: BlockPlan | None = None  # block sizes other than memory_gb's (tests)
    fhs_model: VolModel = VolModel.GARCH
    fhs_innovation: Innovation = Innovation.STUDENT_T
    fhs_fit_days: int = 1000

    def __post_init__(self) -> None:  # a choice given as its name becomes the member
        for name, kind in (
            ("method", VarMethod),
            ("horizon_method", HorizonMethod),
            ("mc_distribution", McDistribution),
            ("parametric", ParametricMethod),
            ("fhs_model", VolModel),
            ("fhs_innovation", Innovation),
        ):
            object.__setattr__(self, name, kind(getattr(self, name)))

    @classmethod
    def from_config(cls, risk: RiskConfig, engine: EngineConfig, **overrides: object) -> VarSpec:
        values: dict[str, object] = dict(
            method=VarMethod.HS,
            confidence=risk.confidence,
            horizon=risk.horizon,
            lookback=risk.lookback,
            horizon_method=risk.horizon_method,
            mc_scenarios=risk.mc_scenarios,
            mc_distribution=risk.mc_distribution,
            student_t_nu=risk.student_t_nu,
            ewma_lambda=risk.ewma_lambda,
            parametric=risk.parametric,
            seed=risk.seed,
            memory_gb=engine.memory_gb,
            fhs_model=risk.fhs_model,
            fhs_innovation=risk.fhs_innovation,
            fhs_fit_days=risk.fhs_fit_days,
        )
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]

    @property
    def label(self) -> str:
        if self.method is VarMethod.HS:
            return f"hs {self.lookback}d"
        if self.method is VarMethod.MC:
            return f"mc {self.mc_distribution}"
        if self.method is VarMethod.FHS:
            return f"fhs {self.fhs_model} {self.lookback}d"
        return f"parametric {self.parametric}"

    @property
    def history_days(self) -> int:
        """Dates of history the method needs (window plus one)."""
        return self.lookback + 1


@dataclass(frozen=True)
class NodeRisk:
    node: str
    var: float
    es: float
    scenarios: int
    method: str
    confidence: float
    horizon: int
    seconds: float


@dataclass(frozen=True)
class VarResult:
    rows: list[NodeRisk]
    pnl: np.ndarray | None = field(default=None, repr=False)  # (nodes, scenarios)
    shocks: np.ndarray | None = field(default=None, repr=False)


def daily_covariance(inputs: RiskInputs, spec: VarSpec) -> np.ndarray:
    """EWMA covariance of the daily shocks over the lookback, repaired to PSD."""
    window = inputs.levels[-(spec.lookback + 1) :]
    cov = ewma_covariance(returns(window, inputs.factors.is_log, 1), spec.ewma_lambda)
    return np.asarray(nearest_psd(cov))


def scenario_shocks(inputs: RiskInputs, spec: VarSpec) -> np.ndarray:
    """The shocks a simulation method revalues on, ``(scenarios, factors)``."""
    if spec.method is VarMethod.HS:
        return np.asarray(
            historical_shocks(
                inputs.levels,
                inputs.factors.is_log,
                lookback=spec.lookback,
                horizon=spec.horizon,
                method=spec.horizon_method,
            )
        )
    if spec.method is VarMethod.MC:
        return monte_carlo_shocks(spec, daily_covariance(inputs, spec))
    if spec.method is VarMethod.FHS:
        return filtered_shocks(inputs, spec).shocks
    raise ValueError("parametric VaR does not simulate scenarios")


def filtered_shocks(inputs: RiskInputs, spec: VarSpec) -> FilteredShocks:
    """FHS shocks of ``spec``: the model fitted on the last ``fhs_fit_days`` daily returns
    (at least the look-back; fewer when the history is shorter)."""
    levels = np.asarray(inputs.levels, np.float64)
    days = min(max(spec.fhs_fit_days, spec.lookback), levels.shape[0] - 1)
    if days < spec.lookback:
        raise ValueError(
            f"FHS over {spec.lookback} days needs {spec.lookback + 1} dates, got {levels.shape[0]}"
        )
    daily = np.asarray(returns(levels[-(days + 1) :], inputs.factors.is_log, 1))
    return filtered_history_shocks(
        daily,
        lookback=spec.lookback,
        horizon=spec.horizon,
        sqrt_time=spec.horizon_method is HorizonMethod.SQRT_TIME,
        model=spec.fhs_model,
        innovation=spec.fhs_innovation,
    )


def monte_carlo_shocks(spec: VarSpec, daily_cov: np.ndarray) -> np.ndarray:
    """``spec.mc_scenarios`` shocks over ``spec.horizon`` days from the daily covariance."""
    chol = cholesky_factor(daily_cov)
    if spec.mc_distribution is McDistribution.STUDENT_T:
        shocks = mc_student_t_shocks(
            spec.seed, chol, spec.mc_scenarios, spec.student_t_nu, horizon=spec.horizon
        )
    else:
        shocks = mc_normal_shocks(spec.seed, chol, spec.mc_scenarios, horizon=spec.horizon)
    return np.asarray(shocks)


def compute_var(inputs: RiskInputs, spec: VarSpec) -> VarResult:
    """VaR and ES for every node of the hierarchy."""
    started = time.perf_counter()
    if spec.method is VarMethod.PARAMETRIC:
        return _parametric(inputs, spec, started)
    shocks = scenario_shocks(inputs, spec)
    pnl = revalue(
        inputs.book,
        inputs.market,
        shocks,
        inputs.hierarchy,
        memory_gb=spec.memory_gb,
        plan=spec.plan,
    )
    var, es = (np.asarray(a) for a in var_es(pnl, spec.confidence))
    seconds = time.perf_counter() - started
    rows = [
        NodeRisk(
            node,
            float(v),
            float(e),
            pnl.shape[1],
            spec.label,
            spec.confidence,
            spec.horizon,
            seconds,
        )
        for node, v, e in zip(inputs.hierarchy.nodes, var, es, strict=True)
    ]
    return VarResult(rows, pnl, shocks)


def _parametric(inputs: RiskInputs, spec: VarSpec, started: float) -> VarResult:
    cov = daily_covariance(inputs, spec) * spec.horizon
    delta, gamma = shock_sensitivities(
        inputs.book, inputs.market.x0, inputs.factors.is_log, inputs.hierarchy.membership
    )
    figures = []
    for d, g in zip(np.asarray(delta), np.asarray(gamma), strict=True):
        if spec.parametric is ParametricMethod.DELTA_NORMAL:
            figures.append(delta_normal(d, cov, spec.confidence))
        elif spec.parametric is ParametricMethod.DELTA_GAMMA:
            figures.append(delta_gamma_normal(d, g, cov, spec.confidence))
        else:
            figures.append(cornish_fisher(d, g, cov, spec.confidence))
    seconds = time.perf_counter() - started
    rows = [
        NodeRisk(node, float(v), float(e), 0, spec.label, spec.confidence, spec.horizon, seconds)
        for node, (v, e) in zip(inputs.hierarchy.nodes, figures, strict=True)
    ]
    return VarResult(rows)


@dataclass(frozen=True)
class ChildAttribution:
    """How one child contributes to its parent's VaR and ES (positive = adds risk)."""

    child: str
    component_var: float
    component_es: float
    incremental_var: float
    incremental_es: float
    marginal_var: float
    marginal_es: float


def attribute(
    inputs: RiskInputs, spec: VarSpec, result: VarResult, node: str
) -> list[ChildAttribution]:
    """Euler, incremental and marginal attribution of ``node``'s VaR/ES to its children.

    Simulation methods use the node P&L vectors of ``result``; parametric
    delta-normal uses the children's deltas (Jorion §7.2: Euler components
    ``z·δ_i(Σδ)_i/σ``; ES components scale by ES/VaR, both being multiples of σ).
    Delta-gamma and Cornish–Fisher have no closed-form Euler split here.
    """
    from riskcap.errors import RiskcapError
    from riskcap.risk.attribution import (
        component_es,
        component_var,
        delta_normal_components,
        incremental,
        marginal,
    )

    h = inputs.hierarchy
    parent = h.index(node)
    children = h.children(parent)
    if not children:
        raise RiskcapError(f"{node} has no children to attribute to")
    names = [h.nodes[c] for c in children]
    if spec.method is not VarMethod.PARAMETRIC:
        if result.pnl is None:
            raise RiskcapError(f"{spec.label} kept no P&L vectors to attribute {node} with")
        total, parts = result.pnl[parent], result.pnl[children]
        figures = [
            np.asarray(f)
            for f in (
                component_var(total, parts, spec.confidence),
                component_es(total, parts, spec.confidence),
                incremental(total, parts, spec.confidence, "var"),
                incremental(total, parts, spec.confidence, "es"),
                marginal(total, parts, spec.confidence, "var"),
                marginal(total, parts, spec.confidence, "es"),
            )
        ]
        return [ChildAttribution(n, *(float(f[i]) for f in figures)) for i, n in enumerate(names)]
    if spec.parametric is not ParametricMethod.DELTA_NORMAL:
        raise RiskcapError(
            f"attribution of {spec.parametric} VaR is not available; use --method hs or mc, "
            "or --parametric delta_normal"
        )
    cov = daily_covariance(inputs, spec) * spec.horizon
    delta, _ = shock_sensitivities(
        inputs.book, inputs.market.x0, inputs.factors.is_log, h.membership
    )
    delta = np.asarray(delta)
    comp = np.asarray(delta_normal_components(delta[children], cov, spec.confidence))
    var, es = (float(x) for x in delta_normal(delta[parent], cov, spec.confidence))
    ratio = es / var if var else 0.0
    rows = []
    for i, (c, n) in enumerate(zip(children, names, strict=True)):
        v_wo, e_wo = (
            float(x) for x in delta_normal(delta[parent] - delta[c], cov, spec.confidence)
        )
        rows.append(
            ChildAttribution(
                n,
                float(comp[i]),
                float(comp[i]) * ratio,
                var - v_wo,
                es - e_wo,
                float(comp[i]),
                float(comp[i]) * ratio,
            )
        )
    return rows
