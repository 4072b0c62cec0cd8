"""FX kernels: forwards and European options on an exchange rate (Garman–Kohlhagen).

An exchange rate ``S`` is the price of one unit of the **base** currency in the
**quote** currency (EURUSD 1.08: one euro costs 1.08 dollars). Values are per unit of
the base currency, in the quote currency; broadcasting like :mod:`riskcap.pricing.equity`.
"""

from __future__ import annotations

import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Float

from riskcap.pricing.equity import black_scholes_merton


def fx_forward_value(
    spot: Float[ArrayLike, ...],
    strike: Float[ArrayLike, ...],
    df_base: Float[ArrayLike, ...],
    df_quote: Float[ArrayLike, ...],
) -> Float[Array, ...]:
    r"""Value of buying one unit of the base currency for ``strike`` units of the quote
    currency at a future date, by covered interest parity:

    .. math:: V = S\,P_{base}(T) - K\,P_{quote}(T)

    (receive one base unit, worth ``S·P_base(T)`` today; pay ``K`` quote units, worth
    ``K·P_quote(T)``). The forward rate that makes it zero is
    ``F = S·P_base(T)/P_quote(T)``. Reference: Hull, *Options, Futures, and Other
    Derivatives*, eq. (5.9) and §5.10.
    """
    return jnp.asarray(spot) * jnp.asarray(df_base) - jnp.asarray(strike) * jnp.asarray(df_quote)


def garman_kohlhagen(
    spot: Float[ArrayLike, ...],
    strike: Float[ArrayLike, ...],
    t: Float[ArrayLike, ...],
    r_quote: Float[ArrayLike, ...],
    r_base: Float[ArrayLike, ...],
    sigma: Float[ArrayLike, ...],
    is_call: ArrayLike,
) -> Float[Array, ...]:
    r"""Garman–Kohlhagen price of a European option on one unit of the base currency.

    The base currency's interest rate plays the part of a continuous dividend yield:

    .. math::
        C = S e^{-r_b t} N(d_1) - K e^{-r_q t} N(d_2),\quad
        d_1 = \frac{\ln(S/K) + (r_q - r_b + \sigma^2/2)t}{\sigma\sqrt t}

    Reference: Garman and Kohlhagen, "Foreign currency option values", *Journal of
    International Money and Finance* 2 (1983); Haug (2nd ed.) §1.1.6 with ``b = r_q − r_b``.
    """
    return black_scholes_merton(spot, strike, t, r_quote, r_base, sigma, is_call)
