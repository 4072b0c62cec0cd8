"""Content fingerprints: of lake data, of the configuration, of the code.

A run key must say "these exact inputs, this config, this code, this seed". Delta
table *versions* alone are not enough: every EOD writes a new ``positions`` version
(its own snapshot) and every new day of prices a new ``market_data`` version, so a
key over raw versions would change when nothing the run reads has changed and a
second ask would recompute. The key therefore hashes the **content of the slice a
run reads** (:func:`input_slices`), pinned at the versions recorded with the run;
the versions themselves go into the lineage manifest for time travel.

Digests are SHA-256 over a canonical Arrow IPC stream of the rows sorted by every
column, so they do not depend on file layout, commit history or row order.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import json
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from riskcap import __version__
from riskcap.capital.rfet import year_before
from riskcap.config import Settings
from riskcap.data.lake import Lake
from riskcap.data.snapshot import previous_as_of, snapshot_dates

# Tables an EOD run reads, pinned at the versions of its start.
INPUT_TABLES = (
    "positions",
    "trades",
    "instruments",
    "books",
    "factors",
    "market_data",
    "curves",
    "vols",
    "observations",
    "holidays",
)
# the Basel III inputs, read (and pinned) when basel3.enabled
BASEL3_TABLES = (
    "counterparties",
    "exposures",
    "collateral_agreements",
    "netting_sets",
    "otc_assignments",
    "op_losses",
    "financials",
    "capital_resources",
)


# Basel III tables whose rows are dated: a run reads those up to its as_of only
DATED = {"capital_resources": "as_of", "op_losses": "accounting_date"}


def input_tables(settings: Settings) -> tuple[str, ...]:
    """The tables a run of ``settings`` pins: :data:`INPUT_TABLES`, and the Basel III
    inputs when ``basel3.enabled`` (a run without them keeps the run key it had)."""
    return INPUT_TABLES + (BASEL3_TABLES if settings.basel3.enabled else ())


def _sort_keys(schema: pa.Schema) -> list[tuple[str, str]]:
    return [
        (f.name, "ascending")
        for f in schema
        if not pa.types.is_list(f.type) and not pa.types.is_large_list(f.type)
    ]


def table_digest(table: pa.Table, exclude: tuple[str, ...] = ()) -> str:
    """SHA-256 of ``table``'s rows sorted by every sortable column (``exclude`` dropped)."""
    table = table.drop_columns([c for c in exclude if c in table.column_names])
    table = table.replace_schema_metadata(None)
    keys = _sort_keys(table.schema)
    if keys and table.num_rows:
        table = table.sort_by(keys)
    return _sorted_digest(table)


def _sorted_digest(table: pa.Table) -> str:
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        for batch in table.combine_chunks().to_batches():
            writer.write_batch(batch)
    return hashlib.sha256(sink.getvalue()).hexdigest()


def json_digest(value: Any) -> str:
    """SHA-256 of the canonical JSON of ``value`` (sorted keys, no spaces)."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def input_slices(lake: Lake, versions: Mapping[str, int], as_of: dt.date) -> dict[str, pa.Table]:
    """The rows of each input table an EOD run of ``as_of`` depends on.

    * ``positions``: the partition the snapshot rolls forward from (the latest before
      ``as_of``); ``trades``: those netted into it (after that date, up to ``as_of``);
    * ``instruments``, ``books``, ``factors``: whole tables;
    * ``market_data``: the whole history up to ``as_of`` (look-backs, stress windows);
    * ``curves``, ``vols``: the ``as_of`` date;
    * ``observations``: the 12 months up to ``as_of`` (the FRTB eligibility test);
    * ``holidays``: every market holiday up to ``as_of`` (carried-forward levels);
    * the Basel III inputs, when pinned: whole tables, but capital resources and
      operational losses up to ``as_of`` only (a later row changes no earlier run).
    """
    prev = previous_as_of(snapshot_dates(lake, versions["positions"]), as_of)

    def read(table: str, filters: list[tuple[str, str, Any]] | None = None) -> pa.Table:
        return lake.read(table, version=versions[table], filters=filters)

    after = [("trade_date", ">", prev)] if prev is not None else []
    return {
        "positions": read("positions", [("as_of", "=", prev)])
        if prev is not None
        else lake.read("positions", version=versions["positions"]).slice(0, 0),
        "trades": read("trades", [*after, ("trade_date", "<=", as_of)]),
        "instruments": read("instruments"),
        "books": read("books"),
        "factors": read("factors"),
        "market_data": read("market_data", [("date", "<=", as_of)]),
        "curves": read("curves", [("date", "=", as_of)]),
        "vols": read("vols", [("date", "=", as_of)]),
        "observations": read(
            "observations", [("date", ">", year_before(as_of)), ("date", "<=", as_of)]
        ),
        "holidays": read("holidays", [("date", "<=", as_of)]),
        **{
            t: read(t, [(DATED[t], "<=", as_of)] if t in DATED else None)
            for t in BASEL3_TABLES
            if t in versions
        },
    }


def input_digests(lake: Lake, versions: Mapping[str, int], as_of: dt.date) -> dict[str, str]:
    digests = {}
    for table, rows in input_slices(lake, versions, as_of).items():
        if table == "market_data" and lake.keeps_whole(table):
            digests[table] = history_digest(lake.read(table, version=versions[table]), as_of)
        else:
            digests[table] = table_digest(rows)
    return digests


# whole market-data tables (the lake keeps one object per pinned version) and their
# rows sorted by every column, newest last
_SORTED: list[tuple[pa.Table, pa.Table]] = []
_SORTED_KEPT = 2


def history_digest(whole: pa.Table, as_of: dt.date) -> str:
    """:func:`table_digest` of ``whole``'s rows dated up to ``as_of`` (``whole``: a
    table whose first column is ``date``): the same digest, from the whole table sorted
    once (kept for the last two tables), whose first rows are those rows in their
    sorted order — each day of a backfill then copies a prefix instead of sorting the
    history again. The prefix is copied out (``take``): a slice would serialise the
    buffers of the rows after it."""
    found = next((s for t, s in _SORTED if t is whole), None)
    if found is None:
        plain = whole.replace_schema_metadata(None)
        keys = _sort_keys(plain.schema)
        found = plain.sort_by(keys).combine_chunks() if keys and plain.num_rows else plain
        _SORTED.append((whole, found))
        del _SORTED[:-_SORTED_KEPT]
    if whole.schema.names[0] != "date":
        raise ValueError("history_digest needs a table whose first column is date")
    dates = found.column("date").to_numpy(zero_copy_only=False)
    n = int(np.searchsorted(dates, np.datetime64(as_of, "D"), side="right"))
    return _sorted_digest(found.take(pa.array(np.arange(n))))


FHS_KEYS = ("fhs_model", "fhs_innovation", "fhs_fit_days")


def computation_config(settings: Settings) -> dict[str, Any]:
    """The part of the config that changes a run's numbers (not paths, locks, waits)."""
    dump = settings.model_dump(mode="json")
    pipeline = dump["pipeline"]
    keys = ["confidences", "hs_horizons", "mc_horizons"]
    risk = dict(dump["risk"])
    fhs = {k: risk.pop(k) for k in FHS_KEYS}
    if pipeline["fhs_horizons"]:  # without FHS its keys change nothing (nor run keys)
        keys.append("fhs_horizons")
        risk |= fhs
    return {
        "eod": dump["eod"],
        "quality": dump["quality"],
        "engine": _engine_config(dump["engine"]),
        "risk": risk,
        "pipeline": {k: pipeline[k] for k in keys},
        "backtest": dump["backtest"],
        "capital": dump["capital"],
        "stress": dump["stress"],
        "frtb": dump["frtb"],
    }


def _engine_config(engine: dict[str, Any]) -> dict[str, Any]:
    """Engine keys that change numbers: the engine, its memory budget (block sizes) and,
    for Spark, the work parts (summation order) — never the master's address."""
    keys = ["name", "memory_gb"] + (["spark_partitions"] if engine["name"] == "spark" else [])
    return {k: engine[k] for k in keys}


def config_hash(settings: Settings) -> str:
    return json_digest(computation_config(settings))


@functools.cache
def git_commit() -> str | None:
    """The git commit of the source tree riskcap runs from (``+dirty`` if modified)."""
    here = Path(__file__).resolve().parent
    try:
        head = subprocess.run(
            ["git", "-C", str(here), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(here), "status", "--porcelain", "--untracked-files=no", "--", "."],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return head + ("+dirty" if dirty else "") if head else None


def code_version() -> str:
    """Package version, plus the git commit when running from a checkout."""
    commit = git_commit()
    if not commit:
        return __version__
    return f"{__version__}@{commit[:12]}{'+dirty' if commit.endswith('+dirty') else ''}"


def run_key(as_of: dt.date, cfg_hash: str, code: str, seed: int, digests: Mapping[str, str]) -> str:
    """Run key = SHA-256(as_of, config, input content, code version, seed)."""
    return json_digest(
        {
            "as_of": as_of.isoformat(),
            "config": cfg_hash,
            "inputs": dict(sorted(digests.items())),
            "code": code,
            "seed": seed,
        }
    )
