"""The EOD snapshot: T positions = previous positions ⟗ trades since, netted.

For a business date T with previous snapshot date S (the latest ``positions``
partition before T, normally T−1)::

    positions(T) = positions(S)  full outer join  Σ trades with S < trade_date ≤ T
                   by (book_id, instrument_id);   quantity = q_S + Σ q_trades

Rows netted to zero (``|q| ≤ eod.zero_quantity_tolerance``) are dropped: the
position is closed. Summing every trade since S, not only T's, keeps the book
right when a business day was skipped.

The partition ``as_of = T`` is written as **one** Delta commit that replaces any
earlier build of T (re-running never duplicates rows). The commit and the catalog
record carry the input table versions read, so a trade ingested later does not
change the snapshot and the snapshot can be rebuilt exactly (time travel).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import pandas as pd
import pyarrow as pa

from riskcap.data.lake import Lake, WriteMode, sql_literal
from riskcap.data.schemas import POSITIONS
from riskcap.errors import SnapshotNotReady

log = logging.getLogger(__name__)

INPUT_TABLES = ("positions", "trades", "instruments", "books")


class SnapshotRecords(Protocol):
    """Where the EOD checklist and the snapshot records live (the catalog implements
    it; ``data`` does not import ``store``)."""

    def ready_sources(self, as_of: dt.date) -> set[str]: ...

    def record_snapshot(
        self,
        as_of: dt.date,
        previous_as_of: dt.date | None,
        positions_version: int,
        input_versions: Mapping[str, int],
        rows: int,
        run_id: str | None = None,
    ) -> int: ...


@dataclass(frozen=True)
class SnapshotResult:
    as_of: dt.date
    previous_as_of: dt.date
    rows: int
    closed: int
    trades_applied: int
    positions_version: int
    input_versions: dict[str, int]
    snapshot_id: int


def net_positions(
    previous: pd.DataFrame, trades: pd.DataFrame, zero_tolerance: float
) -> tuple[pd.DataFrame, int]:
    """Net ``trades`` into ``previous`` positions by (book_id, instrument_id).

    Parameters
    ----------
    previous : columns book_id, instrument_id, quantity (one row per key).
    trades : columns book_id, instrument_id, quantity (signed, any number per key).
    zero_tolerance : rows with ``|quantity| <= zero_tolerance`` are closed and dropped.

    Returns
    -------
    (positions sorted by book_id then instrument_id, number of rows closed)
    """
    keys = ["book_id", "instrument_id"]
    prev = previous[[*keys, "quantity"]].groupby(keys, as_index=False)["quantity"].sum()
    net = trades[[*keys, "quantity"]].groupby(keys, as_index=False)["quantity"].sum()
    merged = prev.merge(net, on=keys, how="outer", suffixes=("_prev", "_trades"))
    merged["quantity"] = merged["quantity_prev"].fillna(0.0) + merged["quantity_trades"].fillna(0.0)
    open_ = merged["quantity"].abs() > zero_tolerance
    out = merged.loc[open_, [*keys, "quantity"]].sort_values(keys, kind="mergesort")
    return out.reset_index(drop=True), int((~open_).sum())


def missing_sources(catalog: SnapshotRecords, sources: Sequence[str], as_of: dt.date) -> list[str]:
    """Configured sources not yet marked ready for ``as_of``, in config order."""
    ready = catalog.ready_sources(as_of)
    return [s for s in sources if s not in ready]


def snapshot_dates(lake: Lake, version: int | None = None) -> list[dt.date]:
    """Dates of the ``positions`` partitions (at ``version``, else latest), ascending."""
    parts = lake.table("positions", version=version).partitions()
    return sorted(dt.date.fromisoformat(p["as_of"]) for p in parts if p.get("as_of"))


def previous_as_of(dates: Sequence[dt.date], as_of: dt.date) -> dt.date | None:
    """Latest of ``dates`` strictly before ``as_of``."""
    earlier = [d for d in dates if d < as_of]
    return earlier[-1] if earlier else None


def build_snapshot(
    lake: Lake,
    catalog: SnapshotRecords,
    as_of: dt.date,
    *,
    sources: Sequence[str],
    zero_tolerance: float,
    versions: Mapping[str, int] | None = None,
    run_id: str | None = None,
) -> SnapshotResult:
    """Build and write the positions partition of ``as_of`` (see module docstring).

    ``versions`` pins the input tables read (an EOD run pins them when it starts;
    default: the latest); ``run_id`` tags the catalog record of a pipeline run.

    Raises
    ------
    SnapshotNotReady
        A configured source is not ready for ``as_of`` (the message names them),
        or there is no earlier positions partition to roll forward from.
    """
    missing = missing_sources(catalog, sources, as_of)
    if missing:
        raise SnapshotNotReady(
            f"snapshot {as_of} not ready: waiting for source(s) {', '.join(missing)} "
            f"(mark each with `riskcap ready SOURCE --as-of {as_of}`)",
            missing=missing,
        )
    for t in INPUT_TABLES:
        lake.ensure(t)
    with lake.lock("positions"):
        pinned = dict(versions) if versions is not None else lake.versions(INPUT_TABLES)
        versions = {t: pinned[t] for t in INPUT_TABLES}
        prev_date = previous_as_of(snapshot_dates(lake, versions["positions"]), as_of)
        if prev_date is None:
            raise SnapshotNotReady(
                f"snapshot {as_of} not ready: no positions before {as_of} to roll forward "
                f"(ingest opening positions with `riskcap ingest positions FILE`)"
            )
        previous = lake.read(
            "positions", version=versions["positions"], filters=[("as_of", "=", prev_date)]
        ).to_pandas()
        trades = lake.read(
            "trades",
            version=versions["trades"],
            filters=[("trade_date", ">", prev_date), ("trade_date", "<=", as_of)],
        ).to_pandas()
        positions, closed = net_positions(previous, trades, zero_tolerance)
        positions.insert(0, "as_of", as_of)
        data = pa.Table.from_pandas(positions, schema=POSITIONS.schema, preserve_index=False)
        meta = {
            "operation": "snapshot",
            "as_of": as_of.isoformat(),
            "previous_as_of": prev_date.isoformat(),
            **{f"input_version.{t}": str(v) for t, v in versions.items()},
        }
        version = lake.write(
            "positions",
            data,
            mode=WriteMode.REPLACE_WHERE,
            predicate=f"as_of = {sql_literal(as_of)}",
            metadata=meta,
        )
    snapshot_id = catalog.record_snapshot(
        as_of, prev_date, version, versions, len(positions), run_id=run_id
    )
    log.info("snapshot %s: %d positions (v%d), %d closed", as_of, len(positions), version, closed)
    return SnapshotResult(
        as_of=as_of,
        previous_as_of=prev_date,
        rows=len(positions),
        closed=closed,
        trades_applied=len(trades),
        positions_version=version,
        input_versions=versions,
        snapshot_id=snapshot_id,
    )
