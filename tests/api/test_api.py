"""The API on a demo run: every figure it serves is the catalog's or the lake's."""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar

import numpy as np
import pytest
from fastapi.testclient import TestClient

from riskcap.api.app import create_app
from riskcap.data.lake import Lake
from riskcap.pipeline.limits import check_limits
from riskcap.store.catalog import Catalog, Result
from riskcap.store.service import audit_log
from tests.api.conftest import DESK, World, auth


def _results(world: World, run_id: str) -> list[Result]:
    with Catalog(world.settings.catalog_url) as catalog:
        return catalog.results(run_id)


def test_results_are_the_catalogs(client: TestClient, world: World) -> None:
    last = world.days[-1]
    got = client.get("/v1/results", headers=auth(world.keys.admin)).json()
    expected = _results(world, world.run_ids[last])
    assert len(got) == len(expected) > 0
    by_key = {(r["node"], r["method"], r["measure"], r["horizon"], r["confidence"]): r for r in got}
    for r in expected:
        assert by_key[(r.node, r.method, r.measure, r.horizon, r.confidence)]["value"] == r.value
    # one date, one node, one measure
    first = world.days[0]
    rows = client.get(
        "/v1/results",
        params={"node": "firm:RISKCAP", "as_of": first.isoformat(), "measure": "es"},
        headers=auth(world.keys.admin),
    ).json()
    assert {r["run_id"] for r in rows} == {world.run_ids[first]}
    assert {(r["node"], r["measure"]) for r in rows} == {("firm:RISKCAP", "es")}


def test_trend_has_one_figure_per_date(client: TestClient, world: World) -> None:
    rows = client.get(
        "/v1/results",
        params={
            "node": f"desk:{DESK}",
            "start": "2000-01-01",
            "measure": "var",
            "method": "hs",
            "horizon": 1,
            "confidence": 0.99,
        },
        headers=auth(world.keys.desk_viewer),
    ).json()
    assert [dt.date.fromisoformat(r["as_of"]) for r in rows] == world.days
    for r in rows:
        assert r["run_id"] == world.run_ids[dt.date.fromisoformat(r["as_of"])]


def test_pnl_distribution_matches_the_vector(client: TestClient, world: World) -> None:
    """Histogram and quantiles against NumPy on the stored vector; VaR/ES = published."""
    run_id = world.run_ids[world.days[-1]]
    d = client.get("/v1/pnl/desk:EQ-CASH", headers=auth(world.keys.desk_viewer)).json()
    table = Lake(world.settings.lake_path).read(
        "pnl_vectors",
        filters=[
            ("run_id", "=", run_id),
            ("node", "=", "desk:EQ-CASH"),
            ("scenario_set", "=", "hs_1d"),
        ],
    )
    pnl = np.asarray(table.column("pnl")[0].as_py())
    assert d["scenarios"] == pnl.size == sum(d["histogram"]["counts"])
    counts, edges = np.histogram(pnl, bins=world.settings.service.histogram_bins)
    assert d["histogram"]["counts"] == counts.tolist()
    assert np.allclose(d["histogram"]["edges"], edges, rtol=0, atol=0)
    assert d["quantiles"]["0.5"] == pytest.approx(float(np.median(pnl)), rel=1e-15)
    published = {
        (r.measure, r.confidence): r.value
        for r in _results(world, run_id)
        if r.node == "desk:EQ-CASH" and r.method == "hs" and r.horizon == 1
    }
    for conf, value in d["var"].items():
        assert value == published[("var", float(conf))]
        assert d["es"][conf] == published[("es", float(conf))]
        assert d["es"][conf] >= value  # ES ≥ VaR


def test_capital_stress_backtests_lineage(client: TestClient, world: World) -> None:
    h = auth(world.keys.admin)
    cap = client.get("/v1/capital", params={"node": "firm:RISKCAP"}, headers=h).json()
    (basel,) = cap["basel25"]
    assert basel["capital"] == pytest.approx(basel["var_term"] + basel["svar_term"], rel=1e-12)
    # three days of runs: every figure resting on the backtest is indicative (< 250)
    assert basel["observations"] < 250 and basel["indicative"] is True
    (frtb,) = cap["frtb"]
    assert frtb["indicative"] is True
    assert frtb["reduced_set_adequate"] is (frtb["explained"] >= 0.75)
    # the SA beside the IMA (issue 20): three scenarios, DRC, RRAO, and MAR33.43's capital
    (sa,) = cap["frtb_sa"]
    assert sa["sbm"] == max(sa["sbm_by_scenario"].values())
    assert sa["sbm"] == sa["sbm_by_scenario"][sa["scenario"]]
    assert sa["sa"] == pytest.approx(sa["sbm"] + sa["drc"] + sa["rrao"], rel=1e-12)
    assert sa["acr"]["total"] > 0 and sa["acr"]["sa_all"] == sa["sa"]
    stress = client.get("/v1/stress", headers=h).json()
    assert {r["kind"] for r in stress} >= {"historical", "hypothetical"}
    bt = client.get("/v1/backtests", params={"node": "firm:RISKCAP"}, headers=h).json()
    assert [z["node"] for z in bt["zones"]] == ["firm:RISKCAP"]
    assert bt["zones"][0]["zone"] in ("green", "amber", "red")
    assert bt["zones"][0]["indicative"] is True
    run_id = world.run_ids[world.days[-1]]
    manifest = client.get(f"/v1/runs/{run_id}/lineage", headers=h).json()
    assert manifest["run_id"] == run_id and "inputs" in manifest
    detail = client.get(f"/v1/runs/{run_id}", headers=h).json()
    assert detail["status"] == "succeeded"
    assert [t["name"] for t in detail["tasks"]][-1] == "publish"
    assert all(t["seconds"] >= 0 for t in detail["tasks"])


def test_desk_viewer_sees_only_its_desk(client: TestClient, world: World) -> None:
    h = auth(world.keys.desk_viewer)
    nodes = [n["node"] for n in client.get("/v1/nodes", headers=h).json()]
    assert nodes[0] == f"desk:{DESK}" and all(n.startswith(("desk:", "book:")) for n in nodes)
    rows = client.get("/v1/results", headers=h).json()
    assert rows and {r["node"] for r in rows} <= set(nodes)
    cap = client.get("/v1/capital", headers=h).json()
    assert all(r["node"] in nodes for r in cap["basel25"] + cap["frtb"] + cap["frtb_sa"])
    assert all(r["acr"] is None for r in cap["frtb_sa"])  # the firm's capital is not its
    # outside the key's desks reads like a node that does not exist (issue 26, item 2)
    for path in ("/v1/pnl/firm:RISKCAP", "/v1/pnl/desk:RATES", "/v1/pnl/entity:RC-US-LLC"):
        r = client.get(path, headers=h)
        assert r.status_code == 404, path
    assert client.get("/v1/results", params={"node": "ima:RISKCAP"}, headers=h).status_code == 404


def test_limits_crud_is_audited(client: TestClient, world: World) -> None:
    h = auth(world.keys.desk_manager)
    body = {
        "node": f"desk:{DESK}",
        "measure": "var",
        "method": "hs",
        "horizon": 1,
        "confidence": 0.99,
        "limit_value": 1e12,
        "description": "desk VaR",
    }
    created = client.post("/v1/limits", json=body, headers=h)
    assert created.status_code == 201
    limit = created.json()
    var = next(
        r.value
        for r in _results(world, world.run_ids[world.days[-1]])
        if (r.node, r.method, r.measure, r.horizon, r.confidence)
        == (f"desk:{DESK}", "hs", "var", 1, 0.99)
    )
    assert limit["value"] == var and limit["utilisation"] == pytest.approx(var / 1e12)
    assert client.post("/v1/limits", json=body, headers=h).status_code == 409
    updated = client.put(
        f"/v1/limits/{limit['id']}", json={**body, "limit_value": 5e11}, headers=h
    ).json()
    assert updated["limit_value"] == 5e11
    assert client.get(f"/v1/limits/{limit['id']}", headers=h).json()["limit_value"] == 5e11
    other = {**body, "node": "desk:RATES"}
    assert client.post("/v1/limits", json=other, headers=h).status_code == 404
    assert client.delete(f"/v1/limits/{limit['id']}", headers=h).status_code == 204
    assert client.get(f"/v1/limits/{limit['id']}", headers=h).status_code == 404
    with Catalog(world.settings.catalog_url) as catalog:
        entries = audit_log(catalog, 10)
    actions = [e.action for e in entries[:3]]
    assert actions == ["limit.delete", "limit.update", "limit.create"]
    key_id = world.keys.desk_manager.split("_")[1]
    assert all(e.actor == key_id and e.client == "testclient" for e in entries[:3])
    assert entries[2].detail["limit_value"] == 1e12 and entries[2].at.tzinfo is not None


def test_ready_events(client: TestClient, world: World) -> None:
    h = auth(world.keys.firm_manager)
    day = "2022-06-01"  # in the lake's calendar, no source marked ready yet
    desk_only = {"source": "murex", "as_of": day}
    assert (
        client.post(
            "/v1/ready-events", json=desk_only, headers=auth(world.keys.desk_manager)
        ).status_code
        == 403
    )
    first = client.post("/v1/ready-events", json={"source": "murex", "as_of": day}, headers=h)
    again = client.post("/v1/ready-events", json={"source": "murex", "as_of": day}, headers=h)
    assert first.status_code == again.status_code == 201
    assert first.json()["newly_recorded"] and not again.json()["newly_recorded"]
    assert client.get("/v1/ready-events", params={"as_of": day}, headers=h).json() == ["murex"]
    bad = client.post("/v1/ready-events", json={"source": "a b;", "as_of": day}, headers=h)
    assert bad.status_code == 422 and bad.json()["error"] == "ValidationError"


def test_errors_are_clean(client: TestClient, world: World) -> None:
    h = auth(world.keys.admin)
    big = client.post("/v1/whatif", content=b"{" + b" " * 70_000 + b"}", headers=h)
    assert big.status_code == 413 and big.json()["error"] == "PayloadTooLarge"

    def streamed() -> Any:  # no Content-Length: chunked, counted as it arrives
        for _ in range(100):
            yield b" " * 1000

    chunked = client.post(
        "/v1/whatif", content=streamed(), headers={**h, "Content-Type": "application/json"}
    )
    assert chunked.status_code == 413 and chunked.json()["error"] == "PayloadTooLarge"
    missing = client.get("/v1/runs/00000000-dead-beef", headers=h)
    assert missing.status_code == 404 and "Traceback" not in missing.text
    assert client.get("/v1/pnl/desk:NOPE", headers=h).status_code == 404
    weird = client.get("/v1/results", params={"as_of": "yesterday"}, headers=h)
    assert weird.status_code == 422 and set(weird.json()) == {"error", "detail"}
    future = client.post("/v1/runs", json={"as_of": "2999-01-01"}, headers=h)
    assert future.status_code == 422 and "future" in future.json()["detail"]


def test_storage_failure_is_a_503_without_sql(world: World, tmp_path: Any) -> None:
    """A catalog that goes away answers 503 with no SQL, path or traceback in the body."""
    app = create_app(world.settings)
    with TestClient(app, raise_server_exceptions=False) as c:
        h = auth(world.keys.admin)
        assert c.get("/v1/runs", headers=h).status_code == 200
        with app.state.riskcap.catalog.engine.begin() as conn:
            conn.exec_driver_sql("ALTER TABLE runs RENAME TO runs_gone")
        try:
            r = c.get("/v1/runs", headers=h)
        finally:
            with app.state.riskcap.catalog.engine.begin() as conn:
                conn.exec_driver_sql("ALTER TABLE runs_gone RENAME TO runs")
    assert r.status_code == 503
    assert r.json() == {"error": "CatalogError", "detail": "storage unavailable; try again later"}


def test_metrics(client: TestClient, world: World) -> None:
    h = auth(world.keys.admin)
    client.get("/v1/me", headers=h)
    text = client.get("/metrics", headers=h).text
    assert (
        'riskcap_http_request_duration_seconds_count{method="GET",route="/v1/me",status="200"}'
        in text
    )
    var = next(
        r.value
        for r in _results(world, world.run_ids[world.days[-1]])
        if (r.node, r.method, r.measure, r.horizon, r.confidence)
        == (f"desk:{DESK}", "hs", "var", 1, 0.99)
    )
    line = f'riskcap_last_var{{confidence="0.99",horizon="1",method="hs",node="desk:{DESK}"}} '
    value = next(x for x in text.splitlines() if x.startswith(line))
    assert float(value.split()[-1]) == pytest.approx(var, rel=1e-15)
    assert 'riskcap_last_run_task_duration_seconds{task="revalue"}' in text
    assert client.get("/metrics", headers=auth(world.keys.desk_viewer)).status_code == 403


class _Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Hook.received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.mark.slow
def test_trigger_run_breach_alert_webhook(
    client: TestClient, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """POST /v1/runs → 202 with the id; the new run breaches a limit → alert row, log
    line and a webhook POST received by a real HTTP server on loopback."""
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings = world.settings.model_copy(
        update={
            "service": world.settings.service.model_copy(
                update={"webhook_url": f"http://127.0.0.1:{server.server_port}/hook"}
            )
        }
    )
    app = create_app(settings)
    h = auth(world.keys.admin)
    last = world.days[-1]
    with TestClient(app, raise_server_exceptions=False) as c:
        lim = c.post("/v1/limits", json={"node": "firm:RISKCAP", "limit_value": 1.0}, headers=h)
        assert lim.status_code == 201
        same = c.post("/v1/runs", json={"as_of": last.isoformat()}, headers=h)
        assert same.status_code == 202
        forced = c.post("/v1/runs", json={"as_of": last.isoformat(), "force": True}, headers=h)
        assert forced.status_code == 202
        run_id = forced.json()["run_id"]
        with caplog.at_level(logging.WARNING, logger="riskcap.limits"):
            assert app.state.riskcap.runs.join_idle(600)
        existing = c.get(same.json()["status_url"], headers=h).json()
        assert existing["request"]["outcome"] == "existing"
        assert existing["resolved_run_id"] == world.run_ids[last]
        detail = c.get(f"/v1/runs/{run_id}", headers=h).json()
        assert detail["status"] == "succeeded" and detail["run"]["run_id"] == run_id
        alerts = c.get("/v1/alerts", params={"run_id": run_id}, headers=h).json()
        assert len(alerts) == 1 and alerts[0]["node"] == "firm:RISKCAP"
        assert alerts[0]["webhook"] == "sent 204"
        ack = c.post(f"/v1/alerts/{alerts[0]['id']}/ack", headers=h).json()
        assert ack["acknowledged"] is True
        # the forced run computed the same numbers as the run of record
        old = {
            (r.node, r.method, r.measure, r.horizon, r.confidence): r.value
            for r in _results(world, world.run_ids[last])
        }
        new = {
            (r.node, r.method, r.measure, r.horizon, r.confidence): r.value
            for r in _results(world, run_id)
        }
        assert new == old
    server.shutdown()
    assert any("limit breach" in r.getMessage() for r in caplog.records)
    (hook,) = [p for p in _Hook.received if p["run_id"] == run_id]
    assert hook["event"] == "limit_breach" and hook["node"] == "firm:RISKCAP"
    assert hook["value"] == alerts[0]["value"] and hook["limit"] == 1.0
    time.sleep(0)  # the server thread is a daemon


def test_deleting_a_limit_keeps_its_alerts(client: TestClient, world: World) -> None:
    h = auth(world.keys.admin)
    made = client.post(
        "/v1/limits", json={"node": "desk:MACRO", "measure": "es", "limit_value": 1.0}, headers=h
    ).json()
    run_id = world.run_ids[world.days[-1]]
    with Catalog(world.settings.catalog_url) as catalog:
        (breach,) = [
            b
            for b in check_limits(catalog, run_id, world.settings.service)
            if b.node == "desk:MACRO"
        ]
        assert check_limits(catalog, run_id, world.settings.service) == []  # once per run
    assert breach.measure == "es" and breach.value > 1.0
    assert client.delete(f"/v1/limits/{made['id']}", headers=h).status_code == 204
    alerts = client.get("/v1/alerts", params={"node": "desk:MACRO"}, headers=h).json()
    (alert,) = [a for a in alerts if a["id"] == breach.alert_id]
    assert alert["limit_id"] is None and alert["limit_value"] == 1.0
    assert all(lim["id"] != made["id"] for lim in client.get("/v1/limits", headers=h).json())


def test_capital_adequacy_per_entity_and_firm(client: TestClient, world: World) -> None:
    """/v1/capital/adequacy (issue 21): RWA by risk type, floor and ratios per node."""
    h = auth(world.keys.admin)
    doc = client.get("/v1/capital/adequacy", headers=h)
    assert doc.status_code == 200, doc.text
    nodes = {n["node"]: n for n in doc.json()["nodes"]}
    assert set(nodes) == {"firm:RISKCAP", "entity:RC-US-LLC", "entity:RC-UK-LTD"}
    for n in nodes.values():
        assert n["rwa_total"] == pytest.approx(
            max(n["rwa_internal"], n["output_floor"] * n["rwa_standardised"])
        )
        cet1 = n["ratios"]["cet1"]
        assert cet1["value"] == pytest.approx(n["capital"]["cet1"] / n["rwa_total"])
        assert cet1["met"] is (cet1["value"] >= cet1["requirement"])
    uk = client.get("/v1/capital/adequacy", params={"entity": "RC-UK-LTD"}, headers=h).json()
    assert [n["node"] for n in uk["nodes"]] == ["entity:RC-UK-LTD"]
    assert uk["nodes"][0]["netting_sets"] and "large exposures (LEX)" in uk["out_of_scope"]
    missing = client.get("/v1/capital/adequacy", params={"entity": "NOPE"}, headers=h)
    assert missing.status_code == 404
    # a desk-scoped key sees no entity or firm figure, and cannot probe one
    d = auth(world.keys.desk_viewer)
    assert client.get("/v1/capital/adequacy", headers=d).json()["nodes"] == []
    assert (
        client.get("/v1/capital/adequacy", params={"entity": "RC-UK-LTD"}, headers=d).status_code
        == 404
    )
