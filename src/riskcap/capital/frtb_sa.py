"""FRTB standardised approach, sensitivities-based method: the aggregation (MAR21.4–21.6).

Pure functions over arrays (issue 20, first part): weighted sensitivities in, the
delta (or vega) charge of a risk class under the three correlation scenarios out. The
risk weights and correlations are data (:mod:`riskcap.capital.frtb_sa_params`); the
sensitivities' computation, curvature, DRC and RRAO are later parts of the issue.

Within a bucket ``b`` (MAR21.4(4)):

.. math:: K_b = \\sqrt{\\max\\Big(0,\\ \\sum_k WS_k^2 + \\sum_k\\sum_{l\\ne k}
          \\rho_{kl}\\,WS_k\\,WS_l\\Big)}

across buckets (MAR21.4(5)):

.. math:: \\Delta = \\sqrt{\\sum_b K_b^2 + \\sum_b\\sum_{c\\ne b}\\gamma_{bc}\\,S_b\\,S_c},
          \\quad S_b = \\sum_k WS_k

and where the sum under the root is negative, ``S_b`` is replaced by
``max(min(Σ_k WS_k, K_b), −K_b)`` (MAR21.4(5)(b)). The three correlation scenarios
(MAR21.6) scale every ``ρ`` and ``γ``: high ``min(1.25·ρ, 1)``, medium ``ρ``, low
``max(2ρ − 1, 0.75·ρ)``; the risk class's charge under a scenario is the sum of its
delta, vega and curvature charges, and the SBM charge is the largest scenario total.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


class Scenario(enum.StrEnum):
    """The correlation scenarios of MAR21.6."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


def scenario_correlation(rho: np.ndarray | float, scenario: Scenario) -> np.ndarray:
    """``ρ`` (or ``γ``) under a correlation scenario (MAR21.6): high ``min(1.25ρ, 1)``,
    medium ``ρ``, low ``max(2ρ − 1, 0.75ρ)``; a correlation of 1 on the diagonal stays."""
    rho = np.asarray(rho, np.float64)
    if scenario is Scenario.HIGH:
        return np.minimum(1.25 * rho, 1.0)
    if scenario is Scenario.LOW:
        return np.maximum(2.0 * rho - 1.0, 0.75 * rho)
    return rho


def bucket_charge(ws: np.ndarray, rho: np.ndarray) -> float:
    """``K_b`` of one bucket's weighted sensitivities ``ws`` with their correlation
    matrix ``rho`` (its diagonal is ignored: a sensitivity with itself counts once,
    MAR21.4(4)); the sum under the root is floored at 0."""
    ws = np.asarray(ws, np.float64)
    rho = np.array(rho, np.float64)
    np.fill_diagonal(rho, 1.0)
    return float(np.sqrt(max(0.0, float(ws @ rho @ ws))))


@dataclass(frozen=True)
class ClassCharge:
    """A risk class's delta (or vega) charge under one correlation scenario."""

    scenario: Scenario
    charge: float
    bucket_charges: dict[str, float]  # K_b
    bucket_sums: dict[str, float]  # S_b as aggregated (after MAR21.4(5)(b) if it applied)
    alternative: bool  # MAR21.4(5)(b) applied


def class_charge(
    ws: np.ndarray,
    buckets: Sequence[str],
    rho: np.ndarray,
    gamma: dict[tuple[str, str], float],
    scenario: Scenario,
    absolute: frozenset[str] = frozenset(),
) -> ClassCharge:
    """The charge of one risk class under ``scenario``.

    ``ws``: weighted sensitivities (one per risk factor, already netted per risk factor,
    MAR21.4(2)); ``buckets``: each one's bucket; ``rho``: the medium-scenario
    correlation between every two of them (used within a bucket only); ``gamma``: the
    medium-scenario correlation between two buckets, by ``(b, c)`` (missing pairs: 0);
    ``absolute``: buckets whose ``K_b`` is the sum of the absolute weighted
    sensitivities, with no diversification (the "other" buckets, e.g. equity bucket 11,
    MAR21.79).
    """
    ws = np.asarray(ws, np.float64)
    labels = np.asarray(list(buckets), dtype=object)
    rho_s = scenario_correlation(np.asarray(rho, np.float64), scenario)
    names = list(dict.fromkeys(labels.tolist()))
    k: dict[str, float] = {}
    s: dict[str, float] = {}
    for b in names:
        at = np.flatnonzero(labels == b)
        if b in absolute:
            k[b] = float(np.abs(ws[at]).sum())
        else:
            k[b] = bucket_charge(ws[at], rho_s[np.ix_(at, at)])
        s[b] = float(ws[at].sum())

    def total(sums: dict[str, float]) -> float:
        value = sum(k[b] ** 2 for b in names)
        for b in names:
            for c in names:
                if b != c:
                    g = gamma.get((b, c), gamma.get((c, b), 0.0))
                    value += float(scenario_correlation(g, scenario)) * sums[b] * sums[c]
        return value

    value = total(s)
    alternative = value < 0.0
    if alternative:
        s = {b: max(min(s[b], k[b]), -k[b]) for b in names}
        value = total(s)
    return ClassCharge(scenario, float(np.sqrt(max(value, 0.0))), k, s, alternative)


def sbm_charge(charges_by_scenario: dict[Scenario, float]) -> tuple[Scenario, float]:
    """The SBM charge (MAR21.7): the largest of the scenario totals, and its scenario."""
    scenario = max(charges_by_scenario, key=lambda sc: charges_by_scenario[sc])
    return scenario, charges_by_scenario[scenario]
