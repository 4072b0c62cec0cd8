"""The risk service: ``create_app(settings)`` builds the FastAPI app.

* ``/v1/...`` the API (:mod:`riskcap.api.routes`), OpenAPI at ``/openapi.json`` and
  ``/docs``;
* ``/metrics`` Prometheus (a key entitled to every desk);
* ``/`` the dashboard (:mod:`riskcap.web`), ``/static/...`` its scripts (Plotly from
  the installed ``plotly`` package: no CDN, works offline);
* ``/healthz`` liveness (no key).

Errors are JSON ``{"error": class, "detail": message}``: 401 bad or missing key,
403 role or desk, 404 unknown object, 409 conflict, 413 body too large, 422 invalid
input, 503 storage unavailable; an unexpected error is a bare 500 with a request id
(the traceback goes to the log only; no stack trace or SQL ever reaches a client).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from riskcap import __version__
from riskcap.api.deps import BookMap, FirmWide, ServiceState
from riskcap.api.metrics import ServiceMetrics
from riskcap.api.routes import router
from riskcap.api.runs import RunQueue
from riskcap.api.whatif import WhatIfCache, WhatIfRejected
from riskcap.config import Settings
from riskcap.data.lake import Lake
from riskcap.errors import (
    AuthenticationError,
    CatalogError,
    ConfigError,
    LakeError,
    NotFoundError,
    PermissionDenied,
    RiskcapError,
    RunLocked,
)
from riskcap.store.catalog import Catalog
from riskcap.store.service import LimitConflict
from riskcap.web import dashboard_html, plotly_js, static_dir

log = logging.getLogger("riskcap.api")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

STATUS: tuple[tuple[type[RiskcapError], int], ...] = (
    (AuthenticationError, 401),
    (PermissionDenied, 403),
    (NotFoundError, 404),
    (LimitConflict, 409),
    (RunLocked, 409),
    (CatalogError, 503),
    (LakeError, 503),
    (WhatIfRejected, 422),
    (ConfigError, 422),
)


def status_of(exc: RiskcapError) -> int:
    return next((code for cls, code in STATUS if isinstance(exc, cls)), 422)


def _error(status: int, error: str, detail: str, **headers: str) -> JSONResponse:
    return JSONResponse({"error": error, "detail": detail}, status_code=status, headers=headers)


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes (413), declared or streamed."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        too_big = _error(
            413, "PayloadTooLarge", f"request bodies are limited to {self.limit} bytes"
        )
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await too_big(scope, receive, send)
            return
        # read the whole body first (it is small by definition), so a streamed body
        # over the limit is refused before any route sees a byte of it
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.limit:
                await too_big(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def create_app(settings: Settings, *, catalog: Catalog | None = None) -> FastAPI:
    """The service over ``settings``' lake and catalog (see the module docstring)."""
    catalog = catalog or Catalog(settings.catalog_url)
    lake = Lake(settings.lake_path)
    metrics = ServiceMetrics(catalog)
    state = ServiceState(
        settings=settings,
        catalog=catalog,
        lake=lake,
        books=BookMap(lake),
        whatif=WhatIfCache(settings, catalog),
        runs=RunQueue(settings, catalog, metrics.on_event, metrics.on_done),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state.runs.start()
        yield
        state.runs.stop(timeout_s=None)

    app = FastAPI(
        title="riskcap risk service",
        version=__version__,
        description=(
            "Market risk and regulatory capital of the riskcap EOD runs. Authenticate "
            "with an API key (`riskcap keys create`) in the `X-API-Key` header."
        ),
        lifespan=lifespan,
    )
    app.state.riskcap = state
    app.state.metrics = metrics
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=static_dir()), name="static")

    @app.exception_handler(RiskcapError)
    async def riskcap_error(request: Request, exc: RiskcapError) -> JSONResponse:
        code = status_of(exc)
        if code >= 500:  # storage trouble: the message may hold SQL or paths; log it
            log.error("%s %s: %s", request.method, request.url.path, exc)
            return _error(code, type(exc).__name__, "storage unavailable; try again later")
        headers = {"WWW-Authenticate": "APIKey"} if code == 401 else {}
        return _error(code, type(exc).__name__, str(exc), **headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return _error(422, "ValidationError", f"{where}: {first.get('msg', 'invalid input')}")

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        ref = uuid.uuid4().hex[:12]
        log.exception("unexpected error %s on %s %s", ref, request.method, request.url.path)
        return _error(500, "InternalError", f"internal error (reference {ref})")

    @app.middleware("http")
    async def timing(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        code = 500
        try:
            response = await call_next(request)
            code = response.status_code
            return response
        finally:
            route = request.scope.get("route")
            label = getattr(route, "path", None) or "unmatched"
            metrics.requests.labels(request.method, label, str(code)).observe(
                time.perf_counter() - started
            )

    app.add_middleware(BodyLimit, limit=settings.service.max_body_bytes)

    @app.get("/metrics", include_in_schema=True, tags=["ops"], response_class=PlainTextResponse)
    def prometheus(caller: FirmWide) -> Response:
        """Prometheus text format (needs a key entitled to every desk)."""
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        """Liveness: the process answers (no key needed)."""
        return {"status": "ok", "version": __version__}

    @app.get("/vendor/plotly.min.js", include_in_schema=False)
    def plotly() -> FileResponse:
        return FileResponse(plotly_js(), media_type="text/javascript")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def dashboard() -> HTMLResponse:
        return HTMLResponse(dashboard_html())

    return app
