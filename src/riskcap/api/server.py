"""How ``riskcap serve`` runs the app under uvicorn: timeouts, a connection cap, no
``Server`` header.

uvicorn closes idle keep-alive connections (``timeout_keep_alive``) and answers 503
past ``limit_concurrency``, but it never times out a client that connects and then
sends its request slowly or not at all (a slow-loris client holds the connection
for ever). :class:`ReadTimeoutH11` adds that: from the moment a connection opens,
or the first byte of a next request arrives on a kept-alive one, the client has
``service.read_timeout_s`` seconds to deliver the whole request (headers and
body); otherwise the connection is closed.
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from riskcap.config import Settings


class ReadTimeoutH11(H11Protocol):
    """uvicorn's h11 protocol with a deadline on reading each request."""

    read_timeout_s: float = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._read_deadline: asyncio.TimerHandle | None = None

    def _arm(self) -> None:
        if self._read_deadline is None:
            self._read_deadline = self.loop.call_later(self.read_timeout_s, self._too_slow)

    def _disarm(self) -> None:
        if self._read_deadline is not None:
            self._read_deadline.cancel()
            self._read_deadline = None

    def _too_slow(self) -> None:
        self._read_deadline = None
        if not self.transport.is_closing():
            self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self.conn.their_state is h11.IDLE:  # a (next) request begins
            self._arm()
        super().data_received(data)
        if self.conn.their_state in (h11.DONE, h11.MUST_CLOSE, h11.CLOSED, h11.ERROR):
            self._disarm()  # the whole request is in

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)


def protocol_class(read_timeout_s: float) -> type[ReadTimeoutH11]:
    """A :class:`ReadTimeoutH11` with the given deadline (uvicorn takes a class)."""
    return type("RiskcapH11", (ReadTimeoutH11,), {"read_timeout_s": read_timeout_s})


def server_options(settings: Settings, host: str | None, port: int | None) -> dict[str, Any]:
    """Keyword arguments of ``uvicorn.run`` for ``settings``' ``[service]`` section."""
    svc = settings.service
    return {
        "host": host or svc.host,
        "port": port or svc.port,
        "http": protocol_class(svc.read_timeout_s),
        "timeout_keep_alive": svc.keep_alive_s,
        "limit_concurrency": svc.max_connections,
        "server_header": False,
        "log_level": "info",
        "access_log": False,
    }
