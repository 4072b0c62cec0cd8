"""``riskcap keys`` and ``riskcap serve`` from the command line; the scheduler's clock."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from riskcap.cli import run
from riskcap.cli.service import next_business_run
from riskcap.errors import AuthenticationError
from riskcap.store.catalog import Catalog
from riskcap.store.service import list_keys, verify_key
from tests.api.conftest import World
from tests.api.test_dashboard import _free_port
from tests.conftest import write_csv


def test_keys_create_list_revoke(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert run(["init"]) == 0
    # desks of a key must exist in the lake's books (issue 26, item 7)
    assert run(["keys", "create", "--role", "viewer", "--desks", "EQ-CASH"]) == 15
    assert "none yet (ingest books first)" in capsys.readouterr().err
    books = write_csv(
        tmp_path / "books.csv",
        "book_id,desk,legal_entity,firm",
        "B1,EQ-CASH,E1,F",
        "B2,RATES,E1,F",
        "B3,MACRO,E1,F",
    )
    assert run(["ingest", "books", str(books)]) == 0
    capsys.readouterr()
    assert run(["keys", "create", "--role", "viewer", "--desks", "EQ-CASH,EQ-DERIV"]) == 15
    err = capsys.readouterr().err
    assert "no desk EQ-DERIV" in err and "known desks: EQ-CASH, MACRO, RATES" in err
    # an admin key is firm-wide: desks with admin are refused, not silently ignored
    assert run(["keys", "create", "--role", "admin", "--desks", "EQ-CASH"]) == 15
    assert "--desks '*'" in capsys.readouterr().err
    with Catalog(f"sqlite:///{tmp_path / 'catalog.db'}") as catalog:
        assert list_keys(catalog) == []  # nothing was created by the refused calls
    code = run(["keys", "create", "--role", "viewer", "--desks", "EQ-CASH,RATES", "--json"])
    assert code == 0
    made = json.loads(capsys.readouterr().out)
    assert made["role"] == "viewer" and made["desks"] == ["EQ-CASH", "RATES"]
    token = made["key"]
    with Catalog(f"sqlite:///{tmp_path / 'catalog.db'}") as catalog:
        p = verify_key(catalog, token)
        assert (p.key_id, p.role.value, p.desks) == (made["key_id"], "viewer", ("EQ-CASH", "RATES"))
    # stored only as a hash: the secret is nowhere in the database's files (the
    # catalog keeps a write-ahead log beside the file while a connection is open)
    files = sorted(tmp_path.glob("catalog.db*"))
    assert tmp_path / "catalog.db" in files
    for f in files:
        assert token.split("_", 2)[2].encode() not in f.read_bytes(), f
    assert run(["keys", "list"]) == 0
    listed = capsys.readouterr().out
    assert made["key_id"] in listed and token not in listed
    assert run(["keys", "revoke", made["key_id"]]) == 0
    with (
        Catalog(f"sqlite:///{tmp_path / 'catalog.db'}") as catalog,
        pytest.raises(AuthenticationError, match="revoked"),
    ):
        verify_key(catalog, token)
    assert run(["keys", "create", "--role", "owner"]) == 2  # not a role
    assert run(["keys", "create", "--role", "admin", "--desks", " , "]) == 15
    assert run(["keys", "revoke", "nope"]) == 10


def test_serve_answers_on_its_port(world: World) -> None:
    """``riskcap serve`` in a child process: health, a keyed request, a refused one."""
    port = _free_port()
    config = world.directory / "riskcap.toml"
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "riskcap",
            "serve",
            "--port",
            str(port),
            "--config",
            str(config),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as r:
                    assert json.loads(r.read())["status"] == "ok"
                    break
            except (urllib.error.URLError, ConnectionError):
                if child.poll() is not None:
                    out = child.stdout.read() if child.stdout else ""
                    raise AssertionError(
                        f"riskcap serve exited {child.returncode}: {out!r}"
                    ) from None
                assert time.monotonic() < deadline, "riskcap serve did not come up"
                time.sleep(0.5)
        req = urllib.request.Request(base + "/v1/me", headers={"X-API-Key": world.keys.admin})
        with urllib.request.urlopen(req, timeout=10) as r:
            assert json.loads(r.read())["role"] == "admin"
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(base + "/v1/me", timeout=10)
        assert info.value.code == 401
        assert "Traceback" not in info.value.read().decode()
    finally:
        child.terminate()
        child.wait(30)


@pytest.mark.parametrize(
    ("now", "due"),
    [
        (dt.datetime(2026, 11, 25, 9, 0), dt.datetime(2026, 11, 25, 18, 30)),  # Wednesday
        (dt.datetime(2026, 11, 25, 18, 30), dt.datetime(2026, 11, 26, 18, 30)),  # just run
        (dt.datetime(2026, 11, 27, 19, 0), dt.datetime(2026, 11, 30, 18, 30)),  # Friday late
        (dt.datetime(2026, 11, 28, 12, 0), dt.datetime(2026, 11, 30, 18, 30)),  # Saturday
    ],
)
def test_scheduler_runs_on_business_days(now: dt.datetime, due: dt.datetime) -> None:
    assert next_business_run(now, dt.time(18, 30)) == due
