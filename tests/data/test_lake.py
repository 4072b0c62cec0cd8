"""Lake: explicit schemas, one commit per write, history, time travel."""

from __future__ import annotations

import datetime as dt
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pytest

from riskcap.data.lake import Lake, WriteMode
from riskcap.data.schemas import TABLES, TRADES
from riskcap.errors import LakeError, NotFoundError
from tests.conftest import write_csv


def _trades(*ids: str) -> pa.Table:
    n = len(ids)
    return pa.table(
        {
            "trade_id": list(ids),
            "trade_date": [dt.date(2022, 1, 4)] * n,
            "book_id": ["B1"] * n,
            "instrument_id": ["AAPL"] * n,
            "quantity": [1.0] * n,
            "price": [10.0] * n,
        },
        schema=TRADES.schema,
    )


def test_every_table_is_created_with_its_explicit_schema(lake: Lake) -> None:
    for name, spec in TABLES.items():
        assert lake.version(name) == 0
        assert lake.read(name).schema == spec.schema
    assert lake.table("positions").metadata().partition_columns == ["as_of"]


def test_read_at_version_and_timestamp(lake: Lake) -> None:
    v1 = lake.write("trades", _trades("A"), mode=WriteMode.APPEND, metadata={"step": "1"})
    time.sleep(0.05)
    between = dt.datetime.now(dt.UTC)
    time.sleep(0.05)
    v2 = lake.write("trades", _trades("B", "C"), mode=WriteMode.APPEND, metadata={"step": "2"})
    assert (v1, v2) == (1, 2)
    assert lake.read("trades", version=1).column("trade_id").to_pylist() == ["A"]
    assert sorted(lake.read("trades").column("trade_id").to_pylist()) == ["A", "B", "C"]
    assert lake.read("trades", at=between).column("trade_id").to_pylist() == ["A"]
    assert lake.read("trades", version=0).num_rows == 0
    history = lake.history("trades")
    assert [c.version for c in history] == [2, 1, 0]
    assert history[0].metadata == {"step": "2"} and history[0].rows_added == 2
    assert lake.find_commit("trades", step="1") == history[1]


def test_history_reads_only_new_commits_and_survives_a_bad_cache(lake: Lake) -> None:
    """The commit cache gives what the Delta log gives: after new commits, after its
    file is damaged, and after the table is made again under the same name."""
    for step in range(3):
        lake.write("trades", _trades(f"T{step}"), mode=WriteMode.APPEND, metadata={"n": str(step)})
    first = lake.history("trades")
    cache = Path(lake.root) / "_history" / "trades.json"
    assert cache.exists()
    lake.write("trades", _trades("T3"), mode=WriteMode.APPEND, metadata={"n": "3"})
    fresh = Lake(lake.root)  # another process: only the file is shared
    assert fresh.history("trades")[1:] == first
    assert fresh.find_commit("trades", n="3").version == 4  # type: ignore[union-attr]
    assert fresh.find_commit("trades", n="0").version == 1  # type: ignore[union-attr]
    cache.write_text("{not json")
    assert [c.version for c in fresh.history("trades")] == [4, 3, 2, 1, 0]
    shutil.rmtree(Path(lake.root) / "trades")  # the table made again: old entries are not it
    again = Lake(lake.root)
    again.write("trades", _trades("X"), mode=WriteMode.APPEND, metadata={"n": "new"})
    assert [c.metadata.get("n") for c in again.history("trades")] == ["new", None]
    assert again.find_commit("trades", n="2") is None


def test_missing_version_or_time_is_not_found(lake: Lake) -> None:
    with pytest.raises(NotFoundError, match="no version 7"):
        lake.read("trades", version=7)
    with pytest.raises(NotFoundError, match="did not exist"):
        lake.read("trades", at=dt.datetime(2001, 1, 1, tzinfo=dt.UTC))
    with pytest.raises(NotFoundError, match="unknown lake table 'nope'"):
        lake.read("nope")


def test_data_that_does_not_fit_the_schema_is_refused_before_writing(lake: Lake) -> None:
    bad = _trades("A").set_column(4, "quantity", pa.array(["x"]))
    with pytest.raises(LakeError, match="does not fit table 'trades'"):
        lake.write("trades", bad, mode=WriteMode.APPEND)
    assert lake.version("trades") == 0


def test_replace_where_swaps_rows_in_one_commit(lake: Lake) -> None:
    lake.write("trades", _trades("A", "B"), mode=WriteMode.APPEND)
    amended = _trades("A").set_column(4, "quantity", pa.array([5.0]))
    v = lake.write("trades", amended, mode=WriteMode.REPLACE_WHERE, predicate="trade_id = 'A'")
    assert v == 2
    rows = lake.read("trades").to_pandas().sort_values("trade_id")
    assert rows[["trade_id", "quantity"]].to_dict("records") == [
        {"trade_id": "A", "quantity": 5.0},
        {"trade_id": "B", "quantity": 1.0},
    ]


def test_replace_where_refuses_rows_outside_its_predicate(lake: Lake) -> None:
    lake.write("trades", _trades("A", "B"), mode=WriteMode.APPEND)
    with pytest.raises(LakeError, match="failed validation"):
        lake.write("trades", _trades("C"), mode=WriteMode.REPLACE_WHERE, predicate="trade_id = 'A'")
    assert lake.version("trades") == 1


def test_files_are_those_of_the_pinned_version(lake: Lake) -> None:
    """Engines that read Parquet themselves (Spark) get the exact files of a version."""
    import pyarrow.parquet as pq

    from riskcap.data.schemas import POSITIONS

    def positions(day: dt.date, qty: float) -> pa.Table:
        return pa.table(
            {"as_of": [day], "book_id": ["B1"], "instrument_id": ["X"], "quantity": [qty]},
            schema=POSITIONS.schema,
        )

    d1, d2 = dt.date(2024, 1, 2), dt.date(2024, 1, 3)
    lake.write("positions", positions(d1, 1.0), mode=WriteMode.APPEND)
    v_old = lake.write("positions", positions(d2, 2.0), mode=WriteMode.APPEND)
    v_new = lake.write(
        "positions",
        positions(d2, 5.0),
        mode=WriteMode.REPLACE_WHERE,
        predicate="as_of = '2024-01-03'",
    )
    day2 = [("as_of", "=", str(d2))]
    old, new = (
        lake.files("positions", version=v_old, partitions=day2),
        lake.files("positions", version=v_new, partitions=day2),
    )
    assert len(old) == len(new) == 1 and old != new
    assert pq.read_table(old[0]).column("quantity").to_pylist() == [2.0]
    assert pq.read_table(new[0]).column("quantity").to_pylist() == [5.0]
    assert len(lake.files("positions", version=v_new)) == 2
    with pytest.raises(LakeError, match="by partition only"):
        lake.files("positions", version=v_new, partitions=[("book_id", "=", "B1")])


def test_filtered_reads_after_a_second_market_data_ingest(
    lake: Lake, ingest: Callable[..., object], tmp_path: Path
) -> None:
    """Issue 27, blocker 1: the first ingest appends (``string`` files), the second
    upserts through a Delta merge (``string_view`` files); every filtered read of the
    table — string and date columns, =, in, >=, != — must still work."""
    ingest(
        "factors",
        write_csv(
            tmp_path / "f.csv",
            "factor_id,factor_type,shock_type",
            "EQ.A,equity_price,log",
            "EQ.B,equity_price,log",
        ),
    )
    for day, a, b in (("2022-01-03", 1.0, 2.0), ("2022-01-04", 1.1, 2.1), ("2022-01-03", 1.5, 2.5)):
        ingest(
            "market-data",
            write_csv(
                tmp_path / f"md_{a}.csv",
                "date,factor_id,value",
                f"{day},EQ.A,{a}",
                f"{day},EQ.B,{b}",
            ),
        )
    d3, d4 = dt.date(2022, 1, 3), dt.date(2022, 1, 4)
    for filters, expected in (
        ([("factor_id", "=", "EQ.A")], {(d3, "EQ.A", 1.5), (d4, "EQ.A", 1.1)}),
        ([("factor_id", "in", ["EQ.B"]), ("date", ">=", d4)], {(d4, "EQ.B", 2.1)}),
        ([("factor_id", "!=", "EQ.A"), ("date", "<=", d3)], {(d3, "EQ.B", 2.5)}),
        ([("factor_id", ">=", "EQ.B")], {(d3, "EQ.B", 2.5), (d4, "EQ.B", 2.1)}),
    ):
        rows = lake.read("market_data", filters=filters).to_pylist()
        assert {(r["date"], r["factor_id"], r["value"]) for r in rows} == expected, filters


@pytest.mark.parametrize("max_rows", [5_000_000, 0], ids=["whole", "too-large"])
def test_reads_of_a_kept_version_equal_the_filtered_reads(
    lake: Lake,
    ingest: Callable[..., object],
    tmp_path: Path,
    max_rows: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Market data, curves and vols are read whole once per version and sliced in
    memory (lake.WHOLE_READ_TABLES): each slice equals the filtered read of the files —
    same rows in the same order, every version; a version above the row limit is read
    slice by slice and not kept."""
    from riskcap.data import lake as lake_module
    from riskcap.data.schemas import MARKET_DATA

    monkeypatch.setattr(lake_module, "WHOLE_READ_MAX_ROWS", max_rows)
    ingest(
        "factors",
        write_csv(
            tmp_path / "f.csv",
            "factor_id,factor_type,shock_type",
            "EQ.A,equity_price,log",
            "EQ.B,equity_price,log",
            "EQ.C,equity_price,log",
        ),
    )
    for k, day in enumerate(("2022-01-03", "2022-01-04", "2022-01-05", "2022-01-04")):
        ingest(
            "market-data",
            write_csv(
                tmp_path / f"md_{k}.csv",
                "date,factor_id,value",
                f"{day},EQ.C,{3 + k}",
                f"{day},EQ.A,{1 + k}",
                f"{day},EQ.B,{2 + k}",
            ),
        )
    d4 = dt.date(2022, 1, 4)
    for version in range(1, lake.version("market_data") + 1):
        for filters, columns in (
            (None, None),
            ([("date", "<=", d4)], None),
            ([("factor_id", "in", ["EQ.B", "EQ.C"]), ("date", ">=", d4)], ["value", "date"]),
            ([("factor_id", "=", "EQ.Z")], None),
        ):
            got = lake.read("market_data", version=version, filters=filters, columns=columns)
            files = lake._read("market_data", MARKET_DATA, version, None, filters, columns)
            assert got.to_pylist() == files.to_pylist(), (version, filters)
            assert got.schema == files.schema
    kept = [k for k in lake_module._WHOLE if k[0].startswith(str(Path(lake.uri("market_data"))))]
    if max_rows:
        assert [k[1] for k in kept] == [
            lake.version("market_data") - 1,
            lake.version("market_data"),
        ]
    else:  # only the empty table of its first version fits under a limit of 0 rows
        assert all(lake_module._WHOLE[k].num_rows == 0 for k in kept)


def test_maintenance_compacts_and_checkpoints_without_breaking_time_travel(
    lake: Lake, ingest: Callable[..., object], tmp_path: Path
) -> None:
    """Issue 27: a daily-loaded table stays cheap to open and read (compaction of small
    files, a checkpoint every few versions) and every earlier version still reads as
    it did (nothing vacuumed, no log entry deleted)."""
    from riskcap.data.lake import COMPACT_ABOVE_FILES

    ingest(
        "factors",
        write_csv(tmp_path / "f.csv", "factor_id,factor_type,shock_type", "EQ.A,equity_price,log"),
    )
    snapshots = {}
    for i in range(COMPACT_ABOVE_FILES + 8):
        day = dt.date(2022, 1, 3) + dt.timedelta(days=i)
        ingest(
            "market-data",
            write_csv(tmp_path / f"m{i}.csv", "date,factor_id,value", f"{day},EQ.A,{100 + i}"),
        )
        snapshots[lake.version("market_data")] = i + 1
    ops = [c.metadata.get("operation") for c in lake.history("market_data")]
    assert "compact" in ops
    dtab = lake.table("market_data")
    assert len(dtab.file_uris()) <= COMPACT_ABOVE_FILES  # compacted after the write past it
    assert lake.version("market_data") == dtab.version()  # read from the log's file names
    log = Path(lake.uri("market_data")) / "_delta_log"
    assert any(p.name.endswith(".checkpoint.parquet") for p in log.iterdir())
    assert len(list(log.glob("*.json"))) == lake.version("market_data") + 1  # none deleted
    for version, rows in snapshots.items():
        assert lake.read("market_data", version=version).num_rows == rows


def test_pinned_versions_are_opened_once(lake: Lake, ref_lake: Lake) -> None:
    v = lake.version("books")
    assert lake.table("books", version=v) is lake.table("books", version=v)
    with pytest.raises(NotFoundError, match="has no version 99"):
        lake.table("books", version=99)


def test_pinned_reads_are_kept_and_a_new_version_is_read_afresh(
    lake: Lake, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A slice at a pinned version never changes, so a Lake answers the same read from
    memory (an EOD run reads positions, instruments and the day's vols from several
    tasks); a write makes a new version, read afresh; the kept bytes stay bounded."""
    import riskcap.data.lake as lake_module

    v1 = lake.write("trades", _trades("A"), mode=WriteMode.APPEND)
    first = lake.read("trades", filters=[("trade_date", "=", dt.date(2022, 1, 4))])
    assert lake.read("trades", version=v1, filters=[("trade_date", "=", dt.date(2022, 1, 4))]) is (
        first
    )
    assert lake.read("trades", columns=["trade_id"]) is not first  # another slice
    lake.write("trades", _trades("B"), mode=WriteMode.APPEND)
    assert sorted(lake.read("trades").column("trade_id").to_pylist()) == ["A", "B"]
    assert lake.read("trades", version=v1).column("trade_id").to_pylist() == ["A"]
    # bounded: a table over a quarter of the budget is not kept; the oldest go first
    monkeypatch.setattr(lake_module, "READ_CACHE_BYTES", 4 * first.nbytes)
    fresh = Lake(lake.root)
    a = fresh.read("trades", version=v1)
    b = fresh.read("trades", version=v1, columns=["trade_id", "book_id"])
    assert fresh.read("trades", version=v1) is a
    for n in range(1, 8):  # other slices push the first ones out
        fresh.read("trades", version=v1, columns=list(TRADES.schema.names[:n]))
    assert fresh._read_bytes <= 4 * first.nbytes
    assert fresh.read("trades", version=v1) is not a and b.num_rows == 1


def test_pinned_reads_from_many_threads(lake: Lake, monkeypatch: pytest.MonkeyPatch) -> None:
    """The service shares one Lake across request threads: concurrent reads that
    fill and evict the kept slices give the right rows and keep the bound."""
    from concurrent.futures import ThreadPoolExecutor

    import riskcap.data.lake as lake_module

    v = lake.write("trades", _trades("A", "B", "C"), mode=WriteMode.APPEND)
    one = lake.read("trades", version=v, columns=["trade_id"])
    monkeypatch.setattr(lake_module, "READ_CACHE_BYTES", 6 * one.nbytes)
    shared = Lake(lake.root)
    names = list(TRADES.schema.names)

    def read(i: int) -> list[str]:
        cols = ["trade_id", *names[1 : 1 + i % 5]]
        return sorted(shared.read("trades", version=v, columns=cols)["trade_id"].to_pylist())

    with ThreadPoolExecutor(8) as pool:
        assert all(r == ["A", "B", "C"] for r in pool.map(read, range(200)))
    assert shared._read_bytes <= 6 * one.nbytes
    assert shared._read_bytes == sum(t.nbytes for t in shared._reads.values())
