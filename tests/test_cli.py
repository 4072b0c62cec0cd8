"""The CLI end to end on a small lake: ingest, ready, snapshot, quality, lake inspection."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from riskcap.cli import run
from riskcap.errors import NotFoundError, SnapshotNotReady
from tests.conftest import write_csv


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    assert run(["init"]) == 0
    write_csv(
        tmp_path / "factors.csv", "factor_id,factor_type,shock_type", "EQ.AAPL,equity_price,log"
    )
    write_csv(tmp_path / "books.csv", "book_id,desk,legal_entity,firm", "B1,D1,E1,F")
    write_csv(
        tmp_path / "inst.csv",
        "instrument_id,instrument_type,currency,underlying",
        "AAPL,equity,USD,EQ.AAPL",
    )
    write_csv(
        tmp_path / "md.csv",
        "date,factor_id,value",
        *[f"2022-01-{d:02d},EQ.AAPL,{180 + d * 0.5}" for d in (3, 4, 5, 6, 7)],
    )
    write_csv(
        tmp_path / "pos.csv", "as_of,book_id,instrument_id,quantity", "2022-01-03,B1,AAPL,100"
    )
    write_csv(
        tmp_path / "trades.csv",
        "trade_id,trade_date,book_id,instrument_id,quantity,price",
        "T1,2022-01-04,B1,AAPL,-40,182",
    )
    for kind, f in [
        ("factors", "factors.csv"),
        ("books", "books.csv"),
        ("instruments", "inst.csv"),
        ("market-data", "md.csv"),
        ("positions", "pos.csv"),
        ("trades", "trades.csv"),
    ]:
        assert run(["ingest", kind, f]) == 0
    return tmp_path


def test_full_flow(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert run(["ingest", "trades", "trades.csv"]) == 0
    assert "already ingested" in capsys.readouterr().out
    assert run(["snapshot", "--as-of", "2022-01-04"]) == SnapshotNotReady.exit_code
    err = capsys.readouterr().err
    assert "positions, trades, market_data" in err and "riskcap ready" in err
    for source in ("positions", "trades", "market_data"):
        assert run(["ready", source, "--as-of", "2022-01-04"]) == 0
    assert run(["snapshot", "--as-of", "2022-01-04"]) == 0
    out = capsys.readouterr().out
    assert "1 positions" in out and "trades v1" in out
    assert run(["quality", "--as-of", "2022-01-04"]) == 0
    assert "row_count" in capsys.readouterr().out
    assert run(["lake", "show", "positions", "--version", "2"]) == 0
    assert "60.0" in capsys.readouterr().out
    assert run(["lake", "show", "positions", "--version", "1"]) == 0
    out = capsys.readouterr().out
    assert "100.0" in out and "60.0" not in out
    now = dt.datetime.now(dt.UTC).isoformat()
    assert run(["lake", "show", "positions", "--at", now]) == 0
    assert "60.0" in capsys.readouterr().out
    assert run(["lake", "history", "positions", "--json"]) == 0
    commits = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [c["version"] for c in commits] == [2, 1, 0]
    assert commits[0]["metadata"]["operation"] == "snapshot"
    assert commits[0]["metadata"]["input_version.trades"] == "1"


def test_history_json_lines(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert run(["lake", "history", "trades", "--json"]) == 0
    out = capsys.readouterr().out
    assert '"operation": "ingest"' in out and '"source_file": "trades.csv"' in out


def test_errors_are_one_line_with_exit_codes(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert run(["lake", "show", "positions", "--version", "99"]) == NotFoundError.exit_code
    assert run(["lake", "history", "nope"]) == NotFoundError.exit_code
    assert run(["ingest", "trades", "missing.csv"]) == 4
    assert run(["snapshot", "--as-of", "2022-13-01"]) == 2  # usage error
    err = capsys.readouterr().err
    assert "no version 99" in err and "unknown lake table 'nope'" in err
    assert "missing.csv: file not found" in err and "not an ISO date" in err
    assert "Traceback" not in err


def test_console_script_runs(workdir: Path) -> None:
    import subprocess
    import sys

    exe = Path(sys.executable).with_name("riskcap")
    proc = subprocess.run(
        [str(exe), "lake", "show", "trades", "--version", "99"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == NotFoundError.exit_code
    assert proc.stderr.strip().startswith("riskcap: error: table 'trades' has no version 99")


def test_quality_gate_failure_prints_every_check_and_exits_7(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a position in a book missing from `books`: incomplete_hierarchy blocks
    write_csv(
        workdir / "bad_pos.csv", "as_of,book_id,instrument_id,quantity", "2022-01-05,B1,AAPL,100"
    )
    assert run(["ingest", "positions", "bad_pos.csv"]) == 0
    write_csv(workdir / "books2.csv", "book_id,desk,legal_entity,firm", "B1,,E1,F")
    assert run(["ingest", "books", "books2.csv"]) == 0  # B1 loses its desk
    capsys.readouterr()
    assert run(["quality", "--as-of", "2022-01-05"]) == 7
    captured = capsys.readouterr()
    assert "FAIL" in captured.out and "null_keys" in captured.out and "row_count" in captured.out
    assert "check 'incomplete_hierarchy' (blocking)" in captured.err


def test_lake_and_catalog_are_private_unless_configured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new lake folder is 0700 and a new SQLite catalog 0600 (issue 26, item 15);
    ``lake.dir_mode`` / ``catalog.file_mode`` choose others; existing ones are kept."""
    import os
    import stat

    monkeypatch.chdir(tmp_path)
    os.umask(0o022)  # the usual umask would have made them 0755 / 0644
    assert run(["init"]) == 0
    books = write_csv(tmp_path / "books.csv", "book_id,desk,legal_entity,firm", "B1,D1,E1,F")
    assert run(["ingest", "books", str(books)]) == 0
    assert run(["ready", "books", "--as-of", "2022-01-03"]) == 0
    assert stat.S_IMODE((tmp_path / "lake").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "catalog.db").stat().st_mode) == 0o600

    other = tmp_path / "shared"
    other.mkdir()
    (other / "riskcap.toml").write_text(
        '[lake]\ndir_mode = "0750"\n[catalog]\nfile_mode = "0640"\n', encoding="utf-8"
    )
    config = str(other / "riskcap.toml")
    assert run(["ingest", "books", str(books), "--config", config]) == 0
    assert run(["ready", "books", "--as-of", "2022-01-03", "--config", config]) == 0
    assert stat.S_IMODE((other / "lake").stat().st_mode) == 0o750
    assert stat.S_IMODE((other / "catalog.db").stat().st_mode) == 0o640


def test_a_rejected_ingest_always_exits_with_its_code(workdir: Path) -> None:
    """The process leaves with the error's exit code every time, never an abort (134)
    from runtime threads at interpreter teardown (issue 26, item 16)."""
    import subprocess
    import sys

    from riskcap.errors import IngestRejected

    bad = write_csv(
        workdir / "bad_books.csv", "book_id,desk,legal_entity,firm", "<b>,D1,E1,F", "=x,D,E,F"
    )
    for _ in range(5):
        proc = subprocess.run(
            [sys.executable, "-m", "riskcap", "ingest", "books", str(bad)],
            capture_output=True,
            text=True,
            check=False,
            cwd=workdir,
        )
        assert proc.returncode == IngestRejected.exit_code, proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and "invalid_identifier" in lines[0], proc.stderr


def test_the_command_line_loads_no_maths_or_storage_until_a_command_needs_it() -> None:
    """`riskcap --help`, `init`, `schema` stay fast (issue 27: ~2 s before): importing
    the CLI loads none of JAX, SciPy, pandas, NumPy, Arrow, Delta or SQLAlchemy.
    (benchmarks/cli_startup.py measures the time; a test never asserts one.)"""
    import subprocess
    import sys

    code = (
        "import sys, riskcap.cli; "
        "print(sorted(m for m in ('jax', 'scipy', 'pandas', 'numpy', 'pyarrow', 'deltalake',"
        " 'sqlalchemy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_ready_takes_several_sources_and_a_date_range(workdir: Path) -> None:
    from riskcap.config import load_settings
    from riskcap.store.catalog import Catalog

    assert run(["ready", "positions", "trades", "--from", "2022-01-06", "--to", "2022-01-11"]) == 0
    with Catalog(load_settings(workdir / "riskcap.toml").catalog_url) as catalog:
        for day in ("2022-01-06", "2022-01-07", "2022-01-10", "2022-01-11"):  # weekdays
            assert {"positions", "trades"} <= catalog.ready_sources(dt.date.fromisoformat(day))
        assert catalog.ready_sources(dt.date(2022, 1, 8)) == set()  # a Saturday
    assert run(["ready", "trades", "--from", "2022-01-06"]) == 2  # a range needs --to
    assert run(["ready", "trades", "--as-of", "2022-01-06", "--from", "2022-01-06"]) == 2
    assert run(["ready", "trades", "--from", "2022-01-07", "--to", "2022-01-06"]) == 2
