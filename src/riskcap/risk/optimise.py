"""Hedges and portfolios that minimise Expected Shortfall (or VaR) over given scenarios.

The problem (arrays in, arrays out): a node's P&L vector ``base`` over ``S`` scenarios,
the P&L of one unit of each of ``H`` hedge instruments under the same scenarios
(``unit``, ``(S, H)``, from full revaluation: an option hedge's P&L is its exact
repricing, not a delta), and quantities ``x`` to choose. The hedged P&L is
``base + unit @ x`` (P&L is linear in the quantity held; the non-linearity of an
option lives in its unit P&L vector).

**ES as riskcap defines it** (:mod:`riskcap.risk.measures`): minus the mean of the
``k = ⌈(1 − α)·S⌉`` smallest P&Ls. For losses ``L_s`` the sum of the ``k`` largest is
``min_ζ k·ζ + Σ_s (L_s − ζ)⁺`` (the minimiser ``ζ`` is the k-th largest loss, i.e.
the VaR), so

    ES_k(x) = min_ζ  ζ + (1/k) Σ_s (L_s(x) − ζ)⁺,       L_s(x) = −(base_s + unit_s·x)

— Rockafellar and Uryasev (2000), *Optimization of conditional value-at-risk*,
J. Risk 2(3), Theorem 1, with ``(1 − β)·S`` replaced by the integer ``k`` so that the
optimum is riskcap's ES exactly, not its interpolated cousin (the two agree whenever
``(1 − β)·S`` is an integer). Two solvers:

* :func:`solve_lp` — the linear program with auxiliary ``u_s ≥ L_s − ζ, u_s ≥ 0``,
  solved by HiGHS (``scipy.optimize.linprog``): the exact optimum, the reference.
* :func:`solve_gradient` — the same objective smoothed, ``(z)⁺ ≈ τ·log(1 + e^{z/τ})``
  (the smoothing adds at most ``S·τ·log 2 / k`` to the objective), minimised jointly
  over ``(x, ζ)`` by L-BFGS-B (bounds handled by projection) on a JAX-compiled value
  and gradient; ``τ`` is lowered by decades from ``1e-2`` to ``τ_min`` (on P&L scaled
  to unit standard deviation), each stage warm-started from the last; linear
  constraints (budget, minimum mean, full investment) by an augmented Lagrangian
  (Nocedal and Wright, *Numerical Optimization*, 2nd ed., §17.4). It needs no LP
  solver, runs on a GPU, and its cost grows linearly in ``S·H``.

Constraints: bounds ``lower ≤ x ≤ upper`` per hedge; optionally a budget
``Σ cost_i·|x_i| ≤ budget`` (``cost`` e.g. the price or notional of one unit: a limit on
what the hedge trades spend or turn over), a minimum mean P&L after the hedge, and
``Σ x_i = total`` (a fully invested portfolio: ``base = 0``, ``unit`` the asset returns).

**VaR** is not convex in ``x``. :func:`minimise_var` starts from the ES optimum and
solves a short sequence of ES problems on the scenarios left after setting aside the
``d`` largest losses of the current hedge, ``d = 0 … k − 1`` (Larsen, Mausser and
Uryasev (2002), *Algorithms for optimization of value-at-risk*, §3): the
``(k − d)``-tail ES of the rest bounds the ``k``-th largest loss of all from above. It
returns the hedge with the smallest exact VaR seen, so it is never worse than the ES
optimum's VaR; it is a heuristic, not a proven global minimum.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import jax
import jax.numpy as jnp
import numpy as np
import scipy.optimize
import scipy.sparse as sp

from riskcap.errors import InvalidInput
from riskcap.risk.measures import selected_var_es


class OptimiseError(InvalidInput):
    """The problem cannot be solved as posed (infeasible, unbounded, bad shapes):
    exit code 15, HTTP 422."""


@dataclass(frozen=True)
class HedgeProblem:
    """Minimise ES of ``base + unit @ x`` over the ``tail`` worst scenarios."""

    base: np.ndarray  # (S,) the node's P&L
    unit: np.ndarray  # (S, H) P&L of one unit of each hedge
    tail: int  # k: the ES is the mean loss of the k worst scenarios
    lower: np.ndarray  # (H,) bounds on the quantities (may be -inf / inf)
    upper: np.ndarray
    cost: np.ndarray | None = None  # (H,) cost of one unit, for the budget
    budget: float | None = None  # Σ cost·|x| ≤ budget
    min_mean: float | None = None  # mean(base + unit @ x) ≥ min_mean
    total: float | None = None  # Σ x = total

    def __post_init__(self) -> None:
        s, h = np.shape(self.unit) if np.ndim(self.unit) == 2 else (-1, -1)
        if s != np.shape(self.base)[0] or np.ndim(self.base) != 1:
            raise OptimiseError(
                f"unit P&L must be (scenarios, hedges) with base (scenarios,); got "
                f"{np.shape(self.unit)} and {np.shape(self.base)}"
            )
        if h < 1:
            raise OptimiseError("no hedge instruments")
        if not 1 <= self.tail <= s:
            raise OptimiseError(f"tail count {self.tail} outside 1…{s}")
        if np.shape(self.lower) != (h,) or np.shape(self.upper) != (h,):
            raise OptimiseError(f"bounds must have one value per hedge ({h})")
        bad = np.flatnonzero(np.asarray(self.lower) > np.asarray(self.upper))
        if bad.size:
            raise OptimiseError(
                f"infeasible bounds: lower > upper for hedge(s) {', '.join(map(str, bad))}"
            )
        if not (np.all(np.isfinite(self.base)) and np.all(np.isfinite(self.unit))):
            raise OptimiseError("P&L vectors hold NaN or infinite values")
        if self.budget is not None:
            if self.cost is None or np.shape(self.cost) != (h,):
                raise OptimiseError("a budget needs one cost per hedge")
            if self.budget < 0 or np.any(np.asarray(self.cost) < 0):
                raise OptimiseError("the budget and the costs must be non-negative")

    @property
    def hedges(self) -> int:
        return int(np.shape(self.unit)[1])

    @property
    def scenarios(self) -> int:
        return int(np.shape(self.base)[0])

    def pnl(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self.base) + np.asarray(self.unit) @ x

    def violation(self, x: np.ndarray) -> float:
        """The largest violation of any constraint at ``x`` (0 when feasible), in the
        constraint's own units."""
        v = [0.0, float(np.max(self.lower - x)), float(np.max(x - self.upper))]
        if self.budget is not None and self.cost is not None:
            v.append(float(self.cost @ np.abs(x) - self.budget))
        if self.min_mean is not None:
            v.append(float(self.min_mean - self.pnl(x).mean()))
        if self.total is not None:
            v.append(abs(float(x.sum() - self.total)))
        return max(0.0, *v)


@dataclass(frozen=True)
class HedgeSolution:
    quantities: np.ndarray  # (H,)
    es: float  # exact ES of the hedged P&L (positive = loss)
    var: float  # exact VaR of the hedged P&L
    solver: str
    iterations: int
    seconds: float  # solving, compile time excluded
    compile_seconds: float = 0.0
    violation: float = 0.0
    # (seconds since the start, exact ES) after each iteration, when traced
    trace: list[tuple[float, float]] = field(default_factory=list)


def tail_risk(pnl: np.ndarray, k: int) -> tuple[float, float]:
    """``(VaR, ES)`` of one P&L vector with tail count ``k`` (positive = loss)."""
    var, es = selected_var_es(pnl, k)
    return float(var), float(es)


def marginal_es(problem: HedgeProblem, x: np.ndarray) -> np.ndarray:
    """∂ES/∂x_i at ``x``: minus the mean unit P&L of hedge ``i`` over the ``k`` worst
    scenarios of the hedged P&L (Tasche (1999), *Risk contributions and performance
    measurement*). It is the gradient where the k-th and (k+1)-th losses differ — true of
    an unhedged book's P&L, rarely of an optimum, where the LP ties several scenarios at
    the VaR: there use :func:`one_sided_es`."""
    pnl = problem.pnl(x)
    worst = np.argpartition(pnl, problem.tail - 1)[: problem.tail]
    return np.asarray(-problem.unit[worst].mean(axis=0))


def one_sided_es(problem: HedgeProblem, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(buy, sell)``: the change of the exact ES per unit of hedge ``i`` bought or sold
    from ``x`` — one-sided derivatives, which exist at every point of the piecewise-linear
    ES, by a step small enough to stay on one linear piece (1e-7 of the quantity's
    scale). At an optimum both are ≥ 0 for a hedge inside its bounds."""
    k = problem.tail
    es0 = tail_risk(problem.pnl(x), k)[1]
    buy, sell = np.empty(problem.hedges), np.empty(problem.hedges)
    for i in range(problem.hedges):
        step = 1e-7 * max(1.0, abs(float(x[i])))
        e = np.zeros(problem.hedges)
        e[i] = step
        buy[i] = (tail_risk(problem.pnl(x + e), k)[1] - es0) / step
        sell[i] = (tail_risk(problem.pnl(x - e), k)[1] - es0) / step
    return buy, sell


def _solution(
    problem: HedgeProblem, x: np.ndarray, solver: str, iterations: int, seconds: float, **kw: object
) -> HedgeSolution:
    var, es = tail_risk(problem.pnl(x), problem.tail)
    return HedgeSolution(
        np.asarray(x, np.float64),
        es,
        var,
        solver,
        iterations,
        seconds,
        violation=problem.violation(x),
        **kw,  # type: ignore[arg-type]
    )


# -- the linear program -------------------------------------------------------------------
def solve_lp(problem: HedgeProblem, time_limit: float | None = None) -> HedgeSolution:
    """The exact optimum by the Rockafellar–Uryasev linear program (HiGHS).

    Variables ``[x (H), ζ, u (S), t (H, with a budget)]``; ``t_i ≥ |x_i|`` carries the
    budget. Raises :class:`OptimiseError` when HiGHS finds the problem infeasible or
    unbounded (an unbounded ES needs bounds on the hedges), naming which, or when it
    stops at ``time_limit`` seconds.
    """
    started = time.perf_counter()
    s, h, k = problem.scenarios, problem.hedges, problem.tail
    unit = np.asarray(problem.unit, np.float64)
    base = np.asarray(problem.base, np.float64)
    budget = problem.budget is not None
    nt = h if budget else 0
    n = h + 1 + s + nt
    c = np.zeros(n)
    c[h] = 1.0
    c[h + 1 : h + 1 + s] = 1.0 / k
    # -unit·x - ζ - u ≤ base
    blocks = [[sp.csr_matrix(-unit), sp.csr_matrix(-np.ones((s, 1))), -sp.eye(s, format="csr")]]
    if nt:
        blocks[0].append(sp.csr_matrix((s, nt)))
    rhs = [base]
    if budget:
        assert problem.cost is not None and problem.budget is not None
        eye = sp.eye(h, format="csr")
        zeros_zu = sp.csr_matrix((h, 1 + s))
        blocks.append([eye, zeros_zu, -eye])  # x - t ≤ 0
        blocks.append([-eye, zeros_zu, -eye])  # -x - t ≤ 0
        blocks.append(
            [sp.csr_matrix((1, h)), sp.csr_matrix((1, 1 + s)), sp.csr_matrix(problem.cost[None, :])]
        )
        rhs += [np.zeros(h), np.zeros(h), np.array([problem.budget])]
    if problem.min_mean is not None:
        row = [sp.csr_matrix(-unit.mean(axis=0)[None, :]), sp.csr_matrix((1, 1 + s + nt))]
        blocks.append(row)
        rhs.append(np.array([base.mean() - problem.min_mean]))
    a_ub = sp.vstack([sp.hstack(b, format="csr") for b in blocks], format="csr")
    a_eq = b_eq = None
    if problem.total is not None:
        a_eq = sp.csr_matrix(np.concatenate([np.ones(h), np.zeros(n - h)])[None, :])
        b_eq = np.array([problem.total])
    bounds = (
        [(_finite(lo), _finite(hi)) for lo, hi in zip(problem.lower, problem.upper, strict=True)]
        + [(None, None)]
        + [(0.0, None)] * (s + nt)
    )
    res = scipy.optimize.linprog(
        c,
        A_ub=a_ub,
        b_ub=np.concatenate(rhs),
        A_eq=a_eq,
        b_eq=b_eq,
        bounds=bounds,
        method="highs",
        options={} if time_limit is None else {"time_limit": time_limit},
    )
    if res.status == 2:
        raise OptimiseError(
            "the constraints cannot all hold (infeasible): check the bounds, the budget, "
            "the minimum mean P&L and the full-investment total together"
        )
    if res.status == 3:
        raise OptimiseError(
            "the ES can be lowered without limit (unbounded): give every hedge finite bounds"
        )
    if res.status != 0:  # 1: the iteration or time limit
        raise OptimiseError(f"the LP solver stopped without an optimum: {res.message}")
    x = np.asarray(res.x[:h])
    return _solution(problem, x, "lp", int(res.nit), time.perf_counter() - started)


def _finite(v: float) -> float | None:
    return float(v) if math.isfinite(v) else None


# -- the gradient method ------------------------------------------------------------------
@dataclass(frozen=True)
class GradientSettings:
    """Defaults give ≤ 1e-4 relative gap to the LP on linear books (benchmarks/optimise.py)."""

    tau_start: float = 1e-2  # smoothing, on P&L scaled to unit standard deviation
    tau_min: float = 1e-6
    tau_factor: float = 0.1
    rho: float = 10.0  # augmented-Lagrangian penalty (scaled units), grows ×10 when stuck
    max_outer: int = 40
    max_inner: int = 1000  # L-BFGS-B iterations per stage
    ftol: float = 1e-12  # L-BFGS-B's stopping rules of a stage
    gtol: float = 1e-8
    tolerance: float = 1e-9  # constraint violation, scaled units
    trace: bool = False


@jax.jit
def _objective(
    z: jax.Array,
    unit: jax.Array,
    base: jax.Array,
    k: jax.Array,
    tau: jax.Array,
    a_ub: jax.Array,
    b_ub: jax.Array,
    lam: jax.Array,
    a_eq: jax.Array,
    b_eq: jax.Array,
    mu: jax.Array,
    rho: jax.Array,
) -> jax.Array:
    """Smoothed ES plus the augmented-Lagrangian terms; ``z = [y (hedges), ζ]``."""
    h = unit.shape[1]
    y, zeta = z[:h], z[-1]
    loss = -(base + unit @ y)
    es = zeta + jnp.sum(tau * jax.nn.softplus((loss - zeta) / tau)) / k
    g = a_ub @ z - b_ub
    ineq = jnp.sum(jnp.maximum(0.0, lam + rho * g) ** 2 - lam**2) / (2.0 * rho)
    e = a_eq @ z - b_eq
    return es + ineq + jnp.sum(mu * e) + 0.5 * rho * jnp.sum(e**2)


_value_and_grad: Callable[..., tuple[jax.Array, jax.Array]] = jax.jit(
    jax.value_and_grad(_objective)
)


def solve_gradient(
    problem: HedgeProblem, settings: GradientSettings | None = None
) -> HedgeSolution:
    """Smoothed ES by L-BFGS-B on a JAX value and gradient (module docstring).

    Works in scaled units: P&L divided by the base's standard deviation (or the hedges'
    when the base is flat), each hedge's quantity by its unit P&L's. With a budget the
    quantity is split ``x = p − m``, ``p, m ≥ 0``, so that ``Σ cost·(p + m)`` is linear.
    """
    cfg = settings or GradientSettings()
    started = time.perf_counter()
    base = np.asarray(problem.base, np.float64)
    unit = np.asarray(problem.unit, np.float64)
    h, k = problem.hedges, problem.tail
    scale = float(base.std()) or float(np.abs(unit).std()) or 1.0
    col = unit.std(axis=0)
    d = np.where(col > 0, scale / np.where(col > 0, col, 1.0), 1.0)  # x = d·y
    split = problem.budget is not None
    u = unit * d / scale
    if split:
        u = np.concatenate([u, -u], axis=1)  # y = p - m
    b = base / scale
    nv = u.shape[1]
    lo = np.asarray(problem.lower, np.float64) / d
    hi = np.asarray(problem.upper, np.float64) / d
    bounds: list[tuple[float | None, float | None]]
    if split:
        bounds = [(0.0, _finite(max(v, 0.0))) for v in hi]
        bounds += [(0.0, _finite(max(-v, 0.0))) for v in lo]
    else:
        bounds = [(_finite(a), _finite(c)) for a, c in zip(lo, hi, strict=True)]
    bounds.append((None, None))  # ζ
    rows_ub: list[np.ndarray] = []
    rhs_ub: list[float] = []
    if split:
        assert problem.cost is not None and problem.budget is not None
        cd = problem.cost * d / scale
        rows_ub.append(np.concatenate([cd, cd, [0.0]]))
        rhs_ub.append(problem.budget / scale)
    if problem.min_mean is not None:
        rows_ub.append(np.concatenate([-u.mean(axis=0), [0.0]]))
        rhs_ub.append(b.mean() - problem.min_mean / scale)
    rows_eq: list[np.ndarray] = []
    rhs_eq: list[float] = []
    if problem.total is not None:
        ones = d / scale
        rows_eq.append(np.concatenate([ones, -ones, [0.0]]) if split else np.append(ones, 0.0))
        rhs_eq.append(problem.total / scale)

    def mat(rows: list[np.ndarray]) -> np.ndarray:
        return np.array(rows) if rows else np.zeros((0, nv + 1))

    a_ub, a_eq = mat(rows_ub), mat(rows_eq)
    b_ub, b_eq = np.array(rhs_ub), np.array(rhs_eq)
    lam, mu = np.zeros(len(rhs_ub)), np.zeros(len(rhs_eq))
    # start: mid of finite bounds (0 when unbounded), ζ at the base's VaR
    z = np.zeros(nv + 1)
    for i, (a, c) in enumerate(bounds[:-1]):
        z[i] = np.clip(0.0, a if a is not None else -np.inf, c if c is not None else np.inf)
    z[-1] = tail_risk(b + u @ z[:nv], k)[0]
    consts = [jnp.asarray(v) for v in (u, b, float(k))]

    def to_x(zz: np.ndarray) -> np.ndarray:
        return np.asarray(d * (zz[:h] - zz[h : 2 * h]) if split else d * zz[:h])

    compile_started = time.perf_counter()
    first = _rest(cfg.tau_start, a_ub, b_ub, lam, a_eq, b_eq, mu, cfg.rho)
    np.asarray(_value_and_grad(jnp.asarray(z), *consts, *first)[1])  # compile and wait
    compile_seconds = time.perf_counter() - compile_started

    trace: list[tuple[float, float]] = []
    clock = time.perf_counter

    def callback(zz: np.ndarray) -> None:
        trace.append((clock() - started - compile_seconds, tail_risk(problem.pnl(to_x(zz)), k)[1]))

    tau, rho = cfg.tau_start, cfg.rho
    iterations = 0
    violation = math.inf
    for _ in range(cfg.max_outer):
        rest = _rest(tau, a_ub, b_ub, lam, a_eq, b_eq, mu, rho)

        def fun(zz: np.ndarray, rest: tuple[jax.Array, ...] = rest) -> tuple[float, np.ndarray]:
            v, g = _value_and_grad(jnp.asarray(zz), *consts, *rest)
            return float(v), np.asarray(g, np.float64)

        res = scipy.optimize.minimize(
            fun,
            z,
            jac=True,
            method="L-BFGS-B",
            bounds=bounds,
            callback=callback if cfg.trace else None,
            options={"maxiter": cfg.max_inner, "ftol": cfg.ftol, "gtol": cfg.gtol, "maxcor": 20},
        )
        z = np.asarray(res.x)
        iterations += int(res.nit)
        g_ub = a_ub @ z - b_ub
        g_eq = a_eq @ z - b_eq
        new_violation = max(0.0, *g_ub, *np.abs(g_eq)) if (g_ub.size or g_eq.size) else 0.0
        lam = np.maximum(0.0, lam + rho * g_ub)
        mu = mu + rho * g_eq
        if new_violation > 0.25 * violation and new_violation > cfg.tolerance:
            rho *= 10.0
        violation = new_violation
        if tau <= cfg.tau_min * (1 + 1e-12) and violation <= cfg.tolerance:
            break
        tau = max(cfg.tau_min, tau * cfg.tau_factor)
    x = to_x(z)
    return _solution(
        problem,
        x,
        "gradient",
        iterations,
        time.perf_counter() - started - compile_seconds,
        compile_seconds=compile_seconds,
        trace=trace,
    )


def _rest(
    tau: float,
    a_ub: np.ndarray,
    b_ub: np.ndarray,
    lam: np.ndarray,
    a_eq: np.ndarray,
    b_eq: np.ndarray,
    mu: np.ndarray,
    rho: float,
) -> tuple[jax.Array, ...]:
    return tuple(jnp.asarray(v, jnp.float64) for v in (tau, a_ub, b_ub, lam, a_eq, b_eq, mu, rho))


# -- VaR ------------------------------------------------------------------------------------
Solver = Callable[[HedgeProblem], HedgeSolution]


def minimise_var(problem: HedgeProblem, solve: Solver = solve_lp, rounds: int = 5) -> HedgeSolution:
    """A hedge with a small VaR: ES optima on scenarios left after setting aside the
    ``d`` largest losses of the current hedge (module docstring). Returns the one with
    the smallest exact VaR; its ``iterations`` count every round's."""
    started = time.perf_counter()
    k = problem.tail
    best = solve(problem)
    x, iterations = best.quantities, best.iterations
    steps = sorted({round(i * (k - 1) / max(rounds - 1, 1)) for i in range(1, rounds)})
    for d in steps:
        if d == 0:
            continue
        worst = np.argsort(problem.pnl(x), kind="stable")[:d]
        keep = np.setdiff1d(np.arange(problem.scenarios), worst)
        reduced = replace(problem, base=problem.base[keep], unit=problem.unit[keep], tail=k - d)
        try:
            trial = solve(reduced)
        except OptimiseError:
            break
        iterations += trial.iterations
        candidate = _solution(problem, trial.quantities, best.solver, 0, 0.0)
        x = candidate.quantities
        if candidate.violation > 1e-9 * max(1.0, float(np.abs(x).max())):
            continue  # the minimum mean held on the rest, not on every scenario
        if candidate.var < best.var - 1e-12 * max(1.0, abs(best.var)):
            best = candidate
    return replace(
        best,
        solver=f"{best.solver}-var",
        iterations=iterations,
        seconds=time.perf_counter() - started,
    )
