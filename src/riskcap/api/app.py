"""The risk service: ``create_app(settings)`` builds the FastAPI app.

* ``/v1/...`` the API (:mod:`riskcap.api.routers`), OpenAPI at ``/openapi.json`` and
  ``/docs`` (Swagger UI from the installed ``fastapi-offline`` package; no ReDoc);
* ``/metrics`` Prometheus (a key entitled to every desk);
* ``/`` the dashboard (:mod:`riskcap.web`), ``/static/...`` its scripts (Plotly from
  the installed ``plotly`` package: no CDN, works offline);
* ``/healthz`` liveness (no key; the version only for an admin key).

Errors are JSON ``{"error": class, "detail": message}`` — unmatched routes, wrong
methods and unparsable bodies too: 401 bad or missing key, 403 role, 404 unknown
object *or one outside the key's desks* (the same answer), 405 method, 409
conflict, 413 body too large, 422 invalid input, 429 too many failed
authentications, 503 storage unavailable; an unexpected error is a bare 500 with a
request id (the traceback goes to the log only; no stack trace, SQL, path or URL
ever reaches a client). Every answer carries a Content-Security-Policy that allows
the service's own origin only, ``nosniff``, ``X-Frame-Options: DENY``,
``Referrer-Policy: no-referrer`` and, off the static assets, ``Cache-Control:
no-store``; there is no ``Server`` header.
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
from starlette.exceptions import HTTPException as StarletteHTTPException

from riskcap import __version__
from riskcap.api.deps import AuthThrottle, BookMap, FirmWide, MaybeCaller, ServiceState
from riskcap.api.metrics import ServiceMetrics
from riskcap.api.routers import router
from riskcap.api.runs import RunQueue
from riskcap.api.whatif import WhatIfCache
from riskcap.config import Settings, redact_credentials
from riskcap.data.lake import Lake
from riskcap.engine.compile_cache import use_compile_cache
from riskcap.errors import RiskcapError, TooManyRequests
from riskcap.store.catalog import Catalog
from riskcap.store.service import Role
from riskcap.web import dashboard_html, docs_assets_dir, docs_html, plotly_js, static_dir

log = logging.getLogger("riskcap.api")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def _error(status: int, error: str, detail: str, **headers: str) -> JSONResponse:
    return JSONResponse({"error": error, "detail": detail}, status_code=status, headers=headers)


# the only values a metrics label takes (anything else is counted as "other")
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
HTTP_ERRORS = {404: "NotFound", 405: "MethodNotAllowed", 400: "BadRequest"}
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
)
# static assets may be cached; every other answer (API, metrics, pages) may not
CACHEABLE = ("/static/", "/vendor/", "/docs-assets/")


KNOWN_STATUSES = frozenset(
    {200, 201, 202, 204, 304, 400, 401, 403, 404, 405, 409, 413, 422, 429, 500, 503}
)


def status_label(code: int) -> str:
    """A status code as a metrics label: the codes this app answers with, else the class."""
    return str(code) if code in KNOWN_STATUSES else f"{code // 100}xx"


class SecurityHeaders:
    """Add the security headers (and ``Cache-Control: no-store`` off static assets) to
    every answer, errors and 413s included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cacheable = str(scope.get("path", "")).startswith(CACHEABLE)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"server"]
                headers.extend(SECURITY_HEADERS)
                if not cacheable:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


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
    use_compile_cache(settings)
    catalog = catalog or Catalog.of(settings)
    lake = Lake.of(settings)
    metrics = ServiceMetrics(catalog)
    state = ServiceState(
        settings=settings,
        catalog=catalog,
        lake=lake,
        books=BookMap(lake),
        whatif=WhatIfCache(settings, catalog),
        runs=RunQueue(settings, catalog, metrics.on_event, metrics.on_done),
        metrics=metrics,
        throttle=AuthThrottle(settings.service.auth_failures_per_minute),
    )

    # where the service's files live: never named in an answer (a lake error's
    # message says "lake /srv/…/lake"; the client gets "lake <lake>")
    places = sorted(
        {
            (settings.lake_path, "<lake>"),
            (settings.catalog_url, "<catalog>"),
            (redact_credentials(settings.catalog_url), "<catalog>"),
            (str(settings.work_path), "<work dir>"),
            (str(settings.base_dir), "<config dir>"),
        },
        key=lambda p: -len(p[0]),
    )

    def scrub(message: str) -> str:
        for place, name in places:
            if place:
                message = message.replace(place, name)
        return message

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state.runs.start()
        yield
        state.runs.stop(timeout_s=None)

    app = FastAPI(
        docs_url=None,  # served below from installed assets, under the CSP
        redoc_url=None,
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
    app.mount("/docs-assets", StaticFiles(directory=docs_assets_dir()), name="docs-assets")

    @app.exception_handler(RiskcapError)
    async def riskcap_error(request: Request, exc: RiskcapError) -> JSONResponse:
        code = exc.http_status
        if code >= 500:  # storage trouble: the message may hold SQL or paths; log it
            log.error("%s %s: %s", request.method, request.url.path, exc)
            return _error(code, type(exc).__name__, "storage unavailable; try again later")
        headers = {"WWW-Authenticate": "APIKey"} if code == 401 else {}
        if isinstance(exc, TooManyRequests):
            headers = {"Retry-After": str(max(1, round(exc.retry_after_s)))}
        return _error(code, type(exc).__name__, scrub(str(exc)), **headers)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        """Unmatched routes, wrong methods, bad requests: the same error shape."""
        name = HTTP_ERRORS.get(exc.status_code, "HTTPError")
        detail = {
            404: f"no such route {request.url.path[:100]!r}; the API is under /v1 (see /docs)",
            405: f"{request.method[:20]} is not allowed here",
        }.get(exc.status_code, str(exc.detail))
        return _error(exc.status_code, name, detail, **(exc.headers or {}))

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
            method = request.method if request.method in METHODS else "other"
            metrics.requests.labels(method, label, status_label(code)).observe(
                time.perf_counter() - started
            )

    app.add_middleware(BodyLimit, limit=settings.service.max_body_bytes)
    app.add_middleware(SecurityHeaders)

    @app.get("/metrics", include_in_schema=True, tags=["ops"], response_class=PlainTextResponse)
    def prometheus(caller: FirmWide) -> Response:
        """Prometheus text format (needs a key entitled to every desk)."""
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @app.get("/healthz", tags=["ops"])
    def healthz(caller: MaybeCaller) -> dict[str, str]:
        """Liveness: the process answers (no key needed); the version for admin keys."""
        if caller is not None and caller.role is Role.ADMIN:
            return {"status": "ok", "version": __version__}
        return {"status": "ok"}

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        """Swagger UI from the installed ``fastapi-offline`` package (no CDN)."""
        return HTMLResponse(docs_html())

    @app.get("/vendor/plotly.min.js", include_in_schema=False)
    def plotly() -> FileResponse:
        return FileResponse(plotly_js(), media_type="text/javascript")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def dashboard() -> HTMLResponse:
        return HTMLResponse(dashboard_html())

    return app
