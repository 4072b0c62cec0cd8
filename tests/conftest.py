"""Shared fixtures: a small reference lake built through the real ingest path, and the
catalog backends (SQLite file, PostgreSQL at 127.0.0.1:5432 database ``test``).

PostgreSQL runs in a fresh schema per test session, dropped at the end. Locally a
missing server skips the PostgreSQL cases; under CI=true it fails the run.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
import sqlalchemy as sa

from riskcap.config import Settings, settings_for_dir
from riskcap.data.contract import IngestKind
from riskcap.data.ingest import ingest_file
from riskcap.data.lake import Lake
from riskcap.store.catalog import Catalog

TODAY = dt.date(2022, 12, 30)
GOLDEN_DIR = Path(__file__).parent / "golden"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite the golden files in tests/golden/ from this run instead of comparing",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


BAD_DIR = Path(__file__).parent / "data" / "bad"


def market_table(rows: list[tuple[int, str, float]], start: dt.date) -> pa.Table:
    """Market-data rows ``(day offset from start, factor_id, value)`` as an Arrow table
    of the lake's ``market_data`` columns."""
    return pa.table(
        {
            "date": pa.array([start + dt.timedelta(days=d) for d, _, _ in rows], pa.date32()),
            "factor_id": pa.array([f for _, f, _ in rows], pa.string()),
            "value": pa.array([v for _, _, v in rows], pa.float64()),
        }
    )


def write_csv(path: Path, header: str, *rows: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return settings_for_dir(tmp_path)


@pytest.fixture
def lake(settings: Settings) -> Lake:
    lk = Lake(settings.lake_path)
    lk.create_all()
    return lk


@pytest.fixture
def catalog(settings: Settings) -> Catalog:
    return Catalog(settings.catalog_url)


@pytest.fixture
def ingest(lake: Lake) -> Callable[..., object]:
    def _ingest(kind: str, path: Path, max_bad_fraction: float = 0.0) -> object:
        return ingest_file(
            lake, IngestKind(kind), path, max_bad_fraction=max_bad_fraction, today=TODAY
        )

    return _ingest


@pytest.fixture
def ref_lake(lake: Lake, ingest: Callable[..., object], tmp_path: Path) -> Lake:
    """Factors, books (B3 lacks a desk) and three equities on which trades can land."""
    src = tmp_path / "ref"
    ingest(
        "factors",
        write_csv(
            src / "factors.csv",
            "factor_id,factor_type,shock_type,synthetic",
            "EQ.AAPL,equity_price,log,false",
            "EQ.MSFT,equity_price,log,false",
            "EQ.JPM,equity_price,log,false",
        ),
    )
    ingest(
        "books",
        write_csv(
            src / "books.csv",
            "book_id,desk,legal_entity,firm",
            "B1,D1,E1,FIRM",
            "B2,D2,E1,FIRM",
            "B3,,E1,FIRM",
        ),
    )
    ingest(
        "instruments",
        write_csv(
            src / "instruments.csv",
            "instrument_id,instrument_type,currency,underlying",
            "AAPL,equity,USD,EQ.AAPL",
            "MSFT,equity,USD,EQ.MSFT",
            "JPM,equity,USD,EQ.JPM",
        ),
    )
    return lake


PG_URL = os.environ.get("RISKCAP_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def pg_schema_url() -> Iterator[str]:
    schema = f"riskcap_test_{uuid.uuid4().hex[:12]}"
    try:
        engine = sa.create_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL at {PG_URL} is required under CI=true: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {PG_URL} (required under CI=true)")
    yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def catalog_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'catalog.db'}"
        return
    url = request.getfixturevalue("pg_schema_url")
    yield url
    drop_all_tables(url)


def drop_all_tables(url: str) -> None:
    """Empty a PostgreSQL test schema: the next test starts unmigrated."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for table in sa.inspect(conn).get_table_names():
            conn.execute(sa.text(f'DROP TABLE IF EXISTS "{table}" CASCADE'))
    engine.dispose()


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Spark ``local[2]`` for the Spark engine tests: a failure under CI=true when Java
    or PySpark is missing, a skip elsewhere."""
    if shutil.which("java") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Java 17 is required for the Spark engine tests under CI=true")
        pytest.skip("no Java on this machine (required under CI=true)")
    if os.environ.get("CI") != "true":
        pytest.importorskip("pyspark")
    from riskcap.engine.spark import spark_session, stop_sessions

    yield spark_session("local[2]", tmp_path_factory.mktemp("jax-cache"))
    stop_sessions()
