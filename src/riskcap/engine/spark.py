"""The Spark engine: the local engine's pricing kernels, with positions spread over executors.

``revalue_spark`` gives the same P&L per node and scenario as
:func:`riskcap.engine.local.revalue` (to rounding, ≤ 1e-12 relative in float64) for
every scenario set of a run, in one Spark job:

1. **Inputs, pinned.** Spark reads the exact Parquet files of the pinned Delta
   versions of ``positions`` (the as-of partition only) and ``instruments``
   (:meth:`riskcap.data.lake.Lake.files`) and joins them. Factor metadata, the as-of
   vols and levels, the hierarchy and every scenario set's shocks are **broadcast**.
2. **Partition.** Each position gets a *work part* ``pmod(xxhash64(book_id,
   instrument_id), engine.spark_partitions)`` and the positions are repartitioned by
   it. Parts, not Spark's physical partitions, fix what is summed with what, so the
   numbers do not depend on the master, the executor count or task retries.
3. **Price.** ``mapInPandas`` builds each part's :class:`~riskcap.pricing.book.Book`
   with the same code as the local engine (positions sorted by book and instrument)
   and values it with :func:`riskcap.engine.local.revalue_books` — jit, vmap, blocks
   sized from ``engine.memory_gb`` — giving one P&L vector per (part, book) held.
   JAX is imported inside the worker, after Spark has forked it (DESIGN.md §6).
4. **Reduce.** The (part, book) vectors are joined to the nodes each book rolls up
   into and summed per (scenario set, node) with ``applyInPandas``, in (part, book)
   order, so the sum is deterministic; only the node vectors reach the driver.

The engine needs the ``spark`` extra (PySpark) and Java 17; the workers need the same
Python environment as the driver (riskcap and its dependencies installed).
"""

from __future__ import annotations

import atexit
import datetime as dt
import os
import sys
import threading
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from riskcap.data.lake import Lake
from riskcap.data.mapping import FactorMap, map_instruments
from riskcap.errors import RiskcapError
from riskcap.inputs.hierarchy import Hierarchy

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from riskcap.inputs.risk_inputs import RiskInputs

NEEDS_SPARK = (
    "the Spark engine needs PySpark and Java 17: pip install 'riskcap[spark]' "
    "(see README, 'Scale: the Spark engine')"
)
PARTIAL_SCHEMA = "scenario_set string, part int, book int, pnl binary"
NODE_SCHEMA = "scenario_set string, node int, pnl binary"
_DATE_COLUMNS = ("expiry", "maturity", "near_date")


@dataclass(frozen=True)
class SparkPayload:
    """What every worker gets by broadcast: the pricing state and the shocks."""

    as_of: dt.date
    factor_ids: tuple[str, ...]
    is_log: np.ndarray
    x0: np.ndarray
    mapping: FactorMap  # the run's instrument → factor mapping (its curves and pillars)
    unpriced: frozenset[str]  # instruments the run left out of the figures
    vols: pd.DataFrame  # the as-of implied vols
    hierarchy: Hierarchy
    shocks: dict[str, np.ndarray]  # scenario set → (scenarios, factors)
    memory_gb: float
    width: int = 0  # the padded factor width (Market.width)


_lock = threading.Lock()
_session: list[Any] = []  # [(master, SparkSession)]: one SparkContext per JVM


def spark_session(master: str, jax_cache: Path | None = None) -> SparkSession:
    """The process's Spark session on ``master``, created once and stopped at exit.

    A JVM holds one SparkContext, so asking for another master stops the current
    session first. Python workers run this interpreter (``sys.executable``); the UI is
    off and Arrow carries the pandas batches. ``jax_cache`` is a folder for JAX's
    persistent compilation cache, shared by the workers (each Python worker would
    otherwise compile every kernel shape itself; on the demo it cuts a warm
    revaluation from ~9 s to ~3 s). On a cluster it must be a path every worker can
    write, or ``None``.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise RiskcapError(NEEDS_SPARK) from None
    with _lock:
        if _session and _session[0][0] == master:
            return cast("SparkSession", _session[0][1])
        _stop()
        os.environ["PYSPARK_PYTHON"] = sys.executable
        os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
        builder: Any = SparkSession.builder
        if jax_cache is not None:
            jax_cache.mkdir(parents=True, exist_ok=True)
            env = {
                "JAX_COMPILATION_CACHE_DIR": str(jax_cache),
                "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0",
            }
            os.environ.update(env)  # local[N]: workers inherit the driver's environment
            for k, v in env.items():
                builder = builder.config(f"spark.executorEnv.{k}", v)
        try:
            with warnings.catch_warnings():
                # starting the JVM is fork + exec; JAX's fork warning does not apply
                warnings.filterwarnings("ignore", message="os.fork", category=RuntimeWarning)
                session = (
                    builder.master(master)
                    .appName("riskcap")
                    .config("spark.ui.enabled", "false")
                    .config("spark.ui.showConsoleProgress", "false")
                    .config("spark.sql.execution.arrow.pyspark.enabled", "true")
                    .config("spark.sql.session.timeZone", "UTC")
                    .config("spark.sql.shuffle.partitions", "8")
                    .config(
                        "spark.driver.memory", os.environ.get("RISKCAP_SPARK_DRIVER_MEMORY", "2g")
                    )
                    .config("spark.pyspark.python", sys.executable)
                    .getOrCreate()
                )
        except Exception as exc:  # Java missing, master unreachable …
            raise RiskcapError(f"cannot start Spark on {master}: {_first_line(exc)}") from exc
        session.sparkContext.setLogLevel("ERROR")
        _session.append((master, session))
        return cast("SparkSession", session)


def _stop() -> None:
    while _session:
        _session.pop()[1].stop()


@atexit.register
def stop_sessions() -> None:
    """Stop the Spark session of this process, if any."""
    with _lock:
        _stop()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def payload_for(
    lake: Lake,
    versions: Mapping[str, int],
    inputs: RiskInputs,
    shocks: dict[str, np.ndarray],
    memory_gb: float,
) -> SparkPayload:
    """The broadcast payload of a run: its risk inputs' factors, levels and hierarchy,
    the mapping of its priced instruments (pinned ``instruments`` and ``factors``), the
    instruments it left out and the as-of vols."""
    factors = lake.read("factors", version=versions["factors"], columns=["factor_id"])
    priced = set(inputs.positions["instrument_id"])
    instruments = lake.read("instruments", version=versions["instruments"]).to_pylist()
    mapping = map_instruments(
        [r for r in instruments if r["instrument_id"] in priced],
        set(factors.column("factor_id").to_pylist()),
        inputs.reporting,
    )
    vols = lake.read("vols", version=versions["vols"], filters=[("date", "=", inputs.as_of)])
    return SparkPayload(
        as_of=inputs.as_of,
        factor_ids=tuple(inputs.factors.ids),
        is_log=np.asarray(inputs.factors.is_log),
        x0=np.asarray(inputs.market.x0, np.float64),
        mapping=mapping,
        unpriced=frozenset(inputs.unpriced),
        vols=vols.to_pandas(),
        hierarchy=inputs.hierarchy,
        shocks={k: np.asarray(v, np.float64) for k, v in shocks.items()},
        memory_gb=memory_gb,
        width=inputs.market.width,
    )


def revalue_spark(
    spark: SparkSession,
    lake: Lake,
    versions: Mapping[str, int],
    payload: SparkPayload,
    partitions: int,
    *,
    positions_as_of: dt.date | None = None,
) -> dict[str, np.ndarray]:
    """P&L ``(nodes, scenarios)`` of every scenario set in ``payload.shocks``.

    ``versions`` pins ``positions`` and ``instruments``; the positions are the
    snapshot of ``positions_as_of`` (default ``payload.as_of``), valued on
    ``payload.as_of``. ``partitions`` is the number of work parts (fixed by config so
    that results do not depend on the cluster).
    """
    from pyspark.sql import functions as F

    held_on = positions_as_of or payload.as_of
    pos_files = lake.files(
        "positions", version=versions["positions"], partitions=[("as_of", "=", str(held_on))]
    )
    if not pos_files:
        raise RiskcapError(f"Spark engine: no positions files for {held_on}")
    inst_files = lake.files("instruments", version=versions["instruments"])
    positions = spark.read.parquet(*pos_files).select("book_id", "instrument_id", "quantity")
    instruments = spark.read.parquet(*inst_files)
    held = positions.join(instruments, on="instrument_id", how="left")
    held = held.withColumn(
        "part", F.pmod(F.xxhash64("book_id", "instrument_id"), F.lit(partitions)).cast("int")
    ).repartition(partitions, "part")

    bc = spark.sparkContext.broadcast(payload)

    def price(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        yield from price_parts(bc.value, batches)

    partials = held.mapInPandas(price, PARTIAL_SCHEMA)
    h = payload.hierarchy
    node_of = [(int(b), int(n)) for n, b in zip(*np.nonzero(h.membership), strict=True)]
    rollup = spark.createDataFrame(node_of, "book int, node int")
    per_node = (
        partials.join(F.broadcast(rollup), on="book")
        .groupBy("scenario_set", "node")
        .applyInPandas(sum_node, NODE_SCHEMA)
    )
    try:
        rows = per_node.collect()
    finally:
        bc.unpersist()
    out = {
        name: np.zeros((len(h.nodes), shocks.shape[0])) for name, shocks in payload.shocks.items()
    }
    for r in rows:
        out[r["scenario_set"]][r["node"]] = np.frombuffer(r["pnl"], np.float64)
    return out


def price_parts(payload: SparkPayload, batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    """Worker side: value each work part's positions under every scenario set.

    Yields one row per (scenario set, part, book held in the part) with the book's
    P&L vector as float64 bytes.
    """
    # imported here, in the forked Python worker, never in Spark's daemon
    from riskcap.engine.local import plan_blocks, revalue_books
    from riskcap.inputs.risk_inputs import build_book
    from riskcap.market.factors import FactorSet, Market

    frames = [b for b in batches if not b.empty]
    if not frames:
        return
    held = pd.concat(frames, ignore_index=True)
    for col in _DATE_COLUMNS:
        held[col] = [None if pd.isna(v) else pd.Timestamp(v).date() for v in held[col]]
    fs = FactorSet(payload.factor_ids, payload.is_log)
    x0 = dict(zip(payload.factor_ids, payload.x0, strict=True))
    market = Market(payload.x0, payload.is_log, payload.width)
    n_books = len(payload.hierarchy.books)
    index = {b: i for i, b in enumerate(payload.hierarchy.books)}
    for part, rows in held.groupby("part", sort=True):
        rows = rows.loc[~rows["instrument_id"].isin(payload.unpriced)]
        if rows.empty:  # a part of positions the run left out only
            continue
        rows = rows.sort_values(["book_id", "instrument_id"], kind="mergesort")
        rows = rows.reset_index(drop=True)
        unknown = rows.loc[rows["instrument_type"].isna(), "instrument_id"].unique()
        if len(unknown):
            raise RiskcapError(
                f"positions on unknown instruments: {', '.join(map(str, unknown[:10]))}"
            )
        book, order = build_book(
            rows, fs, payload.mapping, x0, payload.vols, payload.hierarchy, payload.as_of
        )
        held_books = sorted({index[b] for b in order["book_id"]})
        for name, shocks in payload.shocks.items():
            plan = plan_blocks(shocks.shape[0], payload.memory_gb)
            pnl = revalue_books(book, market, shocks, n_books, plan)
            yield pd.DataFrame(
                {
                    "scenario_set": name,
                    "part": int(part),
                    "book": held_books,
                    "pnl": [pnl[b].tobytes() for b in held_books],
                }
            )


def sum_node(group: pd.DataFrame) -> pd.DataFrame:
    """Sum one node's (part, book) vectors in (part, book) order: a deterministic sum."""
    group = group.sort_values(["part", "book"], kind="mergesort")
    total: np.ndarray | None = None
    for blob in group["pnl"]:
        v = np.frombuffer(blob, np.float64)
        total = v.copy() if total is None else total + v
    if total is None:
        raise RiskcapError("a node without P&L vectors reached the Spark summation")
    return pd.DataFrame(
        {
            "scenario_set": [group["scenario_set"].iloc[0]],
            "node": [int(group["node"].iloc[0])],
            "pnl": [total.tobytes()],
        }
    )
