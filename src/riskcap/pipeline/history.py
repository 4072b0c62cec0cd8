"""Reading the figures of earlier runs of record: the one history reader.

Backtesting, capital and FRTB read rows that earlier runs wrote — VaR of the last 60
days, backtest observations of the last 250, P&L attribution of the last 250 — for a
fixed set of runs (``{as_of: run_id}``, the runs of record the runner pinned when the
run started). The lake tables ``results``, ``backtest`` and ``pnl_attribution`` are
partitioned by day, so a 250-day window opens 250 files, and the time of a day's run
would grow with its history. The catalog holds a copy of each of those rows, indexed
by run id: :func:`prior_rows` reads the catalog, and reads from the lake only the runs
that have no rows in the catalog at all (written before the copy existed, or a
reproduction's scratch catalog, which holds run records only). The figures are the
same either way: the catalog copy is written from the same rows in the same task.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pyarrow as pa

from riskcap.data.lake import Lake
from riskcap.data.schemas import TABLES
from riskcap.store.catalog import (
    BacktestObservation,
    Base,
    Catalog,
    PnlAttributionRecord,
    Result,
)

# lake table -> its catalog copy
COPIES: dict[str, type[Base]] = {
    "results": Result,
    "backtest": BacktestObservation,
    "pnl_attribution": PnlAttributionRecord,
}


def prior_rows(
    lake: Lake,
    catalog: Catalog | None,
    table: str,
    runs: dict[dt.date, str],
    filters: list[tuple[str, str, Any]],
) -> pd.DataFrame:
    """Rows of ``table`` written by the given runs (``{as_of: run_id}``) that match
    ``filters`` (``=``/``in`` on columns), with the lake table's columns and types.

    ``catalog = None`` reads the lake only."""
    schema = TABLES[table].schema
    parts: list[pa.Table] = []
    missing = dict(runs)
    if catalog is not None and runs:
        rows, present = catalog.rows_of_runs(COPIES[table], list(runs.values()), filters)
        if rows:
            parts.append(pa.Table.from_pylist(rows, schema=schema))
        missing = {d: r for d, r in runs.items() if r not in present}
    if missing:
        parts.append(
            lake.read(
                table,
                filters=[
                    ("as_of", "in", sorted(missing)),
                    ("run_id", "in", sorted(missing.values())),
                    *filters,
                ],
            )
        )
    if not parts:
        return schema.empty_table().to_pandas()
    order = ["as_of", *(c for c in TABLES[table].key if c != "as_of")]
    return pa.concat_tables(parts).sort_by([(c, "ascending") for c in order]).to_pandas()


def recent_runs(runs: dict[dt.date, str], count: int) -> dict[dt.date, str]:
    """The ``count`` latest of ``runs`` (``{as_of: run_id}``); none for ``count`` ≤ 0."""
    if count <= 0:
        return {}
    keep = sorted(runs)[-count:]
    return {d: runs[d] for d in keep}
