"""Euler components sum to the total; incremental and marginal definitions."""

from __future__ import annotations

import numpy as np
import pytest

from riskcap.risk.attribution import (
    component_es,
    component_var,
    delta_normal_components,
    incremental,
    marginal,
)
from riskcap.risk.measures import expected_shortfall, value_at_risk
from riskcap.risk.parametric import delta_normal

RNG = np.random.default_rng(8)
CHILDREN = RNG.normal(size=(4, 1000)) * np.array([[1.0], [2.0], [0.5], [3.0]])
TOTAL = CHILDREN.sum(axis=0)


@pytest.mark.parametrize("confidence", [0.95, 0.975, 0.99])
def test_components_sum_to_the_total(confidence: float) -> None:
    ces = np.asarray(component_es(TOTAL, CHILDREN, confidence))
    cvar = np.asarray(component_var(TOTAL, CHILDREN, confidence))
    assert ces.sum() == pytest.approx(float(expected_shortfall(TOTAL, confidence)), rel=1e-12)
    assert cvar.sum() == pytest.approx(float(value_at_risk(TOTAL, confidence)), rel=1e-12)


def test_marginal_equals_component_for_es() -> None:
    ces = np.asarray(component_es(TOTAL, CHILDREN, 0.975))
    np.testing.assert_allclose(marginal(TOTAL, CHILDREN, 0.975), ces, rtol=1e-6)


def test_incremental_is_with_minus_without() -> None:
    inc = np.asarray(incremental(TOTAL, CHILDREN, 0.99, measure="var"))
    for i in range(4):
        without = TOTAL - CHILDREN[i]
        assert inc[i] == pytest.approx(
            float(value_at_risk(TOTAL, 0.99)) - float(value_at_risk(without, 0.99)), rel=1e-12
        )


def test_delta_normal_components_sum_to_var() -> None:
    cov = np.array([[0.04, 0.01], [0.01, 0.09]]) / 252
    deltas = np.array([[1e6, 2e5], [-3e5, 5e5], [1e5, 0.0]])
    parts = np.asarray(delta_normal_components(deltas, cov, 0.99))
    total, _ = delta_normal(deltas.sum(axis=0), cov, 0.99)
    assert parts.sum() == pytest.approx(float(total), rel=1e-12)
