"""Stress testing: historical and hypothetical factor moves, and reverse stress testing.

All moves are **shocks** in each factor's own coordinates (DESIGN.md §3): log returns
for log factors (prices, FX, vols), differences for absolute ones (rates, spreads);
:func:`riskcap.market.factors.apply_shocks` turns them into levels. Losses are
positive, P&L profit positive.

* **Historical**: the move of every factor between two dates of its history,
  ``shocks_between(level(start), level(end))`` — the whole multi-day move applied to
  today's portfolio at once.
* **Hypothetical**: :class:`FactorShock` selectors (a glob on factor ids and a set of
  factor types) with one kind of move: ``relative`` (level × (1 + r)), ``multiply``
  (level × m), ``absolute`` (level + a) or ``curve`` (an absolute shift by tenor,
  linear in tenor between the given points and flat outside).
* **Reverse**: the most plausible move that loses a given amount — the point of the
  loss surface ``loss(x) = L*`` with the smallest Mahalanobis norm
  ``√(xᵀ Σ⁻¹ x)`` under the shock covariance ``Σ``. With ``x = A z`` (``A Aᵀ = Σ``)
  it is the point of ``g(z) = loss(Az)/L* − 1 = 0`` nearest the origin — the
  "design point" of structural reliability (Hasofer & Lind 1974). It is found by
  sequential quadratic programming (SciPy's SLSQP) on ``min ½‖z‖²`` subject to
  ``g(z) = 0`` with the **exact gradient of the full-revaluation loss by JAX
  autodiff**, from several starts: the closed-form answer for a linear loss
  ``z = −g(0)∇g/‖∇g‖²`` (``∇g`` at 0), its mirror, and the two directions of steepest
  positive curvature of the loss (JAX Hessian) both ways, so a book that loses on
  either side (short gamma) is searched on both; the smallest-norm answer on the
  surface wins. (Plain Hasofer–Lind–Rackwitz–Fiessler iteration cycles on option
  books.) At the answer ``z`` is parallel to ``∇g`` (the first-order optimality
  condition); the result reports ``|cos(z, ∇g)|``.
"""

from __future__ import annotations

import enum
import fnmatch
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from jaxtyping import ArrayLike, Bool, Float


class ShockKind(enum.StrEnum):
    RELATIVE = "relative"
    MULTIPLY = "multiply"
    ABSOLUTE = "absolute"
    CURVE = "curve"


@dataclass(frozen=True)
class FactorShock:
    """One line of a hypothetical scenario: which factors, and how they move."""

    kind: ShockKind
    value: float = 0.0
    factors: str = "*"  # glob on factor ids
    factor_types: tuple[str, ...] = ()  # empty = every type
    curve: tuple[tuple[float, float], ...] = ()  # (tenor in years, absolute shift)

    def selects(self, factor_id: str, factor_type: str) -> bool:
        return fnmatch.fnmatchcase(factor_id, self.factors) and (
            not self.factor_types or factor_type in self.factor_types
        )


def hypothetical_shocks(
    shocks: Sequence[FactorShock],
    factor_ids: Sequence[str],
    factor_types: Sequence[str],
    x0: Float[ArrayLike, " f"],
    is_log: Bool[ArrayLike, " f"],
    tenors: Float[ArrayLike, " f"],
) -> tuple[Float[np.ndarray, " f"], tuple[str, ...]]:
    """The shock vector of a hypothetical scenario and the factors it moves.

    ``tenors`` is each factor's tenor in years (NaN where it has none); a ``curve``
    shift applies to factors with a tenor only. A factor selected by two lines is an
    error (the scenario would be ambiguous); a line selecting nothing moves nothing
    (the caller reports the scenario's moved factors).
    """
    x0 = np.asarray(x0, np.float64)
    is_log = np.asarray(is_log, bool)
    tenors = np.asarray(tenors, np.float64)
    out = np.zeros(x0.shape)
    owner: dict[int, int] = {}
    for j, s in enumerate(shocks):
        for i, (fid, ftype) in enumerate(zip(factor_ids, factor_types, strict=True)):
            if not s.selects(fid, ftype):
                continue
            if s.kind is ShockKind.CURVE and np.isnan(tenors[i]):
                continue
            if i in owner:
                raise ValueError(f"factor {fid} is moved by shock lines {owner[i] + 1} and {j + 1}")
            owner[i] = j
            out[i] = _shock(s, x0[i], bool(is_log[i]), tenors[i])
    moved = tuple(factor_ids[i] for i in sorted(owner))
    return out, moved


def _shock(s: FactorShock, x0: float, is_log: bool, tenor: float) -> float:
    """The move ``s`` of one factor in its shock coordinates (log return or difference)."""
    if s.kind is ShockKind.CURVE:
        t, shift = np.array(s.curve).T
        order = np.argsort(t)
        change = float(np.interp(tenor, t[order], shift[order]))
        if not is_log:
            return change
        new = x0 + change
    elif s.kind is ShockKind.ABSOLUTE:
        if not is_log:
            return float(s.value)
        new = x0 + s.value
    elif s.kind is ShockKind.RELATIVE:
        new = x0 * (1.0 + s.value)
    else:
        new = x0 * s.value
    if is_log:
        if new <= 0.0 or x0 <= 0.0:
            raise ValueError(f"a log factor cannot move from {x0} to {new}")
        return float(np.log(new / x0))
    return float(new - x0)


@dataclass(frozen=True)
class ReverseStress:
    """The most plausible move losing ``target``: ``z`` (shocks ``A z``) with ``‖z‖`` minimal."""

    target: float
    loss: float  # the loss of the move found (≈ target)
    z: np.ndarray  # (k,) the move in standardised coordinates
    mahalanobis: float  # ‖z‖: how many standard deviations the move is
    iterations: int
    alignment: float  # |cos(z, ∇loss)| at the solution, 1 at an exact optimum


class ReverseStressError(ValueError):
    """No move with the target loss was found."""


LossAndGrad = Callable[[np.ndarray], tuple[float, np.ndarray]]


def reverse_stress(
    loss_and_grad: LossAndGrad,
    dims: int,
    target: float,
    *,
    tol: float = 1e-9,
    max_iter: int = 100,
) -> ReverseStress:
    """Smallest-norm ``z`` with ``loss(z) = target`` (see the module docstring).

    ``loss_and_grad(z)`` returns the loss (positive = loss) of the standardised move
    ``z`` (``dims`` coordinates; the caller maps it to shocks ``A z``) and its gradient
    — from JAX autodiff (:func:`jax.value_and_grad`). ``tol`` bounds the relative loss
    error of the answer.

    Raises
    ------
    ReverseStressError
        No start reaches the loss surface (the portfolio cannot lose ``target`` along
        any direction tried).
    """
    from scipy.optimize import minimize

    if target <= 0:
        raise ValueError(f"the target loss must be positive, got {target}")

    last: dict[bytes, tuple[float, np.ndarray]] = {}

    def evaluate(z: np.ndarray) -> tuple[float, np.ndarray]:
        """One loss-and-gradient call per point (SLSQP asks for both at each point)."""
        z = np.asarray(z, np.float64)
        key = z.tobytes()
        if key not in last:
            last.clear()
            loss, grad = loss_and_grad(z)
            last[key] = (float(loss), np.asarray(grad, np.float64))
        return last[key]

    def value(z: np.ndarray) -> float:  # relative distance to the loss surface
        return evaluate(z)[0] / target - 1.0

    def slope(z: np.ndarray) -> np.ndarray:
        return evaluate(z)[1] / target

    tried = 0
    best: tuple[float, np.ndarray, int] | None = None
    for z0 in _starts(value, slope, dims):
        tried += 1
        res = minimize(
            lambda z: 0.5 * float(z @ z),
            z0,
            jac=lambda z: z,
            constraints=[{"type": "eq", "fun": value, "jac": slope}],
            method="SLSQP",
            options={"ftol": 1e-12, "maxiter": max_iter},
        )
        z = _onto_surface(np.asarray(res.x), value, slope, tol)
        if z is None:
            continue
        norm = float(np.linalg.norm(z))
        if best is None or norm < best[0] - 1e-12 * max(norm, 1.0):
            best = (norm, z, int(res.nit))
    if best is None:
        raise ReverseStressError(
            f"no move reaching a loss of {target:,.0f} was found from {tried} starts "
            "(the portfolio may not be able to lose that much)"
        )
    norm, z, iterations = best
    grad = slope(z)
    gn = float(np.linalg.norm(grad))
    return ReverseStress(
        target=target,
        loss=(value(z) + 1.0) * target,
        z=z,
        mahalanobis=norm,
        iterations=iterations,
        alignment=abs(float(z @ grad)) / (norm * gn) if norm and gn else 0.0,
    )


def _starts(
    value: Callable[[np.ndarray], float], slope: Callable[[np.ndarray], np.ndarray], k: int
) -> list[np.ndarray]:
    """Starting points: the first-order (linear-loss) solution ``−g(0)∇/‖∇‖²`` and its
    mirror, and both ways along the two directions of steepest positive curvature of the
    loss (where a short-gamma book loses either way), scaled to the target by the
    quadratic term. The curvature is a central difference of autodiff gradients."""
    zero = np.zeros(k)
    g0, grad0 = value(zero), slope(zero)
    out = []
    n2 = float(grad0 @ grad0)
    if n2 > 0:
        linear = -g0 / n2 * grad0
        out += [linear, -linear]
    eps = 1e-3
    eye = np.eye(k)
    hess = np.stack([(slope(eps * e) - slope(-eps * e)) / (2 * eps) for e in eye], axis=1)
    w, v = np.linalg.eigh(0.5 * (hess + hess.T))
    for i in np.argsort(-w)[:2]:
        if w[i] > 0:
            r = np.sqrt(2.0 * -g0 / w[i])
            out += [r * v[:, i], -r * v[:, i]]
    return out or [zero]


def _onto_surface(
    z: np.ndarray,
    value: Callable[[np.ndarray], float],
    slope: Callable[[np.ndarray], np.ndarray],
    tol: float,
) -> np.ndarray | None:
    """Newton steps along the gradient until ``|g(z)| ≤ tol`` (None when they fail)."""
    for _ in range(50):
        gz = value(z)
        if not np.isfinite(gz):
            return None
        if abs(gz) <= tol:
            return z
        grad = slope(z)
        n2 = float(grad @ grad)
        if n2 == 0.0 or not np.isfinite(n2):
            return None
        z = z - gz / n2 * grad
    return None


def covariance_factor(
    cov: Float[ArrayLike, "f f"], rtol: float = 1e-12
) -> Float[np.ndarray, "f k"]:
    """``A = V √Λ`` over the eigenvalues above ``rtol`` × the largest: ``A Aᵀ = Σ``.

    Works for a singular ``Σ`` (curve pillars driven by three factors): moves outside
    its range have an infinite Mahalanobis norm and are never chosen.
    """
    w, v = np.linalg.eigh(np.asarray(cov, np.float64))
    keep = w > rtol * max(float(w[-1]), 1e-300)
    return v[:, keep] * np.sqrt(w[keep])
