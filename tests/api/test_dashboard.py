"""The dashboard in a real browser: Debian's chromium driven by Playwright.

The service runs under uvicorn on loopback; the browser enters a key, the test reads
the numbers the VaR chart holds and compares them with the catalog, drills down from
the firm to a desk, and saves screenshots under ``test-output/``. Every request the
page makes must stay on the service's own origin (Plotly included: no CDN).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import uvicorn

from riskcap.api.app import create_app
from riskcap.api.server import server_options
from riskcap.store.catalog import Catalog, Result
from tests.api.conftest import DESK, World

CHROMIUM = Path("/usr/bin/chromium")
OUTPUT = Path(__file__).resolve().parents[2] / "test-output"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(world: World) -> Iterator[str]:
    port = _free_port()
    options = {**server_options(world.settings, "127.0.0.1", port), "log_level": "warning"}
    config = uvicorn.Config(create_app(world.settings), **options)
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(30)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is required under CI=true (make test installs it)")
        pytest.skip(f"{CHROMIUM} not installed (make test installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        yield b
        b.close()


def _var_series(world: World, node: str) -> dict[str, float]:
    """The node's hs 1-day 99 % VaR of every day's run of record, from the catalog."""
    out = {}
    with Catalog(world.settings.catalog_url) as catalog:
        for day, run_id in world.run_ids.items():
            (r,) = [
                r
                for r in catalog.results(run_id)
                if (r.node, r.method, r.measure, r.horizon, r.confidence)
                == (node, "hs", "var", 1, 0.99)
            ]
            assert isinstance(r, Result)
            out[day.isoformat()] = r.value
    return out


def _basel3(world: World, node: str) -> dict[str, float]:
    """The node's Basel III figures of the last day's run, from the catalog."""
    with Catalog(world.settings.catalog_url) as catalog:
        rows = catalog.results(world.run_ids[world.days[-1]])
    return {r.measure: r.value for r in rows if r.method == "basel3" and r.node == node}


def _chart(page: object, element: str) -> dict[str, list[object]]:
    data = page.evaluate(  # type: ignore[attr-defined]
        f"() => document.getElementById('{element}').data"
        ".map(t => ({name: t.name, x: Array.from(t.x), y: Array.from(t.y)}))"
    )
    return {t["name"]: t for t in data}


def _watch(page: Any, hosts: set[str], errors: list[str]) -> None:
    """Record every host the page asks and every console error (a CSP violation is one)."""
    page.on("request", lambda req: hosts.add(urlparse(req.url).netloc))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)


def _open(
    browser: object, server: str, key: str, hosts: set[str], errors: list[str] | None = None
) -> object:
    page = browser.new_page(viewport={"width": 1400, "height": 1600})  # type: ignore[attr-defined]
    _watch(page, hosts, errors if errors is not None else [])
    page.goto(server + "/")
    page.wait_for_selector("#login:not([hidden])")
    page.fill("#key", key)
    page.click("#login-button")
    page.wait_for_selector("body[data-loaded='true']", timeout=60_000)
    return page


def test_dashboard_shows_the_runs_numbers_and_drills_down(
    browser: object, server: str, world: World
) -> None:
    OUTPUT.mkdir(exist_ok=True)
    hosts: set[str] = set()
    errors: list[str] = []
    page = _open(browser, server, world.keys.admin, hosts, errors)
    assert page.get_attribute("body", "data-node") == "firm:RISKCAP"  # type: ignore[attr-defined]
    firm = _var_series(world, "firm:RISKCAP")
    var = _chart(page, "var-trend")["VaR"]
    assert dict(zip(var["x"], var["y"], strict=True)) == firm
    latest = page.get_attribute("#latest-var", "data-value")  # type: ignore[attr-defined]
    assert float(latest) == firm[max(firm)]
    hist = _chart(page, "pnl-hist")["scenarios"]
    assert sum(hist["y"]) == 250  # the 1-day HS look-back of the demo config
    # the Basel III panel (issue 21): the RWA waterfall ends at the firm's total RWA and
    # the ratio markers are the catalog's ratios, in per cent
    figures = _basel3(world, "firm:RISKCAP")
    waterfall = _chart(page, "rwa-waterfall")["RWA"]
    assert waterfall["y"][-1] == pytest.approx(figures["rwa:total"])
    assert waterfall["x"][0] == "credit" and waterfall["y"][0] == figures["rwa:credit"]
    ratios = _chart(page, "ratios")["ratio"]
    assert dict(zip(ratios["x"], ratios["y"], strict=True)) == pytest.approx(
        {k: 100 * figures[f"ratio:{k}"] for k in ("cet1", "tier1", "total", "leverage")}
    )
    page.screenshot(path=str(OUTPUT / "dashboard-firm.png"), full_page=True)  # type: ignore[attr-defined]

    # drill down: firm → entity → desk (click the links in the children table)
    page.click("#children a[data-node='entity:RC-US-LLC']")  # type: ignore[attr-defined]
    page.wait_for_selector("body[data-node='entity:RC-US-LLC'][data-loaded='true']")  # type: ignore[attr-defined]
    page.click(f"#children a[data-node='desk:{DESK}']")  # type: ignore[attr-defined]
    page.wait_for_selector(f"body[data-node='desk:{DESK}']")  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        f"() => document.querySelector('.node-name').textContent === 'desk:{DESK}'"
        " && document.getElementById('status').textContent === ''"
    )
    desk = _chart(page, "var-trend")["VaR"]
    assert dict(zip(desk["x"], desk["y"], strict=True)) == _var_series(world, f"desk:{DESK}")
    crumbs = page.inner_text("#breadcrumbs")  # type: ignore[attr-defined]
    assert "firm:RISKCAP" in crumbs and f"desk:{DESK}" in crumbs
    page.screenshot(path=str(OUTPUT / "dashboard-desk.png"), full_page=True)  # type: ignore[attr-defined]
    assert hosts == {urlparse(server).netloc}  # offline: nothing from any other host
    # the page works under the service's Content-Security-Policy (nothing refused)
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_api_docs_load_from_the_service_itself(browser: object, server: str) -> None:
    """/docs is Swagger UI from the installed package: every request on the service's
    origin, no CSP violation, and the operations of the OpenAPI document are listed."""
    hosts: set[str] = set()
    errors: list[str] = []
    page: Any = browser.new_page()  # type: ignore[attr-defined]
    _watch(page, hosts, errors)
    response = page.goto(server + "/docs")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector(".opblock-summary-path", timeout=60_000)
    paths = page.eval_on_selector_all(".opblock-summary-path", "els => els.map(e => e.textContent)")
    assert any("/v1/results" in p for p in paths), paths
    assert hosts == {urlparse(server).netloc}
    assert not [e for e in errors if "Content Security Policy" in e], errors
    page.screenshot(path=str(OUTPUT / "api-docs.png"))


def test_desk_key_sees_its_desk_only(browser: object, server: str, world: World) -> None:
    hosts: set[str] = set()
    page = _open(browser, server, world.keys.desk_viewer, hosts)
    assert page.get_attribute("body", "data-node") == f"desk:{DESK}"  # type: ignore[attr-defined]
    links = page.eval_on_selector_all(  # type: ignore[attr-defined]
        "a.node", "els => els.map(e => e.dataset.node)"
    )
    assert links and all(n.startswith(("desk:", "book:")) for n in links)
    assert page.inner_text("#status") == ""  # type: ignore[attr-defined]


def test_a_bad_key_is_refused(browser: object, server: str) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(server + "/")
    page.fill("#key", "rk_nothing_here")
    page.click("#login-button")
    page.wait_for_selector("#login-error:has-text('refused')")
