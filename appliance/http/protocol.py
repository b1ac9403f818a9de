"""How the box's web server holds its connections: uvicorn's HTTP protocol with a deadline for each request's head.

uvicorn closes a keep-alive connection left idle after an answer, but a connection that never finishes its request
line and headers (or opens and says nothing) it keeps for ever: a few hundred of them from a phone on the shop's
Wi-Fi ran the process out of file descriptors, and the tablets got errors. Here the head of every request must
arrive within HEAD_TIMEOUT; the body then is bounded by the app's size limits, and the number of connections by
`limit_concurrency` (server_config).
"""

from __future__ import annotations

import asyncio
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

HEAD_TIMEOUT = 10.0
# Past this many connections (or running requests) a new request is answered 503 at once; the tablets keep theirs.
MAX_CONNECTIONS = 1000


class GuardedHttpProtocol(HttpToolsProtocol):
    head_timeout = HEAD_TIMEOUT

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._head_deadline: asyncio.TimerHandle | None = None
        super().connection_made(transport)
        self._arm()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm()

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._head_deadline = self.loop.call_later(self.head_timeout, self._head_too_slow)

    def _disarm(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _head_too_slow(self) -> None:
        self._head_deadline = None
        # Only a connection still waiting for a head: one whose request is being answered is not touched.
        if (self.cycle is None or self.cycle.response_complete) and not self.transport.is_closing():
            self.transport.close()


def server_config(app: Any, host: str, port: int) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="on",
        http=GuardedHttpProtocol,
        limit_concurrency=MAX_CONNECTIONS,
    )
