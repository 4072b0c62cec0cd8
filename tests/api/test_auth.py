"""The auth matrix of every route: no key 401, wrong desk 404 (exactly like an object
that does not exist), viewer write 403, admin ok.

``ROUTES`` lists every operation of the app; a test fails when the app has a route
the matrix does not cover, so a new route cannot skip its access checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from riskcap.pipeline.limits import check_limits
from riskcap.store.catalog import Catalog
from riskcap.store.service import save_limit
from tests.api.conftest import DESK, OTHER_DESK, World, auth


@dataclass(frozen=True)
class Case:
    method: str
    route: str  # the route template
    path: str  # a concrete path for an allowed call
    body: dict[str, Any] | None = None
    params: dict[str, Any] = field(default_factory=dict)
    write: bool = False
    # a request for another desk's object (404 for desk-scoped keys), or None when
    # the route has no desk-scoped object
    other_desk: tuple[str, dict[str, Any] | None, dict[str, Any]] | None = None
    # the same request for an object that does not exist: the answer must be the same
    missing: tuple[str, dict[str, Any] | None, dict[str, Any]] | None = None
    firm_wide: bool = False  # needs a key entitled to every desk
    ok: int = 200


def _cases(world: World, ids: dict[str, Any]) -> list[Case]:
    run_id = world.run_ids[world.days[-1]]
    last = world.days[-1].isoformat()
    limit = {"node": f"desk:{DESK}", "limit_value": 1e9, "horizon": 10}
    other_limit = {"node": f"desk:{OTHER_DESK}", "limit_value": 1e9, "horizon": 10}
    trade = {"book_id": ids["book"], "instrument_id": ids["instrument"], "quantity": 10}
    other_trade = {**trade, "book_id": ids["other_book"]}
    hedge = {"instrument_id": ids["instrument"], "lower": -10, "upper": 10}
    return [
        Case("GET", "/v1/me", "/v1/me"),
        Case("GET", "/v1/nodes", "/v1/nodes"),
        Case("GET", "/v1/runs", "/v1/runs"),
        Case("POST", "/v1/runs", "/v1/runs", {"as_of": last}, write=True, ok=202, firm_wide=True),
        Case("GET", "/v1/runs/{run_id}", f"/v1/runs/{run_id}"),
        Case("GET", "/v1/runs/{run_id}/lineage", f"/v1/runs/{run_id}/lineage"),
        Case(
            "GET",
            "/v1/results",
            "/v1/results",
            params={"node": f"desk:{DESK}"},
            other_desk=("/v1/results", None, {"node": f"desk:{OTHER_DESK}"}),
            missing=("/v1/results", None, {"node": "desk:NO-SUCH-DESK"}),
        ),
        Case(
            "GET",
            "/v1/pnl/{node}",
            f"/v1/pnl/desk:{DESK}",
            other_desk=(f"/v1/pnl/desk:{OTHER_DESK}", None, {}),
            missing=("/v1/pnl/desk:NO-SUCH-DESK", None, {}),
        ),
        Case(
            "GET",
            "/v1/backtests",
            "/v1/backtests",
            params={"node": f"desk:{DESK}"},
            other_desk=("/v1/backtests", None, {"node": f"desk:{OTHER_DESK}"}),
        ),
        Case(
            "GET",
            "/v1/capital",
            "/v1/capital",
            params={"node": f"desk:{DESK}"},
            other_desk=("/v1/capital", None, {"node": f"desk:{OTHER_DESK}"}),
        ),
        Case(
            "GET",
            "/v1/capital/adequacy",
            "/v1/capital/adequacy",
            other_desk=("/v1/capital/adequacy", None, {"entity": "RC-UK-LTD"}),
            missing=("/v1/capital/adequacy", None, {"entity": "NO-SUCH-ENTITY"}),
        ),
        Case(
            "GET",
            "/v1/stress",
            "/v1/stress",
            params={"node": f"desk:{DESK}"},
            other_desk=("/v1/stress", None, {"node": f"desk:{OTHER_DESK}"}),
        ),
        Case(
            "GET",
            "/v1/limits",
            "/v1/limits",
            params={"node": f"desk:{DESK}"},
            other_desk=("/v1/limits", None, {"node": f"desk:{OTHER_DESK}"}),
        ),
        Case(
            "POST",
            "/v1/limits",
            "/v1/limits",
            limit,
            write=True,
            ok=201,
            other_desk=("/v1/limits", other_limit, {}),
            missing=("/v1/limits", {**other_limit, "node": "desk:NO-SUCH-DESK"}, {}),
        ),
        Case(
            "GET",
            "/v1/limits/{limit_id}",
            f"/v1/limits/{ids['limit']}",
            other_desk=(f"/v1/limits/{ids['other_limit']}", None, {}),
            missing=(f"/v1/limits/{ids['missing']}", None, {}),
        ),
        Case(
            "PUT",
            "/v1/limits/{limit_id}",
            f"/v1/limits/{ids['limit']}",
            {**limit, "horizon": 1, "limit_value": 2e9},
            write=True,
            other_desk=(f"/v1/limits/{ids['other_limit']}", other_limit, {}),
            missing=(f"/v1/limits/{ids['missing']}", other_limit, {}),
        ),
        Case(
            "DELETE",
            "/v1/limits/{limit_id}",
            f"/v1/limits/{ids['spare_limit']}",
            write=True,
            ok=204,
            other_desk=(f"/v1/limits/{ids['other_limit']}", None, {}),
            missing=(f"/v1/limits/{ids['missing']}", None, {}),
        ),
        Case(
            "GET",
            "/v1/alerts",
            "/v1/alerts",
            params={"node": f"desk:{DESK}"},
            other_desk=("/v1/alerts", None, {"node": f"desk:{OTHER_DESK}"}),
        ),
        Case(
            "POST",
            "/v1/alerts/{alert_id}/ack",
            f"/v1/alerts/{ids['alert']}/ack",
            write=True,
            other_desk=(f"/v1/alerts/{ids['other_alert']}/ack", None, {}),
            missing=(f"/v1/alerts/{ids['missing']}/ack", None, {}),
        ),
        Case(
            "POST",
            "/v1/ready-events",
            "/v1/ready-events",
            {"source": "positions", "as_of": last},
            write=True,
            ok=201,
            firm_wide=True,
        ),
        Case("GET", "/v1/ready-events", "/v1/ready-events", params={"as_of": last}),
        Case(
            "POST",
            "/v1/whatif",
            "/v1/whatif",
            {"trades": [trade]},
            other_desk=("/v1/whatif", {"trades": [other_trade]}, {}),
            missing=("/v1/whatif", {"trades": [{**trade, "book_id": "NO-SUCH-BOOK"}]}, {}),
        ),
        Case(
            "POST",
            "/v1/optimise",
            "/v1/optimise",
            {"node": f"book:{ids['book']}", "hedges": [hedge]},
            other_desk=(
                "/v1/optimise",
                {"node": f"book:{ids['other_book']}", "hedges": [hedge]},
                {},
            ),
            missing=("/v1/optimise", {"node": "book:NO-SUCH-BOOK", "hedges": [hedge]}, {}),
        ),
        Case("GET", "/v1/audit", "/v1/audit", firm_wide=True),
        Case("GET", "/metrics", "/metrics", firm_wide=True),
    ]


@pytest.fixture(scope="module")
def ids(world: World) -> dict[str, Any]:
    """Objects the matrix acts on: limits and alerts on both desks, a book of each."""
    from riskcap.data.lake import Lake

    lake = Lake(world.settings.lake_path)
    books = lake.read("books").to_pylist()
    book = next(b["book_id"] for b in books if b["desk"] == DESK)
    other_book = next(b["book_id"] for b in books if b["desk"] == OTHER_DESK)
    positions = lake.read("positions", filters=[("as_of", "=", world.days[-1])]).to_pylist()
    instrument = next(p["instrument_id"] for p in positions if p["book_id"] == book)
    with Catalog(world.settings.catalog_url) as catalog:

        def limit(node: str, value: float, horizon: int = 1) -> int:
            return save_limit(
                catalog,
                {
                    "node": node,
                    "measure": "var",
                    "method": "hs",
                    "horizon": horizon,
                    "confidence": 0.99,
                    "limit_value": value,
                    "created_by": "test",
                },
            ).id

        out = {
            "limit": limit(f"desk:{DESK}", 1.0),
            "other_limit": limit(f"desk:{OTHER_DESK}", 1.0),
            "spare_limit": limit(f"desk:{DESK}", 1e9, horizon=10),
        }
        run_id = world.run_ids[world.days[-1]]
        breaches = check_limits(catalog, run_id, world.settings.service)
    by_node = {b.node: b.alert_id for b in breaches}
    return {
        **out,
        "alert": by_node[f"desk:{DESK}"],
        "other_alert": by_node[f"desk:{OTHER_DESK}"],
        "book": book,
        "other_book": other_book,
        "instrument": instrument,
        "missing": 2**31 - 2,  # a row id no limit or alert has
    }


@pytest.fixture(scope="module")
def cases(world: World, ids: dict[str, Any]) -> list[Case]:
    return _cases(world, ids)


def _call(
    c: TestClient, method: str, path: str, key: str | None, body: Any = None, params: Any = None
) -> Any:
    headers = auth(key) if key else {}
    return c.request(method, path, headers=headers, json=body, params=params or {})


def test_matrix_covers_every_route(app: FastAPI, cases: list[Case]) -> None:
    routes = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if path.startswith("/v1") or path == "/metrics"
        for method in operations
    }
    assert routes == {(c.method, c.route) for c in cases}


def test_no_or_bad_key_is_401(client: TestClient, world: World, cases: list[Case]) -> None:
    for case in cases:
        for key in (None, "nonsense", "rk_000000000000_x", world.keys.revoked):
            r = _call(client, case.method, case.path, key, case.body, case.params)
            assert r.status_code == 401, (case.route, key, r.text)
            assert r.json()["error"] == "AuthenticationError"


def test_viewers_may_not_write(client: TestClient, world: World, cases: list[Case]) -> None:
    for case in (c for c in cases if c.write):
        for key in (world.keys.desk_viewer, world.keys.all_viewer):
            r = _call(client, case.method, case.path, key, case.body, case.params)
            assert r.status_code == 403, (case.route, r.text)


def test_wrong_desk_is_404_like_a_missing_object(
    client: TestClient, world: World, cases: list[Case]
) -> None:
    """Another desk's object answers exactly like one that does not exist: the same
    status and body for a foreign node, limit, alert or book and a made-up one, so
    walking ids or names maps nothing (issue 26, item 2)."""
    for case in cases:
        if case.other_desk is not None:
            key = world.keys.desk_manager if case.write else world.keys.desk_viewer
            path, body, params = case.other_desk
            foreign = _call(client, case.method, path, key, body, params)
            assert foreign.status_code == 404, (case.route, foreign.text)
            if OTHER_DESK not in str(case.other_desk):  # nothing the caller did not name
                assert OTHER_DESK not in foreign.text, (case.route, foreign.text)
            if case.missing is not None:
                path, body, params = case.missing
                missing = _call(client, case.method, path, key, body, params)
                assert missing.status_code == 404, (case.route, missing.text)
                assert foreign.json()["error"] == missing.json()["error"], case.route
                shape = foreign.json()["detail"].replace(str(ids_of(case.other_desk)), "X")
                assert shape == missing.json()["detail"].replace(str(ids_of(case.missing)), "X"), (
                    case.route,
                    foreign.text,
                    missing.text,
                )
        if case.firm_wide:
            for key in (world.keys.desk_viewer, world.keys.desk_manager):
                r = _call(client, case.method, case.path, key, case.body, case.params)
                assert r.status_code == 403, (case.route, r.text)


def ids_of(request: tuple[str, dict[str, Any] | None, dict[str, Any]]) -> str:
    """The object a request names (row id, node or book), for comparing messages."""
    path, body, params = request
    last = [p for p in path.split("/") if p and p != "ack"][-1]
    if last.isdigit():
        return last
    if "node" in params:
        return str(params["node"])
    if "entity" in params:
        return f"entity:{params['entity']}"
    if body and "trades" in body:
        return f"book:{body['trades'][0]['book_id']}"
    if body and "node" in body:
        return str(body["node"])
    return last


def test_entitled_keys_are_allowed(client: TestClient, world: World, cases: list[Case]) -> None:
    """Desk keys on their own desk (reads; writes for the risk manager), firm-wide keys
    on firm-wide routes (the firm-wide risk manager writes), then the admin on all."""
    for case in cases:
        if case.firm_wide:
            key = world.keys.firm_manager if case.write else world.keys.all_viewer
            r = _call(client, case.method, case.path, key, case.body, case.params)
            assert r.status_code == case.ok, (case.route, r.text)
            continue
        if case.method == "DELETE":
            continue  # the admin deletes it below
        key = world.keys.desk_manager if case.write else world.keys.desk_viewer
        if case.route == "/v1/limits" and case.method == "POST":
            body = {**(case.body or {}), "horizon": 5}
        else:
            body = case.body
        r = _call(client, case.method, case.path, key, body, case.params)
        assert r.status_code == case.ok, (case.route, r.text)
    for case in cases:
        body = case.body
        if case.route == "/v1/limits" and case.method == "POST":
            body = {**(case.body or {}), "horizon": 20}
        r = _call(client, case.method, case.path, world.keys.admin, body, case.params)
        assert r.status_code == case.ok, (case.route, r.text)
