"""A book as arrays, and its value on a factor vector, in the reporting currency.

A :class:`Book` holds one struct-of-arrays block per instrument family. Every array
is indexed by position within the family; ``book`` is the position's book index (for
aggregation) and ``units = quantity × multiplier``. Factor references are integer
indices into the factor vector ``x`` (see :mod:`riskcap.market.factors`).

**Currencies.** A position is valued in its own currency and converted to the
reporting currency at the FX factor ``x[fx]`` (reporting-currency units per unit of
the position's currency, ``FX.<CCY><REP>``; ``fx = -1``: the position is in the
reporting currency, rate 1). FX factors are log-shocked like any price, so FX moves
are in every P&L vector, VaR, stress and attribution.

**Curves.** Each currency's discount curve is a row of :class:`Curves`: zero-rate
factors on pillar times (continuously compounded, ACT/365F, linear in the zero rate
between pillars, flat outside; see :mod:`riskcap.pricing.rates`). A position names its
curve by row (``curve``; ``-1`` where it has none).

Valuation on a factor vector ``x`` (shape ``(factors,)``), per family, before FX:

* ``Linear`` (equity, index): ``units · x[spot]``
* ``Future`` (index future): ``units · S·exp((r(t) − q)·t)``, ``r`` from its curve
* ``Option`` (European): ``units · BSM(S, K, t, r(t), q, σ)`` with ``σ`` the vol at
  its own strike on the underlying's surface (:func:`smile_vol`): the 1Y smile points
  ``VOL.<X>.<M>`` around its moneyness, each along its as-of term structure
* ``Bond``: ``units · dirty price per 100`` off its curve, plus its issuer's credit
  spread curve (zero spreads added to the zero rates) where it has an issuer
* ``Swap``: ``units · PV per unit notional`` off its curve
* ``FxForward`` (FX forward, FX swap): per unit of the base currency, in the quote
  currency, ``S·DF_base(T) − K·DF_quote(T)`` per leg (:mod:`riskcap.pricing.fx`)
* ``FxOption`` (European FX option): Garman–Kohlhagen on ``S = FX_base / FX_quote``
  with the quote curve's rate as the domestic and the base curve's as the foreign rate
* ``CommodityFuture``: ``units · F(T)``, the forward price at expiry on the commodity's
  forward curve (price pillars ``CMD.<NAME>.<TENOR>``, log-linear in time, flat outside)

All functions are pure and jittable; vmap them over scenarios.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from riskcap.pricing.equity import black_scholes_merton, forward_price
from riskcap.pricing.fx import fx_forward_value, garman_kohlhagen
from riskcap.pricing.rates import (
    ordered_segment_sum,
    ordered_sum,
)

# Book fields are NumPy arrays when built on the host and JAX arrays inside jit.
Arr = Any


class Linear(NamedTuple):
    book: Arr  # (p,) int32
    units: Arr  # (p,)
    spot: Arr  # (p,) int32 factor index
    fx: Arr  # (p,) int32 FX factor of the position's currency (-1: reporting currency)


class Future(NamedTuple):
    book: Arr
    units: Arr
    spot: Arr
    t: Arr  # years to expiry (ACT/365F)
    div_yield: Arr
    curve: Arr  # (p,) int32 row of Curves
    fx: Arr


class Option(NamedTuple):
    book: Arr
    units: Arr
    spot: Arr
    vol: Arr  # (p, 2) int32 the two smile points around the option's moneyness ((p, 1): ATM)
    vol_scale: Arr  # (p, 2) σ = Σ_j vol_scale[j]·x[vol[j]] (see :func:`smile_vol`)
    strike: Arr
    t: Arr
    div_yield: Arr
    is_call: Arr  # bool
    curve: Arr
    fx: Arr


class Bond(NamedTuple):
    """Fixed-rate bonds: the payments still to come, from QuantLib's schedule and day
    count (:mod:`riskcap.inputs.schedules`), as amounts per 100 face (coupons and the
    redemption) at payment times, padded to a common width."""

    book: Arr
    units: Arr
    times: Arr  # (p, m) payment times in years (ACT/365F), padded
    amounts: Arr  # (p, m) cash flow per 100 face at each time
    mask: Arr  # (p, m) bool: a real payment
    curve: Arr
    fx: Arr
    spread: Arr  # (p,) int32 row of the issuer's credit spread curve (-1: risk-free)


class Swap(NamedTuple):
    """Fixed-for-floating swaps per unit notional. Known cash flows (the fixed leg, a
    floating coupon already fixed, and the floating leg telescoped to ``+1`` at its
    next reset and ``−1`` at maturity where it is projected on its discount curve) are
    ``amounts`` at ``times``, signed as received; floating coupons projected on another
    curve (multi-curve) are ``DF(pay)·(P(start)/P(end) − 1)·scale`` on the ``projection``
    curve, times ``float_sign`` (+1 a payer of fixed, −1 a receiver)."""

    book: Arr
    units: Arr
    times: Arr  # (p, m)
    amounts: Arr  # (p, m) signed known cash flows per unit notional
    mask: Arr  # (p, m) bool
    float_times: Arr  # (p, k) payment times of projected floating coupons
    float_start: Arr  # (p, k) their accrual start and end (years)
    float_end: Arr
    float_scale: Arr  # (p, k) accrual fraction over the index period's (1: they agree)
    float_mask: Arr  # (p, k) bool
    float_sign: Arr  # (p,) +1 pay fixed (receive floating), −1 receive fixed
    curve: Arr  # discount curve row
    projection: Arr  # projection curve row (its forward rates fix the coupons)
    fx: Arr


class FxForward(NamedTuple):
    """FX forwards and FX swaps: ``units`` of the base currency bought for the quote
    currency at ``strike`` (quote per base) on ``t``; an FX swap also has a near leg of
    opposite direction (``near_sign`` −1 … 0: none, or already settled)."""

    book: Arr
    units: Arr  # base-currency notional (signed: bought positive)
    base_fx: Arr  # FX factor of the base currency (-1: reporting currency)
    fx: Arr  # FX factor of the quote currency (-1: reporting currency)
    base_curve: Arr  # discount curve rows
    curve: Arr
    t: Arr  # far (or only) leg: years to settlement
    strike: Arr  # far leg: forward rate, quote per base
    near_t: Arr  # near leg (FX swap)
    near_strike: Arr
    near_sign: Arr  # float: −1 a live near leg of opposite direction, 0 none


class FxOption(NamedTuple):
    """European options on ``units`` of the base currency, struck in the quote
    currency (Garman–Kohlhagen)."""

    book: Arr
    units: Arr
    base_fx: Arr
    fx: Arr
    base_curve: Arr
    curve: Arr
    vol: Arr  # (p, 2) the pair's smile points around the option's moneyness
    vol_scale: Arr  # (p, 2)
    strike: Arr  # quote per base
    t: Arr
    is_call: Arr


class CommodityFuture(NamedTuple):
    """Commodity futures: ``units`` of the commodity at the forward price of expiry ``t``
    on its forward curve (a row of :attr:`Book.forwards`)."""

    book: Arr
    units: Arr
    forward: Arr  # (p,) int32 row of Book.forwards
    t: Arr  # years to expiry
    fx: Arr


class Payments(NamedTuple):
    """Known cash flows of a block of bonds or swaps as one flat list (see
    :func:`riskcap.engine.local.payment_block`), ordered by position, then as in the
    schedule: only the payments still to come, not a ``(positions, width)`` grid
    padded to the longest schedule. Padding payments are not ``live`` and add
    nothing."""

    time: Arr  # (u,) payment times in years
    amount: Arr  # (u,) cash flow at that time
    position: Arr  # (u,) int32 position in the block, ascending
    live: Arr  # (u,) bool


class Projected(NamedTuple):
    """Projected floating coupons of a block of swaps as one flat list (like
    :class:`Payments`): ``DF(time)·(P(start)/P(end) − 1)·scale`` on the position's
    curves."""

    time: Arr
    start: Arr
    end: Arr
    scale: Arr
    position: Arr
    live: Arr


class BondFlows(NamedTuple):
    """A :class:`Bond` block valued over its :class:`Payments` (same prices)."""

    book: Arr
    units: Arr
    payments: Payments
    curve: Arr
    fx: Arr
    spread: Arr


class SwapFlows(NamedTuple):
    """A :class:`Swap` block valued over its :class:`Payments` and :class:`Projected`
    coupons (same PVs)."""

    book: Arr
    units: Arr
    payments: Payments
    projected: Projected
    float_sign: Arr
    curve: Arr
    projection: Arr
    fx: Arr


class Curves(NamedTuple):
    """The run's zero curves, one row each, padded to one pillar count.

    Row ``c`` has its real pillars in ``tenors[c, :n]`` (``n`` pillars, increasing)
    and ``last[c] = tenors[c, n-1]``; padding pillars lie beyond ``last`` and repeat the
    last factor. Times are clamped to ``[tenors[c, 0], last[c]]``, so padding pillars
    get zero weight and a row values exactly as its unpadded curve
    (:func:`stack_curves`).
    """

    tenors: Arr  # (c, k) pillar times in years
    factors: Arr  # (c, k) int32 factor indices of the zero rates
    last: Arr  # (c,) the last real pillar time


Family = (
    Linear
    | Future
    | Option
    | Bond
    | Swap
    | BondFlows
    | SwapFlows
    | FxForward
    | FxOption
    | CommodityFuture
)


class Book(NamedTuple):
    """All positions of a run, by family (a JAX pytree)."""

    linear: Linear
    future: Future
    option: Option
    bond: Bond
    swap: Swap
    fx_forward: FxForward
    fx_option: FxOption
    commodity_future: CommodityFuture
    curves: Curves
    forwards: Curves  # commodity forward curves: price pillars, log-linear in time
    spreads: Curves  # issuers' credit spread curves (zero spreads over the curves)
    projections: Curves  # swaps' projection curves (their floating coupons' forwards)

    @property
    def families(self) -> tuple[Family, ...]:
        return (
            self.linear,
            self.future,
            self.option,
            self.bond,
            self.swap,
            self.fx_forward,
            self.fx_option,
            self.commodity_future,
        )

    @property
    def size(self) -> int:
        return sum(int(f.units.shape[0]) for f in self.families)


# the position families of a Book, by field name (its first eight fields)
FAMILY_TYPES: dict[str, type] = {
    "linear": Linear,
    "future": Future,
    "option": Option,
    "bond": Bond,
    "swap": Swap,
    "fx_forward": FxForward,
    "fx_option": FxOption,
    "commodity_future": CommodityFuture,
}
# the curve stacks of a Book, by field name (its last four fields)
CURVE_STACKS = ("curves", "forwards", "spreads", "projections")


def stack_curves(
    curves: list[tuple[np.ndarray, np.ndarray]], rows: int = 0, width: int = 0
) -> Curves:
    """:class:`Curves` from ``(tenors, factor indices)`` per curve (pillars increasing),
    padded to ``rows`` rows and ``width`` pillars where given (the run's universe of
    curves of the kind, from the factors table: a day that trades a curve's first
    instrument compiles nothing new), else to the longest curve and a power-of-two row
    count. Unused rows repeat the first curve (a curve of zeros where there is none)."""
    count = len(curves)
    pow2 = 1 << max(0, (count - 1).bit_length()) if curves else 0
    rows = max(rows, count) if rows else pow2
    width = max([width, *(len(t) for t, _ in curves)])
    tenors = np.zeros((rows, width))
    factors = np.zeros((rows, width), np.int32)
    last = np.zeros(rows)
    for c, (t, f) in enumerate(curves):
        t = np.asarray(t, np.float64)
        n = t.shape[0]
        tenors[c, :n], factors[c, :n], last[c] = t, f, t[-1]
        tenors[c, n:] = t[-1] + np.arange(1, width - n + 1)
        factors[c, n:] = f[-1]
    if not curves and rows:  # no curve of the kind today: rows never read
        tenors[:] = np.arange(1, width + 1)
        last[:] = tenors[:, -1] if width else 0.0
    for c in range(count, rows):  # unused rows: a copy of the first
        tenors[c], factors[c], last[c] = tenors[0], factors[0], last[0]
    return Curves(tenors, factors, last)


def _zero(curves: Curves, row: Arr, x: Float[Array, " f"], t: Float[Array, ...]) -> Array:
    """Zero rates at times ``t`` on curve rows ``row`` (same shape as ``t``): linear in
    the zero rate between pillars, flat outside (see rates.py).

    A book with no curve (shares and indices only) has no rows; the families that
    would read one are then empty, and their rates are zeros of ``t``'s shape (decided
    at trace time: the row count is static).
    """
    return _interpolate(curves, row, x[curves.factors], t)


def _forward_price(
    forwards: Curves, row: Arr, x: Float[Array, " f"], t: Float[Array, ...]
) -> Array:
    """Forward prices at times ``t`` on forward-curve rows ``row``: linear in the log
    price between pillars (log-linear, QuantLib's ``LogLinearInterpolation``), flat
    outside."""
    levels = x[forwards.factors]
    safe = jnp.where(levels > 0.0, levels, 1.0)  # padded curves of zeros are never read
    return jnp.exp(_interpolate(forwards, row, jnp.log(safe), t))


def _interpolate(curves: Curves, row: Arr, values: Array, t: Float[Array, ...]) -> Array:
    """``values`` (``(curves, pillars)``, one row per curve) linear in time between the
    pillars of each time's row, flat outside.

    Where a time falls, and its two weights, depend only on the block (its times and
    curve rows), not on the scenario: under ``vmap`` they are computed once per block,
    and each scenario's lookup is two gathers and a weighted sum of two pillar values
    — the same hat-function weights as :func:`~riskcap.pricing.rates.interpolation_weights`
    (``(t₊ − t)/(t₊ − t₋)`` and ``(t − t₋)/(t₊ − t₋)``). Elementwise, so a value never
    depends on how many scenarios are valued together; a tenth of the work of a matrix
    product over every curve's pillars (which also valued every curve at every time).
    """
    t = jnp.asarray(t, jnp.float64)
    if curves.tenors.shape[0] == 0 or curves.tenors.shape[1] == 0:
        return jnp.zeros_like(t)
    row = jnp.broadcast_to(jnp.maximum(row, 0), t.shape)
    k = curves.tenors.shape[1]
    if k == 1:  # one pillar (static): flat
        return values[row, 0]
    tenors = curves.tenors[row]  # (..., k)
    at = jnp.clip(t, tenors[..., 0], curves.last[row])
    lo = jnp.clip(jnp.sum(tenors <= at[..., None], axis=-1) - 1, 0, k - 2)
    t_lo = jnp.take_along_axis(tenors, lo[..., None], axis=-1)[..., 0]
    t_hi = jnp.take_along_axis(tenors, lo[..., None] + 1, axis=-1)[..., 0]
    down = jnp.clip((t_hi - at) / (t_hi - t_lo), 0.0, 1.0)
    up = jnp.clip((at - t_lo) / (t_hi - t_lo), 0.0, 1.0)
    cell = row * k + lo
    flat = values.reshape(-1)
    return down * flat[cell] + up * flat[cell + 1]


def _df(curves: Curves, row: Arr, x: Float[Array, " f"], t: Float[Array, ...]) -> Array:
    t = jnp.asarray(t, jnp.float64)
    return jnp.exp(-_zero(curves, row, x, t) * t)


def _risky_df(
    curves: Curves,
    row: Arr,
    spreads: Curves,
    spread: Arr,
    x: Float[Array, " f"],
    t: Float[Array, ...],
) -> Array:
    """``exp(−(z(t) + s(t))·t)``: the risk-free zero rate plus the issuer's zero spread
    (row ``spread`` of ``spreads``, linear in tenor, flat outside; ``-1``: none)."""
    t = jnp.asarray(t, jnp.float64)
    s = jnp.where(spread >= 0, _zero(spreads, spread, x, t), 0.0)
    return jnp.exp(-(_zero(curves, row, x, t) + s) * t)


def fx_rate(fx: Arr, x: Float[Array, " f"]) -> Array:
    """Reporting-currency units per unit of a position's currency: ``x[fx]``, or 1
    for the reporting currency (``fx = -1``)."""
    return jnp.where(fx >= 0, x[jnp.maximum(fx, 0)], 1.0)


def in_reporting(value: Array, fx: Arr, x: Float[Array, " f"]) -> Array:
    """``value`` (in the position's currency) in the reporting currency: times
    ``x[fx]``, or untouched for the reporting currency (a select, not a product with
    1, so a reporting-currency value is computed exactly as it is alone)."""
    return jnp.where(fx >= 0, value * x[jnp.maximum(fx, 0)], value)


def linear_values(f: Linear, curves: Curves, x: Float[Array, " f"]) -> Float[Array, " p"]:
    return in_reporting(f.units * x[f.spot], f.fx, x)


def future_values(f: Future, curves: Curves, x: Float[Array, " f"]) -> Float[Array, " p"]:
    r = _zero(curves, f.curve, x, f.t)
    return in_reporting(f.units * forward_price(x[f.spot], r, f.div_yield, f.t), f.fx, x)


def smile_vol(vol: Arr, vol_scale: Arr, x: Float[Array, " f"]) -> Array:
    """An option's implied vol on ``x``: ``Σ_j vol_scale[j]·x[vol[j]]`` over the two 1Y
    smile points around its moneyness (strike / spot on the as-of date, sticky within the
    day), each scaled to its expiry along that point's as-of term structure — on the
    as-of surface, the vol linear in expiry then in moneyness at the option's strike
    (:func:`riskcap.inputs.risk_inputs.smile_weights`). A surface of ATM vols only gives
    one point (a single column, or the second's scale 0): the ATM term structure moved
    by the 1Y ATM vol."""
    sigma = x[vol[..., 0]] * vol_scale[..., 0]
    if vol.shape[-1] > 1:  # a second point (static: surfaces of ATM points only have one)
        sigma = sigma + x[vol[..., 1]] * vol_scale[..., 1]
    return sigma


def option_values(f: Option, curves: Curves, x: Float[Array, " f"]) -> Float[Array, " p"]:
    r = _zero(curves, f.curve, x, f.t)
    sigma = smile_vol(f.vol, f.vol_scale, x)
    value = black_scholes_merton(x[f.spot], f.strike, f.t, r, f.div_yield, sigma, f.is_call)
    return in_reporting(f.units * value, f.fx, x)


def _on_grid(df: Array, values: Array, mask: Arr) -> Array:
    """``Σ_j values·df`` over the masked cells of each row, in schedule order."""
    return ordered_sum(jnp.where(mask, values * df, 0.0))


def bond_values(
    f: Bond, curves: Curves, x: Float[Array, " f"], spreads: Curves | None = None
) -> Float[Array, " p"]:
    """Bond values; spread rows index ``spreads`` (default: ``curves`` itself)."""
    s = curves if spreads is None else spreads
    df = _risky_df(curves, f.curve[:, None], s, f.spread[:, None], x, f.times)
    return in_reporting(f.units * _on_grid(df, f.amounts, f.mask), f.fx, x)


def _forward_growth(
    curves: Curves, row: Arr, x: Float[Array, " f"], start: Array, end: Array
) -> Array:
    """``P(start)/P(end) − 1`` on curve rows ``row``: a floating coupon fixed on the
    curve's simple forward rate over its accrual period (the index's day count is the
    coupon's, so the year fractions cancel)."""
    start = jnp.asarray(start, jnp.float64)
    end = jnp.asarray(end, jnp.float64)
    log_growth = _zero(curves, row, x, end) * end - _zero(curves, row, x, start) * start
    return jnp.expm1(log_growth)


def swap_values(
    f: Swap, curves: Curves, x: Float[Array, " f"], projections: Curves | None = None
) -> Float[Array, " p"]:
    """Swap PVs; projection rows index ``projections`` (default: ``curves`` itself)."""
    df = _df(curves, f.curve[:, None], x, f.times)
    pv = _on_grid(df, f.amounts, f.mask)
    if f.float_times.shape[-1]:  # multi-curve coupons (a static width)
        stack = curves if projections is None else projections
        growth = f.float_scale * _forward_growth(
            stack, f.projection[:, None], x, f.float_start, f.float_end
        )
        df_pay = _df(curves, f.curve[:, None], x, f.float_times)
        pv = pv + f.float_sign * _on_grid(df_pay, growth, f.float_mask)
    return in_reporting(f.units * pv, f.fx, x)


def _flow_sum(values: Array, live: Arr, position: Arr, n: int) -> Array:
    return ordered_segment_sum(jnp.where(live, values, 0.0), position, n)


def bond_flow_values(
    f: BondFlows, curves: Curves, x: Float[Array, " f"], spreads: Curves | None = None
) -> Float[Array, " p"]:
    s = curves if spreads is None else spreads
    pay = f.payments
    on = pay.position
    df = _risky_df(curves, f.curve[on], s, f.spread[on], x, pay.time)
    price = _flow_sum(pay.amount * df, pay.live, on, f.units.shape[0])
    return in_reporting(f.units * price, f.fx, x)


def swap_flow_values(
    f: SwapFlows, curves: Curves, x: Float[Array, " f"], projections: Curves | None = None
) -> Float[Array, " p"]:
    n = f.units.shape[0]
    pay = f.payments
    df = _df(curves, f.curve[pay.position], x, pay.time)
    pv = _flow_sum(pay.amount * df, pay.live, pay.position, n)
    c = f.projected
    if c.time.shape[0]:  # multi-curve coupons (a static length)
        stack = curves if projections is None else projections
        growth = c.scale * _forward_growth(stack, f.projection[c.position], x, c.start, c.end)
        df_pay = _df(curves, f.curve[c.position], x, c.time)
        pv = pv + f.float_sign * _flow_sum(growth * df_pay, c.live, c.position, n)
    return in_reporting(f.units * pv, f.fx, x)


def fx_forward_values(f: FxForward, curves: Curves, x: Float[Array, " f"]) -> Float[Array, " p"]:
    quote = fx_rate(f.fx, x)
    spot = fx_rate(f.base_fx, x) / quote  # quote per base

    def leg(t: Array, strike: Array) -> Array:
        df_base = _df(curves, f.base_curve, x, t)
        df_quote = _df(curves, f.curve, x, t)
        return jnp.where(t >= 0.0, fx_forward_value(spot, strike, df_base, df_quote), 0.0)

    value = leg(f.t, f.strike) + f.near_sign * leg(f.near_t, f.near_strike)
    return f.units * value * quote


def fx_option_values(f: FxOption, curves: Curves, x: Float[Array, " f"]) -> Float[Array, " p"]:
    quote = fx_rate(f.fx, x)
    spot = fx_rate(f.base_fx, x) / quote
    r_quote = _zero(curves, f.curve, x, f.t)
    r_base = _zero(curves, f.base_curve, x, f.t)
    sigma = smile_vol(f.vol, f.vol_scale, x)
    value = garman_kohlhagen(spot, f.strike, f.t, r_quote, r_base, sigma, f.is_call)
    return f.units * value * quote


def commodity_future_values(
    f: CommodityFuture, curves: Curves, x: Float[Array, " f"], forwards: Curves
) -> Float[Array, " p"]:
    return in_reporting(f.units * _forward_price(forwards, f.forward, x, f.t), f.fx, x)


VALUE_FUNCTIONS = {
    Linear: linear_values,
    Future: future_values,
    Option: option_values,
    Bond: bond_values,
    Swap: swap_values,
    BondFlows: bond_flow_values,
    SwapFlows: swap_flow_values,
    FxForward: fx_forward_values,
    FxOption: fx_option_values,
}


class Markets(NamedTuple):
    """The curves a family is valued on: zero, commodity forward, spread and projection
    curves."""

    curves: Curves
    forwards: Curves
    spreads: Curves
    projections: Curves


def family_values(f: Family, markets: Markets, x: Float[Array, " f"]) -> Float[Array, " p"]:
    """Values of one family's positions on factor vector ``x``, reporting currency."""
    if isinstance(f, CommodityFuture):
        return commodity_future_values(f, markets.curves, x, markets.forwards)
    if isinstance(f, Bond):
        return bond_values(f, markets.curves, x, markets.spreads)
    if isinstance(f, BondFlows):
        return bond_flow_values(f, markets.curves, x, markets.spreads)
    if isinstance(f, Swap):
        return swap_values(f, markets.curves, x, markets.projections)
    if isinstance(f, SwapFlows):
        return swap_flow_values(f, markets.curves, x, markets.projections)
    fn: Any = VALUE_FUNCTIONS[type(f)]
    return fn(f, markets.curves, x)


def markets_of(book: Book) -> Markets:
    return Markets(book.curves, book.forwards, book.spreads, book.projections)


def position_values(book: Book, x: Float[Array, " f"]) -> Float[Array, " n"]:
    """Values of every position on ``x``, families concatenated in Book order."""
    markets = markets_of(book)
    return jnp.concatenate([family_values(f, markets, x) for f in book.families])


def position_books(book: Book) -> Array:
    """Book index of every position, in :func:`position_values` order."""
    return jnp.concatenate([f.book for f in book.families])


def empty_family(kind: type[Family], width: int = 1) -> Family:
    """A family with no positions (fields of length 0, schedules of ``width``)."""
    i = np.zeros(0, np.int32)
    z = np.zeros(0)
    b = np.zeros(0, bool)
    zz = np.zeros((0, width))
    bb = np.zeros((0, width), bool)
    if kind is Linear:
        return Linear(i, z, i, i)
    if kind is Future:
        return Future(i, z, i, z, z, i, i)
    i2 = np.zeros((0, 2), np.int32)
    z2 = np.zeros((0, 2))
    if kind is Option:
        return Option(i, z, i, i2, z2, z, z, z, b, i, i)
    if kind is Bond:
        return Bond(i, z, zz, zz, bb, i, i, i)
    if kind is FxForward:
        return FxForward(i, z, i, i, i, i, z, z, z, z, z)
    if kind is FxOption:
        return FxOption(i, z, i, i, i, i, i2, z2, z, z, b)
    if kind is CommodityFuture:
        return CommodityFuture(i, z, i, z, i)
    return Swap(i, z, zz, zz, bb, zz, zz, zz, zz, bb, z, i, i, i)
