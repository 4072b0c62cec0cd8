"""Benchmark `whatif`: incremental VaR/ES of a proposed trade over HTTP, then under load.

The demo world (``--days`` business days) is run through the EOD with
``risk.mc_scenarios = --scenarios`` and the service pricing what-if requests on the
run's cached ``mc_1d`` P&L vectors (``service.whatif_scenario_set``). ``riskcap serve``
runs in its own process on loopback; this process is the client.

1. latency: one client, ``--requests`` sequential what-if requests (one option
   trade; one in five a three-trade basket), after 20 warm-up requests: p50, p99;
2. load: ``--clients`` concurrent clients for ``--seconds`` (asyncio + httpx): p50,
   p99, requests/s and errors (any answer but 200);
3. baseline (same run, in process): what a risk manager does without cached P&L
   vectors — full revaluation of the whole book with the trade added on the same
   scenarios, then VaR/ES (:func:`riskcap.engine.local.revalue` + ``var_es``).

    python benchmarks/whatif.py [--scenarios 10000 --requests 500 --clients 50 --seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx2 as httpx
import numpy as np
from _common import report
from rich.console import Console

from riskcap.cli.demo import prepare_demo
from riskcap.config import load_settings
from riskcap.data.lake import Lake
from riskcap.engine.local import revalue
from riskcap.pipeline.runner import run_eod
from riskcap.risk.measures import var_es
from riskcap.store.catalog import Catalog
from riskcap.store.service import Role, create_key


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def prepare(directory: Path, days: int, scenarios: int) -> tuple[Path, Any]:
    (directory / "riskcap.toml").write_text(
        f"[demo]\ndays = {days}\n\n[risk]\nmc_scenarios = {scenarios}\n\n"
        '[service]\nwhatif_scenario_set = "mc_1d"\n'
    )
    setup = prepare_demo(directory, Console(quiet=True))
    settings = load_settings(directory / "riskcap.toml")
    for day in setup.trade_dates:
        run_eod(settings, day)
    return directory / "riskcap.toml", setup.trade_dates[-1]


def trades(directory: Path, as_of: Any) -> list[list[dict[str, Any]]]:
    settings = load_settings(directory / "riskcap.toml")
    lake = Lake(settings.lake_path)
    kinds = {r["instrument_id"]: r["instrument_type"] for r in lake.read("instruments").to_pylist()}
    held = lake.read("positions", filters=[("as_of", "=", as_of)]).to_pylist()
    options = [p for p in held if kinds[p["instrument_id"]].endswith("option")]
    one = [
        {"book_id": p["book_id"], "instrument_id": p["instrument_id"], "quantity": 10.0}
        for p in options[:1]
    ]
    basket = [
        {"book_id": p["book_id"], "instrument_id": p["instrument_id"], "quantity": -5.0}
        for p in held[:3]
    ]
    return [one, basket]


def start_server(config: Path, port: int) -> subprocess.Popen[bytes]:
    child = subprocess.Popen(
        [sys.executable, "-m", "riskcap", "serve", "--port", str(port), "--config", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return child
        except httpx.HTTPError:
            time.sleep(0.3)
    child.kill()
    raise SystemExit("riskcap serve did not start")


def latency(url: str, key: str, bodies: list[list[dict[str, Any]]], n: int) -> dict[str, Any]:
    times: list[float] = []
    server_ms: list[float] = []
    with httpx.Client(base_url=url, headers={"X-API-Key": key}, timeout=30) as c:
        for i in range(20 + n):
            body = {"trades": bodies[1 if i % 5 == 4 else 0]}
            started = time.perf_counter()
            r = c.post("/v1/whatif", json=body)
            elapsed = time.perf_counter() - started
            if r.status_code != 200:
                raise SystemExit(f"what-if failed: {r.status_code} {r.text}")
            if i >= 20:
                times.append(elapsed * 1000)
                server_ms.append(r.json()["milliseconds"])
    return {
        "p50_ms": round(percentile(times, 50), 2),
        "p99_ms": round(percentile(times, 99), 2),
        "max_ms": round(max(times), 2),
        "compute_p50_ms": round(percentile(server_ms, 50), 2),
        "compute_p99_ms": round(percentile(server_ms, 99), 2),
    }


async def load(
    url: str, key: str, bodies: list[list[dict[str, Any]]], clients: int, seconds: float
) -> dict[str, Any]:
    times: list[float] = []
    errors: dict[str, int] = {}
    stop = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async def client(c: httpx.AsyncClient, seed: int) -> None:
        rng = random.Random(seed)
        while time.perf_counter() < stop:
            body = {"trades": bodies[rng.random() < 0.2]}
            started = time.perf_counter()
            try:
                r = await c.post("/v1/whatif", json=body)
                code = str(r.status_code)
            except httpx.HTTPError as exc:
                code = type(exc).__name__
            if code == "200":
                times.append((time.perf_counter() - started) * 1000)
            else:
                errors[code] = errors.get(code, 0) + 1

    async with httpx.AsyncClient(
        base_url=url, headers={"X-API-Key": key}, timeout=60, limits=limits
    ) as c:
        started = time.perf_counter()
        await asyncio.gather(*(client(c, i) for i in range(clients)))
        wall = time.perf_counter() - started
    return {
        "clients": clients,
        "seconds": round(wall, 2),
        "requests": len(times) + sum(errors.values()),
        "ok": len(times),
        "errors": errors,
        "requests_per_s": round(len(times) / wall, 1),
        "p50_ms": round(percentile(times, 50), 2),
        "p99_ms": round(percentile(times, 99), 2),
    }


def baseline(config: Path, body: list[dict[str, Any]], repeats: int = 3) -> dict[str, Any]:
    """Full revaluation of book + trade on the run's scenarios, then VaR/ES."""
    import pandas as pd

    from riskcap.api.whatif import WhatIfCache

    settings = load_settings(config)
    with Catalog(settings.catalog_url) as catalog:
        model = WhatIfCache(settings, catalog).model()
    held = model.inputs.positions[["book_id", "instrument_id", "quantity"]]
    extra = pd.DataFrame(body)[["book_id", "instrument_id", "quantity"]]
    from riskcap.inputs.risk_inputs import load_risk_inputs

    inputs = load_risk_inputs(
        Lake(settings.lake_path),
        model.as_of,
        None,
        versions=model.inputs.versions,
        positions=pd.concat([held, extra], ignore_index=True),
    )
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        pnl = revalue(
            inputs.book,
            inputs.market,
            model.shocks,
            inputs.hierarchy,
            memory_gb=settings.engine.memory_gb,
        )
        var_es(pnl[0], settings.service.whatif_confidence)
        times.append(time.perf_counter() - started)
    return {"seconds": round(min(times), 3), "positions": inputs.book.size}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--scenarios", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="riskcap-whatif-") as tmp:
        config, as_of = prepare(Path(tmp), args.days, args.scenarios)
        bodies = trades(Path(tmp), as_of)
        with Catalog(load_settings(config).catalog_url) as catalog:
            key = create_key(catalog, Role.RISK_MANAGER, ["*"], "benchmark").token
        server = start_server(config, args.port)
        url = f"http://127.0.0.1:{args.port}"
        try:
            lat = latency(url, key, bodies, args.requests)
            loaded = asyncio.run(load(url, key, bodies, args.clients, args.seconds))
        finally:
            server.terminate()
            server.wait(30)
        base = baseline(config, bodies[0])
    report(
        "whatif",
        scenarios=args.scenarios,
        trades=[len(b) for b in bodies],
        latency=lat,
        load=loaded,
        baseline_full_revaluation_s=base["seconds"],
        baseline_positions=base["positions"],
        ratio_p50=round(base["seconds"] * 1000 / lat["p50_ms"], 1),
        server_pid_cpu=os.cpu_count(),
    )
    print(json.dumps({"p50_ms": lat["p50_ms"], "p99_ms": lat["p99_ms"]}))


if __name__ == "__main__":
    main()
