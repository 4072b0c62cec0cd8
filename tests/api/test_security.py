"""Probes of a running ``riskcap serve`` as an attacker would send them (issue 26).

One ``riskcap serve`` child process on loopback serves a private copy of the API test
world, configured with a webhook URL that carries a token, a short read timeout and
a low authentication-failure rate. Every loop is bounded in count and time, and
every address is 127.0.0.1. The throttle test runs last: it blocks the address.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from riskcap import __version__
from riskcap.api.deps import KEY_CACHE_S
from riskcap.api.routers.common import HIDDEN
from riskcap.config import redact_credentials, redact_endpoint, redacted_config
from riskcap.pipeline.limits import post_webhook
from riskcap.store.catalog import Catalog, Run, StressResult, Task
from tests.api.conftest import DESK, OTHER_DESK, World, copy_api_world
from tests.api.test_dashboard import _free_port
from tests.pipeline.conftest import demo_config

TOKEN = "S3CRET-HOOK-TOKEN"
HOOK = f"http://127.0.0.1:9/hooks/{TOKEN}?token={TOKEN}"
READ_TIMEOUT_S = 2.0
FAILURES_PER_MINUTE = 20


@dataclass(frozen=True)
class Served:
    world: World
    host: str
    port: int
    log: Path

    def request(
        self,
        method: str,
        path: str,
        key: str | None = None,
        body: bytes | str | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            h = dict(headers or {})
            if key is not None:
                h["X-API-Key"] = key
            if isinstance(body, str):
                body = body.encode()
                h.setdefault("Content-Type", "application/json")
            conn.request(method, path, body=body, headers=h)
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            conn.close()

    def get_json(self, path: str, key: str | None = None) -> tuple[int, Any]:
        status, _, body = self.request("GET", path, key)
        return status, json.loads(body)


@pytest.fixture(scope="module")
def served(api_base: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    world = copy_api_world(api_base, tmp_path_factory.mktemp("security") / "world")
    config = world.directory / "riskcap.toml"
    service = {
        "auth_failures_per_minute": FAILURES_PER_MINUTE,
        "webhook_url": HOOK,
        "read_timeout_s": READ_TIMEOUT_S,
        "keep_alive_s": 2,
        "max_connections": 64,
    }
    config.write_text(demo_config(pipeline={"checklist_timeout_s": 0}, service=service))
    port = _free_port()
    log = world.directory / "serve.log"
    with log.open("wb") as out:
        child = subprocess.Popen(
            [sys.executable, "-m", "riskcap", "serve", "--port", str(port), "-c", str(config)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    s = Served(world, "127.0.0.1", port, log)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if s.request("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                assert child.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "riskcap serve did not come up"
                time.sleep(0.5)
        yield s
    finally:
        child.terminate()
        child.wait(30)


# -- critical: nothing of another desk or of the firm reaches a desk key -------------
def test_desk_key_stress_texts_name_nothing_it_may_not_see(served: Served) -> None:
    keys = served.world.keys
    status, rows = served.get_json(f"/v1/stress?node=desk:{DESK}", keys.desk_viewer)
    assert status == 200 and rows
    reverse = [r for r in rows if r["kind"] == "reverse"]
    assert reverse, "the demo world has reverse stress scenarios"
    with Catalog(served.world.settings.catalog_url) as catalog:
        stored = catalog.run_rows(StressResult, served.world.run_ids[served.world.days[-1]])
    targets = {
        f"{r.detail['target_loss']:,.0f}" for r in stored if r.kind == "reverse" and r.detail
    }
    for r in rows:
        text = json.dumps(r)
        assert not re.search(r"(firm|entity|ima):", text), text
        assert OTHER_DESK not in text, text
        assert not any(t in text for t in targets), text
    # a firm-wide key still reads the full description with its calibration node
    _, firm_rows = served.get_json(f"/v1/stress?node=desk:{DESK}", keys.all_viewer)
    assert any("firm:RISKCAP" in r["description"] for r in firm_rows)


def test_desk_key_sees_no_parent_outside_its_desks(served: Served) -> None:
    _, nodes = served.get_json("/v1/nodes", served.world.keys.desk_viewer)
    assert nodes and all(n["level"] in ("desk", "book") for n in nodes)
    assert all(n["parent"] is None or n["parent"].startswith("desk:") for n in nodes)
    assert not re.search(r"(firm|entity):", json.dumps(nodes))
    _, firm_nodes = served.get_json("/v1/nodes", served.world.keys.all_viewer)
    assert any(n["parent"] and n["parent"].startswith("entity:") for n in firm_nodes)


def test_run_texts_are_for_firm_wide_keys(served: Served) -> None:
    """Run messages and task errors may name any node or figure: desk keys get a fixed
    text in their place, firm-wide keys the text."""
    world = served.world
    run_id = world.run_ids[world.days[0]]
    text = "reverse stress failed losing 22,251,142 at firm:RISKCAP"
    with Catalog(world.settings.catalog_url) as catalog, catalog.session() as s:
        s.execute(update(Run).where(Run.run_id == run_id).values(message=text))
        s.execute(update(Task).where(Task.run_id == run_id).values(error=text))
    _, desk = served.get_json(f"/v1/runs/{run_id}", world.keys.desk_viewer)
    _, firm = served.get_json(f"/v1/runs/{run_id}", world.keys.all_viewer)
    assert text not in json.dumps(desk) and desk["run"]["message"] == HIDDEN
    assert {t["error"] for t in desk["tasks"]} == {HIDDEN}
    assert firm["run"]["message"] == text and {t["error"] for t in firm["tasks"]} == {text}
    _, listed = served.get_json("/v1/runs", world.keys.desk_viewer)
    assert text not in json.dumps(listed)


# -- high: no secret in lineage, API answers or logs ---------------------------------
def test_lineage_has_no_secret_and_infrastructure_for_admins_only(served: Served) -> None:
    keys = served.world.keys
    run_id = served.world.run_ids[served.world.days[-1]]
    for key in (keys.desk_viewer, keys.all_viewer, keys.firm_manager):
        status, manifest = served.get_json(f"/v1/runs/{run_id}/lineage", key)
        assert status == 200
        assert not {"lake", "catalog", "service"} & set(manifest["config"]), key
        assert "risk" in manifest["config"] and TOKEN not in json.dumps(manifest)
    status, manifest = served.get_json(f"/v1/runs/{run_id}/lineage", keys.admin)
    assert status == 200 and {"lake", "catalog", "service"} <= set(manifest["config"])
    assert TOKEN not in json.dumps(manifest)


def test_secrets_are_redacted_in_manifests_and_webhook_logs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    pg = "postgresql+psycopg://risk:pa55word@db.internal:5432/riskcap?sslpassword=xyz"
    assert redact_credentials(pg) == (
        "postgresql+psycopg://risk:***@db.internal:5432/riskcap?sslpassword=***"
    )
    assert redact_endpoint(HOOK) == "http://127.0.0.1:9/***"
    config = redacted_config(
        {"catalog": {"url": pg}, "service": {"webhook_url": HOOK}, "lake": {"path": "lake"}}
    )
    assert "pa55word" not in json.dumps(config) and TOKEN not in json.dumps(config)
    assert config["lake"]["path"] == "lake"
    with caplog.at_level("ERROR", logger="riskcap.pipeline.limits"):
        outcome = post_webhook(HOOK, {"alert": 1}, timeout_s=2.0)
    assert outcome.startswith("failed") and TOKEN not in outcome
    assert caplog.records and TOKEN not in caplog.text


def test_lineage_manifest_at_rest_has_no_secret(tmp_path: Path) -> None:
    from riskcap.config import settings_for_dir
    from riskcap.pipeline.lineage import build_manifest

    settings = settings_for_dir(
        tmp_path,
        catalog={"url": "postgresql+psycopg://risk:pa55word@db/riskcap"},
        service={"webhook_url": HOOK},
    )
    manifest = build_manifest(
        run_id="r",
        run_key="k",
        as_of="2022-12-28",
        created_at="t",
        settings=settings,
        config_hash="h",
        inputs={},
        tasks=[],
        outputs={},
    )
    text = json.dumps(manifest)
    assert "pa55word" not in text and TOKEN not in text
    assert manifest["config"]["risk"] == settings.model_dump(mode="json")["risk"]


# -- medium: bounded metrics, headers, CSP, keys ------------------------------------
def test_made_up_methods_do_not_grow_metrics(served: Served) -> None:
    admin = served.world.keys.admin
    before = served.request("GET", "/metrics", admin)[2]
    for i in range(200):
        served.request(f"MFOO{i}", "/v1/me")
        served.request("GET", f"/v1/no-such-route-{i}")
    after = served.request("GET", "/metrics", admin)[2].decode()
    assert "MFOO" not in after and "no-such-route" not in after
    methods = set(
        re.findall(r'riskcap_http_request_duration_seconds_count\{method="([^"]+)"', after)
    )
    assert methods <= {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"}
    assert len(after) < len(before) + 20_000  # a fixed set of new series, not 400


def test_every_answer_carries_the_security_headers(served: Served) -> None:
    admin = served.world.keys.admin
    probes = [
        ("GET", "/", None, None),
        ("GET", "/docs", None, None),
        ("GET", "/openapi.json", None, None),
        ("GET", "/v1/me", admin, None),
        ("GET", "/v1/me", None, None),  # 401
        ("GET", "/nope", None, None),  # 404
        ("POST", "/v1/whatif", admin, "{" + " " * 70_000 + "}"),  # 413
        ("GET", "/static/dashboard.js", None, None),
    ]
    for method, path, key, body in probes:
        status, headers, _ = served.request(method, path, key, body)
        csp = headers.get("content-security-policy", "")
        assert "default-src 'self'" in csp and "script-src 'self'" in csp, path
        assert "frame-ancestors 'none'" in csp and "http" not in csp, path
        assert headers.get("x-content-type-options") == "nosniff", path
        assert headers.get("x-frame-options") == "DENY", path
        assert headers.get("referrer-policy") == "no-referrer", path
        assert "server" not in headers, (path, headers.get("server"))
        if not path.startswith("/static/"):
            assert headers.get("cache-control") == "no-store", path
    status, _, page = served.request("GET", "/docs")
    assert status == 200 and b"cdn" not in page.lower() and b"<script>" not in page
    assert served.request("GET", "/redoc")[0] == 404  # off: it needs inline styles


def test_healthz_tells_the_version_to_admins_only(served: Served) -> None:
    keys = served.world.keys
    assert served.get_json("/healthz") == (200, {"status": "ok"})
    assert served.get_json("/healthz", keys.desk_viewer) == (200, {"status": "ok"})
    assert served.get_json("/healthz", keys.admin) == (
        200,
        {"status": "ok", "version": __version__},
    )


# -- low: messages, run ids, slow clients, dates, error shapes, identifiers ---------
def test_errors_name_no_path_url_or_version(served: Served) -> None:
    catalog_file = str(served.world.directory)
    for path in ("/v1/runs/deadbeefdeadbeef", "/v1/runs/deadbeef/lineage"):
        status, _, body = served.request("GET", path, served.world.keys.admin)
        assert status == 404, body
        text = body.decode()
        assert catalog_file not in text and "sqlite" not in text and ".db" not in text


def test_run_id_prefixes_are_hex_and_never_wildcards(served: Served) -> None:
    admin = served.world.keys.admin
    run_id = served.world.run_ids[served.world.days[-1]]
    for probe in ("%25" + run_id[1:8], "________", "%25%25%25%25%25%25%25%25", "abc'; --x"):
        status, _, body = served.request("GET", f"/v1/runs/{urllib.parse.quote(probe)}", admin)
        assert status == 422, (probe, body)
    status, found = served.get_json(f"/v1/runs/{run_id[:8]}", admin)
    assert status == 200 and found["run"]["run_id"] == run_id


def test_slow_and_idle_clients_are_cut_off(served: Served) -> None:
    """Clients that never finish their headers (or never send a byte) are closed after
    ``read_timeout_s``; the service keeps answering meanwhile."""
    idle = [socket.create_connection((served.host, served.port), timeout=10) for _ in range(20)]
    slow = [socket.create_connection((served.host, served.port), timeout=10) for _ in range(20)]
    started = time.monotonic()
    request = b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
    try:
        for i in range(8):  # one byte each 0.5 s: never done within the timeout
            for s in slow:
                with contextlib.suppress(OSError):  # closed already: fine
                    s.sendall(request[i : i + 1])
            time.sleep(0.5)
        assert served.get_json("/healthz")[0] == 200  # not starved meanwhile
        for s in idle + slow:
            s.settimeout(READ_TIMEOUT_S + 5)
            with contextlib.suppress(ConnectionResetError):
                assert s.recv(1024) == b""  # closed by the server, nothing answered
        assert time.monotonic() - started < 4 + READ_TIMEOUT_S + 5
    finally:
        for s in idle + slow:
            s.close()


def test_dates_outside_the_calendar_are_422(served: Served) -> None:
    keys = served.world.keys
    for path in (
        "/v1/backtests?as_of=0001-01-01",
        "/v1/results?as_of=0001-01-01",
        "/v1/results?start=1900-01-01&end=2022-12-28",
        "/v1/capital?as_of=9999-12-31",
        "/v1/ready-events?as_of=9999-12-31",
        "/v1/runs?as_of=1900-01-01",
    ):
        status, body = served.get_json(path, keys.admin)
        assert status == 422 and set(body) == {"error", "detail"}, (path, body)
    for day in ("9999-12-31", "1900-01-01"):
        body = json.dumps({"source": "murex", "as_of": day})
        assert served.request("POST", "/v1/ready-events", keys.firm_manager, body)[0] == 422
        body = json.dumps({"as_of": day})
        assert served.request("POST", "/v1/runs", keys.firm_manager, body)[0] == 422
    # a date in the calendar without a run is 404, not "everything"
    status, _ = served.get_json("/v1/backtests?as_of=2015-06-01", keys.admin)
    assert status == 404


def test_every_error_has_the_documented_shape(served: Served) -> None:
    admin = served.world.keys.admin
    probes = [
        ("GET", "/nope", None, None, 404),
        ("GET", "/v1/nope", admin, None, 404),
        ("DELETE", "/v1/me", admin, None, 405),
        ("POST", "/v1/limits", admin, "{not json", 422),
        ("POST", "/v1/limits", admin, "[1, 2", 422),
        ("GET", "/static/../../etc/passwd", None, None, 404),
    ]
    for method, path, key, body, expected in probes:
        status, headers, raw = served.request(method, path, key, body)
        assert status == expected, (path, raw)
        parsed = json.loads(raw)
        assert set(parsed) == {"error", "detail"}, (path, parsed)
        assert headers["content-type"] == "application/json"


def test_identifiers_and_echoed_text_follow_the_rule(served: Served) -> None:
    key = served.world.keys.desk_manager
    base = {"node": f"desk:{DESK}", "limit_value": 1e9, "horizon": 1, "confidence": 0.95}
    for bad in (
        {**base, "node": "desk:<img src=x onerror=alert(1)>"},
        {**base, "node": "desk:=1+1"},
        {**base, "node": "desk:" + "X" * 150},
        {**base, "description": "quiet\u202elimit"},
        {**base, "description": "bell\x07"},
        {**base, "description": '=HYPERLINK("http://x")'},
    ):
        status, _, raw = served.request("POST", "/v1/limits", key, json.dumps(bad))
        assert status == 422, (bad, raw)
        assert json.loads(raw)["error"] == "ValidationError"
    ok = {**base, "description": "<b>shown as text</b>"}
    status, _, raw = served.request("POST", "/v1/limits", key, json.dumps(ok))
    assert status == 201 and json.loads(raw)["description"] == "<b>shown as text</b>"
    trade = {"book_id": "<script>", "instrument_id": "AAPL", "quantity": 1}
    body = json.dumps({"trades": [trade]})
    assert served.request("POST", "/v1/whatif", key, body)[0] == 422


# -- last: the throttle (it blocks this address for a minute) ------------------------
def test_failed_authentications_are_logged_counted_and_throttled(served: Served) -> None:
    admin = served.world.keys.admin
    assert served.request("GET", "/v1/me", admin)[0] == 200  # verified: cached
    statuses = []
    bad_id = "abcdefabcdef"
    started = time.monotonic()
    for i in range(FAILURES_PER_MINUTE + 10):
        status, headers, _ = served.request("GET", "/v1/me", f"rk_{bad_id}_guess{i}")
        statuses.append(status)
        if status == 429:
            assert int(headers["retry-after"]) >= 1
    assert time.monotonic() - started < 30
    assert statuses[:FAILURES_PER_MINUTE] == [401] * FAILURES_PER_MINUTE
    assert statuses[FAILURES_PER_MINUTE:] == [429] * 10
    # the good key in use keeps working from the throttled address, also once its few
    # seconds in the cache are over (a loaded machine's guess loop outlasts them; the
    # key was then refused with the guesses, locking its user out)
    assert served.request("GET", "/v1/me", admin)[0] == 200
    time.sleep(KEY_CACHE_S + 0.5)
    assert served.request("GET", "/v1/me", admin)[0] == 200
    # a key never verified here is refused before any lookup
    assert served.request("GET", "/v1/me", served.world.keys.revoked)[0] == 429
    metrics = served.request("GET", "/metrics", admin)[2].decode()
    unknown = re.search(r'riskcap_auth_failures_total\{reason="unknown"\} (\S+)', metrics)
    throttled = re.search(r'riskcap_auth_failures_total\{reason="throttled"\} (\S+)', metrics)
    assert unknown and float(unknown.group(1)) >= FAILURES_PER_MINUTE
    assert throttled and float(throttled.group(1)) >= 10
    deadline = time.monotonic() + 10
    while "authentication failed" not in served.log.read_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    log = served.log.read_text()
    assert f"key id {bad_id}" in log and "127.0.0.1" in log
    assert "guess" not in log  # never the secret
