"""VaR and ES: the ORE reference, a NumPy twin, and the coherence properties."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from riskcap.risk.measures import (
    expected_shortfall,
    interpolated_var,
    tail_count,
    value_at_risk,
    var_es,
)


def numpy_var_es(pnl: np.ndarray, confidence: float) -> tuple[float, float]:
    """Independent twin: exact decimal tail count, NumPy sort."""
    k = max(1, math.ceil((Decimal(1) - Decimal(str(confidence))) * len(pnl)))
    tail = np.sort(pnl)[:k]
    return float(-tail[-1]), float(-tail.mean())


def test_ore_reference_vector() -> None:
    # shared/reference/README.md (ORE HS convention): P&L = -1..-100.
    pnl = -np.arange(1.0, 101.0)
    assert (float(value_at_risk(pnl, 0.99)), float(expected_shortfall(pnl, 0.99))) == (100, 100)
    assert (float(value_at_risk(pnl, 0.95)), float(expected_shortfall(pnl, 0.95))) == (96, 98)


@pytest.mark.parametrize(
    ("n", "confidence", "k"),
    [(100, 0.99, 1), (100, 0.95, 5), (250, 0.99, 3), (1000, 0.975, 25), (10, 0.5, 5), (3, 0.99, 1)],
)
def test_tail_count_is_float_safe(n: int, confidence: float, k: int) -> None:
    assert tail_count(n, confidence) == k


def test_bad_confidence_is_refused() -> None:
    with pytest.raises(ValueError, match="confidence"):
        value_at_risk(np.zeros(10), 1.0)


finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
vectors = arrays(np.float64, st.integers(5, 400), elements=finite)
confidences = st.sampled_from([0.5, 0.9, 0.95, 0.975, 0.99, 0.999])


@settings(max_examples=150, deadline=None)
@given(pnl=vectors, confidence=confidences)
def test_matches_numpy_twin_and_es_at_least_var(pnl: np.ndarray, confidence: float) -> None:
    var, es = (float(x) for x in var_es(pnl, confidence))
    assert (var, es) == pytest.approx(numpy_var_es(pnl, confidence), rel=1e-12, abs=1e-9)
    assert es >= var - 1e-9


@settings(max_examples=100, deadline=None)
@given(pnl=vectors, a=confidences, b=confidences)
def test_monotone_in_confidence(pnl: np.ndarray, a: float, b: float) -> None:
    lo, hi = sorted((a, b))
    assert float(value_at_risk(pnl, hi)) >= float(value_at_risk(pnl, lo))
    assert float(expected_shortfall(pnl, hi)) >= float(expected_shortfall(pnl, lo)) - 1e-9


@settings(max_examples=100, deadline=None)
@given(pnl=vectors, confidence=confidences, scale=st.floats(0.01, 100), shift=finite)
def test_homogeneous_and_translation_invariant(
    pnl: np.ndarray, confidence: float, scale: float, shift: float
) -> None:
    var, es = (float(x) for x in var_es(pnl, confidence))
    svar, ses = (float(x) for x in var_es(scale * pnl, confidence))
    assert svar == pytest.approx(scale * var, rel=1e-12, abs=1e-6)
    assert ses == pytest.approx(scale * es, rel=1e-12, abs=1e-6)
    tvar, tes = (float(x) for x in var_es(pnl + shift, confidence))
    assert tvar == pytest.approx(var - shift, rel=1e-12, abs=1e-6)
    assert tes == pytest.approx(es - shift, rel=1e-12, abs=1e-6)


@settings(max_examples=150, deadline=None)
@given(data=st.data(), confidence=confidences)
def test_es_is_subadditive(data: st.DataObject, confidence: float) -> None:
    n = data.draw(st.integers(5, 300))
    x = data.draw(arrays(np.float64, n, elements=finite))
    y = data.draw(arrays(np.float64, n, elements=finite))
    lhs = float(expected_shortfall(x + y, confidence))
    rhs = float(expected_shortfall(x, confidence)) + float(expected_shortfall(y, confidence))
    assert lhs <= rhs + 1e-9 * (1 + abs(rhs))


def test_var_is_not_subadditive_in_general() -> None:
    # Two independent defaultable bonds (the classic counter-example, McNeil et al. 2015 §8.1):
    # each loses 100 in 4 of 100 scenarios, never together.
    x = np.zeros(100)
    y = np.zeros(100)
    x[:4], y[4:8] = -100, -100
    assert float(value_at_risk(x + y, 0.95)) > float(value_at_risk(x, 0.95)) + float(
        value_at_risk(y, 0.95)
    )


def test_interpolated_variant_is_numpy_linear_quantile() -> None:
    pnl = np.random.default_rng(3).normal(size=1001)
    assert float(interpolated_var(pnl, 0.99)) == pytest.approx(-np.quantile(pnl, 0.01))


def test_reduces_the_last_axis_per_node() -> None:
    pnl = np.random.default_rng(1).normal(size=(3, 500))
    var = np.asarray(value_at_risk(pnl, 0.99))
    assert var.shape == (3,)
    for i in range(3):
        assert var[i] == numpy_var_es(pnl[i], 0.99)[0]
