"""BSM and forwards against Haug's published values, parity and limits."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskcap.pricing.equity import black_scholes_merton, forward_price, norm_cdf

# shared/reference/README.md — Haug, The Complete Guide to Option Pricing Formulas
# (2nd ed.), also QuantLib test-suite/europeanoption.cpp. Tolerance 1e-4 absolute.
HAUG = [
    ("call", 60.0, 65.0, 0.00, 0.08, 0.25, 0.30, 2.1334),
    ("put", 100.0, 95.0, 0.05, 0.10, 0.50, 0.20, 2.4648),
    ("call", 100.0, 100.0, 0.10, 0.10, 0.50, 0.25, 6.6997),
    ("call", 42.0, 40.0, 0.08, 0.04, 0.75, 0.35, 5.0975),
]


@pytest.mark.parametrize(("cp", "s", "k", "q", "r", "t", "vol", "value"), HAUG)
def test_haug_reference_values(
    cp: str, s: float, k: float, q: float, r: float, t: float, vol: float, value: float
) -> None:
    price = float(black_scholes_merton(s, k, t, r, q, vol, cp == "call"))
    assert price == pytest.approx(value, abs=1e-4)


def test_vectorised_over_positions_in_float64() -> None:
    cp, s, k, q, r, t, vol, value = map(np.array, zip(*HAUG, strict=True))
    prices = black_scholes_merton(s, k, t, r, q, vol, cp == "call")
    assert prices.dtype == jnp.float64 and prices.shape == (4,)
    np.testing.assert_allclose(prices, value, atol=1e-4)


@settings(max_examples=200, deadline=None)
@given(
    s=st.floats(1.0, 500.0),
    k=st.floats(1.0, 500.0),
    t=st.floats(0.01, 5.0),
    r=st.floats(-0.02, 0.15),
    q=st.floats(0.0, 0.10),
    vol=st.floats(0.05, 1.5),
)
def test_put_call_parity(s: float, k: float, t: float, r: float, q: float, vol: float) -> None:
    # C - P = S e^{-qt} - K e^{-rt} (Hull, eq. 17.3 with dividend yield)
    c = float(black_scholes_merton(s, k, t, r, q, vol, True))
    p = float(black_scholes_merton(s, k, t, r, q, vol, False))
    assert c - p == pytest.approx(s * np.exp(-q * t) - k * np.exp(-r * t), abs=1e-9 * max(s, k))


def test_expired_option_is_intrinsic() -> None:
    assert float(black_scholes_merton(110.0, 100.0, 0.0, 0.05, 0.0, 0.2, True)) == 10.0
    assert float(black_scholes_merton(110.0, 100.0, -0.1, 0.05, 0.0, 0.2, False)) == 0.0


def test_forward_is_cost_of_carry() -> None:
    assert float(forward_price(100.0, 0.05, 0.02, 2.0)) == pytest.approx(100 * np.exp(0.06))


def test_norm_cdf_matches_scipy_ndtr_in_both_tails() -> None:
    # Oracle: scipy.special.ndtr (Cephes). Relative error everywhere the CDF is a
    # normal float, from the far left tail (1e-316 at -38) to 1 - 1e-19 at 9.
    from scipy.special import ndtr

    x = np.concatenate(
        [np.linspace(-38.0, 9.0, 200_001), np.random.default_rng(1).normal(0.0, 2.0, 100_000)]
    )
    want = ndtr(x)
    got = np.asarray(norm_cdf(x))
    normal = want > 1e-300
    np.testing.assert_allclose(got[normal], want[normal], rtol=5e-15, atol=0.0)
    np.testing.assert_allclose(got, want, rtol=0.0, atol=3e-16)
