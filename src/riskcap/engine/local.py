"""The local engine: full revaluation in JAX, blocked to bound memory, on CPU or GPU.

``revalue(book, market, shocks, hierarchy)`` returns the P&L of every hierarchy node
in every scenario, shape ``(nodes, scenarios)``:

1. scenarios are cut into blocks of ``scenario_block`` rows; each block's factor
   levels are ``apply_shocks(x₀, shocks)``;
2. each instrument family is cut into blocks of ``position_block`` positions —
   divided by the payment-schedule width for bonds and swaps, whose every payment
   date is a cell of work — the last block padded with zero-unit copies, so every
   block has one static shape and ``jit`` compiles once per family; a bond or swap
   block is valued over the flat list of its payments still to come
   (:func:`payment_block`), not over the padded ``(positions, width)`` schedule grid
   (the same sums in the same order, a tenth of the work on the demo book);
3. a jitted kernel values the block under every scenario (``vmap``), subtracts the
   base value, and sums positions into books (a segment sum in position order);
4. book P&L is rolled up to every node with the membership matrix.

Peak memory is ``O(scenario_block × position_block)`` plus the shocks and the result,
whatever the book size: :func:`plan_blocks` sizes the blocks from ``engine.memory_gb``.
Nothing here is device-specific; on a machine where JAX sees a GPU the same code
runs there, and where it sees several devices the scenario blocks are spread over
them (:func:`revalue_books`), with P&L bit-identical to one device.

Summation order is fixed by the position blocks, so changing ``scenario_block``
(≥ 2) gives bit-identical P&L, and changing ``position_block`` changes it only by
rounding (≤ 1e-12 relative).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Float

from riskcap.inputs.hierarchy import Hierarchy
from riskcap.market.factors import Market, apply_shocks, factor_width, shape_bucket
from riskcap.pricing.book import (
    Bond,
    BondFlows,
    Book,
    Family,
    Markets,
    Payments,
    Projected,
    Swap,
    SwapFlows,
    family_values,
    markets_of,
)

# Bytes of working memory per (scenario, position) cell of a block: the float64
# value plus the kernel's intermediates (BSM needs about 30 live temporaries).
BYTES_PER_CELL = 8 * 40
MIN_SCENARIO_BLOCK = 2
SCENARIO_BUCKET_BASE = 16  # scenario blocks of 16, 256 or 4096 rows (memory allowing)
MAX_SCENARIO_BLOCK = 4096
MIN_FAMILY_BLOCK = 16  # positions: the smallest padded family block
MIN_PAYMENT_BLOCK = 64  # payments of a bond or swap block: the smallest padded list


@dataclass(frozen=True)
class BlockPlan:
    scenario_block: int
    position_block: int

    def __post_init__(self) -> None:
        # A one-scenario block makes XLA compile a scalar kernel whose rounding differs
        # from the vectorised one; two or more keep every block size bit-identical.
        if self.scenario_block < MIN_SCENARIO_BLOCK or self.position_block < 1:
            raise ValueError(
                f"scenario block must be ≥ {MIN_SCENARIO_BLOCK} and position block ≥ 1"
            )


def plan_blocks(n_scenarios: int, memory_gb: float) -> BlockPlan:
    """Block sizes whose working set fits ``memory_gb`` (at least 1 × 1)."""
    cells = max(1, int(memory_gb * 2**30 / BYTES_PER_CELL))
    # a bucketed block: a history one day longer reuses yesterday's compiled shape
    # (the last block is padded with zero shocks; results do not depend on the block).
    # Buckets are powers of 16 (16, 256, 4096): every block size compiles every
    # family's kernel (~1.2 s on the demo book), and an EOD's scenario sets (a
    # backtest day, stress scenarios, 250 days of history, the FRTB sets, 10,000 MC
    # paths) would otherwise need five sizes; the padding costs less than a compile.
    bucket = SCENARIO_BUCKET_BASE
    while bucket < min(n_scenarios, MAX_SCENARIO_BLOCK):
        bucket *= SCENARIO_BUCKET_BASE
    scenario_block = max(MIN_SCENARIO_BLOCK, min(bucket, MAX_SCENARIO_BLOCK, cells))
    # in cells, not capped by the book: a bond family's block is position_block divided
    # by its schedule width, so a cap by the day's position count would change the
    # compiled block shape whenever the book grows; families are capped by their own
    # (bucketed) size instead
    position_block = max(1, cells // scenario_block)
    return BlockPlan(scenario_block, position_block)


@functools.partial(jax.jit, static_argnames=("n_books",))
def _block_book_pnl(
    family: Family, markets: Markets, x0: Array, xs_t: Array, n_books: int
) -> Float[Array, "b s"]:
    """Book P&L of one family block under the scenario block ``xs_t``.

    ``xs_t`` is factor-major, ``(factors, scenarios)``, and the values come out
    position-major, ``(positions, scenarios)``: every gather of a factor (``x[spot]``,
    a curve's pillars) then copies contiguous rows, and the pricing formulas run along
    the scenario axis, vectorised. Scenario-major blocks made XLA gather into a
    transposed layout that the fused pricing loop read with strides (an option block
    took twice as long; the values are bit-identical).
    """
    base = family_values(family, markets, x0)
    values = jax.vmap(lambda x: family_values(family, markets, x), in_axes=1, out_axes=1)(xs_t)
    return books_sum(values - base[:, None], family.book, n_books)


@jax.jit
def _levels(x0: Array, shocks_t: Array, is_log: Array) -> Float[Array, "f s"]:
    """Factor-major levels of a scenario block (one fused kernel: applied op by op the
    shocks took 35 ms a block of 4,096 scenarios on the demo, half the block's time)."""
    return apply_shocks(x0[:, None], shocks_t, is_log[:, None])


def books_sum(pnl: Float[Array, "p s"], book: Array, n_books: int) -> Float[Array, "b s"]:
    """Sum position P&L rows into books, one position at a time in book order.

    A segment sum whose additions happen in position order for every scenario, so the
    result does not depend on the scenario block size (XLA's scatter-add may group
    terms differently for different shapes; historical simulation must be exact).
    """

    def add(acc: Array, item: tuple[Array, Array]) -> tuple[Array, None]:
        row, b = item
        return acc.at[b].add(row), None

    acc = jnp.zeros((n_books, pnl.shape[1]), pnl.dtype)
    out, _ = jax.lax.scan(add, acc, (pnl, book))
    return out


def cells_per_position(family: Family) -> int:
    """Block cells one position of a family occupies: its payment-schedule width for
    bonds and swaps (every payment date is valued in every scenario), else 1."""
    times = getattr(family, "times", None)
    if times is None:
        return 1
    floats = getattr(family, "float_times", None)
    return int(np.asarray(times).shape[1]) + (
        int(np.asarray(floats).shape[1]) if floats is not None else 0
    )


def family_block(n: int) -> int:
    """Block size for a family of ``n`` positions: ``n`` rounded up to a power of two,
    at least :data:`MIN_FAMILY_BLOCK`.

    Padding a small family to the whole position block would value thousands of
    zero-unit copies; rounding up to a power of two bounds both the waste (< 2×) and
    the number of shapes ``jit`` compiles. The floor gives a day's handful of trades
    (1, 2, 5 … of a family) one shape instead of one per count.
    """
    return max(MIN_FAMILY_BLOCK, shape_bucket(n))


def padded_market(
    x0: Float[ArrayLike, " f"], is_log: ArrayLike, width: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Factor levels and shock types padded to a bucketed length with unused factors.

    Positions index their factors, so a padded factor is never priced: a book whose
    factor count changes from one day to the next (a new underlying, a new curve
    pillar) reuses the compiled kernels of the bucket, and every value is the same.
    Padded factors are absolute with level 0, so a zero shock leaves them at 0. The
    length is ``width`` when that is longer (:attr:`Market.width`).
    """
    x0 = np.asarray(x0, np.float64)
    is_log = np.asarray(is_log, bool)
    pad = max(factor_width(x0.shape[0]), width) - x0.shape[0]
    return np.concatenate([x0, np.zeros(pad)]), np.concatenate([is_log, np.zeros(pad, bool)])


def pad_block(family: Family, start: int, size: int) -> Family:
    """Positions ``start .. start+size`` of a family, padded with zero-unit copies."""
    n = int(np.asarray(family.units).shape[0])
    idx = np.arange(start, start + size)
    real = idx < n
    idx = np.where(real, idx, start)  # pad by repeating the block's first position
    kind: Any = type(family)  # a family of arrays by position (not a BondFlows/SwapFlows)
    block = kind(*(np.asarray(a)[idx] for a in family))
    return block._replace(units=np.where(real, np.asarray(block.units), 0.0))


def _flat(
    mask: np.ndarray, count_floor: int, *columns: np.ndarray
) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """The masked cells of ``(positions, width)`` grids as flat lists, by position then
    schedule order, padded to a power of two (at least ``count_floor``; an empty list
    stays empty when ``count_floor`` is 0): ``(position, live, columns)``."""
    position, column = np.nonzero(mask)
    count = position.shape[0]
    size = 0 if count == 0 and count_floor == 0 else max(count_floor, shape_bucket(max(count, 1)))
    pad = size - count
    flat = [
        np.concatenate([np.asarray(c, np.float64)[position, column], np.zeros(pad)])
        for c in columns
    ]
    live = np.concatenate([np.ones(count, bool), np.zeros(pad, bool)])
    return np.concatenate([position, np.zeros(pad, np.int64)]).astype(np.int32), live, flat


def payment_block(family: Bond | Swap, start: int, size: int) -> BondFlows | SwapFlows:
    """Positions ``start .. start+size`` of a bond or swap family with their payments
    as one flat list (:class:`~riskcap.pricing.book.Payments`), padded like
    :func:`pad_block`: positions with zero-unit copies, payments to a power of two
    (at least :data:`MIN_PAYMENT_BLOCK`) with payments that are not ``live``; a swap's
    projected coupons likewise (:class:`~riskcap.pricing.book.Projected`; none when no
    swap of the family has any, so single-curve books value no projection).

    The grid's values (its payments added in the same order; equal to rounding, as a
    change of position block) for a fraction of the work: the grid values every
    padded schedule cell under every scenario.
    """
    grid: Any = pad_block(family, start, size)
    n = int(np.asarray(family.units).shape[0])
    real = np.arange(start, start + size) < n
    mask = np.asarray(grid.mask, bool) & real[:, None]
    position, live, (time, amount) = _flat(mask, MIN_PAYMENT_BLOCK, grid.times, grid.amounts)
    payments = Payments(time, amount, position, live)
    if isinstance(family, Bond):
        return BondFlows(grid.book, grid.units, payments, grid.curve, grid.fx, grid.spread)
    floats = np.asarray(grid.float_mask, bool) & real[:, None]
    floor = MIN_PAYMENT_BLOCK if np.asarray(family.float_mask).any() else 0
    where, alive, (t, t0, t1, scale) = _flat(
        floats, floor, grid.float_times, grid.float_start, grid.float_end, grid.float_scale
    )
    return SwapFlows(
        grid.book,
        grid.units,
        payments,
        Projected(t, t0, t1, scale, where, alive),
        grid.float_sign,
        grid.curve,
        grid.projection,
        grid.fx,
    )


def family_block_of(family: Family, start: int, size: int) -> Family:
    """A block of ``family`` as the kernels value it: bonds and swaps as their payment
    lists (:func:`payment_block`), other families padded (:func:`pad_block`)."""
    if isinstance(family, Bond | Swap):
        return payment_block(family, start, size)
    return pad_block(family, start, size)


def revalue_books(
    book: Book,
    market: Market,
    shocks: Float[ArrayLike, "s f"],
    n_books: int,
    plan: BlockPlan,
    devices: Sequence[jax.Device] | None = None,
) -> Float[np.ndarray, "b s"]:
    """P&L per book and scenario, ``(books, scenarios)`` as a NumPy array.

    Scenario blocks are spread over ``devices`` (default: every device JAX sees),
    block ``i`` on device ``i mod D``: each device holds a copy of the book's blocks
    and values whole scenario blocks with the same compiled kernel, so the P&L is
    bit-identical to one device's whatever ``D`` is, and no device waits on another
    (no collective: a block's books sum stays on its device until it is copied out).
    Splitting one block across devices with a ``NamedSharding`` would instead change
    each device's block shape, and with it XLA's rounding.
    """
    shocks = np.asarray(shocks, np.float64)
    n_scen, n_factors = shocks.shape
    devs = list(jax.devices() if devices is None else devices)
    x0_host, is_log_host = padded_market(market.x0, market.is_log, market.width)
    put = _placer(devs)
    x0 = [put(x0_host, d) for d in range(len(devs))]
    is_log = [put(is_log_host, d) for d in range(len(devs))]
    markets = [
        put(jax.tree_util.tree_map(np.asarray, markets_of(book)), d) for d in range(len(devs))
    ]
    out = np.zeros((n_books, n_scen))
    sb = plan.scenario_block
    host_blocks: list[Family] = []
    for f in book.families:
        n = len(f.units)
        if n == 0:
            continue
        size = min(max(1, plan.position_block // cells_per_position(f)), family_block(n))
        host_blocks.extend(family_block_of(f, s, size) for s in range(0, n, size))
    blocks = [[put(b, d) for b in host_blocks] for d in range(len(devs))]
    width = x0_host.shape[0]
    starts = list(range(0, n_scen, sb))
    for group in range(0, len(starts), len(devs)):
        pending = []
        for d, s0 in enumerate(starts[group : group + len(devs)]):
            real = min(sb, n_scen - s0)
            # the last scenario block padded to the static block shape, factors to the
            # padded width (zero shocks)
            # factor-major (see _block_book_pnl)
            chunk = np.zeros((width, sb))
            chunk[:n_factors, :real] = shocks[s0 : s0 + real].T
            xs_t = _levels(x0[d], put(chunk, d), is_log[d])
            acc = put(np.zeros((n_books, sb)), d)
            for block in blocks[d]:
                acc = acc + _block_book_pnl(block, markets[d], x0[d], xs_t, n_books)
            pending.append((s0, real, acc))  # dispatched: devices run concurrently
        for s0, real, acc in pending:
            out[:, s0 : s0 + real] = np.asarray(acc)[:, :real]
    return out


def _placer(devices: list[jax.Device]) -> Callable[[Any, int], Any]:
    """How a block's arrays reach device ``d``: with one device, as plain arrays (JAX
    puts them on its default device; no committed copies, no extra kernels); with
    several, committed to ``devices[d]`` so its kernels run there."""
    if len(devices) == 1:
        return lambda tree, _d: jax.tree_util.tree_map(jnp.asarray, tree)
    on = [jax.sharding.SingleDeviceSharding(d) for d in devices]
    return lambda tree, d: jax.device_put(tree, on[d])


def revalue(
    book: Book,
    market: Market,
    shocks: Float[ArrayLike, "s f"],
    hierarchy: Hierarchy,
    *,
    memory_gb: float | None = None,
    plan: BlockPlan | None = None,
) -> Float[np.ndarray, "m s"]:
    """P&L of every hierarchy node under every scenario, ``(nodes, scenarios)``.

    P&L is full revaluation, ``V(x_s) − V(x₀)``, profit positive, in the reporting
    currency. Blocks come from ``memory_gb`` (``engine.memory_gb``), or ``plan`` gives
    them; one of the two is needed.
    """
    shocks = np.asarray(shocks, np.float64)
    if plan is None:
        if memory_gb is None:
            raise ValueError("revalue needs memory_gb (engine.memory_gb) or a block plan")
        plan = plan_blocks(shocks.shape[0], memory_gb)
    per_book = revalue_books(book, market, shocks, len(hierarchy.books), plan)
    return hierarchy.membership @ per_book


def padded_book(book: Book) -> Book:
    """Each family padded with zero-unit copies to a power of two positions, so one
    compiled shape serves books of similar size day after day; bonds and swaps as
    their payment lists (:func:`payment_block`), whose shape does not change with the
    longest schedule of the day."""
    fams = [
        family_block_of(f, 0, family_block(len(f.units))) if len(f.units) else f
        for f in book.families
    ]
    return Book(*fams, book.curves, book.forwards, book.spreads, book.projections)  # type: ignore[arg-type, call-arg]


@jax.jit
def _family_values(family: Family, markets: Markets, x: Array) -> Array:
    return family_values(family, markets, x)


def values_by_book(
    book: Book, x: Float[ArrayLike, " f"], n_books: int, width: int = 0
) -> Float[np.ndarray, " b"]:
    """Value of every book on the factor levels ``x`` (a present value, not a P&L).

    Positions are summed into books in position order (``np.bincount``), so the
    figure is deterministic; used for backtesting P&L, which compares the values of
    one book on two dates.
    """
    if book.size == 0:
        return np.zeros(n_books)
    padded = jax.tree_util.tree_map(jnp.asarray, padded_book(book))
    x_padded, _ = padded_market(x, np.zeros(np.asarray(x).shape[0], bool), width)
    xp = jnp.asarray(x_padded)
    # one kernel per family and size (not per combination of families in the book)
    fams = [f for f in padded.families if f.units.shape[0]]
    values = np.concatenate([np.asarray(_family_values(f, markets_of(padded), xp)) for f in fams])
    books = np.concatenate([np.asarray(f.book) for f in fams])
    return np.bincount(books, weights=values, minlength=n_books)
