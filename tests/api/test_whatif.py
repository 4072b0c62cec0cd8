"""What-if VaR/ES against independent computations.

Sources: incremental VaR is VaR(portfolio + trade) − VaR(portfolio) on the joint
scenario P&L (Jorion, *Value at Risk*, 3rd ed., §7.2.3); the empirical VaR/ES
convention is DESIGN.md §3 (k = ⌈(1 − α)·n⌉ worst scenarios), re-implemented here
with NumPy. The trade's P&L is checked against a full revaluation of the same
position by the EOD engine on its own.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from riskcap.api.whatif import tail_var_es
from riskcap.data.lake import Lake
from riskcap.engine.local import revalue
from riskcap.engine.var import VarMethod, VarSpec, scenario_shocks
from riskcap.inputs.risk_inputs import load_risk_inputs
from riskcap.risk.measures import var_es
from riskcap.store.catalog import Catalog
from riskcap.store.service import Role, create_key
from tests.api.conftest import World, auth


def numpy_var_es(pnl: np.ndarray, confidence: float) -> tuple[float, float]:
    k = max(1, math.ceil(round((1 - confidence) * pnl.size, 9)))
    tail = np.sort(pnl)[:k]
    return float(-tail[-1]), float(-tail.mean())


@pytest.fixture(scope="module")
def positions(world: World) -> list[dict]:
    lake = Lake(world.settings.lake_path)
    return lake.read("positions", filters=[("as_of", "=", world.days[-1])]).to_pylist()


def _cached(world: World, node: str) -> np.ndarray:
    table = Lake(world.settings.lake_path).read(
        "pnl_vectors",
        filters=[
            ("run_id", "=", world.run_ids[world.days[-1]]),
            ("node", "=", node),
            ("scenario_set", "=", "hs_1d"),
        ],
    )
    return np.asarray(table.column("pnl")[0].as_py())


def test_whatif_matches_a_full_revaluation(
    client: TestClient, world: World, positions: list[dict]
) -> None:
    """Adding a copy of an option position: the trade's P&L equals that position
    revalued on its own by the EOD engine, and every node's after-figures equal
    NumPy's on cached + trade P&L."""
    books = {b["book_id"]: b for b in Lake(world.settings.lake_path).read("books").to_pylist()}
    inst = Lake(world.settings.lake_path).read("instruments").to_pylist()
    kinds = {i["instrument_id"]: i["instrument_type"] for i in inst}
    pos = next(p for p in positions if kinds[p["instrument_id"]].endswith("option"))
    quantity = 3.0 * pos["quantity"]
    r = client.post(
        "/v1/whatif",
        json={
            "trades": [
                {
                    "book_id": pos["book_id"],
                    "instrument_id": pos["instrument_id"],
                    "quantity": quantity,
                }
            ]
        },
        headers=auth(world.keys.admin),
    )
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["run_id"] == world.run_ids[world.days[-1]] and out["scenario_set"] == "hs_1d"
    book = books[pos["book_id"]]
    expected_nodes = [
        f"firm:{book['firm']}",
        f"entity:{book['legal_entity']}",
        f"desk:{book['desk']}",
        f"book:{pos['book_id']}",
    ]
    assert [n["node"] for n in out["nodes"]] == expected_nodes
    # the trade alone, valued by the EOD engine: the run's versions, its own book
    alone = load_risk_inputs(
        Lake(world.settings.lake_path),
        world.days[-1],
        None,
        positions=pd.DataFrame(
            {
                "book_id": [pos["book_id"]],
                "instrument_id": [pos["instrument_id"]],
                "quantity": [quantity],
            }
        ),
    )
    spec = VarSpec.from_config(
        world.settings.risk, world.settings.engine, method=VarMethod.HS, horizon=1
    )
    shocks = scenario_shocks(alone, spec)
    trade_pnl = revalue(alone.book, alone.market, shocks, alone.hierarchy, memory_gb=2.0)[0]
    var, es = numpy_var_es(trade_pnl, 0.99)
    assert out["standalone_var"] == pytest.approx(var, rel=1e-9)
    assert out["standalone_es"] == pytest.approx(es, rel=1e-9)
    for node in out["nodes"]:
        before = _cached(world, node["node"])
        v0, e0 = numpy_var_es(before, 0.99)
        v1, e1 = numpy_var_es(before + trade_pnl, 0.99)
        assert node["var_before"] == pytest.approx(v0, rel=1e-12)
        assert node["es_before"] == pytest.approx(e0, rel=1e-12)
        assert node["var_after"] == pytest.approx(v1, rel=1e-9)
        assert node["es_after"] == pytest.approx(e1, rel=1e-9)
        assert node["incremental_var"] == pytest.approx(v1 - v0, rel=1e-6, abs=1e-6)


def test_closing_a_book_leaves_no_risk(
    client: TestClient, world: World, positions: list[dict]
) -> None:
    """Selling every position of a book: the book's P&L is zero in every scenario, so
    its VaR and ES after are 0 and the incremental VaR is minus its VaR."""
    book = next(p["book_id"] for p in positions if p["book_id"].startswith("EQC"))
    trades = [
        {"book_id": p["book_id"], "instrument_id": p["instrument_id"], "quantity": -p["quantity"]}
        for p in positions
        if p["book_id"] == book
    ]
    out = client.post("/v1/whatif", json={"trades": trades}, headers=auth(world.keys.desk_viewer))
    assert out.status_code == 200, out.text
    node = next(n for n in out.json()["nodes"] if n["node"] == f"book:{book}")
    assert node["var_after"] == pytest.approx(0.0, abs=1e-6)
    assert node["es_after"] == pytest.approx(0.0, abs=1e-6)
    assert node["incremental_var"] == pytest.approx(-node["var_before"], rel=1e-9)
    # a desk viewer never sees firm or entity figures
    assert {n["node"].split(":")[0] for n in out.json()["nodes"]} == {"desk", "book"}


def test_bad_trades_are_422(client: TestClient, world: World, positions: list[dict]) -> None:
    h = auth(world.keys.admin)
    book = next(p["book_id"] for p in positions if p["book_id"].startswith("EQC"))
    for trade, words, status in (
        ({"book_id": book, "instrument_id": "NOPE", "quantity": 1}, "unknown instrument", 422),
        # an unknown book answers like a book outside the key's desks (issue 26, item 2)
        ({"book_id": "NO-BOOK", "instrument_id": "AAPL", "quantity": 1}, "no node", 404),
    ):
        r = client.post("/v1/whatif", json={"trades": [trade]}, headers=h)
        assert r.status_code == status and words in r.json()["detail"], r.text
    r = client.post("/v1/whatif", json={"trades": []}, headers=h)
    assert r.status_code == 422
    r = client.post(
        "/v1/whatif",
        json={"trades": [{"book_id": book, "instrument_id": "AAPL", "quantity": "lots"}]},
        headers=h,
    )
    assert r.status_code == 422


@settings(deadline=None)  # JAX compiles the core measure once per new shape
@given(
    arrays(
        np.float64,
        st.tuples(st.integers(1, 4), st.integers(1, 300)),
        # XLA on CPU flushes subnormal floats to zero, NumPy keeps them: a P&L of
        # -2e-313 is a VaR of 2e-313 in one and -0.0 in the other (no money either way)
        elements=st.floats(-1e9, 1e9, allow_nan=False, allow_subnormal=False),
    ),
    st.sampled_from([0.9, 0.95, 0.975, 0.99]),
)
def test_selection_var_es_equals_the_sorted_one(pnl: np.ndarray, confidence: float) -> None:
    """The what-if's O(n) selection gives the core's VaR exactly and its ES to rounding."""
    var, es = tail_var_es(pnl, confidence)
    core_var, core_es = (np.asarray(a) for a in var_es(pnl, confidence))
    assert np.array_equal(var, core_var)
    assert np.allclose(es, core_es, rtol=1e-12, atol=1e-3)
    assert np.all(es >= var - 1e-6)  # ES ≥ VaR


def test_standalone_covers_trades_in_several_desks(
    client: TestClient, world: World, positions: list[dict]
) -> None:
    """Trades in two desks, asked by a key for just those two desks (no firm node to
    read the sum from): the stand-alone VaR/ES are those of the summed P&L, revalued
    independently by the EOD engine (NumPy VaR/ES)."""
    with Catalog(world.settings.catalog_url) as catalog:
        key = create_key(catalog, Role.VIEWER, ["EQ-CASH", "RATES"]).token
    lake = Lake(world.settings.lake_path)
    desk_of = {b["book_id"]: b["desk"] for b in lake.read("books").to_pylist()}
    picked = [
        next(p for p in positions if desk_of[p["book_id"]] == d) for d in ("EQ-CASH", "RATES")
    ]
    frame = pd.DataFrame(
        {
            "book_id": [p["book_id"] for p in picked],
            "instrument_id": [p["instrument_id"] for p in picked],
            "quantity": [2.0 * p["quantity"] for p in picked],
        }
    )
    out = client.post("/v1/whatif", json={"trades": frame.to_dict("records")}, headers=auth(key))
    assert out.status_code == 200, out.text
    got = out.json()
    assert {n["node"].split(":")[0] for n in got["nodes"]} == {"desk", "book"}
    assert {"desk:EQ-CASH", "desk:RATES"} <= {n["node"] for n in got["nodes"]}
    alone = load_risk_inputs(lake, world.days[-1], None, positions=frame)
    spec = VarSpec.from_config(
        world.settings.risk, world.settings.engine, method=VarMethod.HS, horizon=1
    )
    pnl = revalue(
        alone.book, alone.market, scenario_shocks(alone, spec), alone.hierarchy, memory_gb=2.0
    )[0]
    var, es = numpy_var_es(pnl, 0.99)
    assert got["standalone_var"] == pytest.approx(var, rel=1e-9)
    assert got["standalone_es"] == pytest.approx(es, rel=1e-9)


# -- optimise (issue 22, part A) -------------------------------------------------------
HEDGES = [
    {"instrument_id": "ES-20230317", "lower": -200, "upper": 200},
    {"instrument_id": "SPX-20230317-P-3825", "lower": -500, "upper": 500},
]


def test_optimise_lowers_the_desks_es_and_the_whatif_agrees(
    client: TestClient, world: World
) -> None:
    """The hedge found by the LP: ES before equals the published vector's (NumPy
    sort), the what-if of the hedge trades gives the optimiser's ES after, the gradient
    method is within 1e-4 of the LP, and no one-unit move inside the bounds lowers it."""
    body = {"node": "desk:EQ-CASH", "book": "EQC-TECH", "hedges": HEDGES, "solver": "both"}
    r = client.post("/v1/optimise", json=body, headers=auth(world.keys.desk_manager))
    assert r.status_code == 200, r.text
    out = r.json()
    confidence = world.settings.service.whatif_confidence
    var0, es0 = numpy_var_es(_cached(world, "desk:EQ-CASH"), confidence)
    assert out["es_before"] == pytest.approx(es0, rel=1e-12)
    assert out["var_before"] == pytest.approx(var0, rel=1e-12)
    assert out["es_after"] < 0.9 * out["es_before"]
    desk = next(n for n in out["whatif"]["nodes"] if n["node"] == "desk:EQ-CASH")
    assert desk["es_after"] == pytest.approx(out["es_after"], rel=1e-9)
    assert desk["var_after"] == pytest.approx(out["var_after"], rel=1e-9)
    lp, grad = out["solvers"]
    assert (lp["solver"], grad["solver"]) == ("lp", "gradient")
    assert 0 <= (grad["es"] - lp["es"]) / lp["es"] <= 1e-4
    for line, spec in zip(out["hedges"], HEDGES, strict=True):
        assert spec["lower"] - 1e-9 <= line["quantity"] <= spec["upper"] + 1e-9
        if spec["lower"] + 1e-6 < line["quantity"] < spec["upper"] - 1e-6:
            assert min(line["es_per_unit_bought"], line["es_per_unit_sold"]) >= -1e-6
    # a desk key sees no firm or entity figure in the what-if either
    assert {n["node"].split(":")[0] for n in out["whatif"]["nodes"]} == {"desk", "book"}


def test_optimise_minimising_var(client: TestClient, world: World) -> None:
    es_body = {"node": "book:EQC-TECH", "hedges": HEDGES}
    es_out = client.post("/v1/optimise", json=es_body, headers=auth(world.keys.admin)).json()
    r = client.post(
        "/v1/optimise", json={**es_body, "measure": "var"}, headers=auth(world.keys.admin)
    )
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["solver"] == "lp-var" and out["book"] == "EQC-TECH"
    assert out["var_after"] <= es_out["var_after"] + 1e-6  # never worse than the ES optimum


def test_bad_optimise_requests_name_the_cause(client: TestClient, world: World) -> None:
    h = auth(world.keys.admin)
    base = {"node": "desk:EQ-CASH", "book": "EQC-TECH", "hedges": HEDGES}
    for change, words, status in (
        (
            {"hedges": [{"instrument_id": "NOPE", "lower": 0, "upper": 1}]},
            "unknown instrument",
            422,
        ),
        (
            {"hedges": [{"instrument_id": "ES-20230317", "lower": 5, "upper": 1}]},
            "lower > upper",
            422,
        ),
        ({"book": None}, "is not a book", 422),
        ({"book": "RTS-SWAPS"}, "not under desk:EQ-CASH", 422),
        ({"hedges": [HEDGES[0], HEDGES[0]]}, "named twice", 422),
        ({"node": "desk:NOPE"}, "no node", 404),
        ({"measure": "cvar"}, "", 422),
    ):
        r = client.post("/v1/optimise", json={**base, **change}, headers=h)
        assert r.status_code == status and words in r.json()["detail"], (change, r.text)
    # a budget of nothing buys nothing: the node as it is
    r = client.post("/v1/optimise", json={**base, "budget": 0}, headers=h)
    assert r.status_code == 200, r.text
    out = r.json()
    assert all(abs(line["quantity"]) < 1e-9 and line["cost"] > 0 for line in out["hedges"])
    assert out["es_after"] == pytest.approx(out["es_before"], rel=1e-12)
    # infeasible: at least a positive mean P&L no bounded hedge can reach
    r = client.post("/v1/optimise", json={**base, "min_mean": 1e12}, headers=h)
    assert r.status_code == 422 and "infeasible" in r.json()["detail"], r.text


def test_riskcap_optimise_cli(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from riskcap.cli import run

    monkeypatch.chdir(world.directory)
    args = ["optimise", "--node", "desk:EQ-CASH", "--book", "EQC-TECH"]
    args += ["--hedge", "ES-20230317:-200:200", "--hedge", "SPX-20230317-P-3825:-500:500:"]
    assert run([*args, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["es_after"] < out["es_before"] and out["solver"] == "lp"
    assert run(args) == 0
    text = capsys.readouterr().out
    assert "what-if after" in text and "ES-20230317" in text
    assert run([*args, "--hedge", "NOPE:0:1"]) == 15
    assert "unknown instrument(s): NOPE" in capsys.readouterr().err
    assert run([*args[:-1], "ES-20230317:a:b"]) == 15
    assert "bounds and cost must be numbers" in capsys.readouterr().err
