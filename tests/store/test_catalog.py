"""Catalog on SQLite and PostgreSQL: ready events, snapshots, quality results."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest

from riskcap.errors import CatalogError, NotFoundError
from riskcap.store.catalog import Catalog, Run

DAY = dt.date(2022, 12, 28)


def test_mark_ready_is_idempotent(catalog_url: str) -> None:
    cat = Catalog(catalog_url)
    first = cat.mark_ready("trades", DAY)
    again = cat.mark_ready("trades", DAY)
    assert first.newly_recorded and not again.newly_recorded
    assert again.recorded_at == first.recorded_at
    cat.mark_ready("positions", DAY)
    assert cat.ready_sources(DAY) == {"trades", "positions"}
    assert cat.ready_sources(DAY - dt.timedelta(days=1)) == set()


def test_concurrent_ready_marks_keep_one_row(catalog_url: str) -> None:
    cat = Catalog(catalog_url)
    results = []

    def mark() -> None:
        results.append(cat.mark_ready("market_data", DAY))

    threads = [threading.Thread(target=mark) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.newly_recorded for r in results) == 1
    assert cat.ready_sources(DAY) == {"market_data"}


def test_snapshot_and_quality_records(catalog_url: str) -> None:
    cat = Catalog(catalog_url)
    sid = cat.record_snapshot(DAY, DAY - dt.timedelta(days=1), 7, {"trades": 3}, 42)
    latest = cat.latest_snapshot(DAY)
    assert latest is not None and latest.id == sid and latest.input_versions == {"trades": 3}
    cat.record_quality(
        [
            {
                "snapshot_id": sid,
                "as_of": DAY,
                "check_name": "null_keys",
                "severity": "blocking",
                "passed": False,
                "failing_count": 1,
                "threshold": "0 rows",
                "message": "x",
                "sample": [{"as_of": DAY, "quantity": 1.5}],
            }
        ]
    )
    (row,) = cat.quality_results(DAY)
    assert row.sample == [{"as_of": "2022-12-28", "quantity": 1.5}]


def test_unreachable_database_is_a_catalog_error() -> None:
    with pytest.raises(CatalogError, match="unavailable"):
        Catalog("postgresql+psycopg://nobody:secret@127.0.0.1:1/none")


def _run(run_id: str, as_of: dt.date, status: str, minute: int) -> Run:
    return Run(
        run_id=run_id,
        run_key="k" * 64,
        as_of=as_of,
        status=status,
        engine="local",
        config_hash="c" * 64,
        seed=1,
        code_version="test",
        created_at=dt.datetime(2022, 12, 30, 18, minute, tzinfo=dt.UTC),
    )


def test_the_run_of_record_is_found_in_one_place(catalog_url: str) -> None:
    """Issue 17 (item 4): the newest succeeded run of a date (ties: the smallest id),
    or of the latest date; none is a NotFoundError that names the command."""
    catalog = Catalog(catalog_url)
    with pytest.raises(NotFoundError, match="riskcap eod run"):
        catalog.run_of_record()
    before = DAY - dt.timedelta(days=1)
    for run in (
        _run("a-old", before, "succeeded", 1),
        _run("b-new", before, "succeeded", 2),
        _run("c-failed", before, "failed", 3),
        _run("e-tie", DAY, "succeeded", 4),
        _run("d-tie", DAY, "succeeded", 4),
    ):
        catalog.create_run(run)
    assert catalog.run_of_record(before).run_id == "b-new"
    assert catalog.run_of_record(DAY).run_id == "d-tie"
    assert catalog.run_of_record().run_id == "d-tie"  # the latest date
    with pytest.raises(NotFoundError, match=f"of {DAY + dt.timedelta(days=1)}"):
        catalog.run_of_record(DAY + dt.timedelta(days=1))
    assert catalog.runs_of_record() == {before: "b-new", DAY: "d-tie"}
    assert catalog.runs_of_record(before=DAY) == {before: "b-new"}
    assert catalog.runs_of_record(limit=1) == {DAY: "d-tie"}
    assert catalog.runs_of_record(start=DAY, end=DAY) == {DAY: "d-tie"}


def test_a_sqlite_catalog_file_keeps_a_durable_write_ahead_log(tmp_path: Path) -> None:
    """One sync a commit instead of the rollback journal's three, as durable
    (synchronous=FULL): see ``_sqlite_wal``. An in-memory catalog has no log."""
    with Catalog(f"sqlite:///{tmp_path / 'catalog.db'}") as catalog:
        catalog.mark_ready("positions", dt.date(2022, 1, 3))
        with catalog.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    with Catalog("sqlite:///:memory:") as memory, memory.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "memory"
    reopened = Catalog(f"sqlite:///{tmp_path / 'catalog.db'}")
    assert reopened.ready_sources(dt.date(2022, 1, 3)) == {"positions"}
    reopened.dispose()
